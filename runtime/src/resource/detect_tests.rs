//! One test per environment: its variables in a map, its files in a temporary root.

use std::collections::HashMap;

use super::detect::Detected;
use super::sources::TempRoot;
use super::{Detectors, Machine, Resource, ResourceDetector, ResourceValue, detect};

const ID: &str = "2c4a1e1f3f8d8c5b9a0e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928";
const SANDBOX: &str = "7d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6";

fn run(root: &TempRoot, vars: &[(&str, &str)], detectors: Detectors) -> Detected {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    detect(&|name| vars.get(name).cloned(), &root.machine(), detectors)
}

fn only(detector: ResourceDetector) -> Detectors {
    [detector].into_iter().collect()
}

fn container_id(cgroup: &str, mountinfo: &str) -> Option<String> {
    let root = TempRoot::new();
    root.write("proc/self/cgroup", cgroup);
    root.write("proc/self/mountinfo", mountinfo);
    let detected = run(&root, &[], only(ResourceDetector::Container));
    detected.resource.get_str("container.id").map(str::to_owned)
}

fn str(value: &str) -> ResourceValue {
    ResourceValue::Str(value.to_owned())
}

/// What a systemd host's process sees; its mountinfo names the containers the host runs, in
/// mount points and overlay options only.
const HOST_CGROUP: &str = "0::/user.slice/user-1000.slice/session-2.scope\n";
const HOST_MOUNTINFO: &str = "\
22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
25 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw
310 22 0:55 / /var/lib/docker/overlay2/2c4a1e1f3f8d8c5b9a0e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928/merged rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC,upperdir=/var/lib/docker/overlay2/2c4a1e1f3f8d8c5b9a0e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928/diff
330 22 0:60 / /var/lib/docker/containers/2c4a1e1f3f8d8c5b9a0e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928/mounts/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k
";

#[test]
fn a_plain_linux_host() {
    let root = TempRoot::new();
    root.write("proc/sys/kernel/hostname", "web-1\n");
    root.write("proc/self/cgroup", HOST_CGROUP);
    root.write("proc/self/mountinfo", HOST_MOUNTINFO);
    let detected = run(&root, &[("COMPUTERNAME", "not-on-linux")], Detectors::all());
    let expected = [
        ("host.name", str("web-1")),
        ("host.arch", str("amd64")),
        ("os.type", str("linux")),
        ("process.pid", ResourceValue::I64(4242)),
        ("process.executable.name", str("checkout")),
    ];
    let expected: Vec<(String, ResourceValue)> = expected
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(detected.resource.attributes, expected);
    assert_eq!(detected.found.to_string(), "host,os,process");
}

#[test]
fn host_name_falls_back_to_etc_hostname_then_windows_computername() {
    let root = TempRoot::new();
    root.write("etc/hostname", "builder\n");
    let host = run(&root, &[], only(ResourceDetector::Host)).resource;
    assert_eq!(host.get_str("host.name"), Some("builder"));
    let root = TempRoot::new();
    let vars = HashMap::from([("COMPUTERNAME", "WIN-7K2")]);
    let env = |name: &str| vars.get(name).map(|v| (*v).to_owned());
    let windows = Machine {
        os: "windows",
        ..root.machine()
    };
    let host = detect(&env, &windows, only(ResourceDetector::Host)).resource;
    assert_eq!(host.get_str("host.name"), Some("WIN-7K2"));
}

#[test]
fn a_cgroup_v1_container() {
    let cgroup = format!(
        "12:pids:/docker/{ID}\n\
         11:memory:/docker/{ID}\n\
         2:cpu,cpuacct:/docker/{ID}\n\
         1:name=systemd:/docker/{ID}\n"
    );
    assert_eq!(container_id(&cgroup, "").as_deref(), Some(ID));
    let systemd_driver = format!("4:memory:/system.slice/docker-{ID}.scope\n");
    assert_eq!(container_id(&systemd_driver, "").as_deref(), Some(ID));
    let kubernetes = format!("3:memory:/kubepods/burstable/pod0a1b-2c3d/{ID}\n");
    assert_eq!(container_id(&kubernetes, "").as_deref(), Some(ID));
}

