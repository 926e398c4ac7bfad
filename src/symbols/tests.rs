use super::{FileSymbols, NamePatterns, Resolved};
use crate::parse::{tree, ParsedFile};
use crate::source::{Language, SourceFile};

fn symbols(path: &str, language: Language, text: &str) -> FileSymbols {
    let source = SourceFile::new(path.into(), path.to_string(), language, text.to_string());
    let tree = tree(&source).expect("parses");
    let parsed = ParsedFile::new(&source, &tree);
    FileSymbols::build(&parsed)
}

fn q(name: &str) -> Resolved {
    Resolved::Qualified(name.to_string())
}

#[test]
fn python_imports_in_every_form() {
    let s = symbols(
        "shop/payments/views.py",
        Language::Python,
        "import stripe as stripe_lib\nimport os.path\nfrom sqlalchemy import text as sql_text, select\n\
         from .models import Payment\nfrom ..core import db\nfrom hashlib import md5\nfrom x.y import *\n\
         get = requests.get\nimport requests\n\ndef helper(): pass\nclass Wrapper: pass\n",
    );
    let py = Language::Python;
    assert_eq!(s.module, "shop.payments.views");
    assert_eq!(
        s.resolve(py, "stripe_lib.Refund.create"),
        q("stripe.Refund.create")
    );
    assert_eq!(s.resolve(py, "os.path.join"), q("os.path.join"));
    assert_eq!(s.resolve(py, "sql_text"), q("sqlalchemy.text"));
    assert_eq!(
        s.resolve(py, "Payment.objects.get"),
        q("shop.payments.models.Payment.objects.get")
    );
    assert_eq!(s.resolve(py, "db.session"), q("shop.core.db.session"));
    assert_eq!(s.resolve(py, "md5"), q("hashlib.md5"));
    assert_eq!(s.resolve(py, "get"), q("requests.get"));
    assert_eq!(s.resolve(py, "helper"), q("shop.payments.views.helper"));
    assert_eq!(
        s.resolve(py, "Wrapper.go"),
        q("shop.payments.views.Wrapper.go")
    );
    assert_eq!(s.resolve(py, "eval"), q("builtins.eval"));
    assert_eq!(s.resolve(py, "text"), Resolved::Unresolved("text".into()));
    assert_eq!(s.globs, vec!["x.y".to_string()]);
}

#[test]
fn python_imports_inside_functions_bind_names_the_module_leaves_free() {
    let s = symbols(
        "shop/reports.py",
        Language::Python,
        "from .render import render\n\ndef page(layout_id):\n    from shop.daos import LayoutDAO\n    \
         from .render import other as render\n    return LayoutDAO.find_by_id(layout_id)\n",
    );
    let py = Language::Python;
    assert_eq!(
        s.resolve(py, "LayoutDAO.find_by_id"),
        q("shop.daos.LayoutDAO.find_by_id")
    );
    assert_eq!(
        s.resolve(py, "render"),
        q("shop.render.render"),
        "the module-level name wins"
    );
}

#[test]
fn python_instances_are_written_with_parentheses() {
    let s = symbols(
        "bank/views.py",
        Language::Python,
        "from flask_httpauth import HTTPTokenAuth\nimport graphene\nauth = HTTPTokenAuth(scheme='Bearer')\nschema = graphene.Schema(query=Query)\n",
    );
    let py = Language::Python;
    assert_eq!(
        s.resolve(py, "auth.login_required"),
        q("flask_httpauth.HTTPTokenAuth().login_required")
    );
    assert_eq!(
        s.resolve(py, "schema.execute"),
        q("graphene.Schema().execute")
    );
}

#[test]
fn python_relative_imports_from_a_package() {
    let s = symbols(
        "shop/payments/__init__.py",
        Language::Python,
        "from . import views\nfrom .api import router\n",
    );
    assert_eq!(
        s.resolve(Language::Python, "views.pay"),
        q("shop.payments.views.pay")
    );
    assert_eq!(
        s.resolve(Language::Python, "router"),
        q("shop.payments.api.router")
    );
}

#[test]
fn python_aliases_keep_their_expression() {
    let s = symbols(
        "api/deps.py",
        Language::Python,
        "WalletsWrite = Annotated[Subject, Depends(Authenticator(scopes=['w']))]\ntype Db = Annotated[Session, Depends(get_db)]\n",
    );
    assert!(s.alias("WalletsWrite").unwrap().contains("Authenticator"));
    assert!(s.alias("Db").unwrap().contains("get_db"));
}

