//! Tests of the thread's span stack (`stack.rs`).

use super::*;
use crate::engine::frame::{OwnRecord, Recording};
use crate::w3c::TraceState;

fn frame(span_id: u64) -> Frame {
    Frame {
        trace_id: 1,
        span_id,
        flags: 0,
        trace_state: TraceState::EMPTY,
        baggage: None,
        recording: Recording::Nothing,
    }
}

fn current() -> Option<u64> {
    with_current(|f| f.span_id)
}

#[test]
fn frames_in_place_and_moved_in_nest_and_unwind_in_any_order() {
    let mut outer = frame(1);
    // SAFETY: `outer` stays put and is popped below, before it is dropped.
    let entry = unsafe { enter_in_place(NonNull::from(&mut outer)) };
    assert_eq!(current(), Some(1));
    assert!(push(frame(2)));
    assert_eq!(current(), Some(2));
    with_current(|f| f.flags = 7);
    assert_eq!(with_span(2, |f| f.flags), Some(7));
    // The frame in place is not popped as a moved-in frame.
    assert!(pop(1).is_none());
    // Removed from under the moved-in frame, which stays current.
    drop(entry);
    assert_eq!(current(), Some(2));
    let moved = pop(2).expect("moved-in frame");
    assert_eq!(moved.flags, 7);
    assert_eq!(current(), None);
}

#[test]
fn writes_through_the_stack_reach_the_frame_in_place() {
    let mut f = frame(3);
    // SAFETY: `f` stays put and is popped before it is used again.
    let entry = unsafe { enter_in_place(NonNull::from(&mut f)) };
    with_current(|frame| frame.flags = 1);
    drop(entry);
    assert_eq!(f.flags, 1);
    assert_eq!(current(), None);
}

#[test]
fn a_full_stack_ends_its_oldest_half_and_takes_new_frames() {
    std::thread::spawn(|| {
        let mut in_place = frame(u64::MAX);
        // SAFETY: `in_place` outlives the entry, dropped at the end of this closure.
        let entry = unsafe { enter_in_place(NonNull::from(&mut in_place)) };
        for id in 1..MAX_DEPTH as u64 {
            assert!(push(frame(id)));
        }
        assert!(push(frame(0)));
        assert_eq!(current(), Some(0));
        // The oldest half went: the frame in place and the first moved-in ones.
        assert!(with_span(u64::MAX, |_| ()).is_none());
        assert!(pop(1).is_none());
        let kept = MAX_DEPTH as u64 / 2;
        assert!(pop(kept).is_some());
        drop(entry);
        assert_eq!(current(), Some(0));
    })
    .join()
    .unwrap();
}

#[test]
fn a_recording_frame_is_found_past_a_stand_in_with_its_id() {
    let mut own = frame(5);
    own.recording = Recording::Own(OwnRecord::new(
        crate::engine::pool::take(),
        crate::engine::pipeline::inert(),
    ));
    assert!(push(own));
    let stand_in = with_current(|f| f.stand_in()).unwrap();
    assert!(!stand_in.is_recording());
    assert!(push(stand_in));
    assert_eq!(with_span(5, |f| f.is_recording()), Some(false));
    assert_eq!(with_recording(5, |f| f.is_recording()), Some(true));
    drop(pop(5));
    // Dropped without exporting: the inert pipeline exports nothing.
    drop(pop(5));
    assert_eq!(current(), None);
}
