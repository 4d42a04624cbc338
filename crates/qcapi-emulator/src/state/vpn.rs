//! IPsec VPN: VPN gateways of a VPC (each also its SSL VPN), the account's
//! customer (peer) gateways, and the connections joining one of each.
//! Everything is immediate: gateways run at once, the asynchronous connection
//! and SSL VPN actions return a task that succeeds. Pre-shared keys are kept,
//! answered where the spec's outputs carry them, and masked in the state dump.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use qcapi_core::vpc::*;

use super::table::{Handlers, Listed, Listing, Model, Now, Order, Resource, check_new_name, count};
use super::*;

/// DescribeVpcLimit type of VPN gateways per VPC; one more is `VpnGwLimitExceeded`.
const VPN_GATEWAYS_PER_VPC: &str = "4";
/// Type of customer gateways per account and region; one more is `UserGwLimitExceeded`.
const USER_GATEWAYS_PER_ACCOUNT: &str = "5";
/// Types of connections per customer gateway and per VPN gateway: `VpnConnLimitExceeded`.
const CONNS_PER_USER_GATEWAY: &str = "7";
const CONNS_PER_VPN_GATEWAY: &str = "8";

/// What the dump shows instead of a pre-shared key.
const MASK: &str = "<redacted>";

/// The devices GetVpnConnConfig writes for: (vendor, platform, software), the documented examples.
const VENDORS: &[(&str, &str, &str)] = &[("cisco", "ios", "V15.4"), ("h3c", "comware", "V1.0")];

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateVpn::run)
        .add(RunVpnGw::run)
        .add(ModifyVpnGw::run)
        .add(RenewVpn::run)
        .add(InquiryVpnPrice::run)
        .add(InquiryPriceRunVpnGw::run)
        .listing("vpnGateways", || DescribeVpnGw::new().limit(i64::MAX))
        .read::<DescribeSSLVpn>()
        .read::<DescribeSSLVpnDomain>()
        .add(SetSSLVpnDomain::run)
        .add(AddUserGw::run)
        .add(ModifyUserGw::run)
        .add(DeleteUserGw::run)
        .listing("userGateways", || DescribeUserGw::new().limit(i64::MAX))
        .read::<DescribeUserGwVendor>()
        .add(AddVpnConnEx::run)
        .add(ModifyVpnConnEx::run)
        .add(DeleteVpnConn::run)
        .add(GetVpnConnConfig::run)
        .add(DescribeVpnConnMonitor::run)
        .add(ResetVpnConnSA::run)
        .read::<DescribeVpnConn>()
        .dump("vpnConns", |state, caller| {
            let everything = DescribeVpnConn::new().limit(i64::MAX);
            let answer = DescribeVpnConn::list(state, caller, &everything).ok();
            let mut data = serde_json::to_value(answer).unwrap_or_default()["data"].take();
            for conn in data.as_array_mut().into_iter().flatten() {
                conn["preSharedKey"] = json!(MASK);
            }
            data
        });
}

/// A VPN gateway of one VPC; its old-style id is its serial (a number).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct VpnGateway {
    pub(super) head: Head,
    bandwidth: i64,
    address: Ipv4Addr,
    deal_id: String,
    /// Prepaid gateways expire (`expires`) and can be renewed.
    prepaid: bool,
    auto_renew: bool,
    expires: Now,
    conns: Vec<VpnConn>,
    /// Its SSL VPN domain: group id, client address pool and ACL.
    group: String,
    ip_pool: Vec<String>,
    acl: Vec<DescribeSSLVpnDomainDataAcl>,
}

table::resource! {
    VpnGateway "VPN gateway" in vpn_gateways,
    InvalidVpnGwNotFound, InvalidVpnGwName, InvalidVpnGwNameInUse
}

/// A customer gateway: one of the account's devices, by public address (kept as given).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct UserGateway {
    uin: String,
    region: String,
    head: Head,
    address: String,
}

impl UserGateway {
    pub(super) fn is_of(&self, uin: &str, region: &str) -> bool {
        self.uin == uin && self.region == region
    }
}

table::resource! {
    UserGateway "customer gateway",
    InvalidUserGwNotFound, InvalidUserGwName, InvalidUserGwNameInUse
}

/// An IPsec connection of a VPN gateway to customer gateway `user_gw` (its unified id).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct VpnConn {
    head: Head,
    user_gw: String,
    /// Secret: never in the dump.
    psk: String,
    /// The customer side's blocks (`userGwCidrBlock`, or `spdAcl` as sent).
    cidrs: Vec<String>,
    ike: DescribeVpnConnDataIKESet,
    ipsec: DescribeVpnConnDataIPsecSet,
}

table::resource! {
    VpnConn "VPN connection",
    InvalidVpnConnNotFound, InvalidVpnConnName, InvalidVpnConnNameInUse
}

/// `base` with the fields `given` sets (both serialized with wire names; the
/// fields `T` lacks are dropped).
fn merged<T: Serialize + DeserializeOwned + Clone>(base: &T, given: Option<&impl Serialize>) -> T {
    let mut out = serde_json::to_value(base).unwrap_or_default();
    let given = given.and_then(|g| serde_json::to_value(g).ok());
    if let (Some(out), Some(Value::Object(given))) = (out.as_object_mut(), given) {
        for (key, value) in given {
            if !value.is_null() {
                out.insert(key, value);
            }
        }
    }
    // Both sides come from typed values with the same wire names, so this reads back; should a
    // field's type ever differ, the stored settings stay as they were rather than panic.
    serde_json::from_value(out).unwrap_or_else(|_| base.clone())
}

fn not_found(code: ErrorCode, kind: &str, id: &str) -> Failure {
    Failure::business(code, format!("{kind} `{id}` not found"))
}

