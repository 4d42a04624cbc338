//! Subnets: create, list, describe, rename and delete.

use super::*;

pub(super) const SUBNET_NOT_FOUND: &str = "InvalidSubnet.NotFound";
pub(super) const SUBNET_CANNOT_DELETE: &str = "InvalidSubnet.CannotDelete";

/// Addresses in the subnet's block, and those still free: the network, gateway
/// and broadcast addresses are reserved, and network interfaces hold some.
fn ip_counts(vpc: &Vpc, s: &Subnet) -> (i64, i64) {
    let total = 1i64 << (32 - i64::from(s.cidr.prefix_len()));
    let held = i64::try_from(State::ips_in_use(vpc, &s.subnet_id)).unwrap_or(i64::MAX);
    (total, (total - 3 - held).max(0))
}

impl State {
    /// The index of the caller's VPC `id` (old-style or unified).
    pub(super) fn vpc_index(&self, caller: &Caller, id: &str) -> Result<usize, Failure> {
        self.vpcs
            .iter()
            .position(|v| v.uin == caller.uin && v.region == caller.region && v.has_id(id))
            .ok_or_else(|| Self::vpc_not_found(id, &caller.uin, &caller.region))
    }

    /// The indices of the caller's VPC `vpc_id` and of its subnet `subnet_id`.
    pub(super) fn subnet_index(
        &self,
        caller: &Caller,
        vpc_id: &str,
        subnet_id: &str,
    ) -> Result<(usize, usize), Failure> {
        let v = self.vpc_index(caller, vpc_id)?;
        let s = table::position(&self.vpcs[v].subnets, subnet_id, || {
            Failure::business(
                api::ErrorCode::InvalidSubnetNotFound,
                format!("subnet `{subnet_id}` not found in VPC `{vpc_id}`"),
            )
        })?;
        Ok((v, s))
    }

    pub(super) fn create_subnet(
        &mut self,
        caller: &Caller,
        params: &Params,
        now: i64,
    ) -> Result<Fields, Failure> {
        let vpc_id = required(params, "vpcId")?;
        let v = self.vpc_index(caller, vpc_id)?;
        let vpc = &self.vpcs[v];
        let wanted = subnet_specs(params, vpc.cidr, &vpc.subnets)?;
        if wanted.is_empty() {
            return Err(Failure::invalid_parameter(
                "`subnetSet` must name at least one subnet",
            ));
        }
        let region = vpc.region.clone();
        let (default_table, un_default_table) = vpc
            .route_tables
            .iter()
            .find(|r| r.kind == 1)
            .map(|r| (r.route_table_id.clone(), r.un_route_table_id.clone()))
            .unwrap_or_default();
        let created: Vec<Subnet> = wanted
            .into_iter()
            .map(|w| self.new_subnet(&region, w, &default_table, now))
            .collect();
        let out: Vec<Value> = created
            .iter()
            .map(|s| {
                json!({
                    "subnetId": s.subnet_id,
                    "unSubnetId": s.un_subnet_id,
                    "subnetName": s.name,
                    "cidrBlock": s.cidr.to_string(),
                    "routeTableId": s.route_table_id,
                    "unRouteTableId": un_default_table,
                    "zoneId": s.zone_id,
                })
            })
            .collect();
        self.vpcs[v].subnets.extend(created);
        Ok(into_fields(json!({ "subnetSet": out })))
    }

    /// One DescribeSubnetEx entry; `with_acl` reports the bound ACL (`getAclIdFlag=1`).
    fn subnet_json(&self, vpc: &Vpc, s: &Subnet, with_acl: bool) -> Value {
        let (total, available) = ip_counts(vpc, s);
        let (table_name, un_table) = vpc
            .route_tables
            .iter()
            .find(|r| r.route_table_id == s.route_table_id)
            .map(|r| (r.name.clone(), r.un_route_table_id.clone()))
            .unwrap_or_default();
        let acl = match (with_acl, &s.network_acl_id) {
            (true, Some(id)) => id.as_str(),
            _ => "0",
        };
        json!({
            "vpcId": vpc.vpc_id,
            "unVpcId": vpc.un_vpc_id,
            "vpcName": vpc.name,
            "vpcCidrBlock": vpc.cidr.to_string(),
            "subnetId": s.subnet_id,
            "unSubnetId": s.un_subnet_id,
            "subnetName": s.name,
            "cidrBlock": s.cidr.to_string(),
            "subnetCreateTime": format_datetime(s.created),
            "routeTableId": s.route_table_id,
            "unRouteTableId": un_table,
            "routeTableName": table_name,
            "zoneId": s.zone_id,
            "zone": "",
            "networkAclId": acl,
            "vpcDevices": 0,
            "totalIPNum": total,
            "availableIPNum": available,
            "broadcast": false,
            "isDefault": false,
        })
    }

