//! The faults a seed throws at the world: cuts, partitions, device and
//! relay crashes (see the module doc of [`super::chaos`]). Invariants 1 and
//! 3 are checked at every relay crash on what its disk holds; the device
//! durability invariant at every device crash.

use std::collections::BTreeMap;

use super::MemoryStorage;
use super::device::Output;
use super::hub::Hub;
use super::ledger::{has, stored_doc};
use super::world::World;
use crate::protocol::DocumentId;

impl World {
    /// Network trouble on a device's connection.
    pub(super) fn cut(&mut self, d: usize) {
        for l in self.links.iter_mut().filter(|l| l.device == d && !l.cut) {
            l.cut = true;
            self.stats.cuts += 1;
        }
    }

    /// The device has no network until `until_ms`.
    pub(super) fn partition(&mut self, d: usize, until_ms: u64) {
        self.note(format!(
            "{} offline until t={}",
            self.devices[d].name,
            until_ms % 100_000_000
        ));
        self.devices[d].offline_until_ms = self.devices[d].offline_until_ms.max(until_ms);
        self.cut(d);
    }

    /// The device's tab dies and starts again from its storage.
    pub(super) fn crash_device(&mut self, d: usize) {
        self.stats.device_crashes += 1;
        self.note(format!("{} crashes", self.devices[d].name));
        self.cut(d);
        for l in self.links.iter_mut().filter(|l| l.device == d) {
            l.device_open = false;
            l.to_device.clear();
        }
        let drafted: std::collections::BTreeSet<automerge::ChangeHash> = self
            .drafts()
            .into_iter()
            .filter(|(i, _, _)| *i == d)
            .map(|(_, _, h)| h)
            .collect();
        let storage_failed = self.devices[d].last_storage_error_ms.is_some();
        for bytes in self.devices[d].crash(&mut self.rng) {
            self.ledger.device_wrote(&bytes);
        }
        let hub = &self.hub;
        let stored: BTreeMap<DocumentId, automerge::Automerge> = self
            .fx
            .docs()
            .iter()
            .map(|d| (*d, stored_doc(&hub.storage, d)))
            .collect();
        let relay_has = |doc: &DocumentId, h: &automerge::ChangeHash| {
            hub.core_of(doc).doc(doc).is_some_and(|x| has(x, h)) || has(&stored[doc], h)
        };
        let crashed = self.ledger.device_crashed(
            d,
            &self.devices[d].storage,
            &drafted,
            storage_failed,
            &relay_has,
        );
        if let Err(e) = crashed {
            self.fail(&e);
        }
        let mut out = Output::default();
        self.devices[d].pump(&mut out);
        self.carry(d, out);
    }

    /// The relay process dies (writes in flight land or not) and starts
    /// again, down for up to `down_ms`. Invariants 1 and 3 are checked on
    /// what the disk holds at that moment.
    pub(super) fn crash_relay(&mut self, down_ms: u64) {
        self.stats.relay_crashes += 1;
        self.note(format!("relay crashes, down {down_ms} ms"));
        let storage: MemoryStorage = self.hub.crash(&mut self.rng);
        if let Err(e) = self.ledger.check_acked(&storage) {
            self.fail(&e);
        }
        let stored: BTreeMap<DocumentId, automerge::Automerge> = self
            .fx
            .docs()
            .iter()
            .map(|d| (*d, stored_doc(&storage, d)))
            .collect();
        for (doc, copy) in &stored {
            if let Err(e) = self.ledger.check_known(doc, copy) {
                self.fail(&e);
            }
        }
        let device_has =
            |d: usize, doc: &DocumentId, h: &automerge::ChangeHash| self.device_has(d, doc, h);
        if let Err(e) = self
            .ledger
            .check_drafts(&self.drafts(), &stored, &device_has)
        {
            self.fail(&e);
        }
        for l in self.links.iter_mut() {
            if l.relay_open {
                l.relay_open = false;
                l.cut = true;
                l.to_relay.clear();
            }
        }
        self.stale.retain(|s| !s.to_relay);
        self.hub = Hub::start(
            &self.fx.policy,
            &self.relay_cfg,
            self.settings.shards,
            storage,
            self.now_ms,
        );
        self.hub.fail_permille = self.settings.relay_fail_permille;
        if Self::tracing() {
            self.hub.log = Some(Vec::new());
        }
        self.relay_up_at = self.now_ms + down_ms;
    }
}
