//! Chunk storage in PostgreSQL, shared by several relays (`serve --store
//! postgres://…`).
//!
//! - **The same three operations as the file store.** Chunks are immutable
//!   rows keyed by (document, kind, hash); `put` inserts (a chunk already
//!   there is fine), `delete` removes what compaction merged, `load` reads a
//!   document's rows. A `put` returns once PostgreSQL has committed it, so
//!   the sync core acknowledges nothing that is not in the database.
//! - **Fan-out between relays.** The statement that inserts an incremental
//!   chunk also sends `NOTIFY thidua_chunks` (delivered when it commits)
//!   with the relay's id and the chunk's key. Every relay listens
//!   ([`listen`]); on another relay's chunk it reads the row and gives it to
//!   the shard of that document, which merges it and syncs its own devices.
//!   A chunk already merged away by a compaction, or notifications lost
//!   while the listening connection was down, are made up for by reading
//!   the documents' rows again.
//! - **The schema is versioned** ([`MIGRATIONS`]) and brought up to date at
//!   start, under an advisory lock, by whichever relay starts first.
//! - **The cluster directory** lives in the same database (`thidua_meta`),
//!   so every relay serves the same cluster.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use shared::cluster::Directory;
use shared::protocol::DocumentId;
use shared::storage::{Chunk, ChunkKey, ChunkKind};
use tokio::sync::Mutex;
use tokio::sync::mpsc::error::TrySendError;
use tokio_postgres::{AsyncMessage, Client, NoTls};

use super::{RelayStore, StoreError};
use crate::hub::Hub;
use crate::tokens::{TokenError, TokenRecord, TokenStore, new_token, now_secs};

/// Schema versions, in order; version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[&str] = &[
    // 1: chunks and the cluster directory.
    "CREATE TABLE thidua_chunks (
        doc text NOT NULL,
        kind text NOT NULL,
        hash text NOT NULL,
        bytes bytea NOT NULL,
        PRIMARY KEY (doc, kind, hash)
    );
    CREATE TABLE thidua_meta (
        key text PRIMARY KEY,
        value text NOT NULL
    );",
    // 2: device tokens (hashes of their secrets only).
    "CREATE TABLE thidua_tokens (
        id text PRIMARY KEY,
        office text NOT NULL,
        device text NOT NULL,
        secret_hash text NOT NULL,
        issued_at bigint NOT NULL,
        revoked_at bigint
    );",
];

/// The channel of new chunks between relays.
const CHANNEL: &str = "thidua_chunks";
/// The channel of token changes (issued, revoked).
const TOKENS_CHANNEL: &str = "thidua_tokens";
/// Connections each relay keeps for reads and writes (the listener has its own).
const POOL: usize = 4;
/// How often a quiet listening connection is checked.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long one query of the store may take before it fails (and the core
/// retries the write or load).
const QUERY_LIMIT: Duration = Duration::from_secs(30);
/// How long a relay that cannot listen to the database keeps accepting the
/// tokens it knew (a revocation meanwhile reaches it only afterwards).
const TOKENS_GRACE: Duration = Duration::from_secs(30);
/// What the listener passes on for a notification on [`TOKENS_CHANNEL`].
const TOKENS_CHANGED: &str = "tokens";
/// Notifications read ahead of the chunk reads they ask for.
const NOTIFICATIONS: usize = 4096;

/// A PostgreSQL store (cheap to clone; clones share the connections).
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    /// This relay's id in notifications (its own chunks are not read back).
    relay: String,
    pool: Vec<Mutex<Option<Client>>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("relay", &self.inner.relay)
            .finish()
    }
}

fn pg_err(action: &'static str) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    move |source| StoreError::Postgres {
        action,
        message: source.to_string(),
    }
}

/// Connect once, driving the connection on its own task.
async fn connect(url: &str) -> Result<Client, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(pg_err("connect to"))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("a PostgreSQL connection closed: {e}");
        }
    });
    Ok(client)
}

impl PgStore {
    /// Connect, and bring the schema up to date.
    pub async fn open(url: &str, relay: &str) -> Result<Self, StoreError> {
        let mut client = connect(url).await?;
        migrate(&mut client).await?;
        let mut pool = vec![Mutex::new(Some(client))];
        pool.extend((1..POOL).map(|_| Mutex::new(None)));
        Ok(Self {
            inner: Arc::new(Inner {
                url: url.to_string(),
                relay: relay.to_string(),
                pool,
                next: AtomicUsize::new(0),
            }),
        })
    }

