//! `[auth]` in the configuration file: the team's own guards and public paths.

use regex::Regex;
use serde::Deserialize;

/// The settings as written in `[auth]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AuthSettings {
    /// Decorators that authenticate (`require_merchant`, `auth.login_required`).
    #[serde(default)]
    pub decorators: Vec<String>,
    /// FastAPI dependencies that authenticate (`get_merchant`).
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// axum/actix extractor types that authenticate (`MerchantSession`).
    #[serde(default)]
    pub extractors: Vec<String>,
    /// Middleware and layers that authenticate (`require_api_key`, `ApiKeyLayer`).
    #[serde(default)]
    pub middleware: Vec<String>,
    /// Regexes on route paths that are public by design (`^/public/`, `^/v1/rates$`).
    #[serde(default)]
    pub public_paths: Vec<String>,
}

/// The compiled `[auth]` settings.
#[derive(Clone, Debug, Default)]
pub struct AuthConfig {
    guards: Vec<String>,
    public_paths: Vec<Regex>,
}

impl AuthConfig {
    /// Compile the settings; an invalid regex is reported with the pattern.
    pub fn new(settings: &AuthSettings) -> Result<AuthConfig, String> {
        let public_paths = settings
            .public_paths
            .iter()
            .map(|pattern| {
                Regex::new(pattern).map_err(|err| format!("invalid public-paths regex: {err}"))
            })
            .collect::<Result<_, _>>()?;
        let guards = settings
            .decorators
            .iter()
            .chain(&settings.dependencies)
            .chain(&settings.extractors)
            .chain(&settings.middleware)
            .cloned()
            .collect();
        Ok(AuthConfig {
            guards,
            public_paths,
        })
    }

    /// The configured guard names that occur as a whole name in `marker` (a decorator,
    /// dependency, extractor type or middleware as written).
    pub fn guard_in<'a>(&'a self, marker: &str) -> Option<&'a str> {
        self.guards
            .iter()
            .find(|guard| contains_name(marker, guard))
            .map(String::as_str)
    }

    /// The public-path pattern that matches `path`.
    pub fn public_path(&self, path: &str) -> Option<&Regex> {
        self.public_paths.iter().find(|re| re.is_match(path))
    }
}

/// Whether `name` (possibly dotted) occurs in `text` not as part of a longer identifier.
fn contains_name(text: &str, name: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::{AuthConfig, AuthSettings};

    #[test]
    fn configured_guards_match_whole_names() {
        let config = AuthConfig::new(&AuthSettings {
            decorators: vec!["require_merchant".into()],
            extractors: vec!["MerchantSession".into()],
            ..AuthSettings::default()
        })
        .unwrap();
        assert_eq!(
            config.guard_in("require_merchant(scope=\"payments\")"),
            Some("require_merchant")
        );
        assert_eq!(config.guard_in("MerchantSession"), Some("MerchantSession"));
        assert_eq!(
            config.guard_in("Option<MerchantSession>"),
            Some("MerchantSession")
        );
        assert_eq!(config.guard_in("require_merchant_or_anonymous"), None);
    }

    #[test]
    fn public_paths_are_regexes() {
        let config = AuthConfig::new(&AuthSettings {
            public_paths: vec!["^/public/".into()],
            ..AuthSettings::default()
        })
        .unwrap();
        assert!(config.public_path("/public/rates").is_some());
        assert!(config.public_path("/api/public/rates").is_none());
        let broken = AuthSettings {
            public_paths: vec!["(".into()],
            ..AuthSettings::default()
        };
        assert!(AuthConfig::new(&broken).is_err());
    }
}
