//! The era: the election over stored state, the books folded and classified, and the two
//! halves of the boundary in their own rotations.

use super::*;

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
                scheduled_eras: 1,
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

#[test]
fn the_era_boundary_folds_counters_into_records_and_elects() {
    use kdpos_primitives::PPM;
    use pallet_authorship::EventHandler;
    new_test_ext().execute_with(|| {
        three_candidates();
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(V1), targets(&[H1]), 400));
        // H1 votes (as a voter) for H2; H2 only for itself.
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(H1), targets(&[H2]), 10));
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(H2), targets(&[H2]), 10));
        // The election that opened the era counted V1's vote for H1 (its endorsement) and the
        // candidates' own votes.
        let (_, inputs, _) = Pallet::<Test>::prepared().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            inputs.voting,
            vec![H1],
            "a vote for oneself alone is no vote"
        );
        Pallet::<Test>::store_backing(&inputs.tally, inputs.voting);
        // H2 names H1 after the election: a vote call then earns nothing for these books.
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(H2), targets(&[H1]), 10));
        // H1 was live in all four sessions of the books.
        // Sessions set by hand, each noted for the report window as a rotation would.
        for s in 0..4 {
            pallet_session::CurrentIndex::<Test>::put(s);
            Pallet::<Test>::note_session(s);
            Kdpos::note_author(H1);
        }
        // The rotation into session 4 closes the books.
        pallet_session::CurrentIndex::<Test>::put(4);
        Pallet::<Test>::note_session(4);
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
        assert_eq!(
            h2.features.voting, 0,
            "the election saw its vote for itself alone; the later call is not the election's"
        );
        assert_eq!(
            VotedAtElection::<Test>::get().into_inner(),
            vec![H1, H2],
            "the new election lists the votes it counted"
        );
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
fn an_election_that_gives_fewer_than_the_minimum_keeps_the_set() {
    // The attack: all but a few candidates are pushed out (their hospitals disown them, or they
    // are banned), and the next era hands the whole chain to the one or two left standing.
    four_producers().execute_with(|| {
        SessionsPerEra::set(4);
        run_to_session(1);
        let before = Producers::<Test>::get();
        for (org, who) in [(2, H2), (4, H4), (6, H6)] {
            RemovedAdmins::mutate(|r| r.push((org, who)));
            Kdpos::disown(org, &who);
        }
        // H1 and H7 are left: two, below MinProducers = 3.
        let (_, _, next) = Pallet::<Test>::prepare_election().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(next.producers.len(), 2);
        assert_eq!(Pallet::<Test>::min_producers(), 3);
        run_to_session(6);
        assert_eq!(CurrentEra::<Test>::get(), 1, "the era moved on");
        assert!(events().contains(&Event::ElectionKeptSet { era: 1 }));
        assert_eq!(Producers::<Test>::get(), before, "the set was kept");
        assert_eq!(pallet_session::Validators::<Test>::get().len(), 4);
        check();
    });
}

#[test]
fn each_era_shuffles_the_producers_slot_order_by_the_era_and_the_parent_block() {
    // The finding: the slot order was the backing order, known to everyone eras ahead (who
    // follows whom, so who can censor or stall right after a chosen producer).
    four_producers().execute_with(|| {
        SessionsPerEra::set(2);
        let mut backing = Producers::<Test>::get().into_inner();
        assert_eq!(backing, vec![H1, H2, H4, H6], "genesis: most backed first");
        let mut orders = Vec::new();
        for era in 1..=6u32 {
            run_to_session(2 * era);
            let order = Producers::<Test>::get().into_inner();
            let mut members = order.clone();
            members.sort();
            backing.sort();
            assert_eq!(members, backing, "the same four, reordered");
            // One rotation later the live set takes exactly that order.
            run_to_session(2 * era + 1);
            assert_eq!(pallet_session::Validators::<Test>::get(), order);
            orders.push(order);
        }
        assert!(
            orders.iter().any(|o| o != &vec![H1, H2, H4, H6]),
            "some era's order differs from the backing order: {orders:?}"
        );
        orders.dedup();
        assert!(orders.len() > 1, "the order changes from era to era");
        // A function of the era and the parent block, nothing else.
        let four = vec![H1, H2, H4, H6];
        let a = Pallet::<Test>::session_order(7, four.clone());
        assert_eq!(a, Pallet::<Test>::session_order(7, four.clone()));
        let others: Vec<_> = (8..16)
            .map(|era| Pallet::<Test>::session_order(era, four.clone()))
            .collect();
        assert!(others.iter().any(|o| o != &a));
        check();
    });
}

/// Issue 18, item 5: the chain elects with the strategy its parameters name; it always took the
/// top backing. V1 splits 900 over H1 and H2, V2 puts 440 on H4: by top backing H1 and H2
/// (550 each against 540), by sequential Phragmen H1 and H4 (V1 already carries H1's load).
#[test]
fn the_chain_elects_by_the_strategy_its_parameters_name() {
    use kdpos_primitives::Strategy;
    for (strategy, second) in [(Strategy::TopBacking, H2), (Strategy::Phragmen, H4)] {
        KdposParams::mutate(|p| p.strategy = strategy);
        new_test_ext().execute_with(|| {
            for (who, org) in [(H1, 1), (H2, 2), (H4, 4)] {
                assert_ok!(Kdpos::register_candidate(
                    RuntimeOrigin::signed(who),
                    org,
                    100
                ));
            }
            assert_ok!(Kdpos::vote(
                RuntimeOrigin::signed(V1),
                targets(&[H1, H2]),
                900
            ));
            assert_ok!(Kdpos::vote(RuntimeOrigin::signed(V2), targets(&[H4]), 440));
            let election = Pallet::<Test>::elect_era().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(election.producers, vec![H1, second], "{strategy:?}");
        });
    }
}

/// Issue 18, item 4: a standby that is live every session has no own slots to show production,
/// and the neutral 500_000 prior held it under Excellent's bar for good
/// (`ExcellentNeedsProduction`): only the one challenger seat was open to it. Its liveness now
/// stands for its production until it has slots, so it rises to Excellent.
#[test]
fn a_live_standby_rises_to_excellent_without_own_slots() {
    use kdpos_primitives::Class;
    let mut ext = four_producers();
    SessionsPerEra::set(2);
    // No challenger seat: H7 stays a standby, and the classes alone show what becomes of it.
    KdposParams::mutate(|p| p.challenger_seats = 0);
    ext.execute_with(|| {
        // An honest hospital: it votes for another candidate and its node is live.
        assert_ok!(Kdpos::vote(RuntimeOrigin::signed(H7), targets(&[H1]), 100));
        assert_ok!(Kdpos::heartbeat(RuntimeOrigin::signed(H7)));
        for session in 1..=6 {
            run_to_session(session);
            if !Producers::<Test>::get().contains(&H7) {
                assert_ok!(Kdpos::heartbeat(RuntimeOrigin::signed(H7)));
            }
        }
        let record = Performance::<Test>::get(H7).unwrap_or_else(|| panic!("H7 has a record"));
        assert_eq!(record.scheduled_eras, 0, "it never had own slots");
        assert_eq!(
            record.features.production,
            KdposParams::get().excellent_min_production
        );
        let class = Classes::<Test>::get(H7).unwrap_or_else(|| panic!("H7 is classified"));
        assert_eq!(class.class, Class::Excellent, "{class:?}");
        check();
    });
}
