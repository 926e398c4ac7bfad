//! The `missing-authorization` rule: a reachable handler with no authentication guard on any
//! level.

use super::effects::Effects;
use super::{Project, Route};
use crate::finding::{Finding, Related};
use crate::rules::{Confidence, Rule};
use crate::source::Position;
use crate::syntax::{descendants, named_children, FieldChild};
use crate::taint::callees::Callees;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Names the rule fills in for messages.
pub const CAPTURES: &[&str] = &["HANDLER", "ROUTE", "EXPOSURE"];

/// Handlers that are public by their nature: probes, docs, sign-in and sign-up flows.
static PUBLIC_BY_NATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)(^|[^a-z])(health|healthz|healthcheck|ready|readiness|readyz|live|liveness|livez|ping|
        metrics|version|login|logout|log_in|log_out|signin|sign_in|signout|sign_out|signup|sign_up|register|
        registration|token|refresh|password[-_]?resets?|reset[-_]?password|forgot|verify_email|
        recover(y)?[-_]?(code|account|password|email|link)|account[-_]?recover|
        confirm_email|activate|oauth|openid|sso|saml|callback|openapi|docs|redoc|swagger|schema|
        set_?lang|language|locale|i18n|
        robots|favicon|csrf|jwks|well[-_]known|static)",
    )
    .expect("valid regex")
});
/// Handlers and classes named for public or anonymous use (`PublicFormView`,
/// `anonymous_upload`): public by intent, as far as names tell. Not paths: a `/public` prefix
/// is where a router was mounted, and a write mounted there by mistake is the bug.
static NAMED_PUBLIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z])(?i:public|anonymous)(?:[^a-z]|$)|(?:^|[a-z])(?:Public|Anonymous)(?:[A-Z]|$)")
        .expect("valid regex")
});
/// Handler names of the steps of an account that serve callers who cannot sign in yet or any
/// more: a confirmation or a reset sent to their mailbox, a code or an invitation they hold
/// (`resend_account_confirmation_email`, `forgot_password`, `verify_identification_code`,
/// `accept_user_invite`). Not a reset itself (`reset_master_password`), which must check the
/// link's secret, nor a merchant's own step (`resend_invoice`, `send_payment_link`).
static NAMED_ACCOUNT_STEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^|[_.])(resend_\w*(confirm|activat|verif)|forgot|request_(password_)?reset|password_reset_request|verify_\w*(code|token)|accept_\w*invit|confirm_\w*(email|account|registration)|activate_account|unsubscribe)",
    )
    .expect("valid regex")
});
/// Decorators that limit how often a caller may call (`@limiter.limit("5/minute")`,
/// `@ratelimit(key="ip")`, `@throttle`): on a handler without authentication they say it is
/// meant for anonymous callers (a log-in, a quote, a download by link).
static RATE_LIMITED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[._])(\w*limiter\.limit|\w*rate_?limit\w*|\w*throttle\w*)$")
        .expect("valid regex")
});
/// Calls that create a user or an account for the caller: what a sign-up does.
static CREATES_ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^|[.:_])(create|register|new|add|sign_?up)_?(user|account|member)s?(_account)?$",
    )
    .expect("valid regex")
});

/// The call of the handler whose name starts at byte `at` of `path` that creates an account
/// (`create_user_account(...)`, `User.objects.create_user(...)`), if its own code makes one.
fn creates_an_account(callees: &mut Callees, path: &str, at: usize) -> Option<String> {
    callees
        .with_function_at(path, at, |file, function| {
            descendants(function)
                .filter(|node| matches!(node.kind(), "call" | "call_expression"))
                .filter_map(|call| call.field_child("function"))
                .map(|callee| file.text(callee).to_string())
                .find(|callee| CREATES_ACCOUNT.is_match(callee))
        })
        .flatten()
}

/// Calls that check a password or open or close the caller's session: what a sign-in or a
/// sign-out does, by their qualified names.
static SIGNS_IN_OR_OUT: LazyLock<crate::symbols::NamePatterns> = LazyLock::new(|| {
    crate::symbols::NamePatterns::new(&[
        "werkzeug.security.check_password_hash".into(),
        "werkzeug.check_password_hash".into(),
        "django.contrib.auth.{authenticate,login,logout}".into(),
        "django.contrib.auth.hashers.check_password".into(),
        "flask_login.{login_user,logout_user}".into(),
        "flask_login.utils.{login_user,logout_user}".into(),
        "flask.session.clear".into(),
        "bcrypt.checkpw".into(),
        "bcrypt::verify".into(),
    ])
    .expect("valid patterns")
});

