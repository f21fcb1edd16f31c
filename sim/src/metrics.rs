//! Concentration measures of a producer set.

/// `part / whole`, or 0 when there is no whole.
pub fn rate(part: f64, whole: f64) -> f64 {
    if whole == 0.0 {
        0.0
    } else {
        part / whole
    }
}

/// Gini coefficient of `values` (0 = equal, towards 1 = concentrated).
pub fn gini(values: &[u128]) -> f64 {
    let n = values.len();
    let total: f64 = values.iter().map(|v| *v as f64).sum();
    if n < 2 || total == 0.0 {
        return 0.0;
    }
    let mut sorted: Vec<f64> = values.iter().map(|v| *v as f64).collect();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64 + 1.0) * v)
        .sum();
    (2.0 * weighted) / (n as f64 * total) - (n as f64 + 1.0) / n as f64
}

/// Nakamoto coefficient by organisation: the fewest organisations that together hold at least a
/// third of the producers, enough to halt GRANDPA finality. `orgs` has one entry per producer.
pub fn nakamoto(orgs: &[u32]) -> u32 {
    if orgs.is_empty() {
        return 0;
    }
    let mut counts = std::collections::BTreeMap::new();
    for o in orgs {
        *counts.entry(*o).or_insert(0usize) += 1;
    }
    let mut sizes: Vec<usize> = counts.into_values().collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let needed = orgs.len().div_ceil(3);
    let mut held = 0;
    for (k, s) in sizes.iter().enumerate() {
        held += s;
        if held >= needed {
            return k as u32 + 1;
        }
    }
    sizes.len() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_of_equal_and_concentrated() {
        assert!(gini(&[5, 5, 5, 5]).abs() < 1e-12);
        let g = gini(&[0, 0, 0, 100]);
        assert!((g - 0.75).abs() < 1e-12, "{g}");
    }

    #[test]
    fn nakamoto_counts_organisations_to_a_third() {
        let one_each: Vec<u32> = (0..21).collect();
        assert_eq!(nakamoto(&one_each), 7);
        let mut whale = vec![99; 7];
        whale.extend(0..14);
        assert_eq!(nakamoto(&whale), 1);
    }
}
