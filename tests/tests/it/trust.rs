//! Trust roots, the same in both clients: one table of rows (which server, which
//! extra roots, whether checks are off, and what must happen), each run through the
//! blocking and the async client against a TLS hostile server whose CA no system
//! trusts. `SSL_CERT_FILE` is process-global, so its rows run in a child process of
//! this test binary with the variable set (the tests here set no variable).

use std::process::Command;
use std::time::Duration;

use qcapi_core::{
    Config, ConfigBuilder, Credentials, Error, RetryPolicy, TransportErrorKind as Kind, vpc,
};
use qcapi_tests::hostile::{Behavior, HostileServer, TestCa};
use qcapi_tests::{Driver, attempts_in, capture_logs};

/// What a row must end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The call succeeds, in one attempt.
    Ok,
    /// The call fails with a TLS transport error, in one attempt (not retried).
    Tls,
    /// Building the client fails with `InvalidInput` naming this setting.
    Invalid(&'static str),
}

/// Which server a row connects to.
#[derive(Debug, Clone, Copy)]
enum Server {
    /// A leaf for 127.0.0.1, signed by [`Cas::server`].
    Right,
    /// A leaf for `wrong.example` only, signed by [`Cas::wrong_name`].
    WrongName,
}

/// Text given to `add_root_certificates`.
#[derive(Debug, Clone, Copy)]
enum Roots {
    /// The CA of the row's server.
    ServerCa,
    /// A CA that signed nothing the server presents.
    OtherCa,
    /// The other CA, then the server's: a bundle of two.
    Bundle,
    /// The server's CA without its END line.
    Truncated,
    /// The server's CA followed by a block that is no certificate.
    ServerCaThen(&'static str),
    /// Literal text.
    Text(&'static str),
}

struct Row {
    name: &'static str,
    server: Server,
    roots: &'static [Roots],
    danger: bool,
    expected: Expect,
}

const fn row(
    name: &'static str,
    server: Server,
    roots: &'static [Roots],
    danger: bool,
    expected: Expect,
) -> Row {
    Row {
        name,
        server,
        roots,
        danger,
        expected,
    }
}

/// A block with valid base64 that is not a certificate.
const NOT_A_CERT: &str = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
const BAD_BASE64: &str =
    "-----BEGIN CERTIFICATE-----\n!!!!not base64!!!!\n-----END CERTIFICATE-----\n";
const KEY_ONLY: &str =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";

const ADD: &str = "add_root_certificates";

fn rows() -> Vec<Row> {
    use Expect::*;
    use Roots::*;
    use Server::*;
    vec![
        row("default: refused", Right, &[], false, Tls),
        row("server CA added", Right, &[ServerCa], false, Ok),
        row("bundle of two, one right", Right, &[Bundle], false, Ok),
        row("two calls add up", Right, &[OtherCa, ServerCa], false, Ok),
        row("only another CA added", Right, &[OtherCa], false, Tls),
        row("wrong name, CA added", WrongName, &[ServerCa], false, Tls),
        row("checks off", Right, &[], true, Ok),
        row("checks off, wrong name", WrongName, &[], true, Ok),
        row("empty PEM", Right, &[Text("")], false, Invalid(ADD)),
        row("not PEM", Right, &[Text("hello")], false, Invalid(ADD)),
        row(
            "a key, no certificate",
            Right,
            &[Text(KEY_ONLY)],
            false,
            Invalid(ADD),
        ),
        row(
            "bad base64",
            Right,
            &[Text(BAD_BASE64)],
            false,
            Invalid(ADD),
        ),
        row("no END line", Right, &[Truncated], false, Invalid(ADD)),
        row(
            "not a certificate",
            Right,
            &[Text(NOT_A_CERT)],
            false,
            Invalid(ADD),
        ),
        row(
            "good then not a certificate",
            Right,
            &[ServerCaThen(NOT_A_CERT)],
            false,
            Invalid(ADD),
        ),
        // Bad roots are an error even when they would not be used.
        row(
            "checks off, bad PEM",
            Right,
            &[Text("hello")],
            true,
            Invalid(ADD),
        ),
    ]
}

struct Cas {
    server: TestCa,
    wrong_name: TestCa,
    other: TestCa,
}

impl Cas {
    fn new() -> Self {
        Self {
            server: TestCa::new(),
            wrong_name: TestCa::for_names(&["wrong.example"]),
            other: TestCa::new(),
        }
    }

    fn pem(&self, server: Server, roots: Roots) -> String {
        let own = match server {
            Server::Right => self.server.ca_pem(),
            Server::WrongName => self.wrong_name.ca_pem(),
        };
        match roots {
            Roots::ServerCa => own,
            Roots::OtherCa => self.other.ca_pem(),
            Roots::Bundle => format!("{}{own}", self.other.ca_pem()),
            Roots::Truncated => own.replace("-----END CERTIFICATE-----", ""),
            Roots::ServerCaThen(text) => format!("{own}{text}"),
            Roots::Text(text) => text.to_owned(),
        }
    }
}

fn settings(endpoint: &str) -> ConfigBuilder<Config> {
    ConfigBuilder::<Config>::default()
        .endpoint(endpoint)
        .credentials(Credentials::new("AKIDtrust00000000000000001", "key"))
        .region("gz")
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        // Three attempts allowed, so a retried TLS failure would show.
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            deadline: Duration::from_secs(30),
        })
}

