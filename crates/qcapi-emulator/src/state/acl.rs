//! Network ACLs: create, list, rename and delete, their inbound and outbound
//! rules, and their binding to subnets (a subnet has at most one ACL).

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use qcapi_core::vpc::{
    DescribeAclDataAclSetAcl as OldRule, DescribeNetworkAclDataNetworkAclEntrySetEgress as Egress,
    DescribeNetworkAclDataNetworkAclEntrySetIngress as Ingress, *,
};

use super::table::{Handlers, Listed, Listing, Model, Now, Order, check_new_name, count};
use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateNetworkAcl::run)
        .add(DescribeAcl::run)
        .add(ModifyNetworkAcl::run)
        .add(DeleteNetworkAcl::run)
        .add(ModifyNetworkAclEntry::run)
        .add(CreateSubnetAclRule::run)
        .add(DeteleSubnetAclRule::run)
        .listing("networkAcls", || DescribeNetworkAcl::new().limit(i64::MAX));
}

/// A network ACL: a stateless filter bound to subnets, with ordered inbound
/// (`ingress`) and outbound (`egress`) rules. ACLs only have unified ids.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct NetworkAcl {
    head: Head,
    ingress: Vec<AclEntry>,
    egress: Vec<AclEntry>,
}

table::resource! {
    NetworkAcl "network ACL" in network_acls,
    InvalidNetworkAclIDNotFound, InvalidNetworkAclName, InvalidNetworkAclNameInUse
}

/// One ACL rule, kept as sent (`action` is 1 allow, 0 deny, as DescribeNetworkAcl reads it).
type AclEntry = ModifyNetworkAclEntryNetworkAclEntrySetParam;

/// `ruleDirection` of inbound rules (0 is outbound).
const INBOUND: i64 = 1;

/// Stored rules as a list of one of the generated rule types, which differ only
/// in their names (DescribeAcl calls the remark `name`, the others `desc`).
macro_rules! rules {
    ($ty:ident { $desc:ident }, $entries:expr) => {
        Some(
            $entries
                .map(|e: &AclEntry| $ty {
                    $desc: Some(e.desc.clone()),
                    ip_protocol: Some(e.ip_protocol.clone()),
                    cidr_ip: Some(e.cidr_ip.clone()),
                    port_range: Some(e.port_range.clone()),
                    action: Some(e.action),
                })
                .collect(),
        )
    };
}

/// The subnets of `vpc` bound to ACL `acl_id`.
fn bound_subnets<'v>(vpc: &'v Vpc, acl_id: &str) -> Vec<&'v Subnet> {
    vpc.subnets
        .iter()
        .filter(|s| s.network_acl_id.as_deref() == Some(acl_id))
        .collect()
}

/// `ALL` (any case), a port `80` or a range `90-100`, ports 1 to 65535.
fn valid_port_range(text: &str) -> bool {
    if text.eq_ignore_ascii_case("all") {
        return true;
    }
    // Plain digits: `u16::from_str` would also take a leading `+`.
    let port = |p: &str| match p.parse::<u16>() {
        Ok(n) if n >= 1 && !p.starts_with('+') => Some(n),
        _ => None,
    };
    match text.split_once('-') {
        Some((low, high)) => matches!((port(low), port(high)), (Some(l), Some(h)) if l <= h),
        None => port(text).is_some(),
    }
}

/// Checks rule `i`: a known protocol, an IP or CIDR block, and a port range.
/// The spec only says these are strings, so malformed rules are parameter errors (4000).
fn check_entry(i: usize, e: &AclEntry) -> Result<(), Failure> {
    let bad = |field: &str, expected: &str, got: &str| {
        Err(Failure::invalid_parameter(format!(
            "parameter `networkAclEntrySet.{i}.{field}` must be {expected}, got `{got}`"
        )))
    };
    let protocol = e.ip_protocol.to_ascii_lowercase();
    if !["tcp", "udp", "icmp", "all"].contains(&protocol.as_str()) {
        return bad("ipProtocol", "tcp, udp, icmp or all", &e.ip_protocol);
    }
    if Cidr::parse(&e.cidr_ip).is_none() && e.cidr_ip.parse::<Ipv4Addr>().is_err() {
        return bad("cidrIp", "an IPv4 address or CIDR block", &e.cidr_ip);
    }
    if !valid_port_range(&e.port_range) {
        let ranges = "ALL, a port or a range like 90-100";
        return bad("portRange", ranges, &e.port_range);
    }
    Ok(())
}

