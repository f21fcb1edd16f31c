//! Election (KDPOS.md, "Election"): producers and standbys from the vote range, at most one of
//! each per organisation, with a verdict for every candidate.

use crate::{votes::Tally, Class, Error, Params};
use alloc::{collections::BTreeSet, vec::Vec};

/// What the election knows of a candidate this era.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing<C, O> {
    pub id: C,
    /// The hospital it belongs to.
    pub org: O,
    /// Its class this era.
    pub class: Class,
    /// Its composite score (ppm), the tie-breaker after backing.
    pub score: u32,
    /// Its own bonded stake.
    pub self_bond: u128,
    /// Whether it registered session keys (no keys, no blocks).
    pub has_keys: bool,
    /// Whether a proven offence bans it.
    pub banned: bool,
}

/// Why a candidate was or was not elected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, codec::Encode, codec::Decode, scale_info::TypeInfo)]
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

/// Elects the top P eligible candidates with session keys by (counted backing, score, id) as
/// producers and the next B as standbys, taking at most one producer and one standby from each
/// organisation. Fills fewer seats when fewer candidates qualify.
pub fn elect<C: Ord + Clone, O: Ord + Clone>(
    standings: &[Standing<C, O>],
    tally: &Tally<C>,
    params: &Params,
) -> Result<Election<C>, Error> {
    params.validate()?;
    if standings.is_empty() {
        return Err(Error::NoCandidates);
    }
    let mut sorted: Vec<&Standing<C, O>> = standings.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    if sorted.windows(2).any(|w| w[0].id == w[1].id) {
        return Err(Error::DuplicateCandidate);
    }

    let counted = |s: &Standing<C, O>| tally.of(&s.id).map_or(0, |b| b.counted);
    let eligible = |s: &Standing<C, O>| tally.of(&s.id).is_some_and(|b| b.eligible);
    let mut verdicts: Vec<(C, Verdict)> = Vec::with_capacity(sorted.len());
    let mut ranked: Vec<&Standing<C, O>> = Vec::new();
    for s in &sorted {
        let verdict = if s.banned {
            Some(Verdict::Banned)
        } else if !eligible(s) {
            Some(Verdict::NotEligible)
        } else if !s.has_keys {
            Some(Verdict::NoKeys)
        } else {
            ranked.push(s);
            None
        };
        if let Some(v) = verdict {
            verdicts.push((s.id.clone(), v));
        }
    }
    ranked.sort_by(|a, b| {
        counted(b)
            .cmp(&counted(a))
            .then_with(|| b.score.cmp(&a.score))
            .then_with(|| a.id.cmp(&b.id))
    });

    let (p, b) = (params.producers as usize, params.standbys as usize);
    let mut producers: Vec<C> = Vec::with_capacity(p);
    let mut standbys: Vec<C> = Vec::with_capacity(b);
    let mut producer_orgs = BTreeSet::new();
    let mut standby_orgs = BTreeSet::new();
    for s in ranked {
        let mut blocked_by_org = false;
        let verdict = if producers.len() < p && !producer_orgs.contains(&s.org) {
            producer_orgs.insert(s.org.clone());
            producers.push(s.id.clone());
            Verdict::Producer((producers.len() - 1) as u32)
        } else {
            blocked_by_org |= producers.len() < p;
            if standbys.len() < b && !standby_orgs.contains(&s.org) {
                standby_orgs.insert(s.org.clone());
                standbys.push(s.id.clone());
                Verdict::Standby((standbys.len() - 1) as u32)
            } else if blocked_by_org || standbys.len() < b {
                Verdict::OrganisationLimit
            } else {
                Verdict::OutRanked
            }
        };
        verdicts.push((s.id.clone(), verdict));
    }
    verdicts.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Election {
        producers,
        standbys,
        verdicts,
    })
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
}
