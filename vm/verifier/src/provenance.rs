//! Address provenance: where each address a function uses for a global
//! operation comes from. It is the analysis behind both access-spec inference
//! (the compiler's) and access-spec checking (the verifier's access pass).
//!
//! Each local and stack slot holds one [`Prov`]: a parameter's value, the
//! address of a signer parameter, a fixed scalar (a constant or literal the
//! function loads), a struct built from such values (a keyed index such as
//! `OrderId { market, id }`), a reference to a local, or unknown. Paths that disagree
//! join to unknown, so the lattice is flat and the fixed point comes
//! quickly. Unknown becomes `*` (every address) or `[*]` (every index).
//!
//! A reference to a local is kept symbolic (`RefToLocal`) and dereferenced
//! when used, so `signer::address_of(&s)` resolves through the local `s` as it
//! is at that point. A local whose address is ever taken mutably is unknown
//! everywhere in the function: anything holding the `&mut` (a callee
//! included) may write another address into it at any time.
//!
//! An access carries its resource's type arguments: those of the generic
//! instruction's instantiation for a direct operation (they may name the
//! function's type parameters: `Balance<T0>`), and for a `call_generic` the
//! callee's access spec with the call's type arguments substituted for the
//! callee's type parameters.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use smallvec::SmallVec;

use super::cfg::{self, Block, Cfg};
use super::error::{VerifyError, VerifyErrorKind};
use super::{generics, stack, FunctionView};
use resin_format::encoding::limits::MAX_INDEX_FIELDS;
use resin_format::file_format::{
    Access, AccessMode, AddressSource, ConstValue, FunctionHandleIdx, IndexConst, IndexSource, Instr, ModuleHandleIdx,
    ObjectCreator, ObjectSeed, ObjectSource, SeedBytes, StructHandleIdx, Type,
};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Prov {
    /// The value of parameter `i` (any type but a signer or a reference):
    /// an address where an address is needed, an index where one is.
    Param(u8),
    /// Signer parameter `i` (a `signer` or `&signer`), or the address read from it.
    SignerOf(u8),
    /// A scalar the function loads (a constant or a literal: an address
    /// where an address is needed, an index where one is), by its number
    /// among the distinct values it loads, so that equal values join as
    /// equal and the state stays four bytes a slot.
    Fixed(u16),
    /// A struct the function builds from traced fields (a parameter, a
    /// signer's address or a fixed scalar each), by its number among the
    /// distinct field lists built ([`Analysis::packs`]): an index where one
    /// is needed.
    Packed(u16),
    /// A `vector<u8>` constant of at most [`SeedBytes::MAX`] bytes the
    /// function loads, by its position in [`Fixed::seeds`]: an object's seed
    /// where one is needed.
    Seed(u16),
    /// An address this module derives (`object_address`), or the signer
    /// for it (`object_signer`), by its number among the distinct creator
    /// and seed pairs derived ([`Analysis::objects`]).
    Object(u16),
    /// A reference to local `i` (from `imm_borrow_loc`).
    RefToLocal(u8),
    Unknown,
}

