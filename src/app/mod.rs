//! The application model: which functions are HTTP (or GraphQL) handlers, for which routes and
//! methods, what guards each one, and which values come from the request.
//!
//! It is built in two stages that mirror the scan:
//! - per file, in the parallel stage: [`handlers`] reads one parsed file's handlers, guards and
//!   request parameters (what `in-handler`, `from-request` and the taint sources use while the
//!   file's rules run), and [`facts`] condenses it, with the routers, mounts and function
//!   summaries the file declares, into the compact [`FileFacts`] kept (and cached) with the file;
//! - once per scan: [`Project::link`] resolves the facts of every file into one route table,
//!   adding guards from every level (decorators, dependencies, extractors, router layers,
//!   middleware, settings) and the `[auth]` configuration. `routes`, `missing-authorization` and
//!   the link-time checks read the table, and per-file findings are confirmed against it.

mod address;
mod areas;
mod auth;
mod capability;
pub mod checks;
pub mod connexion;
pub mod effects;
pub mod facts;
mod forwarding;
pub(crate) mod guards;
pub mod handlers;
pub mod installers;
mod link;
pub mod missing_authorization;
pub mod models;
pub mod openapi;
pub mod ownership;
mod predicates;
mod privilege;
pub mod registrars;
pub(crate) mod rust_guards;
mod template_syntax;
pub mod templates;

pub use auth::{AuthConfig, AuthSettings};
pub use facts::{Edge, FileFacts, HandlerFact, Target};
pub use guards::GuardCall;

use crate::app::handlers::Framework;
use serde::Serialize;

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
    /// Calls of a function chosen by a name in a string (`get_action("package_update")(…)`)
    /// where a project function of that name authenticates: the route is reported, with lower
    /// confidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dispatched_guards: Vec<String>,
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
    pub operation: Option<crate::app::handlers::graphql::Operation>,
    /// Index of the handler in [`Project::handlers`].
    #[serde(skip)]
    pub handler_index: usize,
    /// A guard's code refuses callers who are not staff (see [`guards::Judge::admits_only_staff`]).
    #[serde(skip)]
    pub staff_only: bool,
    /// A check of the client's network address that refuses callers, in the handler or a
    /// function it calls, as written: no authentication (see [`address`]).
    #[serde(skip)]
    pub address_check: Option<String>,
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
