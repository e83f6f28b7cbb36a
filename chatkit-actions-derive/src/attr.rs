//! Parsing of the `#[action(…)]` helper attribute, one typed struct per level. Parsing
//! reports every bad key or value to the [`Ctxt`] and carries on.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, LitBool, LitStr};

use crate::case::{RULE_NAMES, RenameRule};
use crate::ctxt::Ctxt;

/// Where an attribute sits, which decides the keys it accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Enum,
    Struct,
    Variant,
    Field,
}

impl Level {
    fn keys(self) -> &'static str {
        match self {
            Level::Enum => "`rename_all`, `crate`",
            Level::Struct => "`type`, `handler`, `loading`, `streaming`, `client_payload`, `crate`",
            Level::Variant => {
                "`rename`, `typed`, `handler`, `loading`, `streaming`, `client_payload`"
            }
            Level::Field => "`form`, `sensitive`",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Level::Enum => "an enum",
            Level::Struct => "a struct",
            Level::Variant => "a variant",
            Level::Field => "a field",
        }
    }
}

/// The values a key may take, with their span for later errors.
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// `handler = "server" | "client"`.
#[derive(Clone, Copy)]
pub(crate) enum HandlerKind {
    Server,
    Client,
}

/// `loading = "auto" | "none" | "self" | "container"`.
#[derive(Clone, Copy)]
pub(crate) enum LoadingKind {
    Auto,
    None,
    SelfNode,
    Container,
}

/// Every key of every level; which ones are allowed is checked while parsing.
#[derive(Default)]
pub(crate) struct Attrs {
    pub(crate) rename: Option<Spanned<String>>,
    pub(crate) rename_all: Option<Spanned<RenameRule>>,
    pub(crate) type_name: Option<Spanned<String>>,
    pub(crate) crate_path: Option<syn::Path>,
    pub(crate) handler: Option<Spanned<HandlerKind>>,
    pub(crate) loading: Option<Spanned<LoadingKind>>,
    pub(crate) streaming: Option<Spanned<bool>>,
    pub(crate) client_payload: Option<Span>,
    pub(crate) typed: Option<Span>,
    pub(crate) form: Option<Span>,
    pub(crate) sensitive: Option<Span>,
}

