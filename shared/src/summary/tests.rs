//! Summary tests on a small hand-made cluster: three offices, two criteria.

use super::codes::{date_of_day_number, day_number, days_between, vietnam_date_of};
use super::*;
use crate::domain::rules::{Date, RuleCatalog};
use crate::domain::{Gender, PerformanceRating, Title};
use crate::schema::{
    ClusterDoc, CollectiveEvaluation, CriterionScore, CriterionSeed, DateText, Deadline, Decision,
    ExemplaryModel, FollowUp, FollowUpStatus, Inspection, Member, ModelStage, OfficeDoc,
    PeerReview, Person, Proposal, Registration, SelfScore, TitleEvaluation, YearTargets,
    evaluation_key,
};

fn d(text: &str) -> DateText {
    DateText::from(text)
}

fn date(y: i32, m: u32, day: u32) -> Date {
    Date::new(y, m, day).unwrap()
}

const CODES: [(&str, &str); 3] = [("LSN", "Lạng Sơn"), ("CBG", "Cao Bằng"), ("SLA", "Sơn La")];

fn cluster() -> ClusterDoc {
    let mut c = ClusterDoc::new("Cụm thử", 2026, "LSN", "CBG");
    for (code, province) in CODES {
        c.members.insert(
            code.into(),
            Member {
                code: code.into(),
                name: format!("Văn phòng {province}"),
                province: province.into(),
                ..Member::default()
            },
        );
    }
    c.add_criteria(&[
        CriterionSeed {
            id: "C1",
            section: "I. Tham mưu",
            title: "Tham mưu",
            max_points: 25,
        },
        CriterionSeed {
            id: "C2",
            section: "II. Phong trào",
            title: "Phong trào",
            max_points: 15,
        },
    ]);
    c.deadlines.insert(
        "registration".into(),
        Deadline {
            name: "Đăng ký thi đua".into(),
            date: d("2026-03-25"),
            note: String::new(),
        },
    );
    c.rule_settings.override_cstdcs_cap = true;
    c.rule_settings.cstdcs_cap_percent = Some(15);
    c
}

fn person(name: &str, gender: Gender) -> Person {
    Person {
        full_name: name.into(),
        position: "Chuyên viên".into(),
        gender: Some(gender),
        ..Person::default()
    }
}

fn evaluation(person: &str, rating: PerformanceRating, title: Option<Title>) -> TitleEvaluation {
    let mut e = TitleEvaluation::new(person, 2026);
    e.rating = Some(rating);
    e.proposed_title = title;
    e
}

/// Ten people, all rated well and proposed Lao động tiên tiến; p1 is
/// proposed Chiến sĩ thi đua cơ sở with an initiative. The collective is
/// rated excellent and proposed Tập thể lao động xuất sắc.
fn office(code: &str) -> OfficeDoc {
    let mut o = OfficeDoc::new(code, &format!("Văn phòng {code}"));
    let names = [
        ("Nguyễn Văn An", Gender::Male),
        ("Trần Thị Liên", Gender::Female),
        ("Lê Văn Đức", Gender::Male),
        ("Hoàng Thị Ơn", Gender::Female),
        ("Vi Văn Bình", Gender::Male),
        ("Nông Thị Ánh", Gender::Female),
        ("Hà Văn Chung", Gender::Male),
        ("Lò Thị Dung", Gender::Female),
        ("Sầm Văn Ưng", Gender::Male),
        ("Đinh Thị Hoa", Gender::Female),
    ];
    for (i, (name, g)) in names.iter().enumerate() {
        let id = format!("p{}", i + 1);
        o.staff.insert(id.clone(), person(name, *g));
        let title = if i == 0 {
            Title::ChienSiThiDuaCoSo
        } else {
            Title::LaoDongTienTien
        };
        let mut e = evaluation(&id, PerformanceRating::HoanThanhTot, Some(title));
        if i == 0 {
            e.initiatives = 1;
        }
        o.evaluations.insert(evaluation_key(&id, 2026), e);
    }
    let mut ce = CollectiveEvaluation::new(2026);
    ce.rating = Some(PerformanceRating::HoanThanhXuatSac);
    ce.proposed_title = Some(Title::TapTheLaoDongXuatSac);
    o.collective_evaluations.insert("2026".into(), ce);
    o
}

pub(crate) struct Fixture {
    cluster: ClusterDoc,
    offices: Vec<OfficeDoc>,
    times: Vec<Option<i64>>,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        Fixture {
            cluster: cluster(),
            offices: CODES.iter().map(|(c, _)| office(c)).collect(),
            times: vec![Some(1_780_000_000), Some(1_780_086_400), None],
        }
    }

    pub(crate) fn summary(&self, year: i32) -> ClusterSummary {
        let inputs: Vec<OfficeInput<'_>> = CODES
            .iter()
            .zip(&self.offices)
            .zip(&self.times)
            .map(|(((code, _), doc), t)| OfficeInput {
                code,
                doc,
                last_change_secs: *t,
            })
            .collect();
        cluster_summary(&self.cluster, &inputs, &RuleCatalog::defaults(), year)
    }

    /// The cluster document and one office's, the office's to change.
    pub(crate) fn parts(&mut self, code: &str) -> (&ClusterDoc, &mut OfficeDoc) {
        let i = CODES.iter().position(|(c, _)| *c == code).unwrap();
        (&self.cluster, &mut self.offices[i])
    }

    pub(crate) fn office(&mut self, code: &str) -> &mut OfficeDoc {
        let i = CODES.iter().position(|(c, _)| *c == code).unwrap();
        &mut self.offices[i]
    }
}

