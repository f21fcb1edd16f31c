//! The medical record index and the IPFS registry under it.

use super::governance::CouncilOrRoot;
use crate::{Balance, Balances, BlockNumber, Runtime, RuntimeHoldReason, DAYS, UNIT};
use frame_support::{parameter_types, traits::ConstU32};

parameter_types! {
    /// Held per CID registered on its own (`ipfsRegistry.register`). A record's CID holds none:
    /// only admitted clinicians create records, and records are never deleted.
    pub const CidDeposit: Balance = UNIT / 100;
    /// A grant runs at most a year.
    pub const MaxGrantDuration: BlockNumber = 365 * DAYS;
    /// An emergency opening lasts a day.
    pub const EmergencyDuration: BlockNumber = DAYS;
    /// Held per item a signed call leaves in state (a grant is two: the grant and its grantee's
    /// index entry), as Polkadot prices storage: per item and per byte, here a hundredth of
    /// Polkadot's rates in MED. A grant holds about 0.04 MED, an audit entry 0.015 MED.
    pub const DepositBase: Balance = UNIT / 100;
    /// Held per byte of such an item.
    pub const DepositPerByte: Balance = UNIT / 10_000;
}

impl pallet_ipfs_registry::Config for Runtime {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type CidDeposit = CidDeposit;
    type MaxPins = ConstU32<16>;
    /// Storage providers are admitted by a two-thirds council motion (or sudo where there is one).
    type ProviderOrigin = CouncilOrRoot;
    type WeightInfo = crate::weights::pallet_ipfs_registry::WeightInfo<Runtime>;
}

impl pallet_medical_records::Config for Runtime {
    /// Hospitals join, and runaway anchors are voided, by a two-thirds council motion (or sudo
    /// on a hospital's private chain).
    type OrganisationOrigin = CouncilOrRoot;
    type MaxMembers = ConstU32<1_024>;
    type MaxRecordsPerPatient = ConstU32<4_096>;
    type MaxGrantsPerRecord = ConstU32<32>;
    type MaxTypeGrantsPerPatient = ConstU32<16>;
    type MaxGrantDuration = MaxGrantDuration;
    type EmergencyDuration = EmergencyDuration;
    /// A clinician opens one record in an emergency at most three times; after that, or once
    /// the patient revoked an opening, only the patient's grant lets them read it.
    type MaxEmergencyOpenings = ConstU32<3>;
    type MaxAuditPage = ConstU32<64>;
    type DepositBase = DepositBase;
    type DepositPerByte = DepositPerByte;
    type MaxSweep = ConstU32<64>;
    type MaxVoidedRanges = ConstU32<16>;
    /// A rotation re-seals 128 records per call (10,000 records: 79 calls).
    type MaxReseal = ConstU32<128>;
    type OnAdminRemoved = DisownCandidate;
    type WeightInfo = crate::weights::pallet_medical_records::WeightInfo<Runtime>;
}

/// A removed admin's K-DPoS candidacy ends with their membership (issue 17, item 10).
pub struct DisownCandidate;
impl pallet_medical_records::OnAdminRemoved<crate::AccountId> for DisownCandidate {
    fn admin_removed(org: pallet_medical_records::OrgId, who: &crate::AccountId) {
        pallet_kdpos::Pallet::<Runtime>::disown(org, who);
    }
    fn weight() -> frame_support::weights::Weight {
        use pallet_kdpos::WeightInfo as _;
        // As much as a candidate's full unbond, and the disowned list read and written.
        <Runtime as pallet_kdpos::Config>::WeightInfo::unbond()
            .saturating_add(<Runtime as frame_system::Config>::DbWeight::get().reads_writes(3, 1))
    }
}
