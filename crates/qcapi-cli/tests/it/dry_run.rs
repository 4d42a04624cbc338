//! `--dry-run`: reproducible output of the expected shape, flag → wire flattening,
//! and a printed request is one the emulator accepts as is.

use crate::common;

use common::{Home, Qcapi, action_params, now, param, request_params};
use qcapi_emulator::{Account, Emulator};
use serde_json::Value;

const FIXED: &[&str] = &["--dry-run", "--nonce", "11886", "--timestamp", "1465185768"];

fn qcapi(home: &Home) -> Qcapi {
    Qcapi::new(home)
        .account(&Account::demo_a())
        .env("TENCENTCLOUD_REGION", "gz")
}

fn args<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    head.iter().chain(tail).copied().collect()
}

#[test]
fn output_is_reproducible_and_shaped_like_the_method() {
    let home = Home::new("dry-shape");
    let q = qcapi(&home);
    let action = [
        "RejectVpcPeeringConnection",
        "--peeringConnectionId",
        "pcx-8g675gr8",
    ];

    let get = q.run(&args(FIXED, &action));
    assert_eq!(get.code, 0, "{get:#?}");
    assert_eq!(get.stderr, "");
    assert_eq!(
        q.run(&args(FIXED, &action)).stdout,
        get.stdout,
        "same flags, same bytes"
    );
    let lines: Vec<&str> = get.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "GET prints the URL only: {lines:?}");
    assert!(
        lines[0].starts_with("https://vpc.api.qcloud.com/v2/index.php?"),
        "{}",
        lines[0]
    );
    for (name, value) in [
        ("Action", "RejectVpcPeeringConnection"),
        ("peeringConnectionId", "pcx-8g675gr8"),
        ("Nonce", "11886"),
        ("Timestamp", "1465185768"),
        ("Region", "gz"),
        ("SecretId", qcapi_emulator::DEMO_A_SECRET_ID),
        ("SignatureMethod", "HmacSHA256"),
    ] {
        assert_eq!(param(&get.stdout, name).as_deref(), Some(value), "{name}");
    }
    assert!(param(&get.stdout, "Signature").is_some_and(|s| !s.is_empty()));
    assert!(param(&get.stdout, "RequestClient").is_some_and(|c| c.starts_with("SDK_RUST_QCAPI_")));

    let post_flags = args(FIXED, &["--http-method", "POST"]);
    let post = q.run(&args(&post_flags, &action));
    assert_eq!(post.code, 0, "{post:#?}");
    assert_eq!(q.run(&args(&post_flags, &action)).stdout, post.stdout);
    let lines: Vec<&str> = post.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "POST prints the URL, then the body: {lines:?}"
    );
    assert_eq!(lines[0], "https://vpc.api.qcloud.com/v2/index.php");
    assert!(
        lines[1].starts_with("peeringConnectionId=pcx-8g675gr8&"),
        "{}",
        lines[1]
    );
    assert_eq!(
        param(&post.stdout, "Nonce"),
        param(&get.stdout, "Nonce"),
        "same parameters"
    );
    assert_ne!(
        param(&post.stdout, "Signature"),
        param(&get.stdout, "Signature"),
        "the method is signed"
    );

    // Another signature method, endpoint, timestamp or nonce changes the output.
    for other in [
        &["--signature-method", "HmacSHA1"][..],
        &["--endpoint", "http://127.0.0.1:9000"],
        &["--nonce", "11887"],
        &["--timestamp", "1465185769"],
    ] {
        let run = q.run(&args(&args(FIXED, other), &action));
        assert_eq!(run.code, 0, "{run:#?}");
        assert_ne!(run.stdout, get.stdout, "{other:?}");
    }
    let local = q.run(&args(
        &args(FIXED, &["--endpoint", "http://127.0.0.1:9000"]),
        &action,
    ));
    assert!(
        local
            .stdout
            .starts_with("http://127.0.0.1:9000/v2/index.php?")
    );

    // Global options may follow the action's flags.
    let after = q.run(&args(&action, FIXED));
    assert_eq!(after.stdout, get.stdout);
}

