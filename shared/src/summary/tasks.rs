//! What an office has to do now (việc cần làm): the deadlines of the
//! cluster's plan with the days left, and the work of the year the office
//! has not done yet, counted by the same functions the dashboard uses
//! ([`super::registrations`], [`super::pipeline`], [`super::commendations`]),
//! so the home page and the dashboard never disagree.
//!
//! No clock: the caller passes today's date (in Vietnam).

use serde::{Deserialize, Serialize};

use super::codes::days_between;
use super::commendations::dossiers;
use super::pipeline::follow_ups;
use super::registrations::{dossier_deadline_named, office_registrations, registration_deadline};
use crate::domain::rules::Date;
use crate::schema::{ClusterDoc, DateText, OfficeDoc, ReviewPeriod};

/// Deadlines that passed more than this many days ago are no longer shown.
pub const PAST_DEADLINE_DAYS: i64 = 30;

/// A deadline of the cluster's plan (thời hạn) and the days left to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadlineDue {
    pub name: String,
    pub date: Date,
    /// Days from today: 0 today, negative once passed.
    pub days_left: i64,
}

impl DeadlineDue {
    /// "còn 5 ngày", "hôm nay", "đã quá 3 ngày".
    pub fn when_vi(&self) -> String {
        match self.days_left {
            0 => "hạn là hôm nay".to_string(),
            d if d > 0 => format!("còn {d} ngày"),
            d => format!("đã quá hạn {} ngày", -d),
        }
    }

    pub fn when_en(&self) -> String {
        match self.days_left {
            0 => "due today".to_string(),
            1 => "1 day left".to_string(),
            d if d > 0 => format!("{d} days left"),
            -1 => "1 day overdue".to_string(),
            d => format!("{} days overdue", -d),
        }
    }
}

/// A kind of work not done yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TaskKind {
    /// The collective has not registered for a title this year.
    CollectiveNotRegistered,
    /// Staff of the year without a registration.
    UnregisteredStaff,
    /// Criteria of the review round in progress without a self-score.
    UnscoredCriteria,
    /// Self-scores without evidence (minh chứng).
    ScoresWithoutEvidence,
    /// Inspection recommendations and shortcomings not yet carried out.
    OpenFollowUps,
    /// Dossiers returned by the authority, not sent again.
    ReturnedDossiers,
    /// Dossiers of undecided proposals not sent yet.
    DossiersNotSent,
}

impl TaskKind {
    /// The office sub-page where the work is done (`#/don-vi/<code>/<page>`).
    pub fn page(self) -> &'static str {
        match self {
            TaskKind::CollectiveNotRegistered | TaskKind::UnregisteredStaff => "dang-ky",
            TaskKind::UnscoredCriteria | TaskKind::ScoresWithoutEvidence => "cham-diem",
            TaskKind::OpenFollowUps => "kiem-tra",
            TaskKind::ReturnedDossiers | TaskKind::DossiersNotSent => "khen-thuong",
        }
    }

    /// A stable code (for tests and the UI's ids).
    pub fn code(self) -> &'static str {
        match self {
            TaskKind::CollectiveNotRegistered => "collective",
            TaskKind::UnregisteredStaff => "unregistered",
            TaskKind::UnscoredCriteria => "unscored",
            TaskKind::ScoresWithoutEvidence => "evidence",
            TaskKind::OpenFollowUps => "followups",
            TaskKind::ReturnedDossiers => "returned",
            TaskKind::DossiersNotSent => "not-sent",
        }
    }
}

/// One piece of work not done yet, counted, with what to do in both
/// languages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub kind: TaskKind,
    pub count: u32,
    /// Of them, past their own due date (recommendations) or the plan's
    /// deadline (registrations, dossiers), when known.
    pub overdue: u32,
    pub vi: String,
    pub en: String,
}

