//! Stake: candidates bond and unbond, voters stake and vote, and whatever leaves a bond waits out
//! `UnbondingDelay` in a hold of its own. Bonds are holds, so a slash takes them where they are:
//! what left a candidate's bond is slashed with it until it is withdrawn, and a candidate that
//! produced within the report window cannot leave, so no stake escapes an offence it backed.

use crate::*;
use frame_support::traits::{
    fungible::{Balanced, BalancedHold, MutateHold},
    tokens::Precision,
    Imbalance,
};
use sp_runtime::traits::{Saturating, UniqueSaturatedInto, Zero};

impl<T: Config> Pallet<T> {
    /// `who`, an admin of `org`, stands as its candidate with `bond` held.
    pub(crate) fn do_register_candidate(
        who: T::AccountId,
        org: OrgId,
        bond: BalanceOf<T>,
    ) -> DispatchResult {
        ensure!(
            T::Organisations::is_admin(org, &who),
            Error::<T>::NotOrganisationAdmin
        );
        ensure!(
            !Candidates::<T>::contains_key(&who),
            Error::<T>::AlreadyCandidate
        );
        ensure!(
            !CandidateOf::<T>::contains_key(org),
            Error::<T>::OrganisationHasCandidate
        );
        ensure!(
            OrganisationOffences::<T>::get(org)
                .is_none_or(|r| r.banned_until <= CurrentEra::<T>::get()),
            Error::<T>::OrganisationBanned
        );
        ensure!(
            bond >= T::MinCandidateBond::get(),
            Error::<T>::BondBelowMinimum
        );
        let count = CandidateCount::<T>::get();
        ensure!(
            count < T::MaxCandidates::get(),
            Error::<T>::TooManyCandidates
        );
        <T as Config>::Currency::hold(&HoldReason::CandidateBond.into(), &who, bond)
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        Candidates::<T>::insert(
            &who,
            Candidate {
                org,
                bond,
                since: frame_system::Pallet::<T>::block_number(),
            },
        );
        CandidateOf::<T>::insert(org, &who);
        CandidateCount::<T>::put(count.saturating_add(1));
        Self::deposit_event(Event::CandidateRegistered {
            candidate: who,
            org,
            bond,
        });
        Ok(())
    }

    /// Candidate `who` holds `amount` more as its bond.
    pub(crate) fn do_bond_extra(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
        ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
        Candidates::<T>::try_mutate(&who, |c| -> DispatchResult {
            let c = c.as_mut().ok_or(Error::<T>::NotCandidate)?;
            <T as Config>::Currency::hold(&HoldReason::CandidateBond.into(), &who, amount)
                .map_err(|_| Error::<T>::InsufficientBalance)?;
            c.bond = c.bond.saturating_add(amount);
            Ok(())
        })?;
        Self::deposit_event(Event::Bonded {
            candidate: who,
            amount,
        });
        Ok(())
    }

    /// Candidate `who` starts unbonding `amount`; all of it ends the candidacy.
    pub(crate) fn do_unbond(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
        ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
        let mut c = Candidates::<T>::get(&who).ok_or(Error::<T>::NotCandidate)?;
        ensure!(amount <= c.bond, Error::<T>::UnbondTooMuch);
        let left = c.bond.saturating_sub(amount);
        ensure!(
            left.is_zero() || left >= T::MinCandidateBond::get(),
            Error::<T>::BondBelowMinimum
        );
        if left.is_zero() {
            // Its bond answers for the blocks it produces: no leaving mid-era.
            ensure!(
                !Producers::<T>::get().contains(&who)
                    && !pallet_session::Validators::<T>::get().contains(&who),
                Error::<T>::StillProducing
            );
            ensure!(
                !LastSetOf::<T>::contains_key(&who),
                Error::<T>::InReportWindow
            );
        }
        let at = Self::start_unlock(&who, HoldReason::CandidateBond, amount)?;
        if left.is_zero() {
            Candidates::<T>::remove(&who);
            CandidateOf::<T>::remove(c.org);
            Disowned::<T>::mutate(|d| d.retain(|w| w != &who));
            CandidateCount::<T>::mutate(|n| *n = n.saturating_sub(1));
            Self::deposit_event(Event::CandidateLeft {
                candidate: who.clone(),
                org: c.org,
            });
        } else {
            c.bond = left;
            Candidates::<T>::insert(&who, c);
        }
        Self::deposit_event(Event::Unbonded { who, amount, at });
        Ok(())
    }

    /// `who` is no longer an admin of `org` (the runtime calls this when pallet-medical-records
    /// removes one). A candidacy it stood for `org` ends now, or, while it produces, once it no
    /// longer does; it is not elected again either way.
    pub fn disown(org: OrgId, who: &T::AccountId) {
        if CandidateOf::<T>::get(org).as_ref() != Some(who) {
            return;
        }
        Self::deposit_event(Event::CandidateDisowned {
            candidate: who.clone(),
            org,
        });
        if Self::is_producing(who) || Self::end_candidacy(who).is_err() {
            // At most one entry per candidate, so `MaxCandidates` bounds the list.
            Disowned::<T>::mutate(|d| {
                if !d.contains(who) {
                    let _ = d.try_push(who.clone());
                }
            });
        }
    }

