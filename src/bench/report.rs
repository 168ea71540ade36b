//! The bench's numbers per workload: medians with min and max over the
//! blocks, as text or as one JSON object per workload.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use super::ceiling::Ceiling;
use resin_scheduler::FrontierStats;

use super::measure::Sample;
use crate::error::CliResult;
use crate::output::stdout_error;
use crate::render::{rate, thousands};

/// Median, min and max of some values (0 for none).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Spread {
    pub p50: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: impl IntoIterator<Item = f64>) -> Spread {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        match (v.first(), v.last()) {
            (Some(&min), Some(&max)) => {
                // The lower middle of an even count: never a value no block had.
                let p50 = v.get((v.len() - 1) / 2).copied().unwrap_or(min);
                Spread { p50, min, max }
            }
            _ => Spread::default(),
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One workload's result. `p50_ms`, `min_ms` and `max_ms` are the parallel
/// executor's wall times per block; `seq_*` the in-order executor's.
#[derive(Clone, Debug, Serialize)]
pub struct BenchResult {
    pub workload: &'static str,
    /// Transactions per block.
    pub txs: usize,
    pub accounts: u64,
    /// Timed blocks, after `warmup` untimed ones.
    pub blocks: usize,
    pub warmup: u32,
    pub threads: usize,
    pub cores: usize,
    pub cpu: Option<String>,
    pub build: &'static str,
    pub p50_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub seq_p50_ms: f64,
    pub seq_min_ms: f64,
    pub seq_max_ms: f64,
    /// Transactions per second at the median block.
    pub par_tps: f64,
    pub seq_tps: f64,
    /// In-order wall time over parallel wall time, per block: median, min, max.
    pub speedup: f64,
    pub speedup_min: f64,
    pub speedup_max: f64,
    /// Conflict graph and lane plan as a share of the parallel block (median).
    pub plan_share: f64,
    /// Allocations per transaction over all blocks, parallel and in order.
    pub allocs_per_tx: f64,
    pub seq_allocs_per_tx: f64,
    /// The parallel executor's phases, medians over the blocks; `root` is
    /// the part of `commit` spent on the state root.
    pub par_keys_ms: f64,
    pub par_schedule_ms: f64,
    pub par_execute_ms: f64,
    /// Of `par_execute_ms`, building the block overlay (reading the
    /// pre-block value of every key the block names).
    pub par_overlay_ms: f64,
    pub par_commit_ms: f64,
    pub par_root_ms: f64,
    /// Of `par_execute_ms`, summed over the lanes: waiting for a
    /// predecessor in another lane, and idle while another lane ran
    /// (started later than the first, finished before the last).
    pub par_lanes_waited_ms: f64,
    pub par_lanes_idle_ms: f64,
    /// The wall time outside the phases (results gathered, costs learned,
    /// everything dropped), and of it dropping the output and the
    /// superseded state.
    pub par_other_ms: f64,
    pub par_drop_ms: f64,
    /// The in-order executor's; `seq_schedule_ms` is numbering the keys.
    pub seq_keys_ms: f64,
    pub seq_schedule_ms: f64,
    pub seq_execute_ms: f64,
    pub seq_overlay_ms: f64,
    pub seq_commit_ms: f64,
    pub seq_root_ms: f64,
    pub seq_other_ms: f64,
    pub seq_drop_ms: f64,
    /// Over all blocks.
    pub succeeded: usize,
    pub lanes: usize,
    /// Median over the blocks that were planned; 0 when none was.
    pub dependencies: usize,
    /// Blocks the parallel executor ran in one lane with no graph, having
    /// sampled a dependency chain through nearly all of them (or enough
    /// that the planner put each sampled window in one lane)
    /// (`resin_scheduler::serial`): their dependencies were not counted.
    pub unplanned_blocks: usize,
    /// The longest chains' share of the sample, median over those blocks.
    pub sampled_chain_share: Option<f64>,
    /// Blocks the parallel executor ran without a graph or a plan, their
    /// lanes expected to wait little for each other: the lanes took them in
    /// chunks, each transaction after the frontier passed its latest
    /// predecessor (`resin_scheduler::frontier`). Their dependencies were
    /// not counted either.
    pub frontier_blocks: usize,
    /// Medians over those blocks: transactions per chunk, transactions
    /// with a predecessor in the block, those whose latest predecessor
    /// was within reach of another lane's chunk, and those run ahead of an
    /// earlier one of their chunk that waited.
    pub frontier_chunk: Option<usize>,
    pub frontier_ordered: Option<usize>,
    pub frontier_near: Option<usize>,
    pub frontier_early: Option<usize>,
    pub roots_equal: bool,
    pub receipts_equal: bool,
    /// [`super::machine::core_round_trip`] in ns, just before and just
    /// after the workload; `None` on one core.
    pub core_round_trip_ns_before: Option<f64>,
    pub core_round_trip_ns_after: Option<f64>,
    /// [`super::ceiling::parallel_ceiling`] just before and just after the
    /// workload: what the executor's threads get done over one thread on
    /// work that shares nothing, in registers (`compute`) and through cache
    /// misses (`memory`); `None` on one thread. The speedup's ceiling.
    /// The threads the ceiling was measured with (the executor's, at most
    /// one per core).
    pub ceiling_threads: Option<usize>,
    pub ceiling_compute_before: Option<f64>,
    pub ceiling_compute_after: Option<f64>,
    pub ceiling_memory_before: Option<f64>,
    pub ceiling_memory_after: Option<f64>,
    /// For the generic workload: the monomorphic workload it is compared
    /// with, and its median block time over that one's, parallel
    /// (`generic_ratio`) and in order (`seq_generic_ratio`); above 1 is
    /// slower. `None` for the other workloads.
    pub baseline: Option<&'static str>,
    pub generic_ratio: Option<f64>,
    pub seq_generic_ratio: Option<f64>,
    /// `--zipf` for `hot`, `--pools` for `amm` and `mixed`; `None` for
    /// the workloads they do not shape.
    pub zipf: Option<f64>,
    pub pools: Option<u32>,
}

/// A ceiling below this (two threads doing less than 1.3 times the work of
/// one, on work that shares nothing) is pointed out under the workload: the
/// host gave the run little more than one core for a while.
const LOW_CEILING: f64 = 1.3;

/// Fills in the generic workloads' ratios to `baseline` (when both ran).
pub fn compare_generic(results: &mut [BenchResult], baseline: &'static str) {
    let Some(base) = results.iter().find(|r| r.workload == baseline).map(|r| (r.p50_ms, r.seq_p50_ms)) else {
        return;
    };
    for r in results.iter_mut().filter(|r| r.workload.ends_with("-generic")) {
        r.baseline = Some(baseline);
        r.generic_ratio = Some(r.p50_ms / base.0.max(1e-9));
        r.seq_generic_ratio = Some(r.seq_p50_ms / base.1.max(1e-9));
    }
}

/// What the workload loop collected.
pub struct Collected {
    pub par: Vec<Sample>,
    pub seq: Vec<Sample>,
    pub roots_equal: bool,
    pub receipts_equal: bool,
    pub round_trip_ns: [Option<f64>; 2],
    /// The machine's parallel ceiling before and after the workload.
    pub ceiling: [Option<Ceiling>; 2],
}

pub struct Context {
    pub txs: usize,
    pub accounts: u64,
    pub warmup: u32,
    pub threads: usize,
    pub cores: usize,
    pub cpu: Option<String>,
}

impl BenchResult {
    /// The lanes, and the dependencies of the planned blocks or why the
    /// others were not planned.
    fn plan_summary(&self) -> String {
        let lanes = format!("{} lane{}", self.lanes, if self.lanes == 1 { "" } else { "s" });
        let all = self.blocks;
        let serial = self.sampled_chain_share.map(|share| {
            let why = format!("(a sampled dependency chain held {:.0}% of the sample)", share * 100.0);
            (self.unplanned_blocks, why)
        });
        let frontier = match (self.frontier_chunk, self.frontier_ordered, self.frontier_near) {
            (Some(chunk), Some(ordered), Some(near)) => Some((
                chunk,
                format!(
                    "({} transactions after an earlier one, {} of them near, {} run early)",
                    thousands(ordered as u64),
                    thousands(near as u64),
                    thousands(self.frontier_early.unwrap_or(0) as u64)
                ),
            )),
            _ => None,
        };
        let planned = all.saturating_sub(self.unplanned_blocks + self.frontier_blocks);
        match (planned, serial, frontier) {
            (_, Some((some, why)), None) if some >= all => format!("{lanes}, no graph {why}"),
            (_, None, Some((chunk, how))) if self.frontier_blocks >= all => {
                format!("{lanes} taking chunks of {chunk}, no graph {how}")
            }
            (planned, serial, frontier) => {
                let mut parts = vec![lanes];
                if planned > 0 {
                    parts.push(format!("{} dependencies", thousands(self.dependencies as u64)));
                }
                let mut rest = Vec::new();
                if let Some((some, why)) = serial {
                    rest.push(format!("{some} of {all} blocks in one lane without a graph {why}"));
                }
                if let Some((chunk, how)) = frontier {
                    let some = self.frontier_blocks;
                    rest.push(format!("{some} of {all} blocks taking chunks of {chunk} without a graph {how}"));
                }
                let head = parts.join(", ");
                std::iter::once(head).chain(rest).collect::<Vec<_>>().join("; ")
            }
        }
    }

    pub fn new(workload: &'static str, ctx: &Context, c: &Collected) -> BenchResult {
        let wall = |s: &[Sample]| Spread::of(s.iter().map(|x| ms(x.wall)));
        let phase = |s: &[Sample], f: &dyn Fn(&resin_scheduler::Timings) -> Duration| {
            Spread::of(s.iter().map(|x| ms(f(&x.output.timings)))).p50
        };
        let other = |s: &[Sample]| {
            Spread::of(s.iter().map(|x| {
                let t = &x.output.timings;
                ms(x.wall) - ms(t.keys + t.schedule + t.execute + t.commit)
            }))
            .p50
        };
        let dropped = |s: &[Sample]| Spread::of(s.iter().map(|x| ms(x.dropped))).p50;
        let allocs = |s: &[Sample]| {
            let total: u64 = s.iter().map(|x| x.allocations).sum();
            total as f64 / (ctx.txs * s.len()).max(1) as f64
        };
        let (par, seq) = (wall(&c.par), wall(&c.seq));
        let tps = |median_ms: f64| ctx.txs as f64 / (median_ms / 1e3).max(1e-9);
        let speedup = Spread::of(c.seq.iter().zip(&c.par).map(|(s, p)| ms(s.wall) / ms(p.wall).max(1e-9)));
        let plans: Vec<_> = c.par.iter().filter_map(|x| x.output.plan.clone()).collect();
        let samples: Vec<_> = c.par.iter().filter_map(|x| x.output.chain_sample).collect();
        let median_of = |v: Vec<usize>| Spread::of(v.into_iter().map(|x| x as f64)).p50 as usize;
        let frontiers: Vec<_> = c.par.iter().filter_map(|x| x.output.frontier).collect();
        let frontier_median = |f: &dyn Fn(&FrontierStats) -> usize| {
            (!frontiers.is_empty()).then(|| median_of(frontiers.iter().map(f).collect()))
        };
        BenchResult {
            workload,
            txs: ctx.txs,
            accounts: ctx.accounts,
            blocks: c.par.len(),
            warmup: ctx.warmup,
            threads: ctx.threads,
            cores: ctx.cores,
            cpu: ctx.cpu.clone(),
            build: if cfg!(debug_assertions) { "debug" } else { "release" },
            p50_ms: par.p50,
            min_ms: par.min,
            max_ms: par.max,
            seq_p50_ms: seq.p50,
            seq_min_ms: seq.min,
            seq_max_ms: seq.max,
            par_tps: tps(par.p50),
            seq_tps: tps(seq.p50),
            speedup: speedup.p50,
            speedup_min: speedup.min,
            speedup_max: speedup.max,
            plan_share: Spread::of(c.par.iter().map(|x| ms(x.output.timings.schedule) / ms(x.wall).max(1e-9))).p50,
            allocs_per_tx: allocs(&c.par),
            seq_allocs_per_tx: allocs(&c.seq),
            par_keys_ms: phase(&c.par, &|t| t.keys),
            par_schedule_ms: phase(&c.par, &|t| t.schedule),
            par_execute_ms: phase(&c.par, &|t| t.execute),
            par_overlay_ms: phase(&c.par, &|t| t.overlay),
            par_commit_ms: phase(&c.par, &|t| t.commit),
            par_root_ms: phase(&c.par, &|t| t.root),
            par_lanes_waited_ms: phase(&c.par, &|t| t.lanes_waited),
            par_lanes_idle_ms: phase(&c.par, &|t| t.lanes_idle),
            par_other_ms: other(&c.par),
            par_drop_ms: dropped(&c.par),
            seq_keys_ms: phase(&c.seq, &|t| t.keys),
            seq_schedule_ms: phase(&c.seq, &|t| t.schedule),
            seq_execute_ms: phase(&c.seq, &|t| t.execute),
            seq_overlay_ms: phase(&c.seq, &|t| t.overlay),
            seq_commit_ms: phase(&c.seq, &|t| t.commit),
            seq_root_ms: phase(&c.seq, &|t| t.root),
            seq_other_ms: other(&c.seq),
            seq_drop_ms: dropped(&c.seq),
            succeeded: c.par.iter().map(|x| x.output.summary.succeeded).sum(),
            lanes: median_of(c.par.iter().map(|x| x.output.lanes()).collect()),
            dependencies: median_of(plans.iter().map(|p| p.dependencies).collect()),
            unplanned_blocks: samples.len(),
            sampled_chain_share: (!samples.is_empty())
                .then(|| Spread::of(samples.iter().map(|s| s.chain as f64 / s.sampled.max(1) as f64)).p50),
            frontier_blocks: frontiers.len(),
            frontier_chunk: frontier_median(&|f| f.chunk),
            frontier_ordered: frontier_median(&|f| f.ordered),
            frontier_near: frontier_median(&|f| f.near),
            frontier_early: frontier_median(&|f| f.early),
            roots_equal: c.roots_equal,
            receipts_equal: c.receipts_equal,
            core_round_trip_ns_before: c.round_trip_ns[0],
            core_round_trip_ns_after: c.round_trip_ns[1],
            ceiling_threads: c.ceiling[0].map(|x| x.threads),
            ceiling_compute_before: c.ceiling[0].map(|x| x.compute),
            ceiling_compute_after: c.ceiling[1].map(|x| x.compute),
            ceiling_memory_before: c.ceiling[0].map(|x| x.memory),
            ceiling_memory_after: c.ceiling[1].map(|x| x.memory),
            baseline: None,
            generic_ratio: None,
            seq_generic_ratio: None,
            zipf: None,
            pools: None,
        }
    }

    pub fn print_text(&self, out: &mut dyn Write) -> CliResult<()> {
        let zipf = format!(
            "currency transfers, senders and recipients both by Zipf's law (exponent {})",
            self.zipf.unwrap_or(0.0)
        );
        let pools = format!(
            "swaps in {} constant-product pools (0x1::amm), random direction",
            self.pools.map_or_else(|| "some".to_string(), |k| k.to_string())
        );
        let nft = format!("NFT mints and transfers across {} collections (0x1::nft)", super::suite::COLLECTIONS);
        let dao = format!(
            "votes on {} proposals a block (0x1::dao): a keyed ballot each, tallies by counters",
            super::suite::PROPOSALS_PER_BLOCK
        );
        let what = match self.workload {
            "transfers" => "uniform random transfers of 0x1::currency::Coin<USD>",
            "hot" => zipf.as_str(),
            "nft" => nft.as_str(),
            "amm" => pools.as_str(),
            "dao" => dao.as_str(),
            "mixed" => "transfers, nft, amm and dao interleaved, a quarter each",
            "hot-key" => "every transfer of 0x1::coin pays one account (one hot key)",
            "chain" => "each transfer's receiver sends the next (one dependency chain)",
            "p2p-generic" => "p2p's transfers through generic_coin::transfer<T>, alternating USD and EUR",
            "approvals" => {
                "token owners approve distinct spenders (keyed allowances), then each spender's transfer_from"
            }
            "votes" => "many voters on one proposal: a keyed ballot each, tallies by counters",
            "mints" => "many minters into one collection: distinct ids (keyed tokens), a count by a counter",
            _ => "random transfers of 0x1::coin",
        };
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let total = self.txs * self.blocks;
        let text = format!(
            "{}: {what}\n  \
             in order, 1 thread:  {:>11} tx/s  {:>8.1} ms [{:.1}-{:.1}]\n  \
             parallel, {:<9} {:>11} tx/s  {:>8.1} ms [{:.1}-{:.1}]  speedup {:.2}x [{:.2}-{:.2}]\n  \
             parallel phases, median ms: keys {:.1}, plan {:.1} ({:.1}% of the block), execute {:.1} (overlay {:.1}), commit {:.1} (root {:.1}), other {:.1} (dropping {:.1}); {}\n  \
             lanes, median ms summed over the lanes: {:.1} waiting for other lanes, {:.1} idle while another ran\n  \
             in-order phases, median ms: keys {:.1}, key table {:.1}, execute {:.1} (overlay {:.1}), commit {:.1} (root {:.1}), other {:.1} (dropping {:.1})\n  \
             allocations per transaction: {:.1} parallel, {:.1} in order\n  \
             {} of {} succeeded; state roots {}, receipts {} in every block\n{}{}{}",
            self.workload,
            rate(self.seq_tps),
            self.seq_p50_ms,
            self.seq_min_ms,
            self.seq_max_ms,
            format!("{}:", plural(self.threads, "thread")),
            rate(self.par_tps),
            self.p50_ms,
            self.min_ms,
            self.max_ms,
            self.speedup,
            self.speedup_min,
            self.speedup_max,
            self.par_keys_ms,
            self.par_schedule_ms,
            self.plan_share * 100.0,
            self.par_execute_ms,
            self.par_overlay_ms,
            self.par_commit_ms,
            self.par_root_ms,
            self.par_other_ms,
            self.par_drop_ms,
            self.plan_summary(),
            self.par_lanes_waited_ms,
            self.par_lanes_idle_ms,
            self.seq_keys_ms,
            self.seq_schedule_ms,
            self.seq_execute_ms,
            self.seq_overlay_ms,
            self.seq_commit_ms,
            self.seq_root_ms,
            self.seq_other_ms,
            self.seq_drop_ms,
            self.allocs_per_tx,
            self.seq_allocs_per_tx,
            thousands(self.succeeded as u64),
            thousands(total as u64),
            if self.roots_equal { "equal" } else { "DIFFER" },
            if self.receipts_equal { "equal" } else { "DIFFER" },
            match (self.core_round_trip_ns_before, self.core_round_trip_ns_after) {
                (Some(before), Some(after)) => format!(
                    "  a cache line between two cores and back: {before:.0} ns before, {after:.0} ns after (parallel blocks slow down when it is high)\n"
                ),
                _ => String::new(),
            },
            match (
                self.ceiling_threads,
                self.ceiling_compute_before,
                self.ceiling_memory_before,
                self.ceiling_compute_after,
                self.ceiling_memory_after,
            ) {
                (Some(threads), Some(cb), Some(mb), Some(ca), Some(ma)) => {
                    let lowest = [cb, mb, ca, ma].into_iter().fold(f64::INFINITY, f64::min);
                    let capped = if lowest < LOW_CEILING {
                        format!(
                            "  (the machine gave {threads} threads as little as {lowest:.2}x the work of one: this workload's speedup is capped by the machine, not only the engine)\n"
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "  the machine's own ceiling, {threads} threads over 1 on work that shares nothing: compute {cb:.2}x, memory {mb:.2}x before; {ca:.2}x, {ma:.2}x after\n{capped}"
                    )
                }
                _ => String::new(),
            },
            match (self.baseline, self.seq_generic_ratio, self.generic_ratio) {
                (Some(base), Some(seq), Some(par)) => format!(
                    "  generic over monomorphic ({base}), median block time: in order {seq:.3}x, parallel {par:.3}x\n"
                ),
                _ => String::new(),
            },
        );
        out.write_all(text.as_bytes()).map_err(stdout_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(workload: &'static str, p50_ms: f64, seq_p50_ms: f64) -> BenchResult {
        let ctx = Context { txs: 10, accounts: 2, warmup: 0, threads: 2, cores: 2, cpu: None };
        let c = Collected {
            par: Vec::new(),
            seq: Vec::new(),
            roots_equal: true,
            receipts_equal: true,
            round_trip_ns: [None, None],
            ceiling: [None, None],
        };
        BenchResult { p50_ms, seq_p50_ms, ..BenchResult::new(workload, &ctx, &c) }
    }

    #[test]
    fn the_plan_line_says_which_blocks_ran_without_a_graph() {
        let planned = BenchResult { lanes: 2, dependencies: 1_234, blocks: 3, ..result("hot", 1.0, 1.0) };
        assert_eq!(planned.plan_summary(), "2 lanes, 1,234 dependencies");
        let all = BenchResult {
            lanes: 1,
            dependencies: 0,
            unplanned_blocks: 3,
            sampled_chain_share: Some(0.996),
            ..planned.clone()
        };
        assert_eq!(all.plan_summary(), "1 lane, no graph (a sampled dependency chain held 100% of the sample)");
        let some = BenchResult { unplanned_blocks: 1, sampled_chain_share: Some(0.93), ..planned.clone() };
        assert_eq!(
            some.plan_summary(),
            "2 lanes, 1,234 dependencies; 1 of 3 blocks in one lane without a graph \
             (a sampled dependency chain held 93% of the sample)"
        );
        let frontier = BenchResult {
            dependencies: 0,
            frontier_blocks: 3,
            frontier_chunk: Some(16),
            frontier_ordered: Some(95_000),
            frontier_near: Some(120),
            frontier_early: Some(7),
            ..planned.clone()
        };
        assert_eq!(
            frontier.plan_summary(),
            "2 lanes taking chunks of 16, no graph (95,000 transactions after an earlier one, 120 of them near, 7 run early)"
        );
        let both = BenchResult { frontier_blocks: 2, ..frontier.clone() };
        assert_eq!(
            both.plan_summary(),
            "2 lanes, 0 dependencies; 2 of 3 blocks taking chunks of 16 without a graph \
             (95,000 transactions after an earlier one, 120 of them near, 7 run early)"
        );
        let no_plan =
            BenchResult { frontier_blocks: 2, unplanned_blocks: 1, sampled_chain_share: Some(1.0), ..frontier };
        assert_eq!(
            no_plan.plan_summary(),
            "2 lanes; 1 of 3 blocks in one lane without a graph (a sampled dependency chain held 100% of the sample); \
             2 of 3 blocks taking chunks of 16 without a graph (95,000 transactions after an earlier one, 120 of them near, 7 run early)"
        );
    }

    #[test]
    fn the_generic_workload_is_priced_against_its_baseline() {
        let mut results = vec![result("p2p", 10.0, 20.0), result("p2p-generic", 11.0, 18.0), result("hot", 5.0, 5.0)];
        compare_generic(&mut results, "p2p");
        assert_eq!(results[1].baseline, Some("p2p"));
        assert!((results[1].generic_ratio.unwrap() - 1.1).abs() < 1e-9);
        assert!((results[1].seq_generic_ratio.unwrap() - 0.9).abs() < 1e-9);
        for r in [&results[0], &results[2]] {
            assert_eq!((r.baseline, r.generic_ratio, r.seq_generic_ratio), (None, None, None));
        }
        let mut text = Vec::new();
        results[1].print_text(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("p2p-generic: p2p's transfers through generic_coin::transfer<T>"), "{text}");
        assert!(
            text.contains("generic over monomorphic (p2p), median block time: in order 0.900x, parallel 1.100x"),
            "{text}"
        );
        let json = serde_json::to_value(&results[1]).unwrap();
        assert_eq!(json["baseline"], "p2p");
        assert!(json["generic_ratio"].is_number() && json["seq_generic_ratio"].is_number(), "{json}");
        // Without the baseline, nothing is compared.
        let mut alone = vec![result("p2p-generic", 1.0, 1.0)];
        compare_generic(&mut alone, "p2p");
        assert_eq!(alone[0].generic_ratio, None);
    }

    #[test]
    fn a_low_ceiling_is_pointed_out_under_its_workload() {
        let text = |ceiling: [f64; 4]| {
            let [cb, mb, ca, ma] = ceiling;
            let r = BenchResult {
                ceiling_threads: Some(2),
                ceiling_compute_before: Some(cb),
                ceiling_memory_before: Some(mb),
                ceiling_compute_after: Some(ca),
                ceiling_memory_after: Some(ma),
                ..result("transfers", 10.0, 15.0)
            };
            let mut out = Vec::new();
            r.print_text(&mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let fine = text([1.9, 1.6, 1.95, 1.5]);
        assert!(fine.contains("compute 1.90x, memory 1.60x before; 1.95x, 1.50x after"), "{fine}");
        assert!(!fine.contains("capped by the machine"), "{fine}");
        // One low measurement, after the workload, is enough to say so.
        let low = text([1.9, 1.6, 1.05, 1.5]);
        assert!(low.contains("as little as 1.05x the work of one"), "{low}");
        assert!(low.contains("capped by the machine"), "{low}");
        // On one thread nothing is measured, and nothing is said.
        let none = result("transfers", 10.0, 15.0);
        let mut out = Vec::new();
        none.print_text(&mut out).unwrap();
        assert!(!String::from_utf8(out).unwrap().contains("ceiling"));
    }

    #[test]
    fn spread_is_the_middle_value_and_the_extremes() {
        let s = Spread::of([5.0, 1.0, 3.0, 9.0, 7.0]);
        assert_eq!((s.p50, s.min, s.max), (5.0, 1.0, 9.0));
        let even = Spread::of([4.0, 1.0, 3.0, 2.0]);
        assert_eq!((even.p50, even.min, even.max), (2.0, 1.0, 4.0));
        let none = Spread::of([]);
        assert_eq!((none.p50, none.min, none.max), (0.0, 0.0, 0.0));
        assert_eq!(Spread::of([f64::NAN, 2.0]).p50, 2.0);
    }
}
