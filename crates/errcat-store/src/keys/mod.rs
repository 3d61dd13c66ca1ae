//! API keys: the key format, the records a store keeps (only a hash of each secret), and the
//! [`KeyStore`] trait, with [`MemoryStore`](crate::MemoryStore), `RedisStore` (feature
//! `redis`) and a per-instance [`CachedKeyStore`] in front of either.
//!
//! ```
//! use errcat_store::keys::{ApiKeySecret, KeyHasher, KeyRecord, KeyStore as _};
//! use errcat_store::MemoryStore;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let hasher = KeyHasher::sha256();
//! let secret = ApiKeySecret::generate("mfx", "test")?;
//! let record = KeyRecord::new(&secret, &hasher, "CI key", "acct_1").scopes(["faxes:read"]);
//! let store = MemoryStore::new();
//! store.put(&record).await?;
//!
//! // A client sends the key: parse it offline, look it up by id, compare the hash.
//! let sent = ApiKeySecret::parse(secret.expose())?;
//! let found = store.get(sent.id()).await?.expect("stored");
//! assert!(found.matches(&sent, &hasher));
//! assert!(found.has_scope("faxes:read"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod cache;
mod format;
#[cfg(feature = "redis")]
mod redis;
mod verify;

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

pub use cache::CachedKeyStore;
pub use format::{
    ApiKeySecret, CHECKSUM_LEN, GenerateError, ID_LEN, MAX_NAME_LEN, MalformedKey, RANDOM_LEN,
};
pub use ipnet::IpNet;
pub use verify::{DEFAULT_VERIFIED, Verifier};

use crate::StoreFuture;

/// How secrets are hashed before they are stored or compared: SHA-256, or HMAC-SHA256 with a
/// server-side pepper (so a copy of the store alone cannot confirm a guessed key).
///
/// ```
/// use errcat_store::keys::KeyHasher;
///
/// let plain = KeyHasher::sha256();
/// let peppered = KeyHasher::hmac(b"a server-side secret of 32 bytes or more");
/// assert_ne!(plain.hash("mfx_test_x"), peppered.hash("mfx_test_x"));
/// ```
#[derive(Clone)]
pub struct KeyHasher {
    pepper: Option<Vec<u8>>,
}

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.pepper.is_some() {
            "hmac-sha256"
        } else {
            "sha256"
        };
        f.debug_tuple("KeyHasher").field(&kind).finish()
    }
}

impl KeyHasher {
    /// Plain SHA-256 of the whole key.
    pub fn sha256() -> KeyHasher {
        KeyHasher { pepper: None }
    }

    /// HMAC-SHA256 of the whole key under `pepper`.
    pub fn hmac(pepper: &[u8]) -> KeyHasher {
        KeyHasher {
            pepper: Some(pepper.to_vec()),
        }
    }

    /// The hash of a whole key's text.
    pub fn hash(&self, key: &str) -> [u8; 32] {
        match &self.pepper {
            None => Sha256::digest(key.as_bytes()).into(),
            Some(pepper) => {
                // HMAC takes a key of any length.
                let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(pepper) else {
                    return Sha256::digest(key.as_bytes()).into();
                };
                mac.update(key.as_bytes());
                mac.finalize().into_bytes().into()
            }
        }
    }
}

/// What a store keeps of one API key: never the secret, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The key's public id (see [`ApiKeySecret::id`]).
    pub id: String,
    /// A name its owner gave it.
    pub name: String,
    /// Its environment (`test`, `live`).
    pub environment: String,
    /// What it may do (`faxes:read`).
    pub scopes: Vec<String>,
    /// Who it belongs to: an account, a tenant.
    pub owner: String,
    /// When it was made, in whole seconds since the Unix epoch.
    pub created: u64,
    /// When it stops working, in seconds since the epoch; `None` for never.
    pub expires: Option<u64>,
    /// When it was revoked, in seconds since the epoch.
    pub revoked: Option<u64>,
    /// The networks it may be used from; empty for anywhere.
    pub networks: Vec<IpNet>,
    /// The hash of the whole key ([`KeyHasher::hash`]).
    pub hash: [u8; 32],
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl KeyRecord {
    /// A record for `secret`, made now, with no scopes, no expiry and no network limit.
    pub fn new(secret: &ApiKeySecret, hasher: &KeyHasher, name: &str, owner: &str) -> KeyRecord {
        KeyRecord {
            id: secret.id().to_owned(),
            name: name.to_owned(),
            environment: secret.environment().to_owned(),
            scopes: Vec::new(),
            owner: owner.to_owned(),
            created: unix_now(),
            expires: None,
            revoked: None,
            networks: Vec::new(),
            hash: hasher.hash(secret.expose()),
        }
    }

    /// With these scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> KeyRecord
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Expiring `after` from its creation (clamped to the year 2^64 s, so never overflowing).
    pub fn expires_after(mut self, after: Duration) -> KeyRecord {
        self.expires = Some(self.created.saturating_add(after.as_secs()));
        self
    }

    /// Usable only from these networks.
    pub fn networks(mut self, networks: impl IntoIterator<Item = IpNet>) -> KeyRecord {
        self.networks = networks.into_iter().collect();
        self
    }

    /// Whether `secret` is this record's key: same id, and its hash equal in constant time.
    pub fn matches(&self, secret: &ApiKeySecret, hasher: &KeyHasher) -> bool {
        let hash = hasher.hash(secret.expose());
        bool::from(hash.ct_eq(&self.hash)) && self.id == secret.id()
    }

    /// Whether it has been revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked.is_some()
    }

    /// Whether it has expired at `now` (seconds since the epoch).
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires.is_some_and(|e| now >= e)
    }

    /// Whether it has `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Whether it may be used from `addr` (always, when it names no network).
    pub fn allows(&self, addr: IpAddr) -> bool {
        let addr = match addr {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
            v4 => v4,
        };
        self.networks.is_empty() || self.networks.iter().any(|n| n.contains(&addr))
    }
}

