//! A large generated catalog, for the benchmarks of `check`, the docs site and OpenAPI.
//!
//! ```
//! use errcat_testkit::catalog::LargeCatalog;
//!
//! let toml = LargeCatalog::new(3).spanish(true).context_every(2).toml();
//! assert!(toml.contains("[codes.generated_code_00002]"));
//! assert!(toml.contains("message.es = "));
//! assert!(toml.contains("context.item = "));
//! ```

use std::fmt::Write as _;

/// The statuses the generated codes take in turn.
pub const STATUSES: [u16; 12] = [400, 401, 402, 403, 404, 409, 410, 422, 429, 500, 502, 503];

/// How to generate a catalog of many codes, as TOML.
///
/// Every code `generated_code_NNNNN` has a status (from [`STATUSES`] in turn), a category and
/// an action (round robin over [`categories`](LargeCatalog::categories) and
/// [`actions`](LargeCatalog::actions)) and an English message; what else it carries is chosen
/// by the builder's switches.
#[derive(Debug, Clone)]
pub struct LargeCatalog {
    codes: usize,
    categories: usize,
    actions: usize,
    spanish: bool,
    context_every: usize,
    long_form: bool,
    custom_template: bool,
}

impl LargeCatalog {
    /// `codes` codes in 20 categories with 20 actions, English only, no context, no long-form
    /// text, no custom template.
    pub fn new(codes: usize) -> LargeCatalog {
        LargeCatalog {
            codes,
            categories: 20,
            actions: 20,
            spanish: false,
            context_every: 0,
            long_form: false,
            custom_template: false,
        }
    }

    /// Spreads the codes over `n` categories (at least one).
    pub fn categories(mut self, n: usize) -> LargeCatalog {
        self.categories = n.max(1);
        self
    }

    /// Spreads the codes over `n` actions (at least one).
    pub fn actions(mut self, n: usize) -> LargeCatalog {
        self.actions = n.max(1);
        self
    }

    /// A second locale, `es`, with a Spanish message on every code.
    pub fn spanish(mut self, on: bool) -> LargeCatalog {
        self.spanish = on;
        self
    }

    /// Context on every `n`-th code (`0`: none, `1`: every code): a string `item` with a
    /// description and an integer `attempts`, both in the messages.
    pub fn context_every(mut self, n: usize) -> LargeCatalog {
        self.context_every = n;
        self
    }

    /// The long-form text a real reference has on every code: `when` (with Markdown), `cause`
    /// (with a link), `next_step` and `endpoints`.
    pub fn long_form(mut self, on: bool) -> LargeCatalog {
        self.long_form = on;
        self
    }

    /// A `[catalog.custom]` template, so the `custom` style can render.
    pub fn custom_template(mut self, on: bool) -> LargeCatalog {
        self.custom_template = on;
        self
    }

    /// The catalog, as TOML.
    pub fn toml(&self) -> String {
        let mut s = String::with_capacity(self.codes * if self.long_form { 700 } else { 250 });
        s.push_str(
            "[catalog]\nname = \"bench\"\nversion = \"1\"\n\
             description = \"A generated catalog of many codes, for benchmarks.\"\n\
             docs_url = \"https://api.example.com/errors/{anchor}\"\n",
        );
        if self.spanish {
            s.push_str("locales = [\"en\", \"es\"]\n");
        }
        if self.custom_template {
            s.push_str(
                "[catalog.custom]\ntemplate = '{\"code\": \"{{code}}\", \"status\": \"{{status}}\", \"message\": \"{{message}}\"}'\n",
            );
        }
        s.push('\n');
        for i in 0..self.codes {
            let status = STATUSES[i % STATUSES.len()];
            let _ = write!(
                s,
                "[codes.generated_code_{i:05}]\nstatus = {status}\ncategory = \"Category {}\"\naction = \"do_thing_{}\"\n",
                i % self.categories,
                i % self.actions,
            );
            let context = self.context_every > 0 && i % self.context_every == 0;
            if context {
                let _ = write!(
                    s,
                    "message.en = \"Item {{item}} failed after {{attempts}} attempts ({i}).\"\n\
                     context.item = {{ type = \"string\", description = \"The item that failed.\" }}\n\
                     context.attempts = \"integer\"\n"
                );
                if self.spanish {
                    let _ = writeln!(
                        s,
                        "message.es = \"El elemento {{item}} falló tras {{attempts}} intentos ({i}).\""
                    );
                }
            } else {
                let _ = writeln!(s, "message.en = \"Generated error number {i}.\"");
                if self.spanish {
                    let _ = writeln!(s, "message.es = \"Error generado número {i}.\"");
                }
            }
            if self.long_form {
                let _ = write!(
                    s,
                    "when = \"The request names an item that is in **state {i}**, which this endpoint refuses.\"\n\
                     cause = \"The item was changed by another request; see [the guide](/guides/items).\"\n\
                     next_step = \"Fetch the item again, check its `state`, and retry if it changed.\"\n\
                     endpoints = [\"POST /v1/items/{{id}}/process\"]\n"
                );
            }
            s.push('\n');
        }
        s
    }
}
