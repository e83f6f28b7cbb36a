//! `#[derive(Action)]` and `#[action_handler]` used from a crate outside the workspace, as an
//! application uses them: the crate in `outside/` is copied to a scratch directory with a
//! manifest of its own (its own `[workspace]`, `chatkit-actions` by path, the workspace's lock
//! file so that it builds offline with the same versions), then built and run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the scratch crate and its build go: under the target directory, as trybuild does.
fn scratch() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from);
    target.join("tests").join("outside-crate")
}

#[test]
fn macros_work_from_a_crate_outside_the_workspace() {
    let root = scratch();
    let dir = root.join("app");
    std::fs::create_dir_all(dir.join("src")).expect("create the scratch crate");
    let runtime = workspace()
        .join("chatkit-actions")
        .canonicalize()
        .expect("the runtime crate");
    let manifest = format!(
        r#"[package]
name = "outside-app"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
chatkit-actions = {{ path = {runtime:?}, default-features = false }}
serde_json = "1"
"#,
        runtime = runtime.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write the manifest");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("outside/main.rs"),
        dir.join("src/main.rs"),
    )
    .expect("copy the crate's source");
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock"))
        .expect("copy the lock file");

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--offline", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "the outside crate failed to build or run:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
