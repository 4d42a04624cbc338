//! VPCs: create (with their first subnets and default route table), list
//! (DescribeVpcEx and the older DescribeVpcs), rename, delete, their quotas and
//! their VIPs; and the lookups of the caller's VPCs and of the resources inside them.

use qcapi_core::vpc::*;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use super::table::count;
use super::table::{Handlers, InVpc, Listed, Listing, Model, Now, Order, Resource, check_new_name};
use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateVpc::run)
        .add(DeleteVpc::run)
        .add(ModifyVpcAttribute::run)
        .add(AssociateVip::run)
        .read::<DescribeVpcs>()
        .read::<DescribeVpcLimit>()
        // No action lists VIPs: the dump shows them as stored.
        .dump("vips", |state, caller| {
            let vips = state.vpcs_of(caller).flat_map(|v| {
                let vip = |x: &Vip| {
                    json!({"vpcId": v.head.un_id, "subnetId": x.subnet_id,
                    "vipId": x.id, "address": x.address, "lanIp": x.host})
                };
                v.vips.iter().map(vip)
            });
            Value::Array(vips.collect())
        })
        .listing("vpcs", || DescribeVpcEx::new().limit(i64::MAX));
}

table::resource! {
    Vpc "VPC",
    InvalidVpcNotFound, InvalidVpcName, InvalidVpcNameInUse
}

impl Model for CreateVpc {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let Some(cidr) = Cidr::parse(&r.cidr_block).filter(|c| c.is_vpc_block()) else {
            let block = &r.cidr_block;
            let message = format!(
                "`{block}` is not a /16 to /28 block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
            );
            return Err(Failure::business(ErrorCode::InvalidVpcCidr, message));
        };
        let region = caller.region.as_str();
        let scope = format!("region `{region}`");
        check_new_name(state.vpcs_of(caller), &r.vpc_name, None, &scope)?;
        let held = state.vpcs_of(caller).count();
        let what = format!("VPCs of an account in {scope}");
        state.within("0", (held, 1), ErrorCode::VpcLimitExceeded, &what)?;
        // Check every subnet before allocating anything, so a failure changes nothing.
        let wanted = subnet_wishes(r.subnet_set.as_deref().unwrap_or_default(), cidr, &[])?;

        let vpc = Vpc {
            uin: caller.uin.clone(),
            region: caller.region.clone(),
            head: state.head("vpc", Some(region), r.vpc_name, now),
            cidr,
            subnets: Vec::new(),
            route_tables: vec![RouteTable {
                head: state.head("rtb", Some(region), "default".to_owned(), now),
                kind: 1,
                routes: Vec::new(),
            }],
            network_acls: Vec::new(),
            enis: Vec::new(),
            multicast: false,
            vips: Vec::new(),
            nat_gateways: Vec::new(),
            flow_logs: Vec::new(),
            classic_links: Vec::new(),
            dc_gateways: Vec::new(),
            vpn_gateways: Vec::new(),
        };
        state.vpcs.push(vpc);
        let v = state.vpcs.len() - 1;
        let added = state.add_subnets(v, wanted, now);
        let subnet_set = added.iter().map(|s| CreateVpcSubnetSet {
            subnet_id: Some(s.head.id.clone()),
            un_subnet_id: Some(s.head.un_id.clone()),
            route_table_id: Some(s.route_table_id.clone()),
            subnet_name: Some(s.head.name.clone()),
            cidr_block: Some(s.cidr.to_string()),
            zone_id: Some(s.zone_id),
        });
        let subnet_set = Some(subnet_set.collect());
        let (vpc, table) = (&state.vpcs[v], &state.vpcs[v].route_tables[0]);
        Ok(CreateVpcOutput {
            vpc_id: Some(vpc.head.id.clone()),
            un_vpc_id: Some(vpc.head.un_id.clone()),
            uniq_vpc_id: Some(vpc.head.un_id.clone()),
            vpc_create_time: Some(format_datetime(now)),
            subnet_set,
            route_table_set: Some(vec![CreateVpcRouteTableSet {
                route_table_id: Some(table.head.id.clone()),
                route_table_type: Some(table.kind),
                route_table_name: Some(table.head.name.clone()),
            }]),
            ..Default::default()
        })
    }
}

