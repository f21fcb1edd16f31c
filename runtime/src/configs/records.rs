//! The medical record index and the IPFS registry under it.

use crate::{Balance, Balances, BlockNumber, Runtime, RuntimeHoldReason, DAYS, UNIT};
use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;

parameter_types! {
    /// Held per CID registered on its own (`ipfsRegistry.register`). A record's CID holds none:
    /// only admitted clinicians create records, and records are never deleted.
    pub const CidDeposit: Balance = UNIT / 100;
    /// A grant runs at most a year.
    pub const MaxGrantDuration: BlockNumber = 365 * DAYS;
    /// An emergency opening lasts a day.
    pub const EmergencyDuration: BlockNumber = DAYS;
}

impl pallet_ipfs_registry::Config for Runtime {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type CidDeposit = CidDeposit;
    type MaxPins = ConstU32<16>;
    /// Storage providers are admitted by governance (sudo until there is a council).
    type ProviderOrigin = EnsureRoot<crate::AccountId>;
    type WeightInfo = crate::weights::pallet_ipfs_registry::WeightInfo<Runtime>;
}

impl pallet_medical_records::Config for Runtime {
    /// Hospitals join by governance (sudo until there is a council).
    type OrganisationOrigin = EnsureRoot<crate::AccountId>;
    type MaxMembers = ConstU32<1_024>;
    type MaxRecordsPerPatient = ConstU32<4_096>;
    type MaxGrantsPerRecord = ConstU32<32>;
    type MaxTypeGrantsPerPatient = ConstU32<16>;
    type MaxGrantDuration = MaxGrantDuration;
    type EmergencyDuration = EmergencyDuration;
    type MaxAuditEntries = ConstU32<32>;
    type MaxSweep = ConstU32<64>;
    type WeightInfo = crate::weights::pallet_medical_records::WeightInfo<Runtime>;
}
