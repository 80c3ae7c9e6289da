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

/// One line of the table: a metric and its value per column (`None`
/// where not measured).
#[derive(Clone, Debug)]
pub struct Row {
    /// What is measured, with its unit.
    pub metric: String,
    /// One value per column.
    pub values: Vec<Option<f64>>,
    /// Digits after the decimal point.
    pub decimals: usize,
}

/// A ratio column: `name`, computed as `values[numerator] / values[denominator]`.
#[derive(Clone, Debug)]
pub struct Ratio {
    /// Column heading.
    pub name: String,
    /// Index of the numerator column.
    pub numerator: usize,
    /// Index of the denominator column.
    pub denominator: usize,
}

/// A Markdown table: one column per entry of `columns`, then the ratios.
pub fn table(columns: &[String], rows: &[Row], ratios: &[Ratio]) -> String {
    let mut out = String::from("| metric |");
    for column in columns {
        let _ = write!(out, " {column} |");
    }
    for ratio in ratios {
        let _ = write!(out, " {} |", ratio.name);
    }
    out.push_str("\n| --- |");
    for _ in 0..columns.len() + ratios.len() {
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
        for ratio in ratios {
            let num = row.values.get(ratio.numerator).copied().flatten();
            let den = row.values.get(ratio.denominator).copied().flatten();
            match (num, den) {
                (Some(n), Some(d)) if d != 0.0 => {
                    let _ = write!(out, " {:.2} |", n / d);
                }
                _ => out.push_str(" – |"),
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
    fn table_has_ratios() {
        let rows = [Row {
            metric: "rate".into(),
            values: vec![Some(200.0), Some(100.0), None],
            decimals: 0,
        }];
        let ratios = [
            Ratio {
                name: "a/b".into(),
                numerator: 0,
                denominator: 1,
            },
            Ratio {
                name: "a/c".into(),
                numerator: 0,
                denominator: 2,
            },
        ];
        let text = table(&["a".into(), "b".into(), "c".into()], &rows, &ratios);
        assert!(
            text.contains("| rate | 200 | 100 | – | 2.00 | – |"),
            "{text}"
        );
    }
}
