//! [`Config`]'s methods for the logs signal and the span filter, the code equivalents of
//! `OTEL_LOGS_EXPORTER`, `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`, `OTEL_BLRP_*`,
//! `OTEL_LOGRECORD_ATTRIBUTE_*_LIMIT`, `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`,
//! `TRACED_SPAN_FILTER`, `TRACED_LOG_SPAN_FIELDS` and `TRACED_LOG_XRAY`. The general OTLP settings
//! (`otlp_header`, `otlp_timeout`, …) are in `builder.rs` and apply to logs too.

use std::time::Duration;

use super::{Config, ExceptionSignal, ExporterKind};

impl Config {
    /// `EnvFilter` directives selecting the `tracing` spans that become traced spans
    /// (`TRACED_SPAN_FILTER`, default `info`), independent of [`log_filter`](Self::log_filter)
    /// and `RUST_LOG`, which select log events only. Spans of `#[root_span]`, `#[child_span]`
    /// and `Span::root` are traced's own, not `tracing` spans, and do not depend on it.
    ///
    /// ```
    /// // Bridge `debug` spans of the service's own crate, `info` ones of everything else.
    /// let config = traced::Config::new().span_filter("info,my_service=debug");
    /// ```
    pub fn span_filter(mut self, filter: impl Into<String>) -> Self {
        self.span_filter = Some(filter.into());
        self
    }

    /// One logs exporter (`OTEL_LOGS_EXPORTER`): the same as
    /// [`log_exporters`](Self::log_exporters) with it alone.
    ///
    /// ```
    /// // Log records to the collector, even where the environment names no endpoint
    /// // (then `http://localhost:4318/v1/logs`).
    /// let config = traced::Config::new().log_exporter(traced::ExporterKind::Otlp);
    /// ```
    pub fn log_exporter(self, kind: ExporterKind) -> Self {
        self.log_exporters([kind])
    }

    /// The exporters of log records (`OTEL_LOGS_EXPORTER=otlp,console`; wins over the
    /// variable), with the rules of [`exporters`](Self::exporters). `Otlp` sends a log record
    /// for each event the log filter selects; `Console` names the stderr lines, which
    /// [`log_format`](Self::log_format) governs, and adds no second copy of them. Unset (in code
    /// and in the environment), the default is `Otlp` when a general or logs endpoint is set
    /// (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` or
    /// [`otlp_logs_endpoint`](Self::otlp_logs_endpoint)), else none: a service without a
    /// collector must not try to send its logs to localhost. A traces endpoint does not count.
    ///
    /// ```
    /// use traced::ExporterKind;
    ///
    /// let config = traced::Config::new()
    ///     .log_exporters([ExporterKind::Otlp, ExporterKind::Console]);
    /// # let _ = config;
    /// ```
    pub fn log_exporters(mut self, kinds: impl IntoIterator<Item = ExporterKind>) -> Self {
        self.log_exporters = Some(kinds.into_iter().collect());
        self
    }

    /// The full URL log records are posted to, used as is (like
    /// `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`, which it wins over; without either,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` joined with `v1/logs`, else
    /// `http://localhost:4318/v1/logs`). Must be `http://` or `https://` with a host. Headers,
    /// timeout, compression and TLS files are the general ones ([`otlp_header`](Self::otlp_header),
    /// …), shared with traces.
    ///
    /// ```
    /// let config = traced::Config::new().otlp_logs_endpoint("http://collector:4318/v1/logs");
    /// ```
    pub fn otlp_logs_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp_logs_endpoint = Some(url.into());
        self
    }

    /// Longest time a log record waits before export (`OTEL_BLRP_SCHEDULE_DELAY`, default 1 s).
    /// Zero is raised to 1 ms so the export thread cannot spin.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let config = traced::Config::new().log_schedule_delay(Duration::from_millis(200));
    /// ```
    pub fn log_schedule_delay(mut self, delay: Duration) -> Self {
        self.log_schedule_delay = Some(delay);
        self
    }

    /// Log records held at most before dropping (`OTEL_BLRP_MAX_QUEUE_SIZE`, default 2048; at
    /// least 1, capped at 1 048 576 because the queue is allocated up front).
    ///
    /// ```
    /// let config = traced::Config::new().log_max_queue_size(8192);
    /// ```
    pub fn log_max_queue_size(mut self, size: usize) -> Self {
        self.log_max_queue_size = Some(size);
        self
    }

    /// Log records per export call at most (`OTEL_BLRP_MAX_EXPORT_BATCH_SIZE`, default 512; at
    /// least 1, and lowered to the queue size if larger).
    ///
    /// ```
    /// let config = traced::Config::new().log_max_export_batch_size(256);
    /// ```
    pub fn log_max_export_batch_size(mut self, size: usize) -> Self {
        self.log_max_export_batch_size = Some(size);
        self
    }

    /// Longest time one export call of log records, and their final flush, may take
    /// (`OTEL_BLRP_EXPORT_TIMEOUT`, default 30 s; at least 1 ms).
    ///
    /// ```
    /// let config = traced::Config::new().log_export_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn log_export_timeout(mut self, timeout: Duration) -> Self {
        self.log_export_timeout = Some(timeout);
        self
    }

    /// Longest string attribute value of a log record, in characters; the body is cut to the
    /// same length (`OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else
    /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`; default 4096, as for spans).
    /// [`attribute_value_length_limit`](Self::attribute_value_length_limit) applies to spans only.
    ///
    /// ```
    /// let config = traced::Config::new().log_attribute_value_length_limit(1024);
    /// ```
    pub fn log_attribute_value_length_limit(mut self, limit: usize) -> Self {
        self.log_attribute_value_length_limit = Some(limit);
        self
    }

    /// Attributes per log record at most (`OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT`, else
    /// `OTEL_ATTRIBUTE_COUNT_LIMIT`; default 128); more are dropped and counted.
    ///
    /// ```
    /// let config = traced::Config::new().log_attribute_count_limit(32);
    /// ```
    pub fn log_attribute_count_limit(mut self, limit: usize) -> Self {
        self.log_attribute_count_limit = Some(limit);
        self
    }

    /// Where exceptions are recorded (`OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`: `logs/dup`, the
    /// default, or `logs`); see [`ExceptionSignal`].
    ///
    /// ```
    /// let config = traced::Config::new().exception_signal(traced::ExceptionSignal::LogsOnly);
    /// ```
    pub fn exception_signal(mut self, signal: ExceptionSignal) -> Self {
        self.exception_signal = Some(signal);
        self
    }

    /// Adds the attributes of the spans current on the thread to each log line and log record
    /// (`TRACED_LOG_SPAN_FIELDS`, default false): the nearest span's value of a key wins, the
    /// event's own fields win over all of them, the line's own keys (`message`, `level`,
    /// `trace_id`, …) are never written by a span, `code.*` attributes are not copied, and a
    /// trace that is not sampled has none (its spans record no attributes).
    ///
    /// ```
    /// let config = traced::Config::new().log_span_fields(true);
    /// ```
    pub fn log_span_fields(mut self, on: bool) -> Self {
        self.log_span_fields = Some(on);
        self
    }

    /// Adds an `AWS-XRAY-TRACE-ID` field, the current trace in AWS X-Ray's format, to each JSON
    /// line logged inside a span (`TRACED_LOG_XRAY`, default false).
    ///
    /// ```
    /// let config = traced::Config::new().log_xray(true);
    /// ```
    pub fn log_xray(mut self, on: bool) -> Self {
        self.log_xray = Some(on);
        self
    }
}
