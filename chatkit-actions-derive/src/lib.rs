//! Procedural macros of `chatkit-actions`: `#[derive(Action)]`, `#[derive(ActionTypes)]`,
//! `#[action_handler]`, and for the model's tools `#[derive(Tools)]` and `#[tool_handler]`.
//!
//! Use them through the `chatkit-actions` crate, which re-exports them with their
//! documentation and provides the items their expansions name.
//!
//! Each entry point parses its input and hands it to `expand`, which tries the expansion and,
//! on bad input, emits the errors beside a stand-in (a stub impl, the user's impl block) so
//! that one mistake gives one error.
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod front;
mod handler;
mod pretty;
mod tools;
mod widget_data;

/// Derives `chatkit_actions::Action`. Documented on its re-export in `chatkit-actions`.
#[proc_macro_derive(Action, attributes(action, serde))]
pub fn derive_action(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_action(&input).into()
}

/// Derives `chatkit_actions::typescript::ActionTypes`. Documented on its re-export in
/// `chatkit-actions` (feature `typescript`).
///
/// It reads the `#[action(…)]` attributes as `#[derive(Action)]` does, and leaves every error
/// in them to that derive, so that each is reported once.
#[proc_macro_derive(ActionTypes, attributes(action, serde, ts, schemars))]
pub fn derive_action_types(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_action_types(&input).into()
}

/// Implements an action enum's handler trait for the type of an impl block. Documented on its
/// re-export in `chatkit-actions`.
#[proc_macro_attribute]
pub fn action_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    handler::attribute(&args.into(), item.into()).into()
}

/// The second half of `#[action_handler]`, reached through the macro `#[derive(Action)]`
/// emits beside the enum: it receives the enum, the attribute's arguments and the impl block,
/// so it checks the impl against the variants. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __action_handler_impl(input: TokenStream) -> TokenStream {
    handler::expand(input.into()).into()
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

/// Derives `chatkit_actions::model::Tools` and the enum's tool handler trait. Documented on
/// its re-export in `chatkit-actions` (feature `openai`).
#[proc_macro_derive(Tools, attributes(tool))]
pub fn derive_tools(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    tools::derive(&input).into()
}

/// Implements a tools enum's handler trait and `ToolHandler` for the type of an impl block.
/// Documented on its re-export in `chatkit-actions` (feature `openai`).
#[proc_macro_attribute]
pub fn tool_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    tools::handler::attribute(&args.into(), item.into()).into()
}

/// The second half of `#[tool_handler]`, reached through the macro `#[derive(Tools)]` emits
/// beside the enum. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __tool_handler_impl(input: TokenStream) -> TokenStream {
    tools::handler::expand(input.into()).into()
}
