//! What the linker produces: a module with every name resolved to an index,
//! a [`TypeId`] or a shared pointer, so the interpreter never looks a name up.

use std::fmt;
use std::sync::{Arc, OnceLock};

use internment::Intern;
use rustc_hash::FxHashMap;

use super::runtime_types::{InstStruct, Instance, InstanceCache};
use resin_format::file_format::{
    Abilities, Access, AccessMode, AccountAddress, AddressSource, FunctionHandleIdx, IndexSource, Module, ModuleId,
    StructTypeParam, Visibility,
};
use resin_format::opcodes::Instr;
use resin_state::keys::TypeId;
use resin_state::type_tag::{StructTag, TypeTag};
use resin_state::value::Value;

/// A type with struct handles replaced by global type identities: comparable
/// across modules (the linker matches foreign signatures with it) and
/// printable without the defining module at hand.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ResolvedType {
    Bool,
    U8,
    U64,
    U128,
    Address,
    Signer,
    Vector(Box<ResolvedType>),
    // After the older variants, so their derived order stays as it was.
    U16,
    U32,
    U256,
    Struct(TypeId),
    Ref(Box<ResolvedType>),
    MutRef(Box<ResolvedType>),
    /// Type parameter `i` of the enclosing generic function or struct.
    TypeParam(u16),
    /// A generic struct (the type id its definition is filed under,
    /// [`TypeId::of`]) applied to type arguments.
    StructInst(TypeId, Vec<ResolvedType>),
}

impl ResolvedType {
    /// Whether a transaction argument (a [`Value`]) has this type. Only the
    /// types a transaction can supply ever match.
    pub fn accepts(&self, value: &Value) -> bool {
        match (self, value) {
            (ResolvedType::Bool, Value::Bool(_))
            | (ResolvedType::U8, Value::U8(_))
            | (ResolvedType::U64, Value::U64(_))
            | (ResolvedType::U128, Value::U128(_))
            | (ResolvedType::U16, Value::U16(_))
            | (ResolvedType::U32, Value::U32(_))
            | (ResolvedType::U256, Value::U256(_))
            | (ResolvedType::Address, Value::Address(_)) => true,
            // Byte vectors (names, URIs, hashes) are the common vector
            // argument, held as bytes; a list of `U8`s built by hand is
            // checked in a loop of tag tests, not a call apiece.
            (ResolvedType::Vector(elem), Value::Bytes(_)) => **elem == ResolvedType::U8,
            (ResolvedType::Vector(elem), Value::Vector(items)) if **elem == ResolvedType::U8 => {
                items.iter().all(|item| matches!(item, Value::U8(_)))
            }
            (ResolvedType::Vector(elem), Value::Vector(items)) => items.iter().all(|item| elem.accepts(item)),
            _ => false,
        }
    }

    /// Whether a transaction can supply a value of this type as an argument.
    pub fn is_argument_type(&self) -> bool {
        match self {
            ResolvedType::Bool
            | ResolvedType::U8
            | ResolvedType::U16
            | ResolvedType::U32
            | ResolvedType::U64
            | ResolvedType::U128
            | ResolvedType::U256
            | ResolvedType::Address => true,
            ResolvedType::Vector(elem) => elem.is_argument_type(),
            _ => false,
        }
    }

    /// The type with `TypeParam(i)` replaced by `args[i]` (a parameter
    /// without an argument is left as it is).
    pub(crate) fn substitute(&self, args: &[TypeTag]) -> ResolvedType {
        let inner = |t: &ResolvedType| Box::new(t.substitute(args));
        match self {
            ResolvedType::TypeParam(i) => args.get(usize::from(*i)).map_or_else(|| self.clone(), ResolvedType::of_tag),
            ResolvedType::Vector(elem) => ResolvedType::Vector(inner(elem)),
            ResolvedType::Ref(elem) => ResolvedType::Ref(inner(elem)),
            ResolvedType::MutRef(elem) => ResolvedType::MutRef(inner(elem)),
            ResolvedType::StructInst(ty, type_args) => {
                ResolvedType::StructInst(*ty, type_args.iter().map(|t| t.substitute(args)).collect())
            }
            _ => self.clone(),
        }
    }

    /// A concrete type as a resolved one (recursion bounded by the tag's limits).
    pub fn of_tag(tag: &TypeTag) -> ResolvedType {
        match tag {
            TypeTag::Bool => ResolvedType::Bool,
            TypeTag::U8 => ResolvedType::U8,
            TypeTag::U64 => ResolvedType::U64,
            TypeTag::U128 => ResolvedType::U128,
            TypeTag::U16 => ResolvedType::U16,
            TypeTag::U32 => ResolvedType::U32,
            TypeTag::U256 => ResolvedType::U256,
            TypeTag::Address => ResolvedType::Address,
            TypeTag::Signer => ResolvedType::Signer,
            TypeTag::Vector(elem) => ResolvedType::Vector(Box::new(ResolvedType::of_tag(elem))),
            TypeTag::Struct(s) if s.type_args.is_empty() => ResolvedType::Struct(TypeId::of_struct(s)),
            TypeTag::Struct(s) => ResolvedType::StructInst(
                TypeId::of(&s.module, &s.name),
                s.type_args.iter().map(ResolvedType::of_tag).collect(),
            ),
        }
    }

