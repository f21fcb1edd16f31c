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
//!   free once-per-session heartbeat (sent by the candidate's node itself, signed with its Aura
//!   session key, from the offchain worker), voting and offences are counted per era and folded
//!   into each candidate's record at the era boundary.
//! - **Election.** pallet-session asks [`Pallet`] (its `SessionManager`) for the next set. One
//!   rotation before an era boundary the era's books close (counters folded into records, every
//!   candidate classified); at the boundary the pallet restricts and caps the votes, elects P
//!   producers and B standbys, and hands the producers over. Each half has its own block, so at
//!   1,000 candidates and 10,000 voters neither takes more than a quarter of one. A set returned
//!   for session `i` produces from session `i`, one rotation after it is queued, in an order
//!   shuffled by a hash of the era and the parent block.
//! - **Eviction.** A producer that misses `missed_slots_threshold` own slots in a row, or is proven
//!   to equivocate (GRANDPA through pallet-offences, Aura through [`Pallet::report_equivocation`]),
//!   is disabled in that block and replaced by the best standby through two forced rotations. An
//!   equivocator is also slashed, banned and set to integrity zero; a liveness fault that would
//!   leave too few producers online for finality, or that `outage_producers` or more producers
//!   share (missing their slots at once: a network, power or release failure), is recorded
//!   instead, and judged again if the node stays down. Offences are provable for
//!   `ReportWindow` sessions (the pallet keeps their validator sets and Aura keys), Aura proofs
//!   only with headers built on this chain; what a candidate unbonds stays slashable until it is
//!   withdrawn, and a candidate that produced in the window cannot leave before it has passed.
//!
//! ## Code layout
//!
//! `lib.rs` declares the pallet (config, storage, genesis, events, errors, hooks, calls); each
//! call checks its origin and hands over to the file of its concern:
//!
//! - `types.rs`: what is stored (candidates, voters, unbonding amounts, classes, faults).
//! - `traits.rs`: what the runtime provides (organisation admins, benchmark set-up).
//! - `params.rs`: the algorithm's parameters in force, with the genesis' seats.
//! - `stake.rs`: bonds, votes and unbonding, as holds; slashing a bond.
//! - `session.rs`: pallet-session's manager and rotations; slots, authors and heartbeats counted.
//! - `era.rs`: the era boundary: books closed, candidates classified, votes tallied, election.
//! - `offences.rs`: liveness faults and equivocations: punishment and eviction.
//! - `runtime_api.rs`: `KdposApi`, what clients read.
//! - `try_state.rs`: the invariants try-runtime and the tests check.
//! - `mock.rs` and `tests/`: the test runtime (feature `mock` for other crates) and the tests.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
#[cfg(feature = "runtime-benchmarks")]
pub use traits::BenchmarkHelper;
pub use traits::Organisations;
pub(crate) use types::{BalanceOf, GenesisVote, SortedCandidates};
pub use types::{
    Candidate, ClassInfo, EraIndex, FaultAction, FaultRecord, NodeHeartbeat, OrgId, OrgOffences,
    SessionSlots, SetId, Unlock, Voter, MAX_TARGETS,
};
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod era;
#[cfg(any(test, feature = "mock"))]
pub mod mock;
mod offences;
mod params;
pub mod runtime_api;
mod session;
mod stake;
#[cfg(test)]
mod tests;
mod traits;
// Also with `std`: the runtime's own tests check its genesis presets with it.
#[cfg(any(feature = "try-runtime", feature = "std", test))]
mod try_state;
mod types;
pub mod weights;

use frame_support::{
    pallet_prelude::*,
    traits::fungible::{self, MutateHold},
};
use frame_system::pallet_prelude::*;
use kdpos_primitives::{Class, ClassReason, Fault};
use sp_runtime::{
    traits::{UniqueSaturatedInto, Zero},
    Perbill,
};

#[frame_support::pallet]
pub mod pallet {
    use super::*;

