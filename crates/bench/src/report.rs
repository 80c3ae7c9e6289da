//! Medians and the Markdown table the benchmark prints.

use std::fmt::Write;

/// The `q`-quantile of `values` (0.5 is the median), interpolating
/// between neighbours; `None` when empty.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    let weight = position - low as f64;
    Some(sorted[low] * (1.0 - weight) + sorted[high] * weight)
}

/// The median of `values` (the mean of the middle two for an even count),
/// or `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// A ratio between two columns: the median of the per-round ratios and
/// their interquartile range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairedRatio {
    /// Median of the per-round ratios.
    pub median: f64,
    /// First quartile.
    pub low: f64,
    /// Third quartile.
    pub high: f64,
}

/// One line of the table: a metric, its value per column (`None` where
/// not measured) and its ratios.
#[derive(Clone, Debug)]
pub struct Row {
    /// What is measured, with its unit.
    pub metric: String,
    /// One value per column.
    pub values: Vec<Option<f64>>,
    /// One value per ratio column.
    pub ratios: Vec<Option<PairedRatio>>,
    /// Digits after the decimal point of the values.
    pub decimals: usize,
}

/// The median over rounds of `numerator[i] / denominator[i]`: each round's
/// two figures were measured minutes apart at most, so pairing them
/// cancels much of the drift of a shared machine.
pub fn paired_ratio(numerator: &[f64], denominator: &[f64]) -> Option<PairedRatio> {
    let ratios: Vec<f64> = numerator
        .iter()
        .zip(denominator)
        .filter(|(_, d)| **d != 0.0)
        .map(|(n, d)| n / d)
        .collect();
    Some(PairedRatio {
        median: median(&ratios)?,
        low: quantile(&ratios, 0.25)?,
        high: quantile(&ratios, 0.75)?,
    })
}

/// A Markdown table: one column per entry of `columns`, then one per entry
/// of `ratio_names`, each cell the median ratio followed by its
/// interquartile range over the rounds.
pub fn table(columns: &[String], ratio_names: &[String], rows: &[Row]) -> String {
    let mut out = String::from("| metric |");
    for column in columns.iter().chain(ratio_names) {
        let _ = write!(out, " {column} |");
    }
    out.push_str("\n| --- |");
    for _ in 0..columns.len() + ratio_names.len() {
        out.push_str(" ---: |");
    }
    out.push('\n');
    for row in rows {
        let _ = write!(out, "| {} |", row.metric);
        for value in &row.values {
            match value {
                Some(v) => {
                    let _ = write!(out, " {} |", format_number(*v, row.decimals));
                }
                None => out.push_str(" – |"),
            }
        }
        for ratio in &row.ratios {
            match ratio {
                Some(r) if r.low == r.high => {
                    let _ = write!(out, " {:.2} |", r.median);
                }
                Some(r) => {
                    let _ = write!(out, " {:.2} ({:.2}–{:.2}) |", r.median, r.low, r.high);
                }
                None => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
    out
}

/// `value` with `decimals` digits after the point and thousands separated
/// grouped by commas.
pub fn format_number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text, None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", int.as_str()),
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(format_number(1234567.891, 1), "1,234,567.9");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_number(-1000.0, 0), "-1,000");
    }

    #[test]
    fn ratios_are_paired_by_round() {
        let ratio = paired_ratio(&[2.0, 9.0, 4.0], &[1.0, 3.0, 1.0]).unwrap();
        assert_eq!(ratio.median, 3.0);
        assert_eq!((ratio.low, ratio.high), (2.5, 3.5));
        assert_eq!(paired_ratio(&[1.0], &[0.0]), None);
    }

    #[test]
    fn table_has_ratio_columns() {
        let rows = [Row {
            metric: "rate".into(),
            values: vec![Some(2000.0), Some(100.0)],
            ratios: vec![Some(PairedRatio {
                median: 20.0,
                low: 19.0,
                high: 21.5,
            })],
            decimals: 0,
        }];
        let text = table(&["a".into(), "b".into()], &["a/b".into()], &rows);
        assert!(
            text.contains("| rate | 2,000 | 100 | 20.00 (19.00–21.50) |"),
            "{text}"
        );
    }
}
