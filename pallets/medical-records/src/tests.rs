//! Each call: success, every error, no state change on failure (`assert_noop!` compares the
//! storage root), events; then expiry, emergency access, versioning, the sweep, anchors and a scan
//! of all storage for plaintext and free text.

use crate::{mock::*, *};
use frame_support::{
    assert_noop, assert_ok,
    traits::{fungible::InspectHold, Hooks},
};
use pallet_ipfs_registry::CidInput;
use sp_runtime::DispatchError;

type E = Error<Test>;

const LAB: RecordType = RecordType {
    system: CodeSystem::Loinc,
    code: 115_063,
};
const IMAGING: RecordType = RecordType {
    system: CodeSystem::Snomed,
    code: 363_679_005,
};
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
/// specialist of another hospital and the doctor.
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
}

/// A record version to submit: the doctor's record of the patient's lab result `i`, unless
/// changed.
struct NewRecord {
    author: u64,
    patient: u64,
    record_type: RecordType,
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
            record_type: LAB,
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
            self.record_type,
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

fn grant(record: RecordId, grantee: u64, expires_at: u64) {
    assert_ok!(MedicalRecords::grant_access(
        RuntimeOrigin::signed(PATIENT),
        record,
        grantee,
        expires_at,
        sealed(20)
    ));
}

// ---- organisations and keys ----

#[test]
fn register_organisation_needs_the_origin_and_makes_the_first_admin() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            MedicalRecords::register_organisation(RuntimeOrigin::signed(ADMIN), ADMIN),
            DispatchError::BadOrigin
        );
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            ADMIN
        ));
        assert_eq!(
            last_event(),
            Event::OrganisationRegistered {
                org: 0,
                admin: ADMIN
            }
            .into()
        );
        assert_eq!(Members::<Test>::get(0, ADMIN), Some(Role::Admin));
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            STRANGER
        ));
        assert_eq!(NextOrgId::<Test>::get(), 2);
        let org = Organisations::<Test>::get(1).unwrap_or_else(|| panic!("registered"));
        assert_eq!((org.members, org.admins, org.key), (1, 1, None));
        check();
    });
}

#[test]
fn add_member_by_admin_within_bounds() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            MedicalRecords::add_member(RuntimeOrigin::signed(ADMIN), ORG, DOCTOR, Role::Clinician),
            E::UnknownOrganisation
        );
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            ADMIN
        ));
        assert_ok!(MedicalRecords::add_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            DOCTOR,
            Role::Clinician
        ));
        assert_eq!(
            last_event(),
            Event::MemberAdded {
                org: ORG,
                who: DOCTOR,
                role: Role::Clinician
            }
            .into()
        );
        assert_noop!(
            MedicalRecords::add_member(
                RuntimeOrigin::signed(DOCTOR),
                ORG,
                COLLEAGUE,
                Role::Clinician
            ),
            E::NotAdmin
        );
        assert_noop!(
            MedicalRecords::add_member(RuntimeOrigin::signed(ADMIN), ORG, DOCTOR, Role::Admin),
            E::AlreadyMember
        );
        assert_ok!(MedicalRecords::add_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            COLLEAGUE,
            Role::Admin
        ));
        assert_ok!(MedicalRecords::add_member(
            RuntimeOrigin::signed(COLLEAGUE),
            ORG,
            RELAYER,
            Role::Anchorer
        ));
        // MaxMembers = 4.
        assert_noop!(
            MedicalRecords::add_member(
                RuntimeOrigin::signed(ADMIN),
                ORG,
                STRANGER,
                Role::Clinician
            ),
            E::TooManyMembers
        );
        let org = Organisations::<Test>::get(ORG).unwrap_or_else(|| panic!("registered"));
        assert_eq!((org.members, org.admins), (4, 2));
        check();
    });
}

#[test]
fn remove_member_keeps_the_last_admin() {
    new_test_ext().execute_with(|| {
        hospital();
        assert_noop!(
            MedicalRecords::remove_member(RuntimeOrigin::signed(DOCTOR), ORG, COLLEAGUE),
            E::NotAdmin
        );
        assert_noop!(
            MedicalRecords::remove_member(RuntimeOrigin::signed(ADMIN), ORG, STRANGER),
            E::NotMember
        );
        assert_noop!(
            MedicalRecords::remove_member(RuntimeOrigin::signed(ADMIN), ORG, ADMIN),
            E::LastAdmin
        );
        assert_ok!(MedicalRecords::remove_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            COLLEAGUE
        ));
        assert_eq!(
            last_event(),
            Event::MemberRemoved {
                org: ORG,
                who: COLLEAGUE
            }
            .into()
        );
        assert_eq!(Members::<Test>::get(ORG, COLLEAGUE), None);
        check();
    });
}

#[test]
fn encryption_keys_are_set_and_rotated_but_never_zero() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            MedicalRecords::set_encryption_key(RuntimeOrigin::signed(PATIENT), [0; 32]),
            E::InvalidEncryptionKey
        );
        assert_ok!(MedicalRecords::set_encryption_key(
            RuntimeOrigin::signed(PATIENT),
            key(7)
        ));
        assert_ok!(MedicalRecords::set_encryption_key(
            RuntimeOrigin::signed(PATIENT),
            key(8)
        ));
        assert_eq!(EncryptionKeys::<Test>::get(PATIENT), Some(key(8)));
        assert_eq!(
            last_event(),
            Event::EncryptionKeySet {
                who: PATIENT,
                key: key(8)
            }
            .into()
        );

        assert_noop!(
            MedicalRecords::set_organisation_key(RuntimeOrigin::signed(ADMIN), ORG, key(1)),
            E::UnknownOrganisation
        );
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            ADMIN
        ));
        assert_noop!(
            MedicalRecords::set_organisation_key(RuntimeOrigin::signed(PATIENT), ORG, key(1)),
            E::NotAdmin
        );
        assert_noop!(
            MedicalRecords::set_organisation_key(RuntimeOrigin::signed(ADMIN), ORG, [0; 32]),
            E::InvalidEncryptionKey
        );
        assert_ok!(MedicalRecords::set_organisation_key(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            key(1)
        ));
        assert_eq!(
            last_event(),
            Event::OrganisationKeySet {
                org: ORG,
                key: key(1)
            }
            .into()
        );
        check();
    });
}

