//! The command line: `qcapi-emulator [--listen ADDR] [--account ID:KEY:UIN]... [--string-quirks] [--fault SPEC]...`,
//! also embeddable as a subcommand (`qcapi emulator ...`) through [`EmulatorArgs`].

use std::ffi::OsString;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::{Account, Fault, check_accounts, demo_accounts, server};

/// Runs a local emulator of Tencent Cloud's legacy VPC API (API 2.0) until
/// interrupted. Prints `listening on http://ADDR` once the socket is bound.
#[derive(Debug, Clone, Parser)]
#[command(name = "qcapi-emulator", version)]
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
            server::serve(listener, shared, interrupted).await
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
        ] {
            let err = parse(bad).expect_err("should be rejected");
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }
}
