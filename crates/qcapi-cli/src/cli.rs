//! The command tree (`qcapi <Action>`, `qcapi call`, `qcapi actions`,
//! `qcapi completions`, `qcapi emulator`) and dispatch: action names matched
//! without regard to case, a suggestion for a near miss, the endpoint checked
//! before anything is sent.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, ValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches, Command};
use qcapi_core::vpc::catalog;
use qcapi_core::{Endpoint, Error, RawAction};

use crate::emulator::{self, Emulator};
use crate::globals::{self, Globals};
use crate::{actions, exec, stdio};

/// Where `--endpoint` is read from when the flag is absent (the name Tencent's
/// terraform provider uses), so a walkthrough can set it once.
pub const ENDPOINT_VAR: &str = "TENCENTCLOUD_ENDPOINT";

const ABOUT: &str = "Calls Tencent Cloud's legacy API 2.0 (VPC module): one subcommand per action, \
one --<wireName> flag per parameter";

/// `qcapi --help`: the global options first, then the few commands; the 144
/// action subcommands are hidden from it and listed by `qcapi actions`.
const HELP_TEMPLATE: &str = "\
{about-with-newline}
{usage-heading} {usage}

Global options:
{options}

Commands:
{subcommands}{after-help}";

/// Below the commands in `qcapi --help`: where the actions are, and in brief
/// what the per-action help does not say.
fn after_help() -> String {
    format!(
        "Run `qcapi actions` to list the {} actions (`qcapi actions peering` filters them) and \
`qcapi <ACTION> --help` for one's parameters; action names match in any case. Global options \
go before or after the action.

Credentials (never flags): TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (with \
TENCENTCLOUD_SESSION_TOKEN), else the profile (--profile, TENCENTCLOUD_PROFILE, else default) of \
TENCENTCLOUD_CREDENTIALS_FILE or ~/.tencentcloud/credentials.
Exit status: 0 success; 1 API error (code, codeDesc and message on stderr), failed task, invalid \
input, transport or credential error; 2 usage error or invalid endpoint; 141 stdout or stderr closed.",
        catalog::ACTIONS.len()
    )
}

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

/// `qcapi whoami`: which credentials and endpoint the global options resolve to.
fn whoami_command(globals: &[Arg]) -> Command {
    Command::new("whoami")
        .about("Shows where the credentials come from, the masked SecretId, the region and the endpoint")
        .long_about(
            "Resolves credentials, region and endpoint exactly as a call would (flags, environment, \
             profile file) and prints them without sending anything: the credentials' source, the \
             SecretId masked, whether a session token is set, the region and the VPC endpoint. \
             No secret is printed.",
        )
        .next_help_heading("Global options")
        .args(globals.iter().map(|g| g.clone().hide_short_help(true)))
}

/// `qcapi actions [FILTER]`.
fn actions_command() -> Command {
    Command::new("actions")
        .about("Lists the actions with their one-line summaries")
        .arg(Arg::new("filter").value_name("FILTER").help(
            "Only actions whose name or summary contains this text, in any case (e.g. peering)",
        ))
}

/// The shells `qcapi completions` writes for.
const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// `qcapi completions bash|zsh|fish`.
fn completions_command() -> Command {
    Command::new("completions")
        .about(
            "Prints a shell completion script (bash, zsh or fish) covering every action and flag",
        )
        .long_about(
            "Prints a completion script on stdout, e.g. \
             `qcapi completions bash > ~/.local/share/bash-completion/completions/qcapi`, \
             `qcapi completions zsh > ~/.zfunc/_qcapi` or \
             `qcapi completions fish > ~/.config/fish/completions/qcapi.fish`.",
        )
        .arg(
            Arg::new("shell")
                .value_name("SHELL")
                .required(true)
                .value_parser(PossibleValuesParser::new(SHELLS)),
        )
}

/// The whole command tree; with `hide_actions`, the action subcommands are left
/// out of `--help` (they still parse, and completions see them).
fn tree(hide_actions: bool) -> Command {
    let globals = globals::args();
    let mut cmd = Command::new("qcapi")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .help_template(HELP_TEMPLATE)
        .after_help(after_help())
        // `--help` is the short help too: the long one of every option is in
        // `qcapi <ACTION> --help`. Disabling clap's flag also disables it on every
        // subcommand, so `with_help` gives each its usual one back.
        .disable_help_flag(true)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand_value_name("ACTION|COMMAND")
        .args(globals.iter().cloned())
        .arg(help_flag(ArgAction::HelpShort))
        .subcommand(with_help(call_command(&globals)))
        .subcommand(with_help(actions_command()))
        .subcommand(with_help(whoami_command(&globals)))
        .subcommand(with_help(crate::configure::command(&globals)))
        .subcommand(with_help(completions_command()))
        .subcommand(with_help(emulator::command(&globals)));
    for spec in catalog::ACTIONS {
        cmd = cmd.subcommand(with_help(actions::command(spec, &globals)).hide(hide_actions));
    }
    cmd
}

