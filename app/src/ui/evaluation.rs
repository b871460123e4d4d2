//! Year-end title evaluation (bình xét danh hiệu) with live rule checks:
//! per person the rating, initiatives, research, votes and proposed title,
//! and beside it the rule evaluation of that title (each condition met or
//! not, with its explanation and article); the collective's evaluation; the
//! cap on Chiến sĩ thi đua cơ sở (a visible warning, never silent); and the
//! freeze while a person is under discipline review.

use leptos::prelude::*;
use shared::domain::RuleCatalog;
use shared::domain::rules::{Condition, Evaluation};
use shared::lists::{EvaluationShow, ListChoice};
use shared::schema::bridge::{check_cap, evaluate_office, evaluate_person, unevaluated_staff};
use shared::schema::write::put_entry;
use shared::schema::{CollectiveEvaluation, TextCode, TitleEvaluation, evaluation_key};

use super::form::{
    AWARD_FORMS, COLLECTIVE_TITLES, EMULATION_TITLES, ErrorNote, Field, Kind, rating_opts,
    refusal_text, save, title_opts_or_none,
};
use super::list_filter::list_choice;
use super::office::{person_name, use_office};
use super::records::EmptyNote;
use super::use_driver;
use crate::i18n::{Lang, tr, use_lang};

/// The rule catalog (built-in rule sets), built once.
pub(super) fn catalog() -> &'static RuleCatalog {
    thread_local! {
        static CATALOG: &'static RuleCatalog = Box::leak(Box::new(RuleCatalog::defaults()));
    }
    CATALOG.with(|c| *c)
}

#[component]
pub fn EvaluationPage() -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, cluster, year) = (ov.office, ov.cluster, ov.year);
    let people = Memo::new(move |_| {
        let y = year.get();
        office.with(|o| o.staff_in(y).count())
    });
    let query = RwSignal::new(String::new());
    let (show, show_opts) = list_choice::<EvaluationShow>();
    let shown = Memo::new(move |_| {
        let (q, y) = (query.get(), year.get());
        let show = EvaluationShow::from_code(&show.get());
        office.with(|o| shared::lists::evaluations(o, y, show, &q))
    });
    let cap = move || {
        let y = year.get();
        let c = cluster.get();
        office.with(|o| check_cap(o, Some(&c), catalog(), y))
    };
    view! {
        <h3>{move || format!("{} {}", tr(lang.get(), "Bình xét danh hiệu năm", "Title evaluation"), year.get())}</h3>
        {move || match cap() {
            Ok(c) => {
                let class = if c.warning { "banner banner-warn inline" } else { "banner banner-ok inline" };
                let text = match lang.get() { Lang::Vi => c.vi.clone(), Lang::En => c.en.clone() };
                view! {
                    <div class=class role=if c.warning { "alert" } else { "status" } data-testid="cap-check" data-warning=c.warning.to_string()>
                        <strong>{move || tr(lang.get(), "Tỷ lệ Chiến sĩ thi đua cơ sở: ", "Cap on Grassroots Emulation Fighters: ")}</strong>
                        {text}
                    </div>
                }.into_any()
            }
            Err(e) => view! { <div class="banner banner-warn inline" data-testid="cap-check">{e.to_string()}</div> }.into_any(),
        }}
        <h4>{move || tr(lang.get(), "Tập thể", "The collective")}</h4>
        <CollectiveCard />
        <h4>{move || tr(lang.get(), "Cá nhân", "Individuals")}</h4>
        <EmptyNote count=people vi="Chưa có cán bộ trong năm này (thêm ở trang Cán bộ)." en="No staff in this year (add them under Staff)." />
        <super::list_filter::ListToolbar query=query testid="evaluations"
            choice=(show, show_opts, "Lọc theo bình xét", "Filter by evaluation")
            shown=Signal::derive(move || shown.with(Vec::len))
            total=Signal::derive(move || people.get()) />
        <div class="cards" data-testid="evaluations">
            <For each=move || shown.get() key=|p| p.clone() let:pid>
                <PersonEvaluation pid=pid />
            </For>
        </div>
    }
}

