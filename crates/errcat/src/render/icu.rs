//! ICU MessageFormat messages: plural, selectordinal, select and number arguments, compiled
//! once per code and locale, written with the locale's CLDR plural rules and number symbols.
//!
//! How a value is read:
//! - a plural or selectordinal reads an integer, a number, or a string holding a decimal
//!   number (`"3"`, `"1.50"`); a missing value, a boolean or any other string takes `other`.
//!   `=N` arms match the number before `offset:`, categories the number after it.
//! - a select compares the value's text (`true`, `3`, the string) with its keys; a missing
//!   value or an unknown word takes `other`.
//! - `#` and `{n, number}` write the number with the locale's digits, separators and
//!   grouping; a value that is not a number is written as given, a missing one as nothing.
//!
//! Nothing here allocates while rendering, but ICU4X's decimal keeps up to 8 significant
//! digits inline: a formatted number with more takes one small allocation.

use std::fmt;
use std::sync::Arc;

use errcat_catalog::{ArgKind, Category, Key, Part};
use fixed_decimal::Decimal;
use icu_decimal::DecimalFormatter;
use icu_locale_core::Locale as IcuLocale;
use icu_plurals::{PluralCategory, PluralRuleType, PluralRules};

use super::writer::{Found, inner, lookup};
use crate::error::{ApiError, Value};
use crate::json;

/// The CLDR data a locale's messages need, loaded once per renderer.
pub(crate) struct LocaleRules {
    cardinal: Option<PluralRules>,
    ordinal: Option<PluralRules>,
    decimal: Option<DecimalFormatter>,
}

impl fmt::Debug for LocaleRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocaleRules")
            .field("cardinal", &self.cardinal.is_some())
            .field("ordinal", &self.ordinal.is_some())
            .field("decimal", &self.decimal.is_some())
            .finish()
    }
}

impl LocaleRules {
    /// The rules of a BCP 47 tag. ICU4X falls back along the locale (`es-MX` → `es` → root); a
    /// tag it cannot parse gets the root rules, whose only category is `other`.
    pub(crate) fn none() -> LocaleRules {
        LocaleRules {
            cardinal: None,
            ordinal: None,
            decimal: None,
        }
    }

    pub(crate) fn new(tag: &str) -> LocaleRules {
        let locale = IcuLocale::try_from_str(tag).unwrap_or(IcuLocale::UNKNOWN);
        LocaleRules {
            cardinal: PluralRules::try_new((&locale).into(), PluralRuleType::Cardinal.into()).ok(),
            ordinal: PluralRules::try_new((&locale).into(), PluralRuleType::Ordinal.into()).ok(),
            decimal: DecimalFormatter::try_new((&locale).into(), Default::default()).ok(),
        }
    }
}

/// A message compiled for one locale: literals pre-escaped for JSON.
#[derive(Debug, Clone)]
pub(crate) struct IcuMsg {
    nodes: Vec<Node>,
    rules: Arc<LocaleRules>,
}

#[derive(Debug, Clone)]
enum Node {
    Lit(Box<str>),
    Var(Box<str>),
    Number { name: Box<str>, integer: bool },
    Pound,
    Choice(Box<Choice>),
}

#[derive(Debug, Clone)]
struct Choice {
    name: Box<str>,
    kind: ArgKind,
    offset: u32,
    arms: Vec<(Key, Vec<Node>)>,
}

fn compile(parts: &[Part]) -> Vec<Node> {
    parts
        .iter()
        .map(|p| match p {
            Part::Lit(l) => Node::Lit(inner(&json::quoted(l))),
            Part::Var(v) => Node::Var(v.as_str().into()),
            Part::Number { name, integer } => Node::Number {
                name: name.as_str().into(),
                integer: *integer,
            },
            Part::Pound => Node::Pound,
            Part::Plural(c) | Part::Select(c) => Node::Choice(Box::new(Choice {
                name: c.name.as_str().into(),
                kind: c.kind,
                offset: c.offset,
                arms: c
                    .arms
                    .iter()
                    .map(|a| (a.key.clone(), compile(&a.parts)))
                    .collect(),
            })),
        })
        .collect()
}