    /// Version 0: the layout chains have run since genesis; bump it with a migration.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// The pallet drives pallet-session: validators are accounts, as Aura's and GRANDPA's session
    /// handlers require.
    #[pallet::config]
    pub trait Config:
        frame_system::Config
        + pallet_session::Config<ValidatorId = <Self as frame_system::Config>::AccountId>
        + pallet_session::historical::Config
        + frame_system::offchain::CreateBare<Call<Self>>
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
        /// The fewest producers an era may elect (or P, if the chain has fewer seats): an
        /// election that gives fewer keeps the current set, so that a few candidates left
        /// standing cannot become the whole committee.
        #[pallet::constant]
        type MinProducers: Get<u32>;
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
        /// Sessions after its own in which an offence can still be proven and punished: the
        /// pallet keeps their validator sets, and a candidate that produced in one of them
        /// cannot leave until it has passed (`UnbondingDelay` must outlast it). Aura proofs are
        /// further bound to blocks this chain still knows (frame-system's `BlockHashCount`).
        #[pallet::constant]
        type ReportWindow: Get<u32>;
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

    /// Organisations whose candidates committed proven offences: how many, and until when the
    /// organisation may not stand (another admin of it included).
    #[pallet::storage]
    pub type OrganisationOffences<T> = StorageMap<_, Twox64Concat, OrgId, OrgOffences>;

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

    /// The producers elected for the current era, in the order handed to pallet-session (at an
    /// era boundary shuffled by a hash of the era and the parent block; at genesis most backed
    /// first); an eviction replaces one.
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

    /// Candidates whose organisation removed them as admin while they produced: never elected
    /// again, and their candidacy ends at the first session boundary at which they no longer
    /// produce (their bond answers for the blocks they make until then).
    #[pallet::storage]
    pub type Disowned<T: Config> =
        StorageValue<_, BoundedVec<T::AccountId, T::MaxCandidates>, ValueQuery>;

    /// Rotations still to force: an eviction forces two, one to queue the replacement set and one
    /// to make it live.
    #[pallet::storage]
    pub type ForcedRotations<T> = StorageValue<_, u8, ValueQuery>;

    /// The Aura slot of the latest block (0 before the first).
    #[pallet::storage]
    pub type LastSlot<T> = StorageValue<_, u64, ValueQuery>;

    /// The sessions of the report window (`ReportWindow`, the current one included): the first
    /// Aura slot of each and the validator set that owned its slots.
    #[pallet::storage]
    pub type SessionSets<T> = StorageMap<_, Twox64Concat, u32, SessionSlots>;

    /// The validator sets of the report window's sessions, each with its Aura keys, in Aura's
    /// order (slot `s` of a session is `set[s % len]`'s). A set serving several sessions is
    /// stored once.
    #[pallet::storage]
    pub type AuthoritySets<T: Config> = StorageMap<
        _,
        Twox64Concat,
        SetId,
        BoundedVec<(T::AccountId, T::AuthorityId), T::MaxCandidates>,
        ValueQuery,
    >;

    /// The id the next new validator set gets.
    #[pallet::storage]
    pub type NextSetId<T> = StorageValue<_, SetId, ValueQuery>;

    /// The latest set of the report window each validator served in. While it has one, what it
    /// produced can still be proven against it: its candidacy cannot end.
    #[pallet::storage]
    pub type LastSetOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, SetId>;

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

    /// The candidates whose own account held a vote naming another candidate when the last
    /// election counted the votes, sorted: the voting feature (x3) of the era's books. A vote
    /// call that only renews a vote, or a vote for oneself alone, earns nothing.
    #[pallet::storage]
    pub type VotedAtElection<T: Config> =
        StorageValue<_, BoundedVec<T::AccountId, T::MaxCandidates>, ValueQuery>;

