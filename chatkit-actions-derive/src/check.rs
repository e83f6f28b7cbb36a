//! The rules of `#[derive(Action)]`, run on the model after parsing, and those of the impl
//! block of `#[action_handler]`, checked against the enum. Each rule pushes its
//! error to the [`Ctxt`] and carries on, so one build reports every mistake.

use std::collections::{HashMap, HashSet};

use quote::ToTokens as _;
use syn::{Fields, Ident, ImplItemFn, Token};

use crate::ast::{EnumInput, Input, Shape, StructInput, TypeName, Variant, unraw};
use crate::case::snake_case;
use crate::ctxt::Ctxt;
use crate::expand::handler::signature;
use crate::pretty::pretty;

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

// ---------------------------------------------------------------------------------------------
// The handler impl of `#[action_handler]`, checked against the enum.

/// A handler is an `async fn`, or returns `impl Future`. A plain `fn` is reported, then made
/// `async`, so that rustc does not add "not a future" for the same mistake.
pub(crate) fn async_handler(cx: &Ctxt, sig: &mut syn::Signature) {
    let returns_future = matches!(&sig.output, syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::ImplTrait(_)));
    if sig.asyncness.is_none() && !returns_future {
        cx.error_spanned_by(
            sig.fn_token,
            format!(
                "the handler `{}` must be an `async fn`\nhelp: make it async: `async fn {}(…)`",
                sig.ident, sig.ident
            ),
        );
        sig.asyncness = Some(Token![async](sig.fn_token.span));
    }
}

/// The rules of one handler method of `#[action_handler]`: `async`, and its parameters bound
/// to the payload's fields by name. `false` when the method broke one (a plain `fn` is made
/// `async` here, so that rustc does not repeat the error).
pub(crate) fn handler_method(
    cx: &Ctxt,
    model: &EnumInput<'_>,
    variant: &Variant<'_>,
    function: &mut ImplItemFn,
    context: &str,
) -> bool {
    let sig = &mut function.sig;
    async_handler(cx, sig);
    let Shape::Struct(fields) = &variant.shape else {
        return true;
    };
    let fields: Vec<(String, &syn::Type)> =
        fields.iter().map(|f| (f.name(), &f.field.ty)).collect();
    let qualified = format!("{}::{}", model.ident, variant.ident);
    params_bound_by_name(cx, sig, &fields, &qualified, &signature(variant, context))
}

/// A handler's parameters are the payload's `fields` (name, type) in their declared order,
/// then the context; `_` and a leading `_` mark a field the handler does not use. `false`
/// when they are not; `signature` is the method to write, for the message.
pub(crate) fn params_bound_by_name(
    cx: &Ctxt,
    sig: &syn::Signature,
    fields: &[(String, &syn::Type)],
    qualified: &str,
    signature: &str,
) -> bool {
    let params: Vec<&syn::PatType> = sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            syn::FnArg::Typed(param) => Some(param),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let expected: Vec<String> = fields
        .iter()
        .map(|(name, ty)| format!("{name}: {}", pretty(&ty.to_token_stream())))
        .collect();
    let list = expected.join(", ");
    if params.len() != fields.len() + 1 {
        cx.error_spanned_by(
            &sig.inputs,
            format!(
                "the handler of `{qualified}` takes its {} fields, then the context\nhelp: write `{signature}`",
                fields.len(),
            ),
        );
        return false;
    }
    let names: Vec<String> = fields.iter().map(|(name, _)| name.clone()).collect();
    let mut misplaced = Vec::new();
    for (param, (field, expected_name)) in params.iter().zip(fields.iter().zip(&names)) {
        let found = match &*param.pat {
            syn::Pat::Wild(_) => continue,
            syn::Pat::Ident(pat) => unraw(&pat.ident),
            other => {
                cx.error_spanned_by(
                    other,
                    format!(
                        "a handler binds each field by its name: this parameter must be named `{expected_name}`\nhelp: destructure it in the body; the parameters of `{qualified}`'s handler are `{list}`"
                    ),
                );
                misplaced.push(None);
                continue;
            }
        };
        // A leading `_` marks a field the handler does not use.
        let bare = found.trim_start_matches('_').to_owned();
        if bare != *expected_name {
            misplaced.push(Some((*param, field, found, bare)));
        }
    }
    if misplaced.is_empty() {
        return true;
    }
    let wrong: Vec<_> = misplaced.iter().flatten().collect();
    let permutation = wrong.len() > 1
        && wrong
            .iter()
            .all(|(_, _, _, bare)| names.iter().any(|n| n == bare));
    if permutation {
        // Fields swapped: one mistake, one error, at the first parameter out of place.
        if let Some((param, field, found, _)) = wrong.first() {
            cx.error_spanned_by(
                &param.pat,
                format!(
                    "the parameter `{found}` stands where the field `{}: {}` of `{qualified}` goes: handler parameters are the payload's fields in their declared order\nhelp: the parameters are `{list}`",
                    field.0,
                    pretty(&field.1.to_token_stream())
                ),
            );
        }
        return false;
    }
    for (param, field, found, bare) in wrong {
        let why = if names.iter().any(|n| n == bare) {
            format!(
                "`{bare}` is another field of `{qualified}`: the fields come in their declared order"
            )
        } else {
            format!("`{qualified}` has no field `{bare}`")
        };
        cx.error_spanned_by(
            &param.pat,
            format!(
                "the parameter `{found}` stands where the field `{}: {}` goes; {why}\nhelp: the parameters are `{list}`",
                field.0,
                pretty(&field.1.to_token_stream())
            ),
        );
    }
    false
}

/// The variant, not yet handled, whose handler a method named `name` most likely misspells.
pub(crate) fn misspelled_handler<'m, 'a>(
    name: &str,
    model: &'m EnumInput<'a>,
    handled: &HashSet<String>,
    claimed: &HashSet<String>,
) -> Option<&'m Variant<'a>> {
    model
        .variants
        .iter()
        .filter_map(|variant| {
            let method = unraw(variant.method.as_ref()?);
            if handled.contains(&method) || claimed.contains(&method) {
                return None;
            }
            let distance = edit_distance(name, &method);
            (distance <= method.chars().count().max(3) / 3).then_some((distance, variant))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, variant)| variant)
}

/// The Levenshtein distance between two names.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        let mut next = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = next.last().copied().unwrap_or(usize::MAX);
            let cost = diagonal + usize::from(ca != *cb);
            next.push(
                cost.min(above.saturating_add(1))
                    .min(left.saturating_add(1)),
            );
            diagonal = above;
        }
        row = next;
    }
    row.last().copied().unwrap_or(0)
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
        assert!(
            errors
                .first()
                .is_some_and(|e| e.starts_with("`#[derive(Action)]` does not support generic"))
        );
        assert!(
            errors
                .get(5)
                .is_some_and(|e| e.starts_with("\"two\" is first used by `Two`"))
        );
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("refesh_all", "refresh_all"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn keyword_variants_pass() {
        let input: syn::DeriveInput = syn::parse_quote! {
            enum Wizard { Continue, Move { to: String }, Type(String), Return }
        };
        assert!(errors(&input).is_empty());
    }
}
