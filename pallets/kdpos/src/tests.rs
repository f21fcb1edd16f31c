//! Each call: success, every error, no state change on failure (`assert_noop!`), events; the
//! holds behind bonds, stakes and unbonding amounts.

use crate::{mock::*, *};
use frame_support::{
    assert_noop, assert_ok,
    traits::fungible::{Inspect, InspectHold},
};

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

#[test]
fn an_admin_stands_for_its_organisation_with_a_held_bond() {
    new_test_ext().execute_with(|| {
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H1), 1, 300));
        assert_eq!(
            last_event(),
            Event::CandidateRegistered {
                candidate: H1,
                org: 1,
                bond: 300
            }
            .into()
        );
        assert_eq!(held(HoldReason::CandidateBond, H1), 300);
        assert_eq!(Balances::balance(&H1), 700, "the bond is not spendable");
        assert_eq!(CandidateOf::<Test>::get(1), Some(H1));
        assert_eq!(CandidateCount::<Test>::get(), 1);
        check();
    });
}

#[test]
fn register_candidate_refuses_bad_input_and_changes_nothing() {
    new_test_ext().execute_with(|| {
        let register = |who: u64, org: OrgId, bond: u64| {
            Kdpos::register_candidate(RuntimeOrigin::signed(who), org, bond)
        };
        assert_noop!(register(H1, 2, 300), E::NotOrganisationAdmin);
        assert_noop!(register(V1, 1, 300), E::NotOrganisationAdmin);
        assert_noop!(register(H1, 1, 99), E::BondBelowMinimum);
        assert_noop!(register(POOR, 5, 100), E::InsufficientBalance);
        assert_ok!(register(H1, 1, 300));
        assert_noop!(register(H1, 1, 300), E::AlreadyCandidate);
        // One seat per organisation: a second admin of it cannot stand too.
        assert_noop!(register(H1_OTHER, 1, 300), E::OrganisationHasCandidate);
        assert_ok!(register(H2, 2, 300));
        assert_ok!(register(H3, 3, 300));
        // MaxCandidates = 3.
        assert_noop!(register(H4, 4, 300), E::TooManyCandidates);
        check();
    });
}

#[test]
fn bonds_grow_and_unbond_through_a_held_delay() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            Kdpos::bond_extra(RuntimeOrigin::signed(H1), 50),
            E::NotCandidate
        );
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H1), 1, 300));
        assert_noop!(
            Kdpos::bond_extra(RuntimeOrigin::signed(H1), 0),
            E::ZeroAmount
        );
        assert_noop!(
            Kdpos::bond_extra(RuntimeOrigin::signed(H1), 701),
            E::InsufficientBalance
        );
        assert_ok!(Kdpos::bond_extra(RuntimeOrigin::signed(H1), 50));
        assert_eq!(
            last_event(),
            Event::Bonded {
                candidate: H1,
                amount: 50
            }
            .into()
        );
        assert_eq!(held(HoldReason::CandidateBond, H1), 350);

        assert_noop!(
            Kdpos::unbond(RuntimeOrigin::signed(H1), 351),
            E::UnbondTooMuch
        );
        // 350 - 251 = 99 would be left: below the minimum.
        assert_noop!(
            Kdpos::unbond(RuntimeOrigin::signed(H1), 251),
            E::BondBelowMinimum
        );
        assert_noop!(Kdpos::unbond(RuntimeOrigin::signed(V1), 1), E::NotCandidate);
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H1), 150));
        assert_eq!(
            last_event(),
            Event::Unbonded {
                who: H1,
                amount: 150,
                at: 6
            }
            .into()
        );
        assert_eq!(held(HoldReason::CandidateBond, H1), 200);
        assert_eq!(
            held(HoldReason::Unbonding, H1),
            150,
            "still held while unbonding"
        );
        assert_eq!(Balances::balance(&H1), 650);

        assert_noop!(
            Kdpos::withdraw_unbonded(RuntimeOrigin::signed(H1)),
            E::NothingToWithdraw
        );
        System::set_block_number(6);
        assert_ok!(Kdpos::withdraw_unbonded(RuntimeOrigin::signed(H1)));
        assert_eq!(
            last_event(),
            Event::Withdrawn {
                who: H1,
                amount: 150
            }
            .into()
        );
        assert_eq!(held(HoldReason::Unbonding, H1), 0);
        assert_eq!(Balances::balance(&H1), 800);
        assert!(Unlocking::<Test>::get(H1).is_empty());
        check();
    });
}

