//! Route tables and their routes, and the association of subnets with them.

use super::subnet::SUBNET_NOT_FOUND;
use super::*;

pub(super) const ROUTE_TABLE_NOT_FOUND: &str = "InvalidRouteTableId.NotFound";
pub(super) const ROUTE_TABLE_NAME_INVALID: &str = "InvalidRouteTableName";
pub(super) const ROUTE_TABLE_NAME_IN_USE: &str = "InvalidRouteTableName.InUse";
pub(super) const ROUTE_TABLE_CANNOT_DELETE: &str = "InvalidRouteTable.CannotDelete";
pub(super) const DESTINATION_INVALID: &str = "InvalidDestinationCidr";
pub(super) const ROUTE_EXISTS: &str = "RouteAlreadyExists";
pub(super) const NEXT_HUB_NOT_FOUND: &str = "InvalidRouteNextHub.NotFound";
pub(super) const ROUTE_NOT_FOUND: &str = "InvalidRoute.NotFound";

/// `nextType` of a route through a peering connection.
const NEXT_TYPE_PEERING: i64 = 4;

fn route_json(r: &Route) -> Value {
    json!({
        "destinationCidrBlock": r.destination.to_string(),
        "nextType": r.next_type,
        "nextHub": r.next_hub,
        "unNextHub": r.next_hub,
        "description": r.description,
    })
}

impl State {
    /// The indices of the caller's VPC `vpc_id` and of its route table `table_id`.
    fn route_table_index(
        &self,
        caller: &Caller,
        vpc_id: &str,
        table_id: &str,
    ) -> Result<(usize, usize), Failure> {
        let v = self.vpc_index(caller, vpc_id)?;
        let t = self.vpcs[v]
            .route_tables
            .iter()
            .position(|t| t.has_id(table_id))
            .ok_or_else(|| {
                Failure::business_name(
                    ROUTE_TABLE_NOT_FOUND,
                    format!("route table `{table_id}` not found in VPC `{vpc_id}`"),
                )
            })?;
        Ok((v, t))
    }

