//! The cluster summary ([`crate::summary`]) as files, the same in the relay
//! and in the browser: [`table`] lays each view out as a table (Vietnamese
//! headers, typed cells: text, whole number, decimal, date), [`csv`] writes
//! one view as CSV and [`xlsx`] (feature `xlsx`) every view as one Excel
//! workbook. All are plain functions of the summary: the relay's
//! `/api/cluster/export.xlsx` and `/api/cluster/export.csv?view=…` and the
//! app's offline downloads produce the same bytes for the same summary.
//!
//! Views (`?view=` of the CSV route, sheet names of the workbook):
//! `overview` (Tổng hợp), `registrations` (Đăng ký), `scores` (Chấm điểm),
//! `warnings` (Cảnh báo), `models` (Điển hình), `recommendations` (Kiến
//! nghị), `commendations` (Khen thưởng).

pub mod csv;
pub mod table;
#[cfg(feature = "xlsx")]
pub mod xlsx;

#[cfg(test)]
mod tests;

pub use table::{Cell, Column, ColumnKind, Table, View, table};
