//! Token streams rendered as text the way a person writes them, for the Rust types and
//! paths quoted in messages and in generated string literals. A leaf: both the rules
//! (`check`) and the expanders quote types through it.

use proc_macro2::TokenStream;

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

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::pretty;

    #[test]
    fn renders_paths_generics_and_references_without_token_spacing() {
        assert_eq!(
            pretty(&quote!(::std::vec::Vec<String>)),
            "::std::vec::Vec<String>"
        );
        assert_eq!(pretty(&quote!(&'a str)), "&'a str");
        assert_eq!(pretty(&quote!(Option<(u8, u16)>)), "Option<(u8, u16)>");
        assert_eq!(pretty(&quote!(cx: &mut Context)), "cx: &mut Context");
    }
}
