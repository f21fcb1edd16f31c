//! Aggregates runs into cells and writes `runs.csv`, `cells.csv`, `series.csv`, the SVG plots,
//! `table.md` (a section per scenario file) and `targets.md` (issue 18's targets, each with its
//! 95 % interval).

use crate::{
    metrics::{mean_ci, rate, wilson},
    model::Behaviour,
    run::{Outcome, Scenario, System},
    scenario::ScenarioFile,
};
use plotters::prelude::*;
use std::{collections::BTreeMap, path::Path};

/// A cell: one scenario file's system, size, attacker share and behaviour.
pub type Key = (usize, System, u32, u32, Behaviour);

/// Every run of one cell.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub runs: Vec<Outcome>,
    pub producers: u32,
}

/// Rounds before the group seats measure a steady state (the founders' era and two elections).
pub const SETTLING_ERAS: usize = 3;

impl Cell {
    fn values(&self, f: impl Fn(&Outcome) -> f64) -> Vec<f64> {
        self.runs.iter().map(f).collect()
    }

    fn sum(&self, f: impl Fn(&Outcome) -> u64) -> u64 {
        self.runs.iter().map(f).sum()
    }

    pub fn mean_malicious_share(&self) -> (f64, f64) {
        mean_ci(&self.values(|o| o.mean_malicious_share))
    }

    pub fn max_malicious_share(&self) -> f64 {
        self.runs
            .iter()
            .map(|o| o.max_malicious_share)
            .fold(0.0, f64::max)
    }

    pub fn rounds(&self) -> u64 {
        self.sum(|o| u64::from(o.rounds))
    }

    pub fn rounds_over_third(&self) -> u64 {
        self.sum(|o| u64::from(o.rounds_over_third))
    }

    pub fn share_of_rounds_over_third(&self) -> f64 {
        rate(self.rounds_over_third() as f64, self.rounds() as f64)
    }

    pub fn removals(&self) -> u64 {
        self.sum(|o| u64::from(o.removals))
    }

    pub fn mean_removal_latency(&self) -> f64 {
        let total: f64 = self
            .runs
            .iter()
            .map(|o| o.mean_removal_latency * f64::from(o.removals))
            .sum();
        rate(total, self.removals() as f64)
    }

    pub fn max_removal_latency(&self) -> u32 {
        self.runs
            .iter()
            .map(|o| o.max_removal_latency)
            .max()
            .unwrap_or(0)
    }

    pub fn unanswered(&self) -> u64 {
        self.sum(|o| u64::from(o.unanswered))
    }

    pub fn false_evictions(&self) -> (u64, u64) {
        (
            self.sum(|o| u64::from(o.false_evictions)),
            self.sum(|o| o.honest_producer_sessions),
        )
    }

    pub fn false_eviction_rate(&self) -> f64 {
        let (k, n) = self.false_evictions();
        rate(k as f64, n as f64)
    }

    pub fn missed_slot_share(&self) -> f64 {
        rate(
            self.sum(|o| o.missed_slots) as f64,
            self.sum(|o| o.slots) as f64,
        )
    }

    pub fn min_nakamoto(&self) -> u32 {
        self.runs.iter().map(|o| o.min_nakamoto).min().unwrap_or(0)
    }

    pub fn min_nakamoto_entity(&self) -> u32 {
        self.runs
            .iter()
            .map(|o| o.min_nakamoto_entity)
            .min()
            .unwrap_or(0)
    }

    pub fn mean_nakamoto_entity(&self) -> (f64, f64) {
        mean_ci(&self.values(|o| o.mean_nakamoto_entity))
    }

    /// The attacker group's producer seats in round `era`, over runs.
    pub fn seats_at(&self, era: usize) -> (f64, f64) {
        mean_ci(&self.values(|o| o.group_seats.get(era).map_or(0.0, |s| f64::from(*s))))
    }

    /// The group's mean seats after the settling rounds, over runs.
    pub fn settled_seats(&self) -> (f64, f64) {
        mean_ci(&self.values(|o| {
            let s = o.group_seats.get(SETTLING_ERAS..).unwrap_or(&[]);
            rate(s.iter().map(|x| f64::from(*x)).sum(), s.len() as f64)
        }))
    }

