//! Identifiers of a run: request ids, message ids, event ids and X-Ray-style trace ids.
//!
//! Ids are derived from the scenario seed and a per-kind counter by a bit mixer (SplitMix64), not drawn from the
//! simulation RNG: they are unique and stable for a given seed, cost nothing until they are formatted, and
//! turning the trace on or off never changes a single sampled latency.

use std::sync::Arc;

use serde::{Serialize, Serializer};

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

    /// The id as a trace record holds it: its numbers, written as the X-Ray form `1-<8 hex epoch seconds>-<24
    /// hex>` only when the record is written or shown (this runs for every trace record).
    pub fn record_id(&self) -> RecordId {
        RecordId::XRay {
            epoch_s: self.epoch_s,
            n_low: self.n as u32,
            bits: self.bits,
        }
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

/// An id as a trace record holds it: the numbers it is made from (a UUID's 128 bits, an X-Ray trace id's parts),
/// formatted only when the record is written — as JSON with no escape scan, the text being hex digits and
/// dashes — or shown ([`RecordId::as_text`], `Display`). Any other text (a test's id, an id made elsewhere) is
/// held as it is. 24 bytes, no heap for the numbered forms. Compares, orders and hashes as its text.
#[derive(Clone)]
pub enum RecordId {
    /// A version-4 UUID's 128 bits (high and low halves), version and variant bits already set.
    Uuid(u64, u64),
    /// An X-Ray trace id: `1-<epoch_s, 8 hex>-<n_low, 8 hex><bits, 16 hex>`.
    XRay { epoch_s: u32, n_low: u32, bits: u64 },
    /// Any other text, as it is.
    Text(Arc<str>),
}

/// The longest text of a numbered [`RecordId`]: a UUID's 36 characters (an X-Ray trace id has 35).
const ID_TEXT_MAX: usize = 36;

impl RecordId {
    /// The UUID of 128 bits (as [`uuid_bytes`] writes them).
    pub fn uuid(bits: u128) -> RecordId {
        // The version and variant bits set here, so that equal texts are equal numbers.
        let hi = ((bits >> 64) as u64 & !0xf000) | 0x4000;
        let lo = (bits as u64 & !(0xc000 << 48)) | (0x8000 << 48);
        RecordId::Uuid(hi, lo)
    }

    /// The id's text: formatted on the stack for the numbered forms, borrowed otherwise.
    pub fn as_text(&self) -> IdText<'_> {
        match self {
            RecordId::Uuid(hi, lo) => IdText::Formatted {
                bytes: uuid_bytes((u128::from(*hi) << 64) | u128::from(*lo)),
                len: 36,
            },
            RecordId::XRay {
                epoch_s,
                n_low,
                bits,
            } => {
                let mut bytes = [0u8; ID_TEXT_MAX];
                bytes[0] = b'1';
                bytes[1] = b'-';
                put_hex(&mut bytes[2..10], u64::from(*epoch_s));
                bytes[10] = b'-';
                put_hex(&mut bytes[11..19], u64::from(*n_low));
                put_hex(&mut bytes[19..35], *bits);
                IdText::Formatted { bytes, len: 35 }
            }
            RecordId::Text(s) => IdText::Borrowed(s),
        }
    }

    /// Appends the id as a JSON string: the numbered forms straight (hex and dashes need no escaping), any other
    /// text escaped as serde_json escapes it.
    pub fn push_json(&self, out: &mut Vec<u8>) {
        match self {
            RecordId::Text(s) => crate::events::json_text::push_str(out, s),
            numbered => {
                out.push(b'"');
                out.extend_from_slice(numbered.as_text().utf8());
                out.push(b'"');
            }
        }
    }
}

/// A [`RecordId`]'s text, on the stack when it was formatted: derefs to `str`.
pub enum IdText<'a> {
    /// Formatted from the id's numbers: the first `len` bytes, ASCII.
    Formatted { bytes: [u8; ID_TEXT_MAX], len: u8 },
    /// Held as text by the id.
    Borrowed(&'a str),
}

impl IdText<'_> {
    /// The text's UTF-8 bytes, without checking them again (formatted ones are ASCII).
    pub fn utf8(&self) -> &[u8] {
        match self {
            IdText::Formatted { bytes, len } => bytes.get(..usize::from(*len)).unwrap_or(&[]),
            IdText::Borrowed(s) => s.as_bytes(),
        }
    }
}

impl std::ops::Deref for IdText<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            // Hex digits, dashes and `1`: ASCII, so valid UTF-8 (an impossible failure reads as "").
            IdText::Formatted { bytes, len } => {
                std::str::from_utf8(bytes.get(..usize::from(*len)).unwrap_or(&[])).unwrap_or("")
            }
            IdText::Borrowed(s) => s,
        }
    }
}

