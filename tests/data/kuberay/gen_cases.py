#!/usr/bin/env python3
"""Generates the KubeRay case files in this directory (run: python3 gen_cases.py).

Each case: {"name", "settings", "request", "context": {"resources": [...]}, "expect"}.
context.resources is the whole stored cluster state at the moment of the write.
"""
import copy, json, os

NS = "prod"
A, P, Q = "fruit-x7k2q", "fruit-b9m4w", "fruit-zz5t8"
RS = "fruit"
OP_USER = {"username": "system:serviceaccount:ray-system:kuberay-operator", "groups": ["system:serviceaccounts"]}
HERE = os.path.dirname(os.path.abspath(__file__))

def cond(t, s, r):
    return {"type": t, "status": s, "reason": r, "lastTransitionTime": "2026-11-24T10:00:00Z"}

def apps(status="RUNNING"):
    return {"fruit_app": {"status": status, "serveDeploymentStatuses": {"FruitMarket": {"status": "HEALTHY"}}},
            "math_app": {"status": "RUNNING", "serveDeploymentStatuses": {"Adder": {"status": "HEALTHY"}}}}

def rayservice(active, pending, pending_apps=True, upgrade=None):
    conds = []
    if upgrade is None:
        if active and pending: conds.append(cond("UpgradeInProgress", "True", "BothActivePendingClustersExist"))
        elif active: conds.append(cond("UpgradeInProgress", "False", "NoPendingCluster"))
    if active: conds.append(cond("Ready", "True", "NonZeroServeEndpoints"))
    st = {"activeServiceStatus": {}, "pendingServiceStatus": {}, "conditions": conds, "observedGeneration": 2,
          "numServeEndpoints": 2 if active else 0, "serviceStatus": "Running" if active else ""}
    if active: st["activeServiceStatus"] = {"rayClusterName": active, "applicationStatuses": apps()}
    if pending:
        st["pendingServiceStatus"] = {"rayClusterName": pending}
        if pending_apps: st["pendingServiceStatus"]["applicationStatuses"] = apps()
    return {"apiVersion": "ray.io/v1", "kind": "RayService",
            "metadata": {"name": RS, "namespace": NS, "uid": "6f1c-rs", "generation": 2, "resourceVersion": "4711"},
            "spec": {"upgradeStrategy": {"type": "NewCluster"}, "rayClusterDeletionDelaySeconds": 60,
                     "serveConfigV2": "applications:\n  - name: fruit_app\n    import_path: fruit.deployment_graph\n",
                     "rayClusterConfig": {
                         "rayVersion": "2.52.0",
                         "headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [
                             {"name": "ray-head", "image": "rayproject/ray:2.52.0"}]}}},
                         "workerGroupSpecs": [{"groupName": "small-group", "replicas": 1, "minReplicas": 1, "maxReplicas": 5,
                             "rayStartParams": {}, "template": {"spec": {"containers": [
                                 {"name": "ray-worker", "image": "rayproject/ray:2.52.0"}]}}}]}},
            "status": st}

def with_status(rs, active, pending, **kw):
    n = copy.deepcopy(rs); n["status"] = rayservice(active, pending, **kw)["status"]; return n

OWNER = [{"apiVersion": "ray.io/v1", "kind": "RayService", "name": RS, "uid": "6f1c-rs", "controller": True, "blockOwnerDeletion": True}]

def head_svc(c, name=None):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name or f"{RS}-head-svc", "namespace": NS, "ownerReferences": OWNER,
                         "labels": {"ray.io/originated-from-cr-name": RS, "ray.io/originated-from-crd": "RayService",
                                    "ray.io/node-type": "head", "ray.io/identifier": f"{RS}-head"}},
            "spec": {"clusterIP": "None", "publishNotReadyAddresses": True,
                     "ports": [{"name": "dashboard", "port": 8265}, {"name": "gcs", "port": 6379}],
                     "selector": {"ray.io/cluster": c, "ray.io/node-type": "head", "ray.io/identifier": f"{c}-head",
                                  "app.kubernetes.io/name": "kuberay", "app.kubernetes.io/created-by": "kuberay-operator"}}}

def serve_svc(c, name=None):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name or f"{RS}-serve-svc", "namespace": NS, "ownerReferences": OWNER,
                         "labels": {"ray.io/originated-from-cr-name": RS, "ray.io/originated-from-crd": "RayService",
                                    "ray.io/serve": f"{RS}-serve"}},
            "spec": {"clusterIP": "10.96.41.17", "ports": [{"name": "serve", "port": 8000}],
                     "selector": {"ray.io/cluster": c, "ray.io/serve": "true"}}}

