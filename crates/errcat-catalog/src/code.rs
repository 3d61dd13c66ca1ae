//! The trait the `codes!`-generated enums implement, so a client can match remote codes.
//!
//! It lives here, in the catalog crate, because both sides need it: the code `errcat::codes!`
//! generates implements it in every crate that uses the macro (as `errcat::CatalogCode`, a
//! re-export), and the client (`errcat-client`) matches remote codes against it.

/// A code enum generated from a catalog by `errcat::codes!`.
///
/// `errcat::CatalogCode` is this trait. With errcat's `client` feature (or the `errcat-client`
/// crate), `RemoteError::code_as` matches a remote code against it.
///
/// ```
/// use errcat_catalog::CatalogCode;
///
/// // What `codes!` generates, by hand, for a catalog of two codes.
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Code { NotFound, RateLimited }
///
/// impl CatalogCode for Code {
///     fn parse(code: &str) -> Option<Self> {
///         match code {
///             "not_found" => Some(Code::NotFound),
///             "rate_limited" => Some(Code::RateLimited),
///             _ => None,
///         }
///     }
///     fn as_str(self) -> &'static str {
///         match self {
///             Code::NotFound => "not_found",
///             Code::RateLimited => "rate_limited",
///         }
///     }
/// }
///
/// fn lookup<C: CatalogCode>(code: &str) -> Option<&'static str> {
///     C::parse(code).map(C::as_str)
/// }
/// assert_eq!(lookup::<Code>("not_found"), Some("not_found"));
/// assert_eq!(lookup::<Code>("brand_new_code"), None);
/// ```
pub trait CatalogCode: Sized + Copy + 'static {
    /// Parses a code as the catalog writes it; `None` for a code the catalog does not have.
    fn parse(code: &str) -> Option<Self>;

    /// The code as the catalog writes it.
    fn as_str(self) -> &'static str;
}
