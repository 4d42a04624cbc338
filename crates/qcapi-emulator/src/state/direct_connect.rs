//! Direct-connect gateways of a VPC and the six rule families on them: local,
//! peer, source-port and destination-port translations, and ACL rules hanging
//! on local IP and source-port translations. Changes are immediate.
//!
//! The rule families share one table ([`Family`]): a rule is a map of wire-named
//! fields (as text), unique by each of its family's keys, found by its
//! family's identity fields. Most rule actions are known only by name and CLI
//! parameters; they are modelled after their documented Create siblings.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use qcapi_core::vpc::*;

use super::route::NEXT_TYPE_DIRECT_CONNECT;
use super::table::{Handlers, Listed, Listing, Model, Now, Order, check_name, count};
use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateDirectConnectGateway::run)
        .add(ModifyDirectConnectGateway::run)
        .add(DeleteDirectConnectGateway::run)
        .listing("directConnectGateways", || {
            DescribeDirectConnectGateway::new().limit(i64::MAX)
        });
    register_rules(handlers);
}

/// A direct-connect gateway of one VPC; it only has a unified id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct DcGateway {
    pub(super) head: Head,
    /// Type 1 (NAT): only these hold rules.
    nat: bool,
    /// Rules by family name, each in creation order.
    rules: BTreeMap<String, Vec<Rule>>,
}

table::resource! {
    DcGateway "direct-connect gateway" in dc_gateways,
    InvalidDirectConnectGatewayNotFound, InvalidDirectConnectGatewayName, InvalidDirectConnectGatewayName
}

/// A rule: its wire-named fields as text.
type Rule = BTreeMap<String, String>;

/// What tells one rule family from another.
pub(super) struct Family {
    /// Key in [`DcGateway::rules`], and what messages call it.
    name: &'static str,
    /// Each set of fields no two rules share, with the code for a duplicate.
    unique: &'static [(&'static [&'static str], ErrorCode)],
    /// The fields that name a rule in Delete and Modify.
    identity: &'static [&'static str],
    not_found: ErrorCode,
    /// DescribeVpcLimit type of the per-gateway quota, and the code beyond it.
    limit: Option<(&'static str, ErrorCode)>,
    /// An address field that must lie inside the VPC.
    inside: Option<(&'static str, ErrorCode)>,
    /// An address (or pool) field that must lie outside the VPC.
    outside: Option<(&'static str, ErrorCode)>,
    /// Port fields (1 to 65535).
    ports: &'static [&'static str],
    /// For ACL rules: the family they hang on, whose identity fields they carry.
    parent: Option<&'static Family>,
}

const LOCAL_IP: Family = Family {
    name: "local IP translation",
    unique: &[
        (&["originalIP"], ErrorCode::InvalidOriginalIPDuplicate),
        (&["translationIP"], ErrorCode::InvalidTranslationIPDuplicate),
    ],
    identity: &["originalIP"],
    not_found: ErrorCode::InvalidLocalIPTranslationNotFound,
    limit: Some(("32", ErrorCode::LocalIPTranslationLimitExceeded)),
    inside: Some(("originalIP", ErrorCode::InvalidOriginalIPNotInVpcCidr)),
    outside: Some(("translationIP", ErrorCode::InvalidTranslationIPInVpcCidr)),
    ports: &[],
    parent: None,
};

const PEER_IP: Family = Family {
    name: "peer IP translation",
    not_found: ErrorCode::InvalidPeerIPTranslationNotFound,
    limit: Some(("34", ErrorCode::PeerIPTranslationLimitExceeded)),
    inside: None,
    ..LOCAL_IP
};

const SOURCE: Family = Family {
    name: "local source IP-port translation",
    unique: &[(
        &["translationIPPool"],
        ErrorCode::InvalidTranslationIPDuplicate,
    )],
    identity: &["translationIPPool"],
    not_found: ErrorCode::InvalidLocalSourceIPPortTranslationNotFound,
    limit: Some(("38", ErrorCode::LocalSourceIPPortTranslationLimitExceeded)),
    inside: None,
    outside: Some((
        "translationIPPool",
        ErrorCode::InvalidTranslationIPPoolNotInVpcCidr,
    )),
    ..LOCAL_IP
};

const DESTINATION: Family = Family {
    name: "local destination IP-port translation",
    unique: &[(
        &["proto", "translationIP", "translationPort"],
        ErrorCode::InvalidTranslationIPDuplicate,
    )],
    identity: &["proto", "translationIP", "translationPort"],
    not_found: ErrorCode::InvalidLocalDestinationIPPortTranslationNotFound,
    limit: Some((
        "36",
        ErrorCode::LocalDestinationIPPortTranslationLimitExceeded,
    )),
    ports: &["originalPort", "translationPort"],
    ..LOCAL_IP
};

/// The fields an ACL rule is made of (besides its parent's and its id).
const ACL_FIELDS: &[&str] = &[
    "protocol",
    "sourcePort",
    "destinationCidr",
    "destinationPort",
];

const LOCAL_IP_ACL: Family = Family {
    name: "local IP translation ACL",
    unique: &[(
        &[
            "originalIP",
            "protocol",
            "sourcePort",
            "destinationCidr",
            "destinationPort",
        ],
        ErrorCode::InvalidAclRuleDuplicate,
    )],
    identity: &["aclRuleId"],
    not_found: ErrorCode::InvalidAclRuleNotFound,
    limit: None,
    inside: None,
    outside: None,
    ports: &[],
    parent: Some(&LOCAL_IP),
};

const SOURCE_ACL: Family = Family {
    name: "local source IP-port translation ACL",
    unique: &[(
        &[
            "translationIPPool",
            "protocol",
            "sourcePort",
            "destinationCidr",
            "destinationPort",
        ],
        ErrorCode::InvalidAclRuleDuplicate,
    )],
    parent: Some(&SOURCE),
    ..LOCAL_IP_ACL
};

/// The families whose rules hang on rules of another.
const ACL_FAMILIES: [&Family; 2] = [&LOCAL_IP_ACL, &SOURCE_ACL];

/// A JSON value as rule text (strings bare, numbers written out).
fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// A rule from a serialized request entry (its null fields left out).
fn rule_of(entry: &impl Serialize) -> Rule {
    let value = serde_json::to_value(entry).unwrap_or_default();
    let fields = value.as_object().into_iter().flatten();
    let present = fields.filter(|(_, v)| !v.is_null());
    present.map(|(k, v)| (k.clone(), text(v))).collect()
}

/// A rule from named optional fields.
fn fields(pairs: &[(&str, &Option<String>)]) -> Rule {
    let present = pairs
        .iter()
        .filter_map(|(k, v)| Some(((*k).to_owned(), (*v).clone()?)));
    present.collect()
}

/// ACL rules given as free JSON: a list of objects (or of bare ids), or one.
fn acl_entries(value: Option<&Value>) -> Result<Vec<Rule>, Failure> {
    let items = match value {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one.clone()],
    };
    if items.is_empty() {
        return Err(Failure::invalid_parameter(
            "parameter `aclRules` is required",
        ));
    }
    let entry = |item: Value| match item {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        id => Rule::from([("aclRuleId".to_owned(), text(&id))]),
    };
    Ok(items.into_iter().map(entry).collect())
}

/// The addresses `text` names: one address, a range `a-b` or a CIDR block.
fn addresses(text: &str) -> Option<(u32, u32)> {
    let ip = |s: &str| s.trim().parse::<Ipv4Addr>().ok().map(u32::from);
    if let Some(cidr) = Cidr::parse(text) {
        let first = ip(text.split('/').next()?)?;
        let last = u32::try_from(i64::from(first) + cidr.size() - 1).ok()?;
        return Some((first, last));
    }
    match text.split_once('-') {
        Some((a, b)) => Some((ip(a)?, ip(b)?)).filter(|(a, b)| a <= b),
        None => Some((ip(text)?, ip(text)?)),
    }
}

/// What a rule operation is asked to do.
enum Op {
    Create(Vec<Rule>),
    Delete(Vec<Rule>),
    /// The identity of the rule (the `old*` fields) and its new fields.
    Modify(Rule, Rule),
    /// Filters (equal, `description` containing; `aclRuleIds` any of), offset and limit.
    Describe(Rule, Option<Vec<String>>, Option<i64>, Option<i64>),
}

impl State {
    /// The NAT-type gateway `gateway` of the caller's VPC `vpc`.
    fn nat_gateway(&self, caller: &Caller, vpc: &str, id: &str) -> Result<(usize, usize), Failure> {
        let (v, g) = self.child::<DcGateway>(caller, vpc, id)?;
        if !self.vpcs[v].dc_gateways[g].nat {
            let message = format!("direct-connect gateway `{id}` is not of NAT type");
            return Err(Failure::business(
                ErrorCode::InvalidDirectConnectGatewayNotNat,
                message,
            ));
        }
        Ok((v, g))
    }

