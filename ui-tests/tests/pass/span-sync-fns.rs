//! Sync fns: every option, `?` and early `return`, arguments bound by patterns, secrets, docs,
//! visibility and other attributes kept.

use std::collections::HashMap;
use std::fmt;

use traced::{child_span, root_span};

/// A type that is not a `SpanValue`: recorded only through `%` or `?`.
#[derive(Debug)]
struct Db {
    url: String,
}

impl fmt::Display for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// A user type made a `SpanValue`.
struct OrderId(u64);

impl traced::SpanValue for OrderId {
    fn span_value(&self) -> Option<traced::Value<'_>> {
        Some(traced::Value::U64(self.0))
    }
}

#[root_span]
fn plain() {}

/// Docs are kept.
#[root_span(name = "load order", kind = server, skip(db), fields(db.url = %db, "order.kind" = "web", debug = ?db, count = 3_u8))]
#[inline]
pub fn load(id: OrderId, db: &Db, password: &str, session_id: u64) -> Result<u64, String> {
    #![allow(clippy::needless_return)]
    let _ = (password, session_id);
    if id.0 == 0 {
        return Err("no order 0".to_owned());
    }
    let parsed: u64 = "12".parse().map_err(|e: std::num::ParseIntError| e.to_string())?;
    Ok(id.0 + parsed)
}

#[child_span(skip_all, fields(user_id, password))]
fn login(user_id: u32, password: &str, note: &str) -> bool {
    let _ = note;
    user_id != 0 && !password.is_empty()
}

#[child_span]
fn patterns((a, b): (u8, i64), Point { x, y: [first, ..] }: Point, &c: &u16, _: char) -> i64 {
    i64::from(a) + b + x + first + i64::from(c)
}

struct Point {
    x: i64,
    y: [i64; 2],
}

#[child_span(kind = consumer)]
fn io_result(path: &str) -> std::io::Result<usize> {
    if path.is_empty() {
        return Err(std::io::Error::other("empty path"));
    }
    Ok(path.len())
}

#[child_span(kind = client)]
fn anyhow_result(n: Option<i32>) -> anyhow::Result<i32> {
    let n = n.ok_or_else(|| anyhow::anyhow!("missing"))?;
    Ok(n * 2)
}

#[child_span(kind = producer)]
fn returns_a_reference<'a>(map: &'a HashMap<String, String>, key: &str) -> Option<&'a String> {
    map.get(key)
}

#[child_span(kind = internal)]
fn never_returns_normally(code: i32) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if code > 0 {
        return Err(format!("code {code}").into());
    }
    Ok(())
}

#[root_span]
fn r#raw(r#type: &str) -> usize {
    r#type.len()
}

fn main() {
    plain();
    let db = Db {
        url: "postgres://db".to_owned(),
    };
    assert_eq!(load(OrderId(1), &db, "hunter2", 7), Ok(13));
    assert!(load(OrderId(0), &db, "hunter2", 7).is_err());
    assert!(login(1, "pw", "x"));
    assert_eq!(patterns((1, 2), Point { x: 3, y: [4, 5] }, &5, 'c'), 15);
    assert!(io_result("").is_err());
    assert_eq!(io_result("ab").ok(), Some(2));
    assert!(anyhow_result(None).is_err());
    let map = HashMap::from([("k".to_owned(), "v".to_owned())]);
    assert_eq!(returns_a_reference(&map, "k").map(String::as_str), Some("v"));
    assert!(never_returns_normally(1).is_err());
    assert_eq!(raw("ab"), 2);
}
