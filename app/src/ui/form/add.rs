//! "Add" forms ([`AddForm`]) and their small inputs, the error line of a card, delete buttons.

use leptos::prelude::*;
use shared::schema::write::{self};

use super::super::use_driver;
use crate::i18n::{Lang, tr, use_lang};

use super::*;

/// A labelled text input bound to a signal, with its error under it.
#[component]
pub fn TextInput(
    value: RwSignal<String>,
    vi: &'static str,
    en: &'static str,
    #[prop(into)] testid: String,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] area: bool,
) -> impl IntoView {
    let lang = use_lang();
    let invalid = move || error.get().is_some().to_string();
    let err_id = format!("{testid}-error");
    let input = if area {
        view! {
            <textarea data-testid=testid rows="3" aria-invalid=invalid placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))></textarea>
        }
        .into_any()
    } else {
        view! {
            <input type="text" data-testid=testid aria-invalid=invalid placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
        }
        .into_any()
    };
    view! {
        <div class=if area { "field wide" } else { "field" }>
            <label>
                <span class="label">{move || tr(lang.get(), vi, en)}</span>
                {input}
            </label>
            {move || error.get().map(|e| view! { <div class="field-error" role="alert" data-testid=err_id.clone()>{e}</div> })}
        </div>
    }
}

/// A labelled select bound to a signal holding the chosen code.
#[component]
pub fn SelectInput(
    value: RwSignal<String>,
    vi: &'static str,
    en: &'static str,
    #[prop(into)] testid: String,
    #[prop(into)] options: Signal<Vec<Opt>>,
    #[prop(into, optional)] error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let lang = use_lang();
    let err_id = format!("{testid}-error");
    view! {
        <div class="field">
            <label>
                <span class="label">{move || tr(lang.get(), vi, en)}</span>
                <select data-testid=testid on:change=move |ev| value.set(event_target_value(&ev))>
                    {move || {
                        let current = value.get();
                        options.get().into_iter().map(|o| {
                            let selected = o.code == current;
                            view! { <option value=o.code.clone() prop:selected=selected>{o.label(lang.get())}</option> }
                        }).collect_view()
                    }}
                </select>
            </label>
            {move || error.and_then(|e| e.get()).map(|e| view! { <div class="field-error" role="alert" data-testid=err_id.clone()>{e}</div> })}
        </div>
    }
}

/// The error text for `key` among `problems`, in the current language.
pub fn error_for(
    lang: RwSignal<Lang>,
    problems: RwSignal<Vec<Problem>>,
    key: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let p = problem_for(&problems.get(), key);
        (!p.is_empty()).then(|| problems_text(lang.get(), &p))
    })
}

/// Problems of a form not tied to one of its fields.
#[component]
pub fn FormProblems(
    problems: RwSignal<Vec<Problem>>,
    /// Keys shown next to their own inputs.
    keys: &'static [&'static str],
    #[prop(into)] testid: String,
) -> impl IntoView {
    let lang = use_lang();
    let rest = move || {
        problems
            .get()
            .into_iter()
            .filter(|p| {
                !keys
                    .iter()
                    .any(|k| p.path == *k || p.path.ends_with(&format!("/{k}")))
            })
            .collect::<Vec<_>>()
    };
    view! {
        {move || {
            let r = rest();
            (!r.is_empty()).then(|| view! {
                <div class="field-error form-error" role="alert" data-testid=testid.clone()>{problems_text(lang.get(), &r)}</div>
            })
        }}
    }
}

/// The problem of an "add" form's `date` input when it is not dd/mm/yyyy.
pub fn date_problem() -> Problem {
    Problem::at(
        "date",
        "Ngày phải có dạng dd/mm/yyyy.",
        "Write the date as dd/mm/yyyy.",
    )
}

/// The submit handler of an "add" form: runs `add` (without reloading the
/// page), then clears the form's problems once it has added, or shows why
/// not. `add` empties its inputs itself after saving.
pub fn submit_add(
    problems: RwSignal<Vec<Problem>>,
    add: impl Fn() -> Result<(), Vec<Problem>> + 'static,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    move |ev| {
        ev.prevent_default();
        problems.set(add().err().unwrap_or_default());
    }
}

/// An "add" form on a card: its inputs (`children`), the problems not shown
/// at an input ([`FormProblems`]) and the submit button, with the test ids
/// `{testid}-add-form`, `{testid}-add-error` and `{testid}-add`. Submitting
/// runs `on_add` as [`submit_add`] does.
#[component]
pub fn AddForm(
    testid: &'static str,
    problems: RwSignal<Vec<Problem>>,
    /// Keys shown next to their own inputs.
    keys: &'static [&'static str],
    /// The button's label (Vietnamese, English).
    button: (&'static str, &'static str),
    on_add: impl Fn() -> Result<(), Vec<Problem>> + 'static,
    children: Children,
) -> impl IntoView {
    let lang = use_lang();
    // "Đã lưu" after a successful add, until the next submit: the new record
    // may be far down the page.
    let saved = RwSignal::new(false);
    let add = move || {
        let r = on_add();
        saved.set(r.is_ok());
        r
    };
    view! {
        <form class="card add-form" on:submit=submit_add(problems, add) data-testid=format!("{testid}-add-form")>
            {children()}
            <FormProblems problems=problems keys=keys testid=format!("{testid}-add-error") />
            <button type="submit" data-testid=format!("{testid}-add")>{move || tr(lang.get(), button.0, button.1)}</button>
            <span class="saved-note" role="status" data-testid=format!("{testid}-add-saved")>
                {move || saved.get().then(|| tr(lang.get(), " Đã lưu.", " Saved."))}
            </span>
        </form>
    }
}

/// The error of a card's last action ([`refusal_text`]), while there is one.
#[component]
pub fn ErrorNote(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <div class="field-error" role="alert">{e}</div> })
    }
}

/// Ask before deleting (window.confirm); true when confirmed or no window.
pub fn confirm(text: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(text).ok())
        .unwrap_or(true)
}

/// A delete button for the record `id` in the map at `path`.
#[component]
pub fn DeleteButton(
    ctx: DocCtx,
    path: Vec<String>,
    id: String,
    /// History line, e.g. "Xoá cán bộ Trần Thị Liên".
    #[prop(into)]
    summary: String,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let error = RwSignal::new(None::<String>);
    let path = StoredValue::new(path);
    let id = StoredValue::new(id);
    let summary = StoredValue::new(summary);
    let on_click = move |_| {
        let l = lang.get_untracked();
        let question = summary.with_value(|s| format!("{s}?"));
        if !confirm(&question) {
            return;
        }
        let result = save(drv, ctx.doc, &summary.get_value(), |tx| {
            path.with_value(|p| {
                let p: Vec<&str> = p.iter().map(String::as_str).collect();
                id.with_value(|id| write::delete_entry(tx, &p, id))
            })
        });
        error.set(refusal_text(l, result));
    };
    view! {
        {move || ctx.editable.get().then(|| view! {
            <button type="button" class="danger small" data-testid=testid.clone() on:click=on_click>
                {move || tr(lang.get(), "Xoá", "Delete")}
            </button>
        })}
        {move || error.get().map(|e| view! { <span class="field-error">{e}</span> })}
    }
}
