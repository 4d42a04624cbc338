//! `qcapi emulator`: the embedded emulator's own command line (`qcapi emulator
//! --listen ADDR ...` serves), and the control of a running one: `advance-clock
//! DURATION` (so that nothing but `qcapi` is needed to let a pending peering
//! expire), `clock`, `reset [--account UIN --region R]`, `state --account UIN
//! --region R`, `requests [--clear]`, and the scenarios `answers [--add JSON |
//! --clear]` and `tasks [--add JSON | --clear]`.
//!
//! The clock is moved with one plain POST to the emulator's admin endpoint
//! (`/_emulator/clock/advance?seconds=N`), not a signed API call: the endpoint
//! is the emulator's, not the service's.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Arg, ArgMatches, Args as _, Command, FromArgMatches as _};
use qcapi_core::{Endpoint, Error};
use qcapi_emulator::EmulatorArgs;
use serde_json::Value;

use crate::globals::{Globals, OutputFormat};
use crate::output::render;
use crate::report::report_error;
use crate::stdio;

/// Where `advance-clock` goes without `--endpoint` or `TENCENTCLOUD_ENDPOINT`:
/// the emulator's default listen address.
pub const DEFAULT_EMULATOR: &str = "http://127.0.0.1:9000";

/// The admin path that moves emulator time forward.
const CLOCK_ADVANCE_PATH: &str = "/_emulator/clock/advance";
/// The admin path that shows emulator time.
const CLOCK_PATH: &str = "/_emulator/clock";
/// The admin path that forgets state.
const RESET_PATH: &str = "/_emulator/reset";
/// The admin path of the request journal.
const REQUESTS_PATH: &str = "/_emulator/requests";
/// The admin path of one account's resources in one region.
const STATE_PATH: &str = "/_emulator/state";
/// The admin path of the canned answers.
const ANSWERS_PATH: &str = "/_emulator/answers";
/// The admin path of the task rules.
const TASKS_PATH: &str = "/_emulator/tasks";

/// How long the one admin request may take.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What `qcapi emulator ...` asks for.
pub enum Emulator {
    /// Serve until interrupted.
    Serve(Box<EmulatorArgs>),
    /// Move a running emulator's clock forward by this many seconds.
    AdvanceClock(u64),
    /// Show a running emulator's clock.
    Clock,
    /// Forget a running emulator's state: everything, or one account's region.
    Reset(Option<(String, String)>),
    /// Print a running emulator's request journal, or (`true`) empty it.
    Requests(bool),
    /// Print one account's resources in one region.
    State(String, String),
    /// List, add to (the JSON body) or clear a running emulator's canned answers.
    Answers(Listed),
    /// List, add to (the JSON body) or clear a running emulator's task rules.
    Tasks(Listed),
}

/// What `answers` and `tasks` do with their list.
pub enum Listed {
    /// Print it.
    Show,
    /// Add this JSON (the admin endpoint's body).
    Add(String),
    /// Empty it.
    Clear,
}

impl Listed {
    fn from_matches(m: &ArgMatches) -> Self {
        match (m.get_one::<String>("add"), m.get_flag("clear")) {
            (Some(json), _) => Self::Add(json.clone()),
            (None, true) => Self::Clear,
            (None, false) => Self::Show,
        }
    }

    /// The request that does it on `path`.
    fn request(self, path: &str) -> (&'static str, String, Option<String>) {
        match self {
            Self::Show => ("GET", path.to_owned(), None),
            Self::Add(json) => ("POST", path.to_owned(), Some(json)),
            Self::Clear => ("DELETE", path.to_owned(), None),
        }
    }
}

