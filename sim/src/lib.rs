//! kdpos-sim: plain DPoS against K-DPoS on the same seeded populations.
//!
//! `model` builds a world of hospitals, voters and an attacker; `run` plays one system over it
//! era by era with the real K-DPoS code from `kdpos-primitives`; `grid` runs the whole experiment
//! in parallel; `report` writes the CSV files, plots and the results table.

pub mod grid;
pub mod metrics;
pub mod model;
pub mod report;
pub mod run;
