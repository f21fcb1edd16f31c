//! The pallet as pallet-session's `SessionManager` and `ShouldEndSession`: an election at each era
//! boundary, a replacement set after an eviction, forced rotations, and the Aura slot each block
//! was built in.

use crate::*;
use alloc::vec::Vec;
use frame_support::traits::EstimateNextSessionRotation;
use sp_runtime::{traits::One, Permill};

/// The Aura slot a digest claims (its pre-runtime item).
pub(crate) fn slot_in(digest: &sp_runtime::Digest) -> Option<u64> {
    digest
        .logs()
        .iter()
        .find_map(|log| {
            log.pre_runtime_try_to::<sp_consensus_slots::Slot>(&sp_consensus_aura::AURA_ENGINE_ID)
        })
        .map(|slot| *slot)
}

impl<T: Config> Pallet<T> {
    /// The accounts of `active` (this session's validators) that are disabled.
    pub(crate) fn disabled_among(active: &[T::AccountId]) -> Vec<T::AccountId> {
        pallet_session::Pallet::<T>::disabled_validators()
            .into_iter()
            .filter_map(|i| active.get(i as usize).cloned())
            .collect()
    }

    /// Notes this block's slot (read from the digest, so it does not matter whether
    /// pallet-aura's hook ran first): counts the own slots skipped since the previous block
    /// against the set that owned them and acts on liveness faults. Returns the number of
    /// validators judged and of faults, for the hook's weight.
    pub(crate) fn track_slot() -> (u32, u32) {
        let Some(slot) = slot_in(&frame_system::Pallet::<T>::digest()) else {
            return (0, 0);
        };
        let previous = LastSlot::<T>::get();
        LastSlot::<T>::put(slot);
        // The first block has no previous slot to measure a gap from.
        if previous == 0 || slot <= previous {
            return (0, 0);
        }
        let authorities = pallet_session::Validators::<T>::get();
        let faulty = Self::note_slots(previous, slot, &authorities);
        for who in &faulty {
            let run = ConsecutiveMissed::<T>::get(who);
            Self::on_fault(who, Fault::MissedSlots(run), &[]);
        }
        (authorities.len() as u32, faulty.len() as u32)
    }

    /// Stores an election's producers and standbys (bounded by `MaxCandidates`, which bounds
    /// every candidate list) and announces it.
    pub(crate) fn store_election(
        era: EraIndex,
        election: &kdpos_primitives::Election<T::AccountId>,
    ) {
        let bound =
            |v: &[T::AccountId]| BoundedVec::<_, T::MaxCandidates>::truncate_from(v.to_vec());
        Producers::<T>::put(bound(&election.producers));
        Standbys::<T>::put(bound(&election.standbys));
        ProducersChanged::<T>::kill();
        Self::deposit_event(Event::Elected {
            era,
            producers: election.producers.clone(),
            standbys: election.standbys.clone(),
        });
    }

    /// Stores each candidate's class and announces every change.
    pub(crate) fn store_classes(
        classification: &kdpos_primitives::classify::Classification<T::AccountId>,
    ) {
        for c in &classification.candidates {
            let from = Classes::<T>::get(&c.id).map(|s| s.class);
            if from != Some(c.class) {
                Self::deposit_event(Event::ClassChanged {
                    candidate: c.id.clone(),
                    from,
                    to: c.class,
                    reason: c.reason,
                });
            }
            Classes::<T>::insert(
                &c.id,
                ClassInfo {
                    class: c.class,
                    cluster: c.cluster,
                    reason: c.reason,
                    score: c.score,
                    faulted: false,
                },
            );
        }
    }

    /// The era boundary, as pallet-session plans a session: elects the next era and returns
    /// its producers, or `None` to keep the current set (the same set, or an election that gave
    /// no producer). Books that did not close a rotation earlier (one-session eras, or no
    /// candidate then) close here first.
    pub(crate) fn new_era() -> Option<Vec<T::AccountId>> {
        let next = CurrentEra::<T>::get().saturating_add(1);
        if ClassifiedFor::<T>::get().map(|(era, _)| era) != Some(next) {
            let _ = Self::close_books();
        }
        match Self::elect_era() {
            Ok(election) if !election.producers.is_empty() => {
                let era = CurrentEra::<T>::get();
                Self::store_election(era, &election);
                // The evicted sat this election out; only those still in the live set (until the
                // new set is) stay listed, to be disabled again if a rotation brings them back.
                let live = pallet_session::Validators::<T>::get();
                Evicted::<T>::mutate(|e| e.retain(|who| live.contains(who)));
                let unchanged = election.producers == pallet_session::Validators::<T>::get();
                (!unchanged).then_some(election.producers)
            }
            _ => {
                Self::deposit_event(Event::ElectionKeptSet {
                    era: CurrentEra::<T>::get(),
                });
                None
            }
        }
    }
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
    /// An era boundary elects, its books closed one rotation before (each half in its own
    /// block); between boundaries, an eviction hands over the repaired set.
    fn new_session(new_index: u32) -> Option<Vec<T::AccountId>> {
        let per_era = T::SessionsPerEra::get().max(1);
        if new_index.is_multiple_of(per_era) {
            return Self::new_era();
        }
        if new_index.saturating_add(1).is_multiple_of(per_era) {
            // No candidates: nothing to close; the boundary tries again.
            let _ = Self::close_books();
        }
        if ProducersChanged::<T>::take() {
            let producers = Producers::<T>::get().into_inner();
            return (!producers.is_empty()).then_some(producers);
        }
        None
    }

