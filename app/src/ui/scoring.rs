//! Covenant and scoring (giao ước, chấm điểm) of one office: the covenant
//! signature for the year, then per review round of the year (sơ kết 6
//! tháng đầu năm, tổng kết năm) the self-scores (tự chấm điểm) per
//! criterion with evidence notes (minh chứng), the office's own findings,
//! what it gives the other offices (chấm chéo) and, at the year end, its
//! vote for the leading office (suy tôn đơn vị dẫn đầu).
//! Editable for the device's own office, read-only for the others.

use leptos::prelude::*;
use shared::protocol::DocumentId;
use shared::schema::{ReviewPeriod, ReviewRound, read, review_key};

use super::form::{
    DocCtx, ErrorNote, Field, Kind, Opt, Problem, Val, problems_text, put_val, refusal_text, save,
    today,
};
use super::office::use_office;
use super::widgets::ConflictPicker;
use super::{DriverRef, use_driver, use_signals};
use crate::i18n::{tr, use_lang};

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

/// All values held for a criterion's points in the round at `base` (more
/// than one = a conflict), also when two devices created the criterion's
/// score record concurrently.
pub fn score_values(drv: DriverRef, doc: DocumentId, base: &[String], id: &str) -> Vec<f64> {
    let mut path: Vec<&str> = base.iter().map(String::as_str).collect();
    path.extend(["selfScores", id]);
    drv.with_value(|d| {
        d.with_doc(&doc, |o| {
            shared::schema::conflict::field_values(o, &path, "points")
                .into_iter()
                .filter_map(|v| match v.value {
                    shared::schema::conflict::HeldValue::Scalar(s) => read::scalar_number(&s),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
    })
}

pub use super::form::fmt_points;

/// An office's self-score total in the cluster's year: the year-end
/// review's when it has one, else the mid-year review's, with its period.
pub fn latest_self_total(drv: DriverRef, doc: DocumentId) -> Option<(f64, ReviewPeriod)> {
    drv.with_value(|d| {
        let cluster = d.session().directory.cluster_doc()?;
        let year = d.with_doc(&cluster, |c| shared::schema::load_cluster(c).doc.year)?;
        let office = d.with_doc(&doc, |o| shared::schema::load_office(o).doc)?;
        [ReviewPeriod::YearEnd, ReviewPeriod::MidYear]
            .into_iter()
            .map(|p| (office.review(year, p, year), p))
            .find(|(r, _)| !r.self_scores.is_empty())
            .map(|(r, p)| (r.self_scores.values().map(|s| s.points).sum(), p))
    })
}

/// Write a self-score (points) for one criterion of the round at `base`:
/// only that field.
fn write_score(
    drv: DriverRef,
    doc: DocumentId,
    base: &[String],
    id: String,
    points: f64,
) -> Result<(), Vec<Problem>> {
    let mut path = base.to_vec();
    path.extend(["selfScores".to_string(), id.clone()]);
    save(
        drv,
        doc,
        &format!("Tự chấm điểm tiêu chí {id}: {}", fmt_points(points)),
        |tx| put_val(tx, &path, "points", &Val::points(points)),
    )
}

/// The review round shown: its year and period, and where its scores are
/// written (`base`). Scores of the year-end review that an older app wrote
/// at the top of the document stay there and are edited there (see
/// `shared::schema::review`); everything else goes to `reviews/<key>`.
#[derive(Clone, Copy)]
struct RoundView {
    period: RwSignal<ReviewPeriod>,
    key: Memo<String>,
    base: Memo<Vec<String>>,
    round: Memo<ReviewRound>,
}

/// The period a person most likely means (the home page's tasks use the
/// same).
fn likely_period(year: i32) -> ReviewPeriod {
    shared::summary::likely_period(year, today())
}

#[component]
pub fn ScoringPage() -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, cluster, year) = (ov.office, ov.cluster, ov.year);
    let period = RwSignal::new(likely_period(year.get_untracked()));
    let key = Memo::new(move |_| review_key(year.get(), period.get()));
    let base = Memo::new(move |_| {
        let (y, p) = (year.get(), period.get());
        let cluster_year = cluster.with(|c| c.year);
        let legacy = office.with(|o| {
            p == ReviewPeriod::YearEnd && o.has_legacy_review() && o.legacy_year(cluster_year) == y
        });
        if legacy {
            Vec::new()
        } else {
            vec!["reviews".to_string(), review_key(y, p)]
        }
    });
    let round = Memo::new(move |_| {
        let cluster_year = cluster.with(|c| c.year);
        office.with(|o| o.review(year.get(), period.get(), cluster_year))
    });
    let rv = RoundView {
        period,
        key,
        base,
        round,
    };
    let tab = move |p: ReviewPeriod| {
        view! {
            <button type="button" role="tab" data-testid=format!("review-period-{}", p.code())
                class=move || if period.get() == p { "tab active" } else { "tab" }
                aria-selected=move || (period.get() == p).to_string()
                on:click=move |_| period.set(p)>
                {move || format!("{} {}", tr(lang.get(), p.name_vi(), p.name_en()), year.get())}
            </button>
        }
    };
    view! {
        <CovenantSignature />
        <div class="period-tabs" role="tablist" data-testid="review-periods"
            aria-label=move || tr(lang.get(), "Kỳ đánh giá", "Review period")>
            {tab(ReviewPeriod::MidYear)}
            {tab(ReviewPeriod::YearEnd)}
        </div>
        {move || {
            // Rebuilt when the round changes: every field below writes into it.
            base.track();
            view! {
                <SelfScores rv=rv />
                <Findings rv=rv />
                <PeerReviews rv=rv />
            }
        }}
    }
}

/// The office's self-scores of the round (tự chấm điểm).
#[component]
fn SelfScores(rv: RoundView) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let ov = use_office();
    let doc = ov.ctx.doc;
    let editable = ov.ctx.editable;
    let rows = Memo::new(move |_| {
        signals.revision.get();
        criteria(drv)
    });
    let total = move || {
        let sum: f64 = rv
            .round
            .with(|r| r.self_scores.values().map(|s| s.points).sum());
        let max = rows.get().iter().map(|c| c.max).fold(0.0, |a, b| a + b);
        format!("{} / {}", fmt_points(sum), fmt_points(max))
    };
    let base = rv.base.get_untracked();
    view! {
        <h3>{move || tr(lang.get(), "Tự chấm điểm theo bảng điểm của Cụm", "Self-scoring against the cluster's table")}</h3>
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang.get(), "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
        <table class="scores" data-testid="scores" data-round=rv.key.get_untracked()>
            <thead><tr>
                <th>{move || tr(lang.get(), "Tiêu chí", "Criterion")}</th>
                <th class="num">{move || tr(lang.get(), "Tối đa", "Max")}</th>
                <th class="num">{move || tr(lang.get(), "Tự chấm", "Self-score")}</th>
                <th>{move || tr(lang.get(), "Minh chứng, giải trình", "Evidence, explanation")}</th>
            </tr></thead>
            <tbody>
                <For each=move || rows.get() key=|c| c.id.clone() let:c>
                    <ScoreRow c=c doc=doc editable=editable base=base.clone() />
                </For>
            </tbody>
            <tfoot><tr>
                <th>{move || tr(lang.get(), "Tổng", "Total")}</th><th></th>
                <th class="num" data-testid="score-total">{total}</th><th></th>
            </tr></tfoot>
        </table>
        </div>
    }
}

/// The office's own findings of the round (kết quả, ưu điểm; hạn chế,
/// nguyên nhân), as its review report (báo cáo sơ kết, tổng kết) states them.
#[component]
fn Findings(rv: RoundView) -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let ctx = ov.ctx;
    let path = vec!["reviews".to_string(), rv.key.get_untracked()];
    let what = format!(
        "{} {}",
        rv.period.get_untracked().name_vi(),
        ov.year.get_untracked()
    );
    view! {
        <h3>{move || tr(lang.get(), "Tự đánh giá", "Self-assessment")}</h3>
        <div class="fields">
            <Field ctx=ctx path=path.clone() key="strengths" kind=Kind::Area vi="Kết quả, ưu điểm" en="Results, strengths"
                testid="review-strengths" what=what.clone() />
            <Field ctx=ctx path=path key="shortcomings" kind=Kind::Area vi="Hạn chế, nguyên nhân" en="Shortcomings, causes"
                testid="review-shortcomings" what=what />
        </div>
    }
}

