//! Route table life cycle through both clients: create (with a route through an
//! active peering) → describe → associate a subnet, add and remove routes, rename →
//! delete → describe shows it gone; deleting the peering removes its routes.

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

fn table(d: &Driver, vpc: &str, id: &str) -> Option<DescribeRouteTableData> {
    let out = d
        .send(&DescribeRouteTable::new().vpc_id(vpc).route_table_id(id))
        .expect("DescribeRouteTable");
    out.data.unwrap_or_default().into_iter().next()
}

fn destinations(t: &DescribeRouteTableData) -> Vec<String> {
    t.route_set
        .iter()
        .flatten()
        .filter_map(|r| r.destination_cidr_block.clone())
        .collect()
}

#[test]
fn route_table_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let a = Account::demo_a();
        let c = client(&emulator, &a, v);
        let vpc = create_vpc(&c, "hub", "10.10.0.0/16");
        let peer = create_vpc(&c, "spoke", "10.11.0.0/16");
        let pcx = c
            .send(&CreateVpcPeeringConnection::new(
                &vpc,
                &peer,
                &a.uin,
                "hub-spoke",
            ))
            .expect("CreateVpcPeeringConnection")
            .peering_connection_id
            .expect("an id");
        let subnet = c
            .send(&CreateSubnet::new(&vpc).subnet_set([SubnetSpec::new(
                "app",
                "10.10.1.0/24",
                100003,
            )]))
            .expect("CreateSubnet")
            .subnet_set
            .expect("subnetSet")[0]
            .un_subnet_id
            .clone()
            .expect("an id");

        assert_eq!(
            api_code_desc(c.send(&CreateRouteTable::new(&vpc, "bad").route_set([
                CreateRouteTableRouteSetParam::new("10.12.0.0/16", "4", "pcx-nothing"),
            ]))),
            "InvalidRouteNextHub.NotFound"
        );
        let created = c
            .send(&CreateRouteTable::new(&vpc, "to-spoke").route_set([
                CreateRouteTableRouteSetParam::new("10.11.0.0/16", "4", &pcx),
            ]))
            .expect("CreateRouteTable");
        let rtb = created.un_route_table_id.clone().expect("an id");

        let t = table(&c, &vpc, &rtb).expect("listed");
        assert_eq!(t.route_table_name.as_deref(), Some("to-spoke"), "{v:?}");
        assert_eq!(destinations(&t), ["Local", "10.11.0.0/16"]);

        c.send(&AssociateRouteTable::new(&vpc, &subnet, &rtb))
            .expect("AssociateRouteTable");
        assert_eq!(table(&c, &vpc, &rtb).and_then(|t| t.subnet_num), Some(1));
        c.send(&CreateRoute::new(
            &vpc,
            &rtb,
            [CreateRouteRouteSetParam::new("0.0.0.0/0", "0", "gw-1")],
        ))
        .expect("CreateRoute");
        c.send(&DeleteRoute::new(
            &vpc,
            &rtb,
            [DeleteRouteRouteSetParam::new("0.0.0.0/0", "0", "gw-1")],
        ))
        .expect("DeleteRoute");
        c.send(&ModifyRouteTableAttribute::new(&vpc, &rtb).route_table_name("renamed"))
            .expect("ModifyRouteTableAttribute");
        let t = table(&c, &vpc, &rtb).expect("listed");
        assert_eq!(t.route_table_name.as_deref(), Some("renamed"));
        assert_eq!(destinations(&t), ["Local", "10.11.0.0/16"]);

        c.send(&DeleteVpcPeeringConnection::new(&pcx))
            .expect("DeleteVpcPeeringConnection");
        let t = table(&c, &vpc, &rtb).expect("listed");
        assert_eq!(destinations(&t), ["Local"], "the peering's route is gone");

        assert_eq!(
            api_code_desc(c.send(&DeleteRouteTable::new(&vpc, &rtb))),
            "InvalidRouteTable.CannotDelete",
            "still associated"
        );
        let default = c
            .send(
                &DescribeRouteTable::new()
                    .vpc_id(&vpc)
                    .route_table_name("default"),
            )
            .expect("DescribeRouteTable")
            .data
            .expect("data")[0]
            .route_table_id
            .clone()
            .expect("an id");
        c.send(&AssociateRouteTable::new(&vpc, &subnet, &default))
            .expect("AssociateRouteTable");
        c.send(&DeleteRouteTable::new(&vpc, &rtb))
            .expect("DeleteRouteTable");
        assert!(table(&c, &vpc, &rtb).is_none(), "{v:?}");
        assert_eq!(
            api_code_desc(c.send(&DeleteRouteTable::new(&vpc, &rtb))),
            "InvalidRouteTableId.NotFound"
        );
    }
}
