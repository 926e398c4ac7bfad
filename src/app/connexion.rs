//! connexion: routes an OpenAPI or Swagger specification declares, served by the Python
//! functions its `operationId`s name.
//!
//! Per file, the calls of `add_api(...)` are facts ([`Api`], [`apis`]). After the per-file
//! stage, and only when some file makes such a call, the specifications they name are read
//! ([`bind`]: only those), each operation's function is found among the scanned files, and the
//! files that define them are checked again knowing which of their functions serve which
//! operations ([`Binding`], through [`crate::taint::across::RequestReturns`]): the per-file
//! model makes them handlers (framework `connexion`), with the operation's parameters as
//! request input, so that every handler-level rule sees them. Each specification also gives the
//! link a container whose edges mount the functions at their paths, with the security the
//! operations require, like the routers of other frameworks.

use crate::app::facts::{Container, Edge, FileFacts, Target};
use crate::app::openapi::{self, Operation, Security, Serving};
use crate::finding::{Notice, NoticeKind};
use crate::parse::ParsedFile;
use crate::source::{Language, Position};
use crate::syntax::{descendants, named_children, FieldChild};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tree_sitter::Node;

/// The container a specification's edges start from.
const CONTAINER: &str = "openapi";
/// Extensions of the files a specification may be written in.
pub const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];
/// Re-exports followed at most from a module to the function it imports (`from .pets import
/// get_pet` in a package's `__init__.py`).
const MAX_REEXPORTS: usize = 3;

/// A call of connexion's `add_api`: the specification an app serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Api {
    /// Where the call is.
    pub at: Position,
    /// The specification's file as written (`"openapi.yaml"`, `"specs/api.yml"`).
    pub spec: String,
    /// The app's `specification_dir=`, when the file builds the app.
    pub dir: Option<String>,
    /// `base_path=`.
    pub base_path: Option<String>,
    /// The default module of `resolver=RestyResolver("api")`.
    pub resty: Option<String>,
}

/// An operation of a specification bound to a function of a scanned file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Binding {
    /// The function's name, or `Class.method`.
    pub qualname: String,
    pub operation: Operation,
}

/// Whether a path names a file a specification may be written in.
pub fn is_spec_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The specifications a Python file serves: its `X.add_api("spec.yaml", …)` calls, with the
/// `specification_dir=` of the connexion app (`connexion.App`, `FlaskApp`, `AsyncApp`) it
/// builds, if it does.
pub fn apis(file: &ParsedFile) -> Vec<Api> {
    if file.language() != Language::Python || !file.source.text.contains("add_api(") {
        return Vec::new();
    }
    let calls = file.of_kinds(&["call"]);
    // (object the app is bound to, its `specification_dir=`)
    let mut apps: Vec<(String, Option<String>)> = Vec::new();
    for call in &calls {
        let Some(function) = call.field_child("function") else {
            continue;
        };
        let resolved = file
            .symbols()
            .resolve(Language::Python, file.text(function));
        let qualified = resolved.name();
        let last = qualified.rsplit('.').next().unwrap_or(qualified);
        if !qualified.starts_with("connexion.") || !matches!(last, "App" | "FlaskApp" | "AsyncApp")
        {
            continue;
        }
        let bound = call
            .parent()
            .filter(|p| p.kind() == "assignment")
            .and_then(|p| p.field_child("left"))
            .map(|left| file.text(left).to_string())
            .unwrap_or_default();
        apps.push((bound, keyword_string(file, *call, "specification_dir")));
    }
    let mut out = Vec::new();
    for call in calls {
        let Some(function) = call.field_child("function") else {
            continue;
        };
        if function.kind() != "attribute"
            || function
                .field_child("attribute")
                .is_none_or(|a| file.text(a) != "add_api")
        {
            continue;
        }
        let object = function
            .field_child("object")
            .map(|o| file.text(o))
            .unwrap_or("");
        let Some(first) = call
            .field_child("arguments")
            .and_then(|args| named_children(args).into_iter().next())
            .filter(|first| first.kind() != "keyword_argument")
        else {
            continue;
        };
        // `"openapi.yaml"`, `Path(__file__).parent / "openapi.yaml"`: the last string that
        // names a specification file.
        let Some(spec) = descendants(first)
            .filter(|n| n.kind() == "string")
            .map(|n| string_text(file, n))
            .filter(|s| is_spec_file(Path::new(s)))
            .last()
        else {
            continue;
        };
        let dir = apps
            .iter()
            .find(|(bound, _)| bound == object)
            .or_else(|| apps.first().filter(|_| apps.len() == 1))
            .and_then(|(_, dir)| dir.clone());
        let resty = keyword_argument(file, call, "resolver")
            .filter(|value| value.kind() == "call")
            .filter(|value| {
                value
                    .field_child("function")
                    .is_some_and(|f| file.text(f).ends_with("RestyResolver"))
            })
            .and_then(|value| value.field_child("arguments"))
            .and_then(|args| named_children(args).into_iter().next())
            .filter(|first| first.kind() == "string")
            .map(|first| string_text(file, first));
        out.push(Api {
            at: file.source.position(call.start_byte()),
            spec,
            dir,
            base_path: keyword_string(file, call, "base_path"),
            resty,
        });
    }
    out
}

