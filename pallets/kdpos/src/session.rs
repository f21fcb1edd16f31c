//! The pallet as pallet-session's `SessionManager` and `ShouldEndSession`: an election at each era
//! boundary (its producers in a shuffled slot order), a replacement set after an eviction, forced
//! rotations, the Aura slot each block was built in, and the sessions of the report window with
//! the sets that owned their slots. And what each session counts for a candidate's performance:
//! the blocks it authored, the own slots it missed, and whether it was live (authored, or its
//! node sent a heartbeat).

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::traits::EstimateNextSessionRotation;
use sp_runtime::{
    traits::{One, Saturating, Zero},
    transaction_validity::{InvalidTransaction, TransactionValidityError},
    Permill, RuntimeAppPublic,
};

/// Blocks a node waits for its heartbeat to land before it sends it again.
const HEARTBEAT_RETRY: u32 = 5;

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

    /// Candidate `who` shows it is live this session, once.
    pub(crate) fn do_heartbeat(who: T::AccountId) -> DispatchResult {
        ensure!(
            Candidates::<T>::contains_key(&who),
            Error::<T>::NotCandidate
        );
        ensure!(Self::mark_live(&who), Error::<T>::AlreadyLive);
        Self::deposit_event(Event::Heartbeat {
            candidate: who,
            session: pallet_session::CurrentIndex::<T>::get(),
        });
        Ok(())
    }

    /// Why the transaction pool refuses a node's heartbeat: one for another session, or from a
    /// candidate live already, is stale; one from a non-candidate, or not signed by the
    /// candidate's registered Aura session key, is a bad proof.
    pub(crate) fn check_node_heartbeat(
        heartbeat: &NodeHeartbeat<T::AccountId>,
        signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
    ) -> Result<(), TransactionValidityError> {
        let session = pallet_session::CurrentIndex::<T>::get();
        if heartbeat.session != session || LiveIn::<T>::get(&heartbeat.candidate) == Some(session) {
            return Err(InvalidTransaction::Stale.into());
        }
        if !Candidates::<T>::contains_key(&heartbeat.candidate) {
            return Err(InvalidTransaction::BadProof.into());
        }
        let key = pallet_session::NextKeys::<T>::get(&heartbeat.candidate)
            .and_then(|keys| {
                use sp_runtime::traits::OpaqueKeys;
                keys.get::<T::AuthorityId>(T::AuthorityId::ID)
            })
            .ok_or(InvalidTransaction::BadProof)?;
        if !key.verify(&heartbeat.encode(), signature) {
            return Err(InvalidTransaction::BadProof.into());
        }
        Ok(())
    }

    /// The offchain worker's half of the heartbeat: for each Aura key in this node's keystore
    /// whose owner is a candidate that neither produces now (its blocks show it live) nor is live
    /// yet this session, signs a heartbeat and submits it. Once a session per candidate, and again
    /// `HEARTBEAT_RETRY` blocks later while it has not landed (a pool that dropped it, a fork).
    pub(crate) fn send_heartbeats(now: BlockNumberFor<T>) {
        use frame_system::offchain::{CreateBare, SubmitTransaction};
        use sp_runtime::offchain::storage::StorageValueRef;
        let session = pallet_session::CurrentIndex::<T>::get();
        let active = pallet_session::Validators::<T>::get();
        for key in T::AuthorityId::all() {
            let Some(who) =
                pallet_session::Pallet::<T>::key_owner(T::AuthorityId::ID, &key.to_raw_vec())
            else {
                continue;
            };
            if !Candidates::<T>::contains_key(&who)
                || active.contains(&who)
                || LiveIn::<T>::get(&who) == Some(session)
            {
                continue;
            }
            let key_of_sent = (b"kdpos/heartbeat", &who).encode();
            let sent = StorageValueRef::persistent(&key_of_sent);
            let due = sent.mutate(
                |last: Result<Option<(u32, BlockNumberFor<T>)>, _>| match last {
                    Ok(Some((s, at)))
                        if s == session && now < at.saturating_add(HEARTBEAT_RETRY.into()) =>
                    {
                        Err(())
                    }
                    _ => Ok((session, now)),
                },
            );
            if due.is_err() {
                continue;
            }
            let heartbeat = NodeHeartbeat {
                session,
                candidate: who.clone(),
            };
            let Some(signature) = key.sign(&heartbeat.encode()) else {
                continue;
            };
            let call = Call::node_heartbeat {
                heartbeat,
                signature,
            };
            let xt = <T as CreateBare<Call<T>>>::create_bare(call.into());
            // A refusal (the candidate went live meanwhile) needs nothing; a lost one is retried.
            let _ = SubmitTransaction::<T, Call<T>>::submit_transaction(xt);
        }
    }

    /// Counts a candidate live in the current session, once.
    pub(crate) fn mark_live(who: &T::AccountId) -> bool {
        let session = pallet_session::CurrentIndex::<T>::get();
        if LiveIn::<T>::get(who) == Some(session) {
            return false;
        }
        LiveIn::<T>::insert(who, session);
        Counters::<T>::mutate(who, |c| c.live_sessions = c.live_sessions.saturating_add(1));
        true
    }

    /// Counts the own slots skipped between a block at slot `prev` and the next at slot
    /// `now`: Aura gives slot `s` to `authorities[s % n]`, so each skipped slot is a miss of
    /// the authority at that index. The author of `now` starts a new run (and, being live, is no
    /// fault whatever it missed before). Returns who reached `missed_slots_threshold`
    /// consecutive misses, or another multiple of it, with this gap (a liveness fault), in
    /// authority order: a fault deferred (a shared outage, or finality) is judged again while the
    /// node stays down; a disabled validator is no new fault. O(n) however long the gap.
    pub fn note_slots(prev: u64, now: u64, authorities: &[T::AccountId]) -> Vec<T::AccountId> {
        let n = authorities.len() as u64;
        let threshold = Self::params().missed_slots_threshold;
        let mut faulty = Vec::new();
        if n == 0 || now <= prev || threshold == 0 {
            return faulty;
        }
        let mut disabled: Option<Vec<T::AccountId>> = None;
        let first = prev.saturating_add(1);
        let skipped = now.saturating_sub(first);
        // The author of `now` is live: its misses count, but it is no liveness fault.
        let author = authorities.get((now % n) as usize);
        for (i, who) in authorities.iter().enumerate() {
            // Slots s in [first, now) with s % n == i.
            let offset = (i as u64 + n - first % n) % n;
            let missed = if offset < skipped {
                (skipped - offset - 1) / n + 1
            } else {
                0
            };
            let missed = u32::try_from(missed).unwrap_or(u32::MAX);
            if missed == 0 {
                continue;
            }
            if Candidates::<T>::contains_key(who) {
                Counters::<T>::mutate(who, |c| c.missed = c.missed.saturating_add(missed));
            }
            let before = ConsecutiveMissed::<T>::get(who);
            let after = before.saturating_add(missed);
            ConsecutiveMissed::<T>::insert(who, after);
            if before / threshold < after / threshold
                && Some(who) != author
                && !disabled
                    .get_or_insert_with(|| Self::disabled_among(authorities))
                    .contains(who)
            {
                Self::deposit_event(Event::LivenessFault {
                    producer: who.clone(),
                    consecutive: after,
                });
                faulty.push(who.clone());
            }
        }
        if let Some(author) = author {
            ConsecutiveMissed::<T>::remove(author);
        }
        faulty
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
        let session = pallet_session::CurrentIndex::<T>::get();
        for who in &faulty {
            let run = ConsecutiveMissed::<T>::get(who);
            Self::on_fault(who, Fault::MissedSlots(run), &[], session);
        }
        (authorities.len() as u32, faulty.len() as u32)
    }

    /// The era boundary, as pallet-session plans a session: elects the next era and returns
    /// its producers, or `None` to keep the current set (the same set, or an election that gave
    /// fewer producers than the minimum). Books that did not close a rotation earlier
    /// (one-session eras, or no candidate then) close here first.
    pub(crate) fn new_era() -> Option<Vec<T::AccountId>> {
        let next = CurrentEra::<T>::get().saturating_add(1);
        if ClassifiedFor::<T>::get().map(|(era, _)| era) != Some(next) {
            let _ = Self::close_books();
        }
        match Self::elect_era() {
            Ok(election) if election.producers.len() as u32 >= Self::min_producers() => {
                let era = CurrentEra::<T>::get();
                let order = Self::session_order(era, election.producers.clone());
                Self::store_election(era, &election, &order);
                // The evicted sat this election out; only those still in the live set (until the
                // new set is) stay listed, to be disabled again if a rotation brings them back.
                let live = pallet_session::Validators::<T>::get();
                Evicted::<T>::mutate(|e| e.retain(|who| live.contains(who)));
                (order != live).then_some(order)
            }
            _ => {
                Self::deposit_event(Event::ElectionKeptSet {
                    era: CurrentEra::<T>::get(),
                });
                None
            }
        }
    }

    /// Keeps session `index` for the report window: slots after the rotating block belong to the
    /// new set, whose accounts and Aura keys are pallet-session's queued keys at this point (Aura
    /// takes its authorities from them right after). A set equal to the last is not stored
    /// again. The session that leaves the window is dropped, with its set when no later session
    /// shares it, and the validators whose latest set that was are free to leave; so is its
    /// historical root (GRANDPA's reports of it are stale too), which nothing else prunes.
    pub(crate) fn note_session(index: u32) {
        let aura = <T::AuthorityId as sp_runtime::RuntimeAppPublic>::ID;
        let keys: Option<Vec<(T::AccountId, T::AuthorityId)>> =
            pallet_session::QueuedKeys::<T>::get()
                .into_iter()
                .map(|(who, keys)| {
                    use sp_runtime::traits::OpaqueKeys;
                    keys.get::<T::AuthorityId>(aura).map(|k| (who, k))
                })
                .collect();
        // A validator without a readable Aura key would shift every index after it: such a
        // session is kept with no set, so no proof of it is judged against a wrong owner.
        let set = BoundedVec::truncate_from(keys.unwrap_or_default());
        let previous = index
            .checked_sub(1)
            .and_then(SessionSets::<T>::get)
            .map(|s| s.set);
        let id = match previous {
            Some(id) if AuthoritySets::<T>::get(id) == set => id,
            _ => {
                let id = NextSetId::<T>::get();
                NextSetId::<T>::put(id.wrapping_add(1));
                for (who, _) in set.iter() {
                    LastSetOf::<T>::insert(who, id);
                }
                AuthoritySets::<T>::insert(id, set);
                id
            }
        };
        SessionSets::<T>::insert(
            index,
            SessionSlots {
                first_slot: LastSlot::<T>::get().saturating_add(1),
                set: id,
            },
        );
        let Some(leaving) = index.checked_sub(T::ReportWindow::get()) else {
            return;
        };
        pallet_session::historical::Pallet::<T>::prune_up_to(leaving.saturating_add(1));
        let Some(old) = SessionSets::<T>::take(leaving) else {
            return;
        };
        let kept = SessionSets::<T>::get(leaving.saturating_add(1)).map(|s| s.set);
        if kept != Some(old.set) {
            for (who, _) in AuthoritySets::<T>::take(old.set).iter() {
                if LastSetOf::<T>::get(who) == Some(old.set) {
                    LastSetOf::<T>::remove(who);
                }
            }
        }
    }

    /// The order an era's producers take their Aura slots in: shuffled by a hash of the era and
    /// this block's parent, so that nobody knows before the era boundary's block who follows whom
    /// (a producer that knew could prepare to censor or to stall right after a chosen one).
    pub(crate) fn session_order(era: EraIndex, producers: Vec<T::AccountId>) -> Vec<T::AccountId> {
        use sp_runtime::traits::Hash;
        let seed = T::Hashing::hash_of(&(
            b"kdpos/order",
            era,
            frame_system::Pallet::<T>::parent_hash(),
        ));
        let mut keyed: Vec<_> = producers
            .into_iter()
            .map(|who| (T::Hashing::hash_of(&(seed, &who)), who))
            .collect();
        keyed.sort();
        keyed.into_iter().map(|(_, who)| who).collect()
    }

    /// The fewest producers an era's election must give: `MinProducers`, or P if fewer, and
    /// never less than one.
    pub fn min_producers() -> u32 {
        T::MinProducers::get().min(Self::params().producers).max(1)
    }
}

