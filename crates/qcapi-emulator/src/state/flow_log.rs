//! Flow logs: a VPC's, subnet's or network interface's traffic records sent to
//! a CLS log (not modelled: its id is taken as given). Create, describe, list,
//! modify and delete; at most two per resource, and a flow log goes with the
//! resource it is on.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use qcapi_core::vpc::*;

use super::table::{Handlers, InVpc, Listed, Listing, Model, Now, Order, check_new_name};
use super::*;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .add(CreateFlowLog::run)
        .add(DescribeFlowLog::run)
        .add(ModifyFlowLogAttribute::run)
        .add(DeleteFlowLog::run)
        .listing("flowLogs", || DescribeFlowLogs::new().limit(i64::MAX));
}

/// Flow logs a resource may have (the documented quota).
const PER_RESOURCE: usize = 2;

/// The state of every CLS log (CLS is not modelled).
const CLOUD_LOG_STATE: &str = "VALID";

/// A flow log in its VPC. Flow logs only have unified ids, `fl-…`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct FlowLog {
    head: Head,
    description: String,
    /// `VPC`, `SUBNET` or `NETWORKINTERFACE`.
    resource_type: String,
    /// Unified id of the resource it is on.
    resource_id: String,
    traffic_type: String,
    cloud_log_id: String,
}

table::resource! {
    FlowLog "flow log" in flow_logs,
    FlowLogIDNotFound, InvalidFlowLogName, FlowLogNameDuplicate
}

impl Vpc {
    /// Deletes the flow logs on the resource with unified id `un_id`, as the
    /// resource goes.
    pub(super) fn drop_flow_logs_on(&mut self, un_id: &str) {
        self.flow_logs.retain(|f| f.resource_id != un_id);
    }
}

/// The unified id of the subnet or interface `r` names in its VPC.
fn child_of<R: InVpc>(
    state: &State,
    caller: &Caller,
    r: &CreateFlowLog,
) -> Result<String, Failure> {
    let (v, i) = state.child::<R>(caller, &r.vpc_id, &r.resource_id)?;
    Ok(R::rows(&state.vpcs[v])[i].head().un_id.clone())
}

/// The flow log as DescribeFlowLog's `data.data` has it, the shape every answer starts from.
fn item(vpc: &Vpc, f: &FlowLog) -> DescribeFlowLogDataData {
    DescribeFlowLogDataData {
        vpc_id: Some(vpc.head.un_id.clone()),
        flow_log_id: Some(f.head.id.clone()),
        flow_log_name: Some(f.head.name.clone()),
        resource_type: Some(f.resource_type.clone()),
        resource_id: Some(f.resource_id.clone()),
        traffic_type: Some(f.traffic_type.clone()),
        cloud_log_id: Some(f.cloud_log_id.clone()),
        cloud_log_state: Some(CLOUD_LOG_STATE.to_owned()),
        flow_log_description: Some(f.description.clone()),
        created_time: Some(format_datetime(f.head.created)),
    }
}

/// `fields` read as another generated output (all their fields are optional).
fn recast<T: DeserializeOwned + Default>(fields: Value) -> T {
    serde_json::from_value(fields).unwrap_or_default()
}

