//! Drop-in extractors whose rejections are catalog errors with JSON Pointers.

use std::fmt::Write as _;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_TYPE;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ApiError, FieldError, FieldSource, JsonPointer, Role};

/// A JSON body. Rejections:
///
/// | failure | role | field error |
/// |---|---|---|
/// | no or another `Content-Type` | `unsupported_media_type` | header `content-type` |
/// | body over the limit (declared or streamed) | `payload_too_large` | |
/// | not JSON | `invalid_json` | the body root, with line and column |
/// | JSON of the wrong shape | `validation_failed` | the JSON Pointer of the failing member |
///
/// Pointers name the members as the client wrote them, so `#[serde(rename)]` is honoured.
///
/// As a response, `Json<T>` serializes `T` with `application/json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(CONTENT_TYPE) else {
        return false;
    };
    // The essence (before any parameter), trimmed, compared without allocating.
    let ct = ct.as_bytes();
    let essence = ct
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    let Some(sub) = strip_prefix_ignore_case(essence, b"application/") else {
        return false;
    };
    sub.eq_ignore_ascii_case(b"json")
        || sub.len() > 5 && sub[sub.len() - 5..].eq_ignore_ascii_case(b"+json")
}

fn strip_prefix_ignore_case<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, rest) = s.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = json_body(req, state).await?;
        from_json_slice(&bytes).map(Json)
    }
}

/// The body of a JSON request: checks the content type and the size limit.
pub(crate) async fn json_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    if !is_json_content_type(req.headers()) {
        let got = req
            .headers()
            .get(CONTENT_TYPE)
            .map_or("no Content-Type".to_string(), |v| {
                format!("Content-Type {}", String::from_utf8_lossy(v.as_bytes()))
            });
        return Err(
            ApiError::role(Role::UnsupportedMediaType).field(FieldError::header(
                "content-type",
                format!("expected application/json, got {got}"),
            )),
        );
    }
    Bytes::from_request(req, state).await.map_err(|rejection| {
        let role = if rejection.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
            Role::PayloadTooLarge
        } else {
            Role::InvalidJson
        };
        ApiError::role(role).with_source(rejection.body_text())
    })
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Deserializes JSON, turning every failure into a catalog error.
///
/// ```
/// use errcat::{Role, axum::Json};
/// #[derive(serde::Deserialize, Debug)]
/// struct Fax { #[serde(rename = "to_number")] to: String, pages: Vec<u32> }
///
/// let err = errcat::axum::from_json_slice::<Fax>(br#"{"to_number": "+1", "pages": [1, "two"]}"#).unwrap_err();
/// assert_eq!(err.code().role_of(), Some(Role::ValidationFailed));
/// assert_eq!(err.fields()[0].source, errcat::FieldSource::Pointer(errcat::JsonPointer::parse("/pages/1").unwrap()));
///
/// let err = errcat::axum::from_json_slice::<Fax>(br#"{"pages": []}"#).unwrap_err();
/// assert_eq!(err.fields()[0].source.name(), "to_number");
///
/// let err = errcat::axum::from_json_slice::<Fax>(b"{oops").unwrap_err();
/// assert_eq!(err.code().role_of(), Some(Role::InvalidJson));
/// ```
pub fn from_json_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => Err(syntax_error(&e)),
        },
        Err(e) => {
            let inner = e.inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let message = message_of(inner);
                    let pointer = pointer_of(e.path(), &message);
                    Err(ApiError::role(Role::ValidationFailed)
                        .field(FieldError::at(FieldSource::Pointer(pointer), message)))
                }
                _ => Err(syntax_error(inner)),
            }
        }
    }
}

fn syntax_error(e: &serde_json::Error) -> ApiError {
    ApiError::role(Role::InvalidJson).field(FieldError::at(
        FieldSource::Pointer(JsonPointer::root()),
        e.to_string(),
    ))
}

/// A serde_json error's message without its position.
///
/// serde_json writes the position as ` at line {line} column {column}` after the message: the
/// writer stops at ` at line`, so the numbers are never formatted, and whatever the writer let
/// through is cut at the position too, should serde_json ever write it in one piece.
fn message_of(e: &serde_json::Error) -> String {
    struct UntilPosition(String);
    impl std::fmt::Write for UntilPosition {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            if s == " at line " {
                return Err(std::fmt::Error);
            }
            self.0.push_str(s);
            Ok(())
        }
    }
    let mut w = UntilPosition(String::with_capacity(64));
    let _ = write!(w, "{e}");
    let mut message = w.0;
    message.truncate(position_start(&message));
    message
}

