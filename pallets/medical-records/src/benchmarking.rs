//! Benchmarks of pallet-medical-records (frame-benchmarking v2), each at its worst case:
//! amendments rather than first versions, type-grant lists full of expired grants, a first
//! emergency opening (its tally's deposit held too), a sweep that removes everything it visits
//! and returns every deposit. An audit entry costs the same however long the trail is: it is
//! appended under its own key.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{
    fungible::{Inspect, Mutate},
    EnsureOrigin,
};
use frame_system::RawOrigin;
use pallet_ipfs_registry::CidInput;

/// A record type's tag, and the type sealed: opaque bytes to the chain.
const LAB: TypeTag = [9; 32];
const SEALED: SealedType = [8; SEALED_TYPE_LEN];

/// A distinct valid CIDv1 (raw, sha2-256) in binary form for each `i`.
fn cid(i: u32) -> CidInput {
    let mut bytes = alloc::vec![0x01, 0x55, 0x12, 0x20];
    let mut digest = [7u8; 32];
    digest[..4].copy_from_slice(&i.to_le_bytes());
    bytes.extend_from_slice(&digest);
    CidInput::truncate_from(bytes)
}

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
    let who: T::AccountId = account(name, i, 0);
    // Enough for every deposit a scene takes, many times over.
    let deposits = Pallet::<T>::grant_deposit()
        .saturating_add(Pallet::<T>::type_grant_deposit())
        .saturating_add(Pallet::<T>::care_deposit())
        .saturating_add(Pallet::<T>::key_deposit())
        .saturating_add(Pallet::<T>::audit_deposit())
        .saturating_add(Pallet::<T>::tally_deposit());
    let amount = <T as pallet_ipfs_registry::Config>::Currency::minimum_balance()
        .saturating_add(T::CidDeposit::get())
        .saturating_add(deposits)
        .saturating_mul(1_000u32.into());
    <T as pallet_ipfs_registry::Config>::Currency::set_balance(&who, amount);
    who
}

/// A stranger registers `cid` on its own first, as a squatter would from the pool: the record
/// that then points at it takes it over and releases the deposit, its most expensive path.
fn squatted<T: Config>(cid: &CidInput) -> Result<(), BenchmarkError> {
    let squatter = funded::<T>("squatter", 0);
    pallet_ipfs_registry::Pallet::<T>::register(RawOrigin::Signed(squatter).into(), cid.clone(), 1)
        .map_err(|_| BenchmarkError::Stop("squat"))
}

fn now<T: Config>() -> BlockNumberFor<T> {
    frame_system::Pallet::<T>::block_number()
}

/// The accounts of a benchmark scene.
struct Scene<T: Config> {
    /// The scene's organisation: the next id, as a chain's genesis may hold organisations already.
    org: OrgId,
    admin: T::AccountId,
    clinician: T::AccountId,
    patient: T::AccountId,
    grantee: T::AccountId,
}

/// A new organisation with an admin, a clinician and a key; a patient in its care and a grantee,
/// both with keys.
fn scene<T: Config>() -> Result<Scene<T>, BenchmarkError> {
    let origin =
        T::OrganisationOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
    let org = NextOrgId::<T>::get();
    let admin = funded::<T>("admin", 0);
    Pallet::<T>::register_organisation(origin, admin.clone())
        .map_err(|_| BenchmarkError::Stop("register organisation"))?;
    let clinician = funded::<T>("clinician", 0);
    Pallet::<T>::add_member(
        RawOrigin::Signed(admin.clone()).into(),
        org,
        clinician.clone(),
        Role::Clinician,
    )
    .map_err(|_| BenchmarkError::Stop("add member"))?;
    Pallet::<T>::set_organisation_key(RawOrigin::Signed(admin.clone()).into(), org, [1; 32])
        .map_err(|_| BenchmarkError::Stop("organisation key"))?;
    let patient = funded::<T>("patient", 0);
    let grantee = funded::<T>("grantee", 0);
    for who in [&patient, &grantee] {
        Pallet::<T>::set_encryption_key(RawOrigin::Signed(who.clone()).into(), [2; 32])
            .map_err(|_| BenchmarkError::Stop("encryption key"))?;
    }
    Pallet::<T>::grant_care(
        RawOrigin::Signed(patient.clone()).into(),
        org,
        [10; WRAPPED_KEY_LEN],
    )
    .map_err(|_| BenchmarkError::Stop("care"))?;
    Ok(Scene {
        org,
        admin,
        clinician,
        patient,
        grantee,
    })
}