/// A price in fen as CNY with two decimals.
fn cny(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

impl State {
    fn user_gws_of<'s>(&'s self, caller: &'s Caller) -> impl Iterator<Item = &'s UserGateway> {
        let mine = |u: &&UserGateway| u.is_of(&caller.uin, &caller.region);
        self.user_gateways.iter().filter(mine)
    }

    /// The index (in `user_gateways`) of the caller's customer gateway `id`.
    fn user_gw_index(&self, caller: &Caller, id: &str) -> Result<usize, Failure> {
        let mine = |u: &UserGateway| u.is_of(&caller.uin, &caller.region) && u.head.has_id(id);
        let found = self.user_gateways.iter().position(mine);
        found.ok_or_else(|| not_found(ErrorCode::InvalidUserGwNotFound, "customer gateway", id))
    }

    /// The connections of the caller's region using customer gateway `un_id`.
    fn conns_using(&self, caller: &Caller, un_id: &str) -> usize {
        let gateways = self.vpcs_of(caller).flat_map(|v| &v.vpn_gateways);
        gateways
            .flat_map(|g| &g.conns)
            .filter(|c| c.user_gw == un_id)
            .count()
    }

    /// The indices of the caller's VPC, its VPN gateway and that gateway's connection.
    fn conn(
        &self,
        caller: &Caller,
        vpc: &str,
        gw: &str,
        id: &str,
    ) -> Result<(usize, usize, usize), Failure> {
        let (v, g) = self.child::<VpnGateway>(caller, vpc, gw)?;
        let conns = &self.vpcs[v].vpn_gateways[g].conns;
        let c = conns.iter().position(|c| c.head.has_id(id));
        let c = c.ok_or_else(|| not_found(ErrorCode::InvalidVpnConnNotFound, VpnConn::KIND, id))?;
        Ok((v, g, c))
    }

    /// Buys a gateway: checked name and quota, running at once.
    fn new_vpn_gateway(
        &mut self,
        caller: &Caller,
        (vpc_id, name): (&str, String),
        bandwidth: i64,
        period: Option<i64>,
        auto_renew: bool,
        now: Now,
    ) -> Result<VpnGateway, Failure> {
        let v = self.vpc_index(caller, vpc_id)?;
        let gateways = &self.vpcs[v].vpn_gateways;
        check_new_name(gateways, &name, None, "the VPC")?;
        let quota = self.quota(VPN_GATEWAYS_PER_VPC);
        if gateways.len() >= quota {
            let message = format!("a VPC holds at most {quota} VPN gateways");
            return Err(Failure::business(ErrorCode::VpnGwLimitExceeded, message));
        }
        let mut head = self.head("vpngw", None, name, now);
        head.id = head.serial.to_string();
        let low = u32::try_from(head.serial % (1 << 16)).unwrap_or(0);
        let gateway = VpnGateway {
            bandwidth,
            address: Ipv4Addr::from(0x6464_0000 | low),
            deal_id: (1_000_000 + head.serial).to_string(),
            prepaid: period.is_some(),
            auto_renew,
            expires: now + period.unwrap_or(0) * 30 * 24 * 3600,
            conns: Vec::new(),
            group: format!("ugrp-{}", unified_suffix(head.serial)),
            ip_pool: Vec::new(),
            acl: Vec::new(),
            head,
        };
        self.vpcs[v].vpn_gateways.push(gateway.clone());
        Ok(gateway)
    }
}

impl Listed for DescribeVpnGw {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let found = state.children::<VpnGateway>(caller, r.vpc_id.as_deref())?;
        let deal = |g: &VpnGateway| r.deal_id.as_ref().is_none_or(|d| &g.deal_id == d);
        let listing = Listing {
            id: r.vpn_gw_id.as_deref(),
            name: r.vpn_gw_name.as_deref(),
            order: Order::by(r.order_field.as_deref(), "vpnGwName"),
            order_direction: Some(r.order_direction.as_deref().unwrap_or("desc")),
            ..Listing::page_of(r)
        };
        let found = found.into_iter().filter(|(_, g)| deal(g));
        let (total, page) = listing.page(found, |(_, g)| *g);
        let item = |(v, g): (&Vpc, &VpnGateway)| DescribeVpnGwData {
            vpc_id: Some(v.head.id.clone()),
            un_vpc_id: Some(v.head.un_id.clone()),
            vpn_gw_id: Some(i64::try_from(g.head.serial).unwrap_or(i64::MAX)),
            un_vpn_gw_id: Some(g.head.un_id.clone()),
            vpn_gw_name: Some(g.head.name.clone()),
            bandwidth: Some(g.bandwidth),
            vpn_gw_status: Some(6),
            vpn_gw_address: Some(g.address.to_string()),
            deal_id: Some(g.deal_id.clone()),
            is_auto_renewals: Some(g.auto_renew),
            expire_time: Some(if g.prepaid {
                format_datetime(g.expires)
            } else {
                String::new()
            }),
            create_time: Some(format_datetime(g.head.created)),
            vpc_name: Some(v.head.name.clone()),
            vpc_cidr_block: Some(v.cidr.to_string()),
            local_sla_ip: Some(String::new()),
        };
        Ok(DescribeVpnGwOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(item).collect()),
            ..Default::default()
        })
    }
}

impl Model for CreateVpn {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let auto = r.is_auto_renewals.as_deref() != Some("0");
        let at = (r.vpc_id.as_str(), r.name);
        let gateway = state.new_vpn_gateway(caller, at, r.bandwidth, Some(r.period), auto, now)?;
        let deals = Some(vec![gateway.deal_id]);
        Ok(CreateVpnOutput {
            deal_ids: deals.clone(),
            data: Some(CreateVpnData { deal_ids: deals }),
            ..Default::default()
        })
    }
}

