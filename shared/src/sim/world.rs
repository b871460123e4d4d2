//! The world of one seeded run: the relay ([`Hub`]), the devices, the
//! network between them ([`super::net`]), a clock, and the faults
//! ([`super::faults`]). Every choice (which queue moves next, which write
//! lands, which fault strikes) comes from one [`SeededRng`], so a seed
//! replays exactly.

use std::collections::VecDeque;

use super::device::{Device, Output};
use super::hub::Hub;
use super::ledger::{Ledger, draft_changes, has};
use super::net::{Link, Packet, Stale};
use super::workload::{self, Fixture};
use super::{MemoryStorage, SeededRng};
use crate::core::{Config, ConnId, Input, Role};
use crate::protocol::{DocumentId, PeerId};
use crate::storage::CompactionPolicy;

/// A refusal of a device's valid edit this soon after a storage error on
/// the device is put down to it: the app retries failed writes after 5 s
/// and the relay holds a change waiting for another document's for 5 s
/// (`Limits::defer_ms`), so a score for a criterion whose write failed can
/// be refused. Counted, not failed.
pub(super) const STORAGE_ERROR_WINDOW_MS: u64 = 20_000;

/// The shape of a run, drawn from its seed.
#[derive(Clone, Debug)]
pub struct Settings {
    pub shards: usize,
    pub offices: usize,
    pub devices_per_office: usize,
    /// Steps of the faulty phase.
    pub steps: usize,
    /// Of the edits, how many (in 1/1000) are invalid.
    pub invalid_permille: u64,
    /// The relay compacts a document after this many chunks.
    pub compact_after: usize,
    pub relay_fail_permille: u64,
    pub device_fail_permille: u64,
    /// Chance per step (in 1/1000) of each fault.
    pub cut: u64,
    pub partition: u64,
    pub device_crash: u64,
    pub relay_crash: u64,
    pub away: u64,
}

impl Settings {
    pub fn from_seed(rng: &mut SeededRng) -> Self {
        let pick = |rng: &mut SeededRng, options: &[u64]| {
            options[rng.below(options.len() as u64) as usize]
        };
        Self {
            shards: 1 + rng.below(4) as usize,
            offices: 2 + rng.below(2) as usize,
            devices_per_office: 1 + rng.below(2) as usize,
            steps: 200 + rng.below(500) as usize,
            invalid_permille: pick(rng, &[0, 30, 80, 150]),
            compact_after: pick(rng, &[4, 8, 32]) as usize,
            relay_fail_permille: pick(rng, &[0, 0, 20]),
            device_fail_permille: pick(rng, &[0, 0, 10]),
            cut: pick(rng, &[0, 5, 15]),
            partition: pick(rng, &[0, 3, 8]),
            device_crash: pick(rng, &[0, 3, 6]),
            relay_crash: pick(rng, &[0, 2, 5]),
            away: pick(rng, &[0, 0, 3]),
        }
    }
}

/// Counts for the report.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub steps: u64,
    pub frames: u64,
    pub edits: u64,
    pub invalid_edits: u64,
    pub refusals: u64,
    pub relay_crashes: u64,
    pub device_crashes: u64,
    pub cuts: u64,
    pub stale_frames: u64,
    pub weeks_away: u64,
    /// Invalid edits the relay accepted with a later change that repaired them.
    pub absorbed: u64,
    /// Valid edits refused because a failed write on their device held
    /// back what they depend on (see `STORAGE_ERROR_WINDOW_MS`).
    pub refused_after_storage_error: u64,
    /// Simulated seconds and steps the healed world took to settle.
    pub heal_secs: u64,
    pub heal_steps: u64,
}

/// Something that can happen next without a fault.
#[derive(Clone, Copy, Debug)]
pub(super) enum Work {
    ToRelay(usize),
    ToDevice(usize),
    Route(ConnId),
    Shard(usize),
    RelayStorage,
    DeviceStorage(usize),
    DeviceNotices(usize),
    RelayNotices(usize),
    Stale(usize),
    Connect(usize),
}

