//! Pages loaded on demand (tải khi cần).
//!
//! In the production build each page below is a split point: after
//! linking, `scripts/build-app.sh` runs `wasm-split-cli` (crates.io
//! `wasm_split_cli_support`), which moves the code only these pages use out
//! of the main wasm into two modules: `office` (one office's TĐKT year, the
//! daily work) and `overview` (cluster, set-up, dashboard and its print view,
//! sync details, moving the device), plus one chunk of code both share. The
//! first screen (home, "việc cần làm") needs only the main module, so a
//! first visit over a mountain link downloads and compiles far less before
//! the clerk can work. Two groups, not one module per page: every module is
//! one more fetch and compile, and one per page made 57 small modules (the
//! code shared by each combination of pages), which cost more to start the
//! office page than they saved. The service worker pre-caches every module
//! of the build; [`preload`] starts the module of the page the app opens on
//! while the local data is read, and [`preload_all`] loads the rest in the
//! background once the app is up, so pages open at once, offline too.
//!
//! A module that cannot be fetched (offline before the service worker
//! finished caching) leaves the page with a message and a retry button, never
//! a broken app: the loads are `fallible`. When the server has meanwhile
//! moved to a new build (a deploy while the page was open: the old build's
//! modules are gone), retrying cannot help; the message says so and offers
//! to reload into the new build ([`crate::version`]).
//!
//! Only the production build sets `--cfg thidua_split`; in every other build
//! (unit tests, `cargo check`, the debug build) these are plain functions.

use leptos::prelude::*;

use super::{cluster, cluster_setup, dashboard, office, switch, sync_page};

/// A page's module could not be loaded (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NotLoaded;

#[cfg(thidua_split)]
impl From<leptos::wasm_split::SplitLoaderError> for NotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        NotLoaded
    }
}

/// Defines a page that is a split point in the production build: `$module`
/// names the module its code goes to (`split_<module>.wasm`), `$load` loads
/// that module without building the page.
macro_rules! split_page {
    ($(#[$doc:meta])* $module:ident: $name:ident / $load:ident ($($arg:ident: $ty:ty),*) => $body:expr) => {
        $(#[$doc])*
        #[cfg_attr(
            thidua_split,
            leptos::wasm_split::wasm_split(
                $module,
                wasm_split_path = ::leptos::wasm_split,
                preload(#[doc(hidden)] $load),
                fallible
            )
        )]
        pub(super) fn $name($($arg: $ty),*) -> Result<AnyView, NotLoaded> {
            Ok($body.into_any())
        }
    };
}

split_page!(
    /// `#/cum`: the cluster's offices.
    overview: cluster_page / load_cluster_page() => view! { <cluster::ClusterPage /> }
);
split_page!(
    /// `#/cum/thiet-lap`: the cluster's set-up.
    overview: setup_page / load_setup_page() => view! { <cluster_setup::ClusterSetupPage /> }
);
split_page!(
    /// `#/dong-bo`: sync details and conflicts.
    overview: sync_details_page / load_sync_details_page() => view! { <sync_page::SyncPage /> }
);
split_page!(
    /// `#/dang-nhap`: moving this device to another relay, cluster or office.
    overview: switch_page / load_switch_page(link: String) => view! { <switch::SwitchPage link=link /> }
);
split_page!(
    /// `#/tong-hop`: the cluster dashboard.
    overview: dashboard_page / load_dashboard_page() => view! { <dashboard::DashboardPage /> }
);
split_page!(
    /// `#/tong-hop/in`: the dashboard's printable report.
    overview: print_page / load_print_page() => view! { <dashboard::print::PrintPage /> }
);
split_page!(
    /// `#/don-vi/<code>`: one office's TĐKT year.
    office: office_page / load_office_page(code: String, page: Signal<String>) => view! { <office::OfficePage code=code page=page /> }
);

/// Why the module of the page shown could not be fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// It was fetched (or nobody tried yet).
    None,
    /// The network: offline, or the server did not answer.
    Network,
    /// The server serves a newer build, without this page's modules.
    Outdated,
}

