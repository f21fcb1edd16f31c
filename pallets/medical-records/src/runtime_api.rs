//! `MedicalRecordsApi`: the queries Polkadot.js Apps users need (Developer > Runtime calls).

use crate::types::*;
use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use scale_info::TypeInfo;

/// A record version with its id and its CID as a string.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct RecordView<AccountId, BlockNumber> {
    pub id: RecordId,
    pub record: Record<AccountId, BlockNumber>,
    /// The CID in its canonical string form (v0 base58btc, v1 base32).
    pub cid: alloc::string::String,
    /// For a record imported from a private chain, where it comes from.
    pub origin: Option<RecordOrigin>,
}

/// A grant with its grantee.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct GrantView<AccountId, BlockNumber> {
    pub grantee: AccountId,
    pub grant: Grant<BlockNumber>,
    /// Whether it works now (an expired grant stays listed until it is swept).
    pub effective: bool,
}

/// A record shared with a grantee, with the grant that shares it.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct SharedRecord<AccountId, BlockNumber> {
    pub record: RecordView<AccountId, BlockNumber>,
    pub grant: Grant<BlockNumber>,
    /// Whether it works now (an expired grant stays listed until it is swept).
    pub effective: bool,
}

/// A record-type grant with its type and grantee.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct TypeGrantView<AccountId, BlockNumber> {
    pub record_type: RecordType,
    pub grantee: AccountId,
    pub grant: TypeGrant<BlockNumber>,
    pub effective: bool,
}

/// A record's audit trail.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct AuditView<AccountId, BlockNumber> {
    pub grants: u32,
    pub revocations: u32,
    pub emergency_openings: u32,
    pub accesses: u32,
    pub recent: Vec<AuditEntry<AccountId, BlockNumber>>,
}

sp_api::decl_runtime_apis! {
    /// Queries over medical records, consent, audit and batch anchors.
    ///
    /// Version 2 added `shared_with`.
    #[api_version(2)]
    pub trait MedicalRecordsApi<AccountId, BlockNumber>
    where
        AccountId: Codec,
        BlockNumber: Codec,
    {
        /// One record version.
        fn record(id: RecordId) -> Option<RecordView<AccountId, BlockNumber>>;
        /// All record versions of a patient, oldest first.
        fn records_of(patient: AccountId) -> Vec<RecordView<AccountId, BlockNumber>>;
        /// The grants of a record.
        fn grants_of(record: RecordId) -> Vec<GrantView<AccountId, BlockNumber>>;
        /// The records shared with `grantee`, by any basis, oldest first.
        #[api_version(2)]
        fn shared_with(grantee: AccountId) -> Vec<SharedRecord<AccountId, BlockNumber>>;
        /// A patient's record-type grants.
        fn type_grants_of(patient: AccountId) -> Vec<TypeGrantView<AccountId, BlockNumber>>;
        /// Whether `who` may read `record` now, and why (or why not).
        fn can_read(record: RecordId, who: AccountId) -> Result<Access<BlockNumber>, AccessDenied>;
        /// A record's audit trail.
        fn audit(record: RecordId) -> AuditView<AccountId, BlockNumber>;
        /// An account's X25519 key.
        fn encryption_key(who: AccountId) -> Option<EncryptionKey>;
        /// Checks that `entry` is in the anchored batch with root `root`.
        fn verify_inclusion(
            root: Sha256,
            entry: IndexEntry<AccountId>,
            proof: medchain_merkle::InclusionProof,
        ) -> Result<AnchorRef, ProofError>;
    }
}

/// The API's answers, for the runtime to delegate to.
impl<T: crate::Config> crate::Pallet<T> {
    fn view(
        id: RecordId,
        record: crate::RecordOf<T>,
    ) -> RecordView<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>> {
        let cid = pallet_ipfs_registry::Pallet::<T>::cid_string(&record.cid).unwrap_or_default();
        RecordView {
            id,
            record,
            cid,
            origin: crate::Origins::<T>::get(id),
        }
    }

    pub fn api_record(
        id: RecordId,
    ) -> Option<RecordView<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>> {
        crate::Records::<T>::get(id).map(|r| Self::view(id, r))
    }

    pub fn api_records_of(
        patient: T::AccountId,
    ) -> Vec<RecordView<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>> {
        let mut ids: Vec<RecordId> =
            crate::PatientRecords::<T>::iter_key_prefix(&patient).collect();
        ids.sort_unstable();
        ids.into_iter().filter_map(Self::api_record).collect()
    }

    pub fn api_grants_of(
        record: RecordId,
    ) -> Vec<GrantView<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>> {
        let now = frame_system::Pallet::<T>::block_number();
        crate::Grants::<T>::iter_prefix(record)
            .map(|(grantee, grant)| GrantView {
                effective: grant.expires_at > now,
                grantee,
                grant,
            })
            .collect()
    }

    pub fn api_shared_with(
        grantee: T::AccountId,
    ) -> Vec<SharedRecord<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>> {
        let now = frame_system::Pallet::<T>::block_number();
        let mut ids: Vec<RecordId> = crate::GranteeGrants::<T>::iter_key_prefix(&grantee).collect();
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|id| {
                let grant = crate::Grants::<T>::get(id, &grantee)?;
                let record = Self::api_record(id)?;
                Some(SharedRecord {
                    effective: grant.expires_at > now,
                    record,
                    grant,
                })
            })
            .collect()
    }

    pub fn api_type_grants_of(
        patient: T::AccountId,
    ) -> Vec<TypeGrantView<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>> {
        let now = frame_system::Pallet::<T>::block_number();
        crate::TypeGrants::<T>::iter_prefix(&patient)
            .map(|((record_type, grantee), grant)| TypeGrantView {
                effective: grant.expires_at > now,
                record_type,
                grantee,
                grant,
            })
            .collect()
    }

    pub fn api_audit(
        record: RecordId,
    ) -> AuditView<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>> {
        let trail = crate::Audit::<T>::get(record);
        AuditView {
            grants: trail.grants,
            revocations: trail.revocations,
            emergency_openings: trail.emergency_openings,
            accesses: trail.accesses,
            recent: trail.recent.into_inner(),
        }
    }
}
