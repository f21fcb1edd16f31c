//! Deposits: what each kind of item a signed call leaves in state holds, and holding and
//! releasing it in pallet-ipfs-registry's currency.
//!
//! An item's deposit is `DepositBase` plus `DepositPerByte` for each byte of its largest
//! encoding (keys and value, of every map it is written to), so it covers the worst case and a
//! runtime sets two prices, not one per item.

use crate::*;
use frame_support::traits::{fungible::MutateHold, tokens::Precision};
use sp_runtime::traits::Zero;

/// The largest encoded size of the account type.
fn account<T: Config>() -> usize {
    T::AccountId::max_encoded_len()
}

impl<T: Config> Pallet<T> {
    /// What `items` storage items of `bytes` bytes in all hold.
    fn deposit_for(items: u32, bytes: usize) -> BalanceOf<T> {
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        T::DepositBase::get()
            .saturating_mul(items.into())
            .saturating_add(T::DepositPerByte::get().saturating_mul(bytes.into()))
    }

    /// A grant of one record: the grant and its grantee's index entry.
    pub fn grant_deposit() -> BalanceOf<T> {
        let keys = 2 * (RecordId::max_encoded_len() + account::<T>());
        Self::deposit_for(2, keys.saturating_add(GrantOf::<T>::max_encoded_len()))
    }

    /// A record-type grant.
    pub fn type_grant_deposit() -> BalanceOf<T> {
        let keys = 2 * account::<T>() + TypeTag::max_encoded_len();
        Self::deposit_for(1, keys.saturating_add(TypeGrantOf::<T>::max_encoded_len()))
    }

    /// A care relationship.
    pub fn care_deposit() -> BalanceOf<T> {
        let keys = account::<T>() + OrgId::max_encoded_len();
        Self::deposit_for(1, keys.saturating_add(CareOf::<T>::max_encoded_len()))
    }

    /// A registered encryption key.
    pub fn key_deposit() -> BalanceOf<T> {
        Self::deposit_for(1, account::<T>() + EncryptionKey::max_encoded_len())
    }

    /// One audit entry.
    pub fn audit_deposit() -> BalanceOf<T> {
        let keys = RecordId::max_encoded_len() + u32::max_encoded_len();
        Self::deposit_for(1, keys.saturating_add(AuditEntryOf::<T>::max_encoded_len()))
    }

    /// The tally of one clinician's emergency openings of one record.
    pub fn tally_deposit() -> BalanceOf<T> {
        let keys = RecordId::max_encoded_len() + account::<T>();
        Self::deposit_for(1, keys.saturating_add(EmergencyTally::max_encoded_len()))
    }

    /// Holds `amount` from `who` for `reason`; fails, changing nothing, if `who` cannot afford it.
    pub(crate) fn hold(
        reason: HoldReason,
        who: &T::AccountId,
        amount: BalanceOf<T>,
    ) -> DispatchResult {
        if amount.is_zero() {
            return Ok(());
        }
        <T as pallet_ipfs_registry::Config>::Currency::hold(&reason.into(), who, amount)
    }

    /// Returns `amount` held from `who` for `reason` (as much of it as is held).
    pub(crate) fn release(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
        if amount.is_zero() {
            return;
        }
        // Best effort: the amount was held when the item was written, so all of it is there
        // unless a slash took some, and then the rest is what there is to return.
        let _ = <T as pallet_ipfs_registry::Config>::Currency::release(
            &reason.into(),
            who,
            amount,
            Precision::BestEffort,
        );
    }
}
