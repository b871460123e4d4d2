//! Home (việc cần làm, `#/`): what the clerk of this office has to do now.
//! The deadlines of the cluster's plan with the days left, the work of the
//! year not done yet (each a link to the page where it is done), conflicts
//! to settle and changes not yet on the relay. The counts come from
//! [`shared::summary::office_tasks`], the same functions the dashboard
//! counts with.

use leptos::prelude::*;
use shared::protocol::DocumentId;
use shared::summary::{DeadlineDue, OfficeTasks, office_tasks};

use super::form::today;
use super::office::{cluster_memo, office_memo};
use super::{use_driver, use_signals};
use crate::i18n::{Lang, tr, trs, use_lang};

/// Deadlines this close are marked as near.
const NEAR_DAYS: i64 = 7;

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let session = drv.with_value(|d| d.session());
    let code = session.office.clone();
    let name = session
        .office_entry()
        .map(|o| o.name.clone())
        .unwrap_or_else(|| code.clone());
    let Some(doc) = session
        .office_entry()
        .and_then(|e| DocumentId::from_url(&e.url).ok())
    else {
        return view! { <p class="error">{move || tr(lang.get(), "Không tìm thấy đơn vị của thiết bị này trong cụm.", "This device's office is not in the cluster.")}</p> }.into_any();
    };
    let cluster = cluster_memo(drv, signals);
    let office = office_memo(drv, signals, doc);
    let own = StoredValue::new(code.clone());
    let tasks = Memo::new(move |_| {
        cluster.with(|c| office.with(|o| own.with_value(|code| office_tasks(o, c, code, today()))))
    });
    let conflicts = super::conflicts::conflict_count(drv, signals);
    let unacked = move || signals.view.get().unacknowledged;
    // A memo: the editor is rebuilt only when the answer changes, not on
    // every synced change (it would lose what is being typed).
    let unnamed = Memo::new(move |_| {
        signals.revision.get();
        drv.with_value(|d| d.session().device_name.is_empty())
    });
    let base = format!("#/don-vi/{code}");
    let base = StoredValue::new(base);

    let deadline_rows = move || {
        let l = lang.get();
        tasks.with(|t: &OfficeTasks| {
            t.deadlines
                .iter()
                .map(|d: &DeadlineDue| {
                    let class = if d.days_left < 0 {
                        "deadline overdue"
                    } else if d.days_left <= NEAR_DAYS {
                        "deadline near"
                    } else {
                        "deadline"
                    };
                    let when = match l {
                        Lang::Vi => d.when_vi(),
                        Lang::En => d.when_en(),
                    };
                    view! {
                        <li class=class data-testid="deadline" data-days=d.days_left.to_string()>
                            <span class="deadline-date">{d.date.to_string()}</span>
                            <span class="deadline-name">{d.name.clone()}</span>
                            <span class="deadline-when">{when}</span>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let task_rows = move || {
        let l = lang.get();
        tasks.with(|t| {
            t.tasks
                .iter()
                .map(|task| {
                    let href = format!("{}/{}", base.get_value(), task.kind.page());
                    let class = if task.overdue > 0 { "task overdue" } else { "task" };
                    view! {
                        <li class=class data-testid=format!("task-{}", task.kind.code()) data-count=task.count.to_string()>
                            <a href=href>{trs(l, task.vi.clone(), task.en.clone())}</a>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let nothing_to_do = move || {
        tasks.with(|t| t.tasks.is_empty()).then(|| {
            let y = tasks.with(|t| t.year);
            view! {
                <p class="done-note" data-testid="tasks-done">{move || match lang.get() {
                    Lang::Vi => format!("Đơn vị đã thực hiện xong các việc của năm {y} đến thời điểm này."),
                    Lang::En => format!("The office has done this year's ({y}) work so far."),
                }}</p>
            }
        })
    };
    let sync_rows = move || {
        let l = lang.get();
        let c = conflicts.get();
        let u = unacked();
        let mut rows = Vec::new();
        if c > 0 {
            rows.push(view! {
                <li class="task overdue" data-testid="task-conflicts" data-count=c.to_string()>
                    <a href="#/dong-bo">{match l {
                        Lang::Vi => format!("{c} nội dung có giá trị khác nhau giữa các thiết bị, cần chọn giá trị giữ lại."),
                        Lang::En => format!("{c} fields hold different values from different devices: pick the one to keep."),
                    }}</a>
                </li>
            });
        }
        if u > 0 {
            rows.push(view! {
                <li class="task" data-testid="task-unacked" data-count=u.to_string()>
                    <a href="#/dong-bo">{match l {
                        Lang::Vi => format!("{u} thay đổi trên máy này chưa gửi lên máy chủ; sẽ tự gửi khi có kết nối."),
                        Lang::En => format!("{u} changes on this device are not on the relay yet; they are sent when a connection is back."),
                    }}</a>
                </li>
            });
        }
        rows
    };

    view! {
        <section class="home" data-testid="home">
            <h2>{move || tr(lang.get(), "Việc cần làm", "To do")}</h2>
            <p class="muted">{move || match lang.get() {
                Lang::Vi => format!("{name} · năm thi đua {}", tasks.with(|t| t.year)),
                Lang::En => format!("{name} · year {}", tasks.with(|t| t.year)),
            }}</p>
            <div class="home-grid">
                <div class="card">
                    <h3>{move || tr(lang.get(), "Thời hạn theo kế hoạch của Cụm", "Deadlines of the cluster's plan")}</h3>
                    <ul class="deadlines" data-testid="deadlines">{deadline_rows}</ul>
                    {move || tasks.with(|t| t.deadlines.is_empty()).then(|| view! {
                        <p class="muted">{move || tr(lang.get(), "Không có thời hạn nào sắp tới.", "No deadlines ahead.")}</p>
                    })}
                </div>
                <div class="card">
                    <h3>{move || tr(lang.get(), "Việc của đơn vị", "The office's work")}</h3>
                    <ul class="tasks" data-testid="tasks">{task_rows}</ul>
                    {nothing_to_do}
                </div>
                <div class="card">
                    <h3>{move || tr(lang.get(), "Dữ liệu trên máy này", "Data on this device")}</h3>
                    <ul class="tasks" data-testid="sync-tasks">{sync_rows}</ul>
                    {move || unnamed.get().then(|| view! { <super::widgets::DeviceNameEditor prompt=true /> })}
                    {move || (conflicts.get() == 0 && unacked() == 0).then(|| view! {
                        <p class="muted" data-testid="sync-clean">{move || tr(lang.get(), "Không có xung đột; mọi thay đổi đã gửi lên máy chủ.", "No conflicts; every change is on the relay.")}</p>
                    })}
                </div>
            </div>
        </section>
    }
    .into_any()
}
