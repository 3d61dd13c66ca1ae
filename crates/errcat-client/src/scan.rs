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

use std::borrow::Cow;

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

    // -----------------------------------------------------------------------------------------
    // Strings.

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
    fn scan_string(&mut self, strict: bool) -> Result<()> {
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

    // -----------------------------------------------------------------------------------------
    // Numbers.

    /// Skips the number at the cursor, held to the grammar only.
    fn skip_number(&mut self) -> Result<()> {
        if self.byte() == Some(b'-') {
            self.pos += 1;
        }
        match self.byte() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(NotJson),
        }
        if self.byte() == Some(b'.') {
            self.pos += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.byte() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.byte() {
                self.pos += 1;
            }
            self.some_digits()?;
        }
        Ok(())
    }

    fn digit(&self) -> Option<u8> {
        self.byte().filter(u8::is_ascii_digit).map(|c| c - b'0')
    }

    fn digits(&mut self) {
        while self.digit().is_some() {
            self.pos += 1;
        }
    }

    fn some_digits(&mut self) -> Result<()> {
        if self.digit().is_none() {
            return Err(NotJson);
        }
        self.digits();
        Ok(())
    }

    /// Reads the number at the cursor into the value serde_json would give (its own
    /// arithmetic, not always the nearest `f64`); out of the `f64` range is an error.
    pub(crate) fn number(&mut self) -> Result<Number> {
        let positive = self.byte() != Some(b'-');
        if !positive {
            self.pos += 1;
        }
        let mut significand = match self.digit() {
            Some(0) => {
                self.pos += 1;
                if self.digit().is_some() {
                    return Err(NotJson);
                }
                0
            }
            Some(d) => {
                self.pos += 1;
                u64::from(d)
            }
            None => return Err(NotJson),
        };
        if significand != 0 {
            while let Some(d) = self.digit() {
                match grow(significand, d) {
                    Some(s) => significand = s,
                    // Too long for 64 bits: the digits left only scale it.
                    None => return self.long_integer(positive, significand).map(Number::F64),
                }
                self.pos += 1;
            }
        }
        Ok(match self.byte() {
            Some(b'.') => Number::F64(self.fraction(positive, significand, 0)?),
            Some(b'e' | b'E') => Number::F64(self.exponent(positive, significand, 0)?),
            _ if positive => Number::U64(significand),
            _ => match (significand as i64).wrapping_neg() {
                neg if neg < 0 => Number::I64(neg),
                // `-0`, or below `i64::MIN`.
                _ => Number::F64(-(significand as f64)),
            },
        })
    }

    fn long_integer(&mut self, positive: bool, significand: u64) -> Result<f64> {
        let mut exponent = 0i32;
        while self.digit().is_some() {
            self.pos += 1;
            exponent = exponent.saturating_add(1);
        }
        match self.byte() {
            Some(b'.') => self.fraction(positive, significand, exponent),
            Some(b'e' | b'E') => self.exponent(positive, significand, exponent),
            _ => float(positive, significand, exponent),
        }
    }

    /// After the integer part, at `.`.
    fn fraction(&mut self, positive: bool, mut significand: u64, exponent: i32) -> Result<f64> {
        self.pos += 1;
        let mut after = 0i32;
        while let Some(d) = self.digit() {
            match grow(significand, d) {
                Some(s) => significand = s,
                None => {
                    // Digits past 64 bits are dropped.
                    self.digits();
                    let exponent = exponent.saturating_add(after);
                    return match self.byte() {
                        Some(b'e' | b'E') => self.exponent(positive, significand, exponent),
                        _ => float(positive, significand, exponent),
                    };
                }
            }
            self.pos += 1;
            after = after.saturating_sub(1);
        }
        if after == 0 {
            return Err(NotJson);
        }
        let exponent = exponent.saturating_add(after);
        match self.byte() {
            Some(b'e' | b'E') => self.exponent(positive, significand, exponent),
            _ => float(positive, significand, exponent),
        }
    }

    /// At `e` or `E`.
    fn exponent(&mut self, positive: bool, significand: u64, start: i32) -> Result<f64> {
        self.pos += 1;
        let up = match self.byte() {
            Some(b'+') => {
                self.pos += 1;
                true
            }
            Some(b'-') => {
                self.pos += 1;
                false
            }
            _ => true,
        };
        let mut exp = i32::from(self.digit().ok_or(NotJson)?);
        self.pos += 1;
        while let Some(d) = self.digit() {
            self.pos += 1;
            match exp
                .checked_mul(10)
                .and_then(|e| e.checked_add(i32::from(d)))
            {
                Some(e) => exp = e,
                None => {
                    // An exponent past `i32`: zero, or out of range.
                    if significand != 0 && up {
                        return Err(NotJson);
                    }
                    self.digits();
                    return Ok(if positive { 0.0 } else { -0.0 });
                }
            }
        }
        let exponent = if up {
            start.saturating_add(exp)
        } else {
            start.saturating_sub(exp)
        };
        float(positive, significand, exponent)
    }
}

