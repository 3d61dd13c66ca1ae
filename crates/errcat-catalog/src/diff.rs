//! Breaking-change report between two versions of a catalog, for CI (`errcat diff OLD NEW`).
//!
//! [`diff`] compares the codes of two catalogs and returns every [`Change`] a client could notice,
//! each under a stable rule id (see [`RULES`]) in the manner of oasdiff and `buf breaking`. Only
//! the catalogs' own codes count: errcat's built-in role codes are not the API's contract.
//!
//! ```
//! use errcat_catalog::Catalog;
//! use errcat_catalog::diff::{diff, Severity};
//!
//! let old = Catalog::from_toml_str("old.toml", r#"
//! [catalog]
//! name = "mini"
//! [codes.insufficient_balance]
//! status = 402
//! category = "Billing"
//! action = "top_up_balance"
//! message.en = "Not enough credits."
//! "#)?;
//! let new = Catalog::from_toml_str("new.toml", r#"
//! [catalog]
//! name = "mini"
//! [codes.insufficient_balance]
//! status = 400
//! category = "Billing"
//! action = "top_up_balance"
//! message.en = "Not enough credits."
//! "#)?;
//!
//! let changes = diff(&old, &new);
//! assert_eq!(changes.worst(), Some(Severity::Error));
//! let c = &changes.changes[0];
//! assert_eq!((c.rule, c.code.as_str()), ("status-changed", "insufficient_balance"));
//! assert_eq!(c.message, "status 402 → 400");
//! # Ok::<(), errcat_catalog::Report>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::model::{Catalog, Entry, Lifecycle, Origin, Role};

/// How much a change matters to clients.
///
/// Ordered: `Info < Warning < Error`.
///
/// ```
/// use errcat_catalog::diff::Severity;
/// assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
/// assert_eq!(Severity::parse("warning"), Some(Severity::Warning));
/// assert_eq!(Severity::Info.to_string(), "info");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; breaks no client.
    Info,
    /// May surprise a client, such as a new code under a status it already handles.
    Warning,
    /// Breaks clients that match on codes, statuses, actions or docs links.
    Error,
}

impl Severity {
    /// Every severity, worst first.
    ///
    /// ```
    /// use errcat_catalog::diff::Severity;
    /// assert_eq!(Severity::ALL[0], Severity::Error);
    /// ```
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

    /// `"error"`, `"warning"` or `"info"`.
    ///
    /// ```
    /// assert_eq!(errcat_catalog::diff::Severity::Error.as_str(), "error");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `"error"`, `"warning"` or `"info"`.
    ///
    /// ```
    /// use errcat_catalog::diff::Severity;
    /// assert_eq!(Severity::parse("info"), Some(Severity::Info));
    /// assert_eq!(Severity::parse("fatal"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every rule [`diff`] can report: its stable id, its severity and what it means.
///
/// The order is the order changes to one code are listed in.
///
/// ```
/// use errcat_catalog::diff::{RULES, Severity};
/// let (_, severity, _) = RULES.iter().find(|(id, ..)| *id == "code-removed").unwrap();
/// assert_eq!(*severity, Severity::Error);
/// ```
pub const RULES: &[(&str, Severity, &str)] = &[
    (
        "code-removed",
        Severity::Error,
        "a code was removed without a retired tombstone",
    ),
    (
        "retired-code-revived",
        Severity::Error,
        "a retired code was brought back with a different status, action, message or category",
    ),
    (
        "status-changed",
        Severity::Error,
        "a code's default status changed, or a status was removed from its list",
    ),
    (
        "action-changed",
        Severity::Error,
        "a code's action changed or was removed",
    ),
    (
        "retry-changed",
        Severity::Error,
        "a code's retry advice changed",
    ),
    (
        "docs-url-changed",
        Severity::Error,
        "the docs permalink template changed or was removed, so codes' docs links change",
    ),
    (
        "context-key-removed",
        Severity::Error,
        "a context key was removed from a code, or its type changed",
    ),
    (
        "role-code-changed",
        Severity::Error,
        "a role the framework raises errors by now answers with another code",
    ),
    (
        "code-added",
        Severity::Warning,
        "a code was added under a status (or place) clients already handle",
    ),
    (
        "status-added",
        Severity::Warning,
        "a status was added to a code's list",
    ),
    (
        "tombstone-removed",
        Severity::Warning,
        "a retired code's tombstone was deleted, so the code could be reused",
    ),
    (
        "code-added-new-status",
        Severity::Info,
        "a code was added under a status no code had before",
    ),
    (
        "context-key-added",
        Severity::Info,
        "a context key was added to a code",
    ),
    (
        "message-changed",
        Severity::Info,
        "a code's message in one locale was changed, added or removed",
    ),
    (
        "code-deprecated",
        Severity::Info,
        "a code was marked deprecated",
    ),
    (
        "code-retired",
        Severity::Info,
        "a code was retired and kept as a tombstone",
    ),
    (
        "code-revived",
        Severity::Info,
        "a retired code was brought back with the same meaning",
    ),
];

/// One change between two catalogs.
///
/// ```
/// use errcat_catalog::diff::{Change, Severity};
/// let c = Change {
///     rule: "status-changed",
///     severity: Severity::Error,
///     code: "insufficient_balance".into(),
///     message: "status 402 → 400".into(),
///     before: Some("402".into()),
///     after: Some("400".into()),
/// };
/// let json = serde_json::to_value(&c).unwrap();
/// assert_eq!(json["severity"], "error");
/// assert_eq!(json["after"], "400");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The stable rule id, one of [`RULES`].
    pub rule: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// The code concerned; empty for a catalog-wide change (the docs permalink template).
    pub code: String,
    /// What changed, in one line, such as `status 402 → 400`.
    pub message: String,
    /// The old value, when the change has one.
    pub before: Option<String>,
    /// The new value, when the change has one.
    pub after: Option<String>,
}

