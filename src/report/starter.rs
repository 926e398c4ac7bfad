//! `tollgate init`: what the project model recognised in a service (frameworks, guards, routes it
//! could not place) and a commented starter `tollgate.toml` whose `[auth]` section lists, for
//! review, the guards tollgate could only guess and the routes that have no guard.

use super::escape::sanitize;
use crate::app::guards::Via;
use crate::app::{Project, Route};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Unguarded and unrouted routes listed one by one; the rest are counted.
const MAX_LISTED: usize = 40;

/// The `[auth]` key a guessed guard belongs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum AuthKey {
    Decorators,
    Dependencies,
    Extractors,
    Middleware,
}

impl AuthKey {
    const ALL: [AuthKey; 4] = [
        AuthKey::Decorators,
        AuthKey::Dependencies,
        AuthKey::Extractors,
        AuthKey::Middleware,
    ];

    fn name(self) -> &'static str {
        match self {
            AuthKey::Decorators => "decorators",
            AuthKey::Dependencies => "dependencies",
            AuthKey::Extractors => "extractors",
            AuthKey::Middleware => "middleware",
        }
    }
}

/// A guard known only by its name: its code is not among the scanned files.
#[derive(Debug)]
struct Guessed {
    /// The callable as written, which `[auth]` matches as a whole name.
    name: String,
    key: AuthKey,
    routes: usize,
    /// The first route it is on (`file:line`).
    example: String,
}

/// What the project model tells about a service, for onboarding.
#[derive(Debug)]
pub struct Survey<'a> {
    /// Routes per framework.
    frameworks: BTreeMap<&'static str, usize>,
    /// Guards tollgate recognised (by what their code does, by qualified name, from settings or
    /// configuration), by how they read in `tollgate routes`, with their number of routes.
    recognised: BTreeMap<String, usize>,
    guessed: Vec<Guessed>,
    /// Routed handlers with no guard that are not marked public.
    unguarded: Vec<&'a Route>,
    /// Handlers no registration was found for.
    unrouted: Vec<&'a Route>,
    routes: usize,
}

