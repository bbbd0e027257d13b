//! Character classes shared by the three parsers. Every function works on bytes at positions
//! found by ASCII search, so no slice can fall inside a multi-byte character, and none allocates.

/// RFC 7230 §3.2.3 `OWS`: spaces and horizontal tabs only (not `\r`, `\n` or other whitespace).
pub(super) fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// RFC 7230 §3.2.6 `tchar`, the characters of a `token` (W3C Baggage keys).
pub(super) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// RFC 7230 §3.2.6 `token = 1*tchar`.
pub(super) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// W3C Baggage `baggage-octet`: visible US-ASCII except `"`, `,`, `;` and `\`.
pub(super) fn is_baggage_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Trace Context `HEXDIGLC`: uppercase hex is not part of the grammar, so it is rejected.
fn lower_hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// Up to 32 `HEXDIGLC` as a number; `None` on any other byte or an empty input.
pub(super) fn parse_lower_hex(bytes: &[u8]) -> Option<u128> {
    if bytes.is_empty() || bytes.len() > 32 {
        return None;
    }
    bytes.iter().try_fold(0u128, |acc, &b| {
        lower_hex_digit(b).map(|d| (acc << 4) | u128::from(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ows_is_space_and_tab_only() {
        assert_eq!(trim_ows(" \t a b \t "), "a b");
        assert_eq!(trim_ows("\r\na\n"), "\r\na\n");
    }

    #[test]
    fn hex_is_lowercase_only() {
        assert_eq!(parse_lower_hex(b"0a"), Some(10));
        assert_eq!(parse_lower_hex(b"0A"), None);
        assert_eq!(parse_lower_hex(b""), None);
        assert_eq!(parse_lower_hex(&[b'f'; 32]), Some(u128::MAX));
        assert_eq!(parse_lower_hex(&[b'f'; 33]), None);
    }

    #[test]
    fn tokens_and_octets() {
        assert!(is_token("user-id_1.x~"));
        assert!(!is_token("a b") && !is_token("") && !is_token("a=b") && !is_token("é"));
        assert!(is_baggage_octet(b'%') && is_baggage_octet(b'~'));
        for b in [b' ', b'"', b',', b';', b'\\', b'\r', b'\n', 0x7F, 0x80] {
            assert!(!is_baggage_octet(b), "{b:#x}");
        }
    }
}
