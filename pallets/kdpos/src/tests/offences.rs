//! Offences: liveness faults and equivocations (Aura proofs and GRANDPA through pallet-offences),
//! their punishment, and eviction that never stalls the chain.

use super::*;

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

#[test]
fn producers_down_together_are_a_shared_outage_and_one_that_stays_down_is_evicted() {
    four_producers().execute_with(|| {
        run_to_session(1);
        // H2 and H4 go down together (their data centre loses power): each reaches the
        // threshold while the other is missing too, so neither is evicted. Four rounds of four
        // slots: H1 and H6 make eight blocks, H2 and H4 miss three or four slots each.
        blocks_without_any(&[H2, H4], 8);
        for who in [H2, H4] {
            let fault = LastFault::<Test>::get(who).unwrap_or_else(|| panic!("{who} recorded"));
            assert_eq!(fault.fault, kdpos_primitives::Fault::MissedSlots(3));
            assert_eq!(fault.action, FaultAction::SharedOutage { missing: 2 });
            assert!(events().contains(&Event::SharedOutage {
                producer: who,
                missing: 2
            }));
            assert!(
                Counters::<Test>::get(who).missed >= 3,
                "the misses still count"
            );
        }
        assert!(pallet_session::Pallet::<Test>::disabled_validators().is_empty());
        assert!(!events()
            .iter()
            .any(|e| matches!(e, Event::ProducerEvicted { .. })));
        // Power returns to H4 only: H2, still down, is its own fault at its next threshold.
        blocks_without(H2, 16);
        let fault = LastFault::<Test>::get(H2).unwrap_or_else(|| panic!("recorded"));
        assert_eq!(fault.action, FaultAction::Evicted);
        assert!(events().contains(&Event::ProducerEvicted {
            producer: H2,
            fault: kdpos_primitives::Fault::MissedSlots(6),
            replacement: Some(H7),
        }));
        assert_eq!(
            LastFault::<Test>::get(H4).map(|f| f.action),
            Some(FaultAction::SharedOutage { missing: 2 }),
            "H4 came back and was never evicted"
        );
        check();
    });
}