impl Model for CreateFlowLog {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let v = state.vpc_index(caller, &r.vpc_id)?;
        let resource_id = match r.resource_type.as_str() {
            "SUBNET" => child_of::<Subnet>(state, caller, &r)?,
            "NETWORKINTERFACE" => child_of::<eni::Eni>(state, caller, &r)?,
            // The spec allows only these three types.
            _ => {
                let vpc = &state.vpcs[v].head;
                if !vpc.has_id(&r.resource_id) {
                    let message = format!("VPC `{}` is not VPC `{}`", r.resource_id, r.vpc_id);
                    return Err(Failure::business(ErrorCode::InvalidVpcNotFound, message));
                }
                vpc.un_id.clone()
            }
        };
        let vpc = &state.vpcs[v];
        check_new_name(&vpc.flow_logs, &r.flow_log_name, None, "the VPC")?;
        let on_it = vpc
            .flow_logs
            .iter()
            .filter(|f| f.resource_id == resource_id);
        if on_it.count() >= PER_RESOURCE {
            let message = format!("`{resource_id}` already has {PER_RESOURCE} flow logs");
            return Err(Failure::business(ErrorCode::FlowLogLimitExceeded, message));
        }
        let flow_log = FlowLog {
            head: state.head("fl", None, r.flow_log_name, now),
            description: r.flow_log_description.unwrap_or_default(),
            resource_type: r.resource_type,
            resource_id,
            traffic_type: r.traffic_type,
            cloud_log_id: r.cloud_log_id,
        };
        let mut fields = json!(item(&state.vpcs[v], &flow_log));
        state.vpcs[v].flow_logs.push(flow_log);
        // The documentation's table spells four top-level keys in PascalCase; `data` has them all in camelCase.
        let data = fields.clone();
        if let Value::Object(top) = &mut fields {
            for key in [
                "trafficType",
                "cloudLogId",
                "cloudLogState",
                "flowLogDescription",
            ] {
                let value = top.remove(key).unwrap_or_default();
                top.insert(format!("{}{}", key[..1].to_uppercase(), &key[1..]), value);
            }
            top.insert("data".to_owned(), data);
        }
        Ok(recast(fields))
    }
}

impl Model for DescribeFlowLog {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, f) = state.child::<FlowLog>(caller, &r.vpc_id, &r.flow_log_id)?;
        let vpc = &state.vpcs[v];
        let mut fields = json!(item(vpc, &vpc.flow_logs[f]));
        // The table's fields at the top level, the example's under `data.data`.
        fields["data"] = json!({ "data": fields.clone() });
        Ok(recast(fields))
    }
}

impl Listed for DescribeFlowLogs {
    fn list(state: &State, caller: &Caller, r: &Self) -> Result<Self::Output, Failure> {
        let found = state.children::<FlowLog>(caller, r.vpc_id.as_deref())?;
        let is =
            |wanted: &Option<String>, value: &str| wanted.as_deref().is_none_or(|w| w == value);
        let matching = found.into_iter().filter(|(_, f)| {
            r.flow_log_id
                .as_deref()
                .is_none_or(|id| f.head.id.contains(id))
                && is(&r.resource_type, &f.resource_type)
                && is(&r.resource_id, &f.resource_id)
                && is(&r.traffic_type, &f.traffic_type)
                && is(&r.cloud_log_id, &f.cloud_log_id)
                && is(&r.cloud_log_state, CLOUD_LOG_STATE)
        });
        let listing = Listing {
            name: r.flow_log_name.as_deref(),
            order: Order::by(r.order_field.as_deref(), "flowLogName"),
            // The documented defaults: descending, 10 a page.
            order_direction: Some(r.order_direction.as_deref().unwrap_or("desc")),
            offset: r.offset,
            limit: Some(r.limit.unwrap_or(10)),
            ..Listing::default()
        };
        let (total, page) = listing.page(matching, |(_, f)| *f);
        let data = page.into_iter().map(|(v, f)| json!(item(v, f)));
        Ok(DescribeFlowLogsOutput {
            total_count: Some(total),
            data: Some(Value::Array(data.collect())),
            ..Default::default()
        })
    }
}

impl Model for ModifyFlowLogAttribute {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, f) = state.child::<FlowLog>(caller, &r.vpc_id, &r.flow_log_id)?;
        let logs = &mut state.vpcs[v].flow_logs;
        if let Some(name) = &r.flow_log_name {
            check_new_name(logs.iter(), name, Some(f), "the VPC")?;
        }
        let flow_log = &mut logs[f];
        if let Some(name) = r.flow_log_name {
            flow_log.head.name = name;
        }
        if let Some(description) = r.flow_log_description {
            flow_log.description = description;
        }
        Ok(ModifyFlowLogAttributeOutput::default())
    }
}

