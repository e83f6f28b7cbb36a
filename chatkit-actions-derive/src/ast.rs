//! A checked model of the derive's input, borrowing from syn and keeping the original nodes
//! for spans. Building it runs every rule; the expander then cannot fail.

use std::collections::HashMap;

use quote::ToTokens as _;
use syn::spanned::Spanned as _;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{Attrs, HandlerKind, Level, LoadingKind};
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
    fn from_attrs(attrs: &Attrs) -> Self {
        Options {
            handler: attrs.handler.as_ref().map(|h| h.value),
            loading: attrs.loading.as_ref().map(|l| l.value),
            streaming: attrs.streaming.as_ref().map(|s| s.value),
            client_payload: attrs.client_payload.is_some(),
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

/// A field of a struct variant.
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
        let attrs = Attrs::parse(cx, &field.attrs, Level::Field);
        Field {
            field,
            form: attrs.form.is_some(),
            sensitive: attrs.sensitive.is_some(),
            wire_name: wire_name(field),
        }
    }
}

/// The key serde reads a field from: `#[serde(rename = "…")]` (or its `deserialize` half)
/// when present, else the identifier without its `r#`. Other serde keys are serde's to check.
fn wire_name(field: &syn::Field) -> String {
    let mut name = field
        .ident
        .as_ref()
        .map(|ident| ident.to_string().trim_start_matches("r#").to_owned())
        .unwrap_or_default();
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

pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) type_name: TypeName<'a>,
    pub(crate) shape: Shape<'a>,
    pub(crate) options: Options,
    /// The handler method's name: the variant's name in snake case.
    pub(crate) method: Ident,
    /// Where the type string is written: the `rename` literal, else the variant's name.
    pub(crate) type_span: proc_macro2::Span,
}

pub(crate) struct EnumInput<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) crate_path: syn::Path,
    pub(crate) variants: Vec<Variant<'a>>,
}

pub(crate) struct StructInput<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) crate_path: syn::Path,
    pub(crate) type_name: String,
    pub(crate) options: Options,
    /// The payload's fields; the derive gives the struct its serde impls from them.
    pub(crate) fields: Vec<Field<'a>>,
}

pub(crate) enum Input<'a> {
    Enum(EnumInput<'a>),
    Struct(StructInput<'a>),
}

fn default_crate_path() -> syn::Path {
    syn::parse_quote!(::chatkit_actions)
}

impl<'a> Input<'a> {
    /// Builds the model, or `None` when the input is not something the derive can describe
    /// at all (a union); every error goes to `cx`.
    pub(crate) fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Input<'a>> {
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                "`#[derive(Action)]` does not support generic parameters\nhelp: an action union is a closed set of concrete types; make the payload types concrete",
            );
        }
        match &input.data {
            Data::Enum(data) => {
                let attrs = Attrs::parse(cx, &input.attrs, Level::Enum);
                let rule = attrs
                    .rename_all
                    .as_ref()
                    .map_or(RenameRule::Snake, |r| r.value);
                let variants = data
                    .variants
                    .iter()
                    .filter_map(|variant| Variant::from_syn(cx, variant, rule))
                    .collect::<Vec<_>>();
                check_unique_types(cx, &variants);
                Some(Input::Enum(EnumInput {
                    ident: &input.ident,
                    vis: &input.vis,
                    crate_path: attrs.crate_path.unwrap_or_else(default_crate_path),
                    variants,
                }))
            }
            Data::Struct(data) => {
                let attrs = Attrs::parse(cx, &input.attrs, Level::Struct);
                let fields = match &data.fields {
                    Fields::Named(fields) => fields
                        .named
                        .iter()
                        .map(|field| Field::from_syn(cx, field))
                        .collect(),
                    other => {
                        cx.error_spanned_by(
                            if matches!(other, Fields::Unit) { input.ident.to_token_stream() } else { other.to_token_stream() },
                            format!(
                                "a single typed action is a payload object, so its struct needs named fields\nhelp: write `struct {} {{ id: i64 }}`, or use a unit variant of an action enum for an action without payload",
                                input.ident
                            ),
                        );
                        Vec::new()
                    }
                };
                let type_name = if let Some(name) = &attrs.type_name {
                    name.value.clone()
                } else {
                    cx.error_spanned_by(
                        &input.ident,
                        format!(
                            "a struct deriving `Action` needs its action type string\nhelp: add `#[action(type = \"{}\")]` above the struct, or make it the payload of a variant of an action enum",
                            snake_case(&input.ident.to_string())
                        ),
                    );
                    String::new()
                };
                Some(Input::Struct(StructInput {
                    ident: &input.ident,
                    crate_path: attrs.crate_path.clone().unwrap_or_else(default_crate_path),
                    type_name,
                    options: Options::from_attrs(&attrs),
                    fields,
                }))
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`#[derive(Action)]` cannot be used on a union\nhelp: declare the actions as an enum, one variant per action type, or a struct with `#[action(type = \"…\")]` for a single action",
                );
                None
            }
        }
    }
}