/// Builds a client of either kind, keeping the build error (unlike `qcapi_tests::driver`).
fn build(asynchronous: bool, config: Config) -> Result<Driver, Error> {
    if asynchronous {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = {
            let _guard = rt.enter();
            qcapi_reqwest::Client::new(config)?
        };
        Ok(Driver::Async(Box::new(rt), client))
    } else {
        Ok(Driver::Blocking(qcapi_ureq::Client::new(config)?))
    }
}

/// The warnings about certificate checks being off in a captured log.
fn danger_warnings(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("WARN") && l.contains("danger_accept_invalid_certs"))
        .count()
}

/// Builds a client from `config` and makes one call to `server`; returns what
/// happened as the table states it, or a description of what did not fit.
fn outcome(asynchronous: bool, config: Config, server: &HostileServer) -> Result<Expect, String> {
    let before = server.connections();
    let (built, build_log) = capture_logs(|| build(asynchronous, config.clone()));
    let warnings = danger_warnings(&build_log);
    let expected_warnings = usize::from(config.danger_accept_invalid_certs());
    if warnings != expected_warnings {
        return Err(format!(
            "{warnings} danger warnings, expected {expected_warnings}:\n{build_log}"
        ));
    }
    let client = match built {
        Err(Error::InvalidInput { parameter, reason }) => {
            return match parameter.as_str() {
                "add_root_certificates" => Ok(Expect::Invalid(ADD)),
                "SSL_CERT_FILE" => Ok(Expect::Invalid("SSL_CERT_FILE")),
                _ => Err(format!("invalid {parameter}: {reason}")),
            };
        }
        Err(e) => return Err(format!("build failed: {e:?}")),
        Ok(client) => client,
    };
    let (result, log) = capture_logs(|| client.send(&vpc::DescribeVpcEx::new()));
    let attempts = (attempts_in(&log), server.connections() - before);
    if attempts != (1, 1) {
        return Err(format!(
            "(logged, connected) attempts {attempts:?}, expected one: {result:?}"
        ));
    }
    match result {
        Ok(_) => Ok(Expect::Ok),
        Err(Error::Transport(e)) if e.kind() == Kind::Tls => Ok(Expect::Tls),
        Err(e) => Err(format!("unexpected error: {e}")),
    }
}

fn check(
    name: &str,
    asynchronous: bool,
    config: Config,
    server: &HostileServer,
    expected: Expect,
    mismatches: &mut Vec<String>,
) {
    let client = if asynchronous { "reqwest" } else { "ureq" };
    match outcome(asynchronous, config, server) {
        Ok(got) if got == expected => {}
        Ok(got) => mismatches.push(format!(
            "{name} / {client}: got {got:?}, expected {expected:?}"
        )),
        Err(why) => mismatches.push(format!("{name} / {client}: {why}")),
    }
}

