//! Resolving the edges of every file into routes.
//!
//! A name in an edge (`views.detail`, `payments::router`) is resolved to the handlers or
//! containers of that name; the module part (expanded through the file's Python imports) must
//! match the end of the candidate's file path when it is given, and among the remaining
//! candidates the ones in the same file, else the nearest in the directory tree, win. Routes are
//! then collected from every container that nothing mounts, depth first.

use super::facts::{join_path, Edge, FileFacts, HandlerFact, Hook, Target};
use super::guards::{GuardCall, Judge, Lineage, Verdict, Via};
use super::registrars::Argument;
use super::{AuthConfig, Location, Project, Route};
use crate::app::handlers::graphql::{Operation, Schema};
use crate::app::handlers::Framework;
use crate::source::Position;
use std::collections::{BTreeSet, HashMap};

/// Mounts deeper than this are not followed (a cycle guard on top of the visited set).
const MAX_DEPTH: usize = 24;
/// Types of one schema followed at most.
const MAX_TYPES: usize = 512;
/// Actions of a DRF viewset: (method name, HTTP method, on one object).
const VIEWSET_ACTIONS: &[(&str, &str, bool)] = &[
    ("list", "GET", false),
    ("create", "POST", false),
    ("retrieve", "GET", true),
    ("update", "PUT", true),
    ("partial_update", "PATCH", true),
    ("destroy", "DELETE", true),
];

/// A container: (file index, name).
type ContainerId = (usize, String);

#[derive(Clone, Debug)]
enum Resolved {
    Container(ContainerId),
    Handler(usize),
    /// The methods of a class (`name`, as written in the registering file), its own and the
    /// ones it inherits from the project's classes.
    Class {
        name: String,
        handlers: Vec<usize>,
        viewset: bool,
    },
}

/// Guards and markers collected on the way down to a route.
#[derive(Clone, Default)]
struct Trail {
    prefix: String,
    guards: Vec<String>,
    /// Dependencies of the routers and registrations passed through, with their files.
    guard_calls: Vec<(usize, GuardCall)>,
    markers: Vec<String>,
    /// The registrations passed through, outermost first.
    via: Vec<(usize, Position)>,
    /// Why a registration passed through makes its routes public (`security: []`).
    public: Option<String>,
    /// The class the registration mounts, as written in the file (index) that mounts it, when
    /// the handler is a method it inherits from a project class.
    inherited_by: Option<(usize, String)>,
    /// The Django URL namespaces of the `include()`s passed through.
    namespaces: Vec<String>,
}

struct Linker<'a> {
    files: &'a [(String, &'a FileFacts)],
    /// (file index, handler) for every handler.
    handlers: Vec<(usize, &'a HandlerFact)>,
    by_name: HashMap<&'a str, Vec<usize>>,
    containers: BTreeSet<ContainerId>,
    auth: &'a AuthConfig,
    /// Judges dependencies and decorators by what they do.
    judge: Judge<'a>,
    routes: Vec<Route>,
    routed: Vec<bool>,
    /// GraphQL endpoints reached.
    endpoints: Vec<Endpoint>,
    /// Operations renamed by the field a root type of another file mounts them under.
    renamed: HashMap<usize, Operation>,
    /// Handlers found to run a schema themselves (`schema.execute(…)`), and its library.
    serving: HashMap<usize, Framework>,
    /// Guards found when linking an operation (a permission hook its inherited `mutate`
    /// consults).
    hooks: HashMap<usize, String>,
    /// Per settings file, the refusals of its middleware for areas of the site: (entry,
    /// areas, how it refuses), judged once.
    middleware_areas: HashMap<usize, Vec<(String, super::areas::Areas, String)>>,
    /// Hooks other files attach to a container (`@bp.before_request` on an imported
    /// blueprint), with the files they are written in.
    container_hooks: HashMap<ContainerId, Vec<(usize, GuardCall)>>,
    /// The containers that register each container (`app` for a blueprint it registers).
    registered_by: HashMap<ContainerId, Vec<ContainerId>>,
    /// Per file, the edges its calls of registration helpers make (see
    /// [`super::registrars`]).
    helper_edges: &'a HashMap<usize, Vec<Edge>>,
}

/// A GraphQL endpoint reached while collecting routes.
struct Endpoint {
    /// The file that mounts it (where its schema is named).
    file: usize,
    /// The library it serves, `None` for any (a view class of the project).
    library: Option<Framework>,
    /// The trail down to the endpoint.
    trail: Trail,
    /// The schema it serves, as written in `file`.
    schema: Option<String>,
}

/// The types a schema serves: its root types and the types they are composed of, as
/// (file, type) when the scan defines them as classes; else as (module, name) named from a
/// file (Ariadne bindables, types of code the scan does not hold).
#[derive(Default)]
struct Reach {
    types: Vec<(usize, String)>,
    loose: Vec<(String, String, usize)>,
    /// The schema keeps Python's field names (`auto_camelcase=False`).
    snake_case: bool,
    /// A type of the schema takes bases only known at run time (`class Query(*plugin_types)`):
    /// operations no schema reaches may still be in it.
    open: bool,
}

