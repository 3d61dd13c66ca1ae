//! The lenient readers: a value as text, an object filled in place, a run of texts.

use crate::scan::{Number, Result, Scanner, Span};

use super::store::{Ranked, Store, Text, Texts};

/// The scanner, and what it read so far.
pub(super) struct Reader<'a> {
    pub(super) s: Scanner<'a>,
    pub(super) st: Store<'a>,
}

/// Reads any value as [`Text`]: a string, a number written out; anything else is no text.
#[inline(always)]
pub(super) fn read_text(r: &mut Reader<'_>) -> Result<Text> {
    Ok(match r.s.peek()? {
        b'"' => {
            let span = r.s.string()?;
            r.st.string(span)
        }
        b'-' | b'0'..=b'9' => {
            let from = r.s.pos();
            let n = r.s.number()?;
            r.st.number(n, from, r.s.pos())
        }
        _ => {
            r.s.shallow()?;
            Text::NONE
        }
    })
}

/// Reads any value into `slot` as [`Text`].
#[inline(always)]
pub(super) fn text(r: &mut Reader<'_>, slot: &mut Text) -> Result<()> {
    *slot = read_text(r)?;
    Ok(())
}

impl Ranked {
    /// Reads a value of rank `rank` and [offers](Ranked::offer) it.
    pub(super) fn read(&mut self, rank: u8, r: &mut Reader<'_>) -> Result<()> {
        let t = read_text(r)?;
        self.offer(rank, t);
        Ok(())
    }
}

/// A member's key: its name (decoded, if it has escapes) and where it lies in the body.
pub(super) struct Key<'k> {
    pub(super) name: &'k [u8],
    pub(super) span: Span,
}

/// An object whose members are read one at a time, in place.
pub(super) trait Fill {
    /// Reads the value of member `key`; skips it when the shape has no such member.
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()>;

    /// Takes a value that is not an object (a string, an integer); returns whether it was kept.
    fn other(&mut self, _: Text) -> bool {
        false
    }
}

/// Reads an object into `t` in place; `Ok(false)` when the value was no object (and not kept by
/// [`Fill::other`]).
pub(super) fn fill<T: Fill>(r: &mut Reader<'_>, t: &mut T) -> Result<bool> {
    match r.s.peek()? {
        b'{' => {
            let mut more = r.s.open_object()?;
            while more {
                let span = r.s.key()?;
                let decoded;
                let name = match span.escaped {
                    false => r.s.raw(span),
                    true => {
                        decoded = r.s.str(span);
                        decoded.as_bytes()
                    }
                };
                t.member(&Key { name, span }, r)?;
                more = r.s.more_members()?;
            }
            Ok(true)
        }
        b'"' => {
            let span = r.s.string()?;
            let v = r.st.string(span);
            Ok(t.other(v))
        }
        b'-' | b'0'..=b'9' => {
            let from = r.s.pos();
            match r.s.number()? {
                Number::F64(_) => Ok(false),
                n => {
                    let v = r.st.number(n, from, r.s.pos());
                    Ok(t.other(v))
                }
            }
        }
        _ => {
            r.s.shallow()?;
            Ok(false)
        }
    }
}

/// Reads a text, or an array of texts, as a run of [`Store::texts`].
pub(super) fn texts(r: &mut Reader<'_>) -> Result<Texts> {
    let from = r.st.texts.len();
    match r.s.peek()? {
        b'[' => {
            let mut more = r.s.open_array()?;
            while more {
                let t = read_text(r)?;
                if t.is_some() {
                    r.st.texts.push(t);
                }
                more = r.s.more_elements()?;
            }
        }
        b'"' => {
            let span = r.s.string()?;
            let t = r.st.string(span);
            r.st.texts.push(t);
        }
        _ => r.s.shallow()?,
    }
    Ok(Texts {
        from,
        to: r.st.texts.len(),
    })
}

/// `{"name": ["message", ...], ...}` (errcat flat's `context.errors`, Laravel, ASP.NET), as
/// (name, message) pairs in order.
#[derive(Debug, Default)]
pub(crate) struct FieldMap(pub(super) Vec<(Text, Text)>);

impl Fill for FieldMap {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        let msgs = texts(r)?;
        if msgs.to > msgs.from {
            let name = r.st.string(key.span);
            let msgs = r.st.texts_of(msgs);
            self.0.extend(msgs.iter().map(|&msg| (name, msg)));
        }
        Ok(())
    }
}
