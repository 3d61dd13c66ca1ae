//! Message templates (`"Try again in {retry_after} seconds."`) and custom envelope templates.

use std::ops::Range;

/// A message in ICU MessageFormat, parsed once at load.
///
/// `{name}` places a context value; `{n, number}` places a number formatted for the locale;
/// `{n, plural, one {# page} other {# pages}}` picks a form by the CLDR plural category of
/// `n` (`selectordinal` by its ordinal category, `select` by its text), and `#` in a plural
/// arm is the number. An apostrophe before `{`, `}`, `#` or `|` quotes text up to the next
/// one (`'{'` is a literal brace, `''` an apostrophe). Outside any plural or select, `{{`
/// and `}}` are literal braces too, as they were before errcat spoke ICU.
///
/// ```
/// use errcat_catalog::{ArgKind, Template, Part};
/// let t = Template::parse("Balance {balance} is below {cost}. {{literal}}").unwrap();
/// assert_eq!(t.placeholders().collect::<Vec<_>>(), ["balance", "cost"]);
/// assert_eq!(t.parts().last(), Some(&Part::Lit(". {literal}".into())));
///
/// let p = Template::parse("{count, plural, =0 {No page failed} one {# page failed} other {# pages failed}}").unwrap();
/// assert_eq!(p.arguments()[0].kind, ArgKind::Plural);
/// assert!(!p.is_plain());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
    args: Vec<Arg>,
}

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Lit(String),
    /// A placeholder, by name: the context value as given.
    Var(String),
    /// `{name, number}` (or `{name, number, integer}`): a number formatted for the locale.
    Number {
        /// The context key.
        name: String,
        /// Rounded to a whole number.
        integer: bool,
    },
    /// `{name, plural, …}` or `{name, selectordinal, …}`.
    Plural(Box<Choice>),
    /// `{name, select, …}`.
    Select(Box<Choice>),
    /// `#` in a plural arm: the plural's number (less its offset), formatted for the locale.
    Pound,
}

/// A plural, ordinal or select argument: the value it reads and its arms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The context key.
    pub name: String,
    /// [`ArgKind::Plural`], [`ArgKind::SelectOrdinal`] or [`ArgKind::Select`].
    pub kind: ArgKind,
    /// `offset:N` of a plural: subtracted before the category is chosen and `#` written.
    pub offset: u32,
    /// The arms, in source order.
    pub arms: Vec<Arm>,
}

impl Choice {
    /// The `other` arm, if written.
    pub fn other(&self) -> Option<&Arm> {
        self.arms
            .iter()
            .find(|a| a.key == Key::Category(Category::Other))
    }
}

/// One arm of a [`Choice`]: its key and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arm {
    /// What selects it.
    pub key: Key,
    /// Its message.
    pub parts: Vec<Part>,
}

/// What selects an [`Arm`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// `=N`: exactly this number (before the offset).
    Exact(i64),
    /// A CLDR plural category (`other` in a select too).
    Category(Category),
    /// A select keyword.
    Word(String),
}

/// The CLDR plural categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// `zero`
    Zero,
    /// `one`
    One,
    /// `two`
    Two,
    /// `few`
    Few,
    /// `many`
    Many,
    /// `other`: every language has it, and it is the fallback.
    Other,
}

impl Category {
    /// Every category, in CLDR order.
    pub const ALL: [Category; 6] = [
        Category::Zero,
        Category::One,
        Category::Two,
        Category::Few,
        Category::Many,
        Category::Other,
    ];

    /// The keyword.
    ///
    /// ```
    /// use errcat_catalog::Category;
    /// assert_eq!(Category::parse("few"), Some(Category::Few));
    /// assert_eq!(Category::Few.name(), "few");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Category::Zero => "zero",
            Category::One => "one",
            Category::Two => "two",
            Category::Few => "few",
            Category::Many => "many",
            Category::Other => "other",
        }
    }

    /// Parses a keyword.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// How a message uses a context value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// `{name}`
    Simple,
    /// `{name, number}`
    Number,
    /// `{name, plural, …}`
    Plural,
    /// `{name, selectordinal, …}`
    SelectOrdinal,
    /// `{name, select, …}`
    Select,
}

impl ArgKind {
    /// How the kind is written: `"placeholder"`, `"number"`, `"plural"`, `"selectordinal"`,
    /// `"select"`.
    pub fn name(self) -> &'static str {
        match self {
            ArgKind::Simple => "placeholder",
            ArgKind::Number => "number",
            ArgKind::Plural => "plural",
            ArgKind::SelectOrdinal => "selectordinal",
            ArgKind::Select => "select",
        }
    }

    /// Whether the argument reads its value as a number.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            ArgKind::Number | ArgKind::Plural | ArgKind::SelectOrdinal
        )
    }
}

