//! Inputs to the evaluations, as plain data: one person's record per year
//! (hồ sơ thành tích từng năm), their history, and a collective's year.

use serde::{Deserialize, Serialize};

use super::date::Date;

/// Yearly quality rating of a civil servant (xếp loại chất lượng).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PerformanceRating {
    /// Hoàn thành xuất sắc nhiệm vụ — excellent completion of duties.
    HoanThanhXuatSac,
    /// Hoàn thành tốt nhiệm vụ — good completion of duties.
    HoanThanhTot,
    /// Hoàn thành nhiệm vụ — duties completed.
    HoanThanh,
    /// Không hoàn thành nhiệm vụ — duties not completed.
    KhongHoanThanh,
}

impl PerformanceRating {
    /// Rated "hoàn thành tốt nhiệm vụ" or better.
    pub fn is_good_or_better(self) -> bool {
        matches!(
            self,
            PerformanceRating::HoanThanhXuatSac | PerformanceRating::HoanThanhTot
        )
    }

    pub fn is_excellent(self) -> bool {
        self == PerformanceRating::HoanThanhXuatSac
    }

    /// Completed duties at all (anything but "không hoàn thành").
    pub fn is_completed(self) -> bool {
        self != PerformanceRating::KhongHoanThanh
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            PerformanceRating::HoanThanhXuatSac => "hoàn thành xuất sắc nhiệm vụ",
            PerformanceRating::HoanThanhTot => "hoàn thành tốt nhiệm vụ",
            PerformanceRating::HoanThanh => "hoàn thành nhiệm vụ",
            PerformanceRating::KhongHoanThanh => "không hoàn thành nhiệm vụ",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            PerformanceRating::HoanThanhXuatSac => "excellent completion of duties",
            PerformanceRating::HoanThanhTot => "good completion of duties",
            PerformanceRating::HoanThanh => "duties completed",
            PerformanceRating::KhongHoanThanh => "duties not completed",
        }
    }
}

/// Disciplinary measure (hình thức kỷ luật), lightest first, so that
/// `level >= DisciplineLevel::CanhCao` reads "warning or above".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DisciplineLevel {
    /// Khiển trách — reprimand.
    KhienTrach,
    /// Cảnh cáo — warning.
    CanhCao,
    /// Hạ bậc lương — salary step reduction.
    HaBacLuong,
    /// Giáng chức — demotion.
    GiangChuc,
    /// Cách chức — removal from office.
    CachChuc,
    /// Buộc thôi việc — dismissal.
    BuocThoiViec,
}

impl DisciplineLevel {
    pub fn name_vi(self) -> &'static str {
        match self {
            DisciplineLevel::KhienTrach => "khiển trách",
            DisciplineLevel::CanhCao => "cảnh cáo",
            DisciplineLevel::HaBacLuong => "hạ bậc lương",
            DisciplineLevel::GiangChuc => "giáng chức",
            DisciplineLevel::CachChuc => "cách chức",
            DisciplineLevel::BuocThoiViec => "buộc thôi việc",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            DisciplineLevel::KhienTrach => "reprimand",
            DisciplineLevel::CanhCao => "warning",
            DisciplineLevel::HaBacLuong => "salary step reduction",
            DisciplineLevel::GiangChuc => "demotion",
            DisciplineLevel::CachChuc => "removal from office",
            DisciplineLevel::BuocThoiViec => "dismissal",
        }
    }
}

/// A disciplinary measure and the period it runs (thời hạn kỷ luật).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DisciplineRecord {
    pub level: DisciplineLevel,
    /// First day of the period (ngày quyết định kỷ luật có hiệu lực).
    pub start: Date,
    /// Last day of the period; `None` while it still runs.
    pub end: Option<Date>,
}

impl DisciplineRecord {
    /// Whether any day of `year` falls within the period.
    pub fn overlaps_year(&self, year: i32) -> bool {
        self.start <= Date::last_of_year(year)
            && self.end.is_none_or(|end| end >= Date::first_of_year(year))
    }
}

/// What a commendation is for (loại khen thưởng).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum AwardKind {
    /// Thường xuyên: for achievements over the year or years (theo công
    /// trạng và thành tích).
    #[default]
    Regular,
    /// Đột xuất: for an unexpected, outstanding act.
    AdHoc,
    /// Chuyên đề: for a themed movement or campaign.
    Themed,
}

