//! The cluster document (tài liệu của cụm thi đua), written only by the
//! office that leads the cluster (Cụm trưởng).
//!
//! It holds what the members share: the cluster's name and year, member
//! offices with their validity periods and predecessors (the 1 July 2025
//! province merger), leader and deputy (Cụm trưởng, Cụm phó), emulation
//! movements (phong trào thi đua), plans (kế hoạch), the covenant (giao ước
//! thi đua), the scoring table (bảng chấm điểm: sections and criteria),
//! deadlines (thời hạn) and rule settings.
//!
//! Every list is a map keyed by a stable id, so concurrent edits of one
//! record merge field by field and records added on two devices never
//! collide. Keys in the document are camelCase.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::inspection::ClusterInspection;
use super::value::{DateText, MovementKind, int, opt_count, points, year};
use super::{CriterionSeed, SCHEMA_VERSION};
use crate::domain::AwardingSystem;
use crate::domain::rules::{CapRounding, Date};

/// The whole cluster document.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterDoc {
    #[autosurgeon(rename = "schemaVersion", with = "int")]
    pub schema_version: i64,
    /// Always `"cluster"`.
    pub kind: String,
    /// Cluster name, e.g. "Cụm thi đua … các tỉnh miền núi phía Bắc".
    pub name: String,
    /// The emulation year the document is set up for (năm thi đua).
    #[autosurgeon(with = "year")]
    pub year: i32,
    /// Office code of the leader (Cụm trưởng); it alone writes this document.
    #[autosurgeon(missing = "Default::default")]
    pub leader: String,
    /// Office code of the deputy (Cụm phó); empty when none.
    #[autosurgeon(missing = "Default::default")]
    pub deputy: String,
    /// Member offices, current and former, keyed by office code.
    #[autosurgeon(missing = "Default::default")]
    pub members: BTreeMap<String, Member>,
    /// Emulation movements (phong trào thi đua), keyed by id.
    #[autosurgeon(missing = "Default::default")]
    pub movements: BTreeMap<String, Movement>,
    /// Plans (kế hoạch), keyed by id.
    #[autosurgeon(missing = "Default::default")]
    pub plans: BTreeMap<String, Plan>,
    /// The covenant (giao ước thi đua).
    #[autosurgeon(missing = "Default::default")]
    pub covenant: Covenant,
    /// Sections of the scoring table (phần), keyed by id.
    #[autosurgeon(missing = "Default::default")]
    pub sections: BTreeMap<String, Section>,
    /// Criteria of the scoring table (tiêu chí), keyed by criterion id.
    #[autosurgeon(missing = "Default::default")]
    pub criteria: BTreeMap<String, Criterion>,
    /// Deadlines (thời hạn), keyed by id, e.g. registration by 25/3.
    #[autosurgeon(missing = "Default::default")]
    pub deadlines: BTreeMap<String, Deadline>,
    /// Rule settings that override the rule set in force.
    #[autosurgeon(rename = "ruleSettings", missing = "Default::default")]
    pub rule_settings: RuleSettings,
    /// The cluster's inspections (kế hoạch và kết luận kiểm tra), keyed by
    /// id; only the leading office writes them.
    #[autosurgeon(missing = "Default::default")]
    pub inspections: BTreeMap<String, ClusterInspection>,
}

/// A member office (đơn vị thành viên), current or former.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Office code, the same as the map key, e.g. `TQG`.
    #[autosurgeon(missing = "Default::default")]
    pub code: String,
    /// Vietnamese name, e.g. "Văn phòng Đoàn ĐBQH và HĐND tỉnh Tuyên Quang".
    #[autosurgeon(missing = "Default::default")]
    pub name: String,
    /// Province (tỉnh), e.g. "Tuyên Quang".
    #[autosurgeon(missing = "Default::default")]
    pub province: String,
    /// First day of membership / existence (e.g. 2025-07-01 for a merged
    /// province); `None` = since before records began.
    #[autosurgeon(rename = "validFrom", missing = "Default::default")]
    pub valid_from: Option<DateText>,
    /// Last day (e.g. 2025-06-30 for Hà Giang); `None` = still a member.
    #[autosurgeon(rename = "validUntil", missing = "Default::default")]
    pub valid_until: Option<DateText>,
    /// Codes of the offices this one continues (e.g. TQG ← HGG), so that
    /// records from before the merger keep the old office's name.
    #[autosurgeon(missing = "Default::default")]
    pub predecessors: Vec<String>,
    /// The day the office moved from the National Assembly Office's
    /// emulation system to the province's (when "Văn phòng Đoàn ĐBQH tỉnh"
    /// merged into "Văn phòng Đoàn ĐBQH và HĐND tỉnh"); `None` = the
    /// province's for as long as records go.
    #[autosurgeon(rename = "provinceSystemFrom", missing = "Default::default")]
    pub province_system_from: Option<DateText>,
}