/// An office's deadlines and work to do, for the cluster's year.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeTasks {
    pub year: i32,
    /// The review round in progress (by today's date).
    pub period: Option<ReviewPeriod>,
    /// Upcoming deadlines and those passed within [`PAST_DEADLINE_DAYS`],
    /// by date.
    pub deadlines: Vec<DeadlineDue>,
    /// Work not done yet, most pressing kinds first; empty when all done.
    pub tasks: Vec<Task>,
}

/// The review round a person most likely works on: the mid-year review
/// until the end of September of `year`, the year-end review after (and for
/// any earlier year).
pub fn likely_period(year: i32, today: Date) -> ReviewPeriod {
    if year == today.year() && today.month() < 10 {
        ReviewPeriod::MidYear
    } else {
        ReviewPeriod::YearEnd
    }
}

/// What office `code` has to do now, on `today`.
pub fn office_tasks(
    office: &OfficeDoc,
    cluster: &ClusterDoc,
    code: &str,
    today: Date,
) -> OfficeTasks {
    let year = cluster.year;
    let mut out = OfficeTasks {
        year,
        ..OfficeTasks::default()
    };
    out.deadlines = deadlines(cluster, today);

    let reg_deadline = registration_deadline(cluster, year);
    let reg_passed = reg_deadline.is_some_and(|d| today > d);
    let regs = office_registrations(office, year, reg_deadline);
    if regs.collective_target.is_none() {
        out.tasks.push(Task {
            kind: TaskKind::CollectiveNotRegistered,
            count: 1,
            overdue: u32::from(reg_passed),
            vi: format!("Tập thể đơn vị chưa đăng ký danh hiệu thi đua năm {year}."),
            en: format!("The office has not registered for a collective title for {year}."),
        });
    }
    let unregistered = regs.people.iter().filter(|p| p.title.is_none()).count() as u32;
    if unregistered > 0 {
        out.tasks.push(Task {
            kind: TaskKind::UnregisteredStaff,
            count: unregistered,
            overdue: if reg_passed { unregistered } else { 0 },
            vi: format!(
                "{unregistered}/{} cán bộ chưa đăng ký thi đua năm {year}.",
                regs.staff_count
            ),
            en: format!(
                "{unregistered} of {} staff have not registered for {year}.",
                regs.staff_count
            ),
        });
    }

    if !cluster.criteria.is_empty() {
        let period = likely_period(year, today);
        out.period = Some(period);
        let round = office.review(year, period, cluster.year);
        let unscored = cluster
            .criteria
            .keys()
            .filter(|id| !round.self_scores.contains_key(*id))
            .count() as u32;
        if unscored > 0 {
            out.tasks.push(Task {
                kind: TaskKind::UnscoredCriteria,
                count: unscored,
                overdue: 0,
                vi: format!(
                    "{unscored}/{} tiêu chí chưa tự chấm điểm ({} {year}).",
                    cluster.criteria.len(),
                    crate::domain::lower_first(period.name_vi())
                ),
                en: format!(
                    "{unscored} of {} criteria not self-scored ({}, {year}).",
                    cluster.criteria.len(),
                    period.name_en().to_lowercase()
                ),
            });
        }
        let bare = cluster
            .criteria
            .keys()
            .filter_map(|id| round.self_scores.get(id))
            .filter(|s| s.evidence.trim().is_empty())
            .count() as u32;
        if bare > 0 {
            out.tasks.push(Task {
                kind: TaskKind::ScoresWithoutEvidence,
                count: bare,
                overdue: 0,
                vi: format!("{bare} tiêu chí đã chấm điểm nhưng chưa có minh chứng."),
                en: format!("{bare} scored criteria have no evidence."),
            });
        }
    }

    let follow = follow_ups(office, cluster, code, "", year);
    let open = follow.recommendations_open + follow.shortcomings_open;
    if open > 0 {
        let late = follow
            .rows
            .iter()
            .filter(|r| r.due_date.is_some_and(|d| d < today))
            .count() as u32;
        let (late_vi, late_en) = if late > 0 {
            (
                format!(", trong đó {late} đã quá hạn"),
                format!(", {late} past their due date"),
            )
        } else {
            (String::new(), String::new())
        };
        out.tasks.push(Task {
            kind: TaskKind::OpenFollowUps,
            count: open,
            overdue: late,
            vi: format!(
                "{} kiến nghị và {} hạn chế sau kiểm tra chưa thực hiện xong{late_vi}.",
                follow.recommendations_open, follow.shortcomings_open
            ),
            en: format!(
                "{} recommendations and {} shortcomings from inspections not yet carried out{late_en}.",
                follow.recommendations_open, follow.shortcomings_open
            ),
        });
    }

    let dossier_deadline = dossier_deadline_named(cluster, year).map(|(_, d)| d);
    let counts = dossiers(office, year, dossier_deadline);
    if counts.returned > 0 {
        out.tasks.push(Task {
            kind: TaskKind::ReturnedDossiers,
            count: counts.returned,
            overdue: 0,
            vi: format!(
                "{} hồ sơ đề nghị khen thưởng bị trả lại, cần bổ sung và gửi lại.",
                counts.returned
            ),
            en: format!(
                "{} commendation dossiers were returned: complete them and send them again.",
                counts.returned
            ),
        });
    }
    if counts.preparing > 0 {
        let passed = dossier_deadline.is_some_and(|d| today > d);
        out.tasks.push(Task {
            kind: TaskKind::DossiersNotSent,
            count: counts.preparing,
            overdue: if passed { counts.preparing } else { 0 },
            vi: format!(
                "{} hồ sơ đề nghị khen thưởng đang chuẩn bị, chưa gửi.",
                counts.preparing
            ),
            en: format!(
                "{} commendation dossiers are being prepared, not sent yet.",
                counts.preparing
            ),
        });
    }
    // Overdue work first, then in the order of the year.
    out.tasks.sort_by_key(|t| (t.overdue == 0, t.kind));
    out
}

