//! `/account/keys`: make, list and revoke API keys with the account key. A new key's secret is
//! in the answer to `POST` only; the store keeps its hash.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use errcat::axum::{Json, Path};
use errcat::store::keys::{ApiKeySecret, IpNet, KeyHasher, KeyRecord, KeyStore, unix_now};
use errcat::{ApiError, FieldError, FieldSource, JsonPointer, Role};
use serde::{Deserialize, Serialize};

use crate::auth::{ACCOUNT_ENV, AccountKey, PREFIX, READ, WRITE};
use crate::mintfax::Code;

/// The longest `expires_in`: ten years.
pub const MAX_EXPIRES_IN: u64 = 10 * 365 * 86_400;
/// The most networks a key may name.
pub const MAX_NETWORKS: usize = 16;
/// The longest key name.
pub const MAX_NAME: usize = 64;

/// Where the key routes find the keys.
#[derive(Clone)]
pub(crate) struct Keys {
    pub(crate) store: Arc<dyn KeyStore>,
    pub(crate) hasher: KeyHasher,
}

/// `POST /account/keys`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// A name for the key, 1 to 64 characters.
    pub name: String,
    /// Its scopes: `faxes:read`, `faxes:write`.
    pub scopes: Vec<String>,
    /// `test` or `live`.
    pub environment: String,
    /// Seconds until it expires, 1 to ten years; never when absent.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// Networks it may be used from (CIDRs, at most 16); anywhere when absent.
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
}

/// A key as listed: never its secret nor its hash.
#[derive(Serialize)]
pub struct KeyView {
    id: String,
    name: String,
    environment: String,
    scopes: Vec<String>,
    created: u64,
    expires: Option<u64>,
    revoked: Option<u64>,
    allowed_ips: Vec<String>,
}

impl From<&KeyRecord> for KeyView {
    fn from(r: &KeyRecord) -> Self {
        KeyView {
            id: r.id.clone(),
            name: r.name.clone(),
            environment: r.environment.clone(),
            scopes: r.scopes.clone(),
            created: r.created,
            expires: r.expires,
            revoked: r.revoked,
            allowed_ips: r.networks.iter().map(ToString::to_string).collect(),
        }
    }
}

/// A new key: the listing plus its secret, shown this once.
#[derive(Serialize)]
pub struct CreatedKey {
    #[serde(flatten)]
    key: KeyView,
    secret: String,
}

fn unavailable(e: errcat::store::StoreError) -> ApiError {
    ApiError::role(Role::Unavailable)
        .retry_after(1)
        .with_source(e)
}

/// A field error at a pointer made at run time (always valid: `/member/index`).
fn at(pointer: &str, message: &'static str) -> FieldError {
    let source = JsonPointer::parse(pointer).unwrap_or_else(|_| JsonPointer::root());
    FieldError::at(FieldSource::Pointer(source), message)
}

fn check(new: &NewKey) -> Result<Vec<IpNet>, ApiError> {
    let mut fields = Vec::new();
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        fields.push(
            FieldError::pointer("/name", "The name must be 1 to 64 characters.")
                .with_code("invalid_name"),
        );
    }
    if !matches!(new.environment.as_str(), "test" | "live") {
        fields.push(
            FieldError::pointer("/environment", "The environment must be test or live.")
                .with_code("invalid_environment"),
        );
    }
    if new.scopes.is_empty() {
        fields
            .push(FieldError::pointer("/scopes", "Name at least one scope.").with_code("required"));
    }
    for (i, s) in new.scopes.iter().enumerate() {
        if s != READ && s != WRITE {
            fields.push(
                at(
                    &format!("/scopes/{i}"),
                    "A scope is faxes:read or faxes:write.",
                )
                .with_code("invalid_scope"),
            );
        }
    }
    if let Some(secs) = new.expires_in
        && !(1..=MAX_EXPIRES_IN).contains(&secs)
    {
        fields.push(
            FieldError::pointer(
                "/expires_in",
                "expires_in is 1 to 315360000 seconds (ten years).",
            )
            .with_code("out_of_range"),
        );
    }
    let mut networks = Vec::new();
    let ips = new.allowed_ips.as_deref().unwrap_or_default();
    if ips.len() > MAX_NETWORKS {
        fields.push(
            FieldError::pointer("/allowed_ips", "Name at most 16 networks.").with_code("too_many"),
        );
    }
    for (i, n) in ips.iter().take(MAX_NETWORKS).enumerate() {
        let parsed = n
            .parse::<IpNet>()
            .or_else(|_| n.parse::<std::net::IpAddr>().map(IpNet::from));
        match parsed {
            Ok(net) => networks.push(net),
            Err(_) => fields.push(
                at(
                    &format!("/allowed_ips/{i}"),
                    "Write a network as 10.0.0.0/8, 2001:db8::/32 or one address.",
                )
                .with_code("invalid_network"),
            ),
        }
    }
    if fields.is_empty() {
        Ok(networks)
    } else {
        Err(ApiError::new(Code::ValidationFailed).fields_from(fields))
    }
}

pub(crate) async fn create(
    AccountKey(who): AccountKey,
    AxumState(keys): AxumState<Keys>,
    Json(new): Json<NewKey>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    let networks = check(&new)?;
    let secret = ApiKeySecret::generate(PREFIX, &new.environment)
        .map_err(|e| ApiError::role(Role::Internal).with_source(e))?;
    let mut record = KeyRecord::new(&secret, &keys.hasher, new.name.trim(), who.owner())
        .scopes(new.scopes)
        .networks(networks);
    if let Some(secs) = new.expires_in {
        record = record.expires_after(Duration::from_secs(secs));
    }
    keys.store.put(&record).await.map_err(unavailable)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            key: KeyView::from(&record),
            secret: secret.expose().to_owned(),
        }),
    ))
}

pub(crate) async fn list(
    AccountKey(who): AccountKey,
    AxumState(keys): AxumState<Keys>,
) -> Result<Json<Vec<KeyView>>, ApiError> {
    let records = keys.store.list(who.owner()).await.map_err(unavailable)?;
    Ok(Json(records.iter().map(KeyView::from).collect()))
}

pub(crate) async fn revoke(
    AccountKey(who): AccountKey,
    AxumState(keys): AxumState<Keys>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if id.starts_with(&format!("{PREFIX}_{ACCOUNT_ENV}_")) {
        return Err(Code::AcctKeyCreationDashboardOnly.into());
    }
    // Another owner's key is as unknown as a key that does not exist.
    match keys.store.get(&id).await.map_err(unavailable)? {
        Some(r) if r.owner == who.owner() => {
            keys.store
                .revoke(&id, unix_now())
                .await
                .map_err(unavailable)?;
            Ok(StatusCode::NO_CONTENT)
        }
        _ => Err(Code::NotFound.into()),
    }
}
