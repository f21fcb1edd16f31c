//! Block production and finality: authorship, session (with historical proofs), Aura, GRANDPA
//! and offences. The validator set comes from a `SessionManager`; until pallet-kdpos elects
//! producers, `GenesisValidators` keeps the genesis set.

use crate::{
    AccountId, Historical, Offences, Runtime, RuntimeEvent, Session, SessionKeys, SESSION_LENGTH,
};
use alloc::vec::Vec;
use frame_support::{
    parameter_types,
    traits::{ConstBool, ConstU32},
};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::traits::{Convert, ConvertInto};
use sp_staking::SessionIndex;

/// Largest validator set the runtime accepts (Aura, GRANDPA and session bounds).
pub const MAX_AUTHORITIES: u32 = 100;

parameter_types! {
    pub const Period: u32 = SESSION_LENGTH;
    pub const Offset: u32 = 0;
    /// Equivocation reports stay valid for a day of sessions.
    pub const ReportLongevity: u64 = (crate::DAYS / SESSION_LENGTH) as u64;
}

impl pallet_authorship::Config for Runtime {
    type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, crate::Aura>;
    type EventHandler = ();
}

/// Keeps whatever set is live: the genesis validators, until a validator-set pallet elects one.
pub struct GenesisValidators;

impl pallet_session::SessionManager<AccountId> for GenesisValidators {
    fn new_session(_: SessionIndex) -> Option<Vec<AccountId>> {
        None
    }
    fn start_session(_: SessionIndex) {}
    fn end_session(_: SessionIndex) {}
}

impl pallet_session::historical::SessionManager<AccountId, ()> for GenesisValidators {
    fn new_session(_: SessionIndex) -> Option<Vec<(AccountId, ())>> {
        None
    }
    fn start_session(_: SessionIndex) {}
    fn end_session(_: SessionIndex) {}
}

/// Validators carry no exposure data: what an offence costs is decided by the offence handler.
pub struct UnitIdentification;
impl Convert<AccountId, Option<()>> for UnitIdentification {
    fn convert(_: AccountId) -> Option<()> {
        Some(())
    }
}

impl pallet_session::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type ValidatorId = AccountId;
    type ValidatorIdOf = ConvertInto;
    type ShouldEndSession = pallet_session::PeriodicSessions<Period, Offset>;
    type NextSessionRotation = pallet_session::PeriodicSessions<Period, Offset>;
    type SessionManager = pallet_session::historical::NoteHistoricalRoot<Self, GenesisValidators>;
    type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
    type Keys = SessionKeys;
    /// A disabled validator's Aura slots are rejected; at most a third of the set is disabled.
    type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
    type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
    type Currency = crate::Balances;
    /// Hospitals bond through K-DPoS; registering keys costs only the transaction fee.
    type KeyDeposit = frame_support::traits::ConstU128<0>;
}

impl pallet_session::historical::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type FullIdentification = ();
    type FullIdentificationOf = UnitIdentification;
}

impl pallet_aura::Config for Runtime {
    type AuthorityId = AuraId;
    type DisabledValidators = Session;
    type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
    type AllowMultipleBlocksPerSlot = ConstBool<false>;
    type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type WeightInfo = ();
    type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
    type MaxNominators = ConstU32<0>;
    type MaxSetIdSessionEntries = ReportLongevity;
    type KeyOwnerProof = sp_session::MembershipProof;
    type EquivocationReportSystem =
        pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_offences::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
    /// Offences are recorded; pallet-kdpos will slash, ban and rotate when it lands.
    type OnOffenceHandler = ();
}
