//! Sign-in (đăng nhập thiết bị): needs a connection once; afterwards the app
//! starts from local data with no network at all.

use std::rc::Rc;

use leptos::prelude::*;

use crate::i18n::{tr, use_lang};
use crate::session::{SESSION_KEY, Session, SignInError, link_params, sign_in};
use crate::storage::IdbChunkStore;

fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

#[component]
pub fn SignIn(
    store: Rc<IdbChunkStore>,
    on_done: impl Fn(Session, Rc<IdbChunkStore>) + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let link = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .and_then(|h| link_params(&h));
    let relay = RwSignal::new(
        link.as_ref()
            .and_then(|(r, _)| r.clone())
            .unwrap_or_else(page_origin),
    );
    let token = RwSignal::new(link.as_ref().map(|(_, t)| t.clone()).unwrap_or_default());
    let error = RwSignal::new(None::<SignInError>);
    let busy = RwSignal::new(false);
    let store = StoredValue::new_local(store);
    let on_done =
        StoredValue::new_local(Rc::new(on_done) as Rc<dyn Fn(Session, Rc<IdbChunkStore>)>);
    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (r, t) = (relay.get_untracked(), token.get_untracked());
        let store = store.get_value();
        let on_done = on_done.get_value();
        wasm_bindgen_futures::spawn_local(async move {
            match sign_in(&r, &t).await {
                Ok(session) => match store.put_setting_json(SESSION_KEY, &session).await {
                    Ok(()) => on_done(session, store),
                    Err(e) => error.set(Some(SignInError {
                        vi: e.message_vi().to_string(),
                        en: e.to_string(),
                    })),
                },
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    if link.is_some() {
        submit();
    }
    view! {
        <main class="signin">
            <h1>"Thi Đua"</h1>
            <p class="lead">{move || tr(lang.get(),
                "Đăng nhập thiết bị cho đơn vị của bạn. Lần đầu cần có mạng; sau đó ứng dụng chạy được cả khi mất mạng.",
                "Sign this device in for your office. The first time needs a connection; after that the app works offline.")}</p>
            <form on:submit=move |ev| { ev.prevent_default(); submit(); }>
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
                    {match lang.get() { crate::i18n::Lang::Vi => e.vi.clone(), crate::i18n::Lang::En => e.en.clone() }}
                </p>
            })}
        </main>
    }
}
