//! The era boundary in two halves: closing the books (counters folded into records, every
//! candidate classified) one rotation before the end, then the election (votes restricted,
//! capped and tallied, producers and standbys elected) at the end; and the preview of the next
//! election that genesis and the runtime API use.

use crate::*;
use sp_runtime::traits::UniqueSaturatedInto;

impl<T: Config> Pallet<T> {
    /// The first half of the era boundary, one rotation before the election: folds each
    /// candidate's counters into its record (endorsement from the backing it counted at the
    /// last election) and classifies every candidate for the next era, keeping the classes.
    /// Split from the election so that neither block carries both (issue 5's bound).
    pub fn close_books() -> Result<(), kdpos_primitives::Error> {
        let params = Self::params();
        let candidates = Self::sorted_candidates();
        if candidates.is_empty() {
            return Err(kdpos_primitives::Error::NoCandidates);
        }
        let backing = ElectedBacking::<T>::get();
        let total = backing.iter().fold(0u128, |s, (_, b)| s.saturating_add(*b));
        // The books cover the sessions since they last closed; the session starting now is
        // the next books' first.
        let now = pallet_session::CurrentIndex::<T>::get();
        let sessions = now.saturating_sub(BooksOpenedIn::<T>::get()).max(1);
        BooksOpenedIn::<T>::put(now);
        // Voting (x3) is what the era's election counted: a vote held then, naming another
        // candidate. A vote call in between, or a vote for oneself, earns nothing.
        let voting = VotedAtElection::<T>::get();
        for (who, _) in &candidates {
            let mut counters = Counters::<T>::take(who);
            counters.sessions = sessions;
            counters.live_sessions = counters.live_sessions.min(sessions);
            counters.voted = voting.binary_search(who).is_ok();
            let counted = backing
                .binary_search_by(|(a, _)| a.cmp(who))
                .map_or(0, |i| backing[i].1);
            let endorsement =
                kdpos_primitives::features::endorsement(counted, total, params.producers);
            let record = kdpos_primitives::features::fold(
                Performance::<T>::get(who).as_ref(),
                &counters,
                endorsement,
                &params,
            );
            Performance::<T>::insert(who, record);
        }
        let era = CurrentEra::<T>::get();
        let next = era.saturating_add(1);
        let classification = Self::classify_for(&candidates, next)?;
        Self::store_classes(&classification);
        ClassifiedFor::<T>::put((next, classification.method));
        Self::deposit_event(Event::BooksClosed {
            era,
            candidates: candidates.len() as u32,
        });
        Ok(())
    }

    /// The second half of the era boundary: starts the next era and elects its producers
    /// and standbys from the classes its books closed with, tallying every vote.
    pub fn elect_era() -> Result<kdpos_primitives::Election<T::AccountId>, kdpos_primitives::Error>
    {
        let era = CurrentEra::<T>::get().saturating_add(1);
        let (_, inputs, election) = Self::election_of(era)?;
        CurrentEra::<T>::put(era);
        Self::store_backing(&inputs.tally, inputs.voting);
        Self::deposit_event(Event::EraEnded {
            era: era.saturating_sub(1),
            producers: election.producers.len() as u32,
            standbys: election.standbys.len() as u32,
        });
        Ok(election)
    }

    /// The next election over what is stored now: the classes the books closed with (or,
    /// before they close, a classification made now), the votes tallied, producers and
    /// standbys elected. Genesis runs it; the runtime API shows it as a preview.
    #[allow(clippy::type_complexity)]
    pub fn prepare_election() -> Result<
        (
            kdpos_primitives::classify::Classification<T::AccountId>,
            kdpos_primitives::Tally<T::AccountId>,
            kdpos_primitives::Election<T::AccountId>,
        ),
        kdpos_primitives::Error,
    > {
        let (classification, inputs, election) = Self::prepared()?;
        Ok((classification, inputs.tally, election))
    }

    /// [`Self::prepare_election`], with everything the election read.
    #[allow(clippy::type_complexity)]
    pub(crate) fn prepared() -> Result<
        (
            kdpos_primitives::classify::Classification<T::AccountId>,
            EraInputs<T>,
            kdpos_primitives::Election<T::AccountId>,
        ),
        kdpos_primitives::Error,
    > {
        let era = match ClassifiedFor::<T>::get() {
            Some((next, _)) if next > CurrentEra::<T>::get() => next,
            _ => CurrentEra::<T>::get(),
        };
        Self::election_of(era)
    }

