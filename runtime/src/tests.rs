//! Runtime-level checks that need no node: every genesis preset builds a valid state with the
//! validators it names, and the constants clients rely on hold together.

use crate::{
    genesis_config_presets::{get_preset, preset_names, ENDOWMENT},
    Balances, Kdpos, Runtime, RuntimeGenesisConfig, Session, SessionKeys, System,
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::BuildStorage;

mod governance;

fn state_of(preset: &str) -> sp_io::TestExternalities {
    let json = get_preset(&preset.into()).unwrap_or_else(|| panic!("preset {preset} exists"));
    let config: RuntimeGenesisConfig = serde_json::from_slice(&json)
        .unwrap_or_else(|e| panic!("preset {preset} is a full config: {e}"));
    let storage = config
        .build_storage()
        .unwrap_or_else(|e| panic!("preset {preset} builds: {e}"));
    sp_io::TestExternalities::new(storage)
}

#[test]
fn presets_are_listed() {
    let names: Vec<String> = preset_names()
        .iter()
        .map(|p| String::from_utf8_lossy(p.as_ref()).into())
        .collect();
    assert_eq!(
        names,
        ["development", "local_testnet", "consortium", "hospital"]
    );
    assert!(get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn development_has_alice_as_the_one_validator_elected_for_her_hospital() {
    state_of("development").execute_with(|| {
        let alice = Sr25519Keyring::Alice.to_account_id();
        assert_eq!(Session::validators(), vec![alice.clone()]);
        // Issue 18, item 13: she stands for organisation 0 and K-DPoS elected her, so clients
        // show a producer with a class and a score.
        assert_eq!(
            pallet_kdpos::Candidates::<Runtime>::get(&alice).map(|c| c.org),
            Some(0)
        );
        assert_eq!(
            pallet_medical_records::Members::<Runtime>::get(0, &alice),
            Some(pallet_medical_records::Role::Admin)
        );
        let view = Kdpos::api_validators();
        assert_eq!(view.producers, vec![alice.clone()]);
        let standing = Kdpos::api_candidates()
            .into_iter()
            .find(|c| c.account == alice)
            .and_then(|c| c.standing);
        assert!(standing.is_some(), "Alice is classified from genesis");
        assert_eq!(Kdpos::do_try_state(), Ok(()));
        assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
        assert_eq!(pallet_grandpa::Authorities::<Runtime>::get().len(), 1);
        assert_eq!(
            Balances::free_balance(Sr25519Keyring::Bob.to_account_id()),
            ENDOWMENT
        );
    });
}

#[test]
fn local_testnet_elects_four_hospital_producers_and_two_standbys() {
    state_of("local_testnet").execute_with(|| {
        let account = |k: Sr25519Keyring| k.to_account_id();
        use Sr25519Keyring::*;
        let producers: Vec<_> = [Alice, Bob, Charlie, Dave].map(account).to_vec();
        assert_eq!(
            Session::validators(),
            producers,
            "K-DPoS elected them, most bonded first"
        );
        assert_eq!(Kdpos::params().producers, 4);
        let view = Kdpos::api_validators();
        assert_eq!(view.producers, producers);
        assert_eq!(view.standbys, [Eve, Ferdie].map(account).to_vec());
        for (org, who) in [Alice, Bob, Charlie, Dave, Eve, Ferdie]
            .into_iter()
            .enumerate()
        {
            let keys: Option<SessionKeys> = pallet_session::NextKeys::<Runtime>::get(account(who));
            assert!(keys.is_some(), "{who:?} has session keys");
            assert_eq!(
                pallet_medical_records::Members::<Runtime>::get(org as u32, account(who)),
                Some(pallet_medical_records::Role::Admin),
                "{who:?} is the admin of hospital {org}"
            );
            assert_eq!(
                pallet_kdpos::Candidates::<Runtime>::get(account(who)).map(|c| c.org),
                Some(org as u32)
            );
        }
        assert_eq!(pallet_grandpa::Authorities::<Runtime>::get().len(), 4);
        assert_eq!(System::block_number(), 0);
        assert_eq!(Kdpos::do_try_state(), Ok(()));
    });
}

#[test]
fn consortium_has_the_consortiums_seats() {
    state_of("consortium").execute_with(|| {
        assert_eq!(
            (Kdpos::params().producers, Kdpos::params().standbys),
            (21, 6)
        );
        // Six hospitals fill six of the 21 producer seats.
        assert_eq!(Session::validators().len(), 6);
    });
}

#[test]
fn hospital_is_one_organisation_with_its_own_validator() {
    let consortium: Vec<_> = state_of("consortium")
        .execute_with(|| pallet_aura::Authorities::<Runtime>::get().into_inner());
    state_of("hospital").execute_with(|| {
        let alice = Sr25519Keyring::Alice.to_account_id();
        // Its validator's keys are no consortium validator's (issue 18, item 9: one key sealing
        // blocks of two chains could be framed with them).
        assert_eq!(
            Session::validators(),
            vec![Sr25519Keyring::One.to_account_id()]
        );
        let own = pallet_aura::Authorities::<Runtime>::get();
        assert!(own.iter().all(|k| !consortium.contains(k)));
        assert_eq!(pallet_medical_records::NextOrgId::<Runtime>::get(), 1);
        assert_eq!(
            pallet_medical_records::Members::<Runtime>::get(0, alice),
            Some(pallet_medical_records::Role::Admin)
        );
        assert_eq!(pallet_kdpos::CandidateCount::<Runtime>::get(), 0);
        assert_eq!(Kdpos::do_try_state(), Ok(()));
    });
}

/// GRANDPA's historical session roots are kept for the report window only: one per session
/// forever would grow the state without bound.
#[test]
fn historical_session_roots_are_pruned_as_sessions_leave_the_report_window() {
    use crate::configs::consensus::REPORT_WINDOW;
    state_of("local_testnet").execute_with(|| {
        for _ in 0..REPORT_WINDOW + 5 {
            pallet_session::Pallet::<Runtime>::rotate_session();
        }
        let current = pallet_session::CurrentIndex::<Runtime>::get();
        let kept =
            pallet_session::historical::HistoricalSessions::<Runtime>::iter_keys().count() as u32;
        assert!(
            kept <= REPORT_WINDOW + 2,
            "{kept} roots kept at session {current}"
        );
        let (start, _) = pallet_session::historical::StoredRange::<Runtime>::get()
            .unwrap_or_else(|| panic!("roots are stored"));
        assert!(
            start >= current - REPORT_WINDOW,
            "oldest root {start} at session {current}"
        );
        // Reports of the window's sessions still find their roots.
        assert!(
            pallet_session::historical::HistoricalSessions::<Runtime>::contains_key(
                current - REPORT_WINDOW + 1
            )
        );
        assert_eq!(Kdpos::do_try_state(), Ok(()));
    });
}

#[test]
fn chain_constants_match_what_clients_are_told() {
    assert_eq!(
        <Runtime as frame_system::Config>::SS58Prefix::get(),
        crate::SS58_PREFIX
    );
    assert_eq!(crate::SLOT_DURATION, 3_000, "3 s blocks");
    assert_eq!(crate::TOKEN_DECIMALS, 12);
    assert_eq!(crate::UNIT, 10u128.pow(u32::from(crate::TOKEN_DECIMALS)));
}

/// What filling every block for a day costs an attacker (issue 17, attack 6), block by block
/// through the runtime's own fee rules: `fill(weight, length)` is the fee of one block whose
/// ordinary transactions use that much weight and length, paid as one transaction (a real
/// filler pays the base fee of each of its transactions on top), after which the fee multiplier
/// moves as the block's fullness says.
fn a_day_of_blocks_costs(weight: bool, length: bool) -> u128 {
    use frame_support::dispatch::{DispatchClass, DispatchInfo, Pays};
    use sp_runtime::traits::Convert;
    type Update = <Runtime as pallet_transaction_payment::Config>::FeeMultiplierUpdate;
    let weights = <Runtime as frame_system::Config>::BlockWeights::get();
    let normal = weights
        .get(DispatchClass::Normal)
        .max_extrinsic
        .unwrap_or(weights.max_block);
    let max_length = *<Runtime as frame_system::Config>::BlockLength::get()
        .max
        .get(DispatchClass::Normal);
    let info = DispatchInfo {
        call_weight: if weight {
            normal
        } else {
            frame_support::weights::Weight::zero()
        },
        class: DispatchClass::Normal,
        pays_fee: Pays::Yes,
        ..Default::default()
    };
    let len = if length { max_length } else { 200 };
    let blocks_per_day =
        u32::try_from(24 * 60 * 60 * 1000 / crate::MILLI_SECS_PER_BLOCK).unwrap_or(u32::MAX);
    state_of("development").execute_with(|| {
        let mut total = 0u128;
        for _ in 0..blocks_per_day {
            total = total.saturating_add(
                pallet_transaction_payment::Pallet::<Runtime>::compute_fee(len, &info, 0),
            );
            frame_system::BlockWeight::<Runtime>::kill();
            frame_system::Pallet::<Runtime>::register_extra_weight_unchecked(
                info.call_weight,
                DispatchClass::Normal,
            );
            pallet_transaction_payment::NextFeeMultiplier::<Runtime>::mutate(|m| {
                *m = Update::convert(*m)
            });
        }
        total
    })
}

#[test]
fn keeping_every_block_full_for_a_day_costs_more_than_all_genesis_endowments() {
    let endowments = ENDOWMENT * Sr25519Keyring::well_known().count() as u128;
    for (what, weight, length) in [("weight", true, false), ("bytes", false, true)] {
        let cost = a_day_of_blocks_costs(weight, length);
        println!(
            "a day of blocks full of {what}: {} MED (endowments {} MED)",
            cost / crate::UNIT,
            endowments / crate::UNIT
        );
        assert!(
            cost > endowments,
            "a day of blocks full of {what} costs {} MED, less than the {} MED endowed",
            cost / crate::UNIT,
            endowments / crate::UNIT
        );
    }
}

#[test]
fn a_megabyte_remark_costs_hundreds_of_med_and_a_record_a_fraction_of_one() {
    use frame_support::dispatch::{DispatchInfo, GetDispatchInfo};
    state_of("development").execute_with(|| {
        let fee = |call: crate::RuntimeCall| {
            let len = codec::Encode::encoded_size(&call) as u32 + 100;
            let info: DispatchInfo = call.get_dispatch_info();
            pallet_transaction_payment::Pallet::<Runtime>::compute_fee(len, &info, 0)
        };
        let remark = fee(frame_system::Call::remark {
            remark: vec![0; 1 << 20],
        }
        .into());
        assert!(remark > 500 * crate::UNIT, "1 MiB remark: {remark}");
        let transfer = fee(pallet_balances::Call::transfer_keep_alive {
            dest: Sr25519Keyring::Bob.to_account_id().into(),
            value: crate::UNIT,
        }
        .into());
        assert!(
            transfer > crate::UNIT / 100 && transfer < crate::UNIT,
            "a transfer: {transfer}"
        );
    });
}

/// Issue 17, item 10: removing an admin through pallet-medical-records ends the K-DPoS
/// candidacy they stood for their hospital (at once for a standby; for a producer, it is not
/// elected again and leaves once it stops producing).
#[test]
fn removing_an_admin_ends_their_candidacy() {
    use crate::{MedicalRecords, RuntimeOrigin};
    use pallet_medical_records::Role;
    state_of("local_testnet").execute_with(|| {
        let producers = pallet_kdpos::Producers::<Runtime>::get();
        let standby = pallet_kdpos::Standbys::<Runtime>::get()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("local_testnet has standbys"));
        let producer = producers[0].clone();
        let deputy = Sr25519Keyring::One.to_account_id();
        for who in [&producer, &standby] {
            let org = pallet_kdpos::Candidates::<Runtime>::get(who)
                .unwrap_or_else(|| panic!("a candidate"))
                .org;
            // The last admin cannot be removed: a deputy joins first.
            assert_eq!(
                MedicalRecords::add_member(
                    RuntimeOrigin::signed(who.clone()),
                    org,
                    deputy.clone(),
                    Role::Admin
                ),
                Ok(())
            );
            assert_eq!(
                MedicalRecords::remove_member(
                    RuntimeOrigin::signed(deputy.clone()),
                    org,
                    who.clone()
                ),
                Ok(())
            );
        }
        assert_eq!(pallet_kdpos::Candidates::<Runtime>::get(&standby), None);
        assert!(pallet_kdpos::Candidates::<Runtime>::contains_key(&producer));
        assert_eq!(
            pallet_kdpos::Disowned::<Runtime>::get().to_vec(),
            vec![producer.clone()]
        );
        let (_, _, next) = Kdpos::prepare_election().unwrap_or_else(|e| panic!("{e:?}"));
        assert!(!next.producers.contains(&producer) && !next.standbys.contains(&producer));
        assert_eq!(Kdpos::do_try_state(), Ok(()));
    });
}

/// Issue 5's bound: at the runtime's limits (every candidate, every voter naming 16) each half of
/// the era boundary, closing the books and the election, costs at most a quarter of a block, as
/// `scripts/weights.sh` measured them.
#[test]
fn each_half_of_the_era_boundary_at_the_bounds_fits_in_a_quarter_of_a_block() {
    use frame_support::traits::Get;
    use pallet_kdpos::WeightInfo as _;
    type Weights = <Runtime as pallet_kdpos::Config>::WeightInfo;
    let candidates = <Runtime as pallet_kdpos::Config>::MaxCandidates::get();
    let voters = <Runtime as pallet_kdpos::Config>::MaxVoters::get();
    let block = <Runtime as frame_system::Config>::BlockWeights::get()
        .max_block
        .ref_time();
    for (half, weight) in [
        ("closing the books", Weights::close_books(candidates)),
        ("the election", Weights::era_election(candidates, voters)),
    ] {
        println!(
            "{half}: {} µs of {} µs, {}‰ of a block",
            weight.ref_time() / 1_000_000,
            block / 1_000_000,
            weight.ref_time().saturating_mul(1000) / block
        );
        assert!(
            weight.ref_time().saturating_mul(4) <= block,
            "{half} at {candidates} candidates and {voters} voters takes {}‰ of a block",
            weight.ref_time().saturating_mul(1000) / block
        );
    }
}

/// The `medchain` CLI compiles its calls and types from `client/cli/metadata/medchain.scale`:
/// it must be this runtime's metadata. `MEDCHAIN_WRITE_METADATA=1 cargo test -p medchain-runtime
/// metadata` rewrites it after a runtime change.
#[test]
fn the_clis_metadata_is_this_runtimes() {
    let metadata =
        crate::Runtime::metadata_at_version(15).expect("the runtime serves metadata v15");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../client/cli/metadata/medchain.scale");
    if std::env::var_os("MEDCHAIN_WRITE_METADATA").is_some() {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("metadata directory");
        std::fs::write(&path, &*metadata).expect("metadata written");
    }
    let stored = std::fs::read(&path).unwrap_or_default();
    assert!(
        stored == *metadata,
        "{} is not this runtime's metadata: run MEDCHAIN_WRITE_METADATA=1 cargo test -p medchain-runtime metadata",
        path.display()
    );
}
