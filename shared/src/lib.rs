//! # Thi Đua shared crate
//!
//! Everything that must behave the same in the browser (wasm32) and on the
//! relay: the automerge-repo wire protocol, the sans-IO sync core, the
//! storage-chunk model, the document schema, the TĐKT rules, the cluster
//! summary and its exports (tables, CSV and, with the feature `xlsx`, Excel
//! workbooks). Nothing here touches sockets, clocks, threads or storage
//! engines: shells pass inputs in and carry the resulting actions out.
//!
//! ## The model
//!
//! - Each provincial office has one automerge **document**; the cluster has
//!   one more (its members, leader, scoring table). A [`cluster::Directory`]
//!   names them; [`cluster::ClusterPolicy`] says who may write which: a
//!   device writes its own office's document, and the cluster document only
//!   while its office leads the cluster; everyone in the cluster reads all.
//! - A **[`core::Core`]** holds the documents a node has loaded and speaks the
//!   automerge-repo v1 protocol ([`protocol`]) with its peers. The relay runs
//!   one core for every connection; each browser tab runs one core with one
//!   connection, to its relay.
//! - **Every change from a device passes the [`core::gate`]** (framing and
//!   cost under a budget, rights before parsing, a scratch apply with the
//!   operation that applies for real, then rights, sizes and the [`schema`]
//!   validated on exactly the changes that will be committed). Local edits
//!   pass the same checks before they commit, so an honest user never meets
//!   a refusal.
//! - **Nothing is acknowledged before it is durable**: the core holds every
//!   outgoing sync message while a chunk it would advertise is being stored.
//!   Chunks ([`storage`]) are content-addressed snapshots and incrementals;
//!   compaction deletes only what it merged.
//!
//! ## The run loop
//!
//! A shell feeds [`core::Input`]s in and carries [`core::Action`]s out. The
//! relay (`server/src/hub.rs`), the browser (`app/src/sync/`) and the
//! deterministic simulator ([`sim`]) all look like this. Sync messages are
//! generated when the shell polls, once per document and peer for all the
//! inputs fed since the last poll: a busy shell feeds what is waiting, then
//! polls (the relay's hub takes up to 64 frames at a time).
//!
//! ```no_run
//! use shared::core::{Action, Config, ConnId, Core, Input, PeerAuth, Role, TrustAll};
//! use shared::protocol::PeerId;
//!
//! let mut core = Core::new(Config::new(PeerId::from("relay-1"), Role::Relay), TrustAll);
//! # let (frame_from_socket, now_ms): (Vec<u8>, u64) = (Vec::new(), 0);
//! // A device connected (the transport authenticated it) and sent a frame.
//! core.handle(Input::Connected { conn: ConnId(1), auth: PeerAuth::Relay });
//! core.handle(Input::Frame { conn: ConnId(1), bytes: frame_from_socket });
//! core.handle(Input::Tick { now_ms }); // about once a second
//! while let Some(action) = core.poll() {
//!     match action {
//!         Action::Send { conn, bytes } => { /* write to that socket */ }
//!         Action::Close { conn } => { /* close it */ }
//!         Action::Load { doc } => { /* read its chunks, then handle(Input::Loaded { .. }) */ }
//!         Action::Store { chunk } => { /* write durably, then handle(Input::Stored { .. }) */ }
//!         Action::Delete { keys } => { /* delete merged chunks */ }
//!         Action::Event(e) => { /* tell the user interface or the log */ }
//!     }
//! }
//! ```

pub mod cluster;
pub mod core;
pub mod demo;
pub mod domain;
pub mod export;
pub mod glossary;
pub mod lists;
pub mod protocol;
pub mod schema;
pub mod sim;
pub mod storage;
pub mod summary;