    /// Producer and standby seats set by the chain's genesis, overriding `Params`' (one runtime
    /// serves a 4-producer test network and a 21-producer consortium).
    #[pallet::storage]
    pub type Seats<T> = StorageValue<_, (u32, u32), OptionQuery>;

    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Producers P of this chain; 0 keeps `Params`' number.
        pub producers: u32,
        /// Standbys B of this chain; 0 keeps `Params`' number.
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
        /// An admin stood as its organisation's candidate.
        CandidateRegistered {
            /// The candidate: the admin that stood.
            candidate: T::AccountId,
            /// The organisation it stands for.
            org: OrgId,
            /// Its bond, now held.
            bond: BalanceOf<T>,
        },
        /// A candidate added to its bond.
        Bonded {
            /// The candidate.
            candidate: T::AccountId,
            /// What it added, now held.
            amount: BalanceOf<T>,
        },
        /// `amount` left a bond or stake; it can be withdrawn at block `at`.
        Unbonded {
            /// The candidate or voter it left.
            who: T::AccountId,
            /// What left, still held until `at`.
            amount: BalanceOf<T>,
            /// The first block in which it can be withdrawn.
            at: BlockNumberFor<T>,
        },
        /// The candidate's organisation removed it as admin: the candidacy ends now
        /// ([`Event::CandidateLeft`] follows), or, for a producer, once it no longer produces; it
        /// is not elected again.
        CandidateDisowned {
            /// The candidate.
            candidate: T::AccountId,
            /// The organisation that removed it.
            org: OrgId,
        },
        /// The candidate unbonded everything, or its organisation disowned it: it stands no
        /// more, and its whole bond is unbonding.
        CandidateLeft {
            /// The former candidate.
            candidate: T::AccountId,
            /// Its organisation, whose seat is free again.
            org: OrgId,
        },
        /// Unbonded amounts whose delay had passed were released.
        Withdrawn {
            /// Whose amounts.
            who: T::AccountId,
            /// What was released, spendable again.
            amount: BalanceOf<T>,
        },
        /// A vote was cast, or replaced an earlier one.
        Voted {
            /// The voter.
            voter: T::AccountId,
            /// Its stake, held.
            stake: BalanceOf<T>,
            /// How many candidates the vote names.
            targets: u32,
        },
        /// A vote was removed; its stake is unbonding.
        VoteRemoved {
            /// The voter.
            voter: T::AccountId,
        },
        /// A producer missed `missed_slots_threshold` (of `Params`) own slots in a row: a
        /// liveness fault.
        LivenessFault {
            /// The validator that missed them.
            producer: T::AccountId,
            /// Own slots it missed in a row.
            consecutive: u32,
        },
        /// A candidate showed it is live this session.
        Heartbeat {
            /// The candidate.
            candidate: T::AccountId,
            /// The session it is counted live in.
            session: u32,
        },
        /// The books of era `era` closed, one rotation before its end: `candidates` counters
        /// folded into records and classified for the next era.
        BooksClosed {
            /// The era whose books closed.
            era: EraIndex,
            /// How many candidates were folded and classified.
            candidates: u32,
        },
        /// An era ended: the next era's producers and standbys were elected.
        EraEnded {
            /// The era that ended.
            era: EraIndex,
            /// How many producers were elected for the next era.
            producers: u32,
            /// How many standbys were elected for the next era.
            standbys: u32,
        },
        /// A candidate's class changed (`from` is `None` for its first class).
        ClassChanged {
            /// The candidate.
            candidate: T::AccountId,
            /// Its class before, if it had one.
            from: Option<Class>,
            /// Its class now.
            to: Class,
            /// The rule that decided it.
            reason: ClassReason,
        },
        /// The producers and standbys of era `era`; the producers are live one rotation later.
        Elected {
            /// The era they were elected for.
            era: EraIndex,
            /// Its producers, most backed first.
            producers: alloc::vec::Vec<T::AccountId>,
            /// Its standbys, in promotion order.
            standbys: alloc::vec::Vec<T::AccountId>,
        },
        /// The election gave fewer producers than `MinProducers` (or none, or failed): the
        /// current set stays.
        ElectionKeptSet {
            /// The era now current: the new one if the election ran and elected no producer,
            /// the old one if it failed.
            era: EraIndex,
        },
        /// A producer was disabled and is being rotated out for `replacement`.
        ProducerEvicted {
            /// The producer, disabled from this block.
            producer: T::AccountId,
            /// What it did.
            fault: Fault,
            /// The standby taking its place, if one was left.
            replacement: Option<T::AccountId>,
        },
        /// A fault was recorded but not acted on: evicting would leave `online - 1` producers
        /// online where finality needs `needed` (a liveness fault), or none at all (any fault).
        EvictionDeferred {
            /// The producer at fault, still producing.
            producer: T::AccountId,
            /// Producers online now, the faulty one included.
            online: u32,
            /// Producers finality needs online.
            needed: u32,
        },
        /// An Aura equivocation was proven by `reporter`.
        EquivocationReported {
            /// The producer that sealed two headers for one slot.
            offender: T::AccountId,
            /// The Aura slot of both headers.
            slot: u64,
            /// Who proved it.
            reporter: T::AccountId,
        },
        /// A proven offender lost `amount` of its bond, `reward` of it paid to the reporter.
        Slashed {
            /// The offender.
            offender: T::AccountId,
            /// What its bond lost.
            amount: BalanceOf<T>,
            /// What of it the reporter was paid; the rest was burned.
            reward: BalanceOf<T>,
        },
        /// A proven offender cannot be elected before era `until`.
        Banned {
            /// The offender.
            offender: T::AccountId,
            /// The first era it can be elected in again.
            until: EraIndex,
        },
        /// An organisation's candidate committed a proven offence: no admin of it may stand
        /// before era `until`; each offence bans it twice as long as the one before.
        OrganisationBanned {
            /// The organisation.
            org: OrgId,
            /// Its proven offences so far.
            offences: u32,
            /// The first era in which it may stand again.
            until: EraIndex,
        },
        /// A liveness fault was recorded, not evicted: `missing` producers (at least
        /// `outage_producers` of `Params`) miss their slots at once, a shared outage (network,
        /// power, a release) rather than this node's own fault. The misses still count against
        /// its record; it is judged again at each further `missed_slots_threshold` misses.
        SharedOutage {
            /// The producer at fault, still in the set.
            producer: T::AccountId,
            /// Enabled producers missing their slots now, the faulty one included.
            missing: u32,
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
        /// The organisation is banned for a proven offence of its candidate: none of its admins
        /// may stand before the era its ban ends.
        OrganisationBanned,
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
        /// A node's heartbeat for another session than the current one.
        StaleHeartbeat,
        /// A producer of this era (or of the live set) cannot unbond all of its bond.
        StillProducing,
        /// The candidate produced within the report window: its whole bond answers for those
        /// blocks until `ReportWindow` sessions have passed; it may unbond down to the minimum.
        InReportWindow,
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
        /// The slot is older than the report window's first session (or is still to come).
        StaleProof,
        /// The offender was punished for this session (or a later one) already.
        DuplicateReport,
        /// A header of the proof was not built on this chain: its parent is no block this chain
        /// knows (another chain's header, one older than `BlockHashCount`, or one of no block).
        ForeignHeader,
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
            // A liveness fault also reads every producer's run and era counters (is it a shared
            // outage?) and the disabled list: keys the measured worst case mostly read already,
            // counted here until `scripts/weights.sh` measures the hook again.
            let outage_reads = if faults > 0 {
                u64::from(authorities).saturating_mul(2).saturating_add(1)
            } else {
                0
            };
            <T as Config>::WeightInfo::on_initialize(authorities, faults)
                .saturating_add(T::DbWeight::get().reads(outage_reads))
        }

