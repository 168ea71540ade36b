//! The dispatcher of script commands and the commands that only read or
//! name things: accounts, show, access, modules, events, root, snapshots.

use std::io::Write;

use resin_vm::{
    AccessMode, AddressSource, IndexSource, ModuleId, ObjectCreator, ObjectSeed, ResourceKey, Type, TypeId,
};

use super::{derived_address, Mode, Origin, Session};
use crate::error::CliResult;
use crate::output::stdout_error;
use crate::render::short_root;
use crate::script::ast::{Command, CommandKind, FunctionRef, ResourceRef, ShowTarget, Span, Spanned};
use resin_state::persist::Changes;

pub(super) use crate::output::say;

impl Session {
    pub(super) fn run_command(&mut self, cmd: &Command, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        // `resin schedule` prints plans only; everything else runs silently.
        let mut sink = std::io::sink();
        let planning = matches!(self.mode, Mode::Schedule { .. });
        // `--json` prints only what has a JSON form: receipts, blocks, views.
        let quiet = self.json
            && !matches!(
                cmd.kind,
                CommandKind::Call(_) | CommandKind::Block(_) | CommandKind::Transfers(_) | CommandKind::View(_)
            );
        let out: &mut dyn Write =
            if quiet || planning && !matches!(cmd.kind, CommandKind::Block(_) | CommandKind::Transfers(_)) {
                &mut sink
            } else {
                out
            };
        match &cmd.kind {
            CommandKind::Publish(source) => self.publish(source, cmd.span, origin, out),
            CommandKind::Account { name, address } => self.account(name, *address, cmd.span, origin, out),
            CommandKind::AccountOf { name, view } => {
                let address = self.view_address(view, origin)?;
                self.account(name, Some(address), cmd.span, origin, out)
            }
            CommandKind::Accounts => {
                if self.state.accounts.is_empty() {
                    say!(out, "no accounts (create one with `account NAME`)")?;
                }
                for (name, address) in self.state.accounts.iter() {
                    say!(out, "{name} = @{address}")?;
                }
                Ok(())
            }
            CommandKind::Call(call) => self.call(call, origin, out),
            CommandKind::Block(calls) => self.block(calls, cmd.span, origin, out),
            CommandKind::Transfers(spec) => self.atomically(|s| s.transfers(spec, cmd.span, origin, out)),
            CommandKind::Show(target) => self.show(target, origin, out),
            CommandKind::Access(function) => self.access(function, origin, out),
            CommandKind::View(spec) => self.view(spec, origin, out),
            CommandKind::Modules => self.modules(out),
            CommandKind::Events { all } => self.events(*all, out),
            CommandKind::Root => {
                let resources = self.state.resources.root();
                let code = self.state.code.root();
                say!(out, "state root: resources {} code {}", hex::encode(resources), short_root(&code))
            }
            CommandKind::Prove(resource) => self.prove(resource, origin, out),
            CommandKind::Snapshot(name) => {
                self.snapshots.insert(name.clone(), self.state.clone());
                say!(out, "snapshot `{name}` taken")
            }
            CommandKind::Restore(name) => {
                let snapshot = self
                    .snapshots
                    .get(name)
                    .cloned()
                    .ok_or_else(|| origin.error(cmd.span, format!("no snapshot named `{name}`")))?;
                self.replace_state(snapshot, true)?;
                say!(out, "restored snapshot `{name}`")
            }
            CommandKind::Undo => {
                let previous = self.undo.pop().ok_or_else(|| origin.error(cmd.span, "nothing to undo"))?;
                if let Err(e) = self.replace_state(previous.clone(), false) {
                    self.undo.push(previous);
                    return Err(e);
                }
                say!(out, "undone")
            }
            CommandKind::Expect(expectation) => self.expect(expectation, cmd.span, origin),
            CommandKind::Time(change) => {
                use crate::script::ast::TimeChange;
                match change {
                    Some(TimeChange::Set(t)) => self.context.timestamp = *t,
                    Some(TimeChange::Advance(n)) => {
                        self.context.timestamp = self.context.timestamp.checked_add(*n).ok_or_else(|| {
                            origin.error(
                                cmd.span,
                                format!("the block time {} + {n} does not fit in u64", self.context.timestamp),
                            )
                        })?;
                    }
                    None => {}
                }
                self.say_context(out)
            }
            CommandKind::Height(height) => {
                if let Some(h) = height {
                    if *h == super::NO_HEIGHT_LEFT {
                        return Err(origin.error(
                            cmd.span,
                            format!("the block height must be below {h}: every block after it needs a higher one"),
                        ));
                    }
                    self.context.height = *h;
                }
                self.say_context(out)
            }
            CommandKind::Help(topic) => {
                let text = crate::script::help::help(topic.as_deref()).map_err(|e| origin.error(cmd.span, e))?;
                write!(out, "{text}").map_err(stdout_error)
            }
        }
    }

