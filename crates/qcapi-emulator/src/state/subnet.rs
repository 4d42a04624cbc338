//! Subnets: create, list, describe, rename and delete; and whether a default
//! subnet could be created.

use qcapi_core::vpc::*;

use super::table::{Handlers, Listed, Listing, Model, Now, Order};
use super::table::{check_new_name, count};
use super::*;
use serde::{Deserialize, Serialize};

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateSubnet::run)
        .add(DescribeSubnet::run)
        .add(ModifySubnetAttribute::run)
        .add(DeleteSubnet::run)
        .read::<CheckDefaultSubnet>()
        // With the bound ACLs: a dump shows the whole state.
        .listing("subnets", || {
            DescribeSubnetEx::new().limit(i64::MAX).get_acl_id_flag(1)
        });
}

/// A subnet of a VPC, associated with one of its route tables.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Subnet {
    pub(super) head: Head,
    pub(super) cidr: Cidr,
    pub(super) zone_id: i64,
    /// Old-style id of its route table.
    pub(super) route_table_id: String,
    /// The bound network ACL (`acl-...`), if any; a subnet has at most one.
    pub(super) network_acl_id: Option<String>,
}

table::resource! {
    Subnet "subnet" in subnets,
    InvalidSubnetNotFound, InvalidSubnetName, InvalidSubnetNameInUse
}

/// Checks the subnets to create against the VPC block and the VPC's `existing`
/// subnets (names unique, blocks inside the VPC and disjoint), in order; returns
/// them without ids or route table yet.
pub(super) fn subnet_wishes(
    specs: &[SubnetSpec],
    vpc_cidr: Cidr,
    existing: &[Subnet],
) -> Result<Vec<Subnet>, Failure> {
    let mut wanted: Vec<Subnet> = Vec::with_capacity(specs.len());
    for spec in specs {
        let (name, block) = (&spec.subnet_name, &spec.cidr_block);
        let Some(cidr) = Cidr::parse(block).filter(|c| c.is_subnet_of(vpc_cidr)) else {
            let message =
                format!("subnet block `{block}` is not a /16 to /28 block inside {vpc_cidr}");
            return Err(Failure::business(ErrorCode::InvalidSubnetCidr, message));
        };
        // Earlier subnets of the same request count as existing ones.
        let taken = || existing.iter().chain(&wanted);
        check_new_name(taken(), name, None, "the VPC")?;
        if let Some(other) = taken().find(|s| s.cidr.overlaps(cidr)) {
            let (other, block) = (&other.head.name, other.cidr);
            let message = format!("subnet `{name}` ({cidr}) overlaps subnet `{other}` ({block})");
            return Err(Failure::business(ErrorCode::InvalidSubnetConflict, message));
        }
        wanted.push(Subnet {
            head: Head {
                name: name.clone(),
                ..Head::default()
            },
            cidr,
            zone_id: spec.zone_id,
            route_table_id: String::new(),
            network_acl_id: None,
        });
    }
    Ok(wanted)
}

impl State {
    /// Adds checked subnets to VPC `v` with fresh ids, associated with its
    /// default route table; returns them.
    pub(super) fn add_subnets(&mut self, v: usize, wanted: Vec<Subnet>, now: Now) -> &[Subnet] {
        let vpc = &self.vpcs[v];
        let (region, first) = (vpc.region.clone(), vpc.subnets.len());
        let default_table = vpc.route_tables.iter().find(|t| t.kind == 1);
        let table = default_table.map(|t| t.head.id.clone()).unwrap_or_default();
        for mut subnet in wanted {
            subnet.head = self.head("subnet", Some(&region), subnet.head.name, now);
            subnet.route_table_id.clone_from(&table);
            self.vpcs[v].subnets.push(subnet);
        }
        &self.vpcs[v].subnets[first..]
    }
}