fn codes_of(s: &ClusterSummary) -> Vec<(String, String)> {
    s.warnings
        .iter()
        .map(|w| (w.office_code.clone(), w.code.clone()))
        .collect()
}

#[test]
fn day_arithmetic_matches_the_calendar() {
    assert_eq!(day_number(date(1970, 1, 1)), 0);
    assert_eq!(day_number(date(2000, 3, 1)), 11_017);
    assert_eq!(days_between(date(2026, 2, 20), date(2026, 3, 2)), 10);
    assert_eq!(days_between(date(2024, 2, 28), date(2024, 3, 1)), 2);
    for n in [-1000, 0, 1, 59, 10_000, 20_600, 2_932_896] {
        assert_eq!(day_number(date_of_day_number(n).unwrap()), n);
    }
    // 2026-05-31 17:00 UTC is already 1 June in Vietnam.
    assert_eq!(vietnam_date_of(1_780_246_800), Some(date(2026, 6, 1)));
}

#[test]
fn a_clean_cluster_has_no_warnings() {
    let s = Fixture::new().summary(2026);
    assert!(s.warnings.is_empty(), "{:#?}", s.warnings);
    assert_eq!(s.rule_set_id.as_deref(), Some("tdkt-2025-nd152"));
    assert_eq!(s.totals.staff_count, 30);
}

#[test]
fn peer_averages_totals_and_ranks() {
    let mut f = Fixture::new();
    let review = |c1: f64, c2: Option<f64>| {
        let mut r = PeerReview::default();
        r.scores.insert(
            "C1".into(),
            CriterionScore {
                points: c1,
                note: String::new(),
            },
        );
        if let Some(c2) = c2 {
            r.scores.insert(
                "C2".into(),
                CriterionScore {
                    points: c2,
                    note: String::new(),
                },
            );
        }
        r
    };
    let self_score = |p: f64| SelfScore {
        points: p,
        ..SelfScore::default()
    };
    f.office("LSN")
        .self_scores
        .insert("C1".into(), self_score(24.0));
    f.office("LSN")
        .self_scores
        .insert("C2".into(), self_score(14.0));
    f.office("CBG")
        .self_scores
        .insert("C1".into(), self_score(20.0));
    // LSN is scored by CBG (20, 12) and SLA (22, —): C1 21, C2 12 → 33.
    f.office("CBG")
        .peer_reviews
        .insert("LSN".into(), review(20.0, Some(12.0)));
    f.office("SLA")
        .peer_reviews
        .insert("LSN".into(), review(22.0, None));
    // CBG is scored by LSN (23, 10) → 33: a tie with LSN.
    f.office("LSN")
        .peer_reviews
        .insert("CBG".into(), review(23.0, Some(10.0)));
    // A review of oneself is ignored.
    f.office("SLA")
        .peer_reviews
        .insert("SLA".into(), review(25.0, Some(15.0)));
    let s = f.summary(2026);
    let lsn = &s.offices[0].scores;
    assert_eq!(lsn.criteria[0].self_score, Some(24.0));
    assert_eq!(lsn.criteria[0].peer_average, Some(21.0));
    assert_eq!(lsn.criteria[0].peer_count, 2);
    assert_eq!(lsn.criteria[1].peer_average, Some(12.0));
    assert_eq!(lsn.criteria[1].peer_count, 1);
    assert_eq!(lsn.self_total, 38.0);
    assert_eq!(lsn.peer_total, Some(33.0));
    assert_eq!(lsn.reviewers, ["CBG", "SLA"]);
    let cbg = &s.offices[1].scores;
    assert_eq!(cbg.peer_total, Some(33.0));
    assert_eq!(
        (lsn.rank, cbg.rank),
        (Some(1), Some(1)),
        "a tie shares the rank"
    );
    let sla = &s.offices[2].scores;
    assert_eq!(sla.peer_total, None);
    assert_eq!(sla.rank, None);
    assert_eq!(
        (lsn.self_rank, cbg.self_rank, sla.self_rank),
        (Some(1), Some(2), Some(3))
    );
    // Ties are broken by self total, then directory order; unranked last.
    assert_eq!(s.ranking, ["LSN", "CBG", "SLA"]);
    assert_eq!(s.max_total, 40.0);
    assert_eq!(s.criteria[1].section, "II. Phong trào");

    // Another year has no scores (they belong to the cluster's year).
    let other = f.summary(2025);
    assert!(other.offices.iter().all(|o| o.scores.peer_total.is_none()));
}

#[test]
fn peer_averages_keep_fractions() {
    let mut f = Fixture::new();
    for (by, points) in [("CBG", 20.0), ("SLA", 21.0)] {
        let mut r = PeerReview::default();
        r.scores.insert(
            "C1".into(),
            CriterionScore {
                points,
                note: String::new(),
            },
        );
        f.office(by).peer_reviews.insert("LSN".into(), r);
    }
    let s = f.summary(2026);
    assert_eq!(s.offices[0].scores.peer_total, Some(20.5));
    // Thirds are rounded to hundredths, sums carry no float noise.
    assert_eq!(scores::round_points(62.0 / 3.0), 20.67);
    assert_eq!(scores::round_points(79.50000000000001), 79.5);
}

