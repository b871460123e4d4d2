//! Shared form widgets (biểu mẫu dùng chung) for the TĐKT screens.
//!
//! - [`Field`]: one field of one record, edited in place. It reads the value
//!   from the document (reactively), keeps what the user typed until it is
//!   saved (a refused or malformed value stays in the box, with the reason
//!   next to it), writes only that field with
//!   [`shared::schema::write::put_field`] (so edits from several devices
//!   merge field by field), and marks concurrent values (xung đột) with
//!   buttons to pick the value to keep.
//! - [`save`]: every write of the screens goes through it: rights and schema
//!   are checked by [`crate::sync::Driver::change_with`] before committing;
//!   refusals come back as [`Problem`]s with the path of the field.
//! - "Add" forms: [`AddForm`] (inputs, problems, submit button) and its
//!   small inputs ([`TextInput`], [`SelectInput`]); option lists of the
//!   domain's enumerations, ids, dates and times.
//! - Actions on a record that are not a form: [`DeleteButton`], and
//!   [`refusal_text`] with [`ErrorNote`] for the error line of a card.

use automerge::transaction::Transaction;
use automerge::{Automerge, ObjType, ReadDoc, ScalarValue};
use leptos::prelude::*;
use shared::core::ChangeError;
use shared::domain::rules::Date;
use shared::domain::{AwardingSystem, DisciplineLevel, Gender, PerformanceRating, Title};
use shared::protocol::DocumentId;
use shared::schema::conflict::{self, HeldValue};
use shared::schema::read;
use shared::schema::value::{DateText, FollowUpStatus, MovementKind, StaffKind, TextCode};
use shared::schema::write::{self, WriteError};

use super::widgets::ConflictPicker;
use super::{DriverRef, use_driver, use_signals};
use crate::i18n::{Lang, tr, use_lang};
use crate::sync::SyncSignals;

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Why a save was refused, for one field (by path) or the whole form.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Path in the document (`staff/p1/fullName`), empty when not known.
    pub path: String,
    pub vi: String,
    pub en: String,
}

impl Problem {
    pub fn new(vi: &str, en: &str) -> Problem {
        Problem {
            path: String::new(),
            vi: vi.to_string(),
            en: en.to_string(),
        }
    }

    /// A problem about the field `path` (in "add" forms, an input's key).
    pub fn at(path: &str, vi: &str, en: &str) -> Problem {
        Problem {
            path: path.to_string(),
            ..Problem::new(vi, en)
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Vi => self.vi.clone(),
            Lang::En => self.en.clone(),
        }
    }
}

/// Why a save was refused, as one text (`None` when it was saved): the
/// error line of an action that is not a form.
pub fn refusal_text(lang: Lang, result: Result<(), Vec<Problem>>) -> Option<String> {
    result.err().map(|p| problems_text(lang, &p))
}

/// The messages of problems, joined, in a language.
pub fn problems_text(lang: Lang, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.text(lang))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The problems about `key` (a path ending in `/key` or equal to it).
pub fn problem_for(problems: &[Problem], key: &str) -> Vec<Problem> {
    let suffix = format!("/{key}");
    problems
        .iter()
        .filter(|p| p.path == key || p.path.ends_with(&suffix))
        .cloned()
        .collect()
}

/// "staff/p1/fullName: cần nhập họ tên" → "cần nhập họ tên": the field says where.
fn strip_path(path: &str, message: &str) -> String {
    message
        .strip_prefix(path)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message)
        .to_string()
}

/// Make an edit of `doc` (narrow writes only), with a short Vietnamese
/// summary for the history. Refusals come back as problems.
pub fn save(
    drv: DriverRef,
    doc: DocumentId,
    summary: &str,
    edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), WriteError>,
) -> Result<(), Vec<Problem>> {
    let result = drv.with_value(|d| d.change_with(&doc, summary, edit));
    result.map_err(|e| match e {
        ChangeError::Invalid(violations) => violations
            .into_iter()
            .map(|v| Problem {
                vi: strip_path(&v.path, &v.message_vi),
                en: strip_path(&v.path, &v.message_en),
                path: v.path,
            })
            .collect(),
        ChangeError::NotWritable(_) => vec![Problem::new(
            "Đơn vị của bạn không được sửa dữ liệu này (chỉ xem).",
            "Your office may not change this data (read-only).",
        )],
        ChangeError::NotLoaded(_) => vec![Problem::new(
            "Dữ liệu chưa tải xong trên máy, hãy thử lại sau giây lát.",
            "The data is not loaded yet; try again in a moment.",
        )],
        ChangeError::TooLarge(r) => vec![Problem {
            path: String::new(),
            vi: r.message_vi,
            en: r.message_en,
        }],
        ChangeError::Edit(e) => vec![Problem {
            path: String::new(),
            vi: format!("Không ghi được: {e}"),
            en: format!("Could not write: {e}"),
        }],
    })
}

