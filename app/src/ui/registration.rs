//! Registration (đăng ký thi đua): each person's target title and the
//! collective's, with the date registered; the deadline from the cluster
//! document (e.g. by 25/3), with a warning once it has passed.

use leptos::prelude::*;
use shared::domain::Title;
use shared::domain::rules::Date;
use shared::lists::{ListChoice, RegistrationOrder};
use shared::schema::Registration;
use shared::schema::value::TextCode;
use shared::schema::write::put_entry;

use super::form::{
    AddForm, COLLECTIVE, DeleteButton, Field, Kind, Opt, Problem, SelectInput, TextInput,
    error_for, new_id, parse_date, save, title_opts, titles_for, today,
};
use super::list_filter::list_choice;
use super::office::{person_name, subject_opts, use_office};
use super::records::{EmptyNote, record_memo};
use super::targets::TargetsCard;
use super::use_driver;
use crate::i18n::{tr, use_lang};

/// The registration deadline of `year` (the same rule the cluster summary uses).
pub use shared::summary::registration_deadline_named as registration_deadline;

#[component]
pub fn RegistrationPage() -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, cluster, year, ctx) = (ov.office, ov.cluster, ov.year, ov.ctx);
    let deadline = Memo::new(move |_| cluster.with(|c| registration_deadline(c, year.get())));
    let total = Memo::new(move |_| {
        let y = year.get();
        office.with(|o| o.registrations.values().filter(|r| r.year == y).count())
    });
    let query = RwSignal::new(String::new());
    let (order, order_opts) = list_choice::<RegistrationOrder>();
    let shown = Memo::new(move |_| {
        let (q, y) = (query.get(), year.get());
        let order = RegistrationOrder::from_code(&order.get());
        office.with(|o| shared::lists::registrations(o, y, order, &q))
    });
    let deadline_text = move || {
        let l = lang.get();
        match deadline.get() {
            Some((name, d)) => format!(
                "{}: {} ({})",
                tr(l, "Hạn đăng ký", "Registration deadline"),
                d,
                name
            ),
            None => tr(
                l,
                "Cụm chưa đặt hạn đăng ký thi đua.",
                "The cluster has set no registration deadline.",
            )
            .to_string(),
        }
    };
    let late = move || {
        deadline
            .get()
            .is_some_and(|(_, d)| today() > d && d.year() == year.get())
    };
    view! {
        <h3>{move || format!("{} {}", tr(lang.get(), "Đăng ký thi đua năm", "Emulation registration"), year.get())}</h3>
        <p data-testid="registration-deadline">{deadline_text}</p>
        {move || late().then(|| view! {
            <div class="banner banner-warn inline" role="alert" data-testid="deadline-warning">
                {move || tr(lang.get(),
                    "Đã quá hạn đăng ký: đăng ký mới sẽ được ghi là nộp sau hạn.",
                    "The deadline has passed: new registrations are marked late.")}
            </div>
        })}
        <TargetsCard />
        {move || ctx.editable.get().then(|| view! { <AddRegistration /> })}
        <super::list_filter::ListToolbar query=query testid="registrations"
            order=(order, order_opts, "Sắp xếp", "Order")
            shown=Signal::derive(move || shown.with(Vec::len))
            total=Signal::derive(move || total.get()) />
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang.get(), "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
        <table class="records" data-testid="registrations">
            <thead><tr>
                <th>{move || tr(lang.get(), "Cá nhân / tập thể", "Person / collective")}</th>
                <th>{move || tr(lang.get(), "Danh hiệu đăng ký", "Target title")}</th>
                <th>{move || tr(lang.get(), "Ngày đăng ký", "Date")}</th>
                <th>{move || tr(lang.get(), "Ghi chú", "Note")}</th>
                <th></th>
            </tr></thead>
            <tbody>
                <For each=move || shown.get() key=|id| id.clone() let:id>
                    <RegistrationRow id=id deadline=deadline />
                </For>
            </tbody>
        </table>
        </div>
        <EmptyNote count=total vi="Chưa có đăng ký nào cho năm này." en="No registrations for this year yet." />
    }
}