/// Authored blocks count for the author's production and liveness.
impl<T: Config> pallet_authorship::EventHandler<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
    fn note_author(author: T::AccountId) {
        if Candidates::<T>::contains_key(&author) {
            Counters::<T>::mutate(&author, |c| c.authored = c.authored.saturating_add(1));
            Self::mark_live(&author);
        }
    }
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
    /// An era boundary elects, its books closed one rotation before (each half in its own
    /// block); between boundaries, an eviction hands over the repaired set.
    fn new_session(new_index: u32) -> Option<Vec<T::AccountId>> {
        Self::end_disowned();
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
            if let Ok((classification, inputs, election)) = Self::prepared() {
                Self::store_classes(&classification);
                Self::store_backing(&inputs.tally, inputs.voting);
                Self::store_election(0, &election, &election.producers);
            }
        }
        let producers = Producers::<T>::get().into_inner();
        (!producers.is_empty()).then_some(producers)
    }

    fn start_session(index: u32) {
        ForcedRotations::<T>::mutate(|n| *n = n.saturating_sub(1));
        Self::note_session(index);
        // A rotation that clears the disabled list may bring back a producer evicted before
        // its replacement is live: it stays disabled, within the strategy's limit (disabling
        // twice is a no-op).
        for who in Evicted::<T>::get().iter() {
            Self::disable(who);
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
