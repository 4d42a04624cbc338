//! Network ACL life cycle through both clients: create → set rules → bind to a
//! subnet → describe → rename → unbind → delete → describe shows it gone.

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
fn network_acl_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = create_vpc(&c, "net", "10.8.0.0/16");
        let created = c
            .send(&CreateSubnet::new(&vpc).subnet_set([SubnetSpec::new(
                "web",
                "10.8.1.0/24",
                100003,
            )]))
            .expect("CreateSubnet");
        let subnet = created.subnet_set.expect("subnetSet")[0]
            .un_subnet_id
            .clone()
            .expect("an id");

        let acl = c
            .send(&CreateNetworkAcl::new(&vpc, "edge"))
            .expect("CreateNetworkAcl")
            .data
            .and_then(|d| d.network_acl_id)
            .expect("networkAclId");
        assert!(acl.starts_with("acl-"), "{acl}");
        assert_eq!(
            api_code_desc(c.send(&CreateNetworkAcl::new(&vpc, "edge"))),
            "InvalidNetworkAclName.InUse"
        );

        c.send(&ModifyNetworkAclEntry::new(
            &vpc,
            &acl,
            1,
            [
                ModifyNetworkAclEntryNetworkAclEntrySetParam::new(
                    "http",
                    "tcp",
                    "0.0.0.0/0",
                    "80",
                    1,
                ),
                ModifyNetworkAclEntryNetworkAclEntrySetParam::new(
                    "rest",
                    "all",
                    "0.0.0.0/0",
                    "ALL",
                    0,
                ),
            ],
        ))
        .expect("ModifyNetworkAclEntry");
        c.send(&CreateSubnetAclRule::new(&vpc, &acl, [&subnet]))
            .expect("CreateSubnetAclRule");

        let listed = c
            .send(&DescribeNetworkAcl::new().network_acl_id(&acl))
            .expect("DescribeNetworkAcl");
        assert_eq!(listed.total_count, Some(1), "{v:?}");
        let item = &listed.data.expect("data")[0];
        assert_eq!(item.network_acl_name.as_deref(), Some("edge"));
        assert_eq!(item.subnet_num, Some(1));
        let rules = item.network_acl_entry_set.clone().expect("rules");
        let ingress = rules.ingress.expect("ingress");
        assert_eq!(ingress.len(), 2);
        assert_eq!(ingress[0].port_range.as_deref(), Some("80"));
        assert_eq!(ingress[1].action, Some(0));
        assert_eq!(rules.egress.map(|e| e.len()), Some(0));
        let subnets = c
            .send(
                &DescribeSubnetEx::new()
                    .subnet_id(&subnet)
                    .get_acl_id_flag(1),
            )
            .expect("DescribeSubnetEx");
        assert_eq!(
            subnets.data.expect("data")[0].network_acl_id.as_deref(),
            Some(acl.as_str())
        );

        c.send(&ModifyNetworkAcl::new(&vpc, &acl, "perimeter"))
            .expect("ModifyNetworkAcl");
        let listed = c
            .send(&DescribeNetworkAcl::new().vpc_id(&vpc))
            .expect("DescribeNetworkAcl");
        assert_eq!(
            listed.data.expect("data")[0].network_acl_name.as_deref(),
            Some("perimeter")
        );

        assert_eq!(
            api_code_desc(c.send(&DeleteNetworkAcl::new(&vpc, &acl))),
            "NetworkAclID.InUse"
        );
        c.send(&DeteleSubnetAclRule::new(&vpc, &acl, [&subnet]))
            .expect("DeteleSubnetAclRule");
        c.send(&DeleteNetworkAcl::new(&vpc, &acl))
            .expect("DeleteNetworkAcl");

        let listed = c
            .send(&DescribeNetworkAcl::new().network_acl_id(&acl))
            .expect("DescribeNetworkAcl");
        assert_eq!(listed.total_count, Some(0), "{v:?}");
        assert_eq!(
            api_code_desc(c.send(&ModifyNetworkAcl::new(&vpc, &acl, "again"))),
            "InvalidNetworkAclID.NotFound"
        );
        assert_eq!(
            api_code_desc(c.send(&DeleteNetworkAcl::new(&vpc, &acl))),
            "InvalidNetworkAclID.NotFound"
        );
        let subnets = c
            .send(
                &DescribeSubnetEx::new()
                    .subnet_id(&subnet)
                    .get_acl_id_flag(1),
            )
            .expect("DescribeSubnetEx");
        assert_eq!(
            subnets.data.expect("data")[0].network_acl_id.as_deref(),
            Some("0")
        );
    }
}
