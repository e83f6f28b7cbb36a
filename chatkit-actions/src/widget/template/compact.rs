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

/// The filter that marks an emit the JSON-emit template prints as written: see [`json_emits`].
pub(super) const PLAIN: &str = "__chatkit_plain";

/// The Jinja keywords that make an expression more than a value and its filters (a test, an
/// operator, a conditional): an emit whose expression has one outside brackets keeps its
/// `tojson` call.
const KEYWORDS: &[&str] = &["if", "else", "and", "or", "not", "in", "is"];

/// `source` (compacted) with its emits rewritten for the JSON-emit environment, whose
/// formatter prints a value as `tojson` writes it: `{{ E | tojson }}` becomes `{{ E }}` when
/// the filter applies to the whole of `E` (a value, its attributes, subscripts, calls and
/// filters, nothing else outside brackets), and every other emit `{{ E }}` becomes
/// `{{ (E) | __chatkit_plain }}`, which the formatter prints as written. The template then
/// prints what it printed, without a filter call for each `tojson`. `None` when no `tojson`
/// emit can be rewritten, or the source names [`PLAIN`] itself.
pub(super) fn json_emits(source: &str) -> Option<String> {
    if source.contains(PLAIN) {
        return None;
    }
    let bytes = source.as_bytes();
    let mut rewritten = String::with_capacity(source.len() + source.len() / 8);
    let mut kept = 0;
    let mut at = 0;
    let mut stripped = false;
    while let Some(&byte) = bytes.get(at) {
        if byte != b'{' || !matches!(bytes.get(at + 1), Some(b'{' | b'%' | b'#')) {
            at += 1;
            continue;
        }
        let end = tag_end(bytes, at)?;
        if bytes[at + 1] == b'{' {
            // `{{`, a whitespace-control sign, the expression, a sign, `}}`.
            let mut open = at + 2;
            if matches!(bytes.get(open), Some(b'-' | b'+')) {
                open += 1;
            }
            let mut close = end - 2;
            if close > open && matches!(bytes.get(close - 1), Some(b'-' | b'+')) {
                close -= 1;
            }
            let expression = source.get(open..close)?;
            rewritten.push_str(source.get(kept..open)?);
            if let Some(value) = whole_tojson(expression) {
                rewritten.push_str(value);
                rewritten.push(' ');
                stripped = true;
            } else {
                rewritten.push_str(" (");
                rewritten.push_str(expression);
                rewritten.push_str(") | ");
                rewritten.push_str(PLAIN);
                rewritten.push(' ');
            }
            kept = close;
        }
        at = end;
    }
    if !stripped {
        return None;
    }
    rewritten.push_str(source.get(kept..)?);
    Some(rewritten)
}