    fn account(
        &mut self,
        name: &str,
        address: Option<resin_vm::AccountAddress>,
        span: Span,
        origin: &Origin,
        out: &mut dyn Write,
    ) -> CliResult<()> {
        if let Some(existing) = self.state.accounts.get(name) {
            if address.is_some_and(|a| a != existing) {
                return Err(origin.error(span, format!("account `{name}` is already @{existing}")));
            }
            return say!(out, "account {name} = @{existing}");
        }
        let address = address.unwrap_or_else(|| derived_address(name));
        self.bind_account(name, address)?;
        say!(out, "account {name} = @{address}")
    }

    /// Binds a new name, committing it.
    pub(super) fn bind_account(&mut self, name: &str, address: resin_vm::AccountAddress) -> CliResult<()> {
        let mut next = self.state.clone();
        next.accounts.insert(name.to_string(), address);
        let changes = Changes { accounts: vec![(name.to_string(), address)], ..Changes::default() };
        self.commit(next, changes)
    }

    /// Whether any published module declares a generic struct.
    fn has_generic_structs(&self) -> bool {
        self.state.code.modules().any(|m| m.struct_handles.iter().any(|h| h.module.0 == 0 && !h.type_params.is_empty()))
    }

    /// Every published resource type that is not generic, for lookups by address.
    pub(super) fn resource_types(&self) -> Vec<TypeId> {
        let mut types = Vec::new();
        for module in self.state.code.modules() {
            let Some(id) = module.self_id() else { continue };
            for def in &module.structs {
                if let Some(name) = module.struct_name(def) {
                    types.push(TypeId::of(id, name));
                }
            }
        }
        types
    }

    fn say_context(&self, out: &mut dyn Write) -> CliResult<()> {
        match self.context.height {
            super::NO_HEIGHT_LEFT => say!(out, "next block: time {}, no height left", self.context.timestamp),
            height => say!(out, "next block: time {}, height {height}", self.context.timestamp),
        }
    }

    fn show(&mut self, target: &ShowTarget, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        let target = match target {
            ShowTarget::Account(account) => account,
            ShowTarget::Resource(r) => return self.show_one(r, origin, out),
        };
        let address = self.resolve_address(target, origin)?;
        let label = match self.state.accounts.name_of(&address) {
            Some(name) => format!("{name} @{address}"),
            None => format!("@{address}"),
        };
        let mut lines = Vec::new();
        for ty in self.resource_types() {
            if let Some(value) = self.state.resources.get(&ResourceKey { address, ty }) {
                lines.push(self.state.code.format_resource(ty, value));
            }
        }
        // Instances of generic structs (`Balance<USD>`) are not enumerable
        // from the modules: their keys are found in the store itself, a scan
        // that only a state with generic structs pays for.
        if self.has_generic_structs() {
            for (key, value) in self.state.resources.iter() {
                if key.address == address && key.ty.instantiation().is_some() {
                    lines.push(self.state.code.format_resource(key.ty, value));
                }
            }
        }
        lines.sort();
        // Keyed entries anchored here live at addresses derived from this
        // one: found by a scan too, and listed after the plain resources.
        let mut entries = self.keyed_entries_at(&address);
        entries.sort();
        lines.extend(entries);
        if lines.is_empty() {
            return say!(out, "{label}: no resources");
        }
        say!(out, "{label}:")?;
        for line in lines {
            say!(out, "  {line}")?;
        }
        Ok(())
    }

    /// `show token::Allowance@alice[bob]`: one keyed entry (or one plain
    /// resource, without an index).
    fn show_one(&self, r: &ResourceRef, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        let address = self.resolve_address(&r.address, origin)?;
        let named = self.named_resource(address, super::keyed::ResourcePath::of(r), r.span, origin)?;
        match (self.state.resources.get(&named.key), r.index.is_some()) {
            (Some(value), true) => say!(out, "{}", self.format_entry(&named.key, value)),
            (Some(value), false) => {
                say!(out, "{} at @{address}", self.state.code.format_resource(named.key.ty, value))
            }
            (None, true) => say!(out, "{}: none", self.key_name(&named.key)),
            (None, false) => say!(out, "{} at @{address}: none", self.type_label(named.key.ty)),
        }
    }

