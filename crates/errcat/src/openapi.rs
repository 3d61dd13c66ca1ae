//! OpenAPI 3.1 components for a catalog's errors (feature `openapi`).
//!
//! - `schemas.Error`: the JSON Schema (2020-12, as OpenAPI 3.1 uses) of the style's envelope;
//! - `responses.Error404`, …: one reusable response per HTTP status the catalog's codes can
//!   carry. Its schema is `Error` narrowed so the code member is an `enum` of exactly the codes
//!   that status can carry, and it has one example body per code, rendered by errcat;
//! - `headers`: `X-Request-Id`, `Content-Language` and `Retry-After`, as errcat sends them.
//!
//! The schema parts of each style live beside its body writer, in `render/<style>.rs`; this
//! module assembles the document.
//!
//! ```
//! use std::sync::Arc;
//! use errcat::{Catalog, StyleKind, openapi};
//!
//! let catalog = Arc::new(Catalog::from_toml_str("c.toml", r#"
//! [catalog]
//! name = "demo"
//! style = "flat"
//! action_required = false
//! [codes.fax_not_found]
//! status = 404
//! category = "Faxes"
//! message.en = "No fax has the id {fax_id}."
//! context.fax_id = "string"
//! "#).unwrap());
//! let components = openapi::components(&catalog, StyleKind::Flat);
//! let r404 = &components["responses"]["Error404"];
//! let schema = &r404["content"]["application/json"]["schema"];
//! assert_eq!(schema["$ref"], "#/components/schemas/Error");
//! // `not_found` is errcat's built-in code for the role the catalog leaves unmapped.
//! assert_eq!(schema["properties"]["error"]["enum"], serde_json::json!(["fax_not_found", "not_found"]));
//! let example = &r404["content"]["application/json"]["examples"]["fax_not_found"]["value"];
//! assert_eq!(example["message"], "No fax has the id <fax_id>.");
//! ```

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use errcat_catalog::{Catalog, CustomTemplate, Entry, Lifecycle, RetryAdvice, StyleKind};
use serde_json::{Map, Value, json};

use http::header::{CONTENT_LANGUAGE, RETRY_AFTER};

use crate::headers::{X_REQUEST_ID, written};
use crate::{Renderer, render};

/// The `Retry-After` seconds examples carry, where a code's message uses `{retry_after}` or its
/// retry advice is to wait for `Retry-After`: [`crate::example::RETRY_AFTER`].
pub const EXAMPLE_RETRY_AFTER: u32 = crate::example::RETRY_AFTER;

const ERROR_REF: &str = "#/components/schemas/Error";

/// The JSON Schema of a style's envelope, as it appears in `components.schemas.Error`.
///
/// `StyleKind::Custom` gives any object: a custom envelope's shape is the catalog's template,
/// see [`custom_envelope_schema`].
///
/// ```
/// use errcat::{StyleKind, openapi::envelope_schema};
/// let s = envelope_schema(StyleKind::Problem);
/// assert_eq!(s["type"], "object");
/// assert!(s["required"].as_array().unwrap().contains(&"code".into()));
/// ```
pub fn envelope_schema(style: StyleKind) -> Value {
    match style {
        StyleKind::Flat => render::flat::schema(),
        StyleKind::Nested => render::nested::schema(),
        StyleKind::JsonApi => render::jsonapi::schema(),
        StyleKind::Simple => render::simple::schema(),
        StyleKind::Problem => render::problem::schema(),
        StyleKind::Google => render::google::schema(),
        StyleKind::Custom => render::custom::schema(),
    }
}

/// The schema of an envelope's code member: stable, never translated.
pub(crate) fn code_schema(what: &str) -> Value {
    json!({"type": "string", "description": format!("The error code, {what}: stable, never translated. Branch on it.")})
}

/// The codes of one status, as an `enum`.
pub(crate) fn code_enum(listed: &[&Entry]) -> Value {
    let codes: Vec<Value> = listed
        .iter()
        .map(|e| Value::from(e.code.as_str()))
        .collect();
    json!({"type": "string", "enum": codes})
}

/// One status, as an integer `enum`.
pub(crate) fn status_enum(status: u16) -> Value {
    json!({"type": "integer", "enum": [status]})
}

/// The JSON Schema of a custom envelope, derived from its template: literal members keep their
/// value as an `enum`, placeholders get their value's type.
///
/// ```
/// use errcat::catalog::CustomTemplate;
/// let t = CustomTemplate::compile("application/json",
///     r#"{"ok": false, "code": "{{code}}", "status": "{{status}}", "see": "docs at {{docs}}"}"#).unwrap();
/// let s = errcat::openapi::custom_envelope_schema(&t);
/// assert_eq!(s["properties"]["ok"]["enum"], serde_json::json!([false]));
/// assert_eq!(s["properties"]["status"]["type"], "integer");
/// assert_eq!(s["properties"]["see"]["type"], "string");
/// ```
pub fn custom_envelope_schema(template: &CustomTemplate) -> Value {
    render::custom::template_schema(template)
}

