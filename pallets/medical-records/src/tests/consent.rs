//! Grants of one record and of a record type, shared keys, revocation, expiry and the idle
//! sweep.

use super::*;

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
                type_tag: LAB,
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
                type_tag: LAB,
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
        let grant_type = |rt: TypeTag, grantee: u64, exp: u64| {
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

#[test]
fn grants_and_type_grants_hold_deposits_returned_to_whoever_made_them() {
    new_test_ext().execute_with(|| {
        hospital();
        let held = |reason: HoldReason, who| {
            Balances::balance_on_hold(&RuntimeHoldReason::MedicalRecords(reason), &who)
        };
        let g = MedicalRecords::grant_deposit();
        let tg = MedicalRecords::type_grant_deposit();
        assert!(g > 0 && tg > 0);
        let r = create(1, None);
        // The patient's grant: held from the patient, once even when replaced.
        grant(r, SPECIALIST, 50);
        grant(r, SPECIALIST, 60);
        assert_eq!(held(HoldReason::Grant, PATIENT), g);
        assert_ok!(MedicalRecords::revoke_access(
            RuntimeOrigin::signed(PATIENT),
            r,
            SPECIALIST
        ));
        assert_eq!(held(HoldReason::Grant, PATIENT), 0);
        // A key shared under a type grant: the type grant from the patient, the shared key
        // from the clinician who shared it; the sweep returns the key's deposit to that clinician
        // once it expires, and a purge the type grant's to the patient.
        assert_ok!(MedicalRecords::grant_type_access(
            RuntimeOrigin::signed(PATIENT),
            LAB,
            SPECIALIST,
            20
        ));
        assert_eq!(held(HoldReason::TypeGrant, PATIENT), tg);
        assert_ok!(MedicalRecords::share_key(
            RuntimeOrigin::signed(COLLEAGUE),
            r,
            SPECIALIST,
            sealed(20)
        ));
        assert_eq!(held(HoldReason::Grant, COLLEAGUE), g);
        check();
        go_to(20);
        MedicalRecords::sweep_expired(20, 10);
        assert_eq!(held(HoldReason::Grant, COLLEAGUE), 0);
        assert_ok!(MedicalRecords::revoke_type_access(
            RuntimeOrigin::signed(PATIENT),
            LAB,
            SPECIALIST
        ));
        assert_eq!(held(HoldReason::TypeGrant, PATIENT), 0);
        // A patient who cannot afford a grant's deposit makes none: nothing changes.
        spend_all_but_one(PATIENT);
        assert_noop!(
            MedicalRecords::grant_access(
                RuntimeOrigin::signed(PATIENT),
                r,
                SPECIALIST,
                50,
                sealed(20)
            ),
            sp_runtime::TokenError::FundsUnavailable
        );
        check();
    });
}
