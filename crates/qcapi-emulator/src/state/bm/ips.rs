//! Addresses held in bare-metal subnets (ApplyIps, RegisterBatchIp, ReturnIps,
//! DescribeBmSubnetIps), by analogy with a network interface's private IPs.

use std::net::Ipv4Addr;

use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(ApplyIps::run)
        .add(RegisterBatchIp::run)
        .add(ReturnIps::run)
        .read::<DescribeBmSubnetIps>();
}

/// An address held in a subnet, with the class it was asked for as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct HeldIp {
    pub(super) ip: Ipv4Addr,
    class: String,
}

/// Holds `ips` in subnet `s` of VPC `v`, in address order.
fn hold(state: &mut State, (v, s): (usize, usize), ips: &[Ipv4Addr], class: Option<String>) {
    let held = &mut state.bm_vpcs[v].subnets[s].ips;
    let class = class.unwrap_or_default();
    held.extend(ips.iter().map(|&ip| HeldIp {
        ip,
        class: class.clone(),
    }));
    held.sort_by_key(|h| h.ip);
}

impl Model for ApplyIps {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, s) = state.bm_subnet(caller, r.vpc_id.as_deref(), r.subnet_id.as_deref())?;
        let wanted = number("count", r.count.as_deref())?.filter(|n| *n > 0);
        let wanted =
            wanted.ok_or_else(|| Failure::invalid_parameter("`count` must be at least 1"))?;
        let subnet = &state.bm_vpcs[v].subnets[s];
        let taken = |ip: &u32| !subnet.ips.iter().any(|h| u32::from(h.ip) == *ip);
        let free = subnet.subnet.cidr.assignable().filter(taken);
        let ips: Vec<Ipv4Addr> = free
            .take(usize::try_from(wanted).unwrap_or(usize::MAX))
            .map(Ipv4Addr::from)
            .collect();
        if count(ips.len()) < wanted {
            let message = format!(
                "the subnet has {} free addresses, {wanted} wanted",
                ips.len()
            );
            return Err(Failure::business(
                ErrorCode::ResourceInsufficientSubnet,
                message,
            ));
        }
        hold(state, (v, s), &ips, r.ip_class);
        Ok(ApplyIpsOutput {
            ips: Some(ips.iter().map(Ipv4Addr::to_string).collect()),
            ..Default::default()
        })
    }
}

impl Model for RegisterBatchIp {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, s) = state.bm_subnet(caller, r.vpc_id.as_deref(), r.subnet_id.as_deref())?;
        let list = r.ip_list.unwrap_or_default();
        if list.is_empty() {
            return Err(Failure::invalid_parameter("`ipList` must name an address"));
        }
        let subnet = &state.bm_vpcs[v].subnets[s];
        let mut ips: Vec<Ipv4Addr> = Vec::new();
        for text in &list {
            let ip = text.parse::<Ipv4Addr>().ok();
            let Some(ip) =
                ip.filter(|ip| subnet.subnet.cidr.assignable().contains(&u32::from(*ip)))
            else {
                let message = format!(
                    "`{text}` is not an assignable address of {}",
                    subnet.subnet.cidr
                );
                return Err(Failure::invalid_parameter(message));
            };
            if ips.contains(&ip) || subnet.ips.iter().any(|h| h.ip == ip) {
                let message = format!("address {ip} is already held in the subnet");
                return Err(Failure::business(
                    ErrorCode::InvalidPrivateIpAddressInUse,
                    message,
                ));
            }
            ips.push(ip);
        }
        hold(state, (v, s), &ips, r.ip_class);
        Ok(RegisterBatchIpOutput::default())
    }
}

impl Model for ReturnIps {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let v = state.bm_vpc(caller, r.vpc_id.as_deref())?;
        let ips = r.ips.unwrap_or_default();
        if ips.is_empty() {
            return Err(Failure::invalid_parameter("`ips` must name an address"));
        }
        let subnets = &mut state.bm_vpcs[v].subnets;
        let held = |text: &String| {
            subnets
                .iter()
                .flat_map(|s| &s.ips)
                .any(|h| h.ip.to_string() == *text)
        };
        if let Some(text) = ips.iter().find(|t| !held(t)) {
            let message = format!("address `{text}` is not held in the bare-metal VPC");
            return Err(Failure::business(
                ErrorCode::InvalidPrivateIpAddressNotFound,
                message,
            ));
        }
        for subnet in subnets.iter_mut() {
            subnet.ips.retain(|h| !ips.contains(&h.ip.to_string()));
        }
        Ok(ReturnIpsOutput::default())
    }
}

