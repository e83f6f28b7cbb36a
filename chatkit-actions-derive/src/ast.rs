//! A typed model of the derive's input, borrowing from syn and keeping the original nodes
//! for spans. Building it parses the attributes; [`crate::check`] then runs the rules, and
//! the expander gets a checked model and cannot fail.

use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{
    DispatchAttrs, EnumAttrs, FieldAttrs, HandlerKind, LoadingKind, StructAttrs, VariantAttrs,
};
use crate::case::{RenameRule, snake_case};
use crate::ctxt::Ctxt;

/// The options of one action type: where it is handled, how it loads, whether it streams.
#[derive(Clone, Copy)]
pub(crate) struct Options {
    pub(crate) handler: Option<HandlerKind>,
    pub(crate) loading: Option<LoadingKind>,
    pub(crate) streaming: Option<bool>,
    pub(crate) client_payload: bool,
}

impl Options {
    fn from_attrs(attrs: &DispatchAttrs) -> Self {
        Options {
            handler: attrs.handler.get().copied(),
            loading: attrs.loading.get().copied(),
            streaming: attrs.streaming.get().copied(),
            client_payload: attrs.client_payload.is_set(),
        }
    }

    pub(crate) fn is_client(self) -> bool {
        matches!(self.handler, Some(HandlerKind::Client))
    }

    pub(crate) fn is_sync(self) -> bool {
        self.streaming == Some(false)
    }
}

/// Where a variant's type string comes from.
pub(crate) enum TypeName<'a> {
    /// Written in the attribute or derived from the variant's name.
    Literal(String),
    /// `#[action(typed)]`: taken from the payload type's `SingleAction::SPEC`.
    FromPayload(&'a Type),
}

/// The payload of a variant.
pub(crate) enum Shape<'a> {
    Unit,
    Newtype(&'a Type),
    Struct(Vec<Field<'a>>),
}

impl Shape<'_> {
    pub(crate) fn fields(&self) -> &[Field<'_>] {
        match self {
            Shape::Struct(fields) => fields,
            Shape::Unit | Shape::Newtype(_) => &[],
        }
    }
}

/// A field of a struct variant or of a single-action struct.
pub(crate) struct Field<'a> {
    #[expect(
        clippy::struct_field_names,
        reason = "the syn node of the field; `f.field.ty` reads best at the use sites"
    )]
    pub(crate) field: &'a syn::Field,
    /// `#[action(form)]`: filled in by the client from a form input, so the server never
    /// writes it into the payload it puts in a widget.
    pub(crate) form: bool,
    /// `#[action(sensitive)]`: its value never appears in a parse error or a log line.
    pub(crate) sensitive: bool,
    /// Its key in the payload object: the `#[serde(rename = "…")]` name, else the field's.
    pub(crate) wire_name: String,
}

impl<'a> Field<'a> {
    fn from_syn(cx: &Ctxt, field: &'a syn::Field) -> Field<'a> {
        let attrs = FieldAttrs::parse(cx, &field.attrs);
        Field {
            field,
            form: attrs.form.is_set(),
            sensitive: attrs.sensitive.is_set(),
            wire_name: wire_name(field),
        }
    }

    /// The field's name without `r#`, as a handler parameter must spell it.
    pub(crate) fn name(&self) -> String {
        self.field.ident.as_ref().map(unraw).unwrap_or_default()
    }
}

/// An identifier's text without its `r#`.
pub(crate) fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#")
        .map_or_else(|| text.clone(), str::to_owned)
}

/// The key serde reads a field from: `#[serde(rename = "…")]` (or its `deserialize` half)
/// when present, else the identifier without its `r#`. Other serde keys are serde's to check.
fn wire_name(field: &syn::Field) -> String {
    let mut name = field.ident.as_ref().map(unraw).unwrap_or_default();
    for attr in field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
    {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if meta.input.peek(syn::Token![=]) {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    name = lit.value();
                } else {
                    meta.parse_nested_meta(|inner| {
                        let lit: syn::LitStr = inner.value()?.parse()?;
                        if inner.path.is_ident("deserialize") {
                            name = lit.value();
                        }
                        Ok(())
                    })?;
                }
            } else if meta.input.peek(syn::Token![=]) {
                let _ = meta.value()?.parse::<syn::Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|_| Ok(()))?;
            }
            Ok(())
        });
    }
    name
}

/// The handler method of a variant: its `snake_case` name, as a raw identifier when that
/// name is a keyword (`Continue` → `r#continue`). `None` for the few keywords Rust cannot
/// write even raw (`self`, `super`, `crate`, `Self`), which [`crate::check`] reports.
pub(crate) fn method_ident(variant: &Ident) -> Option<Ident> {
    let name = snake_case(&unraw(variant));
    let span = variant.span();
    if matches!(name.as_str(), "self" | "super" | "crate" | "Self" | "_") {
        return None;
    }
    if KEYWORDS.contains(&name.as_str()) {
        Some(Ident::new_raw(&name, span))
    } else {
        syn::parse_str::<Ident>(&name)
            .ok()
            .map(|_| Ident::new(&name, span))
    }
}

/// Rust's strict and reserved keywords in every edition (`gen` since 2024, `async`, `await`,
/// `dyn` and `try` since 2018): a handler named so is written raw, whatever the user's edition.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

