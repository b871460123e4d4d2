//! Writing typed values into a document, inside a transaction.
//!
//! Prefer the narrowest write: [`put_field`] for one field the user edited,
//! [`put_entry`] for one record, and the whole-document writes only for new
//! documents and imports. Two reasons:
//! - a whole-document write deletes records the written value does not
//!   have, so writing a value read before a sync came in would delete the
//!   records that sync brought;
//! - writing a field resolves any conflict on it in favour of the value
//!   written (automerge keeps only the new value), so a record-wide write
//!   silently settles conflicts on fields the user never looked at. Check
//!   [`super::conflict::record_conflicts`] first, or write single fields.
//!
//! Unchanged values produce no operations, so rewriting a record with one
//! field changed merges field by field with other devices' edits.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjId, ObjType, ROOT, ReadDoc, Value, hydrate};
use autosurgeon::{Doc, Reconcile, ReconcileError, reconcile, reconcile_prop};

use super::cluster_doc::ClusterDoc;
use super::office_doc::OfficeDoc;

/// What the narrow writes need: an autosurgeon document that can also read
/// every concurrent value and write object trees (a transaction, an `AutoCommit`).
pub trait Writer: Doc + ReadDoc + Transactable {}

impl<T: Doc + ReadDoc + Transactable> Writer for T {}

/// Why a write failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Reconcile(#[from] ReconcileError),
    #[error(transparent)]
    Automerge(#[from] AutomergeError),
    /// A path segment holds something other than a map.
    #[error("{0} is not a map / {0} không phải một bảng (map)")]
    NotAMap(String),
}

/// The map at `path` from the root, created (as empty maps) where missing.
///
/// Creating a map is the one write that does not merge by itself: if two
/// devices create the same record concurrently, automerge holds two map
/// objects at that key. Readers treat them as one record
/// ([`super::conflict::field_values`]); here, the next write folds them into
/// one new map holding every field (where both versions set a field, the
/// shown version's value is kept — the UI offers the choice before that).
pub fn ensure_map<D: Writer>(tx: &mut D, path: &[&str]) -> Result<ObjId, WriteError> {
    let mut obj = ROOT;
    for (i, key) in path.iter().enumerate() {
        let versions: Vec<ObjId> = ReadDoc::get_all(tx, &obj, *key)?
            .into_iter()
            .filter_map(|(v, id)| matches!(v, Value::Object(ObjType::Map)).then_some(id))
            .collect();
        obj = match ReadDoc::get(tx, &obj, *key)? {
            Some((Value::Object(ObjType::Map), id)) if versions.len() > 1 => {
                fold_versions(tx, &obj, key, id, &versions)?
            }
            Some((Value::Object(ObjType::Map), id)) => id,
            None => Transactable::put_object(tx, &obj, *key, ObjType::Map)?,
            Some(_) => return Err(WriteError::NotAMap(path[..=i].join("/"))),
        };
    }
    Ok(obj)
}

/// Replace concurrent versions of the map at `parent[key]` by one map with
/// the union of their fields (the shown version first).
fn fold_versions<D: Writer>(
    tx: &mut D,
    parent: &ObjId,
    key: &str,
    shown: ObjId,
    versions: &[ObjId],
) -> Result<ObjId, WriteError> {
    let hydrate::Value::Map(mut merged) = tx.hydrate(&shown, None)? else {
        return Ok(shown);
    };
    for id in versions {
        if *id == shown {
            continue;
        }
        if let hydrate::Value::Map(other) = tx.hydrate(id, None)? {
            for (k, val) in other.iter() {
                if !merged.contains_key(k) {
                    merged.insert(k.to_string(), val.clone());
                }
            }
        }
    }
    Ok(tx.batch_create_object(parent, key, &hydrate::Value::Map(merged), false)?)
}

/// Writes one record `value` under `id` in the map at `path`, e.g.
/// `put_entry(tx, &["staff"], "p1", &person)` or
/// `put_entry(tx, &["inspections", "k1", "shortcomings"], "h1", &follow_up)`.
pub fn put_entry<D: Writer, T: Reconcile>(
    tx: &mut D,
    path: &[&str],
    id: &str,
    value: &T,
) -> Result<(), WriteError> {
    let obj = ensure_map(tx, path)?;
    reconcile_prop(tx, &obj, id, value)?;
    Ok(())
}

/// Writes one field of the object at `path`, e.g.
/// `put_field(tx, &["staff", "p1"], "position", &"Chuyên viên")`.
pub fn put_field<D: Writer, T: Reconcile>(
    tx: &mut D,
    path: &[&str],
    key: &str,
    value: &T,
) -> Result<(), WriteError> {
    let obj = ensure_map(tx, path)?;
    reconcile_prop(tx, &obj, key, value)?;
    Ok(())
}

/// Deletes the record `id` from the map at `path` (nothing if absent).
pub fn delete_entry<D: Doc>(tx: &mut D, path: &[&str], id: &str) -> Result<(), WriteError> {
    let mut obj = ROOT;
    for key in path {
        obj = match tx.get(&obj, *key)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => return Ok(()),
        };
    }
    if tx.get(&obj, id)?.is_some() {
        tx.delete(&obj, id)?;
    }
    Ok(())
}

/// Writes a whole cluster document (keys outside the schema are kept).
pub fn write_cluster<D: Doc>(tx: &mut D, cluster: &ClusterDoc) -> Result<(), WriteError> {
    reconcile(tx, cluster)?;
    Ok(())
}

/// Writes a whole office document (keys outside the schema are kept).
pub fn write_office<D: Doc>(tx: &mut D, office: &OfficeDoc) -> Result<(), WriteError> {
    reconcile(tx, office)?;
    Ok(())
}
