//! Endpoints whose port is not a port (`:99999`, `:abc`) are refused as usage
//! errors (exit 2, naming the endpoint) before anything is sent, `--dry-run`
//! included, from the flag and from `TENCENTCLOUD_ENDPOINT`.
//!
//! The CLI hands every endpoint to qcapi-core's `Endpoint::parse`; these cases
//! pass once that parser rejects such ports (it used to drop them and send to
//! port 80). They are kept apart so that a red run here points at the parser.

use crate::common;

use common::{Home, Qcapi};
use qcapi_emulator::Account;

#[test]
fn ports_that_are_not_ports_are_refused() {
    let home = Home::new("ports");
    let q = Qcapi::new(&home)
        .account(&Account::demo_a())
        .env("TENCENTCLOUD_REGION", "gz");
    for url in [
        "http://127.0.0.1:99999",
        "http://127.0.0.1:abc",
        "http://127.0.0.1:65536/v2/index.php",
    ] {
        for dry_run in [true, false] {
            let mut args = vec!["--endpoint", url, "--retries", "0"];
            if dry_run {
                args.push("--dry-run");
            }
            args.push("DescribeVpcEx");
            let run = q.run(&args);
            assert_eq!(run.code, 2, "{args:?}: {run:#?}");
            assert_eq!(run.stdout, "", "{args:?}: nothing printed, nothing sent");
            assert!(
                run.stderr.contains("invalid --endpoint") && run.stderr.contains(url),
                "{args:?}: {}",
                run.stderr
            );
        }
        let run = q
            .clone()
            .env("TENCENTCLOUD_ENDPOINT", url)
            .run(&["--dry-run", "DescribeVpcEx"]);
        assert_eq!(run.code, 2, "{url} from the environment: {run:#?}");
        assert!(
            run.stderr.contains("invalid TENCENTCLOUD_ENDPOINT"),
            "{}",
            run.stderr
        );
        let run = q.run(&["emulator", "advance-clock", "1d", "--endpoint", url]);
        assert_eq!(run.code, 2, "advance-clock {url}: {run:#?}");
    }
}
