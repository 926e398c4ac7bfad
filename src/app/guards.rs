//! Guards decided by what they do.
//!
//! Per file, each function gets a summary of what it does about the caller's identity
//! ([`FunctionFact`]): whether it rejects a request without valid credentials (raises or returns
//! 401/403, aborts, redirects to the login page, verifies a token), the FastAPI dependencies it
//! declares itself, and the functions it calls. Handlers record the calls that may guard them
//! ([`GuardCall`]: dependencies, decorators, `Annotated` aliases). When linking, each guard call
//! is resolved to a qualified name and judged: a framework guard known by its qualified name, a
//! project function whose summary (composed through its own dependencies and calls) authenticates,
//! or, for code tollgate cannot see, a guess from the name alone, which only lowers confidence.

use super::facts::FileFacts;
use crate::app::handlers::python::class_attribute;
use crate::parse::ParsedFile;
use crate::symbols::{NamePatterns, Resolved};
use crate::syntax::{ancestors_from, descendants, named_children, FieldChild};
use compact_str::CompactString;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;
use tree_sitter::Node;

/// How many calls deep a guard's summary is composed.
const MAX_DEPTH: usize = 6;
/// At most this many callees are kept per function.
const MAX_CALLS: usize = 32;

/// A call that may guard a handler: a dependency, a decorator, a typed parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardCall {
    /// As shown in `routes` (`Depends(get_current_user)`, `login_required`).
    pub text: String,
    /// The callable as written in its file (`get_current_user`, `auth.Authenticator`).
    pub callee: String,
    pub how: Via,
    /// The exception classes a `try` around the call catches and carries on after (`except
    /// ValidationError: error = …`): the call guards only when its refusal raises none of them
    /// (see [`Judge::judge`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless_caught: Vec<String>,
}

/// How a guard call reaches the handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    /// `Depends(f)`, a decorator: the callable itself runs.
    Call,
    /// `Depends(Authenticator(...))`: an instance, whose class's `__call__` runs.
    Instance,
    /// A parameter's type (`subject: WalletsWrite`): a guard when it names an `Annotated`
    /// alias with a dependency.
    Annotation,
    /// A Django middleware class named in `MIDDLEWARE`: its `__call__`, `process_request` or
    /// `process_view` runs on every request.
    Middleware,
    /// A middleware class added to the application (`app.add_middleware(RequireKey)`): a guard
    /// only when its own `dispatch` or `__call__` answers a request without credentials with a
    /// refusal; what the functions it calls do is not counted, as a middleware calls many
    /// (audit logs, sessions) that may refuse and whose errors it catches.
    AppMiddleware,
    /// A call at the top of the handler's body (`account = current_account()`,
    /// `require_user(&headers).await?`): a guard only when its code is read and refuses
    /// callers, never by its name.
    Body,
    /// An HTTP middleware of the application (`@app.middleware("http")`): judged like
    /// [`Via::Body`], as it does many jobs (block lists, CSRF, redirects) besides
    /// authentication; the addresses it refuses are no check of the route's caller.
    HttpMiddleware,
    /// A predicate the handler refuses the caller on, at the top of its body (`if not
    /// is_authenticated(request): return redirect("/login")`): a guard only when its code is
    /// read and its result tests the caller's credentials (see [`super::predicates`]).
    Predicate,
    /// A call at the top of the handler's body of the function a string names, looked up by a
    /// function of the project (`get_action("package_update")(context, data_dict)`): the
    /// project's module-level functions of that name are read like [`Via::Body`], but which of
    /// them runs is decided by a name alone ([`Verdict::Dispatched`]).
    Dispatched,
    /// `dependencies=route_dependencies`, a parameter of the function that declares the route
    /// (a router factory): the guards are whatever its callers pass in. Not followed into the
    /// callers: the route is reported less sure ([`Verdict::ByName`]).
    Injected,
}

impl Via {
    /// Whether the call is read like a helper the handler calls: a guard only when its code
    /// refuses a caller without credentials, never by its name ([`Refusal::Helper`]).
    pub(super) fn read_as_helper(self) -> bool {
        matches!(self, Via::Body | Via::HttpMiddleware)
    }
}

/// What one function does about the caller's identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionFact {
    /// `name`, or `Class.name` for a method (most fit inline, without an allocation).
    pub name: CompactString,
    /// Its own dependencies (FastAPI sub-dependencies) and decorators.
    pub guard_calls: Vec<GuardCall>,
    /// What it calls, as written.
    pub calls: Names,
    /// The rest, which most functions leave empty: boxed, as every function of the project is
    /// kept until the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    more: Option<Box<FunctionMore>>,
}

/// What a function does beyond its name, guards and calls (see [`FunctionFact::more`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionMore {
    /// How it rejects a request without credentials, if it does (`raises HTTPException(401)`).
    pub authenticates: Option<String>,
    /// The same, counting only what shows that the caller is checked (see
    /// [`Refusal::Helper`]): how a helper called from a handler's body is judged.
    #[serde(default)]
    pub checks_caller: Option<String>,
    /// Methods of its own class it refuses the request unless they agree
    /// (`if not cls.check_permissions(info.context): raise PermissionDenied()` →
    /// `check_permissions`): hooks a subclass may override.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusal_hooks: Vec<String>,
    /// It refuses callers who are not staff: a 401/403 under a condition about administrators,
    /// staff or superusers (`if not user.admin: raise HTTPException(403)`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admits_only_staff: bool,
    /// It returns a test of the caller's login or rights (`return context.user.is_authenticated`,
    /// `return context.user.has_perm(…)`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub returns_access_test: bool,
    /// What its result tests, when it is a predicate or depends on the caller's credentials or
    /// the client's address (see [`super::predicates`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tests: Option<super::predicates::Tests>,
    /// It refuses callers by their network address alone (`if request.remote_addr not in
    /// ALLOWED: abort(403)`), as written: no authentication (see [`super::address`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refuses_by_address: Option<String>,
    /// Refusals and calls that run only for some areas of the site (a middleware's `if
    /// request.path.startswith("/orga"): …`): left out of the above, judged per route.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scoped: Vec<super::areas::ScopedGuard>,
    /// The registration it makes with its parameters, when it is a registration helper (see
    /// [`super::registrars`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registers: Option<super::registrars::Registrar>,
    /// The name every `return` returns, for a top-level function (an app factory's `return
    /// app`, see [`super::installers`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<String>,
    /// The condition under which it hands a request on to the application unchecked, before
    /// any refusal (a middleware's `if not token: return await call_next(request)`, see
    /// [`super::forwarding`]): as a middleware, it guards no route as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passes_unchecked: Option<String>,
}

impl FunctionFact {
    /// A function's summary; `more` is kept only when it says something.
    pub fn new(
        name: String,
        guard_calls: Vec<GuardCall>,
        calls: Names,
        more: FunctionMore,
    ) -> Self {
        FunctionFact {
            name: name.into(),
            guard_calls,
            calls,
            more: (more != FunctionMore::default()).then(|| Box::new(more)),
        }
    }

    /// What the function does beyond its name, guards and calls.
    pub fn more(&self) -> &FunctionMore {
        static NOTHING: LazyLock<FunctionMore> = LazyLock::new(FunctionMore::default);
        self.more.as_deref().unwrap_or(&NOTHING)
    }
}

/// Names without spaces (dotted identifiers), kept as one string: a function calls many
/// short names, and every function of the project keeps them until the link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Names(CompactString);

impl Names {
    /// The names, deduplicated by the caller.
    pub fn new(names: &[&str]) -> Names {
        Names(names.join(" ").into())
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ').filter(|name| !name.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// A class and its bases, as written (for `class Bearer(HTTPBearer)`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassFact {
    pub name: String,
    pub bases: Vec<String>,
    /// The value of its `permission_classes = …` (DRF), as written.
    #[serde(default)]
    pub permission_classes: Option<String>,
    /// It overrides `apply_async`/`delay` to run them on `transaction.on_commit` (a Celery task
    /// base that publishes only once the database transaction commits).
    #[serde(default)]
    pub defers_to_commit: bool,
    /// What its class-level fields say about who owns its rows, for a model.
    #[serde(default)]
    pub fields: super::ownership::ModelFields,
    /// The attributes whose assignment runs its code: property setters (`@password.setter`)
    /// and SQLAlchemy validators (`@validates("password")`).
    #[serde(default)]
    pub setters: Vec<String>,
    /// It defines a DRF `has_object_permission` that can refuse (a body other than `return
    /// True`): a permission class that checks the object a view looks up.
    #[serde(default)]
    pub checks_objects: bool,
    /// It defines a `dispatch` that refuses the request under a comparison of some object's
    /// owner with the caller (`if owner.user != self.request.user: return
    /// HttpResponseForbidden()`), before any handler method runs.
    #[serde(default)]
    pub owner_checked_on_dispatch: bool,
}

/// What a class-based view inherits through its bases, in this file and others.
#[derive(Debug, Default)]
pub(super) struct Lineage {
    /// Some ancestor is a Django REST framework view.
    pub drf: bool,
    /// Ancestors that are guards known by their qualified names (`LoginRequiredMixin`), shown
    /// with the class that names them.
    pub guards: Vec<String>,
    /// The `permission_classes` of the nearest class that sets them (the view's own first).
    pub permission_classes: Option<String>,
    /// Every base, at any depth, as a qualified name.
    pub ancestors: Vec<String>,
    /// The class or an ancestor defers `apply_async` to `on_commit`.
    pub defers_to_commit: bool,
    /// The attributes the class or a project ancestor assigns through its own code.
    pub setters: Vec<String>,
    /// The class or a project ancestor defines a DRF `has_object_permission` that can refuse.
    pub checks_objects: bool,
    /// The class or a project ancestor refuses in `dispatch` unless an object's owner is the
    /// caller.
    pub owner_checked_on_dispatch: bool,
    /// The model fields of the class and of each project class it derives from, its own first
    /// (empty when no scanned file declares the class).
    pub fields: Vec<super::ownership::ModelFields>,
}

/// Guards known by their qualified names: framework decorators, dependencies, permissions.
static KNOWN_GUARDS: LazyLock<NamePatterns> = LazyLock::new(|| {
    NamePatterns::new(&[
        "django.contrib.auth.decorators.{login_required,permission_required,user_passes_test}".into(),
        "django.contrib.admin.views.decorators.staff_member_required".into(),
        "django.contrib.auth.mixins.*".into(),
        // django-rules, django-guardian and django-braces: the same mixins and decorators
        "rules.contrib.views.{PermissionRequiredMixin,permission_required,objectgetter}".into(),
        "guardian.mixins.{LoginRequiredMixin,PermissionRequiredMixin,PermissionListMixin}".into(),
        "guardian.decorators.{permission_required,permission_required_or_403}".into(),
        "braces.views.{LoginRequiredMixin,PermissionRequiredMixin,MultiplePermissionsRequiredMixin,GroupRequiredMixin,StaffuserRequiredMixin,SuperuserRequiredMixin,UserPassesTestMixin}".into(),
        "flask_login.{login_required,utils.login_required,fresh_login_required}".into(),
        "flask_jwt_extended.{jwt_required,verify_jwt_in_request,view_decorators.jwt_required}".into(),
        "flask_security.**".into(),
        "flask_httpauth.**".into(),
        // Flask-Allows and Flask-Principal: a requirement or permission on the current identity
        "flask_allows.{requires,Allows().requires,decorators.requires}".into(),
        "flask_principal.Permission().require".into(),
        "flask_appbuilder.**.{has_access,has_access_api,protect}".into(),
        "flask_appbuilder.{has_access,has_access_api,protect}".into(),
        "fastapi.security.**".into(),
        // django-ninja's authentication classes answer 401 unless `authenticate` returns a
        // value; its base classes (`HttpAuthBase`, `AuthBase`) refuse nothing themselves.
        "ninja.security.{HttpBearer,HttpBasicAuth,APIKeyHeader,APIKeyQuery,APIKeyCookie,SessionAuth,SessionAuthSuperUser,SessionAuthIsStaff,django_auth,django_auth_superuser,django_auth_is_staff}".into(),
        "ninja.security.{http,apikey,session}.{HttpBearer,HttpBasicAuth,APIKeyHeader,APIKeyQuery,APIKeyCookie,SessionAuth,SessionAuthSuperUser,SessionAuthIsStaff,django_auth,django_auth_superuser,django_auth_is_staff}".into(),
        "starlette.authentication.requires".into(),
        "rest_framework.permissions.{IsAuthenticated,IsAdminUser,IsAuthenticatedOrReadOnly,DjangoModelPermissions,DjangoObjectPermissions}".into(),
        "rest_framework.decorators.permission_classes".into(),
        "graphql_jwt.decorators.{login_required,staff_member_required,superuser_required,permission_required,user_passes_test}".into(),
        "strawberry_django.permissions.{IsAuthenticated,IsStaff,IsSuperuser,HasPerm,HasRetvalPerm}".into(),
    ])
    .expect("valid patterns")
});

/// The decoders of a signed token (PyJWT, python-jose): a verifier of the credential, or of a
/// capability the request carries, unless the call turns the check off
/// ([`skips_verification`]).
pub(super) const TOKEN_DECODERS: &[&str] = &[
    "jwt.decode",
    "jose.jwt.decode",
    "jwt.{PyJWT.decode,api_jwt.decode}",
];

/// Calls that verify a credential.
static VERIFIERS: LazyLock<NamePatterns> = LazyLock::new(|| {
    let names = [
        "django.contrib.auth.authenticate",
        "flask_jwt_extended.{verify_jwt_in_request,get_jwt_identity,get_jwt}",
        "fastapi.security.**",
        "authlib.**.{validate_token,acquire_token,parse_request_authorization}",
    ];
    let all: Vec<String> = TOKEN_DECODERS
        .iter()
        .chain(&names)
        .map(|name| name.to_string())
        .collect();
    NamePatterns::new(&all).expect("valid patterns")
});

/// Whether a qualified name is a call that verifies a credential (`jwt.decode`).
pub fn is_verifier(name: &str) -> bool {
    VERIFIERS.matches(name)
}

/// A token decoded with its signature check turned off (`jwt.decode(t, options={"verify_signature":
/// False})`, `verify=False`): a verifier's call that verifies nothing.
static SKIPS_VERIFICATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"verify_signature["']?\s*:\s*False|\bverify\s*=\s*False"#).expect("valid regex")
});

