//! Inspections and surveys hosted by the office (kiểm tra, khảo sát): date,
//! visiting team, findings, and the shortcomings (hạn chế) and
//! recommendations (kiến nghị) found, each with its follow-up status.

use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::lists::{InspectionShow, ListChoice};
use shared::schema::write::put_entry;
use shared::schema::{FollowUp, FollowUpStatus, Inspection, OfficeDoc};

use super::cluster_inspections::OfficeClusterInspections;
use super::form::{
    AddForm, DeleteButton, Field, FormProblems, Kind, Problem, TextInput, date_problem, error_for,
    follow_up_opts, new_id, opt_label, parse_date, save, show_date, submit_add, today,
};
use super::list_filter::list_choice;
use super::office::use_office;
use super::records::EmptyNote;
use super::use_driver;
use crate::i18n::{tr, use_lang};
use shared::schema::value::TextCode;

#[component]
pub fn InspectionsPage() -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, ctx, year) = (ov.office, ov.ctx, ov.year);
    let total = Memo::new(move |_| office.with(|o| o.inspections.len()));
    let query = RwSignal::new(String::new());
    let (show, show_opts) = list_choice::<InspectionShow>();
    let shown = Memo::new(move |_| {
        let (q, y) = (query.get(), year.get());
        let show = InspectionShow::from_code(&show.get());
        office.with(|o| shared::lists::inspections(o, y, show, &q))
    });
    view! {
        <h3>{move || tr(lang.get(), "Các đợt kiểm tra, khảo sát tại đơn vị", "Inspections and surveys at the office")}</h3>
        {move || ctx.editable.get().then(|| view! { <AddInspection /> })}
        <super::list_filter::ListToolbar query=query testid="inspections"
            choice=(show, show_opts, "Lọc các đợt kiểm tra", "Filter inspections")
            shown=Signal::derive(move || shown.with(Vec::len))
            total=Signal::derive(move || total.get()) />
        <For each=move || shown.get() key=|id| id.clone() let:id>
            <InspectionCard id=id />
        </For>
        <EmptyNote count=total vi="Chưa có đợt kiểm tra nào." en="No inspections yet." />
        <OfficeClusterInspections />
    }
}

#[component]
fn AddInspection() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let date = RwSignal::new(today().to_string());
    let team = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<Problem>::new());
    let add = move || {
        let d = parse_date(&date.get_untracked()).ok_or_else(|| vec![date_problem()])?;
        let t = team.get_untracked().trim().to_string();
        if t.is_empty() {
            return Err(vec![Problem::at(
                "team",
                "Cần ghi đoàn kiểm tra (ai, từ đơn vị nào).",
                "Name the visiting team.",
            )]);
        }
        let insp = Inspection {
            date: Some(d.into()),
            team: t,
            ..Inspection::default()
        };
        save(
            drv,
            ov.ctx.doc,
            &format!("Thêm đợt kiểm tra ngày {d}"),
            |tx| put_entry(tx, &["inspections"], &new_id("k"), &insp),
        )?;
        team.set(String::new());
        Ok(())
    };
    view! {
        <AddForm testid="inspection" problems=problems keys=&["date", "team"] button=("Thêm đợt kiểm tra", "Add inspection") on_add=add>
            <div class="fields">
                <TextInput value=date vi="Ngày kiểm tra" en="Date" testid="inspection-date-input" placeholder="dd/mm/yyyy" error=error_for(lang, problems, "date") />
                <TextInput value=team vi="Đoàn kiểm tra" en="Visiting team" testid="inspection-team-input" error=error_for(lang, problems, "team") />
            </div>
        </AddForm>
    }
}

#[component]
fn InspectionCard(id: String) -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, ctx) = (ov.office, ov.ctx);
    let iid = StoredValue::new(id.clone());
    let date = move || {
        office.with(|o| {
            iid.with_value(|i| {
                o.inspections
                    .get(i)
                    .map(|x| show_date(x.date.as_ref()))
                    .unwrap_or_default()
            })
        })
    };
    let path = vec!["inspections".to_string(), id.clone()];
    let what = format!("Đợt kiểm tra ngày {}", date());
    view! {
        <div class="card" data-testid=format!("inspection-{id}")
            data-team=move || office.with(|o| iid.with_value(|i| o.inspections.get(i).map(|x| x.team.clone()).unwrap_or_default()))>
            <div class="card-head">
                <strong>{move || format!("{} {}", tr(lang.get(), "Đợt kiểm tra ngày", "Inspection of"), date())}</strong>
                <DeleteButton ctx=ctx path=vec!["inspections".to_string()] id=id.clone() summary=format!("Xoá đợt kiểm tra ngày {}", date()) testid="inspection-delete" />
            </div>
            <div class="fields">
                <Field ctx=ctx path=path.clone() key="date" kind=Kind::Date vi="Ngày" en="Date" testid=format!("inspection-{id}-date") what=what.clone() />
                <Field ctx=ctx path=path.clone() key="team" kind=Kind::Text vi="Đoàn kiểm tra" en="Team" testid=format!("inspection-{id}-team") what=what.clone() />
                <Field ctx=ctx path=path.clone() key="findings" kind=Kind::Area vi="Kết quả đạt được" en="Findings" testid=format!("inspection-{id}-findings") what=what.clone() />
            </div>
            <FollowUps inspection=id.clone() key="shortcomings" />
            <FollowUps inspection=id.clone() key="recommendations" />
        </div>
    }
}

