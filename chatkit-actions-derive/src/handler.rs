//! `#[action_handler]`, in two halves. The attribute cannot see the enum, so it expands to
//! the macro `#[derive(Action)]` emitted beside the enum, which hands the enum's definition,
//! the arguments and the impl block to [`expand`]. That half checks the impl against the
//! variants (every missing handler, a misspelled one, parameters bound by name, a handler
//! that is not `async`) and implements the handler trait. On every error the user's impl is
//! still emitted, so that one mistake gives one error. What it shares with `#[tool_handler]`
//! is in `front`; this module holds what differs: its words, the action enum's model, the
//! `fallback` and `validate` arguments and the impls it emits.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::{Ident, ImplItem, ImplItemFn, ItemImpl};

use crate::ast::{EnumInput, Input, Variant, unraw};
use crate::check;
use crate::ctxt::Ctxt;
use crate::expand::handler::{macro_ident, signature, trait_ident, type_string_for_message};
use crate::front::{self, Args, Front, Model, Sorted};
use crate::pretty::pretty;

/// The words and names of `#[action_handler]`.
const FRONT: Front = Front {
    name: "action_handler",
    missing_enum: "`#[action_handler]` needs the action enum it handles\nhelp: write `#[action_handler(AppAction)]`, or `#[action_handler(AppAction, context = MyRequestContext)]`",
    not_an_impl: "`#[action_handler]` goes on an impl block\nhelp: write `#[action_handler(AppAction)] impl MyHandler { … }`",
    trait_impl: "`#[action_handler]` goes on an inherent impl block, `impl MyHandler { … }`, and implements the handler trait itself\nhelp: remove the trait name from the impl",
    arguments_help: "the arguments are the action enum, then optionally `context = Type`, `fallback`, `validate` and `crate = \"…\"`",
    // `fallback`: unknown actions go to the method `fallback`; `validate`: run
    // `<AppAction as ValidateAction>::validate` before every handler.
    flags: &["fallback", "validate"],
    variant: "action",
    macro_ident,
};

/// The attribute: forwards to the enum's macro, or reports a missing enum beside the
/// untouched impl.
pub(crate) fn attribute(args: &TokenStream, item: TokenStream) -> TokenStream {
    front::attribute(&FRONT, args, item)
}

/// The second half: `{ enum definition } { arguments } impl …`.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    front::expand(
        &FRONT,
        input,
        |cx, args, definition, scratch, item| match Input::from_syn(scratch, definition) {
            Input::Enum(model) => expand_impl(cx, args, &model, item),
            _ => front::inherent(item),
        },
    )
}

impl<'a> Model for EnumInput<'a> {
    type Variant = Variant<'a>;

    fn handlers(&self) -> Vec<(String, &Variant<'a>)> {
        self.variants
            .iter()
            .filter_map(|v| Some((unraw(v.method.as_ref()?), v)))
            .collect()
    }

    fn required(&self) -> Vec<(String, &Variant<'a>)> {
        self.variants
            .iter()
            .filter(|v| !v.options.is_client())
            .filter_map(|v| Some((unraw(v.method.as_ref()?), v)))
            .collect()
    }

    fn method<'v>(variant: &'v Variant<'a>) -> Option<&'v Ident> {
        variant.method.as_ref()
    }

    fn misspelled(
        &self,
        name: &str,
        handled: &HashSet<String>,
        claimed: &HashSet<String>,
    ) -> Option<&Variant<'a>> {
        check::misspelled_handler(name, self, handled, claimed)
    }

    fn misspelled_error(&self, name: &str, variant: &Variant<'a>) -> String {
        let method = variant
            .method
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        format!(
            "`{name}` is not a handler of `{}`\nhelp: did you mean `{method}`, the handler of `{}::{}` (action type {})?",
            self.ident,
            self.ident,
            variant.ident,
            type_string_for_message(variant),
        )
    }

    fn stray_error(&self, name: &str) -> String {
        let handlers: Vec<String> = self
            .variants
            .iter()
            .filter_map(|v| Some(format!("`{}`", v.method.as_ref()?)))
            .collect();
        format!(
            "`{name}` is not a handler of `{}`: no action is named so\nhelp: the handlers are {}; helper methods belong in another `impl` block",
            self.ident,
            handlers.join(", ")
        )
    }

    fn check(
        &self,
        cx: &Ctxt,
        variant: &Variant<'a>,
        function: &mut ImplItemFn,
        context: &str,
    ) -> bool {
        check::handler_method(cx, self, variant, function, context)
    }

    fn missing_error(&self, variant: &Variant<'a>, context: &str) -> String {
        format!(
            "missing handler for `{}::{}` (action type {})\nhelp: add this method to the impl: `{}`",
            self.ident,
            variant.ident,
            type_string_for_message(variant),
            signature(variant, context),
        )
    }
}

