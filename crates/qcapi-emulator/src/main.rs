//! `qcapi-emulator`: serves the legacy VPC API emulator on a local port until interrupted.

use std::process::ExitCode;

fn main() -> ExitCode {
    qcapi_emulator::run_cli(std::env::args_os())
}
