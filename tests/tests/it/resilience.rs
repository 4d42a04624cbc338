//! Retries, at-most-once execution and timeouts against the emulator's fault injection,
//! through both clients.

use std::time::{Duration, Instant};

use qcapi_core::vpc::*;
use qcapi_core::{Config, Error, RetryPolicy, TransportErrorKind};
use qcapi_emulator::{Account, Emulator, Fault};
use qcapi_tests::{Variant, driver, settings, variants};

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
        deadline: Duration::from_secs(20),
    }
}

fn config(emulator: &Emulator, v: Variant) -> qcapi_core::ConfigBuilder<Config> {
    settings::<Config>(emulator, &Account::demo_a(), v).retry_policy(fast_retries())
}

fn transient_faults(action: &str) -> Vec<Fault> {
    vec![
        Fault::http_status(503).for_action(action).times(2),
        Fault::http_status(502).for_action(action).times(1),
        Fault::close_connection().for_action(action).times(2),
        Fault::throttle().for_action(action).times(2),
    ]
}

#[test]
fn idempotent_calls_succeed_after_transient_faults() {
    for v in variants() {
        let emulator = Emulator::start().unwrap();
        let c = driver(v, config(&emulator, v));
        for fault in transient_faults("DescribeVpcEx") {
            emulator.inject(fault.clone());
            c.send(&DescribeVpcEx::new())
                .unwrap_or_else(|e| panic!("{v:?} {fault}: {e:?}"));
        }
        // More faults than attempts: the last error comes back, typed.
        emulator.inject(Fault::http_status(503).for_action("DescribeVpcEx").times(3));
        match c.send(&DescribeVpcEx::new()) {
            Err(Error::HttpStatus { status: 503, .. }) => {}
            other => panic!("{v:?}: {other:?}"),
        }
        emulator.inject(Fault::throttle().for_action("DescribeVpcEx").times(3));
        assert_eq!(
            c.send(&DescribeVpcEx::new()).unwrap_err().code(),
            Some(4400)
        );
    }
}

#[test]
fn a_non_idempotent_create_executes_at_most_once_under_every_fault() {
    for v in variants() {
        let emulator = Emulator::start().unwrap();
        let c = driver(v, config(&emulator, v).timeout(Duration::from_millis(300)));
        let mut faults = transient_faults("CreateVpc");
        faults.push(
            Fault::latency(Duration::from_millis(600))
                .for_action("CreateVpc")
                .times(1),
        );
        for (i, fault) in faults.into_iter().enumerate() {
            let before = emulator.request_count("CreateVpc");
            emulator.inject(fault.clone());
            let result = c.send(&CreateVpc::new(
                format!("vpc-{i}"),
                format!("10.{i}.0.0/16"),
            ));
            assert!(
                result.is_err(),
                "{v:?} {fault}: a non-idempotent call is not retried after it may have arrived"
            );
            // A delayed request still runs on the server after the client gave up; wait for it.
            std::thread::sleep(Duration::from_millis(
                if fault.to_string().starts_with("latency") {
                    500
                } else {
                    20
                },
            ));
            let executed = emulator.request_count("CreateVpc") - before;
            assert!(executed <= 1, "{v:?} {fault}: executed {executed} times");
        }
        let vpcs = c.send(&DescribeVpcEx::new()).unwrap();
        assert!(
            vpcs.total_count.unwrap_or(0) <= 1,
            "{v:?}: {:?}",
            vpcs.total_count
        );
    }
}

#[test]
fn a_connect_failure_is_retried_even_for_a_create() {
    // Nothing listens on a freshly closed port: every attempt fails to connect.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for v in variants() {
        let emulator = Emulator::start().unwrap();
        let started = Instant::now();
        let c = driver(
            v,
            config(&emulator, v).endpoint(format!("http://127.0.0.1:{port}")),
        );
        match c.send(&CreateVpc::new("x", "10.0.0.0/16")) {
            Err(Error::Transport(e)) => assert_eq!(e.kind(), TransportErrorKind::Connect, "{e}"),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn a_request_timeout_fires_within_ten_percent_and_100ms_of_its_setting() {
    let emulator = Emulator::start().unwrap();
    emulator.inject(Fault::latency(Duration::from_secs(3)).for_action("DescribeVpcEx"));
    for v in variants() {
        for timeout_ms in [300u64, 800] {
            let c = driver(
                v,
                config(&emulator, v)
                    .timeout(Duration::from_millis(timeout_ms))
                    .max_attempts(1),
            );
            let started = Instant::now();
            let result = c.send(&DescribeVpcEx::new());
            let elapsed = started.elapsed();
            match result {
                Err(Error::Transport(e)) => {
                    assert_eq!(e.kind(), TransportErrorKind::Timeout, "{v:?}: {e}")
                }
                other => panic!("{v:?}: {other:?}"),
            }
            let limit = Duration::from_millis(timeout_ms * 11 / 10 + 100);
            assert!(
                elapsed >= Duration::from_millis(timeout_ms) && elapsed <= limit,
                "{v:?}: {timeout_ms} ms timeout took {elapsed:?}"
            );
        }
    }
}