fn record<T: Config>(
    s: &Scene<T>,
    i: u32,
    previous: Option<RecordId>,
) -> Result<RecordId, BenchmarkError> {
    let id = NextRecordId::<T>::get();
    Pallet::<T>::create_record(
        RawOrigin::Signed(s.clinician.clone()).into(),
        s.org,
        s.patient.clone(),
        LAB,
        SEALED,
        [3; 32],
        cid(i),
        1_000,
        previous,
        [4; WRAPPED_KEY_LEN],
        [5; WRAPPED_KEY_LEN],
    )
    .map_err(|_| BenchmarkError::Stop("create record"))?;
    Ok(id)
}

fn expiry<T: Config>() -> BlockNumberFor<T> {
    now::<T>().saturating_add(T::MaxGrantDuration::get())
}

/// The patient grants the grantee all their lab records for as long as allowed.
fn type_grant<T: Config>(s: &Scene<T>) -> Result<(), BenchmarkError> {
    Pallet::<T>::grant_type_access(
        RawOrigin::Signed(s.patient.clone()).into(),
        LAB,
        s.grantee.clone(),
        expiry::<T>(),
    )
    .map_err(|_| BenchmarkError::Stop("type grant"))?;
    Ok(())
}

/// A sealed index entry (the larger leaf) at the last position of a batch of 2^`depth` entries,
/// its proof, and the batch's root anchored by the scene's organisation. The other entries need
/// not exist: the check costs the same for any siblings.
fn anchored_entry<T: Config>(
    s: &Scene<T>,
    depth: u32,
) -> Result<
    (
        Sha256,
        AnchoredEntry<T::AccountId>,
        medchain_merkle::InclusionProof,
    ),
    BenchmarkError,
> {
    let cid = pallet_ipfs_registry::Pallet::<T>::canonical(&cid(u32::MAX))
        .map_err(|_| BenchmarkError::Stop("cid"))?;
    let entry = AnchoredEntry::Sealed(SealedEntry {
        record: 7,
        custodian: s.org,
        subject: [5; 32],
        plaintext_hash: [3; 32],
        cid,
        version: 1,
        previous: Some(6),
    });
    let leaves = 1u32 << depth;
    let proof = medchain_merkle::InclusionProof {
        index: leaves.saturating_sub(1),
        leaves,
        siblings: (0..depth).map(|i| [i as u8; 32]).collect(),
    };
    let root = medchain_merkle::root_of_proof(&entry.leaf(s.org), &proof)
        .map_err(|_| BenchmarkError::Stop("proof"))?;
    let from = voided::<T>(s, T::MaxVoidedRanges::get())?;
    Pallet::<T>::anchor_batch(
        RawOrigin::Signed(s.admin.clone()).into(),
        s.org,
        from,
        from.saturating_add(9),
        leaves,
        root,
    )
    .map_err(|_| BenchmarkError::Stop("anchor"))?;
    Ok((root, entry, proof))
}

/// A distinct root for anchor `i` of a benchmark.
fn root(i: u32) -> Sha256 {
    let mut root = [0xAA; 32];
    root[..4].copy_from_slice(&i.to_le_bytes());
    root
}

/// Anchors for the scene's organisation a kept one-block batch at private block `from` (sequence number
/// `seq`) and a runaway batch after it, from `from + 1` to `u64::MAX` (`seq + 1`).
fn kept_and_runaway<T: Config>(s: &Scene<T>, seq: u32, from: u64) -> Result<(), BenchmarkError> {
    let runaway = from.saturating_add(1);
    for (seq, start, end) in [(seq, from, from), (seq + 1, runaway, u64::MAX)] {
        Pallet::<T>::anchor_batch(
            RawOrigin::Signed(s.admin.clone()).into(),
            s.org,
            start,
            end,
            1,
            root(seq),
        )
        .map_err(|_| BenchmarkError::Stop("anchor"))?;
    }
    Ok(())
}

