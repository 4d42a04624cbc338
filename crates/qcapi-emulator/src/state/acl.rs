//! Network ACLs: create, list, rename and delete, their inbound and outbound
//! rules, and their binding to subnets (a subnet has at most one ACL).

use std::net::Ipv4Addr;

use super::subnet::SUBNET_NOT_FOUND;
use super::*;

pub(super) const ACL_NOT_FOUND: &str = "InvalidNetworkAclID.NotFound";
pub(super) const ACL_NAME_INVALID: &str = "InvalidNetworkAclName";
pub(super) const ACL_NAME_IN_USE: &str = "InvalidNetworkAclName.InUse";
pub(super) const ACL_IN_USE: &str = "NetworkAclID.InUse";
/// Not in the documentation: binding a subnet that another ACL is bound to.
pub(super) const SUBNET_ACL_BOUND: &str = "InvalidSubnet.AclBound";
/// Not in the documentation: unbinding a subnet the ACL is not bound to.
pub(super) const SUBNET_ACL_NOT_BOUND: &str = "InvalidSubnetAclRule.NotFound";

/// `ruleDirection` of inbound rules (0 is outbound).
const INBOUND: i64 = 1;

/// The subnets of `vpc` bound to ACL `acl_id`.
fn bound_subnets<'v>(vpc: &'v Vpc, acl_id: &str) -> Vec<&'v Subnet> {
    vpc.subnets
        .iter()
        .filter(|s| s.network_acl_id.as_deref() == Some(acl_id))
        .collect()
}

fn entry_json(e: &AclEntry) -> Value {
    json!({
        "desc": e.desc,
        "ipProtocol": e.ip_protocol,
        "cidrIp": e.cidr_ip,
        "portRange": e.port_range,
        "action": e.action,
    })
}

/// `ALL` (any case), a port `80` or a range `90-100`, ports 1 to 65535.
fn valid_port_range(text: &str) -> bool {
    if text.eq_ignore_ascii_case("all") {
        return true;
    }
    let port = |p: &str| {
        (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u16>().ok())
            .flatten()
            .filter(|n| *n >= 1)
    };
    match text.split_once('-') {
        Some((low, high)) => matches!((port(low), port(high)), (Some(l), Some(h)) if l <= h),
        None => port(text).is_some(),
    }
}

/// Reads and checks `networkAclEntrySet.N.*`: a known protocol, an IP or CIDR
/// block, and a port range; malformed rules are parameter errors (4000).
fn parse_entries(params: &Params) -> Result<Vec<AclEntry>, Failure> {
    let mut entries = Vec::new();
    for i in list_indices(params, "networkAclEntrySet") {
        let name = |f: &str| format!("networkAclEntrySet.{i}.{f}");
        let field = |f: &str| required(params, &name(f));
        let ip_protocol = field("ipProtocol")?;
        if !["tcp", "udp", "icmp", "all"]
            .iter()
            .any(|p| ip_protocol.eq_ignore_ascii_case(p))
        {
            return Err(Failure::invalid_parameter(format!(
                "parameter `{}` must be tcp, udp, icmp or all, got `{ip_protocol}`",
                name("ipProtocol")
            )));
        }
        let cidr_ip = field("cidrIp")?;
        if Cidr::parse(cidr_ip).is_none() && cidr_ip.parse::<Ipv4Addr>().is_err() {
            return Err(Failure::invalid_parameter(format!(
                "parameter `{}` must be an IPv4 address or CIDR block, got `{cidr_ip}`",
                name("cidrIp")
            )));
        }
        let port_range = field("portRange")?;
        if !valid_port_range(port_range) {
            return Err(Failure::invalid_parameter(format!(
                "parameter `{}` must be ALL, a port or a range like 90-100, got `{port_range}`",
                name("portRange")
            )));
        }
        entries.push(AclEntry {
            desc: field("desc")?.to_owned(),
            ip_protocol: ip_protocol.to_owned(),
            cidr_ip: cidr_ip.to_owned(),
            port_range: port_range.to_owned(),
            action: int_param(params, &name("action"), 1)?,
        });
    }
    Ok(entries)
}

impl State {
    /// The indices of the caller's VPC `vpc_id` and of its ACL `acl_id`.
    fn acl_index(
        &self,
        caller: &Caller,
        vpc_id: &str,
        acl_id: &str,
    ) -> Result<(usize, usize), Failure> {
        let v = self.vpc_index(caller, vpc_id)?;
        let a = self.vpcs[v]
            .network_acls
            .iter()
            .position(|a| a.network_acl_id == acl_id)
            .ok_or_else(|| {
                Failure::business_name(
                    ACL_NOT_FOUND,
                    format!("network ACL `{acl_id}` not found in VPC `{vpc_id}`"),
                )
            })?;
        Ok((v, a))
    }

