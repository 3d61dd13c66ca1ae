//! The trait the `codes!`-generated enums implement, so a client can match remote codes.
//!
//! This file is compiled with or without the `client` feature: the generated code implements
//! the trait in every crate that uses `codes!`.

/// A code enum generated from a catalog by [`codes!`](crate::codes).
///
/// With the `client` feature, `errcat::client::RemoteError::code_as` matches a remote code
/// against it.
///
/// ```
/// use errcat::CatalogCode;
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
///
/// fn lookup<C: CatalogCode>(code: &str) -> Option<&'static str> {
///     C::parse(code).map(C::as_str)
/// }
/// assert_eq!(lookup::<mintfax::Code>("not_found"), Some("not_found"));
/// assert_eq!(lookup::<mintfax::Code>("brand_new_code"), None);
/// ```
pub trait CatalogCode: Sized + Copy + 'static {
    /// Parses a code as the catalog writes it; `None` for a code the catalog does not have.
    fn parse(code: &str) -> Option<Self>;

    /// The code as the catalog writes it.
    fn as_str(self) -> &'static str;
}
