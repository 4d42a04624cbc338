//! Failures and their exit codes: API errors (1, code/codeDesc/message on stderr),
//! invalid input (1), transport errors (1), failed tasks (1), usage errors and
//! invalid endpoints (2).

use crate::common;

use common::{Home, Qcapi, text};
use qcapi_emulator::{Account, Emulator};

fn qcapi(home: &Home, emulator: &Emulator) -> (Qcapi, String) {
    (
        Qcapi::new(home)
            .account(&Account::demo_a())
            .env("TENCENTCLOUD_REGION", "gz"),
        emulator.base_url(),
    )
}

#[test]
fn an_api_error_exits_1_with_code_desc_and_message_on_stderr() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("api-error");
    let (q, url) = qcapi(&home, &emulator);
    let run = q.run(&[
        "--endpoint",
        &url,
        "RejectVpcPeeringConnection",
        "--peeringConnectionId",
        "pcx-nothere",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.stdout, "", "nothing on stdout");
    assert!(run.stderr.contains("code: 5000"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("codeDesc: InvalidPeeringConnection.NotFound"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("message: ") && run.stderr.contains("pcx-nothere"),
        "{}",
        run.stderr
    );

    // The same through `call`, and a wrong key (an authentication failure).
    let call = q.run(&[
        "--endpoint",
        &url,
        "call",
        "RejectVpcPeeringConnection",
        "peeringConnectionId=pcx-nothere",
    ]);
    assert_eq!(call.code, 1);
    assert_eq!(call.stderr, run.stderr);
    let wrong_key = q
        .clone()
        .env("TENCENTCLOUD_SECRET_KEY", "not-the-key")
        .run(&["--endpoint", &url, "DescribeVpcEx"]);
    assert_eq!(wrong_key.code, 1, "{wrong_key:#?}");
    assert!(
        wrong_key.stderr.contains("code: 4100"),
        "{}",
        wrong_key.stderr
    );
}

#[test]
fn a_missing_required_flag_is_a_usage_error_naming_it() {
    let home = Home::new("missing");
    let q = Qcapi::new(&home).account(&Account::demo_a());
    let run = q.run(&["RejectVpcPeeringConnection"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains("--peeringConnectionId"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("required"), "{}", run.stderr);

    let run = q.run(&["CreateVpc", "--vpcName", "a"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--cidrBlock"), "{}", run.stderr);
    let missing = run.stderr.split("Usage:").next().unwrap_or_default();
    assert!(
        missing.contains("--cidrBlock") && !missing.contains("--vpcName"),
        "only the missing one: {}",
        run.stderr
    );

    // A required field inside a JSON object is the core validator's to report.
    let run = q.run(&[
        "--dry-run",
        "CreateVpc",
        "--vpcName",
        "a",
        "--cidrBlock",
        "10.0.0.0/16",
        "--subnetSet",
        r#"[{"subnetName":"s","zoneId":100003}]"#,
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr.contains("subnetSet.0.cidrBlock") && run.stderr.contains("missing"),
        "{}",
        run.stderr
    );
}

#[test]
fn invalid_input_and_usage_errors() {
    let home = Home::new("invalid");
    let q = Qcapi::new(&home).account(&Account::demo_a());
    // (arguments, exit code, text stderr must contain)
    let cases: &[(&[&str], i32, &str)] = &[
        // Checked by qcapi-core's validator before sending: exit 1.
        (
            &["--dry-run", "DescribeSubnetEx", "--zoneIds", "abc"],
            1,
            "zoneIds.0",
        ),
        (
            &[
                "--dry-run",
                "CreateVpc",
                "--vpcName",
                &"x".repeat(61),
                "--cidrBlock",
                "c",
            ],
            1,
            "at most 60 characters",
        ),
        // Syntax, flags, combinations and the endpoint: usage errors, exit 2.
        (
            &["--endpoint", "vpc.api.qcloud.com", "DescribeVpcEx"],
            2,
            "invalid --endpoint: `vpc.api.qcloud.com`",
        ),
        (
            &[
                "CreateVpc",
                "--vpcName",
                "a",
                "--cidrBlock",
                "c",
                "--subnetSet",
                "{oops",
            ],
            2,
            "--subnetSet",
        ),
        (&["NoSuchAction"], 2, "NoSuchAction"),
        (&["DescribeVpcEx", "--noSuchFlag", "x"], 2, "--noSuchFlag"),
        (&["--timeout", "0", "DescribeVpcEx"], 2, "--timeout"),
        (&["call", "DescribeVpcEx", "limit"], 2, "name=value"),
        (
            &[
                "--nonce",
                "5",
                "EnableVpcPeeringConnectionEx",
                "--peeringConnectionId",
                "p",
                "--wait",
            ],
            2,
            "--nonce cannot be used with --wait",
        ),
        (&[], 2, "Usage"),
    ];
    for (args, code, fragment) in cases {
        let run = q.run(args);
        assert_eq!(run.code, *code, "{args:?}: {run:#?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.contains(fragment), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn a_transport_error_exits_1() {
    let home = Home::new("transport");
    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let run = Qcapi::new(&home).account(&Account::demo_a()).run(&[
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
        "--retries",
        "0",
        "DescribeVpcEx",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr.starts_with("error: connect error"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_failed_task_exits_1_after_printing_its_report() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("failed-task");
    let (q, url) = qcapi(&home, &emulator);
    let b = Account::demo_b();
    let vpc = |q: &Qcapi, name: &str, cidr: &str, region: &str| {
        text(
            &q.run(&[
                "--endpoint",
                &url,
                "--region",
                region,
                "CreateVpc",
                "--vpcName",
                name,
                "--cidrBlock",
                cidr,
            ])
            .json(),
            "unVpcId",
        )
    };
    let vpc_a = vpc(&q, "a", "10.0.0.0/16", "gz");
    let vpc_b = vpc(&Qcapi::new(&home).account(&b), "b", "10.1.0.0/16", "sh");
    let created = q
        .run(&[
            "--endpoint",
            &url,
            "CreateVpcPeeringConnectionEx",
            "--vpcId",
            &vpc_a,
            "--peerVpcId",
            &vpc_b,
            "--peerUin",
            &b.uin,
            "--peeringConnectionName",
            "x",
            "--peerRegion",
            "sh",
            "--bandwidth",
            "10",
        ])
        .json();
    let peering = text(&created, "uniqVpcPeerId");
    // The initiator cannot accept its own request: the task fails.
    let run = q.run(&[
        "--endpoint",
        &url,
        "AcceptVpcPeeringConnectionEx",
        "--peeringConnectionId",
        &peering,
        "--wait",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    let documents: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&run.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("JSON documents");
    assert_eq!(documents.len(), 2, "{run:#?}");
    assert_eq!(documents[1]["outcome"], "failed");
    assert_eq!(documents[1]["status"], 1);
    assert!(run.stderr.contains("failed"), "{}", run.stderr);

    // --wait on a synchronous action: nothing to wait for, and success.
    let run = q.run(&["--endpoint", &url, "DescribeVpcEx", "--wait"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("synchronous"), "{}", run.stderr);
}
