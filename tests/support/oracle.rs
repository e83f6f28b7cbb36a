//! The wire-format oracle: the official Python SDK's own models and serializer
//! (`conformance/oracle/validate.sh` of the shared folder next to the workspace, or under
//! `CHATKIT_SHARED_DIR`), run with the virtualenv `CHATKIT_ORACLE_VENV` names (made by
//! `scripts/oracle-setup.sh`). Included by the tests that use it with
//! `#[path = "support/oracle.rs"] mod oracle;`.

#![allow(
    dead_code,
    reason = "each test file that includes the oracle uses part of it"
)]

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The oracle, set up.
pub(crate) struct Oracle {
    validate: PathBuf,
    venv: OsString,
    scratch: PathBuf,
}

impl Oracle {
    /// The oracle when `CHATKIT_ORACLE_VENV` is set, with a scratch directory `scratch` under
    /// the tests' temporary directory; `None` otherwise, after saying the test is skipped.
    ///
    /// # Panics
    ///
    /// When the virtualenv is named but the oracle's script is not where it should be: the
    /// run asked for the oracle, so its absence is an error, not a skip.
    pub(crate) fn from_env(scratch: &str) -> Option<Self> {
        let Some(venv) = std::env::var_os("CHATKIT_ORACLE_VENV") else {
            println!(
                "skipped: CHATKIT_ORACLE_VENV is not set (run scripts/oracle-setup.sh, then set it to target/chatkit-sdk)"
            );
            return None;
        };
        let shared = std::env::var_os("CHATKIT_SHARED_DIR").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"),
            PathBuf::from,
        );
        let validate = shared.join("conformance/oracle/validate.sh");
        assert!(
            validate.is_file(),
            "the oracle is missing: {} (set CHATKIT_SHARED_DIR to the folder that holds conformance/oracle)",
            validate.display()
        );
        let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(scratch);
        std::fs::create_dir_all(&scratch).expect("a scratch directory");
        Some(Oracle {
            validate,
            venv,
            scratch,
        })
    }

    /// Validates `bytes` (one JSON value, JSON lines or an SSE stream) as the SDK type `kind`
    /// (`ThreadStreamEvent`, `Attachment`, `ChatKitReq`, …), written to `file` in the scratch
    /// directory; returns the oracle's summary line.
    ///
    /// # Panics
    ///
    /// When the SDK rejects them, with its report.
    pub(crate) fn validate(&self, kind: &str, file: &str, bytes: &[u8]) -> String {
        let path = self.scratch.join(file);
        std::fs::write(&path, bytes).expect("write the capture");
        let output = Command::new("bash")
            .arg(&self.validate)
            .args(["--kind", kind])
            .arg(&path)
            .env("CHATKIT_ORACLE_VENV", &self.venv)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run the oracle");
        let report = String::from_utf8_lossy(&output.stdout);
        let errors = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "the Python SDK rejects {file} as {kind}:\n{report}\n{errors}"
        );
        let summary = report.lines().last().unwrap_or_default().to_owned();
        println!("{kind} ({file}): {summary}");
        summary
    }

    /// Runs the Python `script` with the virtualenv's interpreter, `input` on its standard
    /// input, for SDK types the oracle's script has no kind for.
    ///
    /// # Panics
    ///
    /// When the script fails, with its output.
    pub(crate) fn python(&self, script: &str, input: &[u8]) {
        let mut child = Command::new(PathBuf::from(&self.venv).join("bin/python"))
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the virtualenv's python");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write the input");
        let output = child.wait_with_output().expect("the script ends");
        assert!(
            output.status.success(),
            "the Python SDK rejects the input:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
