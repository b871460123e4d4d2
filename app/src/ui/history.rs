//! stub

use leptos::prelude::*;

#[component]
pub fn HistoryPage() -> impl IntoView {
    view! { <p>"…"</p> }
}
