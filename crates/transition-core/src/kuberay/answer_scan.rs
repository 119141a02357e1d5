//! Reading Service and RayCluster lookup answers straight from their bytes
//! into [`Service`] and [`RayCluster`] views, for RS5, RS6, RS8 and SV2.
//!
//! A status promotion looks up two Services and a RayCluster, a Service
//! switch a RayCluster; decoding those answers through a `serde_json::Value`
//! and then into the views was about a quarter of those requests' guest
//! time. This scanner fills a view in one walk over the bytes
//! (`json_scan`), building only the view.
//!
//! It is a fast path, not a second decoder: it answers only when the answer
//! is plain JSON of the expected shape and gives up (`None`) on everything
//! else — malformed JSON, a wrong type in any field the view reads (even one
//! the `Value` decoder would not reach, such as an owner reference after the
//! controller's), an escape in a key or in a string the view keeps. The
//! caller then decodes through a `Value` (`Service::from_value`,
//! `RayCluster::from_value`), which reads every valid answer and names what
//! is wrong with the others. So the one guarantee it keeps is:
//!
//! `service(bytes) == Some(s)` implies the `Value` decoder reads `bytes` as
//! `Ok(s)`, and likewise for `ray_cluster` and `ray_service` (tested against it on tables, on
//! proptest input and by the `kuberay_answer` fuzz target).
//!
//! Shapes read as the `Value` decoder reads them: null or absent is absent
//! (but a null string-map value or list element is an error there, so a give
//! up here); of duplicate keys the last wins, so a repeated object field
//! starts its part of the view afresh.

use std::collections::BTreeMap;

use crate::json_scan::{find_key, Scan};

use super::view::{
    Condition, HeadReadiness, OwnerRef, RayCluster, RayService, Service, ORIGINATED_FROM_CR_NAME,
};

/// The view of a Service get answer, or `None` (see the module docs).
pub fn service(bytes: &[u8]) -> Option<Service> {
    let mut s = Scan::new(bytes)?;
    let mut svc = Service::default();
    s.object(&mut |s, key| service_field(s, Part::Root, key, &mut svc))?;
    s.at_end().then_some(svc)
}

/// The view of a RayCluster get answer, or `None` (see the module docs).
pub fn ray_cluster(bytes: &[u8]) -> Option<RayCluster> {
    let mut s = Scan::new(bytes)?;
    let mut rc = Cluster::default();
    s.object(&mut |s, key| cluster_field(s, Part::Root, key, &mut rc))?;
    rc.view.head = HeadReadiness::of(&rc.conditions, rc.state.as_deref());
    s.at_end().then_some(rc.view)
}

/// The view of a RayService get answer (SV1's owner lookup), or `None`
/// (see the module docs). The answer is masked to the owner's names
/// (`lookup::RAYSERVICE_FIELDS`); any other field the `Value` decoder reads
/// gives up, so every other part of the view stays at its default.
pub fn ray_service(bytes: &[u8]) -> Option<RayService> {
    let mut s = Scan::new(bytes)?;
    let mut rs = RayService::default();
    s.object(&mut |s, key| ray_service_field(s, Part::Root, key, &mut rs))?;
    s.at_end().then_some(rs)
}

/// The keys the scan reads, found in a small table per part: a `match` on
/// byte-string patterns compiles to a comparison per byte (5 KB of module
/// over the three scans), a table to one `memcmp` per candidate.
#[derive(Clone, Copy, PartialEq)]
enum Key {
    ActiveServiceStatus,
    Annotations,
    ApplicationStatuses,
    Conditions,
    Controller,
    DeletionTimestamp,
    Generation,
    Head,
    Kind,
    Labels,
    Metadata,
    Name,
    Namespace,
    ObservedGeneration,
    OwnerReferences,
    PendingServiceStatus,
    PodName,
    RayClusterName,
    Reason,
    Selector,
    ServeService,
    Spec,
    State,
    Status,
    TargetCapacity,
    TrafficRoutedPercent,
    Type,
    Other,
}