    fn access(&self, f: &Spanned<FunctionRef>, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        let (module, name) = self.resolve_function(f, origin)?;
        let Some(function) = self.state.code.function(&module, &name) else {
            return Err(origin.error(f.span, format!("{module} has no function `{name}`")));
        };
        let type_args = self.resolve_type_args(&f.node.type_args, f.span, origin)?;
        if !function.type_params.is_empty() && type_args.is_empty() {
            return self.generic_access(&module, &name, out);
        }
        // An instantiation's accesses name instantiated types; a plain function's are its own.
        let instance = match type_args.is_empty() {
            true => None,
            false => {
                Some(self.state.code.instantiate(&module, &name, &type_args).map_err(|e| origin.error(f.span, e))?)
            }
        };
        let accesses = instance.as_ref().map_or(function.access.as_slice(), |i| i.access());
        let params: Vec<String> = function.params.iter().map(|t| self.type_name(t)).collect();
        let kind = if function.is_entry { "entry " } else { "" };
        let shown_args = match type_args.is_empty() {
            true => String::new(),
            false => format!("<{}>", type_args.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
        };
        say!(out, "{kind}{module}::{name}{shown_args}({})", params.join(", "))?;
        if accesses.is_empty() {
            return say!(out, "  touches no global storage");
        }
        for access in accesses {
            let ty = self.type_label(access.ty);
            let sender = |i: u8| usize::from(i) < function.signature.signers.len() && function.is_entry;
            let signer = |i: u8| match sender(i) {
                true => format!("the sender (parameter {i})"),
                false => format!("the signer in parameter {i}"),
            };
            let at = match &access.address {
                AddressSource::Param(i) => format!("parameter {i}"),
                AddressSource::SignerOf(i) => signer(*i),
                AddressSource::Const(a) => format!("@{a}"),
                AddressSource::Any => "any address (*)".to_string(),
                AddressSource::Object(object) => object_words(&object.module, object.creator, object.seed, &signer),
            };
            let index = access.index.as_ref().map(|index| index_words(index, &sender));
            say!(out, "  {} {ty}{} at {at}", mode_word(access.mode), indexed(index))?;
        }
        Ok(())
    }

    /// A resolved type with struct names instead of type ids.
    pub(super) fn type_name(&self, t: &resin_vm::loader::ResolvedType) -> String {
        use resin_vm::loader::ResolvedType as T;
        match t {
            T::Struct(id) => self.state.code.type_name(*id).unwrap_or_else(|| format!("{id:?}")),
            T::Vector(e) => format!("vector<{}>", self.type_name(e)),
            T::Ref(e) => format!("&{}", self.type_name(e)),
            T::MutRef(e) => format!("&mut {}", self.type_name(e)),
            other => other.to_string(),
        }
    }

    fn modules(&self, out: &mut dyn Write) -> CliResult<()> {
        if self.state.code.is_empty() {
            return say!(out, "no modules published");
        }
        for module in self.state.code.modules() {
            let Some(id) = module.self_id() else { continue };
            let entries: Vec<&str> =
                module.functions.iter().filter(|f| f.is_entry).filter_map(|f| module.function_name(f)).collect();
            say!(out, "{id}  entry: {}", if entries.is_empty() { "-".to_string() } else { entries.join(", ") })?;
        }
        Ok(())
    }

    fn events(&self, all: bool, out: &mut dyn Write) -> CliResult<()> {
        let mut printed = 0;
        if all {
            for logged in &self.event_log {
                say!(out, "[{}] {}", logged.tx_number, self.format_event(&logged.event))?;
                printed += 1;
            }
        } else if let Some(last) = &self.last {
            for (i, receipt) in last.receipts.iter().enumerate() {
                for event in &receipt.events {
                    say!(out, "[{}] {}", last.first_number + i as u64, self.format_event(event))?;
                    printed += 1;
                }
            }
        }
        if printed == 0 {
            say!(out, "no events")?;
        }
        Ok(())
    }

    pub(super) fn format_event(&self, event: &resin_vm::Event) -> String {
        self.state.code.format_resource(TypeId::of(&event.module, &event.name), &event.value)
    }
}

impl Session {
    /// The access set of a generic function as declared, over its type
    /// parameters (`write 0x1::generic_coin::Balance<T0> at parameter 1`):
    /// what every instantiation touches once `T0` is known.
    fn generic_access(&self, module: &ModuleId, name: &str, out: &mut dyn Write) -> CliResult<()> {
        let Some(m) = self.state.code.module(module) else { return Ok(()) };
        let Some(handle) = m.find_function(name).and_then(|(_, def)| m.function_handle(def.handle)) else {
            return Ok(());
        };
        let params: Vec<String> = handle.params.iter().map(|t| format_type(m, t)).collect();
        let type_params: Vec<String> = (0..handle.type_params.len()).map(|i| format!("T{i}")).collect();
        say!(out, "generic {module}::{name}<{}>({})", type_params.join(", "), params.join(", "))?;
        if handle.access.0.is_empty() {
            return say!(out, "  touches no global storage");
        }
        for access in &handle.access.0 {
            let mode = mode_word(access.mode);
            let index = indexed(access.index.as_ref().map(|index| index_words(index, &|_| false)));
            let ty = match access.type_args.is_empty() {
                true => format_type(m, &Type::Struct(access.resource)),
                false => format_type(m, &Type::StructInst(access.resource, access.type_args.clone())),
            };
            let signer = |i: u8| format!("the signer in parameter {i}");
            let at = match access.address {
                AddressSource::Param(i) => format!("parameter {i}"),
                AddressSource::SignerOf(i) => signer(i),
                AddressSource::Const(a) => format!("@{a}"),
                AddressSource::Any => "any address (*)".to_string(),
                AddressSource::Object(object) => match m.module_handles.get(object.module.index()) {
                    Some(owner) => object_words(owner, object.creator, object.seed, &signer),
                    None => "any address (*)".to_string(),
                },
            };
            say!(out, "  {mode} {ty}{index} at {at}")?;
        }
        say!(out, "  (instantiate it to see its keys: access {module}::{name}<{}>)", type_params.join(", "))
    }
}

/// `the object 0x1::nft derives from parameter 1 and seed parameter 2`.
fn object_words(owner: &ModuleId, creator: ObjectCreator, seed: ObjectSeed, signer: &impl Fn(u8) -> String) -> String {
    let creator = match creator {
        ObjectCreator::Param(i) => format!("parameter {i}"),
        ObjectCreator::SignerOf(i) => signer(i),
        ObjectCreator::Const(a) => format!("@{a}"),
    };
    let seed = match seed {
        ObjectSeed::Param(i) => format!("parameter {i}"),
        ObjectSeed::Const(bytes) => bytes.to_string(),
    };
    format!("the object {owner} derives from {creator} and seed {seed}")
}

/// An access mode, padded so that the types line up.
fn mode_word(mode: AccessMode) -> &'static str {
    match mode {
        AccessMode::Read => "read ",
        AccessMode::Write => "write",
        AccessMode::Add => "add  ",
    }
}

