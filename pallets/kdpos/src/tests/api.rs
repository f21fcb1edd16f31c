//! The runtime API (`crate::runtime_api`): what clients read about classes, roles and faults.

use super::*;

#[test]
fn the_runtime_api_explains_classes_roles_and_faults() {
    four_producers().execute_with(|| {
        run_to_session(1);
        blocks_without(H2, 12);
        let all = Pallet::<Test>::api_candidates();
        assert_eq!(all.len(), 5);
        let h2 = all
            .iter()
            .find(|c| c.account == H2)
            .unwrap_or_else(|| panic!("listed"));
        assert_eq!(h2.standing.map(|s| s.class), Some(Class::Poor));
        assert_eq!(
            h2.last_fault.as_ref().map(|f| f.action),
            Some(FaultAction::Evicted)
        );
        assert_eq!(h2.role, runtime_api::Role::Candidate);
        let h7 = all
            .iter()
            .find(|c| c.account == H7)
            .unwrap_or_else(|| panic!("listed"));
        assert_eq!(h7.role, runtime_api::Role::Producer);
        let set = Pallet::<Test>::api_validators();
        assert_eq!(set.active, pallet_session::Validators::<Test>::get());
        let preview = Pallet::<Test>::api_preview().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(preview.candidates.len(), 5);
        assert!(preview.candidates.iter().all(|c| c.verdict.is_some()));
        assert_eq!(
            Pallet::<Test>::api_eligible(),
            preview
                .candidates
                .iter()
                .filter(|c| c.eligible)
                .map(|c| c.account)
                .collect::<Vec<_>>()
        );
    });
}
