//! `idor-unscoped-lookup` for Python: Django (managers, `get_object_or_404`, DRF generic views
//! and viewsets, generic detail views), SQLAlchemy (`session.get`, `query(...)`, `select(...)`)
//! and Flask-SQLAlchemy (`Model.query.get_or_404`, `db.get_or_404`).

use super::{
    finding, helper_finding, is_authz_call, is_barrier_call, is_id_name, is_natural_key,
    is_oauth_client, is_public_condition, is_reference_model, is_reporting_call, ties_to_caller,
    LookupSummary,
};
use crate::app::handlers::admin::{is_admin_area, is_admin_marker};
use crate::app::handlers::python::{class_attribute, class_methods};
use crate::app::handlers::{FileModel, Framework};
use crate::app::ownership::{is_account_model, is_caller_word, is_private_field};
use crate::detectors::Match;
use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::scope::is_inert_type;
use crate::syntax::scope::python as scope;
use crate::syntax::{ancestor_of_kind, descendants, is_constant_name, named_children, FieldChild};
use crate::taint::across::{function_at, ParamSink};
use regex::Regex;
use std::sync::LazyLock;
use tree_sitter::Node;

/// Manager attributes that reach every row of a model.
const MANAGERS: &[&str] = &[
    "objects",
    "_default_manager",
    "_base_manager",
    "all_objects",
];
/// Queryset methods that neither narrow nor widen the rows a look-up can reach.
const DJANGO_NEUTRAL: &[&str] = &[
    "all",
    "select_related",
    "prefetch_related",
    "only",
    "defer",
    "order_by",
    "using",
    "select_for_update",
    "annotate",
    "distinct",
    "values",
    "values_list",
    "exclude",
];
/// Queryset methods that carry conditions in their keyword arguments.
const DJANGO_CONDITIONS: &[&str] = &["filter", "get"];
/// The last call of a Django look-up: one row, or a write to the rows found.
const DJANGO_TERMINALS: &[&str] = &[
    "get", "first", "last", "earliest", "latest", "update", "delete",
];
/// SQLAlchemy query methods that do not change which rows are reachable.
const SQLA_NEUTRAL: &[&str] = &[
    "options",
    "join",
    "outerjoin",
    "order_by",
    "limit",
    "with_for_update",
    "execution_options",
    "populate_existing",
    "select_from",
    "add_columns",
    "with_entities",
];
/// The last call of a SQLAlchemy query that returns or writes the rows found.
const SQLA_TERMINALS: &[&str] = &[
    "first",
    "one",
    "one_or_none",
    "scalar",
    "scalar_one",
    "scalar_one_or_none",
    "get",
    "get_or_404",
    "first_or_404",
    "one_or_404",
    "delete",
    "update",
];
/// DRF views and mixins that serve single objects found by the `pk` in the URL.
const DRF_DETAIL_BASES: &[&str] = &[
    "ModelViewSet",
    "ReadOnlyModelViewSet",
    "RetrieveAPIView",
    "RetrieveUpdateAPIView",
    "RetrieveDestroyAPIView",
    "RetrieveUpdateDestroyAPIView",
    "UpdateAPIView",
    "DestroyAPIView",
    "RetrieveModelMixin",
    "UpdateModelMixin",
    "DestroyModelMixin",
];
/// Django's generic views that do: DRF's default permission classes do not apply to these.
const DJANGO_DETAIL_BASES: &[&str] = &[
    "DetailView",
    "UpdateView",
    "DeleteView",
    "BaseDetailView",
    "BaseUpdateView",
    "BaseDeleteView",
];

/// Whether a base serves single objects found by the `pk` in the URL.
fn is_detail_base(base: &str) -> bool {
    DRF_DETAIL_BASES.contains(&base) || DJANGO_DETAIL_BASES.contains(&base)
}
/// Other bases a view may list without changing which objects it serves.
const HARMLESS_BASES: &[&str] = &[
    "GenericViewSet",
    "ViewSet",
    "GenericAPIView",
    "APIView",
    "View",
    "ListModelMixin",
    "CreateModelMixin",
    "LoginRequiredMixin",
    "SuccessMessageMixin",
    "FormMixin",
    "ContextMixin",
    "TemplateResponseMixin",
    "SingleObjectTemplateResponseMixin",
    "object",
];
/// Permission classes that do not look at the object.
const NON_OBJECT_PERMISSIONS: &[&str] = &[
    "IsAuthenticated",
    "IsAuthenticatedOrReadOnly",
    "AllowAny",
    "DjangoModelPermissions",
    "DjangoModelPermissionsOrAnonReadOnly",
    "TokenHasScope",
    "TokenHasReadWriteScope",
    "TokenHasResourceScope",
    "IsAuthenticatedOrTokenHasScope",
    "HasAPIKey",
];
/// Identifiers in an id expression that are not the id's own name.
const NOT_ID_NAMES: &[&str] = &["request", "self", "kwargs", "int", "str", "UUID", "uuid"];
const MAX_DEPTH: usize = 3;

/// Report handlers that fetch an object by a request id alone, and detail views whose queryset
/// is every row of a model.
pub fn check(file: &ParsedFile, out: &mut Vec<Match>) {
    if is_admin_area(&file.source.display_path) {
        return;
    }
    let model = file.model();
    for node in file.of_kinds(&["call", "class_definition"]) {
        let found = match node.kind() {
            "call" => call_lookup(file, model, node),
            "class_definition" => class_lookup(file, node),
            _ => None,
        };
        out.extend(found);
    }
}

/// One condition of a look-up: `pk=invoice_id`, `Payment.id == payment_id`.
struct Condition<'t> {
    key: String,
    value: Node<'t>,
}

/// A query that fetches or writes rows of one model, with the conditions it applies.
struct Lookup<'t> {
    model: String,
    /// Where the finding starts.
    start: usize,
    conditions: Vec<Condition<'t>>,
}

/// The handler a look-up sits in.
struct Context<'t> {
    name: String,
    function: Node<'t>,
    admin: bool,
    /// A permission class of the view (`permission_classes`) whose `has_permission` decides on
    /// more than whether the caller signed in: the look-up is less surely another user's.
    authorized_by: Option<String>,
    /// A Django or DRF view, whose URL arguments are strings, numbers or UUIDs.
    django: bool,
    /// Whether the function is the handler itself rather than a hook of a class-based view
    /// (`get_object`, `alter_object`).
    handler: bool,
}

/// The look-up `call` makes itself: a query, or (`cursor.execute(...).fetchone()`) the query
/// that is its receiver.
fn own_lookup<'t>(file: &'t ParsedFile, call: Node<'t>) -> Option<Lookup<'t>> {
    if continues_chain(file, call) {
        return raw_sql_lookup(file, call);
    }
    django_lookup(file, call)
        .or_else(|| get_object_or_404(file, call))
        .or_else(|| sqlalchemy_lookup(file, call))
        .or_else(|| raw_sql_lookup(file, call))
}

/// A call of a project function that loads a row by the parameter this call fills (known once
/// the project is linked): the look-up it stands for, keyed by the argument.
fn helper_lookup<'t>(file: &'t ParsedFile, call: Node<'t>) -> Option<(Lookup<'t>, LookupSummary)> {
    let project = file.project.as_ref()?;
    let (summary, argument) = project.lookup_at(file, call)?;
    let lookup = Lookup {
        model: summary.model.clone(),
        start: call.start_byte(),
        conditions: vec![Condition {
            key: summary.key.clone(),
            value: argument,
        }],
    };
    Some((lookup, summary.clone()))
}

