//! Python symbols: imports, module-level aliases and definitions.

use super::FileSymbols;
use crate::parse::ParsedFile;
use crate::syntax::{named_children, FieldChild};
use tree_sitter::Node;

/// Names Python binds in every module (those a rule may want to name: `builtins.eval`).
const BUILTINS: &[&str] = &[
    "__import__",
    "compile",
    "eval",
    "exec",
    "open",
    "input",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "hash",
    "id",
    "int",
    "float",
    "str",
    "bytes",
    "bool",
    "len",
    "print",
    "format",
    "repr",
    "round",
];

pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// The dotted module path of a file (`payments/api/views.py` → `payments.api.views`,
/// `payments/__init__.py` → `payments`), and whether it is a package's `__init__`.
pub(crate) fn module_path(display_path: &str) -> (String, bool) {
    let path = display_path.trim_start_matches("./").replace('\\', "/");
    let stem = path
        .strip_suffix(".py")
        .or_else(|| path.strip_suffix(".pyi"))
        .unwrap_or(&path);
    let (stem, package) = match stem.strip_suffix("__init__") {
        Some(parent) => (parent.trim_end_matches('/'), true),
        None => (stem, false),
    };
    let module = stem
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join(".");
    (module, package)
}

pub(super) fn symbols(file: &ParsedFile) -> FileSymbols {
    let (module, package) = module_path(&file.source.display_path);
    let mut symbols = FileSymbols {
        module: module.clone(),
        ..FileSymbols::default()
    };
    // The package relative imports start from: the module itself for an `__init__`.
    let base: Vec<&str> = if package {
        module.split('.').collect()
    } else {
        let mut parts: Vec<&str> = module.split('.').collect();
        parts.pop();
        parts
    };
    let in_function = |node: Node| {
        file.ancestors(node)
            .any(|ancestor| ancestor.kind() == "function_definition")
    };
    // Imports inside function bodies, kept apart: they bind only there.
    let mut local = FileSymbols::default();
    for &node in file.statement_level() {
        match node.kind() {
            "import_statement" if in_function(node) => plain_import(file, node, &mut local),
            "import_from_statement" if in_function(node) => {
                from_import(file, node, &base, &mut local)
            }
            "import_statement" => plain_import(file, node, &mut symbols),
            "import_from_statement" => from_import(file, node, &base, &mut symbols),
            "function_definition" | "class_definition" if at_module_level(file, node) => {
                if let Some(name) = node.field_child("name") {
                    symbols.definitions.push(file.text(name).into());
                }
            }
            "assignment" if at_module_level(file, node) => {
                if let Some(left) = node
                    .field_child("left")
                    .filter(|left| left.kind() == "identifier")
                {
                    symbols.assigned.push(file.text(left).into());
                }
                alias(file, node, &mut symbols)
            }
            "type_alias_statement" if at_module_level(file, node) => {
                let parts = named_children(node);
                if let [name, value, ..] = parts.as_slice() {
                    let name = file.text(*name);
                    let name = name.split('[').next().unwrap_or(name).trim();
                    symbols
                        .aliases
                        .push((name.into(), file.text(*value).into()));
                }
            }
            _ => {}
        }
    }
    symbols.local_imports = local.imports;
    symbols
}

/// Whether a statement (or the assignment inside an expression statement) is at the top of the
/// module, possibly inside `if`/`try` blocks, but not in a function or class.
fn at_module_level(file: &ParsedFile, node: Node) -> bool {
    file.ancestors(node)
        .find_map(|parent| match parent.kind() {
            "module" => Some(true),
            "function_definition" | "class_definition" | "lambda" => Some(false),
            _ => None,
        })
        .unwrap_or(false)
}

/// `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
fn plain_import(file: &ParsedFile, node: Node, symbols: &mut FileSymbols) {
    let mut cursor = node.walk();
    for name in node.children_by_field_name("name", &mut cursor) {
        match name.kind() {
            "aliased_import" => {
                if let (Some(original), Some(alias)) =
                    (name.field_child("name"), name.field_child("alias"))
                {
                    symbols
                        .imports
                        .push((file.text(alias).into(), file.text(original).into()));
                }
            }
            _ => {
                let text = file.text(name);
                let head = text.split('.').next().unwrap_or(text);
                symbols.imports.push((head.into(), head.into()));
            }
        }
    }
}

/// `from x import y as z`, relative (`from ..a import b`) and star imports.
fn from_import(file: &ParsedFile, node: Node, base: &[&str], symbols: &mut FileSymbols) {
    let Some(module_node) = node.field_child("module_name") else {
        return;
    };
    let module = match module_node.kind() {
        "relative_import" => relative(file, module_node, base),
        _ => file.text(module_node).to_string(),
    };
    let join = |name: &str| {
        if module.is_empty() {
            name.to_string()
        } else {
            format!("{module}.{name}")
        }
    };
    if named_children(node)
        .iter()
        .any(|n| n.kind() == "wildcard_import")
    {
        symbols.globs.push(module.clone());
    }
    let mut cursor = node.walk();
    for name in node.children_by_field_name("name", &mut cursor) {
        let (original, local) = match name.kind() {
            "aliased_import" => (
                name.field_child("name").map(|n| file.text(n)),
                name.field_child("alias").map(|n| file.text(n)),
            ),
            _ => (Some(file.text(name)), None),
        };
        let Some(original) = original else { continue };
        let local = local.unwrap_or(original);
        symbols.imports.push((local.into(), join(original).into()));
    }
}

/// The absolute module a relative import names: one dot is the current package, each further
/// dot one package up.
fn relative(file: &ParsedFile, node: Node, base: &[&str]) -> String {
    let text = file.text(node);
    let dots = text.chars().take_while(|c| *c == '.').count();
    let rest = text[dots..].trim();
    let keep = base.len().saturating_sub(dots.saturating_sub(1));
    let mut parts: Vec<&str> = base[..keep].to_vec();
    if !rest.is_empty() {
        parts.push(rest);
    }
    parts.join(".")
}

/// `name = value` at module level: an alias when the value is a name, a call or a subscript
/// (`get = requests.get`, `Dep = Depends(auth)`, `User = Annotated[U, Depends(auth)]`).
fn alias(file: &ParsedFile, node: Node, symbols: &mut FileSymbols) {
    let (Some(left), Some(right)) = (node.field_child("left"), node.field_child("right")) else {
        return;
    };
    if left.kind() != "identifier" {
        return;
    }
    if matches!(
        right.kind(),
        "identifier" | "attribute" | "call" | "subscript"
    ) {
        symbols
            .aliases
            .push((file.text(left).into(), file.text(right).into()));
    }
}
