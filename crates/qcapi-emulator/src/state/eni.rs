//! Elastic network interfaces: create, list, modify and delete, their
//! secondary private IPs, and their attachment to CVMs. Addresses come from the
//! subnet's block, lowest free first, so allocation is deterministic. Create,
//! delete, the IP and the attachment actions are asynchronous: their checks are
//! synchronous, the change is immediate, and the returned task succeeds.
//!
//! CVMs are not modelled yet: a well-formed instance id (`ins-` and 8 lowercase
//! letters or digits) names a CVM, and an interface remembers the one it is
//! attached to.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use qcapi_core::vpc::*;

use super::table::{Handlers, Listed, Listing, Model, Now, Order, check_new_name};
use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateNetworkInterface::run)
        .add(ModifyNetworkInterface::run)
        .add(DeleteNetworkInterface::run)
        .add(AssignPrivateIpAddresses::run)
        .add(UnassignPrivateIpAddresses::run)
        .add(AttachNetworkInterface::run)
        .add(DetachNetworkInterface::run)
        .add(MigrateNetworkInterface::run)
        .add(MigratePrivateIpAddress::run)
        .listing("networkInterfaces", || {
            DescribeNetworkInterfaces::new().limit(i64::MAX)
        });
}

/// An elastic network interface in one subnet of its VPC. ENIs only have unified ids.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Eni {
    pub(super) head: Head,
    description: String,
    /// Old-style id of its subnet.
    pub(super) subnet_id: String,
    /// Security groups as sent (security groups are not modelled).
    sg_ids: Vec<String>,
    /// Its private addresses inside the subnet, the primary one first (it
    /// cannot be unassigned, so it stays first).
    ips: Vec<Ipv4Addr>,
    /// The CVM it is attached to, and since when.
    #[serde(default)]
    attachment: Option<(String, Now)>,
}

impl Eni {
    fn instance(&self) -> Option<&str> {
        self.attachment.as_ref().map(|(id, _)| id.as_str())
    }
}

table::resource! {
    Eni "network interface" in enis,
    InvalidNetworkInterfaceNotFound, InvalidNetworkInterfaceName, InvalidNetworkInterfaceInUse
}

/// A locally administered-looking MAC in Tencent's `20:90:6f` prefix, from the serial.
fn mac_address(serial: u64) -> String {
    let b = serial.to_be_bytes();
    format!("20:90:6f:{:02x}:{:02x}:{:02x}", b[5], b[6], b[7])
}

/// Reads an address the spec only knows as a string.
pub(super) fn address(parameter: &str, text: &str) -> Result<Ipv4Addr, Failure> {
    let message = || format!("parameter `{parameter}` must be an IPv4 address, got `{text}`");
    text.parse()
        .map_err(|_| Failure::invalid_parameter(message()))
}

/// Reads `privateIpAddressSet` items, given as (address, primary) pairs; the
/// primary ones come first.
fn explicit_ips<'r>(
    items: impl IntoIterator<Item = (&'r str, bool)>,
) -> Result<Vec<(Ipv4Addr, bool)>, Failure> {
    let read = |(i, (text, primary))| {
        let parameter = format!("privateIpAddressSet.{i}.privateIpAddress");
        Ok((address(&parameter, text)?, primary))
    };
    let mut ips: Vec<(Ipv4Addr, bool)> = items
        .into_iter()
        .enumerate()
        .map(read)
        .collect::<Result<_, _>>()?;
    ips.sort_by_key(|&(_, primary)| !primary);
    Ok(ips)
}

/// `secondaryPrivateIpAddressCount`, default 0 (the spec sets no minimum).
fn secondary_count(count: Option<i64>) -> Result<usize, Failure> {
    let n = count.unwrap_or(0);
    let message =
        || format!("parameter `secondaryPrivateIpAddressCount` must not be negative, got {n}");
    usize::try_from(n).map_err(|_| Failure::invalid_parameter(message()))
}

/// The addresses that interfaces and VIPs hold in subnet `subnet_id` (old-style).
pub(super) fn held_ips<'v>(vpc: &'v Vpc, subnet_id: &'v str) -> impl Iterator<Item = &'v Ipv4Addr> {
    let enis = vpc.enis.iter().filter(move |e| e.subnet_id == subnet_id);
    let vips = vpc.vips.iter().filter(move |x| x.subnet_id == subnet_id);
    enis.flat_map(|e| &e.ips).chain(vips.map(|x| &x.address))
}

/// Checks the `explicit` addresses (assignable in `subnet`, free, distinct)
/// and picks `count` more, lowest free first. Returns them in that order.
pub(super) fn pick_ips(
    vpc: &Vpc,
    subnet: &Subnet,
    explicit: impl IntoIterator<Item = Ipv4Addr>,
    count: usize,
) -> Result<Vec<Ipv4Addr>, Failure> {
    let range = subnet.cidr.assignable();
    let mut used: BTreeSet<Ipv4Addr> = held_ips(vpc, &subnet.head.id).copied().collect();
    let (subnet_id, cidr) = (&subnet.head.un_id, subnet.cidr);
    let mut picked = Vec::new();
    for address in explicit {
        if !range.contains(&u32::from(address)) {
            return Err(Failure::invalid_parameter(format!(
                "`{address}` is not an assignable address of subnet {subnet_id} ({cidr})"
            )));
        }
        if !used.insert(address) {
            return Err(Failure::business(
                ErrorCode::InvalidPrivateIpAddressInUse,
                format!("`{address}` is already in use"),
            ));
        }
        picked.push(address);
    }
    let explicit_count = picked.len();
    let free = range.map(Ipv4Addr::from).filter(|a| !used.contains(a));
    picked.extend(free.take(count));
    let free = picked.len() - explicit_count;
    if free < count {
        return Err(Failure::business(
            ErrorCode::ResourceInsufficientSubnet,
            format!("subnet {subnet_id} ({cidr}) has {free} free addresses, {count} wanted"),
        ));
    }
    Ok(picked)
}

