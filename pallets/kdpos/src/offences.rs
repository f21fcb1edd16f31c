//! Faults and what they cost (KDPOS.md, "Malicious packers"): liveness faults from the Aura slot
//! gap, equivocations proven through pallet-offences (GRANDPA) or by an Aura proof checked here,
//! for any session of the report window. Whatever the fault, the decision is
//! `kdpos_primitives::eviction::decide`'s.

use crate::*;
use alloc::vec::Vec;
use kdpos_primitives::eviction::Decision;
use sp_runtime::{
    traits::{Header as HeaderT, One, Saturating, Zero},
    Perbill, RuntimeAppPublic,
};
use sp_staking::{
    offence::{OffenceDetails, OnOffenceHandler},
    SessionIndex,
};

/// Penalty points of a proven offence: all of them, so integrity falls to zero.
const OFFENCE_POINTS: u32 = 1_000_000;

/// Whether `header` ends with an Aura seal by `key` over the hash of the header without it (what
/// an Aura author signs).
fn sealed_by<H: HeaderT, A: RuntimeAppPublic>(mut header: H, key: &A) -> bool {
    let Some(seal) = header.digest_mut().pop() else {
        return false;
    };
    let Some(signature) = seal.seal_try_to::<A::Signature>(&sp_consensus_aura::AURA_ENGINE_ID)
    else {
        return false;
    };
    let pre_hash = header.hash();
    key.verify(&pre_hash, &signature)
}

impl<T: Config> Pallet<T> {
    /// `reporter` proves an Aura equivocation: the offender is announced and its fault acted on.
    pub(crate) fn do_report_equivocation(
        reporter: T::AccountId,
        proof: sp_consensus_slots::EquivocationProof<HeaderFor<T>, T::AuthorityId>,
    ) -> DispatchResult {
        let slot: u64 = *proof.slot;
        let (offender, session) = Self::check_equivocation(proof)?;
        Self::deposit_event(Event::EquivocationReported {
            offender: offender.clone(),
            slot,
            reporter: reporter.clone(),
        });
        Self::on_fault(&offender, Fault::Equivocation, &[reporter], session);
        Ok(())
    }

    /// Checks an Aura equivocation proof: two different headers of this chain, both claiming
    /// the proof's slot, both sealed by the offender's key, which Aura gave that slot in a
    /// session of the report window. Returns the offender's account and that session.
    pub(crate) fn check_equivocation(
        proof: sp_consensus_slots::EquivocationProof<HeaderFor<T>, T::AuthorityId>,
    ) -> Result<(T::AccountId, SessionIndex), DispatchError> {
        let sp_consensus_slots::EquivocationProof {
            offender,
            slot,
            first_header,
            second_header,
        } = proof;
        let slot = *slot;
        ensure!(
            first_header.hash() != second_header.hash(),
            Error::<T>::SameHeader
        );
        ensure!(
            crate::session::slot_in(first_header.digest()) == Some(slot)
                && crate::session::slot_in(second_header.digest()) == Some(slot),
            Error::<T>::SlotMismatch
        );
        // The same key may seal blocks of another chain (a hospital's private chain run with a
        // validator's keys, both with 3 s slots): such a header proves nothing here.
        ensure!(
            Self::built_here(&first_header) && Self::built_here(&second_header),
            Error::<T>::ForeignHeader
        );
        ensure!(
            sealed_by(first_header, &offender) && sealed_by(second_header, &offender),
            Error::<T>::BadSeal
        );
        ensure!(slot <= LastSlot::<T>::get(), Error::<T>::StaleProof);
        let (session, slots) = Self::session_of_slot(slot).ok_or(Error::<T>::StaleProof)?;
        // Aura gives slot s to authority s % n of the set that owned the session.
        let set = AuthoritySets::<T>::get(slots.set);
        let n = set.len() as u64;
        ensure!(n > 0, Error::<T>::NotSlotAuthor);
        let (who, key) = set
            .get((slot % n) as usize)
            .ok_or(Error::<T>::NotSlotAuthor)?;
        ensure!(key == &offender, Error::<T>::NotSlotAuthor);
        ensure!(
            PunishedIn::<T>::get(who).is_none_or(|s| s < session),
            Error::<T>::DuplicateReport
        );
        Ok((who.clone(), session))
    }

    /// Whether `header` was built on this chain: its parent is the block of its parent's number
    /// this chain knows (frame-system keeps the last `BlockHashCount`). Two headers of one slot
    /// from two chains thus never make an equivocation, nor does a header of no block at all.
    fn built_here(header: &HeaderFor<T>) -> bool {
        let number = *header.number();
        if number.is_zero() {
            return false;
        }
        let parent = frame_system::BlockHash::<T>::get(number.saturating_sub(One::one()));
        parent != T::Hash::default() && &parent == header.parent_hash()
    }