    /// Share of rounds in which the group was elected to at least a third of the producers.
    pub fn rounds_group_third(&self) -> (u64, u64) {
        let p = self.producers;
        let k = self.sum(|o| {
            o.group_seats
                .iter()
                .filter(|s| 3 * u32::from(**s) >= p && **s > 0)
                .count() as u64
        });
        (k, self.rounds())
    }

    pub fn group_stake_share(&self) -> f64 {
        mean_ci(&self.values(|o| o.group_stake_share)).0
    }

    pub fn churn(&self) -> f64 {
        mean_ci(&self.values(|o| o.mean_churn)).0
    }

    pub fn gini(&self) -> f64 {
        mean_ci(&self.values(|o| o.mean_gini)).0
    }

    pub fn turnout(&self) -> f64 {
        mean_ci(&self.values(|o| o.mean_turnout)).0
    }

    /// Honest newcomers seated (of all), and their mean wait in rounds.
    pub fn newcomers(&self) -> (u64, u64, f64) {
        let seated = self.sum(|o| u64::from(o.newcomers_seated));
        let all = self.sum(|o| u64::from(o.newcomers));
        let wait = self.sum(|o| o.newcomer_wait_sum);
        (seated, all, rate(wait as f64, seated as f64))
    }

    pub fn defections(&self) -> (u64, f64) {
        (
            self.sum(|o| u64::from(o.defections)),
            self.runs
                .iter()
                .map(|o| o.max_defection_share)
                .fold(0.0, f64::max),
        )
    }
}

/// Folds runs into cells.
pub fn cells(results: &[(Scenario, Outcome)]) -> BTreeMap<Key, Cell> {
    let mut cells: BTreeMap<Key, Cell> = BTreeMap::new();
    for (sc, o) in results {
        let c = cells
            .entry((
                sc.file,
                sc.system,
                sc.n,
                sc.malicious_permille,
                sc.behaviour,
            ))
            .or_default();
        c.producers = sc.world.producers;
        c.runs.push(o.clone());
    }
    cells
}

/// What [`write_all`] wrote: the cells, and the text of `table.md` and `targets.md`.
pub struct Written {
    pub cells: BTreeMap<Key, Cell>,
    pub table: String,
    pub targets: String,
}

/// Writes every output file into `dir`.
pub fn write_all(
    dir: &Path,
    files: &[ScenarioFile],
    results: &[(Scenario, Outcome)],
) -> Result<Written, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let cells = cells(results);
    write_runs(&dir.join("runs.csv"), files, results).map_err(|e| format!("runs.csv: {e}"))?;
    write_cells(&dir.join("cells.csv"), files, &cells).map_err(|e| format!("cells.csv: {e}"))?;
    write_series(&dir.join("series.csv"), files, &cells).map_err(|e| format!("series.csv: {e}"))?;
    plot(
        &dir.join("malicious_share.svg"),
        &cells,
        "mean malicious share of producers",
        |c| c.mean_malicious_share().0,
    )?;
    plot(
        &dir.join("rounds_over_third.svg"),
        &cells,
        "share of rounds with >= 1/3 malicious producers",
        |c| c.share_of_rounds_over_third(),
    )?;
    plot_series(&dir.join("series.svg"), files, &cells)?;
    let (table, targets) = (table(files, &cells), targets(files, &cells));
    std::fs::write(dir.join("table.md"), &table).map_err(|e| format!("table.md: {e}"))?;
    std::fs::write(dir.join("targets.md"), &targets).map_err(|e| format!("targets.md: {e}"))?;
    Ok(Written {
        cells,
        table,
        targets,
    })
}

const KEY_COLUMNS: [&str; 5] = ["scenario", "system", "n", "attacker_share", "behaviour"];

/// A CSV file whose header is the key columns, then `columns`.
fn csv_with(path: &Path, columns: &[&str]) -> Result<csv::Writer<std::fs::File>, csv::Error> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(KEY_COLUMNS.iter().chain(columns))?;
    Ok(w)
}

fn key_columns(files: &[ScenarioFile], (file, system, n, m, b): &Key) -> [String; 5] {
    [
        files.get(*file).map_or(String::new(), |f| f.name.clone()),
        system.name().to_string(),
        n.to_string(),
        format!("{:.2}", f64::from(*m) / 1000.0),
        b.name().to_string(),
    ]
}