    /// Runs `op` on `family`'s rules of gateway `gateway` of VPC `vpc`.
    fn rules(
        &mut self,
        caller: &Caller,
        family: &'static Family,
        (vpc, gateway): (&str, &str),
        op: Op,
    ) -> Result<Fields, Failure> {
        let (v, g) = self.nat_gateway(caller, vpc, gateway)?;
        let cidr = self.vpcs[v].cidr;
        let quota = family.limit.as_ref().map(|(code, _)| self.quota(code));
        let rules = &mut self.vpcs[v].dc_gateways[g].rules;
        let mut table = rules.get(family.name).cloned().unwrap_or_default();
        let mut renamed = Vec::new();
        match op {
            Op::Create(new) => {
                for mut rule in new {
                    if family.parent.is_some() {
                        self.next_serial += 1;
                        rule.insert("aclRuleId".to_owned(), self.next_serial.to_string());
                    }
                    table.push(family.checked(rules, cidr, &table, rule)?);
                }
                if let (Some((_, exceeded)), Some(quota)) = (family.limit.clone(), quota) {
                    if table.len() > quota {
                        let message =
                            format!("a gateway holds at most {quota} {} rules", family.name);
                        return Err(Failure::business(exceeded, message));
                    }
                }
            }
            Op::Delete(doomed) => {
                for wanted in &doomed {
                    let i = family.find(&table, wanted)?;
                    renamed.push((table.remove(i), None));
                }
            }
            Op::Modify(old, new) => {
                let i = family.find(&table, &old)?;
                let before = table.remove(i);
                let mut rule = before.clone();
                rule.extend(new);
                let rule = family.checked(rules, cidr, &table, rule)?;
                table.insert(i, rule.clone());
                renamed.push((before, Some(rule)));
            }
            Op::Describe(filters, ids, offset, limit) => {
                let wanted = |r: &Rule| {
                    let field = |k: &String| r.get(k).map_or("", String::as_str);
                    let id = ids
                        .as_ref()
                        .is_none_or(|ids| ids.contains(&field(&"aclRuleId".to_owned()).to_owned()));
                    id && filters.iter().all(|(k, want)| match k.as_str() {
                        "description" => field(k).contains(want.as_str()),
                        _ => field(k) == want,
                    })
                };
                let found: Vec<&Rule> = table.iter().filter(|r| wanted(r)).collect();
                let offset = usize::try_from(offset.unwrap_or(0)).unwrap_or(0);
                let limit = usize::try_from(limit.unwrap_or(20)).unwrap_or(usize::MAX);
                let page: Vec<&&Rule> = found.iter().skip(offset).take(limit).collect();
                return Ok(json!({"totalCount": count(found.len()), "data": page})
                    .as_object()
                    .cloned()
                    .unwrap_or_default());
            }
        }
        rules.insert(family.name.to_owned(), table);
        // The ACL rules on a deleted or changed rule go or follow.
        for (before, after) in renamed {
            for acl in ACL_FAMILIES
                .iter()
                .filter(|a| a.parent.is_some_and(|p| p.name == family.name))
            {
                let Some(list) = rules.get_mut(acl.name) else {
                    continue;
                };
                let on = |r: &Rule| family.identity.iter().all(|k| r.get(*k) == before.get(*k));
                match &after {
                    None => list.retain(|r| !on(r)),
                    Some(after) => list.iter_mut().filter(|r| on(r)).for_each(|r| {
                        for (k, v) in r.iter_mut().filter(|(k, _)| after.contains_key(*k)) {
                            if family.identity.contains(&k.as_str()) || k == "translationIP" {
                                v.clone_from(&after[k]);
                            }
                        }
                    }),
                }
            }
        }
        Ok(Fields::new())
    }
}

impl Family {
    /// The index of the rule named by `wanted`'s identity fields (and its other key fields given).
    fn find(&self, table: &[Rule], wanted: &Rule) -> Result<usize, Failure> {
        let named = |r: &Rule| self.identity.iter().all(|k| r.get(*k) == wanted.get(*k));
        let on_parent = |r: &Rule| {
            let parent = self.parent.map_or(&[][..], |p| p.identity);
            parent
                .iter()
                .all(|k| wanted.get(*k).is_none_or(|w| r.get(*k) == Some(w)))
        };
        // Key fields given besides the identity (an old translated IP) must match too.
        let keyed = |r: &Rule| {
            let mut keys = self.unique.iter().flat_map(|(keys, _)| keys.iter());
            keys.all(|k| wanted.get(*k).is_none_or(|w| r.get(*k) == Some(w)))
        };
        let found = table
            .iter()
            .position(|r| named(r) && on_parent(r) && keyed(r));
        let message = || format!("no {} rule {wanted:?} on this gateway", self.name);
        found.ok_or_else(|| Failure::business(self.not_found.clone(), message()))
    }

