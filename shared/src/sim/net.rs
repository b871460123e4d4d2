//! The network between devices and the relay, as the world runs it.
//!
//! Each connection is a [`Link`] with a FIFO queue each way (a WebSocket
//! over TCP). A cut stops new frames; each side notices on its own later,
//! and until it does it may still read what was in transit. What is left
//! when a side notices is dropped, or kept as a *stale* frame that arrives
//! later under the old connection id (after the device reconnected or
//! restarted, after the relay dropped the connection): it must be dropped
//! or harmless. A device that notices first reconnects while the relay
//! still serves the old connection (half-open), so the relay may handle
//! frames from both.

use std::collections::VecDeque;

use super::device::Output;
use super::hub::Outbound;
use super::world::{STORAGE_ERROR_WINDOW_MS, World};
use crate::core::{ConnId, Input};

#[derive(Debug)]
pub(super) enum Packet {
    Frame(Vec<u8>),
    Close,
}

/// One connection between a device and the relay.
#[derive(Debug)]
pub(super) struct Link {
    pub(super) device: usize,
    pub(super) client_conn: ConnId,
    pub(super) relay_conn: ConnId,
    pub(super) to_relay: VecDeque<Vec<u8>>,
    pub(super) to_device: VecDeque<Packet>,
    /// The path is gone: nothing new enters it.
    pub(super) cut: bool,
    pub(super) device_open: bool,
    pub(super) relay_open: bool,
}

/// A frame that arrives long after its connection ended.
#[derive(Debug)]
pub(super) struct Stale {
    pub(super) to_relay: bool,
    pub(super) device: usize,
    pub(super) conn: ConnId,
    pub(super) bytes: Vec<u8>,
}

impl World {
    pub(super) fn connect(&mut self, d: usize) {
        let mut out = Output::default();
        if self.now_ms < self.relay_up_at {
            self.devices[d].disconnected(self.now_ms, &mut self.rng, &mut out);
            return self.carry(d, out);
        }
        let (relay_conn, client_conn) = (ConnId(self.next_conn), ConnId(self.next_conn + 1));
        self.next_conn += 2;
        self.note(format!(
            "{} connects (relay conn {})",
            self.devices[d].name, relay_conn.0
        ));
        self.links.push(Link {
            device: d,
            client_conn,
            relay_conn,
            to_relay: VecDeque::new(),
            to_device: VecDeque::new(),
            cut: false,
            device_open: true,
            relay_open: true,
        });
        self.hub.connect(relay_conn, self.devices[d].auth.clone());
        self.devices[d].connected(client_conn, &mut out);
        self.carry(d, out);
    }

    /// Carry out what a device did.
    pub(super) fn carry(&mut self, d: usize, out: Output) {
        for (conn, bytes) in out.sends {
            if self.hub.log.is_some() {
                let what = super::hub::describe_input(&Input::Frame {
                    conn,
                    bytes: bytes.clone(),
                });
                self.note(format!("{} sends {what}", self.devices[d].name));
            }
            if let Some(l) = self.links.iter_mut().find(|l| l.client_conn == conn)
                && l.device_open
                && !l.cut
            {
                l.to_relay.push_back(bytes);
            }
        }
        for conn in out.closes {
            if let Some(i) = self.links.iter().position(|l| l.client_conn == conn) {
                self.note(format!("{} closes its connection", self.devices[d].name));
                self.links[i].cut = true;
                self.device_notices(i);
            }
        }
        for f in out.failed {
            self.note(format!("{}: storage fails: {f}", self.devices[d].name));
        }
        for bytes in out.durable {
            self.ledger.device_wrote(&bytes);
        }
        for line in out.log {
            self.note(format!("{} storage: {line}", self.devices[d].name));
        }
        for (doc, heads) in out.acked {
            self.ledger.acked(doc, heads);
        }
        for (doc, code, held) in out.rejected {
            self.stats.refusals += 1;
            self.note(format!(
                "{} told: refused on {doc} ({code:?})",
                self.devices[d].name
            ));
            let after_storage_error = self.devices[d]
                .last_storage_error_ms
                .is_some_and(|t| self.now_ms <= t + STORAGE_ERROR_WINDOW_MS);
            // A crash lost an edit of another document this one built on
            // (a criterion added in the cluster document, then scored).
            let lost_elsewhere = self.devices[d]
                .lost_in_crash
                .iter()
                .any(|lost| lost.is_none_or(|l| l != doc));
            if !held && (after_storage_error || lost_elsewhere) {
                // A write that failed (retried 5 s later) held back a change
                // another document's change waited for past `defer_ms`.
                self.stats.refused_after_storage_error += 1;
            } else if !held {
                let why = format!(
                    "device {} ({}) was refused on {doc} ({code:?}) without an invalid edit of its own there",
                    d, self.devices[d].name
                );
                self.ledger.wrongly_refused.push(why);
            }
        }
    }

    /// Carry out what the relay's shards sent.
    pub(super) fn carry_relay(&mut self) {
        for (conn, ob) in std::mem::take(&mut self.hub.out) {
            let Some(i) = self.links.iter().position(|l| l.relay_conn == conn) else {
                continue;
            };
            let l = &mut self.links[i];
            if !l.relay_open || l.cut {
                continue;
            }
            match ob {
                Outbound::Frame(bytes) => l.to_device.push_back(Packet::Frame(bytes)),
                Outbound::Close => {
                    l.to_device.push_back(Packet::Close);
                    l.cut = true;
                    let name = self.devices[l.device].name.clone();
                    self.note(format!("relay closes {name}'s connection {}", conn.0));
                    self.relay_notices(i);
                }
            }
        }
    }

    pub(super) fn device_notices(&mut self, i: usize) {
        let l = &mut self.links[i];
        if !l.device_open {
            return;
        }
        l.device_open = false;
        let (d, conn) = (l.device, l.client_conn);
        for p in std::mem::take(&mut l.to_device) {
            if let Packet::Frame(bytes) = p
                && self.rng.below(3) == 0
            {
                self.stale.push(Stale {
                    to_relay: false,
                    device: d,
                    conn,
                    bytes,
                });
            }
        }
        if self.devices[d].conn == Some(conn) {
            let mut out = Output::default();
            self.devices[d].disconnected(self.now_ms, &mut self.rng, &mut out);
            self.carry(d, out);
        }
    }

    pub(super) fn relay_notices(&mut self, i: usize) {
        let l = &mut self.links[i];
        if !l.relay_open {
            return;
        }
        l.relay_open = false;
        let (d, conn) = (l.device, l.relay_conn);
        for bytes in std::mem::take(&mut l.to_relay) {
            if self.rng.below(3) == 0 {
                self.stale.push(Stale {
                    to_relay: true,
                    device: d,
                    conn,
                    bytes,
                });
            }
        }
        self.hub.disconnect(conn);
    }
}
