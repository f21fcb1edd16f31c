//! The `medchain` command line as a library: its commands, and the parts benchmarks and tests
//! use (file encryption, sealed keys, the key store).

pub mod anchor_store;
pub mod chain;
pub mod cli;
pub mod context;
pub mod crypto;
pub mod formats;
pub mod ipfs;
pub mod keys;
pub mod operator;
pub mod portal;
pub mod proof;
pub mod records;
pub mod relay;
