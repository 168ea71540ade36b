//! Ending references where the source stops using them.
//!
//! The bytecode verifier checks borrows the way Move does: a reference held
//! in a local is live until the local is moved out or overwritten, however
//! long after its last use. So code that is safe in the source (`let r =
//! &mut x; *r = 1; x = 2;`) would be rejected if `r` still held its borrow
//! at `x = 2`. As Move's compiler does, this pass, run on each finished
//! function, ends every reference-holding local at its last use, computed by
//! liveness over the function's control-flow graph:
//!
//! - a `copy_loc` of a reference local that is not read again becomes a
//!   `move_loc`;
//! - a `st_loc` into a reference local that is never read becomes a `pop`;
//! - where a reference local is live at the end of every predecessor of a
//!   block but dead inside it (the branch that does not use it, the exit of
//!   the loop that did), the block starts with `move_loc r; pop`, unless it
//!   only aborts with a constant (a failed `assert!`). Where it is live after
//!   some predecessors only, the verifier's merge already ends it.

use resin_format::file_format::{CodeOffset, Instr, LocalIdx};

use super::CodegenError;

/// A set of local slots (a `LocalIdx` is a `u8`).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
struct Set([u64; 4]);

impl Set {
    fn contains(self, local: u8) -> bool {
        self.0[usize::from(local / 64)] & (1 << (local % 64)) != 0
    }
    fn insert(&mut self, local: u8) {
        self.0[usize::from(local / 64)] |= 1 << (local % 64);
    }
    fn remove(&mut self, local: u8) {
        self.0[usize::from(local / 64)] &= !(1 << (local % 64));
    }
    fn union(self, other: Set) -> Set {
        Set([0, 1, 2, 3].map(|i| self.0[i] | other.0[i]))
    }
    fn intersect(self, other: Set) -> Set {
        Set([0, 1, 2, 3].map(|i| self.0[i] & other.0[i]))
    }
    fn minus(self, other: Set) -> Set {
        Set([0, 1, 2, 3].map(|i| self.0[i] & !other.0[i]))
    }
    fn members(self) -> impl Iterator<Item = u8> {
        (0..=u8::MAX).filter(move |l| self.contains(*l))
    }
}

fn target(instr: &Instr) -> Option<usize> {
    match instr {
        Instr::Branch(t) | Instr::BrTrue(t) | Instr::BrFalse(t) => Some(t.index()),
        _ => None,
    }
}

fn ends_block(instr: &Instr) -> bool {
    matches!(instr, Instr::Ret | Instr::Abort | Instr::Branch(_) | Instr::BrTrue(_) | Instr::BrFalse(_))
}

struct Block {
    start: usize,
    end: usize,
    succs: Vec<usize>,
}

fn blocks(code: &[Instr]) -> Vec<Block> {
    let mut leader = vec![false; code.len()];
    if let Some(first) = leader.first_mut() {
        *first = true;
    }
    for (offset, instr) in code.iter().enumerate() {
        if let Some(slot) = target(instr).and_then(|t| leader.get_mut(t)) {
            *slot = true;
        }
        if let Some(slot) = leader.get_mut(offset + 1).filter(|_| ends_block(instr)) {
            *slot = true;
        }
    }
    let starts: Vec<usize> = (0..code.len()).filter(|&o| leader[o]).collect();
    let block_at = |offset: usize| starts.binary_search(&offset).ok();
    let mut blocks = Vec::with_capacity(starts.len());
    for (id, &start) in starts.iter().enumerate() {
        let end = starts.get(id + 1).copied().unwrap_or(code.len());
        let last = &code[end - 1];
        let mut succs = Vec::new();
        succs.extend(target(last).and_then(block_at));
        if !matches!(last, Instr::Ret | Instr::Abort | Instr::Branch(_)) {
            succs.extend(block_at(end));
        }
        blocks.push(Block { start, end, succs });
    }
    blocks
}

