//! Validation that reads only what changed equals a full validation, on
//! thousands of random edits: valid and invalid values, text objects,
//! records added, replaced and deleted (ids with `/` too), nested lists,
//! root fields, whole maps replaced, concurrent edits merged, and changes
//! to the cluster's scoring table.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::*;
use crate::sim::SeededRng;

const ROOT_FIELDS: &[&str] = &["name", "kind", "officeCode", "schemaVersion", "leadingVote"];

fn pick<'a, T>(rng: &mut SeededRng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        Some(&items[rng.below(items.len() as u64) as usize])
    }
}

fn random_scalar(rng: &mut SeededRng) -> ScalarValue {
    match rng.below(9) {
        0 => ScalarValue::Int(rng.below(40) as i64 - 5),
        1 => ScalarValue::F64(rng.below(300) as f64 / 10.0),
        2 => ScalarValue::Str("2026-03-01".into()),
        3 => ScalarValue::Str("31/02/2026".into()),
        4 => ScalarValue::Str("A".repeat(600).into()),
        5 => ScalarValue::Boolean(true),
        6 => ScalarValue::Null,
        7 => ScalarValue::Str("laoDongTienTien".into()),
        _ => ScalarValue::Str("p1".into()),
    }
}

/// The records of the root maps, as (map object, record id).
fn records(doc: &Automerge) -> Vec<(ObjId, String, String)> {
    let mut out = Vec::new();
    for key in migrate::OFFICE_MAPS {
        if let Some(obj) = read::map(doc, &ROOT, *key) {
            for id in doc.keys(&obj) {
                out.push((obj.clone(), key.to_string(), id));
            }
        }
    }
    out
}

/// The office document with two review rounds, each holding self-scores and
/// peer reviews (what scoring and peer review edit, entry by entry).
fn office_doc_with_rounds() -> Automerge {
    let mut o = office_value();
    for round in ["2026-midYear", "2026-yearEnd"] {
        let mut r = ReviewRound::default();
        for c in ["C1", "C2"] {
            r.self_scores.insert(
                c.into(),
                SelfScore {
                    points: 10.0,
                    note: "Đã thực hiện".into(),
                    evidence: "Báo cáo số 5/BC-VP".into(),
                },
            );
        }
        for o in ["CBG", "TQG"] {
            r.peer_reviews.insert(
                o.into(),
                PeerReview {
                    scores: BTreeMap::from([(
                        "C1".to_string(),
                        CriterionScore {
                            points: 20.0,
                            note: String::new(),
                        },
                    )]),
                    comment: "Tốt".into(),
                },
            );
        }
        r.strengths = "Hoàn thành nhiệm vụ".into();
        o.reviews.insert(round.into(), r);
    }
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    write::write_office(&mut tx, &o).unwrap();
    tx.commit();
    doc
}

/// The entries of the review rounds' sections, as (section map, entry key).
fn round_entries(doc: &Automerge) -> Vec<(ObjId, String)> {
    let mut out = Vec::new();
    let Some(reviews) = read::map(doc, &ROOT, "reviews") else {
        return out;
    };
    for round in doc.keys(&reviews).collect::<Vec<_>>() {
        for section in ["selfScores", "peerReviews"] {
            if let Some(map) = read::path(doc, &["reviews", round.as_str(), section])
                && matches!(doc.object_type(&map), Ok(ObjType::Map))
            {
                for key in doc.keys(&map) {
                    out.push((map.clone(), key));
                }
            }
        }
    }
    out
}

/// One random edit inside a review round's entries: a score, a note, a peer
/// review's nested scores, an entry added (sometimes under a key with '/'),
/// deleted or replaced by a scalar.
fn random_round_edit(
    tx: &mut automerge::transaction::Transaction<'_>,
    entries: &[(ObjId, String)],
    rng: &mut SeededRng,
) {
    let Some((map, key)) = pick(rng, entries).cloned() else {
        return;
    };
    match rng.below(7) {
        0 | 1 => {
            if let Ok(Some((Value::Object(ObjType::Map), entry))) = tx.get(&map, key.as_str()) {
                let field = *pick(rng, &["points", "note", "evidence", "comment"]).unwrap();
                tx.put(&entry, field, random_scalar(rng)).unwrap();
            }
        }
        2 => {
            if let Ok(Some((Value::Object(ObjType::Map), entry))) = tx.get(&map, key.as_str())
                && let Ok(Some((Value::Object(ObjType::Map), scores))) = tx.get(&entry, "scores")
            {
                let c = *pick(rng, &["C1", "C2", "C9"]).unwrap();
                let score = tx.put_object(&scores, c, ObjType::Map).unwrap();
                tx.put(&score, "points", random_scalar(rng)).unwrap();
            }
        }
        3 => {
            tx.delete(&map, key.as_str()).unwrap();
        }
        // An entry under a key that extends another's past a '/', holding
        // a problem (a note over its length).
        6 => {
            let entry = tx
                .put_object(&map, format!("{key}/x").as_str(), ObjType::Map)
                .unwrap();
            tx.put(&entry, "points", 3).unwrap();
            tx.put(&entry, "note", "A".repeat(20_001)).unwrap();
        }
        4 => {
            let new_key = *pick(rng, &["C1", "C3", "CBG", "a/b", "LCI"]).unwrap();
            let entry = tx.put_object(&map, new_key, ObjType::Map).unwrap();
            tx.put(&entry, "points", rng.below(30) as i64).unwrap();
            if rng.below(2) == 0 {
                tx.put(&entry, "note", random_scalar(rng)).unwrap();
            }
        }
        _ => {
            tx.put(&map, key.as_str(), random_scalar(rng)).unwrap();
        }
    }
}