impl Member {
    /// Whether the office existed as a member on `date`. Unreadable dates
    /// do not restrict (validation reports them).
    pub fn is_valid_on(&self, date: Date) -> bool {
        let from = self.valid_from.as_ref().and_then(DateText::date);
        let until = self.valid_until.as_ref().and_then(DateText::date);
        from.is_none_or(|f| f <= date) && until.is_none_or(|u| date <= u)
    }

    /// The emulation system the office belonged to on `date` (who awarded
    /// its Bằng khen and Cờ thi đua).
    pub fn awarding_system(&self, date: Date) -> AwardingSystem {
        let from = self.province_system_from.as_ref().and_then(DateText::date);
        AwardingSystem::on(date, from)
    }

    /// Whether the office was a member on some day of `year`.
    pub fn is_valid_in_year(&self, year: i32) -> bool {
        let from = self.valid_from.as_ref().and_then(DateText::date);
        let until = self.valid_until.as_ref().and_then(DateText::date);
        from.is_none_or(|f| f <= Date::last_of_year(year))
            && until.is_none_or(|u| u >= Date::first_of_year(year))
    }
}

/// An emulation movement (phong trào thi đua).
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Movement {
    /// e.g. "Cả nước chung tay vì người nghèo – Không để ai bị bỏ lại phía sau".
    #[autosurgeon(missing = "Default::default")]
    pub name: String,
    /// Regular (thường xuyên) or themed (chuyên đề).
    #[autosurgeon(missing = "Default::default")]
    pub kind: MovementKind,
    /// Launch date (ngày phát động).
    #[autosurgeon(rename = "startDate", missing = "Default::default")]
    pub start_date: Option<DateText>,
    /// End date (ngày kết thúc), for themed movements.
    #[autosurgeon(rename = "endDate", missing = "Default::default")]
    pub end_date: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub description: String,
}

/// A plan (kế hoạch), e.g. "15/KH-CTĐ".
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Document number (số, ký hiệu); empty while a draft.
    #[autosurgeon(missing = "Default::default")]
    pub number: String,
    #[autosurgeon(missing = "Default::default")]
    pub date: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub title: String,
}

/// The covenant (giao ước thi đua) the members sign.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Covenant {
    #[autosurgeon(missing = "Default::default")]
    pub title: String,
    /// The full text (nội dung giao ước).
    #[autosurgeon(missing = "Default::default")]
    pub text: String,
    /// Signing date (ngày ký kết).
    #[autosurgeon(missing = "Default::default")]
    pub date: Option<DateText>,
}

/// A section of the scoring table (phần), e.g. "I. Công tác tham mưu".
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    #[autosurgeon(missing = "Default::default")]
    pub title: String,
    /// Display order (thứ tự).
    #[autosurgeon(with = "int", missing = "Default::default")]
    pub order: i64,
}

/// A criterion of the scoring table (tiêu chí chấm điểm).
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Criterion {
    /// Section id (a key of `sections`). Version 1 documents held the
    /// section title here; migration turns it into an id.
    #[autosurgeon(missing = "Default::default")]
    pub section: String,
    #[autosurgeon(missing = "Default::default")]
    pub title: String,
    /// Maximum points (điểm tối đa), above zero.
    #[autosurgeon(rename = "maxPoints", with = "points")]
    pub max_points: f64,
    /// Display order within the section.
    #[autosurgeon(with = "int", missing = "Default::default")]
    pub order: i64,
    /// How to score it (hướng dẫn chấm).
    #[autosurgeon(missing = "Default::default")]
    pub description: String,
}

/// A deadline (thời hạn), e.g. "Đăng ký thi đua" by 2026-03-25.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deadline {
    #[autosurgeon(missing = "Default::default")]
    pub name: String,
    #[autosurgeon(missing = "Default::default")]
    pub date: DateText,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
}

