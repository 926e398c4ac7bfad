//! What a scan produces: findings on code, and notices about files it could not fully read.

use crate::rules::{Confidence, Severity};
use crate::source::Position;
use crate::taint::CallRef;
use serde::{Deserialize, Serialize};

/// One problem found in the code, with everything a report needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    /// The path shown to users, relative to the working directory where possible, `/`-separated.
    pub path: String,
    pub start: Position,
    /// The position just past the last character of the match.
    pub end: Position,
    /// Byte offsets of the match in the file (the text report draws its code frame from them).
    pub bytes: std::ops::Range<usize>,
    /// The source lines the match covers (at most a few), for reports and fingerprints.
    pub snippet: String,
    /// A hash that stays the same when the code moves within its file.
    pub fingerprint: String,
    /// Other places that explain the finding (where a route is registered, where a value
    /// comes from).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// How client input reaches the finding, source first (taint rules).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow: Vec<Related>,
    /// Conditions only the linked project can decide; the finding stands if they all hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link_checks: Vec<LinkCheck>,
    /// The finding stands only if a caller passes request input to this parameter of the
    /// function around it; decided across the project's files (see [`crate::taint::across`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_parameter: Option<crate::taint::across::ParamSink>,
    /// The finding stands only where this template prints the value without escaping; it is
    /// then reported there (see [`crate::app::templates`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_template: Option<TemplateUse>,
}

/// A value a view passes to a template, by the template's name and the variable's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateUse {
    pub template: String,
    pub variable: String,
}

/// A condition on a finding that only the linked project can decide (see
/// [`crate::app::checks`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkCheck {
    /// A handler takes this class from the client (and, with a field, leaves that field
    /// unbounded): `request-model:` in a rule. Only staff-only handlers taking it lower the
    /// finding's confidence.
    RequestModel(ModelRef),
    /// This task (a qualified name) does not defer publishing to `on_commit` through its base
    /// class: `defers-to-commit: false` in a rule.
    NotDeferredTask(String),
    /// This class, as written in the finding's file, is not a validated data schema: no
    /// ancestor, through the project's classes, is pydantic's `BaseModel`: `schema-class:
    /// false` in a rule.
    NotSchemaClass(String),
    /// The module-level name this finding's assignment binds is not assigned again by every
    /// module of the project that star-imports the finding's module (`from .base import *`
    /// then `DEBUG = env.bool("DEBUG")`): `rebound-by-importers: false` in a rule.
    NotReboundByImporters(String),
    /// The call runs none of these functions (qualified names) the project defines in other
    /// files: `defined-in-project: false` in a rule, for a method of a receiver whose class the
    /// file knows.
    NotProjectFunction(Vec<String>),
    /// No class of the project runs code when this attribute is assigned (a property setter
    /// that hashes a password): `property-setter: false` in a rule. Judged on the classes
    /// (qualified) the finding's function names that the project declares, else on every class.
    NoPropertySetter(String, Vec<String>),
    /// The traced value passed none of these calls into other files that reject it.
    NotValidated(Vec<CallRef>),
    /// The traced value's use is guarded by none of these calls into other files that test
    /// it (`if allowed(x): use(x)`).
    NotTested(Vec<CallRef>),
    /// Each of these calls of functions in other files passes the traced value on to its
    /// result, past the rule's sanitizers.
    PassesThrough(Vec<CallRef>),
    /// The handler whose name is on this line of the finding's file is not authenticated:
    /// `in-handler: { authenticated: false }` judged on the file alone. The linked route table
    /// confirms it, with the guards other files add (router dependencies, middleware, settings)
    /// and the dependencies judged by their code.
    Unauthenticated(usize),
    /// The handler whose name is on this line of the finding's file has a route with this
    /// path and these methods: `in-handler: { route: …, methods: … }` where the file alone does
    /// not show the handler's route or methods. Some linked route reaching it must.
    Routed(usize, crate::app::handlers::RouteWanted),
    /// The flow enters at the handler whose name is on this line of this file (a display
    /// path): when a guard of every route reaching it refuses callers who are not staff, by
    /// its code, the finding is one severity lower, as the rule's `lower-severity: { in-handler:
    /// { staff: true } }` asks of handlers staff-only by their guards' names.
    EntersAtStaffHandler(String, usize),
    /// The flow starts at this URL parameter of the handler whose name is on this line of the
    /// finding's file: unless every linked route reaching the handler converts it to a number
    /// or UUID (`<int:user_pk>`, `{id:int}`), for rules that take a conversion for a sanitizer.
    UnconvertedParameter(usize, String),
    /// The flow starts at a FastAPI handler parameter annotated with this imported name: unless
    /// the project declares it as a module-level alias that carries a dependency
    /// (`SessionDep = Annotated[Session, Depends(get_session)]`), which FastAPI fills.
    NotDependencyAlias(String),
    /// A row of this model (a qualified class) was loaded by a client's id: when the linked
    /// classes show the model is shared reference data (no field names an owner, no foreign
    /// key, no account model points to it), the finding is low-confidence. With `true`, a list
    /// view of the file serves every row of the model: no field naming an owner is enough.
    OwnedModel(String, bool),
    /// A DRF view that keeps the project's default permission classes looks up rows by the
    /// client's id: the finding holds only when no class of the settings'
    /// `DEFAULT_PERMISSION_CLASSES` checks objects (`has_object_permission`, by its code).
    DefaultPermissions,
    /// A class-based view (as written in the finding's file) looks the row up in its
    /// single-object hook (`object`, `get_object`): the finding holds only when no ancestor is
    /// an object-permission mixin (django-rules', django-guardian's `PermissionRequiredMixin`)
    /// that checks the permission on that object.
    NoObjectPermission(String),
    /// A method of a class-based view (as written in the finding's file) looks the row up: when
    /// the class or a project ancestor refuses in `dispatch` unless some object's owner is the
    /// caller, the finding is low-confidence (that check may concern this row or another).
    OwnerCheckedOnDispatch(String),
    /// The value's `{:?}` prints a field the pattern accepts, through structs of other files
    /// or crates: `debug-shows-field` in a rule, for a type the finding's file does not declare.
    DebugShowsField(DebugShown),
    /// The flow starts at a Rust handler parameter that its extractor parses into this type (a
    /// name): when a struct of the project of that name checks what is deserialized into it
    /// (`#[serde(try_from = "String")]`, a hand-written `Deserialize`), the finding is
    /// low-confidence, as what the check lets through is not read.
    ParsedInto(String),
}

