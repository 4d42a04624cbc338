//! The emulated resources and their rules: a pure state machine, free of HTTP.
//!
//! [`handle`] runs one authenticated, validated request against [`State`] at a
//! given emulator time and returns the response fields or an [`Failure`].
//! Time is an input, so expiry is deterministic and testable.

use std::collections::{BTreeSet, HashMap};

use std::sync::LazyLock;

use qcapi_core::spec::ActionSpec;
use qcapi_core::{Params, vpc as api};
use serde_json::{Map, Value, json};

use crate::cidr::Cidr;
use crate::clock::format_datetime;
use crate::shape;
use table::{Handlers, Now, Resource as _};

/// Response fields of a successful action (the envelope is added by `render`).
pub(crate) type Fields = Map<String, Value>;

/// A pending peering expires once this much emulator time passed since its creation.
pub(crate) const PEERING_EXPIRY_SECS: i64 = 7 * 24 * 3600;

// Business error names (`codeDesc`). `*.NotFound` ones are code 5000, the rest 5100.
const VPC_NOT_FOUND: &str = "InvalidVpc.NotFound";
const SUBNET_NAME_INVALID: &str = "InvalidSubnetName";
const SUBNET_NAME_IN_USE: &str = "InvalidSubnetName.InUse";
const SUBNET_CIDR_INVALID: &str = "InvalidSubnetCidr";
const SUBNET_CONFLICT: &str = "InvalidSubnet.Conflict";
const PEERING_NOT_FOUND: &str = "InvalidPeeringConnection.NotFound";
const PEERING_NAME_INVALID: &str = "InvalidPeeringConnectionName";
const PEERING_NAME_IN_USE: &str = "InvalidPeeringConnectionName.InUse";
const PEERING_VPC_CONFLICT: &str = "PeeringConnectionVpcConflict";
const PEERING_STATE_CONFLICT: &str = "PeeringConnection.StateConflict";
const WRONG_ROLE: &str = "UnsupportedOperation";
const TASK_NOT_FOUND: &str = "InvalidTask.NotFound";

/// An error response: numeric `code`, `codeDesc` name and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: i64,
    pub(crate) code_desc: String,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: i64, code_desc: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            code_desc: code_desc.to_owned(),
            message: message.into(),
        }
    }

    /// Common error 4000.
    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(4000, "InvalidParameter", message)
    }

    /// A business error: `*.NotFound` codes map to 5000 ("resource does not
    /// exist"), every other code to 5100 ("resource operation failed").
    pub(crate) fn business(code: api::ErrorCode, message: impl Into<String>) -> Self {
        Self::business_name(code.as_str(), message)
    }

    /// [`business`](Self::business) by wire name.
    pub(crate) fn business_name(name: &str, message: impl Into<String>) -> Self {
        let code = if name.ends_with(".NotFound") {
            5000
        } else {
            5100
        };
        Self::new(code, name, message)
    }
}

/// Who sends a request: the account's uin and the request's `Region`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub(crate) uin: String,
    pub(crate) region: String,
}

/// States of a peering connection, with their wire codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeeringState {
    Pending = 0,
    Active = 1,
    Expired = 2,
    Rejected = 3,
    Deleted = 4,
}

impl PeeringState {
    fn code(self) -> i64 {
        self as i64
    }

    fn label(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Rejected => "rejected",
            Self::Deleted => "deleted",
        }
    }
}

/// What a peering action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeeringOp {
    Accept,
    Reject,
    Enable,
    Delete,
    Modify,
}

impl PeeringOp {
    /// The operation and whether it is the asynchronous `Ex` variant, by action name.
    fn from_action(name: &str) -> Option<(Self, bool)> {
        let (base, ex) = match name.strip_suffix("Ex") {
            Some(base) => (base, true),
            None => (name, false),
        };
        let op = match base {
            "AcceptVpcPeeringConnection" => Self::Accept,
            "RejectVpcPeeringConnection" => Self::Reject,
            "EnableVpcPeeringConnection" => Self::Enable,
            "DeleteVpcPeeringConnection" => Self::Delete,
            "ModifyVpcPeeringConnection" => Self::Modify,
            _ => return None,
        };
        Some((op, ex))
    }
}

#[derive(Debug, Clone)]
struct Subnet {
    subnet_id: String,
    un_subnet_id: String,
    name: String,
    cidr: Cidr,
    zone_id: i64,
    route_table_id: String,
    /// The bound network ACL (`acl-...`), if any; a subnet has at most one.
    network_acl_id: Option<String>,
    created: i64,
    serial: u64,
}