impl Prov {
    fn join(self, other: Prov) -> Prov {
        if self == other {
            self
        } else {
            Prov::Unknown
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
struct State {
    locals: Vec<Prov>,
    stack: Vec<Prov>,
}

impl State {
    /// The value behind a reference to a local; any other value is itself.
    fn deref(&self, value: Prov) -> Prov {
        match value {
            Prov::RefToLocal(l) => match self.locals.get(usize::from(l)) {
                Some(Prov::RefToLocal(_)) | None => Prov::Unknown,
                Some(target) => *target,
            },
            other => other,
        }
    }
}

/// One global access the code needs, and the instruction that needs it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Requirement {
    pub access: Access,
    pub offset: usize,
    /// The callee whose spec this access comes from; `None` for a direct operation.
    pub via: Option<FunctionHandleIdx>,
}

/// Every access the function's reachable code needs, in code-offset order:
/// one entry per distinct access and callee, at the first offset needing it
/// (a call repeated in a loop body does not multiply the list).
pub(crate) fn requirements(view: &FunctionView<'_>, cfg: &Cfg) -> Result<Vec<Requirement>, VerifyError> {
    let code = &view.def.code;
    let mut tainted = vec![false; view.local_count()];
    for instr in code {
        if let Instr::MutBorrowLoc(l) = instr {
            if let Some(t) = tainted.get_mut(usize::from(l.0)) {
                *t = true;
            }
        }
    }
    let locals = (0..view.local_count())
        .map(|i| {
            let param = view.handle.params.get(i);
            let index = u8::try_from(i).unwrap_or(u8::MAX);
            match param {
                _ if tainted[i] => Prov::Unknown,
                Some(Type::Signer) => Prov::SignerOf(index),
                Some(Type::Ref(inner)) if **inner == Type::Signer => Prov::SignerOf(index),
                Some(Type::Ref(_) | Type::MutRef(_)) | None => Prov::Unknown,
                Some(_) => Prov::Param(index),
            }
        })
        .collect();
    let fixed = Fixed::of(view);
    let analysis = Analysis { view, tainted, fixed, packs: RefCell::default(), objects: RefCell::default() };
    let entries = cfg::solve(
        view,
        cfg,
        State { locals, stack: Vec::new() },
        |state| state.locals.len() + state.stack.len(),
        |block, state| analysis.block(block, state, None),
        |current, incoming, edge| {
            if current.stack.len() != incoming.stack.len() || current.locals.len() != incoming.locals.len() {
                let kind = VerifyErrorKind::VerifierInvariant { detail: "stack heights differ at a merge point" };
                return Err(view.error(Some(edge.from), kind));
            }
            let mut changed = false;
            let joined = current.locals.iter_mut().chain(current.stack.iter_mut());
            for (slot, other) in joined.zip(incoming.locals.iter().chain(&incoming.stack)) {
                let merged = slot.join(*other);
                changed |= merged != *slot;
                *slot = merged;
            }
            Ok(changed)
        },
    )?;
    // Collect only from the fixed point: an intermediate state may name an
    // address that a later path turns into `*`.
    let mut found = Found::new();
    for (id, entry) in entries.into_iter().enumerate() {
        if let (Some(block), Some(state)) = (cfg.blocks.get(id), entry) {
            analysis.block(block, state, Some(&mut found))?;
        }
    }
    let mut found: Vec<Requirement> =
        found.into_iter().map(|((access, via), offset)| Requirement { access, offset, via }).collect();
    // The keys are distinct ((access, via) is the map's key), so an unstable
    // sort gives the same order, without a scratch buffer per inference.
    found.sort_unstable_by(|a, b| (a.offset, &a.access, a.via).cmp(&(b.offset, &b.access, b.via)));
    Ok(found)
}

/// Distinct (access, callee) pairs and the first offset needing each.
type Found = BTreeMap<(Access, Option<FunctionHandleIdx>), usize>;

struct Analysis<'v, 'm> {
    view: &'v FunctionView<'m>,
    /// Locals whose address is taken mutably somewhere in the function.
    tainted: Vec<bool>,
    fixed: Fixed,
    /// The field lists of the structs the code builds from traced values,
    /// each once, so that the same fields built on two paths join as equal
    /// (a [`Prov::Packed`] is a position here). Grows during the fixed
    /// point, bounded by the code's `pack` instructions and the values their
    /// fields can take.
    packs: RefCell<Numbered<SmallVec<[Prov; 4]>>>,
    /// The module-controlled addresses the code derives, each creator and
    /// seed pair once (a [`Prov::Object`] is a position here); bounded by
    /// the code's `object_address` and `object_signer` instructions and the
    /// values their operands can take.
    objects: RefCell<Numbered<(ObjectCreator, ObjectSeed)>>,
}

/// Distinct values by number, and each value's number: a lookup per new
/// value that does not scan the values (code of many distinct packs or
/// objects would make the scans quadratic).
struct Numbered<T> {
    values: Vec<T>,
    numbers: HashMap<T, u16>,
}

impl<T> Default for Numbered<T> {
    fn default() -> Self {
        Numbered { values: Vec::new(), numbers: HashMap::new() }
    }
}

impl<T: Clone + Eq + std::hash::Hash> Numbered<T> {
    /// The number of `value`, numbering it if new; `None` past `u16::MAX` values.
    fn number(&mut self, value: T) -> Option<u16> {
        if let Some(&n) = self.numbers.get(&value) {
            return Some(n);
        }
        let n = u16::try_from(self.values.len()).ok()?;
        self.numbers.insert(value.clone(), n);
        self.values.push(value);
        Some(n)
    }
}

/// The scalars a function loads: each distinct value once, in order (a
/// [`Prov::Fixed`] is a position here), and for each scalar constant it
/// loads, by constant index, that value's position. Only what the code
/// loads: a table of every constant of the module, built for each
/// function, made a module of n constants and n functions cost O(n²).
struct Fixed {
    values: Vec<IndexConst>,
    constants: Vec<(u16, u16)>,
    /// The `vector<u8>` constants of at most [`SeedBytes::MAX`] bytes the
    /// code loads, by constant index (a [`Prov::Seed`] is a position here).
    seeds: Vec<(u16, SeedBytes)>,
}

/// The bytes of a `vector<u8>` constant, as a seed when short enough.
fn seed_of(ty: &Type, value: &ConstValue) -> Option<SeedBytes> {
    let (Type::Vector(inner), ConstValue::Vector(items)) = (ty, value) else { return None };
    if **inner != Type::U8 || items.len() > SeedBytes::MAX {
        return None;
    }
    SeedBytes::new(&value.bytes()?)
}

impl Fixed {
    fn of(view: &FunctionView<'_>) -> Fixed {
        let constant = |index: u16| {
            let c = view.module.constants.get(usize::from(index))?;
            IndexConst::of_constant(&c.ty, &c.value)
        };
        let mut loaded: Vec<(u16, IndexConst)> = view
            .def
            .code
            .iter()
            .filter_map(|i| if let Instr::LdConst(c) = i { constant(c.0).map(|v| (c.0, v)) } else { None })
            .collect();
        loaded.sort_unstable();
        loaded.dedup();
        let mut values: Vec<IndexConst> = view.def.code.iter().filter_map(IndexConst::of_literal).collect();
        values.extend(loaded.iter().map(|&(_, v)| v));
        values.sort_unstable();
        values.dedup();
        // More than `u16::MAX` distinct values cannot be loaded by code of
        // at most that many instructions; past it a value stays unknown.
        let position = |v: &IndexConst| values.binary_search(v).ok().and_then(|p| u16::try_from(p).ok());
        let constants = loaded.iter().filter_map(|(index, v)| Some((*index, position(v)?))).collect();
        let mut seeds: Vec<(u16, SeedBytes)> = view
            .def
            .code
            .iter()
            .filter_map(|i| match i {
                Instr::LdConst(c) => {
                    let constant = view.module.constants.get(usize::from(c.0))?;
                    Some((c.0, seed_of(&constant.ty, &constant.value)?))
                }
                _ => None,
            })
            .collect();
        seeds.sort_unstable();
        seeds.dedup();
        Fixed { values, constants, seeds }
    }

    /// The seed loaded from constant `index`, if it is a short byte vector.
    fn seed(&self, index: u16) -> Option<Prov> {
        let at = self.seeds.binary_search_by_key(&index, |&(i, _)| i).ok()?;
        u16::try_from(at).ok().map(Prov::Seed)
    }

    /// The value loaded from constant `index`, if it is a scalar.
    fn constant(&self, index: u16) -> Prov {
        match self.constants.binary_search_by_key(&index, |&(i, _)| i) {
            Ok(at) => self.constants.get(at).map_or(Prov::Unknown, |&(_, v)| Prov::Fixed(v)),
            Err(_) => Prov::Unknown,
        }
    }

    /// The value a literal instruction loads.
    fn literal(&self, value: IndexConst) -> Prov {
        match self.values.binary_search(&value).ok().and_then(|p| u16::try_from(p).ok()) {
            Some(p) => Prov::Fixed(p),
            None => Prov::Unknown,
        }
    }

    fn value(&self, position: u16) -> Option<IndexConst> {
        self.values.get(usize::from(position)).copied()
    }
}

impl Analysis<'_, '_> {
    /// Runs a block; collects its accesses when `found` is given (only on the
    /// fixed point: an intermediate state may name an address a later path
    /// turns into `*`).
    fn block(&self, block: &Block, mut state: State, mut found: Option<&mut Found>) -> Result<State, VerifyError> {
        for offset in block.start..block.end {
            self.step(&mut state, offset, found.as_deref_mut())?;
        }
        Ok(state)
    }

    /// The address an `address` value stands for.
    fn address(&self, value: Prov) -> AddressSource {
        match value {
            Prov::Param(i) => AddressSource::Param(i),
            Prov::SignerOf(i) => AddressSource::SignerOf(i),
            Prov::Fixed(v) => match self.fixed.value(v) {
                Some(IndexConst::Address(address)) => AddressSource::Const(address),
                _ => AddressSource::Any,
            },
            Prov::Object(n) => self.object(n),
            Prov::Packed(_) | Prov::Seed(_) | Prov::RefToLocal(_) | Prov::Unknown => AddressSource::Any,
        }
    }

    /// The address derived object `n` of this module stands for.
    fn object(&self, n: u16) -> AddressSource {
        match self.objects.borrow().values.get(usize::from(n)) {
            // Module handle 0: code derives in its own module.
            Some(&(creator, seed)) => AddressSource::Object(ObjectSource { module: ModuleHandleIdx(0), creator, seed }),
            None => AddressSource::Any,
        }
    }

    /// What `object_address`/`object_signer` make of a creator and a seed:
    /// a [`Prov::Object`] when both are traced.
    fn derive(&self, creator: Prov, seed: Prov) -> Prov {
        let creator = match self.address(creator) {
            AddressSource::Param(i) => ObjectCreator::Param(i),
            AddressSource::SignerOf(i) => ObjectCreator::SignerOf(i),
            AddressSource::Const(a) => ObjectCreator::Const(a),
            AddressSource::Any | AddressSource::Object(_) => return Prov::Unknown,
        };
        let Some(seed) = self.seed(seed) else { return Prov::Unknown };
        self.objects.borrow_mut().number((creator, seed)).map_or(Prov::Unknown, Prov::Object)
    }

    /// The seed a `vector<u8>` value stands for.
    fn seed(&self, value: Prov) -> Option<ObjectSeed> {
        match value {
            Prov::Param(i) => Some(ObjectSeed::Param(i)),
            Prov::Seed(k) => self.fixed.seeds.get(usize::from(k)).map(|&(_, bytes)| ObjectSeed::Const(bytes)),
            _ => None,
        }
    }

    /// A callee's object address, its creator and seed taken from the
    /// call's arguments (`arg`); `*` when either is not traced here.
    fn object_via(&self, state: &State, object: ObjectSource, arg: impl Fn(u8) -> Prov) -> AddressSource {
        let creator = match object.creator {
            ObjectCreator::Param(j) => self.address(arg(j)),
            ObjectCreator::SignerOf(j) => self.signer_address(state, arg(j)),
            ObjectCreator::Const(a) => AddressSource::Const(a),
        };
        let creator = match creator {
            AddressSource::Param(i) => ObjectCreator::Param(i),
            AddressSource::SignerOf(i) => ObjectCreator::SignerOf(i),
            AddressSource::Const(a) => ObjectCreator::Const(a),
            AddressSource::Any | AddressSource::Object(_) => return AddressSource::Any,
        };
        let seed = match object.seed {
            ObjectSeed::Param(j) => self.seed(arg(j)),
            fixed @ ObjectSeed::Const(_) => Some(fixed),
        };
        match seed {
            Some(seed) => AddressSource::Object(ObjectSource { module: object.module, creator, seed }),
            None => AddressSource::Any,
        }
    }

    /// The index a keyed operation's index value stands for.
    fn index(&self, value: Prov) -> IndexSource {
        match value {
            Prov::Param(i) => IndexSource::Param(i),
            Prov::SignerOf(i) => IndexSource::SignerOf(i),
            Prov::Fixed(v) => self.fixed.value(v).map_or(IndexSource::Any, IndexSource::Const),
            Prov::Packed(p) => match self.packs.borrow().values.get(usize::from(p)) {
                Some(fields) => IndexSource::pack(fields.iter().map(|&f| self.index(f))),
                None => IndexSource::Any,
            },
            Prov::Seed(_) | Prov::Object(_) | Prov::RefToLocal(_) | Prov::Unknown => IndexSource::Any,
        }
    }

    /// What `pack` makes of `fields`, of the struct `instr` builds: a
    /// [`Prov::Packed`] when every field is traced and the struct is small
    /// enough to index by. A signer's address is traced only into a field
    /// declared `address`, the form key instantiation gives it.
    fn pack(&self, instr: &Instr, fields: &[Prov]) -> Prov {
        let module = self.view.module;
        let def = match instr {
            Instr::Pack(d) => module.structs.get(d.index()),
            Instr::PackGeneric(i) => generics::struct_inst(module, *i).map(|inst| inst.def),
            _ => None,
        };
        let Some(def) = def else { return Prov::Unknown };
        let traced = fields.len() <= MAX_INDEX_FIELDS
            && fields.iter().zip(&def.fields).all(|(prov, field)| match prov {
                Prov::Param(_) | Prov::Fixed(_) => true,
                Prov::SignerOf(_) => field.ty == Type::Address,
                Prov::Packed(_) | Prov::Seed(_) | Prov::Object(_) | Prov::RefToLocal(_) | Prov::Unknown => false,
            });
        if !traced || fields.len() != def.fields.len() {
            return Prov::Unknown;
        }
        let fields: SmallVec<[Prov; 4]> = fields.iter().copied().collect();
        self.packs.borrow_mut().number(fields).map_or(Prov::Unknown, Prov::Packed)
    }

    /// The address of a `signer` or `&signer` value.
    fn signer_address(&self, state: &State, value: Prov) -> AddressSource {
        match state.deref(value) {
            Prov::SignerOf(i) => AddressSource::SignerOf(i),
            Prov::Object(n) => self.object(n),
            _ => AddressSource::Any,
        }
    }

    /// The resource a storage instruction works on, and its type arguments.
    fn resource(&self, offset: usize, instr: &Instr) -> Result<(StructHandleIdx, Vec<Type>), VerifyError> {
        let module = self.view.module;
        let operand = generics::struct_operand(module, instr)
            .and_then(|(def, args)| module.structs.get(def.index()).map(|d| (d.handle, args.to_vec())));
        operand.ok_or_else(|| {
            self.view.error(Some(offset), VerifyErrorKind::VerifierInvariant { detail: "struct out of bounds" })
        })
    }

    fn step(&self, state: &mut State, offset: usize, mut found: Option<&mut Found>) -> Result<(), VerifyError> {
        let view = self.view;
        let invariant = |detail| view.error(Some(offset), VerifyErrorKind::VerifierInvariant { detail });
        let instr = view.def.code.get(offset).ok_or_else(|| invariant("block past the code"))?;
        let (pops, pushes) = stack::effect(view.module, view.handle.returns.len(), instr)
            .ok_or_else(|| invariant("operand out of bounds"))?;
        let split = state.stack.len().checked_sub(pops).ok_or_else(|| invariant("stack underflow"))?;
        let operands: SmallVec<[Prov; 3]> = state.stack.drain(split..).collect();
        let mut require = |mode, (resource, type_args): (StructHandleIdx, Vec<Type>), address, index, via| {
            if let Some(found) = found.as_deref_mut() {
                found.entry((Access { mode, resource, type_args, address, index }, via)).or_insert(offset);
            }
        };
        let pushed = match (instr, operands.as_slice()) {
            (Instr::LdConst(c), []) => self.fixed.seed(c.0).unwrap_or_else(|| self.fixed.constant(c.0)),
            (
                Instr::LdTrue
                | Instr::LdFalse
                | Instr::LdU8(_)
                | Instr::LdU16(_)
                | Instr::LdU32(_)
                | Instr::LdU64(_)
                | Instr::LdU128(_)
                | Instr::LdU256(_),
                [],
            ) => IndexConst::of_literal(instr).map_or(Prov::Unknown, |v| self.fixed.literal(v)),
            (Instr::CopyLoc(l) | Instr::MoveLoc(l), []) => {
                state.locals.get(usize::from(l.0)).copied().unwrap_or(Prov::Unknown)
            }
            (Instr::StLoc(l), [value]) => {
                let index = usize::from(l.0);
                let tainted = self.tainted.get(index).copied().unwrap_or(true);
                if let Some(slot) = state.locals.get_mut(index) {
                    *slot = if tainted { Prov::Unknown } else { *value };
                }
                return Ok(());
            }
            (Instr::ImmBorrowLoc(l), []) => Prov::RefToLocal(l.0),
            (Instr::Pack(_) | Instr::PackGeneric(_), fields) => self.pack(instr, fields),
            (Instr::ReadRef, [reference]) => match reference {
                Prov::RefToLocal(_) => state.deref(*reference),
                _ => Prov::Unknown,
            },
            (Instr::SignerAddress, [signer]) => match state.deref(*signer) {
                Prov::SignerOf(i) => Prov::SignerOf(i),
                Prov::Object(n) => Prov::Object(n),
                _ => Prov::Unknown,
            },
            (Instr::ObjectAddress | Instr::ObjectSigner, [creator, seed]) => self.derive(*creator, *seed),
            (
                Instr::Exists(_)
                | Instr::ImmBorrowGlobal(_)
                | Instr::ExistsGeneric(_)
                | Instr::ImmBorrowGlobalGeneric(_),
                [address],
            ) => {
                require(AccessMode::Read, self.resource(offset, instr)?, self.address(*address), None, None);
                Prov::Unknown
            }
            (
                Instr::MutBorrowGlobal(_)
                | Instr::MoveFrom(_)
                | Instr::MutBorrowGlobalGeneric(_)
                | Instr::MoveFromGeneric(_),
                [address],
            ) => {
                require(AccessMode::Write, self.resource(offset, instr)?, self.address(*address), None, None);
                Prov::Unknown
            }
            (Instr::MoveTo(_) | Instr::MoveToGeneric(_), [signer, _]) => {
                let address = self.signer_address(state, *signer);
                require(AccessMode::Write, self.resource(offset, instr)?, address, None, None);
                return Ok(());
            }
            (
                Instr::ExistsKeyed(_)
                | Instr::ImmBorrowGlobalKeyed(_)
                | Instr::ExistsKeyedGeneric(_)
                | Instr::ImmBorrowGlobalKeyedGeneric(_),
                [address, index],
            ) => {
                let index = Some(self.index(*index));
                require(AccessMode::Read, self.resource(offset, instr)?, self.address(*address), index, None);
                Prov::Unknown
            }
            (
                Instr::MutBorrowGlobalKeyed(_)
                | Instr::MoveFromKeyed(_)
                | Instr::MutBorrowGlobalKeyedGeneric(_)
                | Instr::MoveFromKeyedGeneric(_),
                [address, index],
            ) => {
                let index = Some(self.index(*index));
                require(AccessMode::Write, self.resource(offset, instr)?, self.address(*address), index, None);
                Prov::Unknown
            }
            (Instr::MoveToKeyed(_) | Instr::MoveToKeyedGeneric(_), [address, index, _]) => {
                let index = Some(self.index(*index));
                require(AccessMode::Write, self.resource(offset, instr)?, self.address(*address), index, None);
                return Ok(());
            }
            (Instr::CounterAdd(_) | Instr::CounterAddGeneric(_), [address, _]) => {
                require(AccessMode::Add, self.resource(offset, instr)?, self.address(*address), None, None);
                return Ok(());
            }
            (Instr::CounterAddKeyed(_) | Instr::CounterAddKeyedGeneric(_), [address, index, _]) => {
                let index = Some(self.index(*index));
                require(AccessMode::Add, self.resource(offset, instr)?, self.address(*address), index, None);
                return Ok(());
            }
            (Instr::Call(_) | Instr::CallGeneric(_), args) => {
                let (f, callee, type_args) = match instr {
                    Instr::CallGeneric(f) => generics::function_inst(view.module, *f),
                    Instr::Call(f) => view.module.function_handle(*f).map(|h| (*f, h, &[][..])),
                    _ => None,
                }
                .ok_or_else(|| invariant("call out of bounds"))?;
                for access in &callee.access.0 {
                    let arg = |j: u8| args.get(usize::from(j)).copied().unwrap_or(Prov::Unknown);
                    let address = match access.address {
                        AddressSource::Param(j) => self.address(arg(j)),
                        AddressSource::SignerOf(j) => self.signer_address(state, arg(j)),
                        fixed @ (AddressSource::Const(_) | AddressSource::Any) => fixed,
                        AddressSource::Object(object) => self.object_via(state, object, arg),
                    };
                    let index = access.index.as_ref().map(|index| {
                        index.map_params(&mut |source| match source {
                            IndexSource::Param(j) => self.index(arg(j)),
                            IndexSource::SignerOf(j) => match self.signer_address(state, arg(j)) {
                                AddressSource::SignerOf(i) => IndexSource::SignerOf(i),
                                _ => IndexSource::Any,
                            },
                            other => other,
                        })
                    });
                    // The callee's type parameters, as this call instantiates them.
                    let args = access.type_args.iter().map(|t| t.substitute(type_args)).collect();
                    require(access.mode, (access.resource, args), address, index, Some(f));
                }
                Prov::Unknown
            }
            _ => Prov::Unknown,
        };
        state.stack.extend(std::iter::repeat_n(pushed, pushes));
        Ok(())
    }
}
