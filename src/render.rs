//! Small formatting helpers shared by the commands: grouped numbers, rates,
//! short roots. Values and resources print through the VM's code cache, which
//! knows every field name.

use std::fmt::Write;

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1234567.8` as `1,234,568`.
pub fn rate(per_second: f64) -> String {
    if per_second.is_finite() && per_second >= 0.0 {
        thousands(per_second.round() as u64)
    } else {
        "-".into()
    }
}

/// Hex of a 32-byte root, shortened for humans.
pub fn short_root(root: &[u8; 32]) -> String {
    let mut s = String::new();
    for b in &root[..8] {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(rate(f64::NAN), "-");
    }
}
