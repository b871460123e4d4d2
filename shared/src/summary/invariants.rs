//! Every figure of the summary reconciles with its parts: the dashboard's
//! tiles, tables and totals show these numbers side by side, so a total
//! that is not the sum of its rows, or a count that disagrees with the
//! list it counts, is a visible contradiction. Checked on the demo and on
//! synthetic clusters of several sizes and years.

use super::{ClusterSummary, FollowUpKind};

/// Every broken invariant of `s`, as a sentence (empty when all hold).
pub fn broken_invariants(s: &ClusterSummary) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            out.push(what);
        }
    };
    let t = &s.totals;
    check(
        t.offices as usize == s.offices.len(),
        format!("offices: total {} vs {} rows", t.offices, s.offices.len()),
    );
    let sum = |f: &dyn Fn(&super::OfficeSummary) -> u32| s.offices.iter().map(f).sum::<u32>();
    check(
        t.staff_count == sum(&|o| o.registrations.staff_count),
        format!("staff: total {} vs the offices' sum", t.staff_count),
    );
    check(
        t.registered_count == sum(&|o| o.registrations.registered_count),
        format!(
            "registered: total {} vs the offices' sum",
            t.registered_count
        ),
    );
    check(
        t.registered_on_time + t.registered_late + t.registered_undated
            == sum(&|o| o.registrations.on_time + o.registrations.late + o.registrations.undated),
        "on time + late + undated: total vs the offices' sum".to_string(),
    );
    check(
        t.recommendations_open == sum(&|o| o.recommendations_open),
        format!(
            "open recommendations: total {} vs the offices' sum",
            t.recommendations_open
        ),
    );
    check(
        t.shortcomings_open == sum(&|o| o.shortcomings_open),
        format!(
            "open shortcomings: total {} vs the offices' sum",
            t.shortcomings_open
        ),
    );
    let open_rows =
        |kind: FollowUpKind| s.follow_ups.iter().filter(|f| f.kind == kind).count() as u32;
    check(
        t.recommendations_open == open_rows(FollowUpKind::Recommendation),
        format!(
            "open recommendations: tile {} vs {} rows of the list",
            t.recommendations_open,
            open_rows(FollowUpKind::Recommendation)
        ),
    );
    check(
        t.shortcomings_open == open_rows(FollowUpKind::Shortcoming),
        format!(
            "open shortcomings: tile {} vs {} rows of the list",
            t.shortcomings_open,
            open_rows(FollowUpKind::Shortcoming)
        ),
    );
    check(
        t.warnings as usize == s.warnings.len() && t.warnings == sum(&|o| o.warning_count),
        format!(
            "warnings: total {} vs {} listed",
            t.warnings,
            s.warnings.len()
        ),
    );
    check(
        t.models.total() == sum(&|o| o.models.total()),
        "models: total vs the offices' sum".to_string(),
    );
    check(
        t.commendations.decisions == sum(&|o| o.commendations.decisions)
            && t.commendations.decisions as usize == s.commendations.len(),
        format!(
            "decisions: total {} vs {} rows",
            t.commendations.decisions,
            s.commendations.len()
        ),
    );
    check(
        t.commendations.pending_proposals == sum(&|o| o.commendations.pending_proposals),
        "pending proposals: total vs the offices' sum".to_string(),
    );
    for o in &s.offices {
        let r = &o.registrations;
        let collective = u32::from(r.collective_target.is_some());
        check(
            r.on_time + r.late + r.undated == r.registered_count + collective,
            format!(
                "{}: on time {} + late {} + undated {} vs {} registered (+{collective} collective)",
                o.code, r.on_time, r.late, r.undated, r.registered_count
            ),
        );
        check(
            r.registered_count <= r.staff_count && r.people.len() as u32 == r.staff_count,
            format!(
                "{}: {} registered of {} staff ({} rows)",
                o.code,
                r.registered_count,
                r.staff_count,
                r.people.len()
            ),
        );
        check(
            r.by_title.iter().map(|c| c.registered).sum::<u32>() == r.registered_count,
            format!(
                "{}: registrations by title vs {} registered",
                o.code, r.registered_count
            ),
        );
        check(
            o.recommendations_open <= o.recommendations_total
                || s.follow_ups.iter().any(|f| {
                    f.office_code == o.code && f.inspection_date.is_none_or(|d| d.year() < s.year)
                }),
            format!(
                "{}: {} open of {} recommendations, none from earlier years",
                o.code, o.recommendations_open, o.recommendations_total
            ),
        );
        let votes = s
            .vote
            .tallies
            .iter()
            .find(|v| v.office_code == o.code)
            .map_or(0, |v| v.votes);
        check(
            o.votes_received == votes,
            format!(
                "{}: {} votes received vs {votes} in the tally",
                o.code, o.votes_received
            ),
        );
    }
    check(
        s.vote.ballots_cast <= s.vote.voters,
        format!(
            "{} ballots from {} voters",
            s.vote.ballots_cast, s.vote.voters
        ),
    );
    check(
        s.vote.tallies.iter().map(|v| v.votes).sum::<u32>() == s.vote.ballots_cast,
        "votes: tallies vs ballots cast".to_string(),
    );
    // The ranking lists every office once: those with a rank (from the
    // peer scores) first, in rank order, then the others.
    let ranks: Vec<Option<u32>> = s
        .ranking
        .iter()
        .map(|c| {
            s.offices
                .iter()
                .find(|o| &o.code == c)
                .and_then(|o| o.scores.rank)
        })
        .collect();
    let mut listed = s.ranking.clone();
    listed.sort();
    listed.dedup();
    check(
        listed.len() == s.offices.len() && s.ranking.len() == s.offices.len(),
        format!(
            "ranking lists {} offices of {}",
            s.ranking.len(),
            s.offices.len()
        ),
    );
    check(
        ranks.windows(2).all(|w| match (w[0], w[1]) {
            (Some(a), Some(b)) => a <= b,
            (None, Some(_)) => false,
            _ => true,
        }),
        format!("ranking not in rank order: {ranks:?}"),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::demo_documents;
    use crate::demo::year::synthetic;
    use crate::domain::rules::RuleCatalog;
    use crate::summary::{OfficeInput, cluster_summary};

    fn summaries(
        cluster: &crate::schema::ClusterDoc,
        docs: &[(String, crate::schema::OfficeDoc)],
        years: impl Iterator<Item = i32>,
    ) -> Vec<ClusterSummary> {
        let inputs: Vec<OfficeInput<'_>> = docs
            .iter()
            .map(|(code, doc)| OfficeInput {
                code,
                doc,
                last_change_secs: None,
            })
            .collect();
        years
            .map(|y| cluster_summary(cluster, &inputs, &RuleCatalog::defaults(), y))
            .collect()
    }

    #[test]
    fn the_demos_figures_reconcile() {
        let entries = crate::demo::tests::entries();
        let (cluster, generated) = demo_documents(&entries);
        let docs: Vec<_> = generated
            .into_iter()
            .map(|g| (g.spec.code, g.doc))
            .collect();
        for s in summaries(&cluster, &docs, 2024..=2026) {
            assert!(s.totals.staff_count > 0);
            let broken = broken_invariants(&s);
            assert!(broken.is_empty(), "{}: {broken:#?}", s.year);
        }
    }

    #[test]
    fn synthetic_clusters_figures_reconcile() {
        for (offices, years) in [(1, 2026..=2026), (4, 2023..=2026), (13, 2020..=2026)] {
            let (cluster, generated) = synthetic(offices, years.clone());
            let docs: Vec<_> = generated
                .into_iter()
                .map(|g| (g.spec.code, g.doc))
                .collect();
            for s in summaries(&cluster, &docs, years.clone()) {
                let broken = broken_invariants(&s);
                assert!(
                    broken.is_empty(),
                    "{offices} offices, {}: {broken:#?}",
                    s.year
                );
            }
        }
    }

    /// The check itself catches a figure that does not add up.
    #[test]
    fn a_total_that_does_not_add_up_is_caught() {
        let (cluster, generated) = synthetic(3, 2026..=2026);
        let docs: Vec<_> = generated
            .into_iter()
            .map(|g| (g.spec.code, g.doc))
            .collect();
        let mut s = summaries(&cluster, &docs, 2026..=2026).remove(0);
        assert!(broken_invariants(&s).is_empty());
        s.totals.staff_count += 1;
        s.offices[0].registrations.on_time += 1;
        assert_eq!(
            broken_invariants(&s).len(),
            3,
            "{:#?}",
            broken_invariants(&s)
        );
    }
}
