//! Care relationships: a patient authorises an organisation to index records about them, and
//! ends it. Records are created and imported only under a care relationship, so that no
//! organisation the patient did not choose can fill their index (issue 17, item 2).

use crate::*;

impl<T: Config> Pallet<T> {
    /// `patient` authorises `org`, holding the relationship's deposit.
    pub(crate) fn do_grant_care(patient: T::AccountId, org: OrgId) -> DispatchResult {
        ensure!(
            Organisations::<T>::contains_key(org),
            Error::<T>::UnknownOrganisation
        );
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

    /// Whether `patient` authorises `org` to index records about them now.
    pub fn in_care(patient: &T::AccountId, org: OrgId) -> bool {
        CareRelationships::<T>::contains_key(patient, org)
    }
}
