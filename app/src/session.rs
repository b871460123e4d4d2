//! Sign-in (đăng nhập thiết bị): the relay address, the device token and the
//! cluster directory, fetched once online and kept in IndexedDB so every later
//! start works with no network at all.
//!
//! The session is kept in the database of its profile (relay, cluster,
//! office: [`crate::storage::profiles`]): [`open_current`] opens the one in
//! use at start, [`keep`] stores a new session in its profile's database and
//! makes that profile the one in use. Moving a signed-in device to another
//! profile is the user's explicit choice (the sign-in page asks first,
//! `ui::switch`), never a side effect of opening a link.

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use shared::cluster::Directory;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::storage::{IdbChunkStore, ProfileId, Profiles, StorageError};

/// What a signed-in device remembers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// `http(s)://host:port` of the relay.
    pub relay: String,
    pub token: String,
    /// Office code of this device, e.g. `LSN`.
    pub office: String,
    /// Device name given when the token was issued (the relay knows the
    /// device by it).
    pub device: String,
    /// The name the people using this device gave it ("Máy tính chị Lan,
    /// phòng TĐKT"), shown in the history; empty until they name it.
    #[serde(default)]
    pub device_name: String,
    pub directory: Directory,
    /// When the sign-in happened (ms since the epoch).
    pub signed_in_at: f64,
}

/// The key of the session in the settings store.
pub const SESSION_KEY: &str = "session";

/// Why sign-in failed, in words for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct SignInError {
    pub vi: String,
    pub en: String,
}

impl Session {
    /// The device's name for people: the one given on the device, else the
    /// token's.
    pub fn device_label(&self) -> &str {
        if self.device_name.trim().is_empty() {
            &self.device
        } else {
            self.device_name.trim()
        }
    }

    /// The office's own entry.
    pub fn office_entry(&self) -> Option<&shared::cluster::OfficeEntry> {
        self.directory.office(&self.office)
    }

    /// `ws(s)://host/sync?token=...`
    pub fn sync_url(&self) -> String {
        let ws = if let Some(rest) = self.relay.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.relay.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.relay.clone()
        };
        format!(
            "{}/sync?token={}",
            ws.trim_end_matches('/'),
            js_sys::encode_uri_component(&self.token)
        )
    }

    /// Whose data this session's database holds: relay, cluster, office.
    pub fn profile(&self) -> ProfileId {
        ProfileId::new(&self.relay, &self.directory.cluster_url, &self.office)
    }

    /// This device as the sync core's policy sees it.
    pub fn auth(&self) -> shared::core::PeerAuth {
        shared::core::PeerAuth::Device(shared::core::DeviceAuth {
            office: self.office.clone(),
            device: self.device.clone(),
        })
    }
}

