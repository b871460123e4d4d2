//! stub

use leptos::prelude::*;

#[component]
pub fn InspectionsPage() -> impl IntoView {
    view! { <p>"…"</p> }
}
