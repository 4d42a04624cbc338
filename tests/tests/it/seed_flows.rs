//! The two seed flows, end to end over loopback, with both clients, both HTTP
//! methods and both signature methods, in the emulator's normal and string-quirk modes.

use std::time::Duration;

use qcapi_core::vpc::*;
use qcapi_core::{Config, Output};
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{Driver, Variant, client, create_vpc, driver, settings, variants};

fn emulators() -> Vec<Emulator> {
    [false, true]
        .into_iter()
        .map(|quirks| {
            Emulator::builder()
                .string_quirks(quirks)
                .start()
                .expect("emulator")
        })
        .collect()
}

fn peering_state(d: &Driver, id: &str) -> i64 {
    let out = d
        .send(&DescribeVpcPeeringConnections::new().peering_connection_id(id))
        .expect("Describe");
    assert_eq!(out.total_count, Some(1), "{}", out.raw());
    out.data.unwrap()[0].state.expect("state")
}

/// Seed flow 1: A asks to peer with B's VPC; B rejects; Describe shows state 3 (rejected).
fn reject_flow(emulator: &Emulator, v: Variant) {
    let (a, b) = (Account::demo_a(), Account::demo_b());
    let ca = client(emulator, &a, v);
    let cb = client(emulator, &b, v);
    let vpc_a = create_vpc(&ca, "a-vpc", "10.0.0.0/16");
    let vpc_b = create_vpc(&cb, "b-vpc", "10.1.0.0/16");
    let created = ca
        .send(&CreateVpcPeeringConnection::new(
            &vpc_a, &vpc_b, &b.uin, "a-to-b",
        ))
        .expect("Create");
    let id = created.peering_connection_id.expect("an id");
    assert_eq!(
        peering_state(&cb, &id),
        0,
        "cross-account peerings start pending"
    );
    cb.send(&RejectVpcPeeringConnection::new(&id))
        .expect("Reject");
    assert_eq!(peering_state(&ca, &id), 3);
    assert_eq!(peering_state(&cb, &id), 3);
}

/// Seed flow 2: a cross-region request expires after 7 days, and A re-enables it.
fn enable_flow(emulator: &Emulator, v: Variant) {
    let (a, b) = (Account::demo_a(), Account::demo_b());
    let ca = client(emulator, &a, v);
    let cb_sh = driver(v, settings::<Config>(emulator, &b, v).region("sh"));
    let vpc_a = create_vpc(&ca, "a-vpc-x", "10.2.0.0/16");
    let vpc_b = create_vpc(&cb_sh, "b-vpc-x", "10.3.0.0/16");
    let out = ca
        .send(&CreateVpcPeeringConnectionEx::new(
            &vpc_a, &vpc_b, &b.uin, "cross", "sh", "20",
        ))
        .expect("CreateEx");
    let task = out.task_id().expect("a task");
    assert_eq!(ca.wait_task(task), 0, "creation succeeds");
    let id = out.uniq_vpc_peer_id.clone().unwrap_or_else(|| {
        let list = ca
            .send(&DescribeVpcPeeringConnections::new().vpc_id(&vpc_a))
            .unwrap();
        list.data.unwrap()[0].peering_connection_id.clone().unwrap()
    });
    assert_eq!(peering_state(&ca, &id), 0);
    emulator.advance_clock(Duration::from_secs(8 * 24 * 3600));
    assert_eq!(peering_state(&ca, &id), 2, "expired after 7 days");
    let enabled = ca
        .send(&EnableVpcPeeringConnectionEx::new(&id))
        .expect("EnableEx");
    assert_eq!(ca.wait_task(enabled.task_id().expect("a task")), 0);
    assert_eq!(peering_state(&ca, &id), 0, "pending again");
}

#[test]
fn seed_flow_reject_with_every_client_and_signing_variant() {
    for v in variants() {
        for emulator in emulators() {
            reject_flow(&emulator, v);
        }
    }
}

#[test]
fn seed_flow_enable_expired_with_every_client_and_signing_variant() {
    for v in variants() {
        // Each run moves the emulator clock, so each gets fresh emulators.
        for emulator in emulators() {
            enable_flow(&emulator, v);
        }
    }
}
