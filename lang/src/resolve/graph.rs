//! Strongly connected components (Tarjan's algorithm, iterative so a long
//! chain cannot overflow the stack). Used for the module dependency graph,
//! recursive structs and the call graph of access inference.

use std::collections::{HashMap, HashSet, VecDeque};

/// The SCCs of the graph `edges` (node `i`'s successors in `edges[i]`), in
/// reverse topological order: every component comes after the components it
/// has edges to. Successors out of range are ignored.
pub fn sccs(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next_index = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // (node, position in its successor list)
        let mut work = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut pos)) = work.last_mut() {
            let succs = &edges[node];
            if *pos < succs.len() {
                let succ = succs[*pos];
                *pos += 1;
                if succ >= n {
                    continue;
                }
                if index[succ] == usize::MAX {
                    index[succ] = next_index;
                    low[succ] = next_index;
                    next_index += 1;
                    stack.push(succ);
                    on_stack[succ] = true;
                    work.push((succ, 0));
                } else if on_stack[succ] {
                    low[node] = low[node].min(index[succ]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.reverse();
                out.push(component);
            }
        }
    }
    out
}

/// True when the component is a cycle: several nodes, or one with a self edge.
pub fn is_cycle(component: &[usize], edges: &[Vec<usize>]) -> bool {
    match component {
        [single] => edges.get(*single).is_some_and(|succs| succs.contains(single)),
        _ => component.len() > 1,
    }
}

/// A shortest path around a cycle inside `component`, starting and ending at
/// its first node: a breadth-first search from it, so linear in the
/// component's size (a long cycle of structs or modules is reported quickly).
pub fn cycle_path(component: &[usize], edges: &[Vec<usize>]) -> Vec<usize> {
    let Some(&start) = component.first() else { return Vec::new() };
    let members: HashSet<usize> = component.iter().copied().collect();
    // The node each visited node was reached from.
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in edges.get(node).map(Vec::as_slice).unwrap_or(&[]) {
            if next == start {
                // Walk back from `node` to the start, then read it forwards.
                let mut back = vec![start];
                let mut at = node;
                while at != start {
                    back.push(at);
                    at = parent.get(&at).copied().unwrap_or(start);
                }
                back.push(start);
                back.reverse();
                return back;
            }
            if members.contains(&next) && !parent.contains_key(&next) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    vec![start, start]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_come_after_their_successors() {
        // 0 -> 1 -> 2 -> 1, 3 alone
        let edges = vec![vec![1], vec![2], vec![1], vec![]];
        let comps = sccs(&edges);
        let pos = |n: usize| comps.iter().position(|c| c.contains(&n)).unwrap();
        assert!(pos(1) < pos(0));
        assert_eq!(pos(1), pos(2));
        assert!(is_cycle(&comps[pos(1)], &edges));
        assert!(!is_cycle(&comps[pos(0)], &edges));
        assert!(!is_cycle(&comps[pos(3)], &edges));
    }

    #[test]
    fn self_loop_is_a_cycle_and_path_closes() {
        let edges = vec![vec![0]];
        let comps = sccs(&edges);
        assert!(is_cycle(&comps[0], &edges));
        assert_eq!(cycle_path(&comps[0], &edges), vec![0, 0]);
        let ring = vec![vec![1], vec![2], vec![0]];
        let comps = sccs(&ring);
        assert_eq!(cycle_path(&comps[0], &ring), vec![0, 1, 2, 0]);
    }

    #[test]
    fn cycle_paths_are_shortest_and_long_ones_are_quick() {
        // 0 -> 1 -> 2 -> 0 and a shortcut 0 -> 2.
        let edges = vec![vec![1, 2], vec![2], vec![0]];
        assert_eq!(cycle_path(&[0, 1, 2], &edges), vec![0, 2, 0]);
        // A ring of 200,000 (quadratic time would not finish).
        let n = 200_000;
        let ring: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let component: Vec<usize> = (0..n).collect();
        let path = cycle_path(&component, &ring);
        assert_eq!(path.len(), n + 1);
        assert_eq!((path[0], path[1], path[n - 1], path[n]), (0, 1, n - 1, 0));
    }

    #[test]
    fn long_chain_does_not_overflow() {
        let n = 200_000;
        let edges: Vec<Vec<usize>> = (0..n).map(|i| if i + 1 < n { vec![i + 1] } else { vec![] }).collect();
        assert_eq!(sccs(&edges).len(), n);
    }
}
