//! The Jinja environment of widget templates: the Python SDK's
//! `Environment(undefined=StrictUndefined)`, so Jinja's builtin filters and globals with
//! Jinja's signatures. minijinja has most of them in its core; the others come from
//! `minijinja-contrib` (which takes some arguments by keyword only, hence the adapters that
//! take them by position too, as Jinja does) or are here (`format`).

use std::fmt;

use minijinja::value::{ArgType, Kwargs, Object, Rest, ValueKind, ValueOrKwargs};
use minijinja::{
    AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior, Value,
};

/// The environment every widget template is compiled in.
pub(super) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // Debug info keeps a copy of the context for error reports; the errors here are built
    // from the kind, the detail and the line, which are there without it.
    env.set_debug(false);
    env.add_filter("filesizeformat", minijinja_contrib::filters::filesizeformat);
    env.add_filter("striptags", minijinja_contrib::filters::striptags);
    env.add_filter("wordcount", minijinja_contrib::filters::wordcount);
    env.add_filter("truncate", truncate);
    env.add_filter("wordwrap", wordwrap);
    env.add_filter("format", format);
    env.add_filter("tojson", tojson);
    env.add_function("cycler", minijinja_contrib::globals::cycler);
    env.add_function("joiner", minijinja_contrib::globals::joiner);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env
}

/// Jinja's `tojson(value, indent=None)`: minijinja's own filter, with a shortcut for what
/// templates pass it most (see [`write_simple_json`]), and an error for an undefined value. The arguments are taken as they come,
/// so that a call without any costs no keyword-argument map.
fn tojson(value: &Value, args: Rest<ValueOrKwargs>) -> Result<Value, Error> {
    if value.is_undefined() {
        // Jinja's `tojson` fails on an undefined value (`StrictUndefined` is not JSON);
        // minijinja's writes `null`.
        return Err(Error::from(ErrorKind::UndefinedError));
    }
    if !args.is_empty() {
        return tojson_with_arguments(value, args);
    }
    let mut json = String::with_capacity(value.as_str().map_or(8, |text| text.len() + 2));
    match write_simple_json(value, &mut json) {
        Some(Ok(())) => Ok(Value::from_safe_string(json)),
        Some(Err(error)) => Err(Error::from(error)),
        None => tojson_with_arguments(value, args),
    }
}

/// Writes `value` as `tojson` without arguments writes it, when it is a string, an integer, a
/// boolean or `none` (what templates pass it most): a string is escaped for HTML (`<`, `>`,
/// `&` and `'` as `\u00XX`, as Jinja's `htmlsafe_json_dumps` and minijinja's filter escape
/// them). `None`, having written nothing, for other values.
fn write_simple_json(value: &Value, out: &mut impl fmt::Write) -> Option<fmt::Result> {
    match value.kind() {
        ValueKind::String => value.as_str().map(|text| write_json_string(text, out)),
        ValueKind::Number if value.is_integer() => i128::try_from(value.clone())
            .ok()
            .map(|number| out.write_str(itoa::Buffer::new().format(number))),
        ValueKind::Bool => Some(out.write_str(if value.is_true() { "true" } else { "false" })),
        ValueKind::None => Some(out.write_str("null")),
        _ => None,
    }
}

/// The formatter of the JSON-emit environment (see `compact::json_emits`): a value marked by
/// the [`compact::PLAIN`](super::compact::PLAIN) filter is printed as the default formatter
/// prints it, any other as `tojson` without arguments writes it. An undefined value is an
/// error either way (the template as written then gives the error it gives).
pub(super) fn json_formatter(
    out: &mut Output<'_>,
    state: &mut State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    if let Some(Plain(value)) = value.downcast_object_ref::<Plain>() {
        if value.is_undefined() {
            return Err(Error::from(ErrorKind::UndefinedError));
        }
        // What the default formatter writes without escaping, for what is printed most.
        if matches!(state.auto_escape(), AutoEscape::None) {
            if let Some(text) = value.as_str() {
                return out.write_str(text).map_err(Error::from);
            }
            if let Some(number) = value.as_i64().filter(|_| value.is_integer()) {
                return out
                    .write_str(itoa::Buffer::new().format(number))
                    .map_err(Error::from);
            }
        }
        return minijinja::escape_formatter(out, state, value);
    }
    if value.is_undefined() {
        return Err(Error::from(ErrorKind::UndefinedError));
    }
    if let Some(written) = write_simple_json(value, out) {
        return written.map_err(Error::from);
    }
    let json = tojson_with_arguments(value, Rest(Vec::new()))?;
    out.write_str(json.as_str().unwrap_or_default())
        .map_err(Error::from)
}

