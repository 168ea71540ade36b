//! Access sets in source notation: `write Balance@from, read coin::Pool@*`,
//! `write Allowance@owner[spender]`, `add Supply@ADMIN`, `read Slot@pool[7u64]`,
//! `write Order@market[(market, id)]`.

use std::collections::HashMap;

use resin_format::file_format::{AccessMode, AddressSource, IndexConst, IndexSource, ObjectCreator, ObjectSeed};

use crate::resolve::env::{Env, FunId, ModId, SemAccess};
use crate::typeck::ty::Ty;

/// The names one module gives to fixed addresses and indexes: its scalar
/// constants (the first declared, when several hold the same value). Built
/// once per module, so showing n accesses does not scan the constants n times.
pub struct Names {
    constants: HashMap<IndexConst, String>,
}

impl Names {
    pub fn new(env: &Env, module: Option<ModId>) -> Self {
        let mut constants = HashMap::new();
        let declared = module.and_then(|m| env.module(m)).map(|m| m.constants.as_slice()).unwrap_or_default();
        for c in declared {
            if let Some(value) = IndexConst::of_value(&c.value).filter(|_| c.ty != Ty::Error) {
                constants.entry(value).or_insert_with(|| c.name.clone());
            }
        }
        Names { constants }
    }
}

/// One access as an author would write it in an `acquires` clause of `fun`.
pub fn access(env: &Env, names: &Names, fun: FunId, access: &SemAccess) -> String {
    let mode = match access.mode {
        AccessMode::Read => "read",
        AccessMode::Write => "write",
        AccessMode::Add => "add",
    };
    let mut resource = env.struct_display(access.resource, Some(fun.module));
    if !access.type_args.is_empty() {
        let args: Vec<String> = access.type_args.iter().map(|t| qualified(env, fun.module, t)).collect();
        resource = format!("{resource}<{}>", args.join(", "));
    }
    let mut out = format!("{mode} {resource}@{}", address(env, names, fun, access.address));
    if let Some(index) = &access.index {
        out.push('[');
        out.push_str(&index_name(env, names, fun, index));
        out.push(']');
    }
    out
}

fn param_name(env: &Env, fun: FunId, i: u8) -> String {
    env.function(fun).and_then(|f| f.param_names.get(usize::from(i))).cloned().unwrap_or_else(|| format!("arg{i}"))
}

fn index_name(env: &Env, names: &Names, fun: FunId, index: &IndexSource) -> String {
    match index {
        IndexSource::Param(i) | IndexSource::SignerOf(i) => param_name(env, fun, *i),
        IndexSource::Const(value) => names.constants.get(value).cloned().unwrap_or_else(|| value.to_string()),
        IndexSource::Any => "*".to_string(),
        // A struct built from these fields: `(owner, spender)`.
        IndexSource::Pack(fields) => {
            let fields: Vec<String> = fields.iter().map(|f| index_name(env, names, fun, &f.source())).collect();
            format!("({})", fields.join(", "))
        }
    }
}

/// A type argument with other modules' structs named in full
/// (`0x2::usd::USD`): an access report lists instances of many modules.
fn qualified(env: &Env, current: ModId, ty: &Ty) -> String {
    match ty {
        Ty::Struct(id, args) => {
            let name = env.strukt(*id).map_or("<unknown>", |s| s.name.as_str());
            let mut out = match env.module(id.module) {
                Some(m) if id.module != current => format!("{}::{}::{name}", m.id.address, m.id.name),
                _ => name.to_string(),
            };
            if !args.is_empty() {
                let args: Vec<String> = args.iter().map(|t| qualified(env, current, t)).collect();
                out = format!("{out}<{}>", args.join(", "));
            }
            out
        }
        Ty::Vector(inner) => format!("vector<{}>", qualified(env, current, inner)),
        other => other.display(env, Some(current)),
    }
}

/// A whole set, comma separated; `(none)` when empty.
pub fn set(env: &Env, names: &Names, fun: FunId, accesses: &[SemAccess]) -> String {
    if accesses.is_empty() {
        return "(none)".to_string();
    }
    accesses.iter().map(|a| access(env, names, fun, a)).collect::<Vec<_>>().join(", ")
}

fn address(env: &Env, names: &Names, fun: FunId, source: AddressSource<ModId>) -> String {
    let fixed = |a| names.constants.get(&IndexConst::Address(a)).cloned().unwrap_or_else(|| a.to_string());
    match source {
        AddressSource::Param(i) | AddressSource::SignerOf(i) => param_name(env, fun, i),
        AddressSource::Const(a) => fixed(a),
        AddressSource::Any => "*".to_string(),
        // `object(creator, seed)` in this module, `amm::object(..)` of another.
        AddressSource::Object(object) => {
            let module = match env.module(object.module) {
                Some(m) if object.module != fun.module => format!("{}::", m.id.name),
                _ => String::new(),
            };
            let creator = match object.creator {
                ObjectCreator::Param(i) | ObjectCreator::SignerOf(i) => param_name(env, fun, i),
                ObjectCreator::Const(a) => fixed(a),
            };
            let seed = match object.seed {
                ObjectSeed::Param(i) => param_name(env, fun, i),
                ObjectSeed::Const(bytes) => bytes.to_string(),
            };
            format!("{module}object({creator}, {seed})")
        }
    }
}
