//! Tests of the resource `Config::resolve` makes: detection on a simulated machine, turned off
//! by the variable or in code, and the user's attributes winning over detected ones.

use std::path::PathBuf;

use crate::config::env::tests::lookup;
use crate::config::{Config, ResourceDetector, ServiceDefaults, Settings};
use crate::resource::{Machine, ResourceValue};

/// Process 7 of `/opt/app/billing` on 64-bit Arm Linux, with no files to read.
fn machine() -> Machine {
    Machine {
        os: "linux",
        arch: "aarch64",
        pid: Some(7),
        executable: Some(PathBuf::from("/opt/app/billing")),
        ..Machine::empty()
    }
}

fn settings(pairs: &[(&str, &str)], config: Config) -> Settings {
    let lookup = lookup(pairs);
    let resolved = config.resolve(&lookup, &machine(), ServiceDefaults::default());
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    resolved.settings
}

const LAMBDA: [(&str, &str); 3] = [
    ("AWS_LAMBDA_FUNCTION_NAME", "billing-fn"),
    ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
    ("AWS_REGION", "eu-west-1"),
];

#[test]
fn detected_and_sdk_attributes_follow_the_users() {
    let s = settings(&LAMBDA, Config::new().service_name("billing"));
    let r = &s.resource;
    let keys: Vec<&str> = r.attributes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "service.name",
            "telemetry.sdk.name",
            "telemetry.sdk.language",
            "telemetry.sdk.version",
            "service.instance.id",
            "host.arch",
            "os.type",
            "process.pid",
            "process.executable.name",
            "cloud.provider",
            "cloud.platform",
            "cloud.region",
            "faas.name",
            "faas.max_memory",
        ]
    );
    assert_eq!(r.get_str("host.arch"), Some("arm64"));
    assert_eq!(r.get("process.pid"), Some(&ResourceValue::I64(7)));
    assert_eq!(
        r.get("faas.max_memory"),
        Some(&ResourceValue::I64(256 << 20))
    );
    let found = s.detected.map(|found| found.to_string());
    assert_eq!(found.as_deref(), Some("host,os,process,aws"));
    assert!(
        s.summary()
            .contains(" resource.detected=host,os,process,aws ")
    );
}

#[test]
fn the_environment_and_code_win_over_detection() {
    let mut env = LAMBDA.to_vec();
    env.push((
        "OTEL_RESOURCE_ATTRIBUTES",
        "cloud.region=us-east-1,host.arch=custom,faas.name=from-env",
    ));
    let config = Config::new()
        .resource_attribute("faas.name", "from-code")
        .resource_attribute("process.pid", "from-code")
        .resource_attribute("service.instance.id", "instance-7");
    let r = settings(&env, config).resource;
    assert_eq!(r.get_str("cloud.region"), Some("us-east-1"));
    assert_eq!(r.get_str("host.arch"), Some("custom"));
    assert_eq!(r.get_str("faas.name"), Some("from-code"));
    assert_eq!(r.get_str("process.pid"), Some("from-code"));
    assert_eq!(r.get_str("service.instance.id"), Some("instance-7"));
    assert_eq!(
        r.get_str("cloud.platform"),
        Some("aws_lambda"),
        "the rest stays"
    );
    let duplicates = r.attributes.len()
        - r.attributes
            .iter()
            .map(|(k, _)| k)
            .collect::<std::collections::HashSet<_>>()
            .len();
    assert_eq!(duplicates, 0, "{r:?}");
}

#[test]
fn the_service_name_variable_still_wins() {
    let env = [("OTEL_SERVICE_NAME", "renamed")];
    let s = settings(&env, Config::new().service_name("billing"));
    assert_eq!(s.service_name(), "renamed");
    assert_eq!(s.resource.attributes[0].0, "service.name");
}

#[test]
fn detection_is_turned_off_by_the_variable_or_in_code() {
    let mut env = LAMBDA.to_vec();
    env.push(("TRACED_RESOURCE_DETECTORS", "none"));
    let by_variable = settings(&env, Config::new());
    let by_code = settings(&LAMBDA, Config::new().resource_detectors([]));
    for s in [by_variable, by_code] {
        let keys: Vec<&str> = s
            .resource
            .attributes
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "service.name",
                "telemetry.sdk.name",
                "telemetry.sdk.language",
                "telemetry.sdk.version",
                "service.instance.id",
            ]
        );
        assert_eq!(s.detected, None);
        assert!(
            s.summary().contains(" resource.detectors=none "),
            "{}",
            s.summary()
        );
    }
}

#[test]
fn a_list_of_detectors_runs_only_those() {
    let env = [("TRACED_RESOURCE_DETECTORS", "process")];
    let r = settings(&env, Config::new()).resource;
    assert!(r.get("process.pid").is_some());
    assert_eq!(r.get("os.type"), None);
    let config = Config::new().resource_detectors([ResourceDetector::Os]);
    let r = settings(&env, config).resource;
    assert_eq!(
        r.get_str("os.type"),
        Some("linux"),
        "code wins over the variable"
    );
    assert_eq!(r.get("process.pid"), None);
}
