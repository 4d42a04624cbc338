//! The generic client's retry loop over a scripted closure transport: which failures
//! are retried for idempotent and non-idempotent actions, and how many attempts are made.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use qcapi_core::vpc::{CreateVpc, DescribeVpcEx};
use qcapi_core::{
    Action, BlockingClient, Config, Credentials, HttpRequest, HttpResponse, RetryPolicy,
    TransportError, TransportErrorKind,
};

type Step = Result<HttpResponse, TransportError>;

fn ok() -> Step {
    Ok(HttpResponse::new(
        200,
        r#"{"code":0,"message":"","totalCount":0}"#,
    ))
}

fn fail(kind: TransportErrorKind) -> Step {
    Err(TransportError::new(kind, "scripted"))
}

/// Runs `action` against a transport that answers `script` in order; returns
/// (attempts made, whether the call succeeded, the nonces used).
fn run(action: &(impl Action + ?Sized), script: Vec<Step>) -> (usize, bool, Vec<String>) {
    let script = RefCell::new(script.into_iter());
    let attempts = Cell::new(0);
    let nonces = RefCell::new(Vec::new());
    let counter = std::sync::atomic::AtomicU64::new(1);
    let config = Config::builder()
        .credentials(Credentials::new("id", "key"))
        .clock(|| 1_700_000_000)
        .nonce_source(move || counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let transport = |request: HttpRequest| {
        attempts.set(attempts.get() + 1);
        let nonce = request
            .url()
            .split("Nonce=")
            .nth(1)
            .unwrap_or("")
            .split('&')
            .next()
            .unwrap_or("")
            .to_owned();
        nonces.borrow_mut().push(nonce);
        script.borrow_mut().next().unwrap_or_else(ok)
    };
    let client = BlockingClient::with_transport(config, transport).unwrap();
    let succeeded = client.send(action).is_ok();
    (attempts.get(), succeeded, nonces.into_inner())
}

#[test]
fn retry_matrix() {
    use TransportErrorKind::*;
    let create = CreateVpc::new("v", "10.0.0.0/16");
    let describe = DescribeVpcEx::new();
    fn check(
        action: &dyn Fn(Vec<Step>) -> (usize, bool, Vec<String>),
        script: Vec<Step>,
        attempts: usize,
        succeeded: bool,
    ) {
        let (got_attempts, got_ok, _) = action(script);
        assert_eq!((got_attempts, got_ok), (attempts, succeeded));
    }
    let c = |s| run(&create, s);
    let d = |s| run(&describe, s);
    check(&c, vec![fail(Connect), fail(Connect)], 3, true);
    check(&c, vec![fail(Timeout)], 1, false);
    check(&c, vec![fail(ConnectionClosed)], 1, false);
    check(&d, vec![fail(Timeout), fail(ConnectionClosed)], 3, true);
    check(
        &d,
        vec![fail(Timeout), fail(Timeout), fail(Timeout)],
        3,
        false,
    );
    check(&d, vec![fail(Other)], 1, false);
    check(&d, vec![Ok(HttpResponse::new(503, "busy")), ok()], 2, true);
    check(
        &d,
        vec![
            Ok(HttpResponse::new(200, r#"{"code":4400,"message":"slow"}"#)),
            ok(),
        ],
        2,
        true,
    );
    check(
        &c,
        vec![Ok(HttpResponse::new(
            200,
            r#"{"code":4400,"message":"slow"}"#,
        ))],
        1,
        false,
    );
    check(
        &d,
        vec![Ok(HttpResponse::new(
            200,
            r#"{"code":4000,"message":"bad"}"#,
        ))],
        1,
        false,
    );
}

#[test]
fn each_attempt_is_signed_with_a_fresh_nonce() {
    let (_, _, nonces) = run(
        &DescribeVpcEx::new(),
        vec![
            fail(TransportErrorKind::Timeout),
            fail(TransportErrorKind::Timeout),
        ],
    );
    assert_eq!(nonces.len(), 3);
    let mut unique = nonces.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3, "{nonces:?}");
}

#[test]
fn invalid_input_is_never_sent() {
    let (attempts, ok, _) = run(&CreateVpc::new("", "10.0.0.0/16"), vec![]);
    assert_eq!((attempts, ok), (0, false));
}

/// A 4500 that states the service's time is retried once, at once, with that time,
/// and the offset stays for later calls; a 4500 for a replayed nonce is not.
#[test]
fn clock_skew_is_corrected_once_and_remembered() {
    const LOCAL: u64 = 1_700_000_000;
    fn timestamp_of(request: &HttpRequest) -> u64 {
        request
            .url()
            .split("Timestamp=")
            .nth(1)
            .and_then(|t| t.split('&').next())
            .and_then(|t| t.parse().ok())
            .expect("a Timestamp")
    }
    // (the service's offset, its 4500 message, expected attempts of the first call,
    //  whether it succeeds, the Timestamp the second call sends first)
    let skewed = |offset: i64| {
        let now = LOCAL.saturating_add_signed(offset);
        format!(r#"{{"code":4500,"message":"request expired; Timestamp = {now}"}}"#)
    };
    let cases = [
        (3600, skewed(3600), 2, true, LOCAL + 3600),
        (-3600, skewed(-3600), 2, true, LOCAL - 3600),
        (
            0,
            r#"{"code":4500,"message":"the nonce was already used"}"#.to_owned(),
            1,
            false,
            LOCAL,
        ),
    ];
    for (offset, message, attempts_expected, succeeds, second_timestamp) in cases {
        let service_now = LOCAL.saturating_add_signed(offset);
        let sent = RefCell::new(Vec::new());
        let config = Config::builder()
            .credentials(Credentials::new("id", "key"))
            .clock(|| LOCAL)
            .nonce_source(|| 7)
            .build()
            .unwrap();
        let transport = |request: HttpRequest| -> Step {
            let timestamp = timestamp_of(&request);
            sent.borrow_mut().push(timestamp);
            // The service: fresh timestamps succeed, except for a replayed nonce.
            let replayed = message.contains("nonce");
            let fresh = timestamp.abs_diff(service_now) <= 300;
            let body = if fresh && !replayed {
                r#"{"code":0,"message":"","totalCount":0}"#.to_owned()
            } else {
                message.clone()
            };
            Ok(HttpResponse::new(200, body))
        };
        let client = BlockingClient::with_transport(config, transport).unwrap();
        assert_eq!(
            client.send(&DescribeVpcEx::new()).is_ok(),
            succeeds,
            "{message}"
        );
        assert_eq!(
            sent.borrow().len(),
            attempts_expected,
            "{message}: {:?}",
            sent.borrow()
        );
        let before = sent.borrow().len();
        let _ = client.send(&DescribeVpcEx::new());
        assert_eq!(
            sent.borrow()[before],
            second_timestamp,
            "{message}: {:?}",
            sent.borrow()
        );
    }
}
