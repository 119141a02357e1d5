//! SW1: who may write the status the transition rules guard.
//!
//! The Queue lifecycle (S1, T*) and the RayService switchover (RS*) are read
//! from `queues/status` and `rayservices/status`, which only Volcano's and
//! KubeRay's controllers should write. With the `statusWriters` setting, any
//! other writer is refused before those rules run, so a user with RBAC on the
//! status subresource cannot walk a transition by hand.

use crate::admission::AdmissionRequest;
use crate::kuberay::RAY_GROUP;
use crate::settings::Settings;
use crate::verdict::{Rejection, RuleId};
use crate::volcano::SCHEDULING_GROUP;

/// Rule id of the status-writer check.
pub const SW1: RuleId = "SW1";

/// The status subresources SW1 guards: (group, version, resource).
pub const GUARDED_STATUS: &[(&str, &str, &str)] = &[
    (SCHEDULING_GROUP, "v1beta1", "queues"),
    (RAY_GROUP, "v1", "rayservices"),
];

/// Refuses a write to a guarded status subresource by a user who is not in
/// `settings.status_writers`, by name or by one of their groups.
///
/// Guarantees: `None` when the list is empty (no restriction), for any other
/// resource or subresource, and for a listed writer. Names match exactly
/// (Kubernetes user and group names are case-sensitive).
pub fn check(req: &AdmissionRequest, settings: &Settings) -> Option<Rejection> {
    let writers = &settings.status_writers;
    if writers.is_empty() || !req.is_status() {
        return None;
    }
    let r = &req.resource;
    let guarded = GUARDED_STATUS
        .iter()
        .any(|(g, v, res)| r.group == *g && r.version == *v && r.resource == *res);
    if !guarded {
        return None;
    }
    let user = &req.user_info;
    let listed = |name: &String| writers.iter().any(|w| w == name);
    if listed(&user.username) || user.groups.iter().any(listed) {
        return None;
    }
    let groups = if user.groups.is_empty() {
        "no groups".to_string()
    } else {
        format!("groups {}", crate::decode::join_strings(&user.groups, ", "))
    };
    Some(Rejection {
        rule: SW1,
        message: format!(
            "SW1: user `{}` ({groups}) may not write {}/status; the statusWriters setting allows only: {}",
            user.username,
            r.resource,
            crate::decode::join_strings(writers, ", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::cluster::ObjectStore;
    use crate::evaluate;
    use crate::verdict::Verdict;

    const VOLCANO_SA: &str = "system:serviceaccount:volcano-system:volcano-controllers";

    fn settings(writers: &[&str]) -> Settings {
        Settings {
            status_writers: writers.iter().map(|w| w.to_string()).collect(),
            ..Settings::default()
        }
    }

    fn queue(state: &str) -> Value {
        json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue",
               "metadata": {"name": "ml"}, "spec": {"weight": 1}, "status": {"state": state}})
    }

    /// An Open -> Closing write of `queues/status` by `user` in `groups`.
    fn queue_status(user: &str, groups: &[&str]) -> AdmissionRequest {
        AdmissionRequest::from_value(
            json!({
                "uid": "u", "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
                "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
                "subResource": "status", "name": "ml", "operation": "UPDATE",
                "userInfo": {"username": user, "groups": groups},
                "object": queue("Closing"), "oldObject": queue("Open")
            }),
            "request",
        )
        .unwrap()
    }

    fn run(req: &AdmissionRequest, s: &Settings) -> (Verdict, usize) {
        let mut store = ObjectStore::new(vec![queue("Open")]);
        let v = evaluate(req, s, &mut store);
        (v, store.calls.len())
    }

    #[test]
    fn sw1_refuses_an_unlisted_writer_before_any_lookup() {
        let (v, calls) = run(
            &queue_status("alice", &["dev", "system:authenticated"]),
            &settings(&[VOLCANO_SA]),
        );
        assert_eq!(
            v,
            Verdict::reject(
                "SW1",
                "SW1: user `alice` (groups dev, system:authenticated) may not write queues/status; \
                 the statusWriters setting allows only: system:serviceaccount:volcano-system:volcano-controllers"
            )
        );
        assert_eq!(calls, 0, "SW1 decides before S1/T* look anything up");
    }

    #[test]
    fn sw1_lets_listed_users_and_groups_through_to_the_transition_rules() {
        let s = settings(&[VOLCANO_SA, "kuberay-operators"]);
        assert_eq!(run(&queue_status(VOLCANO_SA, &[]), &s).0, Verdict::Accept);
        assert_eq!(
            run(&queue_status("bob", &["kuberay-operators"]), &s).0,
            Verdict::Accept
        );
        // Exact match only: case and prefixes do not count.
        assert_eq!(
            run(&queue_status("Bob", &["kuberay-operator"]), &s)
                .0
                .rejection()
                .map(|r| r.rule),
            Some("SW1")
        );
    }

    #[test]
    fn sw1_is_off_by_default_and_ignores_other_writes() {
        assert_eq!(
            run(&queue_status("alice", &[]), &Settings::default()).0,
            Verdict::Accept
        );
        // The main resource is not a status write.
        let mut spec_edit = queue_status("alice", &[]);
        spec_edit.sub_resource.clear();
        assert_eq!(check(&spec_edit, &settings(&[VOLCANO_SA])), None);
        // PodGroup status is not guarded.
        let mut pg = queue_status("alice", &[]);
        pg.resource.resource = "podgroups".into();
        assert_eq!(check(&pg, &settings(&[VOLCANO_SA])), None);
    }

    #[test]
    fn sw1_guards_rayservice_status_and_names_a_user_without_groups() {
        let mut rs = queue_status("mallory", &[]);
        rs.resource.group = "ray.io".into();
        rs.resource.version = "v1".into();
        rs.resource.resource = "rayservices".into();
        assert_eq!(
            check(
                &rs,
                &settings(&["system:serviceaccount:ray-system:kuberay-operator"])
            ),
            Some(Rejection {
                rule: SW1,
                message:
                    "SW1: user `mallory` (no groups) may not write rayservices/status; the statusWriters \
                          setting allows only: system:serviceaccount:ray-system:kuberay-operator"
                        .into()
            })
        );
    }
}
