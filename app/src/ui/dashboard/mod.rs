//! The cluster dashboard (tổng hợp của cụm, `#/tong-hop`): what the
//! cluster leader opens before the year-end meeting, computed in the
//! browser from this device's replicas with [`shared::summary`] — the
//! relay's own computation — so it works offline and agrees with the
//! relay's `GET /api/cluster/summary` once synced.
//!
//! - [`source`]: the summary over the replicas (typed documents cached per
//!   document heads, recomputed on every `signals.revision`);
//! - [`tables`] and [`charts`] (hand-written SVG) show it;
//! - [`export`]: the Excel workbook and CSV files made offline by
//!   [`shared::export`] (the relay's export code);
//! - [`print`]: the printable report (`#/tong-hop/in`) in the Vietnamese
//!   administrative format.
//!
//! The year is in the route: `#/tong-hop?nam=2025` (default: the cluster's
//! year).

pub mod charts;
pub mod export;
pub mod print;
pub mod source;
pub mod tables;

use leptos::prelude::*;
use shared::export::View;
use shared::protocol::DocumentId;

use super::{DriverRef, use_driver, use_route, use_signals};
use crate::i18n::{Lang, term, tr, use_lang};
use crate::sync::{DocFreshness, SyncSignals};
use shared::glossary;
use source::{Computed, NotReady};

/// An office this many days behind the newest one is highlighted.
pub const BEHIND_DAYS: i64 = 7;

/// How many years back the year picker offers.
const YEARS_BACK: i32 = 4;

/// A number as Vietnamese write it: decimal comma, at most two decimals
/// (92,5; 88,25; 100).
pub fn fmt_num(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}").replace('.', ",")
    }
}

/// "Văn phòng Đoàn ĐBQH và HĐND tỉnh Lạng Sơn" → "Lạng Sơn".
pub fn short_name(name: &str) -> &str {
    name.rfind("tỉnh ")
        .map(|i| &name[i + "tỉnh ".len()..])
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
}

/// The year named in a route's query (`?nam=2025`).
pub fn route_year(route: &str) -> Option<i32> {
    let query = route.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("nam="))
        .and_then(|y| y.parse().ok())
        .filter(|y| (1900..=2200).contains(y))
}

/// The summary of the route's year, recomputed whenever a document changes.
pub fn use_summary(
    drv: DriverRef,
    signals: SyncSignals,
) -> Memo<Option<Result<Computed, NotReady>>> {
    let route = use_route();
    let year = Memo::new(move |_| route_year(&route.get()));
    Memo::new(move |_| {
        signals.revision.get();
        let y = year.get();
        Some(drv.with_value(|d| source::compute(d, y)))
    })
}

/// The replica freshness of an office's document (đồng bộ lúc …).
pub fn replica_freshness(drv: DriverRef, code: &str) -> DocFreshness {
    drv.with_value(|d| {
        let session = d.session();
        session
            .directory
            .office(code)
            .and_then(|o| DocumentId::from_url(&o.url).ok())
            .map(|doc| d.freshness(&doc))
            .unwrap_or_default()
    })
}

fn not_ready(lang: Lang, e: NotReady) -> impl IntoView {
    match e {
        NotReady::NoClusterDocument => view! {
            <p class="muted" data-testid="dash-not-ready">{tr(lang,
                "Chưa có dữ liệu của cụm trên máy này. Hãy kết nối mạng một lần để đồng bộ.",
                "The cluster's data is not on this device yet. Connect once to sync.")}</p>
        },
    }
}

