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
