//! The entry an import makes of each row, before it is written as TOML: what the build fills
//! in and the role guessing reads and adds to.

/// One catalog entry.
#[derive(Debug, Default)]
pub(super) struct Entry {
    pub(super) code: String,
    pub(super) line: Option<usize>,
    pub(super) statuses: Vec<u16>,
    pub(super) category: String,
    pub(super) title: Option<String>,
    pub(super) action: Option<String>,
    pub(super) summary: Option<String>,
    pub(super) message: String,
    pub(super) when: Option<String>,
    pub(super) cause: Option<String>,
    pub(super) next_step: Option<String>,
    pub(super) endpoints: Vec<String>,
    pub(super) notes: Vec<String>,
    pub(super) retry: Option<String>,
    pub(super) context: Vec<(String, String)>,
    pub(super) attributes: Vec<(String, String)>,
}
