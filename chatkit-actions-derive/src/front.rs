//! What the two dispatch front ends, `#[action_handler]` (`handler`) and `#[tool_handler]`
//! (`tools::handler`), share. Each is an attribute on an impl block that forwards to a macro
//! the enum's derive emitted beside it ([`attribute`]); that macro's second half ([`expand`])
//! parses the arguments ([`Args`]), rebuilds the enum's model, and sorts the impl's methods
//! against the enum's variants ([`sort_methods`]: a method of each variant, misspellings,
//! strays, duplicates, the signature checks, every missing method) before the front end
//! emits its impls. On every error the user's impl is still emitted, so that one mistake gives
//! one error.
//!
//! [`Front`] holds what differs in words; [`Model`] what differs in the enum.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident, ImplItem, ImplItemFn, ItemImpl, Token};

use crate::ast::unraw;
use crate::ctxt::Ctxt;

/// One front end's words and names.
pub(crate) struct Front {
    /// The attribute: `action_handler`.
    pub(crate) name: &'static str,
    /// The error of an attribute that names no enum.
    pub(crate) missing_enum: &'static str,
    /// The error of an attribute on something else than an impl block.
    pub(crate) not_an_impl: &'static str,
    /// The error of an impl block that names a trait.
    pub(crate) trait_impl: &'static str,
    /// The help of an unknown argument.
    pub(crate) arguments_help: &'static str,
    /// The arguments without a value it takes beside `context = Type` and `crate = "…"`.
    pub(crate) flags: &'static [&'static str],
    /// What a variant is, in the duplicate handler error: `action`.
    pub(crate) variant: &'static str,
    /// The macro the derive emits beside the enum, named after it.
    pub(crate) macro_ident: fn(&Ident) -> Ident,
}

