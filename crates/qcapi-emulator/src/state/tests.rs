//! Unit tests of the state machine: transitions, expiry, VPC rules, tasks, fallback shapes.

use super::testing::*;
use qcapi_core::spec::FieldSpec;
#[test]
fn transition_matrix() {
    use PeeringOp::*;
    use PeeringState::*;
    /// (state, caller is initiator, caller is receiver, op, expected new state or codeDesc)
    type Case = (
        PeeringState,
        bool,
        bool,
        PeeringOp,
        Result<PeeringState, &'static str>,
    );
    let cases: &[Case] = &[
        (Pending, false, true, Accept, Ok(Active)),
        (Pending, true, false, Accept, Err("UnsupportedOperation")),
        (
            Active,
            false,
            true,
            Accept,
            Err("PeeringConnection.StateConflict"),
        ),
        (
            Expired,
            false,
            true,
            Accept,
            Err("PeeringConnection.StateConflict"),
        ),
        (
            Rejected,
            false,
            true,
            Accept,
            Err("PeeringConnection.StateConflict"),
        ),
        (Pending, false, true, Reject, Ok(Rejected)),
        (Pending, true, false, Reject, Err("UnsupportedOperation")),
        (
            Deleted,
            false,
            true,
            Reject,
            Err("PeeringConnection.StateConflict"),
        ),
        (Expired, true, false, Enable, Ok(Pending)),
        (Expired, false, true, Enable, Err("UnsupportedOperation")),
        (
            Pending,
            true,
            false,
            Enable,
            Err("PeeringConnection.StateConflict"),
        ),
        (
            Active,
            true,
            false,
            Enable,
            Err("PeeringConnection.StateConflict"),
        ),
        (Active, true, false, Delete, Ok(Deleted)),
        (Active, false, true, Delete, Ok(Deleted)),
        (Pending, true, false, Delete, Ok(Deleted)),
        (Rejected, false, true, Delete, Ok(Deleted)),
        (
            Deleted,
            true,
            false,
            Delete,
            Err("PeeringConnection.StateConflict"),
        ),
        (Active, false, true, Modify, Ok(Active)),
        (Expired, true, false, Modify, Ok(Expired)),
        (
            Deleted,
            true,
            false,
            Modify,
            Err("PeeringConnection.StateConflict"),
        ),
        // One account on both sides: role is fine, state decides.
        (
            Active,
            true,
            true,
            Accept,
            Err("PeeringConnection.StateConflict"),
        ),
    ];
    for &(from, initiator, receiver, op, expected) in cases {
        let got = transition(from, initiator, receiver, op).map_err(|e| {
            assert_eq!(e.code, 5100, "{e:?}");
            e.code_desc
        });
        assert_eq!(
            got,
            expected.map_err(str::to_owned),
            "{op:?} from {from:?} (initiator {initiator}, receiver {receiver})"
        );
    }
}

#[test]
fn action_names_map_to_operations() {
    fn check(name: &str, expected: Option<(PeeringOp, bool)>) {
        assert_eq!(PeeringOp::from_action(name), expected, "{name}");
    }
    check(
        "AcceptVpcPeeringConnection",
        Some((PeeringOp::Accept, false)),
    );
    check(
        "AcceptVpcPeeringConnectionEx",
        Some((PeeringOp::Accept, true)),
    );
    check(
        "EnableVpcPeeringConnectionEx",
        Some((PeeringOp::Enable, true)),
    );
    check(
        "ModifyVpcPeeringConnection",
        Some((PeeringOp::Modify, false)),
    );
    check("DescribeVpcEx", None);
    check("CreateVpcPeeringConnectionEx", None);
}

#[test]
fn business_codes() {
    fn check(name: &str, code: i64) {
        assert_eq!(Failure::business_name(name, "m").code, code, "{name}");
    }
    check("InvalidVpc.NotFound", 5000);
    check("InvalidPeeringConnection.NotFound", 5000);
    check("InvalidTask.NotFound", 5000);
    check("PeeringConnectionVpcConflict", 5100);
    check("InvalidVpcName.InUse", 5100);
    check("UnsupportedOperation", 5100);
    check("PeeringConnection.StateConflict", 5100);
}

#[test]
fn unified_ids_are_distinct_and_well_formed() {
    let ids: BTreeSet<String> = (0..10_000).map(unified_suffix).collect();
    assert_eq!(ids.len(), 10_000);
    for id in ids.iter().take(50) {
        assert_eq!(id.len(), 8);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
            "{id}"
        );
    }
}

#[test]
fn pending_peering_expires_after_seven_days_and_can_be_revived() {
    let mut state = State::default();
    let id = pending_pair(&mut state);
    let (a, b) = (caller(A, "gz"), caller(B, "gz"));
    assert_eq!(peering_state(&mut state, &b, &id, T0), 0);
    assert_eq!(peering_state(&mut state, &a, &id, T0 + 7 * DAY - 1), 0);
    assert_eq!(peering_state(&mut state, &a, &id, T0 + 7 * DAY), 2);
    // Expired: the receiver can no longer accept; only the initiator can revive it.
    let now = T0 + 8 * DAY;
    let accept = [("peeringConnectionId", id.as_str())];
    assert_eq!(
        err_desc(call(
            &mut state,
            &b,
            "AcceptVpcPeeringConnection",
            &accept,
            now
        )),
        "PeeringConnection.StateConflict"
    );
    assert_eq!(
        err_desc(call(
            &mut state,
            &b,
            "EnableVpcPeeringConnection",
            &accept,
            now
        )),
        "UnsupportedOperation"
    );
    ok(call(
        &mut state,
        &a,
        "EnableVpcPeeringConnection",
        &accept,
        now,
    ));
    assert_eq!(peering_state(&mut state, &b, &id, now), 0);
    // A fresh 7-day window from the revival.
    assert_eq!(peering_state(&mut state, &b, &id, now + 7 * DAY - 1), 0);
    assert_eq!(peering_state(&mut state, &b, &id, now + 7 * DAY), 2);
}

#[test]
fn accept_reject_delete_life_cycle() {
    let mut state = State::default();
    let (a, b) = (caller(A, "gz"), caller(B, "gz"));
    let id = pending_pair(&mut state);
    let pcx = [("peeringConnectionId", id.as_str())];
    assert_eq!(
        err_desc(call(&mut state, &a, "AcceptVpcPeeringConnection", &pcx, T0)),
        "UnsupportedOperation"
    );
    ok(call(&mut state, &b, "AcceptVpcPeeringConnection", &pcx, T0));
    assert_eq!(peering_state(&mut state, &a, &id, T0), 1);
    // Active peerings never expire.
    assert_eq!(peering_state(&mut state, &a, &id, T0 + 30 * DAY), 1);
    assert_eq!(
        err_desc(call(&mut state, &b, "RejectVpcPeeringConnection", &pcx, T0)),
        "PeeringConnection.StateConflict"
    );
    ok(call(&mut state, &b, "DeleteVpcPeeringConnection", &pcx, T0));
    // Deleted peerings stay visible with state 4.
    assert_eq!(peering_state(&mut state, &a, &id, T0), 4);
    assert_eq!(
        err_desc(call(&mut state, &a, "DeleteVpcPeeringConnection", &pcx, T0)),
        "PeeringConnection.StateConflict"
    );

    let other = pending_pair_again(&mut state);
    let pcx = [("peeringConnectionId", other.as_str())];
    ok(call(&mut state, &b, "RejectVpcPeeringConnection", &pcx, T0));
    assert_eq!(peering_state(&mut state, &a, &other, T0), 3);
}

