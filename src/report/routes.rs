//! `tollgate routes`: the attack-surface inventory as a table or as JSON.

use crate::app::{Project, Route};
use serde::Serialize;
use std::io::{self, Write};

/// Version of the routes JSON document.
pub const ROUTES_SCHEMA_VERSION: &str = "1.2";

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    routes: &'a [Route],
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    routes: usize,
    unguarded: usize,
    public: usize,
    /// Handlers whose registration was not found.
    unrouted: usize,
}

fn summary(project: &Project) -> Summary {
    let routes = &project.routes;
    Summary {
        routes: routes.len(),
        unguarded: routes
            .iter()
            .filter(|r| !r.authenticated() && r.public.is_none())
            .count(),
        public: routes.iter().filter(|r| r.public.is_some()).count(),
        unrouted: routes.iter().filter(|r| r.path.is_none()).count(),
    }
}

/// The routes as a JSON document.
pub fn json(project: &Project, out: &mut dyn Write) -> io::Result<()> {
    let document = Document {
        version: ROUTES_SCHEMA_VERSION,
        routes: &project.routes,
        summary: summary(project),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// The routes as an aligned table: method, path, handler, location, framework, guards.
pub fn text(project: &Project, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<[String; 6]> = project
        .routes
        .iter()
        .map(|route| {
            let guessed = route
                .guessed_guards
                .iter()
                .map(|g| format!("{g}? (not seen: judged by its name)"));
            let mut guards = match (&route.public, route.guards.is_empty()) {
                (Some(reason), _) => format!("public: {reason}"),
                (None, true) if route.guessed_guards.is_empty() => "NONE".to_string(),
                (None, true) => guessed.collect::<Vec<_>>().join("; "),
                (None, false) => route.guards.join("; "),
            };
            if let (None, true, Some(check)) = (
                &route.public,
                route.guards.is_empty(),
                &route.capability_by_name,
            ) {
                guards.push_str(&format!(
                    "; may be public by a secret the request carries (judged by names): `{check}`"
                ));
            }
            [
                if route.methods.is_empty() {
                    "ANY".to_string()
                } else {
                    route.methods.join(",")
                },
                route.path.clone().unwrap_or_else(|| "?".into()),
                route.handler.clone(),
                format!("{}:{}", route.file, route.line),
                route.framework.name().to_string(),
                guards,
            ]
        })
        .collect();
    let header = [
        "METHOD",
        "PATH",
        "HANDLER",
        "LOCATION",
        "FRAMEWORK",
        "GUARDS",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (index, cell) in row.iter().enumerate() {
            if index + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:width$}  ", width = widths[index]));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    let summary = summary(project);
    writeln!(
        out,
        "\n{} routes: {} without a guard, {} public, {} with no route found",
        summary.routes, summary.unguarded, summary.public, summary.unrouted
    )
}
