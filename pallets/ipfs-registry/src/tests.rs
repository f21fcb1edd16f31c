//! Each call: success, every error, no state change on failure, events.

use crate::{mock::*, CidBytes, CidInput, Cids, Error, Event, Pins, Providers};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_runtime::DispatchError;

/// `ipfs add --cid-version 1 --raw-leaves` of "hello world".
const HELLO: &str = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";

fn input(s: &str) -> CidInput {
    CidInput::try_from(s.as_bytes().to_vec()).unwrap_or_default()
}

fn stored(s: &str) -> CidBytes {
    crate::Pallet::<Test>::canonical(s.as_bytes()).unwrap_or_default()
}

fn held(who: u64) -> u64 {
    Balances::balance_on_hold(
        &RuntimeHoldReason::Registry(crate::HoldReason::CidDeposit),
        &who,
    )
}

fn check() {
    assert_ok!(crate::Pallet::<Test>::do_try_state());
}

#[test]
fn register_stores_the_canonical_cid_and_holds_the_deposit() {
    new_test_ext().execute_with(|| {
        assert_ok!(Registry::register(
            RuntimeOrigin::signed(ALICE),
            input(HELLO),
            11
        ));
        let cid = stored(HELLO);
        let info = Cids::<Test>::get(&cid).unwrap_or_else(|| panic!("registered"));
        assert_eq!(
            (info.owner, info.size, info.deposit, info.pins),
            (ALICE, 11, 10, 0)
        );
        assert_eq!(held(ALICE), 10);
        assert_eq!(
            crate::Pallet::<Test>::cid_string(&cid).as_deref(),
            Some(HELLO)
        );
        System::assert_last_event(
            Event::CidRegistered {
                cid,
                owner: ALICE,
                size: 11,
            }
            .into(),
        );
        check();
    });
}

#[test]
fn the_binary_form_registers_the_same_cid() {
    new_test_ext().execute_with(|| {
        let binary = stored(HELLO);
        assert_ok!(Registry::register(
            RuntimeOrigin::signed(ALICE),
            CidInput::truncate_from(binary.to_vec()),
            11
        ));
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(BOB), input(HELLO), 11),
            Error::<Test>::AlreadyRegistered
        );
    });
}

#[test]
fn bad_cids_are_refused_by_name_and_change_nothing() {
    new_test_ext().execute_with(|| {
        let cases: [(&[u8], Error<Test>); 4] = [
            (b"", Error::CidEmpty),
            (b"hello world", Error::CidMalformed),
            (
                b"/ipfs/bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e",
                Error::CidMalformed,
            ),
            (
                &[0x01, 0x55, 0x13, 0x02, 0xaa, 0xbb],
                Error::UnsupportedHash,
            ),
        ];
        for (bytes, error) in cases {
            assert_noop!(
                Registry::register(
                    RuntimeOrigin::signed(ALICE),
                    CidInput::truncate_from(bytes.to_vec()),
                    1
                ),
                error
            );
        }
        assert_eq!(held(ALICE), 0);
        assert_eq!(Cids::<Test>::iter().count(), 0);
    });
}

#[test]
fn a_deposit_the_owner_cannot_cover_is_refused() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(POOR), input(HELLO), 11),
            Error::<Test>::InsufficientDeposit
        );
    });
}

#[test]
fn only_the_owner_unregisters_and_the_deposit_and_pins_go() {
    new_test_ext().execute_with(|| {
        assert_ok!(Registry::register(
            RuntimeOrigin::signed(ALICE),
            input(HELLO),
            11
        ));
        assert_ok!(Registry::add_provider(RuntimeOrigin::root(), PROVIDERS[0]));
        assert_ok!(Registry::attest_pin(
            RuntimeOrigin::signed(PROVIDERS[0]),
            input(HELLO)
        ));
        assert_noop!(
            Registry::unregister(RuntimeOrigin::signed(BOB), input(HELLO)),
            Error::<Test>::NotOwner
        );
        assert_ok!(Registry::unregister(
            RuntimeOrigin::signed(ALICE),
            input(HELLO)
        ));
        assert_eq!(held(ALICE), 0);
        assert!(Cids::<Test>::get(stored(HELLO)).is_none());
        assert_eq!(Pins::<Test>::iter().count(), 0);
        System::assert_last_event(
            Event::CidUnregistered {
                cid: stored(HELLO),
                owner: ALICE,
            }
            .into(),
        );
        assert_noop!(
            Registry::unregister(RuntimeOrigin::signed(ALICE), input(HELLO)),
            Error::<Test>::NotRegistered
        );
        check();
    });
}

#[test]
fn providers_are_admitted_by_root_only() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            Registry::add_provider(RuntimeOrigin::signed(ALICE), BOB),
            DispatchError::BadOrigin
        );
        assert_ok!(Registry::add_provider(RuntimeOrigin::root(), BOB));
        System::assert_last_event(Event::ProviderAdded { provider: BOB }.into());
        assert_noop!(
            Registry::add_provider(RuntimeOrigin::root(), BOB),
            Error::<Test>::AlreadyProvider
        );
        assert_ok!(Registry::remove_provider(RuntimeOrigin::root(), BOB));
        assert!(!Providers::<Test>::contains_key(BOB));
        assert_noop!(
            Registry::remove_provider(RuntimeOrigin::root(), BOB),
            Error::<Test>::NotProvider
        );
    });
}

