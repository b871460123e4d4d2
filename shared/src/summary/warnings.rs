//! Rule warnings (cảnh báo vi phạm quy định): proposals that break a rule,
//! explained with the rule evaluations' own Vietnamese and English texts.
//!
//! Codes (stable, for the UI and exports):
//! - `cstdcs-cap`: more Chiến sĩ thi đua cơ sở proposed than the cap allows;
//! - `collective-not-eligible`: a collective title proposed without its
//!   conditions (e.g. Tập thể lao động xuất sắc under 70% Lao động tiên tiến);
//! - `collective-not-rated`: a collective title proposed before the
//!   collective's own rating is entered, so it cannot be checked;
//! - `person-not-eligible`: an individual title proposed without its
//!   conditions;
//! - `frozen`: a person or collective proposed while under discipline
//!   review, inspection or complaint handling (tạm dừng xét khen thưởng);
//! - `decision-before-proposal`: a decision dated before its proposal;
//! - `no-rule-set`: no rule set applies to the year.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::codes::opt_code;
use crate::domain::names::NameSortKey;
use crate::domain::rules::{
    Condition, Evaluation, RuleError, RuleSet, check_cstdcs_cap, evaluate_collective,
    evaluate_individual,
};
use crate::domain::{PersonHistory, Title};
use crate::schema::bridge::{cap_input, collective_year, person_history, title_implies};
use crate::schema::{DateText, OfficeDoc};

/// One warning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleWarning {
    /// See the module documentation.
    pub code: String,
    /// The office concerned; empty for the whole cluster.
    pub office_code: String,
    pub office_name: String,
    pub person_id: Option<String>,
    /// The person's full name, or the collective's name.
    pub subject: Option<String>,
    #[serde(with = "opt_code")]
    pub title: Option<Title>,
    /// The proposal's or decision's number, when one is concerned.
    pub reference: Option<String>,
    pub message_vi: String,
    pub message_en: String,
    /// The conditions not met, each with its article and both texts.
    pub conditions: Vec<Condition>,
}

fn individual(title: Title) -> bool {
    matches!(
        title,
        Title::LaoDongTienTien
            | Title::ChienSiThiDuaCoSo
            | Title::ChienSiThiDuaCapTinh
            | Title::ChienSiThiDuaToanQuoc
            | Title::BangKhenCapTinh
    )
}

fn collective(title: Title) -> bool {
    matches!(
        title,
        Title::TapTheLaoDongXuatSac | Title::TapTheLaoDongTienTien
    )
}

struct Ctx<'a> {
    office: &'a OfficeDoc,
    code: &'a str,
    name: &'a str,
    rules: &'a RuleSet,
    year: i32,
}

impl Ctx<'_> {
    fn warning(&self, code: &str, vi: String, en: String) -> RuleWarning {
        RuleWarning {
            code: code.to_string(),
            office_code: self.code.to_string(),
            office_name: self.name.to_string(),
            person_id: None,
            subject: None,
            title: None,
            reference: None,
            message_vi: vi,
            message_en: en,
            conditions: Vec::new(),
        }
    }

    /// A warning from an evaluation that is not eligible or is frozen.
    fn evaluation_warning(
        &self,
        e: Evaluation,
        subject: &str,
        collective: bool,
    ) -> Option<RuleWarning> {
        if e.eligible && !e.frozen {
            return None;
        }
        let code = match (e.frozen, collective) {
            (true, _) => "frozen",
            (false, true) => "collective-not-eligible",
            (false, false) => "person-not-eligible",
        };
        let (vi, en) = if e.frozen {
            (
                format!(
                    "{subject}: tạm dừng xét {} năm {} — đang bị xem xét kỷ luật, thanh tra, \
                     kiểm tra hoặc giải quyết khiếu nại, tố cáo",
                    e.title.name_vi(),
                    e.year
                ),
                format!(
                    "{subject}: {} {} is frozen — under discipline review, inspection or \
                     complaint handling",
                    e.title.name_en(),
                    e.year
                ),
            )
        } else {
            (
                format!("{subject}: {}", e.summary_vi()),
                format!("{subject}: {}", e.summary_en()),
            )
        };
        let mut w = self.warning(code, vi, en);
        w.subject = Some(subject.to_string());
        w.title = Some(e.title);
        w.conditions = e.unmet().cloned().collect();
        Some(w)
    }
}

