//! The command tree (`qcapi <Action>`, `qcapi call`, `qcapi emulator`) and dispatch.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::builder::ValueParser;
use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, Args as _, Command, FromArgMatches as _};
use qcapi_core::RawAction;
use qcapi_core::vpc::catalog;
use qcapi_emulator::EmulatorArgs;

use crate::globals::{self, Globals};
use crate::{actions, exec};

const ABOUT: &str = "Calls Tencent Cloud's legacy API 2.0 (VPC module): one subcommand per action, \
one --<wireName> flag per parameter";

const AFTER_HELP: &str = "\
Credentials (never taken as flags): TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY \
(with TENCENTCLOUD_SESSION_TOKEN for temporary credentials); else the profile --profile, \
TENCENTCLOUD_PROFILE or `default` of TENCENTCLOUD_CREDENTIALS_FILE or ~/.tencentcloud/credentials \
(keys secret_id, secret_key, token, region). The region: --region, TENCENTCLOUD_REGION, else the profile's.

Global options go before or after the action. Parameters: scalars take a plain value; \
lists of scalars a repeated flag or one JSON array; objects and lists of objects JSON, \
e.g. --subnetSet '[{\"subnetName\":\"a\",\"cidrBlock\":\"10.0.1.0/24\",\"zoneId\":100003}]'.

Output: the response as pretty JSON on stdout (--output table for a table). \
Exit status: 0 success; 1 API error (code, codeDesc and message on stderr), failed task, \
invalid input, transport or credential error; 2 usage error.";

/// `qcapi call <Action> name=value ...`.
fn call_command(globals: &[Arg]) -> Command {
    Command::new("call")
        .about("Calls any action by wire name, in the catalog or not, with flat name=value parameters")
        .long_about(
            "Calls any action by wire name, in the catalog or not, with flat parameters given as \
             name=value (e.g. subnetSet.0.zoneId=100003), sent as given. Actions of the catalog are \
             still checked against their spec before sending.",
        )
        .arg(
            Arg::new("action")
                .value_name("ACTION")
                .required(true)
                .help("The wire name, e.g. DescribeVpcEx"),
        )
        .arg(
            Arg::new("params")
                .value_name("NAME=VALUE")
                .num_args(0..)
                .action(ArgAction::Append)
                .value_parser(ValueParser::new(actions::name_value))
                .help("Flat parameters, sent as given"),
        )
        .next_help_heading("Global options")
        .args(globals.iter().map(|g| g.clone().hide_short_help(true)))
        .after_help("Global options (--endpoint, --region, --dry-run, --output, --wait, -v, ...): see --help.")
}

/// `qcapi emulator ...`: the emulator's own command line.
fn emulator_command() -> Command {
    EmulatorArgs::augment_args(Command::new("emulator")).about(
        "Runs a local emulator of the legacy VPC API until interrupted (prints `listening on http://ADDR`)",
    )
}

/// The whole command tree.
pub fn command() -> Command {
    let globals = globals::args();
    let mut cmd = Command::new("qcapi")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .after_long_help(AFTER_HELP)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand_value_name("ACTION")
        .subcommand_help_heading("Actions")
        .args(globals.iter().cloned())
        .subcommand(call_command(&globals))
        .subcommand(emulator_command());
    for spec in catalog::ACTIONS {
        cmd = cmd.subcommand(actions::command(spec, &globals));
    }
    cmd
}

/// What the command line asks for.
enum Invocation {
    /// Run the emulator.
    Emulator(EmulatorArgs),
    /// Call an action.
    Call(Globals, RawAction),
}

fn invocation(matches: &ArgMatches) -> Result<Invocation, clap::Error> {
    let top = Globals::from_matches(matches);
    let Some((name, sub)) = matches.subcommand() else {
        return Err(clap::Error::new(ErrorKind::MissingSubcommand));
    };
    let action = match name {
        "emulator" => return EmulatorArgs::from_arg_matches(sub).map(Invocation::Emulator),
        "call" => {
            let name = sub.get_one::<String>("action").cloned().unwrap_or_default();
            let params = sub
                .get_many::<(String, String)>("params")
                .into_iter()
                .flatten()
                .cloned();
            RawAction::new(name).params(params)
        }
        name => {
            let spec = catalog::find(name)
                .ok_or_else(|| clap::Error::new(ErrorKind::InvalidSubcommand))?;
            actions::raw_action(spec, sub)
        }
    };
    Ok(Invocation::Call(
        top.merge(Globals::from_matches(sub)),
        action,
    ))
}

/// Parses `args` (the program name first) and runs. Usage errors exit with 2,
/// `--help` and `--version` with 0.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut cmd = command();
    let parsed = cmd
        .try_get_matches_from_mut(args)
        .and_then(|m| invocation(&m));
    let (globals, action) = match parsed {
        Ok(Invocation::Emulator(args)) => return args.run(),
        Ok(Invocation::Call(globals, action)) => (globals, action),
        Err(e) => return usage_error(e),
    };
    if let Some(conflict) = globals.conflict() {
        return usage_error(cmd.error(ErrorKind::ArgumentConflict, conflict));
    }
    let spec = catalog::find(qcapi_core::Action::name(&action));
    exec::execute(&globals, &action, spec)
}

fn usage_error(e: clap::Error) -> ExitCode {
    let _ = e.print();
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn globals_before_and_after_the_action_merge() {
        let m = command()
            .try_get_matches_from([
                "qcapi",
                "--region",
                "gz",
                "-v",
                "RejectVpcPeeringConnection",
                "--peeringConnectionId",
                "pcx-1",
                "--dry-run",
                "--region",
                "sh",
                "-v",
            ])
            .expect("valid");
        let Ok(Invocation::Call(globals, action)) = invocation(&m) else {
            panic!("an action call");
        };
        assert_eq!(globals.region.as_deref(), Some("sh"));
        assert!(globals.dry_run);
        assert_eq!(globals.verbose, 2);
        assert_eq!(
            action,
            RawAction::new("RejectVpcPeeringConnection").param("peeringConnectionId", "pcx-1")
        );
    }

    #[test]
    fn call_takes_flat_pairs() {
        let m = command()
            .try_get_matches_from([
                "qcapi",
                "call",
                "SomethingNew",
                "a=1",
                "b.0.c=x=y",
                "--http-method",
                "POST",
            ])
            .expect("valid");
        let Ok(Invocation::Call(globals, action)) = invocation(&m) else {
            panic!("a call");
        };
        assert_eq!(globals.http_method, Some(qcapi_core::HttpMethod::Post));
        assert_eq!(
            action,
            RawAction::new("SomethingNew")
                .param("a", "1")
                .param("b.0.c", "x=y")
        );
        let err = command()
            .try_get_matches_from(["qcapi", "call", "X", "novalue"])
            .expect_err("not a pair");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn emulator_flags_are_the_emulators() {
        let m = command()
            .try_get_matches_from([
                "qcapi",
                "emulator",
                "--listen",
                "127.0.0.1:0",
                "--string-quirks",
            ])
            .expect("valid");
        let Ok(Invocation::Emulator(args)) = invocation(&m) else {
            panic!("the emulator");
        };
        assert_eq!(args.listen.port(), 0);
        assert!(args.string_quirks);
    }
}
