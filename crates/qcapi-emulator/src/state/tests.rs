//! Unit tests of the state machine: transitions, expiry, VPC rules, tasks, fallback shapes.

use super::testing::*;
use qcapi_core::spec::FieldSpec;

#[test]
fn actions_without_handlers_answer_their_shape() {
    const OUTPUTS: &[FieldSpec] = &[FieldSpec::integer("totalCount", "")];
    let mut spec = *qcapi_core::vpc::catalog::find("DescribeVpcEx").expect("known");
    spec.name = "DescribeSomethingNew";
    spec.outputs = OUTPUTS;
    let mut state = State::default();
    let a = caller(A, "gz");
    let out = handle(&mut state, &a, &spec, &Params::new(), T0, &mut || None).expect("a success");
    assert_eq!(out, r#"{"totalCount":0}"#);

    // An output named like a parameter answers the request's value (as stripe-mock does).
    const NAMED: &[FieldSpec] = &[
        FieldSpec::string("vpcName", ""),
        FieldSpec::integer("limit", ""),
    ];
    spec.outputs = NAMED;
    let params: Params = [("vpcName", "mine"), ("limit", "7")].into_iter().collect();
    let out = handle(&mut state, &a, &spec, &params, T0, &mut || None).expect("a success");
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("JSON"),
        json!({"vpcName": "mine", "limit": 7})
    );
    spec.outputs = OUTPUTS;

    spec.name = "RunSomethingNew";
    spec.asynchronous = true;
    let out = handle(&mut state, &a, &spec, &Params::new(), T0, &mut || None).expect("a success");
    let out: Value = serde_json::from_str(&out).expect("JSON");
    let task = out["taskId"].as_u64().expect("a task").to_string();
    let query = [("taskId", task.as_str())];
    assert_eq!(
        ok(call(&mut state, &a, "DescribeVpcTaskResult", &query, T0))["data"]["status"],
        2
    );
    assert_eq!(
        ok(call(&mut state, &a, "DescribeVpcTaskResult", &query, T0))["data"],
        json!({"status": 0, "output": {}})
    );
}

#[test]
fn a_state_saved_before_flow_logs_and_classic_links_still_loads() {
    let mut state = State::default();
    create_vpc(&mut state, &caller(A, "gz"), "old", "10.0.0.0/16");
    let mut saved = serde_json::to_value(&state).expect("JSON");
    let vpc = saved["vpcs"][0].as_object_mut().expect("a VPC");
    for key in ["flow_logs", "classic_links"] {
        assert!(vpc.remove(key).is_some(), "{key} is saved");
    }
    let mut loaded: State = serde_json::from_value(saved).expect("an older state loads");
    let out = ok(call(
        &mut loaded,
        &caller(A, "gz"),
        "DescribeFlowLogs",
        &[],
        T0,
    ));
    assert_eq!(out["totalCount"], 0);
}
