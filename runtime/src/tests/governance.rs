//! Governance by the council of hospitals, played through the public calls: one hospital alone
//! cannot do what sudo did, two thirds of the seats can, and a founded consortium has no sudo.

use super::state_of;
use crate::{
    configs::governance::CouncilCollective,
    genesis_config_presets::{founded, Founder, Founding},
    AccountId, Runtime, RuntimeCall, RuntimeEvent, RuntimeGenesisConfig, RuntimeOrigin,
    SessionKeys, System, UNIT,
};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo};
use sp_core::{ed25519, sr25519, Pair};
use sp_keyring::Sr25519Keyring::{self, *};
use sp_runtime::{traits::Hash as _, BuildStorage, DispatchError};

fn signed(who: Sr25519Keyring) -> RuntimeOrigin {
    RuntimeOrigin::signed(who.to_account_id())
}

type Council = pallet_collective::Pallet<Runtime, CouncilCollective>;

/// `who` proposes `call` to pass with `threshold` seats; the motion's index and hash.
fn propose(who: Sr25519Keyring, threshold: u32, call: RuntimeCall) -> (u32, crate::Hash) {
    let index = pallet_collective::ProposalCount::<Runtime, CouncilCollective>::get();
    let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&call);
    let length = call.encoded_size() as u32;
    assert_ok!(Council::propose(
        signed(who),
        threshold,
        Box::new(call),
        length
    ));
    (index, hash)
}

/// The seats in `ayes` vote aye and the last one closes the motion.
fn pass(index: u32, hash: crate::Hash, call: &RuntimeCall, ayes: &[Sr25519Keyring]) {
    for who in ayes {
        assert_ok!(Council::vote(signed(*who), hash, index, true));
    }
    let weight = call.get_dispatch_info().call_weight;
    let length = call.encoded_size() as u32;
    let closer = ayes.last().copied().unwrap_or(Alice);
    assert_ok!(Council::close(signed(closer), hash, index, weight, length));
}

/// The result the council recorded for executing its last motion.
fn executed() -> Option<Result<(), DispatchError>> {
    System::events()
        .into_iter()
        .rev()
        .find_map(|r| match r.event {
            RuntimeEvent::Council(pallet_collective::Event::Executed { result, .. })
            | RuntimeEvent::Council(pallet_collective::Event::MemberExecuted { result, .. }) => {
                Some(result)
            }
            _ => None,
        })
}

/// The code hash of the last upgrade authorized (`system.UpgradeAuthorized`).
fn authorized() -> Option<crate::Hash> {
    System::events()
        .into_iter()
        .rev()
        .find_map(|r| match r.event {
            RuntimeEvent::System(frame_system::Event::UpgradeAuthorized { code_hash, .. }) => {
                Some(code_hash)
            }
            _ => None,
        })
}

fn register(admin: &AccountId) -> RuntimeCall {
    RuntimeCall::MedicalRecords(pallet_medical_records::Call::register_organisation {
        admin: admin.clone(),
    })
}

#[test]
fn the_consortium_has_no_sudo_and_a_seat_per_hospital() {
    state_of("consortium").execute_with(|| {
        assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
        let seats = pallet_collective::Members::<Runtime, CouncilCollective>::get();
        let admins: Vec<_> = [Alice, Bob, Charlie, Dave, Eve, Ferdie]
            .map(|k| k.to_account_id())
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(seats, admins, "the six admins, sorted");
        // Sudo is no way in: nobody holds its key.
        let newcomer = Sr25519Keyring::One.to_account_id();
        assert_noop!(
            pallet_sudo::Pallet::<Runtime>::sudo(signed(Alice), Box::new(register(&newcomer))),
            pallet_sudo::Error::<Runtime>::RequireSudo
        );
    });
}