    fn is_signer_param(&self) -> Option<SignerParam> {
        match self {
            ResolvedType::Signer => Some(SignerParam::Value),
            ResolvedType::Ref(inner) if **inner == ResolvedType::Signer => Some(SignerParam::Ref),
            _ => None,
        }
    }
}

impl fmt::Display for ResolvedType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolvedType::Bool => f.write_str("bool"),
            ResolvedType::U8 => f.write_str("u8"),
            ResolvedType::U64 => f.write_str("u64"),
            ResolvedType::U128 => f.write_str("u128"),
            ResolvedType::U16 => f.write_str("u16"),
            ResolvedType::U32 => f.write_str("u32"),
            ResolvedType::U256 => f.write_str("u256"),
            ResolvedType::Address => f.write_str("address"),
            ResolvedType::Signer => f.write_str("signer"),
            ResolvedType::Vector(elem) => write!(f, "vector<{elem}>"),
            ResolvedType::Struct(ty) => write!(f, "{ty:?}"),
            ResolvedType::Ref(inner) => write!(f, "&{inner}"),
            ResolvedType::MutRef(inner) => write!(f, "&mut {inner}"),
            ResolvedType::TypeParam(i) => write!(f, "T{i}"),
            ResolvedType::StructInst(ty, args) => {
                write!(f, "{ty:?}<")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(">")
            }
        }
    }
}

/// How a leading signer parameter receives the sender.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SignerParam {
    /// `signer`: the value itself.
    Value,
    /// `&signer`: a reference to a hidden slot holding it.
    Ref,
}

/// What a transaction must supply to call a function: the leading signer
/// parameters (filled with the sender) and the types of the remaining
/// arguments; and whether one can call it at all.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CallSignature {
    pub signers: Vec<SignerParam>,
    pub args: Vec<ResolvedType>,
    /// Why a transaction cannot call this function, when a parameter after the
    /// signers has a type no argument can have, or it returns a reference.
    pub unsupported: Option<String>,
}

impl CallSignature {
    /// The signature of a function with `params` and `returns`; `describe(i)`
    /// names the type of parameter `i` in the unsupported message (with struct
    /// names: a [`ResolvedType`] only knows type ids).
    pub(crate) fn of(
        params: &[ResolvedType],
        returns: &[ResolvedType],
        describe: impl Fn(usize) -> String,
    ) -> CallSignature {
        let signers: Vec<SignerParam> = params.iter().map_while(ResolvedType::is_signer_param).collect();
        let args: Vec<ResolvedType> = params[signers.len()..].to_vec();
        let unsupported = args.iter().enumerate().find(|(_, ty)| !ty.is_argument_type()).map(|(i, _)| {
            let index = i + signers.len();
            format!("parameter {index} has type `{}`, which a transaction cannot supply", describe(index))
        });
        // A returned reference points into its caller's data: a transaction
        // or a tool has none to receive it into.
        let unsupported = unsupported.or_else(|| {
            returns
                .iter()
                .find(|ty| matches!(ty, ResolvedType::Ref(_) | ResolvedType::MutRef(_)))
                .map(|ty| format!("it returns a reference `{ty}`, which only a calling function can receive"))
        });
        CallSignature { signers, args, unsupported }
    }
}

/// One access of a function's spec with its resource resolved to a [`TypeId`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ResolvedAccess {
    pub mode: AccessMode,
    /// For a keyed access, the id of the type's keyed entries
    /// ([`TypeId::keyed`]); else the resource's.
    pub ty: TypeId,
    /// An object's module by its id: key instantiation derives the address
    /// exactly as that module's code does.
    pub address: AddressSource<ModuleId>,
    /// `Some` for an entry of keyed storage: which index.
    pub index: Option<IndexSource>,
}

impl ResolvedAccess {
    /// `access` of `module`, whose resource (instantiated) is `tag`; `None`
    /// when an object's module handle is out of bounds (never, once verified).
    pub(crate) fn new(module: &Module, access: &Access, tag: &StructTag) -> Option<ResolvedAccess> {
        let ty = match access.index {
            Some(_) => TypeId::keyed(tag),
            None => TypeId::of_struct(tag),
        };
        let address = access.address.map_module(|m| module.module_handles.get(m.index()).cloned())?;
        Some(ResolvedAccess { mode: access.mode, ty, address, index: access.index.clone() })
    }
}

