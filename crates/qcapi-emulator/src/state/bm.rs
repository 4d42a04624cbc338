//! Bare-metal ("black stone", Bm) VPCs, their subnets and the instances (CPM
//! machines) attached to them, modelled by analogy with ordinary VPCs and subnets.
//! Bare-metal VPCs are a list of their own; no action at this host creates one,
//! so they are seeded ([`State::create_bm_vpc`]). Instances are not modelled:
//! well-formed ids are kept as given.

use serde::{Deserialize, Serialize};

use qcapi_core::vpc::*;

use super::table::{Handlers, Listed, Listing, Model, Now, Order, Resource, check_new_name, count};
use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateBmSubnet::run)
        .add(DeleteBmSubnet::run)
        .add(CreateBmInterface::run)
        .add(DelBmInterface::run)
        .read::<DescribeBmCpmBySubnetId>()
        .read::<DescribeBmSubnetByCpmId>()
        .listing("bmVpcs", || {
            DescribeBmVpcEx::new().limit(i64::MAX.to_string())
        })
        .listing("bmSubnets", || {
            DescribeBmSubnetEx::new().limit(i64::MAX.to_string())
        });
    nat::register(handlers);
    ips::register(handlers);
}

mod ips;
mod nat;

/// A bare-metal VPC of one account and region.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct BmVpc {
    uin: String,
    region: String,
    head: Head,
    cidr: Cidr,
    subnets: Vec<BmSubnet>,
    #[serde(default)]
    nat_gateways: Vec<nat::BmNat>,
}

table::resource! {
    BmVpc "bare-metal VPC",
    InvalidVpcNotFound, InvalidVpcName, InvalidVpcNameInUse
}

impl BmVpc {
    pub(super) fn is_in(&self, uin: &str, region: &str) -> bool {
        self.uin == uin && self.region == region
    }
}

/// A bare-metal subnet: an ordinary subnet's fields (and rules), a VLAN, and
/// the instances attached to it, in attachment order.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BmSubnet {
    subnet: Subnet,
    vlan_id: i64,
    instances: Vec<String>,
    /// Addresses held with ApplyIps or RegisterBatchIp, in address order.
    #[serde(default)]
    ips: Vec<ips::HeldIp>,
}

/// An integer parameter sent as a string (non-negative), if present.
fn number(name: &str, value: Option<&str>) -> Result<Option<i64>, Failure> {
    let Some(text) = value else { return Ok(None) };
    let n = text.trim().parse::<i64>().ok().filter(|n| *n >= 0);
    let message = || format!("parameter `{name}` must be a non-negative integer, got `{text}`");
    n.map(Some)
        .ok_or_else(|| Failure::invalid_parameter(message()))
}

/// Instance ids as given, each `cpm-` and 8 lowercase alphanumerics; at least one.
fn instance_ids(ids: &[String]) -> Result<&[String], Failure> {
    if ids.is_empty() {
        return Err(Failure::invalid_parameter(
            "`instanceIds` must name an instance",
        ));
    }
    let well_formed = |id: &String| {
        id.strip_prefix("cpm-").is_some_and(|s| {
            s.len() == 8
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        })
    };
    match ids.iter().find(|id| !well_formed(id)) {
        Some(id) => Err(Failure::invalid_parameter(format!(
            "`{id}` is not a bare-metal instance id (`cpm-` and 8 lowercase alphanumerics)"
        ))),
        None => Ok(ids),
    }
}

impl State {
    /// Seeds a bare-metal VPC for `caller` (no action at this host creates one):
    /// the checks of CreateVpc (name, block). Returns its unified id.
    pub(crate) fn create_bm_vpc(
        &mut self,
        caller: &Caller,
        name: &str,
        cidr: &str,
        now: Now,
    ) -> Result<String, Failure> {
        check_new_name(self.bm_vpcs_of(caller), name, None, "the region")?;
        let Some(cidr) = Cidr::parse(cidr).filter(|c| c.is_vpc_block()) else {
            let message =
                format!("`{cidr}` is not a VPC block (10/8, 172.16/12 or 192.168/16, /16 to /28)");
            return Err(Failure::business(ErrorCode::InvalidVpcCidr, message));
        };
        let head = self.head("vpc", Some(&caller.region), name.to_owned(), now);
        let id = head.un_id.clone();
        self.bm_vpcs.push(BmVpc {
            uin: caller.uin.clone(),
            region: caller.region.clone(),
            head,
            cidr,
            subnets: Vec::new(),
            nat_gateways: Vec::new(),
        });
        Ok(id)
    }

