//! Batch anchors, inclusion proofs, and records imported from a private chain.

use super::*;

/// The clear entries (as anchored before spec 111) of records `ids`.
fn entries(ids: &[RecordId]) -> Vec<AnchoredEntry<u64>> {
    ids.iter()
        .map(|id| {
            AnchoredEntry::Clear(
                Records::<Test>::get(id)
                    .unwrap_or_else(|| panic!("record exists"))
                    .index_entry(*id, LAB_CODE),
            )
        })
        .collect()
}

/// `entry` with one bit of its plaintext digest flipped.
fn tampered(entry: &AnchoredEntry<u64>) -> AnchoredEntry<u64> {
    let mut e = entry.clone();
    match &mut e {
        AnchoredEntry::Clear(c) => c.plaintext_hash[0] ^= 1,
        AnchoredEntry::Sealed(s) => s.plaintext_hash[0] ^= 1,
    }
    e
}

/// The leaves of `batch` as `org` anchors it.
fn leaves_of(org: OrgId, batch: &[AnchoredEntry<u64>]) -> Vec<Vec<u8>> {
    batch.iter().map(|e| e.leaf(org)).collect()
}

#[test]
fn anchored_batches_verify_real_proofs_and_reject_tampered_ones() {
    new_test_ext().execute_with(|| {
        hospital();
        let ids = [create(1, None), create(2, None), create(3, None)];
        let batch = entries(&ids);
        let leaves = leaves_of(ORG, &batch);
        let root = medchain_merkle::root(&leaves).unwrap_or_else(|e| panic!("{e:?}"));
        assert_ok!(MedicalRecords::anchor_batch(
            RuntimeOrigin::signed(RELAYER),
            ORG,
            1,
            10,
            3,
            root
        ));
        assert_eq!(
            last_event(),
            Event::BatchAnchored {
                org: ORG,
                seq: 0,
                from: 1,
                to: 10,
                count: 3,
                root
            }
            .into()
        );
        for (i, entry) in batch.iter().enumerate() {
            let proof =
                medchain_merkle::prove(&leaves, i as u32).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(
                Pallet::<Test>::verify_inclusion(ORG, root, entry, &proof),
                Ok(AnchorRef { org: ORG, seq: 0 })
            );
        }
        let proof = medchain_merkle::prove(&leaves, 1).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            Pallet::<Test>::verify_inclusion(ORG, root, &tampered(&batch[1]), &proof),
            Err(ProofError::NotIncluded)
        );
        assert_eq!(
            Pallet::<Test>::verify_inclusion(ORG, root, &batch[0], &proof),
            Err(ProofError::NotIncluded)
        );
        assert_eq!(
            Pallet::<Test>::verify_inclusion(ORG, [9; 32], &batch[1], &proof),
            Err(ProofError::UnknownRoot)
        );
        let mut wrong_size = proof.clone();
        wrong_size.leaves = 4;
        assert_eq!(
            Pallet::<Test>::verify_inclusion(ORG, root, &batch[1], &wrong_size),
            Err(ProofError::WrongBatchSize)
        );
        let mut short = proof.clone();
        short.siblings.pop();
        assert_eq!(
            Pallet::<Test>::verify_inclusion(ORG, root, &batch[1], &short),
            Err(ProofError::WrongProofLength)
        );
        let mut outside = proof;
        outside.index = 3;
        assert_eq!(
            Pallet::<Test>::verify_inclusion(ORG, root, &batch[1], &outside),
            Err(ProofError::IndexOutOfRange)
        );
        check();
    });
}

