//! `#[tool_handler(Enum, context = C)]`, in two halves as `#[action_handler]`: the attribute
//! forwards to the macro `#[derive(Tools)]` emitted beside the enum, which hands the enum's
//! definition, the arguments and the impl block to [`expand`]. That half checks the methods
//! against the server tools (every missing one, a misspelled one, parameters bound by name,
//! `async`) and implements `<Enum>ToolHandler<C>` and `ToolHandler<C>`. On every error the
//! user's impl is still emitted, so that one mistake gives one error. What it shares with
//! `#[action_handler]` is in `front`; this module holds what differs: its words, the tools
//! enum's model (client tools take no handler) and the impls it emits.

use std::collections::{BTreeSet, HashSet};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Ident, ImplItemFn, ItemImpl};

use super::{Tool, ToolShape, ToolsInput, macro_ident, signature, trait_ident};
use crate::ast::unraw;
use crate::check;
use crate::ctxt::Ctxt;
use crate::front::{self, Args, Front, Model, Sorted};
use crate::pretty::pretty;

/// The words and names of `#[tool_handler]`.
const FRONT: Front = Front {
    name: "tool_handler",
    missing_enum: "`#[tool_handler]` needs the tools enum it handles\nhelp: write `#[tool_handler(MyTools)]`, or `#[tool_handler(MyTools, context = MyRequestContext)]`",
    not_an_impl: "`#[tool_handler]` goes on an impl block\nhelp: write `#[tool_handler(MyTools)] impl MyToolHandler { … }`",
    trait_impl: "`#[tool_handler]` goes on an inherent impl block, `impl MyToolHandler { … }`, and implements the handler traits itself\nhelp: remove the trait name from the impl",
    arguments_help: "the arguments are the tools enum, then optionally `context = Type` and `crate = \"…\"`",
    flags: &[],
    variant: "tool",
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
        |cx, args, definition, scratch, item| match ToolsInput::from_syn(scratch, definition) {
            Some(model) => expand_impl(cx, args, &model, item),
            None => front::inherent(item),
        },
    )
}

impl<'a> Model for ToolsInput<'a> {
    type Variant = Tool<'a>;

    /// The server tools: the browser runs the client tools.
    fn handlers(&self) -> Vec<(String, &Tool<'a>)> {
        self.variants
            .iter()
            .filter(|tool| !tool.client)
            .filter_map(|tool| Some((unraw(tool.method.as_ref()?), tool)))
            .collect()
    }

    fn required(&self) -> Vec<(String, &Tool<'a>)> {
        self.handlers()
    }

    fn method<'v>(tool: &'v Tool<'a>) -> Option<&'v Ident> {
        tool.method.as_ref()
    }

    /// The closest server tool, by edit distance.
    fn misspelled(
        &self,
        name: &str,
        handled: &HashSet<String>,
        claimed: &HashSet<String>,
    ) -> Option<&Tool<'a>> {
        self.handlers()
            .into_iter()
            .filter(|(method, _)| !handled.contains(method) && !claimed.contains(method))
            .filter_map(|(method, tool)| {
                let distance = check::edit_distance(name, &method);
                (distance <= method.chars().count().max(3) / 3).then_some((distance, tool))
            })
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, tool)| tool)
    }

    fn misspelled_error(&self, name: &str, tool: &Tool<'a>) -> String {
        let method = tool
            .method
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        format!(
            "`{name}` is not a handler of `{}`\nhelp: did you mean `{method}`, the handler of the tool `{}` (`{}::{}`)?",
            self.ident, tool.name, self.ident, tool.ident,
        )
    }

    fn stray_error(&self, name: &str) -> String {
        let client = self
            .variants
            .iter()
            .find(|tool| tool.client && tool.method.as_ref().is_some_and(|m| unraw(m) == name));
        if let Some(tool) = client {
            format!(
                "`{name}` would handle the client tool `{}`: the browser runs it, the server never does\nhelp: remove this method, or drop `#[tool(client)]` from `{}::{}`",
                tool.name, self.ident, tool.ident
            )
        } else {
            // Each once, in order.
            let handlers: BTreeSet<String> = self
                .handlers()
                .into_iter()
                .map(|(method, _)| format!("`{method}`"))
                .collect();
            let handlers: Vec<String> = handlers.into_iter().collect();
            format!(
                "`{name}` is not a handler of `{}`: no server tool is named so\nhelp: the handlers are {}; helper methods belong in another `impl` block",
                self.ident,
                handlers.join(", ")
            )
        }
    }

    /// `async`, its parameters bound to the tool's fields by name.
    fn check(&self, cx: &Ctxt, tool: &Tool<'a>, function: &mut ImplItemFn, context: &str) -> bool {
        check::async_handler(cx, &mut function.sig);
        let ToolShape::Struct(fields) = &tool.shape else {
            return true;
        };
        let fields: Vec<(String, &syn::Type)> = fields
            .iter()
            .map(|f| (f.ident.as_ref().map(unraw).unwrap_or_default(), &f.ty))
            .collect();
        let qualified = format!("{}::{}", self.ident, tool.ident);
        check::params_bound_by_name(
            cx,
            &function.sig,
            &fields,
            &qualified,
            &signature(tool, context),
        )
    }

    fn missing_error(&self, tool: &Tool<'a>, context: &str) -> String {
        format!(
            "missing handler for the tool `{}` (`{}::{}`)\nhelp: add this method to the impl: `{}`",
            tool.name,
            self.ident,
            tool.ident,
            signature(tool, context),
        )
    }
}

fn expand_impl(cx: &Ctxt, args: &Args, model: &ToolsInput<'_>, mut item: ItemImpl) -> TokenStream {
    let krate = args.krate(&model.crate_path);
    let tools = &args.path;
    let context = args.context();
    let context_text = pretty(&context.to_token_stream());
    let Sorted {
        trait_items,
        inherent_items,
        ..
    } = front::sort_methods(cx, &FRONT, model, &mut item, &context_text, None);

    let trait_path = front::renamed(tools, trait_ident);
    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let attrs = &item.attrs;
    let inherent = front::inherent_impl(&item, &inherent_items);
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

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

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
        let errors = front::error_messages(&expand(input));
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
