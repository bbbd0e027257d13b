//! The attributes every resource carries: the SDK that made it (`telemetry.sdk.*`, required by
//! the OpenTelemetry resource SDK spec, "Semantic Attributes with SDK-provided Default Value")
//! and `service.instance.id`.

use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Resource, ResourceValue};

pub(crate) const SDK_NAME: &str = "telemetry.sdk.name";
pub(crate) const SDK_LANGUAGE: &str = "telemetry.sdk.language";
pub(crate) const SDK_VERSION: &str = "telemetry.sdk.version";
pub(crate) const SERVICE_INSTANCE_ID: &str = "service.instance.id";

/// The id of this process's service instance, and the process it was made for.
static INSTANCE: OnceLock<(u32, String)> = OnceLock::new();

/// `telemetry.sdk.name` = `traced`, `telemetry.sdk.language` = `rust`, `telemetry.sdk.version`
/// = this crate's version, and `service.instance.id`.
pub(crate) fn sdk_attributes() -> Resource {
    let mut resource = Resource::default();
    let str = |value: &str| ResourceValue::Str(value.to_owned());
    resource.add(SDK_NAME, str("traced"));
    resource.add(SDK_LANGUAGE, str("rust"));
    resource.add(SDK_VERSION, str(env!("CARGO_PKG_VERSION")));
    resource.add(SERVICE_INSTANCE_ID, ResourceValue::Str(instance_id()));
    resource
}

/// A random UUID made once per process: the semantic conventions (service, `service.instance.id`)
/// recommend a version 4 UUID, one per process of an application server's workers. A process
/// forked after the id was made gets an id of its own (see `refresh_after_fork`).
pub(crate) fn instance_id() -> String {
    let pid = std::process::id();
    match INSTANCE.get() {
        Some((owner, id)) if *owner == pid => id.clone(),
        // `get_or_init` is never called here: in a child forked while another thread was
        // making the id, it would wait for a thread that does not exist.
        Some(_) => new_uuid_v4(),
        None => INSTANCE.get_or_init(|| (pid, new_uuid_v4())).1.clone(),
    }
}

/// The id [`instance_id`] made for an earlier process, if this process is a fork of it.
pub(crate) fn inherited_instance_id() -> Option<&'static str> {
    INSTANCE
        .get()
        .filter(|(owner, _)| *owner != std::process::id())
        .map(|(_, id)| id.as_str())
}

/// A version 4 UUID (RFC 9562 §5.4): 122 random bits, the version and variant bits set.
fn new_uuid_v4() -> String {
    let bits = (u128::from(random_u64()) << 64) | u128::from(random_u64());
    let bits = (bits & !(0xF << 76)) | (0x4 << 76); // version 4
    let bits = (bits & !(0x3 << 62)) | (0x2 << 62); // variant 10
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// 64 random bits without a dependency: each `RandomState` is a SipHash key the standard
/// library draws from the operating system's random source (and varies per instance), and
/// SipHash under a secret key is a pseudorandom function; the inputs make each call distinct.
fn random_u64() -> u64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn is_uuid_v4(id: &str) -> bool {
        let groups: Vec<&str> = id.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        lengths == [8, 4, 4, 4, 12]
            && id
                .chars()
                .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
            && groups[2].starts_with('4')
            && groups[3].starts_with(['8', '9', 'a', 'b'])
    }

    #[test]
    fn the_sdk_attributes_are_always_there() {
        let resource = sdk_attributes();
        assert_eq!(resource.get_str(SDK_NAME), Some("traced"));
        assert_eq!(resource.get_str(SDK_LANGUAGE), Some("rust"));
        assert_eq!(
            resource.get_str(SDK_VERSION),
            Some(env!("CARGO_PKG_VERSION"))
        );
        let id = resource
            .get_str(SERVICE_INSTANCE_ID)
            .expect("an instance id");
        assert!(is_uuid_v4(id), "{id}");
    }

    #[test]
    fn the_instance_id_is_made_once_per_process() {
        assert_eq!(instance_id(), instance_id());
        assert_eq!(
            sdk_attributes().get_str(SERVICE_INSTANCE_ID),
            Some(instance_id().as_str())
        );
        assert_eq!(inherited_instance_id(), None);
    }

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let ids: HashSet<String> = (0..1_000).map(|_| new_uuid_v4()).collect();
        assert_eq!(ids.len(), 1_000);
        assert!(ids.iter().all(|id| is_uuid_v4(id)), "{ids:?}");
    }
}
