//! A strict JSON scanner for error bodies: serde_json's grammar and limits, without its
//! machinery.
//!
//! [`Scanner`] walks a body already checked as UTF-8, a byte at a time except inside strings,
//! which it crosses eight bytes at a time. It builds nothing it is not asked for: a string is
//! where it lies in the body ([`Span`]), decoded only if the parser keeps it and it has escapes;
//! a number is converted only if the parser keeps it. A value it is told to
//! [skip](Scanner::skip) is checked against the grammar and left at that.
//!
//! What it accepts is exactly what serde_json accepts when a visitor reads the same values:
//!
//! - the grammar is RFC 8259's, whitespace being space, tab, CR and LF;
//! - a value read for its content ([`Scanner::string`], [`Scanner::number`], and every key of an
//!   object read member by member) is also held to serde_json's decoding rules: a `\u` escape
//!   of a surrogate must be a high one followed by a low one, and a number must fit an `f64`
//!   (`1e400` is an error, `1e-400` is zero);
//! - a skipped value is only held to the grammar, as serde_json's `IgnoredAny` is: a lone
//!   surrogate or `1e400` inside it is fine, and so is any depth;
//! - containers opened for their content may nest 127 deep, serde_json's recursion limit.
//!
//! This module holds the scanner's cursor, containers and skipping; [`string`] reads strings,
//! [`number`] numbers.

mod number;
mod string;

pub(crate) use string::unescape;

/// The body is not JSON, as serde_json would have said.
#[derive(Debug)]
pub(crate) struct NotJson;

/// A scanner result.
pub(crate) type Result<T> = std::result::Result<T, NotJson>;

/// serde_json's recursion limit: the 128th container opened inside others is an error.
const DEPTH: u8 = 128;

/// A number read for its value, as serde_json hands it to a visitor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// A non-negative integer that fits.
    U64(u64),
    /// A negative integer that fits.
    I64(i64),
    /// Anything else, `-0` and integers too long for 64 bits included.
    F64(f64),
}

/// Where a string's content lies in the text (its quotes excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    /// The first byte of the content.
    pub(crate) from: usize,
    /// Just past the last byte of the content: the closing quote.
    pub(crate) to: usize,
    /// Whether the content has escapes, to decode with [`unescape`].
    pub(crate) escaped: bool,
}