/// `-h, --help`, doing `action`.
fn help_flag(action: ArgAction) -> Arg {
    Arg::new("help")
        .short('h')
        .long("help")
        .action(action)
        .help("Print help")
}

/// `cmd` and its subcommands with clap's usual `-h` (summary) / `--help` (details).
fn with_help(cmd: Command) -> Command {
    let subcommands: Vec<Command> = cmd.get_subcommands().cloned().collect();
    let mut cmd = cmd.arg(help_flag(ArgAction::Help));
    for sub in subcommands {
        let name = sub.get_name().to_owned();
        cmd = cmd.mut_subcommand(name, |_| with_help(sub));
    }
    cmd
}

/// The command tree as parsed and shown by `--help`.
pub fn command() -> Command {
    tree(true)
}

/// What the command line asks for.
enum Invocation {
    /// Run or drive the emulator (with `advance-clock`'s globals).
    Emulator(Emulator, Globals),
    /// Call an action.
    Call(Globals, RawAction),
    /// List the actions matching a filter.
    Actions(Option<String>),
    /// Print a completion script for a shell.
    Completions(String),
    /// Show the resolved credentials' source, region and endpoint.
    Whoami(Globals),
    /// Write a profile of the credentials file.
    Configure(Globals),
}

fn invocation(matches: &ArgMatches) -> Result<Invocation, clap::Error> {
    let top = Globals::from_matches(matches);
    let Some((name, sub)) = matches.subcommand() else {
        return Err(clap::Error::new(ErrorKind::MissingSubcommand));
    };
    let action = match name {
        "emulator" => {
            let (what, globals) = emulator::invocation(sub)?;
            return Ok(Invocation::Emulator(
                what,
                top.merge(globals.unwrap_or_default()),
            ));
        }
        "actions" => {
            return Ok(Invocation::Actions(
                sub.get_one::<String>("filter").cloned(),
            ));
        }
        "whoami" => return Ok(Invocation::Whoami(top.merge(Globals::from_matches(sub)))),
        "configure" => {
            return Ok(Invocation::Configure(top.merge(Globals::from_matches(sub))));
        }
        "completions" => {
            let shell = sub.get_one::<String>("shell").cloned().unwrap_or_default();
            return Ok(Invocation::Completions(shell));
        }
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

/// Rewrites the action name, wherever it stands after the global options, to
/// its catalog spelling when it matches one without regard to case
/// (`describevpcex` → `DescribeVpcEx`). Option values are skipped by knowing
/// which global options take one.
fn canonical_action(args: &mut [OsString], globals: &[Arg]) {
    let takes_value = |arg: Option<&Arg>| arg.is_some_and(|a| a.get_action().takes_values());
    let mut i = 1;
    while let Some(text) = args.get(i).and_then(|a| a.to_str()) {
        if text == "--" {
            return;
        }
        if let Some(long) = text.strip_prefix("--") {
            let arg = globals.iter().find(|g| g.get_long() == Some(long));
            i += if !long.contains('=') && takes_value(arg) {
                2
            } else {
                1
            };
            continue;
        }
        if let Some(shorts) = text.strip_prefix('-').filter(|s| !s.is_empty()) {
            // `-o table` takes the next argument; `-otable` and `-vv` do not.
            let mut chars = shorts.chars();
            let first = chars.next();
            let arg = globals.iter().find(|g| g.get_short() == first);
            i += if chars.next().is_none() && takes_value(arg) {
                2
            } else {
                1
            };
            continue;
        }
        if catalog::find(text).is_none() {
            if let Some(spec) = catalog::ACTIONS
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(text))
            {
                args[i] = spec.name.into();
            }
        }
        return;
    }
}

/// The closest action or command name to a mistyped one, if any is close.
fn suggestion(typed: &str) -> Option<&'static str> {
    // Comparing costs the product of the lengths; no action name is this long.
    if typed.len() > 100 {
        return None;
    }
    let typed = typed.to_ascii_lowercase();
    catalog::ACTIONS
        .iter()
        .map(|s| s.name)
        .chain([
            "call",
            "actions",
            "whoami",
            "configure",
            "completions",
            "emulator",
            "help",
        ])
        .map(|name| {
            (
                strsim::jaro_winkler(&typed, &name.to_ascii_lowercase()),
                name,
            )
        })
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

/// clap's "unrecognized subcommand" as `unknown action `X`; did you mean `Y`?`.
fn unknown_action(cmd: &mut Command, e: clap::Error) -> clap::Error {
    let Some(ContextValue::String(typed)) = e.get(ContextKind::InvalidSubcommand) else {
        return e;
    };
    let shown = crate::text::escape(typed, false);
    let message = match suggestion(typed) {
        Some(near) => format!("unknown action `{shown}`; did you mean `{near}`?"),
        None => format!("unknown action `{shown}`"),
    };
    cmd.error(
        ErrorKind::InvalidSubcommand,
        format!(
            "{message}\n\nRun `qcapi actions` to list the {} actions.",
            catalog::ACTIONS.len()
        ),
    )
}

/// The endpoint `globals` name (`--endpoint`, else [`ENDPOINT_VAR`]), parsed by
/// qcapi-core's `Endpoint::parse`, the one the client uses, so that a bad one is
/// a usage error before anything is sent, `--dry-run` included. `globals.endpoint`
/// is filled in from the environment. `None`: neither is set.
fn endpoint(globals: &mut Globals) -> Result<Option<Endpoint>, String> {
    let source = if globals.endpoint.is_some() {
        "--endpoint"
    } else {
        match std::env::var(ENDPOINT_VAR) {
            Ok(value) if !value.is_empty() => globals.endpoint = Some(value),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(format!("invalid {ENDPOINT_VAR}: not UTF-8"));
            }
            _ => return Ok(None),
        }
        ENDPOINT_VAR
    };
    let url = globals.endpoint.as_deref().unwrap_or_default();
    Endpoint::parse(url).map(Some).map_err(|e| match e {
        Error::InvalidInput { reason, .. } => format!("invalid {source}: {reason}"),
        other => format!("invalid {source} `{url}`: {other}"),
    })
}

