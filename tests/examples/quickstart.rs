//! Quickstart: no credentials, no network. Starts qcapi's emulator in-process and
//! runs both seed flows, first with the blocking client, then with the async one.
//!
//! Run it with `cargo run --example quickstart`.

use std::fmt::Debug;
use std::time::Duration;

use qcapi_core::vpc::*;
use qcapi_core::{Action, Credentials, Error, Output};
use qcapi_emulator::{Account, Emulator};

/// Prints a call and its outcome; only the action's own parameters are shown.
fn show<A: Action + Debug, T>(
    who: &str,
    action: &A,
    result: &Result<T, Error>,
    summary: impl Fn(&T) -> String,
) {
    match result {
        Ok(out) => println!("  {who}: {action:?}\n      -> ok {}", summary(out)),
        Err(e) => println!("  {who}: {action:?}\n      -> error {e}"),
    }
}

fn credentials(account: &Account) -> Credentials {
    Credentials::new(account.secret_id.clone(), account.secret_key.clone())
}

fn blocking(emulator: &Emulator) -> Result<(), Error> {
    let (a, b) = (Account::demo_a(), Account::demo_b());
    let client = |account: &Account, region: &str| {
        qcapi_ureq::Client::builder()
            .endpoint(emulator.base_url())
            .credentials(credentials(account))
            .region(region)
            .build()
    };
    let (ca, cb, cb_sh) = (client(&a, "gz")?, client(&b, "gz")?, client(&b, "sh")?);
    println!("blocking client (ureq): {ca:?}");
    macro_rules! call {
        ($who:expr, $client:expr, $action:expr, $summary:expr) => {{
            let action = $action;
            let result = $client.send(&action);
            show($who, &action, &result, $summary);
            result?
        }};
    }
    println!("seed flow 1: A requests a peering, B rejects it");
    let vpc_a = call!(
        "A",
        ca,
        CreateVpc::new("app", "10.0.0.0/16"),
        |o: &CreateVpcOutput| format!("{:?}", o.un_vpc_id)
    );
    let vpc_b = call!(
        "B",
        cb,
        CreateVpc::new("db", "10.1.0.0/16"),
        |o: &CreateVpcOutput| format!("{:?}", o.un_vpc_id)
    );
    let (vpc_a, vpc_b) = (
        vpc_a.un_vpc_id.unwrap_or_default(),
        vpc_b.un_vpc_id.unwrap_or_default(),
    );
    let pcx = call!(
        "A",
        ca,
        CreateVpcPeeringConnection::new(&vpc_a, &vpc_b, &b.uin, "app-to-db"),
        |o: &CreateVpcPeeringConnectionOutput| format!("{:?}", o.peering_connection_id)
    );
    let pcx = pcx.peering_connection_id.unwrap_or_default();
    call!("B", cb, RejectVpcPeeringConnection::new(&pcx), |_| {
        String::new()
    });
    call!(
        "A",
        ca,
        DescribeVpcPeeringConnections::new().peering_connection_id(&pcx),
        |o: &DescribeVpcPeeringConnectionsOutput| format!(
            "state {:?} (3 = rejected)",
            o.data
                .as_ref()
                .and_then(|d| d.first())
                .and_then(|p| p.state)
        )
    );

    println!("seed flow 2: a cross-region request expires, A enables it again");
    let vpc_b_sh = call!(
        "B",
        cb_sh,
        CreateVpc::new("dr", "10.2.0.0/16"),
        |o: &CreateVpcOutput| format!("{:?}", o.un_vpc_id)
    );
    let created = call!(
        "A",
        ca,
        CreateVpcPeeringConnectionEx::new(
            &vpc_a,
            vpc_b_sh.un_vpc_id.unwrap_or_default(),
            &b.uin,
            "app-to-dr",
            "sh",
            "20"
        ),
        |o: &CreateVpcPeeringConnectionExOutput| format!("task {:?}", o.task_id())
    );
    let pcx = created.uniq_vpc_peer_id.clone().unwrap_or_default();
    for _ in 0..10 {
        let out = call!(
            "A",
            ca,
            DescribeVpcTaskResult::new(created.task_id().unwrap_or_default()),
            |o: &DescribeVpcTaskResultOutput| format!(
                "status {:?}",
                o.data.as_ref().and_then(|d| d.status)
            )
        );
        if out.data.and_then(|d| d.status) != Some(2) {
            break;
        }
    }
    println!("  (the emulator's clock moves 8 days)");
    emulator.advance_clock(Duration::from_secs(8 * 24 * 3600));
    call!(
        "A",
        ca,
        DescribeVpcPeeringConnections::new().peering_connection_id(&pcx),
        |o: &DescribeVpcPeeringConnectionsOutput| format!(
            "state {:?} (2 = expired)",
            o.data
                .as_ref()
                .and_then(|d| d.first())
                .and_then(|p| p.state)
        )
    );
    let enabled = call!(
        "A",
        ca,
        EnableVpcPeeringConnectionEx::new(&pcx),
        |o: &EnableVpcPeeringConnectionExOutput| format!("task {:?}", o.task_id())
    );
    for _ in 0..10 {
        let out = call!(
            "A",
            ca,
            DescribeVpcTaskResult::new(enabled.task_id().unwrap_or_default()),
            |o: &DescribeVpcTaskResultOutput| format!(
                "status {:?}",
                o.data.as_ref().and_then(|d| d.status)
            )
        );
        if out.data.and_then(|d| d.status) != Some(2) {
            break;
        }
    }
    call!(
        "A",
        ca,
        DescribeVpcPeeringConnections::new().peering_connection_id(&pcx),
        |o: &DescribeVpcPeeringConnectionsOutput| format!(
            "state {:?} (0 = pending)",
            o.data
                .as_ref()
                .and_then(|d| d.first())
                .and_then(|p| p.state)
        )
    );
    Ok(())
}

