//! Volcano Queue lifecycle and Volcano's own queue admission rules.
//! Facts and rule ids: `shared/docs/volcano-queue-rules.md`.
//!
//! - [`state`]: the controller's state machine ([`state::next`],
//!   [`state::QueueLifecycle`], [`state::Effect`]), the one source of the
//!   transition rules.
//! - [`view`]: typed views of Queues, PodGroups and vcjobs.
//! - [`resource`]: the scheduler's resource arithmetic used by V6.
//! - [`rules`]: every rule as a pure function.
//! - [`lookup`]: memoized, lazy cluster lookups for one request.
//! - [`weight`]: a hierarchy weight as Go's `ParseFloat` reads it (V3).
//!
//! Entry points (called by [`crate::evaluate`]): [`admit_queue`] (main
//! resource and `status`), [`admit_podgroup`], [`admit_job`].

mod go_print_table;
pub mod go_quote;
pub mod lookup;
pub mod podgroup_scan;
pub mod queue_scan;
pub mod resource;
pub mod rules;
pub mod state;
pub mod view;
pub mod weight;

use serde_json::Value;

use crate::admission::{AdmissionRequest, Operation};
use crate::cluster::Cluster;
use crate::decode::DecodeError;
use crate::settings::Settings;
use crate::verdict::{Rejection, Verdict};
use lookup::Lookups;
use state::QueueState;
use view::{QueueRefView, QueueView};

/// API group of Queues and PodGroups.
pub const SCHEDULING_GROUP: &str = "scheduling.volcano.sh";
/// API group of vcjobs.
pub const BATCH_GROUP: &str = "batch.volcano.sh";

fn decode_err(e: DecodeError) -> Rejection {
    Rejection {
        rule: "decode",
        message: e.to_string(),
    }
}

/// `request.kind.kind` must name the kind of the routed resource.
fn check_kind(req: &AdmissionRequest, expected: &str) -> Result<(), Rejection> {
    if req.kind.kind == expected {
        return Ok(());
    }
    Err(Rejection {
        rule: "kind",
        message: format!(
            "request for resource {} must carry kind {expected}, got kind {:?}",
            req.resource, req.kind.kind
        ),
    })
}

/// A required object (`request.object` on CREATE/UPDATE).
fn required<'a>(v: &'a Value, path: &str) -> Result<&'a Value, Rejection> {
    if v.is_null() {
        return Err(decode_err(DecodeError::Missing { path: path.into() }));
    }
    Ok(v)
}

fn verdict(r: Result<Verdict, Rejection>) -> Verdict {
    r.unwrap_or_else(Verdict::Reject)
}

/// Admission of `queues`: the main resource runs Volcano's `AdmitQueues`
/// pipeline (§2.1, with W1 and F1 first); `queues/status` runs S1 and T1–T6.
pub fn admit_queue(req: &AdmissionRequest, settings: &Settings, cluster: &mut dyn Cluster) -> Verdict {
    verdict((|| {
        check_kind(req, "Queue")?;
        let mut lk = Lookups::new(cluster);
        match req.sub_resource.as_str() {
            "" => queue_main(req, settings, &mut lk),
            "status" => queue_status(req, &mut lk),
            other => Err(Rejection {
                rule: "resource",
                message: format!("transition-guard does not guard subresource queues/{other}"),
            }),
        }
    })())
}

fn queue_main(req: &AdmissionRequest, settings: &Settings, lk: &mut Lookups) -> Result<Verdict, Rejection> {
    match req.operation {
        Operation::Create | Operation::Update => {}
        Operation::Delete => {
            let stored = match &req.old_object {
                Value::Null => None,
                v => Some(QueueView::from_value(v, "request.oldObject").map_err(decode_err)?),
            };
            rules::d_delete(&req.name, stored, settings, lk)?;
            return Ok(Verdict::Accept);
        }
        ref op => {
            return Err(Rejection {
                rule: "op",
                message: format!(
                    "invalid operation `{op}`, expect operation to be `CREATE`, `UPDATE` or `DELETE`"
                ),
            })
        }
    }
    let is_create = req.operation == Operation::Create;
    let submitted = required(&req.object, "request.object")?;
    let q = QueueView::from_value(submitted, "request.object").map_err(decode_err)?;
    // Kubernetes runs mutating admission before validating admission: with
    // mutateQueueDefaults, Volcano's validator judges the defaulted object
    // (weight 0 made 1, the hierarchy prefixed with root), and so do we.
    let mutation = if is_create && settings.mutate_queue_defaults {
        let (object, rules) = rules::m_defaults(submitted, &q);
        (!rules.is_empty()).then_some((object, rules))
    } else {
        None
    };
    let (object, q) = match &mutation {
        Some((mutated, _)) => (
            mutated,
            QueueView::from_value(mutated, "request.object").map_err(decode_err)?,
        ),
        None => (submitted, q),
    };
    let old = if is_create {
        None
    } else {
        let old_object = required(&req.old_object, "request.oldObject")?;
        let old = QueueView::from_value(old_object, "request.oldObject").map_err(decode_err)?;
        // W1 then F1 before Volcano's own checks, so F1's message wins over V2's.
        rules::w1_weight(&q)?;
        rules::f1_closing_freeze(&q, &old, object, old_object)?;
        Some(old)
    };
    if is_create {
        rules::w1_weight(&q)?;
    }

    // V1 + V2 + V3, aggregated as Volcano does: the V3 sub-path list runs
    // whenever the annotations themselves are well formed, even when V1 or
    // V2 already failed, so the denial names every clash Volcano would name.
    let mut errs = rules::v1_quantities(&q);
    errs.extend(rules::v2_state(&q.state));
    match rules::v3_annotations(&q) {
        Some(e) => errs.push(e),
        None => match rules::v3_sub_path(&q, lk) {
            Ok(clash) => errs.extend(clash),
            // A failed list joins the errors already found (Volcano appends
            // its lister error too); alone, it is the denial.
            Err(failed) if !errs.is_empty() => errs.push(failed.message),
            Err(failed) => return Err(failed),
        },
    }
    if let Some(message) = rules::aggregate(&errs) {
        let rule = if !rules::v1_quantities(&q).is_empty() {
            "V1"
        } else if rules::v2_state(&q.state).is_some() {
            "V2"
        } else {
            "V3"
        };
        return Err(Rejection { rule, message });
    }

    if old.as_ref().is_none_or(|o| o.parent != q.parent) {
        rules::v4_parent(&q, settings, lk)?;
    }
    if let Some(old) = &old {
        rules::v5_root_protection(&q, old, settings)?;
    }
    if rules::v6_needed(&q, old.as_ref()) {
        rules::v6_resources(&q, lk)?;
    }
    lk.release((q, old));
    Ok(match mutation {
        Some((object, rules)) => Verdict::Mutate { object, rules },
        None => Verdict::Accept,
    })
}