    /// Genesis elects from the genesis candidates and votes (all newcomers); with none, the
    /// session keys of the genesis decide the set.
    fn new_session_genesis(new_index: u32) -> Option<Vec<T::AccountId>> {
        if new_index == 0 {
            if let Ok((classification, tally, election)) = Self::prepare_election() {
                Self::store_classes(&classification);
                Self::store_backing(&tally);
                Self::store_election(0, &election);
            }
        }
        let producers = Producers::<T>::get().into_inner();
        (!producers.is_empty()).then_some(producers)
    }

    fn start_session(_index: u32) {
        ForcedRotations::<T>::mutate(|n| *n = n.saturating_sub(1));
        // Slots after the rotating block belong to the new set.
        SessionFirstSlot::<T>::put(LastSlot::<T>::get().saturating_add(1));
        // A rotation that clears the disabled list may bring back a producer evicted before
        // its replacement is live: it stays disabled (disabling twice is a no-op).
        for who in Evicted::<T>::get().iter() {
            if let Some(i) = pallet_session::Pallet::<T>::validator_id_to_index(who) {
                pallet_session::Pallet::<T>::disable_index(i);
            }
        }
    }

    fn end_session(_index: u32) {}
}

/// Validators carry no identification beyond their account: what an offence costs is decided
/// here, from the bond.
impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
    fn new_session(new_index: u32) -> Option<Vec<(T::AccountId, ())>> {
        <Self as pallet_session::SessionManager<_>>::new_session(new_index)
            .map(|v| v.into_iter().map(|a| (a, ())).collect())
    }
    fn new_session_genesis(new_index: u32) -> Option<Vec<(T::AccountId, ())>> {
        <Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
            .map(|v| v.into_iter().map(|a| (a, ())).collect())
    }
    fn start_session(index: u32) {
        <Self as pallet_session::SessionManager<_>>::start_session(index)
    }
    fn end_session(index: u32) {
        <Self as pallet_session::SessionManager<_>>::end_session(index)
    }
}

/// Sessions end every `SessionPeriod` blocks, and at once while a rotation is forced.
impl<T: Config> pallet_session::ShouldEndSession<BlockNumberFor<T>> for Pallet<T> {
    fn should_end_session(now: BlockNumberFor<T>) -> bool {
        let period = T::SessionPeriod::get();
        ForcedRotations::<T>::get() > 0 || (!period.is_zero() && (now % period).is_zero())
    }
}

impl<T: Config> EstimateNextSessionRotation<BlockNumberFor<T>> for Pallet<T> {
    fn average_session_length() -> BlockNumberFor<T> {
        T::SessionPeriod::get()
    }

    fn estimate_current_session_progress(now: BlockNumberFor<T>) -> (Option<Permill>, Weight) {
        let period = T::SessionPeriod::get();
        let weight = T::DbWeight::get().reads(1);
        if ForcedRotations::<T>::get() > 0 {
            return (Some(Permill::one()), weight);
        }
        if period.is_zero() {
            return (None, weight);
        }
        let done = (now % period).saturating_add(One::one());
        (Some(Permill::from_rational(done, period)), weight)
    }

    fn estimate_next_session_rotation(
        now: BlockNumberFor<T>,
    ) -> (Option<BlockNumberFor<T>>, Weight) {
        let period = T::SessionPeriod::get();
        let weight = T::DbWeight::get().reads(1);
        if ForcedRotations::<T>::get() > 0 {
            return (Some(now.saturating_add(One::one())), weight);
        }
        if period.is_zero() {
            return (None, weight);
        }
        (
            Some(now.saturating_add(period.saturating_sub(now % period))),
            weight,
        )
    }
}