// ---- records and versions ----

#[test]
fn create_record_indexes_it_and_registers_its_cid_with_a_deposit() {
    new_test_ext().execute_with(|| {
        hospital();
        let id = create(1, None);
        let rec = Records::<Test>::get(id).unwrap_or_else(|| panic!("created"));
        assert_eq!(
            (
                rec.patient,
                rec.custodian,
                rec.author,
                rec.version,
                rec.previous
            ),
            (PATIENT, ORG, DOCTOR, 1, None)
        );
        assert_eq!(rec.plaintext_hash, digest(1));
        assert_eq!(rec.cid.to_vec(), cid(1).to_vec());
        let info = pallet_ipfs_registry::Cids::<Test>::get(&rec.cid)
            .unwrap_or_else(|| panic!("CID registered in the same call"));
        assert_eq!(
            (info.owner, info.size, info.deposit, info.permanent),
            (DOCTOR, 1_000, 0, true)
        );
        // Permanent: no deposit is held, since it could never be returned.
        assert_eq!(
            Balances::balance_on_hold(
                &RuntimeHoldReason::Registry(pallet_ipfs_registry::HoldReason::CidDeposit),
                &DOCTOR
            ),
            0
        );
        assert!(PatientRecords::<Test>::contains_key(PATIENT, id));
        // The record's ciphertext stays registered: its owner cannot unregister it.
        assert_noop!(
            Registry::unregister(RuntimeOrigin::signed(DOCTOR), cid(1)),
            pallet_ipfs_registry::Error::<Test>::CidInUse
        );
        assert_eq!(
            last_event(),
            Event::RecordCreated {
                record: id,
                patient: PATIENT,
                custodian: ORG,
                author: DOCTOR,
                record_type: LAB,
                cid: rec.cid.clone(),
                version: 1,
                previous: None,
            }
            .into()
        );
        check();
    });
}

#[test]
fn create_record_refuses_bad_input_and_changes_nothing() {
    new_test_ext().execute_with(|| {
        assert_noop!(create_as(DOCTOR, PATIENT, 1), E::UnknownOrganisation);
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            ADMIN
        ));
        assert_ok!(MedicalRecords::add_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            DOCTOR,
            Role::Clinician
        ));
        assert_ok!(MedicalRecords::add_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            RELAYER,
            Role::Anchorer
        ));
        assert_noop!(create_as(DOCTOR, PATIENT, 1), E::OrganisationHasNoKey);
        assert_ok!(MedicalRecords::set_organisation_key(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            key(1)
        ));
        assert_noop!(create_as(STRANGER, PATIENT, 1), E::NotClinician);
        assert_noop!(create_as(RELAYER, PATIENT, 1), E::NotClinician);
        assert_noop!(create_as(DOCTOR, PATIENT, 1), E::UnknownPatient);
        assert_ok!(MedicalRecords::set_encryption_key(
            RuntimeOrigin::signed(PATIENT),
            key(10)
        ));
        assert_noop!(
            NewRecord {
                plaintext_hash: [0; 32],
                ..NewRecord::of(1)
            }
            .submit(),
            E::InvalidPlaintextHash
        );
        assert_noop!(
            NewRecord {
                cid: CidInput::truncate_from(b"bafy-not-a-cid".to_vec()),
                ..NewRecord::of(1)
            }
            .submit(),
            pallet_ipfs_registry::Error::<Test>::CidMalformed
        );
        assert_ok!(create_as(DOCTOR, PATIENT, 1));
        assert_noop!(
            create_as(DOCTOR, PATIENT, 1),
            pallet_ipfs_registry::Error::<Test>::AlreadyRegistered
        );
        assert_ok!(create_as(DOCTOR, PATIENT, 2));
        assert_ok!(create_as(DOCTOR, PATIENT, 3));
        // MaxRecordsPerPatient = 3.
        assert_noop!(create_as(DOCTOR, PATIENT, 4), E::TooManyRecords);
        check();
    });
}

#[test]
fn amendments_form_a_version_chain_and_overwrite_nothing() {
    new_test_ext().execute_with(|| {
        hospital();
        let v1 = create(1, None);
        let before = Records::<Test>::get(v1).unwrap_or_else(|| panic!("created"));
        go_to(5);
        let v2 = create(2, Some(v1));
        let first = Records::<Test>::get(v1).unwrap_or_else(|| panic!("kept"));
        let second = Records::<Test>::get(v2).unwrap_or_else(|| panic!("created"));
        assert_eq!((second.version, second.previous), (2, Some(v1)));
        assert_eq!(first.superseded_by, Some(v2));
        // The only change to the first version is its forward link.
        assert_eq!(
            Record {
                superseded_by: None,
                ..first
            },
            before
        );
        assert_noop!(NewRecord::of(3).amends(v1).submit(), E::NotLatestVersion);
        assert_noop!(
            NewRecord {
                record_type: IMAGING,
                ..NewRecord::of(3)
            }
            .amends(v2)
            .submit(),
            E::AmendmentMismatch
        );
        assert_noop!(
            NewRecord {
                patient: OTHER_PATIENT,
                ..NewRecord::of(3)
            }
            .amends(v2)
            .submit(),
            E::AmendmentMismatch
        );
        assert_noop!(NewRecord::of(3).amends(99).submit(), E::UnknownRecord);
        let v3 = create(3, Some(v2));
        assert_eq!(Records::<Test>::get(v3).map(|r| r.version), Some(3));
        let listed: Vec<RecordId> = Pallet::<Test>::api_records_of(PATIENT)
            .into_iter()
            .map(|v| v.id)
            .collect();
        assert_eq!(listed, vec![v1, v2, v3]);
        check();
    });
}

// ---- consent ----

