//! The pallet's invariants, checked by `try_state` under try-runtime and after every test
//! scenario.

use crate::*;

impl<T: Config> Pallet<T> {
    /// Invariants: every record's CID is registered for good and its version links are
    /// consistent; every grant belongs to a record and is in its grantee's index, and the other
    /// way round; the counters match the maps and stay within their bounds; organisations'
    /// member, admin and anchor counts match; every anchored root points at its anchor; every
    /// imported record's origin is an anchor of its custodian and is indexed; no encryption key is
    /// of small order; audit trails are complete; deposits held match the items that hold them.
    pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
        let next_record = NextRecordId::<T>::get();
        for (id, rec) in Records::<T>::iter() {
            ensure!(id < next_record, "record id at or past NextRecordId");
            let info = pallet_ipfs_registry::Cids::<T>::get(&rec.cid)
                .ok_or("record CID is not registered")?;
            ensure!(info.permanent, "record CID could be unregistered");
            ensure!(
                PatientRecords::<T>::contains_key(&rec.patient, id),
                "record missing from its patient's index"
            );
            match rec.previous {
                None => ensure!(rec.version == 1, "first version is not 1"),
                Some(prev) => {
                    let old = Records::<T>::get(prev).ok_or("amended record is missing")?;
                    ensure!(old.superseded_by == Some(id), "version link is not mutual");
                    ensure!(old.version.saturating_add(1) == rec.version, "version gap");
                }
            }
            let grants = Grants::<T>::iter_prefix(id).count() as u32;
            ensure!(grants == GrantCount::<T>::get(id), "grant count mismatch");
            ensure!(grants <= T::MaxGrantsPerRecord::get(), "too many grants");
        }
        for (record, grantee, _) in Grants::<T>::iter() {
            ensure!(Records::<T>::contains_key(record), "grant without a record");
            ensure!(
                GranteeGrants::<T>::contains_key(&grantee, record),
                "grant missing from its grantee's index"
            );
        }
        for (grantee, record, ()) in GranteeGrants::<T>::iter() {
            ensure!(
                Grants::<T>::contains_key(record, &grantee),
                "grantee index entry without a grant"
            );
        }
        for (record, _) in GrantCount::<T>::iter() {
            ensure!(
                Records::<T>::contains_key(record),
                "grant count without a record"
            );
        }
        for (patient, count) in PatientRecordCount::<T>::iter() {
            let n = PatientRecords::<T>::iter_prefix(&patient).count() as u32;
            ensure!(n == count, "patient record count mismatch");
            ensure!(n <= T::MaxRecordsPerPatient::get(), "too many records");
        }
        for (patient, count) in TypeGrantCount::<T>::iter() {
            let n = TypeGrants::<T>::iter_prefix(&patient).count() as u32;
            ensure!(n == count, "type grant count mismatch");
            ensure!(
                n <= T::MaxTypeGrantsPerPatient::get(),
                "too many type grants"
            );
        }
        for (org, info) in Organisations::<T>::iter() {
            ensure!(
                org < NextOrgId::<T>::get(),
                "organisation id past NextOrgId"
            );
            let roles: alloc::vec::Vec<Role> =
                Members::<T>::iter_prefix(org).map(|(_, r)| r).collect();
            ensure!(roles.len() as u32 == info.members, "member count mismatch");
            let admins = roles.iter().filter(|r| **r == Role::Admin).count() as u32;
            ensure!(admins == info.admins && admins > 0, "admin count mismatch");
            ensure!(info.members <= T::MaxMembers::get(), "too many members");
            let anchors = Anchors::<T>::iter_prefix(org).count() as u32;
            ensure!(anchors == info.anchors, "anchor count mismatch");
            // The anchored range ends where the last anchor that is not voided ends (ranges of
            // voided anchors never adjoin, so the one before a range is live).
            let voided = VoidedAnchors::<T>::get(org);
            let last_live = info.anchors.checked_sub(1).and_then(|last| {
                match voided.iter().find(|&&(f, n)| f <= last && last < n) {
                    Some(&(first, _)) => first.checked_sub(1),
                    None => Some(last),
                }
            });
            let end = last_live.and_then(|seq| Anchors::<T>::get(org, seq).map(|a| a.to));
            ensure!(
                end == info.anchored_to,
                "anchored range does not end with the last live anchor"
            );
            if let Some(key) = info.key {
                ensure!(is_sealable_key(&key), "organisation key of small order");
            }
        }
        for (_, key) in EncryptionKeys::<T>::iter() {
            ensure!(is_sealable_key(&key), "encryption key of small order");
        }
        for (org, root, seq) in AnchorRoots::<T>::iter() {
            let anchor = Anchors::<T>::get(org, seq).ok_or("root of no anchor")?;
            ensure!(anchor.root == root, "root points at another anchor");
        }
        for (org, seq, anchor) in Anchors::<T>::iter() {
            let indexed = AnchorRoots::<T>::get(org, anchor.root);
            // A voided anchor's root may stand for a later anchor of the same batch.
            ensure!(
                indexed == Some(seq) || (Self::is_voided(org, seq) && indexed.is_some()),
                "anchor missing from its organisation's roots"
            );
        }
        for (org, voided) in VoidedAnchors::<T>::iter() {
            let info = Organisations::<T>::get(org).ok_or("voided anchors of no organisation")?;
            let mut end = 0;
            for &(first, next) in voided.iter() {
                ensure!(
                    (end == 0 || first > end) && first < next && next <= info.anchors,
                    "voided ranges unsorted, adjoining or past the anchors"
                );
                end = next;
            }
        }
        for (id, origin) in Origins::<T>::iter() {
            let rec = Records::<T>::get(id).ok_or("origin of no record")?;
            ensure!(
                rec.custodian == origin.org,
                "imported by another organisation"
            );
            ensure!(
                Anchors::<T>::contains_key(origin.org, origin.anchor),
                "imported from no anchor"
            );
            ensure!(
                Imported::<T>::get(origin.org, origin.record) == Some(id),
                "origin not indexed"
            );
        }
        ensure!(
            Imported::<T>::iter().count() == Origins::<T>::iter().count(),
            "imported index and origins differ"
        );
        Self::try_audit_and_care()?;
        Self::try_deposits()
    }

    /// Every record's trail holds exactly the entries its counters count, numbered without a gap,
    /// and only emergency openings carry a reason; tallies are of records and within their
    /// bound; care relationships are of registered organisations.
    fn try_audit_and_care() -> Result<(), sp_runtime::TryRuntimeError> {
        for (record, trail) in Audit::<T>::iter() {
            ensure!(Records::<T>::contains_key(record), "audit of no record");
            let mut n = 0u32;
            for (i, entry) in AuditLog::<T>::iter_prefix(record) {
                ensure!(i < trail.entries(), "audit entry past the trail's count");
                ensure!(
                    entry.reason.is_some() == (entry.action == AuditAction::EmergencyOpened),
                    "reason on an entry that is not an emergency opening, or none on one"
                );
                n = n.saturating_add(1);
            }
            ensure!(n == trail.entries(), "audit entries and counters differ");
        }
        for (record, _, _) in AuditLog::<T>::iter() {
            ensure!(
                Audit::<T>::contains_key(record),
                "audit entry of an uncounted trail"
            );
        }
        for (record, _, tally) in EmergencyTallies::<T>::iter() {
            ensure!(
                Records::<T>::contains_key(record),
                "emergency tally of no record"
            );
            ensure!(
                tally.openings > 0 && tally.openings <= T::MaxEmergencyOpenings::get(),
                "emergency tally out of bounds"
            );
        }
        for (_, org, _) in CareRelationships::<T>::iter() {
            ensure!(
                Organisations::<T>::contains_key(org),
                "care relationship with no organisation"
            );
        }
        Ok(())
    }

    /// What each account holds for grants, type grants and care relationships is the sum of
    /// the deposits those items record.
    fn try_deposits() -> Result<(), sp_runtime::TryRuntimeError> {
        use alloc::collections::BTreeMap;
        use frame_support::traits::fungible::InspectHold;
        let sum = |items: alloc::vec::Vec<(T::AccountId, BalanceOf<T>)>| {
            let mut owed: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
            for (who, amount) in items {
                let total = owed.entry(who).or_default();
                *total = total.saturating_add(amount);
            }
            owed
        };
        let grants = sum(Grants::<T>::iter()
            .map(|(_, _, g)| (g.depositor, g.deposit))
            .collect());
        let type_grants = sum(TypeGrants::<T>::iter()
            .map(|(p, _, g)| (p, g.deposit))
            .collect());
        let care = sum(CareRelationships::<T>::iter()
            .map(|(p, _, c)| (p, c.deposit))
            .collect());
        for (reason, owed) in [
            (HoldReason::Grant, grants),
            (HoldReason::TypeGrant, type_grants),
            (HoldReason::Care, care),
        ] {
            for (who, amount) in owed {
                let held = <T as pallet_ipfs_registry::Config>::Currency::balance_on_hold(
                    &reason.into(),
                    &who,
                );
                ensure!(held == amount, "deposits held and recorded differ");
            }
        }
        Ok(())
    }
}
