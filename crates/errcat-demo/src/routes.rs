//! The demo's handlers and in-memory state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine as _;
use errcat::axum::{Json, Path, Query};
use errcat::{ApiError, FieldError};
use serde::{Deserialize, Serialize};

use crate::MAX_FILE_BYTES;
use crate::auth::{AccountKey, EnvKey, Environment};
use crate::mintfax::{self, Code};

/// What a fax costs, in credits.
pub const FAX_COST: i64 = 2;

/// How long a fax stays queued before it is delivered.
pub const DELIVERY_TIME: Duration = Duration::from_secs(2);

struct Fax {
    env: Environment,
    to: String,
    pages: u32,
    created: Instant,
    created_at: String,
}

impl Fax {
    fn status(&self) -> &'static str {
        let [queued, delivered] = FAX_STATUSES;
        if self.created.elapsed() >= DELIVERY_TIME {
            delivered
        } else {
            queued
        }
    }
}

pub(crate) struct State {
    faxes: Mutex<HashMap<String, Fax>>,
    balances: Mutex<HashMap<Environment, i64>>,
    gate: Option<crate::Gate>,
    keys: crate::key_routes::Keys,
}

impl axum::extract::FromRef<Arc<State>> for crate::key_routes::Keys {
    fn from_ref(state: &Arc<State>) -> Self {
        state.keys.clone()
    }
}

impl State {
    pub(crate) fn new(
        gate: Option<crate::Gate>,
        keys: crate::key_routes::Keys,
        sandbox_credits: i64,
    ) -> State {
        State {
            gate,
            keys,
            faxes: Mutex::new(HashMap::new()),
            balances: Mutex::new(HashMap::from([
                (Environment::Sandbox, sandbox_credits),
                (Environment::Live, 0),
            ])),
        }
    }

    fn faxes(&self) -> Result<MutexGuard<'_, HashMap<String, Fax>>, ApiError> {
        self.faxes.lock().map_err(|_| {
            ApiError::new(Code::InternalServerError).with_source("the fax store's lock is poisoned")
        })
    }

    fn balances(&self) -> Result<MutexGuard<'_, HashMap<Environment, i64>>, ApiError> {
        self.balances.lock().map_err(|_| {
            ApiError::new(Code::InternalServerError)
                .with_source("the balance store's lock is poisoned")
        })
    }
}

type St = AxumState<Arc<State>>;

/// `POST /faxes`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFax {
    /// The recipient, E.164.
    pub to: String,
    /// The document.
    pub file: NewFile,
}

/// A document to fax.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFile {
    /// `application/pdf`, `image/tiff` or `image/jpeg`.
    pub content_type: String,
    /// The document, base64.
    #[serde(rename = "content_base64")]
    pub content: String,
}

/// A fax as the API shows it.
#[derive(Serialize)]
pub struct FaxView {
    id: String,
    to: String,
    status: &'static str,
    pages: u32,
    created_at: String,
}

fn view(id: &str, f: &Fax) -> FaxView {
    FaxView {
        id: id.to_string(),
        to: f.to.clone(),
        status: f.status(),
        pages: f.pages,
        created_at: f.created_at.clone(),
    }
}

/// The `to` rule, as the OpenAPI document states it (`NewFax.to`): `+`, then 2 to 15 digits, the
/// first not 0. [`is_e164`] checks the same rule.
pub(crate) const E164_PATTERN: &str = r"^\+[1-9][0-9]{1,14}$";