/// A value the template prints as written, in the JSON-emit environment: what the
/// [`compact::PLAIN`](super::compact::PLAIN) filter returns.
#[derive(Debug)]
struct Plain(Value);

impl Object for Plain {}

/// The [`compact::PLAIN`](super::compact::PLAIN) filter.
fn plain(value: Value) -> Value {
    Value::from_object(Plain(value))
}

/// The environment of the JSON-emit template: [`environment`], with [`json_formatter`] and the
/// [`compact::PLAIN`](super::compact::PLAIN) filter.
pub(super) fn json_environment() -> Environment<'static> {
    let mut env = environment();
    env.set_formatter(json_formatter);
    env.add_filter(super::compact::PLAIN, plain);
    env
}

/// minijinja's `tojson`, given the arguments as its signature `(value, indent=None, **kwargs)`
/// reads them.
fn tojson_with_arguments(value: &Value, args: Rest<ValueOrKwargs>) -> Result<Value, Error> {
    let mut indent = None;
    let mut kwargs = None;
    for arg in args.0 {
        let arg = Value::from(arg);
        if arg.is_kwargs() && kwargs.is_none() {
            kwargs = Some(<Kwargs as ArgType>::from_value(Some(&arg))?);
        } else if indent.is_none() && kwargs.is_none() {
            indent = Some(arg);
        } else {
            return Err(Error::from(ErrorKind::TooManyArguments));
        }
    }
    let kwargs = kwargs.unwrap_or_else(|| std::iter::empty::<(&str, Value)>().collect());
    minijinja::filters::tojson(value, indent, kwargs)
}

/// Writes `text` as a JSON string escaped for HTML, byte for byte as minijinja's `tojson`
/// writes it.
fn write_json_string(text: &str, out: &mut impl fmt::Write) -> fmt::Result {
    const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.write_char('"')?;
    let mut start = 0;
    while let Some(offset) = bytes[start..]
        .iter()
        .position(|&byte| ESCAPED[usize::from(byte)])
    {
        let at = start + offset;
        out.write_str(&text[start..at])?;
        match bytes[at] {
            b'"' => out.write_str("\\\"")?,
            b'\\' => out.write_str("\\\\")?,
            b'\x08' => out.write_str("\\b")?,
            b'\x0c' => out.write_str("\\f")?,
            b'\n' => out.write_str("\\n")?,
            b'\r' => out.write_str("\\r")?,
            b'\t' => out.write_str("\\t")?,
            byte => {
                out.write_str("\\u00")?;
                out.write_char(char::from(HEX_DIGITS[usize::from(byte >> 4)]))?;
                out.write_char(char::from(HEX_DIGITS[usize::from(byte & 0xf)]))?;
            }
        }
        start = at + 1;
    }
    out.write_str(&text[start..])?;
    out.write_char('"')
}

/// The bytes [`write_json_string`] escapes: the control characters, `"`, `\\`, and `<`, `>`,
/// `&`, `'` for HTML.
const ESCAPED: [bool; 256] = {
    let mut escaped = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        escaped[byte] = true;
        byte += 1;
    }
    escaped[b'"' as usize] = true;
    escaped[b'\\' as usize] = true;
    escaped[b'<' as usize] = true;
    escaped[b'>' as usize] = true;
    escaped[b'&' as usize] = true;
    escaped[b'\'' as usize] = true;
    escaped
};

/// Keyword arguments made of `positional` (Jinja's parameter names, in order, for the values
/// given by position) and the keywords given.
fn merged(names: &[&str], positional: &[Value], kwargs: &Kwargs) -> Result<Kwargs, Error> {
    if positional.len() > names.len() {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            format!("takes at most {} arguments", names.len()),
        ));
    }
    let mut pairs: Vec<(String, Value)> = names
        .iter()
        .zip(positional)
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect();
    for key in kwargs.args().map(str::to_owned).collect::<Vec<_>>() {
        if pairs.iter().any(|(name, _)| *name == key) {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("got multiple values for argument `{key}`"),
            ));
        }
        let value: Value = kwargs.get(&key)?;
        pairs.push((key, value));
    }
    Ok(pairs.into_iter().collect())
}

/// Jinja's `truncate(s, length=255, killwords=False, end='...', leeway=None)`.
#[expect(
    clippy::needless_pass_by_value,
    reason = "minijinja hands filter arguments over by value"
)]
fn truncate(
    state: &mut State,
    value: &Value,
    positional: Rest<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let kwargs = merged(
        &["length", "killwords", "end", "leeway"],
        &positional,
        &kwargs,
    )?;
    minijinja_contrib::filters::truncate(state, value, kwargs)
}

