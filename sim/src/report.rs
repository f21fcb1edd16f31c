//! Aggregates runs into cells and writes `runs.csv`, `cells.csv`, two SVG plots and `table.md`.

use crate::{
    metrics::rate,
    model::Behaviour,
    run::{Outcome, Scenario, System},
};
use plotters::prelude::*;
use std::{collections::BTreeMap, path::Path};

/// One cell of the grid: a system, a size, an attacker share and a behaviour, over all seeds.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub runs: u32,
    pub mean_malicious_share: f64,
    pub max_malicious_share: f64,
    pub rounds: u32,
    pub rounds_over_third: u32,
    pub removals: u32,
    pub mean_removal_latency: f64,
    pub max_removal_latency: u32,
    pub false_evictions: u32,
    pub honest_producer_sessions: u64,
    pub min_nakamoto: u32,
    pub mean_gini: f64,
    pub mean_turnout: f64,
}

impl Cell {
    pub fn share_of_rounds_over_third(&self) -> f64 {
        rate(f64::from(self.rounds_over_third), f64::from(self.rounds))
    }

    pub fn false_eviction_rate(&self) -> f64 {
        rate(
            f64::from(self.false_evictions),
            self.honest_producer_sessions as f64,
        )
    }
}

pub type Key = (System, u32, u32, Behaviour);

/// Folds runs into cells keyed by (system, N, attacker permille, behaviour).
pub fn cells(results: &[(Scenario, Outcome)]) -> BTreeMap<Key, Cell> {
    let mut cells: BTreeMap<Key, Cell> = BTreeMap::new();
    for (sc, o) in results {
        let c = cells
            .entry((sc.system, sc.n, sc.malicious_permille, sc.behaviour))
            .or_insert_with(|| Cell {
                min_nakamoto: u32::MAX,
                ..Cell::default()
            });
        let k = f64::from(c.runs);
        let avg = |old: f64, new: f64| (old * k + new) / (k + 1.0);
        c.mean_malicious_share = avg(c.mean_malicious_share, o.mean_malicious_share);
        c.mean_gini = avg(c.mean_gini, o.mean_gini);
        c.mean_turnout = avg(c.mean_turnout, o.mean_turnout);
        let removals = c.removals + o.removals;
        if removals > 0 {
            c.mean_removal_latency = (c.mean_removal_latency * f64::from(c.removals)
                + o.mean_removal_latency * f64::from(o.removals))
                / f64::from(removals);
        }
        c.removals = removals;
        c.max_malicious_share = c.max_malicious_share.max(o.max_malicious_share);
        c.max_removal_latency = c.max_removal_latency.max(o.max_removal_latency);
        c.rounds += o.rounds;
        c.rounds_over_third += o.rounds_over_third;
        c.false_evictions += o.false_evictions;
        c.honest_producer_sessions += o.honest_producer_sessions;
        c.min_nakamoto = c.min_nakamoto.min(o.min_nakamoto);
        c.runs += 1;
    }
    cells
}

/// Writes every output file into `dir`.
pub fn write_all(
    dir: &Path,
    results: &[(Scenario, Outcome)],
) -> Result<BTreeMap<Key, Cell>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let cells = cells(results);
    write_runs(&dir.join("runs.csv"), results).map_err(|e| format!("runs.csv: {e}"))?;
    write_cells(&dir.join("cells.csv"), &cells).map_err(|e| format!("cells.csv: {e}"))?;
    plot(
        &dir.join("malicious_share.svg"),
        &cells,
        "mean malicious share of producers",
        |c| c.mean_malicious_share,
    )?;
    plot(
        &dir.join("rounds_over_third.svg"),
        &cells,
        "share of rounds with >= 1/3 malicious producers",
        |c| c.share_of_rounds_over_third(),
    )?;
    std::fs::write(dir.join("table.md"), table(&cells)).map_err(|e| format!("table.md: {e}"))?;
    Ok(cells)
}

