//! The `qcapi-emulator` binary: flags, the `listening on` line, serving, usage errors.

use qcapi_tests::wire as common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use common::expect_ok;
use qcapi_core::vpc;
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::process::KillOnDrop;

const BIN: &str = env!("CARGO_BIN_EXE_qcapi-emulator");

/// Starts the binary and reads stdout up to the `listening on` line.
pub(crate) fn spawn(args: &[&str]) -> (KillOnDrop, Vec<String>, String) {
    let child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the binary");
    let mut running = KillOnDrop(child);
    let stdout = running.0.stdout.take().expect("piped stdout");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        if let Some(url) = line.strip_prefix("listening on ") {
            let url = url.to_owned();
            return (running, lines, url);
        }
        lines.push(line);
    }
    panic!("the binary exited without listening; printed {lines:?}");
}

#[test]
fn serves_with_demo_accounts() {
    let (_running, lines, url) = spawn(&["--listen", "127.0.0.1:0"]);
    assert_eq!(
        lines,
        [
            format!(
                "account {}:{}:{}",
                qcapi_emulator::DEMO_A_SECRET_ID,
                qcapi_emulator::DEMO_A_SECRET_KEY,
                qcapi_emulator::DEMO_A_UIN
            ),
            format!(
                "account {}:{}:{}",
                qcapi_emulator::DEMO_B_SECRET_ID,
                qcapi_emulator::DEMO_B_SECRET_KEY,
                qcapi_emulator::DEMO_B_UIN
            ),
        ]
    );
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "the real port is printed: {url}");
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let body = call_at(port, &Account::demo_b());
    expect_ok(body);
}

#[test]
fn custom_accounts_and_quirks() {
    let (_running, lines, url) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--account",
        "AKIDcli:cli-key:777",
        "--string-quirks",
    ]);
    assert!(
        lines.is_empty(),
        "custom accounts are not printed: {lines:?}"
    );
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let body = call_at(port, &Account::new("AKIDcli", "cli-key", "777"));
    assert_eq!(body["code"], "0", "{body}");
    let body = call_at(port, &Account::demo_a());
    assert_eq!(body["code"], "4104", "{body}");
}

#[test]
fn bad_flags_exit_with_2() {
    for args in [
        &["--listen", "not-an-address"][..],
        &["--account", "missing-parts"],
        &["--bogus"],
        &["--clock-offset", "an-hour"],
        &["--credential-lifetime", "0"],
        &["--web-identity", "no-token"],
    ] {
        let status = Command::new(BIN)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run the binary");
        assert_eq!(status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn long_help_documents_the_admin_endpoints_and_limits() {
    let output = Command::new(BIN)
        .arg("--help")
        .output()
        .expect("run the binary");
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "POST   /_emulator/clock/advance?seconds=N",
        "GET    /_emulator/faults",
        "POST   /_emulator/faults",
        "DELETE /_emulator/faults",
        "GET    /_emulator/limits",
        "--default-vpc",
        "POST   /_emulator/limits",
        "DELETE /_emulator/limits",
        "\"kind\":\"latency\",\"millis\"",
        "--header-read-timeout <DURATION>",
        "[default: 10s]",
        "--idle-timeout <DURATION>",
        "[default: 60s]",
        "--max-connections <N>",
        "[default: 1024]",
        "GET    /latest/meta-data/cam/security-credentials/NAME",
        "X-TC-Action: AssumeRoleWithWebIdentity",
        "Action=AssumeRole&Version=2018-08-13",
        "/_emulator/instance-role",
        "Timestamp = <the emulator's UNIX time>",
        "--instance-role <NAME=SECRET_ID>",
        "--role <NAME=SECRET_ID>",
        "--web-identity <PROVIDER_ID=TOKEN>",
        "--credential-lifetime <SECONDS>",
        "[default: 7200]",
        "--clock-offset <SECONDS>",
    ] {
        assert!(
            help.contains(expected),
            "`{expected}` missing from:\n{help}"
        );
    }
}

#[test]
fn limit_flags_are_applied() {
    // A silent connection is closed by the header-read timeout set on the command line.
    let (_running, _, url) = spawn(&["--listen", "127.0.0.1:0", "--header-read-timeout", "200ms"]);
    let addr = url.trim_start_matches("http://");
    let mut silent = std::net::TcpStream::connect(addr).expect("connect");
    silent
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let mut buf = [0; 16];
    let read = std::io::Read::read(&mut silent, &mut buf);
    assert!(matches!(read, Ok(0)), "{read:?}");
}

#[test]
fn credential_and_clock_flags_are_applied() {
    let instance_role = format!("qcapi-role={}", qcapi_emulator::DEMO_A_SECRET_ID);
    let role = format!("deployer={}", qcapi_emulator::DEMO_B_SECRET_ID);
    let (_running, lines, url) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--instance-role",
        &instance_role,
        "--role",
        &role,
        "--web-identity",
        "tke-oidc=cli-web-token",
        "--credential-lifetime",
        "60",
        "--clock-offset",
        "-3600",
    ]);
    // Roles are announced; the web identity token is a secret and is not.
    assert!(
        lines.contains(&"role qcs::cam::uin/100000000002:roleName/deployer".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"instance-role qcs::cam::uin/100000000001:roleName/qcapi-role".to_owned()),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("cli-web-token")),
        "{lines:?}"
    );

    let mut response = common::agent()
        .get(format!(
            "{url}/latest/meta-data/cam/security-credentials/qcapi-role"
        ))
        .call()
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value =
        serde_json::from_str(&response.body_mut().read_to_string().expect("a body")).expect("json");
    let expired = body["ExpiredTime"].as_i64().expect("ExpiredTime");
    let real = i64::try_from(common::now()).expect("a sane clock");
    // An hour behind, plus the 60 s lifetime.
    assert!((expired - (real - 3600 + 60)).abs() <= 2, "{body}");

    // A client on the real clock is an hour ahead of this emulator.
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let body = call_at(port, &Account::demo_a());
    assert_eq!(body["code"], 4500, "{body}");
}

#[test]
fn a_role_of_an_unknown_account_is_an_error() {
    let output = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--instance-role", "r=AKIDnobody"])
        .output()
        .expect("run the binary");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no account has SecretId `AKIDnobody`")
    );
}

#[test]
fn a_taken_port_is_an_error() {
    let emulator = Emulator::start().expect("start");
    let addr = emulator.addr().to_string();
    let output = Command::new(BIN)
        .args(["--listen", &addr])
        .output()
        .expect("run the binary");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot listen"));
}

/// Calls DescribeVpcEx as `account` on the binary listening at `port`.
fn call_at(port: u16, account: &Account) -> serde_json::Value {
    let config = qcapi_core::Config::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .credentials(account.credentials())
        .region("gz")
        .build()
        .expect("config");
    let request = qcapi_core::build_request(
        &vpc::DescribeVpcEx::new(),
        &config,
        qcapi_core::SignContext::new(common::now(), common::nonce()),
    )
    .expect("request");
    let (status, body) = common::send(&request);
    assert_eq!(status, 200);
    body
}
