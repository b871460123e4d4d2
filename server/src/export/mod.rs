//! The cluster summary ([`shared::summary`]) as the relay serves it:
//! [`source`] computes it over the relay's current documents and [`routes`]
//! serves it as JSON, XLSX and CSV. The tables, the CSV and the workbook
//! themselves are [`shared::export`], the code the app runs offline, so a
//! file downloaded from the relay and one made in the browser are the same.
//!
//! Views (`?view=` of `/api/cluster/export.csv`, sheet names of
//! `/api/cluster/export.xlsx`): `overview` (Tổng hợp), `registrations`
//! (Đăng ký), `scores` (Chấm điểm), `warnings` (Cảnh báo), `models`
//! (Điển hình), `recommendations` (Kiến nghị), `commendations` (Khen
//! thưởng).

pub mod routes;
pub mod source;

pub use shared::export::{Cell, Column, ColumnKind, Table, View, csv, table, xlsx};