/// The columns that name a cell, first in both CSV files.
const KEY_COLUMNS: [&str; 4] = ["system", "n", "malicious_share", "behaviour"];

fn key_columns((system, n, m, b): &Key) -> [String; 4] {
    [
        system.name().to_string(),
        n.to_string(),
        format!("{:.2}", f64::from(*m) / 1000.0),
        b.name().to_string(),
    ]
}

fn write_runs(path: &Path, results: &[(Scenario, Outcome)]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(KEY_COLUMNS.into_iter().chain([
        "seed",
        "eras",
        "mean_malicious_share",
        "max_malicious_share",
        "rounds_over_third",
        "removals",
        "mean_removal_latency_sessions",
        "max_removal_latency_sessions",
        "false_evictions",
        "honest_producer_sessions",
        "min_nakamoto",
        "mean_nakamoto",
        "mean_gini",
        "mean_turnout",
    ]))?;
    for (sc, o) in results {
        w.write_record(
            key_columns(&(sc.system, sc.n, sc.malicious_permille, sc.behaviour))
                .into_iter()
                .chain([
                    sc.seed.to_string(),
                    sc.eras.to_string(),
                    format!("{:.5}", o.mean_malicious_share),
                    format!("{:.5}", o.max_malicious_share),
                    o.rounds_over_third.to_string(),
                    o.removals.to_string(),
                    format!("{:.3}", o.mean_removal_latency),
                    o.max_removal_latency.to_string(),
                    o.false_evictions.to_string(),
                    o.honest_producer_sessions.to_string(),
                    o.min_nakamoto.to_string(),
                    format!("{:.3}", o.mean_nakamoto),
                    format!("{:.5}", o.mean_gini),
                    format!("{:.5}", o.mean_turnout),
                ]),
        )?;
    }
    w.flush()?;
    Ok(())
}

fn write_cells(path: &Path, cells: &BTreeMap<Key, Cell>) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(KEY_COLUMNS.into_iter().chain([
        "runs",
        "mean_malicious_share",
        "max_malicious_share",
        "share_of_rounds_over_third",
        "mean_removal_latency_sessions",
        "max_removal_latency_sessions",
        "false_eviction_rate",
        "min_nakamoto",
        "mean_gini",
        "mean_turnout",
    ]))?;
    for (key, c) in cells {
        w.write_record(key_columns(key).into_iter().chain([
            c.runs.to_string(),
            format!("{:.5}", c.mean_malicious_share),
            format!("{:.5}", c.max_malicious_share),
            format!("{:.5}", c.share_of_rounds_over_third()),
            format!("{:.3}", c.mean_removal_latency),
            c.max_removal_latency.to_string(),
            format!("{:.6}", c.false_eviction_rate()),
            c.min_nakamoto.to_string(),
            format!("{:.5}", c.mean_gini),
            format!("{:.5}", c.mean_turnout),
        ]))?;
    }
    w.flush()?;
    Ok(())
}

