//! What one file tells the project model, in a form the cache can store.

use crate::app::guards::{self, ClassFact, FunctionFact, GuardCall};
use crate::app::handlers::graphql::Operation;
use crate::app::handlers::{Framework, Handler};
use crate::app::predicates;
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::source::Position;
use crate::symbols::FileSymbols;
use crate::syntax::FieldChild;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use tree_sitter::Node;

mod python;
mod rust;

/// Build the facts one file contributes to the project model.
pub fn build(file: &ParsedFile) -> FileFacts {
    let mut facts = match file.language() {
        Language::Python => python::facts(file),
        Language::Rust => rust::facts(file),
    };
    facts.template_dirs = crate::app::templates::configured_dirs(&file.source.text);
    // Every file's facts stay in memory until the link: a clone allocates each list at its
    // length, without the spare capacity left by building it.
    facts.clone()
}

/// One file's contribution to the project model.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    pub handlers: Vec<HandlerFact>,
    /// Routers, apps and blueprints declared here, with their own prefix and guards.
    pub containers: Vec<Container>,
    /// Mounts of handlers and routers under a path.
    pub edges: Vec<Edge>,
    /// Hooks that run before every route of a container another file declares (Flask
    /// `@bp.before_request` on an imported blueprint).
    #[serde(default)]
    pub hooks: Vec<Hook>,
    /// Calls that hand a class-based view to a function: registrations when the function is
    /// a registration helper (resolved when linking).
    #[serde(default)]
    pub helper_calls: Vec<crate::app::registrars::HelperCall>,
    /// Calls that may hand an app to a function installing hooks on it (see
    /// [`crate::app::installers`]).
    #[serde(default)]
    pub app_calls: crate::app::installers::AppCalls,
    /// Python imports: local name → dotted path (`views` → `payments.views`).
    pub imports: Vec<(CompactString, CompactString)>,
    /// Guards that settings apply to every view of a framework (DRF
    /// `DEFAULT_PERMISSION_CLASSES`, Django's `LoginRequiredMiddleware`).
    pub defaults: Vec<(Framework, String)>,
    /// DRF `DEFAULT_PERMISSION_CLASSES` entries (dotted class paths), judged when linking by
    /// whether one checks the objects a view looks up.
    #[serde(default)]
    pub drf_default_permissions: Vec<String>,
    /// Django `MIDDLEWARE` entries (dotted class paths), judged by what they do when linking.
    pub middleware: Vec<String>,
    /// The Django `app_name` of a URL module: the namespace of the routes it lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_name: Option<String>,
    /// What the file's names refer to, for judging guards written here.
    pub symbols: Option<FileSymbols>,
    /// What each function does about the caller's identity.
    pub functions: Vec<FunctionFact>,
    pub classes: Vec<ClassFact>,
    /// Module-level aliases that carry a dependency (`Auth = Annotated[U, Depends(f)]`).
    pub alias_guards: Vec<(String, Vec<GuardCall>)>,
    /// Classes the file's handlers take from the client (qualified names).
    pub request_models: Vec<String>,
    /// Classes only handlers restricted to staff take from the client (qualified names).
    #[serde(default)]
    pub staff_request_models: Vec<String>,
    /// Models that class-based views take, as (view class, model), when nothing in this file
    /// restricts the view to staff: its bases in other files decide when linking.
    #[serde(default)]
    pub view_models: Vec<(String, String)>,
    /// Per use of a request model by a handler open to non-staff: the class, the fields the
    /// handler bounds from below itself (empty when it takes the class other than as a typed
    /// parameter), and where the handler's name starts.
    #[serde(default)]
    pub model_checks: Vec<(String, Vec<String>, usize)>,
    /// Each class's class-typed fields (qualified names), to find nested request models.
    pub model_fields: Vec<(String, Vec<String>)>,
    /// Fields of classes that a function of this file bounds from below for a parameter of
    /// that class, or each element of one (`[self._verify_amount(p.amount) for p in proofs]`
    /// with `proofs: List[Proof]`): (class, field, the check as written).
    #[serde(default)]
    pub bounded_in_code: Vec<(String, String, String)>,
    /// Celery tasks declared with a base class: (function name, base as written).
    #[serde(default)]
    pub tasks: Vec<(String, String)>,
    /// Functions that return request input (wrappers of the request object).
    #[serde(default)]
    pub returns_request: Vec<crate::taint::across::FunctionId>,
    /// Properties of the file's request classes that return client input
    /// (`request.bearer_token`, see [`crate::taint::request_class`]).
    #[serde(default)]
    pub request_properties: Vec<String>,
    /// Functions that return an object they construct, with its qualified class followed by
    /// `()` (`def get_connection(): return ldap3.Connection(…)`).
    #[serde(default)]
    pub returns_object: Vec<(crate::taint::across::FunctionId, String)>,
    /// Functions that load a row by one of their parameters alone and return it
    /// (`idor-unscoped-lookup` judges their callers).
    #[serde(default)]
    pub unscoped_lookups: Vec<crate::detectors::LookupSummary>,
    /// Template directories the file configures, by their last component (`template_folder=`,
    /// `Jinja2Templates(directory=…)`, `TEMPLATES` `DIRS`, `Tera::new("…")`).
    #[serde(default)]
    pub template_dirs: Vec<String>,
    /// GraphQL schemas the file builds, with their root types as written.
    #[serde(default)]
    pub graphql_schemas: Vec<crate::app::handlers::graphql::Schema>,
    /// Mutation classes the file's object types mount as fields (`refund = Refund.Field()`).
    #[serde(default)]
    pub graphql_mounts: Vec<crate::app::handlers::graphql::Mount>,
    /// OpenAPI specifications the file serves with connexion (`app.add_api("openapi.yaml")`).
    #[serde(default)]
    pub apis: Vec<crate::app::connexion::Api>,
    /// Rust structs declared here, for `{:?}` of their values in other files.
    pub structs: Vec<crate::taint::debug_fields::StructFact>,
}

