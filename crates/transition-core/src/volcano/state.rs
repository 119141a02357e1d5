//! The Volcano queue controller's state machine (catalog §1.3–§1.5), as pure
//! data: one transition table ([`next`]) and the hierarchy effects of each
//! event ([`QueueLifecycle`]). The reconciler executes exactly this; the
//! policy's transition rules T1–T6 ([`super::rules`]) are derived from it.

use std::fmt;

/// The state of a Volcano Queue (`status.state`).
///
/// ```text
///                      close, pg == 0
///        +------------------------------------------------+
///        |                                                v
///   +---------+  close, pg > 0   +---------+  sync/close,  +--------+
///   | Open/"" | ---------------> | Closing | --pg == 0---> | Closed |
///   +---------+                  +---------+               +--------+
///     ^  ^  |                      |  ^  |                    |  |
///     |  |  +-- sync/open: Open    |  +--+ sync/close, pg > 0 |  +-- sync/close: Closed
///     |  +------ open ------------+                           |      (never -> Closing)
///     +--------------------- open ----------------------------+
///
///   +---------+  open -> Open; close -> Closing (pg > 0) / Closed (pg == 0);
///   | Unknown |  sync -> Unknown.  No event ever *enters* Unknown.
///   +---------+
/// ```
///
/// `Unsynced` is the empty string of a queue the controller has not synced
/// yet; the controller treats it as `Open` (admission P1/J1 do not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueState {
    Unsynced,
    Open,
    Closing,
    Closed,
    Unknown,
}

impl QueueState {
    /// All states, for exhaustive tests and tables.
    pub const ALL: [QueueState; 5] = [
        QueueState::Unsynced,
        QueueState::Open,
        QueueState::Closing,
        QueueState::Closed,
        QueueState::Unknown,
    ];

    /// Reads `status.state`; `None` for a value outside the CRD enum.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "" => QueueState::Unsynced,
            "Open" => QueueState::Open,
            "Closing" => QueueState::Closing,
            "Closed" => QueueState::Closed,
            "Unknown" => QueueState::Unknown,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QueueState::Unsynced => "",
            QueueState::Open => "Open",
            QueueState::Closing => "Closing",
            QueueState::Closed => "Closed",
            QueueState::Unknown => "Unknown",
        }
    }

    /// Closing or Closed: the states in which hierarchy logic treats a queue as closed.
    pub fn is_closing_or_closed(self) -> bool {
        matches!(self, QueueState::Closing | QueueState::Closed)
    }
}

