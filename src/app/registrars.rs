//! Registration helpers: project functions that register the view they are handed under the
//! rules they are handed (Flask's `register_view(bp, routes=[…], view_func=V.as_view("v"))`,
//! a loop over `bp.add_url_rule(route, view_func=view_func)`).
//!
//! Per file, a function's summary says which of its parameters are the blueprint, the rules and
//! the view ([`registrar`]), and calls that hand a class-based view to some function are kept as
//! written ([`helper_calls`]). When linking, each such call whose callee resolves to a
//! registration helper becomes the edges the helper would register ([`edges`]).

use super::facts::{Edge, FileFacts, Target};
use super::guards::Judge;
use crate::app::handlers::python::keyword_argument;
use crate::parse::ParsedFile;
use crate::source::Position;
use crate::syntax::{named_children, positional_arguments, FieldChild};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tree_sitter::Node;

/// A parameter, by its position and name (a call may pass it either way).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    pub index: usize,
    pub name: String,
}

/// What a registration helper does with its parameters: `object.add_url_rule(rule,
/// view_func=view)`, for each rule of `rules` when it loops over them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registrar {
    pub object: Parameter,
    pub rules: Parameter,
    /// `rules` is a list the helper loops over, not one rule.
    pub each: bool,
    pub view: Parameter,
}

/// An argument of a call that hands a view to a function, as far as a registration needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Argument {
    /// A dotted name (a blueprint, an app).
    Name(String),
    /// A string, or a list or tuple of strings.
    Rules(Vec<String>),
    /// A class-based view (`Edit.as_view("edit")`).
    View(Target),
    Other,
}

/// A call that hands a class-based view to a function (`register_view(forum, routes=[…],
/// view_func=ViewForum.as_view("view_forum"))`), with its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelperCall {
    pub at: Position,
    pub callee: String,
    pub positional: Vec<Argument>,
    pub keywords: Vec<(String, Argument)>,
}

impl HelperCall {
    /// A call of a function named by an identifier or a dotted name, with its arguments as
    /// `read` sees them.
    pub(super) fn of(
        file: &ParsedFile,
        call: Node,
        read: impl Fn(Node) -> Argument,
    ) -> Option<Self> {
        let callee = call.field_child("function")?;
        if !matches!(callee.kind(), "identifier" | "attribute") {
            return None;
        }
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        for argument in named_children(call.field_child("arguments")?) {
            match argument.kind() {
                "keyword_argument" => {
                    let name = argument.field_child("name")?;
                    let value = argument.field_child("value")?;
                    keywords.push((file.text(name).to_string(), read(value)));
                }
                _ => positional.push(read(argument)),
            }
        }
        Some(HelperCall {
            at: file.source.position(call.start_byte()),
            callee: file.text(callee).to_string(),
            positional,
            keywords,
        })
    }

    /// The argument passed for `parameter`, by keyword or by position.
    pub(super) fn argument(&self, parameter: &Parameter) -> Option<&Argument> {
        self.keywords
            .iter()
            .find(|(name, _)| *name == parameter.name)
            .map(|(_, argument)| argument)
            .or_else(|| self.positional.get(parameter.index))
    }

    /// The names passed as arguments.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.positional
            .iter()
            .chain(self.keywords.iter().map(|(_, a)| a))
            .filter_map(|argument| match argument {
                Argument::Name(name) => Some(name.as_str()),
                _ => None,
            })
    }
}

/// The registration `function` makes with its parameters, if it is a helper that calls
/// `object.add_url_rule(rule, view_func=view)` on parameters it is handed (directly, or for
/// each rule of a list parameter it loops over).
pub fn registrar(file: &ParsedFile, function: Node) -> Option<Registrar> {
    let parameters: Vec<String> = named_children(function.field_child("parameters")?)
        .into_iter()
        .filter(|p| p.kind() == "identifier")
        .map(|p| file.text(p).to_string())
        .collect();
    let parameter = |name: &str| {
        let index = parameters.iter().position(|p| p == name)?;
        Some(Parameter {
            index,
            name: name.to_string(),
        })
    };
    let body = function.field_child("body")?;
    // Every function of the project is asked: most never register anything.
    if !file.text(body).contains("add_url_rule") {
        return None;
    }
    file.of_kinds_within(&["call"], body)
        .into_iter()
        .find_map(|call| {
            let callee = call.field_child("function")?;
            if callee.kind() != "attribute" {
                return None;
            }
            let method = callee.field_child("attribute")?;
            if file.text(method) != "add_url_rule" {
                return None;
            }
            let object = parameter(file.text(callee.field_child("object")?))?;
            let positional = positional_arguments(call);
            let rule = positional
                .first()
                .copied()
                .or_else(|| keyword_argument(file, call, "rule"))?;
            let view = keyword_argument(file, call, "view_func").or(positional.get(2).copied())?;
            let view = parameter(file.text(view))?;
            let (rules, each) = match parameter(file.text(rule)) {
                Some(rules) => (rules, false),
                None => (
                    looped_over(file, call, file.text(rule)).and_then(parameter)?,
                    true,
                ),
            };
            Some(Registrar {
                object,
                rules,
                each,
                view,
            })
        })
}