/// Every warning about one office for `year`, in a fixed order: the cap,
/// collective titles, people by given name, then decisions by key.
pub fn office_warnings(
    office: &OfficeDoc,
    code: &str,
    name: &str,
    rules: &RuleSet,
    year: i32,
) -> Vec<RuleWarning> {
    let ctx = Ctx {
        office,
        code,
        name,
        rules,
        year,
    };
    let mut out = Vec::new();
    let cap_in = cap_input(office, year);
    let cap = check_cstdcs_cap(rules, cap_in.ldtt_count, cap_in.proposed_cstdcs);
    if cap.warning {
        let mut w = ctx.warning(
            "cstdcs-cap",
            format!("{name}: {}", cap.vi),
            format!("{name}: {}", cap.en),
        );
        w.title = Some(Title::ChienSiThiDuaCoSo);
        out.push(w);
    }
    out.extend(collective_warnings(&ctx));
    out.extend(person_warnings(&ctx));
    out.extend(decision_warnings(&ctx));
    out
}

/// The rule checks of a proposal being written (tờ trình, several lines):
/// for each line, the warnings that are about it, from [`office_warnings`]
/// over the office with the lines added, so the same counts as the
/// dashboard's. The cap on Chiến sĩ thi đua cơ sở is reported on the line
/// that breaks it (the first line proposing the title after which the
/// office is over the cap) and on every such line after it; the lines
/// before it, within the cap, have none.
pub fn proposal_line_warnings(
    office: &OfficeDoc,
    code: &str,
    name: &str,
    rules: &RuleSet,
    lines: &[crate::schema::Proposal],
) -> Vec<Vec<RuleWarning>> {
    let mut out = vec![Vec::new(); lines.len()];
    let is_cap = |w: &RuleWarning| w.code == "cstdcs-cap";
    let mut doc = office.clone();
    for (i, line) in lines.iter().enumerate() {
        doc.proposals.insert(format!("__draft-{i}"), line.clone());
        let warnings = office_warnings(&doc, code, name, rules, line.year);
        for w in warnings {
            if is_cap(&w) {
                if line.person_id.is_some() && title_implies(line.title, Title::ChienSiThiDuaCoSo) {
                    out[i].push(w);
                }
                continue;
            }
            let about_line = match &line.person_id {
                Some(p) => w.person_id.as_deref() == Some(p.as_str()),
                None => w.person_id.is_none() && w.subject.as_deref() == Some(name),
            };
            if about_line && w.title == line.title && !out[i].contains(&w) {
                out[i].push(w);
            }
        }
    }
    out
}

fn collective_warnings(ctx: &Ctx<'_>) -> Vec<RuleWarning> {
    let (office, year) = (ctx.office, ctx.year);
    // Proposed collective titles: the collective evaluation's and the
    // proposals' (with the first proposal number found for each title).
    let mut proposed: Vec<(Title, Option<String>)> = Vec::new();
    if let Some(t) = office
        .collective_evaluation(year)
        .and_then(|e| e.proposed_title)
        .filter(|t| collective(*t))
    {
        proposed.push((t, None));
    }
    for p in office.proposals.values() {
        let Some(t) = p.title.filter(|t| collective(*t)) else {
            continue;
        };
        if p.person_id.is_some() || p.year != year || p.award_kind.is_special() {
            continue;
        }
        let number = (!p.number.is_empty()).then(|| p.number.clone());
        match proposed.iter_mut().find(|(pt, _)| *pt == t) {
            Some((_, n)) if n.is_none() => *n = number,
            Some(_) => {}
            None => proposed.push((t, number)),
        }
    }
    proposed.sort_by_key(|(t, _)| *t);
    let Some(collective_year) = collective_year(office, year) else {
        return proposed
            .into_iter()
            .map(|(title, reference)| {
                let mut w = ctx.warning(
                    "collective-not-rated",
                    format!(
                        "{}: đề nghị {} năm {year} nhưng chưa nhập xếp loại tập thể năm {year}, \
                         chưa kiểm tra được điều kiện",
                        ctx.name,
                        title.name_vi()
                    ),
                    format!(
                        "{}: proposed as {} {year}, but the collective's own rating for {year} \
                         is not entered, so the conditions cannot be checked",
                        ctx.name,
                        title.name_en()
                    ),
                );
                w.subject = Some(ctx.name.to_string());
                w.title = Some(title);
                w.reference = reference;
                w
            })
            .collect();
    };
    proposed
        .into_iter()
        .filter_map(|(title, reference)| {
            let e = evaluate_collective(ctx.rules, title, &collective_year).ok()?;
            let mut w = ctx.evaluation_warning(e, ctx.name, true)?;
            w.reference = reference;
            Some(w)
        })
        .collect()
}

