//! Peak memory against a server streaming 2 GiB: with the default 32 MiB limit, the
//! whole test process (both clients, the server thread, the harness) stays under the
//! limit + 64 MiB. Its own test binary, so no other test's allocations count.

use qcapi_core::config::DEFAULT_MAX_RESPONSE_BYTES;
use qcapi_core::{Config, ConfigBuilder, Credentials, Error, HttpMethod, vpc};
use qcapi_tests::hostile::{Behavior, HostileServer};
use qcapi_tests::{Variant, driver};

/// The process's peak resident set (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line");
    kib * 1024
}

#[test]
fn a_two_gib_body_costs_at_most_the_limit_plus_64_mib() {
    for content_length in [true, false] {
        for asynchronous in [false, true] {
            let server = HostileServer::start(Behavior::HugeBody {
                len: 2 << 30,
                content_length,
            });
            let config = ConfigBuilder::<Config>::default()
                .endpoint(server.url())
                .credentials(Credentials::new("AKIDmemory", "key"))
                .region("gz")
                .max_attempts(1);
            match driver(Variant::new(asynchronous, HttpMethod::Get), config)
                .send(&vpc::DescribeVpcEx::new())
            {
                Err(Error::Transport(e)) => assert_eq!(
                    e.kind(),
                    qcapi_core::TransportErrorKind::ResponseTooLarge,
                    "{e}"
                ),
                other => panic!("{other:?}"),
            }
        }
    }
    let peak = peak_rss();
    let bound = DEFAULT_MAX_RESPONSE_BYTES + 64 * 1024 * 1024;
    eprintln!("peak RSS: {} MiB (bound {} MiB)", peak >> 20, bound >> 20);
    assert!(
        peak < bound,
        "peak RSS {} MiB, bound {} MiB",
        peak >> 20,
        bound >> 20
    );
}
