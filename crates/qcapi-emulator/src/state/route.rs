//! Route tables and their routes, and the association of subnets with them.

use qcapi_core::vpc::*;

use super::table::{Handlers, Listed, Listing, Model, Now, Order, check_new_name, count};
use super::*;
use serde::{Deserialize, Serialize};

/// `nextType` of a route through a VPN gateway.
pub(super) const NEXT_TYPE_VPN: i64 = 1;
/// `nextType` of a route through a peering connection.
pub(super) const NEXT_TYPE_PEERING: i64 = 4;
/// `nextType` of a route through a direct-connect gateway.
pub(super) const NEXT_TYPE_DIRECT_CONNECT: i64 = 3;
/// `nextType` of a route through a NAT gateway.
pub(super) const NEXT_TYPE_NAT: i64 = 8;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateRouteTable::run)
        .add(ModifyRouteTableAttribute::run)
        .add(DeleteRouteTable::run)
        .add(AssociateRouteTable::run)
        .add(CreateRoute::run)
        .add(DeleteRoute::run)
        .listing("routeTables", || DescribeRouteTable::new().limit(i64::MAX));
}

/// A route table of one VPC; its subnets name it by old-style id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct RouteTable {
    pub(super) head: Head,
    /// 0 normal, 1 default.
    pub(super) kind: i64,
    pub(super) routes: Vec<Route>,
}

table::resource! {
    RouteTable "route table" in route_tables,
    InvalidRouteTableIdNotFound, InvalidRouteTableName, InvalidRouteTableNameInUse
}

/// One route: traffic to `destination` goes to `next_hub` of kind `next_type`
/// (3 is a direct-connect gateway, 4 a peering connection, 8 a NAT gateway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Route {
    destination: Cidr,
    next_type: i64,
    next_hub: String,
    description: String,
}

impl Route {
    /// What tells routes apart when deleting: destination, next type and hop.
    fn key(&self) -> (Cidr, i64, &str) {
        (self.destination, self.next_type, &self.next_hub)
    }
}

/// A route as a request spells it (each action has its own generated type).
struct Wish<'r> {
    destination: &'r str,
    next_type: &'r str,
    next_hub: &'r str,
    description: Option<&'r str>,
}

/// `nextType` as a number (the spec only lets integers through).
fn next_type(text: &str) -> Result<i64, Failure> {
    let message = || format!("`nextType` must be an integer, got `{text}`");
    text.trim()
        .parse()
        .map_err(|_| Failure::invalid_parameter(message()))
}