/// The keys read in each part, over the three views (a handful each, so
/// few comparisons a key).
fn key_of(part: Part, key: &[u8]) -> Key {
    let keys: &[(&[u8], Key)] = match part {
        Part::Root => &[
            (b"metadata", Key::Metadata),
            (b"spec", Key::Spec),
            (b"status", Key::Status),
        ],
        Part::Metadata => &[
            (b"name", Key::Name),
            (b"namespace", Key::Namespace),
            (b"ownerReferences", Key::OwnerReferences),
            (b"labels", Key::Labels),
            (b"annotations", Key::Annotations),
            (b"deletionTimestamp", Key::DeletionTimestamp),
            (b"generation", Key::Generation),
        ],
        Part::Spec => &[(b"selector", Key::Selector), (b"serveService", Key::ServeService)],
        Part::Status => &[
            (b"conditions", Key::Conditions),
            (b"state", Key::State),
            (b"head", Key::Head),
            (b"activeServiceStatus", Key::ActiveServiceStatus),
            (b"pendingServiceStatus", Key::PendingServiceStatus),
            (b"observedGeneration", Key::ObservedGeneration),
        ],
        Part::Head => &[(b"podName", Key::PodName)],
        Part::ServeService => &[(b"metadata", Key::Metadata)],
        Part::ServeMetadata => &[(b"name", Key::Name)],
        Part::Active | Part::Pending => &[
            (b"rayClusterName", Key::RayClusterName),
            (b"applicationStatuses", Key::ApplicationStatuses),
            (b"targetCapacity", Key::TargetCapacity),
            (b"trafficRoutedPercent", Key::TrafficRoutedPercent),
        ],
        Part::OwnerRef => &[
            (b"controller", Key::Controller),
            (b"kind", Key::Kind),
            (b"name", Key::Name),
        ],
        Part::Condition => &[
            (b"type", Key::Type),
            (b"status", Key::Status),
            (b"reason", Key::Reason),
        ],
    };
    find_key(keys, key).unwrap_or(Key::Other)
}

/// The object a key is read in. (One walker per view over all its parts,
/// instead of a closure per part: less module.)
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Root,
    Metadata,
    Spec,
    Status,
    Head,
    ServeService,
    ServeMetadata,
    Active,
    Pending,
    /// An element of `metadata.ownerReferences`.
    OwnerRef,
    /// An element of `status.conditions`.
    Condition,
}

/// Part `part` of a view, afresh (`reset` clears what it holds): an object,
/// or null (absent).
fn part<V>(
    s: &mut Scan,
    part: Part,
    view: &mut V,
    reset: fn(&mut V, Part),
    field: fn(&mut Scan, Part, &[u8], &mut V) -> Option<()>,
) -> Option<()> {
    reset(view, part);
    s.nullable_object(&mut |s, key| field(s, part, key, view))
}

fn service_reset(svc: &mut Service, part: Part) {
    if part == Part::Metadata {
        svc.name.clear();
        svc.namespace.clear();
        svc.controller = None;
    } else {
        svc.selector.clear();
    }
}

fn service_field(s: &mut Scan, at: Part, key: &[u8], svc: &mut Service) -> Option<()> {
    match (at, key_of(at, key)) {
        (Part::Root, Key::Metadata) => part(s, Part::Metadata, svc, service_reset, service_field)?,
        (Part::Root, Key::Spec) => part(s, Part::Spec, svc, service_reset, service_field)?,
        (Part::Metadata, Key::Name) => svc.name = s.string_or_empty()?,
        (Part::Metadata, Key::Namespace) => svc.namespace = s.string_or_empty()?,
        (Part::Metadata, Key::OwnerReferences) => svc.controller = owner_references(s)?,
        (Part::Spec, Key::Selector) => string_map(s, &mut svc.selector)?,
        _ => s.skip(3)?,
    }
    Some(())
}

fn ray_service_reset(rs: &mut RayService, part: Part) {
    match part {
        Part::Metadata => {
            rs.name.clear();
            rs.namespace.clear();
        }
        Part::Spec | Part::ServeService | Part::ServeMetadata => rs.spec.serve_service_name.clear(),
        Part::Status => {
            rs.status.active.ray_cluster_name.clear();
            rs.status.pending.ray_cluster_name.clear();
        }
        Part::Active => rs.status.active.ray_cluster_name.clear(),
        _ => rs.status.pending.ray_cluster_name.clear(),
    }
}