impl<'a> Survey<'a> {
    pub fn of(project: &'a Project) -> Survey<'a> {
        let mut frameworks = BTreeMap::new();
        let mut recognised: BTreeMap<String, usize> = BTreeMap::new();
        let mut guessed: BTreeMap<(AuthKey, String), Guessed> = BTreeMap::new();
        for route in &project.routes {
            *frameworks.entry(route.framework.name()).or_default() += 1;
            for guard in &route.guards {
                *recognised.entry(guard_name(guard)).or_default() += 1;
            }
            let calls = project
                .handlers
                .get(route.handler_index)
                .map_or(&[][..], |(_, handler)| &handler.guard_calls[..]);
            for text in &route.guessed_guards {
                let call = calls.iter().find(|call| &call.text == text);
                let name = call.map_or(text.clone(), |call| call.callee.clone());
                let key = match call.map(|call| call.how) {
                    // A predicate of the handler's check: no `[auth]` key names one.
                    Some(Via::Predicate) => continue,
                    Some(Via::Middleware | Via::AppMiddleware) => AuthKey::Middleware,
                    Some(Via::Instance | Via::Annotation) => AuthKey::Dependencies,
                    _ if text.starts_with("Depends(") || text.starts_with("Security(") => {
                        AuthKey::Dependencies
                    }
                    _ if matches!(
                        route.framework,
                        crate::app::handlers::Framework::Axum
                            | crate::app::handlers::Framework::Actix
                    ) =>
                    {
                        AuthKey::Extractors
                    }
                    _ => AuthKey::Decorators,
                };
                guessed
                    .entry((key, name.clone()))
                    .or_insert_with(|| Guessed {
                        name,
                        key,
                        routes: 0,
                        example: format!("{}:{}", route.file, route.line),
                    })
                    .routes += 1;
            }
        }
        Survey {
            frameworks,
            recognised,
            guessed: guessed.into_values().collect(),
            unguarded: project
                .routes
                .iter()
                .filter(|r| r.path.is_some() && !r.authenticated() && r.public.is_none())
                .collect(),
            unrouted: project.routes.iter().filter(|r| r.path.is_none()).collect(),
            routes: project.routes.len(),
        }
    }

    /// Whether any route was found.
    pub fn is_empty(&self) -> bool {
        self.routes == 0
    }

    /// What was found, for people: frameworks, guards, guessed guards, routes without a guard
    /// and handlers without a route.
    pub fn render_summary(&self, out: &mut dyn Write) -> io::Result<()> {
        let frameworks: Vec<String> = self
            .frameworks
            .iter()
            .map(|(name, n)| format!("{name} ({})", plural(*n, "route")))
            .collect();
        writeln!(
            out,
            "Frameworks: {}",
            if frameworks.is_empty() {
                "none found".to_string()
            } else {
                frameworks.join(", ")
            }
        )?;
        writeln!(out, "\nGuards recognised ({}):", self.recognised.len())?;
        let mut recognised: Vec<_> = self.recognised.iter().collect();
        recognised.sort_by_key(|&(name, n)| (std::cmp::Reverse(*n), name));
        for (name, n) in recognised {
            writeln!(out, "  {:>5} routes  {}", n, sanitize(name))?;
        }
        writeln!(
            out,
            "\nGuards guessed by name, code not scanned ({}; listed in [auth] for review):",
            self.guessed.len()
        )?;
        for guess in &self.guessed {
            writeln!(
                out,
                "  {:>5} routes  {} ({}, e.g. {})",
                guess.routes,
                sanitize(&guess.name),
                guess.key.name(),
                sanitize(&guess.example)
            )?;
        }
        route_list(
            out,
            "Routes without a guard (public-paths candidates in [auth])",
            &self.unguarded,
        )?;
        route_list(
            out,
            "Handlers whose route was not found (not placed)",
            &self.unrouted,
        )?;
        writeln!(
            out,
            "\n{} routes: {} without a guard, {} not placed, {} guessed guards",
            self.routes,
            self.unguarded.len(),
            self.unrouted.len(),
            self.guessed.len()
        )
    }

    /// The starter configuration: comments explaining each part, `[auth]` with the guessed
    /// guards and the unguarded routes' paths commented out for review.
    pub fn config(&self) -> String {
        let mut text = String::from(
            "# tollgate.toml: written by `tollgate init`; review it, then commit it.\n\
             # Every key is described in docs/configuration.md.\n",
        );
        let frameworks: Vec<&str> = self.frameworks.keys().copied().collect();
        let _ = writeln!(
            text,
            "# Found {} routes ({}): {} without a guard, {} handlers not placed.\n",
            self.routes,
            if frameworks.is_empty() {
                "no framework".to_string()
            } else {
                frameworks.join(", ")
            },
            self.unguarded.len(),
            self.unrouted.len()
        );
        text.push_str(
            "# exclude = [\"migrations/\"]         # gitignore-style globs left out of every scan\n\
             # disable = []                       # rule ids or packs never to run\n\
             # [severity]                         # severity overrides by rule id\n\
             # sql-string-built = \"critical\"\n\n",
        );
        text.push_str(
            "# Guards tollgate already recognises need no entry here. Uncomment a name below only\n\
             # if that guard rejects callers without valid credentials: a route that uses it then\n\
             # counts as authenticated and `missing-authorization` stays silent about it.\n",
        );
        let mut recognised: Vec<_> = self.recognised.iter().collect();
        recognised.sort_by_key(|&(name, n)| (std::cmp::Reverse(*n), name));
        if !recognised.is_empty() {
            text.push_str("# Recognised:\n");
            for (name, n) in recognised.iter().take(MAX_LISTED) {
                let _ = writeln!(text, "#   {} ({})", sanitize(name), plural(**n, "route"));
            }
            if recognised.len() > MAX_LISTED {
                let _ = writeln!(text, "#   … and {} more", recognised.len() - MAX_LISTED);
            }
        }
        text.push_str("[auth]\n");
        for key in AuthKey::ALL {
            let _ = writeln!(text, "{} = [", key.name());
            for guess in self.guessed.iter().filter(|g| g.key == key) {
                let _ = writeln!(
                    text,
                    "  # {},  # guessed by name on {}, e.g. {}",
                    quoted(&guess.name),
                    plural(guess.routes, "route"),
                    sanitize(&guess.example)
                );
            }
            text.push_str("]\n");
        }
        text.push_str(
            "# Routes with no guard. Uncomment the paths that are public by design (the regexes\n\
             # match the full path); leave the others for `tollgate scan` to report.\n\
             public-paths = [\n",
        );
        let mut listed = std::collections::HashSet::new();
        for route in self.unguarded.iter().take(MAX_LISTED) {
            let path = route.path.as_deref().unwrap_or_default();
            // One regex per path, however many methods or handlers serve it.
            if !listed.insert(path) {
                continue;
            }
            let _ = writeln!(
                text,
                "  # {},  # {} {} {}:{}",
                quoted(&format!("^{}$", regex::escape(path))),
                methods(route),
                sanitize(&route.handler),
                sanitize(&route.file),
                route.line
            );
        }
        if self.unguarded.len() > MAX_LISTED {
            let _ = writeln!(
                text,
                "  # … and {} more: `tollgate routes` lists them",
                self.unguarded.len() - MAX_LISTED
            );
        }
        text.push_str("]\n");
        if !self.unrouted.is_empty() {
            text.push_str(
                "# Handlers whose registration tollgate did not find (their guards are unknown):\n",
            );
            for route in self.unrouted.iter().take(MAX_LISTED) {
                let _ = writeln!(
                    text,
                    "#   {} {}:{}",
                    sanitize(&route.handler),
                    sanitize(&route.file),
                    route.line
                );
            }
            if self.unrouted.len() > MAX_LISTED {
                let _ = writeln!(text, "#   … and {} more", self.unrouted.len() - MAX_LISTED);
            }
        }
        text.push_str(
            "\n[scan]\ninclude-tests = false  # true: run every rule on tests and fixtures too\n",
        );
        text
    }
}

/// A guard as `routes` shows it, without the explanation of why it guards
/// (`Depends(get_user) (\`get_user\` raises …)` → `Depends(get_user)`).
fn guard_name(guard: &str) -> String {
    guard
        .split_once(" (`")
        .map_or(guard, |(name, _)| name)
        .to_string()
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn methods(route: &Route) -> String {
    if route.methods.is_empty() {
        "ANY".into()
    } else {
        route.methods.join(",")
    }
}

fn route_list(out: &mut dyn Write, title: &str, routes: &[&Route]) -> io::Result<()> {
    writeln!(out, "\n{title} ({}):", routes.len())?;
    for route in routes.iter().take(MAX_LISTED) {
        writeln!(
            out,
            "  {:7} {} {} {}:{}",
            methods(route),
            sanitize(route.path.as_deref().unwrap_or("?")),
            sanitize(&route.handler),
            sanitize(&route.file),
            route.line
        )?;
    }
    if routes.len() > MAX_LISTED {
        writeln!(
            out,
            "  … and {} more (`tollgate routes` lists every route)",
            routes.len() - MAX_LISTED
        )?;
    }
    Ok(())
}

/// `text` as a TOML basic string (quotes, backslashes and controls escaped).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::handlers::Framework;

    fn route(path: Option<&str>, handler: &str, guards: &[&str], guessed: &[&str]) -> Route {
        Route {
            methods: vec!["POST".into()],
            path: path.map(str::to_string),
            handler: handler.into(),
            framework: Framework::Fastapi,
            file: "app/api.py".into(),
            line: 7,
            guards: guards.iter().map(|g| g.to_string()).collect(),
            guessed_guards: guessed.iter().map(|g| g.to_string()).collect(),
            dispatched_guards: Vec::new(),
            public: None,
            capability_by_name: None,
            registered_at: Vec::new(),
            operation: None,
            handler_index: usize::MAX,
            staff_only: false,
            address_check: None,
        }
    }

    #[test]
    fn starter_lists_guesses_and_unguarded_paths_commented_and_parses() {
        let project = Project {
            routes: vec![
                route(
                    Some("/v1/pay"),
                    "pay",
                    &["Depends(user) (`user` raises 401)"],
                    &[],
                ),
                route(Some("/v1/rates/{id}"), "rates", &[], &[]),
                route(Some("/v1/rates/{id}"), "rates_again", &[], &[]),
                route(Some("/v1/x\"y"), "odd", &[], &["Depends(require_key)"]),
                route(None, "orphan", &[], &[]),
            ],
            ..Project::default()
        };
        let survey = Survey::of(&project);
        let config = survey.config();
        assert!(config.contains("#   Depends(user) (1 route)"), "{config}");
        assert!(
            config.contains("  # \"Depends(require_key)\",  # guessed by name on 1 route"),
            "{config}"
        );
        assert!(config.contains(r"  # '^/v1/rates/\{id\}$',  # POST rates app/api.py:7"));
        assert!(config.contains(r#"  # '^/v1/x"y$',"#), "{config}");
        assert!(config.contains("#   orphan app/api.py:7"));
        assert!(
            !config.contains("rates_again"),
            "one regex per path: {config}"
        );
        let parsed: toml::Table = toml::from_str(&config).expect("valid TOML");
        assert!(parsed["auth"]["public-paths"]
            .as_array()
            .unwrap()
            .is_empty());
        // Each commented entry, uncommented, is valid TOML and a valid regex.
        let uncommented = config.replace("  # \"", "  \"").replace("  # '", "  '");
        let parsed: toml::Table = toml::from_str(&uncommented).expect("valid TOML");
        let paths = parsed["auth"]["public-paths"].as_array().unwrap();
        assert_eq!(paths.len(), 2);
        for path in paths {
            regex::Regex::new(path.as_str().unwrap()).unwrap();
        }
        let mut summary = Vec::new();
        survey.render_summary(&mut summary).unwrap();
        let summary = String::from_utf8(summary).unwrap();
        assert!(
            summary.contains("Frameworks: fastapi (5 routes)"),
            "{summary}"
        );
        assert!(summary.contains("5 routes: 3 without a guard, 1 not placed, 1 guessed guards"));
    }
}
