//! Concrete access keys: a symbolic access spec instantiated with a call's
//! arguments. Shared by the VM (which enforces them) and the scheduler (which
//! trusts them).

use std::fmt;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex, RwLock};

use rustc_hash::FxHashMap;

use resin_format::file_format::{AccessMode, AccountAddress, ModuleId};

use crate::canonical::{encode_into, ByteSink};
use crate::type_tag::StructTag;
use crate::value::Value;

/// A resource type's global identity, reduced to 64 bits: the first eight bytes
/// of blake3 over `address::module::Name`, or for an instantiation of a
/// generic struct over its canonical tag `address::module::Name<args>`
/// ([`StructTag::canonical`]), so `Balance<USD>` and `Balance<EUR>` are
/// different types and different keys. Stable across processes and
/// publication order; the loader rejects a module whose type collides.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TypeId(pub u64);

impl TypeId {
    /// The type id of a struct that is not generic (and the id the loader
    /// files a generic struct's definition under).
    pub fn of(module: &ModuleId, struct_name: &str) -> TypeId {
        Self::hash(&format!("{}::{}::{}", module.address, module.name, struct_name))
    }

    /// The type id of a struct type, instantiated or not; for one without type
    /// arguments it is [`TypeId::of`]. An instantiation is recorded so that
    /// [`TypeId::instantiation`] can name it later.
    pub fn of_struct(tag: &StructTag) -> TypeId {
        let ty = Self::hash(&tag.canonical());
        if !tag.type_args.is_empty() {
            register(ty, tag);
        }
        ty
    }

    /// The tag of an instantiated struct type whose id [`TypeId::of_struct`]
    /// computed in this process: how printers name `Balance<USD>`.
    pub fn instantiation(self) -> Option<StructTag> {
        INSTANTIATIONS.read().ok()?.get(&self).cloned()
    }

    /// The type id of the *keyed* entries of a struct type (`S@a[i]`): the
    /// hash of `"{canonical tag}[]"`. No canonical tag ends in `[]`, so a
    /// keyed entry never has the id of a plain resource of any type, and a
    /// `*` over the keyed entries of `S` (`AnyOf(TypeId::keyed(S))`) is
    /// apart from one over its plain resources. Recorded, so that
    /// [`TypeId::keyed_resource`] can name it later.
    pub fn keyed(tag: &StructTag) -> TypeId {
        let mut text = tag.canonical();
        text.push_str("[]");
        let ty = Self::hash(&text);
        register_keyed_type(ty, tag);
        ty
    }

    /// The struct type whose keyed entries have this id, when
    /// [`TypeId::keyed`] computed it in this process: how printers name
    /// `0x1::fa::Allowance@0xa11ce[0xb0b]`.
    pub fn keyed_resource(self) -> Option<StructTag> {
        KEYED_TYPES.read().ok()?.get(&self).cloned()
    }

