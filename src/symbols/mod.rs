//! The names a file binds, and what each one refers to.
//!
//! Built once per file (see [`crate::parse::ParsedFile::symbols`]): Python imports in every form
//! (`import a.b as c`, `from x import y as z`, relative and star imports), module-level aliases
//! (`get = requests.get`, `Dep = Depends(f)`, `X = Annotated[T, Depends(f)]`, `type X = …`) and
//! the functions and classes the file defines; Rust `use` trees (groups, globs, `self`, `super`,
//! `crate`, renames) and items. [`FileSymbols::resolve`] turns a name as written
//! (`stripe_lib.Refund.create`, `text`, `query_as`) into the qualified name it refers to
//! (`stripe.Refund.create`, `sqlalchemy.text`, `sqlx::query_as`), which is what rules name.

pub(crate) mod python;
pub(crate) mod rust;

use crate::parse::ParsedFile;
use crate::source::Language;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// How many aliases deep a name is followed (`a = b; b = c.d`).
const MAX_ALIAS_DEPTH: usize = 8;
/// A name pattern with more `{a,b}` groups than this gets no pre-filter literal.
const MAX_ALTERNATIONS: usize = 4;

/// What one file's names refer to. Every scanned file's symbols stay in memory until the link:
/// local names, definitions and most imported paths are short enough to be kept inline
/// (`CompactString`, up to 24 bytes) instead of in an allocation each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSymbols {
    /// The file's own module path, derived from its path (`payments.views`, `crate::handlers`).
    pub module: String,
    /// Local name → the qualified name it was imported as (`np` → `numpy`,
    /// `text` → `sqlalchemy.text`, `Json` → `axum::Json`).
    pub imports: Vec<(CompactString, CompactString)>,
    /// Modules whose names are all imported (`from x import *`, `use x::*`).
    pub globs: Vec<String>,
    /// Module-level aliases: name → the expression it stands for, as written
    /// (`get` → `requests.get`, `WalletsWrite` → `Annotated[Subject, Depends(auth)]`).
    pub aliases: Vec<(CompactString, CompactString)>,
    /// Names of the functions, classes and other items defined at the top of the file.
    pub definitions: Vec<CompactString>,
    /// Imports inside functions (`def render(): from app.daos import DatasetDAO`), local name →
    /// qualified name: a name the module level leaves unbound resolves through them.
    #[serde(default)]
    pub local_imports: Vec<(CompactString, CompactString)>,
    /// Names the module's own top-level assignments bind (`DEBUG = False`), Python.
    #[serde(default)]
    pub assigned: Vec<CompactString>,
}

/// Whether a module found by its file's path (`lnbits.core.crud`, from
/// `lnbits/core/crud.py`) is the module a qualified name names (`core.crud`, or
/// `lnbits.core.crud` when the scan starts above the package); `pkg` also names `pkg.auth`, whose
/// names `pkg/__init__.py` may re-export (also when the scan starts above: `src.pkg.auth`). Rust
/// paths compare the same way.
pub fn same_module(found: &str, named: &str) -> bool {
    let sep = separator(found, named);
    is_module(found, named)
        || found.starts_with(&format!("{named}{sep}"))
        || found.contains(&format!("{sep}{named}{sep}"))
}

/// Whether the module `found` is the module `named` itself, up to the package root the scan
/// started from (`app.views` is `src.app.views`, and the other way round), not a module of the
/// package below it.
pub fn is_module(found: &str, named: &str) -> bool {
    let sep = separator(found, named);
    found == named
        || found.ends_with(&format!("{sep}{named}"))
        || named.ends_with(&format!("{sep}{found}"))
}

fn separator(found: &str, named: &str) -> &'static str {
    if found.contains("::") || named.contains("::") {
        "::"
    } else {
        "."
    }
}

/// What a written name refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// Bound by an import, an alias or a definition of the file (or, in Rust, an absolute path
    /// or a crate name; in Python, a builtin).
    Qualified(String),
    /// Nothing in the file binds the name's first part; the text is all there is.
    Unresolved(String),
}

