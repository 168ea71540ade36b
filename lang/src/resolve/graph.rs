//! Strongly connected components (Tarjan's algorithm, iterative so a long
//! chain cannot overflow the stack). Used for the module dependency graph,
//! recursive structs and the call graph of access inference.

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

/// A path around a cycle inside `component`, starting and ending at its first node.
pub fn cycle_path(component: &[usize], edges: &[Vec<usize>]) -> Vec<usize> {
    let Some(&start) = component.first() else { return Vec::new() };
    let mut path = vec![start];
    let mut visited = vec![start];
    let mut current = start;
    // Walk successors inside the component until returning to the start.
    for _ in 0..=component.len() {
        let succs = edges.get(current).map(Vec::as_slice).unwrap_or(&[]);
        if succs.contains(&start) && (path.len() > 1 || succs.contains(&current)) {
            path.push(start);
            return path;
        }
        let Some(&next) = succs.iter().find(|s| component.contains(s) && !visited.contains(s)) else { break };
        path.push(next);
        visited.push(next);
        current = next;
    }
    path.push(start);
    path
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
    fn long_chain_does_not_overflow() {
        let n = 200_000;
        let edges: Vec<Vec<usize>> = (0..n).map(|i| if i + 1 < n { vec![i + 1] } else { vec![] }).collect();
        assert_eq!(sccs(&edges).len(), n);
    }
}
