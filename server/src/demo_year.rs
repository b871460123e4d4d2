//! A full, realistic TĐKT year for the demo cluster (and, with more offices
//! and years, the synthetic data of the summary benchmark).
//!
//! Everything is generated through the schema types from a fixed seed, so
//! the same seed always gives the same documents, and every document passes
//! `validate_office` / `validate_cluster`. Per office: about ten staff with
//! Vietnamese names, positions and genders; registrations (đăng ký thi
//! đua) with the collective's target; the covenant signature; self-scores
//! and peer reviews (chấm chéo) of the other offices; the vote for the
//! leading office; inspections with shortcomings and recommendations (some
//! still open); exemplary models at every stage; year-end evaluations
//! (bình xét) and, for the earlier years, the titles awarded; proposals
//! (`12/TTr-VP`) and decisions (`123/QĐ-UBND`, `45/QĐ-VP`).
//!
//! A [`Scenario`] per office adds the rule violations the dashboard should
//! warn about (too many Chiến sĩ thi đua cơ sở for the office's size, a
//! collective short of 70% Lao động tiên tiến, a person proposed while
//! under review, late registrations) and makes one office's data weeks
//! older than the others'. [`office_automerge`] commits an office's data
//! in four steps dated through the year (`CommitOptions::with_time`), so
//! each document's newest change time tells how recent its data is.

use std::ops::RangeInclusive;

use automerge::Automerge;
use automerge::transaction::CommitOptions;
use shared::domain::rules::Date;
use shared::domain::{Gender, PerformanceRating, Title};
use shared::schema::write::write_office;
use shared::schema::{
    ClusterDoc, CollectiveEvaluation, Covenant, CovenantSignature, CriterionScore, DateText,
    Deadline, Decision, ExemplaryModel, FollowUp, FollowUpStatus, Inspection, ModelStage, Movement,
    MovementKind, OfficeDoc, PeerReview, Person, Plan, Proposal, Registration, SelfScore,
    StaffKind, StageDates, TitleEvaluation, evaluation_key,
};
use shared::summary::codes::day_number;

/// The demo's fixed seed.
pub const DEMO_SEED: u64 = 0x7d6b_2026_0325_0001;

/// A small deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A generator for one part of the data (`seed` mixed with `label`).
    pub fn for_label(seed: u64, label: &str) -> Rng {
        let mut h = seed ^ 0xcbf2_9ce4_8422_2325;
        for b in label.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `range`.
    pub fn between(&mut self, range: RangeInclusive<u32>) -> u32 {
        range.start() + self.below((range.end() - range.start() + 1) as usize) as u32
    }

    /// True `percent` times out of a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A uniform value in `[lo, hi)`.
    pub fn float(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// An office to generate data for.
#[derive(Clone, Debug)]
pub struct OfficeSpec {
    pub code: String,
    pub name: String,
    pub province: String,
}

/// What is special about one office in the cluster year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scenario {
    /// Proposes three Chiến sĩ thi đua cơ sở (the 15% cap allows one).
    pub over_cstdcs_cap: bool,
    /// Proposes Tập thể lao động xuất sắc with only 6 of 10 Lao động tiên tiến.
    pub short_of_ldtt: bool,
    /// Proposes a person who is under discipline review.
    pub person_under_review: bool,
    /// Three people registered after the deadline.
    pub late_registrations: bool,
    /// Its last change is this many days older than the others'.
    pub stale_days: u32,
}

/// The demo's scenarios: Lào Cai over the cap, Sơn La short of 70%, Lai
/// Châu proposing someone under review, Cao Bằng registering late, and
/// Điện Biên's data four weeks old.
pub fn demo_scenario(code: &str) -> Scenario {
    match code {
        "LCI" => Scenario {
            over_cstdcs_cap: true,
            ..Scenario::default()
        },
        "SLA" => Scenario {
            short_of_ldtt: true,
            ..Scenario::default()
        },
        "LCU" => Scenario {
            person_under_review: true,
            ..Scenario::default()
        },
        "CBG" => Scenario {
            late_registrations: true,
            ..Scenario::default()
        },
        "DBN" => Scenario {
            stale_days: 28,
            ..Scenario::default()
        },
        _ => Scenario::default(),
    }
}

// ---------------------------------------------------------------------------
// Names and positions
// ---------------------------------------------------------------------------

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Hoàng", "Vi", "Nông", "Hà", "Lò", "Sầm", "Đinh", "Phạm", "Lương",
    "Triệu", "Bế", "Lục", "Đặng", "Vàng", "Mùa",
];
const MIDDLE_MALE: &[&str] = &["Văn", "Đức", "Minh", "Quốc", "Thế", "Hữu", "Xuân", "Ngọc"];
const MIDDLE_FEMALE: &[&str] = &["Thị", "Thu", "Ngọc", "Hồng", "Thanh", "Thuý", "Bích"];
const GIVEN_MALE: &[&str] = &[
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đức",
    "Hùng",
    "Khánh",
    "Lợi",
    "Mạnh",
    "Nghĩa",
    "Quân",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Vượng",
    "Hưng",
    "Trường",
    "Lực",
    "Thưởng",
    "Đông",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh",
    "Ánh",
    "Chi",
    "Dung",
    "Giang",
    "Hoa",
    "Hương",
    "Lan",
    "Liên",
    "Mai",
    "Ngân",
    "Nhung",
    "Phượng",
    "Thơ",
    "Thư",
    "Uyên",
    "Yến",
    "Đào",
    "Hạnh",
    "Lữ",
];

