//! The engine's pending events in time order: a timing wheel of one-microsecond buckets, with a heap for events
//! beyond its horizon.
//!
//! Events come out ordered by (time, order of scheduling), as from a heap of (time, sequence number) keys, but
//! without sifting: an event due within [`WHEEL_US`] of the cursor (the time of the last event taken) is appended
//! to the bucket of its microsecond, and the next event is the front of the first occupied bucket from the cursor
//! on, found by a two-level bitmap. Buckets are first in, first out, which is the sequence order because every
//! event reaches its bucket in the order it was scheduled: an event scheduled beyond the horizon waits in `far`
//! (a heap of (time, sequence) keys) and moves into its bucket as soon as the cursor comes within `WHEEL_US` of
//! it — before anything else can be scheduled into that bucket, since an event is scheduled at the cursor's time
//! or later. The heap that sat here before cost a quarter of the engine's time with the trace off (issue 15): each
//! pop sifted through ~10 levels of a ~500-entry heap, a chain of dependent loads and mispredicted branches; here
//! a push and a pop touch a bitmap word, one bucket and one link.
//!
//! The events themselves wait in a slot vector (reused through a free list, most recently freed first, so the
//! slots in use stay few and warm); buckets are circular singly linked lists through the slots' `next`, each
//! known by its last slot, so a bucket costs 4 bytes and its emptiness is its bitmap bit. The link sits beside
//! the event: taking a bucket's only event reads one place, not a link table and then the event.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The wheel's span in microseconds (a power of two): events due sooner than this after the cursor go straight
/// into their bucket. 32.8 ms covers hops (5–25 ms by default), SDK calls and short durations; later events
/// (timeouts, retries, long invocations, sparse traffic) pass through `far` once. Twice this span measured no
/// faster and its bucket table (4 bytes a microsecond) raised the peak resident memory of a 1 M-request run by
/// ~4 MB (the allocator's huge pages).
pub(crate) const WHEEL_US: u64 = 1 << 15;
const MASK: u64 = WHEEL_US - 1;
/// Bitmap words: one bit per bucket.
const WORDS: usize = (WHEEL_US / 64) as usize;
/// Summary words: one bit per bitmap word.
const SUMMARY_WORDS: usize = WORDS / 64;

/// An event beyond the wheel's horizon: its time, its place in scheduling order and its slot.
struct Far {
    t_us: u64,
    seq: u64,
    slot: u32,
}

impl Far {
    /// (time, seq) as one number: one compare per heap step.
    fn key(&self) -> u128 {
        (u128::from(self.t_us) << 64) | u128::from(self.seq)
    }
}

impl PartialEq for Far {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Far {}
impl PartialOrd for Far {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Far {
    // Reversed: BinaryHeap is a max-heap and the earliest (time, seq) must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// A place for one pending event, and the next slot of its bucket.
struct Slot<T> {
    /// The next slot in the same bucket (circular: a bucket's last slot links to its first).
    next: u32,
    /// `None`: free, listed in `Calendar::free`.
    event: Option<T>,
}

/// Pending events of type `T`, taken out in (time, scheduling order).
pub(crate) struct Calendar<T> {
    /// The time of the last event taken (0 at first): every event in the wheel is due in
    /// `[cursor_us, cursor_us + WHEEL_US)`, every event in `far` at `cursor_us + WHEEL_US` or later.
    cursor_us: u64,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    /// The last slot of each occupied bucket (meaningless for an empty one), by `t_us & MASK`.
    tails: Vec<u32>,
    /// One bit per bucket: occupied.
    bits: Vec<u64>,
    /// One bit per word of `bits`: that word is not zero.
    summary: [u64; SUMMARY_WORDS],
    /// Events in the wheel.
    in_wheel: usize,
    far: BinaryHeap<Far>,
    /// Scheduling order of the events sent to `far`.
    far_seq: u64,
}

impl<T> Default for Calendar<T> {
    fn default() -> Self {
        Calendar {
            cursor_us: 0,
            slots: Vec::new(),
            free: Vec::new(),
            tails: vec![0; WHEEL_US as usize],
            bits: vec![0; WORDS],
            summary: [0; SUMMARY_WORDS],
            in_wheel: 0,
            far: BinaryHeap::new(),
            far_seq: 0,
        }
    }
}

impl<T> Calendar<T> {
    /// Events waiting.
    pub fn len(&self) -> usize {
        self.in_wheel + self.far.len()
    }