/// The call with which the handler whose name starts at byte `at` of `path` checks a password
/// or opens or closes the caller's session (`check_password_hash(project.password, …)`,
/// `session.clear()`), if its own code makes one: a sign-in or sign-out, public by nature
/// whatever it is called.
fn signs_in_or_out(callees: &mut Callees, path: &str, at: usize) -> Option<String> {
    callees
        .with_function_at(path, at, |file, function| {
            // Checking the signed-in caller's own password (before a change) is no sign-in.
            let text = file.text(function);
            if ["current_user", "request.user", "g.user"]
                .iter()
                .any(|c| text.contains(c))
            {
                return None;
            }
            let symbols = file.symbols();
            descendants(function)
                .filter(|node| matches!(node.kind(), "call" | "call_expression"))
                .filter_map(|call| call.field_child("function"))
                .map(|callee| file.text(callee))
                .find(|callee| {
                    symbols
                        .resolve(file.language(), callee)
                        .qualified()
                        .is_some_and(|name| SIGNS_IN_OR_OUT.matches(&name))
                })
                .map(str::to_string)
        })
        .flatten()
}

/// Handlers named for a password reset or reminder.
static RESETS_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)password[-_]?(resets?|remind(er)?)|(reset|remind)[-_]?password|forgot[-_]?password",
    )
    .expect("valid regex")
});
/// Calls that set an account's password, and attributes that hold it.
static SETS_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[.:_])(set|update|change|save)_?password$|(^|\.)(password|password_hash|hashed_password)$")
        .expect("valid regex")
});
/// Names of the values that prove a reset: the emailed token or code, the user id it signs.
static RESET_PROOF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)token|code|otp|key|signature|uidb64").expect("valid regex"));

/// The call or assignment with which the handler whose name starts at byte `at` of `path`
/// sets a new password, when no token-like value it holds is handed to a call or compared
/// (`let _token = p.get("token");` read and dropped): a reset that verifies nothing.
fn sets_password_unverified(callees: &mut Callees, path: &str, at: usize) -> Option<String> {
    callees
        .with_function_at(path, at, |file, function| {
            let nodes: Vec<_> = descendants(function).collect();
            let sets = nodes.iter().find_map(|node| {
                let target = match node.kind() {
                    "call" | "call_expression" => node.field_child("function"),
                    "assignment" | "assignment_expression" => node.field_child("left"),
                    _ => None,
                }?;
                let text = file.text(target);
                SETS_PASSWORD
                    .is_match(text)
                    .then(|| text.lines().next().unwrap_or(text).to_string())
            })?;
            // `token`, `data.token`, `body["token"]` handed to a call or compared; reading it
            // (`body.get("token")`) is not using it.
            let proof_used = nodes.iter().any(|node| {
                let container = matches!(
                    node.kind(),
                    "argument_list"
                        | "arguments"
                        | "token_tree"
                        | "comparison_operator"
                        | "binary_expression"
                );
                let reads = node.parent().is_some_and(|call| {
                    matches!(call.kind(), "call" | "call_expression")
                        && call.field_child("function").is_some_and(|f| {
                            let name = file.text(f);
                            let last = name.rsplit(['.', ':']).next().unwrap_or(name);
                            matches!(last, "get" | "pop" | "getlist" | "get_one" | "query")
                        })
                });
                container
                    && !reads
                    && named_children(*node)
                        .into_iter()
                        .any(|value| RESET_PROOF.is_match(file.text(value)))
            });
            (!proof_used).then_some(sets)
        })
        .flatten()
}

/// Read-only handlers worth flagging: they return money, identity or account data.
static SENSITIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)(account|balance|payment|payout|invoice|transaction|transfer|refund|charge|card|
        wallet|ledger|statement|order|customer|user|profile|admin|export|report|secret|key|
        token|kyc|document|bank|iban|tax)",
    )
    .expect("valid regex")
});
const WRITE_METHODS: &[&str] = &["POST", "PUT", "PATCH", "DELETE"];

