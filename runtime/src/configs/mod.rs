//! Configuration of every pallet in the runtime.

pub mod consensus;
pub mod governance;
mod records;

use crate::{
    AccountId, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
    RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
    System, EXISTENTIAL_DEPOSIT, SLOT_DURATION, SS58_PREFIX, UNIT, VERSION,
};
use frame_support::{
    derive_impl,
    dispatch::DispatchClass,
    parameter_types,
    traits::{ConstU128, ConstU32, ConstU8, VariantCountOf},
    weights::{
        constants::{ExtrinsicBaseWeight, ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
        ConstantMultiplier, Weight, WeightToFeeCoefficient, WeightToFeeCoefficients,
        WeightToFeePolynomial,
    },
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment};
use sp_runtime::{traits::Bounded, FixedPointNumber, Perbill, Perquintill};
use sp_version::RuntimeVersion;

/// Three quarters of a block's weight and length are for ordinary transactions; the rest is
/// kept for operational ones (equivocation reports, sudo).
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
    pub const BlockHashCount: BlockNumber = 2400;
    pub const Version: RuntimeVersion = VERSION;
    /// One second of compute per 3 s block leaves room to import and gossip in time.
    pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
        Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
        NORMAL_DISPATCH_RATIO,
    );
    pub RuntimeBlockLength: BlockLength = BlockLength::builder()
        .max_length(5 * 1024 * 1024)
        .modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
        .build();
    pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
    type Block = Block;
    type BlockWeights = RuntimeBlockWeights;
    type BlockLength = RuntimeBlockLength;
    type AccountId = AccountId;
    type Nonce = Nonce;
    type Hash = Hash;
    type BlockHashCount = BlockHashCount;
    /// The node stores state in ParityDB.
    type DbWeight = ParityDbWeight;
    type Version = Version;
    type AccountData = pallet_balances::AccountData<Balance>;
    type SS58Prefix = SS58Prefix;
    type MaxConsumers = ConstU32<16>;
}

impl pallet_timestamp::Config for Runtime {
    type Moment = u64;
    type OnTimestampSet = crate::Aura;
    type MinimumPeriod = frame_support::traits::ConstU64<{ SLOT_DURATION / 2 }>;
    type WeightInfo = pallet_timestamp::weights::SubstrateWeight<Runtime>;
}

impl pallet_balances::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeHoldReason = RuntimeHoldReason;
    type RuntimeFreezeReason = RuntimeFreezeReason;
    type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
    type Balance = Balance;
    type DustRemoval = ();
    type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
    type AccountStore = System;
    type ReserveIdentifier = [u8; 8];
    type FreezeIdentifier = RuntimeFreezeReason;
    type MaxLocks = ConstU32<50>;
    type MaxReserves = ConstU32<50>;
    type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
    type DoneSlashHandler = ();
}

/// What one byte of a transaction costs. Bytes are the chain's history for ever: a day of
/// blocks filled with them (28,800 blocks of 3.75 MiB) costs about 57 million MED, more than four
/// times all genesis endowments together, while a record's index entry (some 400 bytes) costs
/// 0.2 MED.
pub const TRANSACTION_BYTE_FEE: Balance = UNIT / 2_000;

/// What the weight of an empty transaction (`ExtrinsicBaseWeight`) costs at fee multiplier 1:
/// a second of block time is then about 90 MED.
pub const BASE_WEIGHT_FEE: Balance = UNIT / 100;

/// Weight to fee: linear, `BASE_WEIGHT_FEE` per `ExtrinsicBaseWeight` (as Polkadot's runtime
/// prices weight, at its own ratio).
pub struct WeightToFee;
impl WeightToFeePolynomial for WeightToFee {
    type Balance = Balance;
    fn polynomial() -> WeightToFeeCoefficients<Balance> {
        let p = BASE_WEIGHT_FEE;
        let q = Balance::from(ExtrinsicBaseWeight::get().ref_time()).max(1);
        let mut coefficients = WeightToFeeCoefficients::<Balance>::new();
        coefficients.push(WeightToFeeCoefficient {
            degree: 1,
            negative: false,
            coeff_frac: Perbill::from_rational(p % q, q),
            coeff_integer: p / q,
        });
        coefficients
    }
}

parameter_types! {
    pub const TransactionByteFee: Balance = TRANSACTION_BYTE_FEE;
    /// Fees hold while blocks are a quarter full and rise the fuller they are.
    pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
    /// How fast: with every block full, fees double in about 3,100 blocks (2.6 hours), so a day
    /// of blocks full of weight costs some 67 million MED (`runtime/src/tests.rs` adds it up);
    /// empty blocks halve them in 9,200. Polkadot's 0.000075 moves four times slower.
    pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(3, 10_000);
    /// Fees never fall below a tenth of their base.
    pub MinimumMultiplier: Multiplier = Multiplier::saturating_from_rational(1, 10);
    pub MaximumMultiplier: Multiplier = Bounded::max_value();
}

impl pallet_transaction_payment::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    /// Fees are burned: no treasury yet, and authors must not profit from stuffing blocks.
    type OnChargeTransaction = FungibleAdapter<Balances, ()>;
    type OperationalFeeMultiplier = ConstU8<5>;
    type WeightToFee = WeightToFee;
    type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
    type FeeMultiplierUpdate = TargetedFeeAdjustment<
        Self,
        TargetBlockFullness,
        AdjustmentVariable,
        MinimumMultiplier,
        MaximumMultiplier,
    >;
    type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

/// Unsigned extrinsics built inside the runtime (GRANDPA equivocation reports).
impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
    RuntimeCall: From<C>,
{
    type Extrinsic = crate::UncheckedExtrinsic;
    type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
    RuntimeCall: From<C>,
{
    fn create_bare(call: RuntimeCall) -> crate::UncheckedExtrinsic {
        crate::UncheckedExtrinsic::new_bare(call)
    }
}
