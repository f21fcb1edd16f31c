//! The pallet's invariants, as try-runtime's `try_state` hook and the tests check them.

use crate::*;
use frame_support::traits::fungible::InspectHold;
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
    /// Invariants: each organisation has at most one candidate and the maps agree; the counts
    /// match; every bond and stake is exactly what is held for it; unbonding amounts sum to
    /// the unbonding hold; producers are candidates, one per organisation, and no standby; the
    /// election's list of voting candidates is sorted.
    pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
        let mut n = 0u32;
        for (who, c) in Candidates::<T>::iter() {
            n = n.saturating_add(1);
            ensure!(
                CandidateOf::<T>::get(c.org).as_ref() == Some(&who),
                "candidate not its organisation's"
            );
            ensure!(
                <T as Config>::Currency::balance_on_hold(&HoldReason::CandidateBond.into(), &who)
                    == c.bond,
                "candidate bond differs from its hold"
            );
            // Only a slash takes a bond below the minimum, and it comes with a ban.
            ensure!(
                c.bond >= T::MinCandidateBond::get() || BannedUntil::<T>::contains_key(&who),
                "bond below minimum"
            );
        }
        let disowned = Disowned::<T>::get();
        for (i, who) in disowned.iter().enumerate() {
            let c = Candidates::<T>::get(who).ok_or("disowned account is no candidate")?;
            ensure!(
                !T::Organisations::is_admin(c.org, who),
                "disowned candidate is its organisation's admin"
            );
            ensure!(!disowned[..i].contains(who), "disowned twice");
        }
        let producers = Producers::<T>::get();
        let standbys = Standbys::<T>::get();
        let mut orgs = alloc::vec::Vec::new();
        for p in producers.iter() {
            let c = Candidates::<T>::get(p).ok_or("producer is no candidate")?;
            ensure!(!orgs.contains(&c.org), "two producers of one organisation");
            orgs.push(c.org);
            ensure!(!standbys.contains(p), "producer is a standby too");
        }
        ensure!(
            VoterCount::<T>::get() as usize == Voters::<T>::iter_keys().count(),
            "voter count mismatch"
        );
        // The books look candidates up in it by binary search.
        ensure!(
            VotedAtElection::<T>::get().windows(2).all(|w| w[0] < w[1]),
            "candidates voting at the election not sorted and distinct"
        );
        ensure!(n == CandidateCount::<T>::get(), "candidate count mismatch");
        ensure!(
            CandidateOf::<T>::iter().count() as u32 == n,
            "organisation seats and candidates differ"
        );
        for (who, v) in Voters::<T>::iter() {
            ensure!(
                <T as Config>::Currency::balance_on_hold(&HoldReason::VoterStake.into(), &who)
                    == v.stake,
                "voter stake differs from its hold"
            );
            ensure!(!v.targets.is_empty(), "vote without targets");
        }
        for (who, chunks) in Unlocking::<T>::iter() {
            let sum = chunks
                .iter()
                .fold(BalanceOf::<T>::zero(), |s, u| s.saturating_add(u.amount));
            ensure!(
                <T as Config>::Currency::balance_on_hold(&HoldReason::Unbonding.into(), &who)
                    == sum,
                "unbonding amounts differ from their hold"
            );
        }
        Self::check_report_window()
    }

    /// The report window: every session of it is kept, its first slots rise, its sets are
    /// stored, and each validator's latest set is one of them.
    fn check_report_window() -> Result<(), sp_runtime::TryRuntimeError> {
        let current = pallet_session::CurrentIndex::<T>::get();
        let oldest = current.saturating_sub(T::ReportWindow::get().saturating_sub(1));
        let mut sets = alloc::vec::Vec::new();
        let mut previous: Option<u64> = None;
        for index in oldest..=current {
            let s = SessionSets::<T>::get(index).ok_or("a session of the window is missing")?;
            ensure!(
                previous.is_none_or(|p| p <= s.first_slot),
                "sessions' first slots fall"
            );
            ensure!(
                AuthoritySets::<T>::contains_key(s.set),
                "a session's set is missing"
            );
            previous = Some(s.first_slot);
            sets.push(s.set);
        }
        ensure!(
            SessionSets::<T>::iter_keys().count() == sets.len(),
            "a session outside the window is kept"
        );
        for (who, set) in LastSetOf::<T>::iter() {
            ensure!(sets.contains(&set), "a latest set outside the window");
            ensure!(
                AuthoritySets::<T>::get(set).iter().any(|(v, _)| v == &who),
                "a validator's latest set does not hold it"
            );
        }
        Ok(())
    }
}