/// A value printed with `{:?}`: its possible type names, the field path to the printed value
/// (`config` of `state.config`, from the first type the file does not declare), and the regex
/// of field names that must not be printed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DebugShown {
    pub types: Vec<String>,
    pub path: Vec<String>,
    pub field: String,
}

impl Finding {
    /// Record what the link must decide about the finding's flow: the validators it passed and
    /// the calls into other files it went through.
    pub fn add_flow_checks(&mut self, flow: &mut crate::taint::Flow) {
        let validators = std::mem::take(&mut flow.validators);
        let tests = std::mem::take(&mut flow.tests);
        let through = std::mem::take(&mut flow.through);
        if let Some(parsed) = flow.parsed_into.take() {
            self.link_checks.push(LinkCheck::ParsedInto(parsed));
        }
        self.extend_check(validators, LinkCheck::NotValidated);
        self.extend_check(tests, LinkCheck::NotTested);
        self.extend_check(through, LinkCheck::PassesThrough);
    }

    fn extend_check(&mut self, calls: Vec<CallRef>, make: fn(Vec<CallRef>) -> LinkCheck) {
        if calls.is_empty() {
            return;
        }
        let kind = std::mem::discriminant(&make(Vec::new()));
        let existing = self
            .link_checks
            .iter_mut()
            .find(|check| std::mem::discriminant(&**check) == kind);
        match existing {
            Some(
                LinkCheck::NotValidated(known)
                | LinkCheck::NotTested(known)
                | LinkCheck::PassesThrough(known),
            ) => {
                known.extend(calls);
                known.sort();
                known.dedup();
            }
            _ => self.link_checks.push(make(calls)),
        }
    }
}

/// A class a finding is about, and the field of it, for `request-model:` rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRef {
    /// The qualified class name.
    pub class: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `false`: the finding stays when no handler takes the class.
    #[serde(default = "required", skip_serializing_if = "is_required")]
    pub required: bool,
    /// Whether a class only staff-only handlers take lowers the finding's confidence.
    #[serde(default = "required")]
    pub staff_lowers: bool,
}

fn required() -> bool {
    true
}

fn is_required(required: &bool) -> bool {
    *required
}

/// A place related to a finding, with what it has to do with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub path: String,
    pub start: Position,
    pub message: String,
}

/// Why a file was skipped or only partly understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    /// Larger than `--max-file-size`: not scanned.
    TooLarge,
    /// Contains NUL bytes: not scanned.
    Binary,
    /// Not valid UTF-8: not scanned.
    NotUtf8,
    /// Could not be read (permissions, vanished, I/O error): not scanned.
    Unreadable,
    /// Has syntax errors: scanned with tree-sitter's error recovery, findings may be incomplete.
    SyntaxError,
    /// The directory walk hit a problem (symlink loop, unreadable directory).
    WalkError,
    /// A symbolic link that leaves the scanned directory or cannot be resolved: not followed.
    Symlink,
    /// An explicitly named file whose language tollgate does not read.
    UnsupportedLanguage,
    /// Nested deeper than the parser can handle: not scanned.
    TooDeep,
    /// A rule failed on this file (or the file could not be checked at all); its findings are
    /// missing, the other rules' findings stand.
    InternalError,
    /// A rule ran out of time on this file (`--timeout-per-file`); the other rules' findings stand.
    Timeout,
}

impl NoticeKind {
    /// Whether the file was left out of the scan entirely.
    pub fn skipped(self) -> bool {
        !matches!(
            self,
            NoticeKind::SyntaxError | NoticeKind::InternalError | NoticeKind::Timeout
        )
    }

    /// Whether the notice reports a failure of tollgate itself (which `--strict` turns into an
    /// error), rather than something about the file.
    pub fn internal(self) -> bool {
        matches!(self, NoticeKind::InternalError | NoticeKind::Timeout)
    }
}

/// A note about one file (or directory) that the user should know about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Notice {
    pub path: String,
    pub kind: NoticeKind,
    pub message: String,
    /// Line of the first problem, for syntax errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}