fn call_lookup(file: &ParsedFile, model: &FileModel, call: Node) -> Option<Match> {
    let (lookup, via) = match own_lookup(file, call) {
        Some(lookup) => (lookup, None),
        None => {
            let (lookup, summary) = helper_lookup(file, call)?;
            (lookup, Some(summary))
        }
    };
    if is_reference_model(&lookup.model) {
        return None;
    }
    let context = context(file, model, call)?;
    if context.admin {
        return None;
    }
    let authorized = context.authorized_by.is_some();
    let mut id = None;
    // A user name, an e-mail address, an account number: judged by what the handler does with
    // the row.
    let mut natural = None;
    // Any other client value the row is found by (`book_title=title`).
    let mut described = None;
    // Request values the conditions use: a check on any of them (`if account_id !=
    // request.user.account_id`) covers the look-up.
    let mut requested_values = Vec::new();
    let mut lower = authorized;
    for condition in &lookup.conditions {
        if is_public_condition(&condition.key) {
            return None;
        }
        // Resolved by the server (a token, a row, the session) rather than chosen by the client.
        let resolved =
            through_barrier(file, condition.value, 0) || from_session(file, condition.value, 0);
        let requested = from_request(file, model, condition.value, 0)
            && !(context.django && object_parameter(file, context.function, condition.value))
            && !resolved;
        if requested {
            requested_values.push(condition.value);
        }
        if requested && is_id_name(&condition.key) {
            id = id.or(Some(condition.value));
        } else if requested && is_natural_key(&condition.key) {
            natural = natural.or(Some(condition.value));
        } else if requested && is_secret_name(&condition.key) {
            // A second value the client must know (`notifications_token=…`): a capability,
            // judged by its name alone, so only less confident.
            lower = true;
        } else if requested {
            // A title, a name: it may find another user's row, judged by what is returned.
            let code = condition.key.ends_with("code") || is_caller_word(&condition.key);
            if !code {
                described = described.or(Some(condition.value));
            }
        } else if !requested && !is_literal(file, condition.value) {
            // Another condition on something that is neither a literal nor request input:
            // the caller, a tenant, an object fetched for the caller.
            return None;
        }
    }
    let (id, key) = match (id, natural, described) {
        (Some(id), _, _) => (id, Key::Id),
        (None, Some(value), _) => (value, Key::Natural),
        (None, None, Some(value)) if lookup.conditions.len() == 1 => (value, Key::Described),
        _ => return None,
    };
    if is_oauth_client(&lookup.model, file.text(id)) {
        return None;
    }
    let objects = bound_names(file, context.function, call);
    let mut names = objects.clone();
    names.extend(
        requested_values
            .iter()
            .flat_map(|value| descendants(*value))
            .filter(|n| n.kind() == "identifier" && !is_field(*n))
            .map(|n| file.text(n).to_string())
            .filter(|n| !NOT_ID_NAMES.contains(&n.as_str())),
    );
    names.extend(fetched_before(file, context.function, call, id));
    let class = enclosing_class(context.function);
    if object_checked(file, context.function, call, &names, 0)
        || class.is_some_and(|class| dispatch_checks(file, class, &lookup.model))
        || capability_checked(
            file,
            model,
            context.function,
            call,
            &objects,
            &requested_values,
        )
    {
        return None;
    }
    // The parent view already served this request (`super().post(request, *args, **kwargs)`)
    // with access control tollgate does not see, or a hook pre-fills a relation of the object
    // being edited (`obj.rack = get_object_or_404(Rack, pk=request.GET["rack"])`).
    lower |= after_parent_view(file, context.function, call)
        || (!context.handler && fills_parameter(file, context.function, call));
    if key != Key::Id {
        // Looking someone up by name is what sign-in, sign-up and public profiles do: only an
        // authenticated caller who reads another row's private fields, or changes the row, is
        // reported; less confident for models not named like a person's or an account's.
        if !context.handler || !caller_known(file, model, context.function, call) {
            return None;
        }
        let writes = lookup_writes(file, call);
        // The row itself, not a test of it (`taken = User.query…first() is not None`).
        let mut holder = call.parent();
        while let Some(parent) =
            holder.filter(|p| matches!(p.kind(), "await" | "parenthesized_expression"))
        {
            holder = parent.parent();
        }
        let held = holder.is_some_and(|p| {
            matches!(
                p.kind(),
                "assignment" | "named_expression" | "return_statement"
            )
        });
        let used = if writes {
            Use::Changed
        } else if held {
            object_use(file, context.function, call, &objects)?
        } else {
            return None;
        };
        // A row found by a title or a name is another user's only when what is returned is
        // private (`book.secret_content`); a public page's is not.
        if key == Key::Described && used != Use::Private {
            return None;
        }
        // A payment or a follow between two users changes the caller's own row too
        // (`current_user.balance -= amount`): the other row is the counterparty, by design.
        let exchange = used == Use::Changed && changes_caller(file, context.function);
        lower |= used == Use::Whole
            || key == Key::Described
            || exchange
            || !is_account_model(&lookup.model);
    }
    let mut found = match &via {
        Some(summary) => helper_finding(
            lookup.start..call.end_byte(),
            &context.name,
            summary,
            file.text(id),
        ),
        None => finding(
            lookup.start..call.end_byte(),
            &context.name,
            &lookup.model,
            file.text(id),
        ),
    };
    if lower {
        found
            .captures
            .push((crate::detectors::CONFIDENCE, "lower".to_string()));
    }
    let model_class = match &via {
        Some(summary) => summary.model_class.clone(),
        None => file
            .symbols()
            .resolve(Language::Python, &lookup.model)
            .qualified(),
    };
    if let Some(model) = model_class.filter(|_| !scoped_by_caller(file, &lookup.model)) {
        let listed = listed_to_all(file, &lookup.model);
        found
            .link_checks
            .push(crate::finding::LinkCheck::OwnedModel(model, listed));
    }
    if let Some(class) = permission_object_hook(file, context.function) {
        found
            .link_checks
            .push(crate::finding::LinkCheck::NoObjectPermission(class));
    }
    if let Some(class) =
        enclosing_class(context.function).and_then(|class| class.field_child("name"))
    {
        found
            .link_checks
            .push(crate::finding::LinkCheck::OwnerCheckedOnDispatch(
                file.text(class).to_string(),
            ));
    }
    Some(found)
}

/// The class of a view's single-object hook (`def get_object(self)`, `@cached_property def
/// object(self)`) whose result is the object a permission mixin checks: django-rules' and
/// django-guardian's `PermissionRequiredMixin` ask for the permission on
/// `get_permission_object()`, by default `get_object()`. Not when the class, or a base in the
/// same file, returns another object from `get_permission_object` (`self.request.event`).
fn permission_object_hook(file: &ParsedFile, function: Node) -> Option<String> {
    let method = file.text(function.field_child("name")?);
    if !matches!(method, "object" | "get_object") {
        return None;
    }
    let class = enclosing_class(function)?;
    let name = file.text(class.field_child("name")?);
    let mut classes = vec![class];
    let mut seen = 0;
    while seen < classes.len() && seen < MAX_DEPTH {
        let bases = classes[seen]
            .field_child("superclasses")
            .map(named_children)
            .unwrap_or_default();
        classes.extend(
            bases
                .into_iter()
                .filter_map(|base| local_class(file, file.text(base))),
        );
        seen += 1;
    }
    let other_object = classes.iter().any(|class| {
        class_methods(file, *class)
            .into_iter()
            .filter(|(name, _)| name == "get_permission_object")
            .any(|(_, method)| {
                file.of_kinds_within(&["return_statement"], method)
                    .into_iter()
                    .any(|ret| {
                        let value = file.text(ret).trim_start_matches("return").trim();
                        !matches!(value, "self.object" | "self.get_object()")
                    })
            })
    });
    (!other_object).then(|| name.to_string())
}

/// A column that holds a secret the client must present: `notifications_token`, `secret`,
/// `api_key`, `signature`.
fn is_secret_name(key: &str) -> bool {
    static SECRET: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(^|_)(token|secret|hash|signature|nonce|key)$")
            .expect("the secret regex is valid")
    });
    SECRET.is_match(key.rsplit("__").next().unwrap_or(key))
}

/// What a look-up finds its row by, from the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    /// An id (`pk`, `invoice_id`).
    Id,
    /// A value that names one person or account (`username`, `email`, `acct_no`).
    Natural,
    /// Another value (`title`, `name`).
    Described,
}

/// What a handler does with a row it found by a natural key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    /// Writes a field, saves or deletes it.
    Changed,
    /// Puts a private field (`email`, `balance`) into what it returns.
    Private,
    /// Returns or renders the whole object, whose fields may or may not be public.
    Whole,
}

/// Whether the handler knows its caller: an authentication guard, or the caller read in its
/// body (`current_user`, `request.user`, `g.user`).
fn caller_known(file: &ParsedFile, model: &FileModel, function: Node, call: Node) -> bool {
    if model
        .handler_at(call.start_byte())
        .is_some_and(|handler| handler.authenticated())
    {
        return true;
    }
    // Or it reads the caller's credentials itself (`token_validator(request.headers.get(
    // "Authorization"))`).
    let text = file.text(function);
    [
        "current_user",
        "request.user",
        "g.user",
        "get_jwt_identity",
        "get_current_user",
        "Authorization",
        "token_validator",
        "verify_token",
        "decode_token",
        "decode_auth_token",
    ]
    .iter()
    .any(|caller| text.contains(caller))
}

/// Whether the function changes a field of the caller's own row (`current_user.balance -=
/// amount`, `request.user.following.add(…)` is not a field).
fn changes_caller(file: &ParsedFile, function: Node) -> bool {
    descendants(function).any(|node| {
        matches!(node.kind(), "assignment" | "augmented_assignment")
            && node
                .field_child("left")
                .filter(|left| left.kind() == "attribute")
                .and_then(|left| left.field_child("object"))
                .is_some_and(|object| {
                    matches!(
                        file.text(object),
                        "current_user" | "request.user" | "self.request.user" | "g.user"
                    )
                })
    })
}

/// Whether the look-up itself writes the rows it finds (`.update(…)`, `.delete()`).
fn lookup_writes(file: &ParsedFile, call: Node) -> bool {
    chain(file, call)
        .calls
        .last()
        .is_some_and(|(method, _)| matches!(method.as_str(), "update" | "delete"))
}

/// What the function does after `lookup` with the object bound to `objects`: changes it,
/// returns private fields of it, or returns it whole; `None` when it does none of these (a
/// sign-in that checks a password, a form that says a name is taken).
fn object_use(file: &ParsedFile, function: Node, lookup: Node, objects: &[String]) -> Option<Use> {
    if objects.is_empty() {
        // `return User.objects.get(email=email)`, `jsonify(User.query…first().to_dict())`.
        return ancestor_of_kind(lookup, &["return_statement"]).map(|_| Use::Whole);
    }
    let is_object =
        |node: Node| node.kind() == "identifier" && objects.iter().any(|o| o == file.text(node));
    // Names a `return` hands back, and the values assigned to them.
    let mut returned: Vec<&str> = Vec::new();
    for node in descendants(function) {
        if node.kind() == "return_statement" {
            returned.extend(identifiers(file, node));
        }
    }
    let reaches_response = |node: Node| {
        let mut current = node;
        while let Some(parent) = current.parent() {
            match parent.kind() {
                "return_statement" => return true,
                "assignment" => {
                    return parent.field_child("left").is_some_and(|left| {
                        left.kind() == "identifier" && returned.contains(&file.text(left))
                    })
                }
                "if_statement" | "elif_clause" | "while_statement" | "function_definition" => {
                    return false
                }
                _ => current = parent,
            }
        }
        false
    };
    let mut whole = false;
    for node in descendants(function) {
        if node.start_byte() < lookup.end_byte() {
            continue;
        }
        match node.kind() {
            "assignment" | "augmented_assignment" => {
                let changed = node
                    .field_child("left")
                    .filter(|left| left.kind() == "attribute")
                    .and_then(|left| left.field_child("object"))
                    .is_some_and(is_object);
                if changed {
                    return Some(Use::Changed);
                }
            }
            "call" => {
                let Some(callee) = node.field_child("function") else {
                    continue;
                };
                let method = file.text(callee).rsplit('.').next().unwrap_or_default();
                let on_object = callee.field_child("object").is_some_and(is_object);
                let writes = matches!(method, "save" | "delete" | "update" | "set_password");
                let deletes =
                    method == "delete" && arguments_of(node).first().is_some_and(|a| is_object(*a));
                if (on_object && writes) || deletes {
                    return Some(Use::Changed);
                }
            }
            "attribute" => {
                let field = node
                    .field_child("attribute")
                    .map(|a| file.text(a))
                    .unwrap_or_default();
                let on_object = node.field_child("object").is_some_and(is_object);
                if on_object && is_private_field(field) && reaches_response(node) {
                    return Some(Use::Private);
                }
            }
            "return_statement" => {
                // The object itself (`return user`, `render(…, user=user)`), or all its fields
                // (`user.to_dict()`), not a few of them (`user.username`).
                whole |= descendants(node).filter(|n| is_object(*n)).any(|n| {
                    let Some(parent) = n.parent() else {
                        return false;
                    };
                    // `return {"exists": user is not None}`: a test of it.
                    if matches!(
                        parent.kind(),
                        "comparison_operator" | "not_operator" | "boolean_operator"
                    ) {
                        return false;
                    }
                    if parent.kind() != "attribute" {
                        return true;
                    }
                    let method = parent
                        .field_child("attribute")
                        .map(|a| file.text(a))
                        .unwrap_or_default();
                    matches!(
                        method,
                        "to_dict"
                            | "dict"
                            | "as_dict"
                            | "serialize"
                            | "to_json"
                            | "json"
                            | "model_dump"
                            | "__dict__"
                    )
                });
            }
            _ => {}
        }
    }
    whole.then_some(Use::Whole)
}

