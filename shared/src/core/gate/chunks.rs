//! The cost of the change chunks of a sync message, measured before
//! automerge loads them: how many changes and operations they hold and how
//! many bytes their compressed parts inflate to.
//!
//! automerge's storage format (see its binary format documentation) is a run
//! of chunks, each `magic (4) | checksum (4) | type (1) | uLEB length | data`.
//! Type 1 is one change, type 2 one DEFLATE-compressed change, type 0 a
//! whole document whose columns may each be compressed, type 3 a bundle.
//! Columns are run-length encoded, so a few bytes can claim a billion
//! operations: we count the values every column holds (runs are counted,
//! not expanded) and refuse before automerge would iterate or allocate them.
//! Inflation is bounded by what is left of the budget.

use super::cursor::{Cursor, CursorError};
use super::{GateError, Limits};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;
const BUNDLE: u8 = 3;
/// Column spec bit: the column is DEFLATE-compressed.
const DEFLATE_BIT: u32 = 0b1000;
/// Column spec bits: the column's encoding.
const TYPE_BITS: u32 = 0b111;

/// What the chunks of one message cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cost {
    pub changes: usize,
    pub ops: usize,
    /// Bytes after inflating compressed parts (uncompressed parts included).
    pub inflated: usize,
}

/// Measures chunks against the limits, accumulating over a message.
pub(crate) struct Meter<'l> {
    limits: &'l Limits,
    cost: Cost,
}

fn malformed(e: CursorError) -> GateError {
    GateError::malformed(format!(
        "a change in the sync message cannot be read: {}",
        e.describe()
    ))
}

