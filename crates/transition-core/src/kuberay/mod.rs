//! KubeRay RayService switchover: invariants RS1–RS10, SV1–SV4, and the
//! switchover plan. Facts: `shared/docs/kuberay-switchover.md`.
