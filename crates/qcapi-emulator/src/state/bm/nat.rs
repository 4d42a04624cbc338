//! NAT gateways of bare-metal VPCs, by analogy with the VPC ones (state/nat.rs):
//! the same quota, names and EIP rules; instead of routes, the subnets whose
//! traffic goes through them (one gateway per subnet at most). Changes are
//! immediate; the actions answer tasks that QueryBmTaskResult reports.

use super::super::nat::NAT_GATEWAYS_PER_VPC;
use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateBmNatGateway::run)
        .add(ModifyBmNatGateway::run)
        .add(DeleteBmNatGateway::run)
        .add(UpgradeBmNatGateway::run)
        .add(EipBindBmNatGateway::run)
        .add(EipUnBindBmNatGateway::run)
        .add(SubnetBindBmNatGateway::run)
        .add(SubnetUnBindBmNatGateway::run)
        .add(QueryBmTaskResult::run)
        .listing("bmNatGateways", || {
            DescribeBmNatGateway::new().limit(i64::MAX.to_string())
        });
}

/// A NAT gateway of a bare-metal VPC; it only has a unified id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct BmNat {
    head: Head,
    max_concurrent: i64,
    eips: Vec<String>,
    /// Unified ids of the subnets going through it, in binding order.
    pub(super) subnets: Vec<String>,
}

table::resource! {
    BmNat "NAT gateway",
    InvalidNatGatewayIdNotFound, InvalidNatGatewayName, InvalidNatGatewayInUse
}

/// A gateway's size: CreateNatGateway's three (sent as a string here).
fn size(text: Option<&str>) -> Result<i64, Failure> {
    match number("maxConcurrent", text)? {
        None => Ok(1_000_000),
        Some(n @ (1_000_000 | 3_000_000 | 10_000_000)) => Ok(n),
        Some(n) => Err(Failure::invalid_parameter(format!(
            "`maxConcurrent` must be 1000000, 3000000 or 10000000, got {n}"
        ))),
    }
}

impl State {
    /// Every EIP bound to a bare-metal NAT gateway of account `uin`.
    pub(in crate::state) fn bm_eips(&self, uin: &str) -> Vec<String> {
        let mine = self.bm_vpcs.iter().filter(|v| v.uin == uin);
        mine.flat_map(|v| &v.nat_gateways)
            .flat_map(|n| n.eips.clone())
            .collect()
    }

    /// The indices of the caller's bare-metal VPC and of its gateway (none is not found).
    fn bm_nat(
        &self,
        caller: &Caller,
        vpc: Option<&str>,
        nat: Option<&str>,
    ) -> Result<(usize, usize), Failure> {
        let v = self.bm_vpc(caller, vpc)?;
        let id = nat.unwrap_or_default();
        let found = self.bm_vpcs[v]
            .nat_gateways
            .iter()
            .position(|n| n.head.has_id(id));
        let message = || format!("NAT gateway `{id}` not found in the bare-metal VPC");
        let n = found.ok_or_else(|| Failure::business(BmNat::NOT_FOUND, message()))?;
        Ok((v, n))
    }

    /// A succeeding task of the caller's, answered as `taskId`.
    fn bm_task(&mut self, caller: &Caller) -> Option<i64> {
        Some(self.new_task(&caller.uin, Ok(json!({}))))
    }
}

/// The unified ids of `wanted` subnets of `vpc` (at least one), each bound to no
/// gateway of it yet.
fn free_subnets(vpc: &BmVpc, wanted: &[String]) -> Result<Vec<String>, Failure> {
    if wanted.is_empty() {
        return Err(Failure::invalid_parameter("`subnetIds` must name a subnet"));
    }
    let mut out: Vec<String> = Vec::new();
    for id in wanted {
        let found = vpc.subnets.iter().find(|s| s.subnet.head.has_id(id));
        let Some(s) = found else {
            let message = format!("bare-metal subnet `{id}` not found in its VPC");
            return Err(Failure::business(ErrorCode::InvalidSubnetNotFound, message));
        };
        let un_id = &s.subnet.head.un_id;
        if out.contains(un_id) || bound_gateway(vpc, un_id).is_some() {
            let message = format!("subnet `{id}` already goes through a NAT gateway");
            return Err(Failure::business(ErrorCode::InvalidSubnetInUse, message));
        }
        out.push(un_id.clone());
    }
    Ok(out)
}