    fn hash(text: &str) -> TypeId {
        let hash = blake3::hash(text.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        TypeId(u64::from_le_bytes(first))
    }
}

/// Every instantiated struct type seen in this process, by id. Global rather
/// than per code cache: the id is a function of the tag, so the inverse is a
/// fact, not state, and the interpreter creates instantiations where no code
/// cache is at hand. Written once per instantiation (the loader caches them),
/// read only by printers.
static INSTANTIATIONS: LazyLock<RwLock<FxHashMap<TypeId, StructTag>>> = LazyLock::new(Default::default);

fn register(ty: TypeId, tag: &StructTag) {
    let known = INSTANTIATIONS.read().is_ok_and(|map| map.contains_key(&ty));
    if !known {
        if let Ok(mut map) = INSTANTIATIONS.write() {
            map.entry(ty).or_insert_with(|| tag.clone());
        }
    }
}

/// Every keyed type id [`TypeId::keyed`] made in this process, by id (a
/// fact, like [`INSTANTIATIONS`]; read only by printers).
static KEYED_TYPES: LazyLock<RwLock<FxHashMap<TypeId, StructTag>>> = LazyLock::new(Default::default);

fn register_keyed_type(ty: TypeId, tag: &StructTag) {
    let known = KEYED_TYPES.read().is_ok_and(|map| map.contains_key(&ty));
    if !known {
        if let Ok(mut map) = KEYED_TYPES.write() {
            map.entry(ty).or_insert_with(|| tag.clone());
        }
    }
}

/// Domain separation of derived addresses from every other blake3 use
/// (module hashes, Merkle leaves and nodes, type ids).
const KEYED_DOMAIN: &[u8] = b"resin/keyed\0";

/// The address an entry of keyed storage lives at: entry `S@anchor[index]`
/// is the resource `S` (with the id [`TypeId::keyed`]) at this address.
/// The first 32 bytes of blake3 over a domain tag, the anchor and the
/// canonical bytes of the index ([`crate::canonical`]), so distinct
/// (anchor, index) pairs get distinct addresses unless blake3 collides,
/// and the VM and the key instantiation (which both call this) always
/// agree. Pure: [`keyed_address`] also records the origin for printers.
#[inline]
pub fn derive_keyed_address(anchor: &AccountAddress, index: &Value) -> AccountAddress {
    // An address or integer index encodes into the inline buffer: no heap.
    let mut bytes: SmallVec<[u8; 96]> = SmallVec::new();
    bytes.push_bytes(KEYED_DOMAIN);
    bytes.push_bytes(&anchor.0);
    encode_into(index, &mut bytes);
    AccountAddress(*blake3::hash(&bytes).as_bytes())
}

/// [`derive_keyed_address`], recorded so that [`keyed_origin`] can name the
/// entry later.
pub fn keyed_address(anchor: &AccountAddress, index: &Value) -> AccountAddress {
    let address = derive_keyed_address(anchor, index);
    register_keyed_address(address, anchor, index);
    address
}

/// Whether [`register_keyed_address`] records anything: off until a
/// program that prints keys turns it on ([`record_keyed_origins`]). The
/// registry only grows (an entry per keyed key ever derived), so an engine
/// that executes blocks for ever and prints no key must not fill it: a
/// block of 100,000 NFT mints or votes would add 100,000 entries, each
/// taken under a lock on the hot path, and none would ever be freed.
static RECORD_ORIGINS: AtomicBool = AtomicBool::new(false);

/// From now on, record where derived addresses come from, so that
/// [`keyed_origin`] can name the entries (sessions, the REPL, the test
/// runner: everything that prints keys to people).
pub fn record_keyed_origins() {
    RECORD_ORIGINS.store(true, Ordering::Relaxed);
}

/// Records that `address` is [`derive_keyed_address`]`(anchor, index)`
/// (the caller derived it), when origins are recorded: one lookup in one
/// shard of the registry.
pub fn register_keyed_address(address: AccountAddress, anchor: &AccountAddress, index: &Value) {
    if !RECORD_ORIGINS.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(mut map) = origin_shard(&address).lock() {
        map.entry(address).or_insert_with(|| (*anchor, index.clone()));
    }
}

/// The anchor and index a derived address was made from, when
/// [`keyed_address`] (or the VM) derived it in this process.
pub fn keyed_origin(address: &AccountAddress) -> Option<(AccountAddress, Value)> {
    origin_shard(address).lock().ok()?.get(address).cloned()
}

/// Domain separation of module-controlled addresses.
const OBJECT_DOMAIN: &[u8] = b"resin/object\0";

/// The address `object_address` derives in code of `module` from a
/// `creator` and a `seed`: the first 32 bytes of blake3 over a domain tag,
/// the module's address, its name, a zero byte (names contain none, so the
/// name ends unambiguously), the creator and the seed. Nobody holds a key
/// for it; only `module`'s code can make its signer.
pub fn object_address(module: &ModuleId, creator: &AccountAddress, seed: &[u8]) -> AccountAddress {
    let mut hasher = blake3::Hasher::new();
    hasher.update(OBJECT_DOMAIN);
    hasher.update(&module.address.0);
    hasher.update(module.name.as_bytes());
    hasher.update(&[0]);
    hasher.update(&creator.0);
    hasher.update(seed);
    AccountAddress(*hasher.finalize().as_bytes())
}

/// Derived address -> (anchor, index), for printers. Global for the same
/// reason as [`INSTANTIATIONS`]: the map is a function's inverse, not state.
/// Every lane of a block records the entries its transactions create, each
/// a new address, so the map is split in shards by the address's first
/// byte, each behind its own lock on its own cache lines: one lock for all
/// would be taken by both cores for every keyed transaction.
static KEYED_ADDRESSES: LazyLock<[OriginShard; ORIGIN_SHARDS]> =
    LazyLock::new(|| std::array::from_fn(|_| OriginShard::default()));

const ORIGIN_SHARDS: usize = 64;

#[derive(Default)]
#[repr(align(128))]
struct OriginShard(Mutex<FxHashMap<AccountAddress, (AccountAddress, Value)>>);

fn origin_shard(address: &AccountAddress) -> &'static Mutex<FxHashMap<AccountAddress, (AccountAddress, Value)>> {
    // Derived addresses are blake3 output: any byte is uniform.
    &KEYED_ADDRESSES[usize::from(address.0[0]) % ORIGIN_SHARDS].0
}

impl fmt::Debug for TypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypeId({:016x})", self.0)
    }
}

/// Where one resource lives: a type at an address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct ResourceKey {
    pub address: AccountAddress,
    pub ty: TypeId,
}