pub(super) fn link(files: &[(String, &FileFacts)], auth: &AuthConfig) -> Project {
    let judge = Judge::new(files);
    let helper_edges = super::registrars::edges(files, &judge);
    let mut handlers = Vec::new();
    let mut containers = BTreeSet::new();
    for (index, (_, facts)) in files.iter().enumerate() {
        handlers.extend(facts.handlers.iter().map(|h| (index, h)));
        containers.extend(facts.containers.iter().map(|c| (index, c.name.clone())));
        let helpers = helper_edges.get(&index).into_iter().flatten();
        containers.extend(
            facts
                .edges
                .iter()
                .chain(helpers)
                .map(|e| (index, e.from.clone())),
        );
    }
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (id, (_, handler)) in handlers.iter().enumerate() {
        by_name.entry(handler.name.as_str()).or_default().push(id);
        if let Some(owner) = &handler.owner {
            by_name.entry(owner.as_str()).or_default().push(id);
        }
    }
    let routed = vec![false; handlers.len()];
    let mut linker = Linker {
        files,
        handlers,
        by_name,
        containers,
        auth,
        judge,
        routes: Vec::new(),
        routed,
        endpoints: Vec::new(),
        renamed: HashMap::new(),
        serving: HashMap::new(),
        hooks: HashMap::new(),
        middleware_areas: HashMap::new(),
        container_hooks: HashMap::new(),
        registered_by: HashMap::new(),
        helper_edges: &helper_edges,
    };
    linker.registered_by = linker.registrations();
    linker.attach_hooks();
    let has_registrations = (0..files.len()).any(|file| {
        linker
            .edges_of(file)
            .any(|e| !matches!(e.target, Target::Container(_)) || e.from == "urlpatterns")
    });
    linker.collect_routes();
    let Linker {
        handlers,
        mut routes,
        serving,
        ..
    } = linker;
    // Routed handlers by path first, then the ones whose registration was not found.
    routes.sort_by(|a, b| {
        (a.path.is_none(), &a.path, &a.methods, &a.file, a.line).cmp(&(
            b.path.is_none(),
            &b.path,
            &b.methods,
            &b.file,
            b.line,
        ))
    });
    routes.dedup_by(|a, b| {
        a.path == b.path && a.methods == b.methods && a.handler_index == b.handler_index
    });
    Project {
        handlers: handlers
            .into_iter()
            .enumerate()
            .map(|(h, (file, handler))| {
                let mut handler = handler.clone();
                handler.serves = handler.serves.or(serving.get(&h).copied());
                (files[file].0.clone(), handler)
            })
            .collect(),
        routes,
        has_registrations,
    }
}

impl<'a> Linker<'a> {
    /// The edges `file` declares, and those its calls of registration helpers make.
    fn edges_of(&self, file: usize) -> impl Iterator<Item = &'a Edge> + 'a {
        let helpers = self.helper_edges.get(&file).into_iter().flatten();
        self.files[file].1.edges.iter().chain(helpers)
    }

    /// The containers that register each container, by the edges of every file.
    fn registrations(&self) -> HashMap<ContainerId, Vec<ContainerId>> {
        let mut parents: HashMap<ContainerId, Vec<ContainerId>> = HashMap::new();
        for file in 0..self.files.len() {
            for edge in self.edges_of(file) {
                for resolved in self.resolve(file, &edge.from, &edge.target) {
                    if let Resolved::Container(id) = resolved {
                        parents
                            .entry(id)
                            .or_default()
                            .push((file, edge.from.clone()));
                    }
                }
            }
        }
        parents
    }

    /// Resolves each hook to the containers it names; an application-wide hook to the roots
    /// that register its container (the container itself when nothing in the scan does). A hook
    /// on a function's parameter names only a container of its own file; its function's callers
    /// hand it the others (see [`Self::attach_installed_hooks`]).
    fn attach_hooks(&mut self) {
        let mut attached = Vec::new();
        for (file, (_, facts)) in self.files.iter().enumerate() {
            for hook in &facts.hooks {
                let held = match (hook.on_parameter, hook.container.as_slice()) {
                    (false, [name]) => self.held_by(file, name),
                    _ => Vec::new(),
                };
                let named: Vec<ContainerId> = match hook.on_parameter {
                    true => Some((file, hook.container.join(".")))
                        .filter(|own| self.containers.contains(own))
                        .into_iter()
                        .collect(),
                    false if !held.is_empty() => held,
                    false => self
                        .resolve(file, "", &Target::Container(hook.container.clone()))
                        .into_iter()
                        .filter_map(|resolved| match resolved {
                            Resolved::Container(id) => Some(id),
                            _ => None,
                        })
                        .collect(),
                };
                for id in named {
                    attached.extend(self.hooked(hook, id).into_iter().map(|id| (id, file, hook)));
                }
            }
        }
        attached.extend(self.attach_installed_hooks());
        for (id, file, hook) in attached {
            let calls = self.container_hooks.entry(id).or_default();
            calls.push((file, hook.guard.clone()));
        }
    }

    /// The containers a hook on `id` runs for: `id`, or for an application-wide hook the roots
    /// that register it.
    fn hooked(&self, hook: &Hook, id: ContainerId) -> Vec<ContainerId> {
        match hook.app_wide {
            true => roots_above(&self.registered_by, id),
            false => vec![id],
        }
    }

    /// The hooks project functions install on the app they are handed (`add_auth(app)`), on the
    /// containers their callers hand them, with the installers' files (see
    /// [`super::installers`]).
    fn attach_installed_hooks(&self) -> Vec<(ContainerId, usize, &'a Hook)> {
        let mut installers: HashMap<(usize, &str), Vec<&Hook>> = HashMap::new();
        for (file, (_, facts)) in self.files.iter().enumerate() {
            for hook in &facts.hooks {
                if let Some(installed) = &hook.installed {
                    let key = (file, installed.function.as_str());
                    installers.entry(key).or_default().push(hook);
                }
            }
        }
        let mut attached = Vec::new();
        if installers.is_empty() {
            return attached;
        }
        for (file, (_, facts)) in self.files.iter().enumerate() {
            for call in &facts.app_calls.calls {
                let Some((at, function)) = self.judge.function(file, &call.callee) else {
                    continue;
                };
                for hook in installers
                    .get(&(at, function.name.as_str()))
                    .into_iter()
                    .flatten()
                {
                    let Some(installed) = &hook.installed else {
                        continue;
                    };
                    let Some(Argument::Name(name)) = call.argument(&installed.parameter) else {
                        continue;
                    };
                    for id in self.held_by(file, name) {
                        attached
                            .extend(self.hooked(hook, id).into_iter().map(|id| (id, at, *hook)));
                    }
                }
            }
        }
        attached
    }

