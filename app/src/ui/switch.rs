//! A sign-in link or the sign-in form on a signed-in device
//! (`#/dang-nhap[?token=…&relay=…]`): moving the device to another relay,
//! cluster or office is an explicit, confirmed action.
//!
//! - The link this device already uses: nothing happens, back to its page.
//! - A token of the same relay, cluster and office (a new token for this
//!   office): a plain sign-in again, no question; the app restarts with it.
//! - Another relay, another cluster, or another office (another identity):
//!   the page names both sides and how many changes have not yet reached the
//!   current relay, and asks. "Huỷ" (cancel) changes nothing. "Chuyển"
//!   (switch) keeps the new session in its profile's own database
//!   ([`crate::session::keep`]) and restarts the app on it; the current
//!   profile's database, with its replicas and unsent edits, stays as it is
//!   until the device signs in there again.

use std::rc::Rc;

use leptos::prelude::*;

use super::signin::{SignInForm, page_origin, storage_problem};
use super::{navigate, use_driver, use_signals};
use crate::i18n::{Lang, tr, use_lang};
use crate::session::{Session, SignInError, keep, link_params};
use crate::storage::profiles::normalize_relay;

/// Start the app again on the session now kept, at the office page.
fn restart_home() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash("#/");
        let _ = w.location().reload();
    }
}

/// One side of the question, in words.
#[derive(Clone)]
struct Side {
    relay: String,
    cluster: String,
    /// The end of the cluster document's URL, to tell apart two clusters
    /// of the same name.
    cluster_doc: String,
    office: String,
}

impl Side {
    fn of(s: &Session) -> Side {
        let office = s
            .office_entry()
            .map(|o| format!("{} ({})", o.name, s.office))
            .unwrap_or_else(|| s.office.clone());
        let url = &s.directory.cluster_url;
        let tail: String = url
            .chars()
            .skip(url.chars().count().saturating_sub(8))
            .collect();
        Side {
            relay: s.relay.clone(),
            cluster: s.directory.cluster.clone(),
            cluster_doc: format!("…{tail}"),
            office,
        }
    }
}

/// What differs between the current session and the link's, in words.
fn differences(lang: Lang, now: &Session, next: &Session) -> String {
    let (a, b) = (now.profile(), next.profile());
    let mut parts = Vec::new();
    if a.relay != b.relay {
        parts.push(tr(lang, "một máy chủ khác", "another relay"));
    }
    if a.cluster_url != b.cluster_url {
        parts.push(tr(lang, "một cụm thi đua khác", "another cluster"));
    }
    if a.office != b.office {
        parts.push(tr(
            lang,
            "một đơn vị khác (thiết bị sẽ mang danh tính của đơn vị đó)",
            "another office (the device would act as that office)",
        ));
    }
    let list = parts.join(", ");
    match lang {
        Lang::Vi => format!(
            "Liên kết đăng nhập này chuyển thiết bị sang {list}. Thiết bị chỉ chuyển khi bạn đồng ý."
        ),
        Lang::En => {
            format!("This sign-in link moves the device to {list}. It moves only if you agree.")
        }
    }
}

/// How many changes have not reached the current relay, and that they stay;
/// `settling` while local data is still opening (the count may grow).
fn unsent_text(lang: Lang, n: usize, settling: bool, now: &Side) -> String {
    let Side {
        relay,
        cluster,
        office,
        ..
    } = now;
    let mut text = match (lang, n) {
        (Lang::Vi, 0) => format!(
            "Mọi thay đổi đã được gửi lên máy chủ {relay}. Dữ liệu của {office} trong {cluster} vẫn được giữ trên máy này."
        ),
        (Lang::Vi, n) => format!(
            "Còn {n} thay đổi chưa gửi lên máy chủ {relay}. Các thay đổi này không bị mất: cùng toàn bộ dữ liệu của {office} trong {cluster}, chúng được giữ trên máy này và sẽ được gửi khi thiết bị đăng nhập lại máy chủ {relay}."
        ),
        (Lang::En, 0) => format!(
            "Every change has reached the relay {relay}. The data of {office} in {cluster} stays on this device."
        ),
        (Lang::En, n) => format!(
            "{n} change(s) have not yet reached the relay {relay}. They are not lost: with all the data of {office} in {cluster}, they stay on this device and are sent when the device signs in to {relay} again."
        ),
    };
    if settling {
        text.push_str(tr(
            lang,
            " (đang mở dữ liệu trên máy, con số có thể còn tăng)",
            " (local data is still opening: the count may grow)",
        ));
    }
    text
}

