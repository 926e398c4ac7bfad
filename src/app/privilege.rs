//! Authorization apart from authentication: what a handler's own code grants. A handler that
//! writes a privilege (`user.role = …`, `target.is_admin = True`, `user.groups.add(…)`,
//! `User.objects.filter(…).update(is_staff=…)`) and never tests the caller's role or
//! permission is an administrator action; behind a login check alone, any signed-in user can
//! reach it (`missing-authorization` reports it with its own message).

use crate::parse::ParsedFile;
use crate::source::Language;
use crate::syntax::{descendants, FieldChild};
use regex::Regex;
use std::sync::LazyLock;
use tree_sitter::Node;

/// Fields and attributes that hold a privilege.
static PRIVILEGE_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(is_)?(admin|administrator|staff|superuser|super_user|superadmin|moderator)$|^(user_)?roles?$|^(user_)?permissions$|^access_level$|^privileges?$|^(isAdmin|isStaff|isSuperuser)$",
    )
    .expect("valid regex")
});

/// Methods that grant a role or a permission: `add_role`, `grant_permission`, `set_roles`.
static GRANTING_METHOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(add|set|grant|assign|give|promote)_(role|roles|permission|permissions|admin|staff|privilege|privileges)$|^(promote|make_admin|make_staff|grant_admin)$")
        .expect("valid regex")
});

/// Words that, in a condition or a call of the handler, test the caller's role or rights.
static ROLE_TEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)admin|staff|superuser|role|permission|has_perm|perms|privilege|scope|moderator|is_owner|can_")
        .expect("valid regex")
});

/// The privilege `function` writes, as written (`user.role = …`), when its own code grants one
/// without testing the caller's role or rights anywhere in it.
pub fn granted(file: &ParsedFile, function: Node) -> Option<String> {
    let grant = descendants(function).find_map(|node| grant(file, node))?;
    (!tests_role(file, function)).then_some(grant)
}

/// A write of a privilege at `node`.
fn grant(file: &ParsedFile, node: Node) -> Option<String> {
    match (file.language(), node.kind()) {
        // `user.role = data["role"]`, `target.is_admin = True`
        (Language::Python, "assignment") | (Language::Rust, "assignment_expression") => {
            let left = node.field_child("left")?;
            let field = match left.kind() {
                "attribute" => left.field_child("attribute")?,
                "field_expression" => left.field_child("field")?,
                _ => return None,
            };
            let value = node.field_child("right")?;
            (PRIVILEGE_FIELD.is_match(file.text(field)) && grants_value(file, value))
                .then(|| first_line(file.text(node)))
        }
        // `User.objects.filter(pk=pk).update(is_staff=True)`, `User(…, role=role)`
        (Language::Python, "keyword_argument") => {
            let name = node.field_child("name")?;
            let value = node.field_child("value")?;
            (PRIVILEGE_FIELD.is_match(file.text(name)) && grants_value(file, value) && {
                let call = node.parent()?.parent()?;
                call.kind() == "call" && writes_a_row(file, call)
            })
            .then(|| first_line(file.text(node)))
        }
        // `user.groups.add(admins)`, `user.add_role(role)`
        (Language::Python, "call") | (Language::Rust, "call_expression") => {
            let callee = node.field_child("function")?;
            let (receiver, method) = match callee.kind() {
                "attribute" => (
                    callee.field_child("object")?,
                    callee.field_child("attribute")?,
                ),
                "field_expression" => (callee.field_child("value")?, callee.field_child("field")?),
                _ => return None,
            };
            let method = file.text(method);
            let receiver = file.text(receiver);
            let group_add = matches!(method, "add" | "set")
                && (receiver.ends_with(".groups") || receiver.ends_with(".user_permissions"));
            (group_add || GRANTING_METHOD.is_match(method)).then(|| first_line(file.text(node)))
        }
        _ => None,
    }
}

/// A value that may grant something: anything but `False`, `None`, `0`, an empty collection
/// or a string literal (a fixed default role given to every caller).
fn grants_value(file: &ParsedFile, value: Node) -> bool {
    let text = file.text(value).trim();
    !matches!(
        value.kind(),
        "false" | "none" | "string" | "string_literal" | "integer" | "integer_literal"
    ) && !matches!(text, "false" | "[]" | "{}" | "()" | "None" | "vec![]")
}