#[test]
fn flags_flatten_to_wire_parameters() {
    let home = Home::new("dry-flatten");
    let q = qcapi(&home);
    /// (arguments, expected wire parameters of the action)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let cases: &[Case] = &[
        (
            &[
                "RejectVpcPeeringConnection",
                "--peeringConnectionId",
                "pcx-1",
            ],
            &[("peeringConnectionId", "pcx-1")],
        ),
        // A repeated flag.
        (
            &[
                "DetachClassicLinkVpc",
                "--vpcId",
                "vpc-1",
                "--instanceIds",
                "ins-a",
                "--instanceIds",
                "ins-b",
            ],
            &[
                ("instanceIds.0", "ins-a"),
                ("instanceIds.1", "ins-b"),
                ("vpcId", "vpc-1"),
            ],
        ),
        // One JSON array, then one more value.
        (
            &[
                "DetachClassicLinkVpc",
                "--vpcId",
                "vpc-1",
                "--instanceIds",
                r#"["ins-a", "ins-b"]"#,
                "--instanceIds",
                "ins-c",
            ],
            &[
                ("instanceIds.0", "ins-a"),
                ("instanceIds.1", "ins-b"),
                ("instanceIds.2", "ins-c"),
                ("vpcId", "vpc-1"),
            ],
        ),
        // A JSON array of numbers.
        (
            &["DescribeSubnetEx", "--zoneIds", "[100003,100004]"],
            &[("zoneIds.0", "100003"), ("zoneIds.1", "100004")],
        ),
        // A JSON list of objects, and a value with a space and non-ASCII text.
        (
            &[
                "CreateVpc",
                "--vpcName",
                "my vpc 测试",
                "--cidrBlock",
                "10.0.0.0/16",
                "--subnetSet",
                r#"[{"subnetName":"a","cidrBlock":"10.0.1.0/24","zoneId":100003},{"subnetName":"b","cidrBlock":"10.0.2.0/24","zoneId":100004}]"#,
            ],
            &[
                ("cidrBlock", "10.0.0.0/16"),
                ("subnetSet.0.cidrBlock", "10.0.1.0/24"),
                ("subnetSet.0.subnetName", "a"),
                ("subnetSet.0.zoneId", "100003"),
                ("subnetSet.1.cidrBlock", "10.0.2.0/24"),
                ("subnetSet.1.subnetName", "b"),
                ("subnetSet.1.zoneId", "100004"),
                ("vpcName", "my vpc 测试"),
            ],
        ),
        // One object per flag.
        (
            &[
                "CreateSubnet",
                "--vpcId",
                "vpc-1",
                "--subnetSet",
                r#"{"subnetName":"a","cidrBlock":"10.0.1.0/24","zoneId":1}"#,
                "--subnetSet",
                r#"{"subnetName":"b","cidrBlock":"10.0.2.0/24","zoneId":2}"#,
            ],
            &[
                ("subnetSet.0.cidrBlock", "10.0.1.0/24"),
                ("subnetSet.0.subnetName", "a"),
                ("subnetSet.0.zoneId", "1"),
                ("subnetSet.1.cidrBlock", "10.0.2.0/24"),
                ("subnetSet.1.subnetName", "b"),
                ("subnetSet.1.zoneId", "2"),
                ("vpcId", "vpc-1"),
            ],
        ),
        // A JSON object.
        (
            &[
                "InquiryPriceRunVpnGw",
                "--chargePrepaid",
                r#"{"period":1,"renewFlag":"NOTIFY_AND_AUTO_RENEW"}"#,
            ],
            &[
                ("chargePrepaid.period", "1"),
                ("chargePrepaid.renewFlag", "NOTIFY_AND_AUTO_RENEW"),
            ],
        ),
        // `call`: flat parameters as given, any action.
        (
            &["call", "SomeFutureAction", "a.0.b=x y", "c=1=2"],
            &[("a.0.b", "x y"), ("c", "1=2")],
        ),
    ];
    for (action, expected) in cases {
        let run = q.run(&args(FIXED, action));
        assert_eq!(run.code, 0, "{action:?}: {run:#?}");
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(action_params(&run.stdout), expected, "{action:?}");
    }
}

