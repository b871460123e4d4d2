//! A small real cluster and the edits its devices make.
//!
//! The cluster is the demo's (its scoring table C1–C6, leader LSN, deputy
//! CBG) cut to a few offices, with document ids drawn from the seed (so which shard serves
//! which document changes from seed to seed). The relay starts with one
//! snapshot per document; devices start empty and fetch everything.
//!
//! Edits are what the app makes, through the same gated [`Core::change`]:
//! self-scores within the criterion's maximum, notes, and (the leader's
//! devices) new criteria in the cluster document, often scored right away
//! in the office document. Invalid edits skip the device's own gate, as a
//! modified client would: a score above the criterion's maximum (refused
//! after the relay held it for the cluster document, `defer_ms`), a write
//! to another office's document, a non-leader's write to the cluster
//! document (both refused as not writable).

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT};

use super::{MemoryStorage, SeededRng};
use crate::cluster::{ClusterPolicy, Directory, OfficeEntry};
use crate::core::{ChangeError, CommitMeta, Core, PeerAuth};
use crate::protocol::DocumentId;
use crate::schema::{self, read};
use crate::storage::{Chunk, ChunkKind};

/// The cluster a run uses.
pub struct Fixture {
    pub policy: ClusterPolicy,
    pub cluster: DocumentId,
    /// Office code and document, the leader's first.
    pub offices: Vec<(String, DocumentId)>,
    pub leader: String,
    /// The relay's storage at the start: one snapshot per document.
    pub storage: MemoryStorage,
    /// Every change in the starting documents.
    pub initial: BTreeSet<ChangeHash>,
}

impl Fixture {
    /// `offices` offices of the demo cluster (LSN, the leader, first).
    pub fn new(offices: usize, rng: &mut SeededRng) -> Self {
        let mut id = || {
            let mut b = [0u8; 16];
            for chunk in b.chunks_mut(8) {
                chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
            }
            DocumentId::from_bytes(b)
        };
        let cluster = id();
        let entries: Vec<OfficeEntry> = crate::demo::DEMO_PROVINCES
            .iter()
            .take(offices.max(1))
            .map(|(code, province)| OfficeEntry {
                code: code.to_string(),
                name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh {province}"),
                province: province.to_string(),
                url: id().url(),
            })
            .collect();
        let directory = Directory {
            cluster: crate::demo::DEMO_CLUSTER_NAME.into(),
            cluster_url: cluster.url(),
            former: Vec::new(),
            offices: entries.clone(),
        };
        // The demo's scoring table and leadership, members cut to these
        // offices (the local gate reads the whole cluster document on every
        // edit: a small one keeps runs quick).
        let mut table = schema::ClusterDoc::new(crate::demo::DEMO_CLUSTER_NAME, 2026, "LSN", "CBG");
        for o in &entries {
            let member = schema::Member {
                code: o.code.clone(),
                name: o.name.clone(),
                province: o.province.clone(),
                valid_from: None,
                valid_until: None,
                predecessors: Vec::new(),
                province_system_from: None,
            };
            table.members.insert(o.code.clone(), member);
        }
        table.add_criteria(crate::demo::DEMO_CRITERIA);
        let mut docs = vec![(cluster, fixed_doc(&table))];
        let mut list = Vec::new();
        for o in &entries {
            let doc = DocumentId::from_url(&o.url).expect("an id made above");
            docs.push((doc, fixed_doc(&schema::OfficeDoc::new(&o.code, &o.name))));
            list.push((o.code.clone(), doc));
        }
        let mut storage = MemoryStorage::default();
        let mut initial = BTreeSet::new();
        for (id, doc) in &docs {
            initial.extend(doc.get_changes(&[]).iter().map(|c| c.hash()));
            let c = Chunk::new(*id, ChunkKind::Snapshot, doc.save());
            storage.chunks.insert(c.key, c.bytes);
        }
        Self {
            policy: ClusterPolicy::new(directory),
            cluster,
            offices: list,
            leader: "LSN".into(),
            storage,
            initial,
        }
    }

