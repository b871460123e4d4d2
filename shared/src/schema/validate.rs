//! Validation: every way a document breaks the schema or a rule, as
//! [`Violation`]s with a stable `code`, a `path` (map keys joined by `/`,
//! e.g. `selfScores/C1/points`) and a message a person can act on, in
//! English and Vietnamese.
//!
//! The relay and the app refuse a change only for violations it
//! introduces (compared by path and code), so a document made invalid by a
//! change elsewhere (a lowered maximum, a removed member) stays editable.
//! Validation reads only the current state; its cost grows with the size of
//! the documents, not of their history.
//!
//! Codes ([`ViolationCode`]): `wrong-kind`, `unknown-schema-version`,
//! `wrong-office`, `unreadable`, `text-too-long`, `too-many-records` (the
//! last three found while loading, see [`super::load`] and
//! [`super::limits`]), `bad-year`, `bad-date`, `missing-date`, `period-reversed`,
//! `missing-name`, `unknown-leader`, `unknown-deputy`, `leader-not-member`,
//! `deputy-not-member`, `deputy-is-leader`, `member-code-mismatch`,
//! `member-period-reversed`, `unknown-predecessor`, `bad-maximum`,
//! `unknown-section`, `bad-cap-percent`, `bad-document-number`,
//! `score-negative`, `score-above-maximum`, `unknown-criterion`,
//! `unknown-office`, `review-of-own-office`, `unknown-person`,
//! `title-subject-mismatch`, `votes-above-total`, `missing-subject`,
//! `stage-dates-out-of-order`, `unknown-proposal`, `decision-before-proposal`,
//! `bad-target-percent`, `unknown-inspection-item`, `bad-review-key`,
//! `vote-at-mid-year`.

use std::collections::BTreeMap;
use std::fmt::{self, Arguments};

use automerge::{Automerge, ROOT, ReadDoc};

use super::cluster_doc::ClusterDoc;
use super::docnum::parse_document_number;
use super::load::{Loaded, load_cluster, load_office};
use super::office_doc::{OfficeDoc, PeerReview, Person, SelfScore};
use super::review::{ReviewPeriod, parse_review_key};
use super::touched::{Touched, Want};
use super::value::DateText;
use super::{MIN_SCHEMA_VERSION, SCHEMA_VERSION, ViolationCode, read, violation};
use crate::cluster::Directory;
use crate::core::Violation;
use crate::domain::Title;
use crate::domain::rules::Date;

