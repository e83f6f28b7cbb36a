//! The compile-time benchmark's application written without this crate's macros: the same 200
//! actions, generated at build time from `benches/compile/generate.rs` (see
//! `docs/benchmarks.md`). Built by every `cargo test`, so it cannot rot.

include!(concat!(env!("OUT_DIR"), "/compile_bench/handwritten.rs"));
