//! One office (đơn vị): its name, how fresh its replica is, whether this
//! device may edit it, the year being worked on, and the sub-pages of its
//! TĐKT year (`#/don-vi/<code>/<page>`). Editable only for the device's own
//! office; the others are read-only replicas.

use leptos::prelude::*;
use shared::domain::AwardingSystem;
use shared::domain::rules::Date;
use shared::protocol::DocumentId;
use shared::schema::{ClusterDoc, OfficeDoc, load_cluster, load_office};

use super::form::{DocCtx, Opt};
use super::widgets::{ReadOnlyNote, ReadingNote, freshness_text};
use super::{DriverRef, use_driver, use_signals};
use crate::i18n::{tr, use_lang};
use crate::sync::SyncSignals;

/// The sub-pages of an office: URL segment, Vietnamese and English names.
pub const SUB_PAGES: &[(&str, &str, &str)] = &[
    ("can-bo", "Cán bộ", "Staff"),
    ("dang-ky", "Đăng ký thi đua", "Registration"),
    ("cham-diem", "Giao ước, chấm điểm", "Covenant & scoring"),
    ("kiem-tra", "Kiểm tra", "Inspections"),
    ("dien-hinh", "Gương điển hình", "Exemplary models"),
    ("binh-xet", "Bình xét danh hiệu", "Title evaluation"),
    ("khen-thuong", "Khen thưởng", "Commendations"),
    ("lich-su", "Lịch sử", "History"),
];

/// The page shown when the route names none (self-scoring, the first thing
/// most offices do and what `#/` always showed).
pub const DEFAULT_SUB_PAGE: &str = "cham-diem";

/// What every sub-page of an office reads: provided by [`OfficePage`].
#[derive(Clone)]
pub struct OfficeView {
    pub code: String,
    pub name: String,
    /// The office's document (editable or not).
    pub ctx: DocCtx,
    /// The office's document, read leniently, re-read on every change.
    pub office: Memo<OfficeDoc>,
    /// The cluster document, read leniently.
    pub cluster: Memo<ClusterDoc>,
    /// The emulation year shown (năm thi đua), the cluster's year at first.
    pub year: RwSignal<i32>,
    /// Who awarded the office's Bằng khen and Cờ thi đua in that year (the
    /// system on its last day): titles are named after it.
    pub system: Memo<AwardingSystem>,
}

pub fn use_office() -> OfficeView {
    use_context::<OfficeView>().expect("inside an office page")
}

/// The cluster document, read leniently (default when not loaded yet).
pub fn cluster_memo(drv: DriverRef, signals: SyncSignals) -> Memo<ClusterDoc> {
    Memo::new(move |_| {
        signals.revision.get();
        drv.with_value(|d| {
            let doc = d.session().directory.cluster_doc()?;
            d.with_doc(&doc, |c| load_cluster(c).doc)
        })
        .unwrap_or_default()
    })
}

/// An office's document, read leniently.
pub fn office_memo(drv: DriverRef, signals: SyncSignals, doc: DocumentId) -> Memo<OfficeDoc> {
    Memo::new(move |_| {
        signals.revision.get();
        drv.with_value(|d| d.with_doc(&doc, |o| load_office(o).doc))
            .unwrap_or_default()
    })
}

/// `#/don-vi/<code>[/<page>]` → (code, page).
pub fn split_route(rest: &str) -> (String, String) {
    let mut parts = rest.splitn(2, '/');
    let code = parts.next().unwrap_or_default().to_string();
    let page = parts
        .next()
        .filter(|p| !p.is_empty())
        .unwrap_or(DEFAULT_SUB_PAGE)
        .to_string();
    (code, page)
}

