//! # The Thi Đua relay
//!
//! Stores every office's automerge document durably under a data directory,
//! merges the changes of all devices over the automerge-repo v1 WebSocket
//! protocol (`/sync`), lets each device write only its own office's document,
//! and serves the cluster directory and (when built) the app.
//!
//! Parts: [`store`] (chunks on disk), [`tokens`] (device tokens), [`hub`] (the
//! task owning the sans-IO sync core), [`ws`] (one task per socket), [`http`]
//! (routes), [`demo`] (the demo cluster; its year of data is
//! [`shared::demo`], re-exported as [`demo_year`], [`demo_records`] and
//! [`demo_names`]), [`export`] (the cluster summary as JSON, XLSX, CSV), [`client`] (a native client shell around
//! the same core, for tests and debugging).

pub mod client;
pub mod demo;
pub mod export;
pub mod faults;
pub mod http;
pub mod hub;
pub mod migrate;
pub mod store;
pub mod tokens;
pub mod ws;

pub use shared::demo::{names as demo_names, records as demo_records, year as demo_year};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use shared::cluster::{ClusterPolicy, Directory};
use shared::core::{Config, Role};
use shared::protocol::PeerId;

use crate::hub::Hub;
use crate::store::{FileStore, PgStore};
use crate::tokens::TokenStore;

/// Limits a relay enforces, each with a clear error when exceeded. What one
/// message may cost inside the sync core is [`shared::core::Limits`]
/// (`gate`).
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_frame_bytes: usize,
    pub max_docs_per_connection: usize,
    pub idle_timeout: Duration,
    /// Open sync connections in total.
    pub max_connections: usize,
    /// Open sync connections of one token (one device).
    pub max_connections_per_token: usize,
    /// New connections of one token per minute.
    pub connects_per_minute: u32,
    /// Bytes queued to one connection that it has not read yet.
    pub max_outbox_bytes: usize,
    /// How long one frame may take to write to a device.
    pub write_timeout: Duration,
    /// How often open connections re-check that their token is not revoked.
    pub revocation_check: Duration,
    /// What one device's input may cost the sync core.
    pub gate: shared::core::Limits,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 16 * 1024 * 1024,
            max_docs_per_connection: 64,
            idle_timeout: Duration::from_secs(90),
            max_connections: 20_000,
            max_connections_per_token: 8,
            connects_per_minute: 120,
            max_outbox_bytes: 64 * 1024 * 1024,
            write_timeout: Duration::from_secs(30),
            revocation_check: Duration::from_secs(2),
            gate: shared::core::Limits::default(),
        }
    }
}

/// How to run a relay.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Create the demo cluster on first start, print sign-in tokens on every start.
    pub demo: bool,
    /// Directory of the built app, served at `/`.
    pub static_dir: Option<PathBuf>,
    pub limits: Limits,
    /// Storage failures on command (tests and drills); `None` in production.
    pub faults: Option<Arc<faults::Faults>>,
    /// Worker threads that documents are spread over; 0: one per core.
    pub workers: usize,
    /// `postgres://…`: keep documents and the cluster directory in
    /// PostgreSQL, shared with other relays of the same database, instead
    /// of `data_dir` (which then holds only the token file).
    pub store: Option<String>,
}

/// Everything request handlers share.
pub struct AppState {
    pub hub: Hub,
    pub tokens: Arc<TokenStore>,
    pub directory: Directory,
    pub limits: Limits,
    pub next_conn: AtomicU64,
    /// Open connections, in total and per token (see [`ws::ConnSlot`]).
    pub connections: ws::Connections,
    /// On PostgreSQL: whether the relay listens to the other relays'
    /// changes now (`None`: one relay on a data directory).
    pub hears_other_relays: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl AppState {
    /// Whether storage works (what `/healthz` reports).
    pub fn storage_health(&self) -> shared::core::StorageHealth {
        self.hub.storage_health()
    }
}

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    DataDir(String),
    #[error("no cluster is set up in {0}: start once with --demo to create the demo cluster")]
    NoCluster(PathBuf),
    #[error(
        "no cluster is set up in the PostgreSQL database: start once with --demo to create the demo cluster, or copy a data directory in with migrate-store"
    )]
    NoClusterInDatabase,
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("could not listen on {addr}: {source} (is another relay already running there?)")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
    #[error(transparent)]
    Token(#[from] tokens::TokenError),
}

/// A token printed for the demo.
#[derive(Clone, Debug)]
pub struct DemoToken {
    pub office: String,
    pub province: String,
    pub token: String,
}

/// A started relay.
pub struct Running {
    pub addr: SocketAddr,
    pub directory: Directory,
    pub demo_tokens: Vec<DemoToken>,
    pub hub: Hub,
    server: tokio::task::JoinHandle<()>,
}

impl Running {
    /// The base HTTP URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serve until Ctrl-C or SIGTERM, then let in-flight writes finish.
    pub async fn run_until_signal(mut self) {
        let term = async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{SignalKind, signal};
                match signal(SignalKind::terminate()) {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            }
            #[cfg(not(unix))]
            std::future::pending::<()>().await
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
            _ = &mut self.server => {}
        }
        tracing::info!("stopping: waiting for writes in flight");
        let _ = tokio::time::timeout(Duration::from_secs(10), self.hub.flush()).await;
    }
}

