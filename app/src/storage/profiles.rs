//! One local database per relay, cluster and office (hồ sơ trên máy).
//!
//! A device signed in to relay A's cluster keeps that cluster's replicas and
//! its edits not yet sent in one IndexedDB database. Signing in to another
//! relay, another cluster or as another office must neither mix that data
//! with the new cluster's nor lose it, so each [`ProfileId`] (relay address,
//! cluster document URL, office code) gets its own database, and a small
//! registry database ([`REGISTRY_DB`]) records which database belongs to
//! which profile and which one is in use ([`Profiles::active`]). Going back to
//! an earlier relay finds its database, replicas and unsent edits as they
//! were.
//!
//! Database names: [`LEGACY_DB`] (`thidua/main`, the one database of earlier
//! versions) belongs to the first profile this device knows: on an existing
//! install, the profile of the session stored in it ([`Profiles::adopt`]),
//! on a new install the first sign-in. Every other profile's database is
//! [`db_name_for_profile`] of [`ProfileId::key`], 16 hex digits of a SHA-256
//! of the three parts, e.g. `thidua/3f9c0a…`.
//!
//! Which profile a tab uses is decided when it starts: a tab still running on
//! an earlier profile keeps working on that profile's database (its data
//! cannot mix with another's) until it is reloaded.

use serde::{Deserialize, Serialize};

use super::{IdbChunkStore, StorageError, db_name_for_profile};

/// The registry: which database each profile uses, and which is in use.
pub const REGISTRY_DB: &str = "thidua/profiles";

/// The database of versions before profiles, kept by the first profile.
pub const LEGACY_DB: &str = "thidua/main";

/// Setting: the database in use (JSON string).
const ACTIVE: &str = "active";
/// Setting: the key of the profile that owns [`LEGACY_DB`] (JSON string).
const LEGACY_OWNER: &str = "legacy-owner";

/// A relay address in one spelling: origin and path, no trailing slash
/// (`HTTP://Relay.example:443/x/` and `http://relay.example:443/x` are one
/// relay).
pub fn normalize_relay(relay: &str) -> String {
    let trimmed = relay.trim().trim_end_matches('/');
    match web_sys::Url::new(trimmed) {
        Ok(url) => format!("{}{}", url.origin(), url.pathname().trim_end_matches('/')),
        Err(_) => trimmed.to_string(),
    }
}

/// Whose data a database holds: a relay, a cluster on it, an office of the
/// cluster (a device of another office is another identity).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileId {
    /// [`normalize_relay`]d.
    pub relay: String,
    /// The cluster document's `automerge:` URL.
    pub cluster_url: String,
    pub office: String,
}

impl ProfileId {
    pub fn new(relay: &str, cluster_url: &str, office: &str) -> Self {
        Self {
            relay: normalize_relay(relay),
            cluster_url: cluster_url.trim().to_string(),
            office: office.trim().to_string(),
        }
    }

    /// 16 hex digits naming the profile (and its database).
    pub fn key(&self) -> String {
        let text = format!("{}\n{}\n{}", self.relay, self.cluster_url, self.office);
        shared::storage::content_hash(text.as_bytes())[..16].to_string()
    }
}

/// What the registry keeps about a profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileEntry {
    pub id: ProfileId,
    /// Its IndexedDB database.
    pub db: String,
    /// The cluster's name, for people.
    pub cluster_name: String,
    /// When it was last made the one in use (ms since the epoch).
    pub last_used_ms: f64,
}

/// The registry database.
pub struct Profiles {
    store: IdbChunkStore,
}

impl Profiles {
    pub async fn open() -> Result<Self, StorageError> {
        Ok(Self {
            store: IdbChunkStore::open(REGISTRY_DB).await?,
        })
    }

    /// The database in use; [`LEGACY_DB`] when none was chosen yet (a new
    /// install, or an install from before profiles).
    pub async fn active(&self) -> Result<String, StorageError> {
        Ok(self
            .store
            .get_setting_json::<String>(ACTIVE)
            .await?
            .unwrap_or_else(|| LEGACY_DB.to_string()))
    }

    /// What the registry knows about `id`.
    pub async fn entry(&self, id: &ProfileId) -> Result<Option<ProfileEntry>, StorageError> {
        self.store
            .get_setting_json(&format!("profile/{}", id.key()))
            .await
    }

    /// The database of `id`: the one it has, else [`LEGACY_DB`] while no
    /// profile owns it, else one named after [`ProfileId::key`].
    pub async fn db_for(&self, id: &ProfileId) -> Result<String, StorageError> {
        if let Some(entry) = self.entry(id).await? {
            return Ok(entry.db);
        }
        let owner: Option<String> = self.store.get_setting_json(LEGACY_OWNER).await?;
        Ok(match owner {
            None => LEGACY_DB.to_string(),
            Some(_) => db_name_for_profile(&id.key()),
        })
    }

    /// Record that `id` keeps its data in `db`, and make it the one in use.
    pub async fn activate(
        &self,
        id: &ProfileId,
        cluster_name: &str,
        db: &str,
    ) -> Result<(), StorageError> {
        if db == LEGACY_DB {
            let owner: Option<String> = self.store.get_setting_json(LEGACY_OWNER).await?;
            if owner.is_none() {
                self.store.put_setting_json(LEGACY_OWNER, &id.key()).await?;
            }
        }
        let entry = ProfileEntry {
            id: id.clone(),
            db: db.to_string(),
            cluster_name: cluster_name.to_string(),
            last_used_ms: js_sys::Date::now(),
        };
        self.store
            .put_setting_json(&format!("profile/{}", id.key()), &entry)
            .await?;
        self.store.put_setting_json(ACTIVE, &db.to_string()).await
    }

    /// Migration from versions before profiles: the session found in the
    /// database in use belongs to that database. Recorded unless the registry
    /// already knows the profile.
    pub async fn adopt(
        &self,
        id: &ProfileId,
        cluster_name: &str,
        db: &str,
    ) -> Result<(), StorageError> {
        match self.entry(id).await? {
            Some(_) => Ok(()),
            None => self.activate(id, cluster_name, db).await,
        }
    }
}