/// Another pending A→B peering between the VPCs `pending_pair` created.
fn pending_pair_again(state: &mut State) -> String {
    let out = ok(call(
        state,
        &caller(A, "gz"),
        "CreateVpcPeeringConnection",
        &[
            ("vpcId", "gz_vpc_1"),
            ("peerVpcId", "gz_vpc_3"),
            ("peerUin", B),
            ("peeringConnectionName", "again"),
        ],
        T0,
    ));
    out["peeringConnectionId"]
        .as_str()
        .expect("an id")
        .to_owned()
}

#[test]
fn peering_visibility_and_lookup_errors() {
    let mut state = State::default();
    let id = pending_pair(&mut state);
    let stranger = caller("100000000003", "gz");
    let pcx = [("peeringConnectionId", id.as_str())];
    assert_eq!(
        err_desc(call(
            &mut state,
            &stranger,
            "DeleteVpcPeeringConnection",
            &pcx,
            T0
        )),
        "InvalidPeeringConnection.NotFound"
    );
    let none = ok(call(
        &mut state,
        &stranger,
        "DescribeVpcPeeringConnections",
        &[],
        T0,
    ));
    assert_eq!(none["totalCount"], 0);
    let unknown = [("peeringConnectionId", "pcx-00000000")];
    let failure = call(
        &mut state,
        &caller(A, "gz"),
        "AcceptVpcPeeringConnection",
        &unknown,
        T0,
    )
    .expect_err("unknown id");
    assert_eq!(
        (failure.code, failure.code_desc.as_str()),
        (5000, "InvalidPeeringConnection.NotFound")
    );
}

#[test]
fn peering_creation_rules() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let a1 = create_vpc(&mut state, &a, "a1", "10.0.0.0/16");
    let a2 = create_vpc(&mut state, &a, "a2", "10.0.128.0/24"); // overlaps a1
    let a3 = create_vpc(&mut state, &a, "a3", "192.168.0.0/16");
    let b_sh = create_vpc(&mut state, &caller(B, "sh"), "b", "172.16.0.0/16");
    let create = |state: &mut State, vpc: &str, peer: &str, uin: &str| {
        call(
            state,
            &a,
            "CreateVpcPeeringConnection",
            &[
                ("vpcId", vpc),
                ("peerVpcId", peer),
                ("peerUin", uin),
                ("peeringConnectionName", "p"),
            ],
            T0,
        )
    };
    assert_eq!(
        err_desc(create(&mut state, &a1, &a2, A)),
        "PeeringConnectionVpcConflict"
    );
    assert_eq!(
        err_desc(create(&mut state, &a1, &a1, A)),
        "PeeringConnectionVpcConflict"
    );
    assert_eq!(
        err_desc(create(&mut state, "vpc-nothere", &a3, A)),
        "InvalidVpc.NotFound"
    );
    assert_eq!(
        err_desc(create(&mut state, &a1, &a3, B)),
        "InvalidVpc.NotFound"
    ); // wrong owner
    assert_eq!(
        err_desc(create(&mut state, &a1, &b_sh, B)),
        "InvalidVpc.NotFound"
    ); // other region
    // Same account: active at once; old-style ids work too.
    let out = ok(create(&mut state, "gz_vpc_1", &a3, A));
    let id = out["peeringConnectionId"].as_str().expect("id");
    assert!(id.starts_with("pcx-") && id.len() == 12, "{id}");
    assert_eq!(peering_state(&mut state, &a, id, T0), 1);

    // Cross-region: found in peerRegion, asynchronous, keeps the bandwidth.
    let out = ok(call(
        &mut state,
        &a,
        "CreateVpcPeeringConnectionEx",
        &[
            ("vpcId", &a1),
            ("peerVpcId", &b_sh),
            ("peerUin", B),
            ("peeringConnectionName", "x"),
            ("peerRegion", "sh"),
            ("bandwidth", "20"),
        ],
        T0,
    ));
    let ex_id = out["uniqVpcPeerId"]
        .as_str()
        .expect("uniqVpcPeerId")
        .to_owned();
    let task = out["taskId"].as_u64().expect("taskId").to_string();
    let listed = ok(call(
        &mut state,
        &caller(B, "sh"),
        "DescribeVpcPeeringConnections",
        &[("peeringConnectionId", &ex_id)],
        T0,
    ));
    let item = &listed["data"][0];
    assert_eq!(item["state"], 0);
    assert_eq!(item["bandwidth"], "20");
    assert_eq!(
        (item["region"].as_str(), item["peerRegion"].as_str()),
        (Some("gz"), Some("sh"))
    );
    assert_eq!(
        (
            item["uin"].as_str(),
            item["peerUin"].as_str(),
            item["appId"].as_str()
        ),
        (Some(A), Some(B), Some(A))
    );
    let first = ok(call(
        &mut state,
        &a,
        "DescribeVpcTaskResult",
        &[("taskId", &task)],
        T0,
    ));
    assert_eq!(first["data"], json!({"status": 2}));
    let second = ok(call(
        &mut state,
        &a,
        "DescribeVpcTaskResult",
        &[("taskId", &task)],
        T0,
    ));
    assert_eq!(
        second["data"],
        json!({"status": 0, "output": {"uniqVpcPeerId": ex_id}})
    );
}