/// A value to write into one field.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Str(String),
    Int(i64),
    F64(f64),
    Bool(bool),
    List(Vec<String>),
}

impl Val {
    /// Points: whole numbers as integers, like the schema writes them.
    pub fn points(p: f64) -> Val {
        if p.fract() == 0.0 && p.abs() < 9.0e15 {
            Val::Int(p as i64)
        } else {
            Val::F64(p)
        }
    }

    pub fn opt_str(s: Option<&str>) -> Val {
        match s {
            Some(s) if !s.is_empty() => Val::Str(s.to_string()),
            _ => Val::Null,
        }
    }
}

/// Writes `val` as `key` of the object at `path` ([`write::put_field`]).
pub fn put_val(
    tx: &mut Transaction<'_>,
    path: &[String],
    key: &str,
    val: &Val,
) -> Result<(), WriteError> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match val {
        Val::Null => write::put_field(tx, &p, key, &Option::<String>::None),
        Val::Str(s) => write::put_field(tx, &p, key, s),
        Val::Int(i) => write::put_field(tx, &p, key, i),
        Val::F64(f) => write::put_field(tx, &p, key, f),
        Val::Bool(b) => write::put_field(tx, &p, key, b),
        Val::List(l) => write::put_field(tx, &p, key, l),
    }
}

// ---------------------------------------------------------------------------
// Ids, dates, times
// ---------------------------------------------------------------------------

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

/// Days from `a` to `b` (negative when `b` is earlier).
pub fn days_between(a: Date, b: Date) -> i64 {
    fn days(d: Date) -> i64 {
        // Days from civil (Howard Hinnant's algorithm).
        let (y, m, day) = (
            i64::from(d.year()),
            i64::from(d.month()),
            i64::from(d.day()),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe
    }
    days(b) - days(a)
}

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

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Field
// ---------------------------------------------------------------------------

/// What a field holds and how it is typed.
#[derive(Clone, Copy)]
pub enum Kind {
    /// One line of text.
    Text,
    /// One line that must not be empty.
    Required,
    /// Several lines.
    Area,
    /// An optional date, typed dd/mm/yyyy.
    Date,
    /// A required date.
    ReqDate,
    /// A whole number ≥ 0.
    Count,
    /// A whole number ≥ 0, or empty for none.
    OptCount,
    /// A year, e.g. 2026.
    Year,
    /// Points ≥ 0, decimal comma allowed.
    Points,
    /// Yes / no.
    Check,
    /// One of a list of codes ("" = none).
    Choice(Signal<Vec<Opt>>),
    /// Office codes separated by commas (predecessors).
    CodeList,
}

/// A value held in the document, as read.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Null,
    Str(String),
    Int(i64),
    F64(f64),
    Bool(bool),
    List(Vec<String>),
    Other(String),
}

impl Raw {
    fn to_val(&self) -> Option<Val> {
        Some(match self {
            Raw::Null => Val::Null,
            Raw::Str(s) => Val::Str(s.clone()),
            Raw::Int(i) => Val::Int(*i),
            Raw::F64(f) => Val::F64(*f),
            Raw::Bool(b) => Val::Bool(*b),
            Raw::List(l) => Val::List(l.clone()),
            Raw::Other(_) => return None,
        })
    }
}