impl Listed for DescribeNetworkInterfaces {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let found = state.children::<Eni>(caller, r.vpc_id.as_deref())?;
        let in_subnet = |v: &Vpc, e: &Eni, id: &str| {
            let subnet = v.subnets.iter().find(|s| s.head.id == e.subnet_id);
            subnet.is_some_and(|s| s.head.has_id(id))
        };
        let matching = found.into_iter().filter(|(v, e)| {
            r.instance_id
                .as_deref()
                .is_none_or(|id| e.instance() == Some(id))
                && (r.eni_description.as_deref()).is_none_or(|d| e.description.contains(d))
                && r.sg_id.as_ref().is_none_or(|g| e.sg_ids.contains(g))
                && r.subnet_id.as_deref().is_none_or(|id| in_subnet(v, e, id))
        });
        let listing = Listing {
            id: r.network_interface_id.as_deref(),
            name: r.eni_name.as_deref(),
            order: Order::by(r.order_field.as_deref(), "eniName"),
            // The documented default direction is descending.
            order_direction: Some(r.order_direction.as_deref().unwrap_or("desc")),
            ..Listing::page_of(r)
        };
        let (total, page) = listing.page(matching, |(_, e)| *e);
        Ok(DescribeNetworkInterfacesOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(|(v, e)| eni_item(v, e)).collect()),
            ..Default::default()
        })
    }
}

fn eni_item(vpc: &Vpc, e: &Eni) -> DescribeNetworkInterfacesData {
    let subnet = vpc.subnets.iter().find(|s| s.head.id == e.subnet_id);
    let ip_item =
        |(i, ip): (usize, &Ipv4Addr)| DescribeNetworkInterfacesDataPrivateIpAddressesSet {
            private_ip_address: Some(ip.to_string()),
            primary: Some(i == 0),
            wan_ip: Some(String::new()),
            eip_id: Some(String::new()),
            description: Some(String::new()),
        };
    let instance_item = |(id, since): &(String, Now)| DescribeNetworkInterfacesDataInstanceSet {
        instance_id: Some(id.clone()),
        attach_time: Some(format_datetime(*since)),
    };
    let group_item = |id: &String| DescribeNetworkInterfacesDataGroupSet {
        sg_id: Some(id.clone()),
        sg_name: Some(String::new()),
    };
    DescribeNetworkInterfacesData {
        vpc_id: Some(vpc.head.un_id.clone()),
        vpc_name: Some(vpc.head.name.clone()),
        subnet_id: Some(subnet.map(|s| s.head.un_id.clone()).unwrap_or_default()),
        zone_id: Some(subnet.map_or(0, |s| s.zone_id)),
        network_interface_id: Some(e.head.id.clone()),
        eni_name: Some(e.head.name.clone()),
        eni_description: Some(e.description.clone()),
        // Whether it is a CVM's primary interface; the emulator's ENIs are secondary ones.
        primary: Some(false),
        mac_address: Some(mac_address(e.head.serial)),
        create_time: Some(format_datetime(e.head.created)),
        private_ip_addresses_set: Some(e.ips.iter().enumerate().map(ip_item).collect()),
        instance_set: Some(e.attachment.iter().map(instance_item).collect()),
        group_set: Some(e.sg_ids.iter().map(group_item).collect()),
    }
}

impl Model for CreateNetworkInterface {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let (v, s) = state.child::<Subnet>(caller, &r.vpc_id, &r.subnet_id)?;
        let vpc = &state.vpcs[v];
        check_new_name(&vpc.enis, &r.eni_name, None, "the VPC")?;
        let what = "network interfaces of a VPC";
        let code = ErrorCode::NetworkInterfaceLimitExceeded;
        state.within("57", (vpc.enis.len(), 1), code, what)?;
        let set = r.private_ip_address_set.iter().flatten();
        let explicit = explicit_ips(set.map(|ip| (ip.private_ip_address.as_str(), ip.primary)))?;
        let primaries = explicit.iter().filter(|(_, primary)| *primary).count();
        if primaries > 1 {
            return Err(Failure::invalid_parameter(format!(
                "`privateIpAddressSet` marks {primaries} addresses primary; an interface has one"
            )));
        }
        // Without an explicit primary the lowest free address becomes it.
        let extra = secondary_count(r.secondary_private_ip_address_count)?
            .saturating_add(usize::from(primaries == 0));
        let subnet = &vpc.subnets[s];
        let mut ips = pick_ips(vpc, subnet, explicit.iter().map(|&(ip, _)| ip), extra)?;
        if primaries == 0 {
            // The first automatic address moves to the front, as the primary one.
            ips[..=explicit.len()].rotate_right(1);
        }
        let eni = Eni {
            subnet_id: subnet.head.id.clone(),
            head: state.head("eni", None, r.eni_name, now),
            description: r.eni_description.unwrap_or_default(),
            sg_ids: r.sg_ids.unwrap_or_default(),
            ips,
            attachment: None,
        };
        // Task outputs are free-form JSON in the spec (DescribeVpcTaskResult's `output`).
        let output = json!({ "networkInterfaceId": eni.head.id });
        state.vpcs[v].enis.push(eni);
        Ok(CreateNetworkInterfaceOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(output))),
            ..Default::default()
        })
    }
}