fn person_warnings(ctx: &Ctx<'_>) -> Vec<RuleWarning> {
    let (office, year) = (ctx.office, ctx.year);
    // (person, title) → first proposal number; from evaluations and proposals.
    let mut proposed: BTreeSet<(String, Title)> = BTreeSet::new();
    let mut numbers: Vec<((String, Title), String)> = Vec::new();
    for (id, _) in office.staff_in(year) {
        let titles = office
            .evaluation(id, year)
            .into_iter()
            .flat_map(|e| e.proposed());
        for t in titles.filter(|t| individual(*t)) {
            proposed.insert((id.clone(), t));
        }
    }
    for p in office.proposals.values() {
        let (Some(person), Some(t)) = (&p.person_id, p.title) else {
            continue;
        };
        // Ad-hoc and themed awards are for one act or movement, not judged
        // against the title's standards for regular achievements.
        if p.year != year
            || !individual(t)
            || !office.staff.contains_key(person)
            || p.award_kind.is_special()
        {
            continue;
        }
        let key = (person.clone(), t);
        if !p.number.is_empty() && !numbers.iter().any(|(k, _)| *k == key) {
            numbers.push((key.clone(), p.number.clone()));
        }
        proposed.insert(key);
    }
    let mut rows: Vec<(NameSortKey, String, Title, RuleWarning)> = Vec::new();
    let mut histories: BTreeMap<String, PersonHistory> = BTreeMap::new();
    for (person, title) in proposed {
        let full_name = office
            .staff
            .get(&person)
            .map_or_else(|| person.clone(), |p| p.full_name.clone());
        let history = histories
            .entry(person.clone())
            .or_insert_with(|| person_history(office, &person, year));
        let Ok(e) = evaluate_individual(ctx.rules, title, history, year) else {
            continue;
        };
        let Some(mut w) = ctx.evaluation_warning(e, &full_name, false) else {
            continue;
        };
        w.person_id = Some(person.clone());
        w.reference = numbers
            .iter()
            .find(|(k, _)| k.0 == person && k.1 == title)
            .map(|(_, n)| n.clone());
        rows.push((NameSortKey::from_full_name(&full_name), person, title, w));
    }
    rows.sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
    rows.into_iter().map(|(_, _, _, w)| w).collect()
}

fn decision_warnings(ctx: &Ctx<'_>) -> Vec<RuleWarning> {
    let mut out = Vec::new();
    for (id, d) in &ctx.office.decisions {
        let Some(decided) = d.date.as_ref().and_then(DateText::date) else {
            continue;
        };
        for (pid, p) in ctx.office.proposals_of(d) {
            let in_year = p.year == ctx.year || (p.year == 0 && decided.year() == ctx.year);
            let Some(proposed) = p.date.as_ref().and_then(DateText::date) else {
                continue;
            };
            if !in_year || decided >= proposed {
                continue;
            }
            let number = if d.number.is_empty() {
                id.as_str()
            } else {
                &d.number
            };
            let proposal = if p.number.is_empty() { pid } else { &p.number };
            let mut w = ctx.warning(
                "decision-before-proposal",
                format!(
                    "{}: quyết định {number} ban hành ngày {decided}, trước ngày {proposed} của tờ trình {proposal}",
                    ctx.name
                ),
                format!(
                    "{}: decision {number} of {decided} is dated before proposal {proposal} of {proposed}",
                    ctx.name
                ),
            );
            w.person_id = p.person_id.clone();
            w.subject = p
                .person_id
                .as_ref()
                .and_then(|pid| ctx.office.staff.get(pid))
                .map(|s| s.full_name.clone())
                .or_else(|| (!p.subject_name.is_empty()).then(|| p.subject_name.clone()));
            w.title = p.title;
            w.reference = Some(number.to_string());
            out.push(w);
        }
    }
    out
}

/// The cluster-level warning when no rule set applies to `year`.
pub fn no_rule_set(e: &RuleError, year: i32) -> RuleWarning {
    let text = e.to_string();
    // The error reads "tiếng Việt / English": the Vietnamese message takes
    // the Vietnamese half only.
    let text_vi = text.split_once(" / ").map_or(text.as_str(), |(vi, _)| vi);
    RuleWarning {
        code: "no-rule-set".to_string(),
        office_code: String::new(),
        office_name: String::new(),
        person_id: None,
        subject: None,
        title: None,
        reference: None,
        message_vi: format!(
            "Năm {year}: chưa kiểm tra được quy định khen thưởng — {text_vi}; \
             hãy chọn bộ quy tắc trong phần Cấu hình quy tắc của cụm"
        ),
        message_en: format!(
            "{year}: commendation rules cannot be checked — {text}; \
             choose a rule set in the cluster's settings"
        ),
        conditions: Vec::new(),
    }
}
