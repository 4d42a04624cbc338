//! Elastic network interfaces: create, list, modify and delete, and their
//! secondary private IPs. Addresses come from the subnet's block, lowest free
//! first, so allocation is deterministic. Create, delete and the IP actions are
//! asynchronous: their checks are synchronous, the change is immediate, and the
//! returned task succeeds.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::ops::RangeInclusive;

use super::subnet::SUBNET_NOT_FOUND;
use super::*;

pub(super) const ENI_NOT_FOUND: &str = "InvalidNetworkInterface.NotFound";
pub(super) const ENI_NAME_INVALID: &str = "InvalidNetworkInterfaceName";
pub(super) const ENI_NAME_IN_USE: &str = "InvalidNetworkInterface.InUse";
pub(super) const IP_IN_USE: &str = "InvalidPrivateIpAddress.InUse";
pub(super) const IP_IS_PRIMARY: &str = "InvalidPrivateip.IsPrimary";
/// Not in the documentation (API 3.0's name): the subnet has too few free addresses.
pub(super) const SUBNET_EXHAUSTED: &str = "ResourceInsufficient.Subnet";
/// Not in the documentation: releasing an address the interface does not hold.
pub(super) const IP_NOT_FOUND: &str = "InvalidPrivateIpAddress.NotFound";

/// The addresses a subnet hands out: all of its block but the network, the
/// gateway (network + 1) and the broadcast address.
fn assignable(cidr: Cidr) -> RangeInclusive<u32> {
    // `Cidr` keeps its fields to itself; its text form carries the network address.
    let text = cidr.to_string();
    let network = text
        .split('/')
        .next()
        .and_then(|a| a.parse::<Ipv4Addr>().ok())
        .map_or(0, u32::from);
    let size = 1u64 << (32 - u32::from(cidr.prefix_len()));
    let last = u64::from(network) + size - 1;
    let last = u32::try_from(last).unwrap_or(u32::MAX);
    network.saturating_add(2)..=last.saturating_sub(1)
}

/// A locally administered-looking MAC in Tencent's `20:90:6f` prefix, from the serial.
fn mac_address(serial: u64) -> String {
    let b = serial.to_be_bytes();
    format!("20:90:6f:{:02x}:{:02x}:{:02x}", b[5], b[6], b[7])
}

/// Accepts what the spec validator accepts for a boolean.
fn truthy(text: &str) -> bool {
    matches!(text, "true" | "True" | "1")
}

/// Reads `privateIpAddressSet.N.{privateIpAddress, primary}`.
fn explicit_ips(params: &Params) -> Result<Vec<PrivateIp>, Failure> {
    let mut out = Vec::new();
    for i in list_indices(params, "privateIpAddressSet") {
        let name = format!("privateIpAddressSet.{i}.privateIpAddress");
        let text = required(params, &name)?;
        let address = text.parse::<Ipv4Addr>().map_err(|_| {
            Failure::invalid_parameter(format!(
                "parameter `{name}` must be an IPv4 address, got `{text}`"
            ))
        })?;
        let primary = truthy(required(
            params,
            &format!("privateIpAddressSet.{i}.primary"),
        )?);
        out.push(PrivateIp { address, primary });
    }
    Ok(out)
}

/// `secondaryPrivateIpAddressCount`, default 0.
fn secondary_count(params: &Params) -> Result<usize, Failure> {
    let name = "secondaryPrivateIpAddressCount";
    let n = int_param(params, name, 0)?;
    usize::try_from(n).map_err(|_| {
        Failure::invalid_parameter(format!("parameter `{name}` must not be negative, got {n}"))
    })
}

fn eni_json(vpc: &Vpc, e: &Eni) -> Value {
    let subnet = vpc.subnets.iter().find(|s| s.subnet_id == e.subnet_id);
    json!({
        "vpcId": vpc.un_vpc_id,
        "vpcName": vpc.name,
        "subnetId": subnet.map(|s| s.un_subnet_id.as_str()).unwrap_or_default(),
        "zoneId": subnet.map_or(0, |s| s.zone_id),
        "networkInterfaceId": e.eni_id,
        "eniName": e.name,
        "eniDescription": e.description,
        // Whether it is a CVM's primary interface; the emulator's ENIs are never attached.
        "primary": false,
        "macAddress": e.mac_address,
        "createTime": format_datetime(e.created),
        "privateIpAddressesSet": e.ips.iter().map(|ip| json!({
            "privateIpAddress": ip.address.to_string(),
            "primary": ip.primary,
            "wanIp": "",
            "eipId": "",
            "description": "",
        })).collect::<Vec<_>>(),
        "instanceSet": [],
        "groupSet": e.sg_ids.iter().map(|id| json!({"sgId": id, "sgName": ""})).collect::<Vec<_>>(),
    })
}