#[test]
fn a_patient_grant_lets_the_grantee_read_until_expiry() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        assert_eq!(
            Pallet::<Test>::access(r, &SPECIALIST),
            Err(AccessDenied::NoGrant)
        );
        grant(r, SPECIALIST, 20);
        assert_eq!(
            last_event(),
            Event::AccessGranted {
                record: r,
                patient: PATIENT,
                grantee: SPECIALIST,
                basis: GrantBasis::Patient,
                expires_at: 20
            }
            .into()
        );
        let g = Grants::<Test>::get(r, SPECIALIST).unwrap_or_else(|| panic!("granted"));
        assert_eq!(g.wrapped_key, Some(sealed(20)));
        assert_eq!(
            Pallet::<Test>::access(r, &SPECIALIST),
            Ok(Access::Granted {
                basis: GrantBasis::Patient,
                until: 20
            })
        );
        assert_ok!(MedicalRecords::log_access(
            RuntimeOrigin::signed(SPECIALIST),
            r
        ));
        assert_eq!(
            last_event(),
            Event::AccessLogged {
                record: r,
                patient: PATIENT,
                reader: SPECIALIST
            }
            .into()
        );
        go_to(19);
        assert_ok!(MedicalRecords::log_access(
            RuntimeOrigin::signed(SPECIALIST),
            r
        ));
        // Expired grants stop working in their expiry block, before any sweep.
        go_to(20);
        assert_noop!(
            MedicalRecords::log_access(RuntimeOrigin::signed(SPECIALIST), r),
            E::GrantExpired
        );
        assert_eq!(
            Pallet::<Test>::access(r, &SPECIALIST),
            Err(AccessDenied::Expired)
        );
        let trail = Audit::<Test>::get(r);
        assert_eq!((trail.grants, trail.accesses), (1, 2));
        check();
    });
}

#[test]
fn shared_with_lists_a_grantees_records_until_revoked_and_marks_expired_ones() {
    new_test_ext().execute_with(|| {
        hospital();
        let a = create(1, None);
        let b = create(2, None);
        let listed = |who: u64| -> Vec<(RecordId, u64, bool)> {
            Pallet::<Test>::api_shared_with(who)
                .into_iter()
                .map(|s| (s.record.id, s.grant.expires_at, s.effective))
                .collect()
        };
        assert!(listed(SPECIALIST).is_empty());
        grant(b, SPECIALIST, 30);
        grant(a, SPECIALIST, 10);
        grant(a, OTHER_PATIENT, 40);
        // Oldest record first, each with its own grant; another grantee's grants stay apart.
        assert_eq!(listed(SPECIALIST), vec![(a, 10, true), (b, 30, true)]);
        assert_eq!(listed(OTHER_PATIENT), vec![(a, 40, true)]);
        let shared = Pallet::<Test>::api_shared_with(SPECIALIST);
        assert_eq!(shared[0].record.record.patient, PATIENT);
        assert_eq!(shared[0].grant.wrapped_key, Some(sealed(20)));
        // Granting again replaces the grant: still one entry.
        grant(a, SPECIALIST, 12);
        assert_eq!(listed(SPECIALIST), vec![(a, 12, true), (b, 30, true)]);
        // Revocation removes it at once.
        assert_ok!(MedicalRecords::revoke_access(
            RuntimeOrigin::signed(PATIENT),
            b,
            SPECIALIST
        ));
        assert_eq!(listed(SPECIALIST), vec![(a, 12, true)]);
        // An expired grant is listed as not effective until it is swept.
        go_to(12);
        assert_eq!(listed(SPECIALIST), vec![(a, 12, false)]);
        check();
    });
}

#[test]
fn grant_access_refuses_bad_input_and_changes_nothing() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        go_to(10);
        let call = |who: u64, record: RecordId, grantee: u64, exp: u64| {
            MedicalRecords::grant_access(
                RuntimeOrigin::signed(who),
                record,
                grantee,
                exp,
                sealed(20),
            )
        };
        assert_noop!(call(PATIENT, 99, SPECIALIST, 20), E::UnknownRecord);
        assert_noop!(call(DOCTOR, r, SPECIALIST, 20), E::NotPatient);
        assert_noop!(call(OTHER_PATIENT, r, SPECIALIST, 20), E::NotPatient);
        assert_noop!(call(PATIENT, r, PATIENT, 20), E::GranteeIsPatient);
        assert_noop!(call(PATIENT, r, STRANGER, 20), E::UnknownGrantee);
        assert_noop!(call(PATIENT, r, SPECIALIST, 10), E::ExpiryInPast);
        assert_noop!(call(PATIENT, r, SPECIALIST, 111), E::ExpiryTooFar);
        assert_ok!(call(PATIENT, r, SPECIALIST, 110));
        // Granting again replaces the grant and does not take another slot.
        assert_ok!(call(PATIENT, r, SPECIALIST, 50));
        assert_eq!(GrantCount::<Test>::get(r), 1);
        assert_eq!(
            Grants::<Test>::get(r, SPECIALIST).map(|g| g.expires_at),
            Some(50)
        );
        assert_ok!(call(PATIENT, r, OTHER_PATIENT, 50));
        // MaxGrantsPerRecord = 2.
        assert_noop!(call(PATIENT, r, DOCTOR, 50), E::TooManyGrants);
        check();
    });
}

#[test]
fn revocation_takes_effect_at_once() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        grant(r, SPECIALIST, 50);
        assert_noop!(
            MedicalRecords::revoke_access(RuntimeOrigin::signed(DOCTOR), r, SPECIALIST),
            E::NotPatient
        );
        assert_noop!(
            MedicalRecords::revoke_access(RuntimeOrigin::signed(PATIENT), 99, SPECIALIST),
            E::UnknownRecord
        );
        assert_noop!(
            MedicalRecords::revoke_access(RuntimeOrigin::signed(PATIENT), r, OTHER_PATIENT),
            E::NoGrant
        );
        assert_ok!(MedicalRecords::revoke_access(
            RuntimeOrigin::signed(PATIENT),
            r,
            SPECIALIST
        ));
        assert_eq!(
            last_event(),
            Event::AccessRevoked {
                record: r,
                patient: PATIENT,
                grantee: SPECIALIST
            }
            .into()
        );
        go_to(2);
        assert_noop!(
            MedicalRecords::log_access(RuntimeOrigin::signed(SPECIALIST), r),
            E::NoGrant
        );
        assert_eq!(GrantCount::<Test>::get(r), 0);
        let trail = Audit::<Test>::get(r);
        assert_eq!((trail.grants, trail.revocations), (1, 1));
        check();
    });
}