/// The gateway that subnet `un_id` of `vpc` goes through, if any.
pub(super) fn bound_gateway<'v>(vpc: &'v BmVpc, un_id: &str) -> Option<&'v str> {
    let through = vpc
        .nat_gateways
        .iter()
        .find(|n| n.subnets.iter().any(|s| s == un_id));
    through.map(|n| n.head.un_id.as_str())
}

impl Model for CreateBmNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let v = state.bm_vpc(caller, r.vpc_id.as_deref())?;
        let vpc = &state.bm_vpcs[v];
        let name = r.nat_name.unwrap_or_default();
        check_new_name(&vpc.nat_gateways, &name, None, "the bare-metal VPC")?;
        let quota = state.quota(NAT_GATEWAYS_PER_VPC);
        if vpc.nat_gateways.len() >= quota {
            let message = format!("a VPC holds at most {quota} NAT gateways");
            return Err(Failure::business(
                ErrorCode::NatGatewayLimitExceeded,
                message,
            ));
        }
        let max_concurrent = size(r.max_concurrent.as_deref())?;
        let subnets = if r.subnet_all.as_deref() == Some("1") {
            let all = vpc.subnets.iter().map(|s| &s.subnet.head.un_id);
            let free = all.filter(|u| bound_gateway(vpc, u).is_none());
            free.cloned().collect()
        } else {
            match r.subnet_ids.as_deref() {
                Some(ids) if !ids.is_empty() => free_subnets(vpc, ids)?,
                _ => Vec::new(),
            }
        };
        let auto = number("autoAllocEipNum", r.auto_alloc_eip_num.as_deref())?;
        let eips = state.new_eips(caller, 0, r.assigned_eip_set, auto)?;
        let head = state.head("nat", None, name, now);
        let nat_id = head.un_id.clone();
        let gateway = BmNat {
            head,
            max_concurrent,
            eips,
            subnets,
        };
        state.bm_vpcs[v].nat_gateways.push(gateway);
        Ok(CreateBmNatGatewayOutput {
            nat_id: Some(nat_id),
            task_id: state.bm_task(caller),
            ..Default::default()
        })
    }
}

impl Listed for DescribeBmNatGateway {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let vpcs: Vec<&BmVpc> = match r.vpc_id.as_deref() {
            Some(id) => vec![&state.bm_vpcs[state.bm_vpc(caller, Some(id))?]],
            None => state.bm_vpcs_of(caller).collect(),
        };
        let found = vpcs
            .into_iter()
            .flat_map(|v| v.nat_gateways.iter().map(move |n| (v, n)));
        let listing = Listing {
            id: r.nat_id.as_deref(),
            name: r.nat_name.as_deref(),
            order: Order::by(r.order_feild.as_deref(), "natName"),
            order_direction: r.order_direction.as_deref(),
            offset: number("offset", r.offset.as_deref())?,
            limit: number("limit", r.limit.as_deref())?,
        };
        let (total, page) = listing.page(found, |(_, n)| *n);
        let item = |(v, n): (&BmVpc, &BmNat)| DescribeBmNatGatewayData {
            nat_id: Some(n.head.un_id.clone()),
            nat_name: Some(n.head.name.clone()),
            vpc_id: Some(v.head.id.clone()),
            un_vpc_id: Some(v.head.un_id.clone()),
            max_concurrent: Some(n.max_concurrent),
            eip_count: Some(count(n.eips.len())),
            eip_set: Some(n.eips.clone()),
            subnet_ids: Some(n.subnets.clone()),
            create_time: Some(format_datetime(n.head.created)),
        };
        Ok(DescribeBmNatGatewayOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(item).collect()),
            ..Default::default()
        })
    }
}

impl Model for ModifyBmNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.bm_nat(caller, r.vpc_id.as_deref(), r.nat_id.as_deref())?;
        let gateways = &mut state.bm_vpcs[v].nat_gateways;
        if let Some(name) = r.nat_name {
            check_new_name(gateways.iter(), &name, Some(n), "the bare-metal VPC")?;
            gateways[n].head.name = name;
        }
        Ok(ModifyBmNatGatewayOutput::default())
    }
}

