//! Writes the browser side of the todo backend's actions: the TypeScript module
//! (`actions.ts`) and the JSON Schemas (`schemas/`) generated from [`TodoAction`].
//!
//! ```text
//! cargo run --example todo-types            # into examples/todo_app/generated
//! cargo run --example todo-types -- DIR     # into DIR
//! ```
//!
//! The files in `examples/todo_app/generated` are committed; `tests/typescript.rs` fails when
//! they differ from what the enum generates now.

use std::path::PathBuf;

use chatkit_actions::typescript;
use chatkit_examples::todo::TodoAction;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/todo_app/generated"),
        PathBuf::from,
    );
    let generated = typescript::generate::<TodoAction>()?;
    generated.write_to(&dir)?;
    for (file, _) in generated.files() {
        println!("{}", dir.join(file).display());
    }
    Ok(())
}
