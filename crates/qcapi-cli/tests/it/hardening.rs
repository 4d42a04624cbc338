//! The binary under hostile or careless conditions: closed pipes (exit 141, no
//! panic), error bodies from a misbehaving server (shown redacted, escaped,
//! truncated), control characters from API data, endpoints from the flag or
//! `TENCENTCLOUD_ENDPOINT` checked before sending, and the usability commands
//! (`--help`, `actions`, `completions`, case-insensitive names, `--query`,
//! `emulator advance-clock`).

use crate::common;

use std::process::Stdio;

use common::{Canned, Home, Qcapi, param, text, wait_bounded};
use qcapi_emulator::{Account, Emulator};

fn qcapi(home: &Home) -> Qcapi {
    Qcapi::new(home)
        .account(&Account::demo_a())
        .env("TENCENTCLOUD_REGION", "gz")
}

/// Which stream is a pipe whose read end is closed.
#[derive(Debug, Clone, Copy)]
enum Closed {
    Stdout,
    Stderr,
}

/// Runs `args` with one stream a pipe whose read end the test closes at once,
/// the other discarded, and returns the exit code and the other stream's
/// text (stderr when stdout is closed). Every command used writes well over a
/// pipe's 64 KiB buffer to the closed stream, so it meets the closed end
/// whether it writes before or after the test closes it.
fn with_closed(q: &Qcapi, closed: Closed, args: &[&str]) -> (i32, String) {
    let mut command = q.command(args);
    command.stdin(Stdio::null());
    match closed {
        Closed::Stdout => command.stdout(Stdio::piped()).stderr(Stdio::piped()),
        Closed::Stderr => command.stdout(Stdio::null()).stderr(Stdio::piped()),
    };
    let mut child = command.spawn().expect("spawn qcapi");
    let other = match closed {
        Closed::Stdout => {
            drop(child.stdout.take());
            let stderr = child.stderr.take().expect("piped stderr");
            Some(std::thread::spawn(move || {
                let mut text = String::new();
                let _ = std::io::Read::read_to_string(&mut { stderr }, &mut text);
                text
            }))
        }
        Closed::Stderr => {
            drop(child.stderr.take());
            None
        }
    };
    let status = wait_bounded(&mut child, &format!("qcapi {args:?}"));
    let other = other.map(|t| t.join().expect("reader")).unwrap_or_default();
    (status.code().unwrap_or(-1), other)
}

#[test]
fn a_closed_stdout_or_stderr_exits_141_without_a_panic() {
    let home = Home::new("closed-pipe");
    let q = qcapi(&home);
    let big = "x".repeat(100_000);
    let pair = format!("a={big}");
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let nowhere = format!("http://127.0.0.1:{closed_port}");
    let cases: &[(Closed, &[&str])] = &[
        // Help-like output (clap's own printing) and generated output.
        (Closed::Stdout, &["completions", "bash"]),
        // A signed request of 100 kB, with -vv logging meanwhile.
        (Closed::Stdout, &["--dry-run", "-vv", "call", "Foo", &pair]),
        // A usage error naming a 100 kB action.
        (Closed::Stderr, &[&big]),
        // The -v log writer: the debug event lists the parameters.
        (
            Closed::Stderr,
            &[
                "-vv",
                "--endpoint",
                &nowhere,
                "--retries",
                "0",
                "call",
                "Foo",
                &pair,
            ],
        ),
    ];
    for (closed, args) in cases {
        let (code, other) = with_closed(&q, *closed, args);
        let shown: Vec<&str> = args.iter().map(|a| &a[..a.len().min(20)]).collect();
        assert_eq!(code, 141, "{closed:?} {shown:?}: {other}");
        assert!(!other.contains("panicked"), "{closed:?} {shown:?}: {other}");
    }
    // The embedded emulator reports a failure to start with `eprintln!` (not this
    // crate's code): on a closed stderr that would be a panic, exit 101.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = busy.local_addr().expect("an address").to_string();
    let (code, _) = with_closed(&q, Closed::Stderr, &["emulator", "--listen", &addr]);
    assert!(code == 141 || code == 1, "not a panic: {code}");
    drop(busy);

    // Help and `actions` are smaller than a pipe's buffer: they may finish before
    // the test closes the pipe, but never panic.
    for args in [&["--help"][..], &["DescribeVpcEx", "--help"], &["actions"]] {
        let (code, other) = with_closed(&q, Closed::Stdout, args);
        assert!(code == 141 || code == 0, "{args:?}: {code} {other}");
        assert!(!other.contains("panicked"), "{args:?}: {other}");
    }
}

