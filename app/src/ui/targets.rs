//! The office's targets for the year (chỉ tiêu thi đua): the collective
//! title, the share of staff Lao động tiên tiến and the share Chiến sĩ thi
//! đua cơ sở or higher, each shown against registrations and results
//! (the same counts the rule checks and the dashboard use).

use leptos::prelude::*;
use shared::schema::YearTargets;
use shared::schema::write::put_entry;
use shared::summary::registrations::office_registrations;
use shared::summary::{ShareTarget, TargetProgress, registration_deadline};

use super::form::{
    COLLECTIVE_TITLES, ErrorNote, Field, Kind, refusal_text, save, title_opts_or_none,
};
use super::office::use_office;
use super::use_driver;
use crate::i18n::{Lang, term, tr, use_lang};
use shared::glossary;

/// "Lao động tiên tiến: chỉ tiêu 100% = 9 người · đăng ký 8 · đạt 7".
fn share_line(lang: Lang, name_vi: &str, name_en: &str, s: &ShareTarget) -> String {
    let mark = if s.met() { "✓" } else { "✗" };
    match lang {
        Lang::Vi => format!(
            "{mark} {name_vi}: chỉ tiêu {}% = {} người · đã đăng ký {} · đạt (đề nghị hoặc được công nhận) {}",
            s.percent, s.needed, s.registered, s.reached
        ),
        Lang::En => format!(
            "{mark} {name_en}: target {}% = {} people · registered {} · reached (proposed or awarded) {}",
            s.percent, s.needed, s.registered, s.reached
        ),
    }
}

fn progress_lines(lang: Lang, p: &TargetProgress) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    if let Some(t) = p.collective_target {
        let name = |t: Option<shared::domain::Title>| {
            t.map_or_else(
                || tr(lang, "chưa có", "none").to_string(),
                |t| match lang {
                    Lang::Vi => t.name_vi().to_string(),
                    Lang::En => t.name_en().to_string(),
                },
            )
        };
        let met = p.collective_proposed == Some(t);
        out.push((
            met,
            match lang {
                Lang::Vi => format!(
                    "{} Danh hiệu tập thể: chỉ tiêu {} · đã đăng ký {} · đề nghị {}",
                    if met { "✓" } else { "✗" },
                    name(Some(t)),
                    name(p.collective_registered),
                    name(p.collective_proposed)
                ),
                Lang::En => format!(
                    "{} Collective title: target {} · registered {} · proposed {}",
                    if met { "✓" } else { "✗" },
                    name(Some(t)),
                    name(p.collective_registered),
                    name(p.collective_proposed)
                ),
            },
        ));
    }
    if let Some(s) = &p.ldtt {
        out.push((
            s.met(),
            share_line(lang, "Lao động tiên tiến", "Advanced Workers", s),
        ));
    }
    if let Some(s) = &p.cstdcs {
        out.push((
            s.met(),
            share_line(
                lang,
                "Chiến sĩ thi đua cơ sở trở lên",
                "Grassroots Emulation Fighters or higher",
                s,
            ),
        ));
    }
    out
}

/// The targets of the selected year: set them, and see where they stand.
#[component]
pub fn TargetsCard() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, cluster, year, ctx, system) = (ov.office, ov.cluster, ov.year, ov.ctx, ov.system);
    let exists = Memo::new(move |_| {
        let y = year.get();
        office.with(|o| o.targets.contains_key(&y.to_string()))
    });
    let progress = Memo::new(move |_| {
        let y = year.get();
        let deadline = cluster.with(|c| registration_deadline(c, y));
        office.with(|o| office_registrations(o, y, deadline).targets)
    });
    let error = RwSignal::new(None::<String>);
    let start = move |_| {
        let y = year.get_untracked();
        let r = save(drv, ctx.doc, &format!("Đặt chỉ tiêu năm {y}"), |tx| {
            put_entry(tx, &["targets"], &y.to_string(), &YearTargets::new(y))
        });
        error.set(refusal_text(lang.get_untracked(), r));
    };
    view! {
        <div class="card" data-testid="targets">
            <div class="card-head"><strong>{move || format!("{} {}", term(lang.get(), glossary::TARGETS), year.get())}</strong></div>
            {move || {
                let y = year.get();
                if exists.get() {
                    let path = vec!["targets".to_string(), y.to_string()];
                    let what = format!("Chỉ tiêu năm {y}");
                    view! {
                        <div class="fields">
                            <Field ctx=ctx path=path.clone() key="collectiveTitle" kind=Kind::Choice(Signal::derive(move || title_opts_or_none(COLLECTIVE_TITLES, system.get()))) vi="Danh hiệu tập thể" en="Collective title" testid="target-collective" what=what.clone() />
                            <Field ctx=ctx path=path.clone() key="ldttPercent" kind=Kind::OptCount vi="Lao động tiên tiến (% số cán bộ)" en="Advanced Workers (% of staff)" testid="target-ldtt" what=what.clone() />
                            <Field ctx=ctx path=path.clone() key="cstdcsPercent" kind=Kind::OptCount vi="Chiến sĩ thi đua cơ sở trở lên (% số cán bộ)" en="Grassroots Emulation Fighters or higher (% of staff)" testid="target-cstdcs" what=what.clone() />
                            <Field ctx=ctx path=path.clone() key="note" kind=Kind::Text vi="Ghi chú" en="Note" testid="target-note" what=what.clone() />
                        </div>
                    }.into_any()
                } else if ctx.editable.get() {
                    view! {
                        <button type="button" class="small" data-testid="targets-start" on:click=start>
                            {move || format!("{} {}", tr(lang.get(), "Đặt chỉ tiêu năm", "Set the targets for"), year.get())}
                        </button>
                    }.into_any()
                } else {
                    view! { <p class="muted small">{move || tr(lang.get(), "Đơn vị chưa đặt chỉ tiêu cho năm này.", "No targets set for this year.")}</p> }.into_any()
                }
            }}
            <ul class="conditions" data-testid="target-progress">
                {move || {
                    let l = lang.get();
                    progress.get().map(|p| progress_lines(l, &p)).unwrap_or_default().into_iter().map(|(met, text)| view! {
                        <li class=if met { "met" } else { "unmet" } data-met=met.to_string()>{text}</li>
                    }).collect_view()
                }}
            </ul>
            <ErrorNote error=error />
        </div>
    }
}
