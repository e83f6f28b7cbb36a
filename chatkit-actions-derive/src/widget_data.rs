//! `#[derive(WidgetData)]`: a struct is the data of a `.widget` template.
//!
//! At compile time the derive reads the file (relative to the crate's folder, or else to the
//! source file holding the derive), checks it is a version 1.0 `.widget` definition whose
//! template compiles, checks the struct's fields against the file's `jsonSchema` (a missing
//! required property, a field the schema doesn't have, a type the schema doesn't allow: each a
//! compile error on the Rust field or the struct, naming the schema path), checks every icon
//! name the template writes literally, and, with `actions = AppAction`, every literal action
//! `type` against the action union and every literal form field name against the action's
//! `#[action(form)]` fields (through constants the compiler evaluates, as the union's types are
//! only known to the compiler). It embeds the file (`include_str!`, so a change to the file
//! rebuilds the crate) and implements `chatkit_actions::widget::WidgetData`.

use std::iter::Peekable;
use std::path::PathBuf;
use std::str::Chars;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use serde_json::Value;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, LitStr, PathArguments, Type};

use crate::case::RenameRule;

/// The expansion, or every error found.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let args = Args::parse(input)?;
    let file = args.file.value();
    let (path, text) = read(&args.file)?;
    let definition = Definition::parse(&args.file, &file, &text)?;

    let mut errors = Errors::default();
    let schema = match &args.schema {
        None => Some((String::new(), &definition.schema)),
        Some(pointer) => {
            let at = pointer.value();
            let at = at.trim_start_matches('#');
            let found = definition.schema.pointer(at);
            if found.is_none() {
                errors.push(syn::Error::new(
                    pointer.span(),
                    format!("the data schema of `{file}` has nothing at `{at}`"),
                ));
            }
            found.map(|schema| (at.to_owned(), schema))
        }
    };
    if let Some((at, schema)) = schema {
        let checker = SchemaCheck {
            file: &file,
            root: &definition.schema,
        };
        checker.check_struct(input, &at, schema, &mut errors);
    }

    let scan = Scan::of(&definition.template);
    for icon in &scan.icons {
        if !known_icon(&icon.name) {
            errors.push(syn::Error::new(
                args.file.span(),
                format!(
                    "unknown icon `{}` in `{file}`, line {} of its template: the closest icon is `{}` (icons: the ChatKit icon names, or `vendor:…`/`lucide:…`)",
                    icon.name,
                    icon.line,
                    closest(&icon.name, ICONS.iter().copied()).unwrap_or_default()
                ),
            ));
        }
    }
    errors.finish()?;

    let checks = args.actions.as_ref().map(|actions| {
        // The errors point at the file, which holds the typo.
        let file_span = args.file.span();
        let types = scan.actions.iter().map(|action| {
            let site = format!("in `{file}`, line {} of its template", action.line);
            let literal = &action.action_type;
            quote_spanned! {file_span=>
                const _: () = ::chatkit_actions::widget::__template_checks::action_type::<#actions>(#literal, #site);
            }
        });
        let fields = scan.form_fields.iter().map(|field| {
            let site = format!("in `{file}`, line {} of its template", field.line);
            let (action_type, name) = (&field.action_type, &field.name);
            quote_spanned! {file_span=>
                const _: () = ::chatkit_actions::widget::__template_checks::form_field::<#actions>(#action_type, #name, #site);
            }
        });
        quote! { #(#types)* #(#fields)* }
    });

    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let path = path.to_string_lossy().into_owned();
    let implementation = args.schema.is_none().then(|| {
        quote! {
            #[automatically_derived]
            impl #impl_generics ::chatkit_actions::widget::WidgetData for #ident #type_generics #where_clause {
                fn template() -> ::core::result::Result<
                    &'static ::chatkit_actions::widget::WidgetTemplate,
                    &'static ::chatkit_actions::widget::TemplateError,
                > {
                    static TEMPLATE: ::std::sync::OnceLock<
                        ::core::result::Result<
                            ::chatkit_actions::widget::WidgetTemplate,
                            ::chatkit_actions::widget::TemplateError,
                        >,
                    > = ::std::sync::OnceLock::new();
                    TEMPLATE
                        .get_or_init(|| ::chatkit_actions::widget::WidgetTemplate::parse(SOURCE, #file))
                        .as_ref()
                }
            }
        }
    });
    Ok(quote! {
        const _: () = {
            // The file, embedded: a change to it rebuilds the crate.
            const SOURCE: &str = ::core::include_str!(#path);
            #implementation
            #checks
        };
    })
}

/// `#[widget(file = "…", actions = Path, schema = "/pointer")]`.
struct Args {
    file: LitStr,
    actions: Option<syn::Path>,
    schema: Option<LitStr>,
}

impl Args {
    fn parse(input: &DeriveInput) -> syn::Result<Self> {
        let mut file = None;
        let mut actions = None;
        let mut schema = None;
        for attr in input
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("widget"))
        {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("file") {
                    file = Some(meta.value()?.parse::<LitStr>()?);
                } else if meta.path.is_ident("actions") {
                    actions = Some(meta.value()?.parse::<syn::Path>()?);
                } else if meta.path.is_ident("schema") {
                    schema = Some(meta.value()?.parse::<LitStr>()?);
                } else {
                    return Err(meta.error(
                        "unknown `widget` attribute: expected `file = \"…\"`, `actions = AppAction` or `schema = \"/json/pointer\"`",
                    ));
                }
                Ok(())
            })?;
        }
        let file = file.ok_or_else(|| {
            syn::Error::new(
                input.ident.span(),
                "`#[derive(WidgetData)]` needs `#[widget(file = \"…\")]`: the `.widget` file, relative to the crate's folder",
            )
        })?;
        Ok(Args {
            file,
            actions,
            schema,
        })
    }
}

