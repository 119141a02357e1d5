//! Volcano Queue lifecycle and Volcano's own queue admission rules.
//! Facts and rule ids: `shared/docs/volcano-queue-rules.md`.

pub mod resource;
pub mod state;
pub mod view;

use crate::admission::{AdmissionRequest, Operation};
use crate::cluster::Cluster;
use crate::decode;
use crate::settings::Settings;
use crate::verdict::Verdict;

/// API group of Queues and PodGroups.
pub const SCHEDULING_GROUP: &str = "scheduling.volcano.sh";

/// Admission of `queues` (main resource): Volcano's `AdmitQueues` pipeline.
pub fn admit_queue(req: &AdmissionRequest, _settings: &Settings, _cluster: &mut dyn Cluster) -> Verdict {
    match req.operation {
        Operation::Create | Operation::Update => {
            let state = match decode::opt_str(&req.object, "request.object", "status.state") {
                Ok(s) => s.unwrap_or(""),
                Err(e) => return Verdict::reject("decode", e.to_string()),
            };
            match validate_state(state) {
                Some(msg) => Verdict::reject("V2", msg),
                None => Verdict::Accept,
            }
        }
        Operation::Delete => Verdict::Accept,
        ref op => Verdict::reject(
            "op",
            format!("invalid operation `{op}`, expect operation to be `CREATE`, `UPDATE` or `DELETE`"),
        ),
    }
}

/// V2: the state value a main-resource write may carry (Volcano's
/// `validateStateOfQueue`): empty, `Open` or `Closed`.
pub fn validate_state(state: &str) -> Option<String> {
    match state {
        "" | "Open" | "Closed" => None,
        other => Some(format!(
            "requestBody.spec.state: Invalid value: \"{other}\": queue state must be in [Open Closed]"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_state_values() {
        assert_eq!(validate_state(""), None);
        assert_eq!(validate_state("Open"), None);
        assert_eq!(validate_state("Closed"), None);
        assert_eq!(
            validate_state("Closing"),
            Some(
                "requestBody.spec.state: Invalid value: \"Closing\": queue state must be in [Open Closed]"
                    .into()
            )
        );
    }
}
