//! `medchain`: the command line for hospitals, clinicians and patients.

use clap::Parser;

fn main() {
    let cli = medchain_cli::commands::Cli::parse();
    let json = cli.global.json;
    if let Err(e) = medchain_cli::commands::run(cli) {
        if json {
            println!("{}", serde_json::json!({ "error": format!("{e:#}") }));
        }
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
