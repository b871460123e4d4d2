//! The demo cluster: the northern mountain provinces after the 1 July 2025
//! merger, led by Lạng Sơn, created on the first `serve --demo` with a
//! full year of realistic work in every office ([`crate::demo_year`]).

use std::path::Path;

use automerge::Automerge;
use shared::cluster::{Directory, OfficeEntry};
use shared::protocol::DocumentId;
use shared::schema::{self, ClusterDoc, CriterionSeed, DateText, Member};
use shared::storage::{Chunk, ChunkKind};

use crate::demo_year;
use crate::store::{FileStore, StoreError};
use crate::tokens::{TokenError, random_bytes};

/// Province code, province name (after the 2025 merger).
pub const DEMO_PROVINCES: &[(&str, &str)] = &[
    ("LSN", "Lạng Sơn"),
    ("CBG", "Cao Bằng"),
    ("TQG", "Tuyên Quang"),
    ("LCI", "Lào Cai"),
    ("TNN", "Thái Nguyên"),
    ("PTO", "Phú Thọ"),
    ("SLA", "Sơn La"),
    ("DBN", "Điện Biên"),
    ("LCU", "Lai Châu"),
];

pub const DEMO_CLUSTER_NAME: &str =
    "Cụm thi đua Văn phòng Đoàn ĐBQH và HĐND các tỉnh miền núi phía Bắc";

/// The demo scoring table (bảng chấm điểm), 100 points in all.
pub const DEMO_CRITERIA: &[CriterionSeed<'static>] = &[
    CriterionSeed {
        id: "C1",
        section: "I. Công tác tham mưu",
        title: "Tham mưu tổ chức kỳ họp HĐND và hoạt động của Đoàn ĐBQH",
        max_points: 25,
    },
    CriterionSeed {
        id: "C2",
        section: "I. Công tác tham mưu",
        title: "Phục vụ tiếp xúc cử tri, tiếp công dân",
        max_points: 15,
    },
    CriterionSeed {
        id: "C3",
        section: "II. Phong trào thi đua",
        title: "Tổ chức, phát động phong trào thi đua thường xuyên và chuyên đề",
        max_points: 20,
    },
    CriterionSeed {
        id: "C4",
        section: "II. Phong trào thi đua",
        title: "Phát hiện, bồi dưỡng, nhân rộng gương điển hình tiên tiến",
        max_points: 15,
    },
    CriterionSeed {
        id: "C5",
        section: "III. Xây dựng cơ quan",
        title: "Cải cách hành chính, chuyển đổi số",
        max_points: 15,
    },
    CriterionSeed {
        id: "C6",
        section: "III. Xây dựng cơ quan",
        title: "Xây dựng tổ chức Đảng, đoàn thể vững mạnh",
        max_points: 10,
    },
];

/// Errors while creating the demo cluster.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

fn new_doc_id() -> Result<DocumentId, TokenError> {
    Ok(DocumentId::from_bytes(random_bytes::<16>()?))
}

fn store_doc(store: &FileStore, id: DocumentId, doc: &Automerge) -> Result<(), StoreError> {
    store.put_blocking(&Chunk::new(id, ChunkKind::Snapshot, doc.save()))
}

/// The years the demo holds: two years of history, then the cluster's year.
pub const DEMO_YEARS: std::ops::RangeInclusive<i32> = 2024..=2026;

/// Create the demo cluster's documents, seeded with a full year of work
/// ([`crate::demo_year`]), and return its directory.
pub fn create(store: &FileStore) -> Result<Directory, DemoError> {
    let cluster_id = new_doc_id()?;
    let mut offices = Vec::new();
    let mut ids = Vec::new();
    for (code, province) in DEMO_PROVINCES {
        let id = new_doc_id()?;
        offices.push(OfficeEntry {
            code: code.to_string(),
            name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh {province}"),
            province: province.to_string(),
            url: id.url(),
        });
        ids.push(id);
    }
    let (cluster, generated) = demo_documents(&offices);
    let shift = commit_time_shift(&generated);
    for (id, office) in ids.into_iter().zip(&generated) {
        let doc = demo_year::office_automerge(&office.doc, cluster.year, office.as_of, shift);
        store_doc(store, id, &doc)?;
    }
    store_doc(store, cluster_id, &schema::new_cluster_doc(&cluster))?;
    Ok(Directory {
        cluster: DEMO_CLUSTER_NAME.to_string(),
        cluster_url: cluster_id.url(),
        offices,
    })
}

