//! Procedural macros of `chatkit-actions`: `#[derive(Action)]`, `#[derive(ActionTypes)]` and
//! `#[action_handler]`.
//!
//! Use them through the `chatkit-actions` crate, which re-exports them with their
//! documentation and provides the items their expansions name.
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proc_macro::TokenStream;
use syn::{DeriveInput, ItemImpl, parse_macro_input};

mod ast;
mod attr;
mod case;
mod ctxt;
mod expand;
mod widget_data;

/// Derives `chatkit_actions::Action`. Documented on its re-export in `chatkit-actions`.
#[proc_macro_derive(Action, attributes(action, serde))]
pub fn derive_action(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive(&input).into()
}

fn derive(input: &DeriveInput) -> proc_macro2::TokenStream {
    let cx = ctxt::Ctxt::new();
    let model = ast::Input::from_syn(&cx, input);
    let krate: syn::Path = syn::parse_quote!(::chatkit_actions);
    match (cx.check(), model) {
        (Ok(()), Some(ast::Input::Enum(input))) => expand::action::expand_enum(&input),
        (Ok(()), Some(ast::Input::Struct(input))) => expand::action::expand_struct(&input),
        (Ok(()), None) => proc_macro2::TokenStream::new(),
        (Err(error), model) => {
            let fallback = match model {
                // A stub impl for a generic type would only add errors of its own.
                Some(_) if !input.generics.params.is_empty() => proc_macro2::TokenStream::new(),
                Some(ast::Input::Enum(input)) => {
                    expand::action::fallback(input.ident, &input.crate_path)
                }
                Some(ast::Input::Struct(input)) => {
                    expand::action::fallback(input.ident, &input.crate_path)
                }
                None => {
                    let _ = krate;
                    proc_macro2::TokenStream::new()
                }
            };
            ctxt::with_fallback(&error, fallback)
        }
    }
}

/// Derives `chatkit_actions::typescript::ActionTypes`. Documented on its re-export in
/// `chatkit-actions` (feature `typescript`).
///
/// It reads the `#[action(…)]` attributes as `#[derive(Action)]` does, and leaves every error
/// in them to that derive, so that each is reported once.
#[proc_macro_derive(ActionTypes, attributes(action, serde, ts, schemars))]
pub fn derive_action_types(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let cx = ctxt::Ctxt::new();
    let model = ast::Input::from_syn(&cx, &input);
    match (cx.check(), model) {
        (Ok(()), Some(ast::Input::Enum(model))) => {
            expand::types::expand_enum(&model, &input).into()
        }
        (Ok(()), Some(ast::Input::Struct(model))) => {
            expand::types::expand_struct(&model, &input).into()
        }
        _ => TokenStream::new(),
    }
}

/// Implements an action enum's handler trait for the type of an impl block. Documented on its
/// re-export in `chatkit-actions`.
#[proc_macro_attribute]
pub fn action_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = parse_macro_input!(args as expand::handler::HandlerArgs);
    let item = parse_macro_input!(item as ItemImpl);
    expand::handler::expand_action_handler(&args, item).into()
}

/// Derives `chatkit_actions::widget::WidgetData`: the struct is the data of a `.widget`
/// template, checked against it at compile time. See `chatkit_actions::widget::WidgetData`
/// and the crate's `docs/templates.md`.
#[proc_macro_derive(WidgetData, attributes(widget, serde))]
pub fn derive_widget_data(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    widget_data::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
