//! The pipelines: exemplary models per stage (gương điển hình tiên tiến:
//! phát hiện → bồi dưỡng → lựa chọn → giới thiệu → đăng ký → đề nghị khen
//! thưởng) and inspection follow-ups still open (kiến nghị, hạn chế sau
//! kiểm tra chưa thực hiện xong).
//!
//! A model belongs to a year when one of its stage dates falls in it (an
//! undated model belongs to the cluster's year). An open follow-up is
//! listed for every year from its inspection's on, until it is done.

use serde::{Deserialize, Serialize};

use super::codes::code;
use crate::domain::names::NameSortKey;
use crate::domain::rules::Date;
use crate::schema::{
    ClusterDoc, DateText, FollowUp, FollowUpStatus, InspectionItemKind, ModelStage, OfficeDoc,
    follow_up_key,
};

/// Models per furthest stage reached.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageCounts {
    pub found: u32,
    pub nurtured: u32,
    pub selected: u32,
    pub introduced: u32,
    pub registered: u32,
    pub proposed: u32,
    #[serde(default)]
    pub honoured: u32,
    #[serde(default)]
    pub replicated: u32,
}

impl StageCounts {
    /// Counts of a list of models.
    pub fn of(models: &[ModelRow]) -> StageCounts {
        let mut c = StageCounts::default();
        for m in models {
            *c.get_mut(m.stage) += 1;
        }
        c
    }

    fn get_mut(&mut self, stage: ModelStage) -> &mut u32 {
        match stage {
            ModelStage::Found => &mut self.found,
            ModelStage::Nurtured => &mut self.nurtured,
            ModelStage::Selected => &mut self.selected,
            ModelStage::Introduced => &mut self.introduced,
            ModelStage::Registered => &mut self.registered,
            ModelStage::Proposed => &mut self.proposed,
            ModelStage::Honoured => &mut self.honoured,
            ModelStage::Replicated => &mut self.replicated,
        }
    }

    /// The count of one stage.
    pub fn get(&self, stage: ModelStage) -> u32 {
        match stage {
            ModelStage::Found => self.found,
            ModelStage::Nurtured => self.nurtured,
            ModelStage::Selected => self.selected,
            ModelStage::Introduced => self.introduced,
            ModelStage::Registered => self.registered,
            ModelStage::Proposed => self.proposed,
            ModelStage::Honoured => self.honoured,
            ModelStage::Replicated => self.replicated,
        }
    }

    pub fn total(&self) -> u32 {
        self.found
            + self.nurtured
            + self.selected
            + self.introduced
            + self.registered
            + self.proposed
            + self.honoured
            + self.replicated
    }

    pub fn add(&mut self, other: &StageCounts) {
        use crate::schema::TextCode;
        for &s in ModelStage::ALL {
            *self.get_mut(s) += other.get(s);
        }
    }
}

/// One exemplary model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelRow {
    pub office_code: String,
    pub office_name: String,
    pub model_id: String,
    pub person_id: Option<String>,
    /// The person's full name or the collective's name.
    pub subject: String,
    pub collective: bool,
    /// The furthest stage reached.
    #[serde(with = "code")]
    pub stage: ModelStage,
    /// When it was reached.
    pub stage_date: Option<Date>,
    /// Achievements (thành tích tiêu biểu).
    pub description: String,
}

/// A follow-up's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FollowUpKind {
    /// Kiến nghị.
    Recommendation,
    /// Hạn chế.
    Shortcoming,
}

impl FollowUpKind {
    pub fn name_vi(self) -> &'static str {
        match self {
            FollowUpKind::Recommendation => "Kiến nghị",
            FollowUpKind::Shortcoming => "Hạn chế",
        }
    }
}

/// A recommendation or shortcoming still open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpRow {
    pub office_code: String,
    pub office_name: String,
    pub inspection_id: String,
    pub inspection_date: Option<Date>,
    /// The visiting team (đoàn kiểm tra).
    pub team: String,
    pub item_id: String,
    pub kind: FollowUpKind,
    pub text: String,
    #[serde(with = "code")]
    pub status: FollowUpStatus,
    pub note: String,
    pub due_date: Option<Date>,
}

fn date(d: Option<&DateText>) -> Option<Date> {
    d.and_then(DateText::date)
}

