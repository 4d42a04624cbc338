//! Stateful scenarios over loopback, parsed with qcapi-core's typed outputs:
//! cross-account peering, expiry by clock advance, asynchronous tasks.

use qcapi_tests::wire as common;

use std::time::Duration;

use common::{agent, config, nonce, now, send};
use qcapi_core::{
    Action, HttpMethod, HttpResponse, Output, SignContext, SignatureMethod, build_request,
    parse_response, vpc,
};
use qcapi_emulator::{Account, Emulator};

/// Calls `action` and parses the response with the action's typed output.
fn typed<A: Action>(
    emulator: &Emulator,
    account: &Account,
    action: &A,
) -> Result<A::Output, qcapi_core::Error> {
    let config = config(
        emulator,
        account,
        HttpMethod::Post,
        SignatureMethod::HmacSha256,
    );
    let request =
        build_request(action, &config, SignContext::new(now(), nonce())).expect("a valid request");
    let (status, body) = send(&request);
    parse_response(action, HttpResponse::new(status, body.to_string()))
}

fn api_code<T: std::fmt::Debug>(result: Result<T, qcapi_core::Error>) -> (i64, String) {
    match result {
        Err(qcapi_core::Error::Api(e)) => (e.code, e.code_desc.unwrap_or_default()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn create_vpc(emulator: &Emulator, account: &Account, name: &str, cidr: &str) -> String {
    let out = typed(emulator, account, &vpc::CreateVpc::new(name, cidr)).expect("CreateVpc");
    out.un_vpc_id.expect("unVpcId")
}

fn peering_state(emulator: &Emulator, account: &Account, id: &str) -> Option<i64> {
    let action = vpc::DescribeVpcPeeringConnections::new().peering_connection_id(id);
    let out = typed(emulator, account, &action).expect("Describe");
    out.data?.first()?.state
}

/// Polls a task: the first answer is "running", the next the outcome.
fn task_status(
    emulator: &Emulator,
    account: &Account,
    task_id: i64,
) -> (i64, Option<serde_json::Value>) {
    let action = vpc::DescribeVpcTaskResult::new(task_id);
    let first = typed(emulator, account, &action).expect("task");
    assert_eq!(first.data.and_then(|d| d.status), Some(2));
    let second = typed(emulator, account, &action)
        .expect("task")
        .data
        .expect("data");
    (second.status.expect("status"), second.output)
}

fn run_scenario(string_quirks: bool) {
    let emulator = Emulator::builder()
        .string_quirks(string_quirks)
        .start()
        .expect("start");
    let (a, b) = (Account::demo_a(), Account::demo_b());
    let a_vpc = create_vpc(&emulator, &a, "a-vpc", "10.0.0.0/16");
    let b_vpc = create_vpc(&emulator, &b, "b-vpc", "10.1.0.0/16");
    let b_overlap = create_vpc(&emulator, &b, "b-overlap", "10.0.128.0/20");

    let overlap = vpc::CreateVpcPeeringConnection::new(&a_vpc, &b_overlap, &b.uin, "bad");
    assert_eq!(
        api_code(typed(&emulator, &a, &overlap)),
        (5100, "PeeringConnectionVpcConflict".to_owned())
    );

    let create = vpc::CreateVpcPeeringConnection::new(&a_vpc, &b_vpc, &b.uin, "a-to-b");
    let id = typed(&emulator, &a, &create)
        .expect("create")
        .peering_connection_id
        .expect("id");
    assert_eq!(peering_state(&emulator, &b, &id), Some(0));

    // Seven days of emulator time through the admin endpoint: the request expires.
    let url = format!(
        "{}/_emulator/clock/advance?seconds={}",
        emulator.base_url(),
        7 * 24 * 3600
    );
    let response = agent().post(&url).send_empty().expect("advance");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(peering_state(&emulator, &a, &id), Some(2));

    // Only the initiator revives it; through Ex, a wrong role fails the task.
    let enable = vpc::EnableVpcPeeringConnectionEx::new(&id);
    let out = typed(&emulator, &b, &enable).expect("Ex answers with a task");
    let (status, output) = task_status(&emulator, &b, out.task_id().expect("taskId"));
    assert_eq!(status, 1, "{output:?}");
    assert_eq!(
        output
            .as_ref()
            .and_then(|o| o.get("codeDesc"))
            .and_then(|v| v.as_str()),
        Some("UnsupportedOperation")
    );
    assert_eq!(peering_state(&emulator, &a, &id), Some(2));
    let out = typed(&emulator, &a, &enable).expect("enable");
    assert_eq!(
        task_status(&emulator, &a, out.task_id().expect("taskId")).0,
        0
    );
    assert_eq!(peering_state(&emulator, &a, &id), Some(0));

    // The receiver accepts; the initiator cannot.
    let accept = vpc::AcceptVpcPeeringConnection::new(&id);
    assert_eq!(
        api_code(typed(&emulator, &a, &accept)),
        (5100, "UnsupportedOperation".to_owned())
    );
    typed(&emulator, &b, &accept).expect("accept");
    assert_eq!(peering_state(&emulator, &a, &id), Some(1));

    // The clock no longer matters for an active peering.
    emulator.advance_clock(Duration::from_secs(30 * 24 * 3600));
    assert_eq!(peering_state(&emulator, &b, &id), Some(1));

    let delete_vpc = vpc::DeleteVpc::new(&a_vpc);
    assert_eq!(
        api_code(typed(&emulator, &a, &delete_vpc)),
        (5100, "InvalidVpc.CannotDelete".to_owned())
    );
    typed(&emulator, &b, &vpc::DeleteVpcPeeringConnection::new(&id)).expect("delete");
    assert_eq!(peering_state(&emulator, &a, &id), Some(4));
    typed(&emulator, &a, &delete_vpc).expect("now deletable");
    assert_eq!(
        api_code(typed(&emulator, &a, &delete_vpc)),
        (5000, "InvalidVpc.NotFound".to_owned())
    );

    // Cross-region Ex peering: the peer VPC is looked up in peerRegion.
    let c_vpc = create_vpc(&emulator, &a, "c-vpc", "192.168.0.0/16");
    let ex = vpc::CreateVpcPeeringConnectionEx::new(&c_vpc, &b_vpc, &b.uin, "x", "sh", "20");
    assert_eq!(
        api_code(typed(&emulator, &a, &ex)),
        (5000, "InvalidVpc.NotFound".to_owned())
    );
    let ex = vpc::CreateVpcPeeringConnectionEx::new(&c_vpc, &b_vpc, &b.uin, "x", "gz", "20");
    let out = typed(&emulator, &a, &ex).expect("Ex create");
    let (status, output) = task_status(&emulator, &a, out.task_id().expect("taskId"));
    assert_eq!(status, 0);
    let ex_id = output
        .and_then(|o| o.get("uniqVpcPeerId")?.as_str().map(str::to_owned))
        .expect("uniqVpcPeerId");
    assert_eq!(out.uniq_vpc_peer_id.as_deref(), Some(ex_id.as_str()));
    assert_eq!(peering_state(&emulator, &b, &ex_id), Some(0));

    // Unknown and foreign tasks are not found.
    let missing = vpc::DescribeVpcTaskResult::new(1);
    assert_eq!(
        api_code(typed(&emulator, &a, &missing)),
        (5000, "InvalidTask.NotFound".to_owned())
    );

    assert_eq!(emulator.request_count("AcceptVpcPeeringConnection"), 2);
    assert_eq!(emulator.request_count("CreateVpc"), 4);
}

#[test]
fn peering_life_cycle() {
    run_scenario(false);
}

#[test]
fn peering_life_cycle_with_string_quirks() {
    run_scenario(true);
}

#[test]
fn describe_vpcs_pages() {
    let emulator = Emulator::start().expect("start");
    let a = Account::demo_a();
    for i in 0..5 {
        create_vpc(
            &emulator,
            &a,
            &format!("vpc-{i}"),
            &format!("10.{i}.0.0/16"),
        );
    }
    let out = typed(
        &emulator,
        &a,
        &vpc::DescribeVpcEx::new()
            .offset(1)
            .limit(2)
            .order_direction("desc"),
    )
    .expect("describe");
    assert_eq!(out.total_count, Some(5));
    let names: Vec<String> = out
        .data
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.vpc_name)
        .collect();
    assert_eq!(names, ["vpc-3", "vpc-2"]);
}
