//! The derive's handler side: the `<Enum>Handler` trait, the exhaustive dispatch, and the
//! macro beside the enum through which `#[action_handler]` sees the variants.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::DeriveInput;

use crate::ast::{EnumInput, Shape, TypeName, Variant};
use crate::pretty::pretty;

/// The handler trait's name for an enum: `AppAction` → `AppActionHandler`.
pub(crate) fn trait_ident(enum_ident: &syn::Ident) -> syn::Ident {
    format_ident!("{}Handler", enum_ident, span = enum_ident.span())
}

/// The name of the macro the derive emits beside the enum for `#[action_handler]`:
/// `AppAction` → `__chatkit_handlers_AppAction`.
pub(crate) fn macro_ident(enum_ident: &syn::Ident) -> syn::Ident {
    format_ident!(
        "__chatkit_handlers_{}",
        enum_ident,
        span = enum_ident.span()
    )
}

/// The parameters a variant's handler method takes before the context, and the expressions
/// that pass them from a matched variant.
fn payload_params(variant: &Variant<'_>) -> (Vec<TokenStream>, TokenStream, Vec<TokenStream>) {
    let name = variant.ident;
    match &variant.shape {
        Shape::Unit => (Vec::new(), quote!(Self::#name), Vec::new()),
        Shape::Newtype(ty) => (
            vec![quote!(payload: #ty)],
            quote!(Self::#name(payload)),
            vec![quote!(payload)],
        ),
        Shape::Struct(fields) => {
            let names: Vec<_> = fields
                .iter()
                .filter_map(|f| f.field.ident.as_ref())
                .collect();
            let params = fields
                .iter()
                .filter_map(|f| {
                    let ident = f.field.ident.as_ref()?;
                    let ty = &f.field.ty;
                    Some(quote!(#ident: #ty))
                })
                .collect();
            (
                params,
                quote!(Self::#name { #( #names ),* }),
                names.iter().map(|n| quote!(#n)).collect(),
            )
        }
    }
}

/// `"refresh"`, or the payload type's type string for a `typed` variant.
pub(crate) fn type_string_for_message(variant: &Variant<'_>) -> String {
    match &variant.type_name {
        TypeName::Literal(text) => format!("\"{text}\""),
        TypeName::FromPayload(ty) => {
            format!("the type string of `{}`", pretty(&ty.to_token_stream()))
        }
    }
}

/// The signature a variant's handler has, as a person writes it, with `context` as the
/// request context type.
pub(crate) fn signature(variant: &Variant<'_>, context: &str) -> String {
    let (params, _, _) = payload_params(variant);
    let method = variant
        .method
        .as_ref()
        .map_or_else(String::new, ToString::to_string);
    let sync = variant.options.is_sync();
    format!(
        "async fn {method}(&self, {}cx: &mut {}<{context}>) -> {}",
        params.iter().map(|p| pretty(p) + ", ").collect::<String>(),
        if sync {
            "SyncActionContext"
        } else {
            "ActionContext"
        },
        if sync { "SyncResult" } else { "HandlerResult" },
    )
}

#[expect(
    clippy::too_many_lines,
    reason = "one quote! per generated item reads best in sequence"
)]
pub(crate) fn expand_handler_trait(input: &EnumInput<'_>) -> TokenStream {
    let enum_ident = input.ident;
    let vis = input.vis;
    let krate = &input.crate_path;
    let trait_ident = trait_ident(enum_ident);
    let handler = quote!(#krate::handler);

    let mut methods = Vec::new();
    let mut stream_arms = Vec::new();
    let mut sync_arms = Vec::new();

    for (index, variant) in input.variants.iter().enumerate() {
        // The check rejects a variant without a method name; nothing is expanded then.
        let Some(method) = &variant.method else {
            continue;
        };
        let (params, pattern, args) = payload_params(variant);
        let sync = variant.options.is_sync();
        let (context, output) = if sync {
            (
                quote!(#handler::SyncActionContext),
                quote!(#handler::SyncResult),
            )
        } else {
            (
                quote!(#handler::ActionContext),
                quote!(#handler::HandlerResult),
            )
        };
        let doc = format!(
            "Handles `{enum_ident}::{}` (action type {}){}.",
            variant.ident,
            type_string_for_message(variant),
            if sync { ", answered synchronously" } else { "" }
        );
        let type_string = quote!(<#enum_ident as #krate::Action>::SPECS[#index].action_type);
        let unhandled = if variant.options.is_client() {
            quote!(#krate::__private::client_action(#type_string))
        } else {
            quote!(#krate::__private::unhandled(#type_string))
        };
        methods.push(quote! {
            #[doc = #doc]
            #[allow(unused_variables, clippy::too_many_arguments)]
            fn #method(
                &self,
                #( #params, )*
                cx: &mut #context<Self::Context>,
            ) -> impl ::core::future::Future<Output = #output> + ::core::marker::Send {
                let _ = (#( #args, )* cx);
                async move { ::core::result::Result::Err(#unhandled) }
            }
        });

        let call = quote!(handler.#method(#( #args, )* cx).await);
        let wrong = |sent_sync: bool| {
            quote! {
                #pattern => {
                    let _ = (#( #args, )*);
                    ::core::result::Result::Err(#krate::__private::wrong_request(#type_string, #sent_sync))
                }
            }
        };
        if sync {
            sync_arms.push(quote!(#pattern => #call));
            stream_arms.push(wrong(false));
        } else {
            stream_arms.push(quote!(#pattern => #call));
            sync_arms.push(wrong(true));
        }
    }

    let trait_doc = format!(
        "The handlers of the server-side actions of [`{enum_ident}`]: one method per action type.\n\n\
         Implement it with `#[action_handler({enum_ident})]` on an impl block, which checks at compile time that every server-handled action has its method. \
         Implemented by hand, an action whose method is missing answers with an error event at run time instead."
    );
    let handler_macro = handler_macro(enum_ident, krate, Some(input.original));

    quote! {
        #[doc = #trait_doc]
        #vis trait #trait_ident: ::core::marker::Send + ::core::marker::Sync {
            /// The application's request context (user id, auth claims, …).
            type Context: ::core::marker::Send + ::core::marker::Sync + 'static;

            #( #methods )*
        }

        #[automatically_derived]
        impl #enum_ident {
            #[doc(hidden)]
            #vis async fn __chatkit_dispatch<__H: #trait_ident + ?::core::marker::Sized>(
                self,
                handler: &__H,
                cx: &mut #handler::ActionContext<__H::Context>,
            ) -> #handler::HandlerResult {
                match self {
                    #( #stream_arms, )*
                }
            }

            #[doc(hidden)]
            #vis async fn __chatkit_dispatch_sync<__H: #trait_ident + ?::core::marker::Sized>(
                self,
                handler: &__H,
                cx: &mut #handler::SyncActionContext<__H::Context>,
            ) -> #handler::SyncResult {
                match self {
                    #( #sync_arms, )*
                }
            }
        }

        #handler_macro
    }
}

/// The macro `#[action_handler(AppAction)]` expands to: it hands the enum's definition, the
/// attribute's arguments and the impl block to the second half of the attribute, which then
/// sees both sides. `None` for an enum with errors: the attribute then re-emits the impl as
/// it is, adding no error of its own.
///
/// A `macro_rules!` is reachable by path only through a `use` of it; its own name carries a
/// hash of the enum, so that two enums of one name in nested modules do not shadow each other.
pub(crate) fn handler_macro(
    enum_ident: &syn::Ident,
    krate: &syn::Path,
    input: Option<&DeriveInput>,
) -> TokenStream {
    let public = macro_ident(enum_ident);
    let definition = input.map(ToTokens::to_token_stream).unwrap_or_default();
    let private = format_ident!(
        "__chatkit_handlers_{}_{:016x}",
        enum_ident,
        fnv1a(&definition.to_string())
    );
    quote! {
        #[doc(hidden)]
        #[allow(unused_macros)]
        macro_rules! #private {
            ($($input:tt)*) => {
                #krate::__private::action_handler_impl! { { #definition } $($input)* }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #private as #public;
    }
}

/// The 64-bit FNV-1a hash: stable across builds, which keeps expansions reproducible.
pub(crate) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
