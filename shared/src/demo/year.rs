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

use crate::domain::rules::Date;
use crate::schema::write::write_office;
use crate::schema::{
    ClusterDoc, Covenant, DateText, Deadline, Movement, MovementKind, OfficeDoc, Plan,
    ReviewPeriod, parse_review_key, review_key,
};
use crate::summary::codes::day_number;
use automerge::Automerge;
use automerge::transaction::CommitOptions;

use crate::demo::records;

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
    /// A former office (before a merger): its last day as a member; its
    /// data stops there.
    pub closed_on: Option<Date>,
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
// Dates and numbers
// ---------------------------------------------------------------------------

/// A generated (valid) date as stored.
pub(crate) fn date(y: i32, m: u32, d: u32) -> DateText {
    DateText::from(Date::new(y, m, d).expect("generated dates are valid"))
}

/// Seconds since the epoch of 10:00 in Vietnam (03:00 UTC) on a date.
pub fn commit_time(d: Date) -> i64 {
    day_number(d) * 86_400 + 3 * 3600
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
    pub(crate) fn year(&self) -> i32 {
        *self.years.end()
    }

    /// How well an office works, 0.78–0.95: scores follow it.
    pub(crate) fn quality(&self, code: &str) -> f64 {
        Rng::for_label(self.seed, &format!("quality-{code}")).float(0.78, 0.95)
    }

    /// The last day an office's data reaches (its "as of" date).
    pub fn as_of(&self, code: &str, scenario: &Scenario) -> Date {
        let day = 20 + Rng::for_label(self.seed, &format!("asof-{code}")).between(0..=7);
        let end = Date::new(self.year(), 12, day).expect("valid");
        let day = crate::summary::codes::date_of_day_number(
            day_number(end) - i64::from(scenario.stale_days),
        )
        .expect("valid");
        scenario.closed_on.map_or(day, |c| day.min(c))
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
    o.staff = crate::demo::names::staff(&mut rng, count, first)
        .into_iter()
        .collect();
    let as_of = ctx.as_of(&spec.code, scenario);
    let mut numbers = records::Numbers::new(&mut rng);
    for year in ctx.years.clone() {
        let current = year == ctx.year();
        let s = if current {
            scenario.clone()
        } else {
            Scenario::default()
        };
        if current {
            records::registrations(&mut o, &mut rng, year, &s);
            records::covenant(&mut o, year);
            if scenario.closed_on.is_none() {
                records::inspections(&mut o, &mut rng, spec, ctx, year);
                records::models(&mut o, &mut rng, year);
            }
            let mid = ReviewPeriod::MidYear;
            records::self_scores(&mut o, &mut rng, ctx, &spec.code, year, mid);
            if scenario.closed_on.is_none() {
                // Self-scoring for the year end is due by 30 November.
                let end = ReviewPeriod::YearEnd;
                records::self_scores(&mut o, &mut rng, ctx, &spec.code, year, end);
            }
        } else if year + 1 == ctx.year() {
            // Last year's year-end review stays beside this year's.
            records::self_scores(
                &mut o,
                &mut rng,
                ctx,
                &spec.code,
                year,
                ReviewPeriod::YearEnd,
            );
            records::peer_reviews(&mut o, &mut rng, ctx, &spec.code, year);
        }
        if current && as_of < Date::new(year, 12, 5).expect("valid") {
            continue; // the year-end review has not reached this office's data
        }
        if current {
            records::peer_reviews(&mut o, &mut rng, ctx, &spec.code, year);
        }
        records::evaluations(&mut o, &mut rng, year, &s);
        records::proposals_and_decisions(
            &mut o,
            &mut rng,
            &mut numbers,
            spec,
            year,
            current,
            as_of,
            &s,
        );
    }
    o
}

// ---------------------------------------------------------------------------
// Commits with dates
// ---------------------------------------------------------------------------

/// The office's data as five commits dated through the cluster year:
/// the roster and history with last year's reviews (early January),
/// registrations (April), the mid-year review (July), inspections and
/// exemplary models (September; each step at the latest on the office's
/// last day) and the year-end review (the office's "as of" date). `shift_secs` moves every commit time (the demo moves them so that
/// the newest seeded change is an hour before the relay first started,
/// and live edits are newer than any seeded one); the data's own dates
/// are not moved.
pub fn office_automerge(o: &OfficeDoc, year: i32, as_of: Date, shift_secs: i64) -> Automerge {
    let mut history = o.clone();
    history.registrations.clear();
    history.covenant_signatures.clear();
    history
        .reviews
        .retain(|key, _| parse_review_key(key).is_some_and(|(y, _)| y < year));
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
    let mut mid_year = registered.clone();
    let mid_key = review_key(year, ReviewPeriod::MidYear);
    if let Some(round) = o.reviews.get(&mid_key) {
        mid_year.reviews.insert(mid_key, round.clone());
    }
    let mut working = mid_year.clone();
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
        (&mid_year, on(7, 10), "Sơ kết 6 tháng đầu năm: tự chấm điểm"),
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
                .with_time(commit_time(day) + shift_secs),
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
            crate::schema::Member {
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