/// Whether `to` is an E.164 number: [`E164_PATTERN`].
pub(crate) fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (2..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// The document types a fax may carry, each with the bytes its content must start with (any
/// of them). The validation and the OpenAPI document (a pattern per type on
/// `content_base64`) both read this table.
pub(crate) const FILE_TYPES: [(&str, &[&[u8]]); 3] = [
    ("application/pdf", &[b"%PDF-"]),
    ("image/tiff", &[b"II*\0", b"MM\0*"]),
    ("image/jpeg", &[&[0xFF, 0xD8, 0xFF]]),
];

/// A fax's pages: one per started [`BYTES_PER_PAGE`] of its document.
pub(crate) const BYTES_PER_PAGE: usize = 100_000;

/// The most pages a fax can have: that of the largest document.
pub(crate) const MAX_PAGES: u32 = 1 + (MAX_FILE_BYTES / BYTES_PER_PAGE) as u32;

/// A fax's statuses, as `GET /faxes?status=` takes them and a fax shows them.
pub(crate) const FAX_STATUSES: [&str; 2] = ["queued", "delivered"];

/// The id of a fax: this prefix, then a ULID.
pub(crate) const FAX_ID_PREFIX: &str = "fax_";

/// The pattern of a fax id, as the OpenAPI document states it: [`FAX_ID_PREFIX`] and a ULID
/// (26 characters of Crockford's base32, upper case, as `ulid` writes them).
pub(crate) const FAX_ID_PATTERN: &str = "^fax_[0-9A-HJKMNP-TV-Z]{26}$";

/// `GET /faxes`'s `limit` when there is none.
pub(crate) const DEFAULT_LIMIT: u32 = 20;
/// `GET /faxes`'s largest `limit`.
pub(crate) const MAX_LIMIT: u32 = 100;

fn matches_magic(content_type: &str, data: &[u8]) -> bool {
    FILE_TYPES
        .iter()
        .filter(|(t, _)| *t == content_type)
        .any(|(_, magic)| magic.iter().any(|m| data.starts_with(m)))
}

/// Checks every field and reports every failure at once.
fn validate(fax: &NewFax) -> Result<Vec<u8>, ApiError> {
    let mut fields = Vec::new();
    if fax.to.is_empty() {
        fields.push(FieldError::pointer("/to", "The to field is required.").with_code("required"));
    } else if !is_e164(&fax.to) {
        fields.push(
            FieldError::pointer(
                "/to",
                "The to field must be an E.164 number, such as +15551234567.",
            )
            .with_code("invalid_phone"),
        );
    }
    let type_ok = FILE_TYPES
        .iter()
        .any(|(t, _)| *t == fax.file.content_type.as_str());
    if !type_ok {
        fields.push(
            FieldError::pointer(
                "/file/content_type",
                "The file must be a PDF, TIFF, or JPEG.",
            )
            .with_code("invalid_file_type"),
        );
    }
    let mut data = Vec::new();
    match base64::engine::general_purpose::STANDARD.decode(fax.file.content.as_bytes()) {
        Err(_) => fields.push(
            FieldError::pointer("/file/content_base64", "The file is not valid base64.")
                .with_code("invalid_encoding"),
        ),
        Ok(d) if d.len() > MAX_FILE_BYTES => fields.push(
            FieldError::pointer("/file/content_base64", "The file may be 10 MB at most.")
                .with_code("file_too_large"),
        ),
        Ok(d) if d.is_empty() => fields.push(
            FieldError::pointer("/file/content_base64", "The file is required.")
                .with_code("required"),
        ),
        Ok(d) if type_ok && !matches_magic(&fax.file.content_type, &d) => fields.push(
            FieldError::pointer(
                "/file/content_base64",
                "The file's content does not match its content_type.",
            )
            .with_code("content_mismatch"),
        ),
        Ok(d) => data = d,
    }
    if fields.is_empty() {
        Ok(data)
    } else {
        Err(ApiError::new(Code::ValidationFailed).fields_from(fields))
    }
}

pub(crate) async fn send_fax(
    EnvKey(env): EnvKey,
    AxumState(state): St,
    Json(fax): Json<NewFax>,
) -> Result<impl IntoResponse, ApiError> {
    let data = validate(&fax)?;
    {
        let mut balances = state.balances()?;
        let balance = balances.entry(env).or_insert(0);
        if *balance < FAX_COST {
            return Err(mintfax::insufficient_balance(
                *balance as f64,
                FAX_COST as f64,
            ));
        }
        *balance -= FAX_COST;
    }
    let id = format!("{FAX_ID_PREFIX}{}", ulid::Ulid::new());
    let fax = Fax {
        env,
        to: fax.to,
        pages: 1 + (data.len() / BYTES_PER_PAGE) as u32,
        created: Instant::now(),
        created_at: humantime_now(),
    };
    let v = view(&id, &fax);
    state.faxes()?.insert(id, fax);
    Ok((StatusCode::CREATED, Json(v)))
}

fn humantime_now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// `GET /faxes` parameters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// At most this many faxes (1 to `MAX_LIMIT`, 100; `DEFAULT_LIMIT`, 20, when absent).
    pub limit: Option<u32>,
    /// Only faxes in this status.
    pub status: Option<FaxStatus>,
}

/// A fax status filter.
#[derive(Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum FaxStatus {
    /// Not yet sent.
    Queued,
    /// Sent.
    Delivered,
}

