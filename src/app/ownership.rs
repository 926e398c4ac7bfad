//! Whether a model's rows belong to someone, from its declaration: what the class-level fields
//! of ORM models (Django, SQLAlchemy, SQLModel, Peewee) say, kept with each class's facts and
//! judged once the project is linked. A model no field ties to an owner or a person's private
//! data, with no foreign key, not named like an account, and no account model pointing to it,
//! is shared reference data (a menu, a price list): a row looked up by a client's id is no
//! one's in particular.

use super::guards::{ClassFact, Judge};
use crate::parse::ParsedFile;
use crate::syntax::{descendants, name_words, named_children, FieldChild};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use tree_sitter::Node;

/// Words that tie a condition to the caller: `owner_id`, `request.user`, `current_user`,
/// `merchant`, `has_perm`.
const CALLER_WORDS: &[&str] = &[
    "user",
    "users",
    "current_user",
    "owner",
    "owners",
    "owned",
    "customer",
    "merchant",
    "tenant",
    "org",
    "organization",
    "organisation",
    "company",
    "member",
    "members",
    "membership",
    "team",
    "workspace",
    "account",
    "accounts",
    "holder",
    "cardholder",
    "principal",
    "identity",
    "claims",
    "subject",
    "author",
    "created_by",
    "perm",
    "perms",
    "permission",
    "permissions",
];

/// Whether an identifier refers to the caller or to an ownership relation (`owner_id`,
/// `request_user`, `is_owner`, `account_holder_id`).
pub fn is_caller_word(token: &str) -> bool {
    let token = token.to_ascii_lowercase();
    CALLER_WORDS.iter().any(|word| {
        token == *word
            || token.starts_with(&format!("{word}_"))
            || token.ends_with(&format!("_{word}"))
            || token.contains(&format!("_{word}_"))
    })
}

/// Models whose rows belong to one person or account by their name (`User`, `Account`,
/// `CustomerProfile`, `wallets`): a look-up of one of them by a natural key reads another
/// user's data. Only the confidence of a finding depends on it.
pub fn is_account_model(name: &str) -> bool {
    const ACCOUNT: &[&str] = &[
        "user",
        "account",
        "customer",
        "profile",
        "member",
        "wallet",
        "card",
        "client",
        "person",
        "employee",
        "patient",
        "holder",
        "payee",
        "beneficiary",
        "subscriber",
        "contact",
        "identity",
        "statement",
        "balance",
        "loan",
        "policy",
    ];
    names_one_of(name, ACCOUNT)
}

/// Whether a word of `name` (`CustomerProfile` → customer, profile), or its singular, is one of
/// `words`.
fn names_one_of(name: &str, words: &[&str]) -> bool {
    name_words(name).iter().any(|word| {
        let singular = word.strip_suffix('s').unwrap_or(word);
        words.contains(&word.as_str()) || words.contains(&singular)
    })
}

/// Models that stand for a person (`User`, `CustomerProfile`, `Member`): whatever their own
/// columns say (`class User(AbstractUser): pass` inherits them), a row linked to one is theirs.
fn is_person_model(name: &str) -> bool {
    const PERSON: &[&str] = &[
        "user",
        "customer",
        "profile",
        "member",
        "person",
        "employee",
        "patient",
        "client",
        "subscriber",
        "holder",
        "owner",
        "tenant",
        "organization",
        "organisation",
        "merchant",
    ];
    names_one_of(name, PERSON)
}

/// Fields whose values are one person's private data (`email`, `balance`, `iban`,
/// `password_hash`, `api_key`): reading one into a response exposes the row's owner.
pub fn is_private_field(name: &str) -> bool {
    static PRIVATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)(^|_)(email|phone|mobile|address|balance|iban|bic|card|pan|cvv|ssn|salary|income|dob|birth|birthday|password|passwd|secret|token|api_key|apikey|otp|pin|account_number|acct|transactions?|statements?|payments?|invoices?|orders?|notes|private)(_|$|s$)",
        )
        .expect("the private field regex is valid")
    });
    PRIVATE.is_match(name)
}

/// What a class's class-level fields say about ownership.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelFields {
    /// Some field is named for the caller or an owner (`user`, `owner_id`, `account`), or
    /// holds one person's private data (`email`, `password`, `balance`): the row is someone's.
    pub owner: bool,
    /// Some such field is a plain column, not a relation (`user_id = Column(Integer)`,
    /// `email = CharField()`): the row names its owner itself rather than through the model
    /// it links to.
    #[serde(default)]
    pub owner_column: bool,
    /// The models or tables its foreign keys and relationships name, as written (`User`,
    /// `orders.id`, `settings.AUTH_USER_MODEL`).
    pub references: Vec<String>,
}