/// The rule's findings on the linked project, by file display path: one per handler, or one
/// per class for the actions a DRF viewset inherits. `effects` reads the handlers that accept
/// writes (through `callees`), to tell whether they change any state.
pub fn findings(
    project: &Project,
    rule: &Rule,
    effects: &mut Effects,
    callees: &mut Callees,
) -> BTreeMap<String, Vec<Finding>> {
    // (file, anchor) → the unguarded routes of the handlers anchored there.
    let mut by_anchor: BTreeMap<(&str, usize), Vec<&Route>> = BTreeMap::new();
    for route in &project.routes {
        let (_, fact) = &project.handlers[route.handler_index];
        if route.framework == crate::app::handlers::Framework::Mcp {
            // An MCP server authenticates its client on the transport, which is configured
            // where the server runs, not on each tool.
            continue;
        }
        if route.path.is_none() && (project.has_registrations || fact.operation.is_some()) {
            // Registrations exist but none reaches it: not routed, or routed dynamically; or a
            // GraphQL operation whose endpoint is not in the scan, which usually carries the
            // authentication.
            continue;
        }
        if route.authenticated() || route.public.is_some() || !rule.paths.allows(&route.file) {
            continue;
        }
        let guarded_elsewhere = project
            .routes
            .iter()
            .any(|r| r.handler_index == route.handler_index && r.authenticated());
        if guarded_elsewhere {
            continue;
        }
        let (path, handler) = &project.handlers[route.handler_index];
        if handler.serves.is_some() {
            // A GraphQL endpoint: its operations are judged one by one.
            continue;
        }
        by_anchor
            .entry((path.as_str(), handler.bytes.start))
            .or_default()
            .push(route);
    }
    let mut out = admin_actions(project, rule);
    for (path, findings) in unlike_their_siblings(project, rule, effects, callees) {
        out.entry(path).or_default().extend(findings);
    }
    for ((path, _), routes) in by_anchor {
        let handlers: Vec<_> = routes
            .iter()
            .map(|r| &project.handlers[r.handler_index].1)
            .collect();
        let handler = handlers[0];
        // A GraphQL resolver is known by its operation's field (`tokenAuth`), and by its own name.
        let field = handler.operation.as_ref().map(|o| o.field.as_str());
        // A method of a class-based view is known by its class too (`ForgotPassword.post`).
        let class = handler
            .owner
            .as_deref()
            .filter(|owner| owner.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(snake)
            .unwrap_or_default();
        let names = format!(
            "{} {} {} {}",
            handler.name,
            class,
            field.map(snake).unwrap_or_default(),
            routes
                .iter()
                .filter_map(|r| r.path.as_deref())
                .collect::<Vec<_>>()
                .join(" ")
        );
        let signed_webhook =
            names.to_ascii_lowercase().contains("webhook") && handler.verifies_signature;
        // A check of the client's address shows the handler is not meant for everyone: it is
        // not public by its name (a password reset for the local administrator), and is read
        // for a write whatever its method (`GET /admin/reset-chef-password`).
        let address = routes.iter().find_map(|r| r.address_check.as_deref());
        // A password reset is public because a token sent to the account's owner proves who
        // asks: one that sets the password without using any token proves nothing.
        let unverified_reset = (RESETS_PASSWORD.is_match(&names) && handler.capability.is_none())
            .then(|| sets_password_unverified(callees, path, handler.bytes.start))
            .flatten();
        let public_by_nature = PUBLIC_BY_NATURE.is_match(&names)
            || RESETS_PASSWORD.is_match(&names)
            || signs_in_or_out(callees, path, handler.bytes.start).is_some();
        if ((public_by_nature && address.is_none()) || signed_webhook) && unverified_reset.is_none()
        {
            continue;
        }
        let writes = routes.iter().zip(&handlers).any(|(r, h)| {
            r.methods
                .iter()
                .any(|m| WRITE_METHODS.contains(&m.as_str()))
                || (r.methods.is_empty() && h.writes)
        });
        let guessed: Vec<&str> = routes
            .iter()
            .flat_map(|r| r.guessed_guards.iter().map(String::as_str))
            .collect();
        let dispatched = routes.iter().find_map(|r| r.dispatched_guards.first());
        let changes_state = (writes || address.is_some())
            && effects.handler_writes(callees, path, handler.bytes.start);
        let (severity, confidence, exposure) = if let Some(call) = &unverified_reset {
            let exposure =
                format!("sets a new password (`{call}`) without verifying a reset token");
            (rule.severity, rule.confidence, exposure)
        } else if changes_state {
            (rule.severity, rule.confidence, "changes state".to_string())
        } else if reads_account_data(
            &format!("{} {}", handler.name, field.unwrap_or("")),
            &routes,
        ) {
            (
                rule.severity.lower(),
                Confidence::Low,
                "returns account data".to_string(),
            )
        } else if writes {
            // Neither its body nor the project functions it calls write anything known.
            (
                rule.severity.lower(),
                Confidence::Low,
                "takes a write method but changes no state in its code".to_string(),
            )
        } else {
            continue;
        };
        let shown = if routes.len() > 1 && routes.iter().all(|r| r.handler.contains('.')) {
            handler
                .owner
                .clone()
                .unwrap_or_else(|| handler.name.clone())
        } else {
            routes[0].handler.clone()
        };
        let mut route_texts: Vec<String> = routes
            .iter()
            .map(|r| match (r.methods.is_empty(), r.path.as_deref()) {
                (true, Some(path)) => format!("ANY {path}"),
                (false, Some(path)) => format!("{} {path}", r.methods.join("|")),
                (true, None) => "at a URL not found in the scan".to_string(),
                (false, None) => format!("{}, at a URL not found in the scan", r.methods.join("|")),
            })
            .collect();
        route_texts.dedup();
        if route_texts.len() > 3 {
            let more = route_texts.len() - 2;
            route_texts.truncate(2);
            route_texts.push(format!("{more} more"));
        }
        let captures = [
            ("HANDLER", shown),
            ("ROUTE", route_texts.join(", ")),
            ("EXPOSURE", exposure),
        ];
        let mut message = rule.render_message(&captures);
        if let Some(check) = address {
            message.push_str(&format!(
                " (its only check, {check}, tests the client's network address: that is not \
                 authentication, as an address is spoofed through forwarding headers behind a \
                 proxy, and the service's own outbound requests (SSRF) come from an allowed one)"
            ));
        }
        let by_name = handler.capability.as_ref().filter(|c| !c.resolved);
        let sign_up = changes_state
            .then(|| creates_an_account(callees, path, handler.bytes.start))
            .flatten();
        let confidence = if let Some(call) = sign_up {
            message.push_str(&format!(
                " (it calls `{call}`: creating an account is public by design when it is a \
                 sign-up, judged by names)"
            ));
            Confidence::Low
        } else if let Some(capability) = by_name {
            message.push_str(&format!(
                " (it checks a secret the request carries, `{}`: public by design, judged by names)",
                capability.check
            ));
            Confidence::Low
        } else if let Some(name) = std::iter::once(&handler.name)
            .chain(&handler.owner)
            .find(|name| NAMED_PUBLIC.is_match(name))
        {
            message.push_str(&format!(
                " (`{name}` says it is public by design: judged by names)"
            ));
            Confidence::Low
        } else if NAMED_ACCOUNT_STEP.is_match(&handler.name) {
            message.push_str(&format!(
                " (`{}` says it serves callers who cannot sign in yet: a confirmation, a reset \
                 request, a code or an invitation they hold; public by design, judged by names)",
                handler.name
            ));
            Confidence::Low
        } else if let Some(limit) = handler.markers.iter().find(|marker| {
            let name = marker.split('(').next().unwrap_or(marker).trim();
            RATE_LIMITED.is_match(name)
        }) {
            message.push_str(&format!(
                " (`@{}` limits how often anyone may call it: public by design, judged by names)",
                super::first_line_within(limit, 60)
            ));
            Confidence::Low
        } else if let Some(call) = dispatched {
            message.push_str(&format!(
                " ({call} may guard it: the function that runs is chosen by a name in a string, \
                 judged by names)"
            ));
            Confidence::Low
        } else if let Some(first) = guessed.first() {
            message.push_str(&format!(
                " (`{first}` may guard it, but its code is not in the scan: judged by its name alone)"
            ));
            Confidence::Low
        } else {
            confidence
        };
        let finding = Finding {
            severity,
            confidence,
            ..handler_finding(rule, path, handler, message, registrations(&routes))
        };
        out.entry(path.to_string()).or_default().push(finding);
    }
    out
}

/// Guards that decide what the caller may do, not only who they are: a role, a permission,
/// staff (`IsAdminUser`, `Depends(RoleChecker([Role.CHEF]))`, `@permission_required`).
static AUTHORIZES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)admin|staff|superuser|role|permission|perm|privilege|scope|moderator|owner")
        .expect("valid regex")
});

