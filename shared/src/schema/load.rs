//! Lenient loading: a typed [`ClusterDoc`] / [`OfficeDoc`] from any reader,
//! record by record, so one damaged record (a wrong type written by an old
//! or foreign client) costs only that record. What could not be read comes
//! back as violations (code `unreadable`, path of the record) instead of an
//! error for the whole document; the UI shows the rest.

use std::collections::BTreeMap;

use automerge::{ObjType, ROOT, ReadDoc, Value};
use autosurgeon::{Hydrate, HydrateError, MaybeMissing, Prop, hydrate_prop};

use super::cluster_doc::ClusterDoc;
use super::office_doc::OfficeDoc;
use super::read::{self, Reader};
use super::value::year;
use super::violation;
use crate::core::Violation;

/// A document read leniently, with what could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded<T> {
    pub doc: T,
    /// One `unreadable` violation per record or field that was skipped.
    pub problems: Vec<Violation>,
}

struct Loader<'a, R> {
    reader: Reader<'a, R>,
    problems: Vec<Violation>,
}

fn unreadable(path: &str, error: &HydrateError) -> Violation {
    violation(
        path,
        "unreadable",
        format!("{path} cannot be read ({error}); correct or delete it"),
        format!("không đọc được {path} ({error}): dữ liệu sai kiểu, hãy sửa hoặc xoá mục này"),
    )
}

impl<'a, R: ReadDoc> Loader<'a, R> {
    fn new(doc: &'a R) -> Self {
        Loader {
            reader: Reader(doc),
            problems: Vec::new(),
        }
    }

    /// A root field; missing or unreadable gives the default.
    fn field<T: Hydrate + Default>(&mut self, key: &str) -> T {
        match hydrate_prop::<_, MaybeMissing<T>, _, _>(&self.reader, ROOT, key) {
            Ok(MaybeMissing::Present(v)) => v,
            Ok(MaybeMissing::Missing) => T::default(),
            Err(e) => {
                self.problems.push(unreadable(key, &e));
                T::default()
            }
        }
    }

    /// A root field read with one of the `value` modules.
    fn field_with<T: Default>(
        &mut self,
        key: &str,
        hydrate: fn(&Reader<'a, R>, &automerge::ObjId, Prop<'_>) -> Result<T, HydrateError>,
    ) -> T {
        if !read::present(self.reader.0, &ROOT, key) {
            return T::default();
        }
        hydrate(&self.reader, &ROOT, key.into()).unwrap_or_else(|e| {
            self.problems.push(unreadable(key, &e));
            T::default()
        })
    }

    /// A root map of records, record by record.
    fn collection<T: Hydrate>(&mut self, key: &str) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        let obj = match self.reader.0.get(&ROOT, key) {
            Ok(Some((Value::Object(ObjType::Map), id))) => id,
            Ok(None) => return out,
            _ => {
                let e = HydrateError::unexpected("a map of records", "another value".into());
                self.problems.push(unreadable(key, &e));
                return out;
            }
        };
        for id in read::keys(self.reader.0, &obj) {
            match hydrate_prop::<_, T, _, _>(&self.reader, &obj, id.as_str()) {
                Ok(v) => {
                    out.insert(id, v);
                }
                Err(e) => self.problems.push(unreadable(&format!("{key}/{id}"), &e)),
            }
        }
        out
    }
}

fn header_text<R: ReadDoc>(doc: &R, key: &str) -> String {
    read::text(doc, &ROOT, key).unwrap_or_default()
}

/// The cluster document, read leniently.
pub fn load_cluster<R: ReadDoc>(doc: &R) -> Loaded<ClusterDoc> {
    let mut l = Loader::new(doc);
    let cluster = ClusterDoc {
        schema_version: read::number(doc, &ROOT, "schemaVersion").map_or(0, |v| v as i64),
        kind: header_text(doc, "kind"),
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
        problems: l.problems,
    }
}

/// The office document, read leniently.
pub fn load_office<R: ReadDoc>(doc: &R) -> Loaded<OfficeDoc> {
    let mut l = Loader::new(doc);
    let office = OfficeDoc {
        schema_version: read::number(doc, &ROOT, "schemaVersion").map_or(0, |v| v as i64),
        kind: header_text(doc, "kind"),
        office_code: header_text(doc, "officeCode"),
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
        problems: l.problems,
    }
}