/// The office's signature of the cluster covenant for the year (ký giao ước).
#[component]
fn CovenantSignature() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, cluster, year, ctx) = (ov.office, ov.cluster, ov.year, ov.ctx);
    let error = RwSignal::new(None::<String>);
    // A memo: the fields below are rebuilt only when signing, not on every change.
    let signed = Memo::new(move |_| {
        office.with(|o| o.covenant_signatures.contains_key(&year.get().to_string()))
    });
    let sign = move |_| {
        let y = year.get_untracked();
        let sig = shared::schema::CovenantSignature {
            year: y,
            signed_by: String::new(),
            position: String::new(),
            date: Some(today().into()),
        };
        let r = save(
            drv,
            ctx.doc,
            &format!("Ký giao ước thi đua năm {y}"),
            |tx| {
                shared::schema::write::put_entry(tx, &["covenantSignatures"], &y.to_string(), &sig)
            },
        );
        error.set(refusal_text(lang.get_untracked(), r));
    };
    let covenant = move || cluster.with(|c| c.covenant.clone());
    view! {
        <h3>{move || tr(lang.get(), "Giao ước thi đua", "Emulation covenant")}</h3>
        <div class="card">
            <div class="covenant-title">{move || {
                let c = covenant();
                if c.title.is_empty() { tr(lang.get(), "(Cụm chưa nhập giao ước)", "(the cluster has not entered the covenant)").to_string() } else { c.title }
            }}</div>
            <div class="covenant-text muted small">{move || covenant().text}</div>
            {move || {
                let y = year.get();
                if signed.get() {
                    let path = vec!["covenantSignatures".to_string(), y.to_string()];
                    let what = format!("Ký giao ước năm {y}");
                    view! {
                        <div class="fields" data-testid="covenant-signed">
                            <Field ctx=ctx path=path.clone() key="signedBy" kind=Kind::Text vi="Người ký" en="Signed by" testid="covenant-signer" what=what.clone() />
                            <Field ctx=ctx path=path.clone() key="position" kind=Kind::Text vi="Chức vụ" en="Position" testid="covenant-position" what=what.clone() />
                            <Field ctx=ctx path=path key="date" kind=Kind::Date vi="Ngày ký" en="Date signed" testid="covenant-date" what=what />
                        </div>
                    }.into_any()
                } else if ctx.editable.get() {
                    view! {
                        <button type="button" class="primary" data-testid="covenant-sign" on:click=sign>
                            {move || format!("{} {}", tr(lang.get(), "Ký giao ước năm", "Sign the covenant for"), year.get())}
                        </button>
                    }.into_any()
                } else {
                    view! { <p class="muted" data-testid="covenant-unsigned">{move || tr(lang.get(), "Chưa ký giao ước năm này.", "Not signed for this year.")}</p> }.into_any()
                }
            }}
            <ErrorNote error=error />
        </div>
    }
}

