//! Inspections the cluster owns (kiểm tra của Cụm): on the cluster set-up
//! page the leader plans them (which office, when, who) and records the
//! team's findings, conclusion, shortcomings and recommendations; on the
//! inspected office's page they show read-only, and the office records
//! its follow-up of each item in its own document.

use leptos::prelude::*;
use shared::schema::value::TextCode;
use shared::schema::write::put_entry;
use shared::schema::{
    ClusterDoc, ClusterInspection, DateText, InspectionItem, InspectionItemKind, follow_up_key,
};

use super::form::{
    DocCtx, ErrorNote, Field, Kind, Opt, SelectInput, TextInput, follow_up_opts, new_id,
    parse_date, refusal_text, save, show_date,
};
use super::office::use_office;
use super::use_driver;
use crate::i18n::{Lang, tr, use_lang};

fn kind_name(kind: InspectionItemKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (InspectionItemKind::Shortcoming, Lang::Vi) => "Hạn chế",
        (InspectionItemKind::Shortcoming, Lang::En) => "Shortcoming",
        (InspectionItemKind::Recommendation, Lang::Vi) => "Kiến nghị",
        (InspectionItemKind::Recommendation, Lang::En) => "Recommendation",
    }
}

/// An optional date typed dd/mm/yyyy: empty is none, anything else must parse.
fn optional_date(text: &str) -> Result<Option<DateText>, ()> {
    match text.trim() {
        "" => Ok(None),
        t => parse_date(t).map(|d| Some(d.into())).ok_or(()),
    }
}

fn date_message(l: Lang) -> String {
    tr(
        l,
        "Ngày phải có dạng dd/mm/yyyy.",
        "Dates look like dd/mm/yyyy.",
    )
    .into()
}

/// The cluster's inspections, by date.
fn ordered(c: &ClusterDoc, office: Option<&str>) -> Vec<String> {
    let mut v: Vec<(Option<String>, &String)> = c
        .inspections
        .iter()
        .filter(|(_, i)| office.is_none_or(|o| i.office == o))
        .map(|(id, i)| (i.date.as_ref().map(|d| d.0.clone()), id))
        .collect();
    v.sort();
    v.into_iter().map(|(_, id)| id.clone()).collect()
}

/// The leader's plan and conclusions (cluster set-up page).
#[component]
pub fn ClusterInspections(ctx: DocCtx, cluster: Memo<ClusterDoc>) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ids = Memo::new(move |_| cluster.with(|c| ordered(c, None)));
    let office = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let team = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let offices = Signal::derive(move || {
        let mut v = vec![Opt::new("", "— chọn đơn vị —", "— choose an office —")];
        cluster.with(|c| {
            v.extend(
                c.members
                    .values()
                    .filter(|m| m.valid_until.is_none())
                    .map(|m| Opt::named(&m.code, &m.name)),
            );
        });
        v
    });
    let add = move |_| {
        let l = lang.get_untracked();
        let code = office.get_untracked();
        if code.is_empty() {
            error.set(Some(
                tr(
                    l,
                    "Hãy chọn đơn vị được kiểm tra.",
                    "Choose the office inspected.",
                )
                .into(),
            ));
            return;
        }
        let Ok(when) = optional_date(&date.get_untracked()) else {
            error.set(Some(date_message(l)));
            return;
        };
        let insp = ClusterInspection {
            office: code.clone(),
            date: when,
            team: team.get_untracked().trim().to_string(),
            ..ClusterInspection::default()
        };
        let r = save(
            drv,
            ctx.doc,
            &format!("Kế hoạch kiểm tra đơn vị {code}"),
            |tx| put_entry(tx, &["inspections"], &new_id("kt"), &insp),
        );
        if r.is_ok() {
            team.set(String::new());
            date.set(String::new());
        }
        error.set(refusal_text(l, r));
    };
    view! {
        <div data-testid="cluster-inspections">
            {move || ctx.editable.get().then(|| view! {
                <div class="card">
                    <div class="fields">
                        <SelectInput value=office vi="Đơn vị được kiểm tra" en="Office inspected" testid="cinsp-office-input" options=offices />
                        <TextInput value=date vi="Ngày kiểm tra" en="Date" testid="cinsp-date-input" placeholder="12/06/2026" error=Signal::derive(|| None::<String>) />
                        <TextInput value=team vi="Đoàn kiểm tra" en="Team" testid="cinsp-team-input" error=Signal::derive(|| None::<String>) />
                    </div>
                    <button type="button" class="primary" data-testid="cinsp-add" on:click=add>{move || tr(lang.get(), "Thêm vào kế hoạch kiểm tra", "Add to the plan")}</button>
                    <ErrorNote error=error />
                </div>
            })}
            <For each=move || ids.get() key=|id| id.clone() let:id>
                <ClusterInspectionCard id=id ctx=ctx cluster=cluster />
            </For>
        </div>
    }
}

