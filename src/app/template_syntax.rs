//! What a template prints without escaping: a small tokenizer for the tags Django, Jinja2,
//! MiniJinja, Tera and Askama share (`{{ … }}`, `{% … %}`, `{# … #}`), no grammar.
//!
//! A print is unescaped when a filter marks it safe (`{{ x|safe }}`, `| safe`, `|safeseq`) or
//! when it stands inside `{% autoescape off %}` / `{% autoescape false %}` without an escaping
//! filter. Loop and assignment tags (`{% for a in x %}`, `{% with a=x %}`, `{% set a = x %}`)
//! make `a` print `x`'s value.

use std::collections::HashMap;
use std::ops::Range;

/// Filters that make a print safe again, or whose output carries no markup.
const ESCAPING_FILTERS: &[&str] = &[
    "escape",
    "e",
    "force_escape",
    "escapejs",
    "urlencode",
    "urlize",
    "striptags",
    "length",
    "count",
    "int",
    "float",
    "tojson",
    "json_script",
    "date",
    "filesizeformat",
    "yesno",
];

/// Attributes whose text the code declares (a form field's help text, a model's verbose name,
/// the ids a field renders with), whatever data the form or object was bound to.
const DECLARED_TEXT: &[&str] = &[
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "id_for_label",
    "html_name",
    "auto_id",
];

/// A value printed without escaping.
#[derive(Debug, PartialEq, Eq)]
pub struct RawPrint {
    /// The context variable the printed value comes from (the root of the expression).
    pub variable: String,
    /// The whole tag, `{{ … }}`.
    pub bytes: Range<usize>,
}

/// What one template says: its unescaped prints, the templates it includes or extends, and its
/// comments (for suppressions and annotations).
#[derive(Debug, Default)]
pub struct TemplateSyntax {
    pub raw: Vec<RawPrint>,
    pub includes: Vec<String>,
    /// `{# … #}` comments: the whole comment and its text.
    pub comments: Vec<(Range<usize>, String)>,
}

/// Read a template's text.
pub fn read(text: &str) -> TemplateSyntax {
    let mut out = TemplateSyntax::default();
    let mut aliases: HashMap<String, String> = HashMap::new();
    // `true` for each open `{% autoescape %}` that turns escaping off.
    let mut autoescape: Vec<bool> = Vec::new();
    // Inside `{% raw %}`, `{% verbatim %}` or `{% comment %}`: the tag that ends it.
    let mut skipping: Option<&str> = None;
    let mut at = 0;
    while let Some(found) = text[at..].find('{') {
        let start = at + found;
        let Some(kind) = text[start + 1..].chars().next() else {
            break;
        };
        let close = match kind {
            '{' => "}}",
            '%' => "%}",
            '#' => "#}",
            _ => {
                at = start + 1;
                continue;
            }
        };
        let Some(length) = text[start + 2..].find(close) else {
            break;
        };
        let end = start + 2 + length + 2;
        let inner = text[start + 2..end - 2]
            .trim_matches(['-', '+', '~'])
            .trim();
        at = end;
        if let Some(ends) = skipping {
            if kind == '%' && first_word(inner) == ends {
                skipping = None;
            }
            continue;
        }
        match kind {
            '#' => out.comments.push((start..end, inner.to_string())),
            '%' => tag(
                inner,
                &mut out,
                &mut aliases,
                &mut autoescape,
                &mut skipping,
            ),
            _ => {
                let off = autoescape.last().copied().unwrap_or(false);
                if let Some(variable) = unescaped(inner, off) {
                    let variable = aliases.get(&variable).cloned().unwrap_or(variable);
                    out.raw.push(RawPrint {
                        variable,
                        bytes: start..end,
                    });
                }
            }
        }
    }
    out
}

/// Apply a `{% … %}` tag.
fn tag(
    inner: &str,
    out: &mut TemplateSyntax,
    aliases: &mut HashMap<String, String>,
    autoescape: &mut Vec<bool>,
    skipping: &mut Option<&'static str>,
) {
    let name = first_word(inner);
    let rest = inner[name.len()..].trim();
    match name {
        "autoescape" => autoescape.push(matches!(first_word(rest), "off" | "false")),
        "endautoescape" => {
            autoescape.pop();
        }
        "raw" => *skipping = Some("endraw"),
        "verbatim" => *skipping = Some("endverbatim"),
        "comment" => *skipping = Some("endcomment"),
        "include" | "extends" | "import" => {
            if let Some(name) = string_literal(rest) {
                out.includes.push(name);
            }
        }
        "for" => {
            if let Some((targets, source)) = rest.split_once(" in ") {
                if let Some(root) = root(source) {
                    let root = aliases.get(&root).cloned().unwrap_or(root);
                    for target in targets.split(',') {
                        aliases.insert(target.trim().to_string(), root.clone());
                    }
                }
            }
        }
        "with" | "set" => {
            // `{% with a=x b=y %}`, `{% set a = x %}`, old Django `{% with x as a %}`.
            if let Some((source, target)) = rest.split_once(" as ") {
                if let Some(root) = root(source) {
                    aliases.insert(target.trim().to_string(), root);
                }
                return;
            }
            let mut parts = rest.split('=').map(str::trim);
            let mut target = parts.next().unwrap_or_default().to_string();
            for part in parts {
                let value = part
                    .rsplit_once(char::is_whitespace)
                    .map_or(part, |(v, _)| v);
                if let Some(root) = root(value) {
                    let root = aliases.get(&root).cloned().unwrap_or(root);
                    aliases.insert(target.clone(), root);
                }
                target = part
                    .rsplit_once(char::is_whitespace)
                    .map_or("", |(_, next)| next)
                    .to_string();
            }
        }
        _ => {}
    }
}

