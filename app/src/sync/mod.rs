//! The browser shell around the shared sync core (lõi đồng bộ).
//!
//! [`Driver`] owns the [`Core`] and carries its actions out: frames go to the
//! WebSocket ([`transport`]), chunks to IndexedDB, chunk notices to the other
//! tabs ([`tabs`]), events to the Leptos signals the UI reads ([`SyncSignals`]).
//! It never holds a borrow of the core across an `await`: every async step
//! (a storage write, a frame) ends by feeding an input back and pumping again.

pub mod status;
pub mod tabs;
pub mod transport;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use automerge::transaction::Transaction;
use automerge::{Automerge, ChangeHash};
use leptos::prelude::*;
use shared::cluster::ClusterPolicy;
use shared::core::{
    Action, ChangeError, CommitMeta, Config, Core, Draft, Event, Input, RejectCode, Role,
};
use shared::protocol::{DocumentId, PeerId};
use shared::storage::{ChunkKey, ChunkStore};
use wasm_bindgen_futures::spawn_local;

use crate::session::Session;
use crate::storage::{IdbChunkStore, StorageError};
pub use status::{DocFreshness, RejectionView, SyncState, SyncView};

/// Signals the UI reads. All are `Copy`.
#[derive(Clone, Copy)]
pub struct SyncSignals {
    /// Bumped whenever any document's content changes: views re-read documents.
    pub revision: RwSignal<u64>,
    /// The header's sync state.
    pub view: RwSignal<SyncView>,
    /// Changes the relay refused, newest last.
    pub rejections: RwSignal<Vec<RejectionView>>,
    /// Storage trouble to show (a full disk above all).
    pub storage_error: RwSignal<Option<StorageError>>,
    /// A permanent connection problem (token revoked…), with Vietnamese and English text.
    pub auth_problem: RwSignal<Option<(String, String)>>,
}

impl SyncSignals {
    fn new() -> Self {
        Self {
            revision: RwSignal::new(0),
            view: RwSignal::new(SyncView::default()),
            rejections: RwSignal::new(Vec::new()),
            storage_error: RwSignal::new(None),
            auth_problem: RwSignal::new(None),
        }
    }
}

pub(crate) struct Inner {
    pub core: Core<ClusterPolicy>,
    pub store: Rc<IdbChunkStore>,
    pub session: Session,
    pub transport: transport::Transport,
    pub tabs: Option<tabs::Tabs>,
    /// Per document: when the relay last confirmed it (ms since the epoch).
    pub synced_at: BTreeMap<DocumentId, f64>,
    /// Documents refused by the relay and waiting to be rebuilt.
    pub to_rebuild: Vec<DocumentId>,
}

/// The running sync machinery of a signed-in device. Cheap to clone.
#[derive(Clone)]
pub struct Driver {
    pub(crate) inner: Rc<RefCell<Inner>>,
    pub signals: SyncSignals,
}

/// Random hex for peer ids (not a secret: `Math.random` is enough).
fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", (js_sys::Math::random() * 256.0) as u8))
        .collect()
}

impl Driver {
    /// Start syncing every document of the session's cluster.
    pub fn start(session: Session, store: Rc<IdbChunkStore>) -> Self {
        let signals = SyncSignals::new();
        let mut cfg = Config::new(
            PeerId(format!("thidua-web-{}-{}", session.office, random_hex(4))),
            Role::Client,
        );
        cfg.storage_id = Some(store.storage_id().to_string());
        let mut core = Core::new(cfg, ClusterPolicy::new(session.directory.clone()));
        // The office's own document and the cluster's first: the screens a
        // clerk opens need those two, and every replica loaded re-renders
        // the page. The other offices' documents follow once the first two
        // are read and a frame is painted (offline cold start, BENCHMARKS.md).
        let first: Vec<DocumentId> = [
            session.directory.cluster_doc(),
            session.directory.office_doc(&session.office),
        ]
        .into_iter()
        .flatten()
        .collect();
        let later: Vec<DocumentId> = session
            .directory
            .all_docs()
            .into_iter()
            .filter(|d| !first.contains(d))
            .collect();
        for doc in &first {
            core.open(*doc);
        }
        let inner = Rc::new(RefCell::new(Inner {
            core,
            store,
            session,
            transport: transport::Transport::default(),
            tabs: None,
            synced_at: BTreeMap::new(),
            to_rebuild: Vec::new(),
        }));
        let driver = Driver { inner, signals };
        tabs::listen(&driver);
        transport::start(&driver);
        driver.tick_every(2_000);
        driver.pump();
        driver.open_later(first, later);
        driver
    }