#[component]
fn ClusterInspectionCard(id: String, ctx: DocCtx, cluster: Memo<ClusterDoc>) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let iid = StoredValue::new(id.clone());
    let insp =
        Memo::new(move |_| cluster.with(|c| iid.with_value(|i| c.inspections.get(i).cloned())));
    let head = move || {
        insp.get()
            .map(|i| {
                let name = cluster.with(|c| {
                    c.members
                        .get(&i.office)
                        .map_or_else(|| i.office.clone(), |m| m.name.clone())
                });
                format!("{name} — {} — {}", show_date(i.date.as_ref()), i.team)
            })
            .unwrap_or_default()
    };
    let kind = RwSignal::new("recommendation".to_string());
    let text = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let kinds = Signal::derive(|| {
        vec![
            Opt::new("recommendation", "Kiến nghị", "Recommendation"),
            Opt::new("shortcoming", "Hạn chế", "Shortcoming"),
        ]
    });
    let add_item = move |_| {
        let l = lang.get_untracked();
        let t = text.get_untracked().trim().to_string();
        if t.is_empty() {
            error.set(Some(
                tr(l, "Hãy nhập nội dung.", "Write what it says.").into(),
            ));
            return;
        }
        let Ok(due_date) = optional_date(&due.get_untracked()) else {
            error.set(Some(date_message(l)));
            return;
        };
        let item = InspectionItem {
            kind: InspectionItemKind::from_code(&kind.get_untracked())
                .unwrap_or(InspectionItemKind::Recommendation),
            text: t,
            due_date,
        };
        let id = iid.get_value();
        let r = save(
            drv,
            ctx.doc,
            &format!("Kết luận kiểm tra: {}", item.text),
            |tx| {
                put_entry(
                    tx,
                    &["inspections", id.as_str(), "items"],
                    &new_id("kn"),
                    &item,
                )
            },
        );
        if r.is_ok() {
            text.set(String::new());
            due.set(String::new());
        }
        error.set(refusal_text(l, r));
    };
    let path = vec!["inspections".to_string(), id.clone()];
    // The history names the inspection by office and date, not by its id.
    let what = cluster.with_untracked(|c| {
        c.inspections.get(&id).map_or_else(
            || "Đợt kiểm tra của Cụm".to_string(),
            |i| {
                let name = c
                    .members
                    .get(&i.office)
                    .map_or_else(|| i.office.clone(), |m| m.name.clone());
                match i.date.as_ref() {
                    Some(d) => format!("Đợt kiểm tra {name} ngày {}", d.display_vi()),
                    None => format!("Đợt kiểm tra {name}"),
                }
            },
        )
    });
    view! {
        <div class="card" data-testid=format!("cinsp-{id}")>
            <div class="card-head"><strong data-testid="cinsp-head">{head}</strong></div>
            <div class="fields">
                <Field ctx=ctx path=path.clone() key="date" kind=Kind::Date vi="Ngày kiểm tra" en="Date" testid=format!("cinsp-{id}-date") what=what.clone() />
                <Field ctx=ctx path=path.clone() key="team" kind=Kind::Text vi="Đoàn kiểm tra" en="Team" testid=format!("cinsp-{id}-team") what=what.clone() />
                <Field ctx=ctx path=path.clone() key="findings" kind=Kind::Area vi="Kết quả đạt được" en="Results achieved" testid=format!("cinsp-{id}-findings") what=what.clone() />
                <Field ctx=ctx path=path.clone() key="conclusion" kind=Kind::Area vi="Kết luận của đoàn kiểm tra" en="The team's conclusion" testid=format!("cinsp-{id}-conclusion") what=what.clone() />
            </div>
            <ul data-testid="cinsp-items">
                {move || insp.get().map(|i| i.items.into_values().map(|item| {
                    let l = lang.get();
                    view! { <li>{format!("{}: {} {}", kind_name(item.kind, l), item.text, item.due_date.as_ref().map(|d| format!("(hạn {})", d.display_vi())).unwrap_or_default())}</li> }
                }).collect_view())}
            </ul>
            {move || ctx.editable.get().then(|| view! {
                <div class="fields">
                    <SelectInput value=kind vi="Loại" en="Kind" testid="cinsp-item-kind" options=kinds />
                    <TextInput value=text vi="Nội dung" en="Text" testid="cinsp-item-text" error=Signal::derive(|| None::<String>) />
                    <TextInput value=due vi="Hạn thực hiện" en="Due" testid="cinsp-item-due" placeholder="30/09/2026" error=Signal::derive(|| None::<String>) />
                </div>
                <button type="button" class="small" data-testid="cinsp-item-add" on:click=add_item>{move || tr(lang.get(), "Thêm hạn chế, kiến nghị", "Add an item")}</button>
            })}
            <ErrorNote error=error />
        </div>
    }
}

