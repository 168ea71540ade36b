//! Reading the body table by table and entry by entry, so that a malformed
//! module is reported with the entry it breaks in (`function handle 3: a
//! boolean that is neither 0 nor 1`) instead of postcard's bare error names
//! (`Serde Deserialization Error`).
//!
//! The bytes are exactly what postcard writes for [`WireModule`]: a struct is
//! its fields one after another and a sequence is a varint length followed by
//! its items, so reading the seven tables in order, each as a length and then
//! its entries, accepts the same inputs as one `WireModule::deserialize`.
//! A version-1 body is read with version 1's entry layouts and has no
//! instantiation tables; a version-2 body has accesses without indexes and
//! no friend table.

use serde::Deserialize;

use super::wire::{WireFunctionHandleV1, WireFunctionHandleV2, WireModule, WireStructHandleV1};
use super::{DecodeError, HEADER_LEN};

/// A position in the module's bytes (the whole input, header included).
pub(super) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

/// What went wrong, in words: postcard's error names say which decoder
/// step failed, not what the input held.
fn problem(e: &postcard::Error) -> String {
    use postcard::Error as E;
    match e {
        E::DeserializeUnexpectedEnd => "the input ends inside it".into(),
        E::DeserializeBadVarint => "a number takes more bytes than its type allows".into(),
        E::DeserializeBadBool => "a boolean that is neither 0 nor 1".into(),
        E::DeserializeBadUtf8 | E::DeserializeBadChar => "a name that is not valid UTF-8".into(),
        E::DeserializeBadOption => "an optional value whose tag is neither 0 nor 1".into(),
        // serde's derived enums report an unknown variant index as a custom error.
        E::DeserializeBadEnum | E::SerdeDeCustom => "a tag that names no variant of its kind".into(),
        E::DeserializeBadEncoding => "a value that is not well encoded".into(),
        other => other.to_string(),
    }
}

impl<'a> Reader<'a> {
    /// A reader of `input` positioned after the header.
    pub fn new(input: &'a [u8]) -> Self {
        Reader { input, pos: HEADER_LEN.min(input.len()) }
    }

    fn rest(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or_default()
    }

    fn malformed(&self, at: usize, what: &str, e: &postcard::Error) -> DecodeError {
        DecodeError::Malformed { offset: at, reason: format!("{what}: {}", problem(e)) }
    }

    /// One value of type `T`; `what` names it in errors.
    fn take<T: Deserialize<'a>>(&mut self, what: impl FnOnce() -> String) -> Result<T, DecodeError> {
        let at = self.pos;
        match postcard::take_from_bytes::<T>(self.rest()) {
            Ok((value, rest)) => {
                self.pos = self.input.len() - rest.len();
                Ok(value)
            }
            Err(e) => Err(self.malformed(at, &what(), &e)),
        }
    }

    /// A sequence of `T`: a varint length, then the entries. `entry` is the
    /// singular name of an entry (`function handle`).
    fn table<T: Deserialize<'a>>(&mut self, entry: &str) -> Result<Vec<T>, DecodeError> {
        let len: usize = self.take(|| format!("the length of the {entry} table"))?;
        // Every entry takes at least one byte: never reserve more than the input could fill.
        let mut items = Vec::with_capacity(len.min(self.rest().len()));
        for index in 0..len {
            items.push(self.take(|| format!("{entry} {index}"))?);
        }
        Ok(items)
    }

    /// A table read in an older layout `V` and converted to the current one.
    fn table_as<V: Deserialize<'a> + Into<T>, T>(&mut self, entry: &str) -> Result<Vec<T>, DecodeError> {
        Ok(self.table::<V>(entry)?.into_iter().map(Into::into).collect())
    }

    /// The body of a module of format `version` (1 to 3), and where it ends
    /// (what follows may only be a debug section).
    pub fn module(mut self, version: u16) -> Result<(WireModule<'a>, usize), DecodeError> {
        let v1 = version == 1;
        let module_handles = self.table("module handle")?;
        let struct_handles =
            if v1 { self.table_as::<WireStructHandleV1, _>("struct handle")? } else { self.table("struct handle")? };
        let function_handles = match version {
            1 => self.table_as::<WireFunctionHandleV1, _>("function handle")?,
            2 => self.table_as::<WireFunctionHandleV2, _>("function handle")?,
            _ => self.table("function handle")?,
        };
        let mut wire = WireModule {
            module_handles,
            struct_handles,
            function_handles,
            signatures: self.table("signature")?,
            constants: self.table("constant")?,
            structs: self.table("struct definition")?,
            functions: self.table("function definition")?,
            struct_instantiations: Vec::new(),
            function_instantiations: Vec::new(),
            friends: Vec::new(),
        };
        if !v1 {
            wire.struct_instantiations = self.table("struct instantiation")?;
            wire.function_instantiations = self.table("function instantiation")?;
        }
        if version >= 3 {
            wire.friends = self.table("friend")?;
        }
        Ok((wire, self.pos))
    }
}