/// Years outside this range are typing mistakes.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A value typed by a person, quoted for a message; a long one is cut
/// short (it has its own `text-too-long` violation).
fn shown(text: &str) -> String {
    const SHOWN: usize = 60;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// [`shown`] for an optional value, as `Some("…")` / `None`.
fn shown_opt(text: Option<&str>) -> String {
    text.map_or_else(|| "None".to_string(), |t| format!("Some({})", shown(t)))
}

/// A number as Vietnamese writes it: `12,5`, `25`.
fn vi_number(x: f64) -> String {
    format!("{x}").replace('.', ",")
}

/// Checks the document kind and schema version; returns the version when
/// it is one this build knows.
fn check_header<R: ReadDoc>(doc: &R, kind: &str, out: &mut Vec<Violation>) -> Option<i64> {
    let found = read::text(doc, &ROOT, "kind");
    if found.as_deref() != Some(kind) {
        let found = shown_opt(found.as_deref());
        let kind_vi = if kind == "cluster" {
            "của cụm"
        } else {
            "của đơn vị"
        };
        out.push(violation(
            "kind",
            ViolationCode::WrongKind,
            format!("this must be a {kind} document, but its kind is {found}"),
            format!("tài liệu này phải là tài liệu {kind_vi} ({kind}), nhưng đang là {found}"),
        ));
    }
    match read::number(doc, &ROOT, "schemaVersion") {
        Some(v)
            if v >= MIN_SCHEMA_VERSION as f64 && v <= SCHEMA_VERSION as f64 && v.fract() == 0.0 =>
        {
            Some(v as i64)
        }
        other => {
            let shown = other.map_or_else(|| "none".to_string(), |v| v.to_string());
            let shown_vi = other.map_or_else(|| "không có".to_string(), vi_number);
            out.push(violation(
                "schemaVersion",
                ViolationCode::UnknownSchemaVersion,
                format!(
                    "schema version {shown} is not one this app knows \
                     ({MIN_SCHEMA_VERSION}–{SCHEMA_VERSION}); update the app"
                ),
                format!(
                    "phiên bản dữ liệu {shown_vi} không được hỗ trợ \
                     ({MIN_SCHEMA_VERSION}–{SCHEMA_VERSION}); hãy cập nhật ứng dụng"
                ),
            ));
            None
        }
    }
}

/// Collects violations, with the checks shared by both documents.
struct Checks {
    out: Vec<Violation>,
}

impl Checks {
    fn push(&mut self, path: impl Into<String>, code: ViolationCode, en: String, vi: String) {
        self.out.push(violation(path, code, en, vi));
    }

    fn year(&mut self, path: Arguments<'_>, year: i32) {
        if !YEARS.contains(&year) {
            self.push(
                path.to_string(),
                ViolationCode::BadYear,
                format!("{path}: the year {year} is not plausible; enter a year like 2026"),
                format!("{path}: năm {year} không hợp lệ; hãy nhập năm, ví dụ 2026"),
            );
        }
    }

    /// A required date.
    fn date(&mut self, path: Arguments<'_>, date: &DateText) -> Option<Date> {
        if date.0.trim().is_empty() {
            self.push(
                path.to_string(),
                ViolationCode::MissingDate,
                format!("{path}: a date is required"),
                format!("{path}: cần nhập ngày"),
            );
            return None;
        }
        self.opt_date(path, Some(date))
    }

    /// An optional date: `None` and empty text are fine.
    fn opt_date(&mut self, path: Arguments<'_>, date: Option<&DateText>) -> Option<Date> {
        let text = date?;
        if text.0.is_empty() {
            return None;
        }
        let parsed = text.date();
        if parsed.is_none() {
            let raw = shown(&text.0);
            self.push(
                path.to_string(),
                ViolationCode::BadDate,
                format!("{path}: {raw} is not a valid date; write it as YYYY-MM-DD"),
                format!("{path}: {raw} không phải ngày hợp lệ; hãy ghi theo dạng YYYY-MM-DD"),
            );
        }
        parsed
    }

    /// `from` must not be after `until`.
    fn period(
        &mut self,
        path: Arguments<'_>,
        code: ViolationCode,
        from: Option<Date>,
        until: Option<Date>,
    ) {
        if let (Some(f), Some(u)) = (from, until)
            && u < f
        {
            self.push(
                path.to_string(),
                code,
                format!("{path}: the period ends ({u}) before it starts ({f})"),
                format!("{path}: ngày kết thúc ({u}) trước ngày bắt đầu ({f})"),
            );
        }
    }

    fn name(&mut self, path: Arguments<'_>, name: &str) {
        if name.trim().is_empty() {
            self.push(
                path.to_string(),
                ViolationCode::MissingName,
                format!("{path}: a name is required"),
                format!("{path}: cần nhập tên"),
            );
        }
    }

    /// A document number such as `123/QĐ-UBND`; empty (a draft) is fine.
    fn doc_number(&mut self, path: Arguments<'_>, number: &str, example: &str) {
        if number.is_empty() || parse_document_number(number).is_some() {
            return;
        }
        let number = shown(number);
        self.push(
            path.to_string(),
            ViolationCode::BadDocumentNumber,
            format!(
                "{path}: {number} is not a document number of the form \
                 <number>/<TYPE>-<ISSUER>, e.g. {example}"
            ),
            format!(
                "{path}: {number} không đúng dạng số, ký hiệu văn bản \
                 <số>/<LOẠI>-<CƠ QUAN>, ví dụ {example}"
            ),
        );
    }

    fn votes(&mut self, path: Arguments<'_>, yes: u32, total: u32) {
        if yes > total {
            self.push(
                format!("{path}/votesYes"),
                ViolationCode::VotesAboveTotal,
                format!("{path}: {yes} votes in favour is more than the {total} votes cast"),
                format!("{path}: số phiếu đồng ý ({yes}) lớn hơn tổng số phiếu ({total})"),
            );
        }
    }

    fn person(&mut self, path: Arguments<'_>, id: &str, staff: &BTreeMap<String, Person>) {
        if !staff.contains_key(id) {
            self.push(
                path.to_string(),
                ViolationCode::UnknownPerson,
                format!("{path}: person {id:?} is not on the staff roster; add them first"),
                format!(
                    "{path}: người có mã {id:?} không có trong danh sách cán bộ; hãy thêm trước"
                ),
            );
        }
    }

    /// Points given for a criterion: at least 0, at most the maximum.
    fn score(
        &mut self,
        base: Arguments<'_>,
        criterion: &str,
        points: f64,
        table: Option<&ClusterDoc>,
        self_score: bool,
    ) {
        let (what_en, what_vi) = if self_score {
            ("self-score", "điểm tự chấm")
        } else {
            ("score", "điểm chấm")
        };
        if points < 0.0 || !points.is_finite() {
            self.push(
                format!("{base}/points"),
                ViolationCode::ScoreNegative,
                format!("the {what_en} for criterion {criterion} cannot be negative ({points})"),
                format!(
                    "{what_vi} của tiêu chí {criterion} không được âm ({})",
                    vi_number(points)
                ),
            );
        }
        let Some(table) = table else { return };
        match table.criterion_max(criterion) {
            None => self.push(
                base.to_string(),
                ViolationCode::UnknownCriterion,
                format!("criterion {criterion} is not in the cluster's scoring table"),
                format!("tiêu chí {criterion} không có trong bảng chấm điểm của cụm"),
            ),
            Some(max) if points > max => self.push(
                format!("{base}/points"),
                ViolationCode::ScoreAboveMaximum,
                format!(
                    "the {what_en} {points} for criterion {criterion} is above its maximum {max}"
                ),
                format!(
                    "{what_vi} {} của tiêu chí {criterion} vượt quá điểm tối đa {}",
                    vi_number(points),
                    vi_number(max)
                ),
            ),
            Some(_) => {}
        }
    }

    /// An office code that must be a member of the cluster (when known).
    fn office(&mut self, path: Arguments<'_>, code: &str, cluster: Option<&ClusterDoc>) {
        let Some(c) = cluster.filter(|c| !c.members.is_empty()) else {
            return;
        };
        if !c.members.contains_key(code) {
            self.push(
                path.to_string(),
                ViolationCode::UnknownOffice,
                format!("{path}: office {code:?} is not a member of the cluster"),
                format!("{path}: đơn vị {code:?} không phải thành viên của cụm"),
            );
        }
    }
}

/// The path of an office record, `staff/p1` or `reviews/2026-yearEnd/peerReviews/CBG`
/// (prefix, root, id), written out only when a problem is reported.
#[derive(Clone, Copy)]
struct At<'a>(&'a str, &'a str, &'a str);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}/{}", self.0, self.1, self.2)
    }
}

