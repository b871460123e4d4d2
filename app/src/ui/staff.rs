//! Staff roster (danh sách cán bộ): everyone, those on the staff in the
//! year or those who left, by given name (Vietnamese collation), position
//! or arrival; Ông / Bà, position, kind (công chức / người lao động), dates
//! at the office, discipline records with their periods (kỷ luật).

use leptos::prelude::*;
use shared::domain::{DisciplineLevel, Gender};
use shared::lists::{ListChoice, StaffOrder, StaffShow};
use shared::schema::value::{StaffKind, TextCode};
use shared::schema::write::put_entry;
use shared::schema::{DisciplineEntry, Person};

use super::form::{
    AddForm, DeleteButton, Field, Kind, Problem, SelectInput, TextInput, discipline_opts,
    error_for, gender_opts, new_id, opt_label, save, show_date, staff_kind_opts, today,
};
use super::list_filter::list_choice;
use super::office::{person_name, use_office};
use super::records::{OpenButton, record_memo};
use super::use_driver;
use crate::i18n::{tr, use_lang};

#[component]
pub fn StaffPage() -> impl IntoView {
    let lang = use_lang();
    let ov = use_office();
    let office = ov.office;
    let year = ov.year;
    let total = Memo::new(move |_| office.with(|o| o.staff.len()));
    let query = RwSignal::new(String::new());
    let (show, show_opts) = list_choice::<StaffShow>();
    let (order, order_opts) = list_choice::<StaffOrder>();
    let shown = Memo::new(move |_| {
        let (q, y) = (query.get(), year.get());
        let (show, order) = (
            StaffShow::from_code(&show.get()),
            StaffOrder::from_code(&order.get()),
        );
        office.with(|o| shared::lists::staff(o, y, show, order, &q))
    });
    view! {
        <h3>{move || tr(lang.get(), "Danh sách cán bộ", "Staff")}</h3>
        {move || ov.ctx.editable.get().then(|| view! { <AddPerson /> })}
        <super::list_filter::ListToolbar query=query testid="staff-filter"
            choice=(show, show_opts, "Lọc cán bộ", "Filter staff")
            order=(order, order_opts, "Sắp xếp", "Order")
            shown=Signal::derive(move || shown.with(Vec::len))
            total=Signal::derive(move || total.get()) />
        <p class="muted small" data-testid="staff-count">{move || {
            let n = total.get();
            match lang.get() { crate::i18n::Lang::Vi => format!("{n} người"), crate::i18n::Lang::En => format!("{n} people") }
        }}</p>
        <div class="cards" data-testid="staff-list">
            <For each=move || shown.get() key=|id| id.clone() let:id>
                <PersonCard id=id />
            </For>
        </div>
    }
}

#[component]
fn AddPerson() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let name = RwSignal::new(String::new());
    let gender = RwSignal::new(String::new());
    let position = RwSignal::new(String::new());
    let kind = RwSignal::new(StaffKind::CongChuc.code().to_string());
    let problems = RwSignal::new(Vec::<Problem>::new());
    // A name already on the roster is added only when asked twice (two
    // people can share a name; a double entry is more likely).
    let confirmed_same_name = RwSignal::new(String::new());
    let add = move || {
        let full_name = name
            .get_untracked()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if full_name.is_empty() {
            return Err(vec![Problem::at(
                "fullName",
                "Cần nhập họ và tên, ví dụ Trần Thị Liên.",
                "Enter the full name, e.g. Trần Thị Liên.",
            )]);
        }
        let key = shared::domain::normalize_vietnamese(&full_name).to_lowercase();
        let same = ov.office.with_untracked(|o| {
            o.staff
                .values()
                .find(|p| shared::domain::normalize_vietnamese(&p.full_name).to_lowercase() == key)
                .map(|p| p.position.clone())
        });
        if let Some(pos) = same.filter(|_| confirmed_same_name.get_untracked() != key) {
            confirmed_same_name.set(key);
            let pos = if pos.is_empty() {
                String::new()
            } else {
                format!(" ({pos})")
            };
            return Err(vec![Problem::at(
                "fullName",
                &format!(
                    "Danh sách đã có cán bộ {full_name}{pos}. Nếu đây là người khác trùng tên, bấm \"Thêm cán bộ\" lần nữa."
                ),
                &format!(
                    "{full_name}{pos} is already on the roster. If this is another person with the same name, press \"Add person\" again."
                ),
            )]);
        }
        let person = Person {
            full_name: full_name.clone(),
            position: position.get_untracked().trim().to_string(),
            gender: Gender::from_code(&gender.get_untracked()),
            kind: StaffKind::from_code(&kind.get_untracked()).unwrap_or_default(),
            ..Person::default()
        };
        let id = new_id("p");
        save(
            drv,
            ov.ctx.doc,
            &format!("Thêm cán bộ {full_name}"),
            |tx| put_entry(tx, &["staff"], &id, &person),
        )?;
        name.set(String::new());
        position.set(String::new());
        Ok(())
    };
    view! {
        <AddForm testid="staff" problems=problems keys=&["fullName", "position"] button=("Thêm cán bộ", "Add person") on_add=add>
            <div class="fields">
                <TextInput value=name vi="Họ và tên" en="Full name" testid="staff-name-input" placeholder="Trần Thị Liên"
                    error=error_for(lang, problems, "fullName") />
                <SelectInput value=gender vi="Giới tính" en="Gender" testid="staff-gender-input" options=Signal::derive(gender_opts) />
                <TextInput value=position vi="Chức vụ" en="Position" testid="staff-position-input" placeholder="Chuyên viên"
                    error=error_for(lang, problems, "position") />
                <SelectInput value=kind vi="Loại" en="Kind" testid="staff-kind-input" options=Signal::derive(staff_kind_opts) />
            </div>
        </AddForm>
    }
}