/// Where the position starts in a serde_json message: `invalid type: …, expected … at line 1
/// column 9` → the index of ` at line`; the message's length when it has no position.
fn position_start(message: &str) -> usize {
    let digits = |s: &str| s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let column = &message[..digits(message)];
    column
        .strip_suffix(" column ")
        .map(|rest| &rest[..digits(rest)])
        .and_then(|rest| rest.strip_suffix(" at line "))
        .map_or(message.len(), str::len)
}

/// The member a serde error names: `missing field `x`` and `unknown field `x`` name a member
/// of the object at `path`.
fn named_member(message: &str) -> Option<&str> {
    for prefix in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return rest.split('`').next();
        }
    }
    None
}

fn pointer_of(path: &serde_path_to_error::Path, message: &str) -> JsonPointer {
    use serde_path_to_error::Segment;
    let mut p = JsonPointer::root();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => p.push(&index.to_string()),
            Segment::Map { key } => p.push(key),
            Segment::Enum { variant } => p.push(variant),
            Segment::Unknown => {}
        }
    }
    if let Some(member) = named_member(message) {
        // serde reports a missing member at the object that lacks it.
        if !p.as_str().ends_with(&format!("/{member}")) {
            p.push(member);
        }
    }
    p
}

/// Query parameters. A parameter that does not parse is rejected with the catalog's
/// `invalid_parameter` role, naming the parameter.
///
/// ```
/// use errcat::Role;
/// #[derive(serde::Deserialize, Debug)]
/// struct Page { limit: u32 }
/// let err = errcat::axum::Query::<Page>::from_query("limit=ten").unwrap_err();
/// assert_eq!(err.code().role_of(), Some(Role::InvalidParameter));
/// assert_eq!(err.fields()[0].source.name(), "limit");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> Query<T> {
    /// Parses a query string (without the `?`).
    pub fn from_query(query: &str) -> Result<Query<T>, ApiError> {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(Query)
            .map_err(|e| {
                let message = e.inner().to_string();
                let name = named_member(&message)
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        e.path()
                            .iter()
                            .filter_map(|s| match s {
                                serde_path_to_error::Segment::Map { key } => Some(key.as_str()),
                                _ => None,
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                    });
                ApiError::role(Role::InvalidParameter).field(FieldError::parameter(name, message))
            })
    }
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, ApiError> {
        Query::from_query(parts.uri.query().unwrap_or(""))
    }
}

/// The name of the `index`-th parameter of the matched route (`/faxes/{id}/pages/{page}`, 1 →
/// `page`).
fn param_name(parts: &http::request::Parts, index: usize) -> Option<String> {
    let matched = parts.extensions.get::<axum::extract::MatchedPath>()?;
    matched
        .as_str()
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| name.trim_start_matches('*').to_string())
        .nth(index)
}

/// Path parameters. A parameter that does not parse is rejected with the catalog's
/// `invalid_parameter` role, naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let message = e.body_text();
                let name = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => key.clone(),
                    ErrorKind::ParseErrorAtIndex { index, .. } => {
                        param_name(parts, *index).unwrap_or_else(|| index.to_string())
                    }
                    _ => String::from("path"),
                };
                Err(ApiError::role(Role::InvalidParameter)
                    .field(FieldError::parameter(name, message)))
            }
            Err(other) => Err(ApiError::role(Role::Internal).with_source(other.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_their_position() {
        let e = serde_json::from_str::<String>("\n 5").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: integer `5`, expected a string at line 2 column 2"
        );
        assert_eq!(
            message_of(&e),
            "invalid type: integer `5`, expected a string"
        );
        let e = serde_json::from_str::<String>("\"a").unwrap_err();
        assert_eq!(message_of(&e), "EOF while parsing a string");
    }

    #[test]
    fn position_is_cut_from_serde_messages() {
        let m = "invalid type: integer `5`, expected a string at line 1 column 8";
        assert_eq!(
            &m[..position_start(m)],
            "invalid type: integer `5`, expected a string"
        );
        for m in ["no position here", "at line 3", "x column 4", ""] {
            assert_eq!(position_start(m), m.len());
        }
    }

    #[test]
    fn json_content_types() {
        let check = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, http::HeaderValue::from_str(v).unwrap());
            is_json_content_type(&h)
        };
        for yes in [
            "application/json",
            "Application/JSON; charset=utf-8",
            " application/json ;x=y",
            "application/problem+json",
            "application/VND.API+JSON",
        ] {
            assert!(check(yes), "{yes}");
        }
        for no in [
            "text/json",
            "application/jsonx",
            "application/+json",
            "application/",
            "json",
            "",
        ] {
            assert!(!check(no), "{no}");
        }
        assert!(!is_json_content_type(&HeaderMap::new()));
    }
}