#[test]
fn who_may_read_without_a_grant() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        assert_eq!(Pallet::<Test>::access(r, &PATIENT), Ok(Access::Patient));
        assert_eq!(Pallet::<Test>::access(r, &DOCTOR), Ok(Access::Custodian));
        // A colleague at the custodian needs a grant or an emergency opening.
        assert_eq!(
            Pallet::<Test>::access(r, &COLLEAGUE),
            Err(AccessDenied::NoGrant)
        );
        assert_eq!(
            Pallet::<Test>::access(99, &PATIENT),
            Err(AccessDenied::UnknownRecord)
        );
        assert_noop!(
            MedicalRecords::log_access(RuntimeOrigin::signed(STRANGER), r),
            E::NoGrant
        );
        assert_noop!(
            MedicalRecords::log_access(RuntimeOrigin::signed(PATIENT), 99),
            E::UnknownRecord
        );
        assert_ok!(MedicalRecords::log_access(
            RuntimeOrigin::signed(PATIENT),
            r
        ));
        // The author loses access on leaving the custodian.
        assert_ok!(MedicalRecords::remove_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            DOCTOR
        ));
        assert_eq!(
            Pallet::<Test>::access(r, &DOCTOR),
            Err(AccessDenied::NoGrant)
        );
        check();
    });
}

#[test]
fn type_grants_cover_records_of_the_type_through_shared_keys() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        let grant_type = |grantee: u64, exp: u64| {
            MedicalRecords::grant_type_access(RuntimeOrigin::signed(PATIENT), LAB, grantee, exp)
        };
        assert_noop!(
            MedicalRecords::grant_type_access(RuntimeOrigin::signed(STRANGER), LAB, SPECIALIST, 50),
            E::UnknownPatient
        );
        assert_noop!(grant_type(STRANGER, 50), E::UnknownGrantee);
        assert_noop!(grant_type(PATIENT, 50), E::GranteeIsPatient);
        assert_noop!(grant_type(SPECIALIST, 1), E::ExpiryInPast);
        assert_noop!(grant_type(SPECIALIST, 102), E::ExpiryTooFar);
        // No type grant yet: nothing to share under.
        assert_noop!(
            MedicalRecords::share_key(RuntimeOrigin::signed(DOCTOR), r, SPECIALIST, sealed(21)),
            E::NoGrant
        );
        assert_ok!(grant_type(SPECIALIST, 50));
        assert_eq!(
            last_event(),
            Event::TypeAccessGranted {
                patient: PATIENT,
                record_type: LAB,
                grantee: SPECIALIST,
                expires_at: 50
            }
            .into()
        );
        // A grant of the patient's own is not replaced by a shared key.
        grant(r, SPECIALIST, 80);
        assert_noop!(
            MedicalRecords::share_key(RuntimeOrigin::signed(DOCTOR), r, SPECIALIST, sealed(21)),
            E::AlreadyHasAccess
        );
        assert_ok!(MedicalRecords::revoke_access(
            RuntimeOrigin::signed(PATIENT),
            r,
            SPECIALIST
        ));
        assert_noop!(
            MedicalRecords::share_key(RuntimeOrigin::signed(RELAYER), r, SPECIALIST, sealed(21)),
            E::NotClinician
        );
        assert_noop!(
            MedicalRecords::share_key(RuntimeOrigin::signed(DOCTOR), 99, SPECIALIST, sealed(21)),
            E::UnknownRecord
        );
        assert_ok!(MedicalRecords::share_key(
            RuntimeOrigin::signed(DOCTOR),
            r,
            SPECIALIST,
            sealed(21)
        ));
        assert_eq!(
            Pallet::<Test>::access(r, &SPECIALIST),
            Ok(Access::Granted {
                basis: GrantBasis::RecordType,
                until: 50
            })
        );
        // Revoking the type grant ends the shared key's grant in the same block.
        assert_noop!(
            MedicalRecords::revoke_type_access(RuntimeOrigin::signed(PATIENT), IMAGING, SPECIALIST),
            E::NoGrant
        );
        assert_ok!(MedicalRecords::revoke_type_access(
            RuntimeOrigin::signed(PATIENT),
            LAB,
            SPECIALIST
        ));
        assert_eq!(
            last_event(),
            Event::TypeAccessRevoked {
                patient: PATIENT,
                record_type: LAB,
                grantee: SPECIALIST
            }
            .into()
        );
        assert_eq!(
            Pallet::<Test>::access(r, &SPECIALIST),
            Err(AccessDenied::TypeGrantEnded)
        );
        assert_noop!(
            MedicalRecords::log_access(RuntimeOrigin::signed(SPECIALIST), r),
            E::TypeGrantEnded
        );
        check();
    });
}

#[test]
fn type_grants_are_bounded_and_expired_ones_make_room() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        let grant_type = |rt: RecordType, grantee: u64, exp: u64| {
            MedicalRecords::grant_type_access(RuntimeOrigin::signed(PATIENT), rt, grantee, exp)
        };
        assert_ok!(grant_type(LAB, SPECIALIST, 5));
        assert_ok!(grant_type(IMAGING, SPECIALIST, 50));
        // Re-granting an existing one is always possible.
        assert_ok!(grant_type(IMAGING, SPECIALIST, 60));
        // MaxTypeGrantsPerPatient = 2, none expired.
        assert_noop!(grant_type(LAB, DOCTOR, 50), E::TooManyTypeGrants);
        go_to(5);
        assert_noop!(
            MedicalRecords::share_key(RuntimeOrigin::signed(DOCTOR), r, SPECIALIST, sealed(21)),
            E::GrantExpired
        );
        // The expired LAB grant is purged to make room.
        assert_ok!(grant_type(LAB, DOCTOR, 50));
        assert_eq!(TypeGrantCount::<Test>::get(PATIENT), 2);
        assert_eq!(TypeGrants::<Test>::get(PATIENT, (LAB, SPECIALIST)), None);
        let listed = Pallet::<Test>::api_type_grants_of(PATIENT);
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|g| g.effective));
        check();
    });
}

