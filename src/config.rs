//! The configuration file: `tollgate.toml` (or `.tollgate.toml`, or `[tool.tollgate]` in
//! `pyproject.toml`), found in the working directory or its parents, or named with `--config`.
//! It adds rule directories, enables or disables rules and packs, overrides severities and
//! excludes paths. See docs/configuration.md.

use crate::app::AuthSettings;
use crate::rules::{load_rule_paths, PathFilter, RuleSet, Severity, CUSTOM_PACK};
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The settings, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Extra rule files or directories, relative to the configuration file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Gitignore-style globs to leave out of scans.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// When not empty, only these rule ids and packs run.
    #[serde(default)]
    pub enable: Vec<String>,
    /// Rule ids and packs that never run.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Severity overrides by rule id.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Path filters by rule id, replacing the rule's own `paths`.
    #[serde(default)]
    pub paths: BTreeMap<String, RulePaths>,
    /// The team's own authentication guards and public paths.
    #[serde(default)]
    pub auth: AuthSettings,
    /// What one rule may spend on one file, in seconds (0: no limit); `--timeout-per-file` wins.
    #[serde(default)]
    pub timeout_per_file: Option<f64>,
    /// How files are scanned.
    #[serde(default)]
    pub scan: ScanSettings,
}

/// `[scan]`: how files are scanned.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScanSettings {
    /// Run the rules that skip test code (`test-code: skip`) on tests and fixtures too.
    #[serde(default)]
    pub include_tests: bool,
}

/// `[paths.RULE-ID]`: which files a rule runs on.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulePaths {
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// A configuration file that was found and read.
#[derive(Debug)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub config: Config,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<PyProjectTool>,
}

#[derive(Deserialize)]
struct PyProjectTool {
    tollgate: Option<toml::Value>,
}

/// A configuration problem, pointing into the file when possible.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(tollgate::config))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: Arc<NamedSource<String>>,
    #[label("here")]
    pub span: Option<SourceSpan>,
    #[help]
    pub help: Option<String>,
}

impl ConfigError {
    fn new(
        path: &Path,
        text: &str,
        message: String,
        span: Option<SourceSpan>,
        help: Option<String>,
    ) -> Self {
        ConfigError {
            message,
            src: Arc::new(NamedSource::new(
                path.display().to_string(),
                text.to_string(),
            )),
            span,
            help,
        }
    }
}

/// Where rules come from for one run.
#[derive(Debug, Default, Clone)]
pub struct RuleSources {
    /// `--rules` paths.
    pub rule_paths: Vec<PathBuf>,
    /// `--rules-only`: only the `--rules` paths, no built-in or configured rules.
    pub rules_only: bool,
    /// `--config`; otherwise the file is searched for.
    pub config: Option<PathBuf>,
}

/// Find the configuration file for a run started in `dir`: the nearest `tollgate.toml`,
/// `.tollgate.toml`, or `pyproject.toml` with a `[tool.tollgate]` table.
pub fn find(dir: &Path) -> Option<PathBuf> {
    for ancestor in dir.ancestors() {
        for name in ["tollgate.toml", ".tollgate.toml"] {
            let candidate = ancestor.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        let pyproject = ancestor.join("pyproject.toml");
        if std::fs::read_to_string(&pyproject).is_ok_and(|text| text.contains("[tool.tollgate")) {
            return Some(pyproject);
        }
    }
    None
}

/// Read a configuration file.
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        ConfigError::new(
            path,
            "",
            format!("cannot read configuration file `{}`: {err}", path.display()),
            None,
            None,
        )
    })?;
    let parse_error = |err: toml::de::Error| {
        let message = err.message().to_string();
        let help = crate::rules::did_you_mean(&message);
        ConfigError::new(
            path,
            &text,
            format!("invalid configuration: {message}"),
            err.span().map(Into::into),
            help,
        )
    };
    let config: Config = if path.file_name().is_some_and(|n| n == "pyproject.toml") {
        let pyproject: PyProject = toml::from_str(&text).map_err(parse_error)?;
        match pyproject.tool.and_then(|tool| tool.tollgate) {
            Some(table) => table.try_into().map_err(|err: toml::de::Error| {
                let message = err.message().to_string();
                let span = text
                    .find("[tool.tollgate]")
                    .map(|at| SourceSpan::new(at.into(), "[tool.tollgate]".len()));
                ConfigError::new(
                    path,
                    &text,
                    format!("invalid [tool.tollgate]: {message}"),
                    span,
                    crate::rules::did_you_mean(&message),
                )
            })?,
            None => Config::default(),
        }
    } else {
        toml::from_str(&text).map_err(parse_error)?
    };
    Ok(LoadedConfig {
        path: path.to_path_buf(),
        config,
    })
}

