//! Attribute printing: one `#[...]` line per attribute, after the doc lines
//! (the order between the two is not kept: neither changes the other's meaning).

use std::fmt::Write;

use super::Printer;
use crate::ast::*;

impl Printer<'_> {
    pub(super) fn attrs(&mut self, attrs: &[Attribute]) {
        for attr in attrs {
            self.line_start();
            let _ = write!(self.out, "#[{}", attr.name.name);
            if let Some(args) = &attr.args {
                self.out.push('(');
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.out.push_str(&arg.name.name);
                    if let Some(value) = &arg.value {
                        self.out.push_str(" = ");
                        self.attr_value(value);
                    }
                }
                self.out.push(')');
            }
            self.out.push_str("]\n");
        }
    }

    fn attr_value(&mut self, value: &AttributeValue) {
        match value {
            AttributeValue::Address(a) => {
                let _ = write!(self.out, "@{}", a.value);
            }
            AttributeValue::Number(Some(n), _) => {
                let _ = write!(self.out, "{n}");
            }
            // Only after a reported error: prints something that parses.
            AttributeValue::Number(None, _) => self.out.push('0'),
            AttributeValue::Path(p) => self.path(p),
        }
    }
}
