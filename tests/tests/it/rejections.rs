//! Every rejection the emulator makes surfaces as a typed error with its code, through both clients.

use qcapi_core::vpc::{self, *};
use qcapi_core::{Action, CommonCode, Config, Credentials, Error};
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{Driver, client, create_vpc, driver, settings, variants};

fn api_code(result: Result<impl std::fmt::Debug, Error>) -> (i64, Option<String>, String) {
    match result {
        Err(Error::Api(e)) => (e.code, e.code_desc, e.message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[test]
fn authentication_and_replay_rejections() {
    for quirks in [false, true] {
        let emulator = Emulator::builder().string_quirks(quirks).start().unwrap();
        let a = Account::demo_a();
        for v in variants() {
            let with = |b: qcapi_core::ConfigBuilder<Config>| driver(v, b);
            let unknown =
                with(settings(&emulator, &a, v).credentials(Credentials::new("AKIDnobody", "x")));
            let (code, _, _) = api_code(unknown.send(&DescribeVpcEx::new()));
            assert_eq!(CommonCode::from_code(code), CommonCode::SecretIdNotFound);

            let wrong_key = with(
                settings(&emulator, &a, v)
                    .credentials(Credentials::new(a.secret_id.clone(), "not-the-key")),
            );
            assert_eq!(api_code(wrong_key.send(&DescribeVpcEx::new())).0, 4100);

            // A clock 1000 s slow gets 4500 stating the service's time, and the client
            // resends once with it (the emulator's own tests check the bare 4500).
            let skewed = with(settings(&emulator, &a, v).clock(|| unix_now() - 1000));
            skewed
                .send(&DescribeVpcEx::new())
                .expect("corrected from the 4500's Timestamp");

            let fixed_nonce = with(settings(&emulator, &a, v).nonce_source(move || {
                4242 + v.asynchronous as u64 * 10
                    + v.http_method as u64 * 100
                    + v.signature_method as u64 * 1000
                    + quirks as u64 * 10000
            }));
            fixed_nonce
                .send(&DescribeVpcEx::new())
                .expect("first use of a nonce");
            assert_eq!(
                api_code(fixed_nonce.send(&DescribeVpcEx::new())).0,
                4500,
                "replayed nonce"
            );

            let good = client(&emulator, &a, v);
            let (code, _, message) = api_code(
                good.send(&qcapi_core::RawAction::new("RejectVpcPeeringConnection").unchecked()),
            );
            assert_eq!(code, 4000);
            assert!(message.contains("peeringConnectionId"), "{message}");

            let (code, _, _) = api_code(good.send(&qcapi_core::RawAction::new("NoSuchAction")));
            assert_ne!(code, 0);
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn business<A: Action + Sync>(d: &Driver, action: &A) -> vpc::ErrorCode {
    match d.send(action) {
        Err(e @ Error::Api(_)) => {
            vpc::ErrorCode::of(&e).unwrap_or_else(|| panic!("no codeDesc in {e:?}"))
        }
        other => panic!(
            "{}: expected a business error, got {other:?}",
            action.name()
        ),
    }
}

#[test]
fn business_rejections_are_typed() {
    for quirks in [false, true] {
        let emulator = Emulator::builder().string_quirks(quirks).start().unwrap();
        let (a, b) = (Account::demo_a(), Account::demo_b());
        for (i, v) in variants().into_iter().enumerate() {
            let ca = client(&emulator, &a, v);
            let cb = client(&emulator, &b, v);
            assert_eq!(
                business(&ca, &RejectVpcPeeringConnection::new("pcx-nothere")),
                vpc::ErrorCode::InvalidPeeringConnectionNotFound
            );
            assert_eq!(
                business(&ca, &EnableVpcPeeringConnectionEx::new("pcx-nothere")),
                vpc::ErrorCode::InvalidPeeringConnectionNotFound
            );
            assert_eq!(
                business(&ca, &DeleteVpc::new("vpc-nothere")),
                vpc::ErrorCode::InvalidVpcNotFound
            );
            let base = 20 + i * 2;
            let vpc_a = create_vpc(&ca, &format!("a{i}"), &format!("10.{base}.0.0/16"));
            let vpc_b = create_vpc(&cb, &format!("b{i}"), &format!("10.{base}.0.0/16"));
            assert_eq!(
                business(
                    &ca,
                    &CreateVpcPeeringConnection::new(&vpc_a, &vpc_b, &b.uin, "overlap")
                ),
                vpc::ErrorCode::PeeringConnectionVpcConflict
            );
            assert_eq!(
                business(
                    &ca,
                    &CreateVpcPeeringConnection::new(&vpc_a, "vpc-nothere", &b.uin, "x")
                ),
                vpc::ErrorCode::InvalidVpcNotFound
            );
            let code = business(&ca, &CreateVpc::new(format!("a{i}"), "10.99.0.0/16"));
            assert_eq!(code.as_str(), "InvalidVpcName.InUse");
        }
    }
}
