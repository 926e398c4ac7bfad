//! A mutation fuzzer for the per-file stage (parse, every built-in rule, project facts,
//! suppressions) on the stable toolchain. `bench/fuzz.sh SECONDS` runs it; see docs/reliability.md.
//!
//! Usage: `cargo run --release --example fuzz -- SECONDS [OUT_DIR]`
//!
//! The supervisor starts a worker process (this program with `--worker SEED`) and restarts it
//! whenever it dies. The worker mutates inputs seeded from `fixtures/` and from the pathological
//! shapes of `tests/support/pathological.rs`, writes each input to `OUT_DIR/current.*` before
//! checking it, and reports every input on standard output. An input that kills the worker (an
//! abort, a stack overflow), that takes longer than a minute, or that gives an internal-error
//! notice is saved under `OUT_DIR/crashes/` to become a regression input.

#[path = "../tests/support/pathological.rs"]
mod pathological;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tollgate::check::Plan;
use tollgate::finding::NoticeKind;
use tollgate::rules::RuleSet;
use tollgate::source::Language;

/// What one rule may spend on one input.
const RULE_TIMEOUT: Duration = Duration::from_secs(1);
/// An input that the worker has not finished after this long is saved as a hang.
const HANG: Duration = Duration::from_secs(60);
/// Mutated inputs are cut to this size.
const MAX_INPUT: usize = 256 * 1024;
/// Fragments that the mutator inserts: the syntax that nests, chains and opens strings.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "    ",
    "\\\n",
    "'",
    "\"",
    "'''",
    "\"\"\"",
    "f'",
    "f\"{",
    "r#\"",
    "\"#",
    "b'",
    "#",
    "+",
    "+=",
    "%",
    ".",
    ",",
    "=",
    "==",
    "->",
    "=>",
    "|",
    "||",
    "&",
    "::",
    ";",
    "<",
    ">",
    "if x:\n",
    "elif y:\n",
    "else:\n",
    "try:\n",
    "except Exception:\n    pass\n",
    "def f(request):\n",
    "class C:\n",
    "lambda: ",
    "async ",
    "await ",
    "yield ",
    "with a as b:\n",
    "@app.route('/x')\n",
    "@csrf_exempt\n",
    "request.GET['q']",
    "request.args.get('q')",
    "cursor.execute(",
    "f\"SELECT {x}\"",
    "\"SELECT \" + ",
    ".format(",
    ".unwrap()",
    "?",
    "fn f() {",
    "match x {",
    "if let Some(x) = y {",
    "else if ",
    "loop {",
    "impl T for U {",
    "mod m {",
    "macro_rules! m {",
    "format!(\"{}\", x)",
    "sqlx::query(&",
    "|x| ",
    "move ||",
    "'a",
    "unsafe {",
    "#[get(\"/\")]\n",
    "Path(id): Path<i64>",
    "é",
    "\u{202e}",
    "\u{feff}",
    "\u{2028}",
    "\u{1F600}",
    "\u{0}",
    "\u{a0}",
    "\u{c}",
    "# tollgate: ignore[sql-injection] -- reason\n",
    "// tollgate: ignore\n",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, seed, out] if flag == "--worker" => worker(parse(seed), Path::new(out)),
        [seconds] => supervise(parse(seconds), Path::new("target/fuzz")),
        [seconds, out] => supervise(parse(seconds), Path::new(out)),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: fuzz SECONDS [OUT_DIR]");
    std::process::exit(2)
}

fn parse(text: &str) -> u64 {
    text.parse().unwrap_or_else(|_| usage())
}

/// Run workers for `seconds`, saving what kills or stalls them; print the figures.
fn supervise(seconds: u64, out: &Path) {
    let crashes = out.join("crashes");
    if let Err(err) = std::fs::create_dir_all(&crashes) {
        eprintln!("fuzz: cannot create {}: {err}", crashes.display());
        std::process::exit(2);
    }
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let (mut runs, mut found, mut restarts) = (0u64, 0u64, 0u64);
    let mut seed = u64::from(std::process::id()) ^ started.elapsed().as_nanos() as u64;
    while Instant::now() < end {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let exe = std::env::current_exe().expect("the fuzzer knows where it is");
        let mut child = Command::new(exe)
            .args(["--worker", &seed.to_string(), &out.to_string_lossy()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the worker starts");
        let stdout = child.stdout.take().expect("piped");
        let (lines, reports) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if lines.send(line.unwrap_or_default()).is_err() {
                    break;
                }
            }
        });
        let mut current = None;
        let ended = loop {
            let wait = HANG.min(end.saturating_duration_since(Instant::now()));
            match reports.recv_timeout(wait) {
                Ok(line) => match line.split_once(' ') {
                    Some(("input", path)) => current = Some(PathBuf::from(path)),
                    Some(("internal", _)) => {
                        found += 1;
                        save(current.as_deref(), &crashes, "internal");
                    }
                    _ if line == "done" => runs += 1,
                    _ => {}
                },
                Err(mpsc::RecvTimeoutError::Disconnected) => break "died",
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() >= end => break "time",
                Err(mpsc::RecvTimeoutError::Timeout) => break "hang",
            }
        };
        let _ = child.kill();
        let status = child.wait();
        match ended {
            "time" => break,
            "hang" => {
                found += 1;
                save(current.as_deref(), &crashes, "hang");
            }
            _ => {
                found += 1;
                let how = status.map_or("died".to_string(), |s| format!("died-{s}"));
                save(current.as_deref(), &crashes, &how.replace([' ', ':'], "-"));
            }
        }
        restarts += 1;
    }
    println!(
        "fuzz: {runs} inputs in {:.0} s, {found} crashes, hangs or internal errors saved in {} ({restarts} worker restarts)",
        started.elapsed().as_secs_f64(),
        crashes.display()
    );
    std::process::exit(i32::from(found > 0));
}

