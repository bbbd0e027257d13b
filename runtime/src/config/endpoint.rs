//! The exporter choice and the OTLP/HTTP settings of one signal: endpoint, headers, timeout,
//! compression, protocol (OpenTelemetry Protocol Exporter, Configuration Options; the exporter
//! lists: OpenTelemetry SDK environment variables, Exporter Selection). The variable names of each
//! signal are in `signal.rs`.

use std::time::Duration;

use super::env::{Env, MAX_DURATION, echo, list, one_of};
use super::pairs::{BadEntry, dedupe, parse_pairs};
use super::signal::{BASE_ENDPOINT_VAR, Signal};
use super::tls::{CodeTls, resolve_tls};
use super::{Compression, ExporterKind, OtlpSettings};
use crate::otlp::{DEFAULT_MAX_BODY, MAX_BODY_LIMIT};

/// The per-request timeout when none is set: 10 s, OpenTelemetry's default (Protocol Exporter,
/// Configuration Options).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_millis(10_000);
/// The only protocol we speak (the specification's default); `grpc` and `http/json` fall back to it
/// with a warning.
const PROTOCOL: &str = "http/protobuf";
const EXPORTERS: [(&str, ExporterKind); 3] = [
    ("otlp", ExporterKind::Otlp),
    ("console", ExporterKind::Console),
    ("none", ExporterKind::None),
];
const COMPRESSIONS: [(&str, Compression); 2] =
    [("gzip", Compression::Gzip), ("none", Compression::None)];

/// What code said about the export of one signal.
#[derive(Debug, Default)]
pub(crate) struct CodeExport {
    /// `Config::exporters` / `Config::exporter` (traces), `Config::log_exporters` /
    /// `Config::log_exporter` (logs).
    pub(crate) exporters: Option<Vec<ExporterKind>>,
    /// Span exporters were given in code (`Config::with_exporter`): without a list from code or
    /// `OTEL_TRACES_EXPORTER`, they are the only ones. Always false for logs.
    pub(crate) custom: bool,
    /// `Config::otlp_max_request_size`.
    pub(crate) max_body: Option<usize>,
    /// The signal's full URL (`Config::otlp_endpoint`, `Config::otlp_logs_endpoint`).
    pub(crate) endpoint: Option<String>,
    /// The rest is general: the same for every signal.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) compression: Option<Compression>,
    pub(crate) tls: CodeTls,
}

/// The exporters of `signal` and, when OTLP is one of them, its settings. Without exporters from
/// code or the signal's exporter variable, span exporters given in code are the only ones; else
/// a valid endpoint (code, the signal's variable or the base one) means OTLP and no endpoint means
/// `signal.without_endpoint` (why: `signal.rs`). An empty list means none.
pub(crate) fn resolve_export(
    env: &mut Env<'_>,
    signal: &Signal,
    code: CodeExport,
) -> (Vec<ExporterKind>, Option<OtlpSettings>) {
    let code_endpoint = code.endpoint.filter(|url| {
        let ok = valid_endpoint(url);
        if !ok {
            let url = echo(&mask_userinfo(url));
            let method = signal.endpoint_method;
            env.warn(format!("ignoring Config::{method}({url}): {EXPECTED_URL}"));
        }
        ok
    });
    let endpoint = code_endpoint.or_else(|| env_endpoint(env, signal));
    let kinds = code
        .exporters
        .map(|kinds| {
            let source = format!("Config::{}", signal.exporters_method);
            exporter_list(env, &source, kinds)
        })
        .or_else(|| env_exporters(env, signal))
        .unwrap_or_else(|| match (code.custom, &endpoint) {
            (true, _) => Vec::new(),
            (false, Some(_)) => vec![ExporterKind::Otlp],
            (false, None) => signal.without_endpoint.to_vec(),
        });
    if !kinds.contains(&ExporterKind::Otlp) {
        return (kinds, None);
    }
    check_protocol(env, signal);
    let mut headers = env_headers(env, signal);
    headers.extend(code_headers(env, code.headers));
    // HTTP field names are case-insensitive: code wins per name over the environment.
    let headers = dedupe(headers, str::to_ascii_lowercase);
    // 0 means no limit (common configuration specification, "Timeout"); the exporter needs a finite
    // value, so "no limit" is the longest duration any setting takes.
    let timeout = match code.timeout {
        Some(Duration::ZERO) => Some(MAX_DURATION),
        Some(timeout) => env.code_duration("otlp_timeout", timeout, Duration::ZERO),
        None => env
            .millis(&signal.timeout_vars, 0)
            .map(|t| if t.is_zero() { MAX_DURATION } else { t }),
    }
    .unwrap_or(DEFAULT_TIMEOUT);
    let compression = code
        .compression
        .or_else(|| {
            signal
                .compression_vars
                .iter()
                .find_map(|var| env.choice(var, &COMPRESSIONS))
        })
        .unwrap_or(Compression::None);
    let endpoint = endpoint.unwrap_or_else(|| signal.default_endpoint.to_owned());
    let tls = resolve_tls(env, signal, code.tls, &endpoint);
    let max_body = match code.max_body {
        Some(bytes) if bytes > MAX_BODY_LIMIT => {
            env.warn(format!(
                "Config::otlp_max_request_size({bytes}) is above the OTLP limit of {MAX_BODY_LIMIT} bytes; using {MAX_BODY_LIMIT}"
            ));
            MAX_BODY_LIMIT
        }
        Some(bytes) => bytes,
        None => DEFAULT_MAX_BODY,
    };
    let otlp = OtlpSettings {
        endpoint,
        headers,
        timeout,
        compression,
        tls,
        max_body,
    };
    (kinds, Some(otlp))
}