impl Model for ModifyNetworkInterface {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, e) = state.child::<Eni>(caller, &r.vpc_id, &r.network_interface_id)?;
        let enis = &mut state.vpcs[v].enis;
        if let Some(name) = &r.eni_name {
            check_new_name(enis.iter(), name, Some(e), "the VPC")?;
        }
        let eni = &mut enis[e];
        if let Some(name) = r.eni_name {
            eni.head.name = name;
        }
        if let Some(description) = r.eni_description {
            eni.description = description;
        }
        Ok(ModifyNetworkInterfaceOutput::default())
    }
}

/// A succeeding task without output, for the asynchronous actions.
fn task(state: &mut State, caller: &Caller) -> Option<i64> {
    Some(state.new_task(&caller.uin, Ok(json!({}))))
}

/// Deletes a detached interface at once, with its flow logs, and releases its addresses.
impl Model for DeleteNetworkInterface {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, e) = state.child::<Eni>(caller, &r.vpc_id, &r.network_interface_id)?;
        if let Some(instance) = state.vpcs[v].enis[e].instance() {
            let message = format!("`{}` is attached to `{instance}`", r.network_interface_id);
            let code = ErrorCode::InvalidNetworkInterfaceCanNotDelete;
            return Err(Failure::business(code, message));
        }
        let vpc = &mut state.vpcs[v];
        let gone = vpc.enis.remove(e);
        vpc.drop_flow_logs_on(&gone.head.un_id);
        Ok(DeleteNetworkInterfaceOutput {
            task_id: task(state, caller),
            ..Default::default()
        })
    }
}

impl Model for AssignPrivateIpAddresses {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, e) = state.child::<Eni>(caller, &r.vpc_id, &r.network_interface_id)?;
        let set = r.private_ip_address_set.iter().flatten();
        let explicit = explicit_ips(set.map(|ip| (ip.private_ip_address.as_str(), ip.primary)))?;
        if let Some((ip, _)) = explicit.iter().find(|(_, primary)| *primary) {
            return Err(Failure::invalid_parameter(format!(
                "`{ip}` cannot be primary: the interface already has its primary address"
            )));
        }
        let count = secondary_count(r.secondary_private_ip_address_count)?;
        if explicit.is_empty() && count == 0 {
            return Err(Failure::invalid_parameter(
                "give `privateIpAddressSet` or a positive `secondaryPrivateIpAddressCount`",
            ));
        }
        // DeleteSubnet refuses while the subnet holds interfaces, so this finds it.
        let subnet_id = state.vpcs[v].enis[e].subnet_id.clone();
        let (_, s) = state.child::<Subnet>(caller, &r.vpc_id, &subnet_id)?;
        let vpc = &state.vpcs[v];
        let added = pick_ips(
            vpc,
            &vpc.subnets[s],
            explicit.into_iter().map(|(ip, _)| ip),
            count,
        )?;
        let output = json!({
            "privateIpAddressSet": added.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        state.vpcs[v].enis[e].ips.extend(added);
        Ok(AssignPrivateIpAddressesOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(output))),
            ..Default::default()
        })
    }
}

impl Model for UnassignPrivateIpAddresses {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, e) = state.child::<Eni>(caller, &r.vpc_id, &r.network_interface_id)?;
        let eni = &state.vpcs[v].enis[e];
        // The spec requires the list, so it holds at least one address.
        let mut doomed: Vec<Ipv4Addr> = Vec::new();
        for (i, text) in r.private_ip_address.iter().enumerate() {
            let address = address(&format!("privateIpAddress.{i}"), text)?;
            secondary(eni, address)?;
            doomed.push(address);
        }
        state.vpcs[v].enis[e].ips.retain(|ip| !doomed.contains(ip));
        Ok(UnassignPrivateIpAddressesOutput {
            task_id: task(state, caller),
            ..Default::default()
        })
    }
}

/// The position of `address` among the secondary addresses of `eni`.
fn secondary(eni: &Eni, address: Ipv4Addr) -> Result<usize, Failure> {
    let (code, what) = match eni.ips.iter().position(|&ip| ip == address) {
        None => (ErrorCode::InvalidPrivateIpAddressNotFound, "not an address"),
        Some(0) => (ErrorCode::InvalidPrivateipIsPrimary, "the primary address"),
        Some(i) => return Ok(i),
    };
    let message = format!("`{address}` is {what} of `{}`", eni.head.id);
    Err(Failure::business(code, message))
}

/// Checks that `id` is a well-formed CVM id, the only check the emulator can make.
fn check_instance(id: &str) -> Result<(), Failure> {
    let suffix = id.strip_prefix("ins-").unwrap_or_default();
    let digit_or_lower = |b: u8| b.is_ascii_digit() || b.is_ascii_lowercase();
    if suffix.len() == 8 && suffix.bytes().all(digit_or_lower) {
        return Ok(());
    }
    let message =
        format!("CVM `{id}` not found (an id is `ins-` and 8 lowercase letters or digits)");
    Err(Failure::business(
        ErrorCode::InvalidInstanceNotFound,
        message,
    ))
}

