//! Whether a value is an object rather than text: a rule that judges a value by its name
//! (`token`, `password`) is less sure when the code treats the value as a model or other
//! object, whose printed form is its class's `__repr__`, not the secret.

use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::{ancestor_of_kind, descendants, named_children, FieldChild};
use tree_sitter::Node;

/// Methods and attributes of `str`, `bytes` and `dict`: reading one says nothing about the
/// value being an object (a dict of tokens prints them).
const TEXT_AND_DICT_MEMBERS: &[&str] = &[
    "capitalize",
    "casefold",
    "center",
    "count",
    "encode",
    "decode",
    "endswith",
    "expandtabs",
    "find",
    "format",
    "format_map",
    "index",
    "isalnum",
    "isalpha",
    "isascii",
    "isdecimal",
    "isdigit",
    "isidentifier",
    "islower",
    "isnumeric",
    "isprintable",
    "isspace",
    "istitle",
    "isupper",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "partition",
    "removeprefix",
    "removesuffix",
    "replace",
    "rfind",
    "rindex",
    "rjust",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "swapcase",
    "title",
    "translate",
    "upper",
    "zfill",
    "hex",
    "get",
    "items",
    "keys",
    "values",
    "copy",
    "update",
    "pop",
    "setdefault",
];

/// Session methods that take ORM objects.
const SESSION_METHODS: &[&str] = &["add", "delete", "merge", "expunge", "refresh", "flush"];

/// Whether the Python value named at `node` (an identifier, or the attribute it ends, as
/// `token` in `self.token`) is used as an object in its function: an attribute other than a
/// text or dict member is read from it (`token.revoke()`, `self.token.id`, `getattr(token,
/// "scope")`), it is built by a class (`token = PersonalToken(user=u)`), it is a parameter
/// annotated with a class (`auth: UserAPIKeyAuth`), or a database session adds or deletes it.
pub fn used_as_object(file: &ParsedFile, node: Node) -> bool {
    if file.language() != Language::Python {
        return false;
    }
    let value = node
        .parent()
        .filter(|parent| {
            parent.kind() == "attribute"
                && parent
                    .field_child("attribute")
                    .is_some_and(|attribute| attribute.id() == node.id())
        })
        .unwrap_or(node);
    let written = file.text(value);
    let Some(function) = ancestor_of_kind(node, &["function_definition"]) else {
        return false;
    };
    if super::across::parameter_type(file, node, written).is_some_and(names_class) {
        return true;
    }
    descendants(function).any(|n| match n.kind() {
        "attribute" => {
            n.field_child("object")
                .is_some_and(|object| file.text(object) == written)
                && n.field_child("attribute")
                    .is_some_and(|member| !TEXT_AND_DICT_MEMBERS.contains(&file.text(member)))
        }
        "assignment" => {
            n.field_child("left")
                .is_some_and(|left| file.text(left) == written)
                && n.field_child("right")
                    .is_some_and(|right| built_by_class(file, right))
        }
        "call" if reads_member(file, n, written) => true,
        "call" => {
            n.field_child("function").is_some_and(|callee| {
                let callee = file.text(callee);
                callee.rsplit_once('.').is_some_and(|(receiver, method)| {
                    receiver.ends_with("session") && SESSION_METHODS.contains(&method)
                })
            }) && n.field_child("arguments").is_some_and(|args| {
                named_children(args)
                    .iter()
                    .any(|arg| file.text(*arg) == written)
            })
        }
        _ => false,
    })
}

/// Whether an annotation names a class of objects: a plain name, optional or not, whose last
/// part is capitalised and is no text, container or typing construct (`UserAPIKeyAuth`,
/// `Optional[models.Token]`; not `str`, `SecretStr`, `Dict[str, str]`, `Any`).
fn names_class(annotation: &str) -> bool {
    const NOT_OBJECTS: &[&str] = &[
        "Any",
        "AnyStr",
        "Text",
        "Mapping",
        "MutableMapping",
        "Dict",
        "List",
        "Sequence",
        "Iterable",
        "Tuple",
        "Set",
        "FrozenSet",
        "Union",
        "Literal",
        "Callable",
        "Type",
        "Final",
        "Annotated",
        "Json",
        "JSON",
    ];
    let mut name = annotation.trim();
    if let Some(inner) = name
        .strip_prefix("Optional[")
        .and_then(|rest| rest.strip_suffix(']'))
    {
        name = inner.trim();
    }
    if let Some(inner) = name
        .strip_suffix("| None")
        .or_else(|| name.strip_suffix("|None"))
    {
        name = inner.trim();
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    crate::app::guards::is_name(name) && !NOT_OBJECTS.contains(&last) && is_class_name(last)
}

/// Whether `call` reads a member other than a text or dict one from the value `written` by
/// name: `getattr(auth, "user_role")`, `hasattr(token, "scope")`.
fn reads_member(file: &ParsedFile, call: Node, written: &str) -> bool {
    let reads = call
        .field_child("function")
        .is_some_and(|callee| matches!(file.text(callee), "getattr" | "hasattr"));
    let arguments = call
        .field_child("arguments")
        .map(|args| named_children(args))
        .unwrap_or_default();
    reads
        && arguments
            .first()
            .is_some_and(|object| file.text(*object) == written)
        && arguments.get(1).is_some_and(|member| {
            member.kind() == "string"
                && !TEXT_AND_DICT_MEMBERS.contains(&file.text(*member).trim_matches(['"', '\'']))
        })
}

/// A call of a class (its name capitalised, and not a text type).
fn built_by_class(file: &ParsedFile, value: Node) -> bool {
    let value = if value.kind() == "await" {
        value.named_child(0).unwrap_or(value)
    } else {
        value
    };
    value.kind() == "call"
        && value.field_child("function").is_some_and(|callee| {
            let written = file.text(callee);
            is_class_name(written.rsplit('.').next().unwrap_or(written))
        })
}

/// A class's name by Python's convention (capitalised), and not a text type's (`SecretStr`,
/// `Bytes`).
fn is_class_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.chars().next().is_some_and(char::is_uppercase)
        && !lower.contains("str")
        && !lower.contains("bytes")
}
