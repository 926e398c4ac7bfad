//! Rust symbols: `use` trees, items and the module path of a file.

use super::{FileSymbols, Resolved};
use crate::parse::ParsedFile;
use crate::syntax::{named_children, FieldChild};
use tree_sitter::Node;

/// Items whose names a file defines.
const ITEMS: &[&str] = &[
    "function_item",
    "struct_item",
    "enum_item",
    "trait_item",
    "type_item",
    "const_item",
    "static_item",
    "mod_item",
    "union_item",
];

/// The module path of a file in a crate (`src/handlers/mod.rs` → `crate::handlers`,
/// `src/lib.rs` → `crate`), from the last `src/` folder of its path.
pub(crate) fn module_path(display_path: &str) -> String {
    let path = display_path.trim_start_matches("./").replace('\\', "/");
    let inside = match path.rfind("src/") {
        Some(at) if at == 0 || path[..at].ends_with('/') => &path[at + 4..],
        _ => path.rsplit('/').next().unwrap_or(&path),
    };
    let stem = inside.strip_suffix(".rs").unwrap_or(inside);
    let mut parts: Vec<&str> = stem.split('/').filter(|p| !p.is_empty()).collect();
    if matches!(parts.first(), Some(&"bin")) {
        parts.clear();
    }
    if matches!(parts.last(), Some(&("mod" | "lib" | "main"))) {
        parts.pop();
    }
    std::iter::once("crate")
        .chain(parts)
        .collect::<Vec<_>>()
        .join("::")
}

pub(super) fn symbols(file: &ParsedFile) -> FileSymbols {
    let mut symbols = FileSymbols {
        module: module_path(&file.source.display_path),
        ..FileSymbols::default()
    };
    let mut stack = vec![file.tree.root_node()];
    while let Some(node) = stack.pop() {
        for child in named_children(node) {
            match child.kind() {
                "use_declaration" => {
                    if let Some(argument) = child.field_child("argument") {
                        use_tree(file, argument, "", &mut symbols);
                    }
                }
                kind if ITEMS.contains(&kind) => {
                    if node.kind() == "source_file" {
                        if let Some(name) = child.field_child("name") {
                            symbols.definitions.push(file.text(name).into());
                        }
                    }
                    if kind == "type_item" && node.kind() == "source_file" {
                        if let (Some(name), Some(value)) =
                            (child.field_child("name"), child.field_child("type"))
                        {
                            symbols
                                .aliases
                                .push((file.text(name).into(), file.text(value).into()));
                        }
                    }
                    // `use` inside inline modules and function bodies still binds names there.
                    if let Some(body) = child.field_child("body") {
                        stack.push(body);
                    }
                }
                "declaration_list" | "block" => stack.push(child),
                _ => {}
            }
        }
    }
    symbols
}

/// Every name a `use` tree binds, under `prefix`.
fn use_tree(file: &ParsedFile, node: Node, prefix: &str, symbols: &mut FileSymbols) {
    let join = |rest: &str| {
        if prefix.is_empty() {
            rest.to_string()
        } else {
            format!("{prefix}::{rest}")
        }
    };
    match node.kind() {
        "identifier" | "scoped_identifier" | "crate" | "self" | "super" => {
            let path = join(file.text(node));
            let path = path.strip_suffix("::self").unwrap_or(&path).to_string();
            let local = path.rsplit("::").next().unwrap_or(&path).to_string();
            symbols.imports.push((local.into(), path.into()));
        }
        "use_as_clause" => {
            if let (Some(path), Some(alias)) = (node.field_child("path"), node.field_child("alias"))
            {
                let full = join(file.text(path));
                let full = full.strip_suffix("::self").unwrap_or(&full).to_string();
                symbols.imports.push((file.text(alias).into(), full.into()));
            }
        }
        "use_wildcard" => {
            let text = file.text(node);
            let module = text.trim_end_matches('*').trim_end_matches("::");
            symbols.globs.push(join(module));
        }
        "scoped_use_list" => {
            let inner = node
                .field_child("path")
                .map(|p| join(file.text(p)))
                .unwrap_or_else(|| prefix.to_string());
            if let Some(list) = node.field_child("list") {
                use_tree(file, list, &inner, symbols);
            }
        }
        "use_list" => {
            for item in named_children(node) {
                if item.kind() == "self" {
                    let local = prefix.rsplit("::").next().unwrap_or(prefix).to_string();
                    symbols.imports.push((local.into(), prefix.into()));
                } else {
                    use_tree(file, item, prefix, symbols);
                }
            }
        }
        _ => {}
    }
}

/// `crate::`, `self::` and `super::` paths made absolute against `module` (`crate::a::b`).
pub(super) fn absolute(module: &str, path: &str) -> String {
    let mut parts: Vec<&str> = module.split("::").collect();
    let mut rest = path;
    if let Some(after) = rest.strip_prefix("self::") {
        rest = after;
    } else if rest == "self" {
        return module.to_string();
    } else if rest.starts_with("super") {
        while let Some(after) = rest.strip_prefix("super") {
            if parts.len() > 1 {
                parts.pop();
            }
            rest = after.trim_start_matches("::");
        }
    } else {
        return path.to_string();
    }
    if !rest.is_empty() {
        parts.push(rest);
    }
    parts.join("::")
}

/// A path whose first part nothing in the file binds: an absolute path (`crate::…`,
/// `std::…`, a dependency's name), or a name from a glob import, or a local of unknown origin.
pub(super) fn unbound(symbols: &FileSymbols, head: &str, written: &str) -> Resolved {
    match head {
        "crate" | "self" | "super" => Resolved::Qualified(absolute(&symbols.module, written)),
        "Self" => Resolved::Unresolved(written.to_string()),
        // A lower-case first part of a path is a crate (`sqlx::query`, `std::fs::read`).
        _ if written.contains("::") && head.starts_with(|c: char| c.is_ascii_lowercase()) => {
            Resolved::Qualified(written.to_string())
        }
        _ => Resolved::Unresolved(written.to_string()),
    }
}