/// Moves interface `eni_id` of VPC `vpc_id` from CVM `from` (`None`: it must
/// be detached) to CVM `to` (`None`: detaches it), as Attach, Detach and Migrate do.
fn reattach(
    state: &mut State,
    caller: &Caller,
    (vpc_id, eni_id): (&str, &str),
    from: Option<&str>,
    to: Option<&str>,
    now: Now,
) -> Result<Option<i64>, Failure> {
    let (v, e) = state.child::<Eni>(caller, vpc_id, eni_id)?;
    from.into_iter().chain(to).try_for_each(check_instance)?;
    let eni = &mut state.vpcs[v].enis[e];
    let refusal = match (eni.instance(), from) {
        (current, Some(from)) if current != Some(from) => Some((
            ErrorCode::InvalidNetworkInterfaceNotAttached,
            format!("is not attached to `{from}`"),
        )),
        (Some(current), None) => Some((
            ErrorCode::InvalidNetworkInterfaceAlreadyAssociated,
            format!("is already attached to `{current}`"),
        )),
        _ if to.is_some() && to == from => Some((
            ErrorCode::InvalidNetworkInterfaceAlreadyAssociated,
            "is already attached to the target CVM".to_owned(),
        )),
        _ => None,
    };
    if let Some((code, what)) = refusal {
        return Err(Failure::business(code, format!("`{eni_id}` {what}")));
    }
    eni.attachment = to.map(|id| (id.to_owned(), now));
    Ok(task(state, caller))
}

impl Model for AttachNetworkInterface {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let ids = (r.vpc_id.as_str(), r.network_interface_id.as_str());
        let task_id = reattach(state, caller, ids, None, Some(&r.instance_id), now)?;
        Ok(AttachNetworkInterfaceOutput {
            task_id,
            ..Default::default()
        })
    }
}

impl Model for DetachNetworkInterface {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let ids = (r.vpc_id.as_str(), r.network_interface_id.as_str());
        let task_id = reattach(state, caller, ids, Some(&r.instance_id), None, now)?;
        Ok(DetachNetworkInterfaceOutput {
            task_id,
            ..Default::default()
        })
    }
}

impl Model for MigrateNetworkInterface {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let ids = (r.vpc_id.as_str(), r.network_interface_id.as_str());
        let (from, to) = (
            Some(r.old_instance_id.as_str()),
            Some(r.new_instance_id.as_str()),
        );
        let task_id = reattach(state, caller, ids, from, to, now)?;
        Ok(MigrateNetworkInterfaceOutput {
            task_id,
            ..Default::default()
        })
    }
}

