//! Conflicts in view (xung đột): fields two devices set differently before
//! they synced. Automerge keeps every value and shows one, the same on every
//! device; here the user sees them all in one list, with the device and the
//! time of each and which one is shown now, and keeps one. The header and
//! the home page show how many there are.

use std::collections::BTreeMap;

use automerge::ScalarValue;
use leptos::prelude::*;
use shared::protocol::DocumentId;
use shared::schema::conflict::{self, ConcurrentValue, HeldValue};

use super::form::{Val, put_val, save};
use super::{DriverRef, use_driver, use_signals};
use crate::i18n::{Lang, datetime_vn, tr, use_lang};
use crate::sync::SyncSignals;

/// The documents this device may write (its office's, its former offices',
/// the cluster's when it leads): the ones whose conflicts it can settle.
fn writable_docs(drv: DriverRef) -> Vec<DocumentId> {
    drv.with_value(|d| {
        d.session()
            .directory
            .all_docs()
            .into_iter()
            .filter(|doc| d.can_write(doc))
            .collect()
    })
}

type Found = BTreeMap<String, Vec<ConcurrentValue>>;

thread_local! {
    /// The conflicts of each document at its heads: the walk over a whole
    /// document is redone only when it changed, not on every change of any
    /// document (the header counts on every revision).
    static CACHE: std::cell::RefCell<BTreeMap<DocumentId, (Vec<automerge::ChangeHash>, Found)>> =
        const { std::cell::RefCell::new(BTreeMap::new()) };
}

/// Conflicted fields of the writable documents, by document and path.
fn all_conflicts(drv: DriverRef) -> Vec<(DocumentId, String, Vec<ConcurrentValue>)> {
    let mut out = Vec::new();
    for doc in writable_docs(drv) {
        let found: Found = drv
            .with_value(|d| {
                d.with_doc(&doc, |a| {
                    let heads = a.get_heads();
                    CACHE.with(|c| {
                        let mut c = c.borrow_mut();
                        match c.get(&doc) {
                            Some((h, found)) if *h == heads => found.clone(),
                            _ => {
                                let found = conflict::record_conflicts(a, &[]);
                                c.insert(doc, (heads, found.clone()));
                                found
                            }
                        }
                    })
                })
            })
            .unwrap_or_default();
        out.extend(found.into_iter().map(|(path, values)| (doc, path, values)));
    }
    out
}

/// How many conflicted fields this device can settle, re-counted on every
/// change.
pub fn conflict_count(drv: DriverRef, signals: SyncSignals) -> Memo<usize> {
    Memo::new(move |_| {
        signals.revision.get();
        all_conflicts(drv).len()
    })
}

/// The document's top-level keys by section: (keys, Vietnamese, English).
const SECTIONS: &[(&[&str], &str, &str)] = &[
    (&["staff"], "Cán bộ", "Staff"),
    (&["registrations"], "Đăng ký thi đua", "Registrations"),
    (
        &["reviews", "selfScores", "peerReviews", "leadingVote"],
        "Chấm điểm",
        "Scoring",
    ),
    (
        &["evaluations", "collectiveEvaluations"],
        "Bình xét",
        "Evaluation",
    ),
    (&["proposals"], "Tờ trình", "Proposals"),
    (&["decisions"], "Quyết định", "Decisions"),
    (
        &["inspections", "inspectionFollowUps"],
        "Kiểm tra",
        "Inspections",
    ),
    (&["exemplaryModels"], "Gương điển hình", "Exemplary models"),
    (&["targets"], "Chỉ tiêu", "Targets"),
];

/// "Cán bộ · p1 · position" → a readable place for a path of the office
/// or cluster document.
fn place(path: &str, lang: Lang) -> String {
    let mut parts = path.split('/');
    let head = parts.next().unwrap_or_default();
    let (vi, en) = SECTIONS
        .iter()
        .find(|(keys, _, _)| keys.contains(&head))
        .map_or(("Thiết lập", "Set-up"), |(_, vi, en)| (*vi, *en));
    let section = match lang {
        Lang::Vi => vi,
        Lang::En => en,
    };
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        format!("{section} · {head}")
    } else {
        format!("{section} · {}", rest.join(" · "))
    }
}

