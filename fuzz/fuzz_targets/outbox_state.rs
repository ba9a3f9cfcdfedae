//! The stored outbox state parser, then every operation on what it accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tyme_tab::outbox::{Failure, OutboxState};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut s) = OutboxState::from_json(text) else { return };
    let n = s.size();
    let due = s.due(0);
    let _ = s.next_wake();
    for op in &due {
        let _ = s.mark_sending(&op.op_id, 1);
    }
    if let Some(op) = s.pending().first().cloned() {
        let _ = s.fail(&op.op_id, &Failure::new("rate_limited", Some(u32::MAX)), i64::MAX / 4096, 0.5);
        let _ = s.retry(&op.op_id, 2);
    }
    let _ = s.resume_all(3);
    s.requeue_in_flight();
    assert_eq!(s.size(), n, "an op was lost without an ack");
    let again = OutboxState::from_json(&s.to_json()).expect("a state we produced must parse");
    assert_eq!(again, s);
});