    fn check_acl_name(vpc: &Vpc, name: &str, except: Option<usize>) -> Result<(), Failure> {
        check_name(name, ACL_NAME_INVALID)?;
        let taken = vpc
            .network_acls
            .iter()
            .enumerate()
            .any(|(i, a)| Some(i) != except && a.name == name);
        if taken {
            return Err(Failure::business_name(
                ACL_NAME_IN_USE,
                format!("a network ACL named `{name}` already exists in the VPC"),
            ));
        }
        Ok(())
    }

    /// The caller's ACLs, optionally of one VPC only (an unknown VPC is an error).
    fn visible_acls(
        &self,
        caller: &Caller,
        vpc_id: Option<&str>,
    ) -> Result<Vec<(&Vpc, &NetworkAcl)>, Failure> {
        let vpc_filter = match vpc_id {
            Some(id) => Some(self.vpc_index(caller, id)?),
            None => None,
        };
        Ok(self
            .vpcs
            .iter()
            .enumerate()
            .filter(|(i, v)| {
                v.uin == caller.uin
                    && v.region == caller.region
                    && vpc_filter.is_none_or(|f| f == *i)
            })
            .flat_map(|(_, v)| v.network_acls.iter().map(move |a| (v, a)))
            .collect())
    }

    pub(super) fn create_network_acl(
        &mut self,
        caller: &Caller,
        params: &Params,
        now: i64,
    ) -> Result<Fields, Failure> {
        let v = self.vpc_index(caller, required(params, "vpcId")?)?;
        let name = required(params, "networkAclName")?;
        Self::check_acl_name(&self.vpcs[v], name, None)?;
        let serial = self.serial();
        let acl = NetworkAcl {
            network_acl_id: format!("acl-{}", unified_suffix(serial)),
            name: name.to_owned(),
            created: now,
            serial,
            ingress: Vec::new(),
            egress: Vec::new(),
        };
        let out = json!({ "data": { "networkAclId": acl.network_acl_id } });
        self.vpcs[v].network_acls.push(acl);
        Ok(into_fields(out))
    }