/// Whether a value is read from the server-side session (`request.session.get("payment_id")`):
/// the server put it there, the client did not choose it.
fn from_session(file: &ParsedFile, node: Node, depth: usize) -> bool {
    crate::budget::deep(|| {
        descendants(node).any(|part| match part.kind() {
            "attribute" => {
                part.field_child("attribute")
                    .is_some_and(|a| file.text(a) == "session")
                    && part
                        .field_child("object")
                        .is_some_and(|o| matches!(file.text(o), "request" | "self.request"))
            }
            "identifier" if depth < MAX_DEPTH && !is_field(part) && !is_callee(part) => {
                scope::assignments_before(file, part, file.text(part))
                    .and_then(|assigned| assigned.value)
                    .is_some_and(|value| from_session(file, value, depth + 1))
            }
            _ => false,
        })
    })
}

/// Whether the loaded object is checked against a capability the request carries: a condition
/// calling something handed the object and the request or another request value
/// (`if not cf.allowed_for_session(request)`, `if not check_token(user, request.GET["token"])`),
/// or a call handed both whose result a later condition tests
/// (`trigger = Trigger.from_request(request, endpoint=endpoint)` … `if not trigger.valid`).
fn capability_checked(
    file: &ParsedFile,
    model: &FileModel,
    function: Node,
    lookup: Node,
    objects: &[String],
    ids: &[Node],
) -> bool {
    if objects.is_empty() {
        return false;
    }
    let checks = |call: Node| {
        call.start_byte() >= lookup.end_byte()
            && identifiers(file, call).any(|n| objects.iter().any(|o| o == n))
            && hands_request(file, model, call, ids)
    };
    let mut results: Vec<&str> = Vec::new();
    for node in descendants(function) {
        if node.start_byte() < lookup.end_byte() {
            continue;
        }
        if let Some(condition) = condition_of(node) {
            if descendants(condition)
                .filter(|n| n.kind() == "call")
                .any(checks)
                || identifiers(file, condition).any(|n| results.contains(&n))
            {
                return true;
            }
        } else if node.kind() == "assignment" {
            let (Some(left), Some(right)) = (node.field_child("left"), node.field_child("right"))
            else {
                continue;
            };
            let called = right.kind() == "call"
                && right
                    .field_child("function")
                    .map(|f| file.text(f).rsplit('.').next().unwrap_or_default())
                    .is_some_and(|name| !is_reporting_call(name));
            if left.kind() == "identifier" && called && checks(right) {
                results.push(file.text(left));
            }
        }
    }
    false
}

/// Whether a call is handed the request itself, its session, or a request value other than the
/// look-up's ids.
fn hands_request(file: &ParsedFile, model: &FileModel, call: Node, ids: &[Node]) -> bool {
    let Some(arguments) = call.field_child("arguments") else {
        return false;
    };
    named_children(arguments).into_iter().any(|argument| {
        let value = match argument.kind() {
            "keyword_argument" => argument.field_child("value"),
            _ => Some(argument),
        };
        value.is_some_and(|value| {
            let text = file.text(value);
            matches!(
                text,
                "request" | "self.request" | "request.session" | "self.request.session"
            ) || (!ids.iter().any(|id| file.text(*id) == text)
                && from_request(file, model, value, 0))
        })
    })
}

/// Whether the function handed the request to its parent view before the look-up
/// (`super().post(request, *args, **kwargs)`).
fn after_parent_view(file: &ParsedFile, function: Node, lookup: Node) -> bool {
    descendants(function).any(|node| {
        node.kind() == "call"
            && node.end_byte() <= lookup.start_byte()
            && node
                .field_child("function")
                .is_some_and(|f| file.text(f).starts_with("super()."))
    })
}

/// Whether the look-up's result is stored on a parameter (`obj.rack = get_object_or_404(…)`).
fn fills_parameter(file: &ParsedFile, function: Node, lookup: Node) -> bool {
    let Some(assignment) = lookup.parent().filter(|p| p.kind() == "assignment") else {
        return false;
    };
    let Some(target) = assignment
        .field_child("left")
        .filter(|left| left.kind() == "attribute")
        .and_then(|left| left.field_child("object"))
    else {
        return false;
    };
    let name = file.text(target);
    function
        .field_child("parameters")
        .is_some_and(|parameters| {
            named_children(parameters)
                .into_iter()
                .any(|parameter| parameter.kind() == "identifier" && file.text(parameter) == name)
        })
}

/// Whether `call` is the receiver of a further method call (`…get(...).first()`): only the
/// outermost call of a chain is judged.
fn continues_chain(file: &ParsedFile, call: Node) -> bool {
    file.parent(call).is_some_and(|parent| {
        parent.kind() == "attribute"
            && parent
                .field_child("object")
                .is_some_and(|object| object.id() == call.id())
            && file
                .parent(parent)
                .is_some_and(|grand| grand.kind() == "call")
    })
}

/// A method chain: its root and the calls made on it, innermost first.
struct Chain<'t> {
    root: Node<'t>,
    calls: Vec<(String, Node<'t>)>,
}

fn chain<'t>(file: &ParsedFile, expression: Node<'t>) -> Chain<'t> {
    let mut calls = Vec::new();
    let mut current = expression;
    loop {
        match current.kind() {
            "call" => {
                let Some(function) = current
                    .field_child("function")
                    .filter(|f| f.kind() == "attribute")
                else {
                    break;
                };
                let (Some(object), Some(attribute)) = (
                    function.field_child("object"),
                    function.field_child("attribute"),
                ) else {
                    break;
                };
                calls.push((file.text(attribute).to_string(), current));
                current = object;
            }
            "await" | "parenthesized_expression" => {
                let Some(inner) = named_children(current).into_iter().next() else {
                    break;
                };
                current = inner;
            }
            _ => break,
        }
    }
    calls.reverse();
    Chain {
        root: current,
        calls,
    }
}

/// `Invoice.objects`, `models.Invoice._default_manager` → `Invoice`.
fn manager_model(file: &ParsedFile, root: Node) -> Option<String> {
    if root.kind() != "attribute" {
        return None;
    }
    let attribute = file.text(root.field_child("attribute")?);
    let object = root.field_child("object")?;
    let model = file.text(object).rsplit('.').next()?;
    // `Invoice.objects`, `models.Invoice.objects`, and lower-case model classes (`login.objects`);
    // not `self.model.objects`, whose model is not named here.
    let named = object.kind() == "identifier" || starts_upper(model);
    (MANAGERS.contains(&attribute) && named).then(|| model.to_string())
}

fn starts_upper(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

/// A Django queryset expression rooted at a model's manager, possibly through a local variable:
/// the model and its conditions. `None` for anything else (related managers, `get_queryset()`,
/// custom manager methods, `**kwargs`).
fn django_queryset<'t>(
    file: &'t ParsedFile,
    expression: Node<'t>,
    depth: usize,
) -> Option<(String, Vec<Condition<'t>>)> {
    crate::budget::deep(|| django_queryset_unguarded(file, expression, depth))
}

/// Guarded by [`django_queryset`], which grows the stack for deep trees.
fn django_queryset_unguarded<'t>(
    file: &'t ParsedFile,
    expression: Node<'t>,
    depth: usize,
) -> Option<(String, Vec<Condition<'t>>)> {
    let chain = chain(file, expression);
    let (model, mut conditions) = match chain.root.kind() {
        "identifier" if depth < MAX_DEPTH && !starts_upper(file.text(chain.root)) => {
            let assigned = scope::assignments_before(file, chain.root, file.text(chain.root))?;
            if !assigned.appended.is_empty() {
                return None;
            }
            django_queryset(file, assigned.value?, depth + 1)?
        }
        _ => (manager_model(file, chain.root)?, Vec::new()),
    };
    for (method, call) in &chain.calls {
        if DJANGO_CONDITIONS.contains(&method.as_str()) {
            conditions.extend(keyword_conditions(file, *call)?);
        } else if !DJANGO_NEUTRAL.contains(&method.as_str())
            && !DJANGO_TERMINALS.contains(&method.as_str())
        {
            return None;
        }
    }
    Some((model, conditions))
}

/// `Invoice.objects.get(pk=pk)`, `Payment.objects.filter(id=x).first()`,
/// `qs.select_related(...).get(pk=pk)` where `qs = Model.objects.all()`.
fn django_lookup<'t>(file: &'t ParsedFile, call: Node<'t>) -> Option<Lookup<'t>> {
    let chain = chain(file, call);
    let (terminal, _) = chain.calls.last()?;
    if !DJANGO_TERMINALS.contains(&terminal.as_str()) {
        return None;
    }
    let (model, conditions) = django_queryset(file, call, 0)?;
    Some(Lookup {
        model,
        start: chain.root.start_byte(),
        conditions,
    })
}

/// `get_object_or_404(Invoice, pk=pk)`, `get_object_or_404(Invoice.objects.filter(...), pk=pk)`.
fn get_object_or_404<'t>(file: &'t ParsedFile, call: Node<'t>) -> Option<Lookup<'t>> {
    let function = call.field_child("function")?;
    if file.text(function).rsplit('.').next() != Some("get_object_or_404") {
        return None;
    }
    let arguments = arguments_of(call);
    let (first, rest) = arguments.split_first()?;
    let (model, mut conditions) = match first.kind() {
        "identifier" | "attribute" if starts_upper(file.text(*first).rsplit('.').next()?) => (
            file.text(*first).rsplit('.').next()?.to_string(),
            Vec::new(),
        ),
        _ => django_queryset(file, *first, 0)?,
    };
    conditions.extend(argument_conditions(file, rest)?);
    Some(Lookup {
        model,
        start: call.start_byte(),
        conditions,
    })
}

