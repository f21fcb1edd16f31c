//! Organisations (hospitals), their members and roles, and the X25519 keys records are sealed to:
//! each organisation's and each account's.

use crate::*;

impl<T: Config> Pallet<T> {
    /// Registers an organisation with its first admin (the origin is checked by the call).
    pub(crate) fn do_register_organisation(admin: T::AccountId) -> DispatchResult {
        let org = NextOrgId::<T>::get();
        let next = org.checked_add(1).ok_or(Error::<T>::Overflow)?;
        Self::insert_organisation(org, &admin, frame_system::Pallet::<T>::block_number());
        NextOrgId::<T>::put(next);
        Self::deposit_event(Event::OrganisationRegistered { org, admin });
        Ok(())
    }

    /// Writes organisation `org` with `admin` as its only member; the caller moves `NextOrgId`
    /// on (registration and genesis each in their own way).
    pub(crate) fn insert_organisation(
        org: OrgId,
        admin: &T::AccountId,
        registered_at: BlockNumberFor<T>,
    ) {
        Organisations::<T>::insert(
            org,
            Organisation {
                key: None,
                members: 1,
                admins: 1,
                anchors: 0,
                anchored_to: None,
                registered_at,
            },
        );
        Members::<T>::insert(org, admin, Role::Admin);
    }

    /// `admin`, if an admin of `org`, adds `who` with `role`.
    pub(crate) fn do_add_member(
        admin: T::AccountId,
        org: OrgId,
        who: T::AccountId,
        role: Role,
    ) -> DispatchResult {
        let mut info = Self::admin_of(org, &admin)?;
        ensure!(
            !Members::<T>::contains_key(org, &who),
            Error::<T>::AlreadyMember
        );
        ensure!(
            info.members < T::MaxMembers::get(),
            Error::<T>::TooManyMembers
        );
        info.members = info.members.saturating_add(1);
        if role == Role::Admin {
            info.admins = info.admins.saturating_add(1);
        }
        Organisations::<T>::insert(org, info);
        Members::<T>::insert(org, &who, role);
        Self::deposit_event(Event::MemberAdded { org, who, role });
        Ok(())
    }

    /// `admin`, if an admin of `org`, removes `who`; the last admin stays.
    pub(crate) fn do_remove_member(
        admin: T::AccountId,
        org: OrgId,
        who: T::AccountId,
    ) -> DispatchResult {
        let mut info = Self::admin_of(org, &admin)?;
        let role = Members::<T>::get(org, &who).ok_or(Error::<T>::NotMember)?;
        if role == Role::Admin {
            ensure!(info.admins > 1, Error::<T>::LastAdmin);
            info.admins = info.admins.saturating_sub(1);
        }
        info.members = info.members.saturating_sub(1);
        Organisations::<T>::insert(org, info);
        Members::<T>::remove(org, &who);
        if role == Role::Admin {
            T::OnAdminRemoved::admin_removed(org, &who);
        }
        Self::deposit_event(Event::MemberRemoved { org, who });
        Ok(())
    }

    /// Sets or rotates `who`'s X25519 public key.
    pub(crate) fn do_set_encryption_key(who: T::AccountId, key: EncryptionKey) -> DispatchResult {
        ensure!(is_sealable_key(&key), Error::<T>::InvalidEncryptionKey);
        // The first key holds the deposit; a rotation replaces it in place.
        if !EncryptionKeys::<T>::contains_key(&who) {
            Self::hold(HoldReason::EncryptionKey, &who, Self::key_deposit())?;
        }
        EncryptionKeys::<T>::insert(&who, key);
        Self::deposit_event(Event::EncryptionKeySet { who, key });
        Ok(())
    }

    /// `admin`, if an admin of `org`, sets or rotates the organisation's X25519 public key.
    pub(crate) fn do_set_organisation_key(
        admin: T::AccountId,
        org: OrgId,
        key: EncryptionKey,
    ) -> DispatchResult {
        let mut info = Self::admin_of(org, &admin)?;
        ensure!(is_sealable_key(&key), Error::<T>::InvalidEncryptionKey);
        info.key = Some(key);
        Organisations::<T>::insert(org, info);
        Self::deposit_event(Event::OrganisationKeySet { org, key });
        Ok(())
    }

    /// `admin` re-seals the custodian's copy of the data key of records `org` keeps.
    pub(crate) fn do_reseal_for_custodian(
        admin: T::AccountId,
        org: OrgId,
        keys: BoundedVec<(RecordId, WrappedKey), T::MaxReseal>,
    ) -> DispatchResult {
        Self::admin_of(org, &admin)?;
        ensure!(!keys.is_empty(), Error::<T>::NothingToReseal);
        let records = keys.len() as u32;
        for (record, key) in keys {
            Records::<T>::try_mutate(record, |rec| -> DispatchResult {
                let rec = rec.as_mut().ok_or(Error::<T>::UnknownRecord)?;
                ensure!(rec.custodian == org, Error::<T>::NotCustodian);
                rec.key_for_custodian = key;
                Ok(())
            })?;
        }
        Self::deposit_event(Event::CustodianKeysResealed { org, records });
        Ok(())
    }

    /// The organisation, if `who` is one of its admins.
    pub(crate) fn admin_of(
        org: OrgId,
        who: &T::AccountId,
    ) -> Result<Organisation<BlockNumberFor<T>>, Error<T>> {
        let info = Organisations::<T>::get(org).ok_or(Error::<T>::UnknownOrganisation)?;
        ensure!(
            Members::<T>::get(org, who) == Some(Role::Admin),
            Error::<T>::NotAdmin
        );
        Ok(info)
    }

    /// Whether `who` is a clinician or admin of `org`.
    pub fn is_clinician(org: OrgId, who: &T::AccountId) -> bool {
        matches!(
            Members::<T>::get(org, who),
            Some(Role::Clinician | Role::Admin)
        )
    }
}
