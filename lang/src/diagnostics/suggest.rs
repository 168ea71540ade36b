//! "Did you mean": the known name closest to a misspelt one.

use super::Diagnostic;

/// The candidate most likely meant by `name`: same letters in another case,
/// or the fewest edits (insertions, deletions, substitutions, swaps of
/// neighbours), at most one per three characters of `name`. A name of one
/// or two characters is too short to tell a typo from another name (`a`
/// for `b`), so only a difference of case counts for it. Ties go to the
/// candidate first in sorted order, so messages are stable.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = name.chars().count() / 3;
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name || candidate.is_empty() {
            continue;
        }
        let distance =
            if candidate.eq_ignore_ascii_case(name) { 0 } else { strsim::damerau_levenshtein(name, candidate) };
        if distance > limit {
            continue;
        }
        let better = match best {
            None => true,
            Some((d, c)) => distance < d || (distance == d && candidate < c),
        };
        if better {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

impl Diagnostic {
    /// Adds `hint: did you mean `x`?` when a candidate is close to `name`.
    pub fn with_did_you_mean<'a>(self, name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        match closest(name, candidates) {
            Some(found) => self.with_hint(format!("did you mean `{found}`?")),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn picks_the_nearest_plausible_name() {
        assert_eq!(closest("balanec", ["balance", "amount"]), Some("balance"));
        assert_eq!(closest("Balance", ["balance"]), Some("balance"));
        assert_eq!(closest("x", ["y", "xs"]), None);
        assert_eq!(closest("x", ["X"]), Some("X"));
        assert_eq!(closest("amount", ["value", "owner"]), None);
        assert_eq!(closest("ab", ["ab"]), None);
        // Ties go to the first in order.
        assert_eq!(closest("cat", ["cot", "bat"]), Some("bat"));
    }
}
