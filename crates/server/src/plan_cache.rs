//! Each plan revision's settings and steps, read and parsed once (issue 21: every page read and
//! parsed every plan's steps again, about 24 kB of JSON a revision, and a caseload 200 of them).
//! A revision never changes once written (the store only adds them), so what was read of one
//! stays true; pages read which revisions a plan has (`Store::active_plan_heads`) and only the
//! bodies not known yet. Bounded: past `CAPACITY` revisions, everything is forgotten and read
//! again as needed. A person's revisions are forgotten here when their account is deleted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use taper_store::{RevisionId, UserId};

use crate::timeline::Rev;

/// Revisions kept at most: a clinic's caseload of a thousand people with a plan or two each,
/// at tens of kilobytes a parsed revision.
pub const CAPACITY: usize = 4096;

/// The revisions read, by id, each with its owner.
pub type Plans = Known<Rev>;

pub struct Known<T> {
    known: Mutex<HashMap<RevisionId, (UserId, Arc<T>)>>,
}

impl<T> Default for Known<T> {
    fn default() -> Self {
        Known { known: Mutex::new(HashMap::new()) }
    }
}

impl<T> Known<T> {
    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<RevisionId, (UserId, Arc<T>)>> {
        // A panic elsewhere while holding the lock leaves a map that is still whole.
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The revision `id`, if it was read before.
    pub fn get(&self, id: RevisionId) -> Option<Arc<T>> {
        self.known().get(&id).map(|(_, r)| Arc::clone(r))
    }

    /// Keeps revision `id` of `owner`'s.
    pub fn keep(&self, owner: UserId, id: RevisionId, rev: Arc<T>) {
        let mut known = self.known();
        if known.len() >= CAPACITY && !known.contains_key(&id) {
            known.clear();
        }
        known.insert(id, (owner, rev));
    }

    /// Forgets every revision of `owner`'s (their account is deleted).
    pub fn forget(&self, owner: UserId) {
        self.known().retain(|_, (o, _)| *o != owner);
    }

    /// How many revisions are known.
    pub fn len(&self) -> usize {
        self.known().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{CAPACITY, Known};
    use taper_store::{RevisionId, UserId};

    fn id<T: From<uuid::Uuid>>() -> T {
        T::from(uuid::Uuid::now_v7())
    }

    #[test]
    fn a_deleted_account_is_forgotten_and_the_cache_stays_bounded() {
        let known: Known<String> = Known::default();
        let (ann, bo): (UserId, UserId) = (id(), id());
        let (a, b): (RevisionId, RevisionId) = (id(), id());
        known.keep(ann, a, Arc::new("ann's plan".into()));
        known.keep(bo, b, Arc::new("bo's plan".into()));
        assert_eq!(known.get(a).as_deref().map(String::as_str), Some("ann's plan"));
        known.forget(ann);
        assert!(known.get(a).is_none(), "a deleted account's plan is not kept");
        assert_eq!(known.get(b).as_deref().map(String::as_str), Some("bo's plan"));
        for _ in 0..CAPACITY * 2 {
            known.keep(bo, id(), Arc::new(String::new()));
            assert!(known.len() <= CAPACITY);
        }
    }
}