/// Sends a printed request as is and returns the parsed response.
fn send_printed(printed: &str) -> Value {
    let agent = qcapi_tests::wire::agent();
    let lines: Vec<&str> = printed.lines().collect();
    let mut response = match lines.as_slice() {
        [url] => agent.get(*url).call(),
        [url, body] => agent
            .post(*url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body.as_bytes()),
        other => panic!("unexpected output {other:?}"),
    }
    .expect("a response");
    serde_json::from_str(&response.body_mut().read_to_string().expect("a body")).expect("JSON")
}

#[test]
fn the_printed_request_is_accepted_by_the_emulator() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("dry-accepted");
    let q = qcapi(&home);
    let mut nonce = 7000;
    let mut sent = 0;
    for method in ["GET", "POST"] {
        for signature in ["HmacSHA1", "HmacSHA256"] {
            nonce += 1;
            let (nonce, timestamp) = (nonce.to_string(), now().to_string());
            let run = q.run(&[
                "--dry-run",
                "--endpoint",
                &emulator.base_url(),
                "--http-method",
                method,
                "--signature-method",
                signature,
                "--nonce",
                &nonce,
                "--timestamp",
                &timestamp,
                "CreateVpc",
                "--vpcName",
                &format!("v {method} {signature}"),
                "--cidrBlock",
                "10.0.0.0/16",
                "--subnetSet",
                r#"[{"subnetName":"s","cidrBlock":"10.0.1.0/24","zoneId":100003}]"#,
            ]);
            assert_eq!(run.code, 0, "{run:#?}");
            assert_eq!(
                emulator.request_count("CreateVpc"),
                sent,
                "--dry-run sends nothing"
            );
            let response = send_printed(&run.stdout);
            sent += 1;
            assert_eq!(response["code"], 0, "{method} {signature}: {response}");
            assert_eq!(response["subnetSet"][0]["subnetName"], "s");
            assert!(
                request_params(&run.stdout)
                    .iter()
                    .any(|(n, v)| n == "SignatureMethod" && v == signature)
            );
        }
    }
}

/// Where a request goes: `--domain`, `TENCENTCLOUD_DOMAIN`, `--endpoint` and
/// `TENCENTCLOUD_ENDPOINT`, as the libraries order them; the host is the signed one.
#[test]
fn domain_and_endpoint_pick_the_host() {
    let home = Home::new("dry-domain");
    /// Flags, environment, and how the printed URL starts.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 6] = [
        (&[], &[], "https://vpc.api.qcloud.com/v2/index.php?"),
        (
            &["--domain", "tce.corp"],
            &[],
            "https://vpc.tce.corp/v2/index.php?",
        ),
        (
            &[],
            &[("TENCENTCLOUD_DOMAIN", "tce.env")],
            "https://vpc.tce.env/v2/index.php?",
        ),
        (
            &["--domain", "tce.corp"],
            &[("TENCENTCLOUD_DOMAIN", "tce.env")],
            "https://vpc.tce.corp/v2/index.php?",
        ),
        (
            &["--domain", "tce.corp", "--endpoint", "http://127.0.0.1:9"],
            &[],
            "http://127.0.0.1:9/v2/index.php?",
        ),
        (
            &[],
            &[
                ("TENCENTCLOUD_ENDPOINT", "http://127.0.0.1:8"),
                ("TENCENTCLOUD_DOMAIN", "tce.env"),
            ],
            "http://127.0.0.1:8/v2/index.php?",
        ),
    ];
    for (flags, env, expected) in cases {
        let mut q = qcapi(&home);
        for (name, value) in env {
            q = q.env(name, value);
        }
        let run = q.run(&args(&args(FIXED, flags), &["DescribeVpcEx"]));
        assert_eq!(run.code, 0, "{flags:?} {env:?}: {run:#?}");
        assert!(
            run.stdout.starts_with(expected),
            "{flags:?} {env:?}: {}",
            run.stdout
        );
    }
    let bad = qcapi(&home).run(&args(FIXED, &["--domain", "a/b", "DescribeVpcEx"]));
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("domain"), "{bad:#?}");
}
