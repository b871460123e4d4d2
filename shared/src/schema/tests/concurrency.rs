//! Concurrent edits from two devices of one office (fork + merge).

use automerge::{ActorId, Automerge, ROOT};

use super::*;
use crate::schema::conflict::{self, HeldValue};

/// Two devices holding the same office document.
fn two_devices() -> (Automerge, Automerge) {
    let a = office_doc();
    let b = a.fork().with_actor(ActorId::random());
    (a, b)
}

fn edit(doc: &mut Automerge, f: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) {
    let mut tx = doc.transaction();
    f(&mut tx);
    tx.commit();
}

fn staff<R: automerge::ReadDoc>(doc: &R, id: &str) -> Person {
    load_office(doc).doc.staff[id].clone()
}

#[test]
fn different_fields_of_one_staff_record_edited_on_two_devices_are_both_kept() {
    let (mut a, mut b) = two_devices();
    // Device A rewrites the whole record with a new position (as a form
    // would); device B changes only the name field.
    edit(&mut a, |tx| {
        let mut p = staff(tx, "p1");
        p.position = "Phó Chánh Văn phòng".into();
        write::put_entry(tx, &["staff"], "p1", &p).unwrap();
    });
    edit(&mut b, |tx| {
        write::put_field(tx, &["staff", "p1"], "fullName", &"Trần Thị Bích Liên").unwrap();
    });
    a.merge(&mut b).unwrap();
    b.merge(&mut a).unwrap();
    for doc in [&a, &b] {
        let p = staff(doc, "p1");
        assert_eq!(p.position, "Phó Chánh Văn phòng");
        assert_eq!(p.full_name, "Trần Thị Bích Liên");
        assert!(conflict::record_conflicts(doc, &["staff", "p1"]).is_empty());
    }
}

#[test]
fn the_same_field_edited_on_two_devices_surfaces_a_conflict_that_the_pick_settles() {
    let (mut a, mut b) = two_devices();
    edit(&mut a, |tx| {
        write::put_field(tx, &["staff", "p1"], "position", &"Chánh Văn phòng").unwrap();
    });
    edit(&mut b, |tx| {
        write::put_field(tx, &["staff", "p1"], "position", &"Phó Chánh Văn phòng").unwrap();
    });
    a.merge(&mut b).unwrap();
    b.merge(&mut a).unwrap();

    let held = conflict::conflicts_at(&a, &["staff", "p1"], "position");
    let mut texts: Vec<&str> = held.iter().filter_map(|v| v.as_str()).collect();
    texts.sort();
    assert_eq!(texts, ["Chánh Văn phòng", "Phó Chánh Văn phòng"]);
    assert!(held[0].shown && !held[1].shown);
    // Both devices show the same value and list the same conflict.
    assert_eq!(
        held,
        conflict::conflicts_at(&b, &["staff", "p1"], "position")
    );
    assert_eq!(staff(&a, "p1").position, held[0].display());
    let fields = conflict::record_conflicts(&a, &["staff", "p1"]);
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["position"]);
    // Fields that did not conflict have one value.
    assert!(conflict::conflicts_at(&a, &["staff", "p1"], "fullName").is_empty());

    // The user on device B picks the value that is not shown.
    let pick = held[1].clone();
    edit(&mut b, |tx| {
        conflict::resolve_at(tx, &["staff", "p1"], "position", &pick).unwrap();
    });
    a.merge(&mut b).unwrap();
    for doc in [&a, &b] {
        assert!(conflict::conflicts_at(doc, &["staff", "p1"], "position").is_empty());
        assert_eq!(staff(doc, "p1").position, pick.display());
    }
}

/// The conflicts of the whole document, each value with the change (time,
/// message naming the device) that wrote it: what the sync page lists.
#[test]
fn each_conflicting_value_names_the_device_and_time_that_wrote_it() {
    let (mut a, mut b) = two_devices();
    let commit = |doc: &mut Automerge, device: &str, at: i64, position: &str| {
        let mut tx = doc.transaction();
        write::put_field(&mut tx, &["staff", "p1"], "position", &position).unwrap();
        tx.commit_with(
            automerge::transaction::CommitOptions::default()
                .with_message(format!("{{\"device\":\"{device}\"}}"))
                .with_time(at),
        );
    };
    commit(&mut a, "Máy chị Lan", 1_780_000_000, "Chánh Văn phòng");
    commit(&mut b, "Máy anh Nam", 1_780_000_600, "Phó Chánh Văn phòng");
    a.merge(&mut b).unwrap();
    let all = conflict::record_conflicts(&a, &[]);
    assert_eq!(all.keys().collect::<Vec<_>>(), ["staff/p1/position"]);
    let mut origins: Vec<(String, i64, String)> = all["staff/p1/position"]
        .iter()
        .map(|v| {
            let o = conflict::origin(&a, &v.op_id).expect("its change is found");
            (v.display(), o.time_secs, o.message.unwrap_or_default())
        })
        .collect();
    origins.sort();
    assert_eq!(
        origins,
        [
            (
                "Chánh Văn phòng".to_string(),
                1_780_000_000,
                "{\"device\":\"Máy chị Lan\"}".to_string()
            ),
            (
                "Phó Chánh Văn phòng".to_string(),
                1_780_000_600,
                "{\"device\":\"Máy anh Nam\"}".to_string()
            ),
        ]
    );
    assert!(conflict::origin(&a, "not-an-op").is_none());
}

