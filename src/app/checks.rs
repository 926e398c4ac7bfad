//! Checks on findings that only the linked project can decide ([`LinkCheck`]): whether a
//! class is a request model, whether a task defers to `on_commit`, whether a value passed a
//! validator defined in another file, whether the functions in other files a value went through
//! pass it on (decided by [`crate::taint::returns`]), whether a handler the file alone showed
//! unauthenticated is so on the linked routes.

use super::effects::Effects;
use super::guards::Judge;
use super::models::RequestModels;
use super::{FileFacts, Project, Route};
use crate::app::handlers::RouteWanted;
use crate::finding::{DebugShown, Finding, LinkCheck};
use crate::matcher::Lowering;
use crate::rules::Confidence;
use crate::taint::callees::Callees;
use crate::taint::validate::ENUM_BASES;
use crate::taint::{CallRef, ANY_RECEIVER};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};

/// The path and methods of every linked route, by the file and line of its handler.
type RoutesByHandler = BTreeMap<(String, usize), Vec<(Option<String>, Vec<String>)>>;

/// What the linked project says about the link checks of a scan's findings.
pub struct LinkChecks {
    request_models: RequestModels,
    /// Celery tasks whose base class defers publishing, as (module, function name).
    deferred_tasks: Vec<(String, String)>,
    /// The validator calls findings passed that do reject the value.
    rejecting: BTreeSet<CallRef>,
    /// The calls guarding findings' uses that do test the value.
    testing: BTreeSet<CallRef>,
    /// The (rule, call) pairs whose function does not pass the value on for that rule.
    blocking: BTreeSet<(String, CallRef)>,
    /// The request models of findings that only handlers changing no state take.
    read_only: BTreeSet<String>,
    /// Handlers, by file and line, that every route reaching them authenticates.
    authenticated: BTreeSet<(String, usize)>,
    /// Handlers, by file and line, whose every route has no guard but some judged by name
    /// (code not in the scan, or dependencies a router factory's callers pass in): an
    /// `authenticated: false` finding on them is low-confidence, as `missing-authorization`'s.
    guessed_guards: BTreeMap<(String, usize), String>,
    /// Handlers, by file and line, that every route reaching them restricts to staff.
    staff_only: BTreeSet<(String, usize)>,
    /// The path and methods of every linked route, by handler file and line.
    routes: RoutesByHandler,
    /// The files some registration routes a handler of.
    routed_files: BTreeSet<String>,
    /// The models of findings (with whether a list view serves all their rows) that the
    /// project declares as shared data.
    shared_models: BTreeSet<(String, bool)>,
    /// The functions findings' calls may run that the project defines.
    project_functions: BTreeSet<String>,
    /// The settings files some class of whose DRF `DEFAULT_PERMISSION_CLASSES` checks objects.
    object_permission_settings: Vec<String>,
    /// The class-based views, by file and class, that an object-permission mixin guards.
    object_permission_views: BTreeSet<(String, String)>,
    /// The classes, by file and class as written there, that derive from a data schema.
    schema_classes: BTreeSet<(String, String)>,
    /// The class-based views, by file and class, whose `dispatch` (their own or an ancestor's)
    /// refuses unless some object's owner is the caller.
    owner_checked_views: BTreeSet<(String, String)>,
    /// The setter checks that fail: some class they may concern assigns the attribute through
    /// its own code.
    set_through_code: BTreeSet<(String, String, Vec<String>)>,
    /// The (file, module-level name) pairs that every module star-importing the file assigns
    /// again.
    rebound: BTreeSet<(String, String)>,
    /// The `{:?}` checks that hold: the value's struct, in some file, prints the field.
    debug_shown: BTreeSet<DebugShown>,
    /// The names annotating findings' handler parameters that the project declares as aliases
    /// carrying a dependency.
    dependency_aliases: BTreeSet<String>,
    /// The types findings' Rust extractors parse request values into that a struct of the
    /// project of that name checks on deserialization.
    validated_types: BTreeSet<String>,
}

