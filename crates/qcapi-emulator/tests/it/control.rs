//! The control plane: reset (everything, or one account and region) and the clock,
//! over HTTP and as `Emulator` methods.

use qcapi_core::{Config, HttpMethod, SignContext, build_request, vpc};
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::wire::{expect_ok, nonce, now, send};
use serde_json::Value;

/// Calls `action` as `account` in `region`; returns the success body.
fn call_in(
    emulator: &Emulator,
    account: &Account,
    region: &str,
    action: &impl qcapi_core::Action,
) -> Value {
    expect_ok(answer_in(emulator, account, region, action))
}

/// Calls `action` as `account` in `region`; returns the body, success or not.
fn answer_in(
    emulator: &Emulator,
    account: &Account,
    region: &str,
    action: &impl qcapi_core::Action,
) -> Value {
    let config = Config::builder()
        .endpoint(emulator.base_url())
        .credentials(account.credentials())
        .region(region)
        .http_method(HttpMethod::Get)
        .build()
        .expect("a valid configuration");
    let request =
        build_request(action, &config, SignContext::new(now(), nonce())).expect("a valid request");
    let (status, body) = send(&request);
    assert_eq!(status, 200, "{body}");
    body
}

fn vpc_count(emulator: &Emulator, account: &Account, region: &str) -> i64 {
    let body = call_in(emulator, account, region, &vpc::DescribeVpcEx::new());
    body["totalCount"].as_i64().unwrap_or(-1)
}

fn admin(emulator: &Emulator, method: &str, path_and_query: &str) -> (u16, Value) {
    qcapi_tests::wire::admin(emulator, method, path_and_query, None)
}

#[test]
fn reset_of_one_account_and_region_leaves_the_others() {
    let emulator = Emulator::start().expect("start");
    let (a, b) = (Account::demo_a(), Account::demo_b());
    for (account, region, cidr) in [
        (&a, "gz", "10.1.0.0/16"),
        (&a, "sh", "10.2.0.0/16"),
        (&b, "gz", "10.3.0.0/16"),
    ] {
        call_in(&emulator, account, region, &vpc::CreateVpc::new("v", cidr));
    }
    // A peering from a's gz VPC to b's: it has a side in the reset scope.
    let mine =
        call_in(&emulator, &a, "gz", &vpc::DescribeVpcEx::new())["data"][0]["unVpcId"].clone();
    let theirs =
        call_in(&emulator, &b, "gz", &vpc::DescribeVpcEx::new())["data"][0]["unVpcId"].clone();
    let (mine, theirs) = (
        mine.as_str().unwrap_or_default(),
        theirs.as_str().unwrap_or_default(),
    );
    call_in(
        &emulator,
        &a,
        "gz",
        &vpc::CreateVpcPeeringConnection::new(mine, theirs, &b.uin, "p"),
    );

    let (status, body) = admin(
        &emulator,
        "POST",
        &format!("/_emulator/reset?account={}&region=gz", a.uin),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["vpcs"].as_i64(), body["peerings"].as_i64()),
        (Some(1), Some(1)),
        "{body}"
    );
    assert_eq!(vpc_count(&emulator, &a, "gz"), 0);
    assert_eq!(vpc_count(&emulator, &a, "sh"), 1);
    assert_eq!(vpc_count(&emulator, &b, "gz"), 1);
    let peerings = call_in(
        &emulator,
        &b,
        "gz",
        &vpc::DescribeVpcPeeringConnections::new(),
    );
    assert_eq!(peerings["totalCount"].as_i64(), Some(0), "{peerings}");

    // The Rust twin does the same.
    assert_eq!(emulator.reset_account(&a.uin, "sh"), (1, 0));
    assert_eq!(vpc_count(&emulator, &a, "sh"), 0);
}

