//! `--diff-base REF`: the lines added or changed since the merge base of `REF` and `HEAD`
//! (committed, staged and unstaged changes, and untracked files), from `git` run as a subprocess.

use crate::finding::Finding;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Changed lines per file, keyed by absolute path.
#[derive(Debug, Default)]
pub struct ChangedLines {
    files: HashMap<PathBuf, Lines>,
}

#[derive(Debug)]
enum Lines {
    /// A new (untracked) file: every line counts.
    All,
    Some(HashSet<usize>),
}

impl ChangedLines {
    /// Compute the lines changed in the repository holding the working directory since the merge
    /// base of `base` and `HEAD`.
    pub fn since(base: &str) -> Result<ChangedLines, String> {
        let root = PathBuf::from(
            git(&["rev-parse", "--show-toplevel"])
                .map_err(|err| format!("--diff-base needs a git repository: {err}"))?,
        );
        let merge_base = git(&["merge-base", base, "HEAD"])
            .map_err(|err| format!("--diff-base: no merge base with `{base}`: {err}"))?;
        let diff = git(&[
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "-M",
            &merge_base,
            "--",
        ])?;
        let mut changed = parse_diff(&diff, &root);
        let untracked = git(&["ls-files", "--others", "--exclude-standard", "--full-name"])?;
        for path in untracked.lines().filter(|line| !line.is_empty()) {
            changed.files.insert(root.join(path), Lines::All);
        }
        Ok(changed)
    }

    /// Whether any line of the finding was added or changed.
    pub fn touches(&self, finding: &Finding) -> bool {
        let path = absolute(Path::new(&finding.path));
        match self.files.get(&path) {
            Some(Lines::All) => true,
            Some(Lines::Some(lines)) => {
                (finding.start.line..=finding.end.line).any(|line| lines.contains(&line))
            }
            None => false,
        }
    }
}

/// The added lines of a `git diff --unified=0` output, by file.
fn parse_diff(diff: &str, root: &Path) -> ChangedLines {
    let mut changed = ChangedLines::default();
    let mut current: Option<PathBuf> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = path.strip_prefix("b/").map(|path| root.join(path));
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
            // `@@ -a,b +c,d @@`: lines c .. c+d-1 of the new file (d defaults to 1).
            let Some(added) = hunk.split_whitespace().find(|part| part.starts_with('+')) else {
                continue;
            };
            let mut numbers = added[1..].split(',');
            let start: usize = numbers.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            let count: usize = numbers.next().and_then(|n| n.parse().ok()).unwrap_or(1);
            let entry = changed
                .files
                .entry(path.clone())
                .or_insert_with(|| Lines::Some(HashSet::new()));
            if let Lines::Some(lines) = entry {
                lines.extend(start..start + count);
            }
        }
    }
    changed
}

/// Run git in the working directory; its trimmed standard output, or its error.
fn git(args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|err| format!("cannot run git: {err}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(stderr.trim().to_string());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// An absolute, symlink-free form of a path relative to the working directory.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|dir| dir.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}

#[cfg(test)]
mod tests {
    use super::{parse_diff, Lines};
    use std::path::Path;

    #[test]
    fn added_lines_are_read_from_hunk_headers() {
        let diff = "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -3,0 +4,2 @@\n+a\n+b\n@@ -10 +12 @@\n-x\n+y\n--- a/gone.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n";
        let changed = parse_diff(diff, Path::new("/repo"));
        let Some(Lines::Some(lines)) = changed.files.get(Path::new("/repo/app.py")) else {
            panic!("app.py missing: {changed:?}");
        };
        let mut lines: Vec<_> = lines.iter().copied().collect();
        lines.sort();
        assert_eq!(lines, [4, 5, 12]);
        assert_eq!(changed.files.len(), 1);
    }
}