/// `qcapi emulator`, with its `advance-clock` subcommand. `globals` are the
/// options `advance-clock` takes (it uses `--endpoint`, `--timeout`, `--output`).
pub fn command(globals: &[Arg]) -> Command {
    let advance = Command::new("advance-clock")
        .about("Moves a running emulator's clock forward, e.g. `8d` so that pending peerings expire")
        .long_about(
            "Moves the clock of the emulator at --endpoint (else TENCENTCLOUD_ENDPOINT, else \
             http://127.0.0.1:9000) forward by DURATION and prints its new time as JSON. \
             Pending peering requests expire after 7 days of emulator time.",
        )
        .arg(
            Arg::new("by")
                .value_name("DURATION")
                .required(true)
                .value_parser(duration)
                .help("Seconds, or a number with a unit d, h, m or s, or several: 691200, 8d, 1d12h, 90m"),
        )
        .next_help_heading("Global options")
        .args(
            globals
                .iter()
                .filter(|g| matches!(g.get_long(), Some("endpoint" | "timeout" | "output")))
                .cloned(),
        );
    let admin_globals = || {
        globals
            .iter()
            .filter(|g| matches!(g.get_long(), Some("endpoint" | "timeout" | "output")))
            .cloned()
            .collect::<Vec<_>>()
    };
    let clock = Command::new("clock")
        .about("Shows a running emulator's time and its offset, as JSON")
        .next_help_heading("Global options")
        .args(admin_globals());
    let reset = Command::new("reset")
        .about("Forgets a running emulator's resources, tasks, request counts, faults and journal (or one account's region)")
        .long_about(
            "Forgets every resource, task, request count, fault rule and journal entry of the emulator at --endpoint \
             (else TENCENTCLOUD_ENDPOINT, else http://127.0.0.1:9000); accounts, roles, credentials and \
             the clock stay. With --account UIN --region R, forgets only that account's VPCs in R (with \
             everything in them) and the peerings with a side there.",
        )
        .arg(Arg::new("account").long("account").value_name("UIN").requires("region").help("Only this account (its UIN)"))
        .arg(Arg::new("region").long("region").value_name("REGION").requires("account").help("Only this region of --account"))
        .next_help_heading("Global options")
        .args(admin_globals());
    let requests = Command::new("requests")
        .about("Prints a running emulator's journal of the calls it received (secrets masked), or empties it")
        .arg(
            Arg::new("clear")
                .long("clear")
                .action(clap::ArgAction::SetTrue)
                .help("Empty the journal instead of printing it"),
        )
        .next_help_heading("Global options")
        .args(admin_globals());
    let state = Command::new("state")
        .about("Prints every resource of one account in one region, in the shapes the Describe actions answer with")
        .arg(Arg::new("account").long("account").value_name("UIN").required(true).help("The account (its UIN)"))
        .arg(Arg::new("region").long("region").value_name("REGION").required(true).help("The region"))
        .next_help_heading("Global options")
        .args(admin_globals());
    let listed = |name: &'static str, about: &'static str, add: &'static str| {
        Command::new(name)
            .about(about)
            .arg(
                Arg::new("add")
                    .long("add")
                    .value_name("JSON")
                    .conflicts_with("clear")
                    .help(add),
            )
            .arg(
                Arg::new("clear")
                    .long("clear")
                    .action(clap::ArgAction::SetTrue)
                    .help("Remove them all instead of printing them"),
            )
            .next_help_heading("Global options")
            .args(admin_globals())
    };
    let answers = listed(
        "answers",
        "Prints, adds to or clears a running emulator's canned answers (taken before any model runs)",
        r#"Queue one, e.g. '{"action":"DescribeVpcEx","result":{"totalCount":0,"data":[]}}' or '{"action":"CreateVpc","account":"UIN","error":{"codeDesc":"VpcLimitExceeded","message":"full"}}'"#,
    );
    let tasks = listed(
        "tasks",
        "Prints, adds to or clears a running emulator's task rules (when and how tasks finish)",
        r#"Add one, e.g. '{"finish":"immediately"}', '{"finish":"after_polls","polls":3,"action":"DeleteVpcPeeringConnectionEx"}', '{"finish":"after_seconds","seconds":60}' or '{"finish":"fail","codeDesc":"X","message":"m"}'"#,
    );
    EmulatorArgs::augment_args(Command::new("emulator"))
        .about("Runs a local emulator of the legacy API, or moves a running one's clock (advance-clock 8d)")
        .long_about(
            "Runs a local emulator of the legacy VPC API until interrupted (prints `listening on http://ADDR`); \
             `qcapi emulator advance-clock 8d` moves a running one's clock.",
        )
        .after_long_help(qcapi_emulator::ADMIN_ENDPOINTS_HELP)
        .args_conflicts_with_subcommands(true)
        .subcommand(advance)
        .subcommand(clock)
        .subcommand(reset)
        .subcommand(requests)
        .subcommand(state)
        .subcommand(answers)
        .subcommand(tasks)
}