/// One random edit of an office document, made on `doc`.
fn random_edit(doc: &mut Automerge, rng: &mut SeededRng) {
    let recs = records(doc);
    let entries = round_entries(doc);
    let mut tx = doc.transaction();
    match rng.below(14) {
        // A field of a record: a scalar of any kind.
        0..=2 => {
            if let Some((map, _, id)) = pick(rng, &recs).cloned()
                && let Ok(Some((Value::Object(ObjType::Map), rec))) = tx.get(&map, id.as_str())
            {
                let fields: Vec<String> = tx.keys(&rec).collect();
                let field = pick(rng, &fields).cloned().unwrap_or_else(|| "note".into());
                tx.put(&rec, field.as_str(), random_scalar(rng)).unwrap();
            }
        }
        // A text field as a text object (as automerge 3's JavaScript writes).
        3 => {
            if let Some((map, _, id)) = pick(rng, &recs).cloned()
                && let Ok(Some((Value::Object(ObjType::Map), rec))) = tx.get(&map, id.as_str())
            {
                let texts: Vec<String> = tx
                    .keys(&rec)
                    .filter(|k| read::text(&tx, &rec, k.as_str()).is_some())
                    .collect();
                if let Some(field) = pick(rng, &texts).cloned() {
                    let value = read::text(&tx, &rec, field.as_str()).unwrap();
                    let t = tx.put_object(&rec, field.as_str(), ObjType::Text).unwrap();
                    tx.splice_text(&t, 0, 0, &value).unwrap();
                    if rng.below(2) == 0 {
                        tx.splice_text(&t, 0, 1, "").unwrap();
                    }
                }
            }
        }
        // A record deleted.
        4 => {
            if let Some((map, _, id)) = pick(rng, &recs).cloned() {
                tx.delete(&map, id.as_str()).unwrap();
            }
        }
        // A record copied under a new id (sometimes with a '/').
        5 => {
            if let Some((map, _, id)) = pick(rng, &recs).cloned()
                && let Ok(Some((Value::Object(ObjType::Map), rec))) = tx.get(&map, id.as_str())
            {
                let new_id = if rng.below(3) == 0 {
                    format!("{id}/x{}", rng.below(5))
                } else {
                    format!("{id}-{}", rng.below(5))
                };
                let fields: Vec<(String, ScalarValue)> = tx
                    .map_range(&rec, ..)
                    .filter_map(|item| match item.value {
                        automerge::ValueRef::Scalar(s) => Some((item.key.to_string(), s.into())),
                        _ => None,
                    })
                    .collect();
                let copy = tx.put_object(&map, new_id.as_str(), ObjType::Map).unwrap();
                for (k, v) in fields {
                    tx.put(&copy, k.as_str(), v).unwrap();
                }
            }
        }
        // A record replaced by a scalar (unreadable), or a nested map or
        // list inside a record (discipline entries, lists of ids).
        6 => {
            if let Some((map, _, id)) = pick(rng, &recs).cloned() {
                if rng.below(2) == 0 {
                    tx.put(&map, id.as_str(), random_scalar(rng)).unwrap();
                } else if let Ok(Some((Value::Object(ObjType::Map), rec))) =
                    tx.get(&map, id.as_str())
                {
                    let nested: Vec<ObjId> = tx
                        .map_range(&rec, ..)
                        .filter(|item| matches!(item.value, automerge::ValueRef::Object(_)))
                        .filter_map(|item| match tx.get(&rec, item.key.as_ref()) {
                            Ok(Some((Value::Object(_), o))) => Some(o),
                            _ => None,
                        })
                        .collect();
                    match pick(rng, &nested) {
                        Some(o) if matches!(tx.object_type(o), Ok(ObjType::List)) => {
                            tx.insert(o, 0, random_scalar(rng)).unwrap();
                        }
                        Some(o) if matches!(tx.object_type(o), Ok(ObjType::Map)) => {
                            let entry = tx.put_object(o, "k1", ObjType::Map).unwrap();
                            tx.put(&entry, "level", "canhCao").unwrap();
                            tx.put(&entry, "from", random_scalar(rng)).unwrap();
                        }
                        _ => {
                            let list = tx.put_object(&rec, "extra", ObjType::List).unwrap();
                            tx.insert(&list, 0, "p1").unwrap();
                        }
                    }
                }
            }
        }
        // A root field.
        7 => {
            let field = *pick(rng, ROOT_FIELDS).unwrap();
            match rng.below(4) {
                0 => {
                    tx.delete(ROOT, field).unwrap();
                }
                1 => {
                    let t = tx.put_object(ROOT, field, ObjType::Text).unwrap();
                    tx.splice_text(&t, 0, 0, "LSN").unwrap();
                }
                _ => {
                    tx.put(ROOT, field, random_scalar(rng)).unwrap();
                }
            }
        }
        // A whole root map replaced (empty, or by a scalar).
        8 => {
            if rng.below(4) == 0 {
                let key = *pick(rng, migrate::OFFICE_MAPS).unwrap();
                if rng.below(2) == 0 {
                    tx.put_object(ROOT, key, ObjType::Map).unwrap();
                } else {
                    tx.put(ROOT, key, 7).unwrap();
                }
            }
        }
        // Inside a review round's entries (placed entry by entry).
        10..=12 => random_round_edit(&mut tx, &entries, rng),
        // An unknown key, kept and ignored.
        _ => {
            tx.put(ROOT, "ghiChu", random_scalar(rng)).unwrap();
        }
    }
    tx.commit();
}