/// How far to move the seeded commit times so that the newest is an hour
/// ago: the offices keep their gaps (one weeks behind the others), and
/// whatever is typed after the demo starts is newer than the seed.
fn commit_time_shift(generated: &[demo_year::GeneratedOffice]) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let newest = generated
        .iter()
        .map(|g| demo_year::commit_time(g.as_of))
        .max()
        .unwrap_or(now);
    if now == 0 { 0 } else { now - 3600 - newest }
}

/// The demo's cluster document and office data (deterministic: the same
/// every time, whatever the document ids).
pub fn demo_documents(offices: &[OfficeEntry]) -> (ClusterDoc, Vec<demo_year::GeneratedOffice>) {
    let mut cluster = demo_cluster(offices);
    demo_year::seed_cluster(&mut cluster);
    let specs: Vec<demo_year::OfficeSpec> = offices
        .iter()
        .map(|o| demo_year::OfficeSpec {
            code: o.code.clone(),
            name: o.name.clone(),
            province: o.province.clone(),
        })
        .collect();
    let generated = demo_year::generate(
        &cluster,
        &specs,
        DEMO_YEARS,
        demo_year::DEMO_SEED,
        |code, _| demo_year::demo_scenario(code),
    );
    (cluster, generated)
}

/// Offices that merged on 1 July 2025: code, province, successor's code.
pub const DEMO_FORMER_PROVINCES: &[(&str, &str, &str)] = &[
    ("HGG", "Hà Giang", "TQG"),
    ("YBI", "Yên Bái", "LCI"),
    ("BKN", "Bắc Kạn", "TNN"),
    ("HBH", "Hòa Bình", "PTO"),
];

/// The demo cluster document: the current members (merged provinces from
/// 1 July 2025, with their predecessors kept as former members), leader
/// Lạng Sơn, deputy Cao Bằng, and the demo scoring table.
pub fn demo_cluster(offices: &[OfficeEntry]) -> ClusterDoc {
    let mut cluster = ClusterDoc::new(DEMO_CLUSTER_NAME, 2026, "LSN", "CBG");
    let merger = DateText::from("2025-07-01");
    for o in offices {
        let predecessors: Vec<String> = DEMO_FORMER_PROVINCES
            .iter()
            .filter(|(_, _, successor)| *successor == o.code)
            .map(|(code, _, _)| code.to_string())
            .collect();
        let member = Member {
            code: o.code.clone(),
            name: o.name.clone(),
            province: o.province.clone(),
            valid_from: (!predecessors.is_empty()).then(|| merger.clone()),
            valid_until: None,
            predecessors,
        };
        cluster.members.insert(o.code.clone(), member);
    }
    for (code, province, _) in DEMO_FORMER_PROVINCES {
        let member = Member {
            code: code.to_string(),
            name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh {province}"),
            province: province.to_string(),
            valid_from: None,
            valid_until: Some(DateText::from("2025-06-30")),
            predecessors: Vec::new(),
        };
        cluster.members.insert(code.to_string(), member);
    }
    cluster.add_criteria(DEMO_CRITERIA);
    cluster
}

/// Read the directory of a data directory, if one was set up.
pub fn read_directory(data_dir: &Path) -> Result<Option<Directory>, String> {
    let path = data_dir.join("cluster.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            format!(
                "{} is damaged ({e}); restore it from a backup",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("could not read {}: {e}", path.display())),
    }
}

/// Write the directory of a data directory atomically.
pub fn write_directory(data_dir: &Path, dir: &Directory) -> Result<(), StoreError> {
    let json = serde_json::to_vec_pretty(dir).expect("directory serializes");
    crate::store::write_atomically(&data_dir.join("cluster.json"), &json)
}