#[test]
fn anchor_batch_refuses_bad_input_and_changes_nothing() {
    new_test_ext().execute_with(|| {
        let anchor = |who: u64, org: OrgId, from: u64, to: u64, count: u32, root: Sha256| {
            MedicalRecords::anchor_batch(RuntimeOrigin::signed(who), org, from, to, count, root)
        };
        assert_noop!(
            anchor(RELAYER, ORG, 1, 2, 1, [1; 32]),
            E::UnknownOrganisation
        );
        hospital();
        assert_noop!(anchor(DOCTOR, ORG, 1, 2, 1, [1; 32]), E::NotAnchorer);
        assert_noop!(anchor(STRANGER, ORG, 1, 2, 1, [1; 32]), E::NotAnchorer);
        assert_noop!(anchor(RELAYER, ORG, 1, 2, 0, [1; 32]), E::EmptyBatch);
        assert_noop!(
            anchor(RELAYER, ORG, 1, 2, medchain_merkle::MAX_LEAVES + 1, [1; 32]),
            E::TooManyLeaves
        );
        assert_noop!(anchor(RELAYER, ORG, 3, 2, 1, [1; 32]), E::InvalidRange);
        assert_ok!(anchor(RELAYER, ORG, 1, 2, 1, [1; 32]));
        assert_noop!(anchor(RELAYER, ORG, 2, 4, 1, [2; 32]), E::RangeOverlaps);
        assert_noop!(
            anchor(RELAYER, ORG, 3, 4, 1, [1; 32]),
            E::RootAlreadyAnchored
        );
        // A batch that leaves block 3 out would leave its entries unanchored for good.
        assert_noop!(anchor(RELAYER, ORG, 4, 5, 1, [3; 32]), E::RangeGap);
        // The admin may anchor too.
        assert_ok!(anchor(ADMIN, ORG, 3, 3, 1, [2; 32]));
        assert_eq!(AnchorRoots::<Test>::get(ORG, [2; 32]), Some(1));
        check();
    });
}

// ---- records imported from a private chain ----

/// `n` first versions of lab results as a private chain indexes them and its relay anchors them
/// (sealed: the patient and the type committed to): records `first..`, digests and CIDs from
/// `seed`, custodian 0 (the private chain's own id).
fn private_entries(first: RecordId, seed: u8, n: u8) -> Vec<AnchoredEntry<u64>> {
    (0..n)
        .map(|i| {
            AnchoredEntry::Sealed(SealedEntry {
                record: first + u64::from(i),
                custodian: 0,
                subject: digest(seed + i + 100),
                plaintext_hash: digest(seed + i),
                cid: pallet_ipfs_registry::Pallet::<Test>::canonical(&cid(seed + i))
                    .unwrap_or_else(|e| panic!("{e:?}")),
                version: 1,
                previous: None,
            })
        })
        .collect()
}

/// The plaintext digest and CID an entry proves.
fn proven(entry: &AnchoredEntry<u64>) -> (Sha256, pallet_ipfs_registry::CidBytes) {
    match entry {
        AnchoredEntry::Clear(e) => (e.plaintext_hash, e.cid.clone()),
        AnchoredEntry::Sealed(e) => (e.plaintext_hash, e.cid.clone()),
    }
}

/// Five index entries as the hospital's private chain holds them (its own record ids, and its
/// own organisation id 0), anchored here by the hospital's relayer: the root and the leaves.
fn private_batch() -> (Sha256, Vec<AnchoredEntry<u64>>, Vec<Vec<u8>>) {
    let batch = private_entries(100, 50, 5);
    let leaves = leaves_of(ORG, &batch);
    let root = medchain_merkle::root(&leaves).unwrap_or_else(|e| panic!("{e:?}"));
    assert_ok!(MedicalRecords::anchor_batch(
        RuntimeOrigin::signed(RELAYER),
        ORG,
        1,
        40,
        5,
        root
    ));
    (root, batch, leaves)
}

/// `who` imports `entry` for `patient`, a lab result.
fn import_for(
    who: u64,
    root: Sha256,
    entry: &AnchoredEntry<u64>,
    proof: &medchain_merkle::InclusionProof,
    patient: u64,
    type_tag: TypeTag,
) -> DispatchResult {
    MedicalRecords::import_record(
        RuntimeOrigin::signed(who),
        ORG,
        root,
        entry.clone(),
        proof.clone(),
        patient,
        type_tag,
        SEALED_TYPE,
        2_000,
        sealed(30),
        sealed(31),
    )
}

/// `who` imports `entry` for the patient, a lab result.
fn import(
    who: u64,
    root: Sha256,
    entry: &AnchoredEntry<u64>,
    proof: &medchain_merkle::InclusionProof,
) -> DispatchResult {
    import_for(who, root, entry, proof, PATIENT, LAB)
}

