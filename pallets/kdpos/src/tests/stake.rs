//! Stake: candidacies, bonds, unbonding through the held delay, votes and their bounds.

use super::*;

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
                at: 21
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
        System::set_block_number(21);
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
        // H3 produces nothing (it has no session keys), so it may leave at any time.
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H3), 3, 300));
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H3), 300));
        assert!(System::events().iter().any(|e| e.event
            == Event::CandidateLeft {
                candidate: H3,
                org: 3
            }
            .into()));
        assert_eq!(Candidates::<Test>::get(H3), None);
        assert_eq!(CandidateCount::<Test>::get(), 0);
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H3), 3, 100));
        check();
    });
}

#[test]
fn a_producer_cannot_leave_mid_era() {
    new_test_ext().execute_with(|| {
        // H1 is in the live set (a genesis validator).
        assert!(pallet_session::Validators::<Test>::get().contains(&H1));
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H1), 1, 300));
        assert_noop!(
            Kdpos::unbond(RuntimeOrigin::signed(H1), 300),
            E::StillProducing
        );
        // Unbonding part of the bond, down to the minimum, is fine.
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H1), 200));
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
        System::set_block_number(21);
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

#[test]
fn voters_are_bounded() {
    new_test_ext().execute_with(|| {
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H3), 3, 100));
        for v in [V1, V2, V3] {
            assert_ok!(Kdpos::vote(RuntimeOrigin::signed(v), targets(&[H3]), 10));
        }
        // MaxVoters = 3; a voter changing its vote is no new voter.
        assert_noop!(
            Kdpos::vote(RuntimeOrigin::signed(V4), targets(&[H3]), 10),
            E::TooManyVoters
        );
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(V1), targets(&[H3]), 20));
        assert_ok!(Kdpos::remove_vote(RuntimeOrigin::signed(V2)));
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(V4), targets(&[H3]), 10));
        assert_eq!(VoterCount::<Test>::get(), 3);
        check();
    });
}

#[test]
fn a_removed_admin_that_does_not_produce_stops_standing_at_once() {
    new_test_ext().execute_with(|| {
        // H3 has no session keys, so it produces nothing.
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H3), 3, 300));
        // Someone who is not the organisation's candidate changes nothing.
        Kdpos::disown(3, &H1);
        Kdpos::disown(1, &H3);
        assert!(Candidates::<Test>::contains_key(H3));
        RemovedAdmins::mutate(|r| r.push((3, H3)));
        Kdpos::disown(3, &H3);
        assert_eq!(Candidates::<Test>::get(H3), None);
        assert_eq!(CandidateOf::<Test>::get(3), None);
        assert_eq!(held(HoldReason::CandidateBond, H3), 0);
        assert_eq!(held(HoldReason::Unbonding, H3), 300);
        let ev = events();
        assert!(ev.contains(&Event::CandidateDisowned {
            candidate: H3,
            org: 3
        }));
        assert!(ev.contains(&Event::CandidateLeft {
            candidate: H3,
            org: 3
        }));
        assert!(Disowned::<Test>::get().is_empty());
        // The organisation's seat is free again (here for H3 itself, made admin again).
        RemovedAdmins::mutate(|r| r.clear());
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H3), 3, 100));
        check();
    });
}

#[test]
fn a_removed_admin_that_produces_is_not_elected_again_and_leaves_when_it_stops() {
    new_test_ext().execute_with(|| {
        three_candidates();
        // H4 too, so that the election without H1 still fills both seats (one producer would be
        // fewer than the minimum, and the set would be kept).
        MaxCandidates::set(4);
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H4), 4, 100));
        run_to_session(SessionsPerEra::get());
        assert!(Producers::<Test>::get().contains(&H1));
        RemovedAdmins::mutate(|r| r.push((1, H1)));
        Kdpos::disown(1, &H1);
        // Its bond answers for the blocks it makes this era: still a candidate, still bonded.
        assert!(Candidates::<Test>::contains_key(H1));
        assert_eq!(Disowned::<Test>::get().to_vec(), vec![H1]);
        assert_eq!(held(HoldReason::CandidateBond, H1), 100);
        check();
        // The next era is elected without it, and once it has left the live set its candidacy
        // ends.
        run_to_session(2 * SessionsPerEra::get() + 2);
        assert!(!Producers::<Test>::get().contains(&H1));
        assert!(!pallet_session::Validators::<Test>::get().contains(&H1));
        assert_eq!(Candidates::<Test>::get(H1), None);
        assert!(Disowned::<Test>::get().is_empty());
        assert_eq!(held(HoldReason::Unbonding, H1), 100);
        check();
    });
}
