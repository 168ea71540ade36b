//! The machine state and the dispatch loop.

use smallvec::SmallVec;

use super::globals::type_of;
use super::globals::WorkingSet;
use super::ops::{Binary, Compiled, Op};
use super::slot::{fill_locals, Ref, Root, Slot, Stack};
use super::{
    arithmetic, control, fused, invariant, locals, references, runtime, structs, type_info, vectors, Fault, Invocation,
};
use crate::gas::{self, GasMeter};
use crate::loader::{tag_of, Instance, LoadedFunction, LoadedModule, SignerParam, Signers};
use crate::transaction::{BlockContext, Event, Location, RuntimeErrorKind};
use resin_format::file_format::{AccountAddress, ConstIdx, FunctionHandleIdx, LocalIdx, StructDefIdx, Type};
use resin_format::U256;
use resin_state::keys::{derive_keyed_address, object_address, DeclaredKeys, ResourceKey, TypeId};
use resin_state::store::StateView;
use resin_state::type_tag::TypeTag;
use resin_state::value::Value;

/// A function activation: which code, where in it, and where its locals start.
#[derive(Clone, Copy)]
pub(super) struct Frame<'c> {
    pub module: &'c LoadedModule,
    pub function: &'c LoadedFunction,
    /// The instance a generic function runs as (its type arguments, cached
    /// struct instantiations and callees); `None` for one that is not generic.
    pub inst: Option<&'c Instance>,
    /// The current instruction; for a saved caller, its `call`.
    pub pc: usize,
    /// Index of the frame's first local in the locals vector.
    pub base: usize,
}

impl Frame<'_> {
    #[cold]
    pub fn location(&self) -> Location {
        Location {
            module: self.module.id().clone(),
            function: self.function.name.clone(),
            offset: u16::try_from(self.pc).unwrap_or(u16::MAX),
        }
    }

    /// A type of this frame's module as a concrete tag, its type parameters
    /// being the instance's type arguments. In code that is not generic
    /// every type is concrete and within the limits (the decoder checks
    /// them), so only an instance's arguments can make one too large.
    pub fn concrete(&self, ty: &Type) -> Result<TypeTag, Fault> {
        let args = self.inst.map_or(&[][..], |i| i.type_args());
        tag_of(&self.module.module, ty, args).ok_or_else(|| {
            if self.inst.is_some() {
                runtime(RuntimeErrorKind::TypeTooLarge)
            } else {
                invariant()
            }
        })
    }
}

pub(super) struct Machine<'c, 'v, V: StateView + ?Sized> {
    pub stack: Stack,
    pub locals: Vec<Slot>,
    /// The callers of the running frame; the running frame itself is kept in
    /// the dispatch loop's registers.
    pub frames: SmallVec<[Frame<'c>; 4]>,
    pub globals: WorkingSet<'v, V>,
    pub events: Vec<Event>,
    pub gas: GasMeter,
    /// What `block_timestamp` and `block_height` read.
    pub block: BlockContext,
    /// The last keyed entry's anchor, index and derived address (see
    /// [`Machine::keyed_address`]).
    keyed_memo: Option<(AccountAddress, Value, AccountAddress)>,
    /// The call being run: when the declared keys were instantiated from
    /// it, what they were instantiated from ([`crate::loader::KeySpecs`])
    /// is found through it.
    call: &'v Invocation<'v, V>,
}

type Located<T> = Result<T, (Fault, Location)>;

impl<'c, 'v, V: StateView + ?Sized> Machine<'c, 'v, V> {
    #[inline(always)]
    pub fn new(
        view: &'v V,
        keys: &'v DeclaredKeys,
        call: &'v Invocation<'v, V>,
        gas_limit: u64,
        block: BlockContext,
        scratch: super::Scratch,
    ) -> Self {
        Machine {
            stack: Stack(scratch.stack),
            locals: scratch.locals,
            frames: SmallVec::new(),
            globals: WorkingSet::new(view, keys, scratch.slots),
            events: Vec::new(),
            gas: GasMeter::new(gas_limit),
            block,
            keyed_memo: None,
            call,
        }
    }

