//! Code generation from the checked model, behind the entry points: each tries its
//! expansion and, on bad input, falls back to the errors beside a stand-in. Nothing in the
//! expanders themselves can fail.

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::ast::Input;
use crate::check;
use crate::ctxt::Ctxt;

pub(crate) mod action;
pub(crate) mod handler;
pub(crate) mod types;

/// `#[derive(Action)]`: the expansion, or the errors beside a stand-in.
pub(crate) fn derive_action(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let model = Input::from_syn(&cx, input);
    check::check(&cx, &model);
    match cx.check() {
        Ok(()) => try_expand(&model),
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(fallback(input, &model));
            tokens
        }
    }
}

fn try_expand(model: &Input<'_>) -> TokenStream {
    match model {
        Input::Enum(input) => action::expand_enum(input),
        Input::Struct(input) => action::expand_struct(input),
        Input::Union(_) => TokenStream::new(),
    }
}

/// What stands in place of the real impls when the input has errors, so that uses of the
/// type elsewhere (and an `#[action_handler]` on it) do not add errors of their own. A
/// generic type gets none: a stub for it would only add errors of its own.
fn fallback(input: &DeriveInput, model: &Input<'_>) -> TokenStream {
    let Some(ident) = model.ident() else {
        return TokenStream::new();
    };
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let krate = model.crate_path();
    let mut tokens = action::stub_impl(ident, &krate);
    if let Input::Enum(_) = model {
        tokens.extend(handler::handler_macro(ident, &krate, None));
    }
    tokens
}

/// `#[derive(ActionTypes)]`: nothing on bad input, whose errors `#[derive(Action)]` reports.
pub(crate) fn derive_action_types(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let model = Input::from_syn(&cx, input);
    check::check(&cx, &model);
    match (cx.check(), &model) {
        (Ok(()), Input::Enum(model)) => types::expand_enum(model, input),
        (Ok(()), Input::Struct(model)) => types::expand_struct(model, input),
        _ => TokenStream::new(),
    }
}

/// Renders tokens the way a person writes them, for type signatures quoted in messages.
pub(crate) fn pretty(tokens: &TokenStream) -> String {
    let mut text = tokens.to_string();
    for (from, to) in [
        (" :: ", "::"),
        (" : ", ": "),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        ("' ", "'"),
    ] {
        text = text.replace(from, to);
    }
    text
}
