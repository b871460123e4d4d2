//! The printable report (bản in báo cáo, `#/tong-hop/in`), laid out as a
//! Vietnamese administrative document (thể thức văn bản hành chính,
//! Nghị định 30/2020/NĐ-CP): the issuing body at the top left (the leading
//! office's name in capitals, the cluster's name under it) with the number
//! and symbol (Số: …/BC-CTĐ); the national motto block at the top right
//! with the place and date line; the title (BÁO CÁO, then what it is
//! about); the tables and charts; recipients (Nơi nhận) and the signature
//! block. A4 in the print style sheet (`@page`); the app's header, tabs and
//! this page's own settings are not printed.

use leptos::prelude::*;
use shared::domain::rules::Date;
use shared::schema::ClusterDoc;

use super::source::Computed;
use super::{BEHIND_DAYS, charts, short_name, tables, use_summary};
use crate::i18n::{Lang, tr, use_lang};
use crate::ui::office::cluster_memo;
use crate::ui::{use_driver, use_route, use_signals};

/// "ngày 05 tháng 02 năm 2026": days below 10 and the months 1 and 2 take
/// a leading zero (Nghị định 30/2020/NĐ-CP).
pub fn date_words(d: Date) -> String {
    let month = if d.month() <= 2 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", d.day(), d.year())
}

/// What the person printing fills in (not stored).
#[derive(Clone, Copy)]
struct Fill {
    number: RwSignal<String>,
    place: RwSignal<String>,
    date: RwSignal<String>,
    authority: RwSignal<String>,
    position: RwSignal<String>,
    signer: RwSignal<String>,
}

fn input(
    label: &'static str,
    en: &'static str,
    testid: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <label class="field">
            <span class="label">{move || tr(lang.get(), label, en)}</span>
            <input type="text" data-testid=testid prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

/// The leading office's name (tên cơ quan) and its province (địa danh).
fn issuer(cluster: &ClusterDoc) -> (String, String) {
    cluster
        .members
        .get(&cluster.leader)
        .map(|m| (m.name.clone(), m.province.clone()))
        .unwrap_or_default()
}

#[component]
pub fn PrintPage() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let route = use_route();
    let summary = use_summary(drv, signals);
    let cluster = cluster_memo(drv, signals);
    let today = crate::ui::form::today();
    let fill = Fill {
        number: RwSignal::new(String::new()),
        place: RwSignal::new(issuer(&cluster.get_untracked()).1),
        date: RwSignal::new(today.to_string()),
        authority: RwSignal::new("TM. CỤM THI ĐUA".into()),
        position: RwSignal::new("CỤM TRƯỞNG".into()),
        signer: RwSignal::new(String::new()),
    };
    // The cluster document may arrive after the page opened.
    Effect::new(move |_| {
        let province = issuer(&cluster.get()).1;
        if fill.place.get_untracked().is_empty() && !province.is_empty() {
            fill.place.set(province);
        }
    });
    let back = move || match super::route_year(&route.get()) {
        Some(y) => format!("#/tong-hop?nam={y}"),
        None => "#/tong-hop".into(),
    };
    let body = move || {
        let l = lang.get();
        let c = cluster.get();
        summary.with(|s| match s {
            Some(Ok(s)) => report(s, &c, fill, l, today).into_any(),
            _ => view! { <p class="muted">{tr(l, "Chưa có số liệu.", "No data yet.")}</p> }
                .into_any(),
        })
    };
    view! {
        <section class="print-page" data-testid="print-page">
            <div class="print-controls no-print">
                <div class="actions">
                    <a href=back>{move || tr(lang.get(), "← Về trang tổng hợp", "← Back to the overview")}</a>
                    <button type="button" class="primary" data-testid="print-button"
                        on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>
                        {move || tr(lang.get(), "In báo cáo", "Print")}
                    </button>
                </div>
                <details>
                    <summary>{move || tr(lang.get(), "Thông tin trên văn bản (số, ngày, người ký)", "Document details (number, date, signer)")}</summary>
                    <div class="fields">
                        {input("Số văn bản (để trống nếu ghi tay)", "Number (blank to write by hand)", "print-number", fill.number)}
                        {input("Địa danh", "Place", "print-place", fill.place)}
                        {input("Ngày (dd/mm/yyyy)", "Date (dd/mm/yyyy)", "print-date", fill.date)}
                        {input("Thẩm quyền ký", "Signing authority", "print-authority", fill.authority)}
                        {input("Chức vụ người ký", "Signer's position", "print-position", fill.position)}
                        {input("Họ và tên người ký", "Signer's name", "print-signer", fill.signer)}
                    </div>
                </details>
            </div>
            {body}
        </section>
    }
}