/// The plan's deadlines from [`PAST_DEADLINE_DAYS`] ago on, by date.
fn deadlines(cluster: &ClusterDoc, today: Date) -> Vec<DeadlineDue> {
    let mut out: Vec<DeadlineDue> = cluster
        .deadlines
        .values()
        .filter_map(|d| {
            let date = DateText::date(&d.date)?;
            let days_left = days_between(today, date);
            (days_left >= -PAST_DEADLINE_DAYS).then(|| DeadlineDue {
                name: d.name.clone(),
                date,
                days_left,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.date, &a.name).cmp(&(b.date, &b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Title;
    use crate::schema::{FollowUp, FollowUpStatus, Inspection, Registration, SelfScore};
    use crate::summary::tests::Fixture;

    fn date(y: i32, m: u32, d: u32) -> Date {
        Date::new(y, m, d).unwrap()
    }

    fn kinds(t: &OfficeTasks) -> Vec<(TaskKind, u32, u32)> {
        t.tasks
            .iter()
            .map(|t| (t.kind, t.count, t.overdue))
            .collect()
    }

    /// The clerk's list shrinks as the work is done, and counts what the
    /// dashboard counts.
    #[test]
    fn the_list_shrinks_as_the_work_is_done() {
        let mut f = Fixture::new();
        let today = date(2026, 3, 20);
        let (cluster, office) = f.parts("LSN");
        let t = office_tasks(office, cluster, "LSN", today);
        assert_eq!(t.period, Some(ReviewPeriod::MidYear));
        // The registration deadline (25/03/2026) is 5 days away.
        assert_eq!(t.deadlines.len(), 1);
        assert_eq!(t.deadlines[0].days_left, 5);
        assert_eq!(t.deadlines[0].when_vi(), "còn 5 ngày");
        assert_eq!(
            kinds(&t),
            vec![
                (TaskKind::CollectiveNotRegistered, 1, 0),
                (TaskKind::UnregisteredStaff, 10, 0),
                (TaskKind::UnscoredCriteria, 2, 0),
            ]
        );
        assert!(
            t.tasks[1].vi.starts_with("10/10 cán bộ chưa đăng ký"),
            "{}",
            t.tasks[1].vi
        );
        assert!(
            t.tasks[2].vi.contains("sơ kết 6 tháng đầu năm 2026"),
            "{}",
            t.tasks[2].vi
        );

        // Registrations: the collective and nine people (p10 not yet).
        let reg = |person: Option<&str>, title: Title| Registration {
            year: 2026,
            person_id: person.map(str::to_string),
            title,
            date: Some(DateText::from("2026-03-18")),
            note: String::new(),
        };
        office
            .registrations
            .insert("r0".into(), reg(None, Title::TapTheLaoDongXuatSac));
        for i in 1..=9 {
            office.registrations.insert(
                format!("r{i}"),
                reg(Some(&format!("p{i}")), Title::LaoDongTienTien),
            );
        }
        // C1 scored with evidence, C2 scored without.
        let round = office.reviews.entry("2026-midYear".into()).or_default();
        for (id, evidence) in [("C1", "Báo cáo số 12/BC-VP"), ("C2", "")] {
            round.self_scores.insert(
                id.into(),
                SelfScore {
                    points: 10.0,
                    note: String::new(),
                    evidence: evidence.into(),
                },
            );
        }
        // An inspection recommendation due 31/03, still open on 01/04.
        let mut insp = Inspection {
            date: Some(DateText::from("2026-02-10")),
            ..Inspection::default()
        };
        insp.recommendations.insert(
            "k1".into(),
            FollowUp {
                text: "Bổ sung sổ theo dõi".into(),
                status: FollowUpStatus::InProgress,
                due_date: Some(DateText::from("2026-03-31")),
                ..FollowUp::default()
            },
        );
        office.inspections.insert("i1".into(), insp);

        let (cluster, office) = f.parts("LSN");
        let t = office_tasks(office, cluster, "LSN", date(2026, 4, 1));
        assert_eq!(t.deadlines[0].when_vi(), "đã quá hạn 7 ngày");
        // Overdue work first.
        assert_eq!(
            kinds(&t),
            vec![
                (TaskKind::UnregisteredStaff, 1, 1),
                (TaskKind::OpenFollowUps, 1, 1),
                (TaskKind::ScoresWithoutEvidence, 1, 0),
            ]
        );
        assert!(
            t.tasks[1].vi.contains("trong đó 1 đã quá hạn"),
            "{}",
            t.tasks[1].vi
        );

        // The same counts as the dashboard's.
        let s = f.summary(2026);
        let lsn = s.offices.iter().find(|o| o.code == "LSN").unwrap();
        assert_eq!(
            lsn.registrations.staff_count - lsn.registrations.registered_count,
            1
        );

        // All done: nothing left, and a deadline 31 days past is not shown.
        let (cluster, office) = f.parts("LSN");
        office
            .registrations
            .insert("r10".into(), reg(Some("p10"), Title::LaoDongTienTien));
        let round = office.reviews.get_mut("2026-midYear").unwrap();
        round.self_scores.get_mut("C2").unwrap().evidence = "Kế hoạch số 3/KH-VP".into();
        let insp = office.inspections.get_mut("i1").unwrap();
        insp.recommendations.get_mut("k1").unwrap().status = FollowUpStatus::Done;
        let t = office_tasks(office, cluster, "LSN", date(2026, 4, 25));
        assert!(t.tasks.is_empty(), "{:#?}", t.tasks);
        assert!(t.deadlines.is_empty());
        // After September the year-end review is the one to score.
        let t = office_tasks(office, cluster, "LSN", date(2026, 10, 1));
        assert_eq!(t.period, Some(ReviewPeriod::YearEnd));
        assert_eq!(kinds(&t), vec![(TaskKind::UnscoredCriteria, 2, 0)]);
    }
}