impl Resolved {
    /// The qualified name, when something in the file binds the name.
    pub fn qualified(self) -> Option<String> {
        match self {
            Resolved::Qualified(name) => Some(name),
            Resolved::Unresolved(_) => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Resolved::Qualified(name) | Resolved::Unresolved(name) => name,
        }
    }
}

impl FileSymbols {
    /// Collect the symbols of a parsed file.
    pub fn build(file: &ParsedFile) -> FileSymbols {
        match file.language() {
            Language::Python => python::symbols(file),
            Language::Rust => rust::symbols(file),
        }
    }

    fn separator(&self, language: Language) -> &'static str {
        match language {
            Language::Python => ".",
            Language::Rust => "::",
        }
    }

    /// The qualified name of a name as written in this file (`stripe_lib.Refund.create`,
    /// `Command::new`, `query_as::<_, T>`): its first part expanded through the file's imports,
    /// aliases and definitions.
    pub fn resolve(&self, language: Language, written: &str) -> Resolved {
        self.resolve_within(language, written, MAX_ALIAS_DEPTH)
    }

    /// [`FileSymbols::resolve`], following at most `budget` aliases (they may form cycles:
    /// `a = b()`, `b = a()`).
    fn resolve_within(&self, language: Language, written: &str, budget: usize) -> Resolved {
        let sep = self.separator(language);
        let mut current = normalise(language, written);
        for step in 0..budget {
            let (head, rest) = match current.split_once(sep) {
                Some((head, rest)) => (head.to_string(), Some(rest.to_string())),
                None => (current.clone(), None),
            };
            let join = |base: &str| match &rest {
                Some(rest) => format!("{base}{sep}{rest}"),
                None => base.to_string(),
            };
            if let Some((_, target)) = self.imports.iter().rev().find(|(local, _)| *local == head) {
                return Resolved::Qualified(self.absolute(language, &join(target)));
            }
            if let Some((_, value)) = self.aliases.iter().rev().find(|(local, _)| *local == head) {
                if is_dotted(language, value) && *value != head {
                    current = join(value);
                    continue;
                }
                // An instance: `auth = HTTPTokenAuth()` makes `auth.login_required` a method of
                // `flask_httpauth.HTTPTokenAuth()`.
                if let Some(class) = constructor(language, value) {
                    if class != head {
                        let left = budget.saturating_sub(step + 1);
                        return match self.resolve_within(language, class, left) {
                            Resolved::Qualified(class) => {
                                Resolved::Qualified(join(&format!("{class}()")))
                            }
                            Resolved::Unresolved(class) => {
                                Resolved::Unresolved(join(&format!("{class}()")))
                            }
                        };
                    }
                }
            }
            if self.definitions.iter().any(|d| d == head) {
                return Resolved::Qualified(join(&format!("{}{sep}{head}", self.module)));
            }
            if let Some((_, target)) = self.local_imports.iter().find(|(local, _)| *local == head) {
                return Resolved::Qualified(self.absolute(language, &join(target)));
            }
            return match language {
                Language::Python if rest.is_none() && python::is_builtin(&head) => {
                    Resolved::Qualified(format!("builtins.{head}"))
                }
                Language::Python => Resolved::Unresolved(current),
                Language::Rust => rust::unbound(self, &head, &current),
            };
        }
        Resolved::Unresolved(current)
    }

    /// A module-level alias's value as written, when `name` is one.
    pub fn alias(&self, name: &str) -> Option<&str> {
        self.aliases
            .iter()
            .rev()
            .find(|(local, _)| local == name)
            .map(|(_, value)| value.as_str())
    }

    /// `crate::`/`self::`/`super::` paths made absolute against the file's module (Rust); Python
    /// names are already absolute once imported.
    fn absolute(&self, language: Language, path: &str) -> String {
        match language {
            Language::Python => path.to_string(),
            Language::Rust => rust::absolute(&self.module, path),
        }
    }
}

