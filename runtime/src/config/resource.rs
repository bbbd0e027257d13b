//! The resource: `service.name`, `service.version` and `OTEL_RESOURCE_ATTRIBUTES`.

use super::ServiceDefaults;
use super::env::{Env, echo};
use super::pairs::{dedupe, parse_pairs};

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
) -> Vec<(String, String)> {
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
        (resource, env.warnings)
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
}