#[test]
fn http_and_decode_errors_show_the_body_redacted_and_truncated() {
    let home = Home::new("bodies");
    let q = qcapi(&home);
    let html = "<html><head><title>502 Bad Gateway</title></head>\n\
                <body>\x1b]0;pwned\x07 upstream GET /v2/index.php?Action=DescribeVpcEx&Signature=SIGNATURE-SECRET&Token=TOKEN-SECRET</body></html>\n";
    let long = format!("not json {}", "y".repeat(2_000));
    // (response, -v?, fragments stderr must contain, fragments it must not)
    type Case<'a> = (String, bool, Vec<&'a str>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            Canned::response("502 Bad Gateway", "text/html", html),
            false,
            vec![
                "error: HTTP status 502",
                "body: <html><head><title>502 Bad Gateway</title>",
                "\\x1b]0;pwned\\x07",
                "Signature=<redacted>&Token=<redacted>",
            ],
            vec!["SIGNATURE-SECRET", "TOKEN-SECRET", "\x1b", "more bytes"],
        ),
        (
            Canned::response("200 OK", "text/plain", &long),
            false,
            vec![
                "error: unreadable response",
                "body: not json yyy",
                "… (1497 more bytes; -v shows all)",
            ],
            vec![],
        ),
        (
            Canned::response("200 OK", "text/plain", &long),
            true,
            vec!["error: unreadable response", &long],
            vec!["more bytes"],
        ),
        (
            Canned::response("200 OK", "application/json", ""),
            false,
            vec!["error: unreadable response", "body: (empty)"],
            vec![],
        ),
    ];
    for (response, verbose, wanted, unwanted) in cases {
        let server = Canned::serve(vec![response]);
        let mut args = vec!["--endpoint", &server.url, "--retries", "0", "DescribeVpcEx"];
        if verbose {
            args.push("-v");
        }
        let run = q.run(&args);
        assert_eq!(run.code, 1, "{run:#?}");
        assert_eq!(run.stdout, "", "{run:#?}");
        for fragment in wanted {
            assert!(
                run.stderr.contains(fragment),
                "lacks {fragment:?}: {}",
                run.stderr
            );
        }
        for fragment in unwanted {
            assert!(
                !run.stderr.contains(fragment),
                "has {fragment:?}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn api_errors_show_the_raw_body_with_verbose_only() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("api-body");
    let q = qcapi(&home);
    let url = emulator.base_url();
    let args = [
        "--endpoint",
        url.as_str(),
        "RejectVpcPeeringConnection",
        "--peeringConnectionId",
        "pcx-nothere",
    ];
    let quiet = q.run(&args);
    assert_eq!(quiet.code, 1);
    assert!(!quiet.stderr.contains("body:"), "{}", quiet.stderr);
    let verbose = q.run(&[&args[..], &["-v"]].concat());
    assert_eq!(verbose.code, 1);
    assert!(
        verbose.stderr.contains("body: {") && verbose.stderr.contains("\"codeDesc\""),
        "{}",
        verbose.stderr
    );
}

#[test]
fn control_characters_from_the_api_are_escaped_in_tables() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("escape");
    let q = qcapi(&home);
    let url = emulator.base_url();
    let name = "\x1b]0;x\x07\u{202e}";
    let created = q.run(&[
        "--endpoint",
        &url,
        "CreateVpc",
        "--vpcName",
        name,
        "--cidrBlock",
        "10.0.0.0/16",
    ]);
    assert_eq!(created.code, 0, "{created:#?}");
    assert!(
        !created.stdout.contains('\u{202e}'),
        "JSON escapes it too: {}",
        created.stdout
    );
    let table = q.run(&["--endpoint", &url, "-o", "table", "DescribeVpcEx"]);
    assert_eq!(table.code, 0, "{table:#?}");
    assert!(
        table.stdout.contains("\\x1b]0;x\\x07\\u{202e}"),
        "{}",
        table.stdout
    );
    assert!(
        !table.stdout.contains(['\x1b', '\x07', '\u{202e}']),
        "{:?}",
        table.stdout
    );
    // An empty list says so.
    let none = q.run(&[
        "--endpoint",
        &url,
        "-o",
        "table",
        "DescribeVpcPeeringConnections",
    ]);
    assert_eq!(none.code, 0, "{none:#?}");
    assert_eq!(none.stdout, "(no results)\n");
}

#[test]
fn the_endpoint_comes_from_the_flag_or_the_environment_and_is_checked_first() {
    let home = Home::new("endpoint");
    let q = qcapi(&home);
    let fixed = [
        "--dry-run",
        "--nonce",
        "1",
        "--timestamp",
        "1",
        "DescribeVpcEx",
    ];
    let dry = |q: &Qcapi, extra: &[&str]| q.run(&[extra, &fixed[..]].concat());
    // (TENCENTCLOUD_ENDPOINT, --endpoint, exit code, what stdout starts with or stderr contains)
    let cases: &[(Option<&str>, Option<&str>, i32, &str)] = &[
        (None, None, 0, "https://vpc.api.qcloud.com/v2/index.php?"),
        (
            Some(""),
            None,
            0,
            "https://vpc.api.qcloud.com/v2/index.php?",
        ),
        (
            Some("http://127.0.0.1:9000"),
            None,
            0,
            "http://127.0.0.1:9000/v2/index.php?",
        ),
        (
            Some("http://127.0.0.1:9000"),
            Some("http://127.0.0.1:9001"),
            0,
            "http://127.0.0.1:9001/v2/index.php?",
        ),
        (
            None,
            Some("http://127.0.0.1:9000/prefix/v2/index.php"),
            0,
            "http://127.0.0.1:9000/prefix/v2/index.php?",
        ),
        (
            Some("http://127.0.0.1:9000/prefix/v2/index.php"),
            None,
            0,
            "http://127.0.0.1:9000/prefix/v2/index.php?",
        ),
        (
            None,
            Some("127.0.0.1:9000"),
            2,
            "invalid --endpoint: `127.0.0.1:9000`",
        ),
        (
            Some("127.0.0.1:9000"),
            None,
            2,
            "invalid TENCENTCLOUD_ENDPOINT: `127.0.0.1:9000`",
        ),
        (
            None,
            Some("ftp://127.0.0.1"),
            2,
            "invalid --endpoint: `ftp://127.0.0.1`",
        ),
        (None, Some("http://h/p?x=1"), 2, "invalid --endpoint"),
        // A bad variable does not matter when the flag is given.
        (
            Some("nonsense"),
            Some("http://127.0.0.1:9000"),
            0,
            "http://127.0.0.1:9000/",
        ),
    ];
    for (env, flag, code, expected) in cases {
        let q = match env {
            Some(value) => q.clone().env("TENCENTCLOUD_ENDPOINT", value),
            None => q.clone(),
        };
        let run = match flag {
            Some(url) => dry(&q, &["--endpoint", url]),
            None => dry(&q, &[]),
        };
        assert_eq!(run.code, *code, "{env:?} {flag:?}: {run:#?}");
        if *code == 0 {
            assert!(
                run.stdout.starts_with(expected),
                "{env:?} {flag:?}: {}",
                run.stdout
            );
            assert_eq!(
                param(&run.stdout, "Action").as_deref(),
                Some("DescribeVpcEx")
            );
        } else {
            assert_eq!(run.stdout, "");
            assert!(
                run.stderr.contains(expected),
                "{env:?} {flag:?}: {}",
                run.stderr
            );
        }
    }

    // Checked before anything is sent: a server that counts connections sees none.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let run = q.run(&["--endpoint", "127.0.0.1:1", "DescribeVpcEx"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(listener.accept().is_err(), "nothing connected");

    // And a real call goes where the variable says.
    let emulator = Emulator::start().expect("emulator");
    let run = q
        .clone()
        .env("TENCENTCLOUD_ENDPOINT", &emulator.base_url())
        .run(&["DescribeVpcEx"]);
    assert_eq!(common::int(&run.json()["code"]), 0);
}

#[test]
fn help_actions_and_names() {
    let home = Home::new("usability");
    let q = qcapi(&home);
    let help = q.run(&["--help"]);
    assert_eq!(help.code, 0, "{help:#?}");
    let globals = help.stdout.find("Global options:").expect("globals");
    let commands = help.stdout.find("Commands:").expect("commands");
    assert!(globals < commands, "{}", help.stdout);
    assert!(
        help.stdout
            .contains("Run `qcapi actions` to list the 144 actions"),
        "{}",
        help.stdout
    );
    assert!(
        !help.stdout.contains("RejectVpcPeeringConnection"),
        "{}",
        help.stdout
    );
    assert_eq!(q.run(&["-h"]).stdout, help.stdout);

    let all = q.run(&["actions"]);
    assert_eq!(all.code, 0);
    assert_eq!(all.stdout.lines().count(), 144);
    // (filter, a line that must be listed, a name that must not)
    for (filter, listed, absent) in [
        ("peering", "RejectVpcPeeringConnection ", "CreateVpc "),
        ("PEERING", "RejectVpcPeeringConnection ", "CreateVpc "),
        ("describevpcex", "DescribeVpcEx ", "CreateVpc "),
    ] {
        let run = q.run(&["actions", filter]);
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(
            run.stdout.lines().any(|l| l.starts_with(listed)),
            "{filter}: {}",
            run.stdout
        );
        assert!(
            !run.stdout.lines().any(|l| l.starts_with(absent)),
            "{filter}: {}",
            run.stdout
        );
        assert!(
            run.stdout.lines().all(|l| l.contains("  ")),
            "name, then summary"
        );
    }
    let none = q.run(&["actions", "zzzz"]);
    assert_eq!(none.code, 1, "{none:#?}");
    assert!(
        none.stderr.contains("no action matches `zzzz`"),
        "{}",
        none.stderr
    );

    // Any case works; a near miss gets a suggestion, exit 2.
    let dry = ["--dry-run", "--nonce", "1", "--timestamp", "1"];
    let exact = q.run(&[&dry[..], &["DescribeVpcEx", "--limit", "1"]].concat());
    for name in ["describevpcex", "DESCRIBEVPCEX", "describeVpcEX"] {
        let run = q.run(&[&dry[..], &[name, "--limit", "1"]].concat());
        assert_eq!(run.code, 0, "{name}: {run:#?}");
        assert_eq!(run.stdout, exact.stdout, "{name}");
    }
    let miss = q.run(&["DescribeVpcExx"]);
    assert_eq!(miss.code, 2, "{miss:#?}");
    assert!(
        miss.stderr
            .contains("unknown action `DescribeVpcExx`; did you mean `DescribeVpcEx`?"),
        "{}",
        miss.stderr
    );
}

#[test]
fn completions_for_each_shell() {
    let home = Home::new("completions");
    let q = qcapi(&home);
    for shell in ["bash", "zsh", "fish"] {
        let run = q.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(!run.stdout.is_empty(), "{shell}");
        for known in [
            "RejectVpcPeeringConnection",
            "peeringConnectionId",
            "advance-clock",
        ] {
            assert!(run.stdout.contains(known), "{shell} lacks {known}");
        }
    }
    // The bash script is valid bash.
    let home_script = home.write("qcapi.bash", &q.run(&["completions", "bash"]).stdout);
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&home_script)
        .status()
        .expect("run bash -n");
    assert!(syntax.success(), "bash -n rejects the completion script");
    let bad = q.run(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2, "{bad:#?}");
}

