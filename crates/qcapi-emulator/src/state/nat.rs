//! NAT gateways of a VPC, their EIPs and their port-forwarding (DNAT) rules.
//! Changes are immediate: create and upgrade return a bill id carrying a task
//! (QueryNatGatewayProductionStatus polls it), delete and the EIP actions a task.
//! EIPs are not modelled: they are kept as given, unique in the account.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use qcapi_core::vpc::*;

use super::route::NEXT_TYPE_NAT;
use super::table::{Handlers, Listed, Listing, Model, Now, Order, check_new_name, count};
use super::*;

/// The DescribeVpcLimit type of how many NAT gateways a VPC may hold (by
/// default Tencent's documented 3); one more is `NatGatewayLimitExceeded`.
pub(super) const NAT_GATEWAYS_PER_VPC: &str = "55";

/// The type of how many EIPs a NAT gateway may hold (documented as 10).
const EIPS_PER_NAT_GATEWAY: &str = "56";

/// The longest port-forwarding rule description (the emulator's choice; `29151` beyond).
const DESCRIPTION_MAX: usize = 100;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateNatGateway::run)
        .add(ModifyNatGateway::run)
        .add(DeleteNatGateway::run)
        .add(EipBindNatGateway::run)
        .add(EipUnBindNatGateway::run)
        .add(UpgradeNatGateway::run)
        .add(QueryNatGatewayProductionStatus::run)
        .add(InquiryNatPrice::run)
        .add(AddDnaptRule::run)
        .add(ModifyDnaptRule::run)
        .add(DeleteDnaptRule::run)
        .listing("natGateways", || DescribeNatGateway::new().limit(i64::MAX));
}

/// A NAT gateway of one VPC; it only has a unified id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct NatGateway {
    pub(super) head: Head,
    max_concurrent: i64,
    /// Outbound Mbps.
    bandwidth: i64,
    /// Its EIPs, addresses or `eip-` ids as given, in binding order.
    eips: Vec<String>,
    rules: Vec<Dnat>,
}

table::resource! {
    NatGateway "NAT gateway" in nat_gateways,
    InvalidNatGatewayIdNotFound, InvalidNatGatewayName, InvalidNatGatewayInUse
}

/// A port-forwarding rule: `proto` traffic to `eip:eport` goes to `pip:pport`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Dnat {
    proto: String,
    eip: String,
    eport: u16,
    pip: Ipv4Addr,
    pport: u16,
    description: String,
}

impl Dnat {
    /// What identifies a rule on its gateway.
    fn key(&self) -> (&str, &str, u16) {
        (&self.proto, &self.eip, self.eport)
    }
}

/// A port as the spec sends it (a string): 1 to 65535.
fn port(parameter: &str, text: &str) -> Result<u16, Failure> {
    let message = || format!("parameter `{parameter}` must be a port 1 to 65535, got `{text}`");
    let port = text.trim().parse().ok().filter(|&p: &u16| p > 0);
    port.ok_or_else(|| Failure::invalid_parameter(message()))
}

/// A well-formed EIP: an IPv4 address or an `eip-` id of 8 lowercase alphanumerics.
fn check_eip(text: &str) -> Result<(), Failure> {
    let id = text.strip_prefix("eip-").is_some_and(|s| {
        s.len() == 8
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    });
    if id || text.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    let message = format!("`{text}` is neither an IPv4 address nor an `eip-` id");
    Err(Failure::invalid_parameter(message))
}

