//! Escaping, catalog Markdown to safe HTML, and the few words the pages print per language.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Appends `s` to `out`, escaped for HTML text and attribute values.
pub(crate) fn esc_into(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Appends `s` to `out`, escaped for HTML element content (quotes stay as they are).
pub(crate) fn esc_text_into(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// The plain text of a line of Markdown (for `<meta name="description">`).
pub(crate) fn plain(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    for ev in Parser::new_ext(src, OPTIONS) {
        match ev {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `s`, escaped for HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    esc_into(&mut out, s);
    out
}

/// Renders catalog Markdown into HTML that can hold no markup of its own: raw HTML is shown as
/// text, `javascript:`-like links are dropped, images become links (the site loads nothing from
/// elsewhere), and headings are pushed below the page's own.
#[derive(Debug, Clone)]
pub(crate) struct Markdown<'a> {
    /// `https://host` of the catalog's docs permalinks: root-relative links (`/keys`) are resolved
    /// against it, as the catalog's own site would.
    pub origin: Option<&'a str>,
    /// Put before a fragment-only link (`#validation-failed`): `""` on the index page,
    /// `"index.html"` on a code's own page.
    pub fragment_base: &'a str,
    /// The lowest heading level catalog text may use.
    pub min_heading: u8,
}

const OPTIONS: Options = Options::ENABLE_TABLES.union(Options::ENABLE_STRIKETHROUGH);

impl Markdown<'_> {
    fn fix_url<'u>(&self, url: CowStr<'u>) -> CowStr<'u> {
        let t = url.trim();
        let lower = t
            .get(..t.len().min(11))
            .unwrap_or_default()
            .to_ascii_lowercase();
        if lower.starts_with("javascript:")
            || lower.starts_with("vbscript:")
            || lower.starts_with("data:")
        {
            return CowStr::Borrowed("#");
        }
        if t.starts_with('#') && !self.fragment_base.is_empty() {
            return CowStr::from(format!("{}{t}", self.fragment_base));
        }
        if let Some(origin) = self.origin
            && t.starts_with('/')
            && !t.starts_with("//")
        {
            return CowStr::from(format!("{origin}{t}"));
        }
        url
    }

    fn heading(&self, level: HeadingLevel) -> HeadingLevel {
        let n = (level as u8).saturating_add(self.min_heading.saturating_sub(1));
        match n {
            0..=1 => HeadingLevel::H1,
            2 => HeadingLevel::H2,
            3 => HeadingLevel::H3,
            4 => HeadingLevel::H4,
            5 => HeadingLevel::H5,
            _ => HeadingLevel::H6,
        }
    }

    /// Appends the HTML of a Markdown block.
    pub(crate) fn block_into(&self, out: &mut String, src: &str) {
        let events = Parser::new_ext(src, OPTIONS).map(|ev| match ev {
            Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: self.fix_url(dest_url),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: self.fix_url(dest_url),
                title,
                id,
            }),
            Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => Event::Start(Tag::Heading {
                level: self.heading(level),
                id,
                classes,
                attrs,
            }),
            Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(self.heading(level))),
            other => other,
        });
        pulldown_cmark::html::push_html(out, events);
    }

    /// The HTML of a Markdown block.
    #[cfg(test)]
    pub(crate) fn block(&self, src: &str) -> String {
        let mut out = String::with_capacity(src.len() + src.len() / 4 + 16);
        self.block_into(&mut out, src);
        out
    }

    /// Appends the HTML of one line of Markdown: a lone paragraph loses its `<p>`.
    pub(crate) fn inline_into(&self, out: &mut String, src: &str) {
        let start = out.len();
        self.block_into(out, src);
        let html = &out[start..];
        let trimmed = html.trim_end();
        if let Some(inner) = trimmed
            .strip_prefix("<p>")
            .and_then(|s| s.strip_suffix("</p>"))
            && !inner.contains("<p>")
        {
            let end = start + 3 + inner.len();
            out.truncate(end);
            out.replace_range(start..start + 3, "");
            return;
        }
        let len = start + trimmed.len();
        out.truncate(len);
    }

    /// The HTML of one line of Markdown.
    #[cfg(test)]
    pub(crate) fn inline(&self, src: &str) -> String {
        let mut out = String::with_capacity(src.len() + 16);
        self.inline_into(&mut out, src);
        out
    }
}