/// Every change [`diff`] found, ordered by code, then by rule (in [`RULES`] order).
///
/// ```
/// use errcat_catalog::diff::{Changes, Severity};
/// let none = Changes::default();
/// assert!(none.is_empty());
/// assert_eq!(none.worst(), None);
/// assert_eq!(none.count(Severity::Error), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Changes {
    /// The worst severity found, `None` when nothing changed.
    ///
    /// ```
    /// # use errcat_catalog::diff::{Change, Changes, Severity};
    /// let info = Change { rule: "context-key-added", severity: Severity::Info, code: "x".into(),
    ///     message: "context key `y` added (string)".into(), before: None, after: Some("string".into()) };
    /// let changes = Changes { changes: vec![info] };
    /// assert_eq!(changes.worst(), Some(Severity::Info));
    /// ```
    pub fn worst(&self) -> Option<Severity> {
        self.changes.iter().map(|c| c.severity).max()
    }

    /// How many changes have this severity.
    ///
    /// ```
    /// # use errcat_catalog::diff::{Changes, Severity};
    /// assert_eq!(Changes::default().count(Severity::Warning), 0);
    /// ```
    pub fn count(&self, severity: Severity) -> usize {
        self.changes
            .iter()
            .filter(|c| c.severity == severity)
            .count()
    }

    /// Whether nothing changed.
    ///
    /// ```
    /// assert!(errcat_catalog::diff::Changes::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The changes, in order.
    ///
    /// ```
    /// assert_eq!(errcat_catalog::diff::Changes::default().iter().count(), 0);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Change> {
        self.changes.iter()
    }
}

impl<'a> IntoIterator for &'a Changes {
    type Item = &'a Change;
    type IntoIter = std::slice::Iter<'a, Change>;

    fn into_iter(self) -> Self::IntoIter {
        self.changes.iter()
    }
}

/// Compares two versions of a catalog and lists every change a client could notice.
///
/// Only codes from the catalogs' own files are compared (`entry.origin == Origin::Catalog`);
/// built-in role codes are not the API's contract. A role that used one of the catalog's own
/// codes and now answers with another is reported (`role-code-changed`).
///
/// ```
/// use errcat_catalog::Catalog;
/// use errcat_catalog::diff::diff;
///
/// let text = "[catalog]\nname = 'x'\n[codes.fax_not_found]\nstatus = 404\ncategory = 'x'\n\
///             action = 'check_id'\nmessage.en = 'No such thing.'\n";
/// let old = Catalog::from_toml_str("old.toml", text)?;
/// let new = Catalog::from_toml_str("new.toml", text)?;
/// assert!(diff(&old, &new).is_empty());
///
/// let retired = Catalog::from_toml_str("new.toml",
///     &text.replace("status = 404", "status = 404\nretired = true"))?;
/// let changes = diff(&old, &retired);
/// assert_eq!(changes.changes[0].rule, "code-retired");
/// # Ok::<(), errcat_catalog::Report>(())
/// ```
pub fn diff(old: &Catalog, new: &Catalog) -> Changes {
    let mut out = Out(Vec::new());
    docs_template(old, new, &mut out);

    let old_slots: BTreeSet<Slot> = old
        .entries()
        .iter()
        .filter(|e| e.origin == Origin::Catalog && e.lifecycle != Lifecycle::Retired)
        .flat_map(slots_of)
        .collect();

    let codes: BTreeSet<&str> = own(old).chain(own(new)).map(|e| e.code.as_str()).collect();
    for code in codes {
        match (own_entry(old, code), own_entry(new, code)) {
            (Some(o), None) => removed(o, &mut out),
            (None, Some(n)) => added(n, &old_slots, &mut out),
            (Some(o), Some(n)) => changed(old, new, o, n, &mut out),
            (None, None) => {}
        }
    }
    roles(old, new, &mut out);

    let mut changes = out.0;
    changes.sort_by(|a, b| {
        (a.code.as_str(), rule_index(a.rule)).cmp(&(b.code.as_str(), rule_index(b.rule)))
    });
    Changes { changes }
}

