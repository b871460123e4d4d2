//! The cluster directory (danh bạ cụm thi đua) and the rights that follow from it.
//!
//! A cluster has one document per member office and one cluster document.
//! Every device of the cluster may read all of them; a device writes only its
//! own office's document, and the cluster document only while its office
//! leads the cluster (Cụm trưởng, read from the cluster document itself).

use std::collections::HashMap;

use automerge::ReadDoc;
use serde::{Deserialize, Serialize};

use crate::core::{Access, DocLookup, Memo, PeerAuth, Policy, Violation};
use crate::protocol::DocumentId;
use crate::schema;

/// One member office (đơn vị thành viên) as the relay lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeEntry {
    /// Short stable code, e.g. `LSN`.
    pub code: String,
    /// Vietnamese name, e.g. "Văn phòng Đoàn ĐBQH và HĐND tỉnh Lạng Sơn".
    pub name: String,
    /// Province name, e.g. "Lạng Sơn".
    pub province: String,
    /// The office's document, as an `automerge:` URL.
    pub url: String,
}

/// A former member office (đơn vị trước sáp nhập), e.g. the office of Yên
/// Bái before 1 July 2025. Its document stays readable by the whole
/// cluster under its own name, and its successor's devices (Lào Cai's)
/// write it: the successor continues its records (a late decision, a
/// correction). No device signs in as a former office.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormerOffice {
    #[serde(flatten)]
    pub entry: OfficeEntry,
    /// The code of the office that continues its records.
    pub successor: String,
    /// Its last day as a member (ISO date, e.g. `2025-06-30`).
    pub until: String,
}

/// What `GET /api/directory` returns and every device keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    /// Cluster name, e.g. "Cụm thi đua các tỉnh miền núi phía Bắc".
    pub cluster: String,
    /// The cluster document's `automerge:` URL.
    pub cluster_url: String,
    pub offices: Vec<OfficeEntry>,
    /// Former member offices whose documents the cluster keeps (absent in
    /// directories written before mergers were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former: Vec<FormerOffice>,
}

/// What kind of document an id names within a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocRole<'a> {
    Cluster,
    Office(&'a OfficeEntry),
    /// A former office's document.
    Former(&'a FormerOffice),
}

impl Directory {
    pub fn cluster_doc(&self) -> Option<DocumentId> {
        DocumentId::from_url(&self.cluster_url).ok()
    }

    pub fn office(&self, code: &str) -> Option<&OfficeEntry> {
        self.offices.iter().find(|o| o.code == code)
    }

    /// A current or former office, by code.
    pub fn any_office(&self, code: &str) -> Option<&OfficeEntry> {
        self.office(code)
            .or_else(|| self.former_office(code).map(|f| &f.entry))
    }

    /// A former office, by code.
    pub fn former_office(&self, code: &str) -> Option<&FormerOffice> {
        self.former.iter().find(|f| f.entry.code == code)
    }

    /// The document of a current or former office.
    pub fn office_doc(&self, code: &str) -> Option<DocumentId> {
        self.any_office(code)
            .and_then(|o| DocumentId::from_url(&o.url).ok())
    }

    /// Every office whose document the cluster keeps: the current ones in
    /// directory order, then the former ones.
    pub fn offices_with_former(&self) -> impl Iterator<Item = &OfficeEntry> {
        self.offices
            .iter()
            .chain(self.former.iter().map(|f| &f.entry))
    }

    /// Which role `doc` plays in this cluster, if any.
    pub fn role_of(&self, doc: &DocumentId) -> Option<DocRole<'_>> {
        if self.cluster_doc().as_ref() == Some(doc) {
            return Some(DocRole::Cluster);
        }
        let is = |o: &OfficeEntry| DocumentId::from_url(&o.url).ok().as_ref() == Some(doc);
        self.offices
            .iter()
            .find(|o| is(o))
            .map(DocRole::Office)
            .or_else(|| {
                self.former
                    .iter()
                    .find(|f| is(&f.entry))
                    .map(DocRole::Former)
            })
    }

    /// Every document of the cluster (cluster document first).
    pub fn all_docs(&self) -> Vec<DocumentId> {
        self.cluster_doc()
            .into_iter()
            .chain(
                self.offices_with_former()
                    .filter_map(|o| DocumentId::from_url(&o.url).ok()),
            )
            .collect()
    }
}

