//! The batching export threads (`OTEL_BSP_*`: OpenTelemetry SDK environment variables, Batch
//! Span Processor; `OTEL_BLRP_*`: the same page, Batch LogRecord Processor) and attribute limits
//! (`OTEL_{,SPAN_,LOGRECORD_}ATTRIBUTE_*_LIMIT`: the same page, Attribute Limits, Span Limits and
//! LogRecord Limits). Spans and log records follow the same rules, each with its own names.

use std::time::Duration;

use super::env::Env;
use super::{BatchSettings, Limits};

/// A setting's variable and the `Config` method that wins over it.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) var: &'static str,
    pub(crate) method: &'static str,
}

/// The names of one batching processor's settings, and its defaults.
#[derive(Debug)]
pub(crate) struct Processor {
    pub(crate) schedule_delay: Source,
    pub(crate) max_queue_size: Source,
    pub(crate) max_export_batch_size: Source,
    pub(crate) export_timeout: Source,
    pub(crate) default: BatchSettings,
}

/// Batch Span Processor.
pub(crate) const SPANS: Processor = Processor {
    schedule_delay: Source {
        var: "OTEL_BSP_SCHEDULE_DELAY",
        method: "schedule_delay",
    },
    max_queue_size: Source {
        var: "OTEL_BSP_MAX_QUEUE_SIZE",
        method: "max_queue_size",
    },
    max_export_batch_size: Source {
        var: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        method: "max_export_batch_size",
    },
    export_timeout: Source {
        var: "OTEL_BSP_EXPORT_TIMEOUT",
        method: "export_timeout",
    },
    default: BatchSettings::SPANS,
};

/// Batch LogRecord Processor.
pub(crate) const LOG_RECORDS: Processor = Processor {
    schedule_delay: Source {
        var: "OTEL_BLRP_SCHEDULE_DELAY",
        method: "log_schedule_delay",
    },
    max_queue_size: Source {
        var: "OTEL_BLRP_MAX_QUEUE_SIZE",
        method: "log_max_queue_size",
    },
    max_export_batch_size: Source {
        var: "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
        method: "log_max_export_batch_size",
    },
    export_timeout: Source {
        var: "OTEL_BLRP_EXPORT_TIMEOUT",
        method: "log_export_timeout",
    },
    default: BatchSettings::LOG_RECORDS,
};

