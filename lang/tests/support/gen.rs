//! Random well-formed syntax trees for the printer round-trip property.

use proptest::prelude::*;
use resin_lang::ast::*;

fn sp() -> Span {
    Span::default()
}

fn ident(name: &str) -> Ident {
    Ident { name: name.to_string(), span: sp() }
}

fn name() -> impl Strategy<Value = Ident> {
    prop::sample::select(&["a", "b", "value", "coin_1", "_tmp", "x9"][..]).prop_map(ident)
}

fn struct_name() -> impl Strategy<Value = Ident> {
    prop::sample::select(&["S", "Coin", "Balance"][..]).prop_map(ident)
}

fn path(leaf: BoxedStrategy<Ident>) -> impl Strategy<Value = Path> {
    (leaf, 0u8..3, 1u64..300).prop_map(|(name, kind, addr)| {
        let address = AddressLit { value: AccountAddress::from_u64(addr), span: sp() };
        match kind {
            0 => Path { address: None, module: None, name, span: sp() },
            1 => Path { address: None, module: Some(ident("m")), name, span: sp() },
            _ => Path { address: Some(address), module: Some(ident("m")), name, span: sp() },
        }
    })
}

fn ty() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(TypeKind::Bool),
        Just(TypeKind::U8),
        Just(TypeKind::U64),
        Just(TypeKind::U128),
        Just(TypeKind::Address),
        Just(TypeKind::Signer),
        path(struct_name().boxed()).prop_map(|p| TypeKind::Named(p, Vec::new())),
        type_param_name()
            .prop_map(|n| TypeKind::Named(Path { address: None, module: None, name: n, span: sp() }, Vec::new())),
    ]
    .prop_map(|kind| Type { kind, span: sp() });
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| TypeKind::Vector(Box::new(t))),
            (path(struct_name().boxed()), prop::collection::vec(inner.clone(), 1..3))
                .prop_map(|(p, args)| TypeKind::Named(p, args)),
            inner.clone().prop_map(|t| TypeKind::Ref(Box::new(t))),
            inner.prop_map(|t| TypeKind::MutRef(Box::new(t))),
        ]
        .prop_map(|kind| Type { kind, span: sp() })
    })
}

fn type_param_name() -> impl Strategy<Value = Ident> {
    prop::sample::select(&["T", "U", "Elem"][..]).prop_map(ident)
}

/// Types that may follow a `&` are not type arguments: those are plain.
fn type_args() -> impl Strategy<Value = Vec<Type>> {
    prop::collection::vec(ty().prop_filter("no references in type arguments", |t| !is_ref(t)), 0..3)
}

fn is_ref(t: &Type) -> bool {
    matches!(t.kind, TypeKind::Ref(_) | TypeKind::MutRef(_))
}

fn ability() -> impl Strategy<Value = AbilityRef> {
    prop::sample::select(&[Ability::Copy, Ability::Drop, Ability::Store, Ability::Key][..])
        .prop_map(|ability| AbilityRef { ability, span: sp() })
}

/// `<phantom T: copy + drop, U>`: `phantom` only where allowed (structs).
pub fn type_params(on_struct: bool) -> impl Strategy<Value = Vec<TypeParam>> {
    let param = (type_param_name(), any::<bool>(), prop::collection::vec(ability(), 0..3)).prop_map(
        move |(name, phantom, constraints)| TypeParam {
            phantom: (phantom && on_struct).then(sp),
            name,
            constraints,
            span: sp(),
        },
    );
    prop::collection::vec(param, 0..3)
}

pub fn struct_def() -> impl Strategy<Value = StructDef> {
    let field = (name(), ty()).prop_map(|(name, ty)| FieldDecl { doc: Doc::default(), name, ty, span: sp() });
    (struct_name(), type_params(true), prop::collection::vec(ability(), 0..3), prop::collection::vec(field, 0..3))
        .prop_map(|(name, type_params, abilities, fields)| StructDef {
            doc: Doc::default(),
            name,
            type_params,
            abilities,
            fields,
            span: sp(),
        })
}

