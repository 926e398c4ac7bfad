//! `tollgate scan --profile`: where a scan spends its time, per phase, per rule and per file,
//! so that a security lead can see what their own rules cost.
//!
//! The per-file phases (read, parse, model, rules) and the rule times are summed over the worker
//! threads, so they add up to CPU time rather than to the wall time of the scan.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// When the process started (the first call; `cli::main` makes it first thing).
pub fn process_start() -> Instant {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

/// How many of the slowest files a profile lists.
const SLOWEST_FILES: usize = 10;

/// Time spent by one file's check, per rule id.
#[derive(Debug, Default)]
pub struct RuleTimes {
    times: HashMap<String, RuleTime>,
}

impl RuleTimes {
    /// Add `time` and `findings` to `rule`'s account on this file.
    pub fn add(&mut self, rule: &str, time: Duration, findings: usize) {
        let entry = match self.times.get_mut(rule) {
            Some(entry) => entry,
            None => self.times.entry(rule.to_string()).or_default(),
        };
        entry.time += time;
        entry.findings += findings;
    }
}

/// One rule's share of a scan.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RuleTime {
    pub rule_id: String,
    #[serde(serialize_with = "millis")]
    pub time: Duration,
    /// Files the rule was evaluated on (after the literal pre-filter).
    pub files: usize,
    pub findings: usize,
}

/// One file's share of a scan.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FileTime {
    pub path: String,
    #[serde(serialize_with = "millis")]
    pub time: Duration,
}

/// Time per phase. `startup` (loading rules and configuration), `discover`, `link` and `report`
/// are wall time; the others are summed over the worker threads. The JSON document is written
/// before `report` is known, so it carries 0 there.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Phases {
    #[serde(serialize_with = "millis")]
    pub startup: Duration,
    #[serde(serialize_with = "millis")]
    pub discover: Duration,
    #[serde(serialize_with = "millis")]
    pub read: Duration,
    #[serde(serialize_with = "millis")]
    pub parse: Duration,
    #[serde(serialize_with = "millis")]
    pub model: Duration,
    #[serde(serialize_with = "millis")]
    pub rules: Duration,
    #[serde(serialize_with = "millis")]
    pub link: Duration,
    #[serde(serialize_with = "millis")]
    pub report: Duration,
}

/// What `--profile` reports.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Profile {
    pub phases: Phases,
    /// Slowest first.
    pub rules: Vec<RuleTime>,
    /// Slowest first, at most ten.
    pub slowest_files: Vec<FileTime>,
}

/// One file's timings, gathered by the scan.
#[derive(Debug, Default)]
pub struct FileProfile {
    pub read: Duration,
    pub parse: Duration,
    pub model: Duration,
    pub rules: Duration,
    pub rule_times: RuleTimes,
}

impl Profile {
    /// Add one file's timings.
    pub fn add_file(&mut self, path: &str, file: FileProfile) {
        self.phases.read += file.read;
        self.phases.parse += file.parse;
        self.phases.model += file.model;
        self.phases.rules += file.rules;
        for (rule_id, time) in file.rule_times.times {
            match self.rules.iter_mut().find(|r| r.rule_id == rule_id) {
                Some(total) => {
                    total.time += time.time;
                    total.files += 1;
                    total.findings += time.findings;
                }
                None => self.rules.push(RuleTime {
                    rule_id,
                    files: 1,
                    ..time
                }),
            }
        }
        let total = file.read + file.parse + file.model + file.rules;
        self.slowest_files.push(FileTime {
            path: path.to_string(),
            time: total,
        });
        if self.slowest_files.len() > 4 * SLOWEST_FILES {
            self.trim_files();
        }
    }

    /// Sort rules and files slowest first and keep the slowest files only.
    pub fn finish(&mut self) {
        self.rules
            .sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.rule_id.cmp(&b.rule_id)));
        self.trim_files();
    }

    fn trim_files(&mut self) {
        self.slowest_files
            .sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.path.cmp(&b.path)));
        self.slowest_files.truncate(SLOWEST_FILES);
    }

    /// The profile as a plain-text table, for the terminal.
    pub fn render_text(&self) -> String {
        let ms = |d: Duration| format!("{:>9.1} ms", d.as_secs_f64() * 1000.0);
        let phases = &self.phases;
        let mut out = String::from(
            "Profile (read, parse, model and rules are summed over threads)\n\nphase\n",
        );
        for (name, time) in [
            ("startup", phases.startup),
            ("discover", phases.discover),
            ("read", phases.read),
            ("parse", phases.parse),
            ("model", phases.model),
            ("rules", phases.rules),
            ("link", phases.link),
            ("report", phases.report),
        ] {
            out.push_str(&format!("  {name:<10}{}\n", ms(time)));
        }
        out.push_str("\nrule                                         time   files  findings\n");
        for rule in &self.rules {
            out.push_str(&format!(
                "  {:<38}{} {:>7} {:>9}\n",
                rule.rule_id,
                ms(rule.time),
                rule.files,
                rule.findings
            ));
        }
        out.push_str("\nslowest files\n");
        for file in &self.slowest_files {
            out.push_str(&format!("  {} {}\n", ms(file.time), file.path));
        }
        out
    }
}

fn millis<S: serde::Serializer>(time: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((time.as_secs_f64() * 1e6).round() / 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_files_and_sorts_slowest_first() {
        let mut profile = Profile::default();
        for (path, rule_ms) in [("a.py", 3), ("b.py", 5)] {
            let mut file = FileProfile {
                parse: Duration::from_millis(1),
                rules: Duration::from_millis(rule_ms),
                ..FileProfile::default()
            };
            file.rule_times
                .add("slow", Duration::from_millis(rule_ms), 1);
            file.rule_times.add("fast", Duration::from_millis(1), 0);
            profile.add_file(path, file);
        }
        profile.finish();
        assert_eq!(profile.phases.parse, Duration::from_millis(2));
        let ids: Vec<_> = profile.rules.iter().map(|r| r.rule_id.as_str()).collect();
        assert_eq!(ids, ["slow", "fast"]);
        assert_eq!(profile.rules[0].time, Duration::from_millis(8));
        assert_eq!((profile.rules[0].files, profile.rules[0].findings), (2, 2));
        assert_eq!(profile.slowest_files[0].path, "b.py");
        assert!(profile.render_text().contains("slow"));
    }
}