#[test]
fn ex_conflicts_fail_the_task_and_change_nothing() {
    let mut state = State::default();
    let (a, b) = (caller(A, "gz"), caller(B, "gz"));
    let id = pending_pair(&mut state);
    let pcx = [("peeringConnectionId", id.as_str())];
    let out = ok(call(
        &mut state,
        &a,
        "AcceptVpcPeeringConnectionEx",
        &pcx,
        T0,
    ));
    let task = out["taskId"].as_u64().expect("taskId").to_string();
    assert_eq!(peering_state(&mut state, &a, &id, T0), 0);
    let query = [("taskId", task.as_str())];
    assert_eq!(
        ok(call(&mut state, &a, "DescribeVpcTaskResult", &query, T0))["data"]["status"],
        2
    );
    let failed = ok(call(&mut state, &a, "DescribeVpcTaskResult", &query, T0));
    assert_eq!(failed["data"]["status"], 1);
    assert_eq!(failed["data"]["output"]["errorCode"], 5100);
    assert_eq!(failed["data"]["output"]["codeDesc"], "UnsupportedOperation");
    // Tasks belong to their creator.
    assert_eq!(
        err_desc(call(&mut state, &b, "DescribeVpcTaskResult", &query, T0)),
        "InvalidTask.NotFound"
    );
    assert_eq!(
        err_desc(call(
            &mut state,
            &a,
            "DescribeVpcTaskResult",
            &[("taskId", "999999")],
            T0
        )),
        "InvalidTask.NotFound"
    );
    // Not-found stays synchronous for Ex actions.
    let unknown = [("peeringConnectionId", "pcx-zzzzzzzz")];
    assert_eq!(
        err_desc(call(
            &mut state,
            &b,
            "AcceptVpcPeeringConnectionEx",
            &unknown,
            T0
        )),
        "InvalidPeeringConnection.NotFound"
    );
    // The right side succeeds, and the effect is immediate.
    ok(call(
        &mut state,
        &b,
        "AcceptVpcPeeringConnectionEx",
        &pcx,
        T0,
    ));
    assert_eq!(peering_state(&mut state, &a, &id, T0), 1);
}

#[test]
fn modify_renames_with_unique_names() {
    let mut state = State::default();
    let (a, b) = (caller(A, "gz"), caller(B, "gz"));
    let first = pending_pair(&mut state);
    let second = pending_pair_again(&mut state);
    let rename = |id: &str, name: &str| {
        [
            ("peeringConnectionId", id.to_owned()),
            ("peeringConnectionName", name.to_owned()),
        ]
    };
    let pairs = rename(&first, "renamed");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ok(call(
        &mut state,
        &b,
        "ModifyVpcPeeringConnection",
        &pairs,
        T0,
    ));
    let listed = ok(call(
        &mut state,
        &a,
        "DescribeVpcPeeringConnections",
        &[("peeringConnectionName", "renamed")],
        T0,
    ));
    assert_eq!(listed["totalCount"], 1);
    let pairs = rename(&second, "renamed");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        err_desc(call(
            &mut state,
            &a,
            "ModifyVpcPeeringConnectionEx",
            &pairs,
            T0
        )),
        "InvalidPeeringConnectionName.InUse"
    );
    // Too long a name is a parameter error (the spec says 1 to 60 characters).
    let long = "n".repeat(61);
    let pairs = rename(&second, &long);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let failure =
        call(&mut state, &a, "ModifyVpcPeeringConnection", &pairs, T0).expect_err("too long");
    assert_eq!(failure.code, 4000);
}

#[test]
fn vpc_creation_rules() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let check = |state: &mut State, pairs: &[(&str, &str)], expected: Result<(), &str>| {
        let got = call(state, &a, "CreateVpc", pairs, T0)
            .map(|_| ())
            .map_err(|e| e.code_desc);
        assert_eq!(got, expected.map_err(str::to_owned), "{pairs:?}");
    };
    check(
        &mut state,
        &[("vpcName", "v1"), ("cidrBlock", "10.0.0.0/16")],
        Ok(()),
    );
    check(
        &mut state,
        &[("vpcName", "v1"), ("cidrBlock", "10.1.0.0/16")],
        Err("InvalidVpcName.InUse"),
    );
    check(
        &mut state,
        &[("vpcName", "v2"), ("cidrBlock", "11.0.0.0/16")],
        Err("InvalidVpcCidr"),
    );
    check(
        &mut state,
        &[("vpcName", "v2"), ("cidrBlock", "10.0.0.0/12")],
        Err("InvalidVpcCidr"),
    );
    check(
        &mut state,
        &[("vpcName", "v2"), ("cidrBlock", "10.0.0.1/16")],
        Err("InvalidVpcCidr"),
    );
    check(
        &mut state,
        &[("vpcName", "v2"), ("cidrBlock", "garbage")],
        Err("InvalidVpcCidr"),
    );
    check(&mut state, &[("vpcName", "v2")], Err("InvalidParameter"));
    let subnet = |name: &'static str, cidr: &'static str, i: usize| {
        [
            (
                ["subnetSet.0.subnetName", "subnetSet.1.subnetName"][i],
                name,
            ),
            (["subnetSet.0.cidrBlock", "subnetSet.1.cidrBlock"][i], cidr),
            (["subnetSet.0.zoneId", "subnetSet.1.zoneId"][i], "100003"),
        ]
    };
    let with = |name: &'static str, subnets: &[[(&'static str, &'static str); 3]]| {
        let mut pairs = vec![("vpcName", name), ("cidrBlock", "10.5.0.0/16")];
        pairs.extend(subnets.iter().flatten().copied());
        pairs
    };
    check(
        &mut state,
        &with("s1", &[subnet("x", "10.6.0.0/24", 0)]),
        Err("InvalidSubnetCidr"),
    );
    check(
        &mut state,
        &with(
            "s1",
            &[subnet("x", "10.5.0.0/24", 0), subnet("y", "10.5.0.0/25", 1)],
        ),
        Err("InvalidSubnet.Conflict"),
    );
    check(
        &mut state,
        &with(
            "s1",
            &[subnet("x", "10.5.0.0/24", 0), subnet("x", "10.5.1.0/24", 1)],
        ),
        Err("InvalidSubnetName.InUse"),
    );
    // Failed attempts allocated nothing: the name is still free.
    let pairs = with(
        "s1",
        &[subnet("x", "10.5.0.0/24", 0), subnet("y", "10.5.1.0/24", 1)],
    );
    let out = ok(call(&mut state, &a, "CreateVpc", &pairs, T0));
    assert_eq!(out["vpcId"], "gz_vpc_3");
    assert_eq!(out["vpcCreateTime"], "2023-11-14 22:13:20");
    assert_eq!(out["uniqVpcId"], out["unVpcId"]);
    assert_eq!(out["subnetSet"].as_array().map(Vec::len), Some(2));
    assert_eq!(out["subnetSet"][1]["cidrBlock"], "10.5.1.0/24");
    assert_eq!(out["subnetSet"][1]["zoneId"], 100003);
    assert_eq!(out["routeTableSet"][0]["routeTableType"], 1);
    assert_eq!(
        out["subnetSet"][0]["routeTableId"],
        out["routeTableSet"][0]["routeTableId"]
    );
    // Names are unique per account and region only.
    ok(call(
        &mut state,
        &caller(A, "sh"),
        "CreateVpc",
        &[("vpcName", "v1"), ("cidrBlock", "10.0.0.0/16")],
        T0,
    ));
    ok(call(
        &mut state,
        &caller(B, "gz"),
        "CreateVpc",
        &[("vpcName", "v1"), ("cidrBlock", "10.0.0.0/16")],
        T0,
    ));
}

