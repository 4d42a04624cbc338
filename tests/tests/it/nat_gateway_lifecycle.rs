//! NAT gateway life cycle through both clients: create (a bill, polled with
//! QueryNatGatewayProductionStatus) → describe → modify → bind an EIP (a task) →
//! add a port-forwarding rule → a route through the gateway → business errors →
//! delete (a task) → describe shows it gone, its route too, and the VPC can go.

use qcapi_core::Error;
use qcapi_core::vpc::*;
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{Driver, client, create_vpc, variants};

fn api_code_desc(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Api(e)) => e.code_desc.unwrap_or_default(),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Polls the bill until it is no longer in progress; returns its final status.
fn wait_bill(c: &Driver, bill: &str) -> i64 {
    for _ in 0..10 {
        let out = c
            .send(&QueryNatGatewayProductionStatus::new(bill))
            .expect("QueryNatGatewayProductionStatus");
        let status = out.data.expect("data").status.expect("status");
        if status != 2 {
            return status;
        }
    }
    panic!("bill {bill} still in progress");
}

fn gateways(c: &Driver, vpc: &str) -> Vec<DescribeNatGatewayData> {
    let out = c
        .send(&DescribeNatGateway::new().vpc_id(vpc))
        .expect("DescribeNatGateway");
    out.data.expect("data")
}

#[test]
fn nat_gateway_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = create_vpc(&c, "net", "10.8.0.0/16");

        let bill = c
            .send(&CreateNatGateway::new("egress", &vpc, 1_000_000).assigned_eip_set(["1.2.3.4"]))
            .expect("CreateNatGateway")
            .bill_id
            .expect("billId");
        assert_eq!(wait_bill(&c, &bill), 0, "{v:?}");
        let listed = gateways(&c, &vpc);
        assert_eq!(listed.len(), 1, "{v:?}");
        let nat = listed[0].nat_id.clone().expect("an id");
        assert!(nat.starts_with("nat-"), "{nat}");
        assert_eq!(listed[0].bandwidth, Some(100));
        assert_eq!(
            listed[0].eip_set.as_deref(),
            Some(&["1.2.3.4".to_owned()][..])
        );

        c.send(
            &ModifyNatGateway::new(&vpc, &nat)
                .nat_name("edge")
                .bandwidth(200),
        )
        .expect("ModifyNatGateway");
        let task = c
            .send(&EipBindNatGateway::new(&nat, &vpc).assigned_eip_set(["5.6.7.8"]))
            .expect("EipBindNatGateway")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        let item = &gateways(&c, &vpc)[0];
        assert_eq!(item.nat_name.as_deref(), Some("edge"));
        assert_eq!((item.bandwidth, item.eip_count), (Some(200), Some(2)));

        c.send(&AddDnaptRule::new(
            &vpc,
            &nat,
            "tcp",
            "5.6.7.8",
            "80",
            "10.8.1.10",
            "8080",
        ))
        .expect("AddDnaptRule");
        assert_eq!(
            api_code_desc(c.send(&AddDnaptRule::new(
                &vpc,
                &nat,
                "tcp",
                "5.6.7.8",
                "80",
                "10.8.1.11",
                "8080"
            ))),
            "29152"
        );
        assert_eq!(
            api_code_desc(
                c.send(&EipBindNatGateway::new(&nat, &vpc).assigned_eip_set(["1.2.3.4"]))
            ),
            "InvalidEip.InUse"
        );
        let table = c
            .send(
                &CreateRouteTable::new(&vpc, "via-nat")
                    .route_set([CreateRouteTableRouteSetParam::new("0.0.0.0/0", "8", &nat)]),
            )
            .expect("CreateRouteTable")
            .un_route_table_id
            .expect("an id");
        assert_eq!(
            api_code_desc(c.send(&DeleteVpc::new(&vpc))),
            "InvalidVpc.CannotDelete"
        );

        let task = c
            .send(&DeleteNatGateway::new(&vpc, &nat))
            .expect("DeleteNatGateway")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert!(gateways(&c, &vpc).is_empty(), "{v:?}");
        let tables = c
            .send(&DescribeRouteTable::new().route_table_id(&table))
            .expect("DescribeRouteTable");
        let routes = tables.data.expect("data")[0]
            .route_set
            .clone()
            .expect("routes");
        assert_eq!(routes.len(), 1, "only the local route is left: {routes:?}");
        assert_eq!(
            api_code_desc(c.send(&ModifyNatGateway::new(&vpc, &nat).nat_name("x"))),
            "InvalidNatGatewayId.NotFound"
        );
        c.send(&DeleteRouteTable::new(&vpc, &table))
            .expect("DeleteRouteTable");
        c.send(&DeleteVpc::new(&vpc)).expect("DeleteVpc");
    }
}
