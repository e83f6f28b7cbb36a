//! A todo list as a ChatKit backend: typed actions on widgets, a deterministic assistant,
//! and the list kept in the store.
//!
//! - [`actions`]: the action union [`TodoAction`] and its handler [`TodoApp`];
//! - [`widgets`]: the list, a todo's card with its edit form, the "new todo" card (a Card
//!   acting as a form), the "clear done todos?" confirmation;
//! - [`assistant`]: [`TodoAssistant`], which answers "add …", "list", "done N", "clear done"
//!   and "help";
//! - [`state`]: the todo list, kept in each thread's server-private `metadata`;
//! - [`session`]: the request context [`Session`], from the `x-user-id` header;
//! - [`server`]: the command line and the HTTP server.
//!
//! Run it with `cargo run --example todo -- --port 8000 --db todo.db`.

pub mod actions;
pub mod assistant;
pub mod server;
pub mod session;
pub mod state;
pub mod widgets;

pub use actions::{TodoAction, TodoApp};
pub use assistant::TodoAssistant;
pub use server::{Args, RunningServer, run, start, start_app};
pub use session::Session;
