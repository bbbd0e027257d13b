//! Generics, `where` clauses, lifetimes, const generics, `impl Trait` arguments and returns.

use std::fmt::{Debug, Display};

use traced::{SpanValue, child_span, root_span};

#[child_span]
fn largest<T: PartialOrd + Copy, const N: usize>(items: [T; N]) -> Option<T> {
    let mut best = *items.first()?;
    for item in items {
        if item > best {
            best = item;
        }
    }
    Some(best)
}

// A generic argument is recorded when its bounds say it is a `SpanValue`.
#[child_span]
fn describe<K, V>(key: K, value: V) -> String
where
    K: SpanValue + Display,
    V: Debug,
{
    format!("{key}={value:?}")
}

#[root_span(fields(shown = %label))]
fn show(label: impl Display, extra: impl Into<String>) -> impl Display {
    format!("{label}:{}", extra.into())
}

#[child_span]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[child_span]
fn maybe(flag: bool) -> Option<impl Display> {
    flag.then_some(7)
}

#[child_span]
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

struct Wrapper<T>(Vec<T>);

impl<T: Clone + Debug> Wrapper<T> {
    #[child_span]
    fn first_or(&self, fallback: T) -> T {
        self.0.first().cloned().unwrap_or(fallback)
    }

    #[child_span]
    fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.0.iter()
    }
}

fn main() {
    assert_eq!(largest([3, 9, 2]), Some(9));
    assert_eq!(describe("k", vec![1]), "k=[1]");
    assert_eq!(show("a", "b").to_string(), "a:b");
    assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(maybe(true).map(|v| v.to_string()).as_deref(), Some("7"));
    assert_eq!(longest("ab", "c"), "ab");
    let wrapper = Wrapper(vec!['x']);
    assert_eq!(wrapper.first_or('y'), 'x');
    assert_eq!(wrapper.iter().count(), 1);
}