    pub(super) fn describe_subnets(
        &self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let vpc_filter = match params.get("vpcId") {
            Some(id) => Some(self.vpc_index(caller, id)?),
            None => None,
        };
        let subnet_id = params.get("subnetId");
        let name = params.get("subnetName");
        let with_acl = int_param(params, "getAclIdFlag", 0)? == 1;
        let zones: Vec<i64> = list_indices(params, "zoneIds")
            .into_iter()
            .map(|i| int_param(params, &format!("zoneIds.{i}"), 0))
            .collect::<Result<_, _>>()?;
        let mut found: Vec<(&Vpc, &Subnet)> = self
            .vpcs
            .iter()
            .enumerate()
            .filter(|(i, v)| {
                v.uin == caller.uin
                    && v.region == caller.region
                    && vpc_filter.is_none_or(|f| f == *i)
            })
            .flat_map(|(_, v)| v.subnets.iter().map(move |s| (v, s)))
            .filter(|(_, s)| subnet_id.is_none_or(|id| s.has_id(id)))
            .filter(|(_, s)| name.is_none_or(|n| s.name.contains(n)))
            .filter(|(_, s)| zones.is_empty() || zones.contains(&s.zone_id))
            .collect();
        match params.get("orderField") {
            Some("subnetName") => {
                found.sort_by(|a, b| (&a.1.name, a.1.serial).cmp(&(&b.1.name, b.1.serial)));
            }
            _ => found.sort_by_key(|(_, s)| (s.created, s.serial)),
        }
        // The documented default direction is descending.
        if params.get("orderDirection") != Some("asc") {
            found.reverse();
        }
        let total = found.len();
        let data: Vec<Value> = page(found, params)?
            .into_iter()
            .map(|(v, s)| self.subnet_json(v, s, with_acl))
            .collect();
        Ok(into_fields(json!({"totalCount": total, "data": data})))
    }

    pub(super) fn describe_subnet(
        &self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, s) = self.subnet_index(
            caller,
            required(params, "vpcId")?,
            required(params, "subnetId")?,
        )?;
        let vpc = &self.vpcs[v];
        let s = &vpc.subnets[s];
        let (total, available) = ip_counts(vpc, s);
        Ok(into_fields(json!({
            "subnetId": s.subnet_id,
            "subnetName": s.name,
            "subnetCreateTime": format_datetime(s.created),
            "cidrBlock": s.cidr.to_string(),
            "routeTableId": s.route_table_id,
            "zoneId": s.zone_id,
            "totalIPNum": total,
            "availableIPNum": available,
        })))
    }

    pub(super) fn modify_subnet(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, s) = self.subnet_index(
            caller,
            required(params, "vpcId")?,
            required(params, "subnetId")?,
        )?;
        let name = required(params, "subnetName")?;
        check_name(name, SUBNET_NAME_INVALID)?;
        let subnets = &mut self.vpcs[v].subnets;
        if subnets
            .iter()
            .enumerate()
            .any(|(i, other)| i != s && other.name == name)
        {
            return Err(Failure::business_name(
                SUBNET_NAME_IN_USE,
                format!("a subnet named `{name}` already exists in the VPC"),
            ));
        }
        subnets[s].name = name.to_owned();
        Ok(Fields::new())
    }

    pub(super) fn delete_subnet(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, s) = self.subnet_index(
            caller,
            required(params, "vpcId")?,
            required(params, "subnetId")?,
        )?;
        let vpc = &self.vpcs[v];
        let subnet = &vpc.subnets[s];
        if let Some(eni) = vpc.enis.iter().find(|e| e.subnet_id == subnet.subnet_id) {
            return Err(Failure::business_name(
                SUBNET_CANNOT_DELETE,
                format!(
                    "subnet `{}` still holds network interface {}",
                    subnet.un_subnet_id, eni.eni_id
                ),
            ));
        }
        self.vpcs[v].subnets.remove(s);
        Ok(Fields::new())
    }
}
