//! Limits that keep documents sane: how long a text may be and how many
//! records a list or map may hold.
//!
//! They are validation rules like the others (codes `text-too-long` and
//! `too-many-records`), so the app refuses a local edit that breaks them
//! before committing it and the relay refuses the same change from a device.
//! They are checked while the document is loaded ([`super::load`]), by a
//! reader ([`CheckedReader`]) that every typed read goes through: each text
//! the schema reads is measured as it is read, and each list or map counts
//! its records as they are read, so the checks add no walk of the document.
//! The same reader presents a text object (how automerge 3's JavaScript API
//! stores every string) as the string it holds, so a standard client's
//! writes read, validate and limit exactly like ours.
//! A text over its limit is kept as it is (the record still loads and the
//! rest of validation runs); it is one violation, not an unreadable record.
//!
//! The size of a whole document is limited elsewhere (by the sync gate).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use automerge::{ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value};

use super::{ViolationCode, violation};
use crate::core::Violation;

/// Characters in a record's key: its id (a person id, a criterion id, an
/// office code, a year, an evaluation key). The app makes ids of a few dozen
/// characters at most; 200 leaves room for ids typed by hand or made by
/// other tools, while a key can never carry a document's worth of text.
pub const MAX_KEY_CHARS: usize = 200;

/// Characters in a one-line text: a name (họ tên, tên đơn vị), a title
/// (tên phong trào, tên tiêu chí, trích yếu kế hoạch), a position, a signer,
/// a document number, an award, a code or a date. The longest real ones —
/// a movement's name, a criterion's title, an office's full name — run to
/// 100–250 characters; 500 is twice that and still fits on a form line.
pub const MAX_LINE_CHARS: usize = 500;

/// Characters in a free text ([`FREE_TEXT_FIELDS`]): notes, evidence
/// (minh chứng), an inspection's findings, conclusion and visiting team, comments,
/// descriptions, citations, the text of a shortcoming or recommendation.
/// 20 000 characters is about six A4 pages of Vietnamese, more than any of
/// these runs to in the offices' paperwork; longer material belongs in the
/// office's files, referred to by number.
pub const MAX_FREE_TEXT_CHARS: usize = 20_000;

/// Characters in the full text of a document kept in one field
/// ([`DOCUMENT_TEXT_FIELDS`]): the cluster's covenant (nội dung giao ước
/// thi đua), which with its commitments can run to several pages. 100 000
/// characters is about thirty A4 pages.
pub const MAX_DOCUMENT_TEXT_CHARS: usize = 100_000;

/// Records in one list or map: staff, registrations, covenant signatures,
/// self-scores, peer reviews and their scores, inspections and their
/// shortcomings and recommendations, exemplary models, evaluations,
/// proposals, decisions and a decision's proposal ids, a person's discipline
/// records; in the cluster document members, predecessors, movements, plans,
/// sections, criteria and deadlines. An office has a few dozen staff; over
/// twenty years its registrations and evaluations come to a couple of
/// thousand; a scoring table has tens of criteria and a cluster a dozen
/// members. 5 000 is room for decades of work, while a list of tens of
/// thousands (a device or a tool gone wrong) is refused.
pub const MAX_RECORDS: usize = 5_000;

/// Keys of the fields holding free text ([`MAX_FREE_TEXT_CHARS`]); every
/// other text field is one line ([`MAX_LINE_CHARS`]).
pub const FREE_TEXT_FIELDS: &[&str] = &[
    "note",
    "evidence",
    "comment",
    "findings",
    "strengths",
    "shortcomings",
    "conclusion",
    "team",
    "text",
    "description",
    "citation",
];

/// Paths of the fields holding a whole document's text
/// ([`MAX_DOCUMENT_TEXT_CHARS`]).
pub const DOCUMENT_TEXT_FIELDS: &[&str] = &["covenant/text"];

/// The most characters the text at `path` (map keys joined by `/`, e.g.
/// `staff/p1/fullName`) may have; the app can use it for its inputs.
pub fn text_limit(path: &str) -> usize {
    if DOCUMENT_TEXT_FIELDS.contains(&path) {
        return MAX_DOCUMENT_TEXT_CHARS;
    }
    let field = path.rsplit('/').next().unwrap_or(path);
    field_limit(field)
}

/// The limit by the field's key alone (before the path is known).
fn field_limit(key: &str) -> usize {
    if FREE_TEXT_FIELDS.contains(&key) {
        MAX_FREE_TEXT_CHARS
    } else {
        MAX_LINE_CHARS
    }
}

/// A count as Vietnamese writes it: `20.000`.
fn vi_count(n: usize) -> String {
    grouped(n, '.')
}

/// A count as English writes it: `20,000`.
fn en_count(n: usize) -> String {
    grouped(n, ',')
}

