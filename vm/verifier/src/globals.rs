//! Pass 8, globals: storage and events only on this module's own types, with
//! the abilities they need. `move_to`, `move_from`, `borrow_global(_mut)` and
//! `exists` need `key`; `emit` needs `drop` and `store` (an event is stored in
//! the receipt and may be discarded).
//!
//! A `StructDefIdx` can only name one of this module's definitions, so "a
//! global operation on another module's type" is caught by bounds when a
//! definition points at a foreign handle (`StructDefForeignHandle`); this pass
//! checks the handle's module again (`GlobalOnForeignType`) so it holds on its
//! own, whatever ran before it.
//!
//! The keyed forms (`move_to_keyed`, ...) and the counter adds are storage
//! operations too, under the same rules: keyed storage belongs to the module
//! that defines its type, exactly like plain storage.
//!
//! The generic forms (`move_to_generic` and the rest) work the same on an
//! instantiation of one of this module's generic structs, which needs the
//! ability itself: `Balance<T0>` has `key` only when `T0` has `store`
//! (Move's rule, [`ty::instantiated`]).

use super::error::{VerifyError, VerifyErrorKind};
use super::{generics, ty, FunctionView};
use resin_format::file_format::{Abilities, Instr, Type};

pub(crate) fn verify(view: &FunctionView<'_>) -> Result<(), VerifyError> {
    let module = view.module;
    for (offset, instr) in view.def.code.iter().enumerate() {
        let Some(needed) = needed_abilities(instr) else { continue };
        let instruction = instr.info().mnemonic;
        let operand = generics::struct_operand(module, instr).and_then(|(def, args)| {
            let handle = module.structs.get(def.index())?.handle;
            Some((handle, module.struct_handle(handle)?, args))
        });
        let Some((handle_idx, handle, args)) = operand else {
            let kind = VerifyErrorKind::VerifierInvariant { detail: "struct definition out of bounds" };
            return Err(view.error(Some(offset), kind));
        };
        let name = ty::resource_display(module, handle_idx, args);
        if handle.module.0 != 0 {
            return Err(
                view.error(Some(offset), VerifyErrorKind::GlobalOnForeignType { instruction, name: name.into() })
            );
        }
        // An instantiation has the abilities its arguments allow, in the
        // scope of this function's type parameters.
        let abilities = if args.is_empty() {
            handle.abilities
        } else {
            ty::abilities(module, &view.handle.type_params, &Type::StructInst(handle_idx, args.to_vec()))
        };
        if !abilities.has(needed) {
            let kind = if matches!(instr, Instr::Emit(_) | Instr::EmitGeneric(_)) {
                VerifyErrorKind::EventMissingAbilities { name: name.into() }
            } else {
                VerifyErrorKind::GlobalOnNonKeyType { instruction, name: name.into() }
            };
            return Err(view.error(Some(offset), kind));
        }
    }
    Ok(())
}

/// The abilities a storage or event instruction needs of its struct.
fn needed_abilities(instr: &Instr) -> Option<Abilities> {
    use Instr::*;
    match instr {
        Exists(_)
        | ImmBorrowGlobal(_)
        | MutBorrowGlobal(_)
        | MoveFrom(_)
        | MoveTo(_)
        | ExistsGeneric(_)
        | ImmBorrowGlobalGeneric(_)
        | MutBorrowGlobalGeneric(_)
        | MoveFromGeneric(_)
        | MoveToGeneric(_)
        | ExistsKeyed(_)
        | ImmBorrowGlobalKeyed(_)
        | MutBorrowGlobalKeyed(_)
        | MoveFromKeyed(_)
        | MoveToKeyed(_)
        | ExistsKeyedGeneric(_)
        | ImmBorrowGlobalKeyedGeneric(_)
        | MutBorrowGlobalKeyedGeneric(_)
        | MoveFromKeyedGeneric(_)
        | MoveToKeyedGeneric(_)
        | CounterAdd(_)
        | CounterAddGeneric(_)
        | CounterAddKeyed(_)
        | CounterAddKeyedGeneric(_) => Some(Abilities::KEY),
        Emit(_) | EmitGeneric(_) => Some(Abilities::DROP.union(Abilities::STORE)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resin_format::file_format::*;

    /// Bounds rejects a definition on a foreign handle before this pass runs;
    /// on its own, the pass still refuses a global operation on one.
    #[test]
    fn rejects_global_op_on_foreign_type_on_its_own() {
        let module = Module {
            struct_instantiations: Vec::new(),
            function_instantiations: Vec::new(),
            friends: Vec::new(),
            debug: None,
            module_handles: vec![
                ModuleId::new(AccountAddress::from_u64(1), "m"),
                ModuleId::new(AccountAddress::from_u64(2), "other"),
            ],
            struct_handles: vec![StructHandle {
                type_params: Vec::new(),
                module: ModuleHandleIdx(1),
                name: "R".into(),
                abilities: Abilities::KEY,
            }],
            function_handles: vec![FunctionHandle {
                type_params: Vec::new(),
                module: ModuleHandleIdx(0),
                name: "f".into(),
                params: vec![Type::Address],
                returns: vec![Type::Bool],
                access: AccessSpec::default(),
            }],
            signatures: vec![],
            constants: vec![],
            structs: vec![StructDef { handle: StructHandleIdx(0), fields: vec![] }],
            functions: vec![FunctionDef {
                handle: FunctionHandleIdx(0),
                visibility: Visibility::Public,
                is_entry: false,
                locals: vec![],
                code: vec![Instr::MoveLoc(LocalIdx(0)), Instr::Exists(StructDefIdx(0)), Instr::Ret],
            }],
        };
        let view = super::super::FunctionView::new(&module, 0).unwrap();
        let err = verify(&view).unwrap_err();
        assert_eq!(err.offset, Some(1));
        assert_eq!(err.kind, VerifyErrorKind::GlobalOnForeignType { instruction: "exists", name: "other::R".into() });
        // The full pipeline stops earlier, at bounds.
        let err = super::super::verify_module(&module).unwrap_err();
        assert_eq!(err.kind, VerifyErrorKind::StructDefForeignHandle { name: "R".into() });
    }
}
