//! A proposal's dossier (hồ sơ đề nghị khen thưởng): the components it
//! needs, ticked as they are ready; sending it, recording that it was
//! returned (with the reason) and sending it again; its status and the
//! cluster's deadline.

use leptos::prelude::*;
use shared::schema::value::TextCode;
use shared::schema::write::put_entry;
use shared::schema::{
    DossierEvent, DossierEventKind, DossierStatus, dossier_status, first_sent, missing_parts,
    required_parts,
};
use shared::summary::dossier_deadline_named;

use super::form::{
    ErrorNote, Field, Kind, TextInput, refusal_text, save, show_date, time_ordered_id, today,
};
use super::office::use_office;
use super::records::record_memo;
use super::use_driver;
use crate::i18n::{Lang, tr, use_lang};

fn status_name(s: DossierStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => s.name_vi(),
        Lang::En => s.name_en(),
    }
}

/// The dossier of proposal `id`.
#[component]
pub fn DossierView(id: String) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, cluster, ctx) = (ov.office, ov.cluster, ov.ctx);
    let pid = StoredValue::new(id.clone());
    let proposal = record_memo(office, &id, |o| &o.proposals);
    let status = Memo::new(move |_| {
        let p = proposal.get()?;
        Some(office.with(|o| pid.with_value(|id| dossier_status(o, id, &p))))
    });
    let deadline = move || {
        let p = proposal.get()?;
        let year = if p.year > 0 { p.year } else { today().year() };
        cluster.with(|c| dossier_deadline_named(c, year))
    };
    // Sent after the cluster's deadline, or still not sent once it passed.
    let late = move || {
        let Some((_, due)) = deadline() else {
            return false;
        };
        let Some(p) = proposal.get() else {
            return false;
        };
        match first_sent(&p) {
            Some(sent) => sent > due,
            None => status.get() != Some(DossierStatus::Decided) && today() > due,
        }
    };
    let missing = move || {
        proposal
            .get()
            .map(|p| missing_parts(&p))
            .unwrap_or_default()
    };
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let record = move |kind: DossierEventKind| {
        let note = reason.get_untracked().trim().to_string();
        if kind == DossierEventKind::Returned && note.is_empty() {
            error.set(Some(
                tr(
                    lang.get_untracked(),
                    "Hãy ghi lý do hồ sơ bị trả lại.",
                    "Write why the dossier was returned.",
                )
                .to_string(),
            ));
            return;
        }
        let event = DossierEvent {
            kind,
            date: today().into(),
            note,
        };
        let id = pid.get_value();
        let what = match kind {
            DossierEventKind::Sent => "Gửi hồ sơ",
            DossierEventKind::Returned => "Hồ sơ bị trả lại",
        };
        // The history names the proposal by its number, not by its id.
        let of = proposal
            .get_untracked()
            .map(|p| p.number)
            .filter(|n| !n.is_empty())
            .map_or_else(
                || "tờ trình chưa có số".to_string(),
                |n| format!("tờ trình số {n}"),
            );
        let r = save(drv, ctx.doc, &format!("{what}: {of}"), |tx| {
            put_entry(
                tx,
                &["proposals", id.as_str(), "dossier", "events"],
                &time_ordered_id("hs"),
                &event,
            )
        });
        if r.is_ok() {
            reason.set(String::new());
        }
        error.set(refusal_text(lang.get_untracked(), r));
    };
    let history = move || {
        let l = lang.get();
        proposal
            .get()
            .map(|p| {
                shared::schema::dossier::history(&p)
                    .into_iter()
                    .map(|(_, e)| {
                        let what = match (e.kind, l) {
                            (DossierEventKind::Sent, Lang::Vi) => "gửi hồ sơ",
                            (DossierEventKind::Sent, Lang::En) => "sent",
                            (DossierEventKind::Returned, Lang::Vi) => "bị trả lại",
                            (DossierEventKind::Returned, Lang::En) => "returned",
                        };
                        let note = if e.note.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", e.note)
                        };
                        format!("{} {what}{note}", show_date(Some(&e.date)))
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let parts_path = vec![
        "proposals".to_string(),
        id.clone(),
        "dossier".to_string(),
        "parts".to_string(),
    ];
    let parts = move || {
        proposal
            .get()
            .map(|p| required_parts(p.title))
            .unwrap_or_default()
    };
    // Closed by default (the card's status line says where it stands);
    // open when it needs the clerk: returned, or late and not yet sent.
    let open_at_first = untrack(move || {
        let s = status.get();
        s == Some(DossierStatus::Returned) || (late() && s == Some(DossierStatus::Preparing))
    });
    view! {
        <details class="dossier" data-testid=format!("dossier-{id}") open=open_at_first
            data-status=move || status.get().map(|s| format!("{s:?}").to_lowercase()).unwrap_or_default()>
            <summary data-testid="dossier-open">
                <strong>{move || tr(lang.get(), "Hồ sơ: ", "Dossier: ")}</strong>
                <span data-testid="dossier-status">{move || status.get().map(|s| status_name(s, lang.get())).unwrap_or_default()}</span>
                {move || deadline().map(|(name, d)| view! {
                    <span class="muted small">{format!(" · {} {d} ({name})", tr(lang.get(), "hạn gửi", "due"))}</span>
                })}
                {move || late().then(|| view! {
                    <span class="tag tag-warn" data-testid="dossier-late">{move || tr(lang.get(), "quá hạn gửi hồ sơ", "past the dossier deadline")}</span>
                })}
                {move || {
                    let n = missing().len();
                    (n > 0).then(|| view! {
                        <span class="tag" data-testid="dossier-missing-count">{move || match lang.get() {
                            Lang::Vi => format!("còn thiếu {n} thành phần"),
                            Lang::En => format!("{n} part{} missing", if n == 1 { "" } else { "s" }),
                        }}</span>
                    })
                }}
            </summary>
            <div class="fields">
                {move || {
                    let path = parts_path.clone();
                    parts().into_iter().map(|part| {
                        let (vi, en) = (part.name_vi(), part.name_en());
                        view! {
                            <Field ctx=ctx path=path.clone() key=part.code() kind=Kind::Check vi=vi en=en testid=format!("dossier-part-{}", part.code()) what="Thành phần hồ sơ".to_string() />
                        }
                    }).collect_view()
                }}
            </div>
            {move || {
                let m = missing();
                (!m.is_empty()).then(|| {
                    let l = lang.get();
                    let names = m.iter().map(|p| match l { Lang::Vi => p.name_vi(), Lang::En => p.name_en() }).collect::<Vec<_>>().join(", ");
                    view! { <div class="warn small" data-testid="dossier-missing">{format!("{}{names}", tr(l, "Còn thiếu: ", "Missing: "))}</div> }
                })
            }}
            <ul class="small" data-testid="dossier-history">
                {move || history().into_iter().map(|h| view! { <li>{h}</li> }).collect_view()}
            </ul>
            {move || (ctx.editable.get() && status.get() != Some(DossierStatus::Decided)).then(|| {
                let resend = status.get() == Some(DossierStatus::Returned);
                view! {
                    <div class="row">
                        <button type="button" class="small primary" data-testid="dossier-send" on:click=move |_| record(DossierEventKind::Sent)>
                            {move || if resend { tr(lang.get(), "Gửi lại hồ sơ", "Send again") } else { tr(lang.get(), "Gửi hồ sơ", "Send the dossier") }}
                        </button>
                        {(status.get() == Some(DossierStatus::Sent)).then(|| view! {
                            <TextInput value=reason vi="Lý do bị trả lại" en="Why it was returned" testid="dossier-reason" error=Signal::derive(|| None::<String>) />
                            <button type="button" class="small" data-testid="dossier-returned" on:click=move |_| record(DossierEventKind::Returned)>
                                {move || tr(lang.get(), "Ghi nhận hồ sơ bị trả lại", "Record it was returned")}
                            </button>
                        })}
                    </div>
                }
            })}
            <ErrorNote error=error />
        </details>
    }
}
