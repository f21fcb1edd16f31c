//! `MedicalRecordsApi`: the queries Polkadot.js Apps users need (Developer > Runtime calls).

use crate::types::*;
use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use frame_support::traits::Get;
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
pub struct GrantView<AccountId, BlockNumber, Balance> {
    pub grantee: AccountId,
    pub grant: Grant<AccountId, BlockNumber, Balance>,
    /// Whether it works now (an expired grant stays listed until it is swept).
    pub effective: bool,
}

/// A record shared with a grantee, with the grant that shares it.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct SharedRecord<AccountId, BlockNumber, Balance> {
    pub record: RecordView<AccountId, BlockNumber>,
    pub grant: Grant<AccountId, BlockNumber, Balance>,
    /// Whether it works now (an expired grant stays listed until it is swept).
    pub effective: bool,
}

/// A record-type grant with its type's tag and grantee.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct TypeGrantView<AccountId, BlockNumber, Balance> {
    pub type_tag: TypeTag,
    pub grantee: AccountId,
    pub grant: TypeGrant<BlockNumber, Balance>,
    pub effective: bool,
}

/// A record's audit trail: its counters, and its latest entries.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct AuditView<AccountId, BlockNumber> {
    pub grants: u32,
    pub revocations: u32,
    pub emergency_openings: u32,
    pub accesses: u32,
    /// How many entries the trail holds (they are numbered `0..total`; `audit_entries` pages
    /// through them). Not `entries`: polkadot.js reads a struct as a `Map`, whose own
    /// `entries` and `size` would hide such a field.
    pub total: u32,
    /// The latest entries (at most `MaxAuditPage`), oldest first.
    pub recent: Vec<AuditEntry<AccountId, BlockNumber>>,
}

/// An organisation a patient authorised to index records about them.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct CareView<BlockNumber, Balance> {
    pub org: OrgId,
    pub care: CareRelationship<BlockNumber, Balance>,
}

/// Whose X25519 key opens a [`SealedKey`].
#[derive(Clone, Copy, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub enum SealedTo {
    /// The reader's own registered key (the patient, or a grantee the key was shared with).
    Reader,
    /// The custodian organisation's key (the author, and an emergency opening).
    Custodian(OrgId),
}

/// The sealed data key that opens a record for one reader now, and why that reader may.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct SealedKey<BlockNumber> {
    /// Why the reader may read the record now.
    pub access: Access<BlockNumber>,
    /// The record's data key, sealed as [`SealedKey::sealed_to`] says.
    pub key: WrappedKey,
    /// Whose key opens [`SealedKey::key`].
    pub sealed_to: SealedTo,
}

