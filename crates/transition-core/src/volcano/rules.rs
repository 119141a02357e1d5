//! Every Volcano Queue rule of the catalog as a pure function over the typed
//! views. Single-object rules take views only; context-aware rules take
//! [`Lookups`] and ask for what they need when they run.
//!
//! Rule ids and texts: `shared/docs/volcano-queue-rules.md` §2–§6.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::quantity::Quantity;
use crate::settings::Settings;
use crate::verdict::{Rejection, RuleId};
use crate::volcano::go_quote::go_quote;
use crate::volcano::lookup::{not_found, Lookups};
use crate::volcano::resource::{format_with_type, is_extended_resource_name, SchedResource};
use crate::volcano::state::{self, QueueLifecycle, QueueState, Refusal};
use crate::volcano::view::{same_resources, QueueRefView, QueueView};
use crate::volcano::weight::{self, Weight};

/// Result of one rule: `Err` carries the rejection.
pub type RuleResult = Result<(), Rejection>;

fn reject(rule: RuleId, message: impl Into<String>) -> RuleResult {
    Err(Rejection {
        rule,
        message: message.into(),
    })
}

fn is_top(parent: &str) -> bool {
    parent.is_empty() || parent == "root"
}

/// Go `field.ErrorList.ToAggregate().Error()`: duplicates dropped, one error
/// as its text, several as `[e1, e2]`.
pub fn aggregate(errs: &[String]) -> Option<String> {
    // A handful of field errors: a linear scan keeps order and needs no set.
    let mut uniq: Vec<&String> = Vec::with_capacity(errs.len());
    for e in errs {
        if !uniq.contains(&e) {
            uniq.push(e);
        }
    }
    match uniq.len() {
        0 => None,
        1 => Some(uniq[0].clone()),
        _ => Some(format!(
            "[{}]",
            uniq.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

// ---- W1 -----------------------------------------------------------------------------------------

/// W1: `spec.weight`, when present, within the CRD bounds [1, 65535].
pub fn w1_weight(q: &QueueView) -> RuleResult {
    match q.weight {
        Some(n) if n < 1 => reject(
            "W1",
            format!(
                "spec.weight: Invalid value: {n}: spec.weight in body should be greater than or equal to 1"
            ),
        ),
        Some(n) if n > 65535 => reject(
            "W1",
            format!(
                "spec.weight: Invalid value: {n}: spec.weight in body should be less than or equal to 65535"
            ),
        ),
        _ => Ok(()),
    }
}

// ---- F1 -----------------------------------------------------------------------------------------

/// `spec` without its quantity lists, with absent/null as `{}`.
///
/// Built by copying what is kept, not by removing from a clone: map removal
/// (`remove`, `retain`) and its node rebalancing would cost the module
/// several KB for this one use.
fn spec_rest(obj: &Value) -> Value {
    let mut rest = serde_json::Map::new();
    let Some(spec) = obj.get("spec") else {
        return Value::Object(rest);
    };
    let Some(fields) = spec.as_object() else {
        // not an object (null reads as `{}`): kept as it is for the comparison
        return if spec.is_null() {
            Value::Object(rest)
        } else {
            spec.clone()
        };
    };
    for (k, v) in fields {
        if v.is_null() || k == "capability" || k == "deserved" {
            continue;
        }
        if k == "guarantee" {
            if let Some(g) = v.as_object() {
                let mut kept = serde_json::Map::new();
                for (gk, gv) in g {
                    if gk != "resource" {
                        kept.insert(gk.clone(), gv.clone());
                    }
                }
                if !kept.is_empty() {
                    rest.insert(k.clone(), Value::Object(kept));
                }
                continue;
            }
        }
        rest.insert(k.clone(), v.clone());
    }
    Value::Object(rest)
}

/// F1: while the stored queue is Closing, `spec` (quantities by value) and the
/// hierarchy annotations are frozen. `new_obj`/`old_obj` are the raw objects.
pub fn f1_closing_freeze(new: &QueueView, old: &QueueView, new_obj: &Value, old_obj: &Value) -> RuleResult {
    if old.state != QueueState::Closing.as_str() {
        return Ok(());
    }
    let changed = spec_rest(new_obj) != spec_rest(old_obj)
        || !same_resources(&new.capability, &old.capability)
        || !same_resources(&new.deserved, &old.deserved)
        || !same_resources(&new.guarantee, &old.guarantee)
        || new.hierarchy != old.hierarchy
        || new.hierarchy_weights != old.hierarchy_weights;
    if changed {
        let name = if new.name.is_empty() { &old.name } else { &new.name };
        return reject(
            "F1",
            format!("queue `{name}` is Closing: spec changes are not allowed until it is Closed or reopened"),
        );
    }
    Ok(())
}

// ---- V1 -----------------------------------------------------------------------------------------

/// Integer-valued resource names (`helper.IsIntegerResourceName`).
fn is_integer_resource(name: &str) -> bool {
    matches!(
        name,
        "pods"
            | "services"
            | "replicationcontrollers"
            | "resourcequotas"
            | "secrets"
            | "configmaps"
            | "persistentvolumeclaims"
            | "services.nodeports"
            | "services.loadbalancers"
    ) || is_extended_resource_name(name)
}

/// `ValidateResourceQuantityValue`: non-negative, and whole for integer resources.
/// `field` is the path up to the resource name (`requestBody.spec.capability`).
fn quantity_value_errors(field: &str, name: &str, q: &Quantity, out: &mut Vec<String>) {
    if q.is_negative() {
        out.push(format!(
            "{field}.{name}: Invalid value: \"{q}\": must be greater than or equal to 0"
        ));
    }
    if is_integer_resource(name) && q.milli_value() % 1000 != 0 {
        out.push(format!(
            "{field}.{name}: Invalid value: \"{q}\": must be an integer"
        ));
    }
}

/// V1: quantities non-negative; guarantee ≤ deserved ≤ capability per resource.
/// Errors in Volcano's order (capability, deserved, guarantee, deserved vs
/// capability), resources by name.
pub fn v1_quantities(q: &QueueView) -> Vec<String> {
    let mut errs = Vec::new();
    let base = "requestBody.spec";
    for (r, v) in &q.capability {
        quantity_value_errors("requestBody.spec.capability", r, v, &mut errs);
    }
    for (r, v) in &q.deserved {
        quantity_value_errors("requestBody.spec.deserved", r, v, &mut errs);
    }
    for (r, g) in &q.guarantee {
        quantity_value_errors("requestBody.spec.guarantee.resource", r, g, &mut errs);
        match q.deserved.get(r) {
            None => errs.push(format!(
                "{base}.deserved.{r}: Invalid value: \"<nil>\": deserved[{r}] must be >= guarantee[{r}]={g}"
            )),
            Some(d) if d < g => errs.push(format!(
                "{base}.deserved.{r}: Invalid value: \"{d}\": deserved[{r}]={d} must be >= guarantee[{r}]={g}"
            )),
            Some(_) => {}
        }
    }
    for (r, d) in &q.deserved {
        if let Some(c) = q.capability.get(r) {
            if d > c {
                errs.push(format!(
                    "{base}.deserved.{r}: Invalid value: \"{d}\": deserved[{r}]={d} must be <= capability[{r}]={c}"
                ));
            }
        }
    }
    errs
}

// ---- V2 -----------------------------------------------------------------------------------------

/// V2: the state a main-resource write may carry (`status.state`): empty,
/// `Open` or `Closed`.
pub fn v2_state(state: &str) -> Option<String> {
    match state {
        "" | "Open" | "Closed" => None,
        other => Some(format!(
            "requestBody.spec.state: Invalid value: {}: queue state must be in [Open Closed]",
            go_quote(other)
        )),
    }
}

// ---- V3 -----------------------------------------------------------------------------------------

const ANN_PATH: &str = "requestBody.metadata.annotations";

/// V3, single-object part: hierarchy and weights of equal length, weights
/// positive numbers. `None` when the annotations are absent or valid.
pub fn v3_annotations(q: &QueueView) -> Option<String> {
    let (h, ws) = (&q.hierarchy, &q.hierarchy_weights);
    if h.is_empty() && ws.is_empty() {
        return None;
    }
    let paths = h.split('/').count();
    let weights: Vec<&str> = ws.split('/').collect();
    if paths != weights.len() {
        return Some(format!(
            "{ANN_PATH}: Invalid value: {}: volcano.sh/hierarchy must have the same length with volcano.sh/hierarchy-weights",
            go_quote(h)
        ));
    }
    for w in weights {
        let problem = match weight::classify(w) {
            Weight::Positive => continue,
            Weight::NotPositive => "must be larger than 0".to_string(),
            Weight::Syntax => format!(
                "is invalid number: strconv.ParseFloat: parsing {}: invalid syntax",
                go_quote(w)
            ),
            Weight::Range => format!(
                "is invalid number: strconv.ParseFloat: parsing {}: value out of range",
                go_quote(w)
            ),
        };
        return Some(format!(
            "{ANN_PATH}: Invalid value: {}: {w} in the {ws} {problem}",
            go_quote(ws)
        ));
    }
    None
}

/// V3, context part (lists all Queues): no other queue's hierarchy may lie
/// below this one's (`<h>/` prefix). Runs only with a non-empty annotation.
pub fn v3_sub_path(q: &QueueView, lk: &mut Lookups) -> Result<Option<String>, Rejection> {
    if q.hierarchy.is_empty() && q.hierarchy_weights.is_empty() {
        return Ok(None);
    }
    let prefix = format!("{}/", q.hierarchy);
    let h = &q.hierarchy;
    Ok(lk
        .all_queues("V3")?
        .iter()
        .find(|o| !o.hierarchy.is_empty() && o.name != q.name && o.hierarchy.starts_with(&prefix))
        .map(|o| {
            format!(
                "{ANN_PATH}: Invalid value: {}: {h} is not allowed to be in the sub path of {} of queue {}",
                go_quote(h),
                o.hierarchy,
                o.name
            )
        }))
}

// ---- V4 -----------------------------------------------------------------------------------------

/// V4: parent is not itself, depth within `maxQueueDepth`, parent exists,
/// and a first child may not join a parent with allocated pods.
pub fn v4_parent(q: &QueueView, settings: &Settings, lk: &mut Lookups) -> RuleResult {
    let name = &q.name;
    if is_top(&q.parent) {
        return Ok(());
    }
    if q.parent == *name {
        return reject("V4", format!("queue {name} cannot use itself as parent"));
    }
    let mut depth: u64 = 1;
    let mut p = q.parent.clone();
    while !is_top(&p) {
        depth += 1;
        if depth > settings.max_queue_depth as u64 {
            return reject(
                "V4",
                format!(
                    "queue {name} exceeds the maximum allowed depth of {}",
                    settings.max_queue_depth
                ),
            );
        }
        match lk.queue("V4", &p)? {
            None => {
                return reject(
                    "V4",
                    format!(
                        "failed to get parent queue {p} of queue {name}: {}",
                        not_found(&p)
                    ),
                )
            }
            Some(a) => p = a.parent,
        }
    }
    let Some(parent) = lk.queue("V4", &q.parent)? else {
        return reject(
            "V4",
            format!(
                "failed to get parent queue of queue {name}: {}",
                not_found(&q.parent)
            ),
        );
    };
    if lk.children("V4", &parent.name)?.is_empty() {
        if let Some(pods) = parent.allocated_pods_nonzero() {
            return reject(
                "V4",
                format!(
                    "queue {} cannot be the parent queue of queue {name} because it has allocated Pods: {}",
                    parent.name,
                    pods.value()
                ),
            );
        }
    }
    Ok(())
}

// ---- V5 -----------------------------------------------------------------------------------------

/// V5: with root protection on, an UPDATE of `root` keeps its quotas.
pub fn v5_root_protection(new: &QueueView, old: &QueueView, settings: &Settings) -> RuleResult {
    if settings.enable_root_queue_protection
        && new.name == "root"
        && !(same_resources(&new.capability, &old.capability)
            && same_resources(&new.deserved, &old.deserved)
            && same_resources(&new.guarantee, &old.guarantee))
    {
        return reject(
            "V5",
            "root queue's resource attributes (capability, deserved, guarantee) cannot be modified",
        );
    }
    Ok(())
}

// ---- V6 -----------------------------------------------------------------------------------------

/// `needsValidateHierarchicalQueue`: not root, and CREATE or a change of
/// parent or of a quota (by value).
pub fn v6_needed(new: &QueueView, old: Option<&QueueView>) -> bool {
    if new.name == "root" {
        return false;
    }
    match old {
        None => true,
        Some(old) => {
            new.parent != old.parent
                || !same_resources(&new.capability, &old.capability)
                || !same_resources(&new.deserved, &old.deserved)
                || !same_resources(&new.guarantee, &old.guarantee)
        }
    }
}

/// Guard against cycles in stored parent links (Volcano would loop).
const MAX_WALK: usize = 10_000;

fn nearest_ancestor_capability(q: &QueueView, r: &str, lk: &mut Lookups) -> Result<Option<i128>, Rejection> {
    let mut p = q.parent.clone();
    let mut seen = BTreeSet::new();
    while !is_top(&p) && seen.insert(p.clone()) && seen.len() < MAX_WALK {
        let Some(a) = lk.queue("V6", &p)? else {
            return Ok(None);
        };
        if !a.capability.is_empty() {
            let v = SchedResource::from_list(&a.capability).get(r);
            if v > 0 {
                return Ok(Some(v));
            }
        }
        p = a.parent;
    }
    Ok(None)
}

fn subtree_max_capability(
    q: &QueueView,
    r: &str,
    lk: &mut Lookups,
    seen: &mut BTreeSet<String>,
) -> Result<i128, Rejection> {
    let own = SchedResource::from_list(&q.capability).get(r);
    if own > 0 {
        return Ok(own);
    }
    if !seen.insert(q.name.clone()) {
        return Ok(0);
    }
    let mut max = 0;
    for c in lk.children("V6", &q.name)? {
        max = max.max(subtree_max_capability(&c, r, lk, seen)?);
    }
    Ok(max)
}

fn sum_check(who: &str, total: &SchedResource, limit: &SchedResource, what: &str) -> RuleResult {
    if limit.less_partly_zero(total) {
        return reject(
            "V6",
            format!(
                "{who} validation failed: sum of children's {what} ({total}) exceeds parent's {what} limit ({limit})"
            ),
        );
    }
    Ok(())
}

/// Adds each queue's guarantee then deserved, checking after each addition.
fn running_sums<'a>(
    who: &str,
    queues: impl Iterator<Item = &'a QueueView>,
    limit_g: &SchedResource,
    limit_d: &SchedResource,
) -> RuleResult {
    let (mut tg, mut td) = (SchedResource::default(), SchedResource::default());
    for q in queues {
        tg.add(&SchedResource::from_list(&q.guarantee));
        sum_check(who, &tg, limit_g, "guarantee")?;
        td.add(&SchedResource::from_list(&q.deserved));
        sum_check(who, &td, limit_d, "deserved")?;
    }
    Ok(())
}

/// V6: hierarchical quotas — capability within the nearest ancestor's,
/// siblings' sums within the parent's guarantee/deserved, capability above
/// every descendant's, children's sums within this queue's.
pub fn v6_resources(q: &QueueView, lk: &mut Lookups) -> RuleResult {
    if !is_top(&q.parent) {
        let Some(parent) = lk.queue("V6", &q.parent)? else {
            return reject(
                "V6",
                format!("parent queue {} not found: {}", q.parent, not_found(&q.parent)),
            );
        };
        if !q.capability.is_empty() {
            let mine = SchedResource::from_list(&q.capability);
            for r in mine.resource_names() {
                let v = mine.get(&r);
                if let Some(limit) = nearest_ancestor_capability(q, &r, lk)? {
                    if v > limit {
                        return reject(
                            "V6",
                            format!(
                                "queue {} capability[{r}]={} exceeds its ancestor's capability={}",
                                q.name,
                                format_with_type(&r, v),
                                format_with_type(&r, limit)
                            ),
                        );
                    }
                }
            }
        }
        let siblings = lk.children("V6", &q.parent)?;
        let others = siblings.iter().filter(|s| s.name != q.name);
        running_sums(
            &format!("parent queue {}", parent.name),
            others.chain(std::iter::once(q)),
            &SchedResource::from_list(&parent.guarantee),
            &SchedResource::from_list(&parent.deserved),
        )?;
    }
    let children = lk.children("V6", &q.name)?;
    if children.is_empty() {
        return Ok(());
    }
    if !q.capability.is_empty() {
        let mine = SchedResource::from_list(&q.capability);
        for r in mine.resource_names() {
            let v = mine.get(&r);
            let mut max = 0;
            for c in &children {
                let mut seen = BTreeSet::from([q.name.clone()]);
                max = max.max(subtree_max_capability(c, &r, lk, &mut seen)?);
            }
            if v < max {
                return reject(
                    "V6",
                    format!(
                        "queue {} capability[{r}]={} is smaller than its descendants' max capability={}",
                        q.name,
                        format_with_type(&r, v),
                        format_with_type(&r, max)
                    ),
                );
            }
        }
    }
    running_sums(
        &format!("queue {}", q.name),
        children.iter(),
        &SchedResource::from_list(&q.guarantee),
        &SchedResource::from_list(&q.deserved),
    )
}

// ---- D1–D5 --------------------------------------------------------------------------------------

/// D1–D5: deleting `name`. `stored` is the request's `oldObject` when the
/// API server sent one; otherwise the queue is looked up (D3).
pub fn d_delete(name: &str, stored: Option<QueueView>, settings: &Settings, lk: &mut Lookups) -> RuleResult {
    if name == "default" {
        return reject("D1", "`default` queue can not be deleted");
    }
    if name == "root" {
        return reject("D2", "`root` queue can not be deleted");
    }
    let queue = match stored {
        Some(q) => q,
        None => match lk.queue("D3", name)? {
            Some(q) => q,
            None => return reject("D3", not_found(name)),
        },
    };
    let qname = if queue.name.is_empty() { name } else { &queue.name };
    if settings.enable_queue_allocated_pods_check {
        if let Some(pods) = queue.allocated_pods_nonzero() {
            return reject(
                "D4",
                format!(
                    "queue {qname} cannot be deleted because it has allocated Pods: {}",
                    pods.value()
                ),
            );
        }
    }
    let children = lk.children("D5", name)?;
    if !children.is_empty() {
        let names: Vec<&str> = children.iter().map(|c| c.name.as_str()).collect();
        return reject(
            "D5",
            format!(
                "queue {qname} can not be deleted because it has {} child queues: {}",
                names.len(),
                names.join(", ")
            ),
        );
    }
    Ok(())
}

// ---- S1, T1–T6 ----------------------------------------------------------------------------------

/// S1: a status write keeps `status.state` inside the CRD enum; it may be
/// empty only if it was empty.
pub fn s1_status_value(name: &str, new_state: &str, old_state: &str) -> RuleResult {
    if new_state.is_empty() && !old_state.is_empty() {
        return reject(
            "S1",
            format!("queue `{name}` status.state cannot be cleared (was {old_state})"),
        );
    }
    if QueueState::parse(new_state).is_none() {
        return reject(
            "S1",
            format!(
                "queue `{name}` status.state \"{new_state}\" must be one of Open, Closing, Closed, Unknown"
            ),
        );
    }
    Ok(())
}

fn show(s: QueueState) -> String {
    match s {
        QueueState::Unsynced => "\"\"".to_string(),
        s => s.as_str().to_string(),
    }
}

/// T6, T1, T2: transitions the controller's table never makes, for any
/// PodGroup count (derived from [`state::admissible`]), and root never closes.
pub fn t_single(name: &str, old: QueueState, new: QueueState) -> RuleResult {
    if old == new {
        return Ok(());
    }
    if name == "root" && new.is_closing_or_closed() {
        return reject("T6", "root queue cannot be closed");
    }
    if !state::admissible(old, new, 0) && !state::admissible(old, new, 1) {
        return match new {
            QueueState::Closing => reject("T1", format!("queue `{name}` cannot move from Closed to Closing")),
            _ => reject(
                "T2",
                format!("queue `{name}` cannot move from {} to {}", show(old), show(new)),
            ),
        };
    }
    Ok(())
}

/// T3: Closed only when no PodGroup references the queue (lists PodGroups;
/// only when the verdict depends on the count).
pub fn t3_closed_needs_no_podgroups(
    name: &str,
    old: QueueState,
    new: QueueState,
    lk: &mut Lookups,
) -> RuleResult {
    if old == new || state::admissible(old, new, 0) == state::admissible(old, new, 1) {
        return Ok(());
    }
    let n = lk.podgroups_in_queue("T3", name)?;
    if !state::admissible(old, new, n) {
        return reject(
            "T3",
            format!("queue `{name}` still has {n} PodGroup(s); it can only be Closing, not Closed"),
        );
    }
    Ok(())
}

/// T4/T5: a reopen is allowed unless the parent (not ""/root) is Closing or
/// Closed — exactly the controller's `on_open` refusal.
pub fn t5_reopen_under_closed_parent(q: &QueueView, old: QueueState, lk: &mut Lookups) -> RuleResult {
    let new = QueueState::parse(&q.state);
    if new != Some(QueueState::Open)
        || matches!(old, QueueState::Open | QueueState::Unsynced)
        || is_top(&q.parent)
    {
        return Ok(());
    }
    let Some(parent) = lk.queue("T5", &q.parent)? else {
        return reject(
            "T5",
            format!(
                "Failed to get parent queue {} of queue {}: {}",
                q.parent,
                q.name,
                not_found(&q.parent)
            ),
        );
    };
    let lifecycle = QueueLifecycle {
        name: q.name.clone(),
        state: old,
        parent: q.parent.clone(),
        // a parent with a state outside the enum is not Closing/Closed
        parent_state: QueueState::parse(&parent.state),
        closed_by_parent: q.closed_by_parent,
        children: Vec::new(),
    };
    match lifecycle.on_open() {
        Err(e @ Refusal::ParentClosed { .. }) => reject("T5", e.to_string()),
        _ => Ok(()),
    }
}

// ---- P1, J1 -------------------------------------------------------------------------------------

/// P1: a PodGroup may only be created in an existing `Open` queue.
pub fn p1_podgroup_queue(pg: &QueueRefView, lk: &mut Lookups) -> RuleResult {
    if pg.queue.is_empty() {
        return Ok(());
    }
    match lk.queue("P1", &pg.queue)? {
        None => reject("P1", format!("unable to find queue: {}", not_found(&pg.queue))),
        Some(q) if q.state != "Open" => reject(
            "P1",
            format!(
                "can only submit PodGroup to queue with state `Open`, queue `{}` status is `{}`.",
                q.name, q.state
            ),
        ),
        Some(_) => Ok(()),
    }
}

/// J1: a vcjob may only be created in an existing, `Open`, leaf, non-root queue.
pub fn j1_job_queue(job: &QueueRefView, lk: &mut Lookups) -> RuleResult {
    let mut b = String::new();
    match lk.queue("J1", &job.queue)? {
        None => b.push_str(&format!(" unable to find job queue: {};", not_found(&job.queue))),
        Some(q) => {
            if q.state != "Open" {
                b.push_str(&format!(
                    " can only submit job to queue with state `Open`, queue `{}` status is `{}`;",
                    q.name, q.state
                ));
            }
            if q.name == "root" {
                b.push_str(" can not submit job to root queue;");
            } else {
                let n = lk.children("J1", &q.name)?.len();
                if n > 0 {
                    b.push_str(&format!(
                        " can only submit job to leaf queue, queue `{}` has {n} child queues;",
                        q.name
                    ));
                }
            }
        }
    }
    if b.is_empty() {
        Ok(())
    } else {
        reject("J1", b.trim())
    }
}

// ---- M1–M3 --------------------------------------------------------------------------------------

/// M1–M3 on a Queue CREATE: returns the mutated object and the rules that
/// changed it (empty when nothing changed).
pub fn m_defaults(object: &Value, q: &QueueView) -> (Value, Vec<RuleId>) {
    let mut obj = object.clone();
    let mut rules = Vec::new();
    let Some(root) = obj.as_object_mut() else {
        return (obj, rules);
    };
    // M1: prefix the HDRF path and weights with root
    if !q.hierarchy.is_empty() && !q.hierarchy_weights.is_empty() && !q.hierarchy.starts_with("root") {
        if let Some(ann) = root
            .get_mut("metadata")
            .and_then(|m| m.get_mut("annotations"))
            .and_then(Value::as_object_mut)
        {
            ann.insert(
                crate::volcano::view::HIERARCHY.into(),
                Value::String(format!("root/{}", q.hierarchy)),
            );
            ann.insert(
                crate::volcano::view::HIERARCHY_WEIGHTS.into(),
                Value::String(format!("1/{}", q.hierarchy_weights)),
            );
            rules.push("M1");
        }
    }
    let spec = root
        .entry("spec")
        .or_insert_with(|| Value::Object(Default::default()));
    if spec.is_null() {
        *spec = Value::Object(Default::default());
    }
    if let Some(spec) = spec.as_object_mut() {
        // M2: reclaimable defaults to true
        if q.reclaimable.is_none() {
            spec.insert("reclaimable".into(), Value::Bool(true));
            rules.push("M2");
        }
        // M3: weight 0 or absent becomes 1
        if q.weight.unwrap_or(0) == 0 {
            spec.insert("weight".into(), Value::from(1));
            rules.push("M3");
        }
    }
    (obj, rules)
}

#[cfg(test)]
mod tests {
    use super::spec_rest;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// The earlier `spec_rest`, by removal from a clone: the reference the
    /// copying one must agree with.
    fn by_removal(obj: &Value) -> Value {
        let mut spec = obj.get("spec").cloned().unwrap_or(Value::Null);
        if spec.is_null() {
            spec = json!({});
        }
        if let Some(o) = spec.as_object_mut() {
            o.remove("capability");
            o.remove("deserved");
            if let Some(g) = o.get_mut("guarantee").and_then(Value::as_object_mut) {
                g.remove("resource");
            }
            if o.get("guarantee")
                .and_then(Value::as_object)
                .is_some_and(|g| g.is_empty())
            {
                o.remove("guarantee");
            }
            o.retain(|_, v| !v.is_null());
        }
        spec
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            Just(json!("1")),
            Just(json!(3)),
            Just(json!({})),
            Just(json!({"cpu": "1"})),
        ]
    }

    fn map_of(
        keys: &'static [&'static str],
        v: impl Strategy<Value = Value>,
    ) -> impl Strategy<Value = Value> {
        proptest::collection::btree_map(proptest::sample::select(keys), v, 0..4)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
    }

    fn spec() -> impl Strategy<Value = Value> {
        let guarantee = prop_oneof![leaf(), map_of(&["resource", "other"], leaf())];
        prop_oneof![
            leaf(),
            (
                map_of(
                    &["capability", "deserved", "weight", "parent", "reclaimable"],
                    leaf()
                ),
                guarantee,
                any::<bool>()
            )
                .prop_map(|(mut m, g, with_g)| {
                    if with_g {
                        m["guarantee"] = g;
                    }
                    m
                }),
        ]
    }

    proptest! {
        #[test]
        fn spec_rest_agrees_with_removal_from_a_clone(s in spec(), present in any::<bool>()) {
            let obj = if present { json!({"spec": s}) } else { json!({"metadata": {}}) };
            prop_assert_eq!(spec_rest(&obj), by_removal(&obj));
        }
    }

    #[test]
    fn spec_rest_drops_quantities_nulls_and_an_emptied_guarantee() {
        let obj = json!({"spec": {"weight": 2, "capability": {"cpu": "1"}, "parent": null,
                                   "guarantee": {"resource": {"cpu": "1"}}}});
        assert_eq!(spec_rest(&obj), json!({"weight": 2}));
        let obj = json!({"spec": {"guarantee": {"resource": {}, "x": null}}});
        assert_eq!(spec_rest(&obj), json!({"guarantee": {"x": null}}));
        assert_eq!(spec_rest(&json!({"spec": "odd"})), json!("odd"));
        assert_eq!(spec_rest(&json!({})), json!({}));
    }
}