def raycluster(name, ready=True, deleting=False):
    c = {"apiVersion": "ray.io/v1", "kind": "RayCluster",
         "metadata": {"name": name, "namespace": NS, "ownerReferences": OWNER,
                      "labels": {"ray.io/originated-from-cr-name": RS, "ray.io/originated-from-crd": "RayService"},
                      "annotations": {"ray.io/kuberay-version": "v1.7.0"}},
         "status": {"state": "ready" if ready else "", "conditions": [
             cond("HeadPodReady", "True" if ready else "False", "HeadPodRunningAndReady" if ready else "HeadPodNotFound"),
             cond("RayClusterProvisioned", "True" if ready else "False", "AllPodRunningAndReadyFirstTime")]}}
    if deleting: c["metadata"]["deletionTimestamp"] = "2026-11-24T10:05:00Z"
    return c

def gate_off(c, state="ready", pod=None):
    """The RayCluster as KubeRay writes it with its RayClusterStatusConditions gate off: no conditions.
    `pod`: the head Pod named in status.head (KubeRay v1.2+ always writes it; older cases leave it out)."""
    c = copy.deepcopy(c); c["status"] = {"state": state} if state else {}
    if pod: c["status"]["head"] = {"podName": pod, "podIP": "10.244.1.17", "serviceName": f"{c['metadata']['name']}-head-svc"}
    return c

def head_pod_name(c):
    return f"{c}-head-q8v4z"

def head_pod(c, phase="Running", ready=True):
    """The head Pod of RayCluster `c` (only the fields that matter, plus a few for realism)."""
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": head_pod_name(c), "namespace": NS,
                         "labels": {"ray.io/cluster": c, "ray.io/node-type": "head", "ray.io/group": "headgroup",
                                    "ray.io/identifier": f"{c}-head", "ray.io/is-ray-node": "yes"}},
            "spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.52.0"}]},
            "status": {"phase": phase, "podIP": "10.244.1.17", "conditions": [
                cond("PodScheduled", "True", ""), cond("Initialized", "True", ""),
                cond("ContainersReady", "True" if ready else "False", "" if ready else "ContainersNotReady"),
                cond("Ready", "True" if ready else "False", "" if ready else "ContainersNotReady")]}}

def req(uid, resource, kind, op, name, obj, old, sub=None):
    group = "" if kind == "Service" else "ray.io"
    r = {"uid": uid, "kind": {"group": group, "version": "v1", "kind": kind},
         "resource": {"group": group, "version": "v1", "resource": resource},
         "requestKind": {"group": group, "version": "v1", "kind": kind},
         "requestResource": {"group": group, "version": "v1", "resource": resource},
         "name": name, "namespace": NS, "operation": op, "userInfo": OP_USER,
         "object": obj, "oldObject": old, "dryRun": False}
    if sub:
        r["subResource"] = sub; r["requestSubResource"] = sub
    return r

def status_req(uid, old, new):
    return req(uid, "rayservices", "RayService", "UPDATE", RS, new, old, sub="status")

def svc_req(uid, op, old, new):
    return req(uid, "services", "Service", op, (new or old)["metadata"]["name"], new, old)

def rs_req(uid, op, obj, old=None):
    return req(uid, "rayservices", "RayService", op, obj["metadata"]["name"], obj, old)

def world(rs, head, serve, clusters):
    out = [rs]
    if head is not None: out.append(head_svc(head))
    if serve is not None: out.append(serve_svc(serve))
    return out + clusters

def write(group, fname, name, request, resources, allowed, rule=None, msg=None, settings=None):
    expect = {"allowed": allowed}
    if rule: expect["rule"] = rule
    if msg: expect["message_contains"] = msg
    case = {"name": name, "settings": settings or {}, "request": request, "context": {"resources": resources}, "expect": expect}
    # The replay and failure scenarios are also the README's bundled examples.
    moved = {"replay": "rayservice-upgrade", "failures": "rayservice-known-failures",
             "head-pod": "rayservice-gate-off-head-pod", "release": "rayservice-kuberay-release"}
    if group in moved:
        d = os.path.join(HERE, "..", "..", "..", "examples", "cases", moved[group])
    else:
        d = os.path.join(HERE, group)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), "w") as f:
        json.dump(case, f, indent=2); f.write("\n")

AP = rayservice(A, P)
healthy = [raycluster(A), raycluster(P)]

# ---- promotion ----
write("promotion", "promote-after-both-services-switched.json",
      "RS: promotion A => P after head and serve Services select P (W5) is allowed",
      status_req("promo-1", AP, with_status(AP, P, "")), world(AP, P, P, healthy), True)
first = rayservice("", P)
write("promotion", "first-promotion.json",
      "RS: first promotion \"\" => P once both Services (created) select P is allowed",
      status_req("promo-2", first, with_status(first, P, "")), world(first, P, P, [raycluster(P)]), True)
write("promotion", "w1-prepare-pending.json",
      "RS4: W1 pending \"\" => fresh <rs>- name is allowed",
      status_req("promo-3", rayservice(A, ""), with_status(rayservice(A, ""), A, P)),
      world(rayservice(A, ""), A, A, [raycluster(A)]), True)

# ---- pending ----
write("pending", "replace-pending-before-serving.json",
      "RS4/RS5: spec changed again mid-upgrade, pending P => Q while Services still select A is allowed",
      status_req("pend-1", AP, with_status(AP, A, Q)), world(AP, A, A, healthy), True)
