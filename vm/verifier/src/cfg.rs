//! The control-flow graph of one function and a forward dataflow solver over it.
//!
//! Every dataflow pass (stack heights, types, local availability, address
//! provenance) is an instance of [`solve`]: a state at each block's entry, a
//! transfer function through a block, and a join where paths meet. Blocks are
//! visited in reverse post-order so most states are final the first time a
//! block is reached.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;

use smallvec::SmallVec;

use super::error::{VerifyError, VerifyErrorKind};
use super::limits::{MAX_DATAFLOW_UNITS, MAX_MODULE_DATAFLOW_UNITS};
use super::FunctionView;
use resin_format::file_format::Instr;

/// A maximal straight-line run of instructions: `code[start..end]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    pub start: usize,
    pub end: usize,
    /// Successor block ids, without duplicates.
    pub succs: SmallVec<[usize; 2]>,
}

impl Block {
    /// The offset of the block's last instruction.
    pub fn last(&self) -> usize {
        self.end.saturating_sub(1)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Cfg {
    pub blocks: Vec<Block>,
    /// Block ids reachable from the entry, in reverse post-order.
    pub rpo: Vec<usize>,
    /// For each block id, its position in `rpo`, or `None` when unreachable.
    rpo_position: Vec<Option<usize>>,
}

/// Where two paths meet: the last instruction of the predecessor and the
/// first of the successor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Edge {
    pub from: usize,
    pub target: usize,
}

/// A code offset as the `u16` errors carry. The limits pass caps code length
/// below `u16::MAX`, so the saturation never changes a reported offset.
pub(crate) fn offset16(offset: usize) -> u16 {
    u16::try_from(offset).unwrap_or(u16::MAX)
}

fn is_block_end(instr: &Instr) -> bool {
    matches!(instr, Instr::Ret | Instr::Abort | Instr::Branch(_) | Instr::BrTrue(_) | Instr::BrFalse(_))
}

impl Cfg {
    /// Splits `code` into blocks. `None` when the code is empty, a branch target
    /// is out of range, or control falls off the end (all rejected by bounds).
    pub fn build(code: &[Instr]) -> Option<Cfg> {
        if code.is_empty() {
            return None;
        }
        let mut leader = vec![false; code.len()];
        leader[0] = true;
        for (offset, instr) in code.iter().enumerate() {
            if let Instr::Branch(t) | Instr::BrTrue(t) | Instr::BrFalse(t) = instr {
                *leader.get_mut(t.index())? = true;
            }
            if is_block_end(instr) {
                if let Some(next) = leader.get_mut(offset + 1) {
                    *next = true;
                }
            }
        }
        let mut block_at = vec![usize::MAX; code.len()];
        let mut starts = Vec::new();
        for (offset, is_leader) in leader.iter().enumerate() {
            if *is_leader {
                block_at[offset] = starts.len();
                starts.push(offset);
            }
        }
        let mut blocks = Vec::with_capacity(starts.len());
        for (id, &start) in starts.iter().enumerate() {
            let end = starts.get(id + 1).copied().unwrap_or(code.len());
            let last = code.get(end - 1)?;
            let fallthrough = || block_at.get(end).copied().filter(|b| *b != usize::MAX);
            let mut succs: SmallVec<[usize; 2]> = SmallVec::new();
            match last {
                Instr::Ret | Instr::Abort => {}
                Instr::Branch(t) => succs.push(*block_at.get(t.index())?),
                Instr::BrTrue(t) | Instr::BrFalse(t) => {
                    succs.push(*block_at.get(t.index())?);
                    succs.push(fallthrough()?);
                }
                _ => succs.push(fallthrough()?),
            }
            succs.dedup();
            blocks.push(Block { start, end, succs });
        }
        let rpo = reverse_post_order(&blocks);
        let mut rpo_position = vec![None; blocks.len()];
        for (position, &block) in rpo.iter().enumerate() {
            rpo_position[block] = Some(position);
        }
        Some(Cfg { blocks, rpo, rpo_position })
    }
}

/// Iterative depth-first search from block 0: a deep chain of blocks cannot
/// overflow the native stack.
fn reverse_post_order(blocks: &[Block]) -> Vec<usize> {
    let mut visited = vec![false; blocks.len()];
    let mut post = Vec::with_capacity(blocks.len());
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    visited[0] = true;
    while let Some((block, next_succ)) = stack.last_mut() {
        let current = *block;
        match blocks[current].succs.get(*next_succ) {
            Some(&succ) => {
                *next_succ += 1;
                if !visited[succ] {
                    visited[succ] = true;
                    stack.push((succ, 0));
                }
            }
            None => {
                post.push(current);
                stack.pop();
            }
        }
    }
    post.reverse();
    post
}

/// The dataflow work a whole module may still do, shared by the views of
/// its functions (a clone shares the count).
#[derive(Clone, Debug)]
pub(crate) struct Budget(Rc<Cell<usize>>);

impl Budget {
    /// [`MAX_MODULE_DATAFLOW_UNITS`] of work.
    pub fn module() -> Self {
        Budget(Rc::new(Cell::new(MAX_MODULE_DATAFLOW_UNITS)))
    }

