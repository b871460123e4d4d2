//! Migration of older documents to the current schema, inside a
//! transaction: the app runs [`migrate`] when it opens a document its
//! office may write and [`needs_migration`] says so; the change then syncs
//! like any edit (and the relay validates it like any edit).
//!
//! Version 1 → 2 keeps everything version 1 had (`name`, `year`, `leader`,
//! `deputy`, `criteria`, `selfScores`: same keys, same shapes) and adds:
//! - office: the empty record maps (`staff`, `registrations`, …) and
//!   `leadingVote: null`;
//! - cluster: `sections` made from the criteria's section titles (ids `S1`,
//!   `S2`, … in order of the criteria ids), each criterion's `section` set to
//!   its section id and an `order`; `members` seeded from the directory the
//!   device holds (the leader edits them afterwards); the empty maps
//!   (`movements`, `plans`, `deadlines`), `covenant` and `ruleSettings`.
//!
//! Version 2 → 3 adds to the office the empty `targets` map (chỉ tiêu per
//! year); version 3 → 4 the office's empty `inspectionFollowUps` and the
//! cluster's empty `inspections` (inspections the cluster owns); version
//! 4 → 5 the office's empty `reviews` (review rounds per year and period,
//! [`super::review`]): the top-level `selfScores`, `peerReviews` and
//! `leadingVote` stay where they are and read as the year-end round of
//! the cluster's year. Nothing else changes.
//!
//! Two devices of one office migrating the same document while offline
//! would each create the new maps; automerge keeps one of each pair, so
//! records added to the other before syncing are hidden (still in the
//! history, visible through [`super::conflict::conflicts`]). Migrate while
//! online, right after opening, to keep that window small.

use std::collections::BTreeMap;

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjType, ROOT, ReadDoc, ScalarValue};
use autosurgeon::reconcile_prop;

use super::cluster_doc::{Covenant, Member, RuleSettings};
use super::read;
use super::{MIN_SCHEMA_VERSION, SCHEMA_VERSION};
use crate::cluster::Directory;

/// The record maps every current office document has.
pub const OFFICE_MAPS: &[&str] = &[
    "staff",
    "registrations",
    "targets",
    "inspectionFollowUps",
    "covenantSignatures",
    "selfScores",
    "peerReviews",
    "reviews",
    "inspections",
    "exemplaryModels",
    "evaluations",
    "collectiveEvaluations",
    "proposals",
    "decisions",
];

/// The record maps every current cluster document has.
pub const CLUSTER_MAPS: &[&str] = &[
    "members",
    "movements",
    "plans",
    "sections",
    "criteria",
    "deadlines",
    "inspections",
];

/// Why a document could not be migrated.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "schema version {0} is newer than this app knows ({SCHEMA_VERSION}); update the app / \
         phiên bản dữ liệu {0} mới hơn ứng dụng hỗ trợ ({SCHEMA_VERSION}); hãy cập nhật ứng dụng"
    )]
    TooNew(i64),
    #[error(
        "the document has no readable schema version or kind / \
         tài liệu không có phiên bản dữ liệu hoặc loại tài liệu hợp lệ"
    )]
    NotASchemaDocument,
    #[error(transparent)]
    Automerge(#[from] automerge::AutomergeError),
    #[error(transparent)]
    Reconcile(#[from] autosurgeon::ReconcileError),
}

/// What a migration did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migrated {
    pub from: i64,
    pub to: i64,
}

/// The document's schema version, when it has a whole number there.
pub fn schema_version<R: ReadDoc>(doc: &R) -> Option<i64> {
    read::number(doc, &ROOT, "schemaVersion")
        .filter(|v| v.fract() == 0.0)
        .map(|v| v as i64)
}

/// Whether [`migrate`] would change the document.
pub fn needs_migration<R: ReadDoc>(doc: &R) -> bool {
    schema_version(doc).is_some_and(|v| (MIN_SCHEMA_VERSION..SCHEMA_VERSION).contains(&v))
}

