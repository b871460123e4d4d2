//! # Thi Đua shared crate
//!
//! Everything that must behave the same in the browser (wasm32) and on the relay:
//! the automerge-repo wire protocol, the sans-IO sync core, the storage-chunk
//! model, the document schema, the TĐKT rules, the cluster summary and its exports
//! (tables, CSV and, with the feature `xlsx`, Excel workbooks).
//! Nothing here touches sockets, clocks, threads or storage engines: shells pass
//! inputs in and carry the resulting actions out.

pub mod cluster;
pub mod core;
pub mod demo;
pub mod domain;
pub mod export;
pub mod protocol;
pub mod schema;
pub mod sim;
pub mod storage;
pub mod summary;