#[test]
fn an_anchored_private_record_is_imported_and_can_be_shared_across_hospitals() {
    new_test_ext().execute_with(|| {
        hospital();
        let (root, batch, leaves) = private_batch();
        let proof = medchain_merkle::prove(&leaves, 3).unwrap_or_else(|e| panic!("{e:?}"));
        let id = NextRecordId::<Test>::get();
        assert_ok!(import(DOCTOR, root, &batch[3], &proof));
        assert_eq!(
            last_event(),
            Event::RecordImported {
                record: id,
                org: ORG,
                anchor: 0,
                origin_record: 103
            }
            .into()
        );
        let rec = Records::<Test>::get(id).unwrap_or_else(|| panic!("imported"));
        assert_eq!(
            (rec.patient, rec.custodian, rec.author, rec.type_tag),
            (PATIENT, ORG, DOCTOR, LAB)
        );
        assert_eq!(
            (rec.plaintext_hash, rec.cid.clone(), rec.version),
            (proven(&batch[3]).0, proven(&batch[3]).1, 1)
        );
        assert_eq!(
            (rec.key_for_patient, rec.key_for_custodian),
            (sealed(30), sealed(31))
        );
        assert_eq!(
            Origins::<Test>::get(id),
            Some(RecordOrigin {
                org: ORG,
                anchor: 0,
                record: 103,
                version: 1
            })
        );
        assert_eq!(Imported::<Test>::get(ORG, 103), Some(id));
        assert!(pallet_ipfs_registry::Cids::<Test>::contains_key(&rec.cid));
        assert_eq!(
            MedicalRecords::api_record(id).and_then(|v| v.origin),
            Origins::<Test>::get(id)
        );
        // From here it is a consortium record like any other: the patient shares it with a
        // specialist of another hospital.
        assert_ok!(MedicalRecords::grant_access(
            RuntimeOrigin::signed(PATIENT),
            id,
            SPECIALIST,
            50,
            sealed(32)
        ));
        assert!(MedicalRecords::access(id, &SPECIALIST).is_ok());
        check();
    });
}

#[test]
fn a_sealed_entry_is_imported_under_the_patients_pseudonym_here() {
    // The private chain's patient is a pseudonym of that chain; the entry shows it to nobody, and
    // the record here is indexed under the patient's pseudonym on this chain, with the type the
    // custodian attests, as for a record it creates here.
    new_test_ext().execute_with(|| {
        hospital();
        let (root, batch, leaves) = private_batch();
        let proof = medchain_merkle::prove(&leaves, 0).unwrap_or_else(|e| panic!("{e:?}"));
        let id = NextRecordId::<Test>::get();
        assert_ok!(import_for(
            DOCTOR,
            root,
            &batch[0],
            &proof,
            OTHER_PATIENT,
            IMAGING
        ));
        let rec = Records::<Test>::get(id).unwrap_or_else(|| panic!("imported"));
        assert_eq!(
            (rec.patient, rec.type_tag, rec.custodian),
            (OTHER_PATIENT, IMAGING, ORG)
        );
        assert_eq!(PatientRecords::<Test>::iter_key_prefix(PATIENT).count(), 0);
        // The pseudonym must be in the hospital's care here, as for any record.
        let proof = medchain_merkle::prove(&leaves, 1).unwrap_or_else(|e| panic!("{e:?}"));
        assert_ok!(MedicalRecords::end_care(
            RuntimeOrigin::signed(OTHER_PATIENT),
            ORG
        ));
        assert_noop!(
            import_for(DOCTOR, root, &batch[1], &proof, OTHER_PATIENT, LAB),
            E::NoCareRelationship
        );
        check();
    });
}