/// The words the site prints, in one language.
#[derive(Debug)]
pub(crate) struct Labels {
    pub error_reference: &'static str,
    pub skip: &'static str,
    pub contents: &'static str,
    pub language: &'static str,
    pub statuses: &'static str,
    pub codes_by_category: &'static str,
    pub reference: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub search_count: &'static str,
    pub col_code: &'static str,
    pub col_status: &'static str,
    pub col_meaning: &'static str,
    pub col_codes: &'static str,
    pub col_action: &'static str,
    pub col_description: &'static str,
    pub col_key: &'static str,
    pub col_type: &'static str,
    pub http: &'static str,
    pub action: &'static str,
    pub retry: &'static str,
    pub category: &'static str,
    pub message: &'static str,
    pub no_status: &'static str,
    pub appears_in: &'static str,
    pub variant_of: &'static str,
    pub variants: &'static str,
    pub replaced_by: &'static str,
    pub permalink: &'static str,
    pub roles: &'static str,
    pub when: &'static str,
    pub cause: &'static str,
    pub next_step: &'static str,
    pub causes: &'static str,
    pub resolution: &'static str,
    pub endpoints: &'static str,
    pub context: &'static str,
    pub notes: &'static str,
    pub example: &'static str,
    pub example_note: &'static str,
    pub deprecated: &'static str,
    pub retired: &'static str,
    pub deprecated_text: &'static str,
    pub retired_text: &'static str,
    pub builtin_text: &'static str,
    pub retry_never: &'static str,
    pub retry_after: &'static str,
    pub retry_backoff: &'static str,
    pub all_codes: &'static str,
    pub generated: &'static str,
    pub codes_word: &'static str,
    pub and_more: &'static str,
    pub field_message: &'static str,
    pub parameter_message: &'static str,
    pub md_title: &'static str,
    pub md_shape: &'static str,
    pub md_index: &'static str,
    pub md_anchors: &'static str,
    pub md_summary: &'static str,
    pub none: &'static str,
}

static EN: Labels = Labels {
    error_reference: "Error reference",
    skip: "Skip to content",
    contents: "Contents",
    language: "Language",
    statuses: "HTTP status summary",
    codes_by_category: "Codes by category",
    reference: "Reference",
    search_label: "Search codes",
    search_placeholder: "Filter by code, status, action or text",
    search_button: "Search",
    search_count: "{n} of {total} codes",
    col_code: "Code",
    col_status: "Status",
    col_meaning: "Meaning",
    col_codes: "Codes",
    col_action: "Action",
    col_description: "Description",
    col_key: "Key",
    col_type: "Type",
    http: "HTTP",
    action: "Action",
    retry: "Retry",
    category: "Category",
    message: "Message",
    no_status: "no HTTP status",
    appears_in: "Appears in",
    variant_of: "Variant of",
    variants: "Variants",
    replaced_by: "Replaced by",
    permalink: "Permalink",
    roles: "Framework role",
    when: "When it fires",
    cause: "What caused it",
    next_step: "Next step",
    causes: "Causes",
    resolution: "Resolution",
    endpoints: "Endpoints",
    context: "Context",
    notes: "Notes",
    example: "Example response",
    example_note: "Example values; the request id and time differ in real responses.",
    deprecated: "Deprecated",
    retired: "Retired",
    deprecated_text: "Deprecated: still returned, but clients should move off it.",
    retired_text: "Retired: no longer returned. The code is kept so that it is never reused.",
    builtin_text: "errcat's built-in code: the catalog maps none of its own codes to this framework role.",
    retry_never: "Do not retry: the same request fails the same way until its cause is fixed.",
    retry_after: "Retry after the number of seconds in the Retry-After header.",
    retry_backoff: "Retry with exponential backoff.",
    all_codes: "All codes",
    generated: "Generated by errcat from the catalog",
    codes_word: "codes",
    and_more: "more",
    field_message: "The name field is required.",
    parameter_message: "The limit parameter must be a positive integer.",
    md_title: "Error codes",
    md_shape: "Error response shape",
    md_index: "Error catalog",
    md_anchors: "Each entry below is a stable error code. Anchors on this page match the code with hyphens",
    md_summary: "HTTP status code summary",
    none: "none",
};

