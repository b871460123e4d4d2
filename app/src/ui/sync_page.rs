//! Sync details (đồng bộ): per document, refused changes with the relay's
//! reason, the refused edits kept as drafts; the relay and cluster in use,
//! signing in with another token (`#/dang-nhap`, which asks before moving
//! the device) and signing out.

use leptos::prelude::*;
use shared::cluster::DocRole;

use super::cluster::former_name;

use super::widgets::freshness_text;
use super::{use_driver, use_signals};
use crate::i18n::{Lang, datetime_vn, term, tr, use_lang};
use shared::glossary;

#[component]
pub fn SyncPage() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let session = drv.with_value(|d| d.session());
    let docs = session.directory.all_docs();
    let relay_address = session.relay.clone();
    let cluster_name = session.directory.cluster.clone();
    let directory = session.directory.clone();
    let name_of = move |doc: &shared::protocol::DocumentId| match directory.role_of(doc) {
        Some(DocRole::Cluster) => directory.cluster.clone(),
        Some(DocRole::Office(o)) => o.name.clone(),
        Some(DocRole::Former(f)) => former_name(&f.entry.name, &f.until),
        None => doc.to_string(),
    };
    let rows = docs
        .iter()
        .map(|doc| {
            let doc = *doc;
            let name = name_of(&doc);
            let fresh = move || {
                signals.revision.get();
                signals.view.get();
                freshness_text(lang.get(), &drv.with_value(|d| d.freshness(&doc)))
            };
            let drafts = move || {
                signals.revision.get();
                signals.rejections.get();
                drv.with_value(|d| d.drafts(&doc))
            };
            view! {
                <tr>
                    <td>{name}</td>
                    <td class="muted small">{fresh}</td>
                    <td>
                        {move || drafts().into_iter().map(|draft| {
                            let key = draft.key.clone();
                            view! {
                                <div class="draft" data-testid="draft">
                                    {move || tr(lang.get(), "Bản nháp bị từ chối", "Refused draft")}
                                    {format!(" ({} B) ", draft.bytes.len())}
                                    <button type="button" data-testid="discard-draft"
                                        on:click=move |_| drv.with_value(|d| d.discard_draft(&key))>
                                        {move || tr(lang.get(), "Bỏ bản nháp", "Discard")}
                                    </button>
                                </div>
                            }
                        }).collect_view()}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let sign_out = move |_| {
        let store = drv.with_value(|d| d.inner.borrow().store.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let _ = store.delete_setting(crate::session::SESSION_KEY).await;
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_hash("#/");
                let _ = w.location().reload();
            }
        });
    };
    view! {
        <section class="sync-page" data-testid="sync-page">
            <h2>{move || tr(lang.get(), "Tình trạng đồng bộ", "Sync status")}</h2>
            <p>{move || {
                let v = signals.view.get();
                match lang.get() {
                    Lang::Vi => format!(
                        "{} · {} thay đổi chưa gửi lên máy chủ · đã mở {}/{} tài liệu trên máy",
                        if v.browser_online { "Trình duyệt đang có mạng" } else { "Trình duyệt đang mất mạng" },
                        v.unacknowledged, v.loaded.0, v.loaded.1),
                    Lang::En => format!(
                        "{} · {} change(s) not yet on the relay · {}/{} documents open locally",
                        if v.browser_online { "Browser online" } else { "Browser offline" },
                        v.unacknowledged, v.loaded.0, v.loaded.1),
                }
            }}</p>
            <table class="docs">
                <thead><tr>
                    <th>{move || tr(lang.get(), "Tài liệu", "Document")}</th>
                    <th>{move || term(lang.get(), glossary::UPDATED_AS_OF)}</th>
                    <th>{move || tr(lang.get(), "Bản nháp", "Drafts")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <h3 id="xung-dot">{move || tr(lang.get(), "Nội dung có giá trị khác nhau giữa các thiết bị", "Fields with different values from different devices")}</h3>
            <p class="small muted">{move || tr(lang.get(),
                "Hai thiết bị sửa cùng một nội dung khi chưa đồng bộ: mọi giá trị đều được giữ, mọi máy hiển thị cùng một giá trị. Chọn giá trị đúng để giữ lại.",
                "Two devices changed the same field before syncing: every value is kept and every device shows the same one. Pick the right one to keep.")}</p>
            <super::conflicts::ConflictsList />
            <h3>{move || tr(lang.get(), "Thay đổi bị máy chủ từ chối", "Changes the relay refused")}</h3>
            {move || {
                let list = signals.rejections.get();
                if list.is_empty() {
                    view! { <p class="muted">{move || tr(lang.get(), "Không có.", "None.")}</p> }.into_any()
                } else {
                    view! {
                        <ul class="rejections" data-testid="rejections">
                            {list.into_iter().rev().map(|r| view! {
                                <li data-testid="rejection">
                                    <strong>{r.document_name.clone()}</strong>
                                    {format!(" — {} — ", datetime_vn(r.at_ms))}
                                    <span data-testid="rejection-reason">{match lang.get() { Lang::Vi => r.message_vi.clone(), Lang::En => r.message_en.clone() }}</span>
                                    <div class="muted small">{move || tr(lang.get(),
                                        "Dữ liệu đã được khôi phục theo bản trên máy chủ; phần bị từ chối được giữ làm bản nháp ở bảng trên.",
                                        "The data was restored to the relay's copy; the refused part is kept as a draft above.")}</div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
            <h3>{move || tr(lang.get(), "Thiết bị", "Device")}</h3>
            <super::widgets::DeviceNameEditor />
            <p data-testid="device-relay">
                {move || tr(lang.get(), "Máy chủ: ", "Relay: ")}{relay_address.clone()}
                " · "
                {move || tr(lang.get(), "Cụm thi đua: ", "Cluster: ")}{cluster_name.clone()}
            </p>
            <p>
                <a href="#/dang-nhap" data-testid="sign-in-other">{move || tr(lang.get(),
                    "Đăng nhập bằng mã thiết bị khác (máy chủ, cụm hoặc đơn vị khác)…",
                    "Sign in with another device token (another relay, cluster or office)…")}</a>
            </p>
            <p class="muted small">{move || tr(lang.get(),
                "Đăng xuất chỉ xoá thông tin đăng nhập; dữ liệu trên máy được giữ lại.",
                "Signing out removes only the sign-in; data on this device is kept.")}</p>
            <button type="button" class="secondary" on:click=sign_out data-testid="sign-out">
                {move || tr(lang.get(), "Đăng xuất thiết bị", "Sign this device out")}
            </button>
        </section>
    }
}
