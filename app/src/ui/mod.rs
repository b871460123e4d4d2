//! User interface (giao diện): start-up, sign-in, the header and the pages.
//!
//! Routing is by URL fragment so the service worker can serve every page from
//! one cached `index.html`: `#/` (what to do now, [`home`]), `#/cum` (the
//! cluster's offices),
//! `#/cum/thiet-lap` (cluster set-up), `#/don-vi/<code>[/<page>]` (one
//! office's TĐKT year, read-only unless it is mine; pages in
//! [`office::SUB_PAGES`]), `#/tong-hop[?nam=YYYY]` (the cluster dashboard,
//! [`dashboard`]), `#/tong-hop/in[?nam=YYYY]` (its printable report),
//! `#/dong-bo` (sync details), `#/dang-nhap[?token=…&relay=…]` (a sign-in
//! link or form: on a signed-in device, [`switch`] asks before moving it to
//! another relay, cluster or office).

mod awards;
mod cluster;
mod cluster_inspections;
mod cluster_setup;
mod conflicts;
pub mod dashboard;
mod dossier;
mod evaluation;
pub mod form;
mod header;
mod history;
mod home;
mod inspections;
mod lazy_pages;
mod list_filter;
mod models;
mod office;
mod proposal_form;
mod records;
mod registration;
mod scoring;
mod signin;
mod staff;
mod switch;
mod sync_page;
mod targets;
pub mod widgets;

use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::i18n::{Lang, tr, use_lang};
use crate::session::Session;
use crate::storage::IdbChunkStore;
use crate::sync::{Driver, SyncSignals};

/// Id of the element the app mounts into (see `static/index.html`).
pub const ROOT_ID: &str = "app";

/// The driver, reachable from reactive closures (which must be `Send`).
pub type DriverRef = StoredValue<Driver, LocalStorage>;

/// The driver provided at the root of a signed-in app.
pub fn use_driver() -> DriverRef {
    use_context::<DriverRef>().expect("driver is provided once signed in")
}

/// The sync signals provided at the root of a signed-in app.
pub fn use_signals() -> SyncSignals {
    use_context::<SyncSignals>().expect("signals")
}

/// What the app is showing at the top level.
#[derive(Clone)]
enum Stage {
    Loading,
    /// IndexedDB could not be opened: nothing works without it.
    NoStorage(String, String),
    SignIn(Rc<IdbChunkStore>),
    Running(Driver),
}

thread_local! {
    /// The running driver, for the diagnostics hooks in `crate::debug`.
    pub static CURRENT: std::cell::RefCell<Option<Driver>> = const { std::cell::RefCell::new(None) };
}

/// The current route (the URL fragment), kept in a signal.
pub fn use_route() -> RwSignal<String> {
    use_context::<RwSignal<String>>().expect("route is provided at the root")
}

fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Go to a route.
pub fn navigate(hash: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(hash);
    }
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(stored_lang());
    provide_context(lang);
    Effect::new(move |_| {
        let l = lang.get();
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item("thidua-lang", l.code());
        }
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = el.set_attribute("lang", l.code());
        }
    });
    let route = RwSignal::new(current_hash());
    provide_context(route);
    let on_hash = Closure::<dyn FnMut()>::new(move || route.set(current_hash()));
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
    }
    on_hash.forget();

    // The module of the page the app opens on (production build) is fetched
    // and compiled while the local data is read.
    lazy_pages::preload(&page_of(&current_hash(), "").0);

    let stage = RwSignal::new_local(Stage::Loading);
    wasm_bindgen_futures::spawn_local(async move {
        let (store, session) = match crate::session::open_current().await {
            Ok(found) => found,
            Err(e) => {
                stage.set(Stage::NoStorage(e.message_vi().to_string(), e.to_string()));
                return;
            }
        };
        crate::storage::request_persistent_storage().await;
        // A signed-in device starts on its own data even when opened with a
        // sign-in link: the link's page (`switch`) asks before anything moves.
        match session {
            Some(s) => stage.set(Stage::Running(start_driver(s, store))),
            None => stage.set(Stage::SignIn(store)),
        }
    });

    view! {
        {move || match stage.get() {
            Stage::Loading => view! { <p class="loading">{move || tr(lang.get(), "Đang mở dữ liệu trên máy…", "Opening local data…")}</p> }.into_any(),
            Stage::NoStorage(vi, en) => view! {
                <div class="fatal" role="alert">
                    <h1>"Thi Đua"</h1>
                    <p>{vi}</p>
                    <p class="muted">{en}</p>
                </div>
            }.into_any(),
            Stage::SignIn(store) => {
                let on_done = move |session: Session, store: Rc<IdbChunkStore>| {
                    navigate("#/");
                    stage.set(Stage::Running(start_driver(session, store)));
                };
                view! { <signin::SignIn store=store on_done=on_done /> }.into_any()
            }
            Stage::Running(driver) => view! { <Shell driver=driver /> }.into_any(),
        }}
    }
}

fn stored_lang() -> Lang {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item("thidua-lang").ok().flatten())
        .map(|c| Lang::from_code(&c))
        .unwrap_or_default()
}

fn start_driver(session: Session, store: Rc<IdbChunkStore>) -> Driver {
    let driver = Driver::start(session, store);
    CURRENT.with(|c| *c.borrow_mut() = Some(driver.clone()));
    driver
}

