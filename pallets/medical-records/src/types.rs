//! What the chain stores about organisations, records, grants, audits and anchors.
//!
//! Every field is an identifier, a number, a hash, a CID or ciphertext; there is deliberately no
//! free-text field anywhere (see the storage scan in `tests/privacy.rs`).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use pallet_ipfs_registry::CidBytes;
use scale_info::TypeInfo;

/// Identifier of an organisation (a hospital), assigned in registration order.
pub type OrgId = u32;
/// Identifier of a record version, assigned in creation order.
pub type RecordId = u64;
/// An X25519 public key.
pub type EncryptionKey = [u8; 32];

/// Whether `key` can receive sealed keys: an X25519 public key not of small order. Sealing to a
/// point of small order (on the curve or its twist, in any encoding; the all-zero key is one)
/// gives the all-zero shared secret whatever the sender's secret, so anyone could open it.
pub fn is_sealable_key(key: &EncryptionKey) -> bool {
    // Every clamped X25519 scalar is a multiple of the cofactor 8, so it sends exactly the points
    // of small order to zero; which scalar does not matter.
    curve25519_dalek::montgomery::MontgomeryPoint(*key)
        .mul_clamped([0x55; 32])
        .to_bytes()
        != [0u8; 32]
}
/// A SHA-256 digest.
pub type Sha256 = [u8; 32];

/// Length of a wrapped data key: a sealed box of the 32-byte data key, in the format
/// `docs/formats.md` specifies ("Sealed key") and whose vectors the CLI and the portal pass. A
/// fixed length means this field can only ever hold a sealed key, never free text.
pub const WRAPPED_KEY_LEN: usize = 80;
/// A data key sealed to one recipient's X25519 key.
pub type WrappedKey = [u8; WRAPPED_KEY_LEN];

/// A record type as the chain knows it: HMAC-SHA256, under a key the patient shares with the
/// record's custodian (the care relationship's type key), of the coded type (`docs/formats.md`,
/// "Type tags"). Records of one type of one patient at one custodian carry the same tag, so that a
/// record-type grant still finds them; nobody without the key learns the type, nor links tags of
/// two patients, or of one patient at two hospitals.
pub type TypeTag = [u8; 32];

/// Length of a sealed type: the 9-byte SCALE [`RecordType`] under ChaCha20-Poly1305 with a key
/// derived from the record's data key (`docs/formats.md`, "Sealed types"). A fixed length means
/// the field can only hold that ciphertext.
pub const SEALED_TYPE_LEN: usize = 25;
/// A record's coded type, readable by whoever holds the record's data key.
pub type SealedType = [u8; SEALED_TYPE_LEN];

/// The coding system a record type is taken from.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Ord,
    PartialOrd,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum CodeSystem {
    /// LOINC, the code's digits with its check digit (`11506-3` is 115063).
    Loinc,
    /// SNOMED CT concept id.
    Snomed,
    /// A consortium-wide local code list.
    Local,
}

/// A coded record type: a code from a coding system, never a description. The chain stores it
/// only as a [`TypeTag`] and a [`SealedType`]; clients and clear anchored entries (before spec
/// 111) carry it in clear.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Ord,
    PartialOrd,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct RecordType {
    pub system: CodeSystem,
    pub code: u64,
}

/// What a member of an organisation may do.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum Role {
    /// Manages members and the organisation's key; may also do what the others do.
    Admin,
    /// Creates and amends records; may open a record of the organisation in an emergency.
    Clinician,
    /// Submits the organisation's batch anchors (the relayer's account).
    Anchorer,
}

/// A registered organisation.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Organisation<BlockNumber> {
    /// The organisation's X25519 key: record data keys are wrapped to it as custodian.
    pub key: Option<EncryptionKey>,
    /// Number of members.
    pub members: u32,
    /// Number of members with the admin role (never zero).
    pub admins: u32,
    /// Number of batch anchors submitted.
    pub anchors: u32,
    /// Last private-chain block covered by an anchor; the next batch starts after it.
    pub anchored_to: Option<u64>,
    /// Block of registration.
    pub registered_at: BlockNumber,
}

