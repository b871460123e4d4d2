//! Pieces shared by the screens that list records (bản ghi) of a document:
//! proposals and decisions, inspections, registrations, exemplary models,
//! staff, the cluster set-up's lists.
//!
//! - [`ids_newest_first`]: the order of dated records (newest first).
//! - [`record_memo`]: one record of the office's document, by id.
//! - [`EmptyNote`]: the muted line under a list that has no records yet.
//! - [`OpenButton`]: a card's Edit / Details / Close button.

use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::schema::OfficeDoc;
use shared::schema::value::DateText;

use super::form::DocCtx;
use crate::i18n::{tr, use_lang};

/// The ids of `records`, newest `date` first, undated ones last; records
/// of the same date by id.
pub fn ids_newest_first<'a, T: 'a>(
    records: impl IntoIterator<Item = (&'a String, &'a T)>,
    date: impl Fn(&T) -> Option<&DateText>,
) -> Vec<String> {
    let mut v: Vec<(&String, &str)> = records
        .into_iter()
        .map(|(id, r)| (id, date(r).map(|d| d.0.as_str()).unwrap_or_default()))
        .collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    v.into_iter().map(|(id, _)| id.clone()).collect()
}

/// The record `id` of one map of the office's document (`None` once it is
/// deleted), re-read when the document changes.
pub fn record_memo<T>(
    office: Memo<OfficeDoc>,
    id: &str,
    map: fn(&OfficeDoc) -> &BTreeMap<String, T>,
) -> Memo<Option<T>>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let id = id.to_string();
    Memo::new(move |_| office.with(|o| map(o).get(&id).cloned()))
}

/// "Chưa có … nào." under a list while it has no records (`count`, before
/// any search or filter).
#[component]
pub fn EmptyNote(
    #[prop(into)] count: Signal<usize>,
    vi: &'static str,
    en: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        (count.get() == 0).then(|| view! { <p class="muted">{move || tr(lang.get(), vi, en)}</p> })
    }
}

/// The button that shows or hides a card's fields: "Sửa" (edit), or
/// "Chi tiết" (details) where this device may not edit, and "Đóng" (close)
/// while they are shown.
#[component]
pub fn OpenButton(
    open: RwSignal<bool>,
    ctx: DocCtx,
    #[prop(into, optional)] testid: Option<String>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <button type="button" class="small" data-testid=testid on:click=move |_| open.update(|o| *o = !*o)>
            {move || if open.get() { tr(lang.get(), "Đóng", "Close") } else if ctx.editable.get() { tr(lang.get(), "Sửa", "Edit") } else { tr(lang.get(), "Chi tiết", "Details") }}
        </button>
    }
}