fn write_runs(
    path: &Path,
    files: &[ScenarioFile],
    results: &[(Scenario, Outcome)],
) -> Result<(), csv::Error> {
    let mut w = csv_with(
        path,
        &[
            "seed",
            "eras",
            "mean_malicious_share",
            "max_malicious_share",
            "rounds_over_third",
            "removals",
            "mean_removal_latency_sessions",
            "max_removal_latency_sessions",
            "unanswered_offences",
            "false_evictions",
            "attacker_liveness_evictions",
            "honest_producer_sessions",
            "missed_slots",
            "slots",
            "min_nakamoto",
            "min_nakamoto_entity",
            "mean_nakamoto_entity",
            "group_stake_share",
            "group_seats_era3",
            "newcomers_seated",
            "newcomers",
            "mean_churn",
            "mean_gini",
            "mean_turnout",
            "defections",
        ],
    )?;
    for (sc, o) in results {
        let key = (
            sc.file,
            sc.system,
            sc.n,
            sc.malicious_permille,
            sc.behaviour,
        );
        w.write_record(
            key_columns(files, &key).into_iter().chain([
                sc.seed.to_string(),
                sc.eras.to_string(),
                format!("{:.5}", o.mean_malicious_share),
                format!("{:.5}", o.max_malicious_share),
                o.rounds_over_third.to_string(),
                o.removals.to_string(),
                format!("{:.3}", o.mean_removal_latency),
                o.max_removal_latency.to_string(),
                o.unanswered.to_string(),
                o.false_evictions.to_string(),
                o.liveness_evictions.to_string(),
                o.honest_producer_sessions.to_string(),
                o.missed_slots.to_string(),
                o.slots.to_string(),
                o.min_nakamoto.to_string(),
                o.min_nakamoto_entity.to_string(),
                format!("{:.3}", o.mean_nakamoto_entity),
                format!("{:.4}", o.group_stake_share),
                o.group_seats
                    .get(SETTLING_ERAS)
                    .map_or(String::new(), |s| s.to_string()),
                o.newcomers_seated.to_string(),
                o.newcomers.to_string(),
                format!("{:.4}", o.mean_churn),
                format!("{:.5}", o.mean_gini),
                format!("{:.5}", o.mean_turnout),
                o.defections.to_string(),
            ]),
        )?;
    }
    w.flush()?;
    Ok(())
}

fn write_cells(
    path: &Path,
    files: &[ScenarioFile],
    cells: &BTreeMap<Key, Cell>,
) -> Result<(), csv::Error> {
    let mut w = csv_with(
        path,
        &[
            "runs",
            "mean_malicious_share",
            "mean_malicious_share_ci95",
            "max_malicious_share",
            "rounds",
            "rounds_over_third",
            "rounds_over_third_upper95",
            "mean_removal_latency_sessions",
            "max_removal_latency_sessions",
            "unanswered_offences",
            "false_eviction_rate",
            "false_eviction_rate_upper95",
            "missed_slot_share",
            "min_nakamoto",
            "min_nakamoto_entity",
            "mean_nakamoto_entity",
            "mean_nakamoto_entity_ci95",
            "group_stake_share",
            "group_seats_era3",
            "group_seats_era3_ci95",
            "group_seats_settled",
            "group_seats_settled_ci95",
            "rounds_group_third",
            "newcomers_seated_share",
            "newcomer_wait_rounds",
            "mean_churn",
            "mean_gini",
            "mean_turnout",
        ],
    )?;
    for (key, c) in cells {
        let (share, share_ci) = c.mean_malicious_share();
        let (k, n) = (c.rounds_over_third(), c.rounds());
        let (fk, fn_) = c.false_evictions();
        let (ne, ne_ci) = c.mean_nakamoto_entity();
        let (s3, s3_ci) = c.seats_at(SETTLING_ERAS);
        let (ss, ss_ci) = c.settled_seats();
        let (seated, all, wait) = c.newcomers();
        w.write_record(key_columns(files, key).into_iter().chain([
            c.runs.len().to_string(),
            format!("{share:.5}"),
            format!("{share_ci:.5}"),
            format!("{:.5}", c.max_malicious_share()),
            n.to_string(),
            k.to_string(),
            format!("{:.3e}", wilson(k, n).1),
            format!("{:.3}", c.mean_removal_latency()),
            c.max_removal_latency().to_string(),
            c.unanswered().to_string(),
            format!("{:.6}", c.false_eviction_rate()),
            format!("{:.6}", wilson(fk, fn_).1),
            format!("{:.5}", c.missed_slot_share()),
            c.min_nakamoto().to_string(),
            c.min_nakamoto_entity().to_string(),
            format!("{ne:.3}"),
            format!("{ne_ci:.3}"),
            format!("{:.4}", c.group_stake_share()),
            format!("{s3:.3}"),
            format!("{s3_ci:.3}"),
            format!("{ss:.3}"),
            format!("{ss_ci:.3}"),
            c.rounds_group_third().0.to_string(),
            format!("{:.4}", rate(seated as f64, all as f64)),
            format!("{wait:.2}"),
            format!("{:.4}", c.churn()),
            format!("{:.5}", c.gini()),
            format!("{:.5}", c.turnout()),
        ]))?;
    }
    w.flush()?;
    Ok(())
}

