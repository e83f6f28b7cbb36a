//! The workspace's example ChatKit backends, as a library: each example binary is a thin
//! `main` over one of these modules, so the integration tests start the very same server
//! in-process.

// `examples/todo.rs` is the binary's root, so the module's files live in `todo_app/`.
#[path = "todo_app/mod.rs"]
pub mod todo;

// The counter backend of the server benchmark (`examples/counter.rs`).
#[path = "counter_app.rs"]
pub mod counter;

// The serving limits on the command line, shared by both backends.
#[path = "serving.rs"]
pub mod serving;
