//! Consent: the patient's grants of one record and of all their records of a type, keys shared
//! under a type grant, revocation, expiry, and the idle-time sweep of expired grants.

use crate::*;

impl<T: Config> Pallet<T> {
    /// `patient`, if the record's, grants `grantee` the record until `expires_at`.
    pub(crate) fn do_grant_access(
        patient: T::AccountId,
        record: RecordId,
        grantee: T::AccountId,
        expires_at: BlockNumberFor<T>,
        wrapped_key: WrappedKey,
    ) -> DispatchResult {
        let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
        ensure!(rec.patient == patient, Error::<T>::NotPatient);
        Self::check_grantee(&patient, &grantee)?;
        Self::check_expiry(expires_at)?;
        Self::put_grant(
            record,
            &grantee,
            &patient,
            GrantBasis::Patient,
            expires_at,
            Some(wrapped_key),
        )?;
        Self::audit(record, &patient, AuditAction::Granted, None)?;
        Self::deposit_event(Event::AccessGranted {
            record,
            patient,
            grantee,
            basis: GrantBasis::Patient,
            expires_at,
        });
        Ok(())
    }

    /// `patient`, if the record's, revokes `grantee`'s grant of it, whatever its basis. Revoking an
    /// emergency opening also forbids that clinician to open the record again.
    pub(crate) fn do_revoke_access(
        patient: T::AccountId,
        record: RecordId,
        grantee: T::AccountId,
    ) -> DispatchResult {
        let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
        ensure!(rec.patient == patient, Error::<T>::NotPatient);
        let removed = Self::remove_grant(record, &grantee).ok_or(Error::<T>::NoGrant)?;
        if removed.basis == GrantBasis::Emergency {
            Self::veto_emergency(record, &grantee);
        }
        Self::audit(record, &patient, AuditAction::Revoked, None)?;
        Self::deposit_event(Event::AccessRevoked {
            record,
            patient,
            grantee,
        });
        Ok(())
    }

    /// `patient` grants `grantee` all their records of the type tagged `type_tag` until
    /// `expires_at`.
    pub(crate) fn do_grant_type_access(
        patient: T::AccountId,
        type_tag: TypeTag,
        grantee: T::AccountId,
        expires_at: BlockNumberFor<T>,
    ) -> DispatchResult {
        ensure!(
            EncryptionKeys::<T>::contains_key(&patient),
            Error::<T>::UnknownPatient
        );
        Self::check_grantee(&patient, &grantee)?;
        Self::check_expiry(expires_at)?;
        let now = frame_system::Pallet::<T>::block_number();
        let key = (type_tag, grantee.clone());
        let old = TypeGrants::<T>::get(&patient, &key);
        let exists = old.is_some();
        let mut count = TypeGrantCount::<T>::get(&patient);
        if !exists && count >= T::MaxTypeGrantsPerPatient::get() {
            count = count.saturating_sub(Self::purge_expired_type_grants(&patient, now));
            ensure!(
                count < T::MaxTypeGrantsPerPatient::get(),
                Error::<T>::TooManyTypeGrants
            );
        }
        if !exists {
            count = count.saturating_add(1);
        }
        // A replaced grant keeps its deposit; a new one holds its own.
        let deposit = match old {
            Some(old) => old.deposit,
            None => {
                let deposit = Self::type_grant_deposit();
                Self::hold(HoldReason::TypeGrant, &patient, deposit)?;
                deposit
            }
        };
        TypeGrants::<T>::insert(
            &patient,
            &key,
            TypeGrant {
                granted_at: now,
                expires_at,
                deposit,
            },
        );
        TypeGrantCount::<T>::insert(&patient, count);
        Self::deposit_event(Event::TypeAccessGranted {
            patient,
            type_tag,
            grantee,
            expires_at,
        });
        Ok(())
    }

    /// `patient` revokes their grant of the type tagged `type_tag` to `grantee`.
    pub(crate) fn do_revoke_type_access(
        patient: T::AccountId,
        type_tag: TypeTag,
        grantee: T::AccountId,
    ) -> DispatchResult {
        let grant = TypeGrants::<T>::take(&patient, (type_tag, grantee.clone()))
            .ok_or(Error::<T>::NoGrant)?;
        Self::release(HoldReason::TypeGrant, &patient, grant.deposit);
        TypeGrantCount::<T>::mutate(&patient, |n| *n = n.saturating_sub(1));
        Self::deposit_event(Event::TypeAccessRevoked {
            patient,
            type_tag,
            grantee,
        });
        Ok(())
    }

    /// `clinician`, if of the record's custodian, shares the record's key with `grantee` under
    /// the grantee's effective grant of the record's type.
    pub(crate) fn do_share_key(
        clinician: T::AccountId,
        record: RecordId,
        grantee: T::AccountId,
        wrapped_key: WrappedKey,
    ) -> DispatchResult {
        let rec = Records::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
        ensure!(
            Self::is_clinician(rec.custodian, &clinician),
            Error::<T>::NotClinician
        );
        let now = frame_system::Pallet::<T>::block_number();
        let tg = TypeGrants::<T>::get(&rec.patient, (rec.type_tag, grantee.clone()))
            .ok_or(Error::<T>::NoGrant)?;
        ensure!(tg.expires_at > now, Error::<T>::GrantExpired);
        // A key shared earlier under a type grant may be renewed; a grant of the patient's own
        // or an emergency opening is not replaced.
        if let Some(g) = Grants::<T>::get(record, &grantee) {
            ensure!(
                g.basis == GrantBasis::RecordType || g.expires_at <= now,
                Error::<T>::AlreadyHasAccess
            );
        }
        Self::put_grant(
            record,
            &grantee,
            &clinician,
            GrantBasis::RecordType,
            tg.expires_at,
            Some(wrapped_key),
        )?;
        Self::audit(record, &clinician, AuditAction::Granted, None)?;
        Self::deposit_event(Event::AccessGranted {
            record,
            patient: rec.patient,
            grantee,
            basis: GrantBasis::RecordType,
            expires_at: tg.expires_at,
        });
        Ok(())
    }