#[component]
pub fn OfficePage(code: String, page: Signal<String>) -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let session = drv.with_value(|d| d.session());
    let former = session.directory.former_office(&code).cloned();
    let Some(entry) = session.directory.any_office(&code).cloned() else {
        return view! {
            <p class="error">{move || tr(lang.get(), "Không có đơn vị này trong cụm.", "No such office in the cluster.")}</p>
        }
        .into_any();
    };
    let Ok(doc) = DocumentId::from_url(&entry.url) else {
        return view! { <p class="error">"?"</p> }.into_any();
    };
    let ctx = DocCtx::new(drv, signals, doc);
    let cluster = cluster_memo(drv, signals);
    let office = office_memo(drv, signals, doc);
    // A former office's page opens on its last year as a member.
    let last_year: Option<i32> = former
        .as_ref()
        .and_then(|f| f.until.get(..4).and_then(|y| y.parse().ok()));
    let year = RwSignal::new(last_year.unwrap_or(cluster.get_untracked().year));
    // The cluster document may arrive after the page opened.
    Effect::new(move |prev: Option<i32>| {
        let y = last_year.unwrap_or(cluster.get().year);
        if prev.is_some_and(|p| p != y) || year.get_untracked() == 0 {
            year.set(y);
        }
        y
    });
    let member = code.clone();
    let system = Memo::new(move |_| {
        let on = Date::last_of_year(year.get());
        cluster.with(|c| {
            c.members
                .get(&member)
                .map_or(AwardingSystem::Province, |m| m.awarding_system(on))
        })
    });
    provide_context(OfficeView {
        code: code.clone(),
        name: entry.name.clone(),
        ctx,
        office,
        cluster,
        year,
        system,
    });
    let fresh = move || {
        signals.revision.get();
        signals.view.get();
        freshness_text(lang.get(), &drv.with_value(|d| d.freshness(&doc)))
    };
    let years = move || {
        let c = cluster.get().year;
        let mut ys: Vec<i32> = office
            .get()
            .evaluations
            .values()
            .map(|e| e.year)
            .chain(office.get().registrations.values().map(|r| r.year))
            .chain([c, c - 1, c + 1])
            .filter(|y| *y > 1900)
            .collect();
        ys.sort_unstable();
        ys.dedup();
        ys.reverse();
        ys
    };
    let base = format!("#/don-vi/{code}");
    let sub_nav = SUB_PAGES
        .iter()
        .map(|(slug, vi, en)| {
            let href = format!("{base}/{slug}");
            let class = move || {
                if page.get() == *slug {
                    "sub-link active"
                } else {
                    "sub-link"
                }
            };
            // How many records of the year the page holds (none for the
            // pages of one record per office).
            let count = move || {
                let y = year.get();
                office.with(|o| match *slug {
                    "can-bo" => Some(o.staff_in(y).count()),
                    "dang-ky" => Some(o.registrations.values().filter(|r| r.year == y).count()),
                    "binh-xet" => Some(o.evaluations.values().filter(|e| e.year == y).count()),
                    "khen-thuong" => Some(o.proposals.values().filter(|p| p.year == y).count()),
                    "dien-hinh" => Some(o.exemplary_models.len()),
                    _ => None,
                })
            };
            view! {
                <a class=class href=href data-testid=format!("sub-{slug}")>
                    {move || tr(lang.get(), vi, en)}
                    {move || count().map(|n| view! { " "<span class="tab-count" data-testid=format!("sub-{slug}-count")>{n}</span> })}
                </a>
            }
        })
        .collect_view();
    let body = move || match page.get().as_str() {
        "can-bo" => view! { <super::staff::StaffPage /> }.into_any(),
        "dang-ky" => view! { <super::registration::RegistrationPage /> }.into_any(),
        "kiem-tra" => view! { <super::inspections::InspectionsPage /> }.into_any(),
        "dien-hinh" => view! { <super::models::ModelsPage /> }.into_any(),
        "binh-xet" => view! { <super::evaluation::EvaluationPage /> }.into_any(),
        "khen-thuong" => view! { <super::awards::AwardsPage /> }.into_any(),
        "lich-su" => view! { <super::history::HistoryPage /> }.into_any(),
        _ => view! { <super::scoring::ScoringPage /> }.into_any(),
    };
    view! {
        <section class="office-page" data-testid="office-page" data-office=code.clone() data-page=move || page.get()>
            <div class="office-head">
                <h2>{entry.name.clone()}</h2>
                <label class="year-pick">
                    {move || tr(lang.get(), "Năm thi đua ", "Year ")}
                    <select data-testid="year-select" on:change=move |ev| {
                        if let Ok(y) = event_target_value(&ev).parse() { year.set(y) }
                    }>
                        {move || years().into_iter().map(|y| view! {
                            <option value=y.to_string() prop:selected=move || year.get() == y>{y}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <p class="muted small" data-testid="freshness">{fresh}</p>
            <ReadingNote docs=session.directory.cluster_doc().into_iter().chain([doc]).collect() />
            {former.map(|f| {
                let successor = session
                    .directory
                    .office(&f.successor)
                    .map_or_else(|| f.successor.clone(), |o| o.name.clone());
                let until = super::form::show_date(Some(&shared::schema::DateText::from(f.until.as_str())));
                view! {
                    <p class="note" data-testid="former-note">{move || match lang.get() {
                        crate::i18n::Lang::Vi => format!(
                            "Đơn vị trước sáp nhập, là thành viên Cụm đến ngày {until}. {successor} kế thừa và tiếp tục quản lý hồ sơ thi đua, khen thưởng của đơn vị này."
                        ),
                        crate::i18n::Lang::En => format!(
                            "A former office, a member of the cluster until {until}. {successor} continues its emulation and commendation records."
                        ),
                    }}</p>
                }
            })}
            <ReadOnlyNote ctx=ctx
                vi="Chỉ xem: dữ liệu của đơn vị khác (bản sao trên máy, cập nhật khi có mạng)."
                en="Read-only: another office's data (a local replica, updated when online)." />
            <nav class="sub-nav" aria-label=move || tr(lang.get(), "Công tác thi đua của đơn vị", "The office's TĐKT work")>
                {sub_nav}
            </nav>
            <div class="sub-page">{body}</div>
        </section>
    }
    .into_any()
}

/// The staff of the office on the roster in `year`, sorted by given name
/// (Vietnamese collation): (id, "Ông Nguyễn Văn An").
pub fn staff_options(office: &OfficeDoc, year: i32) -> Vec<(String, String)> {
    let mut people: Vec<(String, String)> = office
        .staff_in(year)
        .map(|(id, p)| (id.clone(), p.full_name.clone()))
        .collect();
    shared::domain::sort_people_by_given_name(&mut people, |p| p.1.as_str());
    people
}

/// The choices of who a record is about: `first` (the collective…), then
/// [`staff_options`].
pub fn subject_opts(first: Vec<Opt>, office: &OfficeDoc, year: i32) -> Vec<Opt> {
    let mut v = first;
    v.extend(
        staff_options(office, year)
            .into_iter()
            .map(|(id, name)| Opt::named(&id, &name)),
    );
    v
}

/// A person's name with Ông / Bà, or the id when unknown.
pub fn person_name(office: &OfficeDoc, id: &str) -> String {
    match office.staff.get(id) {
        Some(p) => match p.form_of_address() {
            Some(f) => format!("{f} {}", p.full_name),
            None => p.full_name.clone(),
        },
        None => id.to_string(),
    }
}
