//! Both seed flows from a shell, step by step, against an in-process emulator:
//! A asks B to peer and B rejects (state 3); a cross-region request created with
//! `--wait` expires after 7 days (state 2) and `--wait`ed EnableVpcPeeringConnectionEx
//! makes it pending again (state 0).

use crate::common;

use std::time::Duration;

use common::{Home, Qcapi, int, text};
use qcapi_emulator::{Account, Emulator};
use serde_json::Value;

/// One way to pass the global options: before the action, or after its flags.
#[derive(Clone, Copy, Debug)]
struct Style {
    globals: &'static [&'static str],
    after: bool,
}

/// The binary as one account, against the emulator.
struct Shell {
    q: Qcapi,
    endpoint: String,
    style: Style,
}

impl Shell {
    fn new(
        home: &Home,
        emulator: &Emulator,
        account: &Account,
        region: &str,
        style: Style,
    ) -> Self {
        Self {
            q: Qcapi::new(home)
                .account(account)
                .env("TENCENTCLOUD_REGION", region),
            endpoint: emulator.base_url(),
            style,
        }
    }

    fn run(&self, action: &[&str]) -> common::Run {
        let mut globals = vec!["--endpoint", self.endpoint.as_str(), "--timeout", "10"];
        globals.extend(self.style.globals);
        let args: Vec<&str> = if self.style.after {
            action.iter().chain(&globals).copied().collect()
        } else {
            globals.iter().chain(action).copied().collect()
        };
        self.q.run(&args)
    }

    fn call(&self, action: &[&str]) -> Value {
        let response = self.run(action).json();
        assert_eq!(int(&response["code"]), 0, "{action:?}: {response}");
        response
    }

    /// Runs an asynchronous action with `--wait`: its response, then the task report.
    fn call_and_wait(&self, action: &[&str]) -> (Value, Value) {
        let mut args = action.to_vec();
        args.push("--wait");
        let run = self.run(&args);
        assert_eq!(run.stderr, "", "no spinner when stderr is not a terminal");
        let documents = run.json_documents();
        let [response, report] = documents.as_slice() else {
            panic!("expected the response and the task report: {run:#?}");
        };
        assert_eq!(int(&response["code"]), 0, "{response}");
        (response.clone(), report.clone())
    }

    fn state(&self, peering: &str) -> i64 {
        let out = self.call(&[
            "DescribeVpcPeeringConnections",
            "--peeringConnectionId",
            peering,
        ]);
        assert_eq!(int(&out["totalCount"]), 1, "{out}");
        int(&out["data"][0]["state"])
    }

    fn create_vpc(&self, name: &str, cidr: &str) -> String {
        text(
            &self.call(&["CreateVpc", "--vpcName", name, "--cidrBlock", cidr]),
            "unVpcId",
        )
    }
}

fn seed_flows(style: Style) {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("seed");
    let (a, b) = (Account::demo_a(), Account::demo_b());
    let shell_a = Shell::new(&home, &emulator, &a, "gz", style);
    let shell_b = Shell::new(&home, &emulator, &b, "gz", style);
    let shell_b_sh = Shell::new(&home, &emulator, &b, "sh", style);

    // Seed flow 1: A asks, B rejects, Describe shows 3.
    let created = shell_a.call(&[
        "CreateVpc",
        "--vpcName",
        "a-vpc",
        "--cidrBlock",
        "10.0.0.0/16",
        "--subnetSet",
        r#"[{"subnetName":"a-subnet","cidrBlock":"10.0.1.0/24","zoneId":100003}]"#,
    ]);
    assert_eq!(created["subnetSet"][0]["subnetName"], "a-subnet");
    let vpc_a = text(&created, "unVpcId");
    let vpc_b = shell_b.create_vpc("b-vpc", "10.1.0.0/16");
    let peering = text(
        &shell_a.call(&[
            "CreateVpcPeeringConnection",
            "--vpcId",
            &vpc_a,
            "--peerVpcId",
            &vpc_b,
            "--peerUin",
            &b.uin,
            "--peeringConnectionName",
            "a-to-b",
        ]),
        "peeringConnectionId",
    );
    assert_eq!(shell_b.state(&peering), 0, "pending");
    shell_b.call(&[
        "RejectVpcPeeringConnection",
        "--peeringConnectionId",
        &peering,
    ]);
    assert_eq!(shell_a.state(&peering), 3, "rejected");

    // Seed flow 2: a cross-region request, waited for; it expires; Enable, waited for.
    let vpc_sh = shell_b_sh.create_vpc("b-vpc-sh", "10.2.0.0/16");
    let (response, report) = shell_a.call_and_wait(&[
        "CreateVpcPeeringConnectionEx",
        "--vpcId",
        &vpc_a,
        "--peerVpcId",
        &vpc_sh,
        "--peerUin",
        &b.uin,
        "--peeringConnectionName",
        "cross",
        "--peerRegion",
        "sh",
        "--bandwidth",
        "20",
    ]);
    assert_eq!(report["outcome"], "succeeded", "{report}");
    assert_eq!(report["status"], 0);
    assert_eq!(report["taskId"], response["taskId"]);
    let cross = text(&response, "uniqVpcPeerId");
    assert_eq!(shell_a.state(&cross), 0);
    emulator.advance_clock(Duration::from_secs(8 * 24 * 3600));
    assert_eq!(shell_a.state(&cross), 2, "expired after 7 days");
    let (_, report) = shell_a.call_and_wait(&[
        "EnableVpcPeeringConnectionEx",
        "--peeringConnectionId",
        &cross,
    ]);
    assert_eq!(report["outcome"], "succeeded", "{report}");
    assert_eq!(shell_a.state(&cross), 0, "pending again");
}

#[test]
fn seed_flows_with_get_and_hmac_sha256_and_options_first() {
    seed_flows(Style {
        globals: &[],
        after: false,
    });
}

#[test]
fn seed_flows_with_post_and_hmac_sha1_and_options_last() {
    seed_flows(Style {
        globals: &["--http-method", "POST", "--signature-method", "HmacSHA1"],
        after: true,
    });
}

#[test]
fn table_output() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("table");
    let shell = Shell::new(
        &home,
        &emulator,
        &Account::demo_a(),
        "gz",
        Style {
            globals: &["--output", "table"],
            after: false,
        },
    );
    let created = shell.run(&["CreateVpc", "--vpcName", "t", "--cidrBlock", "10.9.0.0/16"]);
    assert_eq!(created.code, 0, "{created:#?}");
    assert!(
        created
            .stdout
            .lines()
            .any(|l| l.starts_with("unVpcId ") && l.contains("vpc-")),
        "key/value lines: {}",
        created.stdout
    );
    let listed = shell.run(&["DescribeVpcEx"]);
    assert_eq!(listed.code, 0, "{listed:#?}");
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a header and one row: {lines:?}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert!(
        header.contains(&"vpcName") && header.contains(&"unVpcId"),
        "{header:?}"
    );
    assert!(lines[1].contains("10.9.0.0/16"), "{}", lines[1]);
}
