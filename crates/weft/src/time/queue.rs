//! [`TimerQueue`]: a plain priority queue of items keyed by deadline.
//!
//! It does no I/O and never reads a clock: the caller says what "now" is.
//! The reactor keeps its timers in one, [`crate::testing::Clock`] drives the
//! same structure by hand, and a game can keep its whole timeline in one.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use slab::Slab;

/// Identifies one scheduled item of a [`TimerQueue`].
///
/// An id stays unique for the life of its queue: once its item has been
/// popped or cancelled, the id never refers to another item, even when the
/// queue reuses the item's storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    slot: usize,
    seq: u64,
}

/// A point in a queue's scheduling order: every item scheduled (or reset)
/// before the mark was taken compares below it, every later one above.
///
/// The reactor takes a mark before running due timers so that a callback
/// which schedules a new zero-delay timer does not run it in the same pass
/// (Twisted's `runUntilCurrent` keeps the same rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScheduleMark(u64);

/// A queue of items, each due at a deadline of type `D`.
///
/// Contract:
/// - [`pop_due`](Self::pop_due) returns items in deadline order; items with
///   equal deadlines come out in the order they were scheduled (a
///   [`reset`](Self::reset) counts as scheduling anew).
/// - Scheduling and resetting are `O(log n)`; cancelling is `O(1)` (the heap
///   entry is dropped lazily, and the heap is compacted when stale entries
///   outnumber live ones, so memory stays proportional to live items).
/// - Every operation on an id whose item is gone (popped or cancelled) is a
///   no-op that says so through its return value; none panics.
#[derive(Debug)]
pub struct TimerQueue<T, D = std::time::Instant> {
    heap: BinaryHeap<HeapEntry<D>>,
    items: Slab<Item<T, D>>,
    next_seq: u64,
}

#[derive(Debug)]
struct Item<T, D> {
    value: T,
    deadline: D,
    /// Fixed at scheduling: the item's identity, part of its [`TimerId`].
    id_seq: u64,
    /// Renewed by every reset: the item's rank among equal deadlines, and
    /// the mark of its one live heap entry.
    seq: u64,
}

#[derive(Debug, Clone, Copy)]
struct HeapEntry<D> {
    deadline: D,
    seq: u64,
    slot: usize,
}

impl<D: Ord> PartialEq for HeapEntry<D> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<D: Ord> Eq for HeapEntry<D> {}

impl<D: Ord> PartialOrd for HeapEntry<D> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<D: Ord> Ord for HeapEntry<D> {
    /// Reversed, so that `BinaryHeap` (a max-heap) yields the earliest
    /// deadline, then the lowest sequence number, first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .deadline
            .cmp(&self.deadline)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl<T, D: Ord + Copy> Default for TimerQueue<T, D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, D: Ord + Copy> TimerQueue<T, D> {
    /// An empty queue.
    pub fn new() -> Self {
        TimerQueue {
            heap: BinaryHeap::new(),
            items: Slab::new(),
            next_seq: 0,
        }
    }

    /// Number of items scheduled and not yet popped or cancelled.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item is scheduled.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Schedules `value` to be due at `deadline`.
    pub fn schedule(&mut self, deadline: D, value: T) -> TimerId {
        let seq = self.take_seq();
        let slot = self.items.insert(Item {
            value,
            deadline,
            id_seq: seq,
            seq,
        });
        self.heap.push(HeapEntry {
            deadline,
            seq,
            slot,
        });
        TimerId { slot, seq }
    }

    /// Removes the item of `id`, returning it, or `None` when it was already
    /// popped or cancelled.
    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        if !self.contains(id) {
            return None;
        }
        let item = self.items.remove(id.slot);
        self.compact_if_sparse();
        Some(item.value)
    }

    /// Moves the item of `id` to `deadline`, keeping its id. Among equal
    /// deadlines it now ranks as the most recently scheduled. Returns `false`
    /// (and does nothing) when the item is gone.
    pub fn reset(&mut self, id: TimerId, deadline: D) -> bool {
        if !self.contains(id) {
            return false;
        }
        let seq = self.take_seq();
        let item = &mut self.items[id.slot];
        item.deadline = deadline;
        item.seq = seq;
        self.heap.push(HeapEntry {
            deadline,
            seq,
            slot: id.slot,
        });
        self.compact_if_sparse();
        true
    }

