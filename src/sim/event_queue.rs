//! The engine's queue of pending events: a 4-ary min-heap of small keys.
//!
//! Entries are ordered by `(t_us, seq)`: time, ties by sequence number (the order they were scheduled), so a run
//! is a pure function of the scenario and the seed. An entry holds only that key and the slot of the event (the
//! events themselves wait in `Sim::slots`), 24 bytes. Four children a node instead of two halve the heap's depth:
//! a pop walks ~5 levels instead of ~10 for the ~1,000 events pending in the 1 M-request benchmark, and the four
//! children sit in one or two cache lines. `std`'s binary heap was the engine's largest single cost without the
//! trace (a quarter of its time after the issue 15 allocation work); a radix heap, tried first, was no faster.

/// A pending event's place in the queue: its time, its sequence number and the slot that holds the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    pub t_us: u64,
    pub seq: u64,
    pub slot: u32,
}

impl Pending {
    /// The order key: time, then sequence number, as one number (one comparison, not two).
    fn key(&self) -> u128 {
        (u128::from(self.t_us) << 64) | u128::from(self.seq)
    }
}

/// Children per node.
const ARITY: usize = 4;

/// Pending events, smallest `(t_us, seq)` first.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    /// The heap in an array: the children of entry `i` are `ARITY * i + 1 ..= ARITY * i + ARITY`.
    heap: Vec<Pending>,
}

impl EventQueue {
    /// Pending entries.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// The smallest pending entry.
    pub fn peek(&self) -> Option<&Pending> {
        self.heap.first()
    }

    /// Adds an entry.
    pub fn push(&mut self, p: Pending) {
        let key = p.key();
        let mut i = self.heap.len();
        self.heap.push(p);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent].key() <= key {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = p;
    }

    /// Takes the smallest entry out.
    pub fn pop(&mut self) -> Option<Pending> {
        let last = self.heap.pop()?;
        let Some(&top) = self.heap.first() else {
            return Some(last);
        };
        // Sift `last` down from the root into the hole the top leaves.
        let n = self.heap.len();
        let key = last.key();
        let mut i = 0;
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            let end = (first + ARITY).min(n);
            let mut child = first;
            let mut child_key = self.heap[first].key();
            for c in first + 1..end {
                let k = self.heap[c].key();
                if k < child_key {
                    child = c;
                    child_key = k;
                }
            }
            if key <= child_key {
                break;
            }
            self.heap[i] = self.heap[child];
            i = child;
        }
        self.heap[i] = last;
        Some(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BinaryHeap;

    /// A small deterministic generator for the test (the simulation's own is not needed here).
    fn next(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 33
    }

    /// Engine-shaped use: pops interleaved with pushes at or after the clock (many at the same microsecond, some
    /// far ahead, some at u64::MAX): the same order as a binary heap of (time, seq).
    #[test]
    fn pops_in_the_order_of_a_binary_heap() {
        let mut q = EventQueue::default();
        let mut reference = BinaryHeap::new();
        let mut rng = 7u64;
        let (mut seq, mut now) = (0u64, 0u64);
        let mut push = |q: &mut EventQueue, reference: &mut BinaryHeap<_>, t_us: u64| {
            seq += 1;
            q.push(Pending {
                t_us,
                seq,
                slot: seq as u32,
            });
            reference.push(std::cmp::Reverse((t_us, seq)));
        };
        for _ in 0..50 {
            push(&mut q, &mut reference, next(&mut rng) % 1000);
        }
        let mut popped = 0;
        while let Some(p) = q.pop() {
            let std::cmp::Reverse((t, s)) = reference.pop().expect("reference has as many");
            assert_eq!((p.t_us, p.seq), (t, s));
            assert_eq!(p.slot, s as u32);
            assert!(p.t_us >= now);
            now = p.t_us;
            popped += 1;
            assert_eq!(q.len(), reference.len());
            assert_eq!(
                q.peek().map(|p| (p.t_us, p.seq)),
                reference.peek().map(|r| r.0)
            );
            if popped < 20_000 {
                let n = if q.len() < 20 { 2 } else { next(&mut rng) % 3 };
                for _ in 0..n {
                    let t = match next(&mut rng) % 10 {
                        0 => now,
                        1 => now + 30_000_000,
                        2 if popped % 1000 == 0 => u64::MAX,
                        _ => now + next(&mut rng) % 25_000,
                    };
                    push(&mut q, &mut reference, t);
                }
            }
        }
        assert!(reference.is_empty());
        assert!(popped > 20_000);
        assert_eq!(q.len(), 0);
    }
}
