//! Temperature conversion and reporting.

pub mod convert;
pub mod report;