    /// Run `f` on one of the pool's connections, connecting (again) first
    /// if it is not open.
    async fn with_client<T>(
        &self,
        f: impl AsyncFnOnce(&Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let i = self.inner.next.fetch_add(1, Ordering::Relaxed) % self.inner.pool.len();
        let run = async {
            let mut slot = self.inner.pool[i].lock().await;
            if slot.as_ref().is_none_or(|c| c.is_closed()) {
                *slot = Some(connect(&self.inner.url).await?);
            }
            f(slot.as_ref().expect("connected above")).await
        };
        match tokio::time::timeout(QUERY_LIMIT, run).await {
            Ok(result) => result,
            Err(_) => {
                // Whatever the connection was doing, it is not trusted again.
                *self.inner.pool[i].lock().await = None;
                Err(StoreError::Postgres {
                    action: "reach",
                    message: format!("no answer within {} s", QUERY_LIMIT.as_secs()),
                })
            }
        }
    }

    /// The cluster directory, if one was set up.
    pub async fn directory(&self) -> Result<Option<Directory>, StoreError> {
        let value = self
            .with_client(async |c| {
                c.query_opt("SELECT value FROM thidua_meta WHERE key = 'directory'", &[])
                    .await
                    .map_err(pg_err("read the cluster directory from"))
            })
            .await?;
        value
            .map(|row| {
                serde_json::from_str(row.get::<_, &str>(0)).map_err(|e| StoreError::Postgres {
                    action: "read the cluster directory from",
                    message: format!("it is damaged ({e}); restore it from a backup"),
                })
            })
            .transpose()
    }

    /// Set up the cluster once: under a lock, `create` runs only if no relay
    /// has set up a directory yet; its chunks and directory are stored in
    /// one transaction. Returns the directory in the database.
    pub async fn set_up_once(
        &self,
        create: impl FnOnce() -> Result<(Directory, Vec<Chunk>), String>,
    ) -> Result<Directory, String> {
        let mut client = connect(&self.inner.url).await.map_err(|e| e.to_string())?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| format!("PostgreSQL: {e}"))?;
        let failed =
            |e: tokio_postgres::Error| format!("could not set up the cluster in PostgreSQL: {e}");
        tx.execute("SELECT pg_advisory_xact_lock(7461207275)", &[])
            .await
            .map_err(failed)?;
        if let Some(row) = tx
            .query_opt("SELECT value FROM thidua_meta WHERE key = 'directory'", &[])
            .await
            .map_err(failed)?
        {
            return serde_json::from_str(row.get::<_, &str>(0))
                .map_err(|e| format!("the cluster directory in PostgreSQL is damaged ({e})"));
        }
        let (directory, chunks) = create()?;
        for chunk in &chunks {
            tx.execute(
                "INSERT INTO thidua_chunks (doc, kind, hash, bytes) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[
                    &chunk.key.doc.to_string(),
                    &chunk.key.kind.as_str(),
                    &chunk.key.hash,
                    &chunk.bytes,
                ],
            )
            .await
            .map_err(failed)?;
        }
        let json = serde_json::to_string(&directory).expect("directory serializes");
        tx.execute(
            "INSERT INTO thidua_meta (key, value) VALUES ('directory', $1)",
            &[&json],
        )
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(directory)
    }

    /// Every token record.
    pub async fn token_records(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = self
            .with_client(async |c| {
                c.query(
                    "SELECT id, office, device, secret_hash, issued_at, revoked_at
                     FROM thidua_tokens ORDER BY issued_at, id",
                    &[],
                )
                .await
                .map_err(pg_err("read the device tokens from"))
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| TokenRecord {
                id: r.get(0),
                office: r.get(1),
                device: r.get(2),
                secret_hash: r.get(3),
                issued_at: r.get::<_, i64>(4).max(0) as u64,
                revoked_at: r.get::<_, Option<i64>>(5).map(|t| t.max(0) as u64),
            })
            .collect())
    }

    /// Issue one token per `(office, device)`; every relay of the database
    /// accepts them at once. Returns the tokens (shown once) and records.
    pub async fn issue_tokens(
        &self,
        devices: &[(&str, &str)],
    ) -> Result<Vec<(String, TokenRecord)>, TokenError> {
        let issued = devices
            .iter()
            .map(|(office, device)| new_token(office, device))
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<&str> = issued.iter().map(|(_, r)| r.id.as_str()).collect();
        let offices: Vec<&str> = issued.iter().map(|(_, r)| r.office.as_str()).collect();
        let names: Vec<&str> = issued.iter().map(|(_, r)| r.device.as_str()).collect();
        let hashes: Vec<&str> = issued.iter().map(|(_, r)| r.secret_hash.as_str()).collect();
        let at: Vec<i64> = issued.iter().map(|(_, r)| r.issued_at as i64).collect();
        self.with_client(async |c| {
            c.execute(
                "WITH ins AS (
                     INSERT INTO thidua_tokens (id, office, device, secret_hash, issued_at)
                     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
                 )
                 SELECT pg_notify($6, 'issued')",
                &[&ids, &offices, &names, &hashes, &at, &TOKENS_CHANNEL],
            )
            .await
            .map_err(pg_err("write device tokens to"))
        })
        .await?;
        Ok(issued)
    }

    /// Revoke every token `what` names ([`TokenRecord::matches`]); every
    /// relay of the database refuses them at once and closes their
    /// connections. Returns how many were revoked.
    pub async fn revoke_tokens(&self, what: &str) -> Result<usize, TokenError> {
        let matching: Vec<String> = self
            .token_records()
            .await?
            .into_iter()
            .filter(|r| r.revoked_at.is_none() && r.matches(what))
            .map(|r| r.id)
            .collect();
        if matching.is_empty() {
            return Err(TokenError::NotFound(what.to_string()));
        }
        let now = now_secs() as i64;
        let n = self
            .with_client(async |c| {
                c.query_one(
                    "WITH upd AS (
                         UPDATE thidua_tokens SET revoked_at = $2
                         WHERE id = ANY($1) AND revoked_at IS NULL RETURNING id
                     )
                     SELECT count(*), pg_notify($3, 'revoked') FROM upd",
                    &[&matching, &now, &TOKENS_CHANNEL],
                )
                .await
                .map_err(pg_err("revoke device tokens in"))
            })
            .await?
            .get::<_, i64>(0);
        Ok(n as usize)
    }

    /// Documents that have at least one chunk.
    pub async fn documents(&self) -> Result<Vec<DocumentId>, StoreError> {
        let rows = self
            .with_client(async |c| {
                c.query("SELECT DISTINCT doc FROM thidua_chunks", &[])
                    .await
                    .map_err(pg_err("list the documents of"))
            })
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.get::<_, &str>(0).parse().ok())
            .collect())
    }

    /// Set the cluster directory (`migrate-store`: written last).
    pub async fn set_directory(&self, directory: &Directory) -> Result<(), StoreError> {
        let json = serde_json::to_string(directory).expect("directory serializes");
        self.with_client(async |c| {
            c.execute(
                "INSERT INTO thidua_meta (key, value) VALUES ('directory', $1)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&json],
            )
            .await
            .map_err(pg_err("write the cluster directory to"))
        })
        .await?;
        Ok(())
    }

    /// Add token records as they are (`migrate-store`); records whose id is
    /// there already are left as they are.
    pub async fn import_tokens(&self, records: &[TokenRecord]) -> Result<(), StoreError> {
        for r in records {
            let revoked = r.revoked_at.map(|t| t as i64);
            self.with_client(async |c| {
                c.execute(
                    "INSERT INTO thidua_tokens (id, office, device, secret_hash, issued_at, revoked_at)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                    &[&r.id, &r.office, &r.device, &r.secret_hash, &(r.issued_at as i64), &revoked],
                )
                .await
                .map_err(pg_err("write device tokens to"))
            })
            .await?;
        }
        Ok(())
    }

    /// Every chunk of a document, as rows.
    async fn rows(&self, doc: DocumentId) -> Result<Vec<Chunk>, StoreError> {
        let rows = self
            .with_client(async |c| {
                c.query(
                    "SELECT kind, hash, bytes FROM thidua_chunks WHERE doc = $1",
                    &[&doc.to_string()],
                )
                .await
                .map_err(pg_err("read chunks from"))
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let kind = ChunkKind::parse(row.get(0))?;
                Some(Chunk {
                    key: ChunkKey {
                        doc,
                        kind,
                        hash: row.get(1),
                    },
                    bytes: row.get(2),
                })
            })
            .collect())
    }

    /// One chunk, if it is still there.
    async fn chunk(&self, key: &ChunkKey) -> Result<Option<Chunk>, StoreError> {
        let row = self
            .with_client(async |c| {
                c.query_opt(
                    "SELECT bytes FROM thidua_chunks WHERE doc = $1 AND kind = $2 AND hash = $3",
                    &[&key.doc.to_string(), &key.kind.as_str(), &key.hash],
                )
                .await
                .map_err(pg_err("read a chunk from"))
            })
            .await?;
        Ok(row.map(|r| Chunk {
            key: key.clone(),
            bytes: r.get(0),
        }))
    }
}

