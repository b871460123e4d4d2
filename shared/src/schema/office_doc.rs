//! The office document (tài liệu của đơn vị), written only by that office.
//!
//! It holds the office's own TĐKT records over the years: the staff roster
//! with discipline records, registrations (đăng ký thi đua), covenant
//! signatures, review rounds per year (sơ kết 6 tháng, tổng kết năm: self-scores,
//! the scores and vote it gives other offices, findings), inspections it hosted (kiểm tra),
//! exemplary models (gương điển hình), title evaluations per person per year
//! (bình xét danh hiệu), commendation proposals (tờ trình đề nghị khen
//! thưởng) and decisions (quyết định khen thưởng).
//!
//! Every list is a map keyed by a stable id chosen by the caller (random
//! text from the app), so concurrent edits of one record merge field by
//! field and two devices adding records never collide. Evaluations are an
//! exception worth following: key them with [`evaluation_key`] so that two
//! devices evaluating the same person for the same year meet on one record
//! (a conflict the UI can show) instead of making two.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::SCHEMA_VERSION;
use super::dossier::Dossier;
use super::inspection::ItemFollowUp;
use super::review::ReviewRound;
use super::value::{
    DateText, FollowUpStatus, ModelStage, StaffKind, count, int, opt_count, points, year,
};
use crate::domain::rules::{Date, DisciplineRecord};
use crate::domain::{
    AwardKind, DisciplineLevel, Gender, PerformanceRating, Title, form_of_address,
};

fn yes() -> bool {
    true
}

/// The whole office document.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeDoc {
    #[autosurgeon(rename = "schemaVersion", with = "int")]
    pub schema_version: i64,
    /// Always `"office"`.
    pub kind: String,
    /// The office's code, e.g. `LSN`.
    #[autosurgeon(rename = "officeCode")]
    pub office_code: String,
    /// Vietnamese name of the office.
    #[autosurgeon(missing = "Default::default")]
    pub name: String,
    /// Staff roster (danh sách cán bộ), keyed by person id.
    #[autosurgeon(missing = "Default::default")]
    pub staff: BTreeMap<String, Person>,
    /// Registrations (đăng ký thi đua), keyed by id.
    #[autosurgeon(missing = "Default::default")]
    pub registrations: BTreeMap<String, Registration>,
    /// The office's targets (chỉ tiêu thi đua) per year, keyed by year
    /// ("2026").
    #[autosurgeon(missing = "Default::default")]
    pub targets: BTreeMap<String, YearTargets>,
    /// Covenant signatures (ký giao ước), keyed by year ("2026").
    #[autosurgeon(rename = "covenantSignatures", missing = "Default::default")]
    pub covenant_signatures: BTreeMap<String, CovenantSignature>,
    /// Self-scores (tự chấm điểm) written before review rounds existed,
    /// keyed by criterion id: the year-end round of
    /// [`OfficeDoc::legacy_year`] (see [`super::review`]). New scores go to
    /// [`OfficeDoc::reviews`].
    #[autosurgeon(rename = "selfScores", missing = "Default::default")]
    pub self_scores: BTreeMap<String, SelfScore>,
    /// Scores given to other offices before review rounds existed (chấm
    /// chéo), keyed by the other office's code; read like `selfScores`.
    #[autosurgeon(rename = "peerReviews", missing = "Default::default")]
    pub peer_reviews: BTreeMap<String, PeerReview>,
    /// The vote for the leading office written before review rounds
    /// existed (suy tôn đơn vị dẫn đầu), an office code; read like `selfScores`.
    #[autosurgeon(rename = "leadingVote", missing = "Default::default")]
    pub leading_vote: Option<String>,
    /// The review rounds (sơ kết 6 tháng, tổng kết năm) of every year,
    /// keyed by [`super::review::review_key`] (`"2026-midYear"`).
    #[autosurgeon(missing = "Default::default")]
    pub reviews: BTreeMap<String, ReviewRound>,
    /// The year the top-level `selfScores`, `peerReviews` and
    /// `leadingVote` belong to, pinned when this app first writes a round.
    #[autosurgeon(
        rename = "legacyReviewYear",
        missing = "Default::default",
        with = "opt_count"
    )]
    pub legacy_review_year: Option<u32>,
    /// Inspections hosted (các đợt kiểm tra, khảo sát tại đơn vị), keyed by
    /// id, as the office recorded them itself (before the cluster kept them).
    #[autosurgeon(missing = "Default::default")]
    pub inspections: BTreeMap<String, Inspection>,
    /// The office's follow-up of the cluster's inspections, keyed by
    /// [`super::inspection::follow_up_key`].
    #[autosurgeon(rename = "inspectionFollowUps", missing = "Default::default")]
    pub inspection_follow_ups: BTreeMap<String, ItemFollowUp>,
    /// Exemplary models (gương điển hình tiên tiến), keyed by id.
    #[autosurgeon(rename = "exemplaryModels", missing = "Default::default")]
    pub exemplary_models: BTreeMap<String, ExemplaryModel>,
    /// Title evaluations (bình xét danh hiệu) per person per year, keyed by
    /// [`evaluation_key`].
    #[autosurgeon(missing = "Default::default")]
    pub evaluations: BTreeMap<String, TitleEvaluation>,
    /// The collective's own evaluation per year, keyed by year ("2026").
    #[autosurgeon(rename = "collectiveEvaluations", missing = "Default::default")]
    pub collective_evaluations: BTreeMap<String, CollectiveEvaluation>,
    /// Commendation proposals (tờ trình đề nghị khen thưởng), keyed by id.
    #[autosurgeon(missing = "Default::default")]
    pub proposals: BTreeMap<String, Proposal>,
    /// Commendation decisions (quyết định khen thưởng), keyed by id.
    #[autosurgeon(missing = "Default::default")]
    pub decisions: BTreeMap<String, Decision>,
}