#[test]
fn unbonding_everything_ends_the_candidacy_and_frees_the_seat() {
    new_test_ext().execute_with(|| {
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H1), 1, 300));
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H1), 300));
        assert!(System::events().iter().any(|e| e.event
            == Event::CandidateLeft {
                candidate: H1,
                org: 1
            }
            .into()));
        assert_eq!(Candidates::<Test>::get(H1), None);
        assert_eq!(CandidateCount::<Test>::get(), 0);
        assert_ok!(Kdpos::register_candidate(
            RuntimeOrigin::signed(H1_OTHER),
            1,
            100
        ));
        check();
    });
}

#[test]
fn unbonding_amounts_are_bounded() {
    new_test_ext().execute_with(|| {
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H1), 1, 400));
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H1), 100));
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H1), 100));
        // MaxUnlocking = 2.
        assert_noop!(
            Kdpos::unbond(RuntimeOrigin::signed(H1), 100),
            E::TooManyUnlocking
        );
        System::set_block_number(6);
        assert_ok!(Kdpos::withdraw_unbonded(RuntimeOrigin::signed(H1)));
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H1), 100));
        check();
    });
}

#[test]
fn votes_name_up_to_sixteen_distinct_candidates_with_held_stake() {
    new_test_ext().execute_with(|| {
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H1), 1, 300));
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H2), 2, 300));
        let vote = |who: u64, t: &[u64], stake: u64| {
            Kdpos::vote(RuntimeOrigin::signed(who), targets(t), stake)
        };
        assert_noop!(vote(V1, &[], 50), E::NoTargets);
        assert_noop!(vote(V1, &[H1, H1], 50), E::DuplicateTarget);
        assert_noop!(vote(V1, &[H1, H3], 50), E::UnknownCandidate);
        assert_noop!(vote(V1, &[H1], 9), E::StakeBelowMinimum);
        assert_noop!(vote(V1, &[H1], 1_001), E::InsufficientBalance);
        assert_ok!(vote(V1, &[H1, H2], 500));
        assert_eq!(
            last_event(),
            Event::Voted {
                voter: V1,
                stake: 500,
                targets: 2
            }
            .into()
        );
        assert_eq!(held(HoldReason::VoterStake, V1), 500);
        // Raising the stake holds the difference; lowering it unbonds the difference.
        assert_ok!(vote(V1, &[H2], 700));
        assert_eq!(held(HoldReason::VoterStake, V1), 700);
        assert_ok!(vote(V1, &[H2], 200));
        assert_eq!(held(HoldReason::VoterStake, V1), 200);
        assert_eq!(held(HoldReason::Unbonding, V1), 500);
        assert_eq!(
            Voters::<Test>::get(V1).map(|v| v.targets.into_inner()),
            Some(vec![H2])
        );
        check();
    });
}

#[test]
fn a_vote_is_removed_and_its_stake_unbonds() {
    new_test_ext().execute_with(|| {
        assert_noop!(Kdpos::remove_vote(RuntimeOrigin::signed(V2)), E::NoVote);
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H1), 1, 300));
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(V2), targets(&[H1]), 100));
        assert_ok!(Kdpos::remove_vote(RuntimeOrigin::signed(V2)));
        assert_eq!(last_event(), Event::VoteRemoved { voter: V2 }.into());
        assert_eq!(Voters::<Test>::get(V2), None);
        assert_eq!(held(HoldReason::VoterStake, V2), 0);
        assert_eq!(held(HoldReason::Unbonding, V2), 100);
        check();
    });
}

// ---- the era's election over stored state ----

fn three_candidates() {
    for (who, org) in [(H1, 1), (H2, 2), (H3, 3)] {
        assert_ok!(Kdpos::register_candidate(
            RuntimeOrigin::signed(who),
            org,
            100
        ));
    }
}

