//! Benchmarks of pallet-kdpos (frame-benchmarking v2), each at its worst case: unbonding queues one
//! short of `MaxUnlocking`, votes naming 16 candidates and lowering their stake, an equivocation
//! that is slashed, rewarded and evicted, a slot gap every validator missed, and an era boundary
//! over up to `MaxCandidates` candidates with records and `MaxVoters` voters naming 16 each.

use super::*;
use alloc::{boxed::Box, vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::{Inspect, Mutate};
use frame_system::RawOrigin;
use kdpos_primitives::{EraCounters, Features, Record};
use pallet_session::SessionManager;
use sp_runtime::{
    traits::{Header as HeaderT, Saturating, TrailingZeroInput, Zero},
    Digest, DigestItem, RuntimeAppPublic,
};

/// An account with enough to bond a candidacy many times over.
fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
    let who: T::AccountId = account(name, i, 0);
    let amount = T::MinCandidateBond::get()
        .saturating_add(T::MinVoterStake::get())
        .saturating_mul(1_000u32.into())
        .saturating_add(<T as Config>::Currency::minimum_balance());
    <T as Config>::Currency::set_balance(&who, amount);
    who
}

/// Session keys for `who`, so that it can be elected.
fn keyed<T: Config>(who: &T::AccountId) -> Result<(), BenchmarkError> {
    let keys = <T as pallet_session::Config>::Keys::decode(&mut TrailingZeroInput::zeroes())
        .map_err(|_| BenchmarkError::Stop("session keys"))?;
    pallet_session::NextKeys::<T>::insert(who, keys);
    Ok(())
}

/// A candidate standing through the public call for a fresh organisation, bonding the minimum
/// plus `extra`.
fn candidate<T: Config>(
    name: &'static str,
    i: u32,
    extra: BalanceOf<T>,
) -> Result<T::AccountId, BenchmarkError> {
    let who = funded::<T>(name, i);
    let org = <T as Config>::BenchmarkHelper::organisation(&who);
    Pallet::<T>::register_candidate(
        RawOrigin::Signed(who.clone()).into(),
        org,
        T::MinCandidateBond::get().saturating_add(extra),
    )
    .map_err(|_| BenchmarkError::Stop("register candidate"))?;
    keyed::<T>(&who)?;
    Ok(who)
}

/// `n` candidates for the vote targets, each standing for its own organisation.
fn candidates<T: Config>(n: u32) -> Result<Vec<T::AccountId>, BenchmarkError> {
    (0..n)
        .map(|i| candidate::<T>("target", i, Zero::zero()))
        .collect()
}

/// One less than `MaxUnlocking`: the queue the call under test pushes to or drains.
fn unlock_chunks<T: Config>() -> u32 {
    T::MaxUnlocking::get().saturating_sub(1)
}

/// Unbonds `chunks` amounts of 1, one at a time, each its own unbonding chunk.
fn unbond_chunks<T: Config>(who: &T::AccountId, chunks: u32) -> Result<(), BenchmarkError> {
    for _ in 0..chunks {
        Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into(), 1u32.into())
            .map_err(|_| BenchmarkError::Stop("unbond a chunk"))?;
    }
    Ok(())
}

/// `voter` votes for 16 new candidates, then lowers its stake by one in each of `MaxUnlocking -
/// 1` renewals, ending at `MinVoterStake + floor` with its unbonding queue one short of full.
/// Returns the targets.
fn descending_votes<T: Config>(
    voter: &T::AccountId,
    floor: BalanceOf<T>,
) -> Result<BoundedVec<T::AccountId, ConstU32<MAX_TARGETS>>, BenchmarkError> {
    let targets: BoundedVec<_, _> = candidates::<T>(MAX_TARGETS)?
        .try_into()
        .map_err(|_| BenchmarkError::Stop("16 targets"))?;
    let renewals = unlock_chunks::<T>();
    for step in 0..=renewals {
        let stake = T::MinVoterStake::get()
            .saturating_add(floor)
            .saturating_add((renewals - step).into());
        Pallet::<T>::vote(
            RawOrigin::Signed(voter.clone()).into(),
            targets.clone(),
            stake,
        )
        .map_err(|_| BenchmarkError::Stop("earlier vote"))?;
    }
    Ok(targets)
}