#[test]
fn query_prints_one_field() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("query");
    let q = qcapi(&home).env("TENCENTCLOUD_ENDPOINT", &emulator.base_url());
    let vpc = q.run(&[
        "CreateVpc",
        "--vpcName",
        "q",
        "--cidrBlock",
        "10.0.0.0/16",
        "--query",
        "unVpcId",
    ]);
    assert_eq!(vpc.code, 0, "{vpc:#?}");
    let id = vpc.stdout.trim_end_matches('\n');
    assert!(
        id.starts_with("vpc-") && !id.contains(['"', '\n']),
        "{:?}",
        vpc.stdout
    );
    let listed = q.run(&["DescribeVpcEx", "--query", "data.0.unVpcId"]);
    assert_eq!(listed.stdout, vpc.stdout);
    let count = q.run(&["DescribeVpcEx", "--query", "totalCount"]);
    assert_eq!(count.stdout, "1\n");
    let missing = q.run(&["DescribeVpcEx", "--query", "data.5.unVpcId"]);
    assert_eq!(missing.code, 1, "{missing:#?}");
    assert_eq!(missing.stdout, "");
    assert!(
        missing.stderr.contains("no field `data.5.unVpcId`"),
        "{}",
        missing.stderr
    );
}

#[test]
fn advance_clock_moves_the_emulators_clock() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("advance");
    let q = qcapi(&home);
    let url = emulator.base_url();
    let run =
        q.clone()
            .env("TENCENTCLOUD_ENDPOINT", &url)
            .run(&["emulator", "advance-clock", "8d"]);
    assert_eq!(
        common::int(&run.json()["offsetSeconds"]),
        691_200,
        "{run:#?}"
    );
    let run = q.run(&["emulator", "advance-clock", "--endpoint", &url, "3600"]);
    assert_eq!(common::int(&run.json()["offsetSeconds"]), 691_200 + 3_600);
    let run = q.run(&[
        "--endpoint",
        &url,
        "emulator",
        "advance-clock",
        "1h",
        "-o",
        "table",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout.contains("offsetSeconds  698400"),
        "{}",
        run.stdout
    );
    assert!(
        text(
            &q.run(&["--endpoint", &url, "emulator", "advance-clock", "0"])
                .json(),
            "nowText"
        )
        .len()
            > 4
    );

    let dry = q.run(&[
        "--dry-run",
        "--endpoint",
        &url,
        "emulator",
        "advance-clock",
        "2m",
    ]);
    assert_eq!(
        dry.stdout,
        format!("POST {url}/_emulator/clock/advance?seconds=120\n")
    );
    let after = q.run(&["--endpoint", &url, "emulator", "advance-clock", "0"]);
    assert_eq!(
        common::int(&after.json()["offsetSeconds"]),
        698_400,
        "the dry run sent nothing"
    );

    // Refused by the emulator (more than 100 years): its answer on stderr.
    let refused = q.run(&["--endpoint", &url, "emulator", "advance-clock", "40000d"]);
    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(
        refused.stderr.contains("HTTP status 400") && refused.stderr.contains("at most"),
        "{}",
        refused.stderr
    );
    // Usage errors, and an emulator that is not there.
    for args in [
        &["emulator", "advance-clock", "soon"][..],
        &["emulator", "advance-clock"],
        &["emulator", "advance-clock", "1d", "--endpoint", "nowhere"],
    ] {
        let run = q.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
    }
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let gone = q.run(&[
        "emulator",
        "advance-clock",
        "1d",
        "--endpoint",
        &format!("http://127.0.0.1:{closed_port}"),
    ]);
    assert_eq!(gone.code, 1, "{gone:#?}");
    assert!(
        gone.stderr.contains("cannot reach the emulator"),
        "{}",
        gone.stderr
    );
}

