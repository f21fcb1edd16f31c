//! Settings for test runtimes (feature `mock`): the registry's own mock and other pallets' mocks
//! configure it with `#[derive_impl(pallet_ipfs_registry::config_preludes::TestDefaultConfig)]`
//! and set only `Currency`, so every mock runs the registry with the same values.

use crate::DefaultConfig;
use frame_support::{
    derive_impl,
    pallet_prelude::{inject_runtime_type, register_default_impl},
    traits::{ConstU32, ConstU64},
};

/// The registry's settings for a test runtime built on frame-system's and pallet-balances' test
/// preludes (`u64` accounts and balances).
pub struct TestDefaultConfig;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
impl frame_system::DefaultConfig for TestDefaultConfig {}

#[register_default_impl(TestDefaultConfig)]
impl DefaultConfig for TestDefaultConfig {
    #[inject_runtime_type]
    type RuntimeHoldReason = ();
    type CidDeposit = ConstU64<10>;
    type MaxPins = ConstU32<3>;
    type ProviderOrigin = frame_system::EnsureRoot<u64>;
    type WeightInfo = ();
}