        /// The constants hold together. Runs in tests only (construct_runtime's integrity test),
        /// never in a block, so it may assert.
        fn integrity_test() {
            let params = T::Params::get();
            assert!(
                params.validate().is_ok(),
                "Params are invalid: P must be at least 1, the weights sum to 1_000_000, the \
                 thresholds at most 1_000_000 and in order, the cap factors above zero"
            );
            assert!(
                params.missed_slots_threshold > 0,
                "Params' missed_slots_threshold must be at least 1, or no liveness fault is found"
            );
            assert!(
                T::MaxCandidates::get() >= params.seats(),
                "MaxCandidates must leave room for Params' P producers and B standbys"
            );
            assert!(
                T::MaxVoters::get() > 0,
                "MaxVoters must be at least 1, or nobody can vote"
            );
            assert!(
                T::MaxUnlocking::get() > 0,
                "MaxUnlocking must be at least 1, or nothing can ever unbond"
            );
            assert!(
                !T::MinCandidateBond::get().is_zero(),
                "MinCandidateBond must be above zero: a candidacy answers with its bond"
            );
            assert!(
                !T::MinVoterStake::get().is_zero(),
                "MinVoterStake must be above zero: a vote without stake is refused anyway"
            );
            assert!(
                T::SessionsPerEra::get() > 0,
                "SessionsPerEra must be at least 1"
            );
            assert!(
                !T::SessionPeriod::get().is_zero(),
                "SessionPeriod must be above zero, or sessions rotate only when forced"
            );
            assert!(
                T::ReportWindow::get() > 0,
                "ReportWindow must be at least 1 session, or no offence can be proven"
            );
            use sp_runtime::traits::Saturating;
            let window: BlockNumberFor<T> = T::ReportWindow::get().into();
            assert!(
                T::UnbondingDelay::get() >= T::SessionPeriod::get().saturating_mul(window),
                "UnbondingDelay must outlast the report window, or a bond leaves before an \
                 offence it backed is proven"
            );
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }

