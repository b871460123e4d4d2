//! The summary as one Excel workbook (`.xlsx`): one sheet per view, in
//! [`View::ALL`] order, with a bold frozen header row, an autofilter,
//! column widths to fit, whole numbers as `0`, points and averages as
//! `0.00`, and dates as real Excel dates shown `dd/mm/yyyy`.

use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};
use shared::summary::ClusterSummary;

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

/// The workbook's bytes.
pub fn workbook(summary: &ClusterSummary) -> Result<Vec<u8>, XlsxExportError> {
    let mut book = Workbook::new();
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