impl<'l> Meter<'l> {
    pub(crate) fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            cost: Cost::default(),
        }
    }

    pub(crate) fn cost(&self) -> Cost {
        self.cost
    }

    /// Measure one entry of a sync message's change list (one or more
    /// storage chunks back to back).
    pub(crate) fn measure(&mut self, bytes: &[u8]) -> Result<(), GateError> {
        let mut c = Cursor::new(bytes);
        if c.is_empty() {
            return Err(GateError::malformed(
                "a change chunk in the sync message is empty".into(),
            ));
        }
        while !c.is_empty() {
            let magic = c.take(4, "a chunk header").map_err(malformed)?;
            if magic != MAGIC {
                return Err(GateError::malformed(
                    "a change chunk in the sync message does not start like an automerge chunk"
                        .into(),
                ));
            }
            c.take(4, "a chunk checksum").map_err(malformed)?;
            let kind = c.byte("a chunk type").map_err(malformed)?;
            let data = c.prefixed("a chunk").map_err(malformed)?;
            self.add_inflated(data.len())?;
            match kind {
                CHANGE => self.change(data)?,
                COMPRESSED_CHANGE => {
                    let inflated = self.inflate(data)?;
                    self.change(&inflated)?;
                }
                DOCUMENT => self.document(data)?,
                BUNDLE => {
                    return Err(GateError::malformed(
                        "the sync message carries a change bundle; send changes or a document, as automerge's sync does".into(),
                    ));
                }
                other => {
                    return Err(GateError::malformed(format!(
                        "a chunk in the sync message has the unknown type {other}"
                    )));
                }
            }
        }
        Ok(())
    }

    fn add_inflated(&mut self, n: usize) -> Result<(), GateError> {
        self.cost.inflated = self.cost.inflated.saturating_add(n);
        if self.cost.inflated > self.limits.max_inflated_bytes {
            return Err(GateError::over_budget(format!(
                "the changes in one sync message unpack to more than {} bytes; send them in smaller messages",
                self.limits.max_inflated_bytes
            )));
        }
        Ok(())
    }

    fn add_ops(&mut self, n: usize) -> Result<(), GateError> {
        if n > self.limits.max_ops_per_change {
            return Err(GateError::over_budget(format!(
                "a change in the sync message holds {n} or more operations, more than the {} one change may hold",
                self.limits.max_ops_per_change
            )));
        }
        self.cost.ops = self.cost.ops.saturating_add(n);
        if self.cost.ops > self.limits.max_ops {
            return Err(GateError::over_budget(format!(
                "the changes in one sync message hold more than {} operations; send them in smaller messages",
                self.limits.max_ops
            )));
        }
        Ok(())
    }

    fn add_changes(&mut self, n: usize) -> Result<(), GateError> {
        self.cost.changes = self.cost.changes.saturating_add(n);
        if self.cost.changes > self.limits.max_changes {
            return Err(GateError::over_budget(format!(
                "one sync message holds more than {} changes; send them in smaller messages",
                self.limits.max_changes
            )));
        }
        Ok(())
    }

    /// Inflate a raw DEFLATE stream, never past what is left of the budget.
    fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>, GateError> {
        use std::io::Read;
        let left = self
            .limits
            .max_inflated_bytes
            .saturating_sub(self.cost.inflated);
        let mut out = Vec::new();
        let read = flate2::read::DeflateDecoder::new(data)
            .take(left as u64 + 1)
            .read_to_end(&mut out);
        if read.is_err() {
            return Err(GateError::malformed(
                "a compressed change in the sync message is not valid DEFLATE data".into(),
            ));
        }
        if out.len() > left {
            return Err(GateError::over_budget(format!(
                "a compressed change in the sync message unpacks to more than {} bytes; send it uncompressed or in smaller changes",
                self.limits.max_inflated_bytes
            )));
        }
        self.add_inflated(out.len())?;
        Ok(out)
    }

    /// One change: header fields, then its (never compressed) op columns.
    fn change(&mut self, data: &[u8]) -> Result<(), GateError> {
        let mut c = Cursor::new(data);
        let deps = c.count(32, "the dependencies").map_err(malformed)?;
        c.take(deps * 32, "the dependencies").map_err(malformed)?;
        c.prefixed("the actor").map_err(malformed)?;
        c.uleb("the sequence number").map_err(malformed)?;
        c.uleb("the start op").map_err(malformed)?;
        c.sleb("the time").map_err(malformed)?;
        let message = c.prefixed("the message").map_err(malformed)?;
        if message.len() > self.limits.max_change_message_bytes {
            return Err(GateError::over_budget(format!(
                "a change's message is {} bytes long, more than the {} allowed",
                message.len(),
                self.limits.max_change_message_bytes
            )));
        }
        let actors = c.count(1, "the other actors").map_err(malformed)?;
        for _ in 0..actors {
            c.prefixed("an actor").map_err(malformed)?;
        }
        let columns = columns(&mut c)?;
        let mut most = 0;
        for (spec, len) in columns {
            if spec & DEFLATE_BIT != 0 {
                return Err(GateError::malformed(
                    "a change has a compressed column, which the format does not allow".into(),
                ));
            }
            let col = c.take(len, "a column").map_err(malformed)?;
            most = most.max(self.count_values(spec, col)?);
        }
        self.add_changes(1)?;
        self.add_ops(most)
    }

    /// A whole document: change-metadata columns and op columns, each
    /// possibly compressed.
    fn document(&mut self, data: &[u8]) -> Result<(), GateError> {
        let mut c = Cursor::new(data);
        let actors = c.count(1, "the actors").map_err(malformed)?;
        for _ in 0..actors {
            c.prefixed("an actor").map_err(malformed)?;
        }
        let heads = c.count(32, "the heads").map_err(malformed)?;
        c.take(heads * 32, "the heads").map_err(malformed)?;
        let change_cols = columns(&mut c)?;
        let op_cols = columns(&mut c)?;
        let mut changes = 0;
        for (spec, len) in change_cols {
            let col = c.take(len, "a column").map_err(malformed)?;
            changes = changes.max(self.column(spec, col, self.limits.max_changes)?);
        }
        self.add_changes(changes)?;
        let mut ops = 0;
        for (spec, len) in op_cols {
            let col = c.take(len, "a column").map_err(malformed)?;
            ops = ops.max(self.column(spec, col, self.limits.max_ops)?);
        }
        // A document's ops are not one change's: only the message total applies.
        self.cost.ops = self.cost.ops.saturating_add(ops);
        if self.cost.ops > self.limits.max_ops {
            return Err(GateError::over_budget(format!(
                "the document in the sync message holds more than {} operations; this relay takes it in changes only",
                self.limits.max_ops
            )));
        }
        Ok(())
    }

    /// Values in a document column, inflating it first when compressed.
    fn column(&mut self, spec: u32, col: &[u8], cap: usize) -> Result<usize, GateError> {
        if spec & DEFLATE_BIT != 0 {
            let inflated = self.inflate(col)?;
            self.count_values_capped(spec, &inflated, cap)
        } else {
            self.count_values_capped(spec, col, cap)
        }
    }

    fn count_values(&self, spec: u32, col: &[u8]) -> Result<usize, GateError> {
        self.count_values_capped(spec, col, self.limits.max_ops_per_change)
    }

    /// How many values a column holds, stopping once past `cap`.
    fn count_values_capped(&self, spec: u32, col: &[u8], cap: usize) -> Result<usize, GateError> {
        let mut c = Cursor::new(col);
        let mut total: u64 = 0;
        let cap = cap as u64;
        let over = |total: u64| total > cap;
        let value = |c: &mut Cursor<'_>, kind: u32| -> Result<(), CursorError> {
            match kind {
                3 => c.sleb("a delta value").map(drop),
                5 => c.prefixed("a text value").map(drop),
                _ => c.uleb("a number value").map(drop),
            }
        };
        match spec & TYPE_BITS {
            // Raw values: their count is given by the metadata column.
            7 => return Ok(0),
            // Boolean: alternating run lengths.
            4 => {
                while !c.is_empty() && !over(total) {
                    total = total.saturating_add(c.uleb("a run length").map_err(malformed)?);
                }
            }
            kind => {
                while !c.is_empty() && !over(total) {
                    let run = c.sleb("a run length").map_err(malformed)?;
                    if run > 0 {
                        value(&mut c, kind).map_err(malformed)?;
                        total = total.saturating_add(run as u64);
                    } else if run < 0 {
                        let n = run.unsigned_abs();
                        for _ in 0..n.min(cap.saturating_add(1)) {
                            value(&mut c, kind).map_err(malformed)?;
                        }
                        total = total.saturating_add(n);
                    } else {
                        total = total.saturating_add(c.uleb("a null run").map_err(malformed)?);
                    }
                }
            }
        }
        if over(total) {
            return Err(GateError::over_budget(format!(
                "a column in the sync message holds more than {cap} values; send smaller changes"
            )));
        }
        Ok(total as usize)
    }
}