impl Model for RunVpnGw {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        state.vpc_index(caller, &r.vpc_id)?;
        let prepaid = r.charge_type == "PREPAID";
        let period = r.charge_prepaid.as_ref().map(|c| c.period);
        if prepaid && period.is_none() {
            return Err(Failure::invalid_parameter(
                "`PREPAID` needs `chargePrepaid.period`",
            ));
        }
        let auto = r.charge_prepaid.and_then(|c| c.is_auto_renewals).as_deref() != Some("0");
        let period = period.filter(|_| prepaid);
        let at = (r.vpc_id.as_str(), r.name);
        let gateway = state.new_vpn_gateway(caller, at, r.bandwidth, period, auto, now)?;
        Ok(RunVpnGwOutput {
            data: Some(RunVpnGwData {
                vpn_gw_id: Some(gateway.head.un_id),
            }),
            ..Default::default()
        })
    }
}

impl Model for ModifyVpnGw {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, g) = state.child::<VpnGateway>(caller, &r.vpc_id, &r.vpn_gw_id)?;
        let gateways = &mut state.vpcs[v].vpn_gateways;
        if let Some(name) = &r.vpn_gw_name {
            check_new_name(gateways.iter(), name, Some(g), "the VPC")?;
        }
        let gateway = &mut gateways[g];
        if let Some(name) = r.vpn_gw_name {
            gateway.head.name = name;
        }
        if let Some(auto) = r.is_auto_renewals {
            gateway.auto_renew = auto == 1;
        }
        Ok(ModifyVpnGwOutput::default())
    }
}

impl Model for RenewVpn {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, g) = state.child::<VpnGateway>(caller, &r.vpc_id, &r.vpn_gw_id)?;
        let gateway = &mut state.vpcs[v].vpn_gateways[g];
        if !gateway.prepaid {
            let message = format!("VPN gateway `{}` is billed by the hour", r.vpn_gw_id);
            return Err(Failure::business(ErrorCode::InvalidVpnGwState, message));
        }
        gateway.expires += r.period * 30 * 24 * 3600;
        Ok(RenewVpnOutput::default())
    }
}

/// 10.00 CNY a month per Mbps (the spec's note).
impl Model for InquiryVpnPrice {
    fn run(_: &mut State, _: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        Ok(InquiryVpnPriceOutput {
            period: Some(r.period),
            bandwidth: Some(r.bandwidth),
            price: Some(cny(1000 * r.bandwidth * r.period)),
            ..Default::default()
        })
    }
}

/// Prepaid as InquiryVpnPrice; by the hour 0.02 CNY per Mbps (the spec's note).
impl Model for InquiryPriceRunVpnGw {
    fn run(_: &mut State, _: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let bandwidth = match r.bandwidth.as_deref().map(|b| b.trim().parse::<i64>()) {
            Some(Err(_)) => return Err(Failure::invalid_parameter("`bandwidth` must be a number")),
            Some(Ok(b)) => Some(b),
            None => None,
        };
        let period = r.charge_prepaid.as_ref().and_then(|c| {
            let p = &c["period"];
            p.as_i64()
                .or_else(|| p.as_str().and_then(|s| s.parse().ok()))
        });
        let prepaid = r.charge_type.as_deref() == Some("PREPAID");
        let fen = match (bandwidth.unwrap_or(5), period) {
            (b, _) if b <= 0 => None,
            (b, Some(p)) if prepaid && p > 0 => Some(1000 * b * p),
            (b, _) if !prepaid => Some(2 * b),
            _ => None,
        };
        let message =
            "give a positive `bandwidth`, and with `PREPAID` a positive `chargePrepaid.period`";
        let fen = fen.ok_or_else(|| Failure::invalid_parameter(message))?;
        Ok(InquiryPriceRunVpnGwOutput {
            price: Some(cny(fen)),
            ..Default::default()
        })
    }
}

/// Every VPN gateway is also an SSL VPN.
impl Listed for DescribeSSLVpn {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let found = state.children::<VpnGateway>(caller, r.vpc_id.as_deref())?;
        let listing = Listing {
            id: r.ssl_vpn_id.as_deref(),
            name: r.ssl_vpn_name.as_deref(),
            order: Order::by(r.order_field.as_deref(), "sslVpnName"),
            order_direction: r.order_direction.as_deref(),
            offset: r.offset,
            limit: r.limit,
        };
        let (total, page) = listing.page(found, |(_, g)| *g);
        let item = |(v, g): (&Vpc, &VpnGateway)| DescribeSSLVpnSslVpnSet {
            ssl_vpn_id: Some(g.head.un_id.clone()),
            ssl_vpn_name: Some(g.head.name.clone()),
            ssl_vpn_status: Some(6),
            vpn_gw_status: Some(6),
            bandwidth: Some(g.bandwidth),
            ssl_vpn_port: Some(1194),
            ssl_vpn_domain_acl_num: Some(count(g.acl.len())),
            is_auto_renewals: Some(i64::from(g.auto_renew)),
            expire_time: Some(format_datetime(g.expires)),
            create_time: Some(format_datetime(g.head.created)),
            ssl_vpn_quota: Some(1),
            vpc_id: Some(v.head.id.clone()),
            un_vpc_id: Some(v.head.un_id.clone()),
            ssl_vpn_address: Some(g.address.to_string()),
            deal_id: Some(g.deal_id.clone()),
        };
        Ok(DescribeSSLVpnOutput {
            total_count: Some(total),
            ssl_vpn_set: Some(page.into_iter().map(item).collect()),
            ..Default::default()
        })
    }
}

