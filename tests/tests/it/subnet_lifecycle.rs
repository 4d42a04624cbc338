//! Subnet life cycle through both clients: create → describe → rename → delete →
//! describe shows it gone, and the VPC can be deleted only once its subnets are.

use qcapi_core::Error;
use qcapi_core::vpc::*;
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{client, create_vpc, variants};

fn api_code_desc(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Api(e)) => e.code_desc.unwrap_or_default(),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[test]
fn subnet_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = create_vpc(&c, "net", "10.8.0.0/16");

        let created = c
            .send(&CreateSubnet::new(&vpc).subnet_set([
                SubnetSpec::new("web", "10.8.1.0/24", 100003),
                SubnetSpec::new("db", "10.8.2.0/24", 100004),
            ]))
            .expect("CreateSubnet");
        let set = created.subnet_set.expect("subnetSet");
        assert_eq!(set.len(), 2, "{v:?}");
        let web = set[0].un_subnet_id.clone().expect("an id");
        assert_eq!(set[0].cidr_block.as_deref(), Some("10.8.1.0/24"));
        assert!(
            set[0].route_table_id.is_some(),
            "associated with the default table"
        );

        assert_eq!(
            api_code_desc(c.send(&CreateSubnet::new(&vpc).subnet_set([SubnetSpec::new(
                "web2",
                "10.8.1.0/25",
                100003
            )]))),
            "InvalidSubnet.Conflict"
        );

        let listed = c
            .send(&DescribeSubnetEx::new().vpc_id(&vpc))
            .expect("DescribeSubnetEx");
        assert_eq!(listed.total_count, Some(2), "{v:?}");
        let vpcs = c.send(&DescribeVpcEx::new()).expect("DescribeVpcEx");
        assert_eq!(vpcs.data.expect("data")[0].subnet_num, Some(2));

        let one = c
            .send(&DescribeSubnet::new(&vpc, &web))
            .expect("DescribeSubnet");
        assert_eq!(one.subnet_name.as_deref(), Some("web"));
        assert_eq!(one.total_ip_num, Some(256));

        c.send(&ModifySubnetAttribute::new(&vpc, &web, "frontend"))
            .expect("ModifySubnetAttribute");
        let one = c
            .send(&DescribeSubnet::new(&vpc, &web))
            .expect("DescribeSubnet");
        assert_eq!(one.subnet_name.as_deref(), Some("frontend"));

        assert_eq!(
            api_code_desc(c.send(&DeleteVpc::new(&vpc))),
            "InvalidVpc.CannotDelete"
        );
        c.send(&DeleteSubnet::new(&vpc, &web))
            .expect("DeleteSubnet");
        let listed = c
            .send(&DescribeSubnetEx::new().subnet_id(&web))
            .expect("DescribeSubnetEx");
        assert_eq!(listed.total_count, Some(0), "{v:?}");
        assert_eq!(
            api_code_desc(c.send(&DescribeSubnet::new(&vpc, &web))),
            "InvalidSubnet.NotFound"
        );
        assert_eq!(
            api_code_desc(c.send(&DeleteSubnet::new(&vpc, &web))),
            "InvalidSubnet.NotFound"
        );

        let db = set[1].subnet_id.clone().expect("an id");
        c.send(&DeleteSubnet::new(&vpc, &db)).expect("DeleteSubnet");
        c.send(&DeleteVpc::new(&vpc)).expect("DeleteVpc");
    }
}
