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
//!
//! A review round (`reviews/<round>`) is a large record: every criterion's
//! self-score and every other office's peer review of the period. A change
//! to one score there is placed one level deeper, at its entry
//! (`reviews/<round>/selfScores/<criterion>`, [`Touched::entries`]), so
//! scoring one criterion reads one score again, not the round.

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
    /// Review rounds touched only in some entries of their self-scores or
    /// peer reviews: round id → (section, entry key). A round read again
    /// whole (in `records["reviews"]`) has no entries here.
    pub entries: BTreeMap<String, BTreeSet<(String, String)>>,
}

/// The root map of review rounds, whose entries are placed one by one.
pub(super) const REVIEWS: &str = "reviews";
/// The maps of entries inside a review round.
pub(super) const ROUND_SECTIONS: &[&str] = &["selfScores", "peerReviews"];

/// No records: a root map read again only for the entries of some records.
static NO_RECORDS: BTreeSet<String> = BTreeSet::new();

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
        touched.settle();
        touched
    }

    /// Entries only where they are all there is to read: a round also
    /// touched whole, or the review map touched as a whole, reads them
    /// anyway; a key holding a '/' makes the paths of problems ambiguous, so
    /// its round is read whole.
    pub(super) fn settle(&mut self) {
        if self.everything || self.fields.contains(REVIEWS) {
            self.entries.clear();
            return;
        }
        let whole: Vec<String> = self
            .entries
            .iter()
            .filter(|(round, entries)| {
                round.contains('/') || entries.iter().any(|(_, entry)| entry.contains('/'))
            })
            .map(|(round, _)| round.clone())
            .collect();
        for round in whole {
            self.record(REVIEWS, &round);
        }
        if let Some(rounds) = self.records.get(REVIEWS) {
            self.entries.retain(|round, _| !rounds.contains(round));
        }
    }

    /// Reads the round `round` whole instead of entry by entry.
    pub(super) fn whole_round(&mut self, round: &str) {
        self.entries.remove(round);
        self.record(REVIEWS, round);
    }

    fn entry(&mut self, round: &str, section: &str, entry: &str) {
        self.entries
            .entry(round.to_string())
            .or_default()
            .insert((section.to_string(), entry.to_string()));
    }

    fn add(
        &mut self,
        doc: &Automerge,
        places: &mut HashMap<ObjId, Vec<Prop>>,
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
            (Place::Section(round, section), Key::Map(entry)) => {
                self.entry(&round, &section, entry)
            }
            (Place::Section(round, _), Key::Seq(_)) => self.record(REVIEWS, &round),
            (Place::Entry(round, section, entry), _) => self.entry(&round, &section, &entry),
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
        } else if key == REVIEWS && !self.entries.is_empty() {
            Want::Records(&NO_RECORDS)
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
        if root == REVIEWS && self.covers_entry(path) {
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

    /// Whether `path` (under `reviews`) is the review map itself (its record
    /// count), a section holding touched entries (its record count) or
    /// inside a touched entry.
    fn covers_entry(&self, path: &str) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let Some(rest) = path.strip_prefix(REVIEWS) else {
            return false;
        };
        let Some(rest) = rest.strip_prefix('/') else {
            return rest.is_empty();
        };
        self.entries.iter().any(|(round, entries)| {
            let Some(in_round) = rest
                .strip_prefix(round.as_str())
                .and_then(|r| r.strip_prefix('/'))
            else {
                return false;
            };
            entries.iter().any(|(section, entry)| {
                let Some(in_section) = in_round.strip_prefix(section.as_str()) else {
                    return false;
                };
                in_section.is_empty()
                    || in_section
                        .strip_prefix('/')
                        .and_then(|e| e.strip_prefix(entry.as_str()))
                        .is_some_and(|after| after.is_empty() || after.starts_with('/'))
            })
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
    /// A section map of a review round (`reviews/<round>/<section>`).
    Section(String, String),
    /// Inside an entry of a review round's section, at any depth:
    /// (round, section, entry).
    Entry(String, String, String),
    /// Inside a root list (read again whole).
    Field(String),
    Unknown,
}

/// Props kept of an object's path from the root: all that [`classify`]
/// reads.
const PLACE_DEPTH: usize = 4;

/// Where `obj` sits. The first [`PLACE_DEPTH`] props of each object's path
/// are kept, and a walk up stops at an ancestor already seen, so the
/// operations of one change cost their number, not their number times
/// their depth (a change nesting 20,000 maps is one step per map).
fn place(doc: &Automerge, paths: &mut HashMap<ObjId, Vec<Prop>>, obj: &ObjId) -> Place {
    if let Some(known) = paths.get(obj) {
        return classify(known);
    }
    let Ok(parents) = doc.parents(obj) else {
        return Place::Unknown;
    };
    // Props from `obj` up, until an ancestor already seen or the root.
    let mut below = Vec::new();
    let mut head = Vec::new();
    for parent in parents {
        below.push(parent.prop);
        if let Some(known) = paths.get(&parent.obj) {
            head = known.clone();
            break;
        }
    }
    for prop in below.into_iter().rev() {
        if head.len() == PLACE_DEPTH {
            break;
        }
        head.push(prop);
    }
    let found = classify(&head);
    paths.insert(obj.clone(), head);
    found
}

/// The place of the object at `path` (props from the root down).
fn classify(path: &[Prop]) -> Place {
    let section = |root: &str, s: &str| root == REVIEWS && ROUND_SECTIONS.contains(&s);
    match path {
        [Prop::Map(root)] => Place::RootMap(root.clone()),
        [Prop::Map(root), Prop::Seq(_), ..] => Place::Field(root.clone()),
        [Prop::Map(root), Prop::Map(round), Prop::Map(s)] if section(root, s) => {
            Place::Section(round.clone(), s.clone())
        }
        [
            Prop::Map(root),
            Prop::Map(round),
            Prop::Map(s),
            Prop::Map(entry),
            ..,
        ] if section(root, s) => Place::Entry(round.clone(), s.clone(), entry.clone()),
        [Prop::Map(root), Prop::Map(record), ..] => Place::Record(root.clone(), record.clone()),
        _ => Place::Unknown,
    }
}