/// One argument of a message, nested ones included, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The context key.
    pub name: String,
    /// How it is used.
    pub kind: ArgKind,
    /// Byte range of the whole argument, braces included, in the message text.
    pub range: Range<usize>,
    /// For a plural or select: whether it has an `other` arm.
    pub has_other: bool,
}

/// Why a template did not parse: where in the text, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte range in the template text.
    pub range: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// Whether the error is in ICU syntax (a plural, select, number or apostrophe quote) rather
    /// than in a plain `{placeholder}`.
    pub icu: bool,
}

/// How deep plurals and selects may nest.
pub const MAX_NESTING: usize = 8;

impl Template {
    pub(crate) const fn empty() -> Template {
        Template {
            source: String::new(),
            parts: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Parses a message (see [`Template`] for the syntax).
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let mut p = Parser {
            s: source,
            b: source.as_bytes(),
            i: 0,
            args: Vec::new(),
        };
        let parts = p.message(0, false)?;
        Ok(Template {
            source: source.to_string(),
            parts,
            args: p.args,
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

    /// Whether the message is literal text and `{placeholder}`s only: no plural, select or
    /// number.
    pub fn is_plain(&self) -> bool {
        self.args.iter().all(|a| a.kind == ArgKind::Simple)
    }

    /// Every argument, nested ones included, in source order.
    pub fn arguments(&self) -> &[Arg] {
        &self.args
    }

    /// Argument names, in source order (repeats included), nested ones too.
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|a| a.name.as_str())
    }

    /// Fills the message with `lookup`; `None` for a placeholder it cannot fill.
    ///
    /// This knows no CLDR rules: a plural takes its `=N` arm or `other`, a select the arm
    /// named by the value or `other`, and numbers are written as given. errcat's renderer
    /// applies each locale's rules.
    ///
    /// ```
    /// let t = errcat_catalog::Template::parse("Wait {n} s").unwrap();
    /// assert_eq!(t.fill(|k| (k == "n").then(|| "3".to_string())).as_deref(), Some("Wait 3 s"));
    /// assert_eq!(t.fill(|_| None), None);
    /// ```
    pub fn fill(&self, mut lookup: impl FnMut(&str) -> Option<String>) -> Option<String> {
        let mut out = String::with_capacity(self.source.len());
        fill_parts(&self.parts, &mut lookup, None, &mut out)?;
        Some(out)
    }
}

fn fill_parts(
    parts: &[Part],
    lookup: &mut impl FnMut(&str) -> Option<String>,
    pound: Option<&str>,
    out: &mut String,
) -> Option<()> {
    for p in parts {
        match p {
            Part::Lit(l) => out.push_str(l),
            Part::Var(v) | Part::Number { name: v, .. } => out.push_str(&lookup(v)?),
            Part::Pound => out.push_str(pound.unwrap_or("")),
            Part::Plural(c) | Part::Select(c) => {
                let v = lookup(&c.name);
                let arm = c
                    .arms
                    .iter()
                    .find(|a| match (&a.key, v.as_deref()) {
                        (Key::Exact(n), Some(v)) => v.parse::<i64>().ok() == Some(*n),
                        (Key::Word(w), Some(v)) => w == v,
                        _ => false,
                    })
                    .or_else(|| c.other())?;
                let shown = v.as_deref().map(|v| match v.parse::<i64>() {
                    Ok(n) if c.offset > 0 => (n - i64::from(c.offset)).to_string(),
                    _ => v.to_string(),
                });
                let pound = if c.kind == ArgKind::Select {
                    pound.map(str::to_string)
                } else {
                    shown
                };
                fill_parts(&arm.parts, lookup, pound.as_deref(), out)?;
            }
        }
    }
    Some(())
}

fn is_placeholder_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    args: Vec<Arg>,
}

impl Parser<'_> {
    fn err(&self, range: Range<usize>, message: impl Into<String>, icu: bool) -> TemplateError {
        TemplateError {
            range,
            message: message.into(),
            icu,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    /// `[A-Za-z0-9_-]*` from the cursor.
    fn word(&mut self) -> &str {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// A message up to the end of the text (depth 0) or to the `}` closing its arm, which is
    /// left for the caller.
    fn message(&mut self, depth: usize, in_plural: bool) -> Result<Vec<Part>, TemplateError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        while let Some(c) = self.peek() {
            let next = self.b.get(self.i + 1).copied();
            match c {
                b'{' if depth == 0 && next == Some(b'{') => {
                    lit.push('{');
                    self.i += 2;
                }
                b'}' if depth == 0 && next == Some(b'}') => {
                    lit.push('}');
                    self.i += 2;
                }
                b'}' if depth > 0 => break,
                b'}' => {
                    return Err(self.err(
                        self.i..self.i + 1,
                        "unmatched `}`: write `}}` or `'}'` for a literal brace",
                        false,
                    ));
                }
                b'{' => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    let part = self.argument(depth)?;
                    parts.push(part);
                }
                b'#' if in_plural => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Pound);
                    self.i += 1;
                }
                b'\'' if next == Some(b'\'') => {
                    lit.push('\'');
                    self.i += 2;
                }
                b'\''
                    if matches!(next, Some(b'{' | b'}' | b'|'))
                        || (in_plural && next == Some(b'#')) =>
                {
                    let start = self.i;
                    self.i += 1;
                    loop {
                        match self.peek() {
                            None => {
                                return Err(self.err(
                                    start..self.b.len(),
                                    "unclosed apostrophe quote: close it with `'` (write `''` for an apostrophe)",
                                    true,
                                ));
                            }
                            Some(b'\'') if self.b.get(self.i + 1) == Some(&b'\'') => {
                                lit.push('\'');
                                self.i += 2;
                            }
                            Some(b'\'') => {
                                self.i += 1;
                                break;
                            }
                            Some(_) => self.char_into(&mut lit),
                        }
                    }
                }
                _ => self.char_into(&mut lit),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(parts)
    }

    fn char_into(&mut self, lit: &mut String) {
        let ch_len = self.s[self.i..].chars().next().map_or(1, char::len_utf8);
        lit.push_str(&self.s[self.i..self.i + ch_len]);
        self.i += ch_len;
    }

    /// An argument, from its `{` to its `}`.
    fn argument(&mut self, depth: usize) -> Result<Part, TemplateError> {
        let start = self.i;
        self.i += 1;
        self.ws();
        let name_at = self.i;
        let name = self.word().to_string();
        self.ws();
        let good_name = is_placeholder_name(&name);
        match self.peek() {
            Some(b'}') if good_name => {
                self.i += 1;
                self.args.push(Arg {
                    name: name.clone(),
                    kind: ArgKind::Simple,
                    range: start..self.i,
                    has_other: false,
                });
                return Ok(Part::Var(name));
            }
            Some(b',') if good_name => {}
            Some(b',') => {
                return Err(self.err(
                    name_at..self.i,
                    format!("`{name}` is not an argument name: names are snake_case ASCII"),
                    true,
                ));
            }
            _ => {
                // Not a well-formed placeholder: say so as the plain template syntax did.
                let rest = &self.s[start + 1..];
                return Err(match rest.find(['}', '{']) {
                    Some(len) if rest.as_bytes()[len] == b'}' => {
                        let inner = &rest[..len];
                        self.err(
                            start..start + len + 2,
                            format!(
                                "`{{{inner}}}` is not a placeholder: names are snake_case ASCII; write `{{{{` for a literal brace"
                            ),
                            false,
                        )
                    }
                    _ => self.err(
                        start..self.b.len(),
                        "unclosed `{`: write `{{` for a literal brace",
                        false,
                    ),
                });
            }
        }
        // `{name, type ...}`
        self.i += 1;
        self.ws();
        let ty_at = self.i;
        let ty = self.word().to_string();
        self.ws();
        let kind = match ty.as_str() {
            "number" => ArgKind::Number,
            "plural" => ArgKind::Plural,
            "selectordinal" => ArgKind::SelectOrdinal,
            "select" => ArgKind::Select,
            "" => {
                return Err(self.err(
                    ty_at..(ty_at + 1).min(self.b.len()),
                    "expected an argument type after `,`: number, plural, selectordinal or select",
                    true,
                ));
            }
            other => {
                return Err(self.err(
                    ty_at..ty_at + other.len(),
                    format!(
                        "`{other}` is not an argument type errcat knows: number, plural, selectordinal or select"
                    ),
                    true,
                ));
            }
        };
        if kind == ArgKind::Number {
            let mut integer = false;
            if self.peek() == Some(b',') {
                self.i += 1;
                self.ws();
                let style_at = self.i;
                let style = self.word().to_string();
                self.ws();
                if style != "integer" {
                    return Err(self.err(
                        style_at..(style_at + style.len()).max(style_at + 1).min(self.b.len()),
                        format!("`{style}` is not a number style errcat knows: write `{{{name}, number}}` or `{{{name}, number, integer}}`"),
                        true,
                    ));
                }
                integer = true;
            }
            if self.peek() != Some(b'}') {
                return Err(self.expected_close(start));
            }
            self.i += 1;
            self.args.push(Arg {
                name: name.clone(),
                kind,
                range: start..self.i,
                has_other: false,
            });
            return Ok(Part::Number { name, integer });
        }
        if depth + 1 > MAX_NESTING {
            return Err(self.err(
                start..start + 1,
                format!("plurals and selects nest more than {MAX_NESTING} deep"),
                true,
            ));
        }
        if self.peek() != Some(b',') {
            return Err(self.err(
                self.i..(self.i + 1).min(self.b.len()),
                format!("expected `,` and the arms of the {}", kind.name()),
                true,
            ));
        }
        self.i += 1;
        self.ws();
        let mut offset = 0;
        if kind != ArgKind::Select && self.s[self.i..].starts_with("offset:") {
            let at = self.i;
            self.i += "offset:".len();
            self.ws();
            let digits = self.word().to_string();
            offset = digits.parse::<u32>().map_err(|_| {
                self.err(
                    at..self.i,
                    "`offset:` takes a whole number, such as `offset:1`",
                    true,
                )
            })?;
            self.ws();
        }
        // Record the argument before its nested ones, so arguments stay in source order.
        let slot = self.args.len();
        self.args.push(Arg {
            name: name.clone(),
            kind,
            range: start..start,
            has_other: false,
        });
        let mut arms: Vec<Arm> = Vec::new();
        loop {
            self.ws();
            let key_at = self.i;
            let key = match self.peek() {
                None => return Err(self.expected_close(start)),
                Some(b'}') => break,
                Some(b'=') => {
                    self.i += 1;
                    let neg = self.peek() == Some(b'-');
                    if neg {
                        self.i += 1;
                    }
                    let digits = self.word().to_string();
                    match digits.parse::<i64>() {
                        Ok(n) if kind != ArgKind::Select => Key::Exact(if neg { -n } else { n }),
                        _ => {
                            return Err(self.err(
                                key_at..self.i.max(key_at + 1),
                                if kind == ArgKind::Select {
                                    "`=N` keys belong to plurals; a select's keys are words"
                                        .to_string()
                                } else {
                                    "`=` takes a whole number, such as `=0`".to_string()
                                },
                                true,
                            ));
                        }
                    }
                }
                Some(_) => {
                    let w = self.word().to_string();
                    if w.is_empty() {
                        return Err(self.err(
                            key_at..(key_at + 1).min(self.b.len()),
                            format!(
                                "expected an arm key{} or the `}}` closing the {}",
                                if kind == ArgKind::Select {
                                    " (a word)"
                                } else {
                                    " (zero, one, two, few, many, other or =N)"
                                },
                                kind.name()
                            ),
                            true,
                        ));
                    }
                    match Category::parse(&w) {
                        Some(c) if kind != ArgKind::Select => Key::Category(c),
                        _ if kind == ArgKind::Select && w == "other" => {
                            Key::Category(Category::Other)
                        }
                        _ if kind == ArgKind::Select => Key::Word(w),
                        _ => {
                            return Err(self.err(
                                key_at..self.i,
                                format!("`{w}` is not a CLDR plural category: zero, one, two, few, many, other, or =N"),
                                true,
                            ));
                        }
                    }
                }
            };
            let key_end = self.i;
            if arms.iter().any(|a| a.key == key) {
                return Err(self.err(
                    key_at..key_end,
                    format!(
                        "the {} has two `{}` arms",
                        kind.name(),
                        &self.s[key_at..key_end]
                    ),
                    true,
                ));
            }
            self.ws();
            if self.peek() != Some(b'{') {
                return Err(self.err(
                    key_at..key_end,
                    format!(
                        "expected `{{` and a message after `{}`",
                        &self.s[key_at..key_end]
                    ),
                    true,
                ));
            }
            self.i += 1;
            let parts = self.message(depth + 1, kind != ArgKind::Select)?;
            if self.peek() != Some(b'}') {
                return Err(self.err(
                    key_at..self.b.len(),
                    format!(
                        "the `{}` arm is never closed with `}}`",
                        &self.s[key_at..key_end]
                    ),
                    true,
                ));
            }
            self.i += 1;
            arms.push(Arm { key, parts });
        }
        self.i += 1;
        if arms.is_empty() {
            return Err(self.err(
                start..self.i,
                format!(
                    "the {} has no arms: add at least `other {{...}}`",
                    kind.name()
                ),
                true,
            ));
        }
        let choice = Choice {
            name,
            kind,
            offset,
            arms,
        };
        let has_other = choice.other().is_some();
        if let Some(a) = self.args.get_mut(slot) {
            a.range = start..self.i;
            a.has_other = has_other;
        }
        Ok(if kind == ArgKind::Select {
            Part::Select(Box::new(choice))
        } else {
            Part::Plural(Box::new(choice))
        })
    }

    fn expected_close(&self, start: usize) -> TemplateError {
        self.err(
            start..self.b.len(),
            "this argument is never closed with `}`",
            true,
        )
    }
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
                icu: false,
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
            icu: false,
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
