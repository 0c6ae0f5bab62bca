//! Values kept while what they were computed from stays where it was, in this process or any
//! other writing the same database: the database's audit head (`MAX(audit_id)`: every write
//! appends an audit row — steps, organisations, plans, members, grants) for the organisation
//! pickers' outlines; an organisation's subtree stamp ([`ketnap_store::stamps`]: moved on by
//! every write into the subtree, or of the tree) for the dashboard's figures, the reports, the
//! alert lists and the plans page's forecast, so that a write elsewhere in a busy database
//! leaves them kept. A page pays one index read instead of recomputing.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// A map whose entries hold while the head (or stamp) they were computed at is the current one.
pub struct HeadCache<K, V, H = i64> {
    map: Mutex<HashMap<K, (H, V)>>,
    cap: usize,
    computing: [tokio::sync::Mutex<()>; STRIPES],
}

/// Stripes of [`HeadCache::computing`].
const STRIPES: usize = 16;

impl<K: Eq + Hash, V: Clone, H: Eq> HeadCache<K, V, H> {
    /// At most `cap` entries at once (beyond, the cache starts again).
    pub fn new(cap: usize) -> Self {
        HeadCache {
            map: Mutex::new(HashMap::new()),
            cap,
            computing: std::array::from_fn(|_| tokio::sync::Mutex::new(())),
        }
    }

    /// The value kept for `key` at `head`; else the lock of the stripe of `org_id`'s
    /// computations, with the value a request computed while this one waited for it (`None`:
    /// compute it while holding the lock, then [`HeadCache::put`] it). Requests that miss
    /// together wait for the first instead of all computing the same view at once (a province's
    /// year report, 16 at a time on 2 cores: seconds each).
    pub async fn get_or_lock(
        &self,
        key: &K,
        head: H,
        org_id: i64,
    ) -> (Option<V>, Option<tokio::sync::MutexGuard<'_, ()>>)
    where
        H: Copy,
    {
        if let Some(v) = self.get(key, head) {
            return (Some(v), None);
        }
        let i = usize::try_from(org_id.rem_euclid(STRIPES as i64)).unwrap_or(0);
        let computing = self.computing[i].lock().await;
        match self.get(key, head) {
            Some(v) => (Some(v), None),
            None => (None, Some(computing)),
        }
    }

    /// The value kept for `key` if it was computed at `head`.
    pub fn get(&self, key: &K, head: H) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| *at == head)
            .map(|(_, v)| v.clone())
    }

    /// Keep `value` for `key`, computed at `head`.
    pub fn put(&self, key: K, head: H, value: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= self.cap {
                map.clear();
            }
            map.insert(key, (head, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_holds_only_at_the_head_it_was_computed_at() {
        let cache: HeadCache<&str, u32> = HeadCache::new(2);
        cache.put("a", 7, 1);
        assert_eq!(cache.get(&"a", 7), Some(1));
        // A write appended an audit row: the head moved, the value is gone.
        assert_eq!(cache.get(&"a", 8), None);
        assert_eq!(cache.get(&"b", 7), None);
        cache.put("a", 8, 2);
        assert_eq!(cache.get(&"a", 8), Some(2));
        // Beyond its size the cache starts again rather than grow.
        cache.put("b", 8, 3);
        cache.put("c", 8, 4);
        assert_eq!(cache.get(&"a", 8), None);
        assert_eq!(cache.get(&"c", 8), Some(4));
    }
}
