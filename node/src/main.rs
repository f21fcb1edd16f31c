//! medchain-node: the validator node hospitals run.

// The node returns the SDK's own errors (`sc_cli::Error`, `sc_service::Error`), whose size is
// theirs to choose; boxing them at every call of the SDK's runners would buy nothing.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod dev_keys;
mod found;
mod ipfs;
mod metrics;
mod preflight;
mod rpc;
mod service;

/// Errors end the process with one line on stderr and exit code 1.
fn main() {
    if let Err(e) = command::run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