/// Collects changes; the severity comes from [`RULES`], so it can never disagree with it.
struct Out(Vec<Change>);

impl Out {
    fn push(
        &mut self,
        rule: &'static str,
        code: &str,
        message: String,
        before: Option<String>,
        after: Option<String>,
    ) {
        self.0.push(Change {
            rule,
            severity: severity_of(rule),
            code: code.to_string(),
            message,
            before,
            after,
        });
    }
}

fn rule_index(rule: &str) -> usize {
    RULES
        .iter()
        .position(|(id, ..)| *id == rule)
        .unwrap_or(RULES.len())
}

fn severity_of(rule: &str) -> Severity {
    RULES
        .iter()
        .find(|(id, ..)| *id == rule)
        .map_or(Severity::Error, |(_, s, _)| *s)
}

fn own(c: &Catalog) -> impl Iterator<Item = &Entry> {
    c.entries().iter().filter(|e| e.origin == Origin::Catalog)
}

fn own_entry<'c>(c: &'c Catalog, code: &str) -> Option<&'c Entry> {
    c.get(code).filter(|e| e.origin == Origin::Catalog)
}

/// Where clients meet a code: an HTTP status, or (for a code without one) the place it appears.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Status(u16),
    Elsewhere(String),
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Slot::Status(s) => write!(f, "status {s}"),
            Slot::Elsewhere(w) if w.is_empty() => f.write_str("no HTTP status"),
            Slot::Elsewhere(w) => write!(f, "`{w}`"),
        }
    }
}

fn slots_of(e: &Entry) -> Vec<Slot> {
    if e.statuses.is_empty() {
        vec![Slot::Elsewhere(e.appears_in.clone().unwrap_or_default())]
    } else {
        e.statuses.iter().map(|&s| Slot::Status(s)).collect()
    }
}

/// `402`, `[503, 502]`, or `none`.
fn statuses(s: &[u16]) -> String {
    match s {
        [] => "none".to_string(),
        [one] => one.to_string(),
        many => {
            let list: Vec<String> = many.iter().map(u16::to_string).collect();
            format!("[{}]", list.join(", "))
        }
    }
}

fn join_slots(slots: &[Slot]) -> String {
    let list: Vec<String> = slots.iter().map(Slot::to_string).collect();
    list.join(", ")
}

fn docs_template(old: &Catalog, new: &Catalog, out: &mut Out) {
    let (Some(before), after) = (&old.meta.docs_url, &new.meta.docs_url) else {
        return;
    };
    match after {
        Some(after) if after == before => {}
        Some(after) => {
            // Show one code's link before and after, so the effect is plain.
            let example = own(old)
                .filter_map(|o| Some((o, own_entry(new, &o.code)?)))
                .find_map(|(o, n)| {
                    let (a, b) = (old.docs_url(o)?, new.docs_url(n)?);
                    (a != b).then(|| format!("; `{}`: {a} → {b}", o.code))
                })
                .unwrap_or_default();
            out.push(
                "docs-url-changed",
                "",
                format!("docs permalink template `{before}` → `{after}`{example}"),
                Some(before.clone()),
                Some(after.clone()),
            );
        }
        None => out.push(
            "docs-url-changed",
            "",
            format!(
                "docs permalink template `{before}` removed: codes no longer link to their docs"
            ),
            Some(before.clone()),
            None,
        ),
    }
}

