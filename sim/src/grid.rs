//! The experiment grid and its parallel execution.

use crate::{
    model::Behaviour,
    run::{run, Outcome, Scenario, System},
};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Mutex,
};

/// Which cells to run.
#[derive(Clone, Debug)]
pub struct Grid {
    pub sizes: Vec<u32>,
    pub malicious_permille: Vec<u32>,
    pub behaviours: Vec<Behaviour>,
    pub systems: Vec<System>,
    pub seeds: u32,
    pub eras: u32,
    pub producers: u32,
    pub standbys: u32,
}

impl Grid {
    /// The full experiment: N in {50, 100, 200, 500}, 10-40 % attackers, 20 seeds, 200 eras.
    pub fn full() -> Self {
        Grid {
            sizes: vec![50, 100, 200, 500],
            malicious_permille: vec![100, 200, 300, 400],
            behaviours: Behaviour::ALL.to_vec(),
            systems: System::ALL.to_vec(),
            seeds: 20,
            eras: 200,
            producers: 21,
            standbys: 6,
        }
    }

    /// A few seconds' worth for the test suite: N = 50, 30 % attackers, 3 seeds, 60 eras.
    pub fn quick() -> Self {
        Grid {
            sizes: vec![50],
            malicious_permille: vec![300],
            seeds: 3,
            eras: 60,
            ..Grid::full()
        }
    }

    /// Every scenario of the grid, in a fixed order.
    pub fn scenarios(&self) -> Vec<Scenario> {
        let mut v = Vec::new();
        for &n in &self.sizes {
            for &m in &self.malicious_permille {
                for &behaviour in &self.behaviours {
                    for seed in 0..self.seeds {
                        for &system in &self.systems {
                            v.push(Scenario {
                                system,
                                n,
                                malicious_permille: m,
                                behaviour,
                                seed: u64::from(seed) * 1_000_003 + u64::from(n),
                                eras: self.eras,
                                producers: self.producers,
                                standbys: self.standbys,
                            });
                        }
                    }
                }
            }
        }
        v
    }
}

/// Runs every scenario on `threads` threads, showing a progress bar when `progress` is set.
/// Results come back in the order of `scenarios`.
pub fn execute(scenarios: &[Scenario], threads: usize, progress: bool) -> Vec<(Scenario, Outcome)> {
    let bar = if progress {
        ProgressBar::new(scenarios.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {elapsed} elapsed, ~{eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = AtomicUsize::new(0);
    let results = Mutex::new(vec![None; scenarios.len()]);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(sc) = scenarios.get(i) else { break };
                let outcome = run(sc);
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(outcome);
                }
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let results = results.into_inner().unwrap_or_default();
    scenarios
        .iter()
        .copied()
        .zip(results.into_iter().map(Option::unwrap_or_default))
        .collect()
}
