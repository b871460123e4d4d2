//! What a set of changes touched, in the schema's terms: root fields and
//! records of the root maps (`staff/p1`, `evaluations/2026-p1`).
//!
//! Validation reads a document into typed values ([`super::load`]); reading
//! a whole office document costs milliseconds, and the relay validates
//! every incoming change. With [`Touched`], only the records a change could
//! have changed are read again ([`super::load::reload_office`]): an
//! operation only ever changes the value at its own object and key, so the
//! record holding that object (the first two steps of its path from the
//! root) is all that can differ. Objects never move in automerge, so the
//! path of an operation's object is fixed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::legacy::{Key, ObjectId};
use automerge::{Automerge, ChangeHash, ObjId, Prop, ReadDoc};

use super::read;

/// Root fields and records touched by changes (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// Read everything again (a change that could not be placed).
    pub everything: bool,
    /// Root fields touched as a whole: set, replaced or deleted at the root,
    /// or a root text or list edited.
    pub fields: BTreeSet<String>,
    /// Records touched inside root maps, by root key.
    pub records: BTreeMap<String, BTreeSet<String>>,
}

/// How much of one root field to read again.
pub(super) enum Want<'a> {
    Nothing,
    Whole,
    Records(&'a BTreeSet<String>),
}

impl Touched {
    /// Everything: what a first reading reads.
    pub fn everything() -> Self {
        Touched {
            everything: true,
            ..Touched::default()
        }
    }

    /// What the changes of `doc` since `heads` touched.
    pub fn since(doc: &Automerge, heads: &[ChangeHash]) -> Self {
        let mut touched = Touched::default();
        let mut places = HashMap::new();
        for change in doc.get_changes(heads) {
            for op in change.decode().operations {
                touched.add(doc, &mut places, &op.obj, &op.key);
                if touched.everything {
                    return touched;
                }
            }
        }
        touched
    }

    fn add(
        &mut self,
        doc: &Automerge,
        places: &mut HashMap<ObjId, Place>,
        obj: &ObjectId,
        key: &Key,
    ) {
        let place = match obj {
            ObjectId::Root => {
                match key {
                    Key::Map(k) => {
                        self.fields.insert(k.to_string());
                    }
                    Key::Seq(_) => self.everything = true,
                }
                return;
            }
            ObjectId::Id(id) => match doc.import_obj(&id.to_string()) {
                Ok(obj) => place(doc, places, &obj),
                Err(_) => Place::Unknown,
            },
        };
        match (place, key) {
            // An operation on a root map: its key is the record.
            (Place::RootMap(root), Key::Map(record)) => self.record(&root, record),
            (Place::RootMap(root) | Place::Field(root), _) => {
                self.fields.insert(root);
            }
            (Place::Record(root, record), _) => self.record(&root, &record),
            (Place::Unknown, _) => self.everything = true,
        }
    }

    fn record(&mut self, root: &str, record: &str) {
        self.records
            .entry(root.to_string())
            .or_default()
            .insert(record.to_string());
    }

    /// Adds the records whose ids extend a touched id past a `/` (or that a
    /// touched id extends): the paths of their problems cannot be told
    /// apart from the touched record's, so they are read again too.
    pub(super) fn widen<R: ReadDoc>(&mut self, doc: &R) {
        let nested = |a: &str, b: &str| {
            a.len() > b.len() && a.starts_with(b) && a[b.len()..].starts_with('/')
        };
        for (root, ids) in &mut self.records {
            let Some(map) = read::map(doc, &automerge::ROOT, root.as_str()) else {
                continue;
            };
            // Until nothing more is related ("a/b-c" brings "a", which
            // brings "a/b").
            loop {
                let related: Vec<String> = doc
                    .keys(&map)
                    .filter(|k| {
                        !ids.contains(k) && ids.iter().any(|id| nested(k, id) || nested(id, k))
                    })
                    .collect();
                if related.is_empty() {
                    break;
                }
                ids.extend(related);
            }
        }
    }

    /// How much of the root field `key` to read again.
    pub(super) fn want(&self, key: &str) -> Want<'_> {
        if self.everything || self.fields.contains(key) {
            Want::Whole
        } else if let Some(ids) = self.records.get(key) {
            Want::Records(ids)
        } else {
            Want::Nothing
        }
    }

    /// Whether a problem found at `path` (keys joined by `/`) may have
    /// changed: it is in a field or record read again, or it is the record
    /// count of a root map read again.
    pub(super) fn covers(&self, path: &str) -> bool {
        if self.everything {
            return true;
        }
        let root = path.split('/').next().unwrap_or_default();
        if self.fields.contains(root) {
            return true;
        }
        let Some(ids) = self.records.get(root) else {
            return false;
        };
        let Some(rest) = path[root.len()..].strip_prefix('/') else {
            return true; // the root map itself (its record count)
        };
        // A record key may itself hold '/'.
        ids.iter().any(|id| {
            rest.strip_prefix(id.as_str())
                .is_some_and(|after| after.is_empty() || after.starts_with('/'))
        })
    }
}

/// Where an object sits, in the schema's terms.
#[derive(Clone, Debug)]
enum Place {
    /// The object at a root key (a root map of records, a root text).
    RootMap(String),
    /// Inside a record of a root map (at any depth).
    Record(String, String),
    /// Inside a root list (read again whole).
    Field(String),
    Unknown,
}

/// Where `obj` sits. Walks up only until an ancestor already placed (every
/// object below a record is in that record), so the operations of one
/// change cost their number, not their number times their depth.
fn place(doc: &Automerge, places: &mut HashMap<ObjId, Place>, obj: &ObjId) -> Place {
    if let Some(known) = places.get(obj) {
        return known.clone();
    }
    let Ok(parents) = doc.parents(obj) else {
        return Place::Unknown;
    };
    // Props from `obj` up, until a placed ancestor or the root.
    let mut props = Vec::new();
    let mut ancestor = None;
    for parent in parents {
        props.push(parent.prop);
        if let Some(known) = places.get(&parent.obj) {
            ancestor = Some(known.clone());
            break;
        }
    }
    let found = match ancestor {
        Some(Place::RootMap(root)) => match props.last() {
            Some(Prop::Map(record)) => Place::Record(root, record.clone()),
            _ => Place::Field(root),
        },
        Some(inherited) => inherited,
        None => {
            let mut down = props.iter().rev();
            match (down.next(), down.next()) {
                (Some(Prop::Map(root)), None) => Place::RootMap(root.clone()),
                (Some(Prop::Map(root)), Some(Prop::Map(record))) => {
                    Place::Record(root.clone(), record.clone())
                }
                (Some(Prop::Map(root)), Some(Prop::Seq(_))) => Place::Field(root.clone()),
                _ => Place::Unknown,
            }
        }
    };
    places.insert(obj.clone(), found.clone());
    found
}
