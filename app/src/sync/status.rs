//! What the header and the sync page show: online or not, changes waiting for
//! the relay, time of the last successful sync, refused changes, and how fresh
//! each office's replica is.

use std::collections::BTreeMap;

use automerge::ReadDoc;
use shared::cluster::ClusterPolicy;
use shared::core::{Core, RejectCode};
use shared::protocol::DocumentId;

use super::transport::Transport;
use crate::session::Session;

/// The one-word state of the header's sync badge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SyncState {
    /// No connection (the browser is offline, or the relay is unreachable).
    #[default]
    Offline,
    /// Connected, changes still moving.
    Syncing,
    /// Connected and the relay has everything this device has, and vice versa.
    Synced,
}

impl SyncState {
    pub fn code(self) -> &'static str {
        match self {
            SyncState::Offline => "offline",
            SyncState::Syncing => "syncing",
            SyncState::Synced => "synced",
        }
    }
}

/// The sync summary for the header.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SyncView {
    pub state: SyncState,
    /// The browser reports a network.
    pub browser_online: bool,
    /// Local changes the relay has not acknowledged (all documents).
    pub unacknowledged: usize,
    /// Whether `unacknowledged` is exact (the relay's heads are known for every document).
    pub count_known: bool,
    /// Last time every document was confirmed in sync (ms since the epoch).
    pub last_synced_ms: Option<f64>,
    /// Documents loaded from local storage / all documents of the cluster.
    pub loaded: (usize, usize),
}

/// A change the relay refused.
#[derive(Clone, Debug, PartialEq)]
pub struct RejectionView {
    pub doc: DocumentId,
    pub document_name: String,
    pub code: RejectCode,
    pub message_vi: String,
    pub message_en: String,
    pub at_ms: f64,
}

/// How fresh one document's replica is.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DocFreshness {
    /// Newest change time in the document (seconds since the epoch, as recorded by the editing device).
    pub last_change_secs: Option<i64>,
    /// When the relay last confirmed this replica (ms since the epoch).
    pub synced_ms: Option<f64>,
}

pub(super) fn compute(
    core: &Core<ClusterPolicy>,
    session: &Session,
    transport: &Transport,
    synced_at: &BTreeMap<DocumentId, f64>,
) -> SyncView {
    let docs = session.directory.all_docs();
    let browser_online = web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true);
    let mut unacknowledged = 0;
    let mut count_known = true;
    let mut all_in_sync = true;
    let mut loaded = 0;
    for d in &docs {
        match core.sync_status(d) {
            Some(s) => {
                loaded += 1;
                match s.unacknowledged {
                    Some(n) => unacknowledged += n,
                    None => count_known = false,
                }
                all_in_sync &= s.in_sync && s.connected;
            }
            None => all_in_sync = false,
        }
    }
    let connected = transport.is_open() && core.ready_peers() > 0;
    let state = if !connected {
        SyncState::Offline
    } else if all_in_sync && unacknowledged == 0 {
        SyncState::Synced
    } else {
        SyncState::Syncing
    };
    let last_synced_ms = docs
        .iter()
        .map(|d| synced_at.get(d).copied())
        .collect::<Option<Vec<f64>>>()
        .and_then(|v| v.into_iter().reduce(f64::min));
    SyncView {
        state,
        browser_online,
        unacknowledged,
        count_known,
        last_synced_ms,
        loaded: (loaded, docs.len()),
    }
}

pub(super) fn freshness(
    core: &Core<ClusterPolicy>,
    doc: &DocumentId,
    synced_ms: Option<f64>,
) -> DocFreshness {
    let last_change_secs = core.doc(doc).and_then(|d| {
        d.get_heads()
            .iter()
            .filter_map(|h| d.get_change_by_hash(h).map(|c| c.timestamp()))
            .max()
    });
    DocFreshness {
        last_change_secs: last_change_secs.filter(|t| *t > 0),
        synced_ms,
    }
}
