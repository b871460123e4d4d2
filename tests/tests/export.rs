//! The summary's exports on a real relay with the seeded demo year: the
//! workbook read back with calamine matches the summary (sheets, headers,
//! numbers, real dates), the CSV parses back to the same table, both are
//! byte for byte what `shared::export` (the app's offline export) writes
//! from the summary JSON, unknown views are refused with the list of views.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use shared::domain::rules::Date;
use shared::export::csv::{BOM, cell_text};
use shared::export::{Cell, View, table};
use shared::summary::ClusterSummary;
use shared::summary::codes::day_number;
use thidua_tests::{TestRelay, http_get, http_get_bytes};

/// `GET path` with a token: status line, lower-cased headers, raw body.
async fn get_bytes(relay: &TestRelay, path: &str, office: &str) -> (String, String, Vec<u8>) {
    let auth = format!("Authorization: Bearer {}", relay.token(office));
    let (status, headers, body) = http_get_bytes(relay.running.addr, path, &[auth]).await;
    assert!(
        !headers.contains("transfer-encoding: chunked"),
        "whole bodies expected"
    );
    (status, headers, body)
}

async fn summary(relay: &TestRelay) -> ClusterSummary {
    let (status, _, body) = http_get(
        relay.running.addr,
        "/api/cluster/summary",
        Some(&relay.token("LSN")),
    )
    .await;
    assert!(status.contains("200"), "{status}");
    serde_json::from_str(&body).unwrap()
}

/// Excel's serial number of a date (days since 30/12/1899).
fn serial(d: Date) -> f64 {
    (day_number(d) + 25_569) as f64
}

/// The value of an exported cell as calamine reads it, compared with the
/// table's cell.
fn same(read: &Data, cell: &Cell) -> bool {
    match (read, cell) {
        (Data::Empty, Cell::Empty) => true,
        (Data::String(s), Cell::Empty) | (Data::Empty, Cell::Text(s)) => s.is_empty(),
        (Data::String(a), Cell::Text(b)) => a == b,
        (Data::Float(a), Cell::Integer(b)) => *a == *b as f64,
        (Data::Int(a), Cell::Integer(b)) => a == b,
        (Data::Float(a), Cell::Decimal(b)) => (a - b).abs() < 1e-9,
        (Data::DateTime(a), Cell::Date(d)) => a.as_f64() == serial(*d),
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbook_reads_back_as_the_summary() {
    let relay = TestRelay::start("export-xlsx").await;
    let s = summary(&relay).await;
    let (status, headers, bytes) = get_bytes(&relay, "/api/cluster/export.xlsx", "CBG").await;
    assert!(status.contains("200"), "{status}");
    assert!(headers.contains("spreadsheetml.sheet"), "{headers}");
    assert!(headers.contains("attachment; filename=\"tong-hop-cum-thi-dua-2026.xlsx\""));

    // The app makes the same file offline from the same summary.
    assert!(
        shared::export::xlsx::workbook(&s).unwrap() == bytes,
        "the relay's workbook is shared::export::xlsx::workbook of its summary JSON"
    );

    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Tổng hợp",
            "Đăng ký",
            "Chấm điểm",
            "Cảnh báo",
            "Điển hình",
            "Kiến nghị",
            "Khen thưởng"
        ]
    );
    // Every cell of every sheet is the table's cell, typed: numbers as
    // numbers, dates as real dates.
    for view in View::ALL {
        let t = table(&s, view);
        let range = book.worksheet_range(view.sheet()).unwrap();
        for (c, column) in t.columns.iter().enumerate() {
            assert_eq!(
                range.get((0, c)),
                Some(&Data::String(column.header.clone())),
                "{} header {c}",
                view.sheet()
            );
        }
        assert_eq!(range.height(), t.rows.len() + 1, "{} rows", view.sheet());
        for (r, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let read = range.get((r + 1, c)).unwrap_or(&Data::Empty);
                assert!(
                    same(read, cell),
                    "{} ({r}, {c}): {read:?} vs {cell:?}",
                    view.sheet()
                );
            }
        }
    }

    // A few numbers and dates checked against the summary itself.
    let overview = book.worksheet_range("Tổng hợp").unwrap();
    assert_eq!(overview.get((0, 2)), Some(&Data::String("Đơn vị".into())));
    let lsn = &s.offices[0];
    assert_eq!(
        overview.get((1, 2)),
        Some(&Data::String(
            "Văn phòng Đoàn ĐBQH và HĐND tỉnh Lạng Sơn".into()
        ))
    );
    assert_eq!(
        overview.get((1, 3)),
        Some(&Data::Float(f64::from(lsn.registrations.staff_count)))
    );
    match overview.get((1, 17)) {
        Some(Data::DateTime(d)) => {
            assert_eq!(d.as_f64(), serial(lsn.freshness.last_change_date.unwrap()))
        }
        other => panic!("last change as a date: {other:?}"),
    }
    let scores = book.worksheet_range("Chấm điểm").unwrap();
    let first = s.offices.iter().find(|o| o.code == s.ranking[0]).unwrap();
    assert_eq!(scores.get((1, 1)), Some(&Data::String(first.code.clone())));
    assert_eq!(scores.get((1, 0)), Some(&Data::Float(1.0)));
    let last = 3 + 2 * s.criteria.len() + 1;
    match scores.get((1, last)) {
        Some(Data::Float(x)) => assert!((x - first.scores.peer_total.unwrap()).abs() < 1e-9),
        other => panic!("peer total: {other:?}"),
    }
    let commendations = book.worksheet_range("Khen thưởng").unwrap();
    let c = &s.commendations[0];
    assert_eq!(
        commendations.get((1, 2)),
        Some(&Data::String(c.decision_number.clone()))
    );
    assert!(c.decision_number.contains("/QĐ-"), "{}", c.decision_number);
    match commendations.get((1, 3)) {
        Some(Data::DateTime(d)) => assert_eq!(d.as_f64(), serial(c.decision_date.unwrap())),
        other => panic!("decision date: {other:?}"),
    }
}

