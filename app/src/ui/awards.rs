//! stub

use leptos::prelude::*;

#[component]
pub fn AwardsPage() -> impl IntoView {
    view! { <p>"…"</p> }
}
