//! Test-only helpers shared by errcat's crates, kept in one place.
//!
//! - [`redis::RedisServer`]: a throwaway `redis-server` on a free loopback port, for the Redis
//!   tests of errcat-store, errcat and errcat-demo and the Redis benchmarks, and
//!   [`redis::RedisCluster`], a throwaway three-master Redis Cluster;
//! - [`cli::Cli`]: runs the built `errcat` binary for errcat-cli's tests (its output, exit
//!   code and stderr checked in one place), with temporary directories;
//! - [`catalog::LargeCatalog`]: a generated catalog of many codes, for the benchmarks of
//!   `check`, the docs site and OpenAPI.
//!
//! The crate is not published and is only ever a dev-dependency; it depends on no crate of the
//! workspace, so a test that uses it links one copy of each errcat crate.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalog;
pub mod cli;
pub mod redis;
