//! The template `build` renders: the source with the indentation of its text removed.
//!
//! A widget template is indented JSON, and about a third of what it renders is the spaces that
//! follow its line breaks, which the JSON reader then skips one by one. [`compact_source`]
//! removes the spaces and tabs that follow a line break in the template's text (never inside a
//! tag: `{{ … }}`, `{% … %}`, `{# … #}`), keeping the line break. What the compact template
//! renders is then the full template's output less some whitespace that follows a line break,
//! so it reads as the same JSON:
//!
//! - outside a JSON string, that whitespace separates nothing the line break does not separate
//!   already;
//! - inside a JSON string, a raw line break is not JSON at all (a control character), so
//!   neither output reads.
//!
//! `build` reads the compact output, and when it does not read (or the render fails) renders
//! the template as written and reports that, so that errors, whose lines and columns are those
//! of the full output, are the same. Line numbers of the Jinja source do not change either.
//!
//! This holds only while the template's text is written out and never used as a value: a
//! template with a tag that captures its text (a block `set`, `filter`, `macro`, `call`, a
//! recursive loop, whose `loop(…)` returns its body), or one this module does not know
//! (`raw`, `include`, `extends`…), is not compacted.

/// The statements a template may use and still be compacted: none captures the template's
/// text. `set` is allowed only as an assignment (see [`is_assignment`]), `for` only when not
/// recursive.
const STATEMENTS: &[&str] = &[
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "endfor",
    "set",
    "with",
    "endwith",
    "autoescape",
    "endautoescape",
    "break",
    "continue",
    "do",
];

/// `source` without the indentation of its text, or `None` when it cannot be compacted safely
/// (see the module's documentation) or has no indentation to remove.
pub(super) fn compact_source(source: &str) -> Option<String> {
    let bytes = source.as_bytes();
    let mut compact = String::with_capacity(source.len());
    // `source[..kept]` is in `compact` already (less the indentation removed).
    let mut kept = 0;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'{' if matches!(bytes.get(at + 1), Some(b'{' | b'%' | b'#')) => {
                let end = tag_end(bytes, at)?;
                if bytes[at + 1] == b'%' && !allowed_statement(source.get(at + 2..end - 2)?) {
                    return None;
                }
                at = end;
            }
            b'\n' => {
                at += 1;
                let indent = at;
                while matches!(bytes.get(at), Some(b' ' | b'\t')) {
                    at += 1;
                }
                if at > indent {
                    compact.push_str(source.get(kept..indent)?);
                    kept = at;
                }
            }
            _ => at += 1,
        }
    }
    if kept == 0 {
        return None;
    }
    compact.push_str(source.get(kept..)?);
    Some(compact)
}

/// Where the tag opening at `start` (`{{`, `{%` or `{#`) ends: just past its closing
/// delimiter. As minijinja's lexer reads it: a comment ends at the first `#}`; an expression
/// or a statement at the first `}}` or `%}` outside string literals and brackets. `None` when
/// it does not end.
fn tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    let kind = *bytes.get(start + 1)?;
    let mut at = start + 2;
    if kind == b'#' {
        let offset = bytes.get(at..)?.windows(2).position(|pair| pair == b"#}")?;
        return Some(at + offset + 2);
    }
    let close = if kind == b'{' { b'}' } else { b'%' };
    let mut depth = 0_usize;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'"' | b'\'' => {
                at = string_end(bytes, at)?;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.checked_sub(1)?,
            b'}' if depth > 0 => depth -= 1,
            _ if byte == close && depth == 0 && bytes.get(at + 1) == Some(&b'}') => {
                return Some(at + 2);
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// Just past the string literal whose quote is at `start` (a backslash escapes the next
/// character); `None` when it does not end.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let quote = *bytes.get(start)?;
    let mut at = start + 1;
    while let Some(&byte) = bytes.get(at) {
        if byte == b'\\' {
            at += 2;
        } else if byte == quote {
            return Some(at + 1);
        } else {
            at += 1;
        }
    }
    None
}

/// Whether the statement `body` (between `{%` and `%}`) leaves the template's text alone.
fn allowed_statement(body: &str) -> bool {
    let body = body.trim_start_matches(['-', '+']).trim_start();
    let keyword_end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let (keyword, rest) = body.split_at(keyword_end);
    if !STATEMENTS.contains(&keyword) {
        return false;
    }
    match keyword {
        "set" => is_assignment(rest),
        "for" => !rest.contains("recursive"),
        _ => true,
    }
}

/// Whether what follows `set` is an assignment (`x = …`, `a, b = …`, `ns.x = …`), not a block
/// `set` (`x`, `x | filter`), which captures the text up to `endset`.
fn is_assignment(rest: &str) -> bool {
    let after_targets = rest.trim_start_matches(|c: char| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ',' | '(' | ')' | ' ' | '\t' | '\n')
    });
    after_targets.starts_with('=') && !after_targets.starts_with("==")
}

