//! Fault injection over real loopback sockets: every fault kind as a client
//! sees it, budgets, action filters, fractions, the admin endpoint, the
//! `--fault` flag, and that a faulted CreateVpc never executes.

use qcapi_tests::wire as common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{agent, config, expect_ok, nonce, now};
use qcapi_core::{
    Action, Config, HttpMethod, HttpRequest, SignContext, SignatureMethod, build_request, vpc,
};
use qcapi_emulator::{Account, Emulator, Fault};
use qcapi_tests::process::KillOnDrop;
use serde_json::{Value, json};

/// GET, HmacSHA256, account A, region gz.
fn client_config(emulator: &Emulator) -> Config {
    config(
        emulator,
        &Account::demo_a(),
        HttpMethod::Get,
        SignatureMethod::HmacSha256,
    )
}

/// A freshly signed request for `action`.
fn signed(config: &Config, action: &impl Action) -> HttpRequest {
    build_request(action, config, SignContext::new(now(), nonce()))
        .expect("a valid request")
        .into_http()
}

/// Sends on a fresh connection; the status and the raw body, or the transport error.
fn try_send(request: &HttpRequest) -> Result<(u16, String), ureq::Error> {
    let mut response = agent().get(request.url()).call()?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    Ok((status, text))
}

/// Sends and expects a JSON body with HTTP 200.
fn send_ok(request: &HttpRequest) -> Value {
    let (status, text) = try_send(request).expect("the emulator answers");
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("a JSON body")
}

fn describe() -> vpc::DescribeVpcEx {
    vpc::DescribeVpcEx::new()
}

/// How many VPCs account A sees.
fn vpc_total(config: &Config) -> Value {
    expect_ok(send_ok(&signed(config, &describe())))["totalCount"].clone()
}

#[test]
fn http_status_answers_plain_text_until_the_budget_is_spent() {
    let emulator = Emulator::start().expect("start");
    let config = client_config(&emulator);
    emulator.inject(Fault::http_status(503).times(2));
    for _ in 0..2 {
        let (status, text) = try_send(&signed(&config, &describe())).expect("an answer");
        assert_eq!(status, 503, "{text}");
        assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
        assert!(text.contains("503"), "{text}");
    }
    expect_ok(send_ok(&signed(&config, &describe())));
    assert_eq!(emulator.request_count("DescribeVpcEx"), 1);
}

