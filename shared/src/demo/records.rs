//! The records of one office's year for the demo ([`crate::demo::year`]):
//! registrations (đăng ký thi đua), the covenant signature, inspections
//! with shortcomings and recommendations (kiểm tra: hạn chế, kiến nghị),
//! exemplary models (gương điển hình), self-scores and peer reviews (tự
//! chấm, chấm chéo), the vote, year-end evaluations (bình xét) and
//! proposals with decisions (tờ trình, quyết định).

use crate::domain::rules::Date;
use crate::domain::{PerformanceRating, Title};
use crate::schema::{
    CollectiveEvaluation, CovenantSignature, CriterionScore, DateText, Decision, Dossier,
    DossierEvent, DossierEventKind, ExemplaryModel, FollowUp, FollowUpStatus, Inspection,
    ModelStage, OfficeDoc, PeerReview, Proposal, Registration, ReviewPeriod, ReviewRound,
    SelfScore, StageDates, TextCode, TitleEvaluation, YearTargets, evaluation_key, required_parts,
    review_key,
};

use crate::demo::year::{Context, OfficeSpec, Rng, Scenario, date};

/// Points rounded to half points within `0..=max`.
fn points(max: f64, share: f64) -> f64 {
    ((max * share * 2.0).round() / 2.0).clamp(0.0, max)
}

/// Running document numbers of an office.
pub(crate) struct Numbers {
    proposal: u32,
    office_decision: u32,
    province_decision: u32,
}

impl Numbers {
    pub(crate) fn new(rng: &mut Rng) -> Numbers {
        Numbers {
            proposal: rng.between(8..=30),
            office_decision: rng.between(20..=60),
            province_decision: rng.between(100..=900),
        }
    }
}

pub(crate) fn staff_ids(o: &OfficeDoc, year: i32) -> Vec<String> {
    o.staff_in(year).map(|(id, _)| id.clone()).collect()
}

pub(crate) fn registrations(o: &mut OfficeDoc, rng: &mut Rng, year: i32, s: &Scenario) {
    let ids = staff_ids(o, year);
    let cstdcs = cstdcs_people(&ids, s);
    let skip = (rng.chance(40) && !s.late_registrations).then(|| ids[ids.len() - 1].clone());
    for (i, id) in ids.iter().enumerate() {
        if Some(id) == skip.as_ref() {
            continue; // one person has not registered
        }
        let late = s.late_registrations && i >= ids.len() - 3;
        let day = if late {
            date(year, 3, 27 + rng.between(0..=4))
        } else {
            date(year, 3, 2 + rng.between(0..=21))
        };
        let title = if cstdcs.contains(id) {
            Title::ChienSiThiDuaCoSo
        } else {
            Title::LaoDongTienTien
        };
        o.registrations.insert(
            format!("dk-{year}-{id}"),
            Registration {
                year,
                person_id: Some(id.clone()),
                title,
                date: Some(day),
                note: String::new(),
            },
        );
    }
    let collective = if s.short_of_ldtt || rng.chance(80) {
        Title::TapTheLaoDongXuatSac
    } else {
        Title::TapTheLaoDongTienTien
    };
    o.registrations.insert(
        format!("dk-{year}-tap-the"),
        Registration {
            year,
            person_id: None,
            title: collective,
            date: Some(date(year, 3, 10 + rng.between(0..=10))),
            note: "Đăng ký danh hiệu tập thể".into(),
        },
    );
    // The targets as the source article's Lạng Sơn set them: the collective
    // title, 100% Lao động tiên tiến, 15% Chiến sĩ thi đua cơ sở trở lên.
    o.targets.insert(
        year.to_string(),
        YearTargets {
            year,
            collective_title: Some(collective),
            ldtt_percent: Some(100),
            cstdcs_percent: Some(15),
            note: String::new(),
        },
    );
}

/// Who is proposed for Chiến sĩ thi đua cơ sở: one person (the cap of 15%
/// of about ten staff), or three in an office over the cap.
pub(crate) fn cstdcs_people(ids: &[String], s: &Scenario) -> Vec<String> {
    let n = if s.over_cstdcs_cap { 3 } else { 1 };
    ids.iter().skip(3).take(n).cloned().collect()
}

