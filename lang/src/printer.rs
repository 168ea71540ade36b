//! Pretty-printer from the AST back to Resin source.
//!
//! The output re-parses to the same tree (modulo spans; tested by property
//! tests). Nested binary operators and casts are always parenthesised, so the
//! printed form also shows how precedence grouped an expression: `a + b * c`
//! prints as `a + (b * c)`.

use std::fmt::Write;

use crate::ast::*;

/// Prints a whole program (all modules, blank line between them).
pub fn print_program(program: &Program) -> String {
    let mut p = Printer::default();
    for (i, m) in program.modules.iter().enumerate() {
        if i > 0 {
            p.out.push('\n');
        }
        p.module(m);
    }
    p.out
}

pub fn print_module(module: &Module) -> String {
    let mut p = Printer::default();
    p.module(module);
    p.out
}

pub fn print_expr(e: &Expr) -> String {
    let mut p = Printer::default();
    p.expr(e);
    p.out
}

pub fn print_type(t: &Type) -> String {
    let mut p = Printer::default();
    p.ty(t);
    p.out
}

#[derive(Default)]
struct Printer {
    out: String,
    indent: usize,
}

impl Printer {
    fn line_start(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
    }

    fn doc(&mut self, doc: &Doc) {
        for line in &doc.lines {
            self.line_start();
            self.out.push_str("///");
            self.out.push_str(line);
            self.out.push('\n');
        }
        self.attrs(&doc.attrs);
    }