write("pending", "replace-pending-while-serving.json",
      "RS5: pending P => Q while both Services already select P is rejected (#2877)",
      status_req("pend-2", AP, with_status(AP, A, Q)), world(AP, P, P, healthy), False, "RS5",
      f"RS5: pending RayCluster {P} already receives traffic through Service {RS}-head-svc; it cannot be replaced or dropped")
write("pending", "replace-pending-while-serve-svc-serving.json",
      "RS5: pending P => Q while the serve Service selects P (head on A) is rejected",
      status_req("pend-3", AP, with_status(AP, A, Q)), world(AP, A, P, healthy), False, "RS5",
      f"through Service {RS}-serve-svc")

# ---- reset ----
susp = with_status(AP, "", "", upgrade=False)
susp["status"]["conditions"] = [cond("Suspending", "True", "SuspendRequested")]
write("reset", "suspend-resets-names.json", "RS2/RS4: suspend resets active and pending in one write (Suspending=True) is allowed",
      status_req("reset-1", AP, susp), world(AP, P, P, healthy), True)
init = rayservice("", P)
to = with_status(init, "", "", upgrade=False)
to["status"]["conditions"] = [cond("Ready", "False", "InitializingTimeout")]
write("reset", "initializing-timeout.json", "RS4: initializing timeout clears the pending name (Ready=False InitializingTimeout) is allowed",
      status_req("reset-2", init, to), world(init, None, None, [raycluster(P, ready=False)]), True)
noev = with_status(AP, "", "", upgrade=False)
write("reset", "reset-without-evidence.json", "RS2: clearing both names without reset evidence is rejected",
      status_req("reset-3", AP, noev), world(AP, A, A, healthy), False, "RS2",
      f"RS2: active RayCluster may only change to the previous pending one ({P}) or be reset: {A} => \"\"")

# ---- invariants ----
def bad_status(fname, name, old, new, res, rule, msg):
    write("invariants", fname, name, status_req("inv-" + fname[:6], old, new), res, False, rule, msg)

n = with_status(rayservice(A, ""), A, "")
n["status"]["pendingServiceStatus"] = {"rayClusterName": A}
bad_status("rs1-equal-names.json", "RS1: active == pending is rejected", rayservice(A, ""), n, [], "RS1",
           f"RS1: active and pending RayCluster must differ, both are {A}")
bad_status("rs2-active-elsewhere.json", "RS2: active moves to a cluster that was not pending", AP, with_status(AP, Q, ""),
           world(AP, Q, Q, healthy), "RS2", f"RS2: active RayCluster may only change to the previous pending one ({P}) or be reset: {A} => {Q}")
bad_status("rs3-promotion-keeps-pending.json", "RS3: promotion that sets a new pending", AP, with_status(AP, P, Q),
           world(AP, P, P, healthy), "RS3", f"RS3: promotion of {P} must clear the pending RayCluster, got {Q}")
bad_status("rs4-pending-dropped.json", "RS4: pending dropped without promotion, rollback or reset", AP, with_status(AP, A, ""),
           world(AP, A, A, healthy), "RS4", f"RS4: pending RayCluster changed {P} => \"\" without a promotion, a rollback or a reset")
bad_status("rs4-foreign-name.json", "RS4: pending name without the <rs>- prefix", rayservice(A, ""),
           with_status(rayservice(A, ""), A, "other-abcde"), [], "RS4",
           "RS4: pending RayCluster changed \"\" => other-abcde without a promotion, a rollback or a reset")
bad_status("rs5-serving-pending-replaced.json", "RS5: pending that serves is replaced", AP, with_status(AP, A, Q),
           world(AP, P, A, healthy), "RS5", f"RS5: pending RayCluster {P} already receives traffic through Service {RS}-head-svc")
bad_status("rs6-serve-not-switched.json", "RS6: promotion while the serve Service still selects A", AP, with_status(AP, P, ""),
           world(AP, P, A, healthy), "RS6", f"RS6: promotion of {P} before Service {RS}-serve-svc selects it")
bad_status("rs6-serve-missing.json", "RS6: promotion while the serve Service does not exist", AP, with_status(AP, P, ""),
           world(AP, P, None, healthy), "RS6", f"RS6: promotion of {P} before Service {RS}-serve-svc selects it")
n = with_status(AP, P, "")
n["status"]["activeServiceStatus"]["applicationStatuses"]["fruit_app"]["status"] = "DEPLOYING"
bad_status("rs7-app-deploying.json", "RS7: promotion while an application is DEPLOYING", AP, n, world(AP, P, P, healthy), "RS7",
           f"RS7: promotion of {P} while application fruit_app is DEPLOYING, not RUNNING")
n = with_status(AP, P, ""); n["status"]["activeServiceStatus"].pop("applicationStatuses")
bad_status("rs7-no-apps.json", "RS7: promotion while no applications are reported", AP, n, world(AP, P, P, healthy), "RS7",
           f"RS7: promotion of {P} while it reports no applications")
