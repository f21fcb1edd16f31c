//! `kdpos-sim`: runs the DPoS vs K-DPoS experiment and writes CSV, SVG plots and a table.
//!
//! Full run (minutes on 2 cores): `cargo run --release -p kdpos-sim -- --out sim/results`
//! Quick run (seconds):           `cargo run --release -p kdpos-sim -- --quick --out /tmp/sim`

use clap::Parser;
use kdpos_sim::{grid, report};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(about = "Compare plain DPoS, K-DPoS without caps and K-DPoS on the same seeded worlds")]
struct Args {
    /// N = 50, 30 % attackers, 3 seeds, 60 eras: a few seconds.
    #[arg(long)]
    quick: bool,
    /// Directory for runs.csv, cells.csv, the SVG plots and table.md.
    #[arg(long, default_value = "sim/results")]
    out: PathBuf,
    /// Seeds per cell (default 20, quick 3).
    #[arg(long)]
    seeds: Option<u32>,
    /// Eras per run (default 200, quick 60).
    #[arg(long)]
    eras: Option<u32>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() {
    let args = Args::parse();
    let mut g = if args.quick {
        grid::Grid::quick()
    } else {
        grid::Grid::full()
    };
    if let Some(s) = args.seeds {
        g.seeds = s.max(1);
    }
    if let Some(e) = args.eras {
        g.eras = e.max(1);
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let scenarios = g.scenarios();
    eprintln!(
        "kdpos-sim: {} runs of {} eras on {threads} threads",
        scenarios.len(),
        g.eras
    );
    let started = std::time::Instant::now();
    let results = grid::execute(&scenarios, threads, true);
    match report::write_all(&args.out, &results) {
        Ok(cells) => {
            print!("{}", report::table(&cells));
            eprintln!(
                "kdpos-sim: wrote {} in {:.0?}",
                args.out.display(),
                started.elapsed()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
