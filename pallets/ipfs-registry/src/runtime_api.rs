//! `IpfsRegistryApi`: CID validation and lookups for clients and Polkadot.js Apps
//! (Developer > Runtime calls).

use crate::CidInfo;
use alloc::{string::String, vec::Vec};
use codec::{Codec, Decode, Encode};
use scale_info::TypeInfo;
use sp_runtime::DispatchError;

/// A registered CID: its canonical string, what the chain knows of it, and who pins it.
#[derive(Clone, Encode, Decode, Eq, PartialEq, Debug, TypeInfo)]
pub struct CidView<AccountId, Balance, BlockNumber> {
    pub cid: String,
    pub info: CidInfo<AccountId, Balance, BlockNumber>,
    pub replicas: Vec<AccountId>,
}

sp_api::decl_runtime_apis! {
    /// Queries over registered CIDs.
    pub trait IpfsRegistryApi<AccountId, Balance, BlockNumber>
    where
        AccountId: Codec,
        Balance: Codec,
        BlockNumber: Codec,
    {
        /// Validates a CID given as its string or binary form: its canonical string (v0 base58btc,
        /// v1 base32), or the registry's error naming what is wrong.
        fn validate(cid: Vec<u8>) -> Result<String, DispatchError>;
        /// A registered CID, given as its string or binary form.
        fn cid(cid: Vec<u8>) -> Option<CidView<AccountId, Balance, BlockNumber>>;
    }
}

impl<T: crate::Config> crate::Pallet<T> {
    pub fn api_validate(cid: Vec<u8>) -> Result<String, DispatchError> {
        let canonical = Self::canonical(&cid)?;
        Self::cid_string(&canonical).ok_or_else(|| crate::Error::<T>::CidMalformed.into())
    }

    #[allow(clippy::type_complexity)]
    pub fn api_cid(
        cid: Vec<u8>,
    ) -> Option<
        CidView<T::AccountId, crate::BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>,
    > {
        let canonical = Self::canonical(&cid).ok()?;
        let info = crate::Cids::<T>::get(&canonical)?;
        Some(CidView {
            cid: Self::cid_string(&canonical)?,
            info,
            replicas: Self::replicas(&canonical),
        })
    }
}
