//! A new proposal (tờ trình đề nghị khen thưởng) with one or many lines:
//! one number, date and signer for the whole tờ trình, and a line per
//! person (or the collective) with the title proposed. Each line shows the
//! rule checks about it as it is entered, from
//! [`shared::summary::warnings::proposal_line_warnings`] (the dashboard's
//! counts), including the cap on Chiến sĩ thi đua cơ sở on the line that
//! breaks it. Saving writes one proposal record per line in one change.

use leptos::prelude::*;
use shared::domain::{AwardKind, Title};
use shared::schema::Proposal;
use shared::schema::bridge::effective_rule_set;
use shared::schema::value::TextCode;
use shared::schema::write::put_entry;
use shared::summary::RuleWarning;
use shared::summary::warnings::proposal_line_warnings;

use super::awards::{number_or_draft, subject_of};
use super::evaluation::catalog;
use super::form::{
    AddForm, COLLECTIVE, Opt, Problem, SelectInput, TextInput, date_problem, error_for, new_id,
    parse_date, save, title_opts_or_none, titles_for, today,
};
use super::office::{subject_opts, use_office};
use super::use_driver;
use crate::i18n::{Lang, tr, use_lang};

/// One line of the tờ trình: who, and which title.
#[derive(Clone, Copy)]
struct Line {
    subject: RwSignal<String>,
    title: RwSignal<String>,
}

impl Line {
    fn new() -> Line {
        Line {
            subject: RwSignal::new(String::new()),
            title: RwSignal::new(String::new()),
        }
    }
}