#[test]
fn cap_warning_appears_and_disappears_when_fixed() {
    let mut f = Fixture::new();
    for p in ["p2", "p3"] {
        let e = f
            .office("CBG")
            .evaluations
            .get_mut(&evaluation_key(p, 2026))
            .unwrap();
        e.proposed_title = Some(Title::ChienSiThiDuaCoSo);
        e.initiatives = 1;
    }
    let s = f.summary(2026);
    assert_eq!(codes_of(&s), [("CBG".into(), "cstdcs-cap".into())]);
    let w = &s.warnings[0];
    assert!(w.message_vi.contains("vượt tỷ lệ 15%"), "{}", w.message_vi);
    assert!(
        w.message_vi
            .contains("3 Chiến sĩ thi đua cơ sở trở lên / 10 người đạt Lao động tiên tiến = 30%"),
        "{}",
        w.message_vi
    );
    assert!(
        w.message_en.contains("warning: over the 15% cap"),
        "{}",
        w.message_en
    );
    assert_eq!(s.offices[1].warning_count, 1);
    assert_eq!(s.totals.warnings, 1);

    for p in ["p2", "p3"] {
        let e = f
            .office("CBG")
            .evaluations
            .get_mut(&evaluation_key(p, 2026))
            .unwrap();
        e.proposed_title = Some(Title::LaoDongTienTien);
    }
    assert!(f.summary(2026).warnings.is_empty());
}

#[test]
fn collective_short_of_seventy_percent_is_warned_with_the_rule_text() {
    let mut f = Fixture::new();
    for p in ["p2", "p3", "p4", "p5"] {
        let e = f
            .office("SLA")
            .evaluations
            .get_mut(&evaluation_key(p, 2026))
            .unwrap();
        e.proposed_title = None;
    }
    let s = f.summary(2026);
    assert_eq!(
        codes_of(&s),
        [("SLA".into(), "collective-not-eligible".into())]
    );
    let w = &s.warnings[0];
    assert_eq!(w.title, Some(Title::TapTheLaoDongXuatSac));
    assert!(
        w.message_vi
            .contains("Chưa đủ điều kiện Tập thể lao động xuất sắc năm 2026"),
        "{}",
        w.message_vi
    );
    let c = &w.conditions[0];
    assert_eq!(c.article, "Điều 27");
    assert_eq!(
        c.vi,
        "chưa đạt: ≥70% cá nhân đạt Lao động tiên tiến — hiện 6/10 = 60%"
    );
    assert_eq!(c.en, "missing: ≥70% Advanced Workers — now 6/10 = 60%");

    // Fixed: one more Lao động tiên tiến makes 7/10 = 70%.
    let e = f
        .office("SLA")
        .evaluations
        .get_mut(&evaluation_key("p2", 2026))
        .unwrap();
    e.proposed_title = Some(Title::LaoDongTienTien);
    assert!(f.summary(2026).warnings.is_empty());
}

#[test]
fn a_person_under_review_is_frozen_and_a_decision_before_its_proposal_is_warned() {
    let mut f = Fixture::new();
    let o = f.office("LSN");
    o.evaluations
        .get_mut(&evaluation_key("p2", 2026))
        .unwrap()
        .under_review = true;
    o.proposals.insert(
        "tt1".into(),
        Proposal {
            number: "12/TTr-VP".into(),
            date: Some(d("2026-12-20")),
            proposing_office: "LSN".into(),
            person_id: Some("p1".into()),
            year: 2026,
            title: Some(Title::ChienSiThiDuaCoSo),
            ..Proposal::default()
        },
    );
    o.decisions.insert(
        "qd1".into(),
        Decision {
            number: "123/QĐ-UBND".into(),
            date: Some(d("2026-12-10")),
            proposal_ids: vec!["tt1".into()],
            ..Decision::default()
        },
    );
    let s = f.summary(2026);
    assert_eq!(
        codes_of(&s),
        [
            ("LSN".into(), "frozen".into()),
            ("LSN".into(), "decision-before-proposal".into())
        ]
    );
    let frozen = &s.warnings[0];
    assert_eq!(frozen.subject.as_deref(), Some("Trần Thị Liên"));
    assert!(
        frozen
            .message_vi
            .starts_with("Trần Thị Liên: tạm dừng xét Lao động tiên tiến năm 2026"),
        "{}",
        frozen.message_vi
    );
    assert!(
        frozen.conditions[0].vi.contains("tạm dừng xét khen thưởng"),
        "{:?}",
        frozen.conditions
    );
    let early = &s.warnings[1];
    assert_eq!(early.reference.as_deref(), Some("123/QĐ-UBND"));
    assert!(early.message_vi.contains("10/12/2026") && early.message_vi.contains("20/12/2026"));
    // The negative delay is listed but left out of the statistics.
    assert_eq!(s.commendations[0].days, Some(-10));
    assert_eq!(s.offices[0].commendations.timed, 0);

    let o = f.office("LSN");
    o.evaluations
        .get_mut(&evaluation_key("p2", 2026))
        .unwrap()
        .under_review = false;
    o.decisions.get_mut("qd1").unwrap().date = Some(d("2027-01-15"));
    let s = f.summary(2026);
    assert!(s.warnings.is_empty(), "{:#?}", s.warnings);
    assert_eq!(s.commendations[0].days, Some(26));
}

