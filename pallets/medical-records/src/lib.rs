//! # pallet-medical-records
//!
//! The consortium's index of medical records. The chain holds what lets hospitals find, share and
//! verify a record, never the record: pseudonymous accounts, coded record types, SHA-256 digests,
//! IPFS CIDs of ciphertext, data keys sealed to their readers, and an audit trail.
//!
//! - **Organisations** (hospitals) are registered by [`Config::OrganisationOrigin`]; their admins
//!   add clinicians and anchorers. Every account and organisation has a rotatable X25519 key.
//! - **Records**: a clinician of the custodian creates a record in one call that also registers
//!   its ciphertext CID in pallet-ipfs-registry, for a patient who authorised the custodian (a
//!   care relationship the patient grants and ends). An amendment is a new version linked to the
//!   latest one; nothing is overwritten.
//! - **Consent**: the patient grants one record (with its key sealed to the grantee) or all their
//!   records of a type until an expiry block, and revokes at will. Under a type grant the
//!   custodian shares each record's key. Expired grants stop working at once and are swept in
//!   idle block time. A clinician of the custodian can open a record in an emergency for
//!   [`Config::EmergencyDuration`] blocks, for a coded reason, a bounded number of times, and
//!   never again once the patient revoked an opening; it is audited and shown to the patient.
//! - **Audit**: every grant, revocation, emergency opening and logged read is an event and an
//!   entry of the record's complete [`AuditLog`], counted in [`Audit`]; no entry is dropped.
//! - **Deposits**: what a signed call leaves in state (grants, type grants, care relationships,
//!   keys, audit entries) holds a deposit from whoever caused it ([`HoldReason`]), returned when
//!   the item goes.
//! - **Batch anchors**: an organisation's anchorer submits the Merkle root of a batch of
//!   [`SealedEntry`]s from its private chain (patient and record type committed to, not shown);
//!   [`Pallet::verify_inclusion`] checks a proof, and an import indexes the record here under the
//!   patient's pseudonym on this chain.
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
pub mod traits;
pub mod types;
pub mod weights;
/// The inclusion proof of a batch anchor, as the runtime API takes it.
pub use medchain_merkle::InclusionProof;
pub use traits::OnAdminRemoved;
pub use types::*;
pub use weights::WeightInfo;

// The calls' bodies and the queries, by concern; the pallet's declarations stay below.
mod access;
mod anchors;
mod care;
mod consent;
mod deposits;
mod organisations;
mod records;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::Saturating;

/// The currency balance deposits are held in (pallet-ipfs-registry's currency).
pub type BalanceOf<T> = pallet_ipfs_registry::BalanceOf<T>;
/// A grant as stored for a runtime.
pub type GrantOf<T> =
    Grant<<T as frame_system::Config>::AccountId, BlockNumberFor<T>, BalanceOf<T>>;
