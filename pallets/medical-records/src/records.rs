//! Records: creating a version and amending the latest one, each with its ciphertext's CID
//! registered for good in pallet-ipfs-registry, only for a patient who authorised the custodian.

use crate::*;

impl<T: Config> Pallet<T> {
    /// `author`, if a clinician of `org`, creates a record version (an amendment of `previous`,
    /// if given) for a patient in `org`'s care.
    pub(crate) fn do_create_record(
        author: T::AccountId,
        org: OrgId,
        patient: T::AccountId,
        (type_tag, sealed_type): (TypeTag, SealedType),
        plaintext_hash: Sha256,
        cid: &[u8],
        size: u64,
        previous: Option<RecordId>,
        keys: [WrappedKey; 2],
    ) -> DispatchResult {
        ensure!(
            Organisations::<T>::contains_key(org),
            Error::<T>::UnknownOrganisation
        );
        ensure!(Self::is_clinician(org, &author), Error::<T>::NotClinician);
        Self::insert_record(
            author,
            org,
            patient,
            (type_tag, sealed_type),
            plaintext_hash,
            cid,
            size,
            previous,
            keys,
        )?;
        Ok(())
    }

    /// Indexes a record version whose author the caller has checked: every other check,
    /// then the CID registration as the last fallible step, then the writes.
    pub(crate) fn insert_record(
        author: T::AccountId,
        org: OrgId,
        patient: T::AccountId,
        (type_tag, sealed_type): (TypeTag, SealedType),
        plaintext_hash: Sha256,
        cid: &[u8],
        size: u64,
        previous: Option<RecordId>,
        [key_for_patient, key_for_custodian]: [WrappedKey; 2],
    ) -> Result<RecordId, DispatchError> {
        let info = Organisations::<T>::get(org).ok_or(Error::<T>::UnknownOrganisation)?;
        ensure!(info.key.is_some(), Error::<T>::OrganisationHasNoKey);
        ensure!(
            EncryptionKeys::<T>::contains_key(&patient),
            Error::<T>::UnknownPatient
        );
        ensure!(Self::in_care(&patient, org), Error::<T>::NoCareRelationship);
        ensure!(
            plaintext_hash != [0u8; 32],
            Error::<T>::InvalidPlaintextHash
        );
        let count = PatientRecordCount::<T>::get(&patient);
        ensure!(
            count < T::MaxRecordsPerPatient::get(),
            Error::<T>::TooManyRecords
        );
        let version = match previous {
            None => 1,
            Some(prev) => {
                let old = Records::<T>::get(prev).ok_or(Error::<T>::UnknownRecord)?;
                ensure!(old.superseded_by.is_none(), Error::<T>::NotLatestVersion);
                ensure!(
                    old.patient == patient && old.custodian == org && old.type_tag == type_tag,
                    Error::<T>::AmendmentMismatch
                );
                old.version.checked_add(1).ok_or(Error::<T>::Overflow)?
            }
        };
        let id = NextRecordId::<T>::get();
        let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
        // Last fallible step: a failure here leaves nothing behind, as the registry writes
        // only when it succeeds. No deposit: records are permanent and only admitted
        // clinicians create them.
        let cid = pallet_ipfs_registry::Pallet::<T>::do_register_permanent(&author, cid, size)?;

        if let Some(prev) = previous {
            Records::<T>::mutate(prev, |r| {
                if let Some(r) = r {
                    r.superseded_by = Some(id);
                }
            });
        }
        Records::<T>::insert(
            id,
            Record {
                patient: patient.clone(),
                custodian: org,
                author: author.clone(),
                type_tag,
                sealed_type,
                plaintext_hash,
                cid: cid.clone(),
                version,
                previous,
                superseded_by: None,
                created_at: frame_system::Pallet::<T>::block_number(),
                key_for_patient,
                key_for_custodian,
            },
        );
        PatientRecords::<T>::insert(&patient, id, ());
        PatientRecordCount::<T>::insert(&patient, count.saturating_add(1));
        NextRecordId::<T>::put(next);
        Self::deposit_event(Event::RecordCreated {
            record: id,
            patient,
            custodian: org,
            author,
            type_tag,
            cid,
            version,
            previous,
        });
        Ok(id)
    }
}
