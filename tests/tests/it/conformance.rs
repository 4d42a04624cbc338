//! One table of hostile-server scenarios, run through both clients: each row says what
//! error kind a call must end with, and after how many attempts, for an idempotent and
//! for a non-idempotent action. Both clients must give exactly that, so they behave
//! identically by construction.

use std::time::Duration;

use qcapi_core::{
    Config, ConfigBuilder, Credentials, Error, HttpMethod, RetryPolicy, TransportErrorKind as Kind,
    vpc,
};
use qcapi_tests::hostile::{Behavior, HostileServer, TestCa, header_value, refused_port};
use qcapi_tests::{Driver, Variant, attempts_in, capture_logs, driver};

/// How a call ended, as the table states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Transport(Kind),
    Status(u16),
}

/// Where a row's client connects.
enum Target {
    /// A loopback port nothing listens on.
    Refused,
    /// A plain TCP server.
    Plain(Behavior),
    /// A TLS server whose certificate comes from a CA no client trusts.
    Tls(Behavior),
    /// `https://` to a plain HTTP server.
    TlsToPlain(Behavior),
    /// `http://` to a TLS server.
    PlainToTls(Behavior),
}

struct Row {
    name: &'static str,
    target: Target,
    expected: Outcome,
    /// Attempts for an idempotent action (DescribeVpcEx).
    idempotent_attempts: usize,
    /// Attempts for a non-idempotent action (CreateVpc).
    non_idempotent_attempts: usize,
    /// The client's request timeout: short, so the stalling rows are quick; long where
    /// the row reads megabytes and must not time out on a loaded machine.
    timeout: Duration,
}

fn row(
    name: &'static str,
    target: Target,
    expected: Outcome,
    idempotent_attempts: usize,
    non_idempotent_attempts: usize,
) -> Row {
    Row {
        name,
        target,
        expected,
        idempotent_attempts,
        non_idempotent_attempts,
        timeout: Duration::from_millis(400),
    }
}