fn ray_service_field(s: &mut Scan, at: Part, key: &[u8], rs: &mut RayService) -> Option<()> {
    let (reset, field) = (ray_service_reset, ray_service_field);
    match (at, key_of(at, key)) {
        (Part::Root, Key::Metadata) => part(s, Part::Metadata, rs, reset, field),
        (Part::Root, Key::Spec) => part(s, Part::Spec, rs, reset, field),
        (Part::Root, Key::Status) => part(s, Part::Status, rs, reset, field),
        (Part::Root, _) => s.skip(2),
        (Part::Metadata, Key::Name) => set(s, &mut rs.name),
        (Part::Metadata, Key::Namespace) => set(s, &mut rs.namespace),
        (Part::Spec, Key::ServeService) => part(s, Part::ServeService, rs, reset, field),
        (Part::ServeService, Key::Metadata) => part(s, Part::ServeMetadata, rs, reset, field),
        (Part::ServeMetadata, Key::Name) => set(s, &mut rs.spec.serve_service_name),
        (Part::Status, Key::ActiveServiceStatus) => part(s, Part::Active, rs, reset, field),
        (Part::Status, Key::PendingServiceStatus) => part(s, Part::Pending, rs, reset, field),
        (Part::Active, Key::RayClusterName) => set(s, &mut rs.status.active.ray_cluster_name),
        (Part::Pending, Key::RayClusterName) => set(s, &mut rs.status.pending.ray_cluster_name),
        // the rest of what the Value decoder reads: outside the field mask
        (Part::Metadata, Key::Generation | Key::Annotations | Key::DeletionTimestamp)
        | (Part::Spec, _)
        | (Part::Status, Key::Conditions | Key::ObservedGeneration)
        | (
            Part::Active | Part::Pending,
            Key::ApplicationStatuses | Key::TargetCapacity | Key::TrafficRoutedPercent,
        ) => None,
        _ => s.skip(3),
    }
}

/// `slot` set to a string the view keeps (`""` for null).
#[inline(never)]
fn set(s: &mut Scan, slot: &mut String) -> Option<()> {
    *slot = s.string_or_empty()?;
    Some(())
}

/// A RayCluster view being read, with what its head readiness is made of.
#[derive(Default)]
struct Cluster {
    view: RayCluster,
    conditions: Vec<Condition>,
    state: Option<String>,
}

fn cluster_reset(rc: &mut Cluster, part: Part) {
    match part {
        Part::Metadata => {
            rc.view.name.clear();
            rc.view.namespace.clear();
            rc.view.deleting = false;
            rc.view.originated_from.clear();
            rc.view.annotations.clear();
        }
        Part::Status => {
            rc.conditions.clear();
            rc.state = None;
            rc.view.head_pod.clear();
        }
        _ => rc.view.head_pod.clear(),
    }
}

fn cluster_field(s: &mut Scan, at: Part, key: &[u8], rc: &mut Cluster) -> Option<()> {
    let view = &mut rc.view;
    match (at, key_of(at, key)) {
        (Part::Root, Key::Metadata) => part(s, Part::Metadata, rc, cluster_reset, cluster_field)?,
        (Part::Root, Key::Status) => part(s, Part::Status, rc, cluster_reset, cluster_field)?,
        (Part::Metadata, Key::Name) => view.name = s.string_or_empty()?,
        (Part::Metadata, Key::Namespace) => view.namespace = s.string_or_empty()?,
        // any value but null says the cluster is being deleted
        (Part::Metadata, Key::DeletionTimestamp) => {
            view.deleting = !s.null()?;
            if view.deleting {
                s.skip(3)?;
            }
        }
        (Part::Metadata, Key::Labels) => {
            view.originated_from.clear();
            s.nullable_object(&mut |s, key| {
                if key == ORIGINATED_FROM_CR_NAME.as_bytes() {
                    view.originated_from = s.owned_string()?;
                } else {
                    // every label value must be a string
                    s.string()?;
                }
                Some(())
            })?
        }
        (Part::Metadata, Key::Annotations) => string_map(s, &mut view.annotations)?,
        (Part::Status, Key::Conditions) => {
            rc.conditions.clear();
            if !s.null()? {
                s.array(&mut |s| {
                    rc.conditions.push(condition(s)?);
                    Some(())
                })?;
            }
        }
        (Part::Status, Key::State) => rc.state = if s.null()? { None } else { Some(s.owned_string()?) },
        (Part::Status, Key::Head) => part(s, Part::Head, rc, cluster_reset, cluster_field)?,
        (Part::Head, Key::PodName) => view.head_pod = s.string_or_empty()?,
        _ => s.skip(3)?,
    }
    Some(())
}

