//! A minimal runtime for the pallet's tests: system, balances and the registry.

use crate as pallet_ipfs_registry;
use frame_support::derive_impl;
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

// The settings other pallets' mocks use too (feature `mock`).
#[derive_impl(pallet_ipfs_registry::config_preludes::TestDefaultConfig)]
impl pallet_ipfs_registry::Config for Test {
    type Currency = Balances;
}

pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
pub const POOR: u64 = 3;
pub const PROVIDERS: [u64; 4] = [10, 11, 12, 13];

pub fn new_test_ext() -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .expect("system genesis builds");
    pallet_balances::GenesisConfig::<Test> {
        balances: vec![
            (ALICE, 100),
            (BOB, 100),
            (POOR, 5),
            (10, 100),
            (11, 100),
            (12, 100),
            (13, 100),
        ],
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .expect("balances genesis builds");
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}
