//! What a Rust value prints with `{:?}`: the struct its type names, when that struct derives
//! `Debug`, prints every field, so a value of a configuration struct holding a `secret_token`
//! (itself or in a nested struct) logs the token. Structs of the file are judged at once; a type
//! declared in another file or crate of the project is judged once the project is linked, from
//! every file's [`StructFact`]s.

use crate::finding::DebugShown;
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::{descendants, named_children, FieldChild};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tree_sitter::Node;

/// How many structs deep fields are followed (`AppConfig.post_process.secret_token`).
const MAX_DEPTH: usize = 3;

/// What a value's `{:?}` shows of a field `field` accepts.
pub enum Shown {
    Yes,
    No,
    /// Decided once the project is linked: the type (or a field on the path to the printed
    /// value) is a struct the file does not declare.
    Elsewhere(DebugShown),
}

/// Whether the Rust value `name`, used at `at`, has a type that is a struct which derives
/// `Debug` and has a field whose name `field` accepts, itself or through fields whose types are
/// such structs. The type is the one a parameter declares (`State(cfg):
/// State<Arc<AppConfig>>`), a `let` annotates, or a `let` builds (`AppConfig { … }`,
/// `AppConfig::load()`). `pattern` is `field`'s regex, kept for the link.
pub fn debug_shows_field(
    file: &ParsedFile,
    at: Node,
    name: &str,
    field: &dyn Fn(&str) -> bool,
    pattern: &str,
) -> Shown {
    if file.language() != Language::Rust || is_field_of_path(file, at) {
        return Shown::No;
    }
    let Some(type_text) = value_type(file, at, name) else {
        return Shown::No;
    };
    // `?state.config`: the type of the field printed, through the structs of the path.
    let check = DebugShown {
        types: type_names(&type_text),
        path: path_after(file, at),
        field: pattern.to_string(),
    };
    if check.types.is_empty() {
        return Shown::No;
    }
    if Structs::new(file.structs().iter()).shows_with(&check, field) {
        Shown::Yes
    } else {
        // A field of a struct of this file may hold a struct of another file.
        Shown::Elsewhere(check)
    }
}

/// A struct a Rust file declares, as the link judges `{:?}` of values of other files by it,
/// and request values parsed into it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructFact {
    pub name: String,
    /// Whether it derives `Debug` (a hand-written `impl Debug` may redact: not counted).
    pub debug: bool,
    /// Its fields: name and the capitalised type names of their written types.
    pub fields: Vec<(String, Vec<String>)>,
    /// Whether deserializing it checks the value: `#[serde(try_from = "String")]` (its
    /// `TryFrom` may refuse), or a hand-written `impl Deserialize` in the same file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub validated: bool,
}

/// The structs `file` declares (kept on the file: [`ParsedFile::structs`]).
pub(crate) fn struct_facts(file: &ParsedFile) -> Vec<StructFact> {
    file.of_kinds(&["struct_item"])
        .into_iter()
        .filter_map(|item| {
            let name = file.text(item.field_child("name")?).to_string();
            let fields = item
                .field_child("body")
                .map(named_children)
                .unwrap_or_default()
                .into_iter()
                .filter(|declaration| declaration.kind() == "field_declaration")
                .filter_map(|declaration| {
                    let field = declaration.field_child("name")?;
                    let ty = declaration.field_child("type")?;
                    Some((file.text(field).to_string(), type_names(file.text(ty))))
                })
                .collect();
            Some(StructFact {
                validated: serde_try_from(file, item) || deserialized_by_hand(file, &name),
                name,
                debug: derives_debug(file, item),
                fields,
            })
        })
        .collect()
}

/// The project's structs by name, for deciding [`DebugShown`] checks at the link.
pub struct Structs<'a> {
    by_name: BTreeMap<&'a str, Vec<&'a StructFact>>,
}

