//! kdpos-sim: DPoS, NPoS and K-DPoS on the same seeded populations.
//!
//! `scenario` reads a scenario file (a world and a grid of runs); `model` builds the world of
//! hospitals, voters and an attacker; `run` plays one system over it slot by slot with the real
//! K-DPoS code from `kdpos-primitives`; `grid` runs every run in parallel; `report` writes the
//! CSV files, plots and tables with their confidence intervals.

pub mod grid;
pub mod metrics;
pub mod model;
pub mod report;
pub mod run;
pub mod scenario;
