//! Proposals and decisions (tờ trình đề nghị khen thưởng, quyết định khen
//! thưởng): proposals (number like 12/TTr-VP, date, signer, subject,
//! title or award) and decisions (number like 123/QĐ-UBND, date, signer,
//! citation) linked to the proposals they grant, with the days from
//! proposal to decision (khen thưởng kịp thời — timely commendation).

use leptos::prelude::*;
use shared::domain::rules::Date;
use shared::domain::{AwardKind, AwardingSystem};
use shared::lists::{self, DecisionOrder, ListChoice, ProposalOrder, ProposalShow};
use shared::schema::value::TextCode;
use shared::schema::write::{put_entry, put_field};
use shared::schema::{Decision, Proposal, first_sent};

use super::dossier::DossierView;
use super::form::{
    AddForm, DeleteButton, ErrorNote, Field, Kind, Opt, Problem, TextInput, date_problem,
    days_between, error_for, new_id, parse_date, refusal_text, save, show_date, title_opts_or_none,
    titles_for, today,
};
use super::list_filter::list_choice;
use super::office::{person_name, use_office};
use super::records::{EmptyNote, ids_newest_first, record_memo};
use super::use_driver;
use crate::i18n::{Lang, tr, use_lang};

/// "Ông Nguyễn Văn An" or the collective's name.
pub(super) fn subject_of(o: &shared::schema::OfficeDoc, p: &Proposal) -> String {
    match &p.person_id {
        Some(id) => person_name(o, id),
        None => p.subject_name.clone(),
    }
}

/// Days from a proposal to a decision granting it: from the day its
/// dossier was first sent, or the proposal's date when no sending is
/// recorded (the dashboard's timely-commendation figures count the same).
fn days_to_decision(p: &Proposal, d: &Decision) -> Option<i64> {
    let from = first_sent(p).or_else(|| p.date.as_ref()?.date())?;
    Some(days_between(from, d.date.as_ref()?.date()?))
}

/// "12/TTr-VP" or "(chưa có số)".
pub(super) fn number_or_draft(n: &str) -> String {
    if n.trim().is_empty() {
        "(chưa có số)".to_string()
    } else {
        n.to_string()
    }
}

#[component]
pub fn AwardsPage() -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, ctx, year) = (ov.office, ov.ctx, ov.year);
    let system = ov.system;
    // The year shown: its proposals, and the decisions issued in it or
    // granting one of them; searched, filtered and ordered as the clerk
    // chooses (shared::lists).
    let proposals = Memo::new(move |_| {
        let y = year.get();
        office.with(|o| o.proposals.values().filter(|p| p.year == y).count())
    });
    let decisions = Memo::new(move |_| {
        let y = year.get();
        office.with(|o| lists::decisions(o, y, DecisionOrder::Newest, "").len())
    });
    let p_query = RwSignal::new(String::new());
    let (p_state, p_states) = list_choice::<ProposalShow>();
    let (p_order, p_orders) = list_choice::<ProposalOrder>();
    let shown_proposals = Memo::new(move |_| {
        let (q, y) = (p_query.get(), year.get());
        let show = ProposalShow::from_code(&p_state.get());
        let order = ProposalOrder::from_code(&p_order.get());
        let system = system.get();
        let name = |t| system.title_name_vi(t).to_string();
        office.with(|o| lists::proposals(o, y, show, order, &q, &name))
    });
    let d_query = RwSignal::new(String::new());
    let (d_order, d_orders) = list_choice::<DecisionOrder>();
    let shown_decisions = Memo::new(move |_| {
        let (q, y) = (d_query.get(), year.get());
        let order = DecisionOrder::from_code(&d_order.get());
        office.with(|o| lists::decisions(o, y, order, &q))
    });
    view! {
        <h3>{move || tr(lang.get(), "Tờ trình đề nghị khen thưởng", "Commendation proposals")}" "<span class="count" data-testid="proposal-count">{move || format!("({})", proposals.get())}</span></h3>
        {move || ctx.editable.get().then(|| view! { <super::proposal_form::AddProposal /> })}
        <super::list_filter::ListToolbar query=p_query testid="proposals"
            choice=(p_state, p_states, "Lọc theo quyết định", "Filter by decision")
            order=(p_order, p_orders, "Sắp xếp", "Order")
            shown=Signal::derive(move || shown_proposals.with(Vec::len))
            total=Signal::derive(move || proposals.get()) />
        <div class="cards" data-testid="proposals">
            <For each=move || shown_proposals.get() key=|id| id.clone() let:id>
                <ProposalCard id=id />
            </For>
        </div>
        <EmptyNote count=proposals vi="Chưa có tờ trình nào." en="No proposals yet." />
        <h3>{move || tr(lang.get(), "Quyết định khen thưởng", "Commendation decisions")}" "<span class="count" data-testid="decision-count">{move || format!("({})", decisions.get())}</span></h3>
        {move || ctx.editable.get().then(|| view! { <AddDecision /> })}
        <super::list_filter::ListToolbar query=d_query testid="decisions"
            order=(d_order, d_orders, "Sắp xếp", "Order")
            shown=Signal::derive(move || shown_decisions.with(Vec::len))
            total=Signal::derive(move || decisions.get()) />
        <div class="cards" data-testid="decisions">
            <For each=move || shown_decisions.get() key=|id| id.clone() let:id>
                <DecisionCard id=id />
            </For>
        </div>
        <EmptyNote count=decisions vi="Chưa có quyết định nào." en="No decisions yet." />
    }
}