/// The file's path and text: relative to the crate's folder, or else to the source file of
/// the derive (as the SDK's `from_file` resolves a relative path from its caller's file).
fn read(file: &LitStr) -> syn::Result<(PathBuf, String)> {
    let relative = file.value();
    let mut candidates = Vec::new();
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
        candidates.push(PathBuf::from(manifest).join(&relative));
    }
    if let Some(source) = file.span().unwrap().local_file()
        && let Some(folder) = source.parent()
    {
        let beside = folder.join(&relative);
        candidates.push(std::fs::canonicalize(&beside).unwrap_or(beside));
    }
    let mut reason = String::from("no crate folder");
    for candidate in candidates {
        match std::fs::read_to_string(&candidate) {
            Ok(text) => return Ok((candidate, text)),
            Err(error) => reason = error.to_string(),
        }
    }
    Err(syn::Error::new(
        file.span(),
        format!(
            "cannot read `{relative}` (relative to the crate's folder, or to this source file): {reason}"
        ),
    ))
}

/// The parts of a `.widget` file the checks read.
struct Definition {
    template: String,
    schema: Value,
}

impl Definition {
    fn parse(literal: &LitStr, file: &str, text: &str) -> syn::Result<Self> {
        let error = |message: String| syn::Error::new(literal.span(), message);
        let value: Value =
            serde_json::from_str(text).map_err(|e| error(format!("`{file}` is not JSON: {e}")))?;
        let version = value.get("version");
        if version != Some(&Value::String("1.0".to_owned())) {
            return Err(error(format!(
                "`{file}`: unsupported .widget version {} (this crate reads version \"1.0\")",
                version.map_or_else(|| "(none)".to_owned(), Value::to_string)
            )));
        }
        if !value.get("name").is_some_and(Value::is_string) {
            return Err(error(format!(
                "`{file}` is not a .widget definition: no string `name`"
            )));
        }
        let Some(template) = value.get("template").and_then(Value::as_str) else {
            return Err(error(format!(
                "`{file}` is not a .widget definition: no string `template`"
            )));
        };
        let env = minijinja::Environment::new();
        if let Err(e) = env.template_from_str(template) {
            let detail = e
                .detail()
                .map(|detail| format!(": {detail}"))
                .unwrap_or_default();
            return Err(error(format!(
                "`{file}`, line {} of its template: {}{detail}",
                e.line().unwrap_or(0),
                e.kind()
            )));
        }
        Ok(Definition {
            template: template.to_owned(),
            schema: value
                .get("jsonSchema")
                .cloned()
                .unwrap_or_else(|| Value::Object(serde_json::Map::new())),
        })
    }
}