impl State {
    /// The indices of the caller's VPC `vpc_id` and of its interface `eni_id`.
    fn eni_index(
        &self,
        caller: &Caller,
        vpc_id: &str,
        eni_id: &str,
    ) -> Result<(usize, usize), Failure> {
        let v = self.vpc_index(caller, vpc_id)?;
        let e = self.vpcs[v]
            .enis
            .iter()
            .position(|e| e.eni_id == eni_id)
            .ok_or_else(|| {
                Failure::business_name(
                    ENI_NOT_FOUND,
                    format!("network interface `{eni_id}` not found in VPC `{vpc_id}`"),
                )
            })?;
        Ok((v, e))
    }

    /// How many addresses of subnet `subnet_id` (old-style) interfaces hold.
    pub(super) fn ips_in_use(vpc: &Vpc, subnet_id: &str) -> usize {
        vpc.enis
            .iter()
            .filter(|e| e.subnet_id == subnet_id)
            .map(|e| e.ips.len())
            .sum()
    }

    fn check_eni_name(vpc: &Vpc, name: &str, except: Option<usize>) -> Result<(), Failure> {
        check_name(name, ENI_NAME_INVALID)?;
        let taken = vpc
            .enis
            .iter()
            .enumerate()
            .any(|(i, e)| Some(i) != except && e.name == name);
        if taken {
            return Err(Failure::business_name(
                ENI_NAME_IN_USE,
                format!("a network interface named `{name}` already exists in the VPC"),
            ));
        }
        Ok(())
    }

    /// Checks the `explicit` addresses (assignable in `subnet`, free, distinct)
    /// and picks `count` more, lowest free first. Returns them in that order.
    fn pick_ips(
        vpc: &Vpc,
        subnet: &Subnet,
        explicit: &[Ipv4Addr],
        count: usize,
    ) -> Result<Vec<Ipv4Addr>, Failure> {
        let range = assignable(subnet.cidr);
        let mut used: BTreeSet<u32> = vpc
            .enis
            .iter()
            .filter(|e| e.subnet_id == subnet.subnet_id)
            .flat_map(|e| e.ips.iter().map(|ip| u32::from(ip.address)))
            .collect();
        let mut picked = Vec::new();
        for &address in explicit {
            if !range.contains(&u32::from(address)) {
                return Err(Failure::invalid_parameter(format!(
                    "`{address}` is not an assignable address of subnet {} ({})",
                    subnet.un_subnet_id, subnet.cidr
                )));
            }
            if !used.insert(u32::from(address)) {
                return Err(Failure::business_name(
                    IP_IN_USE,
                    format!("`{address}` is already in use"),
                ));
            }
            picked.push(address);
        }
        let free: Vec<Ipv4Addr> = range
            .filter(|a| !used.contains(a))
            .take(count)
            .map(Ipv4Addr::from)
            .collect();
        if free.len() < count {
            return Err(Failure::business_name(
                SUBNET_EXHAUSTED,
                format!(
                    "subnet {} ({}) has {} free addresses, {count} wanted",
                    subnet.un_subnet_id,
                    subnet.cidr,
                    free.len()
                ),
            ));
        }
        picked.extend(free);
        Ok(picked)
    }

