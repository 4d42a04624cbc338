//! `qcapi emulator`: the emulator's own command line, embedded.

use crate::common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{BIN, Home, Qcapi};
use qcapi_emulator::Account;
use qcapi_tests::process::KillOnDrop;

#[test]
fn serves_and_prints_where() {
    let home = Home::new("emulator");
    let mut child = Command::new(BIN)
        .env_clear()
        .env("HOME", home.path())
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn qcapi emulator");
    let stdout = child.stdout.take().expect("piped stdout");
    let _running = KillOnDrop(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening on ") {
                let _ = tx.send(url.to_owned());
                return;
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("a `listening on http://...` line");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "the real port: {url}");

    // It answers the CLI itself.
    let run = Qcapi::new(&home)
        .account(&Account::demo_a())
        .env("TENCENTCLOUD_REGION", "gz")
        .run(&["--endpoint", &url, "DescribeVpcEx"]);
    assert_eq!(run.json()["totalCount"], 0);
}

#[test]
fn its_usage_errors_exit_2() {
    let home = Home::new("emulator-usage");
    let run = Qcapi::new(&home).run(&["emulator", "--listen", "nowhere"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("--listen"), "{}", run.stderr);
}