pub(crate) fn covenant(o: &mut OfficeDoc, year: i32) {
    let head = o
        .staff
        .values()
        .find(|p| p.position == "Chánh Văn phòng")
        .map(|p| p.full_name.clone())
        .unwrap_or_default();
    o.covenant_signatures.insert(
        year.to_string(),
        CovenantSignature {
            year,
            signed_by: head,
            position: "Chánh Văn phòng".into(),
            date: Some(date(year, 3, 5)),
        },
    );
}

const SHORTCOMINGS: &[&str] = &[
    "Chưa phát hiện, bồi dưỡng và đăng ký được gương điển hình tiên tiến",
    "Cán bộ làm công tác thi đua, khen thưởng kiêm nhiệm nhiều việc",
    "Hồ sơ đề nghị khen thưởng còn chậm, thiếu minh chứng",
];
const RECOMMENDATIONS: &[&str] = &[
    "Đề nghị Cụm hướng dẫn triển khai phong trào \"Cả nước chung tay vì người nghèo – Không để ai bị bỏ lại phía sau\"",
    "Đề nghị ban hành tiêu chí chấm điểm và thời hạn rõ ràng cho từng nội dung",
    "Bố trí cán bộ chuyên trách công tác thi đua, khen thưởng",
    "Tổ chức tập huấn nghiệp vụ thi đua, khen thưởng cho cán bộ phụ trách",
];

/// About a third of the offices hosted an inspection this year; one
/// also has last year's inspection with a recommendation still in progress.
pub(crate) fn inspections(
    o: &mut OfficeDoc,
    rng: &mut Rng,
    spec: &OfficeSpec,
    ctx: &Context<'_>,
    year: i32,
) {
    let index = ctx
        .offices
        .iter()
        .position(|s| s.code == spec.code)
        .unwrap_or(0);
    let leader = ctx
        .offices
        .iter()
        .find(|s| s.code == ctx.cluster.leader)
        .map_or("Cụm trưởng", |s| s.province.as_str());
    let team = format!(
        "Đoàn kiểm tra của Cụm thi đua do Văn phòng Đoàn ĐBQH và HĐND tỉnh {leader} (Cụm trưởng) chủ trì"
    );
    if index % 3 == 1 {
        let mut insp = Inspection {
            date: Some(date(year, 5 + rng.between(0..=4), 5 + rng.between(0..=20))),
            team: team.clone(),
            findings: "Đơn vị triển khai đầy đủ kế hoạch thi đua; 100% cán bộ, công chức đăng ký \
                       thi đua; phục vụ tốt các kỳ họp HĐND và hoạt động tiếp xúc cử tri."
                .into(),
            ..Inspection::default()
        };
        for (i, text) in SHORTCOMINGS.iter().take(2).enumerate() {
            insp.shortcomings.insert(
                format!("hc{}", i + 1),
                FollowUp {
                    text: text.to_string(),
                    status: if i == 0 {
                        FollowUpStatus::InProgress
                    } else {
                        FollowUpStatus::Open
                    },
                    due_date: Some(date(year, 12, 31)),
                    ..FollowUp::default()
                },
            );
        }
        for (i, text) in RECOMMENDATIONS.iter().enumerate() {
            let done = i == 2 && rng.chance(50);
            insp.recommendations.insert(
                format!("kn{}", i + 1),
                FollowUp {
                    text: text.to_string(),
                    status: if done {
                        FollowUpStatus::Done
                    } else if i == 0 {
                        FollowUpStatus::InProgress
                    } else {
                        FollowUpStatus::Open
                    },
                    note: if done {
                        "Đã phân công 01 chuyên viên chuyên trách".into()
                    } else {
                        String::new()
                    },
                    due_date: Some(date(year, 10, 31)),
                    done_on: done.then(|| date(year, 9, 15)),
                },
            );
        }
        o.inspections.insert(format!("kt-{year}"), insp);
    }
    if index % 3 == 2 && ctx.years.start() < ctx.years.end() {
        let mut insp = Inspection {
            date: Some(date(year - 1, 10, 12)),
            team,
            findings: "Khảo sát công tác phát hiện, nhân rộng điển hình tiên tiến.".into(),
            ..Inspection::default()
        };
        insp.recommendations.insert(
            "kn1".into(),
            FollowUp {
                text: RECOMMENDATIONS[3].to_string(),
                status: FollowUpStatus::InProgress,
                note: "Đã đăng ký lớp tập huấn quý II".into(),
                due_date: Some(date(year, 6, 30)),
                done_on: None,
            },
        );
        o.inspections.insert(format!("ks-{}", year - 1), insp);
    }
}