    /// Runs an entry (or tool-called) function to completion: its return
    /// values and the frame of its final `ret` (for locating a failure to pay
    /// for the writes), or a located fault. `BLOCKS`: see [`Machine::run`].
    pub fn run_entry<const BLOCKS: bool>(
        &mut self,
        module: &'c LoadedModule,
        function: &'c LoadedFunction,
        inst: Option<&'c Instance>,
        who: Signers<'_>,
        args: &[Value],
    ) -> Located<(Vec<Value>, Frame<'c>)> {
        let signers = &function.signature.signers;
        // A `&signer` parameter points at a hidden slot below the frame.
        for (i, param) in signers.iter().enumerate() {
            if *param == SignerParam::Ref {
                self.locals.push(Slot::Val(Value::Signer(who.address(i))));
            }
        }
        let base = self.locals.len();
        let mut hidden = 0u32;
        for (i, param) in signers.iter().enumerate() {
            self.locals.push(match param {
                SignerParam::Value => Slot::Val(Value::Signer(who.address(i))),
                SignerParam::Ref => {
                    hidden += 1;
                    Slot::Ref(Ref::new(Root::Local(hidden - 1), false))
                }
            });
        }
        // Pushed one by one, as a call's locals are: `extend` was an
        // out-of-line call for two or three slots.
        for arg in args {
            self.locals.push(Slot::Val(arg.clone()));
        }
        fill_locals(&mut self.locals, base + function.local_count);
        let entry = Frame { module, function, inst, pc: 0, base };
        // The arguments are paid for before the first instruction, in every
        // executor alike: they are charged here, where every call starts.
        let entry_cost = gas::call_cost(function.local_count).saturating_add(gas::argument_cost(args));
        if self.gas.charge(entry_cost).is_err() {
            return Err((Fault::OutOfGas, entry.location()));
        }
        let last = self.run::<BLOCKS>(entry)?;
        match self.stack.pop_values(function.returns.len()) {
            Ok(returns) => Ok((returns, last)),
            Err(fault) => Err((fault, last.location())),
        }
    }