    /// `rule` checked against the VPC's block and the `others` of its table
    /// (and, for an ACL rule, its parent among the gateway's `rules`).
    fn checked(
        &self,
        rules: &BTreeMap<String, Vec<Rule>>,
        cidr: Cidr,
        others: &[Rule],
        rule: Rule,
    ) -> Result<Rule, Failure> {
        let get = |k: &str| rule.get(k).map_or("", String::as_str);
        let vpc = addresses(&cidr.to_string()).unwrap_or_default();
        let placed = |field: &str, inside: bool| {
            let message = format!("`{field}` must be an address, a range or a CIDR block");
            let (first, last) =
                addresses(get(field)).ok_or_else(|| Failure::invalid_parameter(message))?;
            let within = first >= vpc.0 && last <= vpc.1;
            let apart = last < vpc.0 || first > vpc.1;
            Ok::<bool, Failure>(if inside { within } else { apart })
        };
        let place = |found: Option<(&str, ErrorCode)>, inside: bool| match found {
            Some((field, code)) if !placed(field, inside)? => {
                let side = if inside { "inside" } else { "outside" };
                let message = format!("`{}` must lie {side} the VPC's {cidr}", get(field));
                Err(Failure::business(code, message))
            }
            _ => Ok(()),
        };
        place(self.inside.clone(), true)?;
        place(self.outside.clone(), false)?;
        for port in self.ports {
            if get(port).parse::<u16>().ok().filter(|p| *p > 0).is_none() {
                let message = format!("`{port}` must be a port 1 to 65535, got `{}`", get(port));
                return Err(Failure::invalid_parameter(message));
            }
        }
        if let Some(parent) = self.parent {
            let table = rules.get(parent.name).map_or(&[][..], Vec::as_slice);
            let keys = [parent.identity, &["translationIP"][..]].concat();
            let on = |r: &Rule| {
                keys.iter()
                    .all(|k| rule.get(*k).is_none_or(|v| r.get(*k) == Some(v)))
            };
            if !table.iter().any(on) {
                let message = format!("no {} rule {rule:?} on this gateway", parent.name);
                return Err(Failure::business(parent.not_found.clone(), message));
            }
        }
        for (keys, code) in self.unique {
            let key = |r: &Rule| keys.iter().map(|k| r.get(*k).cloned()).collect::<Vec<_>>();
            if others.iter().any(|o| key(o) == key(&rule)) {
                let message = format!("a {} rule already has {:?}", self.name, key(&rule));
                return Err(Failure::business(code.clone(), message));
            }
        }
        Ok(rule)
    }
}

impl Listed for DescribeDirectConnectGateway {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let found = state.children::<DcGateway>(caller, r.vpc_id.as_deref())?;
        let listing = Listing {
            id: r.direct_connect_gateway_id.as_deref(),
            name: r.direct_connect_gateway_name.as_deref(),
            order: Order::by(r.order_field.as_deref(), "directConnectGatewayName"),
            order_direction: r.order_direction.as_deref(),
            ..Listing::page_of(r)
        };
        let (total, page) = listing.page(found, |(_, g)| *g);
        let item = |(v, g): (&Vpc, &DcGateway)| {
            let rules = |f: &Family| Some(count(g.rules.get(f.name).map_or(0, Vec::len)));
            DescribeDirectConnectGatewayData {
                vpc_id: Some(v.head.id.clone()),
                un_vpc_id: Some(v.head.un_id.clone()),
                vpc_name: Some(v.head.name.clone()),
                vpc_cidr_block: Some(v.cidr.to_string()),
                direct_connect_gateway_name: Some(g.head.name.clone()),
                direct_connect_gateway_id: Some(g.head.id.clone()),
                r#type: Some(i64::from(g.nat)),
                snat_num: rules(&LOCAL_IP),
                dnat_num: rules(&PEER_IP),
                snapt_num: rules(&SOURCE),
                dnapt_num: rules(&DESTINATION),
                create_time: Some(format_datetime(g.head.created)),
                direct_connect_gateway_ip: None,
            }
        };
        Ok(DescribeDirectConnectGatewayOutput {
            total_count: Some(total),
            data: Some(page.into_iter().map(item).collect()),
            ..Default::default()
        })
    }
}

impl Model for CreateDirectConnectGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        check_name(
            &r.direct_connect_gateway_name,
            ErrorCode::InvalidDirectConnectGatewayName,
        )?;
        let nat = r.r#type == Some(1);
        if state.vpcs[v].dc_gateways.iter().any(|g| g.nat == nat) {
            let message = format!(
                "a VPC holds one direct-connect gateway of type {}",
                i64::from(nat)
            );
            return Err(Failure::business(
                ErrorCode::DirectConnectGatewayLimitExceeded,
                message,
            ));
        }
        let gateway = DcGateway {
            head: state.head("dcg", None, r.direct_connect_gateway_name, now),
            nat,
            rules: BTreeMap::new(),
        };
        let id = gateway.head.id.clone();
        state.vpcs[v].dc_gateways.push(gateway);
        Ok(CreateDirectConnectGatewayOutput {
            data: Some(CreateDirectConnectGatewayData {
                direct_connect_gateway_id: Some(id),
            }),
            ..Default::default()
        })
    }
}

impl Model for ModifyDirectConnectGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, g) = state.child::<DcGateway>(caller, &r.vpc_id, &r.direct_connect_gateway_id)?;
        check_name(
            &r.direct_connect_gateway_name,
            ErrorCode::InvalidDirectConnectGatewayName,
        )?;
        state.vpcs[v].dc_gateways[g].head.name = r.direct_connect_gateway_name;
        Ok(ModifyDirectConnectGatewayOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({})))),
            ..Default::default()
        })
    }
}

/// Deletes the gateway at once, its rules and the routes through it with it.
impl Model for DeleteDirectConnectGateway {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, g) = state.child::<DcGateway>(caller, &r.vpc_id, &r.direct_connect_gateway_id)?;
        let gateway = state.vpcs[v].dc_gateways.remove(g);
        state.drop_routes_to(NEXT_TYPE_DIRECT_CONNECT, &gateway.head.id);
        Ok(DeleteDirectConnectGatewayOutput {
            task_id: Some(state.new_task(&caller.uin, Ok(json!({})))),
            ..Default::default()
        })
    }
}

/// An asynchronous Create's answer: a finished task, as `data.taskId`.
fn with_task(state: &mut State, caller: &Caller, done: Fields) -> Fields {
    let mut out = done;
    let task = state.new_task(&caller.uin, Ok(json!({})));
    out.insert("data".to_owned(), json!({ "taskId": task }));
    out
}

/// A page bound sent as text (undocumented Describe actions).
fn number(name: &str, value: &Option<String>) -> Result<Option<i64>, Failure> {
    let message = || format!("parameter `{name}` must be a non-negative integer");
    value
        .as_deref()
        .map(|v| v.trim().parse::<i64>().ok().filter(|n| *n >= 0))
        .map(|n| n.ok_or_else(|| Failure::invalid_parameter(message())))
        .transpose()
}

