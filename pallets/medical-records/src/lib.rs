//! # pallet-medical-records
//!
//! The consortium's index of medical records. The chain holds what lets hospitals find, share and
//! verify a record, never the record: pseudonymous accounts, coded record types, SHA-256 digests,
//! IPFS CIDs of ciphertext, data keys sealed to their readers, and an audit trail.
//!
//! - **Organisations** (hospitals) are registered by [`Config::OrganisationOrigin`]; their admins
//!   add clinicians and anchorers. Every account and organisation has a rotatable X25519 key.
//! - **Records**: a clinician of the custodian creates a record in one call that also registers
//!   its ciphertext CID in pallet-ipfs-registry. An amendment is a new version linked to the
//!   latest one; nothing is overwritten.
//! - **Consent**: the patient grants one record (with its key sealed to the grantee) or all their
//!   records of a type until an expiry block, and revokes at will. Under a type grant the
//!   custodian shares each record's key. Expired grants stop working at once and are swept in
//!   idle block time. A clinician of the custodian can open a record in an emergency for
//!   [`Config::EmergencyDuration`] blocks; it is audited and shown to the patient like any grant.
//! - **Audit**: every grant, revocation, emergency opening and logged read is an event and is
//!   counted in the record's bounded [`AuditTrail`].
//! - **Batch anchors**: an organisation's anchorer submits the Merkle root of a batch of
//!   [`IndexEntry`]s from its private chain; [`Pallet::verify_inclusion`] checks a proof.
//!
//! Who may read a record now ([`Pallet::access`]): the patient, the clinician who wrote that
//! version, and holders of an effective grant. Other clinicians of the custodian need a grant or
//! an emergency opening, so that every such read leaves a trace.

#![cfg_attr(not(feature = "std"), no_std)]
// `create_record` takes each field of a record as an argument of its own, so that Apps shows a form
// field for each; the call enum the pallet macro generates inherits the argument count.
#![allow(clippy::too_many_arguments)]

extern crate alloc;

pub use pallet::*;

pub mod runtime_api;
pub mod types;
pub mod weights;
/// The inclusion proof of a batch anchor, as the runtime API takes it.
pub use medchain_merkle::InclusionProof;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::Saturating;

/// The audit trail as stored for a runtime.
pub type AuditTrailOf<T> = AuditTrail<
    <T as frame_system::Config>::AccountId,
    BlockNumberFor<T>,
    <T as Config>::MaxAuditEntries,