/// The key of a person's evaluation for a year: `"<year>-<personId>"`.
pub fn evaluation_key(person_id: &str, year: i32) -> String {
    format!("{year}-{person_id}")
}

/// A staff member (cán bộ, công chức, người lao động).
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// Full name, family name first (Trần Thị Liên).
    #[autosurgeon(rename = "fullName", missing = "Default::default")]
    pub full_name: String,
    /// Position (chức vụ), e.g. "Chánh Văn phòng", "Chuyên viên".
    #[autosurgeon(missing = "Default::default")]
    pub position: String,
    /// For the form of address (Ông / Bà); `None` when not entered.
    #[autosurgeon(missing = "Default::default")]
    pub gender: Option<Gender>,
    /// Công chức or người lao động.
    #[autosurgeon(missing = "Default::default")]
    pub kind: StaffKind,
    /// First day at the office, if known.
    #[autosurgeon(rename = "joinedOn", missing = "Default::default")]
    pub joined_on: Option<DateText>,
    /// Last day at the office (left, retired, moved); `None` = still here.
    #[autosurgeon(rename = "leftOn", missing = "Default::default")]
    pub left_on: Option<DateText>,
    /// Disciplinary measures (kỷ luật), keyed by id.
    #[autosurgeon(missing = "Default::default")]
    pub discipline: BTreeMap<String, DisciplineEntry>,
}

impl Person {
    /// "Ông" / "Bà", when the gender is known.
    pub fn form_of_address(&self) -> Option<&'static str> {
        self.gender.map(form_of_address)
    }

    /// Whether the person was on the staff on some day of `year`.
    pub fn on_staff_in(&self, year: i32) -> bool {
        let joined = self.joined_on.as_ref().and_then(DateText::date);
        let left = self.left_on.as_ref().and_then(DateText::date);
        joined.is_none_or(|j| j <= Date::last_of_year(year))
            && left.is_none_or(|l| l >= Date::first_of_year(year))
    }

    /// The discipline records the rules can use (entries with a readable
    /// start date), in key order.
    pub fn discipline_records(&self) -> Vec<DisciplineRecord> {
        self.discipline
            .values()
            .filter_map(DisciplineEntry::to_record)
            .collect()
    }
}

/// A disciplinary measure and its period (hình thức và thời hạn kỷ luật).
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisciplineEntry {
    pub level: DisciplineLevel,
    /// First day of the period.
    #[autosurgeon(missing = "Default::default")]
    pub start: DateText,
    /// Last day of the period; `None` while it runs.
    #[autosurgeon(missing = "Default::default")]
    pub end: Option<DateText>,
    /// The disciplinary decision's number, if recorded.
    #[autosurgeon(rename = "decisionNumber", missing = "Default::default")]
    pub decision_number: String,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
}

