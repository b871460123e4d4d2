//! The summary as one Excel workbook (`.xlsx`, feature `xlsx`): one sheet
//! per view, in [`View::ALL`] order, with a bold frozen header row, an
//! autofilter, column widths to fit, whole numbers as `0`, points and
//! averages as `0.00`, and dates as real Excel dates shown `dd/mm/yyyy`.
//!
//! The bytes are a function of the summary alone: the document's creation
//! time (docProps) is the newest change among the offices (the data's "as
//! of" time), not the clock, so the relay and the browser write the very
//! same file for the same summary. (On wasm32, `rust_xlsxwriter` still
//! reads the clock once while building its default properties: the app
//! turns on its `wasm` feature so that this goes through `js_sys::Date`.)
//!
//! No cell can make the whole workbook fail (the data comes from every
//! office, so one bad value must not take the export away from all):
//! - text longer than Excel's cell limit ([`MAX_CELL_CHARS`], counted in
//!   UTF-16 units as Excel does) is cut, ending with [`CUT_MARK`] so that
//!   the reader sees it was cut ([`fit_cell`]); the CSV keeps it whole;
//! - dates outside Excel's calendar (before 1900, after 9999) are written
//!   as text `dd/mm/yyyy`; the creation time is kept inside it;
//! - a sheet keeps at most Excel's 1,048,576 rows: when a view has more,
//!   the last row says how many were left out; columns past Excel's 16,384
//!   are left out;
//! - any other cell that cannot be written becomes the text
//!   [`UNWRITABLE_CELL`].
//!
//! Text is written as text (`write_string`), never as a formula, so a name
//! such as `=HYPERLINK(…)` stays a name: no quote is added here, unlike the
//! CSV. The sheet names are fixed ([`View::sheet`]: at most 31 characters,
//! none of `[]:*?/\`).

use std::borrow::Cow;

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::summary::ClusterSummary;

use super::table::{Cell, Table, View, table};

/// Why the workbook could not be written.
#[derive(Debug, thiserror::Error)]
#[error("could not write the Excel workbook: {0}")]
pub struct XlsxExportError(#[from] XlsxError);

struct Formats {
    header: Format,
    text: Format,
    integer: Format,
    decimal: Format,
    date: Format,
}

impl Formats {
    fn new() -> Formats {
        let body = Format::new().set_border(FormatBorder::Thin);
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color(Color::RGB(0x00DD_EBF7)),
            text: body.clone().set_text_wrap(),
            integer: body.clone().set_num_format("0"),
            decimal: body.clone().set_num_format("0.00"),
            date: body.set_num_format("dd/mm/yyyy"),
        }
    }
}

/// Excel's limit on the length of a cell's text, in UTF-16 code units.
pub const MAX_CELL_CHARS: usize = 32_767;

/// The end of a text cut to [`MAX_CELL_CHARS`].
pub const CUT_MARK: &str = "… [đã cắt bớt]";

/// What a cell that could not be written shows instead.
pub const UNWRITABLE_CELL: &str = "[không ghi được ô này]";

/// Excel's rows per sheet (the header row included).
pub const MAX_ROWS: usize = 1_048_576;

/// Excel's columns per sheet.
pub const MAX_COLUMNS: usize = 16_384;

/// Text that fits in an Excel cell: unchanged when it does, else cut on a
/// character boundary and ending with [`CUT_MARK`], [`MAX_CELL_CHARS`]
/// UTF-16 units in all.
pub fn fit_cell(text: &str) -> Cow<'_, str> {
    if text.encode_utf16().count() <= MAX_CELL_CHARS {
        return Cow::Borrowed(text);
    }
    let room = MAX_CELL_CHARS - CUT_MARK.encode_utf16().count();
    let mut used = 0;
    let mut end = 0;
    for (i, ch) in text.char_indices() {
        if used + ch.len_utf16() > room {
            break;
        }
        used += ch.len_utf16();
        end = i + ch.len_utf8();
    }
    Cow::Owned(format!("{}{CUT_MARK}", &text[..end]))
}

/// The row that stands for the rows left out of a sheet.
fn rows_left_out(count: usize) -> String {
    format!(
        "… còn {count} dòng không ghi được: Excel chỉ nhận tối đa {MAX_ROWS} dòng một trang tính"
    )
}

/// A date as Excel's, when it is inside Excel's calendar (1900–9999).
fn excel_date(d: crate::domain::rules::Date) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