/// Where a keyed access's index comes from; `sender` says whether a signer
/// parameter is the transaction's sender.
fn index_words(index: &IndexSource, sender: &impl Fn(u8) -> bool) -> String {
    match index {
        IndexSource::Any => "any index (*)".to_string(),
        other => other.words(&|i| format!("parameter {i}"), &|i| match sender(i) {
            true => format!("the sender (parameter {i})"),
            false => format!("the signer in parameter {i}"),
        }),
    }
}

/// `[the index]` after the type of a keyed access, as in the notation
/// `write Allowance@owner[spender]`; nothing for a plain resource.
fn indexed(index: Option<String>) -> String {
    index.map(|i| format!("[{i}]")).unwrap_or_default()
}

/// A bytecode type with full struct names: `0x1::generic_coin::Balance<T0>`.
fn format_type(m: &resin_vm::Module, ty: &Type) -> String {
    let struct_name = |idx: resin_vm::StructHandleIdx| match m.struct_handle(idx) {
        Some(h) => match m.module_handles.get(h.module.index()) {
            Some(owner) => format!("{owner}::{}", h.name),
            None => h.name.clone(),
        },
        None => format!("#{}", idx.0),
    };
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U64 => "u64".into(),
        Type::U128 => "u128".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U256 => "u256".into(),
        Type::Address => "address".into(),
        Type::Signer => "signer".into(),
        Type::Vector(inner) => format!("vector<{}>", format_type(m, inner)),
        Type::Ref(inner) => format!("&{}", format_type(m, inner)),
        Type::MutRef(inner) => format!("&mut {}", format_type(m, inner)),
        Type::TypeParam(i) => format!("T{i}"),
        Type::Struct(idx) => struct_name(*idx),
        Type::StructInst(idx, args) => {
            let args: Vec<String> = args.iter().map(|a| format_type(m, a)).collect();
            format!("{}<{}>", struct_name(*idx), args.join(", "))
        }
    }
}
