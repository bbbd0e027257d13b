//! W3C Baggage: user-defined `key=value` pairs that travel with a request.
//!
//! Keys are RFC 7230 tokens and case-sensitive (OpenTelemetry Baggage API, Overview: names and
//! values are case sensitive); values are any text, sent percent-encoded so a header never
//! carries CR, LF or other non-visible characters (see [`Injector`](super::Injector)).
//! Properties (`;prop` or `;prop=value` after a member) are kept as received, with the
//! whitespace around `;` and `=` removed.

use std::error::Error;
use std::fmt;

use super::baggage_codec::{encode_value, encoded_value_len, normalize_properties};
use super::grammar::is_token;

/// The header name.
pub(super) const BAGGAGE: &str = "baggage";

/// W3C Baggage §3.3.3 (Limits): 64 members and 8192 bytes. Both bound what we accept, what we
/// keep and what we send.
pub(super) const MAX_MEMBERS: usize = 64;
pub(super) const MAX_BYTES: usize = 8192;

/// Validated baggage: at most 64 members, whose header is at most 8192 bytes.
///
/// Members keep their insertion order; inserting an existing key replaces its value in place
/// (OpenTelemetry Baggage API, Conflict Resolution: "the new pair MUST take precedence").
///
/// ```
/// use traced::propagation::Baggage;
///
/// let mut baggage = Baggage::new();
/// baggage.insert("user.id", "42 / é").unwrap();
/// assert_eq!(baggage.get("user.id"), Some("42 / é"));
/// assert_eq!(baggage.header().as_deref(), Some("user.id=42%20/%20%C3%A9"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baggage {
    entries: Vec<BaggageEntry>,
    /// The length of [`Baggage::header`], kept up to date so limits are checked in O(1).
    header_len: usize,
}

/// One baggage member: key, decoded value and properties.
///
/// ```
/// # use traced::propagation::Baggage;
/// let baggage = Baggage::from_header("k=v%201;ttl=60");
/// let entry = baggage.iter().next().unwrap();
/// assert_eq!((entry.key(), entry.value(), entry.properties()), ("k", "v 1", Some("ttl=60")));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaggageEntry {
    key: String,
    value: String,
    properties: String,
    /// Bytes this member takes in the header.
    encoded_len: usize,
}

/// Why [`Baggage::insert`] refused a member.
///
/// ```
/// # use traced::propagation::{Baggage, BaggageError};
/// assert_eq!(Baggage::new().insert("a key", "v"), Err(BaggageError::InvalidKey));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaggageError {
    /// The key is not an RFC 7230 token (letters, digits and ``!#$%&'*+-.^_`|~``).
    InvalidKey,
    /// The properties do not follow `prop` / `prop=value` separated by `;`.
    InvalidProperties,
    /// The baggage already has 64 members.
    TooManyMembers,
    /// The header would exceed 8192 bytes.
    TooLarge,
}

impl fmt::Display for BaggageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BaggageError::InvalidKey => "baggage key is not an RFC 7230 token",
            BaggageError::InvalidProperties => "baggage properties are malformed",
            BaggageError::TooManyMembers => "baggage is limited to 64 members",
            BaggageError::TooLarge => "baggage header is limited to 8192 bytes",
        })
    }
}

impl Error for BaggageError {}

impl BaggageEntry {
    /// The key, case-sensitive.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// assert_eq!(Baggage::from_header("K=1").iter().next().unwrap().key(), "K");
    /// ```
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value, percent-decoded.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// assert_eq!(Baggage::from_header("k=%E2%9C%93").iter().next().unwrap().value(), "✓");
    /// ```
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The properties as sent (`p1;p2=v`), or `None`.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// let baggage = Baggage::from_header("k=1 ; secret ; ttl = 60");
    /// assert_eq!(baggage.iter().next().unwrap().properties(), Some("secret;ttl=60"));
    /// ```
    pub fn properties(&self) -> Option<&str> {
        (!self.properties.is_empty()).then_some(self.properties.as_str())
    }
}

