//! IPsec VPN life cycle through both clients: a VPN gateway → a customer
//! gateway → a connection joining them (a task) → describe → modify (a task) →
//! business errors (the used customer gateway, the VPC with a gateway) →
//! delete the connection (a task), then the customer gateway → describe again.
//! The emulator has no action deleting a VPN gateway, so the VPC stays.

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

fn conns(c: &Driver, gw: &str) -> Vec<DescribeVpnConnData> {
    let out = c
        .send(&DescribeVpnConn::new().vpn_gw_id(gw))
        .expect("DescribeVpnConn");
    out.data.expect("data")
}

#[test]
fn vpn_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = create_vpc(&c, "net", "10.9.0.0/16");

        let gw = c
            .send(&RunVpnGw::new("tunnel", &vpc, 10, "POSTPAID_BY_HOUR"))
            .expect("RunVpnGw")
            .data
            .and_then(|d| d.vpn_gw_id)
            .expect("vpnGwId");
        assert!(gw.starts_with("vpngw-"), "{gw}");
        let listed = c
            .send(&DescribeVpnGw::new().vpc_id(&vpc))
            .expect("DescribeVpnGw")
            .data
            .expect("data");
        assert_eq!(listed.len(), 1, "{v:?}");
        assert_eq!(
            (listed[0].bandwidth, listed[0].vpn_gw_status),
            (Some(10), Some(6))
        );
        c.send(&ModifyVpnGw::new(&vpc, &gw).vpn_gw_name("tunnel-2"))
            .expect("ModifyVpnGw");

        let cgw = c
            .send(&AddUserGw::new("office", "203.0.113.7"))
            .expect("AddUserGw")
            .user_gw_id
            .expect("userGwId");
        let out = c
            .send(
                &AddVpnConnEx::new(&vpc, &gw, &cgw)
                    .vpn_conn_name("to-office")
                    .pre_shared_key("lifecycle-psk")
                    .user_gw_cidr_block(["192.168.10.0/24"]),
            )
            .expect("AddVpnConnEx");
        assert_eq!(c.wait_task(out.task_id.expect("taskId")), 0);
        let conn = out.data.and_then(|d| d.vpn_conn_id).expect("vpnConnId");
        let listed = conns(&c, &gw);
        assert_eq!(listed.len(), 1, "{v:?}");
        assert_eq!(listed[0].vpn_gw_name.as_deref(), Some("tunnel-2"));
        assert_eq!(listed[0].user_gw_address.as_deref(), Some("203.0.113.7"));
        assert_eq!(listed[0].pre_shared_key.as_deref(), Some("lifecycle-psk"));

        let task = c
            .send(&ModifyVpnConnEx::new(&vpc, &gw, &conn).vpn_conn_name("office-link"))
            .expect("ModifyVpnConnEx")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert_eq!(
            conns(&c, &gw)[0].vpn_conn_name.as_deref(),
            Some("office-link")
        );
        let users = c
            .send(&DescribeUserGw::new().user_gw_id(&cgw))
            .expect("DescribeUserGw")
            .data
            .expect("data");
        assert_eq!(users[0].vpn_conn_num, Some(1));

        assert_eq!(
            api_code_desc(c.send(&DeleteUserGw::new(&cgw))),
            "InvalidUserGw.InUse"
        );
        assert_eq!(
            api_code_desc(c.send(&DeleteVpc::new(&vpc))),
            "InvalidVpc.CannotDelete"
        );

        let task = c
            .send(&DeleteVpnConn::new(&vpc, &gw, &conn))
            .expect("DeleteVpnConn")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0);
        assert!(conns(&c, &gw).is_empty(), "{v:?}");
        c.send(&DeleteUserGw::new(&cgw)).expect("DeleteUserGw");
        assert_eq!(
            api_code_desc(c.send(&DescribeUserGw::new().user_gw_id(&cgw))),
            "InvalidUserGw.NotFound"
        );
        assert_eq!(
            api_code_desc(c.send(&DeleteVpnConn::new(&vpc, &gw, &conn))),
            "InvalidVpnConn.NotFound"
        );
    }
}
