//! The batching export thread (`OTEL_BSP_*`: OpenTelemetry SDK environment variables, Batch
//! Span Processor) and span attribute limits (`OTEL_{,SPAN_}ATTRIBUTE_*_LIMIT`: the same page,
//! Attribute Limits and Span Limits).

use std::time::Duration;

use super::env::Env;
use super::{BatchSettings, Limits};

const SCHEDULE_DELAY_VAR: &str = "OTEL_BSP_SCHEDULE_DELAY";
const MAX_QUEUE_SIZE_VAR: &str = "OTEL_BSP_MAX_QUEUE_SIZE";
const MAX_EXPORT_BATCH_SIZE_VAR: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
const EXPORT_TIMEOUT_VAR: &str = "OTEL_BSP_EXPORT_TIMEOUT";
const VALUE_LENGTH_VARS: [&str; 2] = [
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
];
const COUNT_VARS: [&str; 2] = [
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_ATTRIBUTE_COUNT_LIMIT",
];

/// The largest queue we accept: the engine allocates the queue up front, and an absurd
/// `OTEL_BSP_MAX_QUEUE_SIZE` must not abort the process (bad configuration is reported, never
/// fatal: see the `config` module docs).
pub(crate) const MAX_QUEUE_SIZE_CAP: usize = 1 << 20;

/// The four `OTEL_BSP_*` variables, or their code equivalents; defaults in
/// [`BatchSettings::default`].
pub(crate) fn resolve_batch(
    env: &mut Env<'_>,
    schedule_delay: Option<Duration>,
    max_queue_size: Option<usize>,
    max_export_batch_size: Option<usize>,
    export_timeout: Option<Duration>,
) -> BatchSettings {
    let default = BatchSettings::default();
    let schedule_delay = match schedule_delay {
        Some(delay) => env.code_duration("schedule_delay", delay, Duration::ZERO),
        None => env.millis(&[SCHEDULE_DELAY_VAR], 0),
    }
    .unwrap_or(default.schedule_delay)
    // A zero delay would make the export thread spin; 1 ms is as prompt as anyone needs.
    .max(Duration::from_millis(1));
    let max_queue_size = size(
        env,
        "max_queue_size",
        max_queue_size,
        MAX_QUEUE_SIZE_VAR,
        1,
        MAX_QUEUE_SIZE_CAP,
    )
    .unwrap_or(default.max_queue_size);
    let batch = size(
        env,
        "max_export_batch_size",
        max_export_batch_size,
        MAX_EXPORT_BATCH_SIZE_VAR,
        1,
        usize::MAX,
    );
    // The batch size "must be less than or equal to OTEL_BSP_MAX_QUEUE_SIZE" (SDK environment
    // variables, Batch Span Processor). Only a batch size someone chose is
    // worth a warning; the default is quietly lowered to a small queue.
    let max_export_batch_size = match batch {
        Some(batch) if batch > max_queue_size => {
            env.warn(format!(
                "the export batch size {batch} ({MAX_EXPORT_BATCH_SIZE_VAR} or \
                 Config::max_export_batch_size) exceeds the queue size; using {max_queue_size}"
            ));
            max_queue_size
        }
        Some(batch) => batch,
        None => default.max_export_batch_size.min(max_queue_size),
    };
    let export_timeout = match export_timeout {
        Some(timeout) => env.code_duration("export_timeout", timeout, Duration::from_millis(1)),
        // Zero would abort every export and the final flush at once: rejected.
        None => env.millis(&[EXPORT_TIMEOUT_VAR], 1),
    }
    .unwrap_or(default.export_timeout);
    BatchSettings {
        schedule_delay,
        max_queue_size,
        max_export_batch_size,
        export_timeout,
    }
}

/// The span-specific variable wins over the general one (common specification, Attribute
/// Limits: "the SDK MUST first attempt to use the model-specific limit").
pub(crate) fn resolve_limits(
    env: &mut Env<'_>,
    value_length: Option<usize>,
    count: Option<usize>,
) -> Limits {
    let default = Limits::default();
    let mut read = |code: Option<usize>, vars: &[&str]| match code {
        Some(limit) => Some(limit),
        None => env.first_number(vars, 0, u64::MAX).map(to_usize),
    };
    Limits {
        attribute_value_length: read(value_length, &VALUE_LENGTH_VARS)
            .unwrap_or(default.attribute_value_length),
        attribute_count: read(count, &COUNT_VARS).unwrap_or(default.attribute_count),
    }
}

/// A size from code (`Config::{method}`) or `var`, within `[min, max]`.
fn size(
    env: &mut Env<'_>,
    method: &str,
    code: Option<usize>,
    var: &str,
    min: usize,
    max: usize,
) -> Option<usize> {
    let (min, max) = (to_u64(min), to_u64(max));
    let n = match code {
        Some(n) => env.bounded(&format!("Config::{method}"), to_u64(n), min, max),
        None => env.number(var, min, max),
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
