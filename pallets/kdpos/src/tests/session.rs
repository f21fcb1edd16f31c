//! Sessions: authored blocks, heartbeats and skipped slots counted, and when a planned set goes
//! live.

use super::*;

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
        // A fault is reported once per threshold of the run, not at every further miss.
        assert!(Pallet::<Test>::note_slots(20, 22, &set).is_empty());
        assert_eq!(ConsecutiveMissed::<Test>::get(H1), 4);
        // Consecutive blocks skip nothing; a huge gap costs no more work than a small one.
        assert!(Pallet::<Test>::note_slots(22, 23, &set).is_empty());
        // Slots 24 .. 3_000_000_022 skipped; 3_000_000_023 is H3's (index 2).
        let faulty = Pallet::<Test>::note_slots(23, 3_000_000_023, &set);
        // H2 reaches the threshold; H1, still down, passes further multiples of it and is judged
        // again (a deferred fault is not forgotten); H3 authored.
        assert_eq!(faulty, vec![H1, H2]);
        // H3's own slots among them: 26, 29, ..., 3_000_000_020.
        assert_eq!(missed(H3), 3 + 999_999_999);
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

/// H7's node heartbeat for `session`, signed by `signer`'s Aura key.
fn node_heartbeat(session: u32, candidate: u64, signer: u64) -> Call<Test> {
    use codec::Encode;
    let heartbeat = NodeHeartbeat { session, candidate };
    let signature: sp_consensus_aura::sr25519::AuthoritySignature =
        sp_core::Pair::sign(&aura_pair(signer), &heartbeat.encode()).into();
    Call::node_heartbeat {
        heartbeat,
        signature,
    }
}

#[test]
#[allow(deprecated)]
fn a_node_heartbeat_signed_with_the_candidates_session_key_counts_it_live_and_nothing_else_does() {
    use sp_runtime::{
        traits::ValidateUnsigned,
        transaction_validity::{InvalidTransaction, TransactionSource},
    };
    four_producers().execute_with(|| {
        run_to_session(1);
        // H7 stands by: it authors nothing, so only a heartbeat shows it live.
        assert!(!pallet_session::Validators::<Test>::get().contains(&H7));
        let validate =
            |call: &Call<Test>| Kdpos::validate_unsigned(TransactionSource::External, call);
        // Someone else's key, another session, a non-candidate: refused by the pool.
        assert_eq!(
            validate(&node_heartbeat(1, H7, H6)),
            Err(InvalidTransaction::BadProof.into())
        );
        assert_eq!(
            validate(&node_heartbeat(0, H7, H7)),
            Err(InvalidTransaction::Stale.into())
        );
        assert_eq!(
            validate(&node_heartbeat(1, V1, V1)),
            Err(InvalidTransaction::BadProof.into())
        );
        // Its own session key: valid, one per candidate and session.
        let call = node_heartbeat(1, H7, H7);
        let valid = validate(&call).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(valid.provides.len(), 1);
        assert_ok!(Kdpos::node_heartbeat(
            RuntimeOrigin::none(),
            NodeHeartbeat {
                session: 1,
                candidate: H7
            },
            match call {
                Call::node_heartbeat { signature, .. } => signature,
                _ => unreachable!(),
            },
        ));
        assert_eq!(LiveIn::<Test>::get(H7), Some(1));
        assert_eq!(Counters::<Test>::get(H7).live_sessions, 1);
        assert!(events().contains(&Event::Heartbeat {
            candidate: H7,
            session: 1
        }));
        // Once live, the same heartbeat is stale; a signed origin cannot send it at all.
        assert_eq!(
            validate(&node_heartbeat(1, H7, H7)),
            Err(InvalidTransaction::Stale.into())
        );
        let Call::node_heartbeat {
            heartbeat,
            signature,
        } = node_heartbeat(1, H6, H6)
        else {
            unreachable!()
        };
        assert_noop!(
            Kdpos::node_heartbeat(RuntimeOrigin::signed(H6), heartbeat, signature),
            sp_runtime::DispatchError::BadOrigin
        );
        check();
    });
}

#[test]
fn the_node_sends_its_standbys_heartbeat_by_itself_once_a_session() {
    use codec::Decode;
    use sp_core::offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt};
    use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
    let mut ext = four_producers();
    let (offchain, _) = testing::TestOffchainExt::new();
    let (pool, pool_state) = testing::TestTransactionPoolExt::new();
    let keystore = MemoryKeystore::new();
    // The node holds the session keys of H7 (a standby) and of H1 (a producer).
    for who in [H7, H1] {
        keystore
            .sr25519_generate_new(sp_core::crypto::key_types::AURA, Some(&format!("//{who}")))
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
    ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
    ext.register_extension(OffchainDbExt::new(offchain));
    ext.register_extension(TransactionPoolExt::new(pool));
    ext.register_extension(KeystoreExt::new(keystore));
    ext.execute_with(|| {
        use frame_support::traits::OffchainWorker;
        let worker = <Kdpos as OffchainWorker<u64>>::offchain_worker;
        // In the genesis session too (a live network's standbys start there).
        block_at(crate::LastSlot::<Test>::get().max(1) + 1);
        assert_eq!(pallet_session::CurrentIndex::<Test>::get(), 0);
        worker(System::block_number());
        let first = std::mem::take(&mut pool_state.write().transactions);
        assert_eq!(first.len(), 1, "H7's heartbeat of session 0");
        run_to_session(1);
        let n = System::block_number();
        worker(n);
        let sent = std::mem::take(&mut pool_state.write().transactions);
        assert_eq!(sent.len(), 1, "one heartbeat: H7's; H1 produces");
        let xt = frame_system::mocking::MockUncheckedExtrinsic::<Test>::decode(&mut &sent[0][..])
            .unwrap_or_else(|e| panic!("{e:?}"));
        let RuntimeCall::Kdpos(call) = xt.function else {
            panic!("a kdpos call")
        };
        #[allow(deprecated)]
        let valid = <Kdpos as sp_runtime::traits::ValidateUnsigned>::validate_unsigned(
            sp_runtime::transaction_validity::TransactionSource::Local,
            &call,
        );
        assert!(valid.is_ok(), "the pool takes it: {valid:?}");
        assert!(matches!(
            call,
            Call::node_heartbeat { ref heartbeat, .. } if heartbeat.candidate == H7 && heartbeat.session == 1
        ));
        // The next blocks send nothing more while it may still land; then it is sent again.
        worker(n + 1);
        assert!(pool_state.read().transactions.is_empty());
        worker(n + 5);
        assert_eq!(std::mem::take(&mut pool_state.write().transactions).len(), 1);
        // Once it is live, nothing is sent.
        assert_ok!(Kdpos::heartbeat(RuntimeOrigin::signed(H7)));
        worker(n + 20);
        assert!(pool_state.read().transactions.is_empty());
    });
}