    /// Opens `later` once every document of `first` is loaded (or after two
    /// seconds, whatever held them up) and the page had a frame to paint.
    fn open_later(&self, first: Vec<DocumentId>, later: Vec<DocumentId>) {
        let weak = Rc::downgrade(&self.inner);
        let signals = self.signals;
        spawn_local(async move {
            for _ in 0..200 {
                let Some(inner) = weak.upgrade() else { return };
                let loaded = first.iter().all(|d| inner.borrow().core.doc(d).is_some());
                drop(inner);
                if loaded {
                    break;
                }
                sleep_ms(10).await;
            }
            sleep_ms(30).await;
            let Some(inner) = weak.upgrade() else { return };
            for doc in later {
                inner.borrow_mut().core.open(doc);
            }
            Driver { inner, signals }.pump();
        });
    }

    /// The core's clock: a tick every `ms` while this driver lives (rate
    /// limits, retries of failed storage, saving the relay's sync states so
    /// the next visit resumes where this one ended).
    fn tick_every(&self, ms: i32) {
        let weak = Rc::downgrade(&self.inner);
        let signals = self.signals;
        spawn_local(async move {
            loop {
                sleep_ms(ms).await;
                let Some(inner) = weak.upgrade() else { break };
                inner.borrow_mut().core.handle(Input::Tick {
                    now_ms: js_sys::Date::now() as u64,
                });
                Driver { inner, signals }.pump();
            }
        });
    }

    pub fn session(&self) -> Session {
        self.inner.borrow().session.clone()
    }

