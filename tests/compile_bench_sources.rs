//! The sources of the compile-time benchmark (`scripts/bench-compile.sh`,
//! `docs/benchmarks.md`): the same 200-action application written twice, with
//! `#[derive(Action)]` and `#[action_handler]`, and with serde's adjacently tagged enum, a
//! handler trait and the dispatch `match` written out. `benches/compile/generate.rs` writes
//! both; the build script puts them in `OUT_DIR`, where the examples `compile_derived` and
//! `compile_handwritten` include them, so every `cargo test` compiles both, with the macros and
//! without, and the benchmark cannot rot.
//!
//! This test checks that the examples hold what the generator writes, and that the two
//! applications declare the same actions and handlers, so the benchmark compares like with like.

#[path = "../benches/compile/generate.rs"]
mod generate;

use generate::{VARIANTS, derived, handwritten, params};

/// What the examples include.
const BUILT_DERIVED: &str = include_str!(concat!(env!("OUT_DIR"), "/compile_bench/derived.rs"));
const BUILT_HANDWRITTEN: &str =
    include_str!(concat!(env!("OUT_DIR"), "/compile_bench/handwritten.rs"));

#[test]
fn derived_source_is_current() {
    assert!(
        BUILT_DERIVED == derived(),
        "the example compile_derived does not include what benches/compile/generate.rs writes"
    );
    assert!(BUILT_DERIVED.contains("#[derive(Action,"));
    assert!(BUILT_DERIVED.contains("#[action_handler(BenchAction)]"));
}

#[test]
fn handwritten_source_is_current() {
    assert!(
        BUILT_HANDWRITTEN == handwritten(),
        "the example compile_handwritten does not include what benches/compile/generate.rs writes"
    );
    // No macro of this crate: serde's derive, the trait and the `match` by hand.
    assert!(!BUILT_HANDWRITTEN.contains("#[derive(Action"));
    assert!(!BUILT_HANDWRITTEN.contains("#[action_handler"));
    assert!(BUILT_HANDWRITTEN.contains("#[serde(tag = \"type\", content = \"payload\")]"));
}

#[test]
fn both_declare_the_same_actions() {
    let (derived, handwritten) = (derived(), handwritten());
    for i in 0..VARIANTS {
        let variant = format!("    Action{i} {{\n");
        assert!(derived.contains(&variant) && handwritten.contains(&variant));
        let method = format!("async fn action{i}(&self, {}", params(i));
        assert_eq!(derived.matches(&method).count(), 1);
        // The trait's declaration and the implementation.
        assert_eq!(handwritten.matches(&method).count(), 2);
    }
}

/// `scripts/bench-compile.sh` measures an incremental rebuild by editing one handler's body,
/// the text below: it must be in exactly one handler of each application.
#[test]
fn the_incremental_edit_hits_one_handler() {
    for source in [derived(), handwritten()] {
        assert_eq!(source.matches("\"action 7: ").count(), 1);
    }
}
