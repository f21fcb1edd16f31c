//! The pallet's test runtime: system, timestamp, balances, authorship, kdpos, Aura and session,
//! wired as in the medchain runtime (kdpos's hook runs before Aura's and session's), with real
//! sr25519 Aura keys so that equivocation proofs are signed and checked for real.

use crate as pallet_kdpos;
use codec::Encode;
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstBool, ConstU32, ConstU64, OnFinalize, OnInitialize},
};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{sr25519, Pair};
use sp_runtime::{
    impl_opaque_keys, testing::Digest, traits::OpaqueKeys, BuildStorage, DigestItem, Perbill,
};

pub type Block = frame_system::mocking::MockBlock<Test>;

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
    pub type Timestamp = pallet_timestamp;
    #[runtime::pallet_index(2)]
    pub type Balances = pallet_balances;
    #[runtime::pallet_index(3)]
    pub type Authorship = pallet_authorship;
    #[runtime::pallet_index(4)]
    pub type Kdpos = pallet_kdpos;
    #[runtime::pallet_index(5)]
    pub type Aura = pallet_aura;
    #[runtime::pallet_index(6)]
    pub type Session = pallet_session;
    #[runtime::pallet_index(7)]
    pub type Historical = pallet_session_historical;
}

use pallet_session::historical as pallet_session_historical;

/// Validators carry no identification beyond their account, as in the runtime.
pub struct UnitIdentification;
impl sp_runtime::traits::Convert<u64, Option<()>> for UnitIdentification {
    fn convert(_: u64) -> Option<()> {
        Some(())
    }
}

impl pallet_session::historical::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type FullIdentification = ();
    type FullIdentificationOf = UnitIdentification;
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

impl pallet_timestamp::Config for Test {
    type Moment = u64;
    type OnTimestampSet = Aura;
    type MinimumPeriod = ConstU64<1>;
    type WeightInfo = ();
}

impl pallet_aura::Config for Test {
    type AuthorityId = AuraId;
    type DisabledValidators = Session;
    type MaxAuthorities = ConstU32<100>;
    type AllowMultipleBlocksPerSlot = ConstBool<false>;
    type SlotDuration = ConstU64<2>;
}

impl pallet_authorship::Config for Test {
    type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
    type EventHandler = Kdpos;
}

impl_opaque_keys! {
    pub struct MockSessionKeys {
        pub aura: Aura,
    }
}

impl pallet_session::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type ValidatorId = u64;
    type ValidatorIdOf = sp_runtime::traits::ConvertInto;
    type ShouldEndSession = Kdpos;
    type NextSessionRotation = Kdpos;
    type SessionManager = Kdpos;
    type SessionHandler = <MockSessionKeys as OpaqueKeys>::KeyTypeIdProviders;
    type Keys = MockSessionKeys;
    /// As the runtime: at most a third of the set disabled.
    type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
    type WeightInfo = ();
    type Currency = Balances;
    type KeyDeposit = ConstU64<0>;
}