impl<'a> Variant<'a> {
    fn from_syn(cx: &Ctxt, variant: &'a syn::Variant, rule: RenameRule) -> Option<Variant<'a>> {
        let attrs = Attrs::parse(cx, &variant.attrs, Level::Variant);
        let shape = match &variant.fields {
            Fields::Unit => Shape::Unit,
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                Shape::Newtype(&fields.unnamed.first()?.ty)
            }
            Fields::Unnamed(fields) => {
                cx.error_spanned_by(
                    fields,
                    format!(
                        "the action variant `{}` has {} tuple fields, but an action has one payload\nhelp: wrap the values in a payload struct, `{}(MyPayload)`, or use named fields, `{} {{ a: A, b: B }}`",
                        variant.ident,
                        fields.unnamed.len(),
                        variant.ident,
                        variant.ident
                    ),
                );
                return None;
            }
            Fields::Named(fields) => Shape::Struct(
                fields
                    .named
                    .iter()
                    .map(|field| Field::from_syn(cx, field))
                    .collect(),
            ),
        };
        if let Some((_, discriminant)) = &variant.discriminant {
            cx.error_spanned_by(
                discriminant,
                "action variants cannot have discriminant values",
            );
        }
        let typed = attrs.typed.is_some();
        let type_name = match (&attrs.rename, typed, &shape) {
            (Some(rename), false, _) => TypeName::Literal(rename.value.clone()),
            (None, false, _) => TypeName::Literal(rule.apply(&variant.ident.to_string())),
            (None, true, Shape::Newtype(ty)) => TypeName::FromPayload(ty),
            (Some(rename), true, _) => {
                cx.push(syn::Error::new(
                    rename.span,
                    "`rename` and `typed` cannot be combined: a `typed` variant takes its type string from its payload type\nhelp: remove `rename`, or remove `typed` to name the type here",
                ));
                TypeName::Literal(rename.value.clone())
            }
            (None, true, _) => {
                cx.push(syn::Error::new(
                    attrs.typed.unwrap_or_else(|| variant.ident.span()),
                    "`#[action(typed)]` needs a newtype variant whose payload type derives `Action` with `#[action(type = \"…\")]`\nhelp: write the variant as `Name(MyPayload)`",
                ));
                TypeName::Literal(rule.apply(&variant.ident.to_string()))
            }
        };
        let method = Ident::new(
            &snake_case(&variant.ident.to_string()),
            variant.ident.span(),
        );
        let type_span = attrs
            .rename
            .as_ref()
            .map_or_else(|| variant.ident.span(), |rename| rename.span);
        Some(Variant {
            ident: &variant.ident,
            type_name,
            shape,
            options: Options::from_attrs(&attrs),
            method,
            type_span,
        })
    }
}

/// Two variants with one type string could never both be reached: the second is an error,
/// and the first is named in it.
fn check_unique_types(cx: &Ctxt, variants: &[Variant<'_>]) {
    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    for variant in variants {
        let TypeName::Literal(name) = &variant.type_name else {
            continue;
        };
        if let Some(first) = seen.get(name.as_str()) {
            let mut error = syn::Error::new(
                variant.type_span,
                format!(
                    "duplicate action type string \"{name}\": `{}` and `{first}` would both be sent as \"{name}\"\nhelp: give one of them another type string with `#[action(rename = \"…\")]`",
                    variant.ident
                ),
            );
            error.combine(syn::Error::new(
                first.span(),
                format!("\"{name}\" is first used by `{first}` here"),
            ));
            cx.push(error);
        } else {
            seen.insert(name, variant.ident);
        }
    }
}
