//! Each code's example response, as the pages show it: `errcat::example::response` builds and
//! renders it (the same body as the OpenAPI document's); this module only lays it out, a status
//! line, headers as usually written and the body pretty-printed.

use errcat::{Locale, Renderer};
use errcat_catalog::Entry;

use crate::text::Labels;

/// An example response: status line, headers and a pretty body.
#[derive(Debug, Clone)]
pub(crate) struct Example {
    /// `HTTP/1.1 402 Payment Required`
    pub status_line: String,
    /// Header name (as usually written) and value.
    pub headers: Vec<(String, String)>,
    /// The body, pretty-printed when it is JSON.
    pub body: String,
}

/// Renders the example for one code in one locale; `None` for a code that never reaches an HTTP
/// response.
pub(crate) fn example(
    renderer: &Renderer,
    entry: &Entry,
    locale: usize,
    rid: &str,
    labels: &Labels,
) -> Option<Example> {
    let options = errcat::example::Options {
        locale: Some(Locale(locale)),
        field_message: labels.field_message,
        parameter_message: labels.parameter_message,
        ..Default::default()
    };
    let (head, body) = errcat::example::response(renderer, &entry.code, &options)?;
    let status_line = format!(
        "HTTP/1.1 {} {}",
        head.status.as_u16(),
        head.status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_string();
    let headers = head
        .headers(rid)
        .iter()
        .map(|(k, v)| {
            (
                errcat::headers::written(k),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(v) => serde_json::to_string_pretty(&v)
            .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned()),
        Err(_) => String::from_utf8_lossy(&body).into_owned(),
    };
    Some(Example {
        status_line,
        headers,
        body,
    })
}
