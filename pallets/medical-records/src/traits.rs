//! What the pallet asks of the runtime beyond its `Config` types.

use crate::OrgId;
use frame_support::weights::Weight;

/// What else ends when an admin leaves its organisation. The runtime ends the K-DPoS candidacy
/// the admin stood for it: a hospital that removes someone no longer vouches for their node.
pub trait OnAdminRemoved<AccountId> {
    /// `who` was removed as an admin of `org`.
    fn admin_removed(org: OrgId, who: &AccountId);
    /// The most `admin_removed` costs; `remove_member` is charged it.
    fn weight() -> Weight;
}

impl<AccountId> OnAdminRemoved<AccountId> for () {
    fn admin_removed(_: OrgId, _: &AccountId) {}
    fn weight() -> Weight {
        Weight::zero()
    }
}
