//! Attribute values made with `Display` or `Debug`, cut to the value length limit while they
//! are formatted, so a huge value never becomes a huge string.

use core::fmt::{self, Write as _};

use super::value::{AttrValue, truncate};

/// `Display` of `value`, at most `max_chars` characters.
pub(crate) fn display(max_chars: usize, value: &(impl fmt::Display + ?Sized)) -> AttrValue {
    bounded(max_chars, |w| write!(w, "{value}"))
}

/// `Debug` of `value`, at most `max_chars` characters.
pub(crate) fn debug(max_chars: usize, value: &(impl fmt::Debug + ?Sized)) -> AttrValue {
    bounded(max_chars, |w| write!(w, "{value:?}"))
}

fn bounded(max_chars: usize, f: impl FnOnce(&mut Bounded<'_>) -> fmt::Result) -> AttrValue {
    let mut out = String::new();
    let mut w = Bounded {
        out: &mut out,
        left: max_chars,
    };
    // An error here only means the limit was reached (or the impl failed): keep what we have.
    let _ = f(&mut w);
    AttrValue::owned(out)
}

/// Appends `value` to `out`, at most `max_chars` characters of it, cut while it is formatted.
/// A `Debug` or `Display` impl that fails leaves what it wrote before failing.
pub(crate) fn write_bounded(out: &mut String, max_chars: usize, value: fmt::Arguments<'_>) {
    if let Some(literal) = value.as_str() {
        out.push_str(truncate(literal, max_chars));
        return;
    }
    let mut w = Bounded {
        out,
        left: max_chars,
    };
    let _ = w.write_fmt(value);
}

struct Bounded<'a> {
    out: &'a mut String,
    left: usize,
}

impl fmt::Write for Bounded<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let cut = truncate(s, self.left);
        self.out.push_str(cut);
        self.left -= cut.chars().count();
        if cut.len() < s.len() {
            return Err(fmt::Error);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cut_while_they_are_formatted() {
        struct Endless;
        impl fmt::Display for Endless {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Stops at the first error: the writer's, once the limit is reached.
                loop {
                    f.write_str("é")?;
                }
            }
        }
        assert_eq!(display(3, &Endless), AttrValue::text("ééé"));
        assert_eq!(debug(5, "ab"), AttrValue::text("\"ab\""));
        assert_eq!(debug(2, "ab"), AttrValue::text("\"a"));
        let mut out = String::from(">");
        write_bounded(&mut out, 4, format_args!("{}", Endless));
        assert_eq!(out, ">éééé");
        let mut out = String::new();
        write_bounded(&mut out, 2, format_args!("abc"));
        assert_eq!(out, "ab");
    }
}
