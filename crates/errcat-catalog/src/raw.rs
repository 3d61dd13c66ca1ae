//! The catalog file as written: serde structs that keep source spans.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;

/// A table of spanned strings to spanned strings, such as `[roles]`.
pub(crate) type SpannedTable = IndexMap<S<String>, S<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub catalog: Option<S<RawMeta>>,
    pub roles: Option<SpannedTable>,
    pub http_statuses: Option<SpannedTable>,
    pub categories: Option<IndexMap<S<String>, String>>,
    #[serde(default)]
    pub codes: IndexMap<S<String>, S<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMeta {
    pub name: S<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub case: Option<S<String>>,
    pub docs_url: Option<S<String>>,
    pub locales: Option<S<Vec<S<String>>>>,
    pub default_locale: Option<S<String>>,
    pub style: Option<S<String>>,
    pub action_required: Option<bool>,
    pub request_id: Option<S<RawRequestId>>,
    pub jsonapi: Option<RawJsonApi>,
    pub google: Option<RawGoogle>,
    pub custom: Option<S<RawCustom>>,
    pub brand_terms: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequestId {
    pub prefix: Option<S<String>>,
    pub format: Option<S<String>>,
    pub length: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJsonApi {
    pub version: Option<String>,
    pub api_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGoogle {
    pub domain: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCustom {
    pub content_type: Option<String>,
    pub template: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEntry {
    pub status: Option<S<RawStatus>>,
    pub appears_in: Option<String>,
    pub category: Option<S<String>>,
    pub title: Option<String>,
    pub action: Option<S<String>>,
    pub summary: Option<String>,
    #[serde(default)]
    pub message: IndexMap<S<String>, S<String>>,
    #[serde(default)]
    pub context: IndexMap<S<String>, S<RawContextKey>>,
    pub when: Option<String>,
    pub cause: Option<String>,
    pub next_step: Option<String>,
    #[serde(default)]
    pub causes: Vec<String>,
    #[serde(default)]
    pub resolution: Vec<String>,
    #[serde(default)]
    pub endpoints: Vec<String>,
    #[serde(default)]
    pub notes: Vec<String>,
    pub retry: Option<S<String>>,
    pub alert: Option<S<RawAlert>>,
    pub variant_of: Option<S<String>>,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    pub retired: bool,
    pub replaced_by: Option<S<String>>,
    #[serde(default)]
    pub attributes: IndexMap<String, String>,
}

/// `alert = { rate = 0.5, for = "10m", severity = "critical" }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlert {
    pub rate: S<f64>,
    #[serde(rename = "for")]
    pub for_duration: Option<S<String>>,
    pub severity: Option<S<String>>,
}

/// `status = 404` or `status = [500, 503]`.
pub(crate) struct RawStatus(pub Vec<i64>);

impl<'de> Deserialize<'de> for RawStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawStatus;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an HTTP status such as 404, or an array such as [500, 503]")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawStatus, E> {
                Ok(RawStatus(vec![v]))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawStatus, E> {
                Ok(RawStatus(vec![i64::try_from(v).unwrap_or(i64::MAX)]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<RawStatus, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element::<i64>()? {
                    out.push(v);
                }
                Ok(RawStatus(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `balance = "number"` or `balance = { type = "number", description = "…" }`.
pub(crate) struct RawContextKey {
    pub ty: String,
    pub description: Option<String>,
}

impl<'de> Deserialize<'de> for RawContextKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            #[serde(rename = "type")]
            ty: String,
            description: Option<String>,
        }
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawContextKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(r#"a type such as "number", or a table { type = "number", description = "..." }"#)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawContextKey, E> {
                Ok(RawContextKey {
                    ty: v.to_string(),
                    description: None,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                a: A,
            ) -> Result<RawContextKey, A::Error> {
                let f = Full::deserialize(serde::de::value::MapAccessDeserializer::new(a))?;
                Ok(RawContextKey {
                    ty: f.ty,
                    description: f.description,
                })
            }
        }
        d.deserialize_any(V)
    }
}
