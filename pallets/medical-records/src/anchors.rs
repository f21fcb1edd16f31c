//! Batch anchors: Merkle roots of a private chain's index entries, the check of an inclusion proof
//! against them, and the import of a proven record into this chain's index.

use crate::*;

impl<T: Config> Pallet<T> {
    /// `who`, if an anchorer or admin of `org`, anchors the root of a batch covering private-chain
    /// blocks `from..=to`.
    pub(crate) fn do_anchor_batch(
        who: T::AccountId,
        org: OrgId,
        from: u64,
        to: u64,
        count: u32,
        root: Sha256,
    ) -> DispatchResult {
        let mut info = Organisations::<T>::get(org).ok_or(Error::<T>::UnknownOrganisation)?;
        ensure!(
            matches!(
                Members::<T>::get(org, &who),
                Some(Role::Anchorer | Role::Admin)
            ),
            Error::<T>::NotAnchorer
        );
        ensure!(count > 0, Error::<T>::EmptyBatch);
        ensure!(
            count <= medchain_merkle::MAX_LEAVES,
            Error::<T>::TooManyLeaves
        );
        ensure!(from <= to, Error::<T>::InvalidRange);
        if let Some(last) = info.anchored_to {
            ensure!(from > last, Error::<T>::RangeOverlaps);
            ensure!(from == last.saturating_add(1), Error::<T>::RangeGap);
        }
        // A voided anchor's root may come again: the real batch a runaway one covered.
        if let Some(earlier) = AnchorRoots::<T>::get(org, root) {
            ensure!(
                Self::is_voided(org, earlier),
                Error::<T>::RootAlreadyAnchored
            );
        }
        let seq = info.anchors;
        info.anchors = seq.checked_add(1).ok_or(Error::<T>::Overflow)?;
        info.anchored_to = Some(to);
        Organisations::<T>::insert(org, info);
        Anchors::<T>::insert(
            org,
            seq,
            Anchor {
                from,
                to,
                count,
                root,
                anchored_by: who,
                anchored_at: frame_system::Pallet::<T>::block_number(),
            },
        );
        AnchorRoots::<T>::insert(org, root, seq);
        Self::deposit_event(Event::BatchAnchored {
            org,
            seq,
            from,
            to,
            count,
            root,
        });
        Ok(())
    }

    /// `author`, if a clinician of `org`, indexes the `entry` proven in `org`'s batch `root` as a
    /// new record of `org` about `patient`, of the type `kind` tags and seals.
    pub(crate) fn do_import_record(
        author: T::AccountId,
        org: OrgId,
        root: Sha256,
        entry: AnchoredEntry<T::AccountId>,
        proof: medchain_merkle::InclusionProof,
        patient: T::AccountId,
        kind: (TypeTag, SealedType),
        size: u64,
        keys: [WrappedKey; 2],
    ) -> DispatchResult {
        let at = Self::verify_inclusion(org, root, &entry, &proof).map_err(Error::<T>::from)?;
        ensure!(
            Self::is_clinician(at.org, &author),
            Error::<T>::NotClinician
        );
        let origin_record = entry.record();
        ensure!(
            !Imported::<T>::contains_key(at.org, origin_record),
            Error::<T>::AlreadyImported
        );
        let (plaintext_hash, cid, version) = match entry {
            AnchoredEntry::Clear(e) => {
                // The chain cannot tell whether the tag is of the entry's clear type: that is the
                // importer's word, as for a record they create.
                ensure!(e.patient == patient, Error::<T>::ImportMismatch);
                (e.plaintext_hash, e.cid, e.version)
            }
            AnchoredEntry::Sealed(e) => (e.plaintext_hash, e.cid, e.version),
        };
        let id = Self::insert_record(
            author,
            at.org,
            patient,
            kind,
            plaintext_hash,
            &cid,
            size,
            None,
            keys,
        )?;
        Origins::<T>::insert(
            id,
            RecordOrigin {
                org: at.org,
                anchor: at.seq,
                record: origin_record,
                version,
            },
        );
        Imported::<T>::insert(at.org, origin_record, id);
        Self::deposit_event(Event::RecordImported {
            record: id,
            org: at.org,
            anchor: at.seq,
            origin_record,
        });
        Ok(())
    }

