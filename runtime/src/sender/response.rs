//! What a collector's answer means: the status classes of OTLP/HTTP, "Failures", and the
//! `partial_success` of a 2xx body.

/// The longest collector message kept from a `partial_success`, in characters.
const MAX_MESSAGE_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Delivered,
    /// OTLP/HTTP, "Failures": 429, 502, 503 and 504 are the retryable codes.
    Retry,
    /// 3xx: not followed (the request carries the headers' credentials, and a collector that
    /// moved is a configuration to fix).
    Redirect,
    /// 400 and every other code: retrying cannot help.
    Fail,
}

pub(crate) fn verdict(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        429 | 502 | 503 | 504 => Verdict::Retry,
        300..=399 => Verdict::Redirect,
        _ => Verdict::Fail,
    }
}

/// `ExportTraceServiceResponse.partial_success` (field 1), and in it `rejected_spans` (int64,
/// field 1) and `error_message` (string, field 2); `ExportLogsServiceResponse` has the same
/// shape. `None` when absent or undecodable: the data was accepted either way.
pub(crate) fn partial_success(body: &[u8]) -> Option<(u64, Option<String>)> {
    let mut found = None;
    for field in Fields(body) {
        if let (1, Value::Bytes(inner)) = field? {
            let (mut rejected, mut message) = (0_u64, None);
            for field in Fields(inner) {
                match field? {
                    // int64 on the wire is the two's complement varint: a negative count
                    // (a collector bug) is read as none rejected.
                    (1, Value::Varint(v)) => rejected = u64::try_from(v as i64).unwrap_or(0),
                    (2, Value::Bytes(m)) => {
                        let text: String = String::from_utf8_lossy(m)
                            .chars()
                            .take(MAX_MESSAGE_CHARS)
                            .collect();
                        message = Some(text).filter(|t| !t.is_empty());
                    }
                    _ => {}
                }
            }
            found = Some((rejected, message));
        }
    }
    found
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The fields of a protobuf message; an undecodable field is a `None` item and ends it.
struct Fields<'a>(&'a [u8]);

impl<'a> Iterator for Fields<'a> {
    type Item = Option<(u64, Value<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let field = self.field();
        if field.is_none() {
            self.0 = &[];
        }
        Some(field)
    }
}

impl<'a> Fields<'a> {
    fn field(&mut self) -> Option<(u64, Value<'a>)> {
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => self.skip(8)?,
            2 => {
                let len = usize::try_from(self.varint()?).ok()?;
                let bytes = self.0.get(..len)?;
                self.0 = self.0.get(len..)?;
                Value::Bytes(bytes)
            }
            5 => self.skip(4)?,
            _ => return None,
        };
        Some((key >> 3, value))
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0_u64;
        for (i, byte) in self.0.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.0 = self.0.get(i + 1..)?;
                return Some(value);
            }
        }
        None
    }

    fn skip(&mut self, n: usize) -> Option<Value<'a>> {
        self.0 = self.0.get(n..)?;
        Some(Value::Fixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes() {
        for (status, expected) in [
            (200, Verdict::Delivered),
            (204, Verdict::Delivered),
            (429, Verdict::Retry),
            (502, Verdict::Retry),
            (503, Verdict::Retry),
            (504, Verdict::Retry),
            (301, Verdict::Redirect),
            (308, Verdict::Redirect),
            (400, Verdict::Fail),
            (401, Verdict::Fail),
            (413, Verdict::Fail),
            (500, Verdict::Fail),
            (501, Verdict::Fail),
            (100, Verdict::Fail),
        ] {
            assert_eq!(verdict(status), expected, "{status}");
        }
    }

    #[test]
    fn decodes_partial_success_and_ignores_the_rest() {
        // partial_success { rejected_spans: 3, error_message: "bad" }, then an unknown field.
        let body = [
            0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, b'b', b'a', b'd', 0x10, 0x01,
        ];
        assert_eq!(partial_success(&body), Some((3, Some("bad".to_owned()))));
        // rejected_spans: -1 (ten-byte varint).
        let negative = [
            0x0a, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ];
        assert_eq!(partial_success(&negative), Some((0, None)));
        assert_eq!(partial_success(&[0x0a, 0x00]), Some((0, None)));
        assert_eq!(partial_success(&[]), None);
        assert_eq!(partial_success(&[0x0a, 0x09, 0x08]), None);
        assert_eq!(partial_success(&[0xff]), None);
    }

    #[test]
    fn long_messages_are_cut() {
        let message = vec![b'x'; 1000];
        let mut inner = vec![0x12, 0xe8, 0x07]; // field 2, length 1000
        inner.extend_from_slice(&message);
        let mut body = vec![0x0a, 0xeb, 0x07]; // field 1, length 1003
        body.extend_from_slice(&inner);
        let (_, message) = partial_success(&body).expect("decoded");
        assert_eq!(message.map(|m| m.len()), Some(MAX_MESSAGE_CHARS));
    }
}
