//! # pallet-kdpos
//!
//! K-DPoS on chain (`shared/KDPOS.md`), a thin FRAME shell over `kdpos-primitives`. This first part
//! holds the stake: hospitals bond as block-producer candidates (one candidacy per organisation,
//! stood by one of its admins), accounts bond stake and vote for up to 16 candidates, and whatever
//! leaves a bond waits `UnbondingDelay` blocks, still held, before it can be withdrawn.
//!
//! Bonds are holds on the runtime's balances, so a bonded amount is never spendable and can be
//! slashed where it is. [`Pallet::prepare_election`] runs the era's classification, tally and
//! election of `kdpos-primitives` over what is stored; performance counters, session management
//! and eviction are still to come.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
    pallet_prelude::*,
    traits::{
        fungible::{self, Inspect, MutateHold},
        tokens::Precision,
        Contains,
    },
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::traits::{Saturating, UniqueSaturatedInto, Zero};

/// Era counter.
pub type EraIndex = u32;

/// Identifier of an organisation (a hospital), as pallet-medical-records assigns it.
pub type OrgId = u32;

type BalanceOf<T> =
    <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Most candidates one vote may name (KDPOS.md: 16).
pub const MAX_TARGETS: u32 = kdpos_primitives::MAX_VOTE_TARGETS as u32;

/// Who speaks for which organisation. The registry of hospitals lives in pallet-medical-records;
/// the runtime answers through it.
pub trait Organisations<AccountId> {
    /// Whether `who` is an admin of organisation `org`, and so may stand as its candidate.
    fn is_admin(org: OrgId, who: &AccountId) -> bool;
}

/// What an era's election reads from storage.
struct EraInputs<T: Config> {
    /// Candidates, sorted by account.
    candidates: alloc::vec::Vec<(T::AccountId, Candidate<BalanceOf<T>, BlockNumberFor<T>>)>,
    votes: alloc::vec::Vec<kdpos_primitives::Vote<T::AccountId, T::AccountId>>,
    era: EraIndex,
}

/// A block-producer candidate.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Candidate<Balance, BlockNumber> {
    /// The organisation it stands for.
    pub org: OrgId,
    /// Its own bond, held.
    pub bond: Balance,
    /// Block of registration.
    pub since: BlockNumber,
}

/// A voter's stake and the candidates it names.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Voter<AccountId, Balance> {
    pub stake: Balance,
    pub targets: BoundedVec<AccountId, ConstU32<MAX_TARGETS>>,
}

/// An amount on its way out of a bond: still held until `at`.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Unlock<Balance, BlockNumber> {
    pub amount: Balance,
    pub at: BlockNumber,
}