impl LinkChecks {
    /// Decide the checks of `findings` against every file's facts, reading the functions in
    /// other files that their values went through with `callees`.
    pub fn new<'f>(
        files: &[(String, &FileFacts)],
        project: &Project,
        findings: impl Iterator<Item = &'f Finding> + Clone,
        callees: &mut Callees,
        effects: &mut Effects,
    ) -> Self {
        let judge = Judge::new(files);
        let calls = |wanted: fn(&LinkCheck) -> Option<&Vec<CallRef>>| -> BTreeSet<CallRef> {
            findings
                .clone()
                .flat_map(|finding| &finding.link_checks)
                .filter_map(wanted)
                .flatten()
                .cloned()
                .collect()
        };
        let validators = calls(|check| match check {
            LinkCheck::NotValidated(validators) => Some(validators),
            _ => None,
        });
        let tests = calls(|check| match check {
            LinkCheck::NotTested(tests) => Some(tests),
            _ => None,
        });
        let (enums, functions): (BTreeSet<CallRef>, BTreeSet<CallRef>) = validators
            .into_iter()
            .partition(|validator| is_enum_class(&judge, validator));
        let mut rejecting = resolved(&judge, functions, |asked| callees.rejecting(asked));
        rejecting.extend(enums);
        let testing = resolved(&judge, tests, |asked| callees.testing(asked));
        let through: BTreeSet<(String, CallRef)> = findings
            .clone()
            .flat_map(|finding| {
                finding
                    .link_checks
                    .iter()
                    .flat_map(move |check| match check {
                        LinkCheck::PassesThrough(calls) => calls
                            .iter()
                            .map(|call| (finding.rule_id.clone(), call.clone()))
                            .collect(),
                        _ => Vec::new(),
                    })
            })
            .collect();
        let request_models = RequestModels::new(files);
        let shared_models = findings
            .clone()
            .flat_map(|finding| &finding.link_checks)
            .filter_map(|check| match check {
                LinkCheck::OwnedModel(model, listed) => Some((model, *listed)),
                _ => None,
            })
            .filter(|(model, listed)| {
                super::ownership::is_shared(&judge, model)
                    || (*listed && super::ownership::is_unowned(&judge, model))
                    || super::ownership::reaches_no_owner(&judge, model)
            })
            .map(|(model, listed)| (model.clone(), listed))
            .collect();
        let read_only = findings
            .clone()
            .flat_map(|finding| &finding.link_checks)
            .filter_map(|check| match check {
                LinkCheck::RequestModel(model) => Some(&model.class),
                _ => None,
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|class| request_models.read_only(class, effects, callees))
            .cloned()
            .collect();
        let blocking = blocking(&judge, through, callees);
        let findings_setters: BTreeSet<(String, String, Vec<String>)> = findings
            .clone()
            .flat_map(|finding| {
                finding.link_checks.iter().filter_map(|check| match check {
                    LinkCheck::NoPropertySetter(attribute, classes) => {
                        Some((finding.path.clone(), attribute.clone(), classes.clone()))
                    }
                    _ => None,
                })
            })
            .collect();
        let rebound = rebound_by_importers(files, findings.clone());
        let structs = crate::taint::debug_fields::Structs::new(
            files.iter().flat_map(|(_, facts)| &facts.structs),
        );
        let debug_shown = checks_that_hold(
            findings.clone(),
            |check| match check {
                LinkCheck::DebugShowsField(shown) => Some(shown),
                _ => None,
            },
            |shown| structs.shows(shown),
        );
        let validated_types = checks_that_hold(
            findings.clone(),
            |check| match check {
                LinkCheck::ParsedInto(name) => Some(name),
                _ => None,
            },
            |name| structs.validates(name),
        );
        let object_permission_views = views_whose_lineage(
            files,
            &judge,
            findings.clone(),
            |check| match check {
                LinkCheck::NoObjectPermission(class) => Some(class),
                _ => None,
            },
            |lineage| {
                lineage
                    .ancestors
                    .iter()
                    .any(|ancestor| OBJECT_PERMISSION_MIXINS.contains(&ancestor.as_str()))
            },
        );
        // The class as its file writes it, defined there or imported.
        let schema_classes = classes_whose_lineage(
            files,
            findings.clone(),
            |check| match check {
                LinkCheck::NotSchemaClass(class) => Some(class),
                _ => None,
            },
            |file, class| {
                judge
                    .lineage_of(file, class)
                    .ancestors
                    .iter()
                    .any(|ancestor| SCHEMA_BASES.contains(&ancestor.as_str()))
            },
        );
        let owner_checked_views = views_whose_lineage(
            files,
            &judge,
            findings.clone(),
            |check| match check {
                LinkCheck::OwnerCheckedOnDispatch(class) => Some(class),
                _ => None,
            },
            |lineage| lineage.owner_checked_on_dispatch,
        );
        let dependency_aliases = checks_that_hold(
            findings.clone(),
            |check| match check {
                LinkCheck::NotDependencyAlias(alias) => Some(alias),
                _ => None,
            },
            |alias| judge.is_dependency_alias(alias),
        );
        let project_functions = findings
            .flat_map(|finding| &finding.link_checks)
            .filter_map(|check| match check {
                LinkCheck::NotProjectFunction(functions) => Some(functions),
                _ => None,
            })
            .flatten()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|function| callees.with_function(function, |_, _| ()).is_some())
            .cloned()
            .collect();
        LinkChecks {
            request_models,
            deferred_tasks: judge.deferred_tasks(),
            rejecting,
            testing,
            blocking,
            read_only,
            authenticated: authenticated_handlers(project),
            guessed_guards: guessed_guard_handlers(project),
            staff_only: staff_only_handlers(project),
            routes: routes_by_handler(project),
            routed_files: project
                .routes
                .iter()
                .filter(|route| route.path.is_some())
                .map(|route| route.file.clone())
                .collect(),
            shared_models,
            project_functions,
            object_permission_settings: object_permission_settings(files, &judge),
            object_permission_views,
            schema_classes,
            owner_checked_views,
            set_through_code: set_through_code(files, &judge, findings_setters),
            rebound,
            debug_shown,
            dependency_aliases,
            validated_types,
        }
    }

    /// Drop the findings whose checks fail, lower those on classes only staff send, and make
    /// those on classes only handlers that change no state take low-confidence.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        findings.retain(|finding| {
            finding
                .link_checks
                .iter()
                .all(|check| self.holds(finding, check))
        });
        for finding in findings.iter_mut() {
            let staff_only = finding.link_checks.iter().any(|check| {
                matches!(check, LinkCheck::RequestModel(model)
                    if model.staff_lowers && self.request_models.staff_only(&model.class))
            });
            if staff_only {
                finding.confidence = finding.confidence.lower();
            }
            let enters_at_staff = finding.link_checks.iter().any(|check| {
                matches!(check, LinkCheck::EntersAtStaffHandler(path, line)
                    if self.staff_only.contains(&(path.clone(), *line)))
            });
            if enters_at_staff {
                finding.severity = finding.severity.lower();
            }
            let read_only = finding.link_checks.iter().any(|check| {
                matches!(check, LinkCheck::RequestModel(model)
                    if self.read_only.contains(&model.class))
            });
            if read_only {
                finding.confidence = Confidence::Low;
            }
            let bounded = finding.link_checks.iter().find_map(|check| match check {
                LinkCheck::RequestModel(model) => model
                    .field
                    .as_deref()
                    .and_then(|field| self.request_models.bounded_in_code(&model.class, field)),
                _ => None,
            });
            if let Some((path, check)) = bounded {
                finding.confidence = Confidence::Low;
                finding.message.push_str(&format!(
                    " (the project bounds it elsewhere: `{check}` in {path})"
                ));
            }
            let shared = finding.link_checks.iter().any(|check| {
                matches!(check, LinkCheck::OwnedModel(model, listed)
                    if self.shared_models.contains(&(model.clone(), *listed)))
            });
            if shared {
                finding.confidence = Confidence::Low;
            }
            for check in &finding.link_checks {
                if let LinkCheck::Routed(line, wanted) = check {
                    match wanted.lowers {
                        Some(_) if !self.routed(&finding.path, *line, wanted) => {}
                        Some(Lowering::Confidence) => {
                            finding.confidence = finding.confidence.lower();
                        }
                        Some(Lowering::Severity) => finding.severity = finding.severity.lower(),
                        None => {}
                    }
                }
            }
            let owner_checked = finding.link_checks.iter().any(|check| {
                matches!(check, LinkCheck::OwnerCheckedOnDispatch(class)
                    if self.owner_checked_views.contains(&(finding.path.clone(), class.clone())))
            });
            if owner_checked {
                finding.confidence = Confidence::Low;
            }
            let guessed = finding.link_checks.iter().find_map(|check| match check {
                LinkCheck::Unauthenticated(line) => {
                    self.guessed_guards.get(&(finding.path.clone(), *line))
                }
                _ => None,
            });
            if let Some(guard) = guessed {
                finding.confidence = Confidence::Low;
                finding.message.push_str(&format!(
                    " (`{guard}` may guard it: judged by its name alone)"
                ));
            }
            let parsed = finding.link_checks.iter().find_map(|check| match check {
                LinkCheck::ParsedInto(name) if self.validated_types.contains(name) => Some(name),
                _ => None,
            });
            if let Some(name) = parsed {
                finding.confidence = Confidence::Low;
                finding.message.push_str(&format!(
                    " (the request value is parsed into `{name}`, whose deserialization checks it: \
                     what the check lets through is not read)"
                ));
            }
        }
    }

    fn holds(&self, finding: &Finding, check: &LinkCheck) -> bool {
        let rule = &finding.rule_id;
        match check {
            LinkCheck::RequestModel(model) => {
                (!model.required || self.request_models.contains(&model.class))
                    && !model
                        .field
                        .as_deref()
                        .is_some_and(|field| self.request_models.field_bounded(&model.class, field))
            }
            LinkCheck::NotDeferredTask(task) => {
                let (module, name) = task.rsplit_once('.').unwrap_or(("", task));
                !self.deferred_tasks.iter().any(|(declared_in, declared)| {
                    declared == name && crate::symbols::same_module(declared_in, module)
                })
            }
            LinkCheck::NotReboundByImporters(name) => {
                !self.rebound.contains(&(finding.path.clone(), name.clone()))
            }
            LinkCheck::NotProjectFunction(functions) => !functions
                .iter()
                .any(|function| self.project_functions.contains(function)),
            LinkCheck::NoPropertySetter(attribute, classes) => !self.set_through_code.contains(&(
                finding.path.clone(),
                attribute.clone(),
                classes.clone(),
            )),
            LinkCheck::NotValidated(validators) => {
                !validators.iter().any(|v| self.rejecting.contains(v))
            }
            LinkCheck::NotTested(tests) => !tests.iter().any(|t| self.testing.contains(t)),
            LinkCheck::PassesThrough(calls) => !calls
                .iter()
                .any(|call| self.blocking.contains(&(rule.to_string(), call.clone()))),
            LinkCheck::Unauthenticated(line) => {
                !self.authenticated.contains(&(finding.path.clone(), *line))
            }
            LinkCheck::Routed(line, wanted) => {
                wanted.lowers.is_some() || self.routed(&finding.path, *line, wanted)
            }
            LinkCheck::DebugShowsField(shown) => self.debug_shown.contains(shown),
            LinkCheck::NoObjectPermission(class) => !self
                .object_permission_views
                .contains(&(finding.path.clone(), class.clone())),
            LinkCheck::NotSchemaClass(class) => !self
                .schema_classes
                .contains(&(finding.path.clone(), class.clone())),
            LinkCheck::DefaultPermissions => !self
                .object_permission_settings
                .iter()
                .any(|settings| super::link::package_covers(settings, &finding.path)),
            LinkCheck::UnconvertedParameter(line, name) => {
                let routes = self.routes.get(&(finding.path.clone(), *line));
                !routes.is_some_and(|routes| {
                    !routes.is_empty()
                        && routes.iter().all(|(path, _)| {
                            path.as_deref()
                                .is_some_and(|path| crate::taint::typed_in_route(path, name))
                        })
                })
            }
            LinkCheck::NotDependencyAlias(alias) => !self.dependency_aliases.contains(alias),
            LinkCheck::EntersAtStaffHandler(..)
            | LinkCheck::ParsedInto(..)
            | LinkCheck::OwnedModel(..)
            | LinkCheck::OwnerCheckedOnDispatch(..) => true,
        }
    }
}

