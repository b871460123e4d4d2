//! Exemplary models board (gương điển hình tiên tiến): cards by stage,
//! found → nurtured → selected → introduced → registered → proposed
//! (phát hiện → bồi dưỡng → lựa chọn → giới thiệu → đăng ký → đề nghị khen
//! thưởng). Moving a card to the next stage records the date.

use leptos::prelude::*;
use shared::schema::value::TextCode;
use shared::schema::write::{put_entry, put_field};
use shared::schema::{ExemplaryModel, ModelStage, StageDates};

use super::form::{
    AddForm, COLLECTIVE, DeleteButton, ErrorNote, Field, Kind, Opt, Problem, SelectInput,
    TextInput, error_for, new_id, refusal_text, save, today,
};
use super::office::{person_name, subject_opts, use_office};
use super::records::record_memo;
use super::use_driver;
use crate::i18n::{Lang, tr, use_lang};

fn stage_name(stage: ModelStage, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => stage.name_vi(),
        Lang::En => stage.name_en(),
    }
}

fn next_stage(stage: ModelStage) -> Option<ModelStage> {
    let all = ModelStage::ALL;
    let i = all.iter().position(|s| *s == stage)?;
    all.get(i + 1).copied()
}

#[component]
pub fn ModelsPage() -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, ctx) = (ov.office, ov.ctx);
    let query = RwSignal::new(String::new());
    let found = Memo::new(move |_| {
        let q = query.get();
        office.with(|o| shared::lists::models(o, &q))
    });
    let total = Memo::new(move |_| office.with(|o| o.exemplary_models.len()));
    let columns = ModelStage::ALL
        .iter()
        .map(|stage| {
            let stage = *stage;
            let ids = Memo::new(move |_| {
                office.with(|o| {
                    found
                        .get()
                        .into_iter()
                        .filter(|id| o.exemplary_models.get(id).is_some_and(|m| m.stage == stage))
                        .collect::<Vec<_>>()
                })
            });
            view! {
                <div class="column" data-testid=format!("stage-{}", stage.code())>
                    <h4>{move || stage_name(stage, lang.get())}" "<span class="muted small">{move || ids.get().len()}</span></h4>
                    <For each=move || ids.get() key=|id| id.clone() let:id>
                        <ModelCard id=id />
                    </For>
                </div>
            }
        })
        .collect_view();
    view! {
        <h3>{move || tr(lang.get(), "Phát hiện, bồi dưỡng, nhân rộng gương điển hình", "Finding, nurturing and spreading exemplary models")}</h3>
        {move || ctx.editable.get().then(|| view! { <AddModel /> })}
        <super::list_filter::ListToolbar query=query testid="models"
            shown=Signal::derive(move || found.with(Vec::len))
            total=Signal::derive(move || total.get()) />
        <div class="board" data-testid="models-board">{columns}</div>
    }
}

#[component]
fn AddModel() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, year) = (ov.office, ov.year);
    let subject = RwSignal::new(COLLECTIVE.to_string());
    let collective = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<Problem>::new());
    let subjects = Signal::derive(move || {
        let first = vec![Opt::new(
            COLLECTIVE,
            "Tập thể (ghi tên)",
            "A collective (name it)",
        )];
        office.with(|o| subject_opts(first, o, year.get()))
    });
    let add = move || {
        let s = subject.get_untracked();
        let person_id = (s != COLLECTIVE).then_some(s);
        let name = collective.get_untracked().trim().to_string();
        if person_id.is_none() && name.is_empty() {
            return Err(vec![Problem::at(
                "collectiveName",
                "Hãy chọn một cá nhân hoặc ghi tên tập thể.",
                "Choose a person or name the collective.",
            )]);
        }
        let who = match &person_id {
            Some(p) => office.with_untracked(|o| person_name(o, p)),
            None => name.clone(),
        };
        let model = ExemplaryModel {
            person_id,
            collective_name: name,
            description: description.get_untracked().trim().to_string(),
            stage: ModelStage::Found,
            stage_dates: StageDates {
                found: Some(today().into()),
                ..StageDates::default()
            },
            proposal_id: None,
        };
        save(
            drv,
            ov.ctx.doc,
            &format!("Phát hiện gương điển hình: {who}"),
            |tx| put_entry(tx, &["exemplaryModels"], &new_id("m"), &model),
        )?;
        collective.set(String::new());
        description.set(String::new());
        Ok(())
    };
    view! {
        <AddForm testid="model" problems=problems keys=&["collectiveName", "description"] button=("Thêm gương điển hình", "Add exemplary model") on_add=add>
            <div class="fields">
                <SelectInput value=subject vi="Cá nhân / tập thể" en="Person / collective" testid="model-subject-input" options=subjects />
                {move || (subject.get() == COLLECTIVE).then(|| view! {
                    <TextInput value=collective vi="Tên tập thể" en="Collective's name" testid="model-collective-input" error=error_for(lang, problems, "collectiveName") />
                })}
                <TextInput value=description vi="Thành tích, việc làm tiêu biểu" en="Achievements" testid="model-description-input" area=true error=error_for(lang, problems, "description") />
            </div>
        </AddForm>
    }
}

