//! `thidua-relay`: run the relay, manage device tokens, or poke a relay as a client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use relay::client::{Client, ClientOptions, ClientStorage};
use relay::tokens::TokenStore;
use relay::{Limits, ServeOptions};
use shared::protocol::DocumentId;

#[derive(Parser)]
#[command(
    name = "thidua-relay",
    version,
    about = "Thi Đua relay: sync, storage and rights for a TĐKT cluster"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync WebSocket, the API and the app.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
        /// Keep the documents and the cluster directory in PostgreSQL
        /// (postgres://user@host/db), shared by every relay given the same
        /// address, instead of the data directory (which then keeps only
        /// the device tokens).
        #[arg(long, env = "THIDUA_STORE")]
        store: Option<String>,
        /// Create the demo cluster on first start; print sign-in links on every start.
        #[arg(long)]
        demo: bool,
        /// Directory of the built app (served at /).
        #[arg(long)]
        static_dir: Option<PathBuf>,
        /// Largest accepted frame, in bytes.
        #[arg(long, default_value_t = 16 * 1024 * 1024)]
        max_frame_bytes: usize,
        /// Most documents one connection may sync.
        #[arg(long, default_value_t = 64)]
        max_docs_per_connection: usize,
        /// Close connections silent for this many seconds.
        #[arg(long, default_value_t = 90)]
        idle_timeout_secs: u64,
        /// Most open sync connections in total.
        #[arg(long, default_value_t = 20_000)]
        max_connections: usize,
        /// Most open sync connections of one device token.
        #[arg(long, default_value_t = 8)]
        max_connections_per_token: usize,
        /// Worker threads the documents are spread over (0: one per core).
        #[arg(long, default_value_t = 0)]
        workers: usize,
    },
    /// Issue or revoke device tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
        /// The relays' PostgreSQL database (postgres://…): act on its tokens
        /// instead of the data directory's; every relay on it sees the change.
        #[arg(long, global = true, env = "THIDUA_STORE")]
        store: Option<String>,
    },
    /// Copy a whole store (documents, device tokens, cluster directory) into
    /// an empty one, checking every document's heads: a data directory into
    /// PostgreSQL, or back. Stop the relays that write the source first:
    /// what they write during the copy is not copied.
    MigrateStore {
        /// A data directory, or postgres://…
        #[arg(long)]
        from: String,
        /// An empty data directory, or postgres://… of an empty database
        #[arg(long)]
        to: String,
    },
    /// Connect as a device, sync one document, optionally set a field, print it as JSON.
    Client {
        /// e.g. ws://127.0.0.1:8080/sync
        #[arg(long)]
        url: String,
        #[arg(long)]
        token: String,
        /// automerge: URL of the document
        #[arg(long)]
        doc: String,
        /// Set a top-level text field: key=value
        #[arg(long)]
        set: Option<String>,
        #[arg(long, default_value_t = 10)]
        timeout_secs: u64,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Print one new token for a device of an office.
    Issue {
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
        #[arg(long)]
        office: String,
        #[arg(long, default_value = "device")]
        device: String,
    },
    /// Revoke by token, token id, or OFFICE/DEVICE.
    Revoke {
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
        what: String,
    },
    /// List issued tokens (never the secrets).
    List {
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Token {
            action,
            store: Some(url),
        } => runtime().block_on(token_in_database(action, url)),
        Command::Token {
            action,
            store: None,
        } => token(action),
        Command::Serve {
            listen,
            data_dir,
            demo,
            static_dir,
            max_frame_bytes,
            max_docs_per_connection,
            idle_timeout_secs,
            max_connections,
            max_connections_per_token,
            workers,
            store,
        } => runtime().block_on(serve(ServeOptions {
            listen,
            data_dir,
            demo,
            static_dir,
            limits: Limits {
                max_frame_bytes,
                max_docs_per_connection,
                idle_timeout: Duration::from_secs(idle_timeout_secs),
                max_connections,
                max_connections_per_token,
                ..Limits::default()
            },
            faults: None,
            workers,
            store,
        })),
        Command::MigrateStore { from, to } => runtime().block_on(migrate_store(from, to)),
        Command::Client {
            url,
            token,
            doc,
            set,
            timeout_secs,
        } => runtime().block_on(client(url, token, doc, set, timeout_secs)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("thidua-relay: {e}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// `token issue|revoke|list`. Issue and revoke lock `tokens.lock` in the data
/// directory around their change, so they are safe against each other and
/// against a relay issuing demo tokens; a running relay sees the change at
/// once. A damaged `tokens.json` is never written over.
fn token(action: TokenAction) -> Result<(), String> {
    match action {
        TokenAction::Issue {
            data_dir,
            office,
            device,
        } => {
            match relay::demo::read_directory(&data_dir) {
                Ok(Some(dir)) if dir.office(&office).is_none() => {
                    let codes: Vec<&str> = dir.offices.iter().map(|o| o.code.as_str()).collect();
                    return Err(format!(
                        "office {office:?} is not in the cluster; known offices: {}",
                        codes.join(", ")
                    ));
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(format!(
                        "{e}; the office {office:?} cannot be checked, so no token was issued"
                    ));
                }
            }
            std::fs::create_dir_all(&data_dir).map_err(|e| e.to_string())?;
            let (token, record) = TokenStore::open(&data_dir)
                .issue(&office, &device)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "issued token {} for {}/{} (shown once; a running relay accepts it at once)",
                record.id, record.office, record.device
            );
            println!("{token}");
            Ok(())
        }
        TokenAction::Revoke { data_dir, what } => {
            let n = TokenStore::open(&data_dir)
                .revoke(&what)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "revoked {n} token(s); a running relay refuses them at once and closes their open connections"
            );
            Ok(())
        }
        TokenAction::List { data_dir } => {
            let records = TokenStore::open(&data_dir)
                .records()
                .map_err(|e| e.to_string())?;
            print_tokens(&records);
            Ok(())
        }
    }
}

/// One line per token: id, office, device, state.
fn print_tokens(records: &[relay::tokens::TokenRecord]) {
    for r in records {
        let state = if r.revoked_at.is_some() {
            "revoked"
        } else {
            "active"
        };
        println!("{}\t{}\t{}\t{state}", r.id, r.office, r.device);
    }
}

/// `token issue|revoke|list --store postgres://…`: the same, on the
/// database's table (every relay of the database is told at once).
async fn token_in_database(action: TokenAction, url: String) -> Result<(), String> {
    let pg = relay::store::PgStore::open(&url, "token-cli")
        .await
        .map_err(|e| e.to_string())?;
    match action {
        TokenAction::Issue { office, device, .. } => {
            let directory = pg.directory().await.map_err(|e| e.to_string())?;
            match directory {
                Some(dir) if dir.office(&office).is_none() => {
                    let codes: Vec<&str> = dir.offices.iter().map(|o| o.code.as_str()).collect();
                    return Err(format!(
                        "office {office:?} is not in the cluster; known offices: {}",
                        codes.join(", ")
                    ));
                }
                Some(_) => {}
                None => {
                    return Err(format!(
                        "no cluster is set up in the database, so the office {office:?} cannot be checked and no token was issued"
                    ));
                }
            }
            let (token, record) = pg
                .issue_tokens(&[(&office, &device)])
                .await
                .map_err(|e| e.to_string())?
                .remove(0);
            eprintln!(
                "issued token {} for {}/{} (shown once; every relay of the database accepts it at once)",
                record.id, record.office, record.device
            );
            println!("{token}");
        }
        TokenAction::Revoke { what, .. } => {
            let n = pg.revoke_tokens(&what).await.map_err(|e| e.to_string())?;
            eprintln!(
                "revoked {n} token(s); every relay of the database refuses them at once and closes their open connections"
            );
        }
        TokenAction::List { .. } => {
            let records = pg.token_records().await.map_err(|e| e.to_string())?;
            print_tokens(&records);
        }
    }
    Ok(())
}

async fn migrate_store(from: String, to: String) -> Result<(), String> {
    use relay::migrate::{Location, migrate};
    let (from, to) = (Location::parse(&from), Location::parse(&to));
    let copied = migrate(&from, &to).await?;
    eprintln!(
        "copied {} documents ({} chunks, every document's heads checked) and {} device tokens from {from} to {to}",
        copied.documents, copied.chunks, copied.tokens
    );
    Ok(())
}

async fn serve(opts: ServeOptions) -> Result<(), String> {
    let static_dir = opts.static_dir.clone();
    let running = relay::start(opts).await.map_err(|e| e.to_string())?;
    let url = running.url();
    println!("Thi Đua relay: {url}  (sync: ws://{}/sync)", running.addr);
    if static_dir.is_none() {
        println!("  (the app is not served: pass --static-dir dist)");
    }
    if !running.demo_tokens.is_empty() {
        println!("Demo cluster: {}", running.directory.cluster);
        println!("Sign in on a device by opening its office's link:");
        for t in &running.demo_tokens {
            println!(
                "  {:<4} {:<12} {url}/#/dang-nhap?token={}",
                t.office, t.province, t.token
            );
        }
    }
    println!("Open {url} in a browser.");
    running.run_until_signal().await;
    Ok(())
}

async fn client(
    url: String,
    token: String,
    doc: String,
    set: Option<String>,
    timeout_secs: u64,
) -> Result<(), String> {
    let doc = DocumentId::parse_any(&doc).map_err(|e| e.to_string())?;
    let c = Client::start(ClientOptions {
        url,
        token,
        name: "cli".into(),
        storage: ClientStorage::Memory,
        online: true,
    })?;
    c.open(doc);
    let timeout = Duration::from_secs(timeout_secs);
    c.wait_synced(doc, timeout).await.map_err(|e| {
        format!("{e} (check the URL and token; the relay's reason, if any, was logged above)")
    })?;
    if let Some(kv) = set {
        let (k, v) = kv
            .split_once('=')
            .ok_or("--set needs key=value".to_string())?;
        let (k, v) = (k.to_string(), v.to_string());
        c.change(doc, move |tx| {
            use automerge::transaction::Transactable;
            tx.put(automerge::ROOT, k, v)?;
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?;
        c.wait_synced(doc, timeout)
            .await
            .map_err(|e| e.to_string())?;
    }
    let json = c
        .read(move |v| {
            v.core.doc(&doc).map(|d| {
                serde_json::to_string_pretty(&automerge::AutoSerde::from(d)).unwrap_or_default()
            })
        })
        .await
        .unwrap_or_default();
    println!("{json}");
    Ok(())
}
