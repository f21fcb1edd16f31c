//! The algorithm's parameters in force on this chain: `Config::Params`, with the producer and
//! standby seats of its genesis when it set them.

use crate::*;

impl<T: Config> Pallet<T> {
    /// The algorithm's parameters: `Params` with this chain's seats.
    pub fn params() -> kdpos_primitives::Params {
        let params = T::Params::get();
        match Seats::<T>::get() {
            Some((producers, standbys)) => kdpos_primitives::Params {
                producers,
                standbys,
                ..params
            },
            None => params,
        }
    }
}