impl Model for DeleteBmNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.bm_nat(caller, r.vpc_id.as_deref(), r.nat_id.as_deref())?;
        state.bm_vpcs[v].nat_gateways.remove(n);
        Ok(DeleteBmNatGatewayOutput {
            task_id: state.bm_task(caller),
            ..Default::default()
        })
    }
}

impl Model for UpgradeBmNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.bm_nat(caller, r.vpc_id.as_deref(), r.nat_id.as_deref())?;
        state.bm_vpcs[v].nat_gateways[n].max_concurrent = size(r.max_concurrent.as_deref())?;
        Ok(UpgradeBmNatGatewayOutput {
            task_id: state.bm_task(caller),
            ..Default::default()
        })
    }
}

impl Model for EipBindBmNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.bm_nat(caller, r.vpc_id.as_deref(), r.nat_id.as_deref())?;
        let held = state.bm_vpcs[v].nat_gateways[n].eips.len();
        let auto = number("autoAllocEipNum", r.auto_alloc_eip_num.as_deref())?;
        let eips = state.new_eips(caller, held, r.assigned_eip_set, auto)?;
        state.bm_vpcs[v].nat_gateways[n].eips.extend(eips);
        Ok(EipBindBmNatGatewayOutput {
            task_id: state.bm_task(caller),
            ..Default::default()
        })
    }
}

impl Model for EipUnBindBmNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.bm_nat(caller, r.vpc_id.as_deref(), r.nat_id.as_deref())?;
        let gateway = &mut state.bm_vpcs[v].nat_gateways[n];
        let gone = r.assigned_eip_set.unwrap_or_default();
        if let Some(eip) = gone.iter().find(|e| !gateway.eips.contains(e)) {
            let message = format!(
                "EIP `{eip}` is not bound to NAT gateway {}",
                gateway.head.id
            );
            return Err(Failure::business(ErrorCode::InvalidEipNotFound, message));
        }
        if gateway.eips.iter().all(|e| gone.contains(e)) {
            let message = "a NAT gateway keeps at least one EIP";
            return Err(Failure::business(ErrorCode::NatGatewayEipNotEmpty, message));
        }
        gateway.eips.retain(|e| !gone.contains(e));
        Ok(EipUnBindBmNatGatewayOutput {
            task_id: state.bm_task(caller),
            ..Default::default()
        })
    }
}

impl Model for SubnetBindBmNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.bm_nat(caller, r.vpc_id.as_deref(), r.nat_id.as_deref())?;
        let ids = r.subnet_ids.unwrap_or_default();
        let subnets = free_subnets(&state.bm_vpcs[v], &ids)?;
        state.bm_vpcs[v].nat_gateways[n].subnets.extend(subnets);
        Ok(SubnetBindBmNatGatewayOutput {
            task_id: state.bm_task(caller),
            ..Default::default()
        })
    }
}

impl Model for SubnetUnBindBmNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.bm_nat(caller, r.vpc_id.as_deref(), r.nat_id.as_deref())?;
        let ids = r.subnet_ids.unwrap_or_default();
        if ids.is_empty() {
            return Err(Failure::invalid_parameter("`subnetIds` must name a subnet"));
        }
        let vpc = &state.bm_vpcs[v];
        let gateway = &vpc.nat_gateways[n];
        let mut gone = Vec::new();
        for id in &ids {
            let subnet = vpc.subnets.iter().find(|s| s.subnet.head.has_id(id));
            let un_id = subnet.map(|s| &s.subnet.head.un_id);
            match un_id.filter(|u| gateway.subnets.contains(u)) {
                Some(u) => gone.push(u.clone()),
                None => {
                    let message = format!("subnet `{id}` does not go through {}", gateway.head.id);
                    return Err(Failure::business(ErrorCode::InvalidSubnetNotFound, message));
                }
            }
        }
        state.bm_vpcs[v].nat_gateways[n]
            .subnets
            .retain(|s| !gone.contains(s));
        Ok(SubnetUnBindBmNatGatewayOutput {
            task_id: state.bm_task(caller),
            ..Default::default()
        })
    }
}