    /// Checks that `entry` is in the batch `org` anchored with root `root`: the leaf begins with
    /// `org`, so another organisation's batch, even under the same root, proves nothing for
    /// `org`.
    pub fn verify_inclusion(
        org: OrgId,
        root: Sha256,
        entry: &AnchoredEntry<T::AccountId>,
        proof: &medchain_merkle::InclusionProof,
    ) -> Result<AnchorRef, ProofError> {
        let seq = AnchorRoots::<T>::get(org, root).ok_or(ProofError::UnknownRoot)?;
        ensure!(!Self::is_voided(org, seq), ProofError::Voided);
        let anchor = Anchors::<T>::get(org, seq).ok_or(ProofError::UnknownRoot)?;
        ensure!(proof.leaves == anchor.count, ProofError::WrongBatchSize);
        let included =
            medchain_merkle::verify(&root, &entry.leaf(org), proof).map_err(|e| match e {
                medchain_merkle::MerkleError::IndexOutOfRange => ProofError::IndexOutOfRange,
                medchain_merkle::MerkleError::EmptyBatch
                | medchain_merkle::MerkleError::TooManyLeaves => ProofError::WrongBatchSize,
                medchain_merkle::MerkleError::WrongProofLength => ProofError::WrongProofLength,
            })?;
        ensure!(included, ProofError::NotIncluded);
        Ok(AnchorRef { org, seq })
    }

    /// Whether governance voided anchor `seq` of `org`.
    pub fn is_voided(org: OrgId, seq: u32) -> bool {
        in_ranges(&VoidedAnchors::<T>::get(org), seq)
    }

    /// Voids `org`'s anchors `first..` and rewinds its anchored range to the end of anchor
    /// `first - 1` (see [`Pallet::void_anchors`]).
    pub(crate) fn do_void_anchors(org: OrgId, first: u32) -> DispatchResult {
        let mut info = Organisations::<T>::get(org).ok_or(Error::<T>::UnknownOrganisation)?;
        let mut voided = VoidedAnchors::<T>::get(org);
        let last = info
            .anchors
            .checked_sub(1)
            .ok_or(Error::<T>::NothingToVoid)?;
        ensure!(
            first <= last && !in_ranges(&voided, last),
            Error::<T>::NothingToVoid
        );
        let anchored_to = match first.checked_sub(1) {
            None => None,
            Some(kept) => {
                ensure!(!in_ranges(&voided, kept), Error::<T>::VoidAdjoinsVoided);
                Some(
                    Anchors::<T>::get(org, kept)
                        .ok_or(Error::<T>::UnknownAnchor)?
                        .to,
                )
            }
        };
        // Ranges inside the new one merge into it; none straddles `first` (its predecessor is
        // not voided).
        voided.retain(|&(start, _)| start < first);
        voided
            .try_push((first, info.anchors))
            .map_err(|_| Error::<T>::TooManyVoidedRanges)?;
        VoidedAnchors::<T>::insert(org, voided);
        info.anchored_to = anchored_to;
        let next = info.anchors;
        Organisations::<T>::insert(org, info);
        Self::deposit_event(Event::AnchorsVoided {
            org,
            first,
            next,
            anchored_to,
        });
        Ok(())
    }
}

/// Whether `seq` is in one of the ranges `[first, next)`.
fn in_ranges(ranges: &[(u32, u32)], seq: u32) -> bool {
    ranges
        .iter()
        .any(|&(first, next)| first <= seq && seq < next)
}

impl<T> From<ProofError> for Error<T> {
    fn from(e: ProofError) -> Self {
        match e {
            ProofError::UnknownRoot => Error::UnknownAnchor,
            ProofError::WrongBatchSize => Error::ProofBatchSizeMismatch,
            ProofError::IndexOutOfRange => Error::ProofIndexOutOfRange,
            ProofError::WrongProofLength => Error::WrongProofLength,
            ProofError::NotIncluded => Error::NotIncluded,
            ProofError::Voided => Error::AnchorVoided,
        }
    }
}
