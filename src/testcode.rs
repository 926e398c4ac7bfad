//! Test code recognition: test files and directories, rule or scanner fixture directories, and
//! test functions, classes and modules inside other files. Rules declared `test-code: skip`
//! report nothing there unless `[scan] include-tests = true`; the `in-test-code` condition asks
//! the same question of one node.

use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::{named_children, FieldChild};
use std::ops::Range;
use tree_sitter::Node;

/// Directories whose files are tests, benchmarks, examples or fixtures of rules and scanners,
/// and the demo and development projects that libraries ship beside their package
/// (`example_project/settings.py`, `devproject/settings.py`).
const TEST_DIRS: &[&str] = &[
    "tests",
    "test",
    "testing",
    "testutils",
    "benches",
    "examples",
    "example",
    "example_project",
    "example_app",
    "demo_project",
    "devproject",
    "dev_project",
    "sample_project",
    "testproject",
    "test_project",
    "testdata",
    "test_data",
    "fixtures",
    ".semgrep",
];

/// Whether a directory of that name holds tests, benchmarks, examples, fixtures or a demo
/// project ([`TEST_DIRS`]).
pub fn is_test_dir(name: &str) -> bool {
    TEST_DIRS.contains(&name)
}

/// Whether a file is test code by its path, relative to the scanned directory (`/`-separated):
/// a component in [`TEST_DIRS`], or a pytest/unittest or Rust test file name.
pub fn is_test_path(relative: &str) -> bool {
    let mut parts = relative.split('/').filter(|part| !part.is_empty());
    let Some(name) = parts.next_back() else {
        return false;
    };
    if parts.any(is_test_dir) {
        return true;
    }
    if let Some(stem) = name
        .strip_suffix(".py")
        .or_else(|| name.strip_suffix(".pyi"))
    {
        return stem.starts_with("test_")
            || is_sample_settings(stem)
            || stem.ends_with("_test")
            || stem.ends_with("_tests")
            || stem.ends_with("_testing")
            || matches!(stem, "tests" | "conftest");
    }
    name.strip_suffix(".rs").is_some_and(|stem| {
        matches!(stem, "tests" | "test") || stem.ends_with("_test") || stem.ends_with("_tests")
    })
}

/// A settings template operators copy and edit (`settings_example.py`,
/// `configuration_example.py`, `local_settings_sample.py`): a sample like `examples/`, not the
/// configuration a deployment runs with.
fn is_sample_settings(stem: &str) -> bool {
    ["_example", "_sample"].iter().any(|suffix| {
        stem.strip_suffix(suffix).is_some_and(|base| {
            base.ends_with("settings")
                || base.ends_with("configuration")
                || base.ends_with("config")
        })
    })
}

/// Whether a Python file's name says it supports tests without being one
/// (`create_test_data.py`, `testing_utils.py`): a part of its stem, split at `_`, is `test`,
/// `tests` or `testing`.
fn names_test_support(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".py").is_some_and(|stem| {
        stem.split('_')
            .any(|part| matches!(part, "test" | "tests" | "testing"))
    })
}

/// Test support files: Python files whose name says so ([`names_test_support`]) that only
/// test files import, at least one (a test suite's shared data and factories, which the
/// application never loads). `files` are (display path, symbols) of every scanned file.
pub fn support_files<'f>(
    files: impl Iterator<Item = (&'f str, &'f crate::symbols::FileSymbols)> + Clone,
    test_files: &std::collections::BTreeSet<String>,
) -> std::collections::BTreeSet<String> {
    let imports = |symbols: &crate::symbols::FileSymbols, module: &str| {
        symbols
            .imports
            .iter()
            .chain(&symbols.local_imports)
            .any(|(_, qualified)| {
                let parent = qualified.rsplit_once('.').map(|(parent, _)| parent);
                crate::symbols::is_module(module, qualified)
                    || parent.is_some_and(|parent| crate::symbols::is_module(module, parent))
            })
    };
    files
        .clone()
        .filter(|(path, _)| names_test_support(path) && !test_files.contains(*path))
        .filter(|(path, symbols)| {
            let mut importers = files
                .clone()
                .filter(|(other, _)| other != path)
                .filter(|(_, other)| imports(other, &symbols.module))
                .peekable();
            importers.peek().is_some() && importers.all(|(other, _)| test_files.contains(other))
        })
        .map(|(path, _)| path.to_string())
        .collect()
}

