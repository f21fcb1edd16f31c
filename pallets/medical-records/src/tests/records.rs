//! Creating records and amending them into version chains.

use super::*;

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
                type_tag: LAB,
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
        assert_noop!(create_as(DOCTOR, PATIENT, 1), E::NoCareRelationship);
        assert_ok!(MedicalRecords::grant_care(
            RuntimeOrigin::signed(PATIENT),
            ORG,
            sealed(40)
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
                type_tag: IMAGING,
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

#[test]
fn a_cid_registered_first_by_a_stranger_does_not_block_the_record() {
    // The squat from the pool: a stranger registers the CID of a pending createRecord with
    // ipfsRegistry.register. The record goes in, takes the CID over and releases the deposit.
    new_test_ext().execute_with(|| {
        hospital();
        assert_ok!(pallet_ipfs_registry::Pallet::<Test>::register(
            RuntimeOrigin::signed(STRANGER),
            cid(1),
            5
        ));
        let id = create(1, None);
        let record = Records::<Test>::get(id).unwrap_or_else(|| panic!("created"));
        let info = pallet_ipfs_registry::Cids::<Test>::get(&record.cid)
            .unwrap_or_else(|| panic!("registered"));
        assert_eq!(
            (info.owner, info.permanent, info.size),
            (DOCTOR, true, 1_000)
        );
        assert_eq!(
            Balances::balance_on_hold(
                &RuntimeHoldReason::Registry(pallet_ipfs_registry::HoldReason::CidDeposit),
                &STRANGER
            ),
            0
        );
        check();
    });
}

#[test]
fn a_record_cannot_veto_another_record_with_the_same_cid() {
    // A clinician of any hospital who copies a pending record's CID into a record of their own
    // (for a patient who authorised them) does not block it: both are indexed.
    new_test_ext().execute_with(|| {
        hospital();
        let first = create(1, None);
        assert_ok!(create_as(COLLEAGUE, OTHER_PATIENT, 1));
        let second = first + 1;
        assert_eq!(
            Records::<Test>::get(first).map(|r| r.cid),
            Records::<Test>::get(second).map(|r| r.cid)
        );
        check();
    });
}

#[test]
fn no_hospital_the_patient_did_not_authorise_can_fill_their_index() {
    // The attack: a clinician of another hospital puts records (of any type) under a patient who
    // never came to it, and fills MaxRecordsPerPatient so that the patient's own hospital can add
    // no more.
    new_test_ext().execute_with(|| {
        hospital();
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            SPECIALIST
        ));
        let other: OrgId = 1;
        assert_ok!(MedicalRecords::set_organisation_key(
            RuntimeOrigin::signed(SPECIALIST),
            other,
            key(21)
        ));
        let by_other = |i| {
            MedicalRecords::create_record(
                RuntimeOrigin::signed(SPECIALIST),
                other,
                PATIENT,
                IMAGING,
                SEALED_TYPE,
                digest(i),
                cid(i),
                1_000,
                None,
                sealed(10),
                sealed(21),
            )
        };
        for i in 1..=4 {
            assert_noop!(by_other(i), E::NoCareRelationship);
        }
        assert_eq!(PatientRecordCount::<Test>::get(PATIENT), 0);
        assert!(Pallet::<Test>::api_records_of(PATIENT).is_empty());
        // The patient's own hospital still has all their capacity.
        let first = create(1, None);
        assert_ok!(create_as(DOCTOR, PATIENT, 2));
        assert_ok!(create_as(DOCTOR, PATIENT, 3));
        check();

        // Once the patient ends the relationship, the hospital adds nothing more, not even an
        // amendment; the records it made stay readable by the patient.
        assert_ok!(MedicalRecords::end_care(
            RuntimeOrigin::signed(PATIENT),
            ORG
        ));
        assert_noop!(
            NewRecord::of(9).amends(first).submit(),
            E::NoCareRelationship
        );
        assert_eq!(Pallet::<Test>::access(first, &PATIENT), Ok(Access::Patient));
        check();
    });
}

#[test]
fn care_relationships_hold_a_deposit_and_refuse_bad_input() {
    new_test_ext().execute_with(|| {
        hospital();
        let held = || {
            Balances::balance_on_hold(
                &RuntimeHoldReason::MedicalRecords(HoldReason::Care),
                &PATIENT,
            )
        };
        let deposit = MedicalRecords::care_deposit();
        assert!(deposit > 0);
        assert_eq!(held(), deposit);
        assert_eq!(
            Pallet::<Test>::api_care_of(PATIENT)
                .iter()
                .map(|c| (c.org, c.care.since, c.care.type_key))
                .collect::<Vec<_>>(),
            vec![(ORG, 1, sealed(40))],
            "the patient's type key, sealed to the organisation, is the hospital's to open"
        );
        // An organisation without a key could open no type key sealed to it.
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            SPECIALIST
        ));
        assert_noop!(
            MedicalRecords::grant_care(RuntimeOrigin::signed(PATIENT), 1, sealed(40)),
            E::OrganisationHasNoKey
        );
        assert_noop!(
            MedicalRecords::grant_care(RuntimeOrigin::signed(PATIENT), ORG, sealed(40)),
            E::AlreadyInCare
        );
        assert_noop!(
            MedicalRecords::grant_care(RuntimeOrigin::signed(PATIENT), 7, sealed(40)),
            E::UnknownOrganisation
        );
        assert_noop!(
            MedicalRecords::end_care(RuntimeOrigin::signed(STRANGER), ORG),
            E::NoCareRelationship
        );
        assert_ok!(MedicalRecords::end_care(
            RuntimeOrigin::signed(PATIENT),
            ORG
        ));
        assert_eq!(
            last_event(),
            Event::CareEnded {
                patient: PATIENT,
                org: ORG
            }
            .into()
        );
        assert_eq!(held(), 0);
        assert!(Pallet::<Test>::api_care_of(PATIENT).is_empty());
        check();
    });
}