impl State {
    /// The VPCs of the caller's account in the caller's region.
    pub(super) fn vpcs_of<'s>(&'s self, caller: &'s Caller) -> impl Iterator<Item = &'s Vpc> + 's {
        let mine = |v: &&Vpc| v.uin == caller.uin && v.region == caller.region;
        self.vpcs.iter().filter(mine)
    }

    /// The index of VPC `id` (old-style or unified) of account `uin` in `region`.
    pub(super) fn find_vpc(&self, uin: &str, region: &str, id: &str) -> Result<usize, Failure> {
        let wanted = |v: &Vpc| v.uin == uin && v.region == region && v.head.has_id(id);
        let message = || format!("VPC `{id}` not found for account {uin} in region `{region}`");
        let found = self.vpcs.iter().position(wanted);
        found.ok_or_else(|| Failure::business(Vpc::NOT_FOUND, message()))
    }

    /// The index of the caller's VPC `id`.
    pub(super) fn vpc_index(&self, caller: &Caller, id: &str) -> Result<usize, Failure> {
        self.find_vpc(&caller.uin, &caller.region, id)
    }

    /// The indices of the caller's VPC `vpc_id` and of its resource `id`.
    pub(super) fn child<R: InVpc>(
        &self,
        caller: &Caller,
        vpc_id: &str,
        id: &str,
    ) -> Result<(usize, usize), Failure> {
        let v = self.vpc_index(caller, vpc_id)?;
        let rows = R::rows(&self.vpcs[v]);
        let Some(i) = rows.iter().position(|r| r.head().has_id(id)) else {
            let message = format!("{} `{id}` not found in VPC `{vpc_id}`", R::KIND);
            return Err(Failure::business(R::NOT_FOUND, message));
        };
        Ok((v, i))
    }

    /// The caller's resources of one kind, with their VPC; only those of VPC
    /// `vpc_id` when given (an unknown one is an error).
    pub(super) fn children<'s, R: InVpc>(
        &'s self,
        caller: &'s Caller,
        vpc_id: Option<&str>,
    ) -> Result<Vec<(&'s Vpc, &'s R)>, Failure> {
        let vpcs: Vec<&Vpc> = match vpc_id {
            Some(id) => vec![&self.vpcs[self.vpc_index(caller, id)?]],
            None => self.vpcs_of(caller).collect(),
        };
        let pairs = vpcs
            .into_iter()
            .flat_map(|v| R::rows(v).iter().map(move |r| (v, r)));
        Ok(pairs.collect())
    }
}

impl Listed for DescribeVpcEx {
    fn list(state: &State, caller: &Caller, request: &Self) -> Result<Self::Output, Failure> {
        let listing = Listing {
            id: request.vpc_id.as_deref(),
            name: request.vpc_name.as_deref(),
            order: Order::by(request.order_field.as_deref(), "vpcName"),
            order_direction: request.order_direction.as_deref(),
            ..Listing::page_of(request)
        };
        let (total, page) = listing.page(state.vpcs_of(caller), |v| *v);
        let data = page
            .into_iter()
            .map(|v| DescribeVpcExData {
                vpc_id: Some(v.head.id.clone()),
                un_vpc_id: Some(v.head.un_id.clone()),
                vpc_name: Some(v.head.name.clone()),
                cidr_block: Some(v.cidr.to_string()),
                subnet_num: Some(count(v.subnets.len())),
                route_table_num: Some(count(v.route_tables.len())),
                vpn_gw_num: Some(count(v.vpn_gateways.len())),
                vpc_peer_num: Some(count(state.peer_count(v))),
                vpc_device_num: Some(0),
                classic_link_num: Some(count(v.classic_links.len())),
                vpg_num: Some(0),
                nat_num: Some(count(v.nat_gateways.len())),
                is_default: Some(state.is_default(&v.head.un_id)),
                is_multicast: Some(v.multicast),
                create_time: Some(format_datetime(v.head.created)),
            })
            .collect();
        Ok(DescribeVpcExOutput {
            total_count: Some(total),
            data: Some(data),
            ..Default::default()
        })
    }
}

