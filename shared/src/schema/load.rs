//! Lenient loading: a typed [`ClusterDoc`] / [`OfficeDoc`] from any reader,
//! record by record, so one damaged record (a wrong type written by an old
//! or foreign client) costs only that record. What could not be read comes
//! back as violations (code `unreadable`, path of the record) instead of an
//! error for the whole document; the UI shows the rest.
//!
//! Every value is read through a [`CheckedReader`], which checks the
//! [`limits`](super::limits) on the way (`text-too-long`,
//! `too-many-records`): a text over its limit is still loaded as it is.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ObjType, ROOT, ReadDoc, Value};
use autosurgeon::{Hydrate, HydrateError, MaybeMissing, Prop, hydrate_prop};

use super::cluster_doc::ClusterDoc;
use super::limits::CheckedReader;
use super::office_doc::OfficeDoc;
use super::read;
use super::review::ReviewRound;
use super::touched::{REVIEWS, Touched, Want};
use super::value::year;
use super::{ViolationCode, violation};
use crate::core::Violation;

/// A document read leniently, with what could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded<T> {
    pub doc: T,
    /// One `unreadable` violation per record or field that was skipped,
    /// one `text-too-long` per text over its limit (kept in `doc`) and one
    /// `too-many-records` per list or map over the limit.
    pub problems: Vec<Violation>,
}

struct Loader<'a, R> {
    reader: CheckedReader<'a, R>,
}

fn unreadable(path: &str, error: &HydrateError) -> Violation {
    // The error may quote the value read; a long one is cut short.
    let mut error = error.to_string();
    if let Some((cut, _)) = error.char_indices().nth(200) {
        error.truncate(cut);
        error.push('…');
    }
    violation(
        path,
        ViolationCode::Unreadable,
        format!("{path} cannot be read ({error}); correct or delete it"),
        format!("không đọc được {path} ({error}): dữ liệu sai kiểu, hãy sửa hoặc xoá mục này"),
    )
}

/// Whether the map `map` holds a key that extends `key` past a '/'.
fn nested_key<R: ReadDoc>(doc: &R, map: &automerge::ObjId, key: &str) -> bool {
    doc.keys(map)
        .any(|k| k.len() > key.len() && k.starts_with(key) && k[key.len()..].starts_with('/'))
}

impl<'a, R: ReadDoc> Loader<'a, R> {
    fn new(doc: &'a R) -> Self {
        Loader {
            reader: CheckedReader::new(doc),
        }
    }

    fn problem(&self, problem: Violation) {
        self.reader.push(problem);
    }

    fn into_problems(self) -> Vec<Violation> {
        self.reader.into_problems()
    }

    /// A header text (`kind`, `officeCode`), read as validation reads it.
    fn header(&self, key: &str) -> String {
        let text = read::text(self.reader.doc, &ROOT, key).unwrap_or_default();
        self.reader.check_text(&ROOT, key, &text);
        text
    }

    /// A root field; missing or unreadable gives the default.
    fn field<T: Hydrate + Default>(&self, key: &str) -> T {
        match hydrate_prop::<_, MaybeMissing<T>, _, _>(&self.reader, ROOT, key) {
            Ok(MaybeMissing::Present(v)) => v,
            Ok(MaybeMissing::Missing) => T::default(),
            Err(e) => {
                self.problem(unreadable(key, &e));
                T::default()
            }
        }
    }

    /// A root field read with one of the `value` modules.
    fn field_with<T: Default>(
        &self,
        key: &str,
        hydrate: fn(&CheckedReader<'a, R>, &automerge::ObjId, Prop<'_>) -> Result<T, HydrateError>,
    ) -> T {
        if !read::present(self.reader.doc, &ROOT, key) {
            return T::default();
        }
        hydrate(&self.reader, &ROOT, key.into()).unwrap_or_else(|e| {
            self.problem(unreadable(key, &e));
            T::default()
        })
    }

    /// A header text again, when touched.
    fn header_into(&self, key: &str, touched: &Touched, into: &mut String) {
        if !matches!(touched.want(key), Want::Nothing) {
            *into = self.header(key);
        }
    }

    /// A root field again, when touched.
    fn field_into<T: Hydrate + Default>(&self, key: &str, touched: &Touched, into: &mut T) {
        if !matches!(touched.want(key), Want::Nothing) {
            *into = self.field(key);
        }
    }

