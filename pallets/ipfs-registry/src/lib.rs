//! # pallet-ipfs-registry
//!
//! The chain's index of IPFS content. Each encrypted record's ciphertext is stored in IPFS; this
//! pallet validates its CID (see `medchain-cid` for what is accepted), keeps it in canonical
//! binary form with its owner and size, and holds a deposit from the owner until the CID is
//! unregistered. Storage providers, admitted by root, attest that they pin a CID; the attestations
//! tell clients where replicas are.
//!
//! Nothing here is personal data: a CID is a hash of ciphertext.

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
/// What another pallet's test runtime needs to configure this one (feature `mock`).
#[cfg(any(test, feature = "mock"))]
pub mod config_preludes;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
// Also with `mock`: other pallets' tests check this pallet's invariants after their scenarios.
#[cfg(any(feature = "try-runtime", feature = "mock", test))]
mod try_state;
pub mod weights;
pub use weights::WeightInfo;

use frame_support::{pallet_prelude::*, traits::fungible};

/// A CID in canonical binary form.
pub type CidBytes = BoundedVec<u8, ConstU32<{ medchain_cid::MAX_CID_BYTES as u32 }>>;
/// A CID as submitted: its string as text, or its binary form.
pub type CidInput = BoundedVec<u8, ConstU32<{ medchain_cid::MAX_CID_STR as u32 }>>;

pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// What the chain knows of a registered CID.
#[derive(
    Clone, Encode, Decode, DecodeWithMemTracking, Eq, PartialEq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct CidInfo<AccountId, Balance, BlockNumber> {
    /// Who registered it and holds the deposit.
    pub owner: AccountId,
    /// Size of the content in bytes, as the owner declared it.
    pub size: u64,
    /// The deposit held from the owner.
    pub deposit: Balance,
    /// Block of registration.
    pub registered_at: BlockNumber,
    /// Providers that attest they pin it.
    pub pins: u32,
    /// A medical record points at it: it holds no deposit (records are never deleted, so the
    /// deposit could never be returned) and it can never be unregistered.
    pub permanent: bool,
}

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_support::traits::{
        fungible::{Mutate, MutateHold},
        tokens::Precision,
    };
    use frame_system::pallet_prelude::*;
    use sp_runtime::traits::Zero;

    /// The version of this pallet's storage layout. Chains running today are at 0; a change of
    /// layout raises it together with its migration.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    // `with_default` lets test runtimes take every setting but the currency from
    // `config_preludes::TestDefaultConfig`; a real runtime still sets each one.
    #[pallet::config(with_default)]
    pub trait Config: frame_system::Config {
        /// The currency deposits are held in.
        #[pallet::no_default]
        type Currency: Mutate<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        #[pallet::no_default_bounds]
        type RuntimeHoldReason: From<HoldReason>;
        /// Deposit held for each registered CID.
        #[pallet::constant]
        #[pallet::no_default_bounds]
        type CidDeposit: Get<BalanceOf<Self>>;
        /// Most providers that can attest one CID.
        #[pallet::constant]
        type MaxPins: Get<u32>;
        /// Who admits and removes storage providers.
        #[pallet::no_default_bounds]
        type ProviderOrigin: EnsureOrigin<Self::RuntimeOrigin>;
        /// Weights of the calls.
        type WeightInfo: WeightInfo;
    }

    /// Why funds are held.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// The deposit of a registered CID.
        CidDeposit,
    }

    /// Registered CIDs.
    #[pallet::storage]
    pub type Cids<T: Config> = StorageMap<
        _,
        Blake2_128Concat,
        CidBytes,
        CidInfo<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
    >;

    /// Admitted storage providers.
    #[pallet::storage]
    pub type Providers<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>>;

    /// Pin attestations: CID, provider -> block of attestation.
    #[pallet::storage]
    pub type Pins<T: Config> = StorageDoubleMap<
        _,
        Blake2_128Concat,
        CidBytes,
        Blake2_128Concat,
        T::AccountId,
        BlockNumberFor<T>,
    >;

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A CID was registered: on its own with a deposit (`register`), or for good by a
        /// medical record that points at it.
        CidRegistered {
            /// The CID in canonical binary form.
            cid: CidBytes,
            /// Who registered it (for a record, the record's author).
            owner: T::AccountId,
            /// Size of the content in bytes, as the owner declared it.
            size: u64,
        },
        /// A CID was unregistered and its deposit released.
        CidUnregistered {
            /// The CID in canonical binary form.
            cid: CidBytes,
            /// Who had registered it and got the deposit back.
            owner: T::AccountId,
        },
        /// A storage provider was admitted.
        ProviderAdded {
            /// The admitted provider.
            provider: T::AccountId,
        },
        /// A storage provider was removed.
        ProviderRemoved {
            /// The removed provider.
            provider: T::AccountId,
        },
        /// A provider attests that it pins a CID.
        PinAttested {
            /// The CID in canonical binary form.
            cid: CidBytes,
            /// The provider that pins it.
            provider: T::AccountId,
        },
        /// A provider no longer pins a CID.
        PinWithdrawn {
            /// The CID in canonical binary form.
            cid: CidBytes,
            /// The provider that stopped pinning it.
            provider: T::AccountId,
        },
        /// A medical record took over a CID that was registered on its own: the previous owner's
        /// deposit is released and the CID is registered for good to the record's author, so a
        /// registration made first (even to squat the CID) never blocks a record.
        CidClaimed {
            /// The CID in canonical binary form.
            cid: CidBytes,
            /// Who had registered it; their deposit is released.
            previous_owner: T::AccountId,
            /// The record's author, its owner now.
            owner: T::AccountId,
            /// Size of the content in bytes, as the record's author declared it.
            size: u64,
        },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// The CID is empty.
        CidEmpty,
        /// The CID is longer than the chain stores.
        CidTooLong,
        /// Not a CID: bad varint, multibase or length.
        CidMalformed,
        /// The CID has trailing bytes or a non-minimal varint.
        CidNotCanonical,
        /// The CID's codec is not raw, dag-pb or dag-cbor.
        UnsupportedCodec,
        /// The CID's hash is not sha2-256, blake2b-256 or blake3.
        UnsupportedHash,
        /// The CID's digest is not 32 bytes.
        WrongDigestLength,
        /// The CID is registered already.
        AlreadyRegistered,
        /// The CID is not registered.
        NotRegistered,
        /// Only the CID's owner may do this.
        NotOwner,
        /// The account is not an admitted storage provider.
        NotProvider,
        /// The account is a storage provider already.
        AlreadyProvider,
        /// This provider attests this CID already.
        AlreadyPinned,
        /// This provider does not attest this CID.
        NotPinned,
        /// The CID has as many pin attestations as the chain keeps.
        TooManyPins,
        /// The owner cannot cover the deposit.
        InsufficientDeposit,
        /// A medical record points at this CID, so it stays registered.
        CidInUse,
    }

    impl<T> From<medchain_cid::CidError> for Error<T> {
        fn from(e: medchain_cid::CidError) -> Self {
            use medchain_cid::CidError as E;
            match e {
                E::Empty => Error::CidEmpty,
                E::TooLong => Error::CidTooLong,
                E::Malformed => Error::CidMalformed,
                E::NotCanonical => Error::CidNotCanonical,
                E::UnsupportedCodec => Error::UnsupportedCodec,
                E::UnsupportedHash => Error::UnsupportedHash,
                E::WrongDigestLength => Error::WrongDigestLength,
            }
        }
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn integrity_test() {
            assert!(
                !T::CidDeposit::get().is_zero(),
                "CidDeposit must not be zero: CIDs registered on their own would fill storage for free"
            );
            assert!(
                T::MaxPins::get() > 0,
                "MaxPins must not be zero: no provider could attest a CID"
            );
            // `unregister` is charged for `MaxPins` attestations; above a block it could never be
            // included and no CID could be unregistered.
            assert!(
                T::WeightInfo::unregister(T::MaxPins::get())
                    .all_lte(T::BlockWeights::get().max_block),
                "unregister with MaxPins pins must fit in a block"
            );
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Registers a CID (its string as text, or its binary form) with the size of its content,
        /// holding `CidDeposit` from the caller until it is unregistered.
        ///
        /// Emits [`Event::CidRegistered`].
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::register())]
        pub fn register(origin: OriginFor<T>, cid: CidInput, size: u64) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::do_register(&owner, &cid, size).map(|_| ())
        }

        /// Unregisters a CID of the caller's, dropping its pin attestations and releasing the deposit.
        ///
        /// Emits [`Event::CidUnregistered`].
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::unregister(T::MaxPins::get()))]
        pub fn unregister(origin: OriginFor<T>, cid: CidInput) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let cid = Self::canonical(&cid)?;
            let info = Cids::<T>::get(&cid).ok_or(Error::<T>::NotRegistered)?;
            ensure!(info.owner == who, Error::<T>::NotOwner);
            ensure!(!info.permanent, Error::<T>::CidInUse);
            let _ = Pins::<T>::clear_prefix(&cid, T::MaxPins::get(), None);
            T::Currency::release(
                &HoldReason::CidDeposit.into(),
                &who,
                info.deposit,
                Precision::BestEffort,
            )?;
            Cids::<T>::remove(&cid);
            Self::deposit_event(Event::CidUnregistered { cid, owner: who });
            Ok(())
        }

        /// Admits a storage provider.
        ///
        /// Emits [`Event::ProviderAdded`].
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::add_provider())]
        pub fn add_provider(origin: OriginFor<T>, provider: T::AccountId) -> DispatchResult {
            T::ProviderOrigin::ensure_origin(origin)?;
            ensure!(
                !Providers::<T>::contains_key(&provider),
                Error::<T>::AlreadyProvider
            );
            Providers::<T>::insert(&provider, frame_system::Pallet::<T>::block_number());
            Self::deposit_event(Event::ProviderAdded { provider });
            Ok(())
        }

        /// Removes a storage provider; its attestations stay until it withdraws them or the CID goes.
        ///
        /// Emits [`Event::ProviderRemoved`].
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::remove_provider())]
        pub fn remove_provider(origin: OriginFor<T>, provider: T::AccountId) -> DispatchResult {
            T::ProviderOrigin::ensure_origin(origin)?;
            ensure!(
                Providers::<T>::take(&provider).is_some(),
                Error::<T>::NotProvider
            );
            Self::deposit_event(Event::ProviderRemoved { provider });
            Ok(())
        }

        /// A provider attests that it pins a registered CID.
        ///
        /// Emits [`Event::PinAttested`].
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::attest_pin())]
        pub fn attest_pin(origin: OriginFor<T>, cid: CidInput) -> DispatchResult {
            let provider = ensure_signed(origin)?;
            ensure!(
                Providers::<T>::contains_key(&provider),
                Error::<T>::NotProvider
            );
            let cid = Self::canonical(&cid)?;
            Cids::<T>::try_mutate(&cid, |info| -> DispatchResult {
                let info = info.as_mut().ok_or(Error::<T>::NotRegistered)?;
                ensure!(
                    !Pins::<T>::contains_key(&cid, &provider),
                    Error::<T>::AlreadyPinned
                );
                ensure!(info.pins < T::MaxPins::get(), Error::<T>::TooManyPins);
                info.pins = info.pins.saturating_add(1);
                Pins::<T>::insert(&cid, &provider, frame_system::Pallet::<T>::block_number());
                Ok(())
            })?;
            Self::deposit_event(Event::PinAttested { cid, provider });
            Ok(())
        }

        /// A provider withdraws its attestation.
        ///
        /// Emits [`Event::PinWithdrawn`].
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::withdraw_pin())]
        pub fn withdraw_pin(origin: OriginFor<T>, cid: CidInput) -> DispatchResult {
            let provider = ensure_signed(origin)?;
            let cid = Self::canonical(&cid)?;
            ensure!(
                Pins::<T>::take(&cid, &provider).is_some(),
                Error::<T>::NotPinned
            );
            Cids::<T>::mutate(&cid, |info| {
                if let Some(info) = info {
                    info.pins = info.pins.saturating_sub(1);
                }
            });
            Self::deposit_event(Event::PinWithdrawn { cid, provider });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        /// Validates a submitted CID and returns its canonical binary form.
        pub fn canonical(input: &[u8]) -> Result<CidBytes, Error<T>> {
            let valid = medchain_cid::from_input(input)?;
            CidBytes::try_from(valid.into_bytes()).map_err(|_| Error::<T>::CidTooLong)
        }

        /// Registers a CID for `owner`, holding `CidDeposit`.
        pub fn do_register(
            owner: &T::AccountId,
            input: &[u8],
            size: u64,
        ) -> Result<CidBytes, DispatchError> {
            let cid = Self::canonical(input)?;
            ensure!(
                !Cids::<T>::contains_key(&cid),
                Error::<T>::AlreadyRegistered
            );
            Self::insert(owner, cid, size, false)
        }

        /// Registers a CID that a medical record points at, in the record's own extrinsic: no
        /// deposit, and it can never be unregistered.
        ///
        /// Registering never vetoes a record: a CID someone registered on its own (with
        /// `register`, perhaps from the pool to squat it) is taken over, its deposit released to
        /// whoever held it and its ownership passed to `owner`; a CID other records point at
        /// already stays as it is, for every record to point at.
        pub fn do_register_permanent(
            owner: &T::AccountId,
            input: &[u8],
            size: u64,
        ) -> Result<CidBytes, DispatchError> {
            let cid = Self::canonical(input)?;
            match Cids::<T>::get(&cid) {
                None => Self::insert(owner, cid, size, true),
                Some(info) if info.permanent => Ok(cid),
                Some(info) => {
                    T::Currency::release(
                        &HoldReason::CidDeposit.into(),
                        &info.owner,
                        info.deposit,
                        Precision::BestEffort,
                    )?;
                    Cids::<T>::insert(
                        &cid,
                        CidInfo {
                            owner: owner.clone(),
                            size,
                            deposit: Default::default(),
                            registered_at: frame_system::Pallet::<T>::block_number(),
                            pins: info.pins,
                            permanent: true,
                        },
                    );
                    Self::deposit_event(Event::CidClaimed {
                        cid: cid.clone(),
                        previous_owner: info.owner,
                        owner: owner.clone(),
                        size,
                    });
                    Ok(cid)
                }
            }
        }

        /// Stores a new registration of the canonical `cid`, which the caller found unregistered.
        fn insert(
            owner: &T::AccountId,
            cid: CidBytes,
            size: u64,
            permanent: bool,
        ) -> Result<CidBytes, DispatchError> {
            let deposit = if permanent {
                Default::default()
            } else {
                let deposit = T::CidDeposit::get();
                T::Currency::hold(&HoldReason::CidDeposit.into(), owner, deposit)
                    .map_err(|_| Error::<T>::InsufficientDeposit)?;
                deposit
            };
            Cids::<T>::insert(
                &cid,
                CidInfo {
                    owner: owner.clone(),
                    size,
                    deposit,
                    registered_at: frame_system::Pallet::<T>::block_number(),
                    pins: 0,
                    permanent,
                },
            );
            Self::deposit_event(Event::CidRegistered {
                cid: cid.clone(),
                owner: owner.clone(),
                size,
            });
            Ok(cid)
        }

        /// The canonical string of a stored CID (v0 base58btc, v1 base32).
        pub fn cid_string(cid: &CidBytes) -> Option<alloc::string::String> {
            medchain_cid::from_bytes(cid).ok().map(|c| c.to_string())
        }

        /// Providers that attest they pin `cid`.
        pub fn replicas(cid: &CidBytes) -> alloc::vec::Vec<T::AccountId> {
            Pins::<T>::iter_key_prefix(cid).collect()
        }
    }
}

extern crate alloc;