/// The keyword conditions of a call, including those inside `Q(...)`; `None` if it has other
/// positional arguments or `**` expansions, whose conditions cannot be read.
fn keyword_conditions<'t>(file: &ParsedFile, call: Node<'t>) -> Option<Vec<Condition<'t>>> {
    let arguments = call.field_child("arguments")?;
    argument_conditions(file, &named_children(arguments))
}

fn argument_conditions<'t>(
    file: &ParsedFile,
    arguments: &[Node<'t>],
) -> Option<Vec<Condition<'t>>> {
    crate::budget::deep(|| argument_conditions_unguarded(file, arguments))
}

/// Guarded by [`argument_conditions`], which grows the stack for deep trees.
fn argument_conditions_unguarded<'t>(
    file: &ParsedFile,
    arguments: &[Node<'t>],
) -> Option<Vec<Condition<'t>>> {
    let mut conditions = Vec::new();
    for argument in arguments {
        match argument.kind() {
            "keyword_argument" => conditions.push(Condition {
                key: file.text(argument.field_child("name")?).to_string(),
                value: argument.field_child("value")?,
            }),
            "call" if is_q(file, *argument) => {
                conditions.extend(keyword_conditions(file, *argument)?);
            }
            "comment" => {}
            _ => return None,
        }
    }
    Some(conditions)
}

/// The arguments of a call, without comments.
fn arguments_of(call: Node) -> Vec<Node> {
    call.field_child("arguments")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.kind() != "comment")
        .collect()
}

fn is_q(file: &ParsedFile, call: Node) -> bool {
    call.field_child("function")
        .is_some_and(|f| matches!(file.text(f), "Q" | "models.Q"))
}

/// SQLAlchemy and Flask-SQLAlchemy: `session.get(Model, id)`, `db.get_or_404(Model, id)`,
/// `db.query(Model).filter(Model.id == id).first()`, `Model.query.get_or_404(id)`,
/// `select(Model).where(Model.id == id)`.
fn sqlalchemy_lookup<'t>(file: &ParsedFile, call: Node<'t>) -> Option<Lookup<'t>> {
    let chain = chain(file, call);
    let start = chain.root.start_byte();
    // session.get(Model, id) / db.get_or_404(Model, id)
    if let [(method, only)] = chain.calls.as_slice() {
        if matches!(method.as_str(), "get" | "get_or_404") && is_session(file, chain.root) {
            let arguments: Vec<Node> = arguments_of(*only)
                .into_iter()
                .filter(|a| a.kind() != "keyword_argument")
                .collect();
            let [model, id] = arguments.as_slice() else {
                return None;
            };
            let model = model_name(file, *model)?;
            return Some(Lookup {
                model,
                start,
                conditions: vec![Condition {
                    key: "id".into(),
                    value: *id,
                }],
            });
        }
    }
    // The model and the calls that follow it.
    let (model, calls, needs_terminal) = match chain.root.kind() {
        // Model.query...
        "attribute" => {
            let attribute = file.text(chain.root.field_child("attribute")?);
            let object = chain.root.field_child("object")?;
            if attribute != "query" || object.kind() != "identifier" {
                return None;
            }
            (model_name(file, object)?, &chain.calls[..], true)
        }
        // select(Model).where(...), update(Model).where(...), delete(Model).where(...)
        "call" => {
            let function = file.text(chain.root.field_child("function")?);
            let name = function.rsplit('.').next()?;
            if !matches!(name, "select" | "update" | "delete") || chain.calls.is_empty() {
                return None;
            }
            let first = arguments_of(chain.root).into_iter().next()?;
            (model_name(file, first)?, &chain.calls[..], false)
        }
        // session.query(Model)...
        _ if is_session(file, chain.root) => {
            let ((method, query), rest) = chain.calls.split_first()?;
            if method != "query" {
                return None;
            }
            let first = arguments_of(*query).into_iter().next()?;
            (model_name(file, first)?, rest, true)
        }
        _ => return None,
    };
    if needs_terminal
        && !calls
            .last()
            .is_some_and(|(method, _)| SQLA_TERMINALS.contains(&method.as_str()))
    {
        return None;
    }
    let mut conditions = Vec::new();
    for (method, call) in calls {
        let arguments = arguments_of(*call);
        match method.as_str() {
            "filter" | "where" => {
                for argument in arguments {
                    expression_conditions(file, argument, &mut conditions)?;
                }
            }
            "filter_by" => conditions.extend(argument_conditions(file, &arguments)?),
            "get" | "get_or_404" => {
                let mut positional = arguments
                    .into_iter()
                    .filter(|a| a.kind() != "keyword_argument");
                conditions.push(Condition {
                    key: "id".into(),
                    value: positional.next()?,
                });
                // `Person.query.get(member_id, g.project)`: not the ORM's `get(ident)` but a
                // query class of the project, handed what it scopes the row by.
                conditions.extend(positional.map(|value| Condition {
                    key: "scope".into(),
                    value,
                }));
            }
            "update" | "values" => {}
            other if SQLA_TERMINALS.contains(&other) || SQLA_NEUTRAL.contains(&other) => {}
            _ => return None,
        }
    }
    Some(Lookup {
        model,
        start,
        conditions,
    })
}

/// DB-API SQL: `cursor.execute("SELECT … FROM cards WHERE id = %s", (card_id,))`, the SQL a
/// string literal (or a name bound to one) and the values a tuple or list. The table stands for
/// the model; each bound value in `WHERE` is a condition, the one compared with an id column
/// keyed `id`.
fn raw_sql_lookup<'t>(file: &ParsedFile, call: Node<'t>) -> Option<Lookup<'t>> {
    let function = call
        .field_child("function")
        .filter(|f| f.kind() == "attribute")?;
    let method = file.text(function.field_child("attribute")?);
    if !matches!(
        method,
        "execute" | "fetch_one" | "fetch_all" | "fetchrow" | "fetchval"
    ) {
        return None;
    }
    let arguments = arguments_of(call);
    let [sql, values, ..] = arguments.as_slice() else {
        return None;
    };
    let sql = match sql.kind() {
        "identifier" => scope::assignments_before(file, *sql, file.text(*sql))
            .and_then(|assigned| assigned.value)
            .or_else(|| module_constant(file, file.text(*sql)))?,
        _ => *sql,
    };
    if sql.kind() != "string" || descendants(sql).any(|n| n.kind() == "interpolation") {
        return None;
    }
    let text = descendants(sql)
        .filter(|n| n.kind() == "string_content")
        .map(|n| file.text(n))
        .collect::<String>();
    let found = super::sql_lookup(&text)?;
    // `WHERE user_id = %s` scopes rows to a user rather than naming one object.
    if is_caller_word(&found.id_column) || !matches!(values.kind(), "tuple" | "list") {
        return None;
    }
    let values: Vec<Node> = named_children(*values)
        .into_iter()
        .filter(|n| n.kind() != "comment")
        .collect();
    let mut conditions = vec![Condition {
        key: "id".to_string(),
        value: *values.get(found.id_value)?,
    }];
    for index in found.other_conditions {
        conditions.push(Condition {
            key: "value".to_string(),
            value: *values.get(index)?,
        });
    }
    Some(Lookup {
        model: found.table,
        start: call.start_byte(),
        conditions,
    })
}

/// The value of a module-level `NAME = …`.
fn module_constant<'t>(file: &'t ParsedFile, name: &str) -> Option<Node<'t>> {
    named_children(file.tree.root_node())
        .into_iter()
        .filter(|statement| statement.kind() == "expression_statement")
        .filter_map(|statement| named_children(statement).into_iter().next())
        .filter(|node| node.kind() == "assignment")
        .find(|assignment| {
            assignment
                .field_child("left")
                .is_some_and(|left| file.text(left) == name)
        })
        .and_then(|assignment| assignment.field_child("right"))
}

/// `Payment.id == payment_id` and `and_(...)` of such; `None` for anything else.
fn expression_conditions<'t>(
    file: &ParsedFile,
    expression: Node<'t>,
    out: &mut Vec<Condition<'t>>,
) -> Option<()> {
    crate::budget::deep(|| expression_conditions_unguarded(file, expression, out))
}

/// Guarded by [`expression_conditions`], which grows the stack for deep trees.
fn expression_conditions_unguarded<'t>(
    file: &ParsedFile,
    expression: Node<'t>,
    out: &mut Vec<Condition<'t>>,
) -> Option<()> {
    match expression.kind() {
        "comment" => Some(()),
        "comparison_operator" => {
            let operands = named_children(expression);
            let [left, right] = operands.as_slice() else {
                return None;
            };
            let mut cursor = expression.walk();
            let equals = expression
                .children(&mut cursor)
                .filter(|c| !c.is_named())
                .all(|c| c.kind() == "==");
            if !equals {
                return None;
            }
            let (column, value) = if is_column(file, *left) {
                (*left, *right)
            } else if is_column(file, *right) {
                (*right, *left)
            } else {
                return None;
            };
            out.push(Condition {
                key: file
                    .text(column)
                    .rsplit('.')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                value,
            });
            Some(())
        }
        "call" => {
            let function = file.text(expression.field_child("function")?);
            if !matches!(function, "and_" | "sa.and_" | "sqlalchemy.and_") {
                return None;
            }
            for argument in arguments_of(expression) {
                expression_conditions(file, argument, out)?;
            }
            Some(())
        }
        _ => None,
    }
}

/// `Payment.id`, `Payment.__table__.c.id`: an attribute of a model class.
fn is_column(file: &ParsedFile, node: Node) -> bool {
    node.kind() == "attribute" && starts_upper(file.text(node))
}

/// `Invoice`, `models.Invoice`, `Invoice.id` (a column of it) → `Invoice`.
fn model_name(file: &ParsedFile, node: Node) -> Option<String> {
    let text = file.text(node);
    let model = match node.kind() {
        "identifier" => text,
        "attribute" => text
            .split('.')
            .find(|segment| starts_upper(segment))
            .unwrap_or_default(),
        _ => return None,
    };
    (starts_upper(model) && !is_constant_name(model)).then(|| model.to_string())
}

/// `session`, `db`, `db.session`, `self.session`, `async_session`.
fn is_session(file: &ParsedFile, node: Node) -> bool {
    let last = file
        .text(node)
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    last == "db" || last == "sess" || last.ends_with("session") || last.ends_with("_db")
}