impl State {
    /// The EIPs to bind to a gateway holding `held`: the `assigned` ones (well
    /// formed, distinct, bound to no gateway of the account, bare-metal ones
    /// included) then `auto` new addresses, within the gateway's quota.
    pub(super) fn new_eips(
        &mut self,
        caller: &Caller,
        held: usize,
        assigned: Option<Vec<String>>,
        auto: Option<i64>,
    ) -> Result<Vec<String>, Failure> {
        let assigned = assigned.unwrap_or_default();
        let message = || format!("`autoAllocEipNum` must not be negative, got {auto:?}");
        let auto = usize::try_from(auto.unwrap_or(0))
            .map_err(|_| Failure::invalid_parameter(message()))?;
        if assigned.is_empty() && auto == 0 {
            let message = "give `assignedEipSet` or a positive `autoAllocEipNum`";
            return Err(Failure::invalid_parameter(message));
        }
        let total = held + assigned.len() + auto;
        let quota = self.quota(EIPS_PER_NAT_GATEWAY);
        if total > quota {
            let message = format!("a NAT gateway holds at most {quota} EIPs, {total} wanted");
            return Err(Failure::business(
                ErrorCode::NatGatewayEipLimitExceeded,
                message,
            ));
        }
        let mine = self.vpcs.iter().filter(|v| v.uin == caller.uin);
        let gateways = mine.flat_map(|v| &v.nat_gateways);
        let mut bound: Vec<String> = gateways.flat_map(|n| n.eips.clone()).collect();
        bound.extend(self.bm_eips(&caller.uin));
        for eip in &assigned {
            check_eip(eip)?;
            if bound.contains(eip) {
                let message = format!("EIP `{eip}` is already bound to a NAT gateway");
                return Err(Failure::business(ErrorCode::InvalidEipInUse, message));
            }
            bound.push(eip.clone());
        }
        let mut out = assigned;
        while out.len() < total - held {
            // New addresses in 100.64.0.0/10, from the never-reused serial.
            self.next_serial += 1;
            let low = u32::try_from(self.next_serial % (1 << 22)).unwrap_or(0);
            let address = Ipv4Addr::from(0x6440_0000 | low).to_string();
            if !bound.contains(&address) {
                out.push(address);
            }
        }
        Ok(out)
    }

    /// A bill id for an order that `outcome` ends: 32 digits, the time then the task's number.
    fn new_bill(&mut self, caller: &Caller, output: Value, now: Now) -> String {
        let task = self.new_task(&caller.uin, Ok(output));
        let time: String = format_datetime(now)
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        format!("{time}{task:018}")
    }

    /// The gateway's DNAT rule as `rule` wants it, checked against the other rules
    /// (all but the one at `except`) of gateway `n` of VPC `v`.
    fn checked_rule(
        &self,
        (v, n): (usize, usize),
        except: Option<usize>,
        rule: Dnat,
    ) -> Result<Dnat, Failure> {
        let (vpc, gateway) = (&self.vpcs[v], &self.vpcs[v].nat_gateways[n]);
        let others = || {
            gateway
                .rules
                .iter()
                .enumerate()
                .filter(|&(i, _)| Some(i) != except)
                .map(|(_, r)| r)
        };
        let (eip, pip) = (&rule.eip, rule.pip);
        let refusal = if rule.description.chars().count() > DESCRIPTION_MAX {
            Some((
                ErrorCode::Code29151,
                format!("a description has at most {DESCRIPTION_MAX} characters"),
            ))
        } else if !gateway.eips.contains(eip) {
            Some((
                ErrorCode::CodeMinus3325,
                format!(
                    "EIP `{eip}` is not bound to NAT gateway {}",
                    gateway.head.id
                ),
            ))
        } else if !vpc.cidr.assignable().contains(&u32::from(pip)) {
            Some((
                ErrorCode::CodeMinus3326,
                format!("`{pip}` is not an address of the VPC's {}", vpc.cidr),
            ))
        } else if others().any(|r| r.key() == rule.key()) {
            let (proto, port) = (&rule.proto, rule.eport);
            Some((
                ErrorCode::Code29152,
                format!("a {proto} rule already forwards {eip}:{port}"),
            ))
        } else if others().any(|r| (&r.proto, r.pip, r.pport) == (&rule.proto, pip, rule.pport)) {
            let (proto, port) = (&rule.proto, rule.pport);
            Some((
                ErrorCode::CodeMinus3327,
                format!("a {proto} rule already forwards to {pip}:{port}"),
            ))
        } else {
            None
        };
        match refusal {
            Some((code, message)) => Err(Failure::business(code, message)),
            None => Ok(rule),
        }
    }
}

/// The index of gateway `n`'s rule with this key, if any.
fn find_rule(
    gateway: &NatGateway,
    proto: &str,
    eip: &str,
    eport: &str,
    parameter: &str,
) -> Result<usize, Failure> {
    let eport = port(parameter, eport)?;
    let found = gateway
        .rules
        .iter()
        .position(|r| r.key() == (proto, eip, eport));
    let message = || {
        format!(
            "NAT gateway {} has no {proto} rule for {eip}:{eport}",
            gateway.head.id
        )
    };
    found.ok_or_else(|| Failure::business(ErrorCode::InvalidDnaptRuleNotFound, message()))
}