fn write_text(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(r, c, fit_cell(text), format)?;
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    cell: &Cell,
    f: &Formats,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => sheet.write_blank(r, c, &f.text).map(|_| ()),
        Cell::Text(s) => write_text(sheet, r, c, s, &f.text),
        Cell::Integer(n) => sheet
            .write_number_with_format(r, c, *n as f64, &f.integer)
            .map(|_| ()),
        Cell::Decimal(x) => sheet
            .write_number_with_format(r, c, *x, &f.decimal)
            .map(|_| ()),
        Cell::Date(d) => match excel_date(*d) {
            Some(date) => sheet
                .write_datetime_with_format(r, c, &date, &f.date)
                .map(|_| ()),
            None => write_text(sheet, r, c, &d.to_string(), &f.text),
        },
    }
}

/// Writes `t` on `sheet`, at most `max_rows` rows (the header included).
fn write_table(
    sheet: &mut Worksheet,
    t: &Table,
    f: &Formats,
    max_rows: usize,
) -> Result<(), XlsxError> {
    sheet.set_name(t.view.sheet())?;
    let columns = t.columns.len().min(MAX_COLUMNS);
    for (c, column) in t.columns.iter().take(columns).enumerate() {
        let c = c as u16;
        sheet.set_column_width(c, column.width)?;
        if write_text(sheet, 0, c, &column.header, &f.header).is_err() {
            write_text(sheet, 0, c, UNWRITABLE_CELL, &f.header)?;
        }
    }
    sheet.set_row_height(0, 45)?;
    let body_rows = max_rows.saturating_sub(1);
    let (shown, left_out) = if t.rows.len() > body_rows {
        let shown = body_rows.saturating_sub(1);
        (shown, t.rows.len() - shown)
    } else {
        (t.rows.len(), 0)
    };
    for (r, row) in t.rows.iter().take(shown).enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().take(columns).enumerate() {
            let c = c as u16;
            if write_cell(sheet, r, c, cell, f).is_err() {
                write_text(sheet, r, c, UNWRITABLE_CELL, &f.text)?;
            }
        }
    }
    let mut last_row = shown;
    if left_out > 0 {
        last_row += 1;
        write_text(sheet, last_row as u32, 0, &rows_left_out(left_out), &f.text)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_col = columns.saturating_sub(1) as u16;
    sheet.autofilter(0, 0, last_row as u32, last_col)?;
    Ok(())
}

/// The first and the last second of Excel's calendar (1900-01-01 and
/// 9999-12-31 23:59:59 UTC) as Unix time.
const EXCEL_SECS: std::ops::RangeInclusive<i64> = -2_209_075_200..=253_402_300_799;

/// The time written as the workbook's creation time: the newest change
/// among the offices, else noon UTC on 31 December of the year; kept
/// inside Excel's calendar (a device's clock, hence a change's time, can be
/// anything).
pub fn created_secs(summary: &ClusterSummary) -> i64 {
    let secs = summary
        .offices
        .iter()
        .filter_map(|o| o.freshness.last_change_secs)
        .max()
        .unwrap_or_else(|| {
            let year = summary.year.clamp(1900, 9999);
            let last = crate::domain::rules::Date::last_of_year(year);
            crate::summary::codes::day_number(last) * 86_400 + 12 * 3600
        });
    secs.clamp(*EXCEL_SECS.start(), *EXCEL_SECS.end())
}

fn properties(summary: &ClusterSummary) -> Result<DocProperties, XlsxError> {
    Ok(DocProperties::new()
        .set_title(format!("Tổng hợp kết quả thi đua năm {}", summary.year))
        .set_company(&summary.cluster_name)
        .set_author("Thi Đua")
        .set_creation_datetime(&ExcelDateTime::from_timestamp(created_secs(summary))?))
}

/// The workbook's bytes.
pub fn workbook(summary: &ClusterSummary) -> Result<Vec<u8>, XlsxExportError> {
    workbook_with_rows(summary, MAX_ROWS)
}

/// The workbook with at most `max_rows` rows per sheet (tests use a small
/// limit to see the rows left out).
pub(super) fn workbook_with_rows(
    summary: &ClusterSummary,
    max_rows: usize,
) -> Result<Vec<u8>, XlsxExportError> {
    let mut book = Workbook::new();
    book.set_properties(&properties(summary)?);
    let formats = Formats::new();
    for view in View::ALL {
        let sheet = book.add_worksheet();
        write_table(sheet, &table(summary, view), &formats, max_rows)?;
    }
    Ok(book.save_to_buffer()?)
}

/// The file name offered for download, e.g. `tong-hop-cum-2026.xlsx`.
pub fn file_name(summary: &ClusterSummary) -> String {
    format!("tong-hop-cum-thi-dua-{}.xlsx", summary.year)
}