/// The office's models of `year`: furthest stage first, then by name.
pub fn models(
    office: &OfficeDoc,
    code: &str,
    name: &str,
    year: i32,
    cluster_year: i32,
) -> Vec<ModelRow> {
    let mut rows: Vec<(NameSortKey, ModelRow)> = office
        .exemplary_models
        .iter()
        .filter(|(_, m)| {
            let dates: Vec<Date> = m
                .stage_dates
                .in_order()
                .iter()
                .filter_map(|(_, d)| date(*d))
                .collect();
            if dates.is_empty() {
                year == cluster_year
            } else {
                dates.iter().any(|d| d.year() == year)
            }
        })
        .map(|(id, m)| {
            let subject = match &m.person_id {
                Some(p) => office
                    .staff
                    .get(p)
                    .map_or_else(|| p.clone(), |s| s.full_name.clone()),
                None => m.collective_name.clone(),
            };
            let stage_date = m
                .stage_dates
                .in_order()
                .iter()
                .find(|(s, _)| *s == m.stage)
                .and_then(|(_, d)| date(*d));
            let row = ModelRow {
                office_code: code.to_string(),
                office_name: name.to_string(),
                model_id: id.clone(),
                person_id: m.person_id.clone(),
                collective: m.person_id.is_none(),
                stage: m.stage,
                stage_date,
                description: m.description.clone(),
                subject,
            };
            (NameSortKey::from_full_name(&row.subject), row)
        })
        .collect();
    rows.sort_by(|(ka, a), (kb, b)| (b.stage, ka, &a.model_id).cmp(&(a.stage, kb, &b.model_id)));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// An office's follow-ups for a year.
pub struct FollowUps {
    pub rows: Vec<FollowUpRow>,
    /// Recommendations of inspections held in the year.
    pub recommendations_total: u32,
    /// Recommendations still open (of inspections up to the year).
    pub recommendations_open: u32,
    pub shortcomings_open: u32,
}

impl FollowUps {
    /// Lists an item still open and counts it by kind.
    fn push_open(&mut self, row: FollowUpRow) {
        match row.kind {
            FollowUpKind::Recommendation => self.recommendations_open += 1,
            FollowUpKind::Shortcoming => self.shortcomings_open += 1,
        }
        self.rows.push(row);
    }
}

/// Open follow-ups of the inspections held up to `year` (undated ones
/// included), by inspection date, then kind, then id.
pub fn follow_ups(
    office: &OfficeDoc,
    cluster: &ClusterDoc,
    code: &str,
    name: &str,
    year: i32,
) -> FollowUps {
    let mut out = FollowUps {
        rows: Vec::new(),
        recommendations_total: 0,
        recommendations_open: 0,
        shortcomings_open: 0,
    };
    let mut inspections: Vec<_> = office
        .inspections
        .iter()
        .map(|(id, i)| (date(i.date.as_ref()), id, i))
        .filter(|(d, _, _)| d.is_none_or(|d| d.year() <= year))
        .collect();
    inspections.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (when, id, insp) in inspections {
        if when.is_some_and(|d| d.year() == year) {
            out.recommendations_total += insp.recommendations.len() as u32;
        }
        let items: [(FollowUpKind, &std::collections::BTreeMap<String, FollowUp>); 2] = [
            (FollowUpKind::Recommendation, &insp.recommendations),
            (FollowUpKind::Shortcoming, &insp.shortcomings),
        ];
        for (kind, list) in items {
            for (item_id, f) in list
                .iter()
                .filter(|(_, f)| f.status != FollowUpStatus::Done)
            {
                out.push_open(FollowUpRow {
                    office_code: code.to_string(),
                    office_name: name.to_string(),
                    inspection_id: id.clone(),
                    inspection_date: when,
                    team: insp.team.clone(),
                    item_id: item_id.clone(),
                    kind,
                    text: f.text.clone(),
                    status: f.status,
                    note: f.note.clone(),
                    due_date: date(f.due_date.as_ref()),
                });
            }
        }
    }
    cluster_follow_ups(office, cluster, code, name, year, &mut out);
    out
}

/// The items of the cluster's inspections of this office, with the
/// office's follow-up of each (open until it says otherwise).
fn cluster_follow_ups(
    office: &OfficeDoc,
    cluster: &ClusterDoc,
    code: &str,
    name: &str,
    year: i32,
    out: &mut FollowUps,
) {
    let mut inspections: Vec<_> = cluster
        .inspections
        .iter()
        .filter(|(_, i)| i.office == code)
        .map(|(id, i)| (date(i.date.as_ref()), id, i))
        .filter(|(d, _, _)| d.is_none_or(|d| d.year() <= year))
        .collect();
    inspections.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (when, id, insp) in inspections {
        for (item_id, item) in &insp.items {
            let kind = match item.kind {
                InspectionItemKind::Recommendation => FollowUpKind::Recommendation,
                InspectionItemKind::Shortcoming => FollowUpKind::Shortcoming,
            };
            if kind == FollowUpKind::Recommendation && when.is_some_and(|d| d.year() == year) {
                out.recommendations_total += 1;
            }
            let follow = office
                .inspection_follow_ups
                .get(&follow_up_key(id, item_id));
            let status = follow.map_or(FollowUpStatus::Open, |f| f.status);
            if status == FollowUpStatus::Done {
                continue;
            }
            out.push_open(FollowUpRow {
                office_code: code.to_string(),
                office_name: name.to_string(),
                inspection_id: id.clone(),
                inspection_date: when,
                team: insp.team.clone(),
                item_id: item_id.clone(),
                kind,
                text: item.text.clone(),
                status,
                note: follow.map(|f| f.note.clone()).unwrap_or_default(),
                due_date: date(item.due_date.as_ref()),
            });
        }
    }
}
