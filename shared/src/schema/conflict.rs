//! Concurrent values (giá trị xung đột): when two devices set the same field
//! of the same record before syncing, automerge keeps both and picks one,
//! the same on every device. These helpers list every value held for a key
//! so the UI can mark the field and let the user pick, and write the pick.
//!
//! Any write to a conflicted field settles the conflict (the written value
//! replaces all of them), including a record-wide write that rewrites the
//! field unchanged: look for conflicts with [`record_conflicts`] before
//! such writes.
//!
//! Records created concurrently: when two devices each create the same
//! record (the same key, e.g. the self-score of criterion C4) before syncing,
//! automerge holds two map objects at that key. The helpers here treat them
//! as one record: a field set in only one version is simply its value, a
//! field set differently in both is a conflict like any other (see
//! [`field_values`]); the next write folds the versions into one
//! ([`super::write::ensure_map`]).

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

/// Every distinct value of field `key` across all versions of the record at
/// `path` (see the module docs), the shown one first. One value: no conflict.
pub fn field_values<R: ReadDoc>(doc: &R, path: &[&str], key: &str) -> Vec<ConcurrentValue> {
    let versions = read::path_versions(doc, path);
    let mut out: Vec<ConcurrentValue> = Vec::new();
    for (n, obj) in versions.iter().enumerate() {
        for mut v in values(doc, obj, key) {
            v.shown &= n == 0;
            let duplicate = out.iter().any(|o| match (&o.value, &v.value) {
                (HeldValue::Scalar(a), HeldValue::Scalar(b)) => a == b,
                _ => false,
            });
            if !duplicate {
                out.push(v);
            }
        }
    }
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

/// Where a held value came from: the change that wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueOrigin {
    /// The change's time (seconds since the epoch; 0 when not recorded).
    pub time_secs: i64,
    /// The change's message (the app writes `{office, device, summary}`).
    pub message: Option<String>,
}

/// The change that wrote the value of `op_id` (a [`ConcurrentValue::op_id`],
/// `counter@actor`): one pass over the changes' metadata.
pub fn origin(doc: &automerge::Automerge, op_id: &str) -> Option<ValueOrigin> {
    let (counter, actor) = op_id.split_once('@')?;
    let counter: u64 = counter.parse().ok()?;
    doc.get_changes_meta(&[])
        .into_iter()
        .find(|c| c.start_op <= counter && counter <= c.max_op && c.actor.to_string() == actor)
        .map(|c| ValueOrigin {
            time_secs: c.timestamp,
            message: c.message.map(|m| m.into_owned()),
        })
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
        let maps: Vec<ObjId> = all
            .iter()
            .filter_map(|v| match &v.value {
                HeldValue::Object(ObjType::Map, id) => Some(id.clone()),
                _ => None,
            })
            .collect();
        if all.len() > 1 && maps.len() == all.len() {
            // The same record created on two devices: compare field by field.
            collect_versions(doc, &maps, &format!("{here}/"), out);
        } else if all.len() > 1 {
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

/// Conflicts between versions of one record: per field, the distinct values.
fn collect_versions<R: ReadDoc>(
    doc: &R,
    versions: &[ObjId],
    prefix: &str,
    out: &mut BTreeMap<String, Vec<ConcurrentValue>>,
) {
    let mut keys: Vec<String> = versions.iter().flat_map(|v| read::keys(doc, v)).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let mut distinct: Vec<ConcurrentValue> = Vec::new();
        for (n, obj) in versions.iter().enumerate() {
            for mut v in values(doc, obj, &key) {
                v.shown &= n == 0;
                let same = distinct.iter().any(|d| match (&d.value, &v.value) {
                    (HeldValue::Scalar(a), HeldValue::Scalar(b)) => a == b,
                    _ => false,
                });
                if !same {
                    distinct.push(v);
                }
            }
        }
        if distinct.len() > 1 {
            distinct.sort_by_key(|v| !v.shown);
            out.insert(format!("{prefix}{key}"), distinct);
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
