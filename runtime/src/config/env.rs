//! Reading variables through the injected lookup, and the typed parsers every setting shares.
//!
//! They implement the parsing rules stated in the `config` module docs. Each failure becomes
//! exactly one warning naming the variable; the caller then falls back to the next source (another
//! variable, or the default). Every parser here is total and linear in its input: these values come
//! from outside the program and will be fuzzed.

use std::time::Duration;

/// The longest duration any setting takes, and what "no limit" becomes
/// (`OTEL_EXPORTER_OTLP_TIMEOUT=0`: the common configuration specification, "Timeout", lets an
/// implementation treat "no limit" as a very long time): longer values are capped to it so no
/// deadline computed from a setting (`Instant::now() + d`) can overflow and panic. A day is far
/// beyond any sane export delay or timeout.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);
const MAX_MILLIS: u64 = 24 * 60 * 60 * 1000;

/// What [`process_env`] returns for a value that is not UTF-8: the raw bytes are never passed
/// on (it may be a header holding a secret), and [`Env::get`] reports it.
const NOT_UTF8: &str = "\u{FFFD}";

/// Characters of a rejected value echoed in a warning; the rest is cut so a huge variable
/// cannot flood the log stream.
const ECHO_MAX_CHARS: usize = 64;
/// Items listed in one warning at most; see [`list`].
const LIST_MAX_ITEMS: usize = 8;

/// Reads a variable from the process environment, for [`crate::config::Config::resolve`].
///
/// Empty means unset (see the parsing rules in `config`). A value that is not UTF-8 comes back as
/// U+FFFD alone, which [`Env::get`] reports as invalid without echoing anything of it.
pub(crate) fn process_env(name: &str) -> Option<String> {
    let value = std::env::var_os(name)?;
    if value.is_empty() {
        return None;
    }
    Some(value.into_string().unwrap_or_else(|_| NOT_UTF8.to_owned()))
}

/// The environment as the resolver sees it: an injected lookup (so tests never touch the
/// process environment) and the warnings gathered while reading it.
pub(crate) struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    pub(crate) warnings: Vec<String>,
}

impl<'a> Env<'a> {
    pub(crate) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Env {
            lookup,
            warnings: Vec::new(),
        }
    }

    /// The value of `name`, trimmed; `None` when unset, empty, blank or not UTF-8 (warned).
    ///
    /// A value containing U+FFFD is taken as the lossy form of non-UTF-8 bytes: no variable we
    /// read can legitimately contain it.
    pub(crate) fn get(&mut self, name: &str) -> Option<String> {
        let raw = (self.lookup)(name)?;
        let value = raw.trim();
        if value.is_empty() {
            return None;
        }
        if value.contains(NOT_UTF8) {
            self.warn(format!("ignoring {name}: the value is not valid UTF-8"));
            return None;
        }
        Some(value.to_owned())
    }

    /// Records a warning, unless the same one was given already: the general OTLP variables
    /// are read once for each signal, and a bad value is still one warning.
    pub(crate) fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    /// Reports `name=value` as invalid, echoing the value (never use this for header values).
    pub(crate) fn invalid(&mut self, name: &str, value: &str, expected: &str) {
        let value = echo(value);
        self.warn(format!("ignoring {name}={value}: expected {expected}"));
    }

    /// A boolean variable: only a case-insensitive `true` is true; `false` is false; anything
    /// else is warned about and ignored (OpenTelemetry SDK environment variables, "Boolean").
    pub(crate) fn flag(&mut self, name: &str) -> Option<bool> {
        let value = self.get(name)?;
        if value.eq_ignore_ascii_case("true") {
            Some(true)
        } else if value.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            self.invalid(name, &value, "`true` or `false`");
            None
        }
    }

    /// A whole number in `[min, max]`: below `min` (or unparsable, or negative) is invalid and
    /// ignored; above `max` is capped with a warning, so no setting can ask for an allocation or
    /// a deadline the runtime cannot honour.
    pub(crate) fn number(&mut self, name: &str, min: u64, max: u64) -> Option<u64> {
        let value = self.get(name)?;
        match parse_uint(&value) {
            Some(n) => self.bounded(name, n, min, max),
            None => {
                self.invalid(name, &value, &expected_number(min));
                None
            }
        }
    }

    /// The first of `names` that holds a valid number: the signal-specific variable wins, and an
    /// invalid one falls back to the general variable. The more specific variable comes first
    /// in every pair we read (OpenTelemetry Protocol Exporter, Configuration Options: "Each
    /// configuration option MUST be overridable by a signal specific option"; common
    /// specification, Attribute Limits: the model-specific limit first).
    pub(crate) fn first_number(&mut self, names: &[&str], min: u64, max: u64) -> Option<u64> {
        names.iter().find_map(|name| self.number(name, min, max))
    }

    /// Keeps a number from `source` (a variable or a `Config` method) within `[min, max]`.
    pub(crate) fn bounded(&mut self, source: &str, n: u64, min: u64, max: u64) -> Option<u64> {
        if n < min {
            self.invalid(source, &n.to_string(), &expected_number(min));
            None
        } else if n > max {
            self.warn(format!("{source}={n} is too large; using {max}"));
            Some(max)
        } else {
            Some(n)
        }
    }

    /// A duration in milliseconds from the first valid of `names`, at least `min_ms`, capped at
    /// [`MAX_DURATION`]; a negative or unparsable value is warned about and ignored.
    pub(crate) fn millis(&mut self, names: &[&str], min_ms: u64) -> Option<Duration> {
        self.first_number(names, min_ms, MAX_MILLIS)
            .map(Duration::from_millis)
    }

    /// A duration set in code by `method`, held to the same rule as [`Env::millis`].
    pub(crate) fn code_duration(
        &mut self,
        method: &str,
        duration: Duration,
        min: Duration,
    ) -> Option<Duration> {
        if duration < min {
            self.warn(format!(
                "ignoring Config::{method}({duration:?}): expected at least {min:?}"
            ));
            None
        } else if duration > MAX_DURATION {
            self.warn(format!(
                "Config::{method}({duration:?}) is too long; using {MAX_DURATION:?}"
            ));
            Some(MAX_DURATION)
        } else {
            Some(duration)
        }
    }

    /// One of `choices`, matched case-insensitively (OpenTelemetry SDK environment variables,
    /// "Enum").
    pub(crate) fn choice<T: Copy>(&mut self, name: &str, choices: &[(&str, T)]) -> Option<T> {
        let value = self.get(name)?;
        let found = choices
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(&value))
            .map(|&(_, choice)| choice);
        if found.is_none() {
            self.invalid(name, &value, &one_of(choices.iter().map(|&(key, _)| key)));
        }
        found
    }
}