const MODEL_DEEDS: &[&str] = &[
    "Tham mưu hiệu quả công tác tiếp xúc cử tri ở vùng sâu, vùng xa",
    "Sáng kiến số hoá hồ sơ kỳ họp HĐND, rút ngắn thời gian chuẩn bị tài liệu",
    "Tích cực vận động ủng hộ Quỹ Vì người nghèo, giúp đỡ hộ nghèo tại xã kết nghĩa",
    "Gương mẫu, tận tụy phục vụ các đoàn giám sát của Thường trực HĐND",
];

/// A complete dossier sent on the proposal's date.
fn sent_dossier(title: Option<Title>, on: &DateText) -> Dossier {
    Dossier {
        parts: required_parts(title)
            .iter()
            .map(|p| (p.code().to_string(), true))
            .collect(),
        events: std::collections::BTreeMap::from([(
            "gui-1".to_string(),
            DossierEvent {
                kind: DossierEventKind::Sent,
                date: on.clone(),
                note: String::new(),
            },
        )]),
    }
}

/// One to three exemplary models at various stages, with dates in order.
pub(crate) fn models(o: &mut OfficeDoc, rng: &mut Rng, year: i32) {
    let ids = staff_ids(o, year);
    for n in 0..1 + rng.below(3) {
        let stage = *rng.pick(&[
            ModelStage::Found,
            ModelStage::Nurtured,
            ModelStage::Selected,
            ModelStage::Introduced,
            ModelStage::Registered,
            ModelStage::Proposed,
        ]);
        let mut dates = StageDates::default();
        let slots = [
            &mut dates.found,
            &mut dates.nurtured,
            &mut dates.selected,
            &mut dates.introduced,
            &mut dates.registered,
            &mut dates.proposed,
        ];
        for (i, slot) in slots.into_iter().enumerate().take(stage as usize + 1) {
            *slot = Some(date(year, 2 + 2 * i as u32, 3 + rng.between(0..=20)));
        }
        let collective = n == 2;
        o.exemplary_models.insert(
            format!("gdh-{year}-{n}"),
            ExemplaryModel {
                person_id: (!collective)
                    .then(|| ids[(1 + n * 3 + rng.below(3)) % ids.len()].clone()),
                collective_name: if collective {
                    "Phòng Công tác HĐND".into()
                } else {
                    String::new()
                },
                description: rng.pick(MODEL_DEEDS).to_string(),
                stage,
                stage_dates: dates,
                proposal_id: None,
            },
        );
    }
}

/// The office's round of `year` and `period`, created empty if need be.
fn round(o: &mut OfficeDoc, year: i32, period: ReviewPeriod) -> &mut ReviewRound {
    o.reviews.entry(review_key(year, period)).or_default()
}