impl fmt::Display for QueueState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A controller event for one queue (`OpenQueue`, `CloseQueue`, `SyncQueue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueAction {
    Open,
    Close,
    Sync,
}

impl QueueAction {
    pub const ALL: [QueueAction; 3] = [QueueAction::Open, QueueAction::Close, QueueAction::Sync];
}

/// The transition table (catalog §1.3): the state after `action`, when
/// `podgroups` PodGroups (any namespace, any phase) reference the queue.
///
/// Close yields Closed only with no PodGroups, else Closing; Closing becomes
/// Closed on a sync once the last PodGroup is gone; Closed never goes back to
/// Closing; nothing enters Unknown. (Hierarchy refusals — root never closes,
/// no open under a closed parent — are in [`QueueLifecycle`].)
pub fn next(state: QueueState, action: QueueAction, podgroups: usize) -> QueueState {
    use QueueAction as A;
    use QueueState as S;
    let close = if podgroups == 0 { S::Closed } else { S::Closing };
    match (state, action) {
        (_, A::Open) => S::Open,
        (S::Unsynced | S::Open | S::Closing | S::Unknown, A::Close) => close,
        (S::Closed, A::Close | A::Sync) => S::Closed,
        (S::Unsynced | S::Open, A::Sync) => S::Open,
        (S::Closing, A::Sync) => close,
        (S::Unknown, A::Sync) => S::Unknown,
    }
}

/// True when the controller can move a queue from `from` to `to` with one
/// action while `podgroups` PodGroups reference it. The policy's T1–T3
/// rules are this predicate (T5/T6 are hierarchy refusals, see
/// [`QueueLifecycle`]).
pub fn reachable(from: QueueState, to: QueueState, podgroups: usize) -> bool {
    from == to || QueueAction::ALL.iter().any(|a| next(from, *a, podgroups) == to)
}

/// The status writes the policy admits (T1–T3 of catalog §6): those
/// [`reachable`] with `podgroups`, except that a move *to* Closing is judged as
/// if PodGroups existed — a stale `Open → Closing` with no PodGroups left is
/// harmless, the next sync turns it into Closed.
pub fn admissible(from: QueueState, to: QueueState, podgroups: usize) -> bool {
    let podgroups = if to == QueueState::Closing {
        podgroups.max(1)
    } else {
        podgroups
    };
    reachable(from, to, podgroups)
}

/// A side effect the controller performs after an event, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Server-side apply `status.state` (only emitted when it changes).
    WriteState(QueueState),
    /// Patch annotation `volcano.sh/closed-by-parent` on `queue`.
    MarkClosedByParent { queue: String, value: bool },
    /// Enqueue `CloseQueue` for `queue` (a child closed with its parent).
    EnqueueClose { queue: String },
    /// Enqueue `OpenQueue` for `queue` (a child reopened with its parent).
    EnqueueOpen { queue: String },
    /// JSON-patch `spec.parent: root` onto a parentless non-root queue.
    SetParentRoot,
}

/// Why an event left the queue as it was, beyond the plain table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// `closeHierarchicalQueue`: the root queue is never closed (log only).
    #[error("Root queue cannot be closed")]
    RootNeverCloses,
    /// `openHierarchicalQueue`: the parent is Closing/Closed; retried later.
    #[error("Failed to open queue {queue} because its parent queue {parent} is closing or closed. Open the parent queue first.")]
    ParentClosed { queue: String, parent: String },
}

/// One child queue, as the hierarchy logic sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildQueue {
    pub name: String,
    pub state: QueueState,
    pub closed_by_parent: bool,
}

/// The outcome of one event: the new state and the effects, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub state: QueueState,
    pub effects: Vec<Effect>,
}

/// One queue and its surroundings, as the controller sees them when it
/// handles an event. Construct it, call the method named after the event,
/// execute the returned [`Step`]'s effects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLifecycle {
    pub name: String,
    pub state: QueueState,
    /// `spec.parent` (`""` = none).
    pub parent: String,
    /// The parent's state, when the parent is a real queue (not ""/root) and known.
    pub parent_state: Option<QueueState>,
    pub closed_by_parent: bool,
    /// Queues whose `spec.parent` is this queue's name.
    pub children: Vec<ChildQueue>,
}

impl QueueLifecycle {
    fn has_real_parent(&self) -> bool {
        !self.parent.is_empty() && self.parent != "root"
    }

    fn write(&self, to: QueueState, effects: &mut Vec<Effect>) {
        if to != self.state {
            effects.push(Effect::WriteState(to));
        }
    }

    /// `CloseQueue` (§1.5 `closeQueue`): unless already Closing/Closed, the
    /// root refuses and every open child is marked closed-by-parent and
    /// closed; then the table decides Closing/Closed by `podgroups`.
    pub fn on_close(&self, podgroups: usize) -> Result<Step, Refusal> {
        let mut effects = Vec::new();
        if !self.state.is_closing_or_closed() {
            if self.name == "root" {
                return Err(Refusal::RootNeverCloses);
            }
            for child in self.children.iter().filter(|c| !c.state.is_closing_or_closed()) {
                if !child.closed_by_parent {
                    effects.push(Effect::MarkClosedByParent {
                        queue: child.name.clone(),
                        value: true,
                    });
                }
                effects.push(Effect::EnqueueClose {
                    queue: child.name.clone(),
                });
            }
        }
        let to = next(self.state, QueueAction::Close, podgroups);
        self.write(to, &mut effects);
        Ok(Step { state: to, effects })
    }

    /// `OpenQueue` (§1.5 `openQueue`): unless already Open, refused under a
    /// Closing/Closed parent, else children closed by this queue are
    /// reopened; the state becomes Open and closed-by-parent is cleared.
    pub fn on_open(&self) -> Result<Step, Refusal> {
        let mut effects = Vec::new();
        if self.state != QueueState::Open {
            if self.has_real_parent() && self.parent_state.is_some_and(QueueState::is_closing_or_closed) {
                return Err(Refusal::ParentClosed {
                    queue: self.name.clone(),
                    parent: self.parent.clone(),
                });
            }
            for child in self.children.iter().filter(|c| c.closed_by_parent) {
                effects.push(Effect::EnqueueOpen {
                    queue: child.name.clone(),
                });
            }
        }
        let to = next(self.state, QueueAction::Open, 0);
        self.write(to, &mut effects);
        if self.closed_by_parent {
            effects.push(Effect::MarkClosedByParent {
                queue: self.name.clone(),
                value: false,
            });
        }
        Ok(Step { state: to, effects })
    }

    /// `SyncQueue` (§1.4/§1.5 `syncQueue` + `syncHierarchicalQueue`): parent
    /// defaulted to root, table step, then follow the parent: close under a
    /// closed parent, reopen under an open parent if closed by it.
    pub fn on_sync(&self, podgroups: usize) -> Step {
        let mut effects = Vec::new();
        if self.name != "root" && self.parent.is_empty() {
            effects.push(Effect::SetParentRoot);
        }
        let to = next(self.state, QueueAction::Sync, podgroups);
        self.write(to, &mut effects);
        if self.name != "root" {
            match self.parent_state {
                Some(p) if p.is_closing_or_closed() && !to.is_closing_or_closed() => {
                    if !self.closed_by_parent {
                        effects.push(Effect::MarkClosedByParent {
                            queue: self.name.clone(),
                            value: true,
                        });
                    }
                    effects.push(Effect::EnqueueClose {
                        queue: self.name.clone(),
                    });
                }
                Some(QueueState::Open) if to.is_closing_or_closed() && self.closed_by_parent => {
                    effects.push(Effect::EnqueueOpen {
                        queue: self.name.clone(),
                    });
                }
                _ => {}
            }
        }
        Step { state: to, effects }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QueueAction as A;
    use QueueState as S;

    /// §1.3, every state × action × (0, >0) PodGroups.
    #[test]
    fn transition_table_is_exhaustive() {
        #[rustfmt::skip]
        let table: &[(S, A, S, S)] = &[
            // state,       action,    pg == 0,    pg > 0
            (S::Unsynced, A::Open,  S::Open,    S::Open),
            (S::Unsynced, A::Close, S::Closed,  S::Closing),
            (S::Unsynced, A::Sync,  S::Open,    S::Open),
            (S::Open,     A::Open,  S::Open,    S::Open),
            (S::Open,     A::Close, S::Closed,  S::Closing),
            (S::Open,     A::Sync,  S::Open,    S::Open),
            (S::Closing,  A::Open,  S::Open,    S::Open),
            (S::Closing,  A::Close, S::Closed,  S::Closing),
            (S::Closing,  A::Sync,  S::Closed,  S::Closing),
            (S::Closed,   A::Open,  S::Open,    S::Open),
            (S::Closed,   A::Close, S::Closed,  S::Closed),
            (S::Closed,   A::Sync,  S::Closed,  S::Closed),
            (S::Unknown,  A::Open,  S::Open,    S::Open),
            (S::Unknown,  A::Close, S::Closed,  S::Closing),
            (S::Unknown,  A::Sync,  S::Unknown, S::Unknown),
        ];
        assert_eq!(table.len(), S::ALL.len() * A::ALL.len());
        for (s, a, zero, some) in table {
            assert_eq!(next(*s, *a, 0), *zero, "{s:?} {a:?} pg=0");
            assert_eq!(next(*s, *a, 1), *some, "{s:?} {a:?} pg=1");
            assert_eq!(next(*s, *a, 7), *some, "{s:?} {a:?} pg=7");
        }
    }

    #[test]
    fn table_invariants() {
        for s in S::ALL {
            for a in A::ALL {
                for pg in [0, 1, 5] {
                    let n = next(s, a, pg);
                    assert!(n != S::Unknown || s == S::Unknown, "{s:?} {a:?} enters Unknown");
                    assert!(!(s == S::Closed && n == S::Closing), "Closed -> Closing");
                    assert!(
                        n != S::Closed || pg == 0 || s == S::Closed,
                        "Closed with PodGroups"
                    );
                    assert_ne!(n, S::Unsynced);
                }
            }
        }
    }

    #[test]
    fn reachable_matches_derived_rules() {
        assert!(!reachable(S::Closed, S::Closing, 0)); // T1
        assert!(!reachable(S::Open, S::Unknown, 0)); // T2
        assert!(!reachable(S::Open, S::Closed, 3)); // T3
        assert!(!reachable(S::Closing, S::Closed, 1)); // T3
        assert!(reachable(S::Closing, S::Closed, 0));
        assert!(!reachable(S::Open, S::Closing, 0));
        assert!(admissible(S::Open, S::Closing, 0)); // policy choice: next sync closes it
        assert!(!admissible(S::Closed, S::Closing, 0)); // T1
        assert!(!admissible(S::Closed, S::Closing, 3)); // T1
        assert!(!admissible(S::Open, S::Closed, 1)); // T3
        assert!(admissible(S::Unsynced, S::Closed, 0));
        assert!(reachable(S::Closed, S::Open, 4)); // T4
        assert!(reachable(S::Unknown, S::Unknown, 0));
    }

    fn child(name: &str, state: S, cbp: bool) -> ChildQueue {
        ChildQueue {
            name: name.into(),
            state,
            closed_by_parent: cbp,
        }
    }

    fn queue(name: &str, state: S, parent: &str, parent_state: Option<S>) -> QueueLifecycle {
        QueueLifecycle {
            name: name.into(),
            state,
            parent: parent.into(),
            parent_state,
            closed_by_parent: false,
            children: vec![],
        }
    }

    #[test]
    fn close_closes_open_children_and_marks_them() {
        let mut q = queue("eng", S::Open, "root", None);
        q.children = vec![
            child("a", S::Open, false),
            child("b", S::Closed, false),
            child("c", S::Unsynced, true),
        ];
        assert_eq!(
            q.on_close(2),
            Ok(Step {
                state: S::Closing,
                effects: vec![
                    Effect::MarkClosedByParent {
                        queue: "a".into(),
                        value: true
                    },
                    Effect::EnqueueClose { queue: "a".into() },
                    Effect::EnqueueClose { queue: "c".into() },
                    Effect::WriteState(S::Closing),
                ]
            })
        );
        // already Closing: no hierarchy work, only the table (Closed when empty)
        let mut q2 = q.clone();
        q2.state = S::Closing;
        assert_eq!(
            q2.on_close(0),
            Ok(Step {
                state: S::Closed,
                effects: vec![Effect::WriteState(S::Closed)]
            })
        );
    }

    #[test]
    fn root_never_closes() {
        let q = queue("root", S::Open, "", None);
        assert_eq!(q.on_close(0), Err(Refusal::RootNeverCloses));
        assert_eq!(
            Refusal::RootNeverCloses.to_string(),
            "Root queue cannot be closed"
        );
    }

    #[test]
    fn open_refused_under_closed_parent_with_controller_text() {
        let q = queue("child", S::Closed, "eng", Some(S::Closing));
        let err = q.on_open().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Failed to open queue child because its parent queue eng is closing or closed. Open the parent queue first."
        );
        // parent root or open: allowed; closed-by-parent children reopen; own mark cleared
        let mut q = queue("eng", S::Closed, "root", Some(S::Closed));
        q.closed_by_parent = true;
        q.children = vec![child("a", S::Closed, true), child("b", S::Closed, false)];
        assert_eq!(
            q.on_open(),
            Ok(Step {
                state: S::Open,
                effects: vec![
                    Effect::EnqueueOpen { queue: "a".into() },
                    Effect::WriteState(S::Open),
                    Effect::MarkClosedByParent {
                        queue: "eng".into(),
                        value: false
                    },
                ]
            })
        );
        // already open: nothing to do
        assert_eq!(
            queue("x", S::Open, "p", Some(S::Closed)).on_open(),
            Ok(Step {
                state: S::Open,
                effects: vec![]
            })
        );
    }

    #[test]
    fn sync_follows_parent() {
        // unsynced, no parent: parent defaulted, state written Open
        assert_eq!(
            queue("q", S::Unsynced, "", None).on_sync(0),
            Step {
                state: S::Open,
                effects: vec![Effect::SetParentRoot, Effect::WriteState(S::Open)]
            }
        );
        // parent closed, queue open: mark and close
        assert_eq!(
            queue("q", S::Open, "eng", Some(S::Closed)).on_sync(0),
            Step {
                state: S::Open,
                effects: vec![
                    Effect::MarkClosedByParent {
                        queue: "q".into(),
                        value: true
                    },
                    Effect::EnqueueClose { queue: "q".into() }
                ]
            }
        );
        // parent open again, queue closed by parent: reopen
        let mut q = queue("q", S::Closed, "eng", Some(S::Open));
        q.closed_by_parent = true;
        assert_eq!(
            q.on_sync(0),
            Step {
                state: S::Closed,
                effects: vec![Effect::EnqueueOpen { queue: "q".into() }]
            }
        );
        // closed manually (no mark): stays closed
        q.closed_by_parent = false;
        assert_eq!(
            q.on_sync(0),
            Step {
                state: S::Closed,
                effects: vec![]
            }
        );
        // Closing drains to Closed when the last PodGroup is gone
        assert_eq!(
            queue("q", S::Closing, "root", Some(S::Open)).on_sync(0),
            Step {
                state: S::Closed,
                effects: vec![Effect::WriteState(S::Closed)]
            }
        );
    }
}