    pub(super) fn create_eni(
        &mut self,
        caller: &Caller,
        params: &Params,
        now: i64,
    ) -> Result<Fields, Failure> {
        let (v, s) = self.subnet_index(
            caller,
            required(params, "vpcId")?,
            required(params, "subnetId")?,
        )?;
        let name = required(params, "eniName")?;
        let vpc = &self.vpcs[v];
        Self::check_eni_name(vpc, name, None)?;
        let explicit = explicit_ips(params)?;
        let primaries = explicit.iter().filter(|ip| ip.primary).count();
        if primaries > 1 {
            return Err(Failure::invalid_parameter(format!(
                "`privateIpAddressSet` marks {primaries} addresses primary; an interface has one"
            )));
        }
        // The explicit primary first, then the other explicit addresses; without
        // an explicit primary the lowest free address becomes it.
        let mut wanted: Vec<Ipv4Addr> = explicit
            .iter()
            .filter(|ip| ip.primary)
            .map(|ip| ip.address)
            .collect();
        wanted.extend(
            explicit
                .iter()
                .filter(|ip| !ip.primary)
                .map(|ip| ip.address),
        );
        let extra = secondary_count(params)?.saturating_add(usize::from(primaries == 0));
        let subnet = &vpc.subnets[s];
        let mut addresses = Self::pick_ips(vpc, subnet, &wanted, extra)?;
        if primaries == 0 {
            // The first automatic address is the primary one.
            let auto_primary = addresses.remove(wanted.len());
            addresses.insert(0, auto_primary);
        }
        let subnet_id = subnet.subnet_id.clone();
        let sg_ids: Vec<String> = list_indices(params, "sgIds")
            .into_iter()
            .filter_map(|i| params.get(&format!("sgIds.{i}")).map(str::to_owned))
            .collect();
        let serial = self.serial();
        let eni = Eni {
            eni_id: format!("eni-{}", unified_suffix(serial)),
            name: name.to_owned(),
            description: params.get("eniDescription").unwrap_or_default().to_owned(),
            subnet_id,
            mac_address: mac_address(serial),
            sg_ids,
            ips: addresses
                .into_iter()
                .enumerate()
                .map(|(i, address)| PrivateIp {
                    address,
                    primary: i == 0,
                })
                .collect(),
            created: now,
            serial,
        };
        let output = json!({ "networkInterfaceId": eni.eni_id });
        self.vpcs[v].enis.push(eni);
        let task = self.new_task(&caller.uin, Ok(output));
        Ok(into_fields(json!({ "taskId": task })))
    }

    pub(super) fn describe_enis(
        &self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let vpc_filter = match params.get("vpcId") {
            Some(id) => Some(self.vpc_index(caller, id)?),
            None => None,
        };
        let eni_id = params.get("networkInterfaceId");
        let name = params.get("eniName");
        let description = params.get("eniDescription");
        let subnet_id = params.get("subnetId");
        let sg_id = params.get("sgId");
        // The emulator's interfaces are never attached to a CVM.
        let instance = params.get("instanceId");
        let mut found: Vec<(&Vpc, &Eni)> = self
            .vpcs
            .iter()
            .enumerate()
            .filter(|(i, v)| {
                v.uin == caller.uin
                    && v.region == caller.region
                    && vpc_filter.is_none_or(|f| f == *i)
            })
            .flat_map(|(_, v)| v.enis.iter().map(move |e| (v, e)))
            .filter(|_| instance.is_none())
            .filter(|(_, e)| eni_id.is_none_or(|id| e.eni_id == id))
            .filter(|(_, e)| name.is_none_or(|n| e.name.contains(n)))
            .filter(|(_, e)| description.is_none_or(|d| e.description.contains(d)))
            .filter(|(_, e)| sg_id.is_none_or(|g| e.sg_ids.iter().any(|s| s == g)))
            .filter(|(v, e)| {
                subnet_id.is_none_or(|id| {
                    v.subnets
                        .iter()
                        .any(|s| s.subnet_id == e.subnet_id && s.has_id(id))
                })
            })
            .collect();
        match params.get("orderField") {
            Some("eniName") => {
                found.sort_by(|a, b| (&a.1.name, a.1.serial).cmp(&(&b.1.name, b.1.serial)));
            }
            _ => found.sort_by_key(|(_, e)| (e.created, e.serial)),
        }
        // The documented default direction is descending.
        if params.get("orderDirection") != Some("asc") {
            found.reverse();
        }
        let total = found.len();
        let data: Vec<Value> = page(found, params)?
            .into_iter()
            .map(|(v, e)| eni_json(v, e))
            .collect();
        Ok(into_fields(json!({"totalCount": total, "data": data})))
    }