#[test]
fn a_collective_proposed_before_its_rating_cannot_be_checked() {
    let mut f = Fixture::new();
    f.office("CBG")
        .collective_evaluations
        .get_mut("2026")
        .unwrap()
        .rating = None;
    let s = f.summary(2026);
    assert_eq!(
        codes_of(&s),
        [("CBG".into(), "collective-not-rated".into())]
    );
}

#[test]
fn registrations_against_the_deadline_and_results() {
    let mut f = Fixture::new();
    let o = f.office("LSN");
    let reg = |person: Option<&str>, title, date: &str| Registration {
        year: 2026,
        person_id: person.map(str::to_string),
        title,
        date: Some(d(date)),
        note: String::new(),
    };
    o.registrations.insert(
        "r1".into(),
        reg(Some("p1"), Title::LaoDongTienTien, "2026-02-01"),
    );
    // A later registration replaces the earlier one.
    o.registrations.insert(
        "r2".into(),
        reg(Some("p1"), Title::ChienSiThiDuaCoSo, "2026-03-01"),
    );
    o.registrations.insert(
        "r3".into(),
        reg(Some("p2"), Title::LaoDongTienTien, "2026-04-02"),
    );
    o.registrations.insert(
        "r4".into(),
        reg(None, Title::TapTheLaoDongXuatSac, "2026-03-25"),
    );
    let s = f.summary(2026);
    assert_eq!(s.registration_deadline, Some(date(2026, 3, 25)));
    let r = &s.offices[0].registrations;
    assert_eq!((r.staff_count, r.registered_count), (10, 2));
    assert_eq!((r.on_time, r.late, r.undated), (2, 1, 0));
    assert_eq!(r.collective_target, Some(Title::TapTheLaoDongXuatSac));
    assert_eq!(r.collective_timing, Some(RegistrationTiming::OnTime));
    let cstdcs = r
        .by_title
        .iter()
        .find(|t| t.title == Title::ChienSiThiDuaCoSo)
        .unwrap();
    assert_eq!(
        (cstdcs.registered, cstdcs.proposed, cstdcs.awarded),
        (1, 1, 0)
    );
    let ldtt = r
        .by_title
        .iter()
        .find(|t| t.title == Title::LaoDongTienTien)
        .unwrap();
    assert_eq!((ldtt.registered, ldtt.proposed), (1, 9));
    // People by given name: An, Ánh, Bình, Chung, Dung, Đức, Hoa, Liên, Ơn, Ưng.
    let given: Vec<&str> = r
        .people
        .iter()
        .map(|p| p.full_name.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(
        given,
        [
            "An", "Ánh", "Bình", "Chung", "Dung", "Đức", "Hoa", "Liên", "Ơn", "Ưng"
        ]
    );
    assert_eq!(r.people[0].timing, Some(RegistrationTiming::OnTime));
    assert_eq!(r.people[7].timing, Some(RegistrationTiming::Late));
    assert_eq!(s.totals.collective_targets.len(), 1);
    assert_eq!(s.totals.registered_late, 1);
    // No targets set: none shown, none invented.
    assert_eq!(r.targets, None);
}

#[test]
fn targets_against_registrations_and_results_use_the_rule_checks_counts() {
    // As the source article's Lạng Sơn: Tập thể lao động xuất sắc, 100% Lao
    // động tiên tiến, 15% Chiến sĩ thi đua cơ sở trở lên.
    let mut f = Fixture::new();
    let o = f.office("LSN");
    o.targets.insert(
        "2026".into(),
        YearTargets {
            year: 2026,
            collective_title: Some(Title::TapTheLaoDongXuatSac),
            ldtt_percent: Some(100),
            cstdcs_percent: Some(15),
            note: String::new(),
        },
    );
    for (id, person, title) in [
        ("r1", Some("p1"), Title::ChienSiThiDuaCoSo),
        ("r2", Some("p2"), Title::LaoDongTienTien),
        ("r3", None, Title::TapTheLaoDongXuatSac),
    ] {
        o.registrations.insert(
            id.into(),
            Registration {
                year: 2026,
                person_id: person.map(str::to_string),
                title,
                date: Some(d("2026-03-01")),
                note: String::new(),
            },
        );
    }
    let cap = crate::schema::bridge::cap_input(&f.offices[0], 2026);
    let s = f.summary(2026);
    let t = s.offices[0].registrations.targets.as_ref().unwrap();
    assert_eq!(t.collective_target, Some(Title::TapTheLaoDongXuatSac));
    assert_eq!(t.collective_registered, Some(Title::TapTheLaoDongXuatSac));
    let ldtt = t.ldtt.as_ref().unwrap();
    // 100% of 10; a Chiến sĩ thi đua cơ sở registration counts as aiming
    // at Lao động tiên tiến too.
    assert_eq!((ldtt.needed, ldtt.registered), (10, 2));
    assert_eq!(ldtt.reached, cap.ldtt_count);
    assert_eq!(ldtt.reached, 10);
    assert!(ldtt.met());
    let cstdcs = t.cstdcs.as_ref().unwrap();
    // 15% of 10 = 1,5: a target rounds up to 2 people.
    assert_eq!(
        (cstdcs.needed, cstdcs.registered, cstdcs.reached),
        (2, 1, 1)
    );
    assert_eq!(cstdcs.reached, cap.proposed_cstdcs);
    assert!(!cstdcs.met());
    // The other offices set none.
    assert!(
        s.offices[1..]
            .iter()
            .all(|o| o.registrations.targets.is_none())
    );
}

#[test]
fn models_follow_ups_votes_and_freshness() {
    let mut f = Fixture::new();
    let o = f.office("CBG");
    o.exemplary_models.insert(
        "m1".into(),
        ExemplaryModel {
            person_id: Some("p3".into()),
            stage: ModelStage::Introduced,
            stage_dates: crate::schema::StageDates {
                found: Some(d("2026-02-01")),
                introduced: Some(d("2026-06-01")),
                ..Default::default()
            },
            ..ExemplaryModel::default()
        },
    );
    o.exemplary_models.insert(
        "m2".into(),
        ExemplaryModel {
            collective_name: "Phòng Tổng hợp".into(),
            stage: ModelStage::Found,
            stage_dates: crate::schema::StageDates {
                found: Some(d("2025-05-01")),
                ..Default::default()
            },
            ..ExemplaryModel::default()
        },
    );
    let mut insp = Inspection {
        date: Some(d("2026-05-12")),
        team: "Đoàn kiểm tra của Cụm".into(),
        ..Inspection::default()
    };
    let item = |text: &str, status| FollowUp {
        text: text.into(),
        status,
        ..FollowUp::default()
    };
    insp.recommendations.insert(
        "k1".into(),
        item("Bố trí cán bộ chuyên trách", FollowUpStatus::Open),
    );
    insp.recommendations
        .insert("k2".into(), item("Cập nhật hồ sơ", FollowUpStatus::Done));
    insp.shortcomings.insert(
        "h1".into(),
        item("Chưa phát hiện điển hình", FollowUpStatus::InProgress),
    );
    o.inspections.insert("i1".into(), insp);
    for (by, vote) in [("LSN", "CBG"), ("CBG", "LSN"), ("SLA", "CBG")] {
        f.office(by).leading_vote = Some(vote.into());
    }
    let s = f.summary(2026);
    assert_eq!(s.models.len(), 1, "the 2025 model is not of 2026");
    assert_eq!(s.models[0].subject, "Lê Văn Đức");
    assert_eq!(s.models[0].stage_date, Some(date(2026, 6, 1)));
    assert_eq!(s.offices[1].models.introduced, 1);
    assert_eq!(s.totals.models.total(), 1);
    assert_eq!(f.summary(2025).models.len(), 1);

    let cbg = &s.offices[1];
    assert_eq!(
        (
            cbg.recommendations_total,
            cbg.recommendations_open,
            cbg.shortcomings_open
        ),
        (2, 1, 1)
    );
    assert_eq!(s.follow_ups.len(), 2);
    assert_eq!(s.follow_ups[0].kind, FollowUpKind::Recommendation);
    // Still open the next year.
    assert_eq!(f.summary(2027).follow_ups.len(), 2);
    assert_eq!(f.summary(2027).offices[1].recommendations_total, 0);

    assert_eq!(s.vote.ballots_cast, 3);
    assert_eq!(s.vote.leading, ["CBG"]);
    assert_eq!(s.vote.tallies[0].votes, 2);
    assert_eq!(cbg.votes_received, 2);
    // The vote leads to the flag proposal (Điều 26), the runner-up to a Bằng khen.
    let flag = s.flag.as_ref().expect("a flag proposal");
    assert_eq!(flag.office_code, "CBG");
    assert_eq!(flag.evaluation.title, Title::CoThiDuaCapTinh);
    let vote = flag
        .evaluation
        .conditions
        .iter()
        .find(|c| c.vi.contains("suy tôn"))
        .unwrap();
    assert!(vote.met && vote.vi.ends_with("2/3 phiếu"), "{}", vote.vi);
    let models = flag
        .evaluation
        .conditions
        .iter()
        .find(|c| c.vi.contains("mô hình mới"))
        .unwrap();
    assert!(models.met, "the introduced model counts: {}", models.vi);
    assert_eq!(flag.runners_up.len(), 1);
    assert_eq!(flag.runners_up[0].office_code, "LSN");
    // No votes the next year: no proposal.
    assert_eq!(f.summary(2027).flag, None);

    assert_eq!(s.offices[0].freshness.behind_newest_days, Some(1));
    assert_eq!(s.offices[1].freshness.behind_newest_days, Some(0));
    assert_eq!(s.offices[2].freshness, OfficeFreshness::default());
}

/// The value under `path` (map keys, or list indexes as digits).
fn at<'a>(v: &'a ciborium::Value, path: &[&str]) -> &'a ciborium::Value {
    path.iter().fold(v, |v, key| match v {
        ciborium::Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_text() == Some(key))
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no key {key:?}")),
        ciborium::Value::Array(items) => &items[key.parse::<usize>().unwrap()],
        other => panic!("{other:?} has no {key:?}"),
    })
}