/// Whether a value is fixed in the code: literals, `UPPER_CASE` constants, collections of them.
fn is_literal(file: &ParsedFile, node: Node) -> bool {
    crate::budget::deep(|| is_literal_unguarded(file, node))
}

/// Guarded by [`is_literal`], which grows the stack for deep trees.
fn is_literal_unguarded(file: &ParsedFile, node: Node) -> bool {
    match node.kind() {
        "string" | "integer" | "float" | "true" | "false" | "none" | "concatenated_string" => true,
        "identifier" | "attribute" => scope::is_constant(file, node),
        "unary_operator" | "parenthesized_expression" | "list" | "tuple" | "set" => {
            named_children(node)
                .into_iter()
                .all(|n| is_literal(file, n))
        }
        _ => false,
    }
}

/// Whether a value comes from the request: the model's `from-request`, plus the URL keyword
/// arguments of class-based views (`kwargs["pk"]`, `self.kwargs.get("pk")`).
fn from_request(file: &ParsedFile, model: &FileModel, node: Node, depth: usize) -> bool {
    crate::budget::deep(|| from_request_unguarded(file, model, node, depth))
}

/// Guarded by [`from_request`], which grows the stack for deep trees.
fn from_request_unguarded(file: &ParsedFile, model: &FileModel, node: Node, depth: usize) -> bool {
    if crate::taint::from_request(file, model, node) {
        return true;
    }
    // The keys of a database read do not flow into the rows it returns.
    let stored: Vec<Node> = descendants(node)
        .filter(|part| part.kind() == "call" && crate::taint::reads_stored_rows(file, *part))
        .collect();
    let outside = |part: &Node| {
        !stored
            .iter()
            .any(|call| call.byte_range().contains(&part.start_byte()))
    };
    descendants(node)
        .filter(outside)
        .any(|part| match part.kind() {
            "subscript" => part
                .field_child("value")
                .is_some_and(|value| is_kwargs(file, value)),
            "call" => part
                .field_child("function")
                .and_then(|f| f.field_child("object"))
                .is_some_and(|object| is_kwargs(file, object)),
            "identifier" if depth < MAX_DEPTH && !is_field(part) && !is_callee(part) => {
                scope::assignments_before(file, part, file.text(part))
                    .and_then(|assigned| assigned.value)
                    .is_some_and(|value| from_request(file, model, value, depth + 1))
            }
            _ => false,
        })
}

/// Whether a value reads an object parameter: one annotated with a class (`email: EmailAddress`)
/// or whose attribute is read (`invoice.pk`). Django URL converters only produce strings,
/// numbers and UUIDs, so such a function is a helper that takes `request` first, not a view.
fn object_parameter(file: &ParsedFile, function: Node, value: Node) -> bool {
    let Some(parameters) = function.field_child("parameters") else {
        return false;
    };
    let Some(root) = descendants(value).find(|n| n.kind() == "identifier" && !is_field(*n)) else {
        return false;
    };
    let name = file.text(root);
    if NOT_ID_NAMES.contains(&name) {
        return false;
    }
    let attribute_read = root.parent().is_some_and(|parent| {
        parent.kind() == "attribute"
            && parent
                .field_child("object")
                .is_some_and(|object| object.id() == root.id())
            && parent.parent().is_none_or(|grand| grand.kind() != "call")
    });
    named_children(parameters).into_iter().any(|parameter| {
        let named = match parameter.kind() {
            "identifier" => file.text(parameter) == name,
            _ => named_children(parameter)
                .first()
                .is_some_and(|first| first.kind() == "identifier" && file.text(*first) == name),
        };
        let typed = parameter.field_child("type").is_some_and(|annotation| {
            let text = file.text(annotation);
            let head = text.trim_start_matches("Optional[").trim();
            starts_upper(head) && !is_inert_type(text)
        });
        named && (typed || attribute_read)
    })
}

/// The authenticated caller, as a handler reads it.
static CALLER_READ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:current_user|(?:self\.)?request\.user|g\.user)\b")
        .unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Whether a value went through an `await` or a call that resolves it (a token, a signature, a
/// database look-up) on its way from the request: then it is not the id the client chose.
fn through_barrier(file: &ParsedFile, node: Node, depth: usize) -> bool {
    crate::budget::deep(|| through_barrier_unguarded(file, node, depth))
}

/// Guarded by [`through_barrier`], which grows the stack for deep trees.
fn through_barrier_unguarded(file: &ParsedFile, node: Node, depth: usize) -> bool {
    descendants(node).any(|part| match part.kind() {
        "await" => true,
        "call" => part.field_child("function").is_some_and(|f| {
            let name = file.text(f).rsplit('.').next().unwrap_or_default();
            // `signing.loads(...)`, `jwt.decode(...)`: the module says what the call does.
            let module = f
                .field_child("object")
                .filter(|object| object.kind() == "identifier")
                .map(|object| file.text(object));
            // A row or a cache entry found by the value: what comes back is the server's.
            let resolved = name == "get_object_or_404"
                || file.text(f).contains(".objects.")
                || module.is_some_and(|m| m == "cache" || m.ends_with("_cache"));
            // A key derived from the caller as well (`uuid5(NS, f"user:{current_user.id}_{x}")`):
            // another user's rows cannot match it.
            let keyed_by_caller = part
                .field_child("arguments")
                .is_some_and(|arguments| CALLER_READ.is_match(file.text(arguments)));
            is_barrier_call(name)
                || resolved
                || keyed_by_caller
                || module.is_some_and(|m| {
                    matches!(m, "signing" | "signer" | "jwt" | "fernet" | "tokens")
                })
        }),
        "identifier" if depth < MAX_DEPTH && !is_field(part) && !is_callee(part) => {
            scope::assignments_before(file, part, file.text(part))
                .and_then(|assigned| assigned.value)
                .is_some_and(|value| through_barrier(file, value, depth + 1))
        }
        _ => false,
    })
}

fn is_callee(node: Node) -> bool {
    node.parent().is_some_and(|parent| {
        parent.kind() == "call"
            && parent
                .field_child("function")
                .is_some_and(|function| function.id() == node.id())
    })
}

fn is_kwargs(file: &ParsedFile, node: Node) -> bool {
    matches!(file.text(node), "kwargs" | "self.kwargs" | "view_kwargs")
}

/// An identifier that names an attribute or a keyword rather than a value.
fn is_field(node: Node) -> bool {
    node.parent().is_some_and(|parent| {
        let field = match parent.kind() {
            "attribute" => "attribute",
            "keyword_argument" => "name",
            _ => return false,
        };
        parent
            .field_child(field)
            .is_some_and(|child| child.id() == node.id())
    })
}

fn context<'t>(file: &ParsedFile, model: &FileModel, node: Node<'t>) -> Option<Context<'t>> {
    let function = ancestor_of_kind(node, &["function_definition"])?;
    // Middleware (`MiddlewareMixin`) resolves what every request needs (the tenant of the host
    // name), not an object the client asks for.
    let middleware = enclosing_class(function)
        .and_then(|class| class.field_child("superclasses"))
        .is_some_and(|bases| file.text(bases).contains("MiddlewareMixin"));
    if middleware {
        return None;
    }
    let handler = model.handler_at(node.start_byte());
    if handler
        .and_then(|handler| handler.route.as_deref())
        .is_some_and(is_admin_area)
    {
        return None;
    }
    let django = handler
        .is_none_or(|handler| matches!(handler.framework, Framework::Django | Framework::Drf));
    let (name, mut admin) = match handler {
        Some(handler) => {
            // `CardViewSet.retrieve` rather than `retrieve`.
            let class = enclosing_class(function)
                .and_then(|class| class.field_child("name"))
                .map(|name| format!("{}.", file.text(name)))
                .unwrap_or_default();
            (
                format!("{class}{}", handler.name),
                handler.guards.iter().any(|guard| is_admin_marker(guard)),
            )
        }
        // A method of a class-based view that is not a handler itself (`get_object`, `dispatch`).
        None => {
            let class = enclosing_class(function)?;
            let bases = class.field_child("superclasses")?;
            let is_view = ["View", "ViewSet", "APIView", "Mixin"]
                .iter()
                .any(|base| file.text(bases).contains(base));
            if !is_view {
                return None;
            }
            let class_name = file.text(class.field_child("name")?);
            let method = file.text(function.field_child("name")?);
            (format!("{class_name}.{method}"), false)
        }
    };
    if let Some(class) = enclosing_class(function) {
        admin |= is_admin_marker(&class_markers(file, class));
    }
    admin |= checks_admin(file, function);
    let authorized_by =
        enclosing_class(function).and_then(|class| authorizing_permission(file, class));
    Some(Context {
        name,
        function,
        admin,
        authorized_by,
        django,
        handler: handler.is_some(),
    })
}

/// A permission class the view lists (`permission_classes = (HistoryPermission,)`), defined in
/// this file, whose `has_permission` refuses on more than the caller's sign-in: it reads the
/// caller's identity or rights (`request.user.pk` compared with the requested id,
/// `request.user_acl`, `request.user.has_perm(…)`) and raises or returns under a condition.
fn authorizing_permission(file: &ParsedFile, class: Node) -> Option<String> {
    let permissions = class_attribute(file, class, "permission_classes")?;
    permission_class_names(file, permissions)
        .filter(|name| !NON_OBJECT_PERMISSIONS.contains(name))
        .find(|name| {
            let Some(permission) = local_class(file, name) else {
                return false;
            };
            class_methods(file, permission)
                .into_iter()
                .filter(|(method, _)| method == "has_permission")
                .any(|(_, method)| checks_caller_rights(file, method))
        })
        .map(str::to_string)
}

/// Whether a condition in `method` reads the caller beyond whether they signed in
/// (`request.user.pk`, `request.user_acl`, `request.user.has_perm(…)`), and the method refuses
/// (a `raise`, or a `return` of something other than `True`).
fn checks_caller_rights(file: &ParsedFile, method: Node) -> bool {
    const SIGN_IN_ONLY: &[&str] = &["is_authenticated", "is_anonymous", "is_active"];
    let reads_rights = file
        .of_kinds_within(&["if_statement"], method)
        .into_iter()
        .filter_map(|statement| statement.field_child("condition"))
        .flat_map(|condition| file.of_kinds_within(&["attribute"], condition))
        .any(|attribute| {
            let written = file.text(attribute);
            let Some(rest) = written.strip_prefix("request.") else {
                return false;
            };
            match rest.strip_prefix("user.") {
                Some(field) => !SIGN_IN_ONLY.contains(&field),
                None => rest != "user" && rest.starts_with("user"),
            }
        });
    let refuses = !file
        .of_kinds_within(&["raise_statement"], method)
        .is_empty()
        || file
            .of_kinds_within(&["return_statement"], method)
            .into_iter()
            .any(|statement| !matches!(file.text(statement), "return True"));
    reads_rights && refuses
}

