//! Identifiers of a run: request ids, message ids, event ids and X-Ray-style trace ids.
//!
//! Ids are derived from the scenario seed and a per-kind counter by a bit mixer (SplitMix64), not drawn from the
//! simulation RNG: they are unique and stable for a given seed, cost nothing until they are formatted, and
//! turning the trace on or off never changes a single sampled latency.

use super::trace::Text;

/// Declares [`IdKind`] together with the list of all its kinds, so the list — and the counters sized from it —
/// cannot miss a kind added later.
macro_rules! id_kinds {
    ($($(#[$doc:meta])* $kind:ident = $tag:literal,)+) => {
        /// Counters of each kind of id, in one place so a run can be replayed exactly. The tag (1, 2, …) is mixed
        /// into every id of the kind: changing it changes every id in every trace.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum IdKind {
            $($(#[$doc])* $kind = $tag,)+
        }

        impl IdKind {
            /// Every kind, in tag order.
            pub const ALL: [IdKind; [$($tag),+].len()] = [$(IdKind::$kind),+];
        }
    };
}

id_kinds! {
    Request = 1,
    Trace = 2,
    Event = 3,
    Message = 4,
    ApiRequest = 5,
    S3Request = 6,
    Execution = 7,
    Subscription = 8,
}

impl IdKind {
    /// How many kinds there are: the size of a per-kind counter table.
    pub const COUNT: usize = IdKind::ALL.len();

    /// The kind's slot in a per-kind table (`0..COUNT`).
    pub const fn index(self) -> usize {
        self as usize - 1
    }
}

// Tags run 1, 2, … COUNT in `ALL`'s order, so `index` is always inside a table of `COUNT` slots.
const _: () = {
    let mut i = 0;
    while i < IdKind::COUNT {
        assert!(
            IdKind::ALL[i].index() == i,
            "IdKind tags must be 1..=COUNT in order"
        );
        i += 1;
    }
};

/// SplitMix64 finaliser: a bijective mix of 64 bits.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 128 pseudo-random bits for the `n`-th id of `kind` under `seed`.
pub fn id_bits(seed: u64, kind: IdKind, n: u64) -> u128 {
    let a = mix64(seed ^ mix64((kind as u64) << 56 ^ n));
    let b = mix64(a ^ 0x5851_f42d_4c95_7f2d);
    ((a as u128) << 64) | b as u128
}

/// A version-4 UUID text from 128 bits.
pub fn uuid_text(bits: u128) -> String {
    let bytes = uuid_bytes(bits);
    // The bytes are ASCII hex digits and dashes.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A version-4 UUID's 36 ASCII characters from 128 bits, on the stack.
pub fn uuid_bytes(bits: u128) -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = bits.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = [0u8; 36];
    let mut at = 0;
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out[at] = b'-';
            at += 1;
        }
        out[at] = HEX[usize::from(b >> 4)];
        out[at + 1] = HEX[usize::from(b & 0xf)];
        at += 2;
    }
    out
}

/// One causal chain: an outside request or event and everything it caused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId {
    pub n: u64,
    /// Epoch seconds (virtual) when the chain began: the first part of an X-Ray trace id.
    pub epoch_s: u32,
    pub bits: u64,
    /// The span whose work this is: whatever is done next under this id (a hop, an invocation, a message) was
    /// caused by it and names it as `parent_span_id`. 0 while nothing of the chain has been recorded yet (the
    /// chain's root). Not part of the trace id's text.
    pub span: u64,
    /// Which count of recursive loop detection this part of the chain belongs to. Lambda tracks a chain only
    /// along hops that carry its tracking (SQS, SNS, S3, Lambda); a service that drops it (EventBridge, DynamoDB
    /// Streams, Step Functions, API Gateway) starts a new count: here a new epoch, the span where it restarted
    /// (0 = the chain's first). Not part of the trace id's text.
    pub loop_epoch: u64,
}

impl TraceId {
    /// The span that causes what happens next, if any (see `span`).
    pub fn cause(&self) -> Option<u64> {
        (self.span != 0).then_some(self.span)
    }

    /// X-Ray form: `1-<8 hex epoch seconds>-<24 hex>`, held inline (no heap): this runs for every trace record.
    pub fn text(&self) -> Text {
        let mut out = [0u8; 35];
        out[0] = b'1';
        out[1] = b'-';
        put_hex(&mut out[2..10], u64::from(self.epoch_s));
        out[10] = b'-';
        put_hex(&mut out[11..19], self.n & 0xffff_ffff);
        put_hex(&mut out[19..35], self.bits);
        Text::from_ascii(&out)
    }
}

/// Writes the lowest `out.len()` hex digits of `v` into `out`, zero-padded, lower case.
fn put_hex(out: &mut [u8], v: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = out.len();
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 4 * (digits - 1 - i);
        *slot = HEX[((v >> shift) & 0xf) as usize];
    }
}

/// A UUID's text held inline ([`Text`]), for trace records.
pub fn uuid_inline(bits: u128) -> Text {
    Text::from_ascii(&uuid_bytes(bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = uuid_text(id_bits(1, IdKind::Request, 1));
        assert_eq!(a, uuid_text(id_bits(1, IdKind::Request, 1)));
        assert_ne!(a, uuid_text(id_bits(1, IdKind::Request, 2)));
        assert_ne!(a, uuid_text(id_bits(1, IdKind::Message, 1)));
        assert_ne!(a, uuid_text(id_bits(2, IdKind::Request, 1)));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        let t = TraceId {
            n: 3,
            epoch_s: 0x6955_b900,
            bits: 0xabc,
            span: 7,
            loop_epoch: 0,
        }
        .text();
        assert_eq!(t, "1-6955b900-000000030000000000000abc");
    }

    #[test]
    fn every_kind_has_its_own_counter_slot() {
        let mut slots = [false; IdKind::COUNT];
        for kind in IdKind::ALL {
            assert!(!slots[kind.index()], "{kind:?} shares a slot");
            slots[kind.index()] = true;
        }
        assert!(slots.iter().all(|s| *s));
    }
}