/// A live set of `v` keyed candidates, elected as this era's producers, with Aura keys generated
/// in the benchmark's keystore, and one standby to replace an evicted producer.
struct LiveSet<T: Config> {
    validators: Vec<T::AccountId>,
    keys: Vec<T::AuthorityId>,
}

fn live_set<T: Config>(v: u32) -> Result<LiveSet<T>, BenchmarkError> {
    let mut validators = Vec::new();
    let mut keys = Vec::new();
    for i in 0..v {
        validators.push(candidate::<T>("validator", i, Zero::zero())?);
        keys.push(T::AuthorityId::generate_pair(None));
    }
    let standby = candidate::<T>("standby", 0, Zero::zero())?;
    pallet_session::Validators::<T>::put(validators.clone());
    let bound = |a: Vec<T::AccountId>| BoundedVec::<_, T::MaxCandidates>::truncate_from(a);
    Producers::<T>::put(bound(validators.clone()));
    Standbys::<T>::put(bound(vec![standby]));
    Ok(LiveSet { validators, keys })
}

/// The pre-runtime digest item of an Aura block in `slot`.
fn slot_item(slot: u64) -> DigestItem {
    DigestItem::PreRuntime(
        sp_consensus_aura::AURA_ENGINE_ID,
        sp_consensus_slots::Slot::from(slot).encode(),
    )
}

/// A header of `slot` sealed by `key`, made different from its twin by `salt`.
fn sealed<T: Config>(
    key: &T::AuthorityId,
    slot: u64,
    salt: u8,
) -> Result<HeaderFor<T>, BenchmarkError> {
    let mut header = HeaderFor::<T>::new(
        1u32.into(),
        Default::default(),
        T::Hash::decode(&mut TrailingZeroInput::new(&[salt; 32]))
            .map_err(|_| BenchmarkError::Stop("state root"))?,
        T::Hash::decode(&mut TrailingZeroInput::new(&[9u8; 32]))
            .map_err(|_| BenchmarkError::Stop("parent hash"))?,
        Digest {
            logs: vec![slot_item(slot)],
        },
    );
    let signature = key
        .sign(&header.hash())
        .ok_or(BenchmarkError::Stop("the keystore signs"))?;
    header.digest_mut().push(DigestItem::Seal(
        sp_consensus_aura::AURA_ENGINE_ID,
        signature.encode(),
    ));
    Ok(header)
}

/// Features spread over three groups, so that the era's k-means has real clusters to find.
fn features_of(i: u32) -> Features {
    let spread = |salt: u32| i.wrapping_mul(7_919).wrapping_add(salt) % 200_000;
    let base = match i % 3 {
        0 => 100_000,
        1 => 450_000,
        _ => 800_000,
    };
    Features {
        production: base + spread(1),
        liveness: base + spread(2),
        voting: base + spread(3),
        integrity: 1_000_000 - spread(4),
        endorsement: base / 2 + spread(5),
    }
}

