//! The binary form of a module (`.rbc`): the magic bytes `RSNB`, the format
//! version as a little-endian u16, then a postcard body (see `wire.rs`).
//!
//! Decoding takes hostile bytes: it never panics, never recurses per input
//! byte (types and constants are flat on the wire, see `flat.rs`), reserves no
//! more memory than the input could fill, rejects trailing bytes, and checks
//! every limit in [`limits`]. Errors name the byte offset where it is known.
//!
//! An optional debug section may follow the body ([`debug_section`]); it
//! leaves the format version alone, since a module without one is written
//! exactly as before.

use std::borrow::Cow;

use thiserror::Error;

use crate::file_format::*;

pub mod debug_section;
mod flat;
pub mod limits;
mod tables;
mod wire;

use limits::{check_limits, LimitError, MAX_CODE_LEN, MAX_MODULE_SIZE};
use wire::*;

/// The first four bytes of every encoded module.
pub const MAGIC: [u8; 4] = *b"RSNB";
/// The version of the layout written by [`encode_module`]. Version 2 added
/// generics, version 3 keyed accesses (an index on each access) and the
/// friend table; [`decode_module`] also reads versions 1 and 2.
pub const FORMAT_VERSION: u16 = 3;
/// The oldest version [`decode_module`] reads.
pub const OLDEST_FORMAT_VERSION: u16 = 1;
/// Magic plus version.
pub const HEADER_LEN: usize = 6;

/// Why bytes are not a module.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("input is {len} bytes, shorter than the {HEADER_LEN}-byte header")]
    Truncated { len: usize },
    #[error("module of {len} bytes is larger than the limit of {max} bytes")]
    TooLarge { len: usize, max: usize },
    #[error("not a Resin module: starts with {found:02x?}, expected \"RSNB\"")]
    BadMagic { found: [u8; 4] },
    #[error("format version {found} is not supported (this build reads versions {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION})")]
    UnsupportedVersion { found: u16 },
    #[error("malformed module at byte {offset}: {reason}")]
    Malformed { offset: usize, reason: String },
    #[error("{count} bytes after the end of the module, at byte {offset}")]
    TrailingBytes { offset: usize, count: usize },
    #[error("bad type in {location}, at byte {offset}: {reason}")]
    BadType { location: String, offset: usize, reason: String },
    #[error("bad value of constant {index}: {reason}")]
    BadConstant { index: usize, reason: String },
    #[error("bad instruction in function definition {function}, at byte {offset}: {reason}")]
    BadInstruction { function: usize, offset: usize, reason: String },
    #[error("bad debug section at byte {offset}: {reason}")]
    BadDebugInfo { offset: usize, reason: String },
    #[error(transparent)]
    Limit(#[from] LimitError),
}

impl DecodeError {
    /// The byte offset in the input where the problem is, when known.
    pub fn offset(&self) -> Option<usize> {
        match self {
            DecodeError::Truncated { len } => Some(*len),
            DecodeError::TooLarge { max, .. } => Some(*max),
            DecodeError::BadMagic { .. } | DecodeError::UnsupportedVersion { .. } => Some(0),
            DecodeError::Malformed { offset, .. }
            | DecodeError::TrailingBytes { offset, .. }
            | DecodeError::BadType { offset, .. }
            | DecodeError::BadInstruction { offset, .. }
            | DecodeError::BadDebugInfo { offset, .. } => Some(*offset),
            DecodeError::BadConstant { .. } | DecodeError::Limit(_) => None,
        }
    }
}

/// Writes `m` in the binary format, with its debug section when it has
/// debug information. A module over the [`limits`] is written all the same
/// and then fails to decode; check it first with [`limits::check_limits`]
/// where that matters.
pub fn encode_module(m: &Module) -> Vec<u8> {
    let body = encode_module_code(m);
    match &m.debug {
        Some(debug) => debug_section::encode(debug, body),
        None => body,
    }
}

/// Writes `m` without its debug section: the bytes a module's hash covers,
/// the same whether or not it was compiled with debug information.
pub fn encode_module_code(m: &Module) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    // Serializing these plain structs into a Vec cannot fail (postcard fails
    // only on sequences of unknown length, which they do not contain); should
    // it ever, the header alone decodes to a clear error rather than a panic.
    postcard::to_extend(&to_wire(m), out.clone()).unwrap_or(out)
}

