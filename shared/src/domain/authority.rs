//! Who awards what (cấp khen thưởng): it depends on the office and the
//! period. Until a delegation office (Văn phòng Đoàn ĐBQH tỉnh) merged with
//! the People's Council office into "Văn phòng Đoàn ĐBQH và HĐND tỉnh"
//! (piloted from 2018, general from 2021), it belonged to the emulation
//! system of the National Assembly Office (Văn phòng Quốc hội, VPQH): its
//! cluster was one of VPQH's, its Bằng khen and Cờ thi đua came from there.
//! Since then it belongs to the province's system.
//!
//! The date an office moved to the province's system is data per office
//! (the cluster document's members); [`AwardingSystem::on`] picks the
//! system for a date, and names titles and decision numbers accordingly.

use super::rules::{Date, Title};

/// The emulation system an office belonged to (hệ thống thi đua, khen
/// thưởng).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AwardingSystem {
    /// Văn phòng Quốc hội.
    NationalAssemblyOffice,
    /// Ủy ban nhân dân tỉnh.
    Province,
}

impl AwardingSystem {
    /// The system on `date` for an office that moved to the province's on
    /// `province_from`; `None` = the province's for as long as records go.
    pub fn on(date: Date, province_from: Option<Date>) -> AwardingSystem {
        match province_from {
            Some(from) if date < from => AwardingSystem::NationalAssemblyOffice,
            _ => AwardingSystem::Province,
        }
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            AwardingSystem::NationalAssemblyOffice => "Văn phòng Quốc hội",
            AwardingSystem::Province => "Ủy ban nhân dân tỉnh",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            AwardingSystem::NationalAssemblyOffice => "the National Assembly Office",
            AwardingSystem::Province => "the provincial People's Committee",
        }
    }

    /// Who signs the system's Bằng khen and Cờ thi đua decisions.
    pub fn signer_vi(self) -> &'static str {
        match self {
            AwardingSystem::NationalAssemblyOffice => "Chủ nhiệm Văn phòng Quốc hội",
            AwardingSystem::Province => "Chủ tịch Ủy ban nhân dân tỉnh",
        }
    }

    /// The suffix of its decision numbers: `123/QĐ-UBND`, `45/QĐ-VPQH`.
    pub fn decision_suffix(self) -> &'static str {
        match self {
            AwardingSystem::NationalAssemblyOffice => "QĐ-VPQH",
            AwardingSystem::Province => "QĐ-UBND",
        }
    }

    /// The title's full name in this system: "Bằng khen của Chủ nhiệm Văn
    /// phòng Quốc hội", "Cờ thi đua của Ủy ban nhân dân tỉnh"; other titles
    /// keep their name.
    pub fn title_name_vi(self, title: Title) -> String {
        match title {
            Title::BangKhenCapTinh => format!("Bằng khen của {}", self.signer_vi()),
            Title::CoThiDuaCapTinh => format!("Cờ thi đua của {}", self.name_vi()),
            Title::ChienSiThiDuaCapTinh if self == AwardingSystem::NationalAssemblyOffice => {
                "Chiến sĩ thi đua cấp bộ (Văn phòng Quốc hội)".to_string()
            }
            other => other.name_vi().to_string(),
        }
    }

    /// [`AwardingSystem::title_name_vi`] in English.
    pub fn title_name_en(self, title: Title) -> String {
        match (title, self) {
            (Title::BangKhenCapTinh, AwardingSystem::NationalAssemblyOffice) => {
                "Certificate of Merit of the Head of the National Assembly Office".to_string()
            }
            (Title::BangKhenCapTinh, AwardingSystem::Province) => {
                "Certificate of Merit of the provincial People's Committee Chair".to_string()
            }
            (Title::CoThiDuaCapTinh, AwardingSystem::NationalAssemblyOffice) => {
                "Emulation Flag of the National Assembly Office".to_string()
            }
            (Title::CoThiDuaCapTinh, AwardingSystem::Province) => {
                "Emulation Flag of the provincial People's Committee".to_string()
            }
            (Title::ChienSiThiDuaCapTinh, AwardingSystem::NationalAssemblyOffice) => {
                "Ministry-level Emulation Fighter (National Assembly Office)".to_string()
            }
            (other, _) => other.name_en().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn before_the_merger_the_national_assembly_office_awards() {
        let merged = Some(d(2021, 3, 1));
        let in_2017 = AwardingSystem::on(d(2017, 12, 31), merged);
        assert_eq!(in_2017, AwardingSystem::NationalAssemblyOffice);
        assert_eq!(
            in_2017.title_name_vi(Title::BangKhenCapTinh),
            "Bằng khen của Chủ nhiệm Văn phòng Quốc hội"
        );
        assert_eq!(in_2017.decision_suffix(), "QĐ-VPQH");
        let on_the_day = AwardingSystem::on(d(2021, 3, 1), merged);
        assert_eq!(on_the_day, AwardingSystem::Province);
        assert_eq!(
            on_the_day.title_name_vi(Title::CoThiDuaCapTinh),
            "Cờ thi đua của Ủy ban nhân dân tỉnh"
        );
        assert_eq!(on_the_day.decision_suffix(), "QĐ-UBND");
        // No date recorded: the province's system.
        assert_eq!(
            AwardingSystem::on(d(2017, 12, 31), None),
            AwardingSystem::Province
        );
        // Titles outside the two systems' own awards keep their names.
        assert_eq!(
            in_2017.title_name_vi(Title::LaoDongTienTien),
            "Lao động tiên tiến"
        );
    }
}