// ---- emergency access ----

#[test]
fn emergency_access_is_bounded_audited_and_visible_to_the_patient() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        go_to(3);
        assert_noop!(
            MedicalRecords::emergency_access(RuntimeOrigin::signed(SPECIALIST), r),
            E::NotCustodianMember
        );
        assert_noop!(
            MedicalRecords::emergency_access(RuntimeOrigin::signed(RELAYER), r),
            E::NotCustodianMember
        );
        assert_noop!(
            MedicalRecords::emergency_access(RuntimeOrigin::signed(COLLEAGUE), 99),
            E::UnknownRecord
        );
        assert_ok!(MedicalRecords::emergency_access(
            RuntimeOrigin::signed(COLLEAGUE),
            r
        ));
        assert_eq!(
            last_event(),
            Event::EmergencyAccess {
                record: r,
                patient: PATIENT,
                clinician: COLLEAGUE,
                until: 13
            }
            .into()
        );
        assert_eq!(
            Pallet::<Test>::access(r, &COLLEAGUE),
            Ok(Access::Granted {
                basis: GrantBasis::Emergency,
                until: 13
            })
        );
        // The patient sees it among the record's grants and in the audit trail.
        let grants = Pallet::<Test>::api_grants_of(r);
        assert_eq!(grants.len(), 1);
        assert_eq!(
            (
                grants[0].grantee,
                grants[0].grant.basis,
                grants[0].effective
            ),
            (COLLEAGUE, GrantBasis::Emergency, true)
        );
        let audit = Pallet::<Test>::api_audit(r);
        assert_eq!(audit.emergency_openings, 1);
        assert_eq!(
            audit.recent.last().map(|e| (e.who, e.action, e.at)),
            Some((COLLEAGUE, AuditAction::EmergencyOpened, 3))
        );
        assert_ok!(MedicalRecords::log_access(
            RuntimeOrigin::signed(COLLEAGUE),
            r
        ));
        go_to(13);
        assert_noop!(
            MedicalRecords::log_access(RuntimeOrigin::signed(COLLEAGUE), r),
            E::GrantExpired
        );
        // An open record is not opened again.
        assert_ok!(MedicalRecords::emergency_access(
            RuntimeOrigin::signed(COLLEAGUE),
            r
        ));
        assert_noop!(
            MedicalRecords::emergency_access(RuntimeOrigin::signed(COLLEAGUE), r),
            E::AlreadyHasAccess
        );
        assert_ok!(MedicalRecords::revoke_access(
            RuntimeOrigin::signed(PATIENT),
            r,
            COLLEAGUE
        ));
        // The patient can also end an emergency opening early.
        assert_ok!(MedicalRecords::emergency_access(
            RuntimeOrigin::signed(COLLEAGUE),
            r
        ));
        assert_ok!(MedicalRecords::revoke_access(
            RuntimeOrigin::signed(PATIENT),
            r,
            COLLEAGUE
        ));
        assert_eq!(
            Pallet::<Test>::access(r, &COLLEAGUE),
            Err(AccessDenied::NoGrant)
        );
        check();
    });
}

// ---- audit ----

#[test]
fn the_audit_trail_counts_everything_and_keeps_the_latest_entries() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        grant(r, SPECIALIST, 50);
        for n in 2..=6 {
            go_to(n);
            assert_ok!(MedicalRecords::log_access(
                RuntimeOrigin::signed(SPECIALIST),
                r
            ));
        }
        let trail = Audit::<Test>::get(r);
        assert_eq!((trail.grants, trail.accesses), (1, 5));
        // MaxAuditEntries = 3: the three latest, oldest first.
        let at: Vec<u64> = trail.recent.iter().map(|e| e.at).collect();
        assert_eq!(at, vec![4, 5, 6]);
        check();
    });
}

// ---- sweep ----

#[test]
fn the_idle_sweep_removes_expired_grants_in_bounded_steps() {
    new_test_ext().execute_with(|| {
        hospital();
        let a = create(1, None);
        let b = create(2, None);
        grant(a, SPECIALIST, 5);
        grant(a, OTHER_PATIENT, 50);
        grant(b, SPECIALIST, 5);
        go_to(5);
        // No weight left: nothing happens.
        assert_eq!(MedicalRecords::on_idle(5, Weight::zero()), Weight::zero());
        assert_eq!(Grants::<Test>::iter().count(), 3);
        // MaxSweep = 2: two steps visit all three grants.
        MedicalRecords::on_idle(5, Weight::MAX);
        assert!(SweepCursor::<Test>::get().is_some());
        MedicalRecords::on_idle(5, Weight::MAX);
        let left: Vec<_> = Grants::<Test>::iter().map(|(r, g, _)| (r, g)).collect();
        assert_eq!(left, vec![(a, OTHER_PATIENT)]);
        assert_eq!(
            (GrantCount::<Test>::get(a), GrantCount::<Test>::get(b)),
            (1, 0)
        );
        // The grantee index loses the swept grants too.
        let index: Vec<_> = GranteeGrants::<Test>::iter_keys().collect();
        assert_eq!(index, vec![(OTHER_PATIENT, a)]);
        let expired = System::events()
            .iter()
            .filter(|e| {
                matches!(
                    e.event,
                    RuntimeEvent::MedicalRecords(Event::GrantExpired { .. })
                )
            })
            .count();
        assert_eq!(expired, 2);
        check();
    });
}

// ---- batch anchors ----

fn entries(ids: &[RecordId]) -> Vec<IndexEntry<u64>> {
    ids.iter()
        .map(|id| {
            Records::<Test>::get(id)
                .unwrap_or_else(|| panic!("record exists"))
                .index_entry(*id)
        })
        .collect()
}