/// Per round of every cell: the malicious share and the group's seats, mean over runs with the
/// 95 % half-width.
fn write_series(
    path: &Path,
    files: &[ScenarioFile],
    cells: &BTreeMap<Key, Cell>,
) -> Result<(), csv::Error> {
    let mut w = csv_with(
        path,
        &[
            "round",
            "malicious_share",
            "malicious_share_ci95",
            "group_seats",
            "group_seats_ci95",
        ],
    )?;
    for (key, c) in cells {
        let rounds = c.runs.iter().map(|o| o.era_malicious_share.len()).max();
        for era in 0..rounds.unwrap_or(0) {
            let share: Vec<f64> = c
                .runs
                .iter()
                .filter_map(|o| o.era_malicious_share.get(era).map(|x| f64::from(*x)))
                .collect();
            let (m, h) = mean_ci(&share);
            let (s, sh) = c.seats_at(era);
            w.write_record(key_columns(files, key).into_iter().chain([
                era.to_string(),
                format!("{m:.4}"),
                format!("{h:.4}"),
                format!("{s:.3}"),
                format!("{sh:.3}"),
            ]))?;
        }
    }
    w.flush()?;
    Ok(())
}

/// The colour of each system in the plots, in `System::ALL` order.
const COLOURS: [RGBColor; 7] = [
    RED,
    BLUE,
    GREEN,
    MAGENTA,
    CYAN,
    BLACK,
    RGBColor(255, 140, 0),
];

