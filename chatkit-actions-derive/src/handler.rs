//! `#[action_handler]`, in two halves. The attribute cannot see the enum, so it expands to
//! the macro `#[derive(Action)]` emitted beside the enum, which hands the enum's definition,
//! the arguments and the impl block to [`expand`]. That half checks the impl against the
//! variants (every missing handler, a misspelled one, parameters bound by name, a handler
//! that is not `async`) and implements the handler trait. On every error the user's impl is
//! still emitted, so that one mistake gives one error.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{DeriveInput, ImplItem, ItemImpl, Token};

use crate::ast::{EnumInput, Input, Variant, unraw};
use crate::check;
use crate::ctxt::Ctxt;
use crate::expand::handler::{macro_ident, signature, trait_ident, type_string_for_message};
use crate::expand::pretty;

const MISSING_ENUM: &str = "`#[action_handler]` needs the action enum it handles\nhelp: write `#[action_handler(AppAction)]`, or `#[action_handler(AppAction, context = MyRequestContext)]`";

/// The attribute: forwards to the enum's macro, or reports a missing enum beside the
/// untouched impl.
pub(crate) fn attribute(args: &TokenStream, item: TokenStream) -> TokenStream {
    let action = (|input: ParseStream<'_>| {
        let path = if input.is_empty() {
            None
        } else {
            input.parse::<syn::Path>().ok()
        };
        input.parse::<TokenStream>()?;
        Ok(path)
    })
    .parse2(args.clone())
    .ok()
    .flatten();
    let Some(action) = action else {
        let span = if args.is_empty() {
            Span::call_site()
        } else {
            args.span()
        };
        let mut tokens = syn::Error::new(span, MISSING_ENUM).to_compile_error();
        tokens.extend(item);
        return tokens;
    };
    let mut path = action;
    if let Some(last) = path.segments.last_mut() {
        last.ident = macro_ident(&last.ident);
        last.arguments = syn::PathArguments::None;
    }
    quote!(#path! { { #args } #item })
}

/// The arguments of `#[action_handler(AppAction, context = Ctx, fallback, validate, crate = "…")]`.
struct HandlerArgs {
    action: syn::Path,
    context: Option<syn::Type>,
    fallback: Option<syn::Ident>,
    /// `validate`: run `<AppAction as ValidateAction>::validate` before every handler.
    validate: Option<syn::Ident>,
    crate_path: Option<syn::Path>,
}

impl HandlerArgs {
    /// Parses the arguments, reporting every bad one and keeping the rest.
    fn parse(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Self> {
        let action: syn::Path = input.parse()?;
        let mut args = HandlerArgs {
            action,
            context: None,
            fallback: None,
            validate: None,
            crate_path: None,
        };
        let mut seen: HashMap<String, syn::Ident> = HashMap::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if let Err(error) = args.parse_one(input, &mut seen) {
                cx.push(error);
                // Skip to the next argument.
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<proc_macro2::TokenTree>()?;
                }
            }
        }
        Ok(args)
    }

    fn parse_one(
        &mut self,
        input: ParseStream<'_>,
        seen: &mut HashMap<String, syn::Ident>,
    ) -> syn::Result<()> {
        let key: syn::Ident = if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            syn::Ident::new("crate", token.span)
        } else {
            input.parse()?
        };
        let name = key.to_string();
        if !matches!(name.as_str(), "context" | "fallback" | "validate" | "crate") {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown `action_handler` argument `{key}`\nhelp: the arguments are the action enum, then optionally `context = Type`, `fallback`, `validate` and `crate = \"…\"`"
                ),
            ));
        }
        if let Some(first) = seen.get(&name) {
            let mut error = syn::Error::new(
                key.span(),
                format!("duplicate `{key}` argument\nhelp: remove one of them"),
            );
            error.combine(syn::Error::new(
                first.span(),
                format!("`{key}` is first given here"),
            ));
            return Err(error);
        }
        seen.insert(name.clone(), key.clone());
        match name.as_str() {
            "context" => {
                input.parse::<Token![=]>()?;
                self.context = Some(input.parse()?);
            }
            "crate" => {
                input.parse::<Token![=]>()?;
                let lit: syn::LitStr = input.parse()?;
                self.crate_path = Some(lit.parse()?);
            }
            "fallback" => self.fallback = Some(key),
            _ => self.validate = Some(key),
        }
        Ok(())
    }
}

