//! One view of the summary as CSV (RFC 4180): UTF-8 with a byte-order mark
//! so that Excel shows Vietnamese letters, comma-separated, CRLF line
//! ends, fields quoted when they hold a comma, quote or line break (quotes
//! doubled). Numbers use a decimal point (`20.5`), dates `dd/mm/yyyy`.
//!
//! Text cannot turn into a formula: text cells and headers (names, numbers
//! of documents, criterion ids — all typed by some office) that start with
//! `=`, `+`, `-`, `@`, a tab or a carriage return get a leading `'` (the
//! OWASP advice against CSV injection), so a spreadsheet shows them as text
//! and runs nothing. Numbers we write ourselves ([`Cell::Integer`],
//! [`Cell::Decimal`], [`Cell::Date`]) are left alone, so `-3` stays a
//! number.
//!
//! Text is never cut: unlike the workbook (Excel's 32,767-character cell
//! limit, see [`super::xlsx`]), a CSV is the data in full, for tools other
//! than Excel too.

use std::borrow::Cow;

use crate::summary::ClusterSummary;

use super::table::{Cell, View, table};

/// The UTF-8 byte-order mark.
pub const BOM: &str = "\u{feff}";

/// A field, quoted when needed.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// What a spreadsheet reads as the start of a formula when a cell starts
/// with it (OWASP, "CSV injection").
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text that a spreadsheet shows as text: with a leading `'` when it starts
/// like a formula ([`FORMULA_STARTS`]), else unchanged.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell as CSV text (before quoting); text [`neutralise`]d.
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => neutralise(s).into_owned(),
        Cell::Integer(n) => n.to_string(),
        Cell::Decimal(x) => {
            let rounded = (x * 100.0).round() / 100.0;
            format!("{rounded}")
        }
        Cell::Date(d) => d.to_string(),
    }
}

/// The CSV text of one view, starting with the byte-order mark.
pub fn csv(summary: &ClusterSummary, view: View) -> String {
    let t = table(summary, view);
    let mut out = String::from(BOM);
    let line = |cells: Vec<String>| cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
    out.push_str(&line(
        t.columns
            .iter()
            .map(|c| neutralise(&c.header).into_owned())
            .collect(),
    ));
    out.push_str("\r\n");
    for row in &t.rows {
        out.push_str(&line(row.iter().map(cell_text).collect()));
        out.push_str("\r\n");
    }
    out
}

/// The file name offered for download, e.g.
/// `tong-hop-cum-thi-dua-2026-dang-ky.csv` (the workbook's name with the
/// view's Vietnamese name, without diacritics).
pub fn file_name(summary: &ClusterSummary, view: View) -> String {
    format!("tong-hop-cum-thi-dua-{}-{}.csv", summary.year, view.slug())
}