/// The variable a `{{ … }}` print shows unescaped, if it does.
fn unescaped(inner: &str, autoescape_off: bool) -> Option<String> {
    let mut parts = split_filters(inner).into_iter();
    let value = parts.next()?;
    let filters: Vec<&str> = parts.map(first_word).collect();
    let safe = filters.iter().any(|f| matches!(*f, "safe" | "safeseq"));
    let escaped = filters.iter().any(|f| ESCAPING_FILTERS.contains(f));
    if !(safe || autoescape_off) || escaped || declared_text(value) {
        return None;
    }
    root(value)
}

/// Whether a printed expression reads text the code declares (`field.help_text`).
fn declared_text(value: &str) -> bool {
    value
        .trim()
        .split('.')
        .skip(1)
        .any(|part| DECLARED_TEXT.contains(&part.trim()))
}

/// The parts of an expression separated by filter bars (not inside quotes, not `||`).
fn split_filters(inner: &str) -> Vec<&str> {
    let bytes = inner.as_bytes();
    let mut parts = Vec::new();
    let mut quote: Option<u8> = None;
    let mut from = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        match (quote, byte) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(byte),
            (None, b'|')
                if bytes.get(index + 1) != Some(&b'|')
                    && index.checked_sub(1).and_then(|i| bytes.get(i)) != Some(&b'|') =>
            {
                parts.push(inner[from..index].trim());
                from = index + 1;
            }
            _ => {}
        }
    }
    parts.push(inner[from..].trim());
    parts
}

/// The variable an expression starts from: `x` in `x.y[0]|upper`; none for literals.
fn root(expression: &str) -> Option<String> {
    let expression = expression.trim().trim_start_matches('(');
    let name: String = expression
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let first = name.chars().next()?;
    (first.is_alphabetic() || first == '_').then_some(name)
}

/// The first word of a tag or filter: `safe` in `safe`, `default` in `default:"x"`.
fn first_word(text: &str) -> &str {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The text of a string literal at the start of `text`.
fn string_literal(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &text[1..];
    Some(inner[..inner.find(quote)?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Vec<String> {
        read(text).raw.into_iter().map(|p| p.variable).collect()
    }

    #[test]
    fn safe_filters_and_autoescape_blocks() {
        assert_eq!(raw("<p>{{ note|safe }}</p> {{ name }}"), ["note"]);
        assert_eq!(
            raw("{{ note | safe }} {{ a.b|default:'x'|safe }}"),
            ["note", "a"]
        );
        assert_eq!(
            raw("{{ note|safe|force_escape }} {{ 'x'|safe }}"),
            Vec::<String>::new()
        );
        assert_eq!(
            raw("{% autoescape off %}{{ a }}{{ b|escape }}{% endautoescape %}{{ c }}"),
            ["a"]
        );
        assert_eq!(
            raw("{%- autoescape false -%}{{ a or b }}{% endautoescape %}"),
            ["a"]
        );
        assert_eq!(
            raw("{% raw %}{{ a|safe }}{% endraw %}{# {{ b|safe }} #}"),
            Vec::<String>::new()
        );
        // A form field's help text is declared in code; its value is what was posted.
        assert_eq!(
            raw("{% for f in form %}{{ f.help_text|safe }}{{ f.value|safe }}{% endfor %}"),
            ["form"]
        );
    }

    #[test]
    fn aliases_includes_and_comments() {
        assert_eq!(
            raw("{% for row in rows %}{{ row.label|safe }}{% endfor %}{% with t=title %}{{ t|safe }}{% endwith %}"),
            ["rows", "title"]
        );
        assert_eq!(raw("{% set t = title|upper %}{{ t|safe }}"), ["title"]);
        let syntax =
            read("{% extends \"base.html\" %}{% include 'row.html' %}{# tollgate: ignore[xss] #}");
        assert_eq!(syntax.includes, ["base.html", "row.html"]);
        assert_eq!(syntax.comments[0].1, "tollgate: ignore[xss]");
    }
}