/// The variables of one kind of record's attribute limits: the record-specific one, then the
/// general one.
#[derive(Debug)]
pub(crate) struct LimitVars {
    pub(crate) value_length: [&'static str; 2],
    pub(crate) count: [&'static str; 2],
}

pub(crate) const SPAN_LIMITS: LimitVars = LimitVars {
    value_length: [
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    ],
    count: [
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
    ],
};

pub(crate) const LOG_RECORD_LIMITS: LimitVars = LimitVars {
    value_length: [
        "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    ],
    count: [
        "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
    ],
};

/// What code said about one processor (`Config::schedule_delay`, …, or `Config::log_…`).
#[derive(Debug, Default)]
pub(crate) struct CodeBatch {
    pub(crate) schedule_delay: Option<Duration>,
    pub(crate) max_queue_size: Option<usize>,
    pub(crate) max_export_batch_size: Option<usize>,
    pub(crate) export_timeout: Option<Duration>,
}

/// The largest queue we accept: the engine allocates the queue up front, and an absurd
/// `OTEL_BSP_MAX_QUEUE_SIZE` (or `OTEL_BLRP_…`) must not abort the process (bad configuration is
/// reported, never fatal: see the `config` module docs).
pub(crate) const MAX_QUEUE_SIZE_CAP: usize = 1 << 20;

/// The four variables of `processor`, or their code equivalents; defaults in
/// `processor.default`.
pub(crate) fn resolve_batch(
    env: &mut Env<'_>,
    processor: &Processor,
    code: CodeBatch,
) -> BatchSettings {
    let default = processor.default;
    let schedule_delay = match code.schedule_delay {
        Some(delay) => env.code_duration(processor.schedule_delay.method, delay, Duration::ZERO),
        None => env.millis(&[processor.schedule_delay.var], 0),
    }
    .unwrap_or(default.schedule_delay)
    // A zero delay would make the export thread spin; 1 ms is as prompt as anyone needs.
    .max(Duration::from_millis(1));
    let max_queue_size = size(
        env,
        &processor.max_queue_size,
        code.max_queue_size,
        1,
        MAX_QUEUE_SIZE_CAP,
    )
    .unwrap_or(default.max_queue_size);
    let batch = size(
        env,
        &processor.max_export_batch_size,
        code.max_export_batch_size,
        1,
        usize::MAX,
    );
    // The batch size "must be less than or equal to" the queue size (SDK environment variables,
    // Batch Span Processor and Batch LogRecord Processor). Only a batch size someone chose is
    // worth a warning; the default is quietly lowered to a small queue.
    let max_export_batch_size = match batch {
        Some(batch) if batch > max_queue_size => {
            let Source { var, method } = processor.max_export_batch_size;
            env.warn(format!(
                "the export batch size {batch} ({var} or Config::{method}) exceeds the queue \
                 size; using {max_queue_size}"
            ));
            max_queue_size
        }
        Some(batch) => batch,
        None => default.max_export_batch_size.min(max_queue_size),
    };
    let timeout = &processor.export_timeout;
    let export_timeout = match code.export_timeout {
        Some(t) => env.code_duration(timeout.method, t, Duration::from_millis(1)),
        // Zero would abort every export and the final flush at once: rejected.
        None => env.millis(&[timeout.var], 1),
    }
    .unwrap_or(default.export_timeout);
    BatchSettings {
        schedule_delay,
        max_queue_size,
        max_export_batch_size,
        export_timeout,
    }
}

/// The record-specific variable wins over the general one (common specification, Attribute
/// Limits: "the SDK MUST first attempt to use the model-specific limit"); code wins over both.
pub(crate) fn resolve_limits(
    env: &mut Env<'_>,
    vars: &LimitVars,
    value_length: Option<usize>,
    count: Option<usize>,
) -> Limits {
    let default = Limits::default();
    let mut read = |code: Option<usize>, vars: &[&str]| match code {
        Some(limit) => Some(limit),
        None => env.first_number(vars, 0, u64::MAX).map(to_usize),
    };
    Limits {
        attribute_value_length: read(value_length, &vars.value_length)
            .unwrap_or(default.attribute_value_length),
        attribute_count: read(count, &vars.count).unwrap_or(default.attribute_count),
    }
}

/// A size from code (`Config::{method}`) or its variable, within `[min, max]`.
fn size(
    env: &mut Env<'_>,
    source: &Source,
    code: Option<usize>,
    min: usize,
    max: usize,
) -> Option<usize> {
    let (min, max) = (to_u64(min), to_u64(max));
    let n = match code {
        Some(n) => env.bounded(&format!("Config::{}", source.method), to_u64(n), min, max),
        None => env.number(source.var, min, max),
    };
    n.map(to_usize)
}

fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Saturates on 32-bit targets: a limit that large means "no limit" either way.
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env::tests::lookup;
    use crate::config::resolve::Resolved;
    use crate::config::{Config, ServiceDefaults};
    use crate::resource::Machine;

    fn resolve(pairs: &[(&str, &str)], config: Config) -> Resolved {
        let lookup = lookup(pairs);
        config.resolve(&lookup, &Machine::empty(), ServiceDefaults::default())
    }

    #[test]
    fn span_specific_limits_win_over_general_ones() {
        let env = [
            ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "10"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "20"),
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "0"),
        ];
        let limits = resolve(&env, Config::new()).settings.limits;
        assert_eq!(
            (limits.attribute_value_length, limits.attribute_count),
            (10, 0)
        );
        let env = [
            ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "oops"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "20"),
        ];
        let resolved = resolve(&env, Config::new());
        assert_eq!(resolved.settings.limits.attribute_value_length, 20);
        assert_eq!(resolved.warnings.len(), 1);
    }

    #[test]
    fn batch_size_is_clamped_to_the_queue_size() {
        let env = [
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "200"),
        ];
        let resolved = resolve(&env, Config::new());
        assert_eq!(resolved.settings.batch.max_export_batch_size, 100);
        assert_eq!(resolved.warnings.len(), 1);
        assert!(resolved.warnings[0].contains("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"));
        // The default batch size is lowered quietly to a small queue.
        let resolved = resolve(&[("OTEL_BSP_MAX_QUEUE_SIZE", "100")], Config::new());
        assert_eq!(resolved.settings.batch.max_export_batch_size, 100);
        assert!(resolved.warnings.is_empty());
    }

    #[test]
    fn huge_values_are_capped() {
        let env = [
            ("OTEL_BSP_MAX_QUEUE_SIZE", "99999999999999999999"),
            ("OTEL_BSP_SCHEDULE_DELAY", "999999999999"),
        ];
        let resolved = resolve(&env, Config::new());
        // The queue size overflows u64: invalid, default. The delay is capped at a day.
        assert_eq!(resolved.settings.batch.max_queue_size, 2_048);
        assert_eq!(
            resolved.settings.batch.schedule_delay,
            Duration::from_secs(86_400)
        );
        assert_eq!(resolved.warnings.len(), 2);
        let resolved = resolve(&[], Config::new().max_queue_size(usize::MAX));
        assert_eq!(resolved.settings.batch.max_queue_size, MAX_QUEUE_SIZE_CAP);
        assert!(resolved.warnings[0].contains("Config::max_queue_size"));
    }

    #[test]
    fn zero_delay_is_raised_to_a_millisecond() {
        let resolved = resolve(&[("OTEL_BSP_SCHEDULE_DELAY", "0")], Config::new());
        assert_eq!(
            resolved.settings.batch.schedule_delay,
            Duration::from_millis(1)
        );
        assert!(resolved.warnings.is_empty());
    }

    #[test]
    fn invalid_code_values_are_reported_and_the_environment_used() {
        let env = [
            ("OTEL_BSP_MAX_QUEUE_SIZE", "300"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "700"),
        ];
        let config = Config::new()
            .max_queue_size(0)
            .export_timeout(Duration::ZERO);
        let resolved = resolve(&env, config);
        // An invalid code value counts as unset; the environment is only read when code is unset.
        assert_eq!(resolved.settings.batch.max_queue_size, 2_048);
        assert_eq!(
            resolved.settings.batch.export_timeout,
            Duration::from_secs(30)
        );
        assert_eq!(resolved.warnings.len(), 2, "{:?}", resolved.warnings);
        assert!(resolved.warnings[0].contains("Config::max_queue_size"));
        assert!(resolved.warnings[1].contains("Config::export_timeout"));
    }
}
