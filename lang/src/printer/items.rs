//! Modules and their items: uses, friends, structs, constants, functions.

use std::fmt::Write;

use super::Printer;
use crate::ast::*;

/// One item of a module, for printing items in source order.
enum Item<'m> {
    Use(&'m UseDecl),
    Friend(&'m FriendDecl),
    Struct(&'m StructDef),
    Const(&'m ConstDef),
    Fun(&'m FunDef),
}

impl Item<'_> {
    fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Friend(f) => f.span,
            Item::Struct(s) => s.span,
            Item::Const(c) => c.span,
            Item::Fun(f) => f.span,
        }
    }
}

impl Printer<'_> {
    pub(super) fn module(&mut self, m: &Module) {
        self.line_item(m.span.start);
        self.doc(&m.doc);
        let _ = write!(self.out, "module {}::{} {{", m.address.value, m.name.name);
        let brace = self.trivia.as_ref().and_then(|t| t.find_outside_comments(m.name.span.end, b'{'));
        if let Some(brace) = brace {
            self.open_brace(brace);
        }
        self.out.push('\n');
        self.indent += 1;
        let mut items: Vec<Item<'_>> = m.uses.iter().map(Item::Use).collect();
        items.extend(m.friends.iter().map(Item::Friend));
        items.extend(m.structs.iter().map(Item::Struct));
        items.extend(m.constants.iter().map(Item::Const));
        items.extend(m.functions.iter().map(Item::Fun));
        // The tree groups items by kind; a formatted file keeps the author's order
        // (the parser groups them the same way again, so the tree does not change).
        if self.trivia.is_some() {
            items.sort_by_key(|i| i.span().start);
        }
        for item in items {
            let span = item.span();
            self.line_item(span.start);
            match item {
                Item::Use(u) => self.use_decl(u),
                Item::Friend(f) => {
                    self.doc(&f.doc);
                    self.line_start();
                    let _ = write!(self.out, "friend {}::{};", f.module.address.value, f.module.name.name);
                }
                Item::Struct(s) => self.struct_def(s),
                Item::Const(c) => {
                    self.doc(&c.doc);
                    self.line_start();
                    let _ = write!(self.out, "const {}: ", c.name.name);
                    self.ty(&c.ty);
                    self.out.push_str(" = ");
                    self.expr(&c.value);
                    self.out.push(';');
                }
                Item::Fun(f) => self.fun(f),
            }
            self.line_item_end(span.end);
            self.out.push('\n');
        }
        self.close_brace(m.span.end.saturating_sub(1));
        self.indent -= 1;
        self.out.push('}');
        self.line_item_end(m.span.end);
        self.out.push('\n');
    }

    fn use_decl(&mut self, u: &UseDecl) {
        self.doc(&u.doc);
        self.line_start();
        let _ = write!(self.out, "use {}::{}", u.module.address.value, u.module.name.name);
        match &u.kind {
            UseKind::Module { alias } => self.alias(alias),
            UseKind::Members(members) => {
                self.out.push_str("::{");
                for (i, member) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    match member {
                        UseMember::SelfModule { alias, span } => {
                            self.inline_comments(span.start);
                            self.out.push_str("Self");
                            self.alias(alias);
                        }
                        UseMember::Item { name, alias, span } => {
                            self.inline_comments(span.start);
                            self.out.push_str(&name.name);
                            self.alias(alias);
                        }
                    }
                }
                self.out.push('}');
            }
        }
        self.out.push(';');
    }

    fn alias(&mut self, alias: &Option<Ident>) {
        if let Some(a) = alias {
            let _ = write!(self.out, " as {}", a.name);
        }
    }

    fn struct_def(&mut self, s: &StructDef) {
        self.doc(&s.doc);
        self.line_start();
        let _ = write!(self.out, "struct {}", s.name.name);
        self.type_params(&s.type_params);
        if !s.abilities.is_empty() {
            let names: Vec<&str> = s.abilities.iter().map(|a| a.ability.as_str()).collect();
            let _ = write!(self.out, " has {}", names.join(", "));
        }
        let end = s.span.end.saturating_sub(1);
        if s.fields.is_empty() && !self.comments_before(end) {
            self.out.push_str(" {}");
            return;
        }
        if self.one_line_struct(s) {
            self.out.push_str(" { ");
            self.comma(&s.fields, |p, f| {
                let _ = write!(p.out, "{}: ", f.name.name);
                p.ty(&f.ty);
            });
            self.out.push_str(" }");
            return;
        }
        self.out.push_str(" {");
        let brace = self.trivia.as_ref().and_then(|t| t.find_outside_comments(s.name.span.end, b'{'));
        if let Some(brace) = brace {
            self.open_brace(brace);
        }
        self.out.push('\n');
        self.indent += 1;
        for f in &s.fields {
            self.line_item(f.span.start);
            self.doc(&f.doc);
            self.line_start();
            let _ = write!(self.out, "{}: ", f.name.name);
            self.ty(&f.ty);
            self.out.push(',');
            self.line_item_end(f.span.end);
            self.out.push('\n');
        }
        self.close_brace(end);
        self.indent -= 1;
        self.line_start();
        self.out.push('}');
    }

    /// A formatted struct stays on one line when the author wrote it on one,
    /// it holds no comment and the line stays short; the tree printer always
    /// gives each field its own line.
    fn one_line_struct(&self, s: &StructDef) -> bool {
        const MAX_WIDTH: usize = 100;
        let Some(t) = &self.trivia else { return false };
        let source = t.source(s.span.start, s.span.end);
        let head = source.find('{').unwrap_or(0);
        let fields_width: usize =
            s.fields.iter().map(|f| f.name.name.len() + 2 + super::print_type(&f.ty).len() + 2).sum();
        let line = self.out.rsplit('\n').next().unwrap_or_default();
        !source[head..].contains('\n')
            && !self.comments_before(s.span.end)
            && line.chars().count() + 4 + fields_width <= MAX_WIDTH
    }

    fn fun(&mut self, f: &FunDef) {
        self.doc(&f.doc);
        self.line_start();
        match f.visibility {
            Visibility::Public(_) => self.out.push_str("public "),
            Visibility::Friend(_) => self.out.push_str("public(friend) "),
            Visibility::Private => {}
        }
        if f.entry.is_some() {
            self.out.push_str("entry ");
        }
        let _ = write!(self.out, "fun {}", f.name.name);
        self.type_params(&f.type_params);
        self.out.push('(');
        for (i, p) in f.params.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.inline_comments(p.span.start);
            let _ = write!(self.out, "{}: ", p.name.name);
            self.ty(&p.ty);
        }
        self.out.push(')');
        match f.returns.as_slice() {
            [] => {}
            [one] => {
                self.out.push_str(": ");
                self.ty(one);
            }
            many => {
                self.out.push_str(": (");
                self.comma(many, Self::ty);
                self.out.push(')');
            }
        }
        if let Some(access) = &f.access {
            self.out.push_str(" acquires ");
            for (i, e) in access.entries.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.inline_comments(e.span.start);
                self.access_entry(e);
            }
        }
        self.out.push(' ');
        self.block(&f.body);
    }

    fn access_entry(&mut self, e: &AccessEntry) {
        let mode = match e.mode {
            AccessMode::Read => "read",
            AccessMode::Write => "write",
            AccessMode::Add => "add",
        };
        let _ = write!(self.out, "{mode} ");
        self.path(&e.resource);
        self.type_args(&e.type_args);
        match &e.address {
            AccessAddress::Name(n) => {
                let _ = write!(self.out, "@{}", n.name);
            }
            AccessAddress::Literal(a) => {
                let _ = write!(self.out, "@{}", a.value);
            }
            AccessAddress::Wildcard(_) => self.out.push_str("@*"),
            AccessAddress::Object { path, creator, seed, .. } => {
                self.out.push('@');
                self.path(path);
                self.out.push('(');
                self.access_index(creator);
                self.out.push_str(", ");
                self.access_index(seed);
                self.out.push(')');
            }
        }
        if let Some(index) = &e.index {
            self.out.push('[');
            self.access_index(index);
            self.out.push(']');
        }
    }

    fn access_index(&mut self, index: &AccessIndex) {
        match index {
            AccessIndex::Name(n) => self.out.push_str(&n.name),
            AccessIndex::Wildcard(_) => self.out.push('*'),
            AccessIndex::Literal { value, .. } => self.literal(value),
            AccessIndex::Tuple { fields, .. } => {
                self.out.push('(');
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.access_index(field);
                }
                self.out.push(')');
            }
        }
    }
}
