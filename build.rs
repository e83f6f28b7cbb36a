//! Writes the compile-time benchmark's two applications into `OUT_DIR/compile_bench`, where the
//! examples `compile_derived` and `compile_handwritten` include them (`benches/compile/`,
//! `docs/benchmarks.md`). They are generated, not committed: ~10,000 lines that only a
//! generator change alters.

use std::path::Path;

#[path = "benches/compile/generate.rs"]
mod generate;

/// Writes `contents` to `path` unless it already holds them, so that a rerun of this script
/// does not make cargo rebuild the examples.
fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).is_ok_and(|current| current == contents) {
        return;
    }
    std::fs::write(path, contents)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=benches/compile/generate.rs");
    let out =
        Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("compile_bench");
    std::fs::create_dir_all(&out)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", out.display()));
    write_if_changed(&out.join("derived.rs"), &generate::derived());
    write_if_changed(&out.join("handwritten.rs"), &generate::handwritten());
}
