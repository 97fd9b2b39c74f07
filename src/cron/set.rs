//! A fixed-size set of cron field values (at most 256, stored relative to the field's minimum),
//! with "smallest member at or after v" as the operation the fire-time search needs.

/// Values `min ..= min + 255` as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ValueSet {
    min: u32,
    bits: [u64; 4],
}

impl ValueSet {
    /// An empty set whose smallest representable value is `min`.
    pub(crate) fn new(min: u32) -> Self {
        ValueSet { min, bits: [0; 4] }
    }

    /// Adds `v`; values outside the representable window are ignored (callers range-check).
    pub(crate) fn insert(&mut self, v: u32) {
        let Some(i) = v.checked_sub(self.min) else {
            return;
        };
        if let Some(word) = self.bits.get_mut((i / 64) as usize) {
            *word |= 1u64 << (i % 64);
        }
    }

    pub(crate) fn contains(&self, v: u32) -> bool {
        let Some(i) = v.checked_sub(self.min) else {
            return false;
        };
        self.bits
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    /// The smallest member `>= v`.
    pub(crate) fn next_at_or_after(&self, v: u32) -> Option<u32> {
        let i = v.saturating_sub(self.min);
        let mut word = (i / 64) as usize;
        let mut mask = !0u64 << (i % 64);
        while let Some(w) = self.bits.get(word) {
            let hit = w & mask;
            if hit != 0 {
                let offset = u32::try_from(word)
                    .ok()?
                    .checked_mul(64)?
                    .checked_add(hit.trailing_zeros())?;
                return self.min.checked_add(offset);
            }
            word += 1;
            mask = !0;
        }
        None
    }

    pub(crate) fn first(&self) -> Option<u32> {
        self.next_at_or_after(self.min)
    }

    pub(crate) fn len(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }

    /// Members in increasing order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let mut next = self.first();
        std::iter::from_fn(move || {
            let v = next?;
            next = v.checked_add(1).and_then(|n| self.next_at_or_after(n));
            Some(v)
        })
    }
}
