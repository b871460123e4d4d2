//! The WebSocket to the relay (kết nối tới máy chủ): connect, reconnect with
//! exponential backoff and jitter while the browser says it is online, wait
//! quietly (no timer at all) while it is offline, and react at once to the
//! browser's `online`/`offline` events.

use shared::core::{ConnId, Input, PeerAuth};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::Driver;

const FIRST_BACKOFF_MS: f64 = 1_000.0;
const MAX_BACKOFF_MS: f64 = 60_000.0;

/// The socket and its handlers, kept alive together.
///
/// A socket is never dropped from inside one of its own handlers, and its
/// handlers are unset before it is dropped: a handler the browser calls after
/// its closure was dropped (or while it runs) is an error in wasm-bindgen.
struct Socket {
    conn: ConnId,
    ws: WebSocket,
    open: bool,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

/// Connection state owned by the driver.
#[derive(Default)]
pub struct Transport {
    socket: Option<Socket>,
    next_conn: u64,
    backoff_ms: f64,
    retry_timer: Option<i32>,
    /// A permanent refusal (revoked token): do not reconnect.
    stopped: bool,
    _on_online: Option<Closure<dyn FnMut()>>,
    _on_offline: Option<Closure<dyn FnMut()>>,
}

impl Socket {
    /// Unset the handlers, close, and drop the closures once the current
    /// event handler (if any) has returned.
    fn retire(self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
        wasm_bindgen_futures::spawn_local(async move {
            drop(self);
        });
    }
}

impl Transport {
    /// Whether a socket is open (handshake state is the core's business).
    pub fn is_open(&self) -> bool {
        self.socket.as_ref().is_some_and(|s| s.open)
    }

    pub fn send(&self, conn: ConnId, bytes: &[u8]) {
        if let Some(s) = &self.socket
            && s.conn == conn
            && s.open
            && let Err(e) = s.ws.send_with_u8_array(bytes)
        {
            web_sys::console::warn_1(&e);
        }
    }

    pub fn close(&mut self, conn: ConnId) {
        if let Some(s) = &self.socket
            && s.conn == conn
        {
            let _ = s.ws.close();
        }
    }

    /// Stop reconnecting (the relay refused this device's token).
    pub fn stop_for_good(&mut self) {
        self.stopped = true;
        if let Some(t) = self.retry_timer.take()
            && let Some(w) = web_sys::window()
        {
            w.clear_timeout_with_handle(t);
        }
    }
}

fn browser_online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

/// Wire the browser events and open the first connection.
pub fn start(driver: &Driver) {
    let window = web_sys::window().expect("window");
    let d = driver.clone();
    let on_online = Closure::<dyn FnMut()>::new(move || {
        {
            let mut inner = d.inner.borrow_mut();
            inner.transport.backoff_ms = 0.0;
            if let Some(t) = inner.transport.retry_timer.take() {
                web_sys::window()
                    .expect("window")
                    .clear_timeout_with_handle(t);
            }
        }
        connect(&d);
        d.pump();
    });
    let d = driver.clone();
    let on_offline = Closure::<dyn FnMut()>::new(move || {
        // The socket may take minutes to notice; drop it now.
        let conn = {
            let mut inner = d.inner.borrow_mut();
            inner.transport.socket.take().map(|s| {
                let conn = s.conn;
                s.retire();
                conn
            })
        };
        if let Some(conn) = conn {
            d.inner
                .borrow_mut()
                .core
                .handle(Input::Disconnected { conn });
        }
        d.pump();
    });
    let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("offline", on_offline.as_ref().unchecked_ref());
    {
        let mut inner = driver.inner.borrow_mut();
        inner.transport._on_online = Some(on_online);
        inner.transport._on_offline = Some(on_offline);
    }
    connect(driver);
}

/// Open a socket if none is open and we may.
fn connect(driver: &Driver) {
    let url = {
        let inner = driver.inner.borrow();
        if inner.transport.socket.is_some() || inner.transport.stopped || !browser_online() {
            return;
        }
        inner.session.sync_url()
    };
    let ws = match WebSocket::new(&url) {
        Ok(ws) => ws,
        Err(e) => {
            web_sys::console::warn_1(&e);
            schedule_reconnect(driver);
            return;
        }
    };
    ws.set_binary_type(BinaryType::Arraybuffer);
    let conn = {
        let mut inner = driver.inner.borrow_mut();
        inner.transport.next_conn += 1;
        ConnId(inner.transport.next_conn)
    };

    let d = driver.clone();
    let on_open = Closure::<dyn FnMut()>::new(move || {
        {
            let mut inner = d.inner.borrow_mut();
            match &mut inner.transport.socket {
                Some(s) if s.conn == conn => s.open = true,
                _ => return,
            }
            inner.transport.backoff_ms = 0.0;
            inner.core.handle(Input::Connected {
                conn,
                auth: PeerAuth::Relay,
            });
        }
        d.pump();
    });
    let d = driver.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Ok(buf) = e.data().dyn_into::<js_sys::ArrayBuffer>() else {
            return;
        };
        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
        d.inner
            .borrow_mut()
            .core
            .handle(Input::Frame { conn, bytes });
        d.pump();
    });
    let d = driver.clone();
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_e: CloseEvent| {
        let current = {
            let mut inner = d.inner.borrow_mut();
            let current = inner
                .transport
                .socket
                .as_ref()
                .is_some_and(|s| s.conn == conn);
            if current {
                inner.transport.socket = None;
                inner.core.handle(Input::Disconnected { conn });
            }
            current
        };
        if current {
            schedule_reconnect(&d);
        }
        d.pump();
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    driver.inner.borrow_mut().transport.socket = Some(Socket {
        conn,
        ws,
        open: false,
        _on_open: on_open,
        _on_message: on_message,
        _on_close: on_close,
    });
}

/// Try again later: exponential backoff with jitter, only while online.
fn schedule_reconnect(driver: &Driver) {
    let delay = {
        let mut inner = driver.inner.borrow_mut();
        let t = &mut inner.transport;
        if t.stopped || t.retry_timer.is_some() || !browser_online() {
            return; // the `online` event reconnects
        }
        t.backoff_ms = if t.backoff_ms == 0.0 {
            FIRST_BACKOFF_MS
        } else {
            (t.backoff_ms * 2.0).min(MAX_BACKOFF_MS)
        };
        // Full jitter between half and the whole backoff.
        t.backoff_ms * (0.5 + 0.5 * js_sys::Math::random())
    };
    let d = driver.clone();
    let cb = Closure::once_into_js(move || {
        d.inner.borrow_mut().transport.retry_timer = None;
        connect(&d);
        d.pump();
    });
    let handle = web_sys::window()
        .expect("window")
        .set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), delay as i32)
        .ok();
    driver.inner.borrow_mut().transport.retry_timer = handle;
}
