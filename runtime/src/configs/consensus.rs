//! Block production and finality: K-DPoS elects the validator set and decides session rotation;
//! authorship, session (with historical proofs), Aura, GRANDPA and offences around it.

use crate::{
    AccountId, Balance, Balances, BlockNumber, Historical, Kdpos, Offences, Runtime, RuntimeEvent,
    RuntimeHoldReason, Session, SessionKeys, DAYS, SESSIONS_PER_ERA, SESSION_LENGTH, UNIT,
};
use frame_support::{
    parameter_types,
    traits::{ConstBool, ConstU32},
};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{
    traits::{Convert, ConvertInto},
    Perbill,
};

/// Largest validator set the runtime accepts (Aura, GRANDPA and session bounds).
pub const MAX_AUTHORITIES: u32 = 100;

/// Sessions in a day: how long an offence can be reported, through GRANDPA's report system or an
/// Aura proof, and punished.
pub const REPORT_WINDOW: u32 = crate::DAYS / SESSION_LENGTH;

parameter_types! {
    pub const Period: u32 = SESSION_LENGTH;
    /// Equivocation reports stay valid for a day of sessions.
    pub const ReportLongevity: u64 = REPORT_WINDOW as u64;
}

impl pallet_authorship::Config for Runtime {
    type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, crate::Aura>;
    /// Authored blocks count for the author's K-DPoS production and liveness.
    type EventHandler = Kdpos;
}

parameter_types! {
    /// A hospital bonds at least 10,000 MED to stand as a block producer.
    pub const MinCandidateBond: Balance = 10_000 * UNIT;
    pub const MinVoterStake: Balance = 100 * UNIT;
    /// Unbonded amounts stay held (and slashable) for a week.
    pub const UnbondingDelay: BlockNumber = 7 * DAYS;
    /// A proven equivocator loses a tenth of its bond; the reporter gets a fifth of that.
    pub const SlashFraction: Perbill = Perbill::from_percent(10);
    pub const ReporterReward: Perbill = Perbill::from_percent(20);
    /// The consortium defaults (P = 21, B = 6); a chain's genesis may set other seats.
    pub KdposParams: kdpos_primitives::Params = kdpos_primitives::Params::default();
}

/// Hospitals stand through an admin, as pallet-medical-records registers them.
pub struct OrganisationAdmins;
impl pallet_kdpos::Organisations<AccountId> for OrganisationAdmins {
    fn is_admin(org: pallet_kdpos::OrgId, who: &AccountId) -> bool {
        pallet_medical_records::Members::<Runtime>::get(org, who)
            == Some(pallet_medical_records::Role::Admin)
    }
}

/// Benchmark set-up: organisations through pallet-medical-records, session keys directly.
#[cfg(feature = "runtime-benchmarks")]
pub struct AuraAuthorities;

impl pallet_kdpos::Config for Runtime {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Organisations = OrganisationAdmins;
    type MinCandidateBond = MinCandidateBond;
    type MinVoterStake = MinVoterStake;
    type UnbondingDelay = UnbondingDelay;
    type MaxCandidates = ConstU32<1_000>;
    type MaxVoters = ConstU32<10_000>;
    type MaxUnlocking = ConstU32<16>;
    type Params = KdposParams;
    type SessionsPerEra = ConstU32<SESSIONS_PER_ERA>;
    /// Four: the smallest set in which GRANDPA finalizes with one producer faulty (3f + 1).
    type MinProducers = ConstU32<4>;
    type SessionPeriod = Period;
    type SlashFraction = SlashFraction;
    type ReporterReward = ReporterReward;
    type AuthorityId = AuraId;
    /// A day of sessions, as long as GRANDPA's reports stay valid; a week of unbonding outlasts it.
    type ReportWindow = ConstU32<REPORT_WINDOW>;
    type WeightInfo = crate::weights::pallet_kdpos::WeightInfo<Runtime>;
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = AuraAuthorities;
}

/// Benchmark scenes: hospitals registered through pallet-medical-records, session keys set directly.
#[cfg(feature = "runtime-benchmarks")]
impl pallet_kdpos::BenchmarkHelper<AccountId, AuraId> for AuraAuthorities {
    fn organisation(admin: &AccountId) -> pallet_kdpos::OrgId {
        let org = pallet_medical_records::NextOrgId::<Runtime>::get();
        // Root registers organisations; failing here fails the benchmark's own checks.
        let _ = crate::MedicalRecords::register_organisation(
            frame_system::RawOrigin::Root.into(),
            admin.clone(),
        );
        org
    }
    fn set_session_key(who: &AccountId, aura: AuraId) {
        // Any GRANDPA key: the benchmarks check Aura's only.
        let grandpa =
            sp_consensus_grandpa::AuthorityId::from(sp_core::ed25519::Public::from_raw([1; 32]));
        pallet_session::NextKeys::<Runtime>::insert(who, SessionKeys { aura, grandpa });
    }
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
    /// Periodic, and at once while K-DPoS forces a rotation after an eviction.
    type ShouldEndSession = Kdpos;
    type NextSessionRotation = Kdpos;
    type SessionManager = pallet_session::historical::NoteHistoricalRoot<Self, Kdpos>;
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
    /// K-DPoS disables, slashes, bans and replaces the offender.
    type OnOffenceHandler = Kdpos;
}
