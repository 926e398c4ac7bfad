//! `idor-unscoped-lookup`: inside a request handler, an object fetched by an id that comes from
//! the request, by that id alone: no condition ties it to the caller (owner, user, tenant), no
//! lookup through the caller's related objects, and no object-level check before or after it.
//! Handlers restricted to administrators and ids that do not come from the request do not count.

pub mod python;
pub mod rust;

use crate::app::ownership::is_caller_word;
use crate::detectors::Match;
use crate::finding::Related;
use crate::parse::ParsedFile;
use crate::source::{Language, Position};
use crate::syntax::name_words;
use crate::taint::across::ParamSink;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::LazyLock;

/// The built-in rule that judges calls of functions that load a row by a parameter alone.
pub const RULE_ID: &str = "idor-unscoped-lookup";

/// Names this detector fills in for rule messages.
/// `MODEL` names, after a look-up made by a project function, that function too (`Order`
/// through `find_order()`).
pub const CAPTURES: &[&str] = &["HANDLER", "MODEL", "ID"];

/// Every Python look-up contains one of these.
pub const PYTHON_NEEDS: &[&str] = &[
    "objects",
    "_manager",
    "get_object_or_404",
    "query",
    "select(",
    ".get(",
    "get_or_404",
    "where(",
    "queryset",
    "model",
];
/// Every Rust look-up contains one of these.
pub const RUST_NEEDS: &[&str] = &["query", "execute", "find(", ".eq("];

/// Calls that perform an object-level authorization check: DRF's
/// `check_object_permissions(request, obj)`, `has_perm(perm, obj)`, `authorize(…)`,
/// `ensure_owner(…)`, `can_view(…)`.
pub fn is_authz_call(name: &str) -> bool {
    static AUTHZ: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)^(check_object_permissions?|has_object_permission|has_perms?|has_\w*permission|check_\w*(perm|owner|access|ownership)\w*|\w*authori[sz]e\w*|ensure_\w*(owner|access|perm|belongs)\w*|verify_\w*(owner|access|ownership)\w*|assert_\w*(owner|access|perm|belongs)\w*|require_\w*(owner|access|perm)\w*|can_\w+|user_can_\w+|is_owner|owns|belongs_to\w*|enforce|permissions?)$",
        )
        .expect("the authorization regex is valid")
    });
    AUTHZ.is_match(name)
}

/// Calls through which a request value stops being the id the client chose: a token resolved,
/// a signed value checked, a row looked up (`get_subscriber_id_from_token(...)`,
/// `signing.loads(...)`, `urlsafe_base64_decode(...)`).
pub fn is_barrier_call(name: &str) -> bool {
    static BARRIER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)token|verify|unsign|signer|signing|decrypt|decode|lookup|resolve|fetch|find|query|select|from_db|load_|_for_user|for_caller",
        )
        .expect("the barrier regex is valid")
    });
    BARRIER.is_match(name)
}

/// Calls that only record or report, whatever arguments they get.
pub fn is_reporting_call(name: &str) -> bool {
    matches!(
        name,
        "debug"
            | "info"
            | "warning"
            | "warn"
            | "error"
            | "exception"
            | "critical"
            | "log"
            | "print"
            | "println"
            | "format"
            | "success"
            | "add_message"
            | "send"
            | "delay"
            | "apply_async"
            | "Response"
            | "JsonResponse"
            | "jsonify"
            | "render"
            | "Json"
    ) || name.ends_with("Serializer")
}

/// A column or keyword that names an object's identifier: `pk`, `id`, `uuid`, `invoice_id`,
/// `public_uuid`, `pk__exact`.
pub fn is_id_name(name: &str) -> bool {
    let name = name
        .trim_end_matches("__exact")
        .trim_end_matches("__iexact")
        .to_ascii_lowercase();
    let column = name.rsplit("__").next().unwrap_or(&name);
    matches!(column, "pk" | "id" | "uuid")
        || column.ends_with("_id")
        || column.ends_with("_pk")
        || column.ends_with("_uuid")
}