impl Listed for DescribeSSLVpnDomain {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let gateways = &state.vpcs[v].vpn_gateways;
        let wanted = |g: &&VpnGateway| r.ssl_vpn_id.as_ref().is_none_or(|id| g.head.has_id(id));
        let data: Vec<_> = gateways
            .iter()
            .filter(wanted)
            .map(|g| DescribeSSLVpnDomainData {
                group_id: Some(g.group.clone()),
                ip_pool: Some(g.ip_pool.clone()),
                acl: Some(g.acl.clone()),
            })
            .collect();
        if let (Some(id), true) = (&r.ssl_vpn_id, data.is_empty()) {
            return Err(not_found(ErrorCode::InvalidVpnGwNotFound, "SSL VPN", id));
        }
        Ok(DescribeSSLVpnDomainOutput {
            data: Some(data),
            ..Default::default()
        })
    }
}

impl Model for SetSSLVpnDomain {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let gateways = &mut state.vpcs[v].vpn_gateways;
        let id = r.ssl_vpn_id.as_deref();
        let Some(gateway) = gateways
            .iter_mut()
            .find(|g| id.is_none_or(|id| g.head.has_id(id)))
        else {
            let id = id.unwrap_or_default();
            return Err(not_found(ErrorCode::InvalidVpnGwNotFound, "SSL VPN", id));
        };
        if let Some(pool) = r.ip_pool {
            gateway.ip_pool = pool;
        }
        if let Some(acl) = r.acl {
            gateway.acl = acl
                .iter()
                .map(|a| merged(&DescribeSSLVpnDomainDataAcl::default(), Some(a)))
                .collect();
        }
        Ok(SetSSLVpnDomainOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({})))),
            ..Default::default()
        })
    }
}

impl Listed for DescribeUserGw {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let listing = Listing {
            id: r.user_gw_id.as_deref(),
            name: r.user_gw_name.as_deref(),
            order: Order::by(r.order_field.as_deref(), "userGwName"),
            order_direction: Some(r.order_direction.as_deref().unwrap_or("desc")),
            ..Listing::page_of(r)
        };
        let (total, page) = listing.page(state.user_gws_of(caller), |u| *u);
        if let (Some(id), 0) = (&r.user_gw_id, total) {
            return Err(not_found(
                ErrorCode::InvalidUserGwNotFound,
                UserGateway::KIND,
                id,
            ));
        }
        let item = |u: &UserGateway| DescribeUserGwData {
            user_gw_name: Some(u.head.name.clone()),
            user_gw_id: Some(i64::try_from(u.head.serial).unwrap_or(i64::MAX)),
            un_user_gw_id: Some(u.head.un_id.clone()),
            user_gw_addr: Some(u.address.clone()),
            vpn_conn_num: Some(count(state.conns_using(caller, &u.head.un_id))),
            create_time: Some(format_datetime(u.head.created)),
        };
        Ok(DescribeUserGwOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(item).collect()),
            ..Default::default()
        })
    }
}

impl Listed for DescribeUserGwVendor {
    fn list(_: &State, _: &Caller, _: &Self) -> Result<Self::Output, Failure> {
        let item = |&(vendor, platform, software): &(&str, &str, &str)| DescribeUserGwVendorData {
            platform: Some(platform.to_owned()),
            software: Some(software.to_owned()),
            vendorname: Some(vendor.to_owned()),
        };
        Ok(DescribeUserGwVendorOutput {
            data: Some(VENDORS.iter().map(item).collect()),
            ..Default::default()
        })
    }
}

impl Model for AddUserGw {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let mine: Vec<&UserGateway> = state.user_gws_of(caller).collect();
        check_new_name(mine.iter().copied(), &r.user_gw_name, None, "the account")?;
        let refusal = if mine.iter().any(|u| u.address == r.user_gw_addr) {
            let message = format!("a customer gateway already has address {}", r.user_gw_addr);
            Some((ErrorCode::InvalidUserGwInUse, message))
        } else if mine.len() >= state.quota(USER_GATEWAYS_PER_ACCOUNT) {
            let quota = state.quota(USER_GATEWAYS_PER_ACCOUNT);
            let message = format!("an account holds at most {quota} customer gateways");
            Some((ErrorCode::UserGwLimitExceeded, message))
        } else {
            None
        };
        if let Some((code, message)) = refusal {
            return Err(Failure::business(code, message));
        }
        let mut head = state.head("cgw", None, r.user_gw_name, now);
        head.id = head.serial.to_string();
        let id = head.un_id.clone();
        state.user_gateways.push(UserGateway {
            uin: caller.uin.clone(),
            region: caller.region.clone(),
            head,
            address: r.user_gw_addr,
        });
        Ok(AddUserGwOutput {
            user_gw_id: Some(id),
            ..Default::default()
        })
    }
}

impl Model for ModifyUserGw {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let i = state.user_gw_index(caller, &r.user_gw_id)?;
        let serial = state.user_gateways[i].head.serial;
        let others = state
            .user_gws_of(caller)
            .filter(|u| u.head.serial != serial);
        check_new_name(others, &r.user_gw_name, None, "the account")?;
        state.user_gateways[i].head.name = r.user_gw_name;
        Ok(ModifyUserGwOutput::default())
    }
}

/// Refused while a connection uses it.
impl Model for DeleteUserGw {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let i = state.user_gw_index(caller, &r.user_gw_id)?;
        let used = state.conns_using(caller, &state.user_gateways[i].head.un_id);
        if used > 0 {
            let message = format!(
                "customer gateway `{}` is used by {used} VPN connection(s)",
                r.user_gw_id
            );
            return Err(Failure::business(ErrorCode::InvalidUserGwInUse, message));
        }
        state.user_gateways.remove(i);
        Ok(DeleteUserGwOutput::default())
    }
}

