//! Search, filter and order over a list of records (tìm kiếm, lọc, sắp
//! xếp): a search box that ignores tones and case ("nguyen van an" finds
//! "Nguyễn Văn An"), optional choices (a filter, an order), and "n / total"
//! shown. Which records and in which order is [`shared::lists`]'s.

use leptos::prelude::*;

use super::form::Opt;
use crate::i18n::{Lang, tr, use_lang};

use shared::lists::ListChoice;

/// A choice beside the search box: its value, its options, and its name
/// (Vietnamese, English) for screen readers.
pub type Choice = (
    RwSignal<String>,
    Signal<Vec<Opt>>,
    &'static str,
    &'static str,
);

/// A list choice's value (its code) and its options, from [`shared::lists`]:
/// `(signal, options)` for [`Choice`].
pub fn list_choice<C: ListChoice>() -> (RwSignal<String>, Signal<Vec<Opt>>) {
    let value = RwSignal::new(C::ALL[0].code().to_string());
    let opts = Signal::derive(|| {
        C::ALL
            .iter()
            .map(|c| {
                let (vi, en) = c.names();
                Opt::new(c.code(), vi, en)
            })
            .collect()
    });
    (value, opts)
}

/// The search box, a filter and an order when given, and the count.
#[component]
pub fn ListToolbar(
    /// The search text.
    query: RwSignal<String>,
    /// A filter beside the search box (what to show): `{testid}-choice`.
    #[prop(optional)]
    choice: Option<Choice>,
    /// An order (sắp xếp): `{testid}-order`.
    #[prop(optional)]
    order: Option<Choice>,
    /// Shown and total records.
    shown: Signal<usize>,
    total: Signal<usize>,
    /// `{testid}-search`, `{testid}-choice`, `{testid}-order`, `{testid}-count`.
    testid: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="list-toolbar" role="search">
            <label>
                <span class="sr-only">{move || tr(lang.get(), "Tìm kiếm", "Search")}</span>
                <input type="search" data-testid=format!("{testid}-search")
                    placeholder=move || tr(lang.get(), "Tìm kiếm…", "Search…")
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev)) />
            </label>
            {choice.map(|c| choice_select(c, format!("{testid}-choice")))}
            {order.map(|c| choice_select(c, format!("{testid}-order")))}
            <span class="muted small" data-testid=format!("{testid}-count") data-shown=move || shown.get().to_string()>
                {move || {
                    let (s, t) = (shown.get(), total.get());
                    match (lang.get(), s == t) {
                        (Lang::Vi, true) => format!("{t} mục"),
                        (Lang::Vi, false) => format!("{s}/{t} mục"),
                        (Lang::En, true) => format!("{t} items"),
                        (Lang::En, false) => format!("{s} of {t} items"),
                    }
                }}
            </span>
        </div>
    }
}

/// One choice's `<select>`, named for screen readers.
fn choice_select((value, opts, vi, en): Choice, testid: String) -> impl IntoView {
    let lang = use_lang();
    view! {
        <label>
            <span class="sr-only">{move || tr(lang.get(), vi, en)}</span>
            <select data-testid=testid aria-label=move || tr(lang.get(), vi, en)
                on:change=move |ev| value.set(event_target_value(&ev))>
                {move || opts.get().into_iter().map(|o| {
                    let selected = o.code == value.get();
                    view! { <option value=o.code.clone() prop:selected=selected>{o.label(lang.get())}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}