/// The operations bound to the functions of a file, as the project knows them when the file is
/// checked again after its specification was read (none otherwise).
pub fn bindings_of<'f>(file: &'f ParsedFile) -> &'f [Binding] {
    file.project.as_deref().map_or(&[], |project| {
        project.operations_in(&file.source.display_path)
    })
}

/// A scanned file, as [`bind`] reads it.
pub struct Source<'a> {
    pub path: &'a Path,
    pub display: &'a str,
    pub language: Language,
    pub facts: &'a FileFacts,
}

/// What the specifications say, once read.
#[derive(Default)]
pub struct Bound {
    /// By display path: the operations bound to the file's functions.
    pub files: HashMap<String, Vec<Binding>>,
    /// Each specification read (display path) with its facts for the link: a container whose
    /// edges mount the operations' functions.
    pub specs: Vec<(String, FileFacts)>,
    /// Specifications that were not found, or could not be read or understood.
    pub notices: Vec<Notice>,
}

/// Read the specifications the scanned files serve (`files`; `specs`, the files the walk found
/// that may be specifications, when one is not where connexion would look), and bind their
/// operations to the functions they name.
pub fn bind(
    files: &[Source],
    specs: &[PathBuf],
    max_file_size: u64,
    timeout: Option<Duration>,
) -> Bound {
    let mut bound = Bound::default();
    // Each specification once per way it is served.
    let mut read: Vec<(PathBuf, Option<String>, Option<String>)> = Vec::new();
    for (index, source) in files.iter().enumerate() {
        for api in &source.facts.apis {
            let Some(spec) = locate(source.path, api, specs) else {
                let expected = expected_path(source.path, api);
                bound.notices.push(Notice {
                    path: crate::discover::display_path(&expected),
                    kind: NoticeKind::Unreadable,
                    message: format!(
                        "OpenAPI specification served by `add_api` at {}:{} not found; its \
                         operations are not routes of the model",
                        source.display, api.at.line
                    ),
                    line: None,
                });
                continue;
            };
            let key = (spec.clone(), api.base_path.clone(), api.resty.clone());
            if read.contains(&key) {
                continue;
            }
            read.push(key);
            let display = crate::discover::display_path(&spec);
            match load(&spec, api, max_file_size, timeout) {
                Ok(operations) => {
                    let facts = spec_facts(files, index, &display, &operations, &mut bound.files);
                    bound.specs.push((display, facts));
                }
                Err((kind, message)) => bound.notices.push(Notice {
                    path: display,
                    kind,
                    message,
                    line: None,
                }),
            }
        }
    }
    for bindings in bound.files.values_mut() {
        bindings.sort_by(|a, b| {
            (&a.qualname, &a.operation.path, &a.operation.method).cmp(&(
                &b.qualname,
                &b.operation.path,
                &b.operation.method,
            ))
        });
        bindings.dedup();
    }
    bound
}

/// Where connexion reads the specification from: `specification_dir` (relative to the app's
/// file) joined with the name `add_api` is given.
fn expected_path(app: &Path, api: &Api) -> PathBuf {
    let spec = Path::new(&api.spec);
    if spec.is_absolute() {
        return spec.to_path_buf();
    }
    let dir = app.parent().unwrap_or(Path::new(""));
    let dir = match &api.dir {
        Some(sub) if Path::new(sub).is_absolute() => PathBuf::from(sub),
        Some(sub) => dir.join(sub),
        None => dir.to_path_buf(),
    };
    dir.join(spec)
}

