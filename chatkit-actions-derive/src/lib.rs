//! Procedural macros of `chatkit-actions`: `#[derive(Action)]` and `#[action_handler]`.
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

/// Implements an action enum's handler trait for the type of an impl block. Documented on its
/// re-export in `chatkit-actions`.
#[proc_macro_attribute]
pub fn action_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = parse_macro_input!(args as expand::handler::HandlerArgs);
    let item = parse_macro_input!(item as ItemImpl);
    expand::handler::expand_action_handler(&args, item).into()
}
