//! VPCs: create (with their first subnets and default route table), list, delete;
//! and the lookups of the caller's VPCs and of the resources inside them.

use qcapi_core::vpc::*;

use super::table::count;
use super::table::{Handlers, InVpc, Listed, Listing, Model, Now, Order, Resource, check_new_name};
use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateVpc::run)
        .add(DeleteVpc::run)
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
            flow_logs: Vec::new(),
            classic_links: Vec::new(),
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
                vpn_gw_num: Some(0),
                vpc_peer_num: Some(count(state.peer_count(v))),
                vpc_device_num: Some(0),
                classic_link_num: Some(count(v.classic_links.len())),
                vpg_num: Some(0),
                nat_num: Some(0),
                is_default: Some(false),
                is_multicast: Some(false),
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
        let blocker = subnet.or_else(link).or_else(peering);
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
