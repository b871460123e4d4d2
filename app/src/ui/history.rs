//! History (lịch sử thay đổi): who changed what and when in the office's
//! document, newest first, from the automerge change metadata (each
//! change's message is `{office, device, summary}` written by
//! `Driver::change`; its timestamp is in seconds).

use leptos::prelude::*;

use super::form::datetime_secs;
use super::office::use_office;
use super::{use_driver, use_signals};
use crate::i18n::{tr, use_lang};

/// One line of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryLine {
    pub hash: String,
    pub timestamp: i64,
    pub office: String,
    pub device: String,
    pub summary: String,
}

/// Reads a change's message: JSON from the app, or any text from other tools.
fn parse_message(message: Option<&str>) -> (String, String, String) {
    let Some(m) = message else {
        return (String::new(), String::new(), String::new());
    };
    match serde_json::from_str::<serde_json::Value>(m) {
        Ok(v) if v.is_object() => {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            (s("office"), s("device"), s("summary"))
        }
        _ => (String::new(), String::new(), m.to_string()),
    }
}

const PAGE: usize = 100;

#[component]
pub fn HistoryPage() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let ov = use_office();
    let doc = ov.ctx.doc;
    let shown = RwSignal::new(PAGE);
    let lines = Memo::new(move |_| {
        signals.revision.get();
        let mut lines: Vec<HistoryLine> = drv
            .with_value(|d| {
                d.with_doc(&doc, |o| {
                    o.get_changes_meta(&[])
                        .into_iter()
                        .map(|c| {
                            let (office, device, summary) = parse_message(c.message.as_deref());
                            HistoryLine {
                                hash: c.hash.to_string(),
                                timestamp: c.timestamp,
                                office,
                                device,
                                summary,
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default();
        // Newest first; changes of the same second keep their causal order reversed.
        lines.reverse();
        lines.sort_by_key(|l| std::cmp::Reverse(l.timestamp));
        lines
    });
    let visible = move || {
        lines
            .get()
            .into_iter()
            .take(shown.get())
            .collect::<Vec<_>>()
    };
    view! {
        <h3>{move || tr(lang.get(), "Lịch sử thay đổi", "Change history")}</h3>
        <p class="muted small">{move || {
            let n = lines.get().len();
            match lang.get() {
                crate::i18n::Lang::Vi => format!("{n} thay đổi, mới nhất trước"),
                crate::i18n::Lang::En => format!("{n} changes, newest first"),
            }
        }}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang.get(), "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
        <table class="records history" data-testid="history">
            <thead><tr>
                <th>{move || tr(lang.get(), "Thời gian", "When")}</th>
                <th>{move || tr(lang.get(), "Thiết bị", "Device")}</th>
                <th>{move || tr(lang.get(), "Nội dung", "What")}</th>
            </tr></thead>
            <tbody>
                <For each=visible key=|l| l.hash.clone() let:l>
                    <tr data-testid="history-line">
                        <td class="nowrap">{if l.timestamp > 0 { datetime_secs(l.timestamp) } else { "—".to_string() }}</td>
                        <td>{if l.office.is_empty() { l.device.clone() } else { format!("{} · {}", l.device, l.office) }}</td>
                        <td data-testid="history-summary">{if l.summary.is_empty() { "—".to_string() } else { l.summary.clone() }}</td>
                    </tr>
                </For>
            </tbody>
        </table>
        </div>
        {move || (lines.get().len() > shown.get()).then(|| view! {
            <button type="button" on:click=move |_| shown.update(|s| *s += PAGE)>{move || tr(lang.get(), "Xem thêm", "Show more")}</button>
        })}
    }
}
