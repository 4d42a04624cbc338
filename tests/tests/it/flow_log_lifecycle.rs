//! Flow log life cycle through both clients: create on a VPC, a subnet and an
//! interface → describe and list → modify → the per-resource quota and a taken
//! name → delete → describe shows it gone; the interface's flow log goes with it.

use qcapi_core::Error;
use qcapi_core::vpc::*;
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{Driver, client, create_vpc, variants};

const LOG: &str = "6a4a8d2c-0000-4000-8000-000000000001";

fn api_code_desc(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Api(e)) => e.code_desc.unwrap_or_default(),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The names of the flow logs DescribeFlowLogs lists for `request`.
fn names(c: &Driver, request: DescribeFlowLogs) -> Vec<String> {
    let out = c.send(&request).expect("DescribeFlowLogs");
    let data = out.data.expect("data");
    let items = data.as_array().expect("a list");
    assert_eq!(out.total_count, Some(items.len() as i64));
    let name = |f: &serde_json::Value| f["flowLogName"].as_str().unwrap_or_default().to_owned();
    items.iter().map(name).collect()
}

#[test]
fn flow_log_life_cycle_through_both_clients() {
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
            .send(&CreateNetworkInterface::new(&vpc, &subnet, "eth1"))
            .expect("CreateNetworkInterface")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        let eni = c
            .send(&DescribeNetworkInterfaces::new().vpc_id(&vpc))
            .expect("DescribeNetworkInterfaces")
            .data
            .expect("data")[0]
            .network_interface_id
            .clone()
            .expect("an id");

        let create = |name: &str, kind: &str, resource: &str| {
            c.send(&CreateFlowLog::new(&vpc, name, kind, resource, "ALL", LOG))
        };
        let out = create("all", "VPC", &vpc).expect("CreateFlowLog");
        let all = out.flow_log_id.clone().expect("an id");
        assert!(all.starts_with("fl-"), "{all}");
        assert_eq!(out.cloud_log_id.as_deref(), Some(LOG));
        let data = out.data.expect("data");
        assert_eq!(data.flow_log_id.as_deref(), Some(all.as_str()));
        assert_eq!(data.resource_id.as_deref(), Some(vpc.as_str()));
        create("web", "SUBNET", &subnet).expect("CreateFlowLog");
        let eth = create("eth", "NETWORKINTERFACE", &eni)
            .expect("CreateFlowLog")
            .flow_log_id
            .expect("an id");

        let one = c
            .send(&DescribeFlowLog::new(&vpc, &eth))
            .expect("DescribeFlowLog");
        assert_eq!(one.resource_type.as_deref(), Some("NETWORKINTERFACE"));
        assert_eq!(one.resource_id.as_deref(), Some(eni.as_str()));
        assert_eq!(one.traffic_type.as_deref(), Some("ALL"));
        let nested = one.data.expect("data").data.expect("data.data");
        assert_eq!(nested.flow_log_name.as_deref(), Some("eth"));
        assert_eq!(
            names(&c, DescribeFlowLogs::new().vpc_id(&vpc)),
            ["eth", "web", "all"],
            "{v:?}"
        );
        assert_eq!(
            names(&c, DescribeFlowLogs::new().resource_type("SUBNET")),
            ["web"]
        );

        c.send(
            &ModifyFlowLogAttribute::new(&vpc, &all)
                .flow_log_name("everything")
                .flow_log_description("the whole VPC"),
        )
        .expect("ModifyFlowLogAttribute");
        let one = c
            .send(&DescribeFlowLog::new(&vpc, &all))
            .expect("DescribeFlowLog");
        assert_eq!(one.flow_log_name.as_deref(), Some("everything"));
        assert_eq!(one.flow_log_description.as_deref(), Some("the whole VPC"));

        assert_eq!(
            api_code_desc(create("web", "VPC", &vpc)),
            "FlowLogNameDuplicate"
        );
        create("second", "VPC", &vpc).expect("a second flow log on the VPC");
        assert_eq!(
            api_code_desc(create("third", "VPC", &vpc)),
            "FlowLogLimitExceeded"
        );
        assert_eq!(
            api_code_desc(create("x", "SUBNET", "subnet-none")),
            "InvalidSubnet.NotFound"
        );

        c.send(&DeleteFlowLog::new(&vpc, &all))
            .expect("DeleteFlowLog");
        assert_eq!(
            api_code_desc(c.send(&DescribeFlowLog::new(&vpc, &all))),
            "FlowLogIDNotFound"
        );
        assert_eq!(
            api_code_desc(c.send(&DeleteFlowLog::new(&vpc, &all))),
            "FlowLogIDNotFound"
        );
        assert_eq!(
            names(&c, DescribeFlowLogs::new().order_direction("asc")),
            ["web", "eth", "second"]
        );

        // The interface's flow log is deleted with it.
        let task = c
            .send(&DeleteNetworkInterface::new(&vpc, &eni))
            .expect("DeleteNetworkInterface")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert_eq!(
            api_code_desc(c.send(&DescribeFlowLog::new(&vpc, &eth))),
            "FlowLogIDNotFound"
        );
        assert_eq!(names(&c, DescribeFlowLogs::new()), ["second", "web"]);
    }
}
