//! The `process` detector: `process.pid` and `process.executable.name` (OpenTelemetry semantic
//! conventions, process). Never the command line: its arguments may hold secrets.

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
}