/// The shortcomings or the recommendations (`key`) of the inspection `id`.
fn follow_ups<'a>(o: &'a OfficeDoc, id: &str, key: &str) -> Option<&'a BTreeMap<String, FollowUp>> {
    let x = o.inspections.get(id)?;
    Some(if key == "shortcomings" {
        &x.shortcomings
    } else {
        &x.recommendations
    })
}

/// The shortcomings or recommendations of an inspection, with follow-up.
#[component]
fn FollowUps(inspection: String, key: &'static str) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, ctx) = (ov.office, ov.ctx);
    let (head_vi, head_en, add_vi, add_en, one_vi) = if key == "shortcomings" {
        (
            "Hạn chế",
            "Shortcomings",
            "Thêm hạn chế",
            "Add shortcoming",
            "hạn chế",
        )
    } else {
        (
            "Kiến nghị",
            "Recommendations",
            "Thêm kiến nghị",
            "Add recommendation",
            "kiến nghị",
        )
    };
    let insp = StoredValue::new(inspection.clone());
    let ids = Memo::new(move |_| {
        office.with(|o| {
            insp.with_value(|i| {
                follow_ups(o, i, key)
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            })
        })
    });
    let summary = move || {
        let l = lang.get();
        office.with(|o| {
            insp.with_value(|i| {
                let Some(m) = follow_ups(o, i, key) else {
                    return String::new();
                };
                let done = m
                    .values()
                    .filter(|f| f.status == FollowUpStatus::Done)
                    .count();
                format!("{done}/{} {}", m.len(), tr(l, "đã hoàn thành", "done"))
            })
        })
    };
    let text = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<Problem>::new());
    let add = move || {
        let t = text.get_untracked().trim().to_string();
        if t.is_empty() {
            return Err(vec![Problem::at(
                "text",
                "Cần ghi nội dung.",
                "Write what it is.",
            )]);
        }
        let f = FollowUp {
            text: t.clone(),
            ..FollowUp::default()
        };
        let i = insp.get_value();
        save(
            drv,
            ctx.doc,
            &format!("Thêm {one_vi}: {}", t.chars().take(60).collect::<String>()),
            |tx| put_entry(tx, &["inspections", i.as_str(), key], &new_id("f"), &f),
        )?;
        text.set(String::new());
        Ok(())
    };
    let status_text = move |fid: &str| {
        office.with(|o| {
            insp.with_value(|i| {
                follow_ups(o, i, key)
                    .and_then(|m| m.get(fid))
                    .map(|f| opt_label(&follow_up_opts(), f.status.code(), lang.get()))
            })
        })
    };
    view! {
        <h4>{move || tr(lang.get(), head_vi, head_en)}" "<span class="muted small">{summary}</span></h4>
        <For each=move || ids.get() key=|f| f.clone() let:fid>
            {
                let path = vec!["inspections".to_string(), insp.get_value(), key.to_string(), fid.clone()];
                // The history names the item by its text.
                let what = office
                    .with_untracked(|o| {
                        insp.with_value(|i| {
                            follow_ups(o, i, key).and_then(|m| m.get(&fid)).map(|f| {
                                format!("{head_vi}: {}", f.text.chars().take(60).collect::<String>())
                            })
                        })
                    })
                    .unwrap_or_else(|| head_vi.to_string());
                let fid2 = fid.clone();
                view! {
                    <div class="fields sub-record" data-testid=format!("{key}-{fid}") data-status=move || status_text(&fid2)>
                        <Field ctx=ctx path=path.clone() key="text" kind=Kind::Area vi="Nội dung" en="Text" testid=format!("{key}-{fid}-text") what=what.clone() />
                        <Field ctx=ctx path=path.clone() key="status" kind=Kind::Choice(Signal::derive(follow_up_opts)) vi="Tình trạng" en="Status" testid=format!("{key}-{fid}-status") what=what.clone() />
                        <Field ctx=ctx path=path.clone() key="note" kind=Kind::Text vi="Kết quả khắc phục" en="What was done" testid=format!("{key}-{fid}-note") what=what.clone() />
                        <Field ctx=ctx path=path.clone() key="dueDate" kind=Kind::Date vi="Hạn thực hiện" en="Due" testid=format!("{key}-{fid}-due") what=what.clone() />
                        <Field ctx=ctx path=path.clone() key="doneOn" kind=Kind::Date vi="Ngày hoàn thành" en="Done on" testid=format!("{key}-{fid}-done") what=what.clone() />
                        <DeleteButton ctx=ctx path=vec!["inspections".to_string(), insp.get_value(), key.to_string()] id=fid.clone()
                            summary=format!("Xoá {one_vi}") testid=format!("{key}-{fid}-delete") />
                    </div>
                }
            }
        </For>
        {move || ctx.editable.get().then(|| view! {
            <form class="inline-add" on:submit=submit_add(problems, add)>
                <TextInput value=text vi=add_vi en=add_en testid=format!("{key}-input") error=error_for(lang, problems, "text") />
                <button type="submit" class="small" data-testid=format!("{key}-add")>{move || tr(lang.get(), add_vi, add_en)}</button>
                <FormProblems problems=problems keys=&["text"] testid=format!("{key}-add-error") />
            </form>
        })}
    }
}
