//! Small helpers of the summary: enumerations as their stored text codes in
//! JSON (`"chienSiThiDuaCoSo"`, not `"ChienSiThiDuaCoSo"`), day arithmetic
//! on [`Date`] and change times (seconds since the epoch) as Vietnamese
//! calendar dates. No clock: every time comes from the caller.

use crate::domain::rules::Date;
use crate::schema::TextCode;

/// Serde for an enumeration as its [`TextCode`] code.
pub mod code {
    use super::TextCode;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<T: TextCode, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.code())
    }

    pub fn deserialize<'de, T: TextCode, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let text = String::deserialize(d)?;
        T::from_code(&text).ok_or_else(|| D::Error::custom(format!("unknown code {text:?}")))
    }
}

/// Serde for an optional enumeration as its [`TextCode`] code or `null`.
pub mod opt_code {
    use super::TextCode;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<T: TextCode, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(v.code()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: TextCode, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => T::from_code(&text)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("unknown code {text:?}"))),
        }
    }
}

/// Days since 1970-01-01 of a date (proleptic Gregorian).
pub fn day_number(date: Date) -> i64 {
    let (y, m, d) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` days after 1970-01-01; `None` outside years 1–9999.
pub fn date_of_day_number(days: i64) -> Option<Date> {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Date::new(i32::try_from(y).ok()?, m as u32, d as u32).ok()
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    day_number(to) - day_number(from)
}

/// Vietnam's offset from UTC (giờ Việt Nam, UTC+7), in seconds.
pub const VIETNAM_UTC_OFFSET_SECS: i64 = 7 * 3600;

/// The calendar date in Vietnam of a change time (seconds since the epoch).
pub fn vietnam_date_of(secs: i64) -> Option<Date> {
    date_of_day_number((secs + VIETNAM_UTC_OFFSET_SECS).div_euclid(86_400))
}
