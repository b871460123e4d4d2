//! Registrations against targets and results (đăng ký thi đua, chỉ tiêu và
//! kết quả): the office's targets for the year (chỉ tiêu), who
//! registered for which title, the collective's target, whether each
//! registration came before the deadline, and per title how many people
//! registered, were proposed at the year-end evaluation and were awarded
//! by a recorded decision.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::codes::{code, opt_code};
use crate::domain::names::{NameSortKey, strip_tones};
use crate::domain::rules::Date;
use crate::domain::{Gender, Title};
use crate::schema::bridge::{awards, cap_input, title_implies};
use crate::schema::{ClusterDoc, DateText, OfficeDoc, Registration};

/// The individual titles every registration table shows, in this order.
pub const INDIVIDUAL_TITLES: [Title; 6] = [
    Title::LaoDongTienTien,
    Title::ChienSiThiDuaCoSo,
    Title::ChienSiThiDuaCapTinh,
    Title::ChienSiThiDuaToanQuoc,
    Title::BangKhenCapTinh,
    Title::GiayKhen,
];

/// Emulation titles (danh hiệu thi đua): a person, or the collective,
/// registers for one of them in a year; forms of commendation (Bằng khen,
/// Giấy khen) come besides.
pub fn is_emulation_title(title: Title) -> bool {
    matches!(
        title,
        Title::LaoDongTienTien
            | Title::ChienSiThiDuaCoSo
            | Title::ChienSiThiDuaCapTinh
            | Title::ChienSiThiDuaToanQuoc
            | Title::TapTheLaoDongXuatSac
            | Title::TapTheLaoDongTienTien
    )
}

/// A registration of `year` that a new one for `person` (None: the
/// collective) and `title` would duplicate: the same title, or another
/// emulation title ([`is_emulation_title`]). Its key and title.
pub fn duplicate_registration(
    office: &OfficeDoc,
    year: i32,
    person: Option<&str>,
    title: Title,
) -> Option<(String, Title)> {
    office
        .registrations
        .iter()
        .filter(|(_, r)| r.year == year && r.person_id.as_deref() == person)
        .find(|(_, r)| {
            r.title == title || (is_emulation_title(title) && is_emulation_title(r.title))
        })
        .map(|(k, r)| (k.clone(), r.title))
}

/// The key of the registration deadline in the cluster's `deadlines`.
pub const REGISTRATION_DEADLINE_KEY: &str = "registration";

/// One title's numbers: registered (target), proposed, awarded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TitleCount {
    #[serde(with = "code")]
    pub title: Title,
    /// People who registered for it (đăng ký).
    pub registered: u32,
    /// People proposed for it in their year-end evaluation (đề nghị).
    pub proposed: u32,
    /// People awarded it by a recorded decision (được công nhận).
    pub awarded: u32,
}

/// How many offices chose a title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TitleTally {
    #[serde(with = "code")]
    pub title: Title,
    pub count: u32,
}

/// When a registration came, against the deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RegistrationTiming {
    /// On or before the deadline (đúng hạn).
    OnTime,
    /// After the deadline (quá hạn).
    Late,
    /// No date recorded (chưa ghi ngày).
    Undated,
    /// The cluster set no registration deadline for the year.
    NoDeadline,
}

impl RegistrationTiming {
    pub fn name_vi(self) -> &'static str {
        match self {
            RegistrationTiming::OnTime => "đúng hạn",
            RegistrationTiming::Late => "quá hạn",
            RegistrationTiming::Undated => "chưa ghi ngày",
            RegistrationTiming::NoDeadline => "chưa có hạn",
        }
    }
}

/// One person of the year and what they registered for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonRegistration {
    pub person_id: String,
    pub full_name: String,
    /// Chức vụ.
    pub position: String,
    #[serde(with = "opt_code")]
    pub gender: Option<Gender>,
    /// The title registered; `None` = not registered.
    #[serde(with = "opt_code")]
    pub title: Option<Title>,
    pub date: Option<Date>,
    pub timing: Option<RegistrationTiming>,
    /// The title proposed at the year-end evaluation, if any.
    #[serde(with = "opt_code")]
    pub proposed_title: Option<Title>,
    /// The form of commendation proposed besides it (Bằng khen, Giấy khen).
    #[serde(with = "opt_code", default)]
    pub proposed_award: Option<Title>,
}

/// A target given as a share of the staff (chỉ tiêu theo tỷ lệ), against
/// registrations and results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareTarget {
    /// Percent of the staff.
    pub percent: u32,
    /// People needed: staff × percent, rounded up (15% of 9 = 1,35 → 2).
    pub needed: u32,
    /// People registered for the title or a higher one.
    pub registered: u32,
    /// People proposed for or awarded the title or a higher one: the counts
    /// the rule checks use ([`crate::schema::bridge::cap_input`]).
    pub reached: u32,
}

impl ShareTarget {
    pub fn met(&self) -> bool {
        self.reached >= self.needed
    }
}