/// `significand * 10 + digit`, unless that passes `u64::MAX`.
fn grow(significand: u64, digit: u8) -> Option<u64> {
    significand
        .checked_mul(10)
        .and_then(|s| s.checked_add(u64::from(digit)))
}

/// `significand × 10^exponent` the way serde_json computes it without its `float_roundtrip`
/// feature, so that a number kept as text reads as it did.
fn float(positive: bool, significand: u64, mut exponent: i32) -> Result<f64> {
    let mut f = significand as f64;
    loop {
        match POW10.get(exponent.unsigned_abs() as usize) {
            Some(&pow) => {
                if exponent >= 0 {
                    f *= pow;
                    if f.is_infinite() {
                        return Err(NotJson);
                    }
                } else {
                    f /= pow;
                }
                break;
            }
            None => {
                if f == 0.0 {
                    break;
                }
                if exponent >= 0 {
                    return Err(NotJson);
                }
                f /= 1e308;
                exponent += 308;
            }
        }
    }
    Ok(if positive { f } else { -f })
}

#[rustfmt::skip]
static POW10: [f64; 309] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
    1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27,
    1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39, 1e40, 1e41,
    1e42, 1e43, 1e44, 1e45, 1e46, 1e47, 1e48, 1e49, 1e50, 1e51, 1e52, 1e53, 1e54, 1e55,
    1e56, 1e57, 1e58, 1e59, 1e60, 1e61, 1e62, 1e63, 1e64, 1e65, 1e66, 1e67, 1e68, 1e69,
    1e70, 1e71, 1e72, 1e73, 1e74, 1e75, 1e76, 1e77, 1e78, 1e79, 1e80, 1e81, 1e82, 1e83,
    1e84, 1e85, 1e86, 1e87, 1e88, 1e89, 1e90, 1e91, 1e92, 1e93, 1e94, 1e95, 1e96, 1e97,
    1e98, 1e99, 1e100, 1e101, 1e102, 1e103, 1e104, 1e105, 1e106, 1e107, 1e108, 1e109, 1e110,
    1e111, 1e112, 1e113, 1e114, 1e115, 1e116, 1e117, 1e118, 1e119, 1e120, 1e121, 1e122, 1e123,
    1e124, 1e125, 1e126, 1e127, 1e128, 1e129, 1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136,
    1e137, 1e138, 1e139, 1e140, 1e141, 1e142, 1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149,
    1e150, 1e151, 1e152, 1e153, 1e154, 1e155, 1e156, 1e157, 1e158, 1e159, 1e160, 1e161, 1e162,
    1e163, 1e164, 1e165, 1e166, 1e167, 1e168, 1e169, 1e170, 1e171, 1e172, 1e173, 1e174, 1e175,
    1e176, 1e177, 1e178, 1e179, 1e180, 1e181, 1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188,
    1e189, 1e190, 1e191, 1e192, 1e193, 1e194, 1e195, 1e196, 1e197, 1e198, 1e199, 1e200, 1e201,
    1e202, 1e203, 1e204, 1e205, 1e206, 1e207, 1e208, 1e209, 1e210, 1e211, 1e212, 1e213, 1e214,
    1e215, 1e216, 1e217, 1e218, 1e219, 1e220, 1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227,
    1e228, 1e229, 1e230, 1e231, 1e232, 1e233, 1e234, 1e235, 1e236, 1e237, 1e238, 1e239, 1e240,
    1e241, 1e242, 1e243, 1e244, 1e245, 1e246, 1e247, 1e248, 1e249, 1e250, 1e251, 1e252, 1e253,
    1e254, 1e255, 1e256, 1e257, 1e258, 1e259, 1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266,
    1e267, 1e268, 1e269, 1e270, 1e271, 1e272, 1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279,
    1e280, 1e281, 1e282, 1e283, 1e284, 1e285, 1e286, 1e287, 1e288, 1e289, 1e290, 1e291, 1e292,
    1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299, 1e300, 1e301, 1e302, 1e303, 1e304, 1e305,
    1e306, 1e307, 1e308,
];

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
