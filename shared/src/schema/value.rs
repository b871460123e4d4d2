//! Small value types of the schema and how they sit in an automerge document.
//!
//! - [`DateText`]: a calendar date kept as `"YYYY-MM-DD"` text. A malformed
//!   date is kept as written (so a bad value never makes a whole record
//!   unreadable) and reported by validation (`bad-date`).
//! - Numbers: automerge has signed, unsigned and float scalars, and the
//!   JavaScript client writes whole numbers as signed integers. The `with`
//!   modules here ([`count`], [`opt_count`], [`points`], [`year`], [`int`])
//!   read any of the three when the value fits, and write whole numbers as
//!   signed integers, like version 1 did.
//! - Enumerations are stored as short camelCase text codes (e.g.
//!   `"chienSiThiDuaCoSo"`), including the domain's [`Title`],
//!   [`PerformanceRating`], [`DisciplineLevel`] and [`Gender`]; see
//!   [`TextCode`].

use std::borrow::Cow;
use std::fmt;

use automerge::{ObjId, ScalarValue, Value};
use autosurgeon::reconcile::NoKey;
use autosurgeon::{Hydrate, HydrateError, Prop, ReadDoc, Reconcile, Reconciler};
use serde::{Deserialize, Serialize};

use crate::domain::rules::CapRounding;
use crate::domain::rules::Date;
use crate::domain::{AwardKind, DisciplineLevel, Gender, PerformanceRating, Title};

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// A date as stored: `"YYYY-MM-DD"` text (ngày, lưu dạng ISO). Shown to
/// users as `dd/mm/yyyy` through [`Date`]'s `Display`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateText(pub String);

impl DateText {
    /// The stored text, parsed; `None` when it is not a valid date.
    pub fn date(&self) -> Option<Date> {
        self.0.parse().ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `dd/mm/yyyy` when valid, the raw text otherwise.
    pub fn display_vi(&self) -> String {
        self.date()
            .map_or_else(|| self.0.clone(), |d| d.to_string())
    }
}

impl From<Date> for DateText {
    fn from(d: Date) -> Self {
        DateText(d.to_iso())
    }
}

impl From<&str> for DateText {
    fn from(s: &str) -> Self {
        DateText(s.to_string())
    }
}

impl fmt::Display for DateText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_vi())
    }
}

impl Reconcile for DateText {
    type Key<'a> = NoKey;
    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(&self.0)
    }
}

impl Hydrate for DateText {
    fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
        Ok(DateText(s.to_string()))
    }
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

fn scalar<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    prop: &Prop<'_>,
) -> Result<Option<ScalarValue>, HydrateError> {
    match doc.get(obj, prop)? {
        None => Ok(None),
        Some((Value::Scalar(s), _)) => Ok(Some(s.into_owned())),
        Some((Value::Object(t), _)) => Err(HydrateError::unexpected(
            "a number",
            format!("an object ({t:?})"),
        )),
    }
}

/// Any numeric scalar as `f64`; `Ok(None)` for null or a missing value.
fn number<D: ReadDoc>(doc: &D, obj: &ObjId, prop: &Prop<'_>) -> Result<Option<f64>, HydrateError> {
    match scalar(doc, obj, prop)? {
        None | Some(ScalarValue::Null) => Ok(None),
        Some(ScalarValue::Int(i)) => Ok(Some(i as f64)),
        Some(ScalarValue::Uint(u)) => Ok(Some(u as f64)),
        Some(ScalarValue::F64(f)) => Ok(Some(f)),
        Some(other) => Err(HydrateError::unexpected(
            "a number",
            format!("{}", describe(&other)),
        )),
    }
}

fn describe(s: &ScalarValue) -> Cow<'static, str> {
    match s {
        ScalarValue::Str(t) => format!("the text {:?}", t.as_str()).into(),
        ScalarValue::Boolean(b) => format!("the boolean {b}").into(),
        ScalarValue::Null => "null".into(),
        other => format!("{other:?}").into(),
    }
}