impl Baggage {
    /// Empty baggage.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// assert!(Baggage::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Baggage::default()
    }

    /// The value of `key`, if present.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// assert_eq!(Baggage::from_header("a=1").get("a"), Some("1"));
    /// assert_eq!(Baggage::from_header("a=1").get("A"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entry(key).map(BaggageEntry::value)
    }

    /// The members, in order.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// let baggage = Baggage::from_header("a=1,b=2");
    /// let keys: Vec<_> = baggage.iter().map(|e| e.key()).collect();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &BaggageEntry> + '_ {
        self.entries.iter()
    }

    /// Sets `key` to `value` (replacing an existing value in place), or explains why not.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// let mut baggage = Baggage::new();
    /// baggage.insert("tenant", "a").unwrap();
    /// baggage.insert("tenant", "b").unwrap();
    /// assert_eq!(baggage.get("tenant"), Some("b"));
    /// assert_eq!(baggage.len(), 1);
    /// ```
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), BaggageError> {
        self.insert_with_properties(key, value, "")
    }

    /// Like [`insert`](Self::insert), with properties (`p1;p2=v`, OWS allowed around `;` and
    /// `=`; property values must be baggage octets, i.e. already percent-encoded).
    ///
    /// ```
    /// # use traced::propagation::{Baggage, BaggageError};
    /// let mut baggage = Baggage::new();
    /// baggage.insert_with_properties("k", "v", "ttl=60").unwrap();
    /// assert_eq!(baggage.header().as_deref(), Some("k=v;ttl=60"));
    /// assert_eq!(baggage.insert_with_properties("k", "v", "a b"), Err(BaggageError::InvalidProperties));
    /// ```
    pub fn insert_with_properties(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        properties: &str,
    ) -> Result<(), BaggageError> {
        let key = key.into();
        if !is_token(&key) {
            return Err(BaggageError::InvalidKey);
        }
        let properties = normalize_properties(properties).ok_or(BaggageError::InvalidProperties)?;
        self.put(BaggageEntry::new(key, value.into(), properties))
    }

    /// Removes `key`, returning its value.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// let mut baggage = Baggage::from_header("a=1,b=2");
    /// assert_eq!(baggage.remove("a").as_deref(), Some("1"));
    /// assert_eq!(baggage.header().as_deref(), Some("b=2"));
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let index = self.entries.iter().position(|e| e.key == key)?;
        let entry = self.entries.remove(index);
        self.header_len = self.entries.iter().map(|e| e.encoded_len).sum::<usize>()
            + self.entries.len().saturating_sub(1);
        Some(entry.value)
    }

    /// Removes every member, so nothing is sent to an untrusted process (OpenTelemetry Baggage
    /// API, Clear Baggage in the Context).
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// let mut baggage = Baggage::from_header("a=1");
    /// baggage.clear();
    /// assert_eq!(baggage.header(), None);
    /// ```
    pub fn clear(&mut self) {
        self.entries.clear();
        self.header_len = 0;
    }

    /// The number of members.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// assert_eq!(Baggage::from_header("a=1,b=2").len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no members.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// assert!(Baggage::from_header("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `baggage` header value, or `None` when empty. Values are percent-encoded: every byte
    /// that is not a baggage octet, and `%` itself (W3C Baggage §3.2.1.1), so the result is
    /// visible ASCII without CR or LF.
    ///
    /// ```
    /// # use traced::propagation::Baggage;
    /// let mut baggage = Baggage::new();
    /// baggage.insert("k", "a\r\nX-Evil: 1").unwrap();
    /// assert_eq!(baggage.header().as_deref(), Some("k=a%0D%0AX-Evil:%201"));
    /// ```
    pub fn header(&self) -> Option<String> {
        let mut out = String::with_capacity(self.header_len);
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&entry.key);
            out.push('=');
            encode_value(&entry.value, &mut out);
            if !entry.properties.is_empty() {
                out.push(';');
                out.push_str(&entry.properties);
            }
        }
        (!out.is_empty()).then_some(out)
    }

    pub(super) fn entry(&self, key: &str) -> Option<&BaggageEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Adds or replaces a validated entry if the limits allow it.
    pub(super) fn put(&mut self, entry: BaggageEntry) -> Result<(), BaggageError> {
        let (index, header_len) = match self.entries.iter().position(|e| e.key == entry.key) {
            Some(i) => (Some(i), self.header_len - self.entries[i].encoded_len),
            None if self.entries.len() >= MAX_MEMBERS => return Err(BaggageError::TooManyMembers),
            None => (
                None,
                self.header_len + usize::from(!self.entries.is_empty()),
            ),
        };
        let header_len = header_len + entry.encoded_len;
        if header_len > MAX_BYTES {
            return Err(BaggageError::TooLarge);
        }
        self.header_len = header_len;
        match index {
            Some(i) => self.entries[i] = entry,
            None => self.entries.push(entry),
        }
        Ok(())
    }
}

impl BaggageEntry {
    /// `key` must be a token and `properties` normalised already.
    pub(super) fn new(key: String, value: String, properties: String) -> Self {
        let encoded_len = key.len()
            + 1
            + encoded_value_len(&value)
            + if properties.is_empty() {
                0
            } else {
                1 + properties.len()
            };
        BaggageEntry {
            key,
            value,
            properties,
            encoded_len,
        }
    }
}
