//! Scenarios: canned answers that take a model's place, and task rules that decide
//! when and how asynchronous tasks finish; over HTTP and as `Emulator` methods.

use std::time::Duration;

use qcapi_core::vpc;
use qcapi_emulator::{Account, CannedAnswer, Emulator, TaskFinish, TaskRule};
use qcapi_tests::wire::{admin, call};
use serde_json::{Value, json};

fn vpc_total(emulator: &Emulator, account: &Account) -> Value {
    call(emulator, account, &vpc::DescribeVpcEx::new())["totalCount"].clone()
}

#[test]
fn canned_answers_take_the_models_place_in_order_and_per_account() {
    let emulator = Emulator::start().expect("start");
    let (a, b) = (Account::demo_a(), Account::demo_b());
    let fixture = json!({"action": "DescribeVpcEx", "result": {"totalCount": 9, "data": []}});
    let (status, body) = admin(
        &emulator,
        "POST",
        "/_emulator/answers",
        Some(&fixture.to_string()),
    );
    assert_eq!((status, &body["pending"]), (200, &json!(1)), "{body}");
    emulator.queue_answer(
        CannedAnswer::error("CreateVpc", "VpcLimitExceeded", "quota").for_account(&b.uin),
    );
    let (_, listed) = admin(&emulator, "GET", "/_emulator/answers", None);
    assert_eq!(listed["answers"][1]["error"]["code"], 5100, "{listed}");

    // The canned answer pops once; the model answers the next call.
    assert_eq!(vpc_total(&emulator, &a), 9);
    assert_eq!(vpc_total(&emulator, &a), 0);
    // B's error is B's: A's create runs the model.
    assert_eq!(
        call(&emulator, &a, &vpc::CreateVpc::new("v", "10.0.0.0/16"))["code"],
        0
    );
    let refused = call(&emulator, &b, &vpc::CreateVpc::new("v", "10.0.0.0/16"));
    assert_eq!(
        (refused["code"].clone(), refused["codeDesc"].clone()),
        (json!(5100), json!("VpcLimitExceeded"))
    );
    assert_eq!(vpc_total(&emulator, &b), 0, "the model did not run");
    assert_eq!(
        emulator.request_count("CreateVpc"),
        2,
        "canned answers count as calls"
    );

    // An invalid request is refused before any canned answer is used.
    emulator.queue_answer(CannedAnswer::error(
        "CreateVpc",
        "VpcLimitExceeded",
        "quota",
    ));
    let invalid = call(
        &emulator,
        &a,
        &qcapi_core::RawAction::new("CreateVpc")
            .param("vpcName", "x")
            .unchecked(),
    );
    assert_eq!(invalid["code"], 4000, "{invalid}");
    assert_eq!(emulator.queued_answers(), 1);
    let (status, cleared) = admin(&emulator, "DELETE", "/_emulator/answers", None);
    assert_eq!((status, &cleared["cleared"]), (200, &json!(1)));

    for bad in [
        "[]",
        "{}",
        r#"{"action":"CreateVpc"}"#,
        r#"{"action":"CreateVpc","error":{}}"#,
    ] {
        let (status, body) = admin(&emulator, "POST", "/_emulator/answers", Some(bad));
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

/// A's two VPCs in gz, and a function creating a cross-region (`Ex`) peering between them: its task id.
fn peering_task(emulator: &Emulator) -> impl Fn() -> String + '_ {
    let a = Account::demo_a();
    let id = |body: Value| body["unVpcId"].as_str().unwrap_or_default().to_owned();
    let here = id(call(
        emulator,
        &a,
        &vpc::CreateVpc::new("here", "10.0.0.0/16"),
    ));
    let there = id(call(
        emulator,
        &a,
        &vpc::CreateVpc::new("there", "10.1.0.0/16"),
    ));
    let counter = std::cell::Cell::new(0);
    move || {
        counter.set(counter.get() + 1);
        let name = format!("p{}", counter.get());
        let create =
            vpc::CreateVpcPeeringConnectionEx::new(&here, &there, &a.uin, name, "gz", "10");
        let body = call(emulator, &a, &create);
        assert_eq!(body["code"], 0, "{body}");
        body["taskId"].to_string()
    }
}

fn poll(emulator: &Emulator, task: &str) -> Value {
    let id: i64 = task.parse().expect("a task id");
    call(
        emulator,
        &Account::demo_a(),
        &vpc::DescribeVpcTaskResult::new(id),
    )["data"]
        .clone()
}

#[test]
fn task_rules_decide_when_and_how_tasks_finish() {
    let emulator = Emulator::start().expect("start");
    let new_task = peering_task(&emulator);
    let statuses = |task: &str, polls: usize| -> Vec<Value> {
        (0..polls)
            .map(|_| poll(&emulator, task)["status"].clone())
            .collect()
    };

    // The default: running once, then done.
    assert_eq!(statuses(&new_task(), 2), [json!(2), json!(0)]);

    let rule = json!({"finish": "immediately"}).to_string();
    let (status, body) = admin(&emulator, "POST", "/_emulator/tasks", Some(&rule));
    assert_eq!((status, &body["rules"]), (200, &json!(1)), "{body}");
    assert_eq!(statuses(&new_task(), 1), [json!(0)]);

    // A rule for the action beats the global one.
    emulator.set_task_rule(TaskRule::action(
        "CreateVpcPeeringConnectionEx",
        TaskFinish::AfterPolls(3),
    ));
    assert_eq!(
        statuses(&new_task(), 4),
        [json!(2), json!(2), json!(2), json!(0)]
    );

    emulator.set_task_rule(TaskRule::action(
        "CreateVpcPeeringConnectionEx",
        TaskFinish::AfterSeconds(60),
    ));
    let waiting = new_task();
    assert_eq!(statuses(&waiting, 3), [json!(2), json!(2), json!(2)]);
    emulator.advance_clock(Duration::from_secs(60));
    assert_eq!(statuses(&waiting, 1), [json!(0)]);

    let fail = json!({"finish": "fail", "action": "CreateVpcPeeringConnectionEx", "codeDesc": "PeeringConnectionLimitExceeded", "message": "full"});
    admin(
        &emulator,
        "POST",
        "/_emulator/tasks",
        Some(&fail.to_string()),
    );
    let failed = poll(&emulator, &new_task());
    assert_eq!(failed["status"], 1, "{failed}");
    assert_eq!(
        failed["output"]["codeDesc"], "PeeringConnectionLimitExceeded",
        "{failed}"
    );
    assert_eq!(failed["output"]["errorMsg"], "full", "{failed}");

    let (_, listed) = admin(&emulator, "GET", "/_emulator/tasks", None);
    assert_eq!(
        listed["rules"].as_array().map(Vec::len),
        Some(4),
        "{listed}"
    );
    assert_eq!(emulator.clear_task_rules(), 4);
    assert_eq!(
        statuses(&new_task(), 2),
        [json!(2), json!(0)],
        "back to the default"
    );

    for bad in [
        r#"{"finish":"later"}"#,
        r#"{"finish":"after_polls"}"#,
        "not json",
    ] {
        let (status, body) = admin(&emulator, "POST", "/_emulator/tasks", Some(bad));
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

#[test]
fn a_full_reset_forgets_scenarios() {
    let emulator = Emulator::start().expect("start");
    emulator.queue_answer(CannedAnswer::result(
        "DescribeVpcEx",
        json!({"totalCount": 5}),
    ));
    emulator.set_task_rule(TaskRule::all(TaskFinish::Immediately));
    emulator.reset();
    assert_eq!(emulator.queued_answers(), 0);
    assert_eq!(emulator.clear_task_rules(), 0);
}