impl Row {
    fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

fn html(status: u16) -> Behavior {
    Behavior::html(status, "<html><body><h1>nope</h1></body></html>")
}

fn huge(content_length: bool) -> Behavior {
    Behavior::HugeBody {
        len: 2 << 30,
        content_length,
    }
}

/// Every scenario. Retried: connect failures (even for CreateVpc, which provably was
/// not sent), and for idempotent actions only, closed connections, timeouts and 5xx.
/// Never retried: TLS, protocol, size failures and other statuses.
fn rows() -> Vec<Row> {
    use Outcome::{Ok, Status, Transport as T};
    use Target::*;
    let redirect = |status| Behavior::redirect(status, "http://127.0.0.1:9/elsewhere?Token=t");
    vec![
        row("valid JSON answer", Plain(Behavior::json_ok()), Ok, 1, 1),
        row("refused connection", Refused, T(Kind::Connect), 3, 3),
        row(
            "reset before the response",
            Plain(Behavior::ResetBeforeResponse),
            T(Kind::ConnectionClosed),
            3,
            1,
        ),
        row(
            "reset mid-body",
            Plain(Behavior::ResetMidBody),
            T(Kind::ConnectionClosed),
            3,
            1,
        ),
        row(
            "body shorter than Content-Length",
            Plain(Behavior::ShortBody),
            T(Kind::ConnectionClosed),
            3,
            1,
        ),
        row(
            "bad chunked encoding",
            Plain(Behavior::BadChunked),
            T(Kind::Protocol),
            1,
            1,
        ),
        row(
            "garbage status line",
            Plain(Behavior::GarbageStatusLine),
            T(Kind::Protocol),
            1,
            1,
        ),
        row(
            "binary garbage",
            Plain(Behavior::Raw(b"\x00\x01garbage\r\n\r\n".to_vec())),
            T(Kind::Protocol),
            1,
            1,
        ),
        row(
            "HTTP/0.9 answer",
            Plain(Behavior::Http09),
            T(Kind::Protocol),
            1,
            1,
        ),
        row(
            "headers, then a stall",
            Plain(Behavior::StallAfterHeaders),
            T(Kind::Timeout),
            3,
            1,
        ),
        row(
            "one byte per interval",
            Plain(Behavior::Trickle {
                interval: Duration::from_millis(100),
            }),
            T(Kind::Timeout),
            3,
            1,
        ),
        row(
            "accepts, never answers",
            Plain(Behavior::Silent),
            T(Kind::Timeout),
            3,
            1,
        ),
        row("301", Plain(redirect(301)), Status(301), 1, 1),
        row("302", Plain(redirect(302)), Status(302), 1, 1),
        row("303", Plain(redirect(303)), Status(303), 1, 1),
        row("307", Plain(redirect(307)), Status(307), 1, 1),
        row("308", Plain(redirect(308)), Status(308), 1, 1),
        row("403 with HTML", Plain(html(403)), Status(403), 1, 1),
        row("404 with HTML", Plain(html(404)), Status(404), 1, 1),
        row("502 with HTML", Plain(html(502)), Status(502), 3, 1),
        row("503 with HTML", Plain(html(503)), Status(503), 3, 1),
        row(
            "huge headers",
            Plain(Behavior::HugeHeaders),
            T(Kind::Protocol),
            1,
            1,
        ),
        row(
            "2 GiB body with Content-Length",
            Plain(huge(true)),
            T(Kind::ResponseTooLarge),
            1,
            1,
        )
        .timeout(Duration::from_secs(20)),
        row(
            "2 GiB chunked body",
            Plain(huge(false)),
            T(Kind::ResponseTooLarge),
            1,
            1,
        )
        .timeout(Duration::from_secs(20)),
        row(
            "TLS with an untrusted certificate",
            Tls(Behavior::json_ok()),
            T(Kind::Tls),
            1,
            1,
        ),
        row(
            "TLS to a plain-HTTP port",
            TlsToPlain(Behavior::json_ok()),
            T(Kind::Tls),
            1,
            1,
        ),
        row(
            "plain HTTP to a TLS port",
            PlainToTls(Behavior::json_ok()),
            T(Kind::Protocol),
            1,
            1,
        ),
    ]
}

/// Short timeouts and near-zero backoff keep the table fast; three attempts in all.
fn client(asynchronous: bool, endpoint: &str, method: HttpMethod, timeout: Duration) -> Driver {
    let config = ConfigBuilder::<Config>::default()
        .endpoint(endpoint)
        .credentials(Credentials::new("AKIDconformance0000000001", "key"))
        .region("gz")
        .http_method(method)
        .connect_timeout(Duration::from_millis(500))
        .timeout(timeout)
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            deadline: Duration::from_secs(30),
        });
    driver(Variant::new(asynchronous, method), config)
}

fn outcome<T>(result: &Result<T, Error>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(Error::Transport(e)) => Outcome::Transport(e.kind()),
        Err(Error::HttpStatus { status, .. }) => Outcome::Status(*status),
        Err(other) => panic!("not a transport or status outcome: {other:?}"),
    }
}

/// Runs `action` once through a fresh client and reports the outcome and the attempts,
/// counted both in the client's own log and, where there is a server, by connections.
fn run<A: qcapi_core::Action + Sync>(
    asynchronous: bool,
    timeout: Duration,
    endpoint: &str,
    server: Option<&HostileServer>,
    action: &A,
) -> ((Outcome, usize), String) {
    let before = server.map_or(0, HostileServer::connections);
    let client = client(asynchronous, endpoint, HttpMethod::Get, timeout);
    let (result, log) = capture_logs(|| client.send(action));
    let attempts = attempts_in(&log);
    if let Some(server) = server {
        assert_eq!(
            server.connections() - before,
            attempts,
            "one connection per attempt: {result:?}"
        );
    }
    let shown = match &result {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("{e}"),
    };
    ((outcome(&result), attempts), shown)
}

