//! Baselines: the findings a project has accepted for now, recorded by fingerprint, so that a scan
//! reports only new ones. Fingerprints survive code moving within a file and unrelated edits
//! (see [`crate::fingerprint`]).

use crate::finding::Finding;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The baseline file format version.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One accepted finding; all but the fingerprint are for people reading the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule_id: String,
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// What comparing a scan with a baseline found.
#[derive(Debug, Default)]
pub struct Compared {
    /// Findings the baseline does not know.
    pub new: Vec<Finding>,
    /// Baseline entries no finding matched any more (fixed, or their code changed).
    pub stale: Vec<Entry>,
}

impl Baseline {
    /// A baseline accepting every one of `findings`.
    pub fn of(findings: &[Finding]) -> Baseline {
        let findings = findings
            .iter()
            .map(|finding| Entry {
                fingerprint: finding.fingerprint.clone(),
                rule_id: finding.rule_id.clone(),
                path: finding.path.clone(),
                line: finding.start.line,
                message: finding.message.clone(),
            })
            .collect();
        Baseline {
            version: VERSION,
            findings,
        }
    }

    /// Read a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read baseline `{}`: {err}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|err| format!("`{}` is not a tollgate baseline: {err}", path.display()))?;
        if baseline.version != VERSION {
            return Err(format!(
                "baseline `{}` has version {}, this tollgate reads version {VERSION}",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    /// Split `findings` into new ones and report the entries nothing matched.
    pub fn compare(&self, findings: Vec<Finding>) -> Compared {
        let mut known: HashMap<&str, Vec<&Entry>> = HashMap::new();
        for entry in &self.findings {
            known.entry(&entry.fingerprint).or_default().push(entry);
        }
        let mut compared = Compared::default();
        for finding in findings {
            let matched = known
                .get_mut(finding.fingerprint.as_str())
                .and_then(|entries| entries.pop());
            if matched.is_none() {
                compared.new.push(finding);
            }
        }
        let mut stale: Vec<Entry> = known.into_values().flatten().cloned().collect();
        stale.sort_by(|a, b| (&a.path, a.line, &a.rule_id).cmp(&(&b.path, b.line, &b.rule_id)));
        compared.stale = stale;
        compared
    }
}
