//! `broad-exception-swallowed`: errors caught wholesale and then dropped. Python: `except:`,
//! `except Exception`/`BaseException` whose handler only passes, continues, logs, returns `None`
//! or a success response. Rust: results of writes and sends discarded with `let _ =` or
//! `.ok();`, and `Err` arms that do nothing.

pub mod python;
pub mod rust;

/// Names this detector fills in for rule messages.
pub const CAPTURES: &[&str] = &["CAUGHT", "OUTCOME"];

/// Python: only `except` clauses are judged.
pub const PYTHON_NEEDS: &[&str] = &["except"];
/// Rust: discarded results and `Err` arms.
pub const RUST_NEEDS: &[&str] = &["let _", ".ok()", "Err"];