/// A string map kept whole (labels, annotations, selectors): every value a
/// string.
fn string_map(s: &mut Scan, map: &mut BTreeMap<String, String>) -> Option<()> {
    map.clear();
    s.nullable_object(&mut |s, key| {
        let key = std::str::from_utf8(key).ok()?.to_string();
        map.insert(key, s.owned_string()?);
        Some(())
    })
}

/// `metadata.ownerReferences`: the first reference with `controller: true`.
fn owner_references(s: &mut Scan) -> Option<Option<OwnerRef>> {
    let mut controller = None;
    if s.null()? {
        return Some(None);
    }
    s.array(&mut |s| {
        let (mut is_controller, mut kind, mut name) = (false, String::new(), String::new());
        s.object(&mut |s, key| {
            match key_of(Part::OwnerRef, key) {
                Key::Controller => {
                    is_controller = match s.peek()? {
                        b'n' => s.word(b"null").map(|_| false)?,
                        b't' => s.word(b"true").map(|_| true)?,
                        _ => s.word(b"false").map(|_| false)?,
                    }
                }
                Key::Kind => kind = s.string_or_empty()?,
                Key::Name => name = s.string_or_empty()?,
                _ => s.skip(4)?,
            }
            Some(())
        })?;
        if is_controller && controller.is_none() {
            controller = Some(OwnerRef { kind, name });
        }
        Some(())
    })?;
    Some(controller)
}