impl Model for DeleteFlowLog {
    fn run(state: &mut State, caller: &Caller, r: Self, _: Now) -> Result<Self::Output, Failure> {
        let (v, f) = state.child::<FlowLog>(caller, &r.vpc_id, &r.flow_log_id)?;
        state.vpcs[v].flow_logs.remove(f);
        Ok(DeleteFlowLogOutput::default())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    /// A's VPC (10.0.0.0/16, subnet s1) with interface `eth` in s1: (vpc, subnet, eni) ids.
    fn vpc_with_eni(state: &mut State) -> (String, String, String) {
        let (vpc, subnet) = vpc_with_subnet(state);
        let pairs = [("vpcId", &*vpc), ("subnetId", &subnet), ("eniName", "eth")];
        let task = ok(call(
            state,
            &caller(A, "gz"),
            "CreateNetworkInterface",
            &pairs,
            T0,
        ));
        let task = task["taskId"].to_string();
        let a = caller(A, "gz");
        let done = |s: &mut State| {
            ok(call(
                s,
                &a,
                "DescribeVpcTaskResult",
                &[("taskId", &task)],
                T0,
            ))
        };
        done(state);
        let eni = done(state)["data"]["output"]["networkInterfaceId"].clone();
        (vpc, subnet, eni.as_str().expect("an id").to_owned())
    }

    /// Creates a flow log named `name` on `resource` (of `kind`) in `vpc`.
    fn create(state: &mut State, vpc: &str, name: &str, kind: &str, resource: &str) -> String {
        let pairs = [
            ("vpcId", vpc),
            ("flowLogName", name),
            ("resourceType", kind),
            ("resourceId", resource),
            ("trafficType", "ALL"),
            ("cloudLogId", "6a4a8d2c-0000-4000-8000-000000000001"),
        ];
        match call(state, &caller(A, "gz"), "CreateFlowLog", &pairs, T0) {
            Ok(out) => out["flowLogId"].as_str().expect("an id").to_owned(),
            Err(e) => e.code_desc,
        }
    }

    /// The names of A's flow logs that DescribeFlowLogs lists for `pairs`, and the total.
    fn names(state: &mut State, pairs: &[(&str, &str)]) -> (i64, Vec<String>) {
        let out = ok(call(state, &caller(A, "gz"), "DescribeFlowLogs", pairs, T0));
        let data = out["data"].as_array().expect("a list");
        let names = data
            .iter()
            .map(|f| f["flowLogName"].as_str().expect("a name").to_owned());
        (
            out["totalCount"].as_i64().expect("a total"),
            names.collect(),
        )
    }

    #[test]
    fn flow_log_creation_rules() {
        let mut state = State::default();
        let (vpc, subnet, eni) = vpc_with_eni(&mut state);
        let other = create_vpc(&mut state, &caller(A, "gz"), "other", "10.1.0.0/16");
        let b_vpc = create_vpc(&mut state, &caller(B, "gz"), "b", "10.2.0.0/16");
        let mut check = |vpc: &str, name: &str, kind: &str, resource: &str, expected: &str| {
            let got = create(&mut state, vpc, name, kind, resource);
            let got = if got.starts_with("fl-") {
                "ok"
            } else {
                got.as_str()
            };
            assert_eq!(got, expected, "{name} {kind} {resource}");
        };
        check(&vpc, "v1", "VPC", &vpc, "ok");
        check(&vpc, "v2", "VPC", "gz_vpc_1", "ok");
        check(&vpc, "v3", "VPC", &vpc, "FlowLogLimitExceeded");
        check(&vpc, "v3", "VPC", &other, "InvalidVpc.NotFound");
        check(&vpc, "v3", "VPC", &b_vpc, "InvalidVpc.NotFound");
        check(&b_vpc, "v3", "VPC", &b_vpc, "InvalidVpc.NotFound");
        check(&vpc, "v1", "SUBNET", &subnet, "FlowLogNameDuplicate");
        check(&other, "v1", "VPC", &other, "ok");
        check(&vpc, "s1", "SUBNET", &subnet, "ok");
        check(&vpc, "s2", "SUBNET", "gz_subnet_3", "ok");
        check(&vpc, "s3", "SUBNET", &subnet, "FlowLogLimitExceeded");
        check(&other, "s3", "SUBNET", &subnet, "InvalidSubnet.NotFound");
        check(&vpc, "s3", "SUBNET", &eni, "InvalidSubnet.NotFound");
        check(&vpc, "e1", "NETWORKINTERFACE", &eni, "ok");
        check(
            &vpc,
            "e2",
            "NETWORKINTERFACE",
            &subnet,
            "InvalidNetworkInterface.NotFound",
        );
        check(
            &other,
            "e2",
            "NETWORKINTERFACE",
            &eni,
            "InvalidNetworkInterface.NotFound",
        );
        check(&vpc, "e2", "ROUTETABLE", &eni, "InvalidParameter");
        check(&vpc, "", "NETWORKINTERFACE", &eni, "InvalidFlowLogName");
        check(
            &vpc,
            &"n".repeat(61),
            "NETWORKINTERFACE",
            &eni,
            "InvalidFlowLogName",
        );
        check(&vpc, "e2", "NETWORKINTERFACE", &eni, "ok");
        check(&vpc, "e3", "NETWORKINTERFACE", &eni, "FlowLogLimitExceeded");
        assert_eq!(
            Failure::business_name("FlowLogLimitExceeded", "m").code,
            5100
        );
        // Resources are answered with their unified ids.
        let on = |state: &mut State, resource: &str| names(state, &[("resourceId", resource)]).1;
        assert_eq!(on(&mut state, &vpc), ["v2", "v1"]);
        assert_eq!(on(&mut state, &subnet), ["s2", "s1"]);
        assert_eq!(on(&mut state, "gz_subnet_3"), Vec::<String>::new());
    }

    #[test]
    fn flow_log_life_cycle_and_listing() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet, eni) = vpc_with_eni(&mut state);
        let charlie = create(&mut state, &vpc, "charlie", "VPC", &vpc);
        create(&mut state, &vpc, "alpha", "SUBNET", &subnet);
        let bravo = create(&mut state, &vpc, "bravo", "NETWORKINTERFACE", &eni);
        let ids = [("vpcId", vpc.as_str()), ("flowLogId", charlie.as_str())];
        let out = ok(call(&mut state, &a, "DescribeFlowLog", &ids, T0));
        let item = json!({
            "vpcId": vpc, "flowLogId": charlie, "flowLogName": "charlie",
            "resourceType": "VPC", "resourceId": vpc, "trafficType": "ALL",
            "cloudLogId": "6a4a8d2c-0000-4000-8000-000000000001", "cloudLogState": "VALID",
            "flowLogDescription": "", "createdTime": "2023-11-14 22:13:20",
        });
        assert_eq!(out["data"]["data"], item);
        assert_eq!(out["flowLogName"], "charlie");
        assert_eq!(out["createdTime"], item["createdTime"]);

