//! `medchain`: the command line for hospitals, clinicians and patients.

mod ipfs;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "medchain",
    version,
    about = "Share medical records between hospitals on medchain"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// IPFS storage: serve kubo's RPC API from a local store, add and read files.
    #[command(subcommand)]
    Ipfs(ipfs::IpfsCommand),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ipfs(command) => ipfs::run(command),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
