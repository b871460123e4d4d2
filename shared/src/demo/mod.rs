//! The demo cluster's data (dữ liệu mẫu): the northern mountain provinces
//! after the 1 July 2025 merger, led by Lạng Sơn, with a full, realistic
//! TĐKT year in every office ([`year`], with [`records`] and [`names`]),
//! and synthetic clusters of any size for benchmarks ([`year::synthetic`]).
//!
//! Pure and deterministic (a fixed seed, no clock, no I/O), so the relay
//! (`serve --demo`, which stores it) and the app (a debug hook that builds
//! a synthetic cluster in the browser to time the dashboard) use the same
//! generator.

pub mod names;
pub mod records;
pub mod year;

#[cfg(test)]
pub(crate) mod tests;

use crate::cluster::{FormerOffice, OfficeEntry};
use crate::schema::{ClusterDoc, CriterionSeed, DateText, Member};

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

/// The years the demo holds: two years of history, then the cluster's year.
pub const DEMO_YEARS: std::ops::RangeInclusive<i32> = 2024..=2026;

/// What the generator needs of directory entries.
fn specs(offices: &[OfficeEntry]) -> Vec<year::OfficeSpec> {
    offices
        .iter()
        .map(|o| year::OfficeSpec {
            code: o.code.clone(),
            name: o.name.clone(),
            province: o.province.clone(),
        })
        .collect()
}

/// The demo's cluster document and office data (deterministic: the same
/// every time, whatever the document ids).
pub fn demo_documents(offices: &[OfficeEntry]) -> (ClusterDoc, Vec<year::GeneratedOffice>) {
    let mut cluster = demo_cluster(offices);
    year::seed_cluster(&mut cluster);
    let specs = specs(offices);
    let generated = year::generate(&cluster, &specs, DEMO_YEARS, year::DEMO_SEED, |code, _| {
        year::demo_scenario(code)
    });
    (cluster, generated)
}

/// The former offices' documents (Hà Giang, Yên Bái, Bắc Kạn, Hòa Bình):
/// each holds its own records, under its own name, from 2024 to its last
/// day as a member, 30 June 2025 (registrations and the mid-year review of
/// 2025 included). `former` are their directory entries.
pub fn demo_former_documents(
    cluster: &ClusterDoc,
    former: &[OfficeEntry],
) -> Vec<year::GeneratedOffice> {
    let closed = crate::domain::rules::Date::new(2025, 6, 30).expect("valid");
    let specs = specs(former);
    year::generate(cluster, &specs, 2024..=2025, year::DEMO_SEED, |_, _| {
        year::Scenario {
            closed_on: Some(closed),
            ..year::Scenario::default()
        }
    })
}

/// The directory entry of a former office of [`DEMO_FORMER_PROVINCES`]
/// whose document is at `url`.
pub fn demo_former_entry(code: &str, url: String) -> Option<FormerOffice> {
    let (_, province, successor) = DEMO_FORMER_PROVINCES.iter().find(|(c, _, _)| *c == code)?;
    Some(FormerOffice {
        entry: OfficeEntry {
            code: code.to_string(),
            name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh {province}"),
            province: province.to_string(),
            url,
        },
        successor: successor.to_string(),
        until: "2025-06-30".to_string(),
    })
}

/// Offices that merged on 1 July 2025: code, province, successor's code.
pub const DEMO_FORMER_PROVINCES: &[(&str, &str, &str)] = &[
    ("HGG", "Hà Giang", "TQG"),
    ("YBI", "Yên Bái", "LCI"),
    ("BKN", "Bắc Kạn", "TNN"),
    ("HBH", "Hòa Bình", "PTO"),
];

/// Successors that were members before the merger under the same name:
/// Lào Cai's office continues itself (its records before 1 July 2025 are the
/// former Lào Cai office's, named so) and Yên Bái's office.
pub const DEMO_MEMBERS_BEFORE_MERGER: &[&str] = &["LCI"];

/// The demo cluster document: the current members (merged provinces from
/// 1 July 2025, with their predecessors kept as former members; Lào Cai a
/// member throughout), leader Lạng Sơn, deputy Cao Bằng, and the demo
/// scoring table.
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
            valid_from: (!predecessors.is_empty()
                && !DEMO_MEMBERS_BEFORE_MERGER.contains(&o.code.as_str()))
            .then(|| merger.clone()),
            valid_until: None,
            predecessors,
            province_system_from: None,
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
            province_system_from: None,
        };
        cluster.members.insert(code.to_string(), member);
    }
    cluster.add_criteria(DEMO_CRITERIA);
    cluster
}
