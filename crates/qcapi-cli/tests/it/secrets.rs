//! No secret in any output: the SecretKey, the session token and the Signature
//! never appear on stdout or stderr, with or without `-v`, on success and on every
//! kind of error. `--dry-run` is the one documented exception (it prints the
//! signed request). `-v` shows the call span with the SecretId masked.

use crate::common;

use common::{Home, Qcapi};
use qcapi_emulator::{Account, Emulator};

const TOKEN: &str = "tok-NEVER-SHOW-ME-5551";
const WRONG_KEY: &str = "wrong-key-NEVER-SHOW-ME-777";

fn assert_clean(run: &common::Run, secrets: &[&str], what: &str) {
    let all = run.all();
    for secret in secrets {
        assert!(!all.contains(secret), "{what}: `{secret}` leaked: {run:#?}");
    }
    // A quoted request (an echoing server's body) may name them, masked.
    for name in ["Signature=", "Token="] {
        let unmasked = all
            .match_indices(name)
            .any(|(at, _)| !all[at + name.len()..].starts_with("<redacted>"));
        assert!(!unmasked, "{what}: a `{name}` value leaked: {run:#?}");
    }
}

#[test]
fn no_secret_in_any_output_with_or_without_verbose() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("secrets");
    let a = Account::demo_a();
    let url = emulator.base_url();
    let q = Qcapi::new(&home)
        .account(&a)
        .env("TENCENTCLOUD_SESSION_TOKEN", TOKEN)
        .env("TENCENTCLOUD_REGION", "gz");
    let secrets = [a.secret_key.as_str(), TOKEN, WRONG_KEY];
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let closed = format!("http://127.0.0.1:{closed_port}");

    let vpc = q
        .run(&[
            "--endpoint",
            &url,
            "CreateVpc",
            "--vpcName",
            "s",
            "--cidrBlock",
            "10.0.0.0/16",
        ])
        .json()["unVpcId"]
        .as_str()
        .expect("a VPC")
        .to_owned();
    let b = Account::demo_b();
    let vpc_b = Qcapi::new(&home)
        .account(&b)
        .run(&[
            "--endpoint",
            &url,
            "--region",
            "sh",
            "CreateVpc",
            "--vpcName",
            "b",
            "--cidrBlock",
            "10.1.0.0/16",
        ])
        .json()["unVpcId"]
        .as_str()
        .expect("a VPC")
        .to_owned();

    // (description, environment, arguments, expected exit code)
    let wrong_key = q.clone().env("TENCENTCLOUD_SECRET_KEY", WRONG_KEY);
    let cases: Vec<(&str, &Qcapi, Vec<&str>, i32)> = vec![
        ("success", &q, vec!["--endpoint", &url, "DescribeVpcEx"], 0),
        (
            "success, POST",
            &q,
            vec![
                "--endpoint",
                &url,
                "--http-method",
                "POST",
                "DescribeVpcEx",
                "--limit",
                "1",
            ],
            0,
        ),
        (
            "waited task",
            &q,
            vec![
                "--endpoint",
                &url,
                "CreateVpcPeeringConnectionEx",
                "--vpcId",
                &vpc,
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
                "--wait",
            ],
            0,
        ),
        (
            "API error",
            &q,
            vec![
                "--endpoint",
                &url,
                "RejectVpcPeeringConnection",
                "--peeringConnectionId",
                "pcx-none",
            ],
            1,
        ),
        (
            "authentication failure",
            &wrong_key,
            vec!["--endpoint", &url, "DescribeVpcEx"],
            1,
        ),
        (
            "invalid input",
            &q,
            vec![
                "--endpoint",
                &url,
                "CreateVpc",
                "--vpcName",
                "",
                "--cidrBlock",
                "c",
            ],
            1,
        ),
        (
            "transport failure with retries",
            &q,
            vec!["--endpoint", &closed, "--retries", "1", "DescribeVpcEx"],
            1,
        ),
        (
            "usage error",
            &q,
            vec!["--endpoint", &url, "RejectVpcPeeringConnection"],
            2,
        ),
        (
            "call",
            &q,
            vec!["--endpoint", &url, "call", "DescribeVpcEx", "limit=1"],
            0,
        ),
    ];
    for verbosity in [None, Some("-v"), Some("-vv"), Some("-vvv")] {
        for (what, q, args, code) in &cases {
            let mut args = args.clone();
            args.extend(verbosity);
            let run = q.run(&args);
            let what = format!("{what} {verbosity:?}");
            assert_eq!(run.code, *code, "{what}: {run:#?}");
            assert_clean(&run, &secrets, &what);
        }
    }

    // A profile file with a token: the same.
    home.write(
        ".tencentcloud/credentials",
        &format!(
            "[default]\nsecret_id={}\nsecret_key={}\ntoken={TOKEN}\nregion=gz\n",
            a.secret_id, a.secret_key
        ),
    );
    let run = Qcapi::new(&home).run(&["--endpoint", &url, "-vv", "DescribeVpcEx"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_clean(&run, &secrets, "profile with a token");
}

#[test]
fn verbose_shows_the_call_span_with_the_secret_id_masked() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("verbose");
    let q = Qcapi::new(&home)
        .account(&Account::demo_a())
        .env("TENCENTCLOUD_REGION", "gz");
    let url = emulator.base_url();

    let quiet = q.run(&["--endpoint", &url, "DescribeVpcEx"]);
    assert_eq!(quiet.code, 0);
    assert_eq!(quiet.stderr, "", "nothing logged without -v");

    let run = q.run(&["--endpoint", &url, "-v", "DescribeVpcEx"]);
    assert_eq!(run.code, 0, "{run:#?}");
    for fragment in [
        "qcapi.call",
        "action=\"DescribeVpcEx\"",
        "correlation_id=",
        "secret_id=AKID****0001",
        "attempt=1",
        "latency_ms=",
        "outcome=\"ok\"",
    ] {
        assert!(
            run.stderr.contains(fragment),
            "lacks {fragment}: {}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains(qcapi_emulator::DEMO_A_SECRET_ID),
        "the SecretId is masked"
    );
    assert!(!run.stderr.contains("DEBUG"), "-v is INFO: {}", run.stderr);
    serde_json::from_str::<serde_json::Value>(&run.stdout).expect("stdout is still just JSON");

    let debug = q.run(&["--endpoint", &url, "-vv", "DescribeVpcEx"]);
    assert!(debug.stderr.contains("DEBUG"), "{}", debug.stderr);

    let failed = q.run(&[
        "--endpoint",
        &url,
        "-v",
        "RejectVpcPeeringConnection",
        "--peeringConnectionId",
        "pcx-0",
    ]);
    assert!(
        failed.stderr.contains("outcome=\"error\""),
        "{}",
        failed.stderr
    );
}

#[test]
fn dry_run_is_the_documented_exception() {
    let home = Home::new("dry-exception");
    let q = Qcapi::new(&home)
        .account(&Account::demo_a())
        .env("TENCENTCLOUD_SESSION_TOKEN", TOKEN);
    let run = q.run(&["--dry-run", "DescribeVpcEx", "-vv"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout.contains(&format!("Token={TOKEN}")),
        "the signed request carries the token"
    );
    assert!(run.stdout.contains("Signature="));
    assert!(
        !run.stdout.contains(qcapi_emulator::DEMO_A_SECRET_KEY),
        "never the key itself"
    );
    assert!(!run.stderr.contains(TOKEN), "{}", run.stderr);
    let help = q.run(&["DescribeVpcEx", "--help"]);
    assert!(
        help.stdout.contains("Signature") && help.stdout.contains("Token"),
        "--dry-run's help says so"
    );
}

/// Every action with a secret parameter, run with `-vv` against the emulator and
/// against a server that echoes the request: the secret's value appears nowhere.
#[test]
fn secret_parameters_never_show_even_with_vv() {
    use qcapi_core::spec::FieldType;
    const SECRET: &str = "psk-NEVER-SHOW-ME-4242";
    let emulator = Emulator::start().expect("emulator");
    let echo = qcapi_tests::hostile::HostileServer::start(qcapi_tests::hostile::Behavior::echo());
    let home = Home::new("secret-params");
    let q = Qcapi::new(&home)
        .account(&Account::demo_a())
        .env("TENCENTCLOUD_REGION", "gz");
    let with_secrets: Vec<_> = qcapi_core::vpc::catalog::ACTIONS
        .iter()
        .filter(|a| a.params.iter().any(|p| p.secret))
        .collect();
    assert!(
        !with_secrets.is_empty(),
        "the catalog marks secret parameters"
    );
    for action in with_secrets {
        let mut args = vec!["-vv".to_owned(), action.name.to_owned()];
        for p in action.params.iter().filter(|p| p.required || p.secret) {
            let value = match (p.secret, p.ty) {
                (true, _) => SECRET.to_owned(),
                (false, FieldType::String) => "x-1".to_owned(),
                (false, FieldType::Integer) => "1".to_owned(),
                (false, other) => panic!("{}: extend this test for {other:?}", p.name),
            };
            args.extend([format!("--{}", p.name), value]);
        }
        for endpoint in [emulator.base_url(), echo.url()] {
            let mut full = vec![
                "--endpoint".to_owned(),
                endpoint.clone(),
                "--retries".to_owned(),
                "1".to_owned(),
            ];
            full.extend(args.iter().cloned());
            let full: Vec<&str> = full.iter().map(String::as_str).collect();
            let run = q.run(&full);
            assert!(
                run.all().contains("qcapi.call"),
                "{} against {endpoint}: -vv traced the call: {run:#?}",
                action.name
            );
            assert_clean(
                &run,
                &[SECRET],
                &format!("{} -vv against {endpoint}", action.name),
            );
        }
    }
    assert!(
        echo.request_bodies()
            .iter()
            .zip(echo.request_heads())
            .any(|(body, head)| head.contains(SECRET)
                || String::from_utf8_lossy(body).contains(SECRET)),
        "the secret was sent: the test would see a leak"
    );
}
