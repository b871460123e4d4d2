//! The WebSocket shell: one task per connection between the socket and the hub.
//!
//! It authenticates the token (a refusal is sent as a protocol `error` frame
//! with a reason, then the socket closes, so browsers can show why), counts
//! the connection against the limits (in total, per token, new connections
//! per minute), enforces the idle timeout with pings and a write timeout,
//! re-checks the token every couple of seconds (a revoked device is closed
//! even if it says nothing), and moves binary frames both ways with
//! backpressure in both directions. Everything protocol-level is the core's
//! job.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use futures_util::{SinkExt, StreamExt};
use shared::core::{ConnId, DeviceAuth, PeerAuth};
use shared::protocol::Message;

use crate::AppState;
use crate::hub::Outbound;
use crate::tokens::{AuthError, TokenRecord};

/// WebSocket close code for "policy violation" (RFC 6455).
const CLOSE_POLICY: u16 = 1008;
/// WebSocket close code for "message too big".
const CLOSE_TOO_BIG: u16 = 1009;
/// WebSocket close code for "try again later".
const CLOSE_TRY_LATER: u16 = 1013;

fn error_frame(code: &str, message: String) -> WsMessage {
    WsMessage::Binary(
        Message::Error {
            message,
            code: Some(code.to_string()),
        }
        .encode()
        .into(),
    )
}

fn close_frame(code: u16, reason: &str) -> WsMessage {
    // Close reasons are limited to 123 bytes.
    let mut reason = reason.to_string();
    while reason.len() > 120 {
        reason.pop();
    }
    WsMessage::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// Open connections: in total, per token, and recent connects per token.
#[derive(Default)]
pub struct Connections {
    inner: Mutex<ConnCounts>,
}

#[derive(Default)]
struct ConnCounts {
    total: usize,
    per_token: HashMap<String, (usize, Vec<Instant>)>,
}

/// One open connection, counted until dropped.
pub struct ConnSlot {
    app: Arc<AppState>,
    token: String,
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        let mut c = self.app.connections.inner.lock().expect("connections lock");
        c.total = c.total.saturating_sub(1);
        if let Some((n, _)) = c.per_token.get_mut(&self.token) {
            *n = n.saturating_sub(1);
        }
    }
}

/// Why a connection was not admitted: (code, message).
fn admit(app: &Arc<AppState>, token: &str) -> Result<ConnSlot, (&'static str, String)> {
    let limits = &app.limits;
    let mut c = app.connections.inner.lock().expect("connections lock");
    if c.total >= limits.max_connections {
        return Err((
            "relay-full",
            format!(
                "the relay serves {} connections, its limit; the app tries again by itself",
                c.total
            ),
        ));
    }
    let now = Instant::now();
    let (open, recent) = c.per_token.entry(token.to_string()).or_default();
    recent.retain(|t| now.duration_since(*t) < Duration::from_secs(60));
    if *open >= limits.max_connections_per_token {
        return Err((
            "too-many-connections",
            format!(
                "this device already has {open} open connections, the most one device may; close other tabs or wait a moment"
            ),
        ));
    }
    if recent.len() >= limits.connects_per_minute as usize {
        return Err((
            "reconnecting-too-fast",
            format!(
                "this device connected {} times in the last minute; wait a minute before reconnecting",
                recent.len()
            ),
        ));
    }
    *open += 1;
    recent.push(now);
    c.total += 1;
    // Forget tokens with nothing open and nothing recent (bounded map).
    if c.per_token.len() > 4 * limits.max_connections.max(1024) {
        c.per_token.retain(|_, (n, r)| *n > 0 || !r.is_empty());
    }
    Ok(ConnSlot {
        app: app.clone(),
        token: token.to_string(),
    })
}

/// Send an error and a close frame, then wait briefly for the peer's close.
async fn refuse(mut socket: WebSocket, code: &str, message: String, close: u16) {
    let _ = socket.send(error_frame(code, message)).await;
    let _ = socket.send(close_frame(close, code)).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(m)) = socket.recv().await {
            if matches!(m, WsMessage::Close(_)) {
                break;
            }
        }
    })
    .await;
}

