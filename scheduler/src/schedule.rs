//! A block's schedule: its keys, conflict graph and lane plan together, as the
//! parallel executor runs it and `resin schedule` explains it.

use resin_vm::{CodeCache, Transaction};

use crate::cost::CostModel;
use crate::explain::{Explain, TypeNames};
use crate::graph::ConflictGraph;
use crate::keys::BlockKeys;
use crate::planner::{plan, Plan};

#[derive(Clone, Debug)]
pub struct Schedule {
    pub keys: BlockKeys,
    pub graph: ConflictGraph,
    pub plan: Plan,
}

impl Schedule {
    /// Instantiates the block's keys and plans it onto `threads` lanes.
    pub fn new(code: &CodeCache, block: &[Transaction], costs: &CostModel, threads: usize) -> Schedule {
        Schedule::from_keys(BlockKeys::instantiate(code, block), block, costs, threads)
    }

    pub fn from_keys(keys: BlockKeys, block: &[Transaction], costs: &CostModel, threads: usize) -> Schedule {
        let graph = ConflictGraph::build(&keys);
        let estimates = costs.estimate_block(block, &keys);
        let plan = plan(&graph, &estimates, threads);
        Schedule { keys, graph, plan }
    }

    /// Text and DOT renderings; `names` resolves type ids (a [`CodeCache`] does).
    pub fn explain<'a>(&'a self, block: &'a [Transaction], names: &'a dyn TypeNames) -> Explain<'a> {
        Explain::new(&self.graph, &self.plan, block, names)
    }
}