/// A non-negative decimal integer: ASCII digits only (no sign, no fraction), no overflow.
pub(crate) fn parse_uint(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.bytes().try_fold(0_u64, |n, b| {
        let digit = char::from(b).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// `value` quoted and escaped, so control characters in it cannot forge log lines (log
/// injection, CWE-117), and cut to [`ECHO_MAX_CHARS`].
pub(crate) fn echo(value: &str) -> String {
    match value.char_indices().nth(ECHO_MAX_CHARS) {
        Some((end, _)) => format!("{:?}…", value.get(..end).unwrap_or_default()),
        None => format!("{value:?}"),
    }
}

/// Items joined for a warning, at most [`LIST_MAX_ITEMS`] of them, so a variable with a
/// million bad entries still gives one short line.
pub(crate) fn list(items: &[String]) -> String {
    let shown: Vec<&str> = items
        .iter()
        .take(LIST_MAX_ITEMS)
        .map(String::as_str)
        .collect();
    let mut text = shown.join(", ");
    if let Some(more) = items.len().checked_sub(LIST_MAX_ITEMS).filter(|&n| n > 0) {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// "one of `a`, `b`, `c`" for warnings.
pub(crate) fn one_of<'k>(keys: impl Iterator<Item = &'k str>) -> String {
    let keys: Vec<String> = keys.map(|key| format!("`{key}`")).collect();
    format!("one of {}", keys.join(", "))
}

fn expected_number(min: u64) -> String {
    if min == 0 {
        "a whole number (0 or more)".to_owned()
    } else {
        format!("a whole number of at least {min}")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A lookup over fixed pairs, the way every test in `config` reads "the environment".
    pub(crate) fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn with_env<T>(
        pairs: &[(&str, &str)],
        read: impl FnOnce(&mut Env<'_>) -> T,
    ) -> (T, Vec<String>) {
        let lookup = lookup(pairs);
        let mut env = Env::new(&lookup);
        let value = read(&mut env);
        (value, env.warnings)
    }

    #[test]
    fn empty_and_blank_mean_unset_and_values_are_trimmed() {
        let (values, warnings) = with_env(&[("A", ""), ("B", "  \t"), ("C", " x ")], |env| {
            (env.get("A"), env.get("B"), env.get("C"), env.get("D"))
        });
        assert_eq!(values, (None, None, Some("x".to_owned()), None));
        assert!(warnings.is_empty());
    }

    #[test]
    fn a_warning_is_given_once() {
        let (_, warnings) = with_env(&[("N", "x")], |env| {
            env.number("N", 0, 1);
            env.number("N", 0, 1);
            env.warn("other".to_owned());
        });
        assert_eq!(
            warnings,
            [
                "ignoring N=\"x\": expected a whole number (0 or more)",
                "other"
            ]
        );
    }

    #[test]
    fn non_utf8_is_reported_without_echo() {
        let (value, warnings) = with_env(&[("H", "\u{FFFD}")], |env| env.get("H"));
        assert_eq!(value, None);
        assert_eq!(warnings, ["ignoring H: the value is not valid UTF-8"]);
    }

    #[test]
    fn flag_accepts_only_true_and_false_in_any_case() {
        for (raw, expected) in [
            ("true", Some(true)),
            ("TRUE", Some(true)),
            ("False", Some(false)),
        ] {
            let (value, warnings) = with_env(&[("F", raw)], |env| env.flag("F"));
            assert_eq!(value, expected, "{raw}");
            assert!(warnings.is_empty());
        }
        for raw in ["1", "yes", "on", "truee"] {
            let (value, warnings) = with_env(&[("F", raw)], |env| env.flag("F"));
            assert_eq!(value, None, "{raw}");
            assert_eq!(warnings.len(), 1);
            assert!(
                warnings[0].contains("F=") && warnings[0].contains(raw),
                "{warnings:?}"
            );
        }
    }

    #[test]
    fn parse_uint_is_strict() {
        assert_eq!(parse_uint("0"), Some(0));
        assert_eq!(parse_uint("0042"), Some(42));
        assert_eq!(parse_uint("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "-1",
            "+1",
            "1.5",
            "1e3",
            "18446744073709551616",
            "١٢",
            " 1",
        ] {
            assert_eq!(parse_uint(bad), None, "{bad}");
        }
    }

    #[test]
    fn number_checks_bounds() {
        let (v, w) = with_env(&[("N", "7")], |env| env.number("N", 1, 10));
        assert_eq!((v, w.len()), (Some(7), 0));
        let (v, w) = with_env(&[("N", "0")], |env| env.number("N", 1, 10));
        assert_eq!(v, None);
        assert!(
            w[0].contains("N=\"0\"") && w[0].contains("at least 1"),
            "{w:?}"
        );
        let (v, w) = with_env(&[("N", "11")], |env| env.number("N", 1, 10));
        assert_eq!((v, w.len()), (Some(10), 1));
        assert!(w[0].contains("N=11"), "{w:?}");
        let (v, w) = with_env(&[("N", "-5")], |env| env.number("N", 0, 10));
        assert_eq!((v, w.len()), (None, 1));
    }

    #[test]
    fn first_number_falls_back_when_the_specific_variable_is_invalid() {
        let env = [("SPECIFIC", "x"), ("GENERAL", "5")];
        let (v, w) = with_env(&env, |env| env.first_number(&["SPECIFIC", "GENERAL"], 0, 9));
        assert_eq!((v, w.len()), (Some(5), 1));
        let env = [("SPECIFIC", "3"), ("GENERAL", "5")];
        let (v, w) = with_env(&env, |env| env.first_number(&["SPECIFIC", "GENERAL"], 0, 9));
        assert_eq!((v, w.len()), (Some(3), 0));
    }

    #[test]
    fn millis_are_capped_and_code_durations_checked() {
        let env = [("T", "90000000")];
        let (v, w) = with_env(&env, |env| env.millis(&["T"], 0));
        assert_eq!((v, w.len()), (Some(MAX_DURATION), 1));
        let (v, w) = with_env(&[], |env| {
            let short = env.code_duration("x", Duration::ZERO, Duration::from_millis(1));
            let long = env.code_duration("y", Duration::MAX, Duration::ZERO);
            let fine = env.code_duration("z", Duration::from_secs(1), Duration::ZERO);
            (short, long, fine)
        });
        assert_eq!(v, (None, Some(MAX_DURATION), Some(Duration::from_secs(1))));
        assert_eq!(w.len(), 2);
        assert!(w[0].starts_with("ignoring Config::x(0ns)"), "{w:?}");
        assert!(w[1].starts_with("Config::y("), "{w:?}");
    }

    #[test]
    fn choice_is_case_insensitive_and_lists_the_valid_values() {
        let choices = [("json", 1), ("pretty", 2)];
        let (v, _) = with_env(&[("C", "PRETTY")], |env| env.choice("C", &choices));
        assert_eq!(v, Some(2));
        let (v, w) = with_env(&[("C", "xml")], |env| env.choice("C", &choices));
        assert_eq!(v, None);
        assert_eq!(w, ["ignoring C=\"xml\": expected one of `json`, `pretty`"]);
    }

    #[test]
    fn lists_are_capped() {
        let items: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        assert_eq!(list(&items[..2]), "0, 1");
        assert_eq!(list(&items[..8]), "0, 1, 2, 3, 4, 5, 6, 7");
        assert_eq!(list(&items), "0, 1, 2, 3, 4, 5, 6, 7 and 12 more");
    }

    #[test]
    fn echo_escapes_and_truncates() {
        assert_eq!(echo("a\nb"), "\"a\\nb\"");
        let long = "é".repeat(100);
        let echoed = echo(&long);
        assert_eq!(echoed.chars().filter(|&c| c == 'é').count(), ECHO_MAX_CHARS);
        assert!(echoed.ends_with('…'));
    }
}