fn enclosing_class(function: Node) -> Option<Node> {
    ancestor_of_kind(function, &["class_definition"])
}

/// The bases, decorators and `permission_classes` of a class, as text.
fn class_markers(file: &ParsedFile, class: Node) -> String {
    let mut text = String::new();
    if let Some(bases) = class.field_child("superclasses") {
        text.push_str(file.text(bases));
    }
    if let Some(decorated) = class
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
    {
        for decorator in named_children(decorated)
            .into_iter()
            .filter(|n| n.kind() == "decorator")
        {
            text.push_str(file.text(decorator));
        }
    }
    if let Some(value) = class_attribute(file, class, "permission_classes") {
        text.push_str(file.text(value));
    }
    text
}

/// Whether the function tests for staff or for a permission on a whole model before doing
/// anything (`if not request.user.is_staff:`, `if not user.has_perm("group.edit"):`), itself,
/// in a method of its class it calls (`self.perm_check(request)`), or in a function of the
/// module it calls (`await _require_admin(current_user)`): whoever passes may act on any row.
fn checks_admin(file: &ParsedFile, function: Node) -> bool {
    let root = file.tree.root_node();
    tests_admin(file, function)
        || file
            .of_kinds_within(&["call"], function)
            .into_iter()
            .filter_map(|call| call.field_child("function"))
            .filter(|callee| callee.kind() == "identifier")
            .filter_map(|callee| file.definition_in(root, "function_definition", file.text(callee)))
            .any(|helper| helper != function && tests_admin(file, helper))
        || enclosing_class(function).is_some_and(|class| {
            let called: Vec<&str> = file
                .of_kinds_within(&["call"], function)
                .into_iter()
                .filter_map(|call| call.field_child("function"))
                .filter_map(|callee| file.text(callee).strip_prefix("self."))
                .collect();
            class_methods(file, class)
                .into_iter()
                .any(|(name, method)| called.contains(&name.as_str()) && tests_admin(file, method))
        })
}

/// [`checks_admin`] within the function's own body.
fn tests_admin(file: &ParsedFile, function: Node) -> bool {
    descendants(function).any(|node| {
        condition_of(node).is_some_and(|condition| {
            let text = file.text(condition);
            text.contains("is_staff")
                || text.contains("is_superuser")
                || text.contains("is_admin")
                || (asks_model_permission(file, condition) && refuses_after(file, node, condition))
        })
    })
}

/// Whether the `if` (or `elif`) refuses the request in its branch after `condition`
/// (`self.permission_denied(…)`, `raise PermissionDenied`, a 403); never an `assert`, which
/// `python -O` removes.
fn refuses_after(file: &ParsedFile, statement: Node, condition: Node) -> bool {
    if statement.kind() == "assert_statement" {
        return false;
    }
    let branches = &file.source.text[condition.end_byte()..statement.end_byte()];
    branches.contains("permission_denied") || crate::app::guards::names_refusal(branches)
}

/// Whether the condition asks for a permission with no object (`user.has_perm("user.edit")`):
/// one granted on every row of the model.
fn asks_model_permission(file: &ParsedFile, condition: Node) -> bool {
    has_perm_arguments(file, condition).contains(&1)
}

/// The number of arguments of each `….has_perm(…)` call under `node`.
fn has_perm_arguments(file: &ParsedFile, node: Node) -> Vec<usize> {
    file.of_kinds_within(&["call"], node)
        .into_iter()
        .filter(|call| {
            call.field_child("function")
                .is_some_and(|function| file.text(function).ends_with(".has_perm"))
        })
        .filter_map(|call| call.field_child("arguments"))
        .map(|arguments| named_children(arguments).len())
        .collect()
}

/// The condition of an `if`, `elif`, `while` or `assert`.
fn condition_of(node: Node) -> Option<Node> {
    match node.kind() {
        "if_statement" | "elif_clause" | "while_statement" => node.field_child("condition"),
        "assert_statement" => named_children(node).into_iter().next(),
        _ => None,
    }
}

/// The names an earlier look-up of `function` bound the row to when it used the same id
/// variable (`draft = AnnotationDraft.objects.filter(id=draft_id).first()` before
/// `self.delete_draft(draft_id)`): a check of that row covers this look-up of it.
fn fetched_before(file: &ParsedFile, function: Node, call: Node, id: Node) -> Vec<String> {
    if id.kind() != "identifier" {
        return Vec::new();
    }
    let id = file.text(id);
    file.of_kinds_within(&["call"], function)
        .into_iter()
        .filter(|earlier| earlier.end_byte() < call.start_byte())
        .filter(|earlier| {
            own_lookup(file, *earlier).is_some_and(|lookup| {
                lookup
                    .conditions
                    .iter()
                    .any(|condition| file.text(condition.value) == id)
            })
        })
        .flat_map(|earlier| bound_names(file, function, earlier))
        .collect()
}

/// Whether `condition` compares a relation of the looked-up object with an object the function
/// is handed (`if view.project.pk != project.pk: raise …` in `def params(request, project)`):
/// the row is confined to a parent whose access is its callers' to check, where that parent
/// is looked up.
fn confined_to_parameter(
    file: &ParsedFile,
    function: Node,
    condition: Node,
    names: &[String],
) -> bool {
    let comparisons = descendants(condition).filter(|node| node.kind() == "comparison_operator");
    let parameters = crate::taint::parameter_names(file, function);
    comparisons.into_iter().any(|comparison| {
        let sides = named_children(comparison);
        let [left, right] = sides.as_slice() else {
            return false;
        };
        let root = |side: Node| {
            let text = file.text(side);
            let mut parts = text.split('.');
            (parts.next().unwrap_or_default().to_string(), parts.count())
        };
        // `view.project.pk`, `view.project_id`: the key of the object's parent.
        let relation_of_object = |side: Node| {
            side.kind() == "attribute" && {
                let (head, depth) = root(side);
                let text = file.text(side);
                let last = text.rsplit('.').next().unwrap_or_default();
                names.contains(&head)
                    && ((depth >= 2 && matches!(last, "pk" | "id"))
                        || (depth == 1 && last.ends_with("_id")))
            }
        };
        // An object the function's callers hand it (`project.pk`: a URL string has no
        // attributes), not request input.
        let handed_object = |side: Node| {
            let (head, _) = root(side);
            let object = match side.kind() {
                "attribute" => head != "request",
                "identifier" => !from_request(file, file.model(), side, 0),
                _ => false,
            };
            object && !names.contains(&head) && parameters.contains(&head)
        };
        (relation_of_object(*left) && handed_object(*right))
            || (relation_of_object(*right) && handed_object(*left))
    })
}

/// Whether `statement` (an `if`) runs the look-up only when its key is one of a collection the
/// server holds (`if path_id in list(related.values_list("pk", flat=True)):` around
/// `CablePath.objects.get(pk=path_id)`): the client can only pick among those rows.
fn confined_to_collection(
    file: &ParsedFile,
    statement: Node,
    condition: Node,
    lookup: Node,
    names: &[String],
) -> bool {
    let runs_lookup = statement
        .field_child("consequence")
        .is_some_and(|body| body.byte_range().contains(&lookup.start_byte()));
    runs_lookup
        && condition.kind() == "comparison_operator"
        && matches!(named_children(condition).as_slice(), [key, collection]
            if key.kind() == "identifier"
                && names.iter().any(|name| name == file.text(*key))
                && scope::comparison_operators(condition) == ["in"]
                && !from_request(file, file.model(), *collection, 0))
}

/// Names the result of a look-up is bound to (`invoice = …`), and names later assigned from
/// them (`stmt = select(...)…; payment = session.scalars(stmt).one()`).
fn bound_names(file: &ParsedFile, function: Node, lookup: Node) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut current = lookup;
    while let Some(parent) = current.parent() {
        match parent.kind() {
            "assignment" | "named_expression" | "augmented_assignment" => {
                if let Some(target) = parent
                    .field_child("left")
                    .or_else(|| parent.field_child("name"))
                {
                    names.extend(identifiers(file, target).map(str::to_string));
                }
                break;
            }
            "expression_statement" | "return_statement" | "block" | "function_definition" => break,
            _ => current = parent,
        }
    }
    if names.is_empty() {
        return names;
    }
    for node in descendants(function) {
        if node.kind() != "assignment" || node.start_byte() < lookup.end_byte() {
            continue;
        }
        let (Some(left), Some(right)) = (node.field_child("left"), node.field_child("right"))
        else {
            continue;
        };
        let mentions = identifiers(file, right).any(|n| names.iter().any(|name| name == n));
        if mentions {
            let new: Vec<String> = identifiers(file, left)
                .map(str::to_string)
                .filter(|n| !names.contains(n))
                .collect();
            names.extend(new);
        }
    }
    names
}

fn identifiers<'f, 's>(
    file: &'f ParsedFile<'s>,
    node: Node<'f>,
) -> impl Iterator<Item = &'f str> + use<'f, 's> {
    descendants(node)
        .filter(|n| n.kind() == "identifier")
        .map(|n| file.text(n))
}

