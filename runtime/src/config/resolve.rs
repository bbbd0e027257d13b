//! [`Config::resolve`]: code values, then the environment, then the defaults, into [`Settings`].

use super::batch::{CodeBatch, SPAN_LIMITS, SPANS, resolve_batch, resolve_limits};
use super::detectors::resolve_detectors;
use super::endpoint::{CodeExport, resolve_export};
use super::env::Env;
use super::exporter::BoxedExporter;
use super::logs::{CodeLogs, resolve_logs};
use super::propagators::resolve_propagators;
use super::resource::{CodeResource, complete_resource, resolve_resource};
use super::sampler::resolve_sampler;
use super::signal::TRACES;
use super::tls::CodeTls;
use super::{Config, LogFormat, ServiceDefaults, Settings};
use crate::resource::{Machine, detect};

pub(crate) const DISABLED_VAR: &str = "OTEL_SDK_DISABLED";
const LOG_FORMAT_VAR: &str = "TRACED_LOG_FORMAT";
const LOG_FILTER_VAR: &str = "RUST_LOG";
const SPAN_FILTER_VAR: &str = "TRACED_SPAN_FILTER";
/// The default of both filters.
const DEFAULT_FILTER: &str = "info";
/// `none`: no lines on stderr.
const LOG_FORMATS: [(&str, Option<LogFormat>); 3] = [
    ("json", Some(LogFormat::Json)),
    ("pretty", Some(LogFormat::Pretty)),
    ("none", None),
];

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
        // The general OTLP settings in code apply to both signals.
        let code_export = |exporters, custom, endpoint| CodeExport {
            exporters,
            custom,
            max_body: self.otlp_max_body,
            endpoint,
            headers: self.otlp_headers.clone(),
            timeout: self.otlp_timeout,
            compression: self.otlp_compression,
            tls: CodeTls {
                certificate: self.otlp_certificate.clone(),
                client_certificate: self.otlp_client_certificate.clone(),
                client_key: self.otlp_client_key.clone(),
            },
        };
        let traces_export = code_export(
            self.exporters,
            !self.custom_exporters.is_empty(),
            self.otlp_endpoint,
        );
        let logs_export = code_export(self.log_exporters, false, self.otlp_logs_endpoint);
        let (exporters, otlp) = resolve_export(&mut env, &TRACES, traces_export);
        let sampler = resolve_sampler(&mut env, self.sampler);
        let propagators = resolve_propagators(&mut env, self.propagators);
        let batch = resolve_batch(
            &mut env,
            &SPANS,
            CodeBatch {
                schedule_delay: self.schedule_delay,
                max_queue_size: self.max_queue_size,
                max_export_batch_size: self.max_export_batch_size,
                export_timeout: self.export_timeout,
            },
        );
        let limits = resolve_limits(
            &mut env,
            &SPAN_LIMITS,
            self.attribute_value_length_limit,
            self.attribute_count_limit,
        );
        let log_format = self
            .log_format
            .or_else(|| env.choice(LOG_FORMAT_VAR, &LOG_FORMATS))
            .unwrap_or(Some(LogFormat::Json));
        let log_filter = filter(&mut env, self.log_filter, LOG_FILTER_VAR);
        let span_filter = filter(&mut env, self.span_filter, SPAN_FILTER_VAR);
        let logs = resolve_logs(
            &mut env,
            CodeLogs {
                export: logs_export,
                batch: CodeBatch {
                    schedule_delay: self.log_schedule_delay,
                    max_queue_size: self.log_max_queue_size,
                    max_export_batch_size: self.log_max_export_batch_size,
                    export_timeout: self.log_export_timeout,
                },
                attribute_value_length_limit: self.log_attribute_value_length_limit,
                attribute_count_limit: self.log_attribute_count_limit,
                exception_signal: self.exception_signal,
                span_fields: self.log_span_fields,
                xray: self.log_xray,
            },
        );
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
            // `none` is `log_lines: false`; the format is then unused.
            log_format: log_format.unwrap_or_default(),
            log_lines: log_format.is_some(),
            log_filter,
            span_filter,
            logs,
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

/// `EnvFilter` directives from code (unless blank), else `var`, else `info`. They are stored as
/// given and parsed where the subscriber is built, which reports invalid ones.
fn filter(env: &mut Env<'_>, code: Option<String>, var: &str) -> String {
    code.filter(|filter| !filter.trim().is_empty())
        .or_else(|| env.get(var))
        .unwrap_or_else(|| DEFAULT_FILTER.to_owned())
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "resolve_resource_tests.rs"]
mod resource_tests;