/// Every value held for `key` of the record at `path` (more than one = a
/// conflict), across all versions of the record if devices created it concurrently.
pub fn held(doc: &Automerge, path: &[String], key: &str) -> Vec<Raw> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    conflict::field_values(doc, &p, key)
        .into_iter()
        .map(|v| match &v.value {
            HeldValue::Scalar(ScalarValue::Str(s)) => Raw::Str(s.to_string()),
            HeldValue::Scalar(ScalarValue::Int(i)) => Raw::Int(*i),
            HeldValue::Scalar(ScalarValue::Uint(u)) => Raw::Int(*u as i64),
            HeldValue::Scalar(ScalarValue::F64(f)) => Raw::F64(*f),
            HeldValue::Scalar(ScalarValue::Boolean(b)) => Raw::Bool(*b),
            HeldValue::Scalar(ScalarValue::Null) => Raw::Null,
            HeldValue::Object(ObjType::List, id) => {
                let n = doc.length(id);
                Raw::List(
                    (0..n)
                        .filter_map(|i| read::text(doc, id, i))
                        .collect::<Vec<_>>(),
                )
            }
            _ => Raw::Other(v.display()),
        })
        .collect()
}

/// The text to put in an input for a held value.
fn input_text(kind: Kind, raw: &Raw) -> String {
    match (kind, raw) {
        (_, Raw::Null) => String::new(),
        (Kind::Date | Kind::ReqDate, Raw::Str(s)) => DateText(s.clone()).display_vi(),
        (_, Raw::Str(s)) => s.clone(),
        (_, Raw::Int(i)) => i.to_string(),
        (_, Raw::F64(f)) => fmt_points(*f),
        (_, Raw::Bool(b)) => b.to_string(),
        (_, Raw::List(l)) => l.join(", "),
        (_, Raw::Other(o)) => o.clone(),
    }
}

/// The text to show (read-only or in a conflict button).
fn display_text(kind: Kind, raw: &Raw, lang: Lang) -> String {
    match (kind, raw) {
        (Kind::Check, Raw::Bool(b)) => tr(
            lang,
            if *b { "có" } else { "không" },
            if *b { "yes" } else { "no" },
        )
        .to_string(),
        (Kind::Choice(opts), Raw::Str(code)) => opts.with(|o| opt_label(o, code, lang)),
        (_, Raw::Null) => "—".to_string(),
        _ => input_text(kind, raw),
    }
}

/// The name of a field shown in a table row without a label of its own
/// (the column says it), in Vietnamese and English: for the history and for
/// screen readers.
fn column_name(key: &str) -> (&'static str, &'static str) {
    match key {
        "title" => ("Danh hiệu", "Title"),
        "date" => ("Ngày", "Date"),
        "note" => ("Ghi chú", "Note"),
        "points" => ("Điểm", "Points"),
        "evidence" => ("Minh chứng", "Evidence"),
        "position" => ("Chức vụ", "Position"),
        "fullName" => ("Họ và tên", "Full name"),
        "status" => ("Tình trạng", "Status"),
        "dueDate" => ("Hạn thực hiện", "Due date"),
        _ => ("Nội dung", "Content"),
    }
}

/// Reads typed text as the value to store, or says what is wrong.
fn parse(kind: Kind, text: &str) -> Result<Val, Problem> {
    let t = text.trim();
    let count = |t: &str| {
        t.parse::<u32>().map(|n| Val::Int(n.into())).map_err(|_| {
            Problem::new(
                "Hãy nhập một số nguyên không âm, ví dụ 2.",
                "Enter a whole number ≥ 0, e.g. 2.",
            )
        })
    };
    let date = |t: &str| {
        parse_date(t).map(|d| Val::Str(d.to_iso())).ok_or_else(|| {
            Problem::new(
                "Ngày phải có dạng dd/mm/yyyy, ví dụ 25/03/2026.",
                "Write the date as dd/mm/yyyy, e.g. 25/03/2026.",
            )
        })
    };
    match kind {
        Kind::Text | Kind::Area => Ok(Val::Str(text.trim_end().to_string())),
        Kind::Required if t.is_empty() => {
            Err(Problem::new("Cần nhập nội dung.", "This cannot be empty."))
        }
        Kind::Required => Ok(Val::Str(t.to_string())),
        Kind::Date if t.is_empty() => Ok(Val::Null),
        Kind::ReqDate if t.is_empty() => Err(Problem::new("Cần nhập ngày.", "A date is required.")),
        Kind::Date | Kind::ReqDate => date(t),
        Kind::Count => count(t),
        Kind::OptCount if t.is_empty() => Ok(Val::Null),
        Kind::OptCount => count(t),
        Kind::Year => match t.parse::<i32>() {
            Ok(y) if (1900..=2200).contains(&y) => Ok(Val::Int(y.into())),
            _ => Err(Problem::new(
                "Hãy nhập năm, ví dụ 2026.",
                "Enter a year, e.g. 2026.",
            )),
        },
        Kind::Points => match t.replace(',', ".").parse::<f64>() {
            Ok(p) if p.is_finite() && p >= 0.0 => Ok(Val::points(p)),
            _ => Err(Problem::new(
                "Hãy nhập số điểm không âm, ví dụ 18 hoặc 18,5.",
                "Enter points ≥ 0, e.g. 18 or 18.5.",
            )),
        },
        Kind::Check => Ok(Val::Bool(t == "true")),
        Kind::Choice(_) => Ok(Val::opt_str(Some(t))),
        Kind::CodeList => Ok(Val::List(
            t.split([',', ';', ' '])
                .map(|c| c.trim().to_uppercase())
                .filter(|c| !c.is_empty())
                .collect(),
        )),
    }
}