fn grouped(n: usize, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A path fit for a message: a key too long to read is cut short (the
/// violation's `path` itself stays exact).
fn shown_path(path: &str) -> String {
    const SHOWN: usize = 40;
    path.split('/')
        .map(|seg| match seg.char_indices().nth(SHOWN) {
            Some((cut, _)) => format!("{}…", &seg[..cut]),
            None => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `text-too-long` for the value at `path`.
pub fn text_too_long(path: &str, chars: usize, max: usize) -> Violation {
    let shown = shown_path(path);
    violation(
        path,
        ViolationCode::TextTooLong,
        format!(
            "{shown}: the text is {} characters long, over the limit of {} characters; shorten it",
            en_count(chars),
            en_count(max)
        ),
        format!(
            "{shown}: nội dung dài {} ký tự, vượt quá giới hạn {} ký tự; hãy rút gọn",
            vi_count(chars),
            vi_count(max)
        ),
    )
}

/// `text-too-long` for the key of the record at `path`.
fn key_too_long(path: &str, chars: usize) -> Violation {
    let shown = shown_path(path);
    violation(
        path,
        ViolationCode::TextTooLong,
        format!(
            "{shown}: the record's identifier is {} characters long, over the limit of {} \
             characters; delete this record and enter it again",
            en_count(chars),
            en_count(MAX_KEY_CHARS)
        ),
        format!(
            "{shown}: mã định danh của bản ghi dài {} ký tự, vượt quá giới hạn {} ký tự; \
             hãy xoá bản ghi này và nhập lại",
            vi_count(chars),
            vi_count(MAX_KEY_CHARS)
        ),
    )
}

/// `too-many-records` for the list or map at `path`.
pub fn too_many_records(path: &str, records: usize) -> Violation {
    let shown = shown_path(path);
    violation(
        path,
        ViolationCode::TooManyRecords,
        format!(
            "{shown}: the list holds {} records, over the limit of {}; delete the records \
             that are no longer needed",
            en_count(records),
            en_count(MAX_RECORDS)
        ),
        format!(
            "{shown}: danh sách có {} bản ghi, vượt quá giới hạn {} bản ghi; hãy xoá bớt \
             các bản ghi không còn cần thiết",
            vi_count(records),
            vi_count(MAX_RECORDS)
        ),
    )
}

/// A reader for typed hydration (like [`super::read::Reader`]) that checks
/// the limits as the values go by: every text value and record key read is
/// measured, every record (a map or list value) read from a map is counted
/// against that map, and a list's length is checked when it is read. Texts
/// are only counted in characters when their bytes exceed a limit, and a
/// path is only worked out for a violation, so a document within the limits
/// costs one counter update per record read.
pub struct CheckedReader<'a, R> {
    pub doc: &'a R,
    problems: RefCell<Vec<Violation>>,
    /// Records (object values) read per map, by map.
    records: RefCell<HashMap<ObjId, usize>>,
    /// Lists read that are longer than the limit, with their length.
    long_lists: RefCell<HashMap<ObjId, usize>>,
}

impl<'a, R: ReadDoc> CheckedReader<'a, R> {
    pub fn new(doc: &'a R) -> Self {
        CheckedReader {
            doc,
            problems: RefCell::new(Vec::new()),
            records: RefCell::new(HashMap::new()),
            long_lists: RefCell::new(HashMap::new()),
        }
    }

    /// Records a problem found while reading (in reading order).
    pub fn push(&self, problem: Violation) {
        self.problems.borrow_mut().push(problem);
    }

    /// Records a limit's problem once: hydration reads a value that may be
    /// missing twice in a row (once to see that it is there).
    fn push_once(&self, problem: Violation) {
        let mut problems = self.problems.borrow_mut();
        if problems
            .last()
            .is_none_or(|last| last.code != problem.code || last.path != problem.path)
        {
            problems.push(problem);
        }
    }

    /// The problems found, in reading order, then `too-many-records` by path.
    pub fn into_problems(self) -> Vec<Violation> {
        let mut over: HashMap<&ObjId, usize> = HashMap::new();
        let records = self.records.borrow();
        let long_lists = self.long_lists.borrow();
        for (obj, &n) in records.iter().chain(long_lists.iter()) {
            if n > MAX_RECORDS {
                // A list's length counts all its items, records or not.
                let seen = over.entry(obj).or_default();
                *seen = (*seen).max(n);
            }
        }
        let mut crowded: Vec<Violation> = over
            .into_iter()
            .map(|(obj, n)| too_many_records(&self.path(obj), n))
            .collect();
        drop((records, long_lists));
        crowded.sort_by(|a, b| a.path.cmp(&b.path));
        let mut out = self.problems.into_inner();
        out.extend(crowded);
        out
    }

    /// Checks a text read outside typed hydration (e.g. a header field).
    pub fn check_text(&self, obj: &ObjId, key: &str, text: &str) {
        if text.len() > field_limit(key) {
            self.check_value(obj, &Prop::Map(key.to_string()), text);
        }
    }

    /// The path of an object: map keys (and list indexes) from the root.
    fn path(&self, obj: &ObjId) -> String {
        let Ok(parents) = self.doc.parents(obj) else {
            return String::new();
        };
        parents
            .path()
            .into_iter()
            .map(|(_, prop)| prop_text(&prop))
            .collect::<Vec<_>>()
            .join("/")
    }

    fn path_of(&self, obj: &ObjId, prop: &Prop) -> String {
        let base = self.path(obj);
        if base.is_empty() {
            prop_text(prop)
        } else {
            format!("{base}/{}", prop_text(prop))
        }
    }

    /// Sets the record count of the map `obj` to the records it holds, as
    /// reading every record would count them (for a partial reading).
    pub fn count_records(&self, obj: &ObjId) {
        let n = self
            .doc
            .map_range(obj, ..)
            .filter(
                |item| matches!(item.value, automerge::ValueRef::Object(t) if t != ObjType::Text),
            )
            .count();
        self.records.borrow_mut().insert(obj.clone(), n);
    }

    /// Counts a record read from `obj`.
    fn count(&self, obj: &ObjId) {
        let mut records = self.records.borrow_mut();
        match records.get_mut(obj) {
            Some(n) => *n += 1,
            None => {
                records.insert(obj.clone(), 1);
            }
        }
    }

    fn check_key(&self, obj: &ObjId, prop: &Prop) {
        if let Prop::Map(key) = prop
            && key.len() > MAX_KEY_CHARS
        {
            let chars = key.chars().count();
            if chars > MAX_KEY_CHARS {
                self.push_once(key_too_long(&self.path_of(obj, prop), chars));
            }
        }
    }

    fn check_value(&self, obj: &ObjId, prop: &Prop, text: &str) {
        // Bytes ≥ characters, so texts within the limit in bytes are done.
        let by_key = match prop {
            Prop::Map(key) => field_limit(key),
            Prop::Seq(_) => MAX_LINE_CHARS,
        };
        if text.len() <= by_key {
            return;
        }
        let chars = text.chars().count();
        if chars <= by_key {
            return;
        }
        let path = self.path_of(obj, prop);
        let max = text_limit(&path);
        if chars > max {
            self.push_once(text_too_long(&path, chars, max));
        }
    }
}

fn prop_text(prop: &Prop) -> String {
    match prop {
        Prop::Map(key) => key.clone(),
        Prop::Seq(i) => i.to_string(),
    }
}

impl<R: ReadDoc> autosurgeon::ReadDoc for CheckedReader<'_, R> {
    type Parents<'b>
        = automerge::Parents<'b>
    where
        Self: 'b;

    /// Not available through [`ReadDoc`]; hydration does not need it.
    fn get_heads(&self) -> Vec<automerge::ChangeHash> {
        Vec::new()
    }

    fn get<P: Into<Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, automerge::AutomergeError> {
        let prop = prop.into();
        self.check_key(obj, &prop);
        let mut got = match &prop {
            Prop::Map(key) => self.doc.get(obj, key.as_str())?,
            Prop::Seq(i) => self.doc.get(obj, *i)?,
        };
        if let Some((Value::Object(ObjType::Text), id)) = &got {
            // Standard clients (automerge 3's JavaScript API) store every
            // string as a text object: it reads as the string it holds.
            let text = self.doc.text(id)?;
            got = Some((
                Value::Scalar(Cow::Owned(ScalarValue::Str(text.into()))),
                id.clone(),
            ));
        }
        match &got {
            Some((Value::Scalar(s), _)) => {
                if let ScalarValue::Str(text) = s.as_ref()
                    && text.len() > MAX_LINE_CHARS
                {
                    self.check_value(obj, &prop, text);
                }
            }
            // A record of a map (or a field of a record holding an object:
            // a handful per record, never near the limit).
            Some((Value::Object(_), _)) => self.count(obj),
            None => {}
        }
        Ok(got)
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        self.doc.object_type(obj).ok()
    }

    fn map_range<'b, O, Rg>(&'b self, obj: O, range: Rg) -> automerge::iter::MapRange<'b>
    where
        Rg: std::ops::RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
    {
        self.doc.map_range(obj, range)
    }

    fn list_range<O: AsRef<ObjId>, Rg: std::ops::RangeBounds<usize>>(
        &self,
        obj: O,
        range: Rg,
    ) -> automerge::iter::ListRange<'_> {
        self.doc.list_range(obj, range)
    }

    /// Hydration asks a list's length before reading its items.
    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        let n = self.doc.length(obj.as_ref());
        if n > MAX_RECORDS {
            self.long_lists.borrow_mut().insert(obj.as_ref().clone(), n);
        }
        n
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, automerge::AutomergeError> {
        self.doc.text(obj)
    }

    fn parents<O: AsRef<ObjId>>(
        &self,
        obj: O,
    ) -> Result<Self::Parents<'_>, automerge::AutomergeError> {
        self.doc.parents(obj)
    }

    fn is_empty(&self) -> bool {
        self.doc.keys(automerge::ROOT).next().is_none()
    }
}