#[test]
fn reset_of_everything_forgets_resources_counts_and_faults_but_not_accounts_or_the_clock() {
    let emulator = Emulator::start().expect("start");
    let a = Account::demo_a();
    let created = call_in(
        &emulator,
        &a,
        "gz",
        &vpc::CreateVpc::new("v", "10.1.0.0/16"),
    );
    let first_id = created["vpcId"].clone();
    emulator.inject(qcapi_emulator::Fault::http_status(503).for_action("DeleteVpc"));
    emulator.advance_clock(std::time::Duration::from_secs(60));

    let (status, body) = admin(&emulator, "POST", "/_emulator/reset");
    assert_eq!(
        (status, &body["reset"]),
        (200, &Value::from("all")),
        "{body}"
    );
    assert_eq!(emulator.request_count("CreateVpc"), 0);
    assert_eq!(vpc_count(&emulator, &a, "gz"), 0);
    let (_, clock) = admin(&emulator, "GET", "/_emulator/clock");
    assert_eq!(clock["offsetSeconds"], 60, "{clock}");
    // Ids keep counting: a new VPC never takes a forgotten one's id.
    let again = call_in(
        &emulator,
        &a,
        "gz",
        &vpc::CreateVpc::new("v", "10.1.0.0/16"),
    );
    assert_ne!(again["vpcId"], first_id, "{again}");
    // The fault went with the reset.
    let id = again["vpcId"].as_str().unwrap_or_default().to_owned();
    call_in(&emulator, &a, "gz", &vpc::DeleteVpc::new(id));

    emulator.reset();
    assert_eq!(vpc_count(&emulator, &a, "gz"), 0);
}

