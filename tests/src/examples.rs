//! The binaries of the `traced-examples` package (`server`, `caller`, `consumer`, `job`,
//! `demo`), for tests that run them as child processes.
//!
//! `env!("CARGO_BIN_EXE_…")` only names binaries of the package under test, and a package
//! cannot depend on another one's binaries (a dev-dependency on `traced-examples` gives its
//! library, not its bins). Nor can the tests count on `cargo test --workspace` having built
//! them first. So the first test to ask for an example runs
//! `$CARGO build -p traced-examples --bins --message-format=json` once per test process
//! (guarded by a `OnceLock`), in the profile of the running test, and takes each binary's path
//! from cargo's `compiler-artifact` messages rather than guessing a layout (`CARGO_TARGET_DIR`,
//! `build.build-dir` and `--target` all move it). Cargo decides what is stale, so an edit to
//! the examples or the runtime is never tested through an old binary; when nothing is, the
//! build takes a fraction of a second. Cargo releases its lock on the target directory before
//! it runs tests, so the inner build does not wait for the outer `cargo test`. A failed build
//! fails every test that asked, with cargo's errors.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The package whose binaries these are.
const PACKAGE: &str = "traced-examples";

/// The path of the example binary `name`, built (or found up to date) on first use.
///
/// # Panics
/// If the build fails or produced no binary of that name.
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<BTreeMap<String, PathBuf>, String>> = OnceLock::new();
    let bins = match BUILT.get_or_init(build) {
        Ok(bins) => bins,
        Err(e) => panic!("building the {PACKAGE} binaries failed:\n{e}"),
    };
    match bins.get(name) {
        Some(path) => path.clone(),
        None => panic!(
            "`cargo build -p {PACKAGE} --bins` made no binary {name:?}, only {:?}",
            bins.keys().collect::<Vec<_>>()
        ),
    }
}

/// The profile the running test was built in: `target/<dir>/deps/<test>`, where `debug` is
/// the dev profile and any other directory is named after its profile.
fn profile() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let mut dir = exe.parent()?;
    if dir.file_name()? == "deps" {
        dir = dir.parent()?;
    }
    match dir.file_name()?.to_str()? {
        "debug" => None,
        other => Some(other.to_owned()),
    }
}

/// Builds the examples; returns each binary's name and path.
fn build() -> Result<BTreeMap<String, PathBuf>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = Command::new(&cargo);
    command
        .current_dir(&workspace)
        .args(["build", "--bins", "-p", PACKAGE, "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .arg("--message-format=json-render-diagnostics");
    if let Some(profile) = profile() {
        command.args(["--profile", &profile]);
    }
    let output = command
        .output()
        .map_err(|e| format!("running {cargo:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?}: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut bins = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_bin = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"));
        if message["reason"] != "compiler-artifact" || !is_bin {
            continue;
        }
        if let (Some(name), Some(path)) = (
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            bins.insert(name.to_owned(), PathBuf::from(path));
        }
    }
    Ok(bins)
}