/// Where screens write: a document, and whether this device may write it.
#[derive(Clone, Copy)]
pub struct DocCtx {
    pub doc: DocumentId,
    pub editable: Memo<bool>,
}

impl DocCtx {
    /// The context of `doc` (editable when this device may write it).
    pub fn new(drv: DriverRef, signals: SyncSignals, doc: DocumentId) -> DocCtx {
        let editable = Memo::new(move |_| {
            signals.revision.get();
            drv.with_value(|d| d.can_write(&doc))
        });
        DocCtx { doc, editable }
    }
}

/// One field of one record, edited in place (see the module docs).
///
/// `path` is the object holding the field (`["staff", "p1"]`), `key` the
/// field (`"position"`); `what` names the record in Vietnamese for the
/// history line ("cán bộ Trần Thị Liên").
#[component]
pub fn Field(
    ctx: DocCtx,
    path: Vec<String>,
    key: &'static str,
    kind: Kind,
    vi: &'static str,
    en: &'static str,
    #[prop(into)] testid: String,
    #[prop(into, optional)] what: String,
    /// Shown under the field (hint).
    #[prop(optional)]
    hint: Option<(&'static str, &'static str)>,
    /// Disabled even when editable (with the reason as `disabled_hint`).
    #[prop(into, optional)]
    disabled: Option<Signal<bool>>,
    /// Why the field is disabled, shown only while it is.
    #[prop(optional)]
    disabled_hint: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let doc = ctx.doc;
    let path = StoredValue::new(path);
    let what = StoredValue::new(what);
    let values = Memo::new(move |_| {
        signals.revision.get();
        drv.with_value(|d| {
            d.with_doc(&doc, |o| path.with_value(|p| held(o, p, key)))
                .unwrap_or_default()
        })
    });
    // What the user typed and has not saved yet: kept through refusals.
    let draft = RwSignal::new(None::<String>);
    let problems = RwSignal::new(Vec::<Problem>::new());
    let shown = move || {
        draft.get().unwrap_or_else(|| {
            values
                .get()
                .first()
                .map(|r| input_text(kind, r))
                .unwrap_or_default()
        })
    };
    let write = move |val: Val| -> Result<(), Vec<Problem>> {
        let shown = match &val {
            Val::Null => "(trống)".to_string(),
            Val::Str(s) => match kind {
                Kind::Date | Kind::ReqDate => DateText(s.clone()).display_vi(),
                Kind::Choice(opts) => opts.with_untracked(|o| opt_label(o, s, Lang::Vi)),
                _ => s.chars().take(60).collect(),
            },
            Val::Int(i) => i.to_string(),
            Val::F64(f) => fmt_points(*f),
            Val::Bool(b) => if *b { "có" } else { "không" }.to_string(),
            Val::List(l) => l.join(", "),
        };
        // The history names the field: its label, or for the fields of a
        // table row (no label of their own) the column's name.
        let field = if vi.is_empty() {
            column_name(key).0
        } else {
            vi
        };
        let summary = what.with_value(|w| {
            if w.is_empty() {
                format!("{field}: {shown}")
            } else {
                format!("{w}: {field} — {shown}")
            }
        });
        save(drv, doc, &summary, |tx| {
            path.with_value(|p| put_val(tx, p, key, &val))
        })
    };
    let commit = move |text: String| match parse(kind, &text).map_err(|p| vec![p]).and_then(write) {
        Ok(()) => {
            draft.set(None);
            problems.set(Vec::new());
        }
        Err(p) => {
            draft.set(Some(text));
            problems.set(p);
        }
    };
    let commit_draft = move || {
        if let Some(text) = draft.get_untracked() {
            commit(text);
        }
    };
    let pick = move |raw: Raw| {
        if let Some(val) = raw.to_val() {
            let _ = write(val);
        }
    };
    let disabled = move || disabled.is_some_and(|d| d.get());
    let invalid = move || (!problems.get().is_empty()).to_string();
    // A field in a table row has no visible label (the column says it);
    // screen readers still get one: the column's name and the record.
    let label = move || {
        if vi.is_empty() {
            let (cv, ce) = column_name(key);
            let w = what.get_value();
            format!("{} — {w}", tr(lang.get(), cv, ce))
        } else {
            tr(lang.get(), vi, en).to_string()
        }
    };
    let label_class = if vi.is_empty() {
        "label sr-only"
    } else {
        "label"
    };
    let testid = StoredValue::new(testid);
    let tid = move || testid.get_value();

    let input = move || -> AnyView {
        if !ctx.editable.get() {
            let text = move || {
                values
                    .get()
                    .first()
                    .map(|r| display_text(kind, r, lang.get()))
                    .unwrap_or_else(|| "—".to_string())
            };
            return view! { <span class="value" data-testid=tid>{text}</span> }.into_any();
        }
        match kind {
            Kind::Check => view! {
                <input type="checkbox" data-testid=tid disabled=disabled
                    prop:checked=move || values.get().first() == Some(&Raw::Bool(true))
                    on:change=move |ev| commit(event_target_checked(&ev).to_string()) />
            }
            .into_any(),
            Kind::Choice(opts) => view! {
                <select data-testid=tid disabled=disabled aria-invalid=invalid
                    on:change=move |ev| commit(event_target_value(&ev))>
                    {move || {
                        let current = shown();
                        let mut list = opts.get();
                        if !current.is_empty() && !list.iter().any(|o| o.code == current) {
                            list.push(Opt::named(&current, &current));
                        }
                        if current.is_empty() && !list.iter().any(|o| o.code.is_empty()) {
                            list.insert(0, Opt::none());
                        }
                        list.into_iter().map(|o| {
                            let selected = o.code == current;
                            view! { <option value=o.code.clone() prop:selected=selected>{o.label(lang.get())}</option> }
                        }).collect_view()
                    }}
                </select>
            }
            .into_any(),
            Kind::Area => view! {
                <textarea data-testid=tid rows="3" disabled=disabled aria-invalid=invalid
                    prop:value=shown
                    on:input=move |ev| draft.set(Some(event_target_value(&ev)))
                    on:change=move |_| commit_draft()></textarea>
            }
            .into_any(),
            _ => {
                let (mode, placeholder) = match kind {
                    Kind::Date | Kind::ReqDate => ("text", "dd/mm/yyyy"),
                    Kind::Points => ("decimal", ""),
                    Kind::Count | Kind::OptCount | Kind::Year => ("numeric", ""),
                    _ => ("text", ""),
                };
                view! {
                    <input type="text" inputmode=mode placeholder=placeholder data-testid=tid
                        class=move || match kind { Kind::Date | Kind::ReqDate => "date", Kind::Count | Kind::OptCount | Kind::Year | Kind::Points => "num", _ => "" }
                        disabled=disabled aria-invalid=invalid
                        prop:value=shown
                        on:input=move |ev| draft.set(Some(event_target_value(&ev)))
                        on:change=move |_| commit_draft()
                        on:keydown=move |ev| if ev.key() == "Enter" { commit_draft() } />
                }
                .into_any()
            }
        }
    };
    let conflict = move || {
        let vals = values.get();
        (vals.len() > 1).then(|| {
            let choices = vals
                .into_iter()
                .map(|raw| {
                    let text = display_text(kind, &raw, lang.get_untracked());
                    (text, Callback::new(move |()| pick(raw.clone())))
                })
                .collect::<Vec<_>>();
            view! { <ConflictPicker testid=format!("{}-conflict", tid()) editable=ctx.editable choices=choices /> }
        })
    };
    let field_class = move || {
        let mut c = String::from("field");
        if matches!(kind, Kind::Area) {
            c.push_str(" wide");
        }
        if matches!(kind, Kind::Check) {
            c.push_str(" check");
        }
        if values.get().len() > 1 {
            c.push_str(" conflict");
        }
        c
    };
    view! {
        <div class=field_class>
            <label>
                <span class=label_class>{label}</span>
                {input}
            </label>
            {move || hint.map(|(v, e)| view! { <div class="hint muted small">{move || tr(lang.get(), v, e)}</div> })}
            {move || disabled_hint.filter(|_| disabled()).map(|(v, e)| view! { <div class="hint muted small">{move || tr(lang.get(), v, e)}</div> })}
            {move || {
                let p = problems.get();
                (!p.is_empty()).then(|| view! {
                    <div class="field-error" role="alert" data-testid=move || format!("{}-error", tid())>
                        {move || problems_text(lang.get(), &problems.get())}
                    </div>
                })
            }}
            {conflict}
        </div>
    }
}