    /// The election of era `era` over what is stored now, with what it read.
    #[allow(clippy::type_complexity)]
    fn election_of(
        era: EraIndex,
    ) -> Result<
        (
            kdpos_primitives::classify::Classification<T::AccountId>,
            EraInputs<T>,
            kdpos_primitives::Election<T::AccountId>,
        ),
        kdpos_primitives::Error,
    > {
        let candidates = Self::sorted_candidates();
        let classification = Self::classification_for(&candidates, era)?;
        let inputs = Self::standings_and_tally(&candidates, &classification, era)?;
        let election = kdpos_primitives::elect_by_strategy(
            &inputs.standings,
            &inputs.votes,
            &inputs.tally,
            &Self::params(),
        )?;
        Ok((classification, inputs, election))
    }

    /// Keeps what each candidate counted in `tally`, for the endorsement of its era, and the
    /// candidates whose own vote the election counted (`voting`, sorted), for its voting.
    pub(crate) fn store_backing(
        tally: &kdpos_primitives::Tally<T::AccountId>,
        voting: alloc::vec::Vec<T::AccountId>,
    ) {
        // Bounded: each is a candidate.
        VotedAtElection::<T>::put(BoundedVec::truncate_from(voting));
        let mut backing: alloc::vec::Vec<_> = tally
            .backings
            .iter()
            .filter(|b| b.counted > 0)
            .map(|b| (b.id.clone(), b.counted))
            .collect();
        backing.sort_by(|a, b| a.0.cmp(&b.0));
        // Bounded: one entry per candidate.
        ElectedBacking::<T>::put(BoundedVec::truncate_from(backing));
    }

    /// Stores an election's producers and standbys (bounded by `MaxCandidates`, which bounds
    /// every candidate list) and announces it.
    /// `slot_order` is the producers in the order they take their Aura slots (the era
    /// boundary's shuffle; at genesis the election's own order).
    pub(crate) fn store_election(
        era: EraIndex,
        election: &kdpos_primitives::Election<T::AccountId>,
        slot_order: &[T::AccountId],
    ) {
        let bound =
            |v: &[T::AccountId]| BoundedVec::<_, T::MaxCandidates>::truncate_from(v.to_vec());
        Producers::<T>::put(bound(slot_order));
        Standbys::<T>::put(bound(&election.standbys));
        ProducersChanged::<T>::kill();
        Self::deposit_event(Event::Elected {
            era,
            producers: election.producers.clone(),
            standbys: election.standbys.clone(),
        });
    }

    /// Stores each candidate's class and announces every change.
    pub(crate) fn store_classes(
        classification: &kdpos_primitives::classify::Classification<T::AccountId>,
    ) {
        for c in &classification.candidates {
            let from = Classes::<T>::get(&c.id).map(|s| s.class);
            if from != Some(c.class) {
                Self::deposit_event(Event::ClassChanged {
                    candidate: c.id.clone(),
                    from,
                    to: c.class,
                    reason: c.reason,
                });
            }
            Classes::<T>::insert(
                &c.id,
                ClassInfo {
                    class: c.class,
                    cluster: c.cluster,
                    reason: c.reason,
                    score: c.score,
                    faulted: false,
                    proven: Performance::<T>::get(&c.id).is_some_and(|r| r.scheduled_eras > 0),
                },
            );
        }
    }

    /// The candidates, sorted by account (as a classification returns them).
    fn sorted_candidates() -> SortedCandidates<T> {
        let mut candidates: alloc::vec::Vec<_> = Candidates::<T>::iter().collect();
        candidates.sort_by(|a, b| a.0.cmp(&b.0));
        candidates
    }

    /// Whether `who` is banned in era `era`.
    pub(crate) fn banned_in(who: &T::AccountId, era: EraIndex) -> bool {
        BannedUntil::<T>::get(who).is_some_and(|until| until > era)
    }

    /// Classifies the candidates for era `era` now (a newcomer has the neutral features of
    /// an era without evidence; the stored classes give the hysteresis).
    fn classify_for(
        candidates: &SortedCandidates<T>,
        era: EraIndex,
    ) -> Result<kdpos_primitives::classify::Classification<T::AccountId>, kdpos_primitives::Error>
    {
        use kdpos_primitives::{features::era_features, CandidateInput, EraCounters};
        let newcomer = era_features(&EraCounters::default(), 0);
        let inputs = candidates
            .iter()
            .map(|(who, _)| CandidateInput {
                id: who.clone(),
                features: Performance::<T>::get(who).map_or(newcomer, |r| r.features),
                previous: Classes::<T>::get(who).map(|s| s.class),
                banned: Self::banned_in(who, era),
            })
            .collect();
        kdpos_primitives::classify(inputs, &Self::params())
    }