/// Whether a verifier's call, as written, turns its check off.
pub fn skips_verification(call: &str) -> bool {
    SKIPS_VERIFICATION.is_match(call)
}

/// Status codes and responses that refuse a request for want of credentials or rights.
const REJECTIONS: &[&str] = &[
    "401",
    "403",
    "HTTP_401",
    "HTTP_403",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "HttpResponseForbidden",
    "PermissionDenied",
    "NotAuthenticated",
    "AuthenticationFailed",
    "Unauthorized",
    "Unauthorised",
    "Forbidden",
    "redirect_to_login",
    "login_url",
    "LOGIN_URL",
    "unauthorized(",
    "InvalidToken",
    "InvalidCredentials",
    "AuthenticationError",
    "NotAuthorized",
];
/// The verdict on a function by the refusal in its own body alone (see
/// [`Via::AppMiddleware`]): a 401, or a 403 under a test of the caller; a credential it only
/// reads or verifies without refusing does not count.
fn own_refusal(function: &FunctionFact) -> Verdict {
    match &function.more().checks_caller {
        Some(how) if !how.starts_with(VERIFIES) => {
            Verdict::Guard(format!("`{}` {how}", function.name))
        }
        _ => Verdict::No,
    }
}

/// How [`rejects`] shows a credential check by a known verifier.
const VERIFIES: &str = "verifies a credential with";

/// Whether `text` names one of [`REJECTIONS`]: code that refuses the request.
pub(crate) fn names_refusal(text: &str) -> bool {
    REJECTIONS.iter().any(|refusal| text.contains(refusal))
}

/// Words (or their beginnings) in a condition that show it tests the caller's identity or
/// rights: `user`, `is_authenticated`, `session`, `MissingToken`; `role` and `scope` are left
/// out, being as often fields of the request body.
const CREDENTIAL_WORDS: &[&str] = &[
    "user",
    "session",
    "auth",
    "token",
    "login",
    "logged",
    "credential",
    "apikey",
    "identity",
    "principal",
    "permission",
    "perm",
    "perms",
    "staff",
    "superuser",
    "jwt",
    "claims",
    "bearer",
    "password",
];
/// Refusals that can only mean the caller has no valid credentials (as opposed to a 403,
/// which a feature switch or a file system may answer too).
const UNAUTHENTICATED: &[&str] = &[
    "401",
    "UNAUTHORIZED",
    "Unauthorized",
    "Unauthorised",
    "unauthorized(",
    "NotAuthenticated",
    "Unauthenticated",
    "AuthenticationFailed",
    "AuthenticationError",
    "InvalidToken",
    "InvalidCredentials",
    "redirect_to_login",
    "login_url",
    "LOGIN_URL",
];

/// Which refusals make a function a check of the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A guard's (a decorator, a dependency): checking callers is its only job, so any 401/403
    /// or credential check counts.
    Guard,
    /// A helper a handler calls at the top of its body: a 401, a credential check, or a 403
    /// under a test of the caller (not a feature switch's 403).
    Helper,
    /// A handler's own code: only refusals under a test of the caller.
    Inline,
}

/// Whether `text` names the caller's identity or rights: some word of it (split at
/// punctuation, underscores and case changes) begins with a credential word, or two adjacent
/// words spell one (`api_key`).
pub fn names_the_caller(text: &str) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            previous_lower = false;
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    words.push(current);
    let starts = |word: &str| {
        CREDENTIAL_WORDS.iter().any(|credential| match *credential {
            // Short words stand alone (`perm`, not `permanent`).
            "perm" | "perms" => word == *credential,
            _ => word.starts_with(credential),
        })
    };
    words.iter().any(|w| starts(w))
        || words
            .windows(2)
            .any(|pair| starts(&format!("{}{}", pair[0], pair[1])))
}

/// The summaries of every function and method of a Python file, and its classes.
pub fn python_functions(file: &ParsedFile) -> (Vec<FunctionFact>, Vec<ClassFact>) {
    let mut functions = Vec::new();
    let mut classes = Vec::new();
    for &node in file.statement_level() {
        match node.kind() {
            "function_definition" => {
                let Some(name) = node.field_child("name") else {
                    continue;
                };
                let class = enclosing_class_name(file, node);
                let name = match class {
                    Some(class) => format!("{class}.{}", file.text(name)),
                    None => file.text(name).to_string(),
                };
                let returned = super::installers::returned_name(file, node);
                let mut guard_calls = python_parameter_guards(file, node);
                guard_calls.extend(python_decorator_guards(file, node));
                guard_calls.extend(returned_wrapper_guards(file, node, returned.as_deref(), 0));
                let authenticates = rejects(file, node, Refusal::Guard);
                let more = FunctionMore {
                    checks_caller: rejects(file, node, Refusal::Helper),
                    admits_only_staff: refuses_non_staff(file, node),
                    refusal_hooks: if authenticates.is_some() {
                        refusal_hooks(file, node)
                    } else {
                        Vec::new()
                    },
                    authenticates,
                    returns_access_test: returns_access_test(file, node),
                    tests: super::predicates::python_tests(file, node),
                    refuses_by_address: refuses_by_address(file, node),
                    scoped: scoped_refusals(file, node),
                    registers: class
                        .is_none()
                        .then(|| super::registrars::registrar(file, node))
                        .flatten(),
                    returns: returned.filter(|_| class.is_none()),
                    passes_unchecked: super::forwarding::passes_unchecked(file, node),
                };
                functions.push(FunctionFact::new(
                    name,
                    guard_calls,
                    callees(file, node),
                    more,
                ));
            }
            "class_definition" => {
                let Some(name) = node.field_child("name") else {
                    continue;
                };
                let bases = node
                    .field_child("superclasses")
                    .map(|b| {
                        named_children(b)
                            .into_iter()
                            .filter(|n| n.kind() != "keyword_argument")
                            .map(|n| file.text(n).to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                classes.push(ClassFact {
                    name: file.text(name).to_string(),
                    bases,
                    permission_classes: class_attribute(file, node, "permission_classes")
                        .map(|value| file.text(value).to_string()),
                    defers_to_commit: defers_to_commit(file, node),
                    fields: super::ownership::python_fields(file, node),
                    setters: setters(file, node),
                    checks_objects: checks_objects(file, node),
                    owner_checked_on_dispatch: owner_checked_on_dispatch(file, node),
                });
            }
            _ => {}
        }
    }
    (functions, classes)
}

/// Whether `class` defines `has_object_permission` with a body that can refuse: not only
/// `return True` (DRF's `BasePermission` default, restated).
fn checks_objects(file: &ParsedFile, class: Node) -> bool {
    crate::app::handlers::python::class_methods(file, class)
        .into_iter()
        .filter(|(name, _)| name == "has_object_permission")
        .any(|(_, function)| {
            let allows_all = function.field_child("body").is_some_and(|body| {
                let statements: Vec<Node> = named_children(body)
                    .into_iter()
                    .filter(|s| !matches!(s.kind(), "comment" | "expression_statement"))
                    .collect();
                matches!(statements.as_slice(), [only] if file.text(*only).trim() == "return True")
            });
            !allows_all
        })
}

/// Whether `class` defines a `dispatch` with an `if` that compares some object's owner with
/// the caller (`owner_object.user != self.request.user`, `request.user.pk == obj.owner_id`) and
/// refuses (403, `PermissionDenied`, `HttpResponseForbidden`) in its body or `else`.
fn owner_checked_on_dispatch(file: &ParsedFile, class: Node) -> bool {
    static OWNER_TEST: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"\b(user|owner|user_id|owner_id)\s*(!=|==|is not|is)\s*(self\.)?request\.user\b|\brequest\.user(\.id|\.pk)?\s*(!=|==|is not|is)\s*[\w.]*\.(user|owner|user_id|owner_id)\b",
        )
        .unwrap_or_else(|_| unreachable!("constant regex"))
    });
    crate::app::handlers::python::class_methods(file, class)
        .into_iter()
        .filter(|(name, _)| name == "dispatch")
        .any(|(_, function)| {
            file.of_kinds_within(&["if_statement"], function)
                .into_iter()
                .any(|statement| {
                    let Some(condition) = statement.field_child("condition") else {
                        return false;
                    };
                    let branches = &file.source.text[condition.end_byte()..statement.end_byte()];
                    OWNER_TEST.is_match(file.text(condition)) && names_refusal(branches)
                })
        })
}

/// The attributes of `class` whose assignment runs its code: `@password.setter` and
/// `@validates("password", …)` methods.
fn setters(file: &ParsedFile, class: Node) -> Vec<String> {
    let Some(body) = class.field_child("body") else {
        return Vec::new();
    };
    let mut setters = Vec::new();
    for statement in named_children(body) {
        if statement.kind() != "decorated_definition" {
            continue;
        }
        for decorator in named_children(statement) {
            if decorator.kind() != "decorator" {
                continue;
            }
            let text = file.text(decorator).trim_start_matches('@').trim();
            if let Some(attribute) = text.strip_suffix(".setter") {
                setters.push(attribute.to_string());
            } else if let Some(names) = text
                .strip_prefix("validates(")
                .or_else(|| text.split_once(".validates(").map(|(_, rest)| rest))
            {
                setters.extend(
                    names
                        .split(',')
                        .map(|name| name.trim().trim_end_matches(')').trim_matches(['"', '\'']))
                        .filter(|name| !name.is_empty() && !name.contains('='))
                        .map(str::to_string),
                );
            }
        }
    }
    setters
}