    /// Ends the candidacies of disowned candidates that no longer produce (at a session
    /// boundary). A candidacy that cannot end yet (its unbonding list is full) waits for the next.
    pub(crate) fn end_disowned() {
        let waiting = Disowned::<T>::get();
        if waiting.is_empty() {
            return;
        }
        let still: alloc::vec::Vec<_> = waiting
            .into_iter()
            .filter(|who| {
                Candidates::<T>::contains_key(who)
                    && (Self::is_producing(who) || Self::end_candidacy(who).is_err())
            })
            .collect();
        Disowned::<T>::put(BoundedVec::truncate_from(still));
    }

    /// Whether `who` produces in this era, sits in the live set, or served in a set of the report
    /// window (what it produced there can still be proven against its bond).
    fn is_producing(who: &T::AccountId) -> bool {
        Producers::<T>::get().contains(who)
            || pallet_session::Validators::<T>::get().contains(who)
            || LastSetOf::<T>::contains_key(who)
    }

    /// Ends `who`'s candidacy: its seat is free and its whole bond starts unbonding.
    fn end_candidacy(who: &T::AccountId) -> DispatchResult {
        let c = Candidates::<T>::get(who).ok_or(Error::<T>::NotCandidate)?;
        let at = if c.bond.is_zero() {
            None
        } else {
            Some(Self::start_unlock(who, HoldReason::CandidateBond, c.bond)?)
        };
        Candidates::<T>::remove(who);
        CandidateOf::<T>::remove(c.org);
        CandidateCount::<T>::mutate(|n| *n = n.saturating_sub(1));
        Self::deposit_event(Event::CandidateLeft {
            candidate: who.clone(),
            org: c.org,
        });
        if let Some(at) = at {
            Self::deposit_event(Event::Unbonded {
                who: who.clone(),
                amount: c.bond,
                at,
            });
        }
        Ok(())
    }

    /// Releases every amount of `who` whose unbonding delay has passed.
    pub(crate) fn do_withdraw_unbonded(who: T::AccountId) -> DispatchResult {
        let now = frame_system::Pallet::<T>::block_number();
        let mut chunks = Unlocking::<T>::get(&who);
        let mut ready = BalanceOf::<T>::zero();
        chunks.retain(|u| {
            let due = u.at <= now;
            if due {
                ready = ready.saturating_add(u.amount);
            }
            !due
        });
        ensure!(!ready.is_zero(), Error::<T>::NothingToWithdraw);
        <T as Config>::Currency::release(
            &HoldReason::Unbonding.into(),
            &who,
            ready,
            Precision::BestEffort,
        )?;
        if chunks.is_empty() {
            Unlocking::<T>::remove(&who);
        } else {
            Unlocking::<T>::insert(&who, chunks);
        }
        Self::deposit_event(Event::Withdrawn { who, amount: ready });
        Ok(())
    }

    /// `voter` stakes `stake` on `targets`, replacing its earlier vote: a higher stake holds the
    /// difference, a lower one unbonds it.
    pub(crate) fn do_vote(
        voter: T::AccountId,
        targets: BoundedVec<T::AccountId, ConstU32<MAX_TARGETS>>,
        stake: BalanceOf<T>,
    ) -> DispatchResult {
        // The algorithm's own check: 1 to 16 distinct, registered targets.
        kdpos_primitives::check_vote(
            &kdpos_primitives::Vote {
                voter: (),
                stake: stake.unique_saturated_into(),
                targets: targets.to_vec(),
            },
            |t| Candidates::<T>::contains_key(t),
        )
        .map_err(Error::<T>::from)?;
        ensure!(
            stake >= T::MinVoterStake::get(),
            Error::<T>::StakeBelowMinimum
        );
        let previous = Voters::<T>::get(&voter);
        ensure!(
            previous.is_some() || VoterCount::<T>::get() < T::MaxVoters::get(),
            Error::<T>::TooManyVoters
        );
        let old = previous
            .as_ref()
            .map(|v| v.stake)
            .unwrap_or_else(Zero::zero);
        if stake > old {
            <T as Config>::Currency::hold(
                &HoldReason::VoterStake.into(),
                &voter,
                stake.saturating_sub(old),
            )
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        } else if stake < old {
            let at = Self::start_unlock(&voter, HoldReason::VoterStake, old.saturating_sub(stake))?;
            Self::deposit_event(Event::Unbonded {
                who: voter.clone(),
                amount: old.saturating_sub(stake),
                at,
            });
        }
        let count = targets.len() as u32;
        if previous.is_none() {
            VoterCount::<T>::mutate(|n| *n = n.saturating_add(1));
        }
        Voters::<T>::insert(&voter, Voter { stake, targets });
        Self::deposit_event(Event::Voted {
            voter,
            stake,
            targets: count,
        });
        Ok(())
    }

