//! SSL VPN through both clients: every VPN gateway is also the SSL VPN of the
//! same id (the API has no action creating one) → describe it and its domain →
//! set the domain's address pool (a task) → describe shows the new pool → an
//! unknown SSL VPN is a business error.

use qcapi_core::Error;
use qcapi_core::vpc::*;
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{client, create_vpc, variants};

#[test]
fn ssl_vpn_life_cycle_through_both_clients() {
    for v in variants() {
        let emulator = Emulator::start().expect("emulator");
        let c = client(&emulator, &Account::demo_a(), v);
        let vpc = create_vpc(&c, "net", "10.7.0.0/16");
        let gw = c
            .send(&RunVpnGw::new("remote", &vpc, 5, "POSTPAID_BY_HOUR"))
            .expect("RunVpnGw")
            .data
            .and_then(|d| d.vpn_gw_id)
            .expect("vpnGwId");

        let listed = c
            .send(&DescribeSSLVpn::new().vpc_id(&vpc))
            .expect("DescribeSSLVpn");
        assert_eq!(listed.total_count, Some(1), "{v:?}");
        let set = listed.ssl_vpn_set.expect("sslVpnSet");
        assert_eq!(set[0].ssl_vpn_id.as_deref(), Some(gw.as_str()), "{v:?}");

        let domain = |c: &qcapi_tests::Driver| {
            let out = c
                .send(&DescribeSSLVpnDomain::new(&vpc).ssl_vpn_id(&gw))
                .expect("DescribeSSLVpnDomain");
            out.data.expect("data").remove(0)
        };
        let before = domain(&c);
        let group = before.group_id.clone().expect("groupId");
        let task = c
            .send(
                &SetSSLVpnDomain::new(&vpc)
                    .ssl_vpn_id(&gw)
                    .group_id(&group)
                    .ip_pool(["192.168.50.0/24"]),
            )
            .expect("SetSSLVpnDomain")
            .task_id
            .expect("taskId");
        assert_eq!(c.wait_task(task), 0, "{v:?}");
        let after = domain(&c);
        assert_eq!(after.group_id.as_deref(), Some(group.as_str()));
        assert_eq!(
            after.ip_pool,
            Some(vec!["192.168.50.0/24".to_owned()]),
            "{v:?}"
        );

        let unknown = c.send(&DescribeSSLVpnDomain::new(&vpc).ssl_vpn_id("vpngw-nothere"));
        match unknown {
            Err(Error::Api(e)) => {
                assert_eq!(
                    e.code_desc.as_deref(),
                    Some("InvalidVpnGw.NotFound"),
                    "{v:?}"
                );
            }
            other => panic!("expected InvalidVpnGw.NotFound, got {other:?}"),
        }
    }
}