    /// Whether the item of `id` is still scheduled.
    pub fn contains(&self, id: TimerId) -> bool {
        self.items
            .get(id.slot)
            .is_some_and(|item| Self::item_id(id.slot, item) == id)
    }

    /// The deadline of the item of `id`, if it is still scheduled.
    pub fn deadline(&self, id: TimerId) -> Option<D> {
        self.contains(id).then(|| self.items[id.slot].deadline)
    }

    /// The item of `id`, if it is still scheduled.
    pub fn get_mut(&mut self, id: TimerId) -> Option<&mut T> {
        if !self.contains(id) {
            return None;
        }
        Some(&mut self.items[id.slot].value)
    }

    /// The earliest deadline of any scheduled item.
    pub fn next_deadline(&mut self) -> Option<D> {
        self.discard_stale_head();
        self.heap.peek().map(|entry| entry.deadline)
    }

    /// Removes and returns the earliest item whose deadline is at or before
    /// `now`, or `None` when nothing is due.
    pub fn pop_due(&mut self, now: D) -> Option<(TimerId, T)> {
        self.pop_due_before_mark(now, ScheduleMark(u64::MAX))
    }

    /// The current point in the scheduling order; see [`ScheduleMark`].
    pub fn mark(&self) -> ScheduleMark {
        ScheduleMark(self.next_seq)
    }

    /// Like [`pop_due`](Self::pop_due), but leaves alone items scheduled or
    /// reset at or after `mark`, even when they are due.
    pub fn pop_due_before_mark(&mut self, now: D, mark: ScheduleMark) -> Option<(TimerId, T)> {
        self.discard_stale_head();
        let head = *self.heap.peek()?;
        if head.deadline > now || head.seq >= mark.0 {
            // An item scheduled after the mark may hide due items behind it
            // only if they share its deadline and were scheduled later still,
            // so they too are after the mark: stopping here is exact.
            return None;
        }
        self.heap.pop();
        let item = self.items.remove(head.slot);
        let id = Self::item_id(head.slot, &item);
        Some((id, item.value))
    }

    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    fn item_id(slot: usize, item: &Item<T, D>) -> TimerId {
        TimerId {
            slot,
            seq: item.id_seq,
        }
    }

    fn is_live(&self, entry: &HeapEntry<D>) -> bool {
        self.items
            .get(entry.slot)
            .is_some_and(|item| item.seq == entry.seq)
    }

    fn discard_stale_head(&mut self) {
        while let Some(head) = self.heap.peek() {
            if self.is_live(head) {
                return;
            }
            self.heap.pop();
        }
    }