/// Applies the rules of a list of exporters: a name given twice counts once, and `none` beside
/// other exporters is ignored (with a warning): it means "no exporter" only alone.
fn exporter_list(
    env: &mut Env<'_>,
    source: &str,
    kinds: impl IntoIterator<Item = ExporterKind>,
) -> Vec<ExporterKind> {
    let mut list = Vec::new();
    for kind in kinds {
        if !list.contains(&kind) {
            list.push(kind);
        }
    }
    if list.len() > 1 && list.contains(&ExporterKind::None) {
        env.warn(format!("{source}: ignoring `none` beside other exporters"));
        list.retain(|kind| *kind != ExporterKind::None);
    }
    list.retain(|kind| *kind != ExporterKind::None);
    list
}

/// `OTEL_TRACES_EXPORTER`, `OTEL_LOGS_EXPORTER`: a comma-separated list (OpenTelemetry SDK
/// environment variables, Exporter Selection), every known exporter runs; unknown names
/// (`zipkin`, …) are reported and skipped, and a list of unknown names only is as if unset.
fn env_exporters(env: &mut Env<'_>, signal: &Signal) -> Option<Vec<ExporterKind>> {
    let var = signal.exporter_var;
    let value = env.get(var)?;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match EXPORTERS
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
        {
            Some(&(_, kind)) => known.push(kind),
            None => unknown.push(echo(name)),
        }
    }
    if !unknown.is_empty() {
        let supported = one_of(EXPORTERS.iter().map(|&(key, _)| key));
        env.warn(format!(
            "{var}: ignoring unknown {} ({supported})",
            list(&unknown)
        ));
    }
    if known.is_empty() {
        return None;
    }
    Some(exporter_list(env, var, known))
}

/// The signal's endpoint as is, else the base endpoint joined with the signal's path
/// (OpenTelemetry Protocol Exporter, Endpoint URLs for OTLP/HTTP). An invalid value is ignored,
/// as if unset.
fn env_endpoint(env: &mut Env<'_>, signal: &Signal) -> Option<String> {
    let read = |env: &mut Env<'_>, var: &str| {
        let url = env.get(var)?;
        if valid_endpoint(&url) {
            return Some(url);
        }
        let shown = echo(&mask_userinfo(&url));
        env.warn(format!("ignoring {var}={shown}: {EXPECTED_URL}"));
        None
    };
    read(env, signal.endpoint_var)
        .or_else(|| read(env, BASE_ENDPOINT_VAR).map(|base| join_base(&base, signal.path)))
}

const EXPECTED_URL: &str = "expected an `http://` or `https://` URL with a host";

/// `base` + `path` (`v1/traces`, `v1/logs`) with exactly one `/` between them, and no other
/// change to the URL (same section: `http://c:4318/mycollector/` gives
/// `http://c:4318/mycollector/v1/traces`).
pub(crate) fn join_base(base: &str, path: &str) -> String {
    format!("{}/{path}", base.trim_end_matches('/'))
}

/// An `http` or `https` URL with a non-empty host, an optional numeric port and no whitespace or
/// control characters (which would corrupt a request line or a log line).
pub(crate) fn valid_endpoint(url: &str) -> bool {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some(rest) = strip_scheme(url) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = match host_port.strip_prefix('[') {
        // An IPv6 literal: `[::1]:4318`.
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, after)) => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => return false,
            },
            None => return false,
        },
        None => match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        },
    };
    let port_ok = port.is_none_or(|p| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()
    });
    !host.is_empty() && !host.contains(['[', ']']) && port_ok
}

