//! The experiment's runs and their parallel execution.

use crate::{
    run::{run, Outcome, Scenario, System},
    scenario::ScenarioFile,
};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Mutex,
};

/// Every run of the experiment's scenario files, file by file.
pub fn runs(files: &[ScenarioFile]) -> Vec<Scenario> {
    files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| f.runs(i))
        .collect()
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
    // The longest runs first, so no thread is left with one at the end.
    let cost = |s: &Scenario| {
        let phragmen = matches!(s.system, System::KdposPhragmen | System::Npos);
        u64::from(s.eras) * u64::from(s.n) * if phragmen { 8 } else { 1 }
    };
    let mut order: Vec<usize> = (0..scenarios.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(cost(&scenarios[*i])));
    let next = AtomicUsize::new(0);
    let results = Mutex::new(vec![None; scenarios.len()]);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let outcome = run(&scenarios[i]);
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(outcome);
                    }
                    bar.inc(1);
                }
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
