//! Malicious packers (KDPOS.md, "Malicious packers"): what happens, in the block the evidence
//! lands, to a producer that misbehaves.

use crate::{EraCounters, Params};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A fault of an active producer.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum Fault {
    /// A proven equivocation (GRANDPA through pallet-offences, or an Aura proof).
    Equivocation,
    /// This many own slots missed in a row.
    MissedSlots(u32),
}

/// What to do about a fault.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Decision<C> {
    /// Disable it now and rotate so `replacement` (the best standby, if any is left) takes its
    /// place. A proven offence is also slashed and banned.
    Evict {
        slash: bool,
        ban: bool,
        replacement: Option<C>,
    },
    /// A liveness fault that would leave fewer producers online than finality needs: recorded,
    /// not evicted. `online` would fall to `online - 1`, below `needed`.
    Deferred { online: u32, needed: u32 },
    /// A liveness fault while `missing` producers (at least `outage_producers`) miss their slots
    /// at once: a shared outage, not this node's own fault, so it is recorded, not evicted.
    SharedOutage { missing: u32 },
    /// Too few missed slots to count as a fault.
    BelowThreshold,
    /// The offender is not an active producer, or is already disabled: nothing to evict.
    NotActive,
}

/// Producers that must stay online for GRANDPA to finalize: more than two thirds of `active`.
pub fn needed_online(active: u32) -> u32 {
    active.saturating_mul(2) / 3 + 1
}

/// Whether a producer counts as missing towards a shared outage: it has missed its last `run`
/// own slots, one short of a liveness fault or more, and before this run it missed no more of its
/// own slots this era than it authored (`era`, whose `missed` includes the run). Producers that
/// fail together reach the threshold a slot apart, so when the first of them is judged the
/// others are one short. A producer that keeps itself one slot short of a fault (miss, miss,
/// author) would otherwise be missing a third of the time and make any other node's own fault
/// look shared; after its first cycle it has missed twice what it authored and no longer counts.
pub fn is_missing(run: u32, era: &EraCounters, params: &Params) -> bool {
    run >= params.missed_slots_threshold.saturating_sub(1).max(1)
        && era.missed.saturating_sub(run) <= era.authored
}