/// Bring the schema up to date, one version per transaction.
async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client
        .transaction()
        .await
        .map_err(pg_err("update the schema of"))?;
    // The lock first: two relays starting at once on a new database would
    // otherwise race on creating the version table.
    tx.execute("SELECT pg_advisory_xact_lock(7461207274)", &[])
        .await
        .map_err(pg_err("update the schema of"))?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS thidua_schema (version integer NOT NULL)")
        .await
        .map_err(pg_err("update the schema of"))?;
    let version: i32 = tx
        .query_opt("SELECT version FROM thidua_schema", &[])
        .await
        .map_err(pg_err("update the schema of"))?
        .map_or(0, |r| r.get(0));
    if version as usize > MIGRATIONS.len() {
        return Err(StoreError::Postgres {
            action: "use",
            message: format!(
                "the database's schema is version {version}, newer than this relay knows ({}); run a newer thidua-relay",
                MIGRATIONS.len()
            ),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(sql)
            .await
            .map_err(pg_err("update the schema of"))?;
        tracing::info!("PostgreSQL schema updated to version {}", i + 1);
    }
    let latest = MIGRATIONS.len() as i32;
    if version == 0 {
        tx.execute(
            "INSERT INTO thidua_schema (version) VALUES ($1)",
            &[&latest],
        )
        .await
        .map_err(pg_err("update the schema of"))?;
    } else {
        tx.execute("UPDATE thidua_schema SET version = $1", &[&latest])
            .await
            .map_err(pg_err("update the schema of"))?;
    }
    tx.commit().await.map_err(pg_err("update the schema of"))
}

impl RelayStore for PgStore {
    async fn load(&self, doc: DocumentId) -> Result<Vec<Chunk>, StoreError> {
        self.rows(doc).await
    }

    async fn put(&self, chunk: Chunk) -> Result<(), StoreError> {
        // Only incremental chunks are news to the other relays: a snapshot
        // holds what they merged already, and sync states are read at load.
        let notify = if chunk.key.kind == ChunkKind::Incremental {
            format!("{} {}", self.inner.relay, chunk.key)
        } else {
            String::new()
        };
        self.with_client(async |c| {
            c.execute(
                "WITH ins AS (
                     INSERT INTO thidua_chunks (doc, kind, hash, bytes) VALUES ($1, $2, $3, $4)
                     ON CONFLICT DO NOTHING
                 )
                 SELECT pg_notify($5, $6) WHERE $6 <> ''",
                &[
                    &chunk.key.doc.to_string(),
                    &chunk.key.kind.as_str(),
                    &chunk.key.hash,
                    &chunk.bytes,
                    &CHANNEL,
                    &notify,
                ],
            )
            .await
            .map_err(pg_err("write a chunk to"))
        })
        .await?;
        Ok(())
    }

    async fn delete(&self, keys: Vec<ChunkKey>) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let docs: Vec<String> = keys.iter().map(|k| k.doc.to_string()).collect();
        let kinds: Vec<&str> = keys.iter().map(|k| k.kind.as_str()).collect();
        let hashes: Vec<&str> = keys.iter().map(|k| k.hash.as_str()).collect();
        self.with_client(async |c| {
            c.execute(
                "DELETE FROM thidua_chunks t
                 USING unnest($1::text[], $2::text[], $3::text[]) AS d(doc, kind, hash)
                 WHERE t.doc = d.doc AND t.kind = d.kind AND t.hash = d.hash",
                &[&docs, &kinds, &hashes],
            )
            .await
            .map_err(pg_err("delete chunks from"))
        })
        .await?;
        Ok(())
    }
}

