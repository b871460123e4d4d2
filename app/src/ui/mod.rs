//! User interface (giao diện). A placeholder until the real UI lands.

use leptos::prelude::*;

/// Id of the element the app mounts into (see `static/index.html`).
pub const ROOT_ID: &str = "app";

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="app">
            <h1>"Thi Đua"</h1>
            <p>"Thi đua, khen thưởng"</p>
        </main>
    }
}

/// Mount [`App`] into `#app` (replacing the loading text), or into `<body>`
/// when the page has no such element.
pub fn mount() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(ROOT_ID));
    match root {
        Some(root) => {
            root.set_inner_html("");
            let root: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(root);
            leptos::mount::mount_to(root, App).forget();
        }
        None => leptos::mount::mount_to_body(App),
    }
}
