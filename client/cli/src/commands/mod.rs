//! The commands: the `Cli` that clap parses, the top-level `Command` tree, and the one dispatcher
//! that sends each command to its group. Each group's file holds its clap definitions and its
//! implementation; the groups whose commands stand at the top level (`grant`, `get`, `status`,
//! `relay`, `proof` ...) are flattened into `Command`, so `medchain grant` is found in
//! `consent.rs`.

pub mod care;
pub mod consent;
pub mod council;
pub mod ipfs;
pub mod key;
pub mod keyserver;
pub mod operator;
pub mod org;
pub mod portal;
pub mod proof;
pub mod read;
pub mod record;
pub mod relay;
pub mod status;

use crate::context::{self, Context, Global};
use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "medchain",
    version,
    about = "Share medical records between hospitals on medchain",
    long_about = "Share medical records between hospitals on medchain.\n\n\
        Records are encrypted on this machine, stored in IPFS, and indexed on chain with the \
        patient's consent grants and an audit trail of every access.",
    after_help = "Examples:\n  \
        medchain key generate --name clinic\n  \
        medchain --as patient care grant 0\n  \
        medchain --as clinic record put scan.pdf --patient 5Fxy… --type loinc:11506-3 --org 0\n  \
        medchain --as patient grant 7 --to 5Gab… --until 7d\n  \
        medchain --as specialist get 7 -o scan.pdf"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Keys: an account that signs and an X25519 key records are sealed to.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Organisation settings an admin makes.
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// Store, amend, list and show records.
    #[command(subcommand)]
    Record(record::RecordCommand),
    /// Care relationships: the hospitals a patient authorises to index records about them.
    #[command(subcommand)]
    Care(care::CareCommand),
    // grant, revoke, grants: top-level commands, defined in the group's file.
    #[command(flatten)]
    Consent(consent::ConsentCommand),
    // emergency-open, get, audit: top-level commands, defined in the group's file.
    #[command(flatten)]
    Read(read::ReadCommand),
    // status: top-level commands, defined in the group's file.
    #[command(flatten)]
    Status(status::StatusCommand),
    /// The consortium's council: motions of the member hospitals, passed by two thirds.
    #[command(subcommand)]
    Council(council::CouncilCommand),
    /// A hospital's validator joins the producer election.
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
    // relay: top-level commands, defined in the group's file.
    #[command(flatten)]
    Relay(relay::RelayCommand),
    // proof, verify: top-level commands, defined in the group's file.
    #[command(flatten)]
    Proof(proof::ProofCommand),
    /// IPFS storage: serve kubo's RPC API from a local store, add and read files.
    #[command(subcommand)]
    Ipfs(ipfs::IpfsCommand),
    /// The web portal: serve it on this machine.
    #[command(subcommand)]
    Portal(portal::PortalCommand),
    /// The hospital's key service: the only holder of the organisation's key.
    #[command(subcommand)]
    Keyserver(keyserver::KeyserverCommand),
}

pub fn run(cli: Cli) -> Result<()> {
    let ctx = Context::new(cli.global);
    match cli.command {
        // These run no chain command: the servers stop on Ctrl-C themselves, and `key register`
        // runs without the interruption message, as it always has.
        Command::Ipfs(command) => ipfs::run(command),
        Command::Portal(command) => portal::run(&ctx.global, command),
        Command::Keyserver(command) => keyserver::run(&ctx.global, command),
        Command::Key(command) => key::run(&ctx, command),
        Command::Org(command) => context::online(org::run(&ctx, command)),
        Command::Record(command) => context::online(record::run(&ctx, command)),
        Command::Care(command) => context::online(care::run(&ctx, command)),
        Command::Consent(command) => context::online(consent::run(&ctx, command)),
        Command::Read(command) => context::online(read::run(&ctx, command)),
        Command::Status(command) => context::online(status::run(&ctx, command)),
        Command::Council(command) => context::online(council::run(&ctx, command)),
        Command::Operator(command) => context::online(operator::run(&ctx, command)),
        Command::Relay(command) => context::online(relay::run(&ctx, command)),
        Command::Proof(command) => context::online(proof::run(&ctx, command)),
    }
}