/// `acquires write Balance<T>@a, read m::S@*, add Tally@d[p], write Token@c[*], read Slot@a[7u8]`
pub fn access_clause() -> impl Strategy<Value = Option<AccessClause>> {
    let address = prop_oneof![
        name().prop_map(AccessAddress::Name),
        Just(AccessAddress::Wildcard(sp())),
        (1u64..300).prop_map(|a| AccessAddress::Literal(AddressLit { value: AccountAddress::from_u64(a), span: sp() })),
    ];
    let mode = prop::sample::select(&[AccessMode::Read, AccessMode::Write, AccessMode::Add][..]);
    // Every literal but a byte string, which the grammar does not take as an index.
    let fixed = literal().prop_filter("a scalar", |l| !matches!(l, Literal::Bytes { .. }));
    let index = prop::option::of(prop_oneof![
        name().prop_map(AccessIndex::Name),
        Just(AccessIndex::Wildcard(sp())),
        fixed.prop_map(|value| AccessIndex::Literal { value, span: sp() }),
    ]);
    let entry = (mode, path(struct_name().boxed()), type_args(), address, index).prop_map(
        |(mode, resource, type_args, address, index)| AccessEntry {
            mode,
            mode_span: sp(),
            resource,
            type_args,
            address,
            index,
            span: sp(),
        },
    );
    prop::option::of(prop::collection::vec(entry, 1..3).prop_map(|entries| AccessClause { entries, span: sp() }))
}

fn int_type() -> impl Strategy<Value = IntType> {
    prop::sample::select(&[IntType::U8, IntType::U16, IntType::U32, IntType::U64, IntType::U128, IntType::U256][..])
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<bool>().prop_map(Literal::Bool),
        (any::<u64>(), prop::option::of(int_type())).prop_map(|(v, suffix)| {
            let value = match suffix {
                Some(t) => {
                    let max = u128::try_from(t.max()).unwrap_or(u128::MAX).min(u64::MAX as u128);
                    v as u128 % (max + 1)
                }
                None => v as u128,
            };
            Literal::Int { value: value.into(), suffix }
        }),
        any::<u64>().prop_map(|a| Literal::Address(AccountAddress::from_u64(a))),
        (prop::collection::vec(any::<u8>(), 0..6), any::<bool>())
            .prop_map(|(bytes, hex)| Literal::Bytes { bytes, hex }),
    ]
}