    /// Names this device for people ("Máy tính chị Lan, phòng TĐKT"): kept
    /// with the session on the device, written into the history of every
    /// later change. Bumps `revision` so the header shows it.
    pub fn rename_device(&self, name: &str) {
        let session = {
            let mut inner = self.inner.borrow_mut();
            inner.session.device_name = name.trim().to_string();
            inner.session.clone()
        };
        let store = self.inner.borrow().store.clone();
        let signals = self.signals;
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = store
                .put_setting_json(crate::session::SESSION_KEY, &session)
                .await
            {
                signals.storage_error.set(Some(e));
            }
        });
        self.signals.revision.update(|r| *r += 1);
    }

    /// Read a document (call inside a reactive closure that also reads `signals.revision`).
    pub fn with_doc<T>(&self, doc: &DocumentId, f: impl FnOnce(&Automerge) -> T) -> Option<T> {
        let inner = self.inner.borrow();
        inner.core.doc(doc).map(f)
    }

    /// Whether this device may change `doc`.
    pub fn can_write(&self, doc: &DocumentId) -> bool {
        use shared::core::Policy;
        let inner = self.inner.borrow();
        let auth = inner.session.auth();
        inner.core.policy().access(&auth, doc, &inner.core.lookup()) == shared::core::Access::Write
    }

    /// Make an edit as this device: checked for rights and schema before it is
    /// committed, then saved locally at once and sent when a connection exists.
    pub fn change(
        &self,
        doc: &DocumentId,
        summary: &str,
        edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), automerge::AutomergeError>,
    ) -> Result<(), ChangeError<automerge::AutomergeError>> {
        self.change_with(doc, summary, edit)
    }

    /// [`Driver::change`] for edits whose error type is not automerge's
    /// (e.g. the narrow writes of `shared::schema::write`, which fail with
    /// `WriteError`): the same rights and schema checks before committing.
    pub fn change_with<E>(
        &self,
        doc: &DocumentId,
        summary: &str,
        edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), E>,
    ) -> Result<(), ChangeError<E>> {
        self.commit(doc, true, summary, edit)
    }

    /// Commit an edit through the core (as this device when `as_device`,
    /// else without the rights check), then carry out what follows.
    fn commit<E>(
        &self,
        doc: &DocumentId,
        as_device: bool,
        summary: &str,
        edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), E>,
    ) -> Result<(), ChangeError<E>> {
        let result = {
            let mut inner = self.inner.borrow_mut();
            let auth = as_device.then(|| inner.session.auth());
            let meta = commit_meta(&inner.session, summary);
            inner
                .core
                .change(doc, auth.as_ref(), meta, edit)
                .map(|_| ())
        };
        self.pump();
        result
    }

    /// Apply a change skipping every local check (the `debug-hooks` build
    /// only: shows the relay refusing what the app would never send).
    #[cfg(feature = "debug-hooks")]
    pub fn force_change(
        &self,
        doc: &DocumentId,
        edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), automerge::AutomergeError>,
    ) -> Result<(), String> {
        self.commit(doc, false, "forced", edit)
            .map_err(|e| e.to_string())
    }

    /// Refused edits kept for a document.
    pub fn drafts(&self, doc: &DocumentId) -> Vec<Draft> {
        self.inner.borrow().core.drafts(doc)
    }

    /// Discard a refused edit.
    pub fn discard_draft(&self, key: &ChunkKey) {
        self.inner.borrow_mut().core.discard_draft(key);
        self.pump();
    }

    /// Per-document freshness for the cluster views ("cập nhật đến").
    pub fn freshness(&self, doc: &DocumentId) -> DocFreshness {
        let inner = self.inner.borrow();
        status::freshness(&inner.core, doc, inner.synced_at.get(doc).copied())
    }

    /// Run the core's actions until none are left, then refresh the signals.
    pub fn pump(&self) {
        loop {
            let action = self.inner.borrow_mut().core.poll();
            let Some(action) = action else { break };
            self.carry_out(action);
        }
        let rebuild: Vec<DocumentId> = std::mem::take(&mut self.inner.borrow_mut().to_rebuild);
        if !rebuild.is_empty() {
            for doc in rebuild {
                self.inner.borrow_mut().core.rebuild_from_relay(&doc);
            }
            return self.pump();
        }
        let inner = self.inner.borrow();
        let view = status::compute(
            &inner.core,
            &inner.session,
            &inner.transport,
            &inner.synced_at,
        );
        self.signals.view.set(view);
    }

    fn carry_out(&self, action: Action) {
        match action {
            Action::Send { conn, bytes } => self.inner.borrow().transport.send(conn, &bytes),
            Action::Close { conn } => self.inner.borrow_mut().transport.close(conn),
            Action::Load { doc } => {
                let d = self.clone();
                spawn_local(async move {
                    let store = d.inner.borrow().store.clone();
                    let chunks = store.load(&doc).await.map_err(|e| {
                        d.signals.storage_error.set(Some(e.clone()));
                        d.schedule_storage_retry();
                        e.to_string()
                    });
                    d.inner
                        .borrow_mut()
                        .core
                        .handle(Input::Loaded { doc, chunks });
                    d.pump();
                });
            }
            Action::Store { chunk } => {
                let d = self.clone();
                spawn_local(async move {
                    let store = d.inner.borrow().store.clone();
                    let result = store.put(&chunk).await;
                    match &result {
                        Ok(()) => {
                            if d.signals.storage_error.get_untracked().is_some() {
                                d.signals.storage_error.set(None);
                            }
                            if let Some(t) = &d.inner.borrow().tabs {
                                t.announce(&chunk.key);
                            }
                        }
                        Err(e) => {
                            d.signals.storage_error.set(Some(e.clone()));
                            d.schedule_storage_retry();
                        }
                    }
                    let result = result.map_err(|e| e.to_string());
                    d.inner.borrow_mut().core.handle(Input::Stored {
                        key: chunk.key,
                        result,
                    });
                    d.pump();
                });
            }
            Action::Delete { keys } => {
                let store = self.inner.borrow().store.clone();
                spawn_local(async move {
                    if let Err(e) = store.delete(&keys).await {
                        web_sys::console::warn_1(&format!("compaction: {e}").into());
                    }
                });
            }
            Action::Event(e) => self.on_event(e),
        }
    }

    fn on_event(&self, e: Event) {
        match e {
            Event::DocChanged { .. } => self.signals.revision.update(|n| *n += 1),
            Event::DocReady { doc } => {
                self.signals.revision.update(|n| *n += 1);
                self.restore_remote_heads(doc);
                self.migrate_if_needed(doc);
                self.pin_review_year();
            }
            Event::RemoteHeads { doc, heads } => {
                let now = js_sys::Date::now();
                self.inner.borrow_mut().synced_at.insert(doc, now);
                self.save_remote_heads(doc, heads, now);
            }
            Event::Rejected { doc, rejection, .. } => {
                let office = {
                    let inner = self.inner.borrow();
                    match inner.session.directory.role_of(&doc) {
                        Some(shared::cluster::DocRole::Office(o)) => o.name.clone(),
                        Some(shared::cluster::DocRole::Former(f)) => f.entry.name.clone(),
                        Some(shared::cluster::DocRole::Cluster) => {
                            inner.session.directory.cluster.clone()
                        }
                        None => doc.to_string(),
                    }
                };
                self.signals.rejections.update(|r| {
                    r.push(RejectionView {
                        doc,
                        document_name: office,
                        code: rejection.code,
                        message_vi: rejection.message_vi.clone(),
                        message_en: rejection.message_en.clone(),
                        at_ms: js_sys::Date::now(),
                    })
                });
                if rejection.code != RejectCode::NotInCluster {
                    self.inner.borrow_mut().to_rebuild.push(doc);
                }
            }
            Event::ProtocolError { code, message, .. } => {
                if code.starts_with("token-") {
                    self.inner.borrow_mut().transport.stop_for_good();
                    let vi = match code.as_str() {
                        "token-revoked" => {
                            "Thiết bị này đã bị thu hồi quyền đồng bộ. Dữ liệu trên máy vẫn còn; hãy xin mã mới và đăng nhập lại."
                        }
                        _ => {
                            "Máy chủ không chấp nhận mã thiết bị. Dữ liệu trên máy vẫn còn; hãy kiểm tra mã và đăng nhập lại."
                        }
                    };
                    self.signals
                        .auth_problem
                        .set(Some((vi.to_string(), message)));
                } else {
                    web_sys::console::warn_1(&format!("relay: {code}: {message}").into());
                }
            }
            Event::StorageProblem { message, .. } => {
                web_sys::console::warn_1(&format!("storage: {message}").into());
            }
            Event::PeerReady { .. } | Event::DocUnavailable { .. } => {}
        }
    }

    /// Bring an older document this device may write up to the current schema
    /// version (one change, validated like any other edit).
    fn migrate_if_needed(&self, doc: DocumentId) {
        let needs = self
            .with_doc(&doc, shared::schema::migrate::needs_migration)
            .unwrap_or(false);
        if !needs || !self.can_write(&doc) {
            return;
        }
        let directory = self.inner.borrow().session.directory.clone();
        let result = self.change_with(
            &doc,
            "Nâng cấp dữ liệu lên phiên bản mới",
            |tx| shared::schema::migrate::migrate(tx, Some(&directory)).map(|_| ()),
        );
        if let Err(e) = result {
            web_sys::console::warn_1(&format!("could not upgrade {doc}: {e}").into());
        }
    }

    /// Pin the older top-level scores of this device's office document to
    /// the cluster's year, once both documents are here (see
    /// `shared::schema::review`): when the cluster moves on to the next
    /// year, they stay in the year they were given.
    fn pin_review_year(&self) {
        let (cluster, own) = {
            let inner = self.inner.borrow();
            let session = &inner.session;
            let own = session
                .office_entry()
                .and_then(|e| session.directory.office_doc(&e.code));
            (session.directory.cluster_doc(), own)
        };
        let (Some(cluster), Some(own)) = (cluster, own) else {
            return;
        };
        let Some(year) = self.with_doc(&cluster, |c| shared::schema::load_cluster(c).doc.year)
        else {
            return;
        };
        let unpinned = self
            .with_doc(&own, shared::schema::review::needs_pin)
            .unwrap_or(false);
        if !unpinned || year == 0 || !self.can_write(&own) {
            return;
        }
        let result = self.change_with(
            &own,
            &format!("Ghi nhận điểm chấm trước đây thuộc năm {year}"),
            |tx| shared::schema::review::pin_legacy_year(tx, year).map(|_| ()),
        );
        if let Err(e) = result {
            web_sys::console::warn_1(&format!("could not pin the review year: {e}").into());
        }
    }

    /// After a storage problem: in a few seconds, retry failed writes and
    /// (through the core's clock) failed loads, which are never shown empty.
    fn schedule_storage_retry(&self) {
        let d = self.clone();
        spawn_local(async move {
            sleep_ms(5_000).await;
            {
                let mut inner = d.inner.borrow_mut();
                let now_ms = js_sys::Date::now() as u64;
                inner.core.handle(Input::Tick { now_ms });
                inner.core.retry_storage();
            }
            d.pump();
        });
    }

    fn save_remote_heads(&self, doc: DocumentId, heads: Vec<ChangeHash>, now: f64) {
        let store = self.inner.borrow().store.clone();
        spawn_local(async move {
            let hex: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
            let value = serde_json::json!({ "heads": hex, "at": now }).to_string();
            let _ = store.put_setting(&format!("remote/{doc}"), &value).await;
        });
    }

    fn restore_remote_heads(&self, doc: DocumentId) {
        let d = self.clone();
        spawn_local(async move {
            let store = d.inner.borrow().store.clone();
            let Ok(Some(text)) = store.get_setting(&format!("remote/{doc}")).await else {
                return;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
                return;
            };
            let heads: Vec<ChangeHash> = v["heads"]
                .as_array()
                .map(|a| a.iter().filter_map(|h| h.as_str()?.parse().ok()).collect())
                .unwrap_or_default();
            {
                let mut inner = d.inner.borrow_mut();
                inner.core.set_remote_heads(&doc, heads);
                if let Some(at) = v["at"].as_f64() {
                    inner.synced_at.entry(doc).or_insert(at);
                }
            }
            d.pump();
        });
    }
}

fn commit_meta(session: &Session, summary: &str) -> CommitMeta {
    let message = serde_json::json!({
        "office": session.office,
        "device": session.device_label(),
        "deviceId": session.device,
        "summary": summary,
    })
    .to_string();
    CommitMeta {
        message: Some(message),
        time_secs: Some((js_sys::Date::now() / 1000.0) as i64),
    }
}

/// Wait `ms` milliseconds (setTimeout).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
