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

/// Two-sided 95 % quantile of Student's t with `df` degrees of freedom (normal beyond 30).
fn t_975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        d if d <= 30 => T[d - 1],
        _ => 1.96,
    }
}

/// Mean of `values` and the half-width of its 95 % confidence interval (Student's t over the
/// runs, which are independent seeds).
pub fn mean_ci(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::INFINITY);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    (mean, t_975(n - 1) * (var / n as f64).sqrt())
}

/// Wilson's 95 % interval for a proportion of `k` in `n` trials; with k = 0 its upper end is
/// about 3.84 / n.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (z, n, p) = (1.96f64, n as f64, k as f64 / n as f64);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
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
    fn intervals_cover_what_they_should() {
        let (m, h) = mean_ci(&[1.0, 2.0, 3.0, 4.0]);
        // s = 1.291, t(3) = 3.182: 3.182 * 1.291 / 2.
        assert!(
            (m - 2.5).abs() < 1e-12 && (h - 2.054).abs() < 1e-3,
            "{m} {h}"
        );
        let (lo, hi) = wilson(0, 1_000_000);
        assert_eq!(lo, 0.0);
        assert!(hi > 3.8e-6 && hi < 3.9e-6, "{hi}");
        let (lo, hi) = wilson(50, 100);
        assert!(
            lo < 0.5 && hi > 0.5 && (hi - lo - 0.192).abs() < 0.01,
            "{lo} {hi}"
        );
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