sp_api::decl_runtime_apis! {
    /// Queries over medical records, consent, audit and batch anchors.
    ///
    /// Version 2 added `shared_with`; version 3 `organisation`, `member`, `anchor` and
    /// `sealed_key_for`, so that clients read no storage of the pallet and re-derive none of its
    /// rules; version 4 anchors per organisation: `verify_inclusion` takes the organisation (no
    /// chain ran version 3 in production, so the old form is not kept); version 5 the complete
    /// audit trail (`audit` counts every entry, `audit_entries` pages through them), care
    /// relationships (`care_of`) and grants with their deposits (the `Balance` parameter);
    /// version 6 proves either entry format (`verify_inclusion` takes an `AnchoredEntry`; the
    /// consortium chain that runs this API holds anchors of both, and the clear form is one
    /// variant of the new argument, so the old form is not kept); version 7 hides record types:
    /// records carry a type tag and a sealed type instead of the code, type grants the tag, and
    /// care relationships the patient's type key sealed to the organisation (no chain holds
    /// records of version 6 outside tests, so the old form is not kept).
    #[api_version(7)]
    pub trait MedicalRecordsApi<AccountId, BlockNumber, Balance>
    where
        AccountId: Codec,
        BlockNumber: Codec,
        Balance: Codec,
    {
        /// One record version.
        fn record(id: RecordId) -> Option<RecordView<AccountId, BlockNumber>>;
        /// All record versions of a patient, oldest first.
        fn records_of(patient: AccountId) -> Vec<RecordView<AccountId, BlockNumber>>;
        /// The grants of a record.
        fn grants_of(record: RecordId) -> Vec<GrantView<AccountId, BlockNumber, Balance>>;
        /// The records shared with `grantee`, by any basis, oldest first (since version 2).
        fn shared_with(grantee: AccountId) -> Vec<SharedRecord<AccountId, BlockNumber, Balance>>;
        /// A patient's record-type grants.
        fn type_grants_of(patient: AccountId) -> Vec<TypeGrantView<AccountId, BlockNumber, Balance>>;
        /// Whether `who` may read `record` now, and why (or why not).
        fn can_read(record: RecordId, who: AccountId) -> Result<Access<BlockNumber>, AccessDenied>;
        /// A record's audit counters and latest entries.
        fn audit(record: RecordId) -> AuditView<AccountId, BlockNumber>;
        /// Up to `count` (at most `MaxAuditPage`) entries of a record's audit trail from entry
        /// number `from` on, oldest first (since version 5).
        fn audit_entries(record: RecordId, from: u32, count: u32) -> Vec<AuditEntry<AccountId, BlockNumber>>;
        /// The organisations `patient` authorised to index records about them (since version 5).
        fn care_of(patient: AccountId) -> Vec<CareView<BlockNumber, Balance>>;
        /// An account's X25519 key.
        fn encryption_key(who: AccountId) -> Option<EncryptionKey>;
        /// An organisation: its key, member counts and anchoring position.
        fn organisation(org: OrgId) -> Option<Organisation<BlockNumber>>;
        /// The role of `who` in organisation `org`, if a member.
        fn member(org: OrgId, who: AccountId) -> Option<Role>;
        /// The organisations `who` is a member of, with the role in each, by organisation id.
        fn memberships(who: AccountId) -> Vec<(OrgId, Role)>;
        /// Batch anchor `seq` of organisation `org`.
        fn anchor(org: OrgId, seq: u32) -> Option<Anchor<AccountId, BlockNumber>>;
        /// The sealed data key that opens `record` for `who` now (the pallet's rule of which key
        /// is whose), or why `who` may not read it.
        fn sealed_key_for(record: RecordId, who: AccountId) -> Result<SealedKey<BlockNumber>, AccessDenied>;
        /// Checks that `entry` is in the batch organisation `org` anchored with root `root`
        /// (leaves begin with `org`; since version 4, either entry format since version 6).
        fn verify_inclusion(
            org: OrgId,
            root: Sha256,
            entry: AnchoredEntry<AccountId>,
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
    ) -> Vec<
        GrantView<
            T::AccountId,
            frame_system::pallet_prelude::BlockNumberFor<T>,
            crate::BalanceOf<T>,
        >,
    > {
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
    ) -> Vec<
        SharedRecord<
            T::AccountId,
            frame_system::pallet_prelude::BlockNumberFor<T>,
            crate::BalanceOf<T>,
        >,
    > {
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
    ) -> Vec<
        TypeGrantView<
            T::AccountId,
            frame_system::pallet_prelude::BlockNumberFor<T>,
            crate::BalanceOf<T>,
        >,
    > {
        let now = frame_system::Pallet::<T>::block_number();
        crate::TypeGrants::<T>::iter_prefix(&patient)
            .map(|((type_tag, grantee), grant)| TypeGrantView {
                effective: grant.expires_at > now,
                type_tag,
                grantee,
                grant,
            })
            .collect()
    }

    pub fn api_encryption_key(who: T::AccountId) -> Option<EncryptionKey> {
        crate::EncryptionKeys::<T>::get(who)
    }

    pub fn api_organisation(
        org: OrgId,
    ) -> Option<Organisation<frame_system::pallet_prelude::BlockNumberFor<T>>> {
        crate::Organisations::<T>::get(org)
    }

    pub fn api_member(org: OrgId, who: T::AccountId) -> Option<Role> {
        crate::Members::<T>::get(org, who)
    }

    /// One read per organisation: there are as many as the consortium has hospitals.
    pub fn api_memberships(who: T::AccountId) -> Vec<(OrgId, Role)> {
        (0..crate::NextOrgId::<T>::get())
            .filter_map(|org| crate::Members::<T>::get(org, &who).map(|role| (org, role)))
            .collect()
    }

    pub fn api_anchor(
        org: OrgId,
        seq: u32,
    ) -> Option<Anchor<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>> {
        crate::Anchors::<T>::get(org, seq).filter(|_| !Self::is_voided(org, seq))
    }

    /// The patient opens `key_for_patient`; a grant opens the key sealed to its grantee; the
    /// author and an emergency opening (a grant without a key) open `key_for_custodian` with the
    /// organisation's key.
    pub fn api_sealed_key_for(
        record: RecordId,
        who: T::AccountId,
    ) -> Result<SealedKey<frame_system::pallet_prelude::BlockNumberFor<T>>, AccessDenied> {
        let rec = crate::Records::<T>::get(record).ok_or(AccessDenied::UnknownRecord)?;
        let access = Self::access_to(&rec, record, &who)?;
        let custodian = || (rec.key_for_custodian, SealedTo::Custodian(rec.custodian));
        let (key, sealed_to) = match access {
            Access::Patient => (rec.key_for_patient, SealedTo::Reader),
            Access::Custodian => custodian(),
            Access::Granted { .. } => {
                match crate::Grants::<T>::get(record, &who).and_then(|g| g.wrapped_key) {
                    Some(key) => (key, SealedTo::Reader),
                    None => custodian(),
                }
            }
        };
        Ok(SealedKey {
            access,
            key,
            sealed_to,
        })
    }

    pub fn api_audit(
        record: RecordId,
    ) -> AuditView<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>> {
        let trail = crate::Audit::<T>::get(record);
        let total = trail.entries();
        let page = <T as crate::Config>::MaxAuditPage::get();
        AuditView {
            grants: trail.grants,
            revocations: trail.revocations,
            emergency_openings: trail.emergency_openings,
            accesses: trail.accesses,
            total,
            recent: Self::api_audit_entries(record, total.saturating_sub(page), page),
        }
    }

    /// One read per entry, at most `MaxAuditPage` of them.
    pub fn api_audit_entries(
        record: RecordId,
        from: u32,
        count: u32,
    ) -> Vec<AuditEntry<T::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>> {
        let end = from
            .saturating_add(count.min(<T as crate::Config>::MaxAuditPage::get()))
            .min(crate::Audit::<T>::get(record).entries());
        (from..end)
            .filter_map(|i| crate::AuditLog::<T>::get(record, i))
            .collect()
    }

    pub fn api_care_of(
        patient: T::AccountId,
    ) -> Vec<CareView<frame_system::pallet_prelude::BlockNumberFor<T>, crate::BalanceOf<T>>> {
        let mut care: Vec<_> = crate::CareRelationships::<T>::iter_prefix(&patient)
            .map(|(org, care)| CareView { org, care })
            .collect();
        care.sort_unstable_by_key(|c| c.org);
        care
    }
}