/// Positions in order of the roster; staff beyond the list are Chuyên viên.
const POSITIONS: &[(&str, StaffKind)] = &[
    ("Chánh Văn phòng", StaffKind::CongChuc),
    ("Phó Chánh Văn phòng", StaffKind::CongChuc),
    ("Phó Chánh Văn phòng", StaffKind::CongChuc),
    ("Trưởng phòng Công tác Quốc hội", StaffKind::CongChuc),
    ("Trưởng phòng Công tác HĐND", StaffKind::CongChuc),
    (
        "Phó Trưởng phòng Hành chính – Tổ chức – Quản trị",
        StaffKind::CongChuc,
    ),
    ("Chuyên viên chính", StaffKind::CongChuc),
    (
        "Chuyên viên (phụ trách thi đua, khen thưởng)",
        StaffKind::CongChuc,
    ),
    ("Kế toán", StaffKind::CongChuc),
    ("Văn thư", StaffKind::NguoiLaoDong),
    ("Lái xe", StaffKind::NguoiLaoDong),
];

fn person_name(rng: &mut Rng, gender: Gender) -> String {
    let (middle, given) = match gender {
        Gender::Male => (MIDDLE_MALE, GIVEN_MALE),
        Gender::Female => (MIDDLE_FEMALE, GIVEN_FEMALE),
    };
    format!(
        "{} {} {}",
        rng.pick(FAMILY),
        rng.pick(middle),
        rng.pick(given)
    )
}

fn staff(rng: &mut Rng, count: usize, first_year: i32) -> Vec<(String, Person)> {
    let mut out: Vec<(String, Person)> = Vec::new();
    for i in 0..count {
        let gender = if rng.chance(45) {
            Gender::Female
        } else {
            Gender::Male
        };
        let full_name = loop {
            let n = person_name(rng, gender);
            if !out.iter().any(|(_, p)| p.full_name == n) {
                break n;
            }
        };
        let (position, kind) = POSITIONS
            .get(i)
            .copied()
            .unwrap_or(("Chuyên viên", StaffKind::CongChuc));
        let joined = first_year - 1 - rng.between(0..=15) as i32;
        out.push((
            format!("cb{:02}", i + 1),
            Person {
                full_name,
                position: position.to_string(),
                gender: Some(gender),
                kind,
                joined_on: Some(date(joined, rng.between(1..=12), 1)),
                ..Person::default()
            },
        ));
    }
    out
}

// ---------------------------------------------------------------------------
// Dates and numbers
// ---------------------------------------------------------------------------

fn date(y: i32, m: u32, d: u32) -> DateText {
    DateText::from(Date::new(y, m, d).expect("generated dates are valid"))
}

/// Seconds since the epoch of 10:00 in Vietnam (03:00 UTC) on a date.
pub fn commit_time(d: Date) -> i64 {
    day_number(d) * 86_400 + 3 * 3600
}

/// Points rounded to half points within `0..=max`.
fn points(max: f64, share: f64) -> f64 {
    ((max * share * 2.0).round() / 2.0).clamp(0.0, max)
}

// ---------------------------------------------------------------------------
// The cluster document
// ---------------------------------------------------------------------------