#[component]
fn RegistrationRow(id: String, deadline: Memo<Option<(String, Date)>>) -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let (office, ctx) = (ov.office, ov.ctx);
    let reg = record_memo(office, &id, |o| &o.registrations);
    let subject = move || {
        reg.get().map(|r| match &r.person_id {
            Some(p) => office.with(|o| person_name(o, p)),
            None => tr(lang.get(), "Tập thể đơn vị", "The office (collective)").to_string(),
        })
    };
    let collective = reg.get_untracked().is_some_and(|r| r.person_id.is_none());
    let system = ov.system;
    let titles = Signal::derive(move || title_opts(titles_for(collective), system.get()));
    let late = move || {
        let r = reg.get()?;
        let (_, d) = deadline.get()?;
        let date = r.date.as_ref()?.date()?;
        (date > d).then(|| view! { <span class="tag tag-warn" data-testid="late">{move || tr(lang.get(), "quá hạn", "late")}</span> })
    };
    let path = vec!["registrations".to_string(), id.clone()];
    let what = format!("Đăng ký thi đua {}", subject().unwrap_or_default());
    view! {
        <tr data-testid=format!("reg-row-{id}") data-subject=move || reg.get().map(|r| r.person_id.map(|p| office.with(|o| o.staff.get(&p).map(|x| x.full_name.clone()).unwrap_or_default())).unwrap_or_else(|| COLLECTIVE.to_string())).unwrap_or_default()>
            <td>{subject}</td>
            <td><Field ctx=ctx path=path.clone() key="title" kind=Kind::Choice(titles) vi="" en="" testid=format!("reg-{id}-title") what=what.clone() /></td>
            <td><Field ctx=ctx path=path.clone() key="date" kind=Kind::Date vi="" en="" testid=format!("reg-{id}-date") what=what.clone() />{late}</td>
            <td><Field ctx=ctx path=path.clone() key="note" kind=Kind::Text vi="" en="" testid=format!("reg-{id}-note") what=what.clone() /></td>
            <td><DeleteButton ctx=ctx path=vec!["registrations".to_string()] id=id.clone() summary=format!("Xoá {}", shared::domain::lower_first(&what)) testid=format!("reg-{id}-delete") /></td>
        </tr>
    }
}

#[component]
fn AddRegistration() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, year, ctx) = (ov.office, ov.year, ov.ctx);
    let subject = RwSignal::new(COLLECTIVE.to_string());
    let title = RwSignal::new(Title::TapTheLaoDongXuatSac.code().to_string());
    let date = RwSignal::new(today().to_string());
    let note = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<Problem>::new());
    let subjects = Signal::derive(move || {
        let first = vec![Opt::new(
            COLLECTIVE,
            "Tập thể đơn vị",
            "The office (collective)",
        )];
        office.with(|o| subject_opts(first, o, year.get()))
    });
    let system = ov.system;
    let titles =
        Signal::derive(move || title_opts(titles_for(subject.get() == COLLECTIVE), system.get()));
    // Keep the title valid for the subject chosen.
    Effect::new(move |_| {
        let opts = titles.get();
        if !opts.iter().any(|o| o.code == title.get_untracked()) {
            title.set(opts.first().map(|o| o.code.clone()).unwrap_or_default());
        }
    });
    let add = move || {
        let Some(d) = parse_date(&date.get_untracked()) else {
            return Err(vec![Problem::at(
                "date",
                "Ngày phải có dạng dd/mm/yyyy, ví dụ 20/03/2026.",
                "Write the date as dd/mm/yyyy, e.g. 20/03/2026.",
            )]);
        };
        let Some(t) = Title::from_code(&title.get_untracked()) else {
            return Err(vec![Problem::at(
                "title",
                "Hãy chọn danh hiệu.",
                "Choose a title.",
            )]);
        };
        let s = subject.get_untracked();
        let person_id = (s != COLLECTIVE).then_some(s);
        let y = year.get_untracked();
        let who = match &person_id {
            Some(p) => office.with_untracked(|o| person_name(o, p)),
            None => "tập thể đơn vị".to_string(),
        };
        let system = system.get_untracked();
        if let Some((_, had)) = office.with_untracked(|o| {
            shared::summary::registrations::duplicate_registration(o, y, person_id.as_deref(), t)
        }) {
            let (had_vi, had_en) = (system.title_name_vi(had), system.title_name_en(had));
            let who = shared::domain::upper_first(&who);
            let (vi, en) = if had == t {
                (
                    format!("{who} đã đăng ký {had_vi} năm {y}."),
                    format!("{who} is already registered for {had_en} in {y}."),
                )
            } else {
                (
                    format!(
                        "{who} đã đăng ký {had_vi} năm {y}; mỗi năm đăng ký một danh hiệu thi đua. Nếu cần đổi, sửa đăng ký đã có trong bảng."
                    ),
                    format!(
                        "{who} is already registered for {had_en} in {y}; one emulation title a year. To change it, edit that registration in the table."
                    ),
                )
            };
            return Err(vec![Problem::at("title", &vi, &en)]);
        }
        let reg = Registration {
            year: y,
            person_id,
            title: t,
            date: Some(d.into()),
            note: note.get_untracked().trim().to_string(),
        };
        save(
            drv,
            ctx.doc,
            &format!("Đăng ký thi đua năm {y}: {who} — {}", t.name_vi()),
            |tx| put_entry(tx, &["registrations"], &new_id("r"), &reg),
        )?;
        note.set(String::new());
        Ok(())
    };
    view! {
        <AddForm testid="reg" problems=problems keys=&["date", "title", "note"] button=("Đăng ký", "Register") on_add=add>
            <div class="fields">
                <SelectInput value=subject vi="Cá nhân / tập thể" en="Person / collective" testid="reg-subject-input" options=subjects />
                <SelectInput value=title vi="Danh hiệu đăng ký" en="Target title" testid="reg-title-input" options=titles
                    error=error_for(lang, problems, "title") />
                <TextInput value=date vi="Ngày đăng ký" en="Date" testid="reg-date-input" placeholder="dd/mm/yyyy"
                    error=error_for(lang, problems, "date") />
                <TextInput value=note vi="Ghi chú" en="Note" testid="reg-note-input" error=error_for(lang, problems, "note") />
            </div>
        </AddForm>
    }
}