impl DisciplineEntry {
    /// The record the rules use; `None` when the start date is unreadable.
    /// An unreadable end date is treated as "still running" (the stricter
    /// reading).
    pub fn to_record(&self) -> Option<DisciplineRecord> {
        Some(DisciplineRecord {
            level: self.level,
            start: self.start.date()?,
            end: self.end.as_ref().and_then(DateText::date),
        })
    }
}

/// A registration (đăng ký thi đua): an individual's target title, or the
/// collective's when `person_id` is `None`.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    #[autosurgeon(with = "year")]
    pub year: i32,
    /// The person registering; `None` = the office as a collective.
    #[autosurgeon(rename = "personId", missing = "Default::default")]
    pub person_id: Option<String>,
    /// The target title (danh hiệu đăng ký).
    pub title: Title,
    /// Date registered (ngày đăng ký).
    #[autosurgeon(missing = "Default::default")]
    pub date: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
}

/// An office's targets for a year (chỉ tiêu thi đua), as offices set them:
/// e.g. Lạng Sơn 2017: "Tập thể lao động xuất sắc"; 100% Lao động tiên
/// tiến; 15% Chiến sĩ thi đua cơ sở trở lên.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct YearTargets {
    #[autosurgeon(with = "year")]
    pub year: i32,
    /// The collective title aimed for (danh hiệu tập thể).
    #[autosurgeon(rename = "collectiveTitle", missing = "Default::default")]
    pub collective_title: Option<Title>,
    /// Percent of the staff to be Lao động tiên tiến (or higher).
    #[autosurgeon(
        rename = "ldttPercent",
        with = "opt_count",
        missing = "Default::default"
    )]
    pub ldtt_percent: Option<u32>,
    /// Percent of the staff to be Chiến sĩ thi đua cơ sở or higher ("trở lên").
    #[autosurgeon(
        rename = "cstdcsPercent",
        with = "opt_count",
        missing = "Default::default"
    )]
    pub cstdcs_percent: Option<u32>,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
}

impl YearTargets {
    pub fn new(year: i32) -> YearTargets {
        YearTargets {
            year,
            ..YearTargets::default()
        }
    }

    /// Whether any target is set.
    pub fn is_set(&self) -> bool {
        self.collective_title.is_some()
            || self.ldtt_percent.is_some()
            || self.cstdcs_percent.is_some()
    }
}

/// The office's signature of the cluster covenant for a year.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CovenantSignature {
    #[autosurgeon(with = "year")]
    pub year: i32,
    /// Who signed (người ký), e.g. "Nguyễn Văn An".
    #[autosurgeon(rename = "signedBy", missing = "Default::default")]
    pub signed_by: String,
    /// The signer's position (chức vụ).
    #[autosurgeon(missing = "Default::default")]
    pub position: String,
    #[autosurgeon(missing = "Default::default")]
    pub date: Option<DateText>,
}

/// A self-score for one criterion (điểm tự chấm) with its evidence.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfScore {
    #[autosurgeon(with = "points")]
    pub points: f64,
    /// Explanation (giải trình).
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
    /// Evidence notes (minh chứng): documents, numbers, links.
    #[autosurgeon(missing = "Default::default")]
    pub evidence: String,
}

/// Points given for one criterion to another office.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CriterionScore {
    #[autosurgeon(with = "points")]
    pub points: f64,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
}

/// What this office gives another office at the year-end review.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerReview {
    /// Points per criterion id.
    #[autosurgeon(missing = "Default::default")]
    pub scores: BTreeMap<String, CriterionScore>,
    /// Comment (nhận xét).
    #[autosurgeon(missing = "Default::default")]
    pub comment: String,
}

/// An inspection or survey the office hosted (kiểm tra, khảo sát).
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    #[autosurgeon(missing = "Default::default")]
    pub date: Option<DateText>,
    /// The visiting team (đoàn kiểm tra): who, from which offices.
    #[autosurgeon(missing = "Default::default")]
    pub team: String,
    /// Findings and results achieved (kết quả đạt được).
    #[autosurgeon(missing = "Default::default")]
    pub findings: String,
    /// Shortcomings (hạn chế), keyed by id, each followed up.
    #[autosurgeon(missing = "Default::default")]
    pub shortcomings: BTreeMap<String, FollowUp>,
    /// Recommendations (kiến nghị), keyed by id, each followed up.
    #[autosurgeon(missing = "Default::default")]
    pub recommendations: BTreeMap<String, FollowUp>,
}