/// Moves a secondary address between two interfaces of one subnet; it becomes
/// the last address of the new one.
impl Model for MigratePrivateIpAddress {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let vpc_id = r.vpc_id.as_str();
        let (v, old) = state.child::<Eni>(caller, vpc_id, &r.old_network_interface_id)?;
        let (_, new) = state.child::<Eni>(caller, vpc_id, &r.new_network_interface_id)?;
        let address = address("privateIpAddress", &r.private_ip_address)?;
        let enis = &mut state.vpcs[v].enis;
        let i = secondary(&enis[old], address)?;
        let (from, to) = (&enis[old], &enis[new]);
        if old == new {
            let message = format!("`{address}` is already an address of `{}`", to.head.id);
            return Err(Failure::invalid_parameter(message));
        }
        if from.subnet_id != to.subnet_id {
            let (a, b) = (&from.head.id, &to.head.id);
            let message = format!("`{a}` and `{b}` are in different subnets");
            let code = ErrorCode::InvalidNetworkInterfaceSubnetMismatch;
            return Err(Failure::business(code, message));
        }
        let moved = enis[old].ips.remove(i);
        enis[new].ips.push(moved);
        Ok(MigratePrivateIpAddressOutput {
            task_id: task(state, caller),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    /// The private addresses (primary first) and id of A's only interface whose name contains `name`.
    fn eni_by_name(state: &mut State, name: &str) -> (String, Vec<String>) {
        let out = ok(call(
            state,
            &caller(A, "gz"),
            "DescribeNetworkInterfaces",
            &[("eniName", name)],
            T0,
        ));
        assert_eq!(out["totalCount"], 1, "{name}: {out}");
        let item = &out["data"][0];
        let ips = item["privateIpAddressesSet"]
            .as_array()
            .expect("addresses")
            .iter()
            .map(|ip| {
                let text = ip["privateIpAddress"].as_str().expect("an address");
                let primary = ip["primary"].as_bool().expect("a flag");
                format!("{text}{}", if primary { "*" } else { "" })
            })
            .collect();
        let id = item["networkInterfaceId"].as_str().expect("an id");
        (id.to_owned(), ips)
    }

    #[test]
    fn eni_addresses_are_allocated_in_the_subnet() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet) = vpc_with_subnet(&mut state); // 10.0.1.0/24
        let tiny = ok(call(
            &mut state,
            &a,
            "CreateSubnet",
            &[
                ("vpcId", &vpc),
                ("subnetSet.0.subnetName", "tiny"),
                ("subnetSet.0.cidrBlock", "10.0.2.0/28"),
                ("subnetSet.0.zoneId", "100004"),
            ],
            T0,
        ))["subnetSet"][0]["unSubnetId"]
            .as_str()
            .expect("an id")
            .to_owned();
        let base = |subnet: &str, name: &str| -> Vec<(String, String)> {
            vec![
                ("vpcId".into(), vpc.clone()),
                ("subnetId".into(), subnet.to_owned()),
                ("eniName".into(), name.to_owned()),
            ]
        };
        let with = |mut pairs: Vec<(String, String)>, extra: &[(&str, &str)]| {
            pairs.extend(
                extra
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
            );
            pairs
        };
        let ip = |address: &str, primary: &str| -> Vec<(String, String)> {
            vec![
                (
                    "privateIpAddressSet.0.privateIpAddress".into(),
                    address.to_owned(),
                ),
                ("privateIpAddressSet.0.primary".into(), primary.to_owned()),
            ]
        };
        let count = |n: &'static str| ("secondaryPrivateIpAddressCount", n);
        type Pairs = Vec<(String, String)>;
        let cases: Vec<(Pairs, &str)> = vec![
            (base(&subnet, "alpha"), "ok"),
            (with(base(&subnet, "bravo"), &[count("2")]), "ok"),
            // An explicit secondary: the lowest free address becomes the primary.
            (
                with(
                    [base(&subnet, "charlie"), ip("10.0.1.9", "false")].concat(),
                    &[],
                ),
                "ok",
            ),
            (base(&subnet, "alpha"), "InvalidNetworkInterface.InUse"),
            (base("subnet-none", "x"), "InvalidSubnet.NotFound"),
            (
                [base(&subnet, "x"), ip("10.0.1.2", "true")].concat(),
                "InvalidPrivateIpAddress.InUse",
            ),
            (
                [base(&subnet, "x"), ip("10.0.1.1", "true")].concat(),
                "InvalidParameter",
            ),
            (
                [base(&subnet, "x"), ip("10.0.1.255", "true")].concat(),
                "InvalidParameter",
            ),
            (
                [base(&subnet, "x"), ip("10.0.2.5", "true")].concat(),
                "InvalidParameter",
            ),
            (
                with(
                    [base(&subnet, "x"), ip("10.0.1.20", "true")].concat(),
                    &[
                        ("privateIpAddressSet.1.privateIpAddress", "10.0.1.21"),
                        ("privateIpAddressSet.1.primary", "true"),
                    ],
                ),
                "InvalidParameter",
            ),
            (with(base(&subnet, "x"), &[count("-1")]), "InvalidParameter"),
            // A /28 hands out 13 addresses.
            (
                with(base(&tiny, "x"), &[count("13")]),
                "ResourceInsufficient.Subnet",
            ),
            (with(base(&tiny, "full"), &[count("12")]), "ok"),
            (base(&tiny, "x"), "ResourceInsufficient.Subnet"),
        ];
        for (pairs, expected) in &cases {
            let pairs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            assert_eq!(
                outcome(&mut state, "CreateNetworkInterface", &pairs),
                *expected,
                "{pairs:?}"
            );
        }
        let (_, ips) = eni_by_name(&mut state, "alpha");
        assert_eq!(ips, ["10.0.1.2*"]);
        let (bravo, ips) = eni_by_name(&mut state, "bravo");
        assert_eq!(ips, ["10.0.1.3*", "10.0.1.4", "10.0.1.5"]);
        let (_, ips) = eni_by_name(&mut state, "charlie");
        assert_eq!(ips, ["10.0.1.6*", "10.0.1.9"]);
        let (_, ips) = eni_by_name(&mut state, "full");
        assert_eq!(ips.first().map(String::as_str), Some("10.0.2.2*"));
        assert_eq!(ips.last().map(String::as_str), Some("10.0.2.14"));
        let subnets = ok(call(
            &mut state,
            &a,
            "DescribeSubnetEx",
            &[("vpcId", &vpc), ("orderDirection", "asc")],
            T0,
        ));
        assert_eq!(subnets["data"][0]["availableIPNum"], 253 - 6);
        assert_eq!(subnets["data"][1]["availableIPNum"], 0);

        // Secondary addresses: add (explicit and counted), release.
        let eni = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = vec![
                ("vpcId", vpc.as_str()),
                ("networkInterfaceId", bravo.as_str()),
            ];
            pairs.extend_from_slice(extra);
            pairs
        };
        type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
        let cases: &[Case<'_>] = &[
            ("AssignPrivateIpAddresses", eni(&[]), "InvalidParameter"),
            (
                "AssignPrivateIpAddresses",
                eni(&[
                    ("privateIpAddressSet.0.privateIpAddress", "10.0.1.30"),
                    ("privateIpAddressSet.0.primary", "true"),
                ]),
                "InvalidParameter",
            ),
            (
                "AssignPrivateIpAddresses",
                eni(&[
                    ("privateIpAddressSet.0.privateIpAddress", "10.0.1.9"),
                    ("privateIpAddressSet.0.primary", "false"),
                ]),
                "InvalidPrivateIpAddress.InUse",
            ),
            (
                "AssignPrivateIpAddresses",
                eni(&[
                    ("privateIpAddressSet.0.privateIpAddress", "10.0.1.30"),
                    ("privateIpAddressSet.0.primary", "false"),
                    ("secondaryPrivateIpAddressCount", "1"),
                ]),
                "ok",
            ),
            (
                "UnassignPrivateIpAddresses",
                eni(&[("privateIpAddress.0", "10.0.1.3")]),
                "InvalidPrivateip.IsPrimary",
            ),
            (
                "UnassignPrivateIpAddresses",
                eni(&[("privateIpAddress.0", "10.0.1.2")]),
                "InvalidPrivateIpAddress.NotFound",
            ),
            (
                "UnassignPrivateIpAddresses",
                eni(&[
                    ("privateIpAddress.0", "10.0.1.4"),
                    ("privateIpAddress.1", "10.0.1.5"),
                ]),
                "ok",
            ),
            (
                "AssignPrivateIpAddresses",
                vec![
                    ("vpcId", vpc.as_str()),
                    ("networkInterfaceId", "eni-none"),
                    ("secondaryPrivateIpAddressCount", "1"),
                ],
                "InvalidNetworkInterface.NotFound",
            ),
        ];
        for (action, pairs, expected) in cases {
            assert_eq!(
                outcome(&mut state, action, pairs),
                *expected,
                "{action} {pairs:?}"
            );
        }
        let (_, ips) = eni_by_name(&mut state, "bravo");
        assert_eq!(ips, ["10.0.1.3*", "10.0.1.30", "10.0.1.7"]);
        assert_eq!(
            Failure::business_name("InvalidNetworkInterface.NotFound", "m").code,
            5000
        );
        assert_eq!(
            Failure::business_name("ResourceInsufficient.Subnet", "m").code,
            5100
        );