    /// The dispatch loop. Returns the frame of the entry function's final `ret`.
    ///
    /// With `BLOCKS`, base gas is charged per basic block: wherever control
    /// enters code other than by falling through (a function's start, a
    /// branch's destination taken or not, the return point of a call), the
    /// loop charges everything up to the next control transfer
    /// ([`Compiled::block`]), and a fault gives back what the rest of its
    /// block would have cost. The result is the per-instruction one except
    /// when the gas runs out inside a block paid ahead, where the location
    /// would be the block's; [`super::invoke`] runs such a transaction again
    /// without `BLOCKS`, charging each instruction as it starts.
    ///
    /// The handlers a transfer runs most (locals, calls, field references,
    /// `borrow_global`, a one-field `pack` and `unpack`) are
    /// `#[inline(always)]`: left to the compiler, this loop is too large for
    /// it to inline them, and each was an out-of-line call whose prologue,
    /// epilogue and result passing cost more than its work (8-10% of a
    /// transfer's instructions, callgrind, `profile_block`). Their rare
    /// paths (a struct of several fields) stay out of line.
    fn run<const BLOCKS: bool>(&mut self, mut cur: Frame<'c>) -> Located<Frame<'c>> {
        // With `BLOCKS`, charges the block control has just entered at
        // `cur`. A macro, not a method: as a method returning the located
        // fault it cost the loop 1-1.4% of a transfer's instructions
        // (callgrind, `profile_block`).
        macro_rules! enter_block {
            ($code:expr, $cur:expr) => {
                if BLOCKS {
                    if let Err(fault) = self.enter($code, $cur.pc) {
                        return Err(self.located::<BLOCKS>(fault, $code, &$cur));
                    }
                }
            };
        }
        let mut code: &'c Compiled = &cur.function.compiled;
        enter_block!(code, cur);
        loop {
            let Some(&op) = code.ops.get(cur.pc) else {
                return Err(self.located::<BLOCKS>(invariant(), code, &cur));
            };
            if !BLOCKS {
                let Some(&cost) = code.gas.get(cur.pc) else {
                    return Err((invariant(), cur.location()));
                };
                if self.gas.charge(cost).is_err() {
                    return Err((Fault::OutOfGas, cur.location()));
                }
            }
            let step = match op {
                Op::Ret => {
                    if cur.function.returns_reference {
                        if let Err(fault) = control::returned_references(&self.stack, cur.function, cur.base) {
                            return Err((fault, cur.location()));
                        }
                    }
                    super::slot::truncate(&mut self.locals, cur.base);
                    match self.frames.pop() {
                        Some(caller) => {
                            cur = caller;
                            cur.pc += 1;
                            code = &cur.function.compiled;
                            enter_block!(code, cur);
                            continue;
                        }
                        None => return Ok(cur),
                    }
                }
                Op::Branch(target) => {
                    cur.pc = usize::from(target);
                    enter_block!(code, cur);
                    continue;
                }
                Op::BrTrue(target) | Op::BrFalse(target) => match self.stack.pop_bool() {
                    Ok(value) => {
                        let taken = value == matches!(op, Op::BrTrue(_));
                        cur.pc = if taken { usize::from(target) } else { cur.pc + 1 };
                        enter_block!(code, cur);
                        continue;
                    }
                    Err(fault) => Err(fault),
                },
                Op::Call(handle) => match control::call(self, &mut cur, FunctionHandleIdx(handle)) {
                    Ok(()) => {
                        code = &cur.function.compiled;
                        enter_block!(code, cur);
                        continue;
                    }
                    Err(fault) => Err(fault),
                },
                Op::CallGeneric(inst) => match control::call_generic(self, &mut cur, inst) {
                    Ok(()) => {
                        code = &cur.function.compiled;
                        enter_block!(code, cur);
                        continue;
                    }
                    Err(fault) => Err(fault),
                },
                Op::GlobalRead(f) | Op::GlobalWrite(f) | Op::PathRead(f) | Op::PathWrite(f) => {
                    let mut cx = fused::Ctx::<'_, '_, V, BLOCKS> {
                        stack: &mut self.stack,
                        locals: &mut self.locals,
                        globals: &mut self.globals,
                        gas: &mut self.gas,
                        compiled: code,
                        base: cur.base,
                    };
                    let (result, global) = match op {
                        Op::GlobalRead(_) => (fused::global_read(&mut cx, &cur, &f, cur.pc), true),
                        Op::GlobalWrite(_) => (fused::global_write(&mut cx, &cur, &f, cur.pc), true),
                        Op::PathRead(_) => (fused::path_read(&mut cx, &f, cur.pc), false),
                        _ => (fused::path_write(&mut cx, &f, cur.pc), false),
                    };
                    match result {
                        Ok(()) => {
                            cur.pc += f.len(global);
                            continue;
                        }
                        Err((fault, at)) => {
                            cur.pc = at;
                            Err(fault)
                        }
                    }
                }
                Op::Binary(_) | Op::Update(_) => {
                    let mut cx = fused::Ctx::<'_, '_, V, BLOCKS> {
                        stack: &mut self.stack,
                        locals: &mut self.locals,
                        globals: &mut self.globals,
                        gas: &mut self.gas,
                        compiled: code,
                        base: cur.base,
                    };
                    let next = match op {
                        Op::Binary(b) => fused::binary(&mut cx, &b, cur.pc),
                        Op::Update(u) => fused::update(&mut cx, &u, cur.pc),
                        _ => Err((invariant(), cur.pc)),
                    };
                    match next {
                        Ok(next) => {
                            cur.pc = next;
                            // A fused comparison that ends in its branch ends the block.
                            if matches!(op, Op::Binary(Binary { branch: Some(_), .. })) {
                                enter_block!(code, cur);
                            }
                            continue;
                        }
                        Err((fault, at)) => {
                            cur.pc = at;
                            Err(fault)
                        }
                    }
                }
                Op::Abort => control::abort(&mut self.stack),
                Op::Nop => Ok(()),
                Op::BlockTimestamp => self.stack.load(Value::U64(self.block.timestamp)),
                Op::BlockHeight => self.stack.load(Value::U64(self.block.height)),
                // A unit test's transaction is its whole block: what it sets
                // is what it reads from then on.
                Op::TestSetBlockTimestamp => match self.stack.pop_val() {
                    Ok(Value::U64(t)) => {
                        self.block.timestamp = t;
                        Ok(())
                    }
                    _ => Err(super::invariant()),
                },
                Op::TestSetBlockHeight => match self.stack.pop_val() {
                    Ok(Value::U64(h)) => {
                        self.block.height = h;
                        Ok(())
                    }
                    _ => Err(super::invariant()),
                },
                Op::ObjectAddress => self.object(cur.module, false),
                Op::ObjectSigner => self.object(cur.module, true),
                Op::TypeName(sig) => type_info::type_name(&mut self.stack, &mut self.gas, &cur, sig),
                Op::TypeIsStruct(sig) => type_info::is_struct(&mut self.stack, &cur, sig),
                Op::Malformed => Err(super::invariant()),
                Op::Pop => self.stack.pop().map(drop),

                Op::LdU8(v) => self.stack.load(Value::U8(v)),
                Op::LdU64(v) => self.stack.load(Value::U64(v)),
                Op::LdU128(i) => match code.wide.get(i as usize) {
                    Some(&v) => self.stack.load(Value::U128(v)),
                    None => Err(invariant()),
                },
                Op::LdU16(v) => self.stack.load(Value::U16(v)),
                Op::LdU32(v) => self.stack.load(Value::U32(v)),
                Op::LdU256(i) => match (code.wide.get(i as usize), code.wide.get(i as usize + 1)) {
                    (Some(&low), Some(&high)) => self.stack.load(Value::U256(U256::from_halves(low, high))),
                    _ => Err(invariant()),
                },
                Op::LdTrue => self.stack.load(Value::Bool(true)),
                Op::LdFalse => self.stack.load(Value::Bool(false)),
                Op::LdConst(idx) => locals::ld_const(&mut self.stack, &mut self.gas, cur.module, ConstIdx(idx)),

                Op::CopyLoc(l) => locals::copy_loc(&mut self.stack, &self.locals, &mut self.gas, cur.base, LocalIdx(l)),
                Op::MoveLoc(l) => locals::move_loc(&mut self.stack, &mut self.locals, cur.base, LocalIdx(l)),
                Op::StLoc(l) => locals::st_loc(&mut self.stack, &mut self.locals, cur.base, LocalIdx(l)),
                Op::ImmBorrowLoc(l) => locals::borrow_loc(&mut self.stack, &self.locals, cur.base, LocalIdx(l), false),
                Op::MutBorrowLoc(l) => locals::borrow_loc(&mut self.stack, &self.locals, cur.base, LocalIdx(l), true),

                Op::ImmBorrowField(f) => references::borrow_field(&mut self.stack, f, false),
                Op::MutBorrowField(f) => references::borrow_field(&mut self.stack, f, true),
                Op::ReadRef => references::read_ref(&mut self.stack, &self.locals, &self.globals, &mut self.gas),
                Op::WriteRef => references::write_ref(&mut self.stack, &mut self.locals, &mut self.globals),
                Op::FreezeRef => references::freeze_ref(&mut self.stack),

                Op::Pack(def) => structs::pack(&mut self.stack, cur.module, StructDefIdx(def)),
                Op::Unpack(def) => structs::unpack(&mut self.stack, cur.module, StructDefIdx(def)),
                Op::Emit(def) => match structs::def_name(cur.module, StructDefIdx(def)) {
                    Ok(name) => structs::emit(&mut self.stack, &mut self.events, &mut self.gas, cur.module, name),
                    Err(fault) => Err(fault),
                },
                Op::EmitGeneric(idx) => match structs::instantiation(&cur, idx) {
                    Ok(inst) => structs::emit(&mut self.stack, &mut self.events, &mut self.gas, cur.module, inst.name),
                    Err(fault) => Err(fault),
                },

                Op::Add => arithmetic::add(&mut self.stack),
                Op::Sub => arithmetic::sub(&mut self.stack),
                Op::Mul => arithmetic::mul(&mut self.stack),
                Op::Div => arithmetic::div(&mut self.stack),
                Op::Mod => arithmetic::rem(&mut self.stack),
                Op::BitAnd => arithmetic::bit_and(&mut self.stack),
                Op::BitOr => arithmetic::bit_or(&mut self.stack),
                Op::Xor => arithmetic::xor(&mut self.stack),
                Op::Shl => arithmetic::shl(&mut self.stack),
                Op::Shr => arithmetic::shr(&mut self.stack),
                Op::And => arithmetic::and(&mut self.stack),
                Op::Or => arithmetic::or(&mut self.stack),
                Op::Not => arithmetic::not(&mut self.stack),
                Op::Lt => arithmetic::lt(&mut self.stack),
                Op::Gt => arithmetic::gt(&mut self.stack),
                Op::Le => arithmetic::le(&mut self.stack),
                Op::Ge => arithmetic::ge(&mut self.stack),
                Op::CastU8 => arithmetic::cast_u8(&mut self.stack),
                Op::CastU64 => arithmetic::cast_u64(&mut self.stack),
                Op::CastU128 => arithmetic::cast_u128(&mut self.stack),
                Op::CastU16 => arithmetic::cast_u16(&mut self.stack),
                Op::CastU32 => arithmetic::cast_u32(&mut self.stack),
                Op::CastU256 => arithmetic::cast_u256(&mut self.stack),
                Op::Eq => references::equals(&mut self.stack, &self.locals, &self.globals, &mut self.gas, true),
                Op::Neq => references::equals(&mut self.stack, &self.locals, &self.globals, &mut self.gas, false),

                Op::Exists(def) => match type_of(cur.module, StructDefIdx(def)) {
                    Ok(ty) => self.globals.exists(&mut self.stack, &mut self.gas, ty),
                    Err(fault) => Err(fault),
                },
                Op::ImmBorrowGlobal(def) | Op::MutBorrowGlobal(def) => match type_of(cur.module, StructDefIdx(def)) {
                    Ok(ty) => {
                        let mutable = matches!(op, Op::MutBorrowGlobal(_));
                        self.globals.borrow(&mut self.stack, &mut self.gas, ty, mutable)
                    }
                    Err(fault) => Err(fault),
                },
                Op::MoveFrom(def) => match type_of(cur.module, StructDefIdx(def)) {
                    Ok(ty) => self.globals.move_from(&mut self.stack, &mut self.gas, ty),
                    Err(fault) => Err(fault),
                },
                Op::MoveTo(def) => match type_of(cur.module, StructDefIdx(def)) {
                    Ok(ty) => self.move_to(ty),
                    Err(fault) => Err(fault),
                },
                Op::ExistsGeneric(idx) => match structs::instantiation(&cur, idx) {
                    Ok(inst) => self.globals.exists(&mut self.stack, &mut self.gas, inst.ty),
                    Err(fault) => Err(fault),
                },
                Op::ImmBorrowGlobalGeneric(idx) | Op::MutBorrowGlobalGeneric(idx) => {
                    match structs::instantiation(&cur, idx) {
                        Ok(inst) => {
                            let mutable = matches!(op, Op::MutBorrowGlobalGeneric(_));
                            self.globals.borrow(&mut self.stack, &mut self.gas, inst.ty, mutable)
                        }
                        Err(fault) => Err(fault),
                    }
                }
                Op::MoveFromGeneric(idx) => match structs::instantiation(&cur, idx) {
                    Ok(inst) => self.globals.move_from(&mut self.stack, &mut self.gas, inst.ty),
                    Err(fault) => Err(fault),
                },
                Op::MoveToGeneric(idx) => match structs::instantiation(&cur, idx) {
                    Ok(inst) => self.move_to(inst.ty),
                    Err(fault) => Err(fault),
                },
                Op::SignerAddress => references::signer_address(&mut self.stack, &self.locals, &self.globals),

                Op::VecPack(count) => vectors::pack(&mut self.stack, &mut self.gas, count),
                Op::VecUnpack(count) => vectors::unpack(&mut self.stack, &mut self.gas, count),
                Op::VecLen => vectors::len(&mut self.stack, &self.locals, &self.globals),
                Op::VecImmBorrow => vectors::borrow(&mut self.stack, &self.locals, &self.globals, false),
                Op::VecMutBorrow => vectors::borrow(&mut self.stack, &self.locals, &self.globals, true),
                Op::VecPushBack => vectors::push_back(&mut self.stack, &mut self.locals, &mut self.globals),
                Op::VecPopBack => vectors::pop_back(&mut self.stack, &mut self.locals, &mut self.globals),
                Op::VecSwap => vectors::swap(&mut self.stack, &mut self.locals, &mut self.globals),
                Op::VecDestroyEmpty => vectors::destroy_empty(&mut self.stack),
                Op::VecRemove => vectors::remove(&mut self.stack, &mut self.locals, &mut self.globals, &mut self.gas),
                Op::VecInsert => vectors::insert(&mut self.stack, &mut self.locals, &mut self.globals, &mut self.gas),
                Op::VecReverse => vectors::reverse(&mut self.stack, &mut self.locals, &mut self.globals, &mut self.gas),
                Op::VecAppend => vectors::append(&mut self.stack, &mut self.locals, &mut self.globals, &mut self.gas),
                Op::VecContains => vectors::contains(&mut self.stack, &self.locals, &self.globals, &mut self.gas),
                Op::VecIndexOf => vectors::index_of(&mut self.stack, &self.locals, &self.globals, &mut self.gas),
                Op::Sha3_256 => vectors::hash(&mut self.stack, &mut self.gas, vectors::Hash::Sha3_256),
                Op::Blake3 => vectors::hash(&mut self.stack, &mut self.gas, vectors::Hash::Blake3),

                Op::ExistsKeyed(def) => self.keyed(cur.module, def, Keyed::Exists),
                Op::ImmBorrowGlobalKeyed(def) => self.keyed(cur.module, def, Keyed::Borrow(false)),
                Op::MutBorrowGlobalKeyed(def) => self.keyed(cur.module, def, Keyed::Borrow(true)),
                Op::MoveFromKeyed(def) => self.keyed(cur.module, def, Keyed::MoveFrom),
                Op::MoveToKeyed(def) => self.keyed(cur.module, def, Keyed::MoveTo),
                Op::CounterAddKeyed(def) => self.keyed(cur.module, def, Keyed::CounterAdd),
                Op::ExistsKeyedGeneric(idx) => self.keyed_generic(&cur, idx, Keyed::Exists),
                Op::ImmBorrowGlobalKeyedGeneric(idx) => self.keyed_generic(&cur, idx, Keyed::Borrow(false)),
                Op::MutBorrowGlobalKeyedGeneric(idx) => self.keyed_generic(&cur, idx, Keyed::Borrow(true)),
                Op::MoveFromKeyedGeneric(idx) => self.keyed_generic(&cur, idx, Keyed::MoveFrom),
                Op::MoveToKeyedGeneric(idx) => self.keyed_generic(&cur, idx, Keyed::MoveTo),
                Op::CounterAddKeyedGeneric(idx) => self.keyed_generic(&cur, idx, Keyed::CounterAdd),
                Op::CounterAdd(def) => match type_of(cur.module, StructDefIdx(def)) {
                    Ok(ty) => self.counter_add(ty),
                    Err(fault) => Err(fault),
                },
                Op::CounterAddGeneric(idx) => match structs::instantiation(&cur, idx) {
                    Ok(inst) => self.counter_add(inst.ty),
                    Err(fault) => Err(fault),
                },
            };
            if let Err(fault) = step {
                return Err(self.located::<BLOCKS>(fault, code, &cur));
            }
            cur.pc += 1;
        }
    }

    /// `move_to` of the resource type `ty`: the value and the signer's address.
    #[inline]
    fn move_to(&mut self, ty: resin_state::keys::TypeId) -> Result<(), Fault> {
        let (value, address) = references::pop_signer(&mut self.stack, &self.locals, &self.globals)?;
        self.globals.move_to(value, address, &mut self.gas, ty)
    }

    /// `object_address` / `object_signer` (`signer`) in code of `module`:
    /// `..., address creator, vector<u8> seed`, charged per seed byte hashed.
    #[inline(never)]
    fn object(&mut self, module: &LoadedModule, signer: bool) -> Result<(), Fault> {
        let seed = vectors::bytes_of(self.stack.pop_val()?)?;
        let creator = self.stack.pop_address()?;
        self.gas.charge(gas::hash_cost(seed.len() as u64))?;
        let address = object_address(module.id(), &creator, &seed);
        self.stack.push_val(if signer { Value::Signer(address) } else { Value::Address(address) });
        Ok(())
    }

    /// `counter_add` of the plain resource type `ty`: `..., address, int`.
    #[inline]
    fn counter_add(&mut self, ty: TypeId) -> Result<(), Fault> {
        let amount = counter_amount(self.stack.pop_val()?)?;
        let key = ResourceKey { address: self.stack.pop_address()?, ty };
        self.globals.counter_add(key, amount, &mut self.gas)
    }

    /// A keyed instruction on struct definition `def` of `module`.
    #[inline(never)]
    fn keyed(&mut self, module: &LoadedModule, def: u16, op: Keyed) -> Result<(), Fault> {
        let ty = module.structs.get(usize::from(def)).map(|s| s.keyed_ty).ok_or_else(invariant)?;
        self.run_keyed(ty, op)
    }

    /// A keyed instruction on the struct instantiation in slot `slot` of the running function.
    #[inline(never)]
    fn keyed_generic(&mut self, cur: &Frame<'c>, slot: u16, op: Keyed) -> Result<(), Fault> {
        let ty = structs::instantiation(cur, slot)?.keyed_ty;
        self.run_keyed(ty, op)
    }

    /// Runs `op` on the keyed entries of type `ty` (keyed ids,
    /// [`TypeId::keyed`]): the operands above the address and index are
    /// popped first, then the index and the address, from which the
    /// entry's key is derived; then the operation runs on that key exactly
    /// as its plain form runs on a resource.
    fn run_keyed(&mut self, ty: TypeId, op: Keyed) -> Result<(), Fault> {
        let top = match op {
            Keyed::MoveTo => Some(self.stack.pop_val()?),
            Keyed::CounterAdd => Some(Value::U128(counter_amount(self.stack.pop_val()?)?)),
            Keyed::Exists | Keyed::Borrow(_) | Keyed::MoveFrom => None,
        };
        let index = self.stack.pop_val()?;
        let anchor = self.stack.pop_address()?;
        self.gas.charge(gas::hash_cost(index.storage_size()))?;
        let key = ResourceKey { address: self.keyed_address(ty, &anchor, &index), ty };
        self.globals.note_keyed(&key, &anchor, &index);
        match (op, top) {
            (Keyed::Exists, _) => self.globals.exists_key(&mut self.stack, &mut self.gas, key),
            (Keyed::Borrow(mutable), _) => {
                let slot = self.globals.borrow_slot(key.address, key.ty, mutable, &mut self.gas)?;
                self.stack.push(Slot::Ref(Ref::new(Root::Global(slot), mutable)));
                Ok(())
            }
            (Keyed::MoveFrom, _) => self.globals.move_from_key(&mut self.stack, &mut self.gas, key),
            (Keyed::MoveTo, Some(value)) => self.globals.move_to_key(value, key, &mut self.gas),
            (Keyed::CounterAdd, Some(Value::U128(amount))) => self.globals.counter_add(key, amount, &mut self.gas),
            _ => Err(invariant()),
        }
    }

    /// [`derive_keyed_address`], remembered for the transaction's last
    /// entry: contracts ask whether an entry exists and then borrow, move
    /// or publish it (an NFT's mint and transfer, a vote, an allowance),
    /// two keyed instructions on one entry, and the hash is the dearer part
    /// of each (a blake3 compression, ~600 instructions). The address is a
    /// function of the anchor and the index alone, so a hit is exactly the
    /// derivation; the gas charged for hashing does not change. An index
    /// that owns memory (a vector, a struct of fields) is not kept: copying
    /// it would cost what the hash saves. Before hashing, the entry is
    /// looked for among the declared keys, when they are known to be
    /// instantiated from this call
    /// ([`crate::loader::KeySpecs::declared_entry`]): the key
    /// instantiation hashed the same anchor and index already.
    fn keyed_address(&mut self, ty: TypeId, anchor: &AccountAddress, index: &Value) -> AccountAddress {
        if let Some((last_anchor, last_index, address)) = &self.keyed_memo {
            if last_anchor == anchor && last_index == index {
                return *address;
            }
        }
        let declared =
            self.call.key_specs().and_then(|specs| specs.declared_entry(ty, anchor, index, self.globals.keys()));
        let address = declared.unwrap_or_else(|| derive_keyed_address(anchor, index));
        if !index.owns_heap() {
            self.keyed_memo = Some((*anchor, index.clone(), address));
        }
        address
    }

    /// Charges the basic block that starts at `pc` (see [`Machine::run`]).
    #[inline(always)]
    fn enter(&mut self, code: &Compiled, pc: usize) -> Result<(), Fault> {
        let Some(&cost) = code.block.get(pc) else {
            return Err(invariant());
        };
        self.gas.charge(cost).map_err(Fault::from)
    }

    /// Locates a fault at `cur`; with `BLOCKS`, first gives back the base gas
    /// of the instructions after it in its block, paid for but never run.
    #[cold]
    fn located<const BLOCKS: bool>(&mut self, fault: Fault, code: &Compiled, cur: &Frame<'c>) -> (Fault, Location) {
        if BLOCKS {
            self.gas.refund(code.unspent(cur.pc));
        }
        (fault, cur.location())
    }
}

/// A keyed global instruction, for [`Machine::run_keyed`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Keyed {
    Exists,
    /// Mutably when true.
    Borrow(bool),
    MoveFrom,
    MoveTo,
    CounterAdd,
}

/// The amount of a `counter_add`: an unsigned integer of the counter
/// field's type (the verifier checks which).
#[inline]
fn counter_amount(value: Value) -> Result<u128, Fault> {
    match value {
        Value::U8(v) => Ok(u128::from(v)),
        Value::U64(v) => Ok(u128::from(v)),
        Value::U128(v) => Ok(v),
        Value::U16(v) => Ok(u128::from(v)),
        Value::U32(v) => Ok(u128::from(v)),
        // Never a u256: the verifier keeps u256 out of counters (a write
        // set's delta is a u128).
        _ => Err(invariant()),
    }
}
