//! Property: random sequences of queue actions, arbitrary status writes and
//! PodGroup arrivals/departures, all through `evaluate`, never take a Queue
//! outside the transition table (`volcano::state`), and the controller's own
//! writes are always admitted.

use proptest::prelude::*;
use serde_json::{json, Value};
use transition_core::cluster::ObjectStore;
use transition_core::volcano::state::{admissible, next, QueueAction, QueueState};
use transition_core::{evaluate, AdmissionRequest, Settings, Verdict};

const CONTROLLER: &str = "system:serviceaccount:volcano-system:volcano-controllers";

#[derive(Debug, Clone)]
enum Step {
    /// A PodGroup referencing the queue is created (P1 decides).
    Arrive,
    /// The PodGroup at this index (mod the count) is deleted (not guarded).
    Depart(usize),
    /// The Volcano controller applies an action and writes the state it computes.
    Controller(QueueAction),
    /// Anyone writes this state to `queues/status`.
    Write(QueueState),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::Arrive),
        any::<usize>().prop_map(Step::Depart),
        prop::sample::select(QueueAction::ALL.to_vec()).prop_map(Step::Controller),
        prop::sample::select(QueueState::ALL.to_vec()).prop_map(Step::Write),
    ]
}

fn queue(name: &str, state: QueueState) -> Value {
    let mut q = json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue",
        "metadata": {"name": name}, "spec": {"weight": 1, "capability": {"cpu": "8"}}});
    if name != "root" {
        q["spec"]["parent"] = json!("root");
    }
    if state != QueueState::Unsynced {
        q["status"] = json!({"state": state.as_str()});
    }
    q
}

fn podgroup(name: &str, queue: &str) -> Value {
    json!({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
        "metadata": {"name": name, "namespace": "team"}, "spec": {"queue": queue, "minMember": 1}})
}

struct World {
    state: QueueState,
    pods: Vec<String>,
    serial: usize,
}

impl World {
    fn objects(&self) -> Vec<Value> {
        let mut o = vec![queue("root", QueueState::Open), queue("ml", self.state)];
        o.extend(self.pods.iter().map(|p| podgroup(p, "ml")));
        // PodGroups of other queues never count.
        o.push(podgroup("other-1", "research"));
        o.push(podgroup("other-2", "root"));
        o
    }

    fn eval(&self, req: Value) -> Verdict {
        let req = AdmissionRequest::from_value(req, "request").expect("well-formed request");
        evaluate(&req, &Settings::default(), &mut ObjectStore::new(self.objects()))
    }

    fn status_write(&self, to: QueueState, user: &str) -> Verdict {
        self.eval(json!({
            "uid": "u", "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "Queue"},
            "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "queues"},
            "subResource": "status", "name": "ml", "operation": "UPDATE",
            "userInfo": {"username": user},
            "object": queue("ml", to), "oldObject": queue("ml", self.state)
        }))
    }

    fn arrive(&self, name: &str) -> Verdict {
        self.eval(json!({
            "uid": "u", "kind": {"group": "scheduling.volcano.sh", "version": "v1beta1", "kind": "PodGroup"},
            "resource": {"group": "scheduling.volcano.sh", "version": "v1beta1", "resource": "podgroups"},
            "name": name, "namespace": "team", "operation": "CREATE",
            "object": podgroup(name, "ml")
        }))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn queue_never_leaves_the_transition_table(
        start in prop::sample::select(QueueState::ALL.to_vec()),
        steps in prop::collection::vec(step(), 1..40),
    ) {
        let mut w = World { state: start, pods: Vec::new(), serial: 0 };
        for s in steps {
            let before = w.state;
            let k = w.pods.len();
            match s {
                Step::Arrive => {
                    w.serial += 1;
                    let name = format!("pg-{}", w.serial);
                    let v = w.arrive(&name);
                    // P1: only an Open queue takes new PodGroups (empty state is not Open).
                    prop_assert_eq!(v.is_allowed(), before == QueueState::Open, "P1 on {:?}: {:?}", before, v);
                    if v.is_allowed() {
                        w.pods.push(name);
                    }
                }
                Step::Depart(i) => {
                    if !w.pods.is_empty() {
                        let i = i % w.pods.len();
                        w.pods.remove(i);
                    }
                }
                Step::Controller(action) => {
                    let to = next(before, action, k);
                    // An Unsynced queue is written Open by its first sync; otherwise
                    // the controller writes only what the table gives.
                    let v = w.status_write(to, CONTROLLER);
                    let expect = to != QueueState::Unsynced || before == QueueState::Unsynced;
                    prop_assert_eq!(v.is_allowed(), expect,
                        "controller {:?} from {:?} to {:?} with {} PodGroups: {:?}", action, before, to, k, v);
                    if v.is_allowed() {
                        w.state = to;
                    }
                }
                Step::Write(to) => {
                    let v = w.status_write(to, "alice");
                    // S1: the empty state may only stay empty.
                    let s1 = to != QueueState::Unsynced || before == QueueState::Unsynced;
                    let expect = s1 && admissible(before, to, k);
                    prop_assert_eq!(v.is_allowed(), expect,
                        "write {:?} -> {:?} with {} PodGroups: {:?}", before, to, k, v);
                    if v.is_allowed() {
                        w.state = to;
                    }
                }
            }
            // The table's invariants hold after every step.
            prop_assert!(w.state == before || admissible(before, w.state, k),
                "left the table: {:?} -> {:?} with {} PodGroups", before, w.state, k);
            if w.state == QueueState::Closed && before != QueueState::Closed {
                prop_assert_eq!(k, 0, "closed with PodGroups left");
            }
            if start != QueueState::Unknown {
                prop_assert_ne!(w.state, QueueState::Unknown, "entered Unknown");
            }
        }
    }
}