    /// The containers the name `name` of `file` holds: the app a project factory returned to
    /// it (`app = create_app()`), a container of the file, or one it imports.
    fn held_by(&self, file: usize, name: &str) -> Vec<ContainerId> {
        let facts = self.files[file].1;
        let returned = facts
            .app_calls
            .result_of(name)
            .and_then(|callee| self.judge.function(file, callee))
            .and_then(|(at, function)| Some((at, function.more().returns.clone()?)))
            .filter(|id| self.containers.contains(id));
        if let Some(id) = returned {
            return vec![id];
        }
        let own = (file, name.to_string());
        if self.containers.contains(&own) {
            return vec![own];
        }
        let imported = facts
            .symbols
            .as_ref()
            .is_some_and(|symbols| symbols.imports.iter().any(|(local, _)| local == name));
        if !imported {
            return Vec::new();
        }
        self.resolve(file, "", &Target::Container(vec![name.to_string()]))
            .into_iter()
            .filter_map(|resolved| match resolved {
                Resolved::Container(id) => Some(id),
                _ => None,
            })
            .collect()
    }

    fn collect_routes(&mut self) {
        let roots: Vec<ContainerId> = self
            .containers
            .iter()
            .filter(|id| !self.registered_by.contains_key(*id))
            .cloned()
            .collect();
        for root in roots {
            let mut stack = Vec::new();
            self.visit(&root, Trail::default(), &mut stack);
        }
        // Handlers no registration reached keep the route on their own decorator, if any.
        for id in 0..self.handlers.len() {
            if !self.routed[id] {
                let (_, handler) = self.handlers[id];
                if handler.candidate || handler.operation.is_some() {
                    // A function that only a registration makes a handler, and none did; an
                    // operation, listed under its endpoints next.
                    continue;
                }
                let path = handler.route.as_deref().map(|route| join_path("", route));
                self.emit(id, path, handler.methods.clone(), &Trail::default());
            }
        }
        self.attach_operations();
    }

    fn visit(&mut self, id: &ContainerId, trail: Trail, stack: &mut Vec<ContainerId>) {
        crate::budget::deep(|| self.visit_unguarded(id, trail, stack))
    }

    /// Guarded by [`Self::visit`], which grows the stack for deep trees.
    fn visit_unguarded(&mut self, id: &ContainerId, trail: Trail, stack: &mut Vec<ContainerId>) {
        if stack.len() > MAX_DEPTH || stack.contains(id) {
            return;
        }
        stack.push(id.clone());
        let (file, name) = id;
        let facts = self.files[*file].1;
        let mut trail = trail;
        if let Some(container) = facts.containers.iter().find(|c| &c.name == name) {
            trail.prefix = join_path(&trail.prefix, &container.prefix);
            trail.guards.extend(container.guards.iter().cloned());
            trail
                .guard_calls
                .extend(container.guard_calls.iter().map(|c| (*file, c.clone())));
            trail.markers.extend(container.markers.iter().cloned());
        }
        if let Some(hooks) = self.container_hooks.get(id) {
            trail.guard_calls.extend(hooks.iter().cloned());
        }
        // Handlers decorated with this container (`@router.get("/x")`).
        let members: Vec<usize> = (0..self.handlers.len())
            .filter(|&h| {
                let (hfile, handler) = self.handlers[h];
                hfile == *file && handler.route.is_some() && handler.owner.as_ref() == Some(name)
            })
            .collect();
        for h in members {
            let handler = self.handlers[h].1;
            let path = join_path(&trail.prefix, handler.route.as_deref().unwrap_or(""));
            self.emit(h, Some(path), handler.methods.clone(), &trail);
        }
        let edges: Vec<&Edge> = self.edges_of(*file).filter(|e| &e.from == name).collect();
        for edge in edges {
            let mut next = trail.clone();
            next.prefix = join_path(&trail.prefix, &edge.prefix);
            next.guards.extend(edge.guards.iter().cloned());
            next.guard_calls
                .extend(edge.guard_calls.iter().map(|c| (*file, c.clone())));
            next.markers.extend(edge.markers.iter().cloned());
            next.via.push((*file, edge.at));
            if edge.public.is_some() {
                next.public.clone_from(&edge.public);
            }
            if let Some((library, guards)) = self.graphql_endpoint(*file, &edge.target) {
                next.guards.extend(guards);
                self.endpoints.push(Endpoint {
                    file: *file,
                    library,
                    trail: next,
                    schema: edge.schema.clone(),
                });
                continue;
            }
            for resolved in self.resolve(*file, &edge.from, &edge.target) {
                match resolved {
                    Resolved::Container(child) => {
                        let mut next = next.clone();
                        let namespace = match &edge.target {
                            Target::Module(_) => edge
                                .namespace
                                .as_ref()
                                .or(self.files[child.0].1.app_name.as_ref()),
                            _ => None,
                        };
                        next.namespaces.extend(namespace.cloned());
                        self.visit(&child, next, stack)
                    }
                    Resolved::Handler(h) => {
                        let handler = self.handlers[h].1;
                        // actix: `scope("/api").service(h)` where `h` has `#[post("/x")]`; a
                        // hand-routed arm matches the whole request path itself.
                        let path = match &handler.route {
                            Some(route) if handler.framework.routes_by_hand() => {
                                join_path("", route)
                            }
                            Some(route) => join_path(&next.prefix, route),
                            None => next.prefix.clone(),
                        };
                        let methods = if edge.methods.is_empty() {
                            handler.methods.clone()
                        } else {
                            edge.methods.clone()
                        };
                        self.emit(h, Some(path), methods, &next);
                    }
                    Resolved::Class {
                        name,
                        handlers,
                        viewset,
                    } => {
                        for h in handlers {
                            let owner = self.handlers[h].1.owner.as_deref();
                            let mut next = next.clone();
                            if owner != name.rsplit('.').next() {
                                next.inherited_by = Some((*file, name.clone()));
                            }
                            self.emit_class_member(h, viewset, &next);
                        }
                    }
                }
            }
        }
        stack.pop();
    }

    /// The library a GraphQL endpoint serves (`None`: any), when `target` is one, with the
    /// guards its class brings: a view, router or app of a GraphQL library, a view of the
    /// project mounted with a schema, or a class of the project derived from a library's view
    /// (`class PrivateGraphQLView(LoginRequiredMixin, GraphQLView)`, or one whose `dispatch`
    /// refuses anonymous callers).
    fn graphql_endpoint(
        &self,
        file: usize,
        target: &Target,
    ) -> Option<(Option<Framework>, Vec<String>)> {
        match target {
            Target::Graphql(library) => Some((Some(*library), Vec::new())),
            Target::GraphqlView(path) => Some(self.graphql_view(file, path)),
            Target::Class {
                path,
                viewset: false,
            } => {
                let (module, name) = self.expand(file, path);
                if !self.class_methods(file, &module, &name).is_empty() {
                    return None;
                }
                let (library, guards) = self.graphql_view(file, path);
                library.map(|library| (Some(library), guards))
            }
            _ => None,
        }
    }

