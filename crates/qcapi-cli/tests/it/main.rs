//! The `qcapi` binary's tests, as one test binary (one link of the generated code,
//! not one per file); `common` is the harness every file uses.

mod common;
mod credentials;
mod dry_run;
mod emulator;
mod endpoints;
mod errors;
mod hardening;
mod providers;
mod readme;
mod secrets;
mod seed_flows;
mod trust;