/// Unsigned transactions the pallet's offchain worker builds (node heartbeats).
impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
    RuntimeCall: From<C>,
{
    type Extrinsic = frame_system::mocking::MockUncheckedExtrinsic<Test>;
    type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateBare<C> for Test
where
    RuntimeCall: From<C>,
{
    fn create_bare(call: RuntimeCall) -> Self::Extrinsic {
        frame_system::mocking::MockUncheckedExtrinsic::<Test>::new_bare(call)
    }
}

/// Accounts 10..=19 are admins of organisation 1, 20..=29 of organisation 2, and so on; the
/// benchmarks register theirs in `BenchAdmins`.
pub struct TensAreAdmins;
impl crate::Organisations<u64> for TensAreAdmins {
    fn is_admin(org: crate::OrgId, who: &u64) -> bool {
        (*who / 10 == u64::from(org) || BenchAdmins::get().contains(&(org, *who)))
            && !RemovedAdmins::get().contains(&(org, *who))
    }
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64, AuraId> for TensAreAdmins {
    fn organisation(admin: &u64) -> crate::OrgId {
        // Far above the organisations of the tens.
        let org = 1_000_000 + BenchAdmins::get().len() as u32;
        BenchAdmins::mutate(|a| a.push((org, *admin)));
        org
    }
    fn set_session_key(who: &u64, aura: AuraId) {
        pallet_session::NextKeys::<Test>::insert(who, MockSessionKeys { aura });
    }
}

parameter_types! {
    pub const MinCandidateBond: u64 = 100;
    pub const MinVoterStake: u64 = 10;
    /// Two producers and one standby (tests of eviction raise it to four and one).
    pub static KdposParams: kdpos_primitives::Params = kdpos_primitives::Params {
        producers: 2,
        standbys: 1,
        ban_eras: 2,
        ..Default::default()
    };
    pub static MaxCandidates: u32 = 3;
    pub static BenchAdmins: Vec<(u32, u64)> = Vec::new();
    /// Admins their organisations removed (tests of `disown`).
    pub static RemovedAdmins: Vec<(u32, u64)> = Vec::new();
    pub static SessionsPerEra: u32 = 4;
    pub const SlashFraction: Perbill = Perbill::from_percent(10);
    pub const ReporterReward: Perbill = Perbill::from_percent(50);
}

impl pallet_kdpos::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Organisations = TensAreAdmins;
    type MinCandidateBond = MinCandidateBond;
    type MinVoterStake = MinVoterStake;
    /// Two sessions' worth: what unbonds outlasts the report window.
    type UnbondingDelay = ConstU64<20>;
    type MaxCandidates = MaxCandidates;
    type MaxVoters = ConstU32<3>;
    type MaxUnlocking = ConstU32<2>;
    type Params = KdposParams;
    type SessionsPerEra = SessionsPerEra;
    type MinProducers = ConstU32<3>;
    type SessionPeriod = ConstU64<10>;
    type SlashFraction = SlashFraction;
    type ReporterReward = ReporterReward;
    type AuthorityId = AuraId;
    type ReportWindow = ConstU32<2>;
    type WeightInfo = ();
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = TensAreAdmins;
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
pub const V3: u64 = 102;
pub const V4: u64 = 103;
/// An account with little money.
pub const POOR: u64 = 50;
/// Admins of organisations 6 and 7.
pub const H6: u64 = 60;
pub const H7: u64 = 70;

/// An account's Aura key pair (real sr25519, from its number).
pub fn aura_pair(who: u64) -> sr25519::Pair {
    sr25519::Pair::from_string(&format!("//{who}"), None).expect("a valid derivation path")
}

pub fn aura_id(who: u64) -> AuraId {
    aura_pair(who).public().into()
}

/// Accounts with session keys: every organisation admin but H3 and POOR.
pub const KEYED: [u64; 6] = [H1, H1_OTHER, H2, H4, H6, H7];

pub fn new_test_ext() -> sp_io::TestExternalities {
    new_test_ext_with(vec![], vec![])
}

/// A chain whose genesis has these candidates (account, organisation, bond) and votes.
pub fn new_test_ext_with(
    candidates: Vec<(u64, u32, u64)>,
    votes: Vec<(u64, u64, Vec<u64>)>,
) -> sp_io::TestExternalities {
    let config = RuntimeGenesisConfig {
        balances: pallet_balances::GenesisConfig {
            balances: [H1, H1_OTHER, H2, H3, H4, H6, H7, V1, V2, V3, V4]
                .iter()
                .map(|a| (*a, 1_000))
                .chain([(POOR, 50)])
                .collect(),
            ..Default::default()
        },
        kdpos: pallet_kdpos::GenesisConfig {
            candidates,
            votes,
            ..Default::default()
        },
        session: pallet_session::GenesisConfig {
            keys: KEYED
                .iter()
                .map(|a| (*a, *a, MockSessionKeys { aura: aura_id(*a) }))
                .collect(),
            ..Default::default()
        },
        ..Default::default()
    };
    let t = config.build_storage().expect("genesis builds");
    let mut ext = sp_io::TestExternalities::new(t);
    // Block 1, in slot 1.
    ext.execute_with(|| block_at(1));
    ext
}

/// The chain the benchmarks run on: room for a hundred validators, and a keystore in which the
/// equivocation benchmark makes its Aura keys.
#[cfg(feature = "runtime-benchmarks")]
pub fn bench_ext() -> sp_io::TestExternalities {
    MaxCandidates::set(200);
    let mut ext = new_test_ext();
    ext.register_extension(sp_keystore::KeystoreExt::new(
        sp_keystore::testing::MemoryKeystore::new(),
    ));
    ext
}

/// The pre-runtime digest Aura puts in a block of `slot`.
pub fn slot_digest(slot: u64) -> DigestItem {
    DigestItem::PreRuntime(
        sp_consensus_aura::AURA_ENGINE_ID,
        sp_consensus_slots::Slot::from(slot).encode(),
    )
}

/// Executes the next block, built in `slot`, through every pallet's hooks (Aura's checks
/// included: it panics if the slot's author is disabled).
pub fn block_at(slot: u64) {
    let now = System::block_number();
    if now > 0 {
        <AllPalletsWithSystem as OnFinalize<u64>>::on_finalize(now);
    }
    let next = now + 1;
    let digest = Digest {
        logs: vec![slot_digest(slot)],
    };
    // Each block a parent hash of its own, as a chain has: equivocation proofs are checked
    // against them.
    let parent = sp_core::H256::from_low_u64_be(now + 1);
    System::initialize(&next, &parent, &digest);
    <AllPalletsWithSystem as OnInitialize<u64>>::on_initialize(next);
    // The timestamp inherent; Aura checks that it falls in the block's slot.
    Timestamp::set(RuntimeOrigin::none(), slot * 2).expect("the slot's time");
}

/// Executes blocks at consecutive slots, each authored, until the session index reaches `index`.
pub fn run_to_session(index: u32) {
    while pallet_session::CurrentIndex::<Test>::get() < index {
        let slot = crate::LastSlot::<Test>::get().max(1) + 1;
        block_at(slot);
    }
}

/// Four producers and one standby from genesis: H1, H2, H4 and H6 produce (bonds 500 to 200),
/// H7 stands by.
pub fn four_producers() -> sp_io::TestExternalities {
    KdposParams::mutate(|p| {
        p.producers = 4;
        p.standbys = 1;
    });
    MaxCandidates::set(6);
    // Long eras: evictions here are judged within one era.
    SessionsPerEra::set(100);
    new_test_ext_with(
        vec![
            (H1, 1, 500),
            (H2, 2, 400),
            (H4, 4, 300),
            (H6, 6, 200),
            (H7, 7, 100),
        ],
        vec![],
    )
}

/// The live set's validator at `slot`'s index (Aura's author of the slot).
pub fn author_of(slot: u64) -> u64 {
    let v = pallet_session::Validators::<Test>::get();
    v[(slot % v.len() as u64) as usize]
}

/// Executes blocks at the next slots, skipping those of `absent`, until `blocks` were made.
pub fn blocks_without(absent: u64, blocks: u32) {
    blocks_without_any(&[absent], blocks)
}

/// Executes blocks at the next slots, skipping those of every validator in `absent` (down
/// together), until `blocks` were made.
pub fn blocks_without_any(absent: &[u64], blocks: u32) {
    let mut made = 0;
    let mut slot = crate::LastSlot::<Test>::get().max(1);
    while made < blocks {
        slot += 1;
        if absent.contains(&author_of(slot)) {
            continue;
        }
        block_at(slot);
        made += 1;
    }
}

/// A header of block `number` in `slot`, sealed by `signer`'s Aura key; `salt` makes it differ.
pub fn sealed_header(
    number: u64,
    slot: u64,
    signer: u64,
    salt: u8,
) -> <Block as sp_runtime::traits::Block>::Header {
    sealed_header_on(System::parent_hash(), number, slot, signer, salt)
}

/// A header of `number` and `slot` built on `parent`, sealed by `signer` (another chain's, when
/// `parent` is no block of this one).
pub fn sealed_header_on(
    parent: sp_core::H256,
    number: u64,
    slot: u64,
    signer: u64,
    salt: u8,
) -> <Block as sp_runtime::traits::Block>::Header {
    use sp_runtime::traits::Header as _;
    let mut header = <Block as sp_runtime::traits::Block>::Header::new(
        number,
        Default::default(),
        sp_core::H256::repeat_byte(salt),
        parent,
        Digest {
            logs: vec![slot_digest(slot)],
        },
    );
    let signature: sp_consensus_aura::sr25519::AuthoritySignature =
        aura_pair(signer).sign(header.hash().as_ref()).into();
    header.digest_mut().push(DigestItem::Seal(
        sp_consensus_aura::AURA_ENGINE_ID,
        signature.encode(),
    ));
    header
}
