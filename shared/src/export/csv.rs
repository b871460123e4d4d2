//! One view of the summary as CSV (RFC 4180): UTF-8 with a byte-order mark
//! so that Excel shows Vietnamese letters, comma-separated, CRLF line
//! ends, fields quoted when they hold a comma, quote or line break (quotes
//! doubled). Numbers use a decimal point (`20.5`), dates `dd/mm/yyyy`.

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

/// A cell as CSV text (before quoting).
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.clone(),
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
    out.push_str(&line(t.columns.iter().map(|c| c.header.clone()).collect()));
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
