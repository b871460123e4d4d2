//! Each view of the summary as a table: columns with Vietnamese headers, a
//! kind (text, whole number, decimal, date) and a width, and typed cells,
//! so that the workbook gets real numbers and dates and the CSV plain text.

use crate::domain::rules::Date;
use crate::domain::{Gender, Title};
use crate::glossary;
use crate::summary::{ClusterSummary, RegistrationTiming};

/// One view of the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Overview,
    Registrations,
    Scores,
    Warnings,
    Models,
    Recommendations,
    Commendations,
}

impl View {
    /// Every view, in workbook order.
    pub const ALL: [View; 7] = [
        View::Overview,
        View::Registrations,
        View::Scores,
        View::Warnings,
        View::Models,
        View::Recommendations,
        View::Commendations,
    ];

    /// The name in URLs (`?view=`).
    pub fn name(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Registrations => "registrations",
            View::Scores => "scores",
            View::Warnings => "warnings",
            View::Models => "models",
            View::Recommendations => "recommendations",
            View::Commendations => "commendations",
        }
    }

    /// The sheet name (Vietnamese).
    pub fn sheet(self) -> &'static str {
        match self {
            View::Overview => "Tổng hợp",
            View::Registrations => "Đăng ký",
            View::Scores => "Chấm điểm",
            View::Warnings => "Cảnh báo",
            View::Models => "Điển hình",
            View::Recommendations => "Kiến nghị",
            View::Commendations => "Khen thưởng",
        }
    }

    /// The sheet name without diacritics, for file names (`dang-ky`).
    pub fn slug(self) -> &'static str {
        match self {
            View::Overview => "tong-hop",
            View::Registrations => "dang-ky",
            View::Scores => "cham-diem",
            View::Warnings => "canh-bao",
            View::Models => "dien-hinh",
            View::Recommendations => "kien-nghi",
            View::Commendations => "khen-thuong",
        }
    }

    /// The sheet name in English (for the app's English interface).
    pub fn sheet_en(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Registrations => "Registrations",
            View::Scores => "Scores",
            View::Warnings => "Warnings",
            View::Models => "Exemplary models",
            View::Recommendations => "Recommendations",
            View::Commendations => "Commendations",
        }
    }

    /// The view named `name` (its URL name or sheet name).
    pub fn parse(name: &str) -> Option<View> {
        View::ALL
            .into_iter()
            .find(|v| v.name() == name || v.sheet() == name)
    }
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    /// Whole numbers (format `0`).
    Integer,
    /// Points and averages (format `0.00`).
    Decimal,
    /// Dates (format `dd/mm/yyyy`).
    Date,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub header: String,
    pub kind: ColumnKind,
    /// Width in characters.
    pub width: f64,
}

/// A cell value.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Decimal(f64),
    Date(Date),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Cell {
        Cell::Integer(i64::from(n))
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Integer(n)
    }
}

impl From<f64> for Cell {
    fn from(x: f64) -> Cell {
        Cell::Decimal(x)
    }
}