    pub(super) fn modify_eni(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, e) = self.eni_index(
            caller,
            required(params, "vpcId")?,
            required(params, "networkInterfaceId")?,
        )?;
        let name = params.get("eniName");
        if let Some(name) = name {
            Self::check_eni_name(&self.vpcs[v], name, Some(e))?;
        }
        let eni = &mut self.vpcs[v].enis[e];
        if let Some(name) = name {
            eni.name = name.to_owned();
        }
        if let Some(description) = params.get("eniDescription") {
            eni.description = description.to_owned();
        }
        Ok(Fields::new())
    }

    /// Deletes the interface at once and releases its addresses (never attached,
    /// so `InvalidNetworkInterface.CanNotDelete` does not occur).
    pub(super) fn delete_eni(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, e) = self.eni_index(
            caller,
            required(params, "vpcId")?,
            required(params, "networkInterfaceId")?,
        )?;
        self.vpcs[v].enis.remove(e);
        let task = self.new_task(&caller.uin, Ok(json!({})));
        Ok(into_fields(json!({ "taskId": task })))
    }

    pub(super) fn assign_ips(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, e) = self.eni_index(
            caller,
            required(params, "vpcId")?,
            required(params, "networkInterfaceId")?,
        )?;
        let explicit = explicit_ips(params)?;
        if let Some(ip) = explicit.iter().find(|ip| ip.primary) {
            return Err(Failure::invalid_parameter(format!(
                "`{}` cannot be primary: the interface already has its primary address",
                ip.address
            )));
        }
        let count = secondary_count(params)?;
        if explicit.is_empty() && count == 0 {
            return Err(Failure::invalid_parameter(
                "give `privateIpAddressSet` or a positive `secondaryPrivateIpAddressCount`",
            ));
        }
        let vpc = &self.vpcs[v];
        let eni = &vpc.enis[e];
        let subnet = vpc
            .subnets
            .iter()
            .find(|s| s.subnet_id == eni.subnet_id)
            .ok_or_else(|| {
                Failure::business_name(
                    SUBNET_NOT_FOUND,
                    format!("the subnet of `{}` is gone", eni.eni_id),
                )
            })?;
        let wanted: Vec<Ipv4Addr> = explicit.iter().map(|ip| ip.address).collect();
        let added = Self::pick_ips(vpc, subnet, &wanted, count)?;
        let output = json!({
            "privateIpAddressSet": added.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        self.vpcs[v].enis[e]
            .ips
            .extend(added.into_iter().map(|address| PrivateIp {
                address,
                primary: false,
            }));
        let task = self.new_task(&caller.uin, Ok(output));
        Ok(into_fields(json!({ "taskId": task })))
    }

    pub(super) fn unassign_ips(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, e) = self.eni_index(
            caller,
            required(params, "vpcId")?,
            required(params, "networkInterfaceId")?,
        )?;
        let eni = &self.vpcs[v].enis[e];
        let mut doomed: Vec<Ipv4Addr> = Vec::new();
        for i in list_indices(params, "privateIpAddress") {
            let name = format!("privateIpAddress.{i}");
            let text = required(params, &name)?;
            let address = text.parse::<Ipv4Addr>().map_err(|_| {
                Failure::invalid_parameter(format!(
                    "parameter `{name}` must be an IPv4 address, got `{text}`"
                ))
            })?;
            match eni.ips.iter().find(|ip| ip.address == address) {
                None => {
                    return Err(Failure::business_name(
                        IP_NOT_FOUND,
                        format!("`{address}` is not an address of `{}`", eni.eni_id),
                    ));
                }
                Some(ip) if ip.primary => {
                    return Err(Failure::business_name(
                        IP_IS_PRIMARY,
                        format!("`{address}` is the primary address of `{}`", eni.eni_id),
                    ));
                }
                Some(_) => doomed.push(address),
            }
        }
        if doomed.is_empty() {
            return Err(Failure::invalid_parameter(
                "`privateIpAddress` must name at least one address",
            ));
        }
        self.vpcs[v].enis[e]
            .ips
            .retain(|ip| !doomed.contains(&ip.address));
        let task = self.new_task(&caller.uin, Ok(json!({})));
        Ok(into_fields(json!({ "taskId": task })))
    }
}