#[test]
fn throttle_answers_the_envelope_and_leaves_the_nonce_unused() {
    let emulator = Emulator::start().expect("start");
    let config = client_config(&emulator);
    emulator.inject(Fault::throttle().times(3));
    // The same signed request, resent: a throttled attempt does not burn its nonce.
    let request = signed(&config, &describe());
    for _ in 0..3 {
        let body = send_ok(&request);
        assert_eq!(body["code"], 4400, "{body}");
        assert_eq!(body["codeDesc"], "RequestLimitExceeded", "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    expect_ok(send_ok(&request));
    assert_eq!(emulator.request_count("DescribeVpcEx"), 1);
}

#[test]
fn close_connection_gives_the_client_no_response() {
    let emulator = Emulator::start().expect("start");
    let config = client_config(&emulator);

    emulator.inject(Fault::close_connection().times(1));
    let err = try_send(&signed(&config, &describe())).expect_err("no response");
    assert!(
        !matches!(err, ureq::Error::StatusCode(_)),
        "a transport error, not a status: {err}"
    );

    // On the wire: not a single byte comes back before the connection ends.
    emulator.inject(Fault::close_connection().times(1));
    let mut stream = TcpStream::connect(emulator.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let request = format!(
        "GET /v2/index.php?Action=DescribeVpcEx HTTP/1.1\r\nHost: {}\r\n\r\n",
        emulator.addr()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => {}
        Err(e) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ),
            "closed or reset, not timed out: {e}"
        ),
    }
    assert!(
        received.is_empty(),
        "{}",
        String::from_utf8_lossy(&received)
    );

    // Spent: service resumes, and neither faulted request executed.
    expect_ok(send_ok(&signed(&config, &describe())));
    assert_eq!(emulator.request_count("DescribeVpcEx"), 1);
}

#[test]
fn latency_delays_then_executes() {
    let emulator = Emulator::start().expect("start");
    let config = client_config(&emulator);
    let delay = Duration::from_millis(300);
    emulator.inject(Fault::latency(delay).fraction(1.0).times(1));
    let started = Instant::now();
    expect_ok(send_ok(&signed(&config, &describe())));
    let took = started.elapsed();
    assert!(took >= delay, "answered after {took:?}");
    assert_eq!(emulator.request_count("DescribeVpcEx"), 1);
    expect_ok(send_ok(&signed(&config, &describe())));
    assert_eq!(emulator.request_count("DescribeVpcEx"), 2);
}

#[test]
fn latency_beyond_the_client_timeout_is_a_timeout() {
    let emulator = Emulator::start().expect("start");
    let config = client_config(&emulator);
    emulator.inject(Fault::latency(Duration::from_millis(1500)).times(1));
    let impatient: ureq::Agent = ureq::Agent::config_builder()
        .proxy(None)
        .timeout_global(Some(Duration::from_millis(200)))
        .build()
        .into();
    let err = impatient
        .get(signed(&config, &describe()).url())
        .call()
        .expect_err("too slow");
    assert!(matches!(err, ureq::Error::Timeout(_)), "{err}");
}

#[test]
fn an_action_filter_only_hits_that_action() {
    let emulator = Emulator::start().expect("start");
    let config = client_config(&emulator);
    emulator.inject(Fault::http_status(502).for_action("CreateVpc"));
    for i in 0..2 {
        expect_ok(send_ok(&signed(&config, &describe())));
        let create = vpc::CreateVpc::new(format!("filtered-{i}"), "10.0.0.0/16");
        let (status, _) = try_send(&signed(&config, &create)).expect("an answer");
        assert_eq!(status, 502);
    }
    assert_eq!(emulator.request_count("DescribeVpcEx"), 2);
    assert_eq!(emulator.request_count("CreateVpc"), 0);
    emulator.clear_faults();
    let create = vpc::CreateVpc::new("filtered-after", "10.0.0.0/16");
    expect_ok(send_ok(&signed(&config, &create)));
    assert_eq!(emulator.request_count("CreateVpc"), 1);
}

#[test]
fn rules_apply_in_order_first_hit_wins() {
    let emulator = Emulator::builder()
        .fault(Fault::throttle().for_action("DescribeVpcEx").times(1))
        .fault(Fault::http_status(500).times(1))
        .start()
        .expect("start");
    let config = client_config(&emulator);
    assert_eq!(send_ok(&signed(&config, &describe()))["code"], 4400);
    let (status, _) = try_send(&signed(&config, &describe())).expect("an answer");
    assert_eq!(status, 500);
    expect_ok(send_ok(&signed(&config, &describe())));
}

#[test]
fn a_faulted_create_vpc_never_executes() {
    let emulator = Emulator::start().expect("start");
    let config = client_config(&emulator);
    let faults = [
        Fault::http_status(503),
        Fault::http_status(500),
        Fault::close_connection(),
        Fault::throttle(),
    ];
    for (i, fault) in faults.into_iter().enumerate() {
        let shown = fault.to_string();
        emulator.inject(fault.for_action("CreateVpc").times(1));
        let create = vpc::CreateVpc::new(format!("retried-{i}"), format!("10.{i}.0.0/16"));
        // The same signed request, as a retrying client might resend it.
        let request = signed(&config, &create);
        if let Ok((status, text)) = try_send(&request) {
            assert!(
                status != 200 || text.contains("4400"),
                "{shown}: {status} {text}"
            );
        }
        assert_eq!(emulator.request_count("CreateVpc"), i as u64, "{shown}");
        assert_eq!(vpc_total(&config), i, "{shown}: no VPC was created");

        let body = expect_ok(send_ok(&request));
        assert!(body["uniqVpcId"].is_string(), "{shown}: {body}");
        assert_eq!(emulator.request_count("CreateVpc"), i as u64 + 1, "{shown}");
        assert_eq!(vpc_total(&config), i + 1, "{shown}");
    }

    // Latency is the exception: the request runs, once.
    emulator.inject(Fault::latency(Duration::from_millis(50)).for_action("CreateVpc"));
    let create = vpc::CreateVpc::new("slow", "10.9.0.0/16");
    expect_ok(send_ok(&signed(&config, &create)));
    assert_eq!(emulator.request_count("CreateVpc"), 5);
    assert_eq!(vpc_total(&config), 5);
}

#[test]
fn fractions_are_reproducible_across_runs() {
    fn pattern() -> Vec<u16> {
        let emulator = Emulator::builder()
            .fault(Fault::http_status(503).fraction(0.5))
            .start()
            .expect("start");
        let config = client_config(&emulator);
        (0..24)
            .map(|_| {
                try_send(&signed(&config, &describe()))
                    .expect("an answer")
                    .0
            })
            .collect()
    }
    let first = pattern();
    assert_eq!(first, pattern());
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
}

/// Sends `method` to `/_emulator/faults`; the status and the JSON body.
fn admin(emulator: &Emulator, method: &str, body: Option<&str>) -> (u16, Value) {
    let url = format!("{}/_emulator/faults", emulator.base_url());
    let agent = agent();
    let response = match (method, body) {
        ("GET", _) => agent.get(&url).call(),
        ("DELETE", _) => agent.delete(&url).call(),
        ("PUT", _) => agent.put(&url).send_empty(),
        (_, Some(body)) => agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body),
        (_, None) => agent.post(&url).send_empty(),
    };
    let mut response = response.expect("an answer");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn admin_endpoint_adds_lists_and_clears() {
    let emulator = Emulator::start().expect("start");
    let config = client_config(&emulator);

    let (status, body) = admin(
        &emulator,
        "POST",
        Some(r#"{"kind":"http_status","status":503,"action":"DescribeVpcEx","times":2}"#),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "added": {"kind": "http_status", "status": 503, "action": "DescribeVpcEx",
                      "times": 2, "fraction": 1.0},
            "active": 1,
        })
    );
    let (status, _) = try_send(&signed(&config, &describe())).expect("an answer");
    assert_eq!(status, 503);
    let (status, body) = admin(&emulator, "GET", None);
    assert_eq!(status, 200);
    assert_eq!(body["faults"][0]["remaining"], 1, "{body}");

    for rule in [
        r#"{"kind":"latency","millis":500,"fraction":0.5}"#,
        r#"{"kind":"close"}"#,
        r#"{"kind":"throttle","times":3}"#,
    ] {
        let (status, body) = admin(&emulator, "POST", Some(rule));
        assert_eq!(status, 200, "{rule}: {body}");
    }
    // Admin endpoints are never faulted, even by a global close rule.
    let (status, body) = admin(&emulator, "GET", None);
    assert_eq!(status, 200);
    assert_eq!(body["faults"].as_array().map(Vec::len), Some(4), "{body}");

    let (status, body) = admin(&emulator, "DELETE", None);
    assert_eq!((status, body), (200, json!({"cleared": 4})));
    expect_ok(send_ok(&signed(&config, &describe())));
    assert_eq!(admin(&emulator, "GET", None).1, json!({"faults": []}));
}

