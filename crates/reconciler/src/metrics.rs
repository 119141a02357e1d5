//! Prometheus metrics: switchovers, rollbacks, step latency, queue transitions.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

/// The controller's metrics (cheap to clone: shared handles).
#[derive(Clone)]
pub struct Metrics {
    /// Finished switchovers and repairs, by `outcome` (done, rolled_back, aborted, stopped).
    pub switchovers: Family<Labels, Counter>,
    /// Switchovers that undid their pre-commit steps.
    pub rollbacks: Counter,
    /// Latency of each step and undo, by `action`.
    pub step_seconds: Family<Labels, Histogram>,
    /// Queue state writes, by `from` and `to`.
    pub queue_transitions: Family<Labels, Counter>,
    /// Reconcile errors, by `controller`.
    pub reconcile_errors: Family<Labels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            switchovers: Family::default(),
            rollbacks: Counter::default(),
            step_seconds: Family::new_with_constructor(|| {
                Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
            }),
            queue_transitions: Family::default(),
            reconcile_errors: Family::default(),
        }
    }
}

impl Metrics {
    /// Registers every metric under the `transition_reconciler` prefix.
    pub fn register(&self, registry: &mut Registry) {
        let r = registry.sub_registry_with_prefix("transition_reconciler");
        r.register(
            "switchovers",
            "Finished switchovers and repairs by outcome",
            self.switchovers.clone(),
        );
        r.register(
            "rollbacks",
            "Switchovers rolled back before the commit point",
            self.rollbacks.clone(),
        );
        r.register(
            "step_seconds",
            "Latency of switchover steps and undos",
            self.step_seconds.clone(),
        );
        r.register(
            "queue_transitions",
            "Queue status.state writes",
            self.queue_transitions.clone(),
        );
        r.register(
            "reconcile_errors",
            "Reconcile errors",
            self.reconcile_errors.clone(),
        );
    }

    pub fn label(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

/// The text exposition of `registry`.
pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    if encode(&mut out, registry).is_err() {
        out.clear();
    }
    out
}