impl table::Resource for Subnet {
    fn has_id(&self, id: &str) -> bool {
        self.subnet_id == id || self.un_subnet_id == id
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// A subnet to create: name, block and zone, already checked.
#[derive(Debug, Clone)]
struct SubnetWish {
    name: String,
    cidr: Cidr,
    zone_id: i64,
}

/// Reads and checks `subnetSet.N.*` against the VPC block and the VPC's
/// `existing` subnets (names unique, blocks inside the VPC and disjoint).
fn subnet_specs(
    params: &Params,
    vpc_cidr: Cidr,
    existing: &[Subnet],
) -> Result<Vec<SubnetWish>, Failure> {
    let mut wanted: Vec<SubnetWish> = Vec::new();
    for i in list_indices(params, "subnetSet") {
        let field = |f: &str| required(params, &format!("subnetSet.{i}.{f}"));
        let subnet_name = field("subnetName")?;
        let subnet_cidr_text = field("cidrBlock")?;
        let zone_text = field("zoneId")?;
        check_name(subnet_name, SUBNET_NAME_INVALID)?;
        let subnet_cidr = Cidr::parse(subnet_cidr_text)
            .filter(|c| c.is_subnet_of(vpc_cidr))
            .ok_or_else(|| {
                Failure::business_name(
                    SUBNET_CIDR_INVALID,
                    format!(
                        "subnet block `{subnet_cidr_text}` is not a /16 to /28 block inside {vpc_cidr}"
                    ),
                )
            })?;
        let zone_id: i64 = zone_text.trim().parse().map_err(|_| {
            Failure::invalid_parameter(format!(
                "parameter `subnetSet.{i}.zoneId` must be an integer, got `{zone_text}`"
            ))
        })?;
        let names = existing
            .iter()
            .map(|s| s.name.as_str())
            .chain(wanted.iter().map(|w| w.name.as_str()));
        if names.into_iter().any(|n| n == subnet_name) {
            return Err(Failure::business_name(
                SUBNET_NAME_IN_USE,
                format!("a subnet named `{subnet_name}` already exists in the VPC"),
            ));
        }
        let blocks = existing
            .iter()
            .map(|s| (s.name.as_str(), s.cidr))
            .chain(wanted.iter().map(|w| (w.name.as_str(), w.cidr)));
        if let Some((other, block)) = blocks.into_iter().find(|(_, c)| c.overlaps(subnet_cidr)) {
            return Err(Failure::business_name(
                SUBNET_CONFLICT,
                format!(
                    "subnet `{subnet_name}` ({subnet_cidr}) overlaps subnet `{other}` ({block})"
                ),
            ));
        }
        wanted.push(SubnetWish {
            name: subnet_name.to_owned(),
            cidr: subnet_cidr,
            zone_id,
        });
    }
    Ok(wanted)
}

/// Checks the subnets to create against the VPC block and the VPC's `existing`
/// subnets (names unique, blocks inside the VPC and disjoint), in order.
fn subnet_wishes(
    specs: &[api::SubnetSpec],
    vpc_cidr: Cidr,
    existing: &[Subnet],
) -> Result<Vec<SubnetWish>, Failure> {
    use api::ErrorCode;
    let mut wanted: Vec<SubnetWish> = Vec::with_capacity(specs.len());
    for spec in specs {
        let name = spec.subnet_name.as_str();
        table::check_name(name, ErrorCode::InvalidSubnetName)?;
        let cidr = Cidr::parse(&spec.cidr_block)
            .filter(|c| c.is_subnet_of(vpc_cidr))
            .ok_or_else(|| {
                Failure::business(
                    ErrorCode::InvalidSubnetCidr,
                    format!(
                        "subnet block `{}` is not a /16 to /28 block inside {vpc_cidr}",
                        spec.cidr_block
                    ),
                )
            })?;
        let names = existing
            .iter()
            .map(|s| s.name.as_str())
            .chain(wanted.iter().map(|w| w.name.as_str()));
        if names.into_iter().any(|n| n == name) {
            return Err(Failure::business(
                ErrorCode::InvalidSubnetNameInUse,
                format!("a subnet named `{name}` already exists in the VPC"),
            ));
        }
        let blocks = existing
            .iter()
            .map(|s| (s.name.as_str(), s.cidr))
            .chain(wanted.iter().map(|w| (w.name.as_str(), w.cidr)));
        if let Some((other, block)) = blocks.into_iter().find(|(_, c)| c.overlaps(cidr)) {
            return Err(Failure::business(
                ErrorCode::InvalidSubnetConflict,
                format!("subnet `{name}` ({cidr}) overlaps subnet `{other}` ({block})"),
            ));
        }
        wanted.push(SubnetWish {
            name: name.to_owned(),
            cidr,
            zone_id: spec.zone_id,
        });
    }
    Ok(wanted)
}

#[derive(Debug, Clone)]
struct RouteTable {
    route_table_id: String,
    un_route_table_id: String,
    name: String,
    /// 0 normal, 1 default.
    kind: i64,
    created: i64,
    serial: u64,
    routes: Vec<Route>,
}

impl RouteTable {
    fn has_id(&self, id: &str) -> bool {
        self.route_table_id == id || self.un_route_table_id == id
    }
}

/// One route: traffic to `destination` goes to `next_hub` of kind `next_type`
/// (4 is a peering connection).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    destination: Cidr,
    next_type: i64,
    next_hub: String,
    description: String,
}

/// An elastic network interface in one subnet of its VPC. ENIs only have unified ids.
#[derive(Debug, Clone)]
struct Eni {
    eni_id: String,
    name: String,
    description: String,
    /// Old-style id of its subnet.
    subnet_id: String,
    mac_address: String,
    /// Security groups as sent (security groups are not modelled).
    sg_ids: Vec<String>,
    /// Its private addresses inside the subnet, the primary one first.
    ips: Vec<PrivateIp>,
    created: i64,
    serial: u64,
}

/// One private address of an ENI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PrivateIp {
    address: std::net::Ipv4Addr,
    primary: bool,
}

