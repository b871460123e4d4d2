//! Ids, dates and times: [`new_id`], [`today`], parsing and showing `dd/mm/yyyy`.

use shared::domain::rules::Date;
use shared::schema::value::DateText;

/// A random, stable record id: `prefix` + 12 hex digits (collisions between
/// devices are practically impossible).
pub fn new_id(prefix: &str) -> String {
    let hex: String = (0..6)
        .map(|_| format!("{:02x}", (js_sys::Math::random() * 256.0) as u8))
        .collect();
    format!("{prefix}{hex}")
}

/// A record id that sorts in the order records were made: `prefix`, the
/// time in milliseconds (13 hex digits), then [`new_id`]'s random part, for
/// records whose order matters within a day (a dossier's history).
pub fn time_ordered_id(prefix: &str) -> String {
    let ms = js_sys::Date::now() as u64;
    new_id(&format!("{prefix}{ms:013x}-"))
}

/// Today in the browser's time zone.
pub fn today() -> Date {
    let d = js_sys::Date::new_0();
    Date::new(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .unwrap_or_else(|_| Date::first_of_year(2026))
}

/// Days from one date to another (negative when the second is earlier):
/// the summary's own function.
pub use shared::summary::codes::days_between;

/// Reads a date typed as `dd/mm/yyyy` (or stored `yyyy-mm-dd`).
pub fn parse_date(text: &str) -> Option<Date> {
    let t = text.trim();
    Date::parse_vn(t).ok().or_else(|| t.parse().ok())
}

/// `dd/mm/yyyy` of an optional stored date, empty when none.
pub fn show_date(d: Option<&DateText>) -> String {
    d.map(DateText::display_vi).unwrap_or_default()
}

/// `dd/mm/yyyy HH:MM` from seconds since the epoch (browser's local time).
pub fn datetime_secs(secs: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs as f64 * 1000.0));
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}",
        d.get_date(),
        d.get_month() + 1,
        d.get_full_year(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// Points as Vietnamese write them (decimal comma).
pub fn fmt_points(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p}").replace('.', ",")
    }
}