impl<'a> Structs<'a> {
    /// Whether a struct of this name validates what is deserialized into it (one of them,
    /// where several share the name).
    pub fn validates(&self, name: &str) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|facts| facts.iter().any(|fact| fact.validated))
    }

    pub fn new(facts: impl Iterator<Item = &'a StructFact>) -> Self {
        let mut by_name: BTreeMap<&str, Vec<&StructFact>> = BTreeMap::new();
        for fact in facts {
            by_name.entry(fact.name.as_str()).or_default().push(fact);
        }
        Structs { by_name }
    }

    /// Whether a value of one of `check.types`, through `check.path`, prints a field the
    /// check's pattern accepts. A name several structs share holds when one of them does.
    pub fn shows(&self, check: &DebugShown) -> bool {
        regex::Regex::new(&check.field)
            .is_ok_and(|field| self.shows_with(check, &|name| field.is_match(name)))
    }

    /// As [`Structs::shows`], with the field names `field` accepts.
    fn shows_with(&self, check: &DebugShown, field: &dyn Fn(&str) -> bool) -> bool {
        let mut types: Vec<&str> = check.types.iter().map(String::as_str).collect();
        for step in &check.path {
            types = types
                .iter()
                .flat_map(|t| self.by_name.get(t).into_iter().flatten())
                .flat_map(|fact| fact.fields.iter().filter(|(name, _)| name == step))
                .flat_map(|(_, inner)| inner.iter().map(String::as_str))
                .collect();
        }
        types.iter().any(|t| self.prints(t, field, MAX_DEPTH))
    }

    fn prints(&self, name: &str, field: &dyn Fn(&str) -> bool, depth: usize) -> bool {
        depth > 0
            && self.by_name.get(name).into_iter().flatten().any(|fact| {
                fact.debug
                    && fact.fields.iter().any(|(field_name, inner)| {
                        field(field_name)
                            || inner
                                .iter()
                                .filter(|t| t.as_str() != name)
                                .any(|t| self.prints(t, field, depth - 1))
                    })
            })
    }
}

/// Whether `at` follows a `.` among macro tokens: a field of a path whose head is judged.
fn is_field_of_path(file: &ParsedFile, at: Node) -> bool {
    at.prev_sibling().is_some_and(|dot| file.text(dot) == ".")
}

/// The field names that follow `at` among macro tokens (`config` of `state.config`).
fn path_after(file: &ParsedFile, at: Node) -> Vec<String> {
    let mut path = Vec::new();
    let mut current = at;
    while let (Some(dot), Some(next)) = (
        current.next_sibling(),
        current.next_sibling().and_then(|dot| dot.next_sibling()),
    ) {
        if file.text(dot) != "." || next.kind() != "identifier" {
            break;
        }
        path.push(file.text(next).to_string());
        current = next;
    }
    path
}

/// The type written for `name`: its `let`'s annotation or what the `let` builds, else its
/// parameter's type.
fn value_type(file: &ParsedFile, at: Node, name: &str) -> Option<String> {
    if let Some(binding) = super::rust::bindings(file, at, name).into_iter().next() {
        if let Some(annotated) = binding.at.field_child("type") {
            return Some(file.text(annotated).to_string());
        }
        let value = match binding.value.kind() {
            "try_expression" | "await_expression" => binding.value.named_child(0)?,
            _ => binding.value,
        };
        let built = match value.kind() {
            "struct_expression" => value.field_child("name"),
            // `AppConfig::load()`: the path's type.
            "call_expression" => value
                .field_child("function")
                .filter(|f| f.kind() == "scoped_identifier")
                .and_then(|f| f.field_child("path")),
            _ => None,
        };
        return built.map(|node| file.text(node).to_string());
    }
    super::across::parameter_type(file, at, name).map(str::to_string)
}

/// The capitalised type names a type is written with (`Arc<AppConfig>` → `Arc`, `AppConfig`).
fn type_names(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|part| part.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(str::to_string)
        .collect()
}

/// Whether the attributes above `item` derive `Debug`.
fn derives_debug(file: &ParsedFile, item: Node) -> bool {
    attributes(item).any(|node| {
        descendants(node).any(|n| n.kind() == "identifier" && file.text(n) == "derive")
            && file.text(node).contains("Debug")
    })
}

/// `#[serde(try_from = "String")]` on the struct: serde builds it through its `TryFrom`.
fn serde_try_from(file: &ParsedFile, item: Node) -> bool {
    attributes(item).any(|node| {
        let text = file.text(node);
        text.contains("serde") && text.contains("try_from")
    })
}

/// `impl<'de> Deserialize<'de> for Version` (also `serde::Deserialize`) in the file.
fn deserialized_by_hand(file: &ParsedFile, name: &str) -> bool {
    file.of_kinds(&["impl_item"]).into_iter().any(|item| {
        let names_trait = item.field_child("trait").is_some_and(|t| {
            let written = file.text(t);
            let path = written.split('<').next().unwrap_or(written);
            path.rsplit("::").next() == Some("Deserialize")
        });
        names_trait
            && item
                .field_child("type")
                .is_some_and(|t| file.text(t) == name)
    })
}

/// The attributes written on `item` (comments between them skipped).
fn attributes(item: Node) -> impl Iterator<Item = Node> {
    std::iter::successors(item.prev_sibling(), |node| node.prev_sibling())
        .take_while(|node| {
            matches!(
                node.kind(),
                "attribute_item" | "line_comment" | "block_comment"
            )
        })
        .filter(|node| node.kind() == "attribute_item")
}
