//! Elastic network interfaces and CVMs through both clients: attach (a task) →
//! listed with its CVM and found by `instanceId` → refused a second CVM and
//! deletion → migrated to another CVM → a secondary IP moved to a sibling
//! interface → detached → deleted.

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

/// Creates interface `name` in `subnet` and returns its id.
fn create_eni(c: &Driver, vpc: &str, subnet: &str, name: &str, secondary: i64) -> String {
    let task = c
        .send(
            &CreateNetworkInterface::new(vpc, subnet, name)
                .secondary_private_ip_address_count(secondary),
        )
        .expect("CreateNetworkInterface")
        .task_id
        .expect("taskId");
    assert_eq!(c.wait_task(task), 0);
    let listed = c
        .send(&DescribeNetworkInterfaces::new().eni_name(name))
        .expect("DescribeNetworkInterfaces");
    listed.data.expect("data")[0]
        .network_interface_id
        .clone()
        .expect("an id")
}

/// The interfaces attached to CVM `instance`, with the CVM each lists.
fn attached_to(c: &Driver, instance: &str) -> Vec<(String, String)> {
    let listed = c
        .send(&DescribeNetworkInterfaces::new().instance_id(instance))
        .expect("DescribeNetworkInterfaces");
    let items = listed.data.expect("data").into_iter().map(|e| {
        let set = e.instance_set.unwrap_or_default();
        let cvm = set.first().and_then(|i| i.instance_id.clone());
        (e.eni_name.unwrap_or_default(), cvm.unwrap_or_default())
    });
    items.collect()
}

/// The private addresses of interface `id`.
fn addresses(c: &Driver, id: &str) -> Vec<String> {
    let out = c
        .send(&DescribeNetworkInterfaces::new().network_interface_id(id))
        .expect("DescribeNetworkInterfaces");
    let ips = out.data.expect("data")[0].private_ip_addresses_set.clone();
    let ips = ips.expect("addresses").into_iter();
    ips.map(|ip| ip.private_ip_address.unwrap_or_default())
        .collect()
}

#[test]
fn eni_attachment_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = create_vpc(&c, "net", "10.8.0.0/16");
        let created = c
            .send(&CreateSubnet::new(&vpc).subnet_set([
                SubnetSpec::new("web", "10.8.1.0/24", 100003),
                SubnetSpec::new("db", "10.8.2.0/24", 100003),
            ]))
            .expect("CreateSubnet");
        let subnets: Vec<String> = created
            .subnet_set
            .expect("subnetSet")
            .into_iter()
            .map(|s| s.un_subnet_id.expect("an id"))
            .collect();
        let eth1 = create_eni(&c, &vpc, &subnets[0], "eth1", 1);
        let eth2 = create_eni(&c, &vpc, &subnets[0], "eth2", 0);
        let eth3 = create_eni(&c, &vpc, &subnets[1], "eth3", 0);
        let (cvm1, cvm2) = ("ins-0000abcd", "ins-0000efgh");

        let task = c
            .send(&AttachNetworkInterface::new(&vpc, &eth1, cvm1))
            .expect("AttachNetworkInterface")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0, "{v:?}");
        assert_eq!(
            attached_to(&c, cvm1),
            [("eth1".to_owned(), cvm1.to_owned())]
        );
        assert_eq!(
            api_code_desc(c.send(&AttachNetworkInterface::new(&vpc, &eth1, cvm2))),
            "InvalidNetworkInterface.AlreadyAssociated"
        );
        assert_eq!(
            api_code_desc(c.send(&AttachNetworkInterface::new(&vpc, &eth2, "cvm-1"))),
            "InvalidInstance.NotFound"
        );
        assert_eq!(
            api_code_desc(c.send(&DetachNetworkInterface::new(&vpc, &eth2, cvm1))),
            "InvalidNetworkInterface.NotAttached"
        );
        assert_eq!(
            api_code_desc(c.send(&DeleteNetworkInterface::new(&vpc, &eth1))),
            "InvalidNetworkInterface.CanNotDelete"
        );

        let task = c
            .send(&MigrateNetworkInterface::new(&vpc, &eth1, cvm1, cvm2))
            .expect("MigrateNetworkInterface")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert_eq!(attached_to(&c, cvm1), []);
        assert_eq!(
            attached_to(&c, cvm2),
            [("eth1".to_owned(), cvm2.to_owned())]
        );
        assert_eq!(
            api_code_desc(c.send(&MigrateNetworkInterface::new(&vpc, &eth1, cvm1, cvm2))),
            "InvalidNetworkInterface.NotAttached"
        );

        // eth1 holds 10.8.1.2 (primary) and 10.8.1.3, eth2 10.8.1.4, eth3 10.8.2.2.
        let task = c
            .send(&MigratePrivateIpAddress::new(
                &vpc, "10.8.1.3", &eth1, &eth2,
            ))
            .expect("MigratePrivateIpAddress")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert_eq!(addresses(&c, &eth1), ["10.8.1.2"]);
        assert_eq!(addresses(&c, &eth2), ["10.8.1.4", "10.8.1.3"]);
        assert_eq!(
            api_code_desc(c.send(&MigratePrivateIpAddress::new(
                &vpc, "10.8.1.2", &eth1, &eth2
            ))),
            "InvalidPrivateip.IsPrimary"
        );
        assert_eq!(
            api_code_desc(c.send(&MigratePrivateIpAddress::new(
                &vpc, "10.8.1.3", &eth2, &eth3
            ))),
            "InvalidNetworkInterface.SubnetMismatch"
        );

        let task = c
            .send(&DetachNetworkInterface::new(&vpc, &eth1, cvm2))
            .expect("DetachNetworkInterface")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert_eq!(attached_to(&c, cvm2), []);
        let task = c
            .send(&DeleteNetworkInterface::new(&vpc, &eth1))
            .expect("DeleteNetworkInterface")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
    }
}
