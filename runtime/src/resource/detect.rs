//! Running the resource detectors: which exist, which are chosen, and what they found.
//!
//! Each detector reads only local sources (variables through the injected lookup, a few small
//! files under the machine's root) and gives nothing when its source is absent: no network I/O,
//! no command run, nothing that can block start-up.

use std::fmt;

use super::Resource;
use super::aws::detect_aws;
use super::container::detect_container;
use super::host::{detect_host, detect_os};
use super::k8s::detect_k8s;
use super::process::detect_process;
use super::sources::Machine;

/// A source of resource attributes found without configuration, for
/// [`Config::resource_detectors`](crate::Config::resource_detectors) and
/// `TRACED_RESOURCE_DETECTORS` (which names them in lower case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceDetector {
    /// `host.name` (Linux: the kernel's host name; Windows: `COMPUTERNAME`) and `host.arch`.
    Host,
    /// `os.type`.
    Os,
    /// `process.pid` and `process.executable.name` (never the command line).
    Process,
    /// `container.id`, from `/proc/self/cgroup` or `/proc/self/mountinfo`.
    Container,
    /// AWS Lambda (`cloud.*`, `faas.*`, `aws.log.group.names`) and Amazon ECS (`cloud.*`,
    /// `aws.ecs.launchtype`), from the variables those platforms set.
    Aws,
    /// `k8s.namespace.name`, from the pod's service account namespace file.
    K8s,
}

impl ResourceDetector {
    /// Every detector, in the order they run.
    pub(crate) const ALL: [ResourceDetector; 6] = [
        ResourceDetector::Host,
        ResourceDetector::Os,
        ResourceDetector::Process,
        ResourceDetector::Container,
        ResourceDetector::Aws,
        ResourceDetector::K8s,
    ];

    /// The detector's name in `TRACED_RESOURCE_DETECTORS` and the startup line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ResourceDetector::Host => "host",
            ResourceDetector::Os => "os",
            ResourceDetector::Process => "process",
            ResourceDetector::Container => "container",
            ResourceDetector::Aws => "aws",
            ResourceDetector::K8s => "k8s",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    fn run(self, env: &dyn Fn(&str) -> Option<String>, machine: &Machine) -> Resource {
        match self {
            ResourceDetector::Host => detect_host(env, machine),
            ResourceDetector::Os => detect_os(machine),
            ResourceDetector::Process => detect_process(machine),
            ResourceDetector::Container => detect_container(machine),
            ResourceDetector::Aws => detect_aws(env),
            ResourceDetector::K8s => detect_k8s(machine),
        }
    }
}

/// A set of detectors.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Detectors(u8);

impl Detectors {
    pub(crate) const NONE: Detectors = Detectors(0);

    pub(crate) fn all() -> Detectors {
        ResourceDetector::ALL.into_iter().collect()
    }

    pub(crate) fn contains(self, detector: ResourceDetector) -> bool {
        self.0 & detector.bit() != 0
    }

    pub(crate) fn insert(&mut self, detector: ResourceDetector) {
        self.0 |= detector.bit();
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The detectors in the set, in the order they run.
    pub(crate) fn iter(self) -> impl Iterator<Item = ResourceDetector> {
        ResourceDetector::ALL
            .into_iter()
            .filter(move |&d| self.contains(d))
    }
}

impl FromIterator<ResourceDetector> for Detectors {
    fn from_iter<I: IntoIterator<Item = ResourceDetector>>(detectors: I) -> Detectors {
        let mut set = Detectors::NONE;
        for detector in detectors {
            set.insert(detector);
        }
        set
    }
}

/// Names, comma-separated (`host,os`), or `none`.
impl fmt::Display for Detectors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<&str> = self.iter().map(ResourceDetector::name).collect();
        f.write_str(&names.join(","))
    }
}

impl fmt::Debug for Detectors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Detectors({self})")
    }
}

/// What the detectors found.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Detected {
    /// Their attributes; where two give the same key, the one that runs first wins.
    pub(crate) resource: Resource,
    /// The detectors that found something.
    pub(crate) found: Detectors,
}

/// Runs `detectors` on `machine`, reading variables through `env`.
pub(crate) fn detect(
    env: &dyn Fn(&str) -> Option<String>,
    machine: &Machine,
    detectors: Detectors,
) -> Detected {
    let mut detected = Detected::default();
    for detector in detectors.iter() {
        let found = detector.run(env, machine);
        if !found.attributes.is_empty() {
            detected.found.insert(detector);
        }
        detected.resource.add_all(found);
    }
    detected
}