fn verdict(e: &kdpos_primitives::Election<u64>, who: u64) -> kdpos_primitives::Verdict {
    e.verdicts
        .iter()
        .find(|(c, _)| *c == who)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("{who} has a verdict"))
}

#[test]
fn votes_decide_the_producers_among_newcomers() {
    use kdpos_primitives::{Class, Verdict};
    new_test_ext().execute_with(|| {
        three_candidates();
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(V1), targets(&[H2]), 400));
        assert_ok!(Kdpos::vote(
            RuntimeOrigin::signed(V2),
            targets(&[H1, H2]),
            200
        ));
        let (classes, tally, election) =
            Pallet::<Test>::prepare_election().unwrap_or_else(|e| panic!("{e}"));
        // Newcomers have the neutral record of an era without evidence: Qualified at best.
        assert!(classes
            .candidates
            .iter()
            .all(|c| c.class != Class::Excellent));
        // Raw backing: each candidate's own bond plus the votes naming it (all three are in the
        // vote range: 3 <= P + B).
        assert_eq!(tally.total, 300 + 600);
        assert_eq!(election.producers, vec![H2, H1], "most backed first");
        // H3 has no session keys: it cannot produce, whatever its standing.
        assert_eq!(verdict(&election, H3), Verdict::NoKeys);
        assert!(election.standbys.is_empty());
    });
}

#[test]
fn a_poor_record_or_a_ban_keeps_a_candidate_out_and_its_votes_count_nothing() {
    use kdpos_primitives::{Class, Features, Record, Verdict};
    new_test_ext().execute_with(|| {
        three_candidates();
        // H2 missed most of its slots last era.
        Performance::<Test>::insert(
            H2,
            Record {
                features: Features {
                    production: 200_000,
                    liveness: 900_000,
                    voting: 0,
                    integrity: 1_000_000,
                    endorsement: 0,
                },
                penalty: 0,
                eras: 1,
            },
        );
        BannedUntil::<Test>::insert(H1, 3);
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(V1), targets(&[H2]), 400));
        let (classes, tally, election) =
            Pallet::<Test>::prepare_election().unwrap_or_else(|e| panic!("{e}"));
        let class_of = |who| {
            classes
                .candidates
                .iter()
                .find(|c| c.id == who)
                .map(|c| c.class)
        };
        assert_eq!(class_of(H2), Some(Class::Poor));
        assert_eq!(class_of(H1), Some(Class::Poor), "banned means Poor");
        assert_eq!(
            tally.wasted, 400,
            "a vote for a Poor candidate counts nothing"
        );
        assert_eq!(verdict(&election, H1), Verdict::Banned);
        assert_eq!(verdict(&election, H2), Verdict::NotEligible);
        assert!(
            election.producers.is_empty(),
            "H3, the only one left, has no keys"
        );
        // The ban ends with its era.
        CurrentEra::<Test>::put(3);
        let (_, _, election) = Pallet::<Test>::prepare_election().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(election.producers, vec![H1]);
    });
}

// ---- performance counters and the era boundary ----