/// Serve one upgraded socket until it closes.
pub async fn serve_socket(
    socket: WebSocket,
    app: Arc<AppState>,
    auth: Result<(TokenRecord, DeviceAuth), AuthError>,
) {
    let (record, device) = match auth {
        Ok(a) => a,
        Err(e) => {
            tracing::info!(code = e.code(), "refused a connection: {e}");
            return refuse(socket, e.code(), e.to_string(), CLOSE_POLICY).await;
        }
    };
    let _slot = match admit(&app, &record.id) {
        Ok(slot) => slot,
        Err((code, message)) => {
            tracing::info!(
                code,
                office = device.office,
                "refused a connection: {message}"
            );
            return refuse(socket, code, message, CLOSE_TRY_LATER).await;
        }
    };
    let conn = ConnId(app.next_conn.fetch_add(1, Ordering::Relaxed));
    tracing::info!(
        conn = conn.0,
        office = device.office,
        device = device.device,
        "device connected"
    );
    let (mut connection, mut outbox) = app.hub.connect(conn, PeerAuth::Device(device));
    let (mut sink, mut stream) = socket.split();
    let limits = &app.limits;
    let idle = limits.idle_timeout;
    let mut pinger = tokio::time::interval((idle / 3).max(Duration::from_millis(100)));
    let mut revocation = tokio::time::interval(limits.revocation_check);
    let mut last_heard = Instant::now();
    let mut goodbye: Option<(String, String, u16)> = None;
    let mut hub_done = false;
    let refused = |e: AuthError| Some((e.code().to_string(), e.to_string(), CLOSE_POLICY));
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    last_heard = Instant::now();
                    // Waits while the document's shard is busy: this socket
                    // is not read meanwhile, so a flooding device slows only itself.
                    if let Err(refusal) = connection.frame(bytes.to_vec()).await {
                        goodbye = Some((refusal.code.into(), refusal.message, CLOSE_POLICY));
                        break;
                    }
                }
                Some(Ok(WsMessage::Text(_))) => {
                    goodbye = Some((
                        "text-frame".into(),
                        "text frames are not part of the protocol: send CBOR messages as binary frames".into(),
                        CLOSE_POLICY,
                    ));
                    break;
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => last_heard = Instant::now(),
                Some(Ok(WsMessage::Close(_))) | None => break,
                Some(Err(e)) => {
                    let text = e.to_string();
                    if text.contains("too long") || text.contains("too big") || text.contains("Space limit") {
                        let message = format!(
                            "a frame was larger than the relay accepts ({} bytes at most)",
                            limits.max_frame_bytes
                        );
                        goodbye = Some(("frame-too-large".into(), message, CLOSE_TOO_BIG));
                    }
                    tracing::debug!(conn = conn.0, "socket error: {text}");
                    break;
                }
            },
            out = outbox.frames.recv() => match out {
                Some(Outbound::Frame(bytes)) => {
                    outbox.queued.fetch_sub(bytes.len(), Ordering::AcqRel);
                    let sent = tokio::time::timeout(limits.write_timeout, sink.send(WsMessage::Binary(bytes.into()))).await;
                    match sent {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => break,
                        Err(_) => {
                            tracing::info!(conn = conn.0, "closing a connection that did not take a frame within {:?}", limits.write_timeout);
                            break;
                        }
                    }
                }
                Some(Outbound::Close) => {
                    let _ = sink.send(close_frame(CLOSE_POLICY, "closed by relay")).await;
                    linger(&mut stream).await;
                    break;
                }
                None => break,
            },
            bye = &mut outbox.goodbye, if !hub_done => match bye {
                Ok(bye) => {
                    goodbye = Some((bye.code.into(), bye.message, CLOSE_TRY_LATER));
                    break;
                }
                // The hub let go of this connection without a reason of its
                // own: what it queued (an error, a close) still arrives.
                Err(_) => hub_done = true,
            },
            _ = revocation.tick() => {
                if let Err(e) = app.tokens.recheck(&record.id) {
                    goodbye = refused(e);
                    break;
                }
            }
            _ = pinger.tick() => {
                if last_heard.elapsed() > idle {
                    let message = format!(
                        "nothing heard for {} seconds; the relay closed the connection (the app reconnects by itself)",
                        idle.as_secs()
                    );
                    goodbye = Some(("idle-timeout".into(), message, CLOSE_POLICY));
                    break;
                }
                let ping = sink.send(WsMessage::Ping(Vec::new().into()));
                if !matches!(tokio::time::timeout(limits.write_timeout, ping).await, Ok(Ok(()))) {
                    break;
                }
            }
        }
    }
    drop(connection);
    if let Some((code, message, close_code)) = goodbye {
        tracing::info!(conn = conn.0, code, "closing connection: {message}");
        let bye = async {
            let _ = sink.send(error_frame(&code, message)).await;
            let _ = sink.send(close_frame(close_code, &code)).await;
        };
        let _ = tokio::time::timeout(limits.write_timeout, bye).await;
        linger(&mut stream).await;
    }
}

/// After sending a close frame, read until the peer answers it (briefly), so the
/// socket is not torn down with unread data, which would make the kernel reset
/// the connection and could discard the error message the peer has not read yet.
async fn linger(stream: &mut futures_util::stream::SplitStream<WebSocket>) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(m)) = stream.next().await {
            if matches!(m, WsMessage::Close(_)) {
                break;
            }
        }
    })
    .await;
}
