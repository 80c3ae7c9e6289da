//! Medians and the Markdown table the benchmark prints.

use std::fmt::Write;

/// The median of `values` (the mean of the middle two for an even count),
/// or `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
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
    pub ratios: Vec<Option<f64>>,
    /// Digits after the decimal point of the values.
    pub decimals: usize,
}

/// The median over rounds of `numerator[i] / denominator[i]`: each round's
/// two figures were measured minutes apart at most, so pairing them
/// cancels much of the drift of a shared machine.
pub fn paired_ratio(numerator: &[f64], denominator: &[f64]) -> Option<f64> {
    let ratios: Vec<f64> = numerator
        .iter()
        .zip(denominator)
        .filter(|(_, d)| **d != 0.0)
        .map(|(n, d)| n / d)
        .collect();
    median(&ratios)
}

/// A Markdown table: one column per entry of `columns`, then one per entry
/// of `ratio_names`.
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
        let cells = row.values.iter().map(|v| (v, row.decimals));
        let ratio_cells = row.ratios.iter().map(|v| (v, 2));
        for (value, decimals) in cells.chain(ratio_cells) {
            match value {
                Some(v) => {
                    let _ = write!(out, " {} |", format_number(*v, decimals));
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
fn format_number(value: f64, decimals: usize) -> String {
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
        assert_eq!(paired_ratio(&[2.0, 9.0, 4.0], &[1.0, 3.0, 1.0]), Some(3.0));
        assert_eq!(paired_ratio(&[1.0], &[0.0]), None);
    }

    #[test]
    fn table_has_ratio_columns() {
        let rows = [Row {
            metric: "rate".into(),
            values: vec![Some(2000.0), Some(100.0)],
            ratios: vec![Some(20.0)],
            decimals: 0,
        }];
        let text = table(&["a".into(), "b".into()], &["a/b".into()], &rows);
        assert!(text.contains("| rate | 2,000 | 100 | 20.00 |"), "{text}");
    }
}
