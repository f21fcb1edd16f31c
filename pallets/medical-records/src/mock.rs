//! A minimal runtime for the pallet's tests: system, balances, the IPFS registry and records.

use crate as pallet_medical_records;
use frame_support::{
    derive_impl,
    traits::{ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeHoldReason,
        RuntimeFreezeReason,
        RuntimeTask
    )]
    pub struct Test;

    #[runtime::pallet_index(0)]
    pub type System = frame_system;
    #[runtime::pallet_index(1)]
    pub type Balances = pallet_balances;
    #[runtime::pallet_index(2)]
    pub type Registry = pallet_ipfs_registry;
    #[runtime::pallet_index(3)]
    pub type MedicalRecords = pallet_medical_records;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type Block = Block;
    type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type AccountStore = System;
    type RuntimeHoldReason = RuntimeHoldReason;
}

// The registry as its own tests run it (its feature `mock`).
#[derive_impl(pallet_ipfs_registry::config_preludes::TestDefaultConfig)]
impl pallet_ipfs_registry::Config for Test {
    type Currency = Balances;
}

impl pallet_medical_records::Config for Test {
    type OrganisationOrigin = EnsureRoot<u64>;
    type MaxMembers = ConstU32<4>;
    type MaxRecordsPerPatient = ConstU32<3>;
    type MaxGrantsPerRecord = ConstU32<2>;
    type MaxTypeGrantsPerPatient = ConstU32<2>;
    type MaxGrantDuration = ConstU64<100>;
    type EmergencyDuration = ConstU64<10>;
    type MaxEmergencyOpenings = ConstU32<2>;
    type MaxAuditPage = ConstU32<3>;
    type DepositBase = ConstU64<10>;
    type DepositPerByte = ConstU64<1>;
    type MaxSweep = ConstU32<2>;
    type MaxVoidedRanges = ConstU32<3>;
    type MaxReseal = ConstU32<3>;
    type OnAdminRemoved = ();
    type WeightInfo = ();
}

/// The hospital's admin.
pub const ADMIN: u64 = 1;
/// A clinician of the hospital, author of the records.
pub const DOCTOR: u64 = 2;
/// Another clinician of the same hospital (not an author).
pub const COLLEAGUE: u64 = 3;
/// The hospital's relayer.
pub const RELAYER: u64 = 4;
pub const PATIENT: u64 = 10;
pub const OTHER_PATIENT: u64 = 11;
/// A clinician of another hospital.
pub const SPECIALIST: u64 = 20;
pub const STRANGER: u64 = 30;
/// What each account starts with: enough for dozens of deposits.
pub const ENDOWMENT: u64 = 100_000;

pub fn new_test_ext() -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .expect("system genesis builds");
    pallet_balances::GenesisConfig::<Test> {
        balances: [
            ADMIN,
            DOCTOR,
            COLLEAGUE,
            RELAYER,
            PATIENT,
            OTHER_PATIENT,
            SPECIALIST,
            STRANGER,
        ]
        .iter()
        .map(|a| (*a, ENDOWMENT))
        .collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .expect("balances genesis builds");
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}
