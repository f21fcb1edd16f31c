//! Election (KDPOS.md, "Election"): producers and standbys from the vote range, at most one of
//! each per organisation, with a verdict for every candidate.

use crate::{
    votes::{eligibility, Tally, Vote},
    Class, Error, Params,
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
    /// Producer seats Excellent candidates may take (P minus the challenger seats, when a
    /// Qualified candidate is there to take them).
    excellent_cap: usize,
    excellent_producers: usize,
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
            excellent_cap: p - reserved,
            excellent_producers: 0,
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

    fn producer_seat_for(&self, org: &O, class: Class) -> bool {
        self.producers.len() < self.p
            && !self.producer_orgs.contains(org)
            && (class != Class::Excellent || self.excellent_producers < self.excellent_cap)
    }

    fn accepts(&self, org: &O, class: Class) -> bool {
        self.producer_seat_for(org, class)
            || (self.standbys.len() < self.b && !self.standby_orgs.contains(org))
    }

    /// Seats a candidate where it may sit, or says why it may not.
    fn offer(&mut self, id: &C, org: &O, class: Class) -> Verdict {
        if self.producer_seat_for(org, class) {
            self.producer_orgs.insert(org.clone());
            self.producers.push(id.clone());
            if class == Class::Excellent {
                self.excellent_producers += 1;
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

/// Elects producers and standbys from the vote range, Excellent before Qualified: the top P by
/// (class, counted backing, score, id) produce and the next B stand by, at most one producer and
/// one standby per organisation. A Qualified candidate, however backed, produces only in one of
/// the `challenger_seats` or when there are too few Excellent ones: concentrated stake cannot
/// buy seats ahead of proven performance, yet a newcomer can still earn its record.
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
        b.class
            .cmp(&a.class)
            .then_with(|| counted(b).cmp(&counted(a)))
            .then_with(|| b.score.cmp(&a.score))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut seats = Seats::new(
        params,
        reserve && pool.iter().any(|s| s.class == Class::Qualified),
    );
    for s in pool {
        verdicts.push((s.id.clone(), seats.offer(&s.id, &s.org, s.class)));
    }
    Ok(seats.finish(verdicts))
}

/// Fixed-point one for Phragmen loads.
const LOAD_ONE: u128 = 1 << 56;
/// Stakes are rescaled so that all of them together weigh this much, which keeps every product
/// of stake and load inside u128.
const STAKE_SCALE: u128 = 1 << 32;

/// Elects by sequential Phragmen over the vote range, Excellent first, then Qualified: each seat
/// goes to the candidate whose backers would carry the least load, so a group holding x % of the
/// counted stake wins about x % of the seats however it concentrates its votes. Self bonds back
/// their own candidate. Candidates nobody backs fill what is left by (class, score, id). The
/// same organisation limits as [`elect`] apply.
pub fn elect_phragmen<V: Ord, C: Ord + Clone, O: Ord + Clone>(
    standings: &[Standing<C, O>],
    votes: &[Vote<V, C>],
    params: &Params,
) -> Result<Election<C>, Error> {
    params.validate()?;
    with_challengers(
        |reserve| phragmen_seats(standings, votes, params, reserve),
        params,
    )
}

fn phragmen_seats<V: Ord, C: Ord + Clone, O: Ord + Clone>(
    standings: &[Standing<C, O>],
    votes: &[Vote<V, C>],
    params: &Params,
    reserve: bool,
) -> Result<Election<C>, Error> {
    let owned: Vec<Standing<C, O>> = standings.to_vec();
    let flags = eligibility(&owned, params);
    let in_range: BTreeSet<&C> = owned
        .iter()
        .zip(flags.iter())
        .filter(|(_, f)| **f)
        .map(|(s, _)| &s.id)
        .collect();
    let (pool, mut verdicts) = screen(standings, |s| in_range.contains(&s.id))?;
    let index_of = |id: &C| pool.binary_search_by(|s| s.id.cmp(id)).ok();

    // Backers: every vote (its whole stake approves each of its targets in the pool) and every
    // candidate's self bond.
    let mut backers: Vec<(u128, Vec<usize>)> = Vec::new();
    for v in votes {
        let targets: Vec<usize> = v.targets.iter().filter_map(index_of).collect();
        if v.stake > 0 && !targets.is_empty() {
            backers.push((v.stake, targets));
        }
    }
    for (i, s) in pool.iter().enumerate() {
        if s.self_bond > 0 {
            backers.push((s.self_bond, alloc::vec![i]));
        }
    }
    let total: u128 = backers
        .iter()
        .map(|b| b.0)
        .fold(0, u128::saturating_add)
        .max(1);
    let weight: Vec<u128> = backers
        .iter()
        .map(|b| b.0.saturating_mul(STAKE_SCALE) / total)
        .collect();
    let mut supporters: Vec<Vec<usize>> = alloc::vec![Vec::new(); pool.len()];
    for (k, (_, targets)) in backers.iter().enumerate() {
        for t in targets {
            supporters[*t].push(k);
        }
    }

    let mut load = alloc::vec![0u128; backers.len()];
    let mut seated = alloc::vec![false; pool.len()];
    let mut seats = Seats::new(
        params,
        reserve && pool.iter().any(|s| s.class == Class::Qualified),
    );
    for tier in [Class::Excellent, Class::Qualified] {
        while !seats.full() {
            // The candidate whose backers would carry the least load; ties to the lower id.
            let mut best: Option<(u128, usize)> = None;
            for (c, s) in pool.iter().enumerate() {
                if seated[c] || s.class != tier || !seats.accepts(&s.org, s.class) {
                    continue;
                }
                let support: u128 = supporters[c].iter().map(|k| weight[*k]).sum();
                if support == 0 {
                    continue;
                }
                let carried: u128 = supporters[c]
                    .iter()
                    .map(|k| weight[*k].saturating_mul(load[*k]))
                    .fold(0, u128::saturating_add);
                let score = LOAD_ONE.saturating_add(carried) / support;
                if best.is_none_or(|(b, _)| score < b) {
                    best = Some((score, c));
                }
            }
            let Some((score, c)) = best else { break };
            seated[c] = true;
            for k in &supporters[c] {
                load[*k] = score;
            }
            verdicts.push((
                pool[c].id.clone(),
                seats.offer(&pool[c].id, &pool[c].org, pool[c].class),
            ));
        }
    }
    // Unbacked candidates fill what is left; the rest get their verdict.
    let mut rest: Vec<usize> = (0..pool.len()).filter(|c| !seated[*c]).collect();
    rest.sort_by(|a, b| {
        pool[*b]
            .class
            .cmp(&pool[*a].class)
            .then_with(|| pool[*b].score.cmp(&pool[*a].score))
            .then_with(|| pool[*a].id.cmp(&pool[*b].id))
    });
    for c in rest {
        verdicts.push((
            pool[c].id.clone(),
            seats.offer(&pool[c].id, &pool[c].org, pool[c].class),
        ));
    }
    Ok(seats.finish(verdicts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::votes::{tally, Vote};

    fn standing(id: u32, org: u32, class: Class) -> Standing<u32, u32> {
        Standing {
            id,
            org,
            class,
            score: 500_000 + id,
            self_bond: 1_000,
            has_keys: true,
            banned: false,
        }
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
        let votes = alloc::vec![
            Vote {
                voter: 1u32,
                stake: 300_000u128,
                targets: (1..=10).collect()
            },
            Vote {
                voter: 2,
                stake: 700_000,
                targets: (11..=20).collect()
            },
        ];
        let p = Params {
            producers: 10,
            standbys: 0,
            strategy: crate::Strategy::Phragmen,
            ..Params::default()
        };
        let e = elect_phragmen(&s, &votes, &p)?;
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
        let e = elect_phragmen(&s, &votes, &p)?;
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
}