/// Gives the scene's organisation `ranges` ranges of voided anchors, each a kept batch and a runaway one
/// after it that governance voids (`[1, 2)`, `[3, 4)`, ...), so that every check of a voided
/// anchor reads the longest list. Returns the first private block of the next batch.
fn voided<T: Config>(s: &Scene<T>, ranges: u32) -> Result<u64, BenchmarkError> {
    let mut from = 1u64;
    for i in 0..ranges {
        kept_and_runaway::<T>(s, 2 * i, from)?;
        let origin = T::OrganisationOrigin::try_successful_origin()
            .map_err(|_| BenchmarkError::Weightless)?;
        Pallet::<T>::void_anchors(origin, s.org, 2 * i + 1)
            .map_err(|_| BenchmarkError::Stop("void"))?;
        // The anchored range ends with the kept batch again.
        from = from.saturating_add(1);
    }
    Ok(from)
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn register_organisation() -> Result<(), BenchmarkError> {
        let origin = T::OrganisationOrigin::try_successful_origin()
            .map_err(|_| BenchmarkError::Weightless)?;
        let admin: T::AccountId = account("admin", 0, 0);
        let org = NextOrgId::<T>::get();
        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, admin.clone());
        assert_eq!(Members::<T>::get(org, &admin), Some(Role::Admin));
        Ok(())
    }

    #[benchmark]
    fn add_member() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let who: T::AccountId = account("member", 0, 0);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.admin), s.org, who.clone(), Role::Admin);
        assert_eq!(Members::<T>::get(s.org, &who), Some(Role::Admin));
        Ok(())
    }

    #[benchmark]
    fn remove_member() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        #[extrinsic_call]
        _(RawOrigin::Signed(s.admin), s.org, s.clinician.clone());
        assert_eq!(Members::<T>::get(s.org, &s.clinician), None);
        Ok(())
    }

    /// A first key: its deposit is held.
    #[benchmark]
    fn set_encryption_key() {
        let who = funded::<T>("who", 0);
        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()), [9; 32]);
        assert_eq!(EncryptionKeys::<T>::get(&who), Some([9; 32]));
    }

    #[benchmark]
    fn set_organisation_key() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        #[extrinsic_call]
        _(RawOrigin::Signed(s.admin), s.org, [9; 32]);
        assert_eq!(
            Organisations::<T>::get(s.org).and_then(|o| o.key),
            Some([9; 32])
        );
        Ok(())
    }

    /// `n` records re-sealed to the organisation's new key.
    #[benchmark]
    fn reseal_for_custodian(n: Linear<1, { T::MaxReseal::get() }>) -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let mut keys = alloc::vec::Vec::new();
        for i in 0..n {
            keys.push((
                record::<T>(&s, i.saturating_add(1), None)?,
                [8; WRAPPED_KEY_LEN],
            ));
        }
        let first = keys.first().map(|(r, _)| *r);
        let keys: BoundedVec<_, T::MaxReseal> = keys
            .try_into()
            .map_err(|_| BenchmarkError::Stop("more than MaxReseal"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(s.admin), s.org, keys);
        let first = first.and_then(Records::<T>::get);
        assert_eq!(
            first.map(|r| r.key_for_custodian),
            Some([8; WRAPPED_KEY_LEN])
        );
        Ok(())
    }

    /// `n` patients' type keys re-sealed to the organisation's new key.
    #[benchmark]
    fn reseal_type_keys(n: Linear<1, { T::MaxReseal::get() }>) -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let mut keys = alloc::vec::Vec::new();
        for i in 0..n {
            let patient = funded::<T>("reseal patient", i);
            Pallet::<T>::grant_care(
                RawOrigin::Signed(patient.clone()).into(),
                s.org,
                [10; WRAPPED_KEY_LEN],
            )
            .map_err(|_| BenchmarkError::Stop("care"))?;
            keys.push((patient, [8; WRAPPED_KEY_LEN]));
        }
        let first = keys.first().map(|(p, _)| p.clone());
        let keys: BoundedVec<_, T::MaxReseal> = keys
            .try_into()
            .map_err(|_| BenchmarkError::Stop("more than MaxReseal"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(s.admin), s.org, keys);
        let first = first.and_then(|p| CareRelationships::<T>::get(p, s.org));
        assert_eq!(first.map(|c| c.type_key), Some([8; WRAPPED_KEY_LEN]));
        Ok(())
    }

    /// A new record (version 1) whose CID a stranger registered first.
    #[benchmark]
    fn create_record() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let id = NextRecordId::<T>::get();
        squatted::<T>(&cid(1))?;
        #[extrinsic_call]
        _(
            RawOrigin::Signed(s.clinician.clone()),
            s.org,
            s.patient.clone(),
            LAB,
            SEALED,
            [3; 32],
            cid(1),
            1_000,
            None,
            [4; WRAPPED_KEY_LEN],
            [5; WRAPPED_KEY_LEN],
        );
        assert!(Records::<T>::contains_key(id));
        Ok(())
    }

    /// An amendment: `create_record` with `previous`, which reads and links that version too;
    /// its CID a stranger registered first.
    #[benchmark]
    fn amend_record() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let first = record::<T>(&s, 1, None)?;
        squatted::<T>(&cid(2))?;
        #[extrinsic_call]
        create_record(
            RawOrigin::Signed(s.clinician.clone()),
            s.org,
            s.patient.clone(),
            LAB,
            SEALED,
            [3; 32],
            cid(2),
            1_000,
            Some(first),
            [4; WRAPPED_KEY_LEN],
            [5; WRAPPED_KEY_LEN],
        );
        assert_eq!(
            Records::<T>::get(first).and_then(|r| r.superseded_by),
            Some(first.saturating_add(1))
        );
        Ok(())
    }

    #[benchmark]
    fn grant_access() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let r = record::<T>(&s, 1, None)?;
        #[extrinsic_call]
        _(
            RawOrigin::Signed(s.patient.clone()),
            r,
            s.grantee.clone(),
            expiry::<T>(),
            [6; WRAPPED_KEY_LEN],
        );
        assert!(Grants::<T>::contains_key(r, &s.grantee));
        Ok(())
    }

    #[benchmark]
    fn revoke_access() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let r = record::<T>(&s, 1, None)?;
        Pallet::<T>::grant_access(
            RawOrigin::Signed(s.patient.clone()).into(),
            r,
            s.grantee.clone(),
            expiry::<T>(),
            [6; WRAPPED_KEY_LEN],
        )
        .map_err(|_| BenchmarkError::Stop("grant"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(s.patient.clone()), r, s.grantee.clone());
        assert!(!Grants::<T>::contains_key(r, &s.grantee));
        Ok(())
    }

    /// The patient's type grants are full and all expired: every one is purged.
    #[benchmark]
    fn grant_type_access() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let soon = now::<T>().saturating_add(1u32.into());
        for i in 0..T::MaxTypeGrantsPerPatient::get() {
            let other = funded::<T>("other", i);
            Pallet::<T>::set_encryption_key(RawOrigin::Signed(other.clone()).into(), [2; 32])
                .map_err(|_| BenchmarkError::Stop("key"))?;
            Pallet::<T>::grant_type_access(
                RawOrigin::Signed(s.patient.clone()).into(),
                LAB,
                other,
                soon,
            )
            .map_err(|_| BenchmarkError::Stop("type grant"))?;
        }
        frame_system::Pallet::<T>::set_block_number(soon);
        let expires = expiry::<T>();
        #[extrinsic_call]
        _(
            RawOrigin::Signed(s.patient.clone()),
            LAB,
            s.grantee.clone(),
            expires,
        );
        assert_eq!(TypeGrantCount::<T>::get(&s.patient), 1);
        Ok(())
    }

    #[benchmark]
    fn revoke_type_access() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        type_grant::<T>(&s)?;
        #[extrinsic_call]
        _(RawOrigin::Signed(s.patient.clone()), LAB, s.grantee.clone());
        assert_eq!(TypeGrantCount::<T>::get(&s.patient), 0);
        Ok(())
    }

    #[benchmark]
    fn share_key() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let r = record::<T>(&s, 1, None)?;
        type_grant::<T>(&s)?;
        #[extrinsic_call]
        _(
            RawOrigin::Signed(s.clinician.clone()),
            r,
            s.grantee.clone(),
            [6; WRAPPED_KEY_LEN],
        );
        assert!(Grants::<T>::contains_key(r, &s.grantee));
        Ok(())
    }

    #[benchmark]
    fn emergency_access() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let r = record::<T>(&s, 1, None)?;
        #[extrinsic_call]
        _(
            RawOrigin::Signed(s.admin.clone()),
            r,
            EmergencyReason::EmergencyTreatment,
        );
        assert!(Grants::<T>::contains_key(r, &s.admin));
        assert!(EmergencyTallies::<T>::contains_key(r, &s.admin));
        Ok(())
    }

    /// A reader under a shared key: the record grant and the type grant are both read.
    #[benchmark]
    fn log_access() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let r = record::<T>(&s, 1, None)?;
        type_grant::<T>(&s)?;
        Pallet::<T>::share_key(
            RawOrigin::Signed(s.clinician.clone()).into(),
            r,
            s.grantee.clone(),
            [6; WRAPPED_KEY_LEN],
        )
        .map_err(|_| BenchmarkError::Stop("share key"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(s.grantee.clone()), r);
        assert_eq!(Audit::<T>::get(r).accesses, 1);
        Ok(())
    }

    /// The root of the last voided anchor anchored again (the real batch behind a runaway one),
    /// with the longest list of voided ranges to search.
    #[benchmark]
    fn anchor_batch() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let ranges = T::MaxVoidedRanges::get();
        let from = voided::<T>(&s, ranges)?;
        let again = root((2 * ranges).saturating_sub(1));
        #[extrinsic_call]
        _(
            RawOrigin::Signed(s.admin.clone()),
            s.org,
            from,
            from.saturating_add(9),
            medchain_merkle::MAX_LEAVES,
            again,
        );
        assert_eq!(AnchorRoots::<T>::get(s.org, again), Some(2 * ranges));
        Ok(())
    }

    /// The last voided range an organisation may keep, its list searched and rebuilt.
    #[benchmark]
    fn void_anchors() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let ranges = T::MaxVoidedRanges::get();
        let from = voided::<T>(&s, ranges.saturating_sub(1))?;
        let first = 2 * ranges.saturating_sub(1);
        kept_and_runaway::<T>(&s, first, from)?;
        let origin = T::OrganisationOrigin::try_successful_origin()
            .map_err(|_| BenchmarkError::Weightless)?;
        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, s.org, first + 1);
        assert_eq!(VoidedAnchors::<T>::get(s.org).len() as u32, ranges);
        assert_eq!(
            Organisations::<T>::get(s.org).and_then(|o| o.anchored_to),
            Some(from)
        );
        Ok(())
    }

    /// A record proven at the deepest position of the largest batch (2^20 entries: 20 siblings)
    /// and imported.
    #[benchmark]
    fn import_record() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let (root, entry, proof) = anchored_entry::<T>(&s, medchain_merkle::MAX_PROOF_DEPTH)?;
        // The entry's CID is fixed by the anchor; a stranger registered it first.
        squatted::<T>(&cid(u32::MAX))?;
        #[extrinsic_call]
        _(
            RawOrigin::Signed(s.clinician.clone()),
            s.org,
            root,
            entry,
            proof,
            s.patient.clone(),
            LAB,
            SEALED,
            1_000,
            [4; WRAPPED_KEY_LEN],
            [5; WRAPPED_KEY_LEN],
        );
        assert!(Imported::<T>::contains_key(s.org, 7));
        Ok(())
    }

    /// The runtime API's check of a proof `d` levels deep (a batch of 2^d entries; 100,000
    /// entries take 17).
    #[benchmark]
    fn verify_inclusion(
        d: Linear<1, { medchain_merkle::MAX_PROOF_DEPTH }>,
    ) -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let (root, entry, proof) = anchored_entry::<T>(&s, d)?;
        let result;
        #[block]
        {
            result = Pallet::<T>::verify_inclusion(s.org, root, &entry, &proof);
        }
        assert_eq!(
            result,
            Ok(AnchorRef {
                org: s.org,
                seq: 2 * T::MaxVoidedRanges::get()
            })
        );
        Ok(())
    }

    /// `n` grants visited by the sweep, all expired and removed, each on a record of its own: a
    /// grant's removal then reads and writes its record's grant count afresh, where grants sharing
    /// a record would find it cached.
    #[benchmark]
    fn sweep(n: Linear<0, { T::MaxSweep::get() }>) -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let soon = now::<T>().saturating_add(1u32.into());
        for i in 0..n {
            let r = record::<T>(&s, i, None)?;
            let grantee = funded::<T>("sweep", i);
            Pallet::<T>::set_encryption_key(RawOrigin::Signed(grantee.clone()).into(), [2; 32])
                .map_err(|_| BenchmarkError::Stop("key"))?;
            Pallet::<T>::grant_access(
                RawOrigin::Signed(s.patient.clone()).into(),
                r,
                grantee,
                soon,
                [6; WRAPPED_KEY_LEN],
            )
            .map_err(|_| BenchmarkError::Stop("grant"))?;
        }
        assert_eq!(
            GrantCount::<T>::iter().count() as u32,
            n,
            "one grant per record"
        );
        #[block]
        {
            Pallet::<T>::sweep_expired(soon, n);
        }
        assert_eq!(Grants::<T>::iter().count(), 0);
        Ok(())
    }

    #[benchmark]
    fn grant_care() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        let patient = funded::<T>("new patient", 0);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(patient.clone()),
            s.org,
            [10; WRAPPED_KEY_LEN],
        );
        assert!(CareRelationships::<T>::contains_key(&patient, s.org));
        Ok(())
    }

    #[benchmark]
    fn end_care() -> Result<(), BenchmarkError> {
        let s = scene::<T>()?;
        #[extrinsic_call]
        _(RawOrigin::Signed(s.patient.clone()), s.org);
        assert!(!CareRelationships::<T>::contains_key(&s.patient, s.org));
        Ok(())
    }

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