fn whole<T: TryFrom<i64>>(f: f64, what: &str) -> Result<T, HydrateError> {
    if f.fract() != 0.0 || !f.is_finite() || f.abs() > 9.0e15 {
        return Err(HydrateError::unexpected(what, format!("{f}")));
    }
    T::try_from(f as i64).map_err(|_| HydrateError::unexpected(what, format!("{f}")))
}

fn required<T>(v: Option<T>, what: &str) -> Result<T, HydrateError> {
    v.ok_or_else(|| HydrateError::unexpected(what, "nothing".to_string()))
}

/// A count (số lượng) as `u32`: a whole number ≥ 0.
pub mod count {
    use super::*;

    pub fn reconcile<R: Reconciler>(v: &u32, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.i64(i64::from(*v))
    }

    pub fn hydrate<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<u32, HydrateError> {
        let n = required(number(doc, obj, &prop)?, "a whole number ≥ 0")?;
        whole(n, "a whole number ≥ 0")
    }
}

/// An optional count: null (or missing) is `None`.
pub mod opt_count {
    use super::*;

    pub fn reconcile<R: Reconciler>(v: &Option<u32>, mut reconciler: R) -> Result<(), R::Error> {
        match v {
            Some(n) => reconciler.i64(i64::from(*n)),
            None => reconciler.none(),
        }
    }

    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &ObjId,
        prop: Prop<'_>,
    ) -> Result<Option<u32>, HydrateError> {
        number(doc, obj, &prop)?
            .map(|n| whole(n, "a whole number ≥ 0 or null"))
            .transpose()
    }
}

/// Points (điểm) as `f64`: whole points are stored as integers, others as
/// floats. Negative or too-large points are read as they are and reported
/// by validation.
pub mod points {
    use super::*;

    pub fn reconcile<R: Reconciler>(v: &f64, mut reconciler: R) -> Result<(), R::Error> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            reconciler.i64(*v as i64)
        } else {
            reconciler.f64(*v)
        }
    }

    pub fn hydrate<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<f64, HydrateError> {
        required(number(doc, obj, &prop)?, "a number")
    }
}

/// A year (năm) as `i32`.
pub mod year {
    use super::*;

    pub fn reconcile<R: Reconciler>(v: &i32, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.i64(i64::from(*v))
    }

    pub fn hydrate<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<i32, HydrateError> {
        let n = required(number(doc, obj, &prop)?, "a year")?;
        whole(n, "a year")
    }
}

/// A whole number as `i64` (e.g. `schemaVersion`).
pub mod int {
    use super::*;

    pub fn reconcile<R: Reconciler>(v: &i64, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.i64(*v)
    }

    pub fn hydrate<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<i64, HydrateError> {
        let n = required(number(doc, obj, &prop)?, "a whole number")?;
        whole(n, "a whole number")
    }
}

// ---------------------------------------------------------------------------
// Enumerations stored as text codes
// ---------------------------------------------------------------------------

/// An enumeration stored as a stable text code.
pub trait TextCode: Sized + Copy + 'static {
    /// Every value, in display order.
    const ALL: &'static [Self];
    /// The stored code, e.g. `"chienSiThiDuaCoSo"`.
    fn code(self) -> &'static str;
    /// The value of a stored code.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

macro_rules! text_code {
    ($ty:ty { $($variant:path => $code:literal),+ $(,)? }) => {
        impl TextCode for $ty {
            const ALL: &'static [Self] = &[$($variant),+];
            fn code(self) -> &'static str {
                match self {
                    $($variant => $code,)+
                }
            }
        }

        impl Reconcile for $ty {
            type Key<'a> = NoKey;
            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.code())
            }
        }

        impl Hydrate for $ty {
            fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
                <$ty as TextCode>::from_code(s).ok_or_else(|| {
                    HydrateError::unexpected(
                        concat!("one of:", $(" ", $code),+),
                        format!("{s:?}"),
                    )
                })
            }
        }
    };
}

