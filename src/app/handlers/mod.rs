//! The per-file model of the application: which functions are HTTP handlers, for which routes
//! and methods, what guards them, and which values come from the request.
//!
//! It is built from one file at a time with framework heuristics (decorators, attributes, axum
//! `.route(...)` calls in the same file); rules reach it through `in-handler`, and the taint
//! tracker ([`crate::taint`]) takes handler parameters filled from the request as sources.

pub mod admin;
pub(crate) mod dispatch;
pub(crate) mod graphql;
pub(crate) mod python;
pub(crate) mod rust;

use crate::parse::ParsedFile;
use crate::source::Language;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A web framework tollgate models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    Django,
    Drf,
    Fastapi,
    /// django-ninja: FastAPI-style operations (`@router.post("/x", auth=…)`) on a Django
    /// project, with `Router(auth=…)`/`NinjaAPI(auth=…)` and `api.add_router(prefix, router)`.
    #[serde(rename = "django-ninja")]
    Ninja,
    Flask,
    /// Flask-RESTful and Flask-RESTX resources: what a method returns is serialised (JSON by
    /// default), not served as HTML.
    #[serde(rename = "flask-restful")]
    FlaskRestful,
    /// connexion: functions an OpenAPI or Swagger specification binds by `operationId`.
    Connexion,
    Axum,
    Actix,
    /// A Rust service on hyper (or the `http` crate) that routes by hand: a `match` on the
    /// request's method and path.
    Hyper,
    /// A Rust service on the standard library that routes by hand.
    Std,
    /// GraphQL resolvers of graphene and graphene-django.
    Graphene,
    Strawberry,
    Ariadne,
    #[serde(rename = "async-graphql")]
    AsyncGraphql,
    Juniper,
    /// Tools of a Model Context Protocol server (`@mcp.tool()`): called by an AI client with
    /// arguments it chooses, not at an HTTP path.
    Mcp,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::Django => "django",
            Framework::Drf => "drf",
            Framework::Fastapi => "fastapi",
            Framework::Ninja => "django-ninja",
            Framework::Flask => "flask",
            Framework::FlaskRestful => "flask-restful",
            Framework::Connexion => "connexion",
            Framework::Axum => "axum",
            Framework::Actix => "actix",
            Framework::Hyper => "hyper",
            Framework::Std => "std",
            Framework::Graphene => "graphene",
            Framework::Strawberry => "strawberry",
            Framework::Ariadne => "ariadne",
            Framework::AsyncGraphql => "async-graphql",
            Framework::Juniper => "juniper",
            Framework::Mcp => "mcp",
        }
    }

    /// hyper or the standard library: routes are the literal paths of a `match`, whole.
    pub fn routes_by_hand(self) -> bool {
        matches!(self, Framework::Hyper | Framework::Std)
    }
}

/// A function that serves HTTP requests.
#[derive(Clone, Debug, Serialize)]
pub struct Handler {
    pub name: String,
    pub framework: Framework,
    /// Upper-case HTTP methods; empty when any method may reach it.
    pub methods: Vec<String>,
    /// The route path when the file declares it.
    pub route: Option<String>,
    /// Names of the guards found (decorators, dependencies, extractors, middleware).
    pub guards: Vec<String>,
    /// The object whose decorator routes it (`app`, `router`, `bp`), or the class of a
    /// class-based view method.
    pub owner: Option<String>,
    /// Whether `route`/`methods` come from the handler's own decorator or attribute macro (as
    /// opposed to a registration elsewhere in the file, or none).
    pub declared_route: bool,
    /// Every decorator, dependency and extractor type on the handler, guard or not: the names a
    /// team's own guards (`[auth]` in the configuration) are looked up in.
    pub markers: Vec<String>,
    /// The whole function definition.
    #[serde(skip)]
    pub bytes: Range<usize>,
    /// The function's name, where findings about the handler point.
    #[serde(skip)]
    pub name_bytes: Range<usize>,
    /// Parameters whose values come from the request (path, query, body, headers).
    #[serde(skip)]
    pub request_params: Vec<String>,
    /// Request parameters the framework converts or validates to a number, a UUID, a date or
    /// one of a list of values before the handler sees them (connexion, by the specification's
    /// schema).
    #[serde(skip)]
    pub typed_params: Vec<String>,
    /// Dependencies, decorators and typed parameters that may guard the handler, judged by
    /// what they do when the project is linked.
    #[serde(skip)]
    pub guard_calls: Vec<crate::app::GuardCall>,
    /// The GraphQL query field or mutation the function resolves, when it is a resolver.
    pub operation: Option<graphql::Operation>,
}

impl Handler {
    pub fn authenticated(&self) -> bool {
        !self.guards.is_empty()
    }

    /// Whether a guard, dependency or decorator names administrators, staff, superusers or
    /// permissions (`Depends(check_super_user)`, `IsAdminUser`), or the route is under `/admin`.
    /// Judged by names, so rules use it only to lower their confidence.
    pub fn staff(&self) -> bool {
        self.guards
            .iter()
            .chain(&self.markers)
            .any(|marker| crate::app::handlers::admin::is_admin_marker(marker))
            || self
                .route
                .as_deref()
                .is_some_and(crate::app::handlers::admin::is_admin_area)
    }
}

/// What is known about one file.
#[derive(Debug, Default)]
pub struct FileModel {
    pub handlers: Vec<Handler>,
    /// Rust functions that route by hand (each also a handler above).
    pub dispatchers: Vec<dispatch::Dispatcher>,
}