#[derive(Debug, Clone)]
struct Vpc {
    uin: String,
    region: String,
    /// Old-style id, e.g. `gz_vpc_3`; unique across the emulator.
    vpc_id: String,
    /// Unified id, e.g. `vpc-2ari9m7h`.
    un_vpc_id: String,
    name: String,
    cidr: Cidr,
    created: i64,
    serial: u64,
    subnets: Vec<Subnet>,
    route_tables: Vec<RouteTable>,
    network_acls: Vec<acl::NetworkAcl>,
    enis: Vec<Eni>,
}

/// One side of a peering, copied so a peering outlives a deleted VPC.
#[derive(Debug, Clone)]
struct Side {
    uin: String,
    region: String,
    vpc_id: String,
    un_vpc_id: String,
}

impl Side {
    fn of(vpc: &Vpc) -> Self {
        Self {
            uin: vpc.uin.clone(),
            region: vpc.region.clone(),
            vpc_id: vpc.vpc_id.clone(),
            un_vpc_id: vpc.un_vpc_id.clone(),
        }
    }

    fn has_vpc(&self, id: &str) -> bool {
        self.vpc_id == id || self.un_vpc_id == id
    }
}

#[derive(Debug, Clone)]
struct Peering {
    id: String,
    name: String,
    initiator: Side,
    receiver: Side,
    state: PeeringState,
    created: i64,
    serial: u64,
    /// Only cross-region (`Ex`) peerings carry a bandwidth.
    bandwidth: Option<String>,
}

impl Peering {
    fn involves(&self, uin: &str) -> bool {
        self.initiator.uin == uin || self.receiver.uin == uin
    }

    fn is_live(&self) -> bool {
        matches!(self.state, PeeringState::Pending | PeeringState::Active)
    }
}

#[derive(Debug, Clone)]
struct Task {
    owner: String,
    /// The task's eventual result: its output, or why it failed.
    outcome: Result<Value, Failure>,
    /// The first query reports "running", so clients exercise their polling.
    queried: bool,
}

/// Everything the emulator stores: VPCs, peerings and tasks of every account.
#[derive(Debug, Default)]
pub(crate) struct State {
    vpcs: Vec<Vpc>,
    peerings: Vec<Peering>,
    tasks: HashMap<u64, Task>,
    /// Source of old-style numeric ids and unified id suffixes; never reused.
    next_serial: u64,
    next_task: u64,
}

impl State {
    /// Forgets every resource and task; ids keep counting up, so none is reused.
    pub(crate) fn reset(&mut self) {
        *self = Self {
            next_serial: self.next_serial,
            next_task: self.next_task,
            ..Self::default()
        };
    }