    /// The library a view class of the project serves through its bases, and its guards: the
    /// guard mixins it inherits, else its `dispatch` when that refuses anonymous callers.
    fn graphql_view(&self, file: usize, path: &[String]) -> (Option<Framework>, Vec<String>) {
        let written = path.join(".");
        let lineage = self.judge.lineage_of(file, &written);
        let library = lineage
            .ancestors
            .iter()
            .find_map(|base| crate::app::handlers::graphql::python::endpoint_library(base));
        let mut guards = lineage.guards;
        if guards.is_empty() {
            guards.extend(self.dispatch_guard(file, &written));
        }
        (library, guards)
    }

    /// `class.dispatch`, named as written in `file`, as a guard when it refuses anonymous
    /// callers by its decorators (`@method_decorator(login_required)`) or its code.
    fn dispatch_guard(&self, file: usize, class: &str) -> Option<String> {
        let dispatch = GuardCall {
            text: format!("{class}.dispatch"),
            callee: format!("{class}.dispatch"),
            how: Via::Call,
            unless_caught: Vec::new(),
        };
        match self.judge.judge(file, &dispatch) {
            Verdict::Guard(why) => Some(format!("{} ({why})", dispatch.text)),
            _ => None,
        }
    }

    /// Every GraphQL operation under the endpoints whose schema reaches it: a field of one of
    /// the schema's root types or of a type they are composed of (bases, `merge_types`), or a
    /// mutation class such a type mounts (`refund = RefundOrder.Field()`, which also names
    /// it). An operation no endpoint with a known schema reaches goes under the endpoints of
    /// its library whose schema is not known, or takes types only known at run time (the ones
    /// nearest its file), with the guards collected down to the endpoint.
    fn attach_operations(&mut self) {
        let reaches: Vec<Option<Reach>> = (0..self.endpoints.len())
            .map(|e| self.reach(&self.endpoints[e]))
            .collect();
        // (file of the owner, owner type, field, module and name of the mounted class).
        let mut mounts = Vec::new();
        for (file, (_, facts)) in self.files.iter().enumerate() {
            for mount in &facts.graphql_mounts {
                let (module, name) = self.judge.qualify(file, &mount.class_name);
                mounts.push((file, &mount.owner, &mount.field, module, name));
            }
        }
        for h in 0..self.handlers.len() {
            let (file, handler) = self.handlers[h];
            let Some(operation) = &handler.operation else {
                continue;
            };
            let type_name = operation.type_name.as_deref().unwrap_or("");
            if operation.unconfirmed_base.is_some() {
                // `class OrderRefund(AuditMixin, BaseMutation)`: an operation only if some
                // ancestor, followed across files, is graphene's.
                let lineage = self.judge.lineage(file, type_name);
                let confirmed = lineage.ancestors.iter().any(|ancestor| {
                    crate::app::handlers::graphql::python::is_graphene_type(ancestor)
                });
                if !confirmed {
                    continue;
                }
            }
            let mounted: Vec<(usize, &String, &String)> = mounts
                .iter()
                .filter(|(from, _, _, module, name)| {
                    name == type_name && self.judge.names_item_of(*from, module, file)
                })
                .map(|(from, owner, field, _, _)| (*from, *owner, *field))
                .collect();
            if operation.inherited && mounted.is_empty() {
                // A mutation class that inherits `mutate` and no root type mounts.
                continue;
            }
            if handler.framework == Framework::Graphene
                && operation.kind == crate::app::handlers::graphql::OperationKind::Mutation
            {
                let runners = ["mutate", "mutate_and_get_payload"];
                if let Some(guard) = self.judge.permission_hook(file, type_name, &runners) {
                    self.hooks.insert(h, guard);
                }
            }
            if let Some((_, _, field)) = mounted.first() {
                if operation.field != **field {
                    let mut renamed = operation.clone();
                    renamed.field = (*field).clone();
                    self.renamed.insert(h, renamed);
                }
            }
            let reached: Vec<usize> = (0..self.endpoints.len())
                .filter(|&e| {
                    reaches[e].as_ref().is_some_and(|reach| {
                        if mounted.is_empty() {
                            self.reaches(reach, file, type_name)
                        } else {
                            mounted
                                .iter()
                                .any(|(from, owner, _)| self.reaches(reach, *from, owner))
                        }
                    })
                })
                .collect();
            let snake = !reached.is_empty()
                && reached
                    .iter()
                    .all(|&e| reaches[e].as_ref().is_some_and(|r| r.snake_case))
                && matches!(
                    handler.framework,
                    Framework::Graphene | Framework::Strawberry
                );
            if snake {
                let mut renamed = self.renamed.get(&h).unwrap_or(operation).clone();
                renamed.field = crate::app::handlers::graphql::snake(&renamed.field);
                self.renamed.insert(h, renamed);
            }
            let served_by = if reached.is_empty() {
                let pool: Vec<(usize, usize)> = self
                    .endpoints
                    .iter()
                    .enumerate()
                    .filter(|(e, endpoint)| {
                        reaches[*e].as_ref().is_none_or(|r| r.open)
                            && endpoint.library.is_none_or(|l| l == handler.framework)
                    })
                    .map(|(index, endpoint)| (endpoint.file, index))
                    .collect();
                self.closest(file, pool)
            } else {
                reached
            };
            if served_by.is_empty() {
                self.emit(h, None, handler.methods.clone(), &Trail::default());
            }
            for index in served_by {
                let trail = self.endpoints[index].trail.clone();
                let path = join_path(&trail.prefix, "");
                self.emit(h, Some(path), handler.methods.clone(), &trail);
            }
        }
    }