    /// Refuses the patient themself and a grantee with no key to seal the data key to.
    pub(crate) fn check_grantee(patient: &T::AccountId, grantee: &T::AccountId) -> DispatchResult {
        ensure!(grantee != patient, Error::<T>::GranteeIsPatient);
        ensure!(
            EncryptionKeys::<T>::contains_key(grantee),
            Error::<T>::UnknownGrantee
        );
        Ok(())
    }

    /// Refuses an expiry that is not after the current block or lies past `MaxGrantDuration`.
    pub(crate) fn check_expiry(expires_at: BlockNumberFor<T>) -> DispatchResult {
        let now = frame_system::Pallet::<T>::block_number();
        ensure!(expires_at > now, Error::<T>::ExpiryInPast);
        ensure!(
            expires_at <= now.saturating_add(T::MaxGrantDuration::get()),
            Error::<T>::ExpiryTooFar
        );
        Ok(())
    }

    /// Inserts or replaces a grant, keeping the per-record count within bounds. `depositor`
    /// holds the new grant's deposit; a replaced grant's goes back to whoever held it.
    pub(crate) fn put_grant(
        record: RecordId,
        grantee: &T::AccountId,
        depositor: &T::AccountId,
        basis: GrantBasis,
        expires_at: BlockNumberFor<T>,
        wrapped_key: Option<WrappedKey>,
    ) -> DispatchResult {
        let old = Grants::<T>::get(record, grantee);
        let count = GrantCount::<T>::get(record);
        if old.is_none() {
            ensure!(
                count < T::MaxGrantsPerRecord::get(),
                Error::<T>::TooManyGrants
            );
        }
        let deposit = Self::grant_deposit();
        match old {
            // A renewal by whoever holds the deposit keeps it as it is.
            Some(old) if &old.depositor == depositor && old.deposit == deposit => {}
            Some(old) => {
                Self::hold(HoldReason::Grant, depositor, deposit)?;
                Self::release(HoldReason::Grant, &old.depositor, old.deposit);
            }
            None => {
                Self::hold(HoldReason::Grant, depositor, deposit)?;
                GrantCount::<T>::insert(record, count.saturating_add(1));
                GranteeGrants::<T>::insert(grantee, record, ());
            }
        }
        Grants::<T>::insert(
            record,
            grantee,
            Grant {
                basis,
                granted_at: frame_system::Pallet::<T>::block_number(),
                expires_at,
                wrapped_key,
                depositor: depositor.clone(),
                deposit,
            },
        );
        Ok(())
    }

    /// Removes a grant and its index entries and returns its deposit; the grant removed, if
    /// there was one.
    pub(crate) fn remove_grant(record: RecordId, grantee: &T::AccountId) -> Option<GrantOf<T>> {
        let grant = Grants::<T>::take(record, grantee)?;
        GrantCount::<T>::mutate(record, |n| *n = n.saturating_sub(1));
        GranteeGrants::<T>::remove(grantee, record);
        Self::release(HoldReason::Grant, &grant.depositor, grant.deposit);
        Some(grant)
    }

    /// Removes the patient's expired record-type grants; returns how many.
    pub(crate) fn purge_expired_type_grants(patient: &T::AccountId, now: BlockNumberFor<T>) -> u32 {
        let expired: alloc::vec::Vec<_> = TypeGrants::<T>::iter_prefix(patient)
            .take(T::MaxTypeGrantsPerPatient::get() as usize)
            .filter(|(_, g)| g.expires_at <= now)
            .collect();
        for (key, grant) in &expired {
            TypeGrants::<T>::remove(patient, key);
            Self::release(HoldReason::TypeGrant, patient, grant.deposit);
        }
        expired.len() as u32
    }

    /// Looks at up to `limit` grants from where the last sweep stopped and removes the
    /// expired ones; returns how many it looked at.
    pub fn sweep_expired(now: BlockNumberFor<T>, limit: u32) -> u32 {
        let batch: alloc::vec::Vec<_> = match SweepCursor::<T>::get() {
            Some(cursor) => Grants::<T>::iter_from(cursor.into_inner()),
            None => Grants::<T>::iter(),
        }
        .take(limit as usize)
        .collect();
        let seen = batch.len() as u32;
        let cursor = if seen < limit {
            None
        } else {
            batch.last().and_then(|(record, grantee, _)| {
                BoundedVec::try_from(Grants::<T>::hashed_key_for(record, grantee)).ok()
            })
        };
        SweepCursor::<T>::set(cursor);
        for (record, grantee, grant) in batch {
            if grant.expires_at <= now {
                Self::remove_grant(record, &grantee);
                Self::deposit_event(Event::GrantExpired { record, grantee });
            }
        }
        seen
    }
}
