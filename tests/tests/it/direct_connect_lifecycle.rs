//! Direct-connect gateway life cycle through both clients: create a NAT-type
//! gateway → describe → modify (a task) → one rule of each NAT rule family and
//! an ACL rule → describe them (raw bodies where the typed outputs have no
//! fields) → a route through the gateway, one through an unknown gateway
//! refused → business errors → delete (a task) → its rules and routes gone.

use qcapi_core::vpc::*;
use qcapi_core::{Error, Output};
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{Driver, client, create_vpc, variants};
use serde_json::Value;

fn api_code_desc(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Api(e)) => e.code_desc.unwrap_or_default(),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The `data` list of a raw answer.
fn raw_data(out: &impl Output) -> Vec<Value> {
    let body: Value = serde_json::from_str(out.raw()).expect("a JSON body");
    body["data"].as_array().cloned().expect("a data list")
}

fn gateways(c: &Driver, vpc: &str) -> Vec<DescribeDirectConnectGatewayData> {
    let out = c
        .send(&DescribeDirectConnectGateway::new().vpc_id(vpc))
        .expect("DescribeDirectConnectGateway");
    out.data.unwrap_or_default()
}

/// The routes of route table `table`.
fn routes(c: &Driver, table: &str) -> Vec<DescribeRouteTableDataRouteSet> {
    let tables = c
        .send(&DescribeRouteTable::new().route_table_id(table))
        .expect("DescribeRouteTable");
    tables.data.expect("data")[0]
        .route_set
        .clone()
        .expect("routes")
}