impl From<Date> for Cell {
    fn from(d: Date) -> Cell {
        Cell::Date(d)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// A view as a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub view: View,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

fn col(header: impl Into<String>, kind: ColumnKind, width: f64) -> Column {
    Column {
        header: header.into(),
        kind,
        width,
    }
}

fn title_vi(t: Option<Title>) -> Cell {
    t.map_or(Cell::Empty, |t| t.name_vi().into())
}

fn n(i: usize) -> Cell {
    Cell::Integer(i as i64 + 1)
}

/// The table of one view.
pub fn table(s: &ClusterSummary, view: View) -> Table {
    let (columns, rows) = match view {
        View::Overview => overview(s),
        View::Registrations => registrations(s),
        View::Scores => scores(s),
        View::Warnings => warnings(s),
        View::Models => models(s),
        View::Recommendations => recommendations(s),
        View::Commendations => commendations(s),
    };
    Table {
        view,
        columns,
        rows,
    }
}

type Parts = (Vec<Column>, Vec<Vec<Cell>>);

fn overview(s: &ClusterSummary) -> Parts {
    use ColumnKind::*;
    let columns = vec![
        col("STT", Integer, 5.0),
        col("Mã", Text, 6.0),
        col("Đơn vị", Text, 44.0),
        col("Số cán bộ", Integer, 9.0),
        col("Số người đăng ký", Integer, 10.0),
        col("Đăng ký quá hạn", Integer, 10.0),
        col("Danh hiệu tập thể đăng ký", Text, 26.0),
        col("Tổng điểm tự chấm", Decimal, 11.0),
        col("Tổng điểm chấm chéo (bình quân)", Decimal, 13.0),
        col("Xếp hạng", Integer, 8.0),
        col("Cảnh báo", Integer, 9.0),
        col("Gương điển hình", Integer, 10.0),
        col(glossary::OPEN_RECOMMENDATIONS.vi, Integer, 12.0),
        col("Số quyết định khen thưởng", Integer, 12.0),
        col(glossary::DAYS_TO_DECISION.vi, Decimal, 14.0),
        col("Số ngày dài nhất", Integer, 10.0),
        col(glossary::LEADING_VOTES.vi, Integer, 9.0),
        col(glossary::UPDATED_AS_OF.vi, Date, 12.0),
        col("Chậm hơn đơn vị mới nhất (ngày)", Integer, 12.0),
        col("Sơ kết 6 tháng: tổng điểm tự chấm", Decimal, 12.0),
    ];
    let mut rows: Vec<Vec<Cell>> = s
        .offices
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let r = &o.registrations;
            vec![
                n(i),
                o.code.as_str().into(),
                o.name.as_str().into(),
                r.staff_count.into(),
                r.registered_count.into(),
                r.late.into(),
                title_vi(r.collective_target),
                o.scores.self_total.into(),
                o.scores.peer_total.into(),
                o.scores.rank.into(),
                o.warning_count.into(),
                o.models.total().into(),
                o.recommendations_open.into(),
                o.commendations.decisions.into(),
                o.commendations.average_days.into(),
                o.commendations.max_days.into(),
                o.votes_received.into(),
                o.freshness.last_change_date.into(),
                o.freshness.behind_newest_days.into(),
                mid_year_self_total(o).into(),
            ]
        })
        .collect();
    let t = &s.totals;
    rows.push(vec![
        Cell::Empty,
        Cell::Empty,
        "Toàn cụm".into(),
        t.staff_count.into(),
        t.registered_count.into(),
        t.registered_late.into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        t.warnings.into(),
        t.models.total().into(),
        t.recommendations_open.into(),
        t.commendations.decisions.into(),
        t.commendations.average_days.into(),
        t.commendations.max_days.into(),
        s.vote.ballots_cast.into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ]);
    (columns, rows)
}

fn timing_vi(t: Option<RegistrationTiming>) -> Cell {
    t.map_or(Cell::Empty, |t| t.name_vi().into())
}

fn registrations(s: &ClusterSummary) -> Parts {
    use ColumnKind::*;
    let columns = vec![
        col("STT", Integer, 5.0),
        col("Đơn vị", Text, 40.0),
        col("Đối tượng", Text, 9.0),
        col("Họ và tên / Tập thể", Text, 28.0),
        col("Chức vụ", Text, 30.0),
        col("Giới tính", Text, 8.0),
        col("Danh hiệu đăng ký", Text, 26.0),
        col("Ngày đăng ký", Date, 12.0),
        col("Thời hạn", Text, 12.0),
        col("Danh hiệu đề nghị", Text, 26.0),
    ];
    let mut rows = Vec::new();
    for o in &s.offices {
        let r = &o.registrations;
        rows.push(vec![
            n(rows.len()),
            o.name.as_str().into(),
            "Tập thể".into(),
            o.name.as_str().into(),
            Cell::Empty,
            Cell::Empty,
            title_vi(r.collective_target),
            r.collective_date.into(),
            timing_vi(r.collective_timing),
            Cell::Empty,
        ]);
        for p in &r.people {
            rows.push(vec![
                n(rows.len()),
                o.name.as_str().into(),
                "Cá nhân".into(),
                p.full_name.as_str().into(),
                p.position.as_str().into(),
                match p.gender {
                    Some(Gender::Male) => "Nam".into(),
                    Some(Gender::Female) => "Nữ".into(),
                    None => Cell::Empty,
                },
                title_vi(p.title),
                p.date.into(),
                timing_vi(p.timing),
                title_vi(p.proposed_title),
            ]);
        }
    }
    (columns, rows)
}

