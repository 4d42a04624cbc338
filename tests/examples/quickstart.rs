//! Quickstart: no credentials, no network. Starts qcapi's emulator in-process and
//! runs both seed flows, first with the blocking client, then with the async one.
//!
//! Run it with `cargo run --example quickstart`.

use std::fmt::Debug;
use std::time::Duration;

use qcapi_core::vpc::*;
use qcapi_core::{Action, Error, Output, TaskOutcome, WaitPolicy};
use qcapi_emulator::{Account, Emulator};

/// What the flows need from a client; implemented for both, so the flow is written once.
trait Caller {
    fn send<A: Action + Sync>(&self, action: &A) -> Result<A::Output, Error>;
    fn wait_for_task(&self, task_id: i64) -> Result<TaskOutcome, Error>;
}

impl Caller for qcapi_ureq::Client {
    fn send<A: Action + Sync>(&self, action: &A) -> Result<A::Output, Error> {
        qcapi_ureq::Client::send(self, action)
    }
    fn wait_for_task(&self, task_id: i64) -> Result<TaskOutcome, Error> {
        qcapi_ureq::Client::wait_for_task(self, &qcapi_core::vpc::SERVICE, task_id)
    }
}

/// The async client, driven by a runtime so the same flow can run it.
struct AsyncCaller<'rt>(&'rt tokio::runtime::Runtime, qcapi_reqwest::Client);

impl Caller for AsyncCaller<'_> {
    fn send<A: Action + Sync>(&self, action: &A) -> Result<A::Output, Error> {
        self.0.block_on(self.1.send(action))
    }
    fn wait_for_task(&self, task_id: i64) -> Result<TaskOutcome, Error> {
        self.0
            .block_on(self.1.wait_for_task(&qcapi_core::vpc::SERVICE, task_id))
    }
}

/// Sends `action` as `who`, printing the call (its own parameters only: no secret
/// is part of an action) and a one-line summary of the result.
fn call<C: Caller, A: Action + Sync + Debug>(
    who: &str,
    client: &C,
    action: A,
    summary: impl Fn(&A::Output) -> String,
) -> Result<A::Output, Error> {
    println!("  {who}: {action:?}");
    let result = client.send(&action);
    match &result {
        Ok(out) => println!("      -> ok {}", summary(out)),
        Err(e) => println!("      -> error {e}"),
    }
    result
}

fn state_of(out: &DescribeVpcPeeringConnectionsOutput) -> String {
    let state = out
        .data
        .as_ref()
        .and_then(|d| d.first())
        .and_then(|p| p.state);
    let meaning = match state {
        Some(0) => "pending",
        Some(1) => "active",
        Some(2) => "expired",
        Some(3) => "rejected",
        _ => "?",
    };
    format!("state {state:?} ({meaning})")
}

fn wait<C: Caller>(client: &C, task_id: Option<i64>) -> Result<(), Error> {
    let outcome = client.wait_for_task(task_id.unwrap_or_default())?;
    println!(
        "      task {task_id:?}: {}",
        if outcome.is_success() {
            "succeeded"
        } else {
            "did not succeed"
        }
    );
    Ok(())
}

fn seed_flows<C: Caller>(a: &C, b: &C, b_in_sh: &C, emulator: &Emulator) -> Result<(), Error> {
    let uin_b = Account::demo_b().uin;
    let vpc_id = |o: &CreateVpcOutput| format!("{:?}", o.un_vpc_id);
    println!("seed flow 1: A requests a peering, B rejects it");
    let vpc_a = call("A", a, CreateVpc::new("app", "10.0.0.0/16"), vpc_id)?
        .un_vpc_id
        .unwrap_or_default();
    let vpc_b = call("B", b, CreateVpc::new("db", "10.1.0.0/16"), vpc_id)?
        .un_vpc_id
        .unwrap_or_default();
    let request = CreateVpcPeeringConnection::new(&vpc_a, &vpc_b, &uin_b, "app-to-db");
    let pcx = call("A", a, request, |o| {
        format!("{:?}", o.peering_connection_id)
    })?;
    let pcx = pcx.peering_connection_id.unwrap_or_default();
    call("B", b, RejectVpcPeeringConnection::new(&pcx), |_| {
        String::new()
    })?;
    call(
        "A",
        a,
        DescribeVpcPeeringConnections::new().peering_connection_id(&pcx),
        state_of,
    )?;

    println!("seed flow 2: a cross-region request expires, A enables it again");
    let vpc_dr = call("B", b_in_sh, CreateVpc::new("dr", "10.2.0.0/16"), vpc_id)?
        .un_vpc_id
        .unwrap_or_default();
    let request =
        CreateVpcPeeringConnectionEx::new(&vpc_a, &vpc_dr, &uin_b, "app-to-dr", "sh", "20");
    let created = call("A", a, request, |o| format!("task {:?}", o.task_id()))?;
    wait(a, created.task_id())?;
    let pcx = created.uniq_vpc_peer_id.clone().unwrap_or_default();
    println!("  (the emulator's clock moves 8 days)");
    emulator.advance_clock(Duration::from_secs(8 * 24 * 3600));
    call(
        "A",
        a,
        DescribeVpcPeeringConnections::new().peering_connection_id(&pcx),
        state_of,
    )?;
    let enabled = call("A", a, EnableVpcPeeringConnectionEx::new(&pcx), |o| {
        format!("task {:?}", o.task_id())
    })?;
    wait(a, enabled.task_id())?;
    call(
        "A",
        a,
        DescribeVpcPeeringConnections::new().peering_connection_id(&pcx),
        state_of,
    )?;
    Ok(())
}

fn main() -> Result<(), Error> {
    let (a, b) = (Account::demo_a(), Account::demo_b());
    let wait = WaitPolicy {
        initial_interval: Duration::from_millis(50),
        ..WaitPolicy::default()
    };

    // Each client gets a fresh emulator, so both start from an empty world.
    let emulator = Emulator::start().expect("start the emulator");
    println!("emulator listening on {}", emulator.base_url());
    let blocking = |account: &Account, region: &str| {
        qcapi_ureq::Client::builder()
            .endpoint(emulator.base_url())
            .credentials(account.credentials())
            .region(region)
            .wait_policy(wait)
            .build()
    };
    let client_a = blocking(&a, "gz")?;
    println!("blocking client (ureq, GET): {client_a:?}");
    seed_flows(
        &client_a,
        &blocking(&b, "gz")?,
        &blocking(&b, "sh")?,
        &emulator,
    )?;

    let emulator = Emulator::start().expect("start the emulator");
    println!("\nemulator listening on {}", emulator.base_url());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let asynchronous = |account: &Account, region: &str| {
        let _runtime = rt.enter();
        qcapi_reqwest::Client::builder()
            .endpoint(emulator.base_url())
            .credentials(account.credentials())
            .region(region)
            .http_method(qcapi_core::HttpMethod::Post)
            .wait_policy(wait)
            .build()
            .map(|client| AsyncCaller(&rt, client))
    };
    let client_a = asynchronous(&a, "gz")?;
    println!("async client (reqwest, POST): {:?}", client_a.1);
    seed_flows(
        &client_a,
        &asynchronous(&b, "gz")?,
        &asynchronous(&b, "sh")?,
        &emulator,
    )?;

    println!("\nboth seed flows passed with both clients");
    Ok(())
}