    fn bm_vpcs_of<'s>(&'s self, caller: &'s Caller) -> impl Iterator<Item = &'s BmVpc> + 's {
        let mine = |v: &&BmVpc| v.is_in(&caller.uin, &caller.region);
        self.bm_vpcs.iter().filter(mine)
    }

    /// The index of the caller's bare-metal VPC `id`; none is not found (the
    /// spec knows every parameter as optional).
    fn bm_vpc(&self, caller: &Caller, id: Option<&str>) -> Result<usize, Failure> {
        let id = id.unwrap_or_default();
        let mine = |v: &BmVpc| v.is_in(&caller.uin, &caller.region) && v.head.has_id(id);
        let found = self.bm_vpcs.iter().position(mine);
        let message = || {
            format!(
                "bare-metal VPC `{id}` not found in region `{}`",
                caller.region
            )
        };
        found.ok_or_else(|| Failure::business(BmVpc::NOT_FOUND, message()))
    }

    /// The indices of the caller's bare-metal VPC and of its subnet (none is not found).
    fn bm_subnet(
        &self,
        caller: &Caller,
        vpc: Option<&str>,
        subnet: Option<&str>,
    ) -> Result<(usize, usize), Failure> {
        let v = self.bm_vpc(caller, vpc)?;
        let id = subnet.unwrap_or_default();
        let found = self.bm_vpcs[v]
            .subnets
            .iter()
            .position(|s| s.subnet.head.has_id(id));
        let message = || format!("bare-metal subnet `{id}` not found in its VPC");
        let s = found.ok_or_else(|| Failure::business(Subnet::NOT_FOUND, message()))?;
        Ok((v, s))
    }
}

/// One subnet as DescribeBmSubnetEx lists it.
fn subnet_item(v: &BmVpc, s: &BmSubnet) -> DescribeBmSubnetExData {
    DescribeBmSubnetExData {
        vpc_id: Some(v.head.id.clone()),
        un_vpc_id: Some(v.head.un_id.clone()),
        subnet_id: Some(s.subnet.head.id.clone()),
        un_subnet_id: Some(s.subnet.head.un_id.clone()),
        subnet_name: Some(s.subnet.head.name.clone()),
        cidr_block: Some(s.subnet.cidr.to_string()),
        zone_id: Some(s.subnet.zone_id),
        vlan_id: Some(s.vlan_id),
        cpm_num: Some(count(s.instances.len())),
        create_time: Some(format_datetime(s.subnet.head.created)),
    }
}

impl Listed for DescribeBmVpcEx {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        // `vpcStatus` and `zoneIds` are accepted and ignored.
        let listing = Listing {
            id: r.vpc_id.as_deref(),
            name: r.vpc_name.as_deref(),
            order: Order::by(r.order_field.as_deref(), "vpcName"),
            order_direction: r.order_direction.as_deref(),
            offset: number("offset", r.offset.as_deref())?,
            limit: number("limit", r.limit.as_deref())?,
        };
        let (total, page) = listing.page(state.bm_vpcs_of(caller), |v| *v);
        let item = |v: &BmVpc| DescribeBmVpcExData {
            vpc_id: Some(v.head.id.clone()),
            un_vpc_id: Some(v.head.un_id.clone()),
            vpc_name: Some(v.head.name.clone()),
            cidr_block: Some(v.cidr.to_string()),
            subnet_num: Some(count(v.subnets.len())),
            create_time: Some(format_datetime(v.head.created)),
        };
        Ok(DescribeBmVpcExOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(item).collect()),
            ..Default::default()
        })
    }
}