/// Self-scores of one round, with the office's own findings. At mid-year
/// the scores run a little lower: half the year's work is still ahead.
pub(crate) fn self_scores(
    o: &mut OfficeDoc,
    rng: &mut Rng,
    ctx: &Context<'_>,
    code: &str,
    year: i32,
    period: ReviewPeriod,
) {
    let q = ctx.quality(code)
        - if period == ReviewPeriod::MidYear {
            0.06
        } else {
            0.0
        };
    let report = 40 + rng.below(60);
    let round = round(o, year, period);
    for (id, c) in ctx.cluster.criteria_in_order() {
        let share = q + 0.03 + rng.float(-0.03, 0.05);
        round.self_scores.insert(
            id.to_string(),
            SelfScore {
                points: points(c.max_points, share),
                note: "Đơn vị tự đánh giá theo hướng dẫn chấm điểm của Cụm".into(),
                evidence: format!("Báo cáo số {report}/BC-VP"),
            },
        );
    }
    let (strengths, shortcomings) = match period {
        ReviewPeriod::MidYear => (
            format!(
                "Hoàn thành đúng tiến độ các nhiệm vụ 6 tháng đầu năm {year}; phục vụ chu đáo kỳ họp \
                 giữa năm của Hội đồng nhân dân tỉnh."
            ),
            "Việc nhân rộng gương điển hình tiên tiến còn chậm; một số báo cáo gửi Cụm chưa \
             đúng hạn."
                .to_string(),
        ),
        ReviewPeriod::YearEnd => (
            format!(
                "Hoàn thành toàn diện nhiệm vụ năm {year}; tham mưu kịp thời, chất lượng các kỳ \
                 họp và hoạt động giám sát."
            ),
            "Ứng dụng công nghệ thông tin trong quản lý văn bản chưa đồng bộ.".to_string(),
        ),
    };
    round.strengths = strengths;
    round.shortcomings = shortcomings;
}

/// Year-end scores for every other office, and the vote for the best one.
pub(crate) fn peer_reviews(
    o: &mut OfficeDoc,
    rng: &mut Rng,
    ctx: &Context<'_>,
    code: &str,
    year: i32,
) {
    let mut best: Option<(&str, f64)> = None;
    let round = round(o, year, ReviewPeriod::YearEnd);
    for other in ctx.offices.iter().filter(|s| s.code != code) {
        let q = ctx.quality(&other.code);
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((&other.code, q));
        }
        let mut review = PeerReview {
            comment: format!(
                "Văn phòng {} hoàn thành tốt nhiệm vụ năm {year}",
                other.province
            ),
            ..PeerReview::default()
        };
        for (id, c) in ctx.cluster.criteria_in_order() {
            review.scores.insert(
                id.to_string(),
                CriterionScore {
                    points: points(c.max_points, q + rng.float(-0.04, 0.04)),
                    note: String::new(),
                },
            );
        }
        round.peer_reviews.insert(other.code.clone(), review);
    }
    round.leading_vote = best.map(|(c, _)| c.to_string());
}

pub(crate) fn evaluations(o: &mut OfficeDoc, rng: &mut Rng, year: i32, s: &Scenario) {
    let ids = staff_ids(o, year);
    let cstdcs = cstdcs_people(&ids, s);
    let n = ids.len();
    for (i, id) in ids.iter().enumerate() {
        let mut e = TitleEvaluation::new(id, year);
        let weak = if s.short_of_ldtt {
            i >= n - 4
        } else {
            i == n - 1 && rng.chance(30)
        };
        let rating = if cstdcs.contains(id) || (i < 3 && rng.chance(50)) {
            PerformanceRating::HoanThanhXuatSac
        } else if weak {
            PerformanceRating::HoanThanh
        } else {
            PerformanceRating::HoanThanhTot
        };
        e.rating = Some(rating);
        e.votes_total = n as u32;
        e.votes_yes = n as u32 - rng.between(0..=1);
        if cstdcs.contains(id) {
            e.initiatives = 1;
            e.proposed_title = Some(Title::ChienSiThiDuaCoSo);
        } else if rating.is_good_or_better() {
            e.proposed_title = Some(Title::LaoDongTienTien);
        }
        if s.person_under_review && i == 5 {
            e.under_review = true;
            e.note = "Đang xem xét đơn khiếu nại liên quan, chưa có kết luận".into();
        }
        o.evaluations.insert(evaluation_key(id, year), e);
    }
    let mut ce = CollectiveEvaluation::new(year);
    ce.rating = Some(PerformanceRating::HoanThanhXuatSac);
    ce.proposed_title = o
        .registrations
        .values()
        .find(|r| r.year == year && r.person_id.is_none())
        .map_or(Some(Title::TapTheLaoDongXuatSac), |r| Some(r.title));
    ce.votes_total = n as u32;
    ce.votes_yes = n as u32;
    o.collective_evaluations.insert(year.to_string(), ce);
}