/// Whether a title is for a collective (`Some(true)`), a person
/// (`Some(false)`), or either (`None`: Bằng khen, Giấy khen).
fn collective_title(title: Title) -> Option<bool> {
    match title {
        Title::TapTheLaoDongXuatSac | Title::TapTheLaoDongTienTien | Title::CoThiDuaCapTinh => {
            Some(true)
        }
        Title::BangKhenCapTinh | Title::GiayKhen => None,
        Title::LaoDongTienTien
        | Title::ChienSiThiDuaCoSo
        | Title::ChienSiThiDuaCapTinh
        | Title::ChienSiThiDuaToanQuoc => Some(false),
    }
}

fn title_for(checks: &mut Checks, path: Arguments<'_>, title: Title, for_collective: bool) {
    if collective_title(title).is_some_and(|c| c != for_collective) {
        let (en, vi) = if for_collective {
            ("a collective", "tập thể")
        } else {
            ("an individual", "cá nhân")
        };
        checks.push(
            path.to_string(),
            ViolationCode::TitleSubjectMismatch,
            format!("{path}: {} is not a title for {en}", title.name_en()),
            format!(
                "{path}: {} không phải danh hiệu dành cho {vi}",
                title.name_vi()
            ),
        );
    }
}

/// Every violation in a cluster document.
pub fn cluster<R: ReadDoc>(doc: &R, directory: &Directory) -> Vec<Violation> {
    let mut out = Vec::new();
    let version = check_header(doc, "cluster", &mut out);
    let loaded = load_cluster(doc);
    let mut ch = Checks { out };
    ch.out.extend(loaded.problems);
    let c = &loaded.doc;

    if read::present(doc, &ROOT, "year") {
        ch.year(format_args!("year"), c.year);
    }
    check_leadership(&mut ch, c, directory);

    for (key, m) in &c.members {
        let p = format!("members/{key}");
        if !m.code.is_empty() && m.code != *key {
            ch.push(
                format!("{p}/code"),
                ViolationCode::MemberCodeMismatch,
                format!(
                    "{p}: the code {} differs from the key {key:?}",
                    shown(&m.code)
                ),
                format!("{p}: mã {} khác với khoá {key:?}", shown(&m.code)),
            );
        }
        ch.name(format_args!("{p}/name"), &m.name);
        let from = ch.opt_date(format_args!("{p}/validFrom"), m.valid_from.as_ref());
        let until = ch.opt_date(format_args!("{p}/validUntil"), m.valid_until.as_ref());
        ch.opt_date(
            format_args!("{p}/provinceSystemFrom"),
            m.province_system_from.as_ref(),
        );
        ch.period(
            format_args!("{p}/validUntil"),
            ViolationCode::MemberPeriodReversed,
            from,
            until,
        );
        for pred in &m.predecessors {
            if pred == key || !c.members.contains_key(pred) {
                ch.push(
                    format!("{p}/predecessors"),
                    ViolationCode::UnknownPredecessor,
                    format!(
                        "{p}: predecessor {pred:?} must be another office listed in the cluster's members"
                    ),
                    format!(
                        "{p}: đơn vị tiền thân {pred:?} phải là một đơn vị khác có trong danh sách thành viên của cụm"
                    ),
                );
            }
        }
    }

    for (id, crit) in &c.criteria {
        let p = format!("criteria/{id}");
        let max = crit.max_points;
        if !(max > 0.0 && max.is_finite()) {
            ch.push(
                format!("{p}/maxPoints"),
                ViolationCode::BadMaximum,
                format!("criterion {id} needs a maximum above zero, found {max}"),
                format!(
                    "tiêu chí {id} cần điểm tối đa lớn hơn 0, hiện là {}",
                    vi_number(max)
                ),
            );
        }
        if version.unwrap_or(SCHEMA_VERSION) >= 2
            && !crit.section.is_empty()
            && !c.sections.contains_key(&crit.section)
        {
            ch.push(
                format!("{p}/section"),
                ViolationCode::UnknownSection,
                format!(
                    "criterion {id} belongs to section {:?}, which does not exist",
                    crit.section
                ),
                format!(
                    "tiêu chí {id} thuộc phần {:?} nhưng phần này không tồn tại",
                    crit.section
                ),
            );
        }
    }

    for (id, mv) in &c.movements {
        let p = format!("movements/{id}");
        ch.name(format_args!("{p}/name"), &mv.name);
        let from = ch.opt_date(format_args!("{p}/startDate"), mv.start_date.as_ref());
        let until = ch.opt_date(format_args!("{p}/endDate"), mv.end_date.as_ref());
        ch.period(
            format_args!("{p}/endDate"),
            ViolationCode::PeriodReversed,
            from,
            until,
        );
    }
    for (id, plan) in &c.plans {
        let p = format!("plans/{id}");
        ch.doc_number(format_args!("{p}/number"), &plan.number, "15/KH-CTĐ");
        ch.opt_date(format_args!("{p}/date"), plan.date.as_ref());
    }
    for (id, d) in &c.deadlines {
        let p = format!("deadlines/{id}");
        ch.name(format_args!("{p}/name"), &d.name);
        ch.date(format_args!("{p}/date"), &d.date);
    }
    ch.opt_date(format_args!("covenant/date"), c.covenant.date.as_ref());
    for (id, insp) in &c.inspections {
        let p = format!("inspections/{id}");
        ch.office(format_args!("{p}/office"), &insp.office, Some(c));
        ch.opt_date(format_args!("{p}/date"), insp.date.as_ref());
        for (iid, item) in &insp.items {
            ch.opt_date(
                format_args!("{p}/items/{iid}/dueDate"),
                item.due_date.as_ref(),
            );
        }
    }
    if let Some(cap) = c.rule_settings.cstdcs_cap_percent
        && cap > 100
    {
        ch.push(
            "ruleSettings/cstdcsCapPercent",
            ViolationCode::BadCapPercent,
            format!("the cap on Grassroots Emulation Fighters must be 0–100%, found {cap}%"),
            format!("tỷ lệ tối đa Chiến sĩ thi đua cơ sở phải từ 0 đến 100%, hiện là {cap}%"),
        );
    }
    ch.out
}

