//! Sign-in (đăng nhập thiết bị): needs a connection once; afterwards the app
//! starts from local data with no network at all.
//!
//! [`SignInForm`] asks the relay who a token belongs to (a sign-in link
//! fills it in and sends it at once); [`SignIn`] is the page of a device that
//! is not signed in: the answer is kept in its profile's database
//! ([`crate::session::keep`]) and the app starts. A signed-in device gets
//! the same form on `ui::switch`'s page, which asks before moving it.

use std::rc::Rc;

use leptos::prelude::*;

use crate::i18n::{Lang, tr, use_lang};
use crate::session::{Session, SignInError, sign_in};
use crate::storage::IdbChunkStore;

/// The origin of the page: the relay that served the app.
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// A storage error as a sign-in error, for the form's error line.
pub fn storage_problem(e: &crate::storage::StorageError) -> SignInError {
    SignInError {
        vi: e.message_vi().to_string(),
        en: e.to_string(),
    }
}

/// Relay address and device token, sent to the relay's `/api/directory`;
/// `on_session` gets the relay's answer (and then owns `busy`: it sets it
/// back to false when it is done). `link` (relay, token) fills the form and
/// sends it at once.
#[component]
pub fn SignInForm(
    link: Option<(Option<String>, String)>,
    default_relay: String,
    busy: RwSignal<bool>,
    error: RwSignal<Option<SignInError>>,
    on_session: Rc<dyn Fn(Session)>,
) -> impl IntoView {
    let lang = use_lang();
    let relay = RwSignal::new(
        link.as_ref()
            .and_then(|(r, _)| r.clone())
            .unwrap_or(default_relay),
    );
    let token = RwSignal::new(link.as_ref().map(|(_, t)| t.clone()).unwrap_or_default());
    let on_session = StoredValue::new_local(on_session);
    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (r, t) = (relay.get_untracked(), token.get_untracked());
        let on_session = on_session.get_value();
        wasm_bindgen_futures::spawn_local(async move {
            match sign_in(&r, &t).await {
                Ok(session) => on_session(session),
                Err(e) => {
                    error.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    if link.is_some() {
        submit();
    }
    view! {
        <form on:submit=move |ev| { ev.prevent_default(); submit(); } data-testid="signin-form">
            <label>
                {move || tr(lang.get(), "Địa chỉ máy chủ", "Relay address")}
                <input type="url" required prop:value=move || relay.get()
                    on:input=move |ev| relay.set(event_target_value(&ev)) data-testid="signin-relay" />
            </label>
            <label>
                {move || tr(lang.get(), "Mã thiết bị (token)", "Device token")}
                <input type="text" required autocomplete="off" spellcheck="false"
                    prop:value=move || token.get()
                    on:input=move |ev| token.set(event_target_value(&ev)) data-testid="signin-token" />
            </label>
            <button type="submit" disabled=move || busy.get() data-testid="signin-submit">
                {move || if busy.get() { tr(lang.get(), "Đang đăng nhập…", "Signing in…") } else { tr(lang.get(), "Đăng nhập", "Sign in") }}
            </button>
        </form>
        {move || error.get().map(|e| view! {
            <p class="error" role="alert" data-testid="signin-error">
                {match lang.get() { Lang::Vi => e.vi.clone(), Lang::En => e.en.clone() }}
            </p>
        })}
    }
}

/// The page of a device that is not signed in.
#[component]
pub fn SignIn(
    store: Rc<IdbChunkStore>,
    on_done: impl Fn(Session, Rc<IdbChunkStore>) + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let link = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .and_then(|h| crate::session::link_params(&h));
    let error = RwSignal::new(None::<SignInError>);
    let busy = RwSignal::new(false);
    let on_done = Rc::new(on_done);
    let on_session: Rc<dyn Fn(Session)> = Rc::new(move |session: Session| {
        let store = store.clone();
        let on_done = on_done.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match crate::session::keep(&session, store).await {
                Ok(store) => on_done(session, store),
                Err(e) => error.set(Some(storage_problem(&e))),
            }
            busy.set(false);
        });
    });
    view! {
        <main class="signin">
            <h1>"Thi Đua"</h1>
            <p class="lead">{move || tr(lang.get(),
                "Đăng nhập thiết bị cho đơn vị của bạn. Lần đầu cần có mạng; sau đó ứng dụng chạy được cả khi mất mạng.",
                "Sign this device in for your office. The first time needs a connection; after that the app works offline.")}</p>
            <SignInForm link=link default_relay=page_origin() busy=busy error=error on_session=on_session />
        </main>
    }
}