#[component]
fn ProposalCard(id: String) -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, cluster, ctx) = (ov.office, ov.cluster, ov.ctx);
    let pid = StoredValue::new(id.clone());
    let proposal = record_memo(office, &id, |o| &o.proposals);
    let subject = move || {
        proposal
            .get()
            .map(|p| office.with(|o| subject_of(o, &p)))
            .unwrap_or_default()
    };
    let collective = proposal
        .get_untracked()
        .is_some_and(|p| p.person_id.is_none());
    // The decisions granting it, with the days it took.
    let granted = move || {
        let l = lang.get();
        office.with(|o| {
            pid.with_value(|p| {
                let proposal = o.proposals.get(p);
                o.decisions
                    .values()
                    .filter(|d| d.proposal_ids.iter().any(|x| x == p))
                    .map(|d| {
                        let days = match proposal.and_then(|x| days_to_decision(x, d)) {
                            Some(n) => format!(
                                " — {n} {}",
                                tr(l, "ngày sau tờ trình", "days after the proposal")
                            ),
                            None => String::new(),
                        };
                        format!(
                            "{} {} {} {}{days}",
                            tr(l, "Đã có quyết định", "Granted by"),
                            number_or_draft(&d.number),
                            tr(l, "ngày", "of"),
                            show_date(d.date.as_ref())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        })
    };
    // Who awards the title, for this office at the proposal's date: the
    // National Assembly Office before the office merger, the province after.
    let awarded_by = move || {
        let l = lang.get();
        let p = proposal.get()?;
        let title = p.title?;
        let date = p
            .date
            .as_ref()
            .and_then(|d| d.date())
            .or_else(|| (p.year > 0).then(|| Date::last_of_year(p.year)))?;
        let system = office.with(|o| {
            cluster.with(|c| {
                c.members
                    .get(&o.office_code)
                    .map_or(AwardingSystem::Province, |m| m.awarding_system(date))
            })
        });
        Some(match l {
            Lang::Vi => format!(
                "{} — cấp khen: {}",
                system.title_name_vi(title),
                system.name_vi()
            ),
            Lang::En => format!(
                "{} — awarded by {}",
                system.title_name_en(title),
                system.name_en()
            ),
        })
    };
    let system = ov.system;
    let titles = Signal::derive(move || title_opts_or_none(titles_for(collective), system.get()));
    let path = vec!["proposals".to_string(), id.clone()];
    let what = format!(
        "Tờ trình {}",
        proposal
            .get_untracked()
            .map(|p| number_or_draft(&p.number))
            .unwrap_or_default()
    );
    view! {
        <div class="card" data-testid=format!("proposal-{id}") data-number=move || proposal.get().map(|p| p.number).unwrap_or_default()
            data-date=move || proposal.get().and_then(|p| p.date).map(|d| d.0).unwrap_or_default()>
            <div class="card-head">
                <div>
                    <strong>{move || proposal.get().map(|p| number_or_draft(&p.number)).unwrap_or_default()}</strong>
                    " · "{subject}" · "{move || proposal.get().map(|p| show_date(p.date.as_ref())).unwrap_or_default()}
                    <div class="muted small" data-testid="proposal-awarded-by">{awarded_by}</div>
                    <div class="ok small" data-testid="proposal-granted">{granted}</div>
                </div>
                <DeleteButton ctx=ctx path=vec!["proposals".to_string()] id=id.clone() summary=format!("Xoá {}", shared::domain::lower_first(&what)) testid="proposal-delete" />
            </div>
            <details>
                <summary>{move || tr(lang.get(), "Chi tiết", "Details")}</summary>
                <div class="fields">
                    <Field ctx=ctx path=path.clone() key="number" kind=Kind::Text vi="Số" en="Number" testid=format!("proposal-{id}-number") what=what.clone() />
                    <Field ctx=ctx path=path.clone() key="date" kind=Kind::Date vi="Ngày" en="Date" testid=format!("proposal-{id}-date") what=what.clone() />
                    <Field ctx=ctx path=path.clone() key="signer" kind=Kind::Text vi="Người ký" en="Signer" testid=format!("proposal-{id}-signer") what=what.clone() />
                    <Field ctx=ctx path=path.clone() key="year" kind=Kind::Year vi="Năm thành tích" en="Year of achievements" testid=format!("proposal-{id}-year") what=what.clone() />
                    <Field ctx=ctx path=path.clone() key="title" kind=Kind::Choice(titles) vi="Danh hiệu" en="Title" testid=format!("proposal-{id}-title") what=what.clone() />
                    <Field ctx=ctx path=path.clone() key="award" kind=Kind::Text vi="Hình thức khác" en="Other award" testid=format!("proposal-{id}-award") what=what.clone() />
                    <Field ctx=ctx path=path.clone() key="awardKind" kind=Kind::Choice(Signal::derive(award_kind_opts)) vi="Loại khen thưởng" en="Kind of award" testid=format!("proposal-{id}-kind") what=what.clone()
                        hint=("Khen thưởng đột xuất, chuyên đề không làm căn cứ khen thưởng theo công trạng.", "Ad-hoc and themed awards are not a basis for merit awards.") />
                    {collective.then(|| view! {
                        <Field ctx=ctx path=path.clone() key="subjectName" kind=Kind::Text vi="Tên tập thể" en="Collective's name" testid=format!("proposal-{id}-subject") what=what.clone() />
                    })}
                    <Field ctx=ctx path=path.clone() key="note" kind=Kind::Text vi="Ghi chú" en="Note" testid=format!("proposal-{id}-note") what=what.clone() />
                </div>
            </details>
            <DossierView id=id.clone() />
        </div>
    }
}

/// Proposal choices for a decision: (id, "12/TTr-VP — Ông Nguyễn Văn An").
/// The proposals of `year` no decision grants yet, newest first, as
/// (id, "number — subject"): what a new decision can pick from.
fn proposal_choices(o: &shared::schema::OfficeDoc, year: i32) -> Vec<(String, String)> {
    ids_newest_first(&o.proposals, |p| p.date.as_ref())
        .into_iter()
        .filter(|id| o.proposals[id].year == year && !lists::is_decided(o, id))
        .map(|id| {
            let p = &o.proposals[&id];
            let label = format!("{} — {}", number_or_draft(&p.number), subject_of(o, p));
            (id, label)
        })
        .collect()
}

#[component]
fn AddDecision() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, ctx, year) = (ov.office, ov.ctx, ov.year);
    let number = RwSignal::new(String::new());
    let date = RwSignal::new(today().to_string());
    let signer = RwSignal::new(String::new());
    let citation = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let problems = RwSignal::new(Vec::<Problem>::new());
    let add = move || {
        let d = parse_date(&date.get_untracked()).ok_or_else(|| vec![date_problem()])?;
        let dec = Decision {
            number: number.get_untracked().trim().to_string(),
            date: Some(d.into()),
            signer: signer.get_untracked().trim().to_string(),
            citation: citation.get_untracked().trim().to_string(),
            proposal_ids: chosen.get_untracked(),
        };
        save(
            drv,
            ctx.doc,
            &format!("Quyết định khen thưởng {}", number_or_draft(&dec.number)),
            |tx| put_entry(tx, &["decisions"], &new_id("qd"), &dec),
        )?;
        number.set(String::new());
        citation.set(String::new());
        chosen.set(Vec::new());
        Ok(())
    };
    view! {
        <AddForm testid="decision" problems=problems keys=&["number", "date", "signer", "citation", "proposalIds"]
            button=("Thêm quyết định", "Add decision") on_add=add>
            <div class="fields">
                <TextInput value=number vi="Số quyết định" en="Number" testid="decision-number-input" placeholder="123/QĐ-UBND" error=error_for(lang, problems, "number") />
                <TextInput value=date vi="Ngày" en="Date" testid="decision-date-input" placeholder="dd/mm/yyyy" error=error_for(lang, problems, "date") />
                <TextInput value=signer vi="Người ký" en="Signer" testid="decision-signer-input" placeholder="Chủ tịch UBND tỉnh" error=error_for(lang, problems, "signer") />
                <TextInput value=citation vi="Nội dung khen thưởng" en="Citation" testid="decision-citation-input" area=true error=error_for(lang, problems, "citation") />
            </div>
            <fieldset class="proposal-picks">
                <legend>{move || tr(lang.get(), "Khen thưởng theo tờ trình", "Grants the proposals")}</legend>
                {move || office.with(|o| proposal_choices(o, year.get())).into_iter().map(|(id, label)| {
                    let id2 = id.clone();
                    view! {
                        <label class="check">
                            <input type="checkbox" data-testid=format!("decision-pick-{id}")
                                prop:checked=move || chosen.get().contains(&id)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| { c.retain(|x| *x != id2); if on { c.push(id2.clone()); } });
                                } />
                            {label}
                        </label>
                    }
                }).collect_view()}
                {move || error_for(lang, problems, "proposalIds").get().map(|e| view! { <div class="field-error" role="alert">{e}</div> })}
            </fieldset>
        </AddForm>
    }
}