/// The shell's side of pages loaded on demand: what the page slot tracks.
#[derive(Clone, Copy)]
pub(super) struct Loading {
    /// Bumped when the module of the page being opened has arrived (or
    /// "Thử lại" is pressed): the page slot builds its page again.
    wake: RwSignal<u32>,
    /// The page the slot shows (its kind, as routed), and whether its module
    /// could not be fetched while it was open. Opening another page forgets
    /// the failure, so coming back tries again; a later successful load
    /// clears it. Not reactive: the slot reads them when `wake` or the route
    /// rebuilds it.
    shown: StoredValue<(String, Failure)>,
}

impl Loading {
    pub(super) fn new() -> Self {
        Loading {
            wake: RwSignal::new(0),
            shown: StoredValue::new((String::new(), Failure::None)),
        }
    }

    /// Called by the page slot before it builds the page of `kind` (every
    /// page, those of the main module too): rebuild on a wake, and forget
    /// the failure of the page shown before.
    pub(super) fn open(&self, kind: &str) {
        self.wake.track();
        self.shown.update_value(|(shown, failed)| {
            if shown != kind {
                *shown = kind.to_string();
                *failed = Failure::None;
            }
        });
    }

    /// Whether the module of the page shown failed to load while it was
    /// open (and nobody retried since).
    pub(super) fn failed(&self) -> bool {
        self.failure() != Failure::None
    }

    fn failure(&self) -> Failure {
        self.shown.with_value(|(_, failed)| *failed)
    }

    /// Waits for the module of the page shown (`load`), then wakes the page
    /// slot if it still shows that page (`current`): it builds the page, now
    /// at once, or says the module could not be fetched.
    #[cfg_attr(not(thidua_split), allow(dead_code))]
    pub(super) fn wait<F>(self, load: F, current: impl Fn() -> bool + 'static)
    where
        F: std::future::Future<Output = bool> + 'static,
    {
        leptos::task::spawn_local(async move {
            let failure = if load.await {
                Failure::None
            } else if crate::version::newer_on_server().await {
                Failure::Outdated
            } else {
                Failure::Network
            };
            if !current() {
                return;
            }
            self.shown.update_value(|(_, failed)| *failed = failure);
            self.wake.update(|n| *n += 1);
        });
    }

    fn retry(&self) {
        self.shown
            .update_value(|(_, failed)| *failed = Failure::None);
        self.wake.update(|n| *n += 1);
    }
}

/// What a page shows while its module is being fetched the first time.
#[cfg_attr(not(thidua_split), allow(dead_code))]
pub(super) fn loading() -> AnyView {
    let lang = crate::i18n::use_lang();
    view! {
        <p class="loading" data-testid="page-loading">
            {move || crate::i18n::tr(lang.get(), "Đang tải trang…", "Loading the page…")}
        </p>
    }
    .into_any()
}

/// What a page shows when its module could not be fetched: why, that the
/// data is safe, and the one thing to do.
pub(super) fn not_loaded(state: Loading) -> AnyView {
    let lang = crate::i18n::use_lang();
    let outdated = state.failure() == Failure::Outdated;
    let (reason, vi, en, button_vi, button_en) = if outdated {
        (
            "new-version",
            "Chưa mở được trang này: máy chủ vừa được cập nhật lên phiên bản mới của ứng dụng, trang này cần phiên bản mới. Dữ liệu trên máy vẫn còn nguyên. Hãy bấm \"Tải lại\" để dùng phiên bản mới.",
            "This page could not be opened: the server has just been updated to a new version of the app, and this page needs it. Your data on this device is safe. Press \"Reload\" to use the new version.",
            "Tải lại",
            "Reload",
        )
    } else {
        (
            "network",
            "Chưa mở được trang này: phần mềm của trang chưa được tải về máy (máy đang ngoại tuyến và lần trước chưa tải xong). Dữ liệu trên máy vẫn còn nguyên. Hãy kết nối mạng rồi bấm \"Thử lại\".",
            "This page could not be opened: its part of the app has not been downloaded to this device yet (the device is offline and the last download did not finish). Your data on this device is safe. Connect to the network, then press \"Try again\".",
            "Thử lại",
            "Try again",
        )
    };
    let act = move |_| {
        if outdated {
            crate::version::reload_to_new_version()
        } else {
            state.retry()
        }
    };
    view! {
        <div class="banner banner-error" role="alert" data-testid="page-not-loaded" data-reason=reason>
            <p>{move || crate::i18n::tr(lang.get(), vi, en)}</p>
            <button type="button" class="btn" on:click=act>
                {move || crate::i18n::tr(lang.get(), button_vi, button_en)}
            </button>
        </div>
    }
    .into_any()
}

/// Polls `fut` once: its output if it is ready at once. A split page's
/// future is ready at once when its module is loaded, and then builds the
/// page right here, in the caller's reactive owner, exactly as a plain call.
#[cfg_attr(not(thidua_split), allow(dead_code))]
pub(super) fn now_or_never<F: std::future::Future>(fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => Some(out),
        std::task::Poll::Pending => None,
    }
}