fn check_leadership(ch: &mut Checks, c: &ClusterDoc, directory: &Directory) {
    let roles = [
        (
            "leader",
            &c.leader,
            "the leading office",
            "đơn vị Cụm trưởng",
        ),
        ("deputy", &c.deputy, "the deputy office", "đơn vị Cụm phó"),
    ];
    for (key, code, what_en, what_vi) in roles {
        if key == "deputy" && code.is_empty() {
            continue;
        }
        if directory.office(code).is_none() {
            ch.push(
                key,
                if key == "leader" {
                    ViolationCode::UnknownLeader
                } else {
                    ViolationCode::UnknownDeputy
                },
                format!("{what_en} {code:?} is not a member of the cluster"),
                format!("{what_vi} {code:?} không phải thành viên của cụm"),
            );
        } else if !c.members.is_empty()
            && !c
                .members
                .get(code.as_str())
                .is_some_and(|m| m.is_valid_in_year(c.year))
        {
            let year = c.year;
            ch.push(
                key,
                if key == "leader" {
                    ViolationCode::LeaderNotMember
                } else {
                    ViolationCode::DeputyNotMember
                },
                format!("{what_en} {code:?} is not among the cluster's members in {year}"),
                format!(
                    "{what_vi} {code:?} không có trong danh sách thành viên của cụm năm {year}"
                ),
            );
        }
    }
    if !c.deputy.is_empty() && c.deputy == c.leader {
        ch.push(
            "deputy",
            ViolationCode::DeputyIsLeader,
            format!(
                "the deputy ({}) must be another office than the leader",
                c.deputy
            ),
            format!("Cụm phó ({}) phải là đơn vị khác với Cụm trưởng", c.deputy),
        );
    }
}

