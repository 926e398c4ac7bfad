//! `tollgate routes` and the project model behind `missing-authorization`, through the binary.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn tollgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn routes_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["routes", "--format", "json"];
    all.extend_from_slice(args);
    let output = tollgate(dir, &all);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// (methods joined, path, handler, guards joined) of every route.
fn table(document: &Value) -> Vec<(String, String, String, String)> {
    document["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|route| {
            let join = |key: &str| {
                route[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            (
                join("methods"),
                route["path"].as_str().unwrap_or("?").to_string(),
                route["handler"].as_str().unwrap().to_string(),
                join("guards"),
            )
        })
        .collect()
}

fn route<'a>(
    rows: &'a [(String, String, String, String)],
    path: &str,
) -> &'a (String, String, String, String) {
    rows.iter()
        .find(|row| row.1 == path)
        .unwrap_or_else(|| panic!("no route {path} in {rows:#?}"))
}

fn fixture_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn django_routes_follow_includes_routers_and_settings() {
    let document = routes_json(fixture_dir(), &["fixtures/missing-authorization/django"]);
    let rows = table(&document);
    // include("invoices.urls") under "api/", a DRF router inside it, settings defaults; the
    // root list is also re-bound to `[debug] + urlpatterns`, which keeps its own routes.
    let pay = route(&rows, "/api/invoices/{pk}/pay/");
    assert_eq!(pay.0, "POST");
    assert_eq!(pay.2, "InvoiceViewSet.pay");
    assert!(pay.3.contains("DEFAULT_PERMISSION_CLASSES"), "{pay:?}");
    // The settings of one project do not guard another project's views.
    let refund = route(&rows, "/refunds/");
    assert_eq!((refund.0.as_str(), refund.3.as_str()), ("POST", ""));
    // login_required() around a view in urls.py.
    assert_eq!(route(&rows, "/payouts/").3, "login_required");
    // Actions a ModelViewSet inherits without defining them.
    assert!(rows
        .iter()
        .any(|r| r.1 == "/api/beneficiaries/{pk}/" && r.0 == "DELETE"));
    assert_eq!(document["summary"]["unrouted"], 1);
    let public: Vec<&Value> = document["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("public").is_some())
        .collect();
    // Two are declared public; two check a secret the request carries (a signed link, a
    // Stripe signature) and are public by capability.
    assert_eq!(public.len(), 4, "{public:#?}");
    let by_capability = public
        .iter()
        .filter(|r| r["public"].as_str().unwrap().starts_with("checks a secret"))
        .count();
    assert_eq!(by_capability, 2, "{public:#?}");
    // A lookup by a field named `secret` is judged by names: listed, not counted as public.
    let cancel = document["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["handler"] == "cancel_by_link")
        .unwrap();
    assert!(cancel.get("public").is_none(), "{cancel:#?}");
    assert!(
        cancel["capability_by_name"]
            .as_str()
            .is_some_and(|check| check.contains("secret__iexact")),
        "{cancel:#?}"
    );
}

#[test]
fn fastapi_flask_axum_and_actix_routes_carry_router_level_guards() {
    let rows = table(&routes_json(
        fixture_dir(),
        &[
            "fixtures/missing-authorization/fastapi",
            "fixtures/missing-authorization/flask",
            "fixtures/missing-authorization/axum",
            "fixtures/missing-authorization/actix",
        ],
    ));
    // Router-level dependencies are judged by what the dependency does.
    assert!(
        route(&rows, "/v1/payments")
            .3
            .starts_with("Depends(require_api_key) (`require_api_key` raise"),
        "{rows:#?}"
    );
    assert_eq!(route(&rows, "/v1/reports/monthly").3, "");
    assert_eq!(route(&rows, "/v1/public/quotes").3, "");
    assert_eq!(route(&rows, "/transfers/").3, "");
    // A `before_request` hook guards by what its code does: `abort(403)` without a user.
    assert!(
        route(&rows, "/admin/accounts/<account_id>/freeze")
            .3
            .starts_with("bp.before_request(require_admin) (`require_admin` abort(403)"),
        "{rows:#?}"
    );
    // One that only picks a language guards nothing.
    assert_eq!(route(&rows, "/reports/<report_id>/archive").3, "");
    // Flask-AppBuilder: `@expose` under the class's route base (or `/api/v1/<resource_name>`),
    // guarded by its access decorators, known by what their names resolve to.
    assert!(
        route(&rows, "/payouts/<int:pk>/approve")
            .3
            .contains("flask_appbuilder.security.decorators.has_access_api"),
        "{rows:#?}"
    );
    assert!(route(&rows, "/api/v1/payout/").3.starts_with("protect()"));
    assert_eq!(route(&rows, "/payouts/<int:pk>/cancel").3, "");
    // An MCP tool's `request` is its message, not an HTTP request: a tool, at no path.
    let tools: Vec<_> = rows.iter().filter(|r| r.2 == "refund_order").collect();
    assert_eq!(tools.len(), 1, "{rows:#?}");
    assert_eq!((tools[0].0.as_str(), tools[0].1.as_str()), ("", "?"));
    // axum: a layer covers the routes added before it, not after.
    let guarded: Vec<_> = rows.iter().filter(|r| r.1 == "/api/payments").collect();
    assert_eq!(guarded.len(), 2, "axum and actix both serve /api/payments");
    assert!(guarded.iter().all(|r| !r.3.is_empty()), "{guarded:#?}");
    assert_eq!(route(&rows, "/api/quotes").3, "");
    assert_eq!(
        route(&rows, "/api/admin/limits").3,
        ".layer(middleware::from_fn(require_admin))"
    );
    // actix: scope prefixes and attribute routes, configure() in another file.
    assert_eq!(route(&rows, "/public/quotes").3, "");
    assert_eq!(route(&rows, "/admin/refunds").3, "AdminUser");
}

#[test]
fn text_table_lists_routes_and_a_summary() {
    let output = tollgate(
        fixture_dir(),
        &["routes", "fixtures/missing-authorization/flask"],
    );
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("METHOD"));
    assert!(
        text.lines().any(|line| {
            let mut cells = line.split_whitespace();
            cells.next() == Some("POST") && cells.next() == Some("/transfers/")
        }),
        "{text}"
    );
    assert!(
        text.contains("86 routes: 48 without a guard, 0 public, 1 with no route found"),
        "{text}"
    );
}

#[test]
fn a_url_list_extended_with_itself_keeps_its_routes() {
    let dir = project(&[
        (
            "core/urls.py",
            "from django.conf import settings\nfrom django.urls import include, path, re_path\n\n\
             urlpatterns = [re_path(r'^', include('shop.urls'))]\n\n\
             if settings.DEBUG:\n    \
             urlpatterns = [path('__debug__/', include('debug_toolbar.urls'))] + urlpatterns\n",
        ),
        (
            "shop/urls.py",
            "from django.urls import path\nfrom shop.views import cart\n\n\
             urlpatterns = [path('cart/', cart)]\n",
        ),
        ("shop/views.py", "def cart(request):\n    return None\n"),
    ]);
    let rows = table(&routes_json(dir.path(), &["."]));
    assert_eq!(route(&rows, "/cart/").2, "cart", "{rows:#?}");
}

#[test]
fn missing_path_is_a_usage_error() {
    let dir = project(&[]);
    let output = tollgate(dir.path(), &["routes", "no/such/dir"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/dir"));
}

const MERCHANT_API: &str = r#"from fastapi import APIRouter, Depends

from .merchants import merchant

router = APIRouter()


@router.post("/charges")
def create_charge(body: ChargeIn, who=Depends(merchant)):
    return stripe.Charge.create(amount=body.amount)


@router.post("/partners/settlements")
def settle(body: SettlementIn):
    return ledger.settle(body.batch)
"#;

fn missing_authorization(dir: &Path) -> Vec<String> {
    let output = tollgate(
        dir,
        &[
            "scan",
            "--no-cache",
            "--format",
            "json",
            "--fail-on",
            "critical",
            ".",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "missing-authorization")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn configured_guards_and_public_paths_are_honoured() {
    let dir = project(&[("api/charges.py", MERCHANT_API)]);
    let unconfigured = missing_authorization(dir.path());
    assert_eq!(unconfigured.len(), 2, "{unconfigured:#?}");

    std::fs::write(
        dir.path().join("tollgate.toml"),
        "[auth]\ndependencies = [\"merchant\"]\npublic-paths = [\"^/partners/\"]\n",
    )
    .unwrap();
    assert_eq!(missing_authorization(dir.path()), Vec::<String>::new());
    let rows = table(&routes_json(dir.path(), &["."]));
    assert_eq!(route(&rows, "/charges").3, "merchant");
    let document = routes_json(dir.path(), &["."]);
    let settle = document["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/partners/settlements")
        .unwrap();
    assert!(settle["public"].as_str().unwrap().contains("^/partners/"));
}

#[test]
fn invalid_public_path_regex_is_a_configuration_error() {
    let dir = project(&[
        ("api/charges.py", MERCHANT_API),
        ("tollgate.toml", "[auth]\npublic-paths = [\"(\"]\n"),
    ]);
    let output = tollgate(dir.path(), &["routes", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("public-paths"), "{stderr}");
}

#[test]
fn findings_point_at_the_registration_in_json_sarif_and_text() {
    let dir = fixture_dir();
    let target = "fixtures/missing-authorization/django/ledger";
    let output = tollgate(
        dir,
        &[
            "scan",
            "--no-cache",
            "--format",
            "json",
            "--fail-on",
            "critical",
            target,
        ],
    );
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        document["schema_version"],
        tollgate::report::JSON_SCHEMA_VERSION
    );
    let transfer = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("create_transfer"))
        .unwrap();
    let related = &transfer["related"][0];
    assert_eq!(
        related["path"],
        "fixtures/missing-authorization/django/ledger/ledger/urls.py"
    );
    let urls = std::fs::read_to_string(dir.join(related["path"].as_str().unwrap())).unwrap();
    let line = related["start"]["line"].as_u64().unwrap() as usize;
    assert!(
        urls.lines()
            .nth(line - 1)
            .unwrap()
            .contains("views.create_transfer"),
        "{related}"
    );

    let output = tollgate(
        dir,
        &[
            "scan",
            "--no-cache",
            "--format",
            "sarif",
            "--fail-on",
            "critical",
            target,
        ],
    );
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .contains("create_transfer")
        })
        .unwrap();
    let location = &result["relatedLocations"][0];
    assert_eq!(location["physicalLocation"]["region"]["startLine"], line);
    assert!(location["message"]["text"]
        .as_str()
        .unwrap()
        .contains("registered here as /transfers/"));

    let output = tollgate(
        dir,
        &["scan", "--no-cache", "--fail-on", "critical", target],
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(&format!(
            "ledger/urls.py:{line}: registered here as /transfers/"
        )),
        "{text}"
    );
}

#[test]
fn class_views_inherit_framework_and_guards_across_files() {
    let dir = project(&[
        (
            "shop/config/settings.py",
            "REST_FRAMEWORK = {\"DEFAULT_PERMISSION_CLASSES\": [\"rest_framework.permissions.IsAuthenticated\"]}\nROOT_URLCONF = \"config.urls\"\n",
        ),
        (
            "shop/config/urls.py",
            "from django.urls import path\nfrom orders import views\n\nurlpatterns = [\n    path(\"a/\", views.RefundView.as_view()),\n    path(\"b/\", views.CloseView.as_view()),\n    path(\"c/\", views.OpenView.as_view()),\n    path(\"d/\", views.PlainView.as_view()),\n]\n",
        ),
        (
            "shop/orders/bases.py",
            "from django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.views import View\nfrom rest_framework.permissions import AllowAny\nfrom rest_framework.views import APIView\n\n\nclass ApiBaseView(APIView):\n    pass\n\n\nclass PublicBaseView(ApiBaseView):\n    permission_classes = [AllowAny]\n\n\nclass MemberView(LoginRequiredMixin, View):\n    pass\n\n\nclass PlainBaseView(View):\n    pass\n",
        ),
        (
            "shop/orders/views.py",
            "from .bases import ApiBaseView, MemberView, PlainBaseView, PublicBaseView\n\n\nclass RefundView(ApiBaseView):\n    def post(self, request):\n        pass\n\n\nclass CloseView(MemberView):\n    def post(self, request):\n        pass\n\n\nclass OpenView(PublicBaseView):\n    def post(self, request):\n        pass\n\n\nclass PlainView(PlainBaseView):\n    def post(self, request):\n        pass\n",
        ),
    ]);
    let document = routes_json(dir.path(), &[]);
    let routes = table(&document);
    // A DRF base in another file: the settings default applies.
    assert!(
        route(&routes, "/a/")
            .3
            .contains("DEFAULT_PERMISSION_CLASSES"),
        "{routes:?}"
    );
    // A guard mixin on the base.
    assert!(
        route(&routes, "/b/").3.contains("LoginRequiredMixin"),
        "{routes:?}"
    );
    // AllowAny inherited: no default guard, and the route is public.
    assert_eq!(route(&routes, "/c/").3, "", "{routes:?}");
    // Nothing inherited guards it.
    assert_eq!(route(&routes, "/d/").3, "", "{routes:?}");
    let public: Vec<&Value> = document["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["public"].is_null())
        .collect();
    assert_eq!(public.len(), 1, "{public:?}");
    assert_eq!(public[0]["path"], "/c/");
}

#[test]
fn url_lists_by_any_name_and_inherited_view_methods_are_routed() {
    let dir = project(&[
        (
            "shop/urls.py",
            "from django.urls import include, path, re_path\nfrom shop import views\n\nframe_urls = [\n    path(\"cart/remove\", views.CartRemove.as_view()),\n]\n\nevent_routes = [\n    re_path(r\"^w/(?P<key>[a-z]+)/\", include(frame_urls)),\n]\n\nmain = [\n    path(\"events/\", include(event_routes + [path(\"badge/\", views.BadgeEditor.as_view())])),\n]\n\nurlpatterns = frame_urls + main\n",
        ),
        (
            "shop/editor.py",
            "from django.views import View\n\n\nclass BaseEditor(View):\n    def get(self, request):\n        pass\n\n    def post(self, request):\n        pass\n",
        ),
        (
            "shop/views.py",
            "from django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.views import View\nfrom shop.editor import BaseEditor\n\n\nclass CartRemove(View):\n    def post(self, request):\n        pass\n\n\nclass BadgeEditor(LoginRequiredMixin, BaseEditor):\n    def get(self, request):\n        pass\n",
        ),
    ]);
    let document = routes_json(dir.path(), &[]);
    let rows = table(&document);
    // A list of patterns named anything, included by name, summed into `urlpatterns` and
    // inside an `include(a + [...])`.
    for path in [
        "/cart/remove",
        "/events/w/(?P<key>[a-z]+)/cart/remove",
        "/events/badge/",
    ] {
        route(&rows, path);
    }
    // The editor serves its base's `post` and its own `get`, behind its own mixin.
    let editor: Vec<_> = rows.iter().filter(|r| r.1 == "/events/badge/").collect();
    let post = editor.iter().find(|r| r.0 == "POST").unwrap();
    assert_eq!(post.2, "BadgeEditor.post (from BaseEditor)", "{rows:?}");
    assert!(post.3.contains("LoginRequiredMixin"), "{rows:?}");
    let get = editor.iter().find(|r| r.0 == "GET").unwrap();
    assert_eq!(get.2, "BadgeEditor.get", "{rows:?}");
    assert_eq!(editor.len(), 2, "{rows:?}");
}

#[test]
fn graphql_operations_are_routes_under_their_endpoint() {
    let dir = project(&[
        (
            "shop/urls.py",
            "from django.urls import path\nfrom graphene_django.views import GraphQLView\n\nfrom .schema import schema\n\nurlpatterns = [path(\"graphql/\", GraphQLView.as_view(schema=schema))]\n",
        ),
        (
            "shop/schema.py",
            "import graphene\nfrom graphql_jwt.decorators import login_required\n\n\nclass RefundOrder(graphene.Mutation):\n    ok = graphene.Boolean()\n\n    def mutate(root, info, order_id):\n        return RefundOrder(ok=True)\n\n\nclass Query(graphene.ObjectType):\n    orders = graphene.List(graphene.String)\n\n    @login_required\n    def resolve_orders(root, info):\n        return []\n\n\nclass Mutation(graphene.ObjectType):\n    order_refund = RefundOrder.Field()\n",
        ),
    ]);
    let document = routes_json(dir.path(), &["."]);
    assert_eq!(document["version"], "1.2");
    let rows = table(&document);
    assert!(
        rows.contains(&(
            "POST".into(),
            "/graphql/".into(),
            "mutation orderRefund".into(),
            String::new()
        )),
        "{rows:?}"
    );
    let query = document["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["handler"] == "query orders")
        .unwrap();
    assert_eq!(query["framework"], "graphene");
    assert_eq!(query["operation"]["kind"], "query");
    assert_eq!(query["operation"]["field"], "orders");
    assert!(query["guards"][0]
        .as_str()
        .unwrap()
        .contains("graphql_jwt.decorators.login_required"));
}

/// The operations' (path, handler) pairs of a routes document, with their guards joined.
fn operations(document: &Value) -> Vec<(String, String, String)> {
    table(document)
        .into_iter()
        .filter(|(_, _, handler, _)| {
            handler.starts_with("query ") || handler.starts_with("mutation ")
        })
        .map(|(_, path, handler, guards)| (path, handler, guards))
        .collect()
}

#[test]
fn graphql_operations_follow_the_schema_to_their_endpoint() {
    // graphene: two endpoints in one urls.py, root types composed across files by bases,
    // mutation classes that inherit `mutate`, named by the field that mounts them.
    let document = routes_json(
        fixture_dir(),
        &["fixtures/missing-authorization/graphene-schema"],
    );
    let ops = operations(&document);
    let at = |handler: &str| -> Vec<(String, String)> {
        ops.iter()
            .filter(|(_, h, _)| h == handler)
            .map(|(path, _, guards)| (path.clone(), guards.clone()))
            .collect()
    };
    assert_eq!(
        at("mutation flagProduct"),
        [("/graphql/".into(), String::new())],
        "{ops:?}"
    );
    assert_eq!(
        at("mutation reviewAdd"),
        [("/graphql/".into(), String::new())],
        "{ops:?}"
    );
    let payout = at("mutation sendPayout");
    assert_eq!(payout.len(), 1, "{ops:?}");
    assert_eq!(payout[0].0, "/staff/graphql/");
    assert!(payout[0].1.contains("login_required"), "{payout:?}");
    // A mutation class no root type mounts is in no schema.
    assert!(at("mutation productArchive").is_empty(), "{ops:?}");
    // The permission hook the inherited `mutate` refuses on, overridden with a test of the
    // caller's rights; a hook of the class that refuses; one that lets everyone through.
    assert!(at("mutation wishlistAdd")[0]
        .1
        .starts_with("WishlistAdd.check_permissions"));
    assert!(at("mutation reviewEdit")[0]
        .1
        .starts_with("ReviewEdit.clean_input"));
    assert_eq!(at("mutation reviewHide")[0].1, "");

    // Strawberry `merge_types` and async-graphql `MergedObject`: the admin router's guard
    // covers the admin schema's mutations only.
    let document = routes_json(
        fixture_dir(),
        &[
            "fixtures/missing-authorization/strawberry-merged",
            "fixtures/missing-authorization/async-graphql-merged",
            "fixtures/missing-authorization/ariadne-modules",
        ],
    );
    let ops = operations(&document);
    let find = |handler: &str| {
        ops.iter()
            .find(|(_, h, _)| h == handler)
            .unwrap_or_else(|| panic!("no {handler} in {ops:#?}"))
            .clone()
    };
    let (path, _, guards) = find("mutation closeAccount");
    assert_eq!((path.as_str(), guards.as_str()), ("/graphql", ""));
    let (path, _, guards) = find("mutation issueCredit");
    assert_eq!(path, "/admin/graphql");
    assert!(guards.contains("require_admin"), "{guards}");
    let (path, _, guards) = find("mutation renameTeam");
    assert_eq!((path.as_str(), guards.as_str()), ("/graphql", ""));
    // Ariadne: the bindables handed to `make_executable_schema`, imported under other names.
    let (path, _, guards) = find("mutation redeemVoucher");
    assert_eq!((path.as_str(), guards.as_str()), ("/graphql/", ""));
    let (path, _, guards) = find("mutation issueVoucher");
    assert_eq!(
        (path.as_str(), guards.as_str()),
        ("/admin/graphql/", "login_required")
    );
    let (path, _, guards) = find("mutation banTeam");
    assert_eq!(
        (path.as_str(), guards.as_str()),
        ("/admin/graphql", "AdminClaims")
    );
}

#[test]
fn graphql_views_that_run_a_schema_are_endpoints() {
    let dir = project(&[
        (
            "app/views.py",
            "from flask import Flask, jsonify, request\n\nfrom .schema import schema\n\napp = Flask(__name__)\n\n\n@app.route(\"/api/graphql\", methods=[\"POST\"])\ndef api():\n    body = request.get_json()\n    result = schema.execute(body[\"query\"], context_value=request)\n    return jsonify(result.data)\n",
        ),
        (
            "app/schema.py",
            "import graphene\n\n\nclass Query(graphene.ObjectType):\n    ping = graphene.String()\n\n    def resolve_ping(root, info):\n        return \"pong\"\n\n\nclass Mutation(graphene.ObjectType):\n    reset = graphene.Boolean()\n\n    def resolve_reset(root, info):\n        return True\n\n\nschema = graphene.Schema(query=Query, mutation=Mutation)\n",
        ),
    ]);
    let document = routes_json(dir.path(), &["."]);
    let ops = operations(&document);
    assert!(
        ops.contains(&("/api/graphql".into(), "query ping".into(), String::new())),
        "{ops:?}"
    );
    // A `Mutation` object type whose fields resolve themselves serves mutations.
    assert!(
        ops.contains(&(
            "/api/graphql".into(),
            "mutation reset".into(),
            String::new()
        )),
        "{ops:?}"
    );
}

#[test]
fn graphql_schema_configuration_and_mixins_are_followed() {
    let dir = project(&[
        (
            "inventory/urls.py",
            "from django.urls import path\nfrom graphene_django.views import GraphQLView\n\nfrom .schema import schema\n\nurlpatterns = [path(\"graphql/\", GraphQLView.as_view(schema=schema))]\n",
        ),
        (
            "inventory/mixins.py",
            "class MutationMixin:\n    @classmethod\n    def mutate(cls, root, info, **data):\n        return cls.resolve_mutation(root, info, **data)\n",
        ),
        (
            "inventory/schema.py",
            "import graphene\n\nfrom .mixins import MutationMixin\n\n\nclass Query(graphene.ObjectType):\n    device_list = graphene.List(graphene.String)\n\n    def resolve_device_list(root, info):\n        return []\n\n\nclass ArchiveDevice(MutationMixin, graphene.Mutation):\n    ok = graphene.Boolean()\n\n\nclass Mutation(graphene.ObjectType):\n    archive_device = ArchiveDevice.Field()\n\n\nschema = graphene.Schema(query=Query, mutation=Mutation, auto_camelcase=False)\n",
        ),
    ]);
    let document = routes_json(dir.path(), &["."]);
    let ops = operations(&document);
    // `auto_camelcase=False` keeps Python's names.
    assert!(
        ops.contains(&(
            "/graphql/".into(),
            "query device_list".into(),
            String::new()
        )),
        "{ops:?}"
    );
    // A mixin before graphene's base brings `mutate`.
    assert!(
        ops.contains(&(
            "/graphql/".into(),
            "mutation archive_device".into(),
            String::new()
        )),
        "{ops:?}"
    );
}

#[test]
fn juniper_resolvers_checking_the_context_user_are_guarded() {
    let document = routes_json(fixture_dir(), &["fixtures/missing-authorization/juniper"]);
    let ops = operations(&document);
    let guards = |handler: &str| {
        ops.iter()
            .find(|(_, h, _)| h == handler)
            .unwrap_or_else(|| panic!("no {handler} in {ops:#?}"))
            .2
            .clone()
    };
    assert!(guards("mutation closeMyAccount").starts_with("inline check"));
    assert!(guards("mutation freezeAccount").starts_with("inline check"));
    assert!(guards("mutation archiveAccount").starts_with("inline check"));
    // A look-up by the client's id through the context checks nothing about the caller.
    assert_eq!(guards("mutation transferAccount"), "");
    assert_eq!(guards("mutation closeAccount"), "");
}

#[test]
fn hand_routed_rust_services_list_each_arm_as_a_route() {
    let document = routes_json(
        fixture_dir(),
        &[
            "fixtures/missing-authorization/hyper",
            "fixtures/missing-authorization/std",
            "fixtures/command-injection/std-request-type",
        ],
    );
    let rows = table(&document);
    let row = |path: &str| {
        let (methods, _, handler, guards) = route(&rows, path);
        (methods.as_str(), handler.as_str(), guards.as_str())
    };
    // An arm that hands the request to a function routes to it, in this file or another.
    assert_eq!(row("/transfers"), ("POST", "create_transfer", ""));
    assert_eq!(row("/admin/payouts"), ("POST", "payout", ""));
    // An arm that answers inline is a route of the dispatching function.
    assert_eq!(row("/accounts"), ("DELETE", "route", ""));
    // A refusal before the `match` guards every arm; one inside an arm guards that arm.
    let (_, _, guards) = row("/internal/refunds");
    assert!(guards.contains("token_is_valid"), "{guards}");
    assert!(row("/sessions/close").2.starts_with("refuses with 401/403"));
    assert!(row("/orders/cancel").2.starts_with("refuses with 401/403"));
    // The standard library: string methods and paths.
    assert_eq!(row("/orders"), ("POST", "create_order", ""));
    assert_eq!(row("/"), ("GET", "handle", ""));
    // A service's own request type, matched on its path field, routing into another module.
    assert_eq!(row("/exports"), ("", "handle", ""));
    assert_eq!(row("/archives"), ("", "archive", ""));
    // A match on a configured path is no router.
    assert!(rows.iter().all(|r| r.1 != "/srv/exports"), "{rows:#?}");
    let frameworks: Vec<&str> = document["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["framework"].as_str())
        .collect();
    assert!(frameworks.contains(&"hyper") && frameworks.contains(&"std"));
    // The dispatching functions themselves are not routes: nothing mounts them by path.
    assert!(rows.iter().all(|r| r.1 != "?"), "{rows:#?}");
}

#[test]
fn helpers_called_first_guard_by_what_they_do() {
    let document = routes_json(
        fixture_dir(),
        &[
            "fixtures/missing-authorization/flask",
            "fixtures/missing-authorization/axum",
            "fixtures/missing-authorization/hyper",
        ],
    );
    let rows = table(&document);
    let guards = |path: &str| route(&rows, path).3.clone();
    // A helper in another module that answers 401 without credentials guards the handler, in
    // Flask (`current_account()`) and in axum (`current_member(…).await?`).
    let flask = rows
        .iter()
        .find(|r| r.1 == "/accounts/close" && r.2 == "close_account" && r.3.contains("abort"))
        .map(|r| r.3.clone());
    assert!(
        flask.is_some_and(|g| g.contains("current_account")),
        "{rows:#?}"
    );
    assert!(rows
        .iter()
        .any(|r| r.1 == "/accounts/close" && r.3.contains("current_member")));
    // A helper named like a check that refuses nobody, and a feature switch's 403, guard nothing.
    assert!(
        rows.iter()
            .filter(|r| r.1 == "/accounts/freeze"
                || r.1 == "/accounts/rename"
                || r.1 == "/accounts/nickname")
            .all(|r| r.3.is_empty()),
        "{rows:#?}"
    );
    // A `?` on such a helper before a hand-routed `match` guards every arm, at its own path.
    assert!(guards("/operations/reconcile").contains("operator"));
    assert!(rows.iter().all(|r| !r.1.contains("/operations/reconcile/")));
}

#[test]
fn a_helper_first_judged_inside_a_cycle_is_judged_again() {
    // `reload_account` is first met while `current_account` is being judged, where the cycle
    // back to it sees no guard; from its own handler it guards through `current_account`.
    let dir = project(&[("app.py", APP)]);
    let rows = table(&routes_json(dir.path(), &[]));
    for path in ["/accounts/close", "/accounts/reopen"] {
        assert!(route(&rows, path).3.contains("require_login"), "{rows:#?}");
    }
    const APP: &str = r#"from flask import Flask, abort, g, request

app = Flask(__name__)


def current_account():
    if g.get("retrying"):
        return reload_account()
    return require_login()


def reload_account():
    g.retrying = False
    return current_account()


def require_login():
    token = request.headers.get("Authorization")
    if not token:
        abort(401)
    return token


@app.post("/accounts/close")
def close_account():
    account = current_account()
    return {"closed": account}


@app.post("/accounts/reopen")
def reopen_account():
    account = reload_account()
    return {"reopened": account}
"#;
}

#[test]
fn predicates_guard_by_what_they_read_and_addresses_guard_nothing() {
    let document = routes_json(
        fixture_dir(),
        &[
            "fixtures/missing-authorization/django",
            "fixtures/missing-authorization/fastapi",
            "fixtures/missing-authorization/flask",
            "fixtures/missing-authorization/actix",
            "fixtures/missing-authorization/axum",
        ],
    );
    let rows = table(&document);
    let guards = |path: &str| route(&rows, path).3.clone();
    // A predicate of the file, of another file, in its positive form, or nested in a branch
    // that alone changes state: it reads the caller's session or cookie.
    for path in [
        "/members/cards/close/",
        "/members/rename/",
        "/members/archive/",
        "/v1/operations/index/rebuild",
        "/profiles/email",
        "/profiles/avatar",
    ] {
        assert!(
            guards(path).contains("tests the caller's credentials"),
            "{path}: {rows:#?}"
        );
    }
    assert!(guards("/members/cards/close/").contains("request.COOKIES.get(SESSION_COOKIE)"));
    // Named like a check of the caller, reading only the form; a test of the input; a check
    // after the write; the address, in every framework, also through a predicate or a helper.
    for path in [
        "/members/delete/",
        "/members/notes/",
        "/members/notes/purge/",
        "/operators/reset/",
        "/operators/unlock/",
        "/v1/operations/index/drain",
        "/v1/operations/cache/flush",
        "/v1/operations/reset-operator-password",
        "/profiles/delete",
        "/profiles/restore",
        "/maintenance/rotate-keys",
        "/maintenance/purge",
        "/maintenance/cache",
        "/maintenance/tokens",
    ] {
        assert_eq!(guards(path), "", "{path}");
    }
    // The address and the caller's login tested together: the login counts.
    assert!(guards("/operators/lock/").starts_with("inline check"));
}

#[test]
fn a_guard_that_admits_only_staff_by_its_code_lowers_injections_behind_it() {
    let output = tollgate(
        fixture_dir(),
        &[
            "scan",
            "--no-cache",
            "--format",
            "json",
            "fixtures/path-traversal/fastapi/builder",
        ],
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let severity = |line: u64| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "path-traversal" && f["start"]["line"] == line)
            .map(|f| f["severity"].as_str().unwrap().to_string())
    };
    // `check_builder` is named for a feature, but raises 403 unless `user.admin`.
    assert_eq!(severity(15).as_deref(), Some("medium"), "{report:#}");
    // A guard that only authenticates leaves the rule's severity.
    assert_eq!(severity(21).as_deref(), Some("high"), "{report:#}");
}

#[test]
fn connexion_routes_come_from_the_specifications_an_app_serves() {
    let document = routes_json(fixture_dir(), &["fixtures/missing-authorization/connexion"]);
    let rows = table(&document);
    assert_eq!(rows.len(), 7, "{rows:#?}");
    let create = route(&rows, "/api/v1/payments");
    assert_eq!(
        (create.0.as_str(), create.2.as_str(), create.3.as_str()),
        ("POST", "create_payment", "")
    );
    // Swagger 2 in JSON, with global security.
    let freeze = route(&rows, "/admin/accounts/{account_id}/freeze");
    assert_eq!(
        freeze.3,
        "security api_key (x-apikeyInfoFunc: wallet.auth.check_api_key)"
    );
    let routes = document["routes"].as_array().unwrap();
    assert!(routes.iter().all(|r| r["framework"] == "connexion"));
    let login = routes
        .iter()
        .find(|r| r["path"] == "/api/v1/login")
        .unwrap();
    assert!(login["public"]
        .as_str()
        .unwrap()
        .starts_with("`security: []` on the operation at "));
    // Registered where the specification declares the operation.
    let registered = &routes
        .iter()
        .find(|r| r["handler"] == "create_payment")
        .unwrap()["registered_at"][0];
    assert_eq!(
        registered["path"],
        "fixtures/missing-authorization/connexion/spec/openapi.yaml"
    );
    assert_eq!(registered["line"], 17);
}

#[test]
fn a_specification_connexion_cannot_read_is_a_notice() {
    let dir = project(&[
        (
            "app.py",
            "import connexion\napp = connexion.App(__name__)\napp.add_api('openapi.yaml')\napp.add_api('missing.yaml')\n",
        ),
        ("openapi.yaml", "openapi: 3.0.0\npaths: [unclosed\n"),
        (
            "views.py",
            "def reset(request):\n    return db.drop_all()\n",
        ),
    ]);
    let output = tollgate(dir.path(), &["scan", "--no-cache", "--format", "json", "."]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let notices: Vec<(String, String)> = document["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap().to_string(),
                n["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        notices.contains(&("openapi.yaml".into(), "syntax-error".into())),
        "{notices:?}"
    );
    assert!(
        notices.contains(&("missing.yaml".into(), "unreadable".into())),
        "{notices:?}"
    );
}