        // A subnet holding interfaces cannot be deleted.
        assert_eq!(
            outcome(
                &mut state,
                "DeleteSubnet",
                &[("vpcId", &vpc), ("subnetId", &tiny)]
            ),
            "InvalidSubnet.CannotDelete"
        );
    }

    #[test]
    fn eni_life_cycle_tasks_and_listing() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet) = vpc_with_subnet(&mut state);
        let create = |state: &mut State, name: &str, description: &str, now: i64| {
            let out = ok(call(
                state,
                &a,
                "CreateNetworkInterface",
                &[
                    ("vpcId", &vpc),
                    ("subnetId", &subnet),
                    ("eniName", name),
                    ("eniDescription", description),
                    ("sgIds.0", "sg-1"),
                ],
                now,
            ));
            let task = out["taskId"].as_u64().expect("taskId").to_string();
            let query = [("taskId", task.as_str())];
            assert_eq!(
                ok(call(state, &a, "DescribeVpcTaskResult", &query, now))["data"]["status"],
                2
            );
            let done = ok(call(state, &a, "DescribeVpcTaskResult", &query, now));
            assert_eq!(done["data"]["status"], 0);
            done["data"]["output"]["networkInterfaceId"]
                .as_str()
                .expect("an id")
                .to_owned()
        };
        let charlie = create(&mut state, "charlie", "front", T0);
        create(&mut state, "alpha", "back", T0 + 1);
        create(&mut state, "bravo", "front door", T0 + 2);
        let names = |state: &mut State, pairs: &[(&str, &str)]| {
            let out = ok(call(state, &a, "DescribeNetworkInterfaces", pairs, T0));
            let names: Vec<String> = out["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|d| d["eniName"].as_str().expect("a name").to_owned())
                .collect();
            (out["totalCount"].as_i64().expect("total"), names)
        };
        type Case<'a> = (&'a [(&'a str, &'a str)], i64, &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (&[], 3, &["bravo", "alpha", "charlie"]),
            (
                &[("orderDirection", "asc")],
                3,
                &["charlie", "alpha", "bravo"],
            ),
            (
                &[("orderField", "eniName"), ("orderDirection", "asc")],
                3,
                &["alpha", "bravo", "charlie"],
            ),
            (&[("eniDescription", "front")], 2, &["bravo", "charlie"]),
            (&[("networkInterfaceId", &charlie)], 1, &["charlie"]),
            (
                &[("subnetId", "gz_subnet_3")],
                3,
                &["bravo", "alpha", "charlie"],
            ),
            (&[("subnetId", "subnet-other")], 0, &[]),
            (&[("sgId", "sg-1")], 3, &["bravo", "alpha", "charlie"]),
            (&[("instanceId", "ins-1")], 0, &[]),
            (&[("limit", "1"), ("offset", "1")], 3, &["alpha"]),
        ];
        for &(pairs, total, expected) in cases {
            assert_eq!(
                names(&mut state, pairs),
                (total, expected.iter().map(|n| (*n).to_owned()).collect()),
                "{pairs:?}"
            );
        }
        let out = ok(call(
            &mut state,
            &a,
            "DescribeNetworkInterfaces",
            &[("networkInterfaceId", &charlie)],
            T0,
        ));
        let item = &out["data"][0];
        assert_eq!(item["vpcId"], vpc.as_str());
        assert_eq!(item["subnetId"], subnet.as_str());
        assert_eq!(item["zoneId"], 100003);
        assert_eq!(item["groupSet"], json!([{"sgId": "sg-1", "sgName": ""}]));
        assert_eq!(item["instanceSet"], json!([]));
        let mac = item["macAddress"].as_str().expect("a MAC");
        assert!(mac.starts_with("20:90:6f:") && mac.len() == 17, "{mac}");

        let ids = [
            ("vpcId", vpc.as_str()),
            ("networkInterfaceId", charlie.as_str()),
        ];
        let modify = |state: &mut State, extra: &[(&str, &str)]| {
            let mut pairs = ids.to_vec();
            pairs.extend_from_slice(extra);
            outcome(state, "ModifyNetworkInterface", &pairs)
        };
        assert_eq!(
            modify(&mut state, &[("eniName", "alpha")]),
            "InvalidNetworkInterface.InUse"
        );
        assert_eq!(modify(&mut state, &[("eniName", "charlie")]), "ok");
        assert_eq!(
            modify(
                &mut state,
                &[("eniName", "delta"), ("eniDescription", "new")]
            ),
            "ok"
        );
        assert_eq!(
            names(&mut state, &[("eniDescription", "new")]),
            (1, vec!["delta".to_owned()])
        );

        let out = ok(call(&mut state, &a, "DeleteNetworkInterface", &ids, T0));
        assert!(out["taskId"].is_u64(), "{out:?}");
        assert_eq!(names(&mut state, &[("networkInterfaceId", &charlie)]).0, 0);
        assert_eq!(
            outcome(&mut state, "DeleteNetworkInterface", &ids),
            "InvalidNetworkInterface.NotFound"
        );
        assert_eq!(
            modify(&mut state, &[("eniName", "x")]),
            "InvalidNetworkInterface.NotFound"
        );
        assert_eq!(
            outcome(
                &mut state,
                "DescribeNetworkInterfaces",
                &[("vpcId", "vpc-none")]
            ),
            "InvalidVpc.NotFound"
        );
        // B sees none of A's interfaces.
        let out = ok(call(
            &mut state,
            &caller(B, "gz"),
            "DescribeNetworkInterfaces",
            &[],
            T0,
        ));
        assert_eq!(out["totalCount"], 0);
    }

    /// A's VPC with interfaces `one` (10.0.1.2, 10.0.1.3) and `two` (10.0.1.4)
    /// in subnet s1 and `three` (10.0.2.2) in subnet s2; returns the VPC and the three ids.
    fn three_interfaces(state: &mut State) -> (String, [String; 3]) {
        let a = caller(A, "gz");
        let (vpc, s1) = vpc_with_subnet(state);
        let s2 = [
            ("vpcId", vpc.as_str()),
            ("subnetSet.0.subnetName", "s2"),
            ("subnetSet.0.cidrBlock", "10.0.2.0/24"),
            ("subnetSet.0.zoneId", "100003"),
        ];
        let s2 = ok(call(state, &a, "CreateSubnet", &s2, T0))["subnetSet"][0]["subnetId"].clone();
        let s2 = s2.as_str().expect("an id");
        for (name, subnet, extra) in [
            ("one", s1.as_str(), "1"),
            ("two", &s1, "0"),
            ("three", s2, "0"),
        ] {
            let pairs = [
                ("vpcId", vpc.as_str()),
                ("subnetId", subnet),
                ("eniName", name),
                ("secondaryPrivateIpAddressCount", extra),
            ];
            ok(call(state, &a, "CreateNetworkInterface", &pairs, T0));
        }
        let ids = ["one", "two", "three"].map(|name| eni_by_name(state, name).0);
        (vpc, ids)
    }

    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

    /// Runs each case's action for A in VPC `vpc` and checks its outcome.
    fn check(state: &mut State, vpc: &str, cases: &[Case<'_>]) {
        for (action, pairs, expected) in cases {
            let mut all = vec![("vpcId", vpc)];
            all.extend_from_slice(pairs);
            assert_eq!(
                outcome(state, action, &all),
                *expected,
                "{action} {pairs:?}"
            );
        }
    }

    /// The instance ids A's interface `id` lists as attached to.
    fn instances(state: &mut State, id: &str) -> Value {
        let pairs = [("networkInterfaceId", id)];
        let out = ok(call(
            state,
            &caller(A, "gz"),
            "DescribeNetworkInterfaces",
            &pairs,
            T0,
        ));
        let set = out["data"][0]["instanceSet"]
            .as_array()
            .expect("a set")
            .clone();
        set.iter().map(|i| i["instanceId"].clone()).collect()
    }

    #[test]
    fn interfaces_attach_to_one_cvm_at_a_time() {
        let mut state = State::default();
        let (vpc, [one, two, _]) = three_interfaces(&mut state);
        let (one, two) = (one.as_str(), two.as_str());
        let eni = ("networkInterfaceId", one);
        let (ins1, ins2, ins3) = ("ins-0000000a", "ins-0000000b", "ins-0000000c");
        let cases: &[Case<'_>] = &[
            (
                "AttachNetworkInterface",
                &[eni, ("instanceId", "ins-A0000000")],
                "InvalidInstance.NotFound",
            ),
            (
                "AttachNetworkInterface",
                &[eni, ("instanceId", "ins-1")],
                "InvalidInstance.NotFound",
            ),
            (
                "AttachNetworkInterface",
                &[("networkInterfaceId", "eni-none"), ("instanceId", ins1)],
                "InvalidNetworkInterface.NotFound",
            ),
            (
                "DetachNetworkInterface",
                &[eni, ("instanceId", ins1)],
                "InvalidNetworkInterface.NotAttached",
            ),
            ("AttachNetworkInterface", &[eni, ("instanceId", ins1)], "ok"),
            (
                "AttachNetworkInterface",
                &[eni, ("instanceId", ins2)],
                "InvalidNetworkInterface.AlreadyAssociated",
            ),
            (
                "AttachNetworkInterface",
                &[eni, ("instanceId", ins1)],
                "InvalidNetworkInterface.AlreadyAssociated",
            ),
            (
                "DeleteNetworkInterface",
                &[eni],
                "InvalidNetworkInterface.CanNotDelete",
            ),
            (
                "DetachNetworkInterface",
                &[eni, ("instanceId", ins2)],
                "InvalidNetworkInterface.NotAttached",
            ),
            (
                "DetachNetworkInterface",
                &[("networkInterfaceId", two), ("instanceId", ins1)],
                "InvalidNetworkInterface.NotAttached",
            ),
            (
                "MigrateNetworkInterface",
                &[eni, ("oldInstanceId", ins2), ("newInstanceId", ins3)],
                "InvalidNetworkInterface.NotAttached",
            ),
            (
                "MigrateNetworkInterface",
                &[eni, ("oldInstanceId", ins1), ("newInstanceId", ins1)],
                "InvalidNetworkInterface.AlreadyAssociated",
            ),
            (
                "MigrateNetworkInterface",
                &[eni, ("oldInstanceId", ins1), ("newInstanceId", "vm-1")],
                "InvalidInstance.NotFound",
            ),
            (
                "MigrateNetworkInterface",
                &[eni, ("oldInstanceId", ins1), ("newInstanceId", ins3)],
                "ok",
            ),
        ];
        check(&mut state, &vpc, cases);
        assert_eq!(instances(&mut state, one), json!([ins3]));
        assert_eq!(instances(&mut state, two), json!([]));
        let by_instance = |state: &mut State, id: &str| {
            let out = ok(call(
                state,
                &caller(A, "gz"),
                "DescribeNetworkInterfaces",
                &[("instanceId", id)],
                T0,
            ));
            (
                out["totalCount"].clone(),
                out["data"][0]["instanceSet"][0]["attachTime"].clone(),
            )
        };
        assert_eq!(
            by_instance(&mut state, ins3),
            (json!(1), json!("2023-11-14 22:13:20"))
        );
        assert_eq!(by_instance(&mut state, ins1).0, 0);
        let cases: &[Case<'_>] = &[
            ("DetachNetworkInterface", &[eni, ("instanceId", ins3)], "ok"),
            (
                "DetachNetworkInterface",
                &[eni, ("instanceId", ins3)],
                "InvalidNetworkInterface.NotAttached",
            ),
            ("DeleteNetworkInterface", &[eni], "ok"),
        ];
        check(&mut state, &vpc, cases);
    }

    #[test]
    fn secondary_addresses_move_within_a_subnet() {
        let mut state = State::default();
        let (vpc, [one, two, three]) = three_interfaces(&mut state);
        let moves = |ip: &'static str, from: &'static str, to: &'static str| {
            let id = |name| match name {
                "one" => one.clone(),
                "two" => two.clone(),
                "three" => three.clone(),
                other => other.to_owned(),
            };
            [
                ("privateIpAddress".to_owned(), ip.to_owned()),
                ("oldNetworkInterfaceId".to_owned(), id(from)),
                ("newNetworkInterfaceId".to_owned(), id(to)),
            ]
        };
        let cases = [
            (moves("10.0.1.3", "one", "two"), "ok"),
            (
                moves("10.0.1.3", "one", "two"),
                "InvalidPrivateIpAddress.NotFound",
            ),
            (
                moves("10.0.1.4", "two", "one"),
                "InvalidPrivateip.IsPrimary",
            ),
            (
                moves("10.0.1.3", "two", "three"),
                "InvalidNetworkInterface.SubnetMismatch",
            ),
            (moves("10.0.1.3", "two", "two"), "InvalidParameter"),
            (
                moves("10.0.1.3", "two", "eni-none"),
                "InvalidNetworkInterface.NotFound",
            ),
            (moves("10.0.1", "two", "one"), "InvalidParameter"),
        ];
        for (pairs, expected) in &cases {
            let pairs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            check(
                &mut state,
                &vpc,
                &[("MigratePrivateIpAddress", &pairs, expected)],
            );
        }
        assert_eq!(eni_by_name(&mut state, "one").1, ["10.0.1.2*"]);
        assert_eq!(eni_by_name(&mut state, "two").1, ["10.0.1.4*", "10.0.1.3"]);
        assert_eq!(eni_by_name(&mut state, "three").1, ["10.0.2.2*"]);
    }

    #[test]
    fn dump_lists_the_interfaces_as_described() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet) = vpc_with_subnet(&mut state);
        for name in ["one", "two"] {
            let pairs = [
                ("vpcId", vpc.as_str()),
                ("subnetId", &subnet),
                ("eniName", name),
            ];
            ok(call(&mut state, &a, "CreateNetworkInterface", &pairs, T0));
        }
        let described = ok(call(&mut state, &a, "DescribeNetworkInterfaces", &[], T0));
        let dumped = dump(&state, &a);
        assert_eq!(dumped["networkInterfaces"], described["data"], "{dumped}");
        assert_eq!(
            dumped["networkInterfaces"].as_array().map(Vec::len),
            Some(2)
        );
        assert_eq!(
            dump(&state, &caller(B, "gz"))["networkInterfaces"],
            json!([])
        );
    }
}