#[test]
fn serialises_camel_case_with_text_codes_and_round_trips() {
    let mut f = Fixture::new();
    f.office("LSN")
        .evaluations
        .get_mut(&evaluation_key("p2", 2026))
        .unwrap()
        .under_review = true;
    let s = f.summary(2026);
    let mut bytes = Vec::new();
    ciborium::into_writer(&s, &mut bytes).unwrap();
    let v: ciborium::Value = ciborium::from_reader(bytes.as_slice()).unwrap();
    let text = |path: &[&str]| at(&v, path).as_text().map(str::to_string);
    assert_eq!(
        text(&["offices", "0", "registrations", "byTitle", "0", "title"]).as_deref(),
        Some("laoDongTienTien")
    );
    assert_eq!(
        text(&["warnings", "0", "title"]).as_deref(),
        Some("laoDongTienTien")
    );
    assert_eq!(
        text(&["registrationDeadline"]).as_deref(),
        Some("2026-03-25")
    );
    let back: ClusterSummary = ciborium::from_reader(bytes.as_slice()).unwrap();
    assert_eq!(back, s);
}

#[test]
fn no_rule_set_is_one_clear_warning() {
    let s = Fixture::new().summary(2010);
    assert_eq!(codes_of(&s), [(String::new(), "no-rule-set".into())]);
    assert!(s.warnings[0].message_en.contains("choose a rule set"));
}

