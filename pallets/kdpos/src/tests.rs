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
        pallet_session::CurrentIndex::<Test>::put(1);
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
        // The election that opened the era counted V1's vote for H1: its endorsement.
        let (_, opening, _) = Pallet::<Test>::prepare_election().unwrap_or_else(|e| panic!("{e}"));
        Pallet::<Test>::store_backing(&opening);
        // H1 voted itself (as a voter) and was live in all four sessions of the books.
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(H1), targets(&[H1]), 10));
        for s in 0..4 {
            pallet_session::CurrentIndex::<Test>::put(s);
            Kdpos::note_author(H1);
        }
        // The rotation into session 4 closes the books.
        pallet_session::CurrentIndex::<Test>::put(4);
        assert_ok!(Pallet::<Test>::close_books());
        assert_eq!(
            CurrentEra::<Test>::get(),
            0,
            "the books close before the era ends"
        );
        let election = Pallet::<Test>::elect_era().unwrap_or_else(|e| panic!("{e}"));
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

// ---- the live set: genesis, rotation timing, eviction and offences ----

fn events() -> Vec<Event<Test>> {
    System::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Kdpos(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn genesis_elects_the_producers_and_the_session_runs_them() {
    four_producers().execute_with(|| {
        let producers = Producers::<Test>::get().into_inner();
        assert_eq!(producers, vec![H1, H2, H4, H6], "most backed first");
        assert_eq!(Standbys::<Test>::get().into_inner(), vec![H7]);
        assert_eq!(pallet_session::Validators::<Test>::get(), producers);
        let aura: Vec<_> = pallet_aura::Authorities::<Test>::get().into_inner();
        assert_eq!(
            aura,
            producers.iter().map(|p| aura_id(*p)).collect::<Vec<_>>()
        );
        assert!(
            Classes::<Test>::get(H7).is_some(),
            "every candidate has a class"
        );
        check();
    });
}

#[test]
fn sessions_rotate_every_period_and_a_set_goes_live_one_rotation_after_it_is_planned() {
    let mut ext = four_producers();
    SessionsPerEra::set(4);
    ext.execute_with(|| {
        // SessionPeriod = 10 blocks; blocks 2.. are made by run_to_session.
        run_to_session(1);
        assert_eq!(System::block_number(), 10);
        // H7 shows it is live every session and gets a whale's vote. The books close when
        // session 2 starts (sessions 0 and 1 counted), and at the era boundary (session 4 is
        // planned when session 3 starts) it is elected.
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(V1), targets(&[H7]), 900));
        for s in 1..=3 {
            run_to_session(s);
            assert_ok!(Kdpos::heartbeat(RuntimeOrigin::signed(H7)));
        }
        assert_eq!(
            CurrentEra::<Test>::get(),
            1,
            "era 0 ended when session 4 was planned"
        );
        assert!(
            Producers::<Test>::get().contains(&H7),
            "elected for session 4"
        );
        assert!(
            !pallet_session::Validators::<Test>::get().contains(&H7),
            "but session 3 still runs the old set"
        );
        run_to_session(4);
        assert!(
            pallet_session::Validators::<Test>::get().contains(&H7),
            "live from session 4"
        );
        assert!(events()
            .iter()
            .any(|e| matches!(e, Event::Elected { era: 1, .. })));
        check();
    });
}

#[test]
fn the_books_close_one_rotation_before_the_election_and_a_late_candidate_waits() {
    use kdpos_primitives::{Class, ClassReason};
    let mut ext = four_producers();
    SessionsPerEra::set(4);
    ext.execute_with(|| {
        run_to_session(1);
        assert_eq!(ClassifiedFor::<Test>::get(), None);
        // Session 3 is planned when session 2 starts: era 0's books close then, in their own
        // block, and the classes for era 1 are kept.
        run_to_session(2);
        assert!(events().iter().any(|e| matches!(
            e,
            Event::BooksClosed {
                era: 0,
                candidates: 5
            }
        )));
        assert!(!events().iter().any(|e| matches!(e, Event::EraEnded { .. })));
        assert_eq!(CurrentEra::<Test>::get(), 0);
        assert_eq!(ClassifiedFor::<Test>::get().map(|(era, _)| era), Some(1));
        assert_eq!(BooksOpenedIn::<Test>::get(), 2);
        // H3 stands after the books closed: the election will not count it before the next
        // classification.
        assert_ok!(Kdpos::register_candidate(RuntimeOrigin::signed(H3), 3, 100));
        let (classes, _, _) = Pallet::<Test>::prepare_election().unwrap_or_else(|e| panic!("{e}"));
        let h3 = classes
            .candidates
            .iter()
            .find(|c| c.id == H3)
            .unwrap_or_else(|| panic!("H3 in the preview"));
        assert_eq!(
            (h3.class, h3.reason),
            (Class::Poor, ClassReason::Unclassified)
        );
        // Session 4 is planned when session 3 starts: the election, with the kept classes.
        System::reset_events();
        run_to_session(3);
        assert_eq!(CurrentEra::<Test>::get(), 1);
        assert!(events()
            .iter()
            .any(|e| matches!(e, Event::EraEnded { era: 0, .. })));
        assert!(!events()
            .iter()
            .any(|e| matches!(e, Event::BooksClosed { .. })));
        check();
    });
}

