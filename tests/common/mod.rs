//! Helpers shared by the integration tests that run the `hemoflow` command.

use std::process::Command;

use serde_json::Value;

/// Runs `hemoflow ARGS` in the crate's folder: (exit code, stdout parsed as JSON or Null,
/// stdout followed by stderr).
pub fn hemoflow(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hemoflow"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run hemoflow");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stdout + &String::from_utf8_lossy(&out.stderr))
}
