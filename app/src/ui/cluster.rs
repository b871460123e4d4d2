//! The cluster's offices (các đơn vị trong cụm): every replica on this device,
//! how fresh it is, and its self-score total. Works offline from local replicas.

use leptos::prelude::*;
use shared::protocol::DocumentId;

use super::scoring::{fmt_points, latest_self_total};
use super::widgets::{ReadingNote, freshness_text};
use super::{use_driver, use_signals};
use crate::i18n::{term, tr, use_lang};
use shared::glossary;

#[component]
pub fn ClusterPage() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let session = drv.with_value(|d| d.session());
    let cluster_name = session.directory.cluster.clone();
    let offices = session.directory.offices.clone();
    let former = session.directory.former.clone();
    let offices_names: Vec<(String, String)> = offices
        .iter()
        .map(|o| (o.code.clone(), o.name.clone()))
        .collect();
    let own = session.office.clone();
    view! {
        <section class="cluster-page" data-testid="cluster-page">
            <nav class="sub-nav">
                <a class="sub-link active" href="#/cum">{move || tr(lang.get(), "Các đơn vị", "Offices")}</a>
                <a class="sub-link" href="#/cum/thiet-lap" data-testid="nav-cluster-setup">{move || tr(lang.get(), "Thiết lập cụm", "Cluster set-up")}</a>
            </nav>
            <h2>{cluster_name}</h2>
            <ReadingNote docs=session.directory.all_docs() />
            <table class="offices">
                <thead><tr>
                    <th>{move || tr(lang.get(), "Đơn vị", "Office")}</th>
                    <th class="num">{move || tr(lang.get(), "Tự chấm", "Self-score")}</th>
                    <th>{move || term(lang.get(), glossary::UPDATED_AS_OF)}</th>
                </tr></thead>
                <tbody>
                    {offices.into_iter().map(|o| {
                        let doc = DocumentId::from_url(&o.url).ok();
                        let href = format!("#/don-vi/{}", o.code);
                        let mine = o.code == own;
                        let total = move || {
                            signals.revision.get();
                            let Some(doc) = doc else { return String::new() };
                            match latest_self_total(drv, doc) {
                                Some((sum, shared::schema::ReviewPeriod::MidYear)) => format!(
                                    "{} ({})",
                                    fmt_points(sum),
                                    tr(lang.get(), "sơ kết 6 tháng", "mid-year")
                                ),
                                Some((sum, _)) => fmt_points(sum),
                                None => fmt_points(0.0),
                            }
                        };
                        let fresh = move || {
                            signals.revision.get();
                            signals.view.get();
                            doc.map(|doc| freshness_text(lang.get(), &drv.with_value(|d| d.freshness(&doc))))
                                .unwrap_or_default()
                        };
                        view! {
                            <tr data-testid=format!("office-row-{}", o.code)>
                                <td>
                                    <a href=href>{o.name.clone()}</a>
                                    {mine.then(|| view! { <span class="tag">{move || term(lang.get(), glossary::MINE)}</span> })}
                                </td>
                                <td class="num" data-testid=format!("office-total-{}", o.code)>{total}</td>
                                <td class="muted small">{fresh}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {(!former.is_empty()).then(|| {
                let rows = former.into_iter().map(|f| {
                    let href = format!("#/don-vi/{}", f.entry.code);
                    let successor = session_offices_name(&offices_names, &f.successor);
                    let until = super::form::show_date(Some(&shared::schema::DateText::from(f.until.as_str())));
                    view! {
                        <li data-testid=format!("former-{}", f.entry.code)>
                            <a href=href>{f.entry.name.clone()}</a>
                            <span class="muted small">{move || match lang.get() {
                                crate::i18n::Lang::Vi => format!(" · là thành viên Cụm đến ngày {until}; {successor} kế thừa hồ sơ"),
                                crate::i18n::Lang::En => format!(" · a member until {until}; records continued by {successor}"),
                            }}</span>
                        </li>
                    }
                }).collect_view();
                view! {
                    <h3>{move || tr(lang.get(), "Đơn vị trước sáp nhập", "Former offices (before the merger)")}</h3>
                    <ul class="former-offices" data-testid="former-offices">{rows}</ul>
                }
            })}
        </section>
    }
}

/// The name of office `code` among `names`, else the code.
fn session_offices_name(names: &[(String, String)], code: &str) -> String {
    names
        .iter()
        .find(|(c, _)| c == code)
        .map_or_else(|| code.to_string(), |(_, n)| n.clone())
}

/// A former office's name with its last day, e.g. "Văn phòng … Yên Bái
/// (đến 30/06/2025)".
pub fn former_name(name: &str, until: &str) -> String {
    let until = super::form::show_date(Some(&shared::schema::DateText::from(until)));
    format!("{name} (đến {until})")
}
