//! Whether a handler changes state: a write in its own body or in a project function it calls,
//! read once the project is linked.
//!
//! A call is followed into the project's own code when it resolves to a function a scanned file
//! defines (through the file's imports and definitions, and `self.method` to the enclosing
//! class); there the function's body decides. Any other call is judged by the words of its
//! name: one that changes state (`save`, `create`, `execute`, `commit`, `post`, `send`, `delay`,
//! ...) writes; a library call or class otherwise does not; a method of an object whose type is
//! unknown does not only when its name reads (`get`, `split`, `fetch_all`, `to_string`, ...) and
//! is unknown, so writing, otherwise. Calling a parameter adds nothing (a lambda passed in is
//! read where it is written). A function that cannot be read, or a call chain deeper than
//! [`MAX_DEPTH`], counts as writing.
//!
//! The answer rests partly on names, so it may only lower a finding's confidence.

use crate::parse::ParsedFile;
use crate::source::Language;
use crate::symbols::Resolved;
use crate::syntax::{descendants, FieldChild};
use crate::taint::across::function_at;
use crate::taint::callees::Callees;
use std::collections::HashMap;

/// How many calls deep project functions are followed.
const MAX_DEPTH: usize = 8;

/// Words in a call's name that say it changes state: persistence, files, messages, payments,
/// outbound writes, jobs, sessions and caches; and that it runs code or commands.
const WRITE_WORDS: &str = "\
    save create insert update upsert delete remove destroy add merge commit flush execute \
    executemany write writeln unlink rmtree rename mkdir makedirs move copy copyfile copytree \
    upload send post put patch publish enqueue delay apply emit notify dispatch pay payout \
    transfer refund capture \
    charge withdraw deposit credit debit cancel settle set setattr hset lpush rpush sadd \
    zadd incr incrby decr expire clear login logout register store persist grant revoke \
    approve reject increment decrement reset install uninstall enable disable activate \
    deactivate invoke call run spawn perform process submit trigger start stop restart kill \
    lock mark eval exec system popen output";

/// First words of a method name that only read or convert a value (strings, containers,
/// options, queries, responses, logging).
const READ_WORDS: &str = "\
    get fetch find first last all filter exclude order values exists count list load loads \
    dump dumps read select json text raise decode encode parse validate is has check \
    compute calculate convert render format to as into from model dict serialize hexdigest \
    digest isoformat strftime timestamp total quantize normalize split rsplit strip lstrip \
    rstrip upper lower title capitalize join startswith endswith replace index partition \
    splitlines casefold removeprefix removesuffix zfill items keys info debug warning \
    warn error exception critical log unwrap expect ok err map and or iter collect len \
    contains trim clone bind await build new with default bytes hex sum min max sort sorted \
    pop append extend chars take skip rev zip enumerate any fold cloned copied nth position \
    lines flat cmp eq ne checked saturating abs round floor ceil paginate";

/// Which handlers change state, each handler and project function decided once.
#[derive(Default)]
pub struct Effects {
    /// Handlers decided so far, by file and where their name starts.
    handlers: HashMap<(String, usize), bool>,
    /// Project functions decided so far, by qualified name (`false` while being decided: a
    /// recursive call adds nothing).
    known: HashMap<String, bool>,
}

/// A function's own calls: whether one outside the project writes, and the qualified names
/// of the others, to follow.
struct Calls {
    writes: bool,
    follow: Vec<String>,
}

impl Effects {
    /// Whether the handler whose name starts at byte `at` of `path` changes state, as far as
    /// its code and the project's functions it calls (read with `callees`) show; yes when it
    /// cannot be read.
    pub fn handler_writes(&mut self, callees: &mut Callees, path: &str, at: usize) -> bool {
        let key = (path.to_string(), at);
        if let Some(&known) = self.handlers.get(&key) {
            return known;
        }
        let writes = match callees.with_function_at(path, at, own_calls) {
            Some(calls) => self.any_writes(callees, calls, 0),
            None => true,
        };
        self.handlers.insert(key, writes);
        writes
    }