text_code!(Title {
    Title::LaoDongTienTien => "laoDongTienTien",
    Title::ChienSiThiDuaCoSo => "chienSiThiDuaCoSo",
    Title::ChienSiThiDuaCapTinh => "chienSiThiDuaCapTinh",
    Title::ChienSiThiDuaToanQuoc => "chienSiThiDuaToanQuoc",
    Title::BangKhenCapTinh => "bangKhenCapTinh",
    Title::GiayKhen => "giayKhen",
    Title::TapTheLaoDongXuatSac => "tapTheLaoDongXuatSac",
    Title::TapTheLaoDongTienTien => "tapTheLaoDongTienTien",
    Title::CoThiDuaCapTinh => "coThiDuaCapTinh",
});

text_code!(PerformanceRating {
    PerformanceRating::HoanThanhXuatSac => "hoanThanhXuatSac",
    PerformanceRating::HoanThanhTot => "hoanThanhTot",
    PerformanceRating::HoanThanh => "hoanThanh",
    PerformanceRating::KhongHoanThanh => "khongHoanThanh",
});

text_code!(DisciplineLevel {
    DisciplineLevel::KhienTrach => "khienTrach",
    DisciplineLevel::CanhCao => "canhCao",
    DisciplineLevel::HaBacLuong => "haBacLuong",
    DisciplineLevel::GiangChuc => "giangChuc",
    DisciplineLevel::CachChuc => "cachChuc",
    DisciplineLevel::BuocThoiViec => "buocThoiViec",
});

text_code!(CapRounding {
    CapRounding::Down => "down",
    CapRounding::Nearest => "nearest",
    CapRounding::Up => "up",
});

text_code!(AwardKind {
    AwardKind::Regular => "regular",
    AwardKind::AdHoc => "adHoc",
    AwardKind::Themed => "themed",
});

text_code!(Gender {
    Gender::Male => "male",
    Gender::Female => "female",
});

/// Kind of staff member (loại cán bộ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum StaffKind {
    /// Công chức — civil servant.
    #[default]
    CongChuc,
    /// Người lao động — worker under a labour contract.
    NguoiLaoDong,
}

text_code!(StaffKind {
    StaffKind::CongChuc => "congChuc",
    StaffKind::NguoiLaoDong => "nguoiLaoDong",
});

impl StaffKind {
    pub fn name_vi(self) -> &'static str {
        match self {
            StaffKind::CongChuc => "công chức",
            StaffKind::NguoiLaoDong => "người lao động",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            StaffKind::CongChuc => "civil servant",
            StaffKind::NguoiLaoDong => "worker",
        }
    }
}

/// Kind of emulation movement (loại phong trào thi đua).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum MovementKind {
    /// Thường xuyên — regular, year-round.
    #[default]
    Regular,
    /// Chuyên đề — themed, for a period or a goal.
    Themed,
}

text_code!(MovementKind {
    MovementKind::Regular => "regular",
    MovementKind::Themed => "themed",
});

impl MovementKind {
    pub fn name_vi(self) -> &'static str {
        match self {
            MovementKind::Regular => "thường xuyên",
            MovementKind::Themed => "chuyên đề",
        }
    }
}

/// A component of a commendation dossier (thành phần hồ sơ, Điều 84).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DossierPart {
    /// Tờ trình đề nghị khen thưởng.
    ToTrinh,
    /// Biên bản họp Hội đồng thi đua, khen thưởng (with the vote counts).
    BienBan,
    /// Báo cáo thành tích.
    BaoCaoThanhTich,
    /// Proof of an initiative or research and its scope (for the Chiến sĩ
    /// thi đua titles).
    MinhChungSangKien,
}

text_code!(DossierPart {
    DossierPart::ToTrinh => "toTrinh",
    DossierPart::BienBan => "bienBan",
    DossierPart::BaoCaoThanhTich => "baoCaoThanhTich",
    DossierPart::MinhChungSangKien => "minhChungSangKien",
});

