//! The disassembler: prints a [`Module`] as the text [`crate::assembler`]
//! reads, so `assemble(&disassemble(&m)) == Ok(m)` for every well-formed
//! module (indexes in range, identifier names, no duplicate handles).
//!
//! It never panics, whatever the module holds: an index out of range prints as
//! `#7?`, and a name that would not read back as the same index prints as its
//! raw index `#7`. Declarations come in the order that rebuilds every table
//! exactly: when a table's order differs from what plain declarations would
//! give, a handle is declared ahead of its definition (`struct Name has key`),
//! and the signature pool or an instantiation table is listed explicitly
//! (`signature T`, `struct_inst S<T>`, `fun_inst f<T>`).
//!
//! Types print with the type parameters of the struct or function they are
//! in: `T1` when it has one, `#T5` (unchecked) when it does not.

use std::collections::HashMap;
use std::fmt::Write;

use crate::assembler::operands::{operand_kinds, OperandKind};
use crate::assembler::type_param_index;
use crate::encoding::limits::{MAX_CONST_DEPTH, MAX_TYPE_DEPTH};
use crate::file_format::*;

/// Prints the whole module.
pub fn disassemble(m: &Module) -> String {
    let names = Names::new(m);
    let mut items: Vec<String> = Vec::new();
    match m.module_handles.first() {
        Some(id) => items.push(format!("module {}::{}", id.address, ident(&id.name))),
        None => items.push("// malformed: the module has no module handle\nmodule #0?".to_string()),
    }
    items.extend(m.module_handles.iter().skip(1).map(|id| format!("use {}::{}", id.address, ident(&id.name))));
    items.extend(m.friends.iter().map(|id| format!("friend {}::{}", id.address, ident(&id.name))));

    let struct_defs = m.structs.iter().map(|d| d.handle.index());
    for step in merge_order(m.struct_handles.len(), struct_defs) {
        items.push(match step {
            Step::Handle(h) => names.struct_decl(h),
            Step::Def(d) => m.structs.get(d).map_or_else(String::new, |def| names.struct_def(def)),
        });
    }
    for (i, constant) in m.constants.iter().enumerate() {
        let value = const_value(&constant.value, Some(&constant.ty), 0);
        let name = const_comment(m, i);
        items.push(format!("const C{i}: {} = {value}{name}", names.ty(&constant.ty)));
    }
    if !names.inline_signatures {
        items.extend(m.signatures.iter().map(|ty| format!("signature {}", names.ty(ty))));
    }
    if !names.inline_struct_insts {
        items.extend(
            m.struct_instantiations.iter().map(|inst| format!("struct_inst {}", names.struct_inst(inst, None))),
        );
    }
    if !names.inline_function_insts {
        items.extend(
            m.function_instantiations.iter().map(|inst| format!("fun_inst {}", names.function_inst(inst, None))),
        );
    }
    let function_defs = m.functions.iter().map(|d| d.handle.index());
    for step in merge_order(m.function_handles.len(), function_defs) {
        items.push(match step {
            Step::Handle(h) => names.function_head(h),
            Step::Def(d) => m.functions.get(d).map_or_else(String::new, |def| names.function_def(def)),
        });
    }

    // Multi-line items stand apart; one-line items sit together.
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        let multi = |s: &String| s.contains('\n');
        if i > 0 && (multi(item) || multi(&items[i - 1]) || item_kind(item) != item_kind(&items[i - 1])) {
            out.push('\n');
        }
        out.push_str(item);
        out.push('\n');
    }
    out
}

fn item_kind(item: &str) -> &str {
    item.split(' ').next().unwrap_or_default()
}

/// A type of `m` as the assembler writes it, with struct names
/// (`vector<coin::Coin>`): for messages about a module's types.
pub fn type_name(m: &Module, ty: &Type) -> String {
    Names::new(m).ty(ty)
}

/// One instruction as a line of assembly, with the names of `m` and `def`.
pub fn format_instr(m: &Module, def: &FunctionDef, instr: &Instr) -> String {
    Names::new(m).instr(def, instr)
}