    fn any_writes(&mut self, callees: &mut Callees, calls: Calls, depth: usize) -> bool {
        calls.writes
            || calls
                .follow
                .into_iter()
                .any(|callee| self.function_writes(callees, callee, depth + 1))
    }

    fn function_writes(&mut self, callees: &mut Callees, callee: String, depth: usize) -> bool {
        if let Some(&known) = self.known.get(&callee) {
            return known;
        }
        if depth > MAX_DEPTH {
            return true;
        }
        self.known.insert(callee.clone(), false);
        let writes = match callees.with_function(&callee, own_calls) {
            Some(calls) => self.any_writes(callees, calls, depth),
            // Not the project's: its name decides, and running a process changes state.
            None => writes_by_name(&callee) || runs_process(&callee),
        };
        self.known.insert(callee, writes);
        writes
    }
}

/// The calls in `function`'s body, sorted into library writes and project calls to follow.
fn own_calls(file: &ParsedFile, function: tree_sitter::Node) -> Calls {
    let language = file.language();
    let class = match language {
        Language::Python => function
            .field_child("body")
            .and_then(|body| function_at(file, body))
            .and_then(|(_, id)| {
                let (class, _) = id.name.rsplit_once('.')?;
                Some(format!("{}.{class}", id.module))
            }),
        Language::Rust => None,
    };
    let parameters = crate::taint::parameter_names(file, function);
    let mut calls = Calls {
        writes: false,
        follow: Vec::new(),
    };
    for node in descendants(function) {
        if matches!(
            node.kind(),
            "string" | "string_literal" | "raw_string_literal"
        ) {
            calls.writes |= writes_sql(file.text(node));
            continue;
        }
        // `card.daily_limit = limit`: a field of an object set (a model saved later, a session).
        if matches!(node.kind(), "assignment" | "assignment_expression")
            && node
                .field_child("left")
                .is_some_and(|left| matches!(left.kind(), "attribute" | "field_expression"))
        {
            calls.writes = true;
            continue;
        }
        let callee = match node.kind() {
            "call" | "call_expression" => node.field_child("function"),
            "macro_invocation" => node.field_child("macro"),
            _ => None,
        };
        let Some(callee) = callee else {
            continue;
        };
        let written = file.text(callee);
        if parameters.iter().any(|parameter| parameter == written) {
            continue;
        }
        if language == Language::Python && written == "open" {
            calls.writes |= opens_for_writing(file, node);
            continue;
        }
        let resolved = match (&class, written.strip_prefix("self.")) {
            (Some(class), Some(method)) if !method.contains('.') => {
                Resolved::Qualified(format!("{class}.{method}"))
            }
            _ => file.symbols().resolve(language, written),
        };
        match resolved {
            Resolved::Qualified(name) if name.starts_with("builtins.") => {
                calls.writes |= writes_by_name(&name)
            }
            Resolved::Qualified(name) => calls.follow.push(name),
            // A bare name: a builtin, a class or a nested function (read above).
            Resolved::Unresolved(name) if !name.contains(['.', ':']) => {
                calls.writes |= writes_by_name(&name)
            }
            Resolved::Unresolved(name) => calls.writes |= !reads_by_name(&name),
        }
    }
    calls.follow.sort();
    calls.follow.dedup();
    calls
}

/// Statements that change a database, by the first word of a string literal's text
/// (`"UPDATE accounts SET …"`, `r#"INSERT INTO …"#`).
fn writes_sql(literal: &str) -> bool {
    let text = literal
        .trim_start_matches(['r', 'b', 'f', 'u', 'R', 'B', 'F', 'U', '#'])
        .trim_start_matches(['"', '\''])
        .trim_start();
    let first = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "INSERT"
            | "UPDATE"
            | "DELETE"
            | "MERGE"
            | "REPLACE"
            | "UPSERT"
            | "TRUNCATE"
            | "DROP"
            | "ALTER"
            | "CREATE"
    )
}

