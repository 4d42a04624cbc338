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