impl Listed for DescribeVpnConn {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let mut gateways = state.children::<VpnGateway>(caller, r.vpc_id.as_deref())?;
        if let Some(id) = &r.vpn_gw_id {
            gateways.retain(|(_, g)| g.head.has_id(id));
            if gateways.is_empty() {
                return Err(not_found(
                    ErrorCode::InvalidVpnGwNotFound,
                    VpnGateway::KIND,
                    id,
                ));
            }
        }
        let conns = gateways
            .into_iter()
            .flat_map(|(v, g)| g.conns.iter().map(move |c| (v, g, c)));
        let listing = Listing {
            id: r.vpn_conn_id.as_deref(),
            name: r.vpn_conn_name.as_deref(),
            order: Order::by(r.order_field.as_deref(), "vpnConnName"),
            order_direction: Some(r.order_direction.as_deref().unwrap_or("desc")),
            ..Listing::page_of(r)
        };
        let (total, page) = listing.page(conns, |(_, _, c)| *c);
        if let (Some(id), 0) = (&r.vpn_conn_id, total) {
            return Err(not_found(
                ErrorCode::InvalidVpnConnNotFound,
                VpnConn::KIND,
                id,
            ));
        }
        let user = |id: &str| state.user_gateways.iter().find(|u| u.head.un_id == id);
        let item = |(v, g, c): (&Vpc, &VpnGateway, &VpnConn)| {
            let u = user(&c.user_gw);
            let ike = merged(&DescribeVpnConnDataIKEArr::default(), Some(&c.ike));
            let ipsec = merged(&DescribeVpnConnDataIPSECArr::default(), Some(&c.ipsec));
            DescribeVpnConnData {
                vpc_id: Some(v.head.id.clone()),
                un_vpc_id: Some(v.head.un_id.clone()),
                vpn_gw_id: Some(i64::try_from(g.head.serial).unwrap_or(i64::MAX)),
                un_vpn_gw_id: Some(g.head.un_id.clone()),
                vpn_gw_address: Some(g.address.to_string()),
                user_gw_id: u.map(|u| u.head.id.clone()),
                un_user_gw_id: Some(c.user_gw.clone()),
                user_gw_address: u.map(|u| u.address.clone()),
                vpn_conn_name: Some(c.head.name.clone()),
                pre_shared_key: Some(c.psk.clone()),
                source_cidr: Some(vec![v.cidr.to_string()]),
                destination_cidr: Some(c.cidrs.clone()),
                vpc_conn_status: Some(6),
                net_status: Some("available".to_owned()),
                ike_set: Some(c.ike.clone()),
                i_psec_set: Some(c.ipsec.clone()),
                ike_arr: Some(ike),
                ipsec_arr: Some(ipsec),
                vpc_name: Some(v.head.name.clone()),
                vpc_cidr_block: Some(v.cidr.to_string()),
                vpn_gw_name: Some(g.head.name.clone()),
                vpn_conn_id: Some(c.head.id.clone()),
                un_vpn_conn_id: Some(c.head.un_id.clone()),
                user_gw_name: u.map(|u| u.head.name.clone()),
                remote_sla_ip: Some(String::new()),
                vpn_proto: Some("ip-sec".to_owned()),
                create_time: Some(format_datetime(c.head.created)),
            }
        };
        Ok(DescribeVpnConnOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(item).collect()),
            ..Default::default()
        })
    }
}

/// The IKE and IPsec settings of a new connection: the documented defaults.
fn default_settings(
    gateway: &VpnGateway,
    user: &UserGateway,
) -> (DescribeVpnConnDataIKESet, DescribeVpnConnDataIPsecSet) {
    let text = |s: &str| Some(s.to_owned());
    let ike = DescribeVpnConnDataIKESet {
        propo_encry_algorithm: text("3des-cbc"),
        propo_authen_algorithm: text("md5"),
        exchange_mode: text("main"),
        local_identity: text("address"),
        remote_identity: text("address"),
        local_address: Some(gateway.address.to_string()),
        remote_address: Some(user.address.clone()),
        local_fqdn_name: text(""),
        remote_fqdn_name: text(""),
        dh_group_name: text("group1"),
        ike_sa_lifetime_seconds: Some(86400),
    };
    let ipsec = DescribeVpnConnDataIPsecSet {
        encrypt_algorithm: text("3des-cbc"),
        integrity_algorith: text("md5"),
        encap_mode: text("tunnel"),
        security_proto: text("ESP"),
        ipsec_sa_lifetime_seconds: Some(3600),
        ipsec_sa_lifetime_traffic: Some(1_843_200),
        pfs_dh_group: text("null"),
    };
    (ike, ipsec)
}

impl Model for AddVpnConnEx {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let (v, g) = state.child::<VpnGateway>(caller, &r.vpc_id, &r.vpn_gw_id)?;
        let u = state.user_gw_index(caller, &r.user_gw_id)?;
        let (gateway, user) = (&state.vpcs[v].vpn_gateways[g], &state.user_gateways[u]);
        let name = r
            .vpn_conn_name
            .unwrap_or_else(|| format!("vpnx-{}", user.head.name));
        check_new_name(&gateway.conns, &name, None, "the VPN gateway")?;
        let cidrs = match (r.user_gw_cidr_block, r.spd_acl) {
            (Some(blocks), _) if !blocks.is_empty() => blocks,
            (_, Some(spd)) => vec![spd],
            _ => {
                return Err(Failure::invalid_parameter(
                    "give `userGwCidrBlock` or `spdAcl`",
                ));
            }
        };
        let used = state.conns_using(caller, &user.head.un_id);
        let (per_vpn, per_user) = (
            state.quota(CONNS_PER_VPN_GATEWAY),
            state.quota(CONNS_PER_USER_GATEWAY),
        );
        if gateway.conns.len() >= per_vpn || used >= per_user {
            let message = format!(
                "a VPN gateway holds at most {per_vpn} connections, a customer gateway {per_user}"
            );
            return Err(Failure::business(ErrorCode::VpnConnLimitExceeded, message));
        }
        let (ike, ipsec) = default_settings(gateway, user);
        let user_gw = user.head.un_id.clone();
        let mut head = state.head("vpnx", None, name, now);
        head.id = head.serial.to_string();
        let psk = r
            .pre_shared_key
            .unwrap_or_else(|| format!("psk{}", unified_suffix(head.serial + 7)));
        let conn = VpnConn {
            user_gw: user_gw.clone(),
            psk: psk.clone(),
            cidrs: cidrs.clone(),
            ike: merged(&ike, r.ike_set.as_ref().and_then(|s| s.first())),
            ipsec: merged(&ipsec, r.i_psec_set.as_ref().and_then(|s| s.first())),
            head,
        };
        let conn_id = conn.head.un_id.clone();
        let gateway = &mut state.vpcs[v].vpn_gateways[g];
        gateway.conns.push(conn);
        let gw_id = gateway.head.un_id.clone();
        Ok(AddVpnConnExOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({ "vpnConnId": conn_id })))),
            data: Some(AddVpnConnExData {
                vpn_gw_id: Some(gw_id),
                user_gw_id: Some(user_gw),
                vpn_conn_id: Some(conn_id),
                vpn_conn_status: Some(6),
                pre_shared_key: Some(psk),
                user_gw_subnet_list: Some(cidrs),
            }),
            ..Default::default()
        })
    }
}

