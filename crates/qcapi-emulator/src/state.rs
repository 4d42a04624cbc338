//! The emulated resources and their rules: a pure state machine, free of HTTP.
//!
//! [`handle`] runs one authenticated, validated request against [`State`] at a
//! given emulator time and returns the response fields or an [`Failure`].
//! Time is an input, so expiry is deterministic and testable.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

use qcapi_core::spec::ActionSpec;
use qcapi_core::{Params, vpc as api};
use serde_json::{Map, Value, json};

use crate::cidr::Cidr;
use crate::clock::format_datetime;
use crate::shape;
use peering::{Peering, PeeringState};
use route::RouteTable;
use subnet::{Subnet, subnet_wishes};
use table::{Handlers, Head, Now};
use task::Task;

/// Response fields of a successful action (the envelope is added by `render`).
pub(crate) type Fields = Map<String, Value>;

/// An error response: numeric `code`, `codeDesc` name and `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        let not_found = name.ends_with(".NotFound");
        let code = if not_found { 5000 } else { 5100 };
        Self::new(code, name, message)
    }
}

/// Who sends a request: the account's uin and the request's `Region`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub(crate) uin: String,
    pub(crate) region: String,
}

/// A VPC: old-style id `gz_vpc_3` (unique across the emulator), unified `vpc-2ari9m7h`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Vpc {
    uin: String,
    region: String,
    head: Head,
    cidr: Cidr,
    subnets: Vec<Subnet>,
    route_tables: Vec<RouteTable>,
    network_acls: Vec<acl::NetworkAcl>,
    enis: Vec<eni::Eni>,
    /// Whether multicast is on (ModifyVpcAttribute's undocumented `isMulticast`).
    #[serde(default)]
    multicast: bool,
    #[serde(default)]
    vips: Vec<vpc::Vip>,
    /// Absent from state files written before NAT gateways were modelled.
    #[serde(default)]
    nat_gateways: Vec<nat::NatGateway>,
    #[serde(default)]
    flow_logs: Vec<flow_log::FlowLog>,
    #[serde(default)]
    classic_links: Vec<classic_link::ClassicLink>,
    /// Absent from state files written before direct-connect gateways were modelled.
    #[serde(default)]
    dc_gateways: Vec<direct_connect::DcGateway>,
    /// Absent from state files written before VPN gateways were modelled.
    #[serde(default)]
    vpn_gateways: Vec<vpn::VpnGateway>,
}

/// Everything the emulator stores: VPCs, peerings and tasks of every account.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    vpcs: Vec<Vpc>,
    /// Bare-metal VPCs, a list of their own (absent from older state files).
    #[serde(default)]
    bm_vpcs: Vec<bm::BmVpc>,
    peerings: Vec<Peering>,
    /// The customer (peer) gateways of every account and region.
    #[serde(default)]
    user_gateways: Vec<vpn::UserGateway>,
    tasks: BTreeMap<u64, Task>,
    /// The quotas in force, by DescribeVpcLimit type code (absent from older
    /// state files, which get the defaults).
    #[serde(default)]
    limits: Limits,
    /// The default VPC and subnet made for each `uin/region` (unified ids),
    /// when [`default_vpc`](Self::default_vpc) is on (absent from older files).
    #[serde(default)]
    default_vpcs: BTreeMap<String, (String, String)>,
    /// Whether each account and region gets a default VPC on its first request
    /// there (a setting of the emulator, not saved with the state).
    #[serde(skip)]
    pub(crate) default_vpc: bool,
    /// Source of old-style numeric ids and unified id suffixes; never reused.
    next_serial: u64,
    next_task: u64,
    /// How tasks finish (a scenario of the tests; the default polls once).
    #[serde(skip)]
    pub(crate) task_rules: crate::scenarios::TaskRules,
    /// The action being run and the emulator time, for the tasks it creates.
    #[serde(skip)]
    acting: (&'static str, Now),
}

/// The quotas in force, by DescribeVpcLimit type code: every code of
/// [`vpc::DEFAULT_LIMITS`], starting from its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Limits(BTreeMap<String, i64>);

impl Default for Limits {
    fn default() -> Self {
        let pairs = vpc::DEFAULT_LIMITS.iter();
        Self(pairs.map(|&(code, n)| (code.to_owned(), n)).collect())
    }
}