fn removed(o: &Entry, out: &mut Out) {
    if o.lifecycle == Lifecycle::Retired {
        out.push(
            "tombstone-removed",
            &o.code,
            "retired tombstone deleted: the code could now be reused; keep the entry with `retired = true`".into(),
            Some(statuses(&o.statuses)),
            None,
        );
    } else {
        out.push(
            "code-removed",
            &o.code,
            format!(
                "removed without a retired tombstone (was {}); keep the entry with `retired = true`",
                join_slots(&slots_of(o))
            ),
            Some(statuses(&o.statuses)),
            None,
        );
    }
}

fn added(n: &Entry, old_slots: &BTreeSet<Slot>, out: &mut Out) {
    if n.lifecycle == Lifecycle::Retired {
        out.push(
            "code-retired",
            &n.code,
            "added as a retired tombstone".into(),
            None,
            Some(statuses(&n.statuses)),
        );
        return;
    }
    let slots = slots_of(n);
    let (known, fresh): (Vec<Slot>, Vec<Slot>) =
        slots.into_iter().partition(|s| old_slots.contains(s));
    if known.is_empty() {
        out.push(
            "code-added-new-status",
            &n.code,
            format!("new code under new {}", join_slots(&fresh)),
            None,
            Some(statuses(&n.statuses)),
        );
    } else {
        out.push(
            "code-added",
            &n.code,
            format!(
                "new code under {}, which clients already handle",
                join_slots(&known)
            ),
            None,
            Some(statuses(&n.statuses)),
        );
    }
}

/// Messages by locale tag, in the catalog's locale order.
fn messages<'c>(c: &'c Catalog, e: &'c Entry) -> Vec<(&'c str, Option<&'c str>)> {
    c.meta
        .locales
        .iter()
        .enumerate()
        .map(|(i, tag)| {
            let text = e
                .messages
                .get(i)
                .and_then(Option::as_ref)
                .map(|t| t.source());
            (tag.as_str(), text)
        })
        .collect()
}

/// Per-locale message differences: (locale, before, after).
type MessageDiff<'c> = (&'c str, Option<&'c str>, Option<&'c str>);

fn message_diffs<'c>(
    old: &'c Catalog,
    o: &'c Entry,
    new: &'c Catalog,
    n: &'c Entry,
) -> Vec<MessageDiff<'c>> {
    let before = messages(old, o);
    let after = messages(new, n);
    let mut tags: Vec<&str> = before.iter().map(|(t, _)| *t).collect();
    for (t, _) in &after {
        if !tags.contains(t) {
            tags.push(t);
        }
    }
    let find = |list: &[(&'c str, Option<&'c str>)], tag: &str| {
        list.iter().find(|(t, _)| *t == tag).and_then(|(_, m)| *m)
    };
    tags.into_iter()
        .filter_map(|tag| {
            let (b, a) = (find(&before, tag), find(&after, tag));
            (b != a).then_some((tag, b, a))
        })
        .collect()
}

fn action(a: &Option<String>) -> String {
    a.as_deref()
        .map_or_else(|| "none".to_string(), |a| format!("`{a}`"))
}