/// Whether the object is checked against the caller elsewhere in the handler: a condition that
/// mentions it and the caller (`if invoice.owner_id != request.user.id`), an authorization call
/// given it (`self.check_object_permissions(request, obj)`, `user.has_perm(perm, obj)`), or a
/// later narrowing of the query it was bound to (`stmt = stmt.where(X.owner_id == user.id)`).
fn object_checked(
    file: &ParsedFile,
    function: Node,
    lookup: Node,
    names: &[String],
    depth: usize,
) -> bool {
    // The look-up itself and the expressions around it (`.bind(…)`, `session.execute(stmt)`).
    let inside = |node: Node| {
        let within =
            lookup.start_byte() <= node.start_byte() && node.end_byte() <= lookup.end_byte();
        let around =
            node.start_byte() <= lookup.start_byte() && lookup.end_byte() <= node.end_byte();
        within || around
    };
    let tests = caller_tests(file, function, lookup, names);
    descendants(function).any(|node| {
        let condition = condition_of(node);
        if condition
            .is_some_and(|condition| confined_to_collection(file, node, condition, lookup, names))
        {
            return true;
        }
        if inside(node) {
            return false;
        }
        if let Some(condition) = condition {
            return ties_to_caller(identifiers(file, condition), names)
                || identifiers(file, condition).any(|n| tests.iter().any(|t| t == n))
                || confined_to_parameter(file, function, condition, names);
        }
        match node.kind() {
            "call" => {
                let Some(function) = node.field_child("function") else {
                    return false;
                };
                let name = file.text(function).rsplit('.').next().unwrap_or_default();
                let Some(arguments) = node.field_child("arguments") else {
                    return false;
                };
                let mentions =
                    identifiers(file, arguments).any(|n| names.iter().any(|name| name == n));
                // `authorize(user, invoice)`, or a helper handed the object and the caller:
                // `get_owned_account(db, account_id, current_user)`, or a function of this file
                // handed the object that checks it itself (`return self.resolve(request, task)`
                // with `if not instance.has_permission(request.user): return 403` inside).
                (is_authz_call(name) && mentions)
                    || (!is_reporting_call(name)
                        && ties_to_caller(identifiers(file, arguments), names))
                    || (mentions && depth == 0 && checked_in_callee(file, node, names))
            }
            "assignment" if node.start_byte() > lookup.end_byte() => {
                let (Some(left), Some(right)) =
                    (node.field_child("left"), node.field_child("right"))
                else {
                    return false;
                };
                // `stmt = stmt.where(...)`, `qs = qs.filter(...)`: the same name narrowed.
                let target = file.text(left);
                names.iter().any(|name| name == target)
                    && identifiers(file, right).any(|n| n == target)
                    && ties_to_caller(identifiers(file, right), names)
            }
            _ => false,
        }
    })
}

/// Names assigned, after the look-up, a test of the object against the caller (`is_owner =
/// request.user == workout.user`): a condition on them checks the object.
fn caller_tests(file: &ParsedFile, function: Node, lookup: Node, names: &[String]) -> Vec<String> {
    // One side reads the object (`user`, `workout.user`), the other the caller (`request.user`:
    // the caller's `user`, though the object's owner was bound to the same name).
    let root = |side: Node| {
        descendants(side)
            .find(|n| n.kind() == "identifier")
            .map(|n| file.text(n))
    };
    let object = |side: Node| root(side).is_some_and(|r| names.iter().any(|n| n == r));
    let caller = |side: Node| !object(side) && identifiers(file, side).any(is_caller_word);
    file.of_kinds_within(&["assignment"], function)
        .into_iter()
        .filter(|node| node.start_byte() > lookup.end_byte())
        .filter_map(|node| {
            let right = node.field_child("right")?;
            let left = node.field_child("left")?;
            if right.kind() != "comparison_operator" || left.kind() != "identifier" {
                return None;
            }
            let sides = named_children(right);
            let [a, b] = sides.as_slice() else {
                return None;
            };
            ((object(*a) && caller(*b)) || (object(*b) && caller(*a)))
                .then(|| file.text(left).to_string())
        })
        .collect()
}

/// Whether the function of this file that `call` runs (a module function, or a method of one
/// of its classes called through `self`/`cls`) checks the parameter one of `names` is passed
/// as against the caller, as [`object_checked`] reads a handler.
fn checked_in_callee(file: &ParsedFile, call: Node, names: &[String]) -> bool {
    let Some(callee) = call.field_child("function") else {
        return false;
    };
    let written = file.text(callee);
    let (receiver, name) = match written.rsplit_once('.') {
        Some((receiver, name)) => (Some(receiver), name),
        None => (None, written),
    };
    if receiver.is_some_and(|r| r != "self" && r != "cls") {
        return false;
    }
    let Some(arguments) = call.field_child("arguments") else {
        return false;
    };
    let positions: Vec<usize> = named_children(arguments)
        .into_iter()
        .enumerate()
        .filter(|(_, argument)| names.iter().any(|n| n == file.text(*argument)))
        .map(|(at, _)| at)
        .collect();
    if positions.is_empty() {
        return false;
    }
    let definitions = file
        .statement_level()
        .iter()
        .copied()
        .flat_map(|statement| match statement.kind() {
            "class_definition" if receiver.is_some() => class_methods(file, statement)
                .into_iter()
                .map(|(_, f)| f)
                .collect(),
            "function_definition" if receiver.is_none() => vec![statement],
            _ => Vec::new(),
        })
        .filter(|function| {
            function
                .field_child("name")
                .is_some_and(|n| file.text(n) == name)
        });
    for definition in definitions {
        // `self`/`cls` are not among them, as they are not among the call's arguments.
        let parameters = positional_parameters(file, definition);
        let checked: Vec<String> = positions
            .iter()
            .filter_map(|at| parameters.iter().find(|(index, _)| index == at))
            .map(|(_, parameter)| parameter.clone())
            .collect();
        let Some(name_node) = definition.field_child("name") else {
            continue;
        };
        if !checked.is_empty() && object_checked(file, definition, name_node, &checked, 1) {
            return true;
        }
    }
    false
}

/// CamelCase names that refer to the caller or ownership: `IsOwner`, `TenantScopedMixin`.
fn names_caller(text: &str) -> bool {
    static CALLER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)owner|user|tenant|merchant|customer|account|organi[sz]ation|member|company|team|workspace|object",
        )
        .expect("the caller regex is valid")
    });
    CALLER.is_match(text)
}

/// Whether a method asks for a permission on an object (`user.has_perm("view_profile",
/// speaker)` in `dispatch`, django-rules and django-guardian style): the object is checked.
fn checks_object_permission(file: &ParsedFile, method: Node) -> bool {
    has_perm_arguments(file, method)
        .into_iter()
        .any(|count| count >= 2)
}

/// Whether the class's own `dispatch`, which runs before every method of the view, loads a
/// row of `model` and checks it against the caller (`workout = get_object_or_404(Workout,
/// pk=kwargs["pk"]); if request.user != workout.user: return HttpResponseForbidden()`): the
/// class's other look-ups of that model find the row already checked.
fn dispatch_checks(file: &ParsedFile, class: Node, model: &str) -> bool {
    if model.is_empty() {
        return false;
    }
    class_methods(file, class)
        .into_iter()
        .filter(|(name, _)| name == "dispatch")
        .any(|(_, dispatch)| {
            file.of_kinds_within(&["call"], dispatch)
                .into_iter()
                .filter(|call| own_lookup(file, *call).is_some_and(|lookup| lookup.model == model))
                .any(|call| {
                    let names = bound_names(file, dispatch, call);
                    !names.is_empty() && object_checked(file, dispatch, call, &names, 0)
                })
        })
}

/// DRF generic views and viewsets, and Django generic detail views, whose `queryset` (or
/// `model`) is every row of a model, with no `get_queryset` scoped to the caller and no
/// object-level permission: the `pk` in the URL reaches any row.
fn class_lookup(file: &ParsedFile, class: Node) -> Option<Match> {
    let bases: Vec<Node> = named_children(class.field_child("superclasses")?)
        .into_iter()
        .filter(|b| b.kind() != "keyword_argument" && b.kind() != "comment")
        .collect();
    let base_names: Vec<&str> = bases
        .iter()
        .map(|b| file.text(*b).rsplit('.').next().unwrap_or_default())
        .collect();
    if !base_names.iter().any(|b| is_detail_base(b)) {
        return None;
    }
    // Unknown bases may scope the queryset; admin-only and ownership mixins do.
    let unknown_base = base_names
        .iter()
        .any(|b| !is_detail_base(b) && !HARMLESS_BASES.contains(b));
    if unknown_base || is_admin_marker(&class_markers(file, class)) {
        return None;
    }
    let methods = class_methods(file, class);
    for (name, method) in &methods {
        let overrides_access = matches!(
            name.as_str(),
            "get_object" | "get_permissions" | "check_object_permissions" | "has_object_permission"
        );
        let scopes = matches!(name.as_str(), "get_queryset" | "filter_queryset")
            && identifiers(file, *method).any(is_caller_word);
        if overrides_access || scopes || checks_object_permission(file, *method) {
            return None;
        }
    }
    if let Some(backends) = class_attribute(file, class, "filter_backends") {
        if names_caller(file.text(backends)) {
            return None;
        }
    }
    let permissions = class_attribute(file, class, "permission_classes");
    if permissions.is_some_and(|permissions| !permissions_blind_to_objects(file, permissions)) {
        return None;
    }
    let (value, model) = match class_attribute(file, class, "queryset") {
        Some(queryset) => {
            let (model, conditions) = django_queryset(file, queryset, MAX_DEPTH)?;
            if conditions.iter().any(|c| !is_literal(file, c.value)) {
                return None;
            }
            (queryset, model)
        }
        None => {
            let model = class_attribute(file, class, "model")?;
            (model, model_name(file, model)?)
        }
    };
    if is_reference_model(&model) || dispatch_checks(file, class, &model) {
        return None;
    }
    let statement = value.parent()?;
    let id = class_attribute(file, class, "lookup_field")
        .or_else(|| class_attribute(file, class, "pk_url_kwarg"))
        .map(|value| file.text(value).trim_matches(['"', '\'']).to_string())
        .unwrap_or_else(|| "pk".to_string());
    let handler = file.text(class.field_child("name")?);
    let mut found = finding(
        statement.start_byte()..statement.end_byte(),
        handler,
        &model,
        &id,
    );
    if subclasses_scope(file, handler) {
        found
            .captures
            .push((crate::detectors::CONFIDENCE, "lower".to_string()));
    }
    // Shared data, or rows a list view of this file serves to all: decided at the link.
    let qualified = file.symbols().resolve(Language::Python, &model).qualified();
    if let Some(qualified) = qualified.filter(|_| !scoped_by_caller(file, &model)) {
        let listed = listed_to_all(file, &model);
        found
            .link_checks
            .push(crate::finding::LinkCheck::OwnedModel(qualified, listed));
    }
    // A DRF view without its own permission classes keeps the settings' defaults, which
    // `get_object()` runs on the object.
    let drf = base_names.iter().any(|b| DRF_DETAIL_BASES.contains(b));
    if permissions.is_none() && drf {
        found
            .link_checks
            .push(crate::finding::LinkCheck::DefaultPermissions);
    }
    Some(found)
}

