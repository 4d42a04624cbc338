//! `--state-file`: the state outlives the process, a SIGKILL loses nothing
//! acknowledged, and a file of another version or a corrupt one is refused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use qcapi_core::{Config, HttpMethod, SignContext, build_request, vpc};
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::process::KillOnDrop;
use qcapi_tests::wire::{agent, nonce, now};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_qcapi-emulator");

/// A state file path of its own, removed (with its temporary twin) on drop.
struct TempState(PathBuf);

impl TempState {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("qcapi-state-{}-{name}.json", std::process::id()));
        let this = Self(path);
        this.remove();
        this
    }

    fn remove(&self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(self.0.with_extension("json.tmp"));
    }
}

impl Drop for TempState {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Starts the binary on `state` and returns it with its base URL.
fn spawn(state: &Path) -> (KillOnDrop, String) {
    let path = state.to_str().expect("a UTF-8 temporary path");
    let (running, _, url) =
        crate::binary::spawn(&["--listen", "127.0.0.1:0", "--state-file", path]);
    (running, url)
}

/// Calls `action` at `base` as demo account A; `None` once the emulator is gone.
fn try_call(base: &str, action: &impl qcapi_core::Action) -> Option<Value> {
    let config = Config::builder()
        .endpoint(base)
        .credentials(Account::demo_a().credentials())
        .region("gz")
        .http_method(HttpMethod::Get)
        .build()
        .expect("a valid configuration");
    let request = build_request(action, &config, SignContext::new(now(), nonce())).ok()?;
    let mut response = agent().get(request.url()).call().ok()?;
    let text = response.body_mut().read_to_string().ok()?;
    serde_json::from_str(&text).ok()
}

/// Every VPC id account A has in gz, paging through DescribeVpcEx.
fn vpc_ids(base: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for page in 0..100 {
        let body = try_call(
            base,
            &vpc::DescribeVpcEx::new().offset(page * 100).limit(100),
        )
        .expect("an answer");
        let data = body["data"].as_array().cloned().unwrap_or_default();
        ids.extend(
            data.iter()
                .filter_map(|v| v["unVpcId"].as_str().map(str::to_owned)),
        );
        if data.len() < 100 {
            break;
        }
    }
    ids
}

#[test]
fn a_sigkill_mid_load_loses_no_acknowledged_create() {
    let state = TempState::new("sigkill");
    let (mut running, base) = spawn(&state.0);
    let loader = {
        let base = base.clone();
        std::thread::spawn(move || {
            let mut acknowledged = Vec::new();
            // Bounded: the emulator is killed long before this many.
            for i in 0..5_000 {
                let create = vpc::CreateVpc::new(format!("v{i}"), "10.0.0.0/16");
                match try_call(&base, &create) {
                    Some(body) if body["code"] == 0 => {
                        acknowledged.push(body["unVpcId"].as_str().unwrap_or_default().to_owned());
                    }
                    _ => break,
                }
            }
            acknowledged
        })
    };
    // Kill it while creates are in flight: once a few landed, at a moment the test does not choose.
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        if state.0.exists() && std::fs::metadata(&state.0).map(|m| m.len()).unwrap_or(0) > 4_000 {
            break;
        }
    }
    running.0.kill().expect("SIGKILL");
    let _ = running.0.wait();
    let acknowledged = loader.join().expect("the loader");
    assert!(
        acknowledged.len() >= 5,
        "only {} creates before the kill",
        acknowledged.len()
    );

    let (_again, base) = spawn(&state.0);
    let kept = vpc_ids(&base);
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !kept.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "lost {lost:?} of {} acknowledged",
        acknowledged.len()
    );
    // At most the one create in flight at the kill was written but not acknowledged.
    assert!(
        kept.len() <= acknowledged.len() + 1,
        "{} kept, {} acknowledged",
        kept.len(),
        acknowledged.len()
    );
}

#[test]
fn state_and_emulator_time_survive_a_restart() {
    let state = TempState::new("restart");
    let first = Emulator::builder()
        .state_file(&state.0)
        .start()
        .expect("start");
    let a = Account::demo_a();
    let created = qcapi_tests::wire::call(&first, &a, &vpc::CreateVpc::new("kept", "10.0.0.0/16"));
    first.advance_clock(Duration::from_secs(3_600));
    let before = first.now();
    let dump = first.state(&a.uin, "gz");
    drop(first);

    let second = Emulator::builder()
        .state_file(&state.0)
        .start()
        .expect("restart");
    assert_eq!(second.state(&a.uin, "gz"), dump);
    assert_eq!(dump["vpcs"][0]["unVpcId"], created["unVpcId"]);
    let after = second.now();
    assert!(
        after >= before && after < before + 60,
        "emulator time moved from {before} to {after}"
    );
    // Ids keep counting where they stopped, so none is reused.
    let next = qcapi_tests::wire::call(&second, &a, &vpc::CreateVpc::new("next", "10.1.0.0/16"));
    assert_ne!(next["unVpcId"], created["unVpcId"]);
}

#[test]
fn a_file_of_another_version_or_a_corrupt_one_is_refused_and_kept() {
    let state = TempState::new("refused");
    for (content, expected) in [
        (
            r#"{"version": 99, "clock_offset": 0, "state": {}}"#,
            "version 99, but this emulator reads version 1",
        ),
        ("{not json", "not JSON"),
        (
            r#"{"version": 1, "clock_offset": 0, "state": {"vpcs": 7}}"#,
            "not a valid version 1 state",
        ),
        (r#"{"clock_offset": 0}"#, "no `version` field"),
    ] {
        std::fs::write(&state.0, content).expect("write the file");
        let error = Emulator::builder()
            .state_file(&state.0)
            .start()
            .expect_err("refused");
        assert!(error.to_string().contains(expected), "{content}: {error}");
        assert_eq!(
            std::fs::read_to_string(&state.0).expect("still there"),
            content,
            "never replaced"
        );
    }
    // The binary refuses it too, with the reason on stderr and a failing status.
    let output = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--state-file"])
        .arg(&state.0)
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no `version` field"), "{stderr}");
}
