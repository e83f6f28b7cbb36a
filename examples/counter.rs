//! The counter ChatKit backend of the server benchmark (`docs/benchmarks.md`):
//! `cargo run --release --example counter -- --port 8000 --store memory|sqlite|postgres [--db PATH|URL]`.
//!
//! Everything but argument parsing lives in `chatkit_examples::counter`.

use chatkit_examples::counter::{Args, init_logging, run};
use clap::Parser;

/// mimalloc, as a production server would pick (both benchmark servers use it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    init_logging();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("counter backend: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
