//! Integration tests of the `nightshift` binary: real SQLite, real git, the real GGUF model.
#![allow(unreachable_pub, clippy::unwrap_used, clippy::expect_used)] // test helpers: shared across modules, and a failure should panic

mod cli;