fn sorted(mut v: Vec<crate::core::Violation>) -> Vec<crate::core::Violation> {
    v.sort();
    v.dedup();
    v
}

#[test]
fn incremental_validation_equals_full_validation_on_random_edits() {
    let mut edits = 0;
    for seed in 1..=24u64 {
        let mut rng = SeededRng::new(seed);
        let mut doc = if seed % 2 == 0 {
            office_doc_with_rounds()
        } else {
            office_doc()
        };
        let mut cluster = cluster_doc();
        let (_, mut memo) = validate_office_since(&doc, "LSN", Some(&cluster), None);
        let mut loaded = load_office(&doc);
        for step in 0..100 {
            let heads = doc.get_heads();
            match rng.below(12) {
                // Two devices edit concurrently; the relay merges both.
                0 => {
                    let mut other = doc.fork();
                    random_edit(&mut other, &mut rng);
                    random_edit(&mut doc, &mut rng);
                    doc.merge(&mut other).unwrap();
                    edits += 2;
                }
                // The leader changes the scoring table.
                1 => {
                    let mut tx = cluster.transaction();
                    if let Some(c1) = read::path(&tx, &["criteria", "C1"]) {
                        tx.put(&c1, "maxPoints", rng.below(40) as i64).unwrap();
                    }
                    tx.commit();
                    edits += 1;
                }
                _ => {
                    for _ in 0..=rng.below(3) {
                        random_edit(&mut doc, &mut rng);
                        edits += 1;
                    }
                }
            }
            let full = validate_office(&doc, "LSN", Some(&cluster));
            let (fast, next) = validate_office_since(&doc, "LSN", Some(&cluster), Some(memo));
            assert_eq!(
                sorted(fast),
                sorted(full),
                "seed {seed}, step {step}: {:?}",
                Touched::since(&doc, &heads)
            );
            let touched = Touched::since(&doc, &heads);
            let reread = reload_office(&doc, loaded.clone(), &touched);
            let whole = load_office(&doc);
            assert_eq!(
                reread.doc, whole.doc,
                "seed {seed}, step {step}: {touched:?}"
            );
            assert_eq!(
                sorted(reread.problems),
                sorted(whole.problems.clone()),
                "seed {seed}, step {step}: {touched:?}"
            );
            memo = next;
            loaded = whole;
        }
    }
    assert!(edits > 2_500, "{edits} edits");
}