/// Rule settings of the cluster (cấu hình quy tắc).
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSettings {
    /// Whether the cluster sets its own cap on Chiến sĩ thi đua cơ sở
    /// (false: the rule set's cap applies).
    #[autosurgeon(rename = "overrideCstdcsCap", missing = "Default::default")]
    pub override_cstdcs_cap: bool,
    /// The cluster's cap, in percent of the individuals awarded Lao động
    /// tiên tiến, when overriding; `None` = no cap.
    #[autosurgeon(
        rename = "cstdcsCapPercent",
        with = "opt_count",
        missing = "Default::default"
    )]
    pub cstdcs_cap_percent: Option<u32>,
    /// How the cluster's cap rounds; `None` = as the rule set does.
    #[autosurgeon(rename = "cstdcsCapRounding", missing = "Default::default")]
    pub cstdcs_cap_rounding: Option<CapRounding>,
    /// The cluster's minimum allowed whenever someone is Lao động tiên
    /// tiến; `None` = as the rule set does.
    #[autosurgeon(
        rename = "cstdcsCapMinimum",
        with = "opt_count",
        missing = "Default::default"
    )]
    pub cstdcs_cap_minimum: Option<u32>,
    /// Id of the rule set to use instead of the one in force
    /// (e.g. `tdkt-2024-nd98`); `None` = the one in force for the year.
    #[autosurgeon(rename = "ruleSetId", missing = "Default::default")]
    pub rule_set_id: Option<String>,
}

impl ClusterDoc {
    /// An empty cluster document of the current schema version.
    pub fn new(name: &str, year: i32, leader: &str, deputy: &str) -> ClusterDoc {
        ClusterDoc {
            schema_version: SCHEMA_VERSION,
            kind: "cluster".to_string(),
            name: name.to_string(),
            year,
            leader: leader.to_string(),
            deputy: deputy.to_string(),
            ..ClusterDoc::default()
        }
    }

    /// Adds criteria (and their sections, by title, in order of appearance).
    pub fn add_criteria(&mut self, criteria: &[CriterionSeed<'_>]) {
        for (i, c) in criteria.iter().enumerate() {
            let section = self.section_id_for_title(c.section);
            self.criteria.insert(
                c.id.to_string(),
                Criterion {
                    section,
                    title: c.title.to_string(),
                    max_points: c.max_points as f64,
                    order: i as i64 + 1,
                    description: String::new(),
                },
            );
        }
    }

    /// The id of the section with this title, adding it (`S1`, `S2`, …) if new.
    pub fn section_id_for_title(&mut self, title: &str) -> String {
        if let Some((id, _)) = self.sections.iter().find(|(_, s)| s.title == title) {
            return id.clone();
        }
        let mut n = self.sections.len() + 1;
        while self.sections.contains_key(&format!("S{n}")) {
            n += 1;
        }
        let id = format!("S{n}");
        let order = self.sections.values().map(|s| s.order).max().unwrap_or(0) + 1;
        self.sections.insert(
            id.clone(),
            Section {
                title: title.to_string(),
                order,
            },
        );
        id
    }

    /// The maximum points of a criterion.
    pub fn criterion_max(&self, id: &str) -> Option<f64> {
        self.criteria.get(id).map(|c| c.max_points)
    }

    /// The scoring table in display order: by section order, then
    /// criterion order, then id.
    pub fn criteria_in_order(&self) -> Vec<(&str, &Criterion)> {
        let section_order =
            |c: &Criterion| self.sections.get(&c.section).map_or(i64::MAX, |s| s.order);
        let mut list: Vec<(&str, &Criterion)> =
            self.criteria.iter().map(|(k, c)| (k.as_str(), c)).collect();
        list.sort_by(|(ka, a), (kb, b)| {
            (section_order(a), a.order, *ka).cmp(&(section_order(b), b.order, *kb))
        });
        list
    }

    /// The sum of all maxima (tổng điểm tối đa).
    pub fn max_total(&self) -> f64 {
        self.criteria.values().map(|c| c.max_points).sum()
    }

    /// Members that were members on some day of `year`, by code.
    pub fn members_in_year(&self, year: i32) -> impl Iterator<Item = &Member> {
        self.members
            .values()
            .filter(move |m| m.is_valid_in_year(year))
    }

    /// The name under which office `code` acted on `date`: its own name if
    /// it was a member then, otherwise the name of the predecessor that was
    /// (so a 2024 record of Tuyên Quang's office shows Hà Giang's office).
    pub fn office_name_on(&self, code: &str, date: Date) -> Option<&str> {
        let mut seen = Vec::new();
        self.valid_office_on(code, date, &mut seen)
            .or_else(|| self.members.get(code))
            .map(|m| m.name.as_str())
    }

    /// `code` or one of its predecessors (depth first) that was a member on `date`.
    fn valid_office_on<'a>(
        &'a self,
        code: &str,
        date: Date,
        seen: &mut Vec<String>,
    ) -> Option<&'a Member> {
        if seen.iter().any(|s| s == code) {
            return None;
        }
        seen.push(code.to_string());
        let member = self.members.get(code)?;
        if member.is_valid_on(date) {
            return Some(member);
        }
        member
            .predecessors
            .iter()
            .find_map(|p| self.valid_office_on(p, date, seen))
    }
}
