//! `#[derive(Tools)]`: an enum whose variants are a model's tools. The model of the input
//! ([`ToolsInput`]) is built while its `#[tool(…)]` attributes are parsed, every error going
//! to the [`Ctxt`]; then the expansion, or the errors beside a stand-in impl.
//!
//! The generated code: `impl Tools` (definitions with strict schemas from hidden
//! `deny_unknown_fields` structs deriving `JsonSchema`, `parse`, `name`, `is_client`), the
//! `<Enum>ToolHandler<C>` trait with one method per server tool, the dispatch `match`, and the
//! macro beside the enum through which `#[tool_handler]` sees the variants.

pub(crate) mod handler;

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::{Data, DeriveInput, Fields, Ident, LitBool, LitStr};

use crate::ast::{default_crate_path, method_ident, unraw};
use crate::case::snake_case;
use crate::ctxt::Ctxt;
use crate::pretty::pretty;

/// The enum, checked.
pub(crate) struct ToolsInput<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) crate_path: syn::Path,
    pub(crate) variants: Vec<Tool<'a>>,
    pub(crate) original: &'a DeriveInput,
}

/// One variant: one tool.
pub(crate) struct Tool<'a> {
    pub(crate) ident: &'a Ident,
    /// The handler method: the variant's name in `snake_case`.
    pub(crate) method: Option<Ident>,
    /// The name the model calls.
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) strict: bool,
    pub(crate) client: bool,
    pub(crate) shape: ToolShape<'a>,
}

/// The arguments of a tool.
pub(crate) enum ToolShape<'a> {
    /// No arguments: `{}`.
    Unit,
    /// One type whose fields are the arguments.
    Newtype(&'a syn::Type),
    /// The fields are the arguments.
    Struct(Vec<&'a syn::Field>),
}

const ENUM_KEYS: &str = "`crate`";
const VARIANT_KEYS: &str = "`rename`, `description`, `strict`, `client`";

/// Every `#[tool(…)]` among `attrs`, each key handed to `key` (which says whether it knows
/// it); an unknown key is an error naming the keys of `level`.
fn parse_attrs(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    level: &str,
    keys: &str,
    mut key: impl FnMut(&str, &syn::meta::ParseNestedMeta<'_>) -> syn::Result<bool>,
) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("tool")) {
        if let syn::Meta::Path(path) = &attr.meta {
            cx.error_spanned_by(
                path,
                format!("`#[tool]` needs keys: `#[tool(…)]`\nhelp: the keys on {level} are {keys}"),
            );
            continue;
        }
        let mut seen: Vec<String> = Vec::new();
        let result = attr.parse_nested_meta(|meta| {
            let name = meta
                .path
                .get_ident()
                .map_or_else(|| pretty(&meta.path.to_token_stream()), unraw);
            if seen.contains(&name) {
                return Err(meta.error(format!(
                    "duplicate `tool` attribute key `{name}`\nhelp: remove one of them"
                )));
            }
            seen.push(name.clone());
            if key(&name, &meta)? {
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown `tool` attribute key `{name}` on {level}\nhelp: the keys here are {keys}"
                )))
            }
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
}

/// The doc comment's lines, joined as rustdoc renders a paragraph.
fn doc_comment(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(text.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut text = String::new();
    for line in lines {
        if line.is_empty() {
            if !text.ends_with("\n\n") && !text.is_empty() {
                text.push_str("\n\n");
            }
        } else {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push(' ');
            }
            text.push_str(&line);
        }
    }
    text.trim().to_owned()
}

impl<'a> ToolsInput<'a> {
    /// Builds the model; every error goes to `cx`. `None` for input that is no enum.
    pub(crate) fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<ToolsInput<'a>> {
        let mut crate_path = None;
        parse_attrs(cx, &input.attrs, "the enum", ENUM_KEYS, |key, meta| {
            if key != "crate" {
                return Ok(false);
            }
            let lit: LitStr = meta.value()?.parse()?;
            crate_path = Some(lit.parse()?);
            Ok(true)
        });
        let Data::Enum(data) = &input.data else {
            cx.error_spanned_by(
                &input.ident,
                "`#[derive(Tools)]` goes on an enum, one variant per tool\nhelp: write `enum MyTools { /// Adds a todo.\n AddTodo { title: String } }`",
            );
            return None;
        };
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                "`#[derive(Tools)]` does not take generic parameters: a tool's schema is fixed\nhelp: name the concrete types in the variants",
            );
        }
        if data.variants.is_empty() {
            cx.error_spanned_by(
                &input.ident,
                "a tools enum needs at least one variant\nhelp: a model without tools uses `NoTools`",
            );
        }
        let variants: Vec<Tool<'a>> = data
            .variants
            .iter()
            .map(|variant| Tool::from_syn(cx, variant))
            .collect();
        for (index, tool) in variants.iter().enumerate() {
            if let Some(first) = variants.iter().take(index).find(|t| t.name == tool.name) {
                cx.error_spanned_by(
                    tool.ident,
                    format!(
                        "two tools are named `{}`: `{}` and `{}`\nhelp: rename one with `#[tool(rename = \"…\")]`",
                        tool.name, first.ident, tool.ident
                    ),
                );
            }
        }
        Some(ToolsInput {
            ident: &input.ident,
            vis: &input.vis,
            crate_path: crate_path.unwrap_or_else(default_crate_path),
            variants,
            original: input,
        })
    }
}