    /// The session of the report window whose slots include `slot`, found by bisection (the
    /// sessions' first slots rise with their index): a proof costs a few reads, not one per
    /// session of the window.
    pub(crate) fn session_of_slot(slot: u64) -> Option<(SessionIndex, SessionSlots)> {
        let current = pallet_session::CurrentIndex::<T>::get();
        let oldest = current.saturating_sub(T::ReportWindow::get().saturating_sub(1));
        let first = SessionSets::<T>::get(oldest)?;
        if slot < first.first_slot {
            return None;
        }
        // Invariant: `lo`'s session starts at or before `slot`; sessions after `hi` start after.
        let (mut lo, mut found, mut hi) = (oldest, first, current);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            match SessionSets::<T>::get(mid) {
                Some(s) if s.first_slot <= slot => {
                    lo = mid;
                    found = s;
                }
                _ => hi = mid - 1,
            }
        }
        Some((lo, found))
    }

    /// Acts on a fault of `who` in session `session`: a proven offence is punished whatever its
    /// role; an active producer is evicted as `decide` rules, or the fault is recorded as
    /// deferred.
    pub(crate) fn on_fault(
        who: &T::AccountId,
        fault: Fault,
        reporters: &[T::AccountId],
        session: SessionIndex,
    ) {
        let params = Self::params();
        let active = pallet_session::Validators::<T>::get();
        let disabled = Self::disabled_among(&active);
        let producers = Producers::<T>::get();
        let standbys = Self::promotable_standbys(&producers);
        // Only a liveness fault asks whether others are missing too (two reads per producer).
        let missing = match fault {
            Fault::MissedSlots(_) => active
                .iter()
                .filter(|a| !disabled.contains(a))
                .filter(|a| {
                    kdpos_primitives::eviction::is_missing(
                        ConsecutiveMissed::<T>::get(a),
                        &Counters::<T>::get(a),
                        &params,
                    )
                })
                .count() as u32,
            Fault::Equivocation => 0,
        };
        let mut decision = kdpos_primitives::eviction::decide(
            fault, who, &active, &disabled, &standbys, missing, &params,
        );
        // Disabling the last enabled validator would stop block production altogether.
        let online = active.iter().filter(|a| !disabled.contains(a)).count() as u32;
        if matches!(decision, Decision::Evict { .. }) && online <= 1 {
            decision = Decision::Deferred {
                online,
                needed: kdpos_primitives::eviction::needed_online(active.len() as u32),
            };
        }
        let proven = fault == Fault::Equivocation;
        let slashed = if proven {
            Self::punish(who, reporters, &params, session)
        } else {
            Zero::zero()
        };
        let action = match decision {
            Decision::Evict { replacement, .. } => {
                Self::evict(who, fault, replacement);
                FaultAction::Evicted
            }
            Decision::Deferred { online, needed } => {
                Self::deposit_event(Event::EvictionDeferred {
                    producer: who.clone(),
                    online,
                    needed,
                });
                FaultAction::Deferred { online, needed }
            }
            Decision::SharedOutage { missing } => {
                Self::deposit_event(Event::SharedOutage {
                    producer: who.clone(),
                    missing,
                });
                FaultAction::SharedOutage { missing }
            }
            Decision::BelowThreshold => return,
            // A disabled producer missing more slots is no new fault.
            Decision::NotActive if !proven => return,
            Decision::NotActive => FaultAction::NotActive,
        };
        if !Candidates::<T>::contains_key(who) {
            return;
        }
        if action == FaultAction::Evicted || proven {
            let reason = if proven {
                ClassReason::Banned
            } else {
                ClassReason::BelowFloor
            };
            let before = Classes::<T>::get(who);
            Classes::<T>::insert(
                who,
                ClassInfo {
                    class: Class::Poor,
                    cluster: before.map_or(Class::Poor, |c| c.cluster),
                    reason,
                    score: before.map_or(0, |c| c.score),
                    faulted: true,
                    proven: before.is_some_and(|c| c.proven),
                },
            );
            if before.map(|c| c.class) != Some(Class::Poor) {
                Self::deposit_event(Event::ClassChanged {
                    candidate: who.clone(),
                    from: before.map(|c| c.class),
                    to: Class::Poor,
                    reason,
                });
            }
        }
        LastFault::<T>::insert(
            who,
            FaultRecord {
                era: CurrentEra::<T>::get(),
                session: pallet_session::CurrentIndex::<T>::get(),
                fault,
                action,
                slashed,
            },
        );
    }

    /// The standbys that may take an evicted producer's place, in promotion order: not
    /// producing already, not banned, not disowned, and its organisation's one candidate
    /// (`CandidateOf`), so that no hospital gets a second node into the set (the offender's own
    /// hospital included: its one candidate is the offender). A few reads per standby, none per
    /// producer: `on_initialize` runs this for every fault it finds.
    fn promotable_standbys(producers: &[T::AccountId]) -> Vec<T::AccountId> {
        let era = CurrentEra::<T>::get();
        let disowned = Disowned::<T>::get();
        Standbys::<T>::get()
            .into_iter()
            .filter(|s| !producers.contains(s) && !disowned.contains(s) && !Self::banned_in(s, era))
            .filter(|s| {
                Candidates::<T>::get(s)
                    .is_some_and(|c| CandidateOf::<T>::get(c.org).as_ref() == Some(s))
            })
            .collect()
    }

    /// A proven offence in `session`: integrity to zero, banned (the node and its organisation)
    /// for `ban_eras` times two to the power of the organisation's earlier offences, out of the
    /// standbys (a banned node is never promoted), `SlashFraction` of the bond (and of what left
    /// it within `UnbondingDelay`) slashed with `ReporterReward` of it to the first reporter and
    /// the rest burned. Returns the amount slashed.
    fn punish(
        who: &T::AccountId,
        reporters: &[T::AccountId],
        params: &kdpos_primitives::Params,
        session: SessionIndex,
    ) -> BalanceOf<T> {
        PunishedIn::<T>::insert(who, session);
        let era = CurrentEra::<T>::get();
        let org = Candidates::<T>::get(who).map(|c| c.org);
        let earlier = org.map_or(0, |o| {
            OrganisationOffences::<T>::get(o).map_or(0, |r| r.offences)
        });
        let eras = params.ban_for(earlier);
        let until = era.saturating_add(eras).saturating_add(1);
        BannedUntil::<T>::insert(who, until);
        if let Some(org) = org {
            let offences = earlier.saturating_add(1);
            OrganisationOffences::<T>::insert(
                org,
                OrgOffences {
                    offences,
                    banned_until: until,
                },
            );
            Self::deposit_event(Event::OrganisationBanned {
                org,
                offences,
                until,
            });
        }
        Standbys::<T>::mutate(|s| s.retain(|x| x != who));
        Self::deposit_event(Event::Banned {
            offender: who.clone(),
            until,
        });
        Counters::<T>::mutate(who, |c| c.offence_points = OFFENCE_POINTS);
        Performance::<T>::mutate(who, |record| {
            if let Some(r) = record {
                r.penalty = OFFENCE_POINTS;
                r.features.integrity = 0;
            }
        });
        Self::slash_bond(who, reporters)
    }

    /// Disables `who` in this session, as far as the session's disabling strategy allows, and
    /// hands pallet-session a repaired set through two forced rotations: the first queues it, the
    /// second makes it live. Past the strategy's limit (a third of the set, in the runtime) the
    /// producer keeps its slots until the rotation removes it two blocks later.
    fn evict(who: &T::AccountId, fault: Fault, replacement: Option<T::AccountId>) {
        Self::disable(who);
        Producers::<T>::mutate(|p| {
            p.retain(|x| x != who);
            if let Some(r) = &replacement {
                if !p.contains(r) {
                    // Cannot overflow: one left, one joins.
                    let _ = p.try_push(r.clone());
                }
            }
        });
        Standbys::<T>::mutate(|s| s.retain(|x| x != who && Some(x) != replacement.as_ref()));
        Evicted::<T>::mutate(|e| {
            if !e.contains(who) {
                // Bounded like the producers it comes from.
                let _ = e.try_push(who.clone());
            }
        });
        ProducersChanged::<T>::put(true);
        ForcedRotations::<T>::put(2);
        Self::deposit_event(Event::ProducerEvicted {
            producer: who.clone(),
            fault,
            replacement,
        });
    }

    /// Disables `who` through pallet-session's disabling strategy, never around it: however many
    /// reports arrive, at most as many producers are disabled as the strategy allows.
    pub(crate) fn disable(who: &T::AccountId) {
        pallet_session::Pallet::<T>::report_offence(
            who.clone(),
            sp_staking::offence::OffenceSeverity(Perbill::one()),
        );
    }
}

