//! `key=value,key=value` lists with percent-encoding, the W3C-Baggage-like format shared by
//! `OTEL_RESOURCE_ATTRIBUTES` (OpenTelemetry Resource SDK: values are percent-decoded) and
//! `OTEL_EXPORTER_OTLP_{,TRACES_}HEADERS` (OpenTelemetry Protocol Exporter, "Specifying headers
//! via environment variables": the W3C Baggage format without `;` metadata). The callers decide
//! what a bad entry costs: the resource discards the whole variable, headers skip the entry.

use std::collections::HashMap;

/// Why an entry was rejected. Never carries the value, which may be a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadEntry {
    /// 1-based position among the non-blank entries.
    pub(crate) position: usize,
    /// The raw key (trimmed), or `None` when the entry has no `=` (it may be a bare secret).
    pub(crate) key: Option<String>,
    pub(crate) reason: &'static str,
}

/// One entry, decoded, or why it was rejected.
pub(crate) type Entry = Result<(String, String), BadEntry>;

/// Splits `text` on `,` and each entry at its first `=`; keys and values are trimmed, then
/// percent-decoded. Blank entries (`a=1,,b=2`, a trailing comma) are skipped silently: they
/// carry nothing and are a common copy-paste artefact.
pub(crate) fn parse_pairs(text: &str) -> Vec<Entry> {
    text.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .enumerate()
        .map(|(index, entry)| parse_entry(index + 1, entry))
        .collect()
}

fn parse_entry(position: usize, entry: &str) -> Entry {
    let bad = |key: Option<&str>, reason| BadEntry {
        position,
        key: key.map(str::to_owned),
        reason,
    };
    let Some((raw_key, raw_value)) = entry.split_once('=') else {
        return Err(bad(None, "no `=`"));
    };
    let raw_key = raw_key.trim();
    if raw_key.is_empty() {
        return Err(bad(Some(raw_key), "empty key"));
    }
    let Some(key) = percent_decode(raw_key) else {
        return Err(bad(Some(raw_key), "bad percent-encoding in the key"));
    };
    let Some(value) = percent_decode(raw_value.trim()) else {
        return Err(bad(Some(raw_key), "bad percent-encoding in the value"));
    };
    Ok((key, value))
}

/// Decodes `%XX` escapes. `None` when a `%` is not followed by two hex digits or the result is
/// not UTF-8: the resource spec treats both as decoding errors. `+` stays `+` (this is not
/// form encoding).
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let high = hex_digit(*bytes.get(i + 1)?)?;
            let low = hex_digit(*bytes.get(i + 2)?)?;
            out.push(high << 4 | low);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_digit(byte: u8) -> Option<u8> {
    let digit = char::from(byte).to_digit(16)?;
    u8::try_from(digit).ok()
}

/// `pairs` with repeated keys removed: the last value wins, at the first key's position, so
/// the order users wrote is kept and no key appears twice. `normal` maps a key to the form
/// compared (identity, or lower case for HTTP header names). Linear: a map, not a scan.
pub(crate) fn dedupe(
    pairs: Vec<(String, String)>,
    normal: impl Fn(&str) -> String,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(pairs.len());
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(pairs.len());
    for (key, value) in pairs {
        match seen
            .get(&normal(&key))
            .and_then(|&index| out.get_mut(index))
        {
            Some(slot) => slot.1 = value,
            None => {
                seen.insert(normal(&key), out.len());
                out.push((key, value));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(key: &str, value: &str) -> Entry {
        Ok((key.to_owned(), value.to_owned()))
    }

    #[test]
    fn decodes_escapes_and_keeps_plus() {
        assert_eq!(percent_decode("a%20b%2Cc%3d+").as_deref(), Some("a b,c=+"));
        assert_eq!(percent_decode("%C3%A9t%C3%A9").as_deref(), Some("été"));
        assert_eq!(percent_decode("").as_deref(), Some(""));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
    }

    #[test]
    fn rejects_bad_escapes_and_non_utf8() {
        for bad in ["%", "%2", "a%zz", "%2g", "%%", "%C3", "%FF", "x%e9"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn splits_trims_and_decodes() {
        let parsed = parse_pairs(" a = 1 , b=x%3Dy ,, c= ,");
        assert_eq!(parsed, vec![ok("a", "1"), ok("b", "x=y"), ok("c", "")]);
    }

    #[test]
    fn a_value_may_contain_equals_signs() {
        assert_eq!(parse_pairs("k=a=b"), vec![ok("k", "a=b")]);
    }

    #[test]
    fn reports_bad_entries_without_their_values() {
        let parsed = parse_pairs("good=1,secret-token,=v,k%zz=1,auth=%zz");
        assert_eq!(parsed[0], ok("good", "1"));
        let bad: Vec<BadEntry> = parsed.into_iter().filter_map(Result::err).collect();
        let summary: Vec<(usize, Option<&str>)> =
            bad.iter().map(|b| (b.position, b.key.as_deref())).collect();
        assert_eq!(
            summary,
            [
                (2, None),
                (3, Some("")),
                (4, Some("k%zz")),
                (5, Some("auth"))
            ]
        );
        assert!(!format!("{bad:?}").contains("secret-token"));
    }

    #[test]
    fn dedupe_keeps_the_first_position_and_the_last_value() {
        let pairs = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
            ("A".to_owned(), "3".to_owned()),
        ];
        let exact = dedupe(pairs.clone(), str::to_owned);
        assert_eq!(exact.len(), 3);
        let folded = dedupe(pairs, str::to_ascii_lowercase);
        assert_eq!(
            folded,
            [
                ("a".to_owned(), "3".to_owned()),
                ("b".to_owned(), "2".to_owned())
            ]
        );
    }

    #[test]
    fn long_inputs_are_handled() {
        let long = "k=v,".repeat(10_000);
        assert_eq!(parse_pairs(&long).len(), 10_000);
        assert_eq!(
            percent_decode(&"%41".repeat(10_000)).map(|s| s.len()),
            Some(10_000)
        );
    }
}