/// One version of a record. Amendments create a new version linked to the previous one; the only
/// field that ever changes is `superseded_by`, set once.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Record<AccountId, BlockNumber> {
    /// The patient's pseudonymous account.
    pub patient: AccountId,
    /// The organisation that holds the record.
    pub custodian: OrgId,
    /// The clinician who created this version.
    pub author: AccountId,
    /// The record type's tag under the patient's type key with the custodian: equal for the
    /// patient's records of one type there, meaningless to anyone else.
    pub type_tag: TypeTag,
    /// The record type sealed under the version's data key, for its readers.
    pub sealed_type: SealedType,
    /// A commitment to the plaintext that readers check after decryption: HMAC-SHA256 under a
    /// key derived from the record's data key (`docs/formats.md`), so nobody without the key can
    /// confirm a guessed document with it. Records made before commitments hold a plain SHA-256.
    pub plaintext_hash: Sha256,
    /// CID of the ciphertext in IPFS, registered in pallet-ipfs-registry.
    pub cid: CidBytes,
    /// 1 for a new record, previous version + 1 for an amendment.
    pub version: u32,
    pub previous: Option<RecordId>,
    pub superseded_by: Option<RecordId>,
    pub created_at: BlockNumber,
    /// The data key sealed to the patient's key.
    pub key_for_patient: WrappedKey,
    /// The data key sealed to the custodian organisation's key.
    pub key_for_custodian: WrappedKey,
}

/// Why a grantee may read a record.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum GrantBasis {
    /// The patient granted this record.
    Patient,
    /// The patient granted all records of this type; the custodian shared this record's key.
    RecordType,
    /// A clinician of the custodian opened the record in an emergency.
    Emergency,
}

/// Access of one grantee to one record, effective until `expires_at` (exclusive).
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Grant<AccountId, BlockNumber, Balance> {
    pub basis: GrantBasis,
    pub granted_at: BlockNumber,
    pub expires_at: BlockNumber,
    /// The data key sealed to the grantee; none for an emergency opening (the clinician's
    /// organisation holds the key as custodian).
    pub wrapped_key: Option<WrappedKey>,
    /// Who made the grant and holds its deposit: the patient, the clinician who shared the key,
    /// or the clinician who opened the record in an emergency.
    pub depositor: AccountId,
    /// The deposit held from `depositor` until the grant is revoked, replaced or swept.
    pub deposit: Balance,
}

/// A patient's grant of all their records of one type, effective until `expires_at` (exclusive).
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct TypeGrant<BlockNumber, Balance> {
    pub granted_at: BlockNumber,
    pub expires_at: BlockNumber,
    /// The deposit held from the patient until the grant is revoked or purged after it expired.
    pub deposit: Balance,
}

/// A patient's authorisation of an organisation to index records about them (a care
/// relationship): without one, the organisation's clinicians cannot create or import records
/// under the patient's account.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct CareRelationship<BlockNumber, Balance> {
    /// The block the patient authorised the organisation in.
    pub since: BlockNumber,
    /// The patient's type key here, sealed to the organisation's key (its key service computes
    /// the [`TypeTag`]s of the records it indexes about the patient with it).
    pub type_key: WrappedKey,
    /// The deposit held from the patient until they end it.
    pub deposit: Balance,
}

/// Why a clinician opens a record in an emergency: a purpose of use from HL7's
/// `v3-PurposeOfUse` code system (the code each variant stands for is in its doc), so that
/// audit systems and FHIR `AuditEvent.purposeOfEvent` read it without a mapping table.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum EmergencyReason {
    /// `ETREAT`: emergency treatment.
    EmergencyTreatment,
    /// `BTG`: break the glass, access beyond the clinician's usual rights.
    BreakTheGlass,
    /// `DISASTER`: a disaster or mass-casualty event.
    Disaster,
    /// `THREAT`: to prevent a serious threat to the patient's or others' health or safety.
    Threat,
    /// `PUBHLTH`: a public health duty.
    PublicHealth,
}