/// Column metadata: a count, then (spec, length) pairs.
fn columns(c: &mut Cursor<'_>) -> Result<Vec<(u32, usize)>, GateError> {
    let n = c.count(2, "the column list").map_err(malformed)?;
    if n > 64 {
        return Err(GateError::malformed(format!(
            "a chunk declares {n} columns; automerge's format has fewer than 64"
        )));
    }
    let mut out = Vec::with_capacity(n);
    let mut total: usize = 0;
    for _ in 0..n {
        let spec = c.uleb("a column spec").map_err(malformed)?;
        let spec = u32::try_from(spec)
            .map_err(|_| GateError::malformed("a column spec is out of range".into()))?;
        let len = c.uleb("a column length").map_err(malformed)?;
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= c.remaining())
            .ok_or_else(|| GateError::malformed("a column is longer than its chunk".into()))?;
        total = total.saturating_add(len);
        out.push((spec, len));
    }
    if total > c.remaining() {
        return Err(GateError::malformed(
            "the columns are longer than their chunk".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    fn doc_with(n: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        let list = doc
            .put_object(ROOT, "xs", automerge::ObjType::List)
            .unwrap();
        for i in 0..n {
            doc.insert(&list, i, i as i64).unwrap();
            if i % 10 == 9 {
                doc.commit();
            }
        }
        doc.commit();
        doc
    }

    fn measure(bytes: &[u8], limits: &Limits) -> Result<Cost, GateError> {
        let mut m = Meter::new(limits);
        m.measure(bytes)?;
        Ok(m.cost())
    }

    #[test]
    fn counts_the_changes_and_ops_automerge_wrote() {
        let mut doc = doc_with(100);
        let limits = Limits::default();
        // Incremental: changes back to back.
        let cost = measure(&doc.save_after(&[]), &limits).unwrap();
        assert_eq!(cost.changes, 10);
        assert_eq!(cost.ops, 101); // the list itself + 100 inserts
        // A whole document (compressed columns where automerge chose to).
        let cost = measure(&doc.save(), &limits).unwrap();
        assert_eq!(cost.changes, 10);
        assert_eq!(cost.ops, 101);
        // One change, and the same change compressed.
        let change = doc.get_last_local_change().unwrap();
        let mut one = change.clone();
        let cost = measure(one.bytes().as_ref(), &limits).unwrap();
        assert_eq!(cost.changes, 1);
        let mut big = AutoCommit::new();
        let list = big
            .put_object(ROOT, "xs", automerge::ObjType::List)
            .unwrap();
        for i in 0..2000 {
            big.insert(&list, i, format!("giá trị {i}")).unwrap();
        }
        big.commit();
        let mut compressed = big.get_last_local_change().unwrap().clone();
        let raw = compressed.raw_bytes().to_vec();
        let packed = compressed.bytes().to_vec();
        assert!(
            packed.len() < raw.len(),
            "automerge compresses large changes"
        );
        assert_eq!(
            measure(&packed, &limits).unwrap().ops,
            measure(&raw, &limits).unwrap().ops
        );
    }

    #[test]
    fn a_run_claiming_a_billion_ops_is_refused_without_expanding_it() {
        // A change whose single action column says "1,000,000,000 times 1".
        let mut data = Vec::new();
        data.push(0); // no deps
        data.extend([1, 0xaa]); // actor of 1 byte
        data.extend([1, 1, 0, 0]); // seq 1, start op 1, time 0, empty message
        data.push(0); // no other actors
        let mut col = Vec::new();
        let mut n: i64 = 1_000_000_000;
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 && b & 0x40 == 0 {
                col.push(b);
                break;
            }
            col.push(b | 0x80);
        }
        col.push(1);
        data.extend([1, 0x42, col.len() as u8]); // one column: id 4, type 2 (integer)
        data.extend(&col);
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, CHANGE, data.len() as u8]);
        chunk.extend(&data);
        let err = measure(&chunk, &Limits::default()).unwrap_err();
        assert!(err.over_budget, "{err:?}");
    }

    #[test]
    fn a_deflate_bomb_stops_at_the_budget() {
        // 64 MiB of zeros compress to ~64 KiB.
        let zeros = vec![0u8; 64 << 20];
        let packed = {
            use std::io::Write;
            let mut e =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(&zeros).unwrap();
            e.finish().unwrap()
        };
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, COMPRESSED_CHANGE]);
        let mut len = packed.len();
        loop {
            let b = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                chunk.push(b);
                break;
            }
            chunk.push(b | 0x80);
        }
        chunk.extend(&packed);
        let limits = Limits {
            max_inflated_bytes: 1 << 20,
            ..Limits::default()
        };
        let err = measure(&chunk, &limits).unwrap_err();
        assert!(err.over_budget, "{err:?}");
    }

    #[test]
    fn a_document_chunk_hiding_a_change_behind_it_is_measured_whole() {
        let mut empty = AutoCommit::new();
        let mut bytes = empty.save();
        let mut doc = doc_with(5);
        bytes.extend(doc.save_after(&[]));
        let cost = measure(&bytes, &Limits::default()).unwrap();
        assert_eq!(cost.changes, 1);
    }
}
