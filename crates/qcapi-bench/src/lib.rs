//! Benchmarks and load tooling for qcapi (issue #6), kept out of the shipped crates.
//!
//! - [`fixtures`]: the requests, keys, string-to-sign and response bodies the
//!   criterion benches (`cargo bench -p qcapi-bench`) and the load tool share;
//! - [`stats`]: latency percentiles and the process's peak RSS;
//! - [`load`]: end-to-end workloads against an emulator over loopback (blocking
//!   sequential, async with N calls in flight, and the mixed multi-client run
//!   that checks the emulator's state at the end);
//! - [`pingpong`]: the floor of an end-to-end call, a bare TCP ping-pong with the
//!   same request and response sizes;
//! - [`seeds`]: starting inputs for the cargo-fuzz targets in `fuzz/`.
//!
//! The binary `qcapi-load` drives these; `scripts/bench_official_sdk.py` runs it
//! next to the official Python SDK and prints the ratios. BENCHMARKS.md has the numbers.

pub mod fixtures;
pub mod load;
pub mod pingpong;
pub mod seeds;
pub mod stats;