/// Mixins that check a permission on the object a class-based view looks up.
const OBJECT_PERMISSION_MIXINS: &[&str] = &[
    "rules.contrib.views.PermissionRequiredMixin",
    "guardian.mixins.PermissionRequiredMixin",
];

/// The (file, class) pairs of the class-based views that findings' checks name (`named`)
/// whose lineage, through the project's files, passes `test`.
/// The values of one kind of link check (`select`) among the findings' checks that `holds`
/// accepts, each asked once per finding that carries it.
fn checks_that_hold<'f, T: Ord + Clone + 'f>(
    findings: impl Iterator<Item = &'f Finding>,
    select: impl Fn(&'f LinkCheck) -> Option<&'f T>,
    holds: impl Fn(&T) -> bool,
) -> BTreeSet<T> {
    findings
        .flat_map(|finding| &finding.link_checks)
        .filter_map(select)
        .filter(|value| holds(value))
        .cloned()
        .collect()
}

fn views_whose_lineage<'f>(
    files: &[(String, &FileFacts)],
    judge: &Judge,
    findings: impl Iterator<Item = &'f Finding>,
    named: impl Fn(&LinkCheck) -> Option<&String>,
    test: impl Fn(&super::guards::Lineage) -> bool,
) -> BTreeSet<(String, String)> {
    classes_whose_lineage(files, findings, named, |file, class| {
        test(&judge.lineage(file, class))
    })
}

