//! Message templates (`"Try again in {retry_after} seconds."`) and custom envelope templates.

use std::ops::Range;

/// A message with named placeholders, parsed once at load.
///
/// ```
/// use errcat_catalog::{Template, Part};
/// let t = Template::parse("Balance {balance} is below {cost}. {{literal}}").unwrap();
/// assert_eq!(t.placeholders().collect::<Vec<_>>(), ["balance", "cost"]);
/// assert_eq!(t.parts().last(), Some(&Part::Lit(". {literal}".into())));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Lit(String),
    /// A placeholder, by name.
    Var(String),
}

/// Why a template did not parse: where in the text, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte range in the template text.
    pub range: Range<usize>,
    /// What is wrong.
    pub message: String,
}

impl Template {
    pub(crate) const fn empty() -> Template {
        Template {
            source: String::new(),
            parts: Vec::new(),
        }
    }

    /// Parses `{name}` placeholders; `{{` and `}}` are literal braces.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let bytes = source.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'{' if bytes.get(i + 1) == Some(&b'{') => {
                    lit.push('{');
                    i += 2;
                }
                b'}' if bytes.get(i + 1) == Some(&b'}') => {
                    lit.push('}');
                    i += 2;
                }
                b'{' => {
                    let Some(len) = source[i + 1..].find('}') else {
                        return Err(TemplateError {
                            range: i..source.len(),
                            message: "unclosed `{`: write `{{` for a literal brace".into(),
                        });
                    };
                    let name = &source[i + 1..i + 1 + len];
                    if !is_placeholder_name(name) {
                        return Err(TemplateError {
                            range: i..i + len + 2,
                            message: format!(
                                "`{{{name}}}` is not a placeholder: names are snake_case ASCII; write `{{{{` for a literal brace"
                            ),
                        });
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Var(name.to_string()));
                    i += len + 2;
                }
                b'}' => {
                    return Err(TemplateError {
                        range: i..i + 1,
                        message: "unmatched `}`: write `}}` for a literal brace".into(),
                    });
                }
                _ => {
                    // Copy a whole UTF-8 sequence.
                    let ch_len = source[i..].chars().next().map_or(1, char::len_utf8);
                    lit.push_str(&source[i..i + ch_len]);
                    i += ch_len;
                }
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Template {
            source: source.to_string(),
            parts,
        })
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed pieces.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Placeholder names, in order of use (repeats included).
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Lit(_) => None,
        })
    }

    /// Fills the placeholders with `lookup`; `None` for a placeholder it cannot fill.
    ///
    /// ```
    /// let t = errcat_catalog::Template::parse("Wait {n} s").unwrap();
    /// assert_eq!(t.fill(|k| (k == "n").then(|| "3".to_string())).as_deref(), Some("Wait 3 s"));
    /// assert_eq!(t.fill(|_| None), None);
    /// ```
    pub fn fill(&self, mut lookup: impl FnMut(&str) -> Option<String>) -> Option<String> {
        let mut out = String::with_capacity(self.source.len());
        for p in &self.parts {
            match p {
                Part::Lit(l) => out.push_str(l),
                Part::Var(v) => out.push_str(&lookup(v)?),
            }
        }
        Some(out)
    }
}

fn is_placeholder_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A value a custom envelope template can place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The code.
    Code,
    /// The localized message.
    Message,
    /// The HTTP status, a number.
    Status,
    /// The title.
    Title,
    /// The action, or null.
    Action,
    /// The docs permalink, or null.
    Docs,
    /// The request id.
    RequestId,
    /// The RFC 3339 time of the response.
    Timestamp,
    /// Seconds to wait, or null.
    RetryAfter,
    /// The context values, an object.
    Context,
    /// The field errors, an array of `{field, pointer, code, message}`.
    Fields,
    /// The negotiated locale.
    Locale,
    /// The category.
    Category,
}

impl Slot {
    const ALL: [(Slot, &'static str); 13] = [
        (Slot::Code, "code"),
        (Slot::Message, "message"),
        (Slot::Status, "status"),
        (Slot::Title, "title"),
        (Slot::Action, "action"),
        (Slot::Docs, "docs"),
        (Slot::RequestId, "request_id"),
        (Slot::Timestamp, "timestamp"),
        (Slot::RetryAfter, "retry_after"),
        (Slot::Context, "context"),
        (Slot::Fields, "fields"),
        (Slot::Locale, "locale"),
        (Slot::Category, "category"),
    ];

    /// The slot a placeholder name stands for.
    ///
    /// ```
    /// use errcat_catalog::Slot;
    /// assert_eq!(Slot::parse("request_id"), Some(Slot::RequestId));
    /// assert_eq!(Slot::RequestId.name(), "request_id");
    /// assert_eq!(Slot::parse("nope"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Slot> {
        Slot::ALL.iter().find(|(_, n)| *n == name).map(|(s, _)| *s)
    }