/// A shortcoming or recommendation and what became of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUp {
    #[autosurgeon(missing = "Default::default")]
    pub text: String,
    #[autosurgeon(missing = "Default::default")]
    pub status: FollowUpStatus,
    /// What was done (kết quả khắc phục).
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
    #[autosurgeon(rename = "dueDate", missing = "Default::default")]
    pub due_date: Option<DateText>,
    #[autosurgeon(rename = "doneOn", missing = "Default::default")]
    pub done_on: Option<DateText>,
}

/// An exemplary model (gương điển hình tiên tiến): a person of the office
/// or a collective.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExemplaryModel {
    /// The person, when the model is an individual.
    #[autosurgeon(rename = "personId", missing = "Default::default")]
    pub person_id: Option<String>,
    /// The collective's name (tập thể), when not an individual.
    #[autosurgeon(rename = "collectiveName", missing = "Default::default")]
    pub collective_name: String,
    /// Achievements (thành tích, việc làm tiêu biểu).
    #[autosurgeon(missing = "Default::default")]
    pub description: String,
    /// The furthest stage reached.
    #[autosurgeon(missing = "Default::default")]
    pub stage: ModelStage,
    /// When each stage was reached.
    #[autosurgeon(rename = "stageDates", missing = "Default::default")]
    pub stage_dates: StageDates,
    /// The proposal (tờ trình) the model led to, a key of `proposals`.
    #[autosurgeon(rename = "proposalId", missing = "Default::default")]
    pub proposal_id: Option<String>,
}

/// The date each stage of an exemplary model was reached.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageDates {
    #[autosurgeon(missing = "Default::default")]
    pub found: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub nurtured: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub selected: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub introduced: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub registered: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub proposed: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub honoured: Option<DateText>,
    #[autosurgeon(missing = "Default::default")]
    pub replicated: Option<DateText>,
}

impl StageDates {
    /// The dates in stage order.
    pub fn in_order(&self) -> [(ModelStage, Option<&DateText>); 8] {
        [
            (ModelStage::Found, self.found.as_ref()),
            (ModelStage::Nurtured, self.nurtured.as_ref()),
            (ModelStage::Selected, self.selected.as_ref()),
            (ModelStage::Introduced, self.introduced.as_ref()),
            (ModelStage::Registered, self.registered.as_ref()),
            (ModelStage::Proposed, self.proposed.as_ref()),
            (ModelStage::Honoured, self.honoured.as_ref()),
            (ModelStage::Replicated, self.replicated.as_ref()),
        ]
    }
}