/// A cursor over a JSON text.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    /// Containers that may still open, as serde_json counts them.
    depth: u8,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Scanner {
            text,
            pos: 0,
            depth: DEPTH,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn byte(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    /// Skips whitespace and returns the next byte, without taking it; the end of the text is
    /// an error.
    #[inline(always)]
    pub(crate) fn peek(&mut self) -> Result<u8> {
        loop {
            match self.byte() {
                Some(b' ' | b'\n' | b'\t' | b'\r') => self.pos += 1,
                Some(b) => return Ok(b),
                None => return Err(NotJson),
            }
        }
    }

    /// Checks that nothing but whitespace follows the value.
    pub(crate) fn end(&mut self) -> Result<()> {
        match self.peek() {
            Ok(_) => Err(NotJson),
            Err(NotJson) => Ok(()),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Containers read for their content: `open_*`, then a key (for an object) and a value for
    // as long as there is one, `more_*` between them.

    /// Takes `{` or `[`, counting it against the depth limit, and whether a member or element
    /// follows (an empty container is closed at once).
    #[inline(always)]
    fn open(&mut self, close: u8) -> Result<bool> {
        self.pos += 1;
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            return Err(NotJson);
        }
        if self.peek()? == close {
            self.close();
            return Ok(false);
        }
        Ok(true)
    }

    fn close(&mut self) {
        self.pos += 1;
        self.depth = self.depth.saturating_add(1);
    }

    /// After a member or element: whether another follows; if not, the container is closed.
    #[inline(always)]
    fn more(&mut self, close: u8) -> Result<bool> {
        match self.peek()? {
            b',' => {
                self.pos += 1;
                Ok(true)
            }
            c if c == close => {
                self.close();
                Ok(false)
            }
            _ => Err(NotJson),
        }
    }

    /// Opens the object at the cursor; whether it has a first member.
    #[inline(always)]
    pub(crate) fn open_object(&mut self) -> Result<bool> {
        self.open(b'}')
    }

    /// After a member's value: whether another member follows.
    #[inline(always)]
    pub(crate) fn more_members(&mut self) -> Result<bool> {
        self.more(b'}')
    }

    /// Opens the array at the cursor; whether it has a first element.
    #[inline(always)]
    pub(crate) fn open_array(&mut self) -> Result<bool> {
        self.open(b']')
    }

    /// After an element: whether another follows.
    #[inline(always)]
    pub(crate) fn more_elements(&mut self) -> Result<bool> {
        self.more(b']')
    }

    /// Reads a member's key strictly, and the colon after it.
    #[inline(always)]
    pub(crate) fn key(&mut self) -> Result<Span> {
        if self.peek()? != b'"' {
            return Err(NotJson);
        }
        let key = self.string()?;
        if self.peek()? != b':' {
            return Err(NotJson);
        }
        self.pos += 1;
        Ok(key)
    }

    /// Reads a value the way serde_json reads one for a visitor that keeps none of it: a string
    /// or a number strictly, an object's keys strictly, and whatever the value contains skipped.
    pub(crate) fn shallow(&mut self) -> Result<()> {
        match self.peek()? {
            b'"' => self.scan_string(true),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            b'{' => {
                let mut more = self.open_object()?;
                while more {
                    self.key()?;
                    self.skip()?;
                    more = self.more_members()?;
                }
                Ok(())
            }
            b'[' => {
                let mut more = self.open_array()?;
                while more {
                    self.skip()?;
                    more = self.more_elements()?;
                }
                Ok(())
            }
            _ => self.literal(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Skipping.

    /// Skips a value, held to the grammar only (serde_json's `IgnoredAny`): any depth, strings
    /// not decoded, numbers not converted.
    #[inline]
    pub(crate) fn skip(&mut self) -> Result<()> {
        match self.peek()? {
            b'"' => self.scan_string(false),
            b'-' | b'0'..=b'9' => self.skip_number(),
            b'{' | b'[' => self.skip_container(),
            _ => self.literal(),
        }
    }

    /// Skips the object or array at the cursor.
    #[inline(never)]
    fn skip_container(&mut self) -> Result<()> {
        let mut open = Frames::default();
        loop {
            match self.peek()? {
                b'"' => self.scan_string(false)?,
                b'-' | b'0'..=b'9' => self.skip_number()?,
                c @ (b'{' | b'[') => {
                    self.pos += 1;
                    let close = c + 2; // `}` and `]`
                    if self.peek()? != close {
                        open.push(c == b'{');
                        if c == b'{' {
                            self.skip_key()?;
                        }
                        continue;
                    }
                    self.pos += 1;
                }
                _ => self.literal()?,
            }
            // A value ended: close what it ends, or go on to the next member or element.
            loop {
                let Some(obj) = open.top() else {
                    return Ok(());
                };
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        if obj {
                            self.skip_key()?;
                        }
                        break;
                    }
                    b'}' if obj => {}
                    b']' if !obj => {}
                    _ => return Err(NotJson),
                }
                self.pos += 1;
                open.pop();
            }
        }
    }

    /// Skips `"key":` inside a skipped object.
    #[inline(always)]
    fn skip_key(&mut self) -> Result<()> {
        if self.peek()? != b'"' {
            return Err(NotJson);
        }
        self.scan_string(false)?;
        if self.peek()? != b':' {
            return Err(NotJson);
        }
        self.pos += 1;
        Ok(())
    }

    /// Takes `null`, `true` or `false`; anything else is an error.
    pub(crate) fn literal(&mut self) -> Result<()> {
        let rest = self.bytes().get(self.pos..).unwrap_or_default();
        let len = if rest.starts_with(b"null") || rest.starts_with(b"true") {
            4
        } else if rest.starts_with(b"false") {
            5
        } else {
            return Err(NotJson);
        };
        self.pos += len;
        Ok(())
    }
}

/// Open containers while skipping: a bit each, one for an object; 64 levels in place, the rest
/// spilled.
#[derive(Default)]
struct Frames {
    bits: u64,
    len: usize,
    spill: Vec<u64>,
}

impl Frames {
    fn push(&mut self, obj: bool) {
        if self.len > 0 && self.len.is_multiple_of(64) {
            self.spill.push(self.bits);
            self.bits = 0;
        }
        self.bits = self.bits << 1 | u64::from(obj);
        self.len += 1;
    }

    fn pop(&mut self) {
        self.bits >>= 1;
        self.len = self.len.saturating_sub(1);
        if self.len > 0 && self.len.is_multiple_of(64) {
            self.bits = self.spill.pop().unwrap_or_default();
        }
    }

    /// Whether the innermost open container is an object; `None` when none is open.
    fn top(&self) -> Option<bool> {
        (self.len > 0).then_some(self.bits & 1 == 1)
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn accepts(text: &str) -> bool {
        let mut s = Scanner::new(text);
        s.shallow().and_then(|()| s.end()).is_ok()
    }

    fn skips(text: &str) -> bool {
        let mut s = Scanner::new(text);
        s.skip().and_then(|()| s.end()).is_ok()
    }

    fn number(text: &str) -> Option<Number> {
        let mut s = Scanner::new(text);
        let n = s.number().ok()?;
        s.end().ok()?;
        Some(n)
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut s = Scanner::new(r#""plain text""#);
        let span = s.string().ok();
        assert!(matches!(
            span.map(|at| s.str(at)),
            Some(Cow::Borrowed("plain text"))
        ));
        let mut s = Scanner::new(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00 end""#);
        let span = s.string().ok();
        assert_eq!(
            span.map(|at| s.str(at)).as_deref(),
            Some("a\"b\\c/d\u{8}\u{c}\n\r\té😀 end")
        );
    }

    #[test]
    fn strict_and_skipped_strings() {
        for bad in [
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\ud800\n""#,
        ] {
            assert!(!accepts(bad), "{bad}");
            assert!(skips(bad), "{bad}");
        }
        for bad in [
            "\"a\u{1}\"",
            r#""\x""#,
            r#""\u12""#,
            r#""\u12g4""#,
            "\"open",
            "\"tab\there\"",
        ] {
            assert!(!accepts(bad), "{bad}");
            assert!(!skips(bad), "{bad}");
        }
    }

    #[test]
    fn numbers_as_serde_json_reads_them() {
        assert_eq!(number("0"), Some(Number::U64(0)));
        assert_eq!(number("-12"), Some(Number::I64(-12)));
        assert_eq!(number("18446744073709551615"), Some(Number::U64(u64::MAX)));
        assert_eq!(number("-9223372036854775808"), Some(Number::I64(i64::MIN)));
        assert_eq!(number("1.5e3"), Some(Number::F64(1500.0)));
        assert_eq!(number("1e-400"), Some(Number::F64(0.0)));
        assert_eq!(number("0e99999999999"), Some(Number::F64(0.0)));
        assert!(matches!(number("-0"), Some(Number::F64(f)) if f == 0.0 && f.is_sign_negative()));
        assert_eq!(
            number("18446744073709551616"),
            Some(Number::F64(18446744073709551616.0))
        );
        for bad in [
            "1e400",
            "1e99999999999",
            "01",
            "-",
            "1.",
            "1e",
            "1.e3",
            ".5",
            "+1",
        ] {
            assert_eq!(number(bad), None, "{bad}");
        }
        assert!(skips("1e400"));
    }

    #[test]
    fn depth_limit_only_where_read() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let nested = |n: usize| {
            let text = deep(n);
            let mut s = Scanner::new(&text);
            fn read(s: &mut Scanner<'_>) -> Result<()> {
                if s.peek()? != b'[' {
                    return s.shallow();
                }
                let mut more = s.open_array()?;
                while more {
                    read(s)?;
                    more = s.more_elements()?;
                }
                Ok(())
            }
            read(&mut s).and_then(|()| s.end()).is_ok()
        };
        assert!(nested(127));
        assert!(!nested(128));
        assert!(skips(&deep(100_000)));
    }

    #[test]
    fn grammar() {
        for good in [
            "{}",
            "[]",
            " { \"a\" : [ 1 , true , null ] } ",
            r#"{"a":{"b":[]}}"#,
        ] {
            assert!(accepts(good), "{good}");
            assert!(skips(good), "{good}");
        }
        for bad in [
            "{,}",
            "[1,]",
            r#"{"a":1,}"#,
            "[1 2]",
            r#"{"a" 1}"#,
            "{1:2}",
            "nul",
            "tru",
            "[",
            "]",
            "\u{c}[]",
            "[] x",
            "{\"a\":}",
            "[,1]",
        ] {
            assert!(!accepts(bad), "{bad}");
            assert!(!skips(bad), "{bad}");
        }
    }
}
