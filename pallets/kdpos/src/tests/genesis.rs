//! Genesis: the producers it elects and the seats it sets.

use super::*;

#[test]
fn genesis_elects_the_producers_and_the_session_runs_them() {
    four_producers().execute_with(|| {
        let producers = Producers::<Test>::get().into_inner();
        assert_eq!(producers, vec![H1, H2, H4, H6], "most backed first");
        assert_eq!(Standbys::<Test>::get().into_inner(), vec![H7]);
        assert_eq!(pallet_session::Validators::<Test>::get(), producers);
        let aura: Vec<_> = pallet_aura::Authorities::<Test>::get().into_inner();
        assert_eq!(
            aura,
            producers.iter().map(|p| aura_id(*p)).collect::<Vec<_>>()
        );
        assert!(
            Classes::<Test>::get(H7).is_some(),
            "every candidate has a class"
        );
        check();
    });
}

#[test]
fn the_genesis_sets_the_seats_of_its_chain() {
    let config = RuntimeGenesisConfig {
        balances: pallet_balances::GenesisConfig {
            balances: vec![(H1, 1_000), (H2, 1_000), (H4, 1_000)],
            ..Default::default()
        },
        kdpos: GenesisConfig {
            producers: 1,
            standbys: 2,
            candidates: vec![(H1, 1, 300), (H2, 2, 200), (H4, 4, 100)],
            votes: vec![],
        },
        session: pallet_session::GenesisConfig {
            keys: [H1, H2, H4]
                .iter()
                .map(|a| (*a, *a, MockSessionKeys { aura: aura_id(*a) }))
                .collect(),
            ..Default::default()
        },
        ..Default::default()
    };
    use sp_runtime::BuildStorage;
    sp_io::TestExternalities::new(config.build_storage().unwrap_or_else(|e| panic!("{e}")))
        .execute_with(|| {
            assert_eq!(Pallet::<Test>::params().producers, 1);
            assert_eq!(Producers::<Test>::get().into_inner(), vec![H1]);
            assert_eq!(Standbys::<Test>::get().into_inner(), vec![H2, H4]);
            assert_eq!(pallet_session::Validators::<Test>::get(), vec![H1]);
        });
}
