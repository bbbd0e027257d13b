//! `TRACED_RESOURCE_DETECTORS`: which resource detectors run, in the style of
//! `OTEL_PROPAGATORS` (see `propagators.rs`).

use super::env::{Env, echo, list};
use crate::resource::{Detectors, ResourceDetector};

pub(crate) const DETECTORS_VAR: &str = "TRACED_RESOURCE_DETECTORS";

/// Code wins over the variable, which wins over the default (every detector). The variable is
/// a comma-separated list of names, case-insensitive; `none` alone turns detection off; unknown
/// names are reported once and skipped, and a list with no known name at all falls back to the
/// default.
pub(crate) fn resolve_detectors(env: &mut Env<'_>, code: Option<Detectors>) -> Detectors {
    code.or_else(|| env_detectors(env))
        .unwrap_or_else(Detectors::all)
}

fn env_detectors(env: &mut Env<'_>) -> Option<Detectors> {
    let value = env.get(DETECTORS_VAR)?;
    let mut chosen = Detectors::NONE;
    let mut known = false;
    let mut unknown = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match ResourceDetector::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
        {
            Some(detector) => chosen.insert(detector),
            None if name.eq_ignore_ascii_case("none") => {}
            None => {
                unknown.push(echo(name));
                continue;
            }
        }
        known = true;
    }
    if !unknown.is_empty() {
        let names: Vec<&str> = ResourceDetector::ALL.iter().map(|d| d.name()).collect();
        let fallback = if known { "" } else { "; using the default" };
        env.warn(format!(
            "{DETECTORS_VAR}: ignoring unknown {} (known: {}, or `none`){fallback}",
            list(&unknown),
            names.join(", ")
        ));
    }
    known.then_some(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env::tests::lookup;

    fn resolve(value: Option<&str>, code: Option<Detectors>) -> (String, Vec<String>) {
        let pairs: Vec<(&str, &str)> = value.map(|v| (DETECTORS_VAR, v)).into_iter().collect();
        let lookup = lookup(&pairs);
        let mut env = Env::new(&lookup);
        let detectors = resolve_detectors(&mut env, code);
        (detectors.to_string(), env.warnings)
    }

    const ALL: &str = "host,os,process,container,aws,k8s";

    #[test]
    fn default_is_every_detector() {
        assert_eq!(resolve(None, None), (ALL.to_owned(), vec![]));
        assert_eq!(resolve(Some("  "), None), (ALL.to_owned(), vec![]));
    }

    #[test]
    fn lists_are_case_insensitive_and_deduplicated() {
        let (chosen, warnings) = resolve(Some(" K8s, host ,HOST,,"), None);
        assert_eq!((chosen.as_str(), warnings.len()), ("host,k8s", 0));
    }

    #[test]
    fn none_turns_detection_off() {
        assert_eq!(resolve(Some("none"), None), ("none".to_owned(), vec![]));
        assert_eq!(resolve(Some("None"), None), ("none".to_owned(), vec![]));
    }

    #[test]
    fn unknown_names_are_reported_once_and_skipped() {
        let (chosen, warnings) = resolve(Some("gcp,host,azure"), None);
        assert_eq!(chosen, "host");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let warning = &warnings[0];
        assert!(warning.contains(DETECTORS_VAR), "{warning}");
        assert!(warning.contains("\"gcp\", \"azure\""), "{warning}");
        assert!(warning.contains("host, os, process"), "{warning}");
    }

    #[test]
    fn only_unknown_names_fall_back_to_the_default() {
        let (chosen, warnings) = resolve(Some("nnoe"), None);
        assert_eq!(chosen, ALL);
        assert!(warnings[0].contains("using the default"), "{warnings:?}");
    }

    #[test]
    fn code_wins() {
        let code = [ResourceDetector::Process].into_iter().collect();
        assert_eq!(resolve(Some("host"), Some(code)).0, "process");
        assert_eq!(resolve(None, Some(Detectors::NONE)).0, "none");
    }
}
