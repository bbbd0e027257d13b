//! Reading a response (RFC 9112): its head (`response_head.rs`), interim 1xx responses
//! skipped, then its body delimited as §6.3 says, decoded when chunked (§7.1), and bounded,
//! into buffers the client keeps from one request to the next.

use std::io;
use std::time::Instant;

use super::conn::Conn;
use super::response_head::{Framing, Head, Malformed, parse_head};
use crate::sender::attempt::MAX_RESPONSE_BYTES;

/// The inbox's size to begin with, and what it shrinks back to after a large response.
const INITIAL: usize = 16 * 1024;
/// The longest response head, chunk-size line or trailer section read.
const MAX_HEAD: usize = 64 * 1024;

#[derive(Debug)]
pub(super) enum ReadError {
    /// The connection failed or ended, or the deadline came (kind `TimedOut`).
    Io(io::Error),
    /// Not HTTP/1.x, or a message whose length cannot be known.
    NotHttp,
    /// A body over [`MAX_RESPONSE_BYTES`]; the rest is left unread.
    TooLarge,
}

impl From<Malformed> for ReadError {
    fn from(_: Malformed) -> ReadError {
        ReadError::NotHttp
    }
}

impl From<io::Error> for ReadError {
    fn from(error: io::Error) -> ReadError {
        ReadError::Io(error)
    }
}

/// The bytes received and not yet used, in a buffer kept across requests.
#[derive(Debug)]
pub(super) struct Inbox {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Whether any byte of the response arrived.
    pub(super) received: bool,
}

impl Inbox {
    pub(super) fn new() -> Inbox {
        Inbox {
            buf: vec![0; INITIAL],
            start: 0,
            end: 0,
            received: false,
        }
    }

    /// Empty, for the next response (a buffer grown for a large head is given back).
    pub(super) fn clear(&mut self) {
        (self.start, self.end, self.received) = (0, 0, false);
        if self.buf.len() > INITIAL {
            self.buf.truncate(INITIAL);
            self.buf.shrink_to_fit();
        }
    }

