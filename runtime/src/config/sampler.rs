//! `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (OpenTelemetry SDK environment variables,
//! General SDK Configuration).

use super::env::{Env, echo};
use super::{RootSampler, Sampler};
pub(crate) use crate::engine::DEFAULT_SAMPLER;

pub(crate) const SAMPLER_VAR: &str = "OTEL_TRACES_SAMPLER";
pub(crate) const SAMPLER_ARG_VAR: &str = "OTEL_TRACES_SAMPLER_ARG";
/// The spec's default ratio for the ratio samplers.
const DEFAULT_RATIO: f64 = 1.0;

/// What the sampler variable names, before the ratio is known.
#[derive(Clone, Copy)]
enum Name {
    AlwaysOn,
    AlwaysOff,
    Ratio,
    ParentOn,
    ParentOff,
    ParentRatio,
}

const NAMES: [(&str, Name); 6] = [
    ("always_on", Name::AlwaysOn),
    ("always_off", Name::AlwaysOff),
    ("traceidratio", Name::Ratio),
    ("parentbased_always_on", Name::ParentOn),
    ("parentbased_always_off", Name::ParentOff),
    ("parentbased_traceidratio", Name::ParentRatio),
];

/// Code wins; a code sampler with a ratio outside `[0, 1]` is reported and ignored.
pub(crate) fn resolve_sampler(env: &mut Env<'_>, code: Option<Sampler>) -> Sampler {
    let code = code.filter(|sampler| match ratio_of(*sampler) {
        Some(ratio) if !valid_ratio(ratio) => {
            env.warn(format!(
                "ignoring Config::sampler({sampler:?}): the ratio must be within [0, 1]"
            ));
            false
        }
        _ => true,
    });
    code.or_else(|| env_sampler(env)).unwrap_or(DEFAULT_SAMPLER)
}

fn env_sampler(env: &mut Env<'_>) -> Option<Sampler> {
    let name = env.choice(SAMPLER_VAR, &NAMES)?;
    // The argument is read only for the ratio samplers; the spec says other samplers ignore it.
    let mut ratio = || env_ratio(env);
    Some(match name {
        Name::AlwaysOn => Sampler::AlwaysOn,
        Name::AlwaysOff => Sampler::AlwaysOff,
        Name::Ratio => Sampler::TraceIdRatio(ratio()),
        Name::ParentOn => Sampler::ParentBased(RootSampler::AlwaysOn),
        Name::ParentOff => Sampler::ParentBased(RootSampler::AlwaysOff),
        Name::ParentRatio => Sampler::ParentBased(RootSampler::TraceIdRatio(ratio())),
    })
}

/// A probability in `[0, 1]`, 1.0 when unset; an invalid argument "MUST be logged and MUST be
/// otherwise ignored" (OpenTelemetry SDK environment variables, General SDK Configuration).
fn env_ratio(env: &mut Env<'_>) -> f64 {
    let Some(value) = env.get(SAMPLER_ARG_VAR) else {
        return DEFAULT_RATIO;
    };
    match value.parse::<f64>() {
        Ok(ratio) if valid_ratio(ratio) => ratio,
        _ => {
            let shown = echo(&value);
            env.warn(format!(
                "ignoring {SAMPLER_ARG_VAR}={shown}: expected a number within [0, 1]; using {DEFAULT_RATIO}"
            ));
            DEFAULT_RATIO
        }
    }
}

fn valid_ratio(ratio: f64) -> bool {
    (0.0..=1.0).contains(&ratio)
}

fn ratio_of(sampler: Sampler) -> Option<f64> {
    match sampler {
        Sampler::TraceIdRatio(ratio) | Sampler::ParentBased(RootSampler::TraceIdRatio(ratio)) => {
            Some(ratio)
        }
        _ => None,
    }
}

