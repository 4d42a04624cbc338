//! The command line: `qcapi-emulator [--listen ADDR] [--account ID:KEY:UIN]... [--string-quirks]
//! [--fault SPEC]... [--header-read-timeout DURATION] [--idle-timeout DURATION] [--max-connections N]
//! [--role NAME=SECRET_ID]... [--instance-role NAME=SECRET_ID] [--web-identity PROVIDER_ID=TOKEN]...
//! [--credential-lifetime SECONDS] [--clock-offset SECONDS]`,
//! also embeddable as a subcommand (`qcapi emulator ...`) through [`EmulatorArgs`].

use std::ffi::OsString;
use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use clap::builder::RangedU64ValueParser;

use crate::faults::parse_duration;
use crate::sts;
use crate::{
    Account, DEFAULT_MAX_CONNECTIONS, EmulatorBuilder, Fault, demo_accounts, invalid_input, server,
};

/// The admin endpoints and limits, for the end of `--help`. An embedding command
/// (`qcapi emulator`) can show it with `Command::after_long_help`.
// Prose with JSON in it, kept in a text file where it needs no escapes.
pub const ADMIN_ENDPOINTS_HELP: &str = include_str!("admin_endpoints_help.txt").trim_ascii_end();

/// `NAME=SECRET_ID`: role NAME of the account with that SecretId (`--role`, `--instance-role`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFlag {
    /// The role's name.
    pub name: String,
    /// The SecretId of one of the emulator's accounts; the role belongs to its uin.
    pub secret_id: String,
}

impl std::str::FromStr for RoleFlag {
    type Err = String;

    /// Split at the last `=`: role names may hold `=`, SecretIds do not.
    fn from_str(text: &str) -> Result<Self, String> {
        let (name, secret_id) = text.rsplit_once('=').ok_or("expected NAME=SECRET_ID")?;
        sts::check_role_name(name)?;
        if secret_id.is_empty() {
            return Err("expected NAME=SECRET_ID with a non-empty SecretId".to_owned());
        }
        Ok(Self {
            name: name.to_owned(),
            secret_id: secret_id.to_owned(),
        })
    }
}

/// `PROVIDER_ID=TOKEN`: an OIDC provider and the web identity token it accepts
/// (`--web-identity`). `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct WebIdentityFlag {
    /// The `ProviderId` clients send.
    pub provider_id: String,
    /// The `WebIdentityToken` accepted from it.
    pub token: String,
}

impl std::fmt::Debug for WebIdentityFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebIdentityFlag")
            .field("provider_id", &self.provider_id)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl std::str::FromStr for WebIdentityFlag {
    type Err = String;

    /// The id is before the first `=`; the token (which may hold `=`) after it.
    fn from_str(text: &str) -> Result<Self, String> {
        match text.split_once('=') {
            Some((id, token)) if !id.is_empty() && !token.is_empty() => Ok(Self {
                provider_id: id.to_owned(),
                token: token.to_owned(),
            }),
            _ => Err("expected PROVIDER_ID=TOKEN, both non-empty".to_owned()),
        }
    }
}

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

    /// Declare role NAME of the account with SECRET_ID (repeatable): STS
    /// AssumeRole by that uin, and AssumeRoleWithWebIdentity, may assume
    /// qcs::cam::uin/UIN:roleName/NAME.
    #[arg(long = "role", value_name = "NAME=SECRET_ID")]
    pub roles: Vec<RoleFlag>,

    /// Bind role NAME of the account with SECRET_ID to the instance: the CVM
    /// metadata paths hand out its temporary credentials.
    #[arg(long, value_name = "NAME=SECRET_ID")]
    pub instance_role: Option<RoleFlag>,

    /// Accept AssumeRoleWithWebIdentity from ProviderId PROVIDER_ID with
    /// WebIdentityToken TOKEN (repeatable).
    #[arg(long = "web-identity", value_name = "PROVIDER_ID=TOKEN")]
    pub web_identities: Vec<WebIdentityFlag>,

    /// How many requests the journal (`GET /_emulator/requests`) keeps; the oldest
    /// go first, 0 keeps none.
    #[arg(long, value_name = "N", default_value_t = crate::journal::DEFAULT_JOURNAL_CAPACITY)]
    pub journal_size: usize,

    /// Give each account and region, on its first request there, a default VPC
    /// `Default-VPC` (172.16.0.0/16) with subnet `Default-Subnet` (172.16.0.0/20,
    /// zone 100003), marked as the default.
    #[arg(long)]
    pub default_vpc: bool,

    /// Keep the state (resources, tasks, emulator time) in PATH across restarts:
    /// loaded at start, written durably before every answer that changed it. A file
    /// of another version, or a corrupt one, is refused, never replaced.
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<std::path::PathBuf>,

    /// Print the actions with a stateful model, one per line, and exit (the rest
    /// answer from their spec's output shape).
    #[arg(long)]
    pub modelled_actions: bool,

    /// Lifetime of metadata credentials, on the emulator clock (1 to 43200).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = sts::DEFAULT_DURATION_SECS,
        value_parser = RangedU64ValueParser::<u64>::new().range(1..=sts::MAX_DURATION_SECS)
    )]
    pub credential_lifetime: u64,

    /// Run the emulator's clock SECONDS ahead of the real clock (negative:
    /// behind), as a service whose clock differs from the client's; Timestamps
    /// are checked against it.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 0,
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(i64).range(-server::MAX_CLOCK_OFFSET_SECS..=server::MAX_CLOCK_OFFSET_SECS)
    )]
    pub clock_offset: i64,
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
        if self.modelled_actions {
            for action in crate::modelled_actions() {
                println!("{action}");
            }
            return ExitCode::SUCCESS;
        }
        match self.serve() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("qcapi-emulator: {e}");
                ExitCode::FAILURE
            }
        }
    }

    /// The library's builder for these flags (unchecked), set through its public
    /// methods as any user's would be; roles name their account by SecretId,
    /// among the demo accounts when none is given.
    fn builder(&self) -> io::Result<EmulatorBuilder> {
        let accounts = match self.accounts.is_empty() {
            true => demo_accounts(),
            false => self.accounts.clone(),
        };
        // The account a role flag names by its SecretId.
        let account_of = |flag: &RoleFlag| {
            let account = accounts.iter().find(|a| a.secret_id == flag.secret_id);
            account.cloned().ok_or_else(|| {
                let (name, id) = (&flag.name, &flag.secret_id);
                invalid_input(format!("role `{name}`: no account has SecretId `{id}`"))
            })
        };
        let mut builder = EmulatorBuilder::default()
            .listen(self.listen)
            .string_quirks(self.string_quirks)
            .header_read_timeout(self.header_read_timeout)
            .idle_timeout(self.idle_timeout)
            .max_connections(self.max_connections)
            .credential_lifetime(Duration::from_secs(self.credential_lifetime))
            .journal_capacity(self.journal_size)
            .default_vpc(self.default_vpc)
            .clock_offset(self.clock_offset);
        for flag in &self.roles {
            builder = builder.role(&flag.name, account_of(flag)?);
        }
        if let Some(flag) = &self.instance_role {
            builder = builder.instance_role(&flag.name, account_of(flag)?);
        }
        for w in &self.web_identities {
            builder = builder.web_identity_provider(&w.provider_id, &w.token);
        }
        if let Some(path) = &self.state_file {
            builder = builder.state_file(path);
        }
        let builder = self.faults.iter().fold(builder, |b, f| b.fault(f.clone()));
        Ok(accounts.into_iter().fold(builder, EmulatorBuilder::account))
    }

    /// Serves on the emulator's own thread until Ctrl-C, then stops it gracefully.
    fn serve(self) -> io::Result<()> {
        let demo = self.accounts.is_empty();
        let builder = self.builder()?;
        let emulator = builder.clone().start()?;
        announce(&builder, demo, emulator.addr());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Without a signal handler there is nothing to wait for but the process's end.
        if runtime.block_on(tokio::signal::ctrl_c()).is_err() {
            loop {
                std::thread::park();
            }
        }
        drop(emulator);
        Ok(())
    }
}