#[test]
fn anchored_batches_verify_real_proofs_and_reject_tampered_ones() {
    new_test_ext().execute_with(|| {
        hospital();
        let ids = [create(1, None), create(2, None), create(3, None)];
        let batch = entries(&ids);
        let leaves: Vec<Vec<u8>> = batch.iter().map(|e| e.encode()).collect();
        let root = medchain_merkle::root(&leaves).unwrap_or_else(|e| panic!("{e:?}"));
        assert_ok!(MedicalRecords::anchor_batch(
            RuntimeOrigin::signed(RELAYER),
            ORG,
            1,
            10,
            3,
            root
        ));
        assert_eq!(
            last_event(),
            Event::BatchAnchored {
                org: ORG,
                seq: 0,
                from: 1,
                to: 10,
                count: 3,
                root
            }
            .into()
        );
        for (i, entry) in batch.iter().enumerate() {
            let proof =
                medchain_merkle::prove(&leaves, i as u32).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(
                Pallet::<Test>::verify_inclusion(root, entry, &proof),
                Ok(AnchorRef { org: ORG, seq: 0 })
            );
        }
        let proof = medchain_merkle::prove(&leaves, 1).unwrap_or_else(|e| panic!("{e:?}"));
        let mut tampered = batch[1].clone();
        tampered.plaintext_hash[0] ^= 1;
        assert_eq!(
            Pallet::<Test>::verify_inclusion(root, &tampered, &proof),
            Err(ProofError::NotIncluded)
        );
        assert_eq!(
            Pallet::<Test>::verify_inclusion(root, &batch[0], &proof),
            Err(ProofError::NotIncluded)
        );
        assert_eq!(
            Pallet::<Test>::verify_inclusion([9; 32], &batch[1], &proof),
            Err(ProofError::UnknownRoot)
        );
        let mut wrong_size = proof.clone();
        wrong_size.leaves = 4;
        assert_eq!(
            Pallet::<Test>::verify_inclusion(root, &batch[1], &wrong_size),
            Err(ProofError::WrongBatchSize)
        );
        let mut short = proof.clone();
        short.siblings.pop();
        assert_eq!(
            Pallet::<Test>::verify_inclusion(root, &batch[1], &short),
            Err(ProofError::WrongProofLength)
        );
        let mut outside = proof;
        outside.index = 3;
        assert_eq!(
            Pallet::<Test>::verify_inclusion(root, &batch[1], &outside),
            Err(ProofError::IndexOutOfRange)
        );
        check();
    });
}

#[test]
fn anchor_batch_refuses_bad_input_and_changes_nothing() {
    new_test_ext().execute_with(|| {
        let anchor = |who: u64, org: OrgId, from: u64, to: u64, count: u32, root: Sha256| {
            MedicalRecords::anchor_batch(RuntimeOrigin::signed(who), org, from, to, count, root)
        };
        assert_noop!(
            anchor(RELAYER, ORG, 1, 2, 1, [1; 32]),
            E::UnknownOrganisation
        );
        hospital();
        assert_noop!(anchor(DOCTOR, ORG, 1, 2, 1, [1; 32]), E::NotAnchorer);
        assert_noop!(anchor(STRANGER, ORG, 1, 2, 1, [1; 32]), E::NotAnchorer);
        assert_noop!(anchor(RELAYER, ORG, 1, 2, 0, [1; 32]), E::EmptyBatch);
        assert_noop!(
            anchor(RELAYER, ORG, 1, 2, medchain_merkle::MAX_LEAVES + 1, [1; 32]),
            E::TooManyLeaves
        );
        assert_noop!(anchor(RELAYER, ORG, 3, 2, 1, [1; 32]), E::InvalidRange);
        assert_ok!(anchor(RELAYER, ORG, 1, 2, 1, [1; 32]));
        assert_noop!(anchor(RELAYER, ORG, 2, 4, 1, [2; 32]), E::RangeOverlaps);
        assert_noop!(
            anchor(RELAYER, ORG, 3, 4, 1, [1; 32]),
            E::RootAlreadyAnchored
        );
        // A batch that leaves block 3 out would leave its entries unanchored for good.
        assert_noop!(anchor(RELAYER, ORG, 4, 5, 1, [3; 32]), E::RangeGap);
        // The admin may anchor too.
        assert_ok!(anchor(ADMIN, ORG, 3, 3, 1, [2; 32]));
        assert_eq!(
            AnchorRoots::<Test>::get([2; 32]),
            Some(AnchorRef { org: ORG, seq: 1 })
        );
        check();
    });
}

// ---- records imported from a private chain ----

/// Five index entries as the hospital's private chain holds them (its own record ids, and its
/// own organisation id 0), anchored here by the hospital's relayer: the root and the leaves.
fn private_batch() -> (Sha256, Vec<IndexEntry<u64>>, Vec<Vec<u8>>) {
    let batch: Vec<IndexEntry<u64>> = (0..5u8)
        .map(|i| IndexEntry {
            record: 100 + u64::from(i),
            patient: PATIENT,
            custodian: 0,
            record_type: LAB,
            plaintext_hash: digest(50 + i),
            cid: pallet_ipfs_registry::Pallet::<Test>::canonical(&cid(50 + i))
                .unwrap_or_else(|e| panic!("{e:?}")),
            version: 1,
            previous: None,
        })
        .collect();
    let leaves: Vec<Vec<u8>> = batch.iter().map(|e| e.encode()).collect();
    let root = medchain_merkle::root(&leaves).unwrap_or_else(|e| panic!("{e:?}"));
    assert_ok!(MedicalRecords::anchor_batch(
        RuntimeOrigin::signed(RELAYER),
        ORG,
        1,
        40,
        5,
        root
    ));
    (root, batch, leaves)
}

fn import(
    who: u64,
    root: Sha256,
    entry: &IndexEntry<u64>,
    proof: &medchain_merkle::InclusionProof,
) -> DispatchResult {
    MedicalRecords::import_record(
        RuntimeOrigin::signed(who),
        root,
        entry.clone(),
        proof.clone(),
        2_000,
        sealed(30),
        sealed(31),
    )
}