/// An era's end with `c` keyed candidates, each with a record, counters and a class, and `v`
/// voters naming 16 of them (or all, when fewer). Written directly: the era boundary reads what
/// is stored, not how it came to be. Returns the candidates.
fn era_scene<T: Config>(c: u32, v: u32) -> Result<Vec<T::AccountId>, BenchmarkError> {
    let mut accounts = Vec::new();
    for i in 0..c {
        let who: T::AccountId = account("candidate", i, 0);
        Candidates::<T>::insert(
            &who,
            Candidate {
                org: i,
                bond: T::MinCandidateBond::get().saturating_add(i.into()),
                since: Zero::zero(),
            },
        );
        CandidateOf::<T>::insert(i, &who);
        keyed::<T>(&who)?;
        Performance::<T>::insert(
            &who,
            Record {
                features: features_of(i),
                penalty: 0,
                eras: 3,
                scheduled_eras: i % 3,
            },
        );
        Counters::<T>::insert(
            &who,
            EraCounters {
                authored: i % 50,
                missed: i % 7,
                sessions: 0,
                live_sessions: i % 6,
                voted: i % 2 == 0,
                offence_points: 0,
            },
        );
        Classes::<T>::insert(
            &who,
            ClassInfo {
                class: [Class::Poor, Class::Qualified, Class::Excellent][(i % 3) as usize],
                cluster: Class::Qualified,
                reason: ClassReason::Cluster,
                score: 0,
                faulted: false,
                proven: i % 2 == 0,
            },
        );
        accounts.push(who);
    }
    CandidateCount::<T>::put(c);
    let per_vote = MAX_TARGETS.min(c) as usize;
    for j in 0..v {
        // The first voters are candidates voting for others: the election lists them, for
        // their voting feature.
        let voter: T::AccountId = accounts
            .get(j as usize)
            .cloned()
            .unwrap_or_else(|| account("voter", j, 0));
        let targets = (0..per_vote)
            .map(|k| accounts[(j as usize + k) % accounts.len()].clone())
            .collect::<Vec<_>>();
        Voters::<T>::insert(
            &voter,
            Voter {
                stake: T::MinVoterStake::get().saturating_add(j.into()),
                targets: BoundedVec::truncate_from(targets),
            },
        );
    }
    VoterCount::<T>::put(v);
    Ok(accounts)
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn register_candidate() -> Result<(), BenchmarkError> {
        let who = funded::<T>("candidate", 0);
        let org = <T as Config>::BenchmarkHelper::organisation(&who);
        let bond = T::MinCandidateBond::get();

        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()), org, bond);

        assert_eq!(CandidateOf::<T>::get(org), Some(who));
        Ok(())
    }

    #[benchmark]
    fn bond_extra() -> Result<(), BenchmarkError> {
        let who = candidate::<T>("candidate", 0, Zero::zero())?;
        let amount = T::MinCandidateBond::get();

        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()), amount);

        let bond = Candidates::<T>::get(&who).map(|c| c.bond);
        assert_eq!(bond, Some(amount.saturating_add(amount)));
        Ok(())
    }

    /// Unbonding everything: the candidacy ends, after the check that it produces nothing, with
    /// the unbonding queue one short of full.
    #[benchmark]
    fn unbond() -> Result<(), BenchmarkError> {
        let chunks = unlock_chunks::<T>();
        let who = candidate::<T>("candidate", 0, chunks.into())?;
        unbond_chunks::<T>(&who, chunks)?;
        live_set::<T>(Pallet::<T>::params().producers)?;
        let bond = T::MinCandidateBond::get();

        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()), bond);

        assert!(!Candidates::<T>::contains_key(&who));
        assert_eq!(Unlocking::<T>::get(&who).len() as u32, chunks + 1);
        Ok(())
    }

    /// A full unbonding queue, all of it due.
    #[benchmark]
    fn withdraw_unbonded() -> Result<(), BenchmarkError> {
        let chunks = T::MaxUnlocking::get();
        let who = candidate::<T>("candidate", 0, chunks.into())?;
        unbond_chunks::<T>(&who, chunks)?;
        let due =
            frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
        frame_system::Pallet::<T>::set_block_number(due);

        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()));

        assert!(Unlocking::<T>::get(&who).is_empty());
        Ok(())
    }

    /// A candidate renews its vote for 16 candidates with a lower stake: the algorithm's check
    /// over 16 targets, the difference queued for unbonding, its voting counted.
    #[benchmark]
    fn vote() -> Result<(), BenchmarkError> {
        let voter = candidate::<T>("voter", 0, Zero::zero())?;
        let targets = descending_votes::<T>(&voter, 1u32.into())?;
        let lower = T::MinVoterStake::get();

        #[extrinsic_call]
        _(RawOrigin::Signed(voter.clone()), targets, lower);

        assert_eq!(Voters::<T>::get(&voter).map(|v| v.stake), Some(lower));
        assert_eq!(
            Unlocking::<T>::get(&voter).len() as u32,
            T::MaxUnlocking::get()
        );
        Ok(())
    }

    /// The stake goes to an unbonding queue one short of full.
    #[benchmark]
    fn remove_vote() -> Result<(), BenchmarkError> {
        let voter = funded::<T>("voter", 0);
        descending_votes::<T>(&voter, Zero::zero())?;

        #[extrinsic_call]
        _(RawOrigin::Signed(voter.clone()));

        assert!(!Voters::<T>::contains_key(&voter));
        assert_eq!(
            Unlocking::<T>::get(&voter).len() as u32,
            T::MaxUnlocking::get()
        );
        Ok(())
    }

    #[benchmark]
    fn heartbeat() -> Result<(), BenchmarkError> {
        let who = candidate::<T>("candidate", 0, Zero::zero())?;

        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()));

        assert_eq!(Counters::<T>::get(&who).live_sessions, 1);
        Ok(())
    }

    /// A standby's node shows it is live: the transaction pool's check (the session key's
    /// signature) and the dispatch, as a block runs them.
    #[benchmark]
    fn node_heartbeat() -> Result<(), BenchmarkError> {
        let who = candidate::<T>("candidate", 0, Zero::zero())?;
        let key = T::AuthorityId::generate_pair(None);
        <T as Config>::BenchmarkHelper::set_session_key(&who, key.clone());
        let session = pallet_session::CurrentIndex::<T>::get();
        let beat = NodeHeartbeat {
            session,
            candidate: who.clone(),
        };
        let signature = key
            .sign(&beat.encode())
            .ok_or(BenchmarkError::Stop("the keystore signs"))?;
        let call = Call::<T>::node_heartbeat {
            heartbeat: beat,
            signature,
        };

        #[block]
        {
            use frame_support::traits::UnfilteredDispatchable;
            #[allow(deprecated)]
            use sp_runtime::traits::ValidateUnsigned;
            #[allow(deprecated)]
            Pallet::<T>::validate_unsigned(TransactionSource::InBlock, &call)
                .map_err(|_| BenchmarkError::Stop("a valid heartbeat"))?;
            call.dispatch_bypass_filter(RawOrigin::None.into())
                .map_err(|e| BenchmarkError::from(e.error))?;
        }

        assert_eq!(LiveIn::<T>::get(&who), Some(session));
        Ok(())
    }

    /// A proof against the first of `v` validators, checked (two sr25519 seals, both parents,
    /// the slot's session found among a full report window) and acted on in full: punished, the
    /// reporter rewarded, evicted and replaced by the standby.
    #[benchmark]
    fn report_equivocation(v: Linear<2, 100>) -> Result<(), BenchmarkError> {
        let set = live_set::<T>(v)?;
        let n = u64::from(v);
        // A full window of sessions, each `v` slots long; the proof's slot is the first
        // validator's in the oldest.
        let window = T::ReportWindow::get();
        let current = window.saturating_sub(1);
        pallet_session::CurrentIndex::<T>::put(current);
        let keyed: Vec<_> = set
            .validators
            .iter()
            .cloned()
            .zip(set.keys.iter().cloned())
            .collect();
        AuthoritySets::<T>::insert(0, BoundedVec::truncate_from(keyed));
        for index in 0..=current {
            SessionSets::<T>::insert(
                index,
                SessionSlots {
                    first_slot: n * 1_000 + u64::from(index) * n,
                    set: 0,
                },
            );
        }
        let slot = n * 1_000;
        LastSlot::<T>::put(slot + u64::from(window) * n);
        // The headers' parent: a block this chain knows.
        frame_system::BlockHash::<T>::insert(
            BlockNumberFor::<T>::zero(),
            T::Hash::decode(&mut TrailingZeroInput::new(&[9u8; 32]))
                .map_err(|_| BenchmarkError::Stop("parent hash"))?,
        );
        let offender = set.keys[0].clone();
        let proof = sp_consensus_slots::EquivocationProof {
            offender: offender.clone(),
            slot: slot.into(),
            first_header: sealed::<T>(&offender, slot, 1)?,
            second_header: sealed::<T>(&offender, slot, 2)?,
        };
        let reporter = funded::<T>("reporter", 0);

        #[extrinsic_call]
        _(RawOrigin::Signed(reporter), Box::new(proof));

        let punished = &set.validators[0];
        assert!(PunishedIn::<T>::contains_key(punished));
        assert!(BannedUntil::<T>::contains_key(punished));
        Ok(())
    }

    /// A block after a gap of one slot of each of `v` validators, `f` of whom (all but the
    /// block's author at most) reach the missed-slot threshold with it and are acted on.
    #[benchmark]
    fn on_initialize(v: Linear<1, 100>, f: Linear<0, 100>) -> Result<(), BenchmarkError> {
        let set = live_set::<T>(v)?;
        let faults = f.min(v.saturating_sub(1));
        let threshold = Pallet::<T>::params().missed_slots_threshold;
        for who in set.validators.iter().take(faults as usize) {
            ConsecutiveMissed::<T>::insert(who, threshold.saturating_sub(1));
        }
        // The new block's slot belongs to the last validator; each validator owned one slot of
        // the gap before it.
        let n = u64::from(v);
        let now = n * 1_000 + (n - 1);
        LastSlot::<T>::put(now - n - 1);
        let number = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
        frame_system::Pallet::<T>::initialize(
            &number,
            &Default::default(),
            &Digest {
                logs: vec![slot_item(now)],
            },
        );

        #[block]
        {
            Pallet::<T>::track_slot();
        }

        assert_eq!(LastSlot::<T>::get(), now);
        if let Some(first) = set.validators.first().filter(|_| faults > 0) {
            assert!(LastFault::<T>::contains_key(first));
        }
        Ok(())
    }

    /// The first half of the era boundary over `c` candidates with records, counters, classes
    /// and a backing from the last election: counters folded, classified, classes stored.
    #[benchmark]
    fn close_books(c: Linear<1, { T::MaxCandidates::get() }>) -> Result<(), BenchmarkError> {
        let accounts = era_scene::<T>(c, 0)?;
        let backing = accounts
            .iter()
            .enumerate()
            .map(|(i, who)| (who.clone(), 1_000u128.saturating_add(i as u128)))
            .collect::<Vec<_>>();
        let mut backing = backing;
        backing.sort_by(|a, b| a.0.cmp(&b.0));
        ElectedBacking::<T>::put(BoundedVec::truncate_from(backing));
        // Every candidate's own vote counted at the last election: the longest list to search.
        let mut voting = accounts.clone();
        voting.sort();
        VotedAtElection::<T>::put(BoundedVec::truncate_from(voting));

        #[block]
        {
            Pallet::<T>::close_books().map_err(|_| BenchmarkError::Stop("close books"))?;
        }

        assert_eq!(ClassifiedFor::<T>::get().map(|(era, _)| era), Some(1));
        assert!(Counters::<T>::iter_keys().next().is_none());
        Ok(())
    }

    /// The second half, as pallet-session plans the era's first session: `c` candidates
    /// classified when the books closed, `v` voters naming 16 each; every vote tallied, the
    /// producers and standbys elected and handed over.
    #[benchmark]
    fn era_election(
        c: Linear<1, { T::MaxCandidates::get() }>,
        v: Linear<0, { T::MaxVoters::get() }>,
    ) -> Result<(), BenchmarkError> {
        era_scene::<T>(c, v)?;
        Pallet::<T>::close_books().map_err(|_| BenchmarkError::Stop("close books"))?;
        let boundary = T::SessionsPerEra::get().max(1);

        #[block]
        {
            <Pallet<T> as SessionManager<T::AccountId>>::new_session(boundary);
        }

        assert_eq!(CurrentEra::<T>::get(), 1);
        Ok(())
    }

    impl_benchmark_test_suite!(Pallet, crate::mock::bench_ext(), crate::mock::Test);
}
