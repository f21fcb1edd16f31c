//! Election (KDPOS.md, "Election"): producers and standbys from the vote range, at most one of
//! each per organisation, with a verdict for every candidate.

use crate::{
    votes::{Tally, Vote},
    Error, Params,
};
// Kept at its old path, `election::Standing`, for code that names it there.
pub use crate::standing::Standing;
use alloc::{collections::BTreeSet, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// Why a candidate was or was not elected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Verdict {
    /// Elected producer, at this rank (0 = most backed).
    Producer(u32),
    /// Elected standby, at this rank (0 = first to be promoted).
    Standby(u32),
    /// Banned for a proven offence.
    Banned,
    /// Not in the vote range (Poor, or Qualified beyond P + B).
    NotEligible,
    /// No session keys registered.
    NoKeys,
    /// Its organisation already holds the seats it could take.
    OrganisationLimit,
    /// Eligible, but others had more backing.
    OutRanked,
}

/// The producers and standbys of an era, and a verdict for every candidate (sorted by id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election<C> {
    /// Producers, most backed first.
    pub producers: Vec<C>,
    /// Standbys, in the order they are promoted.
    pub standbys: Vec<C>,
    pub verdicts: Vec<(C, Verdict)>,
}

/// Producer and standby seats, filled one candidate at a time: at most one producer and one
/// standby per organisation.
struct Seats<C, O> {
    producers: Vec<C>,
    /// Producer seats established candidates may take (P minus the challenger seats, when a
    /// challenger is there to take them).
    established_cap: usize,
    established_producers: usize,
    standbys: Vec<C>,
    producer_orgs: BTreeSet<O>,
    standby_orgs: BTreeSet<O>,
    p: usize,
    b: usize,
}

impl<C: Clone, O: Ord + Clone> Seats<C, O> {
    fn new(params: &Params, challengers_available: bool) -> Self {
        let p = params.producers as usize;
        let reserved = if challengers_available {
            (params.challenger_seats as usize).min(p.saturating_sub(1))
        } else {
            0
        };
        Seats {
            producers: Vec::new(),
            established_cap: p - reserved,
            established_producers: 0,
            standbys: Vec::new(),
            producer_orgs: BTreeSet::new(),
            standby_orgs: BTreeSet::new(),
            p: params.producers as usize,
            b: params.standbys as usize,
        }
    }

    fn full(&self) -> bool {
        self.producers.len() >= self.p && self.standbys.len() >= self.b
    }

    fn producer_seat_for(&self, org: &O, established: bool) -> bool {
        self.producers.len() < self.p
            && !self.producer_orgs.contains(org)
            && (!established || self.established_producers < self.established_cap)
    }

    /// Seats a candidate where it may sit, or says why it may not.
    fn offer(&mut self, s: &Standing<C, O>) -> Verdict {
        let (id, org, established) = (&s.id, &s.org, s.established());
        if self.producer_seat_for(org, established) {
            self.producer_orgs.insert(org.clone());
            self.producers.push(id.clone());
            if established {
                self.established_producers += 1;
            }
            return Verdict::Producer((self.producers.len() - 1) as u32);
        }
        let blocked_by_org = self.producers.len() < self.p;
        if self.standbys.len() < self.b && !self.standby_orgs.contains(org) {
            self.standby_orgs.insert(org.clone());
            self.standbys.push(id.clone());
            Verdict::Standby((self.standbys.len() - 1) as u32)
        } else if blocked_by_org || self.standbys.len() < self.b {
            Verdict::OrganisationLimit
        } else {
            Verdict::OutRanked
        }
    }

    fn finish(self, mut verdicts: Vec<(C, Verdict)>) -> Election<C>
    where
        C: Ord,
    {
        verdicts.sort_by(|a, b| a.0.cmp(&b.0));
        Election {
            producers: self.producers,
            standbys: self.standbys,
            verdicts,
        }
    }
}

/// What screening leaves: the pool to seat, and the verdicts of those that cannot sit.
type Screened<'a, C, O> = (Vec<&'a Standing<C, O>>, Vec<(C, Verdict)>);

