//! Checks on findings that only the linked project can decide ([`LinkCheck`]): whether a
//! class is a request model, whether a task defers to `on_commit`, whether a value passed a
//! validator defined in another file.

use super::guards::Judge;
use super::models::RequestModels;
use super::FileFacts;
use crate::finding::{Finding, LinkCheck};
use crate::taint::validate::{ValidatorRef, ENUM_BASES};
use std::collections::BTreeSet;

/// What the linked project says about the link checks of a scan's findings.
pub struct LinkChecks {
    request_models: RequestModels,
    /// Celery tasks whose base class defers publishing, as (module, function name).
    deferred_tasks: Vec<(String, String)>,
    /// The validator calls findings passed that do reject the value.
    rejecting: BTreeSet<ValidatorRef>,
}

impl LinkChecks {
    /// Decide the checks of `findings` against every file's facts.
    pub fn new<'f>(
        files: &[(String, &FileFacts)],
        findings: impl Iterator<Item = &'f Finding>,
    ) -> Self {
        let judge = Judge::new(files);
        let asked: BTreeSet<&ValidatorRef> = findings
            .flat_map(|finding| &finding.link_checks)
            .filter_map(|check| match check {
                LinkCheck::NotValidated(validators) => Some(validators),
                _ => None,
            })
            .flatten()
            .collect();
        let rejecting = asked
            .into_iter()
            .filter(|validator| rejects(files, &judge, validator))
            .cloned()
            .collect();
        LinkChecks {
            request_models: RequestModels::new(files),
            deferred_tasks: judge.deferred_tasks(),
            rejecting,
        }
    }

    /// Drop the findings whose checks fail, and lower those on classes only staff send.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        findings.retain(|finding| finding.link_checks.iter().all(|check| self.holds(check)));
        for finding in findings.iter_mut() {
            let staff_only = finding.link_checks.iter().any(|check| {
                matches!(check, LinkCheck::RequestModel(model)
                    if self.request_models.staff_only(&model.class))
            });
            if staff_only {
                finding.confidence = finding.confidence.lower();
            }
        }
    }

    fn holds(&self, check: &LinkCheck) -> bool {
        match check {
            LinkCheck::RequestModel(model) => {
                self.request_models.contains(&model.class)
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
            LinkCheck::NotValidated(validators) => {
                !validators.iter().any(|v| self.rejecting.contains(v))
            }
        }
    }
}

/// Whether the call `validator` names rejects the argument it receives: a project function
/// whose summary says so, or an enum class (in any file, through its bases).
fn rejects(files: &[(String, &FileFacts)], judge: &Judge, validator: &ValidatorRef) -> bool {
    let rust = validator.callee.contains("::");
    let sep = if rust { "::" } else { "." };
    let function_rejects = files.iter().any(|(_, facts)| {
        facts.validators.iter().any(|(id, rejected)| {
            rejected.contains(&validator.index)
                && validator
                    .callee
                    .strip_suffix(id.name.as_str())
                    .and_then(|module| module.strip_suffix(sep))
                    .is_some_and(|module| crate::symbols::same_module(&id.module, module))
        })
    });
    function_rejects
        || (!rust
            && judge
                .lineage_of_qualified(&validator.callee)
                .ancestors
                .iter()
                .any(|ancestor| is_enum(ancestor)))
}

/// `enum.Enum`, `enum.StrEnum`, `django.db.models.TextChoices` and the like.
fn is_enum(qualified: &str) -> bool {
    let (module, name) = qualified.rsplit_once('.').unwrap_or(("", qualified));
    ENUM_BASES.contains(&name)
        && ["enum", "django.db.models", "strenum", "aenum"]
            .iter()
            .any(|library| module == *library || module.starts_with(&format!("{library}.")))
}