#[test]
fn one_hospitals_motion_alone_cannot_admit_a_hospital() {
    state_of("consortium").execute_with(|| {
        System::set_block_number(1);
        let before = pallet_medical_records::NextOrgId::<Runtime>::get();
        let newcomer = Sr25519Keyring::One.to_account_id();
        // A threshold of one executes at once, as the proposer's lone seat: refused.
        propose(Alice, 1, register(&newcomer));
        assert_eq!(executed(), Some(Err(DispatchError::BadOrigin)));
        // Three of six seats are not two thirds either.
        let call = register(&newcomer);
        let (index, hash) = propose(Alice, 3, call.clone());
        pass(index, hash, &call, &[Alice, Bob, Charlie]);
        assert_eq!(executed(), Some(Err(DispatchError::BadOrigin)));
        assert_eq!(pallet_medical_records::NextOrgId::<Runtime>::get(), before);
        // Nor does a non-member propose at all.
        assert_noop!(
            Council::propose(signed(One), 1, Box::new(register(&newcomer)), 64),
            pallet_collective::Error::<Runtime, CouncilCollective>::NotMember
        );
    });
}

#[test]
fn two_thirds_of_the_seats_admit_a_hospital_and_seat_it() {
    state_of("consortium").execute_with(|| {
        System::set_block_number(1);
        let org = pallet_medical_records::NextOrgId::<Runtime>::get();
        let newcomer = Sr25519Keyring::One.to_account_id();
        let call = RuntimeCall::Utility(pallet_utility::Call::batch_all {
            calls: vec![
                register(&newcomer),
                RuntimeCall::CouncilMembership(pallet_membership::Call::add_member {
                    who: newcomer.clone().into(),
                }),
            ],
        });
        let (index, hash) = propose(Alice, 4, call.clone());
        pass(index, hash, &call, &[Alice, Bob, Charlie, Dave]);
        assert_eq!(executed(), Some(Ok(())));
        assert_eq!(
            pallet_medical_records::Members::<Runtime>::get(org, &newcomer),
            Some(pallet_medical_records::Role::Admin)
        );
        assert!(
            pallet_collective::Members::<Runtime, CouncilCollective>::get().contains(&newcomer)
        );
    });
}

#[test]
fn two_thirds_of_the_seats_reach_root_through_the_whitelist_and_authorize_an_upgrade() {
    state_of("consortium").execute_with(|| {
        System::set_block_number(1);
        let code_hash = crate::Hash::repeat_byte(7);
        let upgrade = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash });
        let upgrade_hash = <Runtime as frame_system::Config>::Hashing::hash_of(&upgrade);
        // Root only: a two-thirds motion calling it directly is refused.
        let (index, hash) = propose(Alice, 4, upgrade.clone());
        pass(index, hash, &upgrade, &[Alice, Bob, Charlie, Dave]);
        assert_eq!(executed(), Some(Err(DispatchError::BadOrigin)));
        assert_eq!(authorized(), None);
        // Whitelisted and dispatched in one motion, it runs as Root.
        let call = RuntimeCall::Utility(pallet_utility::Call::batch_all {
            calls: vec![
                RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call {
                    call_hash: upgrade_hash,
                }),
                RuntimeCall::Whitelist(
                    pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
                        call: Box::new(upgrade.clone()),
                    },
                ),
            ],
        });
        let (index, hash) = propose(Alice, 4, call.clone());
        pass(index, hash, &call, &[Alice, Bob, Charlie, Dave]);
        assert_eq!(executed(), Some(Ok(())));
        assert_eq!(authorized(), Some(code_hash));
        // The same by fewer seats is refused before anything is whitelisted.
        let again = RuntimeCall::Utility(pallet_utility::Call::batch_all {
            calls: vec![RuntimeCall::Whitelist(
                pallet_whitelist::Call::whitelist_call {
                    call_hash: crate::Hash::repeat_byte(9),
                },
            )],
        });
        let (index, hash) = propose(Alice, 3, again.clone());
        pass(index, hash, &again, &[Alice, Bob, Charlie]);
        assert!(matches!(executed(), Some(Err(_))));
        assert!(!pallet_whitelist::WhitelistedCall::<Runtime>::contains_key(
            crate::Hash::repeat_byte(9)
        ));
    });
}