fn scores(s: &ClusterSummary) -> Parts {
    use ColumnKind::*;
    let mut columns = vec![
        col("Xếp hạng", Integer, 8.0),
        col("Mã", Text, 6.0),
        col("Đơn vị", Text, 40.0),
    ];
    for c in &s.criteria {
        let max = shared_number(c.max_points);
        columns.push(col(
            format!("{} tự chấm (tối đa {max})", c.id),
            Decimal,
            11.0,
        ));
        columns.push(col(
            format!("{} chấm chéo (bình quân)", c.id),
            Decimal,
            11.0,
        ));
    }
    let max_total = shared_number(s.max_total);
    columns.push(col(
        format!("Tổng tự chấm (tối đa {max_total})"),
        Decimal,
        11.0,
    ));
    columns.push(col("Tổng chấm chéo (bình quân)", Decimal, 12.0));
    columns.push(col("Số đơn vị chấm", Integer, 9.0));
    // The mid-year review (sơ kết 6 tháng) beside the year end: its own
    // self-scores per criterion and total.
    for c in &s.criteria {
        columns.push(col(
            format!("{} sơ kết 6 tháng: tự chấm", c.id),
            Decimal,
            11.0,
        ));
    }
    columns.push(col("Sơ kết 6 tháng: tổng tự chấm", Decimal, 12.0));
    let rows = s
        .ranking
        .iter()
        .filter_map(|code| s.offices.iter().find(|o| &o.code == code))
        .map(|o| {
            let mut row: Vec<Cell> = vec![
                o.scores.rank.into(),
                o.code.as_str().into(),
                o.name.as_str().into(),
            ];
            for c in &s.criteria {
                let score = o.scores.criteria.iter().find(|x| x.criterion_id == c.id);
                row.push(score.and_then(|x| x.self_score).into());
                row.push(score.and_then(|x| x.peer_average).into());
            }
            row.push(o.scores.self_total.into());
            row.push(o.scores.peer_total.into());
            row.push((o.scores.reviewers.len() as u32).into());
            for c in &s.criteria {
                let mid = o
                    .mid_year_scores
                    .criteria
                    .iter()
                    .find(|x| x.criterion_id == c.id);
                row.push(mid.and_then(|x| x.self_score).into());
            }
            row.push(mid_year_self_total(o).into());
            row
        })
        .collect();
    (columns, rows)
}

/// The office's mid-year self-score total; `None` before it scored itself.
fn mid_year_self_total(o: &crate::summary::OfficeSummary) -> Option<f64> {
    let m = &o.mid_year_scores;
    m.criteria
        .iter()
        .any(|c| c.self_score.is_some())
        .then_some(m.self_total)
}

/// 25 → "25", 12.5 → "12,5".
fn shared_number(x: f64) -> String {
    format!("{x}").replace('.', ",")
}

fn warnings(s: &ClusterSummary) -> Parts {
    use ColumnKind::*;
    let columns = vec![
        col("STT", Integer, 5.0),
        col("Đơn vị", Text, 36.0),
        col("Mã cảnh báo", Text, 22.0),
        col("Đối tượng", Text, 26.0),
        col("Danh hiệu", Text, 26.0),
        col("Số văn bản", Text, 14.0),
        col("Nội dung cảnh báo", Text, 60.0),
        col("Điều kiện chưa đạt", Text, 70.0),
        col("Warning (English)", Text, 60.0),
    ];
    let rows = s
        .warnings
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let conditions = w
                .conditions
                .iter()
                .map(|c| format!("{} ({})", c.vi, c.article))
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                n(i),
                w.office_name.as_str().into(),
                w.code.as_str().into(),
                w.subject.clone().into(),
                title_vi(w.title),
                w.reference.clone().into(),
                w.message_vi.as_str().into(),
                conditions.into(),
                w.message_en.as_str().into(),
            ]
        })
        .collect();
    (columns, rows)
}

