//! `#[derive(Action)]`: the `Action` impl, the wire (de)serialization, the handler trait
//! `<Enum>Handler` and the exhaustive dispatch it is called through.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{EnumInput, Field, Options, Shape, StructInput, TypeName};
use crate::attr::{HandlerKind, LoadingKind};
use crate::expand::pretty;

fn handler_tokens(krate: &syn::Path, kind: Option<HandlerKind>) -> TokenStream {
    match kind {
        None | Some(HandlerKind::Server) => quote!(#krate::Handler::Server),
        Some(HandlerKind::Client) => quote!(#krate::Handler::Client),
    }
}

fn loading_tokens(krate: &syn::Path, kind: Option<LoadingKind>) -> TokenStream {
    match kind {
        None | Some(LoadingKind::Auto) => quote!(#krate::LoadingBehavior::Auto),
        Some(LoadingKind::None) => quote!(#krate::LoadingBehavior::None),
        Some(LoadingKind::SelfNode) => quote!(#krate::LoadingBehavior::SelfNode),
        Some(LoadingKind::Container) => quote!(#krate::LoadingBehavior::Container),
    }
}

/// The `ActionSpec` literal of one action type.
fn spec_tokens(
    krate: &syn::Path,
    type_name: &TokenStream,
    variant: &str,
    options: Options,
    fields: &[Field<'_>],
) -> TokenStream {
    let form_fields = fields.iter().filter(|f| f.form).map(|f| &f.wire_name);
    let sensitive = fields.iter().filter(|f| f.sensitive).map(|f| &f.wire_name);
    let handler = handler_tokens(krate, options.handler);
    let loading = loading_tokens(krate, options.loading);
    let streaming = options.streaming.unwrap_or(true);
    let client_payload = options.client_payload;
    quote! {
        #krate::ActionSpec {
            action_type: #type_name,
            variant: #variant,
            handler: #handler,
            loading_behavior: #loading,
            streaming: #streaming,
            client_payload: #client_payload,
            form_fields: &[#( #form_fields ),*],
            sensitive: &[#( #sensitive ),*],
        }
    }
}

fn serde_crate(krate: &syn::Path) -> String {
    pretty(&quote!(#krate::__private::serde))
}

/// Copies the `#[serde(…)]` attributes of a field, so that struct-variant payload fields
/// support `rename`, `default`, `skip_serializing_if` and friends.
fn serde_attrs(field: &syn::Field) -> Vec<&syn::Attribute> {
    field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .collect()
}

/// The hidden structs that carry a payload object's serde impls: one owning its fields for
/// `Deserialize`, one borrowing them for `Serialize` (which skips `#[action(form)]` fields).
struct Mirrors {
    /// The two struct definitions.
    items: TokenStream,
    de_ident: syn::Ident,
    ser_ident: syn::Ident,
    names: Vec<syn::Ident>,
}

fn mirrors(krate: &syn::Path, prefix: &str, fields: &[Field<'_>], expecting: &str) -> Mirrors {
    let serde = quote!(#krate::__private::serde);
    let serde_path = serde_crate(krate);
    let de_ident = format_ident!("__chatkit_de_{}", prefix);
    let ser_ident = format_ident!("__chatkit_ser_{}", prefix);
    let names: Vec<syn::Ident> = fields
        .iter()
        .filter_map(|f| f.field.ident.clone())
        .collect();
    let types: Vec<_> = fields.iter().map(|f| &f.field.ty).collect();
    let attrs: Vec<_> = fields.iter().map(|f| serde_attrs(f.field)).collect();
    let skip: Vec<_> = fields
        .iter()
        .map(|f| {
            if f.form {
                quote!(#[serde(skip_serializing)])
            } else {
                quote!()
            }
        })
        .collect();
    let ser_mirror = if names.is_empty() {
        quote!()
    } else {
        quote! {
            #[derive(#serde::Serialize)]
            #[serde(crate = #serde_path)]
            #[allow(non_camel_case_types, dead_code)]
            struct #ser_ident<'__a> {
                #( #(#attrs)* #skip #names: &'__a #types, )*
            }
        }
    };
    let items = quote! {
        #[derive(#serde::Deserialize)]
        #[serde(crate = #serde_path, expecting = #expecting)]
        #[allow(non_camel_case_types, dead_code)]
        struct #de_ident {
            #( #(#attrs)* #names: #types, )*
        }

        #ser_mirror
    };
    Mirrors {
        items,
        de_ident,
        ser_ident,
        names,
    }
}

impl Mirrors {
    /// Serializes the fields bound to `names` as the payload object.
    fn serialize(&self, krate: &syn::Path, name: &str) -> TokenStream {
        let serde = quote!(#krate::__private::serde);
        let ser_ident = &self.ser_ident;
        let names = &self.names;
        if names.is_empty() {
            quote! {
                #serde::ser::SerializeStruct::end(#serde::Serializer::serialize_struct(serializer, #name, 0)?)
            }
        } else {
            quote! {
                <#ser_ident<'_> as #serde::Serialize>::serialize(&#ser_ident { #( #names, )* }, serializer)
            }
        }
    }
}

/// The constructor that offers an action whose payload has `#[action(form)]` fields, without
/// them: `AppAction::offer_update_todo(id)` for a variant, `UpdateTodo::offer(id)` for a
/// single-action struct. It returns the `ActionConfig` a widget carries, built as
/// `ActionConfig::create` builds it, from a hidden action type that has only the fields the
/// server writes (with their serde attributes). Nothing when there are no form fields.
struct Offer<'a> {
    owner: &'a syn::Ident,
    vis: &'a syn::Visibility,
    /// `offer_update_todo` or `offer`.
    name: syn::Ident,
    /// `AppAction::UpdateTodo` or `UpdateTodo`, for the docs.
    action: String,
    spec: TokenStream,
    type_name: TokenStream,
    fields: &'a [Field<'a>],
}

impl Offer<'_> {
    fn expand(&self, krate: &syn::Path) -> TokenStream {
        if !self.fields.iter().any(|f| f.form) {
            return TokenStream::new();
        }
        let serde = quote!(#krate::__private::serde);
        let serde_path = serde_crate(krate);
        let Offer {
            owner,
            vis,
            name,
            spec,
            type_name,
            ..
        } = self;
        let hidden = format_ident!("__chatkit_offer_{}", name);
        let kept: Vec<&Field<'_>> = self.fields.iter().filter(|f| !f.form).collect();
        let names: Vec<_> = kept.iter().filter_map(|f| f.field.ident.as_ref()).collect();
        let types: Vec<_> = kept.iter().map(|f| &f.field.ty).collect();
        let attrs: Vec<_> = kept.iter().map(|f| serde_attrs(f.field)).collect();
        let quoted = |fields: &mut dyn Iterator<Item = &Field<'_>>| {
            fields
                .map(|f| format!("`{}`", f.name()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let form = quoted(&mut self.fields.iter().filter(|f| f.form));
        let written = quoted(&mut kept.iter().copied());
        let doc = format!(
            "Offers `{}` in a widget without its form fields ({form}), which the client fills in from the form's inputs.\n\n\
             The returned `ActionConfig` is what `ActionConfig::create` makes of the action, with the declared options and the payload the server writes{}; it goes in any widget action slot.",
            self.action,
            if written.is_empty() {
                String::new()
            } else {
                format!(" ({written})")
            }
        );
        quote! {
            #[derive(#serde::Serialize)]
            #[serde(crate = #serde_path)]
            #[allow(non_camel_case_types)]
            struct #hidden {
                #( #(#attrs)* #names: #types, )*
            }

            #[automatically_derived]
            impl #krate::Action for #hidden {
                const SPECS: &'static [#krate::ActionSpec] = &[#spec];
                const TYPES: &'static [&'static str] = &[#type_name];

                fn spec(&self) -> &'static #krate::ActionSpec {
                    &#spec
                }

                // Only ever offered: the client sends back the action of the real type.
                fn deserialize_payload<'de, __D: #serde::Deserializer<'de>>(
                    _: &str,
                    _: __D,
                ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
                    ::core::result::Result::Ok(::core::option::Option::None)
                }

                fn has_payload(&self) -> bool {
                    true
                }

                fn serialize_payload<__S: #serde::Serializer>(
                    &self,
                    serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    <Self as #serde::Serialize>::serialize(self, serializer)
                }
            }

            #[automatically_derived]
            impl #owner {
                #[doc = #doc]
                #[must_use]
                #[allow(clippy::too_many_arguments)]
                #vis fn #name(#( #names: #types ),*) -> #krate::ActionConfig {
                    #krate::ActionConfig::create(#hidden { #( #names ),* })
                }
            }
        }
    }
}

pub(crate) fn expand_struct(input: &StructInput<'_>) -> TokenStream {
    let ident = input.ident;
    let krate = &input.crate_path;
    let type_name = &input.type_name;
    let spec = spec_tokens(
        krate,
        &quote!(#type_name),
        &ident.to_string(),
        input.options,
        &input.fields,
    );
    let serde = quote!(#krate::__private::serde);
    let expecting = format!("the payload of action `{type_name}`");
    let mirrors = mirrors(krate, &ident.to_string(), &input.fields, &expecting);
    let items = &mirrors.items;
    let de_ident = &mirrors.de_ident;
    let names = &mirrors.names;
    let serialize = mirrors.serialize(krate, &ident.to_string());
    let offer = Offer {
        owner: ident,
        vis: &input.original.vis,
        name: format_ident!("offer"),
        action: ident.to_string(),
        spec: quote!(<#ident as #krate::SingleAction>::SPEC),
        type_name: quote!(#type_name),
        fields: &input.fields,
    }
    .expand(krate);
    quote! {
        const _: () = {
            #items
            #offer

            #[automatically_derived]
            impl #serde::Serialize for #ident {
                fn serialize<__S: #serde::Serializer>(
                    &self,
                    serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    let Self { #( #names, )* } = self;
                    #serialize
                }
            }

            #[automatically_derived]
            impl<'de> #serde::Deserialize<'de> for #ident {
                fn deserialize<__D: #serde::Deserializer<'de>>(
                    deserializer: __D,
                ) -> ::core::result::Result<Self, __D::Error> {
                    #krate::__private::deserialize_object::<#de_ident, __D>(deserializer, #expecting)
                        .map(|fields| Self { #( #names: fields.#names, )* })
                }
            }
        };

        #[automatically_derived]
        impl #krate::SingleAction for #ident {
            const SPEC: #krate::ActionSpec = #spec;
        }

        #[automatically_derived]
        impl ::core::convert::TryFrom<#ident> for #krate::ActionConfig {
            type Error = #krate::config::PayloadError;

            fn try_from(action: #ident) -> ::core::result::Result<Self, Self::Error> {
                #krate::ActionConfig::try_create(action)
            }
        }

        #[automatically_derived]
        impl #krate::Action for #ident {
            const SPECS: &'static [#krate::ActionSpec] = &[<Self as #krate::SingleAction>::SPEC];
            const TYPES: &'static [&'static str] = &[#type_name];

            fn spec(&self) -> &'static #krate::ActionSpec {
                &<Self as #krate::SingleAction>::SPEC
            }

            fn deserialize_payload<'de, __D: #serde::Deserializer<'de>>(
                action_type: &str,
                payload: __D,
            ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
                if action_type == #type_name {
                    <Self as #serde::Deserialize<'de>>::deserialize(payload).map(::core::option::Option::Some)
                } else {
                    ::core::result::Result::Ok(::core::option::Option::None)
                }
            }

            fn has_payload(&self) -> bool {
                true
            }

            fn serialize_payload<__S: #serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                <Self as #serde::Serialize>::serialize(self, serializer)
            }
        }
    }
}

fn spec_const(index: usize) -> syn::Ident {
    format_ident!("__CHATKIT_SPEC_{}", index)
}

fn type_const(index: usize) -> syn::Ident {
    format_ident!("__CHATKIT_TYPE_{}", index)
}

#[expect(
    clippy::too_many_lines,
    reason = "one quote! per generated item reads best in sequence"
)]
pub(crate) fn expand_enum(input: &EnumInput<'_>) -> TokenStream {
    let ident = input.ident;
    let krate = &input.crate_path;
    let serde = quote!(#krate::__private::serde);
    let mut consts = Vec::new();
    let mut mirrors_out = Vec::new();
    let mut spec_arms = Vec::new();
    let mut de_arms = Vec::new();
    let mut ser_arms = Vec::new();
    let mut unit_patterns = Vec::new();

    for (index, variant) in input.variants.iter().enumerate() {
        let name = variant.ident;
        let spec_ident = spec_const(index);
        let type_ident = type_const(index);
        let variant_name = name.to_string();
        match &variant.type_name {
            TypeName::Literal(text) => {
                let fields = variant.shape.fields();
                let spec = spec_tokens(
                    krate,
                    &quote!(#text),
                    &variant_name,
                    variant.options,
                    fields,
                );
                consts.push(quote! {
                    const #type_ident: &str = #text;
                    const #spec_ident: #krate::ActionSpec = #spec;
                });
            }
            TypeName::FromPayload(ty) => {
                let spec = spec_tokens(
                    krate,
                    &quote!(<#ty as #krate::SingleAction>::SPEC.action_type),
                    &variant_name,
                    variant.options,
                    &[],
                );
                let loading = if variant.options.loading.is_some() {
                    quote!(#spec.loading_behavior)
                } else {
                    quote!(<#ty as #krate::SingleAction>::SPEC.loading_behavior)
                };
                let message = format!(
                    "the variant `{ident}::{name}` is `typed`, so its handler and streaming options must agree with those its payload type declares\nhelp: repeat the payload type's `handler` and `streaming` options in `#[action(typed, …)]` on the variant"
                );
                consts.push(quote_spanned! {ty.span()=>
                    const #type_ident: &str = <#ty as #krate::SingleAction>::SPEC.action_type;
                    const #spec_ident: #krate::ActionSpec = #krate::ActionSpec {
                        loading_behavior: #loading,
                        form_fields: <#ty as #krate::SingleAction>::SPEC.form_fields,
                        sensitive: <#ty as #krate::SingleAction>::SPEC.sensitive,
                        ..#spec
                    };
                    const _: () = ::core::assert!(
                        #krate::__private::same_dispatch(&#spec_ident, &<#ty as #krate::SingleAction>::SPEC),
                        #message
                    );
                });
            }
        }
        match &variant.shape {
            Shape::Unit => {
                spec_arms.push(quote!(Self::#name => &#spec_ident));
                de_arms.push(quote! {
                    #type_ident => <() as #serde::Deserialize<'de>>::deserialize(payload)
                        .map(|()| ::core::option::Option::Some(Self::#name))
                });
                ser_arms
                    .push(quote!(Self::#name => #serde::Serializer::serialize_unit(serializer)));
                unit_patterns.push(quote!(Self::#name));
            }
            Shape::Newtype(ty) => {
                spec_arms.push(quote!(Self::#name(..) => &#spec_ident));
                de_arms.push(quote! {
                    #type_ident => <#ty as #serde::Deserialize<'de>>::deserialize(payload)
                        .map(|inner| ::core::option::Option::Some(Self::#name(inner)))
                });
                ser_arms.push(quote! {
                    Self::#name(inner) => <#ty as #serde::Serialize>::serialize(inner, serializer)
                });
            }
            Shape::Struct(fields) => {
                let expecting = match &variant.type_name {
                    TypeName::Literal(text) => format!("the payload of action `{text}`"),
                    TypeName::FromPayload(_) => format!("the payload of `{variant_name}`"),
                };
                let mirrors = mirrors(krate, &variant_name, fields, &expecting);
                let de_ident = &mirrors.de_ident;
                let names = &mirrors.names;
                let serialize = mirrors.serialize(krate, &variant_name);
                mirrors_out.push(mirrors.items.clone());
                if let Some(method) = &variant.method {
                    mirrors_out.push(
                        Offer {
                            owner: ident,
                            vis: input.vis,
                            name: format_ident!("offer_{}", crate::ast::unraw(method)),
                            action: format!("{ident}::{name}"),
                            spec: quote!(#spec_ident),
                            type_name: quote!(#type_ident),
                            fields,
                        }
                        .expand(krate),
                    );
                }
                spec_arms.push(quote!(Self::#name { .. } => &#spec_ident));
                de_arms.push(quote! {
                    #type_ident => #krate::__private::deserialize_object::<#de_ident, __D>(payload, #expecting)
                        .map(|fields| ::core::option::Option::Some(Self::#name { #( #names: fields.#names, )* }))
                });
                ser_arms.push(quote! {
                    Self::#name { #( #names, )* } => #serialize
                });
            }
        }
    }

    let spec_idents: Vec<_> = (0..input.variants.len()).map(spec_const).collect();
    let type_idents: Vec<_> = (0..input.variants.len()).map(type_const).collect();
    let has_payload = if unit_patterns.is_empty() {
        quote!(true)
    } else {
        quote!(!::core::matches!(self, #( #unit_patterns )|*))
    };
    let handler = crate::expand::handler::expand_handler_trait(input);

    quote! {
        const _: () = {
            #( #consts )*
            const _: () = #krate::__private::assert_unique_types(&[#( #type_idents ),*]);
            #( #mirrors_out )*

            #[automatically_derived]
            impl #krate::Action for #ident {
                const SPECS: &'static [#krate::ActionSpec] = &[#( #spec_idents ),*];
                const TYPES: &'static [&'static str] = &[#( #type_idents ),*];

                fn spec(&self) -> &'static #krate::ActionSpec {
                    match self {
                        #( #spec_arms, )*
                    }
                }

                #[allow(unreachable_patterns)]
                fn deserialize_payload<'de, __D: #serde::Deserializer<'de>>(
                    action_type: &str,
                    payload: __D,
                ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
                    match action_type {
                        #( #de_arms, )*
                        _ => ::core::result::Result::Ok(::core::option::Option::None),
                    }
                }

                fn has_payload(&self) -> bool {
                    #has_payload
                }

                fn serialize_payload<__S: #serde::Serializer>(
                    &self,
                    serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    match self {
                        #( #ser_arms, )*
                    }
                }
            }

            #[automatically_derived]
            impl #serde::Serialize for #ident {
                fn serialize<__S: #serde::Serializer>(
                    &self,
                    serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    #krate::__private::serialize_action(self, serializer)
                }
            }

            #[automatically_derived]
            impl<'de> #serde::Deserialize<'de> for #ident {
                fn deserialize<__D: #serde::Deserializer<'de>>(
                    deserializer: __D,
                ) -> ::core::result::Result<Self, __D::Error> {
                    #krate::__private::deserialize_action(deserializer)
                }
            }
        };

        #[automatically_derived]
        impl ::core::convert::TryFrom<#ident> for #krate::ActionConfig {
            type Error = #krate::config::PayloadError;

            fn try_from(action: #ident) -> ::core::result::Result<Self, Self::Error> {
                #krate::ActionConfig::try_create(action)
            }
        }

        #handler
    }
}

/// What stands in place of the real impls when the input has errors, so that uses of the
/// type elsewhere do not add errors of their own.
pub(crate) fn stub_impl(ident: &syn::Ident, krate: &syn::Path) -> TokenStream {
    let serde = quote!(#krate::__private::serde);
    quote! {
        #[automatically_derived]
        impl #krate::Action for #ident {
            const SPECS: &'static [#krate::ActionSpec] = &[];
            const TYPES: &'static [&'static str] = &[];
            fn spec(&self) -> &'static #krate::ActionSpec {
                ::core::unimplemented!()
            }
            fn deserialize_payload<'de, __D: #serde::Deserializer<'de>>(
                _: &str,
                _: __D,
            ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
                ::core::unimplemented!()
            }
            fn has_payload(&self) -> bool {
                ::core::unimplemented!()
            }
            fn serialize_payload<__S: #serde::Serializer>(
                &self,
                _: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                ::core::unimplemented!()
            }
        }
    }
}
