//! Bearer API keys: sandbox, live and account scopes (seed 000's key kinds).

use axum::extract::FromRequestParts;
use errcat::ApiError;

use crate::keys;
use crate::mintfax::Code;

/// Where a fax lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `mfx_test_…`
    Sandbox,
    /// `mfx_live_…`
    Live,
}

/// A caller authenticated with an environment key.
pub struct EnvKey(pub Environment);

/// A caller authenticated with an account key.
pub struct AccountKey;

enum Key {
    Env(Environment),
    Account,
}

fn authenticate(parts: &axum::http::request::Parts) -> Result<Key, ApiError> {
    let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
        return Err(Code::ApiKeyMissing.into());
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.contains(' '))
        .ok_or_else(|| ApiError::from(Code::Unauthenticated))?;
    match token {
        keys::SANDBOX | keys::FREE => Ok(Key::Env(Environment::Sandbox)),
        keys::LIVE => Ok(Key::Env(Environment::Live)),
        keys::ACCOUNT => Ok(Key::Account),
        _ => Err(Code::ApiKeyInvalid.into()),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for EnvKey {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ApiError> {
        match authenticate(parts)? {
            Key::Env(env) => Ok(EnvKey(env)),
            Key::Account => Err(Code::KeyNotScopedForOperations.into()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AccountKey {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ApiError> {
        match authenticate(parts)? {
            Key::Account => Ok(AccountKey),
            Key::Env(_) => Err(Code::KeyNotScopedForAccount.into()),
        }
    }
}