/// Errors gathered, reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The struct against the data schema.
struct SchemaCheck<'a> {
    file: &'a str,
    root: &'a Value,
}

impl SchemaCheck<'_> {
    /// `schema` with its local `$ref`s followed.
    fn resolve<'s>(&'s self, mut schema: &'s Value) -> &'s Value {
        for _ in 0..16 {
            match schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix('#'))
                .and_then(|pointer| self.root.pointer(pointer))
            {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    fn check_struct(&self, input: &DeriveInput, at: &str, schema: &Value, errors: &mut Errors) {
        let schema = self.resolve(schema);
        let Data::Struct(data) = &input.data else {
            errors.push(syn::Error::new(
                input.ident.span(),
                "`#[derive(WidgetData)]` is for structs with named fields: the template's variables",
            ));
            return;
        };
        let Fields::Named(fields) = &data.fields else {
            errors.push(syn::Error::new(
                input.ident.span(),
                "`#[derive(WidgetData)]` is for structs with named fields: the template's variables",
            ));
            return;
        };
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            // No properties to check against (no `jsonSchema`, or a schema that says nothing
            // about them).
            return;
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let container = SerdeAttrs::of(&input.attrs);
        let mut names = Vec::new();
        let mut flattened = false;
        for field in &fields.named {
            let attrs = SerdeAttrs::of(&field.attrs);
            if attrs.skip {
                continue;
            }
            if attrs.flatten {
                flattened = true;
                continue;
            }
            let Some(ident) = &field.ident else { continue };
            let rust_name = ident.to_string();
            let rust_name = rust_name.trim_start_matches("r#");
            let name = attrs.rename.clone().unwrap_or_else(|| {
                container.rename_all.map_or_else(
                    || rust_name.to_owned(),
                    |rule| rule.apply(&pascal(rust_name)),
                )
            });
            let path = format!("{at}/properties/{name}");
            match properties.get(&name) {
                None => {
                    let mut known: Vec<&str> = properties.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    let hint = closest(&name, known.iter().copied())
                        .map(|close| format!(" (did you mean `{close}`?)"))
                        .unwrap_or_default();
                    errors.push(syn::Error::new(
                        ident.span(),
                        format!(
                            "field `{name}` is not in the data schema of `{}`: `{at}/properties` has {}{hint}",
                            self.file,
                            list(&known)
                        ),
                    ));
                }
                Some(property) => {
                    let optional_ok = !required.contains(&name.as_str());
                    if let Err((span, message)) =
                        self.check_type(&field.ty, property, &path, optional_ok)
                    {
                        errors.push(syn::Error::new(span, format!("field `{name}`: {message}")));
                    }
                }
            }
            names.push(name);
        }
        if !flattened {
            for name in required {
                if !names.iter().any(|field| field == name) {
                    errors.push(syn::Error::new(
                        input.ident.span(),
                        format!(
                            "missing field `{name}`, required by the data schema of `{}` at `{at}/required`",
                            self.file
                        ),
                    ));
                }
            }
        }
    }

    /// Whether the Rust type `ty` writes JSON `schema` allows, or why not (and the type that
    /// doesn't fit: `ty` or a type inside it).
    fn check_type(
        &self,
        ty: &Type,
        schema: &Value,
        path: &str,
        optional_ok: bool,
    ) -> Result<(), (proc_macro2::Span, String)> {
        let schema = self.resolve(schema);
        let kind = RustKind::of(ty);
        let allowed = json_types(schema);
        let allows = |json_type: &str| {
            allowed.as_ref().is_none_or(|types| {
                types.iter().any(|allowed| {
                    allowed == json_type || (json_type == "integer" && allowed == "number")
                })
            })
        };
        let mismatch = |json_type: &str| {
            let span = ty.span();
            let expected = allowed
                .as_ref()
                .map(|types| types.join(" or "))
                .unwrap_or_default();
            (
                span,
                format!(
                    "the Rust type `{}` writes {json_type}, but the data schema of `{}` at `{path}` expects {expected}",
                    quote!(#ty).to_string().replace(' ', ""),
                    self.file
                ),
            )
        };
        match kind {
            RustKind::Any | RustKind::Named => Ok(()),
            RustKind::Option(inner) => {
                if !optional_ok && !allows("null") {
                    return Err((
                        ty.span(),
                        format!(
                            "an `Option` may be null, but the data schema of `{}` requires `{path}` and does not allow null",
                            self.file
                        ),
                    ));
                }
                self.check_type(inner, schema, path, true)
            }
            RustKind::Scalar(json_type) => {
                if allows(json_type) {
                    Ok(())
                } else {
                    Err(mismatch(json_type))
                }
            }
            RustKind::Object(values) => {
                if !allows("object") {
                    return Err(mismatch("object"));
                }
                match (values, schema.get("additionalProperties")) {
                    (Some(values), Some(additional)) if additional.is_object() => self.check_type(
                        values,
                        additional,
                        &format!("{path}/additionalProperties"),
                        false,
                    ),
                    _ => Ok(()),
                }
            }
            RustKind::Array(items) => {
                if !allows("array") {
                    return Err(mismatch("array"));
                }
                match schema.get("items") {
                    Some(item_schema) if item_schema.is_object() => {
                        self.check_type(items, item_schema, &format!("{path}/items"), false)
                    }
                    _ => Ok(()),
                }
            }
        }
    }
}

/// The JSON types a schema allows (`None`: any).
fn json_types(schema: &Value) -> Option<Vec<String>> {
    match schema.get("type") {
        Some(Value::String(one)) => Some(vec![one.clone()]),
        Some(Value::Array(many)) => Some(
            many.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => {
            let branches = schema
                .get("anyOf")
                .or_else(|| schema.get("oneOf"))
                .and_then(Value::as_array)?;
            let mut types = Vec::new();
            for branch in branches {
                types.extend(json_types(branch)?);
            }
            Some(types)
        }
    }
}

/// What JSON a Rust type writes, read from its syntax.
enum RustKind<'a> {
    /// `serde_json::Value` and the like: anything.
    Any,
    /// A type of the app (a struct, an enum…): not known here. A nested struct derives
    /// `WidgetData` with `schema = "…"` to be checked.
    Named,
    Option(&'a Type),
    Scalar(&'static str),
    Object(Option<&'a Type>),
    Array(&'a Type),
}

impl<'a> RustKind<'a> {
    fn of(ty: &'a Type) -> Self {
        match ty {
            Type::Reference(reference) => RustKind::of(&reference.elem),
            Type::Paren(inner) => RustKind::of(&inner.elem),
            Type::Group(inner) => RustKind::of(&inner.elem),
            Type::Slice(slice) => RustKind::Array(&slice.elem),
            Type::Array(array) => RustKind::Array(&array.elem),
            Type::Tuple(tuple) if tuple.elems.is_empty() => RustKind::Scalar("null"),
            Type::Path(path) if path.qself.is_none() => {
                let Some(last) = path.path.segments.last() else {
                    return RustKind::Named;
                };
                let arguments: Vec<&Type> = match &last.arguments {
                    PathArguments::AngleBracketed(arguments) => arguments
                        .args
                        .iter()
                        .filter_map(|argument| match argument {
                            GenericArgument::Type(ty) => Some(ty),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                match (last.ident.to_string().as_str(), arguments.as_slice()) {
                    ("String" | "str" | "char", _) => RustKind::Scalar("string"),
                    (
                        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32"
                        | "u64" | "u128" | "usize" | "NonZeroU8" | "NonZeroU16" | "NonZeroU32"
                        | "NonZeroU64" | "NonZeroUsize" | "NonZeroI32" | "NonZeroI64",
                        _,
                    ) => RustKind::Scalar("integer"),
                    ("f32" | "f64", _) => RustKind::Scalar("number"),
                    ("bool", _) => RustKind::Scalar("boolean"),
                    ("Option", [inner]) => RustKind::Option(inner),
                    ("Box" | "Arc" | "Rc" | "Cow", [inner]) => RustKind::of(inner),
                    ("Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet", [item, ..]) => {
                        RustKind::Array(item)
                    }
                    ("HashMap" | "BTreeMap" | "IndexMap", [_, value, ..]) => {
                        RustKind::Object(Some(value))
                    }
                    ("Map", _) | ("ActionConfig", []) => RustKind::Object(None),
                    ("Value", []) => RustKind::Any,
                    _ => RustKind::Named,
                }
            }
            _ => RustKind::Named,
        }
    }
}

/// The serde attributes the schema check reads.
#[derive(Default)]
struct SerdeAttrs {
    rename: Option<String>,
    rename_all: Option<RenameRule>,
    skip: bool,
    flatten: bool,
}

impl SerdeAttrs {
    fn of(attrs: &[syn::Attribute]) -> Self {
        let mut found = SerdeAttrs::default();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
            // Other serde attributes are serde's business; ill-formed ones are reported by
            // serde's derive.
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") || meta.path.is_ident("rename_all") {
                    let all = meta.path.is_ident("rename_all");
                    if let Ok(value) = meta.value() {
                        if let Ok(name) = value.parse::<LitStr>() {
                            if all {
                                found.rename_all = RenameRule::from_name(&name.value());
                            } else {
                                found.rename = Some(name.value());
                            }
                        } else {
                            // `rename(serialize = "…")`: not read.
                        }
                    }
                } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                    found.skip = true;
                } else if meta.path.is_ident("flatten") {
                    found.flatten = true;
                } else if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                } else if meta.input.peek(syn::token::Paren) {
                    let _ = meta.parse_nested_meta(|_| Ok(()));
                }
                Ok(())
            });
        }
        found
    }
}

/// `field_name` → `FieldName`, for the `rename_all` rules (written for variant names).
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "no properties".to_owned()
    } else {
        names
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The candidate closest to `name` by edit distance, when one is reasonably close.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|candidate| (distance(name, candidate), candidate))
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

fn distance(a: &str, b: &str) -> usize {
    let mut previous: Vec<usize> = (0..=b.chars().count()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(previous.len());
        current.push(i + 1);
        for ((cb, diagonal), above) in b.chars().zip(&previous).zip(previous.iter().skip(1)) {
            let left = current.last().copied().unwrap_or(i + 1);
            current.push(
                (diagonal + usize::from(ca != cb))
                    .min(above + 1)
                    .min(left + 1),
            );
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

/// The icon names of ChatKit (`chatkit.icons.IconName`, `@openai/chatkit`'s `WidgetIcon`).
const ICONS: &[&str] = &[
    "agent",
    "analytics",
    "atom",
    "batch",
    "bolt",
    "book-open",
    "book-closed",
    "book-clock",
    "bug",
    "calendar",
    "chart",
    "check",
    "check-circle",
    "check-circle-filled",
    "chevron-left",
    "chevron-right",
    "circle-question",
    "clock",
    "compass",
    "confetti",
    "cube",
    "desktop",
    "document",
    "dot",
    "dots-horizontal",
    "dots-vertical",
    "empty-circle",
    "external-link",
    "globe",
    "keys",
    "lab",
    "images",
    "info",
    "lifesaver",
    "lightbulb",
    "mail",
    "map-pin",
    "maps",
    "mobile",
    "name",
    "notebook",
    "notebook-pencil",
    "page-blank",
    "phone",
    "play",
    "plus",
    "profile",
    "profile-card",
    "reload",
    "star",
    "star-filled",
    "search",
    "sparkle",
    "sparkle-double",
    "square-code",
    "square-image",
    "square-text",
    "suitcase",
    "settings-slider",
    "user",
    "wreath",
    "write",
    "write-alt",
    "write-alt2",
];

fn known_icon(name: &str) -> bool {
    ICONS.contains(&name) || name.starts_with("vendor:") || name.starts_with("lucide:")
}

/// A literal string found in the template, and its line.
struct Found {
    name: String,
    line: usize,
}

struct FoundAction {
    action_type: String,
    line: usize,
}

struct FoundField {
    action_type: String,
    name: String,
    line: usize,
}

/// What the template writes literally: action types, form field names in forms with a
/// literal submit action, icon names.
#[derive(Default)]
struct Scan {
    actions: Vec<FoundAction>,
    form_fields: Vec<FoundField>,
    icons: Vec<Found>,
}

/// A JSON-like tree read from the Jinja source, tolerantly: Jinja tags are skipped (`{% %}`,
/// `{# #}`) or opaque values (`{{ }}`, strings holding one), so only what the template writes
/// literally is read.
enum Node {
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Str(String, usize),
    Other,
}

enum Token {
    Open(char),
    Close,
    Colon,
    Comma,
    Str(String, usize),
    Opaque,
}

fn tokens(source: &str) -> Vec<Token> {
    /// Skips to the end of a Jinja tag whose closing is `close` then `}`, counting lines.
    fn skip_tag(chars: &mut Peekable<Chars<'_>>, line: &mut usize, close: char) {
        let mut previous = None;
        for c in chars.by_ref() {
            if c == '\n' {
                *line += 1;
            }
            if previous == Some(close) && c == '}' {
                return;
            }
            previous = Some(c);
        }
    }

    let mut tokens = Vec::new();
    let mut chars = source.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '{' => match chars.peek() {
                Some('{') => {
                    chars.next();
                    skip_tag(&mut chars, &mut line, '}');
                    tokens.push(Token::Opaque);
                }
                Some(&close @ ('%' | '#')) => {
                    chars.next();
                    skip_tag(&mut chars, &mut line, close);
                }
                _ => tokens.push(Token::Open('{')),
            },
            '[' => tokens.push(Token::Open('[')),
            '}' | ']' => tokens.push(Token::Close),
            ':' => tokens.push(Token::Colon),
            ',' => tokens.push(Token::Comma),
            '"' => {
                let start_line = line;
                let mut raw = String::from('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    raw.push(c);
                    if c == '\n' {
                        line += 1;
                    }
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                let dynamic = raw.contains("{{") || raw.contains("{%");
                match serde_json::from_str::<String>(&raw) {
                    Ok(text) if !dynamic => tokens.push(Token::Str(text, start_line)),
                    _ => tokens.push(Token::Opaque),
                }
            }
            c if c.is_whitespace() => {
                if c == '\n' {
                    line += 1;
                }
            }
            _ => {
                while let Some(&next) = chars.peek() {
                    if matches!(next, '{' | '}' | '[' | ']' | ':' | ',' | '"')
                        || next.is_whitespace()
                    {
                        break;
                    }
                    chars.next();
                }
                tokens.push(Token::Opaque);
            }
        }
    }
    tokens
}

fn parse_value(tokens: &[Token], at: &mut usize) -> Node {
    let Some(token) = tokens.get(*at) else {
        return Node::Other;
    };
    *at += 1;
    match token {
        Token::Open('{') => {
            let mut members = Vec::new();
            while let Some(token) = tokens.get(*at) {
                match token {
                    Token::Close => {
                        *at += 1;
                        break;
                    }
                    Token::Comma => *at += 1,
                    Token::Str(key, _) if matches!(tokens.get(*at + 1), Some(Token::Colon)) => {
                        let key = key.clone();
                        *at += 2;
                        members.push((key, parse_value(tokens, at)));
                    }
                    _ => {
                        let _ = parse_value(tokens, at);
                    }
                }
            }
            Node::Object(members)
        }
        Token::Open(_) => {
            let mut items = Vec::new();
            while let Some(token) = tokens.get(*at) {
                match token {
                    Token::Close => {
                        *at += 1;
                        break;
                    }
                    Token::Comma | Token::Colon => *at += 1,
                    _ => items.push(parse_value(tokens, at)),
                }
            }
            Node::Array(items)
        }
        Token::Str(text, line) => Node::Str(text.clone(), *line),
        Token::Close | Token::Colon | Token::Comma | Token::Opaque => Node::Other,
    }
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(members) => members
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    fn literal(&self, key: &str) -> Option<(&str, usize)> {
        match self.get(key) {
            Some(Node::Str(text, line)) => Some((text, *line)),
            _ => None,
        }
    }

    fn children(&self) -> Box<dyn Iterator<Item = &Node> + '_> {
        match self {
            Node::Object(members) => Box::new(members.iter().map(|(_, value)| value)),
            Node::Array(items) => Box::new(items.iter()),
            _ => Box::new(std::iter::empty()),
        }
    }
}

const FIELD_TYPES: &[&str] = &[
    "Input",
    "Textarea",
    "Select",
    "DatePicker",
    "Checkbox",
    "RadioGroup",
];

impl Scan {
    fn of(template: &str) -> Self {
        let tokens = tokens(template);
        let mut at = 0;
        let mut scan = Scan::default();
        while at < tokens.len() {
            let node = parse_value(&tokens, &mut at);
            scan.visit(&node);
        }
        scan
    }

    fn visit(&mut self, node: &Node) {
        if let Node::Object(members) = node {
            let node_type = node.literal("type").map(|(text, _)| text);
            for (key, value) in members {
                if (key.ends_with("Action") || key == "action")
                    && let Some((action_type, line)) = value.literal("type")
                {
                    self.actions.push(FoundAction {
                        action_type: action_type.to_owned(),
                        line,
                    });
                }
                let icon_key = matches!(key.as_str(), "iconStart" | "iconEnd" | "icon")
                    || (node_type == Some("Icon") && key == "name");
                if let (true, Node::Str(name, line)) = (icon_key, value) {
                    self.icons.push(Found {
                        name: name.clone(),
                        line: *line,
                    });
                }
            }
            let submit = match node_type {
                Some("Form") => node.get("onSubmitAction"),
                Some("Card") if matches!(node.get("asForm"), Some(Node::Other)) => node
                    .get("confirm")
                    .and_then(|confirm| confirm.get("action")),
                _ => None,
            };
            if let Some((action_type, _)) = submit.and_then(|action| action.literal("type")) {
                let mut fields = Vec::new();
                collect_fields(node, &mut fields);
                for (name, line) in fields {
                    self.form_fields.push(FoundField {
                        action_type: action_type.to_owned(),
                        name,
                        line,
                    });
                }
            }
        }
        for child in node.children() {
            self.visit(child);
        }
    }
}

/// The literal `name`s of the form fields under `node`, not inside a nested form.
fn collect_fields(node: &Node, found: &mut Vec<(String, usize)>) {
    for child in node.children() {
        let child_type = child.literal("type").map(|(text, _)| text);
        if child_type == Some("Form") {
            continue;
        }
        if child_type.is_some_and(|ty| FIELD_TYPES.contains(&ty))
            && let Some((name, line)) = child.literal("name")
        {
            found.push((name.to_owned(), line));
        }
        collect_fields(child, found);
    }
}

#[cfg(test)]
mod tests {
    use super::Scan;

    #[test]
    fn scans_literal_actions_fields_and_icons() {
        let scan = Scan::of(
            r#"{"type": "Card", "children": [
  {%- for t in todos %}
  {"type": "Button", "iconStart": "check", "onClickAction": {"type": "toggle", "payload": {"id": {{ t.id }}}}},
  {"type": "Button", "onClickAction": {{ t.action | tojson }}},
  {"type": "Button", "onClickAction": {"type": "{{ t.kind }}"}},
  {%- endfor %}
  {"type": "Form", "onSubmitAction": {"type": "add_todo"}, "children": [
    {"type": "Input", "name": "title"}, {"type": "Icon", "name": "sparkle"},
    {"type": "Select", "name": {{ field | tojson }}}
  ]}
]}"#,
        );
        let actions: Vec<(&str, usize)> = scan
            .actions
            .iter()
            .map(|a| (a.action_type.as_str(), a.line))
            .collect();
        assert_eq!(actions, [("toggle", 3), ("add_todo", 7)]);
        let fields: Vec<(&str, &str, usize)> = scan
            .form_fields
            .iter()
            .map(|f| (f.action_type.as_str(), f.name.as_str(), f.line))
            .collect();
        assert_eq!(fields, [("add_todo", "title", 8)]);
        let icons: Vec<(&str, usize)> = scan
            .icons
            .iter()
            .map(|i| (i.name.as_str(), i.line))
            .collect();
        assert_eq!(icons, [("check", 3), ("sparkle", 8)]);
    }
}
