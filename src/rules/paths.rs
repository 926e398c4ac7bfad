//! Per-rule path filters (`paths: {include, exclude}` in rule files).

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Which files a rule applies to. Globs match the path relative to the working directory or
/// any trailing part of it, so `tests/**` also matches `app/tests/test_views.py`.
#[derive(Clone, Debug, Default)]
pub struct PathFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    /// The globs as written, so that equal filters can be told apart cheaply.
    written: (Vec<String>, Vec<String>),
}

/// Filters are equal when their globs are (rules share the same test-code exclusions, so a
/// scan asks each distinct filter once per file).
impl PartialEq for PathFilter {
    fn eq(&self, other: &PathFilter) -> bool {
        self.written == other.written
    }
}

impl PathFilter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<PathFilter, globset::Error> {
        Ok(PathFilter {
            include: glob_set(include)?,
            exclude: glob_set(exclude)?,
            written: (include.to_vec(), exclude.to_vec()),
        })
    }

    /// Whether a rule with this filter runs on `path` (`/`-separated).
    pub fn allows(&self, path: &str) -> bool {
        self.include
            .as_ref()
            .is_none_or(|set| matches_any_suffix(set, path))
            && self
                .exclude
                .as_ref()
                .is_none_or(|set| !matches_any_suffix(set, path))
    }
}

fn glob_set(globs: &[String]) -> Result<Option<GlobSet>, globset::Error> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        builder.add(Glob::new(glob.trim_start_matches("./"))?);
    }
    builder.build().map(Some)
}

fn matches_any_suffix(set: &GlobSet, path: &str) -> bool {
    set.is_match(path)
        || path
            .match_indices('/')
            .any(|(at, _)| set.is_match(&path[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_and_exclude() {
        let filter = PathFilter::new(
            &["**/views.py".into(), "api/**".into()],
            &["tests/**".into()],
        )
        .unwrap();
        assert!(filter.allows("app/views.py"));
        assert!(filter.allows("views.py"));
        assert!(filter.allows("svc/api/orders.py"));
        assert!(!filter.allows("app/models.py"));
        assert!(!filter.allows("app/tests/views.py"));
        assert!(PathFilter::default().allows("anything.rs"));
    }
}
