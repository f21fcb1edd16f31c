//! Votes (KDPOS.md, "Votes: restricted range, split stake, caps"): who may receive votes, how a
//! voter's stake splits over its targets, and the two caps on what a candidate counts.

use crate::{sorted_unique, standing::Standing, Class, Error, Params, MAX_VOTE_TARGETS};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// A voter's bonded stake and the candidates it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vote<V, C> {
    pub voter: V,
    pub stake: u128,
    /// 1 to [`MAX_VOTE_TARGETS`] distinct candidates.
    pub targets: Vec<C>,
}

/// Checks a vote before the chain stores it: stake, 1..=16 distinct targets, each registered.
pub fn check_vote<V, C: Ord>(
    vote: &Vote<V, C>,
    is_candidate: impl Fn(&C) -> bool,
) -> Result<(), Error> {
    check_shape(vote)?;
    if !vote.targets.iter().all(is_candidate) {
        return Err(Error::UnknownTarget);
    }
    Ok(())
}

fn check_shape<V, C: Ord>(vote: &Vote<V, C>) -> Result<(), Error> {
    if vote.stake == 0 {
        return Err(Error::ZeroStake);
    }
    if vote.targets.is_empty() {
        return Err(Error::NoTargets);
    }
    if vote.targets.len() > MAX_VOTE_TARGETS {
        return Err(Error::TooManyTargets);
    }
    let mut sorted: Vec<&C> = vote.targets.iter().collect();
    sorted.sort();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::DuplicateTarget);
    }
    Ok(())
}

/// Which cap limited a candidate's counted backing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Cap {
    /// `ceil(fair_share_factor * T / P)`: no candidate counts more than twice the fair share.
    FairShare,
    /// `self_bond_factor * self bond`: backing needs the candidate's own stake behind it.
    SelfBond,
}

/// One candidate's backing after the tally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backing<C> {
    pub id: C,
    /// Whether it is in the vote range this era.
    pub eligible: bool,
    /// Self bond plus every share of stake naming it.
    pub raw: u128,
    /// What counts for the election: 0 when not eligible, else `raw` under both caps.
    pub counted: u128,
    /// The cap that bound, if any.
    pub capped_by: Option<Cap>,
}

/// The outcome of a tally, with the figures that explain it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally<C> {
    /// Every candidate, sorted by id.
    pub backings: Vec<Backing<C>>,
    /// T: raw backing of all eligible candidates.
    pub total: u128,
    /// The fair-share cap this era, `ceil(fair_share_factor * T / P)`.
    pub fair_share_cap: u128,
    /// Stake that named ineligible or departed candidates and so counted nothing.
    pub wasted: u128,
    /// Voter-target shares processed: the work the pallet's weight pays for.
    pub share_ops: u64,
}

impl<C: Ord> Tally<C> {
    /// The backing of one candidate.
    pub fn of(&self, id: &C) -> Option<&Backing<C>> {
        self.backings
            .binary_search_by(|b| b.id.cmp(id))
            .ok()
            .and_then(|i| self.backings.get(i))
    }
}

/// The vote range: Excellent candidates, filled up to P + B with the best Qualified by
/// (score, id) when there are too few. Poor and banned candidates are never in it.
/// Returns one flag per standing, in the order given.
pub fn eligibility<C: Ord, O>(standings: &[Standing<C, O>], params: &Params) -> Vec<bool> {
    let seats = params.seats() as usize;
    let mut flags: Vec<bool> = standings
        .iter()
        .map(|s| s.class == Class::Excellent && !s.banned)
        .collect();
    let excellent = flags.iter().filter(|f| **f).count();
    if excellent < seats {
        let mut qualified: Vec<usize> = (0..standings.len())
            .filter(|i| standings[*i].class == Class::Qualified && !standings[*i].banned)
            .collect();
        qualified.sort_by(|a, b| {
            standings[*b]
                .score
                .cmp(&standings[*a].score)
                .then_with(|| standings[*a].id.cmp(&standings[*b].id))
        });
        for i in qualified.into_iter().take(seats - excellent) {
            flags[i] = true;
        }
    }
    flags
}

