//! `qcapi`: a command line for Tencent Cloud's legacy API 2.0 (VPC module).
//!
//! ```text
//! qcapi [GLOBAL OPTIONS] <Action> [--<wireName> VALUE ...]
//! qcapi [GLOBAL OPTIONS] call <Action> [name=value ...]
//! qcapi actions [FILTER]
//! qcapi completions bash|zsh|fish
//! qcapi emulator [--listen ADDR] ...
//! qcapi emulator advance-clock DURATION
//! ```
//!
//! One subcommand per action of qcapi-core's catalog, built at runtime from the
//! generated spec data, sent with qcapi's blocking client (`qcapi-ureq`).
//! Credentials come from the client's chain only (environment, then profile
//! file), never from flags. See `qcapi --help`.

mod actions;
mod cli;
mod configure;
mod emulator;
mod exec;
mod globals;
mod logging;
mod output;
mod report;
mod stdio;
mod text;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run(std::env::args_os())
}