#[test]
fn a_change_touches_only_its_records() {
    let mut doc = office_doc();
    let heads = doc.get_heads();
    let mut tx = doc.transaction();
    let p1 = read::path(&tx, &["staff", "p1"]).unwrap();
    tx.put(&p1, "position", "Phó Chánh Văn phòng").unwrap();
    let e = read::path(&tx, &["evaluations", "2026-p1"]).unwrap();
    tx.put(&e, "votesYes", 4).unwrap();
    tx.put(ROOT, "name", "Văn phòng").unwrap();
    tx.commit();
    let t = Touched::since(&doc, &heads);
    assert!(!t.everything);
    assert_eq!(t.fields.iter().collect::<Vec<_>>(), vec!["name"]);
    assert_eq!(
        t.records
            .iter()
            .map(|(k, ids)| (
                k.as_str(),
                ids.iter().map(String::as_str).collect::<Vec<_>>()
            ))
            .collect::<Vec<_>>(),
        vec![("evaluations", vec!["2026-p1"]), ("staff", vec!["p1"])]
    );
    assert!(t.covers("staff/p1/fullName") && t.covers("staff") && !t.covers("staff/p2"));
    assert!(!t.covers("staff/p1x") && t.covers("name"));
}

#[test]
fn a_score_touches_only_its_entry_of_the_review_round() {
    let mut doc = office_doc_with_rounds();
    let heads = doc.get_heads();
    let mut tx = doc.transaction();
    let c1 = read::path(&tx, &["reviews", "2026-yearEnd", "selfScores", "C1"]).unwrap();
    tx.put(&c1, "points", 12).unwrap();
    let peers = read::path(&tx, &["reviews", "2026-midYear", "peerReviews"]).unwrap();
    tx.delete(&peers, "TQG").unwrap();
    tx.commit();
    let t = Touched::since(&doc, &heads);
    assert!(t.records.is_empty() && t.fields.is_empty(), "{t:?}");
    let pair = |s: &str, e: &str| (s.to_string(), e.to_string());
    assert_eq!(
        t.entries,
        BTreeMap::from([
            (
                "2026-midYear".to_string(),
                [pair("peerReviews", "TQG")].into()
            ),
            (
                "2026-yearEnd".to_string(),
                [pair("selfScores", "C1")].into()
            ),
        ])
    );
    assert!(t.covers("reviews/2026-yearEnd/selfScores/C1/note"));
    assert!(t.covers("reviews/2026-yearEnd/selfScores") && t.covers("reviews"));
    assert!(!t.covers("reviews/2026-yearEnd/selfScores/C2/note"));
    assert!(!t.covers("reviews/2026-yearEnd/strengths") && !t.covers("reviews/2026-yearEnd"));

    // Read again entry by entry, it is the document a whole reading gives.
    let before = load_office(&doc);
    let reread = reload_office(&doc, load_office(&doc), &t);
    assert_eq!(reread.doc, before.doc);
    assert_eq!(
        reread.doc.reviews["2026-yearEnd"].self_scores["C1"].points,
        12.0
    );
    assert!(
        !reread.doc.reviews["2026-midYear"]
            .peer_reviews
            .contains_key("TQG")
    );

    // The round's own field touches the round whole.
    let heads = doc.get_heads();
    let mut tx = doc.transaction();
    let round = read::path(&tx, &["reviews", "2026-yearEnd"]).unwrap();
    tx.put(&round, "strengths", "Vượt chỉ tiêu").unwrap();
    tx.commit();
    let t = Touched::since(&doc, &heads);
    assert!(t.entries.is_empty());
    assert_eq!(t.records["reviews"], ["2026-yearEnd".to_string()].into());
}

/// A problem inside an entry whose key extends the touched entry's past a
/// '/' (`C1/x` beside `C1`) has a path the touched entry also "covers": the
/// round is read whole then, so the problem is kept, as a whole reading
/// finds it.
#[test]
fn a_neighbour_entry_keyed_past_a_slash_keeps_its_problem() {
    let mut doc = office_doc_with_rounds();
    let mut tx = doc.transaction();
    let scores = read::path(&tx, &["reviews", "2026-midYear", "selfScores"]).unwrap();
    let nested = tx.put_object(&scores, "C1/x", ObjType::Map).unwrap();
    tx.put(&nested, "points", 3).unwrap();
    tx.put(&nested, "note", "A".repeat(20_001)).unwrap();
    tx.commit();
    let before = load_office(&doc);
    assert!(
        before
            .problems
            .iter()
            .any(|p| p.path == "reviews/2026-midYear/selfScores/C1/x/note"),
        "{:?}",
        before.problems
    );
    let heads = doc.get_heads();
    let mut tx = doc.transaction();
    let c1 = read::path(&tx, &["reviews", "2026-midYear", "selfScores", "C1"]).unwrap();
    tx.put(&c1, "points", 11).unwrap();
    tx.commit();
    let touched = Touched::since(&doc, &heads);
    let reread = reload_office(&doc, before, &touched);
    let whole = load_office(&doc);
    assert_eq!(reread.doc, whole.doc);
    assert_eq!(sorted(reread.problems), sorted(whole.problems));
}
