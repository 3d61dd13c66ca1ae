//! `Accept-Language` negotiation against a catalog's locales, with fluent-langneg.

use fluent_langneg::{LanguageIdentifier, NegotiationStrategy, negotiate_languages};

/// A locale of the catalog, by index into [`errcat_catalog::Meta::locales`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Locale(pub usize);

/// Picks the best catalog locale for an `Accept-Language` header.
///
/// q-values order the requested ranges (`q=0` rules a range out), a range such as `es` matches
/// `es-MX` and the reverse, `*` accepts the default locale, and anything unparsable is skipped.
///
/// ```
/// use errcat::{Locale, Negotiator};
/// let n = Negotiator::new(&["en".to_string(), "es".to_string()], 0);
/// assert_eq!(n.negotiate(Some("es-MX,es;q=0.9,en;q=0.5")), Locale(1));
/// assert_eq!(n.negotiate(Some("en;q=0.2, es;q=0.8")), Locale(1));
/// assert_eq!(n.negotiate(Some("fr, *;q=0.1")), Locale(0));
/// assert_eq!(n.negotiate(Some("es;q=0")), Locale(0));
/// assert_eq!(n.negotiate(None), Locale(0));
/// ```
#[derive(Debug, Clone)]
pub struct Negotiator {
    available: Vec<LanguageIdentifier>,
    tags: Vec<String>,
    default: usize,
}

impl Negotiator {
    /// A negotiator over locale tags; `default` indexes `tags`.
    pub fn new(tags: &[String], default: usize) -> Negotiator {
        let available = tags.iter().map(|t| t.parse().unwrap_or_default()).collect();
        Negotiator {
            available,
            tags: tags.to_vec(),
            default: default.min(tags.len().saturating_sub(1)),
        }
    }

    /// The default locale.
    pub fn default_locale(&self) -> Locale {
        Locale(self.default)
    }

    /// The tag of a locale, as the catalog writes it.
    pub fn tag(&self, l: Locale) -> &str {
        self.tags.get(l.0).map_or("", String::as_str)
    }

    /// The locale whose tag is exactly `tag`, if any (for `--locale` and tests).
    pub fn find(&self, tag: &str) -> Option<Locale> {
        self.tags
            .iter()
            .position(|t| t.eq_ignore_ascii_case(tag))
            .map(Locale)
    }

    /// Negotiates an `Accept-Language` header value.
    pub fn negotiate(&self, accept_language: Option<&str>) -> Locale {
        let Some(header) = accept_language else {
            return self.default_locale();
        };
        // Order the ranges by q-value (stable), drop q=0, and stop at `*`: a range after it
        // ranks below "anything", so the default locale wins there.
        let mut ranges: Vec<(&str, u16)> = header
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let mut q = 1000u16;
                for p in parts {
                    let p = p.trim();
                    if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                        q = parse_q(v.trim())?;
                    }
                }
                (!tag.is_empty() && q > 0).then_some((tag, q))
            })
            .collect();
        ranges.sort_by_key(|r| std::cmp::Reverse(r.1));
        let mut requested: Vec<LanguageIdentifier> = Vec::new();
        for (tag, _) in ranges {
            if tag == "*" {
                break;
            }
            if let Ok(id) = tag.parse::<LanguageIdentifier>() {
                requested.push(id);
            }
        }
        if requested.is_empty() {
            return self.default_locale();
        }
        let chosen = negotiate_languages(
            &requested,
            &self.available,
            None,
            NegotiationStrategy::Lookup,
        );
        chosen
            .first()
            .and_then(|c| self.available.iter().position(|a| a == *c))
            .map_or(self.default_locale(), Locale)
    }
}

/// A q-value, in thousandths; `None` if malformed (the range is then ignored).
fn parse_q(v: &str) -> Option<u16> {
    let f: f32 = v.parse().ok()?;
    (0.0..=1.0)
        .contains(&f)
        .then(|| (f * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(tags: &[&str]) -> Negotiator {
        Negotiator::new(&tags.iter().map(|s| s.to_string()).collect::<Vec<_>>(), 0)
    }

    #[test]
    fn edge_cases() {
        let n2 = n(&["en", "es"]);
        let es = Some(Locale(1));
        let en = Some(Locale(0));
        for (header, want) in [
            ("es", es),
            ("ES", es),
            ("es-419", es),
            ("es-MX;q=0.9", es),
            ("fr-CA, es;q=0.5", es),
            ("en-GB", en),
            ("de", en),
            ("", en),
            (",,,;q=,", en),
            ("es;q=abc", en),
            ("es;q=2", en),
            ("*", en),
            ("*, es;q=0.5", en),
            ("es;q=0.5, *;q=0.9", en),
            ("en;q=0.1, es", es),
            ("es;q=0.000", en),
            ("x-klingon, es", es),
            ("\u{0}\u{ff}garbage", en),
        ] {
            assert_eq!(Some(n2.negotiate(Some(header))), want, "header {header:?}");
        }
    }

    #[test]
    fn region_variants() {
        let n3 = n(&["en", "pt-BR", "pt-PT"]);
        assert_eq!(n3.negotiate(Some("pt-PT")), Locale(2));
        assert_eq!(n3.negotiate(Some("pt-BR")), Locale(1));
        assert!(
            n3.negotiate(Some("pt")).0 >= 1,
            "a bare `pt` picks one of the Portuguese locales"
        );
    }
}