/// A person's title evaluation for a year (bình xét danh hiệu cá nhân).
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TitleEvaluation {
    #[autosurgeon(rename = "personId")]
    pub person_id: String,
    #[autosurgeon(with = "year")]
    pub year: i32,
    /// Rating of duties (xếp loại chất lượng); `None` until rated.
    #[autosurgeon(missing = "Default::default")]
    pub rating: Option<PerformanceRating>,
    /// Took part in the emulation movements.
    #[autosurgeon(rename = "takesPartInEmulation", missing = "yes")]
    pub takes_part_in_emulation: bool,
    /// Recognised initiatives (sáng kiến) this year.
    #[autosurgeon(with = "count", missing = "Default::default")]
    pub initiatives: u32,
    /// An initiative, or a research project or scheme, applied with effect
    /// at provincial scope (phạm vi ảnh hưởng trong tỉnh), Điều 22. The
    /// stored name is older than the research part.
    #[autosurgeon(rename = "initiativeAppliedProvincially", missing = "Default::default")]
    pub initiative_applied_provincially: bool,
    /// An initiative or research of nationwide scope (phạm vi ảnh hưởng
    /// toàn quốc), Điều 21.
    #[autosurgeon(rename = "nationwideScope", missing = "Default::default")]
    pub nationwide_scope: bool,
    /// Transferred from another agency this year (chuyển công tác đến): the
    /// minimum months for newcomers does not apply.
    #[autosurgeon(rename = "transferredIn", missing = "Default::default")]
    pub transferred_in: bool,
    /// Accepted research projects (đề tài khoa học).
    #[autosurgeon(
        rename = "researchProjects",
        with = "count",
        missing = "Default::default"
    )]
    pub research_projects: u32,
    /// Votes in favour at the evaluation meeting (số phiếu đồng ý).
    #[autosurgeon(rename = "votesYes", with = "count", missing = "Default::default")]
    pub votes_yes: u32,
    /// Votes cast (tổng số phiếu).
    #[autosurgeon(rename = "votesTotal", with = "count", missing = "Default::default")]
    pub votes_total: u32,
    /// The emulation title proposed (danh hiệu thi đua đề nghị).
    #[autosurgeon(rename = "proposedTitle", missing = "Default::default")]
    pub proposed_title: Option<Title>,
    /// A form of commendation proposed besides the title (hình thức khen
    /// thưởng đề nghị: Bằng khen, Giấy khen), e.g. Lao động tiên tiến and a
    /// Bằng khen; checked against its own rules.
    #[autosurgeon(rename = "proposedAward", missing = "Default::default")]
    pub proposed_award: Option<Title>,
    /// Votes in favour of the form of commendation.
    #[autosurgeon(rename = "awardVotesYes", with = "count", missing = "Default::default")]
    pub award_votes_yes: u32,
    /// Votes cast on it.
    #[autosurgeon(
        rename = "awardVotesTotal",
        with = "count",
        missing = "Default::default"
    )]
    pub award_votes_total: u32,
    /// Under discipline review, inspection or complaint handling.
    #[autosurgeon(rename = "underReview", missing = "Default::default")]
    pub under_review: bool,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
}

impl TitleEvaluation {
    /// A blank evaluation of `person_id` for `year`.
    pub fn new(person_id: &str, year: i32) -> TitleEvaluation {
        TitleEvaluation {
            person_id: person_id.to_string(),
            year,
            rating: None,
            takes_part_in_emulation: true,
            initiatives: 0,
            initiative_applied_provincially: false,
            nationwide_scope: false,
            transferred_in: false,
            research_projects: 0,
            votes_yes: 0,
            votes_total: 0,
            proposed_title: None,
            proposed_award: None,
            award_votes_yes: 0,
            award_votes_total: 0,
            under_review: false,
            note: String::new(),
        }
    }

    /// The titles proposed for the person this year: the emulation title
    /// and the form of commendation, each evaluated on its own.
    pub fn proposed(&self) -> impl Iterator<Item = Title> + '_ {
        self.proposed_title.into_iter().chain(self.proposed_award)
    }
}

/// The collective's own evaluation for a year (bình xét tập thể).
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectiveEvaluation {
    #[autosurgeon(with = "year")]
    pub year: i32,
    /// The collective's rating (xếp loại tập thể); `None` until rated.
    #[autosurgeon(missing = "Default::default")]
    pub rating: Option<PerformanceRating>,
    /// Internal unity (nội bộ đoàn kết).
    #[autosurgeon(rename = "internalUnity", missing = "yes")]
    pub internal_unity: bool,
    #[autosurgeon(rename = "underReview", missing = "Default::default")]
    pub under_review: bool,
    #[autosurgeon(rename = "proposedTitle", missing = "Default::default")]
    pub proposed_title: Option<Title>,
    #[autosurgeon(rename = "votesYes", with = "count", missing = "Default::default")]
    pub votes_yes: u32,
    #[autosurgeon(rename = "votesTotal", with = "count", missing = "Default::default")]
    pub votes_total: u32,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
}

impl CollectiveEvaluation {
    pub fn new(year: i32) -> CollectiveEvaluation {
        CollectiveEvaluation {
            year,
            rating: None,
            internal_unity: true,
            under_review: false,
            proposed_title: None,
            votes_yes: 0,
            votes_total: 0,
            note: String::new(),
        }
    }
}

