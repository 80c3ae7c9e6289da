//! What one attack measured, and the Markdown table of all of them.

use std::fmt::Write;
use std::time::Duration;

use super::observer::FrameStats;
use crate::report::{format_number, quantile};

/// An observer's rate without the attack and during it.
#[derive(Clone, Copy, Debug)]
pub struct Comparison {
    /// What is counted per second: "frames/s", "round trips/s".
    pub unit: &'static str,
    /// Without the attack.
    pub without: f64,
    /// During the attack.
    pub during: f64,
    /// 99th percentile gap between two frames, ms, without and during.
    pub p99_gap_ms: Option<(f64, f64)>,
}

impl Comparison {
    /// An observer's frames without and during an attack.
    pub fn frames(without: &FrameStats, during: &FrameStats) -> Comparison {
        Comparison {
            unit: "frames/s",
            without: without.per_second,
            during: during.per_second,
            p99_gap_ms: Some((ms(without.p99_gap), ms(during.p99_gap))),
        }
    }
}

/// The server's resident memory, KiB.
#[derive(Clone, Copy, Debug)]
pub struct Memory {
    /// Before the attack.
    pub before_kib: u64,
    /// The most during it.
    pub peak_kib: u64,
    /// Once it was over and the attackers gone.
    pub after_kib: u64,
}

/// One attack's figures, the details behind them, and the defences that
/// did not hold (none: the defence held).
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The attack, as named in the table.
    pub attack: String,
    /// An observer's rate without and during.
    pub observer: Option<Comparison>,
    /// The server's memory.
    pub memory: Option<Memory>,
    /// How long the server took to drop the attackers.
    pub drop_time: Option<String>,
    /// Everything else measured, one line each.
    pub details: Vec<String>,
    /// What did not hold, one line each.
    pub failures: Vec<String>,
}

impl Outcome {
    /// An outcome of `attack` with nothing measured yet.
    pub fn new(attack: impl Into<String>) -> Outcome {
        Outcome {
            attack: attack.into(),
            ..Outcome::default()
        }
    }

    /// Adds a line of detail.
    pub fn detail(&mut self, line: impl Into<String>) {
        self.details.push(line.into());
    }

    /// Records that a defence did not hold when `failed`.
    pub fn check(&mut self, failed: bool, what: impl Into<String>) {
        if failed {
            self.failures.push(what.into());
        }
    }

    /// Whether every defence held.
    pub fn held(&self) -> bool {
        self.failures.is_empty()
    }

    /// The outcome as Markdown: a heading, then its details and failures.
    pub fn details_markdown(&self) -> String {
        let mut out = format!("### {}\n\n", self.attack);
        for line in &self.details {
            let _ = writeln!(out, "- {line}");
        }
        for line in &self.failures {
            let _ = writeln!(out, "- **did NOT hold**: {line}");
        }
        out
    }
}

/// The Markdown table of `outcomes`, one row each.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = String::from(
        "| attack | observer: without → during | during / without | observer p99 gap, ms: without → during | server RSS, MiB: before / peak / after | time to drop the attackers | defence |\n\
         | --- | --- | ---: | --- | --- | --- | --- |\n",
    );
    for o in outcomes {
        let (rate, ratio, gaps) = match &o.observer {
            Some(c) => (
                format!("{:.1} → {:.1} {}", c.without, c.during, c.unit),
                if c.without > 0.0 {
                    format!("{:.2}", c.during / c.without)
                } else {
                    "–".into()
                },
                c.p99_gap_ms
                    .map_or("–".into(), |(w, d)| format!("{w:.0} → {d:.0}")),
            ),
            None => ("–".into(), "–".into(), "–".into()),
        };
        let memory = o.memory.map_or("–".into(), |m| {
            format!(
                "{} / {} / {}",
                mib(m.before_kib),
                mib(m.peak_kib),
                mib(m.after_kib)
            )
        });
        let verdict = if o.held() { "held" } else { "**did NOT hold**" };
        let _ = writeln!(
            out,
            "| {} | {rate} | {ratio} | {gaps} | {memory} | {} | {verdict} |",
            o.attack,
            o.drop_time.as_deref().unwrap_or("–"),
        );
    }
    out
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

/// A byte count: "512 B", "5.2 KiB", "103.4 MiB".
pub fn bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}

/// Milliseconds of `d`.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// "median 60.04 s, max 60.10 s" of `times` (in ms when under a second),
/// or "none".
pub fn spread(times: &[Duration]) -> String {
    let secs: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
    match (quantile(&secs, 0.5), quantile(&secs, 1.0)) {
        (Some(median), Some(max)) if max < 1.0 => {
            format!("median {:.1} ms, max {:.1} ms", median * 1e3, max * 1e3)
        }
        (Some(median), Some(max)) => format!("median {median:.2} s, max {max:.2} s"),
        _ => "none".into(),
    }
}

/// `n` with thousands separated by commas.
pub fn count(n: usize) -> String {
    format_number(n as f64, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_shows_the_ratio_and_the_verdict() {
        let mut outcome = Outcome::new("flood");
        outcome.observer = Some(Comparison {
            unit: "frames/s",
            without: 20.0,
            during: 19.0,
            p99_gap_ms: Some((51.0, 60.0)),
        });
        outcome.check(true, "the attacker stayed");
        let text = table(&[outcome.clone()]);
        assert!(
            text.contains(
                "| flood | 20.0 → 19.0 frames/s | 0.95 | 51 → 60 | – | – | **did NOT hold** |"
            ),
            "{text}"
        );
        assert!(outcome.details_markdown().contains("the attacker stayed"));
    }

    #[test]
    fn counts_and_spreads_read_well() {
        assert_eq!(count(18_000), "18,000");
        assert_eq!(count(999), "999");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(5 * 1024 + 200), "5.2 KiB");
        assert_eq!(
            spread(&[Duration::from_secs(1), Duration::from_secs(3)]),
            "median 2.00 s, max 3.00 s"
        );
        assert_eq!(
            spread(&[Duration::from_millis(2), Duration::from_millis(4)]),
            "median 3.0 ms, max 4.0 ms"
        );
    }
}