/// A founder with keys derived from `seed` (no development key).
fn founder(seed: &str, bond: u128) -> Founder {
    let admin = sr25519::Pair::from_string(&format!("{seed}//admin"), None)
        .map(|p| AccountId::from(p.public()))
        .unwrap_or_else(|e| panic!("{seed}: {e:?}"));
    let aura = sr25519::Pair::from_string(&format!("{seed}//aura"), None)
        .map(|p| p.public())
        .unwrap_or_else(|e| panic!("{seed}: {e:?}"));
    let grandpa = ed25519::Pair::from_string(&format!("{seed}//grandpa"), None)
        .map(|p| p.public())
        .unwrap_or_else(|e| panic!("{seed}: {e:?}"));
    Founder {
        admin,
        keys: SessionKeys {
            aura: aura.into(),
            grandpa: grandpa.into(),
        },
        bond: bond * UNIT,
        endowment: 100_000 * UNIT,
    }
}

fn founded_state(founders: &[Founder], founding: Founding) -> sp_io::TestExternalities {
    let config: RuntimeGenesisConfig = founded(founders, founding);
    let storage = config
        .build_storage()
        .unwrap_or_else(|e| panic!("the founded genesis builds: {e}"));
    sp_io::TestExternalities::new(storage)
}

#[test]
fn a_founded_consortium_elects_its_founders_seats_them_and_has_no_sudo() {
    let founders: Vec<_> = ["//north", "//south", "//east", "//west"]
        .iter()
        .enumerate()
        .map(|(i, s)| founder(s, 20_000 - 1_000 * i as u128))
        .collect();
    founded_state(
        &founders,
        Founding::Consortium {
            producers: 3,
            standbys: 1,
        },
    )
    .execute_with(|| {
        assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
        let admins: Vec<_> = founders.iter().map(|f| f.admin.clone()).collect();
        assert_eq!(
            crate::Session::validators(),
            admins[..3].to_vec(),
            "the three largest bonds produce"
        );
        let mut seats = pallet_collective::Members::<Runtime, CouncilCollective>::get();
        seats.sort();
        let mut sorted = admins.clone();
        sorted.sort();
        assert_eq!(seats, sorted);
        for (org, f) in founders.iter().enumerate() {
            assert_eq!(
                pallet_medical_records::Members::<Runtime>::get(org as u32, &f.admin),
                Some(pallet_medical_records::Role::Admin)
            );
            assert_eq!(
                pallet_session::NextKeys::<Runtime>::get(&f.admin),
                Some(f.keys.clone())
            );
            assert_eq!(
                <crate::Balances as frame_support::traits::fungible::Inspect<_>>::total_balance(
                    &f.admin
                ),
                f.endowment
            );
        }
        // Nobody else holds anything: no development account is endowed.
        assert_eq!(
            pallet_balances::TotalIssuance::<Runtime>::get(),
            founders.iter().map(|f| f.endowment).sum::<u128>()
        );
        assert_eq!(crate::Kdpos::do_try_state(), Ok(()));
    });
}

#[test]
fn a_founded_hospital_chain_is_owned_by_its_admin_alone() {
    let owner = founder("//lakeside", 0);
    founded_state(std::slice::from_ref(&owner), Founding::Hospital).execute_with(|| {
        assert_eq!(
            pallet_sudo::Key::<Runtime>::get(),
            Some(owner.admin.clone())
        );
        assert_eq!(crate::Session::validators(), vec![owner.admin.clone()]);
        assert_eq!(pallet_kdpos::CandidateCount::<Runtime>::get(), 0);
        assert!(pallet_collective::Members::<Runtime, CouncilCollective>::get().is_empty());
        // The owner admits a second organisation as sudo, as on the preset.
        System::set_block_number(1);
        let call = register(&Sr25519Keyring::One.to_account_id());
        assert_ok!(pallet_sudo::Pallet::<Runtime>::sudo(
            RuntimeOrigin::signed(owner.admin.clone()),
            Box::new(call)
        ));
        assert_eq!(pallet_medical_records::NextOrgId::<Runtime>::get(), 2);
    });
}