/// The non-retired codes each HTTP status can carry, in catalog order (built-in role codes
/// last). A code listing several statuses appears under each.
///
/// ```
/// # let catalog = errcat::Catalog::from_toml_str("c.toml", "[catalog]\nname='x'\naction_required=false\n[codes.busy]\nstatus=[409, 423]\ncategory='x'\nmessage.en='Busy.'").unwrap();
/// let by_status = errcat::openapi::codes_by_status(&catalog);
/// // Built-in role codes come last.
/// assert_eq!(by_status[&409], ["busy", "idempotency_key_in_progress"]);
/// assert_eq!(by_status[&423], ["busy"]);
/// ```
pub fn codes_by_status(catalog: &Catalog) -> BTreeMap<u16, Vec<&str>> {
    let mut out: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for e in catalog
        .entries()
        .iter()
        .filter(|e| e.lifecycle != Lifecycle::Retired)
    {
        for &s in &e.statuses {
            let list = out.entry(s).or_default();
            // An entry's pushes are consecutive: a status listed twice shows as the last one.
            if list.last() != Some(&e.code.as_str()) {
                list.push(&e.code);
            }
        }
    }
    out
}

/// An example body of `code` sent with `status`: [`crate::example::response`], as JSON (the
/// docs site shows the same body). Declared context is filled with typed sample values
/// (`"<key>"`, 1, 1.5, `true`), `Retry-After` is [`EXAMPLE_RETRY_AFTER`] where the code waits
/// for it, and the codes of the validation roles carry one field error. `None` for a code the
/// catalog lacks or a status it cannot carry.
///
/// ```
/// use std::sync::Arc;
/// use errcat::{Catalog, Renderer, StyleKind};
/// let catalog = Arc::new(Catalog::from_toml_str("c.toml", r#"
/// [catalog]
/// name = "x"
/// action_required = false
/// [codes.slow_down]
/// status = 429
/// category = "Limits"
/// message.en = "Try again in {retry_after} seconds."
/// "#).unwrap());
/// let r = Renderer::new(catalog, StyleKind::Problem);
/// let body = errcat::openapi::example(&r, "slow_down", 429).unwrap();
/// assert_eq!(body["detail"], "Try again in 30 seconds.");
/// assert_eq!(errcat::openapi::example(&r, "slow_down", 400), None);
/// ```
pub fn example(renderer: &Renderer, code: &str, status: u16) -> Option<Value> {
    let options = crate::example::Options {
        status: Some(status),
        ..Default::default()
    };
    let (_, body) = crate::example::response(renderer, code, &options)?;
    serde_json::from_slice(&body).ok()
}

/// One error response for `status`: the codes of `codes` that can carry it (others are
/// skipped), described, as an `enum` where the renderer's style puts the code, with one example
/// body each and the headers errcat sends. The codes are also listed in `x-error-codes`.
///
/// Its schema refers to `#/components/schemas/Error` and its headers to
/// `#/components/headers/…`, as [`components`] defines them; use it for an operation that
/// returns only some of a status's codes.
///
/// ```
/// use std::sync::Arc;
/// use errcat::{Catalog, Renderer, StyleKind};
/// let catalog = Arc::new(Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml")).unwrap());
/// let r = Renderer::new(catalog, StyleKind::Flat);
/// let resp = errcat::openapi::response(&r, 401, &["api_key_missing", "not_a_code"]);
/// assert_eq!(resp["x-error-codes"], serde_json::json!(["api_key_missing"]));
/// assert!(resp["description"].as_str().unwrap().starts_with("Unauthorized"));
/// ```
pub fn response(renderer: &Renderer, status: u16, codes: &[&str]) -> Value {
    let catalog = renderer.catalog();
    let mut listed: Vec<&Entry> = Vec::with_capacity(codes.len());
    let mut seen: HashSet<&str> = HashSet::with_capacity(codes.len());
    for code in codes {
        if let Some(e) = catalog.get(code)
            && e.statuses.contains(&status)
            && seen.insert(e.code.as_str())
        {
            listed.push(e);
        }
    }
    let mut description = String::from(reason(status));
    description.push_str("\n\n");
    let mut examples = Map::new();
    for (i, e) in listed.iter().enumerate() {
        if i > 0 {
            description.push('\n');
        }
        describe(&mut description, catalog, e);
        if let Some(body) = example(renderer, &e.code, status) {
            let mut ex = Map::new();
            ex.insert("summary".into(), Value::from(e.code.as_str()));
            if !e.summary.is_empty() {
                ex.insert("description".into(), Value::from(e.summary.as_str()));
            }
            ex.insert("value".into(), body);
            examples.insert(e.code.clone(), Value::Object(ex));
        }
    }
    let mut schema = Map::new();
    schema.insert("$ref".into(), ERROR_REF.into());
    if let Value::Object(narrow) = narrowing(renderer, status, &listed) {
        schema.extend(narrow);
    }
    let mut media = Map::new();
    media.insert("schema".into(), Value::Object(schema));
    if !examples.is_empty() {
        media.insert("examples".into(), Value::Object(examples));
    }
    let mut headers = Map::new();
    for h in [X_REQUEST_ID, CONTENT_LANGUAGE] {
        let name = written(&h);
        headers.insert(name.clone(), header_ref(&name));
    }
    if listed
        .iter()
        .any(|e| e.retry == RetryAdvice::AfterRetryAfter)
    {
        let name = written(&RETRY_AFTER);
        headers.insert(name.clone(), header_ref(&name));
    }
    let content_type = renderer
        .content_type()
        .to_str()
        .unwrap_or("application/json")
        .to_string();
    let mut content = Map::new();
    content.insert(content_type, Value::Object(media));
    let mut out = Map::new();
    out.insert("description".into(), description.into());
    out.insert("headers".into(), Value::Object(headers));
    out.insert("content".into(), Value::Object(content));
    out.insert(
        "x-error-codes".into(),
        listed
            .iter()
            .map(|e| Value::from(e.code.as_str()))
            .collect(),
    );
    Value::Object(out)
}

