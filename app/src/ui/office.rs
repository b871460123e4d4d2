//! One office's page: its self-scoring against the cluster's scoring table.
//! Editable for the device's own office, read-only for the others.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, ScalarValue, Value};
use leptos::prelude::*;
use shared::core::ChangeError;
use shared::protocol::DocumentId;
use shared::schema::read;

use super::widgets::freshness_text;
use super::{DriverRef, use_driver};
use crate::i18n::{Lang, tr, use_lang};
use crate::sync::SyncSignals;

/// A criterion of the scoring table (tiêu chí).
#[derive(Clone, Debug, PartialEq)]
pub struct Criterion {
    pub id: String,
    pub section: String,
    pub title: String,
    pub max: f64,
}

/// The cluster's scoring table, in the order the cluster set (sections, then criteria).
pub fn criteria(drv: DriverRef) -> Vec<Criterion> {
    drv.with_value(|d| {
        let Some(cluster) = d.session().directory.cluster_doc() else {
            return Vec::new();
        };
        d.with_doc(&cluster, |c| {
            let loaded = shared::schema::load_cluster(c).doc;
            loaded
                .criteria_in_order()
                .into_iter()
                .map(|(id, cr)| Criterion {
                    id: id.to_string(),
                    section: loaded
                        .sections
                        .get(&cr.section)
                        .map(|s| s.title.clone())
                        .unwrap_or_else(|| cr.section.clone()),
                    title: cr.title.clone(),
                    max: cr.max_points,
                })
                .collect()
        })
        .unwrap_or_default()
    })
}

