//! tollgate: a security-focused static code reviewer for Python and Rust backends.
//!
//! The crate mirrors the scan's data flow:
//! [`discover`] → [`parse`] → [`check`] (with [`detectors`] described by [`rules`], reading the
//! [`app`] model per file) → link ([`app::Project`]) → [`filter`] → [`report`].
//! [`scan`] strings the stages together (keeping per-file results in the [`cache`]); [`cli`] is the
//! command-line front end used by the binary.

pub mod app;
pub mod baseline;
pub mod budget;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod detectors;
pub mod diff;
pub mod discover;
pub mod filter;
pub mod finding;
pub mod fingerprint;
pub mod matcher;
pub mod parse;
pub mod peers;
pub mod profile;
mod progress;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod suppress;
pub mod symbols;
pub mod syntax;
pub mod taint;
pub mod testcode;
pub mod testing;
