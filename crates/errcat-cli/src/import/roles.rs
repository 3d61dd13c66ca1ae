//! Role guessing: which imported code the framework raises for each of its roles (not found,
//! rate limited, internal error, …), from the codes' names and statuses.

use errcat_catalog::{CaseStyle, Catalog, Role};

use super::entry::Entry;
use super::rules as rule;
use super::warnings::Warnings;

/// Maps roles to the imported codes whose status and name fit, so the framework raises the
/// API's own codes; a role with no fitting code is left to errcat's built-in one.
pub(super) fn guess_roles(
    entries: &[Entry],
    case: CaseStyle,
    w: &mut Warnings<'_>,
    added: &mut Vec<(Role, String)>,
) -> Vec<(Role, String)> {
    let words: &[(Role, &[&str])] = &[
        (
            Role::NotFound,
            &["not_found", "notfound", "no_such", "does_not_exist"],
        ),
        (Role::MethodNotAllowed, &["method"]),
        (
            Role::InvalidJson,
            &[
                "json",
                "malformed",
                "parse",
                "invalid_request",
                "bad_request",
                "invalid_body",
            ],
        ),
        (
            Role::ValidationFailed,
            &["validation", "invalid_field", "unprocessable"],
        ),
        (Role::InvalidParameter, &["parameter", "param", "query"]),
        (Role::UnsupportedMediaType, &["media", "content_type"]),
        (Role::PayloadTooLarge, &["too_large", "payload", "size"]),
        (Role::RateLimited, &["rate", "too_many", "throttl"]),
        (Role::Timeout, &["timeout", "timed_out"]),
        (Role::Internal, &["internal", "server_error", "unexpected"]),
        (
            Role::Unavailable,
            &["unavailable", "maintenance", "overload"],
        ),
        (Role::IdempotencyKeyInvalid, &["idempotency"]),
        (Role::IdempotencyKeyReused, &["idempotency"]),
        (Role::IdempotencyKeyInProgress, &["idempotency"]),
    ];
    let mut roles: Vec<(Role, String)> = Vec::new();
    for (role, keys) in words {
        let fits = |e: &&Entry| {
            e.statuses
                .first()
                .is_some_and(|s| role.allowed_statuses().contains(s))
        };
        let lower = |e: &Entry| e.code.to_ascii_lowercase();
        let mut candidates: Vec<&Entry> = entries
            .iter()
            .filter(fits)
            .filter(|e| keys.iter().any(|k| lower(e).contains(k)))
            .collect();
        match role {
            Role::IdempotencyKeyReused => {
                candidates.retain(|e| {
                    ["reuse", "duplicate", "mismatch", "conflict"]
                        .iter()
                        .any(|k| lower(e).contains(k))
                });
            }
            Role::IdempotencyKeyInProgress => {
                candidates.retain(|e| {
                    ["progress", "in_flight", "concurrent", "processing"]
                        .iter()
                        .any(|k| lower(e).contains(k))
                });
            }
            Role::IdempotencyKeyInvalid => {
                candidates.retain(|e| {
                    ["invalid", "malformed"]
                        .iter()
                        .any(|k| lower(e).contains(k))
                });
            }
            _ => {}
        }
        // The only code of a role's status is its code too (the only 429, the only 500).
        let only = match role {
            Role::RateLimited | Role::Internal | Role::NotFound => {
                let all: Vec<&Entry> = entries.iter().filter(fits).collect();
                (all.len() == 1).then(|| all[0])
            }
            _ => None,
        };
        let builtin = case.convert(role.builtin_code());
        let exact = candidates.iter().find(|e| e.code == builtin).copied();
        if let Some(e) = exact.or(candidates.first().copied()).or(only) {
            if e.code != builtin {
                roles.push((*role, e.code.clone()));
            }
            continue;
        }
        // A code with the built-in's name but a status the role cannot have would fail `check`:
        // the role takes another code of a fitting status, or a code of its own.
        let Some(e) = entries.iter().find(|e| e.code == builtin && !fits(e)) else {
            continue;
        };
        w.push(
            rule::ROLE_COLLISION,
            e.line,
            format!(
                "`{builtin}` is the name of errcat's built-in code for role `{}`, but here its status is not one of {:?}",
                role.name(),
                role.allowed_statuses()
            ),
        );
        match entries.iter().find(fits) {
            Some(other) => {
                w.help(format!(
                    "role `{}` is mapped to `{}` in `[roles]`: check it",
                    role.name(),
                    other.code
                ));
                roles.push((*role, other.code.clone()));
            }
            None => {
                let name = format!("{builtin}{}", case.convert("_default"));
                w.help(format!(
                    "`{name}` is added for role `{}`: rename it as you like",
                    role.name()
                ));
                roles.push((*role, name.clone()));
                added.push((*role, name));
            }
        }
    }
    roles
}

/// Entries for roles whose built-in code's name an imported code took: errcat's built-in
/// entry under another name.
pub(super) fn role_entries(added: &[(Role, String)]) -> Vec<Entry> {
    let Ok(builtins) = Catalog::from_toml_str("builtin.toml", "[catalog]\nname = \"builtin\"\n")
    else {
        return Vec::new();
    };
    added
        .iter()
        .map(|(role, name)| {
            let b = builtins.role(*role);
            Entry {
                code: name.clone(),
                statuses: b.statuses.clone(),
                category: b.category.clone(),
                action: b.action.clone(),
                message: b.message(0, 0).source().to_string(),
                notes: vec![format!(
                    "Added by `errcat import` for role `{}`.",
                    role.name()
                )],
                ..Entry::default()
            }
        })
        .collect()
}