#[test]
fn both_clients_trust_the_same_roots() {
    let cas = Cas::new();
    let right = HostileServer::start_tls(Behavior::json_ok(), &cas.server);
    let wrong_name = HostileServer::start_tls(Behavior::json_ok(), &cas.wrong_name);
    let mut mismatches = Vec::new();
    for row in rows() {
        let server = match row.server {
            Server::Right => &right,
            Server::WrongName => &wrong_name,
        };
        let mut config = settings(&server.url()).danger_accept_invalid_certs(row.danger);
        for roots in row.roots {
            config = config.add_root_certificates(cas.pem(row.server, *roots));
        }
        let config = config
            .build()
            .expect("a valid config: roots are parsed by the client");
        for asynchronous in [false, true] {
            check(
                row.name,
                asynchronous,
                config.clone(),
                server,
                row.expected,
                &mut mismatches,
            );
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
}

/// Every client built with checks off says so: two clients, two warnings, each client kind.
#[test]
fn every_client_built_without_checks_warns() {
    let config = settings("https://127.0.0.1:9")
        .danger_accept_invalid_certs(true)
        .build()
        .expect("config");
    for asynchronous in [false, true] {
        let (clients, log) = capture_logs(|| {
            (0..2)
                .map(|_| build(asynchronous, config.clone()).map(drop))
                .collect::<Result<Vec<()>, Error>>()
        });
        assert!(clients.is_ok(), "{clients:?}");
        assert_eq!(
            danger_warnings(&log),
            2,
            "asynchronous={asynchronous}:\n{log}"
        );
    }
}

/// Set in the child process: the server URL, the extra roots (or none) and the expectation.
const CHILD_URL: &str = "QCAPI_TRUST_CHILD_URL";
const CHILD_ADD: &str = "QCAPI_TRUST_CHILD_ADD";
const CHILD_EXPECT: &str = "QCAPI_TRUST_CHILD_EXPECT";
// Its libtest name, module path included: the file is a module of the `it` binary.
const CHILD_TEST: &str = "trust::ssl_cert_file_is_honoured_by_both_clients";

fn expect_name(e: Expect) -> &'static str {
    match e {
        Expect::Ok => "ok",
        Expect::Tls => "tls",
        Expect::Invalid(_) => "invalid",
    }
}

/// `SSL_CERT_FILE` rows: the parent writes the files, starts the server and runs
/// this same test in a child with the variable set; the child runs both clients.
#[test]
fn ssl_cert_file_is_honoured_by_both_clients() {
    if let Ok(url) = std::env::var(CHILD_URL) {
        return child(&url);
    }
    let cas = Cas::new();
    let server = HostileServer::start_tls(Behavior::json_ok(), &cas.server);
    let dir = std::env::temp_dir().join(format!("qcapi-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write a PEM file");
        path.to_string_lossy().into_owned()
    };
    let server_ca = file("server.pem", &cas.server.ca_pem());
    let other_ca = file("other.pem", &cas.other.ca_pem());
    let garbage = file("garbage.pem", "hello");
    let missing = dir.join("missing.pem").to_string_lossy().into_owned();
    // (name, SSL_CERT_FILE, add_root_certificates, expected)
    let rows: [(&str, &str, Option<String>, Expect); 5] = [
        ("the server's CA", &server_ca, None, Expect::Ok),
        ("another CA", &other_ca, None, Expect::Tls),
        // The builder's roots add to the file's.
        (
            "another CA, server CA added",
            &other_ca,
            Some(cas.server.ca_pem()),
            Expect::Ok,
        ),
        (
            "no certificate",
            &garbage,
            None,
            Expect::Invalid("SSL_CERT_FILE"),
        ),
        (
            "unreadable",
            &missing,
            None,
            Expect::Invalid("SSL_CERT_FILE"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, path, add, expected) in rows {
        let mut command = Command::new(std::env::current_exe().expect("this test binary"));
        command
            .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env("SSL_CERT_FILE", path)
            .env(CHILD_URL, server.url())
            .env(CHILD_EXPECT, expect_name(expected));
        match add {
            Some(pem) => command.env(CHILD_ADD, pem),
            None => command.env_remove(CHILD_ADD),
        };
        let output = command.output().expect("run the child test");
        let stdout = String::from_utf8_lossy(&output.stdout);
        // libtest prints "1 passed" only when the filter matched and the child passed.
        if !output.status.success() || !stdout.contains("1 passed") {
            failures.push(format!(
                "{name}: {}\n{stdout}{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn child(url: &str) {
    let expected = match std::env::var(CHILD_EXPECT).as_deref() {
        Ok("ok") => Expect::Ok,
        Ok("tls") => Expect::Tls,
        Ok("invalid") => Expect::Invalid("SSL_CERT_FILE"),
        other => panic!("bad {CHILD_EXPECT}: {other:?}"),
    };
    let mut config = settings(url);
    if let Ok(pem) = std::env::var(CHILD_ADD) {
        config = config.add_root_certificates(pem);
    }
    let config = config.build().expect("config");
    // The child has no server of its own: connections are counted by the parent's, so
    // count attempts in the log only.
    let mut mismatches = Vec::new();
    for asynchronous in [false, true] {
        let client = if asynchronous { "reqwest" } else { "ureq" };
        let got = match capture_logs(|| build(asynchronous, config.clone())).0 {
            Err(Error::InvalidInput { parameter, .. }) if parameter == "SSL_CERT_FILE" => {
                Ok(Expect::Invalid("SSL_CERT_FILE"))
            }
            Err(e) => Err(format!("build failed: {e}")),
            Ok(driver) => {
                let (result, log) = capture_logs(|| driver.send(&vpc::DescribeVpcEx::new()));
                match (result, attempts_in(&log)) {
                    (Ok(_), 1) => Ok(Expect::Ok),
                    (Err(Error::Transport(e)), 1) if e.kind() == Kind::Tls => Ok(Expect::Tls),
                    (result, attempts) => Err(format!("{attempts} attempts: {result:?}")),
                }
            }
        };
        if got != Ok(expected) {
            mismatches.push(format!("{client}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
}
