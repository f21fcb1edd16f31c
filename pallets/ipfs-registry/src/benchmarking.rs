//! Benchmarks of pallet-ipfs-registry (frame-benchmarking v2), each at its worst case.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::{Inspect, Mutate};
use frame_system::RawOrigin;
use sp_runtime::Saturating;

/// A distinct, valid CIDv1 (raw, sha2-256) in binary form for each `i`.
fn cid(i: u32) -> CidInput {
    let mut bytes = alloc::vec![0x01, 0x55, 0x12, 0x20];
    let mut digest = [0u8; 32];
    digest[..4].copy_from_slice(&i.to_le_bytes());
    bytes.extend_from_slice(&digest);
    CidInput::truncate_from(bytes)
}

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
    let who: T::AccountId = account(name, i, 0);
    let amount = T::Currency::minimum_balance()
        .saturating_add(T::CidDeposit::get())
        .saturating_mul(100u32.into());
    T::Currency::set_balance(&who, amount);
    who
}

fn provider<T: Config>(i: u32) -> Result<T::AccountId, BenchmarkError> {
    let who = funded::<T>("provider", i);
    let origin =
        T::ProviderOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
    Pallet::<T>::add_provider(origin, who.clone())
        .map_err(|_| BenchmarkError::Stop("add provider"))?;
    Ok(who)
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn register() {
        let owner = funded::<T>("owner", 0);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner.clone()), cid(1), 1_000_000);
        assert!(Cids::<T>::contains_key(
            Pallet::<T>::canonical(&cid(1)).unwrap_or_default()
        ));
    }

    #[benchmark]
    fn unregister(p: Linear<0, { T::MaxPins::get() }>) -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner", 0);
        Pallet::<T>::do_register(&owner, &cid(1), 1)
            .map_err(|_| BenchmarkError::Stop("register"))?;
        for i in 0..p {
            let who = provider::<T>(i)?;
            Pallet::<T>::attest_pin(RawOrigin::Signed(who).into(), cid(1))
                .map_err(|_| BenchmarkError::Stop("pin"))?;
        }
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), cid(1));
        assert_eq!(Cids::<T>::iter().count(), 0);
        Ok(())
    }

    #[benchmark]
    fn add_provider() -> Result<(), BenchmarkError> {
        let origin =
            T::ProviderOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
        let who: T::AccountId = account("provider", 0, 0);
        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, who.clone());
        assert!(Providers::<T>::contains_key(&who));
        Ok(())
    }

    #[benchmark]
    fn remove_provider() -> Result<(), BenchmarkError> {
        let who = provider::<T>(0)?;
        let origin =
            T::ProviderOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, who.clone());
        assert!(!Providers::<T>::contains_key(&who));
        Ok(())
    }

    #[benchmark]
    fn attest_pin() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner", 0);
        Pallet::<T>::do_register(&owner, &cid(1), 1)
            .map_err(|_| BenchmarkError::Stop("register"))?;
        // Worst case: one seat left.
        let max = T::MaxPins::get();
        for i in 1..max {
            let who = provider::<T>(i)?;
            Pallet::<T>::attest_pin(RawOrigin::Signed(who).into(), cid(1))
                .map_err(|_| BenchmarkError::Stop("pin"))?;
        }
        let last = provider::<T>(max)?;
        #[extrinsic_call]
        _(RawOrigin::Signed(last.clone()), cid(1));
        let stored = Pallet::<T>::canonical(&cid(1)).map_err(|_| BenchmarkError::Stop("cid"))?;
        assert!(Pins::<T>::contains_key(&stored, &last));
        Ok(())
    }

    #[benchmark]
    fn withdraw_pin() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner", 0);
        Pallet::<T>::do_register(&owner, &cid(1), 1)
            .map_err(|_| BenchmarkError::Stop("register"))?;
        let who = provider::<T>(0)?;
        Pallet::<T>::attest_pin(RawOrigin::Signed(who.clone()).into(), cid(1))
            .map_err(|_| BenchmarkError::Stop("pin"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(who), cid(1));
        assert_eq!(Pins::<T>::iter().count(), 0);
        Ok(())
    }

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
