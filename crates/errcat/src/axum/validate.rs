//! Field errors from garde and validator reports, with JSON Pointers into the body the client
//! sent.
//!
//! Both crates name fields as Rust does; the client wrote the names serde expects. Each path is
//! walked through the request body: a Rust name matches the body's member of the same name, or
//! else the member whose name is equal ignoring case, `_` and `-` (which covers
//! `#[serde(rename_all = "camelCase")]` and kebab-case). A member the body lacks keeps its
//! Rust name. Neither crate can see an arbitrary `#[serde(rename = "...")]` (say `cover` for
//! `cover_page`; garde 0.22 parses `#[garde(rename)]` but does not apply it), so such a member,
//! and what lies below it, keeps its Rust name.

#[cfg(any(feature = "garde", feature = "validator"))]
use axum::extract::FromRequest;
use axum::extract::Request;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::{ApiError, FieldError, FieldSource, JsonPointer, Role};

/// One step of a validator's path, as Rust names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The JSON Pointer of a Rust-named path within `body`.
pub(crate) fn pointer_in(body: &Json, steps: &[Step]) -> JsonPointer {
    let mut p = JsonPointer::root();
    let mut at = Some(body);
    for step in steps {
        match step {
            Step::Index(i) => {
                p.push(&i.to_string());
                at = at.and_then(|v| v.get(*i));
            }
            Step::Key(rust) => {
                let obj = at.and_then(Json::as_object);
                let name = obj.and_then(|o| {
                    if o.contains_key(rust) {
                        Some(rust.clone())
                    } else {
                        let n = normalize(rust);
                        o.keys().find(|k| normalize(k) == n).cloned()
                    }
                });
                let name = name.unwrap_or_else(|| rust.clone());
                at = obj.and_then(|o| o.get(&name));
                p.push(&name);
            }
        }
    }
    p
}

/// Reads a JSON body with [`super::Json`]'s rejections, then validates it; a failing check
/// becomes the `validation_failed` role, with the field errors `fields` maps into the body the
/// client sent.
#[cfg(any(feature = "garde", feature = "validator"))]
async fn read_valid<T, S, E>(
    req: Request,
    state: &S,
    validate: impl FnOnce(&T) -> Result<(), E>,
    fields: impl FnOnce(&E, &Json) -> Vec<FieldError>,
) -> Result<T, ApiError>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    let raw: Bytes = super::extract::json_body(req, state).await?;
    let value = super::from_json_slice::<T>(&raw)?;
    match validate(&value) {
        Ok(()) => Ok(value),
        Err(e) => {
            let body = serde_json::from_slice(&raw).unwrap_or(Json::Null);
            Err(ApiError::role(Role::ValidationFailed).fields_from(fields(&e, &body)))
        }
    }
}

/// garde: field errors from a [`garde::Report`](::garde::Report), and a validating JSON extractor.
#[cfg(feature = "garde")]
pub mod garde {
    use super::*;

    /// Parses garde's path display (`items[0].name`) into steps.
    fn steps(path: &::garde::Path) -> Vec<Step> {
        let text = path.to_string();
        let mut out = Vec::new();
        for part in text.split('.') {
            let mut rest = part;
            if let Some(i) = rest.find('[') {
                if i > 0 {
                    out.push(Step::Key(rest[..i].to_string()));
                }
                rest = &rest[i..];
                while let Some(close) = rest.find(']') {
                    match rest[1..close].parse() {
                        Ok(n) => out.push(Step::Index(n)),
                        Err(_) => out.push(Step::Key(rest[1..close].to_string())),
                    }
                    rest = &rest[close + 1..];
                }
            } else if !rest.is_empty() {
                out.push(Step::Key(rest.to_string()));
            }
        }
        out
    }

    /// The report's errors as field errors pointing into `body`.
    ///
    /// ```
    /// use garde::Validate;
    /// #[derive(Validate, serde::Deserialize)]
    /// #[serde(rename_all = "camelCase")]
    /// struct Fax { #[garde(length(min = 2))] to_number: String }
    ///
    /// let body = serde_json::json!({"toNumber": "1"});
    /// let fax: Fax = serde_json::from_value(body.clone()).unwrap();
    /// let fields = errcat::axum::garde::field_errors(&fax.validate().unwrap_err(), &body);
    /// assert_eq!(fields[0].source, errcat::FieldSource::Pointer(errcat::JsonPointer::parse("/toNumber").unwrap()));
    /// ```
    pub fn field_errors(report: &::garde::Report, body: &Json) -> Vec<FieldError> {
        report
            .iter()
            .map(|(path, err)| {
                FieldError::at(
                    FieldSource::Pointer(pointer_in(body, &steps(path))),
                    err.message().to_string(),
                )
            })
            .collect()
    }

