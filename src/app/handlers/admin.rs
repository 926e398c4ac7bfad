//! Staff-only code by its names: the guards, decorators and routes of administrators.

use regex::Regex;
use std::sync::LazyLock;

/// Whether a guard, decorator, extractor or permission class restricts a handler to staff:
/// `IsAdminUser`, `staff_member_required`, `permission_required`, `AdminUser`,
/// `Depends(get_current_superuser)`, or a view's class attribute naming the permission it
/// requires ([`names_a_permission`]).
pub fn is_admin_marker(text: &str) -> bool {
    static ADMIN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)admin|staff|super_?user|permission_?required|has_perm|backoffice|back_office",
        )
        .expect("the admin regex is valid")
    });
    ADMIN.is_match(text) || names_a_permission(text)
}

/// A class attribute naming the permission a view requires, as Django's
/// `PermissionRequiredMixin` (`permission_required = "shop.change_order"`) and permission
/// classes that read the view (`permission = "event.orders:write"`) take it.
pub fn names_a_permission(statement: &str) -> bool {
    static NAMED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"^(permission_required|required_permissions?|(write_)?permission)\s*=\s*(\(\s*)?["']\w"#,
        )
        .expect("the permission attribute regex is valid")
    });
    NAMED.is_match(statement)
}

/// Staff areas whose access control usually lives in URL configuration or middleware that a
/// single file does not show: a path segment or route starting with `admin`, or named
/// `dashboard`, `backoffice`, `staff`.
pub fn is_admin_area(path: &str) -> bool {
    path.split(['/', '\\'])
        .map(|segment| {
            segment
                .split('.')
                .next()
                .unwrap_or(segment)
                .to_ascii_lowercase()
        })
        .any(|segment| {
            segment.starts_with("admin")
                || segment.starts_with("dashboard")
                || matches!(
                    segment.as_str(),
                    "backoffice" | "back_office" | "back-office" | "staff" | "superuser"
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_areas() {
        for path in [
            "shop/dashboard/views.py",
            "billing/admin_views.py",
            "/admin/invoices/{id}",
        ] {
            assert!(is_admin_area(path), "{path}");
        }
        for path in ["billing/views.py", "src/handlers.rs", "/invoices/{id}"] {
            assert!(!is_admin_area(path), "{path}");
        }
        assert!(is_admin_marker("IsAdminUser"));
        assert!(!is_admin_marker("IsAuthenticated"));
    }
}
