//! A calendar date (ngày) without time zone or clock: enough for effective
//! periods and disciplinary periods. Serialised as `"YYYY-MM-DD"`, shown to
//! Vietnamese users as `dd/mm/yyyy`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A valid Gregorian calendar date. Ordered chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// Why a date could not be built or parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("ngày không hợp lệ / invalid date: {year:04}-{month:02}-{day:02}")]
    OutOfRange { year: i32, month: u32, day: u32 },
    #[error("ngày phải có dạng YYYY-MM-DD / date must look like YYYY-MM-DD: {0:?}")]
    BadFormat(String),
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A checked date: `Date::new(2025, 7, 1)`. Years 1..=9999.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Date, DateError> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        if !valid {
            return Err(DateError::OutOfRange { year, month, day });
        }
        Ok(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// 1 January of a year (ngày đầu năm).
    pub fn first_of_year(year: i32) -> Date {
        Date {
            year,
            month: 1,
            day: 1,
        }
    }

    /// 31 December of a year (ngày cuối năm).
    pub fn last_of_year(year: i32) -> Date {
        Date {
            year,
            month: 12,
            day: 31,
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month.into()
    }

    pub fn day(self) -> u32 {
        self.day.into()
    }

    /// Whole calendar months served in `year` by someone who started on
    /// this date (a month counts when served from its first day): started
    /// 01/03 → 10 months, 02/03 → 9; started before the year → 12; after
    /// it → 0.
    pub fn whole_months_served_in(self, year: i32) -> u32 {
        if self.year < year {
            return 12;
        }
        if self.year > year {
            return 0;
        }
        let first_whole = if self.day == 1 {
            u32::from(self.month)
        } else {
            u32::from(self.month) + 1
        };
        13 - first_whole
    }

    /// ISO form, `2025-07-01`, as stored.
    pub fn to_iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// Parses the Vietnamese display form `dd/mm/yyyy` (also `d/m/yyyy`).
    pub fn parse_vn(text: &str) -> Result<Date, DateError> {
        let bad = || DateError::BadFormat(text.to_string());
        let mut parts = text.trim().split('/');
        let (Some(d), Some(m), Some(y), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let day = d.parse().map_err(|_| bad())?;
        let month = m.parse().map_err(|_| bad())?;
        let year = y.parse().map_err(|_| bad())?;
        Date::new(year, month, day)
    }
}

/// Vietnamese display form: `01/07/2025`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }
}

/// Parses the stored ISO form `YYYY-MM-DD`.
impl FromStr for Date {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Date, DateError> {
        let bad = || DateError::BadFormat(text.to_string());
        let b = text.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err(bad());
        }
        let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().map_err(|_| bad());
        let year = i32::try_from(number(0..4)?).map_err(|_| bad())?;
        Date::new(year, number(5..7)?, number(8..10)?)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_iso())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn whole_months_served_count_from_the_first_whole_month() {
        assert_eq!(d(2025, 3, 1).whole_months_served_in(2025), 10);
        assert_eq!(d(2025, 3, 2).whole_months_served_in(2025), 9);
        assert_eq!(d(2025, 1, 1).whole_months_served_in(2025), 12);
        assert_eq!(d(2025, 12, 2).whole_months_served_in(2025), 0);
        assert_eq!(d(2024, 6, 15).whole_months_served_in(2025), 12);
        assert_eq!(d(2026, 1, 1).whole_months_served_in(2025), 0);
    }

    #[test]
    fn validates_calendar() {
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!(Date::new(2025, 2, 29).is_err());
        assert!(Date::new(1900, 2, 29).is_err());
        assert!(Date::new(2000, 2, 29).is_ok());
        assert!(Date::new(2025, 4, 31).is_err());
        assert!(Date::new(2025, 13, 1).is_err());
        assert!(Date::new(2025, 0, 1).is_err());
        assert!(Date::new(2025, 1, 0).is_err());
    }

    #[test]
    fn displays_vietnamese_and_stores_iso() {
        let date = d(2025, 7, 1);
        assert_eq!(date.to_string(), "01/07/2025");
        assert_eq!(date.to_iso(), "2025-07-01");
        assert_eq!("2025-07-01".parse::<Date>(), Ok(date));
        assert_eq!(Date::parse_vn("1/7/2025"), Ok(date));
        assert_eq!(Date::parse_vn("01/07/2025"), Ok(date));
    }

    #[test]
    fn rejects_malformed_text() {
        for text in [
            "2025-7-01",
            "2025/07/01",
            "20250701",
            "2025-02-30",
            "+025-01-01",
            "",
        ] {
            assert!(text.parse::<Date>().is_err(), "{text:?}");
        }
        assert!(Date::parse_vn("31/02/2025").is_err());
        assert!(Date::parse_vn("01/07").is_err());
    }

    #[test]
    fn orders_chronologically() {
        assert!(d(2024, 12, 31) < d(2025, 1, 1));
        assert!(d(2025, 1, 31) < d(2025, 2, 1));
        assert_eq!(Date::first_of_year(2025), d(2025, 1, 1));
        assert_eq!(Date::last_of_year(2025), d(2025, 12, 31));
    }

    #[test]
    fn serde_uses_iso_string() {
        let date = d(2023, 3, 25);
        let mut bytes = Vec::new();
        ciborium::into_writer(&date, &mut bytes).unwrap();
        let as_text: String = ciborium::from_reader(bytes.as_slice()).unwrap();
        assert_eq!(as_text, "2023-03-25");
        let back: Date = ciborium::from_reader(bytes.as_slice()).unwrap();
        assert_eq!(back, date);
        let mut bad = Vec::new();
        ciborium::into_writer(&"2023-02-30", &mut bad).unwrap();
        assert!(ciborium::from_reader::<Date, _>(bad.as_slice()).is_err());
    }
}
