//! Lenient loading: a typed [`ClusterDoc`] / [`OfficeDoc`] from any reader,
//! record by record, so one damaged record (a wrong type written by an old
//! or foreign client) costs only that record. What could not be read comes
//! back as violations (code `unreadable`, path of the record) instead of an
//! error for the whole document; the UI shows the rest.
//!
//! Every value is read through a [`CheckedReader`], which checks the
//! [`limits`](super::limits) on the way (`text-too-long`,
//! `too-many-records`): a text over its limit is still loaded as it is.

use std::collections::BTreeMap;

use automerge::{ObjType, ROOT, ReadDoc, Value};
use autosurgeon::{Hydrate, HydrateError, MaybeMissing, Prop, hydrate_prop};

use super::cluster_doc::ClusterDoc;
use super::limits::CheckedReader;
use super::office_doc::OfficeDoc;
use super::read;
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
    };
    Loaded {
        doc: cluster,
        problems: l.into_problems(),
    }
}

/// The office document, read leniently.
pub fn load_office<R: ReadDoc>(doc: &R) -> Loaded<OfficeDoc> {
    let l = Loader::new(doc);
    let office = OfficeDoc {
        schema_version: read::number(doc, &ROOT, "schemaVersion").map_or(0, |v| v as i64),
        kind: l.header("kind"),
        office_code: l.header("officeCode"),
        name: l.field("name"),
        staff: l.collection("staff"),
        registrations: l.collection("registrations"),
        covenant_signatures: l.collection("covenantSignatures"),
        self_scores: l.collection("selfScores"),
        peer_reviews: l.collection("peerReviews"),
        leading_vote: l.field("leadingVote"),
        inspections: l.collection("inspections"),
        exemplary_models: l.collection("exemplaryModels"),
        evaluations: l.collection("evaluations"),
        collective_evaluations: l.collection("collectiveEvaluations"),
        proposals: l.collection("proposals"),
        decisions: l.collection("decisions"),
    };
    Loaded {
        doc: office,
        problems: l.into_problems(),
    }
}
