//! Paths that get no server span: exact paths and prefixes, from code and from
//! `TRACED_EXCLUDED_URLS`.
//!
//! Matching is on the request path only (never the query), byte for byte: `/health` does not
//! match `/health/`, and the prefix `/internal*` matches `/internal` and `/internals`, so end a
//! prefix with `/` to stop at a segment boundary. Lists are short, so a linear scan beats any
//! index.

use std::sync::OnceLock;

/// The variable operators use to add exclusions without a code change.
pub(super) const ENV_VAR: &str = "TRACED_EXCLUDED_URLS";

/// Characters of a rejected entry echoed in a warning; the rest is cut so a huge variable
/// cannot flood the log stream.
const ECHO_MAX_CHARS: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Exclusions {
    exact: Vec<Box<str>>,
    prefixes: Vec<Box<str>>,
}

impl Exclusions {
    /// The default: `/health`, plus whatever `TRACED_EXCLUDED_URLS` adds.
    pub(super) fn with_defaults() -> Exclusions {
        let mut exclusions = Exclusions::default();
        exclusions.exact.push("/health".into());
        exclusions.extend(from_env());
        exclusions
    }

    pub(super) fn exact(&mut self, path: &str) {
        if !self.exact.iter().any(|p| **p == *path) {
            self.exact.push(path.into());
        }
    }

    pub(super) fn prefix(&mut self, prefix: &str) {
        if !self.prefixes.iter().any(|p| **p == *prefix) {
            self.prefixes.push(prefix.into());
        }
    }

    pub(super) fn clear(&mut self) {
        self.exact.clear();
        self.prefixes.clear();
    }

    fn extend(&mut self, other: &Exclusions) {
        for path in &other.exact {
            self.exact(path);
        }
        for prefix in &other.prefixes {
            self.prefix(prefix);
        }
    }

    /// Whether requests to `path` are excluded.
    #[inline]
    pub(super) fn matches(&self, path: &str) -> bool {
        self.exact.iter().any(|p| **p == *path)
            || self.prefixes.iter().any(|p| path.starts_with(&**p))
    }
}

/// `TRACED_EXCLUDED_URLS`, read and reported once per process: every layer built afterwards
/// shares the result, so a bad entry is one warning, not one per router.
fn from_env() -> &'static Exclusions {
    static FROM_ENV: OnceLock<Exclusions> = OnceLock::new();
    FROM_ENV.get_or_init(|| {
        let value = crate::config::process_env(ENV_VAR).unwrap_or_default();
        let (exclusions, warnings) = parse(&value);
        for warning in warnings {
            tracing::warn!(target: "traced", "{warning}");
        }
        exclusions
    })
}

/// Parses a comma-separated list of paths; an entry ending in `*` is a prefix. Entries are
/// trimmed; empty ones are skipped; invalid ones (not starting with `/`, a `*` anywhere but at
/// the end, whitespace or control characters inside) are left out, one warning each.
pub(super) fn parse(value: &str) -> (Exclusions, Vec<String>) {
    let mut exclusions = Exclusions::default();
    let mut warnings = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (path, is_prefix) = match entry.strip_suffix('*') {
            Some(prefix) => (prefix, true),
            None => (entry, false),
        };
        let valid = path.starts_with('/')
            && !path
                .chars()
                .any(|c| c == '*' || c.is_whitespace() || c.is_control());
        if !valid {
            warnings.push(format!(
                "ignoring the entry {:?} of {ENV_VAR}: expected a path starting with `/`, \
                 optionally ending in `*` for a prefix",
                echo(entry)
            ));
        } else if is_prefix {
            exclusions.prefix(path);
        } else {
            exclusions.exact(path);
        }
    }
    (exclusions, warnings)
}

fn echo(entry: &str) -> String {
    let mut chars = entry.chars();
    let mut echoed: String = chars.by_ref().take(ECHO_MAX_CHARS).collect();
    if chars.next().is_some() {
        echoed.push('…');
    }
    echoed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_paths_and_prefixes_from_the_variable() {
        let (exclusions, warnings) = parse(" /ready , /internal/* ,, /metrics*,");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(exclusions.matches("/ready"));
        assert!(!exclusions.matches("/ready/"));
        assert!(exclusions.matches("/internal/jobs"));
        assert!(!exclusions.matches("/internal"));
        assert!(exclusions.matches("/metrics"));
        assert!(exclusions.matches("/metricsz"));
        assert!(!exclusions.matches("/orders"));
    }

    #[test]
    fn invalid_entries_are_warned_one_by_one_and_skipped() {
        let long = format!("x{}", "y".repeat(500));
        let value = format!("health,/a*b,/ok,/sp ace,*,{long}");
        let (exclusions, warnings) = parse(&value);
        assert_eq!(warnings.len(), 5, "{warnings:?}");
        assert!(warnings[0].contains("\"health\""), "{warnings:?}");
        assert!(
            warnings
                .iter()
                .all(|w| w.contains(ENV_VAR) && w.len() < 200)
        );
        assert!(exclusions.matches("/ok"));
        assert_eq!(exclusions.exact.len(), 1);
        assert!(exclusions.prefixes.is_empty());
    }

    #[test]
    fn a_lone_slash_star_excludes_everything() {
        let (exclusions, warnings) = parse("/*");
        assert!(warnings.is_empty());
        assert!(exclusions.matches("/"));
        assert!(exclusions.matches("/anything"));
    }

    #[test]
    fn duplicates_are_kept_once_and_clear_removes_all() {
        let mut exclusions = Exclusions::default();
        exclusions.exact("/health");
        exclusions.exact("/health");
        exclusions.prefix("/x/");
        exclusions.prefix("/x/");
        assert_eq!((exclusions.exact.len(), exclusions.prefixes.len()), (1, 1));
        exclusions.clear();
        assert!(!exclusions.matches("/health"));
    }
}
