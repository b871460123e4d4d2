//! The limits on texts and records, and the violation codes.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjType, ROOT, ScalarValue};

use super::*;
use crate::core::new_violations;
use crate::schema::limits::{
    MAX_DOCUMENT_TEXT_CHARS, MAX_FREE_TEXT_CHARS, MAX_KEY_CHARS, MAX_LINE_CHARS, MAX_RECORDS,
};

/// The violations a change of the full office document introduces, with
/// the document as loaded inside the change.
fn office_change_loaded(
    f: impl FnOnce(&mut Transaction<'_>),
) -> (Vec<crate::core::Violation>, OfficeDoc) {
    let cluster = cluster_doc();
    let mut doc = office_doc();
    let before = validate_office(&doc, "LSN", Some(&cluster));
    let mut tx = doc.transaction();
    f(&mut tx);
    let after = validate_office(&tx, "LSN", Some(&cluster));
    (new_violations(&before, after), load_office(&tx).doc)
}

fn office_change(f: impl FnOnce(&mut Transaction<'_>)) -> Vec<crate::core::Violation> {
    office_change_loaded(f).0
}

fn cluster_change(f: impl FnOnce(&mut Transaction<'_>)) -> Vec<crate::core::Violation> {
    let mut doc = cluster_doc();
    let before = validate_cluster(&doc, &directory());
    let mut tx = doc.transaction();
    f(&mut tx);
    new_violations(&before, validate_cluster(&tx, &directory()))
}

/// `n` characters of Vietnamese text (two or three bytes for most of them).
fn vi_text(n: usize) -> String {
    "Nguyễn Thị Hường ".chars().cycle().take(n).collect()
}

#[test]
fn a_40000_character_staff_name_is_refused_with_its_path() {
    let (v, loaded) = office_change_loaded(|tx| {
        write::put_field(tx, &["staff", "p2"], "fullName", &vi_text(40_000)).unwrap();
    });
    assert_eq!(codes(&v), ["text-too-long"]);
    assert_eq!(v[0].path, "staff/p2/fullName");
    assert_eq!(
        v[0].message_vi,
        "staff/p2/fullName: nội dung dài 40.000 ký tự, vượt quá giới hạn 500 ký tự; hãy rút gọn"
    );
    assert!(
        v[0].message_en.contains("40,000 characters") && v[0].message_en.contains("limit of 500"),
        "{}",
        v[0].message_en
    );
    // Kept as it is: the record still loads.
    assert_eq!(loaded.staff["p2"].full_name.chars().count(), 40_000);
}

#[test]
fn an_overlong_text_does_not_stop_the_rest_of_validation() {
    let v = office_change(|tx| {
        write::put_field(tx, &["selfScores", "C1"], "note", &vi_text(25_000)).unwrap();
        write::put_field(tx, &["selfScores", "C1"], "points", &30i64).unwrap();
        write::put_field(tx, &["staff", "p2"], "joinedOn", &Some(d("2026-02-30"))).unwrap();
    });
    assert_eq!(
        codes(&v),
        ["text-too-long", "bad-date", "score-above-maximum"]
    );
    assert_eq!(v[0].path, "selfScores/C1/note");
    assert!(v[0].message_vi.contains("giới hạn 20.000 ký tự"));
}

#[test]
fn long_but_legal_texts_pass_and_one_character_more_fails() {
    let at_limits = |tx: &mut Transaction<'_>| {
        // Characters count, not bytes: 500 characters of Vietnamese are
        // well over 500 bytes.
        write::put_field(tx, &["staff", "p2"], "fullName", &vi_text(MAX_LINE_CHARS)).unwrap();
        let note = vi_text(MAX_FREE_TEXT_CHARS);
        write::put_field(tx, &["selfScores", "C1"], "evidence", &note).unwrap();
        write::put_field(tx, &["inspections", "i1"], "findings", &note).unwrap();
        write::put_field(tx, &["decisions", "qd1"], "citation", &note).unwrap();
    };
    assert!(vi_text(MAX_LINE_CHARS).len() > MAX_LINE_CHARS);
    assert_eq!(office_change(at_limits), vec![]);

    let v = office_change(|tx| {
        at_limits(tx);
        let longer = vi_text(MAX_LINE_CHARS + 1);
        write::put_field(tx, &["staff", "p1"], "position", &longer).unwrap();
        let longer = vi_text(MAX_FREE_TEXT_CHARS + 1);
        write::put_field(tx, &["inspections", "i1"], "team", &longer).unwrap();
    });
    assert_eq!(codes(&v), ["text-too-long", "text-too-long"]);
    let paths: Vec<&str> = v.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["staff/p1/position", "inspections/i1/team"]);
}

#[test]
fn the_covenant_text_may_be_a_whole_document() {
    let v = cluster_change(|tx| {
        let text = vi_text(MAX_DOCUMENT_TEXT_CHARS);
        write::put_field(tx, &["covenant"], "text", &text).unwrap();
        let description = vi_text(MAX_FREE_TEXT_CHARS);
        write::put_field(tx, &["criteria", "C1"], "description", &description).unwrap();
    });
    assert_eq!(v, vec![]);
    let v = cluster_change(|tx| {
        let text = vi_text(MAX_DOCUMENT_TEXT_CHARS + 1);
        write::put_field(tx, &["covenant"], "text", &text).unwrap();
        tx.put(ROOT, "name", vi_text(600)).unwrap();
    });
    assert_eq!(codes(&v), ["text-too-long", "text-too-long"]);
    let paths: Vec<&str> = v.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["name", "covenant/text"]);
    assert!(v[1].message_vi.contains("giới hạn 100.000 ký tự"));
}

