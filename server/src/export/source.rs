//! The summary over the relay's current documents: the hub loads the
//! cluster's documents and reads them into typed values (cheap, on the
//! hub's task), the computation runs on the blocking pool so the hub keeps
//! syncing meanwhile.

use std::time::Duration;

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

/// The typed cluster and office documents as the relay holds them now.
pub async fn current_documents(
    hub: &Hub,
    directory: &Directory,
) -> Result<(ClusterDoc, Vec<LoadedOffice>), SourceError> {
    let cluster_id = directory
        .cluster_doc()
        .ok_or(SourceError::NoClusterDocument)?;
    let offices: Vec<(String, shared::protocol::DocumentId)> = directory
        .offices
        .iter()
        .filter_map(|o| Some((o.code.clone(), directory.office_doc(&o.code)?)))
        .collect();
    let docs = directory.all_docs();
    let read = hub.read(docs, move |core| {
        let cluster = load_cluster(core.doc(&cluster_id)?).doc;
        let loaded = offices
            .iter()
            .filter_map(|(code, id)| core.doc(id).map(|d| LoadedOffice::load(code, d)))
            .collect();
        Some((cluster, loaded))
    });
    match tokio::time::timeout(READ_TIMEOUT, read).await {
        Err(_) | Ok(None) => Err(SourceError::Timeout(READ_TIMEOUT)),
        Ok(Some(None)) => Err(SourceError::NoClusterDocument),
        Ok(Some(Some(docs))) => Ok(docs),
    }
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
        summarize_loaded(&cluster, &offices, &RuleCatalog::defaults(), year)
    })
    .await
    .map_err(|e| SourceError::Failed(e.to_string()))
}
