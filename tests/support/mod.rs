//! What several integration tests share: the todo backend's binary, built on demand.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `todo` example binary of the profile this test runs in, built first if missing.
pub(crate) fn todo_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    // target/<profile>/deps/<test>-… → target/<profile>/examples/todo
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let binary = profile.join("examples").join("todo");
    if !binary.exists() {
        let target_dir = profile.parent().expect("the target directory");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut build = Command::new(cargo);
        build
            .args(["build", "--example", "todo"])
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile.file_name().is_some_and(|name| name == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "cargo build --example todo failed");
    }
    binary
}
