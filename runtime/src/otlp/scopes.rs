//! The instrumentation scopes of a writer's items, by name: each name is looked up in a map and
//! its `scope` field encoded the first time only. A log record's scope is its target, so the
//! names are module paths: few, recurring, and nearly always `&'static str`s, whose address
//! finds them again in one probe.

use std::collections::HashMap;

use super::common::{Scope, scope_field};

// logs.proto, `ScopeLogs.scope` (and trace.proto, `ScopeSpans.scope`).
const SCOPE_FIELD: u32 = 1;

/// Past this many names the table is emptied, between two requests: names made at run time
/// would otherwise keep it growing. Below it, a steady stream of records allocates nothing.
pub(crate) const MAX_SCOPES: usize = 1_024;

/// Direct-mapped by the name's address; a slot names an entry whose name is then compared, so
/// a stale or shared slot only costs the map's lookup.
const SLOTS_BITS: u32 = 8;
const SLOTS: usize = 1 << SLOTS_BITS;
const EMPTY: u32 = u32::MAX;

/// Scopes by name, each with the `S` its user keeps for it.
#[derive(Debug)]
pub(crate) struct ScopeTable<S> {
    entries: Vec<Entry<S>>,
    by_name: HashMap<Box<str>, u32>,
    slots: Vec<u32>,
}

#[derive(Debug)]
pub(crate) struct Entry<S> {
    name: Box<str>,
    /// `scope_{spans,logs}.scope`: the scope with this name and no version (a target is not a
    /// library, and has none).
    pub(crate) field: Box<[u8]>,
    pub(crate) state: S,
}

impl<S: Default> ScopeTable<S> {
    pub(crate) fn new() -> ScopeTable<S> {
        ScopeTable {
            entries: Vec::new(),
            by_name: HashMap::new(),
            slots: vec![EMPTY; SLOTS],
        }
    }

    /// The index of the scope named `name`, added if it is new.
    #[inline]
    pub(crate) fn find(&mut self, name: &str) -> usize {
        // Fibonacci hashing of the address, as for code locations (`code.rs`).
        let hash = (name.as_ptr() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS_BITS);
        let slot = hash as usize;
        let index = self.slots[slot] as usize;
        if let Some(entry) = self.entries.get(index)
            && *entry.name == *name
        {
            return index;
        }
        let index = self.find_by_name(name);
        self.slots[slot] = index as u32;
        index
    }

    #[cold]
    fn find_by_name(&mut self, name: &str) -> usize {
        if let Some(&index) = self.by_name.get(name) {
            return index as usize;
        }
        let index = self.entries.len();
        let field = scope_field(SCOPE_FIELD, Scope { name, version: "" });
        self.entries.push(Entry {
            name: name.into(),
            field: field.into_boxed_slice(),
            state: S::default(),
        });
        self.by_name.insert(name.into(), index as u32);
        index
    }

    #[inline]
    pub(crate) fn get(&self, index: usize) -> &Entry<S> {
        &self.entries[index]
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, index: usize) -> &mut Entry<S> {
        &mut self.entries[index]
    }

    /// Empties the table if it holds more than [`MAX_SCOPES`] names. Only between requests:
    /// indexes given out before are then stale.
    pub(crate) fn trim(&mut self) {
        if self.entries.len() > MAX_SCOPES {
            self.entries = Vec::new();
            self.by_name = HashMap::new();
            self.slots.fill(EMPTY);
        }
    }

    /// The number of names held, for tests of the trimming.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_finds_its_scope_from_any_address() {
        let mut table = ScopeTable::<u8>::new();
        let a = table.find("app::orders");
        let b = table.find("app::db");
        assert_ne!(a, b);
        assert_eq!(table.find("app::orders"), a);
        // The same name at other addresses, and a name at an address another had.
        let owned = String::from("app::orders");
        assert_eq!(table.find(&owned), a);
        let mut reused = owned;
        reused.replace_range(.., "app::dbxxxx");
        assert_eq!(table.find(&reused[..7]), b);
        assert_ne!(table.find(&reused), a);
        assert_eq!(table.len(), 3);
        assert_eq!(&*table.get(a).name, "app::orders");
    }

    #[test]
    fn the_field_is_the_scope_with_its_name_only() {
        let mut table = ScopeTable::<u8>::new();
        let index = table.find("ab");
        assert_eq!(
            &*table.get(index).field,
            [0x0a, 0x04, 0x0a, 0x02, b'a', b'b']
        );
        let index = table.find("");
        assert_eq!(&*table.get(index).field, [0x0a, 0x00]);
    }

    #[test]
    fn many_names_collide_in_slots_and_stay_apart() {
        let mut table = ScopeTable::<u8>::new();
        let names: Vec<String> = (0..MAX_SCOPES).map(|i| format!("crate_{i}::m")).collect();
        let indexes: Vec<usize> = names.iter().map(|n| table.find(n)).collect();
        for _ in 0..2 {
            for (name, index) in names.iter().zip(&indexes) {
                assert_eq!(table.find(name), *index);
                assert_eq!(&*table.get(*index).name, name);
            }
        }
        table.trim();
        assert_eq!(table.len(), MAX_SCOPES, "kept up to the limit");
        table.find("one::more");
        table.trim();
        assert_eq!(table.len(), 0);
        assert_eq!(table.find(&names[5]), 0);
    }
}