/// One tờ trình per year for the individual titles and one for the
/// collective; the office head decides the individual titles before the
/// year ends, the province the collective title in the new year (still
/// pending for the current year). An office over the cap has not decided
/// yet in the current year: the warning is still there to act on.
#[allow(clippy::too_many_arguments)]
pub(crate) fn proposals_and_decisions(
    o: &mut OfficeDoc,
    rng: &mut Rng,
    numbers: &mut Numbers,
    spec: &OfficeSpec,
    year: i32,
    current: bool,
    as_of: Date,
    s: &Scenario,
) {
    let proposal_date = date(year, 12, 8 + rng.between(0..=4));
    if proposal_date.date().is_some_and(|d| d > as_of) {
        return;
    }
    let head = o
        .staff
        .values()
        .find(|p| p.position == "Chánh Văn phòng")
        .map(|p| p.full_name.clone())
        .unwrap_or_default();
    numbers.proposal += rng.between(3..=12);
    let individual_number = format!("{}/TTr-VP", numbers.proposal);
    numbers.proposal += 1;
    let collective_number = format!("{}/TTr-VP", numbers.proposal);
    let mut granted = Vec::new();
    let people: Vec<(String, Title)> = o
        .evaluations
        .values()
        .filter(|e| e.year == year)
        .filter_map(|e| Some((e.person_id.clone(), e.proposed_title?)))
        .collect();
    for (person, title) in people {
        let id = format!("tt-{year}-{person}");
        o.proposals.insert(
            id.clone(),
            Proposal {
                number: individual_number.clone(),
                date: Some(proposal_date.clone()),
                proposing_office: spec.code.clone(),
                signer: head.clone(),
                person_id: Some(person),
                year,
                title: Some(title),
                dossier: sent_dossier(Some(title), &proposal_date),
                ..Proposal::default()
            },
        );
        granted.push(id);
    }
    let collective_title = o.collective_evaluation(year).and_then(|c| c.proposed_title);
    let collective_id = format!("tt-{year}-tap-the");
    o.proposals.insert(
        collective_id.clone(),
        Proposal {
            number: collective_number,
            date: Some(proposal_date.clone()),
            proposing_office: spec.code.clone(),
            signer: head,
            person_id: None,
            subject_name: spec.name.clone(),
            year,
            title: collective_title,
            dossier: sent_dossier(collective_title, &proposal_date),
            ..Proposal::default()
        },
    );
    let office_decision = date(year, 12, 18 + rng.between(0..=10));
    let waits = current && s.over_cstdcs_cap;
    if office_decision.date().is_some_and(|d| d <= as_of) && !waits {
        numbers.office_decision += rng.between(2..=9);
        o.decisions.insert(
            format!("qd-{year}-ca-nhan"),
            Decision {
                number: format!("{}/QĐ-VP", numbers.office_decision),
                date: Some(office_decision),
                signer: "Chánh Văn phòng".into(),
                citation: format!(
                    "Công nhận danh hiệu thi đua năm {year} cho cá nhân thuộc {}",
                    spec.name
                ),
                proposal_ids: granted,
            },
        );
    }
    if !current {
        numbers.province_decision += rng.between(40..=300);
        o.decisions.insert(
            format!("qd-{year}-tap-the"),
            Decision {
                number: format!("{}/QĐ-UBND", numbers.province_decision),
                date: Some(date(
                    year + 1,
                    1 + rng.between(0..=2),
                    5 + rng.between(0..=20),
                )),
                signer: "Chủ tịch UBND tỉnh".into(),
                citation: format!("Tặng danh hiệu tập thể năm {year} cho {}", spec.name),
                proposal_ids: vec![collective_id],
            },
        );
    }
}