impl State {
    /// The quota of DescribeVpcLimit type `code` in force (0 for a code
    /// outside the table, which the control plane refuses to set).
    pub(crate) fn limit(&self, code: &str) -> i64 {
        self.limits.0.get(code).copied().unwrap_or(0)
    }

    /// [`limit`](Self::limit) as a count, for comparing with lengths.
    pub(crate) fn quota(&self, code: &str) -> usize {
        usize::try_from(self.limit(code)).unwrap_or(0)
    }

    /// Refuses with `exceeded` when `held` plus `adding` goes past quota
    /// `code`; `what` names the holder and the things held, for the message.
    pub(crate) fn within(
        &self,
        code: &str,
        (held, adding): (usize, usize),
        exceeded: api::ErrorCode,
        what: &str,
    ) -> Result<(), Failure> {
        let quota = self.quota(code);
        if held.saturating_add(adding) > quota {
            let message = format!("{what}: at most {quota} (DescribeVpcLimit type {code})");
            return Err(Failure::business(exceeded, message));
        }
        Ok(())
    }

    /// Every quota in force, by code.
    pub(crate) fn limits(&self) -> &BTreeMap<String, i64> {
        &self.limits.0
    }

    /// Sets quotas: all or none, refusing a code outside the table or a
    /// negative value.
    pub(crate) fn set_limits(&mut self, new: &BTreeMap<String, i64>) -> Result<(), String> {
        for (code, &n) in new {
            if !self.limits.0.contains_key(code) {
                return Err(format!("unknown limit type `{code}`"));
            }
            if n < 0 {
                return Err(format!("limit `{code}` must not be negative, got {n}"));
            }
        }
        self.limits
            .0
            .extend(new.iter().map(|(c, &n)| (c.clone(), n)));
        Ok(())
    }

    /// With [`default_vpc`](Self::default_vpc) on, makes `caller`'s default VPC
    /// (`Default-VPC`, 172.16.0.0/16, with subnet `Default-Subnet` 172.16.0.0/20 in
    /// zone 100003) unless its account and region already had one.
    fn ensure_default_vpc(&mut self, caller: &Caller, now: Now) {
        let key = format!("{}/{}", caller.uin, caller.region);
        if !self.default_vpc || self.default_vpcs.contains_key(&key) {
            return;
        }
        let subnet = api::SubnetSpec::new("Default-Subnet", "172.16.0.0/20", 100_003);
        let request = api::CreateVpc::new("Default-VPC", "172.16.0.0/16").subnet_set(vec![subnet]);
        // A name in use or a zero quota leaves the account without one.
        if let Ok(out) = table::Model::run(self, caller, request, now) {
            let vpc = out.un_vpc_id.unwrap_or_default();
            let subnet = out.subnet_set.unwrap_or_default().into_iter().next();
            let subnet = subnet.and_then(|s| s.un_subnet_id).unwrap_or_default();
            self.default_vpcs.insert(key, (vpc, subnet));
        }
    }

    /// Whether `un_id` is a default VPC's (`vpc-…`) or default subnet's (`subnet-…`).
    fn is_default(&self, un_id: &str) -> bool {
        let ids = self.default_vpcs.values();
        ids.flat_map(|(v, s)| [v, s]).any(|id| id == un_id)
    }

    /// Back to the default quotas.
    pub(crate) fn reset_limits(&mut self) {
        self.limits = Limits::default();
    }

    /// Forgets every resource and task and restores the default quotas; ids
    /// keep counting up, so none is reused.
    pub(crate) fn reset(&mut self) {
        *self = Self {
            next_serial: self.next_serial,
            next_task: self.next_task,
            default_vpc: self.default_vpc,
            ..Self::default()
        };
    }