async fn asynchronous(emulator: &Emulator) -> Result<(), Error> {
    let (a, b) = (Account::demo_a(), Account::demo_b());
    let client = |account: &Account, region: &str| {
        qcapi_reqwest::Client::builder()
            .endpoint(emulator.base_url())
            .credentials(credentials(account))
            .region(region)
            .http_method(qcapi_core::HttpMethod::Post)
            .build()
    };
    let (ca, cb, cb_sh) = (client(&a, "gz")?, client(&b, "gz")?, client(&b, "sh")?);
    println!("async client (reqwest, POST): {ca:?}");
    macro_rules! call {
        ($who:expr, $client:expr, $action:expr, $summary:expr) => {{
            let action = $action;
            let result = $client.send(&action).await;
            show($who, &action, &result, $summary);
            result?
        }};
    }
    println!("seed flow 1: A requests a peering, B rejects it");
    let vpc_a = call!(
        "A",
        ca,
        CreateVpc::new("app", "10.0.0.0/16"),
        |o: &CreateVpcOutput| format!("{:?}", o.un_vpc_id)
    )
    .un_vpc_id
    .unwrap_or_default();
    let vpc_b = call!(
        "B",
        cb,
        CreateVpc::new("db", "10.1.0.0/16"),
        |o: &CreateVpcOutput| format!("{:?}", o.un_vpc_id)
    )
    .un_vpc_id
    .unwrap_or_default();
    let pcx = call!(
        "A",
        ca,
        CreateVpcPeeringConnection::new(&vpc_a, &vpc_b, &b.uin, "app-to-db"),
        |o: &CreateVpcPeeringConnectionOutput| format!("{:?}", o.peering_connection_id)
    )
    .peering_connection_id
    .unwrap_or_default();
    call!("B", cb, RejectVpcPeeringConnection::new(&pcx), |_| {
        String::new()
    });
    call!(
        "A",
        ca,
        DescribeVpcPeeringConnections::new().peering_connection_id(&pcx),
        |o: &DescribeVpcPeeringConnectionsOutput| format!(
            "state {:?} (3 = rejected)",
            o.data
                .as_ref()
                .and_then(|d| d.first())
                .and_then(|p| p.state)
        )
    );

    println!("seed flow 2: a cross-region request expires, A enables it again");
    let vpc_b_sh = call!(
        "B",
        cb_sh,
        CreateVpc::new("dr", "10.2.0.0/16"),
        |o: &CreateVpcOutput| format!("{:?}", o.un_vpc_id)
    )
    .un_vpc_id
    .unwrap_or_default();
    let created = call!(
        "A",
        ca,
        CreateVpcPeeringConnectionEx::new(&vpc_a, &vpc_b_sh, &b.uin, "app-to-dr", "sh", "20"),
        |o: &CreateVpcPeeringConnectionExOutput| format!("task {:?}", o.task_id())
    );
    let pcx = created.uniq_vpc_peer_id.clone().unwrap_or_default();
    for _ in 0..10 {
        let out = call!(
            "A",
            ca,
            DescribeVpcTaskResult::new(created.task_id().unwrap_or_default()),
            |o: &DescribeVpcTaskResultOutput| format!(
                "status {:?}",
                o.data.as_ref().and_then(|d| d.status)
            )
        );
        if out.data.and_then(|d| d.status) != Some(2) {
            break;
        }
    }
    println!("  (the emulator's clock moves 8 days)");
    emulator.advance_clock(Duration::from_secs(8 * 24 * 3600));
    call!(
        "A",
        ca,
        DescribeVpcPeeringConnections::new().peering_connection_id(&pcx),
        |o: &DescribeVpcPeeringConnectionsOutput| format!(
            "state {:?} (2 = expired)",
            o.data
                .as_ref()
                .and_then(|d| d.first())
                .and_then(|p| p.state)
        )
    );
    let enabled = call!(
        "A",
        ca,
        EnableVpcPeeringConnectionEx::new(&pcx),
        |o: &EnableVpcPeeringConnectionExOutput| format!("task {:?}", o.task_id())
    );
    for _ in 0..10 {
        let out = call!(
            "A",
            ca,
            DescribeVpcTaskResult::new(enabled.task_id().unwrap_or_default()),
            |o: &DescribeVpcTaskResultOutput| format!(
                "status {:?}",
                o.data.as_ref().and_then(|d| d.status)
            )
        );
        if out.data.and_then(|d| d.status) != Some(2) {
            break;
        }
    }
    call!(
        "A",
        ca,
        DescribeVpcPeeringConnections::new().peering_connection_id(&pcx),
        |o: &DescribeVpcPeeringConnectionsOutput| format!(
            "state {:?} (0 = pending)",
            o.data
                .as_ref()
                .and_then(|d| d.first())
                .and_then(|p| p.state)
        )
    );
    Ok(())
}

fn main() -> Result<(), Error> {
    // Two emulators, so each client starts from an empty world.
    let emulator = Emulator::start().expect("start the emulator");
    println!("emulator listening on {}", emulator.base_url());
    blocking(&emulator)?;
    let emulator = Emulator::start().expect("start the emulator");
    println!("\nemulator listening on {}", emulator.base_url());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(asynchronous(&emulator))?;
    println!("\nboth seed flows passed with both clients");
    Ok(())
}
