//! The registry of keyed entries' origins is filled only once a program
//! asks for it (its own process: the switch is process-wide).

use resin_format::file_format::AccountAddress;
use resin_state::keys::{keyed_address, keyed_origin, record_keyed_origins};
use resin_state::Value;

#[test]
fn origins_are_recorded_only_after_a_printer_asks_for_them() {
    let anchor = AccountAddress::from_u64(0xa11ce);
    let before = keyed_address(&anchor, &Value::U64(1));
    // An engine executing blocks keeps nothing per derived key.
    assert_eq!(keyed_origin(&before), None);

    record_keyed_origins();
    let after = keyed_address(&anchor, &Value::U64(2));
    assert_eq!(keyed_origin(&after), Some((anchor, Value::U64(2))));
    // Deriving is unchanged by the switch: the same inputs, the same address.
    assert_eq!(keyed_address(&anchor, &Value::U64(1)), before);
    assert_eq!(keyed_origin(&before), Some((anchor, Value::U64(1))));
}