/// A commendation proposal (tờ trình đề nghị khen thưởng).
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    /// Number like `12/TTr-VP`; empty while a draft.
    #[autosurgeon(missing = "Default::default")]
    pub number: String,
    #[autosurgeon(missing = "Default::default")]
    pub date: Option<DateText>,
    /// Code of the proposing office (đơn vị trình), normally this office.
    #[autosurgeon(rename = "proposingOffice", missing = "Default::default")]
    pub proposing_office: String,
    /// Who signed (người ký).
    #[autosurgeon(missing = "Default::default")]
    pub signer: String,
    /// The person proposed; `None` = a collective (see `subject_name`).
    #[autosurgeon(rename = "personId", missing = "Default::default")]
    pub person_id: Option<String>,
    /// Display name of the subject, needed for a collective.
    #[autosurgeon(rename = "subjectName", missing = "Default::default")]
    pub subject_name: String,
    /// The year of the achievements commended (năm thành tích).
    #[autosurgeon(with = "year", missing = "Default::default")]
    pub year: i32,
    /// The title proposed, when it is one the rules know.
    #[autosurgeon(missing = "Default::default")]
    pub title: Option<Title>,
    /// Regular, ad-hoc (đột xuất) or themed (chuyên đề): ad-hoc and themed
    /// awards are not a basis for merit awards.
    #[autosurgeon(rename = "awardKind", missing = "Default::default")]
    pub award_kind: AwardKind,
    /// Any other award, as text (e.g. "Huân chương Lao động hạng Ba").
    #[autosurgeon(missing = "Default::default")]
    pub award: String,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
    /// The dossier (hồ sơ): components and history.
    #[autosurgeon(missing = "Default::default")]
    pub dossier: Dossier,
}

/// A commendation decision (quyết định khen thưởng), linked to the
/// proposals it grants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Number like `123/QĐ-UBND`.
    #[autosurgeon(missing = "Default::default")]
    pub number: String,
    #[autosurgeon(missing = "Default::default")]
    pub date: Option<DateText>,
    /// Who signed (người ký), e.g. "Chủ tịch UBND tỉnh".
    #[autosurgeon(missing = "Default::default")]
    pub signer: String,
    /// The citation (nội dung khen thưởng).
    #[autosurgeon(missing = "Default::default")]
    pub citation: String,
    /// Ids of the proposals this decision grants.
    #[autosurgeon(rename = "proposalIds", missing = "Default::default")]
    pub proposal_ids: Vec<String>,
}

impl OfficeDoc {
    /// An empty office document of the current schema version.
    pub fn new(code: &str, name: &str) -> OfficeDoc {
        OfficeDoc {
            schema_version: SCHEMA_VERSION,
            kind: "office".to_string(),
            office_code: code.to_string(),
            name: name.to_string(),
            ..OfficeDoc::default()
        }
    }

    /// The evaluation of `person_id` for `year`. When concurrent devices
    /// made several (under different keys), the one under the greatest
    /// key is used, the same on every device.
    pub fn evaluation(&self, person_id: &str, year: i32) -> Option<&TitleEvaluation> {
        self.evaluations
            .values()
            .rev()
            .find(|e| e.person_id == person_id && e.year == year)
    }

    /// The targets of `year`, when any is set.
    pub fn targets_of(&self, year: i32) -> Option<&YearTargets> {
        self.targets
            .get(&year.to_string())
            .filter(|t| t.year == year && t.is_set())
    }

    /// The collective evaluation of `year`.
    pub fn collective_evaluation(&self, year: i32) -> Option<&CollectiveEvaluation> {
        self.collective_evaluations
            .get(&year.to_string())
            .filter(|e| e.year == year)
            .or_else(|| {
                self.collective_evaluations
                    .values()
                    .find(|e| e.year == year)
            })
    }

    /// Staff on the roster on some day of `year`, by id.
    pub fn staff_in(&self, year: i32) -> impl Iterator<Item = (&String, &Person)> {
        self.staff.iter().filter(move |(_, p)| p.on_staff_in(year))
    }

    /// The proposals a decision grants that exist in this document.
    pub fn proposals_of<'a>(
        &'a self,
        decision: &'a Decision,
    ) -> impl Iterator<Item = (&'a str, &'a Proposal)> {
        decision
            .proposal_ids
            .iter()
            .filter_map(|id| self.proposals.get(id).map(|p| (id.as_str(), p)))
    }
}
