//! Code generation from the checked model. Nothing here can fail.

pub(crate) mod action;
pub(crate) mod handler;
pub(crate) mod types;

/// Renders tokens the way a person writes them, for type signatures quoted in messages.
pub(crate) fn pretty(tokens: &proc_macro2::TokenStream) -> String {
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