/// A block that only loads a constant and aborts (a failed `assert!`):
/// nothing in it can conflict with a live reference, and an abort ends
/// them all, so it needs no release (and keeps its gas and offsets).
fn aborts_with_a_constant(block: &[Instr]) -> bool {
    let constant = |i: &Instr| {
        matches!(
            i,
            Instr::LdU8(_)
                | Instr::LdU64(_)
                | Instr::LdU128(_)
                | Instr::LdU16(_)
                | Instr::LdU32(_)
                | Instr::LdU256(_)
                | Instr::LdTrue
                | Instr::LdFalse
                | Instr::LdConst(_)
                | Instr::Nop
        )
    };
    matches!(block.split_last(), Some((Instr::Abort, rest)) if rest.iter().all(constant))
}

/// The reference locals live just before `instr`, given those live after it.
fn live_before(instr: &Instr, mut live: Set, refs: Set) -> Set {
    match instr {
        Instr::CopyLoc(l) | Instr::MoveLoc(l) if refs.contains(l.0) => live.insert(l.0),
        Instr::StLoc(l) => live.remove(l.0),
        _ => {}
    }
    live
}

/// Rewrites `code` so that no reference local outlives its last use (see the
/// module doc). `is_reference[i]` says whether local slot `i` holds a reference.
/// Returns the new code and, per new instruction, the offset in `code` of
/// the instruction it comes from (an inserted release: the one it precedes).
pub(super) fn release_dead_references(
    code: Vec<Instr>,
    is_reference: &[bool],
) -> Result<(Vec<Instr>, Vec<usize>), CodegenError> {
    let mut refs = Set::default();
    for (slot, _) in is_reference.iter().enumerate().filter(|(_, r)| **r) {
        refs.insert(u8::try_from(slot).map_err(|_| CodegenError::TooManyLocals)?);
    }
    if refs == Set::default() || code.is_empty() {
        let origins = (0..code.len()).collect();
        return Ok((code, origins));
    }
    let blocks = blocks(&code);
    // Backward liveness to a fixed point; a few sweeps settle any loop nest
    // the code generator emits.
    let mut live_in = vec![Set::default(); blocks.len()];
    let live_out =
        |live_in: &[Set], block: &Block| block.succs.iter().fold(Set::default(), |s, b| s.union(live_in[*b]));
    loop {
        let mut changed = false;
        for (id, block) in blocks.iter().enumerate().rev() {
            let mut live = live_out(&live_in, block);
            for instr in code[block.start..block.end].iter().rev() {
                live = live_before(instr, live, refs);
            }
            changed |= live != live_in[id];
            live_in[id] = live;
        }
        if !changed {
            break;
        }
    }
    let mut reachable = vec![false; blocks.len()];
    let mut work = vec![0usize];
    while let Some(id) = work.pop() {
        if !std::mem::replace(&mut reachable[id], true) {
            work.extend(blocks[id].succs.iter().copied());
        }
    }
    // What every reachable predecessor leaves live.
    let mut all_preds_live: Vec<Option<Set>> = vec![None; blocks.len()];
    for (_, block) in blocks.iter().enumerate().filter(|(id, _)| reachable[*id]) {
        let out = live_out(&live_in, block);
        for &succ in &block.succs {
            let entry = &mut all_preds_live[succ];
            *entry = Some(entry.map_or(out, |s| s.intersect(out)));
        }
    }
    let mut out = Vec::with_capacity(code.len());
    let mut origins = Vec::with_capacity(code.len());
    let mut new_start = vec![0usize; code.len() + 1];
    for (id, block) in blocks.iter().enumerate() {
        new_start[block.start] = out.len();
        if id != 0 && reachable[id] && !aborts_with_a_constant(&code[block.start..block.end]) {
            let dead_here = all_preds_live[id].unwrap_or_default().minus(live_in[id]).intersect(refs);
            for local in dead_here.members() {
                out.extend([Instr::MoveLoc(LocalIdx(local)), Instr::Pop]);
                origins.extend([block.start, block.start]);
            }
        }
        let mut after = Vec::with_capacity(block.end - block.start);
        let mut live = live_out(&live_in, block);
        for instr in code[block.start..block.end].iter().rev() {
            after.push(live);
            live = live_before(instr, live, refs);
        }
        for (offset, (instr, live_after)) in
            code[block.start..block.end].iter().zip(after.into_iter().rev()).enumerate()
        {
            origins.push(block.start + offset);
            out.push(match *instr {
                Instr::CopyLoc(l) if refs.contains(l.0) && !live_after.contains(l.0) => Instr::MoveLoc(l),
                Instr::StLoc(l) if refs.contains(l.0) && !live_after.contains(l.0) => Instr::Pop,
                other => other,
            });
        }
    }
    if out.len() >= usize::from(u16::MAX) {
        return Err(CodegenError::CodeTooLarge);
    }
    let remap = |t: CodeOffset| -> Result<CodeOffset, CodegenError> {
        let new = new_start.get(t.index()).copied().ok_or(CodegenError::Internal("jump past the end of the code"))?;
        u16::try_from(new).map(CodeOffset).map_err(|_| CodegenError::CodeTooLarge)
    };
    for instr in &mut out {
        *instr = match *instr {
            Instr::Branch(t) => Instr::Branch(remap(t)?),
            Instr::BrTrue(t) => Instr::BrTrue(remap(t)?),
            Instr::BrFalse(t) => Instr::BrFalse(remap(t)?),
            other => other,
        };
    }
    Ok((out, origins))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Instr::*;

    const R: LocalIdx = LocalIdx(1);

    #[test]
    fn last_copies_become_moves_and_dead_stores_pops() {
        // 0: x, 1: r = &mut x. `*r = 1; *r = 2;` then `r = &mut x` never read.
        let code = vec![
            MutBorrowLoc(LocalIdx(0)),
            StLoc(R),
            LdU64(1),
            CopyLoc(R),
            WriteRef,
            LdU64(2),
            CopyLoc(R),
            WriteRef,
            MutBorrowLoc(LocalIdx(0)),
            StLoc(R),
            Ret,
        ];
        let (out, _) = release_dead_references(code, &[false, true]).unwrap();
        assert_eq!(out[3], CopyLoc(R));
        assert_eq!(out[6], MoveLoc(R));
        assert_eq!(out[9], Pop);
    }

    #[test]
    fn a_branch_that_does_not_use_a_reference_ends_it_first() {
        // if (c) { *r = 1 } else { x = 2 }: the else branch releases r.
        let code = vec![
            MutBorrowLoc(LocalIdx(0)),
            StLoc(R),
            LdTrue,
            BrFalse(CodeOffset(8)),
            LdU64(1),
            CopyLoc(R),
            WriteRef,
            Branch(CodeOffset(10)),
            LdU64(2),
            StLoc(LocalIdx(0)),
            Ret,
        ];
        let (out, origins) = release_dead_references(code, &[false, true]).unwrap();
        // The inserted release maps to the instruction it precedes (old
        // offset 8), so a source map stays right after the insertion.
        assert_eq!(origins, [0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 9, 10]);
        assert_eq!(out[3], BrFalse(CodeOffset(8)));
        assert_eq!(out[5], MoveLoc(R));
        assert_eq!(out[7], Branch(CodeOffset(12)));
        assert_eq!(&out[8..12], &[MoveLoc(R), Pop, LdU64(2), StLoc(LocalIdx(0))]);
        // The join after the `if` finds `r` ended on both paths: nothing to add.
        assert_eq!(out[12], Ret);
    }

    #[test]
    fn a_failed_assert_needs_no_release() {
        // assert!(*r == 1, 7); *r = 2;
        let code = vec![
            MutBorrowLoc(LocalIdx(0)),
            StLoc(R),
            CopyLoc(R),
            ReadRef,
            LdU64(1),
            Eq,
            BrTrue(CodeOffset(9)),
            LdU64(7),
            Abort,
            LdU64(2),
            CopyLoc(R),
            WriteRef,
            Ret,
        ];
        let (out, _) = release_dead_references(code, &[false, true]).unwrap();
        assert_eq!(&out[6..9], &[BrTrue(CodeOffset(9)), LdU64(7), Abort]);
        assert_eq!(out[10], MoveLoc(R));
    }

    #[test]
    fn code_without_reference_locals_is_unchanged() {
        let code = vec![LdU64(1), StLoc(LocalIdx(0)), CopyLoc(LocalIdx(0)), Pop, Ret];
        assert_eq!(release_dead_references(code.clone(), &[false]).unwrap().0, code);
    }
}