/// Authorization apart from authentication: handlers behind a login check alone whose own code
/// grants a privilege without testing the caller's role or rights (see
/// [`super::privilege`]), one finding per handler, with its own message.
fn admin_actions(project: &Project, rule: &Rule) -> BTreeMap<String, Vec<Finding>> {
    let mut out: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for route in &project.routes {
        let (path, handler) = &project.handlers[route.handler_index];
        let Some(grant) = &handler.grants else {
            continue;
        };
        let routes: Vec<&Route> = project
            .routes
            .iter()
            .filter(|r| r.handler_index == route.handler_index)
            .collect();
        // Every route authenticated (the unguarded ones are the rule's other finding), none
        // restricted to staff or guarded by a role or permission, none public by design.
        let login_only = routes.iter().all(|r| {
            r.authenticated()
                && !r.staff_only
                && r.public.is_none()
                && !r.guards.iter().any(|g| AUTHORIZES.is_match(g))
        });
        if !login_only || !rule.paths.allows(&route.file) || !seen.insert(route.handler_index) {
            continue;
        }
        let guard = route
            .guards
            .first()
            .map_or("", |g| g.split(" (").next().unwrap_or(g));
        let route_text = match (route.methods.is_empty(), route.path.as_deref()) {
            (_, None) => "at a URL not found in the scan".to_string(),
            (true, Some(p)) => format!("ANY {p}"),
            (false, Some(p)) => format!("{} {p}", route.methods.join("|")),
        };
        let message = format!(
            "`{}` ({route_text}) grants a privilege (`{grant}`) behind authentication alone \
             (`{guard}`), with no test of the caller's role or permission: any signed-in user \
             can reach this administrator action",
            route.handler
        );
        let finding = handler_finding(rule, path, handler, message, Vec::new());
        out.entry(path.clone()).or_default().push(finding);
    }
    out
}