pub struct World {
    pub seed: u64,
    pub settings: Settings,
    pub(super) rng: SeededRng,
    pub now_ms: u64,
    pub fx: Fixture,
    pub(super) relay_cfg: Config,
    pub hub: Hub,
    pub(super) relay_up_at: u64,
    pub devices: Vec<Device>,
    pub(super) links: Vec<Link>,
    pub(super) stale: Vec<Stale>,
    pub(super) next_conn: u64,
    pub ledger: Ledger,
    pub(super) serial: u64,
    pub(super) next_tick_ms: u64,
    pub stats: Stats,
    pub(super) trace: VecDeque<String>,
}

impl World {
    pub fn new(seed: u64) -> Self {
        let mut rng = SeededRng::new(seed);
        let settings = Settings::from_seed(&mut rng);
        let fx = Fixture::new(settings.offices, &mut rng);
        let mut relay_cfg = Config::new(PeerId::from("relay"), Role::Relay);
        relay_cfg.storage_id = Some("relay-storage".into());
        relay_cfg.compaction = CompactionPolicy {
            max_chunks: settings.compact_after,
        };
        let now_ms = 1_700_000_000_000;
        let mut hub = Hub::start(
            &fx.policy,
            &relay_cfg,
            settings.shards,
            fx.storage.clone(),
            now_ms,
        );
        hub.fail_permille = settings.relay_fail_permille;
        if Self::tracing() {
            hub.log = Some(Vec::new());
        }
        let mut devices = Vec::new();
        for (code, _) in &fx.offices {
            for n in 0..settings.devices_per_office {
                let name = format!("{}-{n}", code.to_lowercase());
                // Most devices were in use before the run (they hold the
                // documents); the others are new and fetch everything.
                let storage = if rng.below(4) != 0 {
                    fx.storage.clone()
                } else {
                    MemoryStorage::default()
                };
                let mut d = Device::new(&name, code, &fx.policy, fx.docs(), storage);
                d.fail_permille = settings.device_fail_permille;
                d.trace = Self::tracing();
                devices.push(d);
            }
        }
        let ledger = Ledger {
            initial: fx.initial.clone(),
            ..Ledger::default()
        };
        let mut trace = VecDeque::new();
        let place = |d: &DocumentId| hub.shard_of(d);
        trace.push_back(format!(
            "cluster document {} on shard {}; {}",
            fx.cluster,
            place(&fx.cluster),
            fx.offices
                .iter()
                .map(|(c, d)| format!("{c} {d} on shard {}", place(d)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        Self {
            seed,
            settings,
            rng,
            now_ms,
            fx,
            relay_cfg,
            hub,
            relay_up_at: 0,
            devices,
            links: Vec::new(),
            stale: Vec::new(),
            next_conn: 1,
            ledger,
            serial: 0,
            next_tick_ms: now_ms + 1000,
            stats: Stats::default(),
            trace,
        }
    }

    /// Trace what happens inside the relay too (`THIDUA_SIM_TRACE=1`).
    pub(super) fn tracing() -> bool {
        std::env::var("THIDUA_SIM_TRACE").is_ok()
    }

    pub(super) fn hub_log(&mut self) {
        if let Some(log) = self.hub.log.as_mut().map(std::mem::take) {
            for line in log {
                self.note(line);
            }
        }
    }

    pub(super) fn note(&mut self, what: String) {
        let keep = if self.hub.log.is_some() { 20_000 } else { 400 };
        if self.trace.len() == keep {
            self.trace.pop_front();
        }
        self.trace.push_back(format!(
            "[{} t={}] {what}",
            self.stats.steps,
            self.now_ms % 100_000_000
        ));
    }

    /// Fail the run, with what led there.
    pub(super) fn fail(&self, why: &str) -> ! {
        let trace: Vec<&str> = self.trace.iter().map(String::as_str).collect();
        panic!(
            "seed {}: {why}\n{:?}\nlast events:\n{}",
            self.seed,
            self.settings,
            trace.join("\n")
        );
    }

    /// Forget connections both ends closed.
    pub(super) fn prune(&mut self) {
        self.links.retain(|l| l.device_open || l.relay_open);
    }

    /// Everything that may happen next, besides faults, edits and time.
    pub(super) fn work(&self) -> Vec<Work> {
        let mut w = Vec::new();
        for (i, l) in self.links.iter().enumerate() {
            if l.relay_open && !l.to_relay.is_empty() {
                w.push(Work::ToRelay(i));
            }
            if l.device_open && !l.to_device.is_empty() {
                w.push(Work::ToDevice(i));
            }
            if l.cut && l.device_open {
                w.push(Work::DeviceNotices(i));
            }
            if l.cut && l.relay_open {
                w.push(Work::RelayNotices(i));
            }
        }
        w.extend(self.hub.routable().into_iter().map(Work::Route));
        w.extend(self.hub.busy_shards().into_iter().map(Work::Shard));
        if self.hub.ops_in_flight() > 0 {
            w.push(Work::RelayStorage);
        }
        for (i, d) in self.devices.iter().enumerate() {
            if d.storage_busy() {
                w.push(Work::DeviceStorage(i));
            }
            if d.wants_to_connect(self.now_ms) {
                w.push(Work::Connect(i));
            }
        }
        w.extend((0..self.stale.len()).map(Work::Stale));
        w
    }

    pub(super) fn do_work(&mut self, work: Work) {
        self.stats.steps += 1;
        match work {
            Work::ToRelay(i) => {
                let bytes = self.links[i].to_relay.pop_front().expect("listed");
                self.stats.frames += 1;
                self.hub.receive(self.links[i].relay_conn, bytes);
            }
            Work::ToDevice(i) => {
                let packet = self.links[i].to_device.pop_front().expect("listed");
                let (d, conn) = (self.links[i].device, self.links[i].client_conn);
                match packet {
                    Packet::Frame(bytes) => {
                        self.stats.frames += 1;
                        if self.hub.log.is_some() {
                            let what = super::hub::describe_input(&Input::Frame {
                                conn,
                                bytes: bytes.clone(),
                            });
                            self.note(format!("{} <- {what}", self.devices[d].name));
                        }
                        let mut out = Output::default();
                        self.devices[d].input(Input::Frame { conn, bytes }, &mut out);
                        self.carry(d, out);
                    }
                    Packet::Close => self.device_notices(i),
                }
            }
            Work::Route(conn) => {
                self.hub.route(conn);
            }
            Work::Shard(s) => {
                let batch = 1 + self.rng.below(4) as usize;
                self.hub.step(s, batch, self.now_ms, &mut self.rng);
                self.carry_relay();
            }
            Work::RelayStorage => self.hub.complete_op(&mut self.rng),
            Work::DeviceStorage(d) => {
                let mut out = Output::default();
                self.devices[d].complete_storage(&mut self.rng, self.now_ms, &mut out);
                self.carry(d, out);
            }
            Work::DeviceNotices(i) => self.device_notices(i),
            Work::RelayNotices(i) => self.relay_notices(i),
            Work::Stale(i) => {
                // Sometimes it comes twice.
                let s = if self.rng.below(3) == 0 {
                    let s = &self.stale[i];
                    Stale {
                        bytes: s.bytes.clone(),
                        ..*s
                    }
                } else {
                    self.stale.swap_remove(i)
                };
                self.stats.stale_frames += 1;
                if s.to_relay {
                    let bypass = self.rng.below(2) == 0;
                    self.hub.stale_frame(s.conn, s.bytes, bypass);
                    self.carry_relay();
                } else {
                    let mut out = Output::default();
                    let input = Input::Frame {
                        conn: s.conn,
                        bytes: s.bytes,
                    };
                    self.devices[s.device].input(input, &mut out);
                    self.carry(s.device, out);
                }
            }
            Work::Connect(d) => self.connect(d),
        }
        self.hub_log();
    }

    /// Time passes: the relay's shards tick once a second (missed ticks
    /// coalesce), devices retry storage when due.
    pub(super) fn advance(&mut self, ms: u64) {
        self.now_ms += ms;
        if self.now_ms >= self.next_tick_ms {
            self.next_tick_ms = self.now_ms + 1000;
            if ms >= 1000 {
                // The shards ticked all along, not just once at the end.
                self.hub.tick_now(self.now_ms);
                self.carry_relay();
                self.hub_log();
            } else {
                self.hub.tick();
            }
        }
        for d in 0..self.devices.len() {
            let mut out = Output::default();
            self.devices[d].tick(self.now_ms, &mut out);
            self.carry(d, out);
        }
    }

    /// A device edits (valid or not, see [`workload::edit`]).
    pub(super) fn edit(&mut self, d: usize) {
        self.serial += 1;
        let dev = &mut self.devices[d];
        let made = workload::edit(
            &mut dev.core,
            &dev.auth,
            &dev.office,
            &self.fx,
            &mut self.rng,
            self.settings.invalid_permille,
            self.serial,
        );
        for m in made {
            self.stats.edits += 1;
            if m.intent.bad() {
                self.stats.invalid_edits += 1;
                self.devices[d].invalid.insert(m.hash);
            }
            let what = format!(
                "{} edits {} (#{}): {} ({:?})",
                self.devices[d].name, m.doc, self.serial, m.what, m.intent
            );
            self.note(what);
            self.ledger.made(self.serial, d, m);
        }
        let mut out = Output::default();
        self.devices[d].pump(&mut out);
        self.carry(d, out);
    }

    /// Whether a device's document holds a change.
    pub(super) fn device_has(&self, d: usize, doc: &DocumentId, h: &automerge::ChangeHash) -> bool {
        self.devices[d].core.doc(doc).is_some_and(|x| has(x, h))
    }

    /// The changes devices set aside as refused: device, document, change.
    pub(super) fn drafts(&self) -> Vec<(usize, DocumentId, automerge::ChangeHash)> {
        let mut all = Vec::new();
        for (i, d) in self.devices.iter().enumerate() {
            for doc in self.fx.docs() {
                for draft in d.core.drafts(&doc) {
                    all.extend(draft_changes(&draft.bytes).into_iter().map(|h| (i, doc, h)));
                }
            }
        }
        all
    }

    /// Whether every device is connected, every queue empty, every
    /// document the same everywhere and acknowledged.
    pub(super) fn settled(&self) -> bool {
        if !self.work().iter().all(|w| matches!(w, Work::Shard(_))) || self.hub.has_work() {
            return false;
        }
        let docs = self.fx.docs();
        let same_everywhere = self.devices.iter().all(|d| {
            d.conn.is_some()
                && d.core.ready_peers() == 1
                && !d.retry_pending()
                && docs.iter().all(|doc| {
                    let relay = self.hub.core_of(doc).doc(doc).map(|r| r.get_heads());
                    relay.is_some() && d.core.doc(doc).map(|x| x.get_heads()) == relay
                })
        });
        // `sync_status` rebuilds changes to look them up: only at the end.
        same_everywhere
            && self.devices.iter().all(|d| {
                docs.iter().all(|doc| {
                    d.core
                        .sync_status(doc)
                        .is_some_and(|st| st.in_sync && st.unacknowledged == Some(0))
                })
            })
    }

    /// The relay's sync states, for a failure message.
    pub(super) fn describe_relay(&self) -> String {
        let mut s = String::from("relay:\n");
        for doc in self.fx.docs() {
            let core = self.hub.core_of(&doc);
            let heads = core.doc(&doc).map(|d| d.get_heads());
            s += &format!("  {doc} heads {heads:?}: {:?}\n", core.describe_sync(&doc));
        }
        s
    }

    /// A device's state, for a failure message.
    pub(super) fn describe(&self, d: usize) -> String {
        let dev = &self.devices[d];
        let mut s = format!(
            "device {d} {} conn={:?} offline_until={} ready={}\n",
            dev.name,
            dev.conn,
            dev.offline_until_ms % 100_000_000,
            dev.core.ready_peers()
        );
        for doc in self.fx.docs() {
            let heads = dev.core.doc(&doc).map(|d| d.get_heads());
            let missing = dev
                .core
                .doc(&doc)
                .map(|d| automerge::ReadDoc::get_missing_deps(d, &[]));
            s += &format!(
                "  {doc}: heads {heads:?} missing {missing:?} {:?} {:?}\n",
                dev.core.sync_status(&doc),
                dev.core.describe_sync(&doc)
            );
        }
        s
    }
}