fn expand_impl(cx: &Ctxt, args: &Args, model: &EnumInput<'_>, mut item: ItemImpl) -> TokenStream {
    let krate = args.krate(&model.crate_path);
    let action = &args.path;
    let context = args.context();
    let context_text = pretty(&context.to_token_stream());
    let fallback = args.flag("fallback");
    let Sorted {
        trait_items,
        mut inherent_items,
        aside,
    } = front::sort_methods(
        cx,
        &FRONT,
        model,
        &mut item,
        &context_text,
        fallback.map(|_| "fallback"),
    );

    let fallback_impl = match (fallback, aside) {
        (Some(_), Some(function)) => {
            inherent_items.push(ImplItem::Fn(function));
            quote! {
                const ACCEPTS_UNKNOWN: bool = true;

                fn handle_unknown(
                    &self,
                    action: #krate::RawAction,
                    cx: &mut #krate::handler::ActionContext<Self::Context>,
                ) -> impl ::core::future::Future<Output = #krate::handler::HandlerResult> + ::core::marker::Send {
                    Self::fallback(self, action, cx)
                }
            }
        }
        (Some(keyword), None) => {
            cx.error_spanned_by(
                keyword,
                "`fallback` needs a method named `fallback` in this impl\nhelp: add `async fn fallback(&self, action: RawAction, cx: &mut ActionContext<Self::Context>) -> HandlerResult`",
            );
            quote!()
        }
        (None, _) => quote!(),
    };

    let validate_impl = args.flag("validate").map(|keyword| {
        // Only the bound takes the user's span; the argument keeps this expansion's hygiene.
        let argument = quote!(action);
        let bound = quote_spanned! {keyword.span()=>
            <#action as #krate::validate::ValidateAction>::validate(#argument)
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

    let trait_path = front::renamed(action, trait_ident);
    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let attrs = &item.attrs;
    let inherent = front::inherent_impl(&item, &inherent_items);

    quote! {
        #( #attrs )*
        impl #impl_generics #trait_path for #self_ty #where_clause {
            type Context = #context;
            #( #trait_items )*
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

        #inherent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_error_per_mistake() {
        let input = quote! {
            {
                enum AppAction {
                    Rename { id: String, title: String },
                    Refresh,
                    RefreshAll,
                    #[action(handler = "client")]
                    Copy(String),
                    Continue,
                }
            }
            { AppAction, ctx = () }
            impl App {
                async fn rename(&self, title: String, id: String, cx: &mut Cx) -> R { todo!() }
                async fn refesh_all(&self, cx: &mut Cx) -> R { todo!() }
                fn r#continue(&self, cx: &mut Cx) -> R { todo!() }
            }
        };
        let errors = front::error_messages(&expand(input));
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("unknown `action_handler` argument `ctx`"))
        );
        assert!(errors.iter().any(|e| e.starts_with("the parameter `title` stands where the field `id: String`")));
        assert!(
            errors
                .iter()
                .any(|e| e.contains("did you mean `refresh_all`"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("the handler `r#continue` must be an `async fn`"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("missing handler for `AppAction::Refresh`"))
        );
    }

    #[test]
    fn the_impl_is_kept_when_the_enum_is_missing() {
        let out = attribute(
            &TokenStream::new(),
            quote!(impl App { fn helper(&self) {} }),
        );
        let text = out.to_string();
        assert!(text.contains("needs the action enum it handles"));
        assert!(text.contains("fn helper"));
    }
}
