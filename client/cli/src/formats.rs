//! The text forms of values the commands take and show: record types (`--type`) and grant
//! expiries (`--until`), as `docs/formats.md` specifies them. The portal's `formats.ts` follows the
//! same text, and both pass `docs/vectors/record-types.json` and `expiries.json`.

use crate::chain::{CodeSystem, RecordType};
use anyhow::{anyhow, bail, Result};

/// LOINC's mod-10 check digit of a code's digits (the Luhn scheme, doubling from the right).
pub fn loinc_check_digit(digits: &str) -> u8 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match i % 2 {
                0 if d * 2 > 9 => d * 2 - 9,
                0 => d * 2,
                _ => d,
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses a record type: `loinc:11506-3`, `snomed:271649006` or `local:42`.
pub fn parse_record_type(text: &str) -> Result<RecordType> {
    let s = text.trim();
    let (system, code) = s
        .split_once(':')
        .ok_or_else(|| anyhow!("--type '{s}' needs a system and a code, such as loinc:11506-3"))?;
    match system.to_ascii_lowercase().as_str() {
        "loinc" => {
            let bad = || {
                anyhow!("LOINC code '{code}' ends with its check digit after a hyphen, such as loinc:11506-3")
            };
            let (body, check) = code.split_once('-').ok_or_else(bad)?;
            if !all_digits(body) || body.len() > 7 || check.len() != 1 || !all_digits(check) {
                return Err(bad());
            }
            if body.len() > 1 && body.starts_with('0') {
                bail!("LOINC code '{code}' has a leading zero");
            }
            let expected = loinc_check_digit(body);
            if check.as_bytes()[0] - b'0' != expected {
                bail!("LOINC code '{code}' has a wrong check digit: {body}-{expected} is valid");
            }
            let code = format!("{body}{check}").parse().map_err(|_| bad())?;
            Ok(RecordType {
                system: CodeSystem::Loinc,
                code,
            })
        }
        "snomed" => {
            let fits = all_digits(code) && (6..=18).contains(&code.len()) && !code.starts_with('0');
            let code = code.parse().ok().filter(|_| fits).ok_or_else(|| {
                anyhow!("SNOMED CT id '{code}' is not 6 to 18 digits without a leading zero")
            })?;
            Ok(RecordType {
                system: CodeSystem::Snomed,
                code,
            })
        }
        "local" => {
            let canonical = all_digits(code) && (code == "0" || !code.starts_with('0'));
            let code = code.parse().ok().filter(|_| canonical).ok_or_else(|| {
                anyhow!("local code '{code}' is not a number from 0 to 18446744073709551615")
            })?;
            Ok(RecordType {
                system: CodeSystem::Local,
                code,
            })
        }
        other => bail!("--type system '{other}' is not loinc, snomed or local"),
    }
}

/// A record type as the commands show it: the inverse of [`parse_record_type`].
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

/// A record type in SCALE: what its tag and its sealed form are of (`docs/formats.md`, "Type
/// tags").
pub fn type_bytes(t: &RecordType) -> [u8; crate::crypto::TYPE_LEN] {
    let system = match t.system {
        CodeSystem::Loinc => 0u8,
        CodeSystem::Snomed => 1,
        CodeSystem::Local => 2,
    };
    let mut bytes = [0u8; crate::crypto::TYPE_LEN];
    bytes[0] = system;
    bytes[1..].copy_from_slice(&t.code.to_le_bytes());
    bytes
}

/// The record type whose SCALE form `bytes` is.
pub fn type_from_bytes(bytes: &[u8; crate::crypto::TYPE_LEN]) -> Result<RecordType> {
    let system = match bytes[0] {
        0 => CodeSystem::Loinc,
        1 => CodeSystem::Snomed,
        2 => CodeSystem::Local,
        other => bail!("a record type of unknown coding system {other}"),
    };
    let mut code = [0u8; 8];
    code.copy_from_slice(&bytes[1..]);
    Ok(RecordType {
        system,
        code: u64::from_le_bytes(code),
    })
}

/// `t`'s tag under a patient's type key: the `typeTag` the chain holds.
pub fn type_tag(type_key: &crate::crypto::DataKey, t: &RecordType) -> Result<[u8; 32]> {
    crate::crypto::type_tag(type_key, &type_bytes(t))
}

/// `t` sealed under a record version's data key: its `sealedType`.
pub fn seal_type(
    data_key: &crate::crypto::DataKey,
    t: &RecordType,
) -> Result<[u8; crate::crypto::SEALED_TYPE_LEN]> {
    crate::crypto::seal_type(data_key, &type_bytes(t))
}

/// The type a record's `sealedType` holds, with its data key.
pub fn open_type(
    data_key: &crate::crypto::DataKey,
    sealed: &[u8; crate::crypto::SEALED_TYPE_LEN],
) -> Result<RecordType> {
    type_from_bytes(&crate::crypto::open_type(data_key, sealed)?)
}

/// The block a grant expires at: `N` is block N, `+N` is N blocks after `best`, and `30m`, `12h`
/// or `7d` is that long after `best` at `block_ms` per block, rounded up to a whole block.
pub fn parse_until(text: &str, best: u32, block_ms: u64) -> Result<u32> {
    let s = text.trim();
    let too_far = || anyhow!("expiry '{s}' is too far: blocks end at {}", u32::MAX);
    let not_future = || anyhow!("expiry '{s}' is not in the future");
    if all_digits(s) {
        return s.parse().map_err(|_| too_far());
    }
    let blocks: u64 = if let Some(n) = s.strip_prefix('+').filter(|n| all_digits(n)) {
        n.parse().map_err(|_| too_far())?
    } else if let Some((n, unit_ms)) = s
        .strip_suffix('m')
        .map(|n| (n, 60_000))
        .or_else(|| s.strip_suffix('h').map(|n| (n, 3_600_000)))
        .or_else(|| s.strip_suffix('d').map(|n| (n, 86_400_000)))
        .filter(|(n, _)| all_digits(n))
    {
        let n: u64 = n.parse().map_err(|_| too_far())?;
        if block_ms == 0 {
            bail!("the chain reports a block time of 0 ms");
        }
        n.checked_mul(unit_ms)
            .ok_or_else(too_far)?
            .div_ceil(block_ms)
    } else {
        bail!("expiry '{s}' is neither a block number (600), a number of blocks (+600) nor a duration such as 30m, 12h or 7d");
    };
    if blocks == 0 {
        return Err(not_future());
    }
    u64::from(best)
        .checked_add(blocks)
        .and_then(|until| u32::try_from(until).ok())
        .ok_or_else(too_far)
}

/// MED has 12 decimals.
pub const UNIT: u128 = 1_000_000_000_000;

/// An amount of MED as text, exactly: `5`, `0.25`.
pub fn show_med(amount: u128) -> String {
    let (whole, fraction) = (amount / UNIT, amount % UNIT);
    if fraction == 0 {
        return whole.to_string();
    }
    let fraction = format!("{fraction:012}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// Parses an amount of MED given to option `what`: `10000` or `10000.5`.
pub fn parse_med(s: &str, what: &str) -> Result<u128> {
    let bad = || anyhow!("{what} '{s}' is not an amount of MED such as 10000 or 12500.5");
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || fraction.len() > 12 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u128 = whole.parse().map_err(|_| bad())?;
    let fraction: u128 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<12}").parse().map_err(|_| bad())?
    };
    whole
        .checked_mul(UNIT)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_of_med_parse_exactly() {
        assert_eq!(parse_med("10000", "--bond").unwrap(), 10_000 * UNIT);
        assert_eq!(parse_med("0.5", "--bond").unwrap(), UNIT / 2);
        assert_eq!(parse_med("1.000000000001", "--bond").unwrap(), UNIT + 1);
        for text in ["5", "0.25", "1.000000000001", "12500.5"] {
            assert_eq!(show_med(parse_med(text, "--bond").unwrap()), text);
        }
        for bad in ["", "ten", "1.2.3", "1.0000000000001", "-5", ".5"] {
            let err = parse_med(bad, "--amount").unwrap_err().to_string();
            assert!(err.starts_with("--amount"), "{bad}: {err}");
        }
    }

    #[test]
    fn record_types_and_expiries_parse_or_say_why_not() {
        let t = parse_record_type("LOINC:11506-3").unwrap();
        assert!(matches!(t.system, CodeSystem::Loinc));
        assert_eq!(t.code, 115063);
        assert_eq!(show_record_type(&t), "loinc:11506-3");
        assert!(parse_record_type("11506-3").is_err());
        assert!(parse_record_type("icd:1").is_err());
        assert_eq!(parse_until("500", 10, 3000).unwrap(), 500);
        assert_eq!(parse_until("1h", 10, 3000).unwrap(), 10 + 1200);
        assert!(parse_until("soon", 10, 3000).is_err());
    }
}