    /// Every waiting event, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().filter_map(|s| s.event.as_ref())
    }

    /// Adds an event due at `t_us`, after every event already due then. A time before the cursor is taken as
    /// the cursor (the engine never schedules into the past).
    pub fn push(&mut self, t_us: u64, event: T) {
        let t_us = t_us.max(self.cursor_us);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize].event = Some(event);
                slot
            }
            None => {
                self.slots.push(Slot {
                    next: 0,
                    event: Some(event),
                });
                // More than 4 billion pending events would exhaust memory long before the slot number.
                (self.slots.len() - 1) as u32
            }
        };
        if t_us - self.cursor_us < WHEEL_US {
            self.link(t_us, slot);
        } else {
            self.far_seq += 1;
            self.far.push(Far {
                t_us,
                seq: self.far_seq,
                slot,
            });
        }
    }

    /// The time of the earliest event, if any.
    pub fn peek_t_us(&self) -> Option<u64> {
        if self.in_wheel == 0 {
            return self.far.peek().map(|f| f.t_us);
        }
        let bucket = self.first_occupied()?;
        Some(self.cursor_us + ((bucket as u64).wrapping_sub(self.cursor_us) & MASK))
    }

    /// Takes the earliest event if it is due at or before `limit_us`: its time and the event.
    pub fn pop_until(&mut self, limit_us: u64) -> Option<(u64, T)> {
        if self.in_wheel == 0 {
            let t_us = self.far.peek()?.t_us;
            if t_us > limit_us {
                return None;
            }
            self.advance(t_us);
        }
        let bucket = self.first_occupied()?;
        let t_us = self.cursor_us + ((bucket as u64).wrapping_sub(self.cursor_us) & MASK);
        if t_us > limit_us {
            return None;
        }
        if t_us != self.cursor_us {
            self.advance(t_us);
        }
        let tail = self.tails[bucket];
        let head = self.slots[tail as usize].next;
        if head == tail {
            self.clear_bit(bucket);
        } else {
            self.slots[tail as usize].next = self.slots[head as usize].next;
        }
        self.in_wheel -= 1;
        self.free.push(head);
        let event = self.slots[head as usize].event.take();
        debug_assert!(event.is_some(), "a linked slot is empty: {head}");
        event.map(|e| (t_us, e))
    }

    /// Moves the cursor to `t_us` (no event is due before it) and brings the events of `far` now within the
    /// horizon into their buckets, in (time, seq) order.
    fn advance(&mut self, t_us: u64) {
        self.cursor_us = t_us;
        let horizon = t_us.saturating_add(WHEEL_US);
        while self.far.peek().is_some_and(|f| f.t_us < horizon) {
            if let Some(f) = self.far.pop() {
                self.link(f.t_us, f.slot);
            }
        }
    }

    /// Appends `slot` to the bucket of `t_us` (within the horizon).
    fn link(&mut self, t_us: u64, slot: u32) {
        let bucket = (t_us & MASK) as usize;
        let (word, bit) = (bucket / 64, 1u64 << (bucket % 64));
        if self.bits[word] & bit != 0 {
            let tail = self.tails[bucket] as usize;
            self.slots[slot as usize].next = self.slots[tail].next;
            self.slots[tail].next = slot;
        } else {
            self.bits[word] |= bit;
            self.summary[word / 64] |= 1 << (word % 64);
            self.slots[slot as usize].next = slot;
        }
        self.tails[bucket] = slot;
        self.in_wheel += 1;
    }

    fn clear_bit(&mut self, bucket: usize) {
        let word = bucket / 64;
        self.bits[word] &= !(1u64 << (bucket % 64));
        if self.bits[word] == 0 {
            self.summary[word / 64] &= !(1 << (word % 64));
        }
    }

    /// The first occupied bucket at or after the cursor's, going round the wheel (`None`: the wheel is empty).
    fn first_occupied(&self) -> Option<usize> {
        let start = (self.cursor_us & MASK) as usize;
        let word = start / 64;
        let here = self.bits[word] & (!0u64 << (start % 64));
        if here != 0 {
            return Some(word * 64 + here.trailing_zeros() as usize);
        }
        let word = self.next_word_after(word)?;
        Some(word * 64 + self.bits[word].trailing_zeros() as usize)
    }

    /// The first non-zero word of `bits` after `word`, going round (`word` itself last, for the bits before the
    /// cursor's: they are due a whole turn later).
    fn next_word_after(&self, word: usize) -> Option<usize> {
        let start = (word + 1) % WORDS;
        let s = start / 64;
        let rest = self.summary[s] & (!0u64 << (start % 64));
        if rest != 0 {
            return Some(s * 64 + rest.trailing_zeros() as usize);
        }
        // The other summary words in turn, and last the one holding `start` whole (its words before `start`).
        for k in 1..=SUMMARY_WORDS {
            let i = (s + k) % SUMMARY_WORDS;
            if self.summary[i] != 0 {
                return Some(i * 64 + self.summary[i].trailing_zeros() as usize);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{Calendar, WHEEL_US};
    use crate::sim::rng::SimRng;

    /// Runs a random schedule through the calendar and through a sorted list of (time, seq) keys, the order a
    /// heap of such keys gives, and compares every event taken.
    fn same_order_as_sorted_keys(seed: u64, max_delay_us: u64, max_pushes_per_pop: i64) {
        let mut rng = SimRng::new(seed);
        let mut calendar = Calendar::default();
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let mut now = 0u64;
        let mut seq = 0u64;
        for round in 0..20_000u64 {
            let pushes = rng.int_between(0, max_pushes_per_pop);
            for _ in 0..pushes {
                // Some at the current moment, some on a few fixed delays, the rest anywhere up to the maximum.
                let delay = match rng.int_between(0, 3) {
                    0 => 0,
                    1 => 100,
                    _ => rng.int_between(0, max_delay_us as i64) as u64,
                };
                seq += 1;
                calendar.push(now + delay, seq);
                reference.push((now + delay, seq));
            }
            // Now and then only the events up to a limit, as `run_until` asks.
            let limit = if round % 7 == 0 { now + 50 } else { u64::MAX };
            reference.sort_unstable();
            let expected = reference.first().copied().filter(|(t, _)| *t <= limit);
            assert_eq!(
                calendar.peek_t_us(),
                reference.first().map(|(t, _)| *t),
                "peek, round {round}"
            );
            let got = calendar.pop_until(limit);
            assert_eq!(got, expected, "round {round}");
            if let Some((t, _)) = got {
                reference.remove(0);
                now = t;
            }
            assert_eq!(calendar.len(), reference.len());
        }
        reference.sort_unstable();
        for expected in reference {
            assert_eq!(calendar.pop_until(u64::MAX), Some(expected));
        }
        assert_eq!(calendar.pop_until(u64::MAX), None);
        assert_eq!(calendar.peek_t_us(), None);
    }

    #[test]
    fn events_come_out_in_time_then_scheduling_order() {
        same_order_as_sorted_keys(1, 3_000, 2);
    }

    #[test]
    fn events_beyond_the_horizon_keep_their_order() {
        // Delays up to four turns of the wheel: many events pass through the far heap, some into buckets that
        // already hold events scheduled later.
        same_order_as_sorted_keys(2, 4 * WHEEL_US, 2);
    }

    #[test]
    fn a_wheel_that_empties_jumps_to_the_far_events() {
        // One push per pop at most: the queue often runs down to a few far events.
        same_order_as_sorted_keys(3, 10 * WHEEL_US, 1);
    }

    #[test]
    fn a_time_before_the_cursor_counts_as_the_cursor() {
        let mut calendar = Calendar::default();
        calendar.push(500, 'a');
        assert_eq!(calendar.pop_until(u64::MAX), Some((500, 'a')));
        calendar.push(100, 'b');
        calendar.push(500, 'c');
        assert_eq!(calendar.pop_until(u64::MAX), Some((500, 'b')));
        assert_eq!(calendar.pop_until(u64::MAX), Some((500, 'c')));
    }
}