#[test]
fn both_clients_fail_the_same_way_against_hostile_servers() {
    let ca = TestCa::new();
    let rows = rows();
    assert!(rows.len() >= 20);
    let mut mismatches = Vec::new();
    for row in rows {
        let (server, endpoint) = match row.target {
            Target::Refused => (None, format!("http://127.0.0.1:{}", refused_port())),
            Target::Plain(b) => {
                let s = HostileServer::start(b);
                let url = s.url();
                (Some(s), url)
            }
            Target::Tls(b) => {
                let s = HostileServer::start_tls(b, &ca);
                let url = s.url();
                (Some(s), url)
            }
            Target::TlsToPlain(b) => {
                let s = HostileServer::start(b);
                let url = format!("https://127.0.0.1:{}", s.port());
                (Some(s), url)
            }
            Target::PlainToTls(b) => {
                let s = HostileServer::start_tls(b, &ca);
                let url = format!("http://127.0.0.1:{}", s.port());
                (Some(s), url)
            }
        };
        for asynchronous in [false, true] {
            let client_name = if asynchronous { "reqwest" } else { "ureq" };
            let (idempotent, idempotent_error) = run(
                asynchronous,
                row.timeout,
                &endpoint,
                server.as_ref(),
                &vpc::DescribeVpcEx::new(),
            );
            let (non_idempotent, non_idempotent_error) = run(
                asynchronous,
                row.timeout,
                &endpoint,
                server.as_ref(),
                &vpc::CreateVpc::new("conformance", "10.0.0.0/16"),
            );
            let expected = (
                (row.expected, row.idempotent_attempts),
                (row.expected, row.non_idempotent_attempts),
            );
            if (idempotent, non_idempotent) != expected {
                mismatches.push(format!(
                    "{} / {client_name}: got {idempotent:?} and {non_idempotent:?}, expected {expected:?} ({idempotent_error}; {non_idempotent_error})",
                    row.name
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
}

/// A redirect is reported, never followed: the target sees nothing (not the GET,
/// not a re-sent signed POST body on 307/308), the origin sees no `Referer`, and the
/// error carries the redacted Location.
#[test]
fn redirects_reach_no_second_host() {
    let target = HostileServer::start(Behavior::json_ok());
    for status in [301, 302, 303, 307, 308] {
        let location = format!("{}/v2/index.php?Token=tok-secret&a=1", target.url());
        let origin = HostileServer::start(Behavior::redirect(status, location));
        for asynchronous in [false, true] {
            for method in [HttpMethod::Get, HttpMethod::Post] {
                let client = client(asynchronous, &origin.url(), method, Duration::from_secs(5));
                match client.send(&vpc::DescribeVpcEx::new()) {
                    Err(Error::HttpStatus {
                        status: got,
                        location: Some(shown),
                        ..
                    }) => {
                        assert_eq!(got, status);
                        assert!(shown.contains("Token=<redacted>&a=1"), "{shown}");
                    }
                    other => panic!("{status}: {other:?}"),
                }
            }
        }
        assert_eq!(origin.requests(), 4, "{status}: one request per call");
        for head in origin.request_heads() {
            assert_eq!(header_value(&head, "referer"), None, "{head}");
        }
    }
    assert_eq!(target.connections(), 0, "the redirect target was reached");
}

/// Against a server streaming 2 GiB, a client stops at its limit: the server manages
/// to write little more than the limit (plus what socket buffers hold) before the
/// client hangs up, with or without Content-Length.
#[test]
fn response_limit_stops_reading_early() {
    const LIMIT: u64 = 1024 * 1024;
    for content_length in [true, false] {
        for asynchronous in [false, true] {
            let server = HostileServer::start(huge(content_length));
            let config = ConfigBuilder::<Config>::default()
                .endpoint(server.url())
                .credentials(Credentials::new("AKIDlimit", "key"))
                .region("gz")
                .max_response_bytes(LIMIT)
                .max_attempts(1);
            let result = driver(Variant::new(asynchronous, HttpMethod::Get), config)
                .send(&vpc::DescribeVpcEx::new());
            assert_eq!(
                outcome(&result),
                Outcome::Transport(Kind::ResponseTooLarge),
                "{result:?}"
            );
            server_after_close(&server);
            // Socket buffers on both sides hold a few MiB at most.
            assert!(
                server.bytes_written() < LIMIT + 16 * 1024 * 1024,
                "content_length={content_length} async={asynchronous}: {} bytes written",
                server.bytes_written()
            );
        }
    }
}

/// Waits (bounded) until the server notices the client hung up, so its byte count is final.
fn server_after_close(server: &HostileServer) -> u64 {
    let mut last = server.bytes_written();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(20));
        let now = server.bytes_written();
        if now == last {
            break;
        }
        last = now;
    }
    last
}
