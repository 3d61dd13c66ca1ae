//! The demo's keys (seed 000's kinds: `mfx_test_`, `mfx_live_`, `mfx_acct_`), generated at
//! start, and what a handler learns from the authenticated [`Principal`].

use axum::extract::FromRequestParts;
use errcat::auth::Principal;
use errcat::store::keys::{ApiKeySecret, KeyHasher, KeyRecord};
use errcat::{ApiError, Role};

use crate::mintfax::Code;

/// The API's key prefix.
pub const PREFIX: &str = "mfx";
/// The environment of account keys (`mfx_acct_…`).
pub const ACCOUNT_ENV: &str = "acct";
/// What environment keys may do: read faxes.
pub const READ: &str = "faxes:read";
/// What environment keys may do: send and delete faxes.
pub const WRITE: &str = "faxes:write";
/// What account keys may do: manage keys and see balances.
pub const ACCOUNT: &str = "account";
/// The owner of the demo's keys.
pub const OWNER: &str = "acct_demo";

/// The keys the demo makes at start, one per kind, printed in its banner. Each run has new
/// ones: they are real keys, checksummed, hashed at rest.
#[derive(Clone)]
pub struct DemoKeys {
    /// A sandbox key; the sandbox starts with 5 credits.
    pub sandbox: ApiKeySecret,
    /// A live key; live starts with no credits.
    pub live: ApiKeySecret,
    /// The account key, for `/account/*`.
    pub account: ApiKeySecret,
    /// A sandbox key on the free plan: 2 requests per second, 30 per hour, so a 429 is three
    /// quick requests away.
    pub free: ApiKeySecret,
}

impl std::fmt::Debug for DemoKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoKeys")
            .field("sandbox", &self.sandbox.id())
            .field("live", &self.live.id())
            .field("account", &self.account.id())
            .field("free", &self.free.id())
            .finish()
    }
}

impl DemoKeys {
    /// Four new keys from the OS's random source.
    ///
    /// # Panics
    ///
    /// If the OS has no random source (the demo cannot make keys without one).
    pub fn generate() -> DemoKeys {
        let key = |env: &str| match ApiKeySecret::generate(PREFIX, env) {
            Ok(k) => k,
            Err(e) => panic!("the demo cannot make its keys: {e}"),
        };
        DemoKeys {
            sandbox: key("test"),
            live: key("live"),
            account: key(ACCOUNT_ENV),
            free: key("test"),
        }
    }

    /// The records to store for them.
    pub fn records(&self, hasher: &KeyHasher) -> Vec<KeyRecord> {
        let env = [READ, WRITE];
        vec![
            KeyRecord::new(&self.sandbox, hasher, "sandbox", OWNER).scopes(env),
            KeyRecord::new(&self.live, hasher, "live", OWNER).scopes(env),
            KeyRecord::new(&self.account, hasher, "account", OWNER).scopes([ACCOUNT]),
            KeyRecord::new(&self.free, hasher, "free plan", OWNER).scopes(env),
        ]
    }
}

impl Default for DemoKeys {
    fn default() -> Self {
        DemoKeys::generate()
    }
}

/// Where a fax lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `mfx_test_…`
    Sandbox,
    /// `mfx_live_…`
    Live,
}

impl Environment {
    /// The key environment's name.
    pub fn name(self) -> &'static str {
        match self {
            Environment::Sandbox => "test",
            Environment::Live => "live",
        }
    }
}

/// A caller authenticated with an environment key.
pub struct EnvKey(pub Environment);

/// A caller authenticated with an account key: who owns it.
pub struct AccountKey(pub Principal);

fn principal(parts: &axum::http::request::Parts) -> Result<Principal, ApiError> {
    parts
        .extensions
        .get::<Principal>()
        .cloned()
        .ok_or_else(|| ApiError::role(Role::MissingCredentials))
}

impl<S: Send + Sync> FromRequestParts<S> for EnvKey {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ApiError> {
        match principal(parts)?.environment() {
            "test" => Ok(EnvKey(Environment::Sandbox)),
            "live" => Ok(EnvKey(Environment::Live)),
            _ => Err(Code::KeyNotScopedForOperations.into()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AccountKey {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ApiError> {
        let p = principal(parts)?;
        if p.environment() == ACCOUNT_ENV {
            Ok(AccountKey(p))
        } else {
            Err(Code::KeyNotScopedForAccount.into())
        }
    }
}