/// The signed-in app: header, navigation, the current page.
#[component]
fn Shell(driver: Driver) -> impl IntoView {
    let signals = driver.signals;
    let drv: DriverRef = StoredValue::new_local(driver);
    provide_context(drv);
    provide_context(signals);
    let lang = use_lang();
    let route = use_route();
    // Which page, and which office: the office page is rebuilt only when
    // the office changes, not when its sub-page does.
    let own = drv.with_value(|d| d.session().office);
    let target = Memo::new(move |_| page_of(&route.get(), &own));
    let sub_page = Memo::new(move |_| {
        let r = route.get();
        let r = r.trim_start_matches('#').to_string();
        match r.strip_prefix("/don-vi/") {
            Some(rest) => office::split_route(rest).1,
            None => office::DEFAULT_SUB_PAGE.to_string(),
        }
    });
    // Pages whose module is loaded on demand (production build).
    let loading = lazy_pages::Loading::new();
    lazy_pages::preload_all();
    let page = move || {
        use lazy_pages::show_page;
        let (kind, code) = target.get();
        loading.open(&kind);
        // Whether the slot still shows this page when its module arrives.
        let current = {
            let kind = kind.clone();
            move || target.get_untracked().0 == kind
        };
        match kind.as_str() {
            "cluster" => show_page!(loading, current, cluster_page / load_cluster_page),
            "setup" => show_page!(loading, current, setup_page / load_setup_page),
            "sync" => show_page!(loading, current, sync_details_page / load_sync_details_page),
            "switch" => show_page!(loading, current, switch_page / load_switch_page, code),
            "dashboard" => show_page!(loading, current, dashboard_page / load_dashboard_page),
            "print" => show_page!(loading, current, print_page / load_print_page),
            "home" => view! { <home::HomePage /> }.into_any(),
            _ => show_page!(
                loading,
                current,
                office_page / load_office_page,
                code,
                Signal::from(sub_page)
            ),
        }
    };
    let own_code = drv.with_value(|d| d.session().office);
    let own_link = own_code.clone();
    let nav_class = move |target: &'static str| {
        let own_code = own_code.clone();
        move || {
            let r = route.get();
            let r = r.trim_start_matches('#');
            let active = match target {
                "/" => r.is_empty() || r == "/",
                "/don-vi/" => r.starts_with(&format!("/don-vi/{own_code}")),
                t => r.starts_with(t),
            };
            if active {
                "nav-link active"
            } else {
                "nav-link"
            }
        }
    };
    view! {
        <header::Header />
        <nav class="tabs" aria-label=move || tr(lang.get(), "Trang", "Pages")>
            <a class=nav_class("/") href="#/" data-testid="nav-home">{move || tr(lang.get(), "Việc cần làm", "To do")}</a>
            <a class=nav_class("/don-vi/") href=format!("#/don-vi/{own_link}") data-testid="nav-office">{move || crate::i18n::term(lang.get(), shared::glossary::MY_OFFICE)}</a>
            <a class=nav_class("/cum") href="#/cum" data-testid="nav-cluster">{move || tr(lang.get(), "Cụm thi đua", "Cluster")}</a>
            <a class=nav_class("/tong-hop") href="#/tong-hop" data-testid="nav-dashboard">{move || tr(lang.get(), "Tổng hợp", "Overview")}</a>
            <a class=nav_class("/dong-bo") href="#/dong-bo" data-testid="nav-sync">{move || tr(lang.get(), "Đồng bộ", "Sync")}</a>
        </nav>
        <widgets::Banners />
        <main class="page">{page}</main>
    }
}

/// Which page a route shows, and for which office (or link): the office
/// page is keyed by its office, so it is rebuilt only when the office
/// changes, not when its sub-page does. `own` is this device's office.
fn page_of(route: &str, own: &str) -> (String, String) {
    let r = route.trim_start_matches('#');
    let page = |kind: &str, key: &str| (kind.to_string(), key.to_string());
    if r == "/cum" {
        page("cluster", "")
    } else if r == "/cum/thiet-lap" {
        page("setup", "")
    } else if r == "/dong-bo" {
        page("sync", "")
    } else if r == "/dang-nhap" || r.starts_with("/dang-nhap?") {
        // Keyed by the whole link: another link opened while one is
        // asked about starts over.
        page("switch", r)
    } else if r == "/tong-hop/in" || r.starts_with("/tong-hop/in?") {
        page("print", "")
    } else if r == "/tong-hop" || r.starts_with("/tong-hop?") {
        page("dashboard", "")
    } else if let Some(rest) = r.strip_prefix("/don-vi/") {
        page("office", &office::split_route(rest).0)
    } else if r.is_empty() || r == "/" {
        page("home", "")
    } else {
        page("office", own)
    }
}

/// Mount [`App`] into `#app` (replacing the loading text), or into `<body>`.
pub fn mount() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(ROOT_ID));
    match root {
        Some(root) => {
            root.set_inner_html("");
            let root: web_sys::HtmlElement = root.unchecked_into();
            leptos::mount::mount_to(root, App).forget();
        }
        None => leptos::mount::mount_to_body(App),
    }
}