impl Listed for DescribeSubnetEx {
    fn list(state: &State, caller: &Caller, request: &Self) -> Result<Self::Output, Failure> {
        let zones = request.zone_ids.as_deref().unwrap_or_default();
        let found = state.children::<Subnet>(caller, request.vpc_id.as_deref())?;
        let in_zones = found
            .into_iter()
            .filter(|(_, s)| zones.is_empty() || zones.contains(&s.zone_id));
        let listing = Listing {
            id: request.subnet_id.as_deref(),
            name: request.subnet_name.as_deref(),
            order: Order::by(request.order_field.as_deref(), "subnetName"),
            // The documented default direction is descending.
            order_direction: Some(request.order_direction.as_deref().unwrap_or("desc")),
            ..Listing::page_of(request)
        };
        let (total, page) = listing.page(in_zones, |(_, s)| *s);
        let with_acl = request.get_acl_id_flag == Some(1);
        let data = page.into_iter().map(|(v, s)| DescribeSubnetExData {
            is_default: Some(state.is_default(&s.head.un_id)),
            ..subnet_item(v, s, with_acl)
        });
        Ok(DescribeSubnetExOutput {
            total_count: Some(total),
            data: Some(data.collect()),
            ..Default::default()
        })
    }
}

/// One DescribeSubnetEx entry; `with_acl` reports the bound ACL (`getAclIdFlag=1`).
fn subnet_item(vpc: &Vpc, s: &Subnet, with_acl: bool) -> DescribeSubnetExData {
    // The network, gateway and broadcast addresses are reserved, and network
    // interfaces hold some.
    let total = s.cidr.size();
    let held = count(eni::held_ips(vpc, &s.head.id).count());
    let associated = |t: &&RouteTable| t.head.id == s.route_table_id;
    let table = vpc.route_tables.iter().find(associated);
    let acl = s.network_acl_id.as_deref().filter(|_| with_acl);
    DescribeSubnetExData {
        vpc_id: Some(vpc.head.id.clone()),
        un_vpc_id: Some(vpc.head.un_id.clone()),
        vpc_name: Some(vpc.head.name.clone()),
        vpc_cidr_block: Some(vpc.cidr.to_string()),
        subnet_id: Some(s.head.id.clone()),
        un_subnet_id: Some(s.head.un_id.clone()),
        subnet_name: Some(s.head.name.clone()),
        cidr_block: Some(s.cidr.to_string()),
        subnet_create_time: Some(format_datetime(s.head.created)),
        route_table_id: Some(s.route_table_id.clone()),
        un_route_table_id: Some(table.map(|r| r.head.un_id.clone()).unwrap_or_default()),
        route_table_name: Some(table.map(|r| r.head.name.clone()).unwrap_or_default()),
        zone_id: Some(s.zone_id),
        zone: Some(String::new()),
        network_acl_id: Some(acl.unwrap_or("0").to_owned()),
        vpc_devices: Some(0),
        total_ip_num: Some(total),
        available_ip_num: Some((total - 3 - held).max(0)),
        broadcast: Some(false),
        is_default: Some(false),
    }
}

impl Model for CreateSubnet {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let vpc = &state.vpcs[v];
        let specs = r.subnet_set.unwrap_or_default();
        // The spec cannot say "at least one": the documentation marks the list optional.
        if specs.is_empty() {
            return Err(Failure::invalid_parameter(
                "`subnetSet` must name at least one subnet",
            ));
        }
        let wanted = subnet_wishes(&specs, vpc.cidr, &vpc.subnets)?;
        let (held, what) = ((vpc.subnets.len(), wanted.len()), "subnets of a VPC");
        state.within("1", held, ErrorCode::SubnetLimitExceeded, what)?;
        let vpc = &state.vpcs[v];
        let default_table = vpc.route_tables.iter().find(|t| t.kind == 1);
        let un_table = default_table
            .map(|t| t.head.un_id.clone())
            .unwrap_or_default();
        let added = state.add_subnets(v, wanted, now);
        let subnet_set = added.iter().map(|s| CreateSubnetSubnetSet {
            subnet_id: Some(s.head.id.clone()),
            un_subnet_id: Some(s.head.un_id.clone()),
            subnet_name: Some(s.head.name.clone()),
            cidr_block: Some(s.cidr.to_string()),
            route_table_id: Some(s.route_table_id.clone()),
            un_route_table_id: Some(un_table.clone()),
            zone_id: Some(s.zone_id),
            ..Default::default()
        });
        Ok(CreateSubnetOutput {
            subnet_set: Some(subnet_set.collect()),
            ..Default::default()
        })
    }
}