/// Reads `qcapi emulator`'s matches; the globals of `advance-clock`, if any.
pub fn invocation(m: &ArgMatches) -> Result<(Emulator, Option<Globals>), clap::Error> {
    match m.subcommand() {
        Some(("advance-clock", sub)) => {
            let seconds = sub.get_one::<u64>("by").copied().unwrap_or_default();
            Ok((
                Emulator::AdvanceClock(seconds),
                Some(Globals::from_matches(sub)),
            ))
        }
        Some(("clock", sub)) => Ok((Emulator::Clock, Some(Globals::from_matches(sub)))),
        Some(("requests", sub)) => Ok((
            Emulator::Requests(sub.get_flag("clear")),
            Some(Globals::from_matches(sub)),
        )),
        Some(("state", sub)) => {
            let text = |name: &str| sub.get_one::<String>(name).cloned().unwrap_or_default();
            let what = Emulator::State(text("account"), text("region"));
            Ok((what, Some(Globals::from_matches(sub))))
        }
        Some(("answers", sub)) => Ok((
            Emulator::Answers(Listed::from_matches(sub)),
            Some(Globals::from_matches(sub)),
        )),
        Some(("tasks", sub)) => Ok((
            Emulator::Tasks(Listed::from_matches(sub)),
            Some(Globals::from_matches(sub)),
        )),
        Some(("reset", sub)) => {
            let scope = sub
                .get_one::<String>("account")
                .zip(sub.get_one::<String>("region"))
                .map(|(a, r)| (a.clone(), r.clone()));
            Ok((Emulator::Reset(scope), Some(Globals::from_matches(sub))))
        }
        _ => EmulatorArgs::from_arg_matches(m).map(|args| (Emulator::Serve(Box::new(args)), None)),
    }
}

/// Parses a duration: whole seconds (`691200`), or numbers each followed by
/// `d`, `h`, `m` or `s` (`8d`, `1d12h`, `90m`, `30s`), into seconds.
pub fn duration(text: &str) -> Result<u64, String> {
    let bad = || format!("expected seconds or a duration like 8d, 12h, 90m, 1d12h; got `{text}`");
    let text = text.trim();
    if text.is_empty() {
        return Err(bad());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        let unit = match rest.as_bytes().get(digits) {
            Some(b'd') => 86_400,
            Some(b'h') => 3_600,
            Some(b'm') => 60,
            Some(b's') => 1,
            _ => return Err(bad()),
        };
        total = number
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        rest = &rest[digits + 1..];
    }
    Ok(total)
}

/// Runs `what` against the emulator at `endpoint`: one unsigned admin request
/// (or, for `Serve`, serves).
pub fn admin(endpoint: &Endpoint, what: Emulator, globals: &Globals) -> ExitCode {
    let scoped = |path: &str, account: &str, region: &str| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("account", account)
            .append_pair("region", region)
            .finish();
        format!("{path}?{query}")
    };
    let (method, path_and_query, body) = match what {
        Emulator::AdvanceClock(seconds) => (
            "POST",
            format!("{CLOCK_ADVANCE_PATH}?seconds={seconds}"),
            None,
        ),
        Emulator::Clock => ("GET", CLOCK_PATH.to_owned(), None),
        Emulator::Requests(false) => ("GET", REQUESTS_PATH.to_owned(), None),
        Emulator::Requests(true) => ("DELETE", REQUESTS_PATH.to_owned(), None),
        Emulator::Reset(None) => ("POST", RESET_PATH.to_owned(), None),
        Emulator::Reset(Some((account, region))) => {
            ("POST", scoped(RESET_PATH, &account, &region), None)
        }
        Emulator::State(account, region) => ("GET", scoped(STATE_PATH, &account, &region), None),
        Emulator::Answers(listed) => listed.request(ANSWERS_PATH),
        Emulator::Tasks(listed) => listed.request(TASKS_PATH),
        Emulator::Serve(args) => return args.run(),
    };
    request(endpoint, method, &path_and_query, body, globals)
}