/// `qcapi actions [FILTER]`: `Name  summary` lines.
fn list_actions(filter: Option<&str>) -> ExitCode {
    let filter = filter.map(str::to_lowercase);
    let matching: Vec<_> = catalog::ACTIONS
        .iter()
        .filter(|s| {
            filter.as_deref().is_none_or(|f| {
                s.name.to_lowercase().contains(f) || s.summary.to_lowercase().contains(f)
            })
        })
        .collect();
    if matching.is_empty() {
        stdio::errln(&format!(
            "no action matches `{}`",
            crate::text::escape(filter.as_deref().unwrap_or_default(), false)
        ));
        return ExitCode::FAILURE;
    }
    let width = matching.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut text = String::new();
    for spec in matching {
        text.push_str(&format!("{:width$}  {}\n", spec.name, spec.summary));
    }
    stdio::out(&text);
    ExitCode::SUCCESS
}

/// `qcapi completions SHELL`.
fn completions(shell: &str) -> ExitCode {
    let shell = match shell {
        "zsh" => clap_complete::Shell::Zsh,
        "fish" => clap_complete::Shell::Fish,
        _ => clap_complete::Shell::Bash,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut tree(false), "qcapi", &mut script);
    stdio::out(&String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}

/// Parses `args` (the program name first) and runs. Usage errors exit with 2,
/// `--help` and `--version` with 0, a closed stdout or stderr with 141.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    stdio::install_panic_backstop();
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    canonical_action(&mut args, &globals::args());
    let mut cmd = command();
    let parsed = cmd
        .try_get_matches_from_mut(args)
        .and_then(|m| invocation(&m));
    let invocation = match parsed {
        Ok(invocation) => invocation,
        Err(e) if e.kind() == ErrorKind::InvalidSubcommand => {
            return usage_error(unknown_action(&mut cmd, e));
        }
        Err(e) => return usage_error(e),
    };
    let (mut globals, action) = match invocation {
        Invocation::Actions(filter) => return list_actions(filter.as_deref()),
        Invocation::Completions(shell) => return completions(&shell),
        Invocation::Emulator(Emulator::Serve(args), _) => return args.run(),
        Invocation::Emulator(what, mut globals) => {
            let endpoint = match endpoint(&mut globals) {
                Ok(Some(endpoint)) => endpoint,
                Ok(None) => match Endpoint::parse(emulator::DEFAULT_EMULATOR) {
                    Ok(endpoint) => endpoint,
                    Err(e) => return usage_error(cmd.error(ErrorKind::ValueValidation, e)),
                },
                Err(message) => return usage_error(cmd.error(ErrorKind::ValueValidation, message)),
            };
            return emulator::admin(&endpoint, what, &globals);
        }
        Invocation::Configure(globals) => return crate::configure::run(globals.profile.as_deref()),
        Invocation::Whoami(mut globals) => {
            if let Err(message) = endpoint(&mut globals) {
                return usage_error(cmd.error(ErrorKind::ValueValidation, message));
            }
            return exec::whoami(&globals);
        }
        Invocation::Call(globals, action) => (globals, action),
    };
    if let Some(conflict) = globals.conflict() {
        return usage_error(cmd.error(ErrorKind::ArgumentConflict, conflict));
    }
    if let Err(message) = endpoint(&mut globals) {
        return usage_error(cmd.error(ErrorKind::ValueValidation, message));
    }
    let spec = catalog::find(qcapi_core::Action::name(&action));
    exec::execute(&globals, &action, spec)
}