/// Adds the year's movements, plan, covenant and deadlines to the cluster
/// document (the registration deadline is 25 March, keyed `registration`).
pub fn seed_cluster(cluster: &mut ClusterDoc) {
    let y = cluster.year;
    let movement = |name: &str, kind, start: DateText, end: Option<DateText>| Movement {
        name: name.to_string(),
        kind,
        start_date: Some(start),
        end_date: end,
        description: String::new(),
    };
    cluster.movements.insert(
        "thuong-xuyen".into(),
        movement(
            &format!("Phong trào thi đua thường xuyên năm {y}"),
            MovementKind::Regular,
            date(y, 1, 15),
            None,
        ),
    );
    cluster.movements.insert(
        "vi-nguoi-ngheo".into(),
        movement(
            "Cả nước chung tay vì người nghèo – Không để ai bị bỏ lại phía sau",
            MovementKind::Themed,
            date(y, 2, 10),
            Some(date(y, 12, 31)),
        ),
    );
    cluster.movements.insert(
        "nong-thon-moi".into(),
        movement(
            "Cả nước chung sức xây dựng nông thôn mới",
            MovementKind::Themed,
            date(y, 2, 10),
            Some(date(y, 12, 31)),
        ),
    );
    cluster.plans.insert(
        "kh-nam".into(),
        Plan {
            number: "15/KH-CTĐ".into(),
            date: Some(date(y, 1, 20)),
            title: format!("Kế hoạch tổ chức phong trào thi đua của Cụm năm {y}"),
        },
    );
    cluster.covenant = Covenant {
        title: format!("Giao ước thi đua năm {y}"),
        text: "Các đơn vị thành viên cam kết hoàn thành xuất sắc nhiệm vụ tham mưu, phục vụ \
               Đoàn ĐBQH và HĐND tỉnh; tổ chức tốt các phong trào thi đua thường xuyên và chuyên \
               đề; phát hiện, bồi dưỡng, nhân rộng gương điển hình tiên tiến; đề nghị khen thưởng \
               kịp thời, đúng người, đúng thành tích."
            .into(),
        date: Some(date(y, 3, 5)),
    };
    let deadline = |name: &str, d: DateText, note: &str| Deadline {
        name: name.to_string(),
        date: d,
        note: note.to_string(),
    };
    cluster.deadlines.insert(
        "registration".into(),
        deadline(
            "Đăng ký thi đua",
            date(y, 3, 25),
            "Cá nhân đăng ký danh hiệu, đơn vị đăng ký danh hiệu tập thể",
        ),
    );
    cluster.deadlines.insert(
        "so-ket".into(),
        deadline("Sơ kết 6 tháng", date(y, 6, 30), ""),
    );
    cluster.deadlines.insert(
        "tu-cham".into(),
        deadline("Tự chấm điểm và chấm chéo", date(y, 11, 30), ""),
    );
    cluster.deadlines.insert(
        "ho-so".into(),
        deadline("Nộp hồ sơ đề nghị khen thưởng", date(y, 12, 15), ""),
    );
}

// ---------------------------------------------------------------------------
// One office
// ---------------------------------------------------------------------------

/// What the generator needs to know about the whole cluster.
pub struct Context<'a> {
    pub seed: u64,
    /// Every office of the cluster, in directory order.
    pub offices: &'a [OfficeSpec],
    /// The cluster document (its year is the last year generated).
    pub cluster: &'a ClusterDoc,
    /// All years generated, the cluster's year last.
    pub years: RangeInclusive<i32>,
}

impl Context<'_> {
    fn year(&self) -> i32 {
        *self.years.end()
    }

    /// How well an office works, 0.78–0.95: scores follow it.
    fn quality(&self, code: &str) -> f64 {
        Rng::for_label(self.seed, &format!("quality-{code}")).float(0.78, 0.95)
    }

    /// The last day an office's data reaches (its "as of" date).
    pub fn as_of(&self, code: &str, scenario: &Scenario) -> Date {
        let day = 20 + Rng::for_label(self.seed, &format!("asof-{code}")).between(0..=7);
        let end = Date::new(self.year(), 12, day).expect("valid");
        shared::summary::codes::date_of_day_number(day_number(end) - i64::from(scenario.stale_days))
            .expect("valid")
    }
}

