//! The mixed load test of issue #6 at a size CI affords: 8 concurrent clients
//! (4 blocking over POST, 4 async over GET) × 256 calls of creates, describes,
//! accepts, rejects and deletes against one emulator. No unexpected error, every
//! account's final state matches what was created and deleted, and the emulator
//! executed exactly the calls sent. The full 8 × 2,000 run is `qcapi-load mixed`
//! (BENCHMARKS.md); no timing is asserted here.

use qcapi_bench::load;
use qcapi_emulator::Emulator;

#[test]
fn eight_clients_mixed_calls_leave_consistent_state() {
    const CLIENTS: usize = 8;
    const CALLS: usize = 256;
    let emulator = load::mixed_accounts(CLIENTS)
        .into_iter()
        .fold(Emulator::builder(), |b, a| b.account(a))
        .start()
        .expect("emulator");
    let report = load::mixed(&emulator.base_url(), CLIENTS, CALLS);
    assert!(report.unexpected.is_empty(), "{:#?}", report.unexpected);
    assert_eq!(report.rounds, CALLS / load::CALLS_PER_ROUND);
    assert_eq!(report.summary.calls, CLIENTS * CALLS);
    let rounds = (CLIENTS * report.rounds) as u64;
    let clients = CLIENTS as u64;
    // (action, measured calls, unmeasured calls of the final state check)
    let expected = [
        ("CreateVpc", 2 * rounds, 0),
        ("CreateVpcPeeringConnection", rounds, 0),
        ("AcceptVpcPeeringConnection", rounds / 2, 0),
        ("RejectVpcPeeringConnection", rounds / 2, 0),
        ("DeleteVpcPeeringConnection", rounds / 2, 0),
        ("DeleteVpc", rounds, 0),
        ("DescribeVpcEx", rounds, 2 * clients),
        (
            "DescribeVpcPeeringConnections",
            rounds + rounds / 2,
            6 * clients,
        ),
    ];
    for (action, sent, check) in expected {
        let measured = report.calls_by_action.get(action).copied();
        assert_eq!(measured, Some(sent), "{action} sent");
        assert_eq!(
            emulator.request_count(action),
            sent + check,
            "{action} executed"
        );
    }
    let total: u64 = expected.iter().map(|(_, sent, _)| sent).sum();
    assert_eq!(
        total, report.summary.calls as u64,
        "every call is accounted for"
    );
    eprintln!("p99 {:?}; {}", report.summary.p99, report.summary);
}