enum Step {
    Handle(usize),
    Def(usize),
}

/// Interleaves handle-only declarations with definitions (which create their
/// handle when it is the next one) so both tables come back in their order.
fn merge_order(handles: usize, def_handles: impl Iterator<Item = usize>) -> Vec<Step> {
    let def_handles: Vec<usize> = def_handles.collect();
    let (mut next_handle, mut next_def) = (0, 0);
    let mut steps = Vec::new();
    while next_handle < handles || next_def < def_handles.len() {
        match def_handles.get(next_def) {
            Some(&h) if h <= next_handle || h >= handles => {
                steps.push(Step::Def(next_def));
                next_def += 1;
                if h == next_handle {
                    next_handle += 1;
                }
            }
            _ => {
                steps.push(Step::Handle(next_handle));
                next_handle += 1;
            }
        }
    }
    steps
}

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A name as written in a declaration; a malformed one is quoted (and will not assemble).
fn ident(name: &str) -> String {
    if is_ident(name) {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

/// Words that the type grammar reads as itself, not as a struct name.
const TYPE_WORDS: [&str; 11] =
    ["bool", "u8", "u16", "u32", "u64", "u128", "u256", "address", "signer", "vector", "mut"];

fn const_value(value: &ConstValue, ty: Option<&Type>, depth: usize) -> String {
    let suffixed = |text: String, suffix: &str, matches: bool| if matches { text } else { text + suffix };
    match value {
        ConstValue::Bool(b) => b.to_string(),
        ConstValue::U8(n) => suffixed(n.to_string(), "u8", ty == Some(&Type::U8)),
        ConstValue::U64(n) => suffixed(n.to_string(), "u64", ty == Some(&Type::U64)),
        ConstValue::U128(n) => suffixed(n.to_string(), "u128", ty == Some(&Type::U128)),
        ConstValue::U16(n) => suffixed(n.to_string(), "u16", ty == Some(&Type::U16)),
        ConstValue::U32(n) => suffixed(n.to_string(), "u32", ty == Some(&Type::U32)),
        ConstValue::U256(n) => suffixed(n.to_string(), "u256", ty == Some(&Type::U256)),
        ConstValue::Address(a) => format!("@{a}"),
        ConstValue::Vector(_) if depth >= MAX_CONST_DEPTH => "[..]?".to_string(),
        ConstValue::Vector(items) => {
            let element = match ty {
                Some(Type::Vector(inner)) => Some(&**inner),
                _ => None,
            };
            match value.bytes() {
                Some(bytes) if element == Some(&Type::U8) && !bytes.is_empty() => {
                    format!("x\"{}\"", hex::encode(bytes))
                }
                _ => {
                    let items: Vec<String> = items.iter().map(|v| const_value(v, element, depth + 1)).collect();
                    format!("[{}]", items.join(", "))
                }
            }
        }
    }
}

/// Printable names for a module's indexes, computed once.
struct Names<'a> {
    m: &'a Module,
    modules: HashMap<(AccountAddress, &'a str), usize>,
    structs: HashMap<(u16, &'a str), usize>,
    functions: HashMap<(u16, &'a str), usize>,
    struct_defs: HashMap<usize, usize>,
    signatures: Table<'a, Type>,
    struct_insts: Table<'a, StructInstantiation>,
    function_insts: Table<'a, FunctionInstantiation>,
    /// Whether naming element types inline rebuilds the signature pool as it is.
    inline_signatures: bool,
    /// The same for the instantiation tables, named inline by generic instructions.
    inline_struct_insts: bool,
    inline_function_insts: bool,
}

fn first_index<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> HashMap<K, usize> {
    let mut map = HashMap::new();
    for (i, key) in keys.enumerate() {
        map.entry(key).or_insert(i);
    }
    map
}

/// A table whose entries instructions name by value (the signature pool and
/// the instantiation tables), with the first index of each distinct entry:
/// the one the assembler finds for it. Hashing keeps a module with tens of
/// thousands of entries and uses linear to print.
struct Table<'a, T> {
    items: &'a [T],
    first: HashMap<&'a T, usize>,
}

impl<'a, T: std::hash::Hash + Eq> Table<'a, T> {
    fn new(items: &'a [T]) -> Self {
        Table { items, first: first_index(items.iter()) }
    }

    /// The entry at `index`, when it exists and no earlier entry equals it.
    fn first_at(&self, index: usize) -> Option<&'a T> {
        self.items.get(index).filter(|entry| self.first.get(entry) == Some(&index))
    }

    /// Replays what the assembler does with entries written inline: look the
    /// entry up in the table built so far, else append it. `index_of` picks
    /// an instruction operand's index into this table, and `inline` says
    /// whether that operand is written inline (else it is `#N`, taken as is).
    fn rebuilds_inline(
        &self,
        m: &Module,
        index_of: impl Fn(OperandKind, u128) -> Option<u128>,
        inline: impl Fn(usize) -> bool,
    ) -> bool {
        let mut built: HashMap<&T, usize> = HashMap::new();
        for def in &m.functions {
            for instr in &def.code {
                for (kind, value) in operand_kinds(instr).iter().zip(instr.operands()) {
                    let Some(index) = index_of(*kind, value).and_then(|i| usize::try_from(i).ok()) else { continue };
                    let Some(entry) = self.first_at(index).filter(|_| inline(index)) else { continue };
                    let next = built.len();
                    if *built.entry(entry).or_insert(next) != index {
                        return false;
                    }
                }
            }
        }
        built.len() == self.items.len()
    }
}

/// The type parameter count of a function definition's handle (0 when malformed).
fn fun_scope(m: &Module, def: &FunctionDef) -> usize {
    m.function_handle(def.handle).map_or(0, |h| h.type_params.len())
}

impl<'a> Names<'a> {
    fn new(m: &'a Module) -> Self {
        let mut names = Names {
            m,
            modules: first_index(m.module_handles.iter().map(|id| (id.address, id.name.as_str()))),
            structs: first_index(m.struct_handles.iter().map(|h| (h.module.0, h.name.as_str()))),
            functions: first_index(m.function_handles.iter().map(|h| (h.module.0, h.name.as_str()))),
            struct_defs: first_index(m.structs.iter().map(|d| d.handle.index())),
            signatures: Table::new(&m.signatures),
            struct_insts: Table::new(&m.struct_instantiations),
            function_insts: Table::new(&m.function_instantiations),
            inline_signatures: false,
            inline_struct_insts: false,
            inline_function_insts: false,
        };
        names.inline_signatures = names.signatures.rebuilds_inline(
            m,
            |kind, value| (kind == OperandKind::Signature).then_some(value),
            |index| names.signature_inline(index),
        );
        names.inline_struct_insts = names.struct_insts.rebuilds_inline(
            m,
            |kind, value| match kind {
                OperandKind::StructInst => Some(value),
                OperandKind::FieldInst => Some(value >> 16),
                _ => None,
            },
            |_| true,
        );
        names.inline_function_insts = names.function_insts.rebuilds_inline(
            m,
            |kind, value| (kind == OperandKind::FunctionInst).then_some(value),
            |_| true,
        );
        names
    }

    /// Whether a vector instruction names signature `index` by its type:
    /// the first entry equal to it, and not a struct written as a raw `#N`
    /// (which would read back as a raw signature index).
    fn signature_inline(&self, index: usize) -> bool {
        match self.signatures.first_at(index) {
            Some(Type::Struct(h)) => !self.struct_ref(*h, 0).starts_with('#'),
            Some(_) => true,
            None => false,
        }
    }

    fn module_path(&self, index: u16) -> Option<String> {
        let id = self.m.module_handles.get(usize::from(index))?;
        let unique = self.modules.get(&(id.address, id.name.as_str())) == Some(&usize::from(index));
        (unique && is_ident(&id.name)).then(|| format!("{}::{}", id.address, id.name))
    }

    /// A handle's name where an operand or type names it.
    fn handle_ref(&self, index: usize, module: u16, name: &str, first: Option<&usize>, reserved: &[&str]) -> String {
        if first != Some(&index) || !is_ident(name) {
            return format!("#{index}");
        }
        if module == 0 {
            return if reserved.contains(&name) { format!("#{index}") } else { name.to_string() };
        }
        self.module_path(module).map_or_else(|| format!("#{index}"), |path| format!("{path}::{name}"))
    }

    /// A struct handle named with `args` type arguments (0 for a plain
    /// `Struct`): by name only where the assembler would read it back (a
    /// named struct must take exactly its type parameter count; a type
    /// parameter name such as `T0` shadows a struct of that name).
    fn struct_ref(&self, index: StructHandleIdx, args: usize) -> String {
        match self.m.struct_handles.get(index.index()) {
            None => format!("#{}?", index.0),
            Some(h) if h.type_params.len() != args || (h.module.0 == 0 && type_param_index(&h.name).is_some()) => {
                format!("#{}", index.0)
            }
            Some(h) => {
                let first = self.structs.get(&(h.module.0, h.name.as_str()));
                self.handle_ref(index.index(), h.module.0, &h.name, first, &TYPE_WORDS)
            }
        }
    }

    /// A function handle as `call` (`args`: 0) or an instantiation names it.
    fn function_ref(&self, index: usize, args: usize) -> String {
        match self.m.function_handles.get(index) {
            None => format!("#{index}?"),
            Some(h) if h.type_params.len() != args => format!("#{index}"),
            Some(h) => {
                let first = self.functions.get(&(h.module.0, h.name.as_str()));
                self.handle_ref(index, h.module.0, &h.name, first, &[])
            }
        }
    }

    /// `Coin<T0>` (or `#2<T0>`): an instantiation's definition and arguments.
    fn struct_inst(&self, inst: &StructInstantiation, scope: Option<usize>) -> String {
        let def = self.struct_def_ref(inst.def.index(), inst.type_args.len());
        format!("{def}<{}>", self.types(&inst.type_args, scope))
    }

    fn function_inst(&self, inst: &FunctionInstantiation, scope: Option<usize>) -> String {
        let handle = self.function_ref(inst.handle.index(), inst.type_args.len());
        format!("{handle}<{}>", self.types(&inst.type_args, scope))
    }

    /// A handle's name where it is declared: bare for this module's, qualified for others'.
    fn decl_name(&self, module: ModuleHandleIdx, name: &str) -> String {
        if module.0 == 0 {
            return ident(name);
        }
        let path = self.module_path(module.0).unwrap_or_else(|| format!("#{}?", module.0));
        format!("{path}::{}", ident(name))
    }

    /// A type at module level, where type parameters are not checked.
    fn ty(&self, ty: &Type) -> String {
        self.ty_at(ty, None, 0)
    }

    /// A type inside a declaration with `scope` type parameters (`None`: module level).
    fn ty_in(&self, ty: &Type, scope: Option<usize>) -> String {
        self.ty_at(ty, scope, 0)
    }

    fn ty_at(&self, ty: &Type, scope: Option<usize>, depth: usize) -> String {
        if depth > MAX_TYPE_DEPTH {
            return "..?".to_string();
        }
        match ty {
            Type::Bool => "bool".to_string(),
            Type::U8 => "u8".to_string(),
            Type::U64 => "u64".to_string(),
            Type::U128 => "u128".to_string(),
            Type::U16 => "u16".to_string(),
            Type::U32 => "u32".to_string(),
            Type::U256 => "u256".to_string(),
            Type::Address => "address".to_string(),
            Type::Signer => "signer".to_string(),
            Type::Vector(inner) => format!("vector<{}>", self.ty_at(inner, scope, depth + 1)),
            Type::Ref(inner) => format!("&{}", self.ty_at(inner, scope, depth + 1)),
            Type::MutRef(inner) => format!("&mut {}", self.ty_at(inner, scope, depth + 1)),
            Type::Struct(index) => self.struct_ref(*index, 0),
            Type::TypeParam(i) if scope.is_some_and(|n| usize::from(*i) >= n) => format!("#T{i}"),
            Type::TypeParam(i) => format!("T{i}"),
            Type::StructInst(index, args) => {
                let printed: Vec<String> = args.iter().map(|a| self.ty_at(a, scope, depth + 1)).collect();
                format!("{}<{}>", self.struct_ref(*index, args.len()), printed.join(", "))
            }
        }
    }

    fn types(&self, types: &[Type], scope: Option<usize>) -> String {
        types.iter().map(|t| self.ty_in(t, scope)).collect::<Vec<_>>().join(", ")
    }

    /// `copy + drop`; bits outside the four abilities print as `#0xf0?` (and do not assemble).
    fn constraints(abilities: Abilities) -> String {
        let names = [
            (Abilities::COPY, "copy"),
            (Abilities::DROP, "drop"),
            (Abilities::STORE, "store"),
            (Abilities::KEY, "key"),
        ];
        let mut present: Vec<String> =
            names.iter().filter(|(a, _)| abilities.has(*a)).map(|(_, n)| n.to_string()).collect();
        if !abilities.is_valid() {
            present.push(format!("#{:#x}?", abilities.0));
        }
        present.join(" + ")
    }

    /// `<phantom T0: copy + drop, T1>`, or nothing for a struct or function that is not generic.
    fn type_params<'p>(params: impl ExactSizeIterator<Item = (bool, Abilities)> + 'p) -> String {
        if params.len() == 0 {
            return String::new();
        }
        let params: Vec<String> = params
            .enumerate()
            .map(|(i, (phantom, constraints))| {
                let phantom = if phantom { "phantom " } else { "" };
                if constraints == Abilities::EMPTY {
                    format!("{phantom}T{i}")
                } else {
                    format!("{phantom}T{i}: {}", Self::constraints(constraints))
                }
            })
            .collect();
        format!("<{}>", params.join(", "))
    }

    fn struct_head(&self, h: &StructHandle) -> String {
        let params = Self::type_params(h.type_params.iter().map(|p| (p.is_phantom, p.constraints)));
        format!("struct {}{params}{}", self.decl_name(h.module, &h.name), Self::abilities(h.abilities))
    }

    fn abilities(abilities: Abilities) -> String {
        if abilities == Abilities::EMPTY {
            return String::new();
        }
        let mut text = format!(" has {abilities}");
        if !abilities.is_valid() {
            let _ = write!(
                text,
                "{}#{:#x}?",
                if abilities.intersect(Abilities(15)).0 == 0 { "" } else { ", " },
                abilities.0
            );
        }
        text
    }

    fn struct_decl(&self, index: usize) -> String {
        match self.m.struct_handles.get(index) {
            Some(h) => self.struct_head(h),
            None => String::new(),
        }
    }

    fn struct_def(&self, def: &StructDef) -> String {
        let (mut text, scope) = match self.m.struct_handle(def.handle) {
            Some(h) => (self.struct_head(h), h.type_params.len()),
            None => (format!("struct #{}?", def.handle.0), 0),
        };
        if def.fields.is_empty() {
            text.push_str(" {}");
            return text;
        }
        text.push_str(" {\n");
        for field in &def.fields {
            let _ = writeln!(text, "    {}: {},", ident(&field.name), self.ty_in(&field.ty, Some(scope)));
        }
        text.push('}');
        text
    }

    fn function_head(&self, index: usize) -> String {
        let Some(h) = self.m.function_handles.get(index) else { return format!("fun #{index}?()") };
        let scope = Some(h.type_params.len());
        let type_params = Self::type_params(h.type_params.iter().map(|c| (false, *c)));
        let mut text =
            format!("fun {}{type_params}({})", self.decl_name(h.module, &h.name), self.types(&h.params, scope));
        match h.returns.as_slice() {
            [] => {}
            [one] => text += &format!(": {}", self.ty_in(one, scope)),
            many => text += &format!(": ({})", self.types(many, scope)),
        }
        if !h.access.0.is_empty() {
            let accesses: Vec<String> = h.access.0.iter().map(|a| self.access(a, scope)).collect();
            text += &format!(" acquires {}", accesses.join(", "));
        }
        text
    }

    fn access(&self, access: &Access, scope: Option<usize>) -> String {
        let mode = match access.mode {
            AccessMode::Read => "read",
            AccessMode::Write => "write",
            AccessMode::Add => "add",
        };
        let address = match access.address {
            AddressSource::Param(i) => format!("param {i}"),
            AddressSource::SignerOf(i) => format!("signer {i}"),
            AddressSource::Const(a) => a.to_string(),
            AddressSource::Any => "*".to_string(),
            // As the assembler reads it back: this module's with none named.
            AddressSource::Object(object) => {
                let module = match self.m.module_handles.get(object.module.index()) {
                    _ if object.module.0 == 0 => String::new(),
                    Some(id) => format!(" {}::{}", id.address, ident(&id.name)),
                    None => format!(" #{}?", object.module.0),
                };
                let (creator, seed) = object.words(&|i| format!("param {i}"), &|i| format!("signer {i}"));
                format!("object{module}({creator}, {seed})")
            }
        };
        // No type arguments print as a plain `Balance`, which reads back as none.
        let resource = self.struct_ref(access.resource, access.type_args.len());
        let args = if access.type_args.is_empty() {
            String::new()
        } else {
            format!("<{}>", self.types(&access.type_args, scope))
        };
        // As the assembler reads it back: `[param 1]`, `[(param 1, 7u64)]`.
        let index = access.index.as_ref().map_or_else(String::new, |index| {
            format!("[{}]", index.words(&|i| format!("param {i}"), &|i| format!("signer {i}")))
        });
        format!("{mode} {resource}{args}({address}){index}")
    }

    fn function_def(&self, def: &FunctionDef) -> String {
        let mut text = String::new();
        if def.visibility == Visibility::Friend {
            text.push_str("public(friend) ");
        } else if def.visibility == Visibility::Public {
            text.push_str("public ");
        }
        if def.is_entry {
            text.push_str("entry ");
        }
        text += &self.function_head(def.handle.index());
        text.push_str(" {\n");
        for ty in &def.locals {
            let _ = writeln!(text, "    local {}", self.ty_in(ty, Some(fun_scope(self.m, def))));
        }
        let kinds_and_values =
            |instr: &Instr| operand_kinds(instr).iter().copied().zip(instr.operands()).collect::<Vec<_>>();
        let mut labels = vec![false; def.code.len()];
        for instr in &def.code {
            for (kind, value) in kinds_and_values(instr) {
                if let (OperandKind::CodeOffset, Some(label)) = (kind, labels.get_mut(value as usize)) {
                    *label = true;
                }
            }
        }
        for (offset, instr) in def.code.iter().enumerate() {
            if labels.get(offset) == Some(&true) {
                let _ = writeln!(text, "L{offset}:");
            }
            let name = match instr {
                Instr::LdConst(c) => const_comment(self.m, c.index()),
                _ => String::new(),
            };
            let _ = writeln!(text, "    {}{name}", self.instr(def, instr));
        }
        text.push('}');
        text
    }

    fn instr(&self, def: &FunctionDef, instr: &Instr) -> String {
        // The one immediate wider than a raw operand number.
        if let Instr::LdU256(value) = instr {
            return format!("{} {value}", instr.info().mnemonic);
        }
        let operands: Vec<String> = operand_kinds(instr)
            .iter()
            .zip(instr.operands())
            .map(|(kind, value)| self.operand(def, *kind, value))
            .collect();
        let mnemonic = instr.info().mnemonic;
        if operands.is_empty() {
            mnemonic.to_string()
        } else {
            format!("{mnemonic} {}", operands.join(", "))
        }
    }

    fn operand(&self, def: &FunctionDef, kind: OperandKind, value: u128) -> String {
        let index = usize::try_from(value).unwrap_or(usize::MAX);
        let raw = |len: usize| if index < len { format!("#{value}") } else { format!("#{value}?") };
        match kind {
            OperandKind::CodeOffset if index < def.code.len() => format!("L{value}"),
            OperandKind::CodeOffset => raw(0),
            OperandKind::Local => {
                let params = self.m.function_handle(def.handle).map_or(0, |h| h.params.len());
                if index < params + def.locals.len() {
                    value.to_string()
                } else {
                    raw(0)
                }
            }
            OperandKind::Const if index < self.m.constants.len() => format!("C{value}"),
            OperandKind::Const => raw(0),
            OperandKind::Function => self.function_ref(index, 0),
            OperandKind::StructDef => self.struct_def_ref(index, 0),
            OperandKind::Field => {
                let (owner, field) = ((value >> 16) as usize, (value & 0xFFFF) as usize);
                let fields = self.m.structs.get(owner).map_or(&[][..], |d| d.fields.as_slice());
                let field = match fields.get(field) {
                    Some(f) if is_ident(&f.name) && fields.iter().position(|g| g.name == f.name) == Some(field) => {
                        f.name.clone()
                    }
                    Some(_) => field.to_string(),
                    None => format!("#{field}?"),
                };
                format!("{}.{field}", self.struct_def_ref(owner, 0))
            }
            OperandKind::Signature => match self.m.signatures.get(index) {
                Some(ty) if self.signature_inline(index) => self.ty_in(ty, Some(fun_scope(self.m, def))),
                _ => raw(self.m.signatures.len()),
            },
            OperandKind::U8
            | OperandKind::U16
            | OperandKind::U32
            | OperandKind::U64
            | OperandKind::U128
            | OperandKind::U256 => value.to_string(),
            OperandKind::StructInst => self.struct_inst_operand(def, index),
            OperandKind::FunctionInst => match self.m.function_instantiations.get(index) {
                Some(_) => self
                    .function_insts
                    .first_at(index)
                    .map_or_else(|| format!("#{index}"), |inst| self.function_inst(inst, Some(fun_scope(self.m, def)))),
                None => format!("#{index}?"),
            },
            OperandKind::FieldInst => {
                let (owner, field) = ((value >> 16) as usize, (value & 0xFFFF) as usize);
                let inst = self.struct_insts.first_at(owner);
                let fields =
                    inst.and_then(|i| self.m.structs.get(i.def.index())).map_or(&[][..], |d| d.fields.as_slice());
                // A raw owner (`#3.1`) takes its field by number: the assembler
                // may not know the instantiation yet when it reads it.
                let field = match fields.get(field) {
                    Some(f) if is_ident(&f.name) && fields.iter().position(|g| g.name == f.name) == Some(field) => {
                        f.name.clone()
                    }
                    _ => field.to_string(),
                };
                format!("{}.{field}", self.struct_inst_operand(def, owner))
            }
        }
    }

    /// A struct instantiation operand: inline where it reads back as the same index, else `#N`.
    fn struct_inst_operand(&self, def: &FunctionDef, index: usize) -> String {
        match (self.struct_insts.first_at(index), self.m.struct_instantiations.get(index)) {
            (Some(inst), _) => self.struct_inst(inst, Some(fun_scope(self.m, def))),
            (None, Some(_)) => format!("#{index}"),
            (None, None) => format!("#{index}?"),
        }
    }

    /// A struct definition as an instruction names it, with `args` type arguments.
    fn struct_def_ref(&self, index: usize, args: usize) -> String {
        let Some(def) = self.m.structs.get(index) else { return format!("#{index}?") };
        let local = self.m.struct_handle(def.handle).is_some_and(|h| h.module.0 == 0);
        let name = self.struct_ref(def.handle, args);
        if local && !name.starts_with('#') && self.struct_defs.get(&def.handle.index()) == Some(&index) {
            name
        } else {
            format!("#{index}")
        }
    }
}

/// `  // E_INSUFFICIENT`: the name the debug section gives constant `index`,
/// as a comment (assembly has no debug section, so the name cannot be
/// more). Only a plain identifier is shown: a name from hostile bytes
/// could hold characters assembly text refuses.
fn const_comment(m: &Module, index: usize) -> String {
    let name = u16::try_from(index).ok().and_then(|i| m.debug.as_ref()?.constant_name(i));
    let plain = |n: &str| {
        n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match name {
        Some(name) if plain(name) => format!("  // {name}"),
        _ => String::new(),
    }
}