/// Prints a clap error (or help, or the version) and returns its exit code.
fn usage_error(e: clap::Error) -> ExitCode {
    stdio::checked(e.print());
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
    fn action_names_match_in_any_case() {
        fn check(args: &[&str], expected: &[&str]) {
            let mut args: Vec<OsString> = args.iter().map(OsString::from).collect();
            canonical_action(&mut args, &globals::args());
            assert_eq!(args, expected, "{expected:?}");
        }
        check(&["qcapi", "describevpcex"], &["qcapi", "DescribeVpcEx"]);
        check(
            &["qcapi", "DESCRIBEVPCEX", "--limit", "1"],
            &["qcapi", "DescribeVpcEx", "--limit", "1"],
        );
        check(
            &[
                "qcapi",
                "--region",
                "describevpcex",
                "-o",
                "table",
                "-vv",
                "--dry-run",
                "describevpcex",
            ],
            &[
                "qcapi",
                "--region",
                "describevpcex",
                "-o",
                "table",
                "-vv",
                "--dry-run",
                "DescribeVpcEx",
            ],
        );
        check(
            &["qcapi", "--region=gz", "-otable", "describevpcex"],
            &["qcapi", "--region=gz", "-otable", "DescribeVpcEx"],
        );
        // Only the action position, and only names of the catalog.
        check(
            &["qcapi", "call", "describevpcex"],
            &["qcapi", "call", "describevpcex"],
        );
        check(&["qcapi", "describevpcexx"], &["qcapi", "describevpcexx"]);
        check(
            &["qcapi", "--", "describevpcex"],
            &["qcapi", "--", "describevpcex"],
        );
        check(&["qcapi"], &["qcapi"]);
    }

    #[test]
    fn near_misses_get_a_suggestion() {
        fn check(typed: &str, expected: Option<&str>) {
            assert_eq!(suggestion(typed), expected, "{typed}");
        }
        check("DescribeVpcExx", Some("DescribeVpcEx"));
        check("describevpcexx", Some("DescribeVpcEx"));
        check(
            "RejectVpcPeeringConection",
            Some("RejectVpcPeeringConnection"),
        );
        check("complete", Some("completions"));
        check("NoSuchAction", None);
        check("x", None);
        check(&"DescribeVpcEx".repeat(100), None);
        let err = command()
            .try_get_matches_from(["qcapi", "DescribeVpcExx"])
            .expect_err("unknown");
        let text = unknown_action(&mut command(), err).to_string();
        assert!(
            text.contains("unknown action `DescribeVpcExx`; did you mean `DescribeVpcEx`?"),
            "{text}"
        );
    }

    #[test]
    fn short_help_hides_the_actions_and_lists_globals_first() {
        let help = command().render_help().to_string();
        let flag = command()
            .try_get_matches_from(["qcapi", "--help"])
            .expect_err("help");
        assert_eq!(flag.kind(), ErrorKind::DisplayHelp);
        assert_eq!(flag.to_string(), help, "--help is -h");
        let globals = help.find("Global options:").expect("globals");
        let commands = help.find("Commands:").expect("commands");
        assert!(globals < commands, "{help}");
        for command in [
            "call",
            "actions",
            "completions",
            "emulator",
            "--endpoint",
            "--dry-run",
        ] {
            assert!(help.contains(command), "{command}: {help}");
        }
        assert!(!help.contains("DescribeVpcEx"), "{help}");
        assert!(
            help.contains(&format!("list the {} actions", catalog::ACTIONS.len())),
            "{help}"
        );
        assert!(help.lines().count() < 60, "short: {help}");
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
        let Ok(Invocation::Emulator(Emulator::Serve(args), _)) = invocation(&m) else {
            panic!("the emulator");
        };
        assert_eq!(args.listen.port(), 0);
        assert!(args.string_quirks);
    }
}
