//! `broad-exception-swallowed`: errors caught wholesale and then dropped. Python: `except:`,
//! `except Exception`/`BaseException` whose handler only passes, continues, logs, returns `None`
//! or a success response. Rust: results of writes and sends discarded with `let _ =` or
//! `.ok();`, and `Err` arms that do nothing.

pub mod python;
pub mod rust;

/// Names this detector fills in for rule messages.
pub const CAPTURES: &[&str] = &["CAUGHT", "OUTCOME"];