    /// Every document, the cluster document first.
    pub fn docs(&self) -> Vec<DocumentId> {
        std::iter::once(self.cluster)
            .chain(self.offices.iter().map(|(_, d)| *d))
            .collect()
    }

    pub fn office_doc(&self, code: &str) -> DocumentId {
        self.offices
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, d)| *d)
            .expect("an office of the fixture")
    }
}

/// A new document holding `value`, as `schema::new_cluster_doc` and
/// `new_office_doc` make them, but by a fixed author: the same changes
/// (and hashes) on every run of a seed.
fn fixed_doc<T: autosurgeon::Reconcile>(value: &T) -> Automerge {
    let mut doc = Automerge::new().with_actor(automerge::ActorId::from(&b"fixture"[..]));
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, value).expect("writing a fresh document cannot fail");
    tx.commit();
    doc
}

/// What an edit was meant to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Passes the device's gate; the relay must accept it.
    Valid,
    /// Breaks a rule (a score above its maximum); skips the device's gate.
    /// The relay refuses it, unless a later change of the same message
    /// repairs the state (the gate judges the state a message leaves).
    Invalid,
    /// Writes what the device may not write; skips the device's gate. The
    /// relay must never store it.
    Forbidden,
}

impl Intent {
    /// Whether the relay must not accept it as it is.
    pub fn bad(self) -> bool {
        self != Intent::Valid
    }
}

/// An edit made: its change, document and intent, and what it was.
#[derive(Debug)]
pub struct Made {
    pub hash: ChangeHash,
    pub doc: DocumentId,
    pub intent: Intent,
    pub what: String,
}

type Edit<'a> = Box<
    dyn FnOnce(
            &mut automerge::transaction::Transaction<'_>,
        ) -> Result<(), automerge::AutomergeError>
        + 'a,
>;

fn commit(
    core: &mut Core<ClusterPolicy>,
    doc: DocumentId,
    gate: Option<&PeerAuth>,
    intent: Intent,
    what: String,
    edit: Edit<'_>,
) -> Option<Made> {
    let meta = CommitMeta {
        message: None,
        time_secs: None,
    };
    match core.change(&doc, gate, meta, edit) {
        Ok(Some(hash)) => Some(Made {
            hash,
            doc,
            intent,
            what,
        }),
        Ok(None) | Err(ChangeError::NotLoaded(_)) => None,
        Err(e) => panic!("the edit \"{what}\" failed on the device: {e}"),
    }
}

/// The map at `obj[key]`, made if missing.
fn map_at(
    tx: &mut automerge::transaction::Transaction<'_>,
    obj: &automerge::ObjId,
    key: &str,
) -> Result<automerge::ObjId, automerge::AutomergeError> {
    match read::map(tx, obj, key) {
        Some(m) => Ok(m),
        None => tx.put_object(obj, key, ObjType::Map),
    }
}

fn score(
    points: i64,
    crit: String,
    note: String,
) -> impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), automerge::AutomergeError>
{
    move |tx| {
        let scores = map_at(tx, &ROOT, "selfScores")?;
        let s = map_at(tx, &scores, &crit)?;
        tx.put(&s, "points", points)?;
        tx.put(&s, "note", note)?;
        Ok(())
    }
}

/// The criteria of the device's copy of the cluster document, with maxima.
fn criteria(cluster: &Automerge) -> Vec<(String, i64)> {
    let Some(table) = read::map(cluster, &ROOT, "criteria") else {
        return Vec::new();
    };
    read::keys(cluster, &table)
        .into_iter()
        .filter_map(|k| {
            let max = schema::criterion_max(cluster, &k)?;
            Some((k, max as i64))
        })
        .collect()
}