    /// Takes `units` of work; false when not that much is left.
    fn charge(&self, units: usize) -> bool {
        match self.0.get().checked_sub(units) {
            Some(left) => {
                self.0.set(left);
                true
            }
            None => {
                self.0.set(0);
                false
            }
        }
    }
}

/// Runs a forward dataflow analysis to its fixed point and returns the state at
/// the entry of every block (`None` for unreachable blocks).
///
/// `transfer` maps a block's entry state to its exit state; `join` merges an
/// incoming exit state into a successor's entry state and says whether it
/// changed. Termination is the caller's lattice: every join must either fail,
/// leave the state unchanged, or move it up a finite-height lattice.
///
/// Work is metered: each visit of a block costs its instructions plus
/// `size(state)` for every copy and join of its state, and a function that
/// needs more than [`MAX_DATAFLOW_UNITS`] is rejected, as is a module whose
/// functions together need more than the view's [`Budget`]. Without the meter a
/// hostile function (thousands of tiny blocks, each entered with a full stack
/// and all 255 locals) would make every pass hold and copy gigabytes.
pub(crate) fn solve<S: Clone>(
    view: &FunctionView<'_>,
    cfg: &Cfg,
    entry: S,
    size: impl Fn(&S) -> usize,
    mut transfer: impl FnMut(&Block, S) -> Result<S, VerifyError>,
    mut join: impl FnMut(&mut S, &S, Edge) -> Result<bool, VerifyError>,
) -> Result<Vec<Option<S>>, VerifyError> {
    let mut states: Vec<Option<S>> = vec![None; cfg.blocks.len()];
    if cfg.blocks.is_empty() {
        return Ok(states);
    }
    states[0] = Some(entry);
    let mut units = 0usize;
    let mut worklist = BTreeSet::from([0usize]);
    while let Some(position) = worklist.pop_first() {
        let Some(&id) = cfg.rpo.get(position) else { continue };
        let (Some(block), Some(Some(state))) = (cfg.blocks.get(id), states.get(id)) else { continue };
        let visit = (block.end - block.start).saturating_add(size(state).saturating_mul(1 + block.succs.len()));
        units = units.saturating_add(visit);
        if units > MAX_DATAFLOW_UNITS {
            let kind = VerifyErrorKind::TooComplex { max: MAX_DATAFLOW_UNITS };
            return Err(view.error(Some(block.start), kind));
        }
        if !view.budget.charge(visit) {
            let kind = VerifyErrorKind::ModuleTooComplex { max: MAX_MODULE_DATAFLOW_UNITS };
            return Err(view.error(Some(block.start), kind));
        }
        let exit = transfer(block, state.clone())?;
        for &succ in &block.succs {
            let edge = Edge { from: block.last(), target: cfg.blocks.get(succ).map_or(0, |b| b.start) };
            let changed = match states.get_mut(succ) {
                Some(Some(current)) => join(current, &exit, edge)?,
                Some(slot) => {
                    *slot = Some(exit.clone());
                    true
                }
                None => false,
            };
            if changed {
                if let Some(Some(succ_position)) = cfg.rpo_position.get(succ) {
                    worklist.insert(*succ_position);
                }
            }
        }
    }
    Ok(states)
}

#[cfg(test)]
mod tests {
    use super::*;
    use resin_format::file_format::CodeOffset;

    #[test]
    fn splits_at_targets_and_after_terminators() {
        // 0: br_false 3; 1: ld_true; 2: pop... then ret
        let code = vec![
            Instr::LdTrue,
            Instr::BrFalse(CodeOffset(4)),
            Instr::Nop,
            Instr::Branch(CodeOffset(5)),
            Instr::Nop,
            Instr::Ret,
            Instr::Nop,
            Instr::Ret,
        ];
        let cfg = Cfg::build(&code).unwrap();
        let spans: Vec<(usize, usize)> = cfg.blocks.iter().map(|b| (b.start, b.end)).collect();
        assert_eq!(spans, vec![(0, 2), (2, 4), (4, 5), (5, 6), (6, 8)]);
        assert_eq!(cfg.blocks[0].succs.as_slice(), &[2, 1]);
        assert_eq!(cfg.blocks[2].succs.as_slice(), &[3]);
        assert!(!cfg.rpo.contains(&4));
        assert_eq!(cfg.rpo[0], 0);
    }

    #[test]
    fn rejects_bad_targets_and_falling_off() {
        assert!(Cfg::build(&[Instr::Branch(CodeOffset(9))]).is_none());
        assert!(Cfg::build(&[Instr::Nop]).is_none());
        assert!(Cfg::build(&[]).is_none());
    }
}