#[test]
fn a_record_key_or_header_that_is_too_long_is_refused() {
    let key = "k".repeat(MAX_KEY_CHARS + 1);
    let v = office_change(|tx| {
        let p = person("Lường Thị Hoa", Gender::Female);
        write::put_entry(tx, &["staff"], &key, &p).unwrap();
    });
    assert_eq!(codes(&v), ["text-too-long"]);
    assert_eq!(v[0].path, format!("staff/{key}"));
    assert!(
        v[0].message_vi
            .contains("mã định danh của bản ghi dài 201 ký tự")
    );
    // The message shows the key cut short.
    assert!(v[0].message_vi.len() < 300, "{}", v[0].message_vi);

    let ok = "k".repeat(MAX_KEY_CHARS);
    let v = office_change(|tx| {
        let p = person("Lường Thị Hoa", Gender::Female);
        write::put_entry(tx, &["staff"], &ok, &p).unwrap();
    });
    assert_eq!(v, vec![]);

    let v = office_change(|tx| tx.put(ROOT, "officeCode", "L".repeat(1_000)).unwrap());
    assert_eq!(codes(&v), ["wrong-office", "text-too-long"]);
    assert_eq!(v[1].path, "officeCode");
    // The wrong code is quoted short, not a thousand characters.
    assert!(v[0].message_vi.len() < 200, "{}", v[0].message_vi);
}

/// Adds staff `s{from}`..`s{to}` with only a name, as a raw client would.
fn add_staff(tx: &mut Transaction<'_>, from: usize, to: usize) {
    let staff = read::map(tx, &ROOT, "staff").unwrap();
    for i in from..to {
        let p = tx
            .put_object(&staff, format!("s{i}"), ObjType::Map)
            .unwrap();
        tx.put(&p, "fullName", "Nguyễn Văn An").unwrap();
    }
}

#[test]
fn a_list_at_the_record_limit_passes_and_one_more_fails() {
    // The office document has two staff (p1, p2).
    let v = office_change(|tx| add_staff(tx, 2, MAX_RECORDS));
    assert_eq!(v, vec![]);
    let v = office_change(|tx| add_staff(tx, 2, MAX_RECORDS + 1));
    assert_eq!(codes(&v), ["too-many-records"]);
    assert_eq!(v[0].path, "staff");
    assert_eq!(
        v[0].message_vi,
        "staff: danh sách có 5.001 bản ghi, vượt quá giới hạn 5.000 bản ghi; \
         hãy xoá bớt các bản ghi không còn cần thiết"
    );
    assert!(v[0].message_en.contains("5,001 records"));
}

/// Makes decision qd1 grant proposal tt1 `n` times, as a raw client would.
fn grant_tt1(tx: &mut Transaction<'_>, n: usize) {
    let qd1 = read::path(tx, &["decisions", "qd1"]).unwrap();
    let ids = tx.put_object(&qd1, "proposalIds", ObjType::List).unwrap();
    let items = std::iter::repeat_n(ScalarValue::from("tt1"), n);
    tx.splice(&ids, 0, 0, items).unwrap();
}

#[test]
fn a_nested_list_over_the_record_limit_fails_with_its_path() {
    assert_eq!(office_change(|tx| grant_tt1(tx, MAX_RECORDS)), vec![]);
    let v = office_change(|tx| grant_tt1(tx, MAX_RECORDS + 1));
    assert_eq!(codes(&v), ["too-many-records"]);
    assert_eq!(v[0].path, "decisions/qd1/proposalIds");
}

#[test]
fn the_seeded_documents_are_within_the_limits() {
    assert_eq!(load_office(&office_doc()).problems, vec![]);
    assert_eq!(load_cluster(&cluster_doc()).problems, vec![]);
}

#[test]
fn every_violation_code_round_trips_through_its_text() {
    let mut seen = std::collections::BTreeSet::new();
    for &code in ViolationCode::ALL {
        let text = code.as_str();
        assert_eq!(ViolationCode::parse(text), Some(code), "{text}");
        assert_eq!(code.to_string(), text);
        assert!(seen.insert(text), "{text} twice");
    }
    assert_eq!(ViolationCode::parse("score-above-max"), None);
    assert_eq!(ViolationCode::parse(""), None);
    assert_eq!(
        ViolationCode::ScoreAboveMaximum.as_str(),
        "score-above-maximum"
    );
    // The codes listed in validate.rs's module docs are exactly these.
    let docs: String = include_str!("../validate.rs")
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .skip_while(|l| !l.contains("Codes ("))
        .collect();
    let listed: std::collections::BTreeSet<&str> = docs
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.contains('-') || *s == "unreadable")
        .collect();
    assert_eq!(listed, seen);
}