/// Listen for other relays' chunks for as long as the relay runs: each one
/// is read and delivered; after a (re)connection every document of `docs`
/// is read again whole (notifications sent while nobody listened are lost).
///
/// Returns whether it listens now (what `/healthz` reports).
pub fn listen(
    store: PgStore,
    docs: Vec<DocumentId>,
    hub: Hub,
    tokens: Arc<TokenStore>,
) -> Arc<AtomicBool> {
    let hearing = Arc::new(AtomicBool::new(false));
    let listening = hearing.clone();
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(200);
        let mut down_since: Option<std::time::Instant> = None;
        loop {
            // Revocations may be missed while nobody listens: past a grace
            // period (a database restart), fail closed.
            if down_since.is_some_and(|t| t.elapsed() >= TOKENS_GRACE) {
                tokens.replace(Err(format!(
                    "the database could not be reached for more than {} s",
                    TOKENS_GRACE.as_secs()
                )));
            }
            if let Err(e) = listen_once(&store, &docs, &hub, &tokens, &listening).await {
                tracing::warn!("listening to other relays' changes: {e}; trying again");
            }
            if listening.swap(false, Ordering::AcqRel) {
                // It listened (and read the tokens) before it failed.
                delay = Duration::from_millis(200);
                down_since = None;
            }
            down_since.get_or_insert_with(std::time::Instant::now);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    });
    hearing
}