/// An office's targets (chỉ tiêu) for the year against its registrations
/// and results; `None` in [`OfficeRegistrations::targets`] when it set none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetProgress {
    /// The collective title aimed for.
    #[serde(with = "opt_code")]
    pub collective_target: Option<Title>,
    /// The collective title registered.
    #[serde(with = "opt_code")]
    pub collective_registered: Option<Title>,
    /// The collective title proposed at the year-end evaluation.
    #[serde(with = "opt_code")]
    pub collective_proposed: Option<Title>,
    /// Lao động tiên tiến or higher.
    pub ldtt: Option<ShareTarget>,
    /// Chiến sĩ thi đua cơ sở or higher ("trở lên").
    pub cstdcs: Option<ShareTarget>,
}

/// An office's registrations for the year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeRegistrations {
    /// Staff on the roster on some day of the year.
    pub staff_count: u32,
    /// Of them, those with an individual registration.
    pub registered_count: u32,
    /// Per title of [`INDIVIDUAL_TITLES`].
    pub by_title: Vec<TitleCount>,
    /// The collective's registered title (danh hiệu tập thể đăng ký).
    #[serde(with = "opt_code")]
    pub collective_target: Option<Title>,
    pub collective_date: Option<Date>,
    pub collective_timing: Option<RegistrationTiming>,
    /// Individual and collective registrations on time / late / undated.
    pub on_time: u32,
    pub late: u32,
    pub undated: u32,
    /// Everyone on the staff in the year, by given name.
    pub people: Vec<PersonRegistration>,
    /// The office's targets for the year, when it set any.
    pub targets: Option<TargetProgress>,
}

/// The office's targets for `year` against registrations and results.
fn target_progress(
    office: &OfficeDoc,
    year: i32,
    people: &[PersonRegistration],
    collective_registered: Option<Title>,
) -> Option<TargetProgress> {
    let t = office.targets_of(year)?;
    let staff = people.len() as u64;
    let results = cap_input(office, year);
    let share = |percent: Option<u32>, title: Title, reached: u32| {
        percent.map(|percent| ShareTarget {
            percent,
            needed: u32::try_from((staff * u64::from(percent)).div_ceil(100)).unwrap_or(u32::MAX),
            registered: people
                .iter()
                .filter(|p| title_implies(p.title, title))
                .count() as u32,
            reached,
        })
    };
    Some(TargetProgress {
        collective_target: t.collective_title,
        collective_registered,
        collective_proposed: office
            .collective_evaluation(year)
            .and_then(|e| e.proposed_title),
        ldtt: share(t.ldtt_percent, Title::LaoDongTienTien, results.ldtt_count),
        cstdcs: share(
            t.cstdcs_percent,
            Title::ChienSiThiDuaCoSo,
            results.proposed_cstdcs,
        ),
    })
}

/// The registration deadline of `year`: the deadline keyed
/// [`REGISTRATION_DEADLINE_KEY`], else the earliest deadline of the year
/// whose name speaks of registration ("Đăng ký thi đua").
pub fn registration_deadline(cluster: &ClusterDoc, year: i32) -> Option<Date> {
    registration_deadline_named(cluster, year).map(|(_, d)| d)
}

/// [`registration_deadline`] with the deadline's name, for the screens.
pub fn registration_deadline_named(cluster: &ClusterDoc, year: i32) -> Option<(String, Date)> {
    deadline_named(cluster, year, REGISTRATION_DEADLINE_KEY, "đăng ky")
}

/// The key of the dossier deadline (hạn gửi hồ sơ khen thưởng).
pub const DOSSIER_DEADLINE_KEY: &str = "dossier";

/// The deadline for sending commendation dossiers in `year`: the deadline
/// keyed [`DOSSIER_DEADLINE_KEY`], else the earliest of the year whose name
/// speaks of dossiers ("Gửi hồ sơ khen thưởng"), with its name.
pub fn dossier_deadline_named(cluster: &ClusterDoc, year: i32) -> Option<(String, Date)> {
    deadline_named(cluster, year, DOSSIER_DEADLINE_KEY, "hô sơ")
}

/// The deadline of `year` under `key`, else the earliest of the year whose
/// name, without tones and in lower case, contains `words`.
fn deadline_named(
    cluster: &ClusterDoc,
    year: i32,
    key: &str,
    words: &str,
) -> Option<(String, Date)> {
    let in_year = |d: &DateText| d.date().filter(|d| d.year() == year);
    if let Some((name, d)) = cluster
        .deadlines
        .get(key)
        .and_then(|d| Some((d.name.clone(), in_year(&d.date)?)))
    {
        return Some((name, d));
    }
    cluster
        .deadlines
        .values()
        .filter(|d| strip_tones(&d.name).to_lowercase().contains(words))
        .filter_map(|d| Some((d.name.clone(), in_year(&d.date)?)))
        .min_by_key(|(_, d)| *d)
}