impl State {
    /// Binds the ACL to `subnet_ids` (`bind`) or unbinds it: every subnet is
    /// checked before any changes, so a failure changes nothing.
    fn bind_acl(
        &mut self,
        caller: &Caller,
        vpc_id: &str,
        acl_id: &str,
        subnet_ids: &[String],
        bind: bool,
    ) -> Result<(), Failure> {
        let (v, a) = self.child::<NetworkAcl>(caller, vpc_id, acl_id)?;
        let vpc = &self.vpcs[v];
        let acl_id = vpc.network_acls[a].head.id.clone();
        let mut chosen = Vec::with_capacity(subnet_ids.len());
        for subnet_id in subnet_ids {
            let (_, s) = self.child::<Subnet>(caller, vpc_id, subnet_id)?;
            // Neither refusal is in the documentation, so the spec names no code for them.
            match (bind, vpc.subnets[s].network_acl_id.as_deref()) {
                (true, Some(other)) if other != acl_id => {
                    let message =
                        format!("subnet `{subnet_id}` is already bound to network ACL `{other}`");
                    return Err(Failure::business(ErrorCode::InvalidSubnetAclBound, message));
                }
                (false, current) if current != Some(acl_id.as_str()) => {
                    return Err(Failure::business(
                        ErrorCode::InvalidSubnetAclRuleNotFound,
                        format!("subnet `{subnet_id}` is not bound to network ACL `{acl_id}`"),
                    ));
                }
                _ => chosen.push(s),
            }
        }
        for s in chosen {
            self.vpcs[v].subnets[s].network_acl_id = bind.then(|| acl_id.clone());
        }
        Ok(())
    }
}

impl Listed for DescribeNetworkAcl {
    fn list(state: &State, caller: &Caller, request: &Self) -> Result<Self::Output, Failure> {
        let found = state.children::<NetworkAcl>(caller, request.vpc_id.as_deref())?;
        let listing = Listing {
            id: request.network_acl_id.as_deref(),
            name: request.network_acl_name.as_deref(),
            order: Order::by(request.order_field.as_deref(), "networkAclName"),
            order_direction: request.order_direction.as_deref(),
            ..Listing::page_of(request)
        };
        let (total, page) = listing.page(found, |(_, a)| *a);
        let data = page.into_iter().map(|(v, a)| {
            let bound = bound_subnets(v, &a.head.id);
            // The spec leaves `subnetSet` free JSON, so its items are built here.
            let subnet_set = bound.iter().map(|s| {
                json!({
                    "subnetId": s.head.id,
                    "unSubnetId": s.head.un_id,
                    "subnetName": s.head.name,
                    "cidrBlock": s.cidr.to_string(),
                })
            });
            DescribeNetworkAclData {
                vpc_id: Some(v.head.id.clone()),
                un_vpc_id: Some(v.head.un_id.clone()),
                vpc_name: Some(v.head.name.clone()),
                vpc_cidr_block: Some(v.cidr.to_string()),
                network_acl_id: Some(a.head.id.clone()),
                network_acl_name: Some(a.head.name.clone()),
                subnet_num: Some(count(bound.len())),
                create_time: Some(format_datetime(a.head.created)),
                network_acl_entry_set: Some(DescribeNetworkAclDataNetworkAclEntrySet {
                    ingress: rules!(Ingress { desc }, a.ingress.iter()),
                    egress: rules!(Egress { desc }, a.egress.iter()),
                }),
                subnet_set: Some(subnet_set.collect()),
            }
        });
        Ok(DescribeNetworkAclOutput {
            total_count: Some(total),
            data: Some(data.collect()),
            ..Default::default()
        })
    }
}

