//! Who may read a record now and why; emergency openings, limited and vetoable; logged reads;
//! the complete audit trail every grant, revocation, opening and read is appended to.

use crate::*;

impl<T: Config> Pallet<T> {
    /// `clinician`, if of the record's custodian, not able to read it already, not vetoed by the
    /// patient and under `MaxEmergencyOpenings`, opens it for `EmergencyDuration` blocks.
    pub(crate) fn do_emergency_access(
        clinician: T::AccountId,
        record: RecordId,
        reason: EmergencyReason,
    ) -> DispatchResult {
        let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
        ensure!(
            Self::is_clinician(rec.custodian, &clinician),
            Error::<T>::NotCustodianMember
        );
        ensure!(
            Self::access_to(&rec, record, &clinician).is_err(),
            Error::<T>::AlreadyHasAccess
        );
        let tally = EmergencyTallies::<T>::get(record, &clinician);
        if let Some(t) = tally {
            ensure!(!t.vetoed, Error::<T>::EmergencyVetoed);
            ensure!(
                t.openings < T::MaxEmergencyOpenings::get(),
                Error::<T>::TooManyEmergencyOpenings
            );
        } else {
            Self::hold(HoldReason::Audit, &clinician, Self::tally_deposit())?;
        }
        let until =
            frame_system::Pallet::<T>::block_number().saturating_add(T::EmergencyDuration::get());
        Self::put_grant(
            record,
            &clinician,
            &clinician,
            GrantBasis::Emergency,
            until,
            None,
        )?;
        Self::audit(
            record,
            &clinician,
            AuditAction::EmergencyOpened,
            Some(reason),
        )?;
        let mut tally = tally.unwrap_or_default();
        tally.openings = tally.openings.saturating_add(1);
        EmergencyTallies::<T>::insert(record, &clinician, tally);
        Self::deposit_event(Event::EmergencyAccess {
            record,
            patient: rec.patient,
            clinician,
            reason,
            until,
        });
        Ok(())
    }

    /// The patient's revocation of `clinician`'s emergency opening forbids them to open the
    /// record again.
    pub(crate) fn veto_emergency(record: RecordId, clinician: &T::AccountId) {
        EmergencyTallies::<T>::mutate(record, clinician, |t| {
            if let Some(t) = t {
                t.vetoed = true;
            }
        });
    }

    /// `reader`, if they may read the record now, logs a read of it.
    pub(crate) fn do_log_access(reader: T::AccountId, record: RecordId) -> DispatchResult {
        let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
        Self::access_to(&rec, record, &reader).map_err(|e| match e {
            AccessDenied::UnknownRecord => Error::<T>::UnknownRecord,
            AccessDenied::NoGrant => Error::<T>::NoGrant,
            AccessDenied::Expired => Error::<T>::GrantExpired,
            AccessDenied::TypeGrantEnded => Error::<T>::TypeGrantEnded,
            AccessDenied::LeftCustodian => Error::<T>::NotCustodianMember,
        })?;
        Self::audit(record, &reader, AuditAction::Accessed, None)?;
        Self::deposit_event(Event::AccessLogged {
            record,
            patient: rec.patient,
            reader,
        });
        Ok(())
    }

    /// Whether `who` may read `record` now, and why.
    pub fn access(
        record: RecordId,
        who: &T::AccountId,
    ) -> Result<Access<BlockNumberFor<T>>, AccessDenied> {
        let rec = Records::<T>::get(record).ok_or(AccessDenied::UnknownRecord)?;
        Self::access_to(&rec, record, who)
    }

    /// [`Self::access`] for a record already read from storage.
    pub(crate) fn access_to(
        rec: &RecordOf<T>,
        record: RecordId,
        who: &T::AccountId,
    ) -> Result<Access<BlockNumberFor<T>>, AccessDenied> {
        if &rec.patient == who {
            return Ok(Access::Patient);
        }
        // The author reads their own version while they still work for the custodian.
        if &rec.author == who && Self::is_clinician(rec.custodian, who) {
            return Ok(Access::Custodian);
        }
        let grant = Grants::<T>::get(record, who).ok_or(AccessDenied::NoGrant)?;
        let now = frame_system::Pallet::<T>::block_number();
        ensure!(grant.expires_at > now, AccessDenied::Expired);
        // An emergency opening is the custodian's, lent to its clinician: it ends when they leave.
        if grant.basis == GrantBasis::Emergency {
            ensure!(
                Self::is_clinician(rec.custodian, who),
                AccessDenied::LeftCustodian
            );
        }
        if grant.basis == GrantBasis::RecordType {
            let effective = TypeGrants::<T>::get(&rec.patient, (rec.type_tag, who.clone()))
                .is_some_and(|tg| tg.expires_at > now);
            ensure!(effective, AccessDenied::TypeGrantEnded);
        }
        Ok(Access::Granted {
            basis: grant.basis,
            until: grant.expires_at,
        })
    }

    /// Appends an entry to a record's audit trail and counts it, holding its deposit from `who`,
    /// who caused it. Fails, changing nothing, if `who` cannot afford the deposit.
    pub(crate) fn audit(
        record: RecordId,
        who: &T::AccountId,
        action: AuditAction,
        reason: Option<EmergencyReason>,
    ) -> DispatchResult {
        let mut trail = Audit::<T>::get(record);
        let index = trail.entries();
        // `entries` saturates: a full trail would write its last entry over and over.
        ensure!(index < u32::MAX, Error::<T>::Overflow);
        let counter = match action {
            AuditAction::Granted => &mut trail.grants,
            AuditAction::Revoked => &mut trail.revocations,
            AuditAction::EmergencyOpened => &mut trail.emergency_openings,
            AuditAction::Accessed => &mut trail.accesses,
        };
        *counter = counter.checked_add(1).ok_or(Error::<T>::Overflow)?;
        Self::hold(HoldReason::Audit, who, Self::audit_deposit())?;
        AuditLog::<T>::insert(
            record,
            index,
            AuditEntry {
                who: who.clone(),
                action,
                at: frame_system::Pallet::<T>::block_number(),
                reason,
            },
        );
        Audit::<T>::insert(record, trail);
        Ok(())
    }
}