    /// Rebuilds the heap from the live items when stale entries dominate, so
    /// that cancel-heavy workloads do not grow the heap without bound.
    fn compact_if_sparse(&mut self) {
        if self.heap.len() <= 64 || self.heap.len() <= 2 * self.items.len() {
            return;
        }
        let live: Vec<HeapEntry<D>> = self
            .items
            .iter()
            .map(|(slot, item)| HeapEntry {
                deadline: item.deadline,
                seq: item.seq,
                slot,
            })
            .collect();
        self.heap = BinaryHeap::from(live);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn drain(queue: &mut TimerQueue<&'static str, u32>, now: u32) -> Vec<&'static str> {
        std::iter::from_fn(|| queue.pop_due(now).map(|(_, v)| v)).collect()
    }

    #[test]
    fn pops_in_deadline_order_then_scheduling_order() {
        let mut queue = TimerQueue::new();
        queue.schedule(5, "c");
        queue.schedule(1, "a");
        queue.schedule(5, "d");
        queue.schedule(3, "b");
        assert_eq!(drain(&mut queue, 4), ["a", "b"]);
        assert_eq!(drain(&mut queue, 5), ["c", "d"]);
        assert!(queue.is_empty());
    }

    #[test]
    fn nothing_pops_before_its_deadline() {
        let mut queue = TimerQueue::new();
        queue.schedule(10, "late");
        assert_eq!(queue.pop_due(9), None);
        assert_eq!(queue.next_deadline(), Some(10));
    }

    #[test]
    fn cancel_removes_once_and_reports_gone_ids() {
        let mut queue = TimerQueue::new();
        let id = queue.schedule(1, "x");
        assert_eq!(queue.cancel(id), Some("x"));
        assert_eq!(queue.cancel(id), None);
        assert!(!queue.reset(id, 5));
        assert_eq!(queue.pop_due(100), None);
        assert_eq!(queue.next_deadline(), None);
    }

    #[test]
    fn ids_are_not_reused_after_the_slot_is() {
        let mut queue = TimerQueue::new();
        let old = queue.schedule(1, "old");
        queue.pop_due(1);
        let new = queue.schedule(2, "new");
        assert_ne!(old, new);
        assert!(!queue.contains(old));
        assert_eq!(queue.cancel(old), None);
        assert!(queue.contains(new));
    }

    #[test]
    fn reset_moves_and_ranks_as_newest_among_ties() {
        let mut queue = TimerQueue::new();
        let first = queue.schedule(1, "first");
        queue.schedule(4, "second");
        assert!(queue.reset(first, 4));
        assert_eq!(queue.deadline(first), Some(4));
        assert_eq!(drain(&mut queue, 3), Vec::<&str>::new());
        assert_eq!(drain(&mut queue, 4), ["second", "first"]);
    }

    #[test]
    fn mark_holds_back_items_scheduled_after_it() {
        let mut queue = TimerQueue::new();
        queue.schedule(0, "before");
        let mark = queue.mark();
        queue.schedule(0, "after");
        assert_eq!(
            queue.pop_due_before_mark(0, mark).map(|(_, v)| v),
            Some("before")
        );
        assert_eq!(queue.pop_due_before_mark(0, mark), None);
        assert_eq!(queue.pop_due(0).map(|(_, v)| v), Some("after"));
    }

    #[test]
    fn heap_stays_proportional_to_live_items_under_cancel_churn() {
        let mut queue = TimerQueue::new();
        let keep = queue.schedule(1_000_000, "keep");
        for i in 0..10_000 {
            let id = queue.schedule(i, "churn");
            queue.cancel(id);
        }
        assert!(
            queue.heap.len() <= 65,
            "heap has {} entries",
            queue.heap.len()
        );
        assert!(queue.contains(keep));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Schedule(u8),
        Cancel(usize),
        Reset(usize, u8),
        Pop(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u8>().prop_map(Op::Schedule),
            any::<usize>().prop_map(Op::Cancel),
            (any::<usize>(), any::<u8>()).prop_map(|(i, d)| Op::Reset(i, d)),
            any::<u8>().prop_map(Op::Pop),
        ]
    }

    proptest! {
        /// The queue behaves like a sorted list of (deadline, order, value).
        #[test]
        fn matches_a_sorted_list_model(ops in proptest::collection::vec(op(), 0..200)) {
            let mut queue: TimerQueue<usize, u8> = TimerQueue::new();
            let mut ids = Vec::new();
            let mut model: Vec<(u8, u64, usize)> = Vec::new();
            let mut order = 0u64;
            for op in ops {
                match op {
                    Op::Schedule(d) => {
                        let value = ids.len();
                        ids.push(queue.schedule(d, value));
                        model.push((d, order, value));
                        order += 1;
                    }
                    Op::Cancel(i) if !ids.is_empty() => {
                        let value = i % ids.len();
                        let in_model = model.iter().position(|e| e.2 == value);
                        prop_assert_eq!(queue.cancel(ids[value]), in_model.map(|p| model.remove(p).2));
                    }
                    Op::Reset(i, d) if !ids.is_empty() => {
                        let value = i % ids.len();
                        let in_model = model.iter_mut().find(|e| e.2 == value);
                        let present = in_model.is_some();
                        if let Some(entry) = in_model {
                            *entry = (d, order, value);
                            order += 1;
                        }
                        prop_assert_eq!(queue.reset(ids[value], d), present);
                    }
                    Op::Pop(now) => {
                        model.sort();
                        let expected = model.first().filter(|e| e.0 <= now).map(|e| e.2);
                        if expected.is_some() {
                            model.remove(0);
                        }
                        prop_assert_eq!(queue.pop_due(now).map(|(_, v)| v), expected);
                    }
                    _ => {}
                }
                prop_assert_eq!(queue.len(), model.len());
                model.sort();
                prop_assert_eq!(queue.next_deadline(), model.first().map(|e| e.0));
            }
        }
    }
}
