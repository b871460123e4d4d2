//! Vietnamese names, positions and staff rosters for the demo year
//! ([`crate::demo::year`]): family names of the northern mountain provinces
//! (Nguyễn, Trần, Lê, Hoàng, Vi, Nông, Hà, Lò, Sầm, Đinh, …), middle and
//! given names with đ, ơ, ư and tone marks, the positions of an office of
//! the National Assembly delegation and People's Council.

use crate::domain::Gender;
use crate::schema::{Person, StaffKind};

use crate::demo::year::{Rng, date};

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

pub fn person_name(rng: &mut Rng, gender: Gender) -> String {
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

pub fn staff(rng: &mut Rng, count: usize, first_year: i32) -> Vec<(String, Person)> {
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