#[component]
fn PersonCard(id: String) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let ov = use_office();
    let (office, ctx) = (ov.office, ov.ctx);
    let open = RwSignal::new(false);
    let person = record_memo(office, &id, |o| &o.staff);
    let id = StoredValue::new(id);
    let title = move || office.with(|o| id.with_value(|id| person_name(o, id)));
    let line = move || {
        let l = lang.get();
        person.get().map(|p| {
            let mut parts = vec![];
            if !p.position.is_empty() {
                parts.push(p.position.clone());
            }
            parts.push(tr(l, p.kind.name_vi(), p.kind.name_en()).to_string());
            if let Some(left) = &p.left_on {
                parts.push(format!(
                    "{} {}",
                    tr(l, "nghỉ từ", "left on"),
                    left.display_vi()
                ));
            }
            parts.join(" · ")
        })
    };
    let discipline_ids = Memo::new(move |_| {
        person
            .get()
            .map(|p| p.discipline.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    });
    let discipline_line = move || {
        let l = lang.get();
        person
            .get()
            .map(|p| {
                p.discipline
                    .values()
                    .map(|d| {
                        let level = opt_label(&discipline_opts(), d.level.code(), l);
                        let end = d
                            .end
                            .as_ref()
                            .map(|e| e.display_vi())
                            .unwrap_or_else(|| tr(l, "nay", "now").to_string());
                        match l {
                            crate::i18n::Lang::Vi => {
                                format!("Kỷ luật {level} từ {} đến {end}", d.start.display_vi())
                            }
                            crate::i18n::Lang::En => {
                                format!("Discipline {level} {}–{end}", d.start.display_vi())
                            }
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    };
    let add_discipline = move |_| {
        let entry = DisciplineEntry {
            level: DisciplineLevel::KhienTrach,
            start: today().into(),
            end: None,
            decision_number: String::new(),
            note: String::new(),
        };
        let name = person
            .get_untracked()
            .map(|p| p.full_name)
            .unwrap_or_default();
        let pid = id.get_value();
        let _ = save(
            drv,
            ctx.doc,
            &format!("Thêm kỷ luật của {name}"),
            |tx| {
                put_entry(
                    tx,
                    &["staff", pid.as_str(), "discipline"],
                    &new_id("d"),
                    &entry,
                )
            },
        );
    };
    let pid = id.get_value();
    let path = vec!["staff".to_string(), pid.clone()];
    let what = move || {
        format!(
            "Cán bộ {}",
            person
                .get_untracked()
                .map(|p| p.full_name)
                .unwrap_or_default()
        )
    };
    view! {
        <div class="card person" data-testid=format!("staff-row-{pid}") data-name=move || person.get().map(|p| p.full_name).unwrap_or_default()
            data-joined=move || person.get().and_then(|p| p.joined_on).map(|d| d.0).unwrap_or_default()>
            <div class="card-head">
                <div>
                    <strong data-testid="staff-name">{title}</strong>
                    <div class="muted small">{line}</div>
                    <div class="warn small">{discipline_line}</div>
                </div>
                <OpenButton open=open ctx=ctx testid=format!("staff-edit-{pid}") />
            </div>
            {move || open.get().then(|| {
                let path = path.clone();
                let w = what();
                let pid = id.get_value();
                view! {
                    <div class="fields">
                        <Field ctx=ctx path=path.clone() key="fullName" kind=Kind::Required vi="Họ và tên" en="Full name" testid=format!("staff-{pid}-fullName") what=w.clone() />
                        <Field ctx=ctx path=path.clone() key="gender" kind=Kind::Choice(Signal::derive(gender_opts)) vi="Giới tính" en="Gender" testid=format!("staff-{pid}-gender") what=w.clone() />
                        <Field ctx=ctx path=path.clone() key="position" kind=Kind::Text vi="Chức vụ" en="Position" testid=format!("staff-{pid}-position") what=w.clone() />
                        <Field ctx=ctx path=path.clone() key="kind" kind=Kind::Choice(Signal::derive(staff_kind_opts)) vi="Loại" en="Kind" testid=format!("staff-{pid}-kind") what=w.clone() />
                        <Field ctx=ctx path=path.clone() key="joinedOn" kind=Kind::Date vi="Ngày về đơn vị" en="Joined on" testid=format!("staff-{pid}-joinedOn") what=w.clone() />
                        <Field ctx=ctx path=path.clone() key="leftOn" kind=Kind::Date vi="Ngày nghỉ / chuyển" en="Left on" testid=format!("staff-{pid}-leftOn") what=w.clone() />
                    </div>
                    <h4>{move || tr(lang.get(), "Kỷ luật", "Discipline")}</h4>
                    <For each=move || discipline_ids.get() key=|d| d.clone() let:did>
                        {
                            let mut dpath = path.clone();
                            dpath.extend(["discipline".to_string(), did.clone()]);
                            let name = person.get_untracked().map(|p| p.full_name).unwrap_or_default();
                            let w = format!("Kỷ luật của cán bộ {name}");
                            view! {
                                <div class="fields sub-record" data-testid=format!("discipline-{did}")>
                                    <Field ctx=ctx path=dpath.clone() key="level" kind=Kind::Choice(Signal::derive(discipline_opts)) vi="Hình thức" en="Measure" testid=format!("discipline-{did}-level") what=w.clone() />
                                    <Field ctx=ctx path=dpath.clone() key="start" kind=Kind::ReqDate vi="Từ ngày" en="From" testid=format!("discipline-{did}-start") what=w.clone() />
                                    <Field ctx=ctx path=dpath.clone() key="end" kind=Kind::Date vi="Đến ngày" en="Until" testid=format!("discipline-{did}-end") what=w.clone()
                                        hint=("Để trống khi còn thời hạn.", "Empty while it runs.") />
                                    <Field ctx=ctx path=dpath.clone() key="decisionNumber" kind=Kind::Text vi="Số quyết định" en="Decision no." testid=format!("discipline-{did}-decision") what=w.clone() />
                                    <Field ctx=ctx path=dpath.clone() key="note" kind=Kind::Text vi="Ghi chú" en="Note" testid=format!("discipline-{did}-note") what=w.clone() />
                                    <DeleteButton ctx=ctx path=vec!["staff".to_string(), pid.clone(), "discipline".to_string()] id=did.clone()
                                        summary=format!("Xoá kỷ luật của cán bộ {name}") testid=format!("discipline-{did}-delete") />
                                </div>
                            }
                        }
                    </For>
                    {move || (discipline_ids.get().is_empty()).then(|| view! { <p class="muted small">{move || tr(lang.get(), "Không có kỷ luật.", "No discipline records.")}</p> })}
                    {move || ctx.editable.get().then(|| view! {
                        <div class="actions">
                            <button type="button" class="small" data-testid="discipline-add" on:click=add_discipline>{move || tr(lang.get(), "Thêm kỷ luật", "Add discipline record")}</button>
                            <DeleteButton ctx=ctx path=vec!["staff".to_string()] id=id.get_value()
                                summary=format!("Xoá cán bộ {}", person.get_untracked().map(|p| p.full_name).unwrap_or_default()) testid="staff-delete" />
                        </div>
                    })}
                    <p class="muted small">{move || {
                        person.get().map(|p| format!("{}: {}", tr(lang.get(), "Về đơn vị", "Joined"), show_date(p.joined_on.as_ref()))).unwrap_or_default()
                    }}</p>
                }
            })}
        </div>
    }
}
