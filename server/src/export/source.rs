//! The summary over the relay's current documents: the hub loads the
//! cluster's documents and hands out copies (well under a millisecond even
//! for 34 offices × 5 years, see BENCHMARKS.md); reading them into typed
//! values and computing run on the blocking pool, so the hub keeps syncing
//! meanwhile.

use std::time::Duration;

use automerge::Automerge;

use shared::cluster::Directory;
use shared::domain::rules::RuleCatalog;
use shared::schema::{ClusterDoc, load_cluster};
use shared::summary::{ClusterSummary, LoadedOffice, summarize_loaded};

use crate::hub::Hub;

/// How long to wait for the hub to load the documents.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the summary could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "the cluster's documents could not be loaded within {0:?}; the relay may be \
         overloaded or its data directory damaged — try again, then check the relay's log"
    )]
    Timeout(Duration),
    #[error("the cluster document is missing from the relay's data; restore it from a backup")]
    NoClusterDocument,
    #[error("the summary computation failed: {0}")]
    Failed(String),
}

/// Copies of the cluster document and the office documents (code, doc) as
/// the relay holds them now.
pub async fn current_documents(
    hub: &Hub,
    directory: &Directory,
) -> Result<(Automerge, Vec<(String, Automerge)>), SourceError> {
    let cluster_id = directory
        .cluster_doc()
        .ok_or(SourceError::NoClusterDocument)?;
    let offices: Vec<(String, shared::protocol::DocumentId)> = directory
        .offices_with_former()
        .filter_map(|o| Some((o.code.clone(), directory.office_doc(&o.code)?)))
        .collect();
    let docs = directory.all_docs();
    let read = async move {
        let mut copies = hub.copies(docs).await?;
        let Some(cluster) = copies.remove(&cluster_id) else {
            return Some(None);
        };
        let offices = offices
            .into_iter()
            .filter_map(|(code, id)| Some((code, copies.remove(&id)?)))
            .collect();
        Some(Some((cluster, offices)))
    };
    match tokio::time::timeout(READ_TIMEOUT, read).await {
        Err(_) | Ok(None) => Err(SourceError::Timeout(READ_TIMEOUT)),
        Ok(Some(None)) => Err(SourceError::NoClusterDocument),
        Ok(Some(Some(docs))) => Ok(docs),
    }
}

/// Reads copied documents into typed values.
pub fn load_documents(
    cluster: &Automerge,
    offices: &[(String, Automerge)],
) -> (ClusterDoc, Vec<LoadedOffice>) {
    let loaded = offices
        .iter()
        .map(|(code, doc)| LoadedOffice::load(code, doc))
        .collect();
    (load_cluster(cluster).doc, loaded)
}

/// The summary of `year` (default: the cluster's year) over the relay's
/// current documents, with the built-in rule catalog.
pub async fn current_summary(
    hub: &Hub,
    directory: &Directory,
    year: Option<i32>,
) -> Result<ClusterSummary, SourceError> {
    let (cluster, offices) = current_documents(hub, directory).await?;
    tokio::task::spawn_blocking(move || {
        let (cluster, offices) = load_documents(&cluster, &offices);
        summarize_loaded(&cluster, &offices, &RuleCatalog::defaults(), year)
    })
    .await
    .map_err(|e| SourceError::Failed(e.to_string()))
}
