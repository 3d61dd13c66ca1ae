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

/// The characters of a key name, as the OpenAPI document states them (with 1 to [`MAX_NAME`]
/// characters): no ASCII control character, and no space at either end. [`is_name`] checks
/// the same rule.
pub(crate) const NAME_PATTERN: &str = r"^[^\x00-\x20\x7f](?:[^\x00-\x1f\x7f]*[^\x00-\x20\x7f])?$";

/// Whether `name` is a key name: 1 to [`MAX_NAME`] characters, [`NAME_PATTERN`].
pub(crate) fn is_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.chars().count())
        && !name.chars().any(|c| c.is_ascii_control())
        && !name.starts_with(' ')
        && !name.ends_with(' ')
}

/// An IPv4 address in dotted decimal (no leading zeros), as in RFC 3986's `IPv4address`.
const IPV4: &str = r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

/// An allowed network, as the OpenAPI document states it: an IPv4 or IPv6 address (RFC 4291
/// §2.2 text, as Rust's `IpAddr` reads it), optionally `/` and a prefix length (0 to 32 or
/// 0 to 128, no leading zeros). [`parse_network`] reads the same language.
pub(crate) fn network_pattern() -> String {
    let h16 = "[0-9A-Fa-f]{1,4}";
    let ls32 = format!("(?:{h16}:{h16}|{IPV4})");
    // RFC 3986 §3.2.2's IPv6address, the nine ways `::` may sit.
    let ipv6 = [
        format!("(?:{h16}:){{6}}{ls32}"),
        format!("::(?:{h16}:){{5}}{ls32}"),
        format!("(?:{h16})?::(?:{h16}:){{4}}{ls32}"),
        format!("(?:(?:{h16}:){{0,1}}{h16})?::(?:{h16}:){{3}}{ls32}"),
        format!("(?:(?:{h16}:){{0,2}}{h16})?::(?:{h16}:){{2}}{ls32}"),
        format!("(?:(?:{h16}:){{0,3}}{h16})?::{h16}:{ls32}"),
        format!("(?:(?:{h16}:){{0,4}}{h16})?::{ls32}"),
        format!("(?:(?:{h16}:){{0,5}}{h16})?::{h16}"),
        format!("(?:(?:{h16}:){{0,6}}{h16})?::"),
    ]
    .join("|");
    format!(
        "^(?:{IPV4}(?:/(?:3[0-2]|[12]?[0-9]))?|(?:{ipv6})(?:/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$"
    )
}

/// Reads an allowed network: an address (a network of one), or an address, `/` and a prefix
/// length written without leading zeros: [`network_pattern`].
pub(crate) fn parse_network(text: &str) -> Option<IpNet> {
    let (addr, prefix) = match text.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (text, None),
    };
    let addr: std::net::IpAddr = addr.parse().ok()?;
    let Some(prefix) = prefix else {
        return Some(IpNet::from(addr));
    };
    let canonical = prefix.bytes().all(|b| b.is_ascii_digit())
        && !prefix.is_empty()
        && (prefix == "0" || !prefix.starts_with('0'));
    if !canonical {
        return None;
    }
    IpNet::new(addr, prefix.parse().ok()?).ok()
}

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
    /// A name for the key, 1 to 64 characters: no control character, no space at either end.
    pub name: String,
    /// Its scopes: `faxes:read`, `faxes:write`.
    pub scopes: Vec<String>,
    /// `test` or `live`.
    pub environment: String,
    /// Seconds until it expires, 1 to ten years; never when absent or null. Any JSON number
    /// that is whole counts (`3600.0` too, as JSON Schema's `integer` says); a negative one
    /// reads as 0, so it is out of range.
    #[serde(default, deserialize_with = "whole_seconds")]
    pub expires_in: Option<u64>,
    /// Networks it may be used from (CIDRs, at most 16); anywhere when absent.
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
}

/// A whole JSON number as seconds, saturating at 0 and `u64::MAX` (both out of range); a
/// fraction is a type error.
fn whole_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(secs) = n.as_u64() {
        return Ok(Some(secs));
    }
    if n.is_i64() {
        return Ok(Some(0));
    }
    match n.as_f64() {
        // `as` saturates: negative to 0, past u64::MAX to u64::MAX.
        Some(f) if f.fract() == 0.0 => Ok(Some(f as u64)),
        _ => Err(serde::de::Error::custom(
            "invalid type: expected a whole number of seconds",
        )),
    }
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
    if !is_name(&new.name) {
        fields.push(
            FieldError::pointer(
                "/name",
                format!("The name must be 1 to {MAX_NAME} characters, without control characters or spaces at either end."),
            )
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
        match parse_network(n) {
            Some(net) => networks.push(net),
            None => fields.push(
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
    let mut record = KeyRecord::new(&secret, &keys.hasher, &new.name, who.owner())
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