impl FileFacts {
    pub fn is_empty(&self) -> bool {
        self.handlers.is_empty()
            && self.containers.is_empty()
            && self.edges.is_empty()
            && self.hooks.is_empty()
            && self.helper_calls.is_empty()
            && self.app_calls.calls.is_empty()
            && self.defaults.is_empty()
            && self.middleware.is_empty()
            && self.drf_default_permissions.is_empty()
            && self.functions.is_empty()
            && self.classes.is_empty()
            && self.tasks.is_empty()
            && self.alias_guards.is_empty()
            && self.request_models.is_empty()
            && self.staff_request_models.is_empty()
            && self.view_models.is_empty()
            && self.model_fields.is_empty()
            && self.bounded_in_code.is_empty()
            && self.returns_request.is_empty()
            && self.request_properties.is_empty()
            && self.returns_object.is_empty()
            && self.unscoped_lookups.is_empty()
            && self.graphql_schemas.is_empty()
            && self.graphql_mounts.is_empty()
            && self.apis.is_empty()
            && self.structs.is_empty()
            // A module that star-imports another may replace its settings; one that imports
            // names may re-export them (a package's `__init__`, `from .mixins import Base`).
            && self
                .symbols
                .as_ref()
                .is_none_or(|symbols| symbols.globs.is_empty() && symbols.imports.is_empty())
    }
}