fn strip_scheme(url: &str) -> Option<&str> {
    ["http://", "https://"].iter().find_map(|scheme| {
        let head = url.get(..scheme.len())?;
        head.eq_ignore_ascii_case(scheme)
            .then(|| url.get(scheme.len()..))
            .flatten()
    })
}

/// `url` with any `user:password@` replaced by `***@` and its query by `?***`, for logs and
/// `Debug` (why: `summary.rs`).
pub(crate) fn mask_userinfo(url: &str) -> String {
    // A query may carry a token (`?api_key=…`): only its presence is shown.
    let (url, query) = match url.find('?') {
        Some(at) => (url.get(..at).unwrap_or_default(), "?***"),
        None => (url, ""),
    };
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return format!("{url}{query}");
    };
    let rest = url.get(scheme_end..).unwrap_or_default();
    let authority_len = rest.find(['/', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_len).unwrap_or_default();
    match authority.rfind('@') {
        Some(at) => format!(
            "{}***{}{query}",
            url.get(..scheme_end).unwrap_or_default(),
            rest.get(at..).unwrap_or_default()
        ),
        None => format!("{url}{query}"),
    }
}

/// Only `http/protobuf` is spoken; any other `OTEL_EXPORTER_OTLP_{,TRACES_,LOGS_}PROTOCOL` is
/// reported and we speak it anyway.
fn check_protocol(env: &mut Env<'_>, signal: &Signal) {
    for var in signal.protocol_vars {
        if let Some(protocol) = env.get(var) {
            if !protocol.eq_ignore_ascii_case(PROTOCOL) {
                let shown = echo(&protocol);
                env.warn(format!(
                    "{var}={shown} is not supported; using `{PROTOCOL}` (the only protocol traced speaks)"
                ));
            }
            // The signal-specific variable wins over the general one (see `Env::first_number`).
            return;
        }
    }
}

/// The signal-specific variable wins as a whole. Bad entries are skipped with one warning per
/// variable that names keys only (header values are often API keys: see `summary.rs`).
fn env_headers(env: &mut Env<'_>, signal: &Signal) -> Vec<(String, String)> {
    let Some((var, value)) = signal
        .headers_vars
        .iter()
        .find_map(|&var| env.get(var).map(|value| (var, value)))
    else {
        return Vec::new();
    };
    let mut headers = Vec::new();
    let mut problems = Vec::new();
    for entry in parse_pairs(&value) {
        let problem = match entry {
            Ok((key, value)) => match header_problem(&key, &value) {
                None => {
                    headers.push((key, value));
                    continue;
                }
                Some(reason) => format!("key {} ({reason})", echo(&key)),
            },
            Err(BadEntry {
                key: Some(key),
                reason,
                ..
            }) => format!("key {} ({reason})", echo(&key)),
            Err(BadEntry {
                key: None,
                position,
                reason,
            }) => format!("entry {position} ({reason})"),
        };
        problems.push(problem);
    }
    if !problems.is_empty() {
        env.warn(format!(
            "{var}: skipped malformed entries: {}",
            list(&problems)
        ));
    }
    dedupe(headers, str::to_ascii_lowercase)
}

fn code_headers(env: &mut Env<'_>, headers: Vec<(String, String)>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .filter(|(key, value)| match header_problem(key, value) {
            None => true,
            Some(reason) => {
                env.warn(format!(
                    "ignoring Config::otlp_header({}, …): {reason}",
                    echo(key)
                ));
                false
            }
        })
        .collect()
}

/// RFC 9110 §5.1/§5.5: a name is a non-empty token; a value has no control characters other
/// than tab. Checked here so a CR/LF from the environment cannot inject a header.
fn header_problem(key: &str, value: &str) -> Option<&'static str> {
    const TOKEN_EXTRAS: &[u8] = b"!#$%&'*+-.^_`|~";
    let token = |b: u8| b.is_ascii_alphanumeric() || TOKEN_EXTRAS.contains(&b);
    if key.is_empty() || !key.bytes().all(token) {
        Some("not a valid header name")
    } else if value.chars().any(|c| c.is_control() && c != '\t') {
        Some("the value has control characters")
    } else {
        None
    }
}

#[cfg(test)]
#[path = "endpoint_tests.rs"]
mod tests;
