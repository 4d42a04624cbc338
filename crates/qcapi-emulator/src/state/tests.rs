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

/// The private addresses (primary first) and id of A's only interface whose name contains `name`.
fn eni_by_name(state: &mut State, name: &str) -> (String, Vec<String>) {
    let out = ok(call(
        state,
        &caller(A, "gz"),
        "DescribeNetworkInterfaces",
        &[("eniName", name)],
        T0,
    ));
    assert_eq!(out["totalCount"], 1, "{name}: {out}");
    let item = &out["data"][0];
    let ips = item["privateIpAddressesSet"]
        .as_array()
        .expect("addresses")
        .iter()
        .map(|ip| {
            let text = ip["privateIpAddress"].as_str().expect("an address");
            let primary = ip["primary"].as_bool().expect("a flag");
            format!("{text}{}", if primary { "*" } else { "" })
        })
        .collect();
    let id = item["networkInterfaceId"].as_str().expect("an id");
    (id.to_owned(), ips)
}

#[test]
fn eni_addresses_are_allocated_in_the_subnet() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let (vpc, subnet) = vpc_with_subnet(&mut state); // 10.0.1.0/24
    let tiny = ok(call(
        &mut state,
        &a,
        "CreateSubnet",
        &[
            ("vpcId", &vpc),
            ("subnetSet.0.subnetName", "tiny"),
            ("subnetSet.0.cidrBlock", "10.0.2.0/28"),
            ("subnetSet.0.zoneId", "100004"),
        ],
        T0,
    ))["subnetSet"][0]["unSubnetId"]
        .as_str()
        .expect("an id")
        .to_owned();
    let base = |subnet: &str, name: &str| -> Vec<(String, String)> {
        vec![
            ("vpcId".into(), vpc.clone()),
            ("subnetId".into(), subnet.to_owned()),
            ("eniName".into(), name.to_owned()),
        ]
    };
    let with = |mut pairs: Vec<(String, String)>, extra: &[(&str, &str)]| {
        pairs.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        pairs
    };
    let ip = |address: &str, primary: &str| -> Vec<(String, String)> {
        vec![
            (
                "privateIpAddressSet.0.privateIpAddress".into(),
                address.to_owned(),
            ),
            ("privateIpAddressSet.0.primary".into(), primary.to_owned()),
        ]
    };
    let count = |n: &'static str| ("secondaryPrivateIpAddressCount", n);
    type Pairs = Vec<(String, String)>;
    let cases: Vec<(Pairs, &str)> = vec![
        (base(&subnet, "alpha"), "ok"),
        (with(base(&subnet, "bravo"), &[count("2")]), "ok"),
        // An explicit secondary: the lowest free address becomes the primary.
        (
            with(
                [base(&subnet, "charlie"), ip("10.0.1.9", "false")].concat(),
                &[],
            ),
            "ok",
        ),
        (base(&subnet, "alpha"), "InvalidNetworkInterface.InUse"),
        (base("subnet-none", "x"), "InvalidSubnet.NotFound"),
        (
            [base(&subnet, "x"), ip("10.0.1.2", "true")].concat(),
            "InvalidPrivateIpAddress.InUse",
        ),
        (
            [base(&subnet, "x"), ip("10.0.1.1", "true")].concat(),
            "InvalidParameter",
        ),
        (
            [base(&subnet, "x"), ip("10.0.1.255", "true")].concat(),
            "InvalidParameter",
        ),
        (
            [base(&subnet, "x"), ip("10.0.2.5", "true")].concat(),
            "InvalidParameter",
        ),
        (
            with(
                [base(&subnet, "x"), ip("10.0.1.20", "true")].concat(),
                &[
                    ("privateIpAddressSet.1.privateIpAddress", "10.0.1.21"),
                    ("privateIpAddressSet.1.primary", "true"),
                ],
            ),
            "InvalidParameter",
        ),
        (with(base(&subnet, "x"), &[count("-1")]), "InvalidParameter"),
        // A /28 hands out 13 addresses.
        (
            with(base(&tiny, "x"), &[count("13")]),
            "ResourceInsufficient.Subnet",
        ),
        (with(base(&tiny, "full"), &[count("12")]), "ok"),
        (base(&tiny, "x"), "ResourceInsufficient.Subnet"),
    ];
    for (pairs, expected) in &cases {
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            outcome(&mut state, "CreateNetworkInterface", &pairs),
            *expected,
            "{pairs:?}"
        );
    }
    let (_, ips) = eni_by_name(&mut state, "alpha");
    assert_eq!(ips, ["10.0.1.2*"]);
    let (bravo, ips) = eni_by_name(&mut state, "bravo");
    assert_eq!(ips, ["10.0.1.3*", "10.0.1.4", "10.0.1.5"]);
    let (_, ips) = eni_by_name(&mut state, "charlie");
    assert_eq!(ips, ["10.0.1.6*", "10.0.1.9"]);
    let (_, ips) = eni_by_name(&mut state, "full");
    assert_eq!(ips.first().map(String::as_str), Some("10.0.2.2*"));
    assert_eq!(ips.last().map(String::as_str), Some("10.0.2.14"));
    let subnets = ok(call(
        &mut state,
        &a,
        "DescribeSubnetEx",
        &[("vpcId", &vpc), ("orderDirection", "asc")],
        T0,
    ));
    assert_eq!(subnets["data"][0]["availableIPNum"], 253 - 6);
    assert_eq!(subnets["data"][1]["availableIPNum"], 0);

    // Secondary addresses: add (explicit and counted), release.
    let eni = |extra: &[(&'static str, &'static str)]| {
        let mut pairs = vec![
            ("vpcId", vpc.as_str()),
            ("networkInterfaceId", bravo.as_str()),
        ];
        pairs.extend_from_slice(extra);
        pairs
    };
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: &[Case<'_>] = &[
        ("AssignPrivateIpAddresses", eni(&[]), "InvalidParameter"),
        (
            "AssignPrivateIpAddresses",
            eni(&[
                ("privateIpAddressSet.0.privateIpAddress", "10.0.1.30"),
                ("privateIpAddressSet.0.primary", "true"),
            ]),
            "InvalidParameter",
        ),
        (
            "AssignPrivateIpAddresses",
            eni(&[
                ("privateIpAddressSet.0.privateIpAddress", "10.0.1.9"),
                ("privateIpAddressSet.0.primary", "false"),
            ]),
            "InvalidPrivateIpAddress.InUse",
        ),
        (
            "AssignPrivateIpAddresses",
            eni(&[
                ("privateIpAddressSet.0.privateIpAddress", "10.0.1.30"),
                ("privateIpAddressSet.0.primary", "false"),
                ("secondaryPrivateIpAddressCount", "1"),
            ]),
            "ok",
        ),
        (
            "UnassignPrivateIpAddresses",
            eni(&[("privateIpAddress.0", "10.0.1.3")]),
            "InvalidPrivateip.IsPrimary",
        ),
        (
            "UnassignPrivateIpAddresses",
            eni(&[("privateIpAddress.0", "10.0.1.2")]),
            "InvalidPrivateIpAddress.NotFound",
        ),
        (
            "UnassignPrivateIpAddresses",
            eni(&[
                ("privateIpAddress.0", "10.0.1.4"),
                ("privateIpAddress.1", "10.0.1.5"),
            ]),
            "ok",
        ),
        (
            "AssignPrivateIpAddresses",
            vec![
                ("vpcId", vpc.as_str()),
                ("networkInterfaceId", "eni-none"),
                ("secondaryPrivateIpAddressCount", "1"),
            ],
            "InvalidNetworkInterface.NotFound",
        ),
    ];
    for (action, pairs, expected) in cases {
        assert_eq!(
            outcome(&mut state, action, pairs),
            *expected,
            "{action} {pairs:?}"
        );
    }
    let (_, ips) = eni_by_name(&mut state, "bravo");
    assert_eq!(ips, ["10.0.1.3*", "10.0.1.30", "10.0.1.7"]);
    assert_eq!(
        Failure::business_name("InvalidNetworkInterface.NotFound", "m").code,
        5000
    );
    assert_eq!(
        Failure::business_name("ResourceInsufficient.Subnet", "m").code,
        5100
    );

    // A subnet holding interfaces cannot be deleted.
    assert_eq!(
        outcome(
            &mut state,
            "DeleteSubnet",
            &[("vpcId", &vpc), ("subnetId", &tiny)]
        ),
        "InvalidSubnet.CannotDelete"
    );
}