/// A call that creates or updates stored rows: `update`, `create`, `update_or_create`, a model
/// instantiated with keywords (`User(role=…)`, a capitalised name).
fn writes_a_row(file: &ParsedFile, call: Node) -> bool {
    let Some(callee) = call.field_child("function") else {
        return false;
    };
    let text = file.text(callee);
    let last = text.rsplit('.').next().unwrap_or(text);
    // An object built only to be returned (`return CurrentUser(role=caller.role)`) is the
    // response, not a stored row.
    let returned = call
        .parent()
        .is_some_and(|p| p.kind() == "return_statement");
    matches!(
        last,
        "update" | "create" | "update_or_create" | "get_or_create" | "bulk_update"
    ) || (last.starts_with(|c: char| c.is_ascii_uppercase()) && !returned)
}

/// Whether the function tests the caller's role or rights: a condition (`if`, `elif`,
/// `assert`, a Rust `if`/`match` scrutinee) or a call (`has_perm(…)`, `check_permission(…)`)
/// whose text names a role, a permission or staff.
fn tests_role(file: &ParsedFile, function: Node) -> bool {
    descendants(function).any(|node| {
        let tested = match node.kind() {
            "if_statement" | "elif_clause" | "while_statement" | "if_expression" => {
                node.field_child("condition")
            }
            "match_expression" => node.field_child("value"),
            "assert_statement" => node.named_child(0),
            "call" | "call_expression" => node.field_child("function"),
            _ => None,
        };
        tested.is_some_and(|tested| {
            let text = file.text(tested);
            ROLE_TEST.is_match(text)
                && !GRANTING_METHOD.is_match(text.rsplit('.').next().unwrap_or(text))
        })
    })
}

fn first_line(text: &str) -> String {
    super::first_line_within(text, 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants_of(language: Language, path: &str, text: &str) -> Option<String> {
        crate::parse::with_first_function(path, language, text, granted)
    }

    #[test]
    fn python_privilege_writes_without_a_role_test() {
        let py = |text: &str| grants_of(Language::Python, "a.py", text);
        assert_eq!(
            py("def promote(request, pk):\n    user = User.objects.get(pk=pk)\n    user.role = request.data[\"role\"]\n    user.save()\n"),
            Some("user.role = request.data[\"role\"]".into())
        );
        assert!(
            py("def f(request):\n    User.objects.filter(pk=1).update(is_staff=True)\n").is_some()
        );
        assert!(py("def f(request, g):\n    request.user.groups.add(g)\n").is_some());
        // a role test anywhere in the handler: authorization is there
        assert_eq!(
            py("def promote(request, pk):\n    if not request.user.is_superuser:\n        raise PermissionDenied\n    user = User.objects.get(pk=pk)\n    user.role = request.data[\"role\"]\n"),
            None
        );
        // a fixed default role, or a privilege taken away
        assert_eq!(py("def signup(request):\n    user = User(email=request.data[\"email\"], role=\"member\")\n    user.is_admin = False\n"), None);
        // a response built with the caller's role is no row written
        assert_eq!(
            py("def me(request):\n    return Me(id=request.user.id, role=request.user.role)\n"),
            None
        );
        assert!(
            py("def f(request):\n    u = User(role=request.data[\"role\"])\n    u.save()\n")
                .is_some()
        );
        // reading a role is no grant
        assert_eq!(
            py("def me(request):\n    return {\"role\": request.user.role}\n"),
            None
        );
    }

    #[test]
    fn rust_privilege_writes_without_a_role_test() {
        let rs = |text: &str| grants_of(Language::Rust, "a.rs", text);
        assert!(rs("async fn promote(user: AuthUser, Json(body): Json<Body>) {\n    let mut u = load(body.id).await;\n    u.is_admin = body.admin;\n    save(u).await;\n}\n").is_some());
        assert_eq!(
            rs("async fn promote(user: AuthUser, Json(body): Json<Body>) -> Result<(), Error> {\n    if !user.is_admin { return Err(Error::Forbidden); }\n    let mut u = load(body.id).await;\n    u.is_admin = body.admin;\n    Ok(())\n}\n"),
            None
        );
    }
}