fn report(
    c: &Computed,
    cluster: &ClusterDoc,
    fill: Fill,
    lang: Lang,
    today: Date,
) -> impl IntoView + use<> {
    let s = &c.summary;
    let (leader_name, _) = issuer(cluster);
    let issuer_line = leader_name.to_uppercase();
    let cluster_line = s.cluster_name.to_uppercase();
    let date = crate::ui::form::parse_date(&fill.date.get()).unwrap_or(today);
    let place = fill.place.get();
    let place_date = if place.trim().is_empty() {
        date_words(date)
    } else {
        format!("{}, {}", place.trim(), date_words(date))
    };
    let number = fill.number.get();
    let number_line = format!(
        "Số: {}/BC-CTĐ",
        if number.trim().is_empty() {
            "…"
        } else {
            number.trim()
        }
    );
    let as_of = s
        .offices
        .iter()
        .filter_map(|o| o.freshness.last_change_date)
        .max()
        .map(|d| d.to_string())
        .unwrap_or_else(|| "—".into());
    let behind: Vec<String> = s
        .offices
        .iter()
        .filter(|o| o.freshness.behind_newest_days.unwrap_or(0) >= BEHIND_DAYS)
        .map(|o| match o.freshness.last_change_date {
            Some(d) => format!("{} (đến {d})", short_name(&o.name)),
            None => short_name(&o.name).to_string(),
        })
        .collect();
    // The report is in Vietnamese whatever the interface language.
    let scores_svg = charts::render(&charts::scores(s, Lang::Vi), charts::Layout::Wide);
    let registrations_svg =
        charts::render(&charts::registrations(s, Lang::Vi), charts::Layout::Wide);
    let year = s.year;
    view! {
        <article class="report" data-testid="report" lang="vi">
            <table class="report-head" role="presentation">
                <tr>
                    <td class="issuer">
                        <div class="issuer-parent" data-testid="report-issuer">{issuer_line}</div>
                        <div class="issuer-name"><strong>{cluster_line}</strong></div>
                        <div class="rule"></div>
                        <div class="doc-number" data-testid="report-number">{number_line}</div>
                    </td>
                    <td class="motto">
                        <div><strong>"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"</strong></div>
                        <div class="motto-line"><strong>"Độc lập - Tự do - Hạnh phúc"</strong></div>
                        <div class="rule motto-rule"></div>
                        <div class="place-date" data-testid="report-date"><em>{place_date}</em></div>
                    </td>
                </tr>
            </table>
            <h1 class="report-title" data-testid="report-title">
                <span class="kind">"BÁO CÁO"</span>
                <span class="about">{format!("Tổng hợp kết quả thi đua năm {year}")}</span>
            </h1>
            <div class="rule short"></div>
            <p class="lead-in">{format!(
                "Căn cứ kết quả đăng ký thi đua, tự chấm điểm, chấm chéo và số liệu thi đua, khen thưởng năm {year} \
                 của {} đơn vị thành viên (số liệu tổng hợp đến ngày {as_of}), {} báo cáo tổng hợp kết quả như sau:",
                s.offices.len(), s.cluster_name
            )}</p>
            {(!behind.is_empty()).then(|| view! {
                <p class="note"><em>{format!(
                    "Lưu ý: số liệu của {} cập nhật chậm hơn các đơn vị khác từ {BEHIND_DAYS} ngày trở lên.",
                    behind.join(", ")
                )}</em></p>
            })}

            <h2>"I. ĐĂNG KÝ THI ĐUA"</h2>
            {tables::titles(s, Lang::Vi)}
            <figure class="chart print-chart" inner_html=registrations_svg></figure>

            <h2>"II. KẾT QUẢ CHẤM ĐIỂM, XẾP HẠNG"</h2>
            {tables::scores(s, Lang::Vi)}
            <figure class="chart print-chart" inner_html=scores_svg></figure>

            <h2>"III. CẢNH BÁO VI PHẠM QUY ĐỊNH VỀ THI ĐUA, KHEN THƯỞNG"</h2>
            {tables::warnings(s, Lang::Vi)}

            <h2>"IV. GƯƠNG ĐIỂN HÌNH TIÊN TIẾN"</h2>
            {tables::models(s, Lang::Vi)}

            <h2>"V. KIẾN NGHỊ SAU KIỂM TRA CHƯA THỰC HIỆN XONG"</h2>
            {tables::follow_ups(s, Lang::Vi, date)}

            <h2>"VI. THỜI GIAN KHEN THƯỞNG"</h2>
            {tables::commendations(s, Lang::Vi)}

            <table class="report-foot" role="presentation">
                <tr>
                    <td class="recipients">
                        <div><strong><em>"Nơi nhận:"</em></strong></div>
                        <div>"- Các đơn vị thành viên Cụm;"</div>
                        <div>"- Ban Thi đua - Khen thưởng tỉnh (để báo cáo);"</div>
                        <div>"- Lưu: VT."</div>
                    </td>
                    <td class="signature" data-testid="report-signature">
                        <div><strong>{fill.authority.get()}</strong></div>
                        <div><strong>{fill.position.get()}</strong></div>
                        <div class="sign-hint"><em>"(Ký tên, đóng dấu)"</em></div>
                        <div class="sign-space"></div>
                        <div><strong>{fill.signer.get()}</strong></div>
                    </td>
                </tr>
            </table>
            <p class="no-print muted small">{match lang {
                Lang::Vi => "Bản in dùng khổ A4; tiêu đề và thanh điều hướng của ứng dụng không được in.",
                Lang::En => "Prints on A4; the app's header and navigation are not printed.",
            }}</p>
        </article>
    }
}