/// A request handler as the project model sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlerFact {
    pub name: String,
    pub framework: Framework,
    /// The decorating router/app/blueprint, or the class of a class-based view method.
    pub owner: Option<String>,
    /// Upper-case methods; empty: any.
    pub methods: Vec<String>,
    /// The path on the handler's own decorator or attribute macro, relative to its owner.
    pub route: Option<String>,
    /// For a DRF `@action`: whether it acts on one object, and its URL segment.
    pub action: Option<(bool, String)>,
    pub guards: Vec<String>,
    /// Dependencies, decorators and typed parameters judged when linking (their guesses by
    /// name are not in `guards`).
    pub guard_calls: Vec<GuardCall>,
    /// The handler's own check of the caller (`if not request.user.is_authenticated: …`).
    pub inline_check: Option<String>,
    /// The handler's own check of the client's network address (`if request.client.host !=
    /// "127.0.0.1":`), as written: no guard, said in `missing-authorization`'s message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_check: Option<String>,
    pub markers: Vec<String>,
    /// The reason given by a `tollgate: public -- reason` comment on the handler.
    pub public: Option<String>,
    /// The body changes state (saves, deletes, reads a form or body, executes SQL).
    pub writes: bool,
    /// The body verifies a signature (webhooks).
    pub verifies_signature: bool,
    /// A django-ninja operation that sets its own `auth=` (`auth=None` included): it replaces
    /// the authentication of the routers and the API that mount it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub own_auth: bool,
    /// A privilege the handler's own code grants without testing the caller's role or rights
    /// (`user.role = …`), as written: an administrator action.
    pub grants: Option<String>,
    /// The secret the request carries that the handler checks itself, when it is public by
    /// design (a reset link, a ticket's secret URL).
    #[serde(default)]
    pub capability: Option<crate::app::capability::Capability>,
    /// A function that is a handler only if a registration in another file mounts it (a
    /// `pub(crate) async fn` in a handlers module).
    #[serde(default)]
    pub candidate: bool,
    /// The GraphQL query field or mutation it resolves: listed under the endpoints that serve
    /// its library's schema.
    #[serde(default)]
    pub operation: Option<Operation>,
    /// The GraphQL library whose schema it serves, when it is a GraphQL endpoint (an axum or
    /// actix handler taking async-graphql's `GraphQLRequest`, a Flask view running Ariadne's
    /// `graphql_sync`).
    #[serde(default)]
    pub serves: Option<Framework>,
    /// The schema the handler runs itself, as written (`schema.execute(…)`,
    /// `graphql_sync(schema, data)`): a GraphQL endpoint when the name is a schema.
    #[serde(default)]
    pub serves_schema: Option<String>,
    /// Where the handler's name is.
    pub start: Position,
    pub end: Position,
    pub bytes: std::ops::Range<usize>,
    pub snippet: String,
}

/// A router, app or blueprint declared in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    pub name: String,
    pub prefix: String,
    pub guards: Vec<String>,
    /// Its dependencies (FastAPI `APIRouter(dependencies=[…])`), judged when linking.
    #[serde(default)]
    pub guard_calls: Vec<GuardCall>,
    pub markers: Vec<String>,
}

/// `guard` runs before every route of `container`, a container named as written here and
/// declared in another file; with `app_wide`, before every route of the application that
/// registers it (Flask's `@bp.before_app_request`), wherever the container is declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    pub container: Vec<String>,
    pub guard: GuardCall,
    #[serde(default)]
    pub app_wide: bool,
    /// The container is a parameter of a function around the hook (`def add_auth(app):
    /// app.before_request(check)`): attached by name only to a container of this file, and
    /// through the calls of `installed`, the function when it is a top-level one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_parameter: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed: Option<crate::app::installers::Installed>,
}

/// `from` (a container of this file) serves `target` under `prefix`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// Where the registration is written.
    pub at: Position,
    pub from: String,
    pub prefix: String,
    /// Methods the edge restricts to (axum `get(h)`, actix `web::post().to(h)`); empty: the
    /// target's own.
    pub methods: Vec<String>,
    pub target: Target,
    pub guards: Vec<String>,
    /// Dependencies the registration adds (`include_router(r, dependencies=[…])`), judged when
    /// linking.
    #[serde(default)]
    pub guard_calls: Vec<GuardCall>,
    pub markers: Vec<String>,
    /// For a GraphQL endpoint, the schema it serves as written (`schema`, `api.schema`,
    /// `@OFFSET` for one built in place).
    #[serde(default)]
    pub schema: Option<String>,
    /// Why the routes under the edge are public, when the registration says so (an OpenAPI
    /// operation's `security: []`).
    #[serde(default)]
    pub public: Option<String>,
    /// The URL namespace a Django `include(…, namespace="orga")` gives the routes under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// What an edge mounts, named as the code names it (`views.detail` → `["views", "detail"]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// A function handler.
    Handler(Vec<String>),
    /// A class-based view (`View.as_view()`) or, with `viewset`, a DRF viewset on a router.
    Class { path: Vec<String>, viewset: bool },
    /// A router, app, blueprint or router-building function.
    Container(Vec<String>),
    /// A Django URL module (`include("payments.urls")`).
    Module(String),
    /// A GraphQL endpoint serving a library's schema (`GraphQLView.as_view(schema=…)`,
    /// `GraphQLRouter(schema)`, `GraphQL(schema)`): the library's operations are its routes.
    Graphql(Framework),
    /// A view class of the project mounted with a schema (`GraphQLView.as_view(schema=schema)`
    /// with the project's own `GraphQLView`): a GraphQL endpoint of any library, guarded by
    /// what the class inherits or its `dispatch` does.
    GraphqlView(Vec<String>),
}

