//! Strings: read strictly for their content, or crossed; eight bytes at a time to the first
//! quote, backslash or control byte; escapes decoded for a string the parser keeps.

use std::borrow::Cow;

use super::{NotJson, Result, Scanner, Span};

impl<'a> Scanner<'a> {
    /// Reads the string at the cursor strictly: where its content lies.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<Span> {
        let from = self.pos + 1;
        let (to, quote) = special(self.bytes(), from);
        if quote {
            self.pos = to + 1;
            return Ok(Span {
                from,
                to,
                escaped: false,
            });
        }
        self.pos = to;
        self.rest_of_string(true)?;
        Ok(Span {
            from,
            to: self.pos - 1,
            escaped: true,
        })
    }

    /// The content of a string without escapes, as it is in the text.
    #[inline(always)]
    pub(crate) fn raw(&self, span: Span) -> &'a [u8] {
        self.bytes().get(span.from..span.to).unwrap_or_default()
    }

    /// The content of a string the scanner read: borrowed from the text unless it has escapes.
    pub(crate) fn str(&self, span: Span) -> Cow<'a, str> {
        let raw = self.text.get(span.from..span.to).unwrap_or_default();
        match span.escaped {
            false => Cow::Borrowed(raw),
            true => Cow::Owned(unescape(raw)),
        }
    }

    /// Where the cursor is.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Crosses the string at the cursor. `strict` holds `\u` escapes to serde_json's decoding
    /// rules, not only to the grammar.
    #[inline(always)]
    pub(super) fn scan_string(&mut self, strict: bool) -> Result<()> {
        let (end, quote) = special(self.bytes(), self.pos + 1);
        if quote {
            self.pos = end + 1;
            return Ok(());
        }
        self.pos = end;
        self.rest_of_string(strict)
    }

    /// Crosses the rest of a string from its first escape or control byte.
    #[cold]
    #[inline(never)]
    fn rest_of_string(&mut self, strict: bool) -> Result<()> {
        loop {
            match self.byte() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => self.escape(strict)?,
                // A control byte, or the end of the text.
                _ => return Err(NotJson),
            }
            self.pos = special(self.bytes(), self.pos).0;
        }
    }

    /// Crosses the escape at the cursor.
    fn escape(&mut self, strict: bool) -> Result<()> {
        let c = self.bytes().get(self.pos + 1).copied();
        self.pos += 2;
        match c {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(()),
            Some(b'u') => match self.hex4()? {
                0xDC00..=0xDFFF if strict => Err(NotJson),
                0xD800..=0xDBFF if strict => {
                    if self.bytes().get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return Err(NotJson);
                    }
                    self.pos += 2;
                    match self.hex4()? {
                        0xDC00..=0xDFFF => Ok(()),
                        _ => Err(NotJson),
                    }
                }
                _ => Ok(()),
            },
            _ => Err(NotJson),
        }
    }

    fn hex4(&mut self) -> Result<u16> {
        let n = self
            .bytes()
            .get(self.pos..self.pos + 4)
            .and_then(hex4)
            .ok_or(NotJson)?;
        self.pos += 4;
        Ok(n)
    }
}

/// The index of the first `"`, `\\` or control byte at or after `at` (else the length), and
/// whether it is a `"`: eight bytes at a time, then one at a time.
///
/// Each word gets two "has a byte less than" tests (after Mycroft's zero-byte test): one of the
/// word with bit 1 of every byte flipped, below 0x21, which is exactly a control byte or `"`
/// (0x22 flips to 0x20); one of the word with `\\` flipped to zero, below 1. Borrows may flag
/// bytes above the first match, never below it.
#[inline(always)]
fn special(bytes: &[u8], mut at: usize) -> (usize, bool) {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let flipped = x ^ (ONES * 0x02);
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let found = ((flipped.wrapping_sub(ONES * 0x21) & !flipped)
            | (backslash.wrapping_sub(ONES) & !backslash))
            & HIGH;
        if found != 0 {
            // The first match is a quote exactly when a quote test flags it too (from the word
            // already in hand: no load waits on the position).
            let quote = x ^ (ONES * u64::from(b'"'));
            let quotes = quote.wrapping_sub(ONES) & !quote;
            let first = found & found.wrapping_neg();
            return (
                at + (found.trailing_zeros() / 8) as usize,
                first & quotes != 0,
            );
        }
        at += 8;
    }
    while let Some(&c) = bytes.get(at) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return (at, c == b'"');
        }
        at += 1;
    }
    (at, false)
}

/// Four hex digits.
fn hex4(digits: &[u8]) -> Option<u16> {
    digits.iter().try_fold(0u16, |n, &c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        Some(n << 4 | u16::from(d))
    })
}

/// Decodes the escapes of a string the scanner checked strictly.
pub(crate) fn unescape(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(at) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| c == b'\\'))
    {
        out.push_str(raw.get(i..i + at).unwrap_or_default());
        i += at;
        let c = match bytes.get(i + 1) {
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let hi = bytes.get(i + 2..i + 6).and_then(hex4).unwrap_or(0xFFFD);
                i += 4;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    let lo = bytes.get(i + 4..i + 8).and_then(hex4).unwrap_or(0);
                    i += 6;
                    0x1_0000 + ((u32::from(hi) - 0xD800) << 10 | (u32::from(lo) & 0x3FF))
                } else {
                    u32::from(hi)
                };
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
            Some(&c) => char::from(c),
            None => break,
        };
        out.push(c);
        i += 2;
    }
    out.push_str(raw.get(i..).unwrap_or_default());
    out
}
