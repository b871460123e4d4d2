//! The framing of an automerge sync message, checked before automerge parses
//! it: counts against what is left and against the [`Limits`], and the
//! Bloom filters' parameters (a filter with zero bits divides by zero in
//! automerge, one with four billion probes allocates sixteen gigabytes).

use super::cursor::{Cursor, CursorError};
use super::{GateError, Limits};

const SYNC_V1: u8 = 0x42;
const SYNC_V2: u8 = 0x43;
const HASH: usize = 32;

/// What a sync message carries, as far as the budget cares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SyncShape {
    /// Number of change chunks (each may hold several storage chunks).
    pub chunks: usize,
    /// Bytes of all change chunks together.
    pub chunk_bytes: usize,
}

fn wire(e: CursorError) -> GateError {
    GateError::malformed(format!("the sync message is malformed: {}", e.describe()))
}

/// Check the framing of `data` (the `data` of a `sync` or `request` message).
pub(crate) fn inspect(data: &[u8], limits: &Limits) -> Result<SyncShape, GateError> {
    let mut c = Cursor::new(data);
    let version = c.byte("the message type").map_err(wire)?;
    if version != SYNC_V1 && version != SYNC_V2 {
        return Err(GateError::malformed(format!(
            "the sync message starts with byte {version:#04x}, not 0x42 or 0x43"
        )));
    }
    let hashes = |c: &mut Cursor<'_>, what: &'static str| -> Result<(), GateError> {
        let n = c.count(HASH, what).map_err(wire)?;
        if n > limits.max_heads {
            return Err(GateError::over_budget(format!(
                "a sync message lists {n} {what}, more than the {} this relay reads",
                limits.max_heads
            )));
        }
        c.take(n * HASH, what).map_err(wire)?;
        Ok(())
    };
    hashes(&mut c, "heads")?;
    hashes(&mut c, "needed changes")?;
    let haves = c.count(2, "have entries").map_err(wire)?;
    if haves > limits.max_have {
        return Err(GateError::over_budget(format!(
            "a sync message has {haves} \"have\" entries, more than the {} this relay reads",
            limits.max_have
        )));
    }
    for _ in 0..haves {
        hashes(&mut c, "last-sync heads")?;
        let bloom = c.prefixed("a Bloom filter").map_err(wire)?;
        check_bloom(bloom, limits)?;
    }
    let chunks = c.count(1, "change chunks").map_err(wire)?;
    if chunks > limits.max_changes {
        return Err(GateError::over_budget(format!(
            "a sync message carries {chunks} change chunks, more than the {} this relay takes at once",
            limits.max_changes
        )));
    }
    let mut chunk_bytes = 0;
    for _ in 0..chunks {
        chunk_bytes += c.prefixed("a change chunk").map_err(wire)?.len();
    }
    if !c.is_empty() {
        // Flags: a length-prefixed list of bytes; anything after it is ignored
        // by automerge (forward compatibility), so only its framing matters.
        c.prefixed("the flags").map_err(wire)?;
    }
    Ok(SyncShape {
        chunks,
        chunk_bytes,
    })
}

/// A Bloom filter automerge can use without dividing by zero or allocating
/// per its claimed probe count.
fn check_bloom(bytes: &[u8], limits: &Limits) -> Result<(), GateError> {
    if bytes.is_empty() {
        return Ok(()); // an empty filter
    }
    let mut c = Cursor::new(bytes);
    let bad =
        |what: &str| GateError::malformed(format!("a Bloom filter in the sync message {what}"));
    let u32_of = |c: &mut Cursor<'_>, what: &'static str| -> Result<u32, GateError> {
        let v = c.uleb(what).map_err(wire)?;
        u32::try_from(v).map_err(|_| bad("has a number too large for its field"))
    };
    let entries = u32_of(&mut c, "the filter's entry count")?;
    let bits_per_entry = u32_of(&mut c, "the filter's bits per entry")?;
    let probes = u32_of(&mut c, "the filter's probe count")?;
    if entries == 0 {
        return Ok(()); // automerge treats it as empty and never probes it
    }
    if !(1..=limits.max_bloom_bits_per_entry).contains(&bits_per_entry) {
        return Err(bad("has an unusable number of bits per entry"));
    }
    if !(1..=limits.max_bloom_probes).contains(&probes) {
        return Err(bad("has an unusable number of probes"));
    }
    let bits = (u64::from(entries) * u64::from(bits_per_entry)).div_ceil(8);
    if bits != c.remaining() as u64 {
        return Err(bad("is not as long as its entry count says"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;

    fn real_message() -> Vec<u8> {
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "a", 1).unwrap();
        let mut state = automerge::sync::State::new();
        let mut other = automerge::sync::State::new();
        // A first message, then one with a Bloom filter and changes.
        let m = doc.sync().generate_sync_message(&mut state).unwrap();
        let mut peer = automerge::AutoCommit::new();
        peer.sync().receive_sync_message(&mut other, m).unwrap();
        let reply = peer.sync().generate_sync_message(&mut other).unwrap();
        doc.sync().receive_sync_message(&mut state, reply).unwrap();
        doc.sync()
            .generate_sync_message(&mut state)
            .unwrap()
            .encode()
    }

    #[test]
    fn automerge_s_own_messages_pass() {
        let data = real_message();
        let shape = inspect(&data, &Limits::default()).unwrap();
        assert_eq!(shape.chunks, 1);
    }

    #[test]
    fn a_bloom_filter_with_no_bits_or_huge_probes_is_refused() {
        for (entries, bits, probes) in [(1u8, 0u8, 7u8), (1, 10, 0)] {
            let mut data = vec![0x42, 0, 0, 1, 0];
            let bloom = [entries, bits, probes, 0, 0];
            data.push(bloom.len() as u8);
            data.extend(bloom);
            data.push(0);
            assert!(
                inspect(&data, &Limits::default()).is_err(),
                "{entries} {bits} {probes}"
            );
        }
        // 2^32 - 1 probes.
        let mut data = vec![0x42, 0, 0, 1, 0];
        let bloom = [1u8, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0];
        data.push(bloom.len() as u8);
        data.extend(bloom);
        data.push(0);
        assert!(inspect(&data, &Limits::default()).is_err());
    }

    #[test]
    fn counts_beyond_the_message_are_refused() {
        // 2^35 heads in a few bytes.
        let data = [0x42, 0x80, 0x80, 0x80, 0x80, 0x7f];
        assert!(inspect(&data, &Limits::default()).is_err());
    }
}
