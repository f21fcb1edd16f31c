//! Governance by the member hospitals: a council of one seat per organisation (its admin's
//! account), whose motions pass with two thirds of the seats.
//!
//! - `council` (pallet-collective) holds motions and votes; `councilMembership`
//!   (pallet-membership) keeps its seats and changes them only by such a motion.
//! - Privileged calls of medchain's pallets (admitting a hospital or a storage provider, voiding
//!   a runaway anchor) take a two-thirds motion directly ([`CouncilOrRoot`]).
//! - What only Root may call (`system.authorizeUpgrade`, a runtime upgrade) the council reaches
//!   through `whitelist`: one motion whitelists the call's hash and dispatches it as Root
//!   (`utility.batchAll([whitelist.whitelistCall(h), whitelist.dispatchWhitelistedCallWithPreimage(call)])`,
//!   which `medchain council propose --root` builds).
//!
//! The consortium's genesis has no sudo key, so these motions are the only privileged path there;
//! a hospital's private chain keeps a single owner (its admin as sudo), and development chains
//! keep //Alice.

use crate::{
    AccountId, Balance, Balances, BlockNumber, OriginCaller, Runtime, RuntimeCall, RuntimeEvent,
    RuntimeHoldReason, RuntimeOrigin, System, DAYS, UNIT,
};
use frame_support::{
    parameter_types,
    traits::{fungible::HoldConsideration, EitherOfDiverse, LinearStoragePrice},
    weights::Weight,
};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

/// The council's instance of pallet-collective (and of pallet-membership, which keeps its seats).
pub type CouncilCollective = pallet_collective::Instance1;

/// A motion of at least two thirds of the council's seats.
pub type CouncilTwoThirds =
    pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>;

/// Root (sudo on a chain that has one, or a whitelisted dispatch) or a two-thirds motion.
pub type CouncilOrRoot = EitherOfDiverse<EnsureRoot<AccountId>, CouncilTwoThirds>;

parameter_types! {
    /// A motion is open a week; it closes sooner once two thirds voted aye (or enough nay that
    /// it cannot pass).
    pub const MotionDuration: BlockNumber = 7 * DAYS;
    /// At most this many motions open at once, and this many seats: one per hospital.
    pub const CouncilMaxProposals: u32 = 100;
    pub const CouncilMaxMembers: u32 = 100;
    /// A motion's call may use half a block.
    pub MaxProposalWeight: Weight =
        Perbill::from_percent(50) * crate::configs::RuntimeBlockWeights::get().max_block;
    /// A noted preimage holds a deposit from whoever noted it: per preimage and per byte, at the
    /// rates of the record index (configs/records.rs).
    pub const PreimageBaseDeposit: Balance = UNIT / 100;
    pub const PreimageByteDeposit: Balance = UNIT / 10_000;
    pub const PreimageHoldReason: RuntimeHoldReason =
        RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
    /// A deferred whitelisted dispatch (one that did not fit its motion's block) expires after a day.
    pub const DeferredDispatchExpiration: BlockNumber = DAYS;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
    type RuntimeOrigin = RuntimeOrigin;
    type Proposal = RuntimeCall;
    type RuntimeEvent = RuntimeEvent;
    type MotionDuration = MotionDuration;
    type MaxProposals = CouncilMaxProposals;
    type MaxMembers = CouncilMaxMembers;
    /// Seats that did not vote when a motion's time is up count as nay (there is no prime).
    type DefaultVote = pallet_collective::PrimeDefaultVote;
    type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
    /// Seats change through `councilMembership` only.
    type SetMembersOrigin = EnsureRoot<AccountId>;
    type MaxProposalWeight = MaxProposalWeight;
    type DisapproveOrigin = CouncilOrRoot;
    type KillOrigin = CouncilOrRoot;
    /// Only seated hospitals propose, at most `CouncilMaxProposals` at a time: no deposit.
    type Consideration = ();
}

impl pallet_membership::Config<pallet_membership::Instance1> for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type AddOrigin = CouncilOrRoot;
    type RemoveOrigin = CouncilOrRoot;
    type SwapOrigin = CouncilOrRoot;
    type ResetOrigin = CouncilOrRoot;
    type PrimeOrigin = CouncilOrRoot;
    type MembershipInitialized = crate::Council;
    type MembershipChanged = crate::Council;
    type MaxMembers = CouncilMaxMembers;
    type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

impl pallet_preimage::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
    type Currency = Balances;
    type ManagerOrigin = CouncilOrRoot;
    type Consideration = HoldConsideration<
        AccountId,
        Balances,
        PreimageHoldReason,
        LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
    >;
}

impl pallet_whitelist::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type WhitelistOrigin = CouncilOrRoot;
    type DispatchWhitelistedOrigin = CouncilOrRoot;
    type Preimages = crate::Preimage;
    type DeferredDispatchExpiration = DeferredDispatchExpiration;
    type BlockNumberProvider = System;
    type WeightInfo = pallet_whitelist::weights::SubstrateWeight<Runtime>;
}

impl pallet_utility::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type PalletsOrigin = OriginCaller;
    type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}