/// The attribute: forwards to the enum's macro, or reports a missing enum beside the
/// untouched impl.
pub(crate) fn attribute(front: &Front, args: &TokenStream, item: TokenStream) -> TokenStream {
    let path = (|input: ParseStream<'_>| {
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
    let Some(mut path) = path else {
        let span = if args.is_empty() {
            Span::call_site()
        } else {
            args.span()
        };
        let mut tokens = syn::Error::new(span, front.missing_enum).to_compile_error();
        tokens.extend(item);
        return tokens;
    };
    if let Some(last) = path.segments.last_mut() {
        last.ident = (front.macro_ident)(&last.ident);
        last.arguments = syn::PathArguments::None;
    }
    quote!(#path! { { #args } #item })
}

/// The arguments: the enum, then `context = Type`, the front end's flags and `crate = "…"`.
pub(crate) struct Args {
    /// The enum.
    pub(crate) path: syn::Path,
    pub(crate) context: Option<syn::Type>,
    /// The flags given, each once.
    pub(crate) flags: Vec<Ident>,
    pub(crate) crate_path: Option<syn::Path>,
}

impl Args {
    /// Parses the arguments, reporting every bad one and keeping the rest.
    fn parse(front: &Front, cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Self> {
        let path: syn::Path = input.parse()?;
        let mut args = Args {
            path,
            context: None,
            flags: Vec::new(),
            crate_path: None,
        };
        let mut seen: HashMap<String, Ident> = HashMap::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if let Err(error) = args.parse_one(front, input, &mut seen) {
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
        front: &Front,
        input: ParseStream<'_>,
        seen: &mut HashMap<String, Ident>,
    ) -> syn::Result<()> {
        let key: Ident = if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            Ident::new("crate", token.span)
        } else {
            input.parse()?
        };
        let name = key.to_string();
        let flag = front.flags.contains(&name.as_str());
        if !flag && !matches!(name.as_str(), "context" | "crate") {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown `{}` argument `{key}`\nhelp: {}",
                    front.name, front.arguments_help
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
        if flag {
            self.flags.push(key);
            return Ok(());
        }
        input.parse::<Token![=]>()?;
        if name == "context" {
            self.context = Some(input.parse()?);
        } else {
            let lit: syn::LitStr = input.parse()?;
            self.crate_path = Some(lit.parse()?);
        }
        Ok(())
    }

    /// The flag `name`, if given.
    pub(crate) fn flag(&self, name: &str) -> Option<&Ident> {
        self.flags.iter().find(|flag| *flag == name)
    }

    /// The context type: `()` unless given.
    pub(crate) fn context(&self) -> syn::Type {
        self.context
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(()))
    }

    /// The path of the crate: the given one, else the enum's.
    pub(crate) fn krate(&self, enum_crate: &syn::Path) -> syn::Path {
        self.crate_path
            .clone()
            .unwrap_or_else(|| enum_crate.clone())
    }
}

/// The second half: `{ enum definition } { arguments } impl …`. `body` rebuilds the enum's
/// model from its definition (with a scratch error sink: the derive reported those errors)
/// and emits the impls.
pub(crate) fn expand(
    front: &Front,
    input: TokenStream,
    body: impl FnOnce(&Ctxt, &Args, &DeriveInput, &Ctxt, ItemImpl) -> TokenStream,
) -> TokenStream {
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
        let mut tokens = syn::Error::new(first, front.not_an_impl).to_compile_error();
        tokens.extend(item);
        return tokens;
    };
    let cx = Ctxt::new();
    let args = match (|input: ParseStream<'_>| Args::parse(front, &cx, input)).parse2(args) {
        Ok(args) => args,
        Err(error) => {
            cx.push(error);
            return finish(cx, inherent(item));
        }
    };
    // An enum with errors (the derive reported them, and emitted no definition): the impl
    // stays as the user wrote it.
    let Ok(definition) = syn::parse2::<DeriveInput>(definition) else {
        return finish(cx, inherent(item));
    };
    let scratch = Ctxt::new();
    let tokens = body(&cx, &args, &definition, &scratch, item);
    // The derive has reported these already.
    let _ = scratch.check();
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
pub(crate) fn inherent(mut item: ItemImpl) -> TokenStream {
    item.trait_ = None;
    item.into_token_stream()
}

/// What a front end knows of its enum: which variants take a handler method, and how its
/// errors name them.
pub(crate) trait Model {
    /// A variant.
    type Variant;

    /// The variants a method of the impl may handle, with their method's name (unraw).
    fn handlers(&self) -> Vec<(String, &Self::Variant)>;

    /// The variants the impl must handle, with their method's name (unraw), in order.
    fn required(&self) -> Vec<(String, &Self::Variant)>;

    /// The method of a variant.
    fn method(variant: &Self::Variant) -> Option<&Ident>;

    /// The variant a method named `name` most likely misspells, among those no method
    /// handles or claims yet.
    fn misspelled(
        &self,
        name: &str,
        handled: &HashSet<String>,
        claimed: &HashSet<String>,
    ) -> Option<&Self::Variant>;

    /// The error of a method named `name` that misspells the method of `variant`.
    fn misspelled_error(&self, name: &str, variant: &Self::Variant) -> String;

    /// The error of a method named `name` that handles no variant.
    fn stray_error(&self, name: &str) -> String;

    /// Checks a handler's signature, reporting what is wrong; whether it may go into the
    /// trait impl.
    fn check(
        &self,
        cx: &Ctxt,
        variant: &Self::Variant,
        function: &mut ImplItemFn,
        context: &str,
    ) -> bool;

    /// The error of a missing handler.
    fn missing_error(&self, variant: &Self::Variant, context: &str) -> String;
}

/// The impl's items, sorted.
pub(crate) struct Sorted {
    /// The handlers (and every item but methods): the body of the generated trait impl.
    pub(crate) trait_items: Vec<ImplItem>,
    /// The methods with an error: an inherent impl, so that a wrong trait signature does not
    /// make rustc repeat the error.
    pub(crate) inherent_items: Vec<ImplItem>,
    /// The method named `aside`, taken out unchecked.
    pub(crate) aside: Option<ImplItemFn>,
}

/// Sorts the methods of `item` (its trait name removed, with an error) against the variants of
/// `model`: each handler is checked, each misspelled one reported and checked as the handler
/// it meant to be, each stray or duplicate one reported; then every missing handler is
/// reported, each with the method to add. A method named `aside` is set apart.
pub(crate) fn sort_methods<M: Model>(
    cx: &Ctxt,
    front: &Front,
    model: &M,
    item: &mut ItemImpl,
    context: &str,
    aside: Option<&str>,
) -> Sorted {
    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(path, front.trait_impl);
        item.trait_ = None;
    }
    let by_method: HashMap<String, &M::Variant> = model.handlers().into_iter().collect();
    let handled: HashSet<String> = item
        .items
        .iter()
        .filter_map(|i| match i {
            ImplItem::Fn(f) => Some(unraw(&f.sig.ident)),
            _ => None,
        })
        .filter(|name| by_method.contains_key(name))
        .collect();

    let mut seen: HashMap<String, Ident> = HashMap::new();
    let mut claimed: HashSet<String> = HashSet::new();
    let mut sorted = Sorted {
        trait_items: Vec::new(),
        inherent_items: Vec::new(),
        aside: None,
    };
    for impl_item in std::mem::take(&mut item.items) {
        let ImplItem::Fn(mut function) = impl_item else {
            sorted.trait_items.push(impl_item);
            continue;
        };
        let name = unraw(&function.sig.ident);
        if aside == Some(name.as_str()) {
            sorted.aside = Some(function);
            continue;
        }
        let variant = if let Some(variant) = by_method.get(&name) {
            *variant
        } else if let Some(variant) = model.misspelled(&name, &handled, &claimed) {
            cx.error_spanned_by(&function.sig.ident, model.misspelled_error(&name, variant));
            // Checked as the handler it was meant to be, so its body raises nothing more.
            if let Some(method) = M::method(variant) {
                claimed.insert(unraw(method));
                let mut ident = method.clone();
                ident.set_span(function.sig.ident.span());
                function.sig.ident = ident;
            }
            variant
        } else {
            cx.error_spanned_by(&function.sig.ident, model.stray_error(&name));
            sorted.inherent_items.push(ImplItem::Fn(function));
            continue;
        };
        let key = unraw(&function.sig.ident);
        if let Some(first) = seen.get(&key) {
            let mut error = syn::Error::new(
                function.sig.ident.span(),
                format!(
                    "duplicate handler `{key}`: this {} already has a handler in this impl\nhelp: remove one of the two methods",
                    front.variant
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
        if model.check(cx, variant, &mut function, context) {
            sorted.trait_items.push(ImplItem::Fn(function));
        } else {
            sorted.inherent_items.push(ImplItem::Fn(function));
        }
    }

    // Every missing handler, each with the method to add. (A claimed method was renamed to
    // the handler it meant to be, so it is among those seen.)
    for (method, variant) in model.required() {
        if seen.contains_key(&method) {
            continue;
        }
        cx.error_spanned_by(&item.self_ty, model.missing_error(variant, context));
    }
    sorted
}

/// `path` with its last segment renamed by `rename` and stripped of generic arguments: the
/// trait or macro named after an enum.
pub(crate) fn renamed(path: &syn::Path, rename: fn(&Ident) -> Ident) -> syn::Path {
    let mut path = path.clone();
    if let Some(last) = path.segments.last_mut() {
        last.ident = rename(&last.ident);
        last.arguments = syn::PathArguments::None;
    }
    path
}

/// The inherent impl of the methods with an error, if any.
pub(crate) fn inherent_impl(item: &ItemImpl, items: &[ImplItem]) -> Option<TokenStream> {
    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    (!items.is_empty()).then(|| {
        quote! {
            impl #impl_generics #self_ty #where_clause {
                #( #items )*
            }
        }
    })
}

/// The messages of the `compile_error!`s in `tokens`, for the front ends' tests.
#[cfg(test)]
pub(crate) fn error_messages(tokens: &TokenStream) -> Vec<String> {
    let text = tokens.to_string();
    text.split("compile_error !")
        .skip(1)
        .filter_map(|rest| rest.split('"').nth(1).map(str::to_owned))
        .collect()
}