/// How often one clinician opened one record in an emergency, and whether the patient forbade
/// them to again (by revoking an opening).
#[derive(
    Clone,
    Copy,
    Default,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct EmergencyTally {
    /// Openings so far; at most `MaxEmergencyOpenings`.
    pub openings: u32,
    /// The patient revoked one of them: this clinician may not open the record again.
    pub vetoed: bool,
}

/// What happened to a record, as the audit trail keeps it.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum AuditAction {
    Granted,
    Revoked,
    EmergencyOpened,
    Accessed,
}

/// One audit entry: who did what, when, and for an emergency opening why.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct AuditEntry<AccountId, BlockNumber> {
    pub who: AccountId,
    pub action: AuditAction,
    pub at: BlockNumber,
    /// The coded reason of an emergency opening; none for every other action.
    pub reason: Option<EmergencyReason>,
}

/// A record's audit counters: how many entries of each action its trail holds. The entries
/// themselves are in `AuditLog`, numbered from 0 in the order they happened; none is ever
/// dropped.
#[derive(
    Clone,
    Copy,
    Default,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct AuditTrail {
    pub grants: u32,
    pub revocations: u32,
    pub emergency_openings: u32,
    pub accesses: u32,
}

impl AuditTrail {
    /// How many entries the trail holds: the next entry's number.
    pub fn entries(&self) -> u32 {
        self.grants
            .saturating_add(self.revocations)
            .saturating_add(self.emergency_openings)
            .saturating_add(self.accesses)
    }
}

/// A batch anchor: the Merkle root of index entries from a range of an organisation's private
/// chain.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Anchor<AccountId, BlockNumber> {
    /// First and last private-chain block of the batch.
    pub from: u64,
    pub to: u64,
    /// Number of entries (leaves) in the batch.
    pub count: u32,
    pub root: Sha256,
    pub anchored_by: AccountId,
    pub anchored_at: BlockNumber,
}

/// Where an anchored root is: its organisation and sequence number.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct AnchorRef {
    pub org: OrgId,
    pub seq: u32,
}

/// Where an imported record comes from: a version indexed on an organisation's private chain and
/// proven, when it was imported, to be in one of that organisation's anchored batches.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Eq,
    PartialEq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct RecordOrigin {
    /// The organisation that anchored the batch (the record's custodian here).
    pub org: OrgId,
    /// The anchor's sequence number.
    pub anchor: u32,
    /// The record's id on the private chain.
    pub record: RecordId,
    /// Its version there.
    pub version: u32,
}

/// The index entry of one record version as batch anchors committed to it before spec 111, with
/// the patient and the record type in clear. Imports still accept it (see [`AnchoredEntry`]);
/// relays now anchor [`SealedEntry`]s.
///
/// Its leaf is [`anchor_leaf`]; the relayer builds it from the private chain's records, and a
/// verifier rebuilds it from a record.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct IndexEntry<AccountId> {
    pub record: RecordId,
    pub patient: AccountId,
    pub custodian: OrgId,
    pub record_type: RecordType,
    pub plaintext_hash: Sha256,
    pub cid: CidBytes,
    pub version: u32,
    pub previous: Option<RecordId>,
}

/// The leaf of `entry` in a batch organisation `org` anchors: SCALE `(org, entry)`. Binding the
/// organisation means that a batch proves entries only for the organisation that anchored it: a
/// root copied from another organisation's pending anchor verifies nothing for the copier.
pub fn anchor_leaf<AccountId: Encode>(
    org: OrgId,
    entry: &IndexEntry<AccountId>,
) -> alloc::vec::Vec<u8> {
    (org, entry).encode()
}

