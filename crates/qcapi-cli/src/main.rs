//! `qcapi`: a command line for Tencent Cloud's legacy API 2.0 (VPC module).
//!
//! ```text
//! qcapi [GLOBAL OPTIONS] <Action> [--<wireName> VALUE ...]
//! qcapi [GLOBAL OPTIONS] call <Action> [name=value ...]
//! qcapi emulator [--listen ADDR] ...
//! ```
//!
//! One subcommand per action of qcapi-core's catalog, built at runtime from the
//! generated spec data, sent with qcapi's blocking client (`qcapi-ureq`).
//! Credentials come from the client's chain only (environment, then profile
//! file), never from flags. See `qcapi --help`.

mod actions;
mod cli;
mod exec;
mod globals;
mod logging;
mod output;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run(std::env::args_os())
}
