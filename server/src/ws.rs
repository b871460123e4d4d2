//! The WebSocket shell: one task per connection between the socket and the hub.
//!
//! It authenticates the token (a refusal is sent as a protocol `error` frame
//! with a reason, then the socket closes, so browsers can show why), enforces
//! the idle timeout with pings, re-checks the token against revocation, and
//! moves binary frames both ways. Everything protocol-level is the core's job.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use futures_util::{SinkExt, StreamExt};
use shared::core::{ConnId, DeviceAuth, PeerAuth};
use shared::protocol::Message;
use tokio::sync::mpsc;

use crate::AppState;
use crate::hub::{HubMsg, Outbound};
use crate::tokens::{AuthError, TokenRecord};

/// WebSocket close code for "policy violation" (RFC 6455).
const CLOSE_POLICY: u16 = 1008;
/// WebSocket close code for "message too big".
const CLOSE_TOO_BIG: u16 = 1009;

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

/// Serve one upgraded socket until it closes.
pub async fn serve_socket(
    mut socket: WebSocket,
    app: Arc<AppState>,
    auth: Result<(TokenRecord, DeviceAuth), AuthError>,
) {
    let (record, device) = match auth {
        Ok(a) => a,
        Err(e) => {
            tracing::info!(code = e.code(), "refused a connection: {e}");
            let _ = socket.send(error_frame(e.code(), e.to_string())).await;
            let _ = socket.send(close_frame(CLOSE_POLICY, e.code())).await;
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(m)) = socket.recv().await {
                    if matches!(m, WsMessage::Close(_)) {
                        break;
                    }
                }
            })
            .await;
            return;
        }
    };
    let conn = ConnId(
        app.next_conn
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    );
    tracing::info!(
        conn = conn.0,
        office = device.office,
        device = device.device,
        "device connected"
    );
    let (out_tx, mut out_rx) = mpsc::unbounded_channel();
    app.hub.send(HubMsg::Connect {
        conn,
        auth: PeerAuth::Device(device),
        out: out_tx,
    });
    let (mut sink, mut stream) = socket.split();
    let idle = app.limits.idle_timeout;
    let mut ticker = tokio::time::interval((idle / 3).max(Duration::from_millis(100)));
    let mut last_heard = Instant::now();
    let mut goodbye: Option<(String, String, u16)> = None;
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    last_heard = Instant::now();
                    if !app.tokens.still_valid(&record.id) {
                        let e = AuthError::Revoked;
                        goodbye = Some((e.code().into(), e.to_string(), CLOSE_POLICY));
                        break;
                    }
                    app.hub.send(HubMsg::Frame { conn, bytes: bytes.to_vec() });
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
                            app.limits.max_frame_bytes
                        );
                        goodbye = Some(("frame-too-large".into(), message, CLOSE_TOO_BIG));
                    }
                    tracing::debug!(conn = conn.0, "socket error: {text}");
                    break;
                }
            },
            out = out_rx.recv() => match out {
                Some(Outbound::Frame(bytes)) => {
                    if sink.send(WsMessage::Binary(bytes.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outbound::Close) => {
                    let _ = sink.send(close_frame(CLOSE_POLICY, "closed by relay")).await;
                    linger(&mut stream).await;
                    break;
                }
                None => break,
            },
            _ = ticker.tick() => {
                if last_heard.elapsed() > idle {
                    let message = format!(
                        "nothing heard for {} seconds; the relay closed the connection (the app reconnects by itself)",
                        idle.as_secs()
                    );
                    goodbye = Some(("idle-timeout".into(), message, CLOSE_POLICY));
                    break;
                }
                if sink.send(WsMessage::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
        }
    }
    if let Some((code, message, close_code)) = goodbye {
        tracing::info!(conn = conn.0, code, "closing connection: {message}");
        let _ = sink.send(error_frame(&code, message)).await;
        let _ = sink.send(close_frame(close_code, &code)).await;
        linger(&mut stream).await;
    }
    app.hub.send(HubMsg::Disconnect { conn });
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