/// What this office gives the other offices in the round (chấm chéo) and,
/// at the year end, its vote for the leading office (suy tôn đơn vị dẫn đầu).
#[component]
fn PeerReviews(rv: RoundView) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let ov = use_office();
    let (cluster, year, ctx) = (ov.cluster, ov.year, ov.ctx);
    let own = ov.code.clone();
    let others = {
        let own = own.clone();
        Memo::new(move |_| {
            let y = year.get();
            cluster.with(|c| {
                c.members_in_year(y)
                    .filter(|m| m.code != own && m.valid_until.is_none())
                    .map(|m| (m.code.clone(), m.name.clone()))
                    .collect::<Vec<_>>()
            })
        })
    };
    let vote_opts = Signal::derive(move || {
        let y = year.get();
        let mut v = vec![Opt::none()];
        v.extend(cluster.with(|c| {
            c.members_in_year(y)
                .filter(|m| m.valid_until.is_none())
                // Short names ("Cao Bằng"): the full ones do not fit a phone.
                .map(|m| Opt::named(&m.code, super::dashboard::short_name(&m.name)))
                .collect::<Vec<_>>()
        }));
        v
    });
    let rows = Memo::new(move |_| {
        signals.revision.get();
        criteria(drv)
    });
    let round_base = rv.base.get_untracked();
    let year_end = rv.period.get_untracked() == ReviewPeriod::YearEnd;
    let vote = year_end.then(|| {
        view! {
            <div class="fields">
                <Field ctx=ctx path=round_base.clone() key="leadingVote" kind=Kind::Choice(vote_opts)
                    vi="Phiếu suy tôn đơn vị dẫn đầu Cụm" en="Vote for the cluster's leading office" testid="leading-vote" what="Phiếu suy tôn đơn vị dẫn đầu" />
            </div>
        }
    });
    view! {
        <h3>{move || if year_end {
            tr(lang.get(), "Chấm điểm các đơn vị khác và suy tôn đơn vị dẫn đầu", "Scoring the other offices and the leading office vote")
        } else {
            tr(lang.get(), "Chấm điểm các đơn vị khác", "Scoring the other offices")
        }}</h3>
        {vote}
        <For each=move || others.get() key=|o| o.0.clone() let:o>
            {
                let (code, name) = o;
                let mut base = round_base.clone();
                base.extend(["peerReviews".to_string(), code.clone()]);
                let what = format!("Chấm điểm {name}");
                let (base2, code2, what2) = (base.clone(), code.clone(), what.clone());
                let total = {
                    let code = code.clone();
                    move || {
                        let sum: f64 = rv.round.with(|r| r.peer_reviews.get(&code).map(|r| r.scores.values().map(|s| s.points).sum()).unwrap_or(0.0));
                        fmt_points(sum)
                    }
                };
                view! {
                    <details class="card peer" data-testid=format!("peer-{code}")>
                        <summary><strong>{name.clone()}</strong>" · "<span data-testid=format!("peer-total-{code}")>{total}</span></summary>
                        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang.get(), "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")><table class="scores">
                            <tbody>
                                <For each=move || rows.get() key=|c| c.id.clone() let:c>
                                    {
                                        let mut path = base2.clone();
                                        path.extend(["scores".to_string(), c.id.clone()]);
                                        view! {
                                            <tr>
                                                <td>{format!("{} — {}", c.id, c.title)}<div class="muted small">{format!("{} {}", tr(lang.get_untracked(), "tối đa", "max"), fmt_points(c.max))}</div></td>
                                                <td class="num"><Field ctx=ctx path=path key="points" kind=Kind::Points vi="Điểm" en="Points"
                                                    testid=format!("peer-{}-{}", code2, c.id) what=what2.clone() /></td>
                                            </tr>
                                        }
                                    }
                                </For>
                            </tbody>
                        </table></div>
                        <Field ctx=ctx path=base.clone() key="comment" kind=Kind::Area vi="Nhận xét" en="Comment" testid=format!("peer-comment-{code}") what=what.clone() />
                    </details>
                }
            }
        </For>
    }
}