impl State {
    /// Checks routes for VPC `v`: destinations are blocks not inside the VPC's
    /// own block (the local route covers it), and distinct; a peering next hop
    /// (`nextType` 4) must be an active peering connection of this VPC, a NAT
    /// gateway one (`nextType` 8) one of its NAT gateways, a direct-connect
    /// gateway one (`nextType` 3) one of its direct-connect gateways, a VPN
    /// gateway one (`nextType` 1) one of its VPN gateways.
    fn checked_routes<'r>(
        &self,
        v: usize,
        wanted: impl IntoIterator<Item = Wish<'r>>,
    ) -> Result<Vec<Route>, Failure> {
        let vpc = &self.vpcs[v];
        let mut routes: Vec<Route> = Vec::new();
        for wish in wanted {
            let next_type = next_type(wish.next_type)?;
            let (dest_text, next_hub) = (wish.destination, wish.next_hub);
            let Some(destination) = Cidr::parse(dest_text).filter(|d| !vpc.cidr.contains(*d))
            else {
                let message = format!(
                    "destination `{dest_text}` is not a CIDR block, or lies inside the VPC's {}",
                    vpc.cidr
                );
                return Err(Failure::business(
                    ErrorCode::InvalidDestinationCidr,
                    message,
                ));
            };
            let active_peering = |p: &Peering| {
                p.head.id == next_hub && p.state == PeeringState::Active && p.joins(vpc)
            };
            let (known, kind) = match next_type {
                NEXT_TYPE_PEERING => (
                    self.peerings.iter().any(active_peering),
                    "an active peering connection",
                ),
                NEXT_TYPE_NAT => (
                    vpc.nat_gateways.iter().any(|n| n.head.has_id(next_hub)),
                    "a NAT gateway",
                ),
                NEXT_TYPE_DIRECT_CONNECT => (
                    vpc.dc_gateways.iter().any(|g| g.head.has_id(next_hub)),
                    "a direct-connect gateway",
                ),
                NEXT_TYPE_VPN => (
                    vpc.vpn_gateways.iter().any(|g| g.head.has_id(next_hub)),
                    "a VPN gateway",
                ),
                _ => (true, ""),
            };
            if !known {
                return Err(Failure::business(
                    ErrorCode::InvalidRouteNextHubNotFound,
                    format!("`{next_hub}` is not {kind} of VPC `{}`", vpc.head.un_id),
                ));
            }
            if routes.iter().any(|r| r.destination == destination) {
                let message = format!("two routes lead to {destination}");
                return Err(Failure::business(ErrorCode::RouteAlreadyExists, message));
            }
            routes.push(Route {
                destination,
                next_type,
                next_hub: next_hub.to_owned(),
                description: wish.description.unwrap_or_default().to_owned(),
            });
        }
        Ok(routes)
    }

    /// Routes through a deleted peering connection, NAT or direct-connect gateway (`next_type`
    /// and id `hub`) disappear with it.
    pub(super) fn drop_routes_to(&mut self, next_type: i64, hub: &str) {
        for table in self.vpcs.iter_mut().flat_map(|v| v.route_tables.iter_mut()) {
            table
                .routes
                .retain(|r| !(r.next_type == next_type && r.next_hub == hub));
        }
    }
}

impl Listed for DescribeRouteTable {
    fn list(state: &State, caller: &Caller, request: &Self) -> Result<Self::Output, Failure> {
        let found = state.children::<RouteTable>(caller, request.vpc_id.as_deref())?;
        let listing = Listing {
            id: request.route_table_id.as_deref(),
            name: request.route_table_name.as_deref(),
            order: Order::by(request.order_field.as_deref(), "routeTableName"),
            // The documented default direction is descending.
            order_direction: Some(request.order_direction.as_deref().unwrap_or("desc")),
            ..Listing::page_of(request)
        };
        let (total, page) = listing.page(found, |(_, t)| *t);
        Ok(DescribeRouteTableOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(|(v, t)| table_item(v, t)).collect()),
            ..Default::default()
        })
    }
}

/// One DescribeRouteTable item: the table, its VPC, and its routes (the
/// implicit local route first) under both names the documentation uses.
fn table_item(v: &Vpc, t: &RouteTable) -> DescribeRouteTableData {
    let hop = |destination: &dyn ToString, next_type: i64, hub: &str, description: &str| {
        DescribeRouteTableDataRouteSet {
            destination_cidr_block: Some(destination.to_string()),
            next_type: Some(next_type),
            next_hub: Some(hub.to_owned()),
            un_next_hub: Some(hub.to_owned()),
            description: Some(description.to_owned()),
        }
    };
    let local = hop(&"Local", 2, "Local", "");
    let routes = t.routes.iter();
    let routes = routes.map(|r| hop(&r.destination, r.next_type, &r.next_hub, &r.description));
    let route_set: Vec<_> = std::iter::once(local).chain(routes).collect();
    let route_table_set = route_set
        .iter()
        .cloned()
        .map(|r| DescribeRouteTableDataRouteTableSet {
            destination_cidr_block: r.destination_cidr_block,
            next_type: r.next_type,
            next_hub: r.next_hub,
            un_next_hub: r.un_next_hub,
            description: r.description,
        })
        .collect();
    let subnets = v.subnets.iter().filter(|s| s.route_table_id == t.head.id);
    DescribeRouteTableData {
        vpc_id: Some(v.head.id.clone()),
        un_vpc_id: Some(v.head.un_id.clone()),
        vpc_name: Some(v.head.name.clone()),
        vpc_cidr_block: Some(v.cidr.to_string()),
        route_table_id: Some(t.head.id.clone()),
        un_route_table_id: Some(t.head.un_id.clone()),
        route_table_name: Some(t.head.name.clone()),
        route_table_type: Some(t.kind),
        route_table_create_time: Some(format_datetime(t.head.created)),
        subnet_num: Some(count(subnets.count())),
        route_table_set: Some(route_table_set),
        route_set: Some(route_set),
    }
}