/// Whether a class's `apply_async`, `delay` or `apply` calls `on_commit`.
fn defers_to_commit(file: &ParsedFile, class: Node) -> bool {
    let Some(body) = class.field_child("body") else {
        return false;
    };
    if !file.text(body).contains("on_commit") {
        return false;
    }
    descendants(body)
        .filter(|n| n.kind() == "function_definition")
        .filter(|f| {
            f.field_child("name")
                .is_some_and(|n| matches!(file.text(n), "apply_async" | "delay" | "apply"))
        })
        .any(|f| {
            descendants(f).any(|call| {
                call.kind() == "call"
                    && call
                        .field_child("function")
                        .is_some_and(|callee| file.text(callee).ends_with("on_commit"))
            })
        })
}

/// Celery tasks a file declares with a base class: (function name, base as written), from
/// `@app.task(base=TransactionAwareTask)` or `@shared_task(base=…)`.
pub fn python_tasks(file: &ParsedFile) -> Vec<(String, String)> {
    let mut tasks = Vec::new();
    for &node in file.statement_level() {
        if node.kind() != "function_definition" {
            continue;
        }
        let Some(decorated) = node.parent().filter(|p| p.kind() == "decorated_definition") else {
            continue;
        };
        let Some(name) = node.field_child("name") else {
            continue;
        };
        for decorator in named_children(decorated)
            .into_iter()
            .filter(|n| n.kind() == "decorator")
        {
            let Some(call) = named_children(decorator)
                .into_iter()
                .next()
                .filter(|c| c.kind() == "call")
            else {
                continue;
            };
            let is_task = call.field_child("function").is_some_and(|f| {
                let callee = file.text(f);
                callee == "shared_task" || callee == "task" || callee.ends_with(".task")
            });
            let base = crate::app::handlers::python::keyword_argument(file, call, "base");
            if let (true, Some(base)) = (is_task, base) {
                tasks.push((file.text(name).to_string(), file.text(base).to_string()));
            }
        }
    }
    tasks
}

pub(crate) fn enclosing_class_name<'f>(file: &ParsedFile<'f>, function: Node) -> Option<&'f str> {
    let mut node = file.parent(function)?;
    if node.kind() == "decorated_definition" {
        node = file.parent(node)?;
    }
    let class = file
        .parent(node)
        .filter(|p| p.kind() == "class_definition")?;
    Some(file.text(class.field_child("name")?))
}

/// Module-level aliases that carry a dependency (`WalletsWrite = Annotated[S, Depends(auth)]`).
pub fn python_alias_guards(file: &ParsedFile) -> Vec<(String, Vec<GuardCall>)> {
    let mut out = Vec::new();
    let text = &file.source.text;
    if !text.contains("Depends") && !text.contains("Security") {
        return out;
    }
    for node in named_children(file.tree.root_node()) {
        let inner = match node.kind() {
            "expression_statement" => named_children(node).into_iter().next(),
            "type_alias_statement" => Some(node),
            _ => None,
        };
        let Some(inner) = inner else { continue };
        let (name, value) = match inner.kind() {
            "assignment" => (inner.field_child("left"), inner.field_child("right")),
            "type_alias_statement" => {
                let parts = named_children(inner);
                (parts.first().copied(), parts.get(1).copied())
            }
            _ => (None, None),
        };
        let (Some(name), Some(value)) = (name, value) else {
            continue;
        };
        let calls = dependency_calls(file, value, None);
        if !calls.is_empty() {
            let name = file.text(name);
            let name = name.split('[').next().unwrap_or(name).trim();
            out.push((name.to_string(), calls));
        }
    }
    out
}

/// The guard calls of a function's parameters: `Depends(f)`/`Security(f)` defaults and
/// `Annotated` parts, and parameter types that may name such an alias.
pub fn python_parameter_guards(file: &ParsedFile, function: Node) -> Vec<GuardCall> {
    let Some(params) = function.field_child("parameters") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for param in named_children(params) {
        let annotation = param.field_child("type");
        let calls = dependency_calls(file, param, annotation);
        if calls.is_empty() {
            if let Some(annotation) = annotation {
                let text = file.text(annotation);
                let base = text.split('|').next().unwrap_or(text).trim();
                if is_name(base) {
                    out.push(GuardCall {
                        text: base.to_string(),
                        callee: base.to_string(),
                        how: Via::Annotation,
                        unless_caught: Vec::new(),
                    });
                }
            }
        }
        out.extend(calls);
    }
    out
}

/// The decorators of a function, as guard calls (route decorators excluded).
pub fn python_decorator_guards(file: &ParsedFile, function: Node) -> Vec<GuardCall> {
    let Some(outer) = function
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    else {
        return Vec::new();
    };
    named_children(outer)
        .into_iter()
        .filter(|n| n.kind() == "decorator")
        .filter_map(|decorator| {
            decorator_call_guard(file, named_children(decorator).into_iter().next()?)
        })
        .collect()
}

/// The decorators of the wrapper a decorator returns, as guard calls: they run around every
/// view it decorates (`def pga_login_required(func): @wraps(func) @mfa_required def
/// wrapper(…): …; return wrapper`), also through a factory that returns such a decorator
/// (`def requires(role): def decorator(view): …; return decorator`).
fn returned_wrapper_guards(
    file: &ParsedFile,
    function: Node,
    returned: Option<&str>,
    depth: usize,
) -> Vec<GuardCall> {
    const MAX_FACTORIES: usize = 2;
    let Some((name, body)) = returned.zip(function.field_child("body")) else {
        return Vec::new();
    };
    let wrapper = named_children(body).into_iter().find_map(|statement| {
        let definition = match statement.kind() {
            "decorated_definition" => statement.field_child("definition")?,
            _ => statement,
        };
        let named = definition
            .field_child("name")
            .is_some_and(|n| file.text(n) == name);
        (definition.kind() == "function_definition" && named).then_some(definition)
    });
    let Some(wrapper) = wrapper else {
        return Vec::new();
    };
    let mut guards = python_decorator_guards(file, wrapper);
    if depth < MAX_FACTORIES {
        let returned = super::installers::returned_name(file, wrapper);
        guards.extend(returned_wrapper_guards(
            file,
            wrapper,
            returned.as_deref(),
            depth + 1,
        ));
    }
    guards
}

/// A decorator expression as a guard call: `login_required`, `requires(IsAdmin)`, and
/// `method_decorator(login_required)`, which applies its first argument to the method.
pub fn decorator_call_guard(file: &ParsedFile, expression: Node) -> Option<GuardCall> {
    let mut expression = expression;
    let adapts = expression.kind() == "call"
        && expression
            .field_child("function")
            .is_some_and(|f| file.text(f).rsplit('.').next() == Some("method_decorator"));
    if adapts {
        expression = expression
            .field_child("arguments")
            .and_then(|arguments| named_children(arguments).into_iter().next())?;
    }
    let callee = match expression.kind() {
        "call" => expression.field_child("function")?,
        _ => expression,
    };
    let callee_text = file.text(callee);
    is_name(callee_text).then(|| GuardCall {
        text: file.text(expression).to_string(),
        callee: callee_text.to_string(),
        how: Via::Call,
        unless_caught: Vec::new(),
    })
}

/// A call at the top level of a function's body (see [`top_level_calls`]), with the exception
/// classes the `try` statements around it catch and carry on after.
pub struct TopCall<'t> {
    pub call: Node<'t>,
    pub unless_caught: Vec<String>,
}

/// The calls a function's body makes at its top level, up to its first `return` (included):
/// `check(request)`, `user = require_user(info)`, `await require_member(request)`,
/// `return delete_run(info, run_id)` — the calls that run before anything else, unconditionally.
pub fn top_level_calls<'t>(file: &ParsedFile, function: Node<'t>) -> Vec<TopCall<'t>> {
    let Some(body) = function.field_child("body") else {
        return Vec::new();
    };
    let mut calls = Vec::new();
    block_calls(file, body, &[], &mut calls);
    calls
}

/// The calls of [`top_level_calls`] in one block, under a `try` catching `caught`. A `try` whose
/// handlers all fail closed (`except HTTPException: return JSONResponse(…, status_code=401)`,
/// a `raise`) counts as its body: a refusal inside it still refuses. One whose other handlers
/// catch named classes only (`except ValidationError: error = …`) counts too, with those
/// classes: a refusal raising another class still ends the request. Whether the block ended
/// with a `return`.
fn block_calls<'t>(
    file: &ParsedFile,
    block: Node<'t>,
    caught: &[String],
    calls: &mut Vec<TopCall<'t>>,
) -> bool {
    for statement in named_children(block) {
        if statement.kind() == "try_statement" {
            let Some(body) = statement.field_child("body") else {
                continue;
            };
            if fails_closed(file, statement) {
                if block_calls(file, body, caught, calls) {
                    return true;
                }
            } else if let Some(more) = carried_on(file, statement) {
                let mut caught = caught.to_vec();
                caught.extend(more);
                // A `return` inside runs only when nothing was caught.
                block_calls(file, body, &caught, calls);
            }
            continue;
        }
        let returns = statement.kind() == "return_statement";
        if !returns && statement.kind() != "expression_statement" {
            continue;
        }
        let mut value = named_children(statement).into_iter().next();
        if let Some(assignment) = value.filter(|v| v.kind() == "assignment") {
            value = assignment.field_child("right");
        }
        if let Some(awaited) = value.filter(|v| v.kind() == "await") {
            value = named_children(awaited).into_iter().next();
        }
        calls.extend(value.filter(|v| v.kind() == "call").map(|call| TopCall {
            call,
            unless_caught: caught.to_vec(),
        }));
        if returns {
            return true;
        }
    }
    false
}

/// The exception classes (last part of the name, as written) the handlers of a `try` that do
/// not fail closed catch, when each names its classes: `None` for a bare `except:`, one
/// catching `Exception` or `BaseException`, or a `finally` (which may return).
fn carried_on(file: &ParsedFile, statement: Node) -> Option<Vec<String>> {
    let mut caught = Vec::new();
    for handler in named_children(statement) {
        match handler.kind() {
            "block" | "else_clause" => continue,
            "except_clause" if !handler_fails_closed(file, handler) => {}
            "except_clause" => continue,
            _ => return None,
        }
        let mut classes = handler.field_child("value")?;
        if classes.kind() == "as_pattern" {
            // `except ValidationError as e`
            classes = named_children(classes).into_iter().next()?;
        }
        let names = match classes.kind() {
            "tuple" | "parenthesized_expression" => named_children(classes),
            _ => vec![classes],
        };
        for name in names {
            let written = file.text(name);
            if !is_name(written) {
                return None;
            }
            let last = written.rsplit('.').next().unwrap_or(written);
            if matches!(last, "Exception" | "BaseException") {
                return None;
            }
            caught.push(last.to_string());
        }
    }
    Some(caught)
}

/// Whether every `except` of a `try` ends the request (see [`handler_fails_closed`]), and no
/// `else` or `finally` runs on.
fn fails_closed(file: &ParsedFile, statement: Node) -> bool {
    let handlers: Vec<Node> = named_children(statement)
        .into_iter()
        .filter(|child| child.kind() != "block")
        .collect();
    !handlers.is_empty()
        && handlers.iter().all(|handler| {
            handler.kind() == "except_clause" && handler_fails_closed(file, *handler)
        })
}

/// Whether an `except` clause ends the request: its last statement raises, aborts
/// (`abort(404)`, `base.abort(403, …)`), or returns an answer that names one of
/// [`REJECTIONS`] (a 401/403 status, an unauthorized or forbidden response).
fn handler_fails_closed(file: &ParsedFile, handler: Node) -> bool {
    let last = named_children(handler)
        .into_iter()
        .rfind(|child| child.kind() == "block")
        .and_then(|block| named_children(block).pop());
    last.is_some_and(|last| match last.kind() {
        "raise_statement" => true,
        "return_statement" => {
            names_refusal(file.text(last))
                || named_children(last)
                    .first()
                    .is_some_and(|value| value.kind() == "call" && aborts(file, *value).is_some())
        }
        "expression_statement" => named_children(last)
            .first()
            .is_some_and(|call| call.kind() == "call" && aborts(file, *call).is_some()),
        _ => false,
    })
}