/// Jinja's `wordwrap(s, width=79, break_long_words=True, wrapstring=None,
/// break_on_hyphens=True)`.
#[expect(
    clippy::needless_pass_by_value,
    reason = "minijinja hands filter arguments over by value"
)]
fn wordwrap(value: &Value, positional: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let kwargs = merged(
        &[
            "width",
            "break_long_words",
            "wrapstring",
            "break_on_hyphens",
        ],
        &positional,
        &kwargs,
    )?;
    minijinja_contrib::filters::wordwrap(value, kwargs)
}

/// Jinja's `format(value, *args)`: Python's printf-style `value % args`, for the conversions
/// templates use: `%s`, `%d`/`%i`, `%f`/`%F`, `%e`/`%E`, `%x`/`%X`, `%o` and `%%`, with the
/// flags `-`, `0`, `+` and space, a width and a precision. Another conversion is an error.
#[expect(
    clippy::needless_pass_by_value,
    reason = "minijinja hands filter arguments over by value"
)]
fn format(value: &str, args: Rest<Value>) -> Result<String, Error> {
    let mut out = String::with_capacity(value.len());
    let mut args = args.iter();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&flag @ ('-' | '0' | '+' | ' ' | '#')) = chars.peek() {
            flags.push(flag);
            chars.next();
        }
        let mut width = String::new();
        while let Some(&digit @ '0'..='9') = chars.peek() {
            width.push(digit);
            chars.next();
        }
        let mut precision = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(&digit @ '0'..='9') = chars.peek() {
                digits.push(digit);
                chars.next();
            }
            precision = Some(digits.parse::<usize>().unwrap_or(0));
        }
        let conversion = chars.next().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                "incomplete format: `%` at the end",
            )
        })?;
        if conversion == '%' {
            out.push('%');
            continue;
        }
        let arg = args.next().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                "not enough arguments for format string",
            )
        })?;
        let body = convert(conversion, arg, precision, &flags)?;
        pad(&mut out, &body, &flags, width.parse().unwrap_or(0));
    }
    if args.next().is_some() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

/// One conversion of [`format`], without the padding.
fn convert(
    conversion: char,
    arg: &Value,
    precision: Option<usize>,
    flags: &str,
) -> Result<String, Error> {
    let number = |arg: &Value| -> Result<f64, Error> {
        f64::try_from(arg.clone()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "%{conversion} format: a real number is required, not {}",
                    arg.kind()
                ),
            )
        })
    };
    let sign = |negative: bool| {
        if negative {
            "-"
        } else if flags.contains('+') {
            "+"
        } else if flags.contains(' ') {
            " "
        } else {
            ""
        }
    };
    Ok(match conversion {
        's' => {
            let text = arg.to_string();
            match precision {
                Some(precision) => text.chars().take(precision).collect(),
                None => text,
            }
        }
        'd' | 'i' => {
            let value = number(arg)?.trunc();
            format!("{}{}", sign(value < 0.0), value.abs())
        }
        'f' | 'F' => {
            let value = number(arg)?;
            let precision = precision.unwrap_or(6);
            format!("{}{:.precision$}", sign(value < 0.0), value.abs())
        }
        'e' | 'E' => {
            let value = number(arg)?;
            let precision = precision.unwrap_or(6);
            // Rust writes `1.5e3`; Python `1.500000e+03`.
            let rust = format!("{:.precision$e}", value.abs());
            let (mantissa, exponent) = rust.split_once('e').unwrap_or((&rust, "0"));
            let exponent: i32 = exponent.parse().unwrap_or(0);
            let text = format!(
                "{}{mantissa}e{}{:02}",
                sign(value < 0.0),
                if exponent < 0 { '-' } else { '+' },
                exponent.abs()
            );
            if conversion == 'E' {
                text.to_uppercase()
            } else {
                text
            }
        }
        'x' | 'X' | 'o' => {
            let value = i128::try_from(arg.clone()).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "%{conversion} format: an integer is required, not {}",
                        arg.kind()
                    ),
                )
            })?;
            let digits = match conversion {
                'x' => format!("{:x}", value.unsigned_abs()),
                'X' => format!("{:X}", value.unsigned_abs()),
                _ => format!("{:o}", value.unsigned_abs()),
            };
            format!("{}{digits}", sign(value < 0))
        }
        other => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("unsupported format character `{other}`"),
            ));
        }
    })
}