/// The second half: `{ enum definition } { arguments } impl …`.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let parsed = (|input: ParseStream<'_>| {
        let definition;
        syn::braced!(definition in input);
        let definition: TokenStream = definition.parse()?;
        let args;
        syn::braced!(args in input);
        let args: TokenStream = args.parse()?;
        let item: TokenStream = input.parse()?;
        Ok((definition, args, item))
    })
    .parse2(input);
    let (definition, args, item) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return error.to_compile_error(),
    };
    let Ok(item) = syn::parse2::<ItemImpl>(item.clone()) else {
        let first = item
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |token| token.span());
        let mut tokens = syn::Error::new(
            first,
            "`#[action_handler]` goes on an impl block\nhelp: write `#[action_handler(AppAction)] impl MyHandler { … }`",
        )
        .to_compile_error();
        tokens.extend(item);
        return tokens;
    };
    let cx = Ctxt::new();
    let args = (|input: ParseStream<'_>| HandlerArgs::parse(&cx, input)).parse2(args);
    let args = match args {
        Ok(args) => args,
        Err(error) => {
            cx.push(error);
            return finish(cx, inherent(item));
        }
    };
    // An enum with errors: the derive reported them; the impl stays as the user wrote it.
    if definition.is_empty() {
        return finish(cx, inherent(item));
    }
    let Ok(definition) = syn::parse2::<DeriveInput>(definition) else {
        return finish(cx, inherent(item));
    };
    let scratch = Ctxt::new();
    let model = Input::from_syn(&scratch, &definition);
    // The derive has reported these already.
    let _ = scratch.check();
    let Input::Enum(model) = model else {
        return finish(cx, inherent(item));
    };
    let tokens = expand_impl(&cx, &args, &model, item);
    finish(cx, tokens)
}

/// The collected errors, then `tokens`.
fn finish(cx: Ctxt, tokens: TokenStream) -> TokenStream {
    match cx.check() {
        Ok(()) => tokens,
        Err(error) => {
            let mut out = error.to_compile_error();
            out.extend(tokens);
            out
        }
    }
}

/// The impl block as an inherent impl, for when nothing else can be emitted.
fn inherent(mut item: ItemImpl) -> TokenStream {
    item.trait_ = None;
    item.into_token_stream()
}

