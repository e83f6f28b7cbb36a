//! Parsing of the `#[action(…)]` helper attribute: one typed struct per level (the enum, a
//! single-action struct, a variant, a field), each value remembering the tokens of its key so
//! that a duplicate points at both. Parsing reports every bad key or value to the [`Ctxt`] and
//! carries on.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, LitBool, LitStr};

use crate::case::{RULE_NAMES, RenameRule};
use crate::ctxt::Ctxt;

/// One key's value, with the tokens of the key that set it.
pub(crate) struct Attr<T> {
    name: &'static str,
    set: Option<(TokenStream, T)>,
}

impl<T> Attr<T> {
    fn none(name: &'static str) -> Self {
        Attr { name, set: None }
    }

    /// Sets the value; a second setting is an error at its key, with a second error at the
    /// first key ("first defined here").
    fn set(&mut self, cx: &Ctxt, key: &syn::Path, value: T) {
        if let Some((first, _)) = &self.set {
            let name = self.name;
            let mut error = syn::Error::new_spanned(
                key,
                format!("duplicate `action` attribute key `{name}`\nhelp: remove one of them"),
            );
            error.combine(syn::Error::new_spanned(
                first,
                format!("`{name}` is first defined here"),
            ));
            cx.push(error);
        } else {
            self.set = Some((key.to_token_stream(), value));
        }
    }

    pub(crate) fn get(&self) -> Option<&T> {
        self.set.as_ref().map(|(_, value)| value)
    }

    pub(crate) fn take(self) -> Option<T> {
        self.set.map(|(_, value)| value)
    }

    pub(crate) fn is_set(&self) -> bool {
        self.set.is_some()
    }

    /// The span of the key that set the value.
    pub(crate) fn key_span(&self) -> Option<Span> {
        self.set.as_ref().map(|(key, _)| key.span())
    }
}

/// A value with the span of its literal, for errors about the value itself.
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

/// The dispatch options a struct and a variant share.
pub(crate) struct DispatchAttrs {
    pub(crate) handler: Attr<HandlerKind>,
    pub(crate) loading: Attr<LoadingKind>,
    pub(crate) streaming: Attr<bool>,
    pub(crate) client_payload: Attr<()>,
}

impl DispatchAttrs {
    fn new() -> Self {
        DispatchAttrs {
            handler: Attr::none("handler"),
            loading: Attr::none("loading"),
            streaming: Attr::none("streaming"),
            client_payload: Attr::none("client_payload"),
        }
    }

    /// Parses `key` if it is a dispatch option; `false` when it is not one.
    fn key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> bool {
        let path = &meta.path;
        match key {
            "client_payload" => self.client_payload.set(cx, path, ()),
            "streaming" => {
                if let Some(lit) =
                    value::<LitBool>(cx, meta, "`streaming = false` or `streaming = true`")
                {
                    self.streaming.set(cx, path, lit.value);
                }
            }
            "handler" => {
                let Some(lit) = value::<LitStr>(cx, meta, "`handler = \"…\"`") else {
                    return true;
                };
                match lit.value().as_str() {
                    "server" => self.handler.set(cx, path, HandlerKind::Server),
                    "client" => self.handler.set(cx, path, HandlerKind::Client),
                    other => cx.error_spanned_by(
                        &lit,
                        format!("unknown handler `handler = \"{other}\"`\nhelp: use `handler = \"server\"` (the default) or `handler = \"client\"`"),
                    ),
                }
            }
            "loading" => {
                let Some(lit) = value::<LitStr>(cx, meta, "`loading = \"…\"`") else {
                    return true;
                };
                let kind = match lit.value().as_str() {
                    "auto" => LoadingKind::Auto,
                    "none" => LoadingKind::None,
                    "self" => LoadingKind::SelfNode,
                    "container" => LoadingKind::Container,
                    other => {
                        cx.error_spanned_by(
                            &lit,
                            format!("unknown loading behavior `loading = \"{other}\"`\nhelp: use one of \"auto\" (the default), \"none\", \"self\", \"container\""),
                        );
                        return true;
                    }
                };
                self.loading.set(cx, path, kind);
            }
            _ => return false,
        }
        true
    }
}

/// `#[action(…)]` on an action enum.
pub(crate) struct EnumAttrs {
    pub(crate) rename_all: Attr<RenameRule>,
    pub(crate) crate_path: Attr<syn::Path>,
}

