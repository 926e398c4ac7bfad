//! Source files as the scanner sees them: language, text and a line index.

use std::path::{Path, PathBuf};

/// A language tollgate can parse.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    Rust,
}

impl Language {
    /// The language of a path, judged by its extension (`.py`, `.pyi`, `.rs`).
    pub fn from_path(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "py" | "pyi" => Some(Language::Python),
            "rs" => Some(Language::Rust),
            _ => None,
        }
    }

    /// The lowercase name used in rule files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Rust => "rust",
        }
    }

    /// The tree-sitter grammar for this language.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Python => tree_sitter_python::LANGUAGE.into(),
            Language::Rust => tree_sitter_rust::LANGUAGE.into(),
        }
    }
}

/// A source file read into memory and ready to parse.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as found on disk.
    pub path: PathBuf,
    /// The path shown in reports: relative to the scan root when possible, with `/` separators.
    pub display_path: String,
    pub language: Language,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display_path: String, language: Language, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path,
            display_path,
            language,
            text,
            line_starts,
        }
    }

    /// 1-based line and 1-based column (in UTF-16 code units, as SARIF counts by default) of a byte offset.
    pub fn position(&self, byte: usize) -> Position {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= byte) - 1;
        let start = self.line_starts[line];
        let column = self.text[start..byte].encode_utf16().count() + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// A 1-based line and column.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_columns() {
        let file = SourceFile::new(
            "a.py".into(),
            "a.py".into(),
            Language::Python,
            "x = 1\ny = \"é😀\" + z\n".into(),
        );
        assert_eq!(file.position(0), Position { line: 1, column: 1 });
        let z = file.text.find('z').unwrap();
        // é is one UTF-16 unit, 😀 is two.
        assert_eq!(
            file.position(z),
            Position {
                line: 2,
                column: 13
            }
        );
        assert_eq!(file.line_text(2), "y = \"é😀\" + z");
        assert_eq!(file.line_text(9), "");
    }
}