impl Model for CreateNetworkAcl {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let name = r.network_acl_name;
        check_new_name(&state.vpcs[v].network_acls, &name, None, "the VPC")?;
        let held = (state.vpcs[v].network_acls.len(), 1);
        let what = "network ACLs of a VPC";
        state.within("15", held, ErrorCode::NetworkAclLimitExceeded, what)?;
        let head = state.head("acl", None, name, now);
        let network_acl_id = head.id.clone();
        state.vpcs[v].network_acls.push(NetworkAcl {
            head,
            ingress: Vec::new(),
            egress: Vec::new(),
        });
        Ok(CreateNetworkAclOutput {
            data: Some(CreateNetworkAclData {
                network_acl_id: Some(network_acl_id),
            }),
            ..Default::default()
        })
    }
}

/// The deprecated listing: exact `name` filter, creation order, the count
/// under `data`, and one `acl` list holding the inbound then the outbound rules.
impl Model for DescribeAcl {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let name = r.name.as_deref();
        let found = state.children::<NetworkAcl>(caller, r.vpc_id.as_deref())?;
        let named = found
            .into_iter()
            .filter(|(_, a)| name.is_none_or(|n| a.head.name == n));
        let listing = Listing {
            offset: r.offset,
            limit: r.limit,
            ..Listing::default()
        };
        let (total, page) = listing.page(named, |(_, a)| *a);
        let acl_set = page
            .into_iter()
            .map(|(v, a)| DescribeAclDataAclSet {
                vpc_id: Some(v.head.id.clone()),
                un_vpc_id: Some(v.head.un_id.clone()),
                vpc_name: Some(v.head.name.clone()),
                vpc_cidr_block: Some(v.cidr.to_string()),
                network_acl_id: Some(a.head.id.clone()),
                acl_id: Some(a.head.id.clone()),
                network_acl_name: Some(a.head.name.clone()),
                acl_name: Some(a.head.name.clone()),
                subnet_num: Some(count(bound_subnets(v, &a.head.id).len())),
                create_time: Some(format_datetime(a.head.created)),
                acl: rules!(OldRule { name }, a.ingress.iter().chain(&a.egress)),
            })
            .collect();
        Ok(DescribeAclOutput {
            data: Some(DescribeAclData {
                total_count: Some(total),
                acl_set: Some(acl_set),
            }),
            ..Default::default()
        })
    }
}

impl Model for ModifyNetworkAcl {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, a) = state.child::<NetworkAcl>(caller, &r.vpc_id, &r.network_acl_id)?;
        let acls = &mut state.vpcs[v].network_acls;
        check_new_name(acls.iter(), &r.network_acl_name, Some(a), "the VPC")?;
        acls[a].head.name = r.network_acl_name;
        Ok(ModifyNetworkAclOutput::default())
    }
}

impl Model for DeleteNetworkAcl {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let id = r.network_acl_id.as_str();
        let (v, a) = state.child::<NetworkAcl>(caller, &r.vpc_id, id)?;
        let vpc = &state.vpcs[v];
        if let Some(s) = bound_subnets(vpc, &vpc.network_acls[a].head.id).first() {
            let message = format!("network ACL `{id}` is still bound to subnet {}", s.head.id);
            return Err(Failure::business(ErrorCode::NetworkAclIDInUse, message));
        }
        state.vpcs[v].network_acls.remove(a);
        Ok(DeleteNetworkAclOutput::default())
    }
}

/// Replaces the rules of one direction.
impl Model for ModifyNetworkAclEntry {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, a) = state.child::<NetworkAcl>(caller, &r.vpc_id, &r.network_acl_id)?;
        for (i, e) in r.network_acl_entry_set.iter().enumerate() {
            check_entry(i, e)?;
        }
        let wanted = (0, r.network_acl_entry_set.len());
        if r.rule_direction == INBOUND {
            let (code, what) = (
                ErrorCode::NetworkAclInLimitExceeded,
                "inbound rules of an ACL",
            );
            state.within("17", wanted, code, what)?;
        } else {
            let (code, what) = (
                ErrorCode::NetworkAclOutLimitExceeded,
                "outbound rules of an ACL",
            );
            state.within("18", wanted, code, what)?;
        }
        let acl = &mut state.vpcs[v].network_acls[a];
        let rules = if r.rule_direction == INBOUND {
            &mut acl.ingress
        } else {
            &mut acl.egress
        };
        *rules = r.network_acl_entry_set;
        Ok(ModifyNetworkAclEntryOutput::default())
    }
}