/// `open(path, "w")` and the other writing modes (the second positional argument or `mode=`).
fn opens_for_writing(file: &ParsedFile, call: tree_sitter::Node) -> bool {
    let Some(arguments) = call.field_child("arguments") else {
        return false;
    };
    let mode = crate::syntax::named_children(arguments)
        .into_iter()
        .enumerate()
        .find_map(|(index, argument)| match argument.kind() {
            "string" if index == 1 => Some(argument),
            "keyword_argument" => argument
                .field_child("name")
                .filter(|name| file.text(*name) == "mode")
                .and_then(|_| argument.field_child("value")),
            _ => None,
        });
    mode.is_some_and(|mode| file.text(mode).contains(['w', 'a', 'x', '+']))
}

/// Whether the last part of a call's name holds a word of [`WRITE_WORDS`]
/// (`objects.get_or_create`, `cursor.execute`, `fs::write`).
pub(crate) fn writes_by_name(callee: &str) -> bool {
    let words = words(callee);
    // `validate_on_submit`: a read, named for when it runs.
    let action = match words.iter().position(|word| word == "on") {
        Some(on)
            if words
                .first()
                .is_some_and(|first| is_one_of(READ_WORDS, first)) =>
        {
            &words[..on]
        }
        _ => &words[..],
    };
    action.iter().any(|word| is_one_of(WRITE_WORDS, word))
}

/// Whether a library call runs a process (`std::process::Command::new(..).status()`,
/// `subprocess.run`), whatever its last word.
fn runs_process(callee: &str) -> bool {
    callee.contains("process::Command") || callee.starts_with("subprocess.")
}

/// Whether a method of an unknown object only reads: no word of its name writes, and its first
/// word is one of [`READ_WORDS`] (`fetch_all`, `to_string`, `split`).
fn reads_by_name(callee: &str) -> bool {
    let words = words(callee);
    !writes_by_name(callee)
        && words
            .first()
            .is_some_and(|first| is_one_of(READ_WORDS, first))
}

/// Whether `word` is one of the space-separated `words`.
fn is_one_of(words: &str, word: &str) -> bool {
    words.split_whitespace().any(|known| known == word)
}

/// The lower-case words of the last part of a call's name (`Refund.create` → `create`,
/// `query_as::<_, T>` → `query`, `as`).
fn words(callee: &str) -> Vec<String> {
    let last = callee
        .split("::<")
        .next()
        .unwrap_or(callee)
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(callee)
        .trim_end_matches('!')
        .to_ascii_lowercase();
    last.split('_')
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{reads_by_name, writes_by_name};

    #[test]
    fn names_that_write() {
        for name in [
            "Order.objects.get_or_create",
            "cursor.execute",
            "std::fs::write",
            "stripe.Refund.create",
            "db.session.commit",
            "task.delay",
            "transaction.on_commit",
            "psp.payout",
            "shutil.copyfile",
            "writeln",
        ] {
            assert!(writes_by_name(name), "{name}");
        }
        for name in [
            "bolt11.decode",
            "json.loads",
            "client.get",
            "sqlx::query::<_>",
            "form.validate_on_submit",
        ] {
            assert!(!writes_by_name(name), "{name}");
        }
    }

    #[test]
    fn unknown_methods_read_only_by_their_first_word() {
        for name in [
            "data.split",
            "row.fetch_all",
            "id.to_string",
            "r.raise_for_status",
            "query.paginate",
        ] {
            assert!(reads_by_name(name), "{name}");
        }
        for name in [
            "db.quote",
            "repo.payment",
            "orders.get_or_create",
            "_private",
        ] {
            assert!(!reads_by_name(name), "{name}");
        }
    }
}