/// Reads an internal address (the spec knows it as a string).
fn private_ip(text: &str) -> Result<Ipv4Addr, Failure> {
    let message = || format!("parameter `pip` must be an IPv4 address, got `{text}`");
    text.parse()
        .map_err(|_| Failure::invalid_parameter(message()))
}

impl Listed for DescribeNatGateway {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let found = state.children::<NatGateway>(caller, r.vpc_id.as_deref())?;
        let in_vpc = |v: &Vpc| r.vpc_name.as_ref().is_none_or(|name| &v.head.name == name);
        let listing = Listing {
            id: r.nat_id.as_deref(),
            name: r.nat_name.as_deref(),
            // `orderField` can only be `natId`; ids are scattered, so creation order stands in.
            order: Order::Created,
            order_direction: r.order_direction.as_deref(),
            ..Listing::page_of(r)
        };
        let (total, page) = listing.page(found.into_iter().filter(|(v, _)| in_vpc(v)), |(_, n)| *n);
        let item = |(v, n): (&Vpc, &NatGateway)| DescribeNatGatewayData {
            nat_id: Some(n.head.id.clone()),
            nat_name: Some(n.head.name.clone()),
            app_id: Some(v.uin.clone()),
            vpc_id: Some(v.head.serial.to_string()),
            un_vpc_id: Some(v.head.un_id.clone()),
            vpc_name: Some(v.head.name.clone()),
            state: Some(0),
            max_concurrent: Some(n.max_concurrent),
            bandwidth: Some(n.bandwidth),
            eip_count: Some(count(n.eips.len())),
            eip_set: Some(n.eips.clone()),
            create_time: Some(format_datetime(n.head.created)),
            production_status: Some(1),
        };
        Ok(DescribeNatGatewayOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(item).collect()),
            ..Default::default()
        })
    }
}

impl Model for CreateNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let gateways = &state.vpcs[v].nat_gateways;
        check_new_name(gateways, &r.nat_name, None, "the VPC")?;
        let quota = state.quota(NAT_GATEWAYS_PER_VPC);
        if gateways.len() >= quota {
            let message = format!("a VPC holds at most {quota} NAT gateways");
            return Err(Failure::business(
                ErrorCode::NatGatewayLimitExceeded,
                message,
            ));
        }
        let eips = state.new_eips(caller, 0, r.assigned_eip_set, r.auto_alloc_eip_num)?;
        let gateway = NatGateway {
            head: state.head("nat", None, r.nat_name, now),
            max_concurrent: r.max_concurrent,
            bandwidth: r.bandwidth.unwrap_or(100),
            eips,
            rules: Vec::new(),
        };
        let output = json!({ "natId": gateway.head.id });
        state.vpcs[v].nat_gateways.push(gateway);
        Ok(CreateNatGatewayOutput {
            bill_id: Some(state.new_bill(caller, output, now)),
            ..Default::default()
        })
    }
}

impl Model for ModifyNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.child::<NatGateway>(caller, &r.vpc_id, &r.nat_id)?;
        let gateways = &mut state.vpcs[v].nat_gateways;
        if let Some(name) = &r.nat_name {
            check_new_name(gateways.iter(), name, Some(n), "the VPC")?;
        }
        let gateway = &mut gateways[n];
        if let Some(name) = r.nat_name {
            gateway.head.name = name;
        }
        gateway.bandwidth = r.bandwidth.unwrap_or(gateway.bandwidth);
        Ok(ModifyNatGatewayOutput::default())
    }
}

/// Deletes the gateway at once, its rules and the routes through it with it.
impl Model for DeleteNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.child::<NatGateway>(caller, &r.vpc_id, &r.nat_id)?;
        let gateway = state.vpcs[v].nat_gateways.remove(n);
        state.drop_routes_to(NEXT_TYPE_NAT, &gateway.head.id);
        Ok(DeleteNatGatewayOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({})))),
            ..Default::default()
        })
    }
}

impl Model for EipBindNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.child::<NatGateway>(caller, &r.vpc_id, &r.nat_id)?;
        let held = state.vpcs[v].nat_gateways[n].eips.len();
        let eips = state.new_eips(caller, held, r.assigned_eip_set, r.auto_alloc_eip_num)?;
        let output = json!({ "eipSet": eips });
        state.vpcs[v].nat_gateways[n].eips.extend(eips);
        Ok(EipBindNatGatewayOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(output))),
            ..Default::default()
        })
    }
}