/// Calls that declare a column linking to another model. (SQLAlchemy's `relationship()` is
/// not one: without a foreign key of the class it is the other side's link, a menu item's
/// `order_items`.)
const RELATIONS: &[&str] = &[
    "ForeignKey",
    "OneToOneField",
    "ManyToManyField",
    "ForeignKeyField",
];

/// The ownership facts of the Python class `class`'s own fields.
pub fn python_fields(file: &ParsedFile, class: Node) -> ModelFields {
    let mut fields = ModelFields::default();
    let Some(body) = class.field_child("body") else {
        return fields;
    };
    for statement in named_children(body) {
        let Some(assignment) = statement
            .named_child(0)
            .filter(|assignment| assignment.kind() == "assignment")
        else {
            continue;
        };
        let Some(name) = assignment
            .field_child("left")
            .filter(|left| left.kind() == "identifier")
        else {
            continue;
        };
        let value = assignment.field_child("right");
        let annotation = assignment.field_child("type");
        if value.is_none() && annotation.is_none() {
            continue;
        }
        // `order_items = relationship("OrderItem")`: the other side's link, no column here.
        let reverse = value
            .filter(|value| value.kind() == "call")
            .and_then(|call| call.field_child("function"))
            .is_some_and(|callee| {
                let callee = file.text(callee);
                matches!(
                    callee.rsplit('.').next(),
                    Some("relationship" | "Relationship")
                )
            });
        if reverse {
            continue;
        }
        let name = file.text(name);
        let owner = !is_flag(file, name, value, annotation)
            && !is_position(file, name, value, annotation)
            && ((is_caller_word(name) && !is_display_name(file, name, value))
                || is_private_field(name));
        let links: Vec<String> = [value, annotation]
            .into_iter()
            .flatten()
            .flat_map(|part| references(file, part))
            .collect();
        fields.owner |= owner;
        fields.owner_column |= owner && links.is_empty();
        fields.references.extend(links);
    }
    fields
}

/// Whether a field holds a yes/no flag (`is_bank_account = BooleanField()`, `has_owner: bool`):
/// a flag names a property of the row, never who owns it.
fn is_flag(file: &ParsedFile, name: &str, value: Option<Node>, annotation: Option<Node>) -> bool {
    let boolean_type = |node| typed_as(file, node, "bool", "BooleanField", &["Boolean"]);
    name.starts_with("is_")
        || name.starts_with("has_")
        || [value, annotation].into_iter().flatten().any(boolean_type)
}

/// Whether a field's value or annotation declares the type: the Python type (`bool`,
/// `Mapped[bool]`), a Django or DRF field whose class ends with `field` (`BooleanField`,
/// `PositiveIntegerField`), or a SQLAlchemy column of one of `columns` (`Column(Boolean)`).
fn typed_as(file: &ParsedFile, node: Node, python: &str, field: &str, columns: &[&str]) -> bool {
    let text = file.text(node);
    text == python
        || text.contains(&format!("Mapped[{python}]"))
        || descendants(node)
            .filter(|call| call.kind() == "call")
            .filter_map(|call| call.field_child("function"))
            .any(|callee| file.text(callee).ends_with(field))
        || columns
            .iter()
            .any(|column| value_is_column_of(file, node, column))
}

/// Whether a field holds a sort position (`order = models.IntegerField(default=0)`,
/// `display_order: Mapped[int]`): an integer named for an order is where the row sorts, not a
/// customer's order.
fn is_position(
    file: &ParsedFile,
    name: &str,
    value: Option<Node>,
    annotation: Option<Node>,
) -> bool {
    let integer = |node| {
        typed_as(
            file,
            node,
            "int",
            "IntegerField",
            &["Integer", "SmallInteger"],
        )
    };
    (name == "order" || name.ends_with("_order"))
        && [value, annotation].into_iter().flatten().any(integer)
}

