//! Random modules for property tests, shared by test files (`mod common;`).
//!
//! - [`arb_module`]: any module the encoding can carry. Indexes are small but
//!   often out of range, names are sometimes not identifiers, constants need
//!   not match their types. Nothing about it has to verify.
//! - [`well_formed`] / [`arb_well_formed_module`]: the same, repaired so that
//!   every index is in range, names are identifiers, handles are unique and each
//!   of this module's handles has at most one definition: the modules the text
//!   format promises to round-trip. They still need not verify.
#![allow(dead_code)] // each test file uses its own part of this module

use std::collections::HashSet;

use proptest::collection::vec;
use proptest::prelude::*;
use resin_format::assembler::operands::{instr_from_operands, operand_kinds, OperandKind};
use resin_format::encoding::limits::MAX_INDEX_FIELDS;
use resin_format::*;

pub fn arb_address() -> impl Strategy<Value = AccountAddress> {
    prop_oneof![3 => (0u64..20).prop_map(AccountAddress::from_u64), 1 => any::<[u8; 32]>().prop_map(AccountAddress)]
}

pub fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![8 => "[A-Za-z_][A-Za-z0-9_]{0,7}", 1 => ".{0,6}"]
}

/// Types nest at most four deep; struct indexes are in `0..8`, type
/// parameters in `0..4`, generic structs take one to three arguments (so a
/// type stays far below the decoder's node limit).
pub fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::U8),
        Just(Type::U64),
        Just(Type::U128),
        Just(Type::U16),
        Just(Type::U32),
        Just(Type::U256),
        Just(Type::Address),
        Just(Type::Signer),
        (0u16..8).prop_map(|i| Type::Struct(StructHandleIdx(i))),
        (0u16..4).prop_map(Type::TypeParam),
    ];
    leaf.prop_recursive(4, 8, 1, |inner| {
        prop_oneof![
            3 => inner.clone().prop_map(|t| Type::Vector(Box::new(t))),
            1 => inner.clone().prop_map(|t| Type::Ref(Box::new(t))),
            1 => inner.clone().prop_map(|t| Type::MutRef(Box::new(t))),
            2 => (0u16..8, vec(inner, 1..4)).prop_map(|(i, args)| Type::StructInst(StructHandleIdx(i), args)),
        ]
    })
}

/// A constant value of every scalar kind (no vector).
fn arb_scalar_value() -> impl Strategy<Value = ConstValue> {
    prop_oneof![
        any::<bool>().prop_map(ConstValue::Bool),
        any::<u8>().prop_map(ConstValue::U8),
        any::<u64>().prop_map(ConstValue::U64),
        any::<u128>().prop_map(ConstValue::U128),
        any::<u16>().prop_map(ConstValue::U16),
        any::<u32>().prop_map(ConstValue::U32),
        any::<[u8; 32]>().prop_map(|b| ConstValue::U256(U256::from_le_bytes(b))),
        arb_address().prop_map(ConstValue::Address),
    ]
}

pub fn arb_const_value() -> impl Strategy<Value = ConstValue> {
    arb_scalar_value().prop_recursive(3, 12, 4, |inner| vec(inner, 0..4).prop_map(ConstValue::Vector))
}

/// A constant whose value usually matches its type (so the text shows plain literals).
pub fn arb_constant() -> impl Strategy<Value = Constant> {
    let matching = prop_oneof![
        any::<u64>().prop_map(|v| Constant { ty: Type::U64, value: ConstValue::U64(v) }),
        vec(any::<u8>(), 0..6).prop_map(|bytes| Constant {
            ty: Type::Vector(Box::new(Type::U8)),
            value: ConstValue::Vector(bytes.into_iter().map(ConstValue::U8).collect()),
        }),
    ];
    prop_oneof![matching, (arb_type(), arb_const_value()).prop_map(|(ty, value)| Constant { ty, value })]
}

/// A fixed index of every scalar kind.
pub fn arb_index_const() -> impl Strategy<Value = IndexConst> {
    arb_scalar_value().prop_filter_map("a scalar", |v| IndexConst::of_value(&v))
}

/// A field of a struct-built index: what a whole index may be but `*`.
pub fn arb_index_field() -> impl Strategy<Value = IndexField> {
    prop_oneof![
        (0u8..4).prop_map(IndexField::Param),
        (0u8..4).prop_map(IndexField::SignerOf),
        arb_index_const().prop_map(IndexField::Const),
    ]
}

fn arb_creator() -> impl Strategy<Value = ObjectCreator> {
    prop_oneof![
        (0u8..4).prop_map(ObjectCreator::Param),
        (0u8..4).prop_map(ObjectCreator::SignerOf),
        arb_address().prop_map(ObjectCreator::Const),
    ]
}