/// What quota type 3 counts, for its message.
const ROUTES: &str = "routes of a route table";

impl Model for CreateRouteTable {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let name = r.route_table_name;
        check_new_name(&state.vpcs[v].route_tables, &name, None, "the VPC")?;
        let held = (state.vpcs[v].route_tables.len(), 1);
        let what = "route tables of a VPC";
        state.within("2", held, ErrorCode::RouteTableLimitExceeded, what)?;
        let adding = r.route_set.as_ref().map_or(0, Vec::len);
        state.within("3", (0, adding), ErrorCode::RouteLimitExceeded, ROUTES)?;
        let wanted = r.route_set.iter().flatten().map(|r| Wish {
            destination: &r.destination_cidr_block,
            next_type: &r.next_type,
            next_hub: &r.next_hub,
            description: r.description.as_deref(),
        });
        let routes = state.checked_routes(v, wanted)?;
        let region = state.vpcs[v].region.clone();
        let table = RouteTable {
            head: state.head("rtb", Some(&region), name, now),
            kind: 0,
            routes,
        };
        let route_table_set = table.routes.iter().map(|r| CreateRouteTableRouteTableSet {
            destination_cidr_block: Some(r.destination.to_string()),
            next_type: Some(r.next_type),
            next_hub: Some(r.next_hub.clone()),
            description: Some(r.description.clone()),
        });
        let out = CreateRouteTableOutput {
            route_table_id: Some(table.head.id.clone()),
            un_route_table_id: Some(table.head.un_id.clone()),
            route_table_set: Some(route_table_set.collect()),
            ..Default::default()
        };
        state.vpcs[v].route_tables.push(table);
        Ok(out)
    }
}

impl Model for ModifyRouteTableAttribute {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, t) = state.child::<RouteTable>(caller, &r.vpc_id, &r.route_table_id)?;
        if let Some(name) = &r.route_table_name {
            check_new_name(&state.vpcs[v].route_tables, name, Some(t), "the VPC")?;
        }
        // A given `routeSet` replaces every route.
        let wanted = r.route_set.as_ref().map(|set| {
            set.iter().map(|r| Wish {
                destination: &r.destination_cidr_block,
                next_type: &r.next_type,
                next_hub: &r.next_hub,
                description: r.description.as_deref(),
            })
        });
        let routes = wanted.map(|w| state.checked_routes(v, w)).transpose()?;
        if let Some(routes) = &routes {
            state.within(
                "3",
                (0, routes.len()),
                ErrorCode::RouteLimitExceeded,
                ROUTES,
            )?;
        }
        let table = &mut state.vpcs[v].route_tables[t];
        if let Some(name) = r.route_table_name {
            table.head.name = name;
        }
        if let Some(routes) = routes {
            table.routes = routes;
        }
        Ok(ModifyRouteTableAttributeOutput::default())
    }
}

impl Model for DeleteRouteTable {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let id = r.route_table_id.as_str();
        let (v, t) = state.child::<RouteTable>(caller, &r.vpc_id, id)?;
        let vpc = &state.vpcs[v];
        let table = &vpc.route_tables[t];
        let associated = |s: &&Subnet| s.route_table_id == table.head.id;
        let subnet = vpc.subnets.iter().find(associated);
        let refusal = match subnet {
            _ if table.kind == 1 => Some(format!("`{id}` is the VPC's default route table")),
            Some(s) => Some(format!(
                "route table `{id}` is still associated with subnet {}",
                s.head.id
            )),
            None => None,
        };
        if let Some(message) = refusal {
            // The spec documents no code for this refusal; the name is the emulator's own.
            return Err(Failure::business(
                ErrorCode::InvalidRouteTableCannotDelete,
                message,
            ));
        }
        state.vpcs[v].route_tables.remove(t);
        Ok(DeleteRouteTableOutput::default())
    }
}

