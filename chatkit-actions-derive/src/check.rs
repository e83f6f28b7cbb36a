//! The rules of `#[derive(Action)]`, run on the model after parsing. Each rule pushes its
//! error to the [`Ctxt`] and carries on, so one build reports every mistake.

use std::collections::HashMap;

use quote::ToTokens as _;
use syn::{Fields, Ident};

use crate::ast::{EnumInput, Input, StructInput, TypeName, Variant, unraw};
use crate::case::snake_case;
use crate::ctxt::Ctxt;

/// Runs every rule on `input`.
pub(crate) fn check(cx: &Ctxt, input: &Input<'_>) {
    match input {
        Input::Enum(input) => {
            generics(cx, input.original);
            for variant in &input.variants {
                check_variant(cx, variant);
            }
            unique_types(cx, input);
        }
        Input::Struct(input) => {
            generics(cx, input.original);
            check_struct(cx, input);
        }
        Input::Union(data) => cx.error_spanned_by(
            data.union_token,
            "`#[derive(Action)]` cannot be used on a union\nhelp: declare the actions as an enum, one variant per action type, or a struct with `#[action(type = \"…\")]` for a single action",
        ),
    }
}

fn generics(cx: &Ctxt, input: &syn::DeriveInput) {
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "`#[derive(Action)]` does not support generic parameters\nhelp: an action union is a closed set of concrete types; make the payload types concrete",
        );
    }
}

fn check_struct(cx: &Ctxt, input: &StructInput<'_>) {
    let syn::Data::Struct(data) = &input.original.data else {
        return;
    };
    match &data.fields {
        Fields::Named(_) => {}
        other => cx.error_spanned_by(
            if matches!(other, Fields::Unit) {
                input.ident.to_token_stream()
            } else {
                other.to_token_stream()
            },
            format!(
                "a single typed action is a payload object, so its struct needs named fields\nhelp: write `struct {} {{ id: i64 }}`, or use a unit variant of an action enum for an action without payload",
                input.ident
            ),
        ),
    }
    if !input.attrs.type_name.is_set() {
        cx.error_spanned_by(
            input.ident,
            format!(
                "a struct deriving `Action` needs its action type string\nhelp: add `#[action(type = \"{}\")]` above the struct, or make it the payload of a variant of an action enum",
                snake_case(&input.ident.to_string())
            ),
        );
    }
}

fn check_variant(cx: &Ctxt, variant: &Variant<'_>) {
    let ident = variant.ident;
    if let Fields::Unnamed(fields) = &variant.original.fields
        && fields.unnamed.len() != 1
    {
        cx.error_spanned_by(
            fields,
            format!(
                "the action variant `{ident}` has {} tuple fields, but an action has one payload\nhelp: wrap the values in a payload struct, `{ident}(MyPayload)`, or use named fields, `{ident} {{ a: A, b: B }}`",
                fields.unnamed.len(),
            ),
        );
    }
    if let Some((_, discriminant)) = &variant.original.discriminant {
        cx.error_spanned_by(
            discriminant,
            "action variants cannot have discriminant values",
        );
    }
    let typed = variant.attrs.typed.key_span();
    match (variant.attrs.rename.get(), typed) {
        (Some(rename), Some(_)) => cx.push(syn::Error::new(
            rename.span,
            "`rename` and `typed` cannot be combined: a `typed` variant takes its type string from its payload type\nhelp: remove `rename`, or remove `typed` to name the type here",
        )),
        (None, Some(span)) if !matches!(variant.type_name, TypeName::FromPayload(_)) => {
            cx.push(syn::Error::new(
                span,
                "`#[action(typed)]` needs a newtype variant whose payload type derives `Action` with `#[action(type = \"…\")]`\nhelp: write the variant as `Name(MyPayload)`",
            ));
        }
        _ => {}
    }
    if variant.method.is_none() {
        let name = snake_case(&unraw(ident));
        cx.error_spanned_by(
            ident,
            format!(
                "the handler of `{ident}` would be named `{name}`, a keyword Rust cannot write even as a raw identifier\nhelp: rename the variant, and keep its type string with `#[action(rename = \"{name}\")]`"
            ),
        );
    }
}

/// Two variants with one type string could never both be reached: the second is an error,
/// and the first is named in it.
fn unique_types(cx: &Ctxt, input: &EnumInput<'_>) {
    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    for variant in &input.variants {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(input: &syn::DeriveInput) -> Vec<String> {
        let cx = Ctxt::new();
        let model = Input::from_syn(&cx, input);
        check(&cx, &model);
        cx.check()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_rule_reports_and_carries_on() {
        let input: syn::DeriveInput = syn::parse_quote! {
            enum A<T> {
                One(i64, i64),
                #[action(rename = "two", typed)]
                Two(T),
                #[action(rename = "two")]
                Three,
                Super,
            }
        };
        let errors = errors(&input);
        assert_eq!(errors.len(), 6, "{errors:#?}");
        assert!(errors.first().is_some_and(|e| e.starts_with("`#[derive(Action)]` does not support generic")));
        assert!(errors.get(5).is_some_and(|e| e.starts_with("\"two\" is first used by `Two`")));
    }

    #[test]
    fn keyword_variants_pass() {
        let input: syn::DeriveInput = syn::parse_quote! {
            enum Wizard { Continue, Move { to: String }, Type(String), Return }
        };
        assert!(errors(&input).is_empty());
    }
}
