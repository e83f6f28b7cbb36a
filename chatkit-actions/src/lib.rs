//! Strongly typed [ChatKit](https://platform.openai.com/docs/guides/chatkit) actions.
//!
//! A ChatKit widget carries an [`ActionConfig`]; when a person clicks or submits, the client
//! sends the action to the backend. This crate makes those actions Rust types:
//!
//! - [`#[derive(Action)]`](derive@Action) on an enum declares the application's discriminated
//!   union of actions and generates its wire (de)serialization and [`ActionConfig::create`]
//!   support;
//! - the widget builders in [`widget`] accept typed actions in every action slot;
//! - the protocol's data types ([`thread`], [`request`]) are wire-compatible with the official
//!   Python SDK.
#![deny(missing_docs)]

extern crate self as chatkit_actions;

pub mod action;
pub mod config;
pub mod handler;
#[cfg(feature = "axum")]
pub mod http;
pub mod request;
pub mod server;
pub mod store;
pub mod thread;
pub mod widget;

#[doc(hidden)]
pub mod __private {
    pub use crate::private::*;
}
mod private;

pub use action::{Action, ActionParseError, ActionSpec, RawAction, SingleAction};
pub use config::{ActionConfig, Handler, LoadingBehavior};

/// Derives [`Action`](trait@Action) for an enum of actions or for a single payload struct.
///
/// See the crate's README for the attributes; every misuse is a compile error that points at
/// the offending token.
pub use chatkit_actions_derive::Action;

/// Implements an action enum's handler trait for the type of an impl block, with an
/// exhaustive dispatch: a server action without its method is a compile error.
pub use chatkit_actions_derive::action_handler;

/// The `async_trait` attribute, for implementing [`store::Store`].
pub use async_trait::async_trait;