/// Per-office rights and schema validation for one cluster.
#[derive(Clone, Debug)]
pub struct ClusterPolicy {
    directory: Directory,
    /// The directory's documents, read once (the relay asks for the role of
    /// a document on every message; reading a URL checks its checksum).
    cluster_doc: Option<DocumentId>,
    roles: HashMap<DocumentId, RoleIndex>,
}

/// Where a document is in the directory.
#[derive(Clone, Copy, Debug)]
enum RoleIndex {
    Office(usize),
    Former(usize),
}

impl ClusterPolicy {
    pub fn new(directory: Directory) -> Self {
        let mut roles = HashMap::new();
        // The first entry naming a document wins, as in `Directory::role_of`.
        for (i, o) in directory.former.iter().enumerate().rev() {
            if let Ok(id) = DocumentId::from_url(&o.entry.url) {
                roles.insert(id, RoleIndex::Former(i));
            }
        }
        for (i, o) in directory.offices.iter().enumerate().rev() {
            if let Ok(id) = DocumentId::from_url(&o.url) {
                roles.insert(id, RoleIndex::Office(i));
            }
        }
        Self {
            cluster_doc: directory.cluster_doc(),
            directory,
            roles,
        }
    }

    /// The cluster directory this policy was made from.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Which role `doc` plays in this cluster (as [`Directory::role_of`]).
    pub fn role_of(&self, doc: &DocumentId) -> Option<DocRole<'_>> {
        if self.cluster_doc.as_ref() == Some(doc) {
            return Some(DocRole::Cluster);
        }
        match self.roles.get(doc)? {
            RoleIndex::Office(i) => self.directory.offices.get(*i).map(DocRole::Office),
            RoleIndex::Former(i) => self.directory.former.get(*i).map(DocRole::Former),
        }
    }

    /// The office that currently leads the cluster, per the cluster document.
    pub fn leader(&self, docs: &dyn DocLookup) -> Option<String> {
        let cluster = docs.doc(self.cluster_doc.as_ref()?)?;
        schema::cluster_leader(cluster)
    }
}

impl Policy for ClusterPolicy {
    fn access(&self, peer: &PeerAuth, doc: &DocumentId, docs: &dyn DocLookup) -> Access {
        let device = match peer {
            PeerAuth::Relay => return Access::Write,
            PeerAuth::Device(d) => d,
        };
        if self.directory.office(&device.office).is_none() {
            return Access::None;
        }
        match self.role_of(doc) {
            None => Access::None,
            Some(DocRole::Office(o)) if o.code == device.office => Access::Write,
            Some(DocRole::Office(_)) => Access::Read,
            // The successor continues a former office's records.
            Some(DocRole::Former(f)) if f.successor == device.office => Access::Write,
            Some(DocRole::Former(_)) => Access::Read,
            Some(DocRole::Cluster) => {
                if self.leader(docs).as_deref() == Some(device.office.as_str()) {
                    Access::Write
                } else {
                    Access::Read
                }
            }
        }
    }

    fn violations<R: ReadDoc>(
        &self,
        doc_id: &DocumentId,
        doc: &R,
        docs: &dyn DocLookup,
    ) -> Vec<Violation> {
        match self.role_of(doc_id) {
            Some(DocRole::Cluster) => schema::validate_cluster(doc, &self.directory),
            Some(DocRole::Office(o)) | Some(DocRole::Former(FormerOffice { entry: o, .. })) => {
                let cluster = self.cluster_doc.as_ref().and_then(|id| docs.doc(id));
                schema::validate_office(doc, &o.code, cluster)
            }
            None => Vec::new(),
        }
    }

