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

/// Reads a value as [`read_text`] does, keeping nothing: whether it was a text (a string or a
/// number), held to the same rules.
fn check_text(r: &mut Reader<'_>) -> Result<bool> {
    match r.s.peek()? {
        b'"' => r.s.string().map(|_| true),
        b'-' | b'0'..=b'9' => r.s.number().map(|_| true),
        _ => r.s.shallow().map(|()| false),
    }
}

/// Reads a text, or an array of texts, as a run of [`Store::texts`].
pub(super) fn texts(r: &mut Reader<'_>) -> Result<Texts> {
    texts_up_to(r, usize::MAX).map(|(run, _)| run)
}

/// [`texts`], storing at most `room` of them; the texts past it are read as strictly, not
/// stored, and counted.
fn texts_up_to(r: &mut Reader<'_>, room: usize) -> Result<(Texts, usize)> {
    let from = r.st.texts.len();
    let mut dropped = 0;
    match r.s.peek()? {
        b'[' => {
            let mut more = r.s.open_array()?;
            while more {
                if r.st.texts.len() - from < room {
                    let t = read_text(r)?;
                    if t.is_some() {
                        r.st.texts.push(t);
                    }
                } else if check_text(r)? {
                    dropped += 1;
                }
                more = r.s.more_elements()?;
            }
        }
        b'"' if room == 0 => {
            r.s.string()?;
            dropped += 1;
        }
        b'"' => {
            let span = r.s.string()?;
            let t = r.st.string(span);
            r.st.texts.push(t);
        }
        _ => r.s.shallow()?,
    }
    let run = Texts {
        from,
        to: r.st.texts.len(),
    };
    Ok((run, dropped))
}

/// `{"name": ["message", ...], ...}` (errcat flat's `context.errors`, Laravel, ASP.NET): one
/// entry per name with its run of messages, in order. It stores at most
/// [`Parser::max_fields`](crate::Parser::max_fields) messages in all and counts the others;
/// the name is stored once, however many messages it has.
#[derive(Debug, Default)]
pub(crate) struct FieldMap {
    /// Each name, and its messages.
    pub(super) entries: Vec<(Text, Texts)>,
    /// The messages stored, over every entry.
    kept: usize,
    /// The messages past the limit: read, not stored.
    pub(super) dropped: usize,
}

impl Fill for FieldMap {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        let room = r.st.max_fields.saturating_sub(self.kept);
        let (msgs, dropped) = texts_up_to(r, room)?;
        self.dropped = self.dropped.saturating_add(dropped);
        if msgs.to > msgs.from {
            self.kept += msgs.to - msgs.from;
            let name = r.st.string(key.span);
            self.entries.push((name, msgs));
        }
        Ok(())
    }
}