/// One panel per behaviour: the metric against the attacker's share, a line per system,
/// averaged over N.
fn plot(
    path: &Path,
    cells: &BTreeMap<Key, Cell>,
    title: &str,
    metric: impl Fn(&Cell) -> f64,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let root = SVGBackend::new(path, (1400, 760)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let root = root
        .titled(title, ("sans-serif", 22))
        .map_err(|e| err(&e))?;
    let panels = root.split_evenly((2, 4));
    let colours = [RED, BLUE, GREEN, MAGENTA];
    for (panel, behaviour) in panels.iter().zip(Behaviour::ALL) {
        let mut chart = ChartBuilder::on(panel)
            .caption(behaviour.name(), ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(36)
            .build_cartesian_2d(0.05f64..0.45f64, 0f64..1f64)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("attacker share")
            .x_labels(5)
            .y_labels(6)
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(LineSeries::new(
                [(0.05, 1.0 / 3.0), (0.45, 1.0 / 3.0)],
                BLACK.mix(0.3),
            ))
            .map_err(|e| err(&e))?;
        for (system, colour) in System::ALL.iter().zip(colours) {
            let mut by_share: BTreeMap<u32, (f64, u32)> = BTreeMap::new();
            for ((s, _, m, b), c) in cells {
                if s == system && *b == behaviour {
                    let e = by_share.entry(*m).or_insert((0.0, 0));
                    e.0 += metric(c);
                    e.1 += 1;
                }
            }
            let points: Vec<(f64, f64)> = by_share
                .iter()
                .map(|(m, (sum, k))| (f64::from(*m) / 1000.0, sum / f64::from(*k)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(|e| err(&e))?
                .label(system.name())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 3, colour.filled())))
                .map_err(|e| err(&e))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// The results table: each behaviour and system at the largest attacker share of 30 % or less,
/// over every N.
pub fn table(cells: &BTreeMap<Key, Cell>) -> String {
    let target = cells
        .keys()
        .map(|k| k.2)
        .filter(|m| *m <= 300)
        .max()
        .unwrap_or(300);
    let mut out = format!(
        "At {} % attackers, over N = {:?} and every seed:\n\n| behaviour | system | mean malicious share | max | rounds with >= 1/3 malicious | removal latency (mean / max sessions) | false evictions | min Nakamoto (orgs) | Gini of backing | turnout |\n|---|---|---|---|---|---|---|---|---|---|\n",
        target / 10,
        cells.keys().map(|k| k.1).collect::<std::collections::BTreeSet<_>>()
    );
    for behaviour in Behaviour::ALL {
        for system in System::ALL {
            let mut agg: Vec<&Cell> = Vec::new();
            for ((s, _, m, b), c) in cells {
                if *s == system && *b == behaviour && *m == target {
                    agg.push(c);
                }
            }
            if agg.is_empty() {
                continue;
            }
            let k = agg.len() as f64;
            let rounds: u32 = agg.iter().map(|c| c.rounds).sum();
            let over: u32 = agg.iter().map(|c| c.rounds_over_third).sum();
            let fe: u32 = agg.iter().map(|c| c.false_evictions).sum();
            let hs: u64 = agg.iter().map(|c| c.honest_producer_sessions).sum();
            let removals: u32 = agg.iter().map(|c| c.removals).sum();
            let latency = if removals == 0 {
                0.0
            } else {
                agg.iter()
                    .map(|c| c.mean_removal_latency * f64::from(c.removals))
                    .sum::<f64>()
                    / f64::from(removals)
            };
            out += &format!(
                "| {} | {} | {:.1} % | {:.1} % | {} of {} | {:.1} / {} | {:.3} % | {} | {:.2} | {:.0} % |\n",
                behaviour.name(),
                system.name(),
                100.0 * agg.iter().map(|c| c.mean_malicious_share).sum::<f64>() / k,
                100.0 * agg.iter().map(|c| c.max_malicious_share).fold(0.0, f64::max),
                over,
                rounds,
                latency,
                agg.iter().map(|c| c.max_removal_latency).max().unwrap_or(0),
                100.0 * rate(f64::from(fe), hs as f64),
                agg.iter().map(|c| c.min_nakamoto).min().unwrap_or(0),
                agg.iter().map(|c| c.mean_gini).sum::<f64>() / k,
                100.0 * agg.iter().map(|c| c.mean_turnout).sum::<f64>() / k,
            );
        }
    }
    out += &format!("\nBy N, at {} % always-faulty attackers:\n\n| system | N | rounds with >= 1/3 malicious | max malicious share | min Nakamoto (orgs) |\n|---|---|---|---|---|\n", target / 10);
    for system in System::ALL {
        for ((s, n, m, b), c) in cells {
            if *s == system && *m == target && *b == Behaviour::AlwaysFaulty {
                out += &format!(
                    "| {} | {} | {} of {} | {:.1} % | {} |\n",
                    system.name(),
                    n,
                    c.rounds_over_third,
                    c.rounds,
                    100.0 * c.max_malicious_share,
                    c.min_nakamoto
                );
            }
        }
    }
    out
}
