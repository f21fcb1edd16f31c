//! The text forms of values the commands take and show: record types (`--type`) and grant
//! expiries (`--until`). Kept apart from the commands so the test vectors of docs/formats.md can
//! check them directly.

use crate::chain::{CodeSystem, RecordType};
use anyhow::{anyhow, Result};

/// Parses a record type: `loinc:11506-3`, `snomed:271649006` or `local:42`.
pub fn parse_record_type(s: &str) -> Result<RecordType> {
    let (system, code) = s
        .split_once(':')
        .ok_or_else(|| anyhow!("--type '{s}' needs a system and a code, such as loinc:11506-3"))?;
    let system = match system.to_ascii_lowercase().as_str() {
        "loinc" => CodeSystem::Loinc,
        "snomed" => CodeSystem::Snomed,
        "local" => CodeSystem::Local,
        other => {
            return Err(anyhow!(
                "--type system '{other}' is not loinc, snomed or local"
            ))
        }
    };
    let digits: String = code.chars().filter(|c| *c != '-').collect();
    let code = digits.parse::<u64>().map_err(|_| {
        anyhow!(
            "--type code '{code}' is not a number (LOINC codes keep their check digit: 11506-3)"
        )
    })?;
    Ok(RecordType { system, code })
}

pub fn show_record_type(t: &RecordType) -> String {
    match t.system {
        CodeSystem::Loinc => {
            let s = t.code.to_string();
            let (body, check) = s.split_at(s.len().saturating_sub(1));
            format!("loinc:{body}-{check}")
        }
        CodeSystem::Snomed => format!("snomed:{}", t.code),
        CodeSystem::Local => format!("local:{}", t.code),
    }
}

/// A block number from `BLOCK` or a duration (`30m`, `12h`, `7d`) from now, at 3 s a block.
pub fn parse_until(s: &str, now: u32) -> Result<u32> {
    if let Ok(block) = s.parse::<u32>() {
        return Ok(block);
    }
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: u64 = n.parse().map_err(|_| {
        anyhow!("--until '{s}' is neither a block number nor a duration such as 30m, 12h or 7d")
    })?;
    let seconds = match unit {
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(anyhow!("--until '{s}': a duration ends in m, h or d")),
    };
    let blocks = u32::try_from(seconds / 3).map_err(|_| anyhow!("--until '{s}' is too far"))?;
    Ok(now.saturating_add(blocks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_types_and_expiries_parse_or_say_why_not() {
        let t = parse_record_type("LOINC:11506-3").unwrap();
        assert!(matches!(t.system, CodeSystem::Loinc));
        assert_eq!(t.code, 115063);
        assert_eq!(show_record_type(&t), "loinc:11506-3");
        assert!(parse_record_type("11506-3").is_err());
        assert!(parse_record_type("icd:1").is_err());
        assert_eq!(parse_until("500", 10).unwrap(), 500);
        assert_eq!(parse_until("1h", 10).unwrap(), 10 + 1200);
        assert!(parse_until("soon", 10).is_err());
    }
}
