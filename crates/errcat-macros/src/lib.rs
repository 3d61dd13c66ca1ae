//! Typed error codes, generated from an errcat catalog at compile time.
//!
//! Use it through `errcat::codes!`; see that macro's documentation.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::path::PathBuf;

use errcat_catalog::{Catalog, ContextType, Origin, Severity};
use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token, Visibility};

struct Input {
    vis: Visibility,
    name: Ident,
    path: LitStr,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Input> {
        let vis = input.parse()?;
        input.parse::<Token![mod]>()?;
        let name = input.parse()?;
        input.parse::<Token![=]>()?;
        let path = input.parse()?;
        let _ = input.parse::<Option<Token![;]>>()?;
        Ok(Input { vis, name, path })
    }
}

/// Generates a module of typed codes from a catalog. See `errcat::codes!`.
#[proc_macro]
pub fn codes(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as Input);
    match expand(&input) {
        Ok(ts) => ts.into(),
        Err(msg) => syn::Error::new(input.path.span(), msg)
            .to_compile_error()
            .into(),
    }
}

fn expand(input: &Input) -> Result<TokenStream2, String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| "CARGO_MANIFEST_DIR is not set; build with cargo".to_string())?;
    let path = PathBuf::from(dir).join(input.path.value());
    let catalog = Catalog::from_path(&path).map_err(|report| {
        format!(
            "the catalog `{}` has errors:\n\n{}",
            path.display(),
            report.render(&[Severity::Error], false)
        )
    })?;

    // Files the catalog was read from: included so cargo rebuilds when they change, and
    // embedded so the generated `catalog()` needs no file at run time.
    let files: Vec<String> = if path.is_dir() {
        let mut v: Vec<String> = std::fs::read_dir(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.display().to_string())
            .collect();
        v.sort();
        v
    } else {
        vec![path.display().to_string()]
    };

    let entries = catalog.entries();
    let variants: Vec<Ident> = entries
        .iter()
        .map(|e| format_ident!("{}", pascal(&e.code)))
        .collect();
    let codes: Vec<&str> = entries.iter().map(|e| e.code.as_str()).collect();
    let docs: Vec<String> = entries
        .iter()
        .map(|e| {
            let status = if e.statuses.is_empty() {
                "no status".to_string()
            } else {
                e.statuses
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            };
            let origin = if e.origin == Origin::Builtin {
                " (errcat built-in)"
            } else {
                ""
            };
            format!("`{}` ({status}){origin}: {}", e.code, e.summary)
        })
        .collect();
    let statuses: Vec<TokenStream2> = entries
        .iter()
        .map(|e| {
            let s = &e.statuses;
            quote! { &[#(#s),*] }
        })
        .collect();

    let constructors = entries
        .iter()
        .zip(&variants)
        .filter(|(e, _)| !e.context.is_empty())
        .map(|(e, v)| {
            let fn_name = fn_ident(&e.code);
            let args = e.context.iter().map(|k| {
                let a = fn_ident(&k.name);
                match k.ty {
                    ContextType::String => {
                        quote! { #a: impl ::core::convert::Into<::std::borrow::Cow<'static, str>> }
                    }
                    ContextType::Integer => quote! { #a: i64 },
                    ContextType::Number => quote! { #a: f64 },
                    ContextType::Boolean => quote! { #a: bool },
                }
            });
            let withs = e.context.iter().map(|k| {
                let a = fn_ident(&k.name);
                let key = &k.name;
                match k.ty {
                    ContextType::String => quote! { .with(#key, ::errcat::Value::Str(#a.into())) },
                    _ => quote! { .with(#key, #a) },
                }
            });
            let doc = format!("An `{}` error with its context.", e.code);
            quote! {
                #[doc = #doc]
                pub fn #fn_name(#(#args),*) -> ::errcat::ApiError {
                    ::errcat::ApiError::new(Code::#v) #(#withs)*
                }
            }
        });

    let vis = &input.vis;
    let name = &input.name;
    let mod_doc = format!(
        "Typed codes of the `{}` catalog (`{}`).",
        catalog.meta.name,
        input.path.value()
    );
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    Ok(quote! {
        #[doc = #mod_doc]
        #vis mod #name {
            #( const _: &str = include_str!(#names); )*

            /// Every code of the catalog, built-in role codes included.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Code {
                #( #[doc = #docs] #variants, )*
            }

            impl Code {
                /// Every code, in catalog order.
                pub const ALL: &'static [Code] = &[#(Code::#variants),*];

                /// The code as the catalog writes it.
                pub const fn as_str(self) -> &'static str {
                    match self { #(Code::#variants => #codes,)* }
                }

                /// Parses a code; `None` for a code this catalog does not have.
                pub fn parse(code: &str) -> ::core::option::Option<Code> {
                    match code { #(#codes => ::core::option::Option::Some(Code::#variants),)* _ => ::core::option::Option::None }
                }

                /// The code's statuses; the first is the default. Empty for a code never sent in a response.
                pub const fn statuses(self) -> &'static [u16] {
                    match self { #(Code::#variants => #statuses,)* }
                }
            }

            impl ::core::fmt::Display for Code {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::errcat::CatalogCode for Code {
                fn parse(code: &str) -> ::core::option::Option<Code> {
                    Code::parse(code)
                }

                fn as_str(self) -> &'static str {
                    Code::as_str(self)
                }
            }

            impl ::core::convert::From<Code> for ::errcat::Code {
                fn from(c: Code) -> ::errcat::Code {
                    ::errcat::Code::__generated(c.as_str())
                }
            }

            impl ::core::convert::From<Code> for ::errcat::ApiError {
                fn from(c: Code) -> ::errcat::ApiError {
                    ::errcat::ApiError::new(c)
                }
            }

            /// The catalog, embedded at compile time and parsed once.
            pub fn catalog() -> ::std::sync::Arc<::errcat::Catalog> {
                static CATALOG: ::std::sync::OnceLock<::std::sync::Arc<::errcat::Catalog>> = ::std::sync::OnceLock::new();
                CATALOG
                    .get_or_init(|| {
                        let files: &[(&str, &str)] = &[#((#names, include_str!(#names))),*];
                        match ::errcat::Catalog::from_toml_files(files) {
                            ::core::result::Result::Ok(c) => ::std::sync::Arc::new(c),
                            // The macro checked this very text at compile time.
                            ::core::result::Result::Err(report) => ::core::panic!("embedded catalog: {report}"),
                        }
                    })
                    .clone()
            }

            #(#constructors)*
        }
    })
}

/// `insufficient_balance` or `RATE_LIMITED` → `InsufficientBalance`, `RateLimited`.
fn pascal(code: &str) -> String {
    code.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lower = p.to_ascii_lowercase();
            let mut c = lower.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// A function or argument name for a code or key; keywords become raw identifiers.
fn fn_ident(name: &str) -> Ident {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "self" | "super" | "crate" | "_" => format_ident!("{}_", lower),
        _ => match syn::parse_str::<Ident>(&lower) {
            Ok(i) => i,
            Err(_) => Ident::new_raw(&lower, Span::call_site()),
        },
    }
}