    /// The placeholder name of the slot.
    pub fn name(self) -> &'static str {
        Slot::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("", |(_, n)| *n)
    }

    /// Every slot name.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Slot::ALL.iter().map(|(_, n)| *n)
    }
}

/// A piece of a compiled custom envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomPart {
    /// JSON text, copied as is.
    Raw(String),
    /// A value, written with its own JSON type.
    Value(Slot),
    /// A value written as escaped text inside a JSON string.
    Text(Slot),
}

/// A custom envelope, compiled once when the catalog loads.
///
/// ```
/// use errcat_catalog::{CustomTemplate, CustomPart, Slot};
/// let t = CustomTemplate::compile("application/json",
///     r#"{"id": "{{code}}", "status": "{{status}}", "see": "docs at {{docs}}"}"#).unwrap();
/// assert!(t.parts().contains(&CustomPart::Value(Slot::Status)));
/// assert!(t.parts().contains(&CustomPart::Text(Slot::Docs)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomTemplate {
    content_type: String,
    parts: Vec<CustomPart>,
}

impl CustomTemplate {
    /// Compiles a JSON template. Errors name a byte range of `template`.
    pub fn compile(content_type: &str, template: &str) -> Result<CustomTemplate, TemplateError> {
        let value: serde_json::Value =
            serde_json::from_str(template).map_err(|e| TemplateError {
                range: offset_of(template, e.line(), e.column()),
                message: format!("the custom template is not valid JSON: {e}"),
            })?;
        let mut c = Compiler {
            parts: Vec::new(),
            raw: String::new(),
            template,
        };
        c.value(&value)?;
        c.flush();
        Ok(CustomTemplate {
            content_type: content_type.to_string(),
            parts: c.parts,
        })
    }

    /// The response's content type.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The compiled pieces.
    pub fn parts(&self) -> &[CustomPart] {
        &self.parts
    }
}

fn offset_of(text: &str, line: usize, column: usize) -> Range<usize> {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let at = (off + column.saturating_sub(1)).min(text.len());
            return at..(at + 1).min(text.len());
        }
        off += l.len();
    }
    0..text.len()
}

struct Compiler<'a> {
    parts: Vec<CustomPart>,
    raw: String,
    template: &'a str,
}

impl Compiler<'_> {
    fn flush(&mut self) {
        if !self.raw.is_empty() {
            self.parts
                .push(CustomPart::Raw(std::mem::take(&mut self.raw)));
        }
    }

    fn value(&mut self, v: &serde_json::Value) -> Result<(), TemplateError> {
        use serde_json::Value;
        match v {
            Value::Object(map) => {
                self.raw.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        self.raw.push(',');
                    }
                    self.raw.push_str(&json_string(k));
                    self.raw.push(':');
                    self.value(v)?;
                }
                self.raw.push('}');
            }
            Value::Array(items) => {
                self.raw.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.raw.push(',');
                    }
                    self.value(v)?;
                }
                self.raw.push(']');
            }
            Value::String(s) => self.string(s)?,
            other => self.raw.push_str(&other.to_string()),
        }
        Ok(())
    }

    fn string(&mut self, s: &str) -> Result<(), TemplateError> {
        // A string that is exactly one placeholder keeps the value's own JSON type.
        if let Some(name) = s.strip_prefix("{{").and_then(|r| r.strip_suffix("}}"))
            && !name.contains("{{")
            && !name.contains("}}")
        {
            let slot = self.slot(name.trim())?;
            self.flush();
            self.parts.push(CustomPart::Value(slot));
            return Ok(());
        }
        self.raw.push('"');
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            let lit = &rest[..start];
            self.raw.push_str(&json_inner(lit));
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                return Err(self.err(s, "unclosed `{{` in the custom template"));
            };
            let slot = self.slot(after[..end].trim())?;
            self.flush();
            self.parts.push(CustomPart::Text(slot));
            rest = &after[end + 2..];
        }
        self.raw.push_str(&json_inner(rest));
        self.raw.push('"');
        Ok(())
    }

    fn slot(&self, name: &str) -> Result<Slot, TemplateError> {
        Slot::parse(name).ok_or_else(|| {
            let known: Vec<&str> = Slot::names().collect();
            self.err(
                name,
                &format!(
                    "unknown placeholder `{{{{{name}}}}}` in the custom template; known: {}",
                    known.join(", ")
                ),
            )
        })
    }

    fn err(&self, needle: &str, message: &str) -> TemplateError {
        let range = self
            .template
            .find(needle)
            .map_or(0..self.template.len(), |at| at..at + needle.len());
        TemplateError {
            range,
            message: message.to_string(),
        }
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// `s` escaped as JSON string content, without the quotes.
fn json_inner(s: &str) -> String {
    let quoted = json_string(s);
    quoted[1..quoted.len() - 1].to_string()
}