/// Appends `body` to `out`, padded to `width` as the flags say.
fn pad(out: &mut String, body: &str, flags: &str, width: usize) {
    let missing = width.saturating_sub(body.chars().count());
    if flags.contains('-') {
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', missing));
    } else if flags.contains('0') && body.chars().any(|c| c.is_ascii_digit()) {
        let (sign, digits) = match body.chars().next() {
            Some(sign @ ('-' | '+' | ' ')) => body.split_at(sign.len_utf8()),
            _ => ("", body),
        };
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', missing));
        out.push_str(digits);
    } else {
        out.extend(std::iter::repeat_n(' ', missing));
        out.push_str(body);
    }
}

#[cfg(test)]
mod tests {
    use minijinja::value::{Kwargs, Rest, ValueOrKwargs};
    use minijinja::{ErrorKind, Value};

    fn format(template: &str, args: Vec<Value>) -> String {
        super::format(template, Rest(args)).expect("formats")
    }

    /// The `tojson` shortcut writes exactly what minijinja's own filter writes, whatever the
    /// value; with arguments it is minijinja's filter.
    #[test]
    fn tojson_writes_what_minijinja_writes() {
        let mut values: Vec<Value> = (0_u8..0x80)
            .map(|byte| Value::from(format!("a{}b", char::from(byte))))
            .collect();
        values.extend([
            Value::from(""),
            Value::from("<script>alert('x') && \"y\"</script>\\"),
            Value::from("é ü 日本 😀 \u{7f} \u{2028}"),
            Value::from_safe_string("<b>".to_owned()),
            Value::from(0),
            Value::from(-42),
            Value::from(i64::MIN),
            Value::from(u64::MAX),
            Value::from(i128::MIN),
            Value::from(u128::MAX),
            Value::from(1.0),
            Value::from(-0.5),
            Value::from(f64::NAN),
            Value::from(true),
            Value::from(false),
            Value::from(()),
            Value::from(vec![Value::from(1), Value::from("<")]),
            Value::from_iter([("k", Value::from("v&")), ("n", Value::from(2))]),
        ]);
        let no_kwargs = || std::iter::empty::<(&str, Value)>().collect::<Kwargs>();
        for value in &values {
            let ours = super::tojson(value, Rest(Vec::new())).expect("writes");
            let theirs = minijinja::filters::tojson(value, None, no_kwargs()).expect("writes");
            assert_eq!(ours.as_str(), theirs.as_str(), "{value:?}");
            assert!(ours.is_safe());
        }
        // Jinja's filter fails on an undefined value, with or without arguments.
        for args in [Vec::new(), vec![ValueOrKwargs::from(Value::from(2))]] {
            let error = super::tojson(&Value::UNDEFINED, Rest(args)).expect_err("undefined");
            assert_eq!(error.kind(), ErrorKind::UndefinedError);
        }

        let env = super::environment();
        let render = |source: &str| env.render_str(source, minijinja::context! {v => vec![1, 2]});
        assert_eq!(
            render("{{ v | tojson(2) }}").expect("renders"),
            "[\n  1,\n  2\n]"
        );
        assert_eq!(
            render("{{ v | tojson(indent=1) }}").expect("renders"),
            "[\n 1,\n 2\n]"
        );
        assert_eq!(
            render("{{ v | tojson(true) }}").expect("renders"),
            "[\n  1,\n  2\n]"
        );
        assert!(render("{{ v | tojson(2, 3) }}").is_err());
        assert!(render("{{ v | tojson(colour=2) }}").is_err());
        assert!(render("{{ v | tojson(2, indent=3) }}").is_err());
    }

    /// Each expected string is what Python's `%` operator gives.
    #[test]
    fn format_follows_python() {
        assert_eq!(
            format("%s: %d points", vec!["p99".into(), 4.into()]),
            "p99: 4 points"
        );
        assert_eq!(format("%.2f", vec![1.23456.into()]), "1.23");
        assert_eq!(
            format("%5.1f|%-5d|%05d", vec![2.25.into(), 7.into(), (-42).into()]),
            "  2.2|7    |-0042"
        );
        assert_eq!(
            format(
                "%+d %x %X %o",
                vec![5.into(), 255.into(), 255.into(), 8.into()]
            ),
            "+5 ff FF 10"
        );
        assert_eq!(format("%e", vec![1500.0.into()]), "1.500000e+03");
        assert_eq!(format("100%%", vec![]), "100%");
        assert_eq!(format("%d", vec![3.99.into()]), "3");
        assert!(super::format("%d", Rest(vec!["x".into()])).is_err());
        assert!(super::format("%q", Rest(vec![1.into()])).is_err());
        assert!(super::format("%s %s", Rest(vec![1.into()])).is_err());
        assert!(super::format("%s", Rest(vec![1.into(), 2.into()])).is_err());
    }
}