/// How a vote's stake splits over its targets (sorted by id): evenly, the remainder to the first.
/// The tally and Phragmen's ballots both split by it.
pub(crate) fn shares<C>(stake: u128, sorted_targets: &[C]) -> impl Iterator<Item = (&C, u128)> {
    let n = (sorted_targets.len() as u128).max(1);
    let (share, remainder) = (stake / n, stake % n);
    sorted_targets
        .iter()
        .enumerate()
        .map(move |(k, t)| (t, if k == 0 { share + remainder } else { share }))
}

/// Tallies the votes of an era. Each vote's stake splits evenly over its targets (the remainder
/// to the first target by id); shares naming a candidate outside the vote range, or one that has
/// left, count nothing. Counted backing is `min(raw, ceil(2T/P), 10 * self bond)`.
pub fn tally<V: Ord, C: Ord + Clone, O>(
    standings: &[Standing<C, O>],
    votes: Vec<Vote<V, C>>,
    params: &Params,
) -> Result<Tally<C>, Error> {
    params.validate()?;
    if standings.is_empty() {
        return Err(Error::NoCandidates);
    }
    let mut order: Vec<usize> = (0..standings.len()).collect();
    order.sort_by(|a, b| standings[*a].id.cmp(&standings[*b].id));
    if order
        .windows(2)
        .any(|w| standings[w[0]].id == standings[w[1]].id)
    {
        return Err(Error::DuplicateCandidate);
    }
    let flags = eligibility(standings, params);
    let mut backings: Vec<Backing<C>> = order
        .iter()
        .map(|i| Backing {
            id: standings[*i].id.clone(),
            eligible: flags[*i],
            raw: standings[*i].self_bond,
            counted: 0,
            capped_by: None,
        })
        .collect();

    let votes = sorted_unique(votes, |v| &v.voter).map_err(|_| Error::DuplicateVoter)?;
    let mut wasted = 0u128;
    let mut share_ops = 0u64;
    for mut vote in votes {
        check_shape(&vote)?;
        vote.targets.sort();
        for (target, amount) in shares(vote.stake, &vote.targets) {
            share_ops += 1;
            match backings.binary_search_by(|b| b.id.cmp(target)) {
                Ok(i) if backings[i].eligible => {
                    backings[i].raw = backings[i].raw.saturating_add(amount)
                }
                Ok(i) => {
                    backings[i].raw = backings[i].raw.saturating_add(amount);
                    wasted = wasted.saturating_add(amount);
                }
                Err(_) => wasted = wasted.saturating_add(amount),
            }
        }
    }

    let total: u128 = backings
        .iter()
        .filter(|b| b.eligible)
        .map(|b| b.raw)
        .fold(0, u128::saturating_add);
    let producers = u128::from(params.producers);
    let fair_share_cap = total
        .saturating_mul(u128::from(params.fair_share_factor))
        .div_ceil(producers);
    for (b, i) in backings.iter_mut().zip(order.iter()) {
        if !b.eligible {
            continue;
        }
        let self_cap = standings[*i]
            .self_bond
            .saturating_mul(u128::from(params.self_bond_factor));
        b.counted = b.raw.min(fair_share_cap).min(self_cap);
        b.capped_by = if b.counted == b.raw {
            None
        } else if self_cap <= fair_share_cap {
            Some(Cap::SelfBond)
        } else {
            Some(Cap::FairShare)
        };
    }
    Ok(Tally {
        backings,
        total,
        fair_share_cap,
        wasted,
        share_ops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(id: u32, class: Class, score: u32, self_bond: u128) -> Standing<u32, u32> {
        Standing {
            id,
            org: id,
            class,
            score,
            self_bond,
            has_keys: true,
            banned: false,
            proven: true,
        }
    }

    fn vote(voter: u32, stake: u128, targets: &[u32]) -> Vote<u32, u32> {
        Vote {
            voter,
            stake,
            targets: targets.to_vec(),
        }
    }

    fn small() -> Params {
        Params {
            producers: 2,
            standbys: 1,
            ..Params::default()
        }
    }

    #[test]
    fn the_range_is_excellent_filled_with_the_best_qualified() {
        let s = [
            standing(1, Class::Excellent, 900_000, 1),
            standing(2, Class::Qualified, 600_000, 1),
            standing(3, Class::Qualified, 700_000, 1),
            standing(4, Class::Poor, 990_000, 1),
            standing(5, Class::Qualified, 500_000, 1),
        ];
        // P + B = 3: the one Excellent, then Qualified 3 (700k) and 2 (600k); 5 is left out.
        assert_eq!(eligibility(&s, &small()), [true, true, true, false, false]);
    }

    #[test]
    fn stake_splits_evenly_with_the_remainder_to_the_first_target() -> Result<(), Error> {
        let s = [
            standing(1, Class::Excellent, 0, 1_000),
            standing(2, Class::Excellent, 0, 1_000),
        ];
        let t = tally(
            &s,
            alloc::vec![vote(9, 11, &[2, 1])],
            &Params {
                producers: 2,
                standbys: 0,
                ..Params::default()
            },
        )?;
        assert_eq!(t.of(&1).map(|b| b.raw), Some(1_000 + 6));
        assert_eq!(t.of(&2).map(|b| b.raw), Some(1_000 + 5));
        Ok(())
    }

    #[test]
    fn votes_for_ineligible_or_departed_candidates_count_nothing() -> Result<(), Error> {
        let s = [
            standing(1, Class::Excellent, 0, 100),
            standing(2, Class::Poor, 0, 100),
        ];
        let t = tally(&s, alloc::vec![vote(9, 30, &[1, 2, 3])], &small())?;
        assert_eq!(t.of(&2).map(|b| b.counted), Some(0));
        assert_eq!(t.wasted, 20);
        assert_eq!(t.total, 110);
        Ok(())
    }

    #[test]
    fn both_caps_bind() -> Result<(), Error> {
        let s = [
            standing(1, Class::Excellent, 0, 10),
            standing(2, Class::Excellent, 0, 1_000),
            standing(3, Class::Excellent, 0, 1_000),
        ];
        let p = Params {
            producers: 3,
            standbys: 0,
            ..Params::default()
        };
        let t = tally(
            &s,
            alloc::vec![vote(7, 500, &[1]), vote(8, 10_000, &[2])],
            &p,
        )?;
        // T = 510 + 11_000 + 1_000 = 12_510; fair cap = ceil(2 * 12_510 / 3) = 8_340.
        assert_eq!(t.fair_share_cap, 8_340);
        let one = t.of(&1).cloned();
        assert_eq!(
            one.map(|b| (b.counted, b.capped_by)),
            Some((100, Some(Cap::SelfBond)))
        );
        assert_eq!(
            t.of(&2).map(|b| (b.counted, b.capped_by)),
            Some((8_340, Some(Cap::FairShare)))
        );
        assert_eq!(
            t.of(&3).map(|b| (b.counted, b.capped_by)),
            Some((1_000, None))
        );
        Ok(())
    }

    #[test]
    fn bad_votes_are_typed_errors() {
        let ok = |_: &u32| true;
        assert_eq!(check_vote(&vote(1, 0, &[1]), ok), Err(Error::ZeroStake));
        assert_eq!(check_vote(&vote(1, 5, &[]), ok), Err(Error::NoTargets));
        assert_eq!(
            check_vote(&vote(1, 5, &[1, 1]), ok),
            Err(Error::DuplicateTarget)
        );
        let many: Vec<u32> = (0..17).collect();
        assert_eq!(
            check_vote(&vote(1, 5, &many), ok),
            Err(Error::TooManyTargets)
        );
        assert_eq!(
            check_vote(&vote(1, 5, &[4]), |c| *c < 4),
            Err(Error::UnknownTarget)
        );
        assert_eq!(check_vote(&vote(1, 5, &[3]), |c| *c < 4), Ok(()));
        let s = [standing(1, Class::Excellent, 0, 1)];
        assert_eq!(
            tally(
                &s,
                alloc::vec![vote(1, 5, &[1]), vote(1, 6, &[1])],
                &small()
            ),
            Err(Error::DuplicateVoter)
        );
        assert_eq!(
            tally::<u32, u32, u32>(&[], Vec::new(), &small()),
            Err(Error::NoCandidates)
        );
        let dup = [
            standing(1, Class::Excellent, 0, 1),
            standing(1, Class::Excellent, 0, 1),
        ];
        assert_eq!(
            tally::<u32, u32, u32>(&dup, Vec::new(), &small()),
            Err(Error::DuplicateCandidate)
        );
    }
}