#[test]
fn an_anchored_private_record_is_imported_and_can_be_shared_across_hospitals() {
    new_test_ext().execute_with(|| {
        hospital();
        let (root, batch, leaves) = private_batch();
        let proof = medchain_merkle::prove(&leaves, 3).unwrap_or_else(|e| panic!("{e:?}"));
        let id = NextRecordId::<Test>::get();
        assert_ok!(import(DOCTOR, root, &batch[3], &proof));
        assert_eq!(
            last_event(),
            Event::RecordImported {
                record: id,
                org: ORG,
                anchor: 0,
                origin_record: 103
            }
            .into()
        );
        let rec = Records::<Test>::get(id).unwrap_or_else(|| panic!("imported"));
        assert_eq!(
            (rec.patient, rec.custodian, rec.author, rec.record_type),
            (PATIENT, ORG, DOCTOR, LAB)
        );
        assert_eq!(
            (rec.plaintext_hash, rec.cid.clone(), rec.version),
            (batch[3].plaintext_hash, batch[3].cid.clone(), 1)
        );
        assert_eq!(
            (rec.key_for_patient, rec.key_for_custodian),
            (sealed(30), sealed(31))
        );
        assert_eq!(
            Origins::<Test>::get(id),
            Some(RecordOrigin {
                org: ORG,
                anchor: 0,
                record: 103,
                version: 1
            })
        );
        assert_eq!(Imported::<Test>::get(ORG, 103), Some(id));
        assert!(pallet_ipfs_registry::Cids::<Test>::contains_key(&rec.cid));
        assert_eq!(
            MedicalRecords::api_record(id).and_then(|v| v.origin),
            Origins::<Test>::get(id)
        );
        // From here it is a consortium record like any other: the patient shares it with a
        // specialist of another hospital.
        assert_ok!(MedicalRecords::grant_access(
            RuntimeOrigin::signed(PATIENT),
            id,
            SPECIALIST,
            50,
            sealed(32)
        ));
        assert!(MedicalRecords::access(id, &SPECIALIST).is_ok());
        check();
    });
}

#[test]
fn import_record_refuses_bad_proofs_and_outsiders_and_changes_nothing() {
    new_test_ext().execute_with(|| {
        hospital();
        let (root, batch, leaves) = private_batch();
        let proof = medchain_merkle::prove(&leaves, 1).unwrap_or_else(|e| panic!("{e:?}"));
        let entry = &batch[1];

        assert_noop!(import(DOCTOR, [9; 32], entry, &proof), E::UnknownAnchor);
        let mut tampered = entry.clone();
        tampered.plaintext_hash[0] ^= 1;
        assert_noop!(import(DOCTOR, root, &tampered, &proof), E::NotIncluded);
        assert_noop!(import(DOCTOR, root, &batch[2], &proof), E::NotIncluded);
        let mut short = proof.clone();
        short.siblings.pop();
        assert_noop!(import(DOCTOR, root, entry, &short), E::WrongProofLength);
        let mut long = proof.clone();
        long.siblings.push([0; 32]);
        assert_noop!(import(DOCTOR, root, entry, &long), E::WrongProofLength);
        let mut resized = proof.clone();
        resized.leaves = 6;
        assert_noop!(
            import(DOCTOR, root, entry, &resized),
            E::ProofBatchSizeMismatch
        );
        let mut outside = proof.clone();
        outside.index = 5;
        assert_noop!(
            import(DOCTOR, root, entry, &outside),
            E::ProofIndexOutOfRange
        );
        // Only a clinician of the anchoring organisation imports: not its relayer, not a
        // stranger, not a clinician of another hospital.
        assert_noop!(import(RELAYER, root, entry, &proof), E::NotClinician);
        assert_noop!(import(STRANGER, root, entry, &proof), E::NotClinician);
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            SPECIALIST
        ));
        assert_noop!(import(SPECIALIST, root, entry, &proof), E::NotClinician);
        // The patient needs a key here.
        let mut unknown = batch[4].clone();
        unknown.patient = STRANGER;
        let leaves2: Vec<Vec<u8>> = vec![unknown.encode()];
        let root2 = medchain_merkle::root(&leaves2).unwrap_or_else(|e| panic!("{e:?}"));
        assert_ok!(MedicalRecords::anchor_batch(
            RuntimeOrigin::signed(RELAYER),
            ORG,
            41,
            50,
            1,
            root2
        ));
        let single = medchain_merkle::prove(&leaves2, 0).unwrap_or_else(|e| panic!("{e:?}"));
        assert_noop!(import(DOCTOR, root2, &unknown, &single), E::UnknownPatient);

        assert_ok!(import(DOCTOR, root, entry, &proof));
        assert_noop!(import(COLLEAGUE, root, entry, &proof), E::AlreadyImported);
        check();
    });
}

// ---- no personal health information on chain ----