    /// A root map of records again: whole, or only the touched records.
    fn collection_into<T: Hydrate>(
        &self,
        key: &str,
        touched: &Touched,
        into: &mut BTreeMap<String, T>,
    ) {
        match touched.want(key) {
            Want::Nothing => {}
            Want::Whole => *into = self.collection(key),
            Want::Records(ids) => {
                let obj = match self.reader.doc.get(&ROOT, key) {
                    Ok(Some((Value::Object(ObjType::Map), id))) => id,
                    // Not a map of records (any more): read it as a whole.
                    _ => return *into = self.collection(key),
                };
                for id in ids {
                    match hydrate_prop::<_, MaybeMissing<T>, _, _>(&self.reader, &obj, id.as_str())
                    {
                        Ok(MaybeMissing::Present(v)) => {
                            into.insert(id.clone(), v);
                        }
                        Ok(MaybeMissing::Missing) => {
                            into.remove(id);
                        }
                        Err(e) => {
                            into.remove(id);
                            self.problem(unreadable(&format!("{key}/{id}"), &e));
                        }
                    }
                }
                // The map's record count, as a whole reading counts it.
                self.reader.count_records(&obj);
            }
        }
    }

    /// The entries of review rounds touched only there
    /// ([`Touched::entries`]), each read into the round as it was. A round
    /// that cannot be updated that way (new, no longer a map of sections, an
    /// entry that does not read) is left to be read whole: it moves to the
    /// records touched whole, before any of it counts. True if a round did.
    fn review_entries_into(
        &self,
        touched: &mut Touched,
        reviews: &mut BTreeMap<String, ReviewRound>,
    ) -> bool {
        let mut whole = false;
        let rounds: Vec<String> = touched.entries.keys().cloned().collect();
        for round_id in rounds {
            let entries = &touched.entries[&round_id];
            // Read with a reader of its own, so a round given up on leaves
            // no problems behind.
            let part = Loader::new(self.reader.doc);
            // Taken out rather than copied (a round holds every office's
            // entries): one given up on is read whole below, as a record
            // touched whole is, which puts it back or leaves it out.
            let updated = reviews
                .remove(&round_id)
                .and_then(|round| part.round_entries(&round_id, entries, round));
            match updated {
                Some(round) => {
                    reviews.insert(round_id, round);
                    for problem in part.into_problems() {
                        self.problem(problem);
                    }
                }
                None => {
                    touched.whole_round(&round_id);
                    whole = true;
                }
            }
        }
        whole
    }

    /// `round` with the entries named read again, or `None` if any of them
    /// cannot be read that way.
    fn round_entries(
        &self,
        round_id: &str,
        entries: &BTreeSet<(String, String)>,
        mut round: ReviewRound,
    ) -> Option<ReviewRound> {
        let doc = self.reader.doc;
        let reviews = read::map(doc, &ROOT, REVIEWS)?;
        let round_obj = read::map(doc, &reviews, round_id)?;
        // Paths of problems cannot tell `<round>/<section>/<entry>/…` from
        // a round or an entry whose key goes on past a '/': with such a
        // neighbour, the round is read whole (see `Touched::widen`).
        if nested_key(doc, &reviews, round_id) {
            return None;
        }
        let mut sections = BTreeMap::new();
        for (section, entry) in entries {
            let obj = match sections.get(section) {
                Some(obj) => obj,
                None => sections.entry(section.clone()).or_insert(read::map(
                    doc,
                    &round_obj,
                    section.as_str(),
                )?),
            };
            if nested_key(doc, obj, entry) {
                return None;
            }
            match section.as_str() {
                "selfScores" => self.entry_into(obj, entry, &mut round.self_scores)?,
                "peerReviews" => self.entry_into(obj, entry, &mut round.peer_reviews)?,
                _ => return None,
            }
        }
        // The sections' record counts, as a whole reading counts them.
        for obj in sections.values() {
            self.reader.count_records(obj);
        }
        Some(round)
    }

    /// One entry of a map of entries into `into`; `None` if it does not read.
    fn entry_into<T: Hydrate>(
        &self,
        map: &automerge::ObjId,
        key: &str,
        into: &mut BTreeMap<String, T>,
    ) -> Option<()> {
        if !read::present(self.reader.doc, map, key) {
            // Deleted: nothing of it is read (not even its key's length).
            into.remove(key);
            return Some(());
        }
        match hydrate_prop::<_, MaybeMissing<T>, _, _>(&self.reader, map, key) {
            Ok(MaybeMissing::Present(v)) => {
                into.insert(key.to_string(), v);
            }
            Ok(MaybeMissing::Missing) => {
                into.remove(key);
            }
            Err(_) => return None,
        }
        Some(())
    }

