//! The dashboard's tables (bảng số liệu), plain functions of the summary:
//! the offices at a glance with how fresh each one's data is, registrations
//! against targets by title, rule warnings with their explanations,
//! exemplary models per stage, open inspection recommendations (overdue
//! ones marked against today's date) and how long commendations took. The
//! print view uses the same tables.

use leptos::prelude::*;
use shared::domain::Title;
use shared::domain::rules::Date;
use shared::schema::{ModelStage, TextCode};
use shared::summary::{
    ClusterSummary, FollowUpKind, FollowUpRow, OfficeSummary, RuleWarning, ShareTarget,
};

use super::{BEHIND_DAYS, fmt_num, short_name};
use crate::i18n::{Lang, datetime_vn, term, tr};
use crate::sync::DocFreshness;
use crate::ui::evaluation::EvaluationView;
use crate::ui::form::days_between;
use shared::glossary;

fn title_name(lang: Lang, t: Title) -> &'static str {
    match lang {
        Lang::Vi => t.name_vi(),
        Lang::En => t.name_en(),
    }
}

fn opt_num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), fmt_num)
}

fn date_text(d: Option<Date>) -> String {
    d.map_or_else(|| "—".to_string(), |d| d.to_string())
}

/// "cập nhật đến …" for one office, and whether it is behind the others.
pub fn freshness_line(lang: Lang, o: &OfficeSummary, replica: &DocFreshness) -> (String, bool) {
    let changed = o
        .freshness
        .last_change_secs
        .map(|s| datetime_vn(s as f64 * 1000.0));
    let synced = replica.synced_ms.map(datetime_vn);
    let behind = o.freshness.behind_newest_days.unwrap_or(0);
    let mut text = match (lang, changed) {
        (Lang::Vi, Some(c)) => format!("cập nhật đến {c}"),
        (Lang::Vi, None) => "chưa có dữ liệu".to_string(),
        (Lang::En, Some(c)) => format!("data as of {c}"),
        (Lang::En, None) => "no data yet".to_string(),
    };
    text.push_str(&match (lang, synced) {
        (Lang::Vi, Some(s)) => format!(" · đồng bộ lúc {s}"),
        (Lang::Vi, None) => " · chưa đồng bộ".to_string(),
        (Lang::En, Some(s)) => format!(" · synced {s}"),
        (Lang::En, None) => " · not synced yet".to_string(),
    });
    let is_behind = behind >= BEHIND_DAYS;
    if is_behind {
        text.push_str(&match lang {
            Lang::Vi => format!(" · chậm {behind} ngày so với đơn vị mới nhất"),
            Lang::En => format!(" · {behind} days behind the newest office"),
        });
    }
    (text, is_behind)
}