impl Model for DeleteVpc {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let id = r.vpc_id.as_str();
        let index = state.vpc_index(caller, id)?;
        let vpc = &state.vpcs[index];
        let peering = state.peerings.iter().find(|p| p.joins(vpc) && p.is_live());
        let subnet = vpc.subnets.first().map(|s| format!("subnet {}", s.head.id));
        let link = || {
            let l = vpc.classic_links.first()?;
            Some(format!("classic link {} (CVM {})", l.head.id, l.head.name))
        };
        let peering =
            || peering.map(|p| format!("peering connection {} ({})", p.head.id, p.state.label()));
        let nat = || Some(format!("NAT gateway {}", vpc.nat_gateways.first()?.head.id));
        let dcg = || {
            let gateway = vpc.dc_gateways.first()?;
            Some(format!("direct-connect gateway {}", gateway.head.id))
        };
        let vpn = || {
            Some(format!(
                "VPN gateway {}",
                vpc.vpn_gateways.first()?.head.un_id
            ))
        };
        let blocker = subnet
            .or_else(nat)
            .or_else(vpn)
            .or_else(dcg)
            .or_else(link)
            .or_else(peering);
        if let Some(blocker) = blocker {
            let message = format!("VPC `{id}` still has {blocker}");
            return Err(Failure::business(
                ErrorCode::InvalidVpcCannotDelete,
                message,
            ));
        }
        state.vpcs.remove(index);
        Ok(DeleteVpcOutput::default())
    }
}

impl Model for ModifyVpcAttribute {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let others = state.vpcs_of(caller).filter(|o| !o.head.has_id(&r.vpc_id));
        check_new_name(
            others,
            &r.vpc_name,
            None,
            &format!("region `{}`", caller.region),
        )?;
        let multicast = r.is_multicast.as_deref().map(|text| {
            let message = || format!("parameter `isMulticast` must be a boolean, got `{text}`");
            qcapi_core::params::parse_bool(text)
                .ok_or_else(|| Failure::invalid_parameter(message()))
        });
        let vpc = &mut state.vpcs[v];
        vpc.multicast = multicast.transpose()?.unwrap_or(vpc.multicast);
        vpc.head.name = r.vpc_name;
        Ok(ModifyVpcAttributeOutput::default())
    }
}

/// Without `vpcId`, every VPC with its subnets, in creation order; with one
/// (old-style only, as documented), that VPC's fields at the top level.
impl Listed for DescribeVpcs {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let Some(id) = r.vpc_id.as_deref() else {
            let item = |v: &Vpc| DescribeVpcsVpcSet {
                vpc_id: Some(v.head.id.clone()),
                vpc_name: Some(v.head.name.clone()),
                cidr_block: Some(v.cidr.to_string()),
                subnet_set: Some(
                    v.subnets
                        .iter()
                        .map(|s| DescribeVpcsVpcSetSubnetSet {
                            subnet_id: Some(s.head.id.clone()),
                            subnet_name: Some(s.head.name.clone()),
                            cidr_block: Some(s.cidr.to_string()),
                            zone_id: Some(s.zone_id),
                        })
                        .collect(),
                ),
            };
            let vpc_set: Vec<_> = state.vpcs_of(caller).map(item).collect();
            return Ok(DescribeVpcsOutput {
                total_count: Some(count(vpc_set.len())),
                vpc_set: Some(vpc_set),
                ..Default::default()
            });
        };
        let v = &state.vpcs[state.vpc_index(caller, id)?];
        if v.head.id != id {
            let message = format!(
                "DescribeVpcs takes old-style VPC ids only (`{}`)",
                v.head.id
            );
            return Err(Failure::business(Vpc::NOT_FOUND, message));
        }
        let subnet = |s: &Subnet| DescribeVpcsSubnetSet {
            subnet_id: Some(s.head.id.clone()),
            subnet_name: Some(s.head.name.clone()),
            route_table_id: Some(s.route_table_id.clone()),
            cidr_block: Some(s.cidr.to_string()),
            zone_id: Some(s.zone_id),
            subnet_create_time: Some(format_datetime(s.head.created)),
        };
        let table = |t: &RouteTable| DescribeVpcsRouteTableSet {
            route_table_id: Some(t.head.id.clone()),
            route_table_type: Some(t.kind),
            route_table_name: Some(t.head.name.clone()),
        };
        Ok(DescribeVpcsOutput {
            vpc_id: Some(v.head.id.clone()),
            vpc_name: Some(v.head.name.clone()),
            cidr_block: Some(v.cidr.to_string()),
            vpc_create_time: Some(format_datetime(v.head.created)),
            subnet_set: Some(v.subnets.iter().map(subnet).collect()),
            route_table_set: Some(v.route_tables.iter().map(table).collect()),
            ..Default::default()
        })
    }
}

