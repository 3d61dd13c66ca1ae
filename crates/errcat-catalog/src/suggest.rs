//! "Did you mean" hints: edit distance, and the closest of a list of names.
//!
//! This module depends on nothing else of the crate; the model (for codes), the lint and the CLI
//! (for rule ids) all use it.

/// The Levenshtein edit distance between two strings, counted in `char`s.
///
/// ```
/// use errcat_catalog::suggest::levenshtein;
///
/// assert_eq!(levenshtein("kitten", "sitting"), 3);
/// assert_eq!(levenshtein("same", "same"), 0);
/// ```
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `wanted` by edit distance (case-insensitive), if it is close enough
/// to be a typo: at most 2 edits, or a quarter of `wanted`'s length for long names. Ties go to
/// the candidate that sorts first.
///
/// ```
/// use errcat_catalog::suggest::closest;
///
/// let rules = ["duplicate-code", "missing-action", "unknown-locale"];
/// assert_eq!(closest("missing-acton", rules), Some("missing-action"));
/// assert_eq!(closest("something-else-entirely", rules), None);
/// ```
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = wanted.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (levenshtein(&c.to_ascii_lowercase(), &wanted), c))
        .filter(|(d, _)| *d <= 2.max(wanted.len() / 4))
        .min()
        .map(|(_, c)| c)
}