impl Model for ModifyVpnConnEx {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, g, c) = state.conn(caller, &r.vpc_id, &r.vpn_gw_id, &r.vpn_conn_id)?;
        let gateway = &mut state.vpcs[v].vpn_gateways[g];
        if let Some(name) = &r.vpn_conn_name {
            check_new_name(&gateway.conns, name, Some(c), "the VPN gateway")?;
        }
        let gw_id = gateway.head.un_id.clone();
        let conn = &mut gateway.conns[c];
        if let Some(name) = r.vpn_conn_name {
            conn.head.name = name;
        }
        if let Some(psk) = r.pre_shared_key {
            conn.psk = psk;
        }
        let blocks = r
            .user_gw_cidr_block
            .filter(|b| !b.is_empty())
            .or(r.spd_acl.filter(|b| !b.is_empty()));
        if let Some(blocks) = blocks {
            conn.cidrs = blocks;
        }
        conn.ike = merged(&conn.ike, r.ike_set.as_ref().and_then(|s| s.first()));
        conn.ipsec = merged(&conn.ipsec, r.i_psec_set.as_ref().and_then(|s| s.first()));
        let data = ModifyVpnConnExData {
            vpn_gw_id: Some(gw_id),
            vpc_conn_id: Some(conn.head.un_id.clone()),
            vpc_conn_status: Some(6),
            pre_shared_key: Some(conn.psk.clone()),
            user_gw_subnet_list: Some(conn.cidrs.clone()),
            user_gw_id: Some(conn.user_gw.clone()),
        };
        Ok(ModifyVpnConnExOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({})))),
            data: Some(data),
            ..Default::default()
        })
    }
}

impl Model for DeleteVpnConn {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, g, c) = state.conn(caller, &r.vpc_id, &r.vpn_gw_id, &r.vpn_conn_id)?;
        let gateway = &mut state.vpcs[v].vpn_gateways[g];
        let conn = gateway.conns.remove(c);
        let data = DeleteVpnConnData {
            vpn_gw_id: Some(gateway.head.un_id.clone()),
            vpc_conn_id: Some(conn.head.un_id),
            state: Some(4),
        };
        Ok(DeleteVpnConnOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({})))),
            data: Some(data),
            ..Default::default()
        })
    }
}

/// A text configuration for a listed device; it does not carry the pre-shared key.
impl Model for GetVpnConnConfig {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let gateways = state.vpcs_of(caller).flat_map(|v| &v.vpn_gateways);
        let found = gateways.flat_map(|g| g.conns.iter().map(move |c| (g, c)));
        let Some((g, c)) = found
            .into_iter()
            .find(|(_, c)| c.head.has_id(&r.vpn_conn_id))
        else {
            return Err(not_found(
                ErrorCode::InvalidVpnConnNotFound,
                VpnConn::KIND,
                &r.vpn_conn_id,
            ));
        };
        let device = (
            r.vendorname.as_str(),
            r.platform.as_str(),
            r.software.as_str(),
        );
        if !VENDORS.contains(&device) {
            let message = format!("no configuration for {device:?}; see DescribeUserGwVendor");
            return Err(Failure::invalid_parameter(message));
        }
        let remote = c.ike.remote_address.clone().unwrap_or_default();
        let text = format!(
            "! {} {} {} configuration for VPN connection {}\ninterface {}\ncrypto isakmp peer {}\n local-address {remote}\n pre-shared-key <as configured>\n",
            r.vendorname, r.platform, r.software, c.head.un_id, r.interface_name, g.address
        );
        Ok(GetVpnConnConfigOutput {
            data: Some(json!([{ "configFileInfo": text }])),
            ..Default::default()
        })
    }
}

/// No traffic flows in the emulator: one zero per 5 minutes of the last day.
impl Model for DescribeVpnConnMonitor {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        state.conn(caller, &r.vpc_id, &r.vpn_gw_id, &r.vpn_conn_id)?;
        if !["outtraffic", "intraffic"].contains(&r.metric_name.as_str()) {
            let message = format!(
                "`metricName` is `outtraffic` or `intraffic`, got `{}`",
                r.metric_name
            );
            return Err(Failure::invalid_parameter(message));
        }
        Ok(DescribeVpnConnMonitorOutput {
            data: Some(json!({ "data": vec![0; 288] })),
            ..Default::default()
        })
    }
}

impl Model for ResetVpnConnSA {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        state.conn(caller, &r.vpc_id, &r.vpn_gw_id, &r.vpn_conn_id)?;
        Ok(ResetVpnConnSAOutput::default())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn id(out: &Value, pointer: &str) -> String {
        out.pointer(pointer)
            .and_then(Value::as_str)
            .expect(pointer)
            .to_owned()
    }

