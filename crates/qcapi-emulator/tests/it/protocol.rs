//! The wire protocol over real loopback sockets: signing, replay protection,
//! envelopes, string quirks, admin clock, and robustness against bad input.

use qcapi_tests::wire as common;

use std::io::Write as _;
use std::net::TcpStream;
use std::time::Duration;

use common::{agent, call, config, expect_ok, nonce, now, raw_exchange, send};
use qcapi_core::request::{request_params, sign_params};
use qcapi_core::{
    Credentials, HttpMethod, RawAction, SignContext, SignatureMethod, build_request, vpc,
};
use qcapi_emulator::{Account, Emulator};
use serde_json::Value;

fn describe() -> vpc::DescribeVpcEx {
    vpc::DescribeVpcEx::new().limit(5)
}

#[test]
fn good_requests_work_for_every_method_and_signature() {
    let emulator = Emulator::start().expect("start");
    let account = Account::demo_a();
    for method in [HttpMethod::Get, HttpMethod::Post] {
        for signature in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
            let config = config(&emulator, &account, method, signature);
            let request = build_request(&describe(), &config, SignContext::new(now(), nonce()))
                .expect("request");
            let (status, body) = send(&request);
            assert_eq!(status, 200);
            let body = expect_ok(body);
            assert_eq!(body["message"], "", "{method} {signature}");
            assert_eq!(body["totalCount"], 0, "{method} {signature}");
        }
    }
    assert_eq!(emulator.request_count("DescribeVpcEx"), 4);
    assert_eq!(emulator.request_count("CreateVpc"), 0);
}

#[test]
fn signature_method_absent_means_sha1() {
    let emulator = Emulator::start().expect("start");
    let config = config(
        &emulator,
        &Account::demo_b(),
        HttpMethod::Get,
        SignatureMethod::HmacSha1,
    );
    let mut params =
        request_params(&describe(), &config, SignContext::new(now(), nonce())).expect("params");
    params.remove("SignatureMethod");
    let (_, body) = send(&sign_params(params, &config, HttpMethod::Get));
    expect_ok(body);
}

#[test]
fn authentication_failures() {
    let emulator = Emulator::start().expect("start");
    let good = Account::demo_a();
    let get = |account: &Account, ctx: SignContext| {
        let config = config(
            &emulator,
            account,
            HttpMethod::Get,
            SignatureMethod::HmacSha256,
        );
        build_request(&describe(), &config, ctx).expect("request")
    };
    let check = |request: &qcapi_core::HttpRequest, code: i64, code_desc: &str| {
        let (status, body) = send(request);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["codeDesc"], code_desc, "{body}");
        body
    };

    let stranger = Account::new("AKIDnobody", "whatever", "1");
    check(
        &get(&stranger, SignContext::new(now(), nonce())),
        4104,
        "SecretIdNotFound",
    );

    let wrong_key = Account::new(good.secret_id.clone(), "not-the-key", good.uin.clone());
    check(
        &get(&wrong_key, SignContext::new(now(), nonce())),
        4100,
        "AuthFailure",
    );

    // Change a signed value after signing.
    let request = get(&good, SignContext::new(now(), nonce()));
    let tampered_url = request.url().replace("limit=5", "limit=6");
    assert_ne!(tampered_url, request.url());
    let mut response = agent().get(&tampered_url).call().expect("answer");
    let body: Value =
        serde_json::from_str(&response.body_mut().read_to_string().expect("body")).expect("json");
    assert_eq!(body["code"], 4100, "{body}");

    check(
        &get(&good, SignContext::new(now() - 301, nonce())),
        4500,
        "ReplayAttack",
    );
    check(
        &get(&good, SignContext::new(now() + 3600, nonce())),
        4500,
        "ReplayAttack",
    );

    let request = get(&good, SignContext::new(now(), nonce()));
    expect_ok(send(&request).1);
    let body = check(&request, 4500, "ReplayAttack");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Nonce"),
        "{body}"
    );

    // Only authenticated, validated requests count.
    assert_eq!(emulator.request_count("DescribeVpcEx"), 1);
}