#[test]
fn admin_endpoint_rejects_bad_rules() {
    let emulator = Emulator::start().expect("start");
    for bad in [
        None,
        Some(""),
        Some("kind=close"),
        Some("[]"),
        Some("{}"),
        Some(r#"{"kind":"explode"}"#),
        Some(r#"{"kind":"http_status"}"#),
        Some(r#"{"kind":"http_status","status":42}"#),
        Some(r#"{"kind":"http_status","status":503,"extra":1}"#),
        Some(r#"{"kind":"latency","millis":-5}"#),
        Some(r#"{"kind":"throttle","times":0}"#),
        Some(r#"{"kind":"close","fraction":1.5}"#),
        Some(r#"{"kind":"close","action":""}"#),
    ] {
        let (status, body) = admin(&emulator, "POST", bad);
        assert_eq!(status, 400, "{bad:?}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{bad:?}: {body}"
        );
    }
    assert_eq!(admin(&emulator, "GET", None).1, json!({"faults": []}));
    assert_eq!(admin(&emulator, "PUT", None).0, 405);
}

#[test]
fn the_binary_takes_fault_flags() {
    let child = Command::new(env!("CARGO_BIN_EXE_qcapi-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--fault",
            "status=503,times=1",
            "--fault",
            "throttle,times=1,action=DescribeVpcEx",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the binary");
    let mut running = KillOnDrop(child);
    let stdout = running.0.stdout.take().expect("piped stdout");
    let mut faults = Vec::new();
    let mut url = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        if let Some(listening) = line.strip_prefix("listening on ") {
            url = Some(listening.to_owned());
            break;
        }
        if let Some(fault) = line.strip_prefix("fault ") {
            faults.push(fault.to_owned());
        }
    }
    assert_eq!(
        faults,
        [
            "status=503,times=1",
            "throttle,action=DescribeVpcEx,times=1"
        ]
    );
    let config = Config::builder()
        .endpoint(url.expect("a listening line"))
        .credentials(Account::demo_a().credentials())
        .region("gz")
        .build()
        .expect("config");
    let (status, _) = try_send(&signed(&config, &describe())).expect("an answer");
    assert_eq!(status, 503);
    assert_eq!(send_ok(&signed(&config, &describe()))["code"], 4400);
    expect_ok(send_ok(&signed(&config, &describe())));
}
