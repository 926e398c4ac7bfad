//! The project model: the application's routes across files, and what guards each one.
//!
//! Each file contributes [`FileFacts`] in the per-file stage (parallel and cached with the file's
//! findings): its handlers, the routers/apps/blueprints it declares, and the edges that mount
//! handlers and routers under a path (Django `urlpatterns`, DRF routers, FastAPI
//! `include_router`, Flask `register_blueprint`, axum `route`/`nest`/`merge`, actix
//! `service`/`scope`/`configure`). [`Project::link`] then resolves the edges across files into a
//! route table, adding guards from every level and from settings, and the `[auth]` configuration.

mod auth;
mod capability;
pub mod checks;
pub mod effects;
mod facts;
pub(crate) mod guards;
mod link;
pub mod missing_authorization;
pub mod models;
mod privilege;
mod python;
mod rust;
pub(crate) mod rust_guards;
mod template_syntax;
pub mod templates;

pub use auth::{AuthConfig, AuthSettings};
pub use facts::{Edge, FileFacts, HandlerFact, Target};
pub use guards::GuardCall;

use crate::model::Framework;
use crate::parse::ParsedFile;
use crate::source::Language;
use serde::Serialize;

/// Build the facts one file contributes to the project model.
pub fn facts(file: &ParsedFile) -> FileFacts {
    let mut facts = match file.language() {
        Language::Python => python::facts(file),
        Language::Rust => rust::facts(file),
    };
    facts.template_dirs = templates::configured_dirs(&file.source.text);
    // Every file's facts stay in memory until the link: a clone allocates each list at its
    // length, without the spare capacity left by building it.
    facts.clone()
}

/// One way into the application: a handler reachable at a path with some methods.
#[derive(Clone, Debug, Serialize)]
pub struct Route {
    /// Upper-case methods; empty when any method reaches the handler.
    pub methods: Vec<String>,
    /// The full path, `None` when the handler's registration was not found.
    pub path: Option<String>,
    pub handler: String,
    pub framework: Framework,
    /// The file's display path and the handler's line.
    pub file: String,
    pub line: usize,
    /// Guards on any level: decorators, dependencies, extractors, router layers, settings.
    pub guards: Vec<String>,
    /// Dependencies and decorators whose code tollgate cannot see and whose names suggest a
    /// guard: the route is reported, with lower confidence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub guessed_guards: Vec<String>,
    /// Why the handler is public, when it is marked or configured so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<String>,
    /// A check in the handler that looks, by its names alone, like a secret the request carries
    /// is compared (`secret__iexact=secret`, `if token != link.token: raise`): the route may be
    /// public by design. Not counted as public; `missing-authorization` reports it less sure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability_by_name: Option<String>,
    /// The registrations that put the handler at this path, outermost first (a `urls.py`
    /// entry, an `include_router`, a `.route(...)`).
    pub registered_at: Vec<Location>,
    /// The GraphQL query field or mutation, when the route is an operation under a GraphQL
    /// endpoint (`path` is the endpoint's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<crate::model::graphql::Operation>,
    /// Index of the handler in [`Project::handlers`].
    #[serde(skip)]
    pub handler_index: usize,
    /// A guard's code refuses callers who are not staff (see [`guards::Judge::admits_only_staff`]).
    #[serde(skip)]
    pub staff_only: bool,
}

impl Route {
    pub fn authenticated(&self) -> bool {
        !self.guards.is_empty()
    }
}

/// A place in a scanned file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub column: usize,
}

/// The linked model of every scanned file.
#[derive(Debug, Default)]
pub struct Project {
    /// Every handler found, with the file it is in.
    pub handlers: Vec<(String, HandlerFact)>,
    /// Sorted by path, then method, then file and line.
    pub routes: Vec<Route>,
    /// Whether any file registers handlers by reference (Django `urlpatterns`, axum/actix
    /// routers): then a handler no registration reaches is taken to be unrouted.
    pub has_registrations: bool,
}

impl Project {
    /// Link the facts of every file (display path, facts) into routes.
    pub fn link(files: &[(String, &FileFacts)], auth: &AuthConfig) -> Project {
        link::link(files, auth)
    }
}

/// The first line of `text`, trimmed, cut to `max` characters with an ellipsis: a piece of code
/// quoted in a guard or a message.
fn first_line_within(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or(text).trim();
    if first.chars().count() > max {
        format!("{}…", first.chars().take(max - 1).collect::<String>())
    } else {
        first.to_string()
    }
}
