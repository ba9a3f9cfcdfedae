//! Which entities have ops queued, and which op is each one's oldest.

use super::{parents, type_rank, PendingOp};

/// Each op's entity, sorted once: which entities have ops, how many, and
/// which op is each entity's oldest.  (A sorted list rather than hash sets:
/// one sort keeps the hashing machinery out of the WebAssembly module.)
pub(super) struct EntityIndex<'a> {
    /// `(entity key, op index)`, sorted: an entity's ops are adjacent, oldest first.
    sorted: Vec<((&'a str, &'a str), usize)>,
}

impl<'a> EntityIndex<'a> {
    pub(super) fn new(ops: &'a [PendingOp]) -> Self {
        let mut sorted: Vec<_> = ops.iter().map(PendingOp::key).zip(0..).collect();
        sorted.sort_unstable();
        EntityIndex { sorted }
    }

    pub(super) fn has_ops(&self, key: (&str, &str)) -> bool {
        self.sorted.binary_search_by(|(k, _)| k.cmp(&key)).is_ok()
    }

    /// The index of the entity's oldest op, if it has any, and whether it is its only one.
    pub(super) fn oldest(&self, key: (&str, &str)) -> Option<(usize, bool)> {
        let at = self.sorted.partition_point(|(k, _)| *k < key);
        let only = self.sorted.get(at + 1).is_none_or(|(k, _)| *k != key);
        self.sorted.get(at).filter(|(k, _)| *k == key).map(|(_, i)| (*i, only))
    }

    /// For each op (by index): is it the oldest op of its entity?
    pub(super) fn heads(&self) -> Vec<bool> {
        let mut head = vec![false; self.sorted.len()];
        let mut prev = None;
        for (key, i) in &self.sorted {
            if prev != Some(key) {
                head[*i] = true;
            }
            prev = Some(key);
        }
        head
    }

    pub(super) fn most_ops_per_entity(&self) -> usize {
        self.sorted.chunk_by(|a, b| a.0 == b.0).map(<[_]>::len).max().unwrap_or(0)
    }

    /// Is this op waiting for a parent entity that still has an op queued?
    pub(super) fn waits_for_parent(&self, op: &PendingOp) -> bool {
        let rank = type_rank(&op.entity_type);
        parents(&op.entity).into_iter().any(|(ty, id)| type_rank(ty) < rank && self.has_ops((ty, id)))
    }
}