/// The page of `#/dang-nhap…` on a signed-in device; `link` is the route
/// without its `#`.
#[component]
pub fn SwitchPage(link: String) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let current = drv.with_value(|d| d.session());
    let link = link_params(&format!("#{link}"));
    let already = link.as_ref().is_some_and(|(relay, token)| {
        let relay = relay.clone().unwrap_or_else(page_origin);
        *token == current.token && normalize_relay(&relay) == normalize_relay(&current.relay)
    });
    if already {
        // The link this device already uses: nothing to ask.
        navigate("#/");
        return ().into_any();
    }

    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<SignInError>);
    let pending = RwSignal::new(None::<Session>);
    let store = StoredValue::new_local(drv.with_value(|d| d.inner.borrow().store.clone()));
    let here = current.profile();
    let on_session: Rc<dyn Fn(Session)> = Rc::new(move |next: Session| {
        if next.profile() == here {
            // A new token of this very identity: sign in again, no question.
            let store = store.get_value();
            wasm_bindgen_futures::spawn_local(async move {
                match keep(&next, store).await {
                    Ok(_) => restart_home(),
                    Err(e) => {
                        error.set(Some(storage_problem(&e)));
                        busy.set(false);
                    }
                }
            });
        } else {
            pending.set(Some(next));
            busy.set(false);
        }
    });
    let confirm = move |_| {
        let Some(next) = pending.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let store = store.get_value();
        wasm_bindgen_futures::spawn_local(async move {
            match keep(&next, store).await {
                Ok(_) => restart_home(),
                Err(e) => {
                    error.set(Some(storage_problem(&e)));
                    busy.set(false);
                }
            }
        });
    };
    let cancel = move |_| navigate("#/");

    let now = Side::of(&current);
    let form = {
        let now = now.clone();
        view! {
            <section class="switch" data-testid="switch-form" hidden=move || pending.with(Option::is_some)>
                <h2>{move || tr(lang.get(), "Đăng nhập bằng mã thiết bị khác", "Sign in with another device token")}</h2>
                <p class="muted">{move || match lang.get() {
                    Lang::Vi => format!(
                        "Thiết bị đang dùng máy chủ {} — {} — {}. Nếu mã dưới đây thuộc máy chủ, cụm thi đua hoặc đơn vị khác, ứng dụng sẽ hỏi trước khi chuyển.",
                        now.relay, now.cluster, now.office),
                    Lang::En => format!(
                        "This device uses the relay {} — {} — {}. If the token below belongs to another relay, cluster or office, the app asks before moving.",
                        now.relay, now.cluster, now.office),
                }}</p>
                <SignInForm link=link default_relay=current.relay.clone() busy=busy error=error on_session=on_session />
                <p>
                    <button type="button" class="secondary" on:click=cancel data-testid="switch-back">
                        {move || tr(lang.get(), "Quay lại", "Back")}
                    </button>
                </p>
            </section>
        }
    };
    let question = move || {
        let next = pending.get()?;
        let (a, b) = (now.clone(), Side::of(&next));
        let current = current.clone();
        let unsent = {
            let a = a.clone();
            move || {
                let v = signals.view.get();
                let settling = v.loaded.0 < v.loaded.1 || !v.count_known;
                unsent_text(lang.get(), v.unacknowledged, settling, &a)
            }
        };
        // Two clusters of one name: show which documents they are.
        let same_name = a.cluster == b.cluster && a.cluster_doc != b.cluster_doc;
        let b_cluster = b.cluster.clone();
        let a_relay = a.relay.clone();
        Some(view! {
            <section class="switch switch-confirm" role="alertdialog" aria-labelledby="switch-title"
                aria-describedby="switch-what" data-testid="switch-confirm">
                <h2 id="switch-title">{move || tr(lang.get(),
                    "Chuyển thiết bị sang máy chủ hoặc cụm thi đua khác?",
                    "Move this device to another relay or cluster?")}</h2>
                <p id="switch-what" data-testid="switch-what">{
                    let next = next.clone();
                    move || differences(lang.get(), &current, &next)
                }</p>
                <table class="switch-sides">
                    <thead><tr>
                        <th></th>
                        <th>{move || tr(lang.get(), "Đang dùng", "In use now")}</th>
                        <th>{move || tr(lang.get(), "Liên kết này", "This link")}</th>
                    </tr></thead>
                    <tbody>
                        <tr>
                            <th>{move || tr(lang.get(), "Máy chủ", "Relay")}</th>
                            <td data-testid="switch-from-relay">{a.relay.clone()}</td>
                            <td data-testid="switch-to-relay">{b.relay.clone()}</td>
                        </tr>
                        <tr>
                            <th>{move || tr(lang.get(), "Cụm thi đua", "Cluster")}</th>
                            <td>{a.cluster.clone()}{same_name.then(|| view! {
                                <div class="muted small">{move || tr(lang.get(), "tài liệu cụm ", "cluster document ")}{a.cluster_doc.clone()}</div>
                            })}</td>
                            <td>{b.cluster.clone()}{same_name.then(|| view! {
                                <div class="muted small">{move || tr(lang.get(), "tài liệu cụm ", "cluster document ")}{b.cluster_doc.clone()}</div>
                            })}</td>
                        </tr>
                        <tr>
                            <th>{move || tr(lang.get(), "Đơn vị", "Office")}</th>
                            <td data-testid="switch-from-office">{a.office.clone()}</td>
                            <td data-testid="switch-to-office">{b.office.clone()}</td>
                        </tr>
                    </tbody>
                </table>
                <p class="switch-unsent" data-testid="switch-unsent"
                    data-count=move || signals.view.get().unacknowledged>{unsent}</p>
                <p>{move || match lang.get() {
                    Lang::Vi => format!(
                        "Sau khi chuyển, thiết bị làm việc với dữ liệu riêng của {b_cluster}; dữ liệu hai bên không trộn lẫn. Muốn quay lại, hãy mở lại liên kết đăng nhập của máy chủ {a_relay}."),
                    Lang::En => format!(
                        "After the move the device works on the own data of {b_cluster}; the two are never mixed. To come back, open a sign-in link of the relay {a_relay} again."),
                }}</p>
                <p class="muted">{move || tr(lang.get(),
                    "Chỉ chuyển khi liên kết này do quản trị viên đơn vị của bạn gửi.",
                    "Only move if your office's administrator sent you this link.")}</p>
                <div class="actions">
                    <button type="button" class="secondary" on:click=cancel data-testid="switch-cancel">
                        {move || tr(lang.get(), "Huỷ, giữ nguyên", "Cancel, keep everything as it is")}
                    </button>
                    <button type="button" class="primary" on:click=confirm disabled=move || busy.get()
                        data-testid="switch-accept">
                        {move || if busy.get() {
                            tr(lang.get(), "Đang chuyển…", "Switching…")
                        } else {
                            tr(lang.get(), "Chuyển sang máy chủ, cụm này", "Move to this relay and cluster")
                        }}
                    </button>
                </div>
                {move || error.get().map(|e| view! {
                    <p class="error" role="alert" data-testid="switch-error">
                        {match lang.get() { Lang::Vi => e.vi.clone(), Lang::En => e.en.clone() }}
                    </p>
                })}
            </section>
        })
    };
    view! {
        {form}
        {question}
    }
    .into_any()
}
