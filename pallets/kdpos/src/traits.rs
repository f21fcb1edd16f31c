//! What the pallet asks of the runtime beyond its `Config` types: who speaks for an organisation,
//! and what the benchmarks cannot set up through the pallet's own calls.

use crate::OrgId;

/// Who speaks for which organisation. The registry of hospitals lives in pallet-medical-records;
/// the runtime answers through it.
pub trait Organisations<AccountId> {
    /// Whether `who` is an admin of organisation `org`, and so may stand as its candidate.
    fn is_admin(org: OrgId, who: &AccountId) -> bool;
}

/// What the benchmarks need from the runtime and cannot do through the pallet's own interface.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, AuthorityId> {
    /// Registers a new organisation with `admin` as its admin and returns its id.
    fn organisation(admin: &AccountId) -> OrgId;
    /// Registers `aura` as `who`'s Aura session key for the next session (pallet-session's
    /// `NextKeys`; the runtime fills in its other keys).
    fn set_session_key(who: &AccountId, aura: AuthorityId);
}
