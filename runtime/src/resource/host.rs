//! The `host` detector (`host.name`, `host.arch`) and the `os` detector (`os.type`), with the
//! values of the OpenTelemetry semantic conventions (host, os).

use super::sources::{Machine, var};
use super::{Resource, ResourceValue};

pub(crate) const HOST_NAME: &str = "host.name";
pub(crate) const HOST_ARCH: &str = "host.arch";
pub(crate) const OS_TYPE: &str = "os.type";

/// The kernel's host name on Linux (what `gethostname` returns, read without a system call),
/// then `/etc/hostname`, then `COMPUTERNAME`, which Windows sets in every process's
/// environment. Elsewhere (macOS, the BSDs) only a system call knows it: nothing is sent.
pub(crate) fn detect_host(env: &dyn Fn(&str) -> Option<String>, machine: &Machine) -> Resource {
    let mut resource = Resource::default();
    let name = machine
        .read_value("proc/sys/kernel/hostname")
        .or_else(|| machine.read_value("etc/hostname"))
        .or_else(|| match machine.os {
            "windows" => var(env, "COMPUTERNAME"),
            _ => None,
        });
    if let Some(name) = name {
        resource.add(HOST_NAME, ResourceValue::Str(name));
    }
    if let Some(arch) = host_arch(machine.arch) {
        resource.add(HOST_ARCH, ResourceValue::Str(arch.to_owned()));
    }
    resource
}

/// The operating system this process was built for, which is the one it runs on.
pub(crate) fn detect_os(machine: &Machine) -> Resource {
    let mut resource = Resource::default();
    if let Some(os) = os_type(machine.os) {
        resource.add(OS_TYPE, ResourceValue::Str(os.to_owned()));
    }
    resource
}

/// Rust's architecture names (`std::env::consts::ARCH`) as the semantic conventions' `host.arch`
/// values. An architecture the conventions do not list keeps Rust's name (`riscv64`): their
/// lists are open, and the name is still exact.
fn host_arch(rust: &'static str) -> Option<&'static str> {
    let arch = match rust {
        "" => return None,
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "x86",
        "arm" => "arm32",
        "powerpc" => "ppc32",
        "powerpc64" => "ppc64",
        "s390x" => "s390x",
        other => other,
    };
    Some(arch)
}

/// Rust's operating system names (`std::env::consts::OS`) as the semantic conventions' `os.type`
/// values; others keep Rust's name, as for [`host_arch`].
fn os_type(rust: &'static str) -> Option<&'static str> {
    let os = match rust {
        "" => return None,
        "macos" => "darwin",
        "dragonfly" => "dragonflybsd",
        // The conventions' `solaris` is "SunOS, Oracle Solaris"; illumos is SunOS.
        "illumos" => "solaris",
        other => other,
    };
    Some(os)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_names_become_semantic_convention_values() {
        let arches = [
            ("x86_64", "amd64"),
            ("aarch64", "arm64"),
            ("x86", "x86"),
            ("arm", "arm32"),
            ("powerpc", "ppc32"),
            ("powerpc64", "ppc64"),
            ("s390x", "s390x"),
            ("riscv64", "riscv64"),
        ];
        for (rust, semconv) in arches {
            assert_eq!(host_arch(rust), Some(semconv), "{rust}");
        }
        let systems = [
            ("linux", "linux"),
            ("macos", "darwin"),
            ("windows", "windows"),
            ("freebsd", "freebsd"),
            ("netbsd", "netbsd"),
            ("openbsd", "openbsd"),
            ("dragonfly", "dragonflybsd"),
            ("solaris", "solaris"),
            ("illumos", "solaris"),
            ("aix", "aix"),
        ];
        for (rust, semconv) in systems {
            assert_eq!(os_type(rust), Some(semconv), "{rust}");
        }
        assert_eq!((host_arch(""), os_type("")), (None, None));
    }

    #[test]
    fn this_build_has_a_value() {
        assert!(host_arch(std::env::consts::ARCH).is_some());
        assert!(os_type(std::env::consts::OS).is_some());
    }
}
