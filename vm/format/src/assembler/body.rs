//! Pass 3: a function body's locals, labels and instructions.

use std::collections::HashMap;

use crate::encoding::limits::{MAX_CODE_LEN, MAX_LOCALS};

use super::ast::*;
use super::build::{intern, Builder};
use super::lexer::Pos;
use super::operands::instr_from_operands;
use super::AsmError;

type Result<T> = std::result::Result<T, AsmError>;

/// Names of a function's local slots and labels.
struct Scope {
    locals: HashMap<String, u8>,
    labels: HashMap<String, u16>,
}

impl Scope {
    fn name_local(&mut self, name: &Option<String>, slot: usize, pos: Pos) -> Result<()> {
        let index =
            u8::try_from(slot).map_err(|_| pos.error(format!("more than {MAX_LOCALS} parameters and locals")))?;
        if let Some(name) = name {
            if self.locals.insert(name.clone(), index).is_some() {
                return Err(pos.error(format!("`{name}` names two locals")));
            }
        }
        Ok(())
    }
}

fn index(value: u128, max: u128, what: &str, pos: Pos) -> Result<u128> {
    if value > max {
        return Err(pos.error(format!("{what} {value} is over the limit of {max}")));
    }
    Ok(value)
}

pub(crate) fn build_body(b: &mut Builder, def: u16, fun: &FunAst, body: &[Located<BodyLine>]) -> Result<()> {
    b.scope = Some(fun.type_params.len());
    let built = build_code(b, def, fun, body);
    b.scope = None;
    built
}

fn build_code(b: &mut Builder, def: u16, fun: &FunAst, body: &[Located<BodyLine>]) -> Result<()> {
    let mut scope = Scope { locals: HashMap::new(), labels: HashMap::new() };
    for (slot, param) in fun.params.iter().enumerate() {
        scope.name_local(&param.name, slot, param.pos)?;
    }

    // Locals and labels first, so that both can be used before they appear.
    let mut locals = Vec::new();
    let mut offset = 0usize;
    for line in body {
        match &line.node {
            BodyLine::Label(name) => {
                let at = u16::try_from(offset).map_err(|_| line.pos.error("label beyond the largest code offset"))?;
                if scope.labels.insert(name.clone(), at).is_some() {
                    return Err(line.pos.error(format!("label `{name}` is defined twice")));
                }
            }
            BodyLine::Local(param) => {
                scope.name_local(&param.name, fun.params.len() + locals.len(), param.pos)?;
                locals.push(b.ty(&param.ty)?);
            }
            BodyLine::Instr { .. } => offset += 1,
        }
    }
    if offset > MAX_CODE_LEN {
        return Err(fun
            .name
            .pos
            .error(format!("function has {offset} instructions, over the limit of {MAX_CODE_LEN}")));
    }

    let mut code = Vec::with_capacity(offset);
    for line in body {
        let BodyLine::Instr { op, operands } = &line.node else { continue };
        // `ld_u256`'s immediate is wider than a raw operand: built directly.
        if let [Located { node: OperandAst::Wide(value), .. }] = operands.as_slice() {
            code.push(crate::Instr::LdU256(*value));
            continue;
        }
        let mut values = Vec::with_capacity(operands.len());
        for operand in operands {
            values.push(operand_value(b, &scope, operand)?);
        }
        let instr = instr_from_operands(op.byte, &values)
            .ok_or_else(|| line.pos.error(format!("operands do not fit `{}`", op.mnemonic)))?;
        code.push(instr);
    }
    let Some(def) = b.m.functions.get_mut(usize::from(def)) else {
        return Err(fun.name.pos.error("internal: function definition missing"));
    };
    def.locals = locals;
    def.code = code;
    Ok(())
}

fn operand_value(b: &mut Builder, scope: &Scope, operand: &Located<OperandAst>) -> Result<u128> {
    let pos = operand.pos;
    let u16_max = u128::from(u16::MAX);
    let located = |name: &NameRef| Located { node: name.clone(), pos };
    match &operand.node {
        OperandAst::Offset(Slot::Name(label)) => scope
            .labels
            .get(label)
            .map(|&at| u128::from(at))
            .ok_or_else(|| pos.error(format!("unknown label `{label}`"))),
        OperandAst::Offset(Slot::Index(at)) => index(*at, u16_max, "code offset", pos),
        OperandAst::Local(Slot::Name(name)) => {
            scope.locals.get(name).map(|&i| u128::from(i)).ok_or_else(|| pos.error(format!("unknown local `{name}`")))
        }
        OperandAst::Local(Slot::Index(i)) => index(*i, u128::from(u8::MAX), "local", pos),
        OperandAst::Const(Slot::Name(name)) => {
            b.consts.get(name).map(|&i| u128::from(i)).ok_or_else(|| pos.error(format!("unknown constant `{name}`")))
        }
        OperandAst::Const(Slot::Index(i)) => index(*i, u16_max, "constant", pos),
        OperandAst::Function(name) => Ok(u128::from(b.function_ref(&located(name), None)?.0)),
        OperandAst::StructDef(name) => Ok(u128::from(b.struct_def(&located(name), None)?)),
        OperandAst::Field(owner, field) => {
            let def = b.struct_def(&located(owner), None)?;
            let field = field_index(b, Some(def), field, pos)?;
            Ok((u128::from(def) << 16) | field)
        }
        OperandAst::StructInst(inst) => struct_inst(b, inst).map(u128::from),
        OperandAst::FunctionInst(InstRef::Raw(i)) => Ok(u128::from(*i)),
        OperandAst::FunctionInst(InstRef::Inline(name, args)) => Ok(u128::from(b.function_inst(name, args)?)),
        OperandAst::FieldInst(owner, field) => {
            let inst = struct_inst(b, owner)?;
            let def = b.m.struct_instantiations.get(usize::from(inst)).map(|i| i.def.0);
            let field = field_index(b, def, field, pos)?;
            Ok((u128::from(inst) << 16) | field)
        }
        OperandAst::Signature(ty) => {
            let ty = b.ty(ty)?;
            Ok(u128::from(intern(&mut b.m.signatures, &mut b.signature_index, ty, "signatures", pos)?))
        }
        OperandAst::RawSignature(i) => Ok(u128::from(*i)),
        // The parser checked the immediate against its kind; `instr_from_operands` checks again.
        OperandAst::Immediate(value) => Ok(*value),
        // Only `ld_u256` takes one, and `build_code` builds it without a raw value.
        OperandAst::Wide(_) => Err(pos.error("a u256 immediate is only `ld_u256`'s operand")),
    }
}

/// The index of a struct instantiation operand: raw, or looked up (appended on first use).
fn struct_inst(b: &mut Builder, inst: &InstRef) -> Result<u16> {
    match inst {
        InstRef::Raw(i) => Ok(*i),
        InstRef::Inline(name, args) => b.struct_inst(name, args),
    }
}

/// A field by number, or by name among the fields of definition `def`.
fn field_index(b: &Builder, def: Option<u16>, field: &Slot, pos: Pos) -> Result<u128> {
    match field {
        Slot::Index(i) => index(*i, u128::from(u16::MAX), "field", pos),
        Slot::Name(name) => def
            .and_then(|def| b.m.structs.get(usize::from(def)))
            .and_then(|d| d.fields.iter().position(|f| &f.name == name))
            .map(|i| i as u128)
            .ok_or_else(|| pos.error(format!("the struct has no field `{name}`"))),
    }
}
