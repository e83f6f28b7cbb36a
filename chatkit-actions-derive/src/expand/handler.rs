//! The handler side: the `<Enum>Handler` trait and the exhaustive dispatch, emitted by the
//! derive beside the enum, and `#[action_handler]`, which turns an impl block into an
//! implementation of that trait and checks at compile time that no server action lacks its
//! method.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{ImplItem, ItemImpl, Token};

use crate::ast::{EnumInput, Shape, TypeName, Variant};
use crate::ctxt::Ctxt;
use crate::expand::pretty;

/// The handler trait's name for an enum: `AppAction` → `AppActionHandler`.
pub(crate) fn trait_ident(enum_ident: &syn::Ident) -> syn::Ident {
    format_ident!("{}Handler", enum_ident)
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

fn type_string_for_message(variant: &Variant<'_>) -> String {
    match &variant.type_name {
        TypeName::Literal(text) => format!("\"{text}\""),
        TypeName::FromPayload(ty) => {
            format!("the type string of `{}`", pretty(&ty.to_token_stream()))
        }
    }
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
    let mut table = Vec::new();

    for (index, variant) in input.variants.iter().enumerate() {
        let method = &variant.method;
        let (params, pattern, args) = payload_params(variant);
        let sync = variant.options.is_sync();
        let client = variant.options.is_client();
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
        let type_text = type_string_for_message(variant);
        let doc = format!(
            "Handles `{enum_ident}::{}` (action type {type_text}){}.",
            variant.ident,
            if sync { ", answered synchronously" } else { "" }
        );
        let type_string = quote!(<#enum_ident as #krate::Action>::SPECS[#index].action_type);
        let unhandled = if client {
            quote!(#handler::HandlerError::client_action(#type_string))
        } else {
            quote!(#handler::HandlerError::unhandled(#type_string))
        };
        let default_body = quote! {
            {
                let _ = (#( #args, )* cx);
                async move { ::core::result::Result::Err(#unhandled) }
            }
        };
        methods.push(quote! {
            #[doc = #doc]
            #[allow(unused_variables, clippy::too_many_arguments)]
            fn #method(
                &self,
                #( #params, )*
                cx: &mut #context<Self::Context>,
            ) -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
            #default_body
        });

        let call = quote!(handler.#method(#( #args, )* cx).await);
        if sync {
            sync_arms.push(quote!(#pattern => #call));
            stream_arms.push(quote! {
                #pattern => {
                    let _ = (#( #args, )*);
                    ::core::result::Result::Err(#handler::HandlerError::wrong_request(#type_string, false))
                }
            });
        } else {
            stream_arms.push(quote!(#pattern => #call));
            sync_arms.push(quote! {
                #pattern => {
                    let _ = (#( #args, )*);
                    ::core::result::Result::Err(#handler::HandlerError::wrong_request(#type_string, true))
                }
            });
        }

        let signature = format!(
            "async fn {method}(&self, {}cx: &mut {}<Self::Context>) -> {}",
            params.iter().map(|p| pretty(p) + ", ").collect::<String>(),
            if sync {
                "SyncActionContext"
            } else {
                "ActionContext"
            },
            if sync { "SyncResult" } else { "HandlerResult" },
        );
        let message = format!(
            "missing handler for `{enum_ident}::{}` (action type {type_text})\nhelp: add this method to the impl: `{signature}`",
            variant.ident
        );
        let required = !client;
        let method_name = method.to_string();
        table.push(quote! {
            #krate::__private::HandlerEntry {
                method: #method_name,
                required: #required,
                missing: #message,
            }
        });
    }

    let trait_doc = format!(
        "The handlers of the server-side actions of [`{enum_ident}`]: one method per action type.\n\n\
         Implement it with `#[action_handler({enum_ident})]` on an impl block, which checks at compile time that every server-handled action has its method. \
         Implemented by hand, an action whose method is missing answers with an error event at run time instead."
    );

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
            #vis const __CHATKIT_HANDLERS: &'static [#krate::__private::HandlerEntry] = &[#( #table ),*];

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
    }
}

/// The arguments of `#[action_handler(AppAction, context = Ctx, fallback, validate, crate = "…")]`.
pub(crate) struct HandlerArgs {
    action: syn::Path,
    context: Option<syn::Type>,
    fallback: Option<syn::Ident>,
    /// `validate`: run `<AppAction as ValidateAction>::validate` before every handler.
    validate: Option<syn::Ident>,
    crate_path: Option<syn::Path>,
}

impl Parse for HandlerArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                input.span(),
                "`#[action_handler]` needs the action enum it handles\nhelp: write `#[action_handler(AppAction)]`, or `#[action_handler(AppAction, context = MyRequestContext)]`",
            ));
        }
        let action: syn::Path = input.parse()?;
        let mut args = HandlerArgs {
            action,
            context: None,
            fallback: None,
            validate: None,
            crate_path: None,
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: syn::Ident = if input.peek(Token![crate]) {
                let token: Token![crate] = input.parse()?;
                syn::Ident::new("crate", token.span)
            } else {
                input.parse()?
            };
            match key.to_string().as_str() {
                "context" if args.context.is_none() => {
                    input.parse::<Token![=]>()?;
                    args.context = Some(input.parse()?);
                }
                "fallback" if args.fallback.is_none() => args.fallback = Some(key),
                "validate" if args.validate.is_none() => args.validate = Some(key),
                "crate" if args.crate_path.is_none() => {
                    input.parse::<Token![=]>()?;
                    let lit: syn::LitStr = input.parse()?;
                    args.crate_path = Some(lit.parse()?);
                }
                "context" | "fallback" | "validate" | "crate" => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("duplicate `{key}` argument\nhelp: remove one of them"),
                    ));
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown `action_handler` argument `{key}`\nhelp: the arguments are the action enum, then optionally `context = Type`, `fallback`, `validate` and `crate = \"…\"`"
                        ),
                    ));
                }
            }
        }
        Ok(args)
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one quote! per generated item reads best in sequence"
)]
pub(crate) fn expand_action_handler(args: &HandlerArgs, mut item: ItemImpl) -> TokenStream {
    let cx = Ctxt::new();
    let krate = args
        .crate_path
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::chatkit_actions));
    let action = &args.action;
    let context = args
        .context
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(()));

    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "`#[action_handler]` goes on an inherent impl block, `impl MyHandler { … }`, and implements the handler trait itself\nhelp: remove the trait name from the impl",
        );
    }

    // Handler methods, with duplicates reported on the second occurrence.
    let self_ty_for_fallback = item.self_ty.clone();
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    let mut names = Vec::new();
    let mut fallback_fn = None;
    for impl_item in &item.items {
        if let ImplItem::Fn(function) = impl_item {
            let ident = &function.sig.ident;
            let name = ident.to_string();
            if args.fallback.is_some() && name == "fallback" {
                fallback_fn = Some(function.clone());
                continue;
            }
            if let Some(first) = seen.get(&name) {
                let mut error = syn::Error::new(
                    ident.span(),
                    format!(
                        "duplicate handler `{name}`: this action already has a handler in this impl\nhelp: remove one of the two methods"
                    ),
                );
                error.combine(syn::Error::new(
                    first.span(),
                    format!("the first handler `{name}` is here"),
                ));
                cx.push(error);
            } else {
                seen.insert(name.clone(), ident);
                names.push(name);
            }
        }
    }
    let (fallback_impl, fallback_method) = match (&args.fallback, fallback_fn) {
        (Some(_), Some(function)) => (
            quote! {
                const ACCEPTS_UNKNOWN: bool = true;

                fn handle_unknown(
                    &self,
                    action: #krate::RawAction,
                    cx: &mut #krate::handler::ActionContext<Self::Context>,
                ) -> impl ::core::future::Future<Output = #krate::handler::HandlerResult> + ::core::marker::Send {
                    Self::fallback(self, action, cx)
                }
            },
            quote!(impl #self_ty_for_fallback { #function }),
        ),
        (Some(keyword), None) => {
            cx.error_spanned_by(
                keyword,
                "`fallback` needs a method named `fallback` in this impl\nhelp: add `async fn fallback(&self, action: RawAction, cx: &mut ActionContext<Self::Context>) -> HandlerResult`",
            );
            (quote!(), quote!())
        }
        (None, _) => (quote!(), quote!()),
    };
    if args.fallback.is_some() {
        item.items
            .retain(|i| !matches!(i, ImplItem::Fn(f) if f.sig.ident == "fallback"));
    }
    // A duplicate was reported above; keeping only the first keeps rustc from adding its
    // own "duplicate definitions" error for the same mistake.
    let mut kept = std::collections::HashSet::new();
    item.items.retain(|i| match i {
        ImplItem::Fn(f) => kept.insert(f.sig.ident.to_string()),
        _ => true,
    });

    let validate_impl = args.validate.as_ref().map(|keyword| {
        let bound = quote_spanned! {keyword.span()=>
            <#action as #krate::validate::ValidateAction>::validate(action)
        };
        quote! {
            fn validate(
                &self,
                action: &#action,
            ) -> ::core::result::Result<(), #krate::validate::ValidationError> {
                #bound
            }
        }
    });

    let trait_path = {
        let mut path = action.clone();
        if let Some(last) = path.segments.last_mut() {
            last.ident = trait_ident(&last.ident);
            last.arguments = syn::PathArguments::None;
        }
        path
    };

    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let attrs = &item.attrs;
    let items = &item.items;
    let check = quote_spanned! {self_ty.span()=>
        const _: () = #krate::__private::check_handlers(
            #action::__CHATKIT_HANDLERS,
            &[#( #names ),*],
        );
    };

    let expanded = quote! {
        #( #attrs )*
        impl #impl_generics #trait_path for #self_ty #where_clause {
            type Context = #context;
            #( #items )*
        }

        impl #impl_generics #krate::handler::ActionHandler for #self_ty #where_clause {
            type Action = #action;
            type Context = #context;

            fn handle(
                &self,
                action: #action,
                cx: &mut #krate::handler::ActionContext<#context>,
            ) -> impl ::core::future::Future<Output = #krate::handler::HandlerResult> + ::core::marker::Send {
                #action::__chatkit_dispatch(action, self, cx)
            }

            fn handle_sync(
                &self,
                action: #action,
                cx: &mut #krate::handler::SyncActionContext<#context>,
            ) -> impl ::core::future::Future<Output = #krate::handler::SyncResult> + ::core::marker::Send {
                #action::__chatkit_dispatch_sync(action, self, cx)
            }

            #fallback_impl
            #validate_impl
        }

        #fallback_method

        #check
    };
    match cx.check() {
        Ok(()) => expanded,
        Err(error) => crate::ctxt::with_fallback(&error, expanded),
    }
}
