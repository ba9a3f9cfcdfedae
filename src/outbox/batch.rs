//! Many writes recorded at once (the extension's journal of writes made
//! while nothing was sent, folded into the queue in one pass): the same
//! result as `enqueue` called for each in turn, in time that grows with the
//! queue plus the writes, not with their product.

use std::collections::BTreeMap;

use serde_json::Value;

use super::index::EntityIndex;
use super::*;

impl OutboxState {
    /// `enqueue(entity, at)` for each write, in order; all or nothing: on an
    /// error the state is left as it was (and the error names the write).
    pub fn enqueue_all(&mut self, writes: Vec<(Value, i64)>) -> Result<Vec<String>, Error> {
        let mut ops: Vec<Option<PendingOp>> = self.ops.iter().cloned().map(Some).collect();
        // Each entity's latest op (index into `ops`).
        let mut latest: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, op) in self.ops.iter().enumerate() {
            latest.insert((op.entity_type.clone(), op.entity_id.clone()), i);
        }
        let mut live = ops.len();
        let mut next_seq = self.next_seq;
        let total = writes.len();
        let mut ids = Vec::with_capacity(total);
        for (n, (entity, at)) in writes.into_iter().enumerate() {
            let which = |e: Error| Error::invalid_input(format!("write {} of {total}: {}", n + 1, e.message));
            let now = check_time(at).map_err(which)?;
            let (ty, id) = entity_key(&entity).map_err(which)?;
            let size = serde_json::to_vec(&entity).map_or(usize::MAX, |s| s.len());
            if size > MAX_ENTITY_BYTES {
                return Err(which(Error::invalid_input("entity too large for the outbox")));
            }
            let after = next_seq.checked_add(1).filter(|s| *s <= MAX_SEQ).ok_or_else(|| which(Error::invalid_input("outbox sequence numbers used up")))?;
            let key = (ty, id);
            if let Some(&i) = latest.get(&key) {
                if ops[i].as_ref().is_some_and(|o| o.state != OpState::Sending) {
                    ops[i] = None;
                    live -= 1;
                }
            }
            if live >= MAX_OPS {
                return Err(which(Error::invalid_input("outbox full: too many changes waiting")));
            }
            let seq = next_seq;
            next_seq = after;
            latest.insert(key.clone(), ops.len());
            let op = PendingOp::queued(seq, key.0, key.1, entity, now);
            ids.push(op.op_id.clone());
            ops.push(Some(op));
            live += 1;
        }
        self.ops = ops.into_iter().flatten().collect();
        self.next_seq = next_seq;
        Ok(ids)
    }
}

/// An op claimed by `claim`, with the ops of the same claim it must follow
/// (`after`: its parent entities' ops, claimed before it): when one of
/// those is not confirmed, it is not sent either.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub op: PendingOp,
    pub after: Vec<String>,
}

impl OutboxState {
    /// Claim up to `max` ops to send in turn, each marked in flight as
    /// `mark_sending` would: the oldest op of each entity that is ready, in
    /// the queue's order, as a one-at-a-time sender would send them. An op
    /// whose parent entity has an op claimed before it comes with that op in
    /// `after` (one waiting for a parent not claimed is left, as `due` does).
    /// The sender records each answer as it comes (`ack_sent`) instead of
    /// rewriting the queue per op: a drain costs O(n), not O(n²).
    pub fn claim(&mut self, now: i64, max: usize) -> Result<Vec<Claimed>, Error> {
        let now = check_time(now)?;
        if self.hold_until.is_some_and(|h| h > now) {
            return Ok(Vec::new());
        }
        let mut claimed = vec![false; self.ops.len()];
        let mut picked: Vec<(usize, Vec<String>)> = Vec::new();
        {
            let index = EntityIndex::new(&self.ops);
            let heads = index.heads();
            for (i, op) in self.ops.iter().enumerate() {
                if picked.len() >= max {
                    break;
                }
                if !heads[i] || !self.ready(op, now) {
                    continue;
                }
                let rank = type_rank(&op.entity_type);
                let mut after = Vec::new();
                let mut blocked = false;
                for (ty, id) in parents(&op.entity) {
                    if type_rank(ty) >= rank {
                        continue;
                    }
                    // The parent's one op claimed here (sent first), or ops still waiting.
                    match index.oldest((ty, id)) {
                        Some((p, true)) if claimed[p] => after.push(self.ops[p].op_id.clone()),
                        Some(_) => blocked = true,
                        None => {}
                    }
                }
                if blocked {
                    continue;
                }
                claimed[i] = true;
                picked.push((i, after));
            }
        }
        let mut out = Vec::with_capacity(picked.len());
        for (i, after) in picked {
            let op = &mut self.ops[i];
            op.state = OpState::Sending;
            op.sending_since = Some(now);
            out.push(Claimed { op: op.clone(), after });
        }
        Ok(out)
    }

