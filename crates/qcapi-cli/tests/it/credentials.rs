//! The credential chain from the command line, step by step: environment,
//! TENCENTCLOUD_CREDENTIALS_FILE, `[default]` of $HOME/.tencentcloud/credentials,
//! `--profile` / TENCENTCLOUD_PROFILE, and a failure naming every source tried.
//! Each run sees only the variables set here and a temporary HOME.

use crate::common;

use common::{Home, Qcapi, param};
use qcapi_emulator::{Account, Emulator};

/// A dry run printing which SecretId and Region were used.
fn which(q: &Qcapi, extra: &[&str]) -> (String, Option<String>) {
    let mut args = vec!["--dry-run", "--nonce", "1", "--timestamp", "1"];
    args.extend(extra);
    args.push("DescribeVpcEx");
    let run = q.run(&args);
    assert_eq!(run.code, 0, "{args:?}: {run:#?}");
    (
        param(&run.stdout, "SecretId").expect("a SecretId"),
        param(&run.stdout, "Region"),
    )
}

const PROFILES: &str = "\
# qcapi test profiles
[default]
secret_id = AKIDhomeDefault
secret_key = home-default-key
region = sh

[other]
secret_id = AKIDhomeOther
secret_key = home-other-key
";

#[test]
fn each_step_of_the_chain() {
    let home = Home::new("chain");
    let q = Qcapi::new(&home);

    // 1. The environment.
    let env = q
        .clone()
        .env("TENCENTCLOUD_SECRET_ID", "AKIDfromEnv")
        .env("TENCENTCLOUD_SECRET_KEY", "env-key");
    assert_eq!(which(&env, &[]), ("AKIDfromEnv".into(), None));
    assert_eq!(
        which(&env.clone().env("TENCENTCLOUD_REGION", "bj"), &[]),
        ("AKIDfromEnv".into(), Some("bj".into()))
    );
    assert_eq!(
        which(&env, &["--region", "cd"]).1.as_deref(),
        Some("cd"),
        "--region wins"
    );

    // 2. A profile file named by TENCENTCLOUD_CREDENTIALS_FILE.
    let elsewhere = home.write(
        "elsewhere/creds.ini",
        "[default]\nsecret_id=AKIDelsewhere\nsecret_key=k\nregion=gz\n",
    );
    let file = q
        .clone()
        .env("TENCENTCLOUD_CREDENTIALS_FILE", elsewhere.to_str().unwrap());
    assert_eq!(
        which(&file, &[]),
        ("AKIDelsewhere".into(), Some("gz".into()))
    );

    // 3. [default] of $HOME/.tencentcloud/credentials, with its region.
    home.write(".tencentcloud/credentials", PROFILES);
    assert_eq!(
        which(&q, &[]),
        ("AKIDhomeDefault".into(), Some("sh".into()))
    );
    // ... after the environment, which still comes first.
    assert_eq!(which(&env, &[]).0, "AKIDfromEnv");

    // 4. Another profile: --profile, or TENCENTCLOUD_PROFILE.
    assert_eq!(
        which(&q, &["--profile", "other"]),
        ("AKIDhomeOther".into(), None)
    );
    let named = q.clone().env("TENCENTCLOUD_PROFILE", "other");
    assert_eq!(which(&named, &[]).0, "AKIDhomeOther");
    assert_eq!(
        which(&named, &["--profile", "default"]).0,
        "AKIDhomeDefault",
        "--profile wins over TENCENTCLOUD_PROFILE"
    );
}