impl Attrs {
    /// Parses every `#[action(…)]` among `attrs` for an item at `level`.
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute], level: Level) -> Attrs {
        let mut out = Attrs::default();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("action")) {
            if let syn::Meta::Path(path) = &attr.meta {
                cx.error_spanned_by(
                    path,
                    format!(
                        "expected `#[action(…)]` with keys\nhelp: the keys on {} are {}",
                        level.name(),
                        level.keys()
                    ),
                );
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                out.parse_key(cx, &meta, level);
                Ok(())
            });
            if let Err(error) = result {
                cx.push(error);
            }
        }
        out
    }

    fn parse_key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>, level: Level) {
        let path = &meta.path;
        let key = path
            .get_ident()
            .map_or_else(|| quote::quote!(#path).to_string(), ToString::to_string);
        let allowed = match key.as_str() {
            "rename" | "typed" => level == Level::Variant,
            "form" | "sensitive" => level == Level::Field,
            "rename_all" => level == Level::Enum,
            "type" => level == Level::Struct,
            "crate" => matches!(level, Level::Enum | Level::Struct),
            "handler" | "loading" | "streaming" | "client_payload" => {
                matches!(level, Level::Struct | Level::Variant)
            }
            _ => false,
        };
        if !allowed {
            cx.error_spanned_by(
                path,
                format!(
                    "unknown `action` attribute key `{key}` on {}\nhelp: the keys on {} are {}",
                    level.name(),
                    level.name(),
                    level.keys()
                ),
            );
            // Skip the value, if any, so parsing goes on with the next key.
            if meta.input.peek(syn::Token![=]) {
                let _ = meta
                    .value()
                    .and_then(syn::parse::ParseBuffer::parse::<syn::Expr>);
            } else if meta.input.peek(syn::token::Paren) {
                let _ = meta.parse_nested_meta(|_| Ok(()));
            }
            return;
        }
        match key.as_str() {
            "client_payload" => set_flag(cx, path, &mut self.client_payload),
            "typed" => set_flag(cx, path, &mut self.typed),
            "form" => set_flag(cx, path, &mut self.form),
            "sensitive" => set_flag(cx, path, &mut self.sensitive),
            "streaming" => {
                if let Some(lit) =
                    value::<LitBool>(cx, meta, "`streaming = false` or `streaming = true`")
                {
                    set(
                        cx,
                        path,
                        &mut self.streaming,
                        Spanned {
                            value: lit.value,
                            span: lit.span(),
                        },
                    );
                }
            }
            "crate" => {
                if let Some(lit) =
                    value::<LitStr>(cx, meta, "`crate = \"path::to::chatkit_actions\"`")
                {
                    match lit.parse::<syn::Path>() {
                        Ok(parsed) if self.crate_path.is_none() => self.crate_path = Some(parsed),
                        Ok(_) => duplicate(cx, path),
                        Err(_) => cx.error_spanned_by(&lit, "`crate` must be a path, such as `crate = \"my_facade::chatkit_actions\"`"),
                    }
                }
            }
            _ => self.parse_string_key(cx, meta, &key),
        }
    }

    fn parse_string_key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) {
        let path = &meta.path;
        let Some(lit) = value::<LitStr>(cx, meta, &format!("`{key} = \"…\"`")) else {
            return;
        };
        let text = lit.value();
        let span = lit.span();
        match key {
            "rename" | "type" => {
                if text.is_empty() {
                    cx.error_spanned_by(&lit, format!("the action type string in `{key}` must not be empty"));
                    return;
                }
                let slot = if key == "rename" { &mut self.rename } else { &mut self.type_name };
                set(cx, path, slot, Spanned { value: text, span });
            }
            "rename_all" => match RenameRule::from_name(&text) {
                Some(rule) => set(cx, path, &mut self.rename_all, Spanned { value: rule, span }),
                None => cx.error_spanned_by(
                    &lit,
                    format!("unknown rename rule `rename_all = \"{text}\"`\nhelp: use one of {RULE_NAMES}"),
                ),
            },
            "handler" => {
                let kind = match text.as_str() {
                    "server" => HandlerKind::Server,
                    "client" => HandlerKind::Client,
                    _ => {
                        cx.error_spanned_by(
                            &lit,
                            format!("unknown handler `handler = \"{text}\"`\nhelp: use `handler = \"server\"` (the default) or `handler = \"client\"`"),
                        );
                        return;
                    }
                };
                set(cx, path, &mut self.handler, Spanned { value: kind, span });
            }
            "loading" => {
                let kind = match text.as_str() {
                    "auto" => LoadingKind::Auto,
                    "none" => LoadingKind::None,
                    "self" => LoadingKind::SelfNode,
                    "container" => LoadingKind::Container,
                    _ => {
                        cx.error_spanned_by(
                            &lit,
                            format!("unknown loading behavior `loading = \"{text}\"`\nhelp: use one of \"auto\" (the default), \"none\", \"self\", \"container\""),
                        );
                        return;
                    }
                };
                set(cx, path, &mut self.loading, Spanned { value: kind, span });
            }
            _ => {}
        }
    }
}

fn value<T: syn::parse::Parse>(cx: &Ctxt, meta: &ParseNestedMeta<'_>, expected: &str) -> Option<T> {
    let path = &meta.path;
    let parsed = meta.value().and_then(syn::parse::ParseBuffer::parse::<T>);
    match parsed {
        Ok(value) => Some(value),
        Err(error) => {
            cx.push(syn::Error::new(
                error.span(),
                format!("expected {expected}"),
            ));
            let _ = path;
            // Skip whatever stands there so the next key can be read.
            let _ = meta.input.parse::<syn::Expr>();
            None
        }
    }
}

fn duplicate(cx: &Ctxt, path: &syn::Path) {
    let key = path
        .get_ident()
        .map_or_else(String::new, ToString::to_string);
    cx.error_spanned_by(
        path,
        format!("duplicate `action` attribute key `{key}`\nhelp: remove one of them"),
    );
}

fn set<T>(cx: &Ctxt, path: &syn::Path, slot: &mut Option<T>, value: T) {
    if slot.is_some() {
        duplicate(cx, path);
    } else {
        *slot = Some(value);
    }
}

fn set_flag(cx: &Ctxt, path: &syn::Path, slot: &mut Option<Span>) {
    if slot.is_some() {
        duplicate(cx, path);
    } else {
        *slot = Some(path.span());
    }
}
