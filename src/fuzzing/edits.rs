//! Structure-aware mutations of a module: small edits (an instruction, a
//! type, an ability, an access) of a module that verifies, so that most
//! mutants get past decoding and many past the verifier, where random
//! bytes rarely do. Indexes are taken modulo the table they point into.

use arbitrary::Arbitrary;
use resin_format::file_format::*;

/// One edit; `Arbitrary` derives the choice of edit and its operands.
#[derive(Arbitrary, Debug, Clone)]
pub enum Edit {
    /// Replace the instruction at `at` of function `function`.
    SetInstr {
        function: u16,
        at: u16,
        instr: Instr,
    },
    InsertInstr {
        function: u16,
        at: u16,
        instr: Instr,
    },
    RemoveInstr {
        function: u16,
        at: u16,
    },
    /// Replace the type of a local, a parameter or a return.
    SetLocal {
        function: u16,
        at: u8,
        ty: Type,
    },
    SetParam {
        handle: u16,
        at: u8,
        ty: Type,
    },
    SetReturn {
        handle: u16,
        at: u8,
        ty: Type,
    },
    SetField {
        def: u16,
        at: u16,
        ty: Type,
    },
    AddField {
        def: u16,
        name: u8,
        ty: Type,
    },
    SetAbilities {
        handle: u16,
        abilities: u8,
    },
    SetAccess {
        handle: u16,
        access: Vec<Access>,
    },
    SetEntry {
        function: u16,
        entry: bool,
        visibility: Visibility,
    },
    AddConstant(Constant),
    AddSignature(Type),
    /// Add a struct `S<n>` holding a field of `ty`.
    AddStruct {
        abilities: u8,
        ty: Type,
    },
    /// Point a handle at another module handle (a foreign struct or function).
    SetHandleModule {
        handle: u16,
        function: bool,
        module: u16,
    },
}

fn pick<T>(items: &mut [T], index: impl Into<usize>) -> Option<&mut T> {
    let len = items.len();
    if len == 0 {
        return None;
    }
    items.get_mut(index.into() % len)
}

/// Applies `edit` to `m`; an edit whose target does not exist does nothing.
pub fn apply(m: &mut Module, edit: Edit) {
    match edit {
        Edit::SetInstr { function, at, instr } => {
            if let Some(slot) = pick(&mut m.functions, function).and_then(|f| pick(&mut f.code, at)) {
                *slot = instr;
            }
        }
        Edit::InsertInstr { function, at, instr } => {
            if let Some(f) = pick(&mut m.functions, function) {
                let at = usize::from(at) % (f.code.len() + 1);
                f.code.insert(at, instr);
            }
        }
        Edit::RemoveInstr { function, at } => {
            if let Some(f) = pick(&mut m.functions, function) {
                if !f.code.is_empty() {
                    let at = usize::from(at) % f.code.len();
                    f.code.remove(at);
                }
            }
        }
        Edit::SetLocal { function, at, ty } => {
            if let Some(slot) = pick(&mut m.functions, function).and_then(|f| pick(&mut f.locals, at)) {
                *slot = ty;
            }
        }
        Edit::SetParam { handle, at, ty } => {
            if let Some(slot) = pick(&mut m.function_handles, handle).and_then(|h| pick(&mut h.params, at)) {
                *slot = ty;
            }
        }
        Edit::SetReturn { handle, at, ty } => {
            if let Some(slot) = pick(&mut m.function_handles, handle).and_then(|h| pick(&mut h.returns, at)) {
                *slot = ty;
            }
        }
        Edit::SetField { def, at, ty } => {
            if let Some(field) = pick(&mut m.structs, def).and_then(|s| pick(&mut s.fields, at)) {
                field.ty = ty;
            }
        }
        Edit::AddField { def, name, ty } => {
            if let Some(s) = pick(&mut m.structs, def) {
                s.fields.push(FieldDef { name: format!("f{name}"), ty });
            }
        }
        Edit::SetAbilities { handle, abilities } => {
            if let Some(h) = pick(&mut m.struct_handles, handle) {
                h.abilities = Abilities(abilities & 15);
            }
        }
        Edit::SetAccess { handle, access } => {
            if let Some(h) = pick(&mut m.function_handles, handle) {
                h.access = AccessSpec(access);
            }
        }
        Edit::SetEntry { function, entry, visibility } => {
            if let Some(f) = pick(&mut m.functions, function) {
                f.is_entry = entry;
                f.visibility = visibility;
            }
        }
        Edit::AddConstant(constant) => m.constants.push(constant),
        Edit::AddSignature(ty) => m.signatures.push(ty),
        Edit::AddStruct { abilities, ty } => {
            let index = m.struct_handles.len();
            let Ok(handle) = u16::try_from(index) else { return };
            let name = format!("S{index}");
            m.struct_handles.push(StructHandle {
                module: ModuleHandleIdx(0),
                name,
                abilities: Abilities(abilities & 15),
                type_params: Vec::new(),
            });
            m.structs
                .push(StructDef { handle: StructHandleIdx(handle), fields: vec![FieldDef { name: "f".into(), ty }] });
        }
        Edit::SetHandleModule { handle, function, module } => {
            let modules = m.module_handles.len().max(1);
            let target = ModuleHandleIdx(u16::try_from(usize::from(module) % modules).unwrap_or(0));
            if function {
                if let Some(h) = pick(&mut m.function_handles, handle) {
                    h.module = target;
                }
            } else if let Some(h) = pick(&mut m.struct_handles, handle) {
                h.module = target;
            }
        }
    }
}