/// A number read from the context, kept as the text its JSON shows.
#[derive(Clone, Copy)]
enum Num<'a> {
    Int(i64),
    Float(f64),
    /// A string holding a decimal number, as written (`"1.50"` keeps its two fraction digits).
    Text(&'a str, f64),
}

impl IcuMsg {
    pub(crate) fn new(parts: &[Part], rules: Arc<LocaleRules>) -> IcuMsg {
        IcuMsg {
            nodes: compile(parts),
            rules,
        }
    }

    /// The first plain `{placeholder}` (in any arm) the error has no value for: a render needs
    /// them all, while plural and select arguments fall back to `other`.
    pub(crate) fn missing_var(&self, err: &ApiError) -> Option<&str> {
        fn missing<'n>(nodes: &'n [Node], err: &ApiError) -> Option<&'n str> {
            for n in nodes {
                match n {
                    Node::Var(v) if lookup(err, v).is_none() => return Some(v),
                    Node::Choice(c) => {
                        if let Some(m) = c.arms.iter().find_map(|(_, ns)| missing(ns, err)) {
                            return Some(m);
                        }
                    }
                    _ => {}
                }
            }
            None
        }
        missing(&self.nodes, err)
    }

    /// Writes the message's JSON string, quotes included.
    pub(crate) fn write(&self, out: &mut Vec<u8>, err: &ApiError) {
        out.push(b'"');
        self.nodes(out, err, &self.nodes, None);
        out.push(b'"');
    }

    fn nodes(&self, out: &mut Vec<u8>, err: &ApiError, nodes: &[Node], pound: Option<Pound<'_>>) {
        for n in nodes {
            match n {
                Node::Lit(l) => out.extend_from_slice(l.as_bytes()),
                Node::Var(v) => match lookup(err, v) {
                    Some(Found::Value(v)) => json::value_text(out, v),
                    Some(Found::Secs(s)) => json::uint(out, u64::from(s)),
                    None => {}
                },
                Node::Number { name, integer } => {
                    let v = lookup(err, name);
                    self.number(out, v.as_ref(), 0, *integer);
                }
                Node::Pound => {
                    if let Some(p) = pound {
                        self.number(out, p.value.as_ref(), p.offset, false);
                    }
                }
                Node::Choice(c) => {
                    let v = lookup(err, &c.name);
                    let arm = self.choose(c, v.as_ref());
                    if let Some((_, ns)) = arm {
                        let inner = if c.kind == ArgKind::Select {
                            None
                        } else {
                            Some(Pound {
                                value: v,
                                offset: c.offset,
                            })
                        };
                        self.nodes(out, err, ns, inner);
                    }
                }
            }
        }
    }

    fn choose<'c>(&self, c: &'c Choice, v: Option<&Found<'_>>) -> Option<&'c (Key, Vec<Node>)> {
        let other = || {
            c.arms
                .iter()
                .find(|(k, _)| *k == Key::Category(Category::Other))
        };
        if c.kind == ArgKind::Select {
            let mut buf = TextBuf::default();
            let text = v.and_then(|v| buf.text(v));
            return c
                .arms
                .iter()
                .find(|(k, _)| matches!((k, text), (Key::Word(w), Some(t)) if w == t))
                .or_else(other);
        }
        let Some(n) = v.and_then(num) else {
            return other();
        };
        if let Some(arm) = c.arms.iter().find(|(k, _)| match (k, n) {
            (Key::Exact(e), Num::Int(i)) => *e == i,
            (Key::Exact(e), Num::Float(f) | Num::Text(_, f)) => *e as f64 == f,
            _ => false,
        }) {
            return Some(arm);
        }
        let rules = if c.kind == ArgKind::SelectOrdinal {
            self.rules.ordinal.as_ref()
        } else {
            self.rules.cardinal.as_ref()
        };
        let category = match (rules, decimal(n, c.offset)) {
            (Some(r), Some(d)) => category(r.category_for(&d)),
            _ => Category::Other,
        };
        c.arms
            .iter()
            .find(|(k, _)| *k == Key::Category(category))
            .or_else(other)
    }

    /// A number in the locale's format; a value that is not one as given; nothing for none.
    fn number(&self, out: &mut Vec<u8>, v: Option<&Found<'_>>, offset: u32, integer: bool) {
        let Some(v) = v else { return };
        let formatted = num(v).and_then(|n| decimal(n, offset)).map(|mut d| {
            if integer {
                d.round(0);
            }
            d
        });
        match (formatted, &self.rules.decimal) {
            (Some(d), Some(f)) => {
                use fmt::Write as _;
                let _ = write!(Escaping(out), "{}", f.format(&d));
            }
            (Some(d), None) => {
                use fmt::Write as _;
                let _ = write!(Escaping(out), "{d}");
            }
            (None, _) => match v {
                Found::Value(v) => json::value_text(out, v),
                Found::Secs(s) => json::uint(out, u64::from(*s)),
            },
        }
    }
}

