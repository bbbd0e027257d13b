//! One TCP connection to the collector, whose every read and write ends by the attempt's
//! deadline.
//!
//! A blocking socket waits as long as its `SO_RCVTIMEO` / `SO_SNDTIMEO` say; setting them costs
//! a system call each. They are set when the connection is opened and changed only when what
//! remains of the attempt is shorter than the value set (by more than [`SLACK`]), or much
//! longer, so that a steady stream of requests, each with about the same time left, sets
//! nothing. A read or write that times out on a value shorter than what remains is made again,
//! until the deadline.

use std::io::{self, IoSlice, Read};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How far past the deadline a read or write may wait: a few milliseconds, so that the
/// timeouts need not be set again for each request when each starts with about as much time.
const SLACK: Duration = Duration::from_millis(5);

/// The least timeout set: zero would mean none.
const LEAST: Duration = Duration::from_millis(1);

#[derive(Debug)]
pub(super) struct Conn {
    tcp: TcpStream,
    /// The socket's read and write timeouts, as last set (`None`: not set yet).
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl Conn {
    /// Connects to the first of `addrs` that answers, each tried with the time that remains.
    pub(super) fn open(addrs: &[SocketAddr], deadline: Instant) -> io::Result<Conn> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            let remaining = left(deadline)?;
            match TcpStream::connect_timeout(addr, remaining) {
                Ok(tcp) => {
                    // The head and body go out in one write; nothing is gained by waiting
                    // for more (Nagle's algorithm would hold a small body back for an ACK).
                    tcp.set_nodelay(true)?;
                    return Ok(Conn {
                        tcp,
                        read_timeout: None,
                        write_timeout: None,
                    });
                }
                Err(error) => last = error,
            }
        }
        left(deadline)?;
        Err(last)
    }

    /// Reads what has arrived (at least a byte; 0 at the end of the stream), waiting until
    /// `deadline` at most: then an error of kind `TimedOut`.
    pub(super) fn read(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
        loop {
            let remaining = left(deadline)?;
            if let Some(set) = update(self.read_timeout, remaining) {
                self.tcp.set_read_timeout(Some(set))?;
                self.read_timeout = Some(set);
            }
            match self.tcp.read(buf) {
                // Linux reports a socket timeout as `WouldBlock` (EAGAIN), others `TimedOut`:
                // either way, the loop checks the deadline.
                Err(e) if retried(&e) => continue,
                result => return result,
            }
        }
    }

    /// Writes `head` then `body`, in one `sendmsg` when the socket takes it all (a large body
    /// often needs several), without copying either; by `deadline` at most.
    ///
    /// A write to a connection the peer reset is the error `BrokenPipe` (handled as a closed
    /// connection), never the signal SIGPIPE, which kills a process that has not ignored it
    /// (a Rust `main` ignores it, a host in another language or a Rust binary built to
    /// restore it may not): see [`send`].
    pub(super) fn write_all(
        &mut self,
        head: &[u8],
        body: &[u8],
        deadline: Instant,
    ) -> io::Result<()> {
        let mut slices = [IoSlice::new(head), IoSlice::new(body)];
        let mut rest: &mut [IoSlice<'_>] = &mut slices;
        while !rest.is_empty() {
            let remaining = left(deadline)?;
            if let Some(set) = update(self.write_timeout, remaining) {
                self.tcp.set_write_timeout(Some(set))?;
                self.write_timeout = Some(set);
            }
            match send(&mut self.tcp, rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut rest, n),
                Err(e) if retried(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// One `sendmsg` with `MSG_NOSIGNAL` (POSIX `send`: "requests not to send the SIGPIPE signal
/// if an attempt to send is made on a stream-oriented socket that is no longer connected"),
/// which is how the standard library's own `TcpStream::write` sends; its `write_vectored`
/// is a `writev`, which takes no flags.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
fn send(tcp: &mut TcpStream, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    socket2::SockRef::from(&*tcp).send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
}

/// Elsewhere a `writev`: the standard library sets `SO_NOSIGPIPE` on every socket it makes on
/// Apple systems, and Windows has no SIGPIPE.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)))]
fn send(tcp: &mut TcpStream, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    io::Write::write_vectored(tcp, bufs)
}

/// The time left until `deadline`; an error of kind `TimedOut` when none is.
fn left(deadline: Instant) -> io::Result<Duration> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(io::ErrorKind::TimedOut.into());
    }
    Ok(remaining)
}

/// The timeout to set when `set` would wait past the deadline by more than [`SLACK`], or is
/// much shorter than what remains (it would wake the thread for nothing); `None` to keep it.
fn update(set: Option<Duration>, remaining: Duration) -> Option<Duration> {
    match set {
        Some(set) if set <= remaining + SLACK && set * 2 >= remaining => None,
        _ => Some(remaining.max(LEAST)),
    }
}

/// Errors after which the read or write is made again: a timeout of the socket (the loop
/// checks the deadline), or a signal.
fn retried(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_change_only_when_they_must() {
        let secs = Duration::from_secs;
        let ms = Duration::from_millis;
        assert_eq!(update(None, secs(10)), Some(secs(10)));
        // A little less time than set: within the slack, kept.
        assert_eq!(update(Some(secs(10)), secs(10) - ms(3)), None);
        // Less by more than the slack: shortened to what remains.
        assert_eq!(update(Some(secs(10)), secs(9)), Some(secs(9)));
        // More time than set: kept, the read is made again when it times out early…
        assert_eq!(update(Some(secs(9)), secs(10)), None);
        // …unless it is much more.
        assert_eq!(update(Some(ms(100)), secs(10)), Some(secs(10)));
        assert_eq!(update(None, Duration::from_nanos(10)), Some(LEAST));
    }
}
