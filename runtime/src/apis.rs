//! Runtime APIs: what the node and clients (Polkadot.js Apps under Developer > Runtime calls)
//! may ask the runtime.

use crate::{
    AccountId, Balance, Block, Executive, Grandpa, Historical, InherentDataExt, Nonce, Runtime,
    RuntimeCall, RuntimeGenesisConfig, SessionKeys, System, TransactionPayment, VERSION,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
    genesis_builder_helper::{build_state, get_preset},
    traits::KeyOwnerProofSystem,
    weights::Weight,
};
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_inherents::{CheckInherentsResult, InherentData};
use sp_runtime::{
    traits::{Block as BlockT, NumberFor},
    transaction_validity::{TransactionSource, TransactionValidity},
    ApplyExtrinsicResult, ExtrinsicInclusionMode,
};
use sp_version::RuntimeVersion;

use crate::{BlockNumber, IpfsRegistry, Kdpos, MedicalRecords};
use pallet_kdpos::runtime_api::{CandidateView, ElectionPreview, ValidatorsView};
use pallet_medical_records::{
    runtime_api::{AuditView, CareView, GrantView, SealedKey, SharedRecord, TypeGrantView},
    Access, AccessDenied, Anchor, AnchorRef, AnchoredEntry, AuditEntry, EncryptionKey,
    InclusionProof, OrgId, Organisation, ProofError, RecordId, Role, Sha256,
};

type RecordView = pallet_medical_records::runtime_api::RecordView<AccountId, BlockNumber>;
type CidView = pallet_ipfs_registry::runtime_api::CidView<AccountId, Balance, BlockNumber>;

