//! `--diff-base REF`: the lines added or changed since the merge base of `REF` and `HEAD`
//! (committed, staged and unstaged changes, and untracked files), from `git` run as a subprocess.
//!
//! git is read so that no name and no configuration can hide a change: explicit `a/`/`b/`
//! prefixes (whatever `diff.noprefix` or `diff.mnemonicPrefix` say), quoted names unquoted,
//! NUL-separated file lists, and every command the repository's configuration could start
//! (fsmonitor, hooks, external diff, textconv) switched off.

use crate::finding::Finding;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Settings given to every git call; they override the repository's and the user's configuration.
const SAFE_CONFIG: &[&str] = &[
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.quotePath=false",
    "core.untrackedCache=false",
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
    "diff.relative=false",
    "color.ui=false",
];

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
        if base.is_empty() || base.starts_with('-') {
            return Err(format!("--diff-base: `{base}` is not a git revision"));
        }
        let cwd = std::env::current_dir()
            .map_err(|err| format!("--diff-base: no working directory: {err}"))?;
        let top = git(&cwd, &["rev-parse", "--show-toplevel"])
            .map_err(|err| format!("--diff-base needs a git repository: {err}"))?;
        let root = path_from_bytes(top.strip_suffix(b"\n").unwrap_or(&top));
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        let merge_base = git(&root, &["merge-base", base, "HEAD"])
            .map_err(|err| format!("--diff-base: no merge base with `{base}`: {err}"))?;
        let merge_base = String::from_utf8_lossy(&merge_base).trim().to_string();
        let diff = git(
            &root,
            &[
                "diff",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--no-relative",
                "--unified=0",
                "--inter-hunk-context=0",
                "-M",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                &merge_base,
                "--",
            ],
        )?;
        let mut changed = parse_diff(&diff, &root);
        let untracked = git(&root, &["ls-files", "-z", "--others", "--exclude-standard"])?;
        for path in untracked.split(|&byte| byte == 0).filter(|p| !p.is_empty()) {
            changed
                .files
                .insert(root.join(path_from_bytes(path)), Lines::All);
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

/// The added lines of a `git diff --unified=0 --dst-prefix=b/` output, by file.
///
/// Content lines start with `+`, `-`, ` ` or `\`, so `diff --git `, `+++ ` (before a file's first
/// hunk) and `@@ ` lines are always headers, whatever the changed code contains.
fn parse_diff(diff: &[u8], root: &Path) -> ChangedLines {
    let mut changed = ChangedLines::default();
    let mut current: Option<PathBuf> = None;
    let mut in_header = false;
    for line in diff.split(|&byte| byte == b'\n') {
        if line.starts_with(b"diff --git ") {
            in_header = true;
            current = None;
        } else if let (true, Some(name)) = (in_header, line.strip_prefix(b"+++ ")) {
            current = new_name(name).map(|path| root.join(path));
        } else if let Some(hunk) = line.strip_prefix(b"@@ ") {
            in_header = false;
            let (Some(path), Some((start, count))) = (&current, added_range(hunk)) else {
                continue;
            };
            let entry = changed
                .files
                .entry(path.clone())
                .or_insert_with(|| Lines::Some(HashSet::new()));
            if let Lines::Some(lines) = entry {
                lines.extend(start..start.saturating_add(count));
            }
        }
    }
    changed
}

/// The new file's lines of a hunk header's rest, `-a,b +c,d @@ …`: `c` and `d` (default 1).
fn added_range(hunk: &[u8]) -> Option<(usize, usize)> {
    let text = std::str::from_utf8(hunk.split(|&b| b == b'@').next()?).ok()?;
    let added = text
        .split_whitespace()
        .find_map(|part| part.strip_prefix('+'))?;
    let mut numbers = added.split(',');
    let start = numbers.next()?.parse().ok()?;
    let count = match numbers.next() {
        Some(count) => count.parse().ok()?,
        None => 1,
    };
    Some((start, count))
}

/// The path in a `+++ ` line: `b/NAME`, `"b/QUOTED"` or `/dev/null` (a deletion).
fn new_name(name: &[u8]) -> Option<PathBuf> {
    let unquoted = if name.starts_with(b"\"") {
        unquote(name)?
    } else {
        // git ends a name that contains a space with a tab.
        let name = name.strip_suffix(b"\t").unwrap_or(name);
        name.to_vec()
    };
    unquoted.strip_prefix(b"b/").map(path_from_bytes)
}

/// A C-style quoted name as git writes it (`"a\tb\303\251\""`), unquoted to its bytes.
fn unquote(quoted: &[u8]) -> Option<Vec<u8>> {
    let inner = quoted.strip_prefix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().copied();
    while let Some(byte) = bytes.next() {
        match byte {
            b'"' => return Some(out),
            b'\\' => {
                let escaped = bytes.next()?;
                out.push(match escaped {
                    b'a' => 7,
                    b'b' => 8,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 11,
                    b'f' => 12,
                    b'r' => b'\r',
                    b'0'..=b'3' => {
                        let (mid, low) = (bytes.next()?, bytes.next()?);
                        if !(b'0'..=b'7').contains(&mid) || !(b'0'..=b'7').contains(&low) {
                            return None;
                        }
                        (escaped - b'0') * 64 + (mid - b'0') * 8 + (low - b'0')
                    }
                    other => other,
                });
            }
            other => out.push(other),
        }
    }
    None
}

/// A path from the bytes git printed (on Unix any bytes; elsewhere UTF-8).
pub(crate) fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    let name = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes).to_os_string();
    #[cfg(not(unix))]
    let name = std::ffi::OsString::from(String::from_utf8_lossy(bytes).into_owned());
    PathBuf::from(name)
}

