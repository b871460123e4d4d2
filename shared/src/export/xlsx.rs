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

fn write_table(sheet: &mut Worksheet, t: &Table, f: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(t.view.sheet())?;
    for (c, column) in t.columns.iter().enumerate() {
        let c = c as u16;
        sheet.set_column_width(c, column.width)?;
        sheet.write_string_with_format(0, c, &column.header, &f.header)?;
    }
    sheet.set_row_height(0, 45)?;
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => sheet.write_blank(r, c, &f.text)?,
                Cell::Text(s) => sheet.write_string_with_format(r, c, s, &f.text)?,
                Cell::Integer(n) => sheet.write_number_with_format(r, c, *n as f64, &f.integer)?,
                Cell::Decimal(x) => sheet.write_number_with_format(r, c, *x, &f.decimal)?,
                Cell::Date(d) => {
                    let date =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(r, c, &date, &f.date)?
                }
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_col = t.columns.len().saturating_sub(1) as u16;
    sheet.autofilter(0, 0, t.rows.len() as u32, last_col)?;
    Ok(())
}

/// The time written as the workbook's creation time: the newest change
/// among the offices, else noon UTC on 31 December of the year.
pub fn created_secs(summary: &ClusterSummary) -> i64 {
    summary
        .offices
        .iter()
        .filter_map(|o| o.freshness.last_change_secs)
        .max()
        .unwrap_or_else(|| {
            let last = crate::domain::rules::Date::last_of_year(summary.year);
            crate::summary::codes::day_number(last) * 86_400 + 12 * 3600
        })
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
    let mut book = Workbook::new();
    book.set_properties(&properties(summary)?);
    let formats = Formats::new();
    for view in View::ALL {
        let sheet = book.add_worksheet();
        write_table(sheet, &table(summary, view), &formats)?;
    }
    Ok(book.save_to_buffer()?)
}

/// The file name offered for download, e.g. `tong-hop-cum-2026.xlsx`.
pub fn file_name(summary: &ClusterSummary) -> String {
    format!("tong-hop-cum-thi-dua-{}.xlsx", summary.year)
}