#[component]
fn ModelCard(id: String) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, ctx) = (ov.office, ov.ctx);
    let mid = StoredValue::new(id.clone());
    let model = record_memo(office, &id, |o| &o.exemplary_models);
    let name = move || {
        model
            .get()
            .map(|m| match &m.person_id {
                Some(p) => office.with(|o| person_name(o, p)),
                None => m.collective_name.clone(),
            })
            .unwrap_or_default()
    };
    let error = RwSignal::new(None::<String>);
    let advance = move |_| {
        let Some(m) = model.get_untracked() else {
            return;
        };
        let Some(next) = next_stage(m.stage) else {
            return;
        };
        let id = mid.get_value();
        let date = shared::schema::DateText::from(today());
        let who = name();
        let result = save(
            drv,
            ctx.doc,
            &format!(
                "Gương điển hình {who}: chuyển sang bước \"{}\"",
                next.name_vi()
            ),
            |tx| {
                put_field(tx, &["exemplaryModels", id.as_str()], "stage", &next)?;
                put_field(
                    tx,
                    &["exemplaryModels", id.as_str(), "stageDates"],
                    next.code(),
                    &Some(date),
                )
            },
        );
        error.set(refusal_text(lang.get_untracked(), result));
    };
    let dates = move || {
        let l = lang.get();
        model
            .get()
            .map(|m| {
                m.stage_dates
                    .in_order()
                    .iter()
                    .filter_map(|(s, d)| {
                        d.map(|d| format!("{}: {}", stage_name(*s, l), d.display_vi()))
                    })
                    .collect::<Vec<_>>()
                    .join(" · ")
            })
            .unwrap_or_default()
    };
    // The proposals of the office, to link the model to the one it led to.
    let proposals = Signal::derive(move || {
        let mut opts = vec![Opt::new(
            "",
            "— chưa gắn tờ trình —",
            "— no proposal linked —",
        )];
        office.with(|o| {
            opts.extend(o.proposals.iter().map(|(pid, p)| {
                let number = if p.number.is_empty() {
                    "chưa có số"
                } else {
                    p.number.as_str()
                };
                let who = p
                    .person_id
                    .as_ref()
                    .map_or_else(|| p.subject_name.clone(), |x| person_name(o, x));
                let text = format!("{number} — {who} ({})", p.year);
                Opt::new(pid, &text, &text)
            }));
        });
        opts
    });
    // What became of the linked proposal.
    let outcome = move || {
        let l = lang.get();
        let m = model.get()?;
        let pid = m.proposal_id?;
        office.with(|o| {
            let decided: Vec<String> = o
                .decisions
                .values()
                .filter(|d| d.proposal_ids.contains(&pid))
                .map(|d| d.number.clone())
                .collect();
            Some(if decided.is_empty() {
                tr(
                    l,
                    "Tờ trình chưa có quyết định",
                    "No decision on the proposal yet",
                )
                .to_string()
            } else {
                format!(
                    "{} {}",
                    tr(l, "Đã có quyết định", "Decided by"),
                    decided.join(", ")
                )
            })
        })
    };
    let path = vec!["exemplaryModels".to_string(), id.clone()];
    view! {
        <div class="card model" data-testid=format!("model-{id}") data-name=name>
            <strong>{name}</strong>
            <Field ctx=ctx path=path key="description" kind=Kind::Area vi="Thành tích" en="Achievements" testid=format!("model-{id}-description") what=format!("Gương điển hình {}", name()) />
            <div class="muted small" data-testid="model-dates">{dates}</div>
            <Field ctx=ctx path=vec!["exemplaryModels".to_string(), id.clone()] key="proposalId" kind=Kind::Choice(proposals) vi="Tờ trình đề nghị khen thưởng" en="Proposal it led to" testid=format!("model-{id}-proposal") what=format!("Gương điển hình {}", name()) />
            <div class="small" data-testid="model-outcome">{outcome}</div>
            {move || {
                let next = model.get().and_then(|m| next_stage(m.stage));
                (ctx.editable.get() && next.is_some()).then(|| {
                    let next = next.expect("checked");
                    view! {
                        <button type="button" class="small primary" data-testid="model-advance" on:click=advance>
                            {move || format!("→ {}", stage_name(next, lang.get()))}
                        </button>
                    }
                })
            }}
            <DeleteButton ctx=ctx path=vec!["exemplaryModels".to_string()] id=id.clone() summary=format!("Xoá gương điển hình {}", name()) testid="model-delete" />
            <ErrorNote error=error />
        </div>
    }
}