/// The parts of one file that are test code.
#[derive(Debug, Default)]
pub struct TestCode {
    /// The whole file (by its path).
    whole: bool,
    /// Byte ranges of test functions, test classes and `#[cfg(test)]` items.
    regions: Vec<Range<usize>>,
}

impl TestCode {
    /// No test code at all (what `include-tests = true` asks for).
    pub fn none() -> TestCode {
        TestCode::default()
    }

    /// The test code of `file`, a test file as a whole when `test_path` says so.
    pub fn of(file: &ParsedFile, test_path: bool) -> TestCode {
        if test_path {
            return TestCode {
                whole: true,
                regions: Vec::new(),
            };
        }
        let mut regions = Vec::new();
        let root = file.tree.root_node();
        match file.language() {
            Language::Python => python_regions(file, root, &mut regions),
            Language::Rust => rust_regions(file, root, &mut regions),
        }
        TestCode {
            whole: false,
            regions,
        }
    }

    /// Whether the code starting at byte `at` is test code.
    pub fn contains(&self, at: usize) -> bool {
        self.whole || self.regions.iter().any(|region| region.contains(&at))
    }
}

/// Python: functions named `test…` (unless they are HTTP handlers), functions under
/// `mock.patch`/`patch`/`pytest` decorators, and classes named `Test…` or derived from a `TestCase`.
fn python_regions(file: &ParsedFile, node: Node, out: &mut Vec<Range<usize>>) {
    for child in file.named_children(node) {
        let (definition, decorators) = if child.kind() == "decorated_definition" {
            let decorators: Vec<&str> = file
                .named_children(child)
                .filter(|d| d.kind() == "decorator")
                .map(|d| file.text(d))
                .collect();
            match child.field_child("definition") {
                Some(definition) => (definition, decorators),
                None => continue,
            }
        } else {
            (child, Vec::new())
        };
        let name = definition.field_child("name").map_or("", |n| file.text(n));
        let is_test = match definition.kind() {
            // A handler named `test_webhook` is an endpoint, not a test.
            "function_definition" => {
                decorators.iter().any(|d| is_test_decorator(d))
                    || (is_test_function_name(name)
                        && file.model().handler_at(definition.start_byte()).is_none())
            }
            "class_definition" => {
                name.starts_with("Test")
                    || definition
                        .field_child("superclasses")
                        .is_some_and(|bases| file.text(bases).contains("TestCase"))
            }
            _ => false,
        };
        if is_test {
            out.push(child.byte_range());
        } else if matches!(
            definition.kind(),
            "class_definition" | "function_definition"
        ) {
            if let Some(body) = definition.field_child("body") {
                python_regions(file, body, out);
            }
        } else if matches!(
            child.kind(),
            "if_statement" | "try_statement" | "block" | "else_clause" | "elif_clause"
        ) {
            python_regions(file, child, out);
        }
    }
}

/// pytest collects `test*` functions; unittest runs `test*` methods.
fn is_test_function_name(name: &str) -> bool {
    name.strip_prefix("test").is_some_and(|rest| {
        rest.is_empty() || rest.starts_with('_') || rest.starts_with(char::is_uppercase)
    })
}

/// `@mock.patch(…)`, `@patch.object(…)`, `@pytest.fixture`, `@pytest.mark.…`.
fn is_test_decorator(decorator: &str) -> bool {
    let callee = decorator
        .trim_start_matches('@')
        .split('(')
        .next()
        .unwrap_or("")
        .trim();
    callee == "patch"
        || callee.starts_with("patch.")
        || callee.starts_with("mock.patch")
        || callee.starts_with("unittest.mock.patch")
        || callee.starts_with("pytest.")
}