#[test]
fn describe_vpcs_filters_orders_and_pages() {
    let mut state = State::default();
    let a = caller(A, "gz");
    for (i, name) in ["charlie", "alpha", "bravo"].into_iter().enumerate() {
        let cidr = format!("10.{i}.0.0/16");
        ok(call(
            &mut state,
            &a,
            "CreateVpc",
            &[("vpcName", name), ("cidrBlock", &cidr)],
            T0 + i as i64,
        ));
    }
    ok(call(
        &mut state,
        &caller(B, "gz"),
        "CreateVpc",
        &[("vpcName", "other"), ("cidrBlock", "10.0.0.0/16")],
        T0,
    ));
    let names = |state: &mut State, pairs: &[(&str, &str)]| {
        let out = ok(call(state, &a, "DescribeVpcEx", pairs, T0));
        let names: Vec<String> = out["data"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v["vpcName"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        (out["totalCount"].as_u64().unwrap_or(99), names)
    };
    let check = |state: &mut State, pairs: &[(&str, &str)], total: u64, expected: &[&str]| {
        assert_eq!(
            names(state, pairs),
            (total, expected.iter().map(|s| s.to_string()).collect()),
            "{pairs:?}"
        );
    };
    check(&mut state, &[], 3, &["charlie", "alpha", "bravo"]);
    check(
        &mut state,
        &[("orderDirection", "desc")],
        3,
        &["bravo", "alpha", "charlie"],
    );
    check(
        &mut state,
        &[("orderField", "vpcName")],
        3,
        &["alpha", "bravo", "charlie"],
    );
    check(
        &mut state,
        &[("offset", "1"), ("limit", "1")],
        3,
        &["alpha"],
    );
    check(&mut state, &[("offset", "5")], 3, &[]);
    check(
        &mut state,
        &[("vpcName", "a")],
        3,
        &["charlie", "alpha", "bravo"],
    );
    check(&mut state, &[("vpcName", "rav")], 1, &["bravo"]);
    check(&mut state, &[("vpcId", "gz_vpc_3")], 1, &["alpha"]);
    check(&mut state, &[("vpcId", "vpc-unknown0")], 0, &[]);
    let out = ok(call(&mut state, &a, "DescribeVpcEx", &[("limit", "1")], T0));
    let item = &out["data"][0];
    assert_eq!(
        (
            item["subnetNum"].as_i64(),
            item["routeTableNum"].as_i64(),
            item["vpcPeerNum"].as_i64()
        ),
        (Some(0), Some(1), Some(0))
    );
    assert_eq!(item["createTime"], "2023-11-14 22:13:20");
}

#[test]
fn vpc_deletion_waits_for_peerings() {
    let mut state = State::default();
    let (a, b) = (caller(A, "gz"), caller(B, "gz"));
    let id = pending_pair(&mut state);
    let count = |state: &mut State, who: &Caller| {
        ok(call(state, who, "DescribeVpcEx", &[], T0))["data"][0]["vpcPeerNum"].as_i64()
    };
    assert_eq!(count(&mut state, &a), Some(1));
    assert_eq!(count(&mut state, &b), Some(1));
    for (who, vpc) in [(&a, "gz_vpc_1"), (&b, "gz_vpc_3")] {
        let failure =
            call(&mut state, who, "DeleteVpc", &[("vpcId", vpc)], T0).expect_err("blocked");
        assert_eq!(
            (failure.code, failure.code_desc.as_str()),
            (5100, "InvalidVpc.CannotDelete")
        );
    }
    ok(call(
        &mut state,
        &b,
        "RejectVpcPeeringConnection",
        &[("peeringConnectionId", &id)],
        T0,
    ));
    ok(call(
        &mut state,
        &b,
        "DeleteVpc",
        &[("vpcId", "gz_vpc_3")],
        T0,
    ));
    assert_eq!(
        err_desc(call(
            &mut state,
            &b,
            "DeleteVpc",
            &[("vpcId", "gz_vpc_3")],
            T0
        )),
        "InvalidVpc.NotFound"
    );
    // The rejected peering still lists, and still counts for A's VPC (it is not deleted).
    assert_eq!(count(&mut state, &a), Some(1));
    assert_eq!(peering_state(&mut state, &a, &id, T0), 3);
}

#[test]
fn enabling_needs_both_vpcs() {
    let mut state = State::default();
    let (a, b) = (caller(A, "gz"), caller(B, "gz"));
    let id = pending_pair(&mut state);
    let later = T0 + 7 * DAY;
    assert_eq!(peering_state(&mut state, &a, &id, later), 2);
    ok(call(
        &mut state,
        &b,
        "DeleteVpc",
        &[("vpcId", "gz_vpc_3")],
        later,
    ));
    let pcx = [("peeringConnectionId", id.as_str())];
    assert_eq!(
        err_desc(call(
            &mut state,
            &a,
            "EnableVpcPeeringConnectionEx",
            &pcx,
            later
        )),
        "InvalidVpc.NotFound"
    );
    assert_eq!(peering_state(&mut state, &a, &id, later), 2);
}

#[test]
fn describe_peerings_filters() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let first = pending_pair(&mut state);
    let second = pending_pair_again(&mut state);
    ok(call(
        &mut state,
        &caller(B, "gz"),
        "AcceptVpcPeeringConnection",
        &[("peeringConnectionId", &second)],
        T0,
    ));
    let ids = |state: &mut State, pairs: &[(&str, &str)]| -> (u64, Vec<String>) {
        let out = ok(call(state, &a, "DescribeVpcPeeringConnections", pairs, T0));
        let ids = out["data"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v["peeringConnectionId"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        (out["totalCount"].as_u64().unwrap_or(99), ids)
    };
    let both = vec![first.clone(), second.clone()];
    assert_eq!(ids(&mut state, &[]), (2, both.clone()));
    assert_eq!(ids(&mut state, &[("vpcId", "gz_vpc_3")]), (2, both.clone())); // receiver side matches too
    assert_eq!(
        ids(&mut state, &[("state", "1")]),
        (1, vec![second.clone()])
    );
    assert_eq!(
        ids(&mut state, &[("peeringConnectionName", "ab")]),
        (1, vec![first.clone()])
    );
    assert_eq!(
        ids(&mut state, &[("orderField", "peeringConnectionname")]),
        (2, vec![first.clone(), second.clone()])
    );
    assert_eq!(
        ids(
            &mut state,
            &[("orderField", "createTime"), ("orderDirection", "desc")]
        ),
        (2, vec![second.clone(), first.clone()])
    );
    assert_eq!(
        ids(&mut state, &[("limit", "1"), ("offset", "1")]),
        (2, vec![second])
    );
    let out = ok(call(
        &mut state,
        &a,
        "DescribeVpcPeeringConnections",
        &[("limit", "1")],
        T0,
    ));
    let item = &out["data"][0];
    assert_eq!(item["vpcId"], "gz_vpc_1");
    assert_eq!(item["peerVpcId"], "gz_vpc_3");
    assert_eq!(item["uniqVpcId"], item["unVpcId"]);
    assert!(
        item.get("bandwidth").is_none(),
        "same-region peerings have no bandwidth: {item}"
    );
}

#[test]
fn actions_without_handlers_answer_their_shape() {
    const OUTPUTS: &[FieldSpec] = &[FieldSpec::integer("totalCount", "")];
    let mut spec = *qcapi_core::vpc::catalog::find("DescribeVpcEx").expect("known");
    spec.name = "DescribeSomethingNew";
    spec.outputs = OUTPUTS;
    let mut state = State::default();
    let a = caller(A, "gz");
    let out = handle(&mut state, &a, &spec, &Params::new(), T0, &mut || {}).expect("a success");
    assert_eq!(out, r#"{"totalCount":0}"#);

    spec.name = "RunSomethingNew";
    spec.asynchronous = true;
    let out = handle(&mut state, &a, &spec, &Params::new(), T0, &mut || {}).expect("a success");
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
fn stateful_actions_are_known_sorted_and_handled() {
    let mut sorted = STATEFUL_ACTIONS.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, STATEFUL_ACTIONS, "sorted and unique");
    let a = caller(A, "gz");
    for &name in STATEFUL_ACTIONS {
        assert!(
            qcapi_core::vpc::catalog::ACTIONS
                .iter()
                .any(|spec| spec.name == name),
            "{name} is not in the catalog"
        );
        let mut state = State::default();
        assert!(
            dispatch(&mut state, &a, name, &Params::new(), T0).is_some(),
            "{name} falls back to its shape"
        );
    }
    let mut state = State::default();
    for spec in qcapi_core::vpc::catalog::ACTIONS {
        if !STATEFUL_ACTIONS.contains(&spec.name) {
            assert!(
                dispatch(&mut state, &a, spec.name, &Params::new(), T0).is_none(),
                "{} has a handler but is not listed",
                spec.name
            );
        }
    }
}

#[test]
fn subnet_creation_rules() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let (vpc, _) = vpc_with_subnet(&mut state);
    let cases: &[(&str, &str, &str, Result<(), &str>)] = &[
        // (vpcId, name, cidr, expected)
        (
            "vpc-missing",
            "s2",
            "10.0.2.0/24",
            Err("InvalidVpc.NotFound"),
        ),
        ("", "s1", "10.0.2.0/24", Err("InvalidSubnetName.InUse")),
        ("", "s2", "10.1.0.0/24", Err("InvalidSubnetCidr")),
        ("", "s2", "10.0.0.0/29", Err("InvalidSubnetCidr")),
        ("", "s2", "10.0.1.128/25", Err("InvalidSubnet.Conflict")),
        ("", "s2", "10.0.0.0/16", Err("InvalidSubnet.Conflict")),
        ("", "s2", "10.0.2.0/24", Ok(())),
        ("", "s3", "10.0.2.0/24", Err("InvalidSubnet.Conflict")),
    ];
    for &(vpc_id, name, cidr, expected) in cases {
        let vpc_id = if vpc_id.is_empty() {
            vpc.as_str()
        } else {
            vpc_id
        };
        let result = call(
            &mut state,
            &a,
            "CreateSubnet",
            &[
                ("vpcId", vpc_id),
                ("subnetSet.0.subnetName", name),
                ("subnetSet.0.cidrBlock", cidr),
                ("subnetSet.0.zoneId", "100003"),
            ],
            T0,
        );
        match expected {
            Ok(()) => {
                ok(result);
            }
            Err(desc) => assert_eq!(err_desc(result), desc, "{name} {cidr}"),
        }
    }
    assert_eq!(
        err_desc(call(&mut state, &a, "CreateSubnet", &[("vpcId", &vpc)], T0)),
        "InvalidParameter"
    );
    // B cannot see A's VPC.
    assert_eq!(
        err_desc(call(
            &mut state,
            &caller(B, "gz"),
            "CreateSubnet",
            &[
                ("vpcId", &vpc),
                ("subnetSet.0.subnetName", "x"),
                ("subnetSet.0.cidrBlock", "10.0.9.0/24"),
                ("subnetSet.0.zoneId", "100003"),
            ],
            T0,
        )),
        "InvalidVpc.NotFound"
    );
    let listed = ok(call(&mut state, &a, "DescribeVpcEx", &[], T0));
    assert_eq!(listed["data"][0]["subnetNum"], 2);
}

#[test]
fn subnet_life_cycle_and_lookups() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let (vpc, subnet) = vpc_with_subnet(&mut state);
    ok(call(
        &mut state,
        &a,
        "CreateSubnet",
        &[
            ("vpcId", &vpc),
            ("subnetSet.0.subnetName", "alpha"),
            ("subnetSet.0.cidrBlock", "10.0.2.0/24"),
            ("subnetSet.0.zoneId", "100004"),
            ("subnetSet.1.subnetName", "beta"),
            ("subnetSet.1.cidrBlock", "10.0.3.0/28"),
            ("subnetSet.1.zoneId", "100004"),
        ],
        T0 + 10,
    ));
    let list = |state: &mut State, pairs: &[(&str, &str)]| {
        let out = ok(call(state, &a, "DescribeSubnetEx", pairs, T0));
        let names: Vec<String> = out["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|d| d["subnetName"].as_str().expect("name").to_owned())
            .collect();
        (out["totalCount"].as_i64().expect("total"), names)
    };
    type Case<'a> = (&'a [(&'a str, &'a str)], i64, &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (&[], 3, &["beta", "alpha", "s1"]),
        (&[("orderDirection", "asc")], 3, &["s1", "alpha", "beta"]),
        (
            &[("orderField", "subnetName"), ("orderDirection", "asc")],
            3,
            &["alpha", "beta", "s1"],
        ),
        (&[("zoneIds.0", "100004")], 2, &["beta", "alpha"]),
        (&[("subnetName", "ph")], 1, &["alpha"]),
        (&[("subnetId", &subnet)], 1, &["s1"]),
        (&[("limit", "1"), ("offset", "1")], 3, &["alpha"]),
    ];
    for &(pairs, total, names) in cases {
        assert_eq!(
            list(&mut state, pairs),
            (total, names.iter().map(|n| (*n).to_owned()).collect()),
            "{pairs:?}"
        );
    }
    let out = ok(call(
        &mut state,
        &a,
        "DescribeSubnetEx",
        &[("subnetName", "beta")],
        T0,
    ));
    let item = &out["data"][0];
    assert_eq!(item["totalIPNum"], 16);
    assert_eq!(item["availableIPNum"], 13);
    assert_eq!(item["unVpcId"], vpc.as_str());
    assert_eq!(item["routeTableName"], "default");
    assert_eq!(
        err_desc(call(
            &mut state,
            &a,
            "DescribeSubnetEx",
            &[("vpcId", "vpc-none")],
            T0
        )),
        "InvalidVpc.NotFound"
    );

    let ids = [("vpcId", vpc.as_str()), ("subnetId", subnet.as_str())];
    let one = ok(call(&mut state, &a, "DescribeSubnet", &ids, T0));
    assert_eq!(one["subnetName"], "s1");
    assert_eq!(one["cidrBlock"], "10.0.1.0/24");
    assert_eq!(one["totalIPNum"], 256);
    let rename = |state: &mut State, name: &str| {
        let mut pairs = ids.to_vec();
        pairs.push(("subnetName", name));
        call(state, &a, "ModifySubnetAttribute", &pairs, T0)
    };
    assert_eq!(
        err_desc(rename(&mut state, "alpha")),
        "InvalidSubnetName.InUse"
    );
    ok(rename(&mut state, "s1"));
    ok(rename(&mut state, "renamed"));
    assert_eq!(
        ok(call(&mut state, &a, "DescribeSubnet", &ids, T0))["subnetName"],
        "renamed"
    );

    let failure = call(&mut state, &a, "DeleteVpc", &[("vpcId", &vpc)], T0).expect_err("blocked");
    assert_eq!(
        (failure.code, failure.code_desc.as_str()),
        (5100, "InvalidVpc.CannotDelete")
    );
    ok(call(&mut state, &a, "DeleteSubnet", &ids, T0));
    let failure = call(&mut state, &a, "DeleteSubnet", &ids, T0).expect_err("gone");
    assert_eq!(
        (failure.code, failure.code_desc.as_str()),
        (5000, "InvalidSubnet.NotFound")
    );
    assert_eq!(
        err_desc(call(&mut state, &a, "DescribeSubnet", &ids, T0)),
        "InvalidSubnet.NotFound"
    );
    assert_eq!(list(&mut state, &[("subnetId", &subnet)]).0, 0);
    for name in ["alpha", "beta"] {
        let out = ok(call(
            &mut state,
            &a,
            "DescribeSubnetEx",
            &[("subnetName", name)],
            T0,
        ));
        let id = out["data"][0]["subnetId"].as_str().expect("id").to_owned();
        ok(call(
            &mut state,
            &a,
            "DeleteSubnet",
            &[("vpcId", &vpc), ("subnetId", &id)],
            T0,
        ));
    }
    ok(call(&mut state, &a, "DeleteVpc", &[("vpcId", &vpc)], T0));
}

#[test]
fn route_tables_routes_and_associations() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let (vpc, subnet) = vpc_with_subnet(&mut state);
    let other = create_vpc(&mut state, &a, "peer", "10.9.0.0/16");
    let pcx = ok(call(
        &mut state,
        &a,
        "CreateVpcPeeringConnection",
        &[
            ("vpcId", &vpc),
            ("peerVpcId", &other),
            ("peerUin", A),
            ("peeringConnectionName", "p"),
        ],
        T0,
    ))["peeringConnectionId"]
        .as_str()
        .expect("id")
        .to_owned();
    let created = ok(call(
        &mut state,
        &a,
        "CreateRouteTable",
        &[
            ("vpcId", &vpc),
            ("routeTableName", "rt"),
            ("routeSet.0.destinationCidrBlock", "10.9.0.0/16"),
            ("routeSet.0.nextType", "4"),
            ("routeSet.0.nextHub", &pcx),
        ],
        T0,
    ));
    let rtb = created["unRouteTableId"].as_str().expect("id").to_owned();
    assert_eq!(created["routeTableSet"][0]["nextHub"], pcx.as_str());
    let route = |dest: &'static str, ty: &'static str, hub: &str| {
        vec![
            ("vpcId".to_owned(), vpc.clone()),
            ("routeTableId".to_owned(), rtb.clone()),
            (
                "routeSet.0.destinationCidrBlock".to_owned(),
                dest.to_owned(),
            ),
            ("routeSet.0.nextType".to_owned(), ty.to_owned()),
            ("routeSet.0.nextHub".to_owned(), hub.to_owned()),
        ]
    };
    let borrow = |pairs: &[(String, String)]| -> Vec<(String, String)> { pairs.to_vec() };
    type Pairs = Vec<(String, String)>;
    let cases: Vec<(&str, Pairs, &str)> = vec![
        (
            "CreateRouteTable",
            borrow(&[
                ("vpcId".into(), vpc.clone()),
                ("routeTableName".into(), "rt".into()),
            ]),
            "InvalidRouteTableName.InUse",
        ),
        (
            "CreateRouteTable",
            borrow(&[
                ("vpcId".into(), "vpc-none".into()),
                ("routeTableName".into(), "x".into()),
            ]),
            "InvalidVpc.NotFound",
        ),
        (
            "CreateRoute",
            route("10.9.0.0/16", "4", &pcx),
            "RouteAlreadyExists",
        ),
        (
            "CreateRoute",
            route("10.0.5.0/24", "0", "gw"),
            "InvalidDestinationCidr",
        ),
        (
            "CreateRoute",
            route("bogus", "0", "gw"),
            "InvalidDestinationCidr",
        ),
        (
            "CreateRoute",
            route("10.20.0.0/16", "4", "pcx-nothing"),
            "InvalidRouteNextHub.NotFound",
        ),
        ("CreateRoute", route("10.20.0.0/16", "0", "nat-1"), "ok"),
        (
            "DeleteRoute",
            route("10.21.0.0/16", "0", "nat-1"),
            "InvalidRoute.NotFound",
        ),
        ("DeleteRoute", route("10.20.0.0/16", "0", "nat-1"), "ok"),
        (
            "DeleteRoute",
            route("10.20.0.0/16", "0", "nat-1"),
            "InvalidRoute.NotFound",
        ),
        (
            "AssociateRouteTable",
            borrow(&[
                ("vpcId".into(), vpc.clone()),
                ("subnetId".into(), "subnet-none".into()),
                ("routeTableId".into(), rtb.clone()),
            ]),
            "InvalidSubnet.NotFound",
        ),
        (
            "AssociateRouteTable",
            borrow(&[
                ("vpcId".into(), vpc.clone()),
                ("subnetId".into(), subnet.clone()),
                ("routeTableId".into(), "rtb-none".into()),
            ]),
            "InvalidRouteTableId.NotFound",
        ),
        (
            "AssociateRouteTable",
            borrow(&[
                ("vpcId".into(), vpc.clone()),
                ("subnetId".into(), subnet.clone()),
                ("routeTableId".into(), rtb.clone()),
            ]),
            "ok",
        ),
        (
            "DeleteRouteTable",
            borrow(&[
                ("vpcId".into(), vpc.clone()),
                ("routeTableId".into(), rtb.clone()),
            ]),
            "InvalidRouteTable.CannotDelete",
        ),
    ];
    for (action, pairs, expected) in &cases {
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            outcome(&mut state, action, &pairs),
            *expected,
            "{action} {pairs:?}"
        );
    }

    let tables = |state: &mut State| {
        ok(call(
            state,
            &a,
            "DescribeRouteTable",
            &[("vpcId", &vpc), ("orderDirection", "asc")],
            T0,
        ))
    };
    let listed = tables(&mut state);
    assert_eq!(listed["totalCount"], 2);
    let default = &listed["data"][0];
    assert_eq!(default["routeTableType"], 1);
    assert_eq!(default["subnetNum"], 0);
    assert_eq!(default["routeSet"][0]["destinationCidrBlock"], "Local");
    let custom = &listed["data"][1];
    assert_eq!(custom["subnetNum"], 1);
    assert_eq!(custom["routeSet"][1]["destinationCidrBlock"], "10.9.0.0/16");
    assert_eq!(custom["routeSet"], custom["routeTableSet"]);
    let default_id = default["routeTableId"].as_str().expect("id").to_owned();
    assert_eq!(
        outcome(
            &mut state,
            "DeleteRouteTable",
            &[("vpcId", &vpc), ("routeTableId", &default_id)]
        ),
        "InvalidRouteTable.CannotDelete"
    );
    let ids = [("vpcId", vpc.as_str()), ("subnetId", subnet.as_str())];
    assert_eq!(
        ok(call(&mut state, &a, "DescribeSubnet", &ids, T0))["routeTableId"],
        custom["routeTableId"]
    );

    // Deleting the peering takes its route along.
    ok(call(
        &mut state,
        &a,
        "DeleteVpcPeeringConnection",
        &[("peeringConnectionId", &pcx)],
        T0,
    ));
    assert_eq!(
        tables(&mut state)["data"][1]["routeSet"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        outcome(
            &mut state,
            "ModifyRouteTableAttribute",
            &[
                ("vpcId", &vpc),
                ("routeTableId", &rtb),
                ("routeSet.0.destinationCidrBlock", "10.9.0.0/16"),
                ("routeSet.0.nextType", "4"),
                ("routeSet.0.nextHub", &pcx),
            ]
        ),
        "InvalidRouteNextHub.NotFound"
    );
    assert_eq!(
        outcome(
            &mut state,
            "ModifyRouteTableAttribute",
            &[
                ("vpcId", &vpc),
                ("routeTableId", &rtb),
                ("routeTableName", "default")
            ]
        ),
        "InvalidRouteTableName.InUse"
    );
    ok(call(
        &mut state,
        &a,
        "ModifyRouteTableAttribute",
        &[
            ("vpcId", &vpc),
            ("routeTableId", &rtb),
            ("routeTableName", "renamed"),
            ("routeSet.0.destinationCidrBlock", "0.0.0.0/0"),
            ("routeSet.0.nextType", "0"),
            ("routeSet.0.nextHub", "gw"),
        ],
        T0,
    ));
    let custom = &tables(&mut state)["data"][1];
    assert_eq!(custom["routeTableName"], "renamed");
    assert_eq!(custom["routeSet"][1]["destinationCidrBlock"], "0.0.0.0/0");

    ok(call(
        &mut state,
        &a,
        "AssociateRouteTable",
        &[
            ("vpcId", &vpc),
            ("subnetId", &subnet),
            ("routeTableId", &default_id),
        ],
        T0,
    ));
    ok(call(
        &mut state,
        &a,
        "DeleteRouteTable",
        &[("vpcId", &vpc), ("routeTableId", &rtb)],
        T0,
    ));
    assert_eq!(
        outcome(
            &mut state,
            "DeleteRouteTable",
            &[("vpcId", &vpc), ("routeTableId", &rtb)]
        ),
        "InvalidRouteTableId.NotFound"
    );
    assert_eq!(tables(&mut state)["totalCount"], 1);
    let none = ok(call(
        &mut state,
        &a,
        "DescribeRouteTable",
        &[("routeTableId", &rtb)],
        T0,
    ));
    assert_eq!(none["totalCount"], 0);
}

#[test]
fn network_acl_rules_bindings_and_errors() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let (vpc, subnet) = vpc_with_subnet(&mut state);
    let create_acl = |state: &mut State, name: &str| {
        let out = ok(call(
            state,
            &a,
            "CreateNetworkAcl",
            &[("vpcId", &vpc), ("networkAclName", name)],
            T0,
        ));
        out["data"]["networkAclId"]
            .as_str()
            .expect("an id")
            .to_owned()
    };
    let web = create_acl(&mut state, "web");
    assert!(web.starts_with("acl-") && web.len() == 12, "{web}");
    let db = create_acl(&mut state, "db");
    let entry = |protocol: &'static str, cidr: &'static str, ports: &'static str| {
        vec![
            ("vpcId", vpc.as_str()),
            ("networkAclId", web.as_str()),
            ("ruleDirection", "1"),
            ("networkAclEntrySet.0.desc", "d"),
            ("networkAclEntrySet.0.ipProtocol", protocol),
            ("networkAclEntrySet.0.cidrIp", cidr),
            ("networkAclEntrySet.0.portRange", ports),
            ("networkAclEntrySet.0.action", "1"),
        ]
    };
    type Pairs<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&str, Pairs<'_>, &str)> = vec![
        (
            "CreateNetworkAcl",
            vec![("vpcId", &vpc), ("networkAclName", "web")],
            "InvalidNetworkAclName.InUse",
        ),
        (
            "CreateNetworkAcl",
            vec![("vpcId", "vpc-none"), ("networkAclName", "x")],
            "InvalidVpc.NotFound",
        ),
        (
            "ModifyNetworkAcl",
            vec![
                ("vpcId", &vpc),
                ("networkAclId", "acl-none"),
                ("networkAclName", "x"),
            ],
            "InvalidNetworkAclID.NotFound",
        ),
        (
            "ModifyNetworkAcl",
            vec![
                ("vpcId", &vpc),
                ("networkAclId", &web),
                ("networkAclName", "db"),
            ],
            "InvalidNetworkAclName.InUse",
        ),
        (
            "ModifyNetworkAclEntry",
            entry("gre", "10.0.0.0/8", "ALL"),
            "InvalidParameter",
        ),
        (
            "ModifyNetworkAclEntry",
            entry("tcp", "10.0.0.1/8", "80"),
            "InvalidParameter",
        ),
        (
            "ModifyNetworkAclEntry",
            entry("tcp", "10.0.0.0/8", "100-90"),
            "InvalidParameter",
        ),
        (
            "ModifyNetworkAclEntry",
            entry("tcp", "10.0.0.0/8", "0"),
            "InvalidParameter",
        ),
        (
            "ModifyNetworkAclEntry",
            entry("TCP", "10.0.0.0/8", "90-100"),
            "ok",
        ),
        (
            "ModifyNetworkAclEntry",
            entry("all", "1.2.3.4", "all"),
            "ok",
        ),
        (
            "CreateSubnetAclRule",
            vec![
                ("vpcId", &vpc),
                ("networkAclId", &web),
                ("subnetIds.0", "subnet-none"),
            ],
            "InvalidSubnet.NotFound",
        ),
        (
            "CreateSubnetAclRule",
            vec![
                ("vpcId", &vpc),
                ("networkAclId", "acl-none"),
                ("subnetIds.0", &subnet),
            ],
            "InvalidNetworkAclID.NotFound",
        ),
        (
            "DeteleSubnetAclRule",
            vec![
                ("vpcId", &vpc),
                ("networkAclId", &web),
                ("subnetIds.0", &subnet),
            ],
            "InvalidSubnetAclRule.NotFound",
        ),
        (
            "CreateSubnetAclRule",
            vec![
                ("vpcId", &vpc),
                ("networkAclId", &web),
                ("subnetIds.0", &subnet),
            ],
            "ok",
        ),
        // Binding again to the same ACL is harmless; another ACL is refused.
        (
            "CreateSubnetAclRule",
            vec![
                ("vpcId", &vpc),
                ("networkAclId", &web),
                ("subnetIds.0", &subnet),
            ],
            "ok",
        ),
        (
            "CreateSubnetAclRule",
            vec![
                ("vpcId", &vpc),
                ("networkAclId", &db),
                ("subnetIds.0", &subnet),
            ],
            "InvalidSubnet.AclBound",
        ),
        (
            "DeteleSubnetAclRule",
            vec![
                ("vpcId", &vpc),
                ("networkAclId", &db),
                ("subnetIds.0", &subnet),
            ],
            "InvalidSubnetAclRule.NotFound",
        ),
        (
            "DeleteNetworkAcl",
            vec![("vpcId", &vpc), ("networkAclId", &web)],
            "NetworkAclID.InUse",
        ),
        (
            "DeleteNetworkAcl",
            vec![("vpcId", &vpc), ("networkAclId", &db)],
            "ok",
        ),
        (
            "DeleteNetworkAcl",
            vec![("vpcId", &vpc), ("networkAclId", &db)],
            "InvalidNetworkAclID.NotFound",
        ),
    ];
    for (action, pairs, expected) in &cases {
        assert_eq!(
            outcome(&mut state, action, pairs),
            *expected,
            "{action} {pairs:?}"
        );
    }
    assert_eq!(
        Failure::business_name("InvalidNetworkAclID.NotFound", "m").code,
        5000
    );
    assert_eq!(Failure::business_name("NetworkAclID.InUse", "m").code, 5100);

    // The last accepted inbound list replaced the first; outbound stays empty.
    let listed = ok(call(
        &mut state,
        &a,
        "DescribeNetworkAcl",
        &[("vpcId", &vpc)],
        T0,
    ));
    assert_eq!(listed["totalCount"], 1);
    let item = &listed["data"][0];
    assert_eq!(item["networkAclName"], "web");
    assert_eq!(item["subnetNum"], 1);
    assert_eq!(item["subnetSet"][0]["unSubnetId"], subnet.as_str());
    assert_eq!(
        item["networkAclEntrySet"],
        json!({
            "ingress": [{"desc": "d", "ipProtocol": "all", "cidrIp": "1.2.3.4", "portRange": "all", "action": 1}],
            "egress": [],
        })
    );
    let old = ok(call(&mut state, &a, "DescribeAcl", &[("name", "web")], T0));
    assert_eq!(old["data"]["totalCount"], 1);
    let acl_item = &old["data"]["aclSet"][0];
    assert_eq!(acl_item["aclId"], web.as_str());
    assert_eq!(acl_item["networkAclId"], web.as_str());
    assert_eq!(acl_item["acl"][0]["name"], "d");
    assert_eq!(
        ok(call(&mut state, &a, "DescribeAcl", &[("name", "we")], T0))["data"]["totalCount"],
        0
    );

    // DescribeSubnetEx reports the binding only when asked to.
    let acl_of = |state: &mut State, flag: &str| {
        let out = ok(call(
            state,
            &a,
            "DescribeSubnetEx",
            &[("subnetId", &subnet), ("getAclIdFlag", flag)],
            T0,
        ));
        out["data"][0]["networkAclId"]
            .as_str()
            .expect("an id")
            .to_owned()
    };
    assert_eq!(acl_of(&mut state, "1"), web);
    assert_eq!(acl_of(&mut state, "0"), "0");

    ok(call(
        &mut state,
        &a,
        "DeteleSubnetAclRule",
        &[
            ("vpcId", &vpc),
            ("networkAclId", &web),
            ("subnetIds.0", &subnet),
        ],
        T0,
    ));
    assert_eq!(acl_of(&mut state, "1"), "0");
    ok(call(
        &mut state,
        &a,
        "DeleteNetworkAcl",
        &[("vpcId", &vpc), ("networkAclId", &web)],
        T0,
    ));
    let listed = ok(call(&mut state, &a, "DescribeNetworkAcl", &[], T0));
    assert_eq!(listed["totalCount"], 0);
    assert_eq!(
        outcome(&mut state, "DescribeNetworkAcl", &[("vpcId", "vpc-none")]),
        "InvalidVpc.NotFound"
    );
}

