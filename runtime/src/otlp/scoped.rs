//! A request whose items are grouped by instrumentation scope, for log records, whose scope is
//! their target:
//!
//! ```text
//! request { 1: resource_logs { 1: resource, 2: scope_logs { 1: scope, 2: items… }, 2: scope_logs… } }
//! ```
//!
//! A scope's items go into one `scope_logs`, in the order they were pushed, and scopes in the
//! order of their first item; the items of a request arrive with their scopes interleaved.
//! Each item is written once, at its push, into a staging buffer; runs of consecutive items of
//! one scope are chained per scope. Finishing the request copies each scope's runs, behind its
//! `scope_logs` key, length and scope, into the request's buffer, and writes the prefix
//! right-aligned before them, as [`Envelope`](super::request::Envelope) does. The copy is the
//! price of the grouping; for it, the writer keeps two buffers, both shrunk after an outlier.

use super::common::resource_field;
use super::request::{
    Body, Buffer, MAX_BODY_LIMIT, Push, REQUEST_RESOURCE, RESOURCE_RESOURCE, RESOURCE_SCOPE,
    Request, SCOPE_ITEMS,
};
use super::scopes::ScopeTable;
use super::wire::{Out, len_field_len, varint_len};
use crate::resource::Resource;

/// No run, or no scope.
const NONE: u32 = u32::MAX;

/// Consecutive items of one scope in the staging buffer, and the next run of that scope.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    next: u32,
}

/// A scope's part of the request under way: none while `items` is 0 (an item is at least
/// its field's key and length).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// The bytes of its items' fields.
    items: usize,
    first: u32,
    last: u32,
}

/// A request under construction: one resource, a scope per name, the items.
#[derive(Debug)]
pub(crate) struct ScopedEnvelope {
    /// The items in push order, each its `scope_{spans,logs}` items field.
    staged: Buffer,
    runs: Vec<Run>,
    scopes: ScopeTable<Pending>,
    /// The scopes of the request under way, in the order of their first item.
    order: Vec<u32>,
    /// The scope of the last run.
    last: u32,
    /// The request itself, written when it is finished.
    body: Buffer,
    /// `resource_{spans,logs}.resource`, encoded once.
    resource: Vec<u8>,
    /// The bytes of the `resource_{spans,logs}` message with the items so far.
    inner: usize,
    max_body: usize,
}

impl ScopedEnvelope {
    /// `max_body` is clamped to [`MAX_BODY_LIMIT`].
    pub(crate) fn new(resource: &Resource, max_body: usize) -> ScopedEnvelope {
        let max_body = max_body.min(MAX_BODY_LIMIT);
        let resource = resource_field(RESOURCE_RESOURCE, resource);
        // The request's key, its length (below `max_body`) and the resource.
        let gap = 1 + varint_len(max_body as u64) + resource.len();
        ScopedEnvelope {
            staged: Buffer::new(0, max_body),
            runs: Vec::new(),
            scopes: ScopeTable::new(),
            order: Vec::new(),
            last: NONE,
            body: Buffer::new(gap, max_body),
            inner: resource.len(),
            resource,
            max_body,
        }
    }

    /// The number of items in the request.
    pub(crate) fn items(&self) -> usize {
        self.staged.records()
    }

    /// Offers an item of the scope `scope` whose message is `len` bytes long; `write` writes
    /// exactly that message.
    #[inline]
    pub(crate) fn push(
        &mut self,
        scope: &str,
        len: usize,
        write: impl FnOnce(&mut Out<'_>),
    ) -> Push {
        let field = len_field_len(SCOPE_ITEMS, len);
        let index = self.scopes.find(scope);
        let entry = self.scopes.get(index);
        let header = entry.field.len();
        let alone = self.resource.len() + len_field_len(RESOURCE_SCOPE, header + field);
        if self.body_len(alone) > self.max_body {
            return Push::TooLarge;
        }
        let items = entry.state.items;
        let before = if items == 0 {
            0
        } else {
            len_field_len(RESOURCE_SCOPE, header + items)
        };
        let inner = self.inner - before + len_field_len(RESOURCE_SCOPE, header + items + field);
        if self.body_len(inner) > self.max_body {
            return Push::Full;
        }
        let start = self.staged.items_len();
        self.staged.append(field, |out| {
            out.len_prefix(SCOPE_ITEMS, len);
            write(out);
        });
        self.staged.count(1);
        self.inner = inner;
        self.chain(index, start, start + field);
        Push::Appended
    }

    /// Adds the item at `start..end` of the staging buffer to the runs of scope `index`.
    #[inline]
    fn chain(&mut self, index: usize, start: usize, end: usize) {
        let pending = &mut self.scopes.get_mut(index).state;
        pending.items += end - start;
        if index as u32 == self.last
            && let Some(run) = self.runs.last_mut()
        {
            run.end = end;
            return;
        }
        let run = self.runs.len() as u32;
        self.runs.push(Run {
            start,
            end,
            next: NONE,
        });
        if pending.items == end - start {
            pending.first = run;
            self.order.push(index as u32);
        } else {
            self.runs[pending.last as usize].next = run;
        }
        pending.last = run;
        self.last = index as u32;
    }

    /// The request's body, or `None` when it has no items (OTLP specification, "Empty
    /// Telemetry Envelopes"). The next request starts when the returned value is dropped.
    pub(crate) fn finish(&mut self) -> Option<Request<'_>> {
        let records = self.staged.records();
        if records == 0 {
            return None;
        }
        let items = self.inner - self.resource.len();
        let (order, scopes, runs, staged) =
            (&self.order, &mut self.scopes, &self.runs, &self.staged);
        self.body.append(items, |out| {
            for &index in order {
                let entry = scopes.get_mut(index as usize);
                let pending = std::mem::take(&mut entry.state);
                out.len_prefix(RESOURCE_SCOPE, entry.field.len() + pending.items);
                out.raw(&entry.field);
                let mut run = pending.first;
                while run != NONE {
                    let Run { start, end, next } = runs[run as usize];
                    out.raw(&staged.items()[start..end]);
                    run = next;
                }
            }
        });
        self.body.count(records);
        self.staged.reset(self.staged.items_len());
        self.runs.clear();
        self.order.clear();
        self.last = NONE;
        self.scopes.trim();
        let inner = std::mem::replace(&mut self.inner, self.resource.len());
        let prefix_len = self.body_len(inner) - items;
        let resource = &self.resource;
        Some(self.body.finish(prefix_len, |out| {
            out.len_prefix(REQUEST_RESOURCE, inner);
            out.raw(resource);
        }))
    }

    /// Takes back the bytes of a request [`take`](Request::take)n, for a later one.
    pub(crate) fn give_back(&mut self, body: Body) {
        self.body.give_back(body);
    }

    /// The body's length when the `resource_{spans,logs}` message is `inner` bytes long.
    #[inline]
    fn body_len(&self, inner: usize) -> usize {
        len_field_len(REQUEST_RESOURCE, inner)
    }

    /// The capacities of the staging buffer and the request's, for tests of their shrinking.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> (usize, usize) {
        (self.staged.capacity(), self.body.capacity())
    }

    /// The number of scopes known, for tests of their limit.
    #[cfg(test)]
    pub(crate) fn scopes(&self) -> usize {
        self.scopes.len()
    }
}