impl Model for AssociateRouteTable {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let vpc_id = r.vpc_id.as_str();
        let (v, t) = state.child::<RouteTable>(caller, vpc_id, &r.route_table_id)?;
        let (_, s) = state.child::<Subnet>(caller, vpc_id, &r.subnet_id)?;
        let vpc = &mut state.vpcs[v];
        vpc.subnets[s].route_table_id = vpc.route_tables[t].head.id.clone();
        Ok(AssociateRouteTableOutput::default())
    }
}

impl Model for CreateRoute {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, t) = state.child::<RouteTable>(caller, &r.vpc_id, &r.route_table_id)?;
        let wanted = r.route_set.iter().map(|r| Wish {
            destination: &r.destination_cidr_block,
            next_type: &r.next_type,
            next_hub: &r.next_hub,
            description: None,
        });
        let routes = state.checked_routes(v, wanted)?;
        let held = (state.vpcs[v].route_tables[t].routes.len(), routes.len());
        state.within("3", held, ErrorCode::RouteLimitExceeded, ROUTES)?;
        let table = &mut state.vpcs[v].route_tables[t];
        let existing = |r: &&Route| table.routes.iter().any(|e| e.destination == r.destination);
        if let Some(r) = routes.iter().find(existing) {
            let message = format!("the table already has a route to {}", r.destination);
            return Err(Failure::business(ErrorCode::RouteAlreadyExists, message));
        }
        table.routes.extend(routes);
        Ok(CreateRouteOutput::default())
    }
}