/// Reads a module written by [`encode_module`].
pub fn decode_module(bytes: &[u8]) -> Result<Module, DecodeError> {
    if bytes.len() > MAX_MODULE_SIZE {
        return Err(DecodeError::TooLarge { len: bytes.len(), max: MAX_MODULE_SIZE });
    }
    let found: [u8; 4] = match bytes.get(..4).and_then(|m| m.try_into().ok()) {
        Some(found) => found,
        None => return Err(DecodeError::Truncated { len: bytes.len() }),
    };
    if found != MAGIC {
        return Err(DecodeError::BadMagic { found });
    }
    let version = match bytes.get(4..HEADER_LEN) {
        Some(&[lo, hi]) => u16::from_le_bytes([lo, hi]),
        _ => return Err(DecodeError::Truncated { len: bytes.len() }),
    };
    if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(DecodeError::UnsupportedVersion { found: version });
    }
    let (wire, end) = tables::Reader::new(bytes).module(version)?;
    let mut module = from_wire(wire, bytes)?;
    check_limits(&module)?;
    module.debug = debug_section::decode(bytes, end, &module)?;
    Ok(module)
}

fn type_bytes(ty: &Type) -> Bytes<'static> {
    let mut out = Vec::new();
    flat::encode_type(ty, &mut out);
    Bytes(Cow::Owned(out))
}

fn types_bytes(types: &[Type]) -> Vec<Bytes<'static>> {
    types.iter().map(type_bytes).collect()
}

fn to_wire(m: &Module) -> WireModule<'static> {
    WireModule {
        module_handles: m.module_handles.clone(),
        struct_handles: m.struct_handles.clone(),
        function_handles: m
            .function_handles
            .iter()
            .map(|h| WireFunctionHandle {
                module: h.module,
                name: h.name.clone(),
                type_params: h.type_params.clone(),
                params: types_bytes(&h.params),
                returns: types_bytes(&h.returns),
                access: h
                    .access
                    .0
                    .iter()
                    .map(|a| WireAccess {
                        mode: a.mode,
                        resource: a.resource,
                        type_args: types_bytes(&a.type_args),
                        address: a.address,
                        index: a.index.clone(),
                    })
                    .collect(),
            })
            .collect(),
        signatures: types_bytes(&m.signatures),
        constants: m
            .constants
            .iter()
            .map(|c| WireConstant { ty: type_bytes(&c.ty), value: flat::encode_const(&c.value) })
            .collect(),
        structs: m
            .structs
            .iter()
            .map(|s| WireStructDef {
                handle: s.handle,
                fields: s.fields.iter().map(|f| WireField { name: f.name.clone(), ty: type_bytes(&f.ty) }).collect(),
            })
            .collect(),
        functions: m
            .functions
            .iter()
            .map(|f| {
                let mut code = Vec::with_capacity(f.code.len() * 2);
                for instr in &f.code {
                    instr.encode(&mut code);
                }
                WireFunctionDef {
                    handle: f.handle,
                    visibility: f.visibility,
                    is_entry: f.is_entry,
                    locals: types_bytes(&f.locals),
                    code: Bytes(Cow::Owned(code)),
                }
            })
            .collect(),
        struct_instantiations: m
            .struct_instantiations
            .iter()
            .map(|i| WireInstantiation { index: i.def.0, type_args: types_bytes(&i.type_args) })
            .collect(),
        function_instantiations: m
            .function_instantiations
            .iter()
            .map(|i| WireInstantiation { index: i.handle.0, type_args: types_bytes(&i.type_args) })
            .collect(),
        friends: m.friends.clone(),
    }
}