bad_status("rs8-missing-cluster.json", "RS8: promotion of a RayCluster that does not exist", AP, with_status(AP, P, ""),
           world(AP, P, P, [raycluster(A)]), "RS8", f"RS8: promotion of {P}: RayCluster {P} does not exist")
bad_status("rs8-deleting-cluster.json", "RS8: promotion of a RayCluster being deleted", AP, with_status(AP, P, ""),
           world(AP, P, P, [raycluster(A), raycluster(P, deleting=True)]), "RS8", f"RS8: promotion of {P}: RayCluster {P} is being deleted")
n = with_status(rayservice(A, ""), A, P); n["status"]["conditions"][0] = cond("UpgradeInProgress", "False", "NoPendingCluster")
bad_status("rs9-upgrade-condition.json", "RS9: UpgradeInProgress False while both names are set", rayservice(A, ""), n, [], "RS9",
           f"RS9: condition UpgradeInProgress must be True when active is {A} and pending is {P}")
n = copy.deepcopy(rayservice(A, "")); n["status"]["observedGeneration"] = 5
bad_status("rs10-observed-generation.json", "RS10: observedGeneration ahead of generation", rayservice(A, ""), n, [], "RS10",
           "RS10: status.observedGeneration 5 is ahead of metadata.generation 2")

def bad_svc(fname, name, old, new, res, rule, msg):
    write("invariants", fname, name, svc_req("inv-" + fname[:6], "UPDATE", old, new), res, False, rule, msg)

bad_svc("sv1-unknown-cluster.json", "SV1: serve Service switched to a cluster neither active nor pending", serve_svc(A), serve_svc(Q),
        world(AP, A, A, healthy + [raycluster(Q)]), "SV1",
        f"SV1: Service {RS}-serve-svc may select only RayCluster {A} or {P} of RayService {RS}, not {Q}")
bad_svc("sv2-pending-missing.json", "SV2: head Service switched to a pending cluster that does not exist", head_svc(A), head_svc(P),
        world(AP, A, A, [raycluster(A)]), "SV2", f"SV2: Service {RS}-head-svc may not select pending RayCluster {P}: it does not exist")
bad_svc("sv2-pending-deleting.json", "SV2: head Service switched to a pending cluster being deleted", head_svc(A), head_svc(P),
        world(AP, A, A, [raycluster(A), raycluster(P, deleting=True)]), "SV2", "it is being deleted")
bad_svc("sv2-pending-not-ready.json", "SV2: head Service switched to a pending cluster whose head is not ready", head_svc(A), head_svc(P),
        world(AP, A, A, [raycluster(A), raycluster(P, ready=False)]), "SV2", "its head Pod is not ready (HeadPodReady is not True)")
h = head_svc(P); h["spec"]["selector"]["ray.io/identifier"] = f"{A}-head"
bad_svc("sv3-head-identifier.json", "SV3: head Service selector with a stale identifier", head_svc(A), h,
        world(AP, A, A, healthy), "SV3", f"SV3: head Service {RS}-head-svc must select ray.io/node-type=head and ray.io/identifier={P}-head")
s = serve_svc(P); s["spec"]["selector"].pop("ray.io/serve")
bad_svc("sv3-serve-selector.json", "SV3: serve Service selector without ray.io/serve=true", serve_svc(A), s,
        world(AP, A, A, healthy), "SV3", f"SV3: serve Service {RS}-serve-svc must select ray.io/serve=true")

# ---- KubeRay with its RayClusterStatusConditions gate off: no HeadPodReady, status.state decides ----
off = [gate_off(raycluster(A)), gate_off(raycluster(P))]
write("gate-off", "head-svc-switch.json",
      "SV2, gate off: head Service A => P when P's state is ready (every Pod was Running and Ready) is allowed",
      svc_req("off-1", "UPDATE", head_svc(A), head_svc(P)), world(AP, A, A, off), True)
write("gate-off", "promotion.json",
      "RS8, gate off: promotion A => P after both Services select P, P's state ready, is allowed",
      status_req("off-2", AP, with_status(AP, P, "")), world(AP, P, P, off), True)
unready = [gate_off(raycluster(A)), gate_off(raycluster(P), state="")]
write("gate-off", "sv2-pending-not-ready.json",
      "SV2, gate off: head Service switched to P whose state is not ready is rejected",
      svc_req("off-3", "UPDATE", head_svc(A), head_svc(P)), world(AP, A, A, unready), False, "SV2",
      f"SV2: Service {RS}-head-svc may not select pending RayCluster {P}: its head Pod is not ready (no HeadPodReady condition, and status.state is not ready)")
write("gate-off", "rs8-not-ready.json",
      "RS8, gate off: promotion of P whose state is not ready is rejected",
      status_req("off-4", AP, with_status(AP, P, "")), world(AP, P, P, unready), False, "RS8",
      f"RS8: promotion of {P}: RayCluster {P} has no ready head Pod (no HeadPodReady condition, and status.state is not ready)")