/// Whether this file looks `model` up by its owner somewhere (`get_object_or_404(Account,
/// owner=request.user)`, `Account.objects.filter(user=…)`): the code itself says its rows are
/// someone's, whatever the model's declaration shows.
fn scoped_by_caller(file: &ParsedFile, model: &str) -> bool {
    let model = model.rsplit('.').next().unwrap_or(model);
    file.of_kinds(&["keyword_argument"])
        .into_iter()
        .any(|argument| {
            let names_owner = argument.field_child("name").is_some_and(|name| {
                file.text(name)
                    .split("__")
                    .next()
                    .is_some_and(is_caller_word)
            });
            let Some(arguments) = argument.parent().filter(|_| names_owner) else {
                return false;
            };
            let callee = arguments
                .parent()
                .and_then(|call| call.field_child("function"))
                .map(|callee| file.text(callee))
                .unwrap_or_default();
            let first = arguments
                .named_child(0)
                .map(|first| file.text(first))
                .unwrap_or_default();
            callee.starts_with(&format!("{model}.")) || first == model
        })
}

/// List views that serve every row of their model (`ListView`, `ListAPIView`).
const LIST_VIEWS: &[&str] = &["ListView", "ListAPIView", "ListCreateAPIView"];

/// Whether a list view of this file serves every row of `model` (`model = Account` or
/// `queryset = Account.objects.all()`, no `get_queryset` or filter backend that names the
/// caller): when the model has no owner either, an id reveals no row the list does not
/// already show (decided at the link, [`crate::finding::LinkCheck::OwnedModel`]).
fn listed_to_all(file: &ParsedFile, model: &str) -> bool {
    let model = model.rsplit('.').next().unwrap_or(model);
    file.statement_level()
        .iter()
        .copied()
        .filter(|node| node.kind() == "class_definition")
        .any(|class| {
            let lists = class.field_child("superclasses").is_some_and(|bases| {
                named_children(bases).into_iter().any(|base| {
                    let name = file.text(base).rsplit('.').next().unwrap_or_default();
                    LIST_VIEWS.contains(&name)
                })
            });
            let serves = || match class_attribute(file, class, "queryset") {
                Some(queryset) => django_queryset(file, queryset, MAX_DEPTH)
                    .is_some_and(|(of, conditions)| of == model && conditions.is_empty()),
                None => class_attribute(file, class, "model")
                    .and_then(|value| model_name(file, value))
                    .is_some_and(|of| of == model),
            };
            let scoped = || {
                class_methods(file, class).iter().any(|(name, method)| {
                    matches!(name.as_str(), "get_queryset" | "filter_queryset")
                        && identifiers(file, *method).any(is_caller_word)
                }) || class_attribute(file, class, "filter_backends")
                    .is_some_and(|backends| names_caller(file.text(backends)))
            };
            lists && serves() && !scoped()
        })
}

/// Whether a class of this file derives from `base` and overrides how the object is found
/// (`get_object`, `get_queryset`): then `base` is likely a building block, not a routed view.
fn subclasses_scope(file: &ParsedFile, base: &str) -> bool {
    file.of_kinds(&["class_definition"])
        .into_iter()
        .any(|class| {
            let derives = class.field_child("superclasses").is_some_and(|bases| {
                named_children(bases)
                    .into_iter()
                    .any(|b| file.text(b).rsplit('.').next() == Some(base))
            });
            derives
                && class_methods(file, class)
                    .iter()
                    .any(|(name, _)| matches!(name.as_str(), "get_object" | "get_queryset"))
        })
}

/// Whether every permission class listed only looks at the request, not at the object:
/// DRF's own classes, or classes in this file without `has_object_permission`. Unknown classes
/// may check the object, so they count as checking it.
fn permissions_blind_to_objects(file: &ParsedFile, permissions: Node) -> bool {
    permission_class_names(file, permissions).all(|name| {
        if NON_OBJECT_PERMISSIONS.contains(&name) {
            return true;
        }
        local_class(file, name)
            .is_some_and(|class| !identifiers(file, class).any(|n| n == "has_object_permission"))
    })
}

/// The classes a `permission_classes` value names (`(IsAuthenticated, HistoryPermission)`,
/// `[perms.IsOwner]`): its capitalised words.
fn permission_class_names<'f>(
    file: &ParsedFile<'f>,
    permissions: Node,
) -> impl Iterator<Item = &'f str> {
    file.text(permissions)
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|name| starts_upper(name))
}

/// A class defined at the top level of this file.
fn local_class<'t>(file: &'t ParsedFile, name: &str) -> Option<Node<'t>> {
    named_children(file.tree.root_node())
        .into_iter()
        .map(|statement| match statement.kind() {
            "decorated_definition" => statement.field_child("definition"),
            _ => Some(statement),
        })
        .find_map(|statement| {
            let statement = statement.filter(|s| s.kind() == "class_definition")?;
            let class_name = statement.field_child("name")?;
            (file.text(class_name) == name).then_some(statement)
        })
}

/// The functions of this file (not handlers) that load a row by one of their parameters alone,
/// and return it or write it: `def get_order(order_id): return Order.query.get(order_id)`.
/// A handler passing a request id to one is judged at its call ([`helper_lookup`]).
pub fn summaries(file: &ParsedFile, out: &mut Vec<LookupSummary>) {
    if is_admin_area(&file.source.display_path) {
        return;
    }
    let model = file.model();
    for call in file.of_kinds(&["call"]) {
        if let Some(summary) = summary(file, model, call) {
            out.push(summary);
        }
    }
}

fn summary(file: &ParsedFile, model: &FileModel, call: Node) -> Option<LookupSummary> {
    let lookup = own_lookup(file, call)?;
    if is_reference_model(&lookup.model) || model.handler_at(call.start_byte()).is_some() {
        return None;
    }
    let (function, id) = function_at(file, call)?;
    // `cls.objects.get(…)`, `model.objects.get(…)`: a model the caller chooses.
    let parameters = positional_parameters(file, function);
    if !starts_upper(&lookup.model)
        && (matches!(lookup.model.as_str(), "cls" | "self" | "model")
            || parameters.iter().any(|(_, p)| *p == lookup.model))
    {
        return None;
    }
    // Only the function's own statements, not a nested function or lambda.
    if ancestor_of_kind(call, &["function_definition", "lambda"])?.id() != function.id() {
        return None;
    }
    let mut keyed = None;
    for condition in &lookup.conditions {
        if is_public_condition(&condition.key) {
            return None;
        }
        if is_literal(file, condition.value) {
            continue;
        }
        // Anything else than one parameter compared with an id or a natural key: the caller,
        // a second parameter (`user_id=user_id`), a value the function computes.
        let parameter = parameter_value(file, condition.value, &parameters)?;
        let key_like = is_id_name(&condition.key) || is_natural_key(&condition.key);
        if keyed.is_some() || !key_like || is_caller_word(&condition.key) {
            return None;
        }
        keyed = Some((parameter, condition.key.clone()));
    }
    let ((index, parameter), key) = keyed?;
    if is_oauth_client(&lookup.model, &parameter) {
        return None;
    }
    let objects = bound_names(file, function, call);
    if !lookup_writes(file, call) && !returns_object(file, function, call, &objects) {
        return None;
    }
    let mut names = objects;
    names.push(parameter.clone());
    if checks_admin(file, function) || object_checked(file, function, call, &names, 0) {
        return None;
    }
    Some(LookupSummary {
        sink: ParamSink {
            function: id,
            index,
            parameter,
            only_when: None,
        },
        model_class: file
            .symbols()
            .resolve(Language::Python, &lookup.model)
            .qualified(),
        model: lookup.model,
        key,
        path: file.source.display_path.clone(),
        start: file.source.position(lookup.start),
    })
}

/// The function's parameters callers fill by position, with their index (`self` and `cls` not
/// counted), up to a `*args` or a bare `*`.
fn positional_parameters(file: &ParsedFile, function: Node) -> Vec<(usize, String)> {
    let Some(parameters) = function.field_child("parameters") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for parameter in named_children(parameters) {
        let name = match parameter.kind() {
            "identifier" => parameter,
            "typed_parameter" => match named_children(parameter).into_iter().next() {
                Some(name) if name.kind() == "identifier" => name,
                _ => break,
            },
            "default_parameter" | "typed_default_parameter" => {
                match parameter.field_child("name") {
                    Some(name) => name,
                    None => break,
                }
            }
            "comment" => continue,
            _ => break,
        };
        let name = file.text(name);
        if out.is_empty() && matches!(name, "self" | "cls") {
            continue;
        }
        out.push((out.len(), name.to_string()));
    }
    out
}

/// The parameter a condition's value is: the parameter itself, or it converted
/// (`int(order_id)`, `UUID(pk)`, `str(number)`).
fn parameter_value(
    file: &ParsedFile,
    value: Node,
    parameters: &[(usize, String)],
) -> Option<(usize, String)> {
    let value = match value.kind() {
        "call" => {
            let function = file.text(value.field_child("function")?);
            if !matches!(function, "int" | "str" | "UUID" | "uuid.UUID") {
                return None;
            }
            let [only] = arguments_of(value)[..] else {
                return None;
            };
            only
        }
        _ => value,
    };
    if value.kind() != "identifier" {
        return None;
    }
    let name = file.text(value);
    // Rebound before the look-up: no longer what the caller passed.
    if scope::assignments_before(file, value, name).is_some() {
        return None;
    }
    parameters.iter().find(|(_, p)| p == name).cloned()
}

/// Whether the function returns the row: the look-up is in a `return`, or a name it is bound
/// to is returned (`order = …; if order is None: abort(404); return order`).
fn returns_object(file: &ParsedFile, function: Node, lookup: Node, objects: &[String]) -> bool {
    if ancestor_of_kind(lookup, &["return_statement", "function_definition"])
        .is_some_and(|ancestor| ancestor.kind() == "return_statement")
    {
        return true;
    }
    descendants(function).any(|node| {
        node.kind() == "return_statement"
            && node.start_byte() > lookup.end_byte()
            && named_children(node).first().is_some_and(|value| {
                // `return order`, `return result.scalar_one()`.
                let root = chain(file, *value).root;
                root.kind() == "identifier" && objects.iter().any(|o| o == file.text(root))
            })
    })
}
