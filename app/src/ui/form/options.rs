//! Option lists of the domain's enumerations ([`Opt`]): titles named by the awarding system, ratings, kinds, levels.

use shared::domain::{AwardingSystem, DisciplineLevel, Gender, PerformanceRating, Title};
use shared::schema::value::{FollowUpStatus, MovementKind, StaffKind, TextCode};

use crate::i18n::Lang;

/// One choice of a select: the stored code ("" = none) and its labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Opt {
    pub code: String,
    pub vi: String,
    pub en: String,
}

impl Opt {
    pub fn new(code: &str, vi: &str, en: &str) -> Opt {
        Opt {
            code: code.to_string(),
            vi: vi.to_string(),
            en: en.to_string(),
        }
    }

    /// A choice whose label is the same in both languages (a name).
    pub fn named(code: &str, name: &str) -> Opt {
        Opt::new(code, name, name)
    }

    pub fn none() -> Opt {
        Opt::new("", "— chưa chọn —", "— none —")
    }

    pub fn label(&self, lang: Lang) -> String {
        match lang {
            Lang::Vi => self.vi.clone(),
            Lang::En => self.en.clone(),
        }
    }
}

/// The titles as options, named as `system` names them ("Bằng khen của
/// Chủ nhiệm Văn phòng Quốc hội" before an office joined the province's
/// system).
pub fn title_opts(titles: &[Title], system: AwardingSystem) -> Vec<Opt> {
    titles
        .iter()
        .map(|t| {
            Opt::new(
                t.code(),
                &system.title_name_vi(*t),
                &system.title_name_en(*t),
            )
        })
        .collect()
}

/// Titles an individual may be proposed for or register (the summary's list).
pub const PERSON_TITLES: &[Title] = &shared::summary::INDIVIDUAL_TITLES;

/// A person's emulation titles (danh hiệu thi đua), one per year.
pub const EMULATION_TITLES: &[Title] = &[
    Title::LaoDongTienTien,
    Title::ChienSiThiDuaCoSo,
    Title::ChienSiThiDuaCapTinh,
    Title::ChienSiThiDuaToanQuoc,
];

/// Forms of commendation (hình thức khen thưởng) proposed besides a title.
pub const AWARD_FORMS: &[Title] = &[Title::BangKhenCapTinh, Title::GiayKhen];

/// Titles of a collective.
pub const COLLECTIVE_TITLES: &[Title] = &[
    Title::TapTheLaoDongXuatSac,
    Title::TapTheLaoDongTienTien,
    Title::CoThiDuaCapTinh,
    Title::BangKhenCapTinh,
    Title::GiayKhen,
];

/// [`COLLECTIVE_TITLES`] or [`PERSON_TITLES`].
pub fn titles_for(collective: bool) -> &'static [Title] {
    if collective {
        COLLECTIVE_TITLES
    } else {
        PERSON_TITLES
    }
}

/// [`title_opts`] after "— none —".
pub fn title_opts_or_none(titles: &[Title], system: AwardingSystem) -> Vec<Opt> {
    let mut v = vec![Opt::none()];
    v.extend(title_opts(titles, system));
    v
}

/// The code of the collective among the choices of who a record is about
/// (the others are staff ids).
pub const COLLECTIVE: &str = "__collective";

pub fn rating_opts() -> Vec<Opt> {
    let mut v = vec![Opt::none()];
    v.extend(
        PerformanceRating::ALL
            .iter()
            .map(|r| Opt::new(r.code(), r.name_vi(), r.name_en())),
    );
    v
}

pub fn gender_opts() -> Vec<Opt> {
    vec![
        Opt::none(),
        Opt::new(Gender::Male.code(), "Nam (Ông)", "Male (Mr)"),
        Opt::new(Gender::Female.code(), "Nữ (Bà)", "Female (Ms)"),
    ]
}

pub fn staff_kind_opts() -> Vec<Opt> {
    StaffKind::ALL
        .iter()
        .map(|k| Opt::new(k.code(), k.name_vi(), k.name_en()))
        .collect()
}

pub fn discipline_opts() -> Vec<Opt> {
    DisciplineLevel::ALL
        .iter()
        .map(|k| Opt::new(k.code(), k.name_vi(), k.name_en()))
        .collect()
}

pub fn follow_up_opts() -> Vec<Opt> {
    let en = |s: FollowUpStatus| match s {
        FollowUpStatus::Open => "open",
        FollowUpStatus::InProgress => "in progress",
        FollowUpStatus::Done => "done",
    };
    FollowUpStatus::ALL
        .iter()
        .map(|s| Opt::new(s.code(), s.name_vi(), en(*s)))
        .collect()
}

pub fn movement_kind_opts() -> Vec<Opt> {
    MovementKind::ALL
        .iter()
        .map(|k| {
            let en = match k {
                MovementKind::Regular => "regular",
                MovementKind::Themed => "themed",
            };
            Opt::new(k.code(), k.name_vi(), en)
        })
        .collect()
}

/// The label of `code` among `opts`, or the code itself.
pub fn opt_label(opts: &[Opt], code: &str, lang: Lang) -> String {
    opts.iter()
        .find(|o| o.code == code)
        .map(|o| o.label(lang))
        .unwrap_or_else(|| code.to_string())
}
