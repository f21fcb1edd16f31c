//! Care relationships: a patient authorises an organisation to index records about them, and
//! ends it. Records are created and imported only under a care relationship, so that no
//! organisation the patient did not choose can fill their index (issue 17, item 2).

use crate::*;

impl<T: Config> Pallet<T> {
    /// `patient` authorises `org`, handing it `type_key` (their type key there, sealed to the
    /// organisation's key) and holding the relationship's deposit.
    pub(crate) fn do_grant_care(
        patient: T::AccountId,
        org: OrgId,
        type_key: WrappedKey,
    ) -> DispatchResult {
        let info = Organisations::<T>::get(org).ok_or(Error::<T>::UnknownOrganisation)?;
        // The type key is sealed to the organisation's key: without one, nobody could open it.
        ensure!(info.key.is_some(), Error::<T>::OrganisationHasNoKey);
        ensure!(
            !CareRelationships::<T>::contains_key(&patient, org),
            Error::<T>::AlreadyInCare
        );
        let deposit = Self::care_deposit();
        Self::hold(HoldReason::Care, &patient, deposit)?;
        CareRelationships::<T>::insert(
            &patient,
            org,
            CareRelationship {
                since: frame_system::Pallet::<T>::block_number(),
                type_key,
                deposit,
            },
        );
        Self::deposit_event(Event::CareGranted { patient, org });
        Ok(())
    }

    /// `patient` ends `org`'s relationship and gets its deposit back.
    pub(crate) fn do_end_care(patient: T::AccountId, org: OrgId) -> DispatchResult {
        let care =
            CareRelationships::<T>::take(&patient, org).ok_or(Error::<T>::NoCareRelationship)?;
        Self::release(HoldReason::Care, &patient, care.deposit);
        Self::deposit_event(Event::CareEnded { patient, org });
        Ok(())
    }

    /// `admin`, if an admin of `org`, replaces the type keys (sealed to the organisation's key)
    /// of care relationships with `org`, each `(patient, key)` the patient's type key sealed to
    /// the organisation's current key. All or none (the call is transactional).
    pub(crate) fn do_reseal_type_keys(
        admin: T::AccountId,
        org: OrgId,
        keys: BoundedVec<(T::AccountId, WrappedKey), T::MaxReseal>,
    ) -> DispatchResult {
        Self::admin_of(org, &admin)?;
        ensure!(!keys.is_empty(), Error::<T>::NothingToReseal);
        let count = keys.len() as u32;
        for (patient, key) in keys {
            CareRelationships::<T>::try_mutate(&patient, org, |care| -> DispatchResult {
                let care = care.as_mut().ok_or(Error::<T>::NoCareRelationship)?;
                care.type_key = key;
                Ok(())
            })?;
        }
        Self::deposit_event(Event::TypeKeysResealed { org, count });
        Ok(())
    }

    /// Whether `patient` authorises `org` to index records about them now.
    pub fn in_care(patient: &T::AccountId, org: OrgId) -> bool {
        CareRelationships::<T>::contains_key(patient, org)
    }
}
