//! `#[derive(ActionTypes)]`: the TypeScript and JSON Schema description of an action union,
//! through ts-rs and schemars as re-exported by `chatkit-actions` (feature `typescript`).

use proc_macro2::TokenStream;
use quote::{ToTokens as _, format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Attribute, Data, DeriveInput};

use crate::ast::{EnumInput, Field, Shape, StructInput, TypeName};
use crate::pretty::pretty;

/// The doc comment of an item as one string, lines joined as rustdoc reads them.
fn docs(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .collect();
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|line| line.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// `#[schemars(description = "…")]` from the doc comment, unless the item's own `schemars`
/// attributes set one. The doc comment is not copied as such: ts-rs would spread it over the
/// declaration, and the generated module documents each action on its union member.
fn description(attrs: &[Attribute]) -> TokenStream {
    let text = docs(attrs);
    let own = attrs.iter().any(|attr| {
        attr.path().is_ident("schemars")
            && attr
                .meta
                .to_token_stream()
                .to_string()
                .contains("description")
    });
    if text.is_empty() || own {
        quote!()
    } else {
        quote!(#[schemars(description = #text)])
    }
}

/// Whether a field's serde attributes give it a default (`#[serde(default)]` or
/// `#[serde(default = "…")]`), so that the server accepts it absent.
fn has_default(field: &syn::Field) -> bool {
    let mut found = false;
    for attr in field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
    {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                found = true;
            }
            if meta.input.peek(syn::Token![=]) {
                let _ = meta.value()?.parse::<syn::Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|_| Ok(()))?;
            }
            Ok(())
        });
    }
    found
}

/// A hidden struct with the payload's fields that derives `TS` and `JsonSchema`, named
/// `ts_name` in TypeScript and in the schemas.
fn payload_struct(
    krate: &syn::Path,
    hidden: &syn::Ident,
    ts_name: &str,
    item_attrs: &[Attribute],
    fields: &[Field<'_>],
) -> TokenStream {
    let ts = quote!(#krate::__private::ts_rs);
    let schemars = quote!(#krate::__private::schemars);
    let ts_path = pretty(&ts);
    let schemars_path = pretty(&schemars);
    let item_description = description(item_attrs);
    let fields = fields.iter().map(|field| {
        let name = &field.field.ident;
        let ty = &field.field.ty;
        let attrs = field.field.attrs.iter().filter(|attr| {
            ["serde", "ts", "schemars"]
                .iter()
                .any(|key| attr.path().is_ident(key))
        });
        let optional = if has_default(field.field) {
            quote!(#[ts(optional = nullable)])
        } else {
            quote!()
        };
        let field_description = description(&field.field.attrs);
        quote!(#(#attrs)* #field_description #optional #name: #ty)
    });
    quote! {
        #[derive(#ts::TS, #schemars::JsonSchema)]
        #[ts(crate = #ts_path, rename = #ts_name, optional_fields = nullable)]
        #[schemars(crate = #schemars_path, rename = #ts_name)]
        #item_description
        #[allow(non_camel_case_types, dead_code)]
        struct #hidden {
            #( #fields, )*
        }
    }
}

pub(crate) fn expand_enum(input: &EnumInput<'_>, derive: &DeriveInput) -> TokenStream {
    let ident = input.ident;
    let krate = &input.crate_path;
    let no_attrs = Vec::new();
    let mut items = Vec::new();
    let mut calls = Vec::new();
    for variant in &input.variants {
        let name = variant.ident.to_string();
        let attrs = match &derive.data {
            Data::Enum(data) => data
                .variants
                .iter()
                .find(|node| node.ident == *variant.ident)
                .map_or(&no_attrs, |node| &node.attrs),
            _ => &no_attrs,
        };
        let text = docs(attrs);
        match (&variant.type_name, &variant.shape) {
            (TypeName::FromPayload(ty), _) => calls.push(quote_spanned! {ty.span()=>
                <#ty as #krate::typescript::ActionTypes>::describe(
                    &mut #krate::__private::Relabel::new(visitor, #name, #text),
                );
            }),
            (TypeName::Literal(_), Shape::Unit) => calls.push(quote! {
                #krate::typescript::ActionVisitor::unit(visitor, #name, #text);
            }),
            (TypeName::Literal(_), Shape::Newtype(ty)) => calls.push(quote_spanned! {ty.span()=>
                #krate::typescript::ActionVisitor::payload::<#ty>(visitor, #name, #text);
            }),
            (TypeName::Literal(_), Shape::Struct(fields)) => {
                let hidden = format_ident!("__chatkit_types_{}", name);
                items.push(payload_struct(
                    krate,
                    &hidden,
                    &format!("{name}Payload"),
                    attrs,
                    fields,
                ));
                calls.push(quote! {
                    #krate::typescript::ActionVisitor::payload::<#hidden>(visitor, #name, #text);
                });
            }
        }
    }
    quote! {
        const _: () = {
            #( #items )*

            #[automatically_derived]
            impl #krate::typescript::ActionTypes for #ident {
                fn describe<__V: #krate::typescript::ActionVisitor>(visitor: &mut __V) {
                    #( #calls )*
                }
            }
        };
    }
}

pub(crate) fn expand_struct(input: &StructInput<'_>, derive: &DeriveInput) -> TokenStream {
    let ident = input.ident;
    let krate = &input.crate_path;
    let name = ident.to_string();
    let hidden = format_ident!("__chatkit_types_{}", name);
    let item = payload_struct(krate, &hidden, &name, &derive.attrs, &input.fields);
    let text = docs(&derive.attrs);
    quote! {
        const _: () = {
            #item

            #[automatically_derived]
            impl #krate::typescript::ActionTypes for #ident {
                fn describe<__V: #krate::typescript::ActionVisitor>(visitor: &mut __V) {
                    #krate::typescript::ActionVisitor::payload::<#hidden>(visitor, #name, #text);
                }
            }
        };
    }
}