/// Every violation in an office document.
pub fn office<R: ReadDoc>(doc: &R, code: &str, cluster: Option<&Automerge>) -> Vec<Violation> {
    let loaded = load_office(doc);
    let table = cluster.map(|c| load_cluster(c).doc);
    office_loaded(doc, code, &loaded, table.as_ref())
}

/// Every violation in an office document already read into `loaded`
/// (`table`: the cluster document, read).
pub(super) fn office_loaded<R: ReadDoc>(
    doc: &R,
    code: &str,
    loaded: &Loaded<OfficeDoc>,
    table: Option<&ClusterDoc>,
) -> Vec<Violation> {
    office_loaded_since(doc, code, loaded, table, None).0
}

/// The checks of an office document, in parts that each read only some of
/// its root fields (and the cluster's table, which every part may read):
/// after a change, a part whose fields it did not touch finds what it
/// found before ([`office_loaded_since`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    FollowUps,
    Staff,
    Registrations,
    Targets,
    Covenants,
    Scores,
    LeadingVote,
    LegacyYear,
    Reviews,
    Inspections,
    Models,
    Evaluations,
    Collective,
    Commendations,
}

/// Every part with the root fields of the office document it reads, in the
/// order the checks run. (A part that looks up a person reads `staff`; the
/// models also read `proposals`, the commendations `decisions` too.)
const PARTS: [(Part, &[&str]); 14] = [
    (Part::FollowUps, &["inspectionFollowUps"]),
    (Part::Staff, &["staff"]),
    (Part::Registrations, &["registrations", "staff"]),
    (Part::Targets, &["targets"]),
    (Part::Covenants, &["covenantSignatures"]),
    (Part::Scores, &["selfScores", "peerReviews"]),
    (Part::LeadingVote, &["leadingVote"]),
    (Part::LegacyYear, &["legacyReviewYear"]),
    (Part::Reviews, &["reviews"]),
    (Part::Inspections, &["inspections"]),
    (Part::Models, &["exemplaryModels", "staff", "proposals"]),
    (Part::Evaluations, &["evaluations", "staff"]),
    (Part::Collective, &["collectiveEvaluations"]),
    (Part::Commendations, &["proposals", "decisions", "staff"]),
];

/// What each part of an office's checks found, in [`PARTS`] order: kept
/// between validations so that a change checks again only the parts that
/// read what it touched.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct OfficeParts(Vec<Vec<Violation>>);

/// [`office_loaded`], checking again only the parts that read what changed:
/// `since` holds what the parts found before and what the changes since
/// then touched (root fields and records; [`Touched::default`] for nothing),
/// with the cluster's table unchanged. Returns every violation, and the
/// parts' findings for next time.
pub(super) fn office_loaded_since<R: ReadDoc>(
    doc: &R,
    code: &str,
    loaded: &Loaded<OfficeDoc>,
    table: Option<&ClusterDoc>,
    mut since: Option<(OfficeParts, Touched)>,
) -> (Vec<Violation>, OfficeParts) {
    let mut out = Vec::new();
    check_header(doc, "office", &mut out);
    let found = read::text(doc, &ROOT, "officeCode");
    if found.as_deref() != Some(code) {
        let found = shown_opt(found.as_deref());
        out.push(violation(
            "officeCode",
            ViolationCode::WrongOffice,
            format!("this document belongs to office {code}, not {found}"),
            format!("tài liệu này thuộc đơn vị {code}, không phải {found}"),
        ));
    }
    out.extend(loaded.problems.iter().cloned());
    let mut parts = Vec::with_capacity(PARTS.len());
    for (i, (part, reads)) in PARTS.into_iter().enumerate() {
        let found = match &mut since {
            Some((before, touched))
                if reads
                    .iter()
                    .all(|key| matches!(touched.want(key), Want::Nothing)) =>
            {
                std::mem::take(&mut before.0[i])
            }
            _ => {
                let mut ch = Checks { out: Vec::new() };
                check_part(&mut ch, part, &loaded.doc, code, table);
                ch.out
            }
        };
        out.extend(found.iter().cloned());
        parts.push(found);
    }
    (out, OfficeParts(parts))
}