/// All values automerge holds for a criterion's points (more than one = a conflict).
pub fn score_values(drv: DriverRef, doc: DocumentId, id: &str) -> Vec<f64> {
    drv.with_value(|d| {
        d.with_doc(&doc, |o| {
            let Some(scores) = read::map(o, &ROOT, "selfScores") else {
                return Vec::new();
            };
            let Some(s) = read::map(o, &scores, id) else {
                return Vec::new();
            };
            o.get_all(&s, "points")
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(v, _)| match v {
                    Value::Scalar(s) => read::scalar_number(&s),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
    })
}

/// Points as Vietnamese write them (decimal comma).
pub fn fmt_points(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p}").replace('.', ",")
    }
}

/// Write a self-score (points) for one criterion.
fn write_score(
    drv: DriverRef,
    doc: DocumentId,
    id: String,
    points: f64,
) -> Result<(), ChangeError<automerge::AutomergeError>> {
    drv.with_value(|d| {
        d.change(
            &doc,
            &format!("Tự chấm điểm tiêu chí {id}: {}", fmt_points(points)),
            |tx| {
                let scores = match read::map(tx, &ROOT, "selfScores") {
                    Some(s) => s,
                    None => tx.put_object(ROOT, "selfScores", ObjType::Map)?,
                };
                let s = match read::map(tx, &scores, id.as_str()) {
                    Some(s) => s,
                    None => tx.put_object(&scores, id.as_str(), ObjType::Map)?,
                };
                let value = if points.fract() == 0.0 {
                    ScalarValue::Int(points as i64)
                } else {
                    ScalarValue::F64(points)
                };
                tx.put(&s, "points", value)?;
                Ok(())
            },
        )
    })
}

fn error_text(lang: Lang, e: &ChangeError<automerge::AutomergeError>) -> String {
    match e {
        ChangeError::Invalid(v) => v
            .iter()
            .map(|x| match lang {
                Lang::Vi => x.message_vi.clone(),
                Lang::En => x.message_en.clone(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        ChangeError::NotWritable(_) => tr(
            lang,
            "Đơn vị của bạn không được sửa dữ liệu này.",
            "Your office may not change this data.",
        )
        .to_string(),
        other => other.to_string(),
    }
}

#[component]
pub fn OfficePage(code: String) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_context::<SyncSignals>().expect("signals");
    let session = drv.with_value(|d| d.session());
    let Some(entry) = session.directory.office(&code).cloned() else {
        return view! {
            <p class="error">{move || tr(lang.get(), "Không có đơn vị này trong cụm.", "No such office in the cluster.")}</p>
        }
        .into_any();
    };
    let Ok(doc) = DocumentId::from_url(&entry.url) else {
        return view! { <p class="error">"?"</p> }.into_any();
    };
    let editable = Memo::new(move |_| {
        signals.revision.get();
        drv.with_value(|d| d.can_write(&doc))
    });
    let rows = Memo::new(move |_| {
        signals.revision.get();
        criteria(drv)
    });
    let fresh = move || {
        signals.revision.get();
        signals.view.get();
        freshness_text(lang.get(), &drv.with_value(|d| d.freshness(&doc)))
    };
    let total = move || {
        signals.revision.get();
        let sum = rows
            .get()
            .iter()
            .filter_map(|c| score_values(drv, doc, &c.id).first().copied())
            .fold(0.0, |a, b| a + b);
        let max = rows.get().iter().map(|c| c.max).fold(0.0, |a, b| a + b);
        format!("{} / {}", fmt_points(sum), fmt_points(max))
    };
    let name = entry.name.clone();
    view! {
        <section class="office-page" data-testid="office-page" data-office=code.clone()>
            <h2>{name}</h2>
            <p class="muted" data-testid="freshness">{fresh}</p>
            {move || (!editable.get()).then(|| view! {
                <p class="readonly-note" data-testid="readonly">{move || tr(lang.get(),
                    "Chỉ xem: dữ liệu của đơn vị khác (bản sao trên máy, cập nhật khi có mạng).",
                    "Read-only: another office's data (a local replica, updated when online).")}</p>
            })}
            <h3>{move || tr(lang.get(), "Tự chấm điểm theo bảng điểm của cụm", "Self-scoring against the cluster's table")}</h3>
            <table class="scores" data-testid="scores">
                <thead><tr>
                    <th>{move || tr(lang.get(), "Tiêu chí", "Criterion")}</th>
                    <th class="num">{move || tr(lang.get(), "Tối đa", "Max")}</th>
                    <th class="num">{move || tr(lang.get(), "Tự chấm", "Self-score")}</th>
                </tr></thead>
                <tbody>
                    <For each=move || rows.get() key=|c| c.id.clone() let:c>
                        <ScoreRow c=c doc=doc editable=editable />
                    </For>
                </tbody>
                <tfoot><tr>
                    <th>{move || tr(lang.get(), "Tổng", "Total")}</th><th></th>
                    <th class="num" data-testid="score-total">{total}</th>
                </tr></tfoot>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn ScoreRow(c: Criterion, doc: DocumentId, editable: Memo<bool>) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_context::<SyncSignals>().expect("signals");
    let id = c.id.clone();
    let values = {
        let id = id.clone();
        Memo::new(move |_| {
            signals.revision.get();
            score_values(drv, doc, &id)
        })
    };
    // What the user typed, kept even when it is refused, so nothing is lost.
    let draft = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let shown = move || {
        draft.get().unwrap_or_else(|| {
            values
                .get()
                .first()
                .map(|p| fmt_points(*p))
                .unwrap_or_default()
        })
    };
    let commit = {
        let id = id.clone();
        move || {
            let Some(text) = draft.get_untracked() else {
                return;
            };
            let l = lang.get_untracked();
            let parsed = text.trim().replace(',', ".").parse::<f64>();
            match parsed {
                Ok(p) if p.is_finite() => match write_score(drv, doc, id.clone(), p) {
                    Ok(()) => {
                        draft.set(None);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(error_text(l, &e))),
                },
                _ => error.set(Some(
                    tr(
                        l,
                        "Hãy nhập một số, ví dụ 18 hoặc 18,5.",
                        "Enter a number, e.g. 18 or 18.5.",
                    )
                    .to_string(),
                )),
            }
        }
    };
    let commit2 = commit.clone();
    let pick = {
        let id = id.clone();
        move |p: f64| {
            let _ = write_score(drv, doc, id.clone(), p);
        }
    };
    let max_text = fmt_points(c.max);
    let label = format!("{} — {}", c.id, c.title);
    view! {
        <tr data-testid=format!("score-row-{}", c.id) class=move || { if values.get().len() > 1 { "conflict" } else { "" } }>
            <td>
                <div class="criterion">{label}</div>
                <div class="muted small">{c.section.clone()}</div>
            </td>
            <td class="num">{max_text}</td>
            <td class="num">
                {move || if editable.get() {
                    let commit = commit.clone();
                    let commit2 = commit2.clone();
                    view! {
                        <input class="points" inputmode="decimal" data-testid=format!("score-input-{}", id)
                            aria-invalid=move || error.get().is_some().to_string()
                            prop:value=shown
                            on:input=move |ev| draft.set(Some(event_target_value(&ev)))
                            on:change=move |_| commit()
                            on:keydown=move |ev| if ev.key() == "Enter" { commit2() } />
                    }.into_any()
                } else {
                    view! { <span data-testid=format!("score-value-{}", id)>{shown}</span> }.into_any()
                }}
                {move || error.get().map(|e| view! { <div class="field-error" role="alert" data-testid="field-error">{e}</div> })}
                {move || {
                    let vals = values.get();
                    (vals.len() > 1).then(|| {
                        let pick = pick.clone();
                        view! {
                            <div class="conflict-note" data-testid="conflict">
                                {move || tr(lang.get(), "Hai thiết bị nhập khác nhau — chọn giá trị giữ lại:", "Two devices entered different values — pick one:")}
                                {vals.into_iter().map(|p| {
                                    let pick = pick.clone();
                                    view! {
                                        <button type="button" class="pick" disabled=move || !editable.get()
                                            on:click=move |_| pick(p)>{fmt_points(p)}</button>
                                    }
                                }).collect_view()}
                            </div>
                        }
                    })
                }}
            </td>
        </tr>
    }
}