/// A guard call for `call` (one of [`top_level_calls`]) when its callee is a name.
pub fn top_level_guard_call(file: &ParsedFile, call: Node, how: Via) -> Option<GuardCall> {
    let callee = file.text(call.field_child("function")?);
    is_name(callee).then(|| GuardCall {
        text: call_text(file, call),
        callee: callee.to_string(),
        how,
        unless_caught: Vec::new(),
    })
}

/// A call as shown in `routes`: its first line, at most 80 characters.
fn call_text(file: &ParsedFile, call: Node) -> String {
    file.text(call)
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(80)
        .collect()
}

/// The calls at the top level of a handler's body that may guard it (`account =
/// current_account()`, `await require_member(request)`, `self.check(request)`): judged when
/// linking by what the called function does, never by its name.
pub fn python_body_calls(file: &ParsedFile, function: Node) -> Vec<GuardCall> {
    let class = enclosing_class_name(file, function);
    top_level_calls(file, function)
        .into_iter()
        .filter_map(
            |TopCall {
                 call,
                 unless_caught,
             }| {
                let guard = match constructed_method(file, call) {
                    // `Checks()._prepare(id)`, `view._prepare(id)`: a method of a project class.
                    Some(method) => Some(GuardCall {
                        text: call_text(file, call),
                        callee: method,
                        how: Via::Body,
                        unless_caught: Vec::new(),
                    }),
                    None => top_level_guard_call(file, call, Via::Body)
                        .or_else(|| dispatched_call(file, call)),
                };
                guard.map(|guard| GuardCall {
                    unless_caught,
                    ..guard
                })
            },
        )
        .map(|mut guard| {
            // `self.check()` is a method of the handler's class.
            if let (Some(class), Some(method)) = (class, guard.callee.strip_prefix("self.")) {
                if !method.contains('.') {
                    guard.callee = format!("{class}.{method}");
                }
            }
            guard
        })
        .collect()
}

/// `get_action("package_update")(context, data_dict)`: a call of what a project function
/// returns for one string naming a function ([`Via::Dispatched`]).
fn dispatched_call(file: &ParsedFile, call: Node) -> Option<GuardCall> {
    let lookup = call
        .field_child("function")
        .filter(|f| f.kind() == "call")?;
    if !is_name(file.text(lookup.field_child("function")?)) {
        return None;
    }
    let arguments = named_children(lookup.field_child("arguments")?);
    let [name] = arguments.as_slice() else {
        return None;
    };
    let quoted = crate::syntax::scope::python::string_literal(file, *name)?;
    let is_identifier = quoted.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && quoted
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_identifier.then(|| GuardCall {
        text: call_text(file, call),
        callee: quoted,
        how: Via::Dispatched,
        unless_caught: Vec::new(),
    })
}

/// `Checks().prepare(…)`, or `view = Checks(); view.prepare(…)`: the method `Checks.prepare` of
/// the class the receiver is constructed from (a capitalised name, by Python's convention).
fn constructed_method(file: &ParsedFile, call: Node) -> Option<String> {
    let function = call
        .field_child("function")
        .filter(|f| f.kind() == "attribute")?;
    let method = file.text(function.field_child("attribute")?);
    let receiver = function.field_child("object")?;
    let constructed = match receiver.kind() {
        "call" => receiver,
        "identifier" => {
            crate::taint::latest_value(file, receiver).filter(|v| v.kind() == "call")?
        }
        _ => return None,
    };
    let class = file.text(constructed.field_child("function")?);
    let last = class.rsplit('.').next().unwrap_or(class);
    let is_class = is_name(class) && last.starts_with(|c: char| c.is_ascii_uppercase());
    is_class.then(|| format!("{class}.{method}"))
}

/// `Depends(f)`, `Security(f, scopes=…)` and `Depends(Cls(...))` calls under `node`; a bare
/// `Depends()` takes the parameter's type as the callable.
pub fn dependency_calls(file: &ParsedFile, node: Node, annotation: Option<Node>) -> Vec<GuardCall> {
    // `dependencies=AUTH` with `AUTH = (Depends(check_key),)` at the top of the module.
    let constant = (node.kind() == "identifier")
        .then(|| file.assigned_once().get(file.text(node)).copied().flatten())
        .flatten();
    let node = constant.unwrap_or(node);
    let mut out = Vec::new();
    for call in file.of_kinds_within(&["call"], node) {
        let Some(function) = call.field_child("function") else {
            continue;
        };
        let name = file.text(function);
        let last = name.rsplit('.').next().unwrap_or(name);
        if last != "Depends" && last != "Security" {
            continue;
        }
        let first = call.field_child("arguments").and_then(|args| {
            named_children(args)
                .into_iter()
                .find(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
        });
        let (callee, how) = match first {
            Some(arg) if arg.kind() == "call" => match arg.field_child("function") {
                Some(class) => (file.text(class).to_string(), Via::Instance),
                None => continue,
            },
            Some(arg) => (file.text(arg).to_string(), Via::Call),
            None => match annotation.map(|a| annotated_type(file, a)) {
                Some(class) => (class, Via::Instance),
                None => continue,
            },
        };
        if is_name(&callee) {
            let text = file.text(call).to_string();
            out.push(GuardCall {
                text: if last == "Security" {
                    text
                } else {
                    format!("Depends({callee})")
                },
                callee,
                how,
                unless_caught: Vec::new(),
            });
        }
    }
    out
}

/// `dependencies=route_dependencies` where `route_dependencies` is a parameter of a function
/// around it (a router factory): the dependencies its callers pass in ([`Via::Injected`]).
pub fn injected_dependencies(file: &ParsedFile, node: Node) -> Option<GuardCall> {
    if node.kind() != "identifier" {
        return None;
    }
    let name = file.text(node);
    let factory = file
        .ancestors(node)
        .filter(|ancestor| ancestor.kind() == "function_definition")
        .find(|function| {
            crate::taint::parameter_names(file, *function)
                .iter()
                .any(|parameter| parameter == name)
        })?;
    let factory = file.text(factory.field_child("name")?);
    Some(GuardCall {
        text: format!("dependencies={name}, which the callers of `{factory}` pass in"),
        callee: name.to_string(),
        how: Via::Injected,
        unless_caught: Vec::new(),
    })
}

/// `Annotated[User, Depends()]` → `User`; `User` → `User`.
fn annotated_type(file: &ParsedFile, annotation: Node) -> String {
    let text = file.text(annotation);
    let inner = text
        .strip_prefix("Annotated[")
        .or_else(|| text.split_once(".Annotated[").map(|(_, rest)| rest))
        .unwrap_or(text);
    inner
        .split([',', ']', '['])
        .next()
        .unwrap_or(inner)
        .trim()
        .to_string()
}

/// A dotted name as written (`auth.is_signed_in`, `self.check`), not an expression.
pub(crate) fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && !text.starts_with(|c: char| c.is_ascii_digit())
}

/// The callees of a function body, as written (nested functions included: a decorator's
/// wrapper does the work).
fn callees(file: &ParsedFile, function: Node) -> Names {
    let Some(body) = function.field_child("body") else {
        return Names::default();
    };
    let mut out: Vec<&str> = Vec::new();
    let areas = super::areas::may_name_areas(file, body);
    for call in file.of_kinds_within(&["call"], body) {
        let Some(callee) = call.field_child("function") else {
            continue;
        };
        if areas && super::areas::scope_of(file, call, body).is_some() {
            // Runs for some areas of the site only: see `scoped_refusals`.
            continue;
        }
        let text = file.text(callee);
        if is_name(text) && !out.contains(&text) {
            out.push(text);
            if out.len() == MAX_CALLS {
                break;
            }
        }
    }
    Names::new(&out)
}

/// A call of `abort(…)` (Flask's, or any `….abort`): its arguments as written, and whether they
/// hold a 401 or 403.
struct Abort<'f> {
    arguments: &'f str,
    refuses: bool,
}

fn aborts<'f>(file: &ParsedFile<'f>, call: Node) -> Option<Abort<'f>> {
    let callee = file.text(call.field_child("function")?);
    if callee.rsplit('.').next() != Some("abort") {
        return None;
    }
    let arguments = call
        .field_child("arguments")
        .map(|a| file.text(a))
        .unwrap_or("");
    Some(Abort {
        arguments,
        refuses: arguments.contains("401") || arguments.contains("403"),
    })
}

/// The refusals of `function` (a 401/403, an authentication exception, a redirect to the login
/// page, any exit on the branch taken when a test of the caller fails) and its calls that run
/// only for some areas of the site (see [`super::areas`]).
fn scoped_refusals(file: &ParsedFile, function: Node) -> Vec<super::areas::ScopedGuard> {
    let Some(body) = function.field_child("body") else {
        return Vec::new();
    };
    let names = super::address::address_names(file, function);
    let reading = Reading {
        names: &names,
        blanks: &[],
    };
    let refusal = |node: Node| {
        let text = file.text(node);
        let refuses = match node.kind() {
            "call" => aborts(file, node).is_some_and(|aborts| aborts.refuses),
            _ => {
                names_refusal(text)
                    || (!matches!(text.trim(), "return" | "return None")
                        && on_denied_branch(file, node, body, &reading))
            }
        };
        refuses.then(|| super::rust_guards::first_line(text))
    };
    super::areas::scoped_guards(file, function, &refusal)
}

/// How `function` refuses a request without credentials, if it does: it raises or returns a
/// 401/403 (or an authentication exception, a redirect to the login page), or it verifies a
/// credential; `mode` says which of these count (see [`Refusal`]). A refusal decided by a test
/// of the client's network address alone never counts (see [`super::address`]).
pub fn rejects(file: &ParsedFile, function: Node, mode: Refusal) -> Option<String> {
    rejects_reading(file, function, mode, &[])
}