/// RFC 4180 parsing: quoted fields, doubled quotes, CRLF records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CRLF line ends");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the last record ends with CRLF"
    );
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_csv_view_parses_back_to_its_table() {
    let relay = TestRelay::start("export-csv").await;
    let s = summary(&relay).await;
    for view in View::ALL {
        let path = format!("/api/cluster/export.csv?view={}", view.name());
        let (status, headers, bytes) = get_bytes(&relay, &path, "PTO").await;
        assert!(status.contains("200"), "{path}: {status}");
        assert!(headers.contains("text/csv; charset=utf-8"), "{headers}");
        let name = shared::export::csv::file_name(&s, view);
        assert!(
            headers.contains(&format!("attachment; filename=\"{name}\"")),
            "{headers}"
        );
        let text = String::from_utf8(bytes).expect("UTF-8");
        assert_eq!(
            text,
            shared::export::csv::csv(&s, view),
            "{path}: the shared CSV of the summary JSON"
        );
        let body = text
            .strip_prefix(BOM)
            .expect("starts with the byte-order mark");
        let rows = parse_csv(body);
        let t = table(&s, view);
        let header: Vec<String> = t.columns.iter().map(|c| c.header.clone()).collect();
        assert_eq!(rows[0], header, "{path}");
        let expected: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|r| r.iter().map(cell_text).collect())
            .collect();
        assert_eq!(rows[1..], expected[..], "{path}");
    }
    // Vietnamese text, dd/mm/yyyy dates and quoted commas survive.
    let (_, _, bytes) = get_bytes(&relay, "/api/cluster/export.csv?view=warnings", "PTO").await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("\"Văn phòng Đoàn ĐBQH và HĐND tỉnh Lào Cai: cảnh báo: vượt tỷ lệ 15%"),
        "{text}"
    );
    let (_, _, bytes) = get_bytes(&relay, "/api/cluster/export.csv?view=Đăng%20ký", "PTO").await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("/03/2026,"), "dates as dd/mm/yyyy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_view_is_refused_with_the_list_of_views() {
    let relay = TestRelay::start("export-views").await;
    for path in [
        "/api/cluster/export.csv?view=bogus",
        "/api/cluster/export.csv",
    ] {
        let (status, _, body) = get_bytes(&relay, path, "LCU").await;
        assert!(status.contains("400"), "{path}: {status}");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let message = json["message"].as_str().unwrap();
        for view in View::ALL {
            assert!(message.contains(view.name()), "{message}");
        }
    }
    let (_, _, body) = get_bytes(&relay, "/api/cluster/export.csv?view=bogus", "LCU").await;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"], "unknown-view");
    assert_eq!(json["views"].as_array().unwrap().len(), 7);
}