/// A seed parameter, or fixed bytes up to the longest an access may name.
fn arb_seed() -> impl Strategy<Value = ObjectSeed> {
    prop_oneof![
        (0u8..4).prop_map(ObjectSeed::Param),
        vec(any::<u8>(), 0..=SeedBytes::MAX)
            .prop_map(|bytes| ObjectSeed::Const(SeedBytes::new(&bytes).expect("at most SeedBytes::MAX"))),
    ]
}

pub fn arb_access() -> impl Strategy<Value = Access> {
    let address = prop_oneof![
        (0u8..4).prop_map(AddressSource::Param),
        (0u8..4).prop_map(AddressSource::SignerOf),
        arb_address().prop_map(AddressSource::Const),
        Just(AddressSource::Any),
        (arb_creator(), arb_seed()).prop_map(|(creator, seed)| AddressSource::Object(ObjectSource {
            module: ModuleHandleIdx(0),
            creator,
            seed
        })),
    ];
    let mode = prop_oneof![Just(AccessMode::Read), Just(AccessMode::Write), Just(AccessMode::Add)];
    let type_args = prop_oneof![2 => Just(Vec::new()), 1 => vec(arb_type(), 1..3)];
    let index = prop_oneof![
        2 => Just(None),
        1 => (0u8..4).prop_map(|i| Some(IndexSource::Param(i))),
        1 => (0u8..4).prop_map(|i| Some(IndexSource::SignerOf(i))),
        1 => Just(Some(IndexSource::Any)),
        1 => arb_index_const().prop_map(|c| Some(IndexSource::Const(c))),
        1 => vec(arb_index_field(), 1..=MAX_INDEX_FIELDS).prop_map(|f| Some(IndexSource::Pack(f))),
    ];
    (mode, 0u16..8, type_args, address, index).prop_map(|(mode, r, type_args, address, index)| Access {
        type_args,
        mode,
        resource: StructHandleIdx(r),
        address,
        index,
    })
}

/// Any opcode of the table, with operands that are small indexes or any immediate.
pub fn arb_instr() -> impl Strategy<Value = Instr> {
    let samples: Vec<Instr> = Instr::samples();
    (prop::sample::select(samples), any::<u128>(), any::<u128>(), any::<[u8; 32]>()).prop_map(|(sample, a, b, wide)| {
        // `ld_u256`'s immediate is wider than a raw operand.
        if let Instr::LdU256(_) = sample {
            return Instr::LdU256(U256::from_le_bytes(wide));
        }
        let values: Vec<u128> = operand_kinds(&sample)
            .iter()
            .zip([a, b])
            .map(|(kind, raw)| match kind {
                OperandKind::U8
                | OperandKind::U16
                | OperandKind::U32
                | OperandKind::U64
                | OperandKind::U128
                | OperandKind::U256 => raw % (kind.max_value().saturating_add(1)).max(1),
                OperandKind::Field | OperandKind::FieldInst => (((raw >> 64) % 6) << 16) | (raw % 6),
                _ => raw % 12,
            })
            .collect();
        instr_from_operands(sample.info().byte, &values).unwrap_or(sample)
    })
}

pub fn arb_function_handle() -> impl Strategy<Value = FunctionHandle> {
    (0u16..4, arb_name(), arb_type_params(), vec(arb_type(), 0..4), vec(arb_type(), 0..3), vec(arb_access(), 0..3))
        .prop_map(|(module, name, type_params, params, returns, access)| FunctionHandle {
            type_params: type_params.into_iter().map(|p| p.constraints).collect(),
            module: ModuleHandleIdx(module),
            name,
            params,
            returns,
            access: AccessSpec(access),
        })
}

/// Usually none (most structs and functions are not generic), else one to three.
pub fn arb_type_params() -> impl Strategy<Value = Vec<StructTypeParam>> {
    let param = (0u8..16, any::<bool>())
        .prop_map(|(bits, is_phantom)| StructTypeParam { constraints: Abilities(bits), is_phantom });
    prop_oneof![1 => Just(Vec::new()), 1 => vec(param, 1..4)]
}

pub fn arb_function_def() -> impl Strategy<Value = FunctionDef> {
    (0u16..8, any::<bool>(), any::<bool>(), vec(arb_type(), 0..4), vec(arb_instr(), 0..24)).prop_map(
        |(handle, public, is_entry, locals, code)| FunctionDef {
            handle: FunctionHandleIdx(handle),
            visibility: if public { Visibility::Public } else { Visibility::Private },
            is_entry,
            locals,
            code,
        },
    )
}