/// Decides what to do with `offender` for `fault`. `active` are this session's producers,
/// `disabled` those already disabled, `standbys` the standbys in promotion order, `missing` the
/// enabled producers (the offender among them) that [`is_missing`] says are missing now.
///
/// A proven offence is always evicted: the equivocator is Byzantine, so disabling it costs no
/// honest vote. A liveness fault is evicted only while more than two thirds stay online, and
/// only when it is the node's own: when `outage_producers` or more miss at once, the cause is
/// shared (a network, power or release failure), and evicting them all would hand their seats
/// to standbys for what no operator did wrong. Their misses still count against their records.
pub fn decide<C: PartialEq + Clone>(
    fault: Fault,
    offender: &C,
    active: &[C],
    disabled: &[C],
    standbys: &[C],
    missing: u32,
    params: &Params,
) -> Decision<C> {
    if !active.contains(offender) || disabled.contains(offender) {
        return Decision::NotActive;
    }
    let replacement = standbys
        .iter()
        .find(|s| !disabled.contains(s) && !active.contains(s))
        .cloned();
    match fault {
        Fault::Equivocation => Decision::Evict {
            slash: true,
            ban: true,
            replacement,
        },
        Fault::MissedSlots(n) if n < params.missed_slots_threshold => Decision::BelowThreshold,
        Fault::MissedSlots(_)
            if params.outage_producers > 0 && missing >= params.outage_producers =>
        {
            Decision::SharedOutage { missing }
        }
        Fault::MissedSlots(_) => {
            let total = active.len() as u32;
            let online = active.iter().filter(|a| !disabled.contains(a)).count() as u32;
            let needed = needed_online(total);
            if online.saturating_sub(1) < needed {
                Decision::Deferred { online, needed }
            } else {
                Decision::Evict {
                    slash: false,
                    ban: false,
                    replacement,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVE: [u32; 4] = [1, 2, 3, 4];

    #[test]
    fn an_equivocator_is_evicted_slashed_banned_and_replaced() {
        let d = decide(
            Fault::Equivocation,
            &2,
            &ACTIVE,
            &[],
            &[9, 8],
            0,
            &Params::default(),
        );
        assert_eq!(
            d,
            Decision::Evict {
                slash: true,
                ban: true,
                replacement: Some(9)
            }
        );
    }

    #[test]
    fn missed_slots_count_from_the_threshold() {
        let p = Params::default();
        assert_eq!(
            decide(Fault::MissedSlots(2), &2, &ACTIVE, &[], &[9], 1, &p),
            Decision::BelowThreshold
        );
        assert_eq!(
            decide(Fault::MissedSlots(3), &2, &ACTIVE, &[], &[9], 1, &p),
            Decision::Evict {
                slash: false,
                ban: false,
                replacement: Some(9)
            }
        );
    }

    #[test]
    fn liveness_evictions_never_break_finality() {
        // 4 producers need 3 online; with 1 already disabled, evicting another would leave 2.
        let d = decide(
            Fault::MissedSlots(5),
            &2,
            &ACTIVE,
            &[1],
            &[9],
            1,
            &Params::default(),
        );
        assert_eq!(
            d,
            Decision::Deferred {
                online: 3,
                needed: 3
            }
        );
        // An equivocator goes regardless.
        let d = decide(
            Fault::Equivocation,
            &2,
            &ACTIVE,
            &[1],
            &[],
            0,
            &Params::default(),
        );
        assert_eq!(
            d,
            Decision::Evict {
                slash: true,
                ban: true,
                replacement: None
            }
        );
    }

    #[test]
    fn producers_failing_together_are_a_shared_outage_not_each_a_fault() {
        let p = Params::default();
        // A fault of its own: only the offender is missing.
        assert!(matches!(
            decide(Fault::MissedSlots(3), &2, &ACTIVE, &[], &[9], 1, &p),
            Decision::Evict { .. }
        ));
        // Two producers missing at once: the second is one slot short when the first is judged.
        assert_eq!(
            decide(Fault::MissedSlots(3), &2, &ACTIVE, &[], &[9], 2, &p),
            Decision::SharedOutage { missing: 2 }
        );
        // An equivocation is no outage, however many are missing.
        assert!(matches!(
            decide(Fault::Equivocation, &2, &ACTIVE, &[], &[9], 4, &p),
            Decision::Evict { slash: true, .. }
        ));
        // 0 turns the rule off.
        let off = Params {
            outage_producers: 0,
            ..p
        };
        assert!(matches!(
            decide(Fault::MissedSlots(3), &2, &ACTIVE, &[], &[9], 4, &off),
            Decision::Evict { .. }
        ));
    }

    /// An era of `authored` own blocks and `missed` misses, the current run included.
    fn era(authored: u32, missed: u32) -> EraCounters {
        EraCounters {
            authored,
            missed,
            ..Default::default()
        }
    }

    #[test]
    fn missing_counts_from_one_slot_short_of_a_fault() {
        let p = Params::default();
        assert!(!is_missing(0, &era(9, 0), &p));
        assert!(!is_missing(1, &era(9, 1), &p));
        assert!(is_missing(2, &era(9, 2), &p));
        assert!(is_missing(7, &era(9, 7), &p));
        assert!(is_missing(2, &era(0, 2), &p), "down since the era began");
        let one = Params {
            missed_slots_threshold: 1,
            ..p
        };
        assert!(
            !is_missing(0, &era(9, 0), &one),
            "a threshold of 1 still needs a miss"
        );
        assert!(is_missing(1, &era(9, 1), &one));
    }

    #[test]
    fn a_producer_that_keeps_one_slot_short_of_a_fault_never_makes_an_outage() {
        let p = Params::default();
        // Miss, miss, author, over and over: after its first cycle it has missed twice what it
        // authored before each new run.
        assert!(
            is_missing(2, &era(0, 2), &p),
            "its first run looks like any other"
        );
        for cycles in 1..10 {
            assert!(!is_missing(2, &era(cycles, 2 * cycles + 2), &p));
        }
        // A hospital that missed a few slots earlier in the era still counts.
        assert!(is_missing(2, &era(30, 5), &p));
    }

    #[test]
    fn nothing_to_evict_outside_the_active_set() {
        let p = Params::default();
        assert_eq!(
            decide(Fault::Equivocation, &7, &ACTIVE, &[], &[], 0, &p),
            Decision::NotActive
        );
        assert_eq!(
            decide(Fault::Equivocation, &1, &ACTIVE, &[1], &[], 0, &p),
            Decision::NotActive
        );
    }

    #[test]
    fn a_disabled_or_active_standby_is_skipped() {
        let d = decide(
            Fault::Equivocation,
            &2,
            &ACTIVE,
            &[9],
            &[9, 3, 8],
            0,
            &Params::default(),
        );
        assert_eq!(
            d,
            Decision::Evict {
                slash: true,
                ban: true,
                replacement: Some(8)
            }
        );
    }

    #[test]
    fn two_thirds_plus_one() {
        assert_eq!(needed_online(4), 3);
        assert_eq!(needed_online(21), 15);
        assert_eq!(needed_online(3), 3);
        assert_eq!(needed_online(1), 1);
    }
}