/// [`rejects`], reading the conditions without the parts in `blanks`: the names of the
/// predicates a handler's checks call, judged by their code when linking, not by their names.
pub fn rejects_reading(
    file: &ParsedFile,
    function: Node,
    mode: Refusal,
    blanks: &[std::ops::Range<usize>],
) -> Option<String> {
    let body = function.field_child("body")?;
    let symbols = file.symbols();
    let names = super::address::address_names(file, function);
    let reading = Reading {
        names: &names,
        blanks,
    };
    let by_address =
        |node: Node| super::address::refused_by_address(file, node, body, reading.names);
    let kinds = ["raise_statement", "return_statement", "call"];
    // A refusal counts unconditionally for a guard, when it can only mean "no credentials"
    // for a helper, and otherwise only under a test of the caller.
    let counts = |node: Node, text: &str| match mode {
        Refusal::Guard => !by_address(node),
        Refusal::Helper if UNAUTHENTICATED.iter().any(|r| text.contains(r)) => !by_address(node),
        _ => under_condition(file, node, body, &reading, &names_the_caller),
    };
    let areas = super::areas::may_name_areas(file, body);
    for node in file.of_kinds_within(&kinds, body) {
        if areas && super::areas::scope_of(file, node, body).is_some() {
            // A refusal for some areas of the site only: see `scoped_refusals`.
            continue;
        }
        match node.kind() {
            "raise_statement" | "return_statement" => {
                let text = file.text(node);
                let denied = match mode {
                    Refusal::Guard => redirects_when_denied(file, node, body, &reading),
                    _ => on_denied_branch(file, node, body, &reading),
                };
                if !denied && !names_refusal(text) {
                    continue;
                }
                if !denied && !counts(node, text) {
                    continue;
                }
                return Some(super::rust_guards::first_line(text));
            }
            "call" => {
                let Some(callee) = node.field_child("function") else {
                    continue;
                };
                let written = file.text(callee);
                if let Some(aborts) = aborts(file, node) {
                    if aborts.refuses && counts(node, aborts.arguments) {
                        return Some(format!("{written}{}", aborts.arguments));
                    }
                    continue;
                }
                if mode == Refusal::Inline {
                    continue;
                }
                let resolved = symbols.resolve(file.language(), written);
                if let Resolved::Qualified(name) = &resolved {
                    if VERIFIERS.matches(name) {
                        return Some(format!("{VERIFIES} `{name}`"));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// How the conditions of a function are read for what they test: without the tests of the
/// client's address (`request.remote_addr in AUTHORIZED_IPS` names no caller, whatever the
/// list is called), and without `blanks`.
struct Reading<'r> {
    /// The local names bound to the client's address.
    names: &'r [String],
    blanks: &'r [std::ops::Range<usize>],
}

impl Reading<'_> {
    fn text(&self, file: &ParsedFile, condition: Node) -> String {
        let range = condition.byte_range();
        let mut blanks: Vec<std::ops::Range<usize>> = self
            .blanks
            .iter()
            .filter(|b| b.start >= range.start && b.end <= range.end)
            .cloned()
            .collect();
        blanks.extend(super::address::address_tests(file, condition, self.names));
        if blanks.is_empty() {
            return file.text(condition).to_string();
        }
        super::address::blanked(file.text(condition), range.start, &blanks)
    }
}

/// How `function` refuses callers by their network address alone, if it does: a 401/403 under a
/// test of the client's address (see [`super::address`]).
fn refuses_by_address(file: &ParsedFile, function: Node) -> Option<String> {
    let refuses = |node: Node| {
        let text = file.text(node);
        match node.kind() {
            "call" => {
                node.field_child("function")
                    .is_some_and(|f| file.text(f).rsplit('.').next() == Some("abort"))
                    && (text.contains("401") || text.contains("403"))
            }
            _ => names_refusal(text),
        }
    };
    super::address::refusal(
        file,
        function,
        &["raise_statement", "return_statement", "call"],
        &refuses,
    )
}

/// The methods of its own class (`cls.x(…)`, `self.x(…)`) in the conditions of the `if`s whose
/// body refuses the request.
fn refusal_hooks(file: &ParsedFile, function: Node) -> Vec<String> {
    let Some(body) = function.field_child("body") else {
        return Vec::new();
    };
    let mut hooks = Vec::new();
    for statement in file.of_kinds_within(&["if_statement"], body) {
        let (Some(condition), Some(consequence)) = (
            statement.field_child("condition"),
            statement.field_child("consequence"),
        ) else {
            continue;
        };
        let refuses = file
            .of_kinds_within(&["raise_statement", "return_statement"], consequence)
            .into_iter()
            .any(|exit| names_refusal(file.text(exit)));
        if !refuses {
            continue;
        }
        for call in file.of_kinds_within(&["call"], condition) {
            let Some(callee) = call.field_child("function") else {
                continue;
            };
            let written = file.text(callee);
            if let Some(method) = written
                .strip_prefix("cls.")
                .or_else(|| written.strip_prefix("self."))
                .filter(|m| !m.contains('.'))
            {
                hooks.push(method.to_string());
            }
        }
    }
    hooks
}

/// Whether a function returns a test of the caller's login or rights, and never lets every
/// caller through (`return True` when the class declares no permission is no test).
fn returns_access_test(file: &ParsedFile, function: Node) -> bool {
    let Some(body) = function.field_child("body") else {
        return false;
    };
    let exits = file.of_kinds_within(&["return_statement"], body);
    exits
        .iter()
        .any(|exit| ACCESS_TEST.is_match(file.text(*exit)))
        && !exits.iter().any(|exit| {
            named_children(*exit)
                .first()
                .is_some_and(|value| file.text(*value) == "True")
        })
}

/// Whether `function` refuses (raises or returns a 401/403, aborts) under a condition about
/// administrators, staff or superusers: `if not user.admin:`, `if not request.user.is_staff:`.
fn refuses_non_staff(file: &ParsedFile, function: Node) -> bool {
    let Some(body) = function.field_child("body") else {
        return false;
    };
    let names_staff = |condition: &str| crate::app::handlers::admin::is_admin_marker(condition);
    let names = super::address::address_names(file, function);
    let reading = Reading {
        names: &names,
        blanks: &[],
    };
    file.of_kinds_within(&["raise_statement", "return_statement", "call"], body)
        .into_iter()
        .any(|node| {
            let text = file.text(node);
            let refuses = match node.kind() {
                "call" => {
                    node.field_child("function")
                        .is_some_and(|f| file.text(f).rsplit('.').next() == Some("abort"))
                        && (text.contains("401") || text.contains("403"))
                }
                _ => names_refusal(text),
            };
            refuses && under_condition(file, node, body, &reading, &names_staff)
        })
}

/// Conditions that can only be a test of the caller's login or rights.
static ACCESS_TEST: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(has_access|has_perms?|has_\w*permission|is_authenticated|is_anonymous|is_staff|is_superuser|logged_in|current_user)\b",
    )
    .expect("the access-test regex is valid")
});

/// A test that the caller is anonymous, not logged in.
static ANONYMOUS_TEST: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[\s(]*[\w.]*\.is_anonymous\b").expect("the anonymity regex is valid")
});

/// Whether `node` leaves the function on the branch taken when an access test fails: in the
/// `else` of `if sm.has_access(…):`, or in the body of `if not user.is_authenticated:`. Any
/// exit there is the refusal, whatever it returns (`flash(…); return redirect(".")`).
fn on_denied_branch(file: &ParsedFile, node: Node, body: Node, reading: &Reading) -> bool {
    let mut child = node;
    // From `body` down: walking up with `parent()` costs a descent from the root per step.
    for parent in ancestors_from(body, node) {
        if parent.id() == body.id() {
            return false;
        }
        if parent.kind() == "if_statement" {
            let condition = parent
                .field_child("condition")
                .map(|c| reading.text(file, c))
                .unwrap_or_default();
            // `if user.is_anonymous:` is taken when the test of the caller fails, as `if not
            // user.is_authenticated:` is.
            let negated =
                condition.trim_start().starts_with("not ") != ANONYMOUS_TEST.is_match(&condition);
            let in_else = child.kind() == "else_clause";
            let in_body = parent
                .field_child("consequence")
                .is_some_and(|c| c.id() == child.id());
            if ACCESS_TEST.is_match(&condition) && ((in_else && !negated) || (in_body && negated)) {
                return true;
            }
        }
        child = parent;
    }
    false
}

/// Whether `node` sends the caller elsewhere (`return redirect(url_for("signin"))`, `raise
/// Redirect303(…)`, `raise HTTPException(status_code=307, headers={"Location": …})`) on the path
/// taken when a test of the caller's session or identity fails:
/// in the body of `if "user_id" not in session:`, in the `else` of `if session.get("projects"):`,
/// or after `if has_claim(session, "is_admin"): return f(*args, **kwargs)` (a decorator that
/// calls the view only for admitted callers).
fn redirects_when_denied(file: &ParsedFile, node: Node, body: Node, reading: &Reading) -> bool {
    static REDIRECT: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r#"^(return|raise)\s+((\w+\.)*\w*[Rr]edirect\w*\(|(?s).*(HTTP_30[1278]|status_code\s*=\s*30[1278]\b|["']Location["']))"#,
        )
            .expect("the redirect regex is valid")
    });
    if !REDIRECT.is_match(file.text(node)) {
        return false;
    }
    let absent = |condition: &str| {
        let condition = condition.trim_start_matches(['(', ' ', '\n']);
        condition.starts_with("not ")
            || condition.contains(" not in ")
            || condition.contains(" is None")
    };
    let mut child = node;
    for parent in ancestors_from(body, node) {
        if parent.kind() == "if_statement" {
            let condition = parent
                .field_child("condition")
                .map(|c| reading.text(file, c))
                .unwrap_or_default();
            let in_body = parent
                .field_child("consequence")
                .is_some_and(|c| c.id() == child.id());
            let in_else = child.kind() == "else_clause";
            if names_the_caller(&condition)
                && tests_the_caller_beyond_the_route(file, parent)
                && ((in_body && absent(&condition)) || (in_else && !absent(&condition)))
            {
                return true;
            }
        }
        if parent.kind() == "block" {
            // After an `if` that admits the caller and always returns.
            let admitted = named_children(parent)
                .into_iter()
                .take_while(|s| s.id() != child.id())
                .any(|statement| {
                    statement.kind() == "if_statement"
                        && statement.field_child("alternative").is_none()
                        && statement.field_child("condition").is_some_and(|c| {
                            let condition = reading.text(file, c);
                            names_the_caller(&condition) && !absent(&condition)
                        })
                        && statement
                            .field_child("consequence")
                            .and_then(|c| named_children(c).into_iter().last())
                            .is_some_and(|last| last.kind() == "return_statement")
                });
            if admitted {
                return true;
            }
        }
        if parent.id() == body.id() {
            return false;
        }
        child = parent;
    }
    false
}

/// Whether the condition of `statement` still names the caller once its tests of the route
/// asked for are left out: `request.endpoint not in ("web.login", …)` exempts pages by name
/// (a hook that sends every other page to a setup screen tests no caller), and
/// `request.path.startswith("/auth")` names none either.
fn tests_the_caller_beyond_the_route(file: &ParsedFile, statement: Node) -> bool {
    static ROUTE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"\brequest\.(path|full_path|endpoint|url_rule|blueprint|url|base_url|script_root|method)\b",
        )
        .expect("the route-test regex is valid")
    });
    let Some(condition) = statement.field_child("condition") else {
        return true;
    };
    let tests: Vec<std::ops::Range<usize>> = file
        .of_kinds_within(&["comparison_operator", "call"], condition)
        .into_iter()
        .filter(|test| ROUTE.is_match(file.text(*test)))
        .map(|test| test.byte_range())
        .collect();
    tests.is_empty()
        || names_the_caller(&crate::app::address::blanked(
            file.text(condition),
            condition.start_byte(),
            &tests,
        ))
}

/// Whether `node` sits under an `if`/`elif` (between it and `body`) whose condition, as
/// `reading` reads it, `test` accepts.
fn under_condition(
    file: &ParsedFile,
    node: Node,
    body: Node,
    reading: &Reading,
    test: &dyn Fn(&str) -> bool,
) -> bool {
    for parent in ancestors_from(body, node) {
        if parent.id() == body.id() {
            return false;
        }
        if matches!(parent.kind(), "if_statement" | "elif_clause") {
            let condition = parent
                .field_child("condition")
                .map(|c| reading.text(file, c))
                .unwrap_or_default();
            if test(&condition) {
                return true;
            }
        }
    }
    false
}

/// What linking decided about one guard call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It authenticates; the reason says how tollgate knows.
    Guard(String),
    /// tollgate cannot see its code, and its name suggests a guard.
    ByName,
    /// A function of the project that authenticates has the name a string dispatches to
    /// ([`Via::Dispatched`]); the reason says which and how.
    Dispatched(String),
    /// It does not authenticate (a database session, a settings object), or is no guard.
    No,
}

/// Judges guard calls against every file's summaries.
pub(super) struct Judge<'a> {
    files: &'a [(String, &'a FileFacts)],
    /// Function name (last part) → (file, summary).
    functions: HashMap<&'a str, Vec<(usize, &'a FunctionFact)>>,
    /// Alias name → (file, its guard calls).
    aliases: HashMap<&'a str, Vec<(usize, &'a [GuardCall])>>,
    classes: HashMap<&'a str, Vec<(usize, &'a ClassFact)>>,
    memo: RefCell<HashMap<(usize, String), Verdict>>,
    /// Calls being judged: a cycle back to one of them sees no guard.
    judging: RefCell<HashSet<(usize, String)>>,
    /// Set when a verdict was reached with a call left unjudged (a cycle, or the depth limit):
    /// such a "no guard" holds for this chain only and is not remembered.
    cut_short: Cell<bool>,
    /// The file that is each Python module asked about, once found.
    module_files: RefCell<HashMap<String, Option<usize>>>,
}