/// Whether the identifiers of a condition tie the object (one of `names`) to the caller: it
/// mentions one of `names` and a caller word that is not one of them (class names, such as
/// `Account` in `Account.id`, do not count).
pub fn ties_to_caller<'a>(tokens: impl IntoIterator<Item = &'a str>, names: &[String]) -> bool {
    let (mut mentions, mut caller) = (false, false);
    for token in tokens {
        if names.iter().any(|name| name == token) {
            mentions = true;
        } else if !token.starts_with(|c: char| c.is_ascii_uppercase()) && is_caller_word(token) {
            caller = true;
        }
    }
    mentions && caller
}

/// A look-up by a single request id in SQL text: the table and which placeholder holds the id.
#[derive(Debug, PartialEq, Eq)]
pub struct SqlLookup {
    pub table: String,
    /// The id column compared with the placeholder (`id`, `card_id`).
    pub id_column: String,
    /// Zero-based index into the bound values of the placeholder compared with the id column.
    pub id_value: usize,
    /// Zero-based indexes of the other values bound in `WHERE` and `JOIN … ON`.
    pub other_conditions: Vec<usize>,
}

/// Parse a `SELECT`/`UPDATE`/`DELETE` that finds rows by an id column compared with a
/// placeholder (`$1` or `?`). Placeholders outside `WHERE`/`JOIN … ON` (in `SET`, `LIMIT`) are
/// not conditions.
pub fn sql_lookup(sql: &str) -> Option<SqlLookup> {
    static TABLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?is)^\s*(?:select\b.*?\bfrom|update|delete\s+from)\s+([A-Za-z_][\w.]*)")
            .expect("the table regex is valid")
    });
    static PLACEHOLDER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\$(\d+)|\?|%s").expect("the placeholder regex is valid"));
    static ID_CONDITION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:[A-Za-z_]\w*\.)?([A-Za-z_]\w*)\s*=\s*(\$\d+|\?|%s)")
            .expect("the condition regex is valid")
    });
    static CONDITIONS_END: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(order\s+by|group\s+by|limit|offset|returning|for\s+update|for\s+share|having|union)\b",
        )
        .expect("the clause regex is valid")
    });
    static CONDITIONS_START: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\b(where|join)\b").expect("the where regex is valid"));
    let table = TABLE.captures(sql)?.get(1)?.as_str().to_string();
    let start = CONDITIONS_START.find(sql)?.start();
    if !sql[start..].to_ascii_lowercase().contains("where") {
        return None;
    }
    let end = CONDITIONS_END
        .find_at(sql, start)
        .map_or(sql.len(), |m| m.start());
    // Map each placeholder to its bound value: `$n` names it, `?` and `%s` count from the start.
    let index_of = |at: usize, text: &str| -> Option<usize> {
        match text.strip_prefix('$') {
            Some(number) => number.parse::<usize>().ok()?.checked_sub(1),
            None if text == "%s" => Some(sql[..at].matches("%s").count()),
            None => Some(sql[..at].matches('?').count()),
        }
    };
    let conditions = &sql[start..end];
    if is_public_condition(conditions) {
        return None;
    }
    let mut id_value = None;
    for found in ID_CONDITION.captures_iter(conditions) {
        let (column, placeholder) = (found.get(1)?, found.get(2)?);
        if is_id_name(column.as_str()) && id_value.is_none() {
            let index = index_of(start + placeholder.start(), placeholder.as_str())?;
            id_value = Some((index, column.as_str().to_string()));
        }
    }
    let (id_value, id_column) = id_value?;
    let mut other_conditions: Vec<usize> = PLACEHOLDER
        .find_iter(conditions)
        .filter_map(|m| index_of(start + m.start(), m.as_str()))
        .filter(|index| *index != id_value)
        .collect();
    other_conditions.dedup();
    Some(SqlLookup {
        table,
        id_column,
        id_value,
        other_conditions,
    })
}