/// Builds everything an office holds over the context's years.
pub fn office_doc(ctx: &Context<'_>, spec: &OfficeSpec, scenario: &Scenario) -> OfficeDoc {
    let mut rng = Rng::for_label(ctx.seed, &spec.code);
    let mut o = OfficeDoc::new(&spec.code, &spec.name);
    let count = if scenario.short_of_ldtt || scenario.over_cstdcs_cap {
        10
    } else {
        9 + rng.below(4)
    };
    let first = *ctx.years.start();
    o.staff = staff(&mut rng, count, first).into_iter().collect();
    let as_of = ctx.as_of(&spec.code, scenario);
    let mut numbers = Numbers::new(&mut rng);
    for year in ctx.years.clone() {
        let current = year == ctx.year();
        let s = if current {
            scenario.clone()
        } else {
            Scenario::default()
        };
        if current {
            registrations(&mut o, &mut rng, year, &s);
            covenant(&mut o, year);
            inspections(&mut o, &mut rng, spec, ctx, year);
            models(&mut o, &mut rng, year);
            self_scores(&mut o, &mut rng, ctx, &spec.code);
        }
        if current && as_of < Date::new(year, 12, 5).expect("valid") {
            continue; // the year-end review has not reached this office's data
        }
        if current {
            peer_reviews(&mut o, &mut rng, ctx, &spec.code);
        }
        evaluations(&mut o, &mut rng, year, &s);
        proposals_and_decisions(&mut o, &mut rng, &mut numbers, spec, year, current, as_of);
    }
    o
}

/// Running document numbers of an office.
struct Numbers {
    proposal: u32,
    office_decision: u32,
    province_decision: u32,
}

impl Numbers {
    fn new(rng: &mut Rng) -> Numbers {
        Numbers {
            proposal: rng.between(8..=30),
            office_decision: rng.between(20..=60),
            province_decision: rng.between(100..=900),
        }
    }
}

fn staff_ids(o: &OfficeDoc, year: i32) -> Vec<String> {
    o.staff_in(year).map(|(id, _)| id.clone()).collect()
}

fn registrations(o: &mut OfficeDoc, rng: &mut Rng, year: i32, s: &Scenario) {
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
}

/// Who is proposed for Chiến sĩ thi đua cơ sở: one person (the cap of 15%
/// of about ten staff), or three in an office over the cap.
fn cstdcs_people(ids: &[String], s: &Scenario) -> Vec<String> {
    let n = if s.over_cstdcs_cap { 3 } else { 1 };
    ids.iter().skip(3).take(n).cloned().collect()
}

fn covenant(o: &mut OfficeDoc, year: i32) {
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
fn inspections(o: &mut OfficeDoc, rng: &mut Rng, spec: &OfficeSpec, ctx: &Context<'_>, year: i32) {
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

/// One to three exemplary models at various stages, with dates in order.
fn models(o: &mut OfficeDoc, rng: &mut Rng, year: i32) {
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
            },
        );
    }
}

fn self_scores(o: &mut OfficeDoc, rng: &mut Rng, ctx: &Context<'_>, code: &str) {
    let q = ctx.quality(code);
    for (id, c) in ctx.cluster.criteria_in_order() {
        let share = q + 0.03 + rng.float(-0.03, 0.05);
        o.self_scores.insert(
            id.to_string(),
            SelfScore {
                points: points(c.max_points, share),
                note: "Đơn vị tự đánh giá theo hướng dẫn chấm điểm của Cụm".into(),
                evidence: format!("Báo cáo số {}/BC-VP", 40 + rng.below(60)),
            },
        );
    }
}

