//! The read API that clients use instead of raw storage: which sealed key opens a record for
//! whom (`sealed_key_for`), and organisations, memberships and anchors.

use super::*;
use crate::runtime_api::{SealedKey, SealedTo};

fn sealed_key_for(record: RecordId, who: u64) -> Result<(SealedTo, WrappedKey), AccessDenied> {
    Pallet::<Test>::api_sealed_key_for(record, who).map(|k| (k.sealed_to, k.key))
}

#[test]
fn sealed_key_for_names_the_key_that_opens_a_record_and_whose_it_is() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        // create() seals to the patient as sealed(10) and to the organisation as sealed(1).
        assert_eq!(
            sealed_key_for(r, PATIENT),
            Ok((SealedTo::Reader, sealed(10)))
        );
        assert_eq!(
            sealed_key_for(r, DOCTOR),
            Ok((SealedTo::Custodian(ORG), sealed(1))),
            "the author opens with the organisation's key"
        );
        assert_eq!(sealed_key_for(r, SPECIALIST), Err(AccessDenied::NoGrant));
        assert_eq!(
            sealed_key_for(99, PATIENT),
            Err(AccessDenied::UnknownRecord)
        );

        // A patient's grant carries the key sealed to the grantee.
        grant(r, SPECIALIST, 20);
        assert_eq!(
            Pallet::<Test>::api_sealed_key_for(r, SPECIALIST),
            Ok(SealedKey {
                access: Access::Granted {
                    basis: GrantBasis::Patient,
                    until: 20
                },
                key: sealed(20),
                sealed_to: SealedTo::Reader,
            })
        );
        // An emergency opening carries no key: the organisation's opens it.
        assert_ok!(emergency(COLLEAGUE, r));
        assert_eq!(
            sealed_key_for(r, COLLEAGUE),
            Ok((SealedTo::Custodian(ORG), sealed(1)))
        );
        // It ends when access ends, with the same reason `can_read` gives.
        go_to(20);
        assert_eq!(sealed_key_for(r, SPECIALIST), Err(AccessDenied::Expired));
        assert_eq!(
            sealed_key_for(r, SPECIALIST).err(),
            Pallet::<Test>::access(r, &SPECIALIST).err()
        );
        assert_ok!(MedicalRecords::remove_member(
            RuntimeOrigin::signed(ADMIN),
            ORG,
            DOCTOR
        ));
        assert_eq!(sealed_key_for(r, DOCTOR), Err(AccessDenied::NoGrant));
    });
}

#[test]
fn a_shared_type_grant_opens_with_the_shared_key_until_the_type_grant_ends() {
    new_test_ext().execute_with(|| {
        hospital();
        let r = create(1, None);
        assert_ok!(MedicalRecords::grant_type_access(
            RuntimeOrigin::signed(PATIENT),
            LAB,
            SPECIALIST,
            50
        ));
        assert_eq!(sealed_key_for(r, SPECIALIST), Err(AccessDenied::NoGrant));
        assert_ok!(MedicalRecords::share_key(
            RuntimeOrigin::signed(DOCTOR),
            r,
            SPECIALIST,
            sealed(21)
        ));
        assert_eq!(
            sealed_key_for(r, SPECIALIST),
            Ok((SealedTo::Reader, sealed(21)))
        );
        assert_ok!(MedicalRecords::revoke_type_access(
            RuntimeOrigin::signed(PATIENT),
            LAB,
            SPECIALIST
        ));
        assert_eq!(
            sealed_key_for(r, SPECIALIST),
            Err(AccessDenied::TypeGrantEnded)
        );
    });
}

#[test]
fn organisations_memberships_and_anchors_read_through_the_api() {
    new_test_ext().execute_with(|| {
        hospital();
        assert_eq!(Pallet::<Test>::api_organisation(9), None);
        let org = Pallet::<Test>::api_organisation(ORG).unwrap_or_else(|| panic!("organisation 0"));
        assert_eq!(org.key, Some(key(1)));
        assert_eq!(
            org.members,
            Organisations::<Test>::get(ORG)
                .map(|o| o.members)
                .unwrap_or(0)
        );
        assert_eq!(
            Pallet::<Test>::api_member(ORG, DOCTOR),
            Some(Role::Clinician)
        );
        assert_eq!(Pallet::<Test>::api_member(ORG, STRANGER), None);
        assert_eq!(
            Pallet::<Test>::api_memberships(ADMIN),
            vec![(ORG, Role::Admin)]
        );
        assert_eq!(Pallet::<Test>::api_memberships(STRANGER), vec![]);
        assert_eq!(
            Pallet::<Test>::api_encryption_key(SPECIALIST),
            Some(key(20))
        );
        assert_eq!(Pallet::<Test>::api_anchor(ORG, 0), None);
        assert_ok!(MedicalRecords::anchor_batch(
            RuntimeOrigin::signed(RELAYER),
            ORG,
            1,
            5,
            3,
            [7; 32]
        ));
        let anchor = Pallet::<Test>::api_anchor(ORG, 0).unwrap_or_else(|| panic!("anchor 0"));
        assert_eq!(
            (anchor.from, anchor.to, anchor.count, anchor.root),
            (1, 5, 3, [7; 32])
        );
        assert_eq!(anchor.anchored_by, RELAYER);
    });
}
