//! Lookups for one evaluation, memoized: each Queue get, the Queue list and
//! the PodGroup list are asked of the [`Cluster`] at most once per request,
//! and only when a rule that needs them runs. Failures become rejections
//! naming the lookup (fail closed).

use std::collections::BTreeMap;

use crate::cluster::{release, Cluster, LookupError, PODGROUP, QUEUE};
use crate::verdict::{Rejection, RuleId};
use crate::volcano::view::{self, QueueView, PODGROUP_LIST_FIELDS, QUEUE_FIELDS};

/// Client-go's not-found text for a Queue.
pub fn not_found(name: &str) -> String {
    format!("queue.scheduling.volcano.sh \"{name}\" not found")
}

/// The lookups of one request.
pub struct Lookups<'c> {
    cluster: &'c mut dyn Cluster,
    gets: BTreeMap<String, Option<QueueView>>,
    all: Option<Vec<QueueView>>,
}

fn fail(rule: RuleId, e: LookupError) -> Rejection {
    Rejection {
        rule,
        message: e.to_string(),
    }
}

impl<'c> Lookups<'c> {
    pub fn new(cluster: &'c mut dyn Cluster) -> Self {
        Lookups {
            cluster,
            gets: BTreeMap::new(),
            all: None,
        }
    }

    /// The Queue `name`, `None` when it does not exist.
    pub fn queue(&mut self, rule: RuleId, name: &str) -> Result<Option<QueueView>, Rejection> {
        if let Some(all) = &self.all {
            return Ok(all.iter().find(|q| q.name == name).cloned());
        }
        if let Some(hit) = self.gets.get(name) {
            return Ok(hit.clone());
        }
        let found = if name.is_empty() {
            None // no object has an empty name; nothing to ask
        } else {
            match self.cluster.get(&QUEUE, None, name, QUEUE_FIELDS) {
                Ok(None) => None,
                Ok(Some(bytes)) => Some(QueueView::from_slice(&bytes).map_err(|e| {
                    fail(
                        rule,
                        LookupError::get(&QUEUE, None, name, format!("undecodable answer: {e}")),
                    )
                })?),
                Err(e) => return Err(fail(rule, e)),
            }
        };
        self.gets.insert(name.to_string(), found.clone());
        Ok(found)
    }

    /// Every Queue, sorted by name.
    pub fn all_queues(&mut self, rule: RuleId) -> Result<&[QueueView], Rejection> {
        if self.all.is_none() {
            let bytes = self
                .cluster
                .list(&QUEUE, None, QUEUE_FIELDS)
                .map_err(|e| fail(rule, e))?;
            let mut all = view::decode_queue_list(&bytes).map_err(|e| {
                fail(
                    rule,
                    LookupError::list(&QUEUE, None, format!("undecodable answer: {e}")),
                )
            })?;
            // Queue names are unique (cluster-scoped), so an unstable sort
            // orders them the same; it is 1.4 KB of module smaller.
            all.sort_unstable_by(|a, b| a.name.cmp(&b.name));
            self.all = Some(all);
        }
        Ok(self.all.as_deref().unwrap_or_default())
    }

    /// The Queues whose `spec.parent` is literally `parent`, by name
    /// (Volcano's `GetQueuesByParent`).
    pub fn children(&mut self, rule: RuleId, parent: &str) -> Result<Vec<QueueView>, Rejection> {
        Ok(self
            .all_queues(rule)?
            .iter()
            .filter(|q| q.parent == parent)
            .cloned()
            .collect())
    }

    /// Drops `value`, or leaves it undropped when the request's memory is
    /// reclaimed in bulk ([`Cluster::reclaims_in_bulk`]): for the request's
    /// own views, done with on the way to an accept.
    pub fn release<T>(&self, value: T) {
        release(&*self.cluster, value);
    }

    /// How many PodGroups, in any namespace and phase, have `spec.queue == queue`.
    pub fn podgroups_in_queue(&mut self, rule: RuleId, queue: &str) -> Result<usize, Rejection> {
        let bytes = self
            .cluster
            .list(&PODGROUP, None, PODGROUP_LIST_FIELDS)
            .map_err(|e| fail(rule, e))?;
        view::count_podgroups_in_queue(&bytes, queue).map_err(|e| {
            fail(
                rule,
                LookupError::list(&PODGROUP, None, format!("undecodable answer: {e}")),
            )
        })
    }
}

impl Drop for Lookups<'_> {
    fn drop(&mut self) {
        release(&*self.cluster, std::mem::take(&mut self.gets));
        release(&*self.cluster, self.all.take());
    }
}