/// One demo device per office: `(office, "demo")`.
fn demo_devices(directory: &Directory) -> Vec<(&str, &str)> {
    directory
        .offices
        .iter()
        .map(|o| (o.code.as_str(), "demo"))
        .collect()
}

/// Where the relay keeps documents.
enum Store {
    File(FileStore),
    Postgres(PgStore),
}

/// The data directory's cluster, created for the demo if asked.
fn file_directory(store: &FileStore, opts: &ServeOptions) -> Result<Directory, StartError> {
    match demo::read_directory(&opts.data_dir).map_err(StartError::DataDir)? {
        Some(d) => Ok(d),
        None if opts.demo => {
            let d = demo::create(store)?;
            demo::write_directory(&opts.data_dir, &d)
                .map_err(|e| StartError::DataDir(e.to_string()))?;
            tracing::info!("created the demo cluster in {}", opts.data_dir.display());
            Ok(d)
        }
        None => Err(StartError::NoCluster(opts.data_dir.clone())),
    }
}

/// Open the store, create the demo cluster if asked, bind and serve.
pub async fn start(opts: ServeOptions) -> Result<Running, StartError> {
    std::fs::create_dir_all(&opts.data_dir).map_err(|e| {
        StartError::DataDir(format!(
            "could not create data directory {}: {e}",
            opts.data_dir.display()
        ))
    })?;
    let relay_id = hex::encode(tokens::random_bytes::<6>()?);
    let store = match &opts.store {
        None => Store::File(
            FileStore::open(&opts.data_dir).map_err(|e| StartError::DataDir(e.to_string()))?,
        ),
        Some(url) => Store::Postgres(PgStore::open(url, &relay_id).await?),
    };
    let directory = match &store {
        Store::File(files) => file_directory(files, &opts)?,
        Store::Postgres(pg) => match pg.directory().await? {
            Some(d) => d,
            None if opts.demo => pg
                .set_up_once(|| demo::generate().map_err(|e| e.to_string()))
                .await
                .map_err(StartError::DataDir)?,
            None => return Err(StartError::NoClusterInDatabase),
        },
    };
    // Device tokens: the data directory's file, or the database's table.
    let (tokens, issued) = match &store {
        Store::File(_) => {
            let tokens = TokenStore::open(&opts.data_dir);
            let issued = if opts.demo {
                tokens.issue_many(&demo_devices(&directory))?
            } else {
                Vec::new()
            };
            (tokens, issued)
        }
        Store::Postgres(pg) => {
            let issued = if opts.demo {
                pg.issue_tokens(&demo_devices(&directory)).await?
            } else {
                Vec::new()
            };
            let tokens = TokenStore::published();
            tokens.replace(Ok(pg.token_records().await?));
            (tokens, issued)
        }
    };
    let tokens = Arc::new(tokens);
    let demo_tokens = issued
        .into_iter()
        .zip(&directory.offices)
        .map(|((token, _), o)| DemoToken {
            office: o.code.clone(),
            province: o.province.clone(),
            token,
        })
        .collect();
    let mut cfg = Config::new(PeerId(format!("thidua-relay-{relay_id}")), Role::Relay);
    cfg.storage_id = Some(format!("thidua-relay-storage-{}", directory.cluster_url));
    cfg.max_frame_bytes = opts.limits.max_frame_bytes;
    cfg.max_docs_per_connection = opts.limits.max_docs_per_connection;
    cfg.limits = opts.limits.gate.clone();
    let policy = ClusterPolicy::new(directory.clone());
    let hub_opts = hub::HubOptions {
        workers: match opts.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        },
        max_outbox_bytes: opts.limits.max_outbox_bytes,
    };
    let (hub, hears_other_relays) = match (store, &opts.faults) {
        (Store::File(files), Some(f)) => (
            hub::spawn(
                policy,
                faults::FaultyStore::new(files, f.clone()),
                cfg,
                hub_opts,
            ),
            None,
        ),
        (Store::File(files), None) => (hub::spawn(policy, files, cfg, hub_opts), None),
        (Store::Postgres(pg), _) => {
            let hub = hub::spawn(policy, pg.clone(), cfg, hub_opts);
            let hearing = store::listen(pg, directory.all_docs(), hub.clone(), tokens.clone());
            (hub, Some(hearing))
        }
    };
    let state = Arc::new(AppState {
        hub: hub.clone(),
        tokens,
        directory: directory.clone(),
        limits: opts.limits.clone(),
        next_conn: AtomicU64::new(1),
        connections: ws::Connections::default(),
        hears_other_relays,
    });
    let router = http::router(state, opts.static_dir.clone());
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: opts.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: opts.listen,
        source,
    })?;
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!("server stopped: {e}");
        }
    });
    Ok(Running {
        addr,
        directory,
        demo_tokens,
        hub,
        server,
    })
}