fn queue_status(req: &AdmissionRequest, lk: &mut Lookups) -> Result<Verdict, Rejection> {
    if req.operation != Operation::Update {
        return Err(Rejection {
            rule: "op",
            message: format!(
                "invalid operation `{}` on queues/status, expect operation to be `UPDATE`",
                req.operation
            ),
        });
    }
    let q = QueueView::status_from_value(required(&req.object, "request.object")?, "request.object")
        .map_err(decode_err)?;
    let old = QueueView::status_from_value(
        required(&req.old_object, "request.oldObject")?,
        "request.oldObject",
    )
    .map_err(decode_err)?;
    let name = if q.name.is_empty() {
        req.name.as_str()
    } else {
        q.name.as_str()
    };
    rules::s1_status_value(name, &q.state, &old.state)?;
    let new_state = QueueState::parse(&q.state).unwrap_or(QueueState::Unknown);
    // An old state outside the enum (written before this policy) may be repaired freely.
    let Some(old_state) = QueueState::parse(&old.state) else {
        return Ok(Verdict::Accept);
    };
    rules::t_single(name, old_state, new_state)?;
    rules::t3_closed_needs_no_podgroups(name, old_state, new_state, lk)?;
    rules::t5_reopen_under_closed_parent(&q, old_state, lk)?;
    lk.release((q, old));
    Ok(Verdict::Accept)
}

/// Admission of `podgroups` (P1): CREATE only, as Volcano's validator.
pub fn admit_podgroup(req: &AdmissionRequest, _settings: &Settings, cluster: &mut dyn Cluster) -> Verdict {
    verdict((|| {
        check_kind(req, "PodGroup")?;
        if req.operation != Operation::Create {
            return Err(Rejection {
                rule: "op",
                message: format!("unsupported operation {}", req.operation),
            });
        }
        let pg = QueueRefView::from_value(required(&req.object, "request.object")?, "request.object")
            .map_err(decode_err)?;
        rules::p1_podgroup_queue(&pg, &mut Lookups::new(cluster))?;
        Ok(Verdict::Accept)
    })())
}

/// Admission of vcjobs (J1): CREATE checks the queue; UPDATE cannot change
/// `spec.queue` (Volcano's `validateJobUpdate`), so it is not re-checked.
pub fn admit_job(req: &AdmissionRequest, _settings: &Settings, cluster: &mut dyn Cluster) -> Verdict {
    verdict((|| {
        check_kind(req, "Job")?;
        match req.operation {
            Operation::Create => {}
            Operation::Update => {
                // Nothing to re-check, but a malformed object is still refused.
                QueueRefView::from_value(required(&req.object, "request.object")?, "request.object")
                    .map_err(decode_err)?;
                return Ok(Verdict::Accept);
            }
            Operation::Delete => return Ok(Verdict::Accept),
            _ => {
                return Err(Rejection {
                    rule: "op",
                    // Volcano's AdmitJobs text, word for word (it does not name the operation).
                    message: "expect operation to be 'CREATE' or 'UPDATE'".to_string(),
                });
            }
        }
        let job = QueueRefView::from_value(required(&req.object, "request.object")?, "request.object")
            .map_err(decode_err)?;
        rules::j1_job_queue(&job, &mut Lookups::new(cluster))?;
        Ok(Verdict::Accept)
    })())
}

/// V2 (kept for callers of the scaffold API): see [`rules::v2_state`].
pub fn validate_state(state: &str) -> Option<String> {
    rules::v2_state(state)
}

#[cfg(test)]
mod tests;