#[test]
fn a_clear_entry_anchored_before_spec_111_is_imported_only_for_the_patient_it_names() {
    // Anchors made before sealed entries hold the patient and the type in clear: the import keeps
    // the patient (the type's tag is the importer's word, as for any record), and the same fields
    // as a sealed entry are another leaf.
    new_test_ext().execute_with(|| {
        hospital();
        let batch: Vec<AnchoredEntry<u64>> = private_entries(400, 120, 2)
            .into_iter()
            .map(|e| match e {
                AnchoredEntry::Sealed(s) => AnchoredEntry::Clear(IndexEntry {
                    record: s.record,
                    patient: PATIENT,
                    custodian: s.custodian,
                    record_type: LAB_CODE,
                    plaintext_hash: s.plaintext_hash,
                    cid: s.cid,
                    version: s.version,
                    previous: s.previous,
                }),
                clear => clear,
            })
            .collect();
        let leaves = leaves_of(ORG, &batch);
        let root = medchain_merkle::root(&leaves).unwrap_or_else(|e| panic!("{e:?}"));
        assert_ok!(MedicalRecords::anchor_batch(
            RuntimeOrigin::signed(RELAYER),
            ORG,
            1,
            5,
            2,
            root
        ));
        let proof = medchain_merkle::prove(&leaves, 1).unwrap_or_else(|e| panic!("{e:?}"));
        assert_noop!(
            import_for(DOCTOR, root, &batch[1], &proof, OTHER_PATIENT, LAB),
            E::ImportMismatch
        );
        // The same record's fields as a sealed entry make another leaf, tagged after the
        // organisation.
        let AnchoredEntry::Clear(c) = &batch[1] else {
            unreachable!()
        };
        let sealed_alike = AnchoredEntry::<u64>::Sealed(SealedEntry {
            record: c.record,
            custodian: c.custodian,
            subject: [0; 32],
            plaintext_hash: c.plaintext_hash,
            cid: c.cid.clone(),
            version: c.version,
            previous: c.previous,
        });
        let leaf = sealed_alike.leaf(ORG);
        assert_ne!(leaf, batch[1].leaf(ORG));
        assert_eq!(leaf[..4], ORG.to_le_bytes());
        assert_eq!(leaf[4..20], SEALED_LEAF_TAG);
        let id = NextRecordId::<Test>::get();
        assert_ok!(import(DOCTOR, root, &batch[1], &proof));
        let rec = Records::<Test>::get(id).unwrap_or_else(|| panic!("imported"));
        assert_eq!((rec.patient, rec.type_tag), (PATIENT, LAB));
        check();
    });
}

#[test]
fn import_record_refuses_bad_proofs_and_outsiders_and_changes_nothing() {
    new_test_ext().execute_with(|| {
        hospital();
        let (root, batch, leaves) = private_batch();
        let proof = medchain_merkle::prove(&leaves, 1).unwrap_or_else(|e| panic!("{e:?}"));
        let entry = &batch[1];

        assert_noop!(import(DOCTOR, [9; 32], entry, &proof), E::UnknownAnchor);
        assert_noop!(
            import(DOCTOR, root, &tampered(entry), &proof),
            E::NotIncluded
        );
        assert_noop!(import(DOCTOR, root, &batch[2], &proof), E::NotIncluded);
        let mut short = proof.clone();
        short.siblings.pop();
        assert_noop!(import(DOCTOR, root, entry, &short), E::WrongProofLength);
        let mut long = proof.clone();
        long.siblings.push([0; 32]);
        assert_noop!(import(DOCTOR, root, entry, &long), E::WrongProofLength);
        let mut resized = proof.clone();
        resized.leaves = 6;
        assert_noop!(
            import(DOCTOR, root, entry, &resized),
            E::ProofBatchSizeMismatch
        );
        let mut outside = proof.clone();
        outside.index = 5;
        assert_noop!(
            import(DOCTOR, root, entry, &outside),
            E::ProofIndexOutOfRange
        );
        // Only a clinician of the anchoring organisation imports: not its relayer, not a
        // stranger, not a clinician of another hospital.
        assert_noop!(import(RELAYER, root, entry, &proof), E::NotClinician);
        assert_noop!(import(STRANGER, root, entry, &proof), E::NotClinician);
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            SPECIALIST
        ));
        assert_noop!(import(SPECIALIST, root, entry, &proof), E::NotClinician);
        // The patient needs a key here.
        assert_noop!(
            import_for(DOCTOR, root, entry, &proof, STRANGER, LAB),
            E::UnknownPatient
        );

        assert_ok!(import(DOCTOR, root, entry, &proof));
        assert_noop!(import(COLLEAGUE, root, entry, &proof), E::AlreadyImported);
        check();
    });
}

#[test]
fn an_import_is_not_blocked_by_a_stranger_who_registered_its_cid() {
    // An import's CID is fixed by the anchored entry, so a squatted CID would block it for good.
    new_test_ext().execute_with(|| {
        hospital();
        let (root, batch, leaves) = private_batch();
        let proof = medchain_merkle::prove(&leaves, 2).unwrap_or_else(|e| panic!("{e:?}"));
        let (_, squatted) = proven(&batch[2]);
        assert_ok!(pallet_ipfs_registry::Pallet::<Test>::register(
            RuntimeOrigin::signed(STRANGER),
            CidInput::truncate_from(squatted.to_vec()),
            1
        ));
        assert_ok!(import(DOCTOR, root, &batch[2], &proof));
        let info = pallet_ipfs_registry::Cids::<Test>::get(&squatted)
            .unwrap_or_else(|| panic!("registered"));
        assert_eq!((info.owner, info.permanent), (DOCTOR, true));
        check();
    });
}