/// A record-type grant as stored for a runtime.
pub type TypeGrantOf<T> = TypeGrant<BlockNumberFor<T>, BalanceOf<T>>;
/// A care relationship as stored for a runtime.
pub type CareOf<T> = CareRelationship<BlockNumberFor<T>, BalanceOf<T>>;
/// An audit entry as stored for a runtime.
pub type AuditEntryOf<T> = AuditEntry<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
/// A record as stored for a runtime.
pub type RecordOf<T> = Record<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_system::pallet_prelude::*;
    use pallet_ipfs_registry::{CidBytes, CidInput};
    use sp_runtime::traits::Zero;

    /// The version of this pallet's storage layout. Chains running today are at 0; a change of
    /// layout raises it together with its migration.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config:
        frame_system::Config + pallet_ipfs_registry::Config<RuntimeHoldReason: From<HoldReason>>
    {
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
        /// Most openings of one record by one clinician in an emergency.
        #[pallet::constant]
        type MaxEmergencyOpenings: Get<u32>;
        /// Most audit entries one runtime API call returns (a page of `audit_entries`, and the
        /// recent entries `audit` shows). The trail itself keeps every entry.
        #[pallet::constant]
        type MaxAuditPage: Get<u32>;
        /// The deposit part held per storage item a signed call leaves: a grant, a record-type
        /// grant, a care relationship, an encryption key, an audit entry.
        #[pallet::constant]
        type DepositBase: Get<BalanceOf<Self>>;
        /// The deposit part held per byte such an item stores.
        #[pallet::constant]
        type DepositPerByte: Get<BalanceOf<Self>>;
        /// Most grants the idle-time sweep looks at in one block.
        #[pallet::constant]
        type MaxSweep: Get<u32>;
        /// Most ranges of voided anchors one organisation keeps (each governance void adds one
        /// or merges into the last).
        #[pallet::constant]
        type MaxVoidedRanges: Get<u32>;
        /// Most records one `reseal_for_custodian` call re-seals.
        #[pallet::constant]
        type MaxReseal: Get<u32>;
        /// What else ends when an admin leaves its organisation (the runtime: the K-DPoS
        /// candidacy they stood for it).
        type OnAdminRemoved: OnAdminRemoved<Self::AccountId>;
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
    pub type Grants<T: Config> =
        StorageDoubleMap<_, Twox64Concat, RecordId, Blake2_128Concat, T::AccountId, GrantOf<T>>;

    /// The same grants by grantee: grantee, record -> (). A clinician's "shared with me" is one
    /// prefix read (runtime API `shared_with`) instead of a scan of every grant.
    #[pallet::storage]
    pub type GranteeGrants<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, RecordId, ()>;

    /// Number of grants per record.
    #[pallet::storage]
    pub type GrantCount<T> = StorageMap<_, Twox64Concat, RecordId, u32, ValueQuery>;

    /// Record-type grants: patient, (type tag, grantee) -> grant.
    #[pallet::storage]
    pub type TypeGrants<T: Config> = StorageDoubleMap<
        _,
        Blake2_128Concat,
        T::AccountId,
        Blake2_128Concat,
        (TypeTag, T::AccountId),
        TypeGrantOf<T>,
    >;

    /// Number of record-type grants per patient.
    #[pallet::storage]
    pub type TypeGrantCount<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

    /// Each record's audit counters (how many entries of each action [`AuditLog`] holds).
    #[pallet::storage]
    pub type Audit<T: Config> = StorageMap<_, Twox64Concat, RecordId, AuditTrail, ValueQuery>;

    /// Each record's complete audit trail: record, entry number (from 0) -> entry. No entry is
    /// ever dropped; each holds a deposit from whoever caused it.
    #[pallet::storage]
    pub type AuditLog<T: Config> =
        StorageDoubleMap<_, Twox64Concat, RecordId, Twox64Concat, u32, AuditEntryOf<T>>;

    /// Care relationships: patient, organisation -> since when the patient authorises the
    /// organisation to index records about them.
    #[pallet::storage]
    pub type CareRelationships<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, OrgId, CareOf<T>>;

    /// Emergency openings: record, clinician -> how often they opened it and whether the
    /// patient forbade them to again.
    #[pallet::storage]
    pub type EmergencyTallies<T: Config> =
        StorageDoubleMap<_, Twox64Concat, RecordId, Blake2_128Concat, T::AccountId, EmergencyTally>;

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

    /// Anchored roots of each organisation: organisation, root -> the anchor's sequence number.
    /// Keyed by organisation too, so that a root one organisation anchors (even one copied from
    /// another's pending anchor) never blocks or stands for another's.
    #[pallet::storage]
    pub type AnchorRoots<T> = StorageDoubleMap<_, Twox64Concat, OrgId, Identity, Sha256, u32>;

    /// Anchors governance voided, per organisation: sorted, disjoint ranges `[first, next)` of
    /// sequence numbers. A voided anchor stays in [`Anchors`] for the record, proves nothing, and
    /// its root may be anchored again.
    #[pallet::storage]
    pub type VoidedAnchors<T: Config> =
        StorageMap<_, Twox64Concat, OrgId, BoundedVec<(u32, u32), T::MaxVoidedRanges>, ValueQuery>;

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
                Pallet::<T>::insert_organisation(org, admin, Default::default());
                NextOrgId::<T>::put(org.saturating_add(1));
            }
        }
    }

    /// Why the pallet holds funds: the deposits of what signed calls leave in state.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A grant of one record (returned to whoever made it when it is revoked, replaced or
        /// swept).
        Grant,
        /// A record-type grant (returned when it is revoked or purged after it expired).
        TypeGrant,
        /// A care relationship (returned when the patient ends it).
        Care,
        /// A registered encryption key (rotating it holds nothing more).
        EncryptionKey,
        /// Audit entries and emergency tallies: kept for good, like the trail they are part of.
        Audit,
    }

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// An organisation was registered with its first admin.
        OrganisationRegistered {
            /// The new organisation's id.
            org: OrgId,
            /// Its first admin.
            admin: T::AccountId,
        },
        /// An admin added a member to an organisation.
        MemberAdded {
            /// The organisation.
            org: OrgId,
            /// The new member.
            who: T::AccountId,
            /// The member's role.
            role: Role,
        },
        /// An admin removed a member from an organisation.
        MemberRemoved {
            /// The organisation.
            org: OrgId,
            /// The removed member.
            who: T::AccountId,
        },
        /// An account set or rotated its X25519 public key.
        EncryptionKeySet {
            /// The account.
            who: T::AccountId,
            /// Its new key.
            key: EncryptionKey,
        },
        /// An admin set or rotated an organisation's X25519 public key.
        OrganisationKeySet {
            /// The organisation.
            org: OrgId,
            /// Its new key.
            key: EncryptionKey,
        },
        /// A record version was created (`previous` is set for an amendment).
        RecordCreated {
            /// The version's record id.
            record: RecordId,
            /// The patient the record is about.
            patient: T::AccountId,
            /// The organisation that keeps it.
            custodian: OrgId,
            /// The clinician who created this version.
            author: T::AccountId,
            /// The record type's tag (under the patient's type key with the custodian).
            type_tag: TypeTag,
            /// The ciphertext's CID in canonical binary form.
            cid: CidBytes,
            /// The version number: 1 for a new record, one more than `previous` for an amendment.
            version: u32,
            /// The version this one amends.
            previous: Option<RecordId>,
        },
        /// A grant of one record was made or replaced: by the patient (`grant_access`) or, under
        /// a record-type grant, by the custodian (`share_key`).
        AccessGranted {
            /// The record.
            record: RecordId,
            /// The record's patient.
            patient: T::AccountId,
            /// Who may read it.
            grantee: T::AccountId,
            /// Why: the patient's own grant, or a key shared under a record-type grant.
            basis: GrantBasis,
            /// The block from which the grant no longer works.
            expires_at: BlockNumberFor<T>,
        },
        /// The patient revoked a grant of one record (of any basis, emergency openings included).
        AccessRevoked {
            /// The record.
            record: RecordId,
            /// The record's patient, who revoked it.
            patient: T::AccountId,
            /// Who may no longer read it.
            grantee: T::AccountId,
        },
        /// The patient granted all their records of a type, or replaced such a grant.
        TypeAccessGranted {
            /// The patient.
            patient: T::AccountId,
            /// The tag of the record type granted.
            type_tag: TypeTag,
            /// Who may read the patient's records of that type once the custodian shares them.
            grantee: T::AccountId,
            /// The block from which the grant no longer works.
            expires_at: BlockNumberFor<T>,
        },
        /// The patient revoked a record-type grant; keys shared under it stopped working.
        TypeAccessRevoked {
            /// The patient.
            patient: T::AccountId,
            /// The record type's tag.
            type_tag: TypeTag,
            /// Who may no longer read the patient's records of that type.
            grantee: T::AccountId,
        },
        /// A clinician of the custodian opened a record in an emergency.
        EmergencyAccess {
            /// The record.
            record: RecordId,
            /// The record's patient.
            patient: T::AccountId,
            /// The clinician who opened it.
            clinician: T::AccountId,
            /// Why, as a coded purpose of use.
            reason: EmergencyReason,
            /// The block from which the opening no longer works.
            until: BlockNumberFor<T>,
        },
        /// A patient authorised an organisation to index records about them.
        CareGranted {
            /// The patient.
            patient: T::AccountId,
            /// The organisation.
            org: OrgId,
        },
        /// A patient ended an organisation's care relationship: it indexes no more records
        /// about them (the records it made stay, and so do the patient's grants of them).
        CareEnded {
            /// The patient.
            patient: T::AccountId,
            /// The organisation.
            org: OrgId,
        },
        /// An admin re-sealed the custodian's copy of the data key of records the organisation
        /// keeps (moving them to its new key).
        CustodianKeysResealed {
            /// The organisation.
            org: OrgId,
            /// How many records were re-sealed.
            records: u32,
        },
        /// An admin re-sealed the type keys of the organisation's care relationships (moving
        /// them to its new key).
        TypeKeysResealed {
            /// The organisation.
            org: OrgId,
            /// How many care relationships were re-sealed.
            count: u32,
        },
        /// A reader logged that they read a record.
        AccessLogged {
            /// The record.
            record: RecordId,
            /// The record's patient.
            patient: T::AccountId,
            /// Who read it.
            reader: T::AccountId,
        },
        /// The sweep removed an expired grant.
        GrantExpired {
            /// The record the grant was of.
            record: RecordId,
            /// Who held it.
            grantee: T::AccountId,
        },
        /// A record version of `org`'s private chain was proven anchored and indexed here as
        /// `record` (a `RecordCreated` event precedes this one).
        RecordImported {
            /// The record's id here.
            record: RecordId,
            /// The organisation that anchored it, its custodian here.
            org: OrgId,
            /// The sequence number, within `org`'s anchors, of the anchor it was proven in.
            anchor: u32,
            /// The record's id on the private chain.
            origin_record: RecordId,
        },
        /// An organisation anchored the Merkle root of a batch of its private chain's index
        /// entries.
        BatchAnchored {
            /// The organisation.
            org: OrgId,
            /// The anchor's sequence number within the organisation's anchors, from 0.
            seq: u32,
            /// The first private-chain block the batch covers.
            from: u64,
            /// The last private-chain block the batch covers.
            to: u64,
            /// How many index entries the batch has.
            count: u32,
            /// The Merkle root of the batch.
            root: Sha256,
        },
        /// Governance voided `org`'s anchors `first..next` (a bogus or runaway batch and all
        /// after it): they prove nothing from now on, and the organisation anchors again from the
        /// end of the anchor before them.
        AnchorsVoided {
            /// The organisation.
            org: OrgId,
            /// The first voided sequence number.
            first: u32,
            /// The sequence number after the last voided one (the next anchor's).
            next: u32,
            /// The last private-chain block still anchored (`None`: the next batch may start
            /// anywhere).
            anchored_to: Option<u64>,
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
        /// The key cannot receive sealed keys: it is all zero or another X25519 point of small
        /// order, to which a sealed key would open for anyone.
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
        /// The record has `MaxGrantsPerRecord` grants (expired ones count until they are swept).
        TooManyGrants,
        /// The patient has `MaxTypeGrantsPerPatient` record-type grants.
        TooManyTypeGrants,
        /// There is no such grant (never granted, revoked, or swept after it expired).
        NoGrant,
        /// The grant has expired (for `share_key`: the record-type grant has).
        GrantExpired,
        /// The record-type grant the key was shared under has ended.
        TypeGrantEnded,
        /// Only a clinician (or admin) of the custodian organisation may open a record in an
        /// emergency.
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
        /// The organisation has anchored this root already.
        RootAlreadyAnchored,
        /// The organisation has no anchor with this root.
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
        /// The import names another patient than the clear entry it proves (an entry anchored
        /// before spec 111 fixes the patient).
        ImportMismatch,
        /// An id counter is exhausted.
        Overflow,
        /// The anchor was voided by governance and proves nothing.
        AnchorVoided,
        /// The organisation has no anchor from this sequence number on that is not voided
        /// already.
        NothingToVoid,
        /// The anchor just before the first one to void is voided itself: void from the start
        /// of that voided range instead.
        VoidAdjoinsVoided,
        /// The organisation has as many voided ranges as it may keep.
        TooManyVoidedRanges,
        /// The patient has not authorised the organisation to index records about them: the
        /// patient calls `grant_care` first.
        NoCareRelationship,
        /// The patient authorises this organisation already.
        AlreadyInCare,
        /// The clinician has opened this record in an emergency `MaxEmergencyOpenings` times: a
        /// further reading needs the patient's grant.
        TooManyEmergencyOpenings,
        /// The patient revoked an emergency opening of this record by this clinician: they may
        /// not open it again.
        EmergencyVetoed,
        /// A re-seal names no record.
        NothingToReseal,
        /// The record is kept by another organisation: only its custodian re-seals its key.
        NotCustodian,
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

        fn integrity_test() {
            assert!(
                T::MaxMembers::get() > 0,
                "MaxMembers must not be zero: an organisation starts with its admin"
            );
            assert!(
                T::MaxRecordsPerPatient::get() > 0,
                "MaxRecordsPerPatient must not be zero: no record could be created"
            );
            assert!(
                T::MaxGrantsPerRecord::get() > 0,
                "MaxGrantsPerRecord must not be zero: no record could be shared or opened"
            );
            assert!(
                T::MaxTypeGrantsPerPatient::get() > 0,
                "MaxTypeGrantsPerPatient must not be zero: no record-type grant could be made"
            );
            assert!(
                !T::MaxGrantDuration::get().is_zero(),
                "MaxGrantDuration must not be zero: every expiry would be too far"
            );
            assert!(
                !T::EmergencyDuration::get().is_zero(),
                "EmergencyDuration must not be zero: an opening would end in its own block"
            );
            assert!(
                T::EmergencyDuration::get() <= T::MaxGrantDuration::get(),
                "EmergencyDuration must not exceed MaxGrantDuration: an opening the patient did \
                 not give would outlast any grant they can give"
            );
            assert!(
                T::MaxAuditPage::get() > 0,
                "MaxAuditPage must not be zero: no audit entry could be read"
            );
            assert!(
                T::MaxEmergencyOpenings::get() > 0,
                "MaxEmergencyOpenings must not be zero: no record could be opened in an emergency"
            );
            assert!(
                T::MaxSweep::get() > 0,
                "MaxSweep must not be zero: expired grants would hold their records' slots for good"
            );
            assert!(
                <T as Config>::WeightInfo::sweep(T::MaxSweep::get())
                    .all_lte(T::BlockWeights::get().max_block),
                "a sweep of MaxSweep grants must fit in a block, or on_idle never runs it"
            );
            // The sweep's cursor is a raw `Grants` key: pallet and item prefix (32), the record
            // (Twox64Concat: 8 + 8) and the grantee (Blake2_128Concat: 16 + its encoding). A
            // longer key than `SweepCursor` holds would restart every sweep from the start.
            let cursor =
                32 + 8 + RecordId::max_encoded_len() + 16 + T::AccountId::max_encoded_len();
            assert!(
                cursor <= 256,
                "a Grants key must fit in SweepCursor's 256 bytes: the AccountId is too long"
            );
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Registers an organisation with its first admin. Only [`Config::OrganisationOrigin`].
        ///
        /// Emits [`Event::OrganisationRegistered`].
        #[pallet::call_index(0)]
        #[pallet::weight(<T as Config>::WeightInfo::register_organisation())]
        pub fn register_organisation(origin: OriginFor<T>, admin: T::AccountId) -> DispatchResult {
            T::OrganisationOrigin::ensure_origin(origin)?;
            Self::do_register_organisation(admin)
        }

        /// An admin adds a member with a role.
        ///
        /// Emits [`Event::MemberAdded`].
        #[pallet::call_index(1)]
        #[pallet::weight(<T as Config>::WeightInfo::add_member())]
        pub fn add_member(
            origin: OriginFor<T>,
            org: OrgId,
            who: T::AccountId,
            role: Role,
        ) -> DispatchResult {
            let admin = ensure_signed(origin)?;
            Self::do_add_member(admin, org, who, role)
        }

        /// An admin removes a member; the last admin stays.
        ///
        /// Emits [`Event::MemberRemoved`].
        #[pallet::call_index(2)]
        #[pallet::weight(<T as Config>::WeightInfo::remove_member()
            .saturating_add(T::OnAdminRemoved::weight()))]
        pub fn remove_member(
            origin: OriginFor<T>,
            org: OrgId,
            who: T::AccountId,
        ) -> DispatchResult {
            let admin = ensure_signed(origin)?;
            Self::do_remove_member(admin, org, who)
        }

        /// Sets or rotates the caller's X25519 public key. Keys sealed to the old key stay as
        /// they are; new grants use the new key.
        ///
        /// Emits [`Event::EncryptionKeySet`].
        #[pallet::call_index(3)]
        #[pallet::weight(<T as Config>::WeightInfo::set_encryption_key())]
        pub fn set_encryption_key(origin: OriginFor<T>, key: EncryptionKey) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_set_encryption_key(who, key)
        }

        /// An admin sets or rotates the organisation's X25519 public key.
        ///
        /// Emits [`Event::OrganisationKeySet`].
        #[pallet::call_index(4)]
        #[pallet::weight(<T as Config>::WeightInfo::set_organisation_key())]
        pub fn set_organisation_key(
            origin: OriginFor<T>,
            org: OrgId,
            key: EncryptionKey,
        ) -> DispatchResult {
            let admin = ensure_signed(origin)?;
            Self::do_set_organisation_key(admin, org, key)
        }

        /// A clinician of `org` creates a record version for a patient who authorised `org`
        /// (`grant_care`): registers the ciphertext's CID (for good: it holds no deposit and
        /// cannot be unregistered) and indexes it. The record's type is given only as
        /// `type_tag`, under the patient's type key with `org` (the organisation's key service
        /// computes it), and as `sealed_type`, under the version's data key. With `previous`,
        /// it amends that version, which must be the latest of its chain. A new record is charged
        /// less than an amendment, which reads and writes the previous version too.
        ///
        /// Emits pallet-ipfs-registry's `CidRegistered` (or `CidClaimed`, if the CID was registered
        /// on its own before; nothing, if other records point at it already), then
        /// [`Event::RecordCreated`].
        #[pallet::call_index(5)]
        #[pallet::weight(match previous {
            None => <T as Config>::WeightInfo::create_record(),
            Some(_) => <T as Config>::WeightInfo::amend_record(),
        })]
        pub fn create_record(
            origin: OriginFor<T>,
            org: OrgId,
            patient: T::AccountId,
            type_tag: TypeTag,
            sealed_type: SealedType,
            plaintext_hash: Sha256,
            cid: CidInput,
            size: u64,
            previous: Option<RecordId>,
            key_for_patient: WrappedKey,
            key_for_custodian: WrappedKey,
        ) -> DispatchResult {
            let author = ensure_signed(origin)?;
            Self::do_create_record(
                author,
                org,
                patient,
                (type_tag, sealed_type),
                plaintext_hash,
                &cid,
                size,
                previous,
                [key_for_patient, key_for_custodian],
            )
        }

        /// The patient grants `grantee` access to one record until `expires_at`, with the data
        /// key sealed to the grantee's registered key. Granting again replaces the grant.
        ///
        /// Emits [`Event::AccessGranted`] (basis `Patient`).
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
            Self::do_grant_access(patient, record, grantee, expires_at, wrapped_key)
        }

        /// The patient revokes a grant of one record (any basis, emergency openings included).
        /// It stops working at once.
        ///
        /// Emits [`Event::AccessRevoked`].
        #[pallet::call_index(7)]
        #[pallet::weight(<T as Config>::WeightInfo::revoke_access())]
        pub fn revoke_access(
            origin: OriginFor<T>,
            record: RecordId,
            grantee: T::AccountId,
        ) -> DispatchResult {
            let patient = ensure_signed(origin)?;
            Self::do_revoke_access(patient, record, grantee)
        }

        /// The patient grants `grantee` access to all their records of a type until
        /// `expires_at`, naming the type by its tag (under the patient's type key with the
        /// records' custodian). The custodian then shares each record's key with `share_key`.
        /// Granting again replaces the grant. When the patient has `MaxTypeGrantsPerPatient`
        /// record-type grants already, their expired ones are removed first to make room.
        ///
        /// Emits [`Event::TypeAccessGranted`] (the expired grants removed emit nothing).
        #[pallet::call_index(8)]
        #[pallet::weight(<T as Config>::WeightInfo::grant_type_access())]
        pub fn grant_type_access(
            origin: OriginFor<T>,
            type_tag: TypeTag,
            grantee: T::AccountId,
            expires_at: BlockNumberFor<T>,
        ) -> DispatchResult {
            let patient = ensure_signed(origin)?;
            Self::do_grant_type_access(patient, type_tag, grantee, expires_at)
        }

        /// The patient revokes a record-type grant; keys shared under it stop working at once.
        ///
        /// Emits [`Event::TypeAccessRevoked`].
        #[pallet::call_index(9)]
        #[pallet::weight(<T as Config>::WeightInfo::revoke_type_access())]
        pub fn revoke_type_access(
            origin: OriginFor<T>,
            type_tag: TypeTag,
            grantee: T::AccountId,
        ) -> DispatchResult {
            let patient = ensure_signed(origin)?;
            Self::do_revoke_type_access(patient, type_tag, grantee)
        }

        /// A clinician of the custodian shares a record's key with a grantee who holds an
        /// effective grant of the record's type; the grant ends with the type grant.
        ///
        /// Emits [`Event::AccessGranted`] (basis `RecordType`).
        #[pallet::call_index(10)]
        #[pallet::weight(<T as Config>::WeightInfo::share_key())]
        pub fn share_key(
            origin: OriginFor<T>,
            record: RecordId,
            grantee: T::AccountId,
            wrapped_key: WrappedKey,
        ) -> DispatchResult {
            let clinician = ensure_signed(origin)?;
            Self::do_share_key(clinician, record, grantee, wrapped_key)
        }

        /// A clinician (or admin) of the custodian opens a record in an emergency for
        /// `EmergencyDuration` blocks, for a coded `reason`. At most `MaxEmergencyOpenings` times
        /// per clinician and record; never again once the patient revoked one. Always audited
        /// (the entry keeps the reason) and visible to the patient, who may revoke it.
        ///
        /// Emits [`Event::EmergencyAccess`].
        #[pallet::call_index(11)]
        #[pallet::weight(<T as Config>::WeightInfo::emergency_access())]
        pub fn emergency_access(
            origin: OriginFor<T>,
            record: RecordId,
            reason: EmergencyReason,
        ) -> DispatchResult {
            let clinician = ensure_signed(origin)?;
            Self::do_emergency_access(clinician, record, reason)
        }

        /// A reader logs that they read a record. Refused, with the reason, to anyone who may
        /// not read it now.
        ///
        /// Emits [`Event::AccessLogged`].
        #[pallet::call_index(12)]
        #[pallet::weight(<T as Config>::WeightInfo::log_access())]
        pub fn log_access(origin: OriginFor<T>, record: RecordId) -> DispatchResult {
            let reader = ensure_signed(origin)?;
            Self::do_log_access(reader, record)
        }

        /// An anchorer of `org` anchors the Merkle root of a batch of index entries covering
        /// private-chain blocks `from..=to`, which must start right after the organisation's last
        /// batch.
        ///
        /// Emits [`Event::BatchAnchored`].
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
            Self::do_anchor_batch(who, org, from, to, count, root)
        }

        /// A clinician of organisation `org` indexes here a record version from the
        /// organisation's private chain, proving with `proof` that its index `entry` is in a
        /// batch `org` anchored under `root` (see [`AnchoredEntry::leaf`]), for `patient` (their
        /// pseudonym here, who authorised `org`) with the type `type_tag` and `sealed_type`
        /// name (as for `create_record`). A sealed entry shows neither
        /// the private chain's patient nor the type, so the chain cannot check them: they are the
        /// importing clinician's word, as for a record they create here (the organisation's key
        /// service reseals the data key only to the patient the private record's patient named,
        /// but a clinician may submit the import with another patient, and the first import of a
        /// private record is the only one). A clear entry, anchored before spec 111, fixes both.
        /// The record gets a consortium id, its CID is registered, and its data key is sealed
        /// anew to the patient and to the organisation's key; from then on the patient can grant
        /// it to clinicians of other hospitals. The entry's custodian is the private chain's own
        /// organisation id: the custodian here is the organisation that anchored the batch.
        ///
        /// Emits pallet-ipfs-registry's `CidRegistered` (or `CidClaimed`, or nothing, as for
        /// `create_record`), [`Event::RecordCreated`], then
        /// [`Event::RecordImported`].
        #[pallet::call_index(14)]
        #[pallet::weight(<T as Config>::WeightInfo::import_record())]
        pub fn import_record(
            origin: OriginFor<T>,
            org: OrgId,
            root: Sha256,
            entry: AnchoredEntry<T::AccountId>,
            proof: medchain_merkle::InclusionProof,
            patient: T::AccountId,
            type_tag: TypeTag,
            sealed_type: SealedType,
            size: u64,
            key_for_patient: WrappedKey,
            key_for_custodian: WrappedKey,
        ) -> DispatchResult {
            let author = ensure_signed(origin)?;
            Self::do_import_record(
                author,
                org,
                root,
                entry,
                proof,
                patient,
                (type_tag, sealed_type),
                size,
                [key_for_patient, key_for_custodian],
            )
        }

        /// Governance voids `org`'s anchors from sequence number `first` on, and rewinds the
        /// organisation's anchored range to the end of anchor `first - 1`. This is the way out
        /// when an anchorer (compromised, or a relay pointed at the wrong chain) anchored a batch
        /// that is bogus or runs past the private chain (up to `to = u64::MAX`, after which no
        /// batch could follow): its relay then anchors the real blocks again. Voided anchors
        /// stay in storage, prove nothing, and do not undo records already imported from them.
        ///
        /// Emits [`Event::AnchorsVoided`].
        #[pallet::call_index(15)]
        #[pallet::weight(<T as Config>::WeightInfo::void_anchors())]
        pub fn void_anchors(origin: OriginFor<T>, org: OrgId, first: u32) -> DispatchResult {
            T::OrganisationOrigin::ensure_origin(origin)?;
            Self::do_void_anchors(org, first)
        }

        /// The patient authorises organisation `org` to index records about them: from then on
        /// its clinicians may create and import records under the patient's account. `type_key`
        /// is the patient's type key with `org` sealed to the organisation's key, with which its
        /// key service tags the records' types. Holds a deposit until the patient ends it.
        ///
        /// Emits [`Event::CareGranted`].
        #[pallet::call_index(16)]
        #[pallet::weight(<T as Config>::WeightInfo::grant_care())]
        pub fn grant_care(
            origin: OriginFor<T>,
            org: OrgId,
            type_key: WrappedKey,
        ) -> DispatchResult {
            let patient = ensure_signed(origin)?;
            Self::do_grant_care(patient, org, type_key)
        }

        /// The patient ends organisation `org`'s care relationship: it may index no further
        /// records about them. Records it made stay, as do the patient's grants of them.
        ///
        /// Emits [`Event::CareEnded`].
        #[pallet::call_index(17)]
        #[pallet::weight(<T as Config>::WeightInfo::end_care())]
        pub fn end_care(origin: OriginFor<T>, org: OrgId) -> DispatchResult {
            let patient = ensure_signed(origin)?;
            Self::do_end_care(patient, org)
        }

        /// An admin replaces the custodian's copy of the data key (`key_for_custodian`) of
        /// records the organisation keeps, each `(record, key)` the record's data key sealed to
        /// the organisation's current key. The organisation's key service makes them when its key
        /// moves (`medchain org rotate-key`); once every record is re-sealed, the old secret opens
        /// none. All or none; at most `MaxReseal` records per call.
        ///
        /// Emits [`Event::CustodianKeysResealed`].
        #[pallet::call_index(18)]
        #[pallet::weight(<T as Config>::WeightInfo::reseal_for_custodian(keys.len() as u32))]
        pub fn reseal_for_custodian(
            origin: OriginFor<T>,
            org: OrgId,
            keys: BoundedVec<(RecordId, WrappedKey), T::MaxReseal>,
        ) -> DispatchResult {
            let admin = ensure_signed(origin)?;
            Self::do_reseal_for_custodian(admin, org, keys)
        }

        /// An admin replaces the type keys of the organisation's care relationships, each
        /// `(patient, key)` the patient's type key sealed to the organisation's current key. The
        /// key service makes them when the organisation's key moves, with the records'
        /// `reseal_for_custodian`. All or none; at most `MaxReseal` per call.
        ///
        /// Emits [`Event::TypeKeysResealed`].
        #[pallet::call_index(19)]
        #[pallet::weight(<T as Config>::WeightInfo::reseal_type_keys(keys.len() as u32))]
        pub fn reseal_type_keys(
            origin: OriginFor<T>,
            org: OrgId,
            keys: BoundedVec<(T::AccountId, WrappedKey), T::MaxReseal>,
        ) -> DispatchResult {
            let admin = ensure_signed(origin)?;
            Self::do_reseal_type_keys(admin, org, keys)
        }
    }
}