/// `#[action(…)]` on a struct deriving `Action`: a single typed action.
pub(crate) struct StructAttrs {
    pub(crate) type_name: Attr<Spanned<String>>,
    pub(crate) crate_path: Attr<syn::Path>,
    pub(crate) dispatch: DispatchAttrs,
}

/// `#[action(…)]` on a variant of an action enum.
pub(crate) struct VariantAttrs {
    pub(crate) rename: Attr<Spanned<String>>,
    pub(crate) typed: Attr<()>,
    pub(crate) dispatch: DispatchAttrs,
}

/// `#[action(…)]` on a payload field.
pub(crate) struct FieldAttrs {
    pub(crate) form: Attr<()>,
    pub(crate) sensitive: Attr<()>,
}

/// What each level's attribute struct provides to the shared parsing loop.
trait Level {
    /// "an enum", "a variant", …
    const NAME: &'static str;
    /// The keys this level accepts, as listed in error messages.
    const KEYS: &'static str;
    /// Parses `key`; `false` when this level does not know it.
    fn key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> bool;
}

impl Level for EnumAttrs {
    const NAME: &'static str = "an enum";
    const KEYS: &'static str = "`rename_all`, `crate`";
    fn key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> bool {
        match key {
            "rename_all" => {
                if let Some(lit) = value::<LitStr>(cx, meta, "`rename_all = \"…\"`") {
                    match RenameRule::from_name(&lit.value()) {
                        Some(rule) => self.rename_all.set(cx, &meta.path, rule),
                        None => cx.error_spanned_by(
                            &lit,
                            format!(
                                "unknown rename rule `rename_all = \"{}\"`\nhelp: use one of {RULE_NAMES}",
                                lit.value()
                            ),
                        ),
                    }
                }
                true
            }
            "crate" => {
                crate_key(cx, meta, &mut self.crate_path);
                true
            }
            _ => false,
        }
    }
}

impl Level for StructAttrs {
    const NAME: &'static str = "a struct";
    const KEYS: &'static str =
        "`type`, `handler`, `loading`, `streaming`, `client_payload`, `crate`";
    fn key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> bool {
        match key {
            "type" => {
                if let Some(name) = type_string(cx, meta, key) {
                    self.type_name.set(cx, &meta.path, name);
                }
                true
            }
            "crate" => {
                crate_key(cx, meta, &mut self.crate_path);
                true
            }
            _ => self.dispatch.key(cx, meta, key),
        }
    }
}

impl Level for VariantAttrs {
    const NAME: &'static str = "a variant";
    const KEYS: &'static str =
        "`rename`, `typed`, `handler`, `loading`, `streaming`, `client_payload`";
    fn key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> bool {
        match key {
            "rename" => {
                if let Some(name) = type_string(cx, meta, key) {
                    self.rename.set(cx, &meta.path, name);
                }
                true
            }
            "typed" => {
                self.typed.set(cx, &meta.path, ());
                true
            }
            _ => self.dispatch.key(cx, meta, key),
        }
    }
}

impl Level for FieldAttrs {
    const NAME: &'static str = "a field";
    const KEYS: &'static str = "`form`, `sensitive`";
    fn key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> bool {
        match key {
            "form" => self.form.set(cx, &meta.path, ()),
            "sensitive" => self.sensitive.set(cx, &meta.path, ()),
            _ => return false,
        }
        true
    }
}

impl EnumAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        parse(
            cx,
            attrs,
            EnumAttrs {
                rename_all: Attr::none("rename_all"),
                crate_path: Attr::none("crate"),
            },
        )
    }
}

impl StructAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        parse(
            cx,
            attrs,
            StructAttrs {
                type_name: Attr::none("type"),
                crate_path: Attr::none("crate"),
                dispatch: DispatchAttrs::new(),
            },
        )
    }
}

impl VariantAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        parse(
            cx,
            attrs,
            VariantAttrs {
                rename: Attr::none("rename"),
                typed: Attr::none("typed"),
                dispatch: DispatchAttrs::new(),
            },
        )
    }
}

impl FieldAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        parse(
            cx,
            attrs,
            FieldAttrs {
                form: Attr::none("form"),
                sensitive: Attr::none("sensitive"),
            },
        )
    }
}

