//! Who may read without a grant, emergency openings (coded, limited, vetoable), and the
//! complete audit trail with its deposits.

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
        assert_noop!(emergency(SPECIALIST, r), E::NotCustodianMember);
        assert_noop!(emergency(RELAYER, r), E::NotCustodianMember);
        assert_noop!(emergency(COLLEAGUE, 99), E::UnknownRecord);
        assert_ok!(emergency(COLLEAGUE, r));
        assert_eq!(
            last_event(),
            Event::EmergencyAccess {
                record: r,
                patient: PATIENT,
                clinician: COLLEAGUE,
                reason: EmergencyReason::EmergencyTreatment,
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
            audit
                .recent
                .last()
                .map(|e| (e.who, e.action, e.at, e.reason)),
            Some((
                COLLEAGUE,
                AuditAction::EmergencyOpened,
                3,
                Some(EmergencyReason::EmergencyTreatment)
            ))
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
        assert_ok!(emergency(COLLEAGUE, r));
        assert_noop!(emergency(COLLEAGUE, r), E::AlreadyHasAccess);
        // MaxEmergencyOpenings = 2: a third opening by the same clinician needs the patient.
        go_to(23);
        assert_noop!(emergency(COLLEAGUE, r), E::TooManyEmergencyOpenings);
        assert_eq!(
            EmergencyTallies::<Test>::get(r, COLLEAGUE),
            Some(EmergencyTally {
                openings: 2,
                vetoed: false
            })
        );
        // Another clinician has openings of their own.
        assert_ok!(emergency(ADMIN, r));
        check();
    });
}

#[test]
fn a_patient_who_revokes_an_emergency_opening_forbids_that_clinician_to_open_it_again() {
    // The attack: the patient ends a colleague's emergency opening, and the colleague opens the
    // record again in the next block.
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        assert_ok!(emergency(COLLEAGUE, r));
        assert_ok!(MedicalRecords::revoke_access(
            RuntimeOrigin::signed(PATIENT),
            r,
            COLLEAGUE
        ));
        assert_eq!(
            Pallet::<Test>::access(r, &COLLEAGUE),
            Err(AccessDenied::NoGrant)
        );
        go_to(2);
        assert_noop!(emergency(COLLEAGUE, r), E::EmergencyVetoed);
        // The veto is the colleague's for this record: the admin may still open it, and the
        // colleague another record.
        assert_ok!(emergency(ADMIN, r));
        let other = create(2, None);
        assert_ok!(emergency(COLLEAGUE, other));
        // The patient may still grant the colleague the record themself.
        assert_ok!(MedicalRecords::set_encryption_key(
            RuntimeOrigin::signed(COLLEAGUE),
            key(3)
        ));
        grant(r, COLLEAGUE, 50);
        assert!(Pallet::<Test>::access(r, &COLLEAGUE).is_ok());
        check();
    });
}

#[test]
fn the_audit_trail_keeps_every_entry_readable_page_by_page() {
    // The attack: a clinician opens a record in an emergency, then reads are logged until the
    // opening drops out of the trail, leaving only a counter.
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        grant(r, SPECIALIST, 50);
        go_to(2);
        assert_ok!(emergency(COLLEAGUE, r));
        for n in 3..=40 {
            go_to(n);
            if n == 12 {
                assert_ok!(emergency(COLLEAGUE, r));
            } else {
                assert_ok!(MedicalRecords::log_access(
                    RuntimeOrigin::signed(SPECIALIST),
                    r
                ));
            }
        }
        let audit = Pallet::<Test>::api_audit(r);
        assert_eq!(
            (audit.grants, audit.emergency_openings, audit.accesses),
            (1, 2, 37)
        );
        assert_eq!(audit.total, 40);
        // MaxAuditPage = 3: `audit` shows the three latest, oldest first.
        let at: Vec<u64> = audit.recent.iter().map(|e| e.at).collect();
        assert_eq!(at, vec![38, 39, 40]);
        // Every entry stays, in order, page by page; a page never exceeds MaxAuditPage.
        let mut all = Vec::new();
        let mut from = 0;
        loop {
            let page = Pallet::<Test>::api_audit_entries(r, from, 100);
            assert!(page.len() <= 3);
            if page.is_empty() {
                break;
            }
            from += page.len() as u32;
            all.extend(page);
        }
        assert_eq!(all.len(), 40);
        assert_eq!(
            all.iter().map(|e| e.at).collect::<Vec<_>>(),
            [1].into_iter().chain(2..=40).collect::<Vec<u64>>()
        );
        let openings: Vec<_> = all
            .iter()
            .filter(|e| e.action == AuditAction::EmergencyOpened)
            .map(|e| (e.who, e.at, e.reason))
            .collect();
        let why = Some(EmergencyReason::EmergencyTreatment);
        assert_eq!(openings, vec![(COLLEAGUE, 2, why), (COLLEAGUE, 12, why)]);
        assert!(all
            .iter()
            .filter(|e| e.action != AuditAction::EmergencyOpened)
            .all(|e| e.reason.is_none()));
        check();
    });
}

#[test]
fn whoever_causes_an_audit_entry_holds_its_deposit() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        grant(r, SPECIALIST, 50);
        let held = |who| {
            Balances::balance_on_hold(&RuntimeHoldReason::MedicalRecords(HoldReason::Audit), &who)
        };
        let entry = MedicalRecords::audit_deposit();
        assert!(entry > 0);
        // The patient's grant is the first entry.
        assert_eq!(held(PATIENT), entry);
        for n in 1..=3 {
            assert_ok!(MedicalRecords::log_access(
                RuntimeOrigin::signed(SPECIALIST),
                r
            ));
            assert_eq!(held(SPECIALIST), n * entry);
        }
        // An emergency opening holds the entry's and its tally's deposits from the clinician.
        assert_ok!(emergency(COLLEAGUE, r));
        assert_eq!(held(COLLEAGUE), entry + MedicalRecords::tally_deposit());
        // A reader who cannot afford the entry cannot log a read: nothing changes.
        spend_all_but_one(SPECIALIST);
        assert_noop!(
            MedicalRecords::log_access(RuntimeOrigin::signed(SPECIALIST), r),
            sp_runtime::TokenError::FundsUnavailable
        );
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
            assert_ok!(emergency(who, r));
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
