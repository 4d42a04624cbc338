//! The options every action takes: where to send, how to sign, how to print.
//!
//! They are accepted before the action (`qcapi --dry-run CreateVpc ...`) and
//! after it (`qcapi CreateVpc ... --dry-run`); the two are merged, the later
//! position winning. An action parameter whose wire name equals one of these
//! flags keeps its `--<wireName>` flag; that global option must then be given
//! before the action.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, ValueEnum, value_parser};
use qcapi_core::{HttpMethod, SignatureMethod};

/// How a response is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// The response body as pretty-printed JSON.
    #[default]
    Json,
    /// `data` lists as a table (one column per key), anything else as key/value lines.
    Table,
}

/// The global options, as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Globals {
    /// `--endpoint` (the command line fills in `TENCENTCLOUD_ENDPOINT` when absent).
    pub endpoint: Option<String>,
    /// `--domain` (else the library reads `TENCENTCLOUD_DOMAIN`, then the profile).
    pub domain: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--signature-method`.
    pub signature_method: Option<SignatureMethod>,
    /// `--http-method`.
    pub http_method: Option<HttpMethod>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--retries`.
    pub retries: Option<u32>,
    /// `--nonce`.
    pub nonce: Option<u64>,
    /// `--timestamp`.
    pub timestamp: Option<u64>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--output`.
    pub output: Option<OutputFormat>,
    /// `--wait`.
    pub wait: bool,
    /// `--query`.
    pub query: Option<String>,
    /// `--wait-timeout`.
    pub wait_timeout: Option<Duration>,
    /// How many `-v`.
    pub verbose: u8,
    /// `--ca-file`.
    pub ca_file: Option<PathBuf>,
    /// `--insecure`.
    pub insecure: bool,
    /// `--role-arn`.
    pub role_arn: Option<String>,
    /// `--role-session-name`.
    pub role_session_name: Option<String>,
    /// `--use-cvm-role`.
    pub use_cvm_role: bool,
}

/// Help text of `--dry-run`, which documents the one place secrets are printed.
const DRY_RUN_HELP: &str = "Send nothing; print the signed request instead: for GET the full URL, \
for POST the URL, then the form body on the next line. \
This output necessarily contains the Signature and, with temporary credentials, \
the session Token (it is the request itself): treat it as a secret. \
It is the only output of qcapi that shows either";

/// Parses a positive, finite number of seconds.
fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds, got `{text}`"))?;
    if !secs.is_finite() || secs <= 0.0 || secs > 1e9 {
        return Err(format!(
            "expected a positive number of seconds, got `{text}`"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses a `--query` path: dotted segments, none empty.
fn path(text: &str) -> Result<String, String> {
    if text.is_empty() || text.split('.').any(str::is_empty) {
        return Err(format!(
            "expected a dotted path like data.0.vpcId, got `{text}`"
        ));
    }
    Ok(text.to_owned())
}

/// Parses a positive integer (a nonce).
fn positive(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("expected a positive integer, got `{text}`")),
    }
}

/// The global option definitions, in help order. Given twice, the last one wins
/// (so an alias like `qcapi --region gz` can be overridden).
pub fn args() -> Vec<Arg> {
    let args = vec![
        Arg::new("endpoint")
            .long("endpoint")
            .value_name("URL")
            .help("The service endpoint, e.g. an emulator's http://127.0.0.1:9000 [default: TENCENTCLOUD_ENDPOINT, else https://vpc.api.qcloud.com]"),
        Arg::new("domain")
            .long("domain")
            .value_name("DOMAIN")
            .help("The domain each module's host is derived from (vpc.DOMAIN), e.g. a private cloud's [default: TENCENTCLOUD_DOMAIN, else the profile's domain, else api.qcloud.com]; --endpoint wins over it"),
        Arg::new("region")
            .long("region")
            .value_name("REGION")
            .help("The region sent as `Region` (e.g. gz) [default: TENCENTCLOUD_REGION, else the profile's region]"),
        Arg::new("profile")
            .long("profile")
            .value_name("NAME")
            .help("The section of the credentials file to use when the environment has no credentials [default: TENCENTCLOUD_PROFILE, else default]"),
        Arg::new("signature-method")
            .long("signature-method")
            .value_name("METHOD")
            .value_parser(["HmacSHA1", "HmacSHA256"])
            .help("How requests are signed [default: HmacSHA256]"),
        Arg::new("http-method")
            .long("http-method")
            .value_name("METHOD")
            .value_parser(["GET", "POST"])
            .ignore_case(true)
            .help("GET (parameters in the query) or POST (form body) [default: GET]"),
        Arg::new("timeout")
            .long("timeout")
            .value_name("SECS")
            .value_parser(seconds)
            .help("Time allowed for each request [default: 30]"),
        Arg::new("retries")
            .long("retries")
            .value_name("N")
            .value_parser(value_parser!(u32))
            .help("Retries after the first attempt, where safe (idempotent actions, or a request that provably was not sent) [default: 2]"),
        Arg::new("nonce")
            .long("nonce")
            .value_name("N")
            .value_parser(positive)
            .help("A fixed Nonce, for a reproducible --dry-run (a real call may use a nonce only once; not with --wait)"),
        Arg::new("timestamp")
            .long("timestamp")
            .value_name("T")
            .value_parser(value_parser!(u64))
            .help("A fixed Timestamp (UNIX seconds), for a reproducible --dry-run"),
        Arg::new("dry-run")
            .long("dry-run")
            .action(ArgAction::SetTrue)
            .help(DRY_RUN_HELP),
        Arg::new("output")
            .long("output")
            .short('o')
            .value_name("FORMAT")
            .value_parser(value_parser!(OutputFormat))
            .help("How to print the response [default: json]"),
        Arg::new("wait")
            .long("wait")
            .action(ArgAction::SetTrue)
            .help("For an asynchronous action: wait for its task and print the task report after the response \
(stdout then holds two JSON documents); exit 1 if the task fails or the wait times out"),
        Arg::new("query")
            .long("query")
            .value_name("PATH")
            .value_parser(path)
            .help("Print only this field of the response, e.g. unVpcId or data.0.state (dotted keys and list indexes; \
a string bare, anything else as compact JSON), for `id=$(qcapi ...)`; exit 1 if it is absent. \
With --wait the task report is not printed: the exit status tells"),
        Arg::new("wait-timeout")
            .long("wait-timeout")
            .value_name("SECS")
            .value_parser(seconds)
            .help("How long --wait waits for the task [default: 600]"),
        Arg::new("verbose")
            .long("verbose")
            .short('v')
            .action(ArgAction::Count)
            .help("Log each call on stderr (action, correlation id, masked SecretId, attempt, latency, outcome); -vv for more"),
        Arg::new("ca-file")
            .long("ca-file")
            .value_name("PEM")
            .value_parser(value_parser!(PathBuf))
            .help("Also trust the CA certificates in this PEM file (e.g. a private cloud's CA), on top of the system's \
trust store, or of SSL_CERT_FILE's certificates, which replace it"),
        Arg::new("insecure")
            .long("insecure")
            .action(ArgAction::SetTrue)
            .help("Do not check TLS certificates at all (anyone on the path can read and change requests); \
for a throwaway test only. Prints a warning"),
        Arg::new("role-arn")
            .long("role-arn")
            .value_name("ARN")
            .help("Assume this role through STS AssumeRole (at TENCENTCLOUD_STS_ENDPOINT, else \
https://sts.tencentcloudapi.com/) with the credentials found otherwise; the role's temporary credentials sign the call"),
        Arg::new("role-session-name")
            .long("role-session-name")
            .value_name("NAME")
            .help("The RoleSessionName of --role-arn [default: qcapi-<UNIX time>]"),
        Arg::new("use-cvm-role")
            .long("use-cvm-role")
            .action(ArgAction::SetTrue)
            .help("Use the CVM instance role's credentials from the metadata service (TENCENTCLOUD_METADATA_ENDPOINT, \
else http://metadata.tencentyun.com), even when keys are in the environment or a profile"),
    ];
    args.into_iter()
        .map(|a| match a.get_action() {
            ArgAction::Count => a,
            _ => {
                let id = a.get_id().clone();
                a.overrides_with(id)
            }
        })
        .collect()
}

/// Reads one value; `None` when absent or not defined on this command.
fn one<T: Clone + Send + Sync + 'static>(m: &ArgMatches, id: &str) -> Option<T> {
    m.try_get_one::<T>(id).ok().flatten().cloned()
}

impl Globals {
    /// Reads the global options present on one command level.
    pub fn from_matches(m: &ArgMatches) -> Self {
        Self {
            endpoint: one(m, "endpoint"),
            domain: one(m, "domain"),
            region: one(m, "region"),
            profile: one(m, "profile"),
            signature_method: one::<String>(m, "signature-method").and_then(|s| s.parse().ok()),
            http_method: one::<String>(m, "http-method").and_then(|s| s.parse().ok()),
            timeout: one(m, "timeout"),
            retries: one(m, "retries"),
            nonce: one(m, "nonce"),
            timestamp: one(m, "timestamp"),
            dry_run: one(m, "dry-run").unwrap_or(false),
            output: one(m, "output"),
            wait: one(m, "wait").unwrap_or(false),
            query: one(m, "query"),
            wait_timeout: one(m, "wait-timeout"),
            verbose: one(m, "verbose").unwrap_or(0),
            ca_file: one(m, "ca-file"),
            insecure: one(m, "insecure").unwrap_or(false),
            role_arn: one(m, "role-arn"),
            role_session_name: one(m, "role-session-name"),
            use_cvm_role: one(m, "use-cvm-role").unwrap_or(false),
        }
    }

    /// These options, overridden by those given later on the command line.
    pub fn merge(self, later: Self) -> Self {
        Self {
            endpoint: later.endpoint.or(self.endpoint),
            domain: later.domain.or(self.domain),
            region: later.region.or(self.region),
            profile: later.profile.or(self.profile),
            signature_method: later.signature_method.or(self.signature_method),
            http_method: later.http_method.or(self.http_method),
            timeout: later.timeout.or(self.timeout),
            retries: later.retries.or(self.retries),
            nonce: later.nonce.or(self.nonce),
            timestamp: later.timestamp.or(self.timestamp),
            dry_run: self.dry_run || later.dry_run,
            output: later.output.or(self.output),
            wait: self.wait || later.wait,
            query: later.query.or(self.query),
            wait_timeout: later.wait_timeout.or(self.wait_timeout),
            verbose: self.verbose.saturating_add(later.verbose),
            ca_file: later.ca_file.or(self.ca_file),
            insecure: self.insecure || later.insecure,
            role_arn: later.role_arn.or(self.role_arn),
            role_session_name: later.role_session_name.or(self.role_session_name),
            use_cvm_role: self.use_cvm_role || later.use_cvm_role,
        }
    }

    /// Combinations that cannot work, as a usage error message.
    pub fn conflict(&self) -> Option<&'static str> {
        if self.nonce.is_some() && self.wait && !self.dry_run {
            return Some(
                "--nonce cannot be used with --wait: each task poll needs a fresh nonce (the service rejects a replayed one)",
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Globals {
        let cmd = clap::Command::new("t").args(self::args());
        let m = cmd
            .try_get_matches_from(std::iter::once("t").chain(args.iter().copied()))
            .expect("valid flags");
        Globals::from_matches(&m)
    }

    #[test]
    fn parsing_and_merging() {
        assert_eq!(parse(&[]), Globals::default());
        let early = parse(&[
            "--region",
            "gz",
            "--http-method",
            "post",
            "--signature-method",
            "HmacSHA1",
            "--timeout",
            "2.5",
            "-v",
            "--output",
            "table",
        ]);
        assert_eq!(early.http_method, Some(HttpMethod::Post));
        assert_eq!(early.signature_method, Some(SignatureMethod::HmacSha1));
        assert_eq!(early.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(early.output, Some(OutputFormat::Table));
        let late = parse(&[
            "--region",
            "xx",
            "--region",
            "sh",
            "--dry-run",
            "--dry-run",
            "-vv",
            "--nonce",
            "7",
            "--ca-file",
            "ca.pem",
            "--insecure",
        ]);
        let merged = early.merge(late);
        assert_eq!(merged.region.as_deref(), Some("sh"));
        assert_eq!(merged.http_method, Some(HttpMethod::Post));
        assert!(merged.dry_run);
        assert_eq!(merged.verbose, 3);
        assert_eq!(merged.nonce, Some(7));
        assert_eq!(merged.ca_file, Some(PathBuf::from("ca.pem")));
        assert!(merged.insecure);
        assert_eq!(merged.conflict(), None, "a dry run may fix the nonce");
        let waiting = Globals {
            nonce: Some(1),
            wait: true,
            ..Globals::default()
        };
        assert!(waiting.conflict().is_some());
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for bad in [
            &["--timeout", "0"][..],
            &["--timeout", "-1"],
            &["--timeout", "soon"],
            &["--nonce", "0"],
            &["--signature-method", "MD5"],
            &["--http-method", "PUT"],
            &["--output", "xml"],
            &["--retries", "-1"],
            &["--query", ""],
            &["--query", "data..x"],
        ] {
            let cmd = clap::Command::new("t").args(args());
            let err = cmd
                .try_get_matches_from(std::iter::once("t").chain(bad.iter().copied()))
                .expect_err("rejected");
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }
}