/// Run git in `dir` with [`SAFE_CONFIG`] and without system configuration; its standard output,
/// or its error.
pub(crate) fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let mut command = Command::new("git");
    for setting in SAFE_CONFIG {
        command.arg("-c").arg(setting);
    }
    let output = command
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_PAGER")
        .output()
        .map_err(|err| format!("cannot run git: {err}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(crate::report::sanitize(stderr.trim()).into_owned());
    }
    Ok(output.stdout)
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
    use super::{parse_diff, unquote, Lines};
    use std::path::Path;

    fn lines(changed: &super::ChangedLines, path: &str) -> Vec<usize> {
        let Some(Lines::Some(lines)) = changed.files.get(Path::new(path)) else {
            panic!("{path} missing: {changed:?}");
        };
        let mut lines: Vec<_> = lines.iter().copied().collect();
        lines.sort();
        lines
    }

    #[test]
    fn added_lines_are_read_from_hunk_headers() {
        let diff = b"diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -3,0 +4,2 @@\n+a\n+b\n@@ -10 +12 @@\n-x\n+y\ndiff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n";
        let changed = parse_diff(diff, Path::new("/repo"));
        assert_eq!(lines(&changed, "/repo/app.py"), [4, 5, 12]);
        assert_eq!(changed.files.len(), 1);
    }

    #[test]
    fn content_that_looks_like_a_header_is_content() {
        // An added line `++ b/evil.py` shows as `+++ b/evil.py` inside a hunk.
        let diff = b"diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,0 +2,2 @@\n+++ b/evil.py\n+@@ -1 +900 @@\n";
        let changed = parse_diff(diff, Path::new("/r"));
        assert_eq!(lines(&changed, "/r/a.py"), [2, 3]);
        assert_eq!(changed.files.len(), 1);
    }

    #[test]
    fn quoted_and_spaced_names_are_read_exactly() {
        let diff = "diff --git a/x b/x\n--- a/x\n+++ \"b/new\\nline \\\"q\\\" \\303\\251.py\"\n@@ -0,0 +1 @@\n+x\ndiff --git a/s p.py b/s p.py\n--- a/s p.py\t\n+++ b/s p.py\t\n@@ -0,0 +7 @@\n+x\n";
        let changed = parse_diff(diff.as_bytes(), Path::new("/r"));
        assert_eq!(lines(&changed, "/r/new\nline \"q\" é.py"), [1]);
        assert_eq!(lines(&changed, "/r/s p.py"), [7]);
    }

    #[test]
    fn unquote_rejects_broken_quoting() {
        assert_eq!(unquote(b"\"a\\tb\"").unwrap(), b"a\tb");
        assert_eq!(unquote(b"\"\\101\"").unwrap(), b"A");
        assert_eq!(unquote(b"\"open"), None);
        assert_eq!(unquote(b"\"\\19\""), None);
    }
}