fn models(s: &ClusterSummary) -> Parts {
    use ColumnKind::*;
    let columns = vec![
        col("STT", Integer, 5.0),
        col("Đơn vị", Text, 40.0),
        col("Gương điển hình", Text, 28.0),
        col("Cá nhân / tập thể", Text, 10.0),
        col("Bước hiện tại", Text, 22.0),
        col("Ngày đạt bước", Date, 12.0),
        col("Thành tích tiêu biểu", Text, 60.0),
    ];
    let rows = s
        .models
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                n(i),
                m.office_name.as_str().into(),
                m.subject.as_str().into(),
                if m.collective {
                    "Tập thể"
                } else {
                    "Cá nhân"
                }
                .into(),
                m.stage.name_vi().into(),
                m.stage_date.into(),
                m.description.as_str().into(),
            ]
        })
        .collect();
    (columns, rows)
}

fn recommendations(s: &ClusterSummary) -> Parts {
    use ColumnKind::*;
    let columns = vec![
        col("STT", Integer, 5.0),
        col("Đơn vị", Text, 36.0),
        col("Ngày kiểm tra", Date, 12.0),
        col("Đoàn kiểm tra", Text, 36.0),
        col("Loại", Text, 10.0),
        col("Nội dung", Text, 60.0),
        col("Tình trạng", Text, 16.0),
        col("Hạn thực hiện", Date, 12.0),
        col("Ghi chú", Text, 30.0),
    ];
    let rows = s
        .follow_ups
        .iter()
        .enumerate()
        .map(|(i, f)| {
            vec![
                n(i),
                f.office_name.as_str().into(),
                f.inspection_date.into(),
                f.team.as_str().into(),
                f.kind.name_vi().into(),
                f.text.as_str().into(),
                f.status.name_vi().into(),
                f.due_date.into(),
                f.note.as_str().into(),
            ]
        })
        .collect();
    (columns, rows)
}

fn commendations(s: &ClusterSummary) -> Parts {
    use ColumnKind::*;
    let columns = vec![
        col("STT", Integer, 5.0),
        col("Đơn vị", Text, 36.0),
        col("Số quyết định", Text, 16.0),
        col("Ngày quyết định", Date, 12.0),
        col("Người ký", Text, 20.0),
        col("Số tờ trình", Text, 14.0),
        col("Ngày tờ trình", Date, 12.0),
        col("Số ngày (tờ trình → quyết định)", Integer, 12.0),
        col("Số đối tượng", Integer, 9.0),
        col("Danh hiệu, hình thức", Text, 40.0),
    ];
    let mut rows: Vec<Vec<Cell>> = s
        .commendations
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut numbers: Vec<&str> = c.proposals.iter().map(|p| p.number.as_str()).collect();
            numbers.dedup();
            let mut titles: Vec<String> = c
                .proposals
                .iter()
                .map(|p| {
                    p.title
                        .map_or_else(|| p.award.clone(), |t| t.name_vi().to_string())
                })
                .collect();
            titles.sort();
            titles.dedup();
            vec![
                n(i),
                c.office_name.as_str().into(),
                c.decision_number.as_str().into(),
                c.decision_date.into(),
                c.signer.as_str().into(),
                numbers.join(", ").into(),
                c.proposal_date.into(),
                c.days.into(),
                (c.proposals.len() as u32).into(),
                titles.join(", ").into(),
            ]
        })
        .collect();
    let t = &s.totals.commendations;
    let summary_row = |label: &str, value: Cell| {
        let mut row = vec![Cell::Empty; 10];
        row[1] = label.into();
        row[7] = value;
        row
    };
    rows.push(summary_row(
        "Bình quân toàn cụm (ngày)",
        t.average_days.into(),
    ));
    rows.push(summary_row("Dài nhất (ngày)", t.max_days.into()));
    (columns, rows)
}
