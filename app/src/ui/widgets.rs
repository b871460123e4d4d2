//! Small pieces shared by the pages: banners for problems the user must see,
//! the read-only note, the conflict picker (which of two devices' values to
//! keep), freshness labels.

use leptos::prelude::*;

use super::form::DocCtx;
use super::use_signals;
use crate::i18n::{Lang, datetime_vn, tr, use_lang};
use crate::sync::DocFreshness;

/// Problems that must never be silent: a full disk, a refused device, refused changes.
#[component]
pub fn Banners() -> impl IntoView {
    let lang = use_lang();
    let signals = use_signals();
    view! {
        {move || signals.storage_error.get().map(|e| view! {
            <div class="banner banner-error" role="alert" data-testid="storage-error">
                <strong>{move || tr(lang.get(), "Không lưu được vào máy: ", "Could not save on this device: ")}</strong>
                {match lang.get() { Lang::Vi => e.message_vi().to_string(), Lang::En => e.to_string() }}
            </div>
        })}
        {move || signals.auth_problem.get().map(|(vi, en)| view! {
            <div class="banner banner-error" role="alert" data-testid="auth-problem">
                {match lang.get() { Lang::Vi => vi, Lang::En => en }}
            </div>
        })}
        {move || {
            let n = signals.rejections.get().len();
            (n > 0).then(|| view! {
                <div class="banner banner-warn" role="alert" data-testid="rejection-banner">
                    {match lang.get() {
                        Lang::Vi => format!("Máy chủ đã từ chối {n} thay đổi. "),
                        Lang::En => format!("The relay refused {n} change(s). "),
                    }}
                    {signals.rejections.get().last().map(|r| match lang.get() {
                        Lang::Vi => r.message_vi.clone(),
                        Lang::En => r.message_en.clone(),
                    })}
                    " "
                    <a href="#/dong-bo">{move || tr(lang.get(), "Xem chi tiết", "Details")}</a>
                </div>
            })
        }}
    }
}

/// "Chỉ xem: …" (read-only, and why) while this device may not edit `ctx`.
#[component]
pub fn ReadOnlyNote(ctx: DocCtx, vi: &'static str, en: &'static str) -> impl IntoView {
    let lang = use_lang();
    move || {
        (!ctx.editable.get()).then(|| {
            view! { <p class="readonly-note" data-testid="readonly">{move || tr(lang.get(), vi, en)}</p> }
        })
    }
}

/// Two devices entered different values: a button per value (its text, and
/// what picking it does), enabled while this device may edit.
#[component]
pub fn ConflictPicker(
    #[prop(into)] testid: String,
    editable: Memo<bool>,
    choices: Vec<(String, Callback<()>)>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="conflict-note" data-testid=testid>
            {move || tr(lang.get(), "Hai thiết bị nhập khác nhau — chọn giá trị giữ lại:", "Two devices entered different values — pick one:")}
            {choices.into_iter().map(|(text, pick)| view! {
                <button type="button" class="pick" disabled=move || !editable.get()
                    on:click=move |_| pick.run(())>{text}</button>
            }).collect_view()}
        </div>
    }
}

/// "Data as of …" for one replica.
pub fn freshness_text(lang: Lang, f: &DocFreshness) -> String {
    let changed = f.last_change_secs.map(|s| datetime_vn(s as f64 * 1000.0));
    let synced = f.synced_ms.map(datetime_vn);
    match (lang, changed, synced) {
        (Lang::Vi, Some(c), Some(s)) => format!("cập nhật đến {c} · đồng bộ lúc {s}"),
        (Lang::Vi, Some(c), None) => format!("cập nhật đến {c} · chưa đồng bộ"),
        (Lang::Vi, None, Some(s)) => format!("chưa có thay đổi · đồng bộ lúc {s}"),
        (Lang::Vi, None, None) => "chưa có dữ liệu".into(),
        (Lang::En, Some(c), Some(s)) => format!("data as of {c} · synced {s}"),
        (Lang::En, Some(c), None) => format!("data as of {c} · not synced yet"),
        (Lang::En, None, Some(s)) => format!("no changes yet · synced {s}"),
        (Lang::En, None, None) => "no data yet".into(),
    }
}

/// The name of this device for people (tên thiết bị): what the history
/// shows beside each change. `prompt` adds why to name it (on the home
/// page, while it has no name yet).
#[component]
pub fn DeviceNameEditor(#[prop(optional)] prompt: bool) -> impl IntoView {
    let lang = use_lang();
    let drv = super::use_driver();
    let signals = use_signals();
    let current = move || {
        signals.revision.get();
        drv.with_value(|d| d.session().device_name)
    };
    let text = RwSignal::new(current());
    let saved = RwSignal::new(false);
    let save = move || {
        let name = text.get_untracked();
        if name.trim().is_empty() {
            return;
        }
        drv.with_value(|d| d.rename_device(&name));
        saved.set(true);
    };
    view! {
        <form class="device-name" data-testid="device-name-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
            {prompt.then(|| view! {
                <p class="small">{move || tr(lang.get(),
                    "Đặt tên cho thiết bị này để Lịch sử ghi rõ ai đã sửa từ máy nào.",
                    "Name this device so the history says which device made each change.")}</p>
            })}
            <label>
                <span class="label">{move || tr(lang.get(), "Tên thiết bị", "Device name")}</span>
                <input type="text" data-testid="device-name-input" maxlength="80"
                    placeholder=move || tr(lang.get(), "Ví dụ: Máy tính chị Lan, phòng Thi đua", "E.g. Lan's computer, emulation desk")
                    prop:value=move || text.get()
                    on:input=move |ev| { text.set(event_target_value(&ev)); saved.set(false); } />
            </label>
            <button type="submit" data-testid="device-name-save">{move || tr(lang.get(), "Lưu tên", "Save name")}</button>
            {move || saved.get().then(|| view! { <span class="saved-note" role="status" data-testid="device-name-saved">{move || tr(lang.get(), "Đã lưu.", "Saved.")}</span> })}
        </form>
    }
}

/// "Đang đọc dữ liệu đã lưu trên máy…" while some of `docs` are still being
/// read from this device's storage (after a reload they are read one by
/// one): until then the page shows less than the device holds, and says so.
#[component]
pub fn ReadingNote(docs: Vec<shared::protocol::DocumentId>) -> impl IntoView {
    let lang = use_lang();
    let drv = super::use_driver();
    let signals = use_signals();
    let total = docs.len();
    let reading = Memo::new(move |_| {
        signals.revision.get();
        drv.with_value(|d| {
            docs.iter()
                .filter(|doc| d.with_doc(doc, |_| ()).is_none())
                .count()
        })
    });
    move || {
        let n = reading.get();
        (n > 0).then(|| {
            let done = total - n;
            view! {
                <p class="banner banner-info inline" role="status" data-testid="reading-note">{move || match lang.get() {
                    Lang::Vi if total == 1 => "Đang đọc dữ liệu đã lưu trên máy; trang sẽ hiện đủ khi đọc xong.".to_string(),
                    Lang::En if total == 1 => "Reading the data saved on this device; the page is complete once read.".to_string(),
                    Lang::Vi => format!("Đang đọc dữ liệu đã lưu trên máy ({done}/{total} tài liệu); trang sẽ hiện đủ khi đọc xong."),
                    Lang::En => format!("Reading the data saved on this device ({done} of {total} documents); the page is complete once read."),
                }}</p>
            }
        })
    }
}