    /// Forgets the resources of account `uin` in `region`: its VPCs (with their
    /// subnets, route tables, ACLs and ENIs) and every peering with a side there.
    /// Returns how many VPCs and peerings went.
    pub(crate) fn reset_scope(&mut self, uin: &str, region: &str) -> (usize, usize) {
        let (vpcs, peerings) = (self.vpcs.len(), self.peerings.len());
        self.vpcs.retain(|v| !(v.uin == uin && v.region == region));
        let inside = |side: &Side| side.uin == uin && side.region == region;
        self.peerings
            .retain(|p| !(inside(&p.initiator) || inside(&p.receiver)));
        (vpcs - self.vpcs.len(), peerings - self.peerings.len())
    }
}

/// Runs one request. `params` are all request parameters (common ones included),
/// already authenticated and validated against `spec`; `now` is emulator time.
/// Returns the answer's fields as one JSON object; `valid` is called once the
/// parameters passed validation.
pub(crate) fn handle(
    state: &mut State,
    caller: &Caller,
    spec: &ActionSpec,
    params: &Params,
    now: Now,
    valid: &mut dyn FnMut(),
) -> Result<String, Failure> {
    state.expire_pending(now);
    if let Some(answer) = HANDLERS.run(spec.name, state, caller, params, now, valid) {
        return answer;
    }
    // Validated as a typed request would be, though nothing models it.
    if let Some(Err(e)) = api::catalog::read_request(spec.name, params) {
        return Err(Failure::invalid_parameter(e.to_string()));
    }
    valid();
    let fields = match dispatch(state, caller, spec.name, params, now) {
        Some(result) => result?,
        None => state.generic(caller, spec),
    };
    Ok(Value::Object(fields).to_string())
}

/// The families, each registering its handlers and its dump.
const FAMILIES: &[fn(&mut Handlers)] = &[vpc::register, acl::register];

/// Every family's handlers, registered once.
static HANDLERS: LazyLock<Handlers> = LazyLock::new(|| {
    let mut handlers = Handlers::default();
    for register in FAMILIES {
        register(&mut handlers);
    }
    handlers
});

/// The actions with a model (the rest answer their spec's shape), sorted.
pub fn modelled_actions() -> impl Iterator<Item = &'static str> {
    HANDLERS.actions().chain(STATEFUL_ACTIONS.iter().copied())
}

/// Every resource of `caller`'s account and region, family by family, in the
/// shapes the Describe actions answer with.
pub(crate) fn dump(state: &State, caller: &Caller) -> Value {
    HANDLERS.dump_all(state, caller)
}

/// Every action with a real handler (the rest answer their spec's shape), sorted.
pub(crate) const STATEFUL_ACTIONS: &[&str] = &[
    "AcceptVpcPeeringConnection",
    "AcceptVpcPeeringConnectionEx",
    "AssignPrivateIpAddresses",
    "AssociateRouteTable",
    "CreateNetworkInterface",
    "CreateRoute",
    "CreateRouteTable",
    "CreateSubnet",
    "CreateVpcPeeringConnection",
    "CreateVpcPeeringConnectionEx",
    "DeleteNetworkInterface",
    "DeleteRoute",
    "DeleteRouteTable",
    "DeleteSubnet",
    "DeleteVpcPeeringConnection",
    "DeleteVpcPeeringConnectionEx",
    "DescribeNetworkInterfaces",
    "DescribeRouteTable",
    "DescribeSubnet",
    "DescribeSubnetEx",
    "DescribeVpcPeeringConnections",
    "DescribeVpcTaskResult",
    "EnableVpcPeeringConnection",
    "EnableVpcPeeringConnectionEx",
    "ModifyNetworkInterface",
    "ModifyRouteTableAttribute",
    "ModifySubnetAttribute",
    "ModifyVpcPeeringConnection",
    "ModifyVpcPeeringConnectionEx",
    "RejectVpcPeeringConnection",
    "RejectVpcPeeringConnectionEx",
    "UnassignPrivateIpAddresses",
];

