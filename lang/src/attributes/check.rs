//! Which attributes may be written where, and with which arguments.

use std::collections::HashMap;

use crate::ast::{Attribute, Doc, Module};
use crate::diagnostics::{Code, Diagnostic};

/// The kinds of things attributes are written before.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Module,
    Use,
    Friend,
    Struct,
    Field,
    Const,
    Function,
}

impl Place {
    fn describe(self) -> &'static str {
        match self {
            Place::Module => "a module",
            Place::Use => "a `use`",
            Place::Friend => "a `friend` declaration",
            Place::Struct => "a struct",
            Place::Field => "a struct field",
            Place::Const => "a constant",
            Place::Function => "a function",
        }
    }
}

const KNOWN: &str = "Resin's attributes are `#[test]`, `#[expected_failure]` and `#[test_only]`";

/// Checks the attributes of `module` and of everything in it.
pub(super) fn module(module: &Module, diags: &mut Vec<Diagnostic>) {
    doc(&module.doc, Place::Module, diags);
    for u in &module.uses {
        doc(&u.doc, Place::Use, diags);
    }
    for f in &module.friends {
        doc(&f.doc, Place::Friend, diags);
    }
    for s in &module.structs {
        doc(&s.doc, Place::Struct, diags);
        for field in &s.fields {
            doc(&field.doc, Place::Field, diags);
        }
    }
    for c in &module.constants {
        doc(&c.doc, Place::Const, diags);
    }
    for f in &module.functions {
        doc(&f.doc, Place::Function, diags);
    }
}

fn doc(doc: &Doc, place: Place, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Attribute> = HashMap::new();
    for attr in &doc.attrs {
        let name = attr.name.name.as_str();
        if let Some(first) = seen.get(name) {
            diags.push(
                invalid(attr, format!("`#[{name}]` is written twice"))
                    .with_label_message("written again here")
                    .with_secondary(first.span, "first written here"),
            );
            continue;
        }
        seen.insert(name, attr);
        match name {
            "test" | "expected_failure" if place != Place::Function => diags.push(
                invalid(attr, format!("`#[{name}]` cannot be written on {}", place.describe()))
                    .with_label_message("only functions can be tests")
                    .with_hint(format!("write `#[{name}]` before a function")),
            ),
            "test_only" if place == Place::Field => diags.push(
                invalid(attr, "`#[test_only]` cannot be written on a struct field")
                    .with_label_message("fields belong to their struct")
                    .with_hint("mark the whole struct `#[test_only]`"),
            ),
            "test_only" if attr.args.is_some() => diags.push(
                invalid(attr, "`#[test_only]` takes no arguments")
                    .with_label_message("arguments here")
                    .with_hint("write `#[test_only]`"),
            ),
            "test" | "expected_failure" | "test_only" => {}
            _ => diags.push(
                invalid(attr, format!("unknown attribute `#[{name}]`"))
                    .with_label_message("not an attribute Resin knows")
                    .with_note(KNOWN),
            ),
        }
    }
    if place != Place::Function {
        return;
    }
    if let (Some(test), Some(test_only)) = (seen.get("test"), seen.get("test_only")) {
        diags.push(
            invalid(test_only, "a test function is test-only already")
                .with_label_message("`#[test_only]` adds nothing here")
                .with_secondary(test.span, "this makes it a test")
                .with_hint("remove `#[test_only]`"),
        );
    }
    if let (Some(expected), None) = (seen.get("expected_failure"), seen.get("test")) {
        diags.push(
            invalid(expected, "`#[expected_failure]` on a function that is not a test")
                .with_label_message("expects a failure of a test")
                .with_hint("add `#[test]` to the function"),
        );
    }
}

pub(super) fn invalid(attr: &Attribute, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::InvalidAttribute, attr.span, message)
}
