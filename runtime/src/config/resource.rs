//! The resource: `service.name`, `service.version`, `OTEL_RESOURCE_ATTRIBUTES` and the
//! attributes given in code, over the SDK's own attributes and what the detectors found.

use super::ServiceDefaults;
use super::env::{Env, echo};
use super::pairs::{dedupe, parse_pairs};
use crate::resource::{Resource, sdk_attributes};

pub(crate) const SERVICE_NAME_VAR: &str = "OTEL_SERVICE_NAME";
pub(crate) const RESOURCE_ATTRIBUTES_VAR: &str = "OTEL_RESOURCE_ATTRIBUTES";
pub(crate) const SERVICE_NAME: &str = "service.name";
pub(crate) const SERVICE_VERSION: &str = "service.version";
/// The resource semantic conventions' fallback when nothing names the service.
pub(crate) const UNKNOWN_SERVICE: &str = "unknown_service";

/// What code said about the resource (`Config::service_name`, `service_version`,
/// `resource_attribute`).
#[derive(Debug, Default)]
pub(crate) struct CodeResource {
    pub(crate) service_name: Option<String>,
    pub(crate) service_version: Option<String>,
    pub(crate) attributes: Vec<(String, String)>,
}

/// The resource attributes: `service.name` first, `service.version` second (when known), then
/// the other `OTEL_RESOURCE_ATTRIBUTES` pairs in order, then the code's attributes. Code wins
/// over the environment for the same key (resource SDK spec: "code-provided values win"), and no
/// key appears twice.
pub(crate) fn resolve_resource(
    env: &mut Env<'_>,
    code: CodeResource,
    defaults: ServiceDefaults,
) -> Resource {
    let from_env = env_attributes(env);
    let env_value = |key: &str| {
        from_env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let present = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    let from_defaults = |value: Option<&str>| value.filter(|v| !v.is_empty()).map(str::to_owned);

    // OTEL_SERVICE_NAME wins over everything, including code (see the `config` module docs). The
    // package name is only a fallback, so a `service.name` in OTEL_RESOURCE_ATTRIBUTES beats it.
    let name = env
        .get(SERVICE_NAME_VAR)
        .or_else(|| present(&code.service_name))
        .or_else(|| from_defaults(defaults.name))
        .or_else(|| env_value(SERVICE_NAME))
        .or_else(|| from_defaults(defaults.package_name))
        .unwrap_or_else(|| UNKNOWN_SERVICE.to_owned());
    // The version follows the usual order, except that the crate's own version is a fallback
    // below OTEL_RESOURCE_ATTRIBUTES, like the package name.
    let version = present(&code.service_version)
        .or_else(|| from_defaults(defaults.version))
        .or_else(|| env_value(SERVICE_VERSION))
        .or_else(|| from_defaults(defaults.package_version));

    let code_attributes: Vec<(String, String)> = code
        .attributes
        .into_iter()
        .filter(|(key, _)| !is_service_key(key))
        .collect();
    let code_attributes = dedupe(code_attributes, str::to_owned);
    let mut resource = Vec::with_capacity(2 + from_env.len() + code_attributes.len());
    resource.push((SERVICE_NAME.to_owned(), name));
    if let Some(version) = version {
        resource.push((SERVICE_VERSION.to_owned(), version));
    }
    let code_keys: std::collections::HashSet<&str> =
        code_attributes.iter().map(|(k, _)| k.as_str()).collect();
    resource.extend(
        from_env
            .iter()
            .filter(|(key, _)| !is_service_key(key) && !code_keys.contains(key.as_str()))
            .cloned(),
    );
    resource.extend(code_attributes);
    Resource::from_strings(resource)
}

/// The whole resource: what the user gave (`user`, from [`resolve_resource`]) wins over the
/// SDK's own attributes, which win over what the detectors found. This is the resource SDK
/// spec's order ("Specifying resource information via an environment variable": the user's
/// resource has the higher priority when merged with the SDK's default and detected ones).
pub(crate) fn complete_resource(user: Resource, detected: Resource) -> Resource {
    let mut resource = user;
    resource.add_all(sdk_attributes());
    resource.add_all(detected);
    resource
}

/// `OTEL_RESOURCE_ATTRIBUTES`, decoded and deduplicated, or nothing at all: "in case of any
/// error, e.g. failure during the decoding process, the entire environment variable value
/// SHOULD be discarded" and reported (OpenTelemetry Resource SDK, "Specifying resource
/// information via an environment variable").
fn env_attributes(env: &mut Env<'_>) -> Vec<(String, String)> {
    let Some(value) = env.get(RESOURCE_ATTRIBUTES_VAR) else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    for entry in parse_pairs(&value) {
        match entry {
            Ok(pair) => pairs.push(pair),
            Err(bad) => {
                let what = match bad.key {
                    Some(key) => format!("the entry with key {}", echo(&key)),
                    None => format!("entry {}", bad.position),
                };
                env.warn(format!(
                    "ignoring {RESOURCE_ATTRIBUTES_VAR}: {what} is malformed ({}); \
                     the whole variable is discarded",
                    bad.reason
                ));
                return Vec::new();
            }
        }
    }
    dedupe(pairs, str::to_owned)
}

fn is_service_key(key: &str) -> bool {
    key == SERVICE_NAME || key == SERVICE_VERSION
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env::tests::lookup;
    use crate::resource::ResourceValue;

    const PACKAGE: ServiceDefaults = ServiceDefaults {
        name: None,
        version: None,
        package_name: Some("pkg"),
        package_version: Some("0.1.0"),
    };

    fn resolve(
        pairs: &[(&str, &str)],
        code: CodeResource,
        defaults: ServiceDefaults,
    ) -> (Vec<(String, String)>, Vec<String>) {
        let lookup = lookup(pairs);
        let mut env = Env::new(&lookup);
        let resource = resolve_resource(&mut env, code, defaults);
        (strings(&resource), env.warnings)
    }

    /// The attributes of a resource of strings (every other value is left out).
    fn strings(resource: &Resource) -> Vec<(String, String)> {
        resource
            .attributes
            .iter()
            .filter_map(|(k, v)| match v {
                ResourceValue::Str(v) => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect()
    }

    fn strs(resource: &[(String, String)]) -> Vec<(&str, &str)> {
        resource
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn code(name: Option<&str>, version: Option<&str>, attrs: &[(&str, &str)]) -> CodeResource {
        CodeResource {
            service_name: name.map(str::to_owned),
            service_version: version.map(str::to_owned),
            attributes: attrs
                .iter()
                .map(|&(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    fn name_of(pairs: &[(&str, &str)], code: CodeResource, defaults: ServiceDefaults) -> String {
        resolve(pairs, code, defaults).0[0].1.clone()
    }

    #[test]
    fn service_name_precedence_step_by_step() {
        let attribute = ServiceDefaults {
            name: Some("attr"),
            ..PACKAGE
        };
        let all = [
            ("OTEL_SERVICE_NAME", "env"),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=res"),
        ];
        let named = || code(Some("code"), None, &[]);
        assert_eq!(name_of(&all, named(), attribute), "env");
        assert_eq!(name_of(&all[1..], named(), attribute), "code");
        assert_eq!(
            name_of(&all[1..], CodeResource::default(), attribute),
            "attr"
        );
        assert_eq!(name_of(&all[1..], CodeResource::default(), PACKAGE), "res");
        assert_eq!(name_of(&[], CodeResource::default(), PACKAGE), "pkg");
        let nothing = ServiceDefaults::default();
        assert_eq!(
            name_of(&[], CodeResource::default(), nothing),
            "unknown_service"
        );
    }

    #[test]
    fn empty_names_are_skipped() {
        let defaults = ServiceDefaults {
            name: Some(""),
            ..PACKAGE
        };
        let env = [("OTEL_SERVICE_NAME", " ")];
        assert_eq!(name_of(&env, code(Some(""), None, &[]), defaults), "pkg");
    }

    #[test]
    fn service_version_precedence() {
        let env = [("OTEL_RESOURCE_ATTRIBUTES", "service.version=res")];
        let version = |env: &[(&str, &str)], code, defaults| {
            let (resource, _) = resolve(env, code, defaults);
            resource
                .into_iter()
                .find(|(k, _)| k == SERVICE_VERSION)
                .map(|(_, v)| v)
        };
        let attribute = ServiceDefaults {
            version: Some("attr"),
            ..PACKAGE
        };
        let coded = || code(None, Some("code"), &[]);
        assert_eq!(version(&env, coded(), attribute).as_deref(), Some("code"));
        assert_eq!(
            version(&env, CodeResource::default(), attribute).as_deref(),
            Some("attr")
        );
        assert_eq!(
            version(&env, CodeResource::default(), PACKAGE).as_deref(),
            Some("res")
        );
        assert_eq!(
            version(&[], CodeResource::default(), PACKAGE).as_deref(),
            Some("0.1.0")
        );
        let nothing = ServiceDefaults::default();
        assert_eq!(version(&[], CodeResource::default(), nothing), None);
    }

    #[test]
    fn order_is_name_version_env_then_code() {
        let env = [(
            "OTEL_RESOURCE_ATTRIBUTES",
            "deployment.environment=prod,service.name=ignored,host.name=h1,team=a",
        )];
        let code = code(
            Some("svc"),
            None,
            &[("team", "b"), ("region", "eu"), ("team", "c")],
        );
        let (resource, warnings) = resolve(&env, code, PACKAGE);
        assert_eq!(
            strs(&resource),
            [
                ("service.name", "svc"),
                ("service.version", "0.1.0"),
                ("deployment.environment", "prod"),
                ("host.name", "h1"),
                ("team", "c"),
                ("region", "eu"),
            ]
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn env_attributes_are_percent_decoded_and_deduplicated() {
        let env = [(
            "OTEL_RESOURCE_ATTRIBUTES",
            " a%20b = x%2Cy , c=%C3%A9 , a%20b=z ",
        )];
        let (resource, warnings) = resolve(&env, CodeResource::default(), PACKAGE);
        assert_eq!(strs(&resource[2..]), [("a b", "z"), ("c", "é")]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn any_malformed_entry_discards_the_whole_variable() {
        for bad in ["a=1,broken,c=3", "a=1,b=%zz", "=1", "a=1,%G0=2", "a=%FF"] {
            let env = [("OTEL_RESOURCE_ATTRIBUTES", bad)];
            let (resource, warnings) = resolve(&env, CodeResource::default(), PACKAGE);
            assert_eq!(
                strs(&resource),
                [("service.name", "pkg"), ("service.version", "0.1.0")],
                "{bad}"
            );
            assert_eq!(warnings.len(), 1, "{bad}: {warnings:?}");
            assert!(
                warnings[0].contains("OTEL_RESOURCE_ATTRIBUTES"),
                "{warnings:?}"
            );
            assert!(warnings[0].contains("discarded"), "{warnings:?}");
        }
    }

    #[test]
    fn a_discarded_variable_cannot_name_the_service() {
        let env = [("OTEL_RESOURCE_ATTRIBUTES", "service.name=res,oops")];
        assert_eq!(name_of(&env, CodeResource::default(), PACKAGE), "pkg");
    }

    #[test]
    fn the_user_wins_over_the_sdk_which_wins_over_detection() {
        let user = Resource::from_strings([
            ("host.name".to_owned(), "from-user".to_owned()),
            ("telemetry.sdk.name".to_owned(), "from-user".to_owned()),
        ]);
        let mut detected = Resource::default();
        detected.add("host.name", ResourceValue::Str("detected".to_owned()));
        detected.add(
            "service.instance.id",
            ResourceValue::Str("detected".to_owned()),
        );
        detected.add("os.type", ResourceValue::Str("linux".to_owned()));
        let resource = complete_resource(user, detected);
        assert_eq!(resource.get_str("host.name"), Some("from-user"));
        assert_eq!(resource.get_str("telemetry.sdk.name"), Some("from-user"));
        assert_eq!(resource.get_str("telemetry.sdk.language"), Some("rust"));
        assert_ne!(resource.get_str("service.instance.id"), Some("detected"));
        assert_eq!(resource.get_str("os.type"), Some("linux"));
        let keys: Vec<&str> = resource
            .attributes
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "host.name",
                "telemetry.sdk.name",
                "telemetry.sdk.language",
                "telemetry.sdk.version",
                "service.instance.id",
                "os.type"
            ]
        );
    }
}