/// Keep the input that was being checked.
fn save(input: Option<&Path>, crashes: &Path, how: &str) {
    let Some(input) = input else { return };
    let Ok(bytes) = std::fs::read(input) else {
        return;
    };
    let hash = bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });
    let extension = input.extension().and_then(|e| e.to_str()).unwrap_or("txt");
    let target = crashes.join(format!("{how}-{hash:016x}.{extension}"));
    eprintln!("fuzz: {how}: saved {}", target.display());
    let _ = std::fs::write(target, bytes);
}

/// Check mutated inputs until killed, on a thread with the scan's worker stack.
fn worker(seed: u64, out: &Path) {
    let out = out.to_path_buf();
    let thread = std::thread::Builder::new()
        .stack_size(tollgate::budget::WORKER_STACK)
        .spawn(move || run_worker(seed, &out))
        .expect("the worker thread starts");
    let _ = thread.join();
}

fn run_worker(seed: u64, out: &Path) {
    std::panic::set_hook(Box::new(|_| {}));
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let plan = Plan::new(&rules, &[Language::Python, Language::Rust].into());
    let seeds = seeds();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut stdout = std::io::stdout().lock();
    loop {
        let (language, base) = &seeds[rng.usize(..seeds.len())];
        let other = &seeds[rng.usize(..seeds.len())].1;
        let mut input = base.clone();
        for _ in 0..rng.usize(1..=8) {
            mutate(&mut rng, &mut input, other);
        }
        input.truncate(MAX_INPUT);
        let extension = match language {
            Language::Python => "py",
            Language::Rust => "rs",
        };
        let path = out.join(format!("current.{extension}"));
        if std::fs::write(&path, &input).is_err() {
            return;
        }
        // The supervisor reads every line; when it is gone, the worker stops.
        if writeln!(stdout, "input {}", path.display())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return;
        }
        let (_, notices) =
            tollgate::scan::check_contents(&path, *language, input, &plan, Some(RULE_TIMEOUT));
        for notice in notices {
            if notice.kind == NoticeKind::InternalError {
                let _ = writeln!(stdout, "internal {}", notice.message);
            }
        }
        if writeln!(stdout, "done")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return;
        }
    }
}

/// The fixtures and the pathological shapes (a tenth of their size).
fn seeds() -> Vec<(Language, Vec<u8>)> {
    let mut seeds = Vec::new();
    let mut pending = vec![PathBuf::from("fixtures")];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let language = match path.extension().and_then(|e| e.to_str()) {
                Some("py") => Language::Python,
                Some("rs") => Language::Rust,
                _ => {
                    if path.is_dir() {
                        pending.push(path);
                    }
                    continue;
                }
            };
            if let Ok(bytes) = std::fs::read(&path) {
                seeds.push((language, bytes));
            }
        }
    }
    for case in pathological::cases(10) {
        let language = if case.extension == "py" {
            Language::Python
        } else {
            Language::Rust
        };
        seeds.push((language, case.text.into_bytes()));
    }
    seeds
}

/// One random change: a byte, a token, a copied, repeated or spliced range, or a cut.
fn mutate(rng: &mut fastrand::Rng, input: &mut Vec<u8>, other: &[u8]) {
    let at = rng.usize(..=input.len());
    match rng.u8(..7) {
        0 if !input.is_empty() => {
            let i = rng.usize(..input.len());
            input[i] = rng.u8(..);
        }
        1 | 2 => {
            let token = TOKENS[rng.usize(..TOKENS.len())].as_bytes();
            input.splice(at..at, token.iter().copied());
        }
        3 if !input.is_empty() => {
            let end = (at + rng.usize(..64)).min(input.len());
            input.drain(at..end);
        }
        4 => {
            // Repeat a short range many times: long chains and deep nesting.
            let start = at.saturating_sub(rng.usize(1..16));
            let repeated = input[start..at].repeat(rng.usize(2..2000));
            input.splice(at..at, repeated);
        }
        5 if !other.is_empty() => {
            let start = rng.usize(..other.len());
            let end = (start + rng.usize(..512)).min(other.len());
            input.splice(at..at, other[start..end].iter().copied());
        }
        _ => {
            let start = at.saturating_sub(rng.usize(..256));
            let piece = input[start..at].to_vec();
            let to = rng.usize(..=input.len());
            input.splice(to..to, piece);
        }
    }
}