/// The spec's name of `sampler`, with its ratio, for the startup summary.
pub(crate) fn describe(sampler: Sampler) -> String {
    match sampler {
        Sampler::AlwaysOn => "always_on".to_owned(),
        Sampler::AlwaysOff => "always_off".to_owned(),
        Sampler::TraceIdRatio(ratio) => format!("traceidratio({ratio})"),
        Sampler::ParentBased(RootSampler::AlwaysOn) => "parentbased_always_on".to_owned(),
        Sampler::ParentBased(RootSampler::AlwaysOff) => "parentbased_always_off".to_owned(),
        Sampler::ParentBased(RootSampler::TraceIdRatio(ratio)) => {
            format!("parentbased_traceidratio({ratio})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env::tests::lookup;

    fn resolve(pairs: &[(&str, &str)], code: Option<Sampler>) -> (Sampler, Vec<String>) {
        let lookup = lookup(pairs);
        let mut env = Env::new(&lookup);
        let sampler = resolve_sampler(&mut env, code);
        (sampler, env.warnings)
    }

    #[test]
    fn default_is_parent_based_always_on() {
        assert_eq!(resolve(&[], None), (DEFAULT_SAMPLER, vec![]));
    }

    #[test]
    fn every_name_case_insensitively() {
        let arg = ("OTEL_TRACES_SAMPLER_ARG", "0.25");
        let cases = [
            ("always_on", Sampler::AlwaysOn),
            ("ALWAYS_OFF", Sampler::AlwaysOff),
            ("TraceIdRatio", Sampler::TraceIdRatio(0.25)),
            (
                "parentbased_always_on",
                Sampler::ParentBased(RootSampler::AlwaysOn),
            ),
            (
                "parentbased_always_off",
                Sampler::ParentBased(RootSampler::AlwaysOff),
            ),
            (
                "parentbased_traceidratio",
                Sampler::ParentBased(RootSampler::TraceIdRatio(0.25)),
            ),
        ];
        for (name, expected) in cases {
            let (sampler, warnings) = resolve(&[("OTEL_TRACES_SAMPLER", name), arg], None);
            assert_eq!(sampler, expected, "{name}");
            assert!(warnings.is_empty(), "{name}: {warnings:?}");
        }
    }

    #[test]
    fn ratio_defaults_to_one_and_bounds_are_inclusive() {
        let ratio = |arg: Option<&str>| {
            let mut env = vec![("OTEL_TRACES_SAMPLER", "traceidratio")];
            env.extend(arg.map(|a| ("OTEL_TRACES_SAMPLER_ARG", a)));
            resolve(&env, None)
        };
        assert_eq!(ratio(None), (Sampler::TraceIdRatio(1.0), vec![]));
        assert_eq!(ratio(Some("0")), (Sampler::TraceIdRatio(0.0), vec![]));
        assert_eq!(ratio(Some("1")), (Sampler::TraceIdRatio(1.0), vec![]));
        for bad in ["1.5", "-0.1", "NaN", "inf", "half", "0,5"] {
            let (sampler, warnings) = ratio(Some(bad));
            assert_eq!(sampler, Sampler::TraceIdRatio(1.0), "{bad}");
            assert_eq!(warnings.len(), 1, "{bad}");
            assert!(
                warnings[0].contains("OTEL_TRACES_SAMPLER_ARG"),
                "{warnings:?}"
            );
            assert!(warnings[0].contains(bad), "{warnings:?}");
        }
    }

    #[test]
    fn the_argument_is_ignored_by_other_samplers() {
        let env = [
            ("OTEL_TRACES_SAMPLER", "always_on"),
            ("OTEL_TRACES_SAMPLER_ARG", "garbage"),
        ];
        assert_eq!(resolve(&env, None), (Sampler::AlwaysOn, vec![]));
    }

    #[test]
    fn an_unknown_sampler_is_reported_and_the_default_used() {
        let env = [("OTEL_TRACES_SAMPLER", "jaeger_remote")];
        let (sampler, warnings) = resolve(&env, None);
        assert_eq!(sampler, DEFAULT_SAMPLER);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("OTEL_TRACES_SAMPLER=\"jaeger_remote\""),
            "{warnings:?}"
        );
    }

    #[test]
    fn code_wins_and_a_bad_code_ratio_falls_back_to_the_environment() {
        let env = [("OTEL_TRACES_SAMPLER", "always_off")];
        assert_eq!(resolve(&env, Some(Sampler::AlwaysOn)).0, Sampler::AlwaysOn);
        let (sampler, warnings) = resolve(&env, Some(Sampler::TraceIdRatio(2.0)));
        assert_eq!(sampler, Sampler::AlwaysOff);
        assert!(warnings[0].contains("Config::sampler"), "{warnings:?}");
        let nan = Sampler::ParentBased(RootSampler::TraceIdRatio(f64::NAN));
        assert_eq!(resolve(&[], Some(nan)).0, DEFAULT_SAMPLER);
    }

    #[test]
    fn describe_uses_the_spec_names() {
        assert_eq!(describe(DEFAULT_SAMPLER), "parentbased_always_on");
        assert_eq!(describe(Sampler::TraceIdRatio(0.5)), "traceidratio(0.5)");
    }
}
