//! Wire-level tests of the HTTP backends against local fake servers: each test scripts the raw
//! bytes the server writes, with pauses and abrupt closes.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)] // tests

mod http;