/// Ask the relay who this token belongs to and what the cluster is.
pub async fn sign_in(relay: &str, token: &str) -> Result<Session, SignInError> {
    let relay = relay.trim().trim_end_matches('/').to_string();
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(SignInError {
            vi: "Hãy nhập mã thiết bị (token) do quản trị viên cấp.".into(),
            en: "Enter the device token your administrator issued.".into(),
        });
    }
    let window = web_sys::window().expect("window");
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    let headers = web_sys::Headers::new().map_err(js_err)?;
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(js_err)?;
    init.set_headers(&headers);
    let url = format!("{relay}/api/directory");
    let response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|_| SignInError {
            vi: format!("Không kết nối được tới máy chủ {relay}. Lần đăng nhập đầu tiên cần có mạng; hãy kiểm tra kết nối và địa chỉ máy chủ."),
            en: format!("Could not reach the relay at {relay}. The first sign-in needs a connection; check the network and the address."),
        })?;
    let response: web_sys::Response = response.dyn_into().map_err(js_err)?;
    let body = JsFuture::from(response.text().map_err(js_err)?)
        .await
        .map_err(js_err)?
        .as_string()
        .unwrap_or_default();
    if response.status() == 401 {
        return Err(SignInError {
            vi: "Mã thiết bị không hợp lệ hoặc đã bị thu hồi. Hãy xin mã mới từ quản trị viên."
                .into(),
            en:
                "The device token is not valid or was revoked. Ask the administrator for a new one."
                    .into(),
        });
    }
    if !response.ok() {
        return Err(SignInError {
            vi: format!("Máy chủ trả lời lỗi {}: {body}", response.status()),
            en: format!("The relay answered {}: {body}", response.status()),
        });
    }
    #[derive(Deserialize)]
    struct You {
        office: String,
        device: String,
    }
    #[derive(Deserialize)]
    struct Answer {
        #[serde(flatten)]
        directory: Directory,
        you: You,
    }
    let answer: Answer = serde_json::from_str(&body).map_err(|e| SignInError {
        vi: format!("Máy chủ trả lời không đúng định dạng ({e}). Có thể máy chủ và ứng dụng khác phiên bản."),
        en: format!("The relay's answer has an unexpected form ({e}). The relay and the app may be different versions."),
    })?;
    Ok(Session {
        relay,
        token,
        office: answer.you.office,
        device: answer.you.device,
        device_name: String::new(),
        directory: answer.directory,
        signed_in_at: js_sys::Date::now(),
    })
}

fn js_err(e: JsValue) -> SignInError {
    let text = e.as_string().unwrap_or_else(|| format!("{e:?}"));
    SignInError {
        vi: format!("Lỗi trình duyệt: {text}"),
        en: format!("Browser error: {text}"),
    }
}

/// The token and relay in a sign-in link `#/dang-nhap?token=...[&relay=...]`.
pub fn link_params(hash: &str) -> Option<(Option<String>, String)> {
    let query = hash.strip_prefix("#/dang-nhap?")?;
    let mut token = None;
    let mut relay = None;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = js_sys::decode_uri_component(v)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| v.to_string());
        match k {
            "token" => token = Some(v),
            "relay" => relay = Some(v),
            _ => {}
        }
    }
    Some((relay, token?))
}

/// At start: the database in use and the session stored in it (none when
/// this device is not signed in). An install from before profiles keeps its
/// database, which is recorded as its session's profile's.
pub async fn open_current() -> Result<(Rc<IdbChunkStore>, Option<Session>), StorageError> {
    let profiles = Profiles::open().await?;
    let db = profiles.active().await?;
    let store = Rc::new(IdbChunkStore::open(&db).await?);
    let session: Option<Session> = store.get_setting_json(SESSION_KEY).await.ok().flatten();
    if let Some(s) = &session {
        profiles
            .adopt(&s.profile(), &s.directory.cluster, &db)
            .await?;
    }
    Ok((store, session))
}

/// Keep `session` in its profile's database (`current` when that is the
/// one, else the profile's own, opened or created) and make that profile
/// the one in use. Returns the profile's store.
pub async fn keep(
    session: &Session,
    current: Rc<IdbChunkStore>,
) -> Result<Rc<IdbChunkStore>, StorageError> {
    let profiles = Profiles::open().await?;
    let id = session.profile();
    let db = profiles.db_for(&id).await?;
    let store = if db == current.db_name() {
        current
    } else {
        Rc::new(IdbChunkStore::open(&db).await?)
    };
    // Signing in again (a new token, the same office) keeps the name the
    // people gave this device.
    let mut session = session.clone();
    if session.device_name.is_empty() {
        let before: Option<Session> = store.get_setting_json(SESSION_KEY).await.ok().flatten();
        if let Some(b) = before.filter(|b| b.office == session.office) {
            session.device_name = b.device_name;
        }
    }
    store.put_setting_json(SESSION_KEY, &session).await?;
    profiles
        .activate(&id, &session.directory.cluster, &db)
        .await?;
    Ok(store)
}
