//! What the readers make of an input: its rows, each one error code as the source gives it, and
//! what the source holds besides; and the HTTP statuses written in a cell.

/// One error code as the source gives it.
#[derive(Debug, Default, Clone)]
pub(super) struct Row {
    pub(super) line: Option<usize>,
    pub(super) code: String,
    /// The status text as written.
    pub(super) status: Option<String>,
    pub(super) message: Option<String>,
    pub(super) description: Option<String>,
    pub(super) cause: Option<String>,
    pub(super) title: Option<String>,
    pub(super) summary: Option<String>,
    pub(super) when: Option<String>,
    /// An action column: a snake_case token, or prose.
    pub(super) action: Option<String>,
    /// A resolution column: prose.
    pub(super) resolution: Option<String>,
    pub(super) category: Option<String>,
    pub(super) endpoints: Vec<String>,
    pub(super) notes: Vec<String>,
    pub(super) retry: Option<String>,
    pub(super) context: Vec<(String, String)>,
    pub(super) attributes: Vec<(String, String)>,
}

/// What a source holds besides its rows.
#[derive(Debug, Default)]
pub(super) struct Source {
    pub(super) title: Option<String>,
    pub(super) description: Option<String>,
    pub(super) rows: Vec<Row>,
    pub(super) http_statuses: Vec<(String, String)>,
}

/// Why an input cannot be imported at all.
pub(super) struct Fatal(pub(super) String);

/// Every 4xx and 5xx status written in a cell ("401", "HTTP 401 / 403", "429 Too Many").
pub(super) fn statuses_in(cell: &str) -> Vec<u16> {
    let mut out = Vec::new();
    let b = cell.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 3
                && let Ok(n) = cell[start..i].parse::<u16>()
                && (100..600).contains(&n)
                && !out.contains(&n)
            {
                out.push(n);
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(statuses_in("HTTP 401 / 403"), [401, 403]);
        assert_eq!(statuses_in("n/a"), Vec::<u16>::new());
    }
}