    fn module(&mut self, m: &Module) {
        self.doc(&m.doc);
        let _ = writeln!(self.out, "module {}::{} {{", m.address.value, m.name.name);
        self.indent += 1;
        for u in &m.uses {
            self.use_decl(u);
        }
        for f in &m.friends {
            self.doc(&f.doc);
            self.line_start();
            let _ = writeln!(self.out, "friend {}::{};", f.module.address.value, f.module.name.name);
        }
        for s in &m.structs {
            self.struct_def(s);
        }
        for c in &m.constants {
            self.doc(&c.doc);
            self.line_start();
            let _ = write!(self.out, "const {}: ", c.name.name);
            self.ty(&c.ty);
            self.out.push_str(" = ");
            self.expr(&c.value);
            self.out.push_str(";\n");
        }
        for f in &m.functions {
            self.fun(f);
        }
        self.indent -= 1;
        self.out.push_str("}\n");
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
                        UseMember::SelfModule { alias, .. } => {
                            self.out.push_str("Self");
                            self.alias(alias);
                        }
                        UseMember::Item { name, alias, .. } => {
                            self.out.push_str(&name.name);
                            self.alias(alias);
                        }
                    }
                }
                self.out.push('}');
            }
        }
        self.out.push_str(";\n");
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
        if s.fields.is_empty() {
            self.out.push_str(" {}\n");
            return;
        }
        self.out.push_str(" {\n");
        self.indent += 1;
        for f in &s.fields {
            self.doc(&f.doc);
            self.line_start();
            let _ = write!(self.out, "{}: ", f.name.name);
            self.ty(&f.ty);
            self.out.push_str(",\n");
        }
        self.indent -= 1;
        self.line_start();
        self.out.push_str("}\n");
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
                }
                match &e.index {
                    Some(AccessIndex::Name(n)) => {
                        let _ = write!(self.out, "[{}]", n.name);
                    }
                    Some(AccessIndex::Wildcard(_)) => self.out.push_str("[*]"),
                    None => {}
                }
            }
        }
        self.out.push(' ');
        self.block(&f.body);
        self.out.push('\n');
    }

    /// `<T, U>`; nothing for an empty list.
    fn type_args(&mut self, args: &[Type]) {
        if args.is_empty() {
            return;
        }
        self.out.push('<');
        self.comma(args, Self::ty);
        self.out.push('>');
    }

    /// `<phantom T: copy + drop, U>`; nothing for an empty list.
    fn type_params(&mut self, params: &[TypeParam]) {
        if params.is_empty() {
            return;
        }
        self.out.push('<');
        self.comma(params, |p, param| {
            if param.phantom.is_some() {
                p.out.push_str("phantom ");
            }
            p.out.push_str(&param.name.name);
            let names: Vec<&str> = param.constraints.iter().map(|a| a.ability.as_str()).collect();
            if !names.is_empty() {
                let _ = write!(p.out, ": {}", names.join(" + "));
            }
        });
        self.out.push('>');
    }

    fn comma<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            each(self, item);
        }
    }

    fn path(&mut self, p: &Path) {
        if let Some(a) = &p.address {
            let _ = write!(self.out, "{}::", a.value);
        }
        if let Some(m) = &p.module {
            let _ = write!(self.out, "{}::", m.name);
        }
        self.out.push_str(&p.name.name);
    }

    fn ty(&mut self, t: &Type) {
        match &t.kind {
            TypeKind::Bool => self.out.push_str("bool"),
            TypeKind::U8 => self.out.push_str("u8"),
            TypeKind::U64 => self.out.push_str("u64"),
            TypeKind::U128 => self.out.push_str("u128"),
            TypeKind::U16 => self.out.push_str("u16"),
            TypeKind::U32 => self.out.push_str("u32"),
            TypeKind::U256 => self.out.push_str("u256"),
            TypeKind::Address => self.out.push_str("address"),
            TypeKind::Signer => self.out.push_str("signer"),
            TypeKind::Vector(inner) => {
                self.out.push_str("vector<");
                self.ty(inner);
                self.out.push('>');
            }
            TypeKind::Named(p, args) => {
                self.path(p);
                self.type_args(args);
            }
            TypeKind::Ref(inner) => {
                self.out.push('&');
                if let TypeKind::Ref(_) | TypeKind::MutRef(_) = inner.kind {
                    self.out.push(' ');
                }
                self.ty(inner);
            }
            TypeKind::MutRef(inner) => {
                self.out.push_str("&mut ");
                self.ty(inner);
            }
            TypeKind::Error => self.out.push_str("<error>"),
        }
    }

    fn block(&mut self, b: &Block) {
        if b.stmts.is_empty() && b.tail.is_none() {
            self.out.push_str("{}");
            return;
        }
        self.out.push_str("{\n");
        self.indent += 1;
        for s in &b.stmts {
            self.line_start();
            self.stmt(s);
            self.out.push('\n');
        }
        if let Some(tail) = &b.tail {
            self.line_start();
            self.expr(tail);
            self.out.push('\n');
        }
        self.indent -= 1;
        self.line_start();
        self.out.push('}');
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { pattern, ty, init } => {
                self.out.push_str("let ");
                self.pattern(pattern);
                if let Some(t) = ty {
                    self.out.push_str(": ");
                    self.ty(t);
                }
                if let Some(e) = init {
                    self.out.push_str(" = ");
                    self.expr(e);
                }
                self.out.push(';');
            }
            StmtKind::Expr(e) => {
                self.expr(e);
                self.out.push(';');
            }
            StmtKind::Error => self.out.push_str("<error>;"),
        }
    }

    fn pattern(&mut self, p: &Pattern) {
        match &p.kind {
            PatternKind::Var(n) => self.out.push_str(&n.name),
            PatternKind::Wildcard => self.out.push('_'),
            PatternKind::Tuple(ps) => {
                self.out.push('(');
                self.comma(ps, Self::pattern);
                self.out.push(')');
            }
            PatternKind::Unpack { name, type_args, fields } => {
                self.path(name);
                self.type_args(type_args);
                self.out.push_str(" { ");
                self.comma(fields, |p, f| {
                    p.out.push_str(&f.field.name);
                    if !f.shorthand {
                        p.out.push_str(": ");
                        p.pattern(&f.pattern);
                    }
                });
                self.out.push_str(" }");
            }
        }
    }
}

mod attr;
mod expr;
