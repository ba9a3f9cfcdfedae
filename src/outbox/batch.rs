//! Many writes recorded at once (the extension's journal of writes made
//! while nothing was sent, folded into the queue in one pass): the same
//! result as `enqueue` called for each in turn, in time that grows with the
//! queue plus the writes, not with their product.

use std::collections::BTreeMap;

use serde_json::Value;

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