fn header_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/headers/{name}")})
}

/// "- `code`: summary", with the lifecycle and docs link where there are.
fn describe(out: &mut String, catalog: &Catalog, e: &Entry) {
    out.push_str("- `");
    out.push_str(&e.code);
    out.push('`');
    if !e.summary.is_empty() {
        out.push_str(": ");
        out.push_str(e.summary.trim());
    }
    if e.lifecycle == Lifecycle::Deprecated {
        out.push_str(" (deprecated");
        if let Some(r) = &e.replaced_by {
            out.push_str("; use `");
            out.push_str(r);
            out.push('`');
        }
        out.push(')');
    }
    if let Some(url) = catalog.docs_url(e) {
        out.push_str(" [docs](");
        out.push_str(&url);
        out.push(')');
    }
}

fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

/// The members that narrow `Error` for one status: the code `enum` where the style puts the
/// code, and the status where the body repeats it.
fn narrowing(renderer: &Renderer, status: u16, listed: &[&Entry]) -> Value {
    match renderer.style() {
        StyleKind::Flat => render::flat::narrowing(status, listed),
        StyleKind::Nested => render::nested::narrowing(status, listed),
        StyleKind::Simple => render::simple::narrowing(status, listed),
        StyleKind::Problem => render::problem::narrowing(status, listed),
        StyleKind::JsonApi => render::jsonapi::narrowing(status, listed),
        StyleKind::Google => render::google::narrowing(status, listed),
        StyleKind::Custom => {
            render::custom::narrowing(renderer.catalog().meta.custom.as_ref(), status, listed)
        }
    }
}

/// The error schema of a renderer: its style's, or the catalog's custom template's.
fn error_schema(renderer: &Renderer) -> Value {
    match (renderer.style(), &renderer.catalog().meta.custom) {
        (StyleKind::Custom, Some(t)) => custom_envelope_schema(t),
        (style, _) => envelope_schema(style),
    }
}

/// The headers errcat sends with an error, as `components.headers`.
fn headers() -> Value {
    json!({
        (written(&X_REQUEST_ID)): {"description": "The request id, also in the body: quote it to support.", "schema": {"type": "string"}},
        (written(&CONTENT_LANGUAGE)): {"description": "The locale of the message.", "schema": {"type": "string"}},
        (written(&RETRY_AFTER)): {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 0}},
    })
}

/// OpenAPI 3.1 `components` for a catalog in a style: `schemas.Error`, one
/// `responses.Error<status>` per status the catalog's codes can carry (see [`response`]), and
/// the `headers` they refer to.
///
/// A catalog without a custom template renders `StyleKind::Custom` as problem+json, and so is
/// it described.
///
/// ```
/// use std::sync::Arc;
/// use errcat::{Catalog, StyleKind};
/// let catalog = Arc::new(Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml")).unwrap());
/// let c = errcat::openapi::components(&catalog, StyleKind::Problem);
/// let schema = &c["responses"]["Error402"]["content"]["application/problem+json"]["schema"];
/// assert_eq!(schema["properties"]["code"]["enum"], serde_json::json!(["insufficient_balance"]));
/// ```
pub fn components(catalog: &Arc<Catalog>, style: StyleKind) -> Value {
    let renderer = Renderer::new(catalog.clone(), style);
    let mut responses = Map::new();
    for (status, codes) in codes_by_status(catalog) {
        responses.insert(
            format!("Error{status}"),
            response(&renderer, status, &codes),
        );
    }
    let mut schemas = Map::new();
    schemas.insert("Error".into(), error_schema(&renderer));
    let mut out = Map::new();
    out.insert("schemas".into(), Value::Object(schemas));
    out.insert("responses".into(), Value::Object(responses));
    out.insert("headers".into(), headers());
    Value::Object(out)
}