impl AwardKind {
    /// Ad-hoc and themed awards are not a basis for merit awards.
    pub fn is_special(self) -> bool {
        self != AwardKind::Regular
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            AwardKind::Regular => "thường xuyên",
            AwardKind::AdHoc => "đột xuất",
            AwardKind::Themed => "chuyên đề",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            AwardKind::Regular => "regular",
            AwardKind::AdHoc => "ad hoc",
            AwardKind::Themed => "themed",
        }
    }
}

/// Titles and forms of commendation (danh hiệu thi đua, hình thức khen thưởng).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Title {
    /// Lao động tiên tiến — Advanced Worker (Điều 24).
    LaoDongTienTien,
    /// Chiến sĩ thi đua cơ sở — Grassroots Emulation Fighter (Điều 23).
    ChienSiThiDuaCoSo,
    /// Chiến sĩ thi đua cấp tỉnh — Provincial Emulation Fighter (Điều 22).
    ChienSiThiDuaCapTinh,
    /// Chiến sĩ thi đua toàn quốc — National Emulation Fighter (Điều 21).
    ChienSiThiDuaToanQuoc,
    /// Bằng khen của Chủ tịch UBND tỉnh — provincial certificate of merit (Điều 74).
    BangKhenCapTinh,
    /// Giấy khen — certificate of commendation (Điều 75).
    GiayKhen,
    /// Tập thể lao động xuất sắc — Excellent Labour Collective (Điều 27).
    TapTheLaoDongXuatSac,
    /// Tập thể lao động tiên tiến — Advanced Labour Collective (Điều 28).
    TapTheLaoDongTienTien,
    /// Cờ thi đua của UBND tỉnh — provincial emulation flag (Điều 26).
    CoThiDuaCapTinh,
}

impl Title {
    pub fn name_vi(self) -> &'static str {
        match self {
            Title::LaoDongTienTien => "Lao động tiên tiến",
            Title::ChienSiThiDuaCoSo => "Chiến sĩ thi đua cơ sở",
            Title::ChienSiThiDuaCapTinh => "Chiến sĩ thi đua cấp tỉnh",
            Title::ChienSiThiDuaToanQuoc => "Chiến sĩ thi đua toàn quốc",
            Title::BangKhenCapTinh => "Bằng khen của Chủ tịch UBND tỉnh",
            Title::GiayKhen => "Giấy khen",
            Title::TapTheLaoDongXuatSac => "Tập thể lao động xuất sắc",
            Title::TapTheLaoDongTienTien => "Tập thể lao động tiên tiến",
            Title::CoThiDuaCapTinh => "Cờ thi đua của UBND tỉnh",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Title::LaoDongTienTien => "Advanced Worker",
            Title::ChienSiThiDuaCoSo => "Grassroots Emulation Fighter",
            Title::ChienSiThiDuaCapTinh => "Provincial Emulation Fighter",
            Title::ChienSiThiDuaToanQuoc => "National Emulation Fighter",
            Title::BangKhenCapTinh => "Provincial Certificate of Merit",
            Title::GiayKhen => "Certificate of Commendation",
            Title::TapTheLaoDongXuatSac => "Excellent Labour Collective",
            Title::TapTheLaoDongTienTien => "Advanced Labour Collective",
            Title::CoThiDuaCapTinh => "Provincial Emulation Flag",
        }
    }

    /// The article of Law 06/2022/QH15 that sets the title's standard.
    pub fn article(self) -> &'static str {
        match self {
            Title::LaoDongTienTien => "Điều 24",
            Title::ChienSiThiDuaCoSo => "Điều 23",
            Title::ChienSiThiDuaCapTinh => "Điều 22",
            Title::ChienSiThiDuaToanQuoc => "Điều 21",
            Title::BangKhenCapTinh => "Điều 74",
            Title::GiayKhen => "Điều 75",
            Title::TapTheLaoDongXuatSac => "Điều 27",
            Title::TapTheLaoDongTienTien => "Điều 28",
            Title::CoThiDuaCapTinh => "Điều 26",
        }
    }
}

