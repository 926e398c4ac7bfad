//! Look-ups within one function: where a local name was last assigned before a use, and whether
//! it was checked against an allowlist. Deliberately flow-insensitive and local: enough to follow
//! "a variable assigned just before", cheap enough to run at every sink.

pub mod python;
pub mod rust;

use tree_sitter::Node;

/// The assignments a local name received before one of its uses.
pub struct Assigned<'t> {
    /// The value of the last plain assignment (`x = …`, `let x = …`), if any.
    pub value: Option<Node<'t>>,
    /// Values appended after it (`x += …`, `x.push_str(…)`), in order.
    pub appended: Vec<Node<'t>>,
}

/// Whether `inner` lies within `outer`.
fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Types whose values cannot carry text into a query: numbers, booleans, UUIDs, decimals, dates.
const INERT_TYPES: &[&str] = &[
    "int",
    "float",
    "bool",
    "UUID",
    "Decimal",
    "date",
    "datetime",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "f32",
    "f64",
    "Uuid",
    "NaiveDate",
    "NaiveDateTime",
    "DateTime",
];

/// Whether a type annotation names an inert type, also wrapped (`Optional[int]`, `Path<i64>`,
/// `Annotated[int, Query()]`, `uuid.UUID`).
pub fn is_inert_type(annotation: &str) -> bool {
    let mut inner = annotation.trim();
    // Unwrap `Wrapper[T, …]` / `Wrapper<T>` down to the first type argument.
    while let Some(open) = inner.find(['[', '<']) {
        inner = &inner[open + 1..];
    }
    let first = inner
        .split([',', ']', '>', '|', ' '])
        .next()
        .unwrap_or_default();
    let last_segment = first.rsplit(['.', ':']).next().unwrap_or_default();
    INERT_TYPES.contains(&last_segment)
}

#[cfg(test)]
mod tests {
    use super::is_inert_type;

    #[test]
    fn inert_types_are_recognised_through_wrappers() {
        for inert in [
            "int",
            "Optional[int]",
            "uuid.UUID",
            "Path<i64>",
            "web::Path<uuid::Uuid>",
        ] {
            assert!(is_inert_type(inert), "{inert}");
        }
        for text in [
            "str",
            "Optional[str]",
            "Path<String>",
            "Query<Filter>",
            "dict",
        ] {
            assert!(!is_inert_type(text), "{text}");
        }
    }
}