#[test]
fn eni_life_cycle_tasks_and_listing() {
    let mut state = State::default();
    let a = caller(A, "gz");
    let (vpc, subnet) = vpc_with_subnet(&mut state);
    let create = |state: &mut State, name: &str, description: &str, now: i64| {
        let out = ok(call(
            state,
            &a,
            "CreateNetworkInterface",
            &[
                ("vpcId", &vpc),
                ("subnetId", &subnet),
                ("eniName", name),
                ("eniDescription", description),
                ("sgIds.0", "sg-1"),
            ],
            now,
        ));
        let task = out["taskId"].as_u64().expect("taskId").to_string();
        let query = [("taskId", task.as_str())];
        assert_eq!(
            ok(call(state, &a, "DescribeVpcTaskResult", &query, now))["data"]["status"],
            2
        );
        let done = ok(call(state, &a, "DescribeVpcTaskResult", &query, now));
        assert_eq!(done["data"]["status"], 0);
        done["data"]["output"]["networkInterfaceId"]
            .as_str()
            .expect("an id")
            .to_owned()
    };
    let charlie = create(&mut state, "charlie", "front", T0);
    create(&mut state, "alpha", "back", T0 + 1);
    create(&mut state, "bravo", "front door", T0 + 2);
    let names = |state: &mut State, pairs: &[(&str, &str)]| {
        let out = ok(call(state, &a, "DescribeNetworkInterfaces", pairs, T0));
        let names: Vec<String> = out["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|d| d["eniName"].as_str().expect("a name").to_owned())
            .collect();
        (out["totalCount"].as_i64().expect("total"), names)
    };
    type Case<'a> = (&'a [(&'a str, &'a str)], i64, &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (&[], 3, &["bravo", "alpha", "charlie"]),
        (
            &[("orderDirection", "asc")],
            3,
            &["charlie", "alpha", "bravo"],
        ),
        (
            &[("orderField", "eniName"), ("orderDirection", "asc")],
            3,
            &["alpha", "bravo", "charlie"],
        ),
        (&[("eniDescription", "front")], 2, &["bravo", "charlie"]),
        (&[("networkInterfaceId", &charlie)], 1, &["charlie"]),
        (
            &[("subnetId", "gz_subnet_3")],
            3,
            &["bravo", "alpha", "charlie"],
        ),
        (&[("subnetId", "subnet-other")], 0, &[]),
        (&[("sgId", "sg-1")], 3, &["bravo", "alpha", "charlie"]),
        (&[("instanceId", "ins-1")], 0, &[]),
        (&[("limit", "1"), ("offset", "1")], 3, &["alpha"]),
    ];
    for &(pairs, total, expected) in cases {
        assert_eq!(
            names(&mut state, pairs),
            (total, expected.iter().map(|n| (*n).to_owned()).collect()),
            "{pairs:?}"
        );
    }
    let out = ok(call(
        &mut state,
        &a,
        "DescribeNetworkInterfaces",
        &[("networkInterfaceId", &charlie)],
        T0,
    ));
    let item = &out["data"][0];
    assert_eq!(item["vpcId"], vpc.as_str());
    assert_eq!(item["subnetId"], subnet.as_str());
    assert_eq!(item["zoneId"], 100003);
    assert_eq!(item["groupSet"], json!([{"sgId": "sg-1", "sgName": ""}]));
    assert_eq!(item["instanceSet"], json!([]));
    let mac = item["macAddress"].as_str().expect("a MAC");
    assert!(mac.starts_with("20:90:6f:") && mac.len() == 17, "{mac}");

    let ids = [
        ("vpcId", vpc.as_str()),
        ("networkInterfaceId", charlie.as_str()),
    ];
    let modify = |state: &mut State, extra: &[(&str, &str)]| {
        let mut pairs = ids.to_vec();
        pairs.extend_from_slice(extra);
        outcome(state, "ModifyNetworkInterface", &pairs)
    };
    assert_eq!(
        modify(&mut state, &[("eniName", "alpha")]),
        "InvalidNetworkInterface.InUse"
    );
    assert_eq!(modify(&mut state, &[("eniName", "charlie")]), "ok");
    assert_eq!(
        modify(
            &mut state,
            &[("eniName", "delta"), ("eniDescription", "new")]
        ),
        "ok"
    );
    assert_eq!(
        names(&mut state, &[("eniDescription", "new")]),
        (1, vec!["delta".to_owned()])
    );

    let out = ok(call(&mut state, &a, "DeleteNetworkInterface", &ids, T0));
    assert!(out["taskId"].is_u64(), "{out:?}");
    assert_eq!(names(&mut state, &[("networkInterfaceId", &charlie)]).0, 0);
    assert_eq!(
        outcome(&mut state, "DeleteNetworkInterface", &ids),
        "InvalidNetworkInterface.NotFound"
    );
    assert_eq!(
        modify(&mut state, &[("eniName", "x")]),
        "InvalidNetworkInterface.NotFound"
    );
    assert_eq!(
        outcome(
            &mut state,
            "DescribeNetworkInterfaces",
            &[("vpcId", "vpc-none")]
        ),
        "InvalidVpc.NotFound"
    );
    // B sees none of A's interfaces.
    let out = ok(call(
        &mut state,
        &caller(B, "gz"),
        "DescribeNetworkInterfaces",
        &[],
        T0,
    ));
    assert_eq!(out["totalCount"], 0);
}