#[test]
fn network_acls_order_and_page() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let vpc = create_vpc(&mut state, &a, "v", "10.0.0.0/16");
    for (i, name) in ["charlie", "alpha", "bravo"].into_iter().enumerate() {
        ok(call(
            &mut state,
            &a,
            "CreateNetworkAcl",
            &[("vpcId", &vpc), ("networkAclName", name)],
            T0 + i as i64,
        ));
    }
    // Another account's ACLs stay invisible.
    let b_vpc = create_vpc(&mut state, &caller(B, "gz"), "v", "10.0.0.0/16");
    ok(call(
        &mut state,
        &caller(B, "gz"),
        "CreateNetworkAcl",
        &[("vpcId", &b_vpc), ("networkAclName", "alpha")],
        T0,
    ));
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (&[], &["charlie", "alpha", "bravo"]),
        (
            &[("orderDirection", "desc")],
            &["bravo", "alpha", "charlie"],
        ),
        (
            &[("orderField", "networkAclName")],
            &["alpha", "bravo", "charlie"],
        ),
        (&[("limit", "1"), ("offset", "1")], &["alpha"]),
        (&[("networkAclName", "ra")], &["bravo"]),
    ];
    for &(pairs, expected) in cases {
        let out = ok(call(&mut state, &a, "DescribeNetworkAcl", pairs, T0));
        let names: Vec<&str> = out["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|d| d["networkAclName"].as_str().expect("a name"))
            .collect();
        assert_eq!(names, expected, "{pairs:?}");
    }
}
