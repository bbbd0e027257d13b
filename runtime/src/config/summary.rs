//! How the effective configuration is shown: one startup line listing it, and the `Debug` of
//! `Config` and `OtlpSettings`.
//!
//! None of them ever shows an OTLP header value or the credentials of a URL: operators put API
//! keys there (`OTEL_EXPORTER_OTLP_HEADERS=authorization=…`), and logs travel further than
//! secrets should. Header names are shown, values masked as `***`.

use std::fmt::{self, Write as _};
use std::time::Duration;

use super::endpoint::mask_userinfo;
use super::env::MAX_DURATION;
use super::resource::{SERVICE_NAME, SERVICE_VERSION, UNKNOWN_SERVICE};
use super::sampler::describe;
use super::tls;
use super::{Compression, Config, ExceptionSignal, ExporterKind, OtlpSettings, Settings};

impl Settings {
    /// The `service.name` resource attribute (always present after resolution).
    pub(crate) fn service_name(&self) -> &str {
        self.resource
            .get_str(SERVICE_NAME)
            .unwrap_or(UNKNOWN_SERVICE)
    }

    /// One line of `key=value` pairs listing the effective configuration, for the startup log.
    /// Free-form values are quoted and escaped so the line stays one line; header values and URL
    /// credentials are masked as `***` (see the module docs).
    pub(crate) fn summary(&self) -> String {
        let mut line = String::with_capacity(256);
        // `write!` into a `String` cannot fail; the results are ignored on purpose.
        let _ = write!(line, "service.name={:?}", self.service_name());
        if let Some(version) = self.resource.get_str(SERVICE_VERSION) {
            let _ = write!(line, " service.version={version:?}");
        }
        if self.disabled {
            line.push_str(" disabled=true");
        }
        // Which detectors found something (`resource.detected=host,os,process`), so an operator
        // sees at once whether the process knows it runs in a container, on Lambda, in a pod.
        match self.detected {
            Some(found) => {
                let _ = write!(line, " resource.detected={found}");
            }
            None => line.push_str(" resource.detectors=none"),
        }
        write_export(&mut line, "", &self.exporters, self.otlp.as_ref());
        let p = self.propagators;
        let propagators: Vec<&str> = [(p.tracecontext, "tracecontext"), (p.baggage, "baggage")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
        let propagators = if propagators.is_empty() {
            "none".to_owned()
        } else {
            propagators.join(",")
        };
        let b = self.batch;
        let _ = write!(
            line,
            " sampler={} propagators={propagators} batch.schedule_delay={} \
             batch.max_queue_size={} batch.max_export_batch_size={} batch.export_timeout={} \
             limits.attribute_value_length={} limits.attribute_count={}",
            describe(self.sampler),
            duration(b.schedule_delay),
            b.max_queue_size,
            b.max_export_batch_size,
            duration(b.export_timeout),
            self.limits.attribute_value_length,
            self.limits.attribute_count,
        );
        // `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`'s own values.
        let exceptions = match self.logs.exception_signal {
            ExceptionSignal::LogsAndSpanEvent => "logs/dup",
            ExceptionSignal::LogsOnly => "logs",
        };
        let _ = write!(line, " logs.exceptions={exceptions}");
        write_export(
            &mut line,
            "logs.",
            &self.logs.exporters,
            self.logs.otlp.as_ref(),
        );
        // Listed only when on: both are opt-in changes to every line.
        if self.logs.span_fields {
            line.push_str(" logs.span_fields=true");
        }
        if self.logs.xray {
            line.push_str(" logs.xray=true");
        }
        line
    }
}

/// ` {prefix}exporter=otlp,console` and, with OTLP, its endpoint, header names, compression,
/// timeout and TLS files, each key after `prefix` (`""` for traces, `"logs."`).
fn write_export(
    line: &mut String,
    prefix: &str,
    exporters: &[ExporterKind],
    otlp: Option<&OtlpSettings>,
) {
    let names: Vec<&str> = exporters
        .iter()
        .map(|kind| match kind {
            ExporterKind::Otlp => "otlp",
            ExporterKind::Console => "console",
            ExporterKind::None => "none",
        })
        .collect();
    let names = if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(",")
    };
    let _ = write!(line, " {prefix}exporter={names}");
    if let Some(otlp) = otlp {
        let _ = write!(
            line,
            " {prefix}endpoint={} {prefix}headers=[{}] {prefix}compression={} {prefix}timeout={}",
            mask_userinfo(&otlp.endpoint),
            masked_names(&otlp.headers).join(","),
            compression_name(otlp.compression),
            duration(otlp.timeout),
        );
        line.push_str(&tls::describe(&otlp.tls, prefix));
    }
}