        /// On a validator node: sends a heartbeat for each candidate whose session key this node
        /// holds and that is not live yet this session (`session.rs`).
        fn offchain_worker(now: BlockNumberFor<T>) {
            if sp_io::offchain::is_validator() {
                Self::send_heartbeats(now);
            }
        }
    }

    // Unsigned, as im-online's heartbeat was, rather than `#[pallet::authorize]`: that needs
    // the `AuthorizeCall` extension and general (v5) transactions, which @polkadot/api 16 and
    // Apps do not decode in blocks yet; bare transactions they do. Move once they do (before
    // `ValidateUnsigned` goes, April 2027).
    #[allow(deprecated)]
    #[pallet::validate_unsigned]
    impl<T: Config> ValidateUnsigned for Pallet<T> {
        type Call = Call<T>;

        /// A node's heartbeat is valid for the current session, from a candidate not live yet,
        /// signed by the candidate's registered Aura session key; one per candidate and session.
        fn validate_unsigned(_source: TransactionSource, call: &Self::Call) -> TransactionValidity {
            let Call::node_heartbeat {
                heartbeat,
                signature,
            } = call
            else {
                return InvalidTransaction::Call.into();
            };
            Self::check_node_heartbeat(heartbeat, signature)?;
            ValidTransaction::with_tag_prefix("KdposNodeHeartbeat")
                .priority(TransactionPriority::MAX / 2)
                .and_provides((heartbeat.session, heartbeat.candidate.clone()))
                .longevity(T::SessionPeriod::get().unique_saturated_into())
                .propagate(true)
                .build()
        }
    }

    // Each call checks its origin and hands over to the file of its concern: stake.rs for bonds
    // and votes, session.rs for heartbeats, offences.rs for equivocation proofs. (A plain
    // comment: doc comments here would become the `Call` type's docs in the metadata.)
    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// An admin of `org` stands as its candidate, bonding `bond`.
        ///
        /// Emits [`Event::CandidateRegistered`].
        #[pallet::call_index(0)]
        #[pallet::weight(<T as Config>::WeightInfo::register_candidate())]
        pub fn register_candidate(
            origin: OriginFor<T>,
            org: OrgId,
            bond: BalanceOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_register_candidate(who, org, bond)
        }

        /// A candidate bonds `amount` more.
        ///
        /// Emits [`Event::Bonded`].
        #[pallet::call_index(1)]
        #[pallet::weight(<T as Config>::WeightInfo::bond_extra())]
        pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_bond_extra(who, amount)
        }

        /// A candidate unbonds `amount`; unbonding all of it ends the candidacy. What is
        /// unbonded stays held for `UnbondingDelay` blocks.
        ///
        /// Emits [`Event::Unbonded`], preceded by [`Event::CandidateLeft`] when the candidacy
        /// ends.
        #[pallet::call_index(2)]
        #[pallet::weight(<T as Config>::WeightInfo::unbond())]
        pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_unbond(who, amount)
        }

        /// Releases every amount whose unbonding delay has passed.
        ///
        /// Emits [`Event::Withdrawn`].
        #[pallet::call_index(3)]
        #[pallet::weight(<T as Config>::WeightInfo::withdraw_unbonded())]
        pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_withdraw_unbonded(who)
        }

        /// Bonds `stake` and votes for `targets` (1 to 16 distinct candidates), replacing any
        /// earlier vote; lowering the stake unbonds the difference.
        ///
        /// Emits [`Event::Voted`], preceded by [`Event::Unbonded`] when the stake is lowered.
        #[pallet::call_index(4)]
        #[pallet::weight(<T as Config>::WeightInfo::vote())]
        pub fn vote(
            origin: OriginFor<T>,
            targets: BoundedVec<T::AccountId, ConstU32<MAX_TARGETS>>,
            stake: BalanceOf<T>,
        ) -> DispatchResult {
            let voter = ensure_signed(origin)?;
            Self::do_vote(voter, targets, stake)
        }

        /// A candidate shows it is live this session: free when accepted, once per session;
        /// refused (and paid for) from anyone else or a second time.
        ///
        /// Emits [`Event::Heartbeat`].
        #[pallet::call_index(6)]
        #[pallet::weight(<T as Config>::WeightInfo::heartbeat())]
        pub fn heartbeat(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
            let who = ensure_signed(origin)?;
            Self::do_heartbeat(who)?;
            Ok(Pays::No.into())
        }

        /// A candidate's node shows the candidate is live this session: signed with the
        /// candidate's Aura session key, unsigned and free. The node's offchain worker sends it by
        /// itself, once a session, for a candidate that does not produce (a producer is live by
        /// its blocks). The transaction pool refuses one for another session, for a non-candidate,
        /// with a signature that is not the candidate's session key's, or once it is live.
        ///
        /// Emits [`Event::Heartbeat`].
        #[pallet::call_index(8)]
        #[pallet::weight(<T as Config>::WeightInfo::node_heartbeat())]
        pub fn node_heartbeat(
            origin: OriginFor<T>,
            heartbeat: NodeHeartbeat<T::AccountId>,
            // The signature was checked in `validate_unsigned`, before the call is dispatched.
            _signature: <T::AuthorityId as sp_runtime::RuntimeAppPublic>::Signature,
        ) -> DispatchResult {
            ensure_none(origin)?;
            ensure!(
                heartbeat.session == pallet_session::CurrentIndex::<T>::get(),
                Error::<T>::StaleHeartbeat
            );
            Self::do_heartbeat(heartbeat.candidate)
        }

        /// Removes the caller's vote; its stake unbonds.
        ///
        /// Emits [`Event::Unbonded`], then [`Event::VoteRemoved`].
        #[pallet::call_index(5)]
        #[pallet::weight(<T as Config>::WeightInfo::remove_vote())]
        pub fn remove_vote(origin: OriginFor<T>) -> DispatchResult {
            let voter = ensure_signed(origin)?;
            Self::do_remove_vote(voter)
        }

        /// Proves that a validator sealed two different headers of this chain for one Aura slot
        /// it owned in a session of the report window (`ReportWindow`). The offender is slashed
        /// (its bond and what it unbonds) and banned, and, when it produces now, disabled in this
        /// block and replaced; the reporter gets `ReporterReward` of the slash and pays no fee.
        /// A proof that does not hold, is stale, comes from another chain or was judged already
        /// is refused with the reason, and paid for.
        ///
        /// Emits [`Event::EquivocationReported`], [`Event::Banned`] and, for a candidate,
        /// [`Event::Slashed`]; then, unless the offender is disabled already,
        /// [`Event::ProducerEvicted`] (or [`Event::EvictionDeferred`] when it is the last
        /// validator producing); and [`Event::ClassChanged`] when a candidate's class falls to
        /// Poor.
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
            Self::do_report_equivocation(reporter, *proof)?;
            Ok(Pays::No.into())
        }
    }
}