/// The per-round series of the `headline` scenario (or the first): one panel per behaviour, the
/// malicious share of producers per round for each system, its mean over seeds with the 95 %
/// band.
fn plot_series(
    path: &Path,
    files: &[ScenarioFile],
    cells: &BTreeMap<Key, Cell>,
) -> Result<(), String> {
    let Some(file) = file_index(files, "headline").or((!files.is_empty()).then_some(0)) else {
        return Ok(());
    };
    let mine: Vec<&Key> = cells.keys().filter(|k| k.0 == file).collect();
    let Some((_, _, n, m, _)) = mine.first().copied().copied() else {
        return Ok(());
    };
    let behaviours: Vec<Behaviour> = Behaviour::ALL
        .into_iter()
        .filter(|b| mine.iter().any(|k| k.4 == *b))
        .collect();
    let eras = files[file].grid.eras;
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let root = SVGBackend::new(path, (1600, 1000)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let title = format!(
        "{}: malicious share of producers per round (mean over seeds, 95 % band), N = {n}, {} % attackers",
        files[file].name,
        m / 10
    );
    let root = root
        .titled(&title, ("sans-serif", 20))
        .map_err(|e| err(&e))?;
    let columns = behaviours.len().div_ceil(3).max(1);
    for (i, (panel, behaviour)) in root
        .split_evenly((3, columns))
        .iter()
        .zip(behaviours)
        .enumerate()
    {
        let mut chart = ChartBuilder::on(panel)
            .caption(behaviour.name(), ("sans-serif", 15))
            .margin(6)
            .x_label_area_size(24)
            .y_label_area_size(34)
            .build_cartesian_2d(0f64..f64::from(eras), 0f64..1f64)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_labels(5)
            .y_labels(5)
            .draw()
            .map_err(|e| err(&e))?;
        for (system, colour) in System::ALL.iter().zip(COLOURS) {
            let Some(c) = cells.get(&(file, *system, n, m, behaviour)) else {
                continue;
            };
            let series: Vec<(f64, f64, f64)> = (0..eras as usize)
                .map(|era| {
                    let v: Vec<f64> = c
                        .runs
                        .iter()
                        .filter_map(|o| o.era_malicious_share.get(era).map(|x| f64::from(*x)))
                        .collect();
                    let (mean, half) = mean_ci(&v);
                    (era as f64, mean, if half.is_finite() { half } else { 0.0 })
                })
                .collect();
            let band: Vec<(f64, f64)> = series
                .iter()
                .map(|(x, y, h)| (*x, (y + h).min(1.0)))
                .chain(series.iter().rev().map(|(x, y, h)| (*x, (y - h).max(0.0))))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, colour.mix(0.15))))
                .map_err(|e| err(&e))?;
            chart
                .draw_series(LineSeries::new(
                    series.iter().map(|(x, y, _)| (*x, *y)),
                    colour.stroke_width(1),
                ))
                .map_err(|e| err(&e))?
                .label(system.name())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], colour.stroke_width(2))
                });
        }
        // One legend, in the first panel, so the others stay readable.
        if i == 0 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(("sans-serif", 10))
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(|e| err(&e))?;
        }
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// One panel per behaviour: the metric against the attacker's share, a line per system,
/// averaged over N, from the cells of scenario files that sweep the attacker's share.
fn plot(
    path: &Path,
    cells: &BTreeMap<Key, Cell>,
    title: &str,
    metric: impl Fn(&Cell) -> f64,
) -> Result<(), String> {
    let mut shares_per_file: BTreeMap<usize, std::collections::BTreeSet<u32>> = BTreeMap::new();
    for k in cells.keys() {
        shares_per_file.entry(k.0).or_default().insert(k.3);
    }
    let sweep = |file: usize| shares_per_file.get(&file).is_some_and(|s| s.len() > 1);
    let behaviours: Vec<Behaviour> = Behaviour::ALL
        .into_iter()
        .filter(|b| cells.keys().any(|k| k.4 == *b && sweep(k.0)))
        .collect();
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let root = SVGBackend::new(path, (1400, 760)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let root = root
        .titled(title, ("sans-serif", 22))
        .map_err(|e| err(&e))?;
    let columns = behaviours.len().div_ceil(2).max(1);
    let panels = root.split_evenly((2, columns));
    for (panel, behaviour) in panels.iter().zip(behaviours) {
        let mut chart = ChartBuilder::on(panel)
            .caption(behaviour.name(), ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(36)
            .build_cartesian_2d(0.05f64..0.65f64, 0f64..1f64)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("attacker share")
            .x_labels(6)
            .y_labels(6)
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(LineSeries::new(
                [(0.05, 1.0 / 3.0), (0.65, 1.0 / 3.0)],
                BLACK.mix(0.3),
            ))
            .map_err(|e| err(&e))?;
        for (system, colour) in System::ALL.iter().zip(COLOURS) {
            let mut by_share: BTreeMap<u32, (f64, u32)> = BTreeMap::new();
            for ((f, s, _, m, b), c) in cells {
                if s == system && *b == behaviour && sweep(*f) {
                    let e = by_share.entry(*m).or_insert((0.0, 0));
                    e.0 += metric(c);
                    e.1 += 1;
                }
            }
            if by_share.is_empty() {
                continue;
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

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// `k of n (<= upper)`: a count of rare events with Wilson's 95 % upper bound on their rate.
fn rare(k: u64, n: u64) -> String {
    format!("{k} of {n} (<= {:.1e})", wilson(k, n).1)
}

/// The results: a section per scenario file, each with a safety table and a representation
/// table, one row per (N, attacker share, behaviour, system).
pub fn table(files: &[ScenarioFile], cells: &BTreeMap<Key, Cell>) -> String {
    let mut out = String::new();
    for (i, f) in files.iter().enumerate() {
        let mine: Vec<(&Key, &Cell)> = cells.iter().filter(|(k, _)| k.0 == i).collect();
        if mine.is_empty() {
            continue;
        }
        let runs = mine.first().map_or(0, |(_, c)| c.runs.len());
        out += &format!(
            "### `{}`: {}\n\n{} seeds of {} rounds per row; intervals are 95 %.\n\n",
            f.name, f.description, runs, f.grid.eras
        );
        out += "| N | attackers | behaviour | system | mean malicious share | max | rounds with >= 1/3 malicious (95 % upper rate) | removal latency mean / max (sessions) | unanswered offences | false evictions | missed slots |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
        for ((_, system, n, m, b), c) in &mine {
            let (share, ci) = c.mean_malicious_share();
            let (fk, fn_) = c.false_evictions();
            out += &format!(
                "| {n} | {} | {} | {} | {} ± {:.1} | {} | {} | {:.1} / {} | {} | {:.3} % (<= {:.3} %) | {} |\n",
                pct(f64::from(*m) / 1000.0),
                b.name(),
                system.name(),
                pct(share),
                100.0 * ci,
                pct(c.max_malicious_share()),
                rare(c.rounds_over_third(), c.rounds()),
                c.mean_removal_latency(),
                c.max_removal_latency(),
                c.unanswered(),
                100.0 * c.false_eviction_rate(),
                100.0 * wilson(fk, fn_).1,
                pct(c.missed_slot_share()),
            );
        }
        out += "\n| N | attackers | behaviour | system | attacker's share of stake (votes and bonds) | its seats at round 3 | its seats after | rounds it held >= 1/3 | Nakamoto by org (min) | by entity (min / mean) | honest newcomers seated, mean wait | churn | Gini of backing | turnout |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
        for ((_, system, n, m, b), c) in &mine {
            let (s3, s3ci) = c.seats_at(SETTLING_ERAS);
            let (ss, ssci) = c.settled_seats();
            let (gk, gn) = c.rounds_group_third();
            let (ne, neci) = c.mean_nakamoto_entity();
            let (seated, all, wait) = c.newcomers();
            out += &format!(
                "| {n} | {} | {} | {} | {} | {s3:.1} ± {s3ci:.1} | {ss:.1} ± {ssci:.1} | {} | {} | {} / {ne:.1} ± {neci:.1} | {} of {}, {wait:.1} rounds | {} | {:.2} | {} |\n",
                pct(f64::from(*m) / 1000.0),
                b.name(),
                system.name(),
                pct(c.group_stake_share()),
                rare(gk, gn),
                c.min_nakamoto(),
                c.min_nakamoto_entity(),
                seated,
                all,
                pct(c.churn()),
                c.gini(),
                pct(c.turnout()),
            );
        }
        out += "\n";
    }
    out
}

fn file_index(files: &[ScenarioFile], name: &str) -> Option<usize> {
    files.iter().position(|f| f.name == name)
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

/// Issue 18's targets, measured on the scenario files named for them; a target whose file is
/// not in the experiment is listed as not run.
pub fn targets(files: &[ScenarioFile], cells: &BTreeMap<Key, Cell>) -> String {
    let mut out = String::from(
        "| target | scenario | system | measured (95 % interval) | |\n|---|---|---|---|---|\n",
    );
    let of = |name: &str| -> Vec<(&Key, &Cell)> {
        file_index(files, name).map_or(Vec::new(), |i| {
            cells.iter().filter(|(k, _)| k.0 == i).collect()
        })
    };
    let not_run = |out: &mut String, target: &str, name: &str| {
        *out += &format!("| {target} | `{name}` | | not run | |\n");
    };

    let target = "producer share of a 30 % sleeper cartel (3 corrupted founders) at or above 1/3 in < 1e-5 of >= 1e6 rounds";
    let mut rows = of("sleeper-cartel-million");
    rows.extend(of("sleeper-cartel"));
    if rows.is_empty() {
        not_run(&mut out, target, "sleeper-cartel-million");
    }
    for (k, c) in rows {
        let (over, n) = (c.rounds_over_third(), c.rounds());
        let upper = wilson(over, n).1;
        let (defections, at) = c.defections();
        out += &format!(
            "| {target} | `{}` | {} | {} rounds at or above 1/3, upper rate {upper:.1e}; {defections} defections, largest {} of producers | {} |\n",
            files[k.0].name,
            k.1.name(),
            rare(over, n),
            pct(at),
            if n >= 1_000_000 {
                pass(upper < 1e-5)
            } else {
                "fewer than 1e6 rounds"
            }
        );
    }

    let target = "seats of a well-behaved 30 % group >= floor(0.3 P) within 3 eras";
    let rows = of("well-behaved-group");
    if rows.is_empty() {
        not_run(&mut out, target, "well-behaved-group");
    }
    for (k, c) in rows {
        let need = (3 * c.producers) / 10;
        let (s3, ci) = c.seats_at(SETTLING_ERAS);
        let meeting = c
            .runs
            .iter()
            .filter(|o| {
                o.group_seats
                    .get(SETTLING_ERAS)
                    .is_some_and(|s| u32::from(*s) >= need)
            })
            .count();
        out += &format!(
            "| {target} | `{}` | {} | {s3:.1} ± {ci:.1} seats at round 3 (need {need}; {meeting} of {} runs); {} of the stake | {} |\n",
            files[k.0].name,
            k.1.name(),
            c.runs.len(),
            pct(c.group_stake_share()),
            pass(meeting * 20 >= c.runs.len() * 19)
        );
    }

    let target = "stake needed for a third of the seats >= 33 % of counted stake";
    let rows = of("attack-cost");
    if rows.is_empty() {
        not_run(&mut out, target, "attack-cost");
    }
    let mut by_system: BTreeMap<System, Vec<&Cell>> = BTreeMap::new();
    let mut file = 0;
    for (k, c) in rows {
        file = k.0;
        by_system.entry(k.1).or_default().push(c);
    }
    for (system, mut v) in by_system {
        v.sort_by(|a, b| a.group_stake_share().total_cmp(&b.group_stake_share()));
        // The cheapest cell in which the group holds a third in at least 1 % of rounds.
        let cheapest = v.iter().find(|c| {
            let (k, n) = c.rounds_group_third();
            100 * k >= n && n > 0
        });
        let (text, ok) = match cheapest {
            Some(c) => (
                format!(
                    "{} of the stake (a third of the seats in {} of rounds there)",
                    pct(c.group_stake_share()),
                    pct(c.rounds_group_third().0 as f64 / c.rounds().max(1) as f64)
                ),
                c.group_stake_share() >= 0.33,
            ),
            None => (
                format!(
                    "more than {} (the largest share swept)",
                    pct(v.last().map_or(0.0, |c| c.group_stake_share()))
                ),
                true,
            ),
        };
        out += &format!(
            "| {target} | `{}` | {} | {text} | {} |\n",
            files[file].name,
            system.name(),
            pass(ok)
        );
    }

    let target =
        "false evictions under correlated honest outages < 0.1 % of honest producer-sessions";
    let rows = of("outages");
    if rows.is_empty() {
        not_run(&mut out, target, "outages");
    }
    for (k, c) in rows {
        if !k.1.evicts() {
            continue;
        }
        let (fk, fn_) = c.false_evictions();
        let (_, upper) = wilson(fk, fn_);
        out += &format!(
            "| {target} | `{}` | {} | {fk} of {fn_}: {:.3} % (<= {:.3} %) | {} |\n",
            files[k.0].name,
            k.1.name(),
            100.0 * c.false_eviction_rate(),
            100.0 * upper,
            pass(upper < 0.001)
        );
    }

    let target =
        "Nakamoto coefficient by controlling entity, P = 21, >= 7 under whale, cartel and bribery";
    let mut rows = of("stake-attacks");
    rows.extend(of("bribery"));
    if rows.is_empty() {
        not_run(&mut out, target, "stake-attacks");
    }
    for (k, c) in rows {
        let (mean, ci) = c.mean_nakamoto_entity();
        out += &format!(
            "| {target} | `{}` ({}) | {} | min {}, mean {mean:.1} ± {ci:.1} | {} |\n",
            files[k.0].name,
            k.4.name(),
            k.1.name(),
            c.min_nakamoto_entity(),
            pass(c.min_nakamoto_entity() >= 7)
        );
    }
    out
}

/// Replaces the text between `<!-- results:begin -->` and `<!-- results:end -->` in `readme`
/// with `body`.
pub fn splice(readme: &str, body: &str) -> Result<String, String> {
    const BEGIN: &str = "<!-- results:begin -->";
    const END: &str = "<!-- results:end -->";
    let start = readme
        .find(BEGIN)
        .ok_or_else(|| format!("no {BEGIN} marker"))?;
    let end = readme.find(END).ok_or_else(|| format!("no {END} marker"))?;
    if end < start {
        return Err(format!("{END} comes before {BEGIN}"));
    }
    Ok(format!(
        "{}{BEGIN}\n{body}{}",
        &readme[..start],
        &readme[end..]
    ))
}