/// Shows a page defined with `split_page!`, inside the page slot's reactive
/// closure, after [`Loading::open`]: `show_page!(loading_state, is_current,
/// page / load, args…)`.
/// Without splitting, the page is built at once. In the production build it
/// is built at once when its module is loaded; otherwise "Đang tải trang…"
/// shows while the module is fetched, then the slot builds the page (if the
/// user is still there), or [`not_loaded`] when it cannot be fetched.
macro_rules! show_page {
    ($state:expr, $current:expr, $page:ident / $load:ident $(, $arg:expr)*) => {{
        let state: $crate::ui::lazy_pages::Loading = $state;
        if state.failed() {
            $crate::ui::lazy_pages::not_loaded(state)
        } else {
            #[cfg(thidua_split)]
            {
                let built = $crate::ui::lazy_pages::now_or_never($crate::ui::lazy_pages::$page($($arg),*));
                match built {
                    Some(Ok(view)) => view,
                    Some(Err(_)) => $crate::ui::lazy_pages::not_loaded(state),
                    None => {
                        state.wait(
                            async { $crate::ui::lazy_pages::$load().await.is_ok() },
                            $current,
                        );
                        $crate::ui::lazy_pages::loading()
                    }
                }
            }
            #[cfg(not(thidua_split))]
            {
                let _ = &$current;
                match $crate::ui::lazy_pages::$page($($arg),*) {
                    Ok(view) => view,
                    Err(_) => $crate::ui::lazy_pages::not_loaded(state),
                }
            }
        }
    }};
}
pub(super) use show_page;

/// The pages of the split modules, as named by the shell's routing.
#[cfg(thidua_split)]
const SPLIT_KINDS: [&str; 7] = [
    "office",
    "dashboard",
    "print",
    "sync",
    "cluster",
    "setup",
    "switch",
];

/// Loads the module of page `kind` (nothing for the pages of the main
/// module). Each page's loader loads its whole module: the first call
/// fetches it, the others find it loaded.
#[cfg(thidua_split)]
async fn load_module_of(kind: &str) {
    let _ = match kind {
        "office" => load_office_page().await,
        "dashboard" => load_dashboard_page().await,
        "print" => load_print_page().await,
        "sync" => load_sync_details_page().await,
        "cluster" => load_cluster_page().await,
        "setup" => load_setup_page().await,
        "switch" => load_switch_page().await,
        _ => Ok(()),
    };
}

/// Starts loading the module of the page the app opens on (`kind`, as
/// routed) in the background; nothing without splitting.
pub(super) fn preload(kind: &str) {
    // Not "switch": a sign-in link on a new device opens the sign-in form
    // (main module); the overview module would be fetched for nothing on
    // the first visit.
    #[cfg(thidua_split)]
    if kind != "switch" {
        let kind = kind.to_string();
        leptos::task::spawn_local(async move { load_module_of(&kind).await });
    }
    #[cfg(not(thidua_split))]
    let _ = kind;
}

/// Loads every page's module in the background (production build; nothing
/// otherwise), one after the other, so that later pages open at once and
/// offline. A module that cannot be fetched now is fetched again when its
/// page opens.
pub(super) fn preload_all() {
    #[cfg(thidua_split)]
    leptos::task::spawn_local(async {
        // After the first screen is up and its data read.
        crate::sync::sleep_ms(2_000).await;
        for kind in SPLIT_KINDS {
            load_module_of(kind).await;
        }
    });
}