    /// The server confirmed these sends (`(op id, the entity sent)`): each op
    /// that still carries the entity sent is removed, as `ack` would; an op
    /// that is gone, or carries another body, is left as it is (a newer
    /// write must still be sent). Each is found by its sequence number (the
    /// ops are in its order); returns how many were removed.
    pub fn ack_sent(&mut self, sent: &[(String, Value)]) -> usize {
        let mut gone = vec![false; self.ops.len()];
        let mut removed = 0;
        for (id, entity) in sent {
            let Some(seq) = id.strip_prefix("op-").and_then(|n| n.parse::<u64>().ok()) else { continue };
            if let Ok(i) = self.ops.binary_search_by(|o| o.seq.cmp(&seq)) {
                if !gone[i] && self.ops[i].op_id == *id && self.ops[i].entity == *entity {
                    gone[i] = true;
                    removed += 1;
                }
            }
        }
        if removed > 0 {
            let mut i = 0;
            self.ops.retain(|_| {
                i += 1;
                !gone[i - 1]
            });
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: &str, end: Option<&str>) -> Value {
        json!({"type": "TimedTaskRecord", "id": id, "time_end": end})
    }

    #[test]
    fn claim_marks_what_is_due_in_flight_and_ack_sent_removes_what_was_sent() {
        let mut s = OutboxState::new();
        s.enqueue(entry("a", None), 0).unwrap();
        s.enqueue(entry("b", None), 0).unwrap();
        s.enqueue(entry("c", None), 0).unwrap();
        let claimed = s.claim(10, 2).unwrap();
        let ids: Vec<&str> = claimed.iter().map(|c| c.op.entity_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(claimed.iter().all(|c| c.op.state == OpState::Sending && c.after.is_empty()));
        assert_eq!(s.pending().iter().filter(|o| o.state == OpState::Sending).count(), 2);
        // A write of `a` made while it is in flight waits behind it.
        s.enqueue(entry("a", Some("x")), 11).unwrap();
        assert_eq!(s.size(), 4);
        let removed = s.ack_sent(&[(claimed[0].op.op_id.clone(), entry("a", None)), (claimed[1].op.op_id.clone(), entry("b", None))]);
        assert_eq!(removed, 2);
        let left: Vec<(&str, &Value)> = s.pending().iter().map(|o| (o.entity_id.as_str(), &o.entity)).collect();
        assert_eq!(left, [("c", &entry("c", None)), ("a", &entry("a", Some("x")))]);
    }

    #[test]
    fn ack_sent_leaves_an_op_whose_body_changed_and_ignores_unknown_ids() {
        let mut s = OutboxState::new();
        let a = s.enqueue(entry("a", None), 0).unwrap();
        // Not the body sent: kept (its newer body must still be sent).
        assert_eq!(s.ack_sent(&[(a.clone(), entry("a", Some("y")))]), 0);
        assert_eq!(s.ack_sent(&[("op-99".into(), entry("a", None))]), 0);
        assert_eq!(s.size(), 1);
        assert_eq!(s.ack_sent(&[(a, entry("a", None))]), 1);
        assert_eq!(s.size(), 0);
    }

    #[test]
    fn claim_after_requeue_offers_the_unsent_again() {
        let mut s = OutboxState::new();
        s.enqueue(entry("a", None), 0).unwrap();
        s.enqueue(entry("b", None), 0).unwrap();
        let claimed = s.claim(5, 10).unwrap();
        assert_eq!(claimed.len(), 2);
        assert!(s.claim(6, 10).unwrap().is_empty(), "nothing more is due while both are in flight");
        s.requeue_in_flight();
        assert_eq!(s.claim(7, 10).unwrap().len(), 2);
    }

    #[test]
    fn claim_keeps_the_queue_order_and_names_the_parent_a_child_follows() {
        let mut s = OutboxState::new();
        let p1 = s.enqueue(json!({"type": "Project", "id": "p1", "name": "P1"}), 0).unwrap();
        let t1 = s.enqueue(json!({"type": "TimedTask", "id": "t1", "project_id": "p1", "name": "T1"}), 0).unwrap();
        s.enqueue(json!({"type": "Project", "id": "p2", "name": "P2"}), 0).unwrap();
        s.enqueue(json!({"type": "TimedTaskRecord", "id": "e1", "task_id": "t1"}), 0).unwrap();
        // A child of a parent backing off is not claimed.
        s.enqueue(json!({"type": "Project", "id": "p3", "name": "P3"}), 0).unwrap();
        s.enqueue(json!({"type": "TimedTask", "id": "t3", "project_id": "p3", "name": "T3"}), 0).unwrap();
        let p3 = s.pending()[4].op_id.clone();
        s.mark_sending(&p3, 0).unwrap();
        s.fail(&p3, &Failure::new("server", None), 0, 1.0).unwrap();
        let claimed = s.claim(1, 100).unwrap();
        let got: Vec<(&str, Vec<&str>)> = claimed.iter().map(|c| (c.op.entity_id.as_str(), c.after.iter().map(String::as_str).collect())).collect();
        assert_eq!(got, [("p1", vec![]), ("t1", vec![p1.as_str()]), ("p2", vec![]), ("e1", vec![t1.as_str()])]);
        assert_eq!(s.claim(1, 100).unwrap().len(), 0, "what was claimed is in flight");
    }

    #[test]
    fn claim_stops_at_max_and_honours_a_hold() {
        let mut s = OutboxState::new();
        for i in 0..5 {
            s.enqueue(entry(&format!("e{i}"), None), 0).unwrap();
        }
        assert_eq!(s.claim(1, 3).unwrap().len(), 3);
        assert_eq!(s.claim(1, 3).unwrap().len(), 2);
        s.requeue_in_flight();
        let op = s.pending()[0].op_id.clone();
        s.fail(&op, &Failure::new("rate_limited", Some(60)), 1, 1.0).unwrap();
        assert!(s.claim(2, 10).unwrap().is_empty(), "a Retry-After holds the queue");
    }
}