#[component]
fn ScoreRow(
    c: Criterion,
    doc: DocumentId,
    editable: Memo<bool>,
    base: Vec<String>,
) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let id = c.id.clone();
    let base = StoredValue::new(base);
    let values = {
        let id = id.clone();
        Memo::new(move |_| {
            signals.revision.get();
            base.with_value(|b| score_values(drv, doc, b, &id))
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
                Ok(p) if p.is_finite() => {
                    match base.with_value(|b| write_score(drv, doc, b, id.clone(), p)) {
                        Ok(()) => {
                            draft.set(None);
                            error.set(None);
                        }
                        Err(e) => error.set(Some(problems_text(l, &e))),
                    }
                }
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
            let _ = base.with_value(|b| write_score(drv, doc, b, id.clone(), p));
        }
    };
    let max_text = fmt_points(c.max);
    let id2 = id.clone();
    let mut score_path = base.get_value();
    score_path.extend(["selfScores".to_string(), id2.clone()]);
    let label = format!("{} — {}", c.id, c.title);
    let aria = format!("Điểm tự chấm: {label}");
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
                            aria-label=aria.clone()
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
                        let choices = vals.into_iter().map(|p| {
                            let pick = pick.clone();
                            (fmt_points(p), Callback::new(move |()| pick(p)))
                        }).collect::<Vec<_>>();
                        view! { <ConflictPicker testid="conflict" editable=editable choices=choices /> }
                    })
                }}
            </td>
            <td class="evidence">
                <Field ctx=DocCtx { doc, editable } path=score_path.clone() key="evidence" kind=Kind::Area
                    vi="Minh chứng" en="Evidence" testid=format!("evidence-{}", id2) what=format!("Tự chấm tiêu chí {id2}")
                    disabled=Signal::derive(move || values.get().is_empty())
                    disabled_hint=("Nhập điểm trước, rồi ghi minh chứng.", "Enter the points first, then the evidence.") />
                <Field ctx=DocCtx { doc, editable } path=score_path key="note" kind=Kind::Text
                    vi="Giải trình" en="Explanation" testid=format!("note-{}", id2) what=format!("Tự chấm tiêu chí {id2}")
                    disabled=Signal::derive(move || values.get().is_empty()) />
            </td>
        </tr>
    }
}