#[test]
fn a_producer_missing_its_slots_is_disabled_and_replaced_by_the_standby() {
    four_producers().execute_with(|| {
        run_to_session(1);
        let slot_before = LastSlot::<Test>::get();
        // H2 goes silent: its slots are skipped. Threshold: 3 in a row.
        blocks_without(H2, 12);
        assert!(LastSlot::<Test>::get() > slot_before);
        let fault = LastFault::<Test>::get(H2).unwrap_or_else(|| panic!("a fault is recorded"));
        assert_eq!(fault.fault, kdpos_primitives::Fault::MissedSlots(3));
        assert_eq!(fault.action, FaultAction::Evicted);
        assert_eq!(fault.slashed, 0, "no slash for a liveness fault");
        assert!(events().contains(&Event::ProducerEvicted {
            producer: H2,
            fault: kdpos_primitives::Fault::MissedSlots(3),
            replacement: Some(H7),
        }));
        let standing = Classes::<Test>::get(H2).unwrap_or_else(|| panic!("classed"));
        assert_eq!((standing.class, standing.faulted), (Class::Poor, true));
        // Two forced rotations later (the next two blocks) H7 produces in H2's place.
        assert_eq!(ForcedRotations::<Test>::get(), 0);
        let live = pallet_session::Validators::<Test>::get();
        assert!(live.contains(&H7) && !live.contains(&H2), "{live:?}");
        assert!(Counters::<Test>::get(H2).missed >= 3);
        assert_eq!(BannedUntil::<Test>::get(H2), None, "no ban either");
        // It sits the next election out.
        let (_, _, next) = Pallet::<Test>::prepare_election().unwrap_or_else(|e| panic!("{e}"));
        assert!(!next.producers.contains(&H2) && !next.standbys.contains(&H2));
        check();
    });
}

#[test]
fn a_disabled_producer_cannot_author_in_the_rotation_that_brings_it_back() {
    four_producers().execute_with(|| {
        run_to_session(1);
        // Miss H2's slots until it is evicted (the rotation runs in the evicting block).
        while LastFault::<Test>::get(H2).is_none() {
            blocks_without(H2, 1);
        }
        // The evicting block forced the first rotation: the live set is the one queued before
        // the eviction, with H2 in it, and H2 is disabled there again.
        assert_eq!(ForcedRotations::<Test>::get(), 1);
        let i = pallet_session::Pallet::<Test>::validator_id_to_index(&H2)
            .unwrap_or_else(|| panic!("H2 is still in the live set"));
        assert!(pallet_session::Pallet::<Test>::disabled_validators().contains(&i));
        assert!(Evicted::<Test>::get().contains(&H2));
        // Aura refuses a block in H2's slot.
        let slot = (LastSlot::<Test>::get() + 1..)
            .find(|s| author_of(*s) == H2)
            .unwrap_or_else(|| panic!("H2 has slots"));
        let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| block_at(slot)));
        assert!(refused.is_err(), "a disabled validator's block is invalid");
    });
}

#[test]
fn a_liveness_fault_that_would_stall_finality_is_recorded_not_acted_on() {
    // Two producers: GRANDPA needs both (more than two thirds), so neither may be disabled.
    new_test_ext_with(vec![(H1, 1, 300), (H2, 2, 200), (H4, 4, 100)], vec![]).execute_with(|| {
        assert_eq!(pallet_session::Validators::<Test>::get(), vec![H1, H2]);
        run_to_session(1);
        blocks_without(H2, 4);
        let fault = LastFault::<Test>::get(H2).unwrap_or_else(|| panic!("recorded"));
        assert_eq!(
            fault.action,
            FaultAction::Deferred {
                online: 2,
                needed: 2
            }
        );
        assert!(events().contains(&Event::EvictionDeferred {
            producer: H2,
            online: 2,
            needed: 2
        }));
        assert!(pallet_session::Pallet::<Test>::disabled_validators().is_empty());
        assert_eq!(pallet_session::Validators::<Test>::get(), vec![H1, H2]);
        check();
    });
}