    /// Forgets the resources of account `uin` in `region`: its VPCs (with their
    /// subnets, route tables, ACLs, ENIs, NAT, VPN and direct-connect gateways, flow logs and
    /// classic links), its customer gateways, its bare-metal VPCs and every peering with a side
    /// there. Returns how many (ordinary) VPCs and peerings went.
    pub(crate) fn reset_scope(&mut self, uin: &str, region: &str) -> (usize, usize) {
        let (vpcs, peerings) = (self.vpcs.len(), self.peerings.len());
        self.vpcs.retain(|v| !(v.uin == uin && v.region == region));
        self.default_vpcs.remove(&format!("{uin}/{region}"));
        self.bm_vpcs.retain(|v| !v.is_in(uin, region));
        self.peerings.retain(|p| !p.touches(uin, region));
        let other = |u: &vpn::UserGateway| !u.is_of(uin, region);
        self.user_gateways.retain(other);
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
    before_model: &mut dyn FnMut() -> Option<Result<Fields, Failure>>,
) -> Result<String, Failure> {
    state.expire_pending(now);
    state.acting = (spec.name, now);
    state.ensure_default_vpc(caller, now);
    let mut before = |state: &mut State| {
        let answer = before_model()?;
        Some(canned(state, caller, spec, answer))
    };
    if let Some(model) = HANDLERS.get(spec.name) {
        return model(state, caller, params, now, &mut before);
    }
    // Validated as a typed request would be, though nothing models it.
    if let Some(Err(e)) = api::catalog::read_request(spec.name, params) {
        return Err(Failure::invalid_parameter(e.to_string()));
    }
    before(state).unwrap_or_else(|| {
        // A success shaped like the spec's outputs, with the request's own values
        // where an output has a parameter's name.
        let mut out = shape::placeholder(spec.outputs);
        shape::reflect(&mut out, spec.outputs, params);
        if spec.asynchronous {
            // A real, succeeding task rather than a placeholder id.
            out.remove("taskId");
        }
        canned(state, caller, spec, Ok(out))
    })
}

/// An answer in place of a model (canned, or shaped like the spec): an
/// asynchronous action's success without a `taskId` gets a real task.
fn canned(
    state: &mut State,
    caller: &Caller,
    spec: &ActionSpec,
    answer: Result<Fields, Failure>,
) -> Result<String, Failure> {
    let mut fields = answer?;
    if spec.asynchronous && !fields.contains_key("taskId") {
        let task = state.new_task(&caller.uin, Ok(json!({})));
        fields.insert("taskId".to_owned(), Value::from(task));
    }
    Ok(Value::Object(fields).to_string())
}

/// The families, each registering its handlers and its dump.
const FAMILIES: &[fn(&mut Handlers)] = &[
    vpc::register,
    subnet::register,
    route::register,
    acl::register,
    eni::register,
    peering::register,
    nat::register,
    flow_log::register,
    classic_link::register,
    direct_connect::register,
    vpn::register,
    bm::register,
    task::register,
];

/// Every family's handlers, registered once.
static HANDLERS: LazyLock<Handlers> = LazyLock::new(|| {
    let mut handlers = Handlers::default();
    for register in FAMILIES {
        register(&mut handlers);
    }
    handlers
});

/// Whether a call of `action` can leave the state changed: not for the Describe
/// actions answered from the state alone (the state file is not rewritten for them).
pub(crate) fn may_change(action: &str) -> bool {
    !HANDLERS.is_read_only(action)
}

/// The actions with a model (the rest answer their spec's shape), sorted.
pub fn modelled_actions() -> impl Iterator<Item = &'static str> {
    HANDLERS.actions()
}

/// Every resource of `caller`'s account and region, family by family, in the
/// shapes the Describe actions answer with.
pub(crate) fn dump(state: &State, caller: &Caller) -> Value {
    HANDLERS.dump_all(state, caller)
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
    /// A new resource's head with fresh ids: the unified `{kind}-…`, and the
    /// old-style `{region}_{kind}_{serial}` for kinds that have one (`region`).
    fn head(&mut self, kind: &str, region: Option<&str>, name: String, now: Now) -> Head {
        self.next_serial += 1;
        let serial = self.next_serial;
        let un_id = format!("{kind}-{}", unified_suffix(serial));
        let id = region.map_or_else(|| un_id.clone(), |r| format!("{r}_{kind}_{serial}"));
        Head {
            id,
            un_id,
            name,
            created: now,
            serial,
        }
    }
}

mod acl;
mod bm;
mod classic_link;
mod direct_connect;
mod eni;
mod flow_log;
mod nat;
mod peering;
mod route;
mod subnet;
mod table;
mod task;
mod vpc;
mod vpn;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