/// One person's record for one year (thành tích cá nhân trong năm).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearRecord {
    pub year: i32,
    /// Xếp loại chất lượng of the year.
    pub rating: PerformanceRating,
    /// Took part in the emulation movements (tham gia phong trào thi đua).
    pub takes_part_in_emulation: bool,
    /// Recognised initiatives (sáng kiến được công nhận) in the year.
    #[serde(default)]
    pub initiatives: u32,
    /// An initiative, or a research project or scheme (đề tài, đề án),
    /// applied with effect at provincial scope (có phạm vi ảnh hưởng trong
    /// tỉnh), Điều 22.
    #[serde(default)]
    pub provincial_scope: bool,
    /// An initiative or research of nationwide scope (phạm vi ảnh hưởng
    /// toàn quốc), Điều 21.
    #[serde(default)]
    pub nationwide_scope: bool,
    /// Accepted research projects (đề tài khoa học được nghiệm thu).
    #[serde(default)]
    pub research_projects: u32,
    /// First day of service of a newcomer recruited this year (ngày tuyển
    /// dụng); `None` = served the whole year, or not a newcomer (e.g.
    /// transferred from another agency, whose service there counts).
    #[serde(default)]
    pub recruited_on: Option<Date>,
    /// Disciplinary measures whose period touches this year.
    #[serde(default)]
    pub discipline: Vec<DisciplineRecord>,
    /// Under discipline review, inspection, audit or complaint/denunciation
    /// handling (đang bị xem xét kỷ luật, thanh tra, kiểm tra, khiếu nại, tố cáo).
    #[serde(default)]
    pub under_review: bool,
    /// Titles already awarded for this year (danh hiệu đã được công nhận)
    /// for regular achievements (khen thưởng thường xuyên).
    #[serde(default)]
    pub titles_awarded: Vec<Title>,
    /// Awarded ad hoc (đột xuất) or for a themed movement (chuyên đề): not a
    /// basis for merit awards unless the rule set says so
    /// ([`super::IndividualRules::special_awards_are_basis`]).
    #[serde(default)]
    pub special_awards: Vec<Title>,
}

impl YearRecord {
    /// A plain record: the given rating, takes part in emulation, nothing else.
    pub fn new(year: i32, rating: PerformanceRating) -> YearRecord {
        YearRecord {
            year,
            rating,
            takes_part_in_emulation: true,
            initiatives: 0,
            provincial_scope: false,
            nationwide_scope: false,
            research_projects: 0,
            recruited_on: None,
            discipline: Vec::new(),
            under_review: false,
            titles_awarded: Vec::new(),
            special_awards: Vec::new(),
        }
    }

    /// Awarded `title` for regular achievements this year.
    pub fn has_title(&self, title: Title) -> bool {
        self.titles_awarded.contains(&title)
    }
}

/// A person's records over several years (in any order).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonHistory {
    pub records: Vec<YearRecord>,
}

impl PersonHistory {
    pub fn new(records: Vec<YearRecord>) -> PersonHistory {
        PersonHistory { records }
    }

    /// The record of one year, if any.
    pub fn year(&self, year: i32) -> Option<&YearRecord> {
        self.records.iter().find(|r| r.year == year)
    }

    /// Every disciplinary period found in any year's record (duplicates are
    /// harmless: the checks only ask whether some period overlaps a year).
    pub fn discipline(&self) -> impl Iterator<Item = &DisciplineRecord> {
        self.records.iter().flat_map(|r| r.discipline.iter())
    }
}

/// One member's results in a collective's year (kết quả của thành viên).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberResult {
    /// Full name, used in explanations ("Trần Thị Liên").
    pub name: String,
    /// The member's rating; `None` until entered: shown as missing data,
    /// never dropped from the percentages.
    pub rating: Option<PerformanceRating>,
    /// Recognised (or proposed) as Lao động tiên tiến this year.
    pub lao_dong_tien_tien: bool,
    /// Recognised (or proposed) as Chiến sĩ thi đua cơ sở this year.
    pub chien_si_thi_dua_co_so: bool,
    #[serde(default)]
    pub discipline: Vec<DisciplineRecord>,
}

/// A collective's year (tập thể trong năm): its own rating and its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectiveYear {
    pub year: i32,
    /// The collective's own rating (xếp loại tập thể).
    pub rating: PerformanceRating,
    /// Internal unity (nội bộ đoàn kết), Điều 27.
    #[serde(default = "default_true")]
    pub internal_unity: bool,
    /// Under inspection or complaint handling: proposals are frozen.
    #[serde(default)]
    pub under_review: bool,
    pub members: Vec<MemberResult>,
}

fn default_true() -> bool {
    true
}
