//! The cluster summary ([`shared::summary`]) as the relay serves it:
//! [`source`] computes it over the relay's current documents, [`table`]
//! lays each view out as a table (Vietnamese headers, typed cells),
//! [`xlsx`] writes all views as one workbook and [`csv`] one view as CSV.
//! Everything but [`source`] is a plain function of the summary, so it is
//! tested without HTTP.
//!
//! Views (`?view=` of `/api/cluster/export.csv`, sheet names of
//! `/api/cluster/export.xlsx`): `overview` (Tổng hợp), `registrations`
//! (Đăng ký), `scores` (Chấm điểm), `warnings` (Cảnh báo), `models`
//! (Điển hình), `recommendations` (Kiến nghị), `commendations` (Khen
//! thưởng).

pub mod csv;
pub mod routes;
pub mod source;
pub mod table;
pub mod xlsx;

pub use table::{Cell, Column, ColumnKind, Table, View, table};