// ---------------------------------------------------------------------------
// Inputs for "add" forms
// ---------------------------------------------------------------------------

/// A labelled text input bound to a signal, with its error under it.
#[component]
pub fn TextInput(
    value: RwSignal<String>,
    vi: &'static str,
    en: &'static str,
    #[prop(into)] testid: String,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] area: bool,
) -> impl IntoView {
    let lang = use_lang();
    let invalid = move || error.get().is_some().to_string();
    let err_id = format!("{testid}-error");
    let input = if area {
        view! {
            <textarea data-testid=testid rows="3" aria-invalid=invalid placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))></textarea>
        }
        .into_any()
    } else {
        view! {
            <input type="text" data-testid=testid aria-invalid=invalid placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
        }
        .into_any()
    };
    view! {
        <div class=if area { "field wide" } else { "field" }>
            <label>
                <span class="label">{move || tr(lang.get(), vi, en)}</span>
                {input}
            </label>
            {move || error.get().map(|e| view! { <div class="field-error" role="alert" data-testid=err_id.clone()>{e}</div> })}
        </div>
    }
}

/// A labelled select bound to a signal holding the chosen code.
#[component]
pub fn SelectInput(
    value: RwSignal<String>,
    vi: &'static str,
    en: &'static str,
    #[prop(into)] testid: String,
    #[prop(into)] options: Signal<Vec<Opt>>,
    #[prop(into, optional)] error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let lang = use_lang();
    let err_id = format!("{testid}-error");
    view! {
        <div class="field">
            <label>
                <span class="label">{move || tr(lang.get(), vi, en)}</span>
                <select data-testid=testid on:change=move |ev| value.set(event_target_value(&ev))>
                    {move || {
                        let current = value.get();
                        options.get().into_iter().map(|o| {
                            let selected = o.code == current;
                            view! { <option value=o.code.clone() prop:selected=selected>{o.label(lang.get())}</option> }
                        }).collect_view()
                    }}
                </select>
            </label>
            {move || error.and_then(|e| e.get()).map(|e| view! { <div class="field-error" role="alert" data-testid=err_id.clone()>{e}</div> })}
        </div>
    }
}

