//! Unit tests of the state machine: transitions, expiry, VPC rules, tasks, fallback shapes.

use super::testing::*;
use qcapi_core::spec::FieldSpec;

#[test]
fn actions_without_handlers_answer_their_shape() {
    const OUTPUTS: &[FieldSpec] = &[FieldSpec::integer("totalCount", "")];
    let mut spec = *qcapi_core::vpc::catalog::find("DescribeVpcEx").expect("known");
    spec.name = "DescribeSomethingNew";
    spec.outputs = OUTPUTS;
    let mut state = State::default();
    let a = caller(A, "gz");
    let out = handle(&mut state, &a, &spec, &Params::new(), T0, &mut || None).expect("a success");
    assert_eq!(out, r#"{"totalCount":0}"#);

    // An output named like a parameter answers the request's value (as stripe-mock does).
    const NAMED: &[FieldSpec] = &[
        FieldSpec::string("vpcName", ""),
        FieldSpec::integer("limit", ""),
    ];
    spec.outputs = NAMED;
    let params: Params = [("vpcName", "mine"), ("limit", "7")].into_iter().collect();
    let out = handle(&mut state, &a, &spec, &params, T0, &mut || None).expect("a success");
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("JSON"),
        json!({"vpcName": "mine", "limit": 7})
    );
    spec.outputs = OUTPUTS;

    spec.name = "RunSomethingNew";
    spec.asynchronous = true;
    let out = handle(&mut state, &a, &spec, &Params::new(), T0, &mut || None).expect("a success");
    let out: Value = serde_json::from_str(&out).expect("JSON");
    let task = out["taskId"].as_u64().expect("a task").to_string();
    let query = [("taskId", task.as_str())];
    assert_eq!(
        ok(call(&mut state, &a, "DescribeVpcTaskResult", &query, T0))["data"]["status"],
        2
    );
    assert_eq!(
        ok(call(&mut state, &a, "DescribeVpcTaskResult", &query, T0))["data"],
        json!({"status": 0, "output": {}})
    );
}

#[test]
fn a_state_saved_before_flow_logs_and_classic_links_still_loads() {
    let mut state = State::default();
    create_vpc(&mut state, &caller(A, "gz"), "old", "10.0.0.0/16");
    let mut saved = serde_json::to_value(&state).expect("JSON");
    let vpc = saved["vpcs"][0].as_object_mut().expect("a VPC");
    for key in ["flow_logs", "classic_links"] {
        assert!(vpc.remove(key).is_some(), "{key} is saved");
    }
    let mut loaded: State = serde_json::from_value(saved).expect("an older state loads");
    let out = ok(call(
        &mut loaded,
        &caller(A, "gz"),
        "DescribeFlowLogs",
        &[],
        T0,
    ));
    assert_eq!(out["totalCount"], 0);
}

/// One quota: its DescribeVpcLimit type, the value it is set to, what brings an
/// account to that quota (returning the pairs of the call one past it), that
/// call's action and the code it answers.
type QuotaCase = (
    &'static str,
    i64,
    fn(&mut State) -> Vec<(String, String)>,
    &'static str,
    &'static str,
);

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn default_table(state: &mut State, vpc: &str) -> String {
    let out = ok(call(
        state,
        &caller(A, "gz"),
        "DescribeRouteTable",
        &[("vpcId", vpc)],
        T0,
    ));
    out["data"][0]["unRouteTableId"]
        .as_str()
        .expect("a table")
        .to_owned()
}

fn acl_entries(state: &mut State, direction: &str) -> Vec<(String, String)> {
    let (vpc, _) = vpc_with_subnet(state);
    let created = ok(call(
        state,
        &caller(A, "gz"),
        "CreateNetworkAcl",
        &[("vpcId", &vpc), ("networkAclName", "web")],
        T0,
    ));
    let acl = created["data"]["networkAclId"].as_str().expect("an ACL");
    let mut out = pairs(&[
        ("vpcId", &vpc),
        ("networkAclId", acl),
        ("ruleDirection", direction),
    ]);
    for i in 0..2 {
        for (k, v) in [
            ("desc", "d"),
            ("ipProtocol", "tcp"),
            ("cidrIp", "10.0.0.0/8"),
            ("portRange", "80"),
            ("action", "1"),
        ] {
            out.push((format!("networkAclEntrySet.{i}.{k}"), v.to_owned()));
        }
    }
    out
}

