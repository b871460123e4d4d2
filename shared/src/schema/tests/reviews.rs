//! Review rounds (sơ kết 6 tháng, tổng kết năm) per year: next year's
//! review never overwrites this year's, documents written before rounds
//! existed keep their scores in the year they were given, and the checks
//! name the round.

use automerge::ROOT;
use automerge::transaction::Transactable;

use super::*;
use crate::schema::review::pin_legacy_year;

fn score(points: f64) -> SelfScore {
    SelfScore {
        points,
        note: String::new(),
        evidence: String::new(),
    }
}

fn round_with(c1: f64) -> ReviewRound {
    ReviewRound {
        self_scores: BTreeMap::from([("C1".to_string(), score(c1))]),
        strengths: format!("Kết quả {c1}"),
        ..ReviewRound::default()
    }
}

/// Today's (version 4) document: the test office, scores at the top level.
fn v4_office() -> Automerge {
    let mut doc = office_doc();
    let mut tx = doc.transaction();
    tx.put(ROOT, "schemaVersion", 4).unwrap();
    tx.delete(ROOT, "reviews").unwrap();
    tx.delete(ROOT, "legacyReviewYear").ok();
    tx.commit();
    doc
}

#[test]
fn a_version_4_document_keeps_its_scores_as_the_year_end_review_of_the_year_they_were_given() {
    let cluster = cluster_doc();
    let mut doc = v4_office();
    let before: OfficeDoc = load_office(&doc).doc;
    assert_eq!(before.self_scores["C1"].points, 23.5);
    let mut tx = doc.transaction();
    let done = migrate::migrate(&mut tx, None).unwrap();
    assert_eq!(done, Some(migrate::Migrated { from: 4, to: 5 }));
    // The app pins the older scores to the cluster's year (2026) on opening.
    assert!(pin_legacy_year(&mut tx, 2026).unwrap());
    assert!(!pin_legacy_year(&mut tx, 2027).unwrap(), "pinned once");
    assert_eq!(validate_office(&tx, "LSN", Some(&cluster)), vec![]);
    tx.commit();

    let office = load_office(&doc).doc;
    // Nothing moved or was lost: the same values at the same places.
    assert_eq!(office.self_scores, before.self_scores);
    assert_eq!(office.peer_reviews, before.peer_reviews);
    assert_eq!(office.leading_vote, before.leading_vote);
    assert_eq!(office.legacy_review_year, Some(2026));
    let year_end = office.review(2026, ReviewPeriod::YearEnd, 2026);
    assert_eq!(year_end.self_scores["C1"].points, 23.5);
    assert_eq!(year_end.peer_reviews["CBG"].scores["C1"].points, 24.0);
    assert_eq!(year_end.leading_vote.as_deref(), Some("CBG"));
    assert!(office.review(2026, ReviewPeriod::MidYear, 2026).is_empty());
    // The cluster moves on to 2027: 2026's scores stay in 2026.
    assert_eq!(
        office.review(2026, ReviewPeriod::YearEnd, 2027).self_scores["C1"].points,
        23.5
    );
    assert!(office.review(2027, ReviewPeriod::YearEnd, 2027).is_empty());
}

#[test]
fn next_years_review_and_the_mid_year_review_never_overwrite_this_years() {
    let mut doc = office_doc();
    let mut tx = doc.transaction();
    for (year, period, c1) in [
        (2025, ReviewPeriod::YearEnd, 21.0),
        (2026, ReviewPeriod::MidYear, 18.0),
        (2026, ReviewPeriod::YearEnd, 24.0),
    ] {
        write::put_entry(
            &mut tx,
            &["reviews"],
            &review_key(year, period),
            &round_with(c1),
        )
        .unwrap();
    }
    tx.commit();
    // A later edit of the 2026 year-end round touches nothing else.
    let mut tx = doc.transaction();
    write::put_entry(
        &mut tx,
        &["reviews", "2026-yearEnd", "selfScores"],
        "C1",
        &score(25.0),
    )
    .unwrap();
    tx.commit();
    let office = load_office(&doc).doc;
    let c1 = |y, p| office.review(y, p, 2026).self_scores["C1"].points;
    assert_eq!(c1(2025, ReviewPeriod::YearEnd), 21.0);
    assert_eq!(c1(2026, ReviewPeriod::MidYear), 18.0);
    assert_eq!(c1(2026, ReviewPeriod::YearEnd), 25.0);
    assert_eq!(
        office.review(2026, ReviewPeriod::MidYear, 2026).strengths,
        "Kết quả 18"
    );
    // The round's own score wins over the older top-level one (23.5) for
    // that criterion; the older peer review and vote still show.
    let year_end = office.review(2026, ReviewPeriod::YearEnd, 2026);
    assert_eq!(year_end.peer_reviews["CBG"].scores["C1"].points, 24.0);
    assert_eq!(year_end.leading_vote.as_deref(), Some("CBG"));
    // 2025 has no top-level scores mixed in.
    assert!(
        office
            .review(2025, ReviewPeriod::YearEnd, 2026)
            .leading_vote
            .is_none()
    );
    assert_eq!(validate_office(&doc, "LSN", Some(&cluster_doc())), vec![]);
}

#[test]
fn a_round_is_checked_like_the_scores_it_holds_and_names_its_place() {
    let cluster = cluster_doc();
    let mut doc = office_doc();
    let mut tx = doc.transaction();
    // C1's maximum is 25.
    write::put_entry(&mut tx, &["reviews"], "2026-midYear", &round_with(30.0)).unwrap();
    let mut voted = round_with(20.0);
    voted.leading_vote = Some("CBG".into());
    write::put_entry(&mut tx, &["reviews"], "2027-midYear", &voted).unwrap();
    write::put_entry(&mut tx, &["reviews"], "2026-quy3", &round_with(20.0)).unwrap();
    let mut own = round_with(20.0);
    own.peer_reviews.insert("LSN".into(), PeerReview::default());
    write::put_entry(&mut tx, &["reviews"], "2026-yearEnd", &own).unwrap();
    tx.commit();
    let v = validate_office(&doc, "LSN", Some(&cluster));
    let found: Vec<(&str, &str)> = v
        .iter()
        .map(|v| (v.path.as_str(), v.code.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "reviews/2026-midYear/selfScores/C1/points",
                "score-above-maximum"
            ),
            ("reviews/2026-quy3", "bad-review-key"),
            (
                "reviews/2026-yearEnd/peerReviews/LSN",
                "review-of-own-office"
            ),
            ("reviews/2027-midYear/leadingVote", "vote-at-mid-year"),
        ]
    );
    let bad_key = v
        .iter()
        .find(|v| v.code.as_str() == "bad-review-key")
        .unwrap();
    assert!(bad_key.message_vi.contains("sơ kết 6 tháng"));
    let vote = v
        .iter()
        .find(|v| v.code.as_str() == "vote-at-mid-year")
        .unwrap();
    assert!(vote.message_vi.contains("tổng kết năm"));
}

#[test]
fn review_keys_name_a_year_and_a_period() {
    assert_eq!(review_key(2026, ReviewPeriod::MidYear), "2026-midYear");
    assert_eq!(
        parse_review_key("2026-yearEnd"),
        Some((2026, ReviewPeriod::YearEnd))
    );
    for bad in [
        "2026",
        "2026-",
        "26-midYear",
        "2026-midyear",
        "năm-midYear",
        "+202-midYear",
    ] {
        assert_eq!(parse_review_key(bad), None, "{bad}");
    }
}
