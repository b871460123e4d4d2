//! The header: which office and device this is, and the sync state, always visible.

use leptos::prelude::*;

use super::{use_driver, use_signals};
use crate::i18n::{Lang, datetime_vn, tr, use_lang};
use crate::sync::SyncState;

#[component]
pub fn Header() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let session = drv.with_value(|d| d.session());
    let office_name = session
        .office_entry()
        .map(|o| o.name.clone())
        .unwrap_or_else(|| session.office.clone());
    let device = move || {
        signals.revision.get();
        drv.with_value(|d| d.session().device_label().to_string())
    };
    let view_sig = signals.view;
    let conflicts = super::conflicts::conflict_count(drv, signals);
    let state = move || view_sig.get().state;
    let label = move || {
        let l = lang.get();
        match state() {
            SyncState::Offline => tr(l, "Ngoại tuyến", "Offline"),
            SyncState::Syncing => tr(l, "Đang đồng bộ", "Syncing"),
            SyncState::Synced => tr(l, "Đã đồng bộ", "Synced"),
        }
    };
    let pending = move || {
        let v = view_sig.get();
        let l = lang.get();
        if v.unacknowledged == 0 {
            String::new()
        } else {
            match l {
                Lang::Vi => format!("{} thay đổi chưa gửi lên máy chủ", v.unacknowledged),
                Lang::En => format!("{} change(s) not yet on the relay", v.unacknowledged),
            }
        }
    };
    let last = move || {
        let l = lang.get();
        match view_sig.get().last_synced_ms {
            Some(ms) => format!(
                "{} {}",
                tr(l, "Đồng bộ lần cuối:", "Last synced:"),
                datetime_vn(ms)
            ),
            None => tr(l, "Chưa đồng bộ lần nào", "Never synced").to_string(),
        }
    };
    view! {
        <header class="top">
            <div class="brand">
                <span class="logo" aria-hidden="true">"★"</span>
                <span class="app-name">"Thi Đua"</span>
            </div>
            <div class="who">
                <div class="office" data-testid="office-name">{office_name}</div>
                <div class="device muted">
                    {move || tr(lang.get(), "Thiết bị: ", "Device: ")}
                    <span data-testid="device-name">{device}</span>
                </div>
            </div>
            <div class="sync" title=last>
                <span class=move || format!("badge badge-{}", state().code())
                      data-testid="sync-state" data-state=move || state().code()
                      role="status" aria-live="polite">{label}</span>
                <span class="pending" data-testid="unacked" data-count=move || view_sig.get().unacknowledged>{pending}</span>
                {move || (conflicts.get() > 0).then(|| view! {
                    <a class="conflict-count" href="#/dong-bo" data-testid="conflict-count" data-count=conflicts.get().to_string()>
                        {match lang.get() {
                            Lang::Vi => format!("{} xung đột cần chọn", conflicts.get()),
                            Lang::En => format!("{} conflict(s) to settle", conflicts.get()),
                        }}
                    </a>
                })}
                <span class="last muted" data-testid="last-sync">{last}</span>
            </div>
            <button class="lang" type="button" data-testid="lang-toggle"
                on:click=move |_| lang.update(|l| *l = if *l == Lang::Vi { Lang::En } else { Lang::Vi })>
                {move || tr(lang.get(), "English", "Tiếng Việt")}
            </button>
        </header>
    }
}