/// Header names with their values replaced by `***`.
fn masked_names(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .map(|(name, _)| format!("{name}=***"))
        .collect()
}

fn compression_name(compression: Compression) -> &'static str {
    match compression {
        Compression::Gzip => "gzip",
        Compression::None => "none",
    }
}

/// Milliseconds, the unit of every variable; "no limit" (see `MAX_DURATION`) says so.
fn duration(duration: Duration) -> String {
    if duration >= MAX_DURATION {
        "unlimited".to_owned()
    } else {
        format!("{}ms", duration.as_millis())
    }
}

/// Never prints header values or URL credentials (see the module docs).
impl fmt::Debug for OtlpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpSettings")
            .field("endpoint", &mask_userinfo(&self.endpoint))
            .field("headers", &masked_names(&self.headers))
            .field("timeout", &self.timeout)
            .field("compression", &self.compression)
            .field("tls", &self.tls)
            .finish()
    }
}

/// Masks header values and URL credentials (see the module docs).
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .otlp_headers
            .iter()
            .map(|(name, _)| (name.as_str(), "***"))
            .collect();
        f.debug_struct("Config")
            .field("service_name", &self.service_name)
            .field("service_version", &self.service_version)
            .field("resource", &self.resource)
            .field("resource_detectors", &self.resource_detectors)
            .field("disabled", &self.disabled)
            .field("exporters", &self.exporters)
            .field("custom_exporters", &self.custom_exporters)
            .field(
                "otlp_endpoint",
                &self.otlp_endpoint.as_deref().map(mask_userinfo),
            )
            .field("otlp_headers", &headers)
            .field("otlp_timeout", &self.otlp_timeout)
            .field("otlp_compression", &self.otlp_compression)
            .field("otlp_certificate", &self.otlp_certificate)
            .field("otlp_client_certificate", &self.otlp_client_certificate)
            .field("otlp_client_key", &self.otlp_client_key)
            .field("sampler", &self.sampler)
            .field("propagators", &self.propagators)
            .field("schedule_delay", &self.schedule_delay)
            .field("max_queue_size", &self.max_queue_size)
            .field("max_export_batch_size", &self.max_export_batch_size)
            .field("export_timeout", &self.export_timeout)
            .field(
                "attribute_value_length_limit",
                &self.attribute_value_length_limit,
            )
            .field("attribute_count_limit", &self.attribute_count_limit)
            .field("log_format", &self.log_format)
            .field("log_filter", &self.log_filter)
            .field("span_filter", &self.span_filter)
            .field("log_exporters", &self.log_exporters)
            .field(
                "otlp_logs_endpoint",
                &self.otlp_logs_endpoint.as_deref().map(mask_userinfo),
            )
            .field("log_schedule_delay", &self.log_schedule_delay)
            .field("log_max_queue_size", &self.log_max_queue_size)
            .field("log_max_export_batch_size", &self.log_max_export_batch_size)
            .field("log_export_timeout", &self.log_export_timeout)
            .field(
                "log_attribute_value_length_limit",
                &self.log_attribute_value_length_limit,
            )
            .field("log_attribute_count_limit", &self.log_attribute_count_limit)
            .field("exception_signal", &self.exception_signal)
            .field("log_span_fields", &self.log_span_fields)
            .field("log_xray", &self.log_xray)
            .field("install_logging", &self.install_logging)
            .field("install_panic_hook", &self.install_panic_hook)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use crate::config::env::tests::lookup;
    use crate::config::{Config, ServiceDefaults};
    use crate::resource::Machine;

    fn summary(pairs: &[(&str, &str)], config: Config) -> String {
        let lookup = lookup(pairs);
        config
            .resolve(&lookup, &Machine::empty(), ServiceDefaults::default())
            .settings
            .summary()
    }

    #[test]
    fn lists_the_effective_configuration_on_one_line() {
        let env = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ];
        let line = summary(
            &env,
            Config::new().service_name("svc").service_version("1.2"),
        );
        assert_eq!(
            line,
            "service.name=\"svc\" service.version=\"1.2\" resource.detected=none exporter=otlp \
             endpoint=http://c:4318/v1/traces headers=[] compression=gzip timeout=10000ms \
             sampler=parentbased_always_on propagators=tracecontext,baggage \
             batch.schedule_delay=5000ms batch.max_queue_size=2048 \
             batch.max_export_batch_size=512 batch.export_timeout=30000ms \
             limits.attribute_value_length=4096 limits.attribute_count=128 logs.exceptions=logs/dup \
             logs.exporter=otlp logs.endpoint=http://c:4318/v1/logs logs.headers=[] logs.compression=gzip \
             logs.timeout=10000ms"
        );
    }

    #[test]
    fn the_logs_part_as_the_traces_part() {
        let env = [
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://t:4318/v1/traces",
            ),
            ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "https://u:pw@l/v1/logs"),
            ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "x-logs-key=logs-secret"),
            ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "0"),
        ];
        let line = summary(&env, Config::new());
        assert!(
            line.ends_with(
                " logs.exporter=otlp logs.endpoint=https://***@l/v1/logs \
                 logs.headers=[x-logs-key=***] logs.compression=none logs.timeout=unlimited"
            ),
            "{line}"
        );
        assert!(line.contains(" exporter=otlp endpoint=http://t:4318/v1/traces headers=[] "));
        assert!(
            !line.contains("logs-secret") && !line.contains("pw@"),
            "{line}"
        );
        // No endpoint for logs: none, and nothing of OTLP.
        let line = summary(
            &[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t")],
            Config::new(),
        );
        assert!(line.ends_with(" logs.exporter=none"), "{line}");
        let env = [("OTEL_LOGS_EXPORTER", "console")];
        assert!(summary(&env, Config::new()).ends_with(" logs.exporter=console"));
        // Where exceptions go: the variable's own values.
        let env = [("OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN", "logs")];
        let line = summary(&env, Config::new());
        assert!(
            line.contains(" logs.exceptions=logs logs.exporter="),
            "{line}"
        );
    }

    #[test]
    fn span_fields_and_xray_are_listed_only_when_on() {
        let line = summary(&[], Config::new());
        assert!(
            !line.contains("span_fields") && !line.contains("xray"),
            "{line}"
        );
        let line = summary(&[("TRACED_LOG_XRAY", "true")], Config::new());
        assert!(
            line.ends_with(" logs.exporter=none logs.xray=true"),
            "{line}"
        );
        let line = summary(&[], Config::new().log_span_fields(true).log_xray(true));
        assert!(
            line.ends_with(" logs.exporter=none logs.span_fields=true logs.xray=true"),
            "{line}"
        );
    }

    #[test]
    fn masks_header_values_and_credentials() {
        let env = [
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "x-api-key=env-secret,x-team=a",
            ),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://u:pw@c/v1/traces",
            ),
        ];
        let config = Config::new().otlp_header("authorization", "Bearer code-secret");
        let lookup = lookup(&env);
        let settings = config
            .resolve(&lookup, &Machine::empty(), ServiceDefaults::default())
            .settings;
        for shown in [settings.summary(), format!("{settings:?}")] {
            assert!(shown.contains("x-api-key=***"), "{shown}");
            assert!(shown.contains("authorization=***"), "{shown}");
            assert!(shown.contains("https://***@c/v1/traces"), "{shown}");
            for secret in ["env-secret", "code-secret", "pw@", "x-team=a"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }

    #[test]
    fn console_disabled_unlimited_and_no_propagators() {
        let env = [
            ("OTEL_SDK_DISABLED", "true"),
            ("OTEL_PROPAGATORS", "none"),
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "0"),
        ];
        let line = summary(&env, Config::new());
        assert!(
            line.starts_with(
                "service.name=\"unknown_service\" disabled=true resource.detected=none exporter="
            ),
            "{line}"
        );
        assert!(line.contains("timeout=unlimited"), "{line}");
        assert!(line.contains("propagators=none"), "{line}");
        let line = summary(&[], Config::new().service_name("a\nb"));
        assert!(
            line.contains("service.name=\"a\\nb\" resource.detected=none exporter=console"),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }

    #[test]
    fn service_name_reads_the_resource() {
        let lookup = lookup(&[]);
        let settings = Config::new()
            .service_name("svc")
            .resolve(&lookup, &Machine::empty(), ServiceDefaults::default())
            .settings;
        assert_eq!(settings.service_name(), "svc");
    }

    #[test]
    fn debug_masks_header_values_and_credentials() {
        let config = Config::new()
            .otlp_header("x-api-key", "s3cr3t-value")
            .otlp_endpoint("https://user:hunter2@collector:4318/v1/traces")
            .otlp_logs_endpoint("https://user:hunter3@collector:4318/v1/logs");
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter3"), "{debug}");
        assert!(
            debug.contains("x-api-key") && debug.contains("***"),
            "{debug}"
        );
        assert!(!debug.contains("s3cr3t-value"), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("collector:4318"), "{debug}");
    }
}