    /// The schema a name written in `file` refers to (`schema`, `api.schema`, `@OFFSET` for
    /// one built in the file), with the file that builds it.
    fn find_schema(&self, file: usize, written: &str) -> Option<(usize, &'a Schema)> {
        let schemas = |f: usize| self.files[f].1.graphql_schemas.iter();
        // Every file's schemas of that name, each keyed by its file for `nearest`.
        let schemas_named = |name: &str| -> Vec<(usize, (usize, &'a Schema))> {
            (0..self.files.len())
                .flat_map(|f| {
                    schemas(f)
                        .filter(|s| s.name == name)
                        .map(move |s| (f, (f, s)))
                })
                .collect()
        };
        if written.starts_with('@') {
            return schemas(file).find(|s| s.name == written).map(|s| (file, s));
        }
        if self.files[file].0.ends_with(".rs") {
            // `crate::schema::AppSchema`, qualified where the handler names it.
            let (module, name) = rust_path(written)?;
            let candidates = schemas_named(&name);
            return self.nearest(file, &module, candidates).into_iter().next();
        }
        let (module, name) = self.judge.qualify(file, written);
        let candidates = schemas_named(&name);
        let named: Vec<(usize, (usize, &'a Schema))> = candidates
            .iter()
            .filter(|(f, _)| self.judge.names_item_of(file, &module, *f))
            .cloned()
            .collect();
        if !named.is_empty() {
            return named.first().map(|(_, found)| *found);
        }
        // Imported inside the view, or from code the symbols do not follow: the nearest.
        self.closest(file, candidates).into_iter().next()
    }

    /// The types the schema an endpoint serves reaches; `None` when its schema is not known.
    fn reach(&self, endpoint: &Endpoint) -> Option<Reach> {
        let (at, schema) = self.find_schema(endpoint.file, endpoint.schema.as_deref()?)?;
        if matches!(schema.library, Framework::AsyncGraphql | Framework::Juniper) {
            let reach = self.rust_reach(at, schema);
            return (!reach.types.is_empty()).then_some(reach);
        }
        let mut reach = Reach {
            snake_case: schema.snake_case,
            ..Reach::default()
        };
        for (_, written) in &schema.roots {
            let family = self.judge.class_family(at, written);
            if family.is_empty() {
                let (module, name) = self.judge.qualify(at, written);
                reach.loose.push((module, name, at));
            }
            reach.open |= family.iter().any(|(f, name)| {
                self.files[*f]
                    .1
                    .classes
                    .iter()
                    .any(|c| &c.name == name && c.bases.iter().any(|b| b.starts_with('*')))
            });
            reach.types.extend(family);
        }
        if reach.types.is_empty() && reach.loose.is_empty() {
            return None;
        }
        Some(reach)
    }

    /// The types a Rust schema reaches: its root types (`QueryRoot`, qualified where the
    /// schema is built) and the objects a `MergedObject` merges, found by name among the types
    /// whose methods resolve fields, with the module path deciding between files.
    fn rust_reach(&self, at: usize, schema: &Schema) -> Reach {
        let mut reach = Reach::default();
        let mut work: Vec<(usize, String)> = schema
            .roots
            .iter()
            .map(|(_, root)| (at, root.clone()))
            .collect();
        let mut seen = BTreeSet::new();
        while let Some((from, written)) = work.pop() {
            if seen.len() > MAX_TYPES || !seen.insert((from, written.clone())) {
                continue;
            }
            let Some((module, name)) = rust_path(&written) else {
                continue;
            };
            let defines = |f: usize| {
                let facts = self.files[f].1;
                facts.classes.iter().any(|c| c.name == name)
                    || facts.handlers.iter().any(|h| {
                        h.operation
                            .as_ref()
                            .is_some_and(|o| o.type_name.as_deref() == Some(name.as_str()))
                    })
            };
            let candidates: Vec<(usize, usize)> = (0..self.files.len())
                .filter(|&f| self.files[f].0.ends_with(".rs") && defines(f))
                .map(|f| (f, f))
                .collect();
            for f in self.nearest(from, &module, candidates) {
                reach.types.push((f, name.clone()));
                if let Some(merged) = self.files[f].1.classes.iter().find(|c| c.name == name) {
                    work.extend(merged.bases.iter().map(|part| (f, part.clone())));
                }
            }
        }
        reach
    }

    /// Whether a schema's reach holds the type `type_name` of `file`.
    fn reaches(&self, reach: &Reach, file: usize, type_name: &str) -> bool {
        reach
            .types
            .iter()
            .any(|(f, name)| *f == file && name == type_name)
            || reach.loose.iter().any(|(module, name, from)| {
                name == type_name && self.judge.names_item_of(*from, module, file)
            })
    }

    /// A method of a class-based view or viewset mounted at `trail.prefix`.
    fn emit_class_member(&mut self, h: usize, viewset: bool, trail: &Trail) {
        let handler = self.handlers[h].1;
        if !viewset {
            self.emit(
                h,
                Some(trail.prefix.clone()),
                handler.methods.clone(),
                trail,
            );
            return;
        }
        let base = join_path(&trail.prefix, "");
        let base = if base.ends_with('/') {
            base
        } else {
            format!("{base}/")
        };
        let (path, methods) = match (
            &handler.action,
            VIEWSET_ACTIONS.iter().find(|a| a.0 == handler.name),
        ) {
            (Some((detail, segment)), _) => {
                let path = if *detail {
                    format!("{base}{{pk}}/{segment}/")
                } else {
                    format!("{base}{segment}/")
                };
                (path, handler.methods.clone())
            }
            (None, Some((_, method, detail))) => {
                let path = if *detail {
                    format!("{base}{{pk}}/")
                } else {
                    base.clone()
                };
                (path, vec![(*method).to_string()])
            }
            (None, None) => return,
        };
        self.emit(h, Some(path), methods, trail);
    }

    fn emit(&mut self, h: usize, path: Option<String>, methods: Vec<String>, trail: &Trail) {
        self.routed[h] |= path.is_some();
        let (file, handler) = self.handlers[h];
        let mut guards: Vec<String> = handler.guards.clone();
        guards.extend(self.hooks.get(&h).cloned());
        // A django-ninja operation's own `auth=` replaces its routers' and API's.
        let trail_calls: &[(usize, GuardCall)] = if handler.own_auth {
            &[]
        } else {
            guards.extend(trail.guards.iter().cloned());
            &trail.guard_calls
        };
        let mut guessed = Vec::new();
        let mut dispatched = Vec::new();
        let mut staff_only = false;
        let mut address_check = handler
            .address_check
            .as_ref()
            .map(|check| format!("`{check}`"));
        let calls = handler.guard_calls.iter().map(|call| (file, call));
        for (at, call) in calls.chain(trail_calls.iter().map(|(f, c)| (*f, c))) {
            staff_only |= !(call.how.read_as_helper()
                || matches!(call.how, Via::Predicate | Via::Dispatched))
                && self.judge.admits_only_staff(at, call);
            match self.judge.judge(at, call) {
                Verdict::Guard(why) => guards.push(format!("{} ({why})", call.text)),
                Verdict::ByName => guessed.push(call.text.clone()),
                Verdict::Dispatched(why) => dispatched.push(format!("{} ({why})", call.text)),
                Verdict::No if address_check.is_none() => {
                    address_check = self.judge.address_check(at, call);
                }
                Verdict::No => {}
            }
        }
        guessed.sort();
        guessed.dedup();
        if let Some(check) = &handler.inline_check {
            guards.push(format!("inline check: {check}"));
        }
        let markers = handler.markers.iter().chain(&trail.markers);
        let django = matches!(handler.framework, Framework::Django | Framework::Drf);
        // The mounted class, where its name is written (its lineage includes the base that
        // defines the method).
        let view = match (&trail.inherited_by, &handler.owner) {
            (Some((at, class)), _) if django => Some((*at, class.as_str())),
            (None, Some(owner)) if django => Some((file, owner.as_str())),
            _ => None,
        };
        let lineage = match view {
            Some((at, class)) if trail.inherited_by.is_some() => self.judge.lineage_of(at, class),
            Some((at, class)) => self.judge.lineage(at, class),
            None => Lineage::default(),
        };
        let framework = if lineage.drf {
            Framework::Drf
        } else {
            handler.framework
        };
        guards.extend(lineage.guards.iter().cloned());
        // A project base whose `dispatch` refuses anonymous callers, by its decorators
        // (`@method_decorator(login_required)`) or its code, guards every method it serves.
        if let Some((at, class)) = view.filter(|_| lineage.guards.is_empty()) {
            let family = self.judge.class_family(at, class);
            let refused = family
                .iter()
                .find_map(|(defined_in, ancestor)| self.dispatch_guard(*defined_in, ancestor));
            guards.extend(refused);
        }
        let mut permissions: Vec<&str> = handler
            .markers
            .iter()
            .filter(|m| m.contains("permission_classes"))
            .map(String::as_str)
            .collect();
        if permissions.is_empty() {
            if let Some(inherited) = lineage.permission_classes.as_deref() {
                permissions.push(inherited);
                if !inherited.contains("AllowAny") {
                    guards.push(format!("permission_classes = {inherited}"));
                }
            }
        }
        let explicit_permissions = !permissions.is_empty();
        let here = &self.files[file].0;
        for (index, (settings, facts)) in self.files.iter().enumerate() {
            if !package_covers(settings, here) {
                continue;
            }
            let django = matches!(framework, Framework::Django | Framework::Drf);
            if django && !facts.middleware.is_empty() {
                guards.extend(self.middleware_guards(index));
                if let Some(path) = &path {
                    guards.extend(self.middleware_area_guards(index, path, &trail.namespaces));
                }
            }
            if facts.defaults.is_empty() {
                continue;
            }
            for (default_for, guard) in &facts.defaults {
                let applies = *default_for == framework
                    && !(framework == Framework::Drf && explicit_permissions)
                    && !handler
                        .markers
                        .iter()
                        .any(|m| m.contains("login_not_required"));
                if applies {
                    guards.push(guard.clone());
                }
            }
        }
        for marker in markers {
            if let Some(guard) = self.auth.guard_in(marker) {
                guards.push(guard.to_string());
            }
        }
        guards.sort();
        guards.dedup();
        let runs = handler.serves_schema.as_ref().and_then(|written| {
            let (_, schema) = self.find_schema(file, written)?;
            Some((schema.library, Some(written.clone())))
        });
        if let (None, Some((library, _))) = (handler.serves, &runs) {
            self.serving.insert(h, *library);
        }
        let serves = handler.serves.map(|library| (library, None)).or(runs);
        if let (Some((library, schema)), Some(path)) = (serves, &path) {
            // A handler that runs a schema: its operations are reached through it.
            let mut through = trail.clone();
            through.prefix = path.clone();
            through.guards = guards.clone();
            through.guard_calls.clear();
            self.endpoints.push(Endpoint {
                file,
                library: Some(library),
                trail: through,
                schema: schema.or_else(|| handler.serves_schema.clone()),
            });
        }
        let allow_any = explicit_permissions && permissions.iter().all(|m| m.contains("AllowAny"));
        let public = handler
            .public
            .clone()
            .or_else(|| trail.public.clone())
            .or_else(|| {
                let path = path.as_deref()?;
                self.auth
                    .public_path(path)
                    .map(|re| format!("public-paths `{}` in the configuration", re.as_str()))
            })
            .or_else(|| allow_any.then(|| "permission_classes = [AllowAny]".to_string()))
            .or_else(|| {
                let capability = handler.capability.as_ref().filter(|c| c.resolved)?;
                Some(format!(
                    "checks a secret the request carries: `{}`",
                    capability.check
                ))
            });
        self.routes.push(Route {
            methods,
            path,
            handler: match (
                self.renamed.get(&h).or(handler.operation.as_ref()),
                &handler.owner,
            ) {
                (Some(operation), _) => operation.label(),
                (None, Some(owner))
                    if handler.route.is_none() || handler.framework == Framework::Drf =>
                {
                    match &trail.inherited_by {
                        Some((_, class)) => {
                            let class = class.rsplit('.').next().unwrap_or(class);
                            format!("{class}.{} (from {owner})", handler.name)
                        }
                        None => format!("{owner}.{}", handler.name),
                    }
                }
                (None, _) => handler.name.clone(),
            },
            framework,
            file: self.files[file].0.clone(),
            line: handler.start.line,
            guards,
            guessed_guards: guessed,
            dispatched_guards: dispatched,
            public,
            capability_by_name: handler
                .capability
                .as_ref()
                .filter(|c| !c.resolved)
                .map(|c| c.check.clone()),
            registered_at: trail
                .via
                .iter()
                .map(|(f, at)| Location {
                    path: self.files[*f].0.clone(),
                    line: at.line,
                    column: at.column,
                })
                .collect(),
            operation: self
                .renamed
                .get(&h)
                .or(handler.operation.as_ref())
                .map(|o| Operation::new(o.kind, o.field.clone())),
            handler_index: h,
            staff_only,
            address_check,
        });
    }

    /// The middleware of the settings file `index` that authenticates every request, judged
    /// once.
    fn middleware_guards(&self, index: usize) -> Vec<String> {
        self.files[index]
            .1
            .middleware
            .iter()
            .filter_map(|entry| {
                let call = GuardCall {
                    text: entry.clone(),
                    callee: entry.clone(),
                    how: Via::Middleware,
                    unless_caught: Vec::new(),
                };
                match self.judge.judge(index, &call) {
                    Verdict::Guard(why) => Some(format!("middleware {entry} ({why})")),
                    _ => None,
                }
            })
            .collect()
    }

    /// The middleware of the settings file `index` that refuses callers in an area of the site
    /// covering the route at `path`, mounted through `namespaces` (see [`super::areas`]).
    fn middleware_area_guards(
        &mut self,
        index: usize,
        path: &str,
        namespaces: &[String],
    ) -> Vec<String> {
        let (files, judge) = (self.files, &self.judge);
        let scoped = self.middleware_areas.entry(index).or_insert_with(|| {
            files[index]
                .1
                .middleware
                .iter()
                .flat_map(|entry| {
                    judge
                        .middleware_areas(index, entry)
                        .into_iter()
                        .map(move |(areas, why)| (entry.clone(), areas, why))
                })
                .collect()
        });
        scoped
            .iter()
            .filter_map(|(entry, areas, why)| {
                let area = super::areas::covering(areas, path, namespaces)?;
                Some(format!("middleware {entry} for {area} ({why})"))
            })
            .collect()
    }

    /// What `target`, named in `file` on an edge from `from`, refers to.
    fn resolve(&self, file: usize, from: &str, target: &Target) -> Vec<Resolved> {
        match target {
            Target::Module(module) => {
                let segments: Vec<String> = module.split('.').map(str::to_string).collect();
                let candidates = (0..self.files.len())
                    .filter(|&f| self.containers.contains(&(f, "urlpatterns".to_string())))
                    .map(|f| (f, (f, "urlpatterns".to_string())))
                    .collect();
                self.nearest(file, &segments, candidates)
                    .into_iter()
                    .map(Resolved::Container)
                    .collect()
            }
            Target::Container(path) => {
                // A `let` binding of the same function first (`nest("/api", api)`).
                if let [name] = path.as_slice() {
                    let function = from.split("::").next().unwrap_or("");
                    let local = (file, format!("{function}::{name}"));
                    if self.containers.contains(&local) {
                        return vec![Resolved::Container(local)];
                    }
                }
                let (module, name) = self.expand(file, path);
                let candidates: Vec<(usize, ContainerId)> = self
                    .containers
                    .iter()
                    .filter(|(_, n)| *n == name)
                    .map(|id| (id.0, id.clone()))
                    .collect();
                let found = self.nearest(file, &module, candidates);
                if !found.is_empty() {
                    return found.into_iter().map(Resolved::Container).collect();
                }
                self.resolve_handlers(file, &module, &name)
            }
            Target::Handler(path) => {
                let (module, name) = self.expand(file, path);
                self.resolve_handlers(file, &module, &name)
            }
            Target::Graphql(_) | Target::GraphqlView(_) => Vec::new(),
            Target::Class { path, viewset } => {
                let (module, name) = self.expand(file, path);
                let mut handlers = self.class_methods(file, &module, &name);
                // The methods it inherits from the project's classes, where it does not
                // override them (`class LayoutEditorView(BaseEditorView)` serves its base's
                // `post`).
                for ancestor in self.judge.lineage_of(file, &path.join(".")).ancestors {
                    let (module, name) = ancestor.rsplit_once('.').unwrap_or(("", &ancestor));
                    let module: Vec<String> = module.split('.').map(str::to_string).collect();
                    for h in self.class_methods(file, &module, name) {
                        let method = &self.handlers[h].1.name;
                        if !handlers.iter().any(|&k| &self.handlers[k].1.name == method) {
                            handlers.push(h);
                        }
                    }
                }
                if handlers.is_empty() {
                    return Vec::new();
                }
                vec![Resolved::Class {
                    name: path.join("."),
                    handlers,
                    viewset: *viewset,
                }]
            }
        }
    }

    /// The handlers that are methods of the class `name` of `module`.
    fn class_methods(&self, file: usize, module: &[String], name: &str) -> Vec<usize> {
        self.named(file, module, name, |handler| {
            handler.owner.as_deref() == Some(name)
        })
    }

    /// Handlers named `name`.
    fn resolve_handlers(&self, file: usize, module: &[String], name: &str) -> Vec<Resolved> {
        self.named(file, module, name, |handler| handler.name == name)
            .into_iter()
            .map(Resolved::Handler)
            .collect()
    }

    /// The handlers indexed under `name` that `wanted` accepts, the ones in `module` (or
    /// nearest to `file`) first.
    fn named(
        &self,
        file: usize,
        module: &[String],
        name: &str,
        wanted: impl Fn(&HandlerFact) -> bool,
    ) -> Vec<usize> {
        let candidates: Vec<(usize, usize)> = self
            .by_name
            .get(name)
            .into_iter()
            .flatten()
            .filter(|&&h| wanted(self.handlers[h].1))
            .map(|&h| (self.handlers[h].0, h))
            .collect();
        self.nearest(file, module, candidates)
    }

    /// The module part and the name of a dotted path, with the first segment expanded through
    /// the file's imports.
    fn expand(&self, file: usize, path: &[String]) -> (Vec<String>, String) {
        let mut full: Vec<String> = Vec::new();
        if path.len() > 1 && matches!(path[0].as_str(), "self" | "cls") {
            // A method of the enclosing object (`self.login`): not modelled, resolves to nothing.
            return (vec![path[0].clone()], String::new());
        }
        if let Some(first) = path.first() {
            match self.files[file]
                .1
                .imports
                .iter()
                .find(|(local, _)| local == first)
            {
                Some((_, dotted)) => full.extend(
                    dotted
                        .split('.')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                ),
                None => full.push(first.clone()),
            }
            full.extend(path[1..].iter().cloned());
        }
        let name = full.pop().unwrap_or_default();
        (full, name)
    }

    /// Among `(file, item)` candidates: those whose file is in `module` (when one is named), then
    /// the ones in `file` itself, else the ones nearest to it in the directory tree.
    fn nearest<T: Clone>(
        &self,
        file: usize,
        module: &[String],
        candidates: Vec<(usize, T)>,
    ) -> Vec<T> {
        let segments: Vec<&str> = module.iter().map(String::as_str).collect();
        let in_module: Vec<(usize, T)> = candidates
            .iter()
            .filter(|(f, _)| module_matches(&self.files[*f].0, &segments))
            .cloned()
            .collect();
        let pool = if segments.is_empty() {
            candidates
        } else {
            in_module
        };
        self.closest(file, pool)
    }

    /// The candidates in `file` itself, else the ones nearest to it in the directory tree.
    fn closest<T>(&self, file: usize, pool: Vec<(usize, T)>) -> Vec<T> {
        let here = &self.files[file].0;
        let score = |f: usize| {
            if f == file {
                usize::MAX
            } else {
                common_dirs(here, &self.files[f].0)
            }
        };
        let Some(best) = pool.iter().map(|(f, _)| score(*f)).max() else {
            return Vec::new();
        };
        pool.into_iter()
            .filter(|(f, _)| score(*f) == best)
            .map(|(_, item)| item)
            .collect()
    }
}

/// The module path and name of a Rust path (`crate::graphql::QueryRoot` →
/// (`["graphql"]`, `QueryRoot`)), without `crate`/`self`/`super`.
fn rust_path(written: &str) -> Option<(Vec<String>, String)> {
    let mut path: Vec<String> = written
        .split("::")
        .map(str::trim)
        .filter(|s| !matches!(*s, "crate" | "self" | "super" | ""))
        .map(str::to_string)
        .collect();
    let name = path.pop()?;
    Some((path, name))
}

/// Whether the file at `path` is the module `segments` or inside it (`["payments", "urls"]`
/// matches `src/payments/urls.py`; `["handlers"]` matches `src/handlers.rs`,
/// `src/handlers/mod.rs` and, for re-exports, `src/handlers/payments.rs`).
fn module_matches(path: &str, segments: &[&str]) -> bool {
    if segments.is_empty() {
        return true;
    }
    let stem = path
        .rsplit_once('.')
        .map_or(path, |(stem, _)| stem)
        .trim_end_matches("/__init__")
        .trim_end_matches("/mod");
    let parts: Vec<&str> = stem.split('/').collect();
    parts
        .windows(segments.len())
        .any(|window| window == segments)
}

/// Whether a file of the package that `declared_in` belongs to (a settings module, a model)
/// speaks for `path`: it lies under the directory above that package
/// (`shop/config/settings.py` → `shop/`).
pub(super) fn package_covers(declared_in: &str, path: &str) -> bool {
    let mut dirs: Vec<&str> = declared_in.split('/').collect();
    dirs.pop();
    if dirs.last() == Some(&"settings") {
        dirs.pop();
    }
    dirs.pop();
    let root = dirs.join("/");
    root.is_empty() || path.starts_with(&format!("{root}/"))
}

/// How many leading directories two paths share.
fn common_dirs(a: &str, b: &str) -> usize {
    let dirs = |p: &str| -> Vec<String> {
        let mut parts: Vec<String> = p.split('/').map(str::to_string).collect();
        parts.pop();
        parts
    };
    dirs(a)
        .iter()
        .zip(dirs(b).iter())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The containers at the top of the registrations above `id`: those no other container
/// registers, reached through `parents` (`id` itself when nothing registers it).
fn roots_above(
    parents: &HashMap<ContainerId, Vec<ContainerId>>,
    id: ContainerId,
) -> Vec<ContainerId> {
    let mut roots = Vec::new();
    let mut seen = vec![id.clone()];
    let mut stack = vec![id];
    while let Some(current) = stack.pop() {
        match parents.get(&current) {
            Some(above) => {
                for parent in above {
                    if !seen.contains(parent) {
                        seen.push(parent.clone());
                        stack.push(parent.clone());
                    }
                }
            }
            None => roots.push(current),
        }
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::{common_dirs, module_matches, package_covers};

    #[test]
    fn modules_match_the_end_of_a_path() {
        assert!(module_matches(
            "shop/payments/urls.py",
            &["payments", "urls"]
        ));
        assert!(module_matches("src/handlers/mod.rs", &["handlers"]));
        assert!(module_matches("app/routers/__init__.py", &["routers"]));
        assert!(!module_matches(
            "shop/payments/urls.py",
            &["orders", "urls"]
        ));
        assert!(module_matches("urls.py", &[]));
        assert!(module_matches("src/handlers/payments.rs", &["handlers"]));
    }

    #[test]
    fn settings_govern_their_project_directory() {
        assert!(package_covers(
            "shop/config/settings.py",
            "shop/payments/views.py"
        ));
        assert!(package_covers(
            "shop/config/settings/base.py",
            "shop/payments/views.py"
        ));
        assert!(!package_covers(
            "shop/config/settings.py",
            "ledger/views.py"
        ));
        assert!(package_covers("config/settings.py", "payments/views.py"));
    }

    #[test]
    fn nearness_counts_shared_directories() {
        assert_eq!(common_dirs("a/b/c.py", "a/b/d.py"), 2);
        assert_eq!(common_dirs("a/b/c.py", "a/x/d.py"), 1);
        assert_eq!(common_dirs("c.py", "d.py"), 0);
    }
}
