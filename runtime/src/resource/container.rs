//! The `container` detector: `container.id` from the cgroup this process is in, else from what
//! the container runtime mounted into it. The rules are those of opentelemetry-java's resource
//! library (cgroup v1 and v2 extractors), made stricter: an id is 64 lowercase hex digits, and
//! when two different ids are found, none is sent. Nothing is better than a wrong id, which
//! would join this process's telemetry to another container's.

use super::sources::Machine;
use super::{Resource, ResourceValue};

pub(crate) const CONTAINER_ID: &str = "container.id";

/// `/proc/self/cgroup` first (it names the container under cgroup v1, and under v2 without a
/// cgroup namespace), then `/proc/self/mountinfo` (cgroup v2 with one, where the cgroup file
/// only says `0::/`).
pub(crate) fn detect_container(machine: &Machine) -> Resource {
    let mut resource = Resource::default();
    let id = machine
        .read("proc/self/cgroup")
        .and_then(|text| id_in_cgroup_file(&text))
        .or_else(|| {
            machine
                .read("proc/self/mountinfo")
                .and_then(|text| id_in_mountinfo(&text))
        });
    if let Some(id) = id {
        resource.add(CONTAINER_ID, ResourceValue::Str(id));
    }
    resource
}

/// Lines `hierarchy:controllers:path` (cgroups(7), /proc/pid/cgroup); the path may itself
/// hold colons (containerd's systemd driver).
fn id_in_cgroup_file(text: &str) -> Option<String> {
    only_one(
        text.lines()
            .filter_map(|line| line.splitn(3, ':').nth(2))
            .filter_map(id_in_cgroup_path),
    )
}

/// The id a runtime puts in the last component of a cgroup path: the whole component
/// (`/docker/<id>`, `/kubepods/besteffort/pod<uid>/<id>`, `/ecs/<task>/<id>`), what follows
/// its last colon (`…slice:cri-containerd:<id>`, containerd ≥ 1.5 with systemd), or what lies
/// between its last `-` and its last `.` (`docker-<id>.scope`, `cri-containerd-<id>.scope`,
/// `crio-<id>.scope`).
fn id_in_cgroup_path(path: &str) -> Option<&str> {
    let last = path.rsplit('/').next()?;
    let id = match last.rsplit_once(':') {
        Some((_, id)) => id,
        None => {
            let start = last.rfind('-').map_or(0, |i| i + 1);
            let end = last.rfind('.').unwrap_or(last.len());
            last.get(start..end)?
        }
    };
    is_container_id(id).then_some(id)
}

/// Lines of proc(5)'s `/proc/pid/mountinfo`: `id parent major:minor root mount-point options
/// [optional…] - fstype source super-options`. Only `root`, the path inside the mounted file
/// system, is read: on a host running containers, their ids appear in mount points and
/// overlay options, and none of them is this process's.
fn id_in_mountinfo(text: &str) -> Option<String> {
    only_one(text.lines().filter_map(|line| {
        let mut fields = line.split(' ');
        let root = fields.nth(3)?;
        let fstype = fields.skip_while(|&f| f != "-").nth(1)?;
        if fstype == "cgroup" || fstype == "cgroup2" {
            // A cgroup mount's root is the cgroup path (`/` inside a cgroup namespace).
            id_in_cgroup_path(root)
        } else {
            id_in_containers_dir(root)
        }
    }))
}

/// A file the runtime keeps per container and mounts in it (`/etc/hostname`, `/etc/hosts`,
/// `/etc/resolv.conf`): Docker's `/var/lib/docker/containers/<id>/hostname`, Podman's
/// `…/containers/storage/overlay-containers/<id>/userdata/hostname`. containerd's
/// `…/sandboxes/<id>/hostname` is not read: that id is the pod's sandbox, another container.
fn id_in_containers_dir(root: &str) -> Option<&str> {
    let mut components = root.split('/');
    components.find(|&c| c == "containers")?;
    components.find(|c| is_container_id(c))
}

fn is_container_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The id when every place that names one names the same.
fn only_one<'a>(mut ids: impl Iterator<Item = &'a str>) -> Option<String> {
    let first = ids.next()?;
    ids.all(|id| id == first).then(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d";

    #[test]
    fn cgroup_paths_of_each_runtime() {
        let paths = [
            format!("/docker/{ID}"),
            format!("/system.slice/docker-{ID}.scope"),
            format!("/kubepods/besteffort/pod5f3e-11/{ID}"),
            format!("/kubepods.slice/kubepods-pod5f3e_11.slice/cri-containerd-{ID}.scope"),
            format!("/kubepods-burstable-pod5f3e_11.slice:cri-containerd:{ID}"),
            format!("/kubepods.slice/kubepods-burstable.slice/crio-{ID}.scope"),
            format!("/ecs/55091c13b7a54b6a9b1b5de3b6a7f0a2/{ID}"),
        ];
        for path in &paths {
            assert_eq!(id_in_cgroup_path(path), Some(ID), "{path}");
        }
    }

    #[test]
    fn paths_without_a_full_id_give_none() {
        let paths = [
            "/",
            "",
            "/user.slice/user-1000.slice/session-2.scope",
            "/init.scope",
            // Fargate's ids are not 64 hex digits: no guess is made.
            "/ecs/55091c13b7a54b6a9b1b5de3b6a7f0a2/55091c13b7a54b6a9b1b5de3b6a7f0a2-3116587017",
            &format!("/docker/{}", &ID[..63]),
            &format!("/docker/{}", ID.to_uppercase()),
            &format!("/docker/{ID}0"),
            "/a.b-c",
        ];
        for path in paths {
            assert_eq!(id_in_cgroup_path(path), None, "{path}");
        }
    }

    #[test]
    fn two_different_ids_give_none() {
        let other = ID.replace('9', "8");
        let text = format!("2:cpu:/docker/{ID}\n1:memory:/docker/{other}\n");
        assert_eq!(id_in_cgroup_file(&text), None);
        let text = format!("2:cpu:/docker/{ID}\n1:memory:/docker/{ID}\n0::/\n");
        assert_eq!(id_in_cgroup_file(&text).as_deref(), Some(ID));
    }

    #[test]
    fn mountinfo_lines_without_a_file_system_type_give_none() {
        let text = format!(
            "1 2 3:4 /var/lib/docker/containers/{ID}/hostname /etc/hostname rw\n\
             x\n\
             \n"
        );
        assert_eq!(id_in_mountinfo(&text), None);
        let text = format!("1 2 3:4 /containers/{ID}/hostname /etc/hostname rw - ext4\n");
        assert_eq!(id_in_mountinfo(&text).as_deref(), Some(ID));
    }
}