#[test]
fn a_producer_one_slot_short_of_a_fault_cannot_shield_a_node_that_is_down() {
    four_producers().execute_with(|| {
        run_to_session(1);
        // H4 (the attacker) keeps itself one slot short of a liveness fault: it skips two of its
        // slots and authors the third, over and over. After four such cycles H2 goes down for
        // good, timed so that H2 reaches the threshold in the very gap where H4 is two short:
        // without the era-record test that pair would look like a shared outage.
        let (mut h4_skipped, mut h4_cycles, mut h2_down) = (0, 0, false);
        let mut slot = LastSlot::<Test>::get();
        while LastFault::<Test>::get(H2).is_none() {
            slot += 1;
            match author_of(slot) {
                a if a == H2 => {
                    // H2's slot comes before H4's in each round: H4 authors in this one.
                    h2_down |= h4_cycles >= 4 && h4_skipped == 2;
                    if h2_down {
                        continue;
                    }
                }
                a if a == H4 && h4_skipped < 2 => {
                    h4_skipped += 1;
                    continue;
                }
                a if a == H4 => {
                    h4_skipped = 0;
                    h4_cycles += 1;
                }
                _ => {}
            }
            block_at(slot);
        }
        assert!(
            h2_down && LastFault::<Test>::get(H4).is_none(),
            "H4 never reached a fault"
        );
        assert_eq!(
            ConsecutiveMissed::<Test>::get(H4),
            2,
            "H4 was two short as H2 was judged"
        );
        // H2's fault is its own: H4, which missed twice what it authored, is no shared outage.
        assert_eq!(
            LastFault::<Test>::get(H2).map(|f| f.action),
            Some(FaultAction::Evicted)
        );
        assert!(!events()
            .iter()
            .any(|e| matches!(e, Event::SharedOutage { .. })));
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

/// The first Aura slot of session `index` (of the report window).
fn first_slot_of(index: u32) -> u64 {
    SessionSets::<Test>::get(index)
        .unwrap_or_else(|| panic!("session {index} in the window"))
        .first_slot
}

/// A slot of this session that Aura gave to `who`.
fn slot_of(who: u64) -> u64 {
    let last = LastSlot::<Test>::get();
    (first_slot_of(pallet_session::CurrentIndex::<Test>::get())..=last)
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
        // A slot still to come.
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
fn a_punished_standby_is_never_promoted() {
    // The attack: a standby equivocates (a GRANDPA offence from a session it voted in) and is
    // slashed and banned, yet stays first in line: the next producer fault promotes it.
    use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
    four_producers().execute_with(|| {
        run_to_session(1);
        assert_eq!(Standbys::<Test>::get().into_inner(), vec![H7]);
        <Kdpos as OnOffenceHandler<u64, (u64, ()), Weight>>::on_offence(
            &[OffenceDetails {
                offender: (H7, ()),
                reporters: vec![V2],
            }],
            &[Perbill::from_percent(100)],
            1,
        );
        assert!(BannedUntil::<Test>::get(H7).is_some());
        assert!(Standbys::<Test>::get().is_empty(), "out of the standbys");
        // H2 goes silent and is evicted: nobody takes its place, least of all H7.
        h2_is_evicted_with_no_replacement();
        blocks_without(H2, 2);
        assert!(!pallet_session::Validators::<Test>::get().contains(&H7));
        check();
    });
}

#[test]
fn a_standby_of_an_organisation_that_produces_already_is_not_promoted() {
    // One node per organisation: a standby that is not its organisation's candidate (here one
    // standing for the organisation of a producer) is passed over, even when it is first in line
    // (a second node of one hospital must not take another's seat).
    four_producers().execute_with(|| {
        run_to_session(1);
        let h7 = Candidates::<Test>::get(H7).unwrap_or_else(|| panic!("a candidate"));
        let h1 = Candidates::<Test>::get(H1).unwrap_or_else(|| panic!("a candidate"));
        // H7 stands for H1's organisation now (as if its hospital had two nodes).
        Candidates::<Test>::insert(H7, Candidate { org: h1.org, ..h7 });
        h2_is_evicted_with_no_replacement();
    });
}

#[test]
fn however_many_reports_arrive_at_most_a_third_of_the_producers_are_disabled() {
    // The attack: reports against several producers in one session (framed or real) disable
    // them all at once, past the third whose loss finality survives.
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(0, 8);
        for who in [H4, H2] {
            let slot = slot_of(who);
            assert_ok!(Kdpos::report_equivocation(
                RuntimeOrigin::signed(V1),
                proof(who, who, slot)
            ));
        }
        // Four producers: at most (4 - 1) / 3 = 1 disabled; both are punished and leave the set
        // at the rotation.
        assert_eq!(
            pallet_session::Pallet::<Test>::disabled_validators().len(),
            1
        );
        assert!(BannedUntil::<Test>::get(H2).is_some() && BannedUntil::<Test>::get(H4).is_some());
        blocks_without(H4, 2);
        let live = pallet_session::Validators::<Test>::get();
        assert!(!live.contains(&H2) && !live.contains(&H4), "{live:?}");
        assert!(
            pallet_session::Pallet::<Test>::disabled_validators().len()
                <= live.len().saturating_sub(1) / 3
        );
        check();
    });
}

/// H2 misses its slots until it is evicted, and nobody is promoted in its place.
fn h2_is_evicted_with_no_replacement() {
    while LastFault::<Test>::get(H2).is_none() {
        blocks_without(H2, 1);
    }
    assert!(events().contains(&Event::ProducerEvicted {
        producer: H2,
        fault: kdpos_primitives::Fault::MissedSlots(3),
        replacement: None,
    }));
}

#[test]
fn an_offence_bans_the_organisation_and_a_repeat_offence_bans_it_twice_as_long() {
    // The attack: H1 equivocates and is banned; once it has left, H1_OTHER, another admin of the
    // same hospital, registers at once; and an offender is back as soon as its ban runs out,
    // however often it offended.
    use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(0, 6);
        let slot = slot_of(H1);
        assert_ok!(Kdpos::report_equivocation(
            RuntimeOrigin::signed(V1),
            proof(H1, H1, slot)
        ));
        let first = OrgOffences {
            offences: 1,
            banned_until: 3,
        };
        assert_eq!(OrganisationOffences::<Test>::get(1), Some(first));
        assert!(events().contains(&Event::OrganisationBanned {
            org: 1,
            offences: 1,
            until: 3
        }));
        // H1 leaves once it no longer produces and the report window of what it produced has
        // passed; no other admin of its hospital may stand.
        blocks_without(H1, 2);
        let left = Candidates::<Test>::get(H1).map_or(0, |c| c.bond);
        assert_noop!(
            Kdpos::unbond(RuntimeOrigin::signed(H1), left),
            E::InReportWindow
        );
        run_to_session(pallet_session::CurrentIndex::<Test>::get() + 2);
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H1), left));
        assert_noop!(
            Kdpos::register_candidate(RuntimeOrigin::signed(H1_OTHER), 1, 100),
            E::OrganisationBanned
        );
        // When the ban has run out (era 3) the hospital stands again; its next offence bans it
        // for 2 x ban_eras.
        CurrentEra::<Test>::put(3);
        assert_ok!(Kdpos::register_candidate(
            RuntimeOrigin::signed(H1_OTHER),
            1,
            100
        ));
        <Kdpos as OnOffenceHandler<u64, (u64, ()), Weight>>::on_offence(
            &[OffenceDetails {
                offender: (H1_OTHER, ()),
                reporters: vec![V2],
            }],
            &[Perbill::from_percent(100)],
            pallet_session::CurrentIndex::<Test>::get(),
        );
        assert_eq!(
            OrganisationOffences::<Test>::get(1),
            Some(OrgOffences {
                offences: 2,
                banned_until: 3 + 4 + 1
            })
        );
        assert_eq!(BannedUntil::<Test>::get(H1_OTHER), Some(8));
        check();
    });
}