impl Model for DescribeSubnet {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, s) = state.child::<Subnet>(caller, &r.vpc_id, &r.subnet_id)?;
        let vpc = &state.vpcs[v];
        // The same fields as in a listing.
        let item = subnet_item(vpc, &vpc.subnets[s], false);
        Ok(DescribeSubnetOutput {
            subnet_id: item.subnet_id,
            subnet_name: item.subnet_name,
            subnet_create_time: item.subnet_create_time,
            cidr_block: item.cidr_block,
            route_table_id: item.route_table_id,
            zone_id: item.zone_id,
            total_ip_num: item.total_ip_num,
            available_ip_num: item.available_ip_num,
            ..Default::default()
        })
    }
}

impl Model for ModifySubnetAttribute {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        // `broadcast` is accepted and ignored: broadcast is not modelled.
        let (v, s) = state.child::<Subnet>(caller, &r.vpc_id, &r.subnet_id)?;
        let subnets = &mut state.vpcs[v].subnets;
        check_new_name(subnets.iter(), &r.subnet_name, Some(s), "the VPC")?;
        subnets[s].head.name = r.subnet_name;
        Ok(ModifySubnetAttributeOutput::default())
    }
}

/// Refuses while the subnet holds network interfaces; its flow logs go with it.
impl Model for DeleteSubnet {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, s) = state.child::<Subnet>(caller, &r.vpc_id, &r.subnet_id)?;
        let vpc = &mut state.vpcs[v];
        let subnet = &vpc.subnets[s];
        if let Some(ip) = eni::held_ips(vpc, &subnet.head.id).next() {
            return Err(Failure::business(
                ErrorCode::InvalidSubnetCannotDelete,
                format!(
                    "subnet `{}` still holds address {ip} (of a network interface or a VIP)",
                    subnet.head.un_id
                ),
            ));
        }
        let gone = vpc.subnets.remove(s);
        vpc.drop_flow_logs_on(&gone.head.un_id);
        Ok(DeleteSubnetOutput::default())
    }
}