#[test]
fn the_clock_endpoint_shows_emulator_time_and_bad_reset_queries_are_refused() {
    let emulator = Emulator::start().expect("start");
    let (status, before) = admin(&emulator, "GET", "/_emulator/clock");
    assert_eq!(
        (status, &before["offsetSeconds"]),
        (200, &Value::from(0)),
        "{before}"
    );
    emulator.advance_clock(std::time::Duration::from_secs(86_400));
    let (_, after) = admin(&emulator, "GET", "/_emulator/clock");
    assert_eq!(after["offsetSeconds"], 86_400, "{after}");
    let moved = after["now"].as_i64().unwrap_or(0) - before["now"].as_i64().unwrap_or(0);
    assert!((86_400..86_400 + 60).contains(&moved), "{before} {after}");
    let drift = emulator.now() - after["now"].as_i64().unwrap_or(0);
    assert!(
        (0..60).contains(&drift),
        "the endpoint and Emulator::now agree: {after}"
    );
    for bad in ["?account=1", "?region=gz", "?account=&region=gz"] {
        let (status, body) = admin(&emulator, "POST", &format!("/_emulator/reset{bad}"));
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

#[test]
fn the_journal_lists_calls_in_order_with_secrets_masked_and_is_bounded() {
    let emulator = Emulator::builder()
        .journal_capacity(2)
        .start()
        .expect("start");
    let a = Account::demo_a();
    call_in(&emulator, &a, "gz", &vpc::DescribeVpcEx::new());
    call_in(
        &emulator,
        &a,
        "sh",
        &vpc::CreateVpc::new("j", "10.9.0.0/16"),
    );
    let config = Config::builder()
        .endpoint(emulator.base_url())
        .credentials(a.credentials())
        .region("gz")
        .build()
        .expect("config");
    let missing = build_request(
        &vpc::DeleteVpc::new("vpc-00000000"),
        &config,
        SignContext::new(now(), nonce()),
    )
    .expect("request");
    send(&missing);

    let (status, body) = admin(&emulator, "GET", "/_emulator/requests");
    assert_eq!(status, 200, "{body}");
    let entries = body["requests"].as_array().cloned().unwrap_or_default();
    let seen: Vec<(&str, &str, i64)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["region"].as_str().unwrap_or(""),
                e["code"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [("CreateVpc", "sh", 0), ("DeleteVpc", "gz", 5000)],
        "{body}"
    );
    assert_eq!(body["dropped"], 1, "{body}");
    assert_eq!(entries[1]["account"], a.uin.as_str(), "{body}");
    assert_eq!(entries[1]["codeDesc"], "InvalidVpc.NotFound", "{body}");
    assert_eq!(entries[1]["params"]["vpcId"], "vpc-00000000", "{body}");
    assert_eq!(
        entries[1]["params"]["Signature"],
        qcapi_core::redact::REDACTED,
        "{body}"
    );
    assert!(
        !body.to_string().contains(&a.secret_id),
        "the SecretId is masked: {body}"
    );

    let typed = emulator.requests();
    assert_eq!(typed.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 3]);
    let (status, cleared) = admin(&emulator, "DELETE", "/_emulator/requests");
    assert_eq!(
        (status, &cleared["cleared"]),
        (200, &Value::from(2)),
        "{cleared}"
    );
    assert!(emulator.requests().is_empty());
}

#[test]
fn state_dumps_one_account_and_region_in_describe_shapes() {
    let emulator = Emulator::start().expect("start");
    let (a, b) = (Account::demo_a(), Account::demo_b());
    call_in(
        &emulator,
        &a,
        "gz",
        &vpc::CreateVpc::new("mine", "10.1.0.0/16"),
    );
    call_in(
        &emulator,
        &a,
        "sh",
        &vpc::CreateVpc::new("elsewhere", "10.2.0.0/16"),
    );
    call_in(
        &emulator,
        &b,
        "gz",
        &vpc::CreateVpc::new("theirs", "10.3.0.0/16"),
    );

    let (status, dumped) = admin(
        &emulator,
        "GET",
        "/_emulator/state?account=100000000001&region=gz",
    );
    assert_eq!(status, 200, "{dumped}");
    assert_eq!(
        (dumped["account"].as_str(), dumped["region"].as_str()),
        (Some(a.uin.as_str()), Some("gz"))
    );
    // The VPC list is exactly what DescribeVpcEx answers, and only account A's gz VPC.
    let described = call_in(&emulator, &a, "gz", &vpc::DescribeVpcEx::new());
    assert_eq!(dumped["vpcs"], described["data"], "{dumped}");
    assert_eq!(dumped["vpcs"].as_array().map(Vec::len), Some(1), "{dumped}");
    assert_eq!(emulator.state(&a.uin, "gz"), dumped);

    for bad in [
        "/_emulator/state",
        "/_emulator/state?account=100000000001",
        "/_emulator/state?account=&region=gz",
    ] {
        let (status, body) = admin(&emulator, "GET", bad);
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

#[test]
fn bare_metal_vpcs_are_seeded_over_http() {
    let emulator = Emulator::start().expect("start");
    let a = Account::demo_a();
    let seed = |query: &str| admin(&emulator, "POST", &format!("/_emulator/bm-vpcs{query}"));
    let query = format!("?account={}&region=gz&name=bm&cidrBlock=10.0.0.0/16", a.uin);
    let (status, body) = seed(&query);
    assert_eq!(status, 200, "{body}");
    assert!(
        body["vpcId"]
            .as_str()
            .is_some_and(|id| id.starts_with("vpc-")),
        "{body}"
    );
    let (status, body) = seed(&query);
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("InvalidVpcName.InUse")),
        "{body}"
    );
    assert_eq!(seed("?account=1&region=gz").0, 400);
    let state = emulator.state(&a.uin, "gz");
    assert_eq!(state["bmVpcs"][0]["vpcName"], "bm", "{state}");
    assert_eq!(state["vpcs"], serde_json::json!([]));
}

#[test]
fn limits_are_listed_set_enforced_and_restored_over_http() {
    let emulator = Emulator::start().expect("start");
    let a = Account::demo_a();
    let (status, body) = admin(&emulator, "GET", "/_emulator/limits");
    assert_eq!(
        (status, &body["limits"]["0"]),
        (200, &Value::from(20)),
        "{body}"
    );

    let set =
        |body: &str| qcapi_tests::wire::admin(&emulator, "POST", "/_emulator/limits", Some(body));
    let (status, body) = set(r#"{"0":1}"#);
    assert_eq!(
        (status, &body["limits"]["0"]),
        (200, &Value::from(1)),
        "{body}"
    );
    for refused in [r#"{"999":1}"#, r#"{"0":-1}"#, r#"{"0":"x"}"#, "[]"] {
        let (status, body) = set(refused);
        assert_eq!(status, 400, "{refused}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    let (_, body) = admin(&emulator, "GET", "/_emulator/limits");
    assert_eq!(body["limits"]["0"], 1, "a refusal changes nothing: {body}");

    call_in(
        &emulator,
        &a,
        "gz",
        &vpc::CreateVpc::new("one", "10.1.0.0/16"),
    );
    let second = vpc::CreateVpc::new("two", "10.2.0.0/16");
    let body = answer_in(&emulator, &a, "gz", &second);
    assert_eq!(body["codeDesc"], "VpcLimitExceeded", "{body}");
    // Another region has a quota of its own.
    call_in(
        &emulator,
        &a,
        "sh",
        &vpc::CreateVpc::new("one", "10.1.0.0/16"),
    );
    let describe = vpc::DescribeVpcLimit::new(vec!["0".to_owned()]);
    let answered = call_in(&emulator, &a, "gz", &describe);
    assert_eq!(answered["data"]["limit"]["0"], 1, "{answered}");

    let (status, body) = admin(&emulator, "DELETE", "/_emulator/limits");
    assert_eq!(
        (status, &body["limits"]["0"]),
        (200, &Value::from(20)),
        "{body}"
    );
    call_in(&emulator, &a, "gz", &second);

    emulator.set_limit("0", 2).expect("a known code");
    let (_, body) = admin(&emulator, "POST", "/_emulator/reset");
    assert_eq!(body["reset"], "all");
    assert_eq!(
        emulator.limits()["0"],
        20,
        "a full reset restores the defaults"
    );
}

#[test]
fn a_default_vpc_is_made_once_per_account_and_region() {
    let emulator = Emulator::builder()
        .default_vpc(true)
        .start()
        .expect("start");
    let (a, b) = (Account::demo_a(), Account::demo_b());
    for (account, region) in [(&a, "gz"), (&a, "gz"), (&a, "sh"), (&b, "gz")] {
        let body = call_in(&emulator, account, region, &vpc::DescribeVpcEx::new());
        assert_eq!(body["totalCount"], 1, "{region}: {body}");
        let vpc = &body["data"][0];
        assert_eq!(vpc["vpcName"], "Default-VPC", "{body}");
        assert_eq!(vpc["cidrBlock"], "172.16.0.0/16", "{body}");
        assert_eq!(vpc["isDefault"], true, "{body}");
        let subnets = call_in(&emulator, account, region, &vpc::DescribeSubnetEx::new());
        let subnet = &subnets["data"][0];
        assert_eq!(subnets["totalCount"], 1, "{subnets}");
        assert_eq!(subnet["subnetName"], "Default-Subnet", "{subnets}");
        assert_eq!(subnet["cidrBlock"], "172.16.0.0/20", "{subnets}");
        assert_eq!(subnet["zoneId"], 100_003, "{subnets}");
        assert_eq!(subnet["isDefault"], true, "{subnets}");
    }
    // A VPC of one's own is not the default.
    call_in(
        &emulator,
        &a,
        "gz",
        &vpc::CreateVpc::new("mine", "10.0.0.0/16"),
    );
    let body = call_in(&emulator, &a, "gz", &vpc::DescribeVpcEx::new());
    let defaults: Vec<&Value> = body["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| &v["isDefault"])
        .collect();
    assert_eq!(body["totalCount"], 2, "{body}");
    assert!(defaults.contains(&&Value::from(false)), "{body}");
    assert_eq!(
        vpc_count(&Emulator::start().expect("start"), &a, "gz"),
        0,
        "off by default"
    );
}