fn e(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

fn expr(depth: u32) -> BoxedStrategy<Expr> {
    let leaf = prop_oneof![
        literal().prop_map(ExprKind::Literal),
        path(name().boxed()).prop_map(ExprKind::Name),
        name().prop_map(ExprKind::Move),
        name().prop_map(ExprKind::Copy),
        Just(ExprKind::Unit),
        Just(ExprKind::Break),
        Just(ExprKind::Continue),
        Just(ExprKind::Return(None)),
    ]
    .prop_map(e);
    if depth == 0 {
        return leaf.boxed();
    }
    let sub = || expr(depth - 1);
    let binop = prop::sample::select(
        &[
            BinOp::Add,
            BinOp::Sub,
            BinOp::Mul,
            BinOp::Div,
            BinOp::Mod,
            BinOp::BitAnd,
            BinOp::BitOr,
            BinOp::BitXor,
            BinOp::Shl,
            BinOp::Shr,
            BinOp::And,
            BinOp::Or,
            BinOp::Eq,
            BinOp::Neq,
            BinOp::Lt,
            BinOp::Gt,
            BinOp::Le,
            BinOp::Ge,
        ][..],
    );
    let lvalue = prop_oneof![
        name().prop_map(LValueKind::Local),
        (sub(), name()).prop_map(|(b, field)| LValueKind::Field { base: Box::new(b), field }),
        sub().prop_map(|x| LValueKind::Deref(Box::new(x))),
    ]
    .prop_map(|kind| LValue { kind, span: sp() });
    let field_init = (name(), sub(), any::<bool>()).prop_map(|(n, value, shorthand)| {
        let value = if shorthand {
            e(ExprKind::Name(Path { address: None, module: None, name: n.clone(), span: sp() }))
        } else {
            value
        };
        FieldInit { name: n, value, shorthand, span: sp() }
    });
    prop_oneof![
        leaf,
        (binop, sub(), sub())
            .prop_map(|(op, l, r)| ExprKind::Binary { op, op_span: sp(), lhs: Box::new(l), rhs: Box::new(r) })
            .prop_map(e),
        sub().prop_map(|x| ExprKind::Unary { op: UnOp::Not, op_span: sp(), expr: Box::new(x) }).prop_map(e),
        (any::<bool>(), sub()).prop_map(|(mutable, x)| ExprKind::Borrow { mutable, expr: Box::new(x) }).prop_map(e),
        sub().prop_map(|x| ExprKind::Deref(Box::new(x))).prop_map(e),
        (sub(), int_type()).prop_map(|(x, ty)| ExprKind::Cast { expr: Box::new(x), ty, ty_span: sp() }).prop_map(e),
        (sub(), name()).prop_map(|(b, field)| ExprKind::Field { base: Box::new(b), field }).prop_map(e),
        (path(name().boxed()), prop::collection::vec(ty(), 0..2), prop::collection::vec(sub(), 0..3))
            .prop_map(|(func, type_args, args)| ExprKind::Call { func, type_args, args })
            .prop_map(e),
        (prop::option::of(ty()), prop::collection::vec(sub(), 0..3))
            .prop_map(|(elem_ty, elems)| ExprKind::Vector { elem_ty, elems })
            .prop_map(e),
        (sub(), sub()).prop_map(|(c, k)| ExprKind::Assert { cond: Box::new(c), code: Box::new(k) }).prop_map(e),
        (path(struct_name().boxed()), type_args(), prop::collection::vec(field_init, 0..3))
            .prop_map(|(name, type_args, fields)| ExprKind::Pack { name, type_args, fields })
            .prop_map(e),
        prop::collection::vec(sub(), 1..4).prop_map(ExprKind::Tuple).prop_map(e),
        (sub(), sub(), prop::option::of(sub()))
            .prop_map(|(c, t, f)| ExprKind::If {
                cond: Box::new(c),
                then_branch: Box::new(t),
                else_branch: f.map(Box::new),
            })
            .prop_map(e),
        (sub(), block(depth - 1)).prop_map(|(c, body)| ExprKind::While { cond: Box::new(c), body }).prop_map(e),
        block(depth - 1).prop_map(|body| ExprKind::Loop { body }).prop_map(e),
        block(depth - 1).prop_map(ExprKind::Block).prop_map(e),
        sub().prop_map(|x| ExprKind::Return(Some(Box::new(x)))).prop_map(e),
        sub().prop_map(|x| ExprKind::Abort(Box::new(x))).prop_map(e),
        (lvalue, sub()).prop_map(|(lhs, r)| ExprKind::Assign { lhs, rhs: Box::new(r) }).prop_map(e),
    ]
    .boxed()
}

fn pattern() -> impl Strategy<Value = Pattern> {
    let leaf = prop_oneof![name().prop_map(PatternKind::Var), Just(PatternKind::Wildcard)]
        .prop_map(|kind| Pattern { kind, span: sp() });
    leaf.prop_recursive(2, 6, 3, |inner| {
        let field = (name(), inner.clone(), any::<bool>()).prop_map(|(field, p, shorthand)| {
            let pattern = if shorthand { Pattern { kind: PatternKind::Var(field.clone()), span: sp() } } else { p };
            FieldPattern { field, pattern, shorthand, span: sp() }
        });
        prop_oneof![
            prop::collection::vec(inner, 0..3).prop_map(PatternKind::Tuple),
            (path(struct_name().boxed()), type_args(), prop::collection::vec(field, 0..3))
                .prop_map(|(name, type_args, fields)| PatternKind::Unpack { name, type_args, fields }),
        ]
        .prop_map(|kind| Pattern { kind, span: sp() })
    })
}

fn stmt(depth: u32) -> impl Strategy<Value = Stmt> {
    prop_oneof![
        (pattern(), prop::option::of(ty()), prop::option::of(expr(depth)))
            .prop_map(|(pattern, ty, init)| StmtKind::Let { pattern, ty, init }),
        expr(depth).prop_map(StmtKind::Expr),
    ]
    .prop_map(|kind| Stmt { kind, span: sp() })
}

pub fn block(depth: u32) -> BoxedStrategy<Block> {
    (prop::collection::vec(stmt(depth), 0..3), prop::option::of(expr(depth)))
        .prop_map(|(stmts, tail)| Block { stmts, tail: tail.map(Box::new), span: sp() })
        .boxed()
}

/// A module of `structs` and one function `f<type_params>` with `body`.
pub fn wrap_generic(
    body: Block,
    type_params: Vec<TypeParam>,
    access: Option<AccessClause>,
    structs: Vec<StructDef>,
) -> Module {
    let fun = FunDef {
        doc: Doc::default(),
        visibility: Visibility::Private,
        entry: None,
        name: ident("f"),
        type_params,
        params: Vec::new(),
        returns: Vec::new(),
        access,
        body,
        span: sp(),
    };
    Module {
        doc: Doc::default(),
        address: AddressLit { value: AccountAddress::from_u64(1), span: sp() },
        name: ident("m"),
        uses: Vec::new(),
        friends: Vec::new(),
        structs,
        constants: Vec::new(),
        functions: vec![fun],
        span: sp(),
    }
}