/// The specification file an `add_api` call serves: where connexion looks for it, else the
/// file of that name the walk found nearest the app's file.
fn locate(app: &Path, api: &Api, specs: &[PathBuf]) -> Option<PathBuf> {
    let expected = expected_path(app, api);
    if expected.is_file() {
        return Some(expected);
    }
    let name = Path::new(&api.spec);
    let relative: PathBuf = name
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    specs
        .iter()
        .filter(|candidate| candidate.ends_with(&relative))
        .max_by_key(|candidate| {
            (
                shared_components(app, candidate),
                std::cmp::Reverse(candidate.components().count()),
            )
        })
        .cloned()
}

/// How many leading components two paths share.
fn shared_components(a: &Path, b: &Path) -> usize {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The operations of a specification file, or the notice to give instead.
fn load(
    path: &Path,
    api: &Api,
    max_file_size: u64,
    timeout: Option<Duration>,
) -> Result<Vec<Operation>, (NoticeKind, String)> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > max_file_size {
        return Err((
            NoticeKind::TooLarge,
            format!(
                "OpenAPI specification of {size} bytes is over the {max_file_size} byte limit \
                 (--max-file-size); its operations are not routes of the model"
            ),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|err| {
        (
            NoticeKind::Unreadable,
            format!(
                "OpenAPI specification could not be read: {err}; its operations are not \
                 routes of the model"
            ),
        )
    })?;
    let serving = Serving {
        base_path: api.base_path.as_deref(),
        resty: api.resty.as_deref(),
    };
    match crate::budget::bounded(timeout, || openapi::operations(&text, &serving)) {
        Ok(Ok(operations)) => Ok(operations),
        Ok(Err(reason)) => Err((
            NoticeKind::SyntaxError,
            format!(
                "could not read this file as the OpenAPI specification `add_api` serves: \
                 {reason}; its operations are not routes of the model"
            ),
        )),
        Err(crate::budget::Stopped::TimedOut) => Err((
            NoticeKind::Timeout,
            "reading the OpenAPI specification ran out of time; its operations are not routes \
             of the model"
                .into(),
        )),
        Err(crate::budget::Stopped::Panicked(reason)) => Err((
            NoticeKind::InternalError,
            format!(
                "internal error while reading the OpenAPI specification ({}; please report \
                 it); its operations are not routes of the model",
                reason.lines().next().unwrap_or_default()
            ),
        )),
    }
}

/// A specification's facts for the link, binding its operations to functions of `files` (the
/// ones nearest the app's file, `app`) on the way.
fn spec_facts(
    files: &[Source],
    app: usize,
    display: &str,
    operations: &[Operation],
    bindings: &mut HashMap<String, Vec<Binding>>,
) -> FileFacts {
    let mut facts = FileFacts {
        containers: vec![Container {
            name: CONTAINER.to_string(),
            prefix: String::new(),
            guards: Vec::new(),
            guard_calls: Vec::new(),
            markers: Vec::new(),
        }],
        ..FileFacts::default()
    };
    for operation in operations {
        let parts: Vec<&str> = operation.function.split('.').collect();
        let Some((file, qualname)) = find_function(files, app, &parts, 0) else {
            continue;
        };
        let module = module_of(files[file].display);
        let name = qualname.rsplit('.').next().unwrap_or(&qualname).to_string();
        let public = (operation.security == Security::Public).then(|| {
            format!(
                "`security: []` on the operation at {display}:{}",
                operation.line
            )
        });
        facts.edges.push(Edge {
            at: Position {
                line: operation.line,
                column: 1,
            },
            from: CONTAINER.to_string(),
            prefix: operation.path.clone(),
            methods: vec![operation.method.clone()],
            target: Target::Handler(module.into_iter().chain([name]).collect()),
            guards: operation.guards().to_vec(),
            guard_calls: Vec::new(),
            markers: Vec::new(),
            schema: None,
            public,
            namespace: None,
        });
        bindings
            .entry(files[file].display.to_string())
            .or_default()
            .push(Binding {
                qualname,
                operation: operation.clone(),
            });
    }
    facts
}

/// The file and the function (`name` or `Class.method`) a dotted name resolves to, as Python
/// imports it: the longest module among the scanned files that defines the rest, nearest the
/// app's file; a module that only imports the name is followed to where it comes from.
fn find_function(
    files: &[Source],
    app: usize,
    parts: &[&str],
    depth: usize,
) -> Option<(usize, String)> {
    if depth > MAX_REEXPORTS || parts.len() < 2 {
        return None;
    }
    for split in (1..parts.len()).rev() {
        let (module, rest) = parts.split_at(split);
        if rest.len() > 2 {
            break;
        }
        let qualname = rest.join(".");
        let modules: Vec<usize> = (0..files.len())
            .filter(|&f| files[f].language == Language::Python)
            .filter(|&f| module_of(files[f].display).ends_with(&owned(module)))
            .collect();
        let defining: Vec<usize> = modules
            .iter()
            .copied()
            .filter(|&f| files[f].facts.functions.iter().any(|g| g.name == qualname))
            .collect();
        if let Some(file) = nearest(files, app, &defining) {
            return Some((file, qualname));
        }
        if rest.len() != 1 {
            continue;
        }
        // `from .pets import get_pet` in `api/__init__.py`, for `api.get_pet`.
        let importing: Vec<usize> = modules
            .iter()
            .copied()
            .filter(|&f| {
                files[f]
                    .facts
                    .imports
                    .iter()
                    .any(|(local, _)| local == rest[0])
            })
            .collect();
        if let Some(file) = nearest(files, app, &importing) {
            let (_, dotted) = files[file]
                .facts
                .imports
                .iter()
                .find(|(local, _)| local == rest[0])?;
            let absolute = absolute_import(files[file].display, dotted);
            let parts: Vec<&str> = absolute.split('.').filter(|p| !p.is_empty()).collect();
            if let Some(found) = find_function(files, app, &parts, depth + 1) {
                return Some(found);
            }
        }
    }
    None
}

/// `.pets.get_pet` imported in `api/__init__.py` → `api.pets.get_pet`.
fn absolute_import(display: &str, dotted: &str) -> String {
    let dots = dotted.chars().take_while(|c| *c == '.').count();
    if dots == 0 {
        return dotted.to_string();
    }
    let mut package = module_of(display);
    if !display.ends_with("__init__.py") {
        package.pop();
    }
    for _ in 1..dots {
        package.pop();
    }
    package.push(dotted[dots..].to_string());
    package.join(".")
}

fn owned(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| (*p).to_string()).collect()
}

/// The module path of a Python file: its path without the extension, a package's
/// `__init__.py` standing for the package (`app/api/__init__.py` → `["app", "api"]`).
fn module_of(display: &str) -> Vec<String> {
    let stem = display
        .strip_suffix(".py")
        .or_else(|| display.strip_suffix(".pyi"))
        .unwrap_or(display);
    let mut parts: Vec<String> = stem
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .map(str::to_string)
        .collect();
    if parts.last().is_some_and(|p| p == "__init__") {
        parts.pop();
    }
    parts
}

/// Among `candidates`, the file nearest `app` in the directory tree (the shallowest on a tie).
fn nearest(files: &[Source], app: usize, candidates: &[usize]) -> Option<usize> {
    candidates.iter().copied().max_by_key(|&f| {
        (
            shared_components(files[app].path, files[f].path),
            std::cmp::Reverse(files[f].path.components().count()),
            std::cmp::Reverse(f),
        )
    })
}

fn keyword_argument<'t>(file: &ParsedFile, call: Node<'t>, name: &str) -> Option<Node<'t>> {
    crate::app::handlers::python::keyword_argument(file, call, name)
}

/// The text of a keyword argument given as a string literal.
fn keyword_string(file: &ParsedFile, call: Node, name: &str) -> Option<String> {
    keyword_argument(file, call, name)
        .filter(|value| value.kind() == "string")
        .map(|value| string_text(file, value))
}

/// A string literal's text, without its quotes and prefix.
fn string_text(file: &ParsedFile, string: Node) -> String {
    descendants(string)
        .filter(|n| n.kind() == "string_content")
        .map(|n| file.text(n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{absolute_import, module_of};

    #[test]
    fn modules_are_paths_without_extension() {
        assert_eq!(module_of("app/api/__init__.py"), ["app", "api"]);
        assert_eq!(module_of("views.py"), ["views"]);
        assert_eq!(
            absolute_import("app/api/__init__.py", ".pets.get"),
            "app.api.pets.get"
        );
        assert_eq!(
            absolute_import("app/api/users.py", ".pets.get"),
            "app.api.pets.get"
        );
        assert_eq!(
            absolute_import("app/api/users.py", "..db.get"),
            "app.db.get"
        );
        assert_eq!(absolute_import("app/api/users.py", "shop.get"), "shop.get");
    }
}