/// Whether a field named for a person holds a name to display rather than a link to the
/// person (`license_author = models.CharField(…)`, the attribution of a licensed text): a text
/// column whose name does not say it holds an identifier (`owner_id`, `username`).
fn is_display_name(file: &ParsedFile, name: &str, value: Option<Node>) -> bool {
    const IDENTIFIERS: &[&str] = &["id", "uuid", "username", "login", "email", "key"];
    let identifies = name
        .rsplit('_')
        .next()
        .is_some_and(|last| IDENTIFIERS.contains(&last));
    let text = value.is_some_and(|value| {
        value.kind() == "call"
            && value.field_child("function").is_some_and(|callee| {
                matches!(
                    file.text(callee).rsplit('.').next(),
                    Some("CharField" | "TextField")
                )
            })
    });
    text && !identifies && name.contains('_')
}

/// Whether `node` is a SQLAlchemy `Column(Boolean, …)` / `mapped_column(Boolean)` of `kind`.
fn value_is_column_of(file: &ParsedFile, node: Node, kind: &str) -> bool {
    node.kind() == "call"
        && node
            .field_child("arguments")
            .and_then(|arguments| arguments.named_child(0))
            .is_some_and(|first| {
                let text = file.text(first);
                text == kind
                    || text.ends_with(&format!(".{kind}"))
                    || text.starts_with(&format!("{kind}("))
            })
}

/// The targets named by the relation calls in a field's value: the first argument, or
/// SQLModel's `foreign_key=`.
fn references(file: &ParsedFile, value: Node) -> Vec<String> {
    descendants(value)
        .filter(|node| node.kind() == "call")
        .filter_map(|call| {
            let callee = file.text(call.field_child("function")?);
            let last = callee.rsplit('.').next().unwrap_or(callee);
            let arguments = named_children(call.field_child("arguments")?);
            let target = if RELATIONS.contains(&last) {
                // `ForeignKey(User, …)` or `ManyToManyField(to=ContentType, …)`.
                arguments
                    .iter()
                    .find_map(|argument| match argument.kind() {
                        "keyword_argument" => argument
                            .field_child("name")
                            .filter(|name| file.text(*name) == "to")
                            .and_then(|_| argument.field_child("value")),
                        _ => Some(*argument),
                    })?
            } else {
                arguments.iter().find_map(|argument| {
                    let name = argument.field_child("name")?;
                    (argument.kind() == "keyword_argument" && file.text(name) == "foreign_key")
                        .then(|| argument.field_child("value"))
                        .flatten()
                })?
            };
            let target = file.text(target).trim_matches(['"', '\'']);
            (!names_content_types(file, target)).then(|| target.to_string())
        })
        .collect()
}

/// Whether a relation's target is Django's registry of model classes (`ContentType`, imported
/// from `django.contrib.contenttypes.models`, or `"contenttypes.ContentType"`): its rows describe
/// the project's models and belong to no one, so a link to them names no owner.
fn names_content_types(file: &ParsedFile, target: &str) -> bool {
    target == "contenttypes.ContentType"
        || file
            .symbols()
            .resolve(crate::source::Language::Python, target)
            .qualified()
            .is_some_and(|name| name == "django.contrib.contenttypes.models.ContentType")
}

/// Whether the model `qualified` is shared reference data by the project's declarations: its
/// class is found, neither it nor a project class it derives from has an owner or private field
/// or a foreign key, it is not named like an account, and no account model (`User`, `Account`,
/// `Customer`) names it in a foreign key.
pub(super) fn is_shared(judge: &Judge, qualified: &str) -> bool {
    let lineage = judge.lineage_of_qualified(qualified).fields;
    if lineage.is_empty()
        || lineage
            .iter()
            .any(|fields| fields.owner || !fields.references.is_empty())
    {
        return false;
    }
    let name = qualified.rsplit('.').next().unwrap_or(qualified);
    if is_account_model(name) {
        return false;
    }
    !judge
        .classes()
        .filter(|class| is_account_model(&class.name))
        .flat_map(|class| &class.fields.references)
        .any(|reference| names_model(reference, name))
}

/// Whether the project declares the model `qualified` and neither it nor a project class it
/// derives from has a field named for an owner or holding one person's private data: rows of
/// a shared ledger, whatever they link to.
pub(super) fn is_unowned(judge: &Judge, qualified: &str) -> bool {
    let lineage = judge.lineage_of_qualified(qualified).fields;
    !lineage.is_empty() && lineage.iter().all(|fields| !fields.owner)
}