/// DescribeVpcTaskResult over the same tasks, with the id sent as a string.
impl Model for QueryBmTaskResult {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let text = r.task_id.unwrap_or_default();
        let polled = text
            .parse()
            .ok()
            .and_then(|id| state.poll_task(&caller.uin, id, now));
        let Some((status, output)) = polled else {
            let message = format!("task `{text}` not found");
            return Err(Failure::business(ErrorCode::InvalidTaskNotFound, message));
        };
        Ok(QueryBmTaskResultOutput {
            data: Some(QueryBmTaskResultData {
                status: Some(status),
                output,
            }),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::testing::*;

    #[test]
    fn gateways_follow_the_nat_rules_and_hold_subnets() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = state
            .create_bm_vpc(&a, "bm", "10.0.0.0/16", T0)
            .expect("seeded");
        let mut subnet = |name: &str, cidr: &str| {
            let pairs = [
                ("vpcId", vpc.as_str()),
                ("subnetSet.0.subnetName", name),
                ("subnetSet.0.cidrBlock", cidr),
            ];
            let out = ok(call(&mut state, &a, "CreateBmSubnet", &pairs, T0));
            out["subnetSet"][0]["unSubnetId"]
                .as_str()
                .expect("an id")
                .to_owned()
        };
        let (s1, s2) = (subnet("s1", "10.0.1.0/24"), subnet("s2", "10.0.2.0/24"));
        // An ordinary NAT gateway's EIP is taken for bare-metal ones too.
        let plain = create_vpc(&mut state, &a, "v", "10.9.0.0/16");
        let pairs = [
            ("vpcId", plain.as_str()),
            ("natName", "n"),
            ("maxConcurrent", "1000000"),
            ("assignedEipSet.0", "9.9.9.9"),
        ];
        ok(call(&mut state, &a, "CreateNatGateway", &pairs, T0));
        let create = |name: &'static str, extra: &[(&'static str, &'static str)], expected| {
            let mut pairs = vec![("vpcId", vpc.clone()), ("natName", name.to_owned())];
            pairs.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
            ("CreateBmNatGateway", pairs, expected)
        };
        let cases = [
            create("n1", &[("assignedEipSet.0", "9.9.9.9")], "InvalidEip.InUse"),
            create("n1", &[], "InvalidParameter"),
            create(
                "n1",
                &[("autoAllocEipNum", "1"), ("maxConcurrent", "5")],
                "InvalidParameter",
            ),
            create(
                "n1",
                &[("autoAllocEipNum", "11")],
                "NatGatewayEipLimitExceeded",
            ),
            create(
                "n1",
                &[("autoAllocEipNum", "1"), ("subnetIds.0", "subnet-none")],
                "InvalidSubnet.NotFound",
            ),
            create(
                "n1",
                &[("assignedEipSet.0", "1.1.1.1"), ("subnetAll", "1")],
                "ok",
            ),
            create("n1", &[("autoAllocEipNum", "1")], "InvalidNatGateway.InUse"),
            create("", &[("autoAllocEipNum", "1")], "InvalidNatGatewayName"),
            create("n2", &[("assignedEipSet.0", "1.1.1.1")], "InvalidEip.InUse"),
            create("n2", &[("autoAllocEipNum", "1")], "ok"),
            create("n3", &[("autoAllocEipNum", "1")], "ok"),
            create("n4", &[("autoAllocEipNum", "1")], "NatGatewayLimitExceeded"),
        ];
        for (action, pairs, expected) in &cases {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(outcome(&mut state, action, &pairs), *expected, "{pairs:?}");
        }
        let described = |state: &mut State, name: &str| {
            let out = ok(call(
                state,
                &a,
                "DescribeBmNatGateway",
                &[("natName", name)],
                T0,
            ));
            out["data"][0].clone()
        };
        let n1 = described(&mut state, "n1");
        assert_eq!(
            (&n1["subnetIds"], &n1["eipSet"]),
            (&json!([s1, s2]), &json!(["1.1.1.1"]))
        );
        let (n1, n2) = (
            n1["natId"].as_str().expect("id").to_owned(),
            described(&mut state, "n2")["natId"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
        let on = |action, nat: &str, extra: &[(&'static str, &'static str)], expected| {
            let mut pairs = vec![("vpcId", vpc.clone()), ("natId", nat.to_owned())];
            pairs.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
            (action, pairs, expected)
        };
        let s1_ref: &'static str = s1.clone().leak();
        let cases = [
            on(
                "SubnetBindBmNatGateway",
                &n2,
                &[("subnetIds.0", s1_ref)],
                "InvalidSubnet.InUse",
            ),
            on("SubnetBindBmNatGateway", &n2, &[], "InvalidParameter"),
            on(
                "SubnetUnBindBmNatGateway",
                &n2,
                &[("subnetIds.0", s1_ref)],
                "InvalidSubnet.NotFound",
            ),
            on(
                "DeleteBmSubnet",
                "",
                &[("subnetId", s1_ref)],
                "InvalidSubnet.CannotDelete",
            ),
            on(
                "SubnetUnBindBmNatGateway",
                &n1,
                &[("subnetIds.0", s1_ref)],
                "ok",
            ),
            on(
                "SubnetBindBmNatGateway",
                &n2,
                &[("subnetIds.0", s1_ref)],
                "ok",
            ),
            on(
                "ModifyBmNatGateway",
                &n2,
                &[("natName", "n1")],
                "InvalidNatGateway.InUse",
            ),
            on("ModifyBmNatGateway", &n2, &[("natName", "edge")], "ok"),
            on(
                "UpgradeBmNatGateway",
                &n2,
                &[("maxConcurrent", "3000000")],
                "ok",
            ),
            on(
                "EipBindBmNatGateway",
                &n2,
                &[("assignedEipSet.0", "1.1.1.1")],
                "InvalidEip.InUse",
            ),
            on(
                "EipBindBmNatGateway",
                &n2,
                &[("assignedEipSet.0", "2.2.2.2")],
                "ok",
            ),
            on(
                "EipUnBindBmNatGateway",
                &n1,
                &[("assignedEipSet.0", "2.2.2.2")],
                "InvalidEip.NotFound",
            ),
            on(
                "EipUnBindBmNatGateway",
                &n1,
                &[("assignedEipSet.0", "1.1.1.1")],
                "NatGatewayEipNotEmpty",
            ),
            on(
                "EipUnBindBmNatGateway",
                &n2,
                &[("assignedEipSet.0", "2.2.2.2")],
                "ok",
            ),
            on(
                "DeleteBmNatGateway",
                "nat-none",
                &[],
                "InvalidNatGatewayId.NotFound",
            ),
            on("DeleteBmNatGateway", &n2, &[], "ok"),
            on("DeleteBmSubnet", "", &[("subnetId", s1_ref)], "ok"),
        ];
        for (action, pairs, expected) in &cases {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(
                outcome(&mut state, action, &pairs),
                *expected,
                "{action} {pairs:?}"
            );
        }
        let out = ok(call(
            &mut state,
            &a,
            "DescribeBmNatGateway",
            &[("vpcId", &vpc), ("orderDirection", "desc")],
            T0,
        ));
        let names: Vec<&str> = out["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|d| d["natName"].as_str())
            .collect();
        assert_eq!(names, ["n3", "n1"]);
        assert_eq!(
            dump(&state, &a)["bmNatGateways"].as_array().map(Vec::len),
            Some(2)
        );
        assert_eq!(
            ok(call(
                &mut state,
                &caller(B, "gz"),
                "DescribeBmNatGateway",
                &[],
                T0
            ))["totalCount"],
            0
        );
    }

    #[test]
    fn bm_tasks_are_the_vpc_tasks() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = state
            .create_bm_vpc(&a, "bm", "10.0.0.0/16", T0)
            .expect("seeded");
        let pairs = [
            ("vpcId", vpc.as_str()),
            ("natName", "n"),
            ("autoAllocEipNum", "1"),
        ];
        let task = ok(call(&mut state, &a, "CreateBmNatGateway", &pairs, T0))["taskId"].to_string();
        let status = |state: &mut State, who: &Caller, id: &str| match call(
            state,
            who,
            "QueryBmTaskResult",
            &[("taskId", id)],
            T0,
        ) {
            Ok(out) => out["data"]["status"].to_string(),
            Err(e) => e.code_desc,
        };
        assert_eq!(status(&mut state, &a, &task), "2");
        assert_eq!(status(&mut state, &a, &task), "0");
        assert_eq!(
            status(&mut state, &caller(B, "gz"), &task),
            "InvalidTask.NotFound"
        );
        assert_eq!(status(&mut state, &a, "x"), "InvalidTask.NotFound");
        let polled = ok(call(
            &mut state,
            &a,
            "DescribeVpcTaskResult",
            &[("taskId", &task)],
            T0,
        ));
        assert_eq!(polled["data"]["status"], 0);
    }
}