fn changed(old: &Catalog, new: &Catalog, o: &Entry, n: &Entry, out: &mut Out) {
    let code = o.code.as_str();
    match (o.lifecycle, n.lifecycle) {
        (Lifecycle::Retired, Lifecycle::Retired) => return,
        (_, Lifecycle::Retired) => {
            let successor = n
                .replaced_by
                .as_deref()
                .map(|r| format!("; replaced by `{r}`"))
                .unwrap_or_default();
            out.push(
                "code-retired",
                code,
                format!("retired and kept as a tombstone{successor}"),
                None,
                None,
            );
            return;
        }
        (Lifecycle::Retired, _) => {
            let mut what = Vec::new();
            if o.statuses != n.statuses {
                what.push(format!(
                    "status {} → {}",
                    statuses(&o.statuses),
                    statuses(&n.statuses)
                ));
            }
            if o.action != n.action {
                what.push(format!(
                    "action {} → {}",
                    action(&o.action),
                    action(&n.action)
                ));
            }
            if o.category != n.category {
                what.push(format!("category `{}` → `{}`", o.category, n.category));
            }
            for (tag, _, _) in message_diffs(old, o, new, n) {
                what.push(format!("`{tag}` message"));
            }
            if what.is_empty() {
                out.push(
                    "code-revived",
                    code,
                    "retired code brought back with the same meaning".into(),
                    None,
                    None,
                );
            } else {
                out.push(
                    "retired-code-revived",
                    code,
                    format!(
                        "retired code brought back with a different meaning ({}); a retired code is never reused: pick a new code",
                        what.join(", ")
                    ),
                    None,
                    None,
                );
            }
            return;
        }
        (Lifecycle::Active, Lifecycle::Deprecated) => {
            let successor = n
                .replaced_by
                .as_deref()
                .map(|r| format!("; replaced by `{r}`"))
                .unwrap_or_default();
            out.push(
                "code-deprecated",
                code,
                format!("deprecated{successor}"),
                None,
                None,
            );
        }
        _ => {}
    }

    // Statuses.
    let removed_status = o.statuses.iter().any(|s| !n.statuses.contains(s));
    if o.default_status() != n.default_status() || removed_status {
        out.push(
            "status-changed",
            code,
            format!(
                "status {} → {}",
                statuses(&o.statuses),
                statuses(&n.statuses)
            ),
            Some(statuses(&o.statuses)),
            Some(statuses(&n.statuses)),
        );
    } else {
        let extra: Vec<String> = n
            .statuses
            .iter()
            .filter(|s| !o.statuses.contains(s))
            .map(u16::to_string)
            .collect();
        if !extra.is_empty() {
            out.push(
                "status-added",
                code,
                format!(
                    "status {} added: clients matching it now see this code ({} → {})",
                    extra.join(", "),
                    statuses(&o.statuses),
                    statuses(&n.statuses)
                ),
                Some(statuses(&o.statuses)),
                Some(statuses(&n.statuses)),
            );
        }
    }

    // Action: a changed or removed action breaks clients that dispatch on it.
    if o.action.is_some() && o.action != n.action {
        let message = match &n.action {
            Some(_) => format!("action {} → {}", action(&o.action), action(&n.action)),
            None => format!("action {} removed", action(&o.action)),
        };
        out.push(
            "action-changed",
            code,
            message,
            o.action.clone(),
            n.action.clone(),
        );
    }

    if o.retry != n.retry {
        out.push(
            "retry-changed",
            code,
            format!("retry {} → {}", o.retry.name(), n.retry.name()),
            Some(o.retry.name().into()),
            Some(n.retry.name().into()),
        );
    }

    // The docs link is derived from the template and the code; a catalog-wide template change is
    // reported once. Any other difference in a code's link is reported for that code.
    if old.meta.docs_url == new.meta.docs_url {
        let (a, b) = (old.docs_url(o), new.docs_url(n));
        if a != b {
            out.push(
                "docs-url-changed",
                code,
                format!(
                    "docs link {} → {}",
                    a.as_deref().unwrap_or("none"),
                    b.as_deref().unwrap_or("none")
                ),
                a,
                b,
            );
        }
    }

    // Context keys.
    for k in &o.context {
        match n.context_key(&k.name) {
            None => out.push(
                "context-key-removed",
                code,
                format!("context key `{}` removed", k.name),
                Some(k.ty.name().into()),
                None,
            ),
            Some(nk) if nk.ty != k.ty => out.push(
                "context-key-removed",
                code,
                format!(
                    "context key `{}` changed type {} → {}",
                    k.name,
                    k.ty.name(),
                    nk.ty.name()
                ),
                Some(k.ty.name().into()),
                Some(nk.ty.name().into()),
            ),
            Some(_) => {}
        }
    }
    for k in &n.context {
        if o.context_key(&k.name).is_none() {
            out.push(
                "context-key-added",
                code,
                format!("context key `{}` added ({})", k.name, k.ty.name()),
                None,
                Some(k.ty.name().into()),
            );
        }
    }

    // Messages, per locale.
    for (tag, b, a) in message_diffs(old, o, new, n) {
        let message = match (b, a) {
            (None, _) => format!("`{tag}` message added"),
            (_, None) => format!("`{tag}` message removed"),
            _ => format!("`{tag}` message changed"),
        };
        out.push(
            "message-changed",
            code,
            message,
            b.map(str::to_string),
            a.map(str::to_string),
        );
    }
}

fn roles(old: &Catalog, new: &Catalog, out: &mut Out) {
    for role in Role::ALL {
        let (o, n) = (old.role(role), new.role(role));
        if o.origin == Origin::Catalog && o.code != n.code {
            out.push(
                "role-code-changed",
                &o.code,
                format!(
                    "role `{}` (raised by the framework) now answers with `{}` instead of `{}`",
                    role.name(),
                    n.code,
                    o.code
                ),
                Some(o.code.clone()),
                Some(n.code.clone()),
            );
        }
    }
}
