//! A receipt's status in words, with what the session knows: the aborting
//! module's constant names and source map (through `resin_vm::describe`)
//! and the account names in use (`@alice` rather than `0xa11ce`).

use resin_vm::describe::{abort_code_words, runtime_error_words, where_words};
use resin_vm::{ResourceKey, RuntimeErrorKind, Status};

use super::Session;

impl Session {
    /// `ABORTED with E_INSUFFICIENT_BALANCE (1) at coin.rsn:24:9 in
    /// 0x1::coin::withdraw`: the status as a receipt line shows it.
    pub(super) fn status_line(&self, status: &Status) -> String {
        let code = &self.state.code;
        match status {
            Status::Success => "success".to_string(),
            Status::Aborted { code: abort_code, location } => {
                format!(
                    "ABORTED with {} {}",
                    abort_code_words(code, location, *abort_code),
                    where_words(code, location)
                )
            }
            Status::RuntimeError { kind: RuntimeErrorKind::CounterOverflow { resource }, location, .. } => {
                format!("COUNTER OVERFLOW of {} {}", self.type_label(*resource), where_words(code, location))
            }
            Status::RuntimeError { kind, location, resource } => {
                let words = runtime_error_words(code, *kind, resource.as_deref(), |key| self.address_label(key));
                format!("RUNTIME ERROR {words} {}", where_words(code, location))
            }
            Status::OutOfGas { location } => format!("OUT OF GAS {}", where_words(code, location)),
            Status::AccessViolation { mode, key, location } => {
                format!("ACCESS VIOLATION: {mode:?} {} {}", self.key_name(key), where_words(code, location))
            }
            Status::InvalidArguments { reason } => format!("NOT STARTED: {reason}"),
        }
    }

    /// The status for an `expect` that it failed: the receipt line's words,
    /// lowercase where they shout.
    pub(super) fn status_sentence(&self, status: &Status) -> String {
        let line = self.status_line(status);
        for (shout, said) in [
            ("ABORTED", "aborted"),
            ("COUNTER OVERFLOW", "counter overflow"),
            ("RUNTIME ERROR", "runtime error"),
            ("OUT OF GAS", "out of gas"),
            ("ACCESS VIOLATION", "access violation"),
            ("NOT STARTED", "not started"),
        ] {
            if let Some(rest) = line.strip_prefix(shout) {
                return format!("{said}{rest}");
            }
        }
        line
    }

    /// The address of a resource an error names: the account's name when
    /// the session has one for it, a keyed entry's anchor and index.
    fn address_label(&self, key: &ResourceKey) -> String {
        if let Some((anchor, index)) = resin_vm::keyed_origin(&key.address) {
            let anchor = self.state.accounts.name_of(&anchor).map_or_else(|| anchor.to_string(), |n| format!("@{n}"));
            return format!("{anchor}[{}]", super::keyed::index_text(&index));
        }
        self.state.accounts.name_of(&key.address).map_or_else(|| key.address.to_string(), |n| format!("@{n}"))
    }
}
