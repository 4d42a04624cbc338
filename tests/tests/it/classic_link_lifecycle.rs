//! Classic link life cycle through both clients: attach CVMs (a task) →
//! describe → a CVM linked twice → the VPC cannot be deleted → detach (a task)
//! → describe shows them gone, and the VPC can be deleted.

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

/// The instances linked to `vpc`, oldest first.
fn linked(c: &Driver, vpc: &str) -> Vec<String> {
    let out = c
        .send(
            &DescribeVpcClassicLink::new()
                .vpc_id(vpc)
                .order_direction("asc"),
        )
        .expect("DescribeVpcClassicLink");
    let data = out.data.expect("data");
    assert_eq!(out.total_count, Some(data.len() as i64));
    data.into_iter()
        .map(|l| l.instance_id.unwrap_or_default())
        .collect()
}

#[test]
fn classic_link_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = create_vpc(&c, "net", "10.8.0.0/16");
        let other = create_vpc(&c, "other", "10.9.0.0/16");

        let task = c
            .send(&AttachClassicLinkVpc::new(
                &vpc,
                ["ins-5d8a23rs", "ins-00000002"],
            ))
            .expect("AttachClassicLinkVpc")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0, "{v:?}");
        assert_eq!(linked(&c, &vpc), ["ins-5d8a23rs", "ins-00000002"]);
        let out = c
            .send(&DescribeVpcClassicLink::new().vpc_id(&vpc).limit(1))
            .expect("DescribeVpcClassicLink");
        let item = &out.data.expect("data")[0];
        assert_eq!(out.total_count, Some(2));
        assert_eq!(item.un_vpc_id.as_deref(), Some(vpc.as_str()));
        assert_eq!(item.uniq_vpc_id.as_deref(), Some(vpc.as_str()));
        let link = item.classic_link_id.clone().expect("an id");
        assert!(link.starts_with("vcx-"), "{link}");
        let by_id = c
            .send(&DescribeVpcClassicLink::new().classic_link_id(&link))
            .expect("DescribeVpcClassicLink");
        assert_eq!(by_id.total_count, Some(1));
        let count = c
            .send(&DescribeVpcEx::new().vpc_id(&vpc))
            .expect("DescribeVpcEx")
            .data
            .expect("data")[0]
            .classic_link_num;
        assert_eq!(count, Some(2));

        assert_eq!(
            api_code_desc(c.send(&AttachClassicLinkVpc::new(&other, ["ins-5d8a23rs"]))),
            "InstanceAlreadyLinked"
        );
        assert_eq!(
            api_code_desc(c.send(&AttachClassicLinkVpc::new(&other, ["i-5d8a23rs"]))),
            "InvalidInstance.NotFound"
        );
        assert_eq!(
            api_code_desc(c.send(&DetachClassicLinkVpc::new(&other, ["ins-5d8a23rs"]))),
            "InvalidInstance.NotFound"
        );
        assert_eq!(
            api_code_desc(c.send(&DeleteVpc::new(&vpc))),
            "InvalidVpc.CannotDelete"
        );

        let task = c
            .send(&DetachClassicLinkVpc::new(&vpc, ["ins-5d8a23rs"]))
            .expect("DetachClassicLinkVpc")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert_eq!(linked(&c, &vpc), ["ins-00000002"]);
        // Detached, the CVM may link to another VPC.
        c.send(&AttachClassicLinkVpc::new(&other, ["ins-5d8a23rs"]))
            .expect("AttachClassicLinkVpc");
        assert_eq!(linked(&c, &other), ["ins-5d8a23rs"]);

        c.send(&DetachClassicLinkVpc::new(&vpc, ["ins-00000002"]))
            .expect("DetachClassicLinkVpc");
        assert_eq!(linked(&c, &vpc), Vec::<String>::new());
        assert_eq!(
            api_code_desc(c.send(&DetachClassicLinkVpc::new(&vpc, ["ins-00000002"]))),
            "InvalidInstance.NotFound"
        );
        c.send(&DeleteVpc::new(&vpc)).expect("DeleteVpc");
    }
}