/// The cluster's inspections of this office, read-only, with the office's
/// follow-up of each item (office page).
#[component]
pub fn OfficeClusterInspections() -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (cluster, ctx) = (ov.cluster, ov.ctx);
    let code = StoredValue::new(ov.code.clone());
    let ids = Memo::new(move |_| cluster.with(|c| code.with_value(|o| ordered(c, Some(o)))));
    view! {
        <h3>{move || tr(lang.get(), "Kết luận kiểm tra của Cụm", "The cluster's inspections")}</h3>
        <For each=move || ids.get() key=|id| id.clone() let:id>
            {
                let iid = StoredValue::new(id.clone());
                let insp = Memo::new(move |_| cluster.with(|c| iid.with_value(|i| c.inspections.get(i).cloned())));
                view! {
                    <div class="card" data-testid=format!("office-cinsp-{id}")>
                        {move || insp.get().map(|i| {
                            let l = lang.get();
                            view! {
                                <div class="card-head"><strong>{format!("{} — {}", show_date(i.date.as_ref()), i.team)}</strong></div>
                                <p class="small"><strong>{tr(l, "Kết quả đạt được: ", "Results: ")}</strong>{i.findings.clone()}</p>
                                <p class="small" data-testid="office-cinsp-conclusion"><strong>{tr(l, "Kết luận: ", "Conclusion: ")}</strong>{i.conclusion.clone()}</p>
                            }
                        })}
                        <For each=move || insp.get().map(|i| i.items.into_iter().collect::<Vec<_>>()).unwrap_or_default() key=|(k, _)| k.clone() let:entry>
                            {
                                let (item_id, item) = entry;
                                let key = follow_up_key(&iid.get_value(), &item_id);
                                let path = vec!["inspectionFollowUps".to_string(), key.clone()];
                                let what = format!("Thực hiện kết luận kiểm tra: {}", item.text);
                                view! {
                                    <div class="follow-up" data-testid=format!("office-cinsp-item-{item_id}")>
                                        <div>{move || format!("{}: {}", kind_name(item.kind, lang.get()), item.text)}</div>
                                        <div class="fields">
                                            <Field ctx=ctx path=path.clone() key="status" kind=Kind::Choice(Signal::derive(follow_up_opts)) vi="Tình trạng thực hiện" en="Status" testid=format!("office-cinsp-{item_id}-status") what=what.clone() />
                                            <Field ctx=ctx path=path.clone() key="note" kind=Kind::Text vi="Kết quả thực hiện" en="What was done" testid=format!("office-cinsp-{item_id}-note") what=what.clone() />
                                            <Field ctx=ctx path=path.clone() key="doneOn" kind=Kind::Date vi="Ngày hoàn thành" en="Done on" testid=format!("office-cinsp-{item_id}-doneOn") what=what.clone() />
                                        </div>
                                    </div>
                                }
                            }
                        </For>
                    </div>
                }
            }
        </For>
        {move || ids.get().is_empty().then(|| view! {
            <p class="muted small">{move || tr(lang.get(), "Cụm chưa ghi kết luận kiểm tra nào cho đơn vị.", "The cluster has recorded no inspection of this office.")}</p>
        })}
    }
}
