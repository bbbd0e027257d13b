//! The thread that sends OTLP requests: reqwest's blocking client runs here, and the export
//! thread gets a future that is pending while the request is in flight.
//!
//! With the request sent from the export thread itself, export was strictly serial: the export
//! thread converted and encoded a batch, then sat idle while the collector read and answered
//! it (about half of each round at the ceiling, measured with the `otlp_capacity` benchmark,
//! see `benches/README.md`). Handing the request to this thread
//! lets the export thread take, convert and encode the next batch meanwhile, on the second
//! exporter of its pair (see `flight`). Requests are sent one after the other, in order.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;

use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};

type Reply = Result<Response<Bytes>, HttpError>;

/// Where the HTTP thread leaves the answer to one request.
#[derive(Debug, Default)]
struct Slot {
    state: Mutex<SlotState>,
}

#[derive(Debug, Default)]
struct SlotState {
    reply: Option<Reply>,
    done: bool,
    waker: Option<Waker>,
}

impl Slot {
    fn complete(&self, reply: Reply) {
        let waker = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if state.done {
                return;
            }
            state.done = true;
            state.reply = Some(reply);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// One request for the HTTP thread. Dropped without an answer (the thread panicked, or it
/// is gone), it answers with an error, so the export thread never waits forever.
#[derive(Debug)]
struct Job {
    request: Option<Request<Bytes>>,
    slot: Arc<Slot>,
}

impl Drop for Job {
    fn drop(&mut self) {
        self.slot
            .complete(Err("the OTLP HTTP thread stopped before answering".into()));
    }
}

/// The sending side, held by the exporter's HTTP client. Dropping it (exporter shutdown)
/// ends the thread once its current request is done.
#[derive(Debug)]
pub(crate) struct HttpThread {
    jobs: mpsc::Sender<Job>,
}

impl HttpThread {
    /// Starts the thread with the client it sends with (reqwest's blocking client: its
    /// `send_bytes` completes in one poll).
    pub(crate) fn spawn(client: impl HttpClient + 'static) -> std::io::Result<HttpThread> {
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("traced-http".into())
            .spawn(move || {
                crate::engine::mark_thread_internal();
                for mut job in queue {
                    let Some(request) = job.request.take() else {
                        continue;
                    };
                    // A panic in the client fails this request only; the thread goes on, as
                    // the export thread does after an exporter's panic (see `flight`).
                    let reply = catch_unwind(AssertUnwindSafe(|| {
                        futures_executor::block_on(client.send_bytes(request))
                    }))
                    .unwrap_or_else(|_| Err("the HTTP client panicked".into()));
                    job.slot.complete(reply);
                }
                // The client is dropped here, off any async runtime, as reqwest requires.
            })?;
        Ok(HttpThread { jobs })
    }

    /// Sends `request` on the HTTP thread; the future is ready when the answer is.
    pub(crate) fn send(&self, request: Request<Bytes>) -> Pending {
        let slot = Arc::new(Slot::default());
        let job = Job {
            request: Some(request),
            slot: Arc::clone(&slot),
        };
        // A send error hands the job back, and dropping it answers with an error.
        let _ = self.jobs.send(job);
        Pending { slot }
    }
}

/// An answer not yet received.
#[derive(Debug)]
pub(crate) struct Pending {
    slot: Arc<Slot>,
}

impl Future for Pending {
    type Output = Reply;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Reply> {
        let mut state = self
            .slot
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match state.reply.take() {
            Some(reply) => Poll::Ready(reply),
            None if state.done => Poll::Ready(Err("the OTLP answer was already taken".into())),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// What `HttpClient::send_bytes` returns.
pub(super) type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'a>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_to_a_closed_port_is_answered_with_an_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let client = reqwest::blocking::Client::new();
        let http = HttpThread::spawn(client).unwrap();
        let request = Request::builder()
            .method("POST")
            .uri(format!("http://{addr}/v1/traces"))
            .body(Bytes::from_static(b"x"))
            .unwrap();
        let reply = futures_executor::block_on(http.send(request));
        assert!(reply.is_err());
    }

    /// A client whose first request panics.
    #[derive(Debug, Default)]
    struct Flaky(std::sync::atomic::AtomicBool);

    impl HttpClient for Flaky {
        fn send_bytes<'life0, 'async_trait>(
            &'life0 self,
            _request: Request<Bytes>,
        ) -> SendFuture<'async_trait>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            Box::pin(async move {
                assert!(
                    self.0.swap(true, std::sync::atomic::Ordering::SeqCst),
                    "the first request panics"
                );
                Ok(Response::new(Bytes::from_static(b"ok")))
            })
        }
    }

    #[test]
    fn a_panicking_client_fails_one_request_and_the_thread_goes_on() {
        let http = HttpThread::spawn(Flaky::default()).unwrap();
        let request = || Request::new(Bytes::from_static(b"x"));
        assert!(futures_executor::block_on(http.send(request())).is_err());
        let reply = futures_executor::block_on(http.send(request())).unwrap();
        assert_eq!(reply.body().as_ref(), b"ok");
    }

    #[test]
    fn a_job_dropped_unanswered_answers_with_an_error() {
        let slot = Arc::new(Slot::default());
        drop(Job {
            request: None,
            slot: Arc::clone(&slot),
        });
        let reply = futures_executor::block_on(Pending { slot });
        assert!(reply.is_err());
    }
}