/// Scores for every other office, and the vote for the best one.
fn peer_reviews(o: &mut OfficeDoc, rng: &mut Rng, ctx: &Context<'_>, code: &str) {
    let mut best: Option<(&str, f64)> = None;
    for other in ctx.offices.iter().filter(|s| s.code != code) {
        let q = ctx.quality(&other.code);
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((&other.code, q));
        }
        let mut review = PeerReview {
            comment: format!(
                "Văn phòng {} hoàn thành tốt nhiệm vụ năm {}",
                other.province,
                ctx.year()
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
        o.peer_reviews.insert(other.code.clone(), review);
    }
    o.leading_vote = best.map(|(c, _)| c.to_string());
}

fn evaluations(o: &mut OfficeDoc, rng: &mut Rng, year: i32, s: &Scenario) {
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
/// pending for the current year).
fn proposals_and_decisions(
    o: &mut OfficeDoc,
    rng: &mut Rng,
    numbers: &mut Numbers,
    spec: &OfficeSpec,
    year: i32,
    current: bool,
    as_of: Date,
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
            ..Proposal::default()
        },
    );
    let office_decision = date(year, 12, 18 + rng.between(0..=10));
    if office_decision.date().is_some_and(|d| d <= as_of) {
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

// ---------------------------------------------------------------------------
// Commits with dates
// ---------------------------------------------------------------------------

/// The office's data as four commits dated through the cluster year:
/// the roster and history (early January), registrations (April),
/// inspections and exemplary models (September, or the office's last day
/// if earlier) and self-scores with the year-end (the office's "as of"
/// date).
pub fn office_automerge(o: &OfficeDoc, year: i32, as_of: Date) -> Automerge {
    let mut history = o.clone();
    history.registrations.clear();
    history.covenant_signatures.clear();
    history.self_scores.clear();
    history.peer_reviews.clear();
    history.leading_vote = None;
    history.inspections.clear();
    history.exemplary_models.clear();
    history.evaluations.retain(|_, e| e.year < year);
    history.collective_evaluations.retain(|_, e| e.year < year);
    history.proposals.retain(|_, p| p.year < year);
    let proposals = history.proposals.clone();
    history
        .decisions
        .retain(|_, d| d.proposal_ids.iter().all(|p| proposals.contains_key(p)));
    let mut registered = history.clone();
    registered.registrations = o.registrations.clone();
    registered.covenant_signatures = o.covenant_signatures.clone();
    let mut working = registered.clone();
    working.inspections = o.inspections.clone();
    working.exemplary_models = o.exemplary_models.clone();
    let on = |m, d| Date::new(year, m, d).expect("valid").min(as_of);
    let steps = [
        (
            &history,
            on(1, 6),
            "Nhập danh sách cán bộ và thành tích các năm trước",
        ),
        (&registered, on(4, 2), "Đăng ký thi đua, ký giao ước"),
        (
            &working,
            on(9, 30),
            "Kiểm tra, khảo sát; gương điển hình tiên tiến",
        ),
        (
            o,
            as_of,
            "Tự chấm điểm, tổng kết, bình xét, đề nghị khen thưởng",
        ),
    ];
    let mut doc = Automerge::new();
    for (state, day, message) in steps {
        let mut tx = doc.transaction();
        write_office(&mut tx, state).expect("writing generated data cannot fail");
        tx.commit_with(
            CommitOptions::default()
                .with_message(message.to_string())
                .with_time(commit_time(day)),
        );
    }
    doc
}

// ---------------------------------------------------------------------------
// Whole clusters
// ---------------------------------------------------------------------------

/// One generated office.
#[derive(Clone, Debug)]
pub struct GeneratedOffice {
    pub spec: OfficeSpec,
    pub doc: OfficeDoc,
    /// The last day its data reaches; its newest change is dated then.
    pub as_of: Date,
}

/// Generates every office of `cluster` (whose year is the last of `years`).
pub fn generate(
    cluster: &ClusterDoc,
    specs: &[OfficeSpec],
    years: RangeInclusive<i32>,
    seed: u64,
    scenario: impl Fn(&str, usize) -> Scenario,
) -> Vec<GeneratedOffice> {
    let ctx = Context {
        seed,
        offices: specs,
        cluster,
        years,
    };
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let s = scenario(&spec.code, i);
            GeneratedOffice {
                doc: office_doc(&ctx, spec, &s),
                as_of: ctx.as_of(&spec.code, &s),
                spec: spec.clone(),
            }
        })
        .collect()
}

