//! A minimal runtime for the pallet's tests: system, balances and kdpos.

use crate as pallet_kdpos;
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstU32, ConstU64},
};
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
    pub type Kdpos = pallet_kdpos;
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

/// Accounts 10..=19 are admins of organisation 1, 20..=29 of organisation 2, and so on.
pub struct TensAreAdmins;
impl crate::Organisations<u64> for TensAreAdmins {
    fn is_admin(org: crate::OrgId, who: &u64) -> bool {
        *who / 10 == u64::from(org)
    }
}

/// Every account but H3 has session keys.
pub struct AllButH3;
impl frame_support::traits::Contains<u64> for AllButH3 {
    fn contains(who: &u64) -> bool {
        *who != H3
    }
}

parameter_types! {
    pub const MinCandidateBond: u64 = 100;
    pub const MinVoterStake: u64 = 10;
    /// Two producers and one standby.
    pub static Session: u32 = 0;
    pub KdposParams: kdpos_primitives::Params = kdpos_primitives::Params {
        producers: 2,
        standbys: 1,
        ..Default::default()
    };
}

impl pallet_kdpos::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Organisations = TensAreAdmins;
    type MinCandidateBond = MinCandidateBond;
    type MinVoterStake = MinVoterStake;
    type UnbondingDelay = ConstU64<5>;
    type MaxCandidates = ConstU32<3>;
    type MaxUnlocking = ConstU32<2>;
    type Params = KdposParams;
    type HasSessionKeys = AllButH3;
    type CurrentSession = Session;
    type SessionsPerEra = ConstU32<4>;
}

/// Admins of organisations 1, 2, 3 and 4.
pub const H1: u64 = 10;
pub const H1_OTHER: u64 = 11;
pub const H2: u64 = 20;
pub const H3: u64 = 30;
pub const H4: u64 = 40;
/// Voters (no organisation).
pub const V1: u64 = 100;
pub const V2: u64 = 101;
/// An account with little money.
pub const POOR: u64 = 50;

pub fn new_test_ext() -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .expect("system genesis builds");
    pallet_balances::GenesisConfig::<Test> {
        balances: [H1, H1_OTHER, H2, H3, H4, V1, V2]
            .iter()
            .map(|a| (*a, 1_000))
            .chain([(POOR, 50)])
            .collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .expect("balances genesis builds");
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}
