//! The dispatcher of script commands and the commands that only read or
//! name things: accounts, show, access, modules, events, root, snapshots.

use std::io::Write;

use resin_vm::{AccessMode, AddressSource, ResourceKey, TypeId};

use super::calls::name_of;
use super::{derived_address, Mode, Origin, Session};
use crate::error::CliResult;
use crate::output::stdout_error;
use crate::render::short_root;
use crate::script::ast::{AddressRef, Command, CommandKind, FunctionRef, Span, Spanned};
use resin_state::persist::Changes;

pub(super) use crate::output::say;

impl Session {
    pub(super) fn run_command(&mut self, cmd: &Command, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        // `resin schedule` prints plans only; everything else runs silently.
        let mut sink = std::io::sink();
        let planning = matches!(self.mode, Mode::Schedule { .. });
        let out: &mut dyn Write = if planning && !matches!(cmd.kind, CommandKind::Block(_) | CommandKind::Transfers(_))
        {
            &mut sink
        } else {
            out
        };
        match &cmd.kind {
            CommandKind::Publish(source) => self.publish(source, cmd.span, origin, out),
            CommandKind::Account { name, address } => self.account(name, *address, cmd.span, origin, out),
            CommandKind::Accounts => {
                if self.state.accounts.is_empty() {
                    say!(out, "no accounts (create one with `account NAME`)")?;
                }
                for (name, address) in &self.state.accounts {
                    say!(out, "{name} = @{address}")?;
                }
                Ok(())
            }
            CommandKind::Call(call) => self.call(call, origin, out),
            CommandKind::Block(calls) => self.block(calls, cmd.span, origin, out),
            CommandKind::Transfers(spec) => self.atomically(|s| s.transfers(spec, cmd.span, origin, out)),
            CommandKind::Show(target) => self.show(target, origin, out),
            CommandKind::Access(function) => self.access(function, origin, out),
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
        if let Some(existing) = self.state.accounts.get(name).copied() {
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

    /// Every published resource type, for lookups by address.
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

    fn show(&mut self, target: &Spanned<AddressRef>, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        let address = self.resolve_address(target, origin)?;
        let label = match name_of(&address, &self.state.accounts) {
            Some(name) => format!("{name} @{address}"),
            None => format!("@{address}"),
        };
        let mut lines = Vec::new();
        for ty in self.resource_types() {
            if let Some(value) = self.state.resources.get(&ResourceKey { address, ty }) {
                lines.push(self.state.code.format_resource(ty, value));
            }
        }
        lines.sort();
        if lines.is_empty() {
            return say!(out, "{label}: no resources");
        }
        say!(out, "{label}:")?;
        for line in lines {
            say!(out, "  {line}")?;
        }
        Ok(())
    }

    fn access(&self, f: &Spanned<FunctionRef>, origin: &Origin, out: &mut dyn Write) -> CliResult<()> {
        let (module, name) = self.resolve_function(f, origin)?;
        let Some(function) = self.state.code.function(&module, &name) else {
            return Err(origin.error(f.span, format!("{module} has no function `{name}`")));
        };
        let params: Vec<String> = function.params.iter().map(|t| self.type_name(t)).collect();
        let kind = if function.is_entry { "entry " } else { "" };
        say!(out, "{kind}{module}::{name}({})", params.join(", "))?;
        if function.access.is_empty() {
            return say!(out, "  touches no global storage");
        }
        for access in &function.access {
            let mode = match access.mode {
                AccessMode::Read => "read ",
                AccessMode::Write => "write",
            };
            let ty = self.state.code.type_name(access.ty).unwrap_or_else(|| format!("{:?}", access.ty));
            let at = match access.address {
                AddressSource::Param(i) => format!("parameter {i}"),
                AddressSource::SignerOf(i)
                    if usize::from(i) < function.signature.signers.len() && function.is_entry =>
                {
                    format!("the sender (parameter {i})")
                }
                AddressSource::SignerOf(i) => format!("the signer in parameter {i}"),
                AddressSource::Const(a) => format!("@{a}"),
                AddressSource::Any => "any address (*)".to_string(),
            };
            say!(out, "  {mode} {ty} at {at}")?;
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