        type Case<'a> = (&'a [(&'a str, &'a str)], i64, &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (&[], 3, &["bravo", "alpha", "charlie"]),
            (
                &[("orderDirection", "asc")],
                3,
                &["charlie", "alpha", "bravo"],
            ),
            (
                &[("orderField", "flowLogName"), ("orderDirection", "asc")],
                3,
                &["alpha", "bravo", "charlie"],
            ),
            (
                &[("orderField", "flowLogName")],
                3,
                &["charlie", "bravo", "alpha"],
            ),
            (&[("flowLogName", "a")], 3, &["bravo", "alpha", "charlie"]),
            (&[("flowLogName", "rav")], 1, &["bravo"]),
            (&[("flowLogId", &bravo[3..7])], 1, &["bravo"]),
            (&[("resourceType", "SUBNET")], 1, &["alpha"]),
            (&[("resourceId", &eni)], 1, &["bravo"]),
            (&[("trafficType", "REJECT")], 0, &[]),
            (
                &[("cloudLogState", "VALID"), ("vpcId", "gz_vpc_1")],
                3,
                &["bravo", "alpha", "charlie"],
            ),
            (&[("limit", "1"), ("offset", "1")], 3, &["alpha"]),
        ];
        for &(pairs, total, expected) in cases {
            let expected = expected.iter().map(|n| (*n).to_owned()).collect();
            assert_eq!(names(&mut state, pairs), (total, expected), "{pairs:?}");
        }
        assert_eq!(
            outcome(&mut state, "DescribeFlowLogs", &[("vpcId", "vpc-none")]),
            "InvalidVpc.NotFound"
        );

        let modify = |state: &mut State, extra: &[(&str, &str)]| {
            outcome(state, "ModifyFlowLogAttribute", &[&ids[..], extra].concat())
        };
        assert_eq!(
            modify(&mut state, &[("flowLogName", "alpha")]),
            "FlowLogNameDuplicate"
        );
        assert_eq!(modify(&mut state, &[("flowLogName", "charlie")]), "ok");
        assert_eq!(
            modify(
                &mut state,
                &[("flowLogName", "delta"), ("flowLogDescription", "new")]
            ),
            "ok"
        );
        let out = ok(call(&mut state, &a, "DescribeFlowLog", &ids, T0));
        assert_eq!(
            (&out["flowLogName"], &out["flowLogDescription"]),
            (&json!("delta"), &json!("new"))
        );

        assert_eq!(outcome(&mut state, "DeleteFlowLog", &ids), "ok");
        for action in ["DeleteFlowLog", "DescribeFlowLog", "ModifyFlowLogAttribute"] {
            assert_eq!(
                outcome(&mut state, action, &ids),
                "FlowLogIDNotFound",
                "{action}"
            );
        }
        assert_eq!(
            outcome(
                &mut state,
                "DescribeFlowLog",
                &[("vpcId", "vpc-none"), ids[1]]
            ),
            "InvalidVpc.NotFound"
        );
        // B sees none of A's flow logs.
        let out = ok(call(
            &mut state,
            &caller(B, "gz"),
            "DescribeFlowLogs",
            &[],
            T0,
        ));
        assert_eq!(out["totalCount"], 0);
        assert_eq!(
            dump(&state, &a)["flowLogs"],
            ok(call(&mut state, &a, "DescribeFlowLogs", &[], T0))["data"]
        );
    }

    #[test]
    fn create_answers_the_table_and_the_example() {
        let mut state = State::default();
        let (vpc, _) = vpc_with_subnet(&mut state);
        let pairs = [
            ("vpcId", vpc.as_str()),
            ("flowLogName", "f"),
            ("flowLogDescription", "d"),
            ("resourceType", "VPC"),
            ("resourceId", &vpc),
            ("trafficType", "ACCEPT"),
            ("cloudLogId", "log"),
        ];
        let out = ok(call(
            &mut state,
            &caller(A, "gz"),
            "CreateFlowLog",
            &pairs,
            T0,
        ));
        let fields = |v: &Value, keys: [&str; 4]| keys.map(|k| v[k].as_str().map(str::to_owned));
        let table = fields(
            &out,
            [
                "TrafficType",
                "CloudLogId",
                "CloudLogState",
                "FlowLogDescription",
            ],
        );
        let example = fields(
            &out["data"],
            [
                "trafficType",
                "cloudLogId",
                "cloudLogState",
                "flowLogDescription",
            ],
        );
        assert_eq!(
            table,
            ["ACCEPT", "log", "VALID", "d"].map(|s| Some(s.to_owned()))
        );
        assert_eq!(table, example);
        assert_eq!(out["trafficType"], Value::Null);
        assert_eq!(out["data"]["flowLogId"], out["flowLogId"]);
    }

    #[test]
    fn a_flow_log_goes_with_its_resource() {
        let mut state = State::default();
        let a = caller(A, "gz");
        let (vpc, subnet, eni) = vpc_with_eni(&mut state);
        for (name, kind, resource) in [
            ("v", "VPC", &vpc),
            ("s", "SUBNET", &subnet),
            ("e", "NETWORKINTERFACE", &eni),
        ] {
            create(&mut state, &vpc, name, kind, resource);
        }
        let ids =
            |id: &'static str, value: &str| vec![("vpcId", vpc.clone()), (id, value.to_owned())];
        let steps = [
            (
                "DeleteNetworkInterface",
                ids("networkInterfaceId", &eni),
                vec!["v", "s"],
            ),
            ("DeleteSubnet", ids("subnetId", &subnet), vec!["v"]),
        ];
        for (action, pairs, left) in steps {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            ok(call(&mut state, &a, action, &pairs, T0));
            assert_eq!(
                names(&mut state, &[("orderDirection", "asc")]).1,
                left,
                "{action}"
            );
        }
        ok(call(&mut state, &a, "DeleteVpc", &[("vpcId", &vpc)], T0));
        assert_eq!(names(&mut state, &[]).0, 0);
    }
}
