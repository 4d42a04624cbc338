//! Bare-metal (Bm) life cycle through both clients: a bare-metal VPC (seeded:
//! no action creates one) → subnets → describe → attach instances → refusals
//! (deleting a subnet with an instance, a duplicate attachment) → a NAT gateway
//! for a subnet (tasks, rename, refusals) → addresses held and returned → detach → delete → describe shows it
//! gone; ordinary VPCs never list them.

use qcapi_core::Error;
use qcapi_core::vpc::*;
use qcapi_emulator::{Account, DEMO_A_UIN, Emulator};
use qcapi_tests::{Driver, client, variants};

fn api_code_desc(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Api(e)) => e.code_desc.unwrap_or_default(),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn subnets(c: &Driver, vpc: &str) -> Vec<DescribeBmSubnetExData> {
    let out = c
        .send(&DescribeBmSubnetEx::new().vpc_id(vpc).order_direction("asc"))
        .expect("DescribeBmSubnetEx");
    out.data.expect("data")
}

#[test]
fn bare_metal_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = emulator
            .create_bm_vpc(DEMO_A_UIN, "gz", "black-stone", "10.20.0.0/16")
            .expect("a bare-metal VPC");
        let listed = c
            .send(&DescribeBmVpcEx::new().vpc_id(&vpc))
            .expect("DescribeBmVpcEx");
        assert_eq!(listed.total_count, Some(1), "{v:?}");
        let item = &listed.data.expect("data")[0];
        assert_eq!(item.cidr_block.as_deref(), Some("10.20.0.0/16"));
        let ordinary = c.send(&DescribeVpcEx::new()).expect("DescribeVpcEx");
        assert_eq!(ordinary.total_count, Some(0), "bare-metal VPCs are apart");

        let set = serde_json::json!([
            {"subnetName": "app", "cidrBlock": "10.20.1.0/24", "zoneId": 100003},
            {"subnetName": "db", "cidrBlock": "10.20.2.0/24", "zoneId": 100003},
        ]);
        let created = c
            .send(
                &CreateBmSubnet::new()
                    .vpc_id(&vpc)
                    .vlan_id("2001")
                    .subnet_set(set),
            )
            .expect("CreateBmSubnet")
            .subnet_set
            .expect("subnetSet");
        assert_eq!(created.len(), 2, "{v:?}");
        let app = created[0].un_subnet_id.clone().expect("an id");
        let db = created[1].subnet_id.clone().expect("an old-style id");
        let listed = subnets(&c, &vpc);
        let names: Vec<_> = listed.iter().map(|s| s.subnet_name.as_deref()).collect();
        assert_eq!(names, [Some("app"), Some("db")]);
        assert_eq!(listed[0].vlan_id, Some(2001));

        c.send(
            &CreateBmInterface::new()
                .vpc_id(&vpc)
                .subnet_id(&app)
                .instance_ids(["cpm-0a1b2c3d"]),
        )
        .expect("CreateBmInterface");
        let held = c
            .send(&DescribeBmCpmBySubnetId::new().vpc_id(&vpc).subnet_id(&app))
            .expect("DescribeBmCpmBySubnetId");
        assert_eq!(held.data, Some(vec!["cpm-0a1b2c3d".to_owned()]));
        let by_cpm = c
            .send(&DescribeBmSubnetByCpmId::new().instance_id("cpm-0a1b2c3d"))
            .expect("DescribeBmSubnetByCpmId");
        assert_eq!(
            by_cpm.data.expect("data")[0].un_subnet_id.as_deref(),
            Some(app.as_str())
        );

        // Refusals: a subnet with an instance, the instance twice in the VPC,
        // an overlapping block, an unknown VPC.
        let delete_app = DeleteBmSubnet::new().vpc_id(&vpc).subnet_id(&app);
        assert_eq!(
            api_code_desc(c.send(&delete_app)),
            "InvalidSubnet.CannotDelete"
        );
        let again = CreateBmInterface::new()
            .vpc_id(&vpc)
            .subnet_id(&db)
            .instance_ids(["cpm-0a1b2c3d"]);
        assert_eq!(api_code_desc(c.send(&again)), "InvalidInstance.InUse");
        let overlap = CreateBmSubnet::new()
            .vpc_id(&vpc)
            .subnet_set(serde_json::json!([
                {"subnetName": "wide", "cidrBlock": "10.20.0.0/16"}
            ]));
        assert_eq!(api_code_desc(c.send(&overlap)), "InvalidSubnet.Conflict");
        let elsewhere = DescribeBmSubnetEx::new().vpc_id("vpc-none");
        assert_eq!(api_code_desc(c.send(&elsewhere)), "InvalidVpc.NotFound");

        // A NAT gateway for the db subnet (a task to poll), renamed; the subnet
        // cannot go while bound, nor be bound twice.
        let created = c
            .send(
                &CreateBmNatGateway::new()
                    .vpc_id(&vpc)
                    .nat_name("egress")
                    .assigned_eip_set(["1.2.3.4"])
                    .subnet_ids([db.as_str()]),
            )
            .expect("CreateBmNatGateway");
        let nat = created.nat_id.expect("natId");
        let task = created.task_id.expect("taskId");
        let status = |task: i64| loop {
            let out = c
                .send(&QueryBmTaskResult::new().task_id(task.to_string()))
                .expect("QueryBmTaskResult");
            match out.data.and_then(|d| d.status) {
                Some(2) => continue,
                other => break other,
            }
        };
        assert_eq!(status(task), Some(0), "{v:?}");
        c.send(
            &ModifyBmNatGateway::new()
                .vpc_id(&vpc)
                .nat_id(&nat)
                .nat_name("edge"),
        )
        .expect("ModifyBmNatGateway");
        let listed = c
            .send(&DescribeBmNatGateway::new().vpc_id(&vpc))
            .expect("DescribeBmNatGateway")
            .data
            .expect("data");
        assert_eq!(listed[0].nat_name.as_deref(), Some("edge"));
        assert_eq!(listed[0].subnet_ids.as_ref().map(Vec::len), Some(1));
        let delete_db = DeleteBmSubnet::new().vpc_id(&vpc).subnet_id(&db);
        assert_eq!(
            api_code_desc(c.send(&delete_db)),
            "InvalidSubnet.CannotDelete"
        );
        let rebind = SubnetBindBmNatGateway::new()
            .vpc_id(&vpc)
            .nat_id(&nat)
            .subnet_ids([db.as_str()]);
        assert_eq!(api_code_desc(c.send(&rebind)), "InvalidSubnet.InUse");
        let gone = c
            .send(&DeleteBmNatGateway::new().vpc_id(&vpc).nat_id(&nat))
            .expect("DeleteBmNatGateway")
            .task_id
            .expect("taskId");
        assert_eq!(status(gone), Some(0));

        // Addresses held in the app subnet, then returned.
        let ips = c
            .send(&ApplyIps::new().vpc_id(&vpc).subnet_id(&app).count("2"))
            .expect("ApplyIps")
            .ips
            .expect("ips");
        assert_eq!(ips, ["10.20.1.2", "10.20.1.3"], "{v:?}");
        let held = c
            .send(&DescribeBmSubnetIps::new().vpc_id(&vpc).subnet_id(&app))
            .expect("DescribeBmSubnetIps");
        assert_eq!(
            (held.total_count, held.available_ip_num),
            (Some(2), Some(251))
        );
        c.send(&ReturnIps::new().vpc_id(&vpc).ips(ips))
            .expect("ReturnIps");

        // Detach, then delete in order.
        c.send(
            &DelBmInterface::new()
                .vpc_id(&vpc)
                .subnet_id(&app)
                .instance_ids(["cpm-0a1b2c3d"]),
        )
        .expect("DelBmInterface");
        c.send(&delete_app).expect("DeleteBmSubnet app");
        c.send(&delete_db).expect("DeleteBmSubnet db");
        assert!(subnets(&c, &vpc).is_empty(), "{v:?}");
        assert_eq!(api_code_desc(c.send(&delete_app)), "InvalidSubnet.NotFound");
        let state = emulator.state(DEMO_A_UIN, "gz");
        assert_eq!(state["bmVpcs"][0]["subnetNum"], 0, "{state}");
    }
}