/// Self-scores and peer reviews of one round (`prefix` is `""` for the
/// top-level ones, `"reviews/<key>/"` for a round).
fn check_round(
    ch: &mut Checks,
    prefix: &str,
    self_scores: &BTreeMap<String, SelfScore>,
    peer_reviews: &BTreeMap<String, PeerReview>,
    code: &str,
    cluster: Option<&ClusterDoc>,
) {
    for (id, s) in self_scores {
        ch.score(
            format_args!("{prefix}selfScores/{id}"),
            id,
            s.points,
            cluster,
            true,
        );
    }
    for (office, review) in peer_reviews {
        let p = At(prefix, "peerReviews", office);
        if office == code {
            ch.push(
                p.to_string(),
                ViolationCode::ReviewOfOwnOffice,
                "an office does not score itself here; use the self-scores".to_string(),
                "đơn vị không tự chấm điểm ở đây; hãy dùng phần tự chấm điểm".to_string(),
            );
        } else {
            ch.office(format_args!("{p}"), office, cluster);
        }
        for (crit, s) in &review.scores {
            ch.score(
                format_args!("{p}/scores/{crit}"),
                crit,
                s.points,
                cluster,
                false,
            );
        }
    }
}

/// One part of an office's checks (see [`Part`]).
fn check_part(
    ch: &mut Checks,
    part: Part,
    o: &OfficeDoc,
    code: &str,
    cluster: Option<&ClusterDoc>,
) {
    match part {
        Part::FollowUps => {
            for (key, f) in &o.inspection_follow_ups {
                let p = At("", "inspectionFollowUps", key);
                ch.opt_date(format_args!("{p}/doneOn"), f.done_on.as_ref());
                let Some(c) = cluster else { continue };
                let known = key.split_once('.').is_some_and(|(insp, item)| {
                    c.inspections
                        .get(insp)
                        .is_some_and(|i| i.office == code && i.items.contains_key(item))
                });
                if !known {
                    ch.push(
                        p.to_string(),
                        ViolationCode::UnknownInspectionItem,
                        format!("{key:?} is not a shortcoming or recommendation the cluster recorded for this office"),
                        format!("{key:?} không phải hạn chế, kiến nghị mà Cụm đã ghi nhận cho đơn vị này"),
                    );
                }
            }
        }
        Part::Staff => {
            for (id, person) in &o.staff {
                let p = At("", "staff", id);
                ch.name(format_args!("{p}/fullName"), &person.full_name);
                let joined = ch.opt_date(format_args!("{p}/joinedOn"), person.joined_on.as_ref());
                let left = ch.opt_date(format_args!("{p}/leftOn"), person.left_on.as_ref());
                ch.period(
                    format_args!("{p}/leftOn"),
                    ViolationCode::PeriodReversed,
                    joined,
                    left,
                );
                for (did, d) in &person.discipline {
                    let dp = format!("{p}/discipline/{did}");
                    let start = ch.date(format_args!("{dp}/start"), &d.start);
                    let end = ch.opt_date(format_args!("{dp}/end"), d.end.as_ref());
                    ch.period(
                        format_args!("{dp}/end"),
                        ViolationCode::PeriodReversed,
                        start,
                        end,
                    );
                }
            }
        }
        Part::Registrations => {
            for (id, r) in &o.registrations {
                let p = At("", "registrations", id);
                ch.year(format_args!("{p}/year"), r.year);
                ch.opt_date(format_args!("{p}/date"), r.date.as_ref());
                if let Some(person) = &r.person_id {
                    ch.person(format_args!("{p}/personId"), person, &o.staff);
                }
                title_for(
                    ch,
                    format_args!("{p}/title"),
                    r.title,
                    r.person_id.is_none(),
                );
            }
        }
        Part::Targets => {
            for (id, t) in &o.targets {
                let p = At("", "targets", id);
                ch.year(format_args!("{p}/year"), t.year);
                if let Some(title) = t.collective_title {
                    title_for(ch, format_args!("{p}/collectiveTitle"), title, true);
                }
                for (key, value) in [
                    ("ldttPercent", t.ldtt_percent),
                    ("cstdcsPercent", t.cstdcs_percent),
                ] {
                    if let Some(v) = value.filter(|v| *v > 100) {
                        ch.push(
                            format!("{p}/{key}"),
                            ViolationCode::BadTargetPercent,
                            format!("a target must be 0–100% of the staff, found {v}%"),
                            format!("chỉ tiêu phải từ 0 đến 100% số cán bộ, hiện là {v}%"),
                        );
                    }
                }
            }
        }
        Part::Covenants => {
            for (id, s) in &o.covenant_signatures {
                let p = At("", "covenantSignatures", id);
                ch.year(format_args!("{p}/year"), s.year);
                ch.opt_date(format_args!("{p}/date"), s.date.as_ref());
            }
        }
        Part::Scores => {
            check_round(ch, "", &o.self_scores, &o.peer_reviews, code, cluster);
        }
        Part::LeadingVote => {
            if let Some(vote) = &o.leading_vote {
                ch.office(format_args!("leadingVote"), vote, cluster);
            }
        }
        Part::LegacyYear => {
            if let Some(y) = o.legacy_review_year {
                ch.year(
                    format_args!("legacyReviewYear"),
                    i32::try_from(y).unwrap_or(i32::MAX),
                );
            }
        }
        Part::Reviews => {
            for (key, round) in &o.reviews {
                let p = At("", "reviews", key);
                let Some((year, period)) = parse_review_key(key) else {
                    ch.push(
                        p.to_string(),
                        ViolationCode::BadReviewKey,
                        format!("{key} is not a review round; use a year and a period, e.g. 2026-midYear"),
                        format!(
                            "{key} không phải kỳ đánh giá; khoá phải gồm năm và kỳ, ví dụ 2026-midYear \
                             (sơ kết 6 tháng) hoặc 2026-yearEnd (tổng kết năm)"
                        ),
                    );
                    continue;
                };
                ch.year(format_args!("{p}"), year);
                check_round(
                    ch,
                    &format!("{p}/"),
                    &round.self_scores,
                    &round.peer_reviews,
                    code,
                    cluster,
                );
                if let Some(vote) = &round.leading_vote {
                    if period == ReviewPeriod::MidYear {
                        ch.push(
                            format!("{p}/leadingVote"),
                            ViolationCode::VoteAtMidYear,
                            "the leading office is voted for at the year-end review, not at mid-year"
                                .to_string(),
                            "việc suy tôn đơn vị dẫn đầu thực hiện khi tổng kết năm, không thực hiện khi \
                             sơ kết 6 tháng"
                                .to_string(),
                        );
                    } else {
                        ch.office(format_args!("{p}/leadingVote"), vote, cluster);
                    }
                }
            }
        }
        Part::Inspections => {
            for (id, insp) in &o.inspections {
                let p = At("", "inspections", id);
                ch.opt_date(format_args!("{p}/date"), insp.date.as_ref());
                for (kind, items) in [
                    ("shortcomings", &insp.shortcomings),
                    ("recommendations", &insp.recommendations),
                ] {
                    for (fid, f) in items {
                        let fp = format!("{p}/{kind}/{fid}");
                        ch.opt_date(format_args!("{fp}/dueDate"), f.due_date.as_ref());
                        ch.opt_date(format_args!("{fp}/doneOn"), f.done_on.as_ref());
                    }
                }
            }
        }
        Part::Models => {
            check_models(ch, o);
        }
        Part::Evaluations => {
            for (id, e) in &o.evaluations {
                let p = At("", "evaluations", id);
                ch.person(format_args!("{p}/personId"), &e.person_id, &o.staff);
                ch.year(format_args!("{p}/year"), e.year);
                ch.votes(format_args!("{p}"), e.votes_yes, e.votes_total);
                if let Some(t) = e.proposed_title {
                    title_for(ch, format_args!("{p}/proposedTitle"), t, false);
                }
                if let Some(t) = e.proposed_award {
                    title_for(ch, format_args!("{p}/proposedAward"), t, false);
                }
                let (yes, total) = (e.award_votes_yes, e.award_votes_total);
                if yes > total {
                    ch.push(
                        format!("{p}/awardVotesYes"),
                        ViolationCode::VotesAboveTotal,
                        format!("{p}: {yes} votes in favour is more than the {total} votes cast"),
                        format!("{p}: số phiếu đồng ý ({yes}) lớn hơn tổng số phiếu ({total})"),
                    );
                }
            }
        }
        Part::Collective => {
            for (id, e) in &o.collective_evaluations {
                let p = At("", "collectiveEvaluations", id);
                ch.year(format_args!("{p}/year"), e.year);
                ch.votes(format_args!("{p}"), e.votes_yes, e.votes_total);
                if let Some(t) = e.proposed_title {
                    title_for(ch, format_args!("{p}/proposedTitle"), t, true);
                }
            }
        }
        Part::Commendations => {
            check_commendations(ch, o, cluster);
        }
    }
}