impl Listed for DescribeBmSubnetIps {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let (v, s) = state.bm_subnet(caller, r.vpc_id.as_deref(), r.subnet_id.as_deref())?;
        let subnet = &state.bm_vpcs[v].subnets[s];
        let data = subnet.ips.iter().map(|h| DescribeBmSubnetIpsData {
            ip: Some(h.ip.to_string()),
            ip_class: Some(h.class.clone()),
        });
        let free = count(subnet.subnet.cidr.assignable().count()) - count(subnet.ips.len());
        Ok(DescribeBmSubnetIpsOutput {
            total_count: Some(count(subnet.ips.len())),
            available_ip_num: Some(free),
            data: Some(data.collect()),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::testing::*;

    #[test]
    fn subnets_hold_addresses_until_returned() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let vpc = state
            .create_bm_vpc(&a, "bm", "10.0.0.0/16", T0)
            .expect("seeded");
        let pairs = [
            ("vpcId", vpc.as_str()),
            ("subnetSet.0.subnetName", "s"),
            ("subnetSet.0.cidrBlock", "10.0.1.0/28"),
        ];
        let out = ok(call(&mut state, &a, "CreateBmSubnet", &pairs, T0));
        let subnet = out["subnetSet"][0]["unSubnetId"]
            .as_str()
            .expect("an id")
            .to_owned();
        let on = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = vec![("vpcId", vpc.as_str()), ("subnetId", subnet.as_str())];
            pairs.extend_from_slice(extra);
            pairs
        };
        // A /28 has 13 assignable addresses: .2 to .14.
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case<'_>] = &[
            ("ApplyIps", &[("count", "0")], "InvalidParameter"),
            (
                "ApplyIps",
                &[("count", "14")],
                "ResourceInsufficient.Subnet",
            ),
            (
                "RegisterBatchIp",
                &[("ipList.0", "10.0.1.3"), ("ipClass", "vm")],
                "ok",
            ),
            ("ApplyIps", &[("count", "2")], "ok"),
            (
                "RegisterBatchIp",
                &[("ipList.0", "10.0.1.2")],
                "InvalidPrivateIpAddress.InUse",
            ),
            (
                "RegisterBatchIp",
                &[("ipList.0", "10.0.1.15")],
                "InvalidParameter",
            ),
            (
                "RegisterBatchIp",
                &[("ipList.0", "10.0.1.6"), ("ipList.1", "10.0.1.6")],
                "InvalidPrivateIpAddress.InUse",
            ),
            ("DeleteBmSubnet", &[], "InvalidSubnet.CannotDelete"),
            (
                "ApplyIps",
                &[("count", "11")],
                "ResourceInsufficient.Subnet",
            ),
        ];
        for &(action, extra, expected) in cases {
            assert_eq!(
                outcome(&mut state, action, &on(extra)),
                expected,
                "{action} {extra:?}"
            );
        }
        let described =
            |state: &mut State| ok(call(state, &a, "DescribeBmSubnetIps", &on(&[]), T0));
        let out = described(&mut state);
        let ips: Vec<&str> = out["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|d| d["ip"].as_str())
            .collect();
        assert_eq!(ips, ["10.0.1.2", "10.0.1.3", "10.0.1.4"]);
        assert_eq!(
            (&out["availableIpNum"], &out["data"][1]["ipClass"]),
            (&json!(10), &json!("vm"))
        );
        fn give_back<'a>(vpc: &'a str, list: &[&'a str]) -> Vec<(&'a str, &'a str)> {
            let mut pairs = vec![("vpcId", vpc)];
            pairs.extend(list.iter().map(|ip| ("ips.0", *ip)));
            pairs
        }
        assert_eq!(
            outcome(&mut state, "ReturnIps", &give_back(&vpc, &["10.0.1.6"])),
            "InvalidPrivateIpAddress.NotFound"
        );
        assert_eq!(
            outcome(&mut state, "ReturnIps", &give_back(&vpc, &[])),
            "InvalidParameter"
        );
        for ip in ips.iter().map(|ip| (*ip).to_owned()).collect::<Vec<_>>() {
            assert_eq!(
                outcome(&mut state, "ReturnIps", &give_back(&vpc, &[&ip])),
                "ok"
            );
        }
        assert_eq!(described(&mut state)["totalCount"], 0);
        assert_eq!(outcome(&mut state, "DeleteBmSubnet", &on(&[])), "ok");
    }
}