/// The offices at a glance (các đơn vị): rank, mid-year and year-end
/// self-scores, the year-end peer average,
/// registrations, warnings, open recommendations and freshness.
pub fn offices(
    s: &ClusterSummary,
    lang: Lang,
    freshness: &dyn Fn(&str) -> DocFreshness,
) -> impl IntoView + use<> {
    // In ranking order, as the "Hạng" column says.
    let rows = s
        .ranking
        .iter()
        .filter_map(|c| s.offices.iter().find(|o| &o.code == c))
        .map(|o| {
            let code = o.code.clone();
            let (fresh, behind) = freshness_line(lang, o, &freshness(&o.code));
            let r = &o.registrations;
            let rank = o.scores.rank.map_or_else(|| "—".to_string(), |r| r.to_string());
            let mid = if o.mid_year_scores.criteria.iter().any(|c| c.self_score.is_some()) {
                fmt_num(o.mid_year_scores.self_total)
            } else {
                "—".to_string()
            };
            let warned = o.warning_count > 0;
            view! {
                <tr data-testid=format!("dash-office-{code}") class:behind=behind class:has-warnings=warned>
                    <td class="num" data-testid=format!("dash-rank-{code}")>{rank}</td>
                    <td class="office-cell">
                        <a href=format!("#/don-vi/{code}") title=o.name.clone()><strong>{short_name(&o.name).to_string()}</strong></a>
                        <div class="small fresh" class:warn=behind data-testid=format!("dash-fresh-{code}")>
                            {behind.then(|| view! { <strong>{tr(lang, "Chậm cập nhật: ", "Behind: ")}</strong> })}
                            {fresh}
                        </div>
                    </td>
                    <td class="num" data-testid=format!("dash-mid-{code}")>{mid}</td>
                    <td class="num" data-testid=format!("dash-self-{code}")>{fmt_num(o.scores.self_total)}</td>
                    <td class="num" data-testid=format!("dash-peer-{code}")>{opt_num(o.scores.peer_total)}</td>
                    <td class="num" data-testid=format!("dash-registered-{code}")>{format!("{}/{}", r.registered_count, r.staff_count)}</td>
                    <td class="num" data-testid=format!("dash-warnings-{code}")>{o.warning_count}</td>
                    <td class="num">{o.recommendations_open}</td>
                    <td class="num">{o.votes_received}</td>
                </tr>
            }
        })
        .collect_view();
    let max = fmt_num(s.max_total);
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang, "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
            <table class="dash-offices" data-testid="dash-offices">
                <thead><tr>
                    <th class="num">{tr(lang, "Hạng", "Rank")}</th>
                    <th>{format!("{} · {}", tr(lang, "Đơn vị", "Office"), term(lang, glossary::UPDATED_AS_OF_LOWER))}</th>
                    <th class="num">{tr(lang, "Sơ kết 6 tháng: tự chấm", "Mid-year: self-score")}<br/><span class="muted small">{format!("/ {max}")}</span></th>
                    <th class="num">{tr(lang, "Tổng kết: tự chấm", "Year end: self-score")}<br/><span class="muted small">{format!("/ {max}")}</span></th>
                    <th class="num">{tr(lang, "Chấm chéo (bình quân)", "Peer average")}</th>
                    <th class="num">{tr(lang, "Đăng ký / cán bộ", "Registered / staff")}</th>
                    <th class="num">{tr(lang, "Cảnh báo", "Warnings")}</th>
                    <th class="num">{term(lang, glossary::OPEN_RECOMMENDATIONS)}</th>
                    <th class="num">{term(lang, glossary::LEADING_VOTES)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Registrations against targets, by title (đăng ký, đề nghị, được công
/// nhận), and the collective targets.
pub fn titles(s: &ClusterSummary, lang: Lang) -> impl IntoView + use<> {
    let t = &s.totals;
    let rows = t
        .by_title
        .iter()
        .map(|c| {
            view! {
                <tr data-testid=format!("dash-title-{}", c.title.code())>
                    <td>{title_name(lang, c.title)}</td>
                    <td class="num">{c.registered}</td>
                    <td class="num">{c.proposed}</td>
                    <td class="num">{c.awarded}</td>
                </tr>
            }
        })
        .collect_view();
    let collective = t
        .collective_targets
        .iter()
        .map(|c| format!("{}: {}", title_name(lang, c.title), c.count))
        .collect::<Vec<_>>()
        .join("; ");
    let share = if t.staff_count > 0 {
        100.0 * f64::from(t.registered_count) / f64::from(t.staff_count)
    } else {
        0.0
    };
    // The timing counts the collectives' registrations too: say so, so the
    // figures add up with the line above.
    let collectives = s
        .offices
        .iter()
        .filter(|o| o.registrations.collective_target.is_some())
        .count();
    let timing = match lang {
        Lang::Vi => format!(
            "Thời điểm đăng ký ({} cá nhân và {collectives} tập thể): đúng hạn {} · quá hạn {} · chưa ghi ngày {}{}",
            t.registered_count,
            t.registered_on_time,
            t.registered_late,
            t.registered_undated,
            s.registration_deadline
                .map(|d| format!(" (hạn đăng ký {d})"))
                .unwrap_or_default()
        ),
        Lang::En => format!(
            "When registered ({} people and {collectives} collectives): on time {} · late {} · undated {}{}",
            t.registered_count,
            t.registered_on_time,
            t.registered_late,
            t.registered_undated,
            s.registration_deadline
                .map(|d| format!(" (deadline {d})"))
                .unwrap_or_default()
        ),
    };
    view! {
        <p data-testid="dash-registered-total">
            {match lang {
                Lang::Vi => format!("{}/{} cán bộ đã đăng ký thi đua ({}%).", t.registered_count, t.staff_count, fmt_num((share * 10.0).round() / 10.0)),
                Lang::En => format!("{}/{} staff registered ({}%).", t.registered_count, t.staff_count, fmt_num((share * 10.0).round() / 10.0)),
            }}
            " "{timing}
        </p>
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang, "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
            <table class="dash-titles">
                <thead><tr>
                    <th>{tr(lang, "Danh hiệu", "Title")}</th>
                    <th class="num">{tr(lang, "Đăng ký", "Registered")}</th>
                    <th class="num">{tr(lang, "Đề nghị", "Proposed")}</th>
                    <th class="num">{tr(lang, "Được công nhận", "Awarded")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="small">
            <strong>{tr(lang, "Danh hiệu tập thể đăng ký: ", "Collective targets: ")}</strong>
            {if collective.is_empty() { "—".to_string() } else { collective }}
        </p>
    }
}

/// "9/9 (chỉ tiêu 100%)": reached of needed, with the percent.
fn share_cell(lang: Lang, t: Option<&ShareTarget>) -> (String, &'static str) {
    match t {
        None => ("—".to_string(), ""),
        Some(t) => (
            match lang {
                Lang::Vi => format!("{}/{} (chỉ tiêu {}%)", t.reached, t.needed, t.percent),
                Lang::En => format!("{}/{} (target {}%)", t.reached, t.needed, t.percent),
            },
            if t.met() { "ok" } else { "warn" },
        ),
    }
}

/// Each office's targets for the year against its results; offices that
/// set none are named as such.
pub fn targets(s: &ClusterSummary, lang: Lang) -> impl IntoView + use<> {
    let with: Vec<_> = s
        .offices
        .iter()
        .filter_map(|o| o.registrations.targets.as_ref().map(|t| (o, t)))
        .collect();
    let without: Vec<String> = s
        .offices
        .iter()
        .filter(|o| o.registrations.targets.is_none())
        .map(|o| short_name(&o.name).to_string())
        .collect();
    let title =
        |t: Option<Title>| t.map_or_else(|| "—".to_string(), |t| title_name(lang, t).to_string());
    let rows = with
        .iter()
        .map(|(o, t)| {
            let (ldtt, ldtt_class) = share_cell(lang, t.ldtt.as_ref());
            let (cstdcs, cstdcs_class) = share_cell(lang, t.cstdcs.as_ref());
            let collective = match t.collective_target {
                None => "—".to_string(),
                Some(target) => format!(
                    "{} → {}",
                    title(Some(target)),
                    t.collective_proposed.map_or_else(
                        || tr(lang, "chưa đề nghị", "not proposed").to_string(),
                        |p| title_name(lang, p).to_string()
                    )
                ),
            };
            view! {
                <tr data-testid=format!("dash-target-{}", o.code)>
                    <td>{short_name(&o.name).to_string()}</td>
                    <td>{collective}</td>
                    <td class=format!("num {ldtt_class}")>{ldtt}</td>
                    <td class=format!("num {cstdcs_class}")>{cstdcs}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {(!with.is_empty()).then(|| view! {
            <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang, "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
                <table class="dash-targets" data-testid="dash-targets">
                    <thead><tr>
                        <th>{tr(lang, "Đơn vị", "Office")}</th>
                        <th>{tr(lang, "Danh hiệu tập thể (chỉ tiêu → đề nghị)", "Collective title (target → proposed)")}</th>
                        <th class="num">{tr(lang, "Lao động tiên tiến (đạt/chỉ tiêu)", "Advanced Workers (reached/target)")}</th>
                        <th class="num">{tr(lang, "Chiến sĩ thi đua cơ sở trở lên (đạt/chỉ tiêu)", "Grassroots Emulation Fighters or higher (reached/target)")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })}
        {(!without.is_empty()).then(|| view! {
            <p class="small muted" data-testid="dash-targets-missing">
                {tr(lang, "Chưa đặt chỉ tiêu: ", "No targets set: ")}{without.join(", ")}
            </p>
        })}
    }
}

/// The emulation flag proposal that follows from the vote (Điều 26), and
/// the runners-up suggested for a Bằng khen.
pub fn flag(s: &ClusterSummary, lang: Lang) -> impl IntoView + use<> {
    let Some(f) = s.flag.clone() else {
        return view! {
            <p class="muted small" data-testid="dash-flag">{tr(lang, "Chưa có phiếu suy tôn đơn vị dẫn đầu trong năm.", "No votes for the leading office this year.")}</p>
        }
        .into_any();
    };
    let runners = f
        .runners_up
        .iter()
        .map(|t| {
            format!(
                "{} ({} {})",
                short_name(&t.office_name),
                t.votes,
                tr(lang, "phiếu", "votes")
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <div class="card" data-testid="dash-flag" data-office=f.office_code.clone() data-eligible=(f.evaluation.eligible && !f.evaluation.frozen).to_string()>
            <strong>{match lang {
                Lang::Vi => format!("Đề nghị Cờ thi đua: {}", short_name(&f.office_name)),
                Lang::En => format!("Proposed for the emulation flag: {}", short_name(&f.office_name)),
            }}</strong>
            <EvaluationView e=f.evaluation.clone() />
            {(!runners.is_empty()).then(|| view! {
                <p class="small" data-testid="dash-flag-runners-up">
                    {tr(lang, "Đơn vị xếp sau, có thể đề nghị Bằng khen: ", "Runners-up, often proposed for a Bằng khen: ")}{runners.clone()}
                </p>
            })}
        </div>
    }
    .into_any()
}

/// One rule warning with the conditions not met.
fn warning_item(lang: Lang, i: usize, w: &RuleWarning) -> impl IntoView + use<> {
    let message = match lang {
        Lang::Vi => w.message_vi.clone(),
        Lang::En => w.message_en.clone(),
    };
    let conditions = w
        .conditions
        .iter()
        .map(|c| {
            let text = match lang {
                Lang::Vi => c.vi.clone(),
                Lang::En => c.en.clone(),
            };
            view! { <li><span class="mark" aria-hidden="true">"✗"</span>{text}" "<span class="muted">{format!("({})", c.article)}</span></li> }
        })
        .collect_view();
    let subject = [
        w.subject.clone(),
        w.title.map(|t| title_name(lang, t).to_string()),
        w.reference.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <li class="warning-item" data-testid=format!("dash-warning-{i}") data-code=w.code.clone() data-office=w.office_code.clone()>
            <div><strong>{short_name(&w.office_name).to_string()}</strong>
                {(!subject.is_empty()).then(|| view! { <span class="muted">{format!(" — {subject}")}</span> })}
            </div>
            <div class="warning-text">{message}</div>
            {(!w.conditions.is_empty()).then(|| view! { <ul class="conditions">{conditions}</ul> })}
        </li>
    }
}

/// Rule warnings (cảnh báo), office by office, with their explanations.
pub fn warnings(s: &ClusterSummary, lang: Lang) -> impl IntoView + use<> {
    if s.warnings.is_empty() {
        return view! { <p class="ok" data-testid="dash-no-warnings">{tr(lang, "Không có cảnh báo nào.", "No warnings.")}</p> }.into_any();
    }
    let items = s
        .warnings
        .iter()
        .enumerate()
        .map(|(i, w)| warning_item(lang, i, w))
        .collect_view();
    view! { <ol class="warnings" data-testid="dash-warnings">{items}</ol> }.into_any()
}

/// Exemplary models per stage (gương điển hình theo bước), per office.
pub fn models(s: &ClusterSummary, lang: Lang) -> impl IntoView + use<> {
    let stages = ModelStage::ALL;
    let head = stages
        .iter()
        .map(|st| {
            view! { <th class="num">{match lang { Lang::Vi => st.name_vi(), Lang::En => st.name_en() }}</th> }
        })
        .collect_view();
    let rows = s
        .offices
        .iter()
        .map(|o| {
            let cells = stages
                .iter()
                .map(|st| view! { <td class="num">{o.models.get(*st)}</td> })
                .collect_view();
            view! {
                <tr>
                    <td>{short_name(&o.name).to_string()}</td>
                    {cells}
                    <td class="num"><strong>{o.models.total()}</strong></td>
                </tr>
            }
        })
        .collect_view();
    let totals = stages
        .iter()
        .map(|st| view! { <td class="num">{s.totals.models.get(*st)}</td> })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang, "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
            <table class="dash-models" data-testid="dash-models">
                <thead><tr>
                    <th>{tr(lang, "Đơn vị", "Office")}</th>
                    {head}
                    <th class="num">{tr(lang, "Cộng", "Total")}</th>
                </tr></thead>
                <tbody>
                    {rows}
                    <tr class="total">
                        <td>{tr(lang, "Toàn cụm", "Whole cluster")}</td>
                        {totals}
                        <td class="num">{s.totals.models.total()}</td>
                    </tr>
                </tbody>
            </table>
        </div>
    }
}

/// Days a follow-up is overdue on `today` (positive), if it is.
pub fn overdue_days(f: &FollowUpRow, today: Date) -> Option<i64> {
    f.due_date
        .map(|due| days_between(due, today))
        .filter(|d| *d > 0)
}

/// Open recommendations and shortcomings (kiến nghị, hạn chế chưa thực
/// hiện xong), overdue ones marked in words.
pub fn follow_ups(s: &ClusterSummary, lang: Lang, today: Date) -> impl IntoView + use<> {
    if s.follow_ups.is_empty() {
        return view! { <p class="ok">{tr(lang, "Không còn kiến nghị nào chưa thực hiện xong.", "No open recommendations.")}</p> }.into_any();
    }
    let overdue = s
        .follow_ups
        .iter()
        .filter(|f| overdue_days(f, today).is_some())
        .count();
    let rows = s
        .follow_ups
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let late = overdue_days(f, today);
            let kind = match (lang, f.kind) {
                (Lang::Vi, k) => k.name_vi(),
                (Lang::En, FollowUpKind::Recommendation) => "Recommendation",
                (Lang::En, FollowUpKind::Shortcoming) => "Shortcoming",
            };
            let status = match lang {
                Lang::Vi => f.status.name_vi(),
                Lang::En => f.status.code(),
            };
            view! {
                <tr class:overdue=late.is_some() data-testid=format!("dash-followup-{i}") data-overdue=late.map(|d| d.to_string())>
                    <td>{short_name(&f.office_name).to_string()}</td>
                    <td>{kind}</td>
                    <td>{f.text.clone()}</td>
                    <td class="nowrap">{status}</td>
                    <td class="nowrap">
                        {date_text(f.due_date)}
                        {late.map(|d| view! {
                            <div class="overdue-mark"><strong>{match lang {
                                Lang::Vi => format!("Quá hạn {d} ngày"),
                                Lang::En => format!("{d} days overdue"),
                            }}</strong></div>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p data-testid="dash-overdue-count">{match lang {
            Lang::Vi => format!("{} mục chưa thực hiện xong, trong đó {overdue} mục quá hạn (tính đến ngày {today}).", s.follow_ups.len()),
            Lang::En => format!("{} open items, {overdue} overdue (as of {today}).", s.follow_ups.len()),
        }}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang, "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
            <table class="dash-followups" data-testid="dash-followups">
                <thead><tr>
                    <th>{tr(lang, "Đơn vị", "Office")}</th>
                    <th>{tr(lang, "Loại", "Kind")}</th>
                    <th>{tr(lang, "Nội dung", "Text")}</th>
                    <th>{tr(lang, "Tình trạng", "Status")}</th>
                    <th>{tr(lang, "Hạn thực hiện", "Due")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// How long commendations took (thời gian từ khi gửi hồ sơ, hoặc từ ngày tờ
/// trình, đến quyết định) and where waiting dossiers stand.
pub fn commendations(s: &ClusterSummary, lang: Lang) -> impl IntoView + use<> {
    let row = |name: String, t: &shared::summary::TimingStats, total: bool| {
        view! {
            <tr class:total=total>
                <td>{name}</td>
                <td class="num">{t.decisions}</td>
                <td class="num">{opt_num(t.average_days)}</td>
                <td class="num">{t.max_days.map_or_else(|| "—".to_string(), |d| d.to_string())}</td>
                <td class="num">{t.pending_proposals}</td>
                <td class="num">{t.dossiers.preparing}</td>
                <td class="num">{t.dossiers.sent}</td>
                <td class="num" class:warn=t.dossiers.returned.gt(&0)>{t.dossiers.returned}</td>
            </tr>
        }
    };
    let rows = s
        .offices
        .iter()
        .map(|o| row(short_name(&o.name).to_string(), &o.commendations, false))
        .collect_view();
    let total = row(
        tr(lang, "Toàn cụm", "Whole cluster").to_string(),
        &s.totals.commendations,
        true,
    );
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || tr(lang, "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
            <table class="dash-commendations" data-testid="dash-commendations">
                <thead><tr>
                    <th>{tr(lang, "Đơn vị", "Office")}</th>
                    <th class="num">{tr(lang, "Số lượng quyết định", "Decisions")}</th>
                    <th class="num">{tr(lang, "Số ngày bình quân", "Average days")}</th>
                    <th class="num">{tr(lang, "Dài nhất (ngày)", "Longest (days)")}</th>
                    <th class="num">{tr(lang, "Tờ trình chờ quyết định", "Proposals waiting")}</th>
                    <th class="num">{tr(lang, "Hồ sơ đang chuẩn bị", "Dossiers being prepared")}</th>
                    <th class="num">{tr(lang, "Hồ sơ đã gửi", "Dossiers sent")}</th>
                    <th class="num">{tr(lang, "Hồ sơ bị trả lại", "Dossiers returned")}</th>
                </tr></thead>
                <tbody>{rows}{total}</tbody>
            </table>
        </div>
    }
}

/// Scores and ranking (kết quả chấm điểm, xếp hạng), in ranking order.
pub fn scores(s: &ClusterSummary, lang: Lang) -> impl IntoView + use<> {
    let rows = s
        .ranking
        .iter()
        .filter_map(|code| s.offices.iter().find(|o| &o.code == code))
        .map(|o| {
            view! {
                <tr>
                    <td class="num">{o.scores.rank.map_or_else(|| "—".to_string(), |r| r.to_string())}</td>
                    <td>{o.name.clone()}</td>
                    <td class="num">{fmt_num(o.scores.self_total)}</td>
                    <td class="num">{opt_num(o.scores.peer_total)}</td>
                    <td class="num">{o.scores.reviewers.len()}</td>
                    <td>{o.registrations.collective_target.map(|t| title_name(lang, t)).unwrap_or("—")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=tr(lang, "Bảng (cuộn ngang để xem hết)", "Table (scroll sideways to see all)")>
        <table class="dash-scores" data-testid="dash-scores">
            <thead><tr>
                <th class="num">{tr(lang, "Xếp hạng", "Rank")}</th>
                <th>{tr(lang, "Đơn vị", "Office")}</th>
                <th class="num">{match lang {
                    Lang::Vi => format!("Tự chấm (tối đa {})", fmt_num(s.max_total)),
                    Lang::En => format!("Self-score (max {})", fmt_num(s.max_total)),
                }}</th>
                <th class="num">{tr(lang, "Chấm chéo (bình quân)", "Peer average")}</th>
                <th class="num">{tr(lang, "Số đơn vị chấm", "Reviewers")}</th>
                <th>{tr(lang, "Danh hiệu tập thể đăng ký", "Collective target")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
    }
}
