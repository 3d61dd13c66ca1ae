//! A minimal JSON writer into a reused buffer: no allocation beyond the buffer's growth.

use crate::error::Value;

const __: u8 = 0;
const QU: u8 = b'"';
const BS: u8 = b'\\';
const UU: u8 = b'u';

/// For each byte: 0 if it is written as is, otherwise the escape letter.
static ESCAPE: [u8; 256] = {
    let mut t = [__; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = UU;
        i += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'"' as usize] = QU;
    t[b'\\' as usize] = BS;
    t
};

/// Whether any of the 8 bytes of `w` must be escaped: below 0x20, `"` or `\\`.
#[inline]
fn word_needs_escape(w: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let below_space = w.wrapping_sub(LO * 0x20) & !w & HI;
    let q = w ^ (LO * u64::from(b'"'));
    let quote = q.wrapping_sub(LO) & !q & HI;
    let b = w ^ (LO * u64::from(b'\\'));
    let backslash = b.wrapping_sub(LO) & !b & HI;
    (below_space | quote | backslash) != 0
}

/// Whether byte `b` is written escaped in a JSON string.
#[inline]
pub(crate) fn is_escaped(b: u8) -> bool {
    ESCAPE[b as usize] != 0
}

/// Writes `s` escaped, without the surrounding quotes.
///
/// Text that needs no escape (the common case) is found eight bytes at a time and copied whole.
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut clean = 0;
    while let Some(chunk) = bytes.get(clean..clean + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if word_needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        clean += 8;
    }
    // Fewer than eight bytes left: checked as one word, padded with a byte that needs no escape.
    if let Some(tail) = bytes.get(clean..).filter(|t| t.len() < 8) {
        let mut word = [b'a'; 8];
        word[..tail.len()].copy_from_slice(tail);
        if !word_needs_escape(u64::from_le_bytes(word)) {
            out.extend_from_slice(bytes);
            return;
        }
    }
    while clean < bytes.len() && ESCAPE[bytes[clean] as usize] == 0 {
        clean += 1;
    }
    out.extend_from_slice(&bytes[..clean]);
    if clean < bytes.len() {
        escape_slow(out, &bytes[clean..]);
    }
}

#[cold]
fn escape_slow(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPE[b as usize];
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match esc {
            UU => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
            c => {
                out.push(b'\\');
                out.push(c);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Writes `s` as a JSON string, quotes included.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escape_into(out, s);
    out.push(b'"');
}

/// `s` as a JSON string literal, computed once at load.
pub(crate) fn quoted(s: &str) -> Box<str> {
    let mut v = Vec::with_capacity(s.len() + 2);
    string(&mut v, s);
    // Escaping keeps UTF-8 valid.
    String::from_utf8(v).unwrap_or_default().into_boxed_str()
}

pub(crate) fn uint(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Writes a context value with its JSON type.
pub(crate) fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Str(s) => string(out, s),
        Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        // A whole number is written without a fraction: `2`, not `2.0`.
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => {
            out.extend_from_slice(itoa::Buffer::new().format(*f as i64).as_bytes())
        }
        Value::Float(f) if f.is_finite() => {
            out.extend_from_slice(ryu::Buffer::new().format_finite(*f).as_bytes())
        }
        Value::Float(_) => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
    }
}

/// Writes a context value as text (escaped, unquoted), as it appears inside a message.
pub(crate) fn value_text(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Str(s) => escape_into(out, s),
        other => value(out, other),
    }
}

/// Writes a context value as a JSON string (Google's metadata is string-valued).
pub(crate) fn value_as_string(out: &mut Vec<u8>, v: &Value) {
    out.push(b'"');
    value_text(out, v);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_serde_json() {
        for s in [
            "plain",
            "quote\" back\\slash",
            "nl\n tab\t \u{1}\u{1f} é ☃ 🦀",
            "",
        ] {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn escape_matches_serde_json_on_every_byte_position() {
        for special in ['"', '\\', '\n', '\u{0}', '\u{1f}', ' ', 'é'] {
            for pos in 0..20 {
                let mut s: String = "a".repeat(20);
                s.replace_range(pos..pos + 1, &special.to_string());
                let mut out = Vec::new();
                string(&mut out, &s);
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    serde_json::to_string(&s).unwrap(),
                    "{s:?}"
                );
            }
        }
    }

    #[test]
    fn numbers() {
        let mut out = Vec::new();
        value(&mut out, &Value::Float(12.5));
        out.push(b' ');
        value(&mut out, &Value::Float(2.0));
        out.push(b' ');
        value(&mut out, &Value::Float(f64::NAN));
        out.push(b' ');
        value_text(&mut out, &Value::Float(42.0));
        assert_eq!(String::from_utf8(out).unwrap(), "12.5 2 null 42");
    }
}