/// A struct definition, resolved.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LoadedStruct {
    /// Interned: the events of this struct name it ([`crate::Event`]).
    pub name: Intern<String>,
    pub ty: TypeId,
    /// The type id of its entries in keyed storage ([`TypeId::keyed`]),
    /// for the `_keyed` instructions. (For a generic struct, that of the
    /// bare name, which no verified code uses: its instantiations have
    /// their own, [`InstStruct::keyed_ty`].)
    pub keyed_ty: TypeId,
    pub abilities: resin_format::file_format::Abilities,
    /// Empty unless the struct is generic.
    pub type_params: Vec<StructTypeParam>,
    pub field_names: Vec<String>,
    pub field_types: Vec<ResolvedType>,
    /// How deeply a value of this struct nests (a struct of `u64`s is 2).
    pub depth: usize,
}

/// A function definition, resolved: everything a call needs in one place.
#[derive(Debug)]
pub struct LoadedFunction {
    pub name: String,
    /// The constraints of each type parameter; empty unless generic.
    pub type_params: Vec<Abilities>,
    /// Its handle in the defining module (for the raw access spec an
    /// instance substitutes into).
    pub(crate) handle: FunctionHandleIdx,
    pub visibility: Visibility,
    pub is_entry: bool,
    pub params: Vec<ResolvedType>,
    pub returns: Vec<ResolvedType>,
    /// Parameters plus declared locals: the size of the frame's local slots.
    pub local_count: usize,
    pub code: Vec<Instr>,
    /// The code as the interpreter runs it.
    pub(crate) compiled: crate::interpreter::Compiled,
    /// The access spec; for a generic function, whose spec may name its type
    /// parameters, each [`Instance`] holds its own and this one is empty.
    pub access: Vec<ResolvedAccess>,
    pub signature: CallSignature,
    /// A generic function's instances, by type arguments.
    pub(crate) instances: InstanceCache,
    /// Whether some return value is a reference: only then does `ret` check
    /// (defensively) that no returned reference points into the frame.
    pub(crate) returns_reference: bool,
}

impl LoadedFunction {
    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    pub fn is_generic(&self) -> bool {
        !self.type_params.is_empty()
    }
}

/// Where a `call` through a function handle lands.
#[derive(Clone, Debug)]
pub enum CallTarget {
    /// A function definition of the calling module.
    Local(u16),
    /// A function definition of a dependency; the pointer keeps it alive for
    /// as long as the caller is.
    Foreign(Arc<LoadedModule>, u16),
}

/// A published module after linking.
#[derive(Debug)]
pub struct LoadedModule {
    /// Interned: the events the module emits name it ([`crate::Event`]).
    pub(crate) id: Intern<ModuleId>,
    pub(crate) module: Module,
    /// blake3 over the module's encoding: what the code part of a state root covers.
    pub(crate) hash: [u8; 32],
    /// Per struct handle, the type it names.
    pub(crate) handle_types: Vec<TypeId>,
    /// Per struct definition.
    pub(crate) structs: Vec<LoadedStruct>,
    /// Per function definition.
    pub(crate) functions: Vec<LoadedFunction>,
    /// Per function handle.
    pub(crate) call_targets: Vec<CallTarget>,
    /// Per struct instantiation, when it names no type parameter (so code
    /// that is not generic uses it as it is); made at link time.
    pub(crate) struct_insts: Vec<Option<InstStruct>>,
    /// Per function instantiation, the callee's instance for a caller that
    /// is not generic, made on first use.
    pub(crate) calls: Box<[OnceLock<Arc<Instance>>]>,
    /// Per constant, as a value ready to copy.
    pub(crate) constants: Vec<Value>,
    pub(crate) function_index: FxHashMap<String, u16>,
    /// Struct definitions by name, for linking the modules that use them.
    pub(crate) struct_index: FxHashMap<String, u16>,
}

impl LoadedModule {
    pub fn id(&self) -> &ModuleId {
        &self.id
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Constant names and source maps, when the module was published with them.
    pub fn debug(&self) -> Option<&resin_format::debug::DebugInfo> {
        self.module.debug.as_ref()
    }

    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    pub fn address(&self) -> AccountAddress {
        self.id.address
    }

    /// The type a struct handle of this module names.
    pub fn struct_handle_type(&self, handle: resin_format::file_format::StructHandleIdx) -> Option<TypeId> {
        self.handle_types.get(handle.index()).copied()
    }

    pub fn structs(&self) -> &[LoadedStruct] {
        &self.structs
    }

    pub fn functions(&self) -> &[LoadedFunction] {
        &self.functions
    }

    pub fn function(&self, name: &str) -> Option<&LoadedFunction> {
        let index = *self.function_index.get(name)?;
        self.functions.get(usize::from(index))
    }

    pub(crate) fn struct_by_name(&self, name: &str) -> Option<&LoadedStruct> {
        self.structs.get(usize::from(*self.struct_index.get(name)?))
    }

    pub(crate) fn function_def_index(&self, name: &str) -> Option<u16> {
        self.function_index.get(name).copied()
    }
}
