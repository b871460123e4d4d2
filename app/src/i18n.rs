//! Vietnamese first, English available (tiếng Việt trước, tiếng Anh khi cần).
//!
//! Text lives next to where it is used as a `(vi, en)` pair passed to [`tr`],
//! so each Vietnamese phrase can be read beside its English gloss.

use leptos::prelude::*;

/// The interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Self {
        if code == "en" { Lang::En } else { Lang::Vi }
    }
}

/// Pick the text for a language.
pub fn tr(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// A glossary term ([`shared::glossary`]) in a language.
pub fn term(lang: Lang, t: shared::glossary::Term) -> &'static str {
    tr(lang, t.vi, t.en)
}

/// Pick owned text for a language.
pub fn trs(lang: Lang, vi: String, en: String) -> String {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The language signal provided at the root.
pub fn use_lang() -> RwSignal<Lang> {
    use_context::<RwSignal<Lang>>().expect("language is provided at the root")
}

/// `dd/mm/yyyy` from milliseconds since the epoch (local time of the browser).
pub fn date_vn(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!(
        "{:02}/{:02}/{:04}",
        d.get_date(),
        d.get_month() + 1,
        d.get_full_year()
    )
}

/// `dd/mm/yyyy HH:MM` from milliseconds since the epoch (the same form as
/// the history's times).
pub fn datetime_vn(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!(
        "{} {:02}:{:02}",
        date_vn(ms),
        d.get_hours(),
        d.get_minutes()
    )
}
