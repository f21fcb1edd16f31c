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
        // H1 leaves once it no longer produces; no other admin of its hospital may stand.
        blocks_without(H1, 2);
        let left = Candidates::<Test>::get(H1).map_or(0, |c| c.bond);
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