    /// Removes the vote of `voter`; its whole stake starts unbonding.
    pub(crate) fn do_remove_vote(voter: T::AccountId) -> DispatchResult {
        let v = Voters::<T>::get(&voter).ok_or(Error::<T>::NoVote)?;
        let at = Self::start_unlock(&voter, HoldReason::VoterStake, v.stake)?;
        Voters::<T>::remove(&voter);
        VoterCount::<T>::mutate(|n| *n = n.saturating_sub(1));
        Self::deposit_event(Event::Unbonded {
            who: voter.clone(),
            amount: v.stake,
            at,
        });
        Self::deposit_event(Event::VoteRemoved { voter });
        Ok(())
    }

    /// Moves `amount` from the `from` hold to the unbonding hold, due after the delay.
    fn start_unlock(
        who: &T::AccountId,
        from: HoldReason,
        amount: BalanceOf<T>,
    ) -> Result<BlockNumberFor<T>, DispatchError> {
        let at = frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
        let mut chunks = Unlocking::<T>::get(who);
        chunks
            .try_push(Unlock {
                amount,
                at,
                from_bond: from == HoldReason::CandidateBond,
            })
            .map_err(|_| Error::<T>::TooManyUnlocking)?;
        <T as Config>::Currency::release(&from.into(), who, amount, Precision::Exact)?;
        // Cannot fail: the amount was held a moment ago and nothing else moved it.
        <T as Config>::Currency::hold(&HoldReason::Unbonding.into(), who, amount)?;
        Unlocking::<T>::insert(who, chunks);
        Ok(at)
    }

    /// Slashes `SlashFraction` of what `who` has at stake as a candidate: its bond and what left
    /// the bond and is still unbonding (it backed the offence if the offence is in the report
    /// window, which `UnbondingDelay` outlasts). The bond is taken first, then the newest
    /// unbonding amounts. Pays `ReporterReward` of it to the first of `reporters` and burns the
    /// rest. Returns the amount slashed (zero for an account that never bonded).
    pub(crate) fn slash_bond(who: &T::AccountId, reporters: &[T::AccountId]) -> BalanceOf<T> {
        let candidate = Candidates::<T>::get(who);
        let bond = candidate
            .as_ref()
            .map(|c| c.bond)
            .unwrap_or_else(Zero::zero);
        let mut chunks = Unlocking::<T>::get(who);
        let unbonding = chunks
            .iter()
            .filter(|u| u.from_bond)
            .fold(BalanceOf::<T>::zero(), |sum, u| {
                sum.saturating_add(u.amount)
            });
        let amount = T::SlashFraction::get().mul_floor(bond.saturating_add(unbonding));
        if amount.is_zero() {
            return Zero::zero();
        }
        let from_bond = amount.min(bond);
        let (mut credit, missing) = <<T as Config>::Currency as BalancedHold<_>>::slash(
            &HoldReason::CandidateBond.into(),
            who,
            from_bond,
        );
        let taken_from_bond = from_bond.saturating_sub(missing);
        let rest = amount.saturating_sub(taken_from_bond).min(unbonding);
        let mut taken_unbonding = BalanceOf::<T>::zero();
        if !rest.is_zero() {
            let (more, missing) = <<T as Config>::Currency as BalancedHold<_>>::slash(
                &HoldReason::Unbonding.into(),
                who,
                rest,
            );
            credit.subsume(more);
            taken_unbonding = rest.saturating_sub(missing);
            let mut left = taken_unbonding;
            for u in chunks.iter_mut().rev().filter(|u| u.from_bond) {
                let cut = left.min(u.amount);
                u.amount = u.amount.saturating_sub(cut);
                left = left.saturating_sub(cut);
            }
            chunks.retain(|u| !u.amount.is_zero());
            if chunks.is_empty() {
                Unlocking::<T>::remove(who);
            } else {
                Unlocking::<T>::insert(who, chunks);
            }
        }
        if let Some(mut c) = candidate {
            c.bond = c.bond.saturating_sub(taken_from_bond);
            Candidates::<T>::insert(who, c);
        }
        let slashed = taken_from_bond.saturating_add(taken_unbonding);
        let mut reward = Zero::zero();
        if let Some(reporter) = reporters.first() {
            let (pay, _burn) = credit.split(T::ReporterReward::get().mul_floor(slashed));
            let paid = pay.peek();
            // A reporter that cannot receive it (below the existential deposit) gets nothing;
            // what is not paid is burned with the rest when dropped.
            if <<T as Config>::Currency as Balanced<_>>::resolve(reporter, pay).is_ok() {
                reward = paid;
            }
        }
        Self::deposit_event(Event::Slashed {
            offender: who.clone(),
            amount: slashed,
            reward,
        });
        slashed
    }
}
