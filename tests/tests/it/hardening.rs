//! Hardening seen end to end, through both clients: secrets stay out of errors from
//! servers that echo the request, the emulator verifies `@` values as the official
//! signers do, transport errors keep their cause, and plain `http://` off this
//! machine is allowed but said once.

use std::time::Duration;

use qcapi_core::{Config, ConfigBuilder, Credentials, Error, HttpMethod, vpc};
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::hostile::{Behavior, HostileServer, refused_port};
use qcapi_tests::{Variant, capture_logs, driver, settings, variants};

const TOKEN: &str = "session-token-echo-secret";
const PSK: &str = "pre-shared-key-echo-secret";

fn against(url: &str) -> ConfigBuilder<Config> {
    ConfigBuilder::<Config>::default()
        .endpoint(url)
        .credentials(
            Credentials::new("AKIDechoAccount0000000001", "echo-secret-key").with_token(TOKEN),
        )
        .region("gz")
        .max_attempts(1)
        .timeout(Duration::from_secs(5))
}

/// A WAF page or proxy that echoes the request (200 with text, 403, 502): the
/// error's `Debug` and `Display`, and the log at every level, show neither the
/// token, nor the signature, nor the pre-shared key, nor the whole SecretId.
#[test]
fn echoing_servers_never_make_errors_leak_secrets() {
    let action = vpc::AddVpnConnEx::new("vpc-1", "vpngw-1", "cgw-1")
        .pre_shared_key(PSK)
        .spd_acl(r#"{"10.0.0.0/24":["172.16.0.0/16"]}"#);
    for status in [200, 403, 502] {
        let server = HostileServer::start(Behavior::Echo { status });
        for asynchronous in [false, true] {
            for method in [HttpMethod::Get, HttpMethod::Post] {
                let client = driver(Variant::new(asynchronous, method), against(&server.url()));
                let (result, log) = capture_logs(|| client.send(&action));
                let err = result.expect_err("an echo is not an API answer");
                let body = err.body().expect("the error keeps the body").expose();
                assert!(body.contains(TOKEN), "the echo holds the token: {body}");
                let shown = format!("{err:?}\n{err}\n{log}");
                for secret in [TOKEN, PSK, "echo-secret-key", "AKIDechoAccount0000000001"] {
                    assert!(
                        !shown.contains(secret),
                        "{status} {method}: `{secret}` in\n{shown}"
                    );
                }
                assert!(!shown.contains("Signature=") || shown.contains("Signature=<redacted>"));
            }
        }
    }
}

/// On POST a value starting with `@` is left out of the string-to-sign by qcapi and
/// by the emulator alike, so the request verifies; on GET it is signed like any value.
#[test]
fn at_values_verify_on_both_methods() {
    let emulator = Emulator::start().unwrap();
    let account = Account::demo_a();
    for (i, v) in variants().into_iter().enumerate() {
        let client = driver(v, settings::<Config>(&emulator, &account, v));
        let out = client
            .send(&vpc::CreateVpc::new(
                format!("@uploaded-{i}"),
                "10.0.0.0/16",
            ))
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert!(out.un_vpc_id.is_some(), "{v:?}");
    }
}

/// A transport error keeps the client library's error as its source, so callers
/// can downcast; classification never needed its text.
#[test]
fn transport_errors_keep_their_source() {
    let url = format!("http://127.0.0.1:{}", refused_port());
    for asynchronous in [false, true] {
        let client = driver(Variant::new(asynchronous, HttpMethod::Get), against(&url));
        let err = client.send(&vpc::DescribeVpcEx::new()).unwrap_err();
        let transport = err.transport().expect("a transport error");
        let source = std::error::Error::source(transport).expect("a source");
        let is_library_error = source.is::<ureq::Error>() || source.is::<reqwest::Error>();
        assert!(is_library_error, "asynchronous={asynchronous}: {source:?}");
        let top: &dyn std::error::Error = &err;
        assert!(
            top.source()
                .is_some_and(|s| s.is::<qcapi_core::TransportError>())
        );
    }
}

/// Plain http:// to another host is allowed (private clouds have internal endpoints),
/// with exactly one warning per client built; loopback and https say nothing.
#[test]
fn plain_http_off_this_machine_warns_once_per_client() {
    fn warnings(url: &str, asynchronous: bool) -> usize {
        let ((), log) = capture_logs(|| {
            let client = driver(Variant::new(asynchronous, HttpMethod::Get), against(url));
            drop(client);
        });
        log.lines().filter(|l| l.contains("plain http://")).count()
    }
    for asynchronous in [false, true] {
        assert_eq!(warnings("http://vpc.internal.example", asynchronous), 1);
        assert_eq!(warnings("http://10.0.0.1:8080", asynchronous), 1);
        assert_eq!(warnings("http://127.0.0.1:9000", asynchronous), 0);
        assert_eq!(warnings("http://localhost:9000", asynchronous), 0);
        assert_eq!(warnings("http://[::1]:9000", asynchronous), 0);
        assert_eq!(warnings("https://vpc.internal.example", asynchronous), 0);
    }
    // Building fails for an endpoint that cannot be reached as written.
    let err = ConfigBuilder::<Config>::default()
        .endpoint("http://127.0.0.1:99999")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
}

/// Against an emulator whose clock is an hour ahead or behind, both clients learn its
/// time from the first 4500, resend at once, and keep the offset for later calls.
#[test]
fn both_clients_follow_a_skewed_service_clock() {
    for offset in [3600, -3600] {
        let emulator = Emulator::builder().clock_offset(offset).start().unwrap();
        let account = Account::demo_a();
        for v in variants() {
            let client = driver(v, settings::<Config>(&emulator, &account, v));
            let (first, log) = capture_logs(|| client.send(&vpc::DescribeVpcEx::new()));
            first.unwrap_or_else(|e| panic!("{offset} {v:?}: {e}"));
            assert_eq!(
                qcapi_tests::attempts_in(&log),
                2,
                "{offset} {v:?}: one correction\n{log}"
            );
            let (second, log) = capture_logs(|| client.send(&vpc::DescribeVpcEx::new()));
            second.unwrap_or_else(|e| panic!("{offset} {v:?}: {e}"));
            assert_eq!(
                qcapi_tests::attempts_in(&log),
                1,
                "{offset} {v:?}: the offset was kept\n{log}"
            );
        }
    }
}