/// The device and time that wrote a value, from its change's message.
fn written_by(drv: DriverRef, doc: &DocumentId, op_id: &str) -> (String, String) {
    drv.with_value(|d| d.with_doc(doc, |a| conflict::origin(a, op_id)))
        .flatten()
        .map(|o| {
            let device = o
                .message
                .as_deref()
                .and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok())
                .and_then(|v| v["device"].as_str().map(str::to_string))
                .unwrap_or_default();
            let when = if o.time_secs > 0 {
                datetime_vn(o.time_secs as f64 * 1000.0)
            } else {
                String::new()
            };
            (device, when)
        })
        .unwrap_or_default()
}

/// A scalar as the value to write back.
fn as_val(s: &ScalarValue) -> Option<Val> {
    Some(match s {
        ScalarValue::Str(t) => Val::Str(t.to_string()),
        ScalarValue::Int(i) => Val::Int(*i),
        ScalarValue::Uint(u) => Val::Int(i64::try_from(*u).ok()?),
        ScalarValue::F64(f) => Val::F64(*f),
        ScalarValue::Boolean(b) => Val::Bool(*b),
        ScalarValue::Null => Val::Null,
        _ => return None,
    })
}

/// The list of conflicts, with a button per value to keep it.
#[component]
pub fn ConflictsList() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let error = RwSignal::new(None::<String>);
    let list = Memo::new(move |_| {
        signals.revision.get();
        all_conflicts(drv)
    });
    let keep = move |doc: DocumentId, path: String, value: ConcurrentValue| {
        let HeldValue::Scalar(s) = &value.value else {
            return;
        };
        let Some(val) = as_val(s) else { return };
        let mut parts: Vec<String> = path.split('/').map(str::to_string).collect();
        let Some(key) = parts.pop() else { return };
        let summary = format!(
            "Chọn giá trị giữ lại: {} — {}",
            place(&path, Lang::Vi),
            value.display()
        );
        let r = save(drv, doc, &summary, |tx| put_val(tx, &parts, &key, &val));
        error.set(
            r.err()
                .map(|p| p.into_iter().map(|p| p.vi).collect::<Vec<_>>().join("; ")),
        );
    };
    view! {
        <div data-testid="conflicts">
            {move || {
                let l = lang.get();
                let items = list.get();
                if items.is_empty() {
                    return view! { <p class="muted" data-testid="no-conflicts">{tr(l, "Không có nội dung nào có giá trị khác nhau giữa các thiết bị.", "No field holds different values from different devices.")}</p> }.into_any();
                }
                items.into_iter().map(|(doc, path, values)| {
                    let rows = values.into_iter().map(|v| {
                        let (device, when) = written_by(drv, &doc, &v.op_id);
                        let shown = v.shown;
                        let text = v.display();
                        let can_keep = matches!(&v.value, HeldValue::Scalar(s) if as_val(s).is_some());
                        let (doc2, path2) = (doc, path.clone());
                        view! {
                            <li class:shown=shown data-testid="conflict-value" data-shown=shown.to_string()>
                                <strong>{text}</strong>
                                <span class="muted small">{format!(" — {} {device}{}", tr(l, "thiết bị", "device"), if when.is_empty() { String::new() } else { format!(", {when}") })}</span>
                                {shown.then(|| view! { <span class="tag">{tr(l, "đang hiển thị", "shown now")}</span> })}
                                {can_keep.then(|| view! {
                                    <button type="button" class="small" data-testid="conflict-keep"
                                        on:click=move |_| keep(doc2, path2.clone(), v.clone())>
                                        {tr(l, "Giữ giá trị này", "Keep this value")}
                                    </button>
                                })}
                            </li>
                        }
                    }).collect_view();
                    view! {
                        <div class="card conflict-card" data-testid="conflict-item" data-path=path.clone()>
                            <div class="small">{place(&path, l)}</div>
                            <ul class="conflict-values">{rows}</ul>
                        </div>
                    }
                }).collect_view().into_any()
            }}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}