#[test]
fn an_anchored_record_is_imported_only_for_a_patient_in_the_hospitals_care() {
    // A patient who ended the hospital's care relationship on the consortium chain gets no
    // imported records from it either.
    new_test_ext().execute_with(|| {
        hospital();
        let (root, batch, leaves) = private_batch();
        let proof = medchain_merkle::prove(&leaves, 2).unwrap_or_else(|e| panic!("{e:?}"));
        assert_ok!(MedicalRecords::end_care(
            RuntimeOrigin::signed(PATIENT),
            ORG
        ));
        assert_noop!(
            import(DOCTOR, root, &batch[2], &proof),
            E::NoCareRelationship
        );
        assert_ok!(MedicalRecords::grant_care(
            RuntimeOrigin::signed(PATIENT),
            ORG,
            sealed(40)
        ));
        assert_ok!(import(DOCTOR, root, &batch[2], &proof));
        check();
    });
}

#[test]
fn a_root_copied_from_another_hospitals_pending_anchor_blocks_and_proves_nothing() {
    // The front-run: hospital 1's admin sees hospital 0's anchorBatch(0, .., R) in the pool and
    // submits anchorBatch(1, .., R) first, hoping to block it and to import its entries as its own.
    new_test_ext().execute_with(|| {
        hospital();
        assert_ok!(MedicalRecords::register_organisation(
            RuntimeOrigin::root(),
            SPECIALIST
        ));
        let other: OrgId = 1;
        let batch = private_entries(200, 70, 3);
        let leaves = leaves_of(ORG, &batch);
        let root = medchain_merkle::root(&leaves).unwrap_or_else(|e| panic!("{e:?}"));
        let proof = medchain_merkle::prove(&leaves, 1).unwrap_or_else(|e| panic!("{e:?}"));

        assert_ok!(MedicalRecords::anchor_batch(
            RuntimeOrigin::signed(SPECIALIST),
            other,
            1,
            9,
            3,
            root
        ));
        // The victim's anchor still goes in.
        assert_ok!(MedicalRecords::anchor_batch(
            RuntimeOrigin::signed(RELAYER),
            ORG,
            1,
            9,
            3,
            root
        ));
        // The copy proves nothing for the copier: its leaves would be (1, entry).
        assert_eq!(
            Pallet::<Test>::verify_inclusion(other, root, &batch[1], &proof),
            Err(ProofError::NotIncluded)
        );
        assert_noop!(
            MedicalRecords::import_record(
                RuntimeOrigin::signed(SPECIALIST),
                other,
                root,
                batch[1].clone(),
                proof.clone(),
                PATIENT,
                LAB,
                SEALED_TYPE,
                2_000,
                sealed(30),
                sealed(31),
            ),
            E::NotIncluded
        );
        // The anchoring hospital's own proof and import work as ever.
        assert_eq!(
            Pallet::<Test>::verify_inclusion(ORG, root, &batch[1], &proof),
            Ok(AnchorRef { org: ORG, seq: 0 })
        );
        assert_ok!(import(DOCTOR, root, &batch[1], &proof));
        check();
    });
}

// ---- voided anchors ----

fn anchor(from: u64, to: u64, count: u32, root: Sha256) -> DispatchResult {
    MedicalRecords::anchor_batch(RuntimeOrigin::signed(RELAYER), ORG, from, to, count, root)
}

fn void(first: u32) -> DispatchResult {
    MedicalRecords::void_anchors(RuntimeOrigin::root(), ORG, first)
}