pub(crate) struct Variant<'a> {
    pub(crate) original: &'a syn::Variant,
    pub(crate) ident: &'a Ident,
    pub(crate) attrs: VariantAttrs,
    pub(crate) type_name: TypeName<'a>,
    pub(crate) shape: Shape<'a>,
    pub(crate) options: Options,
    /// The handler method's name: the variant's name in snake case (raw when a keyword).
    pub(crate) method: Option<Ident>,
    /// Where the type string is written: the `rename` literal, else the variant's name.
    pub(crate) type_span: Span,
}

pub(crate) struct EnumInput<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) crate_path: syn::Path,
    pub(crate) variants: Vec<Variant<'a>>,
}

pub(crate) struct StructInput<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) ident: &'a Ident,
    pub(crate) crate_path: syn::Path,
    pub(crate) attrs: StructAttrs,
    pub(crate) type_name: String,
    pub(crate) options: Options,
    /// The payload's fields (none for a tuple or unit struct, which the check rejects).
    pub(crate) fields: Vec<Field<'a>>,
}

#[expect(
    clippy::large_enum_variant,
    reason = "built once per derive and never moved around"
)]
pub(crate) enum Input<'a> {
    Enum(EnumInput<'a>),
    Struct(StructInput<'a>),
    /// A union: nothing the derive can describe.
    Union(&'a syn::DataUnion),
}

impl Input<'_> {
    pub(crate) fn ident(&self) -> Option<&Ident> {
        match self {
            Input::Enum(input) => Some(input.ident),
            Input::Struct(input) => Some(input.ident),
            Input::Union(_) => None,
        }
    }

    pub(crate) fn crate_path(&self) -> syn::Path {
        match self {
            Input::Enum(input) => input.crate_path.clone(),
            Input::Struct(input) => input.crate_path.clone(),
            Input::Union(_) => default_crate_path(),
        }
    }
}

pub(crate) fn default_crate_path() -> syn::Path {
    syn::parse_quote!(::chatkit_actions)
}

impl<'a> Input<'a> {
    /// Builds the model; every attribute error goes to `cx`.
    pub(crate) fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Input<'a> {
        match &input.data {
            Data::Enum(data) => {
                let attrs = EnumAttrs::parse(cx, &input.attrs);
                let rule = attrs.rename_all.get().copied().unwrap_or(RenameRule::Snake);
                let variants = data
                    .variants
                    .iter()
                    .map(|variant| Variant::from_syn(cx, variant, rule))
                    .collect();
                Input::Enum(EnumInput {
                    original: input,
                    ident: &input.ident,
                    vis: &input.vis,
                    crate_path: attrs.crate_path.take().unwrap_or_else(default_crate_path),
                    variants,
                })
            }
            Data::Struct(data) => {
                let attrs = StructAttrs::parse(cx, &input.attrs);
                let fields = match &data.fields {
                    Fields::Named(fields) => fields
                        .named
                        .iter()
                        .map(|field| Field::from_syn(cx, field))
                        .collect(),
                    Fields::Unnamed(_) | Fields::Unit => Vec::new(),
                };
                Input::Struct(StructInput {
                    original: input,
                    ident: &input.ident,
                    crate_path: attrs
                        .crate_path
                        .get()
                        .cloned()
                        .unwrap_or_else(default_crate_path),
                    type_name: attrs
                        .type_name
                        .get()
                        .map(|name| name.value.clone())
                        .unwrap_or_default(),
                    options: Options::from_attrs(&attrs.dispatch),
                    attrs,
                    fields,
                })
            }
            Data::Union(data) => Input::Union(data),
        }
    }
}

impl<'a> Variant<'a> {
    fn from_syn(cx: &Ctxt, variant: &'a syn::Variant, rule: RenameRule) -> Variant<'a> {
        let attrs = VariantAttrs::parse(cx, &variant.attrs);
        let shape = match &variant.fields {
            Fields::Unit => Shape::Unit,
            Fields::Unnamed(fields) => match fields.unnamed.first() {
                Some(field) if fields.unnamed.len() == 1 => Shape::Newtype(&field.ty),
                // Several tuple fields: the check reports it; no payload is modelled.
                _ => Shape::Unit,
            },
            Fields::Named(fields) => Shape::Struct(
                fields
                    .named
                    .iter()
                    .map(|field| Field::from_syn(cx, field))
                    .collect(),
            ),
        };
        let type_name = match (attrs.rename.get(), attrs.typed.is_set(), &shape) {
            (Some(rename), _, _) => TypeName::Literal(rename.value.clone()),
            (None, true, Shape::Newtype(ty)) => TypeName::FromPayload(ty),
            (None, _, _) => TypeName::Literal(rule.apply(&unraw(&variant.ident))),
        };
        let type_span = attrs
            .rename
            .get()
            .map_or_else(|| variant.ident.span(), |rename| rename.span);
        Variant {
            original: variant,
            ident: &variant.ident,
            type_name,
            shape,
            options: Options::from_attrs(&attrs.dispatch),
            method: method_ident(&variant.ident),
            type_span,
            attrs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_methods_are_raw() {
        let method = |name: &str| method_ident(&Ident::new(name, Span::call_site()));
        assert_eq!(
            method("Continue").map(|m| m.to_string()).as_deref(),
            Some("r#continue")
        );
        assert_eq!(
            method("Type").map(|m| m.to_string()).as_deref(),
            Some("r#type")
        );
        assert_eq!(
            method("Gen").map(|m| m.to_string()).as_deref(),
            Some("r#gen")
        );
        assert_eq!(
            method("RefreshAll").map(|m| m.to_string()).as_deref(),
            Some("refresh_all")
        );
        assert!(method("Super").is_none());
        assert!(method("Crate").is_none());
    }
}