#[test]
fn a_dossier_returned_and_sent_again_is_tracked_and_timed_from_its_first_sending() {
    use crate::schema::{DossierEvent, DossierEventKind, DossierStatus, dossier_status};
    let mut f = Fixture::new();
    f.cluster.deadlines.insert(
        "hs".into(),
        Deadline {
            name: "Gửi hồ sơ đề nghị khen thưởng".into(),
            date: d("2026-12-15"),
            note: String::new(),
        },
    );
    let o = f.office("LSN");
    o.proposals.insert(
        "tt1".into(),
        Proposal {
            number: "12/TTr-VP".into(),
            date: Some(d("2026-12-01")),
            person_id: Some("p1".into()),
            year: 2026,
            title: Some(Title::ChienSiThiDuaCoSo),
            ..Proposal::default()
        },
    );
    let event = |kind, date: &str, note: &str| DossierEvent {
        kind,
        date: d(date),
        note: note.into(),
    };
    let s = f.summary(2026);
    assert_eq!(s.offices[0].commendations.dossiers.preparing, 1);
    // Sent on 05/12 without the proof of the initiative, returned on 10/12.
    let p = f.office("LSN").proposals.get_mut("tt1").unwrap();
    for part in ["toTrinh", "bienBan", "baoCaoThanhTich"] {
        p.dossier.parts.insert(part.into(), true);
    }
    p.dossier
        .events
        .insert("a".into(), event(DossierEventKind::Sent, "2026-12-05", ""));
    let s = f.summary(2026);
    let c = s.offices[0].commendations.dossiers;
    assert_eq!((c.sent, c.sent_incomplete, c.sent_late), (1, 1, 0));
    let p = f.office("LSN").proposals.get_mut("tt1").unwrap();
    p.dossier.events.insert(
        "b".into(),
        event(
            DossierEventKind::Returned,
            "2026-12-10",
            "Thiếu minh chứng sáng kiến",
        ),
    );
    let o = &f.offices[0];
    assert_eq!(
        dossier_status(o, "tt1", &o.proposals["tt1"]),
        DossierStatus::Returned
    );
    assert_eq!(
        f.summary(2026).offices[0].commendations.dossiers.returned,
        1
    );
    // Completed and sent again after the deadline, then decided.
    let p = f.office("LSN").proposals.get_mut("tt1").unwrap();
    p.dossier.parts.insert("minhChungSangKien".into(), true);
    p.dossier
        .events
        .insert("c".into(), event(DossierEventKind::Sent, "2026-12-16", ""));
    let s = f.summary(2026);
    let c = s.offices[0].commendations.dossiers;
    assert_eq!((c.sent, c.returned, c.sent_incomplete), (1, 0, 0));
    assert_eq!(c.sent_late, 0, "first sent on 05/12, before the deadline");
    // Another dossier first sent after the deadline of 15/12 is late.
    f.office("LSN").proposals.insert(
        "tt2".into(),
        Proposal {
            number: "13/TTr-VP".into(),
            date: Some(d("2026-12-10")),
            person_id: Some("p2".into()),
            year: 2026,
            title: Some(Title::LaoDongTienTien),
            dossier: crate::schema::Dossier {
                events: std::collections::BTreeMap::from([(
                    "a".to_string(),
                    event(DossierEventKind::Sent, "2026-12-17", ""),
                )]),
                ..Default::default()
            },
            ..Proposal::default()
        },
    );
    let c = f.summary(2026).offices[0].commendations.dossiers;
    assert_eq!((c.sent, c.sent_late, c.sent_incomplete), (2, 1, 1));
    f.office("LSN").proposals.remove("tt2");
    f.office("LSN").decisions.insert(
        "qd1".into(),
        Decision {
            number: "123/QĐ-UBND".into(),
            date: Some(d("2026-12-25")),
            proposal_ids: vec!["tt1".into()],
            ..Decision::default()
        },
    );
    let s = f.summary(2026);
    let o = &f.offices[0];
    assert_eq!(
        dossier_status(o, "tt1", &o.proposals["tt1"]),
        DossierStatus::Decided
    );
    // Timely commendation counts from the first sending (05/12 → 25/12).
    assert_eq!(s.commendations[0].dossier_date, Some(date(2026, 12, 5)));
    assert_eq!(s.commendations[0].days, Some(20));
    assert_eq!(
        s.offices[0].commendations.dossiers,
        DossierCounts::default()
    );
}

