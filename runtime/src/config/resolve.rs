//! [`Config::resolve`]: code values, then the environment, then the defaults, into [`Settings`].

use super::batch::{resolve_batch, resolve_limits};
use super::detectors::resolve_detectors;
use super::endpoint::{CodeExport, resolve_export};
use super::env::Env;
use super::exporter::BoxedExporter;
use super::propagators::resolve_propagators;
use super::resource::{CodeResource, complete_resource, resolve_resource};
use super::sampler::resolve_sampler;
use super::tls::CodeTls;
use super::{Config, LogFormat, ServiceDefaults, Settings};
use crate::resource::{Machine, detect};

pub(crate) const DISABLED_VAR: &str = "OTEL_SDK_DISABLED";
const LOG_FORMAT_VAR: &str = "TRACED_LOG_FORMAT";
const LOG_FILTER_VAR: &str = "RUST_LOG";
const DEFAULT_LOG_FILTER: &str = "info";
const LOG_FORMATS: [(&str, LogFormat); 2] =
    [("json", LogFormat::Json), ("pretty", LogFormat::Pretty)];

/// What [`Config::resolve`] produces.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) settings: Settings,
    /// From [`Config::with_exporter`]: they run beside `settings.exporters`.
    pub(crate) custom_exporters: Vec<BoxedExporter>,
    /// One message per invalid value, for the log stream once logging is up.
    pub(crate) warnings: Vec<String>,
}

impl Config {
    /// Resolves every setting: a value set in code wins over the environment, which wins over
    /// the default (service name excepted, see `resource.rs`). `env` reads a variable
    /// ([`super::process_env`] in production, a map in tests); the resource detectors read it
    /// too, and files on `machine` ([`Machine::this`] in production, a temporary directory or
    /// nothing at all in tests). Never fails: each invalid value becomes one warning and is
    /// ignored.
    pub(crate) fn resolve(
        self,
        env: &dyn Fn(&str) -> Option<String>,
        machine: &Machine,
        defaults: ServiceDefaults,
    ) -> Resolved {
        let lookup = env;
        let mut env = Env::new(lookup);
        let disabled = self
            .disabled
            .or_else(|| env.flag(DISABLED_VAR))
            .unwrap_or(false);
        let user_resource = resolve_resource(
            &mut env,
            CodeResource {
                service_name: self.service_name,
                service_version: self.service_version,
                attributes: self.resource,
            },
            defaults,
        );
        let detectors = resolve_detectors(&mut env, self.resource_detectors);
        let detected = detect(lookup, machine, detectors);
        let resource = complete_resource(user_resource, detected.resource);
        let (exporters, otlp) = resolve_export(
            &mut env,
            CodeExport {
                exporters: self.exporters,
                custom: !self.custom_exporters.is_empty(),
                max_body: self.otlp_max_body,
                endpoint: self.otlp_endpoint,
                headers: self.otlp_headers,
                timeout: self.otlp_timeout,
                compression: self.otlp_compression,
                tls: CodeTls {
                    certificate: self.otlp_certificate,
                    client_certificate: self.otlp_client_certificate,
                    client_key: self.otlp_client_key,
                },
            },
        );
        let sampler = resolve_sampler(&mut env, self.sampler);
        let propagators = resolve_propagators(&mut env, self.propagators);
        let batch = resolve_batch(
            &mut env,
            self.schedule_delay,
            self.max_queue_size,
            self.max_export_batch_size,
            self.export_timeout,
        );
        let limits = resolve_limits(
            &mut env,
            self.attribute_value_length_limit,
            self.attribute_count_limit,
        );
        let log_format = self
            .log_format
            .or_else(|| env.choice(LOG_FORMAT_VAR, &LOG_FORMATS))
            .unwrap_or(LogFormat::Json);
        let log_filter = self
            .log_filter
            .filter(|filter| !filter.trim().is_empty())
            .or_else(|| env.get(LOG_FILTER_VAR))
            .unwrap_or_else(|| DEFAULT_LOG_FILTER.to_owned());
        let settings = Settings {
            disabled,
            resource,
            detected: (!detectors.is_empty()).then_some(detected.found),
            exporters,
            otlp,
            sampler,
            propagators,
            batch,
            limits,
            log_format,
            log_filter,
            install_logging: self.install_logging.unwrap_or(true),
            install_panic_hook: self.install_panic_hook.unwrap_or(true),
        };
        Resolved {
            settings,
            custom_exporters: self.custom_exporters,
            warnings: env.warnings,
        }
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "resolve_resource_tests.rs"]
mod resource_tests;