/// Brings the document in `tx` to [`SCHEMA_VERSION`]. `directory` seeds the
/// members of a cluster document that has none. Returns `None` when the
/// document is already current.
pub fn migrate(
    tx: &mut Transaction<'_>,
    directory: Option<&Directory>,
) -> Result<Option<Migrated>, MigrateError> {
    let version = schema_version(tx).ok_or(MigrateError::NotASchemaDocument)?;
    if version > SCHEMA_VERSION {
        return Err(MigrateError::TooNew(version));
    }
    if version >= SCHEMA_VERSION {
        return Ok(None);
    }
    if version < MIN_SCHEMA_VERSION {
        return Err(MigrateError::NotASchemaDocument);
    }
    match read::text(tx, &ROOT, "kind").as_deref() {
        Some("office") => {
            if version < 2 {
                office_v1_to_v2(tx)?;
            }
            // 2 → 3 → 4 → 5: the maps added since (`targets`,
            // `inspectionFollowUps`, `reviews`).
            ensure_maps(tx, OFFICE_MAPS)?;
        }
        Some("cluster") => {
            if version < 2 {
                cluster_v1_to_v2(tx, directory)?;
            }
            // 3 → 4: the cluster's `inspections`.
            ensure_maps(tx, CLUSTER_MAPS)?;
        }
        _ => return Err(MigrateError::NotASchemaDocument),
    }
    tx.put(ROOT, "schemaVersion", SCHEMA_VERSION)?;
    Ok(Some(Migrated {
        from: version,
        to: SCHEMA_VERSION,
    }))
}

fn ensure_maps(tx: &mut Transaction<'_>, keys: &[&str]) -> Result<(), MigrateError> {
    for key in keys {
        if !read::present(tx, &ROOT, *key) {
            tx.put_object(ROOT, *key, ObjType::Map)?;
        }
    }
    Ok(())
}

fn office_v1_to_v2(tx: &mut Transaction<'_>) -> Result<(), MigrateError> {
    ensure_maps(tx, OFFICE_MAPS)?;
    if !read::present(tx, &ROOT, "leadingVote") {
        tx.put(ROOT, "leadingVote", ScalarValue::Null)?;
    }
    if !read::present(tx, &ROOT, "name") {
        tx.put(ROOT, "name", "")?;
    }
    Ok(())
}

fn cluster_v1_to_v2(
    tx: &mut Transaction<'_>,
    directory: Option<&Directory>,
) -> Result<(), MigrateError> {
    ensure_maps(tx, CLUSTER_MAPS)?;
    if !read::present(tx, &ROOT, "deputy") {
        tx.put(ROOT, "deputy", "")?;
    }
    if !read::present(tx, &ROOT, "covenant") {
        reconcile_prop(tx, ROOT, "covenant", Covenant::default())?;
    }
    if !read::present(tx, &ROOT, "ruleSettings") {
        reconcile_prop(tx, ROOT, "ruleSettings", RuleSettings::default())?;
    }
    sections_from_titles(tx)?;
    // A key of the wrong type is left alone (validation reports it).
    if let Some(members) = read::map(tx, &ROOT, "members")
        && let Some(dir) = directory
        && read::keys(tx, &members).is_empty()
    {
        for o in &dir.offices {
            let member = Member {
                code: o.code.clone(),
                name: o.name.clone(),
                province: o.province.clone(),
                ..Member::default()
            };
            reconcile_prop(tx, &members, o.code.as_str(), member)?;
        }
    }
    Ok(())
}

/// Version 1 kept the section title in each criterion; version 2 keeps
/// sections apart and refers to them by id.
fn sections_from_titles(tx: &mut Transaction<'_>) -> Result<(), MigrateError> {
    let (Some(criteria), Some(sections)) = (
        read::map(tx, &ROOT, "criteria"),
        read::map(tx, &ROOT, "sections"),
    ) else {
        return Ok(());
    };
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for key in read::keys(tx, &sections) {
        if let Some(s) = read::map(tx, &sections, key.as_str())
            && let Some(title) = read::text(tx, &s, "title")
        {
            ids.insert(title, key);
        }
    }
    for (i, id) in read::keys(tx, &criteria).into_iter().enumerate() {
        let Some(c) = read::map(tx, &criteria, id.as_str()) else {
            continue;
        };
        if !read::present(tx, &c, "order") {
            tx.put(&c, "order", i as i64 + 1)?;
        }
        let Some(title) = read::text(tx, &c, "section") else {
            continue;
        };
        if read::keys(tx, &sections).contains(&title) {
            continue;
        }
        let section_id = match ids.get(&title) {
            Some(existing) => existing.clone(),
            None => {
                let mut next = ids.len() + 1;
                while read::present(tx, &sections, format!("S{next}")) {
                    next += 1;
                }
                let new_id = format!("S{next}");
                let s = tx.put_object(&sections, new_id.as_str(), ObjType::Map)?;
                tx.put(&s, "title", title.as_str())?;
                tx.put(&s, "order", next as i64)?;
                ids.insert(title.clone(), new_id.clone());
                new_id
            }
        };
        tx.put(&c, "section", section_id)?;
    }
    Ok(())
}
