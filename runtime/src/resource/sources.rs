//! What detectors read: environment variables through an injected lookup, files under a root
//! directory, and what the standard library knows about this process. Tests give each detector
//! a simulated machine: variables in a map, files in a temporary directory.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Bytes read from one file at most, so a detector's cost at start-up is bounded whatever is
/// mounted there; `/proc/self/mountinfo` of a busy Kubernetes node is well under this.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The machine detectors look at besides the environment.
#[derive(Debug, Clone)]
pub(crate) struct Machine {
    /// Where `proc/…`, `etc/…` and `var/run/…` are looked for: `/` for this machine.
    pub(crate) root: PathBuf,
    /// `std::env::consts::OS` (Rust's name for the operating system).
    pub(crate) os: &'static str,
    /// `std::env::consts::ARCH` (Rust's name for the CPU architecture).
    pub(crate) arch: &'static str,
    /// This process's id.
    pub(crate) pid: Option<u32>,
    /// The path of this process's executable.
    pub(crate) executable: Option<PathBuf>,
}

impl Machine {
    /// The machine this process runs on.
    pub(crate) fn this() -> Machine {
        Machine {
            root: PathBuf::from("/"),
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            pid: Some(std::process::id()),
            executable: std::env::current_exe().ok(),
        }
    }

    /// A machine with nothing to find: no files, no process facts.
    #[cfg(test)]
    pub(crate) fn empty() -> Machine {
        Machine {
            root: PathBuf::from("/nonexistent/traced-test-root"),
            os: "",
            arch: "",
            pid: None,
            executable: None,
        }
    }

    /// The text of `path` (relative to the root), at most [`MAX_FILE_BYTES`] of it, cut after
    /// its last complete line if it was longer; `None` when it cannot be read.
    pub(crate) fn read(&self, path: &str) -> Option<String> {
        let file = File::open(self.root.join(path)).ok()?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES).read_to_end(&mut bytes).ok()?;
        if bytes.len() as u64 == MAX_FILE_BYTES {
            let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            bytes.truncate(end);
        }
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The first line of `path`, trimmed, when it is a printable value (see [`printable`]).
    pub(crate) fn read_value(&self, path: &str) -> Option<String> {
        let text = self.read(path)?;
        printable(text.lines().next()?)
    }
}

/// The environment as detectors see it: a variable's value, trimmed, when it is a printable
/// value (see [`printable`]); a value that was not UTF-8 reads as U+FFFD and is left out.
pub(crate) fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    printable(&env(name)?)
}

/// `value` trimmed, unless it is empty, holds a control character or U+FFFD (the lossy form of
/// bytes that were not UTF-8), or is longer than 1024 bytes: a detected attribute is a name or
/// an id, and nothing rather than garbage is sent.
fn printable(value: &str) -> Option<String> {
    let value = value.trim();
    let clean = !value.is_empty()
        && value.len() <= 1024
        && !value.chars().any(|c| c.is_control() || c == '\u{FFFD}');
    clean.then(|| value.to_owned())
}

/// The last component of `path`, as text.
pub(crate) fn file_name(path: &Path) -> Option<String> {
    printable(path.file_name()?.to_str()?)
}

/// Temporary roots for tests: a simulated machine's files.
#[cfg(test)]
mod temp {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::Machine;

    /// A directory standing for `/`, removed when dropped.
    pub(crate) struct TempRoot(PathBuf);

    impl TempRoot {
        pub(crate) fn new() -> TempRoot {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let name = format!(
                "traced-resource-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            let dir = std::env::temp_dir().join(name);
            std::fs::create_dir_all(&dir).expect("a temporary directory");
            TempRoot(dir)
        }

        pub(crate) fn write(&self, path: &str, text: &str) {
            let path = self.0.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("directories");
            std::fs::write(path, text).expect("a file");
        }

        /// A 64-bit Linux machine running `/usr/local/bin/checkout` as process 4242.
        pub(crate) fn machine(&self) -> Machine {
            Machine {
                root: self.0.clone(),
                os: "linux",
                arch: "x86_64",
                pid: Some(4242),
                executable: Some(PathBuf::from("/usr/local/bin/checkout")),
            }
        }
    }

    impl Drop for TempRoot {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[cfg(test)]
pub(crate) use temp::TempRoot;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_and_garbage_is_left_out() {
        assert_eq!(printable("  web-1 \n"), Some("web-1".to_owned()));
        for bad in ["", "  ", "a\u{7}b", "a\u{FFFD}", &"x".repeat(1025)] {
            assert_eq!(printable(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_are_bounded_and_cut_at_a_line() {
        let root = TempRoot::new();
        let line = "x".repeat(1023) + "\n";
        root.write("big", &line.repeat(2048));
        root.write("short", "first\nsecond\n");
        let machine = root.machine();
        let big = machine.read("big").expect("readable");
        assert!(big.len() as u64 <= MAX_FILE_BYTES, "{}", big.len());
        assert!(big.ends_with('\n'));
        assert_eq!(machine.read_value("short").as_deref(), Some("first"));
        assert_eq!(machine.read("missing"), None);
    }

    #[test]
    fn file_names_are_the_last_component() {
        assert_eq!(
            file_name(Path::new("/usr/bin/checkout")).as_deref(),
            Some("checkout")
        );
        assert_eq!(file_name(Path::new("/")), None);
    }
}