/// Runs the handler of `action`, or `None` when it has none (the shape fallback).
fn dispatch(
    state: &mut State,
    caller: &Caller,
    action: &str,
    params: &Params,
    now: i64,
) -> Option<Result<Fields, Failure>> {
    if let Some((op, ex)) = PeeringOp::from_action(action) {
        return Some(state.change_peering(caller, params, op, ex, now));
    }
    Some(match action {
        "CreateVpcPeeringConnection" => state.create_peering(caller, params, false, now),
        "CreateVpcPeeringConnectionEx" => state.create_peering(caller, params, true, now),
        "DescribeVpcPeeringConnections" => state.describe_peerings(caller, params),
        "DescribeVpcTaskResult" => state.describe_task(caller, params),
        "CreateSubnet" => state.create_subnet(caller, params, now),
        "DescribeSubnetEx" => state.describe_subnets(caller, params),
        "DescribeSubnet" => state.describe_subnet(caller, params),
        "ModifySubnetAttribute" => state.modify_subnet(caller, params),
        "DeleteSubnet" => state.delete_subnet(caller, params),
        "CreateRouteTable" => state.create_route_table(caller, params, now),
        "DescribeRouteTable" => state.describe_route_tables(caller, params),
        "ModifyRouteTableAttribute" => state.modify_route_table(caller, params),
        "DeleteRouteTable" => state.delete_route_table(caller, params),
        "AssociateRouteTable" => state.associate_route_table(caller, params),
        "CreateRoute" => state.create_routes(caller, params),
        "DeleteRoute" => state.delete_routes(caller, params),
        "CreateNetworkInterface" => state.create_eni(caller, params, now),
        "DescribeNetworkInterfaces" => state.describe_enis(caller, params),
        "ModifyNetworkInterface" => state.modify_eni(caller, params),
        "DeleteNetworkInterface" => state.delete_eni(caller, params),
        "AssignPrivateIpAddresses" => state.assign_ips(caller, params),
        "UnassignPrivateIpAddresses" => state.unassign_ips(caller, params),
        _ => return None,
    })
}

/// The role and state rules of a peering operation: the state it leads to, or
/// the conflict (`UnsupportedOperation` for the wrong side, a state conflict otherwise).
pub(crate) fn transition(
    current: PeeringState,
    caller_is_initiator: bool,
    caller_is_receiver: bool,
    op: PeeringOp,
) -> Result<PeeringState, Failure> {
    use PeeringState::*;
    let (role_ok, role, from_ok, to) = match op {
        PeeringOp::Accept => (
            caller_is_receiver,
            "the receiver",
            current == Pending,
            Active,
        ),
        PeeringOp::Reject => (
            caller_is_receiver,
            "the receiver",
            current == Pending,
            Rejected,
        ),
        PeeringOp::Enable => (
            caller_is_initiator,
            "the initiator",
            current == Expired,
            Pending,
        ),
        PeeringOp::Delete => (true, "either side", current != Deleted, Deleted),
        PeeringOp::Modify => (true, "either side", current != Deleted, current),
    };
    if !role_ok {
        return Err(Failure::business_name(
            WRONG_ROLE,
            format!("only {role} of a peering connection can {op:?} it"),
        ));
    }
    if !from_ok {
        return Err(Failure::business_name(
            PEERING_STATE_CONFLICT,
            format!(
                "cannot {op:?} a peering connection in state {} ({})",
                current.code(),
                current.label()
            ),
        ));
    }
    Ok(to)
}

fn required<'p>(params: &'p Params, name: &str) -> Result<&'p str, Failure> {
    params
        .get(name)
        .ok_or_else(|| Failure::invalid_parameter(format!("missing required parameter `{name}`")))
}

fn int_param(params: &Params, name: &str, default: i64) -> Result<i64, Failure> {
    match params.get(name) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| {
            Failure::invalid_parameter(format!(
                "parameter `{name}` must be an integer, got `{text}`"
            ))
        }),
    }
}

/// Names are 1 to 60 characters (the spec validator checks this too; the
/// handler keeps its own rule so it never stores an empty name).
fn check_name(name: &str, error: &str) -> Result<(), Failure> {
    let len = name.chars().count();
    if (1..=60).contains(&len) {
        Ok(())
    } else {
        Err(Failure::business_name(
            error,
            format!("a name must be 1 to 60 characters, got {len}"),
        ))
    }
}

/// The sorted indices N of parameters `prefix.N.*`.
fn list_indices(params: &Params, prefix: &str) -> BTreeSet<u64> {
    let dotted = format!("{prefix}.");
    params
        .iter()
        .filter_map(|(name, _)| name.strip_prefix(&dotted)?.split('.').next()?.parse().ok())
        .collect()
}