>;
/// A record as stored for a runtime.
pub type RecordOf<T> = Record<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_system::pallet_prelude::*;
    use pallet_ipfs_registry::{CidBytes, CidInput};

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config: frame_system::Config + pallet_ipfs_registry::Config {
        /// Who registers organisations (root or governance).
        type OrganisationOrigin: EnsureOrigin<Self::RuntimeOrigin>;
        /// Most members one organisation has.
        #[pallet::constant]
        type MaxMembers: Get<u32>;
        /// Most record versions one patient has.
        #[pallet::constant]
        type MaxRecordsPerPatient: Get<u32>;
        /// Most grants (of any basis, expired ones until swept) one record has.
        #[pallet::constant]
        type MaxGrantsPerRecord: Get<u32>;
        /// Most record-type grants one patient has.
        #[pallet::constant]
        type MaxTypeGrantsPerPatient: Get<u32>;
        /// Longest a grant may run, in blocks.
        #[pallet::constant]
        type MaxGrantDuration: Get<BlockNumberFor<Self>>;
        /// How long an emergency opening lasts, in blocks.
        #[pallet::constant]
        type EmergencyDuration: Get<BlockNumberFor<Self>>;
        /// How many recent entries a record's audit trail keeps (counters keep everything).
        #[pallet::constant]
        type MaxAuditEntries: Get<u32>;
        /// Most grants the idle-time sweep looks at in one block.
        #[pallet::constant]
        type MaxSweep: Get<u32>;
        /// Weights of the calls.
        type WeightInfo: WeightInfo;
    }

    /// The next organisation id.
    #[pallet::storage]
    pub type NextOrgId<T> = StorageValue<_, OrgId, ValueQuery>;

    /// Registered organisations.
    #[pallet::storage]
    pub type Organisations<T: Config> =
        StorageMap<_, Twox64Concat, OrgId, Organisation<BlockNumberFor<T>>>;

    /// Members of organisations and their roles.
    #[pallet::storage]
    pub type Members<T: Config> =
        StorageDoubleMap<_, Twox64Concat, OrgId, Blake2_128Concat, T::AccountId, Role>;

    /// Accounts' X25519 public keys.
    #[pallet::storage]
    pub type EncryptionKeys<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, EncryptionKey>;

    /// The next record id.
    #[pallet::storage]
    pub type NextRecordId<T> = StorageValue<_, RecordId, ValueQuery>;

    /// Record versions.
    #[pallet::storage]
    pub type Records<T: Config> = StorageMap<_, Twox64Concat, RecordId, RecordOf<T>>;

    /// Each patient's record versions.
    #[pallet::storage]
    pub type PatientRecords<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, RecordId, ()>;

    /// Number of record versions per patient.
    #[pallet::storage]
    pub type PatientRecordCount<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

    /// Grants: record, grantee -> grant.
    #[pallet::storage]
    pub type Grants<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        RecordId,
        Blake2_128Concat,
        T::AccountId,
        Grant<BlockNumberFor<T>>,
    >;

    /// The same grants by grantee: grantee, record -> (). A clinician's "shared with me" is one
    /// prefix read (runtime API `shared_with`) instead of a scan of every grant.
    #[pallet::storage]
    pub type GranteeGrants<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, RecordId, ()>;

    /// Number of grants per record.
    #[pallet::storage]
    pub type GrantCount<T> = StorageMap<_, Twox64Concat, RecordId, u32, ValueQuery>;

    /// Record-type grants: patient, (type, grantee) -> grant.
    #[pallet::storage]
    pub type TypeGrants<T: Config> = StorageDoubleMap<
        _,
        Blake2_128Concat,
        T::AccountId,
        Blake2_128Concat,
        (RecordType, T::AccountId),
        TypeGrant<BlockNumberFor<T>>,
    >;

    /// Number of record-type grants per patient.
    #[pallet::storage]
    pub type TypeGrantCount<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

    /// Each record's audit trail.
    #[pallet::storage]
    pub type Audit<T: Config> = StorageMap<_, Twox64Concat, RecordId, AuditTrailOf<T>, ValueQuery>;

    /// Batch anchors: organisation, sequence -> anchor.
    #[pallet::storage]
    pub type Anchors<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        OrgId,
        Twox64Concat,
        u32,
        Anchor<T::AccountId, BlockNumberFor<T>>,
    >;

    /// Anchored roots and where they are.
    #[pallet::storage]
    pub type AnchorRoots<T> = StorageMap<_, Identity, Sha256, AnchorRef>;

    /// Records imported from a private chain: consortium record -> where it comes from.
    #[pallet::storage]
    pub type Origins<T> = StorageMap<_, Twox64Concat, RecordId, RecordOrigin>;

    /// Imported records by origin: organisation, private-chain record -> consortium record.
    #[pallet::storage]
    pub type Imported<T> =
        StorageDoubleMap<_, Twox64Concat, OrgId, Twox64Concat, RecordId, RecordId>;

    /// Where the idle-time sweep of expired grants resumes (a raw storage key).
    #[pallet::storage]
    pub type SweepCursor<T> = StorageValue<_, BoundedVec<u8, ConstU32<256>>>;

    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Organisations registered at genesis, by their first admin; they get ids 0, 1, ...
        pub organisations: alloc::vec::Vec<T::AccountId>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            for admin in &self.organisations {
                let org = NextOrgId::<T>::get();
                Organisations::<T>::insert(
                    org,
                    Organisation {
                        key: None,
                        members: 1,
                        admins: 1,
                        anchors: 0,
                        anchored_to: None,
                        registered_at: Default::default(),
                    },
                );
                Members::<T>::insert(org, admin, Role::Admin);
                NextOrgId::<T>::put(org.saturating_add(1));
            }
        }
    }

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        OrganisationRegistered {
            org: OrgId,
            admin: T::AccountId,
        },
        MemberAdded {
            org: OrgId,
            who: T::AccountId,
            role: Role,
        },
        MemberRemoved {
            org: OrgId,
            who: T::AccountId,
        },
        EncryptionKeySet {
            who: T::AccountId,
            key: EncryptionKey,
        },
        OrganisationKeySet {
            org: OrgId,
            key: EncryptionKey,
        },
        /// A record version was created (`previous` is set for an amendment).
        RecordCreated {
            record: RecordId,
            patient: T::AccountId,
            custodian: OrgId,
            author: T::AccountId,
            record_type: RecordType,
            cid: CidBytes,
            version: u32,
            previous: Option<RecordId>,
        },
        AccessGranted {
            record: RecordId,
            patient: T::AccountId,
            grantee: T::AccountId,
            basis: GrantBasis,
            expires_at: BlockNumberFor<T>,
        },
        AccessRevoked {
            record: RecordId,
            patient: T::AccountId,
            grantee: T::AccountId,
        },
        TypeAccessGranted {
            patient: T::AccountId,
            record_type: RecordType,
            grantee: T::AccountId,
            expires_at: BlockNumberFor<T>,
        },
        TypeAccessRevoked {
            patient: T::AccountId,
            record_type: RecordType,
            grantee: T::AccountId,
        },
        /// A clinician of the custodian opened a record in an emergency.
        EmergencyAccess {
            record: RecordId,
            patient: T::AccountId,
            clinician: T::AccountId,
            until: BlockNumberFor<T>,
        },
        /// A reader logged that they read a record.
        AccessLogged {
            record: RecordId,
            patient: T::AccountId,
            reader: T::AccountId,
        },
        /// The sweep removed an expired grant.
        GrantExpired {
            record: RecordId,
            grantee: T::AccountId,
        },
        /// A record version of `org`'s private chain was proven anchored and indexed here as
        /// `record` (a `RecordCreated` event precedes this one).
        RecordImported {
            record: RecordId,
            org: OrgId,
            anchor: u32,
            origin_record: RecordId,
        },
        BatchAnchored {
            org: OrgId,
            seq: u32,
            from: u64,
            to: u64,
            count: u32,
            root: Sha256,
        },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// No organisation has this id.
        UnknownOrganisation,
        /// Only an admin of the organisation may do this.
        NotAdmin,
        /// The account is a member of the organisation already.
        AlreadyMember,
        /// The account is not a member of the organisation.
        NotMember,
        /// The organisation has `MaxMembers` members.
        TooManyMembers,
        /// The organisation's last admin cannot be removed.
        LastAdmin,
        /// The key is all zeros, not an X25519 public key.
        InvalidEncryptionKey,
        /// The organisation has no encryption key to seal the custodian's copy to.
        OrganisationHasNoKey,
        /// Only a clinician (or admin) of the custodian organisation may do this.
        NotClinician,
        /// The patient has no registered encryption key.
        UnknownPatient,
        /// The grantee has no registered encryption key.
        UnknownGrantee,
        /// No record has this id.
        UnknownRecord,
        /// Only the latest version of a record can be amended.
        NotLatestVersion,
        /// An amendment must keep the patient, custodian and record type of the version it amends.
        AmendmentMismatch,
        /// The plaintext digest is all zeros.
        InvalidPlaintextHash,
        /// The patient has `MaxRecordsPerPatient` record versions.
        TooManyRecords,
        /// Only the record's patient may do this.
        NotPatient,
        /// A patient needs no grant to their own records.
        GranteeIsPatient,
        /// The expiry block is not after the current block.
        ExpiryInPast,
        /// The expiry is further away than `MaxGrantDuration`.
        ExpiryTooFar,
        /// The record has `MaxGrantsPerRecord` grants.
        TooManyGrants,
        /// The patient has `MaxTypeGrantsPerPatient` record-type grants.
        TooManyTypeGrants,
        /// There is no such grant (never granted, or revoked).
        NoGrant,
        /// The grant has expired.
        GrantExpired,
        /// The record-type grant the key was shared under has ended.
        TypeGrantEnded,
        /// Only a member of the custodian organisation may open a record in an emergency.
        NotCustodianMember,
        /// The account may read the record already (an emergency opening or a shared key would
        /// replace a grant it holds).
        AlreadyHasAccess,
        /// Only an anchorer (or admin) of the organisation may anchor batches.
        NotAnchorer,
        /// A batch needs at least one entry.
        EmptyBatch,
        /// A batch has at most 2^20 entries.
        TooManyLeaves,
        /// The batch's first block is after its last.
        InvalidRange,
        /// The batch starts at or before the end of the organisation's last anchored batch.
        RangeOverlaps,
        /// The batch does not start right after the organisation's last batch: entries in
        /// between would never be anchored.
        RangeGap,
        /// This root is anchored already.
        RootAlreadyAnchored,
        /// No anchor has this root.
        UnknownAnchor,
        /// The proof's batch size is not the anchored batch's entry count.
        ProofBatchSizeMismatch,
        /// The proof's index is outside the batch.
        ProofIndexOutOfRange,
        /// The proof has more or fewer sibling hashes than its position in the batch needs.
        WrongProofLength,
        /// The proof does not lead from the entry to the root: the entry is not in the batch.
        NotIncluded,
        /// This private-chain record is imported already.
        AlreadyImported,
        /// An id counter is exhausted.
        Overflow,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
            let budget = <T as Config>::WeightInfo::sweep(T::MaxSweep::get());
            if remaining.any_lt(budget) {
                return Weight::zero();
            }
            let swept = Self::sweep_expired(now, T::MaxSweep::get());
            <T as Config>::WeightInfo::sweep(swept)
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Registers an organisation with its first admin.
        #[pallet::call_index(0)]
        #[pallet::weight(<T as Config>::WeightInfo::register_organisation())]
        pub fn register_organisation(origin: OriginFor<T>, admin: T::AccountId) -> DispatchResult {
            T::OrganisationOrigin::ensure_origin(origin)?;
            let org = NextOrgId::<T>::get();
            let next = org.checked_add(1).ok_or(Error::<T>::Overflow)?;
            Organisations::<T>::insert(
                org,
                Organisation {
                    key: None,
                    members: 1,
                    admins: 1,
                    anchors: 0,
                    anchored_to: None,
                    registered_at: frame_system::Pallet::<T>::block_number(),
                },
            );
            Members::<T>::insert(org, &admin, Role::Admin);
            NextOrgId::<T>::put(next);
            Self::deposit_event(Event::OrganisationRegistered { org, admin });
            Ok(())
        }

        /// An admin adds a member with a role.
        #[pallet::call_index(1)]
        #[pallet::weight(<T as Config>::WeightInfo::add_member())]
        pub fn add_member(
            origin: OriginFor<T>,
            org: OrgId,
            who: T::AccountId,
            role: Role,
        ) -> DispatchResult {
            let admin = ensure_signed(origin)?;
            let mut info = Self::admin_of(org, &admin)?;
            ensure!(
                !Members::<T>::contains_key(org, &who),
                Error::<T>::AlreadyMember
            );
            ensure!(
                info.members < T::MaxMembers::get(),
                Error::<T>::TooManyMembers
            );
            info.members = info.members.saturating_add(1);
            if role == Role::Admin {
                info.admins = info.admins.saturating_add(1);
            }
            Organisations::<T>::insert(org, info);
            Members::<T>::insert(org, &who, role);
            Self::deposit_event(Event::MemberAdded { org, who, role });
            Ok(())
        }

        /// An admin removes a member; the last admin stays.
        #[pallet::call_index(2)]
        #[pallet::weight(<T as Config>::WeightInfo::remove_member())]
        pub fn remove_member(
            origin: OriginFor<T>,
            org: OrgId,
            who: T::AccountId,
        ) -> DispatchResult {
            let admin = ensure_signed(origin)?;
            let mut info = Self::admin_of(org, &admin)?;
            let role = Members::<T>::get(org, &who).ok_or(Error::<T>::NotMember)?;
            if role == Role::Admin {
                ensure!(info.admins > 1, Error::<T>::LastAdmin);
                info.admins = info.admins.saturating_sub(1);
            }
            info.members = info.members.saturating_sub(1);
            Organisations::<T>::insert(org, info);
            Members::<T>::remove(org, &who);
            Self::deposit_event(Event::MemberRemoved { org, who });
            Ok(())
        }

        /// Sets or rotates the caller's X25519 public key. Keys sealed to the old key stay as
        /// they are; new grants use the new key.
        #[pallet::call_index(3)]
        #[pallet::weight(<T as Config>::WeightInfo::set_encryption_key())]
        pub fn set_encryption_key(origin: OriginFor<T>, key: EncryptionKey) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(key != [0u8; 32], Error::<T>::InvalidEncryptionKey);
            EncryptionKeys::<T>::insert(&who, key);
            Self::deposit_event(Event::EncryptionKeySet { who, key });
            Ok(())
        }

        /// An admin sets or rotates the organisation's X25519 public key.
        #[pallet::call_index(4)]
        #[pallet::weight(<T as Config>::WeightInfo::set_organisation_key())]
        pub fn set_organisation_key(
            origin: OriginFor<T>,
            org: OrgId,
            key: EncryptionKey,
        ) -> DispatchResult {
            let admin = ensure_signed(origin)?;
            let mut info = Self::admin_of(org, &admin)?;
            ensure!(key != [0u8; 32], Error::<T>::InvalidEncryptionKey);
            info.key = Some(key);
            Organisations::<T>::insert(org, info);
            Self::deposit_event(Event::OrganisationKeySet { org, key });
            Ok(())
        }

        /// A clinician of `org` creates a record version: registers the ciphertext's CID (for
        /// good: it holds no deposit and cannot be unregistered) and indexes it. With `previous`,
        /// it amends that version, which must be the latest of its chain. A new record is charged
        /// less than an amendment, which reads and writes the previous version too.
        #[pallet::call_index(5)]
        #[pallet::weight(match previous {
            None => <T as Config>::WeightInfo::create_record(),
            Some(_) => <T as Config>::WeightInfo::amend_record(),
        })]
        pub fn create_record(
            origin: OriginFor<T>,
            org: OrgId,
            patient: T::AccountId,
            record_type: RecordType,
            plaintext_hash: Sha256,
            cid: CidInput,
            size: u64,
            previous: Option<RecordId>,
            key_for_patient: WrappedKey,
            key_for_custodian: WrappedKey,
        ) -> DispatchResult {
            let author = ensure_signed(origin)?;
            ensure!(
                Organisations::<T>::contains_key(org),
                Error::<T>::UnknownOrganisation
            );
            ensure!(Self::is_clinician(org, &author), Error::<T>::NotClinician);
            Self::insert_record(
                author,
                org,
                patient,
                record_type,
                plaintext_hash,
                &cid,
                size,
                previous,
                [key_for_patient, key_for_custodian],
            )?;
            Ok(())
        }

        /// The patient grants `grantee` access to one record until `expires_at`, with the data
        /// key sealed to the grantee's registered key. Granting again replaces the grant.
        #[pallet::call_index(6)]
        #[pallet::weight(<T as Config>::WeightInfo::grant_access())]
        pub fn grant_access(
            origin: OriginFor<T>,
            record: RecordId,
            grantee: T::AccountId,
            expires_at: BlockNumberFor<T>,
            wrapped_key: WrappedKey,
        ) -> DispatchResult {
            let patient = ensure_signed(origin)?;
            let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
            ensure!(rec.patient == patient, Error::<T>::NotPatient);
            Self::check_grantee(&patient, &grantee)?;
            Self::check_expiry(expires_at)?;
            Self::put_grant(
                record,
                &grantee,
                GrantBasis::Patient,
                expires_at,
                Some(wrapped_key),
            )?;
            Self::audit(record, &patient, AuditAction::Granted);
            Self::deposit_event(Event::AccessGranted {
                record,
                patient,
                grantee,
                basis: GrantBasis::Patient,
                expires_at,
            });
            Ok(())
        }

        /// The patient revokes a grant of one record (any basis, emergency openings included).
        /// It stops working in the next block.
        #[pallet::call_index(7)]
        #[pallet::weight(<T as Config>::WeightInfo::revoke_access())]
        pub fn revoke_access(
            origin: OriginFor<T>,
            record: RecordId,
            grantee: T::AccountId,
        ) -> DispatchResult {
            let patient = ensure_signed(origin)?;
            let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
            ensure!(rec.patient == patient, Error::<T>::NotPatient);
            ensure!(Self::remove_grant(record, &grantee), Error::<T>::NoGrant);
            Self::audit(record, &patient, AuditAction::Revoked);
            Self::deposit_event(Event::AccessRevoked {
                record,
                patient,
                grantee,
            });
            Ok(())
        }

        /// The patient grants `grantee` access to all their records of a type until
        /// `expires_at`. The custodian then shares each record's key with `share_key`.
        /// Expired type grants of the patient are removed first.
        #[pallet::call_index(8)]
        #[pallet::weight(<T as Config>::WeightInfo::grant_type_access())]
        pub fn grant_type_access(
            origin: OriginFor<T>,
            record_type: RecordType,
            grantee: T::AccountId,
            expires_at: BlockNumberFor<T>,
        ) -> DispatchResult {
            let patient = ensure_signed(origin)?;
            ensure!(
                EncryptionKeys::<T>::contains_key(&patient),
                Error::<T>::UnknownPatient
            );
            Self::check_grantee(&patient, &grantee)?;
            Self::check_expiry(expires_at)?;
            let now = frame_system::Pallet::<T>::block_number();
            let key = (record_type, grantee.clone());
            let exists = TypeGrants::<T>::contains_key(&patient, &key);
            let mut count = TypeGrantCount::<T>::get(&patient);
            if !exists && count >= T::MaxTypeGrantsPerPatient::get() {
                count = count.saturating_sub(Self::purge_expired_type_grants(&patient, now));
                ensure!(
                    count < T::MaxTypeGrantsPerPatient::get(),
                    Error::<T>::TooManyTypeGrants
                );
            }
            if !exists {
                count = count.saturating_add(1);
            }
            TypeGrants::<T>::insert(
                &patient,
                &key,
                TypeGrant {
                    granted_at: now,
                    expires_at,
                },
            );
            TypeGrantCount::<T>::insert(&patient, count);
            Self::deposit_event(Event::TypeAccessGranted {
                patient,
                record_type,
                grantee,
                expires_at,
            });
            Ok(())
        }

        /// The patient revokes a record-type grant; keys shared under it stop working at once.
        #[pallet::call_index(9)]
        #[pallet::weight(<T as Config>::WeightInfo::revoke_type_access())]
        pub fn revoke_type_access(
            origin: OriginFor<T>,
            record_type: RecordType,
            grantee: T::AccountId,
        ) -> DispatchResult {
            let patient = ensure_signed(origin)?;
            ensure!(
                TypeGrants::<T>::take(&patient, (record_type, grantee.clone())).is_some(),
                Error::<T>::NoGrant
            );
            TypeGrantCount::<T>::mutate(&patient, |n| *n = n.saturating_sub(1));
            Self::deposit_event(Event::TypeAccessRevoked {
                patient,
                record_type,
                grantee,
            });
            Ok(())
        }

        /// A clinician of the custodian shares a record's key with a grantee who holds an
        /// effective grant of the record's type; the grant ends with the type grant.
        #[pallet::call_index(10)]
        #[pallet::weight(<T as Config>::WeightInfo::share_key())]
        pub fn share_key(
            origin: OriginFor<T>,
            record: RecordId,
            grantee: T::AccountId,
            wrapped_key: WrappedKey,
        ) -> DispatchResult {
            let clinician = ensure_signed(origin)?;
            let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
            ensure!(
                Self::is_clinician(rec.custodian, &clinician),
                Error::<T>::NotClinician
            );
            let now = frame_system::Pallet::<T>::block_number();
            let tg = TypeGrants::<T>::get(&rec.patient, (rec.record_type, grantee.clone()))
                .ok_or(Error::<T>::NoGrant)?;
            ensure!(tg.expires_at > now, Error::<T>::GrantExpired);
            // A key shared earlier under a type grant may be renewed; a grant of the patient's own
            // or an emergency opening is not replaced.
            if let Some(g) = Grants::<T>::get(record, &grantee) {
                ensure!(
                    g.basis == GrantBasis::RecordType || g.expires_at <= now,
                    Error::<T>::AlreadyHasAccess
                );
            }
            Self::put_grant(
                record,
                &grantee,
                GrantBasis::RecordType,
                tg.expires_at,
                Some(wrapped_key),
            )?;
            Self::audit(record, &clinician, AuditAction::Granted);
            Self::deposit_event(Event::AccessGranted {
                record,
                patient: rec.patient,
                grantee,
                basis: GrantBasis::RecordType,
                expires_at: tg.expires_at,
            });
            Ok(())
        }

        /// A member of the custodian opens a record in an emergency for `EmergencyDuration`
        /// blocks. Always audited and visible to the patient, who may revoke it.
        #[pallet::call_index(11)]
        #[pallet::weight(<T as Config>::WeightInfo::emergency_access())]
        pub fn emergency_access(origin: OriginFor<T>, record: RecordId) -> DispatchResult {
            let clinician = ensure_signed(origin)?;
            let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
            ensure!(
                Self::is_clinician(rec.custodian, &clinician),
                Error::<T>::NotCustodianMember
            );
            ensure!(
                Self::access_to(&rec, record, &clinician).is_err(),
                Error::<T>::AlreadyHasAccess
            );
            let until = frame_system::Pallet::<T>::block_number()
                .saturating_add(T::EmergencyDuration::get());
            Self::put_grant(record, &clinician, GrantBasis::Emergency, until, None)?;
            Self::audit(record, &clinician, AuditAction::EmergencyOpened);
            Self::deposit_event(Event::EmergencyAccess {
                record,
                patient: rec.patient,
                clinician,
                until,
            });
            Ok(())
        }

        /// A reader logs that they read a record. Refused, with the reason, to anyone who may
        /// not read it now.
        #[pallet::call_index(12)]
        #[pallet::weight(<T as Config>::WeightInfo::log_access())]
        pub fn log_access(origin: OriginFor<T>, record: RecordId) -> DispatchResult {
            let reader = ensure_signed(origin)?;
            let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
            Self::access_to(&rec, record, &reader).map_err(|e| match e {
                AccessDenied::UnknownRecord => Error::<T>::UnknownRecord,
                AccessDenied::NoGrant => Error::<T>::NoGrant,
                AccessDenied::Expired => Error::<T>::GrantExpired,
                AccessDenied::TypeGrantEnded => Error::<T>::TypeGrantEnded,
            })?;
            Self::audit(record, &reader, AuditAction::Accessed);
            Self::deposit_event(Event::AccessLogged {
                record,
                patient: rec.patient,
                reader,
            });
            Ok(())
        }

        /// An anchorer of `org` anchors the Merkle root of a batch of index entries covering
        /// private-chain blocks `from..=to`, which must start after the organisation's last batch.
        #[pallet::call_index(13)]
        #[pallet::weight(<T as Config>::WeightInfo::anchor_batch())]
        pub fn anchor_batch(
            origin: OriginFor<T>,
            org: OrgId,
            from: u64,
            to: u64,
            count: u32,
            root: Sha256,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut info = Organisations::<T>::get(org).ok_or(Error::<T>::UnknownOrganisation)?;
            ensure!(
                matches!(
                    Members::<T>::get(org, &who),
                    Some(Role::Anchorer | Role::Admin)
                ),
                Error::<T>::NotAnchorer
            );
            ensure!(count > 0, Error::<T>::EmptyBatch);
            ensure!(
                count <= medchain_merkle::MAX_LEAVES,
                Error::<T>::TooManyLeaves
            );
            ensure!(from <= to, Error::<T>::InvalidRange);
            if let Some(last) = info.anchored_to {
                ensure!(from > last, Error::<T>::RangeOverlaps);
                ensure!(from == last.saturating_add(1), Error::<T>::RangeGap);
            }
            ensure!(
                !AnchorRoots::<T>::contains_key(root),
                Error::<T>::RootAlreadyAnchored
            );
            let seq = info.anchors;
            info.anchors = seq.checked_add(1).ok_or(Error::<T>::Overflow)?;
            info.anchored_to = Some(to);
            Organisations::<T>::insert(org, info);
            Anchors::<T>::insert(
                org,
                seq,
                Anchor {
                    from,
                    to,
                    count,
                    root,
                    anchored_by: who,
                    anchored_at: frame_system::Pallet::<T>::block_number(),
                },
            );
            AnchorRoots::<T>::insert(root, AnchorRef { org, seq });
            Self::deposit_event(Event::BatchAnchored {
                org,
                seq,
                from,
                to,
                count,
                root,
            });
            Ok(())
        }

        /// A clinician of an organisation indexes here a record version from the organisation's
        /// private chain, proving with `proof` that its index `entry` is in a batch the
        /// organisation anchored under `root`. The record gets a consortium id, its CID is
        /// registered, and its data key is sealed anew to the patient and to the organisation's
        /// key; from then on the patient can grant it to clinicians of other hospitals.
        /// `entry.custodian` is the private chain's own organisation id: the custodian here is
        /// the organisation that anchored the batch.
        #[pallet::call_index(14)]
        #[pallet::weight(<T as Config>::WeightInfo::import_record())]
        pub fn import_record(
            origin: OriginFor<T>,
            root: Sha256,
            entry: IndexEntry<T::AccountId>,
            proof: medchain_merkle::InclusionProof,
            size: u64,
            key_for_patient: WrappedKey,
            key_for_custodian: WrappedKey,
        ) -> DispatchResult {
            let author = ensure_signed(origin)?;
            let at = Self::verify_inclusion(root, &entry, &proof).map_err(Error::<T>::from)?;
            ensure!(
                Self::is_clinician(at.org, &author),
                Error::<T>::NotClinician
            );
            ensure!(
                !Imported::<T>::contains_key(at.org, entry.record),
                Error::<T>::AlreadyImported
            );
            let id = Self::insert_record(
                author,
                at.org,
                entry.patient,
                entry.record_type,
                entry.plaintext_hash,
                &entry.cid,
                size,
                None,
                [key_for_patient, key_for_custodian],
            )?;
            Origins::<T>::insert(
                id,
                RecordOrigin {
                    org: at.org,
                    anchor: at.seq,
                    record: entry.record,
                    version: entry.version,
                },
            );
            Imported::<T>::insert(at.org, entry.record, id);
            Self::deposit_event(Event::RecordImported {
                record: id,
                org: at.org,
                anchor: at.seq,
                origin_record: entry.record,
            });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        /// Indexes a record version whose author the caller has checked: every other check,
        /// then the CID registration as the last fallible step, then the writes.
        fn insert_record(
            author: T::AccountId,
            org: OrgId,
            patient: T::AccountId,
            record_type: RecordType,
            plaintext_hash: Sha256,
            cid: &[u8],
            size: u64,
            previous: Option<RecordId>,
            [key_for_patient, key_for_custodian]: [WrappedKey; 2],
        ) -> Result<RecordId, DispatchError> {
            let info = Organisations::<T>::get(org).ok_or(Error::<T>::UnknownOrganisation)?;
            ensure!(info.key.is_some(), Error::<T>::OrganisationHasNoKey);
            ensure!(
                EncryptionKeys::<T>::contains_key(&patient),
                Error::<T>::UnknownPatient
            );
            ensure!(
                plaintext_hash != [0u8; 32],
                Error::<T>::InvalidPlaintextHash
            );
            let count = PatientRecordCount::<T>::get(&patient);
            ensure!(
                count < T::MaxRecordsPerPatient::get(),
                Error::<T>::TooManyRecords
            );
            let version = match previous {
                None => 1,
                Some(prev) => {
                    let old = Records::<T>::get(prev).ok_or(Error::<T>::UnknownRecord)?;
                    ensure!(old.superseded_by.is_none(), Error::<T>::NotLatestVersion);
                    ensure!(
                        old.patient == patient
                            && old.custodian == org
                            && old.record_type == record_type,
                        Error::<T>::AmendmentMismatch
                    );
                    old.version.checked_add(1).ok_or(Error::<T>::Overflow)?
                }
            };
            let id = NextRecordId::<T>::get();
            let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
            // Last fallible step: a failure here leaves nothing behind, as the registry writes
            // only when it succeeds. No deposit: records are permanent and only admitted
            // clinicians create them.
            let cid = pallet_ipfs_registry::Pallet::<T>::do_register_permanent(&author, cid, size)?;

            if let Some(prev) = previous {
                Records::<T>::mutate(prev, |r| {
                    if let Some(r) = r {
                        r.superseded_by = Some(id);
                    }
                });
            }
            Records::<T>::insert(
                id,
                Record {
                    patient: patient.clone(),
                    custodian: org,
                    author: author.clone(),
                    record_type,
                    plaintext_hash,
                    cid: cid.clone(),
                    version,
                    previous,
                    superseded_by: None,
                    created_at: frame_system::Pallet::<T>::block_number(),
                    key_for_patient,
                    key_for_custodian,
                },
            );
            PatientRecords::<T>::insert(&patient, id, ());
            PatientRecordCount::<T>::insert(&patient, count.saturating_add(1));
            NextRecordId::<T>::put(next);
            Self::deposit_event(Event::RecordCreated {
                record: id,
                patient,
                custodian: org,
                author,
                record_type,
                cid,
                version,
                previous,
            });
            Ok(id)
        }

        /// The organisation, if `who` is one of its admins.
        fn admin_of(
            org: OrgId,
            who: &T::AccountId,
        ) -> Result<Organisation<BlockNumberFor<T>>, Error<T>> {
            let info = Organisations::<T>::get(org).ok_or(Error::<T>::UnknownOrganisation)?;
            ensure!(
                Members::<T>::get(org, who) == Some(Role::Admin),
                Error::<T>::NotAdmin
            );
            Ok(info)
        }

        /// Whether `who` is a clinician or admin of `org`.
        pub fn is_clinician(org: OrgId, who: &T::AccountId) -> bool {
            matches!(
                Members::<T>::get(org, who),
                Some(Role::Clinician | Role::Admin)
            )
        }

        fn check_grantee(patient: &T::AccountId, grantee: &T::AccountId) -> DispatchResult {
            ensure!(grantee != patient, Error::<T>::GranteeIsPatient);
            ensure!(
                EncryptionKeys::<T>::contains_key(grantee),
                Error::<T>::UnknownGrantee
            );
            Ok(())
        }

        fn check_expiry(expires_at: BlockNumberFor<T>) -> DispatchResult {
            let now = frame_system::Pallet::<T>::block_number();
            ensure!(expires_at > now, Error::<T>::ExpiryInPast);
            ensure!(
                expires_at <= now.saturating_add(T::MaxGrantDuration::get()),
                Error::<T>::ExpiryTooFar
            );
            Ok(())
        }

        /// Inserts or replaces a grant, keeping the per-record count within bounds.
        fn put_grant(
            record: RecordId,
            grantee: &T::AccountId,
            basis: GrantBasis,
            expires_at: BlockNumberFor<T>,
            wrapped_key: Option<WrappedKey>,
        ) -> DispatchResult {
            if !Grants::<T>::contains_key(record, grantee) {
                let count = GrantCount::<T>::get(record);
                ensure!(
                    count < T::MaxGrantsPerRecord::get(),
                    Error::<T>::TooManyGrants
                );
                GrantCount::<T>::insert(record, count.saturating_add(1));
                GranteeGrants::<T>::insert(grantee, record, ());
            }
            Grants::<T>::insert(
                record,
                grantee,
                Grant {
                    basis,
                    granted_at: frame_system::Pallet::<T>::block_number(),
                    expires_at,
                    wrapped_key,
                },
            );
            Ok(())
        }

        /// Removes a grant and its index entries; false if there was none.
        fn remove_grant(record: RecordId, grantee: &T::AccountId) -> bool {
            if Grants::<T>::take(record, grantee).is_none() {
                return false;
            }
            GrantCount::<T>::mutate(record, |n| *n = n.saturating_sub(1));
            GranteeGrants::<T>::remove(grantee, record);
            true
        }

        /// Adds an entry to a record's audit trail, counting it and dropping the oldest recent
        /// entry when the trail is full.
        pub(crate) fn audit(record: RecordId, who: &T::AccountId, action: AuditAction) {
            Audit::<T>::mutate(record, |trail| {
                let counter = match action {
                    AuditAction::Granted => &mut trail.grants,
                    AuditAction::Revoked => &mut trail.revocations,
                    AuditAction::EmergencyOpened => &mut trail.emergency_openings,
                    AuditAction::Accessed => &mut trail.accesses,
                };
                *counter = counter.saturating_add(1);
                let entry = AuditEntry {
                    who: who.clone(),
                    action,
                    at: frame_system::Pallet::<T>::block_number(),
                };
                if trail.recent.is_full() && !trail.recent.is_empty() {
                    trail.recent.remove(0);
                }
                // Cannot fail: there is room now (a zero-length bound keeps no entries).
                let _ = trail.recent.try_push(entry);
            });
        }

        /// Removes the patient's expired record-type grants; returns how many.
        fn purge_expired_type_grants(patient: &T::AccountId, now: BlockNumberFor<T>) -> u32 {
            let expired: alloc::vec::Vec<_> = TypeGrants::<T>::iter_prefix(patient)
                .take(T::MaxTypeGrantsPerPatient::get() as usize)
                .filter(|(_, g)| g.expires_at <= now)
                .map(|(k, _)| k)
                .collect();
            for key in &expired {
                TypeGrants::<T>::remove(patient, key);
            }
            expired.len() as u32
        }

        /// Looks at up to `limit` grants from where the last sweep stopped and removes the
        /// expired ones; returns how many it looked at.
        pub fn sweep_expired(now: BlockNumberFor<T>, limit: u32) -> u32 {
            let batch: alloc::vec::Vec<_> = match SweepCursor::<T>::get() {
                Some(cursor) => Grants::<T>::iter_from(cursor.into_inner()),
                None => Grants::<T>::iter(),
            }
            .take(limit as usize)
            .collect();
            let seen = batch.len() as u32;
            let cursor = if seen < limit {
                None
            } else {
                batch.last().and_then(|(record, grantee, _)| {
                    BoundedVec::try_from(Grants::<T>::hashed_key_for(record, grantee)).ok()
                })
            };
            SweepCursor::<T>::set(cursor);
            for (record, grantee, grant) in batch {
                if grant.expires_at <= now {
                    Self::remove_grant(record, &grantee);
                    Self::deposit_event(Event::GrantExpired { record, grantee });
                }
            }
            seen
        }

        /// Whether `who` may read `record` now, and why.
        pub fn access(
            record: RecordId,
            who: &T::AccountId,
        ) -> Result<Access<BlockNumberFor<T>>, AccessDenied> {
            let rec = Records::<T>::get(record).ok_or(AccessDenied::UnknownRecord)?;
            Self::access_to(&rec, record, who)
        }

        fn access_to(
            rec: &RecordOf<T>,
            record: RecordId,
            who: &T::AccountId,
        ) -> Result<Access<BlockNumberFor<T>>, AccessDenied> {
            if &rec.patient == who {
                return Ok(Access::Patient);
            }
            // The author reads their own version while they still work for the custodian.
            if &rec.author == who && Self::is_clinician(rec.custodian, who) {
                return Ok(Access::Custodian);
            }
            let grant = Grants::<T>::get(record, who).ok_or(AccessDenied::NoGrant)?;
            let now = frame_system::Pallet::<T>::block_number();
            ensure!(grant.expires_at > now, AccessDenied::Expired);
            if grant.basis == GrantBasis::RecordType {
                let effective = TypeGrants::<T>::get(&rec.patient, (rec.record_type, who.clone()))
                    .is_some_and(|tg| tg.expires_at > now);
                ensure!(effective, AccessDenied::TypeGrantEnded);
            }
            Ok(Access::Granted {
                basis: grant.basis,
                until: grant.expires_at,
            })
        }

        /// Checks that `entry` is in the anchored batch with root `root`.
        pub fn verify_inclusion(
            root: Sha256,
            entry: &IndexEntry<T::AccountId>,
            proof: &medchain_merkle::InclusionProof,
        ) -> Result<AnchorRef, ProofError> {
            let at = AnchorRoots::<T>::get(root).ok_or(ProofError::UnknownRoot)?;
            let anchor = Anchors::<T>::get(at.org, at.seq).ok_or(ProofError::UnknownRoot)?;
            ensure!(proof.leaves == anchor.count, ProofError::WrongBatchSize);
            let included =
                medchain_merkle::verify(&root, &entry.encode(), proof).map_err(|e| match e {
                    medchain_merkle::MerkleError::IndexOutOfRange => ProofError::IndexOutOfRange,
                    medchain_merkle::MerkleError::EmptyBatch
                    | medchain_merkle::MerkleError::TooManyLeaves => ProofError::WrongBatchSize,
                    medchain_merkle::MerkleError::WrongProofLength => ProofError::WrongProofLength,
                })?;
            ensure!(included, ProofError::NotIncluded);
            Ok(at)
        }

        /// Invariants: every record's CID is registered and its version links are consistent;
        /// every grant belongs to a record and the counters match the maps; organisations' member
        /// and admin counts match their members; every anchored root points at its anchor.
        pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
            let next_record = NextRecordId::<T>::get();
            for (id, rec) in Records::<T>::iter() {
                ensure!(id < next_record, "record id at or past NextRecordId");
                let info = pallet_ipfs_registry::Cids::<T>::get(&rec.cid)
                    .ok_or("record CID is not registered")?;
                ensure!(info.permanent, "record CID could be unregistered");
                ensure!(
                    PatientRecords::<T>::contains_key(&rec.patient, id),
                    "record missing from its patient's index"
                );
                match rec.previous {
                    None => ensure!(rec.version == 1, "first version is not 1"),
                    Some(prev) => {
                        let old = Records::<T>::get(prev).ok_or("amended record is missing")?;
                        ensure!(old.superseded_by == Some(id), "version link is not mutual");
                        ensure!(old.version.saturating_add(1) == rec.version, "version gap");
                    }
                }
                let grants = Grants::<T>::iter_prefix(id).count() as u32;
                ensure!(grants == GrantCount::<T>::get(id), "grant count mismatch");
                ensure!(grants <= T::MaxGrantsPerRecord::get(), "too many grants");
            }
            for (record, grantee, _) in Grants::<T>::iter() {
                ensure!(Records::<T>::contains_key(record), "grant without a record");
                ensure!(
                    GranteeGrants::<T>::contains_key(&grantee, record),
                    "grant missing from its grantee's index"
                );
            }
            for (grantee, record, ()) in GranteeGrants::<T>::iter() {
                ensure!(
                    Grants::<T>::contains_key(record, &grantee),
                    "grantee index entry without a grant"
                );
            }
            for (record, _) in GrantCount::<T>::iter() {
                ensure!(
                    Records::<T>::contains_key(record),
                    "grant count without a record"
                );
            }
            for (patient, count) in PatientRecordCount::<T>::iter() {
                let n = PatientRecords::<T>::iter_prefix(&patient).count() as u32;
                ensure!(n == count, "patient record count mismatch");
                ensure!(n <= T::MaxRecordsPerPatient::get(), "too many records");
            }
            for (patient, count) in TypeGrantCount::<T>::iter() {
                let n = TypeGrants::<T>::iter_prefix(&patient).count() as u32;
                ensure!(n == count, "type grant count mismatch");
                ensure!(
                    n <= T::MaxTypeGrantsPerPatient::get(),
                    "too many type grants"
                );
            }
            for (org, info) in Organisations::<T>::iter() {
                ensure!(
                    org < NextOrgId::<T>::get(),
                    "organisation id past NextOrgId"
                );
                let roles: alloc::vec::Vec<Role> =
                    Members::<T>::iter_prefix(org).map(|(_, r)| r).collect();
                ensure!(roles.len() as u32 == info.members, "member count mismatch");
                let admins = roles.iter().filter(|r| **r == Role::Admin).count() as u32;
                ensure!(admins == info.admins && admins > 0, "admin count mismatch");
                ensure!(info.members <= T::MaxMembers::get(), "too many members");
                let anchors = Anchors::<T>::iter_prefix(org).count() as u32;
                ensure!(anchors == info.anchors, "anchor count mismatch");
            }
            for (root, at) in AnchorRoots::<T>::iter() {
                let anchor = Anchors::<T>::get(at.org, at.seq).ok_or("root of no anchor")?;
                ensure!(anchor.root == root, "root points at another anchor");
            }
            for (id, origin) in Origins::<T>::iter() {
                let rec = Records::<T>::get(id).ok_or("origin of no record")?;
                ensure!(
                    rec.custodian == origin.org,
                    "imported by another organisation"
                );
                ensure!(
                    Anchors::<T>::contains_key(origin.org, origin.anchor),
                    "imported from no anchor"
                );
                ensure!(
                    Imported::<T>::get(origin.org, origin.record) == Some(id),
                    "origin not indexed"
                );
            }
            ensure!(
                Imported::<T>::iter().count() == Origins::<T>::iter().count(),
                "imported index and origins differ"
            );
            Ok(())
        }
    }
}

impl<T> From<ProofError> for Error<T> {
    fn from(e: ProofError) -> Self {
        match e {
            ProofError::UnknownRoot => Error::UnknownAnchor,
            ProofError::WrongBatchSize => Error::ProofBatchSizeMismatch,
            ProofError::IndexOutOfRange => Error::ProofIndexOutOfRange,
            ProofError::WrongProofLength => Error::WrongProofLength,
            ProofError::NotIncluded => Error::NotIncluded,
        }
    }
}
