//! stub

use leptos::prelude::*;

#[component]
pub fn ClusterSetupPage() -> impl IntoView {
    view! { <p>"…"</p> }
}
