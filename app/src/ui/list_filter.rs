//! Search and filters over a list of records (tìm kiếm, lọc): a search box
//! that ignores tones and case ("nguyen van an" finds "Nguyễn Văn An"),
//! optional choices (a filter or an order), and "n / total" shown.

use leptos::prelude::*;

use super::form::Opt;
use crate::i18n::{Lang, tr, use_lang};

pub use shared::domain::search_matches as matches;

/// A choice beside the search box: its value, its options, and its name
/// (Vietnamese, English) for screen readers.
pub type Choice = (
    RwSignal<String>,
    Signal<Vec<Opt>>,
    &'static str,
    &'static str,
);

/// The search box, a choice (filter or order) when given, and the count.
#[component]
pub fn ListToolbar(
    /// The search text.
    query: RwSignal<String>,
    /// A choice beside the search box (what to show, or in which order).
    #[prop(optional)]
    choice: Option<Choice>,
    /// Shown and total records.
    shown: Signal<usize>,
    total: Signal<usize>,
    /// `{testid}-search`, `{testid}-choice`, `{testid}-count`.
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
            {choice.map(|(value, opts, vi, en)| view! {
                <label>
                    <span class="sr-only">{move || tr(lang.get(), vi, en)}</span>
                    <select data-testid=format!("{testid}-choice") aria-label=move || tr(lang.get(), vi, en)
                        on:change=move |ev| value.set(event_target_value(&ev))>
                        {move || opts.get().into_iter().map(|o| {
                            let selected = o.code == value.get();
                            view! { <option value=o.code.clone() prop:selected=selected>{o.label(lang.get())}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
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