/// Every byte string the pallets can store, by storage item: only CIDs (validated) and the
/// sweep's raw storage key. Walks the storage metadata's types, so a new free-text field fails
/// this test until it is justified here.
#[test]
fn storage_types_hold_no_free_text() {
    use scale_info::{PortableRegistry, Registry, TypeDef};

    /// The path of named fields to a type (wrappers such as `BoundedVec` have unnamed ones).
    fn named(path: &[String]) -> String {
        let named: Vec<&str> = path
            .iter()
            .map(String::as_str)
            .filter(|p| !p.is_empty())
            .collect();
        named.join(".")
    }

    fn byte_strings(
        reg: &PortableRegistry,
        id: u32,
        path: &mut Vec<String>,
        found: &mut Vec<String>,
        depth: u32,
    ) {
        let Some(ty) = reg.resolve(id) else { return };
        if depth > 12 {
            return;
        }
        let is_u8 = |t: u32| {
            matches!(
                reg.resolve(t).map(|t| &t.type_def),
                Some(TypeDef::Primitive(scale_info::TypeDefPrimitive::U8))
            )
        };
        match &ty.type_def {
            TypeDef::Sequence(s) if is_u8(s.type_param.id) => found.push(named(path)),
            TypeDef::Primitive(scale_info::TypeDefPrimitive::Str) => found.push(named(path)),
            TypeDef::Sequence(s) => byte_strings(reg, s.type_param.id, path, found, depth + 1),
            TypeDef::Array(a) => byte_strings(reg, a.type_param.id, path, found, depth + 1),
            TypeDef::Tuple(t) => {
                for f in &t.fields {
                    byte_strings(reg, f.id, path, found, depth + 1)
                }
            }
            TypeDef::Composite(c) => {
                for f in &c.fields {
                    path.push(f.name.clone().unwrap_or_default());
                    byte_strings(reg, f.ty.id, path, found, depth + 1);
                    path.pop();
                }
            }
            TypeDef::Variant(v) => {
                for var in &v.variants {
                    for f in &var.fields {
                        path.push(f.name.clone().unwrap_or_default());
                        byte_strings(reg, f.ty.id, path, found, depth + 1);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    let mut registry = Registry::new();
    let storage = [
        Pallet::<Test>::storage_metadata(),
        pallet_ipfs_registry::Pallet::<Test>::storage_metadata(),
    ];
    let mut entries = Vec::new();
    for pallet in &storage {
        for entry in &pallet.entries {
            let types: Vec<_> = match &entry.ty {
                frame_support::__private::metadata_ir::StorageEntryTypeIR::Plain(t) => {
                    vec![registry.register_type(t)]
                }
                frame_support::__private::metadata_ir::StorageEntryTypeIR::Map {
                    key,
                    value,
                    ..
                } => vec![registry.register_type(key), registry.register_type(value)],
            };
            entries.push((entry.name.to_string(), types));
        }
    }
    let portable: PortableRegistry = registry.into();
    let mut found = Vec::new();
    for (name, types) in entries {
        for t in types {
            let mut path = vec![name.clone()];
            byte_strings(&portable, t.id, &mut path, &mut found, 0);
        }
    }
    found.sort();
    found.dedup();
    assert_eq!(
        found,
        vec![
            "Cids".to_string(),
            "Pins".to_string(),
            "Records.cid".to_string(),
            "SweepCursor".to_string(),
        ],
        "a byte string outside the CID fields: could hold free text"
    );
}

/// After a full scenario, no stored byte holds any 8-byte piece of the plaintext, and every byte
/// string stored as a CID is a valid CID.
#[test]
fn storage_never_holds_the_plaintext() {
    new_test_ext().execute_with(|| {
        let plaintext =
            b"Patient Jane Roe, born 1984-02-29. Diagnosis: type 1 diabetes. HbA1c 8.1%.";
        hospital();
        assert_ok!(NewRecord {
            plaintext_hash: sp_io::hashing::sha2_256(plaintext),
            size: plaintext.len() as u64,
            ..NewRecord::of(1)
        }
        .submit());
        grant(0, SPECIALIST, 50);
        assert_ok!(MedicalRecords::log_access(
            RuntimeOrigin::signed(SPECIALIST),
            0
        ));
        assert_ok!(MedicalRecords::revoke_access(
            RuntimeOrigin::signed(PATIENT),
            0,
            SPECIALIST
        ));
        assert_ok!(MedicalRecords::grant_type_access(
            RuntimeOrigin::signed(PATIENT),
            LAB,
            OTHER_PATIENT,
            60
        ));
        assert_ok!(MedicalRecords::share_key(
            RuntimeOrigin::signed(DOCTOR),
            0,
            OTHER_PATIENT,
            sealed(21)
        ));
        assert_ok!(MedicalRecords::emergency_access(
            RuntimeOrigin::signed(COLLEAGUE),
            0
        ));
        let _ = create(2, Some(0));
        assert_ok!(MedicalRecords::anchor_batch(
            RuntimeOrigin::signed(RELAYER),
            ORG,
            1,
            2,
            2,
            [7; 32]
        ));

        let mut key = Vec::new();
        let mut values = 0;
        while let Some(next) = sp_io::storage::next_key(&key) {
            let value = sp_io::storage::get(&next)
                .map(|v| v.to_vec())
                .unwrap_or_default();
            for piece in plaintext.windows(8) {
                assert!(
                    !value.windows(8).any(|w| w == piece) && !next.windows(8).any(|w| w == piece),
                    "plaintext stored under key {next:02x?}"
                );
            }
            values += 1;
            key = next;
        }
        assert!(values > 20, "the scenario stored {values} values");
        for (cid, _) in pallet_ipfs_registry::Cids::<Test>::iter() {
            assert!(pallet_ipfs_registry::Pallet::<Test>::cid_string(&cid).is_some());
        }
        check();
    });
}

#[test]
fn exhausted_id_counters_are_refused_by_name() {
    new_test_ext().execute_with(|| {
        NextOrgId::<Test>::put(OrgId::MAX);
        assert_noop!(
            MedicalRecords::register_organisation(RuntimeOrigin::root(), ADMIN),
            E::Overflow
        );
        NextOrgId::<Test>::put(0);
        hospital();
        NextRecordId::<Test>::put(RecordId::MAX);
        assert_noop!(NewRecord::of(1).submit(), E::Overflow);
        check();
    });
}

#[test]
fn genesis_registers_organisations_with_their_admins() {
    use sp_runtime::BuildStorage;
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .expect("system genesis builds");
    GenesisConfig::<Test> {
        organisations: vec![ADMIN, DOCTOR],
    }
    .assimilate_storage(&mut t)
    .expect("records genesis builds");
    sp_io::TestExternalities::new(t).execute_with(|| {
        assert_eq!(NextOrgId::<Test>::get(), 2);
        assert_eq!(Members::<Test>::get(0, ADMIN), Some(Role::Admin));
        assert_eq!(Members::<Test>::get(1, DOCTOR), Some(Role::Admin));
        assert_eq!(Members::<Test>::get(1, ADMIN), None);
        assert_ok!(MedicalRecords::do_try_state());
    });
}