/// Unbinds EIPs; the rules forwarding from them go too.
impl Model for EipUnBindNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.child::<NatGateway>(caller, &r.vpc_id, &r.nat_id)?;
        let gateway = &mut state.vpcs[v].nat_gateways[n];
        if let Some(eip) = r
            .assigned_eip_set
            .iter()
            .find(|e| !gateway.eips.contains(e))
        {
            let message = format!(
                "EIP `{eip}` is not bound to NAT gateway {}",
                gateway.head.id
            );
            return Err(Failure::business(ErrorCode::InvalidEipNotFound, message));
        }
        if gateway.eips.iter().all(|e| r.assigned_eip_set.contains(e)) {
            let message = "a NAT gateway keeps at least one EIP";
            return Err(Failure::business(ErrorCode::NatGatewayEipNotEmpty, message));
        }
        gateway.eips.retain(|e| !r.assigned_eip_set.contains(e));
        gateway
            .rules
            .retain(|rule| !r.assigned_eip_set.contains(&rule.eip));
        Ok(EipUnBindNatGatewayOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({})))),
            ..Default::default()
        })
    }
}

impl Model for UpgradeNatGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.child::<NatGateway>(caller, &r.vpc_id, &r.nat_id)?;
        let gateway = &mut state.vpcs[v].nat_gateways[n];
        gateway.max_concurrent = r.max_concurrent;
        let output = json!({ "natId": gateway.head.id, "maxConcurrent": r.max_concurrent });
        Ok(UpgradeNatGatewayOutput {
            bill_id: Some(state.new_bill(caller, output, now)),
            ..Default::default()
        })
    }
}

/// A bill's status is its task's (see [`State::new_bill`]).
impl Model for QueryNatGatewayProductionStatus {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let bill = r.bill_id.as_str();
        let task = (bill.len() == 32 && bill.bytes().all(|b| b.is_ascii_digit()))
            .then(|| bill[14..].parse().ok())
            .flatten();
        let polled = task.and_then(|task| state.poll_task(&caller.uin, task, now));
        let Some((status, output)) = polled else {
            let message = format!("bill `{bill}` not found");
            return Err(Failure::business(ErrorCode::InvalidBillIdNotFound, message));
        };
        let failed = output.as_ref().and_then(|o| o["codeDesc"].as_str());
        let data = QueryNatGatewayProductionStatusData {
            status: Some(status),
            error_code: Some(failed.unwrap_or("0").to_owned()),
        };
        Ok(QueryNatGatewayProductionStatusOutput {
            data: Some(data),
            ..Default::default()
        })
    }
}

/// 0.50 CNY an hour per million connections, rounded up to the fen (the spec's note).
impl Model for InquiryNatPrice {
    fn run(_: &mut State, _: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        if r.max_concurrent <= 0 {
            let message = format!("`maxConcurrent` must be positive, got {}", r.max_concurrent);
            return Err(Failure::invalid_parameter(message));
        }
        let fen = r.max_concurrent.saturating_mul(50).saturating_add(999_999) / 1_000_000;
        let price = format!("{}.{:02}", fen / 100, fen % 100);
        let text = |s: &str| Some(s.to_owned());
        let data = InquiryNatPriceData {
            price: Some(price.clone()),
            total_cost: Some(price.clone()),
            real_total_cost: Some(price.clone()),
            time_span: text("1"),
            time_unit: text("h"),
            goods_num: text("1"),
            policy: text("100"),
            unit_price: Some(price),
        };
        Ok(InquiryNatPriceOutput {
            data: Some(vec![data]),
            ..Default::default()
        })
    }
}

impl Model for AddDnaptRule {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let at = state.child::<NatGateway>(caller, &r.vpc_id, &r.nat_id)?;
        let rule = Dnat {
            proto: r.proto,
            eip: r.eip,
            eport: port("eport", &r.eport)?,
            pip: private_ip(&r.pip)?,
            pport: port("pport", &r.pport)?,
            description: r.description.unwrap_or_default(),
        };
        let rule = state.checked_rule(at, None, rule)?;
        state.vpcs[at.0].nat_gateways[at.1].rules.push(rule);
        Ok(AddDnaptRuleOutput::default())
    }
}