pub fn arb_module() -> impl Strategy<Value = Module> {
    let module_id = (arb_address(), arb_name()).prop_map(|(address, name)| ModuleId { address, name });
    let struct_handle =
        (0u16..4, arb_name(), 0u8..16, arb_type_params()).prop_map(|(module, name, bits, type_params)| StructHandle {
            type_params,
            module: ModuleHandleIdx(module),
            name,
            abilities: Abilities(bits),
        });
    let field = (arb_name(), arb_type()).prop_map(|(name, ty)| FieldDef { name, ty });
    let struct_def =
        (0u16..8, vec(field, 0..4)).prop_map(|(handle, fields)| StructDef { handle: StructHandleIdx(handle), fields });
    (
        vec(module_id, 1..4),
        vec(struct_handle, 0..7),
        vec(arb_function_handle(), 0..7),
        vec(arb_type(), 0..4),
        vec(arb_constant(), 0..4),
        vec(struct_def, 0..5),
        vec(arb_function_def(), 0..5),
        (
            vec((0u16..6, vec(arb_type(), 0..3)), 0..5),
            vec((0u16..8, vec(arb_type(), 0..3)), 0..5),
            vec((arb_address(), arb_name()).prop_map(|(address, name)| ModuleId { address, name }), 0..3),
        ),
    )
        .prop_map(
            |(
                module_handles,
                struct_handles,
                function_handles,
                signatures,
                constants,
                structs,
                functions,
                (struct_insts, function_insts, friends),
            )| Module {
                friends,
                debug: None,
                struct_instantiations: struct_insts
                    .into_iter()
                    .map(|(def, type_args)| StructInstantiation { def: StructDefIdx(def), type_args })
                    .collect(),
                function_instantiations: function_insts
                    .into_iter()
                    .map(|(handle, type_args)| FunctionInstantiation { handle: FunctionHandleIdx(handle), type_args })
                    .collect(),
                module_handles,
                struct_handles,
                function_handles,
                signatures,
                constants,
                structs,
                functions,
            },
        )
}

pub fn arb_well_formed_module() -> impl Strategy<Value = Module> {
    arb_module().prop_map(well_formed)
}

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `name` made an identifier that `taken` does not hold yet (then taken).
fn fresh(name: &str, taken: &mut HashSet<String>) -> String {
    let base = if is_ident(name) { name.to_string() } else { "n".to_string() };
    let mut candidate = base.clone();
    let mut i = 0;
    while !taken.insert(candidate.clone()) {
        i += 1;
        candidate = format!("{base}_{i}");
    }
    candidate
}

/// Brings struct indexes in range (`arities[i]`: handle `i`'s type parameter
/// count) and gives generic structs as many arguments as their handle has
/// parameters (so the text names them). Type parameters stay as they are,
/// in range or not: the text writes `T1` or `#T5`. So does `Struct(h)` of a
/// generic `h`, which the text writes `#h`.
fn fix_type(ty: &mut Type, arities: &[usize]) {
    match ty {
        Type::Vector(inner) | Type::Ref(inner) | Type::MutRef(inner) => fix_type(inner, arities),
        Type::Struct(_) | Type::StructInst(..) if arities.is_empty() => *ty = Type::U64,
        Type::Struct(idx) => idx.0 %= arities.len() as u16,
        Type::StructInst(idx, args) => {
            idx.0 %= arities.len() as u16;
            fix_args(args, arities[idx.index()], arities);
        }
        _ => {}
    }
}

/// `args` fixed and made `arity` long.
fn fix_args(args: &mut Vec<Type>, arity: usize, arities: &[usize]) {
    args.resize(arity, Type::U8);
    for arg in args {
        fix_type(arg, arities);
    }
}