    fn violations_since(
        &self,
        doc_id: &DocumentId,
        doc: &automerge::Automerge,
        memo: Option<Memo>,
        docs: &dyn DocLookup,
    ) -> (Vec<Violation>, Option<Memo>) {
        match self.role_of(doc_id) {
            Some(DocRole::Office(o)) | Some(DocRole::Former(FormerOffice { entry: o, .. })) => {
                let cluster = self.cluster_doc.as_ref().and_then(|id| docs.doc(id));
                let memo = memo.and_then(|m| m.downcast::<schema::OfficeMemo>().ok());
                let (violations, memo) =
                    schema::validate_office_since(doc, &o.code, cluster, memo.map(|m| *m));
                (violations, Some(Box::new(memo)))
            }
            _ => (self.violations(doc_id, doc, docs), None),
        }
    }

    fn reads_other_docs(&self, v: &Violation) -> bool {
        use crate::core::ViolationCode as C;
        matches!(
            v.code,
            C::UnknownCriterion | C::ScoreAboveMaximum | C::UnknownOffice
        )
    }

    fn pinned(&self) -> Vec<DocumentId> {
        self.cluster_doc.into_iter().collect()
    }

    fn describe(&self, doc: &DocumentId) -> String {
        match self.role_of(doc) {
            Some(DocRole::Cluster) => {
                format!("{} (tài liệu chung của cụm)", self.directory.cluster)
            }
            Some(DocRole::Office(o)) => o.name.clone(),
            Some(DocRole::Former(f)) => format!(
                "{} (đến {})",
                f.entry.name,
                schema::DateText::from(f.until.as_str()).display_vi()
            ),
            None => doc.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, url: &str) -> OfficeEntry {
        OfficeEntry {
            code: code.into(),
            name: format!("Văn phòng {code}"),
            province: code.into(),
            url: url.into(),
        }
    }

    /// The policy's index names every document as the directory does: the
    /// cluster document, offices, former offices (also when one URL is
    /// listed twice, or written with heads), and nothing else.
    #[test]
    fn the_policy_finds_each_document_as_the_directory_does() {
        let ids: Vec<DocumentId> = (0..5u8)
            .map(|i| DocumentId::from_bytes([i + 1; 16]))
            .collect();
        let url = |i: usize| ids[i].url();
        let directory = Directory {
            cluster: "Cụm thử".into(),
            cluster_url: url(0),
            offices: vec![
                entry("LSN", &url(1)),
                entry("CBG", &format!("{}#heads", url(2))),
                entry("BAD", "automerge:not-base58"),
            ],
            former: vec![
                FormerOffice {
                    entry: entry("YBA", &url(3)),
                    successor: "LCI".into(),
                    until: "2025-06-30".into(),
                },
                // Listed again as former: the office entry comes first.
                FormerOffice {
                    entry: entry("OLD", &url(1)),
                    successor: "LSN".into(),
                    until: "2025-06-30".into(),
                },
            ],
        };
        let policy = ClusterPolicy::new(directory.clone());
        for id in &ids {
            assert_eq!(policy.role_of(id), directory.role_of(id), "{id}");
        }
        assert_eq!(policy.role_of(&ids[0]), Some(DocRole::Cluster));
        assert!(matches!(policy.role_of(&ids[1]), Some(DocRole::Office(o)) if o.code == "LSN"));
        assert!(matches!(policy.role_of(&ids[2]), Some(DocRole::Office(o)) if o.code == "CBG"));
        assert!(
            matches!(policy.role_of(&ids[3]), Some(DocRole::Former(f)) if f.entry.code == "YBA")
        );
        assert_eq!(policy.role_of(&ids[4]), None);
    }
}