/// A complete OpenAPI 3.1 document: `info` from the catalog's name, version and description,
/// no paths, and [`components`].
///
/// ```
/// use std::sync::Arc;
/// use errcat::{Catalog, StyleKind};
/// let catalog = Arc::new(Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml")).unwrap());
/// let doc = errcat::openapi::document(&catalog, catalog.meta.style);
/// assert_eq!(doc["openapi"], "3.1.0");
/// assert_eq!(doc["info"]["title"], "mintfax");
/// assert!(doc["components"]["responses"]["Error429"].is_object());
/// ```
pub fn document(catalog: &Arc<Catalog>, style: StyleKind) -> Value {
    let meta = &catalog.meta;
    let mut info = Map::new();
    info.insert("title".into(), meta.name.as_str().into());
    info.insert(
        "version".into(),
        meta.version.as_deref().unwrap_or("unversioned").into(),
    );
    if let Some(d) = meta.description.as_deref().filter(|d| !d.trim().is_empty()) {
        info.insert("description".into(), d.into());
    }
    let mut doc = Map::new();
    doc.insert("openapi".into(), "3.1.0".into());
    doc.insert("info".into(), Value::Object(info));
    doc.insert("paths".into(), Value::Object(Map::new()));
    doc.insert("components".into(), components(catalog, style));
    Value::Object(doc)
}

/// Adds the [`components`] of a catalog to a document utoipa generated (feature `utoipa`).
///
/// The document's own components are kept; a component it already has under the same name
/// (an `Error` schema, say) wins over errcat's. utoipa's model has no `components.headers`
/// and no `$ref` with sibling keywords, so the responses carry their headers inline and narrow
/// `Error` with `allOf`.
///
/// ```
/// use std::sync::Arc;
/// use errcat::{Catalog, StyleKind};
/// use utoipa::OpenApi;
///
/// #[derive(OpenApi)]
/// #[openapi(info(title = "faxes", version = "1"))]
/// struct Api;
///
/// let catalog = Arc::new(Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml")).unwrap());
/// let mut doc = Api::openapi();
/// errcat::openapi::add_to_utoipa(&mut doc, &catalog, StyleKind::Flat)?;
/// let components = doc.components.as_ref().unwrap();
/// assert!(components.schemas.contains_key("Error"));
/// assert!(components.responses.contains_key("Error404"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[cfg(feature = "utoipa")]
pub fn add_to_utoipa(
    doc: &mut utoipa::openapi::OpenApi,
    catalog: &Arc<Catalog>,
    style: StyleKind,
) -> Result<(), serde_json::Error> {
    let ours = for_utoipa(components(catalog, style));
    let mut value = serde_json::to_value(&*doc)?;
    if let Some(root) = value.as_object_mut() {
        let comps = root
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(comps) = comps.as_object_mut() {
            for kind in ["schemas", "responses"] {
                let Some(Value::Object(add)) = ours.get(kind) else {
                    continue;
                };
                let slot = comps
                    .entry(kind)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(slot) = slot.as_object_mut() {
                    for (name, v) in add {
                        slot.entry(name.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
    }
    *doc = serde_json::from_value(value)?;
    Ok(())
}

/// Rewrites components into what utoipa's model holds: headers inline, `$ref` with siblings as
/// `allOf`.
#[cfg(feature = "utoipa")]
fn for_utoipa(mut components: Value) -> Value {
    let headers = components.get("headers").cloned().unwrap_or(Value::Null);
    let Some(responses) = components
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return components;
    };
    for r in responses.values_mut() {
        if let Some(hs) = r.get_mut("headers").and_then(Value::as_object_mut) {
            for (name, h) in hs.iter_mut() {
                if let Some(inline) = headers.get(name) {
                    *h = inline.clone();
                }
            }
        }
        let Some(content) = r.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        for media in content.values_mut() {
            let Some(Value::Object(schema)) = media.get_mut("schema") else {
                continue;
            };
            if schema.len() > 1
                && let Some(reference) = schema.remove("$ref")
            {
                let rest = std::mem::take(schema);
                schema.insert(
                    "allOf".into(),
                    json!([{"$ref": reference}, Value::Object(rest)]),
                );
            }
        }
    }
    components
}