fn check_models(ch: &mut Checks, o: &OfficeDoc) {
    for (id, m) in &o.exemplary_models {
        let p = At("", "exemplaryModels", id);
        match &m.person_id {
            Some(person) => ch.person(format_args!("{p}/personId"), person, &o.staff),
            None if m.collective_name.trim().is_empty() => ch.push(
                p.to_string(),
                ViolationCode::MissingSubject,
                format!("{p}: choose a person or name the collective"),
                format!("{p}: hãy chọn một cá nhân hoặc nhập tên tập thể"),
            ),
            None => {}
        }
        if let Some(pid) = &m.proposal_id
            && !o.proposals.contains_key(pid)
        {
            ch.push(
                format!("{p}/proposalId"),
                ViolationCode::UnknownProposal,
                format!("{p}: proposal {pid:?} does not exist"),
                format!("{p}: tờ trình {pid:?} không tồn tại"),
            );
        }
        let mut last: Option<(Date, &str)> = None;
        for (stage, date) in m.stage_dates.in_order() {
            let Some(d) = ch.opt_date(format_args!("{p}/stageDates/{}", stage_key(stage)), date)
            else {
                continue;
            };
            if let Some((before, before_vi)) = last
                && d < before
            {
                ch.push(
                    format!("{p}/stageDates/{}", stage_key(stage)),
                    ViolationCode::StageDatesOutOfOrder,
                    format!(
                        "{p}: the stage \"{}\" ({d}) comes before an earlier stage ({before})",
                        stage.name_en()
                    ),
                    format!(
                        "{p}: bước \"{}\" ({d}) sớm hơn bước \"{before_vi}\" ({before}) đứng trước nó",
                        stage.name_vi()
                    ),
                );
            }
            last = Some((d, stage.name_vi()));
        }
    }
}