/// An equivocation of `offender` in `slot`: two headers of one height, both sealed by it.
fn proof(
    offender: u64,
    signer: u64,
    slot: u64,
) -> Box<
    sp_consensus_slots::EquivocationProof<
        <Block as sp_runtime::traits::Block>::Header,
        sp_consensus_aura::sr25519::AuthorityId,
    >,
> {
    let n = System::block_number();
    Box::new(sp_consensus_slots::EquivocationProof {
        offender: aura_id(offender),
        slot: slot.into(),
        first_header: sealed_header(n, slot, signer, 1),
        second_header: sealed_header(n, slot, signer, 2),
    })
}

/// A slot of this session that Aura gave to `who`.
fn slot_of(who: u64) -> u64 {
    let last = LastSlot::<Test>::get();
    (SessionFirstSlot::<Test>::get()..=last)
        .rev()
        .find(|s| author_of(*s) == who)
        .unwrap_or_else(|| panic!("{who} had a slot this session"))
}

#[test]
fn an_aura_equivocation_is_proven_punished_rewarded_and_replaced_in_the_same_block() {
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(0, 6);
        let slot = slot_of(H4);
        let before = Balances::free_balance(V1);
        let post = Kdpos::report_equivocation(RuntimeOrigin::signed(V1), proof(H4, H4, slot))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(post.pays_fee, frame_support::dispatch::Pays::No);
        // 10 % of 300 slashed, half of it to the reporter, the rest burned.
        assert_eq!(held(HoldReason::CandidateBond, H4), 270);
        assert_eq!(Candidates::<Test>::get(H4).map(|c| c.bond), Some(270));
        assert_eq!(Balances::free_balance(V1), before + 15);
        assert!(events().contains(&Event::Slashed {
            offender: H4,
            amount: 30,
            reward: 15
        }));
        assert_eq!(
            BannedUntil::<Test>::get(H4),
            Some(3),
            "era 0 + ban_eras 2 + 1"
        );
        assert_eq!(
            Performance::<Test>::get(H4),
            None,
            "no record yet; the fold applies the points"
        );
        assert_eq!(Counters::<Test>::get(H4).offence_points, 1_000_000);
        let i = pallet_session::Pallet::<Test>::validator_id_to_index(&H4)
            .unwrap_or_else(|| panic!("H4 is live"));
        assert!(pallet_session::Pallet::<Test>::disabled_validators().contains(&i));
        assert_eq!(Classes::<Test>::get(H4).map(|c| c.class), Some(Class::Poor));
        assert!(events().contains(&Event::ProducerEvicted {
            producer: H4,
            fault: kdpos_primitives::Fault::Equivocation,
            replacement: Some(H7),
        }));
        // The replay is refused and changes nothing.
        assert_noop!(
            Kdpos::report_equivocation(RuntimeOrigin::signed(V2), proof(H4, H4, slot)),
            E::DuplicateReport
        );
        // Two blocks later H7 produces in its place.
        blocks_without(H4, 2);
        let live = pallet_session::Validators::<Test>::get();
        assert!(live.contains(&H7) && !live.contains(&H4), "{live:?}");
        check();
    });
}

#[test]
fn forged_stale_and_malformed_equivocation_proofs_are_refused_and_change_nothing() {
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(0, 6);
        let report = |p| Kdpos::report_equivocation(RuntimeOrigin::signed(V1), p);
        let slot = slot_of(H4);
        // One header twice.
        let mut same = proof(H4, H4, slot);
        same.second_header = same.first_header.clone();
        assert_noop!(report(same), E::SameHeader);
        // Headers of another slot than the proof's.
        let mut other = proof(H4, H4, slot);
        other.slot = (slot + 1).into();
        assert_noop!(report(other), E::SlotMismatch);
        // Sealed by someone else's key (a forgery of H4's equivocation).
        assert_noop!(report(proof(H4, H1, slot)), E::BadSeal);
        // H1 really sealed two headers, but for H4's slot: not its slot, no offence of Aura's.
        assert_noop!(report(proof(H1, H1, slot)), E::NotSlotAuthor);
        // A slot of an earlier session, or one still to come.
        let stale = SessionFirstSlot::<Test>::get() - 1;
        assert_noop!(
            report(proof(author_of(stale), author_of(stale), stale)),
            E::StaleProof
        );
        let future = LastSlot::<Test>::get() + 4;
        assert_noop!(
            report(proof(author_of(future), author_of(future), future)),
            E::StaleProof
        );
        check();
    });
}