/// The (file, class as written there) pairs of findings' link checks, `named` picks, whose
/// class passes `test` (given the file's index among `files`).
fn classes_whose_lineage<'f>(
    files: &[(String, &FileFacts)],
    findings: impl Iterator<Item = &'f Finding>,
    named: impl Fn(&LinkCheck) -> Option<&String>,
    test: impl Fn(usize, &str) -> bool,
) -> BTreeSet<(String, String)> {
    findings
        .flat_map(|finding| {
            finding
                .link_checks
                .iter()
                .filter_map(|check| named(check).map(|class| (finding.path.clone(), class.clone())))
                .collect::<Vec<_>>()
        })
        .filter(|(path, class)| {
            files
                .iter()
                .position(|(p, _)| p == path)
                .is_some_and(|file| test(file, class))
        })
        .collect()
}

/// Base classes of validated data schemas: an instance holds only the fields its class declares,
/// whatever the keyword arguments it is built with (SQLModel is left out: with `table=True` it
/// is an ORM model).
const SCHEMA_BASES: &[&str] = &[
    "pydantic.BaseModel",
    "pydantic.main.BaseModel",
    "pydantic.v1.BaseModel",
    "ninja.Schema",
    "ninja.schema.Schema",
];

/// DRF's permission classes that check the object a view looks up.
const OBJECT_PERMISSIONS: &[&str] = &[
    "rest_framework.permissions.DjangoObjectPermissions",
    "dry_rest_permissions.generics.DRYPermissions",
];