impl Listed for DescribeBmSubnetEx {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let vpcs: Vec<&BmVpc> = match r.vpc_id.as_deref() {
            Some(id) => vec![&state.bm_vpcs[state.bm_vpc(caller, Some(id))?]],
            None => state.bm_vpcs_of(caller).collect(),
        };
        let vlan = number("vlanId", r.vlan_id.as_deref())?;
        let zones = r.zone_ids.as_deref().unwrap_or_default();
        let wanted = |s: &BmSubnet| {
            vlan.is_none_or(|id| id == s.vlan_id)
                && (zones.is_empty() || zones.contains(&s.subnet.zone_id.to_string()))
        };
        let found = vpcs
            .into_iter()
            .flat_map(|v| v.subnets.iter().filter(|s| wanted(s)).map(move |s| (v, s)));
        let listing = Listing {
            id: r.subnet_id.as_deref(),
            name: r.subnet_name.as_deref(),
            order: Order::by(r.order_feild.as_deref(), "subnetName"),
            // Descending unless asked otherwise, as DescribeSubnetEx.
            order_direction: Some(r.order_direction.as_deref().unwrap_or("desc")),
            offset: number("offset", r.offset.as_deref())?,
            limit: number("limit", r.limit.as_deref())?,
        };
        let (total, page) = listing.page(found, |(_, s)| &s.subnet);
        Ok(DescribeBmSubnetExOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(|(v, s)| subnet_item(v, s)).collect()),
            ..Default::default()
        })
    }
}

/// Reads CreateBmSubnet's `subnetSet`: objects with `subnetName`, `cidrBlock`
/// and `zoneId` (a number or a string of one; 0 when absent).
fn subnet_specs(set: Option<&Value>) -> Result<Vec<SubnetSpec>, Failure> {
    let invalid = |m: &str| Failure::invalid_parameter(format!("`subnetSet`: {m}"));
    let items = match set {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().collect::<Vec<_>>(),
        // Flattened `subnetSet.N.key` may arrive as an object keyed by N.
        Some(Value::Object(by_index)) if !by_index.is_empty() => by_index.values().collect(),
        _ => return Err(invalid("must name at least one subnet")),
    };
    items
        .into_iter()
        .map(|item| {
            let text = |key: &str| item.get(key).and_then(Value::as_str);
            let zone = match item.get("zoneId") {
                None => Some(0),
                Some(Value::String(s)) => s.parse().ok(),
                Some(z) => z.as_i64(),
            };
            let zone = zone.ok_or_else(|| invalid("`zoneId` must be an integer"))?;
            match (text("subnetName"), text("cidrBlock")) {
                (Some(name), Some(block)) => Ok(SubnetSpec::new(name, block, zone)),
                _ => Err(invalid("each subnet needs `subnetName` and `cidrBlock`")),
            }
        })
        .collect()
}

/// CreateSubnet's rules, over the bare-metal VPC's subnets.
impl Model for CreateBmSubnet {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let v = state.bm_vpc(caller, r.vpc_id.as_deref())?;
        let specs = subnet_specs(r.subnet_set.as_ref())?;
        let vlan_id = number("vlanId", r.vlan_id.as_deref())?.unwrap_or(0);
        let vpc = &state.bm_vpcs[v];
        let existing: Vec<Subnet> = vpc.subnets.iter().map(|s| s.subnet.clone()).collect();
        let wanted = subnet_wishes(&specs, vpc.cidr, &existing)?;
        let (region, first) = (vpc.region.clone(), vpc.subnets.len());
        for mut subnet in wanted {
            subnet.head = state.head("subnet", Some(&region), subnet.head.name, now);
            let (instances, ips) = (Vec::new(), Vec::new());
            let added = BmSubnet {
                subnet,
                vlan_id,
                instances,
                ips,
            };
            state.bm_vpcs[v].subnets.push(added);
        }
        let added = state.bm_vpcs[v].subnets[first..]
            .iter()
            .map(|s| CreateBmSubnetSubnetSet {
                subnet_id: Some(s.subnet.head.id.clone()),
                un_subnet_id: Some(s.subnet.head.un_id.clone()),
                subnet_name: Some(s.subnet.head.name.clone()),
                cidr_block: Some(s.subnet.cidr.to_string()),
                zone_id: Some(s.subnet.zone_id),
                vlan_id: Some(vlan_id),
            });
        Ok(CreateBmSubnetOutput {
            subnet_set: Some(added.collect()),
            ..Default::default()
        })
    }
}

impl Model for DeleteBmSubnet {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, s) = state.bm_subnet(caller, r.vpc_id.as_deref(), r.subnet_id.as_deref())?;
        let vpc = &state.bm_vpcs[v];
        let (subnet, id) = (&vpc.subnets[s], &vpc.subnets[s].subnet.head.un_id);
        let holder = subnet
            .instances
            .first()
            .map(|i| format!("instance `{i}` attached"));
        let ip = || subnet.ips.first().map(|h| format!("address {} held", h.ip));
        let nat = || nat::bound_gateway(vpc, id).map(|n| format!("NAT gateway `{n}` bound"));
        if let Some(what) = holder.or_else(ip).or_else(nat) {
            let message = format!("bare-metal subnet `{id}` still has {what}");
            return Err(Failure::business(
                ErrorCode::InvalidSubnetCannotDelete,
                message,
            ));
        }
        state.bm_vpcs[v].subnets.remove(s);
        Ok(DeleteBmSubnetOutput::default())
    }
}

