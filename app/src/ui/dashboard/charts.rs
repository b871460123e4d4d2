//! Charts as hand-written SVG (biểu đồ SVG, không dùng thư viện JS):
//! horizontal bars, one group per office, the office's name above its bars
//! and the value written at the end of every bar, so a chart reads the
//! same on a phone, on screen and printed in black and white: meaning is
//! never carried by colour alone (the two series differ by fill pattern —
//! solid or hatched — and every bar says what it is).
//!
//! Each chart is a pure function of the summary returning SVG markup; the
//! page inserts it as is.

use shared::summary::ClusterSummary;

use super::{fmt_num, short_name};
use crate::i18n::{Lang, tr};

/// How a bar is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// Solid dark fill (first series).
    Solid,
    /// Diagonal hatching (second series).
    Hatched,
}

/// One bar: its value on the chart's scale and the text written after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub value: f64,
    pub fill: Fill,
    pub label: String,
    /// The label on a phone (the value alone; the legend says which).
    pub short: String,
    /// Draw a thin outline up to this value behind the bar (e.g. the staff
    /// count behind those registered).
    pub of: Option<f64>,
}

/// One office's group of bars.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub name: String,
    pub bars: Vec<Bar>,
    /// Marks the group (e.g. an office with warnings): drawn bold.
    pub strong: bool,
}

/// A chart: title, scale and groups.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// Unique on the page (pattern ids).
    pub id: String,
    pub title: String,
    /// The scale's end; the line at it is labelled `max_label`.
    pub max: f64,
    pub max_label: Option<String>,
    /// Ticks on the axis (values).
    pub ticks: Vec<f64>,
    /// Text for the tick values (e.g. "50%").
    pub tick_suffix: String,
    pub legend: Vec<(Fill, String)>,
    pub groups: Vec<Group>,
}

/// The chart's proportions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Screens and print: full labels ("tự chấm: 97").
    Wide,
    /// Phones: a narrower drawing with the values alone, so that text
    /// stays readable once scaled to the screen.
    Narrow,
}

impl Layout {
    fn width(self) -> f64 {
        match self {
            Layout::Wide => 600.0,
            Layout::Narrow => 380.0,
        }
    }

    /// Room after the scale's end for the bar labels (written in one
    /// column, right of the scale, so they never cross a bar or the
    /// maximum's line).
    fn label_room(self) -> f64 {
        match self {
            Layout::Wide => 196.0,
            Layout::Narrow => 100.0,
        }
    }
}

const LEFT: f64 = 6.0;
const BAR: f64 = 14.0;
const BAR_GAP: f64 = 3.0;
const NAME: f64 = 17.0;
const GROUP_GAP: f64 = 9.0;
const SOLID: &str = "#8e1b1b";
const INK: &str = "#202124";

/// Text escaped for SVG/XML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn fill_attr(id: &str, fill: Fill) -> String {
    match fill {
        Fill::Solid => format!("fill=\"{SOLID}\""),
        Fill::Hatched => format!("fill=\"url(#{id}-hatch)\" stroke=\"{INK}\" stroke-width=\"0.8\""),
    }
}

fn swatch(id: &str, fill: Fill, x: f64, y: f64) -> String {
    format!(
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"14\" height=\"10\" {}/>",
        fill_attr(id, fill)
    )
}