#[test]
fn a_cgroup_v2_docker_container() {
    let mountinfo = format!(
        "\
1080 1001 0:70 / / rw,relatime master:2 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/XYZ,upperdir=/var/lib/docker/overlay2/{SANDBOX}/diff
1085 1080 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw
1093 1080 259:2 /var/lib/docker/containers/{ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/nvme0n1p2 rw
1094 1080 259:2 /var/lib/docker/containers/{ID}/hostname /etc/hostname rw,relatime - ext4 /dev/nvme0n1p2 rw
1095 1080 259:2 /var/lib/docker/containers/{ID}/hosts /etc/hosts rw,relatime - ext4 /dev/nvme0n1p2 rw
"
    );
    assert_eq!(container_id("0::/\n", &mountinfo).as_deref(), Some(ID));
    let podman = format!(
        "601 580 0:45 /containers/storage/overlay-containers/{ID}/userdata/hostname /etc/hostname rw - tmpfs tmpfs rw\n"
    );
    assert_eq!(container_id("0::/\n", &podman).as_deref(), Some(ID));
}

#[test]
fn a_cgroup_v2_containerd_container_in_kubernetes() {
    let kubelet = "/var/lib/kubelet/pods/5f3e0d2c-7b1a-4e8f-9c6d-1a2b3c4d5e6f";
    let sandbox = format!("/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/{SANDBOX}");
    let files = format!(
        "\
1573 1560 259:1 {kubelet}/etc-hosts /etc/hosts rw,relatime - ext4 /dev/nvme0n1p1 rw
1574 1560 259:1 {kubelet}/containers/app/4e2f9a1c /dev/termination-log rw,relatime - ext4 /dev/nvme0n1p1 rw
1575 1560 259:1 {sandbox}/hostname /etc/hostname rw,relatime - ext4 /dev/nvme0n1p1 rw
1576 1560 259:1 {sandbox}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/nvme0n1p1 rw
"
    );
    // Without a cgroup namespace, the cgroup mount's root is the container's cgroup.
    let scope = format!(
        "1570 1560 0:30 /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f3e0d2c.slice/cri-containerd-{ID}.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw\n"
    );
    assert_eq!(
        container_id("0::/\n", &(scope + &files)).as_deref(),
        Some(ID)
    );
    // With one, only the sandbox (the pod's pause container) is named: no id is better.
    let namespaced =
        "1570 1560 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw\n";
    assert_eq!(
        container_id("0::/\n", &(namespaced.to_owned() + &files)),
        None
    );
}

#[test]
fn a_host_mountinfo_gives_no_container_id() {
    assert_eq!(container_id(HOST_CGROUP, HOST_MOUNTINFO), None);
    assert_eq!(container_id("", ""), None);
}

#[test]
fn aws_lambda() {
    let root = TempRoot::new();
    let vars = [
        ("AWS_LAMBDA_FUNCTION_NAME", "checkout"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/checkout"),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/02/[$LATEST]2f399eb14537447da05ab2a2e39309de",
        ),
        ("AWS_REGION", "eu-west-1"),
        ("ECS_CONTAINER_METADATA_URI_V4", "http://169.254.170.2/v4/x"),
    ];
    let detected = run(&root, &vars, only(ResourceDetector::Aws));
    let expected = [
        ("cloud.provider", str("aws")),
        ("cloud.platform", str("aws_lambda")),
        ("cloud.region", str("eu-west-1")),
        ("faas.name", str("checkout")),
        ("faas.version", str("$LATEST")),
        (
            "faas.instance",
            str("2026/01/02/[$LATEST]2f399eb14537447da05ab2a2e39309de"),
        ),
        ("faas.max_memory", ResourceValue::I64(512 * 1024 * 1024)),
        (
            "aws.log.group.names",
            ResourceValue::StrArray(vec!["/aws/lambda/checkout".to_owned()]),
        ),
    ];
    for (key, value) in &expected {
        assert_eq!(detected.resource.get(key), Some(value), "{key}");
    }
    assert_eq!(detected.resource.attributes.len(), expected.len());
    assert_eq!(detected.found, only(ResourceDetector::Aws));
}

#[test]
fn amazon_ecs() {
    let root = TempRoot::new();
    let vars = [
        (
            "ECS_CONTAINER_METADATA_URI_V4",
            "http://169.254.170.2/v4/abc",
        ),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_REGION", "us-west-2"),
        ("AWS_EXECUTION_ENV", "AWS_ECS_FARGATE"),
    ];
    let resource = run(&root, &vars, only(ResourceDetector::Aws)).resource;
    let expected = Resource {
        attributes: vec![
            ("cloud.provider".to_owned(), str("aws")),
            ("cloud.platform".to_owned(), str("aws_ecs")),
            ("cloud.region".to_owned(), str("us-west-2")),
            ("aws.ecs.launchtype".to_owned(), str("fargate")),
        ],
    };
    assert_eq!(resource, expected);
    let vars = [
        ("ECS_CONTAINER_METADATA_URI", "http://169.254.170.2/v3/abc"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ];
    let resource = run(&root, &vars, only(ResourceDetector::Aws)).resource;
    assert_eq!(resource.get_str("cloud.region"), Some("us-east-1"));
    assert_eq!(resource.get("aws.ecs.launchtype"), None);
    let resource = run(&root, &[("AWS_REGION", "us-west-2")], Detectors::all()).resource;
    assert_eq!(
        resource.get("cloud.provider"),
        None,
        "a region alone is no platform"
    );
}

#[test]
fn a_kubernetes_pod() {
    let root = TempRoot::new();
    root.write(
        "var/run/secrets/kubernetes.io/serviceaccount/namespace",
        "payments",
    );
    let detected = run(&root, &[], only(ResourceDetector::K8s));
    assert_eq!(
        detected.resource.get_str("k8s.namespace.name"),
        Some("payments")
    );
    root.write(
        "var/run/secrets/kubernetes.io/serviceaccount/namespace",
        "Not A Namespace\n",
    );
    assert_eq!(
        run(&root, &[], Detectors::all())
            .resource
            .get("k8s.namespace.name"),
        None
    );
}

#[test]
fn detection_off_finds_nothing() {
    let root = TempRoot::new();
    root.write("proc/sys/kernel/hostname", "web-1\n");
    root.write("proc/self/cgroup", &format!("1:memory:/docker/{ID}\n"));
    let vars = [("AWS_LAMBDA_FUNCTION_NAME", "f")];
    let detected = run(&root, &vars, Detectors::NONE);
    assert_eq!(detected, Detected::default());
    assert_eq!(detected.found.to_string(), "none");
}

#[test]
fn values_that_are_not_text_are_left_out() {
    let root = TempRoot::new();
    root.write("proc/sys/kernel/hostname", "bad\u{1b}[31mname\n");
    let vars = [("AWS_LAMBDA_FUNCTION_NAME", "f\u{FFFD}")];
    let detected = run(&root, &vars, Detectors::all());
    assert_eq!(detected.resource.get("host.name"), None);
    assert_eq!(detected.resource.get("faas.name"), None);
}

/// The real `/proc`, read once: only what holds on any Linux machine is asserted.
#[cfg(target_os = "linux")]
#[test]
fn this_linux_machine() {
    let detected = detect(
        &|name| std::env::var(name).ok(),
        &Machine::this(),
        Detectors::all(),
    );
    let resource = &detected.resource;
    let pid = i64::from(std::process::id());
    assert_eq!(resource.get("process.pid"), Some(&ResourceValue::I64(pid)));
    assert!(resource.get_str("process.executable.name").is_some());
    assert_eq!(resource.get_str("os.type"), Some("linux"));
    assert!(resource.get_str("host.arch").is_some());
    assert!(resource.get_str("host.name").is_some_and(|n| !n.is_empty()));
    if let Some(id) = resource.get_str("container.id") {
        assert_eq!(id.len(), 64, "{id}");
    }
    for detector in [
        ResourceDetector::Host,
        ResourceDetector::Os,
        ResourceDetector::Process,
    ] {
        assert!(detected.found.contains(detector), "{detector:?}");
    }
}