/// The name a `for name in <list>:` around `node` loops over.
fn looped_over<'f>(file: &'f ParsedFile, node: Node, name: &str) -> Option<&'f str> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if ancestor.kind() == "for_statement"
            && ancestor
                .field_child("left")
                .is_some_and(|left| file.text(left) == name)
        {
            let right = ancestor.field_child("right")?;
            return (right.kind() == "identifier").then(|| file.text(right));
        }
        current = ancestor.parent();
    }
    None
}

/// The calls of the file that hand a class-based view to a function other than Flask's own
/// registrations (which [`super::facts`] reads).
pub fn helper_calls(file: &ParsedFile) -> Vec<HelperCall> {
    if !file.text(file.tree.root_node()).contains("as_view") {
        return Vec::new();
    }
    file.of_kinds(&["call"])
        .into_iter()
        .filter_map(|call| {
            let callee = call.field_child("function")?;
            if file.text(callee).ends_with(".add_url_rule") {
                return None;
            }
            let call = HelperCall::of(file, call, |value| read(file, value))?;
            let hands_a_view = call
                .positional
                .iter()
                .chain(call.keywords.iter().map(|(_, a)| a))
                .any(|a| matches!(a, Argument::View(_)));
            hands_a_view.then_some(call)
        })
        .collect()
}

fn read(file: &ParsedFile, value: Node) -> Argument {
    let string = |node: Node| {
        (node.kind() == "string" && !file.text(node).starts_with('f')).then(|| {
            named_children(node)
                .into_iter()
                .filter(|n| n.kind() == "string_content")
                .map(|n| file.text(n))
                .collect::<String>()
        })
    };
    match value.kind() {
        "identifier" | "attribute" => Argument::Name(file.text(value).to_string()),
        "string" => string(value).map_or(Argument::Other, |s| Argument::Rules(vec![s])),
        "list" | "tuple" => named_children(value)
            .into_iter()
            .map(string)
            .collect::<Option<Vec<String>>>()
            .map_or(Argument::Other, Argument::Rules),
        "call" => as_view(file, value).map_or(Argument::Other, Argument::View),
        _ => Argument::Other,
    }
}

/// `Edit.as_view("edit")` → the class it mounts.
pub(crate) fn as_view(file: &ParsedFile, view: Node) -> Option<Target> {
    let function = view.field_child("function")?;
    let class = function
        .field_child("object")
        .filter(|_| function.kind() == "attribute")
        .filter(|_| file.text(function).ends_with(".as_view"))?;
    Some(Target::Class {
        path: file.text(class).split('.').map(str::to_string).collect(),
        viewset: false,
    })
}

/// The edges the registration helpers of the project make when the files' helper calls run,
/// per calling file.
pub(super) fn edges(files: &[(String, &FileFacts)], judge: &Judge) -> HashMap<usize, Vec<Edge>> {
    let mut out: HashMap<usize, Vec<Edge>> = HashMap::new();
    for (file, (_, facts)) in files.iter().enumerate() {
        for call in &facts.helper_calls {
            let Some(registrar) = judge.registrar(file, &call.callee) else {
                continue;
            };
            let (
                Some(Argument::Name(object)),
                Some(Argument::Rules(rules)),
                Some(Argument::View(target)),
            ) = (
                call.argument(&registrar.object),
                call.argument(&registrar.rules),
                call.argument(&registrar.view),
            )
            else {
                continue;
            };
            if !registrar.each && rules.len() != 1 {
                continue;
            }
            out.entry(file)
                .or_default()
                .extend(rules.iter().map(|rule| Edge {
                    at: call.at,
                    from: object.clone(),
                    prefix: rule.clone(),
                    methods: Vec::new(),
                    target: target.clone(),
                    guards: Vec::new(),
                    guard_calls: Vec::new(),
                    markers: Vec::new(),
                    schema: None,
                    public: None,
                    namespace: None,
                }));
        }
    }
    out
}