    /// Whether every byte received was used: bytes past the end of a response mean the server
    /// and we disagree on where messages end, and its connection is not used again.
    pub(super) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
    }

    /// Reads more; an error of kind `UnexpectedEof` when the connection ended.
    fn fill(&mut self, conn: &mut Conn, deadline: Instant) -> io::Result<()> {
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                (self.start, self.end) = (0, self.end - self.start);
            } else {
                // Callers bound what they keep unconsumed (by `MAX_HEAD`).
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        match conn.read(&mut self.buf[self.end..], deadline)? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                self.end += n;
                self.received = true;
                Ok(())
            }
        }
    }

    /// Reads until the end of the stream; `false` when nothing more came (not an error).
    fn fill_or_end(&mut self, conn: &mut Conn, deadline: Instant) -> io::Result<bool> {
        match self.fill(conn, deadline) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The final response's head, after any interim (1xx) ones (RFC 9110 §15.2: a client must
/// accept them before the final response, even unasked).
pub(super) fn read_head(
    inbox: &mut Inbox,
    conn: &mut Conn,
    deadline: Instant,
) -> Result<Head, ReadError> {
    loop {
        match parse_head(inbox.data())? {
            Some((length, head)) => {
                inbox.consume(length);
                if (100..200).contains(&head.status) {
                    continue;
                }
                return Ok(head);
            }
            None if inbox.data().len() >= MAX_HEAD => return Err(ReadError::NotHttp),
            None => inbox.fill(conn, deadline)?,
        }
    }
}

/// The body of `head` into `body` (emptied first), up to [`MAX_RESPONSE_BYTES`].
pub(super) fn read_body(
    inbox: &mut Inbox,
    conn: &mut Conn,
    deadline: Instant,
    framing: Framing,
    body: &mut Vec<u8>,
) -> Result<(), ReadError> {
    body.clear();
    match framing {
        Framing::Length(length) => {
            if length > MAX_RESPONSE_BYTES {
                return Err(ReadError::TooLarge);
            }
            // At most 4 MiB: fits a usize.
            copy(inbox, conn, deadline, length as usize, body)
        }
        Framing::Close => loop {
            if body.len() + inbox.data().len() > MAX_RESPONSE_BYTES as usize {
                return Err(ReadError::TooLarge);
            }
            body.extend_from_slice(inbox.data());
            inbox.consume(inbox.data().len());
            if !inbox.fill_or_end(conn, deadline)? {
                return Ok(());
            }
        },
        Framing::Chunked => chunked(inbox, conn, deadline, body),
    }
}

/// RFC 9112 §7.1: chunks (`size[;extensions] CRLF data CRLF`), the last of size 0, then
/// trailer fields (ignored) and an empty line.
fn chunked(
    inbox: &mut Inbox,
    conn: &mut Conn,
    deadline: Instant,
    body: &mut Vec<u8>,
) -> Result<(), ReadError> {
    loop {
        let (content, length) = line(inbox, conn, deadline)?;
        let size = chunk_size(&inbox.data()[..content]).ok_or(ReadError::NotHttp)?;
        inbox.consume(length);
        if size == 0 {
            break;
        }
        let size = usize::try_from(size)
            .ok()
            .filter(|&size| body.len().saturating_add(size) <= MAX_RESPONSE_BYTES as usize)
            .ok_or(ReadError::TooLarge)?;
        copy(inbox, conn, deadline, size, body)?;
        let (content, length) = line(inbox, conn, deadline)?;
        if content != 0 {
            return Err(ReadError::NotHttp);
        }
        inbox.consume(length);
    }
    let mut trailers = 0;
    loop {
        let (content, length) = line(inbox, conn, deadline)?;
        inbox.consume(length);
        trailers += length;
        if content == 0 {
            return Ok(());
        }
        if trailers > MAX_HEAD {
            return Err(ReadError::NotHttp);
        }
    }
}

/// The next line in the inbox: the length of its content and with its end (CRLF, or a bare
/// LF, RFC 9112 §2.2).
fn line(
    inbox: &mut Inbox,
    conn: &mut Conn,
    deadline: Instant,
) -> Result<(usize, usize), ReadError> {
    loop {
        if let Some(lf) = inbox.data().iter().position(|&b| b == b'\n') {
            let content = if lf > 0 && inbox.data()[lf - 1] == b'\r' {
                lf - 1
            } else {
                lf
            };
            return Ok((content, lf + 1));
        }
        if inbox.data().len() >= MAX_HEAD {
            return Err(ReadError::NotHttp);
        }
        inbox.fill(conn, deadline)?;
    }
}

/// `1*HEXDIG`, then optional whitespace and extensions (`;…`, ignored).
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let rest = line[digits..].trim_ascii_start();
    if digits == 0 || !(rest.is_empty() || rest.starts_with(b";")) {
        return None;
    }
    line[..digits].iter().try_fold(0_u64, |size, &b| {
        let digit = char::from(b).to_digit(16)?;
        size.checked_mul(16)?.checked_add(u64::from(digit))
    })
}

/// `n` bytes into `body`.
fn copy(
    inbox: &mut Inbox,
    conn: &mut Conn,
    deadline: Instant,
    mut n: usize,
    body: &mut Vec<u8>,
) -> Result<(), ReadError> {
    while n > 0 {
        if inbox.is_empty() {
            inbox.fill(conn, deadline)?;
        }
        let take = n.min(inbox.data().len());
        body.extend_from_slice(&inbox.data()[..take]);
        inbox.consume(take);
        n -= take;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::chunk_size;

    #[test]
    fn chunk_sizes() {
        assert_eq!(chunk_size(b"1a"), Some(26));
        assert_eq!(chunk_size(b"FF ;name=value"), Some(255));
        assert_eq!(chunk_size(b"0"), Some(0));
        for bad in [
            &b""[..],
            b";x",
            b"-1",
            b"1 x",
            b"0x10",
            b"11111111111111111",
        ] {
            assert_eq!(chunk_size(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
