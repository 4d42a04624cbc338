//! Elastic network interface life cycle through both clients: create (a task) →
//! describe → modify → add and release a secondary IP (tasks) → delete (a task)
//! → describe shows it gone, and its subnet can be deleted only then.

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

/// The interface `id`'s addresses, the primary one marked with `*`.
fn addresses(c: &Driver, id: &str) -> Vec<String> {
    let out = c
        .send(&DescribeNetworkInterfaces::new().network_interface_id(id))
        .expect("DescribeNetworkInterfaces");
    out.data.expect("data")[0]
        .private_ip_addresses_set
        .clone()
        .expect("addresses")
        .into_iter()
        .map(|ip| {
            let mark = if ip.primary == Some(true) { "*" } else { "" };
            format!("{}{mark}", ip.private_ip_address.unwrap_or_default())
        })
        .collect()
}

#[test]
fn eni_life_cycle_through_both_clients() {
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

        let task = c
            .send(
                &CreateNetworkInterface::new(&vpc, &subnet, "eth1")
                    .eni_description("first")
                    .secondary_private_ip_address_count(1),
            )
            .expect("CreateNetworkInterface")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0, "{v:?}");
        assert_eq!(
            api_code_desc(c.send(&CreateNetworkInterface::new(&vpc, &subnet, "eth1"))),
            "InvalidNetworkInterface.InUse"
        );

        let listed = c
            .send(
                &DescribeNetworkInterfaces::new()
                    .vpc_id(&vpc)
                    .eni_name("eth1"),
            )
            .expect("DescribeNetworkInterfaces");
        assert_eq!(listed.total_count, Some(1), "{v:?}");
        let item = &listed.data.expect("data")[0];
        let eni = item.network_interface_id.clone().expect("an id");
        assert!(eni.starts_with("eni-"), "{eni}");
        assert_eq!(item.subnet_id.as_deref(), Some(subnet.as_str()));
        assert_eq!(item.eni_description.as_deref(), Some("first"));
        assert_eq!(addresses(&c, &eni), ["10.8.1.2*", "10.8.1.3"]);

        c.send(&ModifyNetworkInterface::new(&vpc, &eni).eni_name("eth9"))
            .expect("ModifyNetworkInterface");
        let listed = c
            .send(&DescribeNetworkInterfaces::new().network_interface_id(&eni))
            .expect("DescribeNetworkInterfaces");
        assert_eq!(
            listed.data.expect("data")[0].eni_name.as_deref(),
            Some("eth9")
        );

        let task = c
            .send(
                &AssignPrivateIpAddresses::new(&vpc, &eni).private_ip_address_set([
                    AssignPrivateIpAddressesPrivateIpAddressSetParam::new("10.8.1.50", false),
                ]),
            )
            .expect("AssignPrivateIpAddresses")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert_eq!(addresses(&c, &eni), ["10.8.1.2*", "10.8.1.3", "10.8.1.50"]);
        assert_eq!(
            api_code_desc(c.send(&UnassignPrivateIpAddresses::new(&vpc, &eni, ["10.8.1.2"]))),
            "InvalidPrivateip.IsPrimary"
        );
        let task = c
            .send(&UnassignPrivateIpAddresses::new(&vpc, &eni, ["10.8.1.3"]))
            .expect("UnassignPrivateIpAddresses")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert_eq!(addresses(&c, &eni), ["10.8.1.2*", "10.8.1.50"]);

        assert_eq!(
            api_code_desc(c.send(&DeleteSubnet::new(&vpc, &subnet))),
            "InvalidSubnet.CannotDelete"
        );
        let task = c
            .send(&DeleteNetworkInterface::new(&vpc, &eni))
            .expect("DeleteNetworkInterface")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);

        let listed = c
            .send(&DescribeNetworkInterfaces::new().network_interface_id(&eni))
            .expect("DescribeNetworkInterfaces");
        assert_eq!(listed.total_count, Some(0), "{v:?}");
        assert_eq!(
            api_code_desc(c.send(&ModifyNetworkInterface::new(&vpc, &eni).eni_name("x"))),
            "InvalidNetworkInterface.NotFound"
        );
        assert_eq!(
            api_code_desc(c.send(&DeleteNetworkInterface::new(&vpc, &eni))),
            "InvalidNetworkInterface.NotFound"
        );
        c.send(&DeleteSubnet::new(&vpc, &subnet))
            .expect("DeleteSubnet");
        c.send(&DeleteVpc::new(&vpc)).expect("DeleteVpc");
    }
}