#[test]
fn a_grandpa_offence_through_pallet_offences_is_punished_once() {
    use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
    four_producers().execute_with(|| {
        run_to_session(1);
        let offence = [OffenceDetails {
            offender: (H6, ()),
            reporters: vec![V2],
        }];
        let before = Balances::free_balance(V2);
        <Kdpos as OnOffenceHandler<u64, (u64, ()), Weight>>::on_offence(
            &offence,
            &[Perbill::from_percent(100)],
            1,
        );
        assert_eq!(
            held(HoldReason::CandidateBond, H6),
            180,
            "our 10 %, not the offence's"
        );
        assert_eq!(Balances::free_balance(V2), before + 10);
        assert!(BannedUntil::<Test>::get(H6).is_some());
        // pallet-offences passes earlier offenders again with each new report: no second slash.
        <Kdpos as OnOffenceHandler<u64, (u64, ()), Weight>>::on_offence(
            &offence,
            &[Perbill::from_percent(100)],
            1,
        );
        assert_eq!(held(HoldReason::CandidateBond, H6), 180);
        check();
    });
}

#[test]
fn the_last_enabled_validator_is_never_disabled() {
    new_test_ext_with(vec![(H1, 1, 300)], vec![]).execute_with(|| {
        assert_eq!(pallet_session::Validators::<Test>::get(), vec![H1]);
        run_to_session(1);
        blocks_without(0, 2);
        let slot = LastSlot::<Test>::get();
        assert_ok!(Kdpos::report_equivocation(
            RuntimeOrigin::signed(V1),
            proof(H1, H1, slot)
        ));
        // Punished, but still producing: disabling it would stop the chain.
        assert!(BannedUntil::<Test>::get(H1).is_some());
        assert!(pallet_session::Pallet::<Test>::disabled_validators().is_empty());
        assert!(matches!(
            LastFault::<Test>::get(H1).map(|f| f.action),
            Some(FaultAction::Deferred { .. })
        ));
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
fn the_runtime_api_explains_classes_roles_and_faults() {
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(H2, 12);
        let all = Pallet::<Test>::api_candidates();
        assert_eq!(all.len(), 5);
        let h2 = all
            .iter()
            .find(|c| c.account == H2)
            .unwrap_or_else(|| panic!("listed"));
        assert_eq!(h2.standing.map(|s| s.class), Some(Class::Poor));
        assert_eq!(
            h2.last_fault.as_ref().map(|f| f.action),
            Some(FaultAction::Evicted)
        );
        assert_eq!(h2.role, runtime_api::Role::Candidate);
        let h7 = all
            .iter()
            .find(|c| c.account == H7)
            .unwrap_or_else(|| panic!("listed"));
        assert_eq!(h7.role, runtime_api::Role::Producer);
        let set = Pallet::<Test>::api_validators();
        assert_eq!(set.active, pallet_session::Validators::<Test>::get());
        let preview = Pallet::<Test>::api_preview().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(preview.candidates.len(), 5);
        assert!(preview.candidates.iter().all(|c| c.verdict.is_some()));
        assert_eq!(
            Pallet::<Test>::api_eligible(),
            preview
                .candidates
                .iter()
                .filter(|c| c.eligible)
                .map(|c| c.account)
                .collect::<Vec<_>>()
        );
    });
}

#[test]
fn the_genesis_sets_the_seats_of_its_chain() {
    let config = RuntimeGenesisConfig {
        balances: pallet_balances::GenesisConfig {
            balances: vec![(H1, 1_000), (H2, 1_000), (H4, 1_000)],
            ..Default::default()
        },
        kdpos: GenesisConfig {
            producers: 1,
            standbys: 2,
            candidates: vec![(H1, 1, 300), (H2, 2, 200), (H4, 4, 100)],
            votes: vec![],
        },
        session: pallet_session::GenesisConfig {
            keys: [H1, H2, H4]
                .iter()
                .map(|a| (*a, *a, MockSessionKeys { aura: aura_id(*a) }))
                .collect(),
            ..Default::default()
        },
        ..Default::default()
    };
    use sp_runtime::BuildStorage;
    sp_io::TestExternalities::new(config.build_storage().unwrap_or_else(|e| panic!("{e}")))
        .execute_with(|| {
            assert_eq!(Pallet::<Test>::params().producers, 1);
            assert_eq!(Producers::<Test>::get().into_inner(), vec![H1]);
            assert_eq!(Standbys::<Test>::get().into_inner(), vec![H2, H4]);
            assert_eq!(pallet_session::Validators::<Test>::get(), vec![H1]);
        });
}
