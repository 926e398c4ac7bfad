//! Line-independent fingerprints, so that findings keep their identity when code moves.
//!
//! A fingerprint hashes the rule id, the file path and the matched source text with its
//! whitespace collapsed, plus the finding's rank among identical matches in the same file.
//! Moving code up or down, re-indenting it or editing other lines leaves it unchanged.

use crate::finding::Finding;
use std::collections::HashMap;

/// Fill in `fingerprint` for every finding of one file.
pub fn assign(findings: &mut [Finding]) {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for finding in findings.iter_mut() {
        let mut hash = Fnv64::new();
        hash.write(finding.rule_id.as_bytes());
        hash.write(&[0]);
        hash.write(finding.path.as_bytes());
        hash.write(&[0]);
        for word in finding.snippet.split_whitespace() {
            hash.write(word.as_bytes());
            hash.write(b" ");
        }
        let base = hash.finish();
        let rank = seen.entry(base).or_insert(0);
        hash.write(&rank.to_le_bytes());
        *rank += 1;
        finding.fingerprint = format!("{:016x}", hash.finish());
    }
}

/// FNV-1a, 64 bit: stable across platforms and releases, unlike `std`'s `DefaultHasher`.
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
