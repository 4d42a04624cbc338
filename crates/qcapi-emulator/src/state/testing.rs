//! What the state machine's unit tests share: callers, a call the way the server makes it, and fixtures.

pub(super) use super::*;
pub(super) use serde_json::{Value, json};

pub(super) const A: &str = "100000000001";
pub(super) const B: &str = "100000000002";
pub(super) const DAY: i64 = 24 * 3600;
pub(super) const T0: i64 = 1_700_000_000;

pub(super) fn caller(uin: &str, region: &str) -> Caller {
    Caller {
        uin: uin.to_owned(),
        region: region.to_owned(),
    }
}

/// Runs `action` like the server does after authentication: validation, then the handler.
pub(super) fn call(
    state: &mut State,
    who: &Caller,
    action: &str,
    pairs: &[(&str, &str)],
    now: i64,
) -> Result<Value, Failure> {
    let spec = qcapi_core::vpc::catalog::find(action).expect("a known action");
    let params: Params = pairs.iter().copied().collect();
    spec.validate(&params)
        .map_err(|e| Failure::invalid_parameter(e.to_string()))?;
    handle(state, who, spec, &params, now, &mut || None)
        .map(|answer| serde_json::from_str(&answer).expect("an answer is JSON"))
}

pub(super) fn ok(result: Result<Value, Failure>) -> Value {
    result.unwrap_or_else(|e| panic!("expected success, got {e:?}"))
}

pub(super) fn err_desc(result: Result<Value, Failure>) -> String {
    match result {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e.code_desc,
    }
}

pub(super) fn create_vpc(state: &mut State, who: &Caller, name: &str, cidr: &str) -> String {
    let out = ok(call(
        state,
        who,
        "CreateVpc",
        &[("vpcName", name), ("cidrBlock", cidr)],
        T0,
    ));
    out["unVpcId"].as_str().expect("unVpcId").to_owned()
}

/// A's VPC 10.0.0.0/16 and B's VPC 10.1.0.0/16 in gz, and a pending A→B peering created at T0.
pub(super) fn pending_pair(state: &mut State) -> String {
    let a_vpc = create_vpc(state, &caller(A, "gz"), "a", "10.0.0.0/16");
    let b_vpc = create_vpc(state, &caller(B, "gz"), "b", "10.1.0.0/16");
    let out = ok(call(
        state,
        &caller(A, "gz"),
        "CreateVpcPeeringConnection",
        &[
            ("vpcId", &a_vpc),
            ("peerVpcId", &b_vpc),
            ("peerUin", B),
            ("peeringConnectionName", "ab"),
        ],
        T0,
    ));
    out["peeringConnectionId"]
        .as_str()
        .expect("an id")
        .to_owned()
}

pub(super) fn peering_state(state: &mut State, who: &Caller, id: &str, now: i64) -> i64 {
    let out = ok(call(
        state,
        who,
        "DescribeVpcPeeringConnections",
        &[("peeringConnectionId", id)],
        now,
    ));
    out["data"][0]["state"].as_i64().expect("a state")
}

/// A's VPC `v` 10.0.0.0/16 in gz with subnet `s1` 10.0.1.0/24 (zone 100003); returns (vpc, subnet) ids.
pub(super) fn vpc_with_subnet(state: &mut State) -> (String, String) {
    let a = caller(A, "gz");
    let vpc = create_vpc(state, &a, "v", "10.0.0.0/16");
    let out = ok(call(
        state,
        &a,
        "CreateSubnet",
        &[
            ("vpcId", &vpc),
            ("subnetSet.0.subnetName", "s1"),
            ("subnetSet.0.cidrBlock", "10.0.1.0/24"),
            ("subnetSet.0.zoneId", "100003"),
        ],
        T0,
    ));
    let subnet = out["subnetSet"][0]["unSubnetId"]
        .as_str()
        .expect("an id")
        .to_owned();
    (vpc, subnet)
}

/// Runs `action` for A in gz and returns the codeDesc of its failure, or "ok".
pub(super) fn outcome(state: &mut State, action: &str, pairs: &[(&str, &str)]) -> String {
    match call(state, &caller(A, "gz"), action, pairs, T0) {
        Ok(_) => "ok".to_owned(),
        Err(e) => e.code_desc,
    }
}