    #[test]
    fn quotas_are_codes_of_the_limit_table() {
        let state = State::default();
        for code in [
            super::VPN_GATEWAYS_PER_VPC,
            super::USER_GATEWAYS_PER_ACCOUNT,
            super::CONNS_PER_USER_GATEWAY,
            super::CONNS_PER_VPN_GATEWAY,
        ] {
            assert_eq!(state.limit(code), 20, "type {code}");
        }
    }

    #[test]
    fn connections_join_existing_gateways_and_keep_their_key_out_of_the_dump() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = create_vpc(&mut state, &a, "v", "10.0.0.0/16");
        let run = [
            ("vpcId", vpc.as_str()),
            ("name", "g"),
            ("bandwidth", "5"),
            ("chargeType", "POSTPAID_BY_HOUR"),
        ];
        let gw = id(
            &ok(call(&mut state, &a, "RunVpnGw", &run, T0)),
            "/data/vpnGwId",
        );
        assert_eq!(
            outcome(&mut state, "RunVpnGw", &run),
            "InvalidVpnGwName.InUse"
        );
        let renew = [
            ("vpcId", vpc.as_str()),
            ("vpnGwId", gw.as_str()),
            ("period", "1"),
        ];
        assert_eq!(outcome(&mut state, "RenewVpn", &renew), "InvalidVpnGwState");
        let cgw = id(
            &ok(call(
                &mut state,
                &a,
                "AddUserGw",
                &[("userGwName", "c"), ("userGwAddr", "1.2.3.4")],
                T0,
            )),
            "/userGwId",
        );
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("userGwName", "c"), ("userGwAddr", "1.2.3.5")],
                "InvalidUserGwName.InUse",
            ),
            (
                &[("userGwName", "d"), ("userGwAddr", "1.2.3.4")],
                "InvalidUserGw.InUse",
            ),
        ];
        for (pairs, expected) in cases {
            assert_eq!(outcome(&mut state, "AddUserGw", pairs), *expected);
        }
        let secret = "s3cr3t-psk-value";
        let add = |state: &mut State, gw: &str, cgw: &str| {
            let pairs = [
                ("vpcId", vpc.as_str()),
                ("vpnGwId", gw),
                ("userGwId", cgw),
                ("vpnConnName", "x"),
                ("preSharedKey", secret),
                ("userGwCidrBlock.0", "192.168.0.0/24"),
            ];
            call(state, &a, "AddVpnConnEx", &pairs, T0).unwrap_or_else(|e| json!(e.code_desc))
        };
        assert_eq!(
            add(&mut state, "vpngw-none", &cgw),
            json!("InvalidVpnGw.NotFound")
        );
        assert_eq!(
            add(&mut state, &gw, "cgw-none"),
            json!("InvalidUserGw.NotFound")
        );
        let out = add(&mut state, &gw, &cgw);
        assert!(out["taskId"].is_i64(), "{out}");
        let conn_id = id(&out, "/data/vpnConnId");
        assert_eq!(
            add(&mut state, &gw, &cgw),
            json!("InvalidVpnConnName.InUse")
        );
        // Described with its key; the dump masks it, and the gateway cannot go.
        let listed = ok(call(
            &mut state,
            &a,
            "DescribeVpnConn",
            &[("vpnConnId", &conn_id)],
            T0,
        ));
        assert_eq!(listed["data"][0]["preSharedKey"], secret);
        let row = &listed["data"][0];
        assert_eq!(row["IKEArr"], row["IKESet"]);
        assert_eq!(row["IKESet"]["remoteAddress"], "1.2.3.4");
        let dumped = dump(&state, &a).to_string();
        assert!(!dumped.contains(secret), "{dumped}");
        assert!(dumped.contains(&conn_id), "{dumped}");
        assert_eq!(
            outcome(&mut state, "DeleteUserGw", &[("userGwId", &cgw)]),
            "InvalidUserGw.InUse"
        );
        assert_eq!(
            outcome(&mut state, "DeleteVpc", &[("vpcId", &vpc)]),
            "InvalidVpc.CannotDelete"
        );
        let config = [
            ("vpnConnId", conn_id.as_str()),
            ("vendorname", "cisco"),
            ("platform", "ios"),
            ("software", "V15.4"),
            ("interfaceName", "gi0/1"),
        ];
        let text = ok(call(&mut state, &a, "GetVpnConnConfig", &config, T0)).to_string();
        assert!(text.contains("gi0/1") && !text.contains(secret), "{text}");
        let ids = [
            ("vpcId", vpc.as_str()),
            ("vpnGwId", gw.as_str()),
            ("vpnConnId", conn_id.as_str()),
        ];
        assert_eq!(outcome(&mut state, "ResetVpnConnSA", &ids), "ok");
        assert_eq!(outcome(&mut state, "DeleteVpnConn", &ids), "ok");
        assert_eq!(
            outcome(&mut state, "DeleteVpnConn", &ids),
            "InvalidVpnConn.NotFound"
        );
        assert_eq!(
            outcome(&mut state, "DeleteUserGw", &[("userGwId", &cgw)]),
            "ok"
        );
        assert_eq!(
            outcome(&mut state, "DeleteUserGw", &[("userGwId", &cgw)]),
            "InvalidUserGw.NotFound"
        );
    }

    #[test]
    fn a_gateway_holds_at_most_its_quota_of_connections() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = create_vpc(&mut state, &a, "v", "10.0.0.0/16");
        let create = [
            ("vpcId", vpc.as_str()),
            ("name", "g"),
            ("bandwidth", "10"),
            ("period", "2"),
        ];
        let deal = id(
            &ok(call(&mut state, &a, "CreateVpn", &create, T0)),
            "/dealIds/0",
        );
        let found = ok(call(
            &mut state,
            &a,
            "DescribeVpnGw",
            &[("dealId", &deal)],
            T0,
        ));
        let gw = id(&found, "/data/0/unVpnGwId");
        let cgw: Vec<String> = ["1.1.1.1", "1.1.1.2"]
            .iter()
            .map(|addr| {
                let pairs = [("userGwName", *addr), ("userGwAddr", *addr)];
                id(
                    &ok(call(&mut state, &a, "AddUserGw", &pairs, T0)),
                    "/userGwId",
                )
            })
            .collect();
        let codes: Vec<String> = (0..=state.quota(super::CONNS_PER_VPN_GATEWAY))
            .map(|i| {
                let name = format!("c{i}");
                let p = [
                    ("vpcId", vpc.as_str()),
                    ("vpnGwId", gw.as_str()),
                    ("userGwId", cgw[i % 2].as_str()),
                    ("spdAcl", "{}"),
                    ("vpnConnName", name.as_str()),
                ];
                outcome(&mut state, "AddVpnConnEx", &p)
            })
            .collect();
        let (fits, over) = codes.split_at(state.quota(super::CONNS_PER_VPN_GATEWAY));
        assert!(fits.iter().all(|c| c == "ok"), "{codes:?}");
        assert_eq!(over, ["VpnConnLimitExceeded"]);
        let price = ok(call(
            &mut state,
            &a,
            "InquiryVpnPrice",
            &[("period", "2"), ("bandwidth", "5")],
            T0,
        ));
        assert_eq!(price["price"], "100.00");
    }

    #[test]
    fn routes_may_go_through_a_vpn_gateway_of_the_vpc() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = create_vpc(&mut state, &a, "v", "10.0.0.0/16");
        let other = create_vpc(&mut state, &a, "w", "10.1.0.0/16");
        let gw_in = |state: &mut State, vpc: &str| {
            let run = [
                ("vpcId", vpc),
                ("name", "g"),
                ("bandwidth", "5"),
                ("chargeType", "POSTPAID_BY_HOUR"),
            ];
            id(&ok(call(state, &a, "RunVpnGw", &run, T0)), "/data/vpnGwId")
        };
        let (gw, foreign) = (gw_in(&mut state, &vpc), gw_in(&mut state, &other));
        for (hub, expected) in [
            ("vpngw-none", "InvalidRouteNextHub.NotFound"),
            (foreign.as_str(), "InvalidRouteNextHub.NotFound"),
            (gw.as_str(), "ok"),
        ] {
            let pairs = [
                ("vpcId", vpc.as_str()),
                ("routeTableName", "t"),
                ("routeSet.0.destinationCidrBlock", "192.168.0.0/16"),
                ("routeSet.0.nextType", "1"),
                ("routeSet.0.nextHub", hub),
            ];
            assert_eq!(
                outcome(&mut state, "CreateRouteTable", &pairs),
                expected,
                "{hub}"
            );
        }
        let listed = ok(call(
            &mut state,
            &a,
            "DescribeVpcEx",
            &[("vpcId", &vpc)],
            T0,
        ));
        assert_eq!(listed["data"][0]["vpnGwNum"], 1);
    }

    #[test]
    fn every_vpn_gateway_is_an_ssl_vpn_with_a_domain() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = create_vpc(&mut state, &a, "v", "10.0.0.0/16");
        let run = [
            ("vpcId", vpc.as_str()),
            ("name", "g"),
            ("bandwidth", "5"),
            ("chargeType", "PREPAID"),
            ("chargePrepaid.period", "1"),
        ];
        let gw = id(
            &ok(call(&mut state, &a, "RunVpnGw", &run, T0)),
            "/data/vpnGwId",
        );
        let set = [
            ("vpcId", vpc.as_str()),
            ("sslVpnId", gw.as_str()),
            ("ipPool.0", "172.16.0.0/24"),
            ("acl.0.proto", "tcp"),
            ("acl.0.action", "0"),
            ("acl.0.destinationPort", "443"),
            ("acl.0.sourceCidr", "172.16.0.0/24"),
            ("acl.0.destinationCidr", "10.0.0.0/16"),
        ];
        assert!(ok(call(&mut state, &a, "SetSSLVpnDomain", &set, T0))["taskId"].is_i64());
        let domain = ok(call(
            &mut state,
            &a,
            "DescribeSSLVpnDomain",
            &[("vpcId", &vpc)],
            T0,
        ));
        assert_eq!(domain["data"][0]["ipPool"], json!(["172.16.0.0/24"]));
        assert_eq!(domain["data"][0]["acl"][0]["destinationPort"], "443");
        let listed = ok(call(
            &mut state,
            &a,
            "DescribeSSLVpn",
            &[("vpcId", &vpc)],
            T0,
        ));
        assert_eq!(listed["sslVpnSet"][0]["sslVpnId"], json!(gw));
        assert_eq!(listed["sslVpnSet"][0]["sslVpnDomainAclNum"], 1);
        let elsewhere = [("vpcId", vpc.as_str()), ("sslVpnId", "vpngw-none")];
        assert_eq!(
            outcome(&mut state, "SetSSLVpnDomain", &elsewhere),
            "InvalidVpnGw.NotFound"
        );
        let renew = [
            ("vpcId", vpc.as_str()),
            ("vpnGwId", gw.as_str()),
            ("period", "2"),
        ];
        assert_eq!(outcome(&mut state, "RenewVpn", &renew), "ok");
        let expiry = |state: &mut State| {
            let out = ok(call(state, &a, "DescribeVpnGw", &[("vpnGwId", &gw)], T0));
            out["data"][0]["expireTime"].clone()
        };
        assert_eq!(expiry(&mut state), json!(format_datetime(T0 + 90 * DAY)));
    }
}