#[test]
fn headers_of_another_chain_never_frame_a_validator() {
    // The attack: H4's key also seals blocks of another chain with 3 s slots (a hospital chain
    // run with its validator's keys). Anyone pairs H4's real header of a slot here with the other
    // chain's header of the same slot: two genuine seals, one slot.
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(0, 6);
        let slot = slot_of(H4);
        let bond = held(HoldReason::CandidateBond, H4);
        let report = |p| Kdpos::report_equivocation(RuntimeOrigin::signed(V1), p);
        let mut framed = proof(H4, H4, slot);
        let n = System::block_number();
        // The other chain's header: its parent is a block this chain never had.
        let other = sealed_header_on(sp_core::H256::repeat_byte(0xc4), n, slot, H4, 3);
        framed.second_header = other.clone();
        assert_noop!(report(framed), E::ForeignHeader);
        // Both headers from the other chain, or one of a block still to come, prove nothing
        // either.
        let mut both = proof(H4, H4, slot);
        both.first_header = other;
        assert_noop!(report(both), E::ForeignHeader);
        let mut ahead = proof(H4, H4, slot);
        ahead.first_header = sealed_header(n + 1, slot, H4, 7);
        assert_noop!(report(ahead), E::ForeignHeader);
        assert_eq!(held(HoldReason::CandidateBond, H4), bond);
        assert!(pallet_session::Validators::<Test>::get().contains(&H4));
        assert_eq!(BannedUntil::<Test>::get(H4), None);
        check();
    });
}

#[test]
fn an_equivocation_is_proven_in_any_later_session_of_the_report_window() {
    // The attack: H4 equivocates in a session's slot and the session ends before anyone reports
    // it (forced rotations make one-block sessions): a proof judged only against the current
    // session would find it stale.
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(0, 6);
        let slot = slot_of(H4);
        let header_block = System::block_number();
        let equivocation = proof(H4, H4, slot);
        // The session ends; the proof arrives in the next one.
        run_to_session(2);
        assert!(System::block_number() > header_block);
        assert_ok!(Kdpos::report_equivocation(
            RuntimeOrigin::signed(V1),
            equivocation.clone()
        ));
        assert_eq!(
            PunishedIn::<Test>::get(H4),
            Some(1),
            "punished for session 1"
        );
        assert_eq!(held(HoldReason::CandidateBond, H4), 270);
        // Once for that session: the replay is a duplicate.
        assert_noop!(
            Kdpos::report_equivocation(RuntimeOrigin::signed(V2), equivocation),
            E::DuplicateReport
        );
        check();
    });
    // Past the window (two sessions here) the session's set is gone: the proof is stale.
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(0, 6);
        let equivocation = proof(H4, H4, slot_of(H4));
        run_to_session(3);
        assert_eq!(
            SessionSets::<Test>::get(1),
            None,
            "session 1 left the window"
        );
        assert_noop!(
            Kdpos::report_equivocation(RuntimeOrigin::signed(V1), equivocation),
            E::StaleProof
        );
        check();
    });
}