/// Repairs a random module into a well-formed one (see the module docs).
pub fn well_formed(mut m: Module) -> Module {
    let mut taken = HashSet::new();
    // Friends are only listed, never resolved: any valid name will do.
    for id in &mut m.friends {
        id.name = fresh(&id.name, &mut HashSet::new());
    }
    for id in &mut m.module_handles {
        id.name = fresh(&id.name, &mut taken);
    }
    let modules = m.module_handles.len() as u16;
    let mut taken = HashSet::new();
    for h in &mut m.struct_handles {
        h.module.0 %= modules;
        h.name = fresh(&h.name, &mut taken);
        h.abilities.0 &= 0xF;
        for p in &mut h.type_params {
            p.constraints.0 &= 0xF;
        }
    }
    let struct_handles = m.struct_handles.len();
    let arities: Vec<usize> = m.struct_handles.iter().map(|h| h.type_params.len()).collect();
    let arities = arities.as_slice();
    let mut taken = HashSet::new();
    for h in &mut m.function_handles {
        h.module.0 %= modules;
        h.name = fresh(&h.name, &mut taken);
        for c in &mut h.type_params {
            c.0 &= 0xF;
        }
        for ty in h.params.iter_mut().chain(&mut h.returns) {
            fix_type(ty, arities);
        }
        if struct_handles == 0 {
            h.access.0.clear();
        }
        for access in &mut h.access.0 {
            access.resource.0 %= struct_handles as u16;
            let arity = arities[access.resource.index()];
            // No type arguments on a generic resource stays (the text writes it `#N`).
            if !access.type_args.is_empty() || arity == 0 {
                fix_args(&mut access.type_args, arity, arities);
            }
        }
    }
    for ty in &mut m.signatures {
        fix_type(ty, arities);
    }
    for constant in &mut m.constants {
        fix_type(&mut constant.ty, arities);
    }

    // Each of this module's handles gets at most one definition.
    let local_structs: Vec<u16> =
        (0..struct_handles as u16).filter(|&i| m.struct_handles[i as usize].module.0 == 0).collect();
    let mut defined = HashSet::new();
    m.structs.retain_mut(|def| {
        if local_structs.is_empty() {
            return false;
        }
        def.handle.0 = local_structs[def.handle.index() % local_structs.len()];
        let mut taken = HashSet::new();
        for field in &mut def.fields {
            // Field names may repeat (the text then uses field numbers), but must be identifiers.
            if !is_ident(&field.name) {
                field.name = fresh(&field.name, &mut taken);
            }
            fix_type(&mut field.ty, arities);
        }
        defined.insert(def.handle)
    });
    let local_functions: Vec<u16> =
        (0..m.function_handles.len() as u16).filter(|&i| m.function_handles[i as usize].module.0 == 0).collect();
    let mut defined = HashSet::new();
    m.functions.retain_mut(|def| {
        if local_functions.is_empty() {
            return false;
        }
        def.handle.0 = local_functions[def.handle.index() % local_functions.len()];
        defined.insert(def.handle)
    });

    // Instantiations of this module's definitions and of any function handle.
    if m.structs.is_empty() {
        m.struct_instantiations.clear();
    }
    for inst in &mut m.struct_instantiations {
        inst.def.0 %= m.structs.len() as u16;
        let arity = arities[m.structs[inst.def.index()].handle.index()];
        fix_args(&mut inst.type_args, arity, arities);
    }
    if m.function_handles.is_empty() {
        m.function_instantiations.clear();
    }
    for inst in &mut m.function_instantiations {
        inst.handle.0 %= m.function_handles.len() as u16;
        let arity = m.function_handles[inst.handle.index()].type_params.len();
        fix_args(&mut inst.type_args, arity, arities);
    }

    let field_counts: Vec<usize> = m.structs.iter().map(|d| d.fields.len()).collect();
    let inst_field_counts: Vec<usize> = m.struct_instantiations.iter().map(|i| field_counts[i.def.index()]).collect();
    let bounds = |kind: OperandKind| match kind {
        OperandKind::Const => m.constants.len(),
        OperandKind::Function => m.function_handles.len(),
        OperandKind::StructDef => m.structs.len(),
        OperandKind::Signature => m.signatures.len(),
        OperandKind::StructInst => m.struct_instantiations.len(),
        OperandKind::FunctionInst => m.function_instantiations.len(),
        _ => usize::MAX,
    };
    let bounds: Vec<(OperandKind, usize)> = [
        OperandKind::Const,
        OperandKind::Function,
        OperandKind::StructDef,
        OperandKind::Signature,
        OperandKind::StructInst,
        OperandKind::FunctionInst,
    ]
    .into_iter()
    .map(|k| (k, bounds(k)))
    .collect();
    for def in &mut m.functions {
        let params = m.function_handles[def.handle.index()].params.len();
        for ty in &mut def.locals {
            fix_type(ty, arities);
        }
        let slots = params + def.locals.len();
        let code_len = def.code.len();
        for instr in &mut def.code {
            let kinds = operand_kinds(instr);
            let mut values = instr.operands();
            let mut ok = true;
            for (kind, value) in kinds.iter().zip(values.iter_mut()) {
                let bound = match kind {
                    OperandKind::CodeOffset => code_len,
                    OperandKind::Local => slots,
                    OperandKind::Field | OperandKind::FieldInst => {
                        let counts = if *kind == OperandKind::Field { &field_counts } else { &inst_field_counts };
                        let owner = (*value >> 16) as usize % counts.len().max(1);
                        let fields = counts.get(owner).copied().unwrap_or(0);
                        ok &= fields > 0;
                        *value = ((owner as u128) << 16) | ((*value & 0xFFFF) % fields.max(1) as u128);
                        continue;
                    }
                    other => bounds.iter().find(|(k, _)| k == other).map_or(usize::MAX, |(_, b)| *b),
                };
                if bound == usize::MAX {
                    continue;
                }
                ok &= bound > 0;
                *value %= bound.max(1) as u128;
            }
            *instr =
                if ok { instr_from_operands(instr.info().byte, &values).unwrap_or(Instr::Nop) } else { Instr::Nop };
        }
    }
    m
}