/// Parses every `#[action(…)]` among `attrs` into `out`.
fn parse<L: Level>(cx: &Ctxt, attrs: &[Attribute], mut out: L) -> L {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("action")) {
        if let syn::Meta::Path(path) = &attr.meta {
            cx.error_spanned_by(
                path,
                format!(
                    "expected `#[action(…)]` with keys\nhelp: the keys on {} are {}",
                    L::NAME,
                    L::KEYS
                ),
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            let key = path
                .get_ident()
                .map_or_else(|| quote::quote!(#path).to_string(), ToString::to_string);
            if !out.key(cx, &meta, &key) {
                cx.error_spanned_by(
                    path,
                    format!(
                        "unknown `action` attribute key `{key}` on {}\nhelp: the keys on {} are {}",
                        L::NAME,
                        L::NAME,
                        L::KEYS
                    ),
                );
                skip_value(&meta);
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    out
}

/// Skips the value of an unknown key, if any, so parsing goes on with the next key.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    if meta.input.peek(syn::Token![=]) {
        let _ = meta
            .value()
            .and_then(syn::parse::ParseBuffer::parse::<syn::Expr>);
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|_| Ok(()));
    }
}

/// `rename = "…"` or `type = "…"`: a non-empty type string.
fn type_string(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> Option<Spanned<String>> {
    let lit = value::<LitStr>(cx, meta, &format!("`{key} = \"…\"`"))?;
    let text = lit.value();
    if text.is_empty() {
        cx.error_spanned_by(
            &lit,
            format!("the action type string in `{key}` must not be empty"),
        );
        return None;
    }
    Some(Spanned {
        value: text,
        span: lit.span(),
    })
}

/// `crate = "path::to::chatkit_actions"`.
fn crate_key(cx: &Ctxt, meta: &ParseNestedMeta<'_>, slot: &mut Attr<syn::Path>) {
    if let Some(lit) = value::<LitStr>(cx, meta, "`crate = \"path::to::chatkit_actions\"`") {
        match lit.parse::<syn::Path>() {
            Ok(path) => slot.set(cx, &meta.path, path),
            Err(_) => cx.error_spanned_by(
                &lit,
                "`crate` must be a path, such as `crate = \"my_facade::chatkit_actions\"`",
            ),
        }
    }
}

/// The `= value` of a key, or an error naming the expected form (and the rest of the value
/// skipped, so the next key can be read).
fn value<T: syn::parse::Parse>(cx: &Ctxt, meta: &ParseNestedMeta<'_>, expected: &str) -> Option<T> {
    match meta.value().and_then(syn::parse::ParseBuffer::parse::<T>) {
        Ok(value) => Some(value),
        Err(error) => {
            cx.push(syn::Error::new(
                error.span(),
                format!("expected {expected}"),
            ));
            let _ = meta.input.parse::<syn::Expr>();
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(cx: Ctxt) -> Vec<String> {
        cx.check()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn duplicate_points_at_both_keys() {
        let cx = Ctxt::new();
        let attrs: Vec<Attribute> = vec![syn::parse_quote!(#[action(rename = "a", rename = "b")])];
        let parsed = VariantAttrs::parse(&cx, &attrs);
        assert_eq!(parsed.rename.get().map(|n| n.value.as_str()), Some("a"));
        assert_eq!(
            errors(cx),
            [
                "duplicate `action` attribute key `rename`\nhelp: remove one of them",
                "`rename` is first defined here"
            ]
        );
    }

    #[test]
    fn every_bad_key_is_reported() {
        let cx = Ctxt::new();
        let attrs: Vec<Attribute> = vec![
            syn::parse_quote!(#[action(handler = "browser", nope, streaming = "yes")]),
            syn::parse_quote!(#[action(form)]),
        ];
        let parsed = VariantAttrs::parse(&cx, &attrs);
        assert!(!parsed.dispatch.handler.is_set());
        assert_eq!(errors(cx).len(), 4);
    }

    #[test]
    fn levels_accept_their_own_keys() {
        let cx = Ctxt::new();
        let field: Vec<Attribute> = vec![syn::parse_quote!(#[action(form, sensitive)])];
        let parsed = FieldAttrs::parse(&cx, &field);
        assert!(parsed.form.is_set() && parsed.sensitive.is_set());
        let item: Vec<Attribute> =
            vec![syn::parse_quote!(#[action(type = "t", crate = "x::y", loading = "none")])];
        let parsed = StructAttrs::parse(&cx, &item);
        assert!(parsed.crate_path.is_set() && parsed.dispatch.loading.is_set());
        assert!(errors(cx).is_empty());
    }
}
