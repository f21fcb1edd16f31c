//! Malicious packers (KDPOS.md, "Malicious packers"): what happens, in the block the evidence
//! lands, to a producer that misbehaves.

use crate::Params;
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
    /// Too few missed slots to count as a fault.
    BelowThreshold,
    /// The offender is not an active producer, or is already disabled: nothing to evict.
    NotActive,
}

/// Producers that must stay online for GRANDPA to finalize: more than two thirds of `active`.
pub fn needed_online(active: u32) -> u32 {
    active.saturating_mul(2) / 3 + 1
}

/// Decides what to do with `offender` for `fault`. `active` are this session's producers,
/// `disabled` those already disabled, `standbys` the standbys in promotion order.
///
/// A proven offence is always evicted: the equivocator is Byzantine, so disabling it costs no
/// honest vote. A liveness fault is evicted only while more than two thirds stay online.
pub fn decide<C: PartialEq + Clone>(
    fault: Fault,
    offender: &C,
    active: &[C],
    disabled: &[C],
    standbys: &[C],
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
            decide(Fault::MissedSlots(2), &2, &ACTIVE, &[], &[9], &p),
            Decision::BelowThreshold
        );
        assert_eq!(
            decide(Fault::MissedSlots(3), &2, &ACTIVE, &[], &[9], &p),
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
    fn nothing_to_evict_outside_the_active_set() {
        let p = Params::default();
        assert_eq!(
            decide(Fault::Equivocation, &7, &ACTIVE, &[], &[], &p),
            Decision::NotActive
        );
        assert_eq!(
            decide(Fault::Equivocation, &1, &ACTIVE, &[1], &[], &p),
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
