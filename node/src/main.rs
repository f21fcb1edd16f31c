//! medchain-node: the validator node hospitals run.

mod chain_spec;
mod cli;
mod command;
mod ipfs;
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