#[test]
fn missing_common_parameters_are_named() {
    let emulator = Emulator::start().expect("start");
    let config = config(
        &emulator,
        &Account::demo_a(),
        HttpMethod::Post,
        SignatureMethod::HmacSha256,
    );
    for name in ["Action", "SecretId", "Timestamp", "Nonce"] {
        let mut params =
            request_params(&describe(), &config, SignContext::new(now(), nonce())).expect("params");
        params.remove(name);
        let (_, body) = send(&sign_params(params, &config, HttpMethod::Post));
        assert_eq!(body["code"], 4000, "{body}");
        assert_eq!(body["codeDesc"], "InvalidParameter", "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(&format!("`{name}`")), "{message}");
    }
}

#[test]
fn unknown_actions_and_invalid_parameters() {
    let emulator = Emulator::start().expect("start");
    let account = Account::demo_a();
    let body = call(&emulator, &account, &RawAction::new("DescribeNothing"));
    assert_eq!(body["code"], 4000, "{body}");
    assert_eq!(body["codeDesc"], "InvalidAction", "{body}");
    assert_eq!(body["message"], "unknown Action `DescribeNothing`");

    // A client that skips validation: the server validates too.
    let config = config(
        &emulator,
        &account,
        HttpMethod::Get,
        SignatureMethod::HmacSha256,
    );
    let mut params = request_params(
        &RawAction::new("DescribeVpcTaskResult").param("taskId", "1"),
        &config,
        SignContext::new(now(), nonce()),
    )
    .expect("params");
    params.set("taskId", "not-a-number");
    let (_, body) = send(&sign_params(params, &config, HttpMethod::Get));
    assert_eq!(body["code"], 4000, "{body}");
    assert_eq!(body["codeDesc"], "InvalidParameter", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`taskId`"),
        "{body}"
    );
    assert_eq!(emulator.request_count("DescribeVpcTaskResult"), 0);
}

#[test]
fn string_quirks_quote_every_number() {
    let emulator = Emulator::builder()
        .string_quirks(true)
        .start()
        .expect("start");
    let account = emulator.accounts()[0].clone();
    let body = call(
        &emulator,
        &account,
        &vpc::CreateVpc::new("q", "10.0.0.0/16"),
    );
    assert_eq!(body["code"], "0", "{body}");
    assert_eq!(body["routeTableSet"][0]["routeTableType"], "1", "{body}");
    let body = call(&emulator, &account, &describe());
    assert_eq!(body["totalCount"], "1", "{body}");
    assert_eq!(body["data"][0]["subnetNum"], "0", "{body}");
    let body = call(&emulator, &account, &RawAction::new("Nope"));
    assert_eq!(body["code"], "4000", "{body}");
}

#[test]
fn custom_accounts_replace_the_demo_ones() {
    let custom = Account::new("AKIDcustom", "custom-key", "424242");
    let emulator = Emulator::builder()
        .account(custom.clone())
        .start()
        .expect("start");
    assert_eq!(emulator.accounts(), std::slice::from_ref(&custom));
    expect_ok(call(&emulator, &custom, &describe()));
    let body = call(&emulator, &Account::demo_a(), &describe());
    assert_eq!(body["code"], 4104, "{body}");
    let err = Emulator::builder()
        .account(custom.clone())
        .account(custom)
        .start()
        .expect_err("duplicate SecretId");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn admin_clock_endpoint() {
    let emulator = Emulator::start().expect("start");
    let url = format!("{}/_emulator/clock/advance", emulator.base_url());
    let post = |query: &str| {
        let mut response = agent()
            .post(format!("{url}{query}"))
            .send_empty()
            .expect("answer");
        let status = response.status().as_u16();
        let body: Value =
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .unwrap_or_default();
        (status, body)
    };
    let (status, body) = post("?seconds=60");
    assert_eq!(
        (status, &body["offsetSeconds"]),
        (200, &Value::from(60)),
        "{body}"
    );
    let (status, body) = post("?seconds=40");
    assert_eq!(
        (status, &body["offsetSeconds"]),
        (200, &Value::from(100)),
        "{body}"
    );
    for bad in [
        "",
        "?seconds=",
        "?seconds=-5",
        "?seconds=1.5",
        "?seconds=abc",
        "?seconds=99999999999999999999999",
    ] {
        assert_eq!(post(bad).0, 400, "{bad}");
    }
    let (status, _) = {
        let response = agent().get(&url).call().expect("answer");
        (response.status().as_u16(), ())
    };
    assert_eq!(status, 405);
}

#[test]
fn other_paths_are_not_found() {
    let emulator = Emulator::start().expect("start");
    // `/` is STS (POST only, so GET gets 405; see credentials.rs).
    for path in ["/v2/index.php/x", "/v3/index.php", "/_emulator/other"] {
        let response = agent()
            .get(format!("{}{path}", emulator.base_url()))
            .call()
            .expect("answer");
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
}

#[test]
fn hostile_input_gets_an_envelope_or_a_4xx() {
    let emulator = Emulator::start().expect("start");
    let base = emulator.base_url();
    let cases = [
        ("/v2/index.php", 4000),
        ("/v2/index.php?Action=%ZZ&%FF%FE=%C3%28", 4000),
        ("/v2/index.php?&&&==&=", 4000),
        (
            "/v2/index.php?Action=DescribeVpcEx&Timestamp=99999999999999999999999999",
            4000,
        ),
        // All common parameters, so the signature is checked (and fails).
        (
            "/v2/index.php?Action=DescribeVpcEx&Region=gz&SecretId=AKIDemulatorAccountA0000000000000001&Timestamp=1&Nonce=1&Signature=%",
            4100,
        ),
    ];
    for (path, code) in cases {
        let mut response = agent().get(format!("{base}{path}")).call().expect("answer");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let body: Value =
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .expect("JSON");
        assert_eq!(body["code"], code, "{path}: {body}");
    }
    let huge = format!("{base}/v2/index.php?Action={}", "A".repeat(100_000));
    let response = agent().get(&huge).call();
    if let Ok(response) = response {
        assert!(
            matches!(response.status().as_u16(), 200 | 400..=499),
            "{}",
            response.status()
        );
    }
    // Non-UTF-8 form body, no Host header (HTTP/1.0), no Content-Type: refused
    // by name before authentication.
    let body = b"Action=\xff\xfe&Region=gz&SecretId=AKIDemulatorAccountA0000000000000001&Timestamp=1&Nonce=1&Signature=x";
    let (status, text) = raw_exchange(emulator.addr(), &bare_form_post(body));
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"code\":4000"), "{text}");
    assert!(text.contains("`Action`"), "{text}");
    // The same without Host, valid UTF-8 and a wrong signature: authentication fails.
    let body = b"Action=DescribeVpcEx&Region=gz&SecretId=AKIDemulatorAccountA0000000000000001&Timestamp=1&Nonce=1&Signature=x";
    let (status, text) = raw_exchange(emulator.addr(), &bare_form_post(body));
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"code\":4100"), "{text}");
    // Garbage instead of HTTP.
    let (status, text) = raw_exchange(emulator.addr(), b"\x00\x01\x02 nonsense\r\n\r\n");
    assert!(status == 0 || (400..500).contains(&status), "{text}");
    // The server is still fine.
    expect_ok(call(&emulator, &Account::demo_a(), &describe()));
}

