//! The JSON reader: a list of codes (`[{"code", "status", "message", "action", "category"}]`),
//! or an object holding one under `errors`, `codes` or `items`.

use serde_json::Value;

use super::rules as rule;
use super::source::{Fatal, Row, Source};
use super::warnings::Warnings;

pub(super) fn json_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn json_strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(json_string).collect(),
        other => json_string(other).into_iter().collect(),
    }
}

pub(super) fn read_json(text: &str, w: &mut Warnings<'_>) -> Result<Source, Fatal> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        Fatal(format!(
            "the input is not valid JSON: {e}; expected a list such as [{{\"code\": \"not_found\", \"status\": 404, \"message\": \"…\"}}]"
        ))
    })?;
    let (list, name) = match &v {
        Value::Array(a) => (a.as_slice(), None),
        Value::Object(o) => match ["errors", "codes", "items"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_array))
        {
            Some(a) => (a.as_slice(), o.get("name").and_then(json_string)),
            None => {
                return Err(Fatal(
                    "the JSON input is an object without an `errors` list; expected a list of codes".into(),
                ));
            }
        },
        _ => return Err(Fatal("the JSON input is not a list of codes".into())),
    };
    let mut source = Source {
        title: name,
        ..Source::default()
    };
    // A line per item, for warnings: where its `"code"` is written.
    let mut code_lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("\"code\""))
        .map(|(i, _)| i + 1);
    let one_line = text.lines().count() <= 1;
    for (n, item) in list.iter().enumerate() {
        let line = if one_line { None } else { code_lines.next() };
        let Some(obj) = item.as_object() else {
            w.push(
                rule::NOT_AN_OBJECT,
                line,
                format!("item {n} is not an object: skipped"),
            );
            continue;
        };
        let mut row = Row {
            line,
            ..Row::default()
        };
        for (k, v) in obj {
            match k.as_str() {
                "code" | "error" | "error_code" | "id" => {
                    row.code = json_string(v).unwrap_or_default()
                }
                "status" | "http_status" | "http" | "status_code" => {
                    row.status = Some(json_strings(v).join(", ")).filter(|s| !s.is_empty());
                }
                "message" => row.message = json_string(v),
                "description" | "detail" => row.description = json_string(v),
                "summary" => row.summary = json_string(v),
                "title" | "name" => row.title = json_string(v),
                "cause" => row.cause = json_string(v),
                "when" => row.when = json_string(v),
                "action" => row.action = json_string(v),
                "resolution" | "next_step" | "fix" => row.resolution = json_string(v),
                "category" | "section" | "group" => row.category = json_string(v),
                "endpoints" | "endpoint" => row.endpoints = json_strings(v),
                "notes" | "note" => row.notes = json_strings(v),
                "retry" => row.retry = json_string(v),
                "context" => {
                    if let Some(ctx) = v.as_object() {
                        for (key, ty) in ctx {
                            let ty = ty
                                .as_str()
                                .or_else(|| ty.get("type").and_then(Value::as_str))
                                .unwrap_or("string");
                            row.context.push((key.clone(), ty.to_string()));
                        }
                    }
                }
                other => {
                    if let Some(s) = json_string(v) {
                        row.attributes.push((other.to_string(), s));
                    }
                }
            }
        }
        if row.code.is_empty() {
            w.push(
                rule::NO_CODE,
                line,
                format!("item {n} has no `code`: skipped"),
            );
            continue;
        }
        source.rows.push(row);
    }
    if source.rows.is_empty() && !list.is_empty() {
        return Err(Fatal("no item of the JSON list has a `code`".into()));
    }
    Ok(source)
}
