//! `#[tool_handler(Enum, context = C)]`, in two halves as `#[action_handler]`: the attribute
//! forwards to the macro `#[derive(Tools)]` emitted beside the enum, which hands the enum's
//! definition, the arguments and the impl block to [`expand`]. That half checks the methods
//! against the server tools (every missing one, a misspelled one, parameters bound by name,
//! `async`) and implements `<Enum>ToolHandler<C>` and `ToolHandler<C>`. On every error the
//! user's impl is still emitted, so that one mistake gives one error.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{DeriveInput, ImplItem, ItemImpl, Token};

use super::{Tool, ToolShape, ToolsInput, macro_ident, signature, trait_ident};
use crate::ast::unraw;
use crate::check;
use crate::ctxt::Ctxt;
use crate::pretty::pretty;

const MISSING_ENUM: &str = "`#[tool_handler]` needs the tools enum it handles\nhelp: write `#[tool_handler(MyTools)]`, or `#[tool_handler(MyTools, context = MyRequestContext)]`";

/// The attribute: forwards to the enum's macro, or reports a missing enum beside the
/// untouched impl.
pub(crate) fn attribute(args: &TokenStream, item: TokenStream) -> TokenStream {
    let tools = (|input: ParseStream<'_>| {
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
    let Some(mut path) = tools else {
        let span = if args.is_empty() {
            Span::call_site()
        } else {
            args.span()
        };
        let mut tokens = syn::Error::new(span, MISSING_ENUM).to_compile_error();
        tokens.extend(item);
        return tokens;
    };
    if let Some(last) = path.segments.last_mut() {
        last.ident = macro_ident(&last.ident);
        last.arguments = syn::PathArguments::None;
    }
    quote!(#path! { { #args } #item })
}

/// The arguments of `#[tool_handler(MyTools, context = C, crate = "…")]`.
struct HandlerArgs {
    tools: syn::Path,
    context: Option<syn::Type>,
    crate_path: Option<syn::Path>,
}

impl HandlerArgs {
    /// Parses the arguments, reporting every bad one and keeping the rest.
    fn parse(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Self> {
        let tools: syn::Path = input.parse()?;
        let mut args = HandlerArgs {
            tools,
            context: None,
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
        if !matches!(name.as_str(), "context" | "crate") {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown `tool_handler` argument `{key}`\nhelp: the arguments are the tools enum, then optionally `context = Type` and `crate = \"…\"`"
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
        seen.insert(name.clone(), key);
        input.parse::<Token![=]>()?;
        if name == "context" {
            self.context = Some(input.parse()?);
        } else {
            let lit: syn::LitStr = input.parse()?;
            self.crate_path = Some(lit.parse()?);
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
            "`#[tool_handler]` goes on an impl block\nhelp: write `#[tool_handler(MyTools)] impl MyToolHandler { … }`",
        )
        .to_compile_error();
        tokens.extend(item);
        return tokens;
    };
    let cx = Ctxt::new();
    let args = match (|input: ParseStream<'_>| HandlerArgs::parse(&cx, input)).parse2(args) {
        Ok(args) => args,
        Err(error) => {
            cx.push(error);
            return finish(cx, inherent(item));
        }
    };
    // An enum with errors: the derive reported them; the impl stays as the user wrote it.
    let Ok(definition) = syn::parse2::<DeriveInput>(definition) else {
        return finish(cx, inherent(item));
    };
    let scratch = Ctxt::new();
    let model = ToolsInput::from_syn(&scratch, &definition);
    let _ = scratch.check();
    let Some(model) = model else {
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

/// The server tool a method named `name` most likely misspells, among those not handled.
fn misspelled<'m, 'a>(
    name: &str,
    model: &'m ToolsInput<'a>,
    handled: &HashSet<String>,
) -> Option<&'m Tool<'a>> {
    model
        .variants
        .iter()
        .filter(|tool| !tool.client)
        .filter_map(|tool| {
            let method = unraw(tool.method.as_ref()?);
            if handled.contains(&method) {
                return None;
            }
            let distance = check::edit_distance(name, &method);
            (distance <= method.chars().count().max(3) / 3).then_some((distance, tool))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, tool)| tool)
}

#[expect(
    clippy::too_many_lines,
    reason = "the classification of the methods, then one quote! for the impls"
)]
fn expand_impl(
    cx: &Ctxt,
    args: &HandlerArgs,
    model: &ToolsInput<'_>,
    mut item: ItemImpl,
) -> TokenStream {
    let krate = args
        .crate_path
        .clone()
        .unwrap_or_else(|| model.crate_path.clone());
    let tools = &args.tools;
    let context = args
        .context
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(()));
    let context_text = pretty(&context.to_token_stream());

    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "`#[tool_handler]` goes on an inherent impl block, `impl MyToolHandler { … }`, and implements the handler traits itself\nhelp: remove the trait name from the impl",
        );
        item.trait_ = None;
    }

    let by_method: HashMap<String, &Tool<'_>> = model
        .variants
        .iter()
        .filter(|tool| !tool.client)
        .filter_map(|tool| Some((unraw(tool.method.as_ref()?), tool)))
        .collect();
    let mut handled: HashSet<String> = item
        .items
        .iter()
        .filter_map(|i| match i {
            ImplItem::Fn(f) => Some(unraw(&f.sig.ident)),
            _ => None,
        })
        .filter(|name| by_method.contains_key(name))
        .collect();

    let mut seen: HashMap<String, syn::Ident> = HashMap::new();
    let mut trait_items = Vec::new();
    let mut inherent_items = Vec::new();
    for impl_item in std::mem::take(&mut item.items) {
        let ImplItem::Fn(mut function) = impl_item else {
            trait_items.push(impl_item);
            continue;
        };
        let name = unraw(&function.sig.ident);
        let tool = if let Some(tool) = by_method.get(&name) {
            *tool
        } else if let Some(tool) = misspelled(&name, model, &handled) {
            let method = tool
                .method
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            cx.error_spanned_by(
                &function.sig.ident,
                format!(
                    "`{name}` is not a handler of `{}`\nhelp: did you mean `{method}`, the handler of the tool `{}` (`{}::{}`)?",
                    model.ident, tool.name, model.ident, tool.ident,
                ),
            );
            // Checked as the handler it was meant to be, so its body raises nothing more.
            handled.insert(unraw(tool.method.as_ref().unwrap_or(&function.sig.ident)));
            if let Some(method) = &tool.method {
                let mut ident = method.clone();
                ident.set_span(function.sig.ident.span());
                function.sig.ident = ident;
            }
            tool
        } else {
            let client = model
                .variants
                .iter()
                .find(|tool| tool.client && tool.method.as_ref().is_some_and(|m| unraw(m) == name));
            let message = if let Some(tool) = client {
                format!(
                    "`{name}` would handle the client tool `{}`: the browser runs it, the server never does\nhelp: remove this method, or drop `#[tool(client)]` from `{}::{}`",
                    tool.name, model.ident, tool.ident
                )
            } else {
                let handlers: Vec<String> = by_method.keys().map(|m| format!("`{m}`")).collect();
                let mut handlers = handlers;
                handlers.sort();
                format!(
                    "`{name}` is not a handler of `{}`: no server tool is named so\nhelp: the handlers are {}; helper methods belong in another `impl` block",
                    model.ident,
                    handlers.join(", ")
                )
            };
            cx.error_spanned_by(&function.sig.ident, message);
            inherent_items.push(ImplItem::Fn(function));
            continue;
        };
        let key = unraw(&function.sig.ident);
        if let Some(first) = seen.get(&key) {
            let mut error = syn::Error::new(
                function.sig.ident.span(),
                format!(
                    "duplicate handler `{key}`: this tool already has a handler in this impl\nhelp: remove one of the two methods"
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
        if handler_method(cx, model, tool, &mut function, &context_text) {
            trait_items.push(ImplItem::Fn(function));
        } else {
            inherent_items.push(ImplItem::Fn(function));
        }
    }

    // Every missing handler, each with the method to add.
    for tool in model.variants.iter().filter(|tool| !tool.client) {
        let Some(method) = &tool.method else { continue };
        if seen.contains_key(&unraw(method)) {
            continue;
        }
        cx.error_spanned_by(
            &item.self_ty,
            format!(
                "missing handler for the tool `{}` (`{}::{}`)\nhelp: add this method to the impl: `{}`",
                tool.name,
                model.ident,
                tool.ident,
                signature(tool, &context_text),
            ),
        );
    }

    let trait_path = {
        let mut path = tools.clone();
        if let Some(last) = path.segments.last_mut() {
            last.ident = trait_ident(&last.ident);
            last.arguments = syn::PathArguments::None;
        }
        path
    };
    let self_ty = &item.self_ty;
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
        impl #impl_generics #trait_path<#context> for #self_ty #where_clause {
            #( #trait_items )*
        }

        impl #impl_generics #krate::model::ToolHandler<#context> for #self_ty #where_clause {
            type Tools = #tools;

            fn call(
                &self,
                tool: #tools,
                cx: &mut #krate::handler::ActionContext<#context>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<#krate::model::ToolOutput, #krate::handler::HandlerError>,
            > + ::core::marker::Send {
                #tools::__chatkit_call_tool(tool, self, cx)
            }
        }

        #inherent
    }
}

/// The rules of one tool handler method: `async`, its parameters bound to the tool's fields
/// by name.
fn handler_method(
    cx: &Ctxt,
    model: &ToolsInput<'_>,
    tool: &Tool<'_>,
    function: &mut syn::ImplItemFn,
    context: &str,
) -> bool {
    check::async_handler(cx, &mut function.sig);
    let ToolShape::Struct(fields) = &tool.shape else {
        return true;
    };
    let fields: Vec<(String, &syn::Type)> = fields
        .iter()
        .map(|f| (f.ident.as_ref().map(unraw).unwrap_or_default(), &f.ty))
        .collect();
    let qualified = format!("{}::{}", model.ident, tool.ident);
    check::params_bound_by_name(
        cx,
        &function.sig,
        &fields,
        &qualified,
        &signature(tool, context),
    )
}

#[cfg(test)]
mod tests {
    use quote::quote;

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
                enum TodoTool {
                    /// Adds.
                    AddTodo { title: String, due: Option<String> },
                    /// Lists.
                    ListTodos,
                    /// Completes.
                    CompleteTodo { id: u64 },
                    /// Picks.
                    #[tool(client)]
                    PickColor { prompt: String },
                }
            }
            { TodoTool, ctx = () }
            impl Todos {
                async fn add_todo(&self, name: String, due: Option<String>, cx: &mut Cx) -> R { todo!() }
                async fn list_todo(&self, cx: &mut Cx) -> R { todo!() }
                async fn pick_color(&self, prompt: String, cx: &mut Cx) -> R { todo!() }
            }
        };
        let errors = messages(&expand(input));
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("unknown `tool_handler` argument `ctx`"))
        );
        assert!(errors.iter().any(|e| e.starts_with(
            "the parameter `name` stands where the field `title: String` goes; `TodoTool::AddTodo` has no field `name`"
        )));
        assert!(
            errors
                .iter()
                .any(|e| e.contains("did you mean `list_todos`"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("`pick_color` would handle the client tool `pick_color`"))
        );
        // The message as a token: its newline escaped.
        assert!(errors.iter().any(|e| e
            == "missing handler for the tool `complete_todo` (`TodoTool::CompleteTodo`)\\nhelp: add this method to the impl: `async fn complete_todo(&self, id: u64, cx: &mut ActionContext<()>) -> Result<ToolOutput, HandlerError>`"));
    }

    #[test]
    fn the_impl_is_kept_when_the_enum_is_missing() {
        let out = attribute(
            &TokenStream::new(),
            quote!(impl Todos { fn helper(&self) {} }),
        );
        let text = out.to_string();
        assert!(text.contains("needs the tools enum it handles"));
        assert!(text.contains("fn helper"));
    }
}
