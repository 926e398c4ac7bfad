//! TODO(helper): describe the detector.

pub mod python;
pub mod rust;

/// Names this detector fills in for rule messages.
pub const CAPTURES: &[&str] = &[];