# ---- gate off with the setting lookupHeadPod: the head Pod itself decides (a playground scenario) ----
LOOKUP = {"lookupHeadPod": True}
with_pods = [gate_off(raycluster(A), pod=head_pod_name(A)), gate_off(raycluster(P), pod=head_pod_name(P))]
write("head-pod", "lookup-head-pod-promotion.json",
      "RS8, gate off, lookupHeadPod: promotion A => P whose head Pod is Running and Ready is allowed",
      status_req("off-5", AP, with_status(AP, P, "")), world(AP, P, P, with_pods + [head_pod(A), head_pod(P)]), True,
      settings=LOOKUP)
write("head-pod", "lookup-head-pod-head-svc-switch.json",
      "SV2, gate off, lookupHeadPod: head Service A => P whose head Pod is Running and Ready is allowed",
      svc_req("off-8", "UPDATE", head_svc(A), head_svc(P)), world(AP, A, A, with_pods + [head_pod(A), head_pod(P)]), True,
      settings=LOOKUP)
# P's head failed after P became ready: status.state stays `ready`, the Pod does not.
write("head-pod", "lookup-head-pod-rs8-head-failed.json",
      "RS8, gate off, lookupHeadPod: promotion of P whose head Pod is no longer Ready is rejected (status.state still ready)",
      status_req("off-6", AP, with_status(AP, P, "")),
      world(AP, P, P, with_pods + [head_pod(A), head_pod(P, ready=False)]), False, "RS8",
      f"RS8: promotion of {P}: RayCluster {P} has no ready head Pod (no HeadPodReady condition, and head Pod {head_pod_name(P)} is Running but not Ready)",
      settings=LOOKUP)
write("head-pod", "lookup-head-pod-sv2-head-failed.json",
      "SV2, gate off, lookupHeadPod: head Service switched to P whose head Pod has failed is rejected",
      svc_req("off-7", "UPDATE", head_svc(A), head_svc(P)),
      world(AP, A, A, with_pods + [head_pod(A), head_pod(P, phase="Failed", ready=False)]), False, "SV2",
      f"SV2: Service {RS}-head-svc may not select pending RayCluster {P}: its head Pod is not ready (no HeadPodReady condition, and head Pod {head_pod_name(P)} is in phase Failed, not Running)",
      settings=LOOKUP)

# ---- spec ----
def spec_case(fname, name, mutate, allowed, rule=None, msg=None, op="CREATE", settings=None, group="spec"):
    o = rayservice("", "")
    o.pop("status")
    mutate(o)
    old = None
    if op == "UPDATE":
        # the stored spec differs (a smaller deletion delay), so the new spec is judged
        old = copy.deepcopy(o)
        old["spec"]["rayClusterDeletionDelaySeconds"] = 30
    write(group, fname, name, rs_req("spec-" + fname[:8], op, o, old), [], allowed, rule, msg, settings)

def setp(path, val):
    def m(o):
        cur = o
        for k in path[:-1]: cur = cur.setdefault(k, {}) if isinstance(k, str) else cur[k]
        cur[path[-1]] = val
    return m

RC = ["spec", "rayClusterConfig"]