/// Equivocations proven through pallet-offences (GRANDPA's report system). pallet-offences passes
/// every offender of the same offence so far, so one already punished for this session or later
/// is skipped, as is an offence older than the report window (its candidacy may have ended); the
/// slash fraction is ours (`SlashFraction`), not the offence's.
impl<T: Config, F> OnOffenceHandler<T::AccountId, (T::AccountId, F), Weight> for Pallet<T> {
    fn on_offence(
        offenders: &[OffenceDetails<T::AccountId, (T::AccountId, F)>],
        _slash_fraction: &[Perbill],
        session: SessionIndex,
    ) -> Weight {
        let validators = pallet_session::Validators::<T>::decode_len().unwrap_or(0) as u32;
        let mut weight = Weight::zero();
        let current = pallet_session::CurrentIndex::<T>::get();
        if session.saturating_add(T::ReportWindow::get()) <= current {
            return T::DbWeight::get().reads(1);
        }
        for details in offenders {
            let who = &details.offender.0;
            weight =
                weight.saturating_add(<T as Config>::WeightInfo::report_equivocation(validators));
            if PunishedIn::<T>::get(who).is_some_and(|s| s >= session) {
                continue;
            }
            Self::on_fault(who, Fault::Equivocation, &details.reporters, session);
        }
        weight
    }
}