    pub(super) fn describe_network_acls(
        &self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let acl_id = params.get("networkAclId");
        let name = params.get("networkAclName");
        let mut found: Vec<(&Vpc, &NetworkAcl)> = self
            .visible_acls(caller, params.get("vpcId"))?
            .into_iter()
            .filter(|(_, a)| acl_id.is_none_or(|id| a.network_acl_id == id))
            .filter(|(_, a)| name.is_none_or(|n| a.name.contains(n)))
            .collect();
        match params.get("orderField") {
            Some("networkAclName") => {
                found.sort_by(|a, b| (&a.1.name, a.1.serial).cmp(&(&b.1.name, b.1.serial)));
            }
            _ => found.sort_by_key(|(_, a)| (a.created, a.serial)),
        }
        if descending(params) {
            found.reverse();
        }
        let total = found.len();
        let data: Vec<Value> = page(found, params)?
            .into_iter()
            .map(|(v, a)| {
                let bound = bound_subnets(v, &a.network_acl_id);
                json!({
                    "vpcId": v.vpc_id,
                    "unVpcId": v.un_vpc_id,
                    "vpcName": v.name,
                    "vpcCidrBlock": v.cidr.to_string(),
                    "networkAclId": a.network_acl_id,
                    "networkAclName": a.name,
                    "subnetNum": bound.len(),
                    "createTime": format_datetime(a.created),
                    "networkAclEntrySet": {
                        "ingress": a.ingress.iter().map(entry_json).collect::<Vec<_>>(),
                        "egress": a.egress.iter().map(entry_json).collect::<Vec<_>>(),
                    },
                    "subnetSet": bound.iter().map(|s| json!({
                        "subnetId": s.subnet_id,
                        "unSubnetId": s.un_subnet_id,
                        "subnetName": s.name,
                        "cidrBlock": s.cidr.to_string(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(into_fields(json!({"totalCount": total, "data": data})))
    }

    /// The deprecated listing: exact `name` filter, creation order, the count
    /// under `data`, and one `acl` list holding the inbound then the outbound rules.
    pub(super) fn describe_acls(
        &self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let name = params.get("name");
        let mut found: Vec<(&Vpc, &NetworkAcl)> = self
            .visible_acls(caller, params.get("vpcId"))?
            .into_iter()
            .filter(|(_, a)| name.is_none_or(|n| a.name == n))
            .collect();
        found.sort_by_key(|(_, a)| (a.created, a.serial));
        let total = found.len();
        let acls: Vec<Value> = page(found, params)?
            .into_iter()
            .map(|(v, a)| {
                let rules: Vec<Value> = a
                    .ingress
                    .iter()
                    .chain(&a.egress)
                    .map(|e| {
                        json!({
                            "name": e.desc,
                            "ipProtocol": e.ip_protocol,
                            "cidrIp": e.cidr_ip,
                            "portRange": e.port_range,
                            "action": e.action,
                        })
                    })
                    .collect();
                json!({
                    "vpcId": v.vpc_id,
                    "unVpcId": v.un_vpc_id,
                    "vpcName": v.name,
                    "vpcCidrBlock": v.cidr.to_string(),
                    "networkAclId": a.network_acl_id,
                    "aclId": a.network_acl_id,
                    "networkAclName": a.name,
                    "aclName": a.name,
                    "subnetNum": bound_subnets(v, &a.network_acl_id).len(),
                    "createTime": format_datetime(a.created),
                    "acl": rules,
                })
            })
            .collect();
        Ok(into_fields(
            json!({ "data": { "totalCount": total, "aclSet": acls } }),
        ))
    }

    pub(super) fn modify_network_acl(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, a) = self.acl_index(
            caller,
            required(params, "vpcId")?,
            required(params, "networkAclId")?,
        )?;
        let name = required(params, "networkAclName")?;
        Self::check_acl_name(&self.vpcs[v], name, Some(a))?;
        self.vpcs[v].network_acls[a].name = name.to_owned();
        Ok(Fields::new())
    }

    pub(super) fn delete_network_acl(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let id = required(params, "networkAclId")?;
        let (v, a) = self.acl_index(caller, required(params, "vpcId")?, id)?;
        let vpc = &self.vpcs[v];
        let acl_id = &vpc.network_acls[a].network_acl_id;
        if let Some(s) = vpc
            .subnets
            .iter()
            .find(|s| s.network_acl_id.as_ref() == Some(acl_id))
        {
            return Err(Failure::business_name(
                ACL_IN_USE,
                format!(
                    "network ACL `{id}` is still bound to subnet {}",
                    s.subnet_id
                ),
            ));
        }
        self.vpcs[v].network_acls.remove(a);
        Ok(Fields::new())
    }

    /// ModifyNetworkAclEntry: replaces the rules of one direction.
    pub(super) fn set_acl_entries(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, a) = self.acl_index(
            caller,
            required(params, "vpcId")?,
            required(params, "networkAclId")?,
        )?;
        let direction = int_param(params, "ruleDirection", INBOUND)?;
        let entries = parse_entries(params)?;
        let acl = &mut self.vpcs[v].network_acls[a];
        if direction == INBOUND {
            acl.ingress = entries;
        } else {
            acl.egress = entries;
        }
        Ok(Fields::new())
    }

    /// CreateSubnetAclRule (`bind`) and DeteleSubnetAclRule: every subnet is
    /// checked before any changes, so a failure changes nothing.
    pub(super) fn bind_subnet_acl(
        &mut self,
        caller: &Caller,
        params: &Params,
        bind: bool,
    ) -> Result<Fields, Failure> {
        let vpc_id = required(params, "vpcId")?;
        let (v, a) = self.acl_index(caller, vpc_id, required(params, "networkAclId")?)?;
        let vpc = &self.vpcs[v];
        let acl_id = vpc.network_acls[a].network_acl_id.clone();
        let mut chosen: Vec<usize> = Vec::new();
        for i in list_indices(params, "subnetIds") {
            let subnet_id = required(params, &format!("subnetIds.{i}"))?;
            let s = vpc
                .subnets
                .iter()
                .position(|s| s.has_id(subnet_id))
                .ok_or_else(|| {
                    Failure::business_name(
                        SUBNET_NOT_FOUND,
                        format!("subnet `{subnet_id}` not found in VPC `{vpc_id}`"),
                    )
                })?;
            let current = vpc.subnets[s].network_acl_id.as_deref();
            match (bind, current) {
                (true, Some(other)) if other != acl_id => {
                    return Err(Failure::business_name(
                        SUBNET_ACL_BOUND,
                        format!("subnet `{subnet_id}` is already bound to network ACL `{other}`"),
                    ));
                }
                (false, current) if current != Some(acl_id.as_str()) => {
                    return Err(Failure::business_name(
                        SUBNET_ACL_NOT_BOUND,
                        format!("subnet `{subnet_id}` is not bound to network ACL `{acl_id}`"),
                    ));
                }
                _ => chosen.push(s),
            }
        }
        if chosen.is_empty() {
            return Err(Failure::invalid_parameter(
                "`subnetIds` must name at least one subnet",
            ));
        }
        for s in chosen {
            self.vpcs[v].subnets[s].network_acl_id = bind.then(|| acl_id.clone());
        }
        Ok(Fields::new())
    }
}