/// The settings files a class of whose DRF `DEFAULT_PERMISSION_CLASSES` checks objects: one of
/// DRF's object permissions, or a project class that (or whose project ancestor) defines a
/// `has_object_permission` that can refuse. DRF's `get_object()` runs it on every look-up of a
/// view that keeps the defaults, in the files the settings govern.
fn object_permission_settings(files: &[(String, &FileFacts)], judge: &Judge) -> Vec<String> {
    files
        .iter()
        .filter(|(_, facts)| {
            facts.drf_default_permissions.iter().any(|class| {
                OBJECT_PERMISSIONS.contains(&class.as_str())
                    || judge.lineage_of_qualified(class).checks_objects
            })
        })
        .map(|(path, _)| path.clone())
        .collect()
}

impl LinkChecks {
    /// Whether a linked route reaching the handler on `line` of `path` has the path and methods
    /// `wanted`. Where no registration reaches the handler, methods are taken as its file left
    /// them (any), a route pattern does not match, and a function that only a registration
    /// makes a handler is none when the project registers other handlers of its file.
    fn routed(&self, path: &str, line: usize, wanted: &RouteWanted) -> bool {
        let routes: Vec<&(Option<String>, Vec<String>)> = self
            .routes
            .get(&(path.to_string(), line))
            .into_iter()
            .flatten()
            .filter(|(route, _)| route.is_some())
            .collect();
        if routes.is_empty() {
            // A function only a registration makes a handler, in a file whose other handlers
            // are registered and not this one, is a helper.
            return wanted.route.is_none()
                && !(wanted.registered && self.routed_files.contains(path));
        }
        let pattern = wanted
            .route
            .as_deref()
            .map(|pattern| Regex::new(pattern).expect("compiled when the rule loaded"));
        routes.iter().any(|(route, methods)| {
            pattern.as_ref().is_none_or(|pattern| {
                route
                    .as_deref()
                    .is_some_and(|route| pattern.is_match(route))
            }) && (wanted.methods.is_empty()
                || methods.is_empty()
                || methods.iter().any(|method| wanted.methods.contains(method)))
        })
    }
}