#[tokio::test]
async fn works_inside_an_async_runtime() {
    let emulator = Emulator::start().expect("start");
    let base = emulator.base_url();
    let config = qcapi_core::Config::builder()
        .endpoint(base)
        .credentials(Credentials::new(
            qcapi_emulator::DEMO_A_SECRET_ID,
            qcapi_emulator::DEMO_A_SECRET_KEY,
        ))
        .region("gz")
        .build()
        .expect("config");
    let request =
        build_request(&describe(), &config, SignContext::new(now(), nonce())).expect("request");
    let (status, body) = tokio::task::spawn_blocking(move || send(&request))
        .await
        .expect("join");
    assert_eq!(status, 200);
    expect_ok(body);
    // Dropping inside the async context must neither panic nor hang.
    drop(emulator);
}

#[test]
fn dropping_is_bounded_despite_open_connections() {
    let emulator = Emulator::start().expect("start");
    // An idle keep-alive connection from a live agent...
    let keep_alive = agent();
    let response = keep_alive
        .get(format!("{}/nowhere", emulator.base_url()))
        .call()
        .expect("answer");
    assert_eq!(response.status().as_u16(), 404);
    // ...and a client stalled halfway through its request headers.
    let mut stalled = TcpStream::connect(emulator.addr()).expect("connect");
    stalled
        .write_all(b"GET /v2/index.php HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    let started = std::time::Instant::now();
    drop(emulator);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(keep_alive);
}

/// An HTTP/1.0 POST of `body` with no Host and no Content-Type.
fn bare_form_post(body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST /v2/index.php HTTP/1.0\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}