impl Model for CreateBmInterface {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, s) = state.bm_subnet(caller, r.vpc_id.as_deref(), r.subnet_id.as_deref())?;
        let ids = instance_ids(r.instance_ids.as_deref().unwrap_or_default())?;
        let vpc = &mut state.bm_vpcs[v];
        let mut attached: Vec<&String> = vpc.subnets.iter().flat_map(|s| &s.instances).collect();
        for id in ids {
            if attached.contains(&id) {
                let message = format!(
                    "instance `{id}` already has an interface in VPC `{}`",
                    vpc.head.un_id
                );
                return Err(Failure::business(ErrorCode::InvalidInstanceInUse, message));
            }
            attached.push(id);
        }
        vpc.subnets[s].instances.extend(ids.iter().cloned());
        Ok(CreateBmInterfaceOutput::default())
    }
}

impl Model for DelBmInterface {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, s) = state.bm_subnet(caller, r.vpc_id.as_deref(), r.subnet_id.as_deref())?;
        let ids = instance_ids(r.instance_ids.as_deref().unwrap_or_default())?;
        let subnet = &mut state.bm_vpcs[v].subnets[s];
        if let Some(id) = ids.iter().find(|id| !subnet.instances.contains(id)) {
            let message = format!(
                "instance `{id}` is not attached to subnet `{}`",
                subnet.subnet.head.un_id
            );
            return Err(Failure::business(
                ErrorCode::InvalidInstanceNotFound,
                message,
            ));
        }
        subnet.instances.retain(|i| !ids.contains(i));
        Ok(DelBmInterfaceOutput::default())
    }
}

impl Listed for DescribeBmCpmBySubnetId {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let (v, s) = state.bm_subnet(caller, r.vpc_id.as_deref(), r.subnet_id.as_deref())?;
        let instances = &state.bm_vpcs[v].subnets[s].instances;
        Ok(DescribeBmCpmBySubnetIdOutput {
            total_count: Some(count(instances.len())),
            data: Some(instances.clone()),
            ..Default::default()
        })
    }
}

impl Listed for DescribeBmSubnetByCpmId {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        // No instance is attached nowhere.
        let id = r.instance_id.as_deref().unwrap_or_default();
        let found = state.bm_vpcs_of(caller).flat_map(|v| {
            let holding = v
                .subnets
                .iter()
                .filter(|s| s.instances.iter().any(|i| i == id));
            holding.map(move |s| subnet_item(v, s))
        });
        // The same fields as DescribeBmSubnetEx's entries.
        let data: Vec<DescribeBmSubnetByCpmIdData> = found
            .filter_map(|item| serde_json::to_value(item).ok())
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect();
        Ok(DescribeBmSubnetByCpmIdOutput {
            total_count: Some(count(data.len())),
            data: Some(data),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    /// A's bare-metal VPC `bm` 10.0.0.0/16 in gz with subnet `s1` 10.0.1.0/24
    /// (zone 100003, VLAN 7); returns (vpc, subnet) ids.
    fn bm_with_subnet(state: &mut State) -> (String, String) {
        let vpc = state
            .create_bm_vpc(&caller(A, "gz"), "bm", "10.0.0.0/16", T0)
            .expect("seeded");
        let out = ok(call(
            state,
            &caller(A, "gz"),
            "CreateBmSubnet",
            &[
                ("vpcId", &vpc),
                ("vlanId", "7"),
                ("subnetSet.0.subnetName", "s1"),
                ("subnetSet.0.cidrBlock", "10.0.1.0/24"),
                ("subnetSet.0.zoneId", "100003"),
            ],
            T0,
        ));
        let subnet = out["subnetSet"][0]["unSubnetId"].as_str().expect("an id");
        (vpc, subnet.to_owned())
    }

    #[test]
    fn seeding_follows_create_vpc_and_stays_apart_from_vpcs() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, _) = bm_with_subnet(&mut state);
        let seed = |state: &mut State, name, cidr| {
            state
                .create_bm_vpc(&a, name, cidr, T0)
                .map_err(|e| e.code_desc)
        };
        assert_eq!(
            seed(&mut state, "bm", "10.1.0.0/16"),
            Err("InvalidVpcName.InUse".to_owned())
        );
        assert_eq!(
            seed(&mut state, "x", "8.8.0.0/16"),
            Err("InvalidVpcCidr".to_owned())
        );
        // Not an ordinary VPC; another account or region sees nothing.
        assert_eq!(
            ok(call(&mut state, &a, "DescribeVpcEx", &[], T0))["totalCount"],
            0
        );
        assert_eq!(
            outcome(&mut state, "DeleteVpc", &[("vpcId", &vpc)]),
            "InvalidVpc.NotFound"
        );
        for who in [caller(B, "gz"), caller(A, "sh")] {
            let out = ok(call(&mut state, &who, "DescribeBmVpcEx", &[], T0));
            assert_eq!(out["totalCount"], 0);
        }
        let out = ok(call(
            &mut state,
            &a,
            "DescribeBmVpcEx",
            &[("vpcName", "b")],
            T0,
        ));
        assert_eq!(out["data"][0]["unVpcId"], vpc.as_str());
        assert_eq!(out["data"][0]["subnetNum"], 1);
        assert_eq!(
            outcome(&mut state, "DescribeBmVpcEx", &[("limit", "-1")]),
            "InvalidParameter"
        );
        assert_eq!(dump(&state, &a)["bmVpcs"], out["data"]);
        assert_eq!(state.reset_scope(A, "gz"), (0, 0));
        assert_eq!(dump(&state, &a)["bmVpcs"], json!([]));
    }