/// The calls of `asked` that `decide` accepts, deciding a method called on an object of unknown
/// type ([`ANY_RECEIVER`]) by the one project class that defines a method of its name; when no
/// class or several do, the call is not accepted.
fn resolved(
    judge: &Judge,
    asked: BTreeSet<CallRef>,
    decide: impl FnOnce(BTreeSet<CallRef>) -> BTreeSet<CallRef>,
) -> BTreeSet<CallRef> {
    let targets: BTreeMap<CallRef, CallRef> = asked
        .into_iter()
        .filter_map(|call| {
            let target = match call.callee.strip_prefix(ANY_RECEIVER) {
                Some(method) => CallRef {
                    callee: judge.only_method(method)?,
                    index: call.index,
                },
                None => call.clone(),
            };
            Some((call, target))
        })
        .collect();
    let accepted = decide(targets.values().cloned().collect());
    targets
        .into_iter()
        .filter(|(_, target)| accepted.contains(target))
        .map(|(call, _)| call)
        .collect()
}

/// The (rule, call) pairs of `asked` whose function does not pass the value on for the rule; a
/// method called on an object of unknown type ([`ANY_RECEIVER`]) blocks when every project
/// class that defines a method of its name blocks (and one does).
fn blocking(
    judge: &Judge,
    asked: BTreeSet<(String, CallRef)>,
    callees: &mut Callees,
) -> BTreeSet<(String, CallRef)> {
    let targets: BTreeMap<(String, CallRef), Vec<(String, CallRef)>> = asked
        .into_iter()
        .map(|(rule, call)| {
            let targets = match call.callee.strip_prefix(ANY_RECEIVER) {
                Some(method) => judge
                    .methods_named(method)
                    .into_iter()
                    .map(|callee| {
                        let index = call.index;
                        (rule.clone(), CallRef { callee, index })
                    })
                    .collect(),
                None => vec![(rule.clone(), call.clone())],
            };
            ((rule, call), targets)
        })
        .collect();
    let blocked = callees.blocking(targets.values().flatten().cloned().collect());
    targets
        .into_iter()
        .filter(|(_, targets)| {
            !targets.is_empty() && targets.iter().all(|target| blocked.contains(target))
        })
        .map(|(asked, _)| asked)
        .collect()
}

/// The (finding's path, attribute, classes) setter checks that fail: among the classes the
/// project declares, one assigns the attribute through its own code (a property setter, a
/// validator), its own or an ancestor's; when it declares none of them, any class of a package
/// that speaks for the finding's file does.
fn set_through_code(
    files: &[(String, &FileFacts)],
    judge: &Judge,
    asked: BTreeSet<(String, String, Vec<String>)>,
) -> BTreeSet<(String, String, Vec<String>)> {
    asked
        .into_iter()
        .filter(|(path, attribute, classes)| {
            let declared: Vec<_> = classes
                .iter()
                .map(|class| judge.lineage_of_qualified(class))
                .filter(|lineage| !lineage.fields.is_empty())
                .collect();
            if declared.is_empty() {
                files.iter().any(|(declared_in, facts)| {
                    super::link::package_covers(declared_in, path)
                        && facts
                            .classes
                            .iter()
                            .any(|class| class.setters.contains(attribute))
                })
            } else {
                declared
                    .iter()
                    .any(|lineage| lineage.setters.contains(attribute))
            }
        })
        .collect()
}

/// Index the linked routes by their handler.
fn routes_by_handler(project: &Project) -> RoutesByHandler {
    let mut routes = RoutesByHandler::new();
    for route in &project.routes {
        routes
            .entry((route.file.clone(), route.line))
            .or_default()
            .push((route.path.clone(), route.methods.clone()));
    }
    routes
}

/// The handlers, by file and line, that have routes and only authenticated ones. A handler no
/// registration reaches keeps what its file says.
fn authenticated_handlers(project: &Project) -> BTreeSet<(String, usize)> {
    handlers_whose_every_route(project, Route::authenticated)
}

