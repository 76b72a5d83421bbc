//! Helpers shared by the integration tests that run the `hemoflow` command.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use serde_json::Value;

/// Held while a test writes an HDF5 file and while it starts a `hemoflow` process: HDF5 opens
/// files without close-on-exec, so a child started meanwhile by another test thread would inherit
/// the writer's lock and keep the file locked against the next reader until that child exits.
#[allow(dead_code)]
pub static SPAWN: Mutex<()> = Mutex::new(());

/// Runs `hemoflow ARGS` in `dir`, started under [`SPAWN`]: (exit code, stdout parsed as JSON or
/// Null, stdout followed by stderr).
#[allow(dead_code)]
pub fn hemoflow_in(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let child = {
        let _guard = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        Command::new(env!("CARGO_BIN_EXE_hemoflow"))
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run hemoflow")
    };
    let out = child.wait_with_output().expect("run hemoflow");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stdout + &String::from_utf8_lossy(&out.stderr))
}

/// Runs `hemoflow ARGS` in the crate's folder: (exit code, stdout parsed as JSON or Null,
/// stdout followed by stderr).
#[allow(dead_code)]
pub fn hemoflow(args: &[&str]) -> (i32, Value, String) {
    hemoflow_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}
