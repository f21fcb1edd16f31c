//! # pallet-kdpos
//!
//! K-DPoS on chain (`shared/KDPOS.md`), a thin FRAME shell over `kdpos-primitives`. It decides the
//! validator set of the live chain:
//!
//! - **Stake.** Hospitals bond as block-producer candidates (one candidacy per organisation, stood
//!   by one of its admins); accounts bond stake and vote for up to 16 candidates. Bonds are holds,
//!   so they are never spendable and are slashed where they are; whatever leaves a bond waits
//!   `UnbondingDelay` blocks, still held.
//! - **Performance.** Authored blocks (pallet-authorship), missed own slots (the Aura slot gap), a
//!   free once-per-session heartbeat, voting and offences are counted per era and folded into each
//!   candidate's record at the era boundary.
//! - **Election.** pallet-session asks [`Pallet`] (its `SessionManager`) for the next set. One
//!   rotation before an era boundary the era's books close (counters folded into records, every
//!   candidate classified); at the boundary the pallet restricts and caps the votes, elects P
//!   producers and B standbys, and hands the producers over. Each half has its own block, so at
//!   1,000 candidates and 10,000 voters neither takes more than a quarter of one. A set returned
//!   for session `i` produces from session `i`, one rotation after it is queued.
//! - **Eviction.** A producer that misses `missed_slots_threshold` own slots in a row, or is proven
//!   to equivocate (GRANDPA through pallet-offences, Aura through [`Pallet::report_equivocation`]),
//!   is disabled in that block and replaced by the best standby through two forced rotations. An
//!   equivocator is also slashed, banned and set to integrity zero; a liveness fault that would
//!   leave too few producers online for finality is recorded instead.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod offences;
pub mod runtime_api;
mod session;
pub mod weights;

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
    },
};
use frame_system::pallet_prelude::*;
use kdpos_primitives::{Class, ClassReason, Fault};
use scale_info::TypeInfo;
use sp_runtime::{
    traits::{Saturating, UniqueSaturatedInto, Zero},
    Perbill,
};

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

/// What the benchmarks need from the runtime and cannot do through the pallet's own interface.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, AuthorityId> {
    /// Registers a new organisation with `admin` as its admin and returns its id.
    fn organisation(admin: &AccountId) -> OrgId;
    /// Makes `keys` Aura's authorities, in this order (what `AuraAuthorities` then returns).
    fn set_aura_authorities(keys: alloc::vec::Vec<AuthorityId>);
}

/// A candidate as stored for a runtime.
type StoredCandidate<T> = Candidate<BalanceOf<T>, BlockNumberFor<T>>;

/// A genesis vote: voter, stake, targets.
type GenesisVote<T> = (
    <T as frame_system::Config>::AccountId,
    BalanceOf<T>,
    alloc::vec::Vec<<T as frame_system::Config>::AccountId>,
);

/// Candidates as the era boundary reads them, sorted by account.
type SortedCandidates<T> =
    alloc::vec::Vec<(<T as frame_system::Config>::AccountId, StoredCandidate<T>)>;

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

/// A candidate's class and why it has it.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct ClassInfo {
    pub class: Class,
    /// The class of its k-means cluster, before the rules.
    pub cluster: Class,
    /// The rule that decided the class at the last era boundary.
    pub reason: ClassReason,
    /// Composite score (ppm) at the last era boundary.
    pub score: u32,
    /// Set when a fault made the candidate Poor since the last era boundary.
    pub faulted: bool,
}

/// What the chain did about a candidate's last fault.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum FaultAction {
    /// Disabled and rotated out.
    Evicted,
    /// Recorded only: evicting it would have left fewer producers online than finality needs.
    Deferred { online: u32, needed: u32 },
    /// Not a producer of the session: nothing to evict (an offence is still punished).
    NotActive,
}

