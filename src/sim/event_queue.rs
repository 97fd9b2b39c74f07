//! The engine's queue of pending events: a radix heap over (time, sequence number) keys.
//!
//! The engine takes events out in the order of their key `(t_us, seq)` and never schedules one before the clock,
//! with a sequence number larger than any before: every key pushed is larger than the last key taken out. A radix
//! heap uses that. Entries wait in 129 buckets by the highest bit in which their key differs from the last key
//! taken out; taking the smallest out empties at most one bucket into lower ones, so each entry is moved a few
//! times over its life instead of being sifted through ~log₂(n) levels of a binary heap at every pop (the binary
//! heap's unpredictable comparisons were the engine's largest single cost, issue 15). The smallest entry is kept
//! aside (`head`) so that [`EventQueue::peek`] is O(1). The order is exactly the binary heap's: by time, ties by
//! sequence number (scheduling order), so runs are unchanged.

/// A pending event's place in the queue: its time, its sequence number and the slot that holds the event (see
/// `Sim::slots`). Small, so that moving it between buckets moves little memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    pub t_us: u64,
    pub seq: u64,
    pub slot: u32,
}

impl Pending {
    /// The order key: time, then sequence number.
    fn key(&self) -> u128 {
        (u128::from(self.t_us) << 64) | u128::from(self.seq)
    }
}

/// Number of buckets: bucket `i` (1–128) holds keys whose highest bit differing from `last` is bit `i - 1`;
/// bucket 0 keys equal to `last`.
const BUCKETS: usize = 129;

/// Pending events, smallest `(t_us, seq)` first. Every key pushed must be at least the last key popped (checked in
/// debug builds).
#[derive(Debug)]
pub(crate) struct EventQueue {
    /// The key of the last entry popped (0 before the first): every entry in the buckets is at least this.
    last: u128,
    /// The smallest pending entry, outside the buckets.
    head: Option<Pending>,
    /// The other entries, by their bucket relative to `last` (see [`BUCKETS`]); within a bucket, unordered.
    buckets: Vec<Vec<Pending>>,
    /// Which buckets are non-empty, one bit each (so the first one is found without scanning them all).
    occupied: [u64; 3],
    len: usize,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue {
            last: 0,
            head: None,
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: [0; 3],
            len: 0,
        }
    }
}

impl EventQueue {
    /// Pending entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The smallest pending entry.
    pub fn peek(&self) -> Option<&Pending> {
        self.head.as_ref()
    }

    /// Adds an entry; its key must not be below the last key popped.
    pub fn push(&mut self, p: Pending) {
        debug_assert!(
            p.key() >= self.last,
            "event queue: key ({}, {}) below the last popped one",
            p.t_us,
            p.seq
        );
        self.len += 1;
        match self.head {
            None => self.head = Some(p),
            Some(h) if p.key() < h.key() => {
                self.head = Some(p);
                self.bucket_push(h);
            }
            Some(_) => self.bucket_push(p),
        }
    }

    /// Takes the smallest entry out.
    pub fn pop(&mut self) -> Option<Pending> {
        let head = self.head.take()?;
        self.len -= 1;
        let key = head.key();
        // Buckets above the one the head belonged to stay valid relative to the new `last` (their entries share
        // the same higher bits with it); that bucket's entries all move down. Lower buckets are empty: their
        // entries would be smaller than the head.
        let b = bucket_of(key, self.last);
        self.last = key;
        if b > 0 && self.is_occupied(b) {
            let mut moving = std::mem::take(&mut self.buckets[b]);
            self.set_occupied(b, false);
            for p in moving.drain(..) {
                self.bucket_push(p);
            }
            // Keep the allocation for the bucket's next use.
            self.buckets[b] = moving;
        }
        self.head = self.take_smallest();
        Some(head)
    }

    /// Removes and returns the smallest entry of the buckets (in the first non-empty bucket).
    fn take_smallest(&mut self) -> Option<Pending> {
        let b = self.first_occupied()?;
        let bucket = &mut self.buckets[b];
        let mut best = 0;
        let mut best_key = bucket.first()?.key();
        for (i, p) in bucket.iter().enumerate().skip(1) {
            let k = p.key();
            if k < best_key {
                best = i;
                best_key = k;
            }
        }
        let p = bucket.swap_remove(best);
        if bucket.is_empty() {
            self.set_occupied(b, false);
        }
        Some(p)
    }

    fn bucket_push(&mut self, p: Pending) {
        let b = bucket_of(p.key(), self.last);
        self.buckets[b].push(p);
        self.set_occupied(b, true);
    }

    fn first_occupied(&self) -> Option<usize> {
        self.occupied
            .iter()
            .enumerate()
            .find(|(_, word)| **word != 0)
            .map(|(i, word)| i * 64 + word.trailing_zeros() as usize)
    }

    fn is_occupied(&self, b: usize) -> bool {
        self.occupied[b / 64] & (1 << (b % 64)) != 0
    }

    fn set_occupied(&mut self, b: usize, on: bool) {
        let bit = 1u64 << (b % 64);
        if on {
            self.occupied[b / 64] |= bit;
        } else {
            self.occupied[b / 64] &= !bit;
        }
    }
}

/// The bucket of `key` relative to `last`: one more than the index of the highest bit in which they differ (0 when
/// equal).
fn bucket_of(key: u128, last: u128) -> usize {
    (128 - (key ^ last).leading_zeros()) as usize
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
