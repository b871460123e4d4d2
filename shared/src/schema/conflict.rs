//! Concurrent values (giá trị xung đột): when two devices set the same field
//! of the same record before syncing, automerge keeps both and picks one,
//! the same on every device. These helpers list every value held for a key
//! so the UI can mark the field and let the user pick, and write the pick.
//!
//! Any write to a conflicted field settles the conflict (the written value
//! replaces all of them), including a record-wide write that rewrites the
//! field unchanged: look for conflicts with [`record_conflicts`] before
//! such writes.

use std::collections::BTreeMap;

use automerge::hydrate;
use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value};

use super::read;

/// One of the values automerge holds for a key.
#[derive(Clone, Debug, PartialEq)]
pub struct ConcurrentValue {
    /// Id of the operation that wrote it, the same on every device
    /// (e.g. `"7@1a2b…"`): use it to tell the values apart.
    pub op_id: String,
    pub value: HeldValue,
    /// Whether this is the value shown by default (the one `get` returns).
    pub shown: bool,
}

/// A held value: a scalar, or an object (a record, a list).
#[derive(Clone, Debug, PartialEq)]
pub enum HeldValue {
    Scalar(ScalarValue),
    Object(ObjType, ObjId),
}

impl ConcurrentValue {
    /// A short text for the UI: the text or number itself, "—" for null,
    /// "{…}" / "[…]" for objects.
    pub fn display(&self) -> String {
        match &self.value {
            HeldValue::Scalar(ScalarValue::Str(s)) => s.to_string(),
            HeldValue::Scalar(ScalarValue::Null) => "—".to_string(),
            HeldValue::Scalar(ScalarValue::Int(i)) => i.to_string(),
            HeldValue::Scalar(ScalarValue::Uint(u)) => u.to_string(),
            HeldValue::Scalar(ScalarValue::F64(f)) => f.to_string().replace('.', ","),
            HeldValue::Scalar(ScalarValue::Boolean(b)) => {
                if *b { "có / yes" } else { "không / no" }.to_string()
            }
            HeldValue::Scalar(other) => format!("{other}"),
            HeldValue::Object(ObjType::List, _) => "[…]".to_string(),
            HeldValue::Object(_, _) => "{…}".to_string(),
        }
    }

    /// The text, when the value is text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            HeldValue::Scalar(ScalarValue::Str(s)) => Some(s.as_str()),
            _ => None,
        }
    }
}

/// Every value held for `obj[key]`, the shown one first. Usually one; none
/// when the key is absent.
pub fn values<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Vec<ConcurrentValue> {
    let shown = doc.get(obj, key).ok().flatten().map(|(_, id)| id);
    let mut out: Vec<ConcurrentValue> = doc
        .get_all(obj, key)
        .unwrap_or_default()
        .into_iter()
        .map(|(value, id)| {
            let held = match value {
                Value::Scalar(s) => HeldValue::Scalar(s.into_owned()),
                Value::Object(t) => HeldValue::Object(t, id.clone()),
            };
            ConcurrentValue {
                shown: shown.as_ref() == Some(&id),
                op_id: id.to_string(),
                value: held,
            }
        })
        .collect();
    out.sort_by_key(|v| !v.shown);
    out
}

/// The values of `obj[key]` when there is a conflict (two or more), else
/// nothing.
pub fn conflicts<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Vec<ConcurrentValue> {
    let all = values(doc, obj, key);
    if all.len() > 1 { all } else { Vec::new() }
}

/// [`conflicts`] of `key` in the object at `path`, e.g.
/// `conflicts_at(doc, &["staff", "p1"], "position")`.
pub fn conflicts_at<R: ReadDoc>(doc: &R, path: &[&str], key: &str) -> Vec<ConcurrentValue> {
    read::path(doc, path).map_or_else(Vec::new, |obj| conflicts(doc, &obj, key))
}

/// Every conflicted field of the record at `path`, nested maps included,
/// by relative path (e.g. `"position"`, `"discipline/d1/end"`).
pub fn record_conflicts<R: ReadDoc>(
    doc: &R,
    path: &[&str],
) -> BTreeMap<String, Vec<ConcurrentValue>> {
    let mut out = BTreeMap::new();
    if let Some(obj) = read::path(doc, path) {
        collect(doc, &obj, "", &mut out);
    }
    out
}

fn collect<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    prefix: &str,
    out: &mut BTreeMap<String, Vec<ConcurrentValue>>,
) {
    if !matches!(doc.object_type(obj), Ok(ObjType::Map)) {
        return;
    }
    for key in read::keys(doc, obj) {
        let here = format!("{prefix}{key}");
        let all = values(doc, obj, &key);
        if all.len() > 1 {
            out.insert(here.clone(), all);
        } else if let Some(ConcurrentValue {
            value: HeldValue::Object(ObjType::Map, child),
            ..
        }) = all.first()
        {
            collect(doc, child, &format!("{here}/"), out);
        }
    }
}

/// Why a conflict could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Automerge(#[from] automerge::AutomergeError),
    #[error("the object does not exist / đối tượng không tồn tại")]
    NoSuchObject,
}

/// Settles `obj[key]` on `chosen` (one of [`values`]): a scalar is written
/// again; an object's content is copied into a fresh object (edits other
/// devices make to the old objects afterwards are not carried over).
pub fn resolve(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
    chosen: &ConcurrentValue,
) -> Result<(), ResolveError> {
    match &chosen.value {
        HeldValue::Scalar(s) => tx.put(obj, key, s.clone())?,
        HeldValue::Object(_, id) => {
            let content: hydrate::Value = tx.hydrate(id, None)?;
            tx.batch_create_object(obj, key, &content, false)?;
        }
    }
    Ok(())
}

/// [`resolve`] for `key` in the object at `path`.
pub fn resolve_at(
    tx: &mut Transaction<'_>,
    path: &[&str],
    key: &str,
    chosen: &ConcurrentValue,
) -> Result<(), ResolveError> {
    let obj = read::path(tx, path).ok_or(ResolveError::NoSuchObject)?;
    resolve(tx, &obj, key, chosen)
}
