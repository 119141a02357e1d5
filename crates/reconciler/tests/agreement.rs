//! Property: every write the reconciler makes is accepted by the admission
//! policy's rules (`transition_core::evaluate`), whatever the starting
//! switch shape, cluster health, opt-in and injected fault. The fake API
//! server evaluates each guarded write and refuses a denied one.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use proptest::prelude::*;
use transition_reconciler::api::Kube;
use transition_reconciler::metrics::Metrics;
use transition_reconciler::switchover::Switcher;

const NOW: i64 = 1_800_000_000;

fn fault_kind(i: u8) -> FaultKind {
    match i % 5 {
        0 => FaultKind::Status(500),
        1 => FaultKind::Status(409),
        2 => FaultKind::TimeoutBefore,
        3 => FaultKind::TimeoutAfter,
        _ => FaultKind::Status(503),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn every_switchover_write_is_admitted(
        head_p in any::<bool>(),
        serve_p in any::<bool>(),
        promoted in any::<bool>(),
        a_ready in any::<bool>(),
        p_ready in any::<bool>(),
        opted in any::<bool>(),
        fault in proptest::option::of((0usize..3, any::<u8>())),
    ) {
        let (active, pending) = if promoted { (P, "") } else { (A, P) };
        let pick = |p: bool| if p { P } else { A };
        let fake = Fake::new(vec![
            rayservice(active, pending, opted),
            head_svc(pick(head_p)),
            serve_svc(pick(serve_p)),
            raycluster(A, a_ready),
            raycluster(P, p_ready),
        ]);
        fake.state.lock().unwrap().admission = true;
        if let Some((step, k)) = fault {
            let path = ["/services/rs-head-svc", "/services/rs-serve-svc", "/rayservices/rs/status"][step];
            fake.fault("PUT", path, 0, fault_kind(k));
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
        rt.block_on(async {
            let clock = Arc::new(AtomicI64::new(NOW));
            let sw = Switcher::new(
                Kube::new(fake.client(), Duration::from_secs(2)),
                Arc::new(FakeClock(clock.clone())),
                Metrics::default(),
                Duration::from_secs(30),
                false,
            );
            for _ in 0..3 {
                sw.reconcile(NS, "rs").await.unwrap();
                clock.fetch_add(31, Ordering::SeqCst);
            }
        });
        let st = fake.state.lock().unwrap();
        prop_assert_eq!(&st.rejected, &Vec::<(String, String)>::new());
        // every Service and RayService status write went through the policy
        let guarded = st.writes.iter().filter(|w| w.contains("services")).count();
        prop_assert_eq!(st.admitted, guarded);
        drop(st);
        // Never left split once the repair had its chance, unless no cluster is healthy enough to move to.
        let (h, s, a, _) = shape(&fake);
        if (a_ready || p_ready) && (head_p != serve_p || opted) {
            prop_assert!(h == s || !(p_ready || (a == A && a_ready)), "split: {:?}", shape(&fake));
        }
    }
}