/// Download buttons: the workbook, and one view as CSV.
#[component]
fn ExportBar(summary: Memo<Option<Result<Computed, NotReady>>>) -> impl IntoView {
    let lang = use_lang();
    let route = use_route();
    let csv_view = RwSignal::new(View::Overview.name().to_string());
    let error = RwSignal::new(None::<String>);
    let with_summary = move |f: &dyn Fn(&shared::summary::ClusterSummary) -> Result<(), String>| {
        let result = summary.with_untracked(|c| match c {
            Some(Ok(c)) => f(&c.summary),
            _ => Err(tr(
                lang.get_untracked(),
                "Chưa có số liệu để xuất.",
                "Nothing to export yet.",
            )
            .to_string()),
        });
        error.set(result.err());
    };
    let on_xlsx = move |_| with_summary(&export::download_xlsx);
    let on_csv = move |_| {
        let view = View::parse(&csv_view.get_untracked()).unwrap_or(View::Overview);
        with_summary(&move |s| export::download_csv(s, view));
    };
    view! {
        <div class="dash-actions no-print" data-testid="dash-exports">
            <button type="button" class="primary" data-testid="export-xlsx" on:click=on_xlsx>
                {move || tr(lang.get(), "Tải Excel (.xlsx)", "Download Excel (.xlsx)")}
            </button>
            <span class="csv-pick">
                <label>
                    <span class="sr-only">{move || tr(lang.get(), "Bảng CSV", "CSV table")}</span>
                    <select data-testid="csv-view" prop:value=move || csv_view.get()
                        on:change=move |ev| csv_view.set(event_target_value(&ev))>
                        {View::ALL.into_iter().map(|v| view! {
                            <option value=v.name()>{move || match lang.get() { Lang::Vi => v.sheet(), Lang::En => v.sheet_en() }}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" data-testid="export-csv" on:click=on_csv>
                    {move || tr(lang.get(), "Tải CSV", "Download CSV")}
                </button>
            </span>
            <a class="button-link" href=move || print_href(&route.get()) data-testid="open-print">
                {move || tr(lang.get(), "Bản in báo cáo", "Printable report")}
            </a>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

fn print_href(route: &str) -> String {
    match route_year(route) {
        Some(y) => format!("#/tong-hop/in?nam={y}"),
        None => "#/tong-hop/in".to_string(),
    }
}

/// The year picker (năm): navigates to `#/tong-hop?nam=…`.
#[component]
fn YearPick(cluster_year: i32, year: i32, base: &'static str) -> impl IntoView {
    let lang = use_lang();
    let years: Vec<i32> = ((cluster_year - YEARS_BACK)..=cluster_year).rev().collect();
    view! {
        <label class="year-pick no-print">
            {move || tr(lang.get(), "Năm: ", "Year: ")}
            <select data-testid="dash-year" on:change=move |ev| {
                let y: i32 = event_target_value(&ev).parse().unwrap_or(cluster_year);
                if y == cluster_year {
                    super::navigate(base);
                } else {
                    super::navigate(&format!("{base}?nam={y}"));
                }
            }>
                {years.into_iter().map(|y| view! { <option value=y.to_string() selected=y == year>{y}</option> }).collect_view()}
            </select>
        </label>
    }
}

/// Key figures for the whole cluster (toàn cụm).
fn key_figures(
    c: &Computed,
    lang: Lang,
    today: shared::domain::rules::Date,
) -> impl IntoView + use<> {
    let s = &c.summary;
    let t = &s.totals;
    // Overdue recommendations (the figure beside is recommendations only).
    let overdue = s
        .follow_ups
        .iter()
        .filter(|f| f.kind == shared::summary::FollowUpKind::Recommendation)
        .filter(|f| tables::overdue_days(f, today).is_some())
        .count();
    let leading = s
        .vote
        .leading
        .iter()
        .filter_map(|code| s.offices.iter().find(|o| &o.code == code))
        .map(|o| short_name(&o.name).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let figures: Vec<(&str, String, String)> = vec![
        (
            "offices",
            tr(lang, "Đơn vị", "Offices").into(),
            t.offices.to_string(),
        ),
        (
            "registered",
            tr(lang, "Cán bộ đăng ký thi đua", "Staff registered").into(),
            format!("{}/{}", t.registered_count, t.staff_count),
        ),
        (
            "warnings",
            tr(lang, "Cảnh báo", "Warnings").into(),
            t.warnings.to_string(),
        ),
        (
            "models",
            tr(lang, "Gương điển hình", "Exemplary models").into(),
            t.models.total().to_string(),
        ),
        (
            "recommendations",
            format!(
                "{} ({})",
                term(lang, glossary::OPEN_RECOMMENDATIONS),
                tr(lang, "quá hạn", "overdue")
            ),
            format!("{} ({overdue})", t.recommendations_open),
        ),
        (
            "days",
            term(lang, glossary::DAYS_TO_DECISION).into(),
            t.commendations
                .average_days
                .map_or_else(|| "—".into(), fmt_num),
        ),
        (
            "leading",
            term(lang, glossary::LEADING_VOTE).into(),
            if leading.is_empty() {
                "—".into()
            } else {
                format!("{leading} · {}/{}", s.vote.ballots_cast, s.vote.voters)
            },
        ),
    ];
    view! {
        <div class="kpis" data-testid="dash-kpis">
            {figures.into_iter().map(|(key, label, value)| view! {
                <div class="kpi" data-testid=format!("kpi-{key}")>
                    <div class="kpi-value">{value}</div>
                    <div class="kpi-label">{label}</div>
                </div>
            }).collect_view()}
        </div>
    }
}

/// The dashboard page.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let summary = use_summary(drv, signals);
    let body = move || {
        let l = lang.get();
        summary.with(|c| match c {
            None => view! { <p class="muted">{tr(l, "Đang tính…", "Computing…")}</p> }.into_any(),
            Some(Err(e)) => not_ready(l, *e).into_any(),
            Some(Ok(c)) => dashboard_body(drv, c, l).into_any(),
        })
    };
    view! {
        <section class="dashboard" data-testid="dashboard">
            <ExportBar summary=summary />
            {body}
        </section>
    }
}

/// A chart drawn twice: wide for screens and print, narrow for phones
/// (the style sheet shows one).
fn chart_views(chart: &charts::Chart) -> impl IntoView + use<> {
    view! {
        <div class="chart-wide" inner_html=charts::render(chart, charts::Layout::Wide)></div>
        <div class="chart-narrow" inner_html=charts::render(chart, charts::Layout::Narrow)></div>
    }
}

fn dashboard_body(drv: DriverRef, c: &Computed, lang: Lang) -> impl IntoView + use<> {
    let s = &c.summary;
    let today = crate::ui::form::today();
    let freshness = move |code: &str| replica_freshness(drv, code);
    let missing = (!c.missing.is_empty()).then(|| {
        let list = c.missing.join(", ");
        view! {
            <p class="banner banner-warn inline" data-testid="dash-missing">{match lang {
                Lang::Vi => format!("Chưa có dữ liệu của: {list} — số liệu tổng hợp chưa đủ."),
                Lang::En => format!("No data yet from: {list} — the summary is incomplete."),
            }}</p>
        }
    });
    let loading = (!c.loading.is_empty()).then(|| {
        let n = c.loading.len();
        let list = c.loading.iter().map(|name| short_name(name)).collect::<Vec<_>>().join(", ");
        view! {
            <p class="banner banner-info inline" data-testid="dash-loading" role="status">{match lang {
                Lang::Vi => format!("Đang đọc dữ liệu đã lưu trên máy của {n} đơn vị ({list}); số liệu sẽ đủ khi đọc xong."),
                Lang::En => format!("Reading the data saved on this device for {n} offices ({list}); the figures are complete once read."),
            }}</p>
        }
    });
    let behind: Vec<String> = s
        .offices
        .iter()
        .filter(|o| o.freshness.behind_newest_days.unwrap_or(0) >= BEHIND_DAYS)
        .map(|o| short_name(&o.name).to_string())
        .collect();
    let behind_note = (!behind.is_empty()).then(|| {
        let list = behind.join(", ");
        view! {
            <p class="banner banner-warn inline" data-testid="dash-behind">{match lang {
                Lang::Vi => format!("Dữ liệu chậm cập nhật (từ {BEHIND_DAYS} ngày trở lên so với đơn vị mới nhất): {list}."),
                Lang::En => format!("Data behind ({BEHIND_DAYS}+ days older than the newest office): {list}."),
            }}</p>
        }
    });
    let scores_chart = charts::scores(s, lang);
    let registrations_chart = charts::registrations(s, lang);
    let warnings_chart = charts::warnings(s, lang);
    view! {
        <div class="dash-head">
            <div>
                <h2 data-testid="dash-title">{match lang {
                    Lang::Vi => format!("Tổng hợp kết quả thi đua năm {}", s.year),
                    Lang::En => format!("Emulation results, {}", s.year),
                }}</h2>
                <p class="muted small">{s.cluster_name.clone()}</p>
                // The computation times are for the benchmark
                // (tests/e2e/bench-dashboard.mjs), not shown to users.
                <p class="muted small" data-testid="dash-computed" data-hydrate-ms=format!("{:.1}", c.hydrate_ms) data-summary-ms=format!("{:.1}", c.summary_ms)>
                    {match lang {
                        Lang::Vi => format!("Tính trên máy này từ dữ liệu của {} đơn vị, không cần mạng.", s.offices.len()),
                        Lang::En => format!("Computed on this device from {} offices' data, no network needed.", s.offices.len()),
                    }}
                </p>
            </div>
            <YearPick cluster_year=s.cluster_year year=s.year base="#/tong-hop" />
        </div>
        {loading}
        {missing}
        {behind_note}
        {key_figures(c, lang, today)}

        <h3>{tr(lang, "Các đơn vị: xếp hạng, điểm, đăng ký, cảnh báo", "Offices: rank, scores, registrations, warnings")}</h3>
        {tables::offices(s, lang, &freshness)}

        <h3>{tr(lang, "Biểu đồ", "Charts")}</h3>
        <div class="charts">
            <figure class="chart" data-testid="chart-scores">{chart_views(&scores_chart)}</figure>
            <figure class="chart" data-testid="chart-registrations">{chart_views(&registrations_chart)}</figure>
            <figure class="chart" data-testid="chart-warnings">{chart_views(&warnings_chart)}</figure>
        </div>

        <h3>{format!("{} {}", term(lang, glossary::TARGETS), s.year)}</h3>
        {tables::targets(s, lang)}

        <h3>{term(lang, glossary::REGISTRATIONS)}</h3>
        {tables::titles(s, lang)}

        <h3>{tr(lang, "Cảnh báo vi phạm quy định", "Rule warnings")}</h3>
        {tables::warnings(s, lang)}

        <h3>{term(lang, glossary::LEADING_VOTE)}</h3>
        {tables::flag(s, lang)}

        <h3>{tr(lang, "Gương điển hình tiên tiến theo bước", "Exemplary models by stage")}</h3>
        {tables::models(s, lang)}

        <h3 data-testid="dash-followups-head">{match lang {
            Lang::Vi => format!("Kiến nghị, hạn chế sau kiểm tra chưa thực hiện xong: {} kiến nghị, {} hạn chế", s.totals.recommendations_open, s.totals.shortcomings_open),
            Lang::En => format!("Open after inspections: {} recommendations, {} shortcomings", s.totals.recommendations_open, s.totals.shortcomings_open),
        }}</h3>
        {tables::follow_ups(s, lang, today)}

        <h3>{tr(lang, "Thời gian khen thưởng", "How long commendations took")}</h3>
        <p class="small muted">{tr(lang,
            "Số ngày tính từ ngày gửi hồ sơ (chưa ghi ngày gửi thì từ ngày tờ trình) đến ngày quyết định.",
            "Days from the day the dossier was sent (or the proposal's date when no sending is recorded) to the decision.")}</p>
        {tables::commendations(s, lang)}
    }
}