#[test]
fn each_quota_stops_creation_one_past_its_value() {
    let cases: &[QuotaCase] = &[
        (
            "0",
            1,
            |state| {
                create_vpc(state, &caller(A, "gz"), "v", "10.0.0.0/16");
                // Other accounts and regions count apart.
                create_vpc(state, &caller(A, "sh"), "v", "10.0.0.0/16");
                create_vpc(state, &caller(B, "gz"), "v", "10.0.0.0/16");
                pairs(&[("vpcName", "w"), ("cidrBlock", "10.1.0.0/16")])
            },
            "CreateVpc",
            "VpcLimitExceeded",
        ),
        (
            "1",
            2,
            |state| {
                let (vpc, _) = vpc_with_subnet(state);
                let mut out = pairs(&[("vpcId", &vpc)]);
                for (i, cidr) in ["10.0.2.0/24", "10.0.3.0/24"].iter().enumerate() {
                    let at = |k: &str| format!("subnetSet.{i}.{k}");
                    out.push((at("subnetName"), format!("s{}", i + 2)));
                    out.push((at("cidrBlock"), (*cidr).to_owned()));
                    out.push((at("zoneId"), "100003".to_owned()));
                }
                out
            },
            "CreateSubnet",
            "SubnetLimitExceeded",
        ),
        (
            "2",
            1,
            |state| {
                let vpc = create_vpc(state, &caller(A, "gz"), "v", "10.0.0.0/16");
                pairs(&[("vpcId", &vpc), ("routeTableName", "rt")])
            },
            "CreateRouteTable",
            "RouteTableLimitExceeded",
        ),
        (
            "3",
            0,
            |state| {
                let vpc = create_vpc(state, &caller(A, "gz"), "v", "10.0.0.0/16");
                pairs(&[
                    ("vpcId", &vpc),
                    ("routeTableName", "rt"),
                    ("routeSet.0.destinationCidrBlock", "10.9.0.0/16"),
                    ("routeSet.0.nextType", "0"),
                    ("routeSet.0.nextHub", "gw"),
                ])
            },
            "CreateRouteTable",
            "RouteLimitExceeded",
        ),
        (
            "3",
            1,
            |state| {
                let vpc = create_vpc(state, &caller(A, "gz"), "v", "10.0.0.0/16");
                let table = default_table(state, &vpc);
                let route = |dest: &str| {
                    pairs(&[
                        ("vpcId", &vpc),
                        ("routeTableId", &table),
                        ("routeSet.0.destinationCidrBlock", dest),
                        ("routeSet.0.nextType", "0"),
                        ("routeSet.0.nextHub", "gw"),
                    ])
                };
                let first = route("10.9.0.0/16");
                let first: Vec<(&str, &str)> = first
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                assert_eq!(outcome(state, "CreateRoute", &first), "ok");
                route("10.8.0.0/16")
            },
            "CreateRoute",
            "RouteLimitExceeded",
        ),
        (
            "15",
            1,
            |state| {
                let vpc = create_vpc(state, &caller(A, "gz"), "v", "10.0.0.0/16");
                let first = [("vpcId", vpc.as_str()), ("networkAclName", "a")];
                assert_eq!(outcome(state, "CreateNetworkAcl", &first), "ok");
                pairs(&[("vpcId", &vpc), ("networkAclName", "b")])
            },
            "CreateNetworkAcl",
            "NetworkAclLimitExceeded",
        ),
        (
            "17",
            1,
            |state| acl_entries(state, "1"),
            "ModifyNetworkAclEntry",
            "NetworkAclInLimitExceeded",
        ),
        (
            "18",
            1,
            |state| acl_entries(state, "0"),
            "ModifyNetworkAclEntry",
            "NetworkAclOutLimitExceeded",
        ),
        (
            "20",
            1,
            |state| {
                pending_pair(state);
                let a = caller(A, "gz");
                let mine = state.vpcs_of(&a).next().expect("a VPC").head.un_id.clone();
                let other = create_vpc(state, &caller(B, "gz"), "c", "10.2.0.0/16");
                pairs(&[
                    ("vpcId", &mine),
                    ("peerVpcId", &other),
                    ("peerUin", B),
                    ("peeringConnectionName", "ac"),
                ])
            },
            "CreateVpcPeeringConnection",
            "PeeringConnectionLimitExceeded",
        ),
        (
            "57",
            1,
            |state| {
                let (vpc, subnet) = vpc_with_subnet(state);
                let eni = |name: &str| {
                    pairs(&[("vpcId", &vpc), ("subnetId", &subnet), ("eniName", name)])
                };
                let first = eni("a");
                let first: Vec<(&str, &str)> = first
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                assert_eq!(outcome(state, "CreateNetworkInterface", &first), "ok");
                eni("b")
            },
            "CreateNetworkInterface",
            "NetworkInterfaceLimitExceeded",
        ),
    ];
    for &(code, value, setup, action, exceeded) in cases {
        for (quota, expected) in [(None, "ok"), (Some(value), exceeded)] {
            let mut state = State::default();
            if let Some(value) = quota {
                let new = BTreeMap::from([(code.to_owned(), value)]);
                state.set_limits(&new).expect("a known code");
            }
            let last = setup(&mut state);
            let last: Vec<(&str, &str)> =
                last.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            assert_eq!(
                outcome(&mut state, action, &last),
                expected,
                "type {code} at {quota:?}: {action}"
            );
        }
    }
}

#[test]
fn limits_refuse_unknown_codes_and_negative_values_and_load_by_default() {
    let mut state = State::default();
    assert_eq!(state.limit("0"), 20);
    let bad = [("999", 1), ("0", -1)];
    for (code, n) in bad {
        let new = BTreeMap::from([(code.to_owned(), n), ("1".to_owned(), 5)]);
        assert!(state.set_limits(&new).is_err(), "{code}={n}");
        assert_eq!(state.limit("1"), 100, "all or none");
    }
    state
        .set_limits(&BTreeMap::from([("1".to_owned(), 5)]))
        .expect("known");
    let saved = serde_json::to_value(&state).expect("JSON");
    let loaded: State = serde_json::from_value(saved.clone()).expect("loads");
    assert_eq!(loaded.limit("1"), 5, "saved with the state");
    let mut older = saved;
    older.as_object_mut().expect("an object").remove("limits");
    let loaded: State = serde_json::from_value(older).expect("an older state loads");
    assert_eq!(loaded.limits(), State::default().limits());
    // DescribeVpcLimit answers the values in force.
    state.reset();
    assert_eq!(state.limit("1"), 100, "a reset restores the defaults");
    state
        .set_limits(&BTreeMap::from([("57".to_owned(), 7)]))
        .expect("known");
    let out = ok(call(
        &mut state,
        &caller(A, "gz"),
        "DescribeVpcLimit",
        &[("type.0", "57"), ("type.1", "0")],
        T0,
    ));
    assert_eq!(out["data"]["limit"], json!({"57": 7, "0": 20}));
}
