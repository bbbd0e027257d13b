//! `OTEL_PROPAGATORS` (OpenTelemetry SDK environment variables, General SDK Configuration).

use super::Propagators;
use super::env::{Env, echo, list};

pub(crate) const PROPAGATORS_VAR: &str = "OTEL_PROPAGATORS";

/// Code wins over the variable, which wins over the default (both W3C propagators). As the
/// specification asks, the list is deduplicated, `none` is allowed and unknown names are
/// reported and ignored ("Enum"); a list with no known name at all falls back to the default.
/// `OTEL_SDK_DISABLED` does not apply here: it "has no effect on propagators".
pub(crate) fn resolve_propagators(env: &mut Env<'_>, code: Option<Propagators>) -> Propagators {
    code.or_else(|| env_propagators(env)).unwrap_or_default()
}

fn env_propagators(env: &mut Env<'_>) -> Option<Propagators> {
    let value = env.get(PROPAGATORS_VAR)?;
    let mut chosen = Propagators {
        tracecontext: false,
        baggage: false,
    };
    let mut known = false;
    let mut unknown = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        // Flags, so a repeated name is deduplicated by construction.
        if name.eq_ignore_ascii_case("tracecontext") {
            chosen.tracecontext = true;
        } else if name.eq_ignore_ascii_case("baggage") {
            chosen.baggage = true;
        } else if !name.eq_ignore_ascii_case("none") {
            unknown.push(echo(name));
            continue;
        }
        known = true;
    }
    if !unknown.is_empty() {
        let fallback = if known { "" } else { "; using the default" };
        env.warn(format!(
            "{PROPAGATORS_VAR}: ignoring unsupported {} (supported: `tracecontext`, `baggage`, `none`){fallback}",
            list(&unknown)
        ));
    }
    known.then_some(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env::tests::lookup;

    const BOTH: Propagators = Propagators {
        tracecontext: true,
        baggage: true,
    };
    const NEITHER: Propagators = Propagators {
        tracecontext: false,
        baggage: false,
    };
    const TRACE_ONLY: Propagators = Propagators {
        tracecontext: true,
        baggage: false,
    };

    fn resolve(value: Option<&str>, code: Option<Propagators>) -> (Propagators, Vec<String>) {
        let pairs: Vec<(&str, &str)> = value.map(|v| ("OTEL_PROPAGATORS", v)).into_iter().collect();
        let lookup = lookup(&pairs);
        let mut env = Env::new(&lookup);
        let propagators = resolve_propagators(&mut env, code);
        (propagators, env.warnings)
    }

    #[test]
    fn default_is_both() {
        assert_eq!(resolve(None, None), (BOTH, vec![]));
        assert_eq!(Propagators::default(), BOTH);
    }

    #[test]
    fn lists_are_case_insensitive_and_deduplicated() {
        assert_eq!(resolve(Some("TraceContext"), None), (TRACE_ONLY, vec![]));
        let (p, w) = resolve(Some(" baggage , tracecontext,baggage,"), None);
        assert_eq!((p, w.len()), (BOTH, 0));
    }

    #[test]
    fn none_disables_propagation() {
        assert_eq!(resolve(Some("none"), None), (NEITHER, vec![]));
    }

    #[test]
    fn unknown_names_are_reported_and_ignored() {
        let (p, w) = resolve(Some("b3,tracecontext,xray"), None);
        assert_eq!(p, TRACE_ONLY);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("OTEL_PROPAGATORS") && w[0].contains("\"b3\""),
            "{w:?}"
        );
        assert!(w[0].contains("\"xray\""), "{w:?}");
    }

    #[test]
    fn only_unknown_names_fall_back_to_the_default() {
        let (p, w) = resolve(Some("jaeger"), None);
        assert_eq!(p, BOTH);
        assert!(w[0].contains("using the default"), "{w:?}");
    }

    #[test]
    fn code_wins() {
        assert_eq!(resolve(Some("baggage"), Some(NEITHER)), (NEITHER, vec![]));
    }
}
