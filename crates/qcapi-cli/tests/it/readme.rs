//! The README's command-line walkthrough runs as written: its `sh` block is run
//! with `bash -euo pipefail`, the `qcapi` under test first on PATH, against the
//! emulator it starts itself. Only the `cargo install` line is skipped and the
//! emulator's address rewritten to a free loopback port.

use crate::common;

use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{BIN, Home, wait_bounded};

/// The address the README uses for the emulator.
const README_ADDR: &str = "127.0.0.1:9000";

/// The first ```sh block of the section "## The command line".
fn walkthrough(readme: &str) -> String {
    let section = readme
        .split_once("## The command line")
        .expect("a section `The command line`")
        .1;
    let section = section.split("\n## ").next().unwrap_or_default();
    let block = section
        .split_once("```sh\n")
        .expect("an sh block")
        .1
        .split_once("\n```")
        .expect("the end of the block")
        .0;
    block
        .lines()
        .filter(|l| !l.trim_start().starts_with("cargo install"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Kills the whole process group of the shell (the shell and the emulator it
/// started in the background) when dropped, so a failure leaves nothing behind.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_command_line_walkthrough_runs_as_written() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    let script = walkthrough(&readme);
    assert!(
        script.matches(README_ADDR).count() >= 2,
        "the block starts the emulator on {README_ADDR} and points TENCENTCLOUD_ENDPOINT at it: {script}"
    );
    assert!(!script.contains("..."), "no placeholders: {script}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let script = script.replace(README_ADDR, &format!("127.0.0.1:{port}"));

    let home = Home::new("readme");
    let file = home.write("walkthrough.sh", &script);
    let bin_dir = Path::new(BIN).parent().expect("target/debug");
    let path = match std::env::var_os("PATH") {
        Some(path) => format!("{}:{}", bin_dir.display(), path.to_string_lossy()),
        None => bin_dir.display().to_string(),
    };
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail"])
        .arg(&file)
        .current_dir(home.path())
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group, so that the emulator in the background can be killed with it.
        .process_group(0)
        .spawn()
        .expect("spawn bash");
    let drain = |stream: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut s) = stream {
                let _ = s.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|s| Box::new(s) as _));
    let stderr = drain(child.stderr.take().map(|s| Box::new(s) as _));
    let mut group = Group(child);
    let status = wait_bounded(&mut group.0, "the README walkthrough");
    // The emulator holds the pipes open until it is gone.
    drop(group);
    let stdout = stdout.join().expect("stdout");
    let stderr = stderr.join().expect("stderr");
    assert!(
        status.success(),
        "{status}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("listening on http://127.0.0.1:{port}")),
        "{stdout}"
    );
    // The peering states the walkthrough prints, in order: rejected, expired, pending.
    let states: Vec<&str> = stdout
        .lines()
        .filter(|l| l.len() == 1 && l.chars().all(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(states, ["3", "2", "0"], "{stdout}");
    assert!(stdout.contains("\"offsetSeconds\": 691200"), "{stdout}");
    assert!(stdout.contains("Signature="), "the dry run: {stdout}");
    // The temporary-credential flows: the instance role, then an assumed role, each
    // signing a call that sees account A's VPC.
    assert!(stdout.contains("source: CVM role `app`"), "{stdout}");
    assert!(
        stdout.contains("source: STS AssumeRole qcs::cam::uin/100000000001:roleName/deployer"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| *l == "app").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn the_walkthrough_is_found() {
    fn check(readme: &str, expected: &str) {
        assert_eq!(walkthrough(readme), expected, "{readme}");
    }
    check(
        "# x\n```sh\nno\n```\n## The command line\ntext\n```sh\ncargo install --path a\nqcapi x\n  y\n```\n```sh\nlater\n```\n",
        "qcapi x\n  y\n",
    );
    check(
        "## The command line\n```sh\na\n```\n## Next\n```sh\nb\n```\n",
        "a\n",
    );
}