/// `E` when `expression` is `E | tojson` and the filter applies to the whole of `E`: outside
/// string literals and brackets, `E` has names, numbers, dots, filter bars and blanks only,
/// and no keyword ([`KEYWORDS`]). `None` otherwise (`tojson` with arguments, not last, or
/// after an operator: `a ~ b | tojson` is `a ~ (b | tojson)`).
fn whole_tojson(expression: &str) -> Option<&str> {
    let bytes = expression.as_bytes();
    let mut last_bar = None;
    let mut word_start = None;
    let mut at = 0;
    let mut depth = 0_usize;
    while at <= bytes.len() {
        let byte = bytes.get(at).copied();
        let in_word = byte.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        if depth == 0 {
            match (in_word, word_start) {
                (true, None) => word_start = Some(at),
                (false, Some(start)) => {
                    if KEYWORDS.contains(&expression.get(start..at)?) {
                        return None;
                    }
                    word_start = None;
                }
                _ => {}
            }
        }
        let Some(byte) = byte else { break };
        match byte {
            b'"' | b'\'' => {
                at = string_end(bytes, at)?;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.checked_sub(1)?,
            _ if depth > 0 || in_word => {}
            b'|' => last_bar = Some(at),
            b'.' | b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => return None,
        }
        at += 1;
    }
    let bar = last_bar?;
    let value = expression.get(..bar)?;
    (depth == 0 && expression.get(bar + 1..)?.trim() == "tojson" && !value.trim().is_empty())
        .then_some(value)
}

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
    use super::{compact_source, json_emits};

    #[test]
    fn tojson_emits_lose_their_filter_and_other_emits_are_marked() {
        assert_eq!(
            json_emits("[{{ x | tojson }}, {{x|tojson}}, {{- x.y[\"z\"] | tojson -}}]").as_deref(),
            Some("[{{ x  }}, {{x }}, {{- x.y[\"z\"]  -}}]")
        );
        assert_eq!(
            json_emits("{{ (a if c else b) | default('d') | tojson }}\n\"k-{{ id }}\"").as_deref(),
            Some("{{ (a if c else b) | default('d')  }}\n\"k-{{ ( id ) | __chatkit_plain }}\"")
        );
        // Where `tojson` does not take the whole expression, or takes arguments, it stays.
        for source in [
            "{{ a ~ x | tojson }}",
            "{{ x | tojson if c else 1 }}",
            "{{ not c | tojson }}",
            "{{ -n | tojson }}",
            "{{ 1 + n | tojson }}",
            "{{ x is defined | tojson }}",
            "{{ x in l | tojson }}",
            "{{ x | tojson(indent=2) }}",
            "{{ x | tojson | upper }}",
            "{{ x, y | tojson }}",
        ] {
            assert_eq!(json_emits(source), None, "{source}");
            let marked = json_emits(&format!("{source}{{{{ x | tojson }}}}")).expect("rewritten");
            assert!(marked.contains("__chatkit_plain"), "{marked}");
        }
        // Nothing to gain, or the marker's own name in the source.
        assert_eq!(json_emits("{{ x }}"), None);
        assert_eq!(
            json_emits("{{ x | __chatkit_plain }}{{ x | tojson }}"),
            None
        );
        // A tag that does not end.
        assert_eq!(json_emits("{{ x | tojson }}{{ y"), None);
    }

    /// What the JSON-emit template prints, when it renders, is what the template prints.
    #[test]
    fn json_emits_print_what_the_template_prints() {
        use minijinja::Value;

        let sources = [
            "{{ x | tojson }}|{{x|tojson}}|{{- x | tojson -}}|{{ m.k | tojson }}|{{ m['k'] | tojson }}",
            "{{ (x if c else n) | tojson }}|{{ u | default('d') | tojson }}|{{ z | default('d') | tojson }}",
            "{{ x | safe | tojson }}|{{ x | tojson | tojson }}|{{ x | tojson(indent=2) }}",
            "{{ a ~ x | tojson }}|{{ x | tojson if c else 1 }}|{{ not c | tojson }}|{{ -n | tojson }}",
            "{{ x }}|{{ n }}|{{ c }}|{{ none }}|{{ x if c else n }}|{{ f }}|{{ l }}|{{ m }}",
            "{{ m | tojson }}|{{ l | tojson }}|{{ f | tojson }}|{{ n | tojson }}|{{ c | tojson }}|{{ none | tojson }}",
            "{{ x | safe }}|{{ \"a\" \"b\" | tojson }}|{{ range(3) | list | tojson }}|{{ x | upper | tojson }}",
            "{% set s = x | safe %}{{ s | tojson }}{{ s }}|{{ [1, x] | tojson }}|{{ {'k': x} | tojson }}",
            "{% for i in l %}{{ i | tojson }}{{ i }}{{ loop.index | tojson }}{% endfor %}",
            "{% autoescape true %}{{ x }}{{ x | tojson }}{{ x | safe }}{% endautoescape %}{{ x }}",
            "{{ missing | tojson }}",
            "{{ missing }}",
            "{{ m.missing | tojson }}",
            "{{ (x if false) | tojson }}",
        ];
        let data = [
            minijinja::context! {
                x => "<a href='x'>&\"\\\n\u{1}é",
                a => "pre-",
                c => true,
                n => 42,
                u => Value::from(()),
                f => 1.5,
                l => vec![Value::from(1), Value::from("a<"), Value::from(()), Value::from(false)],
                m => minijinja::context! { k => "v" },
            },
            minijinja::context! {
                x => "",
                a => "",
                c => false,
                n => -7_i64,
                u => "set",
                f => -0.0,
                l => Vec::<Value>::new(),
                m => minijinja::context! { k => 18_446_744_073_709_551_615_u64 },
            },
        ];
        let plain = super::super::jinja::environment();
        let json = super::super::jinja::json_environment();
        for source in sources {
            // Each source with an emit whose `tojson` goes, so that it is rewritten.
            let source = format!("{source}|{{{{ x | tojson }}}}");
            let rewritten = json_emits(&source).expect("rewritten");
            for data in &data {
                let expected = plain.render_str(&source, data.clone());
                let output = json.render_str(&rewritten, data.clone());
                assert_eq!(
                    output.as_ref().map_err(minijinja::Error::kind),
                    expected.as_ref().map_err(minijinja::Error::kind),
                    "{source}"
                );
            }
        }
        // An emit of an undefined value (`x if c` when `c` is false prints nothing) is an
        // error in the JSON-emit template, and `build` then renders the template as written.
        let source = "{{ x if c }}{{ x | tojson }}";
        let rewritten = json_emits(source).expect("rewritten");
        assert_eq!(
            plain.render_str(source, data[1].clone()).ok().as_deref(),
            Some("\"\"")
        );
        let error = json
            .render_str(&rewritten, data[1].clone())
            .expect_err("undefined");
        assert_eq!(error.kind(), minijinja::ErrorKind::UndefinedError);
    }

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
