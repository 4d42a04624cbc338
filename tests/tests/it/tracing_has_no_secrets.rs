//! Every call is traced (span with action, correlation id, masked SecretId; events with
//! attempt, latency, outcome) and no secret key, token or signature ever reaches a log line.

use qcapi_core::vpc::*;
use std::time::Duration;

use qcapi_core::{Config, Credentials, RetryPolicy};
use qcapi_emulator::{Account, Emulator, Fault};
use qcapi_tests::{capture_logs, driver, settings, variants};

#[test]
fn traces_show_calls_but_never_secrets() {
    const TOKEN: &str = "session-token-very-secret";
    let emulator = Emulator::start().unwrap();
    let a = Account::demo_a();
    let ((), log) = capture_logs(|| {
        for v in variants() {
            let good = driver(
                v,
                settings::<Config>(&emulator, &a, v).credentials(a.credentials().with_token(TOKEN)),
            );
            good.send(&DescribeVpcEx::new()).unwrap();
            let _ = good.send(&RejectVpcPeeringConnection::new("pcx-missing"));
            let bad = driver(
                v,
                settings::<Config>(&emulator, &a, v).credentials(
                    Credentials::new(a.secret_id.clone(), "wrong-key-also-secret")
                        .with_token(TOKEN),
                ),
            );
            let _ = bad.send(&DescribeVpcEx::new());
        }
        // A transient fault: the retry shows in the log.
        emulator.inject(Fault::http_status(503).for_action("DescribeVpcEx").times(1));
        let v = variants()[0];
        let fast = RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        driver(v, settings::<Config>(&emulator, &a, v).retry_policy(fast))
            .send(&DescribeVpcEx::new())
            .unwrap();
    });
    assert!(log.contains("qcapi.call"), "{log}");
    assert!(
        log.contains("action=\"DescribeVpcEx\"") || log.contains("action=DescribeVpcEx"),
        "{log}"
    );
    assert!(log.contains("correlation_id="), "{log}");
    assert!(log.contains("attempt=1"), "{log}");
    assert!(log.contains("latency_ms="), "{log}");
    assert!(
        log.contains("AKID****0001"),
        "the SecretId appears masked: {log}"
    );
    for secret in [
        a.secret_key.as_str(),
        "wrong-key-also-secret",
        TOKEN,
        &a.secret_id,
        "Signature=",
    ] {
        assert!(
            !log.contains(secret),
            "`{secret}` leaked into the log:\n{log}"
        );
    }
}
