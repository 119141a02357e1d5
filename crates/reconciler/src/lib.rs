//! `transition-reconciler`: performs Volcano Queue transitions and RayService
//! switchovers as ordered steps planned by `transition-core`.
//!
//! The reconciler decides nothing itself: it reads the cluster, builds the
//! core's views ([`transition_core::kuberay::plan::Observed`],
//! [`transition_core::volcano::state::QueueLifecycle`]), asks the core what
//! to do and does it step by step.
//!
//! - [`objects`]: Kubernetes objects from files (`plan --objects`) and the
//!   grouping shared by the offline planner and the controller.
//! - [`offline`]: the `plan` command (no cluster).
//! - [`api`]: the few API calls the controller makes, counted, with timeouts.
//! - [`switchover`]: the RayService switchover executor and repair.
//! - [`queues`]: the Volcano queue lifecycle.
//! - [`controller`]: `run` (kube-runtime Controllers, metrics, `/healthz`).

pub mod api;
pub mod controller;
pub mod metrics;
pub mod objects;
pub mod offline;
pub mod queues;
pub mod switchover;

/// A source of the current time, in Unix seconds (tests use a fake one).
pub trait Clock: Send + Sync {
    fn now_unix_secs(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_secs(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// RFC 3339 UTC text of a Unix time (for condition `lastTransitionTime`).
pub fn rfc3339(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
