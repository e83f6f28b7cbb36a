//! Procedural macros of `chatkit-actions`. Use them through the `chatkit-actions` crate,
//! which re-exports them with their documentation.

use proc_macro::TokenStream;

/// Derives `chatkit_actions::Action`. Documented on its re-export in `chatkit-actions`.
#[proc_macro_derive(Action, attributes(action))]
pub fn derive_action(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