/// The rule actions: each maps its request onto an [`Op`] of its family.
fn register_rules(h: &mut Handlers) {
    type R<A> = fn(&mut State, &Caller, A, Now) -> Result<Fields, Failure>;
    let create_local: R<CreateLocalIPTranslationNatRule> = |s, c, r, _| {
        let new = r.local_ip_translation.iter().map(rule_of).collect();
        let done = s.rules(
            c,
            &LOCAL_IP,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Create(new),
        )?;
        Ok(with_task(s, c, done))
    };
    let delete_local: R<DeleteLocalIPTranslationNatRule> = |s, c, r, _| {
        let doomed = r
            .local_ip_translation
            .iter()
            .flatten()
            .map(rule_of)
            .collect();
        s.rules(
            c,
            &LOCAL_IP,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Delete(doomed),
        )
    };
    let modify_local: R<ModifyLocalIPTranslationNatRule> = |s, c, r, _| {
        let old = fields(&[
            ("originalIP", &r.old_original_ip),
            ("translationIP", &r.old_translation_ip),
        ]);
        let new = fields(&[
            ("originalIP", &r.original_ip),
            ("translationIP", &r.translation_ip),
            ("description", &r.description),
        ]);
        s.rules(
            c,
            &LOCAL_IP,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Modify(old, new),
        )
    };
    let describe_local: R<DescribeLocalIPTranslationNatRule> = |s, c, r, _| {
        let filters = fields(&[
            ("originalIP", &r.original_ip),
            ("translationIP", &r.translation_ip),
            ("description", &r.description),
        ]);
        s.rules(
            c,
            &LOCAL_IP,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Describe(filters, None, r.offset, r.limit),
        )
    };
    let create_peer: R<CreatePeerIPTranslationNatRule> = |s, c, r, _| {
        let new = r.peer_ip_translation.iter().map(rule_of).collect();
        s.rules(
            c,
            &PEER_IP,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Create(new),
        )
    };
    let delete_peer: R<DeletePeerIPTranslationNatRule> = |s, c, r, _| {
        let doomed = r
            .peer_ip_translation
            .iter()
            .flatten()
            .map(rule_of)
            .collect();
        s.rules(
            c,
            &PEER_IP,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Delete(doomed),
        )
    };
    let modify_peer: R<ModifyPeerIPTranslationNatRule> = |s, c, r, _| {
        let old = fields(&[
            ("originalIP", &r.old_original_ip),
            ("translationIP", &r.old_translation_ip),
        ]);
        let new = fields(&[
            ("originalIP", &r.original_ip),
            ("translationIP", &r.translation_ip),
            ("description", &r.description),
        ]);
        s.rules(
            c,
            &PEER_IP,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Modify(old, new),
        )
    };
    let describe_peer: R<DescribePeerIPTranslationNatRule> = |s, c, r, _| {
        let filters = fields(&[
            ("originalIP", &r.original_ip),
            ("translationIP", &r.translation_ip),
            ("description", &r.description),
        ]);
        let page = (number("offset", &r.offset)?, number("limit", &r.limit)?);
        s.rules(
            c,
            &PEER_IP,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Describe(filters, None, page.0, page.1),
        )
    };
    let create_source: R<CreateLocalSourceIPPortTranslationNatRule> = |s, c, r, _| {
        let new = r
            .local_source_ip_port_translation
            .iter()
            .map(rule_of)
            .collect();
        let done = s.rules(
            c,
            &SOURCE,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Create(new),
        )?;
        Ok(with_task(s, c, done))
    };
    let delete_source: R<DeleteLocalSourceIPPortTranslationNatRule> = |s, c, r, _| {
        let doomed = r
            .local_source_ip_port_translation
            .iter()
            .flatten()
            .map(rule_of)
            .collect();
        s.rules(
            c,
            &SOURCE,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Delete(doomed),
        )
    };
    let modify_source: R<ModifyLocalSourceIPPortTranslationNatRule> = |s, c, r, _| {
        let old = fields(&[("translationIPPool", &r.old_translation_ip_pool)]);
        let new = fields(&[
            ("translationIPPool", &r.translation_ip_pool),
            ("description", &r.description),
        ]);
        s.rules(
            c,
            &SOURCE,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Modify(old, new),
        )
    };
    let describe_source: R<DescribeLocalSourceIPPortTranslationNatRule> = |s, c, r, _| {
        let filters = fields(&[("description", &r.description)]);
        let page = (number("offset", &r.offset)?, number("limit", &r.limit)?);
        s.rules(
            c,
            &SOURCE,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Describe(filters, None, page.0, page.1),
        )
    };
    let create_destination: R<CreateLocalDestinationIPPortTranslationNatRule> = |s, c, r, _| {
        let new = r
            .local_destination_ip_port_translation
            .iter()
            .map(rule_of)
            .collect();
        s.rules(
            c,
            &DESTINATION,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Create(new),
        )
    };
    let delete_destination: R<DeleteLocalDestinationIPPortTranslationNatRule> = |s, c, r, _| {
        let doomed = r
            .local_destination_ip_port_translation
            .iter()
            .flatten()
            .map(rule_of)
            .collect();
        s.rules(
            c,
            &DESTINATION,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Delete(doomed),
        )
    };
    let modify_destination: R<ModifyLocalDestinationIPPortTranslationNatRule> = |s, c, r, _| {
        let old = fields(&[
            ("proto", &r.old_proto),
            ("translationIP", &r.old_translation_ip),
            ("translationPort", &r.old_translation_port),
            ("originalIP", &r.old_original_ip),
            ("originalPort", &r.old_original_port),
        ]);
        let new = fields(&[
            ("proto", &r.proto),
            ("translationIP", &r.translation_ip),
            ("translationPort", &r.translation_port),
            ("originalIP", &r.original_ip),
            ("originalPort", &r.original_port),
            ("description", &r.description),
        ]);
        s.rules(
            c,
            &DESTINATION,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Modify(old, new),
        )
    };
    let describe_destination: R<DescribeLocalDestinationIPPortTranslationNatRule> = |s, c, r, _| {
        let filters = fields(&[
            ("proto", &r.proto),
            ("translationIP", &r.translation_ip),
            ("translationPort", &r.translation_port),
            ("originalIP", &r.original_ip),
            ("originalPort", &r.original_port),
            ("description", &r.description),
        ]);
        let page = (number("offset", &r.offset)?, number("limit", &r.limit)?);
        s.rules(
            c,
            &DESTINATION,
            (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str()),
            Op::Describe(filters, None, page.0, page.1),
        )
    };
    h.answer(create_local, false)
        .answer(delete_local, false)
        .answer(modify_local, false)
        .answer(describe_local, true)
        .answer(create_peer, false)
        .answer(delete_peer, false)
        .answer(modify_peer, false)
        .answer(describe_peer, true)
        .answer(create_source, false)
        .answer(delete_source, false)
        .answer(modify_source, false)
        .answer(describe_source, true)
        .answer(create_destination, false)
        .answer(delete_destination, false)
        .answer(modify_destination, false)
        .answer(describe_destination, true);
    register_acls(h);
}

/// ACL rules of the parent named by `parent` (the ACL's parent fields):
/// Create adds `entries`, Delete removes them, Modify replaces each by id.
fn acl_op(
    s: &mut State,
    c: &Caller,
    family: &'static Family,
    at: (&str, &str),
    parent: &Rule,
    verb: &str,
    entries: Vec<Rule>,
) -> Result<Fields, Failure> {
    let with_parent = |mut e: Rule| {
        e.extend(parent.clone());
        e
    };
    match verb {
        "Create" => {
            let new = entries.into_iter().map(|e| {
                let kept = e
                    .into_iter()
                    .filter(|(k, _)| ACL_FIELDS.contains(&k.as_str()));
                with_parent(kept.collect())
            });
            s.rules(c, family, at, Op::Create(new.collect()))
        }
        "Delete" => s.rules(
            c,
            family,
            at,
            Op::Delete(entries.into_iter().map(with_parent).collect()),
        ),
        _ => {
            for entry in entries {
                let id = fields(&[("aclRuleId", &entry.get("aclRuleId").cloned())]);
                let new = entry
                    .into_iter()
                    .filter(|(k, _)| ACL_FIELDS.contains(&k.as_str()));
                s.rules(c, family, at, Op::Modify(with_parent(id), new.collect()))?;
            }
            Ok(Fields::new())
        }
    }
}

/// The parent fields of a local IP translation ACL rule; a missing one names
/// no parent, so the lookup answers the parent family's not-found code.
fn local(o: &Option<String>, t: &Option<String>) -> Result<Rule, Failure> {
    Ok(fields(&[("originalIP", o), ("translationIP", t)]))
}

