//! Runs one scenario with the era trace on:
//! `KDPOS_SIM_TRACE=1 cargo run --release -p kdpos-sim --example trace -- kdpos 50 300 always-faulty 0 40 [FILE]`
//! The world is FILE's (a scenario file), or the default world.

use kdpos_sim::{
    model::{Behaviour, WorldSpec},
    run::{run, Scenario, System},
    scenario::ScenarioFile,
};

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let get = |i: usize, d: &str| a.get(i).cloned().unwrap_or_else(|| d.to_string());
    let system = System::ALL
        .into_iter()
        .find(|s| s.name() == get(0, "kdpos"))
        .unwrap_or(System::Kdpos);
    let behaviour = Behaviour::ALL
        .into_iter()
        .find(|b| b.name() == get(3, "always-faulty"))
        .unwrap_or(Behaviour::AlwaysFaulty);
    let world = match a.get(6) {
        Some(path) => match ScenarioFile::load(std::path::Path::new(path)) {
            Ok(f) => f.world,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        },
        None => WorldSpec::default(),
    };
    let sc = Scenario {
        file: 0,
        system,
        n: get(1, "50").parse().unwrap_or(50),
        malicious_permille: get(2, "300").parse().unwrap_or(300),
        behaviour,
        seed: get(4, "0").parse().unwrap_or(0),
        eras: get(5, "40").parse().unwrap_or(40),
        world,
    };
    let mut o = run(&sc);
    // The per-round series are long; the trace above shows them.
    o.era_malicious_share.clear();
    println!("{o:#?}");
}
