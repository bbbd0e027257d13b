//! A response's head (RFC 9112 §4, §6.3, §9.3), parsed with `httparse`: what the sender needs
//! of it, and how its body is delimited.

use std::time::{Duration, SystemTime};

use crate::sender::pause::retry_after;

/// Header fields of one response at most.
const MAX_HEADERS: usize = 100;

/// Not HTTP/1.x, or a message whose length cannot be known.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Malformed;

/// What the sender needs of a final response's head.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Head {
    pub(super) status: u16,
    pub(super) framing: Framing,
    /// RFC 9112 §9.3: whether the connection may carry the next request.
    pub(super) persistent: bool,
    pub(super) retry_after: Option<Duration>,
    /// A 3xx's `Location`, if it is visible ASCII (it is only ever reduced to its origin).
    pub(super) location: Option<String>,
}

/// RFC 9112 §6.3: how the body's end is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    Length(u64),
    Chunked,
    /// Read until the server closes the connection.
    Close,
}

/// A complete head at the start of `data` and its length; `None` when more is needed.
pub(super) fn parse_head(data: &[u8]) -> Result<Option<(usize, Head)>, Malformed> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut fields);
    let length = match response.parse(data) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(Malformed),
    };
    let status = response.code.ok_or(Malformed)?;
    // We never ask to switch protocols: a 101 cannot be answered.
    if status == 101 {
        return Err(Malformed);
    }
    let (mut close, mut keep_alive, mut chunked, mut encoded) = (false, false, false, false);
    let mut content_length: Option<u64> = None;
    let (mut retry, mut location) = (None, None);
    for field in response.headers.iter() {
        let name = field.name;
        let value = field.value;
        if name.eq_ignore_ascii_case("content-length") {
            // RFC 9110 §8.6: a list of identical values is one value; anything else is
            // invalid (RFC 9112 §6.3, item 5).
            for item in value.split(|&b| b == b',') {
                let n = decimal(item.trim_ascii()).ok_or(Malformed)?;
                if content_length.is_some_and(|m| m != n) {
                    return Err(Malformed);
                }
                content_length = Some(n);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            encoded = true;
            // Only the last coding of the last field counts (RFC 9112 §6.3, item 4).
            let last = value.rsplit(|&b| b == b',').next().unwrap_or_default();
            chunked = last.trim_ascii().eq_ignore_ascii_case(b"chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                close |= token.eq_ignore_ascii_case(b"close");
                keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case("retry-after") {
            retry = std::str::from_utf8(value)
                .ok()
                .and_then(|v| retry_after(v, SystemTime::now()));
        } else if name.eq_ignore_ascii_case("location") && (300..400).contains(&status) {
            location = std::str::from_utf8(value)
                .ok()
                .filter(|v| v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)))
                .map(str::to_owned);
        }
    }
    // RFC 9112 §6.3: items 1 (no body), 3 and 4 (the transfer coding wins over a length; a
    // body not chunked last ends at the close), 6, then 8 (no length: until the close).
    let framing = if (100..200).contains(&status) || status == 204 || status == 304 {
        Framing::Length(0)
    } else if encoded {
        if chunked {
            Framing::Chunked
        } else {
            Framing::Close
        }
    } else {
        content_length.map_or(Framing::Close, Framing::Length)
    };
    // §9.3: HTTP/1.1 persists unless told `close`; HTTP/1.0 only with `keep-alive`. A message
    // with both a coding and a length may have been smuggled (§6.1): its connection is not
    // used again.
    let persistent = !close
        && (response.version == Some(1) || keep_alive)
        && framing != Framing::Close
        && !(encoded && content_length.is_some());
    let head = Head {
        status,
        framing,
        persistent,
        retry_after: retry,
        location,
    };
    Ok(Some((length, head)))
}

/// `1*DIGIT`, without overflow.
fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0_u64, |n, &b| {
        let digit = char::from(b).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Head {
        let (length, head) = parse_head(text.as_bytes())
            .expect("valid")
            .expect("complete");
        assert_eq!(length, text.len());
        head
    }

    #[test]
    fn framing_and_persistence_as_rfc_9112_says() {
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n");
        assert_eq!((h.framing, h.persistent), (Framing::Length(7), true));
        let h =
            head("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\ncontent-length: 0\r\n\r\n");
        assert!(!h.persistent);
        let h = head("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n");
        assert!(!h.persistent);
        let h = head("HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n");
        assert!(h.persistent);
        let h = head("HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!((h.framing, h.persistent), (Framing::Close, false));
        let h = head("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n");
        assert_eq!((h.framing, h.persistent), (Framing::Chunked, true));
        let h = head("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\n");
        assert_eq!(h.framing, Framing::Close);
        let h = head("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n");
        assert_eq!((h.framing, h.persistent), (Framing::Chunked, false));
        let h = head("HTTP/1.1 304 Not Modified\r\ncontent-length: 5\r\n\r\n");
        assert_eq!((h.framing, h.persistent), (Framing::Length(0), true));
    }

    #[test]
    fn retry_after_and_location_are_kept_when_they_matter() {
        let h = head("HTTP/1.1 503 Busy\r\nRetry-After: 3\r\ncontent-length: 0\r\n\r\n");
        assert_eq!(h.retry_after, Some(Duration::from_secs(3)));
        let h = head("HTTP/1.1 301 Moved\r\nLocation: http://x/\r\ncontent-length: 0\r\n\r\n");
        assert_eq!(h.location.as_deref(), Some("http://x/"));
        let h = head("HTTP/1.1 200 OK\r\nLocation: http://x/\r\ncontent-length: 0\r\n\r\n");
        assert_eq!(h.location, None);
    }

    #[test]
    fn incomplete_and_malformed_heads() {
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\ncontent-le"), Ok(None));
        for bad in [
            "HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length:\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            "SSH-2.0-OpenSSH_9.6\r\n",
        ] {
            assert_eq!(parse_head(bad.as_bytes()), Err(Malformed), "{bad:?}");
        }
    }
}