    /// Reads and checks `routeSet.N.*` for VPC `v`: destinations are blocks
    /// not inside the VPC's own block (the local route covers it), and distinct; a peering next hop
    /// (`nextType` 4) must be an active peering connection of this VPC.
    fn parse_routes(&self, v: usize, params: &Params) -> Result<Vec<Route>, Failure> {
        let vpc = &self.vpcs[v];
        let mut routes: Vec<Route> = Vec::new();
        for i in list_indices(params, "routeSet") {
            let field = |f: &str| required(params, &format!("routeSet.{i}.{f}"));
            let dest_text = field("destinationCidrBlock")?;
            let next_type = int_param(params, &format!("routeSet.{i}.nextType"), 0)?;
            let next_hub = field("nextHub")?;
            let destination = Cidr::parse(dest_text)
                .filter(|d| !vpc.cidr.contains(*d))
                .ok_or_else(|| {
                    Failure::business_name(
                        DESTINATION_INVALID,
                        format!(
                            "destination `{dest_text}` is not a CIDR block, or lies inside the VPC's {}",
                            vpc.cidr
                        ),
                    )
                })?;
            if next_type == NEXT_TYPE_PEERING {
                let active = self.peerings.iter().any(|p| {
                    p.id == next_hub
                        && p.state == PeeringState::Active
                        && (p.initiator.vpc_id == vpc.vpc_id || p.receiver.vpc_id == vpc.vpc_id)
                });
                if !active {
                    return Err(Failure::business_name(
                        NEXT_HUB_NOT_FOUND,
                        format!(
                            "`{next_hub}` is not an active peering connection of VPC `{}`",
                            vpc.un_vpc_id
                        ),
                    ));
                }
            }
            if routes.iter().any(|r| r.destination == destination) {
                return Err(Failure::business_name(
                    ROUTE_EXISTS,
                    format!("two routes lead to {destination}"),
                ));
            }
            routes.push(Route {
                destination,
                next_type,
                next_hub: next_hub.to_owned(),
                description: params
                    .get(&format!("routeSet.{i}.description"))
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        Ok(routes)
    }

    fn check_table_name(vpc: &Vpc, name: &str, except: Option<usize>) -> Result<(), Failure> {
        check_name(name, ROUTE_TABLE_NAME_INVALID)?;
        let taken = vpc
            .route_tables
            .iter()
            .enumerate()
            .any(|(i, t)| Some(i) != except && t.name == name);
        if taken {
            return Err(Failure::business_name(
                ROUTE_TABLE_NAME_IN_USE,
                format!("a route table named `{name}` already exists in the VPC"),
            ));
        }
        Ok(())
    }

    pub(super) fn create_route_table(
        &mut self,
        caller: &Caller,
        params: &Params,
        now: i64,
    ) -> Result<Fields, Failure> {
        let v = self.vpc_index(caller, required(params, "vpcId")?)?;
        let name = required(params, "routeTableName")?;
        Self::check_table_name(&self.vpcs[v], name, None)?;
        let routes = self.parse_routes(v, params)?;
        let serial = self.serial();
        let region = self.vpcs[v].region.clone();
        let table = RouteTable {
            route_table_id: format!("{region}_rtb_{serial}"),
            un_route_table_id: format!("rtb-{}", unified_suffix(serial)),
            name: name.to_owned(),
            kind: 0,
            created: now,
            serial,
            routes,
        };
        let out = json!({
            "routeTableId": table.route_table_id,
            "unRouteTableId": table.un_route_table_id,
            "routeTableSet": table.routes.iter().map(route_json).collect::<Vec<_>>(),
        });
        self.vpcs[v].route_tables.push(table);
        Ok(into_fields(out))
    }

    pub(super) fn describe_route_tables(
        &self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let vpc_filter = match params.get("vpcId") {
            Some(id) => Some(self.vpc_index(caller, id)?),
            None => None,
        };
        let table_id = params.get("routeTableId");
        let name = params.get("routeTableName");
        let mut found: Vec<(&Vpc, &RouteTable)> = self
            .vpcs
            .iter()
            .enumerate()
            .filter(|(i, v)| {
                v.uin == caller.uin
                    && v.region == caller.region
                    && vpc_filter.is_none_or(|f| f == *i)
            })
            .flat_map(|(_, v)| v.route_tables.iter().map(move |t| (v, t)))
            .filter(|(_, t)| table_id.is_none_or(|id| t.has_id(id)))
            .filter(|(_, t)| name.is_none_or(|n| t.name.contains(n)))
            .collect();
        match params.get("orderField") {
            Some("routeTableName") => {
                found.sort_by(|a, b| (&a.1.name, a.1.serial).cmp(&(&b.1.name, b.1.serial)));
            }
            _ => found.sort_by_key(|(_, t)| (t.created, t.serial)),
        }
        // The documented default direction is descending.
        if params.get("orderDirection") != Some("asc") {
            found.reverse();
        }
        let total = found.len();
        let data: Vec<Value> = page(found, params)?
            .into_iter()
            .map(|(v, t)| {
                let local = json!({
                    "destinationCidrBlock": "Local",
                    "nextType": 2,
                    "nextHub": "Local",
                    "unNextHub": "Local",
                    "description": "",
                });
                let routes: Vec<Value> = std::iter::once(local)
                    .chain(t.routes.iter().map(route_json))
                    .collect();
                json!({
                    "vpcId": v.vpc_id,
                    "unVpcId": v.un_vpc_id,
                    "vpcName": v.name,
                    "vpcCidrBlock": v.cidr.to_string(),
                    "routeTableId": t.route_table_id,
                    "unRouteTableId": t.un_route_table_id,
                    "routeTableName": t.name,
                    "routeTableType": t.kind,
                    "routeTableCreateTime": format_datetime(t.created),
                    "subnetNum": v.subnets.iter().filter(|s| s.route_table_id == t.route_table_id).count(),
                    "routeTableSet": routes,
                    "routeSet": routes,
                })
            })
            .collect();
        Ok(into_fields(json!({"totalCount": total, "data": data})))
    }

    pub(super) fn modify_route_table(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, t) = self.route_table_index(
            caller,
            required(params, "vpcId")?,
            required(params, "routeTableId")?,
        )?;
        let name = params.get("routeTableName");
        if let Some(name) = name {
            Self::check_table_name(&self.vpcs[v], name, Some(t))?;
        }
        // A given `routeSet` replaces every route.
        let routes = if list_indices(params, "routeSet").is_empty() {
            None
        } else {
            Some(self.parse_routes(v, params)?)
        };
        let table = &mut self.vpcs[v].route_tables[t];
        if let Some(name) = name {
            table.name = name.to_owned();
        }
        if let Some(routes) = routes {
            table.routes = routes;
        }
        Ok(Fields::new())
    }

    pub(super) fn delete_route_table(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let id = required(params, "routeTableId")?;
        let (v, t) = self.route_table_index(caller, required(params, "vpcId")?, id)?;
        let vpc = &self.vpcs[v];
        let table = &vpc.route_tables[t];
        if table.kind == 1 {
            return Err(Failure::business_name(
                ROUTE_TABLE_CANNOT_DELETE,
                format!("`{id}` is the VPC's default route table"),
            ));
        }
        if let Some(s) = vpc
            .subnets
            .iter()
            .find(|s| s.route_table_id == table.route_table_id)
        {
            return Err(Failure::business_name(
                ROUTE_TABLE_CANNOT_DELETE,
                format!(
                    "route table `{id}` is still associated with subnet {}",
                    s.subnet_id
                ),
            ));
        }
        self.vpcs[v].route_tables.remove(t);
        Ok(Fields::new())
    }

    pub(super) fn associate_route_table(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let vpc_id = required(params, "vpcId")?;
        let subnet_id = required(params, "subnetId")?;
        let (v, t) = self.route_table_index(caller, vpc_id, required(params, "routeTableId")?)?;
        let vpc = &mut self.vpcs[v];
        let table_id = vpc.route_tables[t].route_table_id.clone();
        let subnet = vpc
            .subnets
            .iter_mut()
            .find(|s| s.has_id(subnet_id))
            .ok_or_else(|| {
                Failure::business_name(
                    SUBNET_NOT_FOUND,
                    format!("subnet `{subnet_id}` not found in VPC `{vpc_id}`"),
                )
            })?;
        subnet.route_table_id = table_id;
        Ok(Fields::new())
    }

    pub(super) fn create_routes(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, t) = self.route_table_index(
            caller,
            required(params, "vpcId")?,
            required(params, "routeTableId")?,
        )?;
        let routes = self.parse_routes(v, params)?;
        let table = &mut self.vpcs[v].route_tables[t];
        if let Some(r) = routes
            .iter()
            .find(|r| table.routes.iter().any(|e| e.destination == r.destination))
        {
            return Err(Failure::business_name(
                ROUTE_EXISTS,
                format!("the table already has a route to {}", r.destination),
            ));
        }
        table.routes.extend(routes);
        Ok(Fields::new())
    }

    pub(super) fn delete_routes(
        &mut self,
        caller: &Caller,
        params: &Params,
    ) -> Result<Fields, Failure> {
        let (v, t) = self.route_table_index(
            caller,
            required(params, "vpcId")?,
            required(params, "routeTableId")?,
        )?;
        let mut doomed = Vec::new();
        for i in list_indices(params, "routeSet") {
            let field = |f: &str| required(params, &format!("routeSet.{i}.{f}"));
            let dest_text = field("destinationCidrBlock")?;
            let next_type = int_param(params, &format!("routeSet.{i}.nextType"), 0)?;
            let next_hub = field("nextHub")?;
            let destination = Cidr::parse(dest_text).ok_or_else(|| {
                Failure::business_name(
                    DESTINATION_INVALID,
                    format!("destination `{dest_text}` is not a CIDR block"),
                )
            })?;
            let exists = self.vpcs[v].route_tables[t].routes.iter().any(|r| {
                r.destination == destination && r.next_type == next_type && r.next_hub == next_hub
            });
            if !exists {
                return Err(Failure::business_name(
                    ROUTE_NOT_FOUND,
                    format!("no route to {destination} via {next_type}/{next_hub}"),
                ));
            }
            doomed.push((destination, next_type, next_hub));
        }
        self.vpcs[v].route_tables[t].routes.retain(|r| {
            !doomed
                .iter()
                .any(|(d, ty, hub)| r.destination == *d && r.next_type == *ty && r.next_hub == *hub)
        });
        Ok(Fields::new())
    }

    /// Routes through a deleted peering connection disappear with it.
    pub(super) fn drop_routes_to_peering(&mut self, peering_id: &str) {
        for table in self.vpcs.iter_mut().flat_map(|v| v.route_tables.iter_mut()) {
            table
                .routes
                .retain(|r| !(r.next_type == NEXT_TYPE_PEERING && r.next_hub == peering_id));
        }
    }
}