#[test]
fn a_runaway_anchor_is_voided_by_governance_and_the_real_batch_is_anchored_after_it() {
    // The attack: the hospital's anchorer key (stolen, or a relay pointed at the wrong chain)
    // anchors the next batch's root over blocks 11..=u64::MAX. No batch could ever follow, and
    // the real batch's root would be taken.
    new_test_ext().execute_with(|| {
        hospital();
        assert_ok!(anchor(1, 10, 1, [1; 32]));
        let batch = private_entries(300, 90, 4);
        let leaves = leaves_of(ORG, &batch);
        let root = medchain_merkle::root(&leaves).unwrap_or_else(|e| panic!("{e:?}"));
        let proof = medchain_merkle::prove(&leaves, 2).unwrap_or_else(|e| panic!("{e:?}"));
        assert_ok!(anchor(11, u64::MAX, 4, root));
        assert_noop!(anchor(11, 20, 4, root), E::RangeOverlaps);

        // Neither the organisation's admin nor a stranger may void anchors: governance does.
        for who in [ADMIN, RELAYER, STRANGER] {
            assert_noop!(
                MedicalRecords::void_anchors(RuntimeOrigin::signed(who), ORG, 1),
                DispatchError::BadOrigin
            );
        }
        assert_noop!(void(2), E::NothingToVoid);
        assert_noop!(
            MedicalRecords::void_anchors(RuntimeOrigin::root(), 9, 0),
            E::UnknownOrganisation
        );
        assert_ok!(void(1));
        assert_eq!(
            last_event(),
            Event::AnchorsVoided {
                org: ORG,
                first: 1,
                next: 2,
                anchored_to: Some(10)
            }
            .into()
        );
        assert_noop!(void(1), E::NothingToVoid);
        // The voided anchor stays for the record but proves nothing, and the runtime API (what
        // relays and verifiers read) no longer shows it.
        assert!(Anchors::<Test>::contains_key(ORG, 1));
        assert_eq!(MedicalRecords::api_anchor(ORG, 1), None);
        assert!(MedicalRecords::api_anchor(ORG, 0).is_some());
        assert_eq!(
            Pallet::<Test>::verify_inclusion(ORG, root, &batch[2], &proof),
            Err(ProofError::Voided)
        );
        assert_noop!(import(DOCTOR, root, &batch[2], &proof), E::AnchorVoided);

        // The relay anchors the real batch, under the same root, right after block 10.
        assert_noop!(anchor(12, 30, 4, root), E::RangeGap);
        assert_ok!(anchor(11, 30, 4, root));
        assert_eq!(
            Pallet::<Test>::verify_inclusion(ORG, root, &batch[2], &proof),
            Ok(AnchorRef { org: ORG, seq: 2 })
        );
        assert_ok!(import(DOCTOR, root, &batch[2], &proof));
        // A root anchored and live is still refused a second time.
        assert_noop!(anchor(31, 40, 4, root), E::RootAlreadyAnchored);
        check();
    });
}

#[test]
fn voided_ranges_merge_and_are_bounded() {
    new_test_ext().execute_with(|| {
        hospital();
        let anchored_to = || Organisations::<Test>::get(ORG).and_then(|o| o.anchored_to);
        // Everything voided, from the first anchor: the next batch may start anywhere.
        assert_ok!(anchor(1, u64::MAX, 1, [1; 32]));
        assert_ok!(void(0));
        assert_eq!(anchored_to(), None);
        assert_ok!(anchor(5, 6, 1, [1; 32]));
        assert_ok!(anchor(7, u64::MAX, 1, [2; 32]));
        assert_ok!(void(2));
        // A second runaway right after the voided one: voiding from its own sequence number
        // would resume after a voided anchor, so the range is voided from its start, in one.
        assert_ok!(anchor(7, u64::MAX, 1, [3; 32]));
        assert_noop!(void(3), E::VoidAdjoinsVoided);
        assert_ok!(void(2));
        assert_eq!(
            VoidedAnchors::<Test>::get(ORG).to_vec(),
            vec![(0, 1), (2, 4)]
        );
        assert_eq!(anchored_to(), Some(6));
        // The mock keeps three ranges.
        assert_ok!(anchor(7, 8, 1, [4; 32]));
        assert_ok!(anchor(9, u64::MAX, 1, [5; 32]));
        assert_ok!(void(5));
        assert_ok!(anchor(9, 9, 1, [6; 32]));
        assert_ok!(anchor(10, u64::MAX, 1, [7; 32]));
        assert_noop!(void(7), E::TooManyVoidedRanges);
        assert_eq!(anchored_to(), Some(u64::MAX));
        check();
    });
}