#[expect(
    clippy::too_many_lines,
    reason = "the classification of the methods, then one quote! per generated item"
)]
fn expand_impl(
    cx: &Ctxt,
    args: &HandlerArgs,
    model: &EnumInput<'_>,
    mut item: ItemImpl,
) -> TokenStream {
    let krate = args
        .crate_path
        .clone()
        .unwrap_or_else(|| model.crate_path.clone());
    let action = &args.action;
    let context = args
        .context
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(()));
    let context_text = pretty(&context.to_token_stream());

    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "`#[action_handler]` goes on an inherent impl block, `impl MyHandler { … }`, and implements the handler trait itself\nhelp: remove the trait name from the impl",
        );
        item.trait_ = None;
    }

    let by_method: HashMap<String, &Variant<'_>> = model
        .variants
        .iter()
        .filter_map(|v| Some((unraw(v.method.as_ref()?), v)))
        .collect();
    let handled: HashSet<String> = item
        .items
        .iter()
        .filter_map(|i| match i {
            ImplItem::Fn(f) => Some(unraw(&f.sig.ident)),
            _ => None,
        })
        .filter(|name| by_method.contains_key(name))
        .collect();

    let mut seen: HashMap<String, syn::Ident> = HashMap::new();
    let mut claimed: HashSet<String> = HashSet::new();
    let mut trait_items = Vec::new();
    let mut inherent_items = Vec::new();
    let mut fallback_fn = None;
    for impl_item in std::mem::take(&mut item.items) {
        let ImplItem::Fn(mut function) = impl_item else {
            trait_items.push(impl_item);
            continue;
        };
        let name = unraw(&function.sig.ident);
        if args.fallback.is_some() && name == "fallback" {
            fallback_fn = Some(function);
            continue;
        }
        let variant = if let Some(variant) = by_method.get(&name) {
            Some(*variant)
        } else if let Some(variant) = check::misspelled_handler(&name, model, &handled, &claimed) {
            let method = variant
                .method
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            cx.error_spanned_by(
                &function.sig.ident,
                format!(
                    "`{name}` is not a handler of `{}`\nhelp: did you mean `{method}`, the handler of `{}::{}` (action type {})?",
                    model.ident,
                    model.ident,
                    variant.ident,
                    type_string_for_message(variant),
                ),
            );
            // Checked as the handler it was meant to be, so its body raises nothing more.
            if let Some(method) = &variant.method {
                claimed.insert(unraw(method));
                let mut ident = method.clone();
                ident.set_span(function.sig.ident.span());
                function.sig.ident = ident;
            }
            Some(variant)
        } else {
            let handlers: Vec<String> = model
                .variants
                .iter()
                .filter_map(|v| Some(format!("`{}`", v.method.as_ref()?)))
                .collect();
            cx.error_spanned_by(
                &function.sig.ident,
                format!(
                    "`{name}` is not a handler of `{}`: no action is named so\nhelp: the handlers are {}; helper methods belong in another `impl` block",
                    model.ident,
                    handlers.join(", ")
                ),
            );
            inherent_items.push(ImplItem::Fn(function));
            continue;
        };
        let Some(variant) = variant else { continue };
        let key = unraw(&function.sig.ident);
        if let Some(first) = seen.get(&key) {
            let mut error = syn::Error::new(
                function.sig.ident.span(),
                format!(
                    "duplicate handler `{key}`: this action already has a handler in this impl\nhelp: remove one of the two methods"
                ),
            );
            error.combine(syn::Error::new(
                first.span(),
                format!("the first handler `{key}` is here"),
            ));
            cx.push(error);
            continue;
        }
        seen.insert(key, function.sig.ident.clone());
        // A method with an error goes into an inherent impl, so that its trait signature
        // does not make rustc repeat the error.
        if check::handler_method(cx, model, variant, &mut function, &context_text) {
            trait_items.push(ImplItem::Fn(function));
        } else {
            inherent_items.push(ImplItem::Fn(function));
        }
    }

    // Every missing handler, each with the method to add.
    for variant in &model.variants {
        let Some(method) = &variant.method else {
            continue;
        };
        let name = unraw(method);
        if variant.options.is_client() || seen.contains_key(&name) || claimed.contains(&name) {
            continue;
        }
        cx.error_spanned_by(
            &item.self_ty,
            format!(
                "missing handler for `{}::{}` (action type {})\nhelp: add this method to the impl: `{}`",
                model.ident,
                variant.ident,
                type_string_for_message(variant),
                signature(variant, &context_text),
            ),
        );
    }

    let self_ty = &item.self_ty;
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
            Some(function),
        ),
        (Some(keyword), None) => {
            cx.error_spanned_by(
                keyword,
                "`fallback` needs a method named `fallback` in this impl\nhelp: add `async fn fallback(&self, action: RawAction, cx: &mut ActionContext<Self::Context>) -> HandlerResult`",
            );
            (quote!(), None)
        }
        (None, _) => (quote!(), None),
    };
    inherent_items.extend(fallback_method.map(ImplItem::Fn));

    let validate_impl = args.validate.as_ref().map(|keyword| {
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

    let trait_path = {
        let mut path = action.clone();
        if let Some(last) = path.segments.last_mut() {
            last.ident = trait_ident(&last.ident);
            last.arguments = syn::PathArguments::None;
        }
        path
    };
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let attrs = &item.attrs;
    let inherent = (!inherent_items.is_empty()).then(|| {
        quote! {
            impl #impl_generics #self_ty #where_clause {
                #( #inherent_items )*
            }
        }
    });

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

    fn messages(tokens: &TokenStream) -> Vec<String> {
        let text = tokens.to_string();
        text.split("compile_error !")
            .skip(1)
            .filter_map(|rest| rest.split('"').nth(1).map(str::to_owned))
            .collect()
    }

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
        let errors = messages(&expand(input));
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