#[test]
fn failure_names_every_source_tried() {
    let home = Home::new("nothing");
    let run = Qcapi::new(&home).run(&["DescribeVpcEx"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.stdout, "");
    let expected_file = home.path().join(".tencentcloud").join("credentials");
    for fragment in [
        "no credentials found",
        "explicit",
        "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY not set",
        expected_file.to_str().unwrap(),
    ] {
        assert!(
            run.stderr.contains(fragment),
            "lacks {fragment}: {}",
            run.stderr
        );
    }

    // A profile that is not in the file is named too.
    home.write(".tencentcloud/credentials", PROFILES);
    let run = Qcapi::new(&home)
        .env("TENCENTCLOUD_SECRET_ID", "AKIDhalf")
        .run(&["--profile", "missing", "DescribeVpcEx"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr.contains("TENCENTCLOUD_SECRET_KEY not set")
            && run.stderr.contains("no [missing] section"),
        "{}",
        run.stderr
    );
}

#[test]
fn profile_credentials_authenticate_for_real() {
    let emulator = Emulator::start().expect("emulator");
    let home = Home::new("profile-call");
    let b = Account::demo_b();
    home.write(
        ".tencentcloud/credentials",
        &format!(
            "[b]\nsecret_id = {}\nsecret_key = {}\nregion = gz\n",
            b.secret_id, b.secret_key
        ),
    );
    let run = Qcapi::new(&home).run(&[
        "--endpoint",
        &emulator.base_url(),
        "--profile",
        "b",
        "CreateVpc",
        "--vpcName",
        "from-profile",
        "--cidrBlock",
        "10.5.0.0/16",
    ]);
    assert_eq!(run.json()["code"], 0);
    assert_eq!(emulator.request_count("CreateVpc"), 1);
}

/// `qcapi whoami` names the source the chain picked, masks the SecretId, says
/// whether a token is set, and never prints a key or token.
#[test]
fn whoami_names_the_source_and_shows_no_secret() {
    let home = Home::new("whoami");
    home.write(".tencentcloud/credentials", PROFILES);
    let base = Qcapi::new(&home);
    let env = base
        .clone()
        .env("TENCENTCLOUD_SECRET_ID", "AKIDfromEnvironment01")
        .env("TENCENTCLOUD_SECRET_KEY", "env-key-NEVER-SHOWN")
        .env("TENCENTCLOUD_SECURITY_TOKEN", "env-token-NEVER-SHOWN")
        .env("TENCENTCLOUD_REGION", "gz");
    // (runner, extra flags, lines the output must hold)
    let cases: [(&Qcapi, &[&str], &[&str]); 4] = [
        (
            &env,
            &[],
            &[
                "source: environment",
                "secret id: AKID****nt01",
                "session token: set",
                "region: gz",
                "endpoint: https://vpc.api.qcloud.com/v2/index.php",
            ],
        ),
        (
            &base,
            &[],
            &[
                "source: profile default in",
                "secret id: AKID****ault",
                "session token: none",
                "region: sh",
            ],
        ),
        (
            &base,
            &["--profile", "other"],
            &["source: profile other in", "secret id: AKID****ther"],
        ),
        (
            &env,
            &["--domain", "tce.corp", "--region", "bj"],
            &["region: bj", "endpoint: https://vpc.tce.corp/v2/index.php"],
        ),
    ];
    for (q, flags, expected) in cases {
        let mut args = flags.to_vec();
        args.push("whoami");
        let run = q.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {run:#?}");
        for line in expected {
            assert!(
                run.stdout.contains(line),
                "{args:?}: `{line}` in\n{}",
                run.stdout
            );
        }
        for secret in [
            "env-key-NEVER-SHOWN",
            "env-token-NEVER-SHOWN",
            "home-default-key",
            "AKIDfromEnvironment01",
        ] {
            assert!(
                !run.all().contains(secret),
                "{args:?}: {secret} leaked: {run:#?}"
            );
        }
    }
    let json = env.run(&["-o", "json", "whoami"]).json();
    assert_eq!(json["source"], "environment");
    assert_eq!(json["token"], true);
    let none = Qcapi::new(&Home::new("whoami-none")).run(&["whoami"]);
    assert_eq!(none.code, 1, "{none:#?}");
    assert!(none.stderr.contains("no credentials found"), "{none:#?}");
}

/// `qcapi configure` writes one profile (mode 0600), keeps the others, never
/// prints the key, and what it wrote is what the chain then reads.
#[test]
fn configure_writes_the_profile_the_chain_reads() {
    use std::io::Write as _;
    let home = Home::new("configure");
    let file = home.write(".tencentcloud/credentials", PROFILES);
    let q = Qcapi::new(&home);
    let configure = |args: &[&str], input: &str| {
        let mut child = q
            .command(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("qcapi runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("input written");
        child.wait_with_output().expect("qcapi ends")
    };
    // (arguments, input, exit code, the profile whoami then reads, its SecretId)
    let cases: [(&[&str], &str, i32, &str, &str); 3] = [
        (
            &["configure", "--profile", "ops"],
            "AKIDconfiguredOps1\nops-key-NEVER-SHOWN\nbj\n",
            0,
            "ops",
            "AKID****Ops1",
        ),
        (
            &["configure"],
            "AKIDconfiguredDef1\ndef-key-NEVER-SHOWN\n\n",
            0,
            "default",
            "AKID****Def1",
        ),
        (
            &["configure", "--profile", "ops"],
            "AKIDbroken\n\n",
            1,
            "ops",
            "AKID****Ops1",
        ),
    ];
    for (args, input, code, profile, masked) in cases {
        let output = configure(args, input);
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(output.status.code(), Some(code), "{args:?}: {shown}");
        assert!(!shown.contains("NEVER-SHOWN"), "{args:?}: {shown}");
        let run = q.run(&["--profile", profile, "whoami"]);
        assert!(
            run.stdout.contains(&format!("secret id: {masked}")),
            "{args:?}: {run:#?}"
        );
    }
    let text = std::fs::read_to_string(&file).expect("the file");
    assert!(
        text.contains("[other]\nsecret_id = AKIDhomeOther"),
        "{text}"
    );
    assert!(text.contains("# qcapi test profiles"), "{text}");
    assert!(
        text.contains(
            "[ops]\nsecret_id = AKIDconfiguredOps1\nsecret_key = ops-key-NEVER-SHOWN\nregion = bj"
        ),
        "{text}"
    );
    assert!(text.contains("[default]\nsecret_id = AKIDconfiguredDef1\nsecret_key = def-key-NEVER-SHOWN\nregion = sh"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
}