/// One edit by a device of `office`, chosen by the seed; `invalid_permille`
/// of them invalid. `serial` makes new criterion ids unique.
pub fn edit(
    core: &mut Core<ClusterPolicy>,
    auth: &PeerAuth,
    office: &str,
    fx: &Fixture,
    rng: &mut SeededRng,
    invalid_permille: u64,
    serial: u64,
) -> Vec<Made> {
    let own = fx.office_doc(office);
    // Nothing to edit before the documents arrived from the relay.
    let synced = |d: &DocumentId| {
        core.doc(d)
            .is_some_and(|d| read::present(d, &ROOT, "schemaVersion"))
    };
    if !fx.docs().iter().all(synced) {
        return Vec::new();
    }
    let Some(cluster) = core.doc(&fx.cluster) else {
        return Vec::new();
    };
    let table = criteria(cluster);
    if table.is_empty() {
        return Vec::new();
    }
    let (crit, max) = table[rng.below(table.len() as u64) as usize].clone();
    let note = format!("ghi chú {serial}");
    if rng.below(1000) < invalid_permille {
        let (doc, intent, what, e): (DocumentId, Intent, String, Edit<'_>) = match rng.below(3) {
            0 => {
                let points = max + 1 + rng.below(20) as i64;
                (
                    own,
                    Intent::Invalid,
                    format!("score {crit}={points} above its maximum {max}"),
                    Box::new(score(points, crit, note)),
                )
            }
            1 if fx.offices.len() > 1 => {
                let others: Vec<&(String, DocumentId)> =
                    fx.offices.iter().filter(|(c, _)| c != office).collect();
                let (code, doc) = others[rng.below(others.len() as u64) as usize];
                (
                    *doc,
                    Intent::Forbidden,
                    format!("score {crit} in {code}'s document"),
                    Box::new(score(0, crit, note)),
                )
            }
            _ if office != fx.leader => (
                fx.cluster,
                Intent::Forbidden,
                "rename the cluster (not the leader)".into(),
                Box::new(move |tx: &mut automerge::transaction::Transaction<'_>| {
                    tx.put(ROOT, "name", note)
                }),
            ),
            _ => {
                let points = max + 1;
                (
                    own,
                    Intent::Invalid,
                    format!("score {crit}={points} above its maximum {max}"),
                    Box::new(score(points, crit, note)),
                )
            }
        };
        return commit(core, doc, None, intent, what, e)
            .into_iter()
            .collect();
    }
    if office == fx.leader && rng.below(5) == 0 {
        // A new criterion, often scored at once in the office's document.
        let id = format!("CX{serial}");
        let new = id.clone();
        let add: Edit<'_> = Box::new(move |tx| {
            let table = map_at(tx, &ROOT, "criteria")?;
            let first = read::keys(tx, &table).into_iter().next();
            let section = first
                .and_then(|k| read::map(tx, &table, k.as_str()))
                .and_then(|c| read::text(tx, &c, "section"))
                .unwrap_or_default();
            let c = tx.put_object(&table, &new, ObjType::Map)?;
            tx.put(&c, "section", section)?;
            tx.put(&c, "title", format!("Tiêu chí bổ sung {serial}"))?;
            tx.put(&c, "maxPoints", 10)?;
            tx.put(&c, "order", 100 + serial as i64)?;
            Ok(())
        });
        let mut made: Vec<Made> = commit(
            core,
            fx.cluster,
            Some(auth),
            Intent::Valid,
            format!("add criterion {id}"),
            add,
        )
        .into_iter()
        .collect();
        if !made.is_empty() && rng.below(3) != 0 {
            let points = rng.below(11) as i64;
            made.extend(commit(
                core,
                own,
                Some(auth),
                Intent::Valid,
                format!("score new {id}={points}"),
                Box::new(score(points, id, note)),
            ));
        }
        return made;
    }
    let points = rng.below(max as u64 + 1) as i64;
    commit(
        core,
        own,
        Some(auth),
        Intent::Valid,
        format!("score {crit}={points}"),
        Box::new(score(points, crit, note)),
    )
    .into_iter()
    .collect()
}