/// The handlers, by file and line, whose every route is unauthenticated but for guards whose
/// code is not in the scan, judged by their names.
fn guessed_guard_handlers(project: &Project) -> BTreeMap<(String, usize), String> {
    let handlers = handlers_whose_every_route(project, |route| {
        !route.authenticated() && !route.guessed_guards.is_empty()
    });
    project
        .routes
        .iter()
        .filter_map(|route| {
            let handler = (route.file.clone(), route.line);
            let guard = route.guessed_guards.first()?;
            handlers
                .contains(&handler)
                .then(|| (handler, guard.clone()))
        })
        .collect()
}

/// The handlers, by file and line, whose every route has a guard that admits only staff.
fn staff_only_handlers(project: &Project) -> BTreeSet<(String, usize)> {
    handlers_whose_every_route(project, |route| route.staff_only)
}

/// The handlers, by file and line, that have routes and whose every route passes `test`.
fn handlers_whose_every_route(
    project: &Project,
    test: impl Fn(&Route) -> bool,
) -> BTreeSet<(String, usize)> {
    let mut open = BTreeSet::new();
    let mut passing = BTreeSet::new();
    for route in &project.routes {
        let handler = (route.file.clone(), route.line);
        if test(route) {
            passing.insert(handler);
        } else {
            open.insert(handler);
        }
    }
    passing.retain(|handler| !open.contains(handler));
    passing
}

/// Whether the call `validator` names an enum class (in any file, through its bases).
fn is_enum_class(judge: &Judge, validator: &CallRef) -> bool {
    !validator.callee.contains("::")
        && judge
            .lineage_of_qualified(&validator.callee)
            .ancestors
            .iter()
            .any(|ancestor| is_enum(ancestor))
}

/// `enum.Enum`, `enum.StrEnum`, `django.db.models.TextChoices` and the like.
fn is_enum(qualified: &str) -> bool {
    let (module, name) = qualified.rsplit_once('.').unwrap_or(("", qualified));
    ENUM_BASES.contains(&name)
        && ["enum", "django.db.models", "strenum", "aenum"]
            .iter()
            .any(|library| module == *library || module.starts_with(&format!("{library}.")))
}

/// Whether a module is a test, local or development variant (`settings/local.py`,
/// `settings_dev.py`, `testutils/settings.py`): its values say nothing of what is deployed.
fn is_local_settings(module: &str) -> bool {
    let mut parts = module.rsplit('.');
    let stem = parts.next().unwrap_or_default();
    let parent = parts.next().unwrap_or_default();
    let variant = stem.split('_').any(|word| {
        matches!(
            word,
            "local" | "dev" | "development" | "test" | "tests" | "testing" | "ci"
        )
    });
    variant || crate::testcode::is_test_dir(parent)
}

/// The (file, name) pairs of findings' `NotReboundByImporters` checks where some module of the
/// project star-imports the file (`from .base import *`) and every such module assigns the name
/// again at its top level: the file's own value never takes effect.
fn rebound_by_importers<'f>(
    files: &[(String, &FileFacts)],
    findings: impl Iterator<Item = &'f Finding>,
) -> BTreeSet<(String, String)> {
    let asked: BTreeSet<(String, String)> = findings
        .flat_map(|finding| {
            finding.link_checks.iter().filter_map(|check| match check {
                LinkCheck::NotReboundByImporters(name) => {
                    Some((finding.path.clone(), name.clone()))
                }
                _ => None,
            })
        })
        .collect();
    asked
        .into_iter()
        .filter(|(path, name)| {
            let (module, _) = crate::symbols::python::module_path(path);
            let module = module.as_str();
            let mut importers = files
                .iter()
                .filter_map(|(_, facts)| facts.symbols.as_ref())
                .filter(|symbols| !is_local_settings(&symbols.module))
                .filter(|symbols| {
                    symbols.module != module
                        && symbols.globs.iter().any(|glob| {
                            glob == module
                                || module.ends_with(&format!(".{glob}"))
                                || glob.ends_with(&format!(".{module}"))
                        })
                })
                .peekable();
            importers.peek().is_some()
                && importers.all(|symbols| symbols.assigned.iter().any(|bound| bound == name))
        })
        .collect()
}