#[test]
fn a_person_proposed_for_a_title_and_a_bang_khen_gets_both_checked() {
    // Lao động tiên tiến and a Bằng khen in one year, each with its own rules.
    let mut f = Fixture::new();
    let e = f
        .office("LSN")
        .evaluations
        .get_mut(&evaluation_key("p2", 2026))
        .unwrap();
    assert_eq!(e.proposed_title, Some(Title::LaoDongTienTien));
    e.proposed_award = Some(Title::BangKhenCapTinh);
    e.award_votes_yes = 7;
    e.award_votes_total = 9;
    let s = f.summary(2026);
    // No Chiến sĩ thi đua cơ sở years, no excellent years: the Bằng khen is
    // not met, the title still is.
    let w: Vec<_> = s
        .warnings
        .iter()
        .filter(|w| w.person_id.as_deref() == Some("p2"))
        .collect();
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].title, Some(Title::BangKhenCapTinh));
    let r = &s.offices[0].registrations;
    let count = |t: Title| r.by_title.iter().find(|c| c.title == t).unwrap().proposed;
    assert_eq!(count(Title::BangKhenCapTinh), 1);
    assert_eq!(count(Title::LaoDongTienTien), 9, "the title still counts");
}

#[test]
fn the_clusters_inspections_count_with_the_offices_follow_up() {
    use crate::schema::{ClusterInspection, InspectionItem, InspectionItemKind, ItemFollowUp};
    let mut f = Fixture::new();
    let item = |kind, text: &str| InspectionItem {
        kind,
        text: text.into(),
        due_date: Some(d("2026-09-30")),
    };
    f.cluster.inspections.insert(
        "kt1".into(),
        ClusterInspection {
            office: "CBG".into(),
            date: Some(d("2026-06-12")),
            team: "Đoàn kiểm tra của Cụm".into(),
            items: std::collections::BTreeMap::from([
                (
                    "k1".to_string(),
                    item(
                        InspectionItemKind::Recommendation,
                        "Bố trí cán bộ chuyên trách",
                    ),
                ),
                (
                    "k2".to_string(),
                    item(InspectionItemKind::Recommendation, "Cập nhật hồ sơ"),
                ),
                (
                    "h1".to_string(),
                    item(InspectionItemKind::Shortcoming, "Chưa phát hiện điển hình"),
                ),
            ]),
            ..ClusterInspection::default()
        },
    );
    // Cao Bằng carried out one recommendation; the rest stay open.
    f.office("CBG").inspection_follow_ups.insert(
        "kt1.k2".into(),
        ItemFollowUp {
            status: FollowUpStatus::Done,
            note: "Đã cập nhật".into(),
            done_on: Some(d("2026-08-01")),
        },
    );
    let s = f.summary(2026);
    let cbg = &s.offices[1];
    assert_eq!(
        (
            cbg.recommendations_total,
            cbg.recommendations_open,
            cbg.shortcomings_open
        ),
        (2, 1, 1)
    );
    let texts: Vec<&str> = s.follow_ups.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Chưa phát hiện điển hình", "Bố trí cán bộ chuyên trách"]
    );
    assert!(s.follow_ups.iter().all(|r| r.office_code == "CBG"));
    // Other offices have none.
    assert_eq!(s.offices[0].recommendations_open, 0);
}

#[test]
fn the_mid_year_and_the_year_end_review_are_ranked_apart_and_last_years_stays() {
    use crate::schema::{ReviewPeriod, ReviewRound, review_key};
    let mut f = Fixture::new();
    let self_round = |c1: f64| ReviewRound {
        self_scores: std::collections::BTreeMap::from([(
            "C1".to_string(),
            SelfScore {
                points: c1,
                ..SelfScore::default()
            },
        )]),
        ..ReviewRound::default()
    };
    // Mid-year: SLA ahead of LSN by its own scores; nobody scored others.
    for (code, c1) in [("LSN", 18.0), ("SLA", 21.0)] {
        f.office(code)
            .reviews
            .insert(review_key(2026, ReviewPeriod::MidYear), self_round(c1));
    }
    // Year end: CBG scores LSN 24 and votes for it; last year's year-end
    // round of CBG voted for SLA.
    let mut year_end = self_round(20.0);
    let mut r = PeerReview::default();
    r.scores.insert(
        "C1".into(),
        CriterionScore {
            points: 24.0,
            note: String::new(),
        },
    );
    year_end.peer_reviews.insert("LSN".into(), r);
    year_end.leading_vote = Some("LSN".into());
    f.office("CBG")
        .reviews
        .insert(review_key(2026, ReviewPeriod::YearEnd), year_end);
    let mut last_year = self_round(19.0);
    last_year.leading_vote = Some("SLA".into());
    f.office("CBG")
        .reviews
        .insert(review_key(2025, ReviewPeriod::YearEnd), last_year);

    let s = f.summary(2026);
    assert_eq!(s.mid_year_ranking, ["SLA", "LSN", "CBG"]);
    assert_eq!(s.offices[2].mid_year_scores.self_total, 21.0);
    assert_eq!(
        s.offices[2].scores.self_total, 0.0,
        "no year-end self-score yet"
    );
    assert_eq!(s.ranking[0], "LSN");
    assert_eq!(s.offices[0].scores.peer_total, Some(24.0));
    assert_eq!(s.offices[0].mid_year_scores.peer_total, None);
    assert_eq!(s.vote.leading, ["LSN"]);
    // 2025 is still there as it was: CBG's vote for SLA, its own 19 points.
    let before = f.summary(2025);
    assert_eq!(before.vote.leading, ["SLA"]);
    assert_eq!(before.offices[1].scores.self_total, 19.0);
}