#[test]
fn direct_connect_gateway_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = create_vpc(&c, "net", "10.8.0.0/16");

        let dcg = c
            .send(&CreateDirectConnectGateway::new(&vpc, "dc").r#type(1))
            .expect("CreateDirectConnectGateway")
            .data
            .and_then(|d| d.direct_connect_gateway_id)
            .expect("an id");
        assert!(dcg.starts_with("dcg-"), "{dcg}");
        let listed = gateways(&c, &vpc);
        assert_eq!(listed.len(), 1, "{v:?}");
        assert_eq!(listed[0].direct_connect_gateway_id.as_deref(), Some(&*dcg));
        assert_eq!(listed[0].direct_connect_gateway_name.as_deref(), Some("dc"));
        assert_eq!((listed[0].r#type, listed[0].snat_num), (Some(1), Some(0)));

        let task = c
            .send(&ModifyDirectConnectGateway::new(&vpc, &dcg, "edge"))
            .expect("ModifyDirectConnectGateway")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        let item = &gateways(&c, &vpc)[0];
        assert_eq!(item.direct_connect_gateway_name.as_deref(), Some("edge"));

        // One rule of each family; the local IP and source-port Creates return tasks.
        let task = c
            .send(&CreateLocalIPTranslationNatRule::new(
                &vpc,
                &dcg,
                [CreateLocalIPTranslationNatRuleLocalIPTranslationParam::new(
                    "10.8.0.5", "1.1.1.1",
                )
                .description("web")],
            ))
            .expect("CreateLocalIPTranslationNatRule")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        c.send(&CreatePeerIPTranslationNatRule::new(
            &vpc,
            &dcg,
            [CreatePeerIPTranslationNatRulePeerIPTranslationParam::new(
                "2.2.2.2", "3.3.3.3",
            )],
        ))
        .expect("CreatePeerIPTranslationNatRule");
        let task = c
            .send(&CreateLocalSourceIPPortTranslationNatRule::new(
                &vpc,
                &dcg,
                [
                    CreateLocalSourceIPPortTranslationNatRuleLocalSourceIPPortTranslationParam::new(
                        "4.4.4.0/24",
                    ),
                ],
            ))
            .expect("CreateLocalSourceIPPortTranslationNatRule")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        c.send(&CreateLocalDestinationIPPortTranslationNatRule::new(
            &vpc,
            &dcg,
            [
                CreateLocalDestinationIPPortTranslationNatRuleLocalDestinationIPPortTranslationParam::new(
                    "10.8.0.6", 80, "5.5.5.5", 8080, "tcp",
                ),
            ],
        ))
        .expect("CreateLocalDestinationIPPortTranslationNatRule");
        c.send(&CreateLocalIPTranslationAclRule::new(
            &vpc,
            &dcg,
            "10.8.0.5",
            "1.1.1.1",
            [CreateLocalIPTranslationAclRuleAclRulesParam::new(
                "TCP",
                "0",
                "6.6.6.0/24",
                "80",
            )],
        ))
        .expect("CreateLocalIPTranslationAclRule");

        let local = c
            .send(&DescribeLocalIPTranslationNatRule::new(&vpc, &dcg))
            .expect("DescribeLocalIPTranslationNatRule")
            .data
            .expect("data");
        assert_eq!(local.len(), 1, "{v:?}");
        assert_eq!(local[0].original_ip.as_deref(), Some("10.8.0.5"));
        assert_eq!(local[0].translation_ip.as_deref(), Some("1.1.1.1"));
        assert_eq!(local[0].description.as_deref(), Some("web"));
        let peer = c
            .send(&DescribePeerIPTranslationNatRule::new(&dcg, &vpc))
            .expect("DescribePeerIPTranslationNatRule");
        let peer = raw_data(&peer);
        assert_eq!(peer.len(), 1, "{peer:?}");
        assert_eq!(peer[0]["translationIP"], "3.3.3.3");
        let source = c
            .send(&DescribeLocalSourceIPPortTranslationNatRule::new(
                &dcg, &vpc,
            ))
            .expect("DescribeLocalSourceIPPortTranslationNatRule");
        let source = raw_data(&source);
        assert_eq!(source.len(), 1, "{source:?}");
        assert_eq!(source[0]["translationIPPool"], "4.4.4.0/24");
        let destination = c
            .send(&DescribeLocalDestinationIPPortTranslationNatRule::new(
                &dcg, &vpc,
            ))
            .expect("DescribeLocalDestinationIPPortTranslationNatRule");
        let destination = raw_data(&destination);
        assert_eq!(destination.len(), 1, "{destination:?}");
        assert_eq!(destination[0]["translationPort"], "8080");
        let acls = c
            .send(&DescribeLocalIPTranslationAclRule::new(&dcg, &vpc))
            .expect("DescribeLocalIPTranslationAclRule");
        let acls = raw_data(&acls);
        assert_eq!(acls.len(), 1, "{acls:?}");
        assert_eq!(acls[0]["destinationCidr"], "6.6.6.0/24");
        assert_eq!(acls[0]["originalIP"], "10.8.0.5");
        assert!(acls[0]["aclRuleId"].is_string(), "{acls:?}");
        let item = &gateways(&c, &vpc)[0];
        let counts = (item.snat_num, item.dnat_num, item.snapt_num, item.dnapt_num);
        assert_eq!(counts, (Some(1), Some(1), Some(1), Some(1)), "{v:?}");

        // A route through the gateway; one through an unknown gateway is refused.
        let table = c
            .send(&CreateRouteTable::new(&vpc, "via-dc").route_set([
                CreateRouteTableRouteSetParam::new("192.168.0.0/16", "3", &dcg),
            ]))
            .expect("CreateRouteTable")
            .un_route_table_id
            .expect("an id");
        assert_eq!(routes(&c, &table).len(), 2, "{v:?}");
        assert_eq!(
            api_code_desc(c.send(&CreateRouteTable::new(&vpc, "nowhere").route_set([
                CreateRouteTableRouteSetParam::new("192.168.0.0/16", "3", "dcg-00000000"),
            ]))),
            "InvalidRouteNextHub.NotFound"
        );

        // Business errors: a duplicate rule, a rule on a non-NAT gateway.
        assert_eq!(
            api_code_desc(c.send(&CreateLocalIPTranslationNatRule::new(
                &vpc,
                &dcg,
                [CreateLocalIPTranslationNatRuleLocalIPTranslationParam::new(
                    "10.8.0.5", "1.1.1.2",
                )],
            ))),
            "InvalidOriginalIP.Duplicate"
        );
        let plain = c
            .send(&CreateDirectConnectGateway::new(&vpc, "plain").r#type(0))
            .expect("CreateDirectConnectGateway")
            .data
            .and_then(|d| d.direct_connect_gateway_id)
            .expect("an id");
        assert_eq!(
            api_code_desc(c.send(&CreatePeerIPTranslationNatRule::new(
                &vpc,
                &plain,
                [CreatePeerIPTranslationNatRulePeerIPTranslationParam::new(
                    "2.2.2.9", "3.3.3.9",
                )],
            ))),
            "InvalidDirectConnectGateway.NotNat"
        );

        let task = c
            .send(&DeleteDirectConnectGateway::new(&vpc, &dcg))
            .expect("DeleteDirectConnectGateway")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        let left = gateways(&c, &vpc);
        let ids: Vec<_> = left
            .iter()
            .map(|g| g.direct_connect_gateway_id.clone())
            .collect();
        assert_eq!(ids, [Some(plain.clone())], "{v:?}");
        assert_eq!(
            api_code_desc(c.send(&DescribeLocalIPTranslationNatRule::new(&vpc, &dcg))),
            "InvalidDirectConnectGateway.NotFound"
        );
        let only_local = routes(&c, &table);
        assert_eq!(
            only_local.len(),
            1,
            "only the local route is left: {only_local:?}"
        );
        assert_eq!(
            api_code_desc(c.send(&ModifyDirectConnectGateway::new(&vpc, &dcg, "x"))),
            "InvalidDirectConnectGateway.NotFound"
        );
        // The gateway can come back with no rules.
        let again = c
            .send(&CreateDirectConnectGateway::new(&vpc, "dc").r#type(1))
            .expect("CreateDirectConnectGateway")
            .data
            .and_then(|d| d.direct_connect_gateway_id)
            .expect("an id");
        let peer = c
            .send(&DescribePeerIPTranslationNatRule::new(&again, &vpc))
            .expect("DescribePeerIPTranslationNatRule");
        assert!(raw_data(&peer).is_empty(), "{v:?}");

        for gateway in [&plain, &again] {
            let task = c
                .send(&DeleteDirectConnectGateway::new(&vpc, gateway))
                .expect("DeleteDirectConnectGateway")
                .task_id
                .expect("taskId");
            assert_eq!(c.wait_task(task), 0);
        }
        c.send(&DeleteRouteTable::new(&vpc, &table))
            .expect("DeleteRouteTable");
        c.send(&DeleteVpc::new(&vpc)).expect("DeleteVpc");
    }
}