#[component]
fn PersonEvaluation(pid: String) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, year, ctx, system) = (ov.office, ov.year, ov.ctx, ov.system);
    let pid = StoredValue::new(pid);
    let name = move || office.with(|o| pid.with_value(|p| person_name(o, p)));
    // The key of this person's evaluation for the year (several devices may
    // have made one: the same one as `OfficeDoc::evaluation` uses).
    let key = Memo::new(move |_| {
        let y = year.get();
        office.with(|o| {
            pid.with_value(|p| {
                o.evaluations
                    .iter()
                    .rev()
                    .find(|(_, e)| e.person_id == *p && e.year == y)
                    .map(|(k, _)| k.clone())
            })
        })
    });
    let error = RwSignal::new(None::<String>);
    let start = move |_| {
        let y = year.get_untracked();
        let p = pid.get_value();
        let eval = TitleEvaluation::new(&p, y);
        let who = name();
        let r = save(drv, ctx.doc, &format!("Bình xét năm {y}: {who}"), |tx| {
            put_entry(tx, &["evaluations"], &evaluation_key(&p, y), &eval)
        });
        error.set(refusal_text(lang.get_untracked(), r));
    };
    let discipline = move || {
        let y = year.get();
        let l = lang.get();
        office
            .with(|o| {
                pid.with_value(|p| {
                    o.staff.get(p).map(|person| {
                        person
                            .discipline
                            .values()
                            .filter(|d| d.to_record().is_some_and(|r| r.overlaps_year(y)))
                            .map(|d| {
                                let end = d
                                    .end
                                    .as_ref()
                                    .map(|e| e.display_vi())
                                    .unwrap_or_else(|| tr(l, "nay", "now").to_string());
                                format!(
                                    "{} {} ({}–{})",
                                    tr(l, "Kỷ luật", "Discipline"),
                                    match l {
                                        Lang::Vi => d.level.name_vi(),
                                        Lang::En => d.level.name_en(),
                                    },
                                    d.start.display_vi(),
                                    end
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                })
            })
            .unwrap_or_default()
    };
    let p = pid.get_value();
    view! {
        <div class="card evaluation" data-testid=format!("eval-{p}") data-name=move || office.with(|o| pid.with_value(|p| o.staff.get(p).map(|x| x.full_name.clone()).unwrap_or_default()))>
            <div class="card-head"><strong>{name}</strong></div>
            {move || {
                let d = discipline();
                (!d.is_empty()).then(|| view! { <div class="warn small" data-testid="discipline-note">{d}</div> })
            }}
            {move || match key.get() {
                None => ctx.editable.get().then(|| view! {
                    <button type="button" class="small" data-testid=format!("eval-start-{}", pid.get_value()) on:click=start>
                        {move || tr(lang.get(), "Bắt đầu bình xét", "Start the evaluation")}
                    </button>
                }).into_any(),
                Some(k) => {
                    let path = vec!["evaluations".to_string(), k.clone()];
                    // Untracked: this branch must not be rebuilt on every change of the office.
                    let what = format!("Bình xét {}", untrack(name));
                    let p = pid.get_value();
                    view! {
                        <div class="eval-grid">
                            <div class="fields">
                                <Field ctx=ctx path=path.clone() key="rating" kind=Kind::Choice(Signal::derive(rating_opts)) vi="Xếp loại" en="Rating" testid=format!("eval-{p}-rating") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="proposedTitle" kind=Kind::Choice(Signal::derive(move || title_opts_or_none(EMULATION_TITLES, system.get()))) vi="Danh hiệu thi đua đề nghị" en="Proposed emulation title" testid=format!("eval-{p}-title") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="proposedAward" kind=Kind::Choice(Signal::derive(move || title_opts_or_none(AWARD_FORMS, system.get()))) vi="Hình thức khen thưởng đề nghị" en="Proposed form of commendation" testid=format!("eval-{p}-award") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="awardVotesYes" kind=Kind::Count vi="Phiếu đồng ý (khen thưởng)" en="Votes for (commendation)" testid=format!("eval-{p}-awardVotesYes") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="awardVotesTotal" kind=Kind::Count vi="Tổng số phiếu (khen thưởng)" en="Votes cast (commendation)" testid=format!("eval-{p}-awardVotesTotal") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="initiatives" kind=Kind::Count vi="Sáng kiến" en="Initiatives" testid=format!("eval-{p}-initiatives") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="researchProjects" kind=Kind::Count vi="Đề tài khoa học" en="Research projects" testid=format!("eval-{p}-research") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="votesYes" kind=Kind::Count vi="Phiếu đồng ý" en="Votes for" testid=format!("eval-{p}-votesYes") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="votesTotal" kind=Kind::Count vi="Tổng số phiếu" en="Votes cast" testid=format!("eval-{p}-votesTotal") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="takesPartInEmulation" kind=Kind::Check vi="Tham gia phong trào thi đua" en="Takes part in emulation" testid=format!("eval-{p}-takesPart") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="initiativeAppliedProvincially" kind=Kind::Check vi="Sáng kiến, đề tài, đề án có phạm vi ảnh hưởng trong tỉnh" en="Initiative, research or scheme of provincial scope" testid=format!("eval-{p}-provincial") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="nationwideScope" kind=Kind::Check vi="Sáng kiến, đề tài có phạm vi ảnh hưởng toàn quốc" en="Initiative or research of nationwide scope" testid=format!("eval-{p}-nationwide") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="transferredIn" kind=Kind::Check vi="Chuyển công tác đến trong năm (không phải mới tuyển dụng)" en="Transferred in this year (not newly recruited)" testid=format!("eval-{p}-transferred") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="underReview" kind=Kind::Check vi="Đang bị xem xét kỷ luật, thanh tra, kiểm tra hoặc giải quyết khiếu nại, tố cáo" en="Under discipline review, inspection or complaint" testid=format!("eval-{p}-underReview") what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="note" kind=Kind::Text vi="Ghi chú" en="Note" testid=format!("eval-{p}-note") what=what.clone() />
                            </div>
                            <PersonRuleCheck pid=p.clone() />
                        </div>
                    }.into_any()
                }
            }}
            <ErrorNote error=error />
        </div>
    }
}

/// The live rule check of a person's proposed title.
#[component]
fn PersonRuleCheck(pid: String) -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, cluster, year) = (ov.office, ov.cluster, ov.year);
    let pid = StoredValue::new(pid);
    // One check per title proposed: the emulation title and the form of
    // commendation, each against its own rules.
    let results = Memo::new(move |_| {
        let y = year.get();
        let c = cluster.get();
        office.with(|o| {
            pid.with_value(|p| {
                o.evaluation(p, y)
                    .map(|e| {
                        e.proposed()
                            .map(|title| {
                                evaluate_person(o, Some(&c), catalog(), p, title, y)
                                    .map_err(|e| e.to_string())
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
        })
    });
    // Eligible when every proposed title is (the walk-through reads it).
    let eligible = move || {
        let r = results.get();
        if r.is_empty() {
            "none".to_string()
        } else {
            r.iter()
                .all(|x| x.as_ref().is_ok_and(|e| e.eligible && !e.frozen))
                .to_string()
        }
    };
    view! {
        <div class="rule-check" data-testid=move || format!("rule-check-{}", pid.get_value()) data-eligible=eligible>
            {move || {
                let r = results.get();
                if r.is_empty() {
                    return view! { <p class="muted small">{move || tr(lang.get(), "Chọn danh hiệu đề nghị để kiểm tra điều kiện theo quy định.", "Choose the proposed title to check it against the rules.")}</p> }.into_any();
                }
                r.into_iter().map(|x| match x {
                    Err(e) => view! { <p class="warn small">{e}</p> }.into_any(),
                    Ok(e) => {
                        let code = e.title.code();
                        view! { <div class="rule-check-title" data-title=code><EvaluationView e=e /></div> }.into_any()
                    }
                }).collect_view().into_any()
            }}
        </div>
    }
}

/// An evaluation: summary, freeze, and every condition with its article.
#[component]
pub fn EvaluationView(e: Evaluation) -> impl IntoView {
    let lang = use_lang();
    let summary = {
        let e = e.clone();
        move || match lang.get() {
            Lang::Vi => e.summary_vi(),
            Lang::En => e.summary_en(),
        }
    };
    let class = if e.eligible && !e.frozen {
        "rule-summary ok"
    } else {
        "rule-summary missing"
    };
    let frozen = e.frozen;
    // The rule set by name, and the source of its freeze rule, not the raw id.
    let set = catalog().get(&e.rule_set_id);
    let rule_set = set.map_or_else(|| e.rule_set_id.clone(), |s| s.name.clone());
    let freeze_basis = set.map_or_else(String::new, |s| s.discipline.basis.clone());
    view! {
        <div class=class data-testid="rule-summary">{summary}</div>
        {frozen.then(|| view! {
            <div class="banner banner-warn inline" data-testid="frozen">{move || format!("{} ({freeze_basis}).", tr(lang.get(),
                "Tạm dừng xét: đang bị xem xét kỷ luật, thanh tra, kiểm tra hoặc giải quyết khiếu nại, tố cáo",
                "Frozen: under discipline review, inspection or complaint handling"))}</div>
        })}
        <ul class="conditions">
            {e.conditions.into_iter().map(|c| view! { <ConditionItem c=c /> }).collect_view()}
        </ul>
        <div class="muted small">{move || tr(lang.get(), "Bộ quy tắc: ", "Rule set: ")}{rule_set}</div>
    }
}

#[component]
fn ConditionItem(c: Condition) -> impl IntoView {
    let lang = use_lang();
    let (vi, en) = (c.vi.clone(), c.en.clone());
    let text = move || match lang.get() {
        Lang::Vi => vi.clone(),
        Lang::En => en.clone(),
    };
    let alternatives = c.alternatives.clone();
    view! {
        <li class=if c.met { "met" } else { "unmet" } data-met=c.met.to_string()>
            <span class="mark" aria-hidden="true">{if c.met { "✓" } else { "✗" }}</span>
            <span>{text}</span>
            <span class="article muted small">{format!(" ({})", c.article)}</span>
            {(!alternatives.is_empty()).then(|| view! {
                <ul class="conditions alt">
                    {alternatives.into_iter().map(|a| {
                        let (vi, en) = (a.vi.clone(), a.en.clone());
                        view! {
                            <li class=if a.met { "met" } else { "unmet" }>
                                <span class="mark" aria-hidden="true">{if a.met { "✓" } else { "✗" }}</span>
                                <span>{move || match lang.get() { Lang::Vi => vi.clone(), Lang::En => en.clone() }}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </li>
    }
}

/// The collective's evaluation for the year and its rule check.
#[component]
fn CollectiveCard() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, cluster, year, ctx, system) = (ov.office, ov.cluster, ov.year, ov.ctx, ov.system);
    let exists = Memo::new(move |_| {
        let y = year.get();
        office.with(|o| o.collective_evaluations.contains_key(&y.to_string()))
    });
    let error = RwSignal::new(None::<String>);
    let start = move |_| {
        let y = year.get_untracked();
        let r = save(
            drv,
            ctx.doc,
            &format!("Bình xét tập thể năm {y}"),
            |tx| {
                put_entry(
                    tx,
                    &["collectiveEvaluations"],
                    &y.to_string(),
                    &CollectiveEvaluation::new(y),
                )
            },
        );
        error.set(refusal_text(lang.get_untracked(), r));
    };
    let result = Memo::new(move |_| {
        let y = year.get();
        let c = cluster.get();
        office.with(|o| {
            let title = o.collective_evaluation(y).and_then(|e| e.proposed_title)?;
            Some(match evaluate_office(o, Some(&c), catalog(), title, y) {
                Ok(Some(e)) => Ok(Some(e)),
                Ok(None) => Ok(None),
                Err(e) => Err(e.to_string()),
            })
        })
    });
    let missing = move || {
        let y = year.get();
        office.with(|o| {
            unevaluated_staff(o, y)
                .iter()
                .map(|p| person_name(o, p))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="card evaluation" data-testid="eval-collective">
            {move || {
                let y = year.get();
                if exists.get() {
                    let path = vec!["collectiveEvaluations".to_string(), y.to_string()];
                    let what = format!("Bình xét tập thể năm {y}");
                    view! {
                        <div class="eval-grid">
                            <div class="fields">
                                <Field ctx=ctx path=path.clone() key="rating" kind=Kind::Choice(Signal::derive(rating_opts)) vi="Xếp loại tập thể" en="Collective's rating" testid="collective-rating" what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="proposedTitle" kind=Kind::Choice(Signal::derive(move || title_opts_or_none(COLLECTIVE_TITLES, system.get()))) vi="Danh hiệu đề nghị" en="Proposed title" testid="collective-title" what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="votesYes" kind=Kind::Count vi="Phiếu đồng ý" en="Votes for" testid="collective-votesYes" what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="votesTotal" kind=Kind::Count vi="Tổng số phiếu" en="Votes cast" testid="collective-votesTotal" what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="internalUnity" kind=Kind::Check vi="Nội bộ đoàn kết" en="Internal unity" testid="collective-unity" what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="underReview" kind=Kind::Check vi="Đang bị thanh tra, kiểm tra hoặc giải quyết khiếu nại, tố cáo" en="Under inspection or complaint" testid="collective-underReview" what=what.clone() />
                                <Field ctx=ctx path=path.clone() key="note" kind=Kind::Text vi="Ghi chú" en="Note" testid="collective-note" what=what.clone() />
                            </div>
                            <div class="rule-check" data-testid="rule-check-collective"
                                data-eligible=move || match result.get() { Some(Ok(Some(e))) => (e.eligible && !e.frozen).to_string(), _ => "none".to_string() }>
                                {move || match result.get() {
                                    None => view! { <p class="muted small">{move || tr(lang.get(), "Chọn danh hiệu đề nghị để kiểm tra điều kiện.", "Choose the proposed title to check it.")}</p> }.into_any(),
                                    Some(Ok(None)) => view! { <p class="muted small">{move || tr(lang.get(), "Nhập xếp loại tập thể để kiểm tra điều kiện.", "Enter the collective's rating to check it.")}</p> }.into_any(),
                                    Some(Err(e)) => view! { <p class="warn small">{e}</p> }.into_any(),
                                    Some(Ok(Some(e))) => view! { <EvaluationView e=e /> }.into_any(),
                                }}
                                {move || {
                                    let m = missing();
                                    (!m.is_empty()).then(|| view! {
                                        <p class="warn small" data-testid="unevaluated">
                                            {move || tr(lang.get(), "Chưa có xếp loại (cần bổ sung trước khi xét tập thể): ", "Not rated yet (needed before the collective is evaluated): ")}
                                            {m.join(", ")}
                                        </p>
                                    })
                                }}
                            </div>
                        </div>
                    }.into_any()
                } else if ctx.editable.get() {
                    view! {
                        <button type="button" class="small" data-testid="collective-start" on:click=start>
                            {move || tr(lang.get(), "Bắt đầu bình xét tập thể", "Start the collective's evaluation")}
                        </button>
                    }.into_any()
                } else {
                    view! { <p class="muted">{move || tr(lang.get(), "Chưa bình xét tập thể năm này.", "No collective evaluation for this year.")}</p> }.into_any()
                }
            }}
            <ErrorNote error=error />
        </div>
    }
}