/// Where API-key records live. Every store passes one conformance suite.
///
/// `put` adds a record or replaces the one with its id; `revoke` marks it revoked (the record
/// stays, so listings show it and a revoked key is told apart from an unknown one).
pub trait KeyStore: Send + Sync + 'static {
    /// The record with this id, if there is one.
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<KeyRecord>>;
    /// Adds or replaces a record.
    fn put<'a>(&'a self, record: &'a KeyRecord) -> StoreFuture<'a, ()>;
    /// Marks a record revoked at `at` (seconds since the epoch); `false` if there is none.
    /// Revoking twice keeps the first time.
    fn revoke<'a>(&'a self, id: &'a str, at: u64) -> StoreFuture<'a, bool>;
    /// Every record of `owner`, ordered by id.
    fn list<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Vec<KeyRecord>>;

    /// [`KeyStore::get`], shared: a store that keeps records behind an `Arc` (the
    /// [`CachedKeyStore`]) hands out its own without copying them, as authentication's hot
    /// path wants.
    fn get_shared<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<std::sync::Arc<KeyRecord>>> {
        Box::pin(async move { Ok(self.get(id).await?.map(std::sync::Arc::new)) })
    }

    /// The record with this id if the store has it at hand, without a wait (a cache in this
    /// process): `Some(record)` as [`KeyStore::get_shared`] would give it, `None` to ask
    /// `get_shared`. By default `None`; [`CachedKeyStore`] answers for the ids it holds.
    fn get_now(&self, id: &str) -> Option<std::sync::Arc<KeyRecord>> {
        let _ = id;
        None
    }
}

impl<S: KeyStore + ?Sized> KeyStore for std::sync::Arc<S> {
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<KeyRecord>> {
        (**self).get(id)
    }
    fn put<'a>(&'a self, record: &'a KeyRecord) -> StoreFuture<'a, ()> {
        (**self).put(record)
    }
    fn revoke<'a>(&'a self, id: &'a str, at: u64) -> StoreFuture<'a, bool> {
        (**self).revoke(id, at)
    }
    fn list<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Vec<KeyRecord>> {
        (**self).list(owner)
    }
    fn get_shared<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<std::sync::Arc<KeyRecord>>> {
        (**self).get_shared(id)
    }
    fn get_now(&self, id: &str) -> Option<std::sync::Arc<KeyRecord>> {
        (**self).get_now(id)
    }
}

/// Encodes a record as `field=value` lines with percent-free values (for stores that keep
/// text): the inverse of [`decode`].
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn encode(r: &KeyRecord) -> Vec<(&'static str, String)> {
    let opt = |v: Option<u64>| v.map_or_else(String::new, |v| v.to_string());
    vec![
        ("name", r.name.clone()),
        ("environment", r.environment.clone()),
        ("scopes", r.scopes.join(" ")),
        ("owner", r.owner.clone()),
        ("created", r.created.to_string()),
        ("expires", opt(r.expires)),
        ("revoked", opt(r.revoked)),
        (
            "networks",
            r.networks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("hash", r.hash.iter().map(|b| format!("{b:02x}")).collect()),
    ]
}

/// The record `id` from its fields, or why they do not make one.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn decode(id: &str, fields: &[(String, String)]) -> Result<KeyRecord, String> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| format!("key record {id} has no {name}"))
    };
    let num = |name: &str| -> Result<Option<u64>, String> {
        let v = get(name)?;
        if v.is_empty() {
            return Ok(None);
        }
        v.parse()
            .map(Some)
            .map_err(|_| format!("key record {id}: {name} is not a number"))
    };
    let words = |v: &str| -> Vec<String> { v.split_whitespace().map(str::to_owned).collect() };
    let hex = get("hash")?;
    let mut hash = [0u8; 32];
    if hex.len() != 64 {
        return Err(format!("key record {id}: the hash is not 64 hex digits"));
    }
    for (i, slot) in hash.iter_mut().enumerate() {
        *slot = u8::from_str_radix(hex.get(i * 2..i * 2 + 2).unwrap_or(""), 16)
            .map_err(|_| format!("key record {id}: the hash is not hex"))?;
    }
    let networks = words(get("networks")?)
        .iter()
        .map(|n| {
            n.parse()
                .map_err(|_| format!("key record {id}: {n:?} is not a network"))
        })
        .collect::<Result<_, _>>()?;
    Ok(KeyRecord {
        id: id.to_owned(),
        name: get("name")?.to_owned(),
        environment: get("environment")?.to_owned(),
        scopes: words(get("scopes")?),
        owner: get("owner")?.to_owned(),
        created: num("created")?.unwrap_or(0),
        expires: num("expires")?,
        revoked: num("revoked")?,
        networks,
        hash,
    })
}
