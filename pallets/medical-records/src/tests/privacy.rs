//! No personal health information on chain: no free-text field in any stored type, and no
//! piece of a plaintext in storage after a full scenario.

use super::*;

/// Every byte string the pallets can store, by storage item: only CIDs (validated) and the
/// sweep's raw storage key. Walks the storage metadata's types, so a new free-text field fails
/// this test until it is justified here.
#[test]
fn storage_types_hold_no_free_text() {
    use scale_info::{PortableRegistry, Registry, TypeDef};

    /// The path of named fields to a type (wrappers such as `BoundedVec` have unnamed ones).
    fn named(path: &[String]) -> String {
        let named: Vec<&str> = path
            .iter()
            .map(String::as_str)
            .filter(|p| !p.is_empty())
            .collect();
        named.join(".")
    }

    fn byte_strings(
        reg: &PortableRegistry,
        id: u32,
        path: &mut Vec<String>,
        found: &mut Vec<String>,
        depth: u32,
    ) {
        let Some(ty) = reg.resolve(id) else { return };
        if depth > 12 {
            return;
        }
        let is_u8 = |t: u32| {
            matches!(
                reg.resolve(t).map(|t| &t.type_def),
                Some(TypeDef::Primitive(scale_info::TypeDefPrimitive::U8))
            )
        };
        match &ty.type_def {
            TypeDef::Sequence(s) if is_u8(s.type_param.id) => found.push(named(path)),
            TypeDef::Primitive(scale_info::TypeDefPrimitive::Str) => found.push(named(path)),
            TypeDef::Sequence(s) => byte_strings(reg, s.type_param.id, path, found, depth + 1),
            TypeDef::Array(a) => byte_strings(reg, a.type_param.id, path, found, depth + 1),
            TypeDef::Tuple(t) => {
                for f in &t.fields {
                    byte_strings(reg, f.id, path, found, depth + 1)
                }
            }
            TypeDef::Composite(c) => {
                for f in &c.fields {
                    path.push(f.name.clone().unwrap_or_default());
                    byte_strings(reg, f.ty.id, path, found, depth + 1);
                    path.pop();
                }
            }
            TypeDef::Variant(v) => {
                for var in &v.variants {
                    for f in &var.fields {
                        path.push(f.name.clone().unwrap_or_default());
                        byte_strings(reg, f.ty.id, path, found, depth + 1);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    let mut registry = Registry::new();
    let storage = [
        Pallet::<Test>::storage_metadata(),
        pallet_ipfs_registry::Pallet::<Test>::storage_metadata(),
    ];
    let mut entries = Vec::new();
    for pallet in &storage {
        for entry in &pallet.entries {
            let types: Vec<_> = match &entry.ty {
                frame_support::__private::metadata_ir::StorageEntryTypeIR::Plain(t) => {
                    vec![registry.register_type(t)]
                }
                frame_support::__private::metadata_ir::StorageEntryTypeIR::Map {
                    key,
                    value,
                    ..
                } => vec![registry.register_type(key), registry.register_type(value)],
            };
            entries.push((entry.name.to_string(), types));
        }
    }
    let portable: PortableRegistry = registry.into();
    let mut found = Vec::new();
    for (name, types) in entries {
        for t in types {
            let mut path = vec![name.clone()];
            byte_strings(&portable, t.id, &mut path, &mut found, 0);
        }
    }
    found.sort();
    found.dedup();
    assert_eq!(
        found,
        vec![
            "Cids".to_string(),
            "Pins".to_string(),
            "Records.cid".to_string(),
            "SweepCursor".to_string(),
        ],
        "a byte string outside the CID fields: could hold free text"
    );
}

/// No storage item and no event holds a record type in clear: records, care relationships and
/// type grants carry a tag and a sealed type instead (`docs/formats.md`, "Type tags"), so a
/// stranger reading state and events learns no LOINC or SNOMED CT code. Walks the metadata's
/// types, so a field of type `RecordType` or `CodeSystem` anywhere in them fails it.
#[test]
fn no_stored_type_or_event_holds_a_clear_record_type() {
    use scale_info::{meta_type, PortableRegistry, Registry};
    let mut registry = Registry::new();
    for pallet in [
        Pallet::<Test>::storage_metadata(),
        pallet_ipfs_registry::Pallet::<Test>::storage_metadata(),
    ] {
        for entry in &pallet.entries {
            match &entry.ty {
                frame_support::__private::metadata_ir::StorageEntryTypeIR::Plain(t) => {
                    registry.register_type(t);
                }
                frame_support::__private::metadata_ir::StorageEntryTypeIR::Map {
                    key,
                    value,
                    ..
                } => {
                    registry.register_type(key);
                    registry.register_type(value);
                }
            }
        }
    }
    registry.register_type(&meta_type::<Event<Test>>());
    let portable: PortableRegistry = registry.into();
    let clear: Vec<String> = portable
        .types
        .iter()
        .map(|t| t.ty.path.segments.join("::"))
        .filter(|p| p.ends_with("::RecordType") || p.ends_with("::CodeSystem"))
        .collect();
    assert!(
        portable.types.len() > 20,
        "the walk found the pallet's types"
    );
    assert_eq!(clear, Vec::<String>::new(), "a clear record type on chain");
}

/// After a full scenario, no stored byte holds any 8-byte piece of the plaintext, and every byte
/// string stored as a CID is a valid CID.
#[test]
fn storage_never_holds_the_plaintext() {
    new_test_ext().execute_with(|| {
        let plaintext =
            b"Patient Jane Roe, born 1984-02-29. Diagnosis: type 1 diabetes. HbA1c 8.1%.";
        hospital();
        assert_ok!(NewRecord {
            plaintext_hash: sp_io::hashing::sha2_256(plaintext),
            size: plaintext.len() as u64,
            ..NewRecord::of(1)
        }
        .submit());
        grant(0, SPECIALIST, 50);
        assert_ok!(MedicalRecords::log_access(
            RuntimeOrigin::signed(SPECIALIST),
            0
        ));
        assert_ok!(MedicalRecords::revoke_access(
            RuntimeOrigin::signed(PATIENT),
            0,
            SPECIALIST
        ));
        assert_ok!(MedicalRecords::grant_type_access(
            RuntimeOrigin::signed(PATIENT),
            LAB,
            OTHER_PATIENT,
            60
        ));
        assert_ok!(MedicalRecords::share_key(
            RuntimeOrigin::signed(DOCTOR),
            0,
            OTHER_PATIENT,
            sealed(21)
        ));
        assert_ok!(emergency(COLLEAGUE, 0));
        let _ = create(2, Some(0));
        assert_ok!(MedicalRecords::anchor_batch(
            RuntimeOrigin::signed(RELAYER),
            ORG,
            1,
            2,
            2,
            [7; 32]
        ));

        let mut key = Vec::new();
        let mut values = 0;
        while let Some(next) = sp_io::storage::next_key(&key) {
            let value = sp_io::storage::get(&next)
                .map(|v| v.to_vec())
                .unwrap_or_default();
            for piece in plaintext.windows(8) {
                assert!(
                    !value.windows(8).any(|w| w == piece) && !next.windows(8).any(|w| w == piece),
                    "plaintext stored under key {next:02x?}"
                );
            }
            values += 1;
            key = next;
        }
        assert!(values > 20, "the scenario stored {values} values");
        for (cid, _) in pallet_ipfs_registry::Cids::<Test>::iter() {
            assert!(pallet_ipfs_registry::Pallet::<Test>::cid_string(&cid).is_some());
        }
        check();
    });
}