pub(crate) async fn list_faxes(
    EnvKey(env): EnvKey,
    AxumState(state): St,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<FaxView>>, ApiError> {
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::new(Code::ValidationFailed).field(
            FieldError::parameter("limit", format!("limit must be between 1 and {MAX_LIMIT}."))
                .with_code("out_of_range"),
        ));
    }
    let faxes = state.faxes()?;
    let mut out: Vec<FaxView> = faxes
        .iter()
        .filter(|(_, f)| f.env == env)
        .filter(|(_, f)| match p.status {
            Some(FaxStatus::Queued) => f.status() == "queued",
            Some(FaxStatus::Delivered) => f.status() == "delivered",
            None => true,
        })
        .map(|(id, f)| view(id, f))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.truncate(limit as usize);
    Ok(Json(out))
}

/// Finds a fax of the caller's environment: another environment's fax is `forbidden`.
fn find<'a>(
    faxes: &'a HashMap<String, Fax>,
    id: &str,
    env: Environment,
) -> Result<&'a Fax, ApiError> {
    match faxes.get(id) {
        None => Err(Code::NotFound.into()),
        Some(f) if f.env != env => Err(Code::Forbidden.into()),
        Some(f) => Ok(f),
    }
}

pub(crate) async fn get_fax(
    EnvKey(env): EnvKey,
    AxumState(state): St,
    Path(id): Path<String>,
) -> Result<Json<FaxView>, ApiError> {
    let faxes = state.faxes()?;
    Ok(Json(view(&id, find(&faxes, &id, env)?)))
}

pub(crate) async fn get_page(
    EnvKey(env): EnvKey,
    AxumState(state): St,
    Path((id, page)): Path<(String, u32)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // A page no fax can have is a bad parameter; one past this fax's last is not found.
    if !(1..=MAX_PAGES).contains(&page) {
        return Err(ApiError::role(errcat::Role::InvalidParameter).field(
            FieldError::parameter("page", format!("page must be between 1 and {MAX_PAGES}."))
                .with_code("out_of_range"),
        ));
    }
    let faxes = state.faxes()?;
    let fax = find(&faxes, &id, env)?;
    if page > fax.pages {
        return Err(Code::NotFound.into());
    }
    Ok(Json(
        serde_json::json!({"fax_id": id, "page": page, "of": fax.pages}),
    ))
}

pub(crate) async fn delete_fax(
    EnvKey(env): EnvKey,
    AxumState(state): St,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut faxes = state.faxes()?;
    if find(&faxes, &id, env)?.status() != "delivered" {
        return Err(Code::FaxNotTerminal.into());
    }
    faxes.remove(&id);
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn resend(
    EnvKey(env): EnvKey,
    AxumState(state): St,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let faxes = state.faxes()?;
    // The demo runs in zero-footprint mode: a delivered fax's document is purged at once.
    match find(&faxes, &id, env)?.status() {
        "delivered" => Err(Code::FaxDataPurged.into()),
        _ => Err(Code::FaxNotTerminal.into()),
    }
}

pub(crate) async fn balance(
    _: AccountKey,
    AxumState(state): St,
) -> Result<Json<serde_json::Value>, ApiError> {
    let b = state.balances()?;
    Ok(Json(serde_json::json!({
        "sandbox": b.get(&Environment::Sandbox).copied().unwrap_or(0),
        "live": b.get(&Environment::Live).copied().unwrap_or(0),
    })))
}

pub(crate) async fn fail() -> Result<(), ApiError> {
    let io =
        std::io::Error::other("the demo's storage backend refused the write (hidden from clients)");
    Err(ApiError::new(Code::InternalServerError).with_source(io))
}

pub(crate) async fn panic() -> &'static str {
    panic!("the demo panics on purpose: this text must never reach a client")
}

/// `GET /debug/slow` parameters.
#[derive(Deserialize)]
pub struct SlowParams {
    /// How long to sleep, in milliseconds.
    pub ms: u64,
}

/// The longest `GET /debug/slow` wait, in milliseconds.
pub(crate) const MAX_SLOW_MS: u64 = 60_000;

pub(crate) async fn slow(
    AxumState(state): St,
    Query(p): Query<SlowParams>,
) -> Result<&'static str, ApiError> {
    if p.ms > MAX_SLOW_MS {
        return Err(ApiError::role(errcat::Role::InvalidParameter).field(
            FieldError::parameter("ms", format!("ms must be between 0 and {MAX_SLOW_MS}."))
                .with_code("out_of_range"),
        ));
    }
    let most = Duration::from_millis(p.ms);
    match &state.gate {
        Some(gate) => gate.pass(most).await,
        None => tokio::time::sleep(most).await,
    }
    Ok("slept")
}