/// Build the rule set for a run: built-in rules, configured and `--rules` rule files, then the
/// configuration's enable/disable lists and severity overrides.
pub fn assemble(
    sources: &RuleSources,
) -> Result<(RuleSet, Option<LoadedConfig>), Box<dyn Diagnostic + Send + Sync>> {
    let config_path = match &sources.config {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir().ok().and_then(|cwd| find(&cwd)),
    };
    let loaded = config_path
        .as_deref()
        .map(load)
        .transpose()
        .map_err(boxed)?;
    let builtin = if sources.rules_only {
        RuleSet::default()
    } else {
        RuleSet::builtin().map_err(boxed)?
    };
    let mut paths = sources.rule_paths.clone();
    if let (Some(loaded), false) = (&loaded, sources.rules_only) {
        let base = loaded.path.parent().unwrap_or(Path::new("."));
        for rule_path in &loaded.config.rules {
            let path = base.join(rule_path);
            if !path.exists() {
                return Err(boxed(missing_rule_path(&loaded.path, rule_path, &path)));
            }
            paths.push(path);
        }
    }
    let custom = load_rule_paths(&paths, &builtin).map_err(boxed)?;
    let mut rules = builtin.merge(custom).map_err(|id| {
        boxed(ConfigError::new(
            Path::new("rules"),
            "",
            format!("duplicate rule id `{id}`"),
            None,
            None,
        ))
    })?;
    if let Some(loaded) = &loaded {
        apply(&loaded.config, &loaded.path, &mut rules)?;
    }
    Ok((rules, loaded))
}

/// A `rules` entry of the configuration file `config` that names no file or directory, pointed
/// at in the file.
fn missing_rule_path(config: &Path, entry: &Path, resolved: &Path) -> ConfigError {
    let text = std::fs::read_to_string(config).unwrap_or_default();
    let entry_text = entry.to_string_lossy();
    let span = text
        .find(&format!("\"{entry_text}\""))
        .or_else(|| text.find(&format!("'{entry_text}'")))
        .map(|at| SourceSpan::new(at.into(), entry_text.len() + 2));
    ConfigError::new(
        config,
        &text,
        format!(
            "rule path `{}` does not exist (named in `rules` of {})",
            crate::report::sanitize(&resolved.to_string_lossy()),
            crate::report::sanitize(&config.to_string_lossy())
        ),
        span,
        Some("rule paths are relative to the configuration file's directory".into()),
    )
}

/// Apply enable/disable and severity overrides; unknown ids and packs are errors.
fn apply(
    config: &Config,
    path: &Path,
    rules: &mut RuleSet,
) -> Result<(), Box<dyn Diagnostic + Send + Sync>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let known =
        |name: &str| rules.iter().any(|r| r.id == name || r.pack == name) || name == CUSTOM_PACK;
    let names = config
        .enable
        .iter()
        .chain(&config.disable)
        .chain(config.severity.keys());
    for name in names {
        if !known(name) {
            let span = text
                .find(&format!("\"{name}\""))
                .or_else(|| text.find(name.as_str()))
                .map(|at| SourceSpan::new(at.into(), name.len() + 2));
            let help = rules.suggest(name).map(|s| format!("did you mean `{s}`?"));
            return Err(boxed(ConfigError::new(
                path,
                &text,
                format!("no rule or pack `{name}`"),
                span,
                help,
            )));
        }
    }
    let selected = |rule: &crate::rules::Rule, list: &[String]| {
        list.iter().any(|n| *n == rule.id || *n == rule.pack)
    };
    rules.retain(|rule| {
        (config.enable.is_empty() || selected(rule, &config.enable))
            && !selected(rule, &config.disable)
    });
    for rule in rules.iter_mut() {
        if let Some(severity) = config.severity.get(&rule.id) {
            rule.severity = *severity;
        }
        if let Some(paths) = config.paths.get(&rule.id) {
            rule.paths = PathFilter::new(&paths.include, &paths.exclude).map_err(|err| {
                boxed(ConfigError::new(
                    path,
                    &text,
                    format!("invalid glob in [paths.{}]: {err}", rule.id),
                    None,
                    None,
                ))
            })?;
        }
    }
    Ok(())
}

fn boxed<E: Diagnostic + Send + Sync + 'static>(err: E) -> Box<dyn Diagnostic + Send + Sync> {
    Box::new(err)
}