/// The error text for `key` among `problems`, in the current language.
pub fn error_for(
    lang: RwSignal<Lang>,
    problems: RwSignal<Vec<Problem>>,
    key: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let p = problem_for(&problems.get(), key);
        (!p.is_empty()).then(|| problems_text(lang.get(), &p))
    })
}

/// Problems of a form not tied to one of its fields.
#[component]
pub fn FormProblems(
    problems: RwSignal<Vec<Problem>>,
    /// Keys shown next to their own inputs.
    keys: &'static [&'static str],
    #[prop(into)] testid: String,
) -> impl IntoView {
    let lang = use_lang();
    let rest = move || {
        problems
            .get()
            .into_iter()
            .filter(|p| {
                !keys
                    .iter()
                    .any(|k| p.path == *k || p.path.ends_with(&format!("/{k}")))
            })
            .collect::<Vec<_>>()
    };
    view! {
        {move || {
            let r = rest();
            (!r.is_empty()).then(|| view! {
                <div class="field-error form-error" role="alert" data-testid=testid.clone()>{problems_text(lang.get(), &r)}</div>
            })
        }}
    }
}

/// The problem of an "add" form's `date` input when it is not dd/mm/yyyy.
pub fn date_problem() -> Problem {
    Problem::at(
        "date",
        "Ngày phải có dạng dd/mm/yyyy.",
        "Write the date as dd/mm/yyyy.",
    )
}