/// Whether a route's guards test the caller's role or rights, not only their login: a guard
/// whose code admits only staff, or one named or judged for a role or permission.
fn authorizes(route: &Route) -> bool {
    route.staff_only || route.guards.iter().any(|g| AUTHORIZES.is_match(g))
}

/// A route's path with its parameters blanked and no trailing slash: `/menu/{item_id}`,
/// `/menu/<int:item_id>/` and `/menu/(?P<item_id>\d+)` are one resource.
fn resource(path: &str) -> String {
    static PARAMETER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\{[^}]*\}|<[^>]*>|\(\?P<[^>]*>[^)]*\)|:\w+").expect("valid regex")
    });
    PARAMETER
        .replace_all(path, "{}")
        .trim_end_matches('/')
        .to_string()
}

/// Handlers that change state behind a login check alone on a resource where another handler
/// of the project that changes state requires a role or permission (`PUT /menu/{id}` behind
/// `RolesBasedAuthChecker([CHEF])`, `DELETE /menu/{id}` behind `get_current_user` only): the
/// project's own practice says the action is not for every signed-in user. One finding per
/// handler, with its own message.
fn unlike_their_siblings(
    project: &Project,
    rule: &Rule,
    effects: &mut Effects,
    callees: &mut Callees,
) -> BTreeMap<String, Vec<Finding>> {
    let writes = |route: &Route| {
        route
            .methods
            .iter()
            .any(|m| WRITE_METHODS.contains(&m.as_str()))
    };
    // GraphQL operations share their endpoint's path: each is its own resource.
    let routes = || project.routes.iter().filter(|r| r.operation.is_none());
    let mut restricted: BTreeMap<String, Vec<&Route>> = BTreeMap::new();
    for route in routes() {
        if let (Some(path), true) = (route.path.as_deref(), writes(route) && authorizes(route)) {
            restricted.entry(resource(path)).or_default().push(route);
        }
    }
    let mut out: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for route in routes() {
        let Some(path) = route.path.as_deref() else {
            continue;
        };
        // A sibling of the same application: same framework, in the package tree around it.
        let sibling = restricted.get(&resource(path)).and_then(|siblings| {
            siblings.iter().find(|s| {
                s.framework == route.framework && super::link::package_covers(&s.file, &route.file)
            })
        });
        let Some(sibling) = sibling else {
            continue;
        };
        let every_route_login_only = project
            .routes
            .iter()
            .filter(|r| r.handler_index == route.handler_index)
            .all(|r| r.authenticated() && !authorizes(r) && r.public.is_none());
        if sibling.handler_index == route.handler_index
            || !writes(route)
            || !every_route_login_only
            || !rule.paths.allows(&route.file)
            || !seen.insert(route.handler_index)
        {
            continue;
        }
        let (file, handler) = &project.handlers[route.handler_index];
        if !effects.handler_writes(callees, file, handler.bytes.start) {
            continue;
        }
        let guard = |r: &Route| {
            r.guards
                .iter()
                .find(|g| AUTHORIZES.is_match(g))
                .or(r.guards.first())
                .map_or(String::new(), |g| {
                    g.split(" (").next().unwrap_or(g).to_string()
                })
        };
        let message = format!(
            "`{}` ({} {path}) checks only that the caller is signed in (`{}`), while `{}` ({} {}) \
             on the same resource also requires a role or permission (`{}`): any signed-in user \
             can do here what the project restricts there",
            route.handler,
            route.methods.join("|"),
            guard(route),
            sibling.handler,
            sibling.methods.join("|"),
            sibling.path.as_deref().unwrap_or("?"),
            guard(sibling),
        );
        let related = vec![Related {
            path: sibling.file.clone(),
            start: crate::source::Position {
                line: sibling.line,
                column: 1,
            },
            message: "the same resource, restricted to a role or permission".to_string(),
        }];
        // Less sure: on real services a sibling's "role" is often a kind of key (a wallet's
        // admin key) or the undo of an administrator's action (stop impersonating).
        let mut finding = handler_finding(rule, file, handler, message, related);
        finding.confidence = Confidence::Low;
        out.entry(file.clone()).or_default().push(finding);
    }
    out
}

