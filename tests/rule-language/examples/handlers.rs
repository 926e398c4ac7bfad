use axum::{extract::Path, routing::{get, post}, Json, Router};
use std::process::Command;

async fn order(Path(id): Path<String>, pool: PgPool) -> String {
    let sql = format!("SELECT * FROM orders WHERE id = {id}");
    let rows = sqlx::query(&sql).fetch_all(&pool).await.unwrap(); // expect: lang-rs-sqlx-from-request, lang-rs-unwrap-in-handler
    let fixed = sqlx::query("SELECT 1").fetch_one(&pool).await; // ok: lang-rs-sqlx-from-request
    format!("{rows:?}{fixed:?}")
}

async fn line(Path(index): Path<usize>, lines: Vec<i64>) -> String {
    let first = lines[0]; // ok: lang-rs-where-one-branch
    let chosen = lines[index]; // expect-low: lang-rs-where-one-branch
    if first == chosen {
        todo!() // expect-low: lang-rs-where-one-branch
    }
    format!("{chosen}")
}

async fn purge() -> &'static str { // expect: lang-rs-admin-route
    "purged"
}

async fn audit(_admin: AdminUser) -> &'static str { // ok: lang-rs-admin-route
    "audited"
}

fn quote(raw: &str) -> Result<Decimal, Error> {
    let amount = Decimal::from_str_exact(raw); // expect: lang-py-where-per-branch
    let fee = Decimal::from_str_exact(raw); // ok: lang-py-where-per-branch
    Ok(amount? + fee?)
}

fn helper(raw: &str) -> i64 {
    raw.parse().unwrap() // ok: lang-rs-unwrap-in-handler
}

fn run(cmd: &str) {
    Command::new("sh").arg("-c").arg(cmd).status().ok(); // expect: lang-rs-shell-query
    Command::new("ls").arg("-c").arg(cmd).status().ok(); // ok: lang-rs-shell-query
}

async fn compress(Path(name): Path<String>) -> &'static str {
    Command::new("sh").arg("-c").arg(format!("gzip {name}")).status().ok(); // expect: lang-taint-per-language, lang-rs-shell-query
    Command::new("sh").arg("-c").arg(shell_quote!(name)).status().ok(); // expect: lang-rs-shell-query // ok: lang-taint-per-language
    "compressed"
}

pub fn router() -> Router {
    Router::new()
        .route("/orders/{id}", get(order))
        .route("/lines/{index}", get(line))
        .route("/admin/purge", post(purge))
        .route("/admin/audit", post(audit))
}