/// The emulator has no default VPC yet: one would be created with room for a
/// default subnet in any zone, so the answer is always yes.
impl Listed for CheckDefaultSubnet {
    fn list(_: &State, _: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        if let Some(zone) = r.zone_id.as_deref().filter(|z| z.parse::<i64>().is_err()) {
            let message = format!("parameter `zoneId` must be a zone's number, got `{zone}`");
            return Err(Failure::invalid_parameter(message));
        }
        Ok(CheckDefaultSubnetOutput {
            data: Some(CheckDefaultSubnetData {
                check_result: Some(true),
            }),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn subnet_creation_rules() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, _) = vpc_with_subnet(&mut state);
        let cases: &[(&str, &str, &str, Result<(), &str>)] = &[
            // (vpcId, name, cidr, expected)
            (
                "vpc-missing",
                "s2",
                "10.0.2.0/24",
                Err("InvalidVpc.NotFound"),
            ),
            ("", "s1", "10.0.2.0/24", Err("InvalidSubnetName.InUse")),
            ("", "s2", "10.1.0.0/24", Err("InvalidSubnetCidr")),
            ("", "s2", "10.0.0.0/29", Err("InvalidSubnetCidr")),
            ("", "s2", "10.0.1.128/25", Err("InvalidSubnet.Conflict")),
            ("", "s2", "10.0.0.0/16", Err("InvalidSubnet.Conflict")),
            ("", "s2", "10.0.2.0/24", Ok(())),
            ("", "s3", "10.0.2.0/24", Err("InvalidSubnet.Conflict")),
        ];
        for &(vpc_id, name, cidr, expected) in cases {
            let vpc_id = if vpc_id.is_empty() {
                vpc.as_str()
            } else {
                vpc_id
            };
            let result = call(
                &mut state,
                &a,
                "CreateSubnet",
                &[
                    ("vpcId", vpc_id),
                    ("subnetSet.0.subnetName", name),
                    ("subnetSet.0.cidrBlock", cidr),
                    ("subnetSet.0.zoneId", "100003"),
                ],
                T0,
            );
            match expected {
                Ok(()) => {
                    ok(result);
                }
                Err(desc) => assert_eq!(err_desc(result), desc, "{name} {cidr}"),
            }
        }
        assert_eq!(
            err_desc(call(&mut state, &a, "CreateSubnet", &[("vpcId", &vpc)], T0)),
            "InvalidParameter"
        );
        // B cannot see A's VPC.
        assert_eq!(
            err_desc(call(
                &mut state,
                &caller(B, "gz"),
                "CreateSubnet",
                &[
                    ("vpcId", &vpc),
                    ("subnetSet.0.subnetName", "x"),
                    ("subnetSet.0.cidrBlock", "10.0.9.0/24"),
                    ("subnetSet.0.zoneId", "100003"),
                ],
                T0,
            )),
            "InvalidVpc.NotFound"
        );
        let listed = ok(call(&mut state, &a, "DescribeVpcEx", &[], T0));
        assert_eq!(listed["data"][0]["subnetNum"], 2);
    }

    #[test]
    fn subnet_life_cycle_and_lookups() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet) = vpc_with_subnet(&mut state);
        ok(call(
            &mut state,
            &a,
            "CreateSubnet",
            &[
                ("vpcId", &vpc),
                ("subnetSet.0.subnetName", "alpha"),
                ("subnetSet.0.cidrBlock", "10.0.2.0/24"),
                ("subnetSet.0.zoneId", "100004"),
                ("subnetSet.1.subnetName", "beta"),
                ("subnetSet.1.cidrBlock", "10.0.3.0/28"),
                ("subnetSet.1.zoneId", "100004"),
            ],
            T0 + 10,
        ));
        let list = |state: &mut State, pairs: &[(&str, &str)]| {
            let out = ok(call(state, &a, "DescribeSubnetEx", pairs, T0));
            let names: Vec<String> = out["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|d| d["subnetName"].as_str().expect("name").to_owned())
                .collect();
            (out["totalCount"].as_i64().expect("total"), names)
        };
        type Case<'a> = (&'a [(&'a str, &'a str)], i64, &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (&[], 3, &["beta", "alpha", "s1"]),
            (&[("orderDirection", "asc")], 3, &["s1", "alpha", "beta"]),
            (
                &[("orderField", "subnetName"), ("orderDirection", "asc")],
                3,
                &["alpha", "beta", "s1"],
            ),
            (&[("zoneIds.0", "100004")], 2, &["beta", "alpha"]),
            (&[("subnetName", "ph")], 1, &["alpha"]),
            (&[("subnetId", &subnet)], 1, &["s1"]),
            (&[("limit", "1"), ("offset", "1")], 3, &["alpha"]),
        ];
        for &(pairs, total, names) in cases {
            assert_eq!(
                list(&mut state, pairs),
                (total, names.iter().map(|n| (*n).to_owned()).collect()),
                "{pairs:?}"
            );
        }
        let out = ok(call(
            &mut state,
            &a,
            "DescribeSubnetEx",
            &[("subnetName", "beta")],
            T0,
        ));
        let item = &out["data"][0];
        assert_eq!(item["totalIPNum"], 16);
        assert_eq!(item["availableIPNum"], 13);
        assert_eq!(item["unVpcId"], vpc.as_str());
        assert_eq!(item["routeTableName"], "default");
        assert_eq!(
            err_desc(call(
                &mut state,
                &a,
                "DescribeSubnetEx",
                &[("vpcId", "vpc-none")],
                T0
            )),
            "InvalidVpc.NotFound"
        );