#[component]
pub fn AddProposal() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, cluster, year, ctx, system) = (ov.office, ov.cluster, ov.year, ov.ctx, ov.system);
    let own = StoredValue::new(ov.code.clone());
    let own_name = StoredValue::new(ov.name.clone());
    let number = RwSignal::new(String::new());
    let date = RwSignal::new(today().to_string());
    let signer = RwSignal::new(String::new());
    let collective = RwSignal::new(ov.name.clone());
    let award = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<Problem>::new());
    let lines = RwSignal::new(vec![Line::new()]);
    let subjects = Signal::derive(move || {
        let first = vec![
            Opt::new("", "— chọn —", "— choose —"),
            Opt::new(COLLECTIVE, "Tập thể", "A collective"),
        ];
        office.with(|o| subject_opts(first, o, year.get()))
    });

    // The proposal a line stands for (None while it names nobody), without
    // the tờ trình's number, date and signer: the rule checks do not depend
    // on them, so typing those does not re-run the checks.
    let proposal_of = move |i: usize, line: Line| -> Option<Proposal> {
        let s = line.subject.get();
        if s.is_empty() {
            return None;
        }
        let person_id = (s != COLLECTIVE).then_some(s);
        Some(Proposal {
            proposing_office: own.get_value(),
            subject_name: if person_id.is_none() {
                collective.get().trim().to_string()
            } else {
                String::new()
            },
            person_id,
            year: year.get(),
            title: Title::from_code(&line.title.get()),
            award_kind: AwardKind::Regular,
            award: if i == 0 {
                award.get().trim().to_string()
            } else {
                String::new()
            },
            ..Proposal::default()
        })
    };
    // The rule checks of every line, re-computed as lines change.
    let checks = Memo::new(move |_| {
        let drafts: Vec<Option<Proposal>> = lines
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, l)| proposal_of(i, l))
            .collect();
        let complete: Vec<Proposal> = drafts.iter().flatten().cloned().collect();
        let Ok(rules) = cluster.with(|c| effective_rule_set(Some(c), catalog(), year.get())) else {
            return vec![Vec::new(); drafts.len()];
        };
        let found = office.with(|o| {
            own.with_value(|code| {
                own_name.with_value(|name| proposal_line_warnings(o, code, name, &rules, &complete))
            })
        });
        let mut found = found.into_iter();
        drafts
            .iter()
            .map(|d| d.as_ref().and_then(|_| found.next()).unwrap_or_default())
            .collect::<Vec<Vec<RuleWarning>>>()
    });

    let add = move || {
        let mut errs = Vec::new();
        if parse_date(&date.get_untracked()).is_none() {
            errs.push(date_problem());
        }
        let drafts: Vec<Option<Proposal>> = lines
            .get_untracked()
            .into_iter()
            .enumerate()
            .map(|(i, l)| proposal_of(i, l))
            .collect();
        if drafts.iter().all(Option::is_none) {
            errs.push(Problem::at(
                "personId",
                "Hãy chọn cá nhân hoặc tập thể được đề nghị.",
                "Choose who is proposed.",
            ));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let n = number.get_untracked().trim().to_string();
        let d = parse_date(&date.get_untracked()).map(Into::into);
        let s = signer.get_untracked().trim().to_string();
        let list: Vec<Proposal> = drafts
            .into_iter()
            .flatten()
            .map(|p| Proposal {
                number: n.clone(),
                date: d.clone(),
                signer: s.clone(),
                ..p
            })
            .collect();
        let summary = match list.as_slice() {
            [one] => {
                let who = office.with_untracked(|o| subject_of(o, one));
                let what = one
                    .title
                    .map(|t| system.get_untracked().title_name_vi(t))
                    .unwrap_or_else(|| one.award.clone());
                format!("Tờ trình {}: đề nghị {what} cho {who}", number_or_draft(&n))
            }
            many => format!(
                "Tờ trình {}: đề nghị khen thưởng cho {} cá nhân, tập thể",
                number_or_draft(&n),
                many.len()
            ),
        };
        save(drv, ctx.doc, &summary, |tx| {
            for p in &list {
                put_entry(tx, &["proposals"], &new_id("tt"), p)?;
            }
            Ok(())
        })?;
        number.set(String::new());
        award.set(String::new());
        lines.set(vec![Line::new()]);
        Ok(())
    };

    let person_error = error_for(lang, problems, "personId");
    let title_error = error_for(lang, problems, "title");
    let line_view = move |i: usize, line: Line| {
        let titles = Signal::derive(move || {
            title_opts_or_none(titles_for(line.subject.get() == COLLECTIVE), system.get())
        });
        let (subject_id, title_id) = if i == 0 {
            (
                "proposal-subject-input".to_string(),
                "proposal-title-input".to_string(),
            )
        } else {
            (
                format!("proposal-line-{i}-subject"),
                format!("proposal-line-{i}-title"),
            )
        };
        let check = move || {
            let l = lang.get();
            checks
                .with(|c| c.get(i).cloned().unwrap_or_default())
                .into_iter()
                .map(|w| {
                    let text = match l {
                        Lang::Vi => w.message_vi,
                        Lang::En => w.message_en,
                    };
                    view! { <li class="warning-text" data-code=w.code>{text}</li> }
                })
                .collect_view()
        };
        view! {
            <div class="proposal-line" data-testid=format!("proposal-line-{i}")>
                <div class="fields">
                    <SelectInput value=line.subject vi="Đề nghị cho" en="Proposed" testid=subject_id options=subjects
                        error=Signal::derive(move || if i == 0 { person_error.get() } else { None }) />
                    {move || (i == 0 && line.subject.get() == COLLECTIVE).then(|| view! {
                        <TextInput value=collective vi="Tên tập thể" en="Collective's name" testid="proposal-collective-input" error=error_for(lang, problems, "subjectName") />
                    })}
                    <SelectInput value=line.title vi="Danh hiệu" en="Title" testid=title_id options=titles
                        error=Signal::derive(move || if i == 0 { title_error.get() } else { None }) />
                    {(i > 0).then(|| view! {
                        <button type="button" class="small" data-testid=format!("proposal-line-{i}-remove")
                            on:click=move |_| lines.update(|ls| { if i < ls.len() { ls.remove(i); } })>
                            {move || tr(lang.get(), "Bỏ dòng này", "Remove this line")}
                        </button>
                    })}
                </div>
                <ul class="line-check" data-testid=format!("proposal-line-{i}-check")>{check}</ul>
            </div>
        }
    };

    view! {
        <AddForm testid="proposal" problems=problems keys=&["number", "date", "signer", "personId", "subjectName", "title", "award"]
            button=("Thêm tờ trình", "Add proposal") on_add=add>
            <div class="fields">
                <TextInput value=number vi="Số tờ trình" en="Number" testid="proposal-number-input" placeholder="12/TTr-VP" error=error_for(lang, problems, "number") />
                <TextInput value=date vi="Ngày" en="Date" testid="proposal-date-input" placeholder="dd/mm/yyyy" error=error_for(lang, problems, "date") />
                <TextInput value=signer vi="Người ký" en="Signer" testid="proposal-signer-input" error=error_for(lang, problems, "signer") />
            </div>
            {move || lines.get().into_iter().enumerate().map(|(i, l)| line_view(i, l)).collect_view()}
            <div class="fields">
                <TextInput value=award vi="Hình thức khác (dòng đầu)" en="Other award (first line)" testid="proposal-award-input" placeholder="Huân chương Lao động hạng Ba" error=error_for(lang, problems, "award") />
            </div>
            <button type="button" class="secondary" data-testid="proposal-add-line"
                on:click=move |_| lines.update(|ls| ls.push(Line::new()))>
                {move || tr(lang.get(), "Thêm người vào tờ trình", "Add a person to this proposal")}
            </button>
        </AddForm>
    }
}
