//! [`Field`]: one field of one record, edited in place, with its conflicts.

use automerge::{Automerge, ObjType, ReadDoc, ScalarValue};
use leptos::prelude::*;
use shared::protocol::DocumentId;
use shared::schema::conflict::{self, HeldValue};
use shared::schema::read;
use shared::schema::value::DateText;

use super::super::widgets::ConflictPicker;
use super::super::{DriverRef, use_driver, use_signals};
use crate::i18n::{Lang, tr, use_lang};
use crate::sync::SyncSignals;

use super::*;

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
    // What the field held before the last save made here: "Hoàn tác" (undo)
    // writes it back, for a while after the save.
    let undo_to = RwSignal::new(None::<Val>);
    let commit = move |text: String| {
        let before = values
            .get_untracked()
            .first()
            .and_then(Raw::to_val)
            .unwrap_or(Val::Null);
        let parsed = parse(kind, &text).map_err(|p| vec![p]);
        let changed = parsed.as_ref().is_ok_and(|v| *v != before);
        match parsed.and_then(write) {
            Ok(()) => {
                draft.set(None);
                problems.set(Vec::new());
                if changed {
                    undo_to.set(Some(before));
                    set_timeout(
                        move || undo_to.set(None),
                        std::time::Duration::from_secs(20),
                    );
                }
            }
            Err(p) => {
                draft.set(Some(text));
                problems.set(p);
            }
        }
    };
    let undo = move || {
        if let Some(v) = undo_to.get_untracked() {
            match write(v) {
                Ok(()) => {
                    undo_to.set(None);
                    problems.set(Vec::new());
                }
                Err(p) => problems.set(p),
            }
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
            {move || undo_to.get().is_some().then(|| view! {
                <div class="saved-note small" role="status">
                    {move || tr(lang.get(), "Đã lưu. ", "Saved. ")}
                    <button type="button" class="small" data-testid=format!("{}-undo", tid())
                        on:click=move |_| undo()>{move || tr(lang.get(), "Hoàn tác", "Undo")}</button>
                </div>
            })}
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