/// The rule's finding on a handler's name, at the rule's severity and confidence.
fn handler_finding(
    rule: &Rule,
    path: &str,
    handler: &super::HandlerFact,
    message: String,
    related: Vec<Related>,
) -> Finding {
    Finding {
        rule_id: rule.id.clone(),
        severity: rule.severity,
        confidence: rule.confidence,
        message,
        path: path.to_string(),
        start: handler.start,
        end: handler.end,
        bytes: handler.bytes.clone(),
        snippet: handler.snippet.clone(),
        fingerprint: String::new(),
        related,
        flow: Vec::new(),
        link_checks: Vec::new(),
        via_parameter: None,
        via_template: None,
    }
}

/// Where the routes are registered (the innermost registration of each, at most three): the
/// places to add a guard, or the routers above them.
fn registrations(routes: &[&Route]) -> Vec<Related> {
    let mut related: Vec<Related> = Vec::new();
    for route in routes {
        let Some(at) = route.registered_at.last() else {
            continue;
        };
        let path = route.path.as_deref().unwrap_or("?");
        let message =
            format!("registered here as {path} with no guard on it or on the routers above it");
        if related
            .iter()
            .any(|r| r.path == at.path && r.start.line == at.line)
        {
            continue;
        }
        related.push(Related {
            path: at.path.clone(),
            start: Position {
                line: at.line,
                column: at.column,
            },
            message,
        });
    }
    related.truncate(3);
    related
}

/// A read-only handler returns account data when its name says so, or when it fetches one
/// object (a path parameter) under a path that says so.
fn reads_account_data(name: &str, routes: &[&Route]) -> bool {
    SENSITIVE.is_match(name)
        || routes.iter().filter_map(|r| r.path.as_deref()).any(|path| {
            let has_parameter = path.contains('{') || path.contains('<') || path.contains("(?P");
            has_parameter && SENSITIVE.is_match(path)
        })
}

/// `tokenAuth` → `token_auth`: operation fields in the words the name patterns look for.
fn snake(field: &str) -> String {
    let mut out = String::new();
    for c in field.chars() {
        if c.is_uppercase() {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}