static ES: Labels = Labels {
    error_reference: "Referencia de errores",
    skip: "Saltar al contenido",
    contents: "Contenido",
    language: "Idioma",
    statuses: "Resumen de estados HTTP",
    codes_by_category: "Códigos por categoría",
    reference: "Referencia",
    search_label: "Buscar códigos",
    search_placeholder: "Filtrar por código, estado, acción o texto",
    search_button: "Buscar",
    search_count: "{n} de {total} códigos",
    col_code: "Código",
    col_status: "Estado",
    col_meaning: "Significado",
    col_codes: "Códigos",
    col_action: "Acción",
    col_description: "Descripción",
    col_key: "Clave",
    col_type: "Tipo",
    http: "HTTP",
    action: "Acción",
    retry: "Reintento",
    category: "Categoría",
    message: "Mensaje",
    no_status: "sin estado HTTP",
    appears_in: "Aparece en",
    variant_of: "Variante de",
    variants: "Variantes",
    replaced_by: "Reemplazado por",
    permalink: "Enlace permanente",
    roles: "Rol del framework",
    when: "Cuándo ocurre",
    cause: "Qué lo causó",
    next_step: "Siguiente paso",
    causes: "Causas",
    resolution: "Resolución",
    endpoints: "Endpoints",
    context: "Contexto",
    notes: "Notas",
    example: "Respuesta de ejemplo",
    example_note: "Valores de ejemplo; el id de solicitud y la hora cambian en las respuestas reales.",
    deprecated: "Obsoleto",
    retired: "Retirado",
    deprecated_text: "Obsoleto: todavía se devuelve, pero los clientes deberían dejar de depender de él.",
    retired_text: "Retirado: ya no se devuelve. El código se conserva para que nunca se reutilice.",
    builtin_text: "Código integrado de errcat: el catálogo no asigna ninguno de sus códigos a este rol del framework.",
    retry_never: "No reintentar: la misma solicitud falla igual hasta corregir la causa.",
    retry_after: "Reintentar tras los segundos que indica la cabecera Retry-After.",
    retry_backoff: "Reintentar con espera exponencial.",
    all_codes: "Todos los códigos",
    generated: "Generado por errcat a partir del catálogo",
    codes_word: "códigos",
    and_more: "más",
    field_message: "El campo name es obligatorio.",
    parameter_message: "El parámetro limit debe ser un entero positivo.",
    md_title: "Códigos de error",
    md_shape: "Forma de la respuesta de error",
    md_index: "Catálogo de errores",
    md_anchors: "Cada entrada es un código de error estable. Los anclajes de esta página son el código con guiones",
    md_summary: "Resumen de códigos de estado HTTP",
    none: "ninguno",
};

/// The labels for a locale tag: Spanish for `es*`, English otherwise.
pub(crate) fn labels(tag: &str) -> &'static Labels {
    let lang = tag.split(['-', '_']).next().unwrap_or(tag);
    if lang.eq_ignore_ascii_case("es") {
        &ES
    } else {
        &EN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md() -> Markdown<'static> {
        Markdown {
            origin: Some("https://mintfax.com"),
            fragment_base: "index.html",
            min_heading: 4,
        }
    }

    #[test]
    fn raw_html_is_text() {
        let out = md().block("Hi <script>alert(1)</script> <b>x</b>");
        assert!(!out.contains("<script>"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        assert!(out.contains("&lt;b&gt;"), "{out}");
    }

    #[test]
    fn html_blocks_are_text() {
        let out = md().block("<div onclick=\"x()\">\nhello\n</div>");
        assert!(!out.contains("<div"), "{out}");
    }

    #[test]
    fn links_are_made_safe_and_resolved() {
        let out =
            md().inline("[a](javascript:alert(1)) [b](/keys) [c](#not-found) [d](https://x.y/z)");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(out.contains(r#"href="https://mintfax.com/keys""#), "{out}");
        assert!(out.contains(r#"href="index.html#not-found""#), "{out}");
        assert!(out.contains(r#"href="https://x.y/z""#), "{out}");
        assert!(!out.starts_with("<p>"), "{out}");
    }

    #[test]
    fn images_become_links_and_headings_shift() {
        let out = md().block("# Title\n\n![logo](https://cdn.example/x.png)");
        assert!(out.contains("<h4>Title</h4>"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(
            out.contains(r#"<a href="https://cdn.example/x.png">logo</a>"#),
            "{out}"
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