# KubeRay's own metadata-only updates of a stored RayService whose spec is invalid (stored before the
# policy): the finalizer is added before KubeRay validates, and removed during deletion.
FINALIZER = "ray.io/rayservice-finalizer"
def invalid_stored():
    o = rayservice("", "")
    o.pop("status")
    g = o["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]
    g["minReplicas"], g["maxReplicas"] = 9, 5
    return o
old = invalid_stored(); new = copy.deepcopy(old); new["metadata"]["finalizers"] = [FINALIZER]
write("spec", "finalizer-added-to-invalid-stored-spec.json",
      "KR-SPEC ratchet: KubeRay adds its finalizer to a stored RayService whose spec is invalid; spec unchanged, allowed",
      rs_req("spec-fin-add", "UPDATE", new, old), [], True)
old = invalid_stored(); old["metadata"]["finalizers"] = [FINALIZER]
old["metadata"]["deletionTimestamp"] = "2026-11-24T11:00:00Z"
new = copy.deepcopy(old); new["metadata"]["finalizers"] = []
write("spec", "finalizer-removed-while-deleting.json",
      "KR-SPEC ratchet: KubeRay removes its finalizer from a RayService being deleted, invalid spec, allowed",
      rs_req("spec-fin-del", "UPDATE", new, old), [], True)
old = rayservice("", ""); old.pop("status"); new = invalid_stored()
write("spec", "update-into-invalid-spec.json",
      "KR-SPEC: an UPDATE that changes a valid spec into an invalid one is refused",
      rs_req("spec-upd-bad", "UPDATE", new, old), [], False, "KR-SPEC",
      "The RayService spec is invalid: worker group small-group has minReplicas 9 greater than maxReplicas 5")
old = invalid_stored(); new = copy.deepcopy(old); new["metadata"]["name"] = "f" * 48; old["metadata"]["name"] = "f" * 48
write("spec", "metadata-still-checked-when-spec-unchanged.json",
      "KR-META: an UPDATE that leaves the spec as stored still gets the metadata check",
      rs_req("spec-upd-meta", "UPDATE", new, old), [], False, "KR-META",
      "The RayService metadata is invalid: RayService name should be no more than 47 characters")

spec_case("valid.json", "KR: a valid RayService is allowed", lambda o: None, True)
spec_case("valid-update.json", "KR: a valid RayService UPDATE that changes the spec is allowed", lambda o: None, True, op="UPDATE")
spec_case("name-too-long.json", "KR-META: name longer than 47", setp(["metadata", "name"], "f" * 48), False, "KR-META",
          "The RayService metadata is invalid: RayService name should be no more than 47 characters")
spec_case("name-not-dns1035.json", "KR-META: name not a DNS-1035 label", setp(["metadata", "name"], "9fruit"), False, "KR-META",
          "The RayService metadata is invalid: RayService name should be a valid DNS1035 label: [a DNS-1035 label must consist")
spec_case("initializing-timeout-bad.json", "KR-META: bad ray.io/initializing-timeout",
          setp(["metadata", "annotations"], {"ray.io/initializing-timeout": "soon"}), False, "KR-META",
          "The RayService metadata is invalid: RayService annotations is invalid: annotation ray.io/initializing-timeout has invalid format: soon. Expected Go duration format (e.g., '5m', '1h') or positive integer seconds")
spec_case("initializing-timeout-zero.json", "KR-META: non-positive ray.io/initializing-timeout",
          setp(["metadata", "annotations"], {"ray.io/initializing-timeout": "0s"}), False, "KR-META",
          "annotation ray.io/initializing-timeout must be a positive duration, got: 0s")
spec_case("k8s-token-auth.json", "KR-SPEC: K8s token auth", setp(RC + ["authOptions"], {"mode": "token", "enableK8sTokenAuth": True}),
          False, "KR-SPEC", "The RayService spec is invalid: K8s token auth mode is currently not supported for RayService")
spec_case("head-no-container.json", "KR-SPEC: head group without containers",
          setp(RC + ["headGroupSpec", "template", "spec", "containers"], []), False, "KR-SPEC",
          "The RayService spec is invalid: headGroupSpec should have at least one container")
spec_case("worker-min-gt-max.json", "KR-SPEC: worker minReplicas > maxReplicas",
          setp(RC + ["workerGroupSpecs", 0, "minReplicas"], 9), False, "KR-SPEC",
          "The RayService spec is invalid: worker group small-group has minReplicas 9 greater than maxReplicas 5")
def drop_max(o): o["spec"]["rayClusterConfig"]["workerGroupSpecs"][0].pop("maxReplicas")
spec_case("worker-missing-max.json",
          "KR-SPEC: worker without maxReplicas, autoscaling off, is allowed: the CRD default (maxInt32) stands in, as the API server writes it before any webhook",
          drop_max, True)
spec_case("head-service-name.json", "KR-SPEC: custom head Service name (#2433)",
          setp(RC + ["headGroupSpec", "headService"], {"metadata": {"name": "my-head"}}), False, "KR-SPEC",
          "The RayService spec is invalid: spec.rayClusterConfig.headGroupSpec.headService.metadata.name should not be set")
spec_case("upgrade-type.json", "KR-SPEC: unknown upgradeStrategy.type", setp(["spec", "upgradeStrategy"], {"type": "BlueGreen"}),
          False, "KR-SPEC", "The RayService spec is invalid: Spec.UpgradeStrategy.Type value BlueGreen is invalid, valid options are NewClusterWithIncrementalUpgrade, NewCluster, or None")
spec_case("deletion-delay.json", "KR-SPEC: negative rayClusterDeletionDelaySeconds", setp(["spec", "rayClusterDeletionDelaySeconds"], -1),
          False, "KR-SPEC", "The RayService spec is invalid: Spec.RayClusterDeletionDelaySeconds should be a non-negative integer, got -1")
spec_case("incremental-no-autoscaler.json", "KR-SPEC: incremental upgrade without the autoscaler",
          setp(["spec", "upgradeStrategy"], {"type": "NewClusterWithIncrementalUpgrade", "clusterUpgradeOptions": {
              "maxSurgePercent": 50, "stepSizePercent": 10, "intervalSeconds": 30, "gatewayClassName": "istio"}}),
          False, "KR-SPEC", "The RayService spec is invalid: Ray Autoscaler is required for NewClusterWithIncrementalUpgrade")
def inc_no_gw(o):
    o["spec"]["rayClusterConfig"]["enableInTreeAutoscaling"] = True
    o["spec"]["upgradeStrategy"] = {"type": "NewClusterWithIncrementalUpgrade", "clusterUpgradeOptions": {
        "maxSurgePercent": 50, "stepSizePercent": 10, "intervalSeconds": 30}}
spec_case("incremental-no-gateway-class.json", "KR-SPEC: incremental upgrade without gatewayClassName", inc_no_gw, False, "KR-SPEC",
          "The RayService spec is invalid: gatewayClassName is required for NewClusterWithIncrementalUpgrade")
# ValidateRayClusterSpec beyond containers and replicas (default feature gates)
def autoscaled_v2(o):
    c = o["spec"]["rayClusterConfig"]
    c["enableInTreeAutoscaling"] = True
    c["autoscalerOptions"] = {"version": "v2", "idleTimeoutSeconds": 60}
    c["rayVersion"] = "2.56.0"
    c["headGroupSpec"]["labels"] = {"ray.io/zone": "us-east-1a"}
    c["headGroupSpec"]["template"]["spec"]["restartPolicy"] = "Never"
    g = c["workerGroupSpecs"][0]
    g["idleTimeoutSeconds"], g["priority"], g["resources"] = 120, 10, {"GPU": "1"}
spec_case("cluster-autoscaler-v2-valid.json",
          "KR-SPEC: autoscaler v2 with idle timeouts, a worker priority, group labels and resources is allowed",
          autoscaled_v2, True)
spec_case("cluster-resources-twice.json", "KR-SPEC: resources both in rayStartParams and the group's resources",
          lambda o: (setp(RC + ["workerGroupSpecs", 0, "rayStartParams"], {"num-gpus": "1"})(o),
                     setp(RC + ["workerGroupSpecs", 0, "resources"], {"GPU": "1"})(o)), False, "KR-SPEC",
          "The RayService spec is invalid: resource fields should not be set in both rayStartParams and Resources for small-group group; please use only one")
spec_case("cluster-v2-env-without-autoscaler.json", "KR-SPEC: RAY_enable_autoscaler_v2 with autoscaling off",
          setp(RC + ["headGroupSpec", "template", "spec", "containers", 0, "env"], [{"name": "RAY_enable_autoscaler_v2", "value": "1"}]),
          False, "KR-SPEC",
          "The RayService spec is invalid: environment variable RAY_enable_autoscaler_v2 cannot be set to '1' when enableInTreeAutoscaling is false. Please set enableInTreeAutoscaling: true to use autoscaler v2")
spec_case("cluster-redis-address-without-ft.json", "KR-SPEC: RAY_REDIS_ADDRESS without GcsFaultToleranceOptions",
          setp(RC + ["headGroupSpec", "template", "spec", "containers", 0, "env"], [{"name": "RAY_REDIS_ADDRESS", "value": "redis:6379"}]),
          False, "KR-SPEC",
          "The RayService spec is invalid: RAY_REDIS_ADDRESS is set which implicitly enables GCS fault tolerance, but GcsFaultToleranceOptions is not set. Please set GcsFaultToleranceOptions to enable GCS fault tolerance")
spec_case("cluster-token-auth-old-ray.json", "KR-SPEC: token auth with a Ray older than 2.52.0",
          lambda o: (setp(RC + ["authOptions"], {"mode": "token"})(o), setp(RC + ["rayVersion"], "2.51.0")(o)), False, "KR-SPEC",
          "The RayService spec is invalid: authOptions.mode is 'token' but minimum Ray version is 2.52.0, got 2.51.0")
spec_case("cluster-bad-label-value.json", "KR-SPEC: a worker group label value with a space",
          setp(RC + ["workerGroupSpecs", 0, "labels"], {"tier": "gpu nodes"}), False, "KR-SPEC",
          "The RayService spec is invalid: invalid label value for key 'tier' in small-group group: 'gpu nodes', error: a valid label must be an empty string")
# kubeRayVersion: a rule runs only from the KubeRay release that introduced it.
LABELS_IN_PARAMS = setp(RC + ["workerGroupSpecs", 0, "rayStartParams"], {"labels": "zone=us-east-1a"})
spec_case("v1.4-labels-in-rayStartParams-allowed.json",
          "kubeRayVersion v1.4.2: rayStartParams['labels'] (the only way to label Ray nodes before v1.5.0) is allowed",
          LABELS_IN_PARAMS, True, settings={"kubeRayVersion": "v1.4.2"}, group="release")
spec_case("default-labels-in-rayStartParams-refused.json",
          "kubeRayVersion unset (v1.7.0): rayStartParams['labels'] is refused, as KubeRay v1.5.0 and later refuse it",
          LABELS_IN_PARAMS, False, "KR-SPEC",
          "The RayService spec is invalid: rayStartParams['labels'] is not supported for small-group group; please use the top-level Labels field instead",
          group="release")
spec_case("v1.4-incremental-upgrade-refused.json",
          "kubeRayVersion v1.4: the incremental upgrade is no valid upgradeStrategy.type before v1.5.0, in v1.4's words",
          setp(["spec", "upgradeStrategy"], {"type": "NewClusterWithIncrementalUpgrade"}), False, "KR-SPEC",
          "The RayService spec is invalid: Spec.UpgradeStrategy.Type value NewClusterWithIncrementalUpgrade is invalid, valid options are NewCluster or None",
          settings={"kubeRayVersion": "v1.4"}, group="release")
spec_case("bad-type.json", "decode: a worker group's minReplicas is a string",
          setp(RC + ["workerGroupSpecs", 0, "minReplicas"], "1"), False, "decode",
          "request.object.spec.rayClusterConfig.workerGroupSpecs[0].minReplicas: expected integer, got string")

# ---- services ----
plain = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": NS, "labels": {"app": "web"}},
         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
write("services", "unrelated-service.json", "services: a Service not owned by a RayService is accepted without lookups",
      svc_req("svc-1", "CREATE", None, plain), [], True)
pc = serve_svc(P, name=f"{P}-serve-svc")
pc["metadata"]["ownerReferences"] = [{"apiVersion": "ray.io/v1", "kind": "RayCluster", "name": P, "uid": "9a2b-rc", "controller": True}]
pc["metadata"]["labels"] = {"ray.io/originated-from-cr-name": P, "ray.io/originated-from-crd": "RayService"}
write("services", "raycluster-owned-serve-svc.json", "services: per-cluster serve Service owned by a RayCluster is ignored",
      svc_req("svc-2", "CREATE", None, pc), [], True)
own = head_svc(P, name=f"{P}-head-svc")
own["metadata"]["ownerReferences"] = [{"apiVersion": "ray.io/v1", "kind": "RayCluster", "name": P, "uid": "9a2b-rc", "controller": True}]
own["metadata"]["labels"] = {"ray.io/cluster": P, "ray.io/node-type": "head", "ray.io/identifier": f"{P}-head"}
write("services", "raycluster-own-head-svc.json", "services: a RayCluster's own head Service is ignored",
      svc_req("svc-3", "CREATE", None, own), [], True)
ann = head_svc(A); ann["metadata"]["annotations"] = {"team": "ml"}
write("services", "metadata-only-update.json", "services: metadata-only update of the head Service (selector unchanged) is accepted",
      svc_req("svc-4", "UPDATE", head_svc(A), ann), [], True)
write("services", "create-head-svc-first-cluster.json", "SV1/SV2: head Service CREATE selecting the first (pending, ready) cluster",
      svc_req("svc-5", "CREATE", None, head_svc(P)), [first, raycluster(P)], True)

# ---- replay (doc §3 W1, W3, W4, W5) ----
steady = rayservice(A, "")
w1 = with_status(steady, A, P)
write("replay", "01-w1-pending-name.json", "replay W1: status pending \"\" => P",
      status_req("w1", steady, w1), world(steady, A, A, [raycluster(A)]), True)
write("replay", "02-w3-head-svc.json", "replay W3: head Service A => P (head-first transient begins)",
      svc_req("w3", "UPDATE", head_svc(A), head_svc(P)), world(w1, A, A, healthy), True)
write("replay", "03-w4-serve-svc.json", "replay W4: serve Service A => P while head selects P, serve A",
      svc_req("w4", "UPDATE", serve_svc(A), serve_svc(P)), world(w1, P, A, healthy), True)
write("replay", "04-w5-promotion.json", "replay W5: status promotion A => P with both Services on P",
      status_req("w5", w1, with_status(w1, P, "")), world(w1, P, P, healthy), True)

# ---- failures ----
write("failures", "2088-promotion-services-on-old.json",
      "#2088: status promoted to P while head and serve Services still select A",
      status_req("f-2088", AP, with_status(AP, P, "")), world(AP, A, A, healthy), False, "RS6",
      f"RS6: promotion of {P} before Service {RS}-head-svc selects it")
write("failures", "1559-switch-to-unready-pending.json",
      "#1559: serve Service switched to pending P whose head Pod is not ready",
      svc_req("f-1559a", "UPDATE", serve_svc(A), serve_svc(P)), world(AP, P, A, [raycluster(A), raycluster(P, ready=False)]),
      False, "SV2", f"SV2: Service {RS}-serve-svc may not select pending RayCluster {P}: its head Pod is not ready")
n = with_status(AP, P, ""); n["status"]["activeServiceStatus"]["applicationStatuses"]["fruit_app"]["status"] = "DEPLOYING"
write("failures", "1559-promotion-apps-not-running.json",
      "#1559: promotion while Serve application fruit_app is still DEPLOYING",
      status_req("f-1559b", AP, n), world(AP, P, P, healthy), False, "RS7",
      f"RS7: promotion of {P} while application fruit_app is DEPLOYING, not RUNNING")
write("failures", "2877-replace-serving-pending.json",
      "#2877: a new pending cluster Q is prepared while the Services already select pending P",
      status_req("f-2877", AP, with_status(AP, A, Q)), world(AP, P, P, healthy), False, "RS5",
      f"RS5: pending RayCluster {P} already receives traffic through Service {RS}-head-svc; it cannot be replaced or dropped")