/// Sends one admin request to the emulator at `endpoint` and prints its answer
/// (with `--dry-run`, only the request line).
/// Exit 1 if it cannot be reached or refuses (the reason on stderr).
fn request(
    endpoint: &Endpoint,
    method: &str,
    path_and_query: &str,
    body: Option<String>,
    globals: &Globals,
) -> ExitCode {
    let url = format!(
        "{}://{}{path_and_query}",
        endpoint.scheme(),
        endpoint.host()
    );
    if globals.dry_run {
        // What would be sent: there is nothing to sign.
        stdio::out(&format!("{method} {url}\n"));
        if let Some(body) = &body {
            stdio::out(&format!("{body}\n"));
        }
        return ExitCode::SUCCESS;
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(globals.timeout.unwrap_or(ADMIN_TIMEOUT)))
        .build()
        .into();
    let answer = match (method, body) {
        ("GET", _) => agent.get(&url).call(),
        ("DELETE", _) => agent.delete(&url).call(),
        (_, Some(body)) => agent.post(&url).content_type("application/json").send(body),
        (_, None) => agent.post(&url).send_empty(),
    }
    .and_then(|mut r| Ok((r.status().as_u16(), r.body_mut().read_to_string()?)));
    let failure = match answer {
        Ok((200, body)) => match serde_json::from_str::<Value>(&body) {
            Ok(json) => {
                stdio::out(&render(&json, globals.output.unwrap_or(OutputFormat::Json)));
                return ExitCode::SUCCESS;
            }
            Err(e) => Error::Decode {
                reason: format!("the emulator's answer is not JSON: {e}"),
                body: body.into(),
            },
        },
        Ok((status, body)) => Error::HttpStatus {
            status,
            location: None,
            body: body.into(),
        },
        Err(e) => {
            stdio::errln(&format!(
                "error: cannot reach the emulator at {}: {e}",
                endpoint.base_url()
            ));
            return ExitCode::FAILURE;
        }
    };
    report_error(&failure, globals.verbose > 0);
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        fn check(input: &str, expected: Option<u64>) {
            assert_eq!(duration(input).ok(), expected, "{input}");
        }
        check("691200", Some(691_200));
        check("0", Some(0));
        check("8d", Some(691_200));
        check("12h", Some(43_200));
        check("90m", Some(5_400));
        check("30s", Some(30));
        check("1d12h", Some(129_600));
        check("1h30m15s", Some(5_415));
        check(" 8d ", Some(691_200));
        check("", None);
        check("d", None);
        check("8", Some(8));
        check("8x", None);
        check("8d2", None);
        check("-1", None);
        check("1.5h", None);
        check("8 d", None);
        check("99999999999999999999", None);
        check("213503982334601d", Some(213_503_982_334_601 * 86_400));
        check("213503982334602d", None);
        check("213503982334601d1d", None);
    }

    #[test]
    fn advance_clock_parses_and_serving_still_does() {
        let cmd = || crate::cli::command();
        let m = cmd()
            .try_get_matches_from([
                "qcapi",
                "emulator",
                "advance-clock",
                "8d",
                "--endpoint",
                "http://127.0.0.1:1",
            ])
            .expect("valid");
        let (_, sub) = m.subcommand().expect("emulator");
        let Ok((Emulator::AdvanceClock(seconds), Some(globals))) = invocation(sub) else {
            panic!("advance-clock");
        };
        assert_eq!(seconds, 691_200);
        assert_eq!(globals.endpoint.as_deref(), Some("http://127.0.0.1:1"));
        let m = cmd()
            .try_get_matches_from(["qcapi", "emulator", "--listen", "127.0.0.1:0"])
            .expect("valid");
        let (_, sub) = m.subcommand().expect("emulator");
        assert!(matches!(invocation(sub), Ok((Emulator::Serve(_), None))));
        for bad in [
            &["advance-clock"][..],
            &["advance-clock", "soon"],
            &["--listen", "127.0.0.1:0", "advance-clock", "1"],
        ] {
            let err = cmd()
                .try_get_matches_from(["qcapi", "emulator"].into_iter().chain(bad.iter().copied()))
                .expect_err("rejected");
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }
}