/// Text in a handler body that suggests it changes state.
const WRITE_HINTS: &[&str] = &[
    "request.POST",
    "request.FILES",
    "request.data",
    "request.body",
    "request.json",
    "request.form",
    "get_json(",
    ".save(",
    ".create(",
    ".delete(",
    ".update(",
    ".execute(",
    "request.method",
];
/// Text in a handler body that suggests it verifies a signature.
const SIGNATURE_HINTS: &[&str] = &[
    "construct_event",
    "compare_digest",
    "verify_signature",
    "verify_webhook",
    "hmac",
    "Hmac",
    "signature",
    "Signature",
    "ConstantTimeEq",
    "constant_time_eq",
];

/// Whether a django-ninja operation's decorator sets `auth=` itself (`@router.post("/open",
/// auth=None)`), as [`crate::app::handlers::python::sets_own_auth`] reads the route call.
fn own_auth(file: &ParsedFile, function: Option<Node>, handler: &Handler) -> bool {
    let decorated = function
        .and_then(|function| function.parent())
        .filter(|parent| parent.kind() == "decorated_definition");
    handler.framework == Framework::Ninja
        && decorated.is_some_and(|decorated| {
            crate::syntax::named_children(decorated)
                .into_iter()
                .filter(|node| node.kind() == "decorator")
                .filter_map(|decorator| decorator.named_child(0))
                .filter(|call| call.kind() == "call")
                .any(|call| crate::app::handlers::python::sets_own_auth(file, call))
        })
}

/// Whether a handler's text suggests it verifies a signature ([`SIGNATURE_HINTS`], or an
/// `authenticate(…)` call handed a secret), or that of a function of its module it calls or
/// runs on a worker thread (`await run_in_threadpool(_receive_event, body=body, …)`).
fn verifies_signature(file: &ParsedFile, function: Option<Node>, body: &str) -> bool {
    let hinted = |text: &str| {
        SIGNATURE_HINTS.iter().any(|hint| text.contains(hint))
            || (text.contains("authenticate(") && text.contains("secret"))
    };
    if hinted(body) {
        return true;
    }
    let (Some(function), Language::Python) = (function, file.language()) else {
        return false;
    };
    let root = file.tree.root_node();
    file.of_kinds_within(&["call"], function)
        .into_iter()
        .flat_map(|call| {
            let callee = call.field_child("function");
            let handed = call
                .field_child("arguments")
                .map(crate::syntax::named_children)
                .unwrap_or_default();
            callee.into_iter().chain(handed)
        })
        .filter(|name| name.kind() == "identifier")
        .filter_map(|name| file.definition_in(root, "function_definition", file.text(name)))
        .any(|helper| helper != function && hinted(file.text(helper)))
}