/// The emulator's default quotas, by DescribeVpcLimit type code (every code
/// the spec allows). The values are the emulator's choice, in the range of
/// Tencent's published quotas. They are where [`State`]'s limits start (and
/// return to on a reset); the control plane can change them, and every family
/// reads them through `State::limit`.
pub(crate) const DEFAULT_LIMITS: &[(&str, i64)] = &[
    ("0", 20),   // VPCs per account (and region)
    ("1", 100),  // subnets per VPC
    ("2", 10),   // route tables per VPC
    ("3", 50),   // routes per route table
    ("4", 20),   // VPN gateways per VPC
    ("5", 20),   // customer gateways per account
    ("7", 20),   // VPN connections per customer gateway
    ("8", 20),   // connections per VPN gateway
    ("15", 50),  // network ACLs per VPC
    ("17", 20),  // inbound rules per ACL
    ("18", 20),  // outbound rules per ACL
    ("20", 10),  // active peerings per VPC
    ("22", 100), // classic-link CVMs per VPC
    ("32", 100), // SNAT rules per direct-connect gateway
    ("34", 100), // DNAT rules per direct-connect gateway
    ("36", 100), // DNAPT rules per direct-connect gateway
    ("38", 100), // SNAPT rules per direct-connect gateway
    ("44", 256), // SSL VPN address pool size
    ("51", 1),   // SSL VPNs per VPC
    ("55", 3),   // NAT gateways per VPC
    ("56", 10),  // public IPs per NAT gateway
    ("57", 50),  // network interfaces per VPC
];

impl Listed for DescribeVpcLimit {
    fn list(state: &State, _: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let limit = |code: &String| Some((code.clone(), Value::from(*state.limits().get(code)?)));
        // The spec allows only the table's codes.
        let limits = r.r#type.iter().filter_map(limit);
        Ok(DescribeVpcLimitOutput {
            data: Some(DescribeVpcLimitData {
                limit: Some(Value::Object(limits.collect())),
            }),
            ..Default::default()
        })
    }
}

/// A virtual IP of a VPC, bound to a host's private address. VIPs are handed
/// out by customer service, so any positive id names one of the account's; its
/// own address is the lowest free one of the subnet of the first host it is
/// bound to, and it stays in that subnet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Vip {
    id: i64,
    /// Old-style id of its subnet.
    pub(super) subnet_id: String,
    pub(super) address: Ipv4Addr,
    host: Ipv4Addr,
}