/// Models and tables that hold public or reference data rather than anything a user owns: a
/// catalogue, taxonomies, currencies, the framework's own metadata. Any CamelCase or snake_case
/// word of the name counts (`ProductReview`, `merchant_categories`).
pub fn is_reference_model(name: &str) -> bool {
    const REFERENCE: &[&str] = &[
        "product",
        "catalog",
        "catalogue",
        "category",
        "tag",
        "brand",
        "country",
        "currency",
        "language",
        "locale",
        "region",
        "timezone",
        "faq",
        "article",
        "post",
        "blog",
        "page",
        "flatpage",
        "contenttype",
        "permission",
        "site",
        "migration",
    ];
    name_words(name).iter().any(|word| {
        let singular = if let Some(stem) = word.strip_suffix("ies") {
            format!("{stem}y")
        } else {
            word.strip_suffix('s').unwrap_or(word).to_string()
        };
        REFERENCE.contains(&word.as_str()) || REFERENCE.contains(&singular.as_str())
    }) || name.eq_ignore_ascii_case("ContentType")
        || name.eq_ignore_ascii_case("django_content_type")
}

/// OAuth clients are looked up by the `client_id` a client sends to identify itself.
pub fn is_oauth_client(model: &str, id: &str) -> bool {
    let model = model.to_ascii_lowercase();
    id.to_ascii_lowercase().contains("client_id")
        && (model.ends_with("client")
            || model.ends_with("clients")
            || model.contains("application"))
}

/// Conditions that restrict a look-up to published objects: `is_public=True`, `published`.
pub fn is_public_condition(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("public") || name.contains("published") || name.contains("visible")
}

/// Shorten an expression for a message.
pub fn brief(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 40 {
        let cut: String = flat.chars().take(37).collect();
        format!("{cut}...")
    } else {
        flat
    }
}

fn finding(bytes: Range<usize>, handler: &str, model: &str, id: &str) -> Match {
    Match {
        bytes,
        captures: vec![
            ("HANDLER", handler.to_string()),
            ("MODEL", model.to_string()),
            ("ID", brief(id)),
        ],
        related: Vec::new(),
        link_checks: Vec::new(),
    }
}

/// A project function one of whose parameters is, alone, what it loads a row by, and which
/// returns that row (or writes it): `def get_order(order_id): return
/// Order.query.get(order_id)`, `async fn load_card(pool: &PgPool, id: i64) -> Result<Card>`.
/// Computed per file with the project facts; a handler in any file that hands the function a
/// request id is judged at its call as if it made the look-up itself.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LookupSummary {
    /// The function and the parameter its look-up is keyed by.
    pub sink: ParamSink,
    /// The model or table loaded.
    pub model: String,
    /// The model's class by qualified name, when the helper's file imports or defines it.
    #[serde(default)]
    pub model_class: Option<String>,
    /// The column or keyword the parameter is compared with (`pk`, `id`, `username`).
    pub key: String,
    /// Where the look-up is: the file's display path and position.
    pub path: String,
    pub start: Position,
}

impl LookupSummary {
    /// The function's name as a handler calls it (`get_order` of `OrderRepo.get_order`).
    pub fn short_name(&self) -> &str {
        let name = &self.sink.function.name;
        name.rsplit(['.', ':']).next().unwrap_or(name)
    }

    /// The look-up, as a place that explains a finding at the handler's call.
    pub fn related(&self) -> Related {
        Related {
            path: self.path.clone(),
            start: self.start,
            message: format!(
                "`{}()` loads `{}` by `{}` = its parameter `{}`, with no other condition",
                self.short_name(),
                self.model,
                self.key,
                self.sink.parameter
            ),
        }
    }
}

