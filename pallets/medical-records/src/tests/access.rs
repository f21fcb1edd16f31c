//! Who may read without a grant, emergency openings, and the audit trail.

use super::*;

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

#[test]
fn an_emergency_opening_ends_when_its_clinician_or_admin_leaves_the_custodian() {
    // The attack: a clinician (or an admin) opens a record in an emergency, is dismissed, and
    // keeps reading it with the custodian's key through the runtime API until the opening runs
    // out.
    new_test_ext().execute_with(|| {
        hospital();
        // A second admin, in the relayer's place (the mock's organisations are small).
        assert_ok!(MedicalRecords::remove_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            RELAYER
        ));
        assert_ok!(MedicalRecords::add_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            STRANGER,
            Role::Admin
        ));
        let r = create(1, None);
        for who in [COLLEAGUE, STRANGER] {
            assert_ok!(MedicalRecords::emergency_access(
                RuntimeOrigin::signed(who),
                r
            ));
            assert!(MedicalRecords::access(r, &who).is_ok());
            assert!(MedicalRecords::api_sealed_key_for(r, who).is_ok());
            assert_ok!(MedicalRecords::remove_member(
                RuntimeOrigin::signed(ADMIN),
                ORG,
                who
            ));
            assert_eq!(
                MedicalRecords::access(r, &who),
                Err(AccessDenied::LeftCustodian)
            );
            assert_eq!(
                MedicalRecords::api_sealed_key_for(r, who).map(|_| ()),
                Err(AccessDenied::LeftCustodian)
            );
            assert_noop!(
                MedicalRecords::log_access(RuntimeOrigin::signed(who), r),
                E::NotCustodianMember
            );
        }
        check();
    });
}