#[component]
fn DecisionCard(id: String) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, ctx, year) = (ov.office, ov.ctx, ov.year);
    let did = StoredValue::new(id.clone());
    let decision = record_memo(office, &id, |o| &o.decisions);
    let error = RwSignal::new(None::<String>);
    // Linked proposals with the days from each to the decision.
    let links = move || {
        let l = lang.get();
        let Some(d) = decision.get() else {
            return Vec::new();
        };
        office.with(|o| {
            d.proposal_ids
                .iter()
                .map(|pid| match o.proposals.get(pid) {
                    Some(p) => {
                        let days = days_to_decision(p, &d);
                        let days_text = match (days, l) {
                            (Some(n), Lang::Vi) => format!("{n} ngày từ tờ trình đến quyết định"),
                            (Some(n), Lang::En) => format!("{n} days from proposal to decision"),
                            (None, _) => tr(l, "chưa có ngày", "date missing").to_string(),
                        };
                        (
                            pid.clone(),
                            format!(
                                "{} ({}) — {}",
                                number_or_draft(&p.number),
                                subject_of(o, p),
                                show_date(p.date.as_ref())
                            ),
                            days_text,
                            days,
                        )
                    }
                    None => (
                        pid.clone(),
                        tr(l, "(tờ trình đã bị xoá)", "(proposal deleted)").to_string(),
                        String::new(),
                        None,
                    ),
                })
                .collect::<Vec<_>>()
        })
    };
    let toggle = move |pid: String, on: bool| {
        let Some(d) = decision.get_untracked() else {
            return;
        };
        let mut ids = d.proposal_ids.clone();
        ids.retain(|x| *x != pid);
        if on {
            ids.push(pid);
        }
        let id = did.get_value();
        let r = save(
            drv,
            ctx.doc,
            &format!(
                "Quyết định {}: sửa danh sách tờ trình",
                number_or_draft(&d.number)
            ),
            |tx| put_field(tx, &["decisions", id.as_str()], "proposalIds", &ids),
        );
        error.set(refusal_text(lang.get_untracked(), r));
    };
    // Proposals not linked yet (a memo: the select is rebuilt only when they change).
    let others = Memo::new(move |_| {
        let linked = decision.get().map(|d| d.proposal_ids).unwrap_or_default();
        office
            .with(|o| proposal_choices(o, year.get()))
            .into_iter()
            .filter(|(p, _)| !linked.contains(p))
            .collect::<Vec<(String, String)>>()
    });
    let path = vec!["decisions".to_string(), id.clone()];
    let what = format!(
        "Quyết định {}",
        decision
            .get_untracked()
            .map(|d| number_or_draft(&d.number))
            .unwrap_or_default()
    );
    view! {
        <div class="card" data-testid=format!("decision-{id}") data-number=move || decision.get().map(|d| d.number).unwrap_or_default()>
            <div class="card-head">
                <div>
                    <strong>{move || decision.get().map(|d| number_or_draft(&d.number)).unwrap_or_default()}</strong>
                    " · "{move || decision.get().map(|d| show_date(d.date.as_ref())).unwrap_or_default()}
                    " · "{move || decision.get().map(|d| d.signer).unwrap_or_default()}
                </div>
                <DeleteButton ctx=ctx path=vec!["decisions".to_string()] id=id.clone() summary=format!("Xoá {}", shared::domain::lower_first(&what)) testid="decision-delete" />
            </div>
            <ul class="links">
                {move || links().into_iter().map(|(pid, label, days_text, days)| {
                    let pid2 = pid.clone();
                    view! {
                        <li data-testid=format!("decision-link-{pid}") data-days=days.map(|d| d.to_string()).unwrap_or_default()>
                            {label}" → "<strong data-testid="decision-days">{days_text}</strong>
                            {move || ctx.editable.get().then(|| {
                                let pid2 = pid2.clone();
                                view! { <button type="button" class="small" on:click=move |_| toggle(pid2.clone(), false)>{move || tr(lang.get(), "Bỏ liên kết", "Unlink")}</button> }
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || ctx.editable.get().then(|| {
                let others = others.get();
                (!others.is_empty()).then(|| view! {
                    <label class="field">
                        <span class="label">{move || tr(lang.get(), "Liên kết thêm tờ trình", "Link another proposal")}</span>
                        <select data-testid=format!("decision-{}-link", did.get_value()) on:change=move |ev| { let v = event_target_value(&ev); if !v.is_empty() { toggle(v, true) } }>
                            <option value="">{move || tr(lang.get(), "— chọn —", "— choose —")}</option>
                            {others.into_iter().map(|(p, label)| view! { <option value=p>{label}</option> }).collect_view()}
                        </select>
                    </label>
                })
            })}
            <details>
                <summary>{move || tr(lang.get(), "Chi tiết", "Details")}</summary>
                <div class="fields">
                    <Field ctx=ctx path=path.clone() key="number" kind=Kind::Text vi="Số" en="Number" testid=format!("decision-{id}-number") what=what.clone() />
                    <Field ctx=ctx path=path.clone() key="date" kind=Kind::Date vi="Ngày" en="Date" testid=format!("decision-{id}-date") what=what.clone() />
                    <Field ctx=ctx path=path.clone() key="signer" kind=Kind::Text vi="Người ký" en="Signer" testid=format!("decision-{id}-signer") what=what.clone() />
                    <Field ctx=ctx path=path.clone() key="citation" kind=Kind::Area vi="Nội dung khen thưởng" en="Citation" testid=format!("decision-{id}-citation") what=what.clone() />
                </div>
            </details>
            <ErrorNote error=error />
        </div>
    }
}

/// Regular, ad-hoc or themed (no "none": a proposal is always one of them).
fn award_kind_opts() -> Vec<Opt> {
    [AwardKind::Regular, AwardKind::AdHoc, AwardKind::Themed]
        .iter()
        .map(|k| {
            let vi = format!("Khen thưởng {}", k.name_vi());
            let en = format!("{} award", k.name_en());
            Opt::new(k.code(), &vi, &en)
        })
        .collect()
}
