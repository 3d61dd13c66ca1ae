//! Typed error codes, generated from an errcat catalog at compile time.
use proc_macro::TokenStream;

/// Placeholder until the generator lands.
#[proc_macro]
pub fn codes(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