/// The chart as SVG markup.
pub fn render(chart: &Chart, layout: Layout) -> String {
    let id = &match layout {
        Layout::Wide => chart.id.clone(),
        Layout::Narrow => format!("{}-narrow", chart.id),
    };
    let width = layout.width();
    let scale_end = width - layout.label_room();
    let max = if chart.max > 0.0 { chart.max } else { 1.0 };
    let x_of = |v: f64| LEFT + (scale_end - LEFT) * (v.clamp(0.0, max) / max);
    let legend_h = if chart.legend.is_empty() { 0.0 } else { 20.0 };
    let top = 20.0 + legend_h;
    let mut body = String::new();
    let mut y = top;
    for g in &chart.groups {
        let weight = if g.strong { " font-weight=\"700\"" } else { "" };
        body.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"{:.1}\" font-size=\"13\"{weight}>{}</text>",
            y + 12.5,
            esc(&g.name)
        ));
        y += NAME;
        for b in &g.bars {
            if let Some(of) = b.of {
                body.push_str(&format!(
                    "<rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"none\" stroke=\"{INK}\" stroke-width=\"0.8\" stroke-dasharray=\"3 2\"/>",
                    x_of(of) - LEFT
                ));
            }
            let w = x_of(b.value) - LEFT;
            if w > 0.0 {
                body.push_str(&format!(
                    "<rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR}\" {}/>",
                    fill_attr(id, b.fill)
                ));
            }
            body.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
                scale_end + 6.0,
                y + 11.0,
                esc(match layout {
                    Layout::Wide => &b.label,
                    Layout::Narrow => &b.short,
                })
            ));
            y += BAR + BAR_GAP;
        }
        y += GROUP_GAP;
    }
    let bottom = y;
    let height = bottom + 18.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height:.0}\" role=\"img\" aria-labelledby=\"{id}-title\" class=\"chart-svg\" font-family=\"system-ui, sans-serif\" fill=\"{INK}\">\
         <title id=\"{id}-title\">{}</title>\
         <defs><pattern id=\"{id}-hatch\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"5\" height=\"5\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"{INK}\" stroke-width=\"2\"/></pattern></defs>",
        esc(&chart.title)
    );
    // Legend.
    let mut lx = LEFT;
    for (fill, text) in &chart.legend {
        out.push_str(&swatch(id, *fill, lx, 6.0));
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"15\" font-size=\"12\">{}</text>",
            lx + 18.0,
            esc(text)
        ));
        lx += 28.0 + 6.8 * text.chars().count() as f64;
    }
    // Grid and ticks.
    for t in &chart.ticks {
        let x = x_of(*t);
        out.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#c4c7c5\" stroke-width=\"0.6\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}{}</text>",
            top - 4.0,
            bottom + 12.0,
            fmt_num(*t),
            esc(&chart.tick_suffix)
        ));
    }
    if let Some(label) = &chart.max_label {
        let x = x_of(max);
        out.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"{INK}\" stroke-width=\"1.2\" stroke-dasharray=\"5 3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" font-weight=\"700\">{}</text>",
            top - 8.0,
            x - 2.0,
            top - 10.0 + 8.0,
            esc(label)
        ));
    }
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

fn ticks(max: f64, steps: u32) -> Vec<f64> {
    (0..=steps)
        .map(|i| (max * f64::from(i) / f64::from(steps) * 100.0).round() / 100.0)
        .collect()
}

/// Scores by office (điểm theo đơn vị): self-score (solid) and the average
/// the other offices gave (hatched), in ranking order, against the scoring
/// table's maximum total.
pub fn scores(s: &ClusterSummary, lang: Lang) -> Chart {
    let self_word = tr(lang, "Tự chấm", "Self-score");
    let peer_word = tr(lang, "Chấm chéo (bình quân)", "Peer average");
    let groups = s
        .ranking
        .iter()
        .filter_map(|code| s.offices.iter().find(|o| &o.code == code))
        .map(|o| {
            let rank = o
                .scores
                .rank
                .map_or_else(|| "—".to_string(), |r| r.to_string());
            let mut bars = vec![Bar {
                value: o.scores.self_total,
                fill: Fill::Solid,
                label: format!(
                    "{}: {}",
                    tr(lang, "tự chấm", "self"),
                    fmt_num(o.scores.self_total)
                ),
                short: fmt_num(o.scores.self_total),
                of: None,
            }];
            bars.push(match o.scores.peer_total {
                Some(p) => Bar {
                    value: p,
                    fill: Fill::Hatched,
                    label: format!("{}: {}", tr(lang, "chấm chéo", "peers"), fmt_num(p)),
                    short: fmt_num(p),
                    of: None,
                },
                None => Bar {
                    value: 0.0,
                    fill: Fill::Hatched,
                    label: tr(lang, "chưa được chấm chéo", "not peer-scored yet").to_string(),
                    short: "—".to_string(),
                    of: None,
                },
            });
            Group {
                name: format!("{rank}. {}", short_name(&o.name)),
                bars,
                strong: o.scores.rank == Some(1),
            }
        })
        .collect();
    let max = if s.max_total > 0.0 {
        s.max_total
    } else {
        s.offices
            .iter()
            .map(|o| o.scores.self_total.max(o.scores.peer_total.unwrap_or(0.0)))
            .fold(1.0, f64::max)
    };
    Chart {
        id: "chart-scores".into(),
        title: match lang {
            Lang::Vi => format!("Điểm tự chấm và chấm chéo theo đơn vị, năm {}", s.year),
            Lang::En => format!("Self-scores and peer averages by office, {}", s.year),
        },
        max,
        max_label: Some(match lang {
            Lang::Vi => format!("Tối đa {}", fmt_num(max)),
            Lang::En => format!("Maximum {}", fmt_num(max)),
        }),
        ticks: ticks(max, 4),
        tick_suffix: String::new(),
        legend: vec![
            (Fill::Solid, self_word.to_string()),
            (Fill::Hatched, peer_word.to_string()),
        ],
        groups,
    }
}