    /// A JSON body validated with garde. Rejections are [`Json`](super::super::Json)'s, plus the
    /// `validation_failed` role with one field error per failing rule.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Valid<T>(pub T);

    impl<T, S> FromRequest<S> for Valid<T>
    where
        T: DeserializeOwned + ::garde::Validate,
        T::Context: Default,
        S: Send + Sync,
    {
        type Rejection = ApiError;

        async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
            read_valid(req, state, |v: &T| v.validate(), field_errors)
                .await
                .map(Valid)
        }
    }
}

/// validator: field errors from [`validator::ValidationErrors`](::validator::ValidationErrors), and a validating JSON extractor.
#[cfg(feature = "validator")]
pub mod validator {
    use super::*;
    use ::validator::{ValidationErrors, ValidationErrorsKind};

    fn walk(
        errors: &ValidationErrors,
        prefix: &mut Vec<Step>,
        body: &Json,
        out: &mut Vec<FieldError>,
    ) {
        // HashMap order is arbitrary: sort by field name so responses are stable.
        let mut entries: Vec<_> = errors.errors().iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (field, kind) in entries {
            prefix.push(Step::Key(field.to_string()));
            match kind {
                ValidationErrorsKind::Field(list) => {
                    let pointer = pointer_in(body, prefix);
                    for e in list {
                        let message = e
                            .message
                            .as_ref()
                            .map_or_else(|| describe(e), |m| m.to_string());
                        out.push(
                            FieldError::at(FieldSource::Pointer(pointer.clone()), message)
                                .with_code(e.code.to_string()),
                        );
                    }
                }
                ValidationErrorsKind::Struct(inner) => walk(inner, prefix, body, out),
                ValidationErrorsKind::List(items) => {
                    for (i, inner) in items {
                        prefix.push(Step::Index(*i));
                        walk(inner, prefix, body, out);
                        prefix.pop();
                    }
                }
            }
            prefix.pop();
        }
    }

    /// A message for an error validator gave none: its code and parameters.
    fn describe(e: &::validator::ValidationError) -> String {
        let mut params: Vec<String> = e
            .params
            .iter()
            .filter(|(k, _)| *k != "value")
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        params.sort();
        if params.is_empty() {
            format!("failed the `{}` check", e.code)
        } else {
            format!("failed the `{}` check ({})", e.code, params.join(", "))
        }
    }

    /// The errors as field errors pointing into `body`, with validator's codes.
    ///
    /// ```
    /// use validator::Validate;
    /// #[derive(Validate, serde::Deserialize)]
    /// struct Fax { #[serde(rename = "to-number")] #[validate(length(min = 2))] to_number: String }
    ///
    /// let body = serde_json::json!({"to-number": "1"});
    /// let fax: Fax = serde_json::from_value(body.clone()).unwrap();
    /// let fields = errcat::axum::validator::field_errors(&fax.validate().unwrap_err(), &body);
    /// assert_eq!(fields[0].source.name(), "to-number");
    /// assert_eq!(fields[0].code.as_deref(), Some("length"));
    /// ```
    pub fn field_errors(errors: &ValidationErrors, body: &Json) -> Vec<FieldError> {
        let mut out = Vec::new();
        walk(errors, &mut Vec::new(), body, &mut out);
        out
    }

    /// A JSON body validated with validator. Rejections are [`Json`](super::super::Json)'s, plus
    /// the `validation_failed` role with one field error per failing check.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Valid<T>(pub T);

    impl<T, S> FromRequest<S> for Valid<T>
    where
        T: DeserializeOwned + ::validator::Validate,
        S: Send + Sync,
    {
        type Rejection = ApiError;

        async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
            read_valid(req, state, |v: &T| v.validate(), field_errors)
                .await
                .map(Valid)
        }
    }
}