/// Applies `offset`/`limit` (defaults 0 and 20) after the total was counted.
fn page<T>(items: Vec<T>, params: &Params) -> Result<Vec<T>, Failure> {
    let offset = int_param(params, "offset", 0)?.max(0);
    let limit = int_param(params, "limit", 20)?.max(0);
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    Ok(items.into_iter().skip(offset).take(limit).collect())
}

/// Whether `orderDirection` asks for descending order (default ascending).
fn descending(params: &Params) -> bool {
    params.get("orderDirection") == Some("desc")
}

/// A unified-id suffix: 8 lowercase base-36 characters, distinct for every
/// serial below 36^8. Multiplying by a number coprime to 36 is a bijection
/// modulo 36^8, so ids look scattered yet never collide.
pub(crate) fn unified_suffix(serial: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    const SPACE: u128 = 36u128.pow(8);
    let mut x = (u128::from(serial) * 2_654_435_761 + 1_234_567_891) % SPACE;
    let mut out = [b'0'; 8];
    for slot in out.iter_mut().rev() {
        // `x % 36` is below 36, so the index is in range.
        *slot = DIGITS[(x % 36) as usize];
        x /= 36;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

impl State {
    fn serial(&mut self) -> u64 {
        self.next_serial += 1;
        self.next_serial
    }

    fn new_subnet(
        &mut self,
        region: &str,
        wish: SubnetWish,
        route_table_id: &str,
        now: i64,
    ) -> Subnet {
        let s = self.serial();
        Subnet {
            subnet_id: format!("{region}_subnet_{s}"),
            un_subnet_id: format!("subnet-{}", unified_suffix(s)),
            name: wish.name,
            cidr: wish.cidr,
            zone_id: wish.zone_id,
            route_table_id: route_table_id.to_owned(),
            network_acl_id: None,
            created: now,
            serial: s,
        }
    }

    fn new_task(&mut self, owner: &str, outcome: Result<Value, Failure>) -> u64 {
        self.next_task += 1;
        // Start at a realistic-looking number; ids are per emulator.
        let id = 10_000 + self.next_task;
        self.tasks.insert(
            id,
            Task {
                owner: owner.to_owned(),
                outcome,
                queried: false,
            },
        );
        id
    }

    /// Pending peerings left unanswered for 7 days expire (evaluated lazily, on each request).
    pub(crate) fn expire_pending(&mut self, now: i64) {
        for p in &mut self.peerings {
            if p.state == PeeringState::Pending
                && now.saturating_sub(p.created) >= PEERING_EXPIRY_SECS
            {
                p.state = PeeringState::Expired;
            }
        }
    }

    fn find_vpc(&self, uin: &str, region: &str, id: &str) -> Option<&Vpc> {
        self.vpcs
            .iter()
            .find(|v| v.uin == uin && v.region == region && v.has_id(id))
    }

    fn vpc_not_found(id: &str, uin: &str, region: &str) -> Failure {
        Failure::business_name(
            VPC_NOT_FOUND,
            format!("VPC `{id}` not found for account {uin} in region `{region}`"),
        )
    }

    fn peer_count(&self, vpc: &Vpc) -> usize {
        self.peerings
            .iter()
            .filter(|p| p.state != PeeringState::Deleted)
            .filter(|p| p.initiator.vpc_id == vpc.vpc_id || p.receiver.vpc_id == vpc.vpc_id)
            .count()
    }

    fn create_peering(
        &mut self,
        caller: &Caller,
        params: &Params,
        ex: bool,
        now: i64,
    ) -> Result<Fields, Failure> {
        let vpc_id = required(params, "vpcId")?;
        let peer_vpc_id = required(params, "peerVpcId")?;
        let peer_uin = required(params, "peerUin")?;
        let name = required(params, "peeringConnectionName")?;
        // Same-region peerings look the peer up in the caller's own region.
        let peer_region = if ex {
            required(params, "peerRegion")?
        } else {
            caller.region.as_str()
        };
        check_name(name, PEERING_NAME_INVALID)?;
        let local = self
            .find_vpc(&caller.uin, &caller.region, vpc_id)
            .ok_or_else(|| Self::vpc_not_found(vpc_id, &caller.uin, &caller.region))?;
        let peer = self
            .find_vpc(peer_uin, peer_region, peer_vpc_id)
            .ok_or_else(|| Self::vpc_not_found(peer_vpc_id, peer_uin, peer_region))?;
        if local.cidr.overlaps(peer.cidr) {
            return Err(Failure::business_name(
                PEERING_VPC_CONFLICT,
                format!(
                    "the blocks of `{vpc_id}` ({}) and `{peer_vpc_id}` ({}) overlap",
                    local.cidr, peer.cidr
                ),
            ));
        }
        // Within one account nobody needs to accept: the peering is active at once.
        let state = if peer.uin == caller.uin {
            PeeringState::Active
        } else {
            PeeringState::Pending
        };
        let (initiator, receiver) = (Side::of(local), Side::of(peer));
        let serial = self.serial();
        let id = format!("pcx-{}", unified_suffix(serial));
        self.peerings.push(Peering {
            id: id.clone(),
            name: name.to_owned(),
            initiator,
            receiver,
            state,
            created: now,
            serial,
            bandwidth: ex.then(|| params.get("bandwidth").unwrap_or_default().to_owned()),
        });
        if ex {
            let task = self.new_task(&caller.uin, Ok(json!({ "uniqVpcPeerId": id })));
            Ok(into_fields(json!({"taskId": task, "uniqVpcPeerId": id})))
        } else {
            Ok(into_fields(json!({ "peeringConnectionId": id })))
        }
    }

    /// Accept, Reject, Enable, Delete and Modify, same-region or `Ex`.
    /// Lookup and parameter errors are synchronous; for `Ex` actions a role or
    /// state conflict fails the task instead and changes nothing.
    fn change_peering(
        &mut self,
        caller: &Caller,
        params: &Params,
        op: PeeringOp,
        ex: bool,
        now: i64,
    ) -> Result<Fields, Failure> {
        let id = required(params, "peeringConnectionId")?;
        let new_name = match op {
            PeeringOp::Modify => {
                let name = required(params, "peeringConnectionName")?;
                check_name(name, PEERING_NAME_INVALID)?;
                Some(name)
            }
            _ => None,
        };
        let index = self
            .peerings
            .iter()
            .position(|p| p.id == id && p.involves(&caller.uin))
            .ok_or_else(|| {
                Failure::business_name(
                    PEERING_NOT_FOUND,
                    format!("peering connection `{id}` not found"),
                )
            })?;
        let p = &self.peerings[index];
        let decided = transition(
            p.state,
            p.initiator.uin == caller.uin,
            p.receiver.uin == caller.uin,
            op,
        );
        let outcome = match decided {
            Ok(next) => {
                self.check_change(index, op, new_name)?;
                let p = &mut self.peerings[index];
                if op == PeeringOp::Enable {
                    // Revived requests get a fresh 7-day window.
                    p.created = now;
                }
                if let Some(name) = new_name {
                    p.name = name.to_owned();
                }
                p.state = next;
                if next == PeeringState::Deleted {
                    let id = p.id.clone();
                    self.drop_routes_to_peering(&id);
                }
                Ok(json!({}))
            }
            Err(conflict) => Err(conflict),
        };
        if ex {
            let task = self.new_task(&caller.uin, outcome);
            Ok(into_fields(json!({ "taskId": task })))
        } else {
            outcome.map(|_| Fields::new())
        }
    }

    /// Checks that only apply once role and state allow the change.
    fn check_change(
        &self,
        index: usize,
        op: PeeringOp,
        new_name: Option<&str>,
    ) -> Result<(), Failure> {
        let p = &self.peerings[index];
        match op {
            // A revived request must still connect two existing VPCs.
            PeeringOp::Enable => {
                for side in [&p.initiator, &p.receiver] {
                    if self
                        .find_vpc(&side.uin, &side.region, &side.vpc_id)
                        .is_none()
                    {
                        return Err(Self::vpc_not_found(&side.vpc_id, &side.uin, &side.region));
                    }
                }
            }
            // Names are unique among the live peerings of the initiator's VPC.
            PeeringOp::Modify => {
                let name = new_name.unwrap_or_default();
                let clash = self.peerings.iter().any(|other| {
                    other.id != p.id
                        && other.state != PeeringState::Deleted
                        && other.initiator.vpc_id == p.initiator.vpc_id
                        && other.name == name
                });
                if clash {
                    return Err(Failure::business_name(
                        PEERING_NAME_IN_USE,
                        format!(
                            "VPC `{}` already has a peering connection named `{name}`",
                            p.initiator.vpc_id
                        ),
                    ));
                }
            }
            PeeringOp::Accept | PeeringOp::Reject | PeeringOp::Delete => {}
        }
        Ok(())
    }

    fn describe_peerings(&self, caller: &Caller, params: &Params) -> Result<Fields, Failure> {
        let vpc_id = params.get("vpcId");
        let id = params.get("peeringConnectionId");
        let name = params.get("peeringConnectionName");
        let state = params
            .get("state")
            .map(|_| int_param(params, "state", 0))
            .transpose()?;
        let mut found: Vec<&Peering> = self
            .peerings
            .iter()
            .filter(|p| p.involves(&caller.uin))
            .filter(|p| vpc_id.is_none_or(|v| p.initiator.has_vpc(v) || p.receiver.has_vpc(v)))
            .filter(|p| id.is_none_or(|id| p.id == id))
            .filter(|p| name.is_none_or(|n| p.name == n))
            .filter(|p| state.is_none_or(|s| p.state.code() == s))
            .collect();
        match params.get("orderField") {
            // The documentation spells it `peeringConnectionname`; accept the obvious spelling too.
            Some("peeringConnectionname" | "peeringConnectionName") => {
                found.sort_by(|a, b| (&a.name, a.serial).cmp(&(&b.name, b.serial)));
            }
            Some("createTime") => found.sort_by_key(|p| (p.created, p.serial)),
            _ => {} // creation order
        }
        if descending(params) {
            found.reverse();
        }
        let total = found.len();
        let data: Vec<Value> = page(found, params)?.into_iter().map(peering_json).collect();
        Ok(into_fields(json!({"totalCount": total, "data": data})))
    }

    fn describe_task(&mut self, caller: &Caller, params: &Params) -> Result<Fields, Failure> {
        let text = required(params, "taskId")?;
        let not_found =
            || Failure::business_name(TASK_NOT_FOUND, format!("task `{text}` not found"));
        let id: u64 = text.trim().parse().map_err(|_| not_found())?;
        let task = self
            .tasks
            .get_mut(&id)
            .filter(|t| t.owner == caller.uin)
            .ok_or_else(not_found)?;
        let data = if !task.queried {
            task.queried = true;
            json!({ "status": 2 })
        } else {
            match &task.outcome {
                Ok(output) => json!({ "status": 0, "output": output }),
                Err(f) => json!({
                    "status": 1,
                    "output": {"errorCode": f.code, "errorMsg": f.message, "codeDesc": f.code_desc},
                }),
            }
        };
        Ok(into_fields(json!({ "data": data })))
    }

    /// Actions without a handler: a success shaped like the spec's outputs,
    /// with a real, succeeding task for asynchronous actions.
    fn generic(&mut self, caller: &Caller, spec: &ActionSpec) -> Fields {
        let mut out = shape::placeholder(spec.outputs);
        if spec.asynchronous {
            let task = self.new_task(&caller.uin, Ok(json!({})));
            out.insert("taskId".to_owned(), Value::from(task));
        }
        out
    }
}

fn peering_json(p: &Peering) -> Value {
    let mut item = json!({
        "peeringConnectionId": p.id,
        "peeringConnectionName": p.name,
        "vpcId": p.initiator.vpc_id,
        "unVpcId": p.initiator.un_vpc_id,
        "uniqVpcId": p.initiator.un_vpc_id,
        "peerVpcId": p.receiver.vpc_id,
        "unPeerVpcId": p.receiver.un_vpc_id,
        "uniqPeerVpcId": p.receiver.un_vpc_id,
        "uin": p.initiator.uin,
        "peerUin": p.receiver.uin,
        // The emulator's accounts have no separate AppId.
        "appId": p.initiator.uin,
        "region": p.initiator.region,
        "peerRegion": p.receiver.region,
        "state": p.state.code(),
        "createTime": format_datetime(p.created),
    });
    if let (Some(bandwidth), Value::Object(map)) = (&p.bandwidth, &mut item) {
        map.insert("bandwidth".to_owned(), Value::from(bandwidth.as_str()));
    }
    item
}

fn into_fields(value: Value) -> Fields {
    match value {
        Value::Object(map) => map,
        // Every handler builds an object literal.
        other => Fields::from_iter([("data".to_owned(), other)]),
    }
}

mod acl;
mod eni;
mod route;
mod subnet;
mod table;
mod vpc;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
