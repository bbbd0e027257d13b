//! The `k8s` detector: `k8s.namespace.name` from the file Kubernetes mounts in every pod with
//! a service account token. The pod's name, uid and node are not in any file: the Downward API
//! puts them in variables for `OTEL_RESOURCE_ATTRIBUTES` (see the README).

use super::sources::Machine;
use super::{Resource, ResourceValue};

pub(crate) const K8S_NAMESPACE_NAME: &str = "k8s.namespace.name";
const NAMESPACE_FILE: &str = "var/run/secrets/kubernetes.io/serviceaccount/namespace";

pub(crate) fn detect_k8s(machine: &Machine) -> Resource {
    let mut resource = Resource::default();
    if let Some(namespace) = machine
        .read_value(NAMESPACE_FILE)
        .filter(|name| is_dns_label(name))
    {
        resource.add(K8S_NAMESPACE_NAME, ResourceValue::Str(namespace));
    }
    resource
}

/// Namespace names are RFC 1123 labels (Kubernetes, "Namespaces"): at most 63 lowercase
/// letters, digits and `-`, starting and ending with a letter or digit. Anything else in the
/// file is not a namespace name.
fn is_dns_label(name: &str) -> bool {
    let alphanumeric = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = name.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes.first().is_some_and(alphanumeric)
        && bytes.last().is_some_and(alphanumeric)
        && bytes.iter().all(|b| alphanumeric(b) || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names_are_dns_labels() {
        for good in ["default", "a", "team-42", &"a".repeat(63)] {
            assert!(is_dns_label(good), "{good}");
        }
        for bad in ["", "-a", "a-", "Prod", "a_b", "a.b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }
}