impl<'a> Judge<'a> {
    pub fn new(files: &'a [(String, &'a FileFacts)]) -> Self {
        let mut functions: HashMap<&str, Vec<_>> = HashMap::new();
        let mut aliases: HashMap<&str, Vec<_>> = HashMap::new();
        let mut classes: HashMap<&str, Vec<_>> = HashMap::new();
        for (index, (_, facts)) in files.iter().enumerate() {
            for function in &facts.functions {
                functions
                    .entry(function.name.as_str())
                    .or_default()
                    .push((index, function));
            }
            for (name, calls) in &facts.alias_guards {
                aliases
                    .entry(name.as_str())
                    .or_default()
                    .push((index, calls.as_slice()));
            }
            for class in &facts.classes {
                classes
                    .entry(class.name.as_str())
                    .or_default()
                    .push((index, class));
            }
        }
        Judge {
            files,
            functions,
            aliases,
            classes,
            memo: RefCell::new(HashMap::new()),
            judging: RefCell::new(HashSet::new()),
            cut_short: Cell::new(false),
            module_files: RefCell::new(HashMap::new()),
        }
    }

    /// The verdict on a guard call written in `file`.
    pub fn judge(&self, file: usize, call: &GuardCall) -> Verdict {
        // A verifier called with its check turned off verifies nothing (judged by the call as
        // written, before the verdicts kept per callee).
        if skips_verification(&call.text) {
            return Verdict::No;
        }
        let verdict = match call.how {
            how if how.read_as_helper() => self.judge_known(file, call, 0),
            Via::Predicate => self.judge_predicate(file, call),
            Via::Dispatched => self.judge_dispatched(call),
            Via::Injected => Verdict::ByName,
            _ => self.judge_at(file, call, 0),
        };
        match &verdict {
            Verdict::Guard(why) | Verdict::Dispatched(why)
                if !call.unless_caught.is_empty() && !self.escapes(why, &call.unless_caught) =>
            {
                Verdict::No
            }
            _ => verdict,
        }
    }

    /// Whether the refusal a verdict ends with (`` `check_access` raise NotAuthorized(msg) ``)
    /// raises an exception that none of `caught` catches: a class named in the refusal that is
    /// neither one of them nor derives from one (by the bases of every project class of its
    /// name, so an unknown base counts as caught); `abort(…)` raises an `HTTPException`. A
    /// refusal that raises nothing known (a returned 401, a verified credential) may be
    /// caught.
    fn escapes(&self, why: &str, caught: &[String]) -> bool {
        let raised = match why.rfind("raise ") {
            Some(at) => why[at + "raise ".len()..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .next()
                .and_then(|name| name.rsplit('.').next())
                .filter(|name| !name.is_empty()),
            None => why.contains("abort(").then_some("HTTPException"),
        };
        let Some(raised) = raised else {
            return false;
        };
        let mut family = vec![raised.to_string()];
        let mut at = 0;
        while at < family.len() && family.len() <= MAX_CALLS {
            for (_, class) in self.classes.get(family[at].as_str()).into_iter().flatten() {
                for base in &class.bases {
                    let base = base.rsplit('.').next().unwrap_or(base).to_string();
                    if !family.contains(&base) {
                        family.push(base);
                    }
                }
            }
            at += 1;
        }
        !family.iter().any(|name| caught.contains(name))
    }

    /// A dispatched call ([`Via::Dispatched`]): whether a module-level function of the project
    /// with the dispatched name refuses callers without credentials, read like a helper of
    /// the handler's body.
    fn judge_dispatched(&self, call: &GuardCall) -> Verdict {
        let Some(candidates) = self.functions.get(call.callee.as_str()) else {
            return Verdict::No;
        };
        let direct = GuardCall {
            text: call.callee.clone(),
            callee: call.callee.clone(),
            how: Via::Body,
            unless_caught: Vec::new(),
        };
        candidates
            .iter()
            .find_map(|(at, _)| match self.judge_known(*at, &direct, 0) {
                Verdict::Guard(why) => Some(Verdict::Dispatched(format!(
                    "`{}` in {}: {why}",
                    call.callee, self.files[*at].0
                ))),
                _ => None,
            })
            .unwrap_or(Verdict::No)
    }

    /// The refusals of the middleware class `entry` (a dotted path in `MIDDLEWARE`, read from
    /// the settings file `file`) that run only for some areas of the site: each with the areas
    /// and how it refuses. A branch counts when it refuses itself or calls a function of the
    /// project (a method of the middleware included) that checks the caller.
    pub fn middleware_areas(&self, file: usize, entry: &str) -> Vec<(super::areas::Areas, String)> {
        let Some(symbols) = &self.files[file].1.symbols else {
            return Vec::new();
        };
        let qualified = symbols
            .resolve(crate::source::Language::Python, entry)
            .name()
            .to_string();
        let (module, class) = qualified.rsplit_once('.').unwrap_or(("", &qualified));
        let Some((at, _)) = self.find(&self.classes, file, module, class) else {
            return Vec::new();
        };
        let method = |name: &str| self.functions_in(at, &format!("{class}.{name}"));
        // The hooks, and the methods of the class they call (`self._check(request)`).
        let mut functions: Vec<&FunctionFact> = ["__call__", "process_request", "process_view"]
            .into_iter()
            .filter_map(method)
            .collect();
        let helpers: Vec<&FunctionFact> = functions
            .iter()
            .flat_map(|f| f.calls.iter())
            .filter_map(|callee| callee.strip_prefix("self.").and_then(method))
            .collect();
        functions.extend(helpers);
        let mut out = Vec::new();
        for scoped in functions.iter().flat_map(|f| &f.more().scoped) {
            let why = scoped.refusal.clone().or_else(|| {
                scoped.calls.iter().find_map(|callee| {
                    let verdict = match callee.strip_prefix("self.").and_then(method) {
                        Some(helper) => self.summary(at, helper, 1, true),
                        None => self.judge_known(
                            at,
                            &GuardCall {
                                text: callee.to_string(),
                                callee: callee.to_string(),
                                how: Via::Body,
                                unless_caught: Vec::new(),
                            },
                            1,
                        ),
                    };
                    match verdict {
                        Verdict::Guard(why) => Some(why),
                        _ => None,
                    }
                })
            });
            if let Some(why) = why {
                out.push((scoped.areas.clone(), why));
            }
        }
        out
    }

    /// A predicate a handler refuses the caller on: a guard when it is a function of the
    /// project whose every result is a truth value that depends on the caller's credentials,
    /// read by itself or by a function of the project it calls. A predicate the scan does not
    /// contain is judged by its name alone, which only lowers the finding's confidence.
    fn judge_predicate(&self, file: usize, call: &GuardCall) -> Verdict {
        let Some((at, function)) = self.predicate_for(file, &call.callee) else {
            let last = call.callee.rsplit('.').next().unwrap_or(&call.callee);
            return match names_the_caller(last) || ACCESS_TEST.is_match(last) {
                true => Verdict::ByName,
                false => Verdict::No,
            };
        };
        if !function
            .more()
            .tests
            .as_ref()
            .is_some_and(|tests| tests.boolean)
        {
            return Verdict::No;
        }
        let mut seen = vec![(at, function.name.as_str())];
        match self.credential_read(at, function, 0, &mut seen) {
            Some(read) => Verdict::Guard(format!(
                "`{}` tests the caller's credentials: `{read}`",
                function.name
            )),
            None => Verdict::No,
        }
    }

    /// The read of the caller's credentials a function's result depends on: its own, or one of
    /// a function of the project its result depends on.
    fn credential_read(
        &self,
        file: usize,
        function: &'a FunctionFact,
        depth: usize,
        seen: &mut Vec<(usize, &'a str)>,
    ) -> Option<String> {
        let tests = function.more().tests.as_ref()?;
        if let Some(read) = &tests.credential {
            return Some(read.clone());
        }
        if depth >= MAX_DEPTH {
            return None;
        }
        let class = function.name.rsplit_once('.').map(|(class, _)| class);
        for callee in tests.calls.iter() {
            let written = match (class, callee.strip_prefix("self.")) {
                (Some(class), Some(method)) => format!("{class}.{method}"),
                _ => callee.to_string(),
            };
            let Some((at, inner)) = self.predicate_for(file, &written) else {
                continue;
            };
            if seen.contains(&(at, inner.name.as_str())) {
                continue;
            }
            seen.push((at, inner.name.as_str()));
            if let Some(read) = self.credential_read(at, inner, depth + 1, seen) {
                return Some(format!("{read}` in `{}", inner.name));
            }
        }
        None
    }

    /// The function of the project a name written in `file` calls, in the file's language.
    fn predicate_for(&self, file: usize, callee: &str) -> Option<(usize, &'a FunctionFact)> {
        match self.files[file].0.ends_with(".rs") {
            true => self.rust_function_for(file, callee),
            false => self.function_for(file, callee),
        }
    }

    /// The Python function of the project a name written in `file` calls: a function of the
    /// file (`isAuthenticated`, `View.check` for `self.check`), one imported from another
    /// module, or a method named through its class.
    fn function_for(&self, file: usize, callee: &str) -> Option<(usize, &'a FunctionFact)> {
        if self.files[file].0.ends_with(".rs") {
            return None;
        }
        if let Some(function) = self.functions_in(file, callee) {
            return Some((file, function));
        }
        let symbols = self.files[file].1.symbols.as_ref()?;
        let qualified = symbols
            .resolve(crate::source::Language::Python, callee)
            .name()
            .to_string();
        let (module, last) = qualified.rsplit_once('.').unwrap_or(("", &qualified));
        if let Some(found) = self.find(&self.functions, file, module, last) {
            return Some(found);
        }
        let (parent, owner) = module.rsplit_once('.').unwrap_or(("", module));
        if !self.classes.contains_key(owner) {
            return None;
        }
        self.find(&self.functions, file, parent, &format!("{owner}.{last}"))
    }

    /// The Rust function of the project a path written in `file` calls
    /// (`crate::auth::require_user`, `Session::load` as the method `Session.load`).
    fn rust_function_for(&self, file: usize, callee: &str) -> Option<(usize, &'a FunctionFact)> {
        let symbols = self.files[file].1.symbols.as_ref()?;
        let resolved = symbols.resolve(crate::source::Language::Rust, callee);
        let qualified = resolved.name();
        let (module, last) = qualified.rsplit_once("::").unwrap_or(("", qualified));
        if let Some(found) = self.find(&self.functions, file, module, last) {
            return Some(found);
        }
        let (parent, owner) = module.rsplit_once("::").unwrap_or(("", module));
        self.find(&self.functions, file, parent, &format!("{owner}.{last}"))
    }

    /// The check of the client's network address behind a guard call that is no guard, as
    /// shown in `missing-authorization`'s message: a predicate whose result tests the address
    /// (`if not is_local(request): abort(403)`), or a helper, decorator or dependency that
    /// refuses by the address alone.
    pub fn address_check(&self, file: usize, call: &GuardCall) -> Option<String> {
        let (_, function) = match call.how {
            Via::Annotation
            | Via::Middleware
            | Via::AppMiddleware
            | Via::Instance
            | Via::HttpMiddleware
            | Via::Dispatched => return None,
            _ if self.files[file].0.ends_with(".rs") => {
                self.rust_function_for(file, &call.callee)?
            }
            _ => self.function_for(file, &call.callee)?,
        };
        if call.how == Via::Predicate {
            let tests = function.more().tests.as_ref().filter(|t| t.boolean)?;
            let address = tests.address.as_ref()?;
            return Some(format!(
                "`{}` (`{}`: `{address}`)",
                call.text, function.name
            ));
        }
        let check = function.more().refuses_by_address.as_ref()?;
        Some(format!("`{check}` in `{}`", function.name))
    }

    fn judge_at(&self, file: usize, call: &GuardCall, depth: usize) -> Verdict {
        if depth > MAX_DEPTH {
            self.cut_short.set(true);
            return Verdict::No;
        }
        let key = (file, format!("{:?}:{}", call.how, call.callee));
        if let Some(known) = self.memo.borrow().get(&key) {
            return known.clone();
        }
        // A cycle sees no guard while it is being judged.
        if !self.judging.borrow_mut().insert(key.clone()) {
            self.cut_short.set(true);
            return Verdict::No;
        }
        let outer = self.cut_short.replace(false);
        let verdict = self.judge_uncached(file, call, depth);
        let cut_short = self.cut_short.get();
        self.judging.borrow_mut().remove(&key);
        // A guard found is one whatever was left unjudged; anything less is kept only when
        // nothing was (judged first deep in a chain or inside a cycle, it may be wrong).
        if !cut_short || matches!(verdict, Verdict::Guard(_)) {
            self.memo.borrow_mut().insert(key, verdict.clone());
        }
        self.cut_short.set(outer || cut_short);
        verdict
    }

    fn judge_uncached(&self, file: usize, call: &GuardCall, depth: usize) -> Verdict {
        let Some(symbols) = &self.files[file].1.symbols else {
            return Verdict::No;
        };
        if self.files[file].0.ends_with(".rs") {
            return self.judge_rust(file, call, depth);
        }
        let strict = call.how.read_as_helper();
        let language = crate::source::Language::Python;
        let resolved = symbols.resolve(language, &call.callee);
        let qualified = resolved.name().to_string();
        let qualified = match KNOWN_GUARDS.matches(&qualified) {
            true => qualified,
            false => self.through_module_aliases(qualified),
        };
        if KNOWN_GUARDS.matches(&qualified) || VERIFIERS.matches(&qualified) {
            return Verdict::Guard(format!("`{qualified}`"));
        }
        let last = qualified.rsplit('.').next().unwrap_or(&qualified);
        let module = qualified
            .rsplit_once('.')
            .map(|(module, _)| module)
            .unwrap_or("");
        if call.how == Via::Annotation {
            // A typed parameter guards only through an `Annotated` alias with a dependency.
            return match self.find(&self.aliases, file, module, last) {
                Some((at, calls)) => self.any_guard(at, calls, depth),
                None => Verdict::No,
            };
        }
        if let Some((at, calls)) = self.find(&self.aliases, file, module, last) {
            return self.any_guard(at, calls, depth);
        }
        // `Depends(Guard(...))` runs `Guard.__call__`; `Guard.check` names a method.
        let owner = module.rsplit('.').next().unwrap_or(module);
        let (class, class_module, method) = match call.how {
            Via::Instance => (Some(last), module, "__call__".to_string()),
            Via::Middleware | Via::AppMiddleware => {
                (Some(last), module, "process_request".to_string())
            }
            _ if self.classes.contains_key(owner) => (
                Some(owner),
                module.rsplit_once('.').map(|(m, _)| m).unwrap_or(""),
                last.to_string(),
            ),
            _ => (None, module, last.to_string()),
        };
        if let Some(class) = class {
            if let Some((at, fact)) = self.find(&self.classes, file, class_module, class) {
                let mut verdict = Verdict::No;
                let methods: Vec<&str> = match call.how {
                    Via::Middleware => vec!["__call__", "process_request", "process_view"],
                    Via::AppMiddleware => vec!["dispatch", "__call__"],
                    _ => vec![method.as_str()],
                };
                let middleware = matches!(call.how, Via::Middleware | Via::AppMiddleware);
                for method in methods {
                    if let Some(function) = self.functions_in(at, &format!("{class}.{method}")) {
                        if middleware && function.more().passes_unchecked.is_some() {
                            return Verdict::No;
                        }
                        verdict = match call.how {
                            Via::AppMiddleware => own_refusal(function),
                            _ => self.summary(at, function, depth, strict),
                        };
                        if verdict != Verdict::No {
                            break;
                        }
                    }
                }
                if verdict == Verdict::No {
                    for base in &fact.bases {
                        // A helper is looked for in the bases; a guard may be a base itself.
                        let inherited = GuardCall {
                            text: call.text.clone(),
                            callee: match strict {
                                true => format!("{base}.{method}"),
                                false => base.clone(),
                            },
                            how: call.how,
                            unless_caught: Vec::new(),
                        };
                        if let Verdict::Guard(why) = self.judge_at(at, &inherited, depth + 1) {
                            return Verdict::Guard(why);
                        }
                    }
                }
                return verdict;
            }
        }
        if let Some((at, function)) = self.find(&self.functions, file, class_module, &method) {
            if call.how == Via::HttpMiddleware && function.more().passes_unchecked.is_some() {
                return Verdict::No;
            }
            return self.summary(at, function, depth, strict);
        }
        if matches!(resolved, Resolved::Qualified(_)) && qualified.starts_with("builtins.") {
            return Verdict::No;
        }
        // Starlette's and FastAPI's own middleware do not refuse callers
        // (`AuthenticationMiddleware` only sets `request.user`).
        let framework = ["starlette.", "fastapi."]
            .iter()
            .any(|root| qualified.starts_with(root));
        if matches!(call.how, Via::Middleware | Via::AppMiddleware) && framework {
            return Verdict::No;
        }
        // Code tollgate cannot see: a third-party guard, or a name imported from outside.
        if crate::app::handlers::looks_like_auth(last)
            && !crate::app::handlers::is_session_like(last)
        {
            Verdict::ByName
        } else {
            Verdict::No
        }
    }

    /// A Rust call: the project function it resolves to (`crate::auth::require_user`, or the
    /// method `Session.load` of an `impl` block for `Session::load`) and that function's summary.
    fn judge_rust(&self, file: usize, call: &GuardCall, depth: usize) -> Verdict {
        let strict = call.how.read_as_helper();
        match self.rust_function_for(file, &call.callee) {
            Some((at, function)) => self.summary(at, function, depth, strict),
            None => Verdict::No,
        }
    }

    /// Whether a guard call written in `file` (a dependency, a decorator) resolves to a project
    /// function that refuses callers who are not staff, itself or through its own
    /// dependencies: `Depends(check_extension_builder)` whose code raises 403 unless
    /// `user.admin`. What the guard does, not what it is called.
    pub fn admits_only_staff(&self, file: usize, call: &GuardCall) -> bool {
        self.admits_only_staff_at(file, call, 0)
    }

    fn admits_only_staff_at(&self, file: usize, call: &GuardCall, depth: usize) -> bool {
        if depth > MAX_DEPTH || self.files[file].0.ends_with(".rs") {
            return false;
        }
        let Some(symbols) = &self.files[file].1.symbols else {
            return false;
        };
        let resolved = symbols.resolve(crate::source::Language::Python, &call.callee);
        let qualified = resolved.name();
        let (module, last) = qualified.rsplit_once('.').unwrap_or(("", qualified));
        self.find(&self.functions, file, module, last)
            .is_some_and(|(at, function)| {
                function.more().admits_only_staff
                    || function
                        .guard_calls
                        .iter()
                        .any(|inner| self.admits_only_staff_at(at, inner, depth + 1))
            })
    }

    /// What the class `class` of `file` inherits, following its bases across files.
    pub fn lineage(&self, file: usize, class: &str) -> Lineage {
        let mut lineage = Lineage::default();
        let mut seen = Vec::new();
        self.walk_lineage(file, "", class, 0, &mut lineage, &mut seen);
        lineage
    }

    /// The lineage of the class a name written in `file` refers to (`TransactionAwareTask`
    /// imported from another module).
    pub fn lineage_of(&self, file: usize, written: &str) -> Lineage {
        let mut lineage = Lineage::default();
        let Some(symbols) = &self.files[file].1.symbols else {
            return lineage;
        };
        let qualified = symbols
            .resolve(crate::source::Language::Python, written)
            .name()
            .to_string();
        let (module, name) = qualified.rsplit_once('.').unwrap_or(("", &qualified));
        let mut seen = Vec::new();
        self.walk_lineage(file, module, name, 0, &mut lineage, &mut seen);
        lineage
    }

    /// The module and name a name written in `file` refers to (`("shop.schema", "Query")`;
    /// an empty module when nothing binds it).
    pub fn qualify(&self, file: usize, written: &str) -> (String, String) {
        let qualified = match &self.files[file].1.symbols {
            Some(symbols) => symbols
                .resolve(crate::source::Language::Python, written)
                .name()
                .to_string(),
            None => written.to_string(),
        };
        let (module, name) = qualified.rsplit_once('.').unwrap_or(("", &qualified));
        (module.to_string(), name.to_string())
    }

    /// Whether `name` in the module `module`, as named from `from`, is the item `name` of
    /// `file` (by the end of the file's module path, or `file` is `from` itself when no other
    /// module is named).
    pub fn names_item_of(&self, from: usize, module: &str, file: usize) -> bool {
        let here = self.module_of(from);
        if module.is_empty() || module == here {
            file == from
        } else {
            crate::symbols::same_module(self.module_of(file), module)
        }
    }

    fn module_of(&self, file: usize) -> &str {
        self.files[file]
            .1
            .symbols
            .as_ref()
            .map(|s| s.module.as_str())
            .unwrap_or("")
    }

    /// The class a name written in `file` refers to and every ancestor of it the scan holds,
    /// as (file, class name): the types a root type is composed of
    /// (`class Query(AccountQueries, OrderQueries, graphene.ObjectType)`).
    pub fn class_family(&self, file: usize, written: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        if self.files[file].1.classes.iter().any(|c| c.name == written) {
            // Defined here (also a type made by `merge_types`, which the symbols take for an
            // alias of its call).
            self.walk_family(file, "", written, 0, &mut out);
            return out;
        }
        let (module, name) = self.qualify(file, written);
        self.walk_family(file, &module, &name, 0, &mut out);
        out
    }

    fn walk_family(
        &self,
        file: usize,
        module: &str,
        class: &str,
        depth: usize,
        out: &mut Vec<(usize, String)>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some((at, fact)) = self.find(&self.classes, file, module, class) else {
            return;
        };
        if out.contains(&(at, fact.name.clone())) {
            return;
        }
        out.push((at, fact.name.clone()));
        for base in &fact.bases {
            let here = self.files[at].1.classes.iter().any(|c| &c.name == base);
            let (module, name) = if here {
                (String::new(), base.clone())
            } else {
                self.qualify(at, base)
            };
            self.walk_family(at, &module, &name, depth + 1, out);
        }
    }

    /// The lineage of the class with this qualified name (`shop.models.Method`), found in
    /// the file of its module.
    pub fn lineage_of_qualified(&self, qualified: &str) -> Lineage {
        let mut lineage = Lineage::default();
        let (module, name) = qualified.rsplit_once('.').unwrap_or(("", qualified));
        let Some((file, _)) = self.classes.get(name).and_then(|found| {
            found.iter().find(|(file, _)| {
                self.files[*file]
                    .1
                    .symbols
                    .as_ref()
                    .is_some_and(|symbols| crate::symbols::same_module(&symbols.module, module))
            })
        }) else {
            return lineage;
        };
        let mut seen = Vec::new();
        self.walk_lineage(*file, "", name, 0, &mut lineage, &mut seen);
        lineage
    }

    /// The Celery tasks of the project whose base class defers publishing to `on_commit`, as
    /// (module, function name).
    pub fn deferred_tasks(&self) -> Vec<(String, String)> {
        let mut deferred = Vec::new();
        for (index, (_, facts)) in self.files.iter().enumerate() {
            for (task, base) in &facts.tasks {
                if self.lineage_of(index, base).defers_to_commit {
                    let module = facts.symbols.as_ref().map(|s| s.module.clone());
                    deferred.push((module.unwrap_or_default(), task.clone()));
                }
            }
        }
        deferred
    }

    fn walk_lineage(
        &self,
        file: usize,
        module: &str,
        class: &str,
        depth: usize,
        lineage: &mut Lineage,
        seen: &mut Vec<(usize, String)>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some((at, fact)) = self.find(&self.classes, file, module, class) else {
            return;
        };
        if seen.contains(&(at, fact.name.clone())) {
            return;
        }
        seen.push((at, fact.name.clone()));
        lineage.fields.push(fact.fields.clone());
        lineage.setters.extend(fact.setters.iter().cloned());
        lineage.defers_to_commit |= fact.defers_to_commit;
        lineage.checks_objects |= fact.checks_objects;
        lineage.owner_checked_on_dispatch |= fact.owner_checked_on_dispatch;
        if lineage.permission_classes.is_none() {
            lineage.permission_classes = fact.permission_classes.clone();
        }
        let Some(symbols) = &self.files[at].1.symbols else {
            return;
        };
        for base in &fact.bases {
            let qualified = symbols
                .resolve(crate::source::Language::Python, base)
                .name()
                .to_string();
            lineage.drf |= qualified.starts_with("rest_framework.");
            lineage.ancestors.push(qualified.clone());
            if KNOWN_GUARDS.matches(&qualified) {
                lineage
                    .guards
                    .push(format!("{}({base}) (`{qualified}`)", fact.name));
            }
            let (module, name) = qualified.rsplit_once('.').unwrap_or(("", &qualified));
            self.walk_lineage(at, module, name, depth + 1, lineage, seen);
        }
    }

    fn any_guard(&self, file: usize, calls: &[GuardCall], depth: usize) -> Verdict {
        let mut by_name = false;
        for call in calls {
            match self.judge_at(file, call, depth + 1) {
                Verdict::Guard(why) => return Verdict::Guard(why),
                Verdict::ByName => by_name = true,
                Verdict::Dispatched(_) | Verdict::No => {}
            }
        }
        if by_name {
            Verdict::ByName
        } else {
            Verdict::No
        }
    }

    /// A function's verdict: it rejects requests itself, or one of its dependencies or calls
    /// authenticates.
    /// `strict` for a helper called from a handler's body (see [`Refusal::Helper`]).
    fn summary(&self, file: usize, function: &FunctionFact, depth: usize, strict: bool) -> Verdict {
        if depth > MAX_DEPTH {
            self.cut_short.set(true);
            return Verdict::No;
        }
        let refusal = match strict {
            true => &function.more().checks_caller,
            false => &function.more().authenticates,
        };
        if let Some(how) = refusal {
            return Verdict::Guard(format!("`{}` {how}", function.name));
        }
        if let Verdict::Guard(why) = self.any_guard(file, &function.guard_calls, depth) {
            return Verdict::Guard(why);
        }
        let class = function.name.rsplit_once('.').map(|(class, _)| class);
        for callee in function.calls.iter() {
            // `self.helper()` is a method of the same class.
            if let (Some(class), Some(method)) = (class, callee.strip_prefix("self.")) {
                if let Some(helper) = self.functions_in(file, &format!("{class}.{method}")) {
                    if let Verdict::Guard(why) = self.summary(file, helper, depth + 1, strict) {
                        return Verdict::Guard(why);
                    }
                }
                continue;
            }
            let call = GuardCall {
                text: callee.to_string(),
                callee: callee.to_string(),
                how: if strict { Via::Body } else { Via::Call },
                unless_caught: Vec::new(),
            };
            // Only what can be resolved counts here: a name guess about a callee is no guard.
            if let Verdict::Guard(why) = self.judge_known(file, &call, depth + 1) {
                return Verdict::Guard(why);
            }
        }
        Verdict::No
    }

    /// Like [`Judge::judge_at`], without guesses from names.
    fn judge_known(&self, file: usize, call: &GuardCall, depth: usize) -> Verdict {
        match self.judge_at(file, call, depth) {
            Verdict::ByName => Verdict::No,
            other => other,
        }
    }

    /// A permission hook a graphene mutation class's inherited `mutate` consults and the class
    /// (or a base nearer than the `mutate`'s) overrides with a test of the caller's rights:
    /// `if not cls.check_permissions(info.context): raise PermissionDenied()` in the base,
    /// `def check_permissions(cls, context): return context.user.is_authenticated` in the
    /// subclass. The guard as shown, if there is one.
    pub fn permission_hook(&self, file: usize, class: &str, runners: &[&str]) -> Option<String> {
        let family = self.class_family(file, class);
        let method = |name: &str| {
            family.iter().enumerate().find_map(|(depth, (f, owner))| {
                self.functions_in(*f, &format!("{owner}.{name}"))
                    .map(|fact| (depth, owner, fact))
            })
        };
        let (depth, owner, runner) = runners.iter().find_map(|name| method(name))?;
        for hook in &runner.more().refusal_hooks {
            let Some((_, by, fact)) = method(hook) else {
                continue;
            };
            if fact.more().returns_access_test {
                return Some(format!(
                    "{by}.{hook} (`{owner}.{}` refuses unless it passes; it tests the caller's rights)",
                    runner.name.rsplit('.').next().unwrap_or("")
                ));
            }
        }
        // A method of the class, or of a base nearer than the inherited `mutate`'s, that
        // refuses the caller (`clean_input` raising `PermissionDenied` unless the caller may
        // edit the object): the base's machinery runs it.
        family[..depth].iter().find_map(|(f, class)| {
            let prefix = format!("{class}.");
            self.files[*f].1.functions.iter().find_map(|function| {
                let how = function.more().authenticates.as_ref()?;
                function
                    .name
                    .starts_with(&prefix)
                    .then(|| format!("{} ({how})", function.name))
            })
        })
    }

    /// The qualified name (`shop.models.Client.allow_redirect_uri`) of the one Python method
    /// named `method` that the project's classes define, if exactly one class defines it.
    pub fn only_method(&self, method: &str) -> Option<String> {
        match self.methods_named(method).as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        }
    }

    /// Every Python method of a project class named `method`, by qualified name
    /// (`shop.forms.PaymentForm.extra_content`).
    pub fn methods_named(&self, method: &str) -> Vec<String> {
        self.functions
            .iter()
            .flat_map(|(name, defined)| {
                let class = name
                    .strip_suffix(method)
                    .and_then(|class| class.strip_suffix('.'))
                    .filter(|class| !class.is_empty() && !class.contains('.'));
                class
                    .into_iter()
                    .flat_map(move |class| defined.iter().map(move |(file, _)| (*file, class)))
            })
            .filter(|(file, _)| self.files[*file].0.ends_with(".py"))
            .map(|(file, class)| format!("{}.{class}.{method}", self.module_of(file)))
            .collect()
    }

    /// Every class of the project.
    pub fn classes(&self) -> impl Iterator<Item = &'a ClassFact> + '_ {
        self.classes.values().flatten().map(|(_, fact)| *fact)
    }

    fn functions_in(&self, file: usize, name: &str) -> Option<&'a FunctionFact> {
        self.functions
            .get(name)?
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, fact)| *fact)
    }

    /// The registration helper a callee written in `file` names (`register_view`, imported from
    /// the project's `utils.helpers`).
    pub fn registrar(&self, file: usize, callee: &str) -> Option<&'a super::registrars::Registrar> {
        let (_, function) = self.function(file, callee)?;
        function.more().registers.as_ref()
    }

    /// The project function a call written in `file` names, with the file it is defined in.
    pub fn function(&self, file: usize, callee: &str) -> Option<(usize, &'a FunctionFact)> {
        let (module, name) = self.qualify(file, callee);
        self.find(&self.functions, file, &module, &name)
    }

    /// The item named `name` in the module `module` (by the end of its file's module path), or
    /// in `file` itself when no module is named.
    fn find<T: Copy>(
        &self,
        map: &HashMap<&'a str, Vec<(usize, T)>>,
        file: usize,
        module: &str,
        name: &str,
    ) -> Option<(usize, T)> {
        let candidates = map.get(name)?;
        let here = self.module_of(file);
        let rust = |f: usize| self.files[f].0.ends_with(".rs");
        let found = candidates
            .iter()
            .find(|(f, _)| {
                let candidate = self.module_of(*f);
                if module.is_empty() || module == here {
                    *f == file
                } else {
                    rust(*f) == rust(file) && crate::symbols::same_module(candidate, module)
                }
            })
            .copied();
        found.or_else(|| self.find_reexported(map, file, module, name, 0))
    }

    /// Whether the qualified `name` is a module-level alias of the project that carries a
    /// dependency (`SessionDep = Annotated[Session, Depends(get_session)]`), in its module or
    /// re-exported by a package.
    pub fn is_dependency_alias(&self, name: &str) -> bool {
        let Some((module, last)) = name.rsplit_once('.') else {
            return false;
        };
        // Asked from some Python file: a module that is not its own is looked up by name.
        let Some(asking) = self
            .files
            .iter()
            .position(|(path, _)| path.ends_with(".py"))
        else {
            return false;
        };
        self.find(&self.aliases, asking, module, last).is_some()
    }

    /// The Python file of the project whose module is `module`.
    fn module_file(&self, module: &str) -> Option<usize> {
        *self
            .module_files
            .borrow_mut()
            .entry(module.to_string())
            .or_insert_with(|| {
                (0..self.files.len()).find(|&f| {
                    self.files[f].0.ends_with(".py")
                        && crate::symbols::is_module(self.module_of(f), module)
                })
            })
    }

    /// A qualified name followed through the project modules that bind its next part at
    /// module level (`flaskbb.extensions.allows.requires`, where `extensions` says `allows =
    /// Allows(…)`): the name as that module resolves it (`flask_allows.Allows().requires`), a
    /// few modules deep.
    fn through_module_aliases(&self, qualified: String) -> String {
        let mut current = qualified;
        for _ in 0..MAX_DEPTH {
            match self.module_alias_step(&current) {
                Some(next) => current = next,
                None => break,
            }
        }
        current
    }

    fn module_alias_step(&self, qualified: &str) -> Option<String> {
        let parts: Vec<&str> = qualified.split('.').collect();
        // The longest module prefix a file of the project holds, with at least an alias and
        // one part (the method) after it.
        let (cut, at) = (1..parts.len().saturating_sub(1))
            .rev()
            .find_map(|cut| Some((cut, self.module_file(&parts[..cut].join("."))?)))?;
        let symbols = self.files[at].1.symbols.as_ref()?;
        symbols.alias(parts[cut])?;
        let resolved = symbols
            .resolve(crate::source::Language::Python, &parts[cut..].join("."))
            .qualified()?;
        (resolved != qualified).then_some(resolved)
    }

    /// `name` of `module` where the module only imports it (`from common.mixins import
    /// EventPermissionRequired` in `orga/views/event.py`, imported from there by another
    /// module): found where it comes from, a few imports deep.
    fn find_reexported<T: Copy>(
        &self,
        map: &HashMap<&'a str, Vec<(usize, T)>>,
        file: usize,
        module: &str,
        name: &str,
        depth: usize,
    ) -> Option<(usize, T)> {
        if depth > MAX_DEPTH || module.is_empty() || self.files[file].0.ends_with(".rs") {
            return None;
        }
        let at = self.module_file(module)?;
        let symbols = self.files[at].1.symbols.as_ref()?;
        let qualified = symbols
            .resolve(crate::source::Language::Python, name)
            .qualified()?;
        let (source, last) = qualified.rsplit_once('.')?;
        if source == module || last != name {
            return None;
        }
        map.get(name)?
            .iter()
            .find(|(f, _)| crate::symbols::same_module(self.module_of(*f), source))
            .copied()
            .or_else(|| self.find_reexported(map, at, source, name, depth + 1))
    }
}