    /// A root map of records, record by record.
    fn collection<T: Hydrate>(&self, key: &str) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        let obj = match self.reader.doc.get(&ROOT, key) {
            Ok(Some((Value::Object(ObjType::Map), id))) => id,
            Ok(None) => return out,
            _ => {
                let e = HydrateError::unexpected("a map of records", "another value".into());
                self.problem(unreadable(key, &e));
                return out;
            }
        };
        for id in read::keys(self.reader.doc, &obj) {
            match hydrate_prop::<_, T, _, _>(&self.reader, &obj, id.as_str()) {
                Ok(v) => {
                    out.insert(id, v);
                }
                Err(e) => self.problem(unreadable(&format!("{key}/{id}"), &e)),
            }
        }
        out
    }
}

/// The cluster document, read leniently.
pub fn load_cluster<R: ReadDoc>(doc: &R) -> Loaded<ClusterDoc> {
    let l = Loader::new(doc);
    let cluster = ClusterDoc {
        schema_version: read::number(doc, &ROOT, "schemaVersion").map_or(0, |v| v as i64),
        kind: l.header("kind"),
        name: l.field("name"),
        year: l.field_with("year", year::hydrate),
        leader: l.field("leader"),
        deputy: l.field("deputy"),
        members: l.collection("members"),
        movements: l.collection("movements"),
        plans: l.collection("plans"),
        covenant: l.field("covenant"),
        sections: l.collection("sections"),
        criteria: l.collection("criteria"),
        deadlines: l.collection("deadlines"),
        rule_settings: l.field("ruleSettings"),
        inspections: l.collection("inspections"),
    };
    Loaded {
        doc: cluster,
        problems: l.into_problems(),
    }
}

/// The office document, read leniently.
pub fn load_office<R: ReadDoc>(doc: &R) -> Loaded<OfficeDoc> {
    let l = Loader::new(doc);
    let mut office = OfficeDoc::default();
    read_office(&l, &Touched::everything(), &mut office);
    Loaded {
        doc: office,
        problems: l.into_problems(),
    }
}

/// [`load_office`] of `doc`, from `prev` (an earlier state of the same
/// document, read) and what the changes since then `touched`: only the
/// touched fields and records are read again. Equal to [`load_office`]
/// (problems in another order), at a cost proportional to the change.
pub fn reload_office<R: ReadDoc>(
    doc: &R,
    prev: Loaded<OfficeDoc>,
    touched: &Touched,
) -> Loaded<OfficeDoc> {
    if touched.everything {
        return load_office(doc);
    }
    let mut touched = touched.clone();
    touched.widen(doc);
    touched.settle();
    let l = Loader::new(doc);
    // Updated in place: only the records the changes touched are read.
    let mut office = prev.doc;
    if l.review_entries_into(&mut touched, &mut office.reviews) {
        // A round now read whole brings the records related to it.
        touched.widen(doc);
    }
    let touched = &touched;
    read_office(&l, touched, &mut office);
    let mut problems: Vec<Violation> = prev
        .problems
        .into_iter()
        .filter(|p| !touched.covers(&p.path))
        .collect();
    problems.extend(l.into_problems());
    Loaded {
        doc: office,
        problems,
    }
}

/// Reads what `touched` names of an office document into `office`.
fn read_office<R: ReadDoc>(l: &Loader<'_, R>, touched: &Touched, office: &mut OfficeDoc) {
    if !matches!(touched.want("schemaVersion"), Want::Nothing) {
        office.schema_version =
            read::number(l.reader.doc, &ROOT, "schemaVersion").map_or(0, |v| v as i64);
    }
    l.header_into("kind", touched, &mut office.kind);
    l.header_into("officeCode", touched, &mut office.office_code);
    l.field_into("name", touched, &mut office.name);
    l.collection_into("staff", touched, &mut office.staff);
    l.collection_into("registrations", touched, &mut office.registrations);
    l.collection_into("targets", touched, &mut office.targets);
    l.collection_into(
        "covenantSignatures",
        touched,
        &mut office.covenant_signatures,
    );
    l.collection_into("selfScores", touched, &mut office.self_scores);
    l.collection_into("peerReviews", touched, &mut office.peer_reviews);
    l.field_into("leadingVote", touched, &mut office.leading_vote);
    l.collection_into("reviews", touched, &mut office.reviews);
    if !matches!(touched.want("legacyReviewYear"), Want::Nothing) {
        office.legacy_review_year =
            l.field_with("legacyReviewYear", super::value::opt_count::hydrate);
    }
    l.collection_into("inspections", touched, &mut office.inspections);
    l.collection_into(
        "inspectionFollowUps",
        touched,
        &mut office.inspection_follow_ups,
    );
    l.collection_into("exemplaryModels", touched, &mut office.exemplary_models);
    l.collection_into("evaluations", touched, &mut office.evaluations);
    l.collection_into(
        "collectiveEvaluations",
        touched,
        &mut office.collective_evaluations,
    );
    l.collection_into("proposals", touched, &mut office.proposals);
    l.collection_into("decisions", touched, &mut office.decisions);
}