impl HandlerFact {
    /// The fact for a handler the per-file model found; `public` from the file's markers.
    pub fn of(file: &ParsedFile, handler: &Handler, public: &[(usize, Option<String>)]) -> Self {
        let source = file.source;
        let start = source.position(handler.name_bytes.start);
        let first_line = source.position(handler.bytes.start).line;
        let body = &source.text[handler.bytes.clone()];
        let public = public
            .iter()
            .find(|(line, _)| (first_line.saturating_sub(1)..=start.line).contains(line))
            .map(|(_, reason)| reason.clone().unwrap_or_else(|| "marked public".into()));
        let function = handler_function(file, handler);
        // The checks through the project's predicates, judged when linking by their code.
        let checks = match (function, file.language()) {
            (Some(function), crate::source::Language::Python) => {
                let django = matches!(handler.framework, Framework::Django | Framework::Drf);
                let requests = predicates::request_objects(file, function, django);
                let class = guards::enclosing_class_name(file, function);
                predicates::python_checks(file, function, &requests, class)
            }
            _ => Vec::new(),
        };
        let mut guard_calls = handler.guard_calls.clone();
        guard_calls.extend(checks.iter().map(|check| check.guard.clone()));
        HandlerFact {
            name: handler.name.clone(),
            framework: handler.framework,
            owner: handler.owner.clone(),
            methods: handler.methods.clone(),
            route: handler.route.clone().filter(|_| handler.declared_route),
            action: None,
            guards: handler
                .guards
                .iter()
                .filter(|g| !handler.guard_calls.iter().any(|call| call.text == **g))
                .cloned()
                .collect(),
            guard_calls,
            inline_check: function.and_then(|function| {
                inline_check(file, function, &predicates::callee_ranges(&checks))
            }),
            address_check: function
                .and_then(|function| crate::app::address::handler_check(file, function)),
            markers: handler.markers.clone(),
            public,
            writes: WRITE_HINTS.iter().any(|hint| body.contains(hint)),
            verifies_signature: verifies_signature(file, function, body),
            own_auth: own_auth(file, function, handler),
            grants: handler_function(file, handler)
                .and_then(|function| crate::app::privilege::granted(file, function)),
            capability: crate::app::capability::of(file, handler),
            candidate: false,
            operation: handler.operation.clone(),
            serves: None,
            serves_schema: None,
            start,
            end: source.position(handler.name_bytes.end),
            bytes: handler.name_bytes.clone(),
            snippet: source.line_text(start.line).to_string(),
        }
    }
}

/// The handler's own refusal of callers without credentials, if its body has one; the names of
/// the predicates its checks call (`blanks`) are no words about the caller (their code is judged
/// when linking).
fn inline_check(
    file: &ParsedFile,
    function: tree_sitter::Node,
    blanks: &[std::ops::Range<usize>],
) -> Option<String> {
    if file.language() != crate::source::Language::Python {
        return None;
    }
    guards::rejects_reading(file, function, guards::Refusal::Inline, blanks)
}

/// The function whose name is the handler's.
fn handler_function<'t>(file: &ParsedFile<'t>, handler: &Handler) -> Option<tree_sitter::Node<'t>> {
    file.tree
        .root_node()
        .descendant_for_byte_range(handler.name_bytes.start, handler.name_bytes.end)?
        .parent()
        .filter(|node| matches!(node.kind(), "function_definition" | "function_item"))
}

/// `/a/` + `b/{id}` → `/a/b/{id}`: one slash between parts, a leading slash.
pub fn join_path(prefix: &str, rest: &str) -> String {
    let rest = rest.trim_start_matches('^').trim_end_matches('$');
    let mut joined = format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        rest.trim_start_matches('/')
    );
    if !joined.starts_with('/') {
        joined.insert(0, '/');
    }
    if joined.len() > 1 && rest.is_empty() && !prefix.ends_with('/') {
        joined.pop();
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::join_path;

    #[test]
    fn paths_join_with_one_slash() {
        assert_eq!(join_path("", "payments/"), "/payments/");
        assert_eq!(join_path("/api", "/payments"), "/api/payments");
        assert_eq!(
            join_path("/api/", "payments/<int:pk>/"),
            "/api/payments/<int:pk>/"
        );
        assert_eq!(join_path("/api", ""), "/api");
        assert_eq!(join_path("api/", ""), "/api/");
        assert_eq!(join_path("", "^refunds/$"), "/refunds/");
    }
}
