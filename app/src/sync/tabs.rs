//! Several tabs of one office (nhiều thẻ cùng mở): each tab runs its own core
//! on the same IndexedDB database. After a tab stores a chunk it names it on a
//! `BroadcastChannel`; the other tabs load that document's chunks and merge
//! what they did not have, so edits show up live in every tab. Chunks are
//! content-addressed and only added, so no tab can overwrite another's work.

use leptos::prelude::Set;
use shared::core::Input;
use shared::protocol::DocumentId;
use shared::storage::{ChunkKey, ChunkStore};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{BroadcastChannel, MessageEvent};

use super::Driver;

/// The channel and its handler.
pub struct Tabs {
    channel: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Tabs {
    /// Tell the other tabs a chunk was stored.
    pub fn announce(&self, key: &ChunkKey) {
        let _ = self
            .channel
            .post_message(&JsValue::from_str(&key.doc.to_string()));
    }
}

/// Join the channel of this database.
pub fn listen(driver: &Driver) {
    let name = format!("thidua-chunks/{}", driver.inner.borrow().store.db_name());
    let Ok(channel) = BroadcastChannel::new(&name) else {
        return; // very old browser: tabs still merge through the relay
    };
    let d = driver.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Some(doc) = e
            .data()
            .as_string()
            .and_then(|s| s.parse::<DocumentId>().ok())
        else {
            return;
        };
        let d = d.clone();
        spawn_local(async move {
            let store = d.inner.borrow().store.clone();
            match store.load(&doc).await {
                Ok(chunks) => {
                    d.inner
                        .borrow_mut()
                        .core
                        .handle(Input::ExternalChunks { doc, chunks });
                    d.pump();
                }
                Err(e) => d.signals.storage_error.set(Some(e)),
            }
        });
    });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    driver.inner.borrow_mut().tabs = Some(Tabs {
        channel,
        _on_message: on_message,
    });
}
