//! What the vote range, the tally and the election know of a candidate in an era. Its own module
//! because `votes` and `election` both read it, and neither should depend on the other for it.

use crate::Class;

/// What the election knows of a candidate this era.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing<C, O> {
    pub id: C,
    /// The hospital it belongs to.
    pub org: O,
    /// Its class this era.
    pub class: Class,
    /// Its composite score (ppm), the tie-breaker after backing.
    pub score: u32,
    /// Its own bonded stake.
    pub self_bond: u128,
    /// Whether it registered session keys (no keys, no blocks).
    pub has_keys: bool,
    /// Whether a proven offence bans it.
    pub banned: bool,
    /// Whether it has had own slots: an Excellent candidate that has is established; one that
    /// has not (its production is assumed from its liveness) produces only in a challenger seat,
    /// or when too few established candidates stand.
    pub proven: bool,
}

impl<C, O> Standing<C, O> {
    /// Excellent with production of its own measured: seated before every challenger.
    pub fn established(&self) -> bool {
        self.class == Class::Excellent && self.proven
    }

    /// Seating order of its kind: established, then unproven Excellent, then Qualified.
    pub fn tier(&self) -> u8 {
        match (self.class, self.proven) {
            (Class::Excellent, true) => 2,
            (Class::Excellent, false) => 1,
            _ => 0,
        }
    }
}