/// Rust: items under `#[cfg(test)]`, `#[test]` and the async runtimes' test attributes.
fn rust_regions(file: &ParsedFile, node: Node, out: &mut Vec<Range<usize>>) {
    let mut attributes: Option<usize> = None;
    let mut is_test = false;
    for child in named_children(node) {
        if child.kind() == "attribute_item" {
            attributes.get_or_insert(child.start_byte());
            is_test |= is_test_attribute(file.text(child));
            continue;
        }
        if child.kind().ends_with("comment") {
            continue;
        }
        if is_test {
            out.push(attributes.unwrap_or(child.start_byte())..child.end_byte());
        } else if let Some(body) = matches!(child.kind(), "mod_item" | "impl_item")
            .then(|| child.field_child("body"))
            .flatten()
        {
            rust_regions(file, body, out);
        }
        attributes = None;
        is_test = false;
    }
}

fn is_test_attribute(attribute: &str) -> bool {
    let inner: String = attribute
        .trim_start_matches("#[")
        .trim_end_matches(']')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let path = inner.split('(').next().unwrap_or("");
    path == "test"
        || path.ends_with("::test")
        || path == "rstest"
        || (path == "cfg" && inner.contains("test") && !inner.contains("not(test)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use std::path::PathBuf;

    #[test]
    fn test_paths() {
        for path in [
            "tests/test_views.py",
            "app/tests/helpers.py",
            "app/test_views.py",
            "app/views_test.py",
            "conftest.py",
            "app/tests.py",
            "netbox/configuration_testing.py",
            "crates/api/benches/load.rs",
            "crates/api/examples/demo.rs",
            "example_project/settings.py",
            "devproject/settings.py",
            "src/tests.rs",
            "rules/.semgrep/secrets.py",
            "pkg/testdata/app.py",
            "pkg/fixtures/app.py",
            "pretix/testutils/settings.py",
            "indico/testing/fixtures/database.py",
            "weblate/settings_example.py",
            "netbox/configuration_example.py",
            "app/local_settings_sample.py",
        ] {
            assert!(is_test_path(path), "{path} is test code");
        }
        for path in [
            "app/views.py",
            "app/testimonials.py",
            "app/contest.py",
            "src/attestation.rs",
            "src/latest/handlers.rs",
            "superset/commands/dashboard/export_example.py",
            "app/settings.py",
            "",
        ] {
            assert!(!is_test_path(path), "{path} is not test code");
        }
    }

    fn regions(language: Language, text: &str) -> Vec<String> {
        let name = if language == Language::Python {
            "a.py"
        } else {
            "a.rs"
        };
        let source = SourceFile::new(PathBuf::from(name), name.into(), language, text.into());
        let tree = crate::parse::tree(&source).unwrap();
        let parsed = ParsedFile::new(&source, &tree);
        let code = TestCode::of(&parsed, false);
        code.regions
            .iter()
            .map(|r| text[r.clone()].lines().next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn python_test_functions_and_classes() {
        let text = "def test_refund():\n    pass\n\n@app.post(\"/webhooks/test\")\ndef test_webhook():\n    pass\n\ndef testimonial():\n    pass\n\n@mock.patch(\"a.b\")\ndef helper(m):\n    pass\n\n@app.patch(\"/x\")\ndef view():\n    pass\n\nclass Refunds(TestCase):\n    def setUp(self):\n        pass\n\nclass Views:\n    def test_x(self):\n        pass\n";
        assert_eq!(
            regions(Language::Python, text),
            vec![
                "def test_refund():",
                "@mock.patch(\"a.b\")",
                "class Refunds(TestCase):",
                "def test_x(self):",
            ]
        );
    }

    #[test]
    fn rust_test_items() {
        let text = "fn live() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n\n#[tokio::test]\n#[ignore]\nasync fn slow() {}\n\n#[cfg(not(test))]\nfn real() {}\n\n#[derive(Debug)]\nstruct S;\n";
        assert_eq!(
            regions(Language::Rust, text),
            vec!["#[cfg(test)]", "#[tokio::test]"]
        );
    }
}