/// The written name without generic arguments and white space (`query_as::<_, T>` →
/// `query_as`, `a . b` → `a.b`).
fn normalise(language: Language, written: &str) -> String {
    let compact: String = written.chars().filter(|c| !c.is_whitespace()).collect();
    match language {
        Language::Python => compact,
        Language::Rust => {
            let mut out = String::new();
            let mut depth = 0usize;
            for c in compact.chars() {
                match c {
                    '<' => depth += 1,
                    '>' => depth = depth.saturating_sub(1),
                    _ if depth == 0 => out.push(c),
                    _ => {}
                }
            }
            out.replace("::::", "::").trim_end_matches("::").to_string()
        }
    }
}

/// The class a module-level value constructs (`HTTPTokenAuth(scheme="Bearer")` →
/// `HTTPTokenAuth`), when the value is a call of a plain name.
fn constructor(language: Language, value: &str) -> Option<&str> {
    let (callee, _) = value.split_once('(')?;
    let callee = callee.trim();
    (value.trim_end().ends_with(')') && is_dotted(language, callee)).then_some(callee)
}

/// Whether `text` is a plain (dotted or `::`) name.
fn is_dotted(language: Language, text: &str) -> bool {
    let sep_ok = |c: char| match language {
        Language::Python => c == '.',
        Language::Rust => c == ':',
    };
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || sep_ok(c))
        && !text.starts_with(|c: char| c.is_ascii_digit())
}

/// A list of qualified-name patterns (`stripe.*.create`, `sqlalchemy.{text,sql.text}`,
/// `std::process::Command::new`), as rules write them: `*` stands for one part of a name, `**`
/// for any number of parts, `{a,b}` for either.
#[derive(Debug)]
pub struct NamePatterns {
    set: globset::GlobSet,
    /// The last part of every pattern without wildcards: one of them must occur in a file
    /// for a name in it to match (a pre-filter literal).
    pub last_parts: Option<Vec<String>>,
    /// Some pattern names a method or attribute of an instance (`ldap3.Connection()`).
    pub instances: bool,
}

impl NamePatterns {
    pub fn new(patterns: &[String]) -> Result<NamePatterns, String> {
        let mut builder = globset::GlobSetBuilder::new();
        let mut last_parts = Some(Vec::new());
        for pattern in patterns {
            let slashed = to_slashes(pattern);
            let glob = globset::GlobBuilder::new(&slashed)
                .literal_separator(true)
                .build()
                .map_err(|err| format!("`{pattern}` is not a valid name pattern: {err}"))?;
            builder.add(glob);
            // Spelling out alternations is exponential in their number: past a few, no literal.
            if slashed.matches('{').count() > MAX_ALTERNATIONS {
                last_parts = None;
                continue;
            }
            for expanded in expand_braces(&slashed) {
                let last = expanded.rsplit('/').next().unwrap_or("");
                match &mut last_parts {
                    Some(parts)
                        if !last.is_empty()
                            && last.chars().all(|c| c.is_alphanumeric() || c == '_') =>
                    {
                        parts.push(last.to_string())
                    }
                    _ => last_parts = None,
                }
            }
        }
        if let Some(parts) = &mut last_parts {
            parts.sort();
            parts.dedup();
        }
        let set = builder
            .build()
            .map_err(|err| format!("invalid name patterns: {err}"))?;
        let instances = patterns.iter().any(|pattern| pattern.contains("()"));
        Ok(NamePatterns {
            set,
            last_parts,
            instances,
        })
    }

    /// Whether a qualified name matches one of the patterns.
    pub fn matches(&self, qualified: &str) -> bool {
        self.set.is_match(to_slashes(qualified))
    }
}

/// Every spelling of a pattern with `{a,b}` alternations (not nested) written out.
fn expand_braces(pattern: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (pattern.find('{'), pattern.find('}')) else {
        return vec![pattern.to_string()];
    };
    if close < open {
        return vec![pattern.to_string()];
    }
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    pattern[open + 1..close]
        .split(',')
        .flat_map(|choice| expand_braces(&format!("{head}{choice}{tail}")))
        .collect()
}

/// `a.b::c` → `a/b/c`, so that glob wildcards stop at each part of a name.
fn to_slashes(name: &str) -> String {
    name.replace("::", "/").replace('.', "/")
}

#[cfg(test)]
mod tests;
