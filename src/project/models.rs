//! Which classes the client fills: request models.
//!
//! A pydantic model, serializer or form only carries client input when a handler takes it from
//! the request: as a FastAPI body or query parameter, by validating request data with it
//! (`Payment(**request.json)`, `Payment.model_validate(data)` in a handler), or as a field of
//! such a model. Per file, [`python`] lists the classes handlers take and the class-typed fields
//! of every class; [`RequestModels`] closes them over fields once the project is linked.

use super::facts::FileFacts;
use crate::detectors::syntax::{descendants, named_children};
use crate::parse::ParsedFile;
use std::collections::BTreeSet;

/// Calls that validate data into a model (`Model.model_validate(data)`).
const VALIDATORS: &[&str] = &[
    "model_validate",
    "model_validate_json",
    "parse_obj",
    "parse_raw",
    "validate",
    "load",
];

/// The classes a file's handlers take from the client, and its classes' class-typed fields,
/// as qualified names.
pub fn python(file: &ParsedFile, facts: &mut FileFacts) {
    let symbols = file.symbols();
    let language = file.language();
    let qualify = |written: &str| symbols.resolve(language, written).name().to_string();
    let root = file.tree.root_node();
    for handler in &file.model().handlers {
        // Staff-only handlers (`Depends(check_admin)`, `IsAdminUser`) take their models too,
        // but negative amounts there are usually the point (corrections, adjustments).
        let staff = handler.staff();
        let taken = if staff {
            &mut facts.staff_request_models
        } else {
            &mut facts.request_models
        };
        let Some(function) = root
            .descendant_for_byte_range(handler.name_bytes.start, handler.name_bytes.end)
            .and_then(|name| name.parent())
        else {
            continue;
        };
        if let Some(params) = function.child_by_field_name("parameters") {
            for param in named_children(params) {
                let Some(name) = param
                    .child_by_field_name("name")
                    .or_else(|| named_children(param).into_iter().next())
                else {
                    continue;
                };
                if !handler.request_params.iter().any(|p| p == file.text(name)) {
                    continue;
                }
                if let Some(annotation) = param.child_by_field_name("type") {
                    taken.extend(type_names(file, annotation).iter().map(|t| qualify(t)));
                }
            }
        }
        let body = &file.source.text[handler.bytes.clone()];
        for call in descendants(function).filter(|n| n.kind() == "call") {
            let Some(callee) = call.child_by_field_name("function") else {
                continue;
            };
            let written = file.text(callee);
            let args = call
                .child_by_field_name("arguments")
                .map(|a| file.text(a))
                .unwrap_or("");
            let class = match written.rsplit_once('.') {
                Some((class, method)) if VALIDATORS.contains(&method) => class,
                _ if args.contains("**") || args.contains("request") => written,
                _ => continue,
            };
            // The data must come from the request: `Stat(**row)` of a database row is not
            // client input.
            // A model built as the handler's return value is its response.
            let returned = call
                .parent()
                .is_some_and(|parent| parent.kind() == "return_statement");
            let requested = !returned
                && call
                    .child_by_field_name("arguments")
                    .is_some_and(|arguments| {
                        named_children(arguments).into_iter().any(|argument| {
                            crate::taint::from_request(file, file.model(), argument)
                        })
                    });
            let last = class.rsplit('.').next().unwrap_or(class);
            if last.starts_with(|c: char| c.is_ascii_uppercase())
                && body.contains("request")
                && requested
            {
                taken.push(qualify(class));
            }
        }
    }
    for class in crate::model::python::statement_level(root)
        .into_iter()
        .filter(|n| n.kind() == "class_definition")
    {
        let (Some(name), Some(body)) = (
            class.child_by_field_name("name"),
            class.child_by_field_name("body"),
        ) else {
            continue;
        };
        let mut fields = Vec::new();
        for statement in named_children(body) {
            for assignment in named_children(statement)
                .into_iter()
                .filter(|n| n.kind() == "assignment")
            {
                if let Some(annotation) = assignment.child_by_field_name("type") {
                    fields.extend(type_names(file, annotation).iter().map(|t| qualify(t)));
                }
                // DRF nested serializers: `items = ItemSerializer(many=True)`.
                if let Some(value) = assignment
                    .child_by_field_name("right")
                    .filter(|v| v.kind() == "call")
                    .and_then(|v| v.child_by_field_name("function"))
                {
                    fields.push(qualify(file.text(value)));
                }
            }
        }
        if !fields.is_empty() {
            facts.model_fields.push((qualify(file.text(name)), fields));
        }
    }
    facts.request_models.sort();
    facts.request_models.dedup();
    facts.staff_request_models.sort();
    facts.staff_request_models.dedup();
}

/// The class names in a type annotation (`Optional[list[Item]]` → `Item`), builtins aside.
fn type_names<'f>(file: &ParsedFile<'f>, annotation: tree_sitter::Node) -> Vec<&'f str> {
    descendants(annotation)
        .filter(|n| matches!(n.kind(), "identifier" | "attribute"))
        .filter(|n| n.parent().is_none_or(|p| p.kind() != "attribute"))
        .map(|n| file.text(n))
        .filter(|t| {
            let last = t.rsplit('.').next().unwrap_or(t);
            last.starts_with(|c: char| c.is_ascii_uppercase())
                && !matches!(
                    last,
                    "Optional" | "Annotated" | "List" | "Dict" | "Union" | "Decimal"
                )
        })
        .collect()
}

/// Every class some handler takes from the client, fields of such classes included.
pub struct RequestModels {
    /// By the last part of the qualified name: a class is often imported through a package
    /// that re-exports it, so its module path differs between files.
    names: BTreeSet<String>,
    /// Classes only staff-only handlers take (and their fields), not in `names`.
    staff: BTreeSet<String>,
}

impl RequestModels {
    pub fn new(files: &[(String, &FileFacts)]) -> Self {
        let last = |name: &str| name.rsplit('.').next().unwrap_or(name).to_string();
        let names: BTreeSet<String> = files
            .iter()
            .flat_map(|(_, facts)| facts.request_models.iter().map(|m| last(m)))
            .collect();
        let staff: BTreeSet<String> = files
            .iter()
            .flat_map(|(_, facts)| facts.staff_request_models.iter().map(|m| last(m)))
            .collect();
        let fields: Vec<(String, Vec<String>)> = files
            .iter()
            .flat_map(|(_, facts)| {
                facts
                    .model_fields
                    .iter()
                    .map(|(class, fields)| (last(class), fields.iter().map(|f| last(f)).collect()))
            })
            .collect();
        // Fields of request models are request models: close over them.
        let close = |mut names: BTreeSet<String>| loop {
            let before = names.len();
            for (class, types) in &fields {
                if names.contains(class) {
                    names.extend(types.iter().cloned());
                }
            }
            if names.len() == before {
                break names;
            }
        };
        let names = close(names);
        let staff = close(staff).difference(&names).cloned().collect();
        RequestModels { names, staff }
    }

    /// Whether a handler takes the class (a qualified name) from the client.
    pub fn contains(&self, class: &str) -> bool {
        let last = class.rsplit('.').next().unwrap_or(class);
        self.names.contains(last) || self.staff.contains(last)
    }

    /// Whether only handlers restricted to staff take the class from the client.
    pub fn staff_only(&self, class: &str) -> bool {
        self.staff
            .contains(class.rsplit('.').next().unwrap_or(class))
    }
}