/// The submit handler of an "add" form: runs `add` (without reloading the
/// page), then clears the form's problems once it has added, or shows why
/// not. `add` empties its inputs itself after saving.
pub fn submit_add(
    problems: RwSignal<Vec<Problem>>,
    add: impl Fn() -> Result<(), Vec<Problem>> + 'static,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    move |ev| {
        ev.prevent_default();
        problems.set(add().err().unwrap_or_default());
    }
}

/// An "add" form on a card: its inputs (`children`), the problems not shown
/// at an input ([`FormProblems`]) and the submit button, with the test ids
/// `{testid}-add-form`, `{testid}-add-error` and `{testid}-add`. Submitting
/// runs `on_add` as [`submit_add`] does.
#[component]
pub fn AddForm(
    testid: &'static str,
    problems: RwSignal<Vec<Problem>>,
    /// Keys shown next to their own inputs.
    keys: &'static [&'static str],
    /// The button's label (Vietnamese, English).
    button: (&'static str, &'static str),
    on_add: impl Fn() -> Result<(), Vec<Problem>> + 'static,
    children: Children,
) -> impl IntoView {
    let lang = use_lang();
    // "Đã lưu" after a successful add, until the next submit: the new record
    // may be far down the page.
    let saved = RwSignal::new(false);
    let add = move || {
        let r = on_add();
        saved.set(r.is_ok());
        r
    };
    view! {
        <form class="card add-form" on:submit=submit_add(problems, add) data-testid=format!("{testid}-add-form")>
            {children()}
            <FormProblems problems=problems keys=keys testid=format!("{testid}-add-error") />
            <button type="submit" data-testid=format!("{testid}-add")>{move || tr(lang.get(), button.0, button.1)}</button>
            <span class="saved-note" role="status" data-testid=format!("{testid}-add-saved")>
                {move || saved.get().then(|| tr(lang.get(), " Đã lưu.", " Saved."))}
            </span>
        </form>
    }
}

/// The error of a card's last action ([`refusal_text`]), while there is one.
#[component]
pub fn ErrorNote(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <div class="field-error" role="alert">{e}</div> })
    }
}

/// Ask before deleting (window.confirm); true when confirmed or no window.
pub fn confirm(text: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(text).ok())
        .unwrap_or(true)
}

/// A delete button for the record `id` in the map at `path`.
#[component]
pub fn DeleteButton(
    ctx: DocCtx,
    path: Vec<String>,
    id: String,
    /// History line, e.g. "Xoá cán bộ Trần Thị Liên".
    #[prop(into)]
    summary: String,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let error = RwSignal::new(None::<String>);
    let path = StoredValue::new(path);
    let id = StoredValue::new(id);
    let summary = StoredValue::new(summary);
    let on_click = move |_| {
        let l = lang.get_untracked();
        let question = summary.with_value(|s| format!("{s}?"));
        if !confirm(&question) {
            return;
        }
        let result = save(drv, ctx.doc, &summary.get_value(), |tx| {
            path.with_value(|p| {
                let p: Vec<&str> = p.iter().map(String::as_str).collect();
                id.with_value(|id| write::delete_entry(tx, &p, id))
            })
        });
        error.set(refusal_text(l, result));
    };
    view! {
        {move || ctx.editable.get().then(|| view! {
            <button type="button" class="danger small" data-testid=testid.clone() on:click=on_click>
                {move || tr(lang.get(), "Xoá", "Delete")}
            </button>
        })}
        {move || error.get().map(|e| view! { <span class="field-error">{e}</span> })}
    }
}
