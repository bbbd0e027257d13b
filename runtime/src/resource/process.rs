//! The `process` detector: `process.pid` and `process.executable.name` (OpenTelemetry semantic
//! conventions, process). Never the command line: its arguments may hold secrets.

use super::sdk::{SERVICE_INSTANCE_ID, inherited_instance_id, instance_id};
use super::sources::{Machine, file_name};
use super::{Resource, ResourceValue};

pub(crate) const PROCESS_PID: &str = "process.pid";
pub(crate) const PROCESS_EXECUTABLE_NAME: &str = "process.executable.name";

/// The base name of the executable: on Linux the target of `/proc/self/exe`, which is what the
/// conventions ask for.
pub(crate) fn detect_process(machine: &Machine) -> Resource {
    let mut resource = Resource::default();
    if let Some(pid) = machine.pid {
        resource.add(PROCESS_PID, ResourceValue::I64(i64::from(pid)));
    }
    if let Some(name) = machine.executable.as_deref().and_then(file_name) {
        resource.add(PROCESS_EXECUTABLE_NAME, ResourceValue::Str(name));
    }
    resource
}

/// A child forked from the process `parent` describes itself: its own `process.pid`, and its
/// own `service.instance.id` when the parent's was ours to make (the conventions give each
/// worker of an application server an instance id of its own). Values set by the user stay.
pub(crate) fn refresh_after_fork(resource: &mut Resource, parent: u32) {
    let pid = std::process::id();
    if pid == parent {
        return;
    }
    if resource.get(PROCESS_PID) == Some(&ResourceValue::I64(i64::from(parent))) {
        resource.replace(PROCESS_PID, ResourceValue::I64(i64::from(pid)));
    }
    if let Some(inherited) = inherited_instance_id()
        && resource.get_str(SERVICE_INSTANCE_ID) == Some(inherited)
    {
        resource.replace(SERVICE_INSTANCE_ID, ResourceValue::Str(instance_id()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn pid_is_an_int_and_the_name_a_base_name() {
        let machine = Machine {
            pid: Some(4242),
            executable: Some(PathBuf::from("/srv/bin/checkout")),
            ..Machine::empty()
        };
        let resource = detect_process(&machine);
        assert_eq!(resource.get(PROCESS_PID), Some(&ResourceValue::I64(4242)));
        assert_eq!(resource.get_str(PROCESS_EXECUTABLE_NAME), Some("checkout"));
        assert_eq!(detect_process(&Machine::empty()), Resource::default());
    }

    #[test]
    fn the_parent_itself_changes_nothing() {
        let mut resource = Resource::default();
        let pid = i64::from(std::process::id());
        resource.add(PROCESS_PID, ResourceValue::I64(pid));
        let before = resource.clone();
        refresh_after_fork(&mut resource, std::process::id());
        assert_eq!(resource, before);
    }

    #[test]
    fn a_child_gets_its_own_pid_and_user_values_stay() {
        let parent = std::process::id().wrapping_add(1);
        let mut detected = Resource::default();
        detected.add(PROCESS_PID, ResourceValue::I64(i64::from(parent)));
        refresh_after_fork(&mut detected, parent);
        let pid = i64::from(std::process::id());
        assert_eq!(detected.get(PROCESS_PID), Some(&ResourceValue::I64(pid)));
        let mut user = Resource::from_strings([
            (PROCESS_PID.to_owned(), "from-user".to_owned()),
            (SERVICE_INSTANCE_ID.to_owned(), "from-user".to_owned()),
        ]);
        let before = user.clone();
        refresh_after_fork(&mut user, parent);
        assert_eq!(user, before);
    }
}