/// A synthetic cluster of `offices` offices (codes `T01`, `T02`, …) over
/// `years`, with the demo's scoring table and a violation in every fifth
/// office, for benchmarks and load tests.
pub fn synthetic(offices: usize, years: RangeInclusive<i32>) -> (ClusterDoc, Vec<GeneratedOffice>) {
    let year = *years.end();
    let specs: Vec<OfficeSpec> = (1..=offices)
        .map(|i| OfficeSpec {
            code: format!("T{i:02}"),
            name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh số {i:02}"),
            province: format!("Tỉnh số {i:02}"),
        })
        .collect();
    let leader = specs.first().map_or("", |s| s.code.as_str());
    let deputy = specs.get(1).map_or("", |s| s.code.as_str());
    let mut cluster = ClusterDoc::new(crate::demo::DEMO_CLUSTER_NAME, year, leader, deputy);
    for s in &specs {
        cluster.members.insert(
            s.code.clone(),
            shared::schema::Member {
                code: s.code.clone(),
                name: s.name.clone(),
                province: s.province.clone(),
                ..Default::default()
            },
        );
    }
    cluster.add_criteria(crate::demo::DEMO_CRITERIA);
    seed_cluster(&mut cluster);
    let generated = generate(&cluster, &specs, years, DEMO_SEED, |_, i| match i % 5 {
        1 => Scenario {
            over_cstdcs_cap: true,
            ..Scenario::default()
        },
        2 => Scenario {
            short_of_ldtt: true,
            ..Scenario::default()
        },
        3 => Scenario {
            person_under_review: true,
            late_registrations: true,
            ..Scenario::default()
        },
        _ => Scenario::default(),
    });
    (cluster, generated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DEMO_PROVINCES, demo_documents};
    use shared::cluster::{Directory, OfficeEntry};
    use shared::domain::rules::RuleCatalog;
    use shared::protocol::DocumentId;
    use shared::schema::{new_cluster_doc, validate_cluster, validate_office};
    use shared::summary::{OfficeInput, cluster_summary, newest_change_secs};

    fn entries() -> Vec<OfficeEntry> {
        DEMO_PROVINCES
            .iter()
            .enumerate()
            .map(|(i, (code, province))| OfficeEntry {
                code: code.to_string(),
                name: format!("Văn phòng Đoàn ĐBQH và HĐND tỉnh {province}"),
                province: province.to_string(),
                url: DocumentId::from_bytes([i as u8 + 2; 16]).url(),
            })
            .collect()
    }

    #[test]
    fn the_demo_year_validates_and_is_deterministic() {
        let offices = entries();
        let (cluster, generated) = demo_documents(&offices);
        let directory = Directory {
            cluster: cluster.name.clone(),
            cluster_url: DocumentId::from_bytes([1; 16]).url(),
            offices: offices.clone(),
        };
        let cluster_doc = new_cluster_doc(&cluster);
        assert_eq!(validate_cluster(&cluster_doc, &directory), []);
        for g in &generated {
            let doc = office_automerge(&g.doc, cluster.year, g.as_of);
            let problems = validate_office(&doc, &g.spec.code, Some(&cluster_doc));
            assert!(problems.is_empty(), "{}: {problems:#?}", g.spec.code);
            assert!((9..=12).contains(&g.doc.staff.len()));
            assert_eq!(newest_change_secs(&doc), Some(commit_time(g.as_of)));
        }
        let (again_cluster, again) = demo_documents(&offices);
        assert_eq!(again_cluster, cluster);
        for (a, b) in again.iter().zip(&generated) {
            assert_eq!(a.doc, b.doc);
        }
    }

    #[test]
    fn the_demo_summary_shows_the_seeded_violations_and_the_old_office() {
        let (cluster, generated) = demo_documents(&entries());
        let inputs: Vec<OfficeInput<'_>> = generated
            .iter()
            .map(|g| OfficeInput {
                code: &g.spec.code,
                doc: &g.doc,
                last_change_secs: Some(commit_time(g.as_of)),
            })
            .collect();
        let s = cluster_summary(&cluster, &inputs, &RuleCatalog::defaults(), cluster.year);
        let warnings: Vec<(&str, &str)> = s
            .warnings
            .iter()
            .map(|w| (w.office_code.as_str(), w.code.as_str()))
            .collect();
        assert_eq!(
            warnings,
            [
                ("LCI", "cstdcs-cap"),
                ("SLA", "collective-not-eligible"),
                ("LCU", "frozen"),
            ]
        );
        let dbn = s.offices.iter().find(|o| o.code == "DBN").unwrap();
        assert!(
            dbn.freshness.behind_newest_days.unwrap() >= 21,
            "{:?}",
            dbn.freshness
        );
        assert!(
            s.offices.iter().filter(|o| o.code != "DBN").all(|o| o
                .freshness
                .behind_newest_days
                .unwrap()
                < 10)
        );
        assert!(s.totals.registered_late >= 3);
        assert!(s.totals.recommendations_open >= 3);
        assert!(s.totals.models.total() >= 9);
        assert!(s.commendations.iter().any(|c| c.days.is_some()));
        assert_eq!(
            s.vote.ballots_cast, 8,
            "every office but the stale one voted"
        );
        assert!(s.offices.iter().all(|o| o.scores.peer_total.is_some()));
        assert!(
            s.offices
                .iter()
                .all(|o| (9..=12).contains(&o.registrations.staff_count))
        );
    }

    #[test]
    fn synthetic_clusters_validate_too() {
        let (cluster, generated) = synthetic(6, 2022..=2026);
        let cluster_doc = new_cluster_doc(&cluster);
        for g in &generated {
            let doc = office_automerge(&g.doc, cluster.year, g.as_of);
            let problems = validate_office(&doc, &g.spec.code, Some(&cluster_doc));
            assert!(problems.is_empty(), "{}: {problems:#?}", g.spec.code);
        }
    }
}