/// The plural's value, for the `#` of its arms.
#[derive(Clone, Copy)]
struct Pound<'a> {
    value: Option<Found<'a>>,
    offset: u32,
}

fn num<'a>(v: &Found<'a>) -> Option<Num<'a>> {
    match v {
        Found::Secs(s) => Some(Num::Int(i64::from(*s))),
        Found::Value(Value::Int(i)) => Some(Num::Int(*i)),
        Found::Value(Value::Float(f)) if f.is_finite() => {
            // As the JSON writes it: a whole number without a fraction.
            if f.fract() == 0.0 && f.abs() < 1e15 {
                Some(Num::Int(*f as i64))
            } else {
                Some(Num::Float(*f))
            }
        }
        Found::Value(Value::Str(s)) => {
            let s = s.trim();
            if let Ok(i) = s.parse::<i64>() {
                Some(Num::Int(i))
            } else if s
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
                && Decimal::try_from_str(s).is_ok()
            {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| Num::Text(s, f))
            } else {
                None
            }
        }
        Found::Value(_) => None,
    }
}

/// The decimal CLDR's rules read, `offset` subtracted.
fn decimal(n: Num<'_>, offset: u32) -> Option<Decimal> {
    match n {
        Num::Int(i) => Some(Decimal::from(i.checked_sub(i64::from(offset))?)),
        Num::Text(s, _) if offset == 0 => Decimal::try_from_str(s).ok(),
        Num::Float(f) | Num::Text(_, f) => {
            let f = f - f64::from(offset);
            if !f.is_finite() {
                return None;
            }
            let mut b = ryu::Buffer::new();
            Decimal::try_from_str(b.format_finite(f)).ok()
        }
    }
}

fn category(c: PluralCategory) -> Category {
    match c {
        PluralCategory::Zero => Category::Zero,
        PluralCategory::One => Category::One,
        PluralCategory::Two => Category::Two,
        PluralCategory::Few => Category::Few,
        PluralCategory::Many => Category::Many,
        PluralCategory::Other => Category::Other,
    }
}

/// Room for the text of a number or boolean a select compares.
#[derive(Default)]
struct TextBuf {
    int: itoa::Buffer,
    float: ryu::Buffer,
}

impl TextBuf {
    fn text<'a>(&'a mut self, v: &'a Found<'_>) -> Option<&'a str> {
        Some(match v {
            Found::Secs(s) => self.int.format(*s),
            Found::Value(Value::Str(s)) => s,
            Found::Value(Value::Int(i)) => self.int.format(*i),
            Found::Value(Value::Float(f))
                if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 =>
            {
                self.int.format(*f as i64)
            }
            Found::Value(Value::Float(f)) if f.is_finite() => self.float.format_finite(*f),
            Found::Value(Value::Float(_)) => return None,
            Found::Value(Value::Bool(b)) => {
                if *b {
                    "true"
                } else {
                    "false"
                }
            }
        })
    }
}

/// Writes formatted text into the output as JSON string content.
struct Escaping<'a>(&'a mut Vec<u8>);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        json::escape_into(self.0, s);
        Ok(())
    }
}
