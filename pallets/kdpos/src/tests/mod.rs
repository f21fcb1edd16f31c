//! The pallet's tests, one file per concern; each call: success, every error, no state change on
//! failure (`assert_noop!`), events; the holds behind bonds, stakes and unbonding amounts. The
//! helpers here are shared by several files; the test runtime is `crate::mock`.

use crate::{mock::*, *};
use frame_support::{
    assert_noop, assert_ok,
    traits::fungible::{Inspect, InspectHold},
};

mod api;
mod era;
mod genesis;
mod offences;
mod session;
mod stake;

type E = Error<Test>;

fn check() {
    assert_ok!(Pallet::<Test>::do_try_state());
}

fn held(reason: HoldReason, who: u64) -> u64 {
    Balances::balance_on_hold(&RuntimeHoldReason::Kdpos(reason), &who)
}

fn last_event() -> RuntimeEvent {
    System::events()
        .pop()
        .map(|r| r.event)
        .unwrap_or_else(|| panic!("an event was deposited"))
}

fn targets(t: &[u64]) -> BoundedVec<u64, ConstU32<MAX_TARGETS>> {
    BoundedVec::truncate_from(t.to_vec())
}

fn events() -> Vec<Event<Test>> {
    System::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Kdpos(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn three_candidates() {
    for (who, org) in [(H1, 1), (H2, 2), (H3, 3)] {
        assert_ok!(Kdpos::register_candidate(
            RuntimeOrigin::signed(who),
            org,
            100
        ));
    }
}