impl DossierPart {
    pub fn name_vi(self) -> &'static str {
        match self {
            DossierPart::ToTrinh => "Tờ trình",
            DossierPart::BienBan => "Biên bản họp Hội đồng thi đua, khen thưởng",
            DossierPart::BaoCaoThanhTich => "Báo cáo thành tích",
            DossierPart::MinhChungSangKien => "Minh chứng sáng kiến, đề tài và phạm vi ảnh hưởng",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            DossierPart::ToTrinh => "Proposal letter",
            DossierPart::BienBan => "Minutes of the emulation council",
            DossierPart::BaoCaoThanhTich => "Achievement report",
            DossierPart::MinhChungSangKien => "Proof of the initiative or research and its scope",
        }
    }
}

/// What happened to a dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DossierEventKind {
    /// Gửi (or gửi lại) to the awarding authority.
    Sent,
    /// Bị trả lại, with the reason.
    Returned,
}

text_code!(DossierEventKind {
    DossierEventKind::Sent => "sent",
    DossierEventKind::Returned => "returned",
});

/// A shortcoming or a recommendation of an inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InspectionItemKind {
    /// Hạn chế.
    Shortcoming,
    /// Kiến nghị.
    Recommendation,
}

text_code!(InspectionItemKind {
    InspectionItemKind::Shortcoming => "shortcoming",
    InspectionItemKind::Recommendation => "recommendation",
});

/// Follow-up status of a shortcoming or recommendation (tình trạng khắc
/// phục / thực hiện).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum FollowUpStatus {
    /// Chưa thực hiện.
    #[default]
    Open,
    /// Đang thực hiện.
    InProgress,
    /// Đã hoàn thành.
    Done,
}

text_code!(FollowUpStatus {
    FollowUpStatus::Open => "open",
    FollowUpStatus::InProgress => "inProgress",
    FollowUpStatus::Done => "done",
});

impl FollowUpStatus {
    pub fn name_vi(self) -> &'static str {
        match self {
            FollowUpStatus::Open => "chưa thực hiện",
            FollowUpStatus::InProgress => "đang thực hiện",
            FollowUpStatus::Done => "đã hoàn thành",
        }
    }
}

/// How far an exemplary model (gương điển hình tiên tiến) has come, in
/// order: found → nurtured → selected → introduced → registered → proposed
/// → honoured → replicated (the source article's last stages: tôn vinh,
/// nhân rộng).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum ModelStage {
    /// Phát hiện.
    #[default]
    Found,
    /// Bồi dưỡng.
    Nurtured,
    /// Lựa chọn.
    Selected,
    /// Giới thiệu, tuyên truyền.
    Introduced,
    /// Đăng ký.
    Registered,
    /// Đề nghị khen thưởng.
    Proposed,
    /// Tôn vinh: commended and honoured.
    Honoured,
    /// Nhân rộng: the model spread to others.
    Replicated,
}

text_code!(ModelStage {
    ModelStage::Found => "found",
    ModelStage::Nurtured => "nurtured",
    ModelStage::Selected => "selected",
    ModelStage::Introduced => "introduced",
    ModelStage::Registered => "registered",
    ModelStage::Proposed => "proposed",
    ModelStage::Honoured => "honoured",
    ModelStage::Replicated => "replicated",
});

impl ModelStage {
    pub fn name_vi(self) -> &'static str {
        match self {
            ModelStage::Found => "Phát hiện",
            ModelStage::Nurtured => "Bồi dưỡng",
            ModelStage::Selected => "Lựa chọn",
            ModelStage::Introduced => "Giới thiệu, tuyên truyền",
            ModelStage::Registered => "Đăng ký",
            ModelStage::Proposed => "Đề nghị khen thưởng",
            ModelStage::Honoured => "Tôn vinh",
            ModelStage::Replicated => "Nhân rộng",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            ModelStage::Found => "found",
            ModelStage::Nurtured => "nurtured",
            ModelStage::Selected => "selected",
            ModelStage::Introduced => "introduced",
            ModelStage::Registered => "registered",
            ModelStage::Proposed => "proposed for commendation",
            ModelStage::Honoured => "honoured",
            ModelStage::Replicated => "replicated",
        }
    }
}