#[test]
fn emulator_help_documents_the_admin_endpoints() {
    let home = Home::new("emulator-help");
    let help = qcapi(&home).run(&["emulator", "--help"]);
    assert_eq!(help.code, 0, "{help:#?}");
    for endpoint in [
        "/_emulator/clock/advance",
        "/_emulator/faults",
        "405",
        "413",
    ] {
        assert!(
            help.stdout.contains(endpoint),
            "{endpoint}: {}",
            help.stdout
        );
    }
}

#[test]
fn emulator_reset_and_clock_drive_a_running_emulator() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("reset");
    let url = emulator.base_url();
    let q = qcapi(&home).env("TENCENTCLOUD_ENDPOINT", &url);
    let vpc = q.run(&["CreateVpc", "--vpcName", "r", "--cidrBlock", "10.0.0.0/16"]);
    assert_eq!(vpc.code, 0, "{vpc:#?}");
    let uin = qcapi_emulator::Account::demo_a().uin;
    let other = q.run(&["emulator", "reset", "--account", &uin, "--region", "sh"]);
    assert_eq!(common::int(&other.json()["vpcs"]), 0, "{other:#?}");
    let scoped = q.run(&["emulator", "reset", "--account", &uin, "--region", "gz"]);
    assert_eq!(common::int(&scoped.json()["vpcs"]), 1, "{scoped:#?}");
    assert_eq!(
        q.run(&["DescribeVpcEx", "--query", "totalCount"]).stdout,
        "0\n"
    );
    let all = q.run(&["emulator", "reset", "--endpoint", &url]);
    assert_eq!(all.json()["reset"], "all", "{all:#?}");
    // --account alone is a usage error, sent nowhere.
    assert_eq!(q.run(&["emulator", "reset", "--account", &uin]).code, 2);
    q.run(&["emulator", "advance-clock", "1h"]);
    let clock = q.run(&["emulator", "clock"]);
    assert_eq!(
        common::int(&clock.json()["offsetSeconds"]),
        3_600,
        "{clock:#?}"
    );
    q.run(&["DescribeVpcEx"]);
    let journal = q.run(&["emulator", "requests"]);
    let entries = journal.json()["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(entries.len(), 1, "{journal:#?}");
    assert_eq!(entries[0]["action"], "DescribeVpcEx", "{journal:#?}");
    let cleared = q.run(&["emulator", "requests", "--clear"]);
    assert_eq!(common::int(&cleared.json()["cleared"]), 1, "{cleared:#?}");
    assert_eq!(emulator.requests().len(), 0);
}

#[test]
fn emulator_state_answers_and_tasks_drive_a_running_emulator() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("scenarios");
    let q = qcapi(&home).env("TENCENTCLOUD_ENDPOINT", &emulator.base_url());
    let uin = qcapi_emulator::Account::demo_a().uin;
    q.run(&["CreateVpc", "--vpcName", "s", "--cidrBlock", "10.0.0.0/16"]);
    let state = q.run(&["emulator", "state", "--account", &uin, "--region", "gz"]);
    assert_eq!(state.json()["vpcs"][0]["vpcName"], "s", "{state:#?}");
    // Both are required: a usage error, sent nowhere.
    assert_eq!(q.run(&["emulator", "state", "--account", &uin]).code, 2);

    let canned = r#"{"action":"DescribeVpcEx","result":{"totalCount":42,"data":[]}}"#;
    let added = q.run(&["emulator", "answers", "--add", canned]);
    assert_eq!(common::int(&added.json()["pending"]), 1, "{added:#?}");
    let listed = q.run(&["emulator", "answers"]);
    assert_eq!(
        listed.json()["answers"][0]["action"],
        "DescribeVpcEx",
        "{listed:#?}"
    );
    assert_eq!(
        q.run(&["DescribeVpcEx", "--query", "totalCount"]).stdout,
        "42\n"
    );
    assert_eq!(
        q.run(&["DescribeVpcEx", "--query", "totalCount"]).stdout,
        "1\n"
    );
    let refused = q.run(&["emulator", "answers", "--add", "{}"]);
    assert_eq!(refused.code, 1, "{refused:#?}");
    let cleared = q.run(&["emulator", "answers", "--clear"]);
    assert_eq!(common::int(&cleared.json()["cleared"]), 0, "{cleared:#?}");

    let rule = q.run(&[
        "emulator",
        "tasks",
        "--add",
        r#"{"finish":"after_polls","polls":2}"#,
    ]);
    assert_eq!(common::int(&rule.json()["rules"]), 1, "{rule:#?}");
    assert_eq!(q.run(&["emulator", "tasks"]).json()["rules"][0]["polls"], 2);
    let cleared = q.run(&["emulator", "tasks", "--clear"]);
    assert_eq!(common::int(&cleared.json()["cleared"]), 1, "{cleared:#?}");
    assert_eq!(emulator.clear_task_rules(), 0);
}