/// A candidate's last fault, kept for the runtime API.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct FaultRecord<Balance> {
    pub era: EraIndex,
    pub session: u32,
    pub fault: Fault,
    pub action: FaultAction,
    /// What was slashed from its bond (zero for a liveness fault).
    pub slashed: Balance,
}

#[frame_support::pallet]
pub mod pallet {
    use super::*;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// The pallet drives pallet-session: validators are accounts, as Aura's and GRANDPA's session
    /// handlers require.
    #[pallet::config]
    pub trait Config:
        frame_system::Config
        + pallet_session::Config<ValidatorId = <Self as frame_system::Config>::AccountId>
    {
        /// The currency bonds are held in; slashes are taken from the holds.
        type Currency: fungible::Mutate<Self::AccountId>
            + fungible::Balanced<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = <Self as Config>::RuntimeHoldReason>
            + fungible::BalancedHold<Self::AccountId>;
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
        /// Most voters at once: the era boundary reads every vote, so their number is bounded.
        #[pallet::constant]
        type MaxVoters: Get<u32>;
        /// Most amounts one account can have unlocking at once.
        #[pallet::constant]
        type MaxUnlocking: Get<u32>;
        /// The algorithm's parameters: P, B, feature weights, thresholds, caps, ban length.
        #[pallet::constant]
        type Params: Get<kdpos_primitives::Params>;
        /// Sessions in an era.
        #[pallet::constant]
        type SessionsPerEra: Get<u32>;
        /// Blocks in a session (rotations come every `SessionPeriod` blocks, and when forced).
        #[pallet::constant]
        type SessionPeriod: Get<BlockNumberFor<Self>>;
        /// Share of its bond a proven equivocator loses.
        #[pallet::constant]
        type SlashFraction: Get<Perbill>;
        /// Share of a slash paid to whoever reported the offence; the rest is burned.
        #[pallet::constant]
        type ReporterReward: Get<Perbill>;
        /// The key Aura seals blocks with: equivocation proofs are checked against it.
        type AuthorityId: sp_runtime::RuntimeAppPublic + Parameter + Member + MaxEncodedLen;
        /// This session's Aura authorities, in Aura's order (pallet-aura's `Authorities`).
        type AuraAuthorities: Get<alloc::vec::Vec<Self::AuthorityId>>;
        /// Weights of the calls and of the era boundary.
        type WeightInfo: WeightInfo;
        /// Organisations and Aura authorities for the benchmarks.
        #[cfg(feature = "runtime-benchmarks")]
        type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::AuthorityId>;
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

    /// Each candidate's class, and why, since the last era boundary.
    #[pallet::storage]
    pub type Classes<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ClassInfo>;

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

    /// Number of voters.
    #[pallet::storage]
    pub type VoterCount<T> = StorageValue<_, u32, ValueQuery>;

    /// The producers elected for the current era, as handed to pallet-session (an eviction
    /// replaces one in place).
    #[pallet::storage]
    pub type Producers<T: Config> =
        StorageValue<_, BoundedVec<T::AccountId, T::MaxCandidates>, ValueQuery>;

    /// The era's standbys, in promotion order.
    #[pallet::storage]
    pub type Standbys<T: Config> =
        StorageValue<_, BoundedVec<T::AccountId, T::MaxCandidates>, ValueQuery>;

    /// Producers evicted this era: disabled again whenever a rotation brings them back before
    /// their replacement is live.
    #[pallet::storage]
    pub type Evicted<T: Config> =
        StorageValue<_, BoundedVec<T::AccountId, T::MaxCandidates>, ValueQuery>;

    /// Whether `Producers` changed since it was last handed to pallet-session.
    #[pallet::storage]
    pub type ProducersChanged<T> = StorageValue<_, bool, ValueQuery>;

    /// Rotations still to force: an eviction forces two, one to queue the replacement set and one
    /// to make it live.
    #[pallet::storage]
    pub type ForcedRotations<T> = StorageValue<_, u8, ValueQuery>;

    /// The Aura slot of the latest block (0 before the first).
    #[pallet::storage]
    pub type LastSlot<T> = StorageValue<_, u64, ValueQuery>;

    /// The first slot of the current session: older equivocation proofs are stale.
    #[pallet::storage]
    pub type SessionFirstSlot<T> = StorageValue<_, u64, ValueQuery>;

    /// Each candidate's last fault and what was done about it.
    #[pallet::storage]
    pub type LastFault<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, FaultRecord<BalanceOf<T>>>;

    /// The session in which an offender was last punished: one punishment per session.
    #[pallet::storage]
    pub type PunishedIn<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32>;

    /// The era the stored `Classes` were computed for when the books of the previous era were
    /// closed, and how: the election of that era uses them as they are.
    #[pallet::storage]
    pub type ClassifiedFor<T> =
        StorageValue<_, (EraIndex, kdpos_primitives::kmeans::Method), OptionQuery>;

    /// The session the current books opened with: what closing them divides by.
    #[pallet::storage]
    pub type BooksOpenedIn<T> = StorageValue<_, u32, ValueQuery>;

    /// The backing each candidate counted at the last election, sorted by account: the
    /// endorsement its era is credited with when the books close.
    #[pallet::storage]
    pub type ElectedBacking<T: Config> =
        StorageValue<_, BoundedVec<(T::AccountId, u128), T::MaxCandidates>, ValueQuery>;

    /// Producer and standby seats set by the chain's genesis, overriding `Params`' (one runtime
    /// serves a 4-producer test network and a 21-producer consortium).
    #[pallet::storage]
    pub type Seats<T> = StorageValue<_, (u32, u32), OptionQuery>;

    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Producers P and standbys B of this chain; 0 keeps `Params`' number.
        pub producers: u32,
        pub standbys: u32,
        /// Candidates standing from genesis: account, organisation, bond (held from its balance).
        pub candidates: alloc::vec::Vec<(T::AccountId, OrgId, BalanceOf<T>)>,
        /// Votes from genesis: voter, stake, targets.
        pub votes: alloc::vec::Vec<GenesisVote<T>>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        // A genesis that cannot be built is refused outright: these run only when a chain spec is
        // made, never in a block.
        fn build(&self) {
            if self.producers > 0 || self.standbys > 0 {
                let p = T::Params::get();
                let seats = (
                    if self.producers > 0 {
                        self.producers
                    } else {
                        p.producers
                    },
                    if self.standbys > 0 {
                        self.standbys
                    } else {
                        p.standbys
                    },
                );
                let params = kdpos_primitives::Params {
                    producers: seats.0,
                    standbys: seats.1,
                    ..p
                };
                assert!(
                    params.validate().is_ok(),
                    "genesis seats make invalid parameters"
                );
                Seats::<T>::put(seats);
            }
            for (who, org, bond) in &self.candidates {
                assert!(
                    !Candidates::<T>::contains_key(who) && !CandidateOf::<T>::contains_key(org),
                    "genesis candidate or organisation seat listed twice"
                );
                assert!(
                    *bond >= T::MinCandidateBond::get(),
                    "genesis bond below minimum"
                );
                <T as Config>::Currency::hold(&HoldReason::CandidateBond.into(), who, *bond)
                    .expect("genesis candidate can cover its bond");
                Candidates::<T>::insert(
                    who,
                    Candidate {
                        org: *org,
                        bond: *bond,
                        since: Zero::zero(),
                    },
                );
                CandidateOf::<T>::insert(org, who);
                CandidateCount::<T>::mutate(|n| *n = n.saturating_add(1));
            }
            assert!(
                CandidateCount::<T>::get() <= T::MaxCandidates::get(),
                "more genesis candidates than MaxCandidates"
            );
            for (voter, stake, targets) in &self.votes {
                let targets: BoundedVec<_, _> = targets
                    .clone()
                    .try_into()
                    .expect("a genesis vote names at most 16 candidates");
                assert!(
                    targets.iter().all(Candidates::<T>::contains_key),
                    "genesis vote for a non-candidate"
                );
                <T as Config>::Currency::hold(&HoldReason::VoterStake.into(), voter, *stake)
                    .expect("genesis voter can cover its stake");
                Voters::<T>::insert(
                    voter,
                    Voter {
                        stake: *stake,
                        targets,
                    },
                );
                VoterCount::<T>::mutate(|n| *n = n.saturating_add(1));
            }
        }
    }

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
        /// The books of era `era` closed, one rotation before its end: `candidates` counters
        /// folded into records and classified for the next era.
        BooksClosed {
            era: EraIndex,
            candidates: u32,
        },
        /// An era ended: the next era's producers and standbys were elected.
        EraEnded {
            era: EraIndex,
            producers: u32,
            standbys: u32,
        },
        /// A candidate's class changed (`from` is `None` for its first class).
        ClassChanged {
            candidate: T::AccountId,
            from: Option<Class>,
            to: Class,
            reason: ClassReason,
        },
        /// The producers and standbys of era `era`; the producers are live one rotation later.
        Elected {
            era: EraIndex,
            producers: alloc::vec::Vec<T::AccountId>,
            standbys: alloc::vec::Vec<T::AccountId>,
        },
        /// The election gave no producer (or failed): the current set stays.
        ElectionKeptSet {
            era: EraIndex,
        },
        /// A producer was disabled and is being rotated out for `replacement`.
        ProducerEvicted {
            producer: T::AccountId,
            fault: Fault,
            replacement: Option<T::AccountId>,
        },
        /// A liveness fault was recorded but not acted on: evicting would leave `online - 1`
        /// producers online where finality needs `needed`.
        EvictionDeferred {
            producer: T::AccountId,
            online: u32,
            needed: u32,
        },
        /// An Aura equivocation was proven by `reporter`.
        EquivocationReported {
            offender: T::AccountId,
            slot: u64,
            reporter: T::AccountId,
        },
        /// A proven offender lost `amount` of its bond, `reward` of it paid to the reporter.
        Slashed {
            offender: T::AccountId,
            amount: BalanceOf<T>,
            reward: BalanceOf<T>,
        },
        /// A proven offender cannot be elected before era `until`.
        Banned {
            offender: T::AccountId,
            until: EraIndex,
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
        /// A producer of this era (or of the live set) cannot unbond all of its bond.
        StillProducing,
        /// There are `MaxVoters` voters.
        TooManyVoters,
        /// An equivocation proof whose two headers are the same header.
        SameHeader,
        /// A header of the proof has no Aura slot, or not the proof's slot.
        SlotMismatch,
        /// A header of the proof is not sealed by the offender's key.
        BadSeal,
        /// The offender's key belongs to no validator.
        UnknownOffender,
        /// The slot was not the offender's: Aura gave it to another validator.
        NotSlotAuthor,
        /// The slot is from an earlier session (or is still to come): only proofs of this
        /// session's slots are judged.
        StaleProof,
        /// The offender was punished in this session already.
        DuplicateReport,
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
        /// Counts the own slots skipped since the previous block and acts on liveness faults.
        /// Runs before pallet-session's hook, so the skipped slots are judged against the set
        /// that owned them.
        fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
            let (authorities, faults) = Self::track_slot();
            <T as Config>::WeightInfo::on_initialize(authorities, faults)
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// An admin of `org` stands as its candidate, bonding `bond`.
        #[pallet::call_index(0)]
        #[pallet::weight(<T as Config>::WeightInfo::register_candidate())]
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
            <T as Config>::Currency::hold(&HoldReason::CandidateBond.into(), &who, bond)
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
        #[pallet::weight(<T as Config>::WeightInfo::bond_extra())]
        pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
            Candidates::<T>::try_mutate(&who, |c| -> DispatchResult {
                let c = c.as_mut().ok_or(Error::<T>::NotCandidate)?;
                <T as Config>::Currency::hold(&HoldReason::CandidateBond.into(), &who, amount)
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
        #[pallet::weight(<T as Config>::WeightInfo::unbond())]
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
            if left.is_zero() {
                // Its bond answers for the blocks it produces: no leaving mid-era.
                ensure!(
                    !Producers::<T>::get().contains(&who)
                        && !pallet_session::Validators::<T>::get().contains(&who),
                    Error::<T>::StillProducing
                );
            }
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
        #[pallet::weight(<T as Config>::WeightInfo::withdraw_unbonded())]
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
            <T as Config>::Currency::release(
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
        #[pallet::weight(<T as Config>::WeightInfo::vote())]
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
            let previous = Voters::<T>::get(&voter);
            ensure!(
                previous.is_some() || VoterCount::<T>::get() < T::MaxVoters::get(),
                Error::<T>::TooManyVoters
            );
            let old = previous
                .as_ref()
                .map(|v| v.stake)
                .unwrap_or_else(Zero::zero);
            if stake > old {
                <T as Config>::Currency::hold(
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
            if previous.is_none() {
                VoterCount::<T>::mutate(|n| *n = n.saturating_add(1));
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
        #[pallet::weight(<T as Config>::WeightInfo::heartbeat())]
        pub fn heartbeat(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
            let who = ensure_signed(origin)?;
            ensure!(
                Candidates::<T>::contains_key(&who),
                Error::<T>::NotCandidate
            );
            ensure!(Self::mark_live(&who), Error::<T>::AlreadyLive);
            Self::deposit_event(Event::Heartbeat {
                candidate: who,
                session: pallet_session::CurrentIndex::<T>::get(),
            });
            Ok(Pays::No.into())
        }

        /// Removes the caller's vote; its stake unbonds.
        #[pallet::call_index(5)]
        #[pallet::weight(<T as Config>::WeightInfo::remove_vote())]
        pub fn remove_vote(origin: OriginFor<T>) -> DispatchResult {
            let voter = ensure_signed(origin)?;
            let v = Voters::<T>::get(&voter).ok_or(Error::<T>::NoVote)?;
            let at = Self::start_unlock(&voter, HoldReason::VoterStake, v.stake)?;
            Voters::<T>::remove(&voter);
            VoterCount::<T>::mutate(|n| *n = n.saturating_sub(1));
            Self::deposit_event(Event::Unbonded {
                who: voter.clone(),
                amount: v.stake,
                at,
            });
            Self::deposit_event(Event::VoteRemoved { voter });
            Ok(())
        }

        /// Proves that a producer sealed two different headers for one Aura slot of this session.
        /// The offender is disabled in this block, slashed, banned and replaced; the reporter gets
        /// `ReporterReward` of the slash and pays no fee. A proof that does not hold, is stale or
        /// was judged already is refused with the reason, and paid for.
        #[pallet::call_index(7)]
        #[pallet::weight(<T as Config>::WeightInfo::report_equivocation(
            pallet_session::Validators::<T>::decode_len().unwrap_or(0) as u32
        ))]
        pub fn report_equivocation(
            origin: OriginFor<T>,
            proof: alloc::boxed::Box<
                sp_consensus_slots::EquivocationProof<HeaderFor<T>, T::AuthorityId>,
            >,
        ) -> DispatchResultWithPostInfo {
            let reporter = ensure_signed(origin)?;
            let slot: u64 = *proof.slot;
            let offender = Self::check_equivocation(*proof)?;
            Self::deposit_event(Event::EquivocationReported {
                offender: offender.clone(),
                slot,
                reporter: reporter.clone(),
            });
            Self::on_fault(&offender, Fault::Equivocation, &[reporter]);
            Ok(Pays::No.into())
        }
    }

    impl<T: Config> Pallet<T> {
        /// The algorithm's parameters: `Params` with this chain's seats.
        pub fn params() -> kdpos_primitives::Params {
            let params = T::Params::get();
            match Seats::<T>::get() {
                Some((producers, standbys)) => kdpos_primitives::Params {
                    producers,
                    standbys,
                    ..params
                },
                None => params,
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
        /// fault whatever it missed before). Returns who reached
        /// `missed_slots_threshold` consecutive misses with this gap (a liveness fault), in
        /// authority order. O(n) however long the gap.
        pub fn note_slots(
            prev: u64,
            now: u64,
            authorities: &[T::AccountId],
        ) -> alloc::vec::Vec<T::AccountId> {
            let n = authorities.len() as u64;
            let threshold = Self::params().missed_slots_threshold;
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

        /// The first half of the era boundary, one rotation before the election: folds each
        /// candidate's counters into its record (endorsement from the backing it counted at the
        /// last election) and classifies every candidate for the next era, keeping the classes.
        /// Split from the election so that neither block carries both (issue 5's bound).
        pub fn close_books() -> Result<(), kdpos_primitives::Error> {
            let params = Self::params();
            let candidates = Self::sorted_candidates();
            if candidates.is_empty() {
                return Err(kdpos_primitives::Error::NoCandidates);
            }
            let backing = ElectedBacking::<T>::get();
            let total = backing.iter().fold(0u128, |s, (_, b)| s.saturating_add(*b));
            // The books cover the sessions since they last closed; the session starting now is
            // the next books' first.
            let now = pallet_session::CurrentIndex::<T>::get();
            let sessions = now.saturating_sub(BooksOpenedIn::<T>::get()).max(1);
            BooksOpenedIn::<T>::put(now);
            for (who, _) in &candidates {
                let mut counters = Counters::<T>::take(who);
                counters.sessions = sessions;
                counters.live_sessions = counters.live_sessions.min(sessions);
                let counted = backing
                    .binary_search_by(|(a, _)| a.cmp(who))
                    .map_or(0, |i| backing[i].1);
                let endorsement =
                    kdpos_primitives::features::endorsement(counted, total, params.producers);
                let record = kdpos_primitives::features::fold(
                    Performance::<T>::get(who).as_ref(),
                    &counters,
                    endorsement,
                );
                Performance::<T>::insert(who, record);
            }
            let era = CurrentEra::<T>::get();
            let next = era.saturating_add(1);
            let classification = Self::classify_for(&candidates, next)?;
            Self::store_classes(&classification);
            ClassifiedFor::<T>::put((next, classification.method));
            Self::deposit_event(Event::BooksClosed {
                era,
                candidates: candidates.len() as u32,
            });
            Ok(())
        }

        /// The second half of the era boundary: starts the next era and elects its producers
        /// and standbys from the classes its books closed with, tallying every vote.
        pub fn elect_era(
        ) -> Result<kdpos_primitives::Election<T::AccountId>, kdpos_primitives::Error> {
            let era = CurrentEra::<T>::get().saturating_add(1);
            let candidates = Self::sorted_candidates();
            let classification = Self::classification_for(&candidates, era)?;
            let (standings, tally) = Self::standings_and_tally(&candidates, &classification, era)?;
            let election = kdpos_primitives::elect(&standings, &tally, &Self::params())?;
            CurrentEra::<T>::put(era);
            Self::store_backing(&tally);
            Self::deposit_event(Event::EraEnded {
                era: era.saturating_sub(1),
                producers: election.producers.len() as u32,
                standbys: election.standbys.len() as u32,
            });
            Ok(election)
        }

        /// Keeps what each candidate counted in `tally`, for the endorsement of its era.
        pub(crate) fn store_backing(tally: &kdpos_primitives::Tally<T::AccountId>) {
            let mut backing: alloc::vec::Vec<_> = tally
                .backings
                .iter()
                .filter(|b| b.counted > 0)
                .map(|b| (b.id.clone(), b.counted))
                .collect();
            backing.sort_by(|a, b| a.0.cmp(&b.0));
            // Bounded: one entry per candidate.
            ElectedBacking::<T>::put(BoundedVec::truncate_from(backing));
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
            <T as Config>::Currency::release(&from.into(), who, amount, Precision::Exact)?;
            // Cannot fail: the amount was held a moment ago and nothing else moved it.
            <T as Config>::Currency::hold(&HoldReason::Unbonding.into(), who, amount)?;
            Unlocking::<T>::insert(who, chunks);
            Ok(at)
        }

        /// The candidates, sorted by account (as a classification returns them).
        fn sorted_candidates() -> SortedCandidates<T> {
            let mut candidates: alloc::vec::Vec<_> = Candidates::<T>::iter().collect();
            candidates.sort_by(|a, b| a.0.cmp(&b.0));
            candidates
        }

        /// Whether `who` is banned in era `era`.
        fn banned_in(who: &T::AccountId, era: EraIndex) -> bool {
            BannedUntil::<T>::get(who).is_some_and(|until| until > era)
        }

        /// Classifies the candidates for era `era` now (a newcomer has the neutral features of
        /// an era without evidence; the stored classes give the hysteresis).
        fn classify_for(
            candidates: &SortedCandidates<T>,
            era: EraIndex,
        ) -> Result<kdpos_primitives::classify::Classification<T::AccountId>, kdpos_primitives::Error>
        {
            use kdpos_primitives::{features::era_features, CandidateInput, EraCounters};
            let newcomer = era_features(&EraCounters::default(), 0);
            let inputs = candidates
                .iter()
                .map(|(who, _)| CandidateInput {
                    id: who.clone(),
                    features: Performance::<T>::get(who).map_or(newcomer, |r| r.features),
                    previous: Classes::<T>::get(who).map(|s| s.class),
                    banned: Self::banned_in(who, era),
                })
                .collect();
            kdpos_primitives::classify(inputs, &Self::params())
        }

        /// The classification era `era` is elected with: the one its books closed with (a fault
        /// since then shows in the stored class), or, before they closed, one made now.
        fn classification_for(
            candidates: &SortedCandidates<T>,
            era: EraIndex,
        ) -> Result<kdpos_primitives::classify::Classification<T::AccountId>, kdpos_primitives::Error>
        {
            use kdpos_primitives::classify::{Classification, Classified};
            let Some((classified_for, method)) = ClassifiedFor::<T>::get() else {
                return Self::classify_for(candidates, era);
            };
            if classified_for != era {
                return Self::classify_for(candidates, era);
            }
            let classified = candidates
                .iter()
                .map(|(who, _)| {
                    // A candidate that stood after the books closed waits for the next
                    // classification.
                    let info = Classes::<T>::get(who).unwrap_or(ClassInfo {
                        class: Class::Poor,
                        cluster: Class::Poor,
                        reason: ClassReason::Unclassified,
                        score: 0,
                        faulted: false,
                    });
                    Classified {
                        id: who.clone(),
                        score: info.score,
                        cluster: info.cluster,
                        class: info.class,
                        reason: info.reason,
                    }
                })
                .collect();
            Ok(Classification {
                candidates: classified,
                method,
                centroids: None,
                distance_ops: 0,
            })
        }

        /// Each candidate's standing in era `era` under `classification`, and the tally of every
        /// vote within the vote range and caps.
        #[allow(clippy::type_complexity)]
        fn standings_and_tally(
            candidates: &SortedCandidates<T>,
            classification: &kdpos_primitives::classify::Classification<T::AccountId>,
            era: EraIndex,
        ) -> Result<
            (
                alloc::vec::Vec<kdpos_primitives::Standing<T::AccountId, OrgId>>,
                kdpos_primitives::Tally<T::AccountId>,
            ),
            kdpos_primitives::Error,
        > {
            let evicted = Evicted::<T>::get();
            // Both lists are sorted by account and hold the same accounts.
            let standings: alloc::vec::Vec<_> = classification
                .candidates
                .iter()
                .zip(candidates.iter())
                .filter(|(c, (who, _))| c.id == *who)
                .map(|(c, (_, info))| kdpos_primitives::Standing {
                    id: c.id.clone(),
                    org: info.org,
                    class: c.class,
                    score: c.score,
                    self_bond: info.bond.unique_saturated_into(),
                    has_keys: pallet_session::NextKeys::<T>::contains_key(&c.id),
                    // A producer evicted this era sits the next one out.
                    banned: Self::banned_in(&c.id, era) || evicted.contains(&c.id),
                })
                .collect();
            let votes = Voters::<T>::iter()
                .map(|(voter, v)| kdpos_primitives::Vote {
                    voter,
                    stake: v.stake.unique_saturated_into(),
                    targets: v.targets.into_inner(),
                })
                .collect();
            let tally = kdpos_primitives::tally(&standings, votes, &Self::params())?;
            Ok((standings, tally))
        }

        /// The next election over what is stored now: the classes the books closed with (or,
        /// before they close, a classification made now), the votes tallied, producers and
        /// standbys elected. Genesis runs it; the runtime API shows it as a preview.
        #[allow(clippy::type_complexity)]
        pub fn prepare_election() -> Result<
            (
                kdpos_primitives::classify::Classification<T::AccountId>,
                kdpos_primitives::Tally<T::AccountId>,
                kdpos_primitives::Election<T::AccountId>,
            ),
            kdpos_primitives::Error,
        > {
            let candidates = Self::sorted_candidates();
            let era = match ClassifiedFor::<T>::get() {
                Some((next, _)) if next > CurrentEra::<T>::get() => next,
                _ => CurrentEra::<T>::get(),
            };
            let classification = Self::classification_for(&candidates, era)?;
            let (standings, tally) = Self::standings_and_tally(&candidates, &classification, era)?;
            let election = kdpos_primitives::elect(&standings, &tally, &Self::params())?;
            Ok((classification, tally, election))
        }

        /// Invariants: each organisation has at most one candidate and the maps agree; the counts
        /// match; every bond and stake is exactly what is held for it; unbonding amounts sum to
        /// the unbonding hold; producers are candidates, one per organisation, and no standby.
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
                    <T as Config>::Currency::balance_on_hold(
                        &HoldReason::CandidateBond.into(),
                        &who
                    ) == c.bond,
                    "candidate bond differs from its hold"
                );
                // Only a slash takes a bond below the minimum, and it comes with a ban.
                ensure!(
                    c.bond >= T::MinCandidateBond::get() || BannedUntil::<T>::contains_key(&who),
                    "bond below minimum"
                );
            }
            let producers = Producers::<T>::get();
            let standbys = Standbys::<T>::get();
            let mut orgs = alloc::vec::Vec::new();
            for p in producers.iter() {
                let c = Candidates::<T>::get(p).ok_or("producer is no candidate")?;
                ensure!(!orgs.contains(&c.org), "two producers of one organisation");
                orgs.push(c.org);
                ensure!(!standbys.contains(p), "producer is a standby too");
            }
            ensure!(
                VoterCount::<T>::get() as usize == Voters::<T>::iter_keys().count(),
                "voter count mismatch"
            );
            ensure!(n == CandidateCount::<T>::get(), "candidate count mismatch");
            ensure!(
                CandidateOf::<T>::iter().count() as u32 == n,
                "organisation seats and candidates differ"
            );
            for (who, v) in Voters::<T>::iter() {
                ensure!(
                    <T as Config>::Currency::balance_on_hold(&HoldReason::VoterStake.into(), &who)
                        == v.stake,
                    "voter stake differs from its hold"
                );
                ensure!(!v.targets.is_empty(), "vote without targets");
            }
            for (who, chunks) in Unlocking::<T>::iter() {
                let sum = chunks
                    .iter()
                    .fold(BalanceOf::<T>::zero(), |s, u| s.saturating_add(u.amount));
                ensure!(
                    <T as Config>::Currency::balance_on_hold(&HoldReason::Unbonding.into(), &who)
                        == sum,
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