impl Model for ModifyDnaptRule {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let at = state.child::<NatGateway>(caller, &r.vpc_id, &r.nat_id)?;
        let gateway = &state.vpcs[at.0].nat_gateways[at.1];
        let i = find_rule(gateway, &r.old_proto, &r.old_eip, &r.old_eport, "oldEport")?;
        let old = &gateway.rules[i];
        let rule = Dnat {
            proto: r.proto.unwrap_or_else(|| old.proto.clone()),
            eip: r.eip.unwrap_or_else(|| old.eip.clone()),
            eport: r.eport.map_or(Ok(old.eport), |p| port("eport", &p))?,
            pip: r.pip.map_or(Ok(old.pip), |ip| private_ip(&ip))?,
            pport: r.pport.map_or(Ok(old.pport), |p| port("pport", &p))?,
            description: r.description.unwrap_or_else(|| old.description.clone()),
        };
        let rule = state.checked_rule(at, Some(i), rule)?;
        state.vpcs[at.0].nat_gateways[at.1].rules[i] = rule;
        Ok(ModifyDnaptRuleOutput::default())
    }
}

impl Model for DeleteDnaptRule {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, n) = state.child::<NatGateway>(caller, &r.vpc_id, &r.nat_id)?;
        let gateway = &mut state.vpcs[v].nat_gateways[n];
        let find = |d: &DeleteDnaptRuleDnatListParam| {
            find_rule(gateway, &d.proto, &d.eip, &d.eport, "dnatList.eport")
        };
        let doomed = r
            .dnat_list
            .iter()
            .map(find)
            .collect::<Result<Vec<usize>, _>>()?;
        let mut i = 0;
        gateway.rules.retain(|_| {
            i += 1;
            !doomed.contains(&(i - 1))
        });
        Ok(DeleteDnaptRuleOutput::default())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    /// Creates NAT gateway `name` in `vpc` with EIPs `eips`; returns its id.
    fn gateway(state: &mut State, vpc: &str, name: &str, eips: &[&str]) -> String {
        let mut pairs = vec![
            ("vpcId", vpc),
            ("natName", name),
            ("maxConcurrent", "1000000"),
        ];
        let keys: Vec<String> = (0..eips.len())
            .map(|i| format!("assignedEipSet.{i}"))
            .collect();
        pairs.extend(keys.iter().map(String::as_str).zip(eips.iter().copied()));
        ok(call(
            state,
            &caller(A, "gz"),
            "CreateNatGateway",
            &pairs,
            T0,
        ));
        let query = [("natName", name), ("vpcId", vpc)];
        let out = ok(call(
            state,
            &caller(A, "gz"),
            "DescribeNatGateway",
            &query,
            T0,
        ));
        out["data"][0]["natId"].as_str().expect("natId").to_owned()
    }

    /// An action, its parameters, and the codeDesc expected (or "ok").
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

    /// Runs each case in order.
    fn check(state: &mut State, cases: &[Case<'_>]) {
        for (action, pairs, expected) in cases {
            assert_eq!(
                outcome(state, action, pairs),
                *expected,
                "{action} {pairs:?}"
            );
        }
    }

    fn described(state: &mut State, nat: &str) -> Value {
        let out = ok(call(
            state,
            &caller(A, "gz"),
            "DescribeNatGateway",
            &[("natId", nat)],
            T0,
        ));
        out["data"][0].clone()
    }

    #[test]
    fn gateways_have_a_quota_names_and_distinct_eips() {
        let mut state = State::default();
        let vpc = create_vpc(&mut state, &caller(A, "gz"), "v", "10.0.0.0/16");
        let other = create_vpc(&mut state, &caller(A, "gz"), "w", "10.1.0.0/16");
        let nat = gateway(&mut state, &vpc, "n1", &["1.1.1.1"]);
        let create = |name: &'static str, eips: &[(&'static str, &'static str)]| {
            let mut pairs = vec![
                ("vpcId", vpc.as_str()),
                ("natName", name),
                ("maxConcurrent", "1000000"),
            ];
            pairs.extend_from_slice(eips);
            ("CreateNatGateway", pairs, "")
        };
        let with =
            |(action, pairs, _): (&'static str, Vec<_>, &str), expected| (action, pairs, expected);
        let on = |action, extra: &[(&'static str, &'static str)], expected| {
            let mut pairs = vec![("vpcId", vpc.as_str()), ("natId", nat.as_str())];
            pairs.extend_from_slice(extra);
            (action, pairs, expected)
        };
        let eip = |e| ("assignedEipSet.0", e);
        let auto = |n| ("autoAllocEipNum", n);
        check(
            &mut state,
            &[
                with(create("n1", &[eip("2.2.2.2")]), "InvalidNatGateway.InUse"),
                with(create("n2", &[]), "InvalidParameter"),
                with(create("n2", &[eip("not-an-eip")]), "InvalidParameter"),
                with(create("n2", &[eip("1.1.1.1")]), "InvalidEip.InUse"),
                with(create("n2", &[auto("11")]), "NatGatewayEipLimitExceeded"),
                with(create("n2", &[eip("eip-abcd1234"), auto("9")]), "ok"),
                with(create("n3", &[auto("1")]), "ok"),
                with(create("n4", &[auto("1")]), "NatGatewayLimitExceeded"),
                (
                    "CreateNatGateway",
                    vec![
                        ("vpcId", "vpc-none"),
                        ("natName", "x"),
                        ("maxConcurrent", "1000000"),
                        auto("1"),
                    ],
                    "InvalidVpc.NotFound",
                ),
                on(
                    "ModifyNatGateway",
                    &[("natName", "n2")],
                    "InvalidNatGateway.InUse",
                ),
                on(
                    "ModifyNatGateway",
                    &[("natName", "renamed"), ("bandwidth", "300")],
                    "ok",
                ),
                on(
                    "EipBindNatGateway",
                    &[eip("eip-abcd1234")],
                    "InvalidEip.InUse",
                ),
                on("EipBindNatGateway", &[eip("3.3.3.3"), auto("2")], "ok"),
                on(
                    "EipUnBindNatGateway",
                    &[eip("9.9.9.9")],
                    "InvalidEip.NotFound",
                ),
                on("EipUnBindNatGateway", &[eip("3.3.3.3")], "ok"),
                on("UpgradeNatGateway", &[("maxConcurrent", "3000000")], "ok"),
                (
                    "ModifyNatGateway",
                    vec![("vpcId", vpc.as_str()), ("natId", "nat-none")],
                    "InvalidNatGatewayId.NotFound",
                ),
            ],
        );
        // A gateway of another VPC is not found here.
        let elsewhere = [("vpcId", other.as_str()), ("natId", nat.as_str())];
        assert_eq!(
            outcome(&mut state, "DeleteNatGateway", &elsewhere),
            "InvalidNatGatewayId.NotFound"
        );
        let item = described(&mut state, &nat);
        assert_eq!(
            (
                &item["natName"],
                &item["bandwidth"],
                &item["maxConcurrent"],
                &item["eipCount"]
            ),
            (&json!("renamed"), &json!(300), &json!(3_000_000), &json!(3))
        );
        let eips: Vec<String> = serde_json::from_value(item["eipSet"].clone()).expect("eipSet");
        assert_eq!(eips[0], "1.1.1.1");
        assert!(eips[1..].iter().all(|e| e.starts_with("100.")), "{eips:?}");
        let unbind_all: Vec<(String, String)> = eips
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("assignedEipSet.{i}"), e.clone()))
            .collect();
        let mut pairs = vec![("vpcId", vpc.as_str()), ("natId", nat.as_str())];
        pairs.extend(unbind_all.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(
            outcome(&mut state, "EipUnBindNatGateway", &pairs),
            "NatGatewayEipNotEmpty"
        );
        let listed = ok(call(
            &mut state,
            &caller(A, "gz"),
            "DescribeVpcEx",
            &[("vpcId", &vpc)],
            T0,
        ));
        assert_eq!(listed["data"][0]["natNum"], 3);
        // B sees none of them.
        let out = ok(call(
            &mut state,
            &caller(B, "gz"),
            "DescribeNatGateway",
            &[],
            T0,
        ));
        assert_eq!(out["totalCount"], 0);
        assert_eq!(
            dump(&state, &caller(A, "gz"))["natGateways"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
    }

    #[test]
    fn dnat_rules_are_keyed_by_protocol_eip_and_port() {
        let mut state = State::default();
        let vpc = create_vpc(&mut state, &caller(A, "gz"), "v", "10.0.0.0/16");
        let nat = gateway(&mut state, &vpc, "n", &["1.1.1.1", "2.2.2.2"]);
        let rule = |action, fields: &[(&'static str, &'static str)], expected| {
            let mut pairs = vec![("vpcId", vpc.as_str()), ("natId", nat.as_str())];
            pairs.extend_from_slice(fields);
            (action, pairs, expected)
        };
        let add = |proto, eip, eport, pip, pport, expected| {
            rule(
                "AddDnaptRule",
                &[
                    ("proto", proto),
                    ("eip", eip),
                    ("eport", eport),
                    ("pip", pip),
                    ("pport", pport),
                ],
                expected,
            )
        };
        let long: &'static str = "d".repeat(101).leak();
        let old = [
            ("oldProto", "tcp"),
            ("oldEip", "1.1.1.1"),
            ("oldEport", "80"),
        ];
        let modify = |extra: &[(&'static str, &'static str)], expected| {
            rule("ModifyDnaptRule", &[&old[..], extra].concat(), expected)
        };
        check(
            &mut state,
            &[
                add("tcp", "1.1.1.1", "80", "10.0.1.5", "8080", "ok"),
                add("tcp", "1.1.1.1", "80", "10.0.1.6", "8080", "29152"),
                add("udp", "1.1.1.1", "80", "10.0.1.6", "8080", "ok"),
                add("tcp", "2.2.2.2", "80", "10.0.1.5", "8080", "-3327"),
                add("tcp", "3.3.3.3", "80", "10.0.1.7", "80", "-3325"),
                add("tcp", "2.2.2.2", "80", "10.9.1.7", "80", "-3326"),
                add("tcp", "2.2.2.2", "0", "10.0.1.7", "80", "InvalidParameter"),
                add("tcp", "2.2.2.2", "443", "10.0.1.7", "443", "ok"),
                rule(
                    "AddDnaptRule",
                    &[
                        ("proto", "tcp"),
                        ("eip", "2.2.2.2"),
                        ("eport", "1"),
                        ("pip", "10.0.1.8"),
                        ("pport", "1"),
                        ("description", long),
                    ],
                    "29151",
                ),
                modify(&[("eport", "443"), ("eip", "2.2.2.2")], "29152"),
                modify(&[("pport", "8081"), ("description", "web")], "ok"),
                modify(&[("eport", "81")], "ok"),
                modify(&[], "InvalidDnaptRule.NotFound"),
                rule(
                    "DeleteDnaptRule",
                    &[
                        ("dnatList.0.proto", "tcp"),
                        ("dnatList.0.eip", "1.1.1.1"),
                        ("dnatList.0.eport", "81"),
                        ("dnatList.1.proto", "tcp"),
                        ("dnatList.1.eip", "1.1.1.1"),
                        ("dnatList.1.eport", "9"),
                    ],
                    "InvalidDnaptRule.NotFound",
                ),
                rule(
                    "DeleteDnaptRule",
                    &[
                        ("dnatList.0.proto", "tcp"),
                        ("dnatList.0.eip", "1.1.1.1"),
                        ("dnatList.0.eport", "81"),
                    ],
                    "ok",
                ),
                // The freed key can be used again; unbinding an EIP takes its rules.
                add("tcp", "1.1.1.1", "81", "10.0.1.9", "81", "ok"),
                rule(
                    "EipUnBindNatGateway",
                    &[("assignedEipSet.0", "1.1.1.1")],
                    "ok",
                ),
                add("tcp", "1.1.1.1", "82", "10.0.1.9", "82", "-3325"),
            ],
        );
        let rules = &state.vpcs[0].nat_gateways[0].rules;
        let keys: Vec<(&str, &str, u16)> = rules.iter().map(super::Dnat::key).collect();
        assert_eq!(keys, [("tcp", "2.2.2.2", 443)]);
    }

    #[test]
    fn routes_through_a_gateway_and_deleting_it() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = create_vpc(&mut state, &a, "v", "10.0.0.0/16");
        let other = create_vpc(&mut state, &a, "w", "10.1.0.0/16");
        let nat = gateway(&mut state, &vpc, "n", &["1.1.1.1"]);
        let foreign = gateway(&mut state, &other, "m", &["2.2.2.2"]);
        let tables = ok(call(
            &mut state,
            &a,
            "DescribeRouteTable",
            &[("vpcId", &vpc)],
            T0,
        ));
        let table = tables["data"][0]["unRouteTableId"]
            .as_str()
            .expect("an id")
            .to_owned();
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                "CreateRoute",
                "nat-none",
                "8",
                "InvalidRouteNextHub.NotFound",
            ),
            (
                "CreateRoute",
                foreign.as_str(),
                "8",
                "InvalidRouteNextHub.NotFound",
            ),
            (
                "CreateRouteTable",
                "nat-none",
                "8",
                "InvalidRouteNextHub.NotFound",
            ),
            (
                "ModifyRouteTableAttribute",
                foreign.as_str(),
                "8",
                "InvalidRouteNextHub.NotFound",
            ),
            ("CreateRouteTable", nat.as_str(), "8", "ok"),
            ("CreateRoute", nat.as_str(), "8", "ok"),
        ];
        for &(action, hub, next_type, expected) in cases {
            let target = if action == "CreateRouteTable" {
                ("routeTableName", "t")
            } else {
                ("routeTableId", table.as_str())
            };
            let pairs = [
                ("vpcId", vpc.as_str()),
                target,
                ("routeSet.0.destinationCidrBlock", "0.0.0.0/0"),
                ("routeSet.0.nextType", next_type),
                ("routeSet.0.nextHub", hub),
            ];
            assert_eq!(
                outcome(&mut state, action, &pairs),
                expected,
                "{action} {hub}"
            );
        }
        let route_count = |state: &mut State| {
            let out = ok(call(
                state,
                &a,
                "DescribeRouteTable",
                &[("vpcId", &vpc)],
                T0,
            ));
            let tables = out["data"].as_array().expect("data").clone();
            tables
                .iter()
                .map(|t| t["routeSet"].as_array().map_or(0, Vec::len) - 1)
                .sum::<usize>()
        };
        assert_eq!(route_count(&mut state), 2);
        // A VPC with a gateway cannot be deleted; deleting the gateway takes its routes.
        assert_eq!(
            outcome(&mut state, "DeleteVpc", &[("vpcId", &vpc)]),
            "InvalidVpc.CannotDelete"
        );
        let ids = [("vpcId", vpc.as_str()), ("natId", nat.as_str())];
        let out = ok(call(&mut state, &a, "DeleteNatGateway", &ids, T0));
        assert!(out["taskId"].is_i64(), "{out}");
        assert_eq!(route_count(&mut state), 0);
        assert_eq!(
            outcome(&mut state, "DeleteNatGateway", &ids),
            "InvalidNatGatewayId.NotFound"
        );
        assert_eq!(outcome(&mut state, "DeleteVpc", &[("vpcId", &vpc)]), "ok");
    }

    #[test]
    fn bills_report_their_orders_and_prices_follow_the_size() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = create_vpc(&mut state, &a, "v", "10.0.0.0/16");
        let pairs = [
            ("vpcId", vpc.as_str()),
            ("natName", "n"),
            ("maxConcurrent", "1000000"),
            ("autoAllocEipNum", "1"),
        ];
        let out = ok(call(&mut state, &a, "CreateNatGateway", &pairs, T0));
        let bill = out["billId"].as_str().expect("billId").to_owned();
        assert_eq!(bill.len(), 32, "{bill}");
        let status = |state: &mut State, bill: &str| match call(
            state,
            &a,
            "QueryNatGatewayProductionStatus",
            &[("billId", bill)],
            T0,
        ) {
            Ok(out) => out["data"]["status"].as_i64().expect("status").to_string(),
            Err(e) => e.code_desc,
        };
        // Running once, then done; another account's or a made-up bill is unknown.
        assert_eq!(status(&mut state, &bill), "2");
        assert_eq!(status(&mut state, &bill), "0");
        assert_eq!(
            err_desc(call(
                &mut state,
                &caller(B, "gz"),
                "QueryNatGatewayProductionStatus",
                &[("billId", &bill)],
                T0
            )),
            "InvalidBillId.NotFound"
        );
        assert_eq!(status(&mut state, "12345"), "InvalidBillId.NotFound");
        let price = |state: &mut State, size: &str| {
            let out = ok(call(
                state,
                &a,
                "InquiryNatPrice",
                &[("maxConcurrent", size)],
                T0,
            ));
            out["data"][0]["price"].as_str().expect("price").to_owned()
        };
        let prices: Vec<String> = ["1000000", "3000000", "10000000", "1"]
            .iter()
            .map(|s| price(&mut state, s))
            .collect();
        assert_eq!(prices, ["0.50", "1.50", "5.00", "0.01"]);
        assert_eq!(
            outcome(&mut state, "InquiryNatPrice", &[("maxConcurrent", "0")]),
            "InvalidParameter"
        );
    }
}
