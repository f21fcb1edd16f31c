//! medchain-runtime: the FRAME runtime of the medchain consortium and hospital chains.
//!
//! Layout follows the parachain template so the runtime could later move under cumulus:
//! `configs/` holds each pallet's configuration, `apis.rs` the runtime APIs and
//! `genesis_config_presets.rs` the named genesis states (development, local_testnet, ...).

#![cfg_attr(not(feature = "std"), no_std)]
// `#[frame_support::runtime]` expands deeply.
#![recursion_limit = "256"]

extern crate alloc;

// Before `apis`: the benchmark macros it uses are defined here.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod weights;

use alloc::{borrow::Cow, vec::Vec};
use sp_runtime::{
    generic, impl_opaque_keys,
    traits::{BlakeTwo256, IdentifyAccount, Verify},
    MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

// `#[frame_support::runtime]` takes a single path segment per pallet.
use pallet_session::historical as pallet_session_historical;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Block number: u32 lasts 400 years at 3 s blocks.
pub type BlockNumber = u32;
/// Transactions are signed with sr25519/ed25519/ecdsa through `MultiSignature`.
pub type Signature = MultiSignature;
/// An account is the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account, in the smallest unit (1 MED = 10^12).
pub type Balance = u128;
/// Transaction counter of an account.
pub type Nonce = u32;
/// Block and state hash.
pub type Hash = sp_core::H256;

/// One MED in the smallest unit (`tokenDecimals` = 12).
pub const UNIT: Balance = 1_000_000_000_000;
pub const MILLI_UNIT: Balance = UNIT / 1_000;
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
/// Smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Target block time. Aura slots are this long; a change needs a new chain.
pub const MILLI_SECS_PER_BLOCK: u64 = 3_000;
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;
/// Blocks per session: the only points where the Aura/GRANDPA authority set can change.
pub const SESSION_LENGTH: BlockNumber = 2 * MINUTES;
/// An era, the span K-DPoS measures and elects for, is six sessions (12 minutes).
pub const SESSIONS_PER_ERA: u32 = 6;

/// The chain's token, reported in the chain spec properties.
pub const TOKEN_SYMBOL: &str = "MED";
pub const TOKEN_DECIMALS: u8 = 12;
/// SS58 address prefix (the generic Substrate prefix, so dev keys read the same everywhere).
pub const SS58_PREFIX: u16 = 42;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
    use super::*;
    pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

    pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
    pub type Block = generic::Block<Header, UncheckedExtrinsic>;
    pub type BlockId = generic::BlockId<Block>;

    impl_opaque_keys! {
        /// The keys a validator registers with pallet-session.
        pub struct SessionKeys {
            pub aura: super::Aura,
            pub grandpa: super::Grandpa,
        }
    }
}
pub use opaque::SessionKeys;

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: Cow::Borrowed("medchain"),
    impl_name: Cow::Borrowed("medchain"),
    authoring_version: 1,
    spec_version: 113,
    impl_version: 1,
    apis: apis::RUNTIME_API_VERSIONS,
    // 2: `medicalRecords.emergencyAccess` takes a reason. 3: `medicalRecords.importRecord` takes
    // the patient and the record type, and its entry in either anchored format.
    transaction_version: 3,
    system_version: 1,
};

/// The address format: accounts, as Polkadot.js expects by default.
pub type Address = MultiAddress<AccountId, ()>;
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// Checks every signed transaction runs through, in order. All of them are known to
/// @polkadot/api, so Apps signs medchain transactions without custom types.
pub type TxExtension = (
    frame_system::CheckNonZeroSender<Runtime>,
    frame_system::CheckSpecVersion<Runtime>,
    frame_system::CheckTxVersion<Runtime>,
    frame_system::CheckGenesis<Runtime>,
    frame_system::CheckEra<Runtime>,
    frame_system::CheckNonce<Runtime>,
    frame_system::CheckWeight<Runtime>,
    pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);

pub type UncheckedExtrinsic =
    generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations run on the next runtime upgrade (none yet).
type Migrations = ();

pub type Executive = frame_executive::Executive<
    Runtime,
    Block,
    frame_system::ChainContext<Runtime>,
    Runtime,
    AllPalletsWithSystem,
    Migrations,
>;

#[frame_support::runtime]
mod runtime {
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeFreezeReason,
        RuntimeHoldReason,
        RuntimeSlashReason,
        RuntimeLockId,
        RuntimeTask,
        RuntimeViewFunction
    )]
    pub struct Runtime;

    #[runtime::pallet_index(0)]
    pub type System = frame_system;
    #[runtime::pallet_index(1)]
    pub type Timestamp = pallet_timestamp;
    #[runtime::pallet_index(2)]
    pub type Balances = pallet_balances;
    #[runtime::pallet_index(3)]
    pub type TransactionPayment = pallet_transaction_payment;
    #[runtime::pallet_index(4)]
    pub type Sudo = pallet_sudo;
    #[runtime::pallet_index(5)]
    pub type Utility = pallet_utility;

    // Governance by the member hospitals (configs/governance.rs).
    #[runtime::pallet_index(30)]
    pub type Council = pallet_collective<Instance1>;
    #[runtime::pallet_index(31)]
    pub type CouncilMembership = pallet_membership<Instance1>;
    #[runtime::pallet_index(32)]
    pub type Preimage = pallet_preimage;
    #[runtime::pallet_index(33)]
    pub type Whitelist = pallet_whitelist;

    // Consensus. Declaration order is hook order, and it matters: Authorship credits the author
    // and Kdpos judges the slot gap against the set that owned those slots, both before Session
    // may rotate in this block; Aura checks the author (and that it is not disabled) against that
    // same set, so it runs before Session too.
    #[runtime::pallet_index(10)]
    pub type Authorship = pallet_authorship;
    #[runtime::pallet_index(11)]
    pub type Kdpos = pallet_kdpos;
    #[runtime::pallet_index(14)]
    pub type Aura = pallet_aura;
    #[runtime::pallet_index(12)]
    pub type Session = pallet_session;
    #[runtime::pallet_index(13)]
    pub type Historical = pallet_session_historical;
    #[runtime::pallet_index(15)]
    pub type Grandpa = pallet_grandpa;
    #[runtime::pallet_index(16)]
    pub type Offences = pallet_offences;

    // Medical records.
    #[runtime::pallet_index(20)]
    pub type IpfsRegistry = pallet_ipfs_registry;
    #[runtime::pallet_index(21)]
    pub type MedicalRecords = pallet_medical_records;
}

#[cfg(test)]
mod tests;