fn stage_key(stage: super::value::ModelStage) -> &'static str {
    use super::value::TextCode;
    stage.code()
}

fn check_commendations(ch: &mut Checks, o: &OfficeDoc, cluster: Option<&ClusterDoc>) {
    for (id, pr) in &o.proposals {
        let p = At("", "proposals", id);
        ch.doc_number(format_args!("{p}/number"), &pr.number, "12/TTr-VP");
        ch.opt_date(format_args!("{p}/date"), pr.date.as_ref());
        for (eid, e) in &pr.dossier.events {
            ch.date(format_args!("{p}/dossier/events/{eid}/date"), &e.date);
        }
        if pr.year != 0 {
            ch.year(format_args!("{p}/year"), pr.year);
        }
        if !pr.proposing_office.is_empty() {
            ch.office(
                format_args!("{p}/proposingOffice"),
                &pr.proposing_office,
                cluster,
            );
        }
        match &pr.person_id {
            Some(person) => ch.person(format_args!("{p}/personId"), person, &o.staff),
            None if pr.subject_name.trim().is_empty() => ch.push(
                p.to_string(),
                ViolationCode::MissingSubject,
                format!("{p}: choose a person or name the collective proposed"),
                format!("{p}: hãy chọn cá nhân hoặc nhập tên tập thể được đề nghị"),
            ),
            None => {}
        }
        if let Some(t) = pr.title {
            title_for(ch, format_args!("{p}/title"), t, pr.person_id.is_none());
        }
    }
    for (id, d) in &o.decisions {
        let p = At("", "decisions", id);
        ch.doc_number(format_args!("{p}/number"), &d.number, "123/QĐ-UBND");
        let date = ch.opt_date(format_args!("{p}/date"), d.date.as_ref());
        for pid in &d.proposal_ids {
            let Some(proposal) = o.proposals.get(pid) else {
                ch.push(
                    format!("{p}/proposalIds"),
                    ViolationCode::UnknownProposal,
                    format!("{p}: proposal {pid:?} does not exist"),
                    format!("{p}: tờ trình {pid:?} không tồn tại"),
                );
                continue;
            };
            let proposed = proposal.date.as_ref().and_then(DateText::date);
            if let (Some(decided), Some(proposed)) = (date, proposed)
                && decided < proposed
            {
                let number = if proposal.number.is_empty() {
                    pid.as_str()
                } else {
                    proposal.number.as_str()
                };
                ch.push(
                    format!("{p}/date"),
                    ViolationCode::DecisionBeforeProposal,
                    format!(
                        "{p}: the decision date {decided} is before the date {proposed} of proposal {number}"
                    ),
                    format!(
                        "{p}: ngày quyết định {decided} trước ngày {proposed} của tờ trình {number}"
                    ),
                );
            }
        }
    }
}
