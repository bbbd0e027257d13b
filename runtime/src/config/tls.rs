//! The OTLP exporter's TLS files: `OTEL_EXPORTER_OTLP_{TRACES_,LOGS_,}CERTIFICATE` (PEM of the CAs
//! trusted for the collector, instead of the system roots), `…CLIENT_CERTIFICATE` and
//! `…CLIENT_KEY` (PEM of the client's certificate chain and private key, for mTLS).
//!
//! OTLP exporter configuration, "Configuration Options": each has a signal-specific variable
//! that wins over the general one; code ([`Config`](super::Config)) wins over both. Only paths are
//! resolved here; the sender reads and parses the files when it starts, and a file it cannot use
//! makes every export to that endpoint fail (never a fallback to the system roots).

use std::path::PathBuf;

use super::env::{Env, echo, list};
use super::signal::Signal;

/// A PEM file and where its path came from (a variable or a `Config` method), so a file that
/// cannot be used is reported under the name the operator set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PemFile {
    pub(crate) path: PathBuf,
    pub(crate) source: String,
}

/// The client's certificate chain and private key, only ever both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientIdentity {
    pub(crate) certificate: PemFile,
    pub(crate) key: PemFile,
}

/// The TLS files of one OTLP endpoint; empty for an `http://` endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsFiles {
    /// The CAs trusted for the collector; `None`: the system's roots.
    pub(crate) certificate: Option<PemFile>,
    pub(crate) client: Option<ClientIdentity>,
}

/// What code said about the TLS files.
#[derive(Debug, Default)]
pub(crate) struct CodeTls {
    pub(crate) certificate: Option<PathBuf>,
    pub(crate) client_certificate: Option<PathBuf>,
    pub(crate) client_key: Option<PathBuf>,
}

/// The TLS files for `signal`'s `endpoint` (already validated as `http://` or `https://`). Each
/// problem that can be seen without reading a file is one warning: files given for an `http://`
/// endpoint, an `https://` endpoint in a build without the `tls` feature, a client key without
/// its certificate or the reverse.
pub(crate) fn resolve_tls(
    env: &mut Env<'_>,
    signal: &Signal,
    code: CodeTls,
    endpoint: &str,
) -> TlsFiles {
    let certificate = pick(
        env,
        code.certificate,
        "otlp_certificate",
        &signal.certificate_vars,
    );
    let client_certificate = pick(
        env,
        code.client_certificate,
        "otlp_client_certificate",
        &signal.client_certificate_vars,
    );
    let client_key = pick(
        env,
        code.client_key,
        "otlp_client_key",
        &signal.client_key_vars,
    );
    let name = signal.name;
    let given: Vec<String> = [&certificate, &client_certificate, &client_key]
        .into_iter()
        .flatten()
        .map(|file| file.source.clone())
        .collect();
    let https = endpoint
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    if !https {
        if !given.is_empty() {
            env.warn(format!(
                "ignoring {}: the OTLP {name} endpoint is `http://`, and TLS files apply to `https://` only",
                list(&given)
            ));
        }
        return TlsFiles::default();
    }
    if !cfg!(feature = "tls") {
        env.warn(format!(
            "the OTLP {name} endpoint is `https://` but traced was built without its `tls` feature: \
             every export will fail (enable the feature, or use an `http://` endpoint){}",
            if given.is_empty() {
                String::new()
            } else {
                format!("; ignoring {}", list(&given))
            }
        ));
        return TlsFiles::default();
    }
    let client = match (client_certificate, client_key) {
        (Some(certificate), Some(key)) => Some(ClientIdentity { certificate, key }),
        (None, None) => None,
        (Some(alone), None) => {
            warn_alone(
                env,
                &alone,
                "its key (`…CLIENT_KEY` or `Config::otlp_client_key`)",
            );
            None
        }
        (None, Some(alone)) => {
            let missing =
                "its certificate (`…CLIENT_CERTIFICATE` or `Config::otlp_client_certificate`)";
            warn_alone(env, &alone, missing);
            None
        }
    };
    TlsFiles {
        certificate,
        client,
    }
}

fn warn_alone(env: &mut Env<'_>, alone: &PemFile, missing: &str) {
    env.warn(format!(
        "ignoring {}: mTLS needs {missing} too; no client certificate is sent",
        alone.source
    ));
}

/// Code, then the signal-specific variable, then the general one.
fn pick(
    env: &mut Env<'_>,
    code: Option<PathBuf>,
    method: &str,
    vars: &[&str; 2],
) -> Option<PemFile> {
    if let Some(path) = code.filter(|path| !path.as_os_str().is_empty()) {
        return Some(PemFile {
            path,
            source: format!("Config::{method}"),
        });
    }
    vars.iter().find_map(|&var| {
        env.get(var).map(|path| PemFile {
            path: PathBuf::from(path),
            source: var.to_owned(),
        })
    })
}

/// The files for the startup line, each key after `prefix` (`""`, `"logs."`): paths only (a path
/// is no secret; a key file's content is).
pub(crate) fn describe(files: &TlsFiles, prefix: &str) -> String {
    let mut text = String::new();
    if let Some(file) = &files.certificate {
        text.push_str(&format!(" {prefix}certificate={}", shown(file)));
    }
    if let Some(client) = &files.client {
        text.push_str(&format!(
            " {prefix}client_certificate={} {prefix}client_key={}",
            shown(&client.certificate),
            shown(&client.key)
        ));
    }
    text
}

fn shown(file: &PemFile) -> String {
    echo(&file.path.to_string_lossy())
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
