//! Each call: success, every error, no state change on failure (`assert_noop!` compares the
//! storage root), events; then expiry, emergency access, versioning, the sweep, anchors and a scan
//! of all storage for plaintext and free text.
//!
//! One file per concern, named as the source file it tests; this one holds the scene and the
//! helpers they share.

mod access;
mod anchors;
mod consent;
mod organisations;
mod privacy;
mod read_api;
mod records;

use crate::{mock::*, *};
use frame_support::{
    assert_noop, assert_ok,
    traits::{fungible::InspectHold, Hooks},
};
use pallet_ipfs_registry::CidInput;
use sp_runtime::DispatchError;

type E = Error<Test>;

/// Two record types' tags (the chain compares them, nothing more), and the first in clear, as an
/// entry anchored before spec 111 holds it.
const LAB: TypeTag = [0x1a; 32];
const IMAGING: TypeTag = [0x1b; 32];
const LAB_CODE: RecordType = RecordType {
    system: CodeSystem::Loinc,
    code: 115_063,
};
/// A type sealed under a record's data key: opaque to the chain.
const SEALED_TYPE: SealedType = [0x5e; SEALED_TYPE_LEN];
const ORG: OrgId = 0;

fn key(n: u8) -> EncryptionKey {
    [n; 32]
}

fn sealed(n: u8) -> WrappedKey {
    [n; WRAPPED_KEY_LEN]
}

/// A distinct valid CIDv1 (raw, sha2-256) in binary form.
fn cid(i: u8) -> CidInput {
    let mut bytes = vec![0x01, 0x55, 0x12, 0x20];
    bytes.extend_from_slice(&[i; 32]);
    CidInput::truncate_from(bytes)
}

fn digest(i: u8) -> Sha256 {
    [i.wrapping_add(100); 32]
}

fn check() {
    assert_ok!(Pallet::<Test>::do_try_state());
    assert_ok!(pallet_ipfs_registry::Pallet::<Test>::do_try_state());
}

fn last_event() -> RuntimeEvent {
    System::events()
        .pop()
        .map(|r| r.event)
        .unwrap_or_else(|| panic!("an event was deposited"))
}

fn go_to(n: u64) {
    System::set_block_number(n);
}

/// One hospital (admin, two clinicians, a relayer) with its key; keys for the patients, the
/// specialist of another hospital and the doctor; both patients in the hospital's care.
fn hospital() {
    assert_ok!(MedicalRecords::register_organisation(
        RuntimeOrigin::root(),
        ADMIN
    ));
    for (who, role) in [
        (DOCTOR, Role::Clinician),
        (COLLEAGUE, Role::Clinician),
        (RELAYER, Role::Anchorer),
    ] {
        assert_ok!(MedicalRecords::add_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            who,
            role
        ));
    }
    assert_ok!(MedicalRecords::set_organisation_key(
        RuntimeOrigin::signed(ADMIN),
        ORG,
        key(1)
    ));
    for (who, k) in [
        (PATIENT, 10),
        (OTHER_PATIENT, 11),
        (SPECIALIST, 20),
        (DOCTOR, 2),
    ] {
        assert_ok!(MedicalRecords::set_encryption_key(
            RuntimeOrigin::signed(who),
            key(k)
        ));
    }
    // Both patients are in the hospital's care.
    for patient in [PATIENT, OTHER_PATIENT] {
        assert_ok!(MedicalRecords::grant_care(
            RuntimeOrigin::signed(patient),
            ORG,
            sealed(40)
        ));
    }
}

/// A record version to submit: the doctor's record of the patient's lab result `i`, unless
/// changed.
struct NewRecord {
    author: u64,
    patient: u64,
    type_tag: TypeTag,
    plaintext_hash: Sha256,
    cid: CidInput,
    size: u64,
    previous: Option<RecordId>,
}

impl NewRecord {
    fn of(i: u8) -> Self {
        NewRecord {
            author: DOCTOR,
            patient: PATIENT,
            type_tag: LAB,
            plaintext_hash: digest(i),
            cid: cid(i),
            size: 1_000,
            previous: None,
        }
    }

    fn amends(self, previous: RecordId) -> Self {
        NewRecord {
            previous: Some(previous),
            ..self
        }
    }

    fn submit(self) -> frame_support::dispatch::DispatchResult {
        MedicalRecords::create_record(
            RuntimeOrigin::signed(self.author),
            ORG,
            self.patient,
            self.type_tag,
            SEALED_TYPE,
            self.plaintext_hash,
            self.cid,
            self.size,
            self.previous,
            sealed(10),
            sealed(1),
        )
    }
}

fn create(i: u8, previous: Option<RecordId>) -> RecordId {
    let id = NextRecordId::<Test>::get();
    let new = NewRecord::of(i);
    assert_ok!(match previous {
        Some(p) => new.amends(p),
        None => new,
    }
    .submit());
    id
}

fn create_as(author: u64, patient: u64, i: u8) -> frame_support::dispatch::DispatchResult {
    NewRecord {
        author,
        patient,
        ..NewRecord::of(i)
    }
    .submit()
}

/// `who` opens `record` in an emergency, for emergency treatment.
fn emergency(who: u64, record: RecordId) -> frame_support::dispatch::DispatchResult {
    MedicalRecords::emergency_access(
        RuntimeOrigin::signed(who),
        record,
        EmergencyReason::EmergencyTreatment,
    )
}

/// `who` gives away all but one unit: too little for any deposit.
fn spend_all_but_one(who: u64) {
    use frame_support::traits::{fungible::Mutate, tokens::Preservation};
    let spare = Balances::free_balance(who) - 1;
    assert_ok!(<Balances as Mutate<u64>>::transfer(
        &who,
        &STRANGER,
        spare,
        Preservation::Expendable
    ));
}

fn grant(record: RecordId, grantee: u64, expires_at: u64) {
    assert_ok!(MedicalRecords::grant_access(
        RuntimeOrigin::signed(PATIENT),
        record,
        grantee,
        expires_at,
        sealed(20)
    ));
}