    /// The classification era `era` is elected with: the one its books closed with (a fault
    /// since then shows in the stored class), or, before they closed, one made now.
    fn classification_for(
        candidates: &SortedCandidates<T>,
        era: EraIndex,
    ) -> Result<kdpos_primitives::classify::Classification<T::AccountId>, kdpos_primitives::Error>
    {
        use kdpos_primitives::classify::{Classification, Classified};
        let Some((classified_for, method)) = ClassifiedFor::<T>::get() else {
            return Self::classify_for(candidates, era);
        };
        if classified_for != era {
            return Self::classify_for(candidates, era);
        }
        let classified = candidates
            .iter()
            .map(|(who, _)| {
                // A candidate that stood after the books closed waits for the next
                // classification.
                let info = Classes::<T>::get(who).unwrap_or(ClassInfo {
                    class: Class::Poor,
                    cluster: Class::Poor,
                    reason: ClassReason::Unclassified,
                    score: 0,
                    faulted: false,
                    proven: false,
                });
                Classified {
                    id: who.clone(),
                    score: info.score,
                    cluster: info.cluster,
                    class: info.class,
                    reason: info.reason,
                }
            })
            .collect();
        Ok(Classification {
            candidates: classified,
            method,
            centroids: None,
            distance_ops: 0,
        })
    }

    /// Each candidate's standing in era `era` under `classification`, and the tally of every
    /// vote within the vote range and caps.
    fn standings_and_tally(
        candidates: &SortedCandidates<T>,
        classification: &kdpos_primitives::classify::Classification<T::AccountId>,
        era: EraIndex,
    ) -> Result<EraInputs<T>, kdpos_primitives::Error> {
        let evicted = Evicted::<T>::get();
        let disowned = Disowned::<T>::get();
        // Both lists are sorted by account and hold the same accounts.
        let standings: alloc::vec::Vec<_> = classification
            .candidates
            .iter()
            .zip(candidates.iter())
            .filter(|(c, (who, _))| c.id == *who)
            .map(|(c, (_, info))| kdpos_primitives::Standing {
                id: c.id.clone(),
                org: info.org,
                class: c.class,
                score: c.score,
                self_bond: info.bond.unique_saturated_into(),
                has_keys: pallet_session::NextKeys::<T>::contains_key(&c.id),
                // A producer evicted this era sits the next one out; one its organisation
                // disowned is not elected again.
                banned: Self::banned_in(&c.id, era)
                    || evicted.contains(&c.id)
                    || disowned.contains(&c.id),
                // Read in this block already (the classification).
                proven: Classes::<T>::get(&c.id).is_some_and(|i| i.proven),
            })
            .collect();
        let is_candidate =
            |who: &T::AccountId| candidates.binary_search_by(|(c, _)| c.cmp(who)).is_ok();
        let mut voting = alloc::vec::Vec::new();
        let votes: alloc::vec::Vec<_> = Voters::<T>::iter()
            .map(|(voter, v)| {
                if is_candidate(&voter) && v.targets.iter().any(|t| *t != voter) {
                    voting.push(voter.clone());
                }
                kdpos_primitives::Vote {
                    voter,
                    stake: v.stake.unique_saturated_into(),
                    targets: v.targets.into_inner(),
                }
            })
            .collect();
        voting.sort();
        let params = Self::params();
        // Phragmen reads the votes again after the tally; top backing needs only the tally.
        let kept = match params.strategy {
            kdpos_primitives::Strategy::Phragmen => votes.clone(),
            kdpos_primitives::Strategy::TopBacking => alloc::vec::Vec::new(),
        };
        let tally = kdpos_primitives::tally(&standings, votes, &params)?;
        Ok(EraInputs {
            standings,
            tally,
            votes: kept,
            voting,
        })
    }
}

/// What an election reads: every candidate's standing, the tally, the votes (kept for
/// Phragmen only) and the candidates whose own vote names another candidate.
pub(crate) struct EraInputs<T: Config> {
    pub standings: alloc::vec::Vec<kdpos_primitives::Standing<T::AccountId, OrgId>>,
    pub tally: kdpos_primitives::Tally<T::AccountId>,
    pub votes: alloc::vec::Vec<kdpos_primitives::Vote<T::AccountId, T::AccountId>>,
    pub voting: alloc::vec::Vec<T::AccountId>,
}