impl<'a> Tool<'a> {
    fn from_syn(cx: &Ctxt, variant: &'a syn::Variant) -> Tool<'a> {
        let mut rename: Option<LitStr> = None;
        let mut description: Option<LitStr> = None;
        let mut strict = true;
        let mut client = false;
        parse_attrs(cx, &variant.attrs, "a tool", VARIANT_KEYS, |key, meta| {
            match key {
                "rename" => rename = Some(meta.value()?.parse()?),
                "description" => description = Some(meta.value()?.parse()?),
                "strict" => {
                    let value: LitBool = meta.value()?.parse()?;
                    strict = value.value;
                }
                "client" => client = true,
                _ => return Ok(false),
            }
            Ok(true)
        });
        let name = rename
            .as_ref()
            .map_or_else(|| snake_case(&unraw(&variant.ident)), LitStr::value);
        if let Some(lit) = &rename {
            let valid = !name.is_empty()
                && name.len() <= 64
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid {
                cx.error_spanned_by(
                    lit,
                    "a tool name is 1 to 64 letters, digits, `_` or `-`\nhelp: the Responses API refuses any other name",
                );
            }
        }
        let description = description.map_or_else(|| doc_comment(&variant.attrs), |d| d.value());
        if description.is_empty() {
            cx.error_spanned_by(
                &variant.ident,
                format!(
                    "the tool `{name}` has no description: the model reads it to choose the tool\nhelp: add a doc comment to `{}`, or `#[tool(description = \"…\")]`",
                    variant.ident
                ),
            );
        }
        let shape = match &variant.fields {
            Fields::Unit => ToolShape::Unit,
            Fields::Named(fields) => ToolShape::Struct(fields.named.iter().collect()),
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => fields
                .unnamed
                .first()
                .map_or(ToolShape::Unit, |field| ToolShape::Newtype(&field.ty)),
            Fields::Unnamed(fields) => {
                cx.error_spanned_by(
                    fields,
                    format!(
                        "the tool `{name}` has {} unnamed fields: a tool's arguments are a JSON object, so they need names\nhelp: write `{} {{ … }}` with named fields, or wrap one struct: `{}(Args)`",
                        fields.unnamed.len(),
                        variant.ident,
                        variant.ident
                    ),
                );
                ToolShape::Unit
            }
        };
        let method = method_ident(&variant.ident);
        if method.is_none() {
            cx.error_spanned_by(
                &variant.ident,
                "this variant's handler would be named by a keyword Rust cannot write\nhelp: rename the variant",
            );
        }
        Tool {
            ident: &variant.ident,
            method,
            name,
            description,
            strict,
            client,
            shape,
        }
    }
}

/// `TodoTool` → `TodoToolToolHandler`.
pub(crate) fn trait_ident(enum_ident: &Ident) -> Ident {
    format_ident!("{}ToolHandler", enum_ident, span = enum_ident.span())
}

/// The macro beside the enum for `#[tool_handler]`: `TodoTool` → `__chatkit_tools_TodoTool`.
pub(crate) fn macro_ident(enum_ident: &Ident) -> Ident {
    format_ident!("__chatkit_tools_{}", enum_ident, span = enum_ident.span())
}

/// The parameters of a tool's handler method before the context, the pattern that matches
/// the variant, and the arguments passed from it.
pub(crate) fn payload_params(tool: &Tool<'_>) -> (Vec<TokenStream>, TokenStream, Vec<TokenStream>) {
    let name = tool.ident;
    match &tool.shape {
        ToolShape::Unit => (Vec::new(), quote!(Self::#name), Vec::new()),
        ToolShape::Newtype(ty) => (
            vec![quote!(arguments: #ty)],
            quote!(Self::#name(arguments)),
            vec![quote!(arguments)],
        ),
        ToolShape::Struct(fields) => {
            let names: Vec<&Ident> = fields.iter().filter_map(|f| f.ident.as_ref()).collect();
            let params = fields
                .iter()
                .filter_map(|f| {
                    let ident = f.ident.as_ref()?;
                    let ty = &f.ty;
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

/// The method a tool's handler is, as a person writes it.
pub(crate) fn signature(tool: &Tool<'_>, context: &str) -> String {
    let (params, _, _) = payload_params(tool);
    let method = tool
        .method
        .as_ref()
        .map_or_else(String::new, ToString::to_string);
    format!(
        "async fn {method}(&self, {}cx: &mut ActionContext<{context}>) -> Result<ToolOutput, HandlerError>",
        params.iter().map(|p| pretty(p) + ", ").collect::<String>(),
    )
}

/// `#[derive(Tools)]`: the expansion, or the errors beside a stand-in.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let model = ToolsInput::from_syn(&cx, input);
    match (cx.check(), model) {
        (Ok(()), Some(model)) => expand(&model),
        (Err(error), model) => {
            let mut tokens = error.to_compile_error();
            // A stand-in, so that uses of the enum (an `Agent`, a `#[tool_handler]`) add no
            // errors of their own.
            if let Some(model) = model.filter(|_| input.generics.params.is_empty()) {
                tokens.extend(stand_in(&model));
            }
            tokens
        }
        (Ok(()), None) => TokenStream::new(),
    }
}

fn stand_in(model: &ToolsInput<'_>) -> TokenStream {
    let ident = model.ident;
    let krate = &model.crate_path;
    let tools = quote!(#krate::model);
    let macro_tokens = handler_macro(model, None);
    quote! {
        impl #tools::Tools for #ident {
            fn definitions() -> ::std::vec::Vec<#tools::ToolDefinition> { ::std::vec::Vec::new() }
            fn parse(name: &str, _: &str) -> ::core::result::Result<Self, #tools::ToolCallError> {
                ::core::result::Result::Err(#tools::ToolCallError::UnknownTool {
                    name: ::std::borrow::ToOwned::to_owned(name),
                    expected: ::std::vec::Vec::new(),
                })
            }
            fn name(&self) -> &'static str { "" }
            fn is_client(&self) -> bool { false }
        }
        #macro_tokens
    }
}

/// The hidden struct a tool's arguments are parsed into and its schema generated from, and
/// the expression turning it into the variant.
fn arguments_struct(model: &ToolsInput<'_>, tool: &Tool<'_>) -> (TokenStream, TokenStream) {
    let krate = &model.crate_path;
    let enum_ident = model.ident;
    let variant = tool.ident;
    let ident = format_ident!("__ChatkitToolArguments{}", variant);
    let fields: Vec<TokenStream> = match &tool.shape {
        ToolShape::Struct(fields) => fields
            .iter()
            .map(|field| {
                // The doc comment becomes the property's description; serde's keys keep
                // their meaning.
                let attrs = field.attrs.iter().filter(|a| {
                    a.path().is_ident("doc")
                        || a.path().is_ident("serde")
                        || a.path().is_ident("schemars")
                });
                let name = &field.ident;
                let ty = &field.ty;
                quote!(#( #attrs )* #name: #ty)
            })
            .collect(),
        ToolShape::Unit | ToolShape::Newtype(_) => Vec::new(),
    };
    let serde_path = quote!(#krate::__private::serde).to_string();
    let schemars_path = quote!(#krate::__private::schemars).to_string();
    let definition = quote! {
        #[derive(#krate::__private::serde::Deserialize, #krate::__private::schemars::JsonSchema)]
        #[serde(crate = #serde_path, deny_unknown_fields)]
        #[schemars(crate = #schemars_path)]
        #[allow(non_camel_case_types, dead_code)]
        struct #ident { #( #fields, )* }
    };
    let build = match &tool.shape {
        ToolShape::Unit => quote!(|_: #ident| #enum_ident::#variant),
        ToolShape::Newtype(_) => quote!(#enum_ident::#variant),
        ToolShape::Struct(fields) => {
            let names: Vec<&Ident> = fields.iter().filter_map(|f| f.ident.as_ref()).collect();
            quote!(|arguments: #ident| #enum_ident::#variant { #( #names: arguments.#names ),* })
        }
    };
    (definition, build)
}

#[expect(
    clippy::too_many_lines,
    reason = "one quote! per generated item reads best in sequence"
)]
fn expand(model: &ToolsInput<'_>) -> TokenStream {
    let enum_ident = model.ident;
    let vis = model.vis;
    let krate = &model.crate_path;
    let tools = quote!(#krate::model);
    let handler = quote!(#krate::handler);
    let trait_ident = trait_ident(enum_ident);

    let names: Vec<&str> = model.variants.iter().map(|t| t.name.as_str()).collect();
    let mut structs = Vec::new();
    let mut definitions = Vec::new();
    let mut parse_arms = Vec::new();
    let mut name_arms = Vec::new();
    let mut client_patterns = Vec::new();
    let mut methods = Vec::new();
    let mut dispatch_arms = Vec::new();
    for tool in &model.variants {
        let name = &tool.name;
        let description = &tool.description;
        let strict = tool.strict;
        let variant = tool.ident;
        let (definition, build) = arguments_struct(model, tool);
        let schema_type = match &tool.shape {
            ToolShape::Newtype(ty) => quote!(#ty),
            ToolShape::Unit | ToolShape::Struct(_) => {
                let ident = format_ident!("__ChatkitToolArguments{}", variant);
                quote!(#ident)
            }
        };
        let client = tool.client.then(|| quote!(.client()));
        definitions.push(quote! {
            #tools::ToolDefinition::new(
                #name,
                #description,
                #krate::__private::strict_tool_schema(#krate::__private::schemars::schema_for!(#schema_type)),
            )
            .strict(#strict)
            #client
        });
        parse_arms.push(quote! {
            #name => #tools::parse_arguments::<#schema_type>(#name, arguments).map(#build)
        });
        if !matches!(tool.shape, ToolShape::Newtype(_)) {
            structs.push(definition);
        }
        let pattern = match &tool.shape {
            ToolShape::Unit => quote!(#enum_ident::#variant),
            ToolShape::Newtype(_) => quote!(#enum_ident::#variant(..)),
            ToolShape::Struct(_) => quote!(#enum_ident::#variant { .. }),
        };
        name_arms.push(quote!(#pattern => #name));
        let (params, self_pattern, args) = payload_params(tool);
        if tool.client {
            client_patterns.push(pattern);
            dispatch_arms.push(quote! {
                #self_pattern => {
                    let _ = (#( #args, )* handler, cx);
                    ::core::result::Result::Err(#krate::__private::client_tool_called(#name))
                }
            });
            continue;
        }
        let Some(method) = &tool.method else { continue };
        let doc = format!("Runs the tool `{name}` (`{enum_ident}::{variant}`).");
        // A default body, so that a missing method is reported once, by `#[tool_handler]`
        // (implemented by hand, the tool answers with an error at run time).
        methods.push(quote! {
            #[doc = #doc]
            #[allow(unused_variables, clippy::too_many_arguments)]
            fn #method(
                &self,
                #( #params, )*
                cx: &mut #handler::ActionContext<__C>,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<#tools::ToolOutput, #handler::HandlerError>> + ::core::marker::Send {
                let _ = (#( #args, )* cx);
                async move { ::core::result::Result::Err(#krate::__private::tool_unhandled(#name)) }
            }
        });
        dispatch_arms.push(quote!(#self_pattern => handler.#method(#( #args, )* cx).await));
    }
    let is_client = if client_patterns.is_empty() {
        quote!(false)
    } else {
        quote!(::core::matches!(self, #( #client_patterns )|*))
    };
    let trait_doc = format!(
        "The handlers of the server tools of [`{enum_ident}`]: one method per tool.\n\n\
         Implement it with `#[tool_handler({enum_ident}, context = C)]` on an impl block, which checks at compile time that every server tool has its method and implements `ToolHandler<C>`. Implemented by hand, a tool whose method is missing answers with an error at run time instead."
    );
    let handler_macro = handler_macro(model, Some(model.original));
    quote! {
        #[automatically_derived]
        const _: () = {
            #( #structs )*

            impl #tools::Tools for #enum_ident {
                fn definitions() -> ::std::vec::Vec<#tools::ToolDefinition> {
                    ::std::vec![ #( #definitions ),* ]
                }

                fn parse(name: &str, arguments: &str) -> ::core::result::Result<Self, #tools::ToolCallError> {
                    match name {
                        #( #parse_arms, )*
                        _ => ::core::result::Result::Err(#tools::ToolCallError::UnknownTool {
                            name: ::std::borrow::ToOwned::to_owned(name),
                            expected: ::std::vec![ #( #names ),* ],
                        }),
                    }
                }

                fn name(&self) -> &'static str {
                    match self {
                        #( #name_arms, )*
                    }
                }

                fn is_client(&self) -> bool {
                    #is_client
                }
            }
        };

        #[doc = #trait_doc]
        #vis trait #trait_ident<__C: ::core::marker::Send + ::core::marker::Sync + 'static>:
            ::core::marker::Send + ::core::marker::Sync + 'static
        {
            #( #methods )*
        }

        #[automatically_derived]
        impl #enum_ident {
            #[doc(hidden)]
            #vis async fn __chatkit_call_tool<__C, __H>(
                self,
                handler: &__H,
                cx: &mut #handler::ActionContext<__C>,
            ) -> ::core::result::Result<#tools::ToolOutput, #handler::HandlerError>
            where
                __C: ::core::marker::Send + ::core::marker::Sync + 'static,
                __H: #trait_ident<__C> + ?::core::marker::Sized,
            {
                match self {
                    #( #dispatch_arms, )*
                }
            }
        }

        #handler_macro
    }
}

/// The macro `#[tool_handler(Enum)]` expands to, handing the enum's definition to the
/// attribute's second half (see `crate::expand::handler::handler_macro`).
fn handler_macro(model: &ToolsInput<'_>, input: Option<&DeriveInput>) -> TokenStream {
    let krate = &model.crate_path;
    let public = macro_ident(model.ident);
    let definition = input.map(ToTokens::to_token_stream).unwrap_or_default();
    let private = format_ident!(
        "__chatkit_tools_{}_{:016x}",
        model.ident,
        crate::expand::handler::fnv1a(&definition.to_string())
    );
    quote! {
        #[doc(hidden)]
        #[allow(unused_macros)]
        macro_rules! #private {
            ($($input:tt)*) => {
                #krate::__private::tool_handler_impl! { { #definition } $($input)* }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #private as #public;
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn errors(input: TokenStream) -> Vec<String> {
        let Ok(input) = syn::parse2::<DeriveInput>(input) else {
            return vec!["not a derive input".to_owned()];
        };
        let cx = Ctxt::new();
        let _ = ToolsInput::from_syn(&cx, &input);
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn names_descriptions_and_options() {
        let input: DeriveInput = syn::parse_quote! {
            enum PlanTool {
                /// Makes a plan.
                ///
                /// In order.
                MakePlan { title: String },
                #[tool(rename = "ping-server", description = "Pings.", strict = false, client)]
                Ping,
            }
        };
        let cx = Ctxt::new();
        let model = ToolsInput::from_syn(&cx, &input);
        assert!(cx.check().is_ok());
        let tools: Vec<(String, String, bool, bool)> = model
            .iter()
            .flat_map(|model| &model.variants)
            .map(|t| (t.name.clone(), t.description.clone(), t.strict, t.client))
            .collect();
        assert_eq!(
            tools,
            [
                (
                    "make_plan".into(),
                    "Makes a plan.\n\nIn order.".into(),
                    true,
                    false
                ),
                ("ping-server".into(), "Pings.".into(), false, true),
            ]
        );
        let signatures: Vec<String> = model
            .iter()
            .flat_map(|model| &model.variants)
            .map(|t| signature(t, "Session"))
            .collect();
        assert_eq!(
            signatures,
            [
                "async fn make_plan(&self, title: String, cx: &mut ActionContext<Session>) -> Result<ToolOutput, HandlerError>",
                "async fn ping(&self, cx: &mut ActionContext<Session>) -> Result<ToolOutput, HandlerError>",
            ]
        );
    }

    #[test]
    fn every_mistake_is_reported() {
        let errors = errors(quote! {
            enum PlanTool {
                /// Moves.
                Move(u64, u64),
                NoDocs,
                /// Twice.
                #[tool(rename = "move", clinet)]
                Again,
                /// Bad name.
                #[tool(rename = "a b")]
                Spaced,
            }
        });
        let starts = [
            "the tool `move` has 2 unnamed fields",
            "the tool `no_docs` has no description",
            "unknown `tool` attribute key `clinet` on a tool",
            "a tool name is 1 to 64",
            "two tools are named `move`",
        ];
        assert_eq!(errors.len(), starts.len(), "{errors:#?}");
        for (error, start) in errors.iter().zip(starts) {
            assert!(error.starts_with(start), "{error}");
        }
    }

    #[test]
    fn only_enums() {
        let errors = errors(quote!(
            struct Tools {
                a: u8,
            }
        ));
        assert_eq!(errors.len(), 1);
        assert!(
            errors
                .iter()
                .all(|e| e.starts_with("`#[derive(Tools)]` goes on an enum"))
        );
    }
}
