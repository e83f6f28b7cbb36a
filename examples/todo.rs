//! The todo ChatKit backend: `cargo run --example todo -- [--port PORT] [--db PATH]`.
//!
//! Everything but argument parsing lives in `chatkit_examples::todo`, which the integration
//! tests start in-process.

use chatkit_examples::todo::{Args, run, server::init_logging};
use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    init_logging();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("todo backend: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
