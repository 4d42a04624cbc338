//! VPC actions beyond create and delete, through both clients: rename
//! (ModifyVpcAttribute), the older DescribeVpcs in both its shapes,
//! DescribeVpcLimit's quotas, a VIP bound with AssociateVip, CheckDefaultSubnet,
//! and the business errors of each.

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
fn vpc_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = create_vpc(&c, "net", "10.9.0.0/16");
        create_vpc(&c, "other", "10.10.0.0/16");
        let created = c
            .send(&CreateSubnet::new(&vpc).subnet_set([SubnetSpec::new(
                "web",
                "10.9.1.0/24",
                100003,
            )]))
            .expect("CreateSubnet");
        let subnet = created.subnet_set.expect("subnetSet")[0]
            .un_subnet_id
            .clone()
            .expect("an id");

        // Rename: checked like CreateVpc's name.
        assert_eq!(
            api_code_desc(c.send(&ModifyVpcAttribute::new(&vpc, "other"))),
            "InvalidVpcName.InUse"
        );
        assert_eq!(
            api_code_desc(c.send(&ModifyVpcAttribute::new("vpc-none0000", "x"))),
            "InvalidVpc.NotFound"
        );
        c.send(&ModifyVpcAttribute::new(&vpc, "renamed").is_multicast("true"))
            .expect("ModifyVpcAttribute");
        let listed = c
            .send(&DescribeVpcEx::new().vpc_id(&vpc))
            .expect("DescribeVpcEx");
        let item = &listed.data.expect("data")[0];
        assert_eq!(item.vpc_name.as_deref(), Some("renamed"), "{v:?}");
        assert_eq!(item.is_multicast, Some(true));
        let old_id = item.vpc_id.clone().expect("an old-style id");

        // DescribeVpcs: the list, then one VPC by its old-style id.
        let all = c.send(&DescribeVpcs::new()).expect("DescribeVpcs");
        assert_eq!(all.total_count, Some(2), "{v:?}");
        let first = &all.vpc_set.expect("vpcSet")[0];
        assert_eq!(first.vpc_name.as_deref(), Some("renamed"));
        let subnets = first.subnet_set.clone().expect("subnetSet");
        assert_eq!(subnets[0].cidr_block.as_deref(), Some("10.9.1.0/24"));
        let one = c
            .send(&DescribeVpcs::new().vpc_id(&old_id))
            .expect("DescribeVpcs");
        assert_eq!(one.vpc_id.as_deref(), Some(old_id.as_str()));
        assert_eq!(one.cidr_block.as_deref(), Some("10.9.0.0/16"));
        assert_eq!(one.total_count, None);
        let tables = one.route_table_set.expect("routeTableSet");
        assert_eq!(tables[0].route_table_type, Some(1));
        assert_eq!(
            one.subnet_set.expect("subnetSet")[0].route_table_id,
            tables[0].route_table_id
        );
        assert_eq!(
            api_code_desc(c.send(&DescribeVpcs::new().vpc_id(&vpc))),
            "InvalidVpc.NotFound",
            "unified ids are not accepted"
        );

        // Quotas.
        let limits = c
            .send(&DescribeVpcLimit::new(["0", "57"]))
            .expect("DescribeVpcLimit");
        let limit = limits.data.expect("data").limit.expect("limit");
        assert_eq!(limit, serde_json::json!({"0": 20, "57": 50}), "{v:?}");

        // A VIP takes the subnet's lowest free address, which an ENI then cannot have.
        c.send(&AssociateVip::new(&vpc, 7, "10.9.1.20"))
            .expect("AssociateVip");
        assert_eq!(
            api_code_desc(c.send(&AssociateVip::new(&vpc, 8, "10.9.1.2"))),
            "InvalidLanIp.NotFound"
        );
        assert_eq!(
            api_code_desc(c.send(&AssociateVip::new(&vpc, 0, "10.9.1.20"))),
            "InvalidVipId.NotFound"
        );
        let described = c
            .send(&DescribeSubnet::new(&vpc, &subnet))
            .expect("DescribeSubnet");
        assert_eq!(described.available_ip_num, Some(252));
        assert_eq!(
            api_code_desc(c.send(&DeleteSubnet::new(&vpc, &subnet))),
            "InvalidSubnet.CannotDelete"
        );

        let check = c
            .send(&CheckDefaultSubnet::new().zone_id("100003"))
            .expect("CheckDefaultSubnet");
        assert_eq!(check.data.expect("data").check_result, Some(true));
    }
}
