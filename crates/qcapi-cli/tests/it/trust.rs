//! `--ca-file`, `--insecure` and `SSL_CERT_FILE` against a TLS server whose CA no
//! system trusts: one table of invocations, each with the exit code and what stderr
//! must and must not contain.

use crate::common;

use common::{Home, Qcapi};
use qcapi_emulator::Account;
use qcapi_tests::hostile::{Behavior, HostileServer, TestCa};

const WARNING: &str = "warning: --insecure: TLS certificates are not checked";

/// Where a row's extra trust comes from.
#[derive(Debug, Clone, Copy)]
enum Trust {
    /// Nothing.
    Default,
    /// `--ca-file` with the server's CA.
    CaFile,
    /// `--ca-file` naming a file that does not exist.
    MissingCaFile,
    /// `--ca-file` with text that holds no certificate.
    GarbageCaFile,
    /// `SSL_CERT_FILE` with the server's CA.
    SslCertFile,
    /// `--insecure`.
    Insecure,
    /// `--insecure -v`: the client's own warning, once.
    InsecureVerbose,
}

/// (trust, exit code, stderr must contain, stderr must not contain)
type Row = (Trust, i32, &'static [&'static str], &'static [&'static str]);

fn check(q: &Qcapi, home: &Home, ca: &TestCa, server: &HostileServer, row: Row) {
    let (trust, code, contains, lacks) = row;
    let ca_pem = home.write("ca.pem", &ca.ca_pem()).display().to_string();
    let garbage = home.write("garbage.pem", "hello").display().to_string();
    let missing = home.path().join("missing.pem").display().to_string();
    let url = server.url();
    let mut args: Vec<&str> = vec!["--endpoint", &url, "--retries", "2"];
    let mut q = q.clone();
    match trust {
        Trust::Default => {}
        Trust::CaFile => args.extend(["--ca-file", &ca_pem]),
        Trust::MissingCaFile => args.extend(["--ca-file", &missing]),
        Trust::GarbageCaFile => args.extend(["--ca-file", &garbage]),
        Trust::SslCertFile => q = q.env("SSL_CERT_FILE", &ca_pem),
        Trust::Insecure => args.push("--insecure"),
        Trust::InsecureVerbose => args.extend(["--insecure", "-v"]),
    }
    args.push("DescribeVpcEx");
    let before = server.connections();
    let run = q.run(&args);
    assert_eq!(run.code, code, "{row:?}: {run:#?}");
    for text in contains {
        assert!(
            run.stderr.contains(text),
            "{row:?}: no {text:?} in {run:#?}"
        );
    }
    for text in lacks {
        assert!(!run.stderr.contains(text), "{row:?}: {text:?} in {run:#?}");
    }
    if code == 0 {
        assert!(run.stdout.contains("\"code\": 0"), "{row:?}: {run:#?}");
    }
    // A refused certificate is not retried, and a bad --ca-file stops before connecting.
    let connections = server.connections() - before;
    let expected = match trust {
        Trust::MissingCaFile | Trust::GarbageCaFile => 0,
        _ => 1,
    };
    assert_eq!(connections, expected, "{row:?}: {run:#?}");
}

#[test]
fn ca_file_insecure_and_ssl_cert_file() {
    let ca = TestCa::new();
    let server = HostileServer::start_tls(Behavior::json_ok(), &ca);
    let home = Home::new("trust");
    let q = Qcapi::new(&home)
        .account(&Account::demo_a())
        .env("TENCENTCLOUD_REGION", "gz");
    let rows: [Row; 7] = [
        (Trust::Default, 1, &["error: TLS error"], &[WARNING]),
        (Trust::CaFile, 0, &[], &[WARNING, "error"]),
        (
            Trust::MissingCaFile,
            1,
            &["--ca-file", "cannot read", "missing.pem"],
            &[WARNING],
        ),
        (
            Trust::GarbageCaFile,
            1,
            &["--ca-file", "garbage.pem", "no certificate"],
            &[WARNING, "add_root_certificates"],
        ),
        (Trust::SslCertFile, 0, &[], &[WARNING, "error"]),
        // Without -v, the CLI's own line: nothing else is logged.
        (Trust::Insecure, 0, &[WARNING], &["WARN"]),
        // With -v, the client's warning instead of the CLI's line.
        (
            Trust::InsecureVerbose,
            0,
            &["WARN", "danger_accept_invalid_certs"],
            &[WARNING],
        ),
    ];
    for row in rows {
        check(&q, &home, &ca, &server, row);
    }
}