/// One entry of `status.conditions`: an object.
fn condition(s: &mut Scan) -> Option<Condition> {
    let mut c = Condition {
        type_: String::new(),
        status: String::new(),
        reason: String::new(),
    };
    s.object(&mut |s, key| {
        match key_of(Part::Condition, key) {
            Key::Type => c.type_ = s.string_or_empty()?,
            Key::Status => c.status = s.string_or_empty()?,
            Key::Reason => c.reason = s.string_or_empty()?,
            _ => s.skip(4)?,
        }
        Some(())
    })?;
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::from_slice;

    fn service_value(bytes: &[u8]) -> Result<Service, String> {
        let v = from_slice(bytes).map_err(|e| e.to_string())?;
        Service::from_value(&v, "").map_err(|e| e.to_string())
    }

    fn ray_cluster_value(bytes: &[u8]) -> Result<RayCluster, String> {
        let v = from_slice(bytes).map_err(|e| e.to_string())?;
        RayCluster::from_value(&v, "").map_err(|e| e.to_string())
    }

    #[test]
    fn reads_a_masked_service_whole() {
        let answer = br#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"rs-serve-svc","namespace":"ns","ownerReferences":[{"apiVersion":"ray.io/v1","kind":"RayCluster","name":"old","controller":false},{"kind":"RayService","name":"rs","controller":true,"uid":"u"},{"kind":"X","name":"y","controller":true}]},"spec":{"selector":{"ray.io/cluster":"rs-a","ray.io/serve":"true"}}}"#;
        let want = Service {
            name: "rs-serve-svc".into(),
            namespace: "ns".into(),
            controller: Some(OwnerRef {
                kind: "RayService".into(),
                name: "rs".into(),
            }),
            selector: [
                ("ray.io/cluster".to_string(), "rs-a".to_string()),
                ("ray.io/serve".to_string(), "true".to_string()),
            ]
            .into(),
        };
        assert_eq!(service(answer), Some(want.clone()));
        assert_eq!(service_value(answer), Ok(want));
    }

    #[test]
    fn reads_a_masked_ray_cluster_whole() {
        let answer = br#"{"apiVersion":"ray.io/v1","kind":"RayCluster","metadata":{"name":"rs-a","namespace":"ns","deletionTimestamp":"2026-12-07T20:00:00Z","labels":{"ray.io/originated-from-cr-name":"rs","app":"x"},"annotations":{"ray.io/hash":"abc"}},"status":{"state":"ready","conditions":[{"type":"RayClusterProvisioned","status":"True"},{"type":"HeadPodReady","status":"False","reason":"HeadPodNotFound","message":"m"},{"type":"HeadPodReady","status":"True"}],"head":{"podName":"rs-a-head-x","podIP":"10.0.0.1"}}}"#;
        let want = RayCluster {
            name: "rs-a".into(),
            namespace: "ns".into(),
            deleting: true,
            head: HeadReadiness::NotReady,
            head_pod: "rs-a-head-x".into(),
            originated_from: "rs".into(),
            annotations: [("ray.io/hash".to_string(), "abc".to_string())].into(),
        };
        assert_eq!(ray_cluster(answer), Some(want.clone()));
        assert_eq!(ray_cluster_value(answer), Ok(want));
    }

    fn ray_service_value(bytes: &[u8]) -> Result<RayService, String> {
        let v = from_slice(bytes).map_err(|e| e.to_string())?;
        RayService::from_value(&v, "").map_err(|e| e.to_string())
    }

    #[test]
    fn reads_a_masked_ray_service_whole_and_gives_up_outside_the_mask() {
        let answer = br#"{"apiVersion":"ray.io/v1","kind":"RayService","metadata":{"name":"rs","namespace":"ns","uid":"u"},"spec":{"serveService":{"metadata":{"name":"custom-serve"}}},"status":{"activeServiceStatus":{"rayClusterName":"rs-a"},"pendingServiceStatus":{"rayClusterName":"rs-p"}}}"#;
        let mut want = RayService {
            name: "rs".into(),
            namespace: "ns".into(),
            ..RayService::default()
        };
        want.spec.serve_service_name = "custom-serve".into();
        want.status.active.ray_cluster_name = "rs-a".into();
        want.status.pending.ray_cluster_name = "rs-p".into();
        assert_eq!(ray_service(answer), Some(want.clone()));
        assert_eq!(ray_service_value(answer), Ok(want));
        let same: &[&str] = &[
            r#"{}"#,
            r#"{"metadata":null,"spec":null,"status":null}"#,
            r#"{"spec":{"serveService":null},"status":{"activeServiceStatus":null,"pendingServiceStatus":{}}}"#,
            r#"{"status":{"activeServiceStatus":{"rayClusterName":"a"},"activeServiceStatus":{}}}"#,
            r#"{"metadata":{"name":"a","labels":{"x":"y"}},"metadata":{"namespace":"n"},"kind":"RayService"}"#,
            r#"{"spec":{"serveService":{"metadata":{"name":"a","labels":{}},"spec":{"ports":[]}}}}"#,
        ];
        for answer in same {
            let reference = ray_service_value(answer.as_bytes());
            assert!(reference.is_ok(), "{answer}: {reference:?}");
            assert_eq!(
                ray_service(answer.as_bytes()).map(Ok),
                Some(reference),
                "{answer}"
            );
        }
        let other: &[&str] = &[
            "null",
            r#"{"metadata":{"generation":1}}"#,
            r#"{"metadata":{"annotations":{}}}"#,
            r#"{"spec":{"suspend":true}}"#,
            r#"{"status":{"conditions":[]}}"#,
            r#"{"status":{"activeServiceStatus":{"applicationStatuses":{}}}}"#,
            r#"{"status":{"pendingServiceStatus":{"rayClusterName":1}}}"#,
            r#"{"spec":{"serveService":[]}}"#,
        ];
        for answer in other {
            assert_eq!(ray_service(answer.as_bytes()), None, "{answer}");
        }
    }

    #[test]
    fn reads_absent_null_and_repeated_fields_as_the_value_decoder_does() {
        let services: &[&str] = &[
            r#"{}"#,
            r#"{"metadata":null,"spec":null}"#,
            r#"{"metadata":{"name":null,"ownerReferences":null},"spec":{"selector":null}}"#,
            r#"{"metadata":{"ownerReferences":[{"controller":null,"kind":"A","name":"a"},{"kind":"B","controller":true}]}}"#,
            r#"{"metadata":{"ownerReferences":[{"controller":true,"kind":"A","controller":false}]}}"#,
            r#"{"metadata":{"name":"a","ownerReferences":[{"controller":true}]},"metadata":{"namespace":"n"}}"#,
            r#"{"spec":{"selector":{"a":"1","a":"2"}}}"#,
            r#"{"spec":{"selector":{"a":"1"}},"spec":{}}"#,
            " {\n\t\"metadata\" : { \"name\" : \"ü\" } } \r\n",
        ];
        for answer in services {
            let reference = service_value(answer.as_bytes());
            assert!(reference.is_ok(), "{answer}: {reference:?}");
            assert_eq!(service(answer.as_bytes()).map(Ok), Some(reference), "{answer}");
        }
        let clusters: &[&str] = &[
            r#"{}"#,
            r#"{"metadata":null,"status":null}"#,
            r#"{"metadata":{"deletionTimestamp":null,"labels":null,"annotations":null},"status":{"conditions":null,"state":null,"head":null}}"#,
            r#"{"metadata":{"deletionTimestamp":{"a":[1]}}}"#,
            r#"{"metadata":{"deletionTimestamp":"t"},"metadata":{"name":"a"}}"#,
            r#"{"metadata":{"deletionTimestamp":"t","deletionTimestamp":null}}"#,
            r#"{"status":{"state":"ready"}}"#,
            r#"{"status":{"state":"ready","conditions":[{"type":"Other","status":"True"}]}}"#,
            r#"{"status":{"state":"ready","conditions":[{"type":"HeadPodReady","status":"True"}]},"status":{"state":"x"}}"#,
            r#"{"status":{"conditions":[{"type":"HeadPodReady","status":"True"}],"conditions":[]}}"#,
            r#"{"metadata":{"labels":{"ray.io/originated-from-cr-name":"rs"},"labels":{"b":"c"}}}"#,
            r#"{"status":{"head":{"podName":"h"},"head":{}}}"#,
        ];
        for answer in clusters {
            let reference = ray_cluster_value(answer.as_bytes());
            assert!(reference.is_ok(), "{answer}: {reference:?}");
            assert_eq!(
                ray_cluster(answer.as_bytes()).map(Ok),
                Some(reference),
                "{answer}"
            );
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_read_as_the_value_decoder_does() {
        let services: &[&str] = &[
            "",
            "null",
            "[]",
            r#"{"metadata":{"name":7}}"#,
            r#"{"metadata":{"name":"a\u0062"}}"#,
            r#"{"metadata":{"ownerReferences":{}}}"#,
            r#"{"metadata":{"ownerReferences":[null]}}"#,
            r#"{"metadata":{"ownerReferences":[{"controller":"true"}]}}"#,
            r#"{"metadata":{"ownerReferences":[{"controller":true,"kind":1}]}}"#,
            r#"{"spec":{"selector":{"a":null}}}"#,
            r#"{"spec":{"selector":{"a":1}}}"#,
            r#"{"spec":{"selector":{"a":"\n"}}}"#,
            r#"{"spec":{"sel\u0065ctor":{}}}"#,
            r#"{} trailing"#,
        ];
        for answer in services {
            assert_eq!(service(answer.as_bytes()), None, "{answer}");
        }
        let clusters: &[&str] = &[
            "null",
            r#"{"metadata":{"labels":{"a":null}}}"#,
            r#"{"metadata":{"labels":{"a":["x"]}}}"#,
            r#"{"metadata":{"annotations":{"a":true}}}"#,
            r#"{"status":{"conditions":[null]}}"#,
            r#"{"status":{"conditions":[{"type":1}]}}"#,
            r#"{"status":{"conditions":{}}}"#,
            r#"{"status":{"state":1}}"#,
            r#"{"status":{"head":"h"}}"#,
            r#"{"status":{"head":{"podName":false}}}"#,
            r#"{"status":[]}"#,
        ];
        for answer in clusters {
            assert_eq!(ray_cluster(answer.as_bytes()), None, "{answer}");
        }
    }

    mod agreement {
        use proptest::prelude::*;

        use crate::json_scan::testing::{edit, fields};

        use super::super::{ray_cluster, ray_service, service};
        use super::{ray_cluster_value, ray_service_value, service_value};

        fn leaf() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("\"a\"".to_string()),
                Just("\"rs\"".to_string()),
                Just("\"True\"".to_string()),
                Just("\"HeadPodReady\"".to_string()),
                Just("\"ready\"".to_string()),
                Just("\"\\u0061\"".to_string()),
                Just("null".to_string()),
                Just("true".to_string()),
                Just("false".to_string()),
                Just("7".to_string()),
            ]
        }

        fn list(item: BoxedStrategy<String>) -> BoxedStrategy<String> {
            prop_oneof![
                6 => prop::collection::vec(item, 0..4).prop_map(|v| format!("[{}]", v.join(","))),
                1 => Just("null".to_string()),
                1 => Just("{}".to_string()),
            ]
            .boxed()
        }

        fn map() -> BoxedStrategy<String> {
            fields(
                vec!["ray.io/cluster", "ray.io/originated-from-cr-name", "app"],
                leaf().boxed(),
            )
        }

        fn service_text() -> impl Strategy<Value = String> {
            let owner = fields(vec!["controller", "kind", "name", "uid"], leaf().boxed());
            let metadata = fields(
                vec!["name", "namespace", "ownerReferences", "uid"],
                prop_oneof![leaf(), list(owner)].boxed(),
            );
            let spec = fields(vec!["selector", "type"], prop_oneof![leaf(), map()].boxed());
            fields(
                vec!["metadata", "spec", "kind"],
                prop_oneof![metadata, spec, leaf()].boxed(),
            )
        }

        fn ray_cluster_text() -> impl Strategy<Value = String> {
            let metadata = fields(
                vec!["name", "namespace", "deletionTimestamp", "labels", "annotations"],
                prop_oneof![leaf(), map()].boxed(),
            );
            let condition = fields(vec!["type", "status", "reason", "message"], leaf().boxed());
            let head = fields(vec!["podName", "podIP"], leaf().boxed());
            let status = fields(
                vec!["conditions", "state", "head"],
                prop_oneof![leaf(), list(condition), head].boxed(),
            );
            fields(
                vec!["metadata", "status", "kind"],
                prop_oneof![metadata, status, leaf()].boxed(),
            )
        }

        fn ray_service_text() -> impl Strategy<Value = String> {
            let names = fields(vec!["name", "namespace", "generation", "labels"], leaf().boxed());
            let serve = fields(vec!["metadata", "spec"], names.clone());
            let spec = fields(
                vec!["serveService", "suspend"],
                prop_oneof![leaf(), serve].boxed(),
            );
            let serve_status = fields(vec!["rayClusterName", "targetCapacity", "other"], leaf().boxed());
            let status = fields(
                vec![
                    "activeServiceStatus",
                    "pendingServiceStatus",
                    "conditions",
                    "other",
                ],
                prop_oneof![leaf(), serve_status].boxed(),
            );
            fields(
                vec!["metadata", "spec", "status", "kind"],
                prop_oneof![names, spec, status, leaf()].boxed(),
            )
        }

        proptest! {
            #[test]
            fn the_service_scan_answers_only_as_the_value_decoder_does(
                text in service_text(), op in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
            ) {
                for bytes in [text.as_bytes().to_vec(), edit(&text, op, at, byte)] {
                    if let Some(svc) = service(&bytes) {
                        prop_assert_eq!(Ok(svc), service_value(&bytes), "{}", String::from_utf8_lossy(&bytes));
                    }
                }
            }

            #[test]
            fn the_ray_service_scan_answers_only_as_the_value_decoder_does(
                text in ray_service_text(), op in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
            ) {
                for bytes in [text.as_bytes().to_vec(), edit(&text, op, at, byte)] {
                    if let Some(rs) = ray_service(&bytes) {
                        prop_assert_eq!(Ok(rs), ray_service_value(&bytes), "{}", String::from_utf8_lossy(&bytes));
                    }
                }
            }

            #[test]
            fn the_ray_cluster_scan_answers_only_as_the_value_decoder_does(
                text in ray_cluster_text(), op in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
            ) {
                for bytes in [text.as_bytes().to_vec(), edit(&text, op, at, byte)] {
                    if let Some(rc) = ray_cluster(&bytes) {
                        prop_assert_eq!(Ok(rc), ray_cluster_value(&bytes), "{}", String::from_utf8_lossy(&bytes));
                    }
                }
            }
        }
    }
}