/// One emulation title per person per year; a Bằng khen comes besides; the
/// same title twice is a duplicate.
#[test]
fn a_second_emulation_title_for_one_person_is_a_duplicate() {
    use super::registrations::duplicate_registration;
    let mut f = Fixture::new();
    let o = f.office("LSN");
    o.registrations.insert(
        "r1".into(),
        Registration {
            year: 2026,
            person_id: Some("p1".into()),
            title: Title::LaoDongTienTien,
            date: None,
            note: String::new(),
        },
    );
    let dup = |o: &OfficeDoc, p: Option<&str>, t| duplicate_registration(o, 2026, p, t);
    assert_eq!(
        dup(o, Some("p1"), Title::ChienSiThiDuaCoSo),
        Some(("r1".to_string(), Title::LaoDongTienTien))
    );
    assert!(dup(o, Some("p1"), Title::LaoDongTienTien).is_some());
    assert_eq!(dup(o, Some("p1"), Title::BangKhenCapTinh), None);
    assert_eq!(dup(o, Some("p2"), Title::LaoDongTienTien), None);
    assert_eq!(dup(o, None, Title::TapTheLaoDongXuatSac), None);
    assert_eq!(
        duplicate_registration(o, 2027, Some("p1"), Title::LaoDongTienTien),
        None
    );
}

/// A tờ trình of several lines: each line gets the warnings about it; the
/// cap on Chiến sĩ thi đua cơ sở appears on the line that breaks it, not
/// before; proposals count toward the cap as evaluations do.
#[test]
fn a_batch_proposal_shows_the_cap_on_the_line_that_breaks_it() {
    use super::warnings::proposal_line_warnings;
    use crate::domain::rules::check_cstdcs_cap;
    use crate::schema::bridge::{cap_input, effective_rule_set};
    let f = Fixture::new();
    let o = &f.offices[0];
    let rules = effective_rule_set(Some(&f.cluster), &RuleCatalog::defaults(), 2026).unwrap();
    let line = |person: &str, title: Title| Proposal {
        number: "5/TTr-VP".into(),
        person_id: Some(person.into()),
        year: 2026,
        title: Some(title),
        ..Proposal::default()
    };
    // p1 is proposed already (in the evaluation); the cap allows `allowed`.
    let cap = cap_input(o, 2026);
    let allowed = (0..)
        .find(|n| check_cstdcs_cap(&rules, cap.ldtt_count, *n + 1).warning)
        .unwrap();
    assert!(
        cap.proposed_cstdcs <= allowed,
        "the fixture starts within the cap"
    );
    let room = (allowed - cap.proposed_cstdcs) as usize;
    let lines: Vec<Proposal> = ["p2", "p3", "p4", "p5"]
        .iter()
        .map(|p| line(p, Title::ChienSiThiDuaCoSo))
        .chain([line("p6", Title::LaoDongTienTien)])
        .collect();
    let checks = proposal_line_warnings(o, "LSN", "Văn phòng LSN", &rules, &lines);
    let capped: Vec<bool> = checks
        .iter()
        .map(|ws| ws.iter().any(|w| w.code == "cstdcs-cap"))
        .collect();
    // Within the room left, no cap warning; from the line that breaks it on,
    // each Chiến sĩ thi đua cơ sở line has it; the Lao động tiên tiến line not.
    let expected: Vec<bool> = (0..4).map(|i| i >= room).chain([false]).collect();
    assert_eq!(capped, expected, "room for {room} more");
    // p2..p5 have no initiative: each Chiến sĩ thi đua cơ sở line also says
    // what the person lacks; the line for p6 (rated well) has nothing.
    for ws in &checks[..4] {
        assert!(ws.iter().any(|w| w.code != "cstdcs-cap"), "{ws:#?}");
    }
    assert!(checks[4].is_empty(), "{:#?}", checks[4]);
    // The dashboard counts the same once the proposals are saved.
    let mut saved = o.clone();
    for (i, p) in lines.iter().enumerate() {
        saved.proposals.insert(format!("t{i}"), p.clone());
    }
    let after = cap_input(&saved, 2026);
    assert_eq!(after.proposed_cstdcs, cap.proposed_cstdcs + 4);
}