/// The parent field of a source-port translation ACL rule (missing: no parent, as above).
fn pool(p: &Option<String>) -> Result<Rule, Failure> {
    Ok(fields(&[("translationIPPool", p)]))
}

fn register_acls(h: &mut Handlers) {
    type R<A> = fn(&mut State, &Caller, A, Now) -> Result<Fields, Failure>;
    let create_local: R<CreateLocalIPTranslationAclRule> = |s, c, r, _| {
        let parent = fields(&[
            ("originalIP", &Some(r.original_ip.clone())),
            ("translationIP", &Some(r.translation_ip.clone())),
        ]);
        let entries = r.acl_rules.iter().map(rule_of).collect();
        let at = (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str());
        acl_op(s, c, &LOCAL_IP_ACL, at, &parent, "Create", entries)
    };
    let delete_local: R<DeleteLocalIPTranslationAclRule> = |s, c, r, _| {
        let parent = local(&r.original_ip, &r.translation_ip)?;
        let at = (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str());
        acl_op(
            s,
            c,
            &LOCAL_IP_ACL,
            at,
            &parent,
            "Delete",
            acl_entries(Some(&r.acl_rules))?,
        )
    };
    let modify_local: R<ModifyLocalIPTranslationAclRule> = |s, c, r, _| {
        let parent = local(&r.original_ip, &r.translation_ip)?;
        let at = (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str());
        acl_op(
            s,
            c,
            &LOCAL_IP_ACL,
            at,
            &parent,
            "Modify",
            acl_entries(Some(&r.acl_rules))?,
        )
    };
    let describe_local: R<DescribeLocalIPTranslationAclRule> = |s, c, r, _| {
        let parent = fields(&[
            ("originalIP", &r.original_ip),
            ("translationIP", &r.translation_ip),
        ]);
        let at = (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str());
        s.rules(
            c,
            &LOCAL_IP_ACL,
            at,
            Op::Describe(parent, r.acl_rule_ids, None, Some(i64::MAX)),
        )
    };
    let create_pool: R<CreateLocalSourceIPPortTranslationAclRule> = |s, c, r, _| {
        let parent = pool(&r.translation_ip_pool)?;
        let at = (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str());
        acl_op(
            s,
            c,
            &SOURCE_ACL,
            at,
            &parent,
            "Create",
            acl_entries(Some(&r.acl_rules))?,
        )
    };
    let delete_pool: R<DeleteLocalSourceIPPortTranslationAclRule> = |s, c, r, _| {
        let parent = pool(&r.translation_ip_pool)?;
        let at = (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str());
        acl_op(
            s,
            c,
            &SOURCE_ACL,
            at,
            &parent,
            "Delete",
            acl_entries(Some(&r.acl_rules))?,
        )
    };
    let modify_pool: R<ModifyLocalSourceIPPortTranslationAclRule> = |s, c, r, _| {
        let parent = pool(&r.translation_ip_pool)?;
        let at = (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str());
        acl_op(
            s,
            c,
            &SOURCE_ACL,
            at,
            &parent,
            "Modify",
            acl_entries(Some(&r.acl_rules))?,
        )
    };
    let describe_pool: R<DescribeLocalSourceIPPortTranslationAclRule> = |s, c, r, _| {
        let parent = fields(&[("translationIPPool", &r.translation_ip_pool)]);
        let at = (r.vpc_id.as_str(), r.direct_connect_gateway_id.as_str());
        s.rules(
            c,
            &SOURCE_ACL,
            at,
            Op::Describe(parent, r.acl_rule_ids, None, Some(i64::MAX)),
        )
    };
    h.answer(create_local, false)
        .answer(delete_local, false)
        .answer(modify_local, false)
        .answer(describe_local, true)
        .answer(create_pool, false)
        .answer(delete_pool, false)
        .answer(modify_pool, false)
        .answer(describe_pool, true);
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    /// A's VPC 10.0.0.0/16 with a NAT-type direct-connect gateway; returns both ids.
    fn gateway(state: &mut State) -> (String, String) {
        let vpc = create_vpc(state, &caller(A, "gz"), "v", "10.0.0.0/16");
        let pairs = [
            ("vpcId", vpc.as_str()),
            ("directConnectGatewayName", "g"),
            ("type", "1"),
        ];
        let out = ok(call(
            state,
            &caller(A, "gz"),
            "CreateDirectConnectGateway",
            &pairs,
            T0,
        ));
        let id = out["data"]["directConnectGatewayId"]
            .as_str()
            .expect("an id")
            .to_owned();
        (vpc, id)
    }

    /// Family, list parameter, a good rule, a stray field, the stray's code, the duplicate's code.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        (&'a str, &'a str),
        &'a str,
        &'a str,
    );

    #[test]
    fn each_rule_family_refuses_strays_duplicates_and_unknown_rules() {
        // Family, its Create list parameter, a good rule, a rule breaking a
        // VPC-block check, and the codes of that check and of a duplicate.
        let families: &[Case] = &[
            (
                "LocalIPTranslationNatRule",
                "localIPTranslation",
                &[("originalIP", "10.0.0.5"), ("translationIP", "1.1.1.1")],
                ("originalIP", "9.9.9.9"),
                "InvalidOriginalIP.NotInVpcCidr",
                "InvalidOriginalIP.Duplicate",
            ),
            (
                "PeerIPTranslationNatRule",
                "peerIPTranslation",
                &[("originalIP", "2.2.2.2"), ("translationIP", "3.3.3.3")],
                ("translationIP", "10.0.3.3"),
                "InvalidTranslationIP.InVpcCidr",
                "InvalidOriginalIP.Duplicate",
            ),
            (
                "LocalSourceIPPortTranslationNatRule",
                "localSourceIPPortTranslation",
                &[("translationIPPool", "4.4.4.0/24")],
                ("translationIPPool", "9.255.255.250-10.0.0.1"),
                "InvalidTranslationIPPool.NotInVpcCidr",
                "InvalidTranslationIP.Duplicate",
            ),
            (
                "LocalDestinationIPPortTranslationNatRule",
                "localDestinationIPPortTranslation",
                &[
                    ("proto", "tcp"),
                    ("originalIP", "10.0.0.6"),
                    ("originalPort", "80"),
                    ("translationIP", "5.5.5.5"),
                    ("translationPort", "8080"),
                ],
                ("translationIP", "10.0.9.9"),
                "InvalidTranslationIP.InVpcCidr",
                "InvalidTranslationIP.Duplicate",
            ),
        ];
        let mut state = State::default();
        let (vpc, dcg) = gateway(&mut state);
        for &(family, list, rule, (field, stray), stray_code, duplicate) in families {
            let at = [
                ("vpcId", vpc.as_str()),
                ("directConnectGatewayId", dcg.as_str()),
            ];
            let entry = |rule: &[(&str, &str)]| -> Vec<(String, String)> {
                let own = rule
                    .iter()
                    .map(|(k, v)| (format!("{list}.0.{k}"), (*v).to_owned()));
                at.iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .chain(own)
                    .collect()
            };
            let run = |state: &mut State, action: String, pairs: Vec<(String, String)>| {
                let pairs: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                outcome(state, &action, &pairs)
            };
            let strayed: Vec<(&str, &str)> = rule
                .iter()
                .map(|&(k, v)| if k == field { (k, stray) } else { (k, v) })
                .collect();
            assert_eq!(
                run(&mut state, format!("Create{family}"), entry(&strayed)),
                stray_code,
                "{family}"
            );
            assert_eq!(
                run(&mut state, format!("Create{family}"), entry(rule)),
                "ok",
                "{family}"
            );
            assert_eq!(
                run(&mut state, format!("Create{family}"), entry(rule)),
                duplicate,
                "{family}"
            );
            let listed = call(
                &mut state,
                &caller(A, "gz"),
                &format!("Describe{family}"),
                &at,
                T0,
            );
            assert_eq!(ok(listed)["totalCount"], 1, "{family}");
            assert_eq!(
                run(&mut state, format!("Delete{family}"), entry(rule)),
                "ok",
                "{family}"
            );
            let gone = run(&mut state, format!("Delete{family}"), entry(rule));
            assert!(gone.ends_with(".NotFound"), "{family}: {gone}");
        }
    }

    #[test]
    fn acl_rules_hang_on_their_rule_and_gateways_take_everything() {
        let mut state = State::default();
        let (vpc, dcg) = gateway(&mut state);
        let at = [
            ("vpcId", vpc.as_str()),
            ("directConnectGatewayId", dcg.as_str()),
        ];
        let with = |extra: &[(&'static str, &'static str)]| [&at[..], extra].concat();
        let acl = [
            ("originalIP", "10.0.0.5"),
            ("translationIP", "1.1.1.1"),
            ("aclRules.0.protocol", "TCP"),
            ("aclRules.0.sourcePort", "0"),
            ("aclRules.0.destinationCidr", "6.6.6.0/24"),
            ("aclRules.0.destinationPort", "80"),
        ];
        let rule = [
            ("localIPTranslation.0.originalIP", "10.0.0.5"),
            ("localIPTranslation.0.translationIP", "1.1.1.1"),
        ];
        assert_eq!(
            outcome(&mut state, "CreateLocalIPTranslationAclRule", &with(&acl)),
            "InvalidLocalIPTranslation.NotFound"
        );
        assert_eq!(
            outcome(&mut state, "CreateLocalIPTranslationNatRule", &with(&rule)),
            "ok"
        );
        assert_eq!(
            outcome(&mut state, "CreateLocalIPTranslationAclRule", &with(&acl)),
            "ok"
        );
        assert_eq!(
            outcome(&mut state, "CreateLocalIPTranslationAclRule", &with(&acl)),
            "InvalidAclRule.Duplicate"
        );
        let listed = ok(call(
            &mut state,
            &caller(A, "gz"),
            "DescribeLocalIPTranslationAclRule",
            &at,
            T0,
        ));
        assert_eq!(listed["data"][0]["destinationCidr"], "6.6.6.0/24");
        // Deleting the rule takes its ACL rules; deleting the gateway, the rules and VPC's hold.
        assert_eq!(
            outcome(&mut state, "DeleteLocalIPTranslationNatRule", &with(&rule)),
            "ok"
        );
        let listed = ok(call(
            &mut state,
            &caller(A, "gz"),
            "DescribeLocalIPTranslationAclRule",
            &at,
            T0,
        ));
        assert_eq!(listed["totalCount"], 0);
        assert_eq!(
            outcome(&mut state, "DeleteVpc", &[("vpcId", &vpc)]),
            "InvalidVpc.CannotDelete"
        );
        let second = [
            ("vpcId", vpc.as_str()),
            ("directConnectGatewayName", "h"),
            ("type", "1"),
        ];
        assert_eq!(
            outcome(&mut state, "CreateDirectConnectGateway", &second),
            "DirectConnectGatewayLimitExceeded"
        );
        assert_eq!(outcome(&mut state, "DeleteDirectConnectGateway", &at), "ok");
        assert_eq!(
            outcome(&mut state, "CreateLocalIPTranslationNatRule", &with(&rule)),
            "InvalidDirectConnectGateway.NotFound"
        );
        assert_eq!(outcome(&mut state, "DeleteVpc", &[("vpcId", &vpc)]), "ok");
    }

    /// `base` and `extra` as owned pairs.
    fn owned(base: &[(&str, &str)], extra: &[(String, String)]) -> Vec<(String, String)> {
        let base = base.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        base.chain(extra.iter().cloned()).collect()
    }

    /// Runs `action` for A with owned pairs; its outcome, as [`outcome`].
    fn run(state: &mut State, action: &str, pairs: &[(String, String)]) -> String {
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        outcome(state, action, &pairs)
    }

    /// Lists `action`'s rules with `extra` filters; the answer.
    fn listed(
        state: &mut State,
        action: &str,
        at: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Value {
        let pairs = [at, extra].concat();
        ok(call(state, &caller(A, "gz"), action, &pairs, T0))
    }

    /// The routes of route table `table` as (destination, next type) pairs.
    fn routes(state: &mut State, table: &str) -> Vec<(String, i64)> {
        let out = ok(call(
            state,
            &caller(A, "gz"),
            "DescribeRouteTable",
            &[("routeTableId", table)],
            T0,
        ));
        let set = out["data"][0]["routeSet"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let route = |r: &Value| {
            let destination = r["destinationCidrBlock"].as_str().unwrap_or("").to_owned();
            (destination, r["nextType"].as_i64().unwrap_or(-1))
        };
        set.iter().map(route).collect()
    }

    #[test]
    fn routes_through_a_gateway_need_it_and_go_with_it() {
        let mut state = State::default();
        let (vpc, dcg) = gateway(&mut state);
        let table = |name: &str, hub: &str| {
            [
                ("vpcId", vpc.clone()),
                ("routeTableName", name.to_owned()),
                (
                    "routeSet.0.destinationCidrBlock",
                    "172.16.0.0/16".to_owned(),
                ),
                ("routeSet.0.nextType", "3".to_owned()),
                ("routeSet.0.nextHub", hub.to_owned()),
            ]
            .map(|(k, v)| (k.to_owned(), v))
        };
        // A gateway of another VPC is as unknown as a made-up one.
        let other = create_vpc(&mut state, &caller(A, "gz"), "w", "10.1.0.0/16");
        let elsewhere = [
            ("vpcId", other.as_str()),
            ("directConnectGatewayName", "o"),
            ("type", "1"),
        ];
        let out = ok(call(
            &mut state,
            &caller(A, "gz"),
            "CreateDirectConnectGateway",
            &elsewhere,
            T0,
        ));
        let foreign = out["data"]["directConnectGatewayId"]
            .as_str()
            .expect("an id")
            .to_owned();
        for (hub, expected) in [
            ("dcg-00000000", "InvalidRouteNextHub.NotFound"),
            (foreign.as_str(), "InvalidRouteNextHub.NotFound"),
            (dcg.as_str(), "ok"),
        ] {
            assert_eq!(
                run(&mut state, "CreateRouteTable", &table(hub, hub)),
                expected,
                "{hub}"
            );
        }
        let found = ok(call(
            &mut state,
            &caller(A, "gz"),
            "DescribeRouteTable",
            &[("vpcId", &vpc), ("routeTableName", &dcg)],
            T0,
        ));
        let id = found["data"][0]["unRouteTableId"]
            .as_str()
            .expect("an id")
            .to_owned();
        let through = ("172.16.0.0/16".to_owned(), 3);
        assert!(
            routes(&mut state, &id).contains(&through),
            "{:?}",
            routes(&mut state, &id)
        );
        let at = [
            ("vpcId", vpc.as_str()),
            ("directConnectGatewayId", dcg.as_str()),
        ];
        assert_eq!(outcome(&mut state, "DeleteDirectConnectGateway", &at), "ok");
        let left = routes(&mut state, &id);
        assert!(!left.contains(&through) && left.len() == 1, "{left:?}");
    }

    /// Create action, its list parameter, the DescribeVpcLimit type, the code
    /// beyond it, and the fields of the `i`th distinct good rule.
    type Quota = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        fn(usize) -> Vec<(&'static str, String)>,
    );

    #[test]
    fn each_rule_family_stops_at_its_quota() {
        let quotas: &[Quota] = &[
            (
                "CreateLocalIPTranslationNatRule",
                "localIPTranslation",
                "32",
                "LocalIPTranslationLimitExceeded",
                |i| {
                    vec![
                        ("originalIP", format!("10.0.{}.{}", i / 200, i % 200 + 1)),
                        ("translationIP", format!("1.1.{}.{}", i / 200, i % 200 + 1)),
                    ]
                },
            ),
            (
                "CreatePeerIPTranslationNatRule",
                "peerIPTranslation",
                "34",
                "PeerIPTranslationLimitExceeded",
                |i| {
                    vec![
                        ("originalIP", format!("2.2.{}.{}", i / 200, i % 200 + 1)),
                        ("translationIP", format!("3.3.{}.{}", i / 200, i % 200 + 1)),
                    ]
                },
            ),
            (
                "CreateLocalDestinationIPPortTranslationNatRule",
                "localDestinationIPPortTranslation",
                "36",
                "LocalDestinationIPPortTranslationLimitExceeded",
                |i| {
                    vec![
                        ("proto", "tcp".to_owned()),
                        ("originalIP", "10.0.0.6".to_owned()),
                        ("originalPort", "80".to_owned()),
                        ("translationIP", "5.5.5.5".to_owned()),
                        ("translationPort", (1000 + i).to_string()),
                    ]
                },
            ),
            (
                "CreateLocalSourceIPPortTranslationNatRule",
                "localSourceIPPortTranslation",
                "38",
                "LocalSourceIPPortTranslationLimitExceeded",
                |i| {
                    vec![(
                        "translationIPPool",
                        format!("4.4.{}.{}", i / 200, i % 200 + 1),
                    )]
                },
            ),
        ];
        let mut state = State::default();
        let (vpc, dcg) = gateway(&mut state);
        let at = [
            ("vpcId", vpc.as_str()),
            ("directConnectGatewayId", dcg.as_str()),
        ];
        for &(action, list, limit, exceeded, rule) in quotas {
            let quota = state.quota(limit);
            let entries = |range: std::ops::Range<usize>| -> Vec<(String, String)> {
                let at = range.clone().start;
                range
                    .flat_map(|i| {
                        rule(i)
                            .into_iter()
                            .map(move |(k, v)| (format!("{list}.{}.{k}", i - at), v))
                    })
                    .collect()
            };
            // One past the quota at once is refused whole; up to it, accepted; one more, refused.
            assert_eq!(
                run(&mut state, action, &owned(&at, &entries(0..quota + 1))),
                exceeded,
                "{action}"
            );
            assert_eq!(
                run(&mut state, action, &owned(&at, &entries(0..quota))),
                "ok",
                "{action}"
            );
            assert_eq!(
                run(&mut state, action, &owned(&at, &entries(quota..quota + 1))),
                exceeded,
                "{action}"
            );
            let describe = action.replacen("Create", "Describe", 1);
            let held = listed(&mut state, &describe, &at, &[]);
            assert_eq!(held["totalCount"], quota, "{action}");
        }
    }

    #[test]
    fn a_modified_rule_is_found_by_its_new_identity_and_checked_again() {
        // Create action, its list parameter, the rule, Modify pairs (the old
        // identity and the new fields), a Modify breaking a check and its code,
        // and a Describe filter finding the rule by its new identity.
        type Change<'a> = (
            &'a str,
            &'a str,
            &'a [(&'a str, &'a str)],
            &'a [(&'a str, &'a str)],
            (&'a str, &'a str),
            (&'a str, &'a str),
        );
        let changes: &[Change] = &[
            (
                "LocalIPTranslationNatRule",
                "localIPTranslation",
                &[("originalIP", "10.0.0.5"), ("translationIP", "1.1.1.1")],
                &[
                    ("oldOriginalIP", "10.0.0.5"),
                    ("oldTranslationIP", "1.1.1.1"),
                    ("originalIP", "10.0.0.7"),
                    ("description", "moved"),
                ],
                ("translationIP", "10.0.9.9"),
                ("originalIP", "10.0.0.7"),
            ),
            (
                "PeerIPTranslationNatRule",
                "peerIPTranslation",
                &[("originalIP", "2.2.2.2"), ("translationIP", "3.3.3.3")],
                &[
                    ("oldOriginalIP", "2.2.2.2"),
                    ("oldTranslationIP", "3.3.3.3"),
                    ("translationIP", "3.3.3.4"),
                    ("description", "moved"),
                ],
                ("translationIP", "10.0.3.3"),
                ("translationIP", "3.3.3.4"),
            ),
            (
                "LocalSourceIPPortTranslationNatRule",
                "localSourceIPPortTranslation",
                &[("translationIPPool", "4.4.4.0/24")],
                &[
                    ("oldTranslationIPPool", "4.4.4.0/24"),
                    ("translationIPPool", "4.4.5.0/24"),
                    ("description", "moved"),
                ],
                ("translationIPPool", "10.0.0.0/24"),
                ("description", "moved"),
            ),
            (
                "LocalDestinationIPPortTranslationNatRule",
                "localDestinationIPPortTranslation",
                &[
                    ("proto", "tcp"),
                    ("originalIP", "10.0.0.6"),
                    ("originalPort", "80"),
                    ("translationIP", "5.5.5.5"),
                    ("translationPort", "8080"),
                ],
                &[
                    ("oldProto", "tcp"),
                    ("oldTranslationIP", "5.5.5.5"),
                    ("oldTranslationPort", "8080"),
                    ("translationPort", "8081"),
                    ("description", "moved"),
                ],
                ("translationPort", "0"),
                ("translationPORT", "8081"),
            ),
        ];
        let mut state = State::default();
        let (vpc, dcg) = gateway(&mut state);
        let at = [
            ("vpcId", vpc.as_str()),
            ("directConnectGatewayId", dcg.as_str()),
        ];
        for &(family, list, rule, change, (field, bad), found) in changes {
            let entry: Vec<(String, String)> = rule
                .iter()
                .map(|(k, v)| (format!("{list}.0.{k}"), (*v).to_owned()))
                .collect();
            assert_eq!(
                run(&mut state, &format!("Create{family}"), &owned(&at, &entry)),
                "ok",
                "{family}"
            );
            let modify = format!("Modify{family}");
            let change = [&at[..], change].concat();
            // Breaking a check changes nothing; the good change lands once, then the old identity is gone.
            let broken: Vec<(&str, &str)> = change
                .iter()
                .filter(|(k, _)| *k != field)
                .copied()
                .chain([(field, bad)])
                .collect();
            let refused = outcome(&mut state, &modify, &broken);
            assert!(refused != "ok", "{family}: {refused}");
            assert_eq!(outcome(&mut state, &modify, &change), "ok", "{family}");
            let again = outcome(&mut state, &modify, &change);
            assert!(again.ends_with(".NotFound"), "{family}: {again}");
            let held = listed(&mut state, &format!("Describe{family}"), &at, &[found]);
            assert_eq!(held["totalCount"], 1, "{family}: {held}");
            assert_eq!(held["data"][0]["description"], "moved", "{family}: {held}");
        }
    }

    #[test]
    fn source_pool_acl_rules_follow_their_pool_and_go_with_it() {
        let mut state = State::default();
        let (vpc, dcg) = gateway(&mut state);
        let at = [
            ("vpcId", vpc.as_str()),
            ("directConnectGatewayId", dcg.as_str()),
        ];
        let with = |extra: &[(&'static str, &'static str)]| [&at[..], extra].concat();
        let acl = [
            ("translationIPPool", "4.4.4.0/24"),
            ("aclRules.0.protocol", "TCP"),
            ("aclRules.0.sourcePort", "0"),
            ("aclRules.0.destinationCidr", "6.6.6.0/24"),
            ("aclRules.0.destinationPort", "80"),
        ];
        let pool = [(
            "localSourceIPPortTranslation.0.translationIPPool",
            "4.4.4.0/24",
        )];
        let create = "CreateLocalSourceIPPortTranslationAclRule";
        let describe = "DescribeLocalSourceIPPortTranslationAclRule";
        assert_eq!(
            outcome(&mut state, create, &with(&acl)),
            "InvalidLocalSourceIPPortTranslation.NotFound"
        );
        assert_eq!(
            outcome(
                &mut state,
                "CreateLocalSourceIPPortTranslationNatRule",
                &with(&pool)
            ),
            "ok"
        );
        assert_eq!(outcome(&mut state, create, &with(&acl)), "ok");
        assert_eq!(
            outcome(&mut state, create, &with(&acl)),
            "InvalidAclRule.Duplicate"
        );
        let held = listed(&mut state, describe, &at, &[]);
        assert_eq!(held["totalCount"], 1, "{held}");
        let id = held["data"][0]["aclRuleId"]
            .as_str()
            .expect("an id")
            .to_owned();

        // Modify by id; the pool's rename carries the ACL rule along.
        let modify = [
            ("translationIPPool", "4.4.4.0/24"),
            ("aclRules.0.aclRuleId", id.as_str()),
            ("aclRules.0.destinationPort", "443"),
        ];
        assert_eq!(
            outcome(
                &mut state,
                "ModifyLocalSourceIPPortTranslationAclRule",
                &[&at[..], &modify].concat()
            ),
            "ok"
        );
        let renamed = [
            ("oldTranslationIPPool", "4.4.4.0/24"),
            ("translationIPPool", "4.4.5.0/24"),
        ];
        assert_eq!(
            outcome(
                &mut state,
                "ModifyLocalSourceIPPortTranslationNatRule",
                &with(&renamed)
            ),
            "ok"
        );
        let held = listed(
            &mut state,
            describe,
            &at,
            &[("translationIPPool", "4.4.5.0/24")],
        );
        assert_eq!(held["totalCount"], 1, "{held}");
        assert_eq!(held["data"][0]["destinationPort"], "443", "{held}");
        let stale = listed(
            &mut state,
            describe,
            &at,
            &[("translationIPPool", "4.4.4.0/24")],
        );
        assert_eq!(stale["totalCount"], 0, "{stale}");

        // Delete by id (twice: the second is unknown); a new one goes with its pool.
        let doomed = [
            ("translationIPPool", "4.4.5.0/24"),
            ("aclRules.0", id.as_str()),
        ];
        let delete = "DeleteLocalSourceIPPortTranslationAclRule";
        assert_eq!(
            outcome(&mut state, delete, &[&at[..], &doomed].concat()),
            "ok"
        );
        assert_eq!(
            outcome(&mut state, delete, &[&at[..], &doomed].concat()),
            "InvalidAclRule.NotFound"
        );
        let moved: Vec<(&str, &str)> = acl
            .iter()
            .map(|&(k, v)| {
                if k == "translationIPPool" {
                    (k, "4.4.5.0/24")
                } else {
                    (k, v)
                }
            })
            .collect();
        assert_eq!(outcome(&mut state, create, &with(&moved)), "ok");
        let pool = [(
            "localSourceIPPortTranslation.0.translationIPPool",
            "4.4.5.0/24",
        )];
        assert_eq!(
            outcome(
                &mut state,
                "DeleteLocalSourceIPPortTranslationNatRule",
                &with(&pool)
            ),
            "ok"
        );
        assert_eq!(listed(&mut state, describe, &at, &[])["totalCount"], 0);
    }

    #[test]
    fn rules_need_a_nat_type_gateway() {
        let mut state = State::default();
        let (vpc, nat) = gateway(&mut state);
        let pairs = [
            ("vpcId", vpc.as_str()),
            ("directConnectGatewayName", "plain"),
            ("type", "0"),
        ];
        let out = ok(call(
            &mut state,
            &caller(A, "gz"),
            "CreateDirectConnectGateway",
            &pairs,
            T0,
        ));
        let plain = out["data"]["directConnectGatewayId"]
            .as_str()
            .expect("an id")
            .to_owned();
        let actions: &[(&str, &[(&str, &str)])] = &[
            (
                "CreateLocalIPTranslationNatRule",
                &[
                    ("localIPTranslation.0.originalIP", "10.0.0.5"),
                    ("localIPTranslation.0.translationIP", "1.1.1.1"),
                ],
            ),
            (
                "CreatePeerIPTranslationNatRule",
                &[
                    ("peerIPTranslation.0.originalIP", "2.2.2.2"),
                    ("peerIPTranslation.0.translationIP", "3.3.3.3"),
                ],
            ),
            (
                "CreateLocalSourceIPPortTranslationNatRule",
                &[(
                    "localSourceIPPortTranslation.0.translationIPPool",
                    "4.4.4.0/24",
                )],
            ),
            ("DescribeLocalIPTranslationNatRule", &[]),
            ("DescribePeerIPTranslationNatRule", &[]),
            ("DescribeLocalSourceIPPortTranslationNatRule", &[]),
            ("DescribeLocalDestinationIPPortTranslationNatRule", &[]),
            ("DescribeLocalIPTranslationAclRule", &[]),
            ("DescribeLocalSourceIPPortTranslationAclRule", &[]),
        ];
        for &(action, extra) in actions {
            for (gateway, expected) in [
                (plain.as_str(), "InvalidDirectConnectGateway.NotNat"),
                (nat.as_str(), "ok"),
            ] {
                let at = [("vpcId", vpc.as_str()), ("directConnectGatewayId", gateway)];
                assert_eq!(
                    outcome(&mut state, action, &[&at[..], extra].concat()),
                    expected,
                    "{action} on {gateway}"
                );
            }
        }
        let listed = ok(call(
            &mut state,
            &caller(A, "gz"),
            "DescribeDirectConnectGateway",
            &[("vpcId", &vpc)],
            T0,
        ));
        let types: Vec<_> = listed["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|g| g["type"].clone())
            .collect();
        assert_eq!(types.len(), 2, "{listed}");
        assert!(
            types.contains(&json!(0)) && types.contains(&json!(1)),
            "{types:?}"
        );
    }
}