/// The index entry of one record version as batch anchors commit to it: what an import shows the
/// consortium chain. The patient and the record type stay on the private chain: `subject` commits
/// to them, so that a proof (served by the relay, sent in an import) names neither, and the
/// consortium record is indexed under the patient's own pseudonym there.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct SealedEntry {
    pub record: RecordId,
    /// The private chain's own organisation id of the custodian.
    pub custodian: OrgId,
    /// SHA-256 of `"medchain/anchor-subject/v2"` ‖ SCALE(patient) ‖ the record's type tag ‖ its
    /// `key_for_patient` (`docs/formats.md`, "Anchor leaves"). The sealed key is random and on
    /// the private chain only, so nobody who cannot read that chain confirms a guessed patient
    /// with it.
    pub subject: Sha256,
    pub plaintext_hash: Sha256,
    pub cid: CidBytes,
    pub version: u32,
    pub previous: Option<RecordId>,
}

/// What begins a [`SealedEntry`]'s leaf after the organisation, so that it never reads as an
/// [`IndexEntry`]'s (whose record id would have to spell these bytes).
pub const SEALED_LEAF_TAG: [u8; 16] = *b"medchain/leaf/v2";

/// An index entry proven by a batch anchor, in either format relays have anchored.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum AnchoredEntry<AccountId> {
    /// Anchored before spec 111: the patient and the record type in clear.
    Clear(IndexEntry<AccountId>),
    /// Anchored since spec 111: the patient and the record type committed to.
    Sealed(SealedEntry),
}

impl<AccountId: Encode> AnchoredEntry<AccountId> {
    /// This entry's leaf in a batch organisation `org` anchors: [`anchor_leaf`] for a clear
    /// entry, SCALE `(org, SEALED_LEAF_TAG, entry)` for a sealed one.
    pub fn leaf(&self, org: OrgId) -> alloc::vec::Vec<u8> {
        match self {
            Self::Clear(entry) => anchor_leaf(org, entry),
            Self::Sealed(entry) => (org, SEALED_LEAF_TAG, entry).encode(),
        }
    }

    /// The private chain's id of the record version this entry is about.
    pub fn record(&self) -> RecordId {
        match self {
            Self::Clear(entry) => entry.record,
            Self::Sealed(entry) => entry.record,
        }
    }
}

impl<A: Clone, B> Record<A, B> {
    /// This version's index entry in the clear format, given its clear type (which the record
    /// holds only sealed).
    pub fn index_entry(&self, record: RecordId, record_type: RecordType) -> IndexEntry<A> {
        IndexEntry {
            record,
            patient: self.patient.clone(),
            custodian: self.custodian,
            record_type,
            plaintext_hash: self.plaintext_hash,
            cid: self.cid.clone(),
            version: self.version,
            previous: self.previous,
        }
    }
}

/// Why someone may read a record now (runtime API answer).
#[derive(Clone, Copy, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub enum Access<BlockNumber> {
    /// The reader is the patient.
    Patient,
    /// The reader is a member of the custodian organisation.
    Custodian,
    /// The reader holds a grant, effective until the block given.
    Granted {
        basis: GrantBasis,
        until: BlockNumber,
    },
}

/// Why someone may not read a record now (runtime API answer).
#[derive(Clone, Copy, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub enum AccessDenied {
    UnknownRecord,
    /// No grant (never granted, or revoked).
    NoGrant,
    /// The grant expired.
    Expired,
    /// The record-type grant the key was shared under has expired or was revoked.
    TypeGrantEnded,
    /// An emergency opening of a clinician who has since left the record's custodian (removed
    /// from the organisation): it ended with their membership.
    LeftCustodian,
}

/// Why an inclusion proof was refused (runtime API answer).
#[derive(Clone, Copy, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub enum ProofError {
    /// No anchor has this root.
    UnknownRoot,
    /// The proof's batch size is not the anchored count.
    WrongBatchSize,
    /// The proof's index is outside the batch.
    IndexOutOfRange,
    /// The proof has the wrong number of sibling hashes.
    WrongProofLength,
    /// The proof is well formed but does not lead to the root: the entry is not in the batch.
    NotIncluded,
    /// The anchor with this root was voided by governance.
    Voided,
}
