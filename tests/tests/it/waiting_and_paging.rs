//! Task waiting and paging through both clients, against the emulator.

use std::time::Duration;

use qcapi_core::vpc::*;
use qcapi_core::{Config, Output, TaskOutcome, WaitPolicy};
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{client, create_vpc, driver, settings, variants};

fn fast_wait() -> WaitPolicy {
    WaitPolicy {
        initial_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(20),
        deadline: Duration::from_secs(5),
    }
}

#[test]
fn wait_for_task_reports_success_and_failure() {
    for v in variants() {
        let emulator = Emulator::start().unwrap();
        let (a, b) = (Account::demo_a(), Account::demo_b());
        let ca = driver(
            v,
            settings::<Config>(&emulator, &a, v).wait_policy(fast_wait()),
        );
        let cb = driver(
            v,
            settings::<Config>(&emulator, &b, v)
                .region("sh")
                .wait_policy(fast_wait()),
        );
        let vpc_a = create_vpc(&ca, "a", "10.0.0.0/16");
        let vpc_b = create_vpc(&cb, "b", "10.1.0.0/16");
        let created = ca
            .send(&CreateVpcPeeringConnectionEx::new(
                &vpc_a, &vpc_b, &b.uin, "x", "sh", "10",
            ))
            .unwrap();
        let outcome = ca.wait_for_task(created.task_id().unwrap()).unwrap();
        assert!(outcome.is_success(), "{outcome:?}");
        // Enabling a peering that has not expired fails through its task.
        let id = created.uniq_vpc_peer_id.unwrap();
        let enabled = ca.send(&EnableVpcPeeringConnectionEx::new(&id)).unwrap();
        match ca.wait_for_task(enabled.task_id().unwrap()).unwrap() {
            TaskOutcome::Failed(report) => {
                // The module-agnostic report, read as VPC's typed task output.
                let typed: qcapi_core::vpc::DescribeVpcTaskResultOutput = report.parse().unwrap();
                let output = typed
                    .data
                    .and_then(|d| d.output)
                    .expect("the failure's output");
                assert!(output.get("errorMsg").is_some(), "{output}");
            }
            other => panic!("expected a failed task, got {other:?}"),
        }
    }
}

#[test]
fn wait_for_task_times_out_on_a_deadline() {
    let emulator = Emulator::start().unwrap();
    let a = Account::demo_a();
    let v = variants()[0];
    // A deadline shorter than the first interval: the first poll (running) is the last.
    let policy = WaitPolicy {
        initial_interval: Duration::from_millis(50),
        max_interval: Duration::from_millis(50),
        deadline: Duration::from_millis(10),
    };
    let ca = driver(v, settings::<Config>(&emulator, &a, v).wait_policy(policy));
    let vpc = create_vpc(&ca, "a", "10.0.0.0/16");
    let other = create_vpc(&ca, "b", "10.1.0.0/16");
    let created = ca
        .send(&CreateVpcPeeringConnectionEx::new(
            &vpc, &other, &a.uin, "x", "gz", "10",
        ))
        .unwrap();
    match ca.wait_for_task(created.task_id().unwrap()).unwrap() {
        TaskOutcome::TimedOut { task_id, .. } => assert_eq!(Some(task_id), created.task_id()),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn paging_walks_every_entry_with_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().unwrap();
        // Three pages of VPCs take more than the default quota of 20 per region.
        emulator.set_limit("0", 45).expect("a known limit");
        let a = Account::demo_a();
        let ca = client(&emulator, &a, v);
        for i in 0..45 {
            create_vpc(&ca, &format!("vpc-{i:02}"), &format!("10.{i}.0.0/16"));
        }
        let all = ca.paginate_all(DescribeVpcEx::new()).unwrap();
        assert_eq!(all.len(), 45);
        let mut names: Vec<String> = all.into_iter().filter_map(|v| v.vpc_name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 45, "no entry twice");
        let small_pages = ca
            .paginate_all(DescribeVpcEx::new().limit(7).offset(40))
            .unwrap();
        assert_eq!(small_pages.len(), 5, "starts at the request's offset");
        let none = ca
            .paginate_all(DescribeVpcPeeringConnections::new())
            .unwrap();
        assert!(none.is_empty());
    }
}
