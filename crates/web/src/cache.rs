//! Values kept while the database's audit head (`MAX(audit_id)`) stays where it was: every
//! write appends an audit row (steps, organisations, plans, members, grants), so an unchanged
//! head means unchanged data, in this process or any other writing the same database. A page
//! pays one index read for the head instead of recomputing. Used by the organisation pickers'
//! outlines and the plans page's forecast.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// A map whose entries hold while the audit head they were computed at is the current one.
pub struct HeadCache<K, V> {
    map: Mutex<HashMap<K, (i64, V)>>,
    cap: usize,
}

impl<K: Eq + Hash, V: Clone> HeadCache<K, V> {
    /// At most `cap` entries at once (beyond, the cache starts again).
    pub fn new(cap: usize) -> Self {
        HeadCache {
            map: Mutex::new(HashMap::new()),
            cap,
        }
    }

    /// The value kept for `key` if it was computed at `head`.
    pub fn get(&self, key: &K, head: i64) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| *at == head)
            .map(|(_, v)| v.clone())
    }

    /// Keep `value` for `key`, computed at `head`.
    pub fn put(&self, key: K, head: i64, value: V) {
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