#[test]
fn authored_blocks_and_heartbeats_count_once_per_session() {
    use pallet_authorship::EventHandler;
    new_test_ext().execute_with(|| {
        three_candidates();
        Kdpos::note_author(H1);
        Kdpos::note_author(H1);
        Kdpos::note_author(V1); // not a candidate: nothing to count
        let c = Counters::<Test>::get(H1);
        assert_eq!((c.authored, c.live_sessions), (2, 1));
        assert_eq!(Counters::<Test>::get(V1), Default::default());

        // A heartbeat is free once per session, refused a second time and from non-candidates.
        let post = Kdpos::heartbeat(RuntimeOrigin::signed(H2)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(post.pays_fee, frame_support::dispatch::Pays::No);
        assert_eq!(
            last_event(),
            Event::Heartbeat {
                candidate: H2,
                session: 0
            }
            .into()
        );
        assert_noop!(Kdpos::heartbeat(RuntimeOrigin::signed(H2)), E::AlreadyLive);
        assert_noop!(Kdpos::heartbeat(RuntimeOrigin::signed(H1)), E::AlreadyLive);
        assert_noop!(Kdpos::heartbeat(RuntimeOrigin::signed(V1)), E::NotCandidate);
        Session::set(1);
        assert_ok!(Kdpos::heartbeat(RuntimeOrigin::signed(H2)));
        assert_eq!(Counters::<Test>::get(H2).live_sessions, 2);
    });
}

#[test]
fn the_era_boundary_folds_counters_into_records_and_elects() {
    use kdpos_primitives::PPM;
    use pallet_authorship::EventHandler;
    new_test_ext().execute_with(|| {
        three_candidates();
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(V1), targets(&[H1]), 400));
        // H1 voted itself (as a voter) and was live in all four sessions.
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(H1), targets(&[H1]), 10));
        for s in 0..4 {
            Session::set(s);
            Kdpos::note_author(H1);
        }
        let election = Pallet::<Test>::end_era().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(CurrentEra::<Test>::get(), 1);
        let h1 = Performance::<Test>::get(H1).unwrap_or_else(|| panic!("folded"));
        assert_eq!(
            h1.features.production, PPM,
            "authored every own slot counted"
        );
        assert_eq!(h1.features.liveness, PPM, "live in 4 of 4 sessions");
        assert_eq!(h1.features.voting, PPM);
        assert!(h1.features.endorsement > 0);
        let h2 = Performance::<Test>::get(H2).unwrap_or_else(|| panic!("folded"));
        assert_eq!(h2.features.liveness, 0, "never live");
        assert!(
            Counters::<Test>::iter().next().is_none(),
            "counters start afresh"
        );
        assert!(Classes::<Test>::get(H1).is_some());
        assert_eq!(election.producers.first(), Some(&H1));
        assert!(System::events()
            .iter()
            .any(|e| matches!(e.event, RuntimeEvent::Kdpos(Event::EraEnded { era: 0, .. }))));
        check();
    });
}

#[test]
fn skipped_slots_are_misses_of_their_authorities_and_a_run_is_a_liveness_fault() {
    new_test_ext().execute_with(|| {
        three_candidates();
        let set = [H1, H2, H3];
        // Slots 10, 11, 12 skipped: 10 % 3 = 1 (H2), 11 -> H3, 12 -> H1; slot 13 is H2's block.
        assert!(Pallet::<Test>::note_slots(9, 13, &set).is_empty());
        let missed = |who| Counters::<Test>::get(who).missed;
        assert_eq!((missed(H1), missed(H2), missed(H3)), (1, 1, 1));
        assert_eq!(ConsecutiveMissed::<Test>::get(H2), 0, "H2 authored slot 13");
        // Slots 14..=19 skipped (two each), slot 20 is H3's: H1 and H3 reach 1 + 2 = 3 in a row,
        // but H3 authored slot 20, so only H1 is a fault.
        let faulty = Pallet::<Test>::note_slots(13, 20, &set);
        assert_eq!(faulty, vec![H1]);
        assert_eq!(
            last_event(),
            Event::LivenessFault {
                producer: H1,
                consecutive: 3
            }
            .into()
        );
        assert_eq!((missed(H1), missed(H2), missed(H3)), (3, 3, 3));
        assert_eq!(ConsecutiveMissed::<Test>::get(H2), 2);
        assert_eq!(ConsecutiveMissed::<Test>::get(H3), 0);
        // A fault is reported once per run, not again while the run goes on.
        assert!(Pallet::<Test>::note_slots(20, 22, &set).is_empty());
        assert_eq!(ConsecutiveMissed::<Test>::get(H1), 4);
        // Consecutive blocks skip nothing; a huge gap costs no more work than a small one.
        assert!(Pallet::<Test>::note_slots(22, 23, &set).is_empty());
        // Slots 24 .. 3_000_000_022 skipped; 3_000_000_023 is H3's (index 2).
        let faulty = Pallet::<Test>::note_slots(23, 3_000_000_023, &set);
        assert_eq!(faulty, vec![H2], "H1 is in its run already, H3 authored");
        // H3's own slots among them: 26, 29, ..., 3_000_000_020.
        assert_eq!(missed(H3), 3 + 999_999_999);
    });
}