fn announce(builder: &EmulatorBuilder, demo: bool, addr: SocketAddr) {
    let mut lines = Vec::new();
    if demo {
        // Local demo credentials, published in the docs: printing them is the point.
        let accounts = builder.accounts.iter();
        lines.extend(
            accounts.map(|a| format!("account {}:{}:{}", a.secret_id, a.secret_key, a.uin)),
        );
    }
    lines.extend(builder.faults.iter().map(|fault| format!("fault {fault}")));
    // Roles only: web identity tokens are secrets and are not printed.
    let settings = &builder.settings;
    lines.extend(settings.roles.iter().map(|r| format!("role {}", r.arn())));
    let instance_role = settings.instance_role.iter();
    lines.extend(instance_role.map(|r| format!("instance-role {}", r.arn())));
    lines.push(format!("listening on http://{addr}"));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", lines.join("\n"));
    let _ = out.flush();
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
    use crate::connections::Limits;

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
        assert_eq!(defaults.credential_lifetime, 7200);
        assert_eq!(defaults.clock_offset, 0);
        assert!(defaults.roles.is_empty() && defaults.instance_role.is_none());
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
            "--role",
            "deployer=AKID1",
            "--role",
            "a=b=AKID1",
            "--instance-role",
            "qcapi-role=AKID2",
            "--web-identity",
            "oidc-1=tok=en",
            "--credential-lifetime",
            "60",
            "--clock-offset",
            "-3600",
        ])
        .expect("valid flags");
        let role = |name: &str| RoleFlag {
            name: name.to_owned(),
            secret_id: "AKID1".to_owned(),
        };
        assert_eq!(args.roles, vec![role("deployer"), role("a=b")]);
        assert_eq!(
            args.instance_role.as_ref().map(|r| r.name.as_str()),
            Some("qcapi-role")
        );
        assert_eq!(args.web_identities[0].provider_id, "oidc-1");
        assert_eq!(args.web_identities[0].token, "tok=en");
        assert!(!format!("{args:?}").contains("tok=en"));
        assert_eq!(args.credential_lifetime, 60);
        assert_eq!(args.clock_offset, -3600);
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
            &["--role", "nameonly"],
            &["--role", "bad name=AKID1"],
            &["--instance-role", "r="],
            &["--web-identity", "=token"],
            &["--web-identity", "id="],
            &["--credential-lifetime", "0"],
            &["--credential-lifetime", "43201"],
            &["--clock-offset", "soon"],
            &["--clock-offset", "99999999999"],
        ] {
            let err = parse(bad).expect_err("should be rejected");
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }
}
