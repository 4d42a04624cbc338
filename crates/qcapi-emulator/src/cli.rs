//! The command line: `qcapi-emulator [--listen ADDR] [--account ID:KEY:UIN]... [--string-quirks]
//! [--fault SPEC]... [--header-read-timeout DURATION] [--idle-timeout DURATION] [--max-connections N]`,
//! also embeddable as a subcommand (`qcapi emulator ...`) through [`EmulatorArgs`].

use std::ffi::OsString;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use clap::builder::RangedU64ValueParser;

use crate::connections::{self, Limits};
use crate::faults::parse_duration;
use crate::{Account, DEFAULT_MAX_CONNECTIONS, Fault, check_accounts, demo_accounts, server};

/// The admin endpoints and limits, for the end of `--help`. An embedding command
/// (`qcapi emulator`) can show it with `Command::after_long_help`.
pub const ADMIN_ENDPOINTS_HELP: &str = "\
Admin endpoints (unsigned, on the same address):
  POST   /_emulator/clock/advance?seconds=N
         Move emulator time forward N seconds (at most 100 years at once).
         Emulator time drives resource lifetimes (a pending peering expires
         after 7 days); signatures are always checked against the real clock.
         Answers {\"offsetSeconds\":..,\"now\":..,\"nowText\":\"..\"}.
  GET    /_emulator/faults
         List the active fault rules with their remaining budgets:
         {\"faults\":[..]}.
  POST   /_emulator/faults
         Add a fault rule from a JSON body, one of
         {\"kind\":\"http_status\",\"status\":503}, {\"kind\":\"latency\",\"millis\":500},
         {\"kind\":\"close\"}, {\"kind\":\"throttle\"}, with optional
         \"action\":\"NAME\", \"times\":N (N >= 1) and \"fraction\":F (0 to 1).
         Answers {\"added\":{..},\"active\":N}.
  DELETE /_emulator/faults
         Remove every fault rule: {\"cleared\":N}.

The API is GET or POST /v2/index.php; other methods get 405 and run nothing.
Request bodies over 1 MiB get 413 before they are read.";

/// The longest timeout the flags take (one day): longer is indistinguishable from none.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// Runs a local emulator of Tencent Cloud's legacy VPC API (API 2.0) until
/// interrupted. Prints `listening on http://ADDR` once the socket is bound.
#[derive(Debug, Clone, Parser)]
#[command(name = "qcapi-emulator", version, after_long_help = ADMIN_ENDPOINTS_HELP)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9000")]
    pub listen: SocketAddr,

    /// An account the emulator accepts (repeatable). Without any, two demo
    /// accounts are created and printed.
    #[arg(long = "account", value_name = "SECRET_ID:SECRET_KEY:UIN")]
    pub accounts: Vec<Account>,

    /// Render `code` and every number in responses as JSON strings, as
    /// Tencent's documentation examples do.
    #[arg(long)]
    pub string_quirks: bool,

    /// Inject a fault into `/v2/index.php` (repeatable; the first rule that
    /// hits a request applies). SPEC is comma-separated: exactly one kind,
    /// `status=CODE` (answer HTTP CODE, 200-599, with a plain-text body),
    /// `latency=DURATION` (`500ms`, `2s`, `250us`; delay, then answer
    /// normally), `close` (drop the connection without a response) or
    /// `throttle` (answer the 4400 RequestLimitExceeded envelope); then
    /// optionally `action=NAME` (only that Action), `times=N` (the next N
    /// matching requests only) and `fraction=F` (a reproducible share 0-1 of
    /// them). E.g. `status=503,times=2,action=CreateVpc`, `close,times=1`,
    /// `latency=500ms,fraction=0.5`, `throttle,times=3`.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<Fault>,

    /// Close a connection that has not sent a complete request head within
    /// DURATION (`10s`, `500ms`) of connecting, or of the request's first byte
    /// on a kept-alive connection; a request body gets as long again (then 408).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub header_read_timeout: Duration,

    /// Close a kept-alive connection idle for DURATION between requests (the
    /// service closes them after 60 s).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_timeout)]
    pub idle_timeout: Duration,

    /// Serve at most N connections at once; further clients wait in the listen
    /// backlog until one closes.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_CONNECTIONS,
        value_parser = RangedU64ValueParser::<usize>::new().range(1..)
    )]
    pub max_connections: usize,
}

/// A timeout flag: `500ms`, `10s`, greater than zero and at most a day.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text, "a timeout", MAX_TIMEOUT)?;
    if timeout.is_zero() {
        return Err("a timeout must be greater than zero".to_owned());
    }
    Ok(timeout)
}

impl EmulatorArgs {
    /// Binds, prints the demo accounts (if used) and the `listening on` line,
    /// then serves until Ctrl-C. Exit code 1 if it cannot start.
    pub fn run(self) -> ExitCode {
        match self.serve() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("qcapi-emulator: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn serve(self) -> std::io::Result<()> {
        let demo = self.accounts.is_empty();
        let accounts = if demo { demo_accounts() } else { self.accounts };
        check_accounts(&accounts)?;
        let limits = Limits {
            header_read_timeout: self.header_read_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
        };
        limits.check()?;
        let shared = Arc::new(server::Shared::new(&accounts, self.string_quirks));
        for fault in &self.faults {
            shared.inject(fault.clone());
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(self.listen)
                .await
                .map_err(|e| {
                    std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", self.listen))
                })?;
            let addr = listener.local_addr()?;
            {
                // A closed stdout must not stop the server, so write errors are ignored.
                let mut out = std::io::stdout().lock();
                if demo {
                    // Local demo credentials, published in the docs: printing them is the point.
                    for a in &accounts {
                        let _ = writeln!(out, "account {}:{}:{}", a.secret_id, a.secret_key, a.uin);
                    }
                }
                for fault in &self.faults {
                    let _ = writeln!(out, "fault {fault}");
                }
                let _ = writeln!(out, "listening on http://{addr}");
                let _ = out.flush();
            }
            let interrupted = async {
                // Without a signal handler, serve until killed.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            connections::serve(listener, server::router(shared), limits, interrupted).await
        })
    }
}

/// Parses `args` (the program name first) and runs; clap's usage errors exit with 2,
/// `--help` and `--version` with 0.
pub fn run_cli<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match EmulatorArgs::try_parse_from(args) {
        Ok(args) => args.run(),
        Err(e) => {
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<EmulatorArgs, clap::Error> {
        EmulatorArgs::try_parse_from(std::iter::once("qcapi-emulator").chain(args.iter().copied()))
    }

    #[test]
    fn flags() {
        let defaults = parse(&[]).expect("no flags are fine");
        assert_eq!(defaults.listen.to_string(), "127.0.0.1:9000");
        assert!(defaults.accounts.is_empty());
        assert!(!defaults.string_quirks);
        assert!(defaults.faults.is_empty());
        let limits = Limits {
            header_read_timeout: defaults.header_read_timeout,
            idle_timeout: defaults.idle_timeout,
            max_connections: defaults.max_connections,
        };
        assert_eq!(
            limits,
            Limits::default(),
            "the flags default to the library's limits"
        );

        let args = parse(&[
            "--listen",
            "127.0.0.1:0",
            "--account",
            "AKID1:k1:1",
            "--account",
            "AKID2:k2:2",
            "--string-quirks",
            "--fault",
            "status=503,times=2,action=CreateVpc",
            "--fault",
            "latency=500ms,fraction=0.5",
            "--header-read-timeout",
            "1500ms",
            "--idle-timeout",
            "5s",
            "--max-connections",
            "8",
        ])
        .expect("valid flags");
        assert_eq!(args.listen.port(), 0);
        assert_eq!(
            args.accounts,
            vec![
                Account::new("AKID1", "k1", "1"),
                Account::new("AKID2", "k2", "2")
            ]
        );
        assert!(args.string_quirks);
        assert_eq!(
            args.faults,
            vec![
                Fault::http_status(503).times(2).for_action("CreateVpc"),
                Fault::latency(std::time::Duration::from_millis(500)).fraction(0.5),
            ]
        );
        assert_eq!(args.header_read_timeout, Duration::from_millis(1500));
        assert_eq!(args.idle_timeout, Duration::from_secs(5));
        assert_eq!(args.max_connections, 8);
    }

    #[test]
    fn the_help_states_the_body_cap() {
        assert_eq!(crate::MAX_BODY_BYTES, 1024 * 1024);
        assert!(ADMIN_ENDPOINTS_HELP.contains("over 1 MiB get 413"));
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for bad in [
            &["--listen", "nowhere"][..],
            &["--account", "AKID1:key"],
            &["--unknown"],
            &["--fault", "explode"],
            &["--fault", "status=503,times=0"],
            &["--fault"],
            &["--header-read-timeout", "0s"],
            &["--header-read-timeout", "10"],
            &["--idle-timeout", "2d"],
            &["--idle-timeout", "86401s"],
            &["--max-connections", "0"],
            &["--max-connections", "-1"],
        ] {
            let err = parse(bad).expect_err("should be rejected");
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }
}