        let ids = [("vpcId", vpc.as_str()), ("subnetId", subnet.as_str())];
        let one = ok(call(&mut state, &a, "DescribeSubnet", &ids, T0));
        assert_eq!(one["subnetName"], "s1");
        assert_eq!(one["cidrBlock"], "10.0.1.0/24");
        assert_eq!(one["totalIPNum"], 256);
        let rename = |state: &mut State, name: &str| {
            let mut pairs = ids.to_vec();
            pairs.push(("subnetName", name));
            call(state, &a, "ModifySubnetAttribute", &pairs, T0)
        };
        assert_eq!(
            err_desc(rename(&mut state, "alpha")),
            "InvalidSubnetName.InUse"
        );
        ok(rename(&mut state, "s1"));
        ok(rename(&mut state, "renamed"));
        assert_eq!(
            ok(call(&mut state, &a, "DescribeSubnet", &ids, T0))["subnetName"],
            "renamed"
        );

        let failure =
            call(&mut state, &a, "DeleteVpc", &[("vpcId", &vpc)], T0).expect_err("blocked");
        assert_eq!(
            (failure.code, failure.code_desc.as_str()),
            (5100, "InvalidVpc.CannotDelete")
        );
        ok(call(&mut state, &a, "DeleteSubnet", &ids, T0));
        let failure = call(&mut state, &a, "DeleteSubnet", &ids, T0).expect_err("gone");
        assert_eq!(
            (failure.code, failure.code_desc.as_str()),
            (5000, "InvalidSubnet.NotFound")
        );
        assert_eq!(
            err_desc(call(&mut state, &a, "DescribeSubnet", &ids, T0)),
            "InvalidSubnet.NotFound"
        );
        assert_eq!(list(&mut state, &[("subnetId", &subnet)]).0, 0);
        for name in ["alpha", "beta"] {
            let out = ok(call(
                &mut state,
                &a,
                "DescribeSubnetEx",
                &[("subnetName", name)],
                T0,
            ));
            let id = out["data"][0]["subnetId"].as_str().expect("id").to_owned();
            ok(call(
                &mut state,
                &a,
                "DeleteSubnet",
                &[("vpcId", &vpc), ("subnetId", &id)],
                T0,
            ));
        }
        ok(call(&mut state, &a, "DeleteVpc", &[("vpcId", &vpc)], T0));
    }

    #[test]
    fn dump_lists_the_callers_subnets_as_described() {
        let mut state = State::default();
        let (_, subnet) = vpc_with_subnet(&mut state);
        let a = caller(A, "gz");
        create_vpc(&mut state, &caller(B, "gz"), "theirs", "10.1.0.0/16");
        let all = [("limit", "1000"), ("getAclIdFlag", "1")];
        let described = ok(call(&mut state, &a, "DescribeSubnetEx", &all, T0));
        let dumped = dump(&state, &a);
        assert_eq!(dumped["subnets"], described["data"], "{dumped}");
        assert_eq!(dumped["subnets"][0]["unSubnetId"], subnet.as_str());
        assert_eq!(dump(&state, &caller(B, "gz"))["subnets"], json!([]));
    }

    #[test]
    fn a_default_subnet_can_always_be_created() {
        let mut state = State::default();
        let check = |state: &mut State, pairs: &[(&str, &str)], expected: Result<bool, &str>| {
            let got = call(state, &caller(A, "gz"), "CheckDefaultSubnet", pairs, T0);
            let got = got.map(|out| out["data"]["checkResult"].as_bool().expect("a flag"));
            assert_eq!(
                got.map_err(|e| e.code_desc),
                expected.map_err(str::to_owned),
                "{pairs:?}"
            );
        };
        check(&mut state, &[], Ok(true));
        check(&mut state, &[("zoneId", "100003")], Ok(true));
        check(
            &mut state,
            &[("zoneId", "ap-guangzhou-3")],
            Err("InvalidParameter"),
        );
        assert!(!may_change("CheckDefaultSubnet"));
    }
}