/// Every document's rows, to the shards: a shard merges what it has not
/// merged yet into a loaded document, keeps them for one that is loading
/// (its load may have read the rows before them), and drops them for one
/// it does not hold (its next load reads them).
async fn read_again(store: &PgStore, docs: &[DocumentId], hub: &Hub) -> Result<(), StoreError> {
    for doc in docs {
        hub.external(*doc, store.rows(*doc).await?).await;
    }
    Ok(())
}

async fn listen_once(
    store: &PgStore,
    docs: &[DocumentId],
    hub: &Hub,
    tokens: &TokenStore,
    listening: &AtomicBool,
) -> Result<(), StoreError> {
    let (client, mut connection) = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_postgres::connect(&store.inner.url, NoTls),
    )
    .await
    .map_err(|_| StoreError::Postgres {
        action: "listen to",
        message: "no answer within 10 s".into(),
    })?
    .map_err(pg_err("listen to"))?;
    // Bounded: past it, notifications are dropped and every document is
    // read again instead.
    let (tx, mut rx) = tokio::sync::mpsc::channel(NOTIFICATIONS);
    let lagged = Arc::new(AtomicBool::new(false));
    let lagging = lagged.clone();
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    let message = if n.channel() == TOKENS_CHANNEL {
                        TOKENS_CHANGED.to_string()
                    } else {
                        n.payload().to_string()
                    };
                    match tx.try_send(message) {
                        Ok(()) => {}
                        Err(TrySendError::Full(_)) => lagging.store(true, Ordering::Release),
                        Err(TrySendError::Closed(_)) => return,
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!("the PostgreSQL listening connection failed: {e}");
                    return;
                }
                None => return,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {TOKENS_CHANNEL}"))
        .await
        .map_err(pg_err("listen to"))?;
    // What was written while nobody listened.
    tokens.replace(Ok(store.token_records().await?));
    listening.store(true, Ordering::Release);
    read_again(store, docs, hub).await?;
    loop {
        // A connection that died without a word is found by asking.
        let payload = match tokio::time::timeout(HEARTBEAT, rx.recv()).await {
            Ok(Some(payload)) => payload,
            Ok(None) => break,
            Err(_) => {
                match tokio::time::timeout(HEARTBEAT, client.simple_query("SELECT 1")).await {
                    Ok(Ok(_)) => continue,
                    _ => break,
                }
            }
        };
        if lagged.swap(false, Ordering::AcqRel) {
            tokens.replace(Ok(store.token_records().await?));
            read_again(store, docs, hub).await?;
        }
        if payload == TOKENS_CHANGED {
            tokens.replace(Ok(store.token_records().await?));
            continue;
        }
        let Some((relay, key)) = payload.split_once(' ') else {
            continue;
        };
        if relay == store.inner.relay {
            continue;
        }
        let Some(key) = ChunkKey::parse(key) else {
            continue;
        };
        match store.chunk(&key).await? {
            Some(chunk) => hub.external(key.doc, vec![chunk]).await,
            // Merged into a snapshot by a compaction meanwhile: read the
            // document's rows (the snapshot holds it).
            None => hub.external(key.doc, store.rows(key.doc).await?).await,
        }
    }
    driver.abort();
    let _ = driver.await;
    Err(StoreError::Postgres {
        action: "listen to",
        message: "the connection closed".into(),
    })
}