#[frame_support::pallet]
pub mod pallet {
    use super::*;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// The currency bonds are held in.
        type Currency: fungible::Mutate<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// Who may stand for which organisation.
        type Organisations: Organisations<Self::AccountId>;
        /// Least a candidate bonds.
        #[pallet::constant]
        type MinCandidateBond: Get<BalanceOf<Self>>;
        /// Least a voter stakes.
        #[pallet::constant]
        type MinVoterStake: Get<BalanceOf<Self>>;
        /// Blocks an unbonded amount stays held before it can be withdrawn.
        #[pallet::constant]
        type UnbondingDelay: Get<BlockNumberFor<Self>>;
        /// Most candidates at once.
        #[pallet::constant]
        type MaxCandidates: Get<u32>;
        /// Most amounts one account can have unlocking at once.
        #[pallet::constant]
        type MaxUnlocking: Get<u32>;
        /// The algorithm's parameters: P, B, feature weights, thresholds, caps, ban length.
        #[pallet::constant]
        type Params: Get<kdpos_primitives::Params>;
        /// Accounts with session keys registered (no keys, no blocks).
        type HasSessionKeys: Contains<Self::AccountId>;
        /// The current session index (pallet-session's).
        type CurrentSession: Get<u32>;
        /// Sessions in an era.
        #[pallet::constant]
        type SessionsPerEra: Get<u32>;
    }

    /// Why funds are held.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A candidate's own bond.
        CandidateBond,
        /// A voter's stake.
        VoterStake,
        /// Unbonded, waiting out `UnbondingDelay`.
        Unbonding,
    }

    /// Candidates by account.
    #[pallet::storage]
    pub type Candidates<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, Candidate<BalanceOf<T>, BlockNumberFor<T>>>;

    /// The candidate of each organisation (one seat per organisation).
    #[pallet::storage]
    pub type CandidateOf<T: Config> = StorageMap<_, Twox64Concat, OrgId, T::AccountId>;

    /// Number of candidates.
    #[pallet::storage]
    pub type CandidateCount<T> = StorageValue<_, u32, ValueQuery>;

    /// Voters by account.
    #[pallet::storage]
    pub type Voters<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, Voter<T::AccountId, BalanceOf<T>>>;

    /// Amounts unbonding per account, oldest first.
    #[pallet::storage]
    pub type Unlocking<T: Config> = StorageMap<
        _,
        Blake2_128Concat,
        T::AccountId,
        BoundedVec<Unlock<BalanceOf<T>, BlockNumberFor<T>>, T::MaxUnlocking>,
        ValueQuery,
    >;

    /// Each candidate's performance record (moving averages); none before its first era.
    #[pallet::storage]
    pub type Performance<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, kdpos_primitives::Record>;

    /// Each candidate's class in the last era.
    #[pallet::storage]
    pub type Classes<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, kdpos_primitives::Class>;

    /// Candidates banned for a proven offence, until this era (exclusive).
    #[pallet::storage]
    pub type BannedUntil<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, EraIndex>;

    /// The current era.
    #[pallet::storage]
    pub type CurrentEra<T> = StorageValue<_, EraIndex, ValueQuery>;

    /// What the chain counted for each candidate in the current era.
    #[pallet::storage]
    pub type Counters<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, kdpos_primitives::EraCounters, ValueQuery>;

    /// Own slots each authority missed in a row (reset when it authors).
    #[pallet::storage]
    pub type ConsecutiveMissed<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

    /// The last session in which each candidate was counted live (authored or sent a heartbeat).
    #[pallet::storage]
    pub type LiveIn<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32>;

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        CandidateRegistered {
            candidate: T::AccountId,
            org: OrgId,
            bond: BalanceOf<T>,
        },
        Bonded {
            candidate: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// `amount` left a bond or stake; it can be withdrawn at block `at`.
        Unbonded {
            who: T::AccountId,
            amount: BalanceOf<T>,
            at: BlockNumberFor<T>,
        },
        /// The candidate unbonded everything and stands no more.
        CandidateLeft {
            candidate: T::AccountId,
            org: OrgId,
        },
        Withdrawn {
            who: T::AccountId,
            amount: BalanceOf<T>,
        },
        Voted {
            voter: T::AccountId,
            stake: BalanceOf<T>,
            targets: u32,
        },
        VoteRemoved {
            voter: T::AccountId,
        },
        /// A producer missed `MissedSlotsThreshold` own slots in a row: a liveness fault.
        LivenessFault {
            producer: T::AccountId,
            consecutive: u32,
        },
        /// A candidate showed it is live this session.
        Heartbeat {
            candidate: T::AccountId,
            session: u32,
        },
        /// An era ended: counters folded into records, classes and the election renewed.
        EraEnded {
            era: EraIndex,
            producers: u32,
            standbys: u32,
        },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// Only an admin of the organisation may stand as its candidate.
        NotOrganisationAdmin,
        /// The account is a candidate already.
        AlreadyCandidate,
        /// The organisation has a candidate already: one seat per organisation.
        OrganisationHasCandidate,
        /// The bond is below `MinCandidateBond`, or would be left below it.
        BondBelowMinimum,
        /// There are `MaxCandidates` candidates.
        TooManyCandidates,
        /// The account cannot cover the amount.
        InsufficientBalance,
        /// The account is not a candidate.
        NotCandidate,
        /// More than is bonded.
        UnbondTooMuch,
        /// The account has `MaxUnlocking` amounts unbonding; withdraw first.
        TooManyUnlocking,
        /// Nothing has finished unbonding.
        NothingToWithdraw,
        /// A vote names at least one candidate.
        NoTargets,
        /// A vote names a candidate twice.
        DuplicateTarget,
        /// A vote names more than 16 candidates.
        TooManyTargets,
        /// A vote names an account that is not a candidate.
        UnknownCandidate,
        /// A vote the algorithm refuses for a reason not listed here.
        InvalidVote,
        /// The stake is below `MinVoterStake`.
        StakeBelowMinimum,
        /// The account has no vote.
        NoVote,
        /// An amount of zero.
        ZeroAmount,
        /// The candidate is counted live this session already (it authored or sent a heartbeat).
        AlreadyLive,
    }

    impl<T> From<kdpos_primitives::Error> for Error<T> {
        /// The vote faults `check_vote` names; it returns no others.
        fn from(e: kdpos_primitives::Error) -> Self {
            use kdpos_primitives::Error as K;
            match e {
                K::NoTargets => Error::NoTargets,
                K::TooManyTargets => Error::TooManyTargets,
                K::DuplicateTarget | K::DuplicateVoter => Error::DuplicateTarget,
                K::UnknownTarget => Error::UnknownCandidate,
                K::ZeroStake => Error::StakeBelowMinimum,
                _ => Error::InvalidVote,
            }
        }
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    // Weights: placeholders sized by their storage accesses until frame-omni-bencher measures
    // this pallet (it is not in the runtime yet).
    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// An admin of `org` stands as its candidate, bonding `bond`.
        #[pallet::call_index(0)]
        #[pallet::weight(T::DbWeight::get().reads_writes(6, 5))]
        pub fn register_candidate(
            origin: OriginFor<T>,
            org: OrgId,
            bond: BalanceOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(
                T::Organisations::is_admin(org, &who),
                Error::<T>::NotOrganisationAdmin
            );
            ensure!(
                !Candidates::<T>::contains_key(&who),
                Error::<T>::AlreadyCandidate
            );
            ensure!(
                !CandidateOf::<T>::contains_key(org),
                Error::<T>::OrganisationHasCandidate
            );
            ensure!(
                bond >= T::MinCandidateBond::get(),
                Error::<T>::BondBelowMinimum
            );
            let count = CandidateCount::<T>::get();
            ensure!(
                count < T::MaxCandidates::get(),
                Error::<T>::TooManyCandidates
            );
            T::Currency::hold(&HoldReason::CandidateBond.into(), &who, bond)
                .map_err(|_| Error::<T>::InsufficientBalance)?;
            Candidates::<T>::insert(
                &who,
                Candidate {
                    org,
                    bond,
                    since: frame_system::Pallet::<T>::block_number(),
                },
            );
            CandidateOf::<T>::insert(org, &who);
            CandidateCount::<T>::put(count.saturating_add(1));
            Self::deposit_event(Event::CandidateRegistered {
                candidate: who,
                org,
                bond,
            });
            Ok(())
        }

        /// A candidate bonds `amount` more.
        #[pallet::call_index(1)]
        #[pallet::weight(T::DbWeight::get().reads_writes(3, 3))]
        pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
            Candidates::<T>::try_mutate(&who, |c| -> DispatchResult {
                let c = c.as_mut().ok_or(Error::<T>::NotCandidate)?;
                T::Currency::hold(&HoldReason::CandidateBond.into(), &who, amount)
                    .map_err(|_| Error::<T>::InsufficientBalance)?;
                c.bond = c.bond.saturating_add(amount);
                Ok(())
            })?;
            Self::deposit_event(Event::Bonded {
                candidate: who,
                amount,
            });
            Ok(())
        }

        /// A candidate unbonds `amount`; unbonding all of it ends the candidacy. What is
        /// unbonded stays held for `UnbondingDelay` blocks.
        #[pallet::call_index(2)]
        #[pallet::weight(T::DbWeight::get().reads_writes(5, 6))]
        pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
            let mut c = Candidates::<T>::get(&who).ok_or(Error::<T>::NotCandidate)?;
            ensure!(amount <= c.bond, Error::<T>::UnbondTooMuch);
            let left = c.bond.saturating_sub(amount);
            ensure!(
                left.is_zero() || left >= T::MinCandidateBond::get(),
                Error::<T>::BondBelowMinimum
            );
            let at = Self::start_unlock(&who, HoldReason::CandidateBond, amount)?;
            if left.is_zero() {
                Candidates::<T>::remove(&who);
                CandidateOf::<T>::remove(c.org);
                CandidateCount::<T>::mutate(|n| *n = n.saturating_sub(1));
                Self::deposit_event(Event::CandidateLeft {
                    candidate: who.clone(),
                    org: c.org,
                });
            } else {
                c.bond = left;
                Candidates::<T>::insert(&who, c);
            }
            Self::deposit_event(Event::Unbonded { who, amount, at });
            Ok(())
        }

        /// Releases every amount whose unbonding delay has passed.
        #[pallet::call_index(3)]
        #[pallet::weight(T::DbWeight::get().reads_writes(3, 3))]
        pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let now = frame_system::Pallet::<T>::block_number();
            let mut chunks = Unlocking::<T>::get(&who);
            let mut ready = BalanceOf::<T>::zero();
            chunks.retain(|u| {
                let due = u.at <= now;
                if due {
                    ready = ready.saturating_add(u.amount);
                }
                !due
            });
            ensure!(!ready.is_zero(), Error::<T>::NothingToWithdraw);
            T::Currency::release(
                &HoldReason::Unbonding.into(),
                &who,
                ready,
                Precision::BestEffort,
            )?;
            if chunks.is_empty() {
                Unlocking::<T>::remove(&who);
            } else {
                Unlocking::<T>::insert(&who, chunks);
            }
            Self::deposit_event(Event::Withdrawn { who, amount: ready });
            Ok(())
        }

        /// Bonds `stake` and votes for `targets` (1 to 16 distinct candidates), replacing any
        /// earlier vote; lowering the stake unbonds the difference.
        #[pallet::call_index(4)]
        #[pallet::weight(T::DbWeight::get().reads_writes(5 + u64::from(MAX_TARGETS), 4))]
        pub fn vote(
            origin: OriginFor<T>,
            targets: BoundedVec<T::AccountId, ConstU32<MAX_TARGETS>>,
            stake: BalanceOf<T>,
        ) -> DispatchResult {
            let voter = ensure_signed(origin)?;
            // The algorithm's own check: 1 to 16 distinct, registered targets.
            kdpos_primitives::check_vote(
                &kdpos_primitives::Vote {
                    voter: (),
                    stake: stake.unique_saturated_into(),
                    targets: targets.to_vec(),
                },
                |t| Candidates::<T>::contains_key(t),
            )
            .map_err(Error::<T>::from)?;
            ensure!(
                stake >= T::MinVoterStake::get(),
                Error::<T>::StakeBelowMinimum
            );
            let old = Voters::<T>::get(&voter)
                .map(|v| v.stake)
                .unwrap_or_else(Zero::zero);
            if stake > old {
                T::Currency::hold(
                    &HoldReason::VoterStake.into(),
                    &voter,
                    stake.saturating_sub(old),
                )
                .map_err(|_| Error::<T>::InsufficientBalance)?;
            } else if stake < old {
                let at =
                    Self::start_unlock(&voter, HoldReason::VoterStake, old.saturating_sub(stake))?;
                Self::deposit_event(Event::Unbonded {
                    who: voter.clone(),
                    amount: old.saturating_sub(stake),
                    at,
                });
            }
            let count = targets.len() as u32;
            if Candidates::<T>::contains_key(&voter) {
                // Voting is part of a candidate's performance (x3).
                Counters::<T>::mutate(&voter, |c| c.voted = true);
            }
            Voters::<T>::insert(&voter, Voter { stake, targets });
            Self::deposit_event(Event::Voted {
                voter,
                stake,
                targets: count,
            });
            Ok(())
        }

        /// A candidate shows it is live this session: free when accepted, once per session;
        /// refused (and paid for) from anyone else or a second time.
        #[pallet::call_index(6)]
        #[pallet::weight(T::DbWeight::get().reads_writes(3, 2))]
        pub fn heartbeat(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
            let who = ensure_signed(origin)?;
            ensure!(
                Candidates::<T>::contains_key(&who),
                Error::<T>::NotCandidate
            );
            ensure!(Self::mark_live(&who), Error::<T>::AlreadyLive);
            Self::deposit_event(Event::Heartbeat {
                candidate: who,
                session: T::CurrentSession::get(),
            });
            Ok(Pays::No.into())
        }

        /// Removes the caller's vote; its stake unbonds.
        #[pallet::call_index(5)]
        #[pallet::weight(T::DbWeight::get().reads_writes(3, 4))]
        pub fn remove_vote(origin: OriginFor<T>) -> DispatchResult {
            let voter = ensure_signed(origin)?;
            let v = Voters::<T>::get(&voter).ok_or(Error::<T>::NoVote)?;
            let at = Self::start_unlock(&voter, HoldReason::VoterStake, v.stake)?;
            Voters::<T>::remove(&voter);
            Self::deposit_event(Event::Unbonded {
                who: voter.clone(),
                amount: v.stake,
                at,
            });
            Self::deposit_event(Event::VoteRemoved { voter });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        /// Counts a candidate live in the current session, once.
        pub(crate) fn mark_live(who: &T::AccountId) -> bool {
            let session = T::CurrentSession::get();
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
        /// fault whatever it missed before). Returns who reached
        /// `missed_slots_threshold` consecutive misses with this gap (a liveness fault), in
        /// authority order. O(n) however long the gap.
        pub fn note_slots(
            prev: u64,
            now: u64,
            authorities: &[T::AccountId],
        ) -> alloc::vec::Vec<T::AccountId> {
            let n = authorities.len() as u64;
            let threshold = T::Params::get().missed_slots_threshold;
            let mut faulty = alloc::vec::Vec::new();
            if n == 0 || now <= prev {
                return faulty;
            }
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
                if before < threshold && after >= threshold && Some(who) != author {
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

        /// The era boundary: folds each candidate's counters into its record (endorsement from
        /// this era's tally), starts the next era, and classifies and elects for it, keeping the
        /// classes for the next era's hysteresis.
        pub fn end_era() -> Result<kdpos_primitives::Election<T::AccountId>, kdpos_primitives::Error>
        {
            let params = T::Params::get();
            // Candidates and votes are read once: the tally of the ending era gives the
            // endorsement, and after the fold the same inputs elect the next era.
            let mut inputs = Self::era_inputs();
            let (_, _, tally) = Self::classify_and_tally(&inputs)?;
            let total_counted = tally
                .backings
                .iter()
                .fold(0u128, |s, b| s.saturating_add(b.counted));
            let sessions = T::SessionsPerEra::get();
            for (who, _) in &inputs.candidates {
                let mut counters = Counters::<T>::take(who);
                counters.sessions = sessions;
                counters.live_sessions = counters.live_sessions.min(sessions);
                let counted = tally.of(who).map_or(0, |b| b.counted);
                let endorsement = kdpos_primitives::features::endorsement(
                    counted,
                    total_counted,
                    params.producers,
                );
                let record = kdpos_primitives::features::fold(
                    Performance::<T>::get(who).as_ref(),
                    &counters,
                    endorsement,
                );
                Performance::<T>::insert(who, record);
            }
            let era = CurrentEra::<T>::mutate(|e| {
                *e = e.saturating_add(1);
                *e
            });
            inputs.era = era;
            let (classes, standings, tally) = Self::classify_and_tally(&inputs)?;
            let election = kdpos_primitives::elect(&standings, &tally, &params)?;
            for c in classes.candidates {
                Classes::<T>::insert(&c.id, c.class);
            }
            Self::deposit_event(Event::EraEnded {
                era: era.saturating_sub(1),
                producers: election.producers.len() as u32,
                standbys: election.standbys.len() as u32,
            });
            Ok(election)
        }

        /// Moves `amount` from the `from` hold to the unbonding hold, due after the delay.
        fn start_unlock(
            who: &T::AccountId,
            from: HoldReason,
            amount: BalanceOf<T>,
        ) -> Result<BlockNumberFor<T>, DispatchError> {
            let at =
                frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
            let mut chunks = Unlocking::<T>::get(who);
            chunks
                .try_push(Unlock { amount, at })
                .map_err(|_| Error::<T>::TooManyUnlocking)?;
            T::Currency::release(&from.into(), who, amount, Precision::Exact)?;
            // Cannot fail: the amount was held a moment ago and nothing else moved it.
            T::Currency::hold(&HoldReason::Unbonding.into(), who, amount)?;
            Unlocking::<T>::insert(who, chunks);
            Ok(at)
        }

        /// Reads what an era's election needs: the candidates (sorted by account, as the
        /// classification returns them) and every vote. Read once per era boundary.
        fn era_inputs() -> EraInputs<T> {
            let mut candidates: alloc::vec::Vec<_> = Candidates::<T>::iter().collect();
            candidates.sort_by(|a, b| a.0.cmp(&b.0));
            let votes = Voters::<T>::iter()
                .map(|(voter, v)| kdpos_primitives::Vote {
                    voter,
                    stake: v.stake.unique_saturated_into(),
                    targets: v.targets.into_inner(),
                })
                .collect();
            EraInputs {
                candidates,
                votes,
                era: CurrentEra::<T>::get(),
            }
        }

        /// Classifies the candidates (a newcomer has the neutral features of an era without
        /// evidence) and tallies the votes within the vote range and caps.
        #[allow(clippy::type_complexity)]
        fn classify_and_tally(
            inputs: &EraInputs<T>,
        ) -> Result<
            (
                kdpos_primitives::classify::Classification<T::AccountId>,
                alloc::vec::Vec<kdpos_primitives::Standing<T::AccountId, OrgId>>,
                kdpos_primitives::Tally<T::AccountId>,
            ),
            kdpos_primitives::Error,
        > {
            use kdpos_primitives::{
                classify, features::era_features, tally, CandidateInput, EraCounters, Standing,
            };
            let params = T::Params::get();
            let newcomer = era_features(&EraCounters::default(), 0);
            let banned =
                |who: &T::AccountId| BannedUntil::<T>::get(who).is_some_and(|e| e > inputs.era);
            let candidates = inputs
                .candidates
                .iter()
                .map(|(who, _)| CandidateInput {
                    id: who.clone(),
                    features: Performance::<T>::get(who).map_or(newcomer, |r| r.features),
                    previous: Classes::<T>::get(who),
                    banned: banned(who),
                })
                .collect();
            let classification = classify(candidates, &params)?;
            // Both lists are sorted by account and hold the same accounts.
            let standings: alloc::vec::Vec<_> = classification
                .candidates
                .iter()
                .zip(inputs.candidates.iter())
                .filter(|(c, (who, _))| c.id == *who)
                .map(|(c, (_, info))| Standing {
                    id: c.id.clone(),
                    org: info.org,
                    class: c.class,
                    score: c.score,
                    self_bond: info.bond.unique_saturated_into(),
                    has_keys: T::HasSessionKeys::contains(&c.id),
                    banned: banned(&c.id),
                })
                .collect();
            let tally = tally(&standings, inputs.votes.clone(), &params)?;
            Ok((classification, standings, tally))
        }

        /// The era's election over what is stored now: every candidate classified, the votes
        /// tallied, producers and standbys elected. The era boundary runs it; the runtime API
        /// will show it as a preview.
        #[allow(clippy::type_complexity)]
        pub fn prepare_election() -> Result<
            (
                kdpos_primitives::classify::Classification<T::AccountId>,
                kdpos_primitives::Tally<T::AccountId>,
                kdpos_primitives::Election<T::AccountId>,
            ),
            kdpos_primitives::Error,
        > {
            let (classification, standings, tally) = Self::classify_and_tally(&Self::era_inputs())?;
            let election = kdpos_primitives::elect(&standings, &tally, &T::Params::get())?;
            Ok((classification, tally, election))
        }

        /// Invariants: each organisation has at most one candidate and the maps agree; the count
        /// matches; every bond and stake is exactly what is held for it; unbonding amounts sum to
        /// the unbonding hold.
        pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
            use frame_support::traits::fungible::InspectHold;
            let mut n = 0u32;
            for (who, c) in Candidates::<T>::iter() {
                n = n.saturating_add(1);
                ensure!(
                    CandidateOf::<T>::get(c.org).as_ref() == Some(&who),
                    "candidate not its organisation's"
                );
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::CandidateBond.into(), &who) == c.bond,
                    "candidate bond differs from its hold"
                );
                ensure!(c.bond >= T::MinCandidateBond::get(), "bond below minimum");
            }
            ensure!(n == CandidateCount::<T>::get(), "candidate count mismatch");
            ensure!(
                CandidateOf::<T>::iter().count() as u32 == n,
                "organisation seats and candidates differ"
            );
            for (who, v) in Voters::<T>::iter() {
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::VoterStake.into(), &who) == v.stake,
                    "voter stake differs from its hold"
                );
                ensure!(!v.targets.is_empty(), "vote without targets");
            }
            for (who, chunks) in Unlocking::<T>::iter() {
                let sum = chunks
                    .iter()
                    .fold(BalanceOf::<T>::zero(), |s, u| s.saturating_add(u.amount));
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::Unbonding.into(), &who) == sum,
                    "unbonding amounts differ from their hold"
                );
            }
            Ok(())
        }
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