/// Binds VIP `vipId` to `lanIp`, any assignable address of a subnet of the VPC
/// other than a VIP's (CVMs are not modelled); binding it again moves it.
impl Model for AssociateVip {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let host = eni::address("lanIp", &r.lan_ip)?;
        let (vpc, id) = (&state.vpcs[v], r.vip_id);
        let elsewhere = state
            .vpcs_of(caller)
            .find(|o| o.head.id != vpc.head.id && o.vips.iter().any(|x| x.id == id));
        let in_use =
            |message: String| Err(Failure::business(ErrorCode::InvalidVipIdInUse, message));
        if id < 1 {
            let message = format!("VIP {id} not found (VIP ids are positive)");
            return Err(Failure::business(ErrorCode::InvalidVipIdNotFound, message));
        }
        if let Some(other) = elsewhere {
            return in_use(format!("VIP {id} is bound in VPC `{}`", other.head.un_id));
        }
        let is_vip = vpc.vips.iter().any(|x| x.address == host);
        let hosting = |s: &&Subnet| !is_vip && s.cidr.assignable().contains(&u32::from(host));
        let Some(subnet) = vpc.subnets.iter().find(hosting) else {
            let message = format!(
                "`{host}` is no host address of a subnet of VPC `{}`",
                r.vpc_id
            );
            return Err(Failure::business(ErrorCode::InvalidLanIpNotFound, message));
        };
        match vpc.vips.iter().position(|x| x.id == id) {
            Some(i) if vpc.vips[i].subnet_id != subnet.head.id => {
                let (from, to) = (&vpc.vips[i].subnet_id, &subnet.head.id);
                return in_use(format!(
                    "VIP {id} is in subnet `{from}`, `{host}` in `{to}`"
                ));
            }
            Some(i) => state.vpcs[v].vips[i].host = host,
            None => {
                let address = eni::pick_ips(vpc, subnet, [], 1)?[0];
                let subnet_id = subnet.head.id.clone();
                let vip = Vip {
                    id,
                    subnet_id,
                    address,
                    host,
                };
                state.vpcs[v].vips.push(vip);
            }
        }
        Ok(AssociateVipOutput::default())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn unified_ids_are_distinct_and_well_formed() {
        let ids: std::collections::BTreeSet<String> = (0..10_000).map(unified_suffix).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(50) {
            assert_eq!(id.len(), 8);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
                "{id}"
            );
        }
    }

    #[test]
    fn vpc_creation_rules() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let check = |state: &mut State, pairs: &[(&str, &str)], expected: Result<(), &str>| {
            let got = call(state, &a, "CreateVpc", pairs, T0)
                .map(|_| ())
                .map_err(|e| e.code_desc);
            assert_eq!(got, expected.map_err(str::to_owned), "{pairs:?}");
        };
        check(
            &mut state,
            &[("vpcName", "v1"), ("cidrBlock", "10.0.0.0/16")],
            Ok(()),
        );
        check(
            &mut state,
            &[("vpcName", "v1"), ("cidrBlock", "10.1.0.0/16")],
            Err("InvalidVpcName.InUse"),
        );
        check(
            &mut state,
            &[("vpcName", "v2"), ("cidrBlock", "11.0.0.0/16")],
            Err("InvalidVpcCidr"),
        );
        check(
            &mut state,
            &[("vpcName", "v2"), ("cidrBlock", "10.0.0.0/12")],
            Err("InvalidVpcCidr"),
        );
        check(
            &mut state,
            &[("vpcName", "v2"), ("cidrBlock", "10.0.0.1/16")],
            Err("InvalidVpcCidr"),
        );
        check(
            &mut state,
            &[("vpcName", "v2"), ("cidrBlock", "garbage")],
            Err("InvalidVpcCidr"),
        );
        check(&mut state, &[("vpcName", "v2")], Err("InvalidParameter"));
        let subnet = |name: &'static str, cidr: &'static str, i: usize| {
            [
                (
                    ["subnetSet.0.subnetName", "subnetSet.1.subnetName"][i],
                    name,
                ),
                (["subnetSet.0.cidrBlock", "subnetSet.1.cidrBlock"][i], cidr),
                (["subnetSet.0.zoneId", "subnetSet.1.zoneId"][i], "100003"),
            ]
        };
        let with = |name: &'static str, subnets: &[[(&'static str, &'static str); 3]]| {
            let mut pairs = vec![("vpcName", name), ("cidrBlock", "10.5.0.0/16")];
            pairs.extend(subnets.iter().flatten().copied());
            pairs
        };
        check(
            &mut state,
            &with("s1", &[subnet("x", "10.6.0.0/24", 0)]),
            Err("InvalidSubnetCidr"),
        );
        check(
            &mut state,
            &with(
                "s1",
                &[subnet("x", "10.5.0.0/24", 0), subnet("y", "10.5.0.0/25", 1)],
            ),
            Err("InvalidSubnet.Conflict"),
        );
        check(
            &mut state,
            &with(
                "s1",
                &[subnet("x", "10.5.0.0/24", 0), subnet("x", "10.5.1.0/24", 1)],
            ),
            Err("InvalidSubnetName.InUse"),
        );
        // Failed attempts allocated nothing: the name is still free.
        let pairs = with(
            "s1",
            &[subnet("x", "10.5.0.0/24", 0), subnet("y", "10.5.1.0/24", 1)],
        );
        let out = ok(call(&mut state, &a, "CreateVpc", &pairs, T0));
        assert_eq!(out["vpcId"], "gz_vpc_3");
        assert_eq!(out["vpcCreateTime"], "2023-11-14 22:13:20");
        assert_eq!(out["uniqVpcId"], out["unVpcId"]);
        assert_eq!(out["subnetSet"].as_array().map(Vec::len), Some(2));
        assert_eq!(out["subnetSet"][1]["cidrBlock"], "10.5.1.0/24");
        assert_eq!(out["subnetSet"][1]["zoneId"], 100003);
        assert_eq!(out["routeTableSet"][0]["routeTableType"], 1);
        assert_eq!(
            out["subnetSet"][0]["routeTableId"],
            out["routeTableSet"][0]["routeTableId"]
        );
        // Names are unique per account and region only.
        ok(call(
            &mut state,
            &caller(A, "sh"),
            "CreateVpc",
            &[("vpcName", "v1"), ("cidrBlock", "10.0.0.0/16")],
            T0,
        ));
        ok(call(
            &mut state,
            &caller(B, "gz"),
            "CreateVpc",
            &[("vpcName", "v1"), ("cidrBlock", "10.0.0.0/16")],
            T0,
        ));
    }

    #[test]
    fn describe_vpcs_filters_orders_and_pages() {
        let mut state = State::default();
        let a = caller(A, "gz");
        for (i, name) in ["charlie", "alpha", "bravo"].into_iter().enumerate() {
            let cidr = format!("10.{i}.0.0/16");
            ok(call(
                &mut state,
                &a,
                "CreateVpc",
                &[("vpcName", name), ("cidrBlock", &cidr)],
                T0 + i as i64,
            ));
        }
        ok(call(
            &mut state,
            &caller(B, "gz"),
            "CreateVpc",
            &[("vpcName", "other"), ("cidrBlock", "10.0.0.0/16")],
            T0,
        ));
        let names = |state: &mut State, pairs: &[(&str, &str)]| {
            let out = ok(call(state, &a, "DescribeVpcEx", pairs, T0));
            let names: Vec<String> = out["data"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|v| v["vpcName"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (out["totalCount"].as_u64().unwrap_or(99), names)
        };
        let check = |state: &mut State, pairs: &[(&str, &str)], total: u64, expected: &[&str]| {
            assert_eq!(
                names(state, pairs),
                (total, expected.iter().map(|s| s.to_string()).collect()),
                "{pairs:?}"
            );
        };
        check(&mut state, &[], 3, &["charlie", "alpha", "bravo"]);
        check(
            &mut state,
            &[("orderDirection", "desc")],
            3,
            &["bravo", "alpha", "charlie"],
        );
        check(
            &mut state,
            &[("orderField", "vpcName")],
            3,
            &["alpha", "bravo", "charlie"],
        );
        check(
            &mut state,
            &[("offset", "1"), ("limit", "1")],
            3,
            &["alpha"],
        );
        check(&mut state, &[("offset", "5")], 3, &[]);
        check(
            &mut state,
            &[("vpcName", "a")],
            3,
            &["charlie", "alpha", "bravo"],
        );
        check(&mut state, &[("vpcName", "rav")], 1, &["bravo"]);
        check(&mut state, &[("vpcId", "gz_vpc_3")], 1, &["alpha"]);
        check(&mut state, &[("vpcId", "vpc-unknown0")], 0, &[]);
        let out = ok(call(&mut state, &a, "DescribeVpcEx", &[("limit", "1")], T0));
        let item = &out["data"][0];
        assert_eq!(
            (
                item["subnetNum"].as_i64(),
                item["routeTableNum"].as_i64(),
                item["vpcPeerNum"].as_i64()
            ),
            (Some(0), Some(1), Some(0))
        );
        assert_eq!(item["createTime"], "2023-11-14 22:13:20");
    }

    #[test]
    fn vpc_renames_are_checked_like_creation() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let one = create_vpc(&mut state, &a, "one", "10.0.0.0/16");
        create_vpc(&mut state, &a, "two", "10.1.0.0/16");
        create_vpc(&mut state, &caller(B, "gz"), "taken-by-b", "10.1.0.0/16");
        let check = |state: &mut State, extra: &[(&str, &str)], expected: &str| {
            let mut pairs = vec![("vpcId", one.as_str())];
            pairs.extend_from_slice(extra);
            assert_eq!(
                outcome(state, "ModifyVpcAttribute", &pairs),
                expected,
                "{extra:?}"
            );
        };
        let long = "n".repeat(61);
        check(&mut state, &[("vpcName", "two")], "InvalidVpcName.InUse");
        check(&mut state, &[("vpcName", &long)], "InvalidParameter");
        check(
            &mut state,
            &[("vpcName", "x"), ("isMulticast", "maybe")],
            "InvalidParameter",
        );
        check(&mut state, &[("vpcName", "one")], "ok");
        check(
            &mut state,
            &[("vpcName", "taken-by-b"), ("isMulticast", "1")],
            "ok",
        );
        let missing = [("vpcId", "vpc-none"), ("vpcName", "x")];
        assert_eq!(
            outcome(&mut state, "ModifyVpcAttribute", &missing),
            "InvalidVpc.NotFound"
        );
        let out = ok(call(
            &mut state,
            &a,
            "DescribeVpcEx",
            &[("vpcId", &one)],
            T0,
        ));
        assert_eq!(
            (&out["data"][0]["vpcName"], &out["data"][0]["isMulticast"]),
            (&json!("taken-by-b"), &json!(true))
        );
    }

    #[test]
    fn describe_vpcs_answers_both_documented_shapes() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (unified, subnet) = vpc_with_subnet(&mut state);
        create_vpc(&mut state, &a, "empty", "10.1.0.0/16");
        create_vpc(&mut state, &caller(B, "gz"), "b's", "10.1.0.0/16");
        let all = ok(call(&mut state, &a, "DescribeVpcs", &[], T0));
        assert_eq!(all["totalCount"], 2);
        let set = &all["vpcSet"];
        assert_eq!(
            (&set[0]["vpcName"], &set[1]["vpcName"]),
            (&json!("v"), &json!("empty"))
        );
        let old = set[0]["vpcId"].as_str().expect("an id").to_owned();
        assert_eq!(
            set[0]["subnetSet"],
            json!([{"subnetId": "gz_subnet_3", "subnetName": "s1", "cidrBlock": "10.0.1.0/24", "zoneId": 100003}])
        );
        assert_eq!(set[1]["subnetSet"], json!([]));
        assert!(all.get("vpcCreateTime").is_none(), "{all}");
        let one = ok(call(&mut state, &a, "DescribeVpcs", &[("vpcId", &old)], T0));
        assert_eq!(
            (&one["vpcId"], &one["cidrBlock"]),
            (&json!(old), &json!("10.0.0.0/16"))
        );
        assert_eq!(one["vpcCreateTime"], "2023-11-14 22:13:20");
        assert_eq!(
            one["subnetSet"][0]["routeTableId"],
            one["routeTableSet"][0]["routeTableId"]
        );
        assert_eq!(
            one["subnetSet"][0]["subnetCreateTime"],
            "2023-11-14 22:13:20"
        );
        assert_eq!(one["routeTableSet"][0]["routeTableType"], 1);
        assert!(
            one.get("totalCount").is_none() && one.get("vpcSet").is_none(),
            "{one}"
        );
        for id in [unified.as_str(), "gz_vpc_999", subnet.as_str()] {
            assert_eq!(
                outcome(&mut state, "DescribeVpcs", &[("vpcId", id)]),
                "InvalidVpc.NotFound",
                "{id}"
            );
        }
        assert!(!may_change("DescribeVpcs") && !may_change("DescribeVpcLimit"));
        assert!(may_change("ModifyVpcAttribute") && may_change("AssociateVip"));
    }

    #[test]
    fn vpc_limits_cover_every_documented_type() {
        let allowed = DescribeVpcLimit::SPEC.params[0].allowed;
        let table: Vec<&str> = DEFAULT_LIMITS.iter().map(|(code, _)| *code).collect();
        assert_eq!(table, allowed, "the table follows the spec's type codes");
        let mut state = State::default();
        let a = caller(A, "gz");
        let out = ok(call(
            &mut state,
            &a,
            "DescribeVpcLimit",
            &[("type.0", "57"), ("type.1", "0"), ("type.2", "1")],
            T0,
        ));
        assert_eq!(out["data"]["limit"], json!({"0": 20, "1": 100, "57": 50}));
        assert_eq!(
            outcome(&mut state, "DescribeVpcLimit", &[("type.0", "6")]),
            "InvalidParameter"
        );
    }

    #[test]
    fn vips_bind_to_hosts_of_one_subnet() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet) = vpc_with_subnet(&mut state); // 10.0.1.0/24
        let other = create_vpc(&mut state, &a, "other", "10.1.0.0/16");
        let s2 = [
            ("vpcId", vpc.as_str()),
            ("subnetSet.0.subnetName", "s2"),
            ("subnetSet.0.cidrBlock", "10.0.2.0/24"),
            ("subnetSet.0.zoneId", "100003"),
        ];
        ok(call(&mut state, &a, "CreateSubnet", &s2, T0));
        let s3 = [
            ("vpcId", other.as_str()),
            ("subnetSet.0.subnetName", "s3"),
            ("subnetSet.0.cidrBlock", "10.1.0.0/24"),
            ("subnetSet.0.zoneId", "100003"),
        ];
        ok(call(&mut state, &a, "CreateSubnet", &s3, T0));
        let check = |state: &mut State, vpc: &str, vip: &str, lan_ip: &str, expected: &str| {
            let pairs = [("vpcId", vpc), ("vipId", vip), ("lanIp", lan_ip)];
            assert_eq!(
                outcome(state, "AssociateVip", &pairs),
                expected,
                "{pairs:?}"
            );
        };
        check(
            &mut state,
            "vpc-none",
            "1",
            "10.0.1.9",
            "InvalidVpc.NotFound",
        );
        check(&mut state, &vpc, "0", "10.0.1.9", "InvalidVipId.NotFound");
        check(&mut state, &vpc, "1", "10.0.3.9", "InvalidLanIp.NotFound");
        check(&mut state, &vpc, "1", "10.0.1.255", "InvalidLanIp.NotFound");
        check(&mut state, &vpc, "1", "ten", "InvalidParameter");
        check(&mut state, &vpc, "1", "10.0.1.9", "ok");
        // Its address is the subnet's lowest free one: a host cannot be it, an interface cannot take it.
        check(&mut state, &vpc, "2", "10.0.1.2", "InvalidLanIp.NotFound");
        let eni = [
            ("vpcId", vpc.as_str()),
            ("subnetId", subnet.as_str()),
            ("eniName", "e"),
            ("privateIpAddressSet.0.privateIpAddress", "10.0.1.2"),
            ("privateIpAddressSet.0.primary", "true"),
        ];
        assert_eq!(
            outcome(&mut state, "CreateNetworkInterface", &eni),
            "InvalidPrivateIpAddress.InUse"
        );
        let subnets = ok(call(
            &mut state,
            &a,
            "DescribeSubnet",
            &[("vpcId", &vpc), ("subnetId", &subnet)],
            T0,
        ));
        assert_eq!(subnets["availableIPNum"], 252);
        check(&mut state, &vpc, "1", "10.0.1.10", "ok");
        check(&mut state, &vpc, "1", "10.0.2.10", "InvalidVipId.InUse");
        check(&mut state, &other, "1", "10.1.0.10", "InvalidVipId.InUse");
        check(&mut state, &other, "2", "10.1.0.10", "ok");
        let vips = &dump(&state, &a)["vips"];
        let first = json!({"vpcId": vpc, "subnetId": "gz_subnet_3", "vipId": 1, "address": "10.0.1.2", "lanIp": "10.0.1.10"});
        assert_eq!(
            (&vips[0], vips[1]["address"].as_str()),
            (&first, Some("10.1.0.2"))
        );
        assert_eq!(dump(&state, &caller(B, "gz"))["vips"], json!([]));
        assert_eq!(
            outcome(
                &mut state,
                "DeleteSubnet",
                &[("vpcId", &vpc), ("subnetId", &subnet)]
            ),
            "InvalidSubnet.CannotDelete"
        );
    }

    #[test]
    fn vpc_deletion_waits_for_peerings() {
        let mut state = State::default();
        let (a, b) = (caller(A, "gz"), caller(B, "gz"));
        let id = pending_pair(&mut state);
        let count = |state: &mut State, who: &Caller| {
            ok(call(state, who, "DescribeVpcEx", &[], T0))["data"][0]["vpcPeerNum"].as_i64()
        };
        assert_eq!(count(&mut state, &a), Some(1));
        assert_eq!(count(&mut state, &b), Some(1));
        for (who, vpc) in [(&a, "gz_vpc_1"), (&b, "gz_vpc_3")] {
            let failure =
                call(&mut state, who, "DeleteVpc", &[("vpcId", vpc)], T0).expect_err("blocked");
            assert_eq!(
                (failure.code, failure.code_desc.as_str()),
                (5100, "InvalidVpc.CannotDelete")
            );
        }
        ok(call(
            &mut state,
            &b,
            "RejectVpcPeeringConnection",
            &[("peeringConnectionId", &id)],
            T0,
        ));
        ok(call(
            &mut state,
            &b,
            "DeleteVpc",
            &[("vpcId", "gz_vpc_3")],
            T0,
        ));
        assert_eq!(
            err_desc(call(
                &mut state,
                &b,
                "DeleteVpc",
                &[("vpcId", "gz_vpc_3")],
                T0
            )),
            "InvalidVpc.NotFound"
        );
        // The rejected peering still lists, and still counts for A's VPC (it is not deleted).
        assert_eq!(count(&mut state, &a), Some(1));
        assert_eq!(peering_state(&mut state, &a, &id, T0), 3);
    }
}