#[test]
fn what_a_producer_unbonds_before_the_report_is_slashed_with_its_bond() {
    // The attack: H4 equivocates, then unbonds all it can (300 down to the minimum of 100)
    // before the report lands, so that a tenth of what is left is all it loses.
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(0, 6);
        let equivocation = proof(H4, H4, slot_of(H4));
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H4), 200));
        assert_ok!(Kdpos::report_equivocation(
            RuntimeOrigin::signed(V1),
            equivocation
        ));
        // A tenth of the 300 it had at stake: 30, from the bond first.
        assert!(events().contains(&Event::Slashed {
            offender: H4,
            amount: 30,
            reward: 15
        }));
        assert_eq!(held(HoldReason::CandidateBond, H4), 70);
        assert_eq!(held(HoldReason::Unbonding, H4), 200);
        check();
    });
    // Offence after offence (one per session) takes the bond down to nothing: then the amounts
    // unbonding pay.
    use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(0, 6);
        let equivocation = proof(H4, H4, slot_of(H4));
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H4), 200));
        assert_ok!(Kdpos::report_equivocation(
            RuntimeOrigin::signed(V1),
            equivocation
        ));
        for session in 2..=4 {
            while pallet_session::CurrentIndex::<Test>::get() < session {
                blocks_without(H4, 1);
            }
            <Kdpos as OnOffenceHandler<u64, (u64, ()), Weight>>::on_offence(
                &[OffenceDetails {
                    offender: (H4, ()),
                    reporters: vec![V2],
                }],
                &[Perbill::from_percent(100)],
                session,
            );
        }
        // 300 -> 30 (bond 70), 270 -> 27 (43), 243 -> 24 (19), 219 -> 21: 19 and 2 unbonding.
        assert_eq!(held(HoldReason::CandidateBond, H4), 0);
        assert_eq!(held(HoldReason::Unbonding, H4), 198);
        assert_eq!(
            Unlocking::<Test>::get(H4)
                .iter()
                .map(|u| u.amount)
                .sum::<u64>(),
            198
        );
        check();
    });
}

#[test]
fn a_producer_cannot_leave_until_the_report_window_of_its_blocks_has_passed() {
    // The attack: H4 rotates out (a standby takes its seat) and leaves at once; GRANDPA's report
    // of an equivocation in its last session comes later and finds no bond to slash.
    use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
    four_producers().execute_with(|| {
        run_to_session(1);
        // H4 misses its slots and is rotated out for H7.
        blocks_without(H4, 12);
        blocks_without(H4, 2);
        assert!(!pallet_session::Validators::<Test>::get().contains(&H4));
        assert!(!Producers::<Test>::get().contains(&H4));
        assert_noop!(
            Kdpos::unbond(RuntimeOrigin::signed(H4), 300),
            E::InReportWindow
        );
        // It may still unbond down to the minimum; that amount stays slashable. GRANDPA proves
        // an equivocation of the last session it validated in.
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H4), 200));
        let last = pallet_session::CurrentIndex::<Test>::get() - 1;
        let set = SessionSets::<Test>::get(last)
            .map(|s| s.set)
            .unwrap_or(u32::MAX);
        assert!(AuthoritySets::<Test>::get(set)
            .iter()
            .any(|(v, _)| *v == H4));
        <Kdpos as OnOffenceHandler<u64, (u64, ()), Weight>>::on_offence(
            &[OffenceDetails {
                offender: (H4, ()),
                reporters: vec![V2],
            }],
            &[Perbill::from_percent(100)],
            last,
        );
        assert!(events().contains(&Event::Slashed {
            offender: H4,
            amount: 30,
            reward: 15
        }));
        // Once the window has passed it leaves, and an offence older than the window is not
        // acted on.
        run_to_session(pallet_session::CurrentIndex::<Test>::get() + 2);
        assert_eq!(LastSetOf::<Test>::get(H4), None);
        let left = Candidates::<Test>::get(H4).map_or(0, |c| c.bond);
        assert_ok!(Kdpos::unbond(RuntimeOrigin::signed(H4), left));
        let unbonding = held(HoldReason::Unbonding, H4);
        <Kdpos as OnOffenceHandler<u64, (u64, ()), Weight>>::on_offence(
            &[OffenceDetails {
                offender: (H4, ()),
                reporters: vec![V2],
            }],
            &[Perbill::from_percent(100)],
            last + 1,
        );
        assert_eq!(held(HoldReason::Unbonding, H4), unbonding);
        check();
    });
}