/// An instantiated key: one resource, or every resource of a type (`*`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum AccessKey {
    Exact(ResourceKey),
    AnyOf(TypeId),
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct KeyAccess {
    pub mode: AccessMode,
    pub key: AccessKey,
}

/// A transaction's declared keys, deduplicated and sorted; a key declared both
/// read and write appears once, as write.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct DeclaredKeys(pub SmallVec<[KeyAccess; 4]>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::type_tag::TypeTag;

    fn tag(name: &str) -> StructTag {
        StructTag::new(ModuleId::new(AccountAddress::from_u64(1), "fa"), name, Vec::new())
    }

    #[test]
    fn a_keyed_type_id_is_the_hash_of_the_tag_with_brackets() {
        let allowance = tag("Allowance");
        let expected = blake3::hash(b"0x1::fa::Allowance[]");
        let mut first = [0u8; 8];
        first.copy_from_slice(&expected.as_bytes()[..8]);
        assert_eq!(TypeId::keyed(&allowance), TypeId(u64::from_le_bytes(first)));
        assert_ne!(TypeId::keyed(&allowance), TypeId::of_struct(&allowance));
        assert_eq!(TypeId::keyed(&allowance).keyed_resource(), Some(allowance.clone()));
        assert_eq!(TypeId::of_struct(&allowance).keyed_resource(), None);
        let generic = StructTag::new(allowance.module.clone(), "Allowance", vec![TypeTag::U64]);
        assert_ne!(TypeId::keyed(&generic), TypeId::keyed(&allowance));
    }

    #[test]
    fn a_keyed_address_hashes_the_domain_the_anchor_and_the_index_bytes() {
        record_keyed_origins();
        let anchor = AccountAddress::from_u64(0xa11ce);
        let spender = AccountAddress::from_u64(0xb0b);
        // The canonical bytes of an address value: its tag (4), then the 32 bytes.
        let mut input = b"resin/keyed\0".to_vec();
        input.extend_from_slice(&anchor.0);
        input.push(4);
        input.extend_from_slice(&spender.0);
        let derived = keyed_address(&anchor, &Value::Address(spender));
        assert_eq!(derived, AccountAddress(*blake3::hash(&input).as_bytes()));
        assert_eq!(derived, derive_keyed_address(&anchor, &Value::Address(spender)));
        assert_eq!(keyed_origin(&derived), Some((anchor, Value::Address(spender))));
        assert_eq!(keyed_origin(&anchor), None);
    }

    #[test]
    fn an_object_address_hashes_the_domain_the_module_the_creator_and_the_seed() {
        let module = ModuleId::new(AccountAddress::from_u64(0x42), "pool");
        let creator = AccountAddress::from_u64(0xa11ce);
        let mut input = b"resin/object\0".to_vec();
        input.extend_from_slice(&AccountAddress::from_u64(0x42).0);
        input.extend_from_slice(b"pool\0");
        input.extend_from_slice(&creator.0);
        input.extend_from_slice(b"usd");
        let derived = object_address(&module, &creator, b"usd");
        assert_eq!(derived, AccountAddress(*blake3::hash(&input).as_bytes()));
        assert_ne!(derived, object_address(&module, &creator, b"eur"));
        assert_ne!(derived, object_address(&ModuleId::new(AccountAddress::from_u64(0x42), "poo"), &creator, b"lusd"));
        assert_ne!(derived, object_address(&module, &AccountAddress::from_u64(0xb0b), b"usd"));
    }

    #[test]
    fn distinct_anchors_or_indexes_derive_distinct_addresses() {
        let a = AccountAddress::from_u64(1);
        let b = AccountAddress::from_u64(2);
        let addresses = [
            derive_keyed_address(&a, &Value::U64(1)),
            derive_keyed_address(&a, &Value::U64(2)),
            derive_keyed_address(&b, &Value::U64(1)),
            // The same number in another type is another index.
            derive_keyed_address(&a, &Value::U8(1)),
            derive_keyed_address(&a, &Value::Address(AccountAddress::from_u64(1))),
            derive_keyed_address(&a, &Value::Vector(vec![Value::U8(1)])),
        ];
        for (i, x) in addresses.iter().enumerate() {
            for y in &addresses[i + 1..] {
                assert_ne!(x, y);
            }
            assert_ne!(*x, a);
        }
        // A large index (over the inline buffer) derives the same way.
        let big = Value::Vector(vec![Value::U64(u64::MAX); 40]);
        let mut input = b"resin/keyed\0".to_vec();
        input.extend_from_slice(&a.0);
        input.extend_from_slice(&big.canonical_bytes());
        assert_eq!(derive_keyed_address(&a, &big), AccountAddress(*blake3::hash(&input).as_bytes()));
    }
}