impl_runtime_apis! {
    impl sp_api::Core<Block> for Runtime {
        fn version() -> RuntimeVersion {
            VERSION
        }

        fn execute_block(block: <Block as BlockT>::LazyBlock) {
            Executive::execute_block(block);
        }

        fn initialize_block(header: &<Block as BlockT>::Header) -> ExtrinsicInclusionMode {
            Executive::initialize_block(header)
        }
    }

    impl sp_api::Metadata<Block> for Runtime {
        fn metadata() -> OpaqueMetadata {
            OpaqueMetadata::new(Runtime::metadata().into())
        }

        fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
            Runtime::metadata_at_version(version)
        }

        fn metadata_versions() -> Vec<u32> {
            Runtime::metadata_versions()
        }
    }

    impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
        fn execute_view_function(
            id: frame_support::view_functions::ViewFunctionId,
            input: Vec<u8>,
        ) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
            Runtime::execute_view_function(id, input)
        }
    }

    impl sp_block_builder::BlockBuilder<Block> for Runtime {
        fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
            Executive::apply_extrinsic(extrinsic)
        }

        fn finalize_block() -> <Block as BlockT>::Header {
            Executive::finalize_block()
        }

        fn inherent_extrinsics(data: InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
            data.create_extrinsics()
        }

        fn check_inherents(
            block: <Block as BlockT>::LazyBlock,
            data: InherentData,
        ) -> CheckInherentsResult {
            data.check_extrinsics(&block)
        }
    }

    impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
        fn validate_transaction(
            source: TransactionSource,
            tx: <Block as BlockT>::Extrinsic,
            block_hash: <Block as BlockT>::Hash,
        ) -> TransactionValidity {
            Executive::validate_transaction(source, tx, block_hash)
        }
    }

    impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
        fn offchain_worker(header: &<Block as BlockT>::Header) {
            Executive::offchain_worker(header)
        }
    }

    impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
        fn slot_duration() -> sp_consensus_aura::SlotDuration {
            sp_consensus_aura::SlotDuration::from_millis(crate::Aura::slot_duration())
        }

        fn authorities() -> Vec<AuraId> {
            pallet_aura::Authorities::<Runtime>::get().into_inner()
        }
    }

    impl sp_session::SessionKeys<Block> for Runtime {
        fn generate_session_keys(
            owner: Vec<u8>,
            seed: Option<Vec<u8>>,
        ) -> sp_session::OpaqueGeneratedSessionKeys {
            SessionKeys::generate(&owner, seed).into()
        }

        fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
            SessionKeys::decode_into_raw_public_keys(&encoded)
        }
    }

    impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
        fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
            Grandpa::grandpa_authorities()
        }

        fn current_set_id() -> sp_consensus_grandpa::SetId {
            Grandpa::current_set_id()
        }

        fn submit_report_equivocation_unsigned_extrinsic(
            equivocation_proof: sp_consensus_grandpa::EquivocationProof<
                <Block as BlockT>::Hash,
                NumberFor<Block>,
            >,
            key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
        ) -> Option<()> {
            let key_owner_proof = key_owner_proof.decode()?;
            Grandpa::submit_unsigned_equivocation_report(equivocation_proof, key_owner_proof)
        }

        fn generate_key_ownership_proof(
            _set_id: sp_consensus_grandpa::SetId,
            authority_id: GrandpaId,
        ) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
            Historical::prove((sp_consensus_grandpa::KEY_TYPE, authority_id))
                .map(|proof| proof.encode())
                .map(sp_consensus_grandpa::OpaqueKeyOwnershipProof::new)
        }
    }

    impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
        fn account_nonce(account: AccountId) -> Nonce {
            System::account_nonce(account)
        }
    }

    impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
        fn query_info(
            uxt: <Block as BlockT>::Extrinsic,
            len: u32,
        ) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
            TransactionPayment::query_info(uxt, len)
        }
        fn query_fee_details(
            uxt: <Block as BlockT>::Extrinsic,
            len: u32,
        ) -> pallet_transaction_payment::FeeDetails<Balance> {
            TransactionPayment::query_fee_details(uxt, len)
        }
        fn query_weight_to_fee(weight: Weight) -> Balance {
            TransactionPayment::weight_to_fee(weight)
        }
        fn query_length_to_fee(length: u32) -> Balance {
            TransactionPayment::length_to_fee(length)
        }
    }

    impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
        for Runtime
    {
        fn query_call_info(
            call: RuntimeCall,
            len: u32,
        ) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
            TransactionPayment::query_call_info(call, len)
        }
        fn query_call_fee_details(
            call: RuntimeCall,
            len: u32,
        ) -> pallet_transaction_payment::FeeDetails<Balance> {
            TransactionPayment::query_call_fee_details(call, len)
        }
        fn query_weight_to_fee(weight: Weight) -> Balance {
            TransactionPayment::weight_to_fee(weight)
        }
        fn query_length_to_fee(length: u32) -> Balance {
            TransactionPayment::length_to_fee(length)
        }
    }

    impl pallet_ipfs_registry::runtime_api::IpfsRegistryApi<Block, AccountId, Balance, BlockNumber>
        for Runtime
    {
        fn validate(cid: Vec<u8>) -> Result<alloc::string::String, sp_runtime::DispatchError> {
            IpfsRegistry::api_validate(cid)
        }

        fn cid(cid: Vec<u8>) -> Option<CidView> {
            IpfsRegistry::api_cid(cid)
        }
    }

    #[api_version(7)]
    impl pallet_medical_records::runtime_api::MedicalRecordsApi<Block, AccountId, BlockNumber, Balance>
        for Runtime
    {
        fn record(id: RecordId) -> Option<RecordView> {
            MedicalRecords::api_record(id)
        }

        fn records_of(patient: AccountId) -> Vec<RecordView> {
            MedicalRecords::api_records_of(patient)
        }

        fn grants_of(record: RecordId) -> Vec<GrantView<AccountId, BlockNumber, Balance>> {
            MedicalRecords::api_grants_of(record)
        }

        fn shared_with(grantee: AccountId) -> Vec<SharedRecord<AccountId, BlockNumber, Balance>> {
            MedicalRecords::api_shared_with(grantee)
        }

        fn type_grants_of(patient: AccountId) -> Vec<TypeGrantView<AccountId, BlockNumber, Balance>> {
            MedicalRecords::api_type_grants_of(patient)
        }

        fn can_read(record: RecordId, who: AccountId) -> Result<Access<BlockNumber>, AccessDenied> {
            MedicalRecords::access(record, &who)
        }

        fn audit(record: RecordId) -> AuditView<AccountId, BlockNumber> {
            MedicalRecords::api_audit(record)
        }

        fn audit_entries(record: RecordId, from: u32, count: u32) -> Vec<AuditEntry<AccountId, BlockNumber>> {
            MedicalRecords::api_audit_entries(record, from, count)
        }

        fn care_of(patient: AccountId) -> Vec<CareView<BlockNumber, Balance>> {
            MedicalRecords::api_care_of(patient)
        }

        fn encryption_key(who: AccountId) -> Option<EncryptionKey> {
            MedicalRecords::api_encryption_key(who)
        }

        fn organisation(org: OrgId) -> Option<Organisation<BlockNumber>> {
            MedicalRecords::api_organisation(org)
        }

        fn member(org: OrgId, who: AccountId) -> Option<Role> {
            MedicalRecords::api_member(org, who)
        }

        fn memberships(who: AccountId) -> Vec<(OrgId, Role)> {
            MedicalRecords::api_memberships(who)
        }

        fn anchor(org: OrgId, seq: u32) -> Option<Anchor<AccountId, BlockNumber>> {
            MedicalRecords::api_anchor(org, seq)
        }

        fn sealed_key_for(record: RecordId, who: AccountId) -> Result<SealedKey<BlockNumber>, AccessDenied> {
            MedicalRecords::api_sealed_key_for(record, who)
        }

        fn verify_inclusion(
            org: OrgId,
            root: Sha256,
            entry: AnchoredEntry<AccountId>,
            proof: InclusionProof,
        ) -> Result<AnchorRef, ProofError> {
            MedicalRecords::verify_inclusion(org, root, &entry, &proof)
        }
    }

    impl pallet_kdpos::runtime_api::KdposApi<Block, AccountId, Balance> for Runtime {
        fn candidates() -> Vec<CandidateView<AccountId, Balance>> {
            Kdpos::api_candidates()
        }

        fn validators() -> ValidatorsView<AccountId> {
            Kdpos::api_validators()
        }

        fn preview() -> Result<ElectionPreview<AccountId>, kdpos_primitives::Error> {
            Kdpos::api_preview()
        }

        fn eligible() -> Vec<AccountId> {
            Kdpos::api_eligible()
        }
    }

    #[cfg(feature = "runtime-benchmarks")]
    impl frame_benchmarking::Benchmark<Block> for Runtime {
        fn benchmark_metadata(extra: bool) -> (
            Vec<frame_benchmarking::BenchmarkList>,
            Vec<frame_support::traits::StorageInfo>,
        ) {
            use frame_support::traits::StorageInfoTrait;

            let mut list = Vec::<frame_benchmarking::BenchmarkList>::new();
            list_benchmarks!(list, extra);
            (list, crate::AllPalletsWithSystem::storage_info())
        }

        fn dispatch_benchmark(
            config: frame_benchmarking::BenchmarkConfig,
        ) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
            use frame_support::traits::WhitelistedStorageKeys;

            let whitelist = crate::AllPalletsWithSystem::whitelisted_storage_keys();
            let mut batches = Vec::<frame_benchmarking::BenchmarkBatch>::new();
            let params = (&config, &whitelist);
            add_benchmarks!(params, batches);
            Ok(batches)
        }
    }

    impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
        fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
            build_state::<RuntimeGenesisConfig>(config)
        }

        fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
            get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
        }

        fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
            crate::genesis_config_presets::preset_names()
        }
    }
}