#[test]
fn pins_are_attested_by_providers_up_to_the_bound() {
    new_test_ext().execute_with(|| {
        assert_ok!(Registry::register(
            RuntimeOrigin::signed(ALICE),
            input(HELLO),
            11
        ));
        assert_noop!(
            Registry::attest_pin(RuntimeOrigin::signed(BOB), input(HELLO)),
            Error::<Test>::NotProvider
        );
        for p in PROVIDERS {
            assert_ok!(Registry::add_provider(RuntimeOrigin::root(), p));
        }
        for p in &PROVIDERS[..3] {
            assert_ok!(Registry::attest_pin(
                RuntimeOrigin::signed(*p),
                input(HELLO)
            ));
        }
        System::assert_last_event(
            Event::PinAttested {
                cid: stored(HELLO),
                provider: PROVIDERS[2],
            }
            .into(),
        );
        assert_noop!(
            Registry::attest_pin(RuntimeOrigin::signed(PROVIDERS[0]), input(HELLO)),
            Error::<Test>::AlreadyPinned
        );
        assert_noop!(
            Registry::attest_pin(RuntimeOrigin::signed(PROVIDERS[3]), input(HELLO)),
            Error::<Test>::TooManyPins
        );
        let mut replicas = crate::Pallet::<Test>::replicas(&stored(HELLO));
        replicas.sort();
        assert_eq!(replicas, PROVIDERS[..3].to_vec());
        check();

        assert_ok!(Registry::withdraw_pin(
            RuntimeOrigin::signed(PROVIDERS[1]),
            input(HELLO)
        ));
        assert_noop!(
            Registry::withdraw_pin(RuntimeOrigin::signed(PROVIDERS[1]), input(HELLO)),
            Error::<Test>::NotPinned
        );
        assert_ok!(Registry::attest_pin(
            RuntimeOrigin::signed(PROVIDERS[3]),
            input(HELLO)
        ));
        check();
    });
}

#[test]
fn pins_need_a_registered_cid() {
    new_test_ext().execute_with(|| {
        assert_ok!(Registry::add_provider(RuntimeOrigin::root(), PROVIDERS[0]));
        assert_noop!(
            Registry::attest_pin(RuntimeOrigin::signed(PROVIDERS[0]), input(HELLO)),
            Error::<Test>::NotRegistered
        );
    });
}

#[test]
fn a_permanent_cid_holds_no_deposit_and_is_never_unregistered() {
    new_test_ext().execute_with(|| {
        // POOR cannot cover a deposit, and a permanent registration asks for none.
        let cid = crate::Pallet::<Test>::do_register_permanent(&POOR, HELLO.as_bytes(), 11)
            .unwrap_or_else(|e| panic!("registers: {e:?}"));
        let info = Cids::<Test>::get(&cid).unwrap_or_else(|| panic!("registered"));
        assert_eq!((info.owner, info.deposit, info.permanent), (POOR, 0, true));
        assert_eq!(held(POOR), 0);
        assert_noop!(
            Registry::unregister(RuntimeOrigin::signed(POOR), input(HELLO)),
            Error::<Test>::CidInUse
        );
        // Still one CID, one registration: the public call cannot take it over.
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(ALICE), input(HELLO), 11),
            Error::<Test>::AlreadyRegistered
        );
        check();
    });
}

#[test]
fn a_record_takes_over_a_cid_someone_registered_first() {
    // The squat: a stranger sees a record's CID in the pool and registers it first, cheaply. The
    // record still goes in, and the squatter keeps nothing but the fee they paid.
    new_test_ext().execute_with(|| {
        assert_ok!(Registry::register(
            RuntimeOrigin::signed(ALICE),
            input(HELLO),
            1
        ));
        assert_ok!(Registry::add_provider(RuntimeOrigin::root(), PROVIDERS[0]));
        assert_ok!(Registry::attest_pin(
            RuntimeOrigin::signed(PROVIDERS[0]),
            input(HELLO)
        ));
        assert_eq!(held(ALICE), 10);
        System::set_block_number(7);

        let cid = crate::Pallet::<Test>::do_register_permanent(&BOB, HELLO.as_bytes(), 11)
            .unwrap_or_else(|e| panic!("takes over: {e:?}"));
        let info = Cids::<Test>::get(&cid).unwrap_or_else(|| panic!("registered"));
        assert_eq!(
            (
                info.owner,
                info.size,
                info.deposit,
                info.permanent,
                info.pins
            ),
            (BOB, 11, 0, true, 1)
        );
        assert_eq!(info.registered_at, 7);
        assert_eq!(held(ALICE), 0);
        assert_eq!(held(BOB), 0);
        System::assert_last_event(
            Event::CidClaimed {
                cid: cid.clone(),
                previous_owner: ALICE,
                owner: BOB,
                size: 11,
            }
            .into(),
        );
        // The squatter can neither unregister it nor register it again.
        assert_noop!(
            Registry::unregister(RuntimeOrigin::signed(ALICE), input(HELLO)),
            Error::<Test>::NotOwner
        );
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(ALICE), input(HELLO), 1),
            Error::<Test>::AlreadyRegistered
        );
        check();
    });
}

#[test]
fn a_cid_other_records_point_at_can_be_pointed_at_again() {
    // A record registered first cannot veto another that references the same CID either.
    new_test_ext().execute_with(|| {
        let cid = crate::Pallet::<Test>::do_register_permanent(&ALICE, HELLO.as_bytes(), 11)
            .unwrap_or_else(|e| panic!("registers: {e:?}"));
        let before = Cids::<Test>::get(&cid);
        assert_eq!(
            crate::Pallet::<Test>::do_register_permanent(&BOB, HELLO.as_bytes(), 99),
            Ok(cid.clone())
        );
        assert_eq!(Cids::<Test>::get(&cid), before);
        check();
    });
}