#[test]
fn records_added_on_two_devices_never_collide() {
    let (mut a, mut b) = two_devices();
    edit(&mut a, |tx| {
        let p = person("Lò Văn Sáng", Gender::Male);
        write::put_entry(tx, &["staff"], "a-7f3k", &p).unwrap();
    });
    edit(&mut b, |tx| {
        let p = person("Hà Thị Mai", Gender::Female);
        write::put_entry(tx, &["staff"], "b-q81z", &p).unwrap();
        write::delete_entry(tx, &["staff"], "p2").unwrap();
    });
    a.merge(&mut b).unwrap();
    let office = load_office(&a).doc;
    let ids: Vec<&String> = office.staff.keys().collect();
    assert_eq!(ids, ["a-7f3k", "b-q81z", "p1"]);
    assert_eq!(validate_office(&a, "LSN", Some(&cluster_doc())), vec![]);
}

#[test]
fn one_evaluation_created_on_two_devices_is_a_conflict_the_user_resolves() {
    let (mut a, mut b) = two_devices();
    let key = evaluation_key("p2", 2026);
    for (doc, votes) in [(&mut a, 5), (&mut b, 6)] {
        edit(doc, |tx| {
            let mut e = TitleEvaluation::new("p2", 2026);
            e.rating = Some(PerformanceRating::HoanThanhTot);
            e.votes_yes = votes;
            e.votes_total = 7;
            write::put_entry(tx, &["evaluations"], &key, &e).unwrap();
        });
    }
    a.merge(&mut b).unwrap();
    let held = conflict::conflicts_at(&a, &["evaluations"], &key);
    assert_eq!(held.len(), 2);
    assert!(
        held.iter()
            .all(|v| matches!(v.value, HeldValue::Object(..)))
    );
    let evaluations = read::map(&a, &ROOT, "evaluations").unwrap();
    let shown_votes = load_office(&a).doc.evaluations[&key].votes_yes;
    // Pick the record that is not shown: its content becomes the record.
    let pick = held[1].clone();
    let HeldValue::Object(_, picked) = &pick.value else {
        unreachable!()
    };
    let picked_votes = read::number(&a, picked, "votesYes").unwrap() as u32;
    assert_ne!(picked_votes, shown_votes);
    edit(&mut a, |tx| {
        conflict::resolve(tx, &evaluations, &key, &pick).unwrap();
    });
    assert!(conflict::conflicts_at(&a, &["evaluations"], &key).is_empty());
    assert_eq!(
        load_office(&a).doc.evaluations[&key].votes_yes,
        picked_votes
    );
}

#[test]
fn a_record_created_on_two_devices_reads_as_one_and_the_next_write_folds_it() {
    // Both devices score criterion C4 for the first time while offline: each
    // creates its own `selfScores/C4` map.
    let (mut a, mut b) = two_devices();
    edit(&mut a, |tx| {
        write::put_field(tx, &["selfScores", "C4"], "points", &11.0).unwrap();
        write::put_field(tx, &["selfScores", "C4"], "evidence", &"Báo cáo số 5").unwrap();
    });
    edit(&mut b, |tx| {
        write::put_field(tx, &["selfScores", "C4"], "points", &13.0).unwrap();
    });
    a.merge(&mut b).unwrap();
    b.merge(&mut a).unwrap();
    for doc in [&a, &b] {
        // Two versions of the record...
        assert_eq!(read::path_versions(doc, &["selfScores", "C4"]).len(), 2);
        // ...read as one: the points conflict field by field, the evidence does not.
        let points = conflict::field_values(doc, &["selfScores", "C4"], "points");
        let shown: Vec<String> = points.iter().map(|v| v.display()).collect();
        assert_eq!(points.len(), 2, "{shown:?}");
        assert!(shown.contains(&"11".to_string()) && shown.contains(&"13".to_string()));
        assert_eq!(
            conflict::field_values(doc, &["selfScores", "C4"], "evidence").len(),
            1
        );
        let conflicts = conflict::record_conflicts(doc, &["selfScores"]);
        assert_eq!(conflicts.keys().collect::<Vec<_>>(), vec!["C4/points"]);
    }
    // The user picks 13 on device A: one record again, nothing lost.
    edit(&mut a, |tx| {
        write::put_field(tx, &["selfScores", "C4"], "points", &13.0).unwrap();
    });
    b.merge(&mut a).unwrap();
    for doc in [&a, &b] {
        assert_eq!(read::path_versions(doc, &["selfScores", "C4"]).len(), 1);
        assert!(conflict::record_conflicts(doc, &["selfScores"]).is_empty());
        let score = &load_office(doc).doc.self_scores["C4"];
        assert_eq!(score.points, 13.0);
        assert_eq!(score.evidence, "Báo cáo số 5");
    }
}