fn timing(date: Option<&DateText>, deadline: Option<Date>) -> RegistrationTiming {
    let Some(deadline) = deadline else {
        return RegistrationTiming::NoDeadline;
    };
    match date.and_then(DateText::date) {
        None => RegistrationTiming::Undated,
        Some(d) if d <= deadline => RegistrationTiming::OnTime,
        Some(_) => RegistrationTiming::Late,
    }
}

/// The registration that counts among several: the latest by date, then
/// by key (a later registration replaces an earlier one).
fn latest<'a>(
    regs: impl Iterator<Item = (&'a String, &'a Registration)>,
) -> Option<&'a Registration> {
    regs.max_by(|(ka, a), (kb, b)| {
        let da = a.date.as_ref().and_then(DateText::date);
        let db = b.date.as_ref().and_then(DateText::date);
        (da, *ka).cmp(&(db, *kb))
    })
    .map(|(_, r)| r)
}

fn count(timing: Option<RegistrationTiming>, on_time: &mut u32, late: &mut u32, undated: &mut u32) {
    match timing {
        Some(RegistrationTiming::OnTime) => *on_time += 1,
        Some(RegistrationTiming::Late) => *late += 1,
        Some(RegistrationTiming::Undated) => *undated += 1,
        _ => {}
    }
}

/// An office's registrations for `year`.
pub fn office_registrations(
    office: &OfficeDoc,
    year: i32,
    deadline: Option<Date>,
) -> OfficeRegistrations {
    let mut by_person: BTreeMap<&str, Vec<(&String, &Registration)>> = BTreeMap::new();
    let mut collective = Vec::new();
    for (key, r) in office.registrations.iter().filter(|(_, r)| r.year == year) {
        match &r.person_id {
            Some(p) => by_person.entry(p.as_str()).or_default().push((key, r)),
            None => collective.push((key, r)),
        }
    }
    let awarded = awards(office);
    let (mut on_time, mut late, mut undated) = (0, 0, 0);
    let mut people: Vec<(NameSortKey, PersonRegistration)> = office
        .staff_in(year)
        .map(|(id, person)| {
            let reg = by_person
                .get(id.as_str())
                .and_then(|list| latest(list.iter().copied()));
            let t = reg.map(|r| timing(r.date.as_ref(), deadline));
            count(t, &mut on_time, &mut late, &mut undated);
            let row = PersonRegistration {
                person_id: id.clone(),
                full_name: person.full_name.clone(),
                position: person.position.clone(),
                gender: person.gender,
                title: reg.map(|r| r.title),
                date: reg.and_then(|r| r.date.as_ref()).and_then(DateText::date),
                timing: t,
                proposed_title: office.evaluation(id, year).and_then(|e| e.proposed_title),
                proposed_award: office.evaluation(id, year).and_then(|e| e.proposed_award),
            };
            (NameSortKey::from_full_name(&person.full_name), row)
        })
        .collect();
    people.sort_by(|a, b| (&a.0, &a.1.person_id).cmp(&(&b.0, &b.1.person_id)));
    let people: Vec<PersonRegistration> = people.into_iter().map(|(_, p)| p).collect();

    let by_title = INDIVIDUAL_TITLES
        .iter()
        .map(|&title| TitleCount {
            title,
            registered: people.iter().filter(|p| p.title == Some(title)).count() as u32,
            proposed: people
                .iter()
                .filter(|p| p.proposed_title == Some(title) || p.proposed_award == Some(title))
                .count() as u32,
            awarded: awarded
                .iter()
                .filter(|a| a.year == year && a.title == title)
                .count() as u32,
        })
        .collect();

    let collective_reg = latest(collective.into_iter());
    let collective_timing = collective_reg.map(|r| timing(r.date.as_ref(), deadline));
    count(collective_timing, &mut on_time, &mut late, &mut undated);
    let targets = target_progress(office, year, &people, collective_reg.map(|r| r.title));
    OfficeRegistrations {
        staff_count: people.len() as u32,
        registered_count: people.iter().filter(|p| p.title.is_some()).count() as u32,
        by_title,
        collective_target: collective_reg.map(|r| r.title),
        collective_date: collective_reg
            .and_then(|r| r.date.as_ref())
            .and_then(DateText::date),
        collective_timing,
        on_time,
        late,
        undated,
        people,
        targets,
    }
}

/// Adds one office's title counts to the cluster's.
pub fn add_title_counts(total: &mut Vec<TitleCount>, office: &[TitleCount]) {
    for c in office {
        match total.iter_mut().find(|t| t.title == c.title) {
            Some(t) => {
                t.registered += c.registered;
                t.proposed += c.proposed;
                t.awarded += c.awarded;
            }
            None => total.push(c.clone()),
        }
    }
}

/// How many offices registered each collective title, in title order.
pub fn collective_targets(offices: &[super::OfficeSummary]) -> Vec<TitleTally> {
    let mut tally: BTreeMap<Title, u32> = BTreeMap::new();
    for t in offices
        .iter()
        .filter_map(|o| o.registrations.collective_target)
    {
        *tally.entry(t).or_default() += 1;
    }
    tally
        .into_iter()
        .map(|(title, count)| TitleTally { title, count })
        .collect()
}