/// Whether the project declares `qualified`, and neither it nor any project model its foreign
/// keys reach (at any depth) names an owner or private data in a column of its own: a ledger
/// whose accounts, imports and lines belong to no user (`bank_account = ForeignKey(Account)`
/// on an `Account` no user owns), where a row fetched by id can be no one else's. A relation
/// to a model the project does not declare (`settings.AUTH_USER_MODEL`, `auth.User`) may be an
/// owner, so it keeps the row owned.
pub(super) fn reaches_no_owner(judge: &Judge, qualified: &str) -> bool {
    let lineage = judge.lineage_of_qualified(qualified).fields;
    if lineage.is_empty() || lineage.iter().any(|fields| fields.owner_column) {
        return false;
    }
    let name = qualified.rsplit('.').next().unwrap_or(qualified);
    if is_person_model(name) {
        return false;
    }
    let mut seen = vec![name.to_string()];
    let mut pending: Vec<String> = lineage
        .iter()
        .flat_map(|fields| fields.references.clone())
        .collect();
    while let Some(reference) = pending.pop() {
        if reference == "self" || seen.iter().any(|model| names_model(&reference, model)) {
            continue;
        }
        let targets: Vec<&ClassFact> = judge
            .classes()
            .filter(|class| names_model(&reference, &class.name))
            .collect();
        let owned = |class: &&ClassFact| class.fields.owner_column || is_person_model(&class.name);
        if targets.is_empty() || targets.iter().any(owned) {
            return false;
        }
        for class in targets {
            seen.push(class.name.clone());
            pending.extend(class.fields.references.iter().cloned());
        }
    }
    true
}

/// Whether a relation's target (`Card`, `app.Card`, `cards.id`, `card.id`) names the model.
fn names_model(reference: &str, model: &str) -> bool {
    let model = model.to_ascii_lowercase();
    let reference = reference.to_ascii_lowercase();
    let last = reference.rsplit('.').next().unwrap_or(&reference);
    let table = reference.split('.').next().unwrap_or(&reference);
    let singular = table
        .strip_suffix("ies")
        .map(|stem| format!("{stem}y"))
        .unwrap_or_else(|| table.strip_suffix('s').unwrap_or(table).to_string());
    last == model || table.replace('_', "") == model || singular.replace('_', "") == model
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Language;

    fn fields_of(text: &str) -> ModelFields {
        crate::parse::with_parsed("shop/models.py", Language::Python, text, |file| {
            let class = descendants(file.tree.root_node())
                .find(|node| node.kind() == "class_definition")
                .expect("a class");
            python_fields(file, class)
        })
    }

    #[test]
    fn fields_say_who_owns_a_row() {
        let menu = fields_of(
            "class MenuItem(Base):\n    id = Column(Integer, primary_key=True)\n    name = Column(String)\n    price: Mapped[float] = mapped_column()\n",
        );
        assert_eq!(menu, ModelFields::default());
        let order = fields_of(
            "class Order(models.Model):\n    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n",
        );
        assert!(order.owner);
        assert_eq!(order.references, ["settings.AUTH_USER_MODEL"]);
        let item = fields_of(
            "class Item(SQLModel, table=True):\n    basket_id: int = Field(foreign_key=\"baskets.id\")\n",
        );
        assert!(!item.owner);
        assert_eq!(item.references, ["baskets.id"]);
        let ledger = fields_of(
            "class Ledger(models.Model):\n    is_bank_account = models.BooleanField()\n    account_flag = Column(Boolean)\n",
        );
        assert!(!ledger.owner, "a yes/no flag names no owner");
        let upload = fields_of(
            "class Upload(models.Model):\n    bank_account = models.ForeignKey(Ledger, on_delete=models.CASCADE)\n    user_id = Column(Integer)\n",
        );
        assert!(upload.owner && upload.owner_column);
        let linked = fields_of(
            "class Upload(models.Model):\n    bank_account = models.ForeignKey(Ledger, on_delete=models.CASCADE)\n",
        );
        assert!(
            linked.owner && !linked.owner_column,
            "owned only through the model it links to"
        );
        let attributed = fields_of(
            "class Image(models.Model):\n    license_author = models.CharField(max_length=50)\n",
        );
        assert!(!attributed.owner, "an attribution names no owner");
        let by_name = fields_of(
            "class Note(models.Model):\n    owner_username = models.CharField(max_length=50)\n    author = models.CharField(max_length=50)\n",
        );
        assert!(
            by_name.owner,
            "a username or a bare `author` may be the owner"
        );
    }

    #[test]
    fn relation_targets_name_models_by_class_or_table() {
        assert!(names_model("Card", "Card"));
        assert!(names_model("cards.id", "Card"));
        assert!(names_model("app.models.Card", "Card"));
        assert!(names_model("menu_items.id", "MenuItem"));
        assert!(!names_model("orders.id", "Card"));
    }
}