impl Model for DeleteRoute {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, t) = state.child::<RouteTable>(caller, &r.vpc_id, &r.route_table_id)?;
        let table = &mut state.vpcs[v].route_tables[t];
        let mut doomed = Vec::with_capacity(r.route_set.len());
        for r in &r.route_set {
            let (dest_text, next_hub) = (&r.destination_cidr_block, r.next_hub.as_str());
            let next_type = next_type(&r.next_type)?;
            let Some(destination) = Cidr::parse(dest_text) else {
                let message = format!("destination `{dest_text}` is not a CIDR block");
                return Err(Failure::business(
                    ErrorCode::InvalidDestinationCidr,
                    message,
                ));
            };
            let key = (destination, next_type, next_hub);
            if !table.routes.iter().any(|r| r.key() == key) {
                // The spec documents no code for a missing route; the name is the emulator's own.
                let message = format!("no route to {destination} via {next_type}/{next_hub}");
                return Err(Failure::business(ErrorCode::InvalidRouteNotFound, message));
            }
            doomed.push(key);
        }
        table.routes.retain(|r| !doomed.contains(&r.key()));
        Ok(DeleteRouteOutput::default())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn route_tables_routes_and_associations() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet) = vpc_with_subnet(&mut state);
        let other = create_vpc(&mut state, &a, "peer", "10.9.0.0/16");
        let pcx = ok(call(
            &mut state,
            &a,
            "CreateVpcPeeringConnection",
            &[
                ("vpcId", &vpc),
                ("peerVpcId", &other),
                ("peerUin", A),
                ("peeringConnectionName", "p"),
            ],
            T0,
        ))["peeringConnectionId"]
            .as_str()
            .expect("id")
            .to_owned();
        let created = ok(call(
            &mut state,
            &a,
            "CreateRouteTable",
            &[
                ("vpcId", &vpc),
                ("routeTableName", "rt"),
                ("routeSet.0.destinationCidrBlock", "10.9.0.0/16"),
                ("routeSet.0.nextType", "4"),
                ("routeSet.0.nextHub", &pcx),
            ],
            T0,
        ));
        let rtb = created["unRouteTableId"].as_str().expect("id").to_owned();
        assert_eq!(created["routeTableSet"][0]["nextHub"], pcx.as_str());
        let route = |dest: &'static str, ty: &'static str, hub: &str| {
            vec![
                ("vpcId".to_owned(), vpc.clone()),
                ("routeTableId".to_owned(), rtb.clone()),
                (
                    "routeSet.0.destinationCidrBlock".to_owned(),
                    dest.to_owned(),
                ),
                ("routeSet.0.nextType".to_owned(), ty.to_owned()),
                ("routeSet.0.nextHub".to_owned(), hub.to_owned()),
            ]
        };
        let borrow = |pairs: &[(String, String)]| -> Vec<(String, String)> { pairs.to_vec() };
        type Pairs = Vec<(String, String)>;
        let cases: Vec<(&str, Pairs, &str)> = vec![
            (
                "CreateRouteTable",
                borrow(&[
                    ("vpcId".into(), vpc.clone()),
                    ("routeTableName".into(), "rt".into()),
                ]),
                "InvalidRouteTableName.InUse",
            ),
            (
                "CreateRouteTable",
                borrow(&[
                    ("vpcId".into(), "vpc-none".into()),
                    ("routeTableName".into(), "x".into()),
                ]),
                "InvalidVpc.NotFound",
            ),
            (
                "CreateRoute",
                route("10.9.0.0/16", "4", &pcx),
                "RouteAlreadyExists",
            ),
            (
                "CreateRoute",
                route("10.0.5.0/24", "0", "gw"),
                "InvalidDestinationCidr",
            ),
            (
                "CreateRoute",
                route("bogus", "0", "gw"),
                "InvalidDestinationCidr",
            ),
            (
                "CreateRoute",
                route("10.20.0.0/16", "4", "pcx-nothing"),
                "InvalidRouteNextHub.NotFound",
            ),
            ("CreateRoute", route("10.20.0.0/16", "0", "nat-1"), "ok"),
            (
                "DeleteRoute",
                route("10.21.0.0/16", "0", "nat-1"),
                "InvalidRoute.NotFound",
            ),
            ("DeleteRoute", route("10.20.0.0/16", "0", "nat-1"), "ok"),
            (
                "DeleteRoute",
                route("10.20.0.0/16", "0", "nat-1"),
                "InvalidRoute.NotFound",
            ),
            (
                "AssociateRouteTable",
                borrow(&[
                    ("vpcId".into(), vpc.clone()),
                    ("subnetId".into(), "subnet-none".into()),
                    ("routeTableId".into(), rtb.clone()),
                ]),
                "InvalidSubnet.NotFound",
            ),
            (
                "AssociateRouteTable",
                borrow(&[
                    ("vpcId".into(), vpc.clone()),
                    ("subnetId".into(), subnet.clone()),
                    ("routeTableId".into(), "rtb-none".into()),
                ]),
                "InvalidRouteTableId.NotFound",
            ),
            (
                "AssociateRouteTable",
                borrow(&[
                    ("vpcId".into(), vpc.clone()),
                    ("subnetId".into(), subnet.clone()),
                    ("routeTableId".into(), rtb.clone()),
                ]),
                "ok",
            ),
            (
                "DeleteRouteTable",
                borrow(&[
                    ("vpcId".into(), vpc.clone()),
                    ("routeTableId".into(), rtb.clone()),
                ]),
                "InvalidRouteTable.CannotDelete",
            ),
        ];
        for (action, pairs, expected) in &cases {
            let pairs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            assert_eq!(
                outcome(&mut state, action, &pairs),
                *expected,
                "{action} {pairs:?}"
            );
        }

        let tables = |state: &mut State| {
            ok(call(
                state,
                &a,
                "DescribeRouteTable",
                &[("vpcId", &vpc), ("orderDirection", "asc")],
                T0,
            ))
        };
        let listed = tables(&mut state);
        assert_eq!(listed["totalCount"], 2);
        let default = &listed["data"][0];
        assert_eq!(default["routeTableType"], 1);
        assert_eq!(default["subnetNum"], 0);
        assert_eq!(default["routeSet"][0]["destinationCidrBlock"], "Local");
        let custom = &listed["data"][1];
        assert_eq!(custom["subnetNum"], 1);
        assert_eq!(custom["routeSet"][1]["destinationCidrBlock"], "10.9.0.0/16");
        assert_eq!(custom["routeSet"], custom["routeTableSet"]);
        let default_id = default["routeTableId"].as_str().expect("id").to_owned();
        assert_eq!(
            outcome(
                &mut state,
                "DeleteRouteTable",
                &[("vpcId", &vpc), ("routeTableId", &default_id)]
            ),
            "InvalidRouteTable.CannotDelete"
        );
        let ids = [("vpcId", vpc.as_str()), ("subnetId", subnet.as_str())];
        assert_eq!(
            ok(call(&mut state, &a, "DescribeSubnet", &ids, T0))["routeTableId"],
            custom["routeTableId"]
        );

        // Deleting the peering takes its route along.
        ok(call(
            &mut state,
            &a,
            "DeleteVpcPeeringConnection",
            &[("peeringConnectionId", &pcx)],
            T0,
        ));
        assert_eq!(
            tables(&mut state)["data"][1]["routeSet"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert_eq!(
            outcome(
                &mut state,
                "ModifyRouteTableAttribute",
                &[
                    ("vpcId", &vpc),
                    ("routeTableId", &rtb),
                    ("routeSet.0.destinationCidrBlock", "10.9.0.0/16"),
                    ("routeSet.0.nextType", "4"),
                    ("routeSet.0.nextHub", &pcx),
                ]
            ),
            "InvalidRouteNextHub.NotFound"
        );
        assert_eq!(
            outcome(
                &mut state,
                "ModifyRouteTableAttribute",
                &[
                    ("vpcId", &vpc),
                    ("routeTableId", &rtb),
                    ("routeTableName", "default")
                ]
            ),
            "InvalidRouteTableName.InUse"
        );
        ok(call(
            &mut state,
            &a,
            "ModifyRouteTableAttribute",
            &[
                ("vpcId", &vpc),
                ("routeTableId", &rtb),
                ("routeTableName", "renamed"),
                ("routeSet.0.destinationCidrBlock", "0.0.0.0/0"),
                ("routeSet.0.nextType", "0"),
                ("routeSet.0.nextHub", "gw"),
            ],
            T0,
        ));
        let custom = &tables(&mut state)["data"][1];
        assert_eq!(custom["routeTableName"], "renamed");
        assert_eq!(custom["routeSet"][1]["destinationCidrBlock"], "0.0.0.0/0");

        ok(call(
            &mut state,
            &a,
            "AssociateRouteTable",
            &[
                ("vpcId", &vpc),
                ("subnetId", &subnet),
                ("routeTableId", &default_id),
            ],
            T0,
        ));
        ok(call(
            &mut state,
            &a,
            "DeleteRouteTable",
            &[("vpcId", &vpc), ("routeTableId", &rtb)],
            T0,
        ));
        assert_eq!(
            outcome(
                &mut state,
                "DeleteRouteTable",
                &[("vpcId", &vpc), ("routeTableId", &rtb)]
            ),
            "InvalidRouteTableId.NotFound"
        );
        assert_eq!(tables(&mut state)["totalCount"], 1);
        let none = ok(call(
            &mut state,
            &a,
            "DescribeRouteTable",
            &[("routeTableId", &rtb)],
            T0,
        ));
        assert_eq!(none["totalCount"], 0);
    }

    #[test]
    fn the_dump_lists_route_tables_as_described() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, _) = vpc_with_subnet(&mut state);
        create_vpc(&mut state, &caller(B, "gz"), "theirs", "10.1.0.0/16");
        let pairs = [("vpcId", vpc.as_str()), ("routeTableName", "rt")];
        ok(call(&mut state, &a, "CreateRouteTable", &pairs, T0));
        let described = ok(call(&mut state, &a, "DescribeRouteTable", &[], T0));
        let dumped = dump(&state, &a);
        assert_eq!(dumped["routeTables"], described["data"], "{dumped}");
        assert_eq!(dumped["routeTables"].as_array().map(Vec::len), Some(2));
    }
}
