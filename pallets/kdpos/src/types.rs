//! The pallet's types: what it stores for candidates, voters, unbonding amounts, classes and
//! faults, and the aliases its code names them by.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
    pallet_prelude::{BoundedVec, ConstU32},
    traits::fungible::Inspect,
};
use frame_system::pallet_prelude::BlockNumberFor;
use kdpos_primitives::{Class, ClassReason, Fault};
use scale_info::TypeInfo;

/// Era counter.
pub type EraIndex = u32;

/// Identifier of an organisation (a hospital), as pallet-medical-records assigns it.
pub type OrgId = u32;

pub(crate) type BalanceOf<T> =
    <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Most candidates one vote may name (KDPOS.md: 16).
pub const MAX_TARGETS: u32 = kdpos_primitives::MAX_VOTE_TARGETS as u32;

/// A candidate as stored for a runtime.
pub(crate) type StoredCandidate<T> = Candidate<BalanceOf<T>, BlockNumberFor<T>>;

/// A genesis vote: voter, stake, targets.
pub(crate) type GenesisVote<T> = (
    <T as frame_system::Config>::AccountId,
    BalanceOf<T>,
    alloc::vec::Vec<<T as frame_system::Config>::AccountId>,
);

/// Candidates as the era boundary reads them, sorted by account.
pub(crate) type SortedCandidates<T> =
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

/// An amount on its way out of a bond or stake: still held until `at`.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Unlock<Balance, BlockNumber> {
    pub amount: Balance,
    pub at: BlockNumber,
    /// It left a candidate's bond: it answers for the blocks the bond backed, and a proven
    /// offence slashes it as it slashes the bond (`UnbondingDelay` outlasts the report window).
    pub from_bond: bool,
}

/// What a candidate's node signs with the candidate's Aura session key to show, unsigned and
/// free, that the candidate is live in `session` (`Pallet::node_heartbeat`).
#[derive(Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo)]
pub struct NodeHeartbeat<AccountId> {
    /// The session it is live in: the current one.
    pub session: u32,
    /// The candidate whose session key signs it.
    pub candidate: AccountId,
}

/// Identifier of a validator set kept for the report window.
pub type SetId = u32;

/// A session of the report window: where its Aura slots start and whose they were.
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
pub struct SessionSlots {
    /// Its first Aura slot; it ends where the next session starts.
    pub first_slot: u64,
    /// The validator set (`AuthoritySets`) Aura gave its slots to.
    pub set: SetId,
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
    /// Whether it had own slots by the last era boundary: an unproven candidate produces only in
    /// a challenger seat (or when too few established candidates stand).
    pub proven: bool,
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
    /// Recorded only: `missing` producers were missing their slots at once (a shared outage).
    SharedOutage { missing: u32 },
    /// Not a producer of the session: nothing to evict (an offence is still punished).
    NotActive,
}

/// An organisation's record of proven offences: each one bans the organisation, not just the
/// node, and for twice as long as the one before.
#[derive(
    Clone,
    Copy,
    Default,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct OrgOffences {
    /// Proven offences of its candidates so far.
    pub offences: u32,
    /// The first era in which it may stand (and be elected) again.
    pub banned_until: EraIndex,
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