/// Sorts by id, refuses duplicates, and gives the verdict of every candidate that cannot sit at
/// all (banned, out of range, no keys); the rest are returned as the pool to seat.
fn screen<C: Ord + Clone, O>(
    standings: &[Standing<C, O>],
    in_range: impl Fn(&Standing<C, O>) -> bool,
) -> Result<Screened<'_, C, O>, Error> {
    if standings.is_empty() {
        return Err(Error::NoCandidates);
    }
    let mut sorted: Vec<&Standing<C, O>> = standings.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    if sorted.windows(2).any(|w| w[0].id == w[1].id) {
        return Err(Error::DuplicateCandidate);
    }
    let mut verdicts = Vec::with_capacity(sorted.len());
    let mut pool = Vec::new();
    for s in sorted {
        let verdict = if s.banned {
            Verdict::Banned
        } else if !in_range(s) {
            Verdict::NotEligible
        } else if !s.has_keys {
            Verdict::NoKeys
        } else {
            pool.push(s);
            continue;
        };
        verdicts.push((s.id.clone(), verdict));
    }
    Ok((pool, verdicts))
}

/// Elects producers and standbys from the vote range, established before challengers: the top P
/// by (tier, counted backing, score, id) produce and the next B stand by, at most one producer
/// and one standby per organisation. Established is Excellent with production of its own
/// measured; a challenger (unproven Excellent, then Qualified), however backed, produces only in
/// one of the `challenger_seats` or when too few established candidates stand: concentrated
/// stake cannot buy seats ahead of proven performance, and newcomers enter a few per era, each
/// caught at its first fault, yet every newcomer can earn its record.
/// Fills fewer seats when fewer candidates qualify.
pub fn elect<C: Ord + Clone, O: Ord + Clone>(
    standings: &[Standing<C, O>],
    tally: &Tally<C>,
    params: &Params,
) -> Result<Election<C>, Error> {
    params.validate()?;
    with_challengers(
        |reserve| elect_seats(standings, tally, params, reserve),
        params,
    )
}

/// Runs an election with the challenger seats reserved; if that leaves producer seats empty that
/// the Excellent candidates could have filled (no Qualified candidate could take them), runs it
/// again without the reservation.
fn with_challengers<C>(
    run: impl Fn(bool) -> Result<Election<C>, Error>,
    params: &Params,
) -> Result<Election<C>, Error> {
    let reserved = run(true)?;
    if params.challenger_seats == 0 || reserved.producers.len() >= params.producers as usize {
        return Ok(reserved);
    }
    let open = run(false)?;
    Ok(if open.producers.len() > reserved.producers.len() {
        open
    } else {
        reserved
    })
}