#[test]
fn rust_use_trees() {
    let s = symbols(
        "service/src/handlers/mod.rs",
        Language::Rust,
        "use sqlx::{self, query_as, Pool as DbPool};\nuse std::process::Command;\nuse super::db::*;\n\
         use crate::auth::{self, require_user};\npub(crate) async fn create() {}\n",
    );
    let rs = Language::Rust;
    assert_eq!(s.module, "crate::handlers");
    assert_eq!(s.resolve(rs, "query_as::<_, Row>"), q("sqlx::query_as"));
    assert_eq!(s.resolve(rs, "sqlx::query"), q("sqlx::query"));
    assert_eq!(s.resolve(rs, "DbPool::connect"), q("sqlx::Pool::connect"));
    assert_eq!(
        s.resolve(rs, "Command::new"),
        q("std::process::Command::new")
    );
    assert_eq!(
        s.resolve(rs, "require_user"),
        q("crate::auth::require_user")
    );
    assert_eq!(s.resolve(rs, "auth::check"), q("crate::auth::check"));
    assert_eq!(s.resolve(rs, "create"), q("crate::handlers::create"));
    assert_eq!(s.resolve(rs, "super::db::run"), q("crate::db::run"));
    assert_eq!(s.globs, vec!["super::db".to_string()]);
}

#[test]
fn rust_module_paths() {
    use super::rust::module_path;
    assert_eq!(module_path("src/lib.rs"), "crate");
    assert_eq!(
        module_path("crates/api/src/routes/users.rs"),
        "crate::routes::users"
    );
    assert_eq!(module_path("src/bin/tool.rs"), "crate");
}

#[test]
fn name_patterns() {
    let p = NamePatterns::new(&[
        "stripe.*.create".into(),
        "sqlalchemy.{text,sql.text}".into(),
        "std::process::Command::new".into(),
    ])
    .unwrap();
    assert!(p.matches("stripe.Refund.create"));
    assert!(!p.matches("stripe.checkout.Session.create"));
    assert!(p.matches("sqlalchemy.sql.text"));
    assert!(!p.matches("markup.text"));
    assert!(p.matches("std::process::Command::new"));
    assert_eq!(
        p.last_parts,
        Some(vec![
            "create".to_string(),
            "new".to_string(),
            "text".to_string()
        ])
    );
    let wild = NamePatterns::new(&["stripe.Refund.*".into()]).unwrap();
    assert_eq!(wild.last_parts, None);
    // Many alternations are not spelled out (that is exponential): no literal, still matching.
    let many = NamePatterns::new(&["{a,b}.{a,b}.{a,b}.{a,b}.{a,b}.{a,b}.f".into()]).unwrap();
    assert_eq!(many.last_parts, None);
    assert!(many.matches("a.b.a.b.a.b.f"));
    let braces = NamePatterns::new(&[
        "sqlalchemy.{text,sql.text}".into(),
        "pandas.read_{sql,csv}".into(),
    ])
    .unwrap();
    assert_eq!(
        braces.last_parts,
        Some(vec![
            "read_csv".to_string(),
            "read_sql".to_string(),
            "text".to_string()
        ])
    );
    let plain = NamePatterns::new(&["hashlib.md5".into()]).unwrap();
    assert_eq!(plain.last_parts, Some(vec!["md5".to_string()]));
}

#[test]
fn alias_cycles_end() {
    let s = symbols(
        "cycle.py",
        Language::Python,
        "a = b()\nb = a()\nc = c.d\nx = y\ny = x\n",
    );
    let py = Language::Python;
    assert!(matches!(s.resolve(py, "a.run"), Resolved::Unresolved(_)));
    assert!(matches!(s.resolve(py, "x"), Resolved::Unresolved(_)));
}

#[test]
fn modules_found_by_path_match_the_names_callers_use() {
    use super::same_module;
    // The scan starts above the package, or inside it.
    assert!(same_module("lnbits.lnbits.core.crud", "lnbits.core.crud"));
    assert!(same_module("core.crud", "lnbits.core.crud"));
    // A package re-exports what its modules define.
    assert!(same_module("shop.db", "shop"));
    assert!(same_module("ledger_db::store", "ledger_db"));
    // A suffix must end at a separator.
    assert!(!same_module("shop.mydb", "db"));
    assert!(!same_module("payments.views", "orders.views"));
}