impl Default for RecordId {
    fn default() -> Self {
        RecordId::Text(Arc::from(""))
    }
}

impl From<&str> for RecordId {
    fn from(s: &str) -> Self {
        RecordId::Text(Arc::from(s))
    }
}

impl From<String> for RecordId {
    fn from(s: String) -> Self {
        RecordId::Text(Arc::from(s))
    }
}

impl From<&String> for RecordId {
    fn from(s: &String) -> Self {
        RecordId::Text(Arc::from(s.as_str()))
    }
}

impl From<Arc<str>> for RecordId {
    fn from(s: Arc<str>) -> Self {
        RecordId::Text(s)
    }
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_text())
    }
}

impl std::fmt::Debug for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.as_text(), f)
    }
}

impl PartialEq for RecordId {
    fn eq(&self, other: &RecordId) -> bool {
        match (self, other) {
            (RecordId::Uuid(a, b), RecordId::Uuid(c, d)) => a == c && b == d,
            (
                RecordId::XRay {
                    epoch_s: a,
                    n_low: b,
                    bits: c,
                },
                RecordId::XRay {
                    epoch_s: d,
                    n_low: e,
                    bits: f,
                },
            ) => a == d && b == e && c == f,
            _ => *self.as_text() == *other.as_text(),
        }
    }
}

impl Eq for RecordId {}

impl PartialOrd for RecordId {
    fn partial_cmp(&self, other: &RecordId) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RecordId {
    fn cmp(&self, other: &RecordId) -> std::cmp::Ordering {
        (*self.as_text()).cmp(&*other.as_text())
    }
}

impl std::hash::Hash for RecordId {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (*self.as_text()).hash(h)
    }
}

impl PartialEq<str> for RecordId {
    fn eq(&self, other: &str) -> bool {
        *self.as_text() == *other
    }
}

impl PartialEq<&str> for RecordId {
    fn eq(&self, other: &&str) -> bool {
        *self.as_text() == **other
    }
}

impl PartialEq<String> for RecordId {
    fn eq(&self, other: &String) -> bool {
        *self.as_text() == *other.as_str()
    }
}

impl PartialEq<RecordId> for String {
    fn eq(&self, other: &RecordId) -> bool {
        *self.as_str() == *other.as_text()
    }
}

impl PartialEq<RecordId> for str {
    fn eq(&self, other: &RecordId) -> bool {
        *self == *other.as_text()
    }
}

impl PartialEq<RecordId> for &str {
    fn eq(&self, other: &RecordId) -> bool {
        **self == *other.as_text()
    }
}

impl Serialize for RecordId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_text())
    }
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
        .record_id();
        assert_eq!(t, "1-6955b900-000000030000000000000abc");
        assert_eq!(t.to_string(), "1-6955b900-000000030000000000000abc");
    }

    #[test]
    fn record_ids_write_show_and_compare_as_their_text() {
        let bits = id_bits(7, IdKind::Message, 9);
        let uuid = RecordId::uuid(bits);
        let text = uuid_text(bits);
        assert_eq!(uuid.to_string(), text);
        assert_eq!(&*uuid.as_text(), text.as_str());
        assert_eq!(uuid, RecordId::from(text.as_str()));
        assert_eq!(RecordId::from(text.as_str()), uuid);
        assert_eq!(uuid, text);
        assert_ne!(uuid, RecordId::uuid(id_bits(7, IdKind::Message, 10)));
        // Bits that differ only where the version and variant go make the same UUID.
        assert_eq!(uuid, RecordId::uuid(bits ^ (0xf << 76) ^ (0x3 << 62)));
        let xray = TraceId {
            n: 0x1_0000_0003,
            epoch_s: 0x6955_b900,
            bits: u64::MAX,
            span: 0,
            loop_epoch: 0,
        }
        .record_id();
        for (id, text) in [
            (uuid, text.as_str()),
            (xray, "1-6955b900-00000003ffffffffffffffff"),
            (RecordId::from("odd \"id\"\n"), "odd \"id\"\n"),
        ] {
            let mut out = Vec::new();
            id.push_json(&mut out);
            assert_eq!(out, serde_json::to_vec(text).unwrap_or_default());
            assert_eq!(serde_json::to_vec(&id).ok(), serde_json::to_vec(text).ok());
            assert_eq!(format!("{id:?}"), format!("{text:?}"));
            assert_eq!(id, text);
        }
        assert_eq!(std::mem::size_of::<RecordId>(), 24);
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