#[cfg(test)]
mod tests {
    use super::compact_source;

    #[test]
    fn indentation_of_the_text_goes_and_line_breaks_stay() {
        let source = "{\n  \"type\": \"Card\",\n\t\t\"children\": [\n    {%- for x in xs %}\n      {{ x | tojson }},\n    {%- endfor %}\n  ]\n}\n";
        assert_eq!(
            compact_source(source).as_deref(),
            Some(
                "{\n\"type\": \"Card\",\n\"children\": [\n{%- for x in xs %}\n{{ x | tojson }},\n{%- endfor %}\n]\n}\n"
            )
        );
        // Nothing to remove.
        assert_eq!(compact_source("{\"type\": \"Card\"}\n"), None);
        // Spaces not after a line break stay.
        assert_eq!(
            compact_source("{\"a\":  1,\n  \"b\": \"x  y\"}").as_deref(),
            Some("{\"a\":  1,\n\"b\": \"x  y\"}")
        );
        // Non-ASCII text around the indentation.
        assert_eq!(
            compact_source("\"é\"\n  \"日本\"").as_deref(),
            Some("\"é\"\n\"日本\"")
        );
    }

    #[test]
    fn tags_are_left_alone() {
        // A line break and indentation inside an expression's string literal, a comment, a
        // statement, and brackets holding `}}` and `%}`.
        let source = "[\n  {{ \"a\n    b}}\" | tojson }},\n  {# x\n    y #}\n  {{ {'k': {'v': 1}}\n      | tojson }},\n  {% set s = \"%}\n    \" %}{{ s | tojson }}\n]";
        assert_eq!(
            compact_source(source).as_deref(),
            Some(
                "[\n{{ \"a\n    b}}\" | tojson }},\n{# x\n    y #}\n{{ {'k': {'v': 1}}\n      | tojson }},\n{% set s = \"%}\n    \" %}{{ s | tojson }}\n]"
            )
        );
        let escaped = "[\n  {{ 'it\\'s\n  }}' | tojson }}\n]";
        assert_eq!(
            compact_source(escaped).as_deref(),
            Some("[\n{{ 'it\\'s\n  }}' | tojson }}\n]")
        );
    }

    #[test]
    fn templates_that_use_their_text_as_a_value_are_not_compacted() {
        for source in [
            "{% set block %}\n  x{% endset %}{{ block | length }}",
            "{% set block | trim %}\n  x{% endset %}{{ block }}",
            "{% set a == b %}\n  x",
            "{% filter upper %}\n  x{% endfilter %}",
            "{% macro m() %}\n  x{% endmacro %}{{ m() | length }}",
            "{% call m() %}\n  x{% endcall %}",
            "{% for x in xs recursive %}\n  {{ loop(x) | length }}{% endfor %}",
            "{% raw %}\n  {{ x }}{% endraw %}",
            "{% include 'other' %}\n  x",
            "{%- block b %}\n  x{% endblock %}",
            // A tag that does not end.
            "[\n  {{ x",
            "[\n  {{ 'x }}",
            "[\n  {# x",
        ] {
            assert_eq!(compact_source(source), None, "{source}");
        }
        for source in [
            "{% set x = 1 %}\n  {{ x }}",
            "{%- set a, b = 1, 2 -%}\n  {{ a }}",
            "{% set ns.x = 1 %}\n  {{ ns.x }}",
            "{% if x %}\n  1{% elif y %}\n  2{% else %}\n  3{% endif %}",
            "{% for x in xs %}\n  {% if loop.first %}{% continue %}{% endif %}{% endfor %}",
            "{% with a = 1 %}\n  {{ a }}{% endwith %}",
        ] {
            assert!(compact_source(source).is_some(), "{source}");
        }
    }
}