/// Registration progress (tiến độ đăng ký thi đua): the share of each
/// office's staff with an individual registration (solid, inside a dashed
/// outline of the whole staff), with the collective's target and late
/// registrations in the label.
pub fn registrations(s: &ClusterSummary, lang: Lang) -> Chart {
    let groups = s
        .offices
        .iter()
        .map(|o| {
            let r = &o.registrations;
            let share = if r.staff_count > 0 {
                100.0 * f64::from(r.registered_count) / f64::from(r.staff_count)
            } else {
                0.0
            };
            let mut label = match lang {
                Lang::Vi => format!(
                    "{}/{} người · {}%",
                    r.registered_count,
                    r.staff_count,
                    fmt_num((share * 10.0).round() / 10.0)
                ),
                Lang::En => format!(
                    "{}/{} staff · {}%",
                    r.registered_count,
                    r.staff_count,
                    fmt_num((share * 10.0).round() / 10.0)
                ),
            };
            if r.late > 0 {
                label.push_str(&match lang {
                    Lang::Vi => format!(" · {} quá hạn", r.late),
                    Lang::En => format!(" · {} late", r.late),
                });
            }
            let target = r.collective_target.map_or_else(
                || tr(lang, "tập thể chưa đăng ký", "no collective target").to_string(),
                |t| match lang {
                    Lang::Vi => t.name_vi().to_string(),
                    Lang::En => t.name_en().to_string(),
                },
            );
            Group {
                name: format!("{} — {target}", short_name(&o.name)),
                bars: vec![Bar {
                    value: share,
                    fill: Fill::Solid,
                    short: format!(
                        "{}/{} · {}%",
                        r.registered_count,
                        r.staff_count,
                        fmt_num(share.round())
                    ),
                    label,
                    of: Some(100.0),
                }],
                strong: false,
            }
        })
        .collect();
    Chart {
        id: "chart-registrations".into(),
        title: match lang {
            Lang::Vi => format!("Tỷ lệ cán bộ đăng ký thi đua, năm {}", s.year),
            Lang::En => format!("Share of staff registered, {}", s.year),
        },
        max: 100.0,
        max_label: None,
        ticks: ticks(100.0, 4),
        tick_suffix: "%".into(),
        legend: vec![(
            Fill::Solid,
            tr(
                lang,
                "Đã đăng ký (khung nét đứt: toàn bộ cán bộ)",
                "Registered (dashed frame: all staff)",
            )
            .to_string(),
        )],
        groups,
    }
}

/// Rule warnings per office (số cảnh báo theo đơn vị).
pub fn warnings(s: &ClusterSummary, lang: Lang) -> Chart {
    let most = s
        .offices
        .iter()
        .map(|o| o.warning_count)
        .max()
        .unwrap_or(0)
        .max(1);
    let groups = s
        .offices
        .iter()
        .map(|o| Group {
            name: short_name(&o.name).to_string(),
            bars: vec![Bar {
                value: f64::from(o.warning_count),
                fill: Fill::Solid,
                label: match (lang, o.warning_count) {
                    (Lang::Vi, 0) => "0 — không có cảnh báo".to_string(),
                    (Lang::Vi, n) => format!("{n} cảnh báo"),
                    (Lang::En, 0) => "0 — no warnings".to_string(),
                    (Lang::En, 1) => "1 warning".to_string(),
                    (Lang::En, n) => format!("{n} warnings"),
                },
                short: o.warning_count.to_string(),
                of: None,
            }],
            strong: o.warning_count > 0,
        })
        .collect();
    let steps = most.min(4);
    Chart {
        id: "chart-warnings".into(),
        title: match lang {
            Lang::Vi => format!("Số cảnh báo vi phạm quy định theo đơn vị, năm {}", s.year),
            Lang::En => format!("Rule warnings by office, {}", s.year),
        },
        max: f64::from(most),
        max_label: None,
        ticks: (0..=steps)
            .map(|i| (f64::from(most) * f64::from(i) / f64::from(steps)).round())
            .collect(),
        tick_suffix: String::new(),
        legend: Vec::new(),
        groups,
    }
}
