//! The sampling decision, made once when a trace starts in this process.

/// How a new root span decides whether it is sampled (`OTEL_TRACES_SAMPLER`, or
/// [`Config::sampler`](crate::Config::sampler)).
///
/// A span that is not sampled still has ids (log lines and outgoing `traceparent` headers
/// carry them, with the sampled flag off) but records nothing and is never exported.
///
/// ```
/// use traced::propagation::{SpanContext, current_traceparent};
/// use traced::{Config, ExporterKind, RootSampler, Sampler};
///
/// assert_eq!(Sampler::default(), Sampler::ParentBased(RootSampler::AlwaysOn));
///
/// let config = Config::new().sampler(Sampler::AlwaysOff).exporter(ExporterKind::None);
/// let _guard = traced::init(config);
/// let _span = traced::Span::root("health check").enter();
/// let traceparent = current_traceparent().expect("a current span");
/// assert!(!SpanContext::from_traceparent(&traceparent).unwrap().is_sampled());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    /// Every trace is sampled.
    AlwaysOn,
    /// No trace is sampled.
    AlwaysOff,
    /// A fraction in `[0, 1]` of the traces, decided from the trace id.
    TraceIdRatio(f64),
    /// Follow the remote parent's sampled flag when there is one, else use the inner sampler.
    ParentBased(RootSampler),
}

/// The spec's default: `parentbased_always_on`.
impl Default for Sampler {
    fn default() -> Self {
        DEFAULT_SAMPLER
    }
}

/// The root sampler of [`Sampler::ParentBased`]: how a span without a remote parent decides.
///
/// ```
/// use traced::propagation::{SpanContext, current_traceparent};
/// use traced::{Config, ExporterKind, RootSampler, Sampler, Span};
///
/// let sampled = || {
///     let traceparent = current_traceparent().expect("a current span");
///     SpanContext::from_traceparent(&traceparent).unwrap().is_sampled()
/// };
/// // Start no trace here, but continue those that callers sampled.
/// let sampler = Sampler::ParentBased(RootSampler::AlwaysOff);
/// let _guard = traced::init(Config::new().sampler(sampler).exporter(ExporterKind::None));
///
/// let own = Span::root("cron tick").enter();
/// assert!(!sampled());
/// drop(own);
///
/// let upstream = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// let _continued = Span::root("handle request").parent(upstream).enter();
/// assert!(sampled());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RootSampler {
    /// Sample every new trace.
    AlwaysOn,
    /// Sample no new trace.
    AlwaysOff,
    /// Sample this fraction of new traces.
    TraceIdRatio(f64),
}

/// The spec's default sampler (OpenTelemetry SDK environment variables, `OTEL_TRACES_SAMPLER`).
pub(crate) const DEFAULT_SAMPLER: Sampler = Sampler::ParentBased(RootSampler::AlwaysOn);

/// The parent a new span continues, as far as sampling is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParentSampling {
    pub(crate) sampled: bool,
    pub(crate) remote: bool,
}

impl Sampler {
    /// Whether a span of `trace_id` is recorded and exported.
    ///
    /// A local parent's decision is always inherited (the whole local trace is sampled or
    /// not); a remote parent's is followed by the parent-based samplers only.
    pub(crate) fn should_sample(&self, trace_id: u128, parent: Option<ParentSampling>) -> bool {
        if let Some(parent) = parent
            && !parent.remote
        {
            return parent.sampled;
        }
        match *self {
            Sampler::AlwaysOn => true,
            Sampler::AlwaysOff => false,
            Sampler::TraceIdRatio(ratio) => ratio_sample(trace_id, ratio),
            Sampler::ParentBased(root) => match parent {
                Some(parent) => parent.sampled,
                None => match root {
                    RootSampler::AlwaysOn => true,
                    RootSampler::AlwaysOff => false,
                    RootSampler::TraceIdRatio(ratio) => ratio_sample(trace_id, ratio),
                },
            },
        }
    }
}

/// The OpenTelemetry TraceIdRatioBased rule: sampled when the low 63 bits of the trace id (its
/// random part under W3C Level 2) fall below `ratio` of their range, so every service that
/// uses the same ratio decides the same way for one trace.
fn ratio_sample(trace_id: u128, ratio: f64) -> bool {
    if ratio >= 1.0 {
        return true;
    }
    if ratio.is_nan() || ratio <= 0.0 {
        return false;
    }
    let bound = (ratio * (1u64 << 63) as f64) as u64;
    let x = (trace_id as u64) >> 1;
    x < bound
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ids::new_trace_id;

    #[test]
    fn ratio_is_roughly_respected() {
        let sampler = Sampler::TraceIdRatio(0.25);
        let n = 20_000;
        let hits = (0..n)
            .filter(|_| sampler.should_sample(new_trace_id(), None))
            .count();
        assert!((4_000..6_000).contains(&hits), "{hits}");
    }

    #[test]
    fn parent_based_follows_remote_parent() {
        let sampler = Sampler::ParentBased(RootSampler::AlwaysOff);
        let remote = |sampled| {
            Some(ParentSampling {
                sampled,
                remote: true,
            })
        };
        assert!(sampler.should_sample(1, remote(true)));
        assert!(!sampler.should_sample(1, remote(false)));
        assert!(!sampler.should_sample(1, None));
        // A plain sampler ignores the remote decision.
        assert!(Sampler::AlwaysOn.should_sample(1, remote(false)));
    }

    #[test]
    fn local_parent_is_always_inherited() {
        let local = Some(ParentSampling {
            sampled: false,
            remote: false,
        });
        assert!(!Sampler::AlwaysOn.should_sample(1, local));
    }
}