impl FileModel {
    pub fn build(file: &ParsedFile) -> FileModel {
        let (mut handlers, dispatchers) = match file.language() {
            Language::Python => (python::handlers(file), Vec::new()),
            Language::Rust => rust::handlers(file),
        };
        handlers.extend(match file.language() {
            Language::Python => graphql::python::handlers(file),
            Language::Rust => graphql::rust::handlers(file),
        });
        FileModel {
            handlers,
            dispatchers,
        }
    }

    /// The innermost handler whose definition contains `byte`.
    pub fn handler_at(&self, byte: usize) -> Option<&Handler> {
        self.handlers
            .iter()
            .filter(|h| h.bytes.contains(&byte))
            .min_by_key(|h| h.bytes.len())
    }
}

/// The `in-handler` predicate of a rule: which handlers it accepts.
#[derive(Debug, Default)]
pub struct HandlerFilter {
    pub authenticated: Option<bool>,
    /// Whether the handler is restricted to staff: a guard, dependency or decorator named for
    /// administrators, staff, superusers or permissions, or a route under `/admin`.
    pub staff: Option<bool>,
    /// Matched against the route path.
    pub route: Option<Regex>,
    /// Accept handlers reachable with any of these methods (upper case).
    pub methods: Vec<String>,
    pub frameworks: Vec<String>,
}

/// What the linked routes must confirm of a handler that a filter accepted on its file alone:
/// a route whose path matches `route`, and methods among `methods`, where the file declares
/// none (a Django view, an axum handler routed by a router in another file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteWanted {
    /// The pattern the path of some route reaching the handler must match.
    pub route: Option<String>,
    /// The methods (upper case) some route reaching the handler must allow.
    pub methods: Vec<String>,
    /// Whether only a registration makes the function a handler (a Django view, an axum
    /// handler): where the project registers handlers, one must reach it.
    #[serde(default)]
    pub registered: bool,
    /// Set when a `lower-confidence`/`lower-severity` asked for the route: a linked route that
    /// matches lowers the finding instead of keeping it.
    #[serde(default)]
    pub lowers: Option<crate::matcher::Lowering>,
}

impl HandlerFilter {
    /// Whether the filter accepts the handler, judged on its file alone.
    pub fn accepts(&self, handler: &Handler) -> bool {
        self.accepts_pending(handler)
            .is_some_and(|wanted| wanted.route.is_none())
    }

    /// Whether the filter accepts the handler on its file alone, with what the linked routes
    /// must still confirm: a `route` pattern where the file declares no route for the handler
    /// or one the pattern does not match (the prefixes of the blueprints, routers and includes
    /// that mount it complete the path), `methods` where it declares none.
    pub fn accepts_pending(&self, handler: &Handler) -> Option<RouteWanted> {
        let mut wanted = RouteWanted {
            registered: !handler.declared_route,
            ..RouteWanted::default()
        };
        if let Some(route) = &self.route {
            match handler.route.as_deref() {
                Some(path) if route.is_match(path) => {}
                _ => wanted.route = Some(route.as_str().to_string()),
            }
        }
        if !self.methods.is_empty() {
            if handler.methods.is_empty() {
                wanted.methods.clone_from(&self.methods);
            } else if !handler.methods.iter().any(|m| self.methods.contains(m)) {
                return None;
            }
        }
        let rest = self
            .authenticated
            .is_none_or(|want| handler.authenticated() == want)
            && self.staff.is_none_or(|want| handler.staff() == want)
            && (self.frameworks.is_empty()
                || self
                    .frameworks
                    .iter()
                    .any(|f| f == handler.framework.name()));
        rest.then_some(wanted)
    }
}

/// Names of dependencies that hold a resource rather than check the caller (`get_db_session`,
/// `get_settings`), though some of their words (`session`) also name guards.
pub(crate) fn is_session_like(name: &str) -> bool {
    const RESOURCES: &[&str] = &[
        "db", "database", "engine", "settings", "config", "paginat", "cache", "redis", "storage",
    ];
    const CALLER: &[&str] = &[
        "user", "auth", "login", "token", "require", "verify", "current",
    ];
    let lower = name.to_ascii_lowercase();
    RESOURCES.iter().any(|w| lower.contains(w))
        || (lower.contains("session") && !CALLER.iter().any(|w| lower.contains(w)))
}

/// Whether the names the code at `node` uses suggest an authentication guard (a middleware
/// given to `.wrap(…)`/`.layer(…)`), judged on its identifiers, not on its strings or comments
/// (`Logger::new("%{User-Agent}i")` is no user check).
pub(crate) fn code_looks_like_auth(file: &ParsedFile, node: tree_sitter::Node) -> bool {
    let names = crate::syntax::descendants(node)
        .filter(|node| {
            matches!(
                node.kind(),
                "identifier" | "field_identifier" | "type_identifier"
            )
        })
        .map(|node| file.text(node))
        .collect::<Vec<_>>()
        .join("::");
    looks_like_auth(&names)
}

/// Names that suggest an authentication or authorization guard.
pub(crate) fn looks_like_auth(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "auth",
        "login",
        "logged_in",
        "current_user",
        "currentuser",
        "user",
        "token",
        "jwt",
        "permission",
        "perm",
        "verify",
        "session",
        "apikey",
        "api_key",
        "staff",
        "admin",
        "superuser",
        "scope",
        "claims",
        "identity",
        "principal",
        "bearer",
        "role",
        "guard",
        "protected",
        "signed_in",
        "require",
    ];
    let lower = name.to_ascii_lowercase();
    !lower.contains("allowany")
        && !lower.contains("anonymous")
        && WORDS.iter().any(|w| lower.contains(w))
}