fn elect_seats<C: Ord + Clone, O: Ord + Clone>(
    standings: &[Standing<C, O>],
    tally: &Tally<C>,
    params: &Params,
    reserve: bool,
) -> Result<Election<C>, Error> {
    let (mut pool, mut verdicts) =
        screen(standings, |s| tally.of(&s.id).is_some_and(|b| b.eligible))?;
    let counted = |s: &Standing<C, O>| tally.of(&s.id).map_or(0, |b| b.counted);
    pool.sort_by(|a, b| {
        b.tier()
            .cmp(&a.tier())
            .then_with(|| counted(b).cmp(&counted(a)))
            .then_with(|| b.score.cmp(&a.score))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut seats = Seats::new(params, reserve && pool.iter().any(|s| !s.established()));
    for s in pool {
        verdicts.push((s.id.clone(), seats.offer(s)));
    }
    Ok(seats.finish(verdicts))
}

/// Elects by sequential Phragmen (sp-npos-elections, the method staking uses) over the vote
/// range, Excellent first, then Qualified: each seat goes to the candidate whose backers would
/// carry the least load, so a group holding x % of the counted stake that agrees on enough
/// candidates wins at least floor(x * P) producer seats (proportional justified
/// representation), however it spreads or concentrates its votes.
///
/// The caps keep their meaning: `tally` (the tally of these `votes` over these `standings`)
/// says what each candidate counts, and each vote enters Phragmen with the stake that counts,
/// every share of it scaled by its target's counted/raw, shares naming a candidate that cannot
/// sit dropped. Self bonds back their own candidate the same way. Candidates nobody backs fill
/// what is left by (class, score, id); the challenger seat and organisation limits of [`elect`]
/// apply.
pub fn elect_phragmen<V: Ord, C: Ord + Clone, O: Ord + Clone>(
    standings: &[Standing<C, O>],
    votes: &[Vote<V, C>],
    tally: &Tally<C>,
    params: &Params,
) -> Result<Election<C>, Error> {
    params.validate()?;
    let (pool, verdicts) = screen(standings, |s| tally.of(&s.id).is_some_and(|b| b.eligible))?;
    let ballots = counted_ballots(&pool, votes, tally);
    with_challengers(
        |reserve| phragmen_seats(&pool, &ballots, verdicts.clone(), params, reserve),
        params,
    )
}

/// Elects with the strategy `params` names: [`elect`] (top backing) or [`elect_phragmen`].
/// `tally` is the tally of `votes` over `standings`.
pub fn elect_by_strategy<V: Ord, C: Ord + Clone, O: Ord + Clone>(
    standings: &[Standing<C, O>],
    votes: &[Vote<V, C>],
    tally: &Tally<C>,
    params: &Params,
) -> Result<Election<C>, Error> {
    match params.strategy {
        crate::Strategy::TopBacking => elect(standings, tally, params),
        crate::Strategy::Phragmen => elect_phragmen(standings, votes, tally, params),
    }
}

/// One backer as Phragmen sees it: the stake that counts and the pool indices it approves.
struct Ballot {
    stake: u128,
    targets: Vec<u32>,
    /// A self bond: it backs its own candidate, under that candidate's id.
    own: bool,
}

/// `amount * num / den`, rounded down, without overflow (0 when `den` is 0).
fn scaled(amount: u128, num: u128, den: u128) -> u128 {
    if den == 0 {
        return 0;
    }
    sp_arithmetic::helpers_128bit::multiply_by_rational_with_rounding(
        amount,
        num,
        den,
        sp_arithmetic::Rounding::Down,
    )
    .unwrap_or(0)
}

/// Every vote and self bond as the stake that counts for the pool (sorted by id): a vote splits
/// as the tally splits it (evenly, the remainder to the first target by id), and each share
/// counts its target's counted/raw.
fn counted_ballots<V, C: Ord + Clone, O>(
    pool: &[&Standing<C, O>],
    votes: &[Vote<V, C>],
    tally: &Tally<C>,
) -> Vec<Ballot> {
    let index_of = |id: &C| pool.binary_search_by(|s| s.id.cmp(id)).ok();
    let counts = |i: usize, amount: u128| {
        tally
            .of(&pool[i].id)
            .map_or(0, |b| scaled(amount, b.counted, b.raw))
    };
    let mut ballots = Vec::with_capacity(votes.len().saturating_add(pool.len()));
    for v in votes {
        let mut targets: Vec<&C> = v.targets.iter().collect();
        targets.sort();
        let mut ballot = Ballot {
            stake: 0,
            targets: Vec::new(),
            own: false,
        };
        for (t, amount) in crate::votes::shares(v.stake, &targets) {
            if let Some(i) = index_of(t) {
                ballot.stake = ballot.stake.saturating_add(counts(i, amount));
                ballot.targets.push(i as u32);
            }
        }
        if ballot.stake > 0 {
            ballots.push(ballot);
        }
    }
    for (i, s) in pool.iter().enumerate() {
        let stake = counts(i, s.self_bond);
        if stake > 0 {
            ballots.push(Ballot {
                stake,
                targets: alloc::vec![i as u32],
                own: true,
            });
        }
    }
    ballots
}

fn phragmen_seats<C: Ord + Clone, O: Ord + Clone>(
    pool: &[&Standing<C, O>],
    ballots: &[Ballot],
    mut verdicts: Vec<(C, Verdict)>,
    params: &Params,
    reserve: bool,
) -> Result<Election<C>, Error> {
    // sp-npos-elections weighs stake in u64: scale every stake by one divisor, so ratios hold.
    let total = ballots
        .iter()
        .map(|b| b.stake)
        .fold(0u128, u128::saturating_add);
    let divisor = total.div_ceil(u128::from(u64::MAX)).max(1);
    let weight = |b: &Ballot| u64::try_from(b.stake / divisor).unwrap_or(u64::MAX);

    let mut seated = alloc::vec![false; pool.len()];
    let mut seats = Seats::new(params, reserve && pool.iter().any(|s| !s.established()));
    let seat_count = params.seats() as usize;
    for tier in [2, 1, 0] {
        let in_tier = |i: &u32| pool[*i as usize].tier() == tier;
        // Ballot ids follow the pool's indices, so a self bond is its candidate's own vote.
        let offset = pool.len() as u32;
        let voters: Vec<(u32, u64, Vec<u32>)> = ballots
            .iter()
            .enumerate()
            .filter_map(|(k, b)| {
                let targets: Vec<u32> = b.targets.iter().copied().filter(in_tier).collect();
                let id = match (b.own, b.targets.first()) {
                    (true, Some(own)) => *own,
                    _ => offset.saturating_add(k as u32),
                };
                (!targets.is_empty() && weight(b) > 0).then_some((id, weight(b), targets))
            })
            .collect();
        let backed: BTreeSet<u32> = voters.iter().flat_map(|v| v.2.iter().copied()).collect();
        let candidates: Vec<u32> = backed.into_iter().collect();
        let result = sp_npos_elections::seq_phragmen::<u32, sp_arithmetic::Perbill>(
            seat_count, candidates, voters, None,
        )
        .map_err(|_| Error::ElectionArithmetic)?;
        for (c, _) in result.winners {
            let c = c as usize;
            if seats.full() {
                break;
            }
            seated[c] = true;
            verdicts.push((pool[c].id.clone(), seats.offer(pool[c])));
        }
    }
    // Unbacked candidates fill what is left; the rest get their verdict.
    let mut rest: Vec<usize> = (0..pool.len()).filter(|c| !seated[*c]).collect();
    rest.sort_by(|a, b| {
        pool[*b]
            .tier()
            .cmp(&pool[*a].tier())
            .then_with(|| pool[*b].score.cmp(&pool[*a].score))
            .then_with(|| pool[*a].id.cmp(&pool[*b].id))
    });
    for c in rest {
        verdicts.push((pool[c].id.clone(), seats.offer(pool[c])));
    }
    Ok(seats.finish(verdicts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        votes::{tally, Vote},
        Class,
    };

    fn standing(id: u32, org: u32, class: Class) -> Standing<u32, u32> {
        Standing {
            id,
            org,
            class,
            score: 500_000 + id,
            self_bond: 1_000,
            has_keys: true,
            banned: false,
            proven: true,
        }
    }

    /// `producers` seats, no standbys, elected by Phragmen.
    fn phragmen(producers: u32) -> Params {
        Params {
            producers,
            standbys: 0,
            strategy: crate::Strategy::Phragmen,
            ..Params::default()
        }
    }

    /// One voter backing candidates 1 to 10 with `first`, another 11 to 20 with `second`.
    fn two_groups(first: u128, second: u128) -> Vec<Vote<u32, u32>> {
        alloc::vec![
            Vote {
                voter: 1,
                stake: first,
                targets: (1..=10).collect()
            },
            Vote {
                voter: 2,
                stake: second,
                targets: (11..=20).collect()
            },
        ]
    }

    fn verdict(e: &Election<u32>, id: u32) -> Option<Verdict> {
        e.verdicts.iter().find(|(c, _)| *c == id).map(|(_, v)| *v)
    }

    #[test]
    fn most_backed_produce_next_stand_by() -> Result<(), Error> {
        let s: Vec<_> = (1..=5).map(|i| standing(i, i, Class::Excellent)).collect();
        let p = Params {
            producers: 2,
            standbys: 2,
            ..Params::default()
        };
        let votes = alloc::vec![
            Vote {
                voter: 100,
                stake: 900,
                targets: alloc::vec![3]
            },
            Vote {
                voter: 101,
                stake: 800,
                targets: alloc::vec![1]
            },
            Vote {
                voter: 102,
                stake: 700,
                targets: alloc::vec![5]
            },
        ];
        let t = tally(&s, votes, &p)?;
        let e = elect(&s, &t, &p)?;
        assert_eq!(e.producers, [3, 1]);
        assert_eq!(e.standbys, [5, 4], "no votes: the higher score goes first");
        assert_eq!(verdict(&e, 2), Some(Verdict::OutRanked));
        Ok(())
    }

    #[test]
    fn one_producer_and_one_standby_per_organisation() -> Result<(), Error> {
        let s = [
            standing(1, 7, Class::Excellent),
            standing(2, 7, Class::Excellent),
            standing(3, 7, Class::Excellent),
            standing(4, 8, Class::Excellent),
        ];
        let p = Params {
            producers: 2,
            standbys: 2,
            ..Params::default()
        };
        let t = tally::<u32, _, _>(&s, Vec::new(), &p)?;
        let e = elect(&s, &t, &p)?;
        assert_eq!(e.producers, [4, 3]);
        assert_eq!(e.standbys, [2]);
        assert_eq!(verdict(&e, 1), Some(Verdict::OrganisationLimit));
        Ok(())
    }

    #[test]
    fn banned_poor_and_keyless_candidates_are_never_elected() -> Result<(), Error> {
        let mut s: Vec<_> = (1..=4).map(|i| standing(i, i, Class::Excellent)).collect();
        s[0].banned = true;
        s[1].class = Class::Poor;
        s[2].has_keys = false;
        let p = Params {
            producers: 4,
            standbys: 0,
            ..Params::default()
        };
        let t = tally::<u32, _, _>(&s, Vec::new(), &p)?;
        let e = elect(&s, &t, &p)?;
        assert_eq!(e.producers, [4]);
        assert_eq!(verdict(&e, 1), Some(Verdict::Banned));
        assert_eq!(verdict(&e, 2), Some(Verdict::NotEligible));
        assert_eq!(verdict(&e, 3), Some(Verdict::NoKeys));
        Ok(())
    }

    #[test]
    fn excellent_is_seated_before_qualified_but_for_the_challenger_seat() -> Result<(), Error> {
        let mut s: Vec<_> = (1..=3).map(|i| standing(i, i, Class::Excellent)).collect();
        s.push(standing(4, 4, Class::Qualified));
        s.push(standing(5, 5, Class::Qualified));
        let whale = alloc::vec![Vote {
            voter: 100,
            stake: 1_000_000,
            targets: alloc::vec![4, 5]
        }];
        let p = Params {
            producers: 3,
            standbys: 1,
            ..Params::default()
        };
        let t = tally(&s, whale.clone(), &p)?;
        let e = elect(&s, &t, &p)?;
        // 4 and 5 count the same backing; 5 has the higher score and takes the challenger seat.
        assert_eq!(
            e.producers,
            [3, 2, 5],
            "two Excellent, one challenger, however the whale votes"
        );
        assert_eq!(e.standbys, [1]);
        assert_eq!(
            verdict(&e, 4),
            Some(Verdict::NotEligible),
            "P + B = 4: the range holds only the better Qualified"
        );

        let closed = Params {
            challenger_seats: 0,
            ..p
        };
        let e = elect(&s, &tally(&s, whale, &closed)?, &closed)?;
        assert_eq!(e.producers, [3, 2, 1]);
        assert_eq!(e.standbys, [5]);
        Ok(())
    }

    #[test]
    fn phragmen_seats_a_minority_in_proportion_to_its_stake() -> Result<(), Error> {
        // Ten candidates backed by a 30 % group (ids 1..=10), ten by a 70 % group (11..=20).
        let mut s: Vec<_> = (1..=20).map(|i| standing(i, i, Class::Excellent)).collect();
        for c in &mut s {
            c.self_bond = 1;
        }
        let votes = two_groups(300_000, 700_000);
        let p = Params {
            // Bonds of 1 would cap every candidate at 10: here only the votes decide.
            self_bond_factor: u32::MAX,
            ..phragmen(10)
        };
        let t = tally(&s, votes.clone(), &p)?;
        let e = elect_phragmen(&s, &votes, &t, &p)?;
        let minority = e.producers.iter().filter(|c| **c <= 10).count();
        assert_eq!(e.producers.len(), 10);
        assert_eq!(
            minority, 3,
            "30 % of the stake, 3 of 10 seats: {:?}",
            e.producers
        );
        Ok(())
    }

    #[test]
    fn phragmen_keeps_the_organisation_limit_and_fills_unbacked_seats() -> Result<(), Error> {
        let s = [
            standing(1, 7, Class::Excellent),
            standing(2, 7, Class::Excellent),
            standing(3, 8, Class::Qualified),
            standing(4, 9, Class::Poor),
        ];
        let votes = alloc::vec![Vote {
            voter: 1u32,
            stake: 10u128,
            targets: alloc::vec![1, 2]
        }];
        let p = Params {
            producers: 3,
            standbys: 1,
            ..Params::default()
        };
        let t = tally(&s, votes.clone(), &p)?;
        let e = elect_phragmen(&s, &votes, &t, &p)?;
        assert_eq!(
            e.producers.len(),
            2,
            "one producer from org 7 and the Qualified one: {:?}",
            e.producers
        );
        assert!(e.producers.contains(&3));
        assert_eq!(e.standbys.len(), 1);
        assert_eq!(verdict(&e, 4), Some(Verdict::NotEligible));
        Ok(())
    }

    /// Issue 18, item 5: the caps count under Phragmen too. Ten candidates with a self bond of 1
    /// (each counts at most 10) are backed by 60 % of the raw stake; ten with real bonds by the
    /// other 40 %. The stake the self-bond cap does not count wins nothing; the hand-written
    /// Phragmen this replaced gave the first group six of the ten seats.
    #[test]
    fn phragmen_counts_only_the_stake_the_caps_let_count() -> Result<(), Error> {
        let mut s: Vec<_> = (1..=20).map(|i| standing(i, i, Class::Excellent)).collect();
        for c in &mut s[..10] {
            c.self_bond = 1;
        }
        for c in &mut s[10..] {
            c.self_bond = 10_000;
        }
        let votes = two_groups(600_000, 400_000);
        let p = phragmen(10);
        let t = tally(&s, votes.clone(), &p)?;
        assert_eq!(
            t.of(&1).map(|b| b.counted),
            Some(10),
            "the self-bond cap binds"
        );
        let e = elect_phragmen(&s, &votes, &t, &p)?;
        assert_eq!(e.producers.len(), 10);
        assert!(
            e.producers.iter().all(|c| *c > 10),
            "only counted stake seats: {:?}",
            e.producers
        );
        Ok(())
    }

    /// Why the strategy matters (issue 18, items 4 and 5): a 30 % group that spreads its vote
    /// over sixteen candidates wins no seat by top backing, and its proportional three of ten by
    /// Phragmen.
    #[test]
    fn a_spread_minority_is_represented_by_phragmen_not_by_top_backing() -> Result<(), Error> {
        let mut s: Vec<_> = (1..=30).map(|i| standing(i, i, Class::Excellent)).collect();
        for c in &mut s {
            c.self_bond = 1_000;
        }
        let votes = alloc::vec![
            Vote {
                voter: 1u32,
                stake: 300_000u128,
                targets: (1..=16).collect()
            },
            Vote {
                voter: 2,
                stake: 700_000,
                targets: (17..=26).collect()
            },
        ];
        let top = Params {
            producers: 10,
            standbys: 0,
            // Bonds of 1_000 that cap nothing here: only the votes decide.
            self_bond_factor: 1_000,
            ..Params::default()
        };
        let t = tally(&s, votes.clone(), &top)?;
        let by_backing = elect(&s, &t, &top)?;
        let minority = |e: &Election<u32>| e.producers.iter().filter(|c| **c <= 16).count();
        assert_eq!(minority(&by_backing), 0, "{:?}", by_backing.producers);
        let phragmen = Params {
            strategy: crate::Strategy::Phragmen,
            ..top
        };
        let e = elect_by_strategy(&s, &votes, &t, &phragmen)?;
        assert_eq!(minority(&e), 3, "{:?}", e.producers);
        Ok(())
    }

    proptest::proptest! {
        /// Proportional justified representation on the seats: a group of voters holding a
        /// share x of the counted stake, all naming the same candidates, wins at least
        /// floor(x * P) producer seats, whatever the other groups do.
        #[test]
        fn a_cohesive_group_wins_its_share_of_seats(
            group_stakes in proptest::collection::vec(1u128..1_000_000, 1..5),
            others in proptest::collection::vec((1u128..1_000_000, 1usize..16, 0u32..1_000), 1..12),
            producers in 3u32..16,
        ) {
            let n = 48u32;
            let mut s: Vec<_> = (1..=n).map(|i| standing(i, i, Class::Excellent)).collect();
            for c in &mut s {
                c.self_bond = 1;
            }
            let group: Vec<u32> = (1..=16).collect();
            let mut votes: Vec<Vote<u32, u32>> = group_stakes
                .iter()
                .enumerate()
                .map(|(k, stake)| Vote { voter: k as u32, stake: *stake, targets: group.clone() })
                .collect();
            for (k, (stake, width, start)) in others.iter().enumerate() {
                let first = 17 + start % (n - 16);
                let targets = (0..*width as u32).map(|j| 17 + (first - 17 + j) % (n - 16)).collect();
                votes.push(Vote { voter: 100 + k as u32, stake: *stake, targets });
            }
            let p = Params {
                // Caps that do not bind: the counted stake is the raw stake.
                fair_share_factor: u32::MAX,
                self_bond_factor: u32::MAX,
                ..phragmen(producers)
            };
            let fail = |e: Error| proptest::test_runner::TestCaseError::fail(e.to_string());
            let t = tally(&s, votes.clone(), &p).map_err(fail)?;
            let total: u128 = t.backings.iter().map(|b| b.counted).sum();
            let share: u128 = group_stakes.iter().sum();
            let owed = (share * u128::from(producers) / total) as usize;
            let e = elect_phragmen(&s, &votes, &t, &p).map_err(fail)?;
            let won = e.producers.iter().filter(|c| **c <= 16).count();
            proptest::prop_assert!(won >= owed, "won {} of {}, owed {}: {:?}", won, producers, owed, e.producers);
        }
    }
}