/// Where `part` starts in `input`; the body's start when it is not a slice of it.
fn offset_in(input: &[u8], part: &[u8]) -> usize {
    let offset = (part.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    if offset <= input.len() {
        offset
    } else {
        HEADER_LEN
    }
}

fn decode_type(input: &[u8], bytes: &Bytes<'_>, location: impl FnOnce() -> String) -> Result<Type, DecodeError> {
    flat::decode_type(&bytes.0).map_err(|e| DecodeError::BadType {
        location: location(),
        offset: offset_in(input, &bytes.0) + e.at,
        reason: e.reason,
    })
}

/// Decodes the types of one table; `location` names entry `i` in errors.
fn decode_types(
    input: &[u8],
    types: &[Bytes<'_>],
    location: impl Fn(usize) -> String,
) -> Result<Vec<Type>, DecodeError> {
    types.iter().enumerate().map(|(i, bytes)| decode_type(input, bytes, || location(i))).collect()
}

fn decode_code(input: &[u8], function: usize, bytes: &[u8]) -> Result<Vec<Instr>, DecodeError> {
    let base = offset_in(input, bytes);
    // Every instruction takes at least one byte, so this reserves no more than the input holds.
    let mut code = Vec::with_capacity(bytes.len().min(MAX_CODE_LEN));
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        let Some(instr) = Instr::decode(bytes, &mut pos) else {
            let reason = match bytes.get(start).and_then(|&b| crate::opcodes::OPCODES.iter().find(|op| op.byte == b)) {
                Some(op) => format!("the operands of `{}` are cut off", op.mnemonic),
                None => format!("unknown opcode {:#04x}", bytes.get(start).copied().unwrap_or_default()),
            };
            return Err(DecodeError::BadInstruction { function, offset: base + start, reason });
        };
        if code.len() == MAX_CODE_LEN {
            let reason = format!("more than {MAX_CODE_LEN} instructions");
            return Err(DecodeError::BadInstruction { function, offset: base + start, reason });
        }
        code.push(instr);
    }
    Ok(code)
}

fn from_wire(w: WireModule<'_>, input: &[u8]) -> Result<Module, DecodeError> {
    let mut function_handles = Vec::with_capacity(w.function_handles.len());
    for (i, h) in w.function_handles.into_iter().enumerate() {
        let mut access = Vec::with_capacity(h.access.len());
        for (a, wire) in h.access.into_iter().enumerate() {
            access.push(Access {
                mode: wire.mode,
                resource: wire.resource,
                type_args: decode_types(input, &wire.type_args, |t| {
                    format!("function handle {i}, access {a}, type argument {t}")
                })?,
                address: wire.address,
                index: wire.index,
            });
        }
        function_handles.push(FunctionHandle {
            module: h.module,
            name: h.name,
            type_params: h.type_params,
            params: decode_types(input, &h.params, |p| format!("function handle {i}, parameter {p}"))?,
            returns: decode_types(input, &h.returns, |r| format!("function handle {i}, return {r}"))?,
            access: AccessSpec(access),
        });
    }
    let signatures = decode_types(input, &w.signatures, |i| format!("signature {i}"))?;
    let mut constants = Vec::with_capacity(w.constants.len());
    for (index, c) in w.constants.iter().enumerate() {
        let ty = decode_type(input, &c.ty, || format!("constant {index}"))?;
        let value = flat::decode_const(&c.value).map_err(|reason| DecodeError::BadConstant { index, reason })?;
        constants.push(Constant { ty, value });
    }
    let mut structs = Vec::with_capacity(w.structs.len());
    for (i, s) in w.structs.into_iter().enumerate() {
        let mut fields = Vec::with_capacity(s.fields.len());
        for (f, field) in s.fields.into_iter().enumerate() {
            let ty = decode_type(input, &field.ty, || format!("struct definition {i}, field {f}"))?;
            fields.push(FieldDef { name: field.name, ty });
        }
        structs.push(StructDef { handle: s.handle, fields });
    }
    let mut functions = Vec::with_capacity(w.functions.len());
    for (i, f) in w.functions.iter().enumerate() {
        functions.push(FunctionDef {
            handle: f.handle,
            visibility: f.visibility,
            is_entry: f.is_entry,
            locals: decode_types(input, &f.locals, |l| format!("function definition {i}, local {l}"))?,
            code: decode_code(input, i, &f.code.0)?,
        });
    }
    let mut struct_instantiations = Vec::with_capacity(w.struct_instantiations.len());
    for (i, inst) in w.struct_instantiations.iter().enumerate() {
        let type_args =
            decode_types(input, &inst.type_args, |t| format!("struct instantiation {i}, type argument {t}"))?;
        struct_instantiations.push(StructInstantiation { def: StructDefIdx(inst.index), type_args });
    }
    let mut function_instantiations = Vec::with_capacity(w.function_instantiations.len());
    for (i, inst) in w.function_instantiations.iter().enumerate() {
        let type_args =
            decode_types(input, &inst.type_args, |t| format!("function instantiation {i}, type argument {t}"))?;
        function_instantiations.push(FunctionInstantiation { handle: FunctionHandleIdx(inst.index), type_args });
    }
    Ok(Module {
        module_handles: w.module_handles,
        struct_handles: w.struct_handles,
        function_handles,
        signatures,
        constants,
        structs,
        functions,
        struct_instantiations,
        function_instantiations,
        friends: w.friends,
        debug: None,
    })
}
