//! Scenario files: a world and a grid of runs, in TOML (`sim/scenarios/README.md` documents
//! every field). The committed experiment is the set of files in `sim/scenarios/`.

use crate::{
    model::{Behaviour, WorldSpec},
    run::{Scenario, System},
};
use serde::Deserialize;
use std::path::Path;

/// Which runs a scenario file asks for: every combination of its lists, each with `seeds` seeds.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Candidates (N).
    pub sizes: Vec<u32>,
    /// The attacker's share of candidates and of voter stake, permille.
    pub attacker_permille: Vec<u32>,
    pub behaviours: Vec<Behaviour>,
    pub systems: Vec<System>,
    pub seeds: u32,
    /// Eras (rounds) per run.
    pub eras: u32,
}

/// One scenario file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Names the scenario in the results (default: the file's stem).
    #[serde(default)]
    pub name: String,
    /// What the scenario shows, one sentence, for the results table.
    pub description: String,
    pub grid: GridSpec,
    #[serde(default)]
    pub world: WorldSpec,
}

impl ScenarioFile {
    /// Parses `text`; `name` is used when the file names none.
    pub fn parse(text: &str, name: &str) -> Result<ScenarioFile, String> {
        let mut f: ScenarioFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if f.name.is_empty() {
            f.name = name.to_string();
        }
        f.validate()?;
        Ok(f)
    }

    /// Reads and checks one file; the error names the file and the fault.
    pub fn load(path: &Path) -> Result<ScenarioFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        ScenarioFile::parse(&text, &stem).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Every `*.toml` in `dir`, by file name.
    pub fn load_dir(dir: &Path) -> Result<Vec<ScenarioFile>, String> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: cannot list: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(format!("{}: no scenario files (*.toml)", dir.display()));
        }
        paths.iter().map(|p| ScenarioFile::load(p)).collect()
    }

    fn validate(&self) -> Result<(), String> {
        let g = &self.grid;
        let lists = [
            ("grid.sizes", g.sizes.is_empty()),
            ("grid.attacker_permille", g.attacker_permille.is_empty()),
            ("grid.behaviours", g.behaviours.is_empty()),
            ("grid.systems", g.systems.is_empty()),
        ];
        for (name, empty) in lists {
            if empty {
                return Err(format!("{name} is empty: name at least one"));
            }
        }
        if let Some(n) = g.sizes.iter().find(|n| **n < 2) {
            return Err(format!(
                "grid.sizes holds {n}: a world needs at least 2 candidates"
            ));
        }
        if let Some(m) = g.attacker_permille.iter().find(|m| **m >= 1000) {
            return Err(format!(
                "grid.attacker_permille holds {m}: the attacker's share is below 1000 permille"
            ));
        }
        if g.seeds == 0 || g.eras == 0 {
            return Err("grid.seeds and grid.eras must be at least 1".to_string());
        }
        self.world.validate()
    }

    /// The quick experiment of the test suite: N = 50, 30 % attackers, 3 seeds, 60 eras.
    pub fn quick(behaviours: Vec<Behaviour>, systems: Vec<System>) -> ScenarioFile {
        ScenarioFile {
            name: "quick".to_string(),
            description: "the test suite's quick experiment".to_string(),
            grid: GridSpec {
                sizes: vec![50],
                attacker_permille: vec![300],
                behaviours,
                systems,
                seeds: 3,
                eras: 60,
            },
            world: WorldSpec::default(),
        }
    }

    /// The runs of this file (index `file` in the experiment), in a fixed order. Every system
    /// gets the same seeds, so they play the same worlds.
    pub fn runs(&self, file: usize) -> Vec<Scenario> {
        let g = &self.grid;
        let mut v = Vec::new();
        for &n in &g.sizes {
            for &m in &g.attacker_permille {
                for &behaviour in &g.behaviours {
                    for seed in 0..g.seeds {
                        for &system in &g.systems {
                            v.push(Scenario {
                                file,
                                system,
                                n,
                                malicious_permille: m,
                                behaviour,
                                seed: u64::from(seed) * 1_000_003 + u64::from(n),
                                eras: g.eras,
                                world: self.world,
                            });
                        }
                    }
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Voting;

    const FILE: &str = r#"
description = "two systems under a cartel"
[grid]
sizes = [50]
attacker_permille = [300]
behaviours = ["cartel", "sleeper-cartel"]
systems = ["kdpos", "dpos-evict"]
seeds = 2
eras = 10
[world]
voting = "coordinated"
corrupted_founders = 3
"#;

    #[test]
    fn a_file_names_its_grid_and_changes_only_the_world_fields_it_sets() {
        let f = ScenarioFile::parse(FILE, "stem").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.name, "stem");
        assert_eq!(
            f.grid.behaviours,
            vec![Behaviour::Cartel, Behaviour::SleeperCartel]
        );
        assert_eq!(f.grid.systems, vec![System::Kdpos, System::DposEvict]);
        assert_eq!(f.world.voting, Voting::Coordinated);
        assert_eq!(f.world.corrupted_founders, 3);
        assert_eq!(f.world.producers, WorldSpec::default().producers);
        // 1 size x 1 share x 2 behaviours x 2 seeds x 2 systems.
        assert_eq!(f.runs(4).len(), 8);
        assert!(f
            .runs(4)
            .iter()
            .all(|r| r.file == 4 && r.world.corrupted_founders == 3));
    }

    #[test]
    fn a_bad_file_gets_an_error_that_names_the_fault() {
        let cases = [
            (FILE.replace("\"cartel\",", "\"carte\","), "carte"),
            (
                FILE.replace("corrupted_founders = 3", "founders = 3"),
                "founders",
            ),
            (
                FILE.replace("corrupted_founders = 3", "corrupted_founders = 30"),
                "corrupted_founders",
            ),
            (FILE.replace("seeds = 2", "seeds = 0"), "grid.seeds"),
            (FILE.replace("sizes = [50]", "sizes = []"), "grid.sizes"),
            (FILE.replace("[300]", "[1000]"), "attacker_permille"),
            (
                FILE.replace("voting = \"coordinated\"", "turnout_permille = 1001"),
                "turnout_permille",
            ),
            (FILE.replace("description", "title"), "description"),
        ];
        for (text, needle) in cases {
            match ScenarioFile::parse(&text, "bad") {
                Ok(_) => panic!("accepted a file with a bad {needle}"),
                Err(e) => assert!(e.contains(needle), "error {e:?} does not name {needle}"),
            }
        }
    }
}