impl Model for CreateSubnetAclRule {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (vpc, acl) = (&r.vpc_id, &r.network_acl_id);
        state.bind_acl(caller, vpc, acl, &r.subnet_ids, true)?;
        Ok(CreateSubnetAclRuleOutput::default())
    }
}

/// Unbinds (the API's own spelling).
impl Model for DeteleSubnetAclRule {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (vpc, acl) = (&r.vpc_id, &r.network_acl_id);
        state.bind_acl(caller, vpc, acl, &r.subnet_ids, false)?;
        Ok(DeteleSubnetAclRuleOutput::default())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn network_acl_rules_bindings_and_errors() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet) = vpc_with_subnet(&mut state);
        let create_acl = |state: &mut State, name: &str| {
            let out = ok(call(
                state,
                &a,
                "CreateNetworkAcl",
                &[("vpcId", &vpc), ("networkAclName", name)],
                T0,
            ));
            out["data"]["networkAclId"]
                .as_str()
                .expect("an id")
                .to_owned()
        };
        let web = create_acl(&mut state, "web");
        assert!(web.starts_with("acl-") && web.len() == 12, "{web}");
        let db = create_acl(&mut state, "db");
        let entry = |protocol: &'static str, cidr: &'static str, ports: &'static str| {
            vec![
                ("vpcId", vpc.as_str()),
                ("networkAclId", web.as_str()),
                ("ruleDirection", "1"),
                ("networkAclEntrySet.0.desc", "d"),
                ("networkAclEntrySet.0.ipProtocol", protocol),
                ("networkAclEntrySet.0.cidrIp", cidr),
                ("networkAclEntrySet.0.portRange", ports),
                ("networkAclEntrySet.0.action", "1"),
            ]
        };
        type Pairs<'a> = Vec<(&'a str, &'a str)>;
        let cases: Vec<(&str, Pairs<'_>, &str)> = vec![
            (
                "CreateNetworkAcl",
                vec![("vpcId", &vpc), ("networkAclName", "web")],
                "InvalidNetworkAclName.InUse",
            ),
            (
                "CreateNetworkAcl",
                vec![("vpcId", "vpc-none"), ("networkAclName", "x")],
                "InvalidVpc.NotFound",
            ),
            (
                "ModifyNetworkAcl",
                vec![
                    ("vpcId", &vpc),
                    ("networkAclId", "acl-none"),
                    ("networkAclName", "x"),
                ],
                "InvalidNetworkAclID.NotFound",
            ),
            (
                "ModifyNetworkAcl",
                vec![
                    ("vpcId", &vpc),
                    ("networkAclId", &web),
                    ("networkAclName", "db"),
                ],
                "InvalidNetworkAclName.InUse",
            ),
            (
                "ModifyNetworkAclEntry",
                entry("gre", "10.0.0.0/8", "ALL"),
                "InvalidParameter",
            ),
            (
                "ModifyNetworkAclEntry",
                entry("tcp", "10.0.0.1/8", "80"),
                "InvalidParameter",
            ),
            (
                "ModifyNetworkAclEntry",
                entry("tcp", "10.0.0.0/8", "100-90"),
                "InvalidParameter",
            ),
            (
                "ModifyNetworkAclEntry",
                entry("tcp", "10.0.0.0/8", "0"),
                "InvalidParameter",
            ),
            (
                "ModifyNetworkAclEntry",
                entry("TCP", "10.0.0.0/8", "90-100"),
                "ok",
            ),
            (
                "ModifyNetworkAclEntry",
                entry("all", "1.2.3.4", "all"),
                "ok",
            ),
            (
                "CreateSubnetAclRule",
                vec![
                    ("vpcId", &vpc),
                    ("networkAclId", &web),
                    ("subnetIds.0", "subnet-none"),
                ],
                "InvalidSubnet.NotFound",
            ),
            (
                "CreateSubnetAclRule",
                vec![
                    ("vpcId", &vpc),
                    ("networkAclId", "acl-none"),
                    ("subnetIds.0", &subnet),
                ],
                "InvalidNetworkAclID.NotFound",
            ),
            (
                "DeteleSubnetAclRule",
                vec![
                    ("vpcId", &vpc),
                    ("networkAclId", &web),
                    ("subnetIds.0", &subnet),
                ],
                "InvalidSubnetAclRule.NotFound",
            ),
            (
                "CreateSubnetAclRule",
                vec![
                    ("vpcId", &vpc),
                    ("networkAclId", &web),
                    ("subnetIds.0", &subnet),
                ],
                "ok",
            ),
            // Binding again to the same ACL is harmless; another ACL is refused.
            (
                "CreateSubnetAclRule",
                vec![
                    ("vpcId", &vpc),
                    ("networkAclId", &web),
                    ("subnetIds.0", &subnet),
                ],
                "ok",
            ),
            (
                "CreateSubnetAclRule",
                vec![
                    ("vpcId", &vpc),
                    ("networkAclId", &db),
                    ("subnetIds.0", &subnet),
                ],
                "InvalidSubnet.AclBound",
            ),
            (
                "DeteleSubnetAclRule",
                vec![
                    ("vpcId", &vpc),
                    ("networkAclId", &db),
                    ("subnetIds.0", &subnet),
                ],
                "InvalidSubnetAclRule.NotFound",
            ),
            (
                "DeleteNetworkAcl",
                vec![("vpcId", &vpc), ("networkAclId", &web)],
                "NetworkAclID.InUse",
            ),
            (
                "DeleteNetworkAcl",
                vec![("vpcId", &vpc), ("networkAclId", &db)],
                "ok",
            ),
            (
                "DeleteNetworkAcl",
                vec![("vpcId", &vpc), ("networkAclId", &db)],
                "InvalidNetworkAclID.NotFound",
            ),
        ];
        for (action, pairs, expected) in &cases {
            assert_eq!(
                outcome(&mut state, action, pairs),
                *expected,
                "{action} {pairs:?}"
            );
        }
        assert_eq!(
            Failure::business_name("InvalidNetworkAclID.NotFound", "m").code,
            5000
        );
        assert_eq!(Failure::business_name("NetworkAclID.InUse", "m").code, 5100);

        // The last accepted inbound list replaced the first; outbound stays empty.
        let listed = ok(call(
            &mut state,
            &a,
            "DescribeNetworkAcl",
            &[("vpcId", &vpc)],
            T0,
        ));
        assert_eq!(listed["totalCount"], 1);
        let item = &listed["data"][0];
        assert_eq!(item["networkAclName"], "web");
        assert_eq!(item["subnetNum"], 1);
        assert_eq!(item["subnetSet"][0]["unSubnetId"], subnet.as_str());
        assert_eq!(
            item["networkAclEntrySet"],
            json!({
                "ingress": [{"desc": "d", "ipProtocol": "all", "cidrIp": "1.2.3.4", "portRange": "all", "action": 1}],
                "egress": [],
            })
        );
        let old = ok(call(&mut state, &a, "DescribeAcl", &[("name", "web")], T0));
        assert_eq!(old["data"]["totalCount"], 1);
        let acl_item = &old["data"]["aclSet"][0];
        assert_eq!(acl_item["aclId"], web.as_str());
        assert_eq!(acl_item["networkAclId"], web.as_str());
        assert_eq!(acl_item["acl"][0]["name"], "d");
        assert_eq!(
            ok(call(&mut state, &a, "DescribeAcl", &[("name", "we")], T0))["data"]["totalCount"],
            0
        );

        // DescribeSubnetEx reports the binding only when asked to.
        let acl_of = |state: &mut State, flag: &str| {
            let out = ok(call(
                state,
                &a,
                "DescribeSubnetEx",
                &[("subnetId", &subnet), ("getAclIdFlag", flag)],
                T0,
            ));
            out["data"][0]["networkAclId"]
                .as_str()
                .expect("an id")
                .to_owned()
        };
        assert_eq!(acl_of(&mut state, "1"), web);
        assert_eq!(acl_of(&mut state, "0"), "0");

        ok(call(
            &mut state,
            &a,
            "DeteleSubnetAclRule",
            &[
                ("vpcId", &vpc),
                ("networkAclId", &web),
                ("subnetIds.0", &subnet),
            ],
            T0,
        ));
        assert_eq!(acl_of(&mut state, "1"), "0");
        ok(call(
            &mut state,
            &a,
            "DeleteNetworkAcl",
            &[("vpcId", &vpc), ("networkAclId", &web)],
            T0,
        ));
        let listed = ok(call(&mut state, &a, "DescribeNetworkAcl", &[], T0));
        assert_eq!(listed["totalCount"], 0);
        assert_eq!(
            outcome(&mut state, "DescribeNetworkAcl", &[("vpcId", "vpc-none")]),
            "InvalidVpc.NotFound"
        );
    }

    #[test]
    fn network_acls_order_and_page() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = create_vpc(&mut state, &a, "v", "10.0.0.0/16");
        for (i, name) in ["charlie", "alpha", "bravo"].into_iter().enumerate() {
            ok(call(
                &mut state,
                &a,
                "CreateNetworkAcl",
                &[("vpcId", &vpc), ("networkAclName", name)],
                T0 + i as i64,
            ));
        }
        // Another account's ACLs stay invisible.
        let b_vpc = create_vpc(&mut state, &caller(B, "gz"), "v", "10.0.0.0/16");
        ok(call(
            &mut state,
            &caller(B, "gz"),
            "CreateNetworkAcl",
            &[("vpcId", &b_vpc), ("networkAclName", "alpha")],
            T0,
        ));
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (&[], &["charlie", "alpha", "bravo"]),
            (
                &[("orderDirection", "desc")],
                &["bravo", "alpha", "charlie"],
            ),
            (
                &[("orderField", "networkAclName")],
                &["alpha", "bravo", "charlie"],
            ),
            (&[("limit", "1"), ("offset", "1")], &["alpha"]),
            (&[("networkAclName", "ra")], &["bravo"]),
        ];
        for &(pairs, expected) in cases {
            let out = ok(call(&mut state, &a, "DescribeNetworkAcl", pairs, T0));
            let names: Vec<&str> = out["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|d| d["networkAclName"].as_str().expect("a name"))
                .collect();
            assert_eq!(names, expected, "{pairs:?}");
        }
    }

    #[test]
    fn state_dump_lists_the_acls_as_described() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet) = vpc_with_subnet(&mut state);
        for name in ["web", "db"] {
            ok(call(
                &mut state,
                &a,
                "CreateNetworkAcl",
                &[("vpcId", &vpc), ("networkAclName", name)],
                T0,
            ));
        }
        let b_vpc = create_vpc(&mut state, &caller(B, "gz"), "v", "10.0.0.0/16");
        ok(call(
            &mut state,
            &caller(B, "gz"),
            "CreateNetworkAcl",
            &[("vpcId", &b_vpc), ("networkAclName", "theirs")],
            T0,
        ));
        let listed = ok(call(&mut state, &a, "DescribeNetworkAcl", &[], T0));
        let web = listed["data"][0]["networkAclId"].as_str().expect("an id");
        ok(call(
            &mut state,
            &a,
            "CreateSubnetAclRule",
            &[
                ("vpcId", &vpc),
                ("networkAclId", web),
                ("subnetIds.0", &subnet),
            ],
            T0,
        ));
        let described = ok(call(&mut state, &a, "DescribeNetworkAcl", &[], T0));
        let dumped = dump(&state, &a);
        assert_eq!(dumped["networkAcls"], described["data"], "{dumped}");
        assert_eq!(dumped["networkAcls"].as_array().map(Vec::len), Some(2));
        assert_eq!(dumped["networkAcls"][0]["subnetNum"], 1, "{dumped}");
        assert_eq!(dump(&state, &caller(A, "sh"))["networkAcls"], json!([]));
    }
}
