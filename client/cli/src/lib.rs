//! The `medchain` command line as a library: its commands, and the parts benchmarks and tests
//! use (file encryption, sealed keys, the key store).
//!
//! Modules import one way: `commands` uses the rest (`context`, `chain`, `formats`, `proof_file`,
//! `anchor_store`, `crypto`, `keys`, `keyserver`), and nothing below it uses `commands`.

pub mod anchor_store;
pub mod chain;
pub mod commands;
pub mod context;
pub mod crypto;
pub mod formats;
pub mod keys;
pub mod keyserver;
pub mod proof_file;