/// The functions of one file that load a row by one of their parameters alone and return it.
pub fn summaries(file: &ParsedFile) -> Vec<LookupSummary> {
    let mut out = Vec::new();
    match file.language() {
        Language::Python => {
            if PYTHON_NEEDS
                .iter()
                .any(|needle| file.source.text.contains(needle))
            {
                python::summaries(file, &mut out);
            }
        }
        Language::Rust => {
            if RUST_NEEDS
                .iter()
                .any(|needle| file.source.text.contains(needle))
            {
                rust::summaries(file, &mut out);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A finding at a handler's call of a function a [`LookupSummary`] describes.
fn helper_finding(bytes: Range<usize>, handler: &str, summary: &LookupSummary, id: &str) -> Match {
    // The message quotes the model: `Order` through `find_order()`.
    let model = format!("{}` through `{}()", summary.model, summary.short_name());
    let mut found = finding(bytes, handler, &model, id);
    found.related.push(summary.related());
    found
}

/// A column that identifies a row by a value people know rather than a surrogate id: a user
/// name, an e-mail address, an account or card number (`username`, `email`, `acct_no`,
/// `account_number`, `iban`). Not slugs, titles or codes, which name public pages.
pub fn is_natural_key(name: &str) -> bool {
    static NATURAL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)^(username|user_name|login|email|email_address|phone|phone_number|mobile|msisdn|iban|acct_no|acct_num|acct_number|account_no|account_num|account_number|number|card_number|card_no|pan|ssn|national_id|tax_id|customer_number|member_number|policy_number|handle)$",
        )
        .expect("the natural key regex is valid")
    });
    let name = name
        .trim_end_matches("__exact")
        .trim_end_matches("__iexact");
    let column = name.rsplit("__").next().unwrap_or(name);
    NATURAL.is_match(column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ownership::{is_account_model, is_private_field};

    #[test]
    fn id_names() {
        for name in [
            "pk",
            "id",
            "uuid",
            "invoice_id",
            "pk__exact",
            "card__id",
            "public_uuid",
        ] {
            assert!(is_id_name(name), "{name}");
        }
        for name in ["number", "status", "paid", "slug", "valid"] {
            assert!(!is_id_name(name), "{name}");
        }
    }

    #[test]
    fn natural_keys_and_account_models() {
        for name in [
            "username",
            "email",
            "acct_no",
            "account_number",
            "user__email",
            "iban",
        ] {
            assert!(is_natural_key(name), "{name}");
        }
        for name in ["slug", "title", "code", "name", "status", "id"] {
            assert!(!is_natural_key(name), "{name}");
        }
        for name in ["User", "Account", "CustomerProfile", "wallets", "BankCard"] {
            assert!(is_account_model(name), "{name}");
        }
        for name in ["Event", "Product", "Page", "Order"] {
            assert!(!is_account_model(name), "{name}");
        }
        for name in [
            "email",
            "balance",
            "iban",
            "password_hash",
            "api_key",
            "card_number",
        ] {
            assert!(is_private_field(name), "{name}");
        }
        for name in [
            "username",
            "bio",
            "avatar",
            "display_name",
            "title",
            "cardinal",
        ] {
            assert!(!is_private_field(name), "{name}");
        }
    }

    #[test]
    fn caller_words() {
        for word in [
            "user",
            "owner_id",
            "request_user",
            "is_owner",
            "account_holder_id",
            "has_perm",
        ] {
            assert!(is_caller_word(word), "{word}");
        }
        for word in ["invoice", "status", "userland", "payment_id", "id"] {
            assert!(!is_caller_word(word), "{word}");
        }
    }

    #[test]
    fn reference_models() {
        for name in [
            "Product",
            "ProductReview",
            "ContentType",
            "merchant_categories",
            "Currency",
        ] {
            assert!(is_reference_model(name), "{name}");
        }
        for name in [
            "Invoice",
            "Payment",
            "cards",
            "Account",
            "Postings",
            "PaymentPlan",
        ] {
            assert!(!is_reference_model(name), "{name}");
        }
        assert!(is_oauth_client("Client", "client_id"));
        assert!(!is_oauth_client("Invoice", "client_id"));
        assert!(is_public_condition("is_public"));
    }

    #[test]
    fn sql_lookups() {
        let found = sql_lookup("SELECT id, total FROM invoices WHERE id = $1").unwrap();
        assert_eq!(found.table, "invoices");
        assert_eq!(found.id_value, 0);
        assert!(found.other_conditions.is_empty());

        let found = sql_lookup("UPDATE payments SET status = $1 WHERE payment_id = $2").unwrap();
        assert_eq!((found.table.as_str(), found.id_value), ("payments", 1));
        assert!(found.other_conditions.is_empty());

        let found = sql_lookup("DELETE FROM cards WHERE id = ? AND user_id = ?").unwrap();
        assert_eq!(found.id_value, 0);
        assert_eq!(found.other_conditions, vec![1]);

        let found = sql_lookup(
            "SELECT p.status FROM payments p JOIN accounts a ON a.id = p.account_id \
             WHERE p.id = $1 AND a.owner_id = $2",
        )
        .unwrap();
        assert_eq!((found.table.as_str(), found.id_value), ("payments", 0));
        assert_eq!(found.other_conditions, vec![1]);

        let found = sql_lookup("SELECT * FROM cards WHERE id = %s AND user_id = %s").unwrap();
        assert_eq!((found.table.as_str(), found.id_value), ("cards", 0));
        assert_eq!(found.other_conditions, vec![1]);

        let found = sql_lookup("SELECT * FROM t WHERE id = $1 ORDER BY id LIMIT $2").unwrap();
        assert!(found.other_conditions.is_empty());

        assert!(sql_lookup("SELECT * FROM invoices WHERE status = $1").is_none());
        assert!(sql_lookup("INSERT INTO invoices (id) VALUES ($1)").is_none());
        assert!(sql_lookup("SELECT * FROM invoices").is_none());
    }

    #[test]
    fn authz_calls() {
        for name in [
            "check_object_permissions",
            "has_perm",
            "authorize",
            "ensure_owner",
            "can_view",
            "Permission",
        ] {
            assert!(is_authz_call(name), "{name}");
        }
        for name in [
            "get",
            "save",
            "canonical",
            "serialize",
            "get_permission_label",
        ] {
            assert!(!is_authz_call(name), "{name}");
        }
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;
    use crate::source::SourceFile;
    use std::path::PathBuf;

    /// `function(parameter) → model` for each summary of a file.
    fn summarised(path: &str, language: Language, text: &str) -> Vec<String> {
        let source = SourceFile::new(PathBuf::from(path), path.into(), language, text.into());
        let tree = crate::parse::tree(&source).unwrap();
        let parsed = ParsedFile::new(&source, &tree);
        summaries(&parsed)
            .into_iter()
            .map(|s| {
                format!(
                    "{}({}:{}) -> {}",
                    s.sink.function.name, s.sink.index, s.sink.parameter, s.model
                )
            })
            .collect()
    }

    #[test]
    fn python_helpers_keyed_by_one_parameter_are_summarised() {
        let text = "\
def get_order(order_id):
    return Order.query.get(order_id)

def get_account(db, pk):
    account = Account.objects.get(pk=int(pk))
    return account

def by_email(db, email):
    return db.query(User).filter(User.email == email).first()

def owned(order_id, user):
    return Order.query.filter_by(id=order_id, user_id=user.id).first()

def exists(order_id):
    return Order.query.filter_by(id=order_id).count()

def checked(order_id):
    order = Order.query.get(order_id)
    if order.owner_id != current_user.id:
        abort(403)
    return order

def any_model(cls, pk):
    return cls.objects.get(pk=pk)

class Repo:
    def load(self, card_id):
        return Card.objects.get(pk=card_id)
";
        assert_eq!(
            summarised("shop/queries.py", Language::Python, text),
            vec![
                "Repo.load(0:card_id) -> Card",
                "by_email(1:email) -> User",
                "get_account(1:pk) -> Account",
                "get_order(0:order_id) -> Order",
            ]
        );
    }

    #[test]
    fn rust_helpers_keyed_by_one_parameter_are_summarised() {
        let text = r#"
pub async fn load(pool: &PgPool, id: i64) -> Result<Order, sqlx::Error> {
    sqlx::query_as!(Order, "SELECT * FROM orders WHERE id = $1", id).fetch_one(pool).await
}
pub async fn owned(pool: &PgPool, id: i64, owner: i64) -> Result<Order, sqlx::Error> {
    sqlx::query_as!(Order, "SELECT * FROM orders WHERE id = $1 AND owner_id = $2", id, owner).fetch_one(pool).await
}
pub async fn exists(pool: &PgPool, id: i64) -> bool {
    let found = sqlx::query_scalar!("SELECT id FROM orders WHERE id = $1", id).fetch_optional(pool).await;
    matches!(found, Ok(Some(_)))
}
"#;
        assert_eq!(
            summarised("src/repo.rs", Language::Rust, text),
            vec!["load(1:id) -> orders"]
        );
    }
}
