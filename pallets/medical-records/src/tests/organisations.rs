//! Organisations, members, roles and encryption keys; the id counters; genesis.

use super::*;

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

/// The 14 encodings of X25519 points of small order, from the formats spec's vectors (the CLI and
/// the portal refuse the same list).
fn small_order_keys() -> Vec<EncryptionKey> {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../../../docs/vectors/sealed-key.json"))
            .expect("sealed-key.json");
    vectors["small_order_keys"]
        .as_array()
        .expect("small_order_keys")
        .iter()
        .map(|k| {
            sp_core::bytes::from_hex(k.as_str().expect("hex"))
                .expect("hex")
                .try_into()
                .expect("32 bytes")
        })
        .collect()
}

#[test]
fn keys_of_small_order_are_refused_for_patients_and_organisations() {
    // Whoever controls an account could otherwise register a key to which every sealed copy of a
    // record key opens for anyone: the chain is where every client reads keys from.
    new_test_ext().execute_with(|| {
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            ADMIN
        ));
        let keys = small_order_keys();
        assert_eq!(keys.len(), 14);
        for k in keys {
            assert_noop!(
                MedicalRecords::set_encryption_key(RuntimeOrigin::signed(PATIENT), k),
                E::InvalidEncryptionKey
            );
            assert_noop!(
                MedicalRecords::set_organisation_key(RuntimeOrigin::signed(ADMIN), ORG, k),
                E::InvalidEncryptionKey
            );
        }
        check();
    });
}

#[test]
fn real_x25519_public_keys_are_accepted() {
    // Public keys made from secrets (clamped scalars times the base point) are of large order:
    // the check refuses none of them.
    new_test_ext().execute_with(|| {
        for i in 0..64u8 {
            let mut secret = [0u8; 32];
            secret[0] = i;
            secret[17] = i.wrapping_mul(37);
            secret[31] = 0x40;
            let public =
                curve25519_dalek::montgomery::MontgomeryPoint::mul_base_clamped(secret).to_bytes();
            assert_ok!(MedicalRecords::set_encryption_key(
                RuntimeOrigin::signed(PATIENT),
                public
            ));
        }
    });
}

#[test]
fn only_the_custodians_admin_reseals_its_copies_of_the_data_keys() {
    new_test_ext().execute_with(|| {
        hospital();
        let first = create(1, None);
        let second = create(2, None);
        let to = |records: &[RecordId], k: u8| {
            BoundedVec::<_, ConstU32<3>>::truncate_from(
                records.iter().map(|&r| (r, sealed(k))).collect(),
            )
        };
        // A clinician, a patient, a stranger: none is the hospital's admin.
        for who in [DOCTOR, PATIENT, STRANGER] {
            assert_noop!(
                MedicalRecords::reseal_for_custodian(
                    RuntimeOrigin::signed(who),
                    ORG,
                    to(&[first], 42)
                ),
                E::NotAdmin
            );
        }
        assert_noop!(
            MedicalRecords::reseal_for_custodian(RuntimeOrigin::signed(ADMIN), ORG, to(&[], 42)),
            E::NothingToReseal
        );
        // One unknown record and nothing is re-sealed, not even the records before it.
        assert_noop!(
            MedicalRecords::reseal_for_custodian(
                RuntimeOrigin::signed(ADMIN),
                ORG,
                to(&[first, second + 10], 42)
            ),
            E::UnknownRecord
        );
        // The admin of another hospital cannot overwrite this hospital's copies.
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            SPECIALIST
        ));
        assert_noop!(
            MedicalRecords::reseal_for_custodian(
                RuntimeOrigin::signed(SPECIALIST),
                1,
                to(&[first], 42)
            ),
            E::NotCustodian
        );

        assert_ok!(MedicalRecords::reseal_for_custodian(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            to(&[first, second], 42)
        ));
        for r in [first, second] {
            let rec = Records::<Test>::get(r).unwrap_or_else(|| panic!("record {r}"));
            assert_eq!(rec.key_for_custodian, sealed(42));
            assert_eq!(rec.key_for_patient, sealed(10), "the patient's copy stays");
        }
        assert_eq!(
            last_event(),
            Event::CustodianKeysResealed {
                org: ORG,
                records: 2
            }
            .into()
        );
        check();
    });
}

#[test]
fn only_the_organisations_admin_reseals_its_patients_type_keys() {
    new_test_ext().execute_with(|| {
        hospital();
        let to = |patients: &[u64], k: u8| {
            BoundedVec::<_, ConstU32<3>>::truncate_from(
                patients.iter().map(|&p| (p, sealed(k))).collect(),
            )
        };
        let type_key = |p: u64| {
            CareRelationships::<Test>::get(p, ORG)
                .unwrap_or_else(|| panic!("{p} in care"))
                .type_key
        };
        for who in [DOCTOR, PATIENT, STRANGER] {
            assert_noop!(
                MedicalRecords::reseal_type_keys(
                    RuntimeOrigin::signed(who),
                    ORG,
                    to(&[PATIENT], 43)
                ),
                E::NotAdmin
            );
        }
        assert_noop!(
            MedicalRecords::reseal_type_keys(RuntimeOrigin::signed(ADMIN), ORG, to(&[], 43)),
            E::NothingToReseal
        );
        // A patient not in the hospital's care, and nothing is re-sealed.
        assert_noop!(
            MedicalRecords::reseal_type_keys(
                RuntimeOrigin::signed(ADMIN),
                ORG,
                to(&[PATIENT, STRANGER], 43)
            ),
            E::NoCareRelationship
        );
        // The admin of another hospital reaches no care relationship of this one.
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            SPECIALIST
        ));
        assert_noop!(
            MedicalRecords::reseal_type_keys(
                RuntimeOrigin::signed(SPECIALIST),
                1,
                to(&[PATIENT], 43)
            ),
            E::NoCareRelationship
        );
        assert_ok!(MedicalRecords::reseal_type_keys(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            to(&[PATIENT, OTHER_PATIENT], 43)
        ));
        assert_eq!(
            (type_key(PATIENT), type_key(OTHER_PATIENT)),
            (sealed(43), sealed(43))
        );
        assert_eq!(
            last_event(),
            Event::TypeKeysResealed { org: ORG, count: 2 }.into()
        );
        check();
    });
}