    #[test]
    fn subnets_follow_create_subnet_rules() {
        let mut state = State::default();
        let (vpc, _) = bm_with_subnet(&mut state);
        let cases: &[(&str, &str, &str, &str)] = &[
            ("vpc-none", "s2", "10.0.2.0/24", "InvalidVpc.NotFound"),
            ("", "s1", "10.0.2.0/24", "InvalidSubnetName.InUse"),
            ("", "s2", "10.1.0.0/24", "InvalidSubnetCidr"),
            ("", "s2", "10.0.1.128/25", "InvalidSubnet.Conflict"),
            ("", "s2", "10.0.2.0/24", "ok"),
        ];
        for &(vpc_id, name, cidr, expected) in cases {
            let vpc_id = if vpc_id.is_empty() {
                vpc.as_str()
            } else {
                vpc_id
            };
            let pairs = [
                ("vpcId", vpc_id),
                ("subnetSet.0.subnetName", name),
                ("subnetSet.0.cidrBlock", cidr),
            ];
            assert_eq!(
                outcome(&mut state, "CreateBmSubnet", &pairs),
                expected,
                "{name} {cidr}"
            );
        }
        assert_eq!(
            outcome(&mut state, "CreateBmSubnet", &[("vpcId", &vpc)]),
            "InvalidParameter"
        );
        assert_eq!(
            outcome(
                &mut state,
                "CreateBmSubnet",
                &[("subnetSet.0.subnetName", "x")]
            ),
            "InvalidVpc.NotFound"
        );
        let names = |state: &mut State, pairs: &[(&str, &str)]| {
            let out = ok(call(
                state,
                &caller(A, "gz"),
                "DescribeBmSubnetEx",
                pairs,
                T0,
            ));
            let data = out["data"].as_array().expect("data").clone();
            data.iter()
                .map(|d| d["subnetName"].as_str().unwrap_or("").to_owned())
                .collect::<Vec<_>>()
        };
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (&[], &["s2", "s1"]),
            (&[("orderDirection", "asc")], &["s1", "s2"]),
            (&[("vlanId", "7")], &["s1"]),
            (&[("zoneIds.0", "100003")], &["s1"]),
            (&[("zoneIds.0", "0")], &["s2"]),
            (&[("subnetName", "2")], &["s2"]),
            (&[("limit", "1"), ("offset", "1")], &["s1"]),
        ];
        for &(pairs, expected) in cases {
            assert_eq!(names(&mut state, pairs), expected, "{pairs:?}");
        }
        assert_eq!(
            outcome(&mut state, "DescribeBmSubnetEx", &[("vpcId", "vpc-none")]),
            "InvalidVpc.NotFound"
        );
        // Bare-metal subnets are not ordinary ones.
        assert_eq!(
            ok(call(
                &mut state,
                &caller(A, "gz"),
                "DescribeSubnetEx",
                &[],
                T0
            ))["totalCount"],
            0
        );
    }

    #[test]
    fn interfaces_hold_instances_and_block_deletion() {
        let mut state = State::default();
        let (vpc, subnet) = bm_with_subnet(&mut state);
        let other = ok(call(
            &mut state,
            &caller(A, "gz"),
            "CreateBmSubnet",
            &[
                ("vpcId", &vpc),
                ("subnetSet.0.subnetName", "s2"),
                ("subnetSet.0.cidrBlock", "10.0.2.0/24"),
            ],
            T0,
        ))["subnetSet"][0]["subnetId"]
            .as_str()
            .expect("an id")
            .to_owned();
        let on = |action, subnet: &str, ids: &[&'static str], expected: &'static str| {
            let mut pairs = vec![
                ("vpcId".to_owned(), vpc.clone()),
                ("subnetId".to_owned(), subnet.to_owned()),
            ];
            pairs.extend(
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| (format!("instanceIds.{i}"), (*id).to_owned())),
            );
            (action, pairs, expected)
        };
        let cases = [
            on("CreateBmInterface", &subnet, &[], "InvalidParameter"),
            on(
                "CreateBmInterface",
                &subnet,
                &["ins-12345678"],
                "InvalidParameter",
            ),
            on(
                "CreateBmInterface",
                "subnet-none",
                &["cpm-aaaa1111"],
                "InvalidSubnet.NotFound",
            ),
            on(
                "CreateBmInterface",
                &subnet,
                &["cpm-aaaa1111", "cpm-bbbb2222"],
                "ok",
            ),
            on(
                "CreateBmInterface",
                &other,
                &["cpm-aaaa1111"],
                "InvalidInstance.InUse",
            ),
            on(
                "CreateBmInterface",
                &other,
                &["cpm-cccc3333", "cpm-cccc3333"],
                "InvalidInstance.InUse",
            ),
            on("DeleteBmSubnet", &subnet, &[], "InvalidSubnet.CannotDelete"),
            on(
                "DelBmInterface",
                &subnet,
                &["cpm-bbbb2222", "cpm-cccc3333"],
                "InvalidInstance.NotFound",
            ),
            on("DelBmInterface", &subnet, &["cpm-aaaa1111"], "ok"),
        ];
        for (action, pairs, expected) in &cases {
            let pairs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            assert_eq!(
                outcome(&mut state, action, &pairs),
                *expected,
                "{action} {pairs:?}"
            );
        }
        let ids = [("vpcId", vpc.as_str()), ("subnetId", subnet.as_str())];
        let out = ok(call(
            &mut state,
            &caller(A, "gz"),
            "DescribeBmCpmBySubnetId",
            &ids,
            T0,
        ));
        assert_eq!(out, json!({"totalCount": 1, "data": ["cpm-bbbb2222"]}));
        let by_cpm = |state: &mut State, who: &Caller| {
            ok(call(
                state,
                who,
                "DescribeBmSubnetByCpmId",
                &[("instanceId", "cpm-bbbb2222")],
                T0,
            ))
        };
        let out = by_cpm(&mut state, &caller(A, "gz"));
        assert_eq!(
            (&out["totalCount"], &out["data"][0]["unSubnetId"]),
            (&json!(1), &json!(subnet))
        );
        assert_eq!(out["data"][0]["cpmNum"], 1);
        assert_eq!(by_cpm(&mut state, &caller(B, "gz"))["totalCount"], 0);
        assert_eq!(outcome(&mut state, "DescribeBmSubnetByCpmId", &[]), "ok");
        let detach = [
            ("vpcId", vpc.as_str()),
            ("subnetId", subnet.as_str()),
            ("instanceIds.0", "cpm-bbbb2222"),
        ];
        assert_eq!(outcome(&mut state, "DelBmInterface", &detach), "ok");
        assert_eq!(outcome(&mut state, "DeleteBmSubnet", &ids), "ok");
        assert_eq!(
            outcome(&mut state, "DeleteBmSubnet", &ids),
            "InvalidSubnet.NotFound"
        );
        assert_eq!(
            outcome(&mut state, "DescribeBmCpmBySubnetId", &ids),
            "InvalidSubnet.NotFound"
        );
        assert!(!may_change("DescribeBmCpmBySubnetId") && may_change("CreateBmInterface"));
    }
}
