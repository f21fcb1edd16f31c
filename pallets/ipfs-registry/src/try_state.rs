//! The registry's invariants, checked by `try_state` under try-runtime and after every scenario in
//! the tests (this pallet's and, with feature `mock`, other pallets').

use crate::*;

impl<T: Config> Pallet<T> {
    /// Invariants: every stored CID is valid and canonical; every pin belongs to a registered
    /// CID; each CID's pin count matches its attestations and stays within `MaxPins`; a
    /// permanent CID holds no deposit.
    pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
        for (cid, info) in Cids::<T>::iter() {
            let valid = medchain_cid::from_bytes(&cid).map_err(|_| "stored CID is not valid")?;
            ensure!(
                valid.as_bytes() == cid.as_slice(),
                "stored CID is not canonical"
            );
            let pins = Pins::<T>::iter_key_prefix(&cid).count() as u32;
            ensure!(pins == info.pins, "pin count does not match attestations");
            ensure!(pins <= T::MaxPins::get(), "more pins than MaxPins");
            ensure!(
                !info.permanent || info.deposit == Default::default(),
                "a permanent CID holds a deposit"
            );
        }
        for (cid, _, _) in Pins::<T>::iter() {
            ensure!(Cids::<T>::contains_key(&cid), "pin of an unregistered CID");
        }
        Ok(())
    }
}
